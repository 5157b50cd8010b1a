"""Muon: momentum SGD whose update is orthogonalised by a Newton-Schulz iteration, as
torch.optim.Muon (2-D parameters only).

torch runs the iteration in bfloat16, and so does chainrule (chainrule.bfloat16, which
needs ml_dtypes): each op computes in float32 and rounds once, products accumulate in
float32, as torch's CPU kernels do.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation as C
from .. import _dtypes
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ._ops import lerp_
from .optimizer import Optimizer, _to_scalar

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _zeropower_via_newtonschulz(grad: Tensor, ns_coefficients: tuple[float, float, float],
                                ns_steps: int, eps: float) -> Tensor:
    """The orthogonal factor of ``grad`` by ``ns_steps`` quintic Newton-Schulz steps, in
    bfloat16 as torch runs them (float32 with the bfloat16 values when ml_dtypes is
    missing: each step then rounds as bfloat16 would not, see docs/differences.md)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    from .. import addmm
    with no_grad():
        x = grad.bfloat16() if _dtypes.bf16_available() else grad.float()
        tall = grad.size(0) > grad.size(1)
        if tall:
            x = x.T
        x = x / x.norm().clamp(min=eps)
        for _ in range(ns_steps):
            gram = x @ x.T
            gram_update = addmm(gram, gram, gram, beta=b, alpha=c)  # rounded once, as torch
            x = addmm(x, gram_update, x, beta=a)
        if tall:
            x = x.T
        return x.float().contiguous()


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape: Any) -> float:
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(A, B))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """Muon: ``buf = lerp(buf, g, 1 - momentum)``; the (Nesterov) momentum is orthogonalised
    by Newton-Schulz and applied with a shape-adjusted lr and decoupled weight decay."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B,
                                                                DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {p.size()}")

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Muon step for every parameter with a gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            momentum, weight_decay = group["momentum"], group["weight_decay"]
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if param.is_complex():
                    raise RuntimeError("Muon does not support complex parameters")
                state = self.state[param]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = C.zeros_like(grad)
                if grad.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                buf = lerp_(state["momentum_buffer"], grad, 1 - momentum)
                update = lerp_(grad.clone(), buf, momentum) if group["nesterov"] else buf
                update = _zeropower_via_newtonschulz(update, group["ns_coefficients"],
                                                     group["ns_steps"], group["eps"])
                if param.dtype != _dtypes.float32:
                    update = update.to(param.dtype)
                adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], param.shape)
                param.mul_(1 - lr * weight_decay)
                param.add_(update, alpha=-adjusted_lr)
        return loss
