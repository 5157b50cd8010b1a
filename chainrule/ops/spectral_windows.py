"""Window functions (``hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window``, ``kaiser_window``), computed step by step in the window's dtype as
torch's kernels compute them (so float32 windows round as torch's do), with torch's
argument forms: ``periodic`` positional or keyword, the shape parameters only after it.
The short-time Fourier transforms (``stft``, ``istft``) live in ops/spectral_stft.py."""
from __future__ import annotations

import math

from .._dtypes import get_default_dtype
from .._factory import check_options, dtype_arg, make, scalar_type_name, torch_type_name
from .._legacy import _OPTION_NAMES
from ..backend import numpy_namespace as xp

_OPTIONS = ("torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
            "bool pin_memory = False, bool requires_grad = False")


def _signature_error(name: str, extra: tuple, args: tuple, kwargs: dict) -> TypeError:
    forms = [("int window_length",), ("int window_length", "bool periodic")]
    for i in range(len(extra)):
        forms.append(("int window_length", "bool periodic") + extra[:i + 1])
    got = [torch_type_name(a) for a in args] + [f"{k}={torch_type_name(v)}"
                                                 for k, v in kwargs.items()]
    lines = "".join(f"\n * ({', '.join(f)}, *, {_OPTIONS})" for f in forms)
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({', '.join(got)}), but expected one of:{lines}\n")


def _parse(name: str, extra: tuple, defaults: tuple, args: tuple, kwargs: dict):
    """(window_length, periodic, shape parameters) as torch's parser reads them."""
    params = ("window_length", "periodic") + tuple(e.split()[-1] for e in extra)
    if len(args) > len(params) or set(kwargs) - set(params):
        raise _signature_error(name, extra, args, kwargs)
    given = dict(zip(params, args))
    for k, v in kwargs.items():
        if k in given:
            raise _signature_error(name, extra, args, kwargs)
        given[k] = v
    if "window_length" not in given:
        raise TypeError(f'{name}() missing 1 required positional arguments: "window_length"')
    n = given["window_length"]
    if isinstance(n, bool) or not isinstance(n, int):
        if hasattr(n, "__index__") and not isinstance(n, bool):
            n = int(n.__index__())
        else:
            raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                            f"{torch_type_name(n)}")
    # a shape parameter needs periodic, and each one needs those before it
    present = [p in given for p in params[1:]]
    if any(later and not earlier for earlier, later in zip(present, present[1:])):
        raise _signature_error(name, extra, args, kwargs)
    periodic = given.get("periodic", True)
    if not isinstance(periodic, bool):
        raise _signature_error(name, extra, args, kwargs)
    values = []
    for p, default in zip(params[2:], defaults):
        v = given.get(p, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _signature_error(name, extra, args, kwargs)
        values.append(float(v))
    return n, periodic, values


def _options(name: str, n: int, dtype, layout, device, pin_memory, requires_grad):
    dtype = dtype_arg(name, dtype) or get_default_dtype()
    check_options(name, device, requires_grad, pin_memory, layout)
    if not (dtype.is_floating_point or dtype.is_complex):
        rg = "true" if requires_grad else "false (default)"
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{_OPTION_NAMES[dtype.name]}, device=cpu, layout=Strided (default), "
                           f"requires_grad={rg}, pinned_memory=false, "
                           "memory_format=(nullopt))")
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    return dtype


class _Steps:
    """Elementwise steps in a dtype as torch's CPU kernels take them: a half tensor computes
    each step in float32 (its opmath type) and rounds it back; a scalar operand is converted
    to the computing type first."""

    def __init__(self, np_dtype):
        self.dtype = np_dtype
        self.op = xp.float32 if np_dtype == xp.float16 else np_dtype.type

    def arange(self, n):
        return xp.arange(n, dtype=self.dtype)

    def _done(self, v):
        return v.astype(self.dtype)

    def mul(self, a, s):
        return self._done(a.astype(self.op) * self.op(s))

    def add(self, a, s):
        return self._done(a.astype(self.op) + self.op(s))

    def cos(self, a):
        return self._done(xp.cos(a.astype(self.op)))

    def sub(self, a, b):
        return self._done(a.astype(self.op) - b.astype(self.op))


def _window(name, n, periodic, dtype, requires_grad, body):
    if n == 0:
        return make(xp.zeros(0, dtype=dtype.np), requires_grad)
    if n == 1:
        return make(xp.ones(1, dtype=dtype.np), requires_grad)
    if dtype.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for "
                                  f"'{scalar_type_name(dtype)}'")
    m = n + 1 if periodic else n
    w = body(_Steps(dtype.np), m)
    return make(xp.ascontiguousarray(w[: m - 1] if periodic else w), requires_grad)


def _factory(name, extra, defaults, body, doc):
    def fn(*args, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False,
           **kwargs):
        n, periodic, values = _parse(name, extra, defaults, args, kwargs)
        dtype = _options(name, n, dtype, layout, device, pin_memory, requires_grad)
        return _window(name, n, periodic, dtype, requires_grad,
                       lambda s, m: body(s, m, *values))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _hamming(s, m, alpha, beta):
    w = s.mul(s.arange(m), math.pi * 2.0 / (m - 1))
    return s.add(s.mul(s.cos(w), -beta), alpha)


def _blackman(s, m):
    w = s.mul(s.arange(m), math.pi / (m - 1))
    return s.add(s.sub(s.mul(s.cos(s.mul(w, 4)), 0.08), s.mul(s.cos(s.mul(w, 2)), 0.5)), 0.42)


def _bartlett(s, m):
    w = s.mul(s.arange(m), 2.0 / (m - 1))
    half = ((m - 1) >> 1) + 1
    w[half:] = s.add(s.mul(w[half:], -1), 2)
    return w


def _kaiser_values(s, m, beta):
    """I0(beta * sqrt(1 - ((k - alpha) / alpha) ** 2)) / I0(beta), alpha = (m - 1) / 2 (in
    float64, as chainrule's i0 computes, then rounded to the window's dtype)."""
    k = xp.arange(m, dtype=xp.float64)
    alpha = (m - 1) / 2.0
    arg = beta * xp.sqrt(xp.abs(1 - ((k - alpha) / alpha) ** 2))
    return (xp.i0(arg) / xp.i0(xp.asarray(beta))).astype(s.dtype)


hann_window = _factory(
    "hann_window", (), (), lambda s, m: _hamming(s, m, 0.5, 0.5),
    "The Hann window of ``window_length`` points (periodic: one of ``window_length + 1``, "
    "without its last point), 0.5 - 0.5 cos(2 pi k / (N - 1)).")
hamming_window = _factory(
    "hamming_window", ("float alpha", "float beta"), (0.54, 0.46), _hamming,
    "The Hamming window alpha - beta cos(2 pi k / (N - 1)) (alpha 0.54, beta 0.46 unless "
    "given after ``periodic``).")
blackman_window = _factory(
    "blackman_window", (), (), _blackman,
    "The Blackman window 0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1)).")
bartlett_window = _factory(
    "bartlett_window", (), (), _bartlett,
    "The Bartlett (triangular) window: 2k / (N - 1) rising, then falling back to 0.")
kaiser_window = _factory(
    "kaiser_window", ("float beta",), (12.0,), _kaiser_values,
    "The Kaiser window I0(beta sqrt(1 - (2k / (N - 1) - 1) ** 2)) / I0(beta), beta 12 unless "
    "given after ``periodic``.")

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]
