"""What the loss modules share: torch's size warning, reductions on raw arrays, raw
parameters as Tensors under create_graph, and the refusal of a gradient to ``weight``."""
from __future__ import annotations

from ...._tensor import Tensor
from ....autograd.grad_mode import is_grad_enabled
from ..._vocab import graph_vocab
from .._compose import warn


def size_warning(input: Tensor, target: Tensor) -> None:
    warn(f"Using a target size ({target.shape}) that is different to the input size "
         f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
         "Please ensure they have the same size.")


def reduce_raw(xp, loss, reduction: int):
    """Reduction 0 (none), 1 (mean; NaN for no elements, as torch) or 2 (sum)."""
    if reduction == 0:
        return loss
    if reduction == 2:
        return xp.sum(loss)
    if loss.size == 0:
        return xp.full((), float("nan"), dtype=loss.dtype)
    return xp.true_divide(xp.sum(loss), loss.size, dtype=loss.dtype)


def param_tensor(F, value):
    """A raw array kept as an op parameter (a loss weight), as a constant Tensor when the
    rule runs under create_graph."""
    if value is None or F is not graph_vocab:
        return value
    return Tensor._make(value)


def check_no_grad(name: str, arg: str, t) -> None:
    """torch's refusal to differentiate with respect to a weight-like argument."""
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to "
                           f"argument '{arg}'. This input cannot have requires_grad True.")


def raw(t):
    return None if t is None else t._data
