"""Raw-array convolution kernels over ``xp`` (N-d, grouped): im2col through a strided view
and one batched GEMM per call, col2im as a loop over kernel offsets (never over windows).

Layouts (``nd`` spatial dims, ``K`` = prod(kernel), ``L`` = prod(output spatial size)):
input ``(N, C, *S)``, weight ``(O, C/G, *k)``, columns ``(N, G, C/G * K, L)``. The column
order (channel, kernel offset, output position) keeps the copy out of the strided view
reading along the input's contiguous last axis, which measured 4x faster than putting the
output position first (bench/results/nn_conv.md).
"""
from __future__ import annotations

import itertools


def prod(values) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def out_size(n: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    """Number of windows of a dilated kernel along one dim of a padded input."""
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


def pad_fill(xp, x, pads, value=0):
    """``x`` with its trailing ``len(pads)`` dims padded by ``(lo, hi)`` pairs of ``value``
    (a fresh array, or ``x`` itself when nothing is padded)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads))
    out = xp.full(shape, value, dtype=x.dtype) if value else xp.zeros(shape, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in
                            zip(x.shape[lead:], pads))] = x
    return out


def windows(xp, x, kernel, stride, dilation, out_shape=None):
    """A read-only strided view ``(*lead, *kernel, *out)`` of the windows of ``x``'s
    trailing ``len(kernel)`` dims (``x`` already padded)."""
    nd = len(kernel)
    lead = x.ndim - nd
    if out_shape is None:
        out_shape = tuple(out_size(n, k, s, 0, 0, d) for n, k, s, d in
                          zip(x.shape[lead:], kernel, stride, dilation))
    st = x.strides
    shape = x.shape[:lead] + tuple(kernel) + tuple(out_shape)
    strides = (st[:lead] + tuple(st[lead + i] * dilation[i] for i in range(nd)) +
               tuple(st[lead + i] * stride[i] for i in range(nd)))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


def im2col(xp, x, kernel, stride, padding, dilation, groups=1, out_shape=None):
    """Columns ``(N, G, C/G * K, L)`` of a padded ``x``, and the output spatial shape (the
    first ``out_shape`` windows per dim when given)."""
    n, c = x.shape[:2]
    xpad = pad_fill(xp, x, [(p, p) for p in padding])
    win = windows(xp, xpad, kernel, stride, dilation, out_shape)
    out_shape = win.shape[2 + len(kernel):]
    cols = win.reshape(n, groups, (c // groups) * prod(kernel), prod(out_shape))
    return cols, out_shape


def col2im(xp, cols, channels, spatial, out_shape, kernel, stride, padding, dilation):
    """The transpose of ``im2col``: ``cols`` ``(N, C * K, L)`` (any grouping folded into
    C; ``out_shape`` the window grid, L its size) summed back into an ``(N, C, *spatial)``
    array, one strided add per kernel offset. Positions no window covers stay zero."""
    nd = len(kernel)
    n = cols.shape[0]
    padded = tuple(s + 2 * p for s, p in zip(spatial, padding))
    out_shape = tuple(out_shape)
    cols = cols.reshape((n, channels) + tuple(kernel) + out_shape)
    if (all(k == s for k, s in zip(kernel, stride)) and all(d == 1 for d in dilation)):
        # Non-overlapping tiles: interleave (out_i, k_i) pairs; no accumulation needed.
        order = [0, 1] + [a for i in range(nd) for a in (2 + nd + i, 2 + i)]
        tiles = cols.transpose(order).reshape(
            (n, channels) + tuple(o * k for o, k in zip(out_shape, kernel)))
        if tiles.shape[2:] == padded and not any(padding):
            return xp.ascontiguousarray(tiles)
        out = xp.zeros((n, channels) + padded, dtype=cols.dtype)
        out[(Ellipsis,) + tuple(slice(0, t) for t in tiles.shape[2:])] = tiles
    else:
        out = xp.zeros((n, channels) + padded, dtype=cols.dtype)
        for offset in itertools.product(*[range(k) for k in kernel]):
            key = (Ellipsis,) + tuple(
                slice(o * d, o * d + s * (m - 1) + 1, s)
                for o, d, s, m in zip(offset, dilation, stride, out_shape))
            out[key] += cols[(slice(None), slice(None)) + offset]
    if any(padding):
        out = out[(Ellipsis,) + tuple(slice(p, p + s) for p, s in zip(padding, spatial))]
    return out


def conv_forward(xp, x, w, stride, padding, dilation, groups, out_shape=None):
    """The cross-correlation ``(N, O, *out)`` of ``x`` with ``w``: one batched GEMM of the
    weight ``(G, O/G, C/G * K)`` against the columns (the first ``out_shape`` windows)."""
    n, o = x.shape[0], w.shape[0]
    kernel = w.shape[2:]
    cols, out_shape = im2col(xp, x, kernel, stride, padding, dilation, groups, out_shape)
    wm = w.reshape(groups, o // groups, prod(w.shape[1:]))
    out = xp.matmul(wm if groups > 1 else wm[0], cols if groups > 1 else cols[:, 0])
    return out.reshape((n, o) + tuple(out_shape))


def conv_input_grad(xp, g, w, spatial, stride, padding, dilation, groups):
    """The gradient of ``conv_forward`` w.r.t. an input of spatial shape ``spatial`` (also
    the transposed convolution of ``g``). Two algorithms, picked by shape (measured in
    bench/results/nn_conv.md): when each sample's GEMM is small (under ~1M multiply-adds)
    but has many channel-kernel rows, one GEMM per kernel offset over the whole batch
    (``_input_grad_offsets``: fewer, larger GEMMs); otherwise a batched GEMM with the
    weight's transpose, then col2im."""
    n, o = g.shape[:2]
    kernel = w.shape[2:]
    c = w.shape[1] * groups
    k = prod(kernel)
    per_sample = c * k * o * prod(g.shape[2:])  # multiply-adds of one sample's GEMM
    if groups == 1 and c * k >= 32 and n > k and 0 < per_sample < 1_000_000:
        return _input_grad_offsets(xp, g, w, spatial, stride, padding, dilation)
    wm = w.reshape(groups, o // groups, prod(w.shape[1:]))
    g3 = g.reshape(n, groups, o // groups, prod(g.shape[2:]))
    if groups > 1:
        cols = xp.matmul(wm.transpose(0, 2, 1), g3)
    else:
        cols = xp.matmul(wm[0].T, g3[:, 0])
    cols = cols.reshape(n, c * k, prod(g.shape[2:]))
    return col2im(xp, cols, c, spatial, g.shape[2:], kernel, stride, padding, dilation)


def _input_grad_offsets(xp, g, w, spatial, stride, padding, dilation):
    """conv_input_grad as one ``(C, O) @ (O, N * L)`` GEMM per kernel offset, each added into
    a channel-first buffer (fewer, larger GEMMs than one per sample)."""
    n, o = g.shape[:2]
    c = w.shape[1]
    kernel = w.shape[2:]
    out_shape = g.shape[2:]
    g2 = xp.ascontiguousarray(xp.moveaxis(g, 1, 0)).reshape(o, -1)
    padded = tuple(s + 2 * p for s, p in zip(spatial, padding))
    gx = xp.zeros((c, n) + padded, dtype=g.dtype)
    for offset in itertools.product(*[range(k) for k in kernel]):
        part = xp.matmul(w[(slice(None), slice(None)) + offset].T, g2)
        key = (slice(None), slice(None)) + tuple(
            slice(q * d, q * d + s * (m - 1) + 1, s)
            for q, d, s, m in zip(offset, dilation, stride, out_shape))
        gx[key] += part.reshape((c, n) + tuple(out_shape))
    if any(padding):
        gx = gx[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in
                                                   zip(padding, spatial))]
    return xp.ascontiguousarray(xp.moveaxis(gx, 0, 1))


def conv_weight_grad(xp, g, x, kernel, stride, padding, dilation, groups):
    """The gradient of ``conv_forward`` w.r.t. its weight ``(O, C/G, *kernel)``."""
    n, o = g.shape[:2]
    c = x.shape[1]
    cols, _ = im2col(xp, x, kernel, stride, padding, dilation, groups, g.shape[2:])
    g3 = g.reshape(n, groups, o // groups, prod(g.shape[2:]))
    if groups > 1:
        gw = xp.matmul(g3, cols.transpose(0, 1, 3, 2)).sum(axis=0)
    else:
        gw = xp.matmul(g3[:, 0], cols[:, 0].transpose(0, 2, 1)).sum(axis=0)
    return gw.reshape((o, c // groups) + tuple(kernel))
