"""Explicit forward-mode rules of the scatter/index reductions, renorm, the Dirichlet
sample and the double-backward ops of conv, layer/batch norm, glu and prelu
(ops/_jvp_rules.py merges ``RULES`` into its table): as derivatives.yaml's ``result:``
lines, with public ops on Tensors, ``rule(args, params, tangents, out)``.

Where torch has forward AD (scatter_reduce, renorm, the backward ops under forward over
reverse) the tangents are torch's, except scatter_reduce 'prod', where torch 2.13 returns
no tangent (a zero): the exact one is given. Where torch has none (index_reduce,
dirichlet_rsample: its custom Function has no jvp) the rules are exact, tied to the VJP
by <J v, u> = <v, Jᵀ u> (tests/test_jvp_rules_misc.py). scatter(..., reduce=) has no
derivative at all: it raises torch's NotImplementedError.

A backward op ``(g_x, g_w, ...) = ∇ <grad_output, f(x, w, ...)>`` is linear in
grad_output, and in the other inputs its Jacobian is the Hessian of that scalar: symmetric,
so its double-backward rule applied to the tangents is the tangent (layer and batch norm,
whose statistics depend on the input).
"""
from __future__ import annotations

from ._jvp import _primal, _rule_values
from ._vocab import OPS, graph_vocab

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


def _vjp(name, which, g, args, params, out):
    """Input ``which``'s backward rule of op ``name`` at the cotangent ``g``."""
    op = OPS[name]
    rule = op.vjps[which]
    return rule(graph_vocab, g, *_rule_values(op, rule, args, params, out))


# ---------------------------------------------------------------------------- reductions
_ALIASES = {"max": "amax", "min": "amin"}


def _reduce_into(name, kind):
    """scatter_reduce / index_reduce: 'sum' and 'mean' are linear in (x, src) together,
    the op on the tangents. 'prod': each element of x and src reaches one output element,
    so the tangent is ``L_x * t_x`` plus ``L_src * t_src`` added at the index, the L the
    backward's local factors at grad = 1 (the product of the others, zeros handled there).
    'amax' / 'amin': the tangents of the elements equal to the result, shared evenly.
    scatter_reduce shares among those that take part (self only where include_self or not
    written), as torch's forward formula does; torch's backward also counts an excluded
    self in a tie. index_reduce, which torch has no forward formula for, shares as the
    backward does, so the JVP stays its transpose."""
    gather, add, fill = ("_gather", "_scatter_add", "_scatter_value") if kind == "scatter" \
        else ("_index_select", "_index_add", "_index_fill")

    def add_at(base, dim, index, values):
        if kind == "scatter":
            return getattr(graph_vocab, add)(base, values, dim, index)
        return getattr(graph_vocab, add)(base, values, dim, index, 1)

    def rule(args, params, tangents, out):
        from .. import ones_like
        x, src = args
        tx, ts = tangents
        reduce = _ALIASES.get(params["reduce"], params["reduce"])
        dim, index, include_self = params["dim"], params["index"], params["include_self"]
        if tx is None and ts is None:
            return _zeros(out)
        if reduce in ("sum", "mean"):
            return _primal(OPS[name], (_or0(tx, x), _or0(ts, src)), params)
        if reduce == "prod":
            ones = ones_like(out)
            terms = []
            if tx is not None:
                terms.append(_vjp(name, 0, ones, args, params, out) * tx)
            if ts is not None:
                local = _vjp(name, 1, ones, args, params, out) * ts
                terms.append(add_at(_zeros(out), dim, index, _lead(local, index, kind)))
            return _sum(terms)
        value = getattr(graph_vocab, gather)(out, dim, index)
        x_is = counted = (x == out).to(out.dtype)
        if not include_self:
            x_is = getattr(graph_vocab, fill)(x_is, dim, index, 0)
            if kind == "scatter":
                counted = x_is
        src_is = (_lead(src, index, kind) == value).to(out.dtype)
        count = add_at(counted, dim, index, src_is)
        total = _sum([x_is * tx if tx is not None else None,
                      add_at(_zeros(out), dim, index, src_is * _lead(ts, index, kind))
                      if ts is not None else None])
        return total / count
    return rule


def _lead(t, index, kind):
    """The part of scatter's ``src`` its index reaches (``t[:n0, :n1, ...]``)."""
    if kind != "scatter" or t.dim() == 0:
        return t
    ishape = tuple(index.shape) or (1,)
    if ishape == tuple(t.shape):
        return t
    return t[tuple(slice(0, n) for n in ishape)]


def _scatter_legacy(args, params, tangents, out):
    # torch's node for scatter(..., reduce=) is NotImplemented, forward and backward
    raise NotImplementedError("Trying to use forward AD with aten::scatter that does not "
                              "support it.")


# ---------------------------------------------------------------------------- renorm
def _norm_jvp(x, t, p, norm, dims):
    """The tangent of ``vector_norm(x, p, dims, keepdim=True)`` (``norm`` its value)."""
    import math
    if p == 0:
        return _zeros(norm)
    # Re(conj(sgn x) t): sign(x) t for real x
    r = (x.sgn().conj() * t).real if x.is_complex() else x.sign() * t
    if p == 1:
        return r.sum(dims, keepdim=True)
    a = x.abs()
    zero = norm == 0
    safe = norm.masked_fill(zero, 1.0)
    if p == 2:
        res = (a * r).sum(dims, keepdim=True) / safe
    elif p == math.inf:
        hit = (a == norm).to(r.dtype)
        res = (hit * r).sum(dims, keepdim=True) / hit.sum(dims, keepdim=True)
    else:
        w = a.masked_fill(a == 0, 1.0) ** (p - 1) if p < 1 else a ** (p - 1)
        res = (w * r).sum(dims, keepdim=True) / safe ** (p - 1)
    return res.masked_fill(zero, 0.0)


def _renorm(args, params, tangents, out):
    # where(norm > maxnorm, f * (t - x / (norm + 1e-7) * d norm), t), f = maxnorm / (norm +
    # 1e-7): the factor's own tangent included
    from .. import linalg
    x, = args
    t = tangents[0]
    p, dim, maxnorm = params["p"], params["dim"], params["maxnorm"]
    dims = tuple(d for d in range(x.dim()) if d != dim)
    norm = linalg.vector_norm(x, p, dims, keepdim=True)
    invnorm = 1 / (norm + 1e-7)
    factor = invnorm * maxnorm
    scaled = factor * (t - x * invnorm * _norm_jvp(x, t, p, norm, dims))
    return scaled.where(norm > maxnorm, t)


# ---------------------------------------------------------------------------- dirichlet
def _dirichlet_rsample(args, params, tangents, out):
    """The VJP is ``D * (g - sum(out * g))`` with ``D = _dirichlet_grad(out, alpha,
    sum(alpha))``: its transpose is ``D t - out * sum(D t)`` (sums over the last dim)."""
    alpha, = args
    t = tangents[0]
    d = _primal(OPS["_dirichlet_grad"], (out, alpha, alpha.sum(-1, keepdim=True)), None)
    dt = d * t
    return dt - out * dt.sum(-1, keepdim=True)


# ---------------------------------------------------------------------------- backward ops
def _masked(results, out, mask):
    return tuple(_or0(r, o) if m else _zeros(o) for r, o, m in zip(results, out, mask))


def _glu_backward(args, params, tangents, out):
    # (go * s, go * a * s (1 - s)), s = sigmoid(b): linear in go; in (a, b) by the chain rule
    go, x = args
    tgo, tx = tangents
    dim = params["dim"]
    terms = []
    if tgo is not None:
        terms.append(_primal(OPS["glu_backward"], (tgo, x), params))
    if tx is not None:
        from .. import cat
        a, b = x.chunk(2, dim)
        ta, tb = tx.chunk(2, dim)
        s = b.sigmoid()
        ds = s * (1 - s)
        terms.append(cat([go * ds * tb, go * ds * (ta + a * (1 - 2 * s) * tb)], dim))
    return _sum(terms)


def _prelu_kernel_backward(args, params, tangents, out):
    # (where(x > 0, go, w go), where(x > 0, 0, x go)): bilinear in (go, w) and (go, x)
    go, x, w = args
    tgo, tx, tw = tangents
    pos = x > 0
    dgx = _sum([tgo * w if tgo is not None else None, go * tw if tw is not None else None])
    dgx = _or0(tgo, out[0]).where(pos, dgx) if dgx is not None else None
    dgw = _sum([go * tx if tx is not None else None, x * tgo if tgo is not None else None])
    dgw = dgw.masked_fill(pos, 0.0) if dgw is not None else None
    gx, gw = out
    if dgx is not None and tuple(dgx.shape) != tuple(gx.shape):
        dgx = dgx.expand(tuple(gx.shape))
    if dgw is not None and tuple(dgw.shape) != tuple(gw.shape):
        dgw = dgw.expand(tuple(gw.shape))
    return _or0(dgx, gx), _or0(dgw, gw)


def _convolution_backward(args, params, tangents, out):
    """grad_input = convolution_backward(go, ·, w) is bilinear in (go, w), grad_weight in
    (go, input), grad_bias (the sum of go) linear in go: one term per tangent."""
    go, x, w = args
    tgo, tx, tw = tangents
    op = OPS["convolution_backward"]
    mask = tuple(params["output_mask"])
    gi = gw = gb = None
    if tgo is not None:
        gi, gw, gb = _primal(op, (tgo, x, w), params)
    if tw is not None and mask[0]:
        term = _primal(op, (go, x, tw), dict(params, output_mask=(True, False, False)))[0]
        gi = term if gi is None else gi + term
    if tx is not None and mask[1]:
        term = _primal(op, (go, tx, w), dict(params, output_mask=(False, True, False)))[1]
        gw = term if gw is None else gw + term
    return _masked((gi, gw, gb), out, mask)


def _norm_backward(name, positions):
    """native_layer_norm_backward / native_batch_norm_backward: the op on grad_out's tangent,
    plus the Hessian (the double-backward rules, at cotangents (t_x, t_w, 0)) applied to
    the input's and weight's tangents. ``positions``: where x and weight are in ``args``."""
    ix, iw = positions

    def rule(args, params, tangents, out):
        tgo, tx, tw = tangents[0], tangents[ix], tangents[iw]
        mask = tuple(params["output_mask"])
        gi = gw = gb = None
        if tgo is not None:
            gi, gw, gb = _primal(OPS[name], (tgo,) + tuple(args[1:]), params)
        if tw is not None and args[iw] is None:
            tw = None
        if tx is not None or tw is not None:
            g = (tx, tw, None)
            if mask[0]:
                gi = _sum([gi, _vjp(name, ix, g, args, params, out)])
            if mask[1] and args[iw] is not None and tx is not None:
                gw = _sum([gw, _vjp(name, iw, g, args, params, out)])
        return _masked((gi, gw, gb), out, mask)
    return rule


# ---------------------------------------------------------------------------- the table
RULES: dict = {
    "_scatter_reduce": _reduce_into("_scatter_reduce", "scatter"),
    "_index_reduce": _reduce_into("_index_reduce", "index"),
    "_scatter_legacy": _scatter_legacy,
    "_scatter_legacy_value": _scatter_legacy,
    "renorm": _renorm,
    "dirichlet_rsample": _dirichlet_rsample,
    "glu_backward": _glu_backward,
    "_prelu_kernel_backward": _prelu_kernel_backward,
    "convolution_backward": _convolution_backward,
    "native_layer_norm_backward": _norm_backward("native_layer_norm_backward", (1, 4)),
    "native_batch_norm_backward": _norm_backward("native_batch_norm_backward", (1, 2)),
}
