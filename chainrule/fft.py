"""torch.fft: discrete Fourier transforms (chainrule/ops/fft.py), differentiable, with
torch's graph (FftR2CBackward0, FftC2CBackward0, FftC2RBackward0).

>>> import chainrule as torch
>>> torch.fft.rfft(torch.tensor([1.0, 2.0, 3.0, 4.0]))
tensor([10.+0.j, -2.+2.j, -2.+0.j])
"""
from __future__ import annotations

from ._tensor import Tensor  # noqa: F401 - torch.fft.Tensor
from .ops.fft import __all__  # noqa: F401
from .ops.fft import fft, fft2, fftfreq, fftn, fftshift, hfft, hfft2, hfftn  # noqa: F401
from .ops.fft import ifft, ifft2, ifftn, ifftshift, ihfft, ihfft2, ihfftn  # noqa: F401
from .ops.fft import irfft, irfft2, irfftn, rfft, rfft2, rfftfreq, rfftn  # noqa: F401
