"""In-place ops on batched tensors: the out-of-place result (batched as usual) is written
into the batched tensor's own value, so views of it see the change and autograd records the
write on the plain tensor underneath."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd import forward_ad as _fw
from ._batched import BatchedTensor, batched_tangent, value_of

__all__ = ["inplace_handler"]

_NOT_BATCHED_SELF = (
    "vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a "
    "Tensor `other` in extra_args that has more elements than `self`. This happened due to "
    "`other` being vmapped over but `self` not being vmapped over in a vmap. Please try to use "
    "out-of-place operators instead of inplace arithmetic. If said operator is being called "
    "inside the PyTorch framework, please file a bug report instead.")


def _top(t) -> int:
    return t._level if t.__class__ is BatchedTensor else 0


def _write(self, result):
    """Store the logical ``result`` into batched ``self`` in place."""
    level = _top(self)
    if _top(result) > level or level == 0:
        from ._batched import level_size
        size = level_size(_top(result))
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {[size] + list(result.shape)}")
    value = value_of(self)  # (under forward AD the tangents go down with the values)
    if _top(result) == level:
        r = value_of(result)
        if result._bdim != self._bdim:
            r = r.movedim(result._bdim, self._bdim)
    else:  # the same for every sample: broadcast over the batch dim
        r = result.unsqueeze(self._bdim) if result.dim() + 1 == value.dim() else result
    value.copy_(r)
    self._rg = value._rg
    _pull_tangent(self)
    return self


def _pull_tangent(self):
    """After a write into ``self``'s physical value: ``self``'s tangent is the value's."""
    if _fw._STATE.level < 0:
        return
    t = _fw.tangent_of(self._value)
    if t is not None:
        _fw.set_tangent(self, batched_tangent(t, self._bdim, self._level))


def inplace_handler(kind, self, fn, args, kwargs):
    if kind == "op":
        from ...autograd.grad_mode import is_grad_enabled
        source = self
        if is_grad_enabled() and (self._rg or any(isinstance(a, Tensor) and a._rg
                                                  for a in args)):
            source = self.clone()  # the op saves the values before the write, as torch's
        return _write(self, fn(source, *args, **kwargs))
    if kind == "copy":
        return _write(self, args[0])
    if _top(self) == 0:
        raise RuntimeError(_NOT_BATCHED_SELF)
    if kind == "zero":
        value_of(self).zero_()
    else:  # fill
        value = args[0]
        if isinstance(value, Tensor) and _top(value) == self._level:
            return _write(self, value.expand(tuple(self.shape)))
        value_of(self).fill_(value)
    self._rg = self._value._rg
    _pull_tangent(self)
    return self
