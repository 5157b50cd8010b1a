"""DLPack: zero-copy exchange with other array libraries (torch, NumPy, JAX, CuPy ...), on
NumPy's own DLPack support. ``from_dlpack(x)`` takes any object with ``__dlpack__`` (or a
DLPack capsule, which can be consumed once) and returns a tensor sharing its memory;
``to_dlpack(t)`` gives a capsule; ``Tensor.__dlpack__`` lets other libraries take
chainrule tensors. ``chainrule.utils.dlpack`` re-exports the two functions."""
from __future__ import annotations

import numpy as np

from ._tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]

_CPU = (1, 0)  # (kDLCPU, device 0)


class _Capsule:
    """A bare DLPack capsule presented as an exporter, as NumPy's from_dlpack wants one."""

    __slots__ = ("capsule",)

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        return self.capsule

    def __dlpack_device__(self):
        return _CPU


def from_dlpack(ext_tensor, *, device=None, copy: bool | None = None) -> Tensor:
    """A tensor over the memory of ``ext_tensor`` (an object with ``__dlpack__``, or a
    DLPack capsule); ``copy=True`` copies it instead."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.clone() if copy else ext_tensor.detach()
    if device is not None:
        from ._device import resolve
        resolve(device)
    exporter = ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise TypeError(f"from_dlpack(): expected an object with __dlpack__ or a DLPack "
                            f"capsule, got {type(ext_tensor).__name__}")
        if device is not None or copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is "
                                 "already a DLPack capsule.")
        exporter = _Capsule(ext_tensor)
    try:
        data = np.from_dlpack(exporter, copy=copy) if copy is not None else \
            np.from_dlpack(exporter)
    except (BufferError, ValueError) as exc:
        if isinstance(exporter, _Capsule):
            raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor "
                               "capsules can be consumed only once, so you might have already "
                               "constructed a tensor from it once.") from None
        raise RuntimeError(f"from_dlpack(): {exc}") from None
    if not data.flags.writeable and copy is not False:
        # a read-only export (torch's are writable; NumPy marks some views read-only)
        data = np.array(data, copy=True) if copy else data
    return Tensor._make(data)


def to_dlpack(tensor: Tensor):
    """A DLPack capsule over ``tensor``'s memory (consumable once)."""
    return tensor.__dlpack__()


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    if self._rg:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if copy is not None:
        kwargs["copy"] = copy
    return self._data.__dlpack__(**kwargs)


def _dlpack_device(self):
    return _CPU


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device
