"""The orthogonal polynomials of torch.special (Chebyshev T/U/V/W and their shifted forms,
Hermite H/He, Laguerre L, Legendre P) of integer degree ``n`` (truncated from a float, as
torch does), by their three-term recurrences; torch gives them no derivative.

The special values torch's kernels return exactly are kept: degree < 0 gives 0, and at the
ends of [-1, 1] (or [0, 1] for the shifted forms) the closed forms; inside the interval,
Chebyshev degrees above 6 (T) or 8 (U, V, W) use the trigonometric forms, as torch does.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._pointwise_util import not_implemented, write_out
from ._registry import binary, dispatch, expose

_PROMOTE_FLOAT = {"dtype_rule": "promote_float", "broadcasts": True}


def _recurrence(xp, x, n, p0, p1, step):
    """Degree-n values by p_{k+1} = step(k, x, p_k, p_{k-1}), elementwise in n."""
    out = xp.where(n == 0, p0, p1)
    top = int(n.max()) if n.size else 0
    prev, cur = p0, p1
    for k in range(1, top):
        prev, cur = cur, step(k, x, cur, prev)
        out = xp.where(n == k + 1, cur, out)
    return out


def _args(xp, x, n, shift=False):
    """(x, integer degree, result dtype), broadcast; a Python number takes the other
    operand's dtype (the registry has made tensor operands one float dtype)."""
    dtype = x.dtype if isinstance(x, xp.ndarray) else n.dtype
    x, n = xp.broadcast_arrays(xp.asarray(x, dtype=dtype), xp.asarray(n))
    if shift:
        x = 2 * x - 1
    degree = xp.trunc(xp.where(xp.isfinite(n), n, -1)).astype("int64")
    return x, degree, dtype


def _cheb(kind, xp, x, n, shift=False):
    x, n, dtype = _args(xp, x, n, shift)
    one = xp.ones_like(x)
    p1 = {"t": x, "u": 2 * x, "v": 2 * x - 1, "w": 2 * x + 1}[kind]
    rec = _recurrence(xp, x, xp.where(n < 0, 0, n), one, p1,
                      lambda k, x, q, p: 2 * x * q - p)
    odd = (n % 2) == 1
    pos = x > 0
    if kind == "t":
        ends = xp.where(pos | ~odd, 1.0, -1.0)
    elif kind == "u":
        ends = xp.where(pos | ~odd, n + 1.0, -(n + 1.0))
    elif kind == "v":
        ends = xp.where(pos, 1.0, xp.where(~odd, 2.0 * n + 1, -(2.0 * n + 1)))
    else:
        ends = xp.where(pos, 2.0 * n + 1, xp.where(~odd, 1.0, -1.0))
    inside = xp.abs(x) < 1
    theta = xp.arccos(xp.clip(x, -1, 1))
    big = n > (6 if kind == "t" else 8)
    with_trig = inside & big
    if kind == "t":
        trig = xp.cos(n * theta)
    elif kind == "u":
        s = xp.sin(theta)
        trig = xp.where(s != 0, xp.sin((n + 1) * theta) / xp.where(s != 0, s, 1),
                        (n + 1) * xp.cos((n + 1) * theta) / xp.where(x != 0, x, 1))
    elif kind == "v":
        c = xp.cos(theta / 2)
        trig = xp.where(c != 0, xp.cos((n + 0.5) * theta) / xp.where(c != 0, c, 1), ends)
    else:
        s = xp.sin(theta / 2)
        trig = xp.where(s != 0, xp.sin((n + 0.5) * theta) / xp.where(s != 0, s, 1), ends)
    out = xp.where(with_trig, trig, rec)
    out = xp.where(xp.abs(x) == 1, ends, out)
    return xp.where(n < 0, 0.0, out).astype(dtype)


def _shifted(kind):
    return lambda xp, x, n: _cheb(kind, xp, x, n, shift=True)


def _hermite_h(xp, x, n):
    x, n, dtype = _args(xp, x, n)
    out = _recurrence(xp, x, xp.where(n < 0, 0, n), xp.ones_like(x), 2 * x,
                      lambda k, x, q, p: 2 * x * q - 2 * k * p)
    return xp.where(n < 0, 0.0, out).astype(dtype)


def _hermite_he(xp, x, n):
    x, n, dtype = _args(xp, x, n)
    out = _recurrence(xp, x, xp.where(n < 0, 0, n), xp.ones_like(x), x,
                      lambda k, x, q, p: x * q - k * p)
    return xp.where(n < 0, 0.0, out).astype(dtype)


def _laguerre(xp, x, n):
    x, n, dtype = _args(xp, x, n)
    out = _recurrence(xp, x, xp.where(n < 0, 0, n), xp.ones_like(x), 1 - x,
                      lambda k, x, q, p: ((2 * k + 1 - x) * q - k * p) / (k + 1))
    out = xp.where(x == 0, 1.0, out)
    return xp.where(n < 0, 0.0, out).astype(dtype)


def _legendre(xp, x, n):
    x, n, dtype = _args(xp, x, n)
    out = _recurrence(xp, x, xp.where(n < 0, 0, n), xp.ones_like(x), x,
                      lambda k, x, q, p: ((2 * k + 1) * x * q - k * p) / (k + 1))
    ends = xp.where((x > 0) | ((n % 2) == 0), 1.0, -1.0)
    out = xp.where(xp.abs(x) == 1, ends, out)
    return xp.where(n < 0, 0.0, out).astype(dtype)


_KERNELS = {
    "chebyshev_polynomial_t": lambda xp, x, n: _cheb("t", xp, x, n),
    "chebyshev_polynomial_u": lambda xp, x, n: _cheb("u", xp, x, n),
    "chebyshev_polynomial_v": lambda xp, x, n: _cheb("v", xp, x, n),
    "chebyshev_polynomial_w": lambda xp, x, n: _cheb("w", xp, x, n),
    "shifted_chebyshev_polynomial_t": _shifted("t"),
    "shifted_chebyshev_polynomial_u": _shifted("u"),
    "shifted_chebyshev_polynomial_v": _shifted("v"),
    "shifted_chebyshev_polynomial_w": _shifted("w"),
    "hermite_polynomial_h": _hermite_h,
    "hermite_polynomial_he": _hermite_he,
    "laguerre_polynomial_l": _laguerre,
    "legendre_polynomial_p": _legendre,
}


def _public(name, kernel):
    o = binary(f"special_{name}", kernel, **_PROMOTE_FLOAT)

    def fn(input, n, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"special_{name}() received an invalid combination of arguments - "
                            f"got ({type(input).__name__}, {type(n).__name__}), but expected "
                            "one of: (Tensor x, Tensor n), (Number x, Tensor n), (Tensor x, "
                            "Number n)")
        from .pointwise import _promoted_dtype
        dtype = _promoted_dtype(input, n)
        if dtype.is_complex or dtype.name == "float16":
            raise not_implemented(f"{name}_cpu", dtype.np)
        if out is not None:
            return write_out(f"special_{name}", out, (input, n), lambda: fn(input, n))
        return dispatch(o, (input, n))
    fn.__name__ = fn.__qualname__ = f"special_{name}"
    fn.__doc__ = f"torch.special.{name}(input, n): the degree-n polynomial at input."
    return expose(fn, method=False, internal=True)


for _name, _kernel in _KERNELS.items():
    _public(_name, _kernel)
