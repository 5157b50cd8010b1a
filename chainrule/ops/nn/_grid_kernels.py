"""Raw-array kernels of grid_sample over ``xp`` (2-d and 3-d), vectorised over every
sample point: each output point reads a few taps of its plane (1 nearest, 2 per dim
bilinear, 4 per dim bicubic), whose weights are products of per-dim weights.

The coordinate rules are torch's (grid_sampler_unnormalize, clip / reflect with their
gradient multipliers, nearest by round-half-even, cubic convolution with A = -0.75 whose
border taps go through the padding rule one by one). With the per-dim weights and their
first and second derivatives the same taps give the forward, the backward (grad_input as a
scatter of weighted gradients, grad_grid from the weight derivatives) and the double
backward.
"""
from __future__ import annotations

import itertools

from ._resample_kernels import cubic_coefficients

_A = -0.75
MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
PADDINGS = {0: "zeros", 1: "border", 2: "reflection"}


def _unnormalize(coord, n, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (n - 1), (n - 1) / 2
    return ((coord + 1) * n - 1) / 2, n / 2


def _clip(xp, coord, n):
    grad = ((coord > 0) & (coord < n - 1)).astype(coord.dtype)
    return xp.clip(coord, 0, n - 1), grad


def _reflect(xp, coord, twice_low, twice_high):
    if twice_low == twice_high:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    shifted = coord - low
    sign = xp.where(shifted < 0, -1.0, 1.0).astype(coord.dtype)
    shifted = xp.abs(shifted)
    extra = xp.fmod(shifted, span)
    even = (xp.floor(shifted / span) % 2) == 0
    return (xp.where(even, extra + low, span - extra + low).astype(coord.dtype),
            xp.where(even, sign, -sign))


def _pad_coordinate(xp, coord, n, padding, align_corners):
    """torch's ``compute_coordinates`` with its gradient multiplier."""
    if padding == "border":
        return _clip(xp, coord, n)
    if padding == "reflection":
        if align_corners:
            coord, g1 = _reflect(xp, coord, 0, 2 * (n - 1))
        else:
            coord, g1 = _reflect(xp, coord, -1, 2 * n - 1)
        coord, g2 = _clip(xp, coord, n)
        return coord, g1 * g2
    return coord, xp.ones_like(coord)


def _cubic_derivatives(t):
    def d1(x):
        return (3 * (_A + 2) * x - 2 * (_A + 3)) * x

    def d2(x):
        return (3 * _A * x - 10 * _A) * x + 8 * _A

    def s1(x):
        return 6 * (_A + 2) * x - 2 * (_A + 3)

    def s2(x):
        return 6 * _A * x - 10 * _A
    first = [d2(t + 1), d1(t), -d1(1 - t), -d2(2 - t)]
    second = [s2(t + 1), s1(t), s1(1 - t), s2(2 - t)]
    return first, second


def dim_taps(xp, coord, n, mode, padding, align_corners):
    """Per-dim taps of one coordinate array: ([(index, valid, w, dw, ddw)], multiplier),
    where ``multiplier`` is d(sampling position)/d(grid value)."""
    pos, mult = _unnormalize(coord, n, align_corners)
    mult = xp.full(coord.shape, mult, dtype=coord.dtype)
    if mode == "bicubic":
        base = xp.floor(pos)
        t = pos - base
        ws = cubic_coefficients(t)
        dws, ddws = _cubic_derivatives(t)
        out = []
        for k in range(4):
            at, _ = _pad_coordinate(xp, base - 1 + k, n, padding, align_corners)
            idx = at.astype(xp.int64)
            valid = (at >= 0) & (at < n) & (at == at)
            out.append((idx, valid, ws[k], dws[k], ddws[k]))
        return out, mult
    pos, grad = _pad_coordinate(xp, pos, n, padding, align_corners)
    mult = mult * grad
    if mode == "nearest":
        at = xp.rint(pos)
        idx = xp.nan_to_num(at, nan=-1).astype(xp.int64)
        valid = (at >= 0) & (at < n)
        one, zero = xp.ones_like(pos), xp.zeros_like(pos)
        return [(idx, valid, one, zero, zero)], mult
    base = xp.floor(pos)
    t = pos - base
    idx = xp.nan_to_num(base, nan=-2).astype(xp.int64)
    zero = xp.zeros_like(pos)
    out = []
    for k, (w, dw) in enumerate(((1 - t, -xp.ones_like(pos)), (t, xp.ones_like(pos)))):
        i = idx + k
        out.append((i, (i >= 0) & (i < n), w, dw, zero))
    return out, mult


class Taps:
    """The combined taps of every output point of a grid over the spatial dims of an input
    (spatial dim ``i`` reads grid component ``nd - 1 - i``)."""

    def __init__(self, xp, spatial, grid, mode, padding, align_corners):
        self.xp = xp
        nd = len(spatial)
        self.nd = nd
        n = grid.shape[0]
        coords = grid.reshape(n, -1, nd)
        per_dim, self.mult = [], []
        for i, size in enumerate(spatial):
            t, m = dim_taps(xp, coords[:, :, nd - 1 - i], size, mode, padding, align_corners)
            per_dim.append(t)
            self.mult.append(m)
        strides = []
        acc = 1
        for size in reversed(spatial):
            strides.append(acc)
            acc *= size
        strides = strides[::-1]
        self.plane = acc
        self.taps = []
        for combo in itertools.product(*per_dim):
            flat = sum(t[0] * s for t, s in zip(combo, strides))
            valid = combo[0][1]
            for t in combo[1:]:
                valid = valid & t[1]
            self.taps.append((xp.where(valid, flat, 0), valid, combo))

    def weight(self, combo, derivs=()):
        """The tap's weight, differentiated once along each dim listed in ``derivs``."""
        w = None
        for i, t in enumerate(combo):
            k = derivs.count(i)
            part = t[2] if k == 0 else (t[3] if k == 1 else t[4])
            w = part if w is None else w * part
        return w

    def gather(self, x, flat, valid):
        """``x`` (N, C, plane) at the tap positions (N, L), zero where invalid."""
        xp = self.xp
        vals = xp.take_along_axis(x, flat[:, None, :], axis=2)
        return xp.where(valid[:, None, :], vals, 0)

    def sample(self, x, derivs=()):
        """Σ over taps of weight (differentiated along ``derivs``) * x at the tap."""
        out = None
        for flat, valid, combo in self.taps:
            part = self.gather(x, flat, valid) * self.weight(combo, derivs)[:, None, :]
            out = part if out is None else out + part
        return out

    def scatter(self, g, derivs=()):
        """The transpose of ``sample``: ``g`` (N, C, L) summed into (N, C, plane)."""
        xp = self.xp
        n, c, length = g.shape
        rows = (xp.arange(n * c) * self.plane).reshape(n, c, 1)
        out = xp.zeros(n * c * self.plane, dtype=xp.float64)
        for flat, valid, combo in self.taps:
            w = xp.where(valid, self.weight(combo, derivs), 0)[:, None, :]
            pos = (rows + flat[:, None, :]).reshape(-1)
            out += xp.bincount(pos, weights=(g * w).reshape(-1), minlength=out.size)
        return out.astype(g.dtype).reshape(n, c, self.plane)


def _flat(x, nd):
    n, c = x.shape[:2]
    return x.reshape(n, c, -1)


def forward(xp, x, grid, mode, padding, align_corners):
    nd = x.ndim - 2
    taps = Taps(xp, x.shape[2:], grid, mode, padding, align_corners)
    out = taps.sample(_flat(x, nd))
    return out.reshape(x.shape[:2] + grid.shape[1:-1])


def backward(xp, g, x, grid, mode, padding, align_corners, mask):
    """(grad_input, grad_grid) of ``forward``."""
    nd = x.ndim - 2
    taps = Taps(xp, x.shape[2:], grid, mode, padding, align_corners)
    g3 = g.reshape(g.shape[0], g.shape[1], -1)
    gi = gg = None
    if mask[0]:
        gi = taps.scatter(g3).reshape(x.shape)
    if mask[1]:
        gg = _grid_grad(xp, taps, g3, _flat(x, nd), grid)
    return gi, gg


def _grid_grad(xp, taps, g3, x3, grid, extra=None):
    """grad_grid: per spatial dim, multiplier * Σ_c g * (x sampled with d weight); ``extra``
    adds a per-dim term (the double backward's second-derivative part)."""
    nd = taps.nd
    parts = [None] * nd
    for i in range(nd):
        s = (g3 * taps.sample(x3, (i,))).sum(axis=1)
        if extra is not None:
            s = s + extra[i]
        parts[nd - 1 - i] = taps.mult[i] * s
    return xp.stack(parts, axis=-1).reshape(grid.shape)


def double_backward(xp, ggi, ggg, g, x, grid, mode, padding, align_corners):
    """(d grad_output, d input, d grid) of ``backward``'s outputs against upstream
    gradients ``ggi`` (input-shaped) and ``ggg`` (grid-shaped); either may be None."""
    nd = x.ndim - 2
    taps = Taps(xp, x.shape[2:], grid, mode, padding, align_corners)
    n, c = x.shape[:2]
    g3 = g.reshape(n, c, -1)
    x3 = _flat(x, nd)
    length = g3.shape[2]
    v = None
    if ggg is not None:
        comps = ggg.reshape(n, length, nd)
        v = [comps[:, :, nd - 1 - i] * taps.mult[i] for i in range(nd)]  # per spatial dim
    d_go = xp.zeros_like(g3)
    d_x = xp.zeros_like(x3)
    d_grid = xp.zeros(grid.shape, dtype=grid.dtype)
    if ggi is not None:
        u3 = _flat(ggi, nd)
        d_go = d_go + taps.sample(u3)
        d_grid = d_grid + _grid_grad(xp, taps, g3, u3, grid)
    if v is not None:
        for i in range(nd):
            d_go = d_go + v[i][:, None, :] * taps.sample(x3, (i,))
            d_x = d_x + taps.scatter(g3 * v[i][:, None, :], (i,))
        extra = []
        for i in range(nd):
            s = None
            for j in range(nd):
                part = (g3 * taps.sample(x3, (i, j))).sum(axis=1) * v[j]
                s = part if s is None else s + part
            extra.append(s)
        zeros = xp.zeros_like(g3)
        d_grid = d_grid + _grid_grad(xp, taps, zeros, x3, grid, extra)
    return (d_go.reshape(g.shape), d_x.reshape(x.shape), d_grid)


def affine_base_grid(xp, spatial, align_corners, dtype):
    """torch's base grid ``(*spatial, nd + 1)``: (x, y[, z], 1) at each output point."""
    nd = len(spatial)
    out = xp.empty(tuple(spatial) + (nd + 1,), dtype=dtype)
    for i, size in enumerate(spatial):
        if size <= 1:
            line = xp.zeros(max(size, 1), dtype=dtype)
        else:
            line = xp.linspace(-1, 1, size, dtype=dtype)
            if not align_corners:
                line = line * (size - 1) / size
        shape = [1] * nd
        shape[i] = -1
        out[..., nd - 1 - i] = line.reshape(shape)
    out[..., nd] = 1
    return out
