"""Saved-tensor hooks (``torch.autograd.graph.saved_tensors_hooks``) and the one switch
that node recording consults for them and for anomaly mode.

When no hook is active and anomaly mode is off, ``NodeHooks.active`` is False and the
dispatcher records nodes exactly as before (one class-attribute check per recorded node).
When it is on, every new node passes through ``on_node``: its saved tensors go through the
innermost ``pack_hook`` (the node then keeps only what pack returned) and anomaly mode
stores the forward traceback in ``node.metadata["traceback_"]``.
"""
from __future__ import annotations

import threading

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "NodeHooks", "on_node", "Packed", "pack_tensor", "current_hooks"]


class NodeHooks:
    """Global switch: True while any saved-tensor hook or anomaly mode is active."""

    active = False
    anomaly = False
    check_nan = True
    n_hook_frames = 0  # saved_tensors_hooks contexts open, in all threads


class _HookState(threading.local):
    def __init__(self):
        self.stack = []          # (pack, unpack) pairs, innermost last
        self.disabled = None     # the error message while disable_saved_tensors_hooks is on


_state = _HookState()
_lock = threading.Lock()


def _refresh() -> None:
    NodeHooks.active = NodeHooks.anomaly or NodeHooks.n_hook_frames > 0


def current_hooks():
    """The innermost (pack, unpack) pair in this thread, or None."""
    stack = _state.stack
    return stack[-1] if stack else None


class saved_tensors_hooks:
    """Context manager: tensors saved for backward inside it go through ``pack_hook``
    when saved and through ``unpack_hook`` when backward uses them.

    >>> import chainrule as torch
    >>> x = torch.ones(3, requires_grad=True)
    >>> with torch.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t):
    ...     y = (x * x).sum()
    >>> y.backward(); x.grad
    tensor([2., 2., 2.])
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _state.disabled is not None:
            raise RuntimeError(_state.disabled)
        _state.stack.append((self.pack_hook, self.unpack_hook))
        with _lock:
            NodeHooks.n_hook_frames += 1
            _refresh()
        return self

    def __exit__(self, *exc) -> None:
        _state.stack.pop()
        with _lock:
            NodeHooks.n_hook_frames -= 1
            _refresh()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are copied to CPU memory (pinned there when ``pin_memory``) and moved
    back to their device for backward. chainrule's tensors live on the CPU already, so
    this keeps a copy and returns it on the original device."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu().clone())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Context manager: entering ``saved_tensors_hooks`` inside it raises
    RuntimeError(error_message)."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self):
        self._prev = _state.disabled
        _state.disabled = self.error_message
        return self

    def __exit__(self, *exc) -> None:
        _state.disabled = self._prev


class Packed:
    """A node's saved values after pack hooks: ``raw`` is the saved tuple with each hooked
    slot's value left as None; ``slots`` maps a slot to (packed value, unpack hook, dtype,
    whether the slot is the node's own output)."""

    __slots__ = ("raw", "slots")

    def __init__(self, raw, slots):
        self.raw, self.slots = raw, slots

    def __iter__(self):
        return iter(self.raw)

    def __len__(self):
        return len(self.raw)

    def unpack(self, create_graph: bool):
        """The saved values for a rule: raw arrays, or Tensors under create_graph."""
        vals = list(self.raw)
        for slot, (packed, unpack, is_out) in self.slots.items():
            t = unpack_tensor(packed, unpack)
            # is_out None: a parameter array (an index) hooked through _raw_saved_*: raw always
            vals[slot] = t if create_graph and is_out is not None else t._data
        return tuple(vals)


def unpack_tensor(packed, unpack):
    from .._tensor import Tensor
    t = unpack(packed)
    if not isinstance(t, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                        f"result of type {type(t).__name__}")
    return t


def pack_tensor(t, hooks):
    """One saved tensor through a pack hook: (packed, unpack hook)."""
    from .grad_mode import no_grad
    pack, unpack = hooks
    with no_grad():
        return (pack(t), unpack)


def on_node(node, inputs, outs) -> None:
    """Called for each node recorded while ``NodeHooks.active``."""
    if NodeHooks.anomaly:
        from .anomaly_mode import record_traceback
        record_traceback(node)
    hooks = current_hooks()
    if hooks is None:
        return
    saved = getattr(node, "_saved", None)
    if saved is None or saved.__class__ is not tuple:
        return
    v = node._versions
    if not v:
        return
    from .._tensor import Tensor
    slots = {}
    raw = list(saved)
    for i in range(0, len(v), 4):
        slot, t = v[i + 2], v[i + 3]
        is_out = t is None
        if is_out:
            # The saved output itself: the tensor handed to pack is the node's output.
            idx = node._plan.sources[slot][1]
            t = outs[idx] if idx < len(outs) else Tensor._make(saved[slot])
        packed, unpack = pack_tensor(t, hooks)
        slots[slot] = (packed, unpack, is_out)
        raw[slot] = None
    node._saved = Packed(tuple(raw), slots)
    node._versions = ()
