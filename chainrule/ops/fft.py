"""torch.fft: discrete Fourier transforms, composed as ATen composes them (so the graph is
torch's).

Three primitives carry the derivatives, with torch's grad_fns and derivatives.yaml's rules
(over ``xp.fft``, cast back to the input's precision): ``_fft_r2c`` (real to complex,
FftR2CBackward0; ``onesided`` keeps the non-negative frequencies of the last transformed
dim), ``_fft_c2c`` (FftC2CBackward0) and ``_fft_c2r`` (FftC2RBackward0). Each takes a
tuple of dims and torch's normalization code: 0 none, 1 by 1/sqrt(n), 2 by 1/n, whatever
the direction. The public functions resize the input first (``constant_pad_nd`` to pad,
a slice to trim, as ATen's ``resize_fft_input``), promote integers to the default float
and real inputs to complex where the transform needs it, and conjugate where ATen does
(``ifft`` of a real input, ``hfft``, ``ihfft``).
"""
from __future__ import annotations

from .._tensor import Tensor
from ._registry import dispatch, expose, op

_NUMPY_NORM = {0: "backward", 1: "ortho", 2: "forward"}     # a forward transform's norm=
_NUMPY_INVERSE_NORM = {0: "forward", 1: "ortho", 2: "backward"}  # an inverse transform's
_COMPLEX = {"float32": "complex64", "float64": "complex128", "complex64": "complex64",
            "complex128": "complex128"}
_REAL = {"complex64": "float32", "complex128": "float64"}


def _r2c(xp, x, dim, normalization, onesided):
    f = xp.fft.rfftn if onesided else xp.fft.fftn
    return f(x, axes=dim, norm=_NUMPY_NORM[normalization]).astype(_COMPLEX[x.dtype.name])


def _c2c(xp, x, dim, normalization, forward):
    f, norms = (xp.fft.fftn, _NUMPY_NORM) if forward else (xp.fft.ifftn, _NUMPY_INVERSE_NORM)
    return f(x, axes=dim, norm=norms[normalization]).astype(x.dtype, copy=False)


def _c2r(xp, x, dim, normalization, last_dim_size):
    s = [x.shape[d] for d in dim[:-1]] + [last_dim_size]
    out = xp.fft.irfftn(x, s=s, axes=dim, norm=_NUMPY_INVERSE_NORM[normalization])
    return out.astype(_REAL[x.dtype.name], copy=False)


def _r2c_grad(F, g, x_shape, dim, normalization, onesided):
    """torch's fft_r2c_backward: the one-sided half filled out with zeros, transformed back,
    real part."""
    last = dim[-1]
    if onesided and g.shape[last] < x_shape[last]:
        full = list(g.shape)
        full[last] = x_shape[last]
        g = F.slice_backward(g, tuple(full), last, 0, g.shape[last], 1)
    return F.real(F._fft_c2c(g, dim, normalization, False))


def _c2r_grad(F, g, dim, normalization):
    """torch's fft_c2r_backward: rfft of the gradient, the entries whose mirror images fall
    outside the one-sided half doubled."""
    gi = F._fft_r2c(g, dim, normalization, True)
    last = dim[-1]
    double = g.shape[last] - gi.shape[last]
    if double <= 0:
        return gi
    lead = (slice(None),) * last
    return F.cat([gi[lead + (slice(0, 1),)], gi[lead + (slice(1, 1 + double),)] * 2,
                  gi[lead + (slice(1 + double, None),)]], last)


# holomorphic=False: the rules are torch's for complex numbers, written out.
FFT_R2C = op("_fft_r2c", _r2c, params=("dim", "normalization", "onesided"),
             vjps=(_r2c_grad,), grad_fn="FftR2CBackward0", holomorphic=False)
FFT_C2C = op("_fft_c2c", _c2c, params=("dim", "normalization", "forward"),
             vjps=(lambda F, g, dim, normalization, forward:
                   F._fft_c2c(g, dim, normalization, not forward),),
             grad_fn="FftC2CBackward0", holomorphic=False)
FFT_C2R = op("_fft_c2r", _c2r, params=("dim", "normalization", "last_dim_size"),
             vjps=(_c2r_grad,), grad_fn="FftC2RBackward0", holomorphic=False)


def _dims(dim):
    return (dim,) if isinstance(dim, int) else tuple(dim)


@expose(method=False, internal=True)
def _fft_r2c(input: Tensor, dim, normalization: int, onesided: bool) -> Tensor:
    """torch's _fft_r2c (FftR2CBackward0)."""
    return dispatch(FFT_R2C, (input,), {"dim": _dims(dim), "normalization": normalization,
                                        "onesided": onesided})


@expose(method=False, internal=True)
def _fft_c2c(input: Tensor, dim, normalization: int, forward: bool) -> Tensor:
    """torch's _fft_c2c (FftC2CBackward0)."""
    return dispatch(FFT_C2C, (input,), {"dim": _dims(dim), "normalization": normalization,
                                        "forward": forward})


@expose(method=False, internal=True)
def _fft_c2r(input: Tensor, dim, normalization: int, last_dim_size: int) -> Tensor:
    """torch's _fft_c2r (FftC2RBackward0)."""
    return dispatch(FFT_C2R, (input,), {"dim": _dims(dim), "normalization": normalization,
                                        "last_dim_size": last_dim_size})


# ---------------------------------------------------------------------------- helpers
def _norm(norm, forward: bool) -> int:
    """ATen's norm_from_string: the normalization code of ``norm`` for a transform's
    direction."""
    if norm is None or norm == "backward":
        return 0 if forward else 2
    if norm == "forward":
        return 2 if forward else 0
    if norm == "ortho":
        return 1
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _promote(x: Tensor, require_complex: bool = False) -> Tensor:
    """ATen's promote_tensor_fft: integers become the default float; real becomes complex
    when asked (a ToCopyBackward0 node)."""
    from .. import _dtypes
    from .._dtypes import get_default_dtype
    kind = x._data.dtype.kind
    if kind in "biu":
        x = x.to(get_default_dtype())
    elif kind in "fV" and x._data.dtype.itemsize < 4:
        raise RuntimeError(f"Unsupported dtype {'Half' if x._data.dtype.itemsize == 2 else ''}")
    if require_complex and x._data.dtype.kind != "c":
        x = x.to(getattr(_dtypes, _COMPLEX[x._data.dtype.name]))
    return x


def _wrap(d: int, ndim: int) -> int:
    if not -ndim <= d < max(ndim, 1) or ndim == 0:
        lo, hi = -max(ndim, 1), max(ndim, 1) - 1
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {d})")
    return d % ndim


def _resize(x: Tensor, dims, sizes) -> Tensor:
    """ATen's resize_fft_input: trim with a slice, pad with zeros (constant_pad_nd)."""
    from .nn.padding import constant_pad_nd
    pad = [0] * (2 * x.ndim)
    must_pad = False
    for d, n in zip(dims, sizes):
        if n == -1:
            continue
        have = x.shape[d]
        if have < n:
            must_pad = True
            pad[len(pad) - 2 * d - 1] = n - have
        elif have > n:
            x = x.narrow(d, 0, n)
    return constant_pad_nd(x, pad) if must_pad else x


def _check_n(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _shape_and_dims(x: Tensor, s, dim):
    """ATen's canonicalize_fft_shape_and_dim_args: (shape, dims) of an n-d transform."""
    ndim = x.ndim
    dims = None
    if dim is not None:
        dims = [_wrap(d, ndim) for d in _dims(dim)]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        s = list(s)
        if dims is not None and len(dims) != len(s):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{ndim} dimensions.")
        if dims is None:
            dims = list(range(ndim - len(s), ndim))
        shape = [x.shape[d] if n == -1 else n for d, n in zip(dims, s)]
    elif dims is None:
        dims, shape = list(range(ndim)), list(x.shape)
    else:
        shape = [x.shape[d] for d in dims]
    for n in shape:
        _check_n(n)
    return shape, dims


def _out(result: Tensor, out):
    if out is None:
        return result
    from .linalg._util import write_out
    return write_out(result, out)


# ---------------------------------------------------------------------------- 1-d
def _c2c_1d(name, x, n, dim, norm, forward):
    if x._data.dtype.kind != "c":
        raise RuntimeError(f"{name} expects a complex input tensor, but got {x.dtype}")
    d = _wrap(dim, x.ndim)
    n = x.shape[d] if n is None else n
    _check_n(n)
    x = _resize(x, (d,), (n,))
    return _fft_c2c(x, (d,), _norm(norm, forward), forward)


def _r2c_1d(name, x, n, dim, norm, forward, onesided):
    if x._data.dtype.kind == "c":
        raise RuntimeError(f"{name} expects a real input tensor, but got "
                           f"{type_name_of(x)}")
    x = _promote(x)
    d = _wrap(dim, x.ndim)
    n = x.shape[d] if n is None else n
    _check_n(n)
    x = _resize(x, (d,), (n,))
    ret = _fft_r2c(x, (d,), _norm(norm, forward), onesided)
    return ret if forward else ret.conj()


def _c2r_1d(name, x, n, dim, norm, forward):
    x = _promote(x, require_complex=True)
    d = _wrap(dim, x.ndim)
    size = 2 * (x.shape[d] - 1) if n is None else n
    _check_n(size)
    if n is not None:
        x = _resize(x, (d,), (size // 2 + 1,))
    if forward:
        x = x.conj()
    return _fft_c2r(x, (d,), _norm(norm, forward), size)


def type_name_of(x: Tensor) -> str:
    return {"float16": "Half", "float32": "Float", "float64": "Double",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
        x._data.dtype.name, x._data.dtype.name)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.fft: the 1-d discrete Fourier transform."""
    if input._data.dtype.kind == "c":
        return _out(_c2c_1d("fft", input, n, dim, norm, True), out)
    return _out(_r2c_1d("fft", input, n, dim, norm, True, False), out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ifft: the 1-d inverse discrete Fourier transform."""
    if input._data.dtype.kind == "c":
        return _out(_c2c_1d("ifft", input, n, dim, norm, False), out)
    return _out(_r2c_1d("ifft", input, n, dim, norm, False, False), out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.rfft: the non-negative frequencies of a real signal's transform."""
    return _out(_r2c_1d("rfft", input, n, dim, norm, True, True), out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.irfft: the inverse of rfft (a real signal of length n)."""
    return _out(_c2r_1d("irfft", input, n, dim, norm, False), out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.hfft: the transform of a Hermitian-symmetric signal (real result)."""
    return _out(_c2r_1d("hfft", input, n, dim, norm, True), out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ihfft: the inverse of hfft (the one-sided half of a real signal's ifft)."""
    return _out(_r2c_1d("ihfft", input, n, dim, norm, False, True), out)


# ---------------------------------------------------------------------------- n-d
def _c2c_nd(x, s, dim, norm, forward):
    shape, dims = _shape_and_dims(x, s, dim)
    x = _promote(x, require_complex=True)
    x = _resize(x, dims, shape)
    return _fft_c2c(x, dims, _norm(norm, forward), forward)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.fftn: the n-d discrete Fourier transform over ``dim`` (all by default)."""
    return _out(_c2c_nd(input, s, dim, norm, True), out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ifftn: the n-d inverse discrete Fourier transform."""
    return _out(_c2c_nd(input, s, dim, norm, False), out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.fft2: fftn over the last two dims."""
    return fftn(input, s, dim, norm, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ifft2: ifftn over the last two dims."""
    return ifftn(input, s, dim, norm, out=out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.rfftn: fftn of a real input, one-sided in the last transformed dim."""
    if input._data.dtype.kind == "c":
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got "
                           f"{type_name_of(input)}")
    shape, dims = _shape_and_dims(input, s, dim)
    if not shape:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize(_promote(input), dims, shape)
    return _out(_fft_r2c(x, dims, _norm(norm, True), True), out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.rfft2: rfftn over the last two dims."""
    return rfftn(input, s, dim, norm, out=out)


def _c2r_shape_and_dims(name, x, s, dim):
    shape, dims = _shape_and_dims(x, s, dim)
    if not shape:
        raise RuntimeError(f"{name} must transform at least one axis")
    if s is None or list(s)[-1] == -1:
        last = 2 * (x.shape[dims[-1]] - 1)
    else:
        last = shape[-1]
    _check_n(last)
    shape[-1] = last // 2 + 1
    return shape, dims, last


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.irfftn: the inverse of rfftn (a real result)."""
    shape, dims, last = _c2r_shape_and_dims("irfftn", input, s, dim)
    x = _resize(_promote(input, require_complex=True), dims, shape)
    return _out(_fft_c2r(x, dims, _norm(norm, False), last), out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.irfft2: irfftn over the last two dims."""
    return irfftn(input, s, dim, norm, out=out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.hfftn: the n-d transform of a Hermitian-symmetric signal (real result)."""
    shape, dims, last = _c2r_shape_and_dims("hfftn", input, s, dim)
    x = _resize(_promote(input, require_complex=True), dims, shape)
    code = _norm(norm, True)
    tmp = _fft_c2c(x, dims[:-1], code, True) if len(dims) > 1 else x
    return _out(_fft_c2r(tmp.conj(), dims[-1:], code, last), out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.hfft2: hfftn over the last two dims."""
    return hfftn(input, s, dim, norm, out=out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ihfftn: the inverse of hfftn (one-sided in the last transformed dim)."""
    if input._data.dtype.kind == "c":
        raise RuntimeError(f"Only supports floating-point dtypes, but found: "
                           f"{type_name_of(input)}")
    shape, dims = _shape_and_dims(input, s, dim)
    if not shape:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize(_promote(input), dims, shape)
    code = _norm(norm, False)
    tmp = _fft_r2c(x, dims[-1:], code, True)
    if len(dims) == 1:
        return _out(tmp.conj(), out)
    return _out(_fft_c2c(tmp.conj_physical(), dims[:-1], code, False), out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ihfft2: ihfftn over the last two dims."""
    return ihfftn(input, s, dim, norm, out=out)


# ---------------------------------------------------------------------------- helpers
def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """torch.fft.fftfreq: the sample frequencies of an n-point transform."""
    from .._creation import arange
    from .._dtypes import get_default_dtype
    dtype = dtype or get_default_dtype()
    k = arange(n, dtype=dtype)
    k = k.where(k < (n + 1) // 2, k - n)
    result = k * (1.0 / (n * d))
    result.requires_grad_(requires_grad)
    return _out(result, out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """torch.fft.rfftfreq: the sample frequencies of rfft's n//2 + 1 outputs."""
    from .._creation import arange
    from .._dtypes import get_default_dtype
    result = arange(n // 2 + 1, dtype=dtype or get_default_dtype()) * (1.0 / (n * d))
    result.requires_grad_(requires_grad)
    return _out(result, out)


def _shift(input, dim, sign):
    if dim is None:
        dims = list(range(input.ndim))
    else:
        dims = [_wrap(d, input.ndim) for d in _dims(dim)]
    shifts = [input.shape[d] // 2 if sign > 0 else (input.shape[d] + 1) // 2 for d in dims]
    return input.roll(shifts, dims)


def fftshift(input, dim=None):
    """torch.fft.fftshift: the zero frequency moved to the middle (a roll)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """torch.fft.ifftshift: the inverse of fftshift."""
    return _shift(input, dim, -1)


__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]
