"""Averaged SGD, with torch's single-tensor update."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import view_as_real
from .optimizer import (
    Optimizer,
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

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step ``eta`` plus a running average ``ax`` of the
    iterates (started after ``t0`` steps).

    Per parameter, at step t::

        p *= 1 - lambd * eta;  p -= eta * g
        ax += (p - ax) * mu   (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
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
                    for key in ("step", "eta", "mu"):
                        _tensor_step_state(p_state, key)

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One ASGD step for every parameter with a gradient."""
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
                    state["eta"] = C.as_tensor(_to_scalar(group["lr"]),
                                               dtype=_get_scalar_dtype()).clone().detach()
                    state["mu"] = C.ones((), dtype=_get_scalar_dtype())
                    state["ax"] = C.zeros_like(p)
            _foreach_refusals(group, len(params), "empty diff cap",
                              "params, mus, etas, and state_steps")
            _asgd(params, [self.state[p] for p in params], group)
        return loss


def _asgd(params: list, states: list, group: dict) -> None:
    lr = _to_scalar(group["lr"])
    lambd, t0, alpha = group["lambd"], group["t0"], group["alpha"]
    weight_decay = group["weight_decay"]
    for param, state in zip(params, states):
        grad = param.grad if not group["maximize"] else -param.grad
        mu, ax, eta, step_t = state["mu"], state["ax"], state["eta"], state["step"]
        if group["capturable"]:
            _check_capturable("params, mus, etas, and state_steps")
        if param.is_complex():
            grad, param, ax = view_as_real(grad), view_as_real(param), view_as_real(ax)
        step_t += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        eta_value = _get_value(eta)
        param.mul_(1 - lambd * eta_value)
        param.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(param.sub(ax).mul_(mu))
        else:
            ax.copy_(param)
        step = _get_value(step_t)
        eta.copy_(C.as_tensor(lr / (1 + lambd * lr * step) ** alpha))
        mu.copy_(C.as_tensor(1 / max(1, step - t0)))
