"""Run the same snippet in torch and in chainrule and compare everything observable:
values (NaN positions and signed zeros included), dtypes, shapes, requires_grad, grad_fn
names, exception classes and messages; and that chainrule leaks no NumPy warning."""
import math
import warnings

import numpy as np
import torch

import chainrule as cr
from chainrule.ops._promotion import silence_numpy_warnings

LIBS = (torch, cr)


def _describe(value):
    """A library-neutral description of a result, for comparing torch's with chainrule's."""
    if isinstance(value, (torch.Tensor, cr.Tensor)):
        fn = value.grad_fn
        data = value.detach()
        arr = np.asarray(data.numpy()) if str(data.dtype) != "torch.complex32" else None
        return ("tensor", str(value.dtype), tuple(value.shape), value.requires_grad,
                None if fn is None else fn.name(), arr)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_describe(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return ("value", type(value).__name__, value)


def _equal(a, b, path="result", zero_sign=True):
    if a[0] == "tensor" and b[0] == "tensor":
        assert a[1:5] == b[1:5], f"{path}: (dtype, shape, requires_grad, grad_fn) " \
                                 f"chainrule {a[1:5]} != torch {b[1:5]}"
        ca, ta = a[5], b[5]
        if ta.dtype.kind in "fc":
            tol = 2e-3 if ta.dtype == np.float16 else 1e-5  # one half-precision step
            np.testing.assert_allclose(ca, ta, rtol=tol, atol=tol / 10, equal_nan=True,
                                       err_msg=path)
            # the signs of zeros and infinities too
            keep = np.isinf(ta.real) | ((ta.real == 0) & zero_sign)
            np.testing.assert_array_equal(np.signbit(ca.real)[keep], np.signbit(ta.real)[keep],
                                          err_msg=f"{path} (sign)")
        else:
            np.testing.assert_array_equal(ca, ta, err_msg=path)
        return
    assert a[0] == b[0], f"{path}: chainrule {a} != torch {b}"
    if a[0] in ("tuple", "list"):
        assert len(a[1]) == len(b[1]), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a[1], b[1])):
            _equal(x, y, f"{path}[{i}]", zero_sign)
        return
    assert a == b, f"{path}: chainrule {a} != torch {b}"


def _outcome(lib, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", append=True)
        # chainrule's filter for its own NumPy warnings, as `import chainrule` installs it
        # (pytest drops it: it imports the test modules inside a catch_warnings block)
        silence_numpy_warnings()
        try:
            result = ("ok", _describe(fn(lib)))
        except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
            result = ("raised", type(exc), str(exc))
    if lib is cr:
        leaked = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        assert not leaked, f"chainrule leaked NumPy warnings: {leaked}"
    return result


def same(fn, message=True, zero_sign=True):
    """``fn(lib)`` gives the same result in torch and chainrule, or raises the same exception
    class (and message, unless ``message`` is False; a string: the message must contain it).
    chainrule must not leak a NumPy RuntimeWarning either way. ``zero_sign=False`` lets a
    zero's sign differ (NumPy and torch break max(0., -0.) ties differently)."""
    t, c = _outcome(torch, fn), _outcome(cr, fn)
    if t[0] == "raised":
        assert c[0] == "raised", f"torch raised {t[1].__name__}({t[2]!r}); chainrule gave {c}"
        assert issubclass(c[1], t[1]) and (c[1].__name__ == t[1].__name__ or t[1] is TypeError), \
            f"chainrule raised {c[1].__name__}({c[2]!r}), torch {t[1].__name__}({t[2]!r})"
        if message is True:
            assert c[2].split("\n")[0] == t[2].split("\n")[0], f"{c[2]!r} != {t[2]!r}"
        elif message:
            assert message in c[2] and message in t[2], (c[2], t[2])
        return
    assert c[0] == "ok", f"chainrule raised {c[1].__name__}: {c[2]}; torch gave {t[1]}"
    _equal(c[1], t[1], zero_sign=zero_sign)


def grads(lib, f, *values, upstream=None, dtype="float32"):
    """The gradients of ``f(*leaves)`` for leaves made from ``values``, with an upstream
    gradient (default ones)."""
    leaves = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in values]
    out = f(lib, *leaves)
    g = lib.ones_like(out) if upstream is None else lib.full_like(out, upstream)
    got = lib.autograd.grad(out, leaves, g, allow_unused=True)
    return tuple(got)
