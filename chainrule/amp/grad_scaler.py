"""``GradScaler``: dynamic loss scaling, torch's algorithm and state.

``scale`` multiplies the loss by the scale; ``unscale_`` divides the optimizer's gradients
by it in place and records whether any is inf or NaN; ``step`` skips the optimizer's step
when one was; ``update`` backs the scale off after a skipped step and grows it after
``growth_interval`` clean ones. Built from public chainrule ops only.
"""
from __future__ import annotations

import enum
import math
import warnings
from collections import defaultdict

from .. import _dtypes


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state():
    return {"stage": OptState.READY, "found_inf": None}


class GradScaler:
    """torch.amp.GradScaler(device="cuda", init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True).

    On this CPU-only build a scaler for ``"cuda"`` (torch's default device) warns and
    disables itself, as torch's does without CUDA; ``GradScaler("cpu")`` scales.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available."
                          "  Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ scaling
    def _lazy_init(self):
        from .._creation import full
        self._scale = full((), self._init_scale, dtype=_dtypes.float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtypes.int32)

    def scale(self, outputs):
        """``outputs`` (a tensor or nested iterables of tensors) times the scale."""
        if not self._enabled:
            return outputs
        from .._tensor import Tensor
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init()
            return outputs * self._scale

        def apply(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init()
                return val * self._scale
            if isinstance(val, list):
                return [apply(v) for v in val]
            if isinstance(val, tuple):  # a named tuple takes its fields positionally
                out = [apply(v) for v in val]
                return type(val)(*out) if hasattr(val, "_fields") else type(val)(out)
            if hasattr(val, "__iter__") and not isinstance(val, (str, bytes)):
                return map(apply, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply(outputs)

    def _unscale_grads_(self, optimizer, inv_scale: float, allow_fp16: bool) -> bool:
        from .. import no_grad
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is _dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if g.is_sparse:
                        g = g.coalesce()
                    g.mul_(inv_scale)
                    if not found and not bool(g.isfinite().all()):
                        found = True
        return found

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (once per step), e.g.
        before clipping them."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # torch computes the reciprocal in double, then rounds it to float32
        inv = float(_dtypes.float32.np.type(1.0 / float(self._scale.item())))
        state["found_inf"] = 1.0 if self._unscale_grads_(optimizer, inv, False) else 0.0
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step(*args, **kwargs)`` unless this step's gradients held an inf or
        NaN (then the step is skipped and None returned)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not state["found_inf"]:
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Set the next scale: ``new_scale`` if given, else backoff after an inf, growth
        after ``growth_interval`` clean steps."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        from .._tensor import Tensor
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                if not (isinstance(new_scale, Tensor) and new_scale.numel() == 1 and
                        new_scale.dtype is _dtypes.float32 and not new_scale.requires_grad):
                    raise AssertionError(
                        "new_scale should be a float or a 1-element torch.cuda.FloatTensor "
                        "or torch.FloatTensor with requires_grad=False.")
                self._scale.copy_(new_scale.reshape(()))
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values()
                     if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            scale = float(self._scale.item())
            tracker = int(self._growth_tracker.item())
            if sum(found) > 0:
                scale, tracker = scale * self._backoff_factor, 0
            else:
                tracker += 1
                if tracker == self._growth_interval:
                    grown = float(_dtypes.float32.np.type(scale * self._growth_factor))
                    if math.isfinite(grown):
                        scale = grown
                    tracker = 0
            self._scale.fill_(scale)
            self._growth_tracker.fill_(tracker)
        self._per_optimizer_states = defaultdict(_fresh_state)

    def _check_scale_growth_tracker(self, funcname):
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  This may "
                                 "indicate your script did not use scaler.scale(loss or "
                                 "outputs) earlier in the iteration.")
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  This "
                                 "may indicate your script did not use scaler.scale(loss "
                                 "or outputs) earlier in the iteration.")

    # ------------------------------------------------------------------ state
    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return (self._init_growth_tracker if self._growth_tracker is None
                else int(self._growth_tracker.item()))

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was "
                               "saved from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = state["_growth_tracker"] = None
            state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = defaultdict(_fresh_state)
