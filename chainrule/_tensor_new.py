"""Tensors from data: ``tensor``, ``as_tensor``, ``asarray``, ``from_numpy``, ``frombuffer``.

``tensor(data)`` reads nested Python data as torch does: any sequence (lists, tuples,
``range``, ``Size``, NumPy arrays ...) nests; the dtype is the promotion of every element's
type (Python floats give the default dtype, NumPy scalars and tensors keep their own);
ragged data, a sequence where a number belongs, a number that overflows the dtype and
data of no numeric type raise torch's errors.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from . import _dtypes
from ._device import META
from ._dtypes import get_default_dtype
from ._factory import check_fits, check_options, dtype_arg, make
from ._meta import NO_DATA, meta_array
from ._tensor import Tensor

_SUPPORTED = ("float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
              "uint8, and bool")
__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "frombuffer"]

_COPY_WARNING = ("To copy construct from a tensor, it is recommended to use "
                 "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                 "requires_grad_(True), rather than torch.tensor(sourceTensor).")
_NOT_SEQUENCES = (str, bytes, bytearray, Tensor, Mapping, set, frozenset)


def _is_sequence(x) -> bool:
    """torch's PySequence_Check, less the types it reads as scalars or rejects."""
    if isinstance(x, (list, tuple)):
        return True
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            raise TypeError("len() of unsized object")
        return True
    if isinstance(x, _NOT_SEQUENCES) or isinstance(x, np.generic):
        return False
    cls = type(x)
    return hasattr(cls, "__getitem__") and hasattr(cls, "__len__")


def _scalar_dtype(item, default):
    """The dtype one element contributes to inference (None: not a scalar)."""
    cls = item.__class__
    if cls is float:
        return default
    if cls is int:
        return _dtypes.int64
    if cls is bool:
        return _dtypes.bool_
    if isinstance(item, Tensor):
        return _dtypes._BY_NP[item._data.dtype]
    if isinstance(item, np.generic):
        return _dtypes.from_numpy_dtype(item.dtype)
    if isinstance(item, bool):
        return _dtypes.bool_
    if isinstance(item, int):
        return _dtypes.int64
    if isinstance(item, float):
        return default
    if isinstance(item, complex):
        return default.to_complex()
    return None


def numpy_dtype(array):
    """The dtype of a NumPy array, or torch's TypeError naming the NumPy type."""
    try:
        return _dtypes.from_numpy_dtype(array.dtype)
    except TypeError:
        raise TypeError(f"can't convert np.ndarray of type numpy.{array.dtype.type.__name__}. "
                        f"The only supported types are: {_SUPPORTED}.") from None


_PLAIN = frozenset((float, int, bool))


def infer_dtype(data):
    """torch's dtype inference over nested data (the promotion of every element's type)."""
    default = get_default_dtype()
    plain_dtypes = {float: default, int: _dtypes.int64, bool: _dtypes.bool_}
    found: dict = {}  # the element dtypes seen, in order
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)) or (not isinstance(item, np.ndarray) and
                                               _is_sequence(item)):
            classes = set(map(type, item))  # plain numbers are the common case: no loop
            if not classes:  # an empty sequence counts as the default dtype, as in torch
                found[default] = None
            for c in classes & _PLAIN:
                found[plain_dtypes[c]] = None
            if not classes <= _PLAIN:
                stack.extend(reversed([x for x in item if type(x) not in _PLAIN]))
            continue
        d = _scalar_dtype(item, default)
        if d is None:
            if isinstance(item, np.ndarray):
                d = numpy_dtype(item)
            elif isinstance(item, str):
                raise TypeError("new(): invalid data type 'str'")
            else:
                raise RuntimeError(f"Could not infer dtype of {type(item).__name__}")
        found[d] = None
    out = None
    for d in found:
        out = d if out is None else _dtypes.promote_types(out, d)
    return default if out is None else out


def _sizes(data) -> list:
    sizes = []
    seq = data
    while True:
        if isinstance(seq, str):
            raise ValueError("too many dimensions 'str'")
        if not _is_sequence(seq):
            return sizes
        n = len(seq)
        sizes.append(n)
        if n == 0:
            return sizes
        seq = seq[0]


def _flatten(data, sizes):
    """The elements of ``data`` in order, checking that it is rectangular; or an array when
    the data bottoms out in equally shaped NumPy arrays."""
    level = [data]
    for dim, n in enumerate(sizes):
        rest = tuple(sizes[dim:])
        if dim and all(isinstance(s, np.ndarray) and s.shape == rest for s in level):
            return np.stack(level).reshape(sizes)
        nxt: list = []
        for seq in level:
            if not _is_sequence(seq):
                raise TypeError("not a sequence")
            m = len(seq)
            if m != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim} (got {m})")
            nxt.extend(seq)
        level = nxt
    return level


def _bad_element(item, target) -> TypeError:
    name = type(item).__name__
    if target.np.kind in "fcV":
        return TypeError(f"must be real number, not {name}")
    return TypeError(f"'{name}' object cannot be interpreted as an integer")


def _element(v, target, kind):
    """One element as a Python number, with torch's TypeError for what is not one."""
    cls = v.__class__
    if cls is float or cls is int or cls is bool:
        return v
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return v._data.reshape(()).item()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, complex):
        if kind in "fV":
            raise TypeError("must be real number, not complex")
        if kind in "iu":
            raise TypeError("'complex' object cannot be interpreted as an integer")
        return v
    if isinstance(v, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(v, (int, float)):
        raise _bad_element(v, target)
    return v


def _to_array(values: list, target, shape):
    """``values`` (numbers, NumPy scalars, one-element tensors) as an array of ``target``,
    checked element by element in order, as torch stores them."""
    kind = target.np.kind
    classes = set(map(type, values))
    if classes <= _PLAIN:
        if kind not in "iu":
            return np.array(values, dtype=np.bool_ if kind == "b" else target.np).reshape(shape)
        if float not in classes:
            try:
                arr = np.array(values, dtype=np.int64)
            except OverflowError:
                arr = None
            if arr is not None:
                info = np.iinfo(target.np)
                lo = -int(info.max) if kind == "u" else int(info.min)
                if not arr.size or (arr.min() >= lo and arr.max() <= info.max):
                    return arr.astype(target.np).reshape(shape)
    out = []
    for v in values:
        v = _element(v, target, kind)
        if kind in "iu":
            top = 1 << (64 if target.np == np.uint64 else 63)  # uint64 holds up to 2**64 - 1
            if isinstance(v, int) and not -(1 << 63) <= v < top:
                raise ValueError("Overflow when unpacking long long")
            v = check_fits(v, target, fill=False)
        out.append(v)
    return np.array(out, dtype=np.bool_ if kind == "b" else target.np).reshape(shape)


def _store_in_order(seq, dim, sizes, target) -> None:
    """torch's recursive store, checking only: raises the first error in element order."""
    if dim == len(sizes):
        _to_array([seq], target, ())
        return
    if not _is_sequence(seq):
        raise TypeError("not a sequence")
    if len(seq) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} "
                         f"(got {len(seq)})")
    for item in seq:
        _store_in_order(item, dim + 1, sizes, target)


def _from_data(data, dtype):
    """An array of ``data`` (any nesting of sequences and numbers) with torch's dtype."""
    if _is_sequence(data):
        sizes = _sizes(data)  # torch measures first, then infers, then stores
        target = dtype if dtype is not None else infer_dtype(data)
        if 0 in sizes:  # nothing to store, so (as torch) nothing else is checked
            return np.zeros(sizes, dtype=target.np)
        try:
            flat = _flatten(data, sizes)
            if isinstance(flat, np.ndarray):
                return flat.astype(target.np)
            return _to_array(flat, target, sizes)
        except (TypeError, ValueError, RuntimeError):
            # The level-by-level checks found a problem: walk depth first, as torch stores,
            # so that the error raised is the one torch meets first.
            _store_in_order(data, 0, sizes, target)
            raise
    target = dtype if dtype is not None else infer_dtype(data)
    return _to_array([data], target, ())


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested sequences, numbers, arrays).

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> torch.tensor(range(3))
    tensor([0, 1, 2])
    """
    dtype = dtype_arg("tensor", dtype)
    dev = check_options("tensor", device if device is not None or not isinstance(data, Tensor)
                        else data.device, requires_grad, pin_memory)
    t = _new_tensor(data, dtype, requires_grad)
    return t if dev is t.device else _moved(t, dev)


def _moved(t, dev):
    """A fresh leaf ``t`` on ``dev``: the meta device keeps its shape and dtype; data never
    comes out of a meta tensor (torch's error)."""
    if dev is META:
        t._data = meta_array(t._data.shape, t._data.dtype)
        return t
    raise NotImplementedError(NO_DATA)


def _new_tensor(data, dtype, requires_grad):
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING, UserWarning, stacklevel=2)
        arr = data._data.copy()
        if dtype is not None:
            arr = arr.astype(dtype.np)
        return make(arr, requires_grad)
    if isinstance(data, np.ndarray):
        numpy_dtype(data)
        arr = np.array(data, copy=True, dtype=None if dtype is None else dtype.np)
        return make(arr, requires_grad)
    if isinstance(data, np.generic):
        if dtype is None:
            _dtypes.from_numpy_dtype(data.dtype)
            return make(np.array(data), requires_grad)
        data = data.item()
    elif isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    elif (not isinstance(data, (bool, int, float, complex)) and not _is_sequence(data) and
          (hasattr(data, "__array__") or hasattr(data, "__array_interface__"))):
        return _new_tensor(np.asarray(data), dtype, requires_grad)
    return make(_from_data(data, dtype), requires_grad)


def scalar_array(value, dtype):
    """One Python number as a 0-d array of ``dtype`` (torch's overflow check)."""
    return np.array(check_fits(value, dtype), dtype=dtype.np)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when it already is a tensor or a
    NumPy array of the requested dtype."""
    dtype = dtype_arg("as_tensor", dtype)
    dev = check_options("as_tensor", device if device is not None or not isinstance(
        data, Tensor) else data.device)
    t = _as_tensor(data, dtype)
    return t if dev is t.device else t.to(dev)


def _as_tensor(data, dtype):
    if isinstance(data, Tensor):
        return data if dtype is None or dtype.np == data._data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        numpy_dtype(data)
        if dtype is None or dtype.np == data.dtype:
            return Tensor._make(data)
        return Tensor._make(data.astype(dtype.np))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    """``obj`` as a tensor, sharing memory where it can (``copy=True`` always copies,
    ``copy=False`` refuses to)."""
    dtype = dtype_arg("asarray", dtype)
    dev = check_options("asarray", device if device is not None or not isinstance(
        obj, Tensor) else obj.device, requires_grad)
    if isinstance(obj, Tensor):
        out = obj if dtype is None or dtype.np == obj._data.dtype else obj.to(dtype)
        if copy and out is obj:
            out = Tensor._make(obj._data.copy())
        if copy is False and out is not obj:
            raise ValueError("can't alias tensor from a different dtype without a copy")
    elif isinstance(obj, np.ndarray):
        numpy_dtype(obj)
        same = dtype is None or dtype.np == obj.dtype
        if copy is False and not same:
            raise ValueError("can't alias NumPy array with a different dtype without a copy")
        data = obj if same and not copy else obj.astype(dtype.np if dtype else obj.dtype)
        out = Tensor._make(data)
    else:
        if copy is False:
            raise ValueError(f"can't alias arbitrary sequence into a tensor "
                             f"({type(obj).__name__}) without a copy")
        out = as_tensor(obj, dtype=dtype)
    if requires_grad:
        out = out.detach().requires_grad_(True) if out.grad_fn is None else out
    return out if dev is out.device else out.to(dev)


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        name = type(ndarray).__name__
        if type(ndarray).__module__ == "numpy":
            name = f"numpy.{name}"
        raise TypeError(f"expected np.ndarray (got {name})")
    numpy_dtype(ndarray)
    return Tensor._make(ndarray)


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over an object implementing the buffer protocol (memory shared)."""
    dtype = dtype_arg("frombuffer", dtype)
    data = np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset)
    return make(data, requires_grad)
