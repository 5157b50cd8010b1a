"""Adafactor, with torch's single-tensor update (factored second moments for matrices)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ._ops import lerp_
from .optimizer import Optimizer, _get_scalar_dtype, _tensor_step_state, _to_scalar

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor: Adam-like steps whose second moment is kept as row and column averages
    for tensors of two or more dimensions, with a relative step size and update clipping.

    Per parameter at step t (``beta2_t = 1 - t ** beta2_decay``)::

        R = lerp(R, mean_cols(g*g), 1 - beta2_t); C = lerp(C, mean_rows(g*g), 1 - beta2_t)
        v = R @ C / mean(R)     (or lerp(v, g*g, 1 - beta2_t) for vectors)
        u = g / sqrt(max(v, eps1**2));  p -= alpha * u / max(1, rms(u) / d)
        alpha = max(eps2, rms(p)) * min(lr, 1 / sqrt(t))
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2,
                 beta2_decay: float = -0.8, eps: tuple[float | None, float] = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0:
                    _tensor_step_state(p_state, "step")

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adafactor step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Adafactor does not support complex parameters")
                params.append(p)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = C.tensor(0.0, dtype=_get_scalar_dtype())
                    if p.grad.dim() > 1:
                        row_shape = list(p.grad.shape)
                        row_shape[-1] = 1
                        state["row_var"] = p.grad.new_zeros(row_shape)
                        col_shape = list(p.grad.shape)
                        col_shape[-2] = 1
                        state["col_var"] = p.grad.new_zeros(col_shape)
                    else:
                        state["variance"] = C.zeros_like(p.grad)
            _adafactor(params, [self.state[p] for p in params], group)
        return loss


def _adafactor(params: list, states: list, group: dict) -> None:
    from .. import finfo, norm
    lr = _to_scalar(group["lr"])
    eps1, eps2 = group["eps"]
    d, beta2_decay, weight_decay = group["d"], group["beta2_decay"], group["weight_decay"]
    for param, state in zip(params, states):
        grad = param.grad if not group["maximize"] else -param.grad
        if eps1 is None:
            eps1 = finfo(param.dtype).eps
        step_t = state["step"]
        step_t += 1
        step_float = step_t.item()
        one_minus_beta2_t = step_float ** beta2_decay
        rho_t = min(lr, 1 / step_float ** 0.5)
        alpha = max(eps2, param.norm(2).item() / param.numel() ** 0.5) * rho_t
        if weight_decay != 0:
            param.mul_(1 - lr * weight_decay)
        if grad.dim() > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            row_mean = norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))
            lerp_(row_var, row_mean, one_minus_beta2_t)
            col_mean = norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))
            lerp_(col_var, col_mean, one_minus_beta2_t)
            var_estimate = row_var @ col_var
            var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
        else:
            variance = state["variance"]
            lerp_(variance, grad * grad, one_minus_beta2_t)
            var_estimate = variance.clone()
        update = var_estimate.clamp_(min=eps1 * eps1).rsqrt()
        update.mul_(grad)
        denom = max(1.0, update.norm(2).item() / (update.numel() ** 0.5 * d))
        param.add_(update, alpha=-alpha / denom)
