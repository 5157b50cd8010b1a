"""Adadelta, with torch's single-tensor update."""
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
    _check_nonneg,
    _foreach_refusals,
    _get_scalar_dtype,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of updates and of gradients.

    Per parameter::

        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta;  p -= lr * delta
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg(eps, "epsilon value")
        _check_nonneg(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
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
        """One Adadelta step for every parameter with a gradient."""
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
                    state["square_avg"] = C.zeros_like(p)
                    state["acc_delta"] = C.zeros_like(p)
            _foreach_refusals(group, len(params), "diff cap empty")
            if group["capturable"] and params:
                _check_capturable(supports_xla=False)
            lr = _to_scalar(group["lr"])
            rho, eps, weight_decay = group["rho"], group["eps"], group["weight_decay"]
            for param in params:
                state = self.state[param]
                state["step"] += 1
                grad = param.grad if not group["maximize"] else -param.grad
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                if param.is_complex():
                    square_avg, acc_delta, grad = (view_as_real(square_avg),
                                                   view_as_real(acc_delta), view_as_real(grad))
                addcmul_(square_avg.mul_(rho), grad, grad, value=1 - rho)
                std = square_avg.add(eps).sqrt_()
                delta = acc_delta.add(eps).sqrt_()
                if group["differentiable"]:
                    delta = delta.clone()
                delta.div_(std).mul_(grad)
                addcmul_(acc_delta.mul_(rho), delta, delta, value=1 - rho)
                if param.is_complex():
                    delta = _as_complex(delta)
                param.add_(delta, alpha=-lr)
        return loss


def _as_complex(t: Tensor) -> Tensor:
    data = t._data
    return Tensor._make(data.view({"float32": "complex64", "float64": "complex128"}[
        data.dtype.name])[..., 0])
