"""Padding modules: Zero, Constant, Reflection, Replication and Circular pads in 1-3 d.
``padding`` is an int (every side) or a tuple (left, right[, top, bottom[, front, back]])."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _ntuple

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d",
           "ZeroPad2d", "ZeroPad3d"]


class _PadNd(Module):
    """A pad of 2 * ``_dims`` amounts in ``_mode``."""

    _dims: int
    _mode: str

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2 * self._dims)(padding)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def _check_input_dim(self, input: Tensor) -> None:
        n = self._dims + 1
        if input.dim() != n and input.dim() != n + 1:
            raise ValueError(f"expected {n}D or {n + 1}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap-around padding of the last dim."""

    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Wrap-around padding of the last two dims."""

    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Wrap-around padding of the last three dims."""

    _dims = 3


class _ConstantPadNd(Module):
    _dims: int

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.value = value
        self.padding = _ntuple(2 * self._dims)(padding)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _dims = 3


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Mirror padding (edge not repeated) of the last dim."""

    _dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Mirror padding of the last two dims."""

    _dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Mirror padding of the last three dims."""

    _dims = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Edge-repeating padding of the last dim."""

    _dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Edge-repeating padding of the last two dims."""

    _dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Edge-repeating padding of the last three dims."""

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Zero padding of the last dim."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Zero padding of the last two dims."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Zero padding of the last three dims."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
