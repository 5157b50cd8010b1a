"""Adamax (Adam with the infinity norm), with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcdiv_, lerp_, maximum_into, view_as_real
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_capturable,
    _check_lr,
    _check_nonneg,
    _foreach_refusals,
    _get_scalar_dtype,
    _get_value,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: Adam's first moment over a decaying infinity norm of the gradients.

    Per parameter::

        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p -= lr / (1 - beta1**t) * m / u
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon value")
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
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
        """One Adamax step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = C.tensor(0.0, dtype=_get_scalar_dtype())
                    state["exp_avg"] = C.zeros_like(p)
                    state["exp_inf"] = C.zeros_like(p)
            _foreach_refusals(group, len(params), "diff empty cap")
            beta1, beta2 = group["betas"]
            lr = _to_scalar(group["lr"])
            eps, weight_decay = group["eps"], group["weight_decay"]
            for param in params:
                state = self.state[param]
                grad = param.grad if not group["maximize"] else -param.grad
                exp_avg, exp_inf, step_t = state["exp_avg"], state["exp_inf"], state["step"]
                if group["capturable"]:
                    _check_capturable()
                step_t += 1
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                if param.is_complex():
                    param, grad, exp_avg, exp_inf = (view_as_real(param), view_as_real(grad),
                                                     view_as_real(exp_avg),
                                                     view_as_real(exp_inf))
                lerp_(exp_avg, grad, 1 - beta1)
                if not group["differentiable"]:
                    maximum_into(exp_inf, exp_inf.mul_(beta2), grad.abs().add_(eps))
                else:
                    from .. import amax, cat
                    norm_buf = cat([exp_inf.mul_(beta2).unsqueeze(0),
                                    grad.abs().add_(eps).unsqueeze_(0)], 0)
                    exp_inf.copy_(amax(norm_buf, 0, keepdim=False))
                clr = lr / (1 - beta1 ** _get_value(step_t))
                addcdiv_(param, exp_avg, exp_inf, value=-clr)
        return loss
