"""``assert_close``: torch.testing's comparison, with its defaults, its recursion through
sequences and mappings, and its failure messages."""
from __future__ import annotations

import cmath
import collections.abc
import contextlib

import numpy as np

from .. import _dtypes
from .._tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "default_tolerances"]

# (rtol, atol) per dtype: torch's table
_PRECISIONS = {"float16": (0.001, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
               "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: _dtypes.int64, float: _dtypes.float64, complex: _dtypes.complex128}


class _Failure(Exception):
    """A comparison failure: the exception class to raise, its message, the item path."""

    def __init__(self, kind, msg, id=()):
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def error(self, msg=None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.id:
            text += "\n\nThe failure occurred for item " + "".join(str([i]) for i in self.id)
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    pass


def default_tolerances(*inputs) -> tuple:
    """The loosest (rtol, atol) of the inputs' dtypes (0 for integers and bool)."""
    dtypes = []
    for x in inputs:
        if isinstance(x, Tensor):
            dtypes.append(x.dtype)
        elif isinstance(x, _dtypes.dtype):
            dtypes.append(x)
        else:
            raise TypeError(f"Expected a torch.Tensor or a torch.dtype, but got {type(x)} "
                            "instead.")
    rtols, atols = zip(*[_PRECISIONS.get(d.name, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _tolerances(*inputs, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or "
                                   f"omitted, but got no {'rtol' if rtol is None else 'atol'}.",
                       id)
    if rtol is not None:
        return rtol, atol
    return default_tolerances(*inputs)


def _mismatch(default_identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = (f"{kind.title()} difference: {diff}" if idx is None else
                f"Greatest {kind} difference: {diff} at index {idx}")
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"
    msg = f"{default_identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol)
    msg += line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                     rel_diff, None, rtol)


def _unravel(flat: int, shape) -> tuple:
    if not shape:
        return ()
    out = []
    for size in shape[::-1]:
        flat, mod = divmod(flat, size)
        out.append(mod)
    return tuple(out[::-1])


def _tensor_mismatch(actual, expected, matches, rtol, atol):
    a, e, m = actual._data.reshape(-1), expected._data.reshape(-1), matches.reshape(-1)
    total = m.size - int(m.sum())
    extra = f"Mismatched elements: {total} / {m.size} ({total / m.size:.1%})"
    integral = a.dtype.kind not in "fcV"
    if integral:
        a, e = a.astype(np.int64), e.astype(np.int64)
    abs_diff = np.abs(a - e)
    abs_diff[m] = 0
    abs_idx = int(np.argmax(abs_diff)) if not np.isnan(abs_diff).any() else \
        int(np.flatnonzero(np.isnan(abs_diff))[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = abs_diff / np.abs(e)
    if integral:
        rel = rel.astype(_dtypes.get_default_dtype().np)
    rel[m] = 0
    rel_idx = int(np.argmax(rel)) if not np.isnan(rel).any() else \
        int(np.flatnonzero(np.isnan(rel))[0])
    shape = matches.shape
    return _mismatch("Tensor-likes", extra, abs_diff[abs_idx].item(), _unravel(abs_idx, shape),
                     atol, rel[rel_idx].item(), _unravel(rel_idx, shape), rtol)


class _Pair:
    def __init__(self, actual, expected, id):
        self.actual, self.expected, self.id = actual, expected, id

    def fail(self, kind, msg):
        raise _Failure(kind, msg, self.id)


class _NonePair(_Pair):
    def __init__(self, actual, expected, id, **options):
        if not (actual is None or expected is None):
            raise _Unsupported
        super().__init__(actual, expected, id)

    def compare(self):
        if not (self.actual is None and self.expected is None):
            self.fail(AssertionError, f"None mismatch: {self.actual} is not {self.expected}")


class _BooleanPair(_Pair):
    def __init__(self, actual, expected, id, **options):
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        super().__init__(bool(actual), bool(expected), id)

    def compare(self):
        if self.actual is not self.expected:
            self.fail(AssertionError,
                      f"Booleans mismatch: {self.actual} is not {self.expected}")


class _NumberPair(_Pair):
    def __init__(self, actual, expected, id, rtol=None, atol=None, equal_nan=False,
                 check_dtype=False, **options):
        if not all(isinstance(x, (int, float, complex, np.number)) for x in (actual, expected)):
            raise _Unsupported
        actual, expected = (x.item() if isinstance(x, np.number) else x
                            for x in (actual, expected))
        super().__init__(actual, expected, id)
        self.rtol, self.atol = _tolerances(*[_NUMBER_DTYPES[type(x)] for x in
                                             (actual, expected)], rtol=rtol, atol=atol, id=id)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self):
        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            self.fail(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
        if a == e:
            return
        if self.equal_nan and cmath.isnan(a) and cmath.isnan(e):
            return
        diff = abs(a - e)
        if cmath.isfinite(diff) and diff <= self.atol + self.rtol * abs(e):
            return
        self.fail(AssertionError, _scalar_mismatch(a, e, self.rtol, self.atol))


class _TensorPair(_Pair):
    def __init__(self, actual, expected, id, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, **options):
        related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
        if not related or (not allow_subclasses and type(actual) is not type(expected)):
            raise _Unsupported
        actual, expected = (self._to_tensor(x) for x in (actual, expected))
        super().__init__(actual, expected, id)
        self.rtol, self.atol = _tolerances(actual, expected, rtol=rtol, atol=atol, id=id)
        self.equal_nan, self.check_device, self.check_dtype = equal_nan, check_device, \
            check_dtype
        self.check_layout, self.check_stride = check_layout, check_stride

    @staticmethod
    def _to_tensor(x):
        if isinstance(x, Tensor):
            return x
        from .._tensor_new import as_tensor
        try:
            return as_tensor(x)
        except Exception:
            raise _Unsupported from None

    def _attribute(self, name, a, e):
        self.fail(AssertionError, f"The values for attribute '{name}' do not match: {a} != "
                                  f"{e}.")

    def compare(self):
        a, e = self.actual, self.expected
        if a.shape != e.shape:
            self._attribute("shape", a.shape, e.shape)
        if self.check_stride and a.stride() != e.stride():
            self._attribute("stride()", a.stride(), e.stride())
        if self.check_device and a.device != e.device:
            self._attribute("device", a.device, e.device)
        if self.check_dtype and a.dtype != e.dtype:
            self._attribute("dtype", a.dtype, e.dtype)
        if a.dtype != e.dtype:
            d = _dtypes.promote_types(a.dtype, e.dtype)
            a, e = (Tensor._make(x._data.astype(d.np)) for x in (a, e))
        self._compare_values(a, e)

    def _compare_values(self, a, e):
        ad, ed = a._data, e._data
        rtol, atol = self.rtol, self.atol
        if ad.dtype.kind in "fcV":
            matches = np.isclose(ad, ed, rtol=rtol, atol=atol, equal_nan=self.equal_nan)
            matches |= (ad == ed)
        elif rtol == 0 and atol == 0:
            matches = ad == ed
        else:
            diff = np.abs(ad.astype(np.float64) - ed.astype(np.float64))
            matches = diff <= atol + rtol * np.abs(ed.astype(np.float64))
        matches = np.asarray(matches)
        if matches.all():
            return
        if ad.ndim == 0:
            self.fail(AssertionError, _scalar_mismatch(ad.item(), ed.item(), rtol, atol))
        self.fail(AssertionError, _tensor_mismatch(a, e, matches, rtol, atol))


_PAIRS = (_NonePair, _BooleanPair, _NumberPair, _TensorPair)


def _originate(actual, expected, id, options) -> list:
    seq = collections.abc.Sequence
    if (isinstance(actual, seq) and not isinstance(actual, str) and
            isinstance(expected, seq) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: "
                                           f"{len(actual)} != {len(expected)}", id)
        pairs = []
        for i in range(len(actual)):
            pairs += _originate(actual[i], expected[i], id + (i,), options)
        return pairs
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _Failure(AssertionError,
                           f"The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(e_keys - a_keys)}\n"
                           f"Additional keys in the actual mapping: {sorted(a_keys - e_keys)}",
                           id)
        keys = a_keys
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        pairs = []
        for k in keys:
            pairs += _originate(actual[k], expected[k], id + (k,), options)
        return pairs
    for kind in _PAIRS:
        try:
            return [kind(actual, expected, id, **options)]
        except _Unsupported:
            continue
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                              f"{type(actual)} and {type(expected)}.", id)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Assert that ``actual`` and ``expected`` are close: tensors (shape, device, dtype,
    then values within ``atol + rtol * |expected|``, the dtype's default tolerances unless
    given), numbers, and sequences or mappings of them, compared item by item. Raises
    torch's AssertionError message on a mismatch (``msg`` replaces it, or, if callable,
    rewrites it).

    >>> import chainrule as torch
    >>> torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.]))
    """
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol,
                   equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype,
                   check_layout=check_layout, check_stride=check_stride)
    try:
        pairs = _originate(actual, expected, (), options)
    except _Failure as failure:
        raise failure.error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            raise failure.error(msg) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """Deprecated in torch (use ``assert_close``): looser defaults, dtypes not checked."""
    import warnings

    from .._tensor_new import tensor
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        table = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}
        pairs = [table.get(x.dtype.name, (0.0, 0.0)) for x in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)
