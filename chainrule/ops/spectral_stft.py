"""The short-time Fourier transform and its inverse, composed as torch composes them (so the
graph is torch's): ``stft`` pads the signal (``F.pad``), cuts frames with ``as_strided``,
windows them and transforms each (FftR2CBackward0 / FftC2CBackward0), then transposes in
place; ``istft`` transforms back (FftC2RBackward0 / FftC2CBackward0), overlap-adds the
windowed frames with ``unfold_backward`` and divides by the summed squared window.

The FFT steps are ops/fft.py's primitives (torch's _fft_r2c / _fft_c2c / _fft_c2r).
"""
from __future__ import annotations

import warnings

from .._dtypes import type_name
from .._tensor import Tensor
from ._registry import PUBLIC, expose
from .fft import _fft_c2c, _fft_c2r, _fft_r2c


# ---------------------------------------------------------------------------- padding
def _pad(x: Tensor, left: int, right: int, mode: str) -> Tensor:
    """``F.pad(x, [left, right], mode)`` of the last dim: chainrule's F.pad where it has one
    (ops/nn/padding.py, with torch's nodes), else the same values and gradients from cat."""
    fn = PUBLIC.get("pad")
    if fn is not None:
        return fn(x, [left, right], mode)
    from .shape.join import cat
    n = x.shape[-1]
    if mode == "constant":
        if not (left or right):
            return x
        z = x.new_zeros(x.shape[:-1] + (left,)), x.new_zeros(x.shape[:-1] + (right,))
        return cat([z[0], x, z[1]], -1)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "reflect" and (left >= n or right >= n):
        raise RuntimeError("Argument #4: Padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({left}, {right}) at dimension "
                           f"{x.ndim - 1} of input {list(x.shape)}")
    if mode == "reflect":
        parts = [x[..., 1:left + 1].flip(-1), x, x[..., n - 1 - right:n - 1].flip(-1)]
    elif mode == "replicate":
        parts = [x[..., :1].expand(x.shape[:-1] + (left,)), x,
                 x[..., n - 1:].expand(x.shape[:-1] + (right,))]
    else:
        parts = [x[..., n - left:], x, x[..., :right]]
    return cat(parts, -1)


def _constant_pad(x: Tensor, left: int, right: int) -> Tensor:
    fn = PUBLIC.get("constant_pad_nd")
    if fn is not None:
        return fn(x, [left, right], 0)
    return _pad(x, left, right, "constant")


# ---------------------------------------------------------------------------- stft
_WARNED: set = set()


def _once(key: str) -> bool:
    """torch's TORCH_WARN_ONCE: a warning given once per process."""
    if key in _WARNED:
        return False
    _WARNED.add(key)
    return True


def _opt(v) -> str:
    return "None" if v is None else str(int(v))


def _tensor_name(t: Tensor) -> str:
    from .._legacy import type_name as legacy
    return "torch." + legacy(t.dtype)


@expose
def stft(input: Tensor, n_fft: int, hop_length: int | None = None,
         win_length: int | None = None, window: Tensor | None = None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None) -> Tensor:
    """The short-time Fourier transform of a signal (1-D) or a batch of them (2-D): the FFT
    of each ``n_fft``-long frame, ``hop_length`` apart, times ``window`` (centred in the
    frame when shorter); ``center`` pads the signal by ``n_fft // 2`` on both sides first.
    Returns (batch,) freq x frames, complex (``return_complex`` must be given for real
    input; False gives view_as_real's layout, deprecated as in torch)."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        signal_dim = input.ndim
        pad = int(n_fft // 2)
        x = input.view([1] * (3 - signal_dim) + list(input.shape))
        input = _pad(x, pad, pad, pad_mode)
        input = input.view(input.shape[-signal_dim:])
    if window is None and _once("stft window"):
        warnings.warn("A window was not provided. A rectangular window will be applied,which is "
                      "known to cause spectral leakage. Other windows such as torch.hann_window "
                      "or torch.hamming_window are recommended to reduce spectral leakage.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    is_complex = input.is_complex() or (window is not None and window.is_complex())
    out_complex = is_complex if return_complex is None else return_complex

    def error(message):
        w = "None" if window is None else f"{_tensor_name(window)}{{{list(window.shape)}}}"
        return RuntimeError(
            f"stft({_tensor_name(input)}{list(input.shape)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={w}, normalized={int(normalized)}, onesided="
            f"{_opt(onesided)}, return_complex={_opt(return_complex)}, align_to_window="
            f"{_opt(align_to_window)}) : {message}")

    if not out_complex:
        if return_complex is None:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        if _once("stft return_complex"):
            warnings.warn("stft with return_complex=False is deprecated. In a future pytorch "
                          "release, stft will return complex tensors for all inputs, and "
                          "return_complex=False will raise an error.\nNote: you can still call "
                          "torch.view_as_real on the complex output to recover the old return "
                          "format.", UserWarning, stacklevel=2)
    if input._data.dtype.kind not in "fcV":
        raise error("expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        raise error("expected a 1D or 2D tensor")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    if align_to_window and win < n_fft:
        left = (n_fft - win) // 2
        x = _constant_pad(x, left, left)
    batch, length = x.shape
    if n_fft <= 0 or n_fft > length:
        raise error(f"expected 0 < n_fft < {length}, but got n_fft={win}")
    if hop <= 0:
        raise error(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise error(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise error(f"expected a 1D window tensor of size equal to win_length={win}, but got "
                    f"window with size {list(window.shape)}")
    window_ = window
    if win < n_fft:  # the window centred in the frame
        from .._creation import zeros
        left = (n_fft - win) // 2
        window_ = zeros(n_fft, dtype=(window if window is not None else input).dtype)
        if window is not None:
            window_.narrow(0, left, win).copy_(window)
        else:
            window_.narrow(0, left, win).fill_(1)
    frames = 1 + (length - n_fft) // hop
    s0, s1 = x.stride()
    x = x.as_strided((batch, frames, n_fft), (s0, hop * s1, s1))
    if window_ is not None:
        x = x.mul(window_)
    if x._data.dtype.char == "e":
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: "
                           f"{type_name(x._data.dtype)}")
    complex_fft = x.is_complex()
    side = (not complex_fft) if onesided is None else onesided
    norm = 1 if normalized else 0
    if complex_fft:
        if side:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = _fft_c2c(x, (x.ndim - 1,), norm, True)
    else:
        out = _fft_r2c(x, (x.ndim - 1,), norm, side)
    out.transpose_(1, 2)
    if input.ndim == 1:
        out.squeeze_(0)
    if out_complex:
        return out
    return PUBLIC["view_as_real"](out)


@expose
def istft(input: Tensor, n_fft: int, hop_length: int | None = None,
          win_length: int | None = None, window: Tensor | None = None, center: bool = True,
          normalized: bool = False, onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """The inverse of ``stft``: each frame transformed back, windowed and overlap-added, then
    divided by the summed squared window (which must not vanish anywhere); ``length`` trims
    or zero-pads the result."""
    from .._creation import ones
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def error(message, sep=" : "):
        w = "None" if window is None else f"{_tensor_name(window)}{{{list(window.shape)}}}"
        return RuntimeError(
            f"istft(CPU{type_name(input._data.dtype)}Type{list(input.shape)}, n_fft={n_fft}, "
            f"hop_length={hop}, win_length={win}, window={w}, center={int(center)}, normalized="
            f"{int(normalized)}, onesided={_opt(onesided)}, length="
            f"{'None' if length is None else length}, return_complex={int(return_complex)})"
            f"{sep}{message}")

    if window is None and _once("istft window"):
        warnings.warn("A window was not provided. A rectangular window will be applied.Please "
                      "provide the same window used by stft to make the inversion lossless.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    view_as_real, view_as_complex = PUBLIC["view_as_real"], PUBLIC["view_as_complex"]
    x = view_as_real(input.resolve_conj() if hasattr(input, "resolve_conj") else input)
    nd = x.ndim
    frames, fft_size = x.size(-2), x.size(-3)
    if x.numel() == 0:
        raise error("input tensor cannot be empty.")
    if nd not in (3, 4):
        raise error("expected a tensor with 3 or 4 dimensions of real, or 2 or 3 dimensions of  "
                    f"complex, but got {nd}")
    expected = n_fft + hop * (frames - 1)
    side = fft_size != n_fft if onesided is None else onesided
    if side and n_fft // 2 + 1 != fft_size:
        raise error("expected the frequency dimension (3rd to the last) of the input tensor to "
                    f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not side and n_fft != fft_size:
        raise error("expected the frequency dimension (3rd to the last) of the input tensor to "
                    f"match n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        raise error("expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise error("expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise error("Invalid window shape. window has to be 1D and length of `win_length`")
    w = window if window is not None else ones(win, dtype=x.dtype)
    if win != n_fft:
        left = (n_fft - win) // 2
        w = _constant_pad(w, left, n_fft - win - left)
    if nd == 3:
        x = x.unsqueeze(0)
    x = x.transpose(1, 2)
    if any(s % 2 for s in x.stride()[:-1]) or x.stride()[-1] != 1:
        x = x.contiguous()
    x = view_as_complex(x)
    norm = 1 if normalized else 2
    if return_complex:
        if side:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        x = _fft_c2c(x, (x.ndim - 1,), norm, False)
    else:
        if window is not None and window.is_complex():
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not side:
            x = x.narrow(-1, 0, n_fft // 2 + 1)
        x = _fft_c2r(x, (x.ndim - 1,), norm, n_fft)
    unfold_backward = PUBLIC["unfold_backward"]
    y = unfold_backward(x * w.view(1, 1, n_fft), (x.shape[0], expected), 1, n_fft, hop)
    envelope = unfold_backward(w.pow(2).expand(1, frames, n_fft), (1, expected), 1, n_fft,
                               hop)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (-(n_fft // 2) if center else expected)
    stop = min(expected, end if end >= 0 else expected + end)  # at::slice clamps the end
    y = y.narrow(1, start, max(stop - start, 0))
    envelope = envelope.narrow(1, start, max(stop - start, 0))
    if bool((envelope.abs().min()._data < 1e-11)):
        raise error("window overlap add min: 1\n[ CPUBoolType{} ]", sep=" ")
    y = y / envelope
    if nd == 3:
        y = y.squeeze(0)
    if end > expected and _once("istft length"):
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.", UserWarning, stacklevel=2)
    if end > expected:
        y = _constant_pad(y, 0, end - expected)
    return y
