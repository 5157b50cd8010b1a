"""Batching rules of the matrix products: a batch of products is ONE product (a bmm, or a
single mm when one side is shared, as torch's matmul folds it), never a loop."""
from __future__ import annotations

from ._rules_util import front, pad

__all__ = ["PRODUCT_RULES"]


def _matmul(a, b):
    from ...ops.linalg import matmul
    return matmul(a, b)


def _mm(a, ba, b, bb):
    """A batch of (n, k) @ (k, m) as one product: (B, n, m)."""
    if ba is not None and bb is not None:
        from ...ops.linalg import bmm
        return bmm(front(a, ba), front(b, bb))
    if ba is not None:
        return _matmul(front(a, ba), b)
    return _matmul(a, front(b, bb))


def _mm_rule(op, values, bdims, params, size, level):
    return _mm(values[0], bdims[0], values[1], bdims[1]), 0


def _bmm_rule(op, values, bdims, params, size, level):
    a, b = values
    ba, bb = bdims
    a = a if ba is None else front(a, ba)
    b = b if bb is None else front(b, bb)
    return _matmul(a, b), 0


def _mv_rule(op, values, bdims, params, size, level):
    (a, v), (ba, bv) = values, bdims
    if bv is None:
        return _matmul(front(a, ba), v), 0
    vb = front(v, bv)
    if ba is None:
        return _matmul(vb, a.t()), 0
    return _matmul(front(a, ba), vb.unsqueeze(-1)).squeeze(-1), 0


def _dot_rule(op, values, bdims, params, size, level):
    (a, b), (ba, bb) = values, bdims
    if a._data.dtype.kind == "c":
        return NotImplemented, None
    if bb is None:
        return _matmul(front(a, ba), b), 0
    if ba is None:
        return _matmul(front(b, bb), a), 0
    return _matmul(front(a, ba).unsqueeze(1), front(b, bb).unsqueeze(2)).reshape(size), 0


def _affine(out, bias, bbias, beta, alpha, ndim):
    """beta * bias + alpha * out, torch's way (beta == 0 ignores the bias entirely)."""
    if alpha != 1:
        out = out * alpha
    if beta == 0:
        return out
    if bbias is not None:
        bias = pad(bias, bbias, ndim)
    if beta != 1:
        bias = bias * beta
    return out + bias


def _addmm_rule(op, values, bdims, params, size, level):
    params = params or {}
    out = _mm(values[1], bdims[1], values[2], bdims[2])
    return _affine(out, values[0], bdims[0], params.get("beta", 1), params.get("alpha", 1),
                   2), 0


def _addmv_rule(op, values, bdims, params, size, level):
    params = params or {}
    out, _ = _mv_rule(op, values[1:], bdims[1:], None, size, level)
    if bdims[1] is None and bdims[2] is None:
        return NotImplemented, None
    return _affine(out, values[0], bdims[0], params.get("beta", 1), params.get("alpha", 1),
                   1), 0


def _baddbmm_rule(op, values, bdims, params, size, level):
    params = params or {}
    out, _ = _bmm_rule(op, values[1:], bdims[1:], None, size, level)
    if bdims[1] is None and bdims[2] is None:
        return NotImplemented, None
    return _affine(out, values[0], bdims[0], params.get("beta", 1), params.get("alpha", 1),
                   3), 0


def _addr_rule(op, values, bdims, params, size, level):
    params = params or {}
    (x, v1, v2), (bx, b1, b2) = values, bdims
    if v1._data.dtype.kind == "c" or (b1 is None and b2 is None):
        return NotImplemented, None
    left = pad(v1, b1, 1).unsqueeze(-1) if b1 is not None else v1.unsqueeze(-1)
    right = pad(v2, b2, 1).unsqueeze(-2) if b2 is not None else v2.unsqueeze(-2)
    out = _matmul(left, right)
    return _affine(out, x, bx, params.get("beta", 1), params.get("alpha", 1), 2), 0


PRODUCT_RULES = {"mm": _mm_rule, "bmm": _bmm_rule, "mv": _mv_rule, "dot": _dot_rule,
                 "addmm": _addmm_rule, "addmv": _addmv_rule, "baddbmm": _baddbmm_rule,
                 "addr": _addr_rule}
