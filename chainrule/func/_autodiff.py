"""The reverse-mode core under torch.func's transforms.

Every differentiable input becomes a fresh node of its own (so closures over the same
tensor count as constants, as torch.func's levels make them), and, inside vmap, a plain
tensor batched at every active level: a per-sample gradient of a shared parameter is then
the gradient w.r.t. that sample's copy. Backward runs on the plain tensors under the
batches; a cotangent batched at a level the output is not (``vmap`` over a ``vjp_fn``, as
jacrev does) runs the backward formulas themselves batched, through the batching rules.
"""
from __future__ import annotations

import threading

from .. import autograd
from .._tensor import Tensor
from ..autograd import forward_ad as _fwAD
from ._vmap._batched import BatchedTensor, align, levels, to_front, value_of, wrap, wrap_front

__all__ = ["make_input", "backward", "detach_tree", "nested", "depth"]


class _Depth(threading.local):
    value = 0


_depth = _Depth()


class depth:
    """Marks the span of a transform's function call (nested transforms need graphs)."""

    def __enter__(self):
        _depth.value += 1

    def __exit__(self, *exc):
        _depth.value -= 1


def nested() -> bool:
    return _depth.value > 0


def _check_tensor(x):
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")


def make_input(x: Tensor):
    """(what the function sees, (physical leaf, levels)) for a differentiable input."""
    _check_tensor(x)
    lvls = [lvl for lvl, _, _ in levels()]
    phys = align(x, lvls) if lvls else x
    if phys._rg:
        leaf = phys.view_as(phys)
    else:
        leaf = phys.detach().requires_grad_()
        tangent = _fwAD.tangent_of(phys) if _fwAD._STATE.level >= 0 else None
        if tangent is not None:  # a dual (func.jvp over grad): the leaf keeps its tangent
            _fwAD.set_tangent(leaf, tangent)
    return (wrap_front(leaf, lvls) if lvls else leaf), (leaf, lvls)


def _align_cotangent(c: Tensor, lvls):
    """``c`` as a cotangent of an output whose physical tensor has ``lvls`` in front: those
    levels physical, any higher level ``c`` has (a batch of cotangents) kept wrapped."""
    extras = []
    while c.__class__ is BatchedTensor and c._level not in lvls and \
            (not lvls or c._level > max(lvls)):
        extras.append((c._level, c._bdim))
        c = value_of(c)
    phys = align(c, lvls) if (lvls or c.__class__ is BatchedTensor) else c
    for lvl, bdim in reversed(extras):
        phys = wrap(phys, len(lvls) + bdim, lvl)
    return phys, [lvl for lvl, _ in extras]


def _finish_grad(g, leaf_lvls, extra_lvls):
    """A gradient of a physical leaf back to the logical tensor the function saw."""
    if not extra_lvls:
        return wrap_front(g, leaf_lvls) if leaf_lvls else g
    phys, have = to_front(g)  # the batched cotangents' levels in front, then the leaf's
    k, ne = len(leaf_lvls), len(have)
    if k:
        order = list(range(ne, ne + k)) + list(range(ne)) + list(range(ne + k, phys.dim()))
        phys = phys.permute(order)
    return wrap_front(phys, list(leaf_lvls) + have)


def backward(outputs, inputs, cotangents, create_graph: bool):
    """Gradients of logical ``outputs`` w.r.t. ``inputs`` [(physical leaf, levels)], with
    ``cotangents`` (logical, or None for ones), retaining the graph."""
    from .. import ones_like, zeros_like
    outs, cots, extras = [], [], []
    for o, c in zip(outputs, cotangents):
        phys, lvls = to_front(o)
        if c is None:
            c = ones_like(phys)
            extra = []
        else:
            c, extra = _align_cotangent(c, lvls)
        for lvl in extra:
            if lvl not in extras:
                extras.append(lvl)
        if phys._rg:
            outs.append(phys)
            cots.append(c)
    extras.sort()
    create_graph = create_graph or bool(extras)
    leaves = [leaf for leaf, _ in inputs]
    if outs:
        grads = autograd.grad(outs, leaves, cots, retain_graph=True, create_graph=create_graph,
                              allow_unused=True)
    else:
        grads = (None,) * len(leaves)
    result = []
    for g, (leaf, lvls) in zip(grads, inputs):
        if g is None:
            g = zeros_like(leaf)
            result.append(wrap_front(g, lvls) if lvls else g)
            if extras:  # every sample of the cotangent batch: the same zeros
                from ._vmap._batched import level_size
                from ._vmap._rules_util import front
                for lvl in extras:
                    result[-1] = wrap(front(result[-1], None, level_size(lvl)), 0, lvl)
            continue
        got = [lvl for lvl in extras if _has_level(g, lvl)]
        for lvl in extras:
            if lvl not in got:
                from ._vmap._batched import level_size
                from ._vmap._rules_util import front
                g = wrap(front(g, None, level_size(lvl)), 0, lvl)
        result.append(_finish_grad(g, lvls, extras))
    return result


def _has_level(t, lvl) -> bool:
    while t.__class__ is BatchedTensor:
        if t._level == lvl:
            return True
        t = t._value
    return False


def detach_tree(leaves):
    """Plain results of a transform that no outer transform differentiates: detached."""
    out = []
    for t in leaves:
        if isinstance(t, Tensor) and t._rg:
            if t.__class__ is BatchedTensor:
                phys, lvls = to_front(t)
                t = wrap_front(phys.detach(), lvls)
            else:
                t = t.detach()
        out.append(t)
    return out
