"""NAdam (Adam with Nesterov momentum), with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcdiv_, addcmul_, lerp_, view_as_real
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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Adam whose first moment looks one step ahead, with a momentum schedule
    ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon value")
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay value")
        _check_nonneg(momentum_decay, "momentum_decay value")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step")
                    _tensor_step_state(p_state, "mu_product")

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam step for every parameter with a gradient."""
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
                    state["mu_product"] = C.tensor(1.0, dtype=_get_scalar_dtype())
                    state["exp_avg"] = C.zeros_like(p)
                    state["exp_avg_sq"] = C.zeros_like(p)
            _foreach_refusals(group, len(params), "empty diff cap",
                              "params, mu_products, and state_steps")
            _nadam(params, [self.state[p] for p in params], group)
        return loss


def _nadam(params: list, states: list, group: dict) -> None:
    beta1, beta2 = group["betas"]
    lr = _to_scalar(group["lr"])
    weight_decay, momentum_decay, eps = (group["weight_decay"], group["momentum_decay"],
                                         group["eps"])
    differentiable = group["differentiable"]
    for param, state in zip(params, states):
        grad = param.grad if not group["maximize"] else -param.grad
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        mu_product, step_t = state["mu_product"], state["step"]
        if param.is_complex():
            param, grad, exp_avg, exp_avg_sq = (view_as_real(param), view_as_real(grad),
                                                view_as_real(exp_avg), view_as_real(exp_avg_sq))
        if group["capturable"]:
            _check_capturable("params, mu_products and state_steps")
        step_t += 1
        step = _get_value(step_t)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product *= mu
        lerp_(exp_avg, grad, 1 - beta1)
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()
        if differentiable:
            denom = denom.add(eps)
            mu_product_next = mu_product * mu_next
            grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
            exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
            addcdiv_(param, grad, denom)
            addcdiv_(param, exp_avg, denom)
        else:
            mu_product_next = _get_value(mu_product) * mu_next
            denom.add_(eps)
            addcdiv_(param, grad, denom,
                     value=-lr * (1.0 - mu) / (1.0 - _get_value(mu_product)))
            addcdiv_(param, exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product_next))
