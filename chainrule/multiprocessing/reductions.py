"""How tensors cross process boundaries: through shared memory, not as a copy.

``multiprocessing`` pickles what it sends (``Queue.put``, ``Pipe.send``, a ``Pool`` task,
a spawned ``Process``'s arguments) with its ``ForkingPickler``; chainrule registers a
reducer there for ``Tensor`` and ``nn.Parameter``, as torch does. Sending a tensor moves
its storage into shared memory in place (so the sender's tensor ``is_shared()`` after,
as in torch) or reuses the segment it is in; the receiver maps the same segment and
rebuilds a tensor with the same dtype, shape, strides, offset and ``requires_grad``. Both
processes then read and write one memory. Plain ``pickle`` (``torch.save``-like uses) is
untouched: it still copies the data.
"""
from __future__ import annotations

import warnings
from multiprocessing import reduction

import numpy as np

from .._tensor import Tensor
from ._shared_memory import Segment, segment_of, share_memory_

__all__ = ["init_reductions", "reduce_tensor", "rebuild_tensor", "reduce_segment",
           "rebuild_segment"]

_NON_LEAF = ("Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
             "autograd does not support crossing process boundaries.  If you just want to "
             "transfer the data, call detach() on the tensor before serializing (e.g., "
             "putting it on the queue).")


def _warn_if_has_hooks(tensor: Tensor) -> None:
    for hook in tensor._hooks or ():
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(f"backward hook {hook!r} on tensor will not be serialized.  If this "
                          "is expected, you can decorate the function with "
                          "@torch.utils.hooks.unserializable_hook to suppress this warning",
                          stacklevel=4)


def reduce_tensor(tensor: Tensor):
    """``ForkingPickler``'s reducer for tensors: (rebuild_tensor, arguments)."""
    if tensor._rg and tensor.grad_fn is not None:
        raise RuntimeError(_NON_LEAF)
    _warn_if_has_hooks(tensor)
    data = tensor._data
    cls = type(tensor)
    if data.size == 0:  # an empty storage travels by value (torch's rebuild_storage_empty)
        return (rebuild_empty, (cls, data.shape, data.dtype.str, tensor._rg))
    seg = segment_of(data)
    if seg is None:
        share_memory_(tensor)
        data = tensor._data
        seg = segment_of(data)
    offset = data.__array_interface__["data"][0] - seg._addr
    return (rebuild_tensor, (cls, seg, offset, data.shape, data.strides, data.dtype.str,
                             tensor._rg, data.flags.writeable))


def _finish(cls, data, requires_grad: bool) -> Tensor:
    if cls is not Tensor and cls._is_param:  # nn.Parameter
        return cls(Tensor._make(data), requires_grad)
    t = Tensor._make(data)
    t.requires_grad = requires_grad
    return t


def rebuild_tensor(cls, seg: Segment, offset: int, shape, strides, dtype: str,
                   requires_grad: bool, writeable: bool = True) -> Tensor:
    """A tensor over ``seg`` (the sender's memory) with the sender's layout."""
    data = seg.array(shape, np.dtype(dtype), offset, strides)
    if not writeable:
        data.flags.writeable = False
    return _finish(cls, data, requires_grad)


def rebuild_empty(cls, shape, dtype: str, requires_grad: bool) -> Tensor:
    return _finish(cls, np.empty(shape, np.dtype(dtype)), requires_grad)


def reduce_segment(seg: Segment):
    """A segment travels as a duplicate of its file descriptor (through the spawned
    child's inherited descriptors, or ``multiprocessing``'s resource sharer)."""
    return (rebuild_segment, (reduction.DupFd(seg._fd), len(seg)))


def rebuild_segment(dup_fd, nbytes: int) -> Segment:
    return Segment.attach(dup_fd.detach(), nbytes)


def init_reductions() -> None:
    """Register the reducers with ``multiprocessing``'s pickler (done on import;
    ``nn.Parameter`` registers itself when ``chainrule.nn`` loads)."""
    reduction.register(Tensor, reduce_tensor)
    reduction.register(Segment, reduce_segment)


def register_tensor_class(cls) -> None:
    """Send instances of this Tensor class (``nn.Parameter``) through shared memory."""
    reduction.register(cls, reduce_tensor)


init_reductions()
