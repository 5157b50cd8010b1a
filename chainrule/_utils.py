"""The rebuild functions a pickled tensor names (torch's ``torch._utils``).

A checkpoint written by ``torch.save`` calls ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, hooks)`` for each tensor; chainrule's loader maps those
names here. ``storage`` is a flat array of the tensor's dtype over the whole storage, so
tensors rebuilt over one storage are views of one array and share memory, as in torch.
"""
from __future__ import annotations

import pickle

from . import _memory
from ._tensor import Tensor

__all__ = ["_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter",
           "_rebuild_parameter_with_state", "_rebuild_from_type_v2",
           "_rebuild_device_tensor_from_cpu_tensor"]


def _check_geometry(storage, storage_offset, size, stride) -> None:
    """Refuse a geometry that reaches outside its storage (a corrupt or hostile file)."""
    ints = (storage_offset, *size, *stride)
    if len(size) != len(stride) or not all(isinstance(v, int) and not isinstance(v, bool)
                                           for v in ints):
        raise pickle.UnpicklingError(f"invalid tensor geometry in checkpoint: size {size}, "
                                     f"stride {stride}, storage offset {storage_offset}")
    if storage_offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise pickle.UnpicklingError(f"invalid tensor geometry in checkpoint: size {size}, "
                                     f"stride {stride}, storage offset {storage_offset}")
    if 0 in size:
        return
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage.size:
        raise pickle.UnpicklingError(
            f"tensor of size {list(size)} with stride {list(stride)} and storage offset "
            f"{storage_offset} reaches element {last}, past the end of its storage of "
            f"{storage.size} elements: the checkpoint is corrupt")


def _flat_array(storage):
    """The flat array under a storage object (or the array itself)."""
    from .storage import TypedStorage, UntypedStorage
    if isinstance(storage, TypedStorage):
        storage = storage._untyped
    if isinstance(storage, UntypedStorage):
        storage = storage._owner
    if not hasattr(storage, "__array_interface__") or getattr(storage, "ndim", 0) != 1:
        raise pickle.UnpicklingError(f"expected a storage to rebuild a tensor on, got "
                                     f"{type(storage).__name__}")
    return storage


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """A tensor over ``storage`` (a flat array) with this geometry, sharing its memory."""
    storage = _flat_array(storage)
    size, stride = tuple(size), tuple(stride)
    _check_geometry(storage, storage_offset, size, stride)
    if storage.size == 0 or 0 in size:
        data = storage[:0].reshape(size) if 0 in size else storage.reshape(size)
    else:
        data = _memory.window(storage, size, stride, storage_offset + _memory.storage_offset(
            storage))
    return Tensor._make(data)


def _apply_metadata(tensor: Tensor, metadata) -> Tensor:
    """torch's conj/neg bits: the storage holds the values before conjugation/negation."""
    if not metadata:
        return tensor
    data = tensor._data
    if metadata.get("neg"):
        data = -data
    if metadata.get("conj"):
        data = data.conj()
    out = Tensor._make(data)
    if metadata.get("conj"):
        out._is_conj = True
    return out


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None) -> Tensor:
    tensor = _apply_metadata(_rebuild_tensor(storage, storage_offset, size, stride), metadata)
    if requires_grad:
        tensor.requires_grad = bool(requires_grad)
    return tensor


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None) -> Tensor:
    """torch's form for dtypes without a legacy storage class (uint16/32/64): an untyped
    storage of bytes read as ``dtype``."""
    storage = _flat_array(storage)
    if storage.dtype != dtype.np:
        usable = storage.size - storage.size % dtype.itemsize
        storage = storage[:usable].view(dtype.np)
    return _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
                              backward_hooks, metadata)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad), state)


# Names a checkpoint may not set on a tensor: chainrule's own state lives under them.
_INTERNAL = frozenset(k for k in dir(Tensor) if k.startswith("_")) - {"_is_buffer"}


def _set_obj_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        for k, v in (part or {}).items():
            if isinstance(k, str) and k not in _INTERNAL:
                setattr(obj, k, v)
    return obj


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor with Python attributes (or of a Tensor subclass): rebuilt by ``func``, then
    given its class and attributes (torch's ``torch._tensor._rebuild_from_type_v2``)."""
    ret = func(*args)
    if isinstance(new_type, type) and issubclass(new_type, Tensor) and type(ret) is not new_type:
        ret.__class__ = new_type
    if getattr(type(ret), "__setstate__", None) is not None:  # a subclass's own
        ret.__setstate__(state)
    else:
        _set_obj_state(ret, state)
    return ret


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    out = data.to(dtype=dtype)
    if requires_grad:
        out.requires_grad = True
    return out

