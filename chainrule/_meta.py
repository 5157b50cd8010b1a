"""The ``meta`` device: tensors with a shape and a dtype and no data.

A meta tensor's array is a :class:`MetaArray`, an ndarray subclass viewing one element
with zero strides (it holds a single element whatever its shape: zero for a new tensor, the
first element of the result for an op's output, so a kernel's test of its inputs sees what
it would on constant data). NumPy hands every operation involving one to the protocols
below, so every op of the registry works on meta tensors without knowing about them: the op
runs on those constants, only its result's shape and dtype are kept (as a new MetaArray),
so it costs the op's time, briefly its memory, and keeps none; ``dispatch`` runs an op's
kernel for a meta input through ``meta_kernel``. Writes
into a MetaArray (in-place ops, ``copy_``, initialisers) do nothing, as on torch's meta
device; reading data out of one (``item``, ``tolist``, ``numpy``, a copy to the CPU) raises
torch's errors. Plain CPU arrays never pass through here: the CPU path pays nothing.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

__all__ = ["MetaArray", "meta_array", "as_meta", "is_meta", "meta_aware", "meta_call", "NO_DATA",
           "META_USED"]

NO_DATA = "Cannot copy out of meta tensor; no data!"

# set once a meta tensor exists: the functions that read tensor data in Python
# (ops/_dispatch.py: batched_function) check their arguments for meta ones from then on
META_USED = [False]

# functions whose output shape depends on the values (torch has no meta kernel for them)
_DATA_DEPENDENT = {np.nonzero, np.argwhere, np.flatnonzero, np.unique, np.extract,
                   np.compress}


_BOOL = np.dtype(bool)


class MetaArray(np.ndarray):
    """A meta tensor's array (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            targets = out if isinstance(out, tuple) else (out,)
            if any(t.__class__ is MetaArray for t in targets):  # a write into meta: none
                return out if isinstance(out, tuple) and len(out) > 1 else targets[0]
            if not _KERNEL[0] and any(x.__class__ is MetaArray for x in inputs):
                raise NotImplementedError(NO_DATA)  # meta data into a CPU tensor's memory
            kwargs["out"] = out
        elif method == "at":  # np.add.at(target, index, values): in place into the target
            if inputs[0].__class__ is MetaArray:
                return None
            if not _KERNEL[0]:
                raise NotImplementedError(NO_DATA)
        result = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        return as_meta(result)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.copyto:
            dst = args[0] if args else kwargs["dst"]
            if dst.__class__ is MetaArray:
                return None
            if not _KERNEL[0]:
                raise NotImplementedError(NO_DATA)
        if func in _DATA_DEPENDENT:
            raise NotImplementedError(
                f"{func.__name__} on a meta tensor: its output's shape depends on the data, "
                "which a meta tensor does not have")
        return as_meta(func(*_plain(args), **_plain(kwargs)))

    def __getitem__(self, key):
        keys = key if isinstance(key, tuple) else (key,)
        if any(getattr(k, "dtype", None) is _BOOL or k.__class__ is bool for k in keys):
            _no_nonzero(self)  # a boolean mask's result has a shape only its data knows
        return as_meta(np.ndarray.__getitem__(self.view(np.ndarray), _plain(key)))

    def __setitem__(self, key, value):
        """In-place writes into a meta tensor do nothing."""

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return meta_array(self.shape, np.dtype(dtype), _first(self.view(np.ndarray)))

    def copy(self, order="C"):
        return meta_array(self.shape, self.dtype, _first(self.view(np.ndarray)))

    def fill(self, value):
        """Nothing to fill."""

    def item(self, *args):
        """A kernel's scalar read sees the zeros (Tensor.item() refuses first, as torch)."""
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        raise NotImplementedError(NO_DATA)

    def tobytes(self, order="C"):
        raise NotImplementedError(NO_DATA)

    def __deepcopy__(self, memo):
        return meta_array(self.shape, self.dtype)

    def __reduce__(self):
        return meta_array, (self.shape, self.dtype)

    # a kernel's test of a value sees the zeros (Tensor.__bool__ refuses first, as torch)
    def __bool__(self):
        return bool(self.view(np.ndarray))

    def __float__(self):
        return float(self.view(np.ndarray))

    def __int__(self):
        return int(self.view(np.ndarray))

    def __index__(self):
        return self.view(np.ndarray).__index__()

    def __complex__(self):
        return complex(self.view(np.ndarray))


def _method(name):
    base = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        return as_meta(base(self.view(np.ndarray), *_plain(args), **_plain(kwargs)))
    method.__name__ = name
    return method


# ndarray methods NumPy runs in C without the protocols above: their results made meta
for _name in ("argmax", "argmin", "argsort", "argpartition", "searchsorted", "take", "repeat",
              "cumsum", "cumprod", "round", "clip", "compress", "choose", "dot", "trace",
              "max", "min", "sum", "prod", "mean", "std", "var", "any", "all", "ptp",
              "flatten", "ravel", "conj", "conjugate", "byteswap", "partition", "sort"):
    if hasattr(np.ndarray, _name):
        setattr(MetaArray, _name, _method(_name))
MetaArray.sort = lambda self, *args, **kwargs: None  # in place: nothing to sort
MetaArray.partition = MetaArray.sort


def _no_nonzero(self, *args, **kwargs):
    raise NotImplementedError(
        "nonzero on a meta tensor: its output's shape depends on the data, which a meta "
        "tensor does not have")


MetaArray.nonzero = _no_nonzero


def meta_array(shape, dtype, value=None) -> MetaArray:
    """A MetaArray of ``shape`` and ``dtype`` (one element's memory, ``value``: what a
    kernel reading it in Python sees)."""
    META_USED[0] = True
    if value is None:
        v = np.zeros((), dtype)
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # a NaN into an int, ...
            warnings.simplefilter("ignore")
            v = np.asarray(value).astype(dtype)
    return np.broadcast_to(v, tuple(shape)).view(MetaArray)


def _first(array):
    """The element a MetaArray made from ``array`` repeats: its first (an op on constant
    inputs gives constant results, so a kernel's test on them sees what it would on the
    zeros: ``index.max() < size`` holds)."""
    return array.reshape(-1)[0] if array.size else 0


def contiguous_strides(shape) -> tuple:
    """The strides, in elements, a contiguous tensor of ``shape`` has (torch's meta layout)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _has_meta(values) -> bool:
    for v in values:
        d = getattr(v, "_data", None)
        if d.__class__ is MetaArray:
            return True
        if v.__class__ is list or v.__class__ is tuple:
            if _has_meta(v):
                return True
    return False


def meta_call(fn, args, kwargs):
    """``fn(*args, **kwargs)`` for a function that reads tensor data in Python: with a meta
    argument, the tensors it returns (not its arguments themselves) become meta. Its own
    buffers may then take meta data (as in ``meta_kernel``), while the CPU tensors it was
    given are read-only for the call (a write into one raises torch's device error)."""
    if not (_has_meta(args) or _has_meta(kwargs.values())):
        return fn(*args, **kwargs)
    locked = [a for a in _tensor_arrays(args, kwargs)
              if a.__class__ is np.ndarray and a.flags.writeable]
    for a in locked:
        a.flags.writeable = False
    _KERNEL[0] += 1
    try:
        result = fn(*args, **kwargs)
    except ValueError as exc:
        if "read-only" in str(exc):
            raise RuntimeError(CPU_ON_META) from None
        raise
    finally:
        _KERNEL[0] -= 1
        for a in locked:
            a.flags.writeable = True
    keep = {id(v) for v in args} | {id(v) for v in kwargs.values()}
    for t in (result if isinstance(result, tuple) else (result,)):
        d = getattr(t, "_data", None)
        if d is not None and d.__class__ is not MetaArray and id(t) not in keep \
                and isinstance(d, np.ndarray):
            t._data = meta_array(d.shape, d.dtype)
    return result


def _tensor_arrays(args, kwargs):
    for v in (*args, *kwargs.values()):
        d = getattr(v, "_data", None)
        if d is not None:
            yield d
        elif v.__class__ is list or v.__class__ is tuple:
            yield from _tensor_arrays(v, {})


def meta_aware(fn=None, *, refuse=False):
    """For a public function that builds its tensors from data it read in Python: with a meta
    argument its results are meta (``meta_call``), or, ``refuse``, a data-dependent result
    raises torch's NotImplementedError. Free until a program makes a meta tensor."""
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            if not META_USED[0]:
                return f(*args, **kwargs)
            if refuse and (_has_meta(args) or _has_meta(kwargs.values())):
                raise NotImplementedError(
                    f"{f.__name__} on a meta tensor: its output's shape depends on the data, "
                    "which a meta tensor does not have")
            return meta_call(f, args, kwargs)
        return wrapper
    return decorate(fn) if fn is not None else decorate


def is_meta(array) -> bool:
    return array.__class__ is MetaArray


def _plain(value):
    """MetaArrays replaced by plain read-only views of their zeros, in nested containers."""
    cls = value.__class__
    if cls is MetaArray:
        return value.view(np.ndarray)
    if cls is tuple or cls is list:
        return cls(_plain(v) for v in value)
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


# > 0 while an op's kernel runs for a meta tensor (meta_kernel): the kernel's own CPU
# buffers may then take the constant (the CPU arrays it was given are read-only to it)
_KERNEL = [0]
CPU_ON_META = "Tensor on device cpu is not on the expected device meta!"


def meta_kernel(forward, xp, arrays, params, eye=False):
    """``forward(xp, *arrays, **params)`` for an op with a meta input: MetaArrays flow in (a
    kernel's test on one sees its constant; a boolean mask or nonzero raises), the CPU arrays
    the op was given are read-only to it (a write into one raises, as torch refuses CPU
    tensors beside meta ones), its own buffers are written freely; the results are meta.
    ``eye`` (the linear-algebra kernels): meta floating matrices come in as plain identity
    matrices (the kernel runs as on the CPU), so that a factorisation's check (singular, not
    positive-definite) passes, as torch's meta kernels, which check nothing, do."""
    if eye:
        arrays = tuple(_identity(a) for a in arrays)
    arrays = _read_only(arrays)
    params = _read_only(params) if params else params
    _KERNEL[0] += 1
    try:
        out = forward(xp, *arrays, **params) if params else forward(xp, *arrays)
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
        if _has_cpu(arrays) or (params and _has_cpu(params.values())):
            raise RuntimeError(CPU_ON_META) from None
        raise NotImplementedError(  # a write through a view chainrule's meta arrays lack
            "this operation is not supported on meta tensors by chainrule: its kernel "
            "writes through a view of the meta data") from None
    finally:
        _KERNEL[0] -= 1
    return as_meta(out)


def _has_cpu(values) -> bool:
    for v in values:
        if v.__class__ is np.ndarray and v.ndim:
            return True
        if (v.__class__ is tuple or v.__class__ is list) and _has_cpu(v):
            return True
    return False


def _identity(a):
    if a.__class__ is not MetaArray or a.ndim < 2 or a.dtype.kind not in "fc":
        return a
    return np.broadcast_to(np.eye(a.shape[-2], a.shape[-1], dtype=a.dtype), a.shape).copy()


def _read_only(value):
    cls = value.__class__
    if cls is np.ndarray:
        if value.flags.writeable:
            value = value.view()
            value.flags.writeable = False
        return value
    if cls is tuple or cls is list:
        return cls(_read_only(v) for v in value)
    if cls is dict:
        return {k: _read_only(v) for k, v in value.items()}
    return value


def check_operands(arrays) -> None:
    """An elementwise op on a meta tensor refuses a CPU operand that is not 0-d, as torch."""
    for i, a in enumerate(arrays):
        if a.__class__ is np.ndarray and a.ndim:
            raise RuntimeError(CPU_ON_META if i else
                               "Tensor on device meta is not on the expected device cpu!")


def as_meta(result):
    """Array results as MetaArrays (their shape and dtype only), in nested containers."""
    if isinstance(result, np.ndarray):
        return meta_array(result.shape, result.dtype, _first(result))
    if isinstance(result, np.generic):
        return meta_array((), result.dtype, result)
    cls = result.__class__
    if cls is tuple or cls is list:
        return cls(as_meta(r) for r in result)
    if isinstance(result, tuple):  # a named tuple (np.linalg's results)
        return cls(*(as_meta(r) for r in result))
    return result
