"""Function-level batching: public functions whose Python code reads tensor data (the
losses' targets) or draws random numbers are marked ``batched_function`` in their op files;
inside vmap they come here. A function with a rule runs once on the batch; one without runs
once per sample (a loop, with a one-time performance warning). Random functions follow
vmap's ``randomness``: 'error' refuses, 'same' draws one sample for the whole batch,
'different' draws independently per sample."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...autograd import forward_ad as _fwd
from ._batched import (
    BatchedTensor,
    align,
    level_size,
    levels,
    to_front,
    value_of,
    wrap,
    wrap_dual,
    wrap_front,
)
from ._rules_util import front

__all__ = ["function_handler"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please "
                 "either use the 'same' or 'different' randomness flags on vmap or perform "
                 "the randomness operation out of vmap")
SAME_RANDOMNESS_ERROR = ("Vmap does not currently support same randomness with a batched "
                         "tensor input. Please file an issue with functorch")
_WARNED: set = set()


def _items(args, kwargs):
    for a in args:
        if a.__class__ in (tuple, list):
            yield from a
        else:
            yield a
    yield from kwargs.values()


def _top_level(args, kwargs) -> int:
    """The highest vmap level among the arguments and (under forward AD) their tangents."""
    level = 0
    fwd = _fwd._STATE.level >= 0
    for a in _items(args, kwargs):
        if a.__class__ is BatchedTensor and a._level > level:
            level = a._level
        if fwd and isinstance(a, Tensor):
            t = _fwd.tangent_of(a)
            if t.__class__ is BatchedTensor and t._level > level:
                level = t._level
    return level


def _select(a, level, i):
    """Sample ``i`` at ``level`` of an argument; under forward AD with its tangent's sample
    (value_of takes a batched dual's tangent down to its value; an unbatched dual whose
    tangent is batched, vmap(jvp(f)), becomes the dual of that tangent's sample)."""
    fwd = _fwd._STATE.level >= 0
    if a.__class__ is BatchedTensor and a._level == level:
        return (value_of(a) if fwd else a._value).select(a._bdim, i)
    if a.__class__ in (tuple, list):
        return a.__class__(_select(x, level, i) for x in a)
    if fwd and isinstance(a, Tensor):
        t = _fwd.tangent_of(a)
        if t.__class__ is BatchedTensor and t._level == level:
            return _fwd.make_dual(_fwd.unpack_dual(a).primal, t._value.select(t._bdim, i))
    return a


def _has_tangent(args, kwargs) -> bool:
    if _fwd._STATE.level < 0:
        return False
    return any(isinstance(a, Tensor) and _fwd.tangent_of(a) is not None
               for a in _items(args, kwargs))


def _stack_results(results, level):
    from ...ops.shape import stack
    first = results[0]
    if isinstance(first, Tensor):
        return wrap_dual(stack(results), 0, level)
    if isinstance(first, tuple):
        out = tuple(wrap_dual(stack([r[j] for r in results]), 0, level)
                    for j in range(len(first)))
        return _retuple(first, out)
    raise RuntimeError(f"vmap: cannot batch a function returning {type(first).__name__}")


def function_loop(name, fn, args, kwargs, level, warn=True):
    """``fn`` once per sample of ``level``, the results stacked."""
    if warn and name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"There is a performance drop because we have not yet implemented the "
                      f"batching rule for {name}. Please file us an issue on GitHub so that we "
                      "can prioritize its implementation.", UserWarning, stacklevel=4)
    results = []
    for i in range(level_size(level)):
        results.append(fn(*[_select(a, level, i) for a in args],
                          **{k: _select(v, level, i) for k, v in kwargs.items()}))
    return _stack_results(results, level)


def function_handler(name, fn, args, kwargs, random):
    if random:
        return _random(name, fn, args, kwargs)
    level = _top_level(args, kwargs)
    if not level:
        return fn(*args, **kwargs)

    raw = fn

    def fn(*a, **k):  # the function on values that may be batched at lower levels
        return function_handler(name, raw, a, k, random)
    rule = _RULES.get(name)
    if rule is not None and not _has_tangent(args, kwargs):  # rules see no tangents
        out = rule(fn, args, kwargs, level)
        if out is not NotImplemented:
            return out
    return function_loop(name, fn, args, kwargs, level)


# ---------------------------------------------------------------------------- randomness
def _random(name, raw, args, kwargs):
    def fn(*a, **k):  # lower-level batched arguments go round again
        return function_handler(name, raw, a, k, False) if _top_level(a, k) else raw(*a, **k)
    active = levels()
    modes = {mode for _, _, mode in active}
    if "error" in modes:
        raise RuntimeError(_RANDOM_ERROR)
    batched = _top_level(args, kwargs)
    if modes == {"same"}:
        if not batched:
            return fn(*args, **kwargs)
        if name in _SHAPE_ONLY:  # only the input's shape and dtype matter
            from ... import zeros
            x = args[0]
            return fn(zeros(tuple(x.shape), dtype=x.dtype), *args[1:], **kwargs)
        if name in _SHARED_SAMPLE:
            return raw(*args, **kwargs)  # one mask (noise) of the sample's shape, shared
        raise RuntimeError(SAME_RANDOMNESS_ERROR)
    if modes != {"different"}:
        raise RuntimeError("vmap: nested vmaps mixing randomness='same' and 'different' "
                           "around a random operation are not supported by chainrule")
    lvls = [lvl for lvl, _, _ in active]
    if name in _SHAPE_ONLY or (name in _ELEMENTWISE_MASK and args and
                               isinstance(args[0], Tensor)):
        x = args[0] if args else kwargs.get("input")
        phys = align(x, lvls)  # a batch dim for every level: independent draws everywhere
        return wrap_front(fn(phys, *args[1:], **kwargs), lvls)
    if not batched:  # a factory: one draw per sample of every level
        total = 1
        for lvl in lvls:
            total *= level_size(lvl)
        draws = [fn(*args, **kwargs) for _ in range(total)]
        from ...ops.shape import stack
        out = stack(draws)
        sizes = tuple(level_size(lvl) for lvl in lvls)
        return wrap_front(out.reshape(sizes + tuple(out.shape[1:])), lvls)
    result = function_loop(name, fn, args, kwargs, batched, warn=False)
    return result


_SHAPE_ONLY = ("rand_like", "randn_like", "randint_like")
# random functions whose draws have the sample's shape: with randomness='same' one draw is
# shared by every sample; the elementwise ones draw for the whole batch at once otherwise
_SHARED_SAMPLE = ("dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d",
                  "dropout2d", "dropout3d", "gumbel_softmax")
_ELEMENTWISE_MASK = ("dropout", "alpha_dropout")


# ---------------------------------------------------------------------------- losses
def _physical(t, level, size):
    if t.__class__ is BatchedTensor and t._level == level:
        return front(t._value, t._bdim)
    return front(t, None, size)


def _nll_rule(fn, args, kwargs, level):
    names = ("input", "target", "weight", "size_average", "ignore_index", "reduce",
             "reduction")
    bound = dict(zip(names, args))
    bound.update(kwargs)
    x, target = bound["input"], bound["target"]
    weight = bound.get("weight")
    if bound.get("size_average") is not None or bound.get("reduce") is not None:
        return NotImplemented
    if (weight is not None and weight.__class__ is BatchedTensor) or x.dim() > 2 or \
            target.dtype.is_floating_point:
        return NotImplemented
    reduction = bound.get("reduction", "mean")
    ignore_index = bound.get("ignore_index", -100)
    size = level_size(level)
    xb, tb = _physical(x, level, size), _physical(target, level, size)
    classes = xb.shape[-1]
    flat_x = xb.reshape(-1, classes)
    flat_t = tb.reshape(-1)
    losses = fn(flat_x, flat_t, weight, ignore_index=ignore_index, reduction="none")
    losses = losses.reshape(size, -1)
    if reduction == "none":
        return wrap(losses.reshape(tuple(tb.shape)), 0, level)
    total = losses.sum(1)
    if reduction == "sum":
        return wrap(total, 0, level)
    keep = (tb.reshape(size, -1) != ignore_index)
    if weight is not None:
        w = weight[flat_t.clamp(0, classes - 1)].reshape(size, -1)
        denom = (w * keep.to(w.dtype)).sum(1)
    else:
        denom = keep.to(losses.dtype).sum(1)
    return wrap(total / denom, 0, level)


def _cross_entropy_rule(fn, args, kwargs, level):
    names = ("input", "target", "weight", "size_average", "ignore_index", "reduce",
             "reduction", "label_smoothing")
    bound = dict(zip(names, args))
    bound.update(kwargs)
    x, target = bound["input"], bound["target"]
    if bound.get("label_smoothing", 0.0) or target.dtype.is_floating_point or x.dim() > 2 \
            or bound.get("size_average") is not None or bound.get("reduce") is not None:
        return NotImplemented
    from ...nn.functional import log_softmax, nll_loss
    logp = log_softmax(x, 0 if x.dim() == 1 else 1)
    return nll_loss(logp, target, bound.get("weight"),
                    ignore_index=bound.get("ignore_index", -100),
                    reduction=bound.get("reduction", "mean"))


def _einsum_rule(fn, args, kwargs, level):
    """einsum: the batch gets a subscript of its own, in front of every batched operand and
    of the output (one einsum for the whole batch)."""
    if kwargs or not args or not isinstance(args[0], str) or "->" not in args[0]:
        return NotImplemented
    equation = args[0].replace(" ", "")
    operands = args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    lhs, rhs = equation.split("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        return NotImplemented
    used = set(equation)
    label = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                 if c not in used)
    new_terms, new_ops = [], []
    for term, t in zip(terms, operands):
        if t.__class__ is BatchedTensor and t._level == level:
            new_terms.append(label + term)
            new_ops.append(front(t._value, t._bdim))
        else:
            new_terms.append(term)
            new_ops.append(t)
    out = fn(",".join(new_terms) + "->" + label + rhs, *new_ops)
    return wrap(out, 0, level)


def _wrap_result(out, level):
    if isinstance(out, Tensor):
        return wrap(out, 0, level)
    wrapped = tuple(wrap(o, 0, level) for o in out)
    return _retuple(out, wrapped)


def _retuple(like, items):
    """``items`` in ``like``'s tuple type (a namedtuple, a torch.return_types struct)."""
    if type(like) is tuple:
        return items
    if hasattr(type(like), "_make"):
        return type(like)(*items)
    return type(like)(items)


def _batched_at(t, level) -> bool:
    return t.__class__ is BatchedTensor and t._level == level


def _dim_rule(dim_pos, default, tensor_positions=(0,), flatten_none=False,
              shared_ok=(0,)):
    """Functions of (input, ..., dim, ...): the batch in front, ``dim`` shifted by one. The
    tensors at ``tensor_positions`` are batched alike (a shared one is expanded); those not
    in ``shared_ok`` must not be batched (index_select's index)."""
    def rule(fn, args, kwargs, level):
        args = list(args)
        kwargs = dict(kwargs)
        if kwargs.get("out") is not None or "other" in kwargs:
            return NotImplemented
        x = args[0]
        nd = x.dim()
        size = level_size(level)
        for i, a in enumerate(args):
            if i in tensor_positions:
                if i not in shared_ok:  # must not be batched; taken as it is
                    if _batched_at(a, level):
                        return NotImplemented
                elif isinstance(a, Tensor):
                    args[i] = _physical(a, level, size)
            elif isinstance(a, Tensor) and _batched_at(a, level):
                return NotImplemented
        if any(isinstance(a, Tensor) for a in kwargs.values()):
            return NotImplemented
        if "dim" in kwargs:
            dim = kwargs.pop("dim")
        elif len(args) > dim_pos:
            dim = args.pop(dim_pos)
        else:
            dim = default
        if isinstance(dim, Tensor):
            return NotImplemented
        if dim is None:
            if not flatten_none or kwargs.get("keepdim"):
                return NotImplemented
            out = fn(args[0].reshape(size, -1), 1, *args[1:], **kwargs)
            return wrap(out[0] if isinstance(out, tuple) else out, 0, level)
        if nd == 0 or not isinstance(dim, int):
            return NotImplemented
        d = dim % nd + 1
        args.insert(dim_pos, d)
        return _wrap_result(fn(*args, **kwargs), level)
    return rule


def _mse_rule(fn, args, kwargs, level):
    names = ("input", "target", "size_average", "reduce", "reduction", "weight")
    bound = dict(zip(names, args))
    bound.update(kwargs)
    if bound.get("size_average") is not None or bound.get("reduce") is not None or \
            bound.get("weight") is not None:
        return NotImplemented
    size = level_size(level)
    x, t = _physical(bound["input"], level, size), _physical(bound["target"], level, size)
    if tuple(x.shape) != tuple(t.shape):
        return NotImplemented
    losses = fn(x, t, reduction="none")
    reduction = bound.get("reduction", "mean")
    if reduction == "none" or losses.dim() == 1:
        return wrap(losses, 0, level)
    dims = tuple(range(1, losses.dim()))
    return wrap(losses.mean(dims) if reduction == "mean" else losses.sum(dims), 0, level)


def _embedding_rule(fn, args, kwargs, level):
    if len(args) > 1 and _batched_at(args[1], level) or _batched_at(kwargs.get("weight"), level):
        return NotImplemented
    args = list(args)
    args[0] = _physical(args[0], level, level_size(level))
    return _wrap_result(fn(*args, **kwargs), level)


def _conv_batched_weight(fn, args, kwargs, level, spatial):
    """conv with a batch of weights (per-sample gradients, ensembles): one grouped conv,
    the batch folded into the channels (B * groups groups), as functorch does."""
    names = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
    bound = dict(zip(names, args))
    bound.update(kwargs)
    if set(bound) - set(names):
        return NotImplemented
    x, w, b = bound["input"], bound["weight"], bound.get("bias")
    groups = bound.get("groups", 1)
    size = level_size(level)
    unbatched = x.dim() == spatial + 1
    xb = _physical(x, level, size)                       # (B, [N,] C, *S)
    if unbatched:
        xb = xb.unsqueeze(1)
    n, c = xb.shape[1], xb.shape[2]
    xf = xb.movedim(0, 1).reshape((n, size * c) + tuple(xb.shape[3:]))
    wb = _physical(w, level, size)                       # (B, O, C / groups, *K)
    wf = wb.reshape((size * wb.shape[1],) + tuple(wb.shape[2:]))
    bf = None if b is None else _physical(b, level, size).reshape(-1)
    rest = {k: bound[k] for k in ("stride", "padding", "dilation") if k in bound}
    out = fn(xf, wf, bf, groups=groups * size, **rest)   # (N, B * O, *S')
    out = out.reshape((n, size, wb.shape[1]) + tuple(out.shape[2:])).movedim(1, 0)
    return wrap(out.squeeze(1) if unbatched else out, 0, level)


def _spatial_rule(spatial, name):
    """conv and pooling: a batch of (N, C, *spatial) inputs is one (B * N, C, ...) call; a
    batch of unbatched (C, *spatial) inputs one (B, C, ...) call. Weights must be shared."""
    def rule(fn, args, kwargs, level):
        for a in list(args[1:]) + list(kwargs.values()):
            if _batched_at(a, level):
                if name.startswith("conv"):
                    return _conv_batched_weight(fn, args, kwargs, level, spatial)
                return NotImplemented
        x = args[0]
        size = level_size(level)
        phys = _physical(x, level, size)
        if x.dim() == spatial + 1:
            return _wrap_result(fn(phys, *args[1:], **kwargs), level)
        if x.dim() != spatial + 2:
            return NotImplemented
        n = x.shape[0]
        out = fn(phys.reshape((size * n,) + tuple(phys.shape[2:])), *args[1:], **kwargs)
        if isinstance(out, Tensor):
            return wrap(out.reshape((size, n) + tuple(out.shape[1:])), 0, level)
        return tuple(wrap(o.reshape((size, n) + tuple(o.shape[1:])), 0, level) for o in out)
    return rule


_RULES = {"nll_loss": _nll_rule, "cross_entropy": _cross_entropy_rule, "einsum": _einsum_rule,
          "mse_loss": _mse_rule, "embedding": _embedding_rule,
          "max": _dim_rule(1, None, flatten_none=True),
          "min": _dim_rule(1, None, flatten_none=True),
          "argmax": _dim_rule(1, None, flatten_none=True),
          "argmin": _dim_rule(1, None, flatten_none=True),
          "median": _dim_rule(1, None, flatten_none=True),
          "nanmedian": _dim_rule(1, None, flatten_none=True),
          "mode": _dim_rule(1, -1), "kthvalue": _dim_rule(2, -1), "sort": _dim_rule(1, -1),
          "argsort": _dim_rule(1, -1), "topk": _dim_rule(2, -1), "cummax": _dim_rule(1, None),
          "cummin": _dim_rule(1, None),
          "gather": _dim_rule(1, None, (0, 2), shared_ok=(0, 2)),
          "scatter": _dim_rule(1, None, (0, 2, 3), shared_ok=(0, 2, 3)),
          "scatter_add": _dim_rule(1, None, (0, 2, 3), shared_ok=(0, 2, 3)),
          "take_along_dim": _dim_rule(2, None, (0, 1), shared_ok=(0, 1)),
          "index_select": _dim_rule(1, None, (0, 2), shared_ok=(0,))}
for _n, _s in (("conv1d", 1), ("conv2d", 2), ("conv3d", 3), ("max_pool1d", 1),
               ("max_pool2d", 2), ("max_pool3d", 3), ("max_pool1d_with_indices", 1),
               ("max_pool2d_with_indices", 2), ("max_pool3d_with_indices", 3),
               ("avg_pool1d", 1), ("adaptive_max_pool1d", 1), ("adaptive_max_pool2d", 2),
               ("adaptive_max_pool3d", 3), ("adaptive_max_pool1d_with_indices", 1),
               ("adaptive_max_pool2d_with_indices", 2), ("adaptive_max_pool3d_with_indices", 3)):
    _RULES[_n] = _spatial_rule(_s, _n)

del to_front
