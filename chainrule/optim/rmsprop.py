"""RMSprop, with torch's single-tensor update (centered and momentum variants)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcdiv_, addcmul_, lerp_, view_as_real
from .optimizer import (
    Optimizer,
    _check_capturable,
    _check_lr,
    _check_nonneg,
    _foreach_refusals,
    _get_scalar_dtype,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its history.

    Per parameter::

        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - g_avg**2) (centered, g_avg = lerp(g_avg, g, 1 - alpha)) | sqrt(v)
        buf = momentum * buf + g / (avg + eps);  p -= lr * buf    (momentum > 0)
        p -= lr * g / (avg + eps)                                  (otherwise)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon value")
        _check_nonneg(momentum, "momentum value")
        _check_nonneg(weight_decay, "weight_decay value")
        _check_nonneg(alpha, "alpha value")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
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
        """One RMSprop step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = C.zeros((), dtype=_get_scalar_dtype())
                    state["square_avg"] = C.zeros_like(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = C.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = C.zeros_like(p)
            _foreach_refusals(group, sum(p.grad is not None for p in group["params"]),
                              "empty diff cap", supports_xla=True)
            _rmsprop(group, [self.state[p] for p in group["params"] if p.grad is not None],
                     [p for p in group["params"] if p.grad is not None])
        return loss


def _rmsprop(group: dict, states: list, params: list) -> None:
    lr = _to_scalar(group["lr"])
    alpha, eps, weight_decay = group["alpha"], group["eps"], group["weight_decay"]
    momentum, centered = group["momentum"], group["centered"]
    for param, state in zip(params, states):
        if group["capturable"]:
            _check_capturable()
        grad = param.grad if not group["maximize"] else -param.grad
        square_avg = state["square_avg"]
        state["step"] += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        complex_ = param.is_complex()
        if complex_:
            param, grad, square_avg = view_as_real(param), view_as_real(grad), view_as_real(
                square_avg)
        addcmul_(square_avg.mul_(alpha), grad, grad, value=1 - alpha)
        if centered:
            grad_avg = state["grad_avg"]
            grad_avg = view_as_real(grad_avg) if complex_ else grad_avg
            lerp_(grad_avg, grad, 1 - alpha)
            avg = addcmul_(square_avg.clone(), grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add(eps) if group["differentiable"] else avg.add_(eps)
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf = view_as_real(buf) if complex_ else buf
            addcdiv_(buf.mul_(momentum), grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            addcdiv_(param, grad, avg, value=-lr)
