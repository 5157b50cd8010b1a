"""The explicit forward-mode rules of nn ops (ops/_jvp_rules.py merges ``RULES`` into its
table): as derivatives.yaml's ``result:`` lines, with public ops on Tensors,
``rule(args, params, tangents, out)``.

torch 2.13 has no forward AD for any of these ops (it raises NotImplementedError "Trying to
use forward AD with ... that does not support it"). The forward ops get exact rules here
(the transpose of chainrule's backward, tests/test_jvp_rules_nn.py ties them by
<J v, u> = <v, Jᵀ u> and compares with the Jacobian of torch's backward); so do
grid_sampler's backward (through the double backward kernel: the Hessian of
<grad_output, output> is symmetric) and the embedding_bag backward ops (bilinear). The
backward ops that have no derivative in torch at all (cdist's, pdist's, the CPU flash
kernel's) raise torch's NotImplementedError, as torch does.
"""
from __future__ import annotations

import math

from ._jvp import MULTILINEAR, NOT_IMPLEMENTED, _primal
from ._vocab import OPS

__all__ = ["RULES"]


def _zeros(like):
    from .. import zeros_like
    return zeros_like(like)


def _or0(t, like):
    return t if t is not None else _zeros(like)


def _sum(terms):
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


# ---------------------------------------------------------------------------- grid_sampler
def _grid_sampler(nd):
    """d out = sample(t_input, grid) + sum_k d out / d grid_k * t_grid_k. The second part is
    grid_sampler's grid gradient of each (batch, channel) plane on its own (channels folded
    into the batch, a grad_output of ones: each output point reads only its own grid point)."""
    name = f"grid_sampler_{nd}d"

    def rule(args, params, tangents, out):
        from .. import ones
        x, grid = args
        tx, tg = tangents
        terms = []
        if tx is not None:
            terms.append(_primal(OPS[name], (tx, grid), params))
        if tg is not None and params["interpolation_mode"] != 1:  # nearest: constant in grid
            n, c = x.shape[0], x.shape[1]
            spatial, points = tuple(x.shape[2:]), tuple(grid.shape[1:-1])
            xf = x.reshape((n * c, 1) + spatial)
            gf = grid.unsqueeze(1).expand((n, c) + tuple(grid.shape[1:])).reshape(
                (n * c,) + tuple(grid.shape[1:]))
            go = ones((n * c, 1) + points, dtype=x.dtype)
            bw = dict(params, output_mask=(False, True))
            gg = _primal(OPS[f"{name}_backward"], (go, xf, gf), bw)[1]
            gg = gg.reshape((n, c) + tuple(grid.shape[1:]))
            terms.append((gg * tg.unsqueeze(1)).sum(-1))
        total = _sum(terms)
        return total if total is not None else _zeros(out)
    return rule


def _grid_sampler_backward(nd):
    """(grad_input, grad_grid) = the gradient of L = <grad_output, out(input, grid)>: linear
    in grad_output (the backward of its tangent), and in (input, grid) the Hessian of L applied
    to their tangents, which the double backward kernel gives (the Hessian is symmetric)."""
    name = f"grid_sampler_{nd}d_backward"

    def rule(args, params, tangents, out):
        go, x, grid = args
        tgo, tx, tg = tangents
        mask = tuple(params["output_mask"])
        gi = gg = None
        if tgo is not None:
            gi, gg = _primal(OPS[name], (tgo, x, grid), params)
        if tx is not None or tg is not None:
            p = {k: params[k] for k in ("interpolation_mode", "padding_mode", "align_corners")}
            _, dx, dgrid = _primal(OPS["_grid_sampler_double_backward"],
                                   (tx, tg, go, x, grid), p)
            if tg is not None:
                gi = dx if gi is None else gi + dx
            if params["interpolation_mode"] != 1:  # nearest: grad_grid is zero
                gg = dgrid if gg is None else gg + dgrid
        gi = _or0(gi, out[0]) if mask[0] else _zeros(out[0])
        gg = _or0(gg, out[1]) if mask[1] else _zeros(out[1])
        return gi, gg
    return rule


# ---------------------------------------------------------------------------- distances
def _pnorm_grad(diff, dist, p):
    """d dist / d diff for each pair (ops/nn/distance.py's ``_pnorm_grad``, with public
    ops): ``diff`` (..., M), ``dist`` (...,)."""
    d = dist.unsqueeze(-1)
    zero = d == 0
    safe = d.masked_fill(zero, 1.0)
    if p == 0:
        return _zeros(diff)
    if p == 1:
        return diff.sign()
    if p == 2:
        g = diff / safe
    elif p == math.inf:
        g = diff.sign() * (diff.abs() == d).to(diff.dtype)
    else:
        a = diff.abs()
        if p < 1:
            a = a.masked_fill(diff == 0, 1.0)  # 0 ** (p - 1) is inf: those entries give 0
        g = diff.sign() * a ** (p - 1) / safe ** (p - 1)
    return g.masked_fill(zero, 0.0)


def _cdist(args, params, tangents, out):
    x1, x2 = args
    t1, t2 = _or0(tangents[0], x1), _or0(tangents[1], x2)
    p = params["p"]
    if p == 0 or out.numel() == 0:
        return _zeros(out)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    tdiff = t1.unsqueeze(-2) - t2.unsqueeze(-3)
    res = (_pnorm_grad(diff, out, p) * tdiff).sum(-1)
    return res.expand(tuple(out.shape)) if tuple(res.shape) != tuple(out.shape) else res


def _euclidean_dist(args, params, tangents, out):
    # out^2 = |x1|^2 + |x2|^2 - 2 x1 x2^T: d out = d(out^2) / (2 out), 0 where out is 0
    x1, x2 = args
    t1, t2 = tangents
    terms = []
    if t1 is not None:
        terms.append((x1 * t1).sum(-1, keepdim=True) - t1 @ x2.mT)
    if t2 is not None:
        terms.append((x2 * t2).sum(-1).unsqueeze(-2) - x1 @ t2.mT)
    zero = out == 0
    return (_sum(terms) / out.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)


def _pdist(args, params, tangents, out):
    from .. import triu_indices
    x, = args
    t = tangents[0]
    p = params["p"]
    if p == 0 or out.numel() == 0:
        return _zeros(out)
    i, j = triu_indices(x.shape[0], x.shape[0], 1)
    diff = x.index_select(0, i) - x.index_select(0, j)
    tdiff = t.index_select(0, i) - t.index_select(0, j)
    return (_pnorm_grad(diff, out, p) * tdiff).sum(-1)


# ---------------------------------------------------------------------------- embedding_bag
def _embedding_bag(args, params, tangents, out):
    """sum / mean: bilinear in (weight, per_sample_weights), the op on each tangent in turn;
    max: the weight's tangent read where each maximum was taken (0 for empty bags)."""
    weight, psw = args
    tw, tpsw = tangents
    op = OPS["_embedding_bag"]
    res, _, bag_size, max_indices = out
    if params["mode"] == 2:
        if tw is None or res.numel() == 0:
            return _zeros(res), None, None, None
        picked = tw.gather(0, max_indices)
        return picked.masked_fill((bag_size == 0).unsqueeze(-1), 0.0), None, None, None
    terms = []
    if tw is not None:
        terms.append(_primal(op, (tw, psw), params)[0])
    if tpsw is not None:
        terms.append(_primal(op, (weight, tpsw), params)[0])
    total = _sum(terms)
    return (total if total is not None else _zeros(res)), None, None, None


# ---------------------------------------------------------------------------- ctc
def _ctc_loss(args, params, tangents, out):
    """Each item's loss against its own (T, C) slice: the gradient at grad_output = 1 (the
    backward, which reads the alphas and betas the forward kept) dotted with the tangent."""
    from .. import ones
    lp, = args
    t = tangents[0]
    g = _primal(OPS["_ctc_loss_backward"], (ones(tuple(out.shape), dtype=out.dtype), lp),
                params)
    return (g * t).sum((0, 2))


# ---------------------------------------------------------------------------- attention
def _flash_attention(args, params, tangents, out):
    """softmax(q kᵀ s + mask) v: with P the probabilities, dS = (dq kᵀ + q dkᵀ) s,
    dP = P (dS - sum(P dS)), d out = dP v + P dv (grouped heads repeated)."""
    from .. import float32, ones, tril
    q, k, v = args
    tq, tk, tv = tangents
    scale, mask = params["scale"], params["mask"]
    heads = q.shape[-3]
    wd = float32 if q.element_size() == 2 else q.dtype

    def heads_of(a):
        a = a.to(wd)
        return a if a.shape[-3] == heads else a.repeat_interleave(heads // a.shape[-3], -3)

    qw, kr, vr = q.to(wd), heads_of(k), heads_of(v)
    s = (qw @ kr.mT) * scale
    if params["is_causal"]:
        keep = tril(ones(tuple(s.shape[-2:]), dtype=wd)).bool()
        s = s.masked_fill(~keep, -math.inf)
    if mask is not None:
        from .. import tensor
        s = s + tensor(mask, dtype=wd)
    prob = _primal(OPS["_safe_softmax"], (s,), {"dim": s.dim() - 1})
    terms = []
    ds = _sum([(tq.to(wd) @ kr.mT) if tq is not None else None,
               (qw @ heads_of(tk).mT) if tk is not None else None])
    if ds is not None:
        ds = ds * scale
        dp = prob * (ds - (prob * ds).sum(-1, keepdim=True))
        terms.append(dp @ vr)
    if tv is not None:
        terms.append(prob @ heads_of(tv))
    total = _sum(terms)
    return total.to(q.dtype) if total is not None else _zeros(out)


# ---------------------------------------------------------------------------- conv_tbc
def _conv_tbc(args, params, tangents, out):
    # conv(x, w) + bias: bilinear in (x, w), plus the bias's tangent on every (time, batch)
    x, w, bias = args
    tx, tw, tb = tangents
    op = OPS["conv_tbc"]
    zero_bias = _zeros(bias)
    terms = [_primal(op, (tx, w, zero_bias), params) if tx is not None else None,
             _primal(op, (x, tw, zero_bias), params) if tw is not None else None,
             tb.expand(tuple(out.shape)) if tb is not None else None]
    total = _sum(terms)
    return total if total is not None else _zeros(out)


# ---------------------------------------------------------------------------- the table
RULES: dict = {
    # the forward ops
    "grid_sampler_2d": _grid_sampler(2),
    "grid_sampler_3d": _grid_sampler(3),
    "_cdist_forward": _cdist,
    "_euclidean_dist": _euclidean_dist,
    "_pdist_forward": _pdist,
    "_embedding_bag": _embedding_bag,
    "_ctc_loss": _ctc_loss,
    "_scaled_dot_product_flash_attention_for_cpu": _flash_attention,
    "conv_tbc": _conv_tbc,
    # their backward ops
    "grid_sampler_2d_backward": _grid_sampler_backward(2),
    "grid_sampler_3d_backward": _grid_sampler_backward(3),
    "_cdist_backward": NOT_IMPLEMENTED,
    "_pdist_backward": NOT_IMPLEMENTED,
    "_embedding_bag_backward": MULTILINEAR,
    "_embedding_bag_per_sample_weights_backward": MULTILINEAR,
    "_scaled_dot_product_flash_attention_for_cpu_backward": NOT_IMPLEMENTED,
    "_grid_sampler_double_backward": NOT_IMPLEMENTED,  # no derivative of order three
}
