"""Function-level batching: public functions whose Python code reads tensor data (the
losses' targets) or draws random numbers are marked ``batched_function`` in their op files;
inside vmap they come here. A function with a rule runs once on the batch; one without runs
once per sample (a loop, with a one-time performance warning). Random functions follow
vmap's ``randomness``: 'error' refuses, 'same' draws one sample for the whole batch,
'different' draws independently per sample."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ._batched import BatchedTensor, align, level_size, levels, to_front, wrap, wrap_front
from ._rules_util import front

__all__ = ["function_handler"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please "
                 "either use the 'same' or 'different' randomness flags on vmap or perform "
                 "the randomness operation out of vmap")
_WARNED: set = set()


def _items(args, kwargs):
    for a in args:
        if a.__class__ in (tuple, list):
            yield from a
        else:
            yield a
    yield from kwargs.values()


def _top_level(args, kwargs) -> int:
    level = 0
    for a in _items(args, kwargs):
        if a.__class__ is BatchedTensor and a._level > level:
            level = a._level
    return level


def _select(a, level, i):
    if a.__class__ is BatchedTensor and a._level == level:
        return a._value.select(a._bdim, i)
    if a.__class__ in (tuple, list):
        return a.__class__(_select(x, level, i) for x in a)
    return a


def _stack_results(results, level):
    from ...ops.shape import stack
    first = results[0]
    if isinstance(first, Tensor):
        return wrap(stack(results), 0, level)
    if isinstance(first, tuple):
        out = tuple(wrap(stack([r[j] for r in results]), 0, level) for j in range(len(first)))
        return type(first)(*out) if hasattr(first, "_fields") else out
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
    rule = _RULES.get(name)
    if rule is not None:
        out = rule(fn, args, kwargs, level)
        if out is not NotImplemented:
            return out
    return function_loop(name, fn, args, kwargs, level)


# ---------------------------------------------------------------------------- randomness
def _random(name, fn, args, kwargs):
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
        if name == "dropout":
            return fn(*args, **kwargs)  # one mask of the sample's shape, shared
        raise RuntimeError(f"vmap: {name} of a batched tensor with randomness='same' is not "
                           "supported by chainrule; use randomness='different'")
    if modes != {"different"}:
        raise RuntimeError("vmap: nested vmaps mixing randomness='same' and 'different' "
                           "around a random operation are not supported by chainrule")
    lvls = [lvl for lvl, _, _ in active]
    if name in _SHAPE_ONLY or (name == "dropout" and args and isinstance(args[0], Tensor)):
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


_RULES = {"nll_loss": _nll_rule, "cross_entropy": _cross_entropy_rule}

del to_front
