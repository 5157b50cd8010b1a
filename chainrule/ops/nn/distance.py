"""Distances and the bilinear form: pdist (PdistBackward0), cdist (CdistBackward0, or for
p=2 with large inputs / ``use_mm_for_euclid_dist`` torch's matrix-product path,
EuclideanDistBackward0), and the composites pairwise_distance (``norm(x1 - x2 + eps)``,
NormBackward1), cosine_similarity (each input divided by its clamped vector norm) and
bilinear (``_trilinear``, TrilinearBackward0).

The backward of pdist and cdist is an op (PdistBackwardBackward0, CdistBackwardBackward0)
that, as in torch, has no derivative of its own. ``_euclidean_dist`` and ``_trilinear``
differentiate again (their rules are written with ``F``).
"""
from __future__ import annotations

import math

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from ._shared import _scalar_add
from ._util import _numel

__all__ = ["pairwise_distance", "cosine_similarity", "pdist", "bilinear"]

_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool"}


def _public(name):
    """A public op of another family, looked up when called (linalg's norms)."""
    from .. import PUBLIC
    return PUBLIC[name]


# ---------------------------------------------------------------------------- p-norm kernels
def _pnorm(xp, diff, p, axis):
    """The p-norm of ``diff`` along ``axis`` (p = 0 counts non-zeros, inf the largest)."""
    a = xp.abs(diff)
    if p == 2:
        return xp.sqrt(xp.einsum("...i,...i->...", diff, diff)) if axis == -1 else \
            xp.sqrt((a * a).sum(axis=axis))
    if p == 1:
        return a.sum(axis=axis)
    if p == 0:
        return (a != 0).sum(axis=axis).astype(diff.dtype)
    if p == math.inf:
        return a.max(axis=axis, initial=0)
    return (a ** p).sum(axis=axis) ** (1.0 / p)


def _pnorm_grad(xp, diff, dist, p):
    """d dist / d diff for each pair: ``diff`` (..., M), ``dist`` (...,)."""
    d = dist[..., None]
    with xp.errstate(divide="ignore", invalid="ignore"):
        if p == 0:
            return xp.zeros_like(diff)
        if p == 1:
            return xp.sign(diff)
        if p == 2:
            out = diff / d
        elif p == math.inf:
            out = xp.sign(diff) * (xp.abs(diff) == d)
        elif p < 1:
            out = xp.sign(diff) * xp.abs(diff) ** (p - 1) / d ** (p - 1)
            out = xp.where(diff == 0, 0, out)
        else:
            out = xp.sign(diff) * xp.abs(diff) ** (p - 1) / d ** (p - 1)
    return xp.where(d == 0, 0, out).astype(diff.dtype, copy=False)


# ---------------------------------------------------------------------------- pdist
def _pdist_pairs(xp, n):
    return xp.triu_indices(n, 1)


def _pdist_forward(xp, x, p):
    i, j = _pdist_pairs(xp, x.shape[0])
    return _pnorm(xp, x[i] - x[j], p, -1).astype(x.dtype, copy=False)


def _pdist_backward_forward(xp, grad, x, pdist, p):
    n = x.shape[0]
    i, j = _pdist_pairs(xp, n)
    if i.size == 0:
        return xp.zeros_like(x)
    contrib = _pnorm_grad(xp, x[i] - x[j], pdist, p) * grad[:, None]
    out = xp.zeros_like(x)
    xp.add.at(out, i, contrib)
    xp.subtract.at(out, j, contrib)
    return out


def _no_pdist_derivative(F, g):
    raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


PDIST = op("_pdist_forward", _pdist_forward, params=("p",), grad_fn="PdistBackward0",
           vjps=(lambda F, g, x, out, p: F._pdist_backward(g, x, out, p),))
PDIST_BACKWARD = op("_pdist_backward", _pdist_backward_forward,
                    inputs=("grad", "x", "pdist"), params=("p",),
                    vjps=(_no_pdist_derivative,) * 3, grad_fn="PdistBackwardBackward0")


@expose(method=False, internal=True)
def _pdist_backward(grad: Tensor, x: Tensor, pdist: Tensor, p: float) -> Tensor:
    """The gradient of pdist (PdistBackwardBackward0, which has no derivative)."""
    return dispatch(PDIST_BACKWARD, (grad, x, pdist), {"p": float(p)})


@expose(method=False)
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows of a 2-D ``input``, in the order of
    the upper triangle (PdistBackward0)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    x = input if input.is_contiguous() else input.contiguous()
    return dispatch(PDIST, (x,), {"p": float(p)})


# ---------------------------------------------------------------------------- cdist
_DIRECT_MAX = 1 << 22  # pair differences held at once by the direct p=2 kernel


def _cdist_forward(xp, x1, x2, p, compute_mode):
    batch = xp.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    a = xp.broadcast_to(x1, batch + x1.shape[-2:])
    b = xp.broadcast_to(x2, batch + x2.shape[-2:])
    r1, r2, m = a.shape[-2], b.shape[-2], a.shape[-1]
    dtype = xp.result_type(x1, x2)
    if m == 0 or r1 == 0 or r2 == 0:
        return xp.zeros(batch + (r1, r2), dtype=dtype)
    if p == 2 and _numel(batch) * r1 * r2 * m > _DIRECT_MAX:
        sq = ((a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :]
              - 2 * (a @ xp.swapaxes(b, -1, -2)))
        return xp.sqrt(xp.maximum(sq, 0)).astype(dtype, copy=False)
    diff = a[..., :, None, :] - b[..., None, :, :]
    return _pnorm(xp, diff, p, -1).astype(dtype, copy=False)


def _cdist_backward_forward(xp, grad, x1, x2, cdist, p):
    batch = grad.shape[:-2]
    a = xp.broadcast_to(x1, batch + x1.shape[-2:])
    b = xp.broadcast_to(x2, batch + x2.shape[-2:])
    if a.shape[-1] == 0 or a.shape[-2] == 0 or b.shape[-2] == 0:
        return xp.zeros(a.shape, dtype=grad.dtype)
    if p == 2:
        with xp.errstate(divide="ignore", invalid="ignore"):
            ratio = xp.where(cdist == 0, 0, grad / cdist).astype(grad.dtype, copy=False)
        return a * ratio.sum(-1)[..., None] - ratio @ b
    diff = a[..., :, None, :] - b[..., None, :, :]
    return (_pnorm_grad(xp, diff, cdist, p) * grad[..., None]).sum(-2)


def _contiguous(t):
    if isinstance(t, Tensor):
        return t.contiguous()
    from ...backend import namespace_of
    return namespace_of(t).ascontiguousarray(t)


def _cdist_x2_rule(F, g, x1, x2, out, p):
    return F._cdist_backward(_contiguous(F.transpose(g, -1, -2)), x2, x1,
                             _contiguous(F.transpose(out, -1, -2)), p)


def _no_cdist_derivative(F, g):
    raise NotImplementedError("the derivative for '_cdist_backward' is not implemented.")


CDIST = op("_cdist_forward", _cdist_forward, inputs=("x1", "x2"),
           params=("p", "compute_mode"), broadcasts=True, grad_fn="CdistBackward0",
           vjps=(lambda F, g, x1, x2, out, p: F._cdist_backward(_contiguous(g), x1, x2, out, p),
                 _cdist_x2_rule))
CDIST_BACKWARD = op("_cdist_backward", _cdist_backward_forward,
                    inputs=("grad", "x1", "x2", "cdist"), params=("p",),
                    vjps=(_no_cdist_derivative,) * 4, grad_fn="CdistBackwardBackward0")


@expose(method=False, internal=True)
def _cdist_backward(grad: Tensor, x1: Tensor, x2: Tensor, cdist: Tensor, p: float) -> Tensor:
    """The gradient of cdist w.r.t. ``x1`` (CdistBackwardBackward0, no derivative)."""
    return dispatch(CDIST_BACKWARD, (grad, x1, x2, cdist), {"p": float(p)})


def _euclidean_forward(xp, x1, x2):
    n1 = (x1 * x1).sum(-1)[..., :, None]
    n2 = (x2 * x2).sum(-1)[..., None, :]
    sq = n1 + n2 - 2 * (x1 @ xp.swapaxes(x2, -1, -2))
    return xp.sqrt(xp.maximum(sq, 0)).astype(xp.result_type(x1, x2), copy=False)


def _euclidean_ratio(F, g, out):
    return F.where(out == 0, 0.0, g / out)


EUCLIDEAN_DIST = op(
    "_euclidean_dist", _euclidean_forward, inputs=("x1", "x2"),
    grad_fn="EuclideanDistBackward0",
    vjps=(lambda F, g, x1, x2, out: x1 * F.sum(_euclidean_ratio(F, g, out), (-1,), True)
          - F.matmul(_euclidean_ratio(F, g, out), x2),
          lambda F, g, x1, x2, out:
          x2 * F.unsqueeze_dims(F.sum(_euclidean_ratio(F, g, out), (-2,), False),
                                (x2.ndim - 1,))
          - F.matmul(F.transpose(_euclidean_ratio(F, g, out), -1, -2), x1)))


@expose(method=False)
def _euclidean_dist(x1: Tensor, x2: Tensor) -> Tensor:
    """Euclidean distances between the rows of ``x1`` and ``x2`` by the matrix-product
    expansion (EuclideanDistBackward0)."""
    return dispatch(EUCLIDEAN_DIST, (x1, x2))


_MODES = {None: None, "use_mm_for_euclid_dist_if_necessary": None,
          "use_mm_for_euclid_dist": 1, "donot_use_mm_for_euclid_dist": 2}


@expose(method=False)
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M), batch dims broadcast (CdistBackward0; EuclideanDistBackward0 on torch's
    matrix-product path)."""
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _MODES[compute_mode]
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t._data.dtype.kind not in "fV":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_WORDS.get(t.dtype.name, t.dtype.name)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    r1, r2 = x1.shape[-2], x2.shape[-2]
    empty = x1.numel() == 0 or x2.numel() == 0
    if not empty and p == 2 and (mode == 1 or (mode is None and (r1 > 25 or r2 > 25))):
        return _cdist_mm(x1, x2)
    return dispatch(CDIST, (x1, x2), {"p": float(p), "compute_mode": mode})


def _cdist_mm(x1, x2):
    """torch's cdist_impl on the matrix-product path: batch dims expanded and flattened."""
    xp = x1.xp
    b1, b2 = tuple(x1.shape[:-2]), tuple(x2.shape[:-2])
    batch = tuple(xp.broadcast_shapes(b1, b2))
    r1, r2, c = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    prod = _numel(batch)
    if prod == 1:
        dist = _euclidean_dist(x1, x2)
    else:
        a = x1.expand(batch + (r1, c)).contiguous().view(prod, r1, c)
        b = x2.expand(batch + (r2, c)).contiguous().view(prod, r2, c)
        dist = _euclidean_dist(a, b)
    return dist.view(batch + (r1, r2))


# ---------------------------------------------------------------------------- composites
def _common_dtype(x1, x2):
    from ..._dtypes import _BY_NP, result_type
    dims = [_BY_NP[t._data.dtype] for t in (x1, x2) if t.ndim]
    zeros = [_BY_NP[t._data.dtype] for t in (x1, x2) if not t.ndim]
    return result_type(dims, zeros, [])


@expose(method=False)
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` over the last dim (inputs broadcast), composed as
    torch composes it (NormBackward1)."""
    dim = max(x1.ndim, x2.ndim) - 1
    from .. import OPS
    diff = _scalar_add(x1 - x2, eps)
    if diff._data.dtype.kind not in "fcV":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_WORDS.get(diff.dtype.name, diff.dtype.name)} instead.")
    dims = (dim,) if diff.ndim else ()
    return dispatch(OPS["norm_dim"], (diff,),
                    {"p": float(p), "dim": dims, "keepdim": bool(keepdim)})


@expose(method=False)
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (inputs broadcast),
    each divided by its vector norm clamped to at least ``eps``, as torch composes it."""
    common = _common_dtype(x1, x2)
    if not (common.is_floating_point or common.is_complex):
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype "
                           f"is {_WORDS.get(common.name, common.name)}")
    # integral inputs (bool too) take the common dtype; floating ones stay as they are
    x1 = x1.to(common) if x1._data.dtype.kind in "biu" else x1
    x2 = x2.to(common) if x2._data.dtype.kind in "biu" else x2
    if tuple(x1.shape) != tuple(x2.shape):
        xp = x1.xp
        shape = tuple(xp.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)))
        x1, x2 = x1.expand(shape), x2.expand(shape)
    from ...autograd.grad_mode import no_grad
    vector_norm = _public("linalg_vector_norm")
    n1 = vector_norm(x1, 2, dim, True).clone()
    n2 = vector_norm(x2, 2, dim, True).clone()
    with no_grad():
        for n in (n1, n2):
            n._data[...] = n.xp.maximum(n._data, n._data.dtype.type(eps))
            n._bump_version()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# ---------------------------------------------------------------------------- bilinear
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _trilinear_spec(ranks, expand1, expand2, expand3, sumdim) -> str:
    """The einsum of torch's _trilinear: each input takes the common dims it does not
    expand; the output keeps the common dims not summed."""
    total = ranks[0] + len(expand1)
    subs = []
    for expand in (expand1, expand2, expand3):
        subs.append("".join(_LETTERS[d] for d in range(total) if d not in expand))
    out = "".join(_LETTERS[d] for d in range(total) if d not in sumdim)
    return ",".join(subs) + "->" + out


def _einsum3_forward(xp, a, b, c, spec):
    return xp.einsum(spec, a, b, c, optimize=True)


def _einsum3_rule(which):
    """The gradient of a three-operand einsum w.r.t. operand ``which``: the same kind of
    einsum of the incoming gradient with the other two, expanded over letters that only
    the operand has."""
    def rule(F, g, a, b, c, spec):
        ins, out = spec.split("->")
        subs = ins.split(",")
        ops = [a, b, c]
        others = [k for k in range(3) if k != which]
        have = set(out) | set(subs[others[0]]) | set(subs[others[1]])
        target = subs[which]
        kept = "".join(ch for ch in target if ch in have)
        grad_spec = f"{out},{subs[others[0]]},{subs[others[1]]}->{kept}"
        res = F._einsum3(g, ops[others[0]], ops[others[1]], grad_spec)
        if kept != target:
            shape = tuple(ops[which].shape)
            missing = tuple(i for i, ch in enumerate(target) if ch not in have)
            res = F.expand(F.unsqueeze_dims(res, missing), shape)
        return res
    return rule


EINSUM3 = op("_einsum3", _einsum3_forward, inputs=("a", "b", "c"), params=("spec",),
             vjps=(_einsum3_rule(0), _einsum3_rule(1), _einsum3_rule(2)),
             grad_fn="TrilinearBackward0", dtype_rule="promote")


@expose(method=False, internal=True)
def _einsum3(a: Tensor, b: Tensor, c: Tensor, spec: str) -> Tensor:
    """A three-operand einsum (the form _trilinear's gradients take; TrilinearBackward0)."""
    return dispatch(EINSUM3, (a, b, c), {"spec": spec})


@expose(method=False)
def _trilinear(i1: Tensor, i2: Tensor, i3: Tensor, expand1, expand2, expand3, sumdim,
               unroll_dim: int = 1) -> Tensor:
    """torch._trilinear: the three inputs unsqueezed at their ``expand`` dims to a common
    rank, multiplied, and summed over ``sumdim`` (TrilinearBackward0)."""
    spec = _trilinear_spec((i1.ndim, i2.ndim, i3.ndim), tuple(expand1), tuple(expand2),
                           tuple(expand3), tuple(sumdim))
    return _einsum3(i1, i2, i3, spec)


@expose(method=False)
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``x1^T A x2 + b`` for each output feature: ``weight`` (out, in1, in2), inputs
    (..., in1) and (..., in2), composed as torch composes it (_trilinear)."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} "
                           f"and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {input1.shape[i]} and {input2.shape[i]}")
    for d, inp, which in ((1, input1, "input1"), (2, input2, "input2")):
        if weight.ndim <= d:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-weight.ndim}, {weight.ndim - 1}], but got {d})")
        if inp.shape[-1] != weight.shape[d]:
            raise RuntimeError(f"bilinear(): {which} size does not match weight size: got "
                               f"{inp.shape[-1]} but expected {weight.shape[d]}")
    if weight.ndim != 3:
        raise RuntimeError("number of dimensions must match")
    if bias is not None and bias.ndim and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    out_shape = tuple(input1.shape[:-1]) + (weight.shape[0],)
    a = input1.reshape(-1, input1.shape[-1])
    b = input2.reshape(-1, input2.shape[-1])
    out = _trilinear(a, weight, b, (1, 3), (0,), (1, 2), (2, 3)).reshape(out_shape)
    return out + bias if bias is not None else out
