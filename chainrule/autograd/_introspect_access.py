"""Reading what a registered op's node saved, for the introspection in _introspect.py:
the saved inputs, outputs, parameters and sizes by slot, as tensors where torch shows
tensors; the entry kinds the name tables in _introspect_specs.py use."""
from __future__ import annotations

from .graph import SAVED_FREED_MSG

# Entry kinds: a saved input tensor (key: input index), a saved output (output index), a
# parameter (our name), an input's sizes / strides / numel (input index), a constant, a
# function of the node's saved parameters.
# _TENSOR: a tensor torch's node saves and ours recomputes from what it saved, on access
# (det's LU and pivots, frexp's exponent): the recording pays nothing for it.
_IN, _OUT, _PARAM, _SIZES, _STRIDES, _NUMEL, _CONST, _FN, _NODE, _TENSOR = range(10)
_INT64_MAX = 9223372036854775807


def _slot(node, kind, key):
    for i, src in enumerate(node._plan.sources):
        if src == (kind, key):
            return i
    return None


def _tensor_in_slot(node, slot, wrap_scalars=True):
    """The saved tensor in ``slot``: the input itself, or the output attached to ``node``."""
    from .._tensor import Tensor
    from ._saved_hooks import Packed, unpack_tensor
    saved = node._saved
    if _is_freed(saved):
        raise RuntimeError(SAVED_FREED_MSG)
    if isinstance(saved, Packed):
        if slot in saved.slots:
            packed, unpack, is_out = saved.slots[slot]
            t = unpack_tensor(packed, unpack)
            if is_out and t.grad_fn is None:  # a saved output comes back attached to its node
                t = Tensor._make(t._data, True, node, node._plan.sources[slot][1])
            return t
        value = saved.raw[slot]
    else:
        v = node._versions
        for i in range(0, len(v), 4):
            if v[i + 2] == slot:
                t = v[i + 3]
                if t is None:
                    return Tensor._make(saved[slot], True, node, node._plan.sources[slot][1])
                return t
        value = saved[slot]
    if isinstance(value, Tensor) or value is None:
        return value
    return _as_tensor(node, value)


def _is_freed(saved) -> bool:
    from ..ops._node import _FREED, Freed
    return saved is _FREED or saved.__class__ is Freed


def _kept(saved, slot):
    """A released node's non-tensor value (torch keeps those); a freed tensor raises."""
    kept = getattr(saved, "kept", None)
    if kept is None or slot not in kept:
        raise RuntimeError(SAVED_FREED_MSG)
    return kept[slot]


def _as_tensor(node, value):
    """A saved scalar or array as torch shows it: a tensor (a wrapped scalar is 0-d)."""
    from .._tensor import Tensor
    return Tensor._make(node._F.xp.asarray(value))


def _param(node, name):
    from ..ops._node import _PARAM as S_PARAM
    saved = node._saved
    slot = _slot(node, S_PARAM, name)
    if slot is None:
        return node.op.defaults.get(name)
    if _is_freed(saved):
        return _kept(saved, slot)
    if saved.__class__ is tuple:
        return saved[slot]
    if slot in saved.slots:  # a parameter array hooked through _raw_saved_<name>
        return _tensor_in_slot(node, slot)._data
    return saved.raw[slot]


def _sizes(node, index):
    from .._tensor import Tensor
    from ..ops._node import _SHAPE as S_SHAPE
    slot = _slot(node, S_SHAPE, index)
    if slot is not None:
        saved = node._saved
        if _is_freed(saved):
            return tuple(_kept(saved, slot))
        return tuple(saved.raw[slot] if saved.__class__ is not tuple else saved[slot])
    t = _input(node, index)
    return None if not isinstance(t, Tensor) else tuple(t.shape)


def _input(node, index):
    from ..ops._node import _IN as S_IN
    slot = _slot(node, S_IN, index)
    return None if slot is None else _tensor_in_slot(node, slot)


def _output(node, index):
    from ..ops._node import _OUT as S_OUT
    slot = _slot(node, S_OUT, index)
    return None if slot is None else _tensor_in_slot(node, slot)


def _as_uint64(value):
    """A negative int (or ints in a tuple) as torch's node shows an int64 field it reads as
    uint64: 2**64 + value."""
    if value.__class__ is int:
        return value + 2 ** 64 if value < 0 else value
    if value.__class__ is tuple:
        return tuple(_as_uint64(v) for v in value)
    return value
