"""Raw-array resampling kernels over ``xp``: separable interpolation as a few weighted
``take``s per dim (one per tap: 1 nearest, 2 linear, 4 cubic), and its transpose as
``add.reduceat`` over the runs of equal source indices (the source index of every tap is
non-decreasing in the output position), so no ``add.at`` and no dense matrix.

Coordinates follow torch's upsample kernels: scales in float32 for float32 input (its
``opmath``), ``floor`` source indices, linear weights clamped to [0, 1], the cubic
convolution with A = -0.75 and clamped border taps.
"""
from __future__ import annotations

_A = -0.75


def _opmath(xp, dtype):
    return xp.float64 if dtype == xp.float64 else xp.float32


def _scale(xp, n_in, n_out, align_corners, scale, ftype):
    """torch's ``area_pixel_compute_scale``."""
    if align_corners:
        return ftype((n_in - 1) / (n_out - 1)) if n_out > 1 else ftype(0)
    if scale is not None and scale > 0:
        return ftype(1.0 / scale)
    return ftype(n_in) / ftype(n_out)


def _source(xp, n_out, scale, align_corners, cubic, ftype):
    """torch's ``area_pixel_compute_source_index`` for every output position."""
    dst = xp.arange(n_out, dtype=ftype)
    if align_corners:
        return scale * dst
    src = scale * (dst + ftype(0.5)) - ftype(0.5)
    return src if cubic else xp.maximum(src, ftype(0))


def taps(xp, n_in, n_out, mode, align_corners, scale, dtype, nearest_shortcuts=False):
    """[(source indices, weights or None)] of one dim: the output is the weighted sum of
    ``take(x, indices)`` over the taps.

    As torch's CPU kernels: a linear dim whose size does not change is copied whatever the
    scale; the 2-d nearest kernel (``nearest_shortcuts``) also copies an unchanged dim and
    halves indices for an exact doubling (the 1-d and 3-d ones always use the scale)."""
    ftype = _opmath(xp, dtype)
    if (mode == "linear" or nearest_shortcuts) and n_out == n_in:
        return [(xp.arange(n_out), None)]
    if nearest_shortcuts and n_out == 2 * n_in:
        return [(xp.arange(n_out) // 2, None)]
    if mode in ("nearest", "nearest-exact"):
        s = xp.float32(1.0 / scale) if scale is not None and scale > 0 else \
            xp.float32(n_in) / xp.float32(n_out)
        dst = xp.arange(n_out, dtype=xp.float32)
        if mode == "nearest-exact":
            dst = dst + xp.float32(0.5)
        idx = xp.floor(dst * s).astype(xp.int64)
        return [(xp.minimum(idx, n_in - 1), None)]
    s = _scale(xp, n_in, n_out, align_corners, scale, ftype)
    cubic = mode == "cubic"
    real = _source(xp, n_out, s, align_corners, cubic, ftype)
    i0 = xp.minimum(xp.floor(real).astype(xp.int64), n_in - 1)
    lam = xp.clip(real - i0, 0, 1).astype(ftype)
    if not cubic:
        i1 = i0 + (i0 < n_in - 1)
        return [(i0, (1 - lam).astype(dtype)), (i1, lam.astype(dtype))]
    return [(xp.clip(i0 - 1 + k, 0, n_in - 1), w.astype(dtype))
            for k, w in enumerate(cubic_coefficients(lam))]


def cubic_coefficients(t):
    """The four cubic-convolution weights of fractional offset ``t`` (A = -0.75)."""
    def c1(x):
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def c2(x):
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def resample(xp, x, dim_taps):
    """Apply per-dim taps to the trailing ``len(dim_taps)`` dims of ``x``."""
    nd = len(dim_taps)
    for i, tap_list in enumerate(dim_taps):
        axis = x.ndim - nd + i
        out = None
        for idx, w in tap_list:
            part = xp.take(x, idx, axis=axis)
            if w is not None:
                part = part * w.reshape((-1,) + (1,) * (nd - 1 - i))
            out = part if out is None else out + part
        x = out
    return x


def resample_transpose(xp, g, in_shape, dim_taps):
    """The transpose of ``resample``: ``g`` summed back into the ``in_shape`` trailing dims,
    last dim first (the reverse of the forward)."""
    nd = len(dim_taps)
    for i in reversed(range(nd)):
        axis = g.ndim - nd + i
        n_in = in_shape[i]
        gm = xp.moveaxis(g, axis, -1)
        out = xp.zeros(gm.shape[:-1] + (n_in,), dtype=g.dtype)
        for idx, w in dim_taps[i]:
            part = gm if w is None else gm * w
            if idx.size == 0:
                continue
            starts = xp.flatnonzero(xp.concatenate([[True], idx[1:] != idx[:-1]]))
            out[..., idx[starts]] += xp.add.reduceat(part, starts, axis=-1)
        g = xp.moveaxis(out, -1, axis)
    return xp.ascontiguousarray(g)
