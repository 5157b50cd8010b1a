"""Indexing: ``x[key]`` and ``x[key] = value``.

Basic indexing decomposes, as torch's does, into one view op per indexed dimension
(``x[0, 1:3]`` is SliceBackward0 of SelectBackward0); any advanced component (a list, an
integer or boolean tensor) makes one IndexBackward0. Every rule is the same transpose:
scatter the gradient into zeros of the input's shape.
"""
from __future__ import annotations

from .._meta import MetaArray
from .._tensor import Tensor
from ._registry import dispatch, expose, op

_SCATTER = (lambda F, g, x_shape, key: F.index_scatter(g, x_shape, key),)
SELECT = op("select", lambda xp, x, key: x[key], vjps=_SCATTER, params=("key",), view=True)
SLICE = op("slice", lambda xp, x, key: x[key], vjps=_SCATTER, params=("key",), view=True)
INDEX = op("index", lambda xp, x, key: _take(x, key), vjps=_SCATTER, params=("key",))
INDEX_SCATTER = op("index_scatter", lambda xp, g, shape, key: _scatter(xp, g, shape, key),
                   vjps=(lambda F, g, key: F.index_raw(g, key),), params=("shape", "key"),
                   grad_fn="IndexPutBackward0")
# x[key] = value with tensors or lists in the key: torch's index_put_ (the part of x it
# overwrites gets no gradient, value the gradient of the part it filled, summed back to its
# shape by the registry).
INDEX_PUT = op("index_put", lambda xp, x, value, key: _put(xp, x, value, key),
               inputs=("x", "value"),
               vjps=(lambda F, g, key: F.zero_at(g, key), lambda F, g, key: F.index_raw(g, key)),
               params=("key",), grad_fn="IndexPutBackward0", broadcasts=True)


def _take(x, key):
    try:
        return x[key]
    except IndexError as exc:  # torch's words: "dimension", not NumPy's "axis"
        raise IndexError(str(exc).replace("for axis", "for dimension")) from None


def _scatter(xp, g, shape, key):
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        xp.add.at(out, key, g)
    return out


def _put(xp, x, value, key):
    out = x.copy()
    try:
        out[key] = value
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(x[key].shape)}") from None
    return out


def _is_basic(key) -> bool:
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


@expose(method=False, internal=True)
def index_scatter(g, shape, key):
    return dispatch(INDEX_SCATTER, (g,), {"shape": tuple(shape), "key": key})


@expose(method=False, internal=True)
def index_raw(x, key):
    """``x[key]`` for an already-normalised key (the backward vocabulary's gather)."""
    return dispatch(INDEX, (x,), {"key": key})


@expose(method=False, internal=True)
def zero_at(g, key):
    """``g`` with the entries at ``key`` set to zero."""
    return g - index_scatter(index_raw(g, key), g.shape, key)


def _normalise(key, xp):
    """A tuple key with Tensors and lists turned into backend arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        c = k.__class__
        if c is int or c is slice:
            out.append(k)
        elif isinstance(k, Tensor):
            if k._data.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if k._data.ndim == 0 and k._data.dtype.kind in "iu":
                out.append(int(k._data))  # a 0-d integer tensor selects, as an int does
            else:
                out.append(k._data)
        elif isinstance(k, (list, tuple)):  # a list becomes an index array of the tensor's xp
            arr = xp.asarray([i._data if isinstance(i, Tensor) else i for i in k])
            if arr.dtype.kind not in "biu":  # [] and [1.0] index as int64, as in torch
                arr = arr.astype(xp.int64)
            out.append(arr)
        elif isinstance(k, bool) or (k is not None and k is not Ellipsis and
                                     not isinstance(k, (int, slice)) and hasattr(k, "shape")
                                     and hasattr(k, "dtype") and k.dtype.kind in "biu"):
            out.append(k)
        elif k is None or k is Ellipsis or isinstance(k, slice):
            out.append(k)
        elif isinstance(k, str):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
        elif hasattr(k, "__index__") and not isinstance(k, float):
            out.append(k.__index__())
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {_type_name(k)})")
    return tuple(out)


def _type_name(v) -> str:
    cls = type(v)
    mod = cls.__module__
    return cls.__qualname__ if mod == "builtins" else f"{mod}.{cls.__qualname__}"


def getitem(self, key):
    """``x[key]`` with torch's grad_fn structure."""
    single = not isinstance(key, tuple)
    key = _normalise(key, self.xp)
    if not _is_basic(key):
        return _advanced(self, key)
    shape = self._data.shape
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out, dim = self, 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        else:
            out, dim = _view_step(out, k, dim, single)
    if out is self:
        from .shape import alias
        out = alias(self)
    return out


def _view_step(out, k, dim, single):
    """Apply one basic index component at ``dim`` as torch does (None: UnsqueezeBackward0,
    an int: SelectBackward0, a slice: SliceBackward0); returns the result and the next dim.
    ``single`` is true for a bare slice key in getitem, which torch applies even when it is
    whole (elsewhere a slice from 0 to at least the size, step 1, is skipped)."""
    if k is None:
        return dispatch(_unsqueeze_op(), (out,), {"dim": dim}), dim + 1
    if isinstance(k, int):
        size = out._data.shape[dim]
        if not -size <= k < size:
            raise IndexError(f"index {k} is out of bounds for dimension {dim} with size "
                             f"{size}")
        # The trailing Ellipsis keeps a 0-d result a view (NumPy copies a bare scalar).
        return dispatch(SELECT, (out,), {"key": (slice(None),) * dim + (k, Ellipsis)}), dim
    if k.step is not None and k.step <= 0:
        raise ValueError("slice step cannot be zero" if k.step == 0 else
                         "step must be greater than zero")
    if not single and k.start in (None, 0) and k.step in (None, 1) and (
            k.stop is None or k.stop >= out._data.shape[dim]):
        return out, dim + 1  # a whole-dimension slice inside a tuple: torch skips it
    return dispatch(SLICE, (out,), {"key": (slice(None),) * dim + (k,)}), dim + 1


def _advanced(self, key):
    """Torch's order for a key with tensors or lists: ints, slices and None apply first as
    views (SelectBackward0, SliceBackward0, UnsqueezeBackward0), then one IndexBackward0
    takes the index arrays at the dimensions they fall on."""
    if any(isinstance(k, bool) for k in key):
        return dispatch(INDEX, (self,), {"key": key})
    if len(key) == 1 and getattr(key[0], "ndim", None) == 0 and key[0].dtype.kind == "b":
        # A 0-d mask: torch adds a leading dimension, then indexes it with a 1-element mask.
        out = dispatch(_unsqueeze_op(), (self,), {"dim": 0})
        return dispatch(INDEX, (out,), {"key": (key[0].reshape(1),)})
    shape = self._data.shape

    def width(k):
        return k.ndim if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    n_real = sum(width(k) for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out, dim, arrays = self, 0, []
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        elif k is None or isinstance(k, (int, slice)):
            out, dim = _view_step(out, k, dim, False)
        else:
            arrays.append((dim, k))
            dim += width(k)
    entries, cur = [], 0
    for d, arr in arrays:
        entries += [slice(None)] * (d - cur)
        entries.append(arr)
        cur = d + width(arr)
    return dispatch(INDEX, (out,), {"key": tuple(entries)})


def _unsqueeze_op():
    from .shape import UNSQUEEZE
    return UNSQUEEZE


def setitem(self, key, value) -> None:
    """``x[key] = value`` in place, as torch does it: the basic part of the key makes a view
    (whole-dimension slices are skipped), which is then filled (a number or a 0-d value:
    FillBackward3) or copied into (CopyBackwards); with tensors or lists in the key it is
    index_put_ (IndexPutBackward0). On a view of a tensor in a graph the base records
    CopySlices (see ops/_views.py)."""
    from ..autograd.forward_ad import _STATE as _FW_STATE
    from ..autograd.grad_mode import _tls
    from ._inplace import check_inplace
    value = _value_tensor(self, value)
    key = _normalise(key, self.xp)
    if len(key) == 1 and key[0] is False:
        return  # torch: nothing to do
    if len(key) == 1 and key[0] is True:
        key = (None,)
    if (_tls.grad_enabled and (self._rg or value._rg)) or _FW_STATE.level >= 0:
        sliced, tensor_key = _setitem_target(self, key)
        if tensor_key is None:
            _copy_to(sliced, value)
        else:
            _index_put_(sliced, tensor_key, value)
        return
    check_inplace(self)
    _setitem_raw(self, key, value)


def _value_tensor(self, value):
    """torch's valueToTensor: a number becomes a 0-d tensor of ``self``'s dtype."""
    if isinstance(value, Tensor):
        return value
    dtype = self._data.dtype
    if isinstance(value, bool) or isinstance(value, (int, float, complex)) or (
            hasattr(value, "__index__") and not hasattr(value, "shape")):
        if isinstance(value, complex) and dtype.kind != "c":
            raise RuntimeError(f"value cannot be converted to type {_c_type(dtype)} without "
                               "overflow")
        if not isinstance(value, (bool, float, complex)):
            value = value.__index__()
            if not -2 ** 63 <= value < 2 ** 64:
                raise ValueError("Overflow when unpacking long long")
            if dtype.kind in "iu":
                info = self.xp.iinfo(dtype)
                lo = info.min if dtype.kind == "i" else -(int(info.max) + 1) // 2
                if not lo <= value <= info.max:
                    raise RuntimeError(f"value cannot be converted to type {_c_type(dtype)} "
                                       "without overflow")
                value = self.xp.asarray(value).astype(dtype)
        return Tensor._make(self.xp.asarray(value, dtype=dtype))
    from .._dtypes import _BY_NP
    from ._inplace import _type_word
    raise TypeError(f"can't assign a {_type_name(value)} to a torch."
                    f"{_type_word(_BY_NP[dtype])}Tensor")


def _c_type(dtype) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "int64_t",
            "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t",
            "bool": "bool"}.get(dtype.name, dtype.name)


def _setitem_target(self, key):
    """(the view the basic part of ``key`` selects, the key of the rest or None), in
    torch's order: ints, slices and None apply as views, index tensors stay for index_put_."""
    shape = self._data.shape
    if any(isinstance(k, bool) for k in key):
        return self, key  # bools inside a tuple: NumPy's meaning, through index_put_

    def width(k):
        return k.ndim if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    n_real = sum(width(k) if not (k is None or isinstance(k, (int, slice))) else 1
                 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out, dim, arrays = self, 0, []
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        elif k is None or isinstance(k, (int, slice)):
            out, dim = _view_step(out, k, dim, False)
        else:
            arrays.append((dim, k))
            dim += width(k)
    if not arrays:
        return out, None
    entries, cur = [], 0
    for d, arr in arrays:
        entries += [slice(None)] * (d - cur)
        entries.append(arr)
        cur = d + width(arr)
    return out, tuple(entries)


def _strip_leading_ones(value):
    shape = value._data.shape
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _expand_error(value, target) -> RuntimeError:
    """torch's error for a value that does not expand to the indexed shape."""
    shape = _strip_leading_ones(value)
    target = tuple(target)
    if len(shape) > len(target):
        from .._dtypes import _BY_NP
        from ._inplace import _type_word
        name = _type_word(_BY_NP[value._data.dtype])
        return RuntimeError(f"expand(torch.{name}Tensor{{{list(shape)}}}, size={list(target)}): "
                            f"the number of sizes provided ({len(target)}) must be greater or "
                            f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(target) - len(shape)
    for i, n in enumerate(shape):
        want = target[lead + i]
        if n != 1 and n != want:
            return RuntimeError(f"The expanded size of the tensor ({want}) must match the "
                                f"existing size ({n}) at non-singleton dimension {lead + i}.  "
                                f"Target sizes: {list(target)}.  Tensor sizes: {list(shape)}")
    return RuntimeError(f"cannot expand a value of shape {list(shape)} to {list(target)}")


def _copy_to(dst, value) -> None:
    """torch's copy_to: copy_ when the shapes agree, fill_ for a 0-d value, else copy_ of
    the value viewed without leading 1s and expanded."""
    if dst._data.shape == value._data.shape:
        dst.copy_(value)
        return
    if value._data.ndim == 0:
        dst.fill_(value)
        return
    src = value.view(_strip_leading_ones(value))
    if src._data.shape != dst._data.shape:
        if _expands(src._data.shape, dst._data.shape):
            src = src.expand(dst._data.shape)
        else:
            raise _expand_error(value, dst._data.shape)
    dst.copy_(src)


def _expands(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    lead = len(target) - len(shape)
    return all(n == 1 or n == target[lead + i] for i, n in enumerate(shape))


def _index_put_(self, key, value) -> None:
    """``self.index_put_(key, value)`` (IndexPutBackward0)."""
    from .. import _memory
    from .._dtypes import _BY_NP
    from ._inplace import PARTIAL_OVERLAP_MSG, _apply, _type_word, check_inplace
    if value._data.dtype != self._data.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{_type_word(_BY_NP[self._data.dtype])} for the destination and "
                           f"{_type_word(_BY_NP[value._data.dtype])} for the source.")
    check_inplace(self, (value,))
    if _memory.full_or_partial_overlap(self._data, value._data):
        raise RuntimeError(PARTIAL_OVERLAP_MSG)
    stripped = _strip_leading_ones(value)
    if stripped != value._data.shape:
        value = value.view(stripped)
    # The node keeps its own copy of the index arrays: torch turns a mask into indices at
    # the call, so changing the mask in place afterwards does not move the gradient.
    key = tuple(k.copy() if hasattr(k, "copy") and getattr(k, "ndim", 0) else k for k in key)
    _apply(lambda t, v: dispatch(INDEX_PUT, (t, v), {"key": key}), self, (value,), {})


def _fits(shape, target) -> bool:
    """True when a value of ``shape`` broadcasts into ``target`` (leading 1s dropped)."""
    shape = list(shape)
    while len(shape) > len(target) and shape[0] == 1:
        shape.pop(0)
    if len(shape) > len(target):
        return False
    return all(n in (1, t) for n, t in zip(reversed(shape), reversed(target)))


def _setitem_raw(self, key, value) -> None:
    """``x[key] = value`` with no graph to record: straight into the memory, with torch's
    overlap checks and messages."""
    from .. import _memory
    from .._dtypes import _BY_NP
    from ._inplace import INTERNAL_OVERLAP_MSG, PARTIAL_OVERLAP_MSG, _type_word
    data, vdata = self._data, value._data
    if data.__class__ is MetaArray:  # nothing to write; the shapes are still checked
        keys = key if isinstance(key, tuple) else (key,)
        if any(getattr(getattr(k, "dtype", None), "kind", None) == "b" or k.__class__ is bool
               for k in keys):
            return  # a mask selects as many elements as it has True ones: data
        target = data[key]
        if not _fits(vdata.shape, target.shape):
            raise _expand_error(value, target.shape) if _is_basic(key) else RuntimeError(
                f"shape mismatch: value tensor of shape {list(vdata.shape)} cannot be "
                f"broadcast to indexing result of shape {list(target.shape)}")
        return
    if _is_basic(key):
        target = data[key if Ellipsis in key else key + (Ellipsis,)]  # a view, even 0-d
        if vdata.shape == target.shape and _memory.partial_overlap(target, vdata):
            raise RuntimeError(PARTIAL_OVERLAP_MSG)
        if not target.flags.writeable and (_memory.internal_overlap(target) or
                                           _memory.may_self_overlap(target)):
            raise RuntimeError(INTERNAL_OVERLAP_MSG)
        try:
            _memory.writable(target)[...] = vdata
        except ValueError:
            raise _expand_error(value, target.shape) from None
    else:
        if vdata.dtype != data.dtype:
            raise RuntimeError("Index put requires the source and destination dtypes match, "
                               f"got {_type_word(_BY_NP[data.dtype])} for the destination and "
                               f"{_type_word(_BY_NP[vdata.dtype])} for the source.")
        if _memory.full_or_partial_overlap(data, vdata):
            raise RuntimeError(PARTIAL_OVERLAP_MSG)
        try:
            _memory.writable(data)[key] = vdata
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vdata.shape)} "
                               "cannot be broadcast to indexing result of shape "
                               f"{list(data[key].shape)}") from None
        except IndexError as exc:
            raise IndexError(str(exc).replace("for axis", "for dimension")) from None
    self._bump_version()


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
