"""Custom autograd Functions under the func transforms (torch's rules, extending.func):

- a Function without ``setup_context`` (``forward(ctx, ...)``) cannot be transformed;
- under vmap a Function runs its ``vmap`` staticmethod on the inputs' physical tensors
  (``vmap(info, in_dims, *args) -> (output, out_dims)``); with ``generate_vmap_rule = True``
  it becomes a Function on the physical tensors whose forward + setup_context, backward and
  jvp are the user's, vmapped (torch's vmapify_autograd_function): autograd then records
  one node on the physical tensors, so gradients flow out of and inside vmap. With neither
  it raises.

``Function.apply`` calls ``transform_hook`` (installed by chainrule.func) first."""
from __future__ import annotations

from typing import NamedTuple

from ..._tensor import Tensor
from .._autodiff import _depth
from .._pytree import broadcast_prefix, tree_flatten, tree_unflatten
from ._api import DUAL_DEPTH
from ._batched import (
    BatchedTensor,
    _state,
    align,
    level_randomness,
    level_size,
    levels,
    levels_in_front,
    to_front,
    value_of,
    wrap_dual,
    wrap_front,
)

__all__ = ["VmapInfo", "transform_hook"]

_DOCS = "For more details, please see https://pytorch.org/docs/main/notes/extending.func.html"


class VmapInfo(NamedTuple):
    """What a Function's ``vmap`` staticmethod is told about the vmap it runs under."""

    batch_size: int
    randomness: str


def _top_level(args, kwargs) -> int:
    level = 0
    for a in (*args, *kwargs.values()):
        if a.__class__ is BatchedTensor and a._level > level:
            level = a._level
    return level


def transform_hook(cls, args, kwargs, new_style):
    """``NotImplemented`` (apply goes on as usual) or the Function's result under vmap."""
    levels = _state.levels
    if not (levels or _depth.value or DUAL_DEPTH[0]):
        return NotImplemented
    level = _top_level(args, kwargs) if levels else 0
    if not new_style and not cls.__module__.startswith("chainrule."):
        if level or _depth.value or DUAL_DEPTH[0]:
            raise RuntimeError(
                "In order to use an autograd.Function with functorch transforms (vmap, grad, "
                "jvp, jacrev, ...), it must override the setup_context staticmethod. " + _DOCS)
        return NotImplemented
    if not level or cls.__module__.startswith("chainrule."):
        return NotImplemented
    from ...autograd.function import Function
    custom = cls.vmap is not Function.vmap
    if getattr(cls, "generate_vmap_rule", False):
        if custom:
            raise RuntimeError(
                f"You tried to vmap over {cls.__name__}, but it has both "
                "generate_vmap_rule=True and an overridden vmap staticmethod. Please set "
                "generate_vmap_rule=False or delete the overridden vmap staticmethod to avoid "
                "ambiguity. " + _DOCS)
        return _generated_call(cls, args, kwargs)
    if not custom:
        raise RuntimeError(
            f"You tried to vmap over {cls.__name__}, but it does not have vmap support. "
            "Please override and implement the vmap staticmethod or set "
            "generate_vmap_rule=True. " + _DOCS)
    return _custom_vmap(cls, args, kwargs, level)


def _unwrap(a, level):
    if a.__class__ is BatchedTensor and a._level == level:
        return value_of(a), a._bdim
    return a, None


def _custom_vmap(cls, args, kwargs, level):
    pairs = [_unwrap(a, level) for a in args]
    in_dims = tuple(d for _, d in pairs)
    phys = [p for p, _ in pairs]
    kw = {k: _unwrap(v, level)[0] for k, v in kwargs.items()}
    info = VmapInfo(level_size(level), level_randomness(level))
    entry = next(e for e in _state.levels if e[0] == level)
    _state.levels.remove(entry)  # the rule runs outside this vmap level, as in torch
    try:
        result = cls.vmap(info, in_dims, *phys, **kw)
    finally:
        _state.levels.append(entry)
        _state.levels.sort()
    if not isinstance(result, tuple) or len(result) != 2:
        raise RuntimeError("Expected the vmap staticmethod to have two returns, an output and "
                           "out_dims with pytree structure compatible with the output. Got a "
                           f"{type(result)} instead")
    output, out_dims = result
    leaves, spec = tree_flatten(output)
    if out_dims is None or (isinstance(out_dims, int) and not isinstance(out_dims, bool)):
        flat = [out_dims] * len(leaves)
    else:
        flat = broadcast_prefix(out_dims, spec, "out_dims")
        if flat is None:
            _, dims_spec = tree_flatten(out_dims)
            raise RuntimeError(
                "The autograd.Function's vmap staticmethod returned an incompatible (output, "
                f"out_dims) tuple. Expected out_dims={out_dims} to be compatible with the "
                f"structure of `output`. out_dims has structure {dims_spec} but output has "
                f"structure {spec}. " + _DOCS)
    wrapped = []
    for leaf, d in zip(leaves, flat):
        if d is None or not isinstance(leaf, Tensor):
            wrapped.append(leaf)  # the same for every sample
            continue
        nd = leaf.dim()
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-nd}, {nd - 1}], but got {d})")
        wrapped.append(wrap_dual(leaf, d % nd, level))
    return tree_unflatten(wrapped, spec)


# ------------------------------------------------------------------ generate_vmap_rule=True
def _batch_levels(args) -> list:
    found = set()
    for a in args:
        if a.__class__ is BatchedTensor:
            found.update(to_front(a)[1])
    return sorted(found)


def _nested_vmap(fn, in_dims, lvls):
    """``fn`` vmapped once per level of ``lvls`` (outermost first), each with that level's
    randomness: the physical tensors carry the levels' batch dims in front, in that order."""
    from ._api import vmap
    for lvl in reversed(lvls):
        fn = vmap(fn, in_dims=in_dims, randomness=level_randomness(lvl))
    return fn


def _inner_levels(k):
    return [lvl for lvl, _, _ in levels()[-k:]]


def _generated_call(cls, args, kwargs):
    if any(v.__class__ is BatchedTensor for v in kwargs.values()):
        raise RuntimeError(f"vmap over {cls.__name__} with generate_vmap_rule=True: pass the "
                           "batched tensors positionally")
    lvls = _batch_levels(args)
    phys, dims = [], []
    for a in args:
        if a.__class__ is BatchedTensor:
            phys.append(align(a, lvls))
            dims.append(0)
        else:
            phys.append(a)
            dims.append(None)
    meta = _Meta(cls, tuple(dims), lvls, kwargs)
    out = _GENERATED[0].apply(meta, *phys)
    if isinstance(out, tuple):
        return tuple(_wrap_out(o, lvls) if isinstance(o, Tensor) else o for o in out)
    return _wrap_out(out, lvls)


def _wrap_out(o, lvls):
    """A physical output seen at the levels ``lvls``; a tangent it carries (forward AD)
    is seen the same way."""
    from ...autograd import forward_ad as fw
    t = wrap_front(o, lvls)
    if fw._STATE.level >= 0:
        tangent = fw.tangent_of(o)
        if tangent is not None:
            fw.set_tangent(t, fw._untraced(lambda: levels_in_front(tangent, lvls)))
    return t


class _Meta:
    """What the generated Function needs besides the tensors (passed as its first arg)."""

    __slots__ = ("cls", "dims", "lvls", "kwargs")

    def __init__(self, cls, dims, lvls, kwargs):
        self.cls, self.dims, self.lvls, self.kwargs = cls, dims, lvls, kwargs


def _aligned(tensors, k):
    """Tensors seen inside the nested vmaps, as physical tensors with the k batch dims in
    front (a tensor the same for every sample is expanded: a view)."""
    inner = _inner_levels(k)
    return [None if t is None else align(t, inner) for t in tensors]


def _present(values):
    return [i for i, v in enumerate(values) if v is not None]


def _view_ctx(proxy, saved=None, forward_saved=None):
    from ...autograd.function import FunctionCtx
    view = FunctionCtx()
    view.__dict__.update({k: v for k, v in proxy.__dict__.items()
                          if k not in ("_saved", "_forward_saved", "_node", "_in_jvp")})
    if saved is not None:
        view.save_for_backward(*saved)
    if forward_saved is not None:
        view._forward_saved = tuple(forward_saved)
    return view


def _run_vmapped(body, batched, unbatched_positions, lvls):
    """``body`` over tensors ``batched`` (None entries left out of the vmap), vmapped over
    ``lvls``; ``unbatched_positions``: the entries that carry no batch dims (in_dim None)."""
    keep = _present(batched)

    def inner(*vals):
        full = [None] * len(batched)
        for i, v in zip(keep, vals):
            full[i] = v
        return body(full)
    dims = tuple(None if i in unbatched_positions else 0 for i in keep)
    depth = DUAL_DEPTH[0]
    DUAL_DEPTH[0] = 0  # these vmaps see primals or tangents alone, never duals
    try:
        return _nested_vmap(inner, dims, lvls)(*[batched[i] for i in keep])
    finally:
        DUAL_DEPTH[0] = depth


def _make_generated():
    from ...autograd.function import Function, FunctionCtx

    class GeneratedVmapRule(Function):
        """A generate_vmap_rule Function under vmap, on the physical tensors."""

        @staticmethod
        def forward(ctx, meta, *phys):
            cls, k = meta.cls, len(meta.lvls)
            proxy = FunctionCtx()
            proxy.needs_input_grad = tuple(ctx.needs_input_grad[1:])
            record = {}

            def body(vals):
                out = cls.forward(*vals, **meta.kwargs)
                cls.setup_context(proxy, tuple(vals), out)
                if proxy._dirty:
                    raise RuntimeError(f"vmap over {cls.__name__} with generate_vmap_rule="
                                       "True: in-place custom Functions (ctx.mark_dirty) are "
                                       "not supported under vmap")
                outs = out if isinstance(out, tuple) else (out,)
                nondiff = {id(t) for t in proxy._non_differentiable}
                record["nondiff"] = [i for i, o in enumerate(outs) if id(o) in nondiff]
                record["tuple"] = isinstance(out, tuple)
                saved = proxy._saved or []
                record["saved"] = _aligned([t for t, _, _ in saved], k)
                fwd = proxy.__dict__.get("_forward_saved")
                record["fwd"] = None if fwd is None else _aligned(fwd, k)
                return out
            unbatched = {i for i, d in enumerate(meta.dims) if d is None}
            out = _run_vmapped(body, list(phys), unbatched, meta.lvls)
            outs = out if isinstance(out, tuple) else (out,)
            ctx.save_for_backward(*record["saved"])
            ctx._meta, ctx._proxy, ctx._fwd = meta, proxy, record["fwd"]
            ctx.set_materialize_grads(proxy.materialize_grads)
            if record["nondiff"]:
                ctx.mark_non_differentiable(*[outs[i] for i in record["nondiff"]])
            return out

        @staticmethod
        def backward(ctx, *grads):
            meta, proxy = ctx._meta, ctx._proxy
            saved = list(ctx.saved_tensors)
            n, positions = len(saved), []

            def body(vals):
                view = _view_ctx(proxy, saved=vals[:n])
                res = meta.cls.backward(view, *vals[n:])
                res = res if isinstance(res, tuple) else (res,)
                positions[:] = _present(res)
                return tuple(res[i] for i in positions)
            outs = _run_vmapped(body, saved + list(grads), set(), meta.lvls)
            result = [None] * len(meta.dims)
            k = len(meta.lvls)
            for pos, g in zip(positions, outs):
                if pos < len(meta.dims) and meta.dims[pos] is None:
                    g = g.sum(tuple(range(k)))  # an input shared by every sample
                if pos < len(result):
                    result[pos] = g
            return (None, *result)

        @staticmethod
        def jvp(ctx, meta_tangent, *tangents):
            meta, proxy = ctx._meta, ctx._proxy
            fwd = list(ctx._fwd or ())
            n = len(fwd)

            record = {}

            def body(vals):
                view = _view_ctx(proxy, forward_saved=vals[:n])
                view._in_jvp = True
                res = meta.cls.jvp(view, *vals[n:])
                record["tuple"] = isinstance(res, tuple)
                res = res if record["tuple"] else (res,)
                record["n"], record["at"] = len(res), _present(res)
                return tuple(res[i] for i in record["at"])
            unbatched = {n + i for i, d in enumerate(meta.dims) if d is None}
            outs = _run_vmapped(body, fwd + list(tangents), unbatched, meta.lvls)
            result = [None] * record["n"]
            for i, t in zip(record["at"], outs):
                result[i] = t
            return tuple(result) if record["tuple"] else result[0]
    return GeneratedVmapRule


class _Lazy(list):
    def __getitem__(self, i):
        if not len(self):
            self.append(_make_generated())
        return list.__getitem__(self, i)


_GENERATED = _Lazy()
