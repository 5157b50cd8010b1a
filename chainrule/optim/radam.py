"""RAdam (rectified Adam), with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcmul_, lerp_, view_as_real
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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive term is switched on, and rectified, once the variance of
    the adaptive learning rate is tractable (rho_t > 5); plain momentum SGD before that."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon value")
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step")

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam step for every parameter with a gradient."""
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
                    state["exp_avg_sq"] = C.zeros_like(p)
            _foreach_refusals(group, len(params), "empty diff cap")
            _radam(params, [self.state[p] for p in params], group)
        return loss


def _radam(params: list, states: list, group: dict) -> None:
    beta1, beta2 = group["betas"]
    lr = _to_scalar(group["lr"])
    weight_decay, eps = group["weight_decay"], group["eps"]
    for param, state in zip(params, states):
        grad = param.grad if not group["maximize"] else -param.grad
        exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        if group["capturable"]:
            _check_capturable()
        if param.is_complex():
            param, grad, exp_avg, exp_avg_sq = (view_as_real(param), view_as_real(grad),
                                                view_as_real(exp_avg), view_as_real(exp_avg_sq))
        step_t += 1
        step = _get_value(step_t)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        lerp_(exp_avg, grad, 1 - beta1)
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            exp_avg_sq_sqrt = exp_avg_sq.sqrt()
            exp_avg_sq_sqrt = (exp_avg_sq_sqrt.add(eps) if group["differentiable"]
                               else exp_avg_sq_sqrt.add_(eps))
            adaptive_lr = bias_correction2 ** 0.5 / exp_avg_sq_sqrt
            param.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
        else:
            param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
