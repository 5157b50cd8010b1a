"""Adagrad, with torch's single-tensor update (dense gradients)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ._ops import addcdiv_, addcmul_, view_as_real
from .optimizer import (
    Optimizer,
    _check_lr,
    _check_nonneg,
    _device_dtype_check_for_fused,
    _foreach_refusals,
    _fused_foreach_checks,
    _get_scalar_dtype,
    _get_value,
    _tensor_step_state,
    _to_scalar,
    _use_grad_for_differentiable,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: scale each coordinate by the root of its summed squared gradients.

    Per parameter, at step t::

        clr = lr / (1 + (t - 1) * lr_decay)
        sum += g * g;  p -= clr * g / (sqrt(sum) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_nonneg(lr_decay, "lr_decay value")
        _check_nonneg(weight_decay, "weight_decay value")
        _check_nonneg(initial_accumulator_value, "initial_accumulator_value value")
        _check_nonneg(eps, "epsilon value")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            _fused_foreach_checks(differentiable, fused, foreach)
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group, initial_accumulator_value)

    @staticmethod
    def _init_state(state: dict, p: Tensor, group: dict, initial: float) -> None:
        state["step"] = C.zeros((), dtype=_get_scalar_dtype(is_fused=group["fused"]))
        value = complex(initial, initial) if p.is_complex() else initial
        state["sum"] = C.full_like(p, value)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        fused = None
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step", _get_scalar_dtype(
                        is_fused=fused) if group["fused"] else None)
        for s in list(self.state.values()):
            _tensor_step_state(s, "step", _get_scalar_dtype(is_fused=fused))

    def share_memory(self) -> None:
        """torch moves ``sum`` to shared memory for multiprocessing; a no-op here."""

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                    _device_dtype_check_for_fused(p)
                    self._need_device_dtype_check_for_fused = False
                params.append(p)
                state = self.state[p]
                if len(state) == 0:
                    if group["fused"]:
                        _device_dtype_check_for_fused(p)
                    self._init_state(state, p, group, self.defaults["initial_accumulator_value"])
            _foreach_refusals(group, len(params), "diff empty")
            _adagrad(params, [self.state[p] for p in params], group)
        return loss


def _adagrad(params: list, states: list, group: dict) -> None:
    lr = _to_scalar(group["lr"])
    weight_decay, lr_decay, eps = group["weight_decay"], group["lr_decay"], group["eps"]
    for param, state in zip(params, states):
        step_t = state["step"]
        step_t += 1
        step = _get_value(step_t)
        grad = param.grad if not group["maximize"] else -param.grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum = state["sum"]
        if param.is_complex():
            grad, state_sum, param = view_as_real(grad), view_as_real(state_sum), view_as_real(
                param)
        addcmul_(state_sum, grad, grad, value=1)
        std = state_sum.sqrt() + eps if group["differentiable"] else state_sum.sqrt().add_(eps)
        addcdiv_(param, grad, std, value=-clr)
