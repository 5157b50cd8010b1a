"""``torch.autograd.Variable``: the legacy wrapper, now a function-like class that returns a
plain Tensor (every Tensor counts as a Variable for ``isinstance``)."""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a Tensor sharing ``tensor``'s data.

    >>> import chainrule as torch
    >>> v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    >>> type(v).__name__, v.requires_grad, isinstance(v, torch.autograd.Variable)
    ('Tensor', True, True)
    """

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out.requires_grad_(requires_grad)
        return out


class _ExecutionEngine:
    """``Variable._execution_engine``: the backward engine's hook for callbacks that run
    when the current backward pass ends."""

    @staticmethod
    def queue_callback(callback) -> None:
        from .engine import queue_callback
        queue_callback(callback)


Variable._execution_engine = _ExecutionEngine()
