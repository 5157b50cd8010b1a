"""Hand-written NumPy for bench/nn_conv.py: the CNN training step, one conv layer and one
max pool forward + backward (the honest floor: no graph, no checks), and five conv2d
algorithms (forward, weight gradient, input gradient) for the algorithm table."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ---------------------------------------------------------------------------- algorithms
def _win(x, k):
    return sliding_window_view(x, (k, k), axis=(2, 3))  # (N, C, Ho, Wo, k, k)


def _col2im_offsets(cols, x_shape, k):
    """cols (N, C, k, k, Ho, Wo) summed into (N, C, H, W), one strided add per offset."""
    n, c, h, w = x_shape
    ho, wo = h - k + 1, w - k + 1
    gx = np.zeros(x_shape, cols.dtype)
    for i in range(k):
        for j in range(k):
            gx[:, :, i:i + ho, j:j + wo] += cols[:, :, i, j]
    return gx


def batched_fwd(x, w):
    n, c, h, _ = x.shape
    o, k = w.shape[0], w.shape[2]
    cols = _win(x, k).transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, -1)
    return np.matmul(w.reshape(o, -1), cols).reshape(n, o, h - k + 1, -1)


def batched_gw(g, x, wshape):
    n, c = x.shape[:2]
    o, k = wshape[0], wshape[2]
    cols = _win(x, k).transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, -1)
    return np.matmul(g.reshape(n, o, -1), cols.transpose(0, 2, 1)).sum(0).reshape(wshape)


def batched_gi(g, w, x_shape):
    n, o = g.shape[:2]
    c, k = w.shape[1], w.shape[2]
    cols = np.matmul(w.reshape(o, -1).T, g.reshape(n, o, -1))
    return _col2im_offsets(cols.reshape(n, c, k, k, *g.shape[2:]), x_shape, k)


def onegemm_fwd(x, w):
    n, c, h, _ = x.shape
    o, k = w.shape[0], w.shape[2]
    cols = _win(x, k).transpose(1, 4, 5, 0, 2, 3).reshape(c * k * k, -1)
    out = (w.reshape(o, -1) @ cols).reshape(o, n, h - k + 1, -1)
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))


def onegemm_gw(g, x, wshape):
    c = x.shape[1]
    o, k = wshape[0], wshape[2]
    cols = _win(x, k).transpose(1, 4, 5, 0, 2, 3).reshape(c * k * k, -1)
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    return (g2 @ cols.T).reshape(wshape)


def onegemm_gi(g, w, x_shape):
    n, o = g.shape[:2]
    c, k = w.shape[1], w.shape[2]
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    cols = (w.reshape(o, -1).T @ g2).reshape(c, k, k, n, *g.shape[2:])
    return _col2im_offsets(cols.transpose(3, 0, 1, 2, 4, 5), x_shape, k)


def offsets_fwd(x, w):
    n, c, h, _ = x.shape
    o, k = w.shape[0], w.shape[2]
    ho = h - k + 1
    xt = x.transpose(1, 0, 2, 3)
    out = np.zeros((o, n, ho, x.shape[3] - k + 1), x.dtype)
    for i in range(k):
        for j in range(k):
            piece = np.ascontiguousarray(xt[:, :, i:i + ho, j:j + out.shape[3]]).reshape(c, -1)
            out += (w[:, :, i, j] @ piece).reshape(out.shape)
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))


def offsets_gw(g, x, wshape):
    o, c, k = wshape[0], wshape[1], wshape[2]
    ho, wo = g.shape[2:]
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    xt = x.transpose(1, 0, 2, 3)
    gw = np.empty(wshape, x.dtype)
    for i in range(k):
        for j in range(k):
            piece = np.ascontiguousarray(xt[:, :, i:i + ho, j:j + wo]).reshape(c, -1)
            gw[:, :, i, j] = g2 @ piece.T
    return gw


def offsets_gi(g, w, x_shape):
    n, o = g.shape[:2]
    c, k = w.shape[1], w.shape[2]
    ho, wo = g.shape[2:]
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    gx = np.zeros((c, n) + tuple(x_shape[2:]), g.dtype)
    for i in range(k):
        for j in range(k):
            gx[:, :, i:i + ho, j:j + wo] += (w[:, :, i, j].T @ g2).reshape(c, n, ho, wo)
    return np.ascontiguousarray(gx.transpose(1, 0, 2, 3))


def einsum_fwd(x, w):
    return np.einsum("nchwij,ocij->nohw", _win(x, w.shape[2]), w, optimize=True)


def einsum_gw(g, x, wshape):
    return np.einsum("nchwij,nohw->ocij", _win(x, wshape[2]), g, optimize=True)


def einsum_gi(g, w, x_shape):
    cols = np.einsum("ocij,nohw->ncijhw", w, g, optimize=True)
    return _col2im_offsets(cols, x_shape, w.shape[2])


def tensordot_fwd(x, w):
    return np.tensordot(_win(x, w.shape[2]), w, axes=([1, 4, 5], [1, 2, 3])).transpose(
        0, 3, 1, 2)


def tensordot_gw(g, x, wshape):
    return np.tensordot(g, _win(x, wshape[2]), axes=([0, 2, 3], [0, 2, 3]))


def tensordot_gi(g, w, x_shape):
    cols = np.tensordot(g, w, axes=([1], [0])).transpose(0, 3, 4, 5, 1, 2)
    return _col2im_offsets(cols, x_shape, w.shape[2])


ALGOS = {
    "im2col_batched": (batched_fwd, batched_gw, batched_gi),
    "im2col_one_gemm": (onegemm_fwd, onegemm_gw, onegemm_gi),
    "gemm_per_offset": (offsets_fwd, offsets_gw, offsets_gi),
    "einsum": (einsum_fwd, einsum_gw, einsum_gi),
    "tensordot": (tensordot_fwd, tensordot_gw, tensordot_gi),
}


# ---------------------------------------------------------------------------- layers
def conv_fb(x, w, b, g):
    batched_fwd(x, w) + b.reshape(1, -1, 1, 1)
    return [batched_gi(g, w, x.shape), batched_gw(g, x, w.shape), g.sum(axis=(0, 2, 3))]


def pool_fwd(x):
    """2x2 max pool: the four offsets as contiguous rows, their max, and the first offset
    holding it (argmax along a short axis measured slower than these passes)."""
    n, c, h, w = x.shape
    tiles = np.ascontiguousarray(
        x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(3, 5, 0, 1, 2, 4)).reshape(4, -1)
    best = tiles.max(0)
    which = np.zeros(best.shape, np.int8)
    found = tiles[0] == best
    for k in range(1, 4):
        hit = tiles[k] == best
        which += (hit & ~found) * np.int8(k)
        found |= hit
    return best.reshape(n, c, h // 2, w // 2), which


def pool_bwd(g, which, x_shape):
    n, c, h, w = x_shape
    flat = g.reshape(-1)
    tiles = np.stack([(which == k) * flat for k in range(4)])
    return tiles.reshape(2, 2, n, c, h // 2, w // 2).transpose(2, 3, 4, 0, 5, 1).reshape(
        x_shape)


def pool_fb(x, g):
    out, which = pool_fwd(x)
    n, c, h, w = x.shape
    di, dj = np.divmod(which.reshape(out.shape), 2)
    rows = (np.arange(h // 2) * 2).reshape(-1, 1) + di
    cols = (np.arange(w // 2) * 2).reshape(1, -1) + dj
    return [out, rows * w + cols, pool_bwd(g, which, x.shape)]


def step_fn(params, x, y):
    """The CNN step by hand: forward, backward and SGD on float32 arrays."""
    w1, b1, w2, b2, w3, b3 = [p.copy() for p in params]
    n = x.shape[0]

    def step():
        nonlocal w1, b1, w2, b2, w3, b3
        z1 = batched_fwd(x, w1) + b1.reshape(1, -1, 1, 1)
        a1 = np.maximum(z1, 0)
        p1, i1 = pool_fwd(a1)
        z2 = batched_fwd(p1, w2) + b2.reshape(1, -1, 1, 1)
        a2 = np.maximum(z2, 0)
        p2, i2 = pool_fwd(a2[:, :, :10, :10])
        flat = p2.reshape(n, -1)
        out = flat @ w3.T + b3
        shifted = out - out.max(1, keepdims=True)
        e = np.exp(shifted)
        soft = e / e.sum(1, keepdims=True)
        gout = soft
        gout[np.arange(n), y] -= 1
        gout /= n
        gw3, gb3 = gout.T @ flat, gout.sum(0)
        gp2 = (gout @ w3).reshape(p2.shape)
        ga2 = np.zeros_like(a2)
        ga2[:, :, :10, :10] = pool_bwd(gp2, i2, (n, 16, 10, 10))
        gz2 = ga2 * (z2 > 0)
        gw2, gb2 = batched_gw(gz2, p1, w2.shape), gz2.sum(axis=(0, 2, 3))
        gp1 = batched_gi(gz2, w2, p1.shape)
        gz1 = pool_bwd(gp1, i1, a1.shape) * (z1 > 0)
        gw1, gb1 = batched_gw(gz1, x, w1.shape), gz1.sum(axis=(0, 2, 3))
        w1, b1, w2, b2, w3, b3 = (p - 0.01 * gp for p, gp in
                                  ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2), (w3, gw3),
                                   (b3, gb3)))
        return [w1, b1, w2, b2, w3, b3]
    return step
