"""Raw-array pooling kernels over ``xp``: windows are strided views; a max or a sum runs as
one vectorised pass per kernel offset (never a loop over windows); gradients scatter by
flat index (a direct put when windows cannot overlap, one ``bincount`` otherwise).

Every kernel takes any leading dims (``(N, C)`` or ``(C,)``) before the ``nd`` pooled ones;
indices are flat positions within one plane (``h * W + w``), as torch returns them.
"""
from __future__ import annotations

import itertools

from ._conv_kernels import pad_fill, prod, windows


def pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape``: the last window must start inside the input (or
    its left padding) in ceil mode."""
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _plane_strides(spatial) -> list:
    out, acc = [], 1
    for n in reversed(spatial):
        out.append(acc)
        acc *= n
    return out[::-1]


def _grid(xp, values_per_dim):
    """Σ over dims of a 1-D array per dim, broadcast to the grid (an outer sum)."""
    nd = len(values_per_dim)
    total = None
    for i, v in enumerate(values_per_dim):
        shaped = v.reshape((1,) * i + (-1,) + (1,) * (nd - 1 - i))
        total = shaped if total is None else total + shaped
    return total


def _lowest(xp, dtype):
    if dtype.kind in "fV":
        return -xp.inf
    return xp.iinfo(dtype).min


def _kernel_first(xp, win, nd_lead, kernel):
    """The windows ``(*lead, *kernel, *out)`` copied contiguous as ``(K, M)``: kernel offsets
    first, so every offset is one contiguous row (strided reads of the view measured 20x
    slower per pass than the one copy; bench/results/nn_conv.md)."""
    nk = len(kernel)
    order = (tuple(range(nd_lead, nd_lead + nk)) + tuple(range(nd_lead)) +
             tuple(range(nd_lead + nk, win.ndim)))
    return xp.ascontiguousarray(win.transpose(order)).reshape(prod(kernel), -1)


def _inbounds(xp, spatial, kernel, stride, padding, dilation, out_shape, offset):
    """Which windows have kernel ``offset`` inside the input (None: all of them)."""
    mask = None
    nd = len(kernel)
    for i, (n, s, p, d, o, k) in enumerate(zip(spatial, stride, padding, dilation, out_shape,
                                               offset)):
        pos = xp.arange(o) * s - p + k * d
        ok = (pos >= 0) & (pos < n)
        if ok.all():
            continue
        ok = ok.reshape((1,) * i + (-1,) + (1,) * (nd - 1 - i))
        mask = ok if mask is None else mask & ok
    return mask


def max_pool(xp, x, kernel, stride, padding, dilation, out_shape):
    """(values, indices) of max pooling; ties keep the first position in window order, an
    all -inf window its first position inside the input, and NaN wins (the last NaN), as
    torch's kernel scans."""
    nd = len(kernel)
    spatial = x.shape[x.ndim - nd:]
    lead = x.shape[:x.ndim - nd]
    low = _lowest(xp, x.dtype)
    pads = [(p, max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)) for n, k, s, p, d, o in
            zip(spatial, kernel, stride, padding, dilation, out_shape)]
    xpad = pad_fill(xp, x, pads, value=low)
    cols = _kernel_first(xp, windows(xp, xpad, kernel, stride, dilation, out_shape),
                         len(lead), kernel)
    best = xp.maximum.reduce(cols, axis=0) if cols.shape[0] else None
    padded = any(lo or hi for lo, hi in pads)
    offsets = list(itertools.product(*[range(k) for k in kernel]))
    small = xp.int8 if len(offsets) < 128 else xp.int64
    which = xp.zeros(best.shape, dtype=small)
    found = xp.zeros(best.shape, dtype=bool)
    grid_shape = tuple(lead) + tuple(out_shape)
    for k, offset in enumerate(offsets):
        hit = cols[k] == best
        if padded:
            ok = _inbounds(xp, spatial, kernel, stride, padding, dilation, out_shape, offset)
            if ok is not None:
                hit = (hit.reshape(grid_shape) & ok).reshape(-1)
        if k:
            which += (hit & ~found) * small(k)
        found |= hit
    if x.dtype.kind in "fV" and not found.all():  # NaN windows: torch reports the last NaN
        for k in range(len(offsets)):
            nan = cols[k] != cols[k]
            if nan.any():
                which = xp.where(nan, small(k), which)
    plane = _plane_strides(spatial)
    shifts = xp.array([sum(o * d * ps for o, d, ps in zip(offset, dilation, plane))
                       for offset in offsets], dtype=xp.int64)
    starts = [xp.arange(o) * s - p for o, s, p in zip(out_shape, stride, padding)]
    base = _grid(xp, [st * ps for st, ps in zip(starts, plane)])
    index = xp.take(shifts, which).reshape(grid_shape) + base
    return best.reshape(grid_shape), index


def scatter_to_plane(xp, g, index, spatial, unique: bool):
    """An array of ``lead + spatial`` holding ``g`` summed at the flat plane positions
    ``index`` (``g`` and ``index`` share their shape ``lead + output``)."""
    n = prod(spatial)
    lead = g.shape[:g.ndim - len(spatial)]
    rows = prod(lead)
    g2 = g.reshape(rows, -1)
    i2 = index.reshape(rows, -1)
    if unique:
        out = xp.zeros((rows, n), dtype=g.dtype)
        xp.put_along_axis(out, i2, g2, axis=1)
    else:
        flat = (i2 + (xp.arange(rows) * n)[:, None]).reshape(-1)
        out = xp.bincount(flat, weights=g2.reshape(-1), minlength=rows * n)
        out = out.astype(g.dtype, copy=False).reshape(rows, n)
    return out.reshape(tuple(lead) + tuple(spatial))


def gather_from_plane(xp, gg, index, nd: int):
    """torch's ``max_pool_double_backward`` on raw arrays: ``gg`` (the input's shape) read
    at ``index`` within each plane."""
    lead = index.shape[:index.ndim - nd]
    rows = prod(lead)
    out = xp.take_along_axis(gg.reshape(rows, -1), index.reshape(rows, -1), axis=1)
    return out.reshape(index.shape)


def avg_divisor(xp, spatial, kernel, stride, padding, out_shape, count_include_pad,
                divisor_override, dtype):
    """The divisor of every window: the override, or the window's size clipped to the
    padded input (count_include_pad) or to the input."""
    if divisor_override:
        return divisor_override
    sizes = []
    for n, k, s, p, o in zip(spatial, kernel, stride, padding, out_shape):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        size = end - start
        if not count_include_pad:
            size = xp.minimum(end, n) - xp.maximum(start, 0)
        sizes.append(size)
    nd = len(sizes)
    total = None
    for i, v in enumerate(sizes):
        shaped = v.reshape((1,) * i + (-1,) + (1,) * (nd - 1 - i))
        total = shaped if total is None else total * shaped
    return total.astype(dtype)


def _sum_windows(xp, xpad, kernel, stride, out_shape, lead):
    win = windows(xp, xpad, kernel, stride, (1,) * len(kernel), out_shape)
    head = (slice(None),) * len(lead)
    total = None
    for offset in itertools.product(*[range(k) for k in kernel]):
        part = win[head + offset]
        total = part.copy() if total is None else total.__iadd__(part)
    return total


def _right_pads(spatial, kernel, stride, padding, out_shape):
    return [(p, max(0, (o - 1) * s + k - n - p)) for n, k, s, p, o in
            zip(spatial, kernel, stride, padding, out_shape)]


def avg_pool(xp, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override,
             out_shape):
    nd = len(kernel)
    spatial = x.shape[x.ndim - nd:]
    lead = x.shape[:x.ndim - nd]
    xpad = pad_fill(xp, x, _right_pads(spatial, kernel, stride, padding, out_shape))
    total = _sum_windows(xp, xpad, kernel, stride, out_shape, lead)
    div = avg_divisor(xp, spatial, kernel, stride, padding, out_shape, count_include_pad,
                      divisor_override, x.dtype if x.dtype.kind in "fV" else xp.float64)
    if x.dtype.kind not in "fV":  # integers: the quotient truncated toward zero, as C++ divides
        div = divisor_override or div.astype(total.dtype)
        return (xp.sign(total) * (xp.abs(total) // div)).astype(x.dtype)
    return total / div


def avg_pool_backward(xp, g, spatial, kernel, stride, padding, count_include_pad,
                      divisor_override):
    nd = len(kernel)
    out_shape = g.shape[g.ndim - nd:]
    lead = g.shape[:g.ndim - nd]
    div = avg_divisor(xp, spatial, kernel, stride, padding, out_shape, count_include_pad,
                      divisor_override, g.dtype)
    share = g / div
    pads = _right_pads(spatial, kernel, stride, padding, out_shape)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pads))
    out = xp.zeros(tuple(lead) + padded, dtype=g.dtype)
    for offset in itertools.product(*[range(k) for k in kernel]):
        key = (Ellipsis,) + tuple(slice(o, o + s * (m - 1) + 1, s) for o, s, m in
                                  zip(offset, stride, out_shape))
        out[key] += share
    return out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, pads))]


# ---------------------------------------------------------------------------- adaptive
def adaptive_bins(n: int, out: int):
    """(start, end) of each of ``out`` adaptive bins over ``n`` elements (torch's
    ``start_index`` / ``end_index``)."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def adaptive_matrix(xp, n: int, out: int, dtype):
    """The (out, n) averaging matrix of adaptive average pooling along one dim."""
    m = xp.zeros((out, n), dtype=dtype)
    for i, (a, b) in enumerate(adaptive_bins(n, out)):
        m[i, a:b] = 1.0 / (b - a)
    return m


def adaptive_avg(xp, x, out_shape, transpose=False):
    """Adaptive average pooling (or, ``transpose``, its gradient: ``x`` is then the
    gradient and ``out_shape`` the input's spatial shape), one small GEMM per dim."""
    nd = len(out_shape)
    for i in range(nd):
        axis = x.ndim - nd + i
        n, out = x.shape[axis], out_shape[i]
        if transpose:
            m = adaptive_matrix(xp, out, n, x.dtype).T
        else:
            m = adaptive_matrix(xp, n, out, x.dtype)
        if n == out:
            continue
        x = xp.moveaxis(xp.matmul(xp.moveaxis(x, axis, -1), m.T), -1, axis)
    return xp.ascontiguousarray(x)


def adaptive_max(xp, x, out_shape):
    """(values, indices) of adaptive max pooling: each bin padded to the longest by
    repeating its last element, then the kernel-offset scan of ``max_pool``."""
    nd = len(out_shape)
    spatial = x.shape[x.ndim - nd:]
    lead = x.shape[:x.ndim - nd]
    gathers, longest = [], []
    for n, out in zip(spatial, out_shape):
        bins = adaptive_bins(n, out)
        k = max((b - a for a, b in bins), default=1)
        idx = xp.array([[min(a + j, b - 1) for j in range(k)] for a, b in bins],
                       dtype=xp.int64).reshape(out, k)
        gathers.append(idx)
        longest.append(k)
    plane = _plane_strides(spatial)
    low = _lowest(xp, x.dtype)
    best = xp.full(lead + tuple(out_shape), low, dtype=x.dtype)
    index = xp.empty(lead + tuple(out_shape), dtype=xp.int64)
    index[...] = _grid(xp, [g[:, 0] * ps for g, ps in zip(gathers, plane)])
    floating = x.dtype.kind in "fV"
    for offset in itertools.product(*[range(k) for k in longest]):
        pos = [g[:, j] for g, j in zip(gathers, offset)]
        cand = x
        for i, p in enumerate(pos):
            cand = xp.take(cand, p, axis=len(lead) + i)
        better = cand > best
        if floating:
            better |= cand != cand
        xp.copyto(best, cand, where=better)
        xp.copyto(index, _grid(xp, [p * ps for p, ps in zip(pos, plane)]), where=better)
    return best, index
