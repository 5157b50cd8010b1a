"""Array kernels of the normalisation ops (layer, batch and group norm) and the F-written
formulas of their double backward.

Every kernel sees its input in a canonical layout: layer norm as rows ``(M, K)``
(statistics per row), batch norm as ``(N, C, L)`` (statistics per channel over N and L),
group norm as ``(N, G, D)`` (statistics per (sample, group)). Sums over contiguous
trailing axes are matrix-vector products with a vector of ones: BLAS beats NumPy's
pairwise reduction by about 2x there (bench/nn_norm.py). Half precision is computed in
float32 (torch's opmath type) and rounded once at the end.
"""
from __future__ import annotations

_ONES: dict = {}


def ones(xp, n: int, dtype):
    """A read-only vector of ``n`` ones (cached: the reductions below reuse it)."""
    key = (n, dtype, xp)
    v = _ONES.get(key)
    if v is None:
        v = xp.ones(n, dtype=dtype)
        v.flags.writeable = False
        if len(_ONES) > 64:
            _ONES.clear()
        _ONES[key] = v
    return v


def work_dtype(xp, dtype):
    """The dtype a kernel computes in: float32 for half precision, else the input's."""
    return xp.dtype("float32") if dtype.itemsize == 2 else dtype


def row_sum(xp, a):
    """Sums of the rows of a 2-D array ``(M, K) -> (M,)``."""
    if a.shape[1] == 0:
        return xp.zeros(a.shape[0], dtype=a.dtype)
    return a @ ones(xp, a.shape[1], a.dtype)


def col_sum(xp, a):
    """Sums of the columns of a 2-D array ``(M, K) -> (K,)``."""
    if a.shape[0] == 0:
        return xp.zeros(a.shape[1], dtype=a.dtype)
    return ones(xp, a.shape[0], a.dtype) @ a


def _inv_std(xp, var, eps):
    if eps > 0:  # var + eps > 0: no division by zero to silence (errstate costs ~1 us)
        return 1.0 / xp.sqrt(var + var.dtype.type(eps))
    with xp.errstate(divide="ignore", invalid="ignore"):
        return 1.0 / xp.sqrt(var + var.dtype.type(eps))


def _mean_of(xp, total, n):
    return total / total.dtype.type(n) if n else total * xp.nan


def row_dot(xp, a, b):
    """Dot products along the last axis (``np.vecdot``: 4x faster than einsum here)."""
    vecdot = getattr(xp, "vecdot", None)
    if vecdot is not None:
        return vecdot(a, b)
    return xp.einsum("...i,...i->...", a, b)


# ---------------------------------------------------------------------------- rows (M, K)
def rows_stats(xp, x2, eps):
    """(mean, rstd, normalised x) of each row (biased variance, torch's)."""
    k = x2.shape[1]
    mean = _mean_of(xp, row_sum(xp, x2), k)
    xhat = x2 - mean[:, None]
    rstd = _inv_std(xp, _mean_of(xp, row_dot(xp, xhat, xhat), k), eps)
    xhat *= rstd[:, None]
    return mean, rstd, xhat


def rows_backward(xp, g2, xhat, rstd, w, need_x, need_w, need_b):
    """(grad x, grad weight, grad bias) of ``y = xhat * w + b`` per row, ``xhat`` the
    normalised rows, the weight and bias along the row.

    The row reductions of ``g * w`` are matrix-vector products with the weight itself
    (``sum(g * w) = g @ w``, ``sum(g * w * xhat) = (g * xhat) @ w``), and ``g * xhat`` is
    made once for the weight's gradient and reused: two temporaries in all."""
    k = xhat.shape[1]
    gx = gw = gb = None
    tmp = g2 * xhat if need_w or need_x else None
    if need_w:
        gw = col_sum(xp, tmp)
    if need_b:
        gb = col_sum(xp, g2)
    if need_x:
        if w is not None:
            a = _mean_of(xp, g2 @ w, k) if k else xp.zeros(g2.shape[0], g2.dtype)
            c = _mean_of(xp, tmp @ w, k) if k else a
            gxh = g2 * w
        else:
            a = _mean_of(xp, row_sum(xp, g2), k)
            c = _mean_of(xp, row_sum(xp, tmp), k)
            gxh = g2.copy()
        xp.multiply(xhat, c[:, None], out=tmp)
        gxh -= a[:, None]
        gxh -= tmp
        gxh *= rstd[:, None]
        gx = gxh
    return gx, gw, gb


# ---------------------------------------------------------------------------- channels (N, C, L)
def _channel_sum(xp, a3):
    """Per-channel sums of ``(N, C, L) -> (C,)``."""
    n, c, length = a3.shape
    if n == 0 or length == 0:
        return xp.zeros(c, dtype=a3.dtype)
    return col_sum(xp, row_sum(xp, a3.reshape(n * c, length)).reshape(n, c))


def _channel_dot(xp, a3, b3):
    n, c, length = a3.shape
    if n == 0 or length == 0:
        return xp.zeros(c, dtype=a3.dtype)
    return col_sum(xp, row_dot(xp, a3, b3))


def channel_stats(xp, x3, eps):
    """(mean, invstd, unbiased var, centred x) per channel of ``(N, C, L)``."""
    m = x3.shape[0] * x3.shape[2]
    mean = _mean_of(xp, _channel_sum(xp, x3), m)
    xc = x3 - mean[None, :, None]
    ssq = _channel_dot(xp, xc, xc)
    var = _mean_of(xp, ssq, m)
    with xp.errstate(divide="ignore", invalid="ignore"):
        unbiased = ssq / ssq.dtype.type(m - 1) if m > 1 else ssq * xp.inf
    return mean, _inv_std(xp, var, eps), unbiased, xc


def channel_backward(xp, g3, xc, invstd, w, train, need_x, need_w, need_b):
    """(grad x, grad weight, grad bias) of batch norm on ``(N, C, L)`` from the centred
    input ``xc``: with the batch's statistics (``train``) or fixed ones (evaluation)."""
    m = xc.shape[0] * xc.shape[2]
    sum_g = _channel_sum(xp, g3)
    dot = _channel_dot(xp, g3, xc)
    scale = invstd if w is None else invstd * w
    gx = gw = gb = None
    if need_x:
        if train:
            proj = _mean_of(xp, dot, m) * invstd * invstd
            gx = xc * proj[None, :, None]
            xp.subtract(g3, gx, out=gx)
            gx -= _mean_of(xp, sum_g, m)[None, :, None]
            gx *= scale[None, :, None]
        else:
            gx = g3 * scale[None, :, None]
    if need_w:
        gw = dot * invstd
    if need_b:
        gb = sum_g
    return gx, gw, gb


# ---------------------------------------------------------------------------- groups (N, G, D)
def group_backward(xp, g, xhat, rstd, w, n, c, length, groups, need_x, need_w, need_b):
    """(grad x, grad weight, grad bias) of group norm; ``g`` as ``(N, C, L)``, ``xhat``
    the normalised input as ``(N * G, D)``, ``rstd`` ``(N * G,)``, weight per channel."""
    d = (c // groups) * length
    xh4 = xhat.reshape(n, groups, c // groups, length)
    g4 = g.reshape(n, groups, c // groups, length)
    gx = gw = gb = None
    if need_x:
        gxh = g4 * w.reshape(1, groups, c // groups, 1) if w is not None else g4.copy()
        gxh3 = gxh.reshape(n * groups, d)
        a = _mean_of(xp, row_sum(xp, gxh3), d)
        b = _mean_of(xp, row_dot(xp, gxh3, xhat), d)
        proj = xhat * b[:, None]
        gxh3 -= a[:, None]
        gxh3 -= proj
        gxh3 *= rstd[:, None]
        gx = gxh3.reshape(n, c, length)
    if need_w:
        gw = _channel_sum(xp, (g4 * xh4).reshape(n, c, length))
    if need_b:
        gb = _channel_sum(xp, g.reshape(n, c, length))
    return gx, gw, gb


# ---------------------------------------------------------------------------- double backward
def project(F, v, xhat, axes, n):
    """``v - mean(v) - xhat * mean(v * xhat)`` over ``axes`` (the normalisation's
    transposed Jacobian, before the ``rstd`` factor)."""
    return v - F.sum(v, axes, True) * (1.0 / n) - xhat * (F.sum(v * xhat, axes, True) * (1.0 / n))


def double_grad_out(F, ggx, ggw_b, ggb_b, xhat, rstd, wb, axes, n, train):
    """d<gg, (gx, gw, gb)>/d grad_out."""
    out = None
    if ggx is not None:
        term = (rstd * project(F, ggx, xhat, axes, n)) if train else ggx * rstd
        out = term * wb if wb is not None else term
    if ggw_b is not None:
        term = ggw_b * xhat
        out = term if out is None else out + term
    if ggb_b is not None:
        out = ggb_b + (out if out is not None else xhat * 0.0)
    return out


def double_grad_weight(F, ggx, go, xhat, rstd, axes, n, train):
    """d<gg, (gx, gw, gb)>/d weight (before summing over the non-weight axes)."""
    if ggx is None:
        return None
    return go * (rstd * project(F, ggx, xhat, axes, n)) if train else go * ggx * rstd


def double_grad_input(F, ggx, ggw_b, go, xhat, rstd, wb, axes, n, train):
    """d<gg, (gx, gw, gb)>/d input, the statistics' dependence on the input included."""
    out = None
    gxh = go * wb if wb is not None else go
    if ggx is not None and train:
        inv = 1.0 / n
        a_c = ggx - F.sum(ggx, axes, True) * inv
        b_c = gxh - F.sum(gxh, axes, True) * inv
        ma = F.sum(ggx * xhat, axes, True) * inv
        mb = F.sum(gxh * xhat, axes, True) * inv
        mab = F.sum(ggx * b_c, axes, True) * inv
        out = (rstd * rstd) * (xhat * (3.0 * ma * mb - mab) - a_c * mb - b_c * ma)
    if ggw_b is not None:
        v = go * ggw_b
        term = rstd * project(F, v, xhat, axes, n) if train else v * rstd
        out = term if out is None else out + term
    return out
