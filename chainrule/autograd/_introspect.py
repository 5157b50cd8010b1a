"""torch's node introspection for registered ops: ``grad_fn._saved_<name>`` and
``grad_fn._raw_saved_<name>`` (a SavedTensor whose ``register_hooks(pack, unpack)`` packs
that one saved tensor).

An op's node saves what its rules name (``x``, ``out``, ``dim``, ``x_shape``); this module
maps those to torch's names (``self``, ``result``, ``dim``, ``self_sym_sizes``): by default
the first input is ``self``, the second ``other``, the output ``result``, a parameter keeps
its name and ``<input>_shape`` is ``<input>_sym_sizes``; _introspect_specs.py gives the ops
whose torch names differ (its tables), _introspect_access.py reads the saved slots. The
names a node lists are the ones its op saves when every input needs grad (torch's set is
fixed per node class); one its plan did not save reads None, as torch's unsaved
SavedVariable does. Worked out once per op, on first access: recording a node pays nothing.
"""
from __future__ import annotations

from ._introspect_access import (
    _CONST,
    _FN,
    _IN,
    _NODE,
    _NUMEL,
    _OUT,
    _PARAM,
    _SIZES,
    _STRIDES,
    _TENSOR,
    _as_tensor,
    _as_uint64,
    _input,
    _is_freed,
    _output,
    _param,
    _sizes,
    _slot,
    _tensor_in_slot,
)
from ._introspect_specs import _UINT64, saved_spec
from .graph import SAVED_FREED_MSG

__all__ = ["saved_spec", "saved_value", "raw_saved", "tensor_names", "SavedTensor"]


def saved_value(node, name: str):
    """``node._saved_<name>``."""
    kind, key = saved_spec(node)[name]
    if kind == _IN:
        return _input(node, key)
    if kind == _OUT:
        return _output(node, key)
    if kind == _PARAM:
        value = _param(node, key)
        if isinstance(value, node._F.xp.ndarray):
            return _as_tensor(node, value)
        return _as_uint64(value) if name in _UINT64 else value
    if kind == _SIZES:
        sizes = _sizes(node, key)
        if name.endswith("_sym_sizes_opt") and not sizes:
            return (0,)  # an absent optional input (conv's bias): torch's undefined sizes
        return sizes
    if kind == _NUMEL:
        sizes = _sizes(node, key)
        n = 1
        for s in sizes or ():
            n *= s
        return n
    if kind == _STRIDES:
        t = _input(node, key)
        return None if t is None else t.stride()
    if kind == _CONST:
        return key
    if kind == _NODE:
        return key(node)
    if kind == _TENSOR:
        from .grad_mode import no_grad
        with no_grad():
            return key(node)
    value = key(lambda p: _param(node, p))
    if isinstance(value, node._F.xp.ndarray):
        return _as_tensor(node, value)
    return _as_uint64(value) if name in _UINT64 else value


# torch names of the saved tensors our ops keep as raw parameters (index arrays, a mask)
_TENSOR_PARAMS = {"index", "indices", "condition", "mask"}


def _is_tensor(name, kind) -> bool:
    # a derived entry is a tensor only as max/min's indices (select's index is an int)
    return kind in (_IN, _OUT, _TENSOR) or (kind == _PARAM and name in _TENSOR_PARAMS) or (
        kind == _FN and name == "indices")


def raw_saved(node, name: str):
    """``node._raw_saved_<name>``: a SavedTensor (tensor entries only)."""
    kind, key = saved_spec(node)[name]
    if not _is_tensor(name, kind):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '_raw_saved_{name}'")
    from ..ops._node import _IN as S_IN
    from ..ops._node import _OUT as S_OUT
    from ..ops._node import _PARAM as S_PARAM
    if kind in (_FN, _TENSOR):  # derived (max's indices, det's LU): not hookable
        return SavedTensor(node, None, name)
    if kind == _PARAM:
        return SavedTensor(node, _slot(node, S_PARAM, key), name)
    return SavedTensor(node, _slot(node, S_IN if kind == _IN else S_OUT, key))


def tensor_names(node) -> list:
    return [n for n, (kind, _) in saved_spec(node).items() if _is_tensor(n, kind)]


def _identity(t):
    return t


class SavedTensor:
    """One saved tensor of a node (torch's ``torch._C._autograd.SavedTensor``)."""

    __slots__ = ("_node", "_slot", "_param")

    def __init__(self, node, slot, param=None):
        # param: the torch name, for a tensor our op keeps as a raw parameter
        self._node, self._slot, self._param = node, slot, param

    def unpack(self):
        """The saved tensor (through its unpack hook, if one is set)."""
        if self._param is not None:
            saved = self._node._saved
            if self._slot is not None and saved.__class__ is not tuple \
                    and getattr(saved, "slots", {}).get(self._slot) is not None:
                return _tensor_in_slot(self._node, self._slot)
            return saved_value(self._node, self._param)
        return None if self._slot is None else _tensor_in_slot(self._node, self._slot)

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        """Pack this saved tensor now with ``pack_hook``; backward (and ``unpack``) get it back
        through ``unpack_hook``."""
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("register_hooks(): incompatible function arguments: pack_hook and "
                            "unpack_hook must be callables")
        node, slot = self._node, self._slot
        from ._saved_hooks import Packed, pack_tensor
        if _is_freed(node._saved):
            raise RuntimeError(SAVED_FREED_MSG)
        param = self._param is not None
        if slot is None and param:
            raise RuntimeError("register_hooks on this saved tensor is not supported: our node "
                               "derives it from another saved value")
        if slot is None or (not param and not isinstance(node._saved, Packed) and not any(
                node._versions[i + 2] == slot for i in range(0, len(node._versions), 4))):
            raise RuntimeError("Calling register_hooks on a saved tensor with value None is "
                               "forbidden")
        saved = node._saved
        if not isinstance(saved, Packed):  # every saved tensor packed as itself, then this one
            v = node._versions
            raw, slots = list(saved), {}
            for i in range(0, len(v), 4):
                s = v[i + 2]
                slots[s] = (_tensor_in_slot(node, s), _identity, v[i + 3] is None)
                raw[s] = None
            saved = node._saved = Packed(tuple(raw), slots)
            node._versions = ()
        entry = saved.slots.get(slot)
        if entry is None and param:  # an index array: packed as a tensor, given back raw
            raw = list(saved.raw)
            value, raw[slot] = raw[slot], None
            saved.raw = tuple(raw)
            entry = (_as_tensor(node, value), _identity, None)
        if entry is None or entry[1] is not _identity:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have "
                               "already been set. Hint: only one pair of hooks is allowed at "
                               "a time.")
        packed, _ = pack_tensor(entry[0], (pack_hook, unpack_hook))
        saved.slots[slot] = (packed, unpack_hook, entry[2])
