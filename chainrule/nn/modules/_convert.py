"""Module dtype/device conversion (``to``, ``float``, ``double``, ``cuda`` ...) through
``_apply``, kept apart from module.py for size; Module binds these as its methods.

As in torch, a parameter keeps its identity: its data is replaced (``param.data =``), so
optimizers holding it still see it; its gradient is converted the same way."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

if TYPE_CHECKING:
    from .module import Module
_M = TypeVar("_M", bound="Module")

__all__ = ["to"]


def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True):
    if recurse:
        for module in self.children():
            module._apply(fn)
    for param in self._parameters.values():
        if param is None:
            continue
        with no_grad():
            param_applied = fn(param)
        param.data = param_applied
        grad = param.grad
        if grad is not None:
            with no_grad():
                grad_applied = fn(grad)
            grad.data = grad_applied
    for key, buf in self._buffers.items():
        if buf is not None:
            self._buffers[key] = fn(buf)
    return self


def to(self: _M, *args: Any, **kwargs: Any) -> _M:
    """Move and/or cast the parameters and buffers: ``to(device)``, ``to(dtype)``,
    ``to(device, dtype)``, ``to(tensor)``, ``memory_format=``. Only floating-point and
    complex tensors change dtype; devices other than the CPU raise torch's CPU-build error."""
    from ..._tensor_api import _to_args
    device, dtype, _, convert_to_format = _to_args(args, kwargs)
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")
        if dtype.is_complex:
            warnings.warn("Complex modules are a new feature under active development whose "
                          "design may change, and some modules might not work as expected when "
                          "using complex tensors as parameters or buffers. Please file an issue "
                          "at https://github.com/pytorch/pytorch/issues/new?template=bug-report."
                          "yml if a complex module does not work as expected.", stacklevel=2)

    def convert(t: Tensor) -> Tensor:
        cast = dtype if t.is_floating_point() or t.is_complex() else None
        if convert_to_format is not None and t.dim() in (4, 5):
            return t.to(device, cast, memory_format=convert_to_format)
        return t.to(device, cast)

    return self._apply(convert)


def to_empty(self: _M, *, device: Any, recurse: bool = True) -> _M:
    """Replace every parameter and buffer with uninitialised storage of the same shape."""
    from ..._creation import empty_like
    return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)


def cuda(self: _M, device: Any = None) -> _M:
    return self._apply(lambda t: t.cuda(device))


def xpu(self: _M, device: Any = None) -> _M:
    return self._apply(lambda t: t.xpu(device))


def ipu(self: _M, device: Any = None) -> _M:
    return self._apply(lambda t: t.ipu(device))


def mtia(self: _M, device: Any = None) -> _M:
    return self._apply(lambda t: t.mtia(device))


def cpu(self: _M) -> _M:
    return self._apply(lambda t: t.cpu())


def type_(self: _M, dst_type: Any) -> _M:
    """Cast every parameter and buffer to ``dst_type``."""
    return self._apply(lambda t: t.type(dst_type))


def _floating(method: str) -> Callable:
    def convert(self):
        return self._apply(lambda t: getattr(t, method)() if t.is_floating_point() else t)
    convert.__name__ = method
    convert.__doc__ = f"Cast floating-point parameters and buffers with ``Tensor.{method}``."
    return convert


float_ = _floating("float")
double = _floating("double")
half = _floating("half")


def bfloat16(self: _M) -> _M:
    """Cast floating parameters and buffers to bfloat16 (needs ml_dtypes: the extra
    ``chainrule[bfloat16]``; without it this raises TypeError naming it)."""
    import chainrule
    return self._apply(lambda t: t.to(chainrule.bfloat16) if t.is_floating_point() else t)


def share_memory(self: _M) -> _M:
    """Move parameters, gradients and buffers to shared memory (``share_memory_``)."""
    return self._apply(lambda t: t.share_memory_())
