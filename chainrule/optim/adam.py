"""Adam (and, with ``decoupled_weight_decay``, AdamW), with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcdiv_, addcmul_, lerp_, maximum_into, view_as_real
from .optimizer import (
    Optimizer,
    _check_capturable,
    _check_differentiable_step,
    _device_dtype_check_for_fused,
    _foreach_refusals,
    _get_scalar_dtype,
    _get_value,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: bias-corrected running averages of the gradient and its square.

    Per parameter (``g`` negated when ``maximize``; ``g += weight_decay * p``, or with
    ``decoupled_weight_decay`` ``p *= 1 - lr * weight_decay``)::

        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_max, v) when amsgrad
        p -= lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            self._step_supports_amp_scaling = True
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step", _get_scalar_dtype(
                        is_fused=fused) if group["capturable"] or group["fused"] else None)

    def _init_group(self, group: dict, params: list, grads: list, exp_avgs: list,
                    exp_avg_sqs: list, max_exp_avg_sqs: list, steps: list) -> None:
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                if group["fused"]:
                    _device_dtype_check_for_fused(p)
                state["step"] = C.tensor(0.0, dtype=_get_scalar_dtype(
                    is_fused=group["fused"] if group["capturable"] or group["fused"] else None))
                state["exp_avg"] = C.zeros_like(p)
                state["exp_avg_sq"] = C.zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = C.zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if group["amsgrad"]:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            _check_differentiable_step(group, state)
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError("lr as a Tensor is not supported for capturable=False and "
                                   "foreach=True")
            steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam step for every parameter with a gradient; returns ``closure()``'s loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params: list = []
            grads: list = []
            exp_avgs: list = []
            exp_avg_sqs: list = []
            max_exp_avg_sqs: list = []
            steps: list = []
            beta1, beta2 = group["betas"]
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
                             steps)
            _foreach_refusals(group, len(params), "empty cap diff")
            _adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                  amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                  weight_decay=group["weight_decay"], eps=group["eps"],
                  maximize=group["maximize"],
                  # torch's fused kernel ignores capturable (and computes the plain update)
                  capturable=group["capturable"] and not group["fused"],
                  differentiable=group["differentiable"],
                  decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def _adam(params: list, grads: list, exp_avgs: list, exp_avg_sqs: list, max_exp_avg_sqs: list,
          steps: list, *, amsgrad: bool, beta1: Any, beta2: Any, lr: Any, weight_decay: Any,
          eps: float, maximize: bool, capturable: bool, differentiable: bool,
          decoupled_weight_decay: bool) -> None:
    lr, beta1, beta2 = _to_scalar(lr), _to_scalar(beta1), _to_scalar(beta2)
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg, exp_avg_sq, step_t = exp_avgs[i], exp_avg_sqs[i], steps[i]
        if capturable:
            _check_capturable()
        step_t += 1
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            elif differentiable and isinstance(weight_decay, Tensor) and \
                    weight_decay.requires_grad:
                grad = addcmul_(grad, param.clone(), weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        max_sq = max_exp_avg_sqs[i] if amsgrad else None
        if param.is_complex():
            grad, exp_avg, exp_avg_sq = (view_as_real(grad), view_as_real(exp_avg),
                                         view_as_real(exp_avg_sq))
            max_sq = view_as_real(max_sq) if amsgrad else None
            param = view_as_real(param)
        device_beta1 = beta1
        if isinstance(beta1, Tensor) and beta1.dtype != param.dtype:
            device_beta1 = beta1.to(dtype=param.dtype)
        lerp_(exp_avg, grad, 1 - device_beta1)
        if differentiable and isinstance(beta2, Tensor) and beta2.requires_grad:
            lerp_(exp_avg_sq, grad.square(), 1 - beta2)
        else:
            addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
        if capturable or differentiable:
            step = step_t
            bc1 = 1 - beta1 ** (step.clone() if isinstance(beta1, Tensor) and beta1.requires_grad
                                else step)
            bc2 = 1 - beta2 ** (step.clone() if isinstance(beta2, Tensor) and beta2.requires_grad
                                else step)
            step_size_neg = (lr / bc1).neg()
            bc2_sqrt = bc2.sqrt()
            if amsgrad:
                from .. import maximum
                max_sq.copy_(maximum(max_sq.clone(), exp_avg_sq))
                source = max_sq
            else:
                source = exp_avg_sq
            denom = (source.sqrt() / (bc2_sqrt * step_size_neg)).add_(eps / step_size_neg)
            addcdiv_(param, exp_avg.clone(), denom)
        else:
            step = _get_value(step_t)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bc2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                maximum_into(max_sq, max_sq, exp_avg_sq)
                denom = (max_sq.sqrt() / bc2_sqrt).add_(eps)
            else:
                denom = (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
            addcdiv_(param, exp_avg, denom, value=-step_size)
