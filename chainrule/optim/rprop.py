"""Rprop (resilient backpropagation), with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcmul_, view_as_real
from .optimizer import (
    Optimizer,
    _check_capturable,
    _check_lr,
    _foreach_refusals,
    _get_scalar_dtype,
    _get_value,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: per-coordinate step sizes that grow by ``etas[1]`` while the gradient keeps
    its sign and shrink by ``etas[0]`` when it flips (then that coordinate skips a step),
    clamped to ``step_sizes``; parameters move by ``-sign(g) * step_size``."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step")

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Rprop step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = C.zeros((), dtype=_get_scalar_dtype())
                    state["prev"] = C.zeros_like(p)
                    lr = group["lr"]
                    state["step_size"] = C.full_like(
                        p.grad, complex(lr, lr) if p.is_complex() else _get_value(_to_scalar(lr)))
            _foreach_refusals(group, len(params), "empty diff cap", supports_xla=True)
            _rprop(params, [self.state[p] for p in params], group)
        return loss


def _rprop(params: list, states: list, group: dict) -> None:
    etaminus, etaplus = group["etas"]
    step_size_min, step_size_max = group["step_sizes"]
    for param, state in zip(params, states):
        grad = param.grad if not group["maximize"] else -param.grad
        prev, step_size = state["prev"], state["step_size"]
        if group["capturable"]:
            _check_capturable()
        state["step"] += 1
        if param.is_complex():
            grad, prev, param, step_size = (view_as_real(grad), view_as_real(prev),
                                            view_as_real(param), view_as_real(step_size))
        sign = grad.mul(prev.clone() if group["differentiable"] else prev).sign()
        sign[sign.gt(0)] = etaplus
        sign[sign.lt(0)] = etaminus
        sign[sign.eq(0)] = 1
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        grad = grad.clone()
        grad[sign.eq(etaminus)] = 0
        addcmul_(param, grad.sign(), step_size, value=-1)
        prev.copy_(grad)
