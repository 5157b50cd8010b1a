"""The in-place tensor ops the optimizers' update rules are written with, where chainrule
has no public form yet: ``lerp_``, ``addcmul_``, ``addcdiv_``, ``maximum(out=)`` and
torch's ``view_as_real`` for complex parameters.

Each writes straight into the destination's memory (bumping its version counter, as any
in-place op) when there is no graph to record: the usual case, an optimizer step under
no_grad. When grad mode is on and a tensor involved requires grad (``differentiable=True``)
the same update is composed from chainrule's recorded ops, so the step is part of the
graph and gradients flow through it as in torch (the node names are those of the parts:
``AddBackward0`` and its inputs, where torch shows ``LerpBackward0``/``AddcmulBackward0``).
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..autograd.grad_mode import _tls
from ..backend import _NAMESPACES

__all__ = ["addcdiv_", "addcmul_", "lerp_", "maximum_into", "view_as_real"]


def _records(*operands: Any) -> bool:
    """True when the op must be recorded in the graph."""
    if not _tls.grad_enabled:
        return False
    return any(isinstance(t, Tensor) and t._rg for t in operands)


def _raw(x: Any) -> Any:
    """An operand's array; a 0-d tensor becomes a Python number, which (as in torch) does
    not widen the destination's dtype."""
    if isinstance(x, Tensor):
        data = x._data
        return data.item() if data.ndim == 0 else data
    return x


def _store(self: Tensor, result: Any) -> Tensor:
    data = self._data
    data[...] = result
    self._bump_version()
    return self


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``self += weight * (end - self)`` in place, with torch's two-sided formula (from
    ``end`` for weights of 0.5 and above)."""
    if _records(self, end, weight):
        return self.add_((end - self) * weight)
    a, b, w = self._data, _raw(end), _raw(weight)
    diff = b - a
    if isinstance(w, (int, float)):
        if abs(w) < 0.5:
            diff *= w
            a += diff
        else:
            diff *= 1 - w
            _store(self, b - diff)
            return self
    else:
        xp = _NAMESPACES[a.__class__]
        a[...] = xp.where(xp.abs(w) < 0.5, a + w * diff, b - diff * (1 - w))
    self._bump_version()
    return self


def addcmul_(self: Tensor, tensor1: Any, tensor2: Any, value: Any = 1) -> Tensor:
    """``self += value * tensor1 * tensor2`` in place."""
    if _records(self, tensor1, tensor2, value):
        prod = tensor1 * tensor2
        return self.add_(prod if _is_one(value) else prod * value)
    t1, t2 = _raw(tensor1), _raw(tensor2)
    value = _raw(value)
    self._data += (t1 * value) * t2
    self._bump_version()
    return self


def addcdiv_(self: Tensor, tensor1: Any, tensor2: Any, value: Any = 1) -> Tensor:
    """``self += value * tensor1 / tensor2`` in place."""
    if _records(self, tensor1, tensor2, value):
        quot = tensor1 / tensor2
        return self.add_(quot if _is_one(value) else quot * value)
    t1, t2 = _raw(tensor1), _raw(tensor2)
    value = _raw(value)
    self._data += (t1 * value) / t2
    self._bump_version()
    return self


def maximum_into(out: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``torch.maximum(a, b, out=out)``."""
    if _records(out, a, b):
        from .. import maximum
        return out.copy_(maximum(a, b))
    xp = _NAMESPACES[out._data.__class__]
    xp.maximum(_raw(a), _raw(b), out=out._data)
    out._bump_version()
    return out


def _is_one(value: Any) -> bool:
    return not isinstance(value, Tensor) and value == 1


def view_as_real(t: Tensor) -> Tensor:
    """A complex tensor's memory seen as real pairs (last dim 2), sharing the version
    counter, as torch.view_as_real; used on optimizer state under no_grad."""
    if _records(t):
        raise NotImplementedError("chainrule's optimizers do not yet support complex "
                                  "parameters with differentiable=True")
    data = t._data
    view = Tensor._make(data[..., None].view(data.real.dtype))
    view._vc = t._version_counter()
    return view
