"""The batching interpreter: what ``dispatch`` calls while a vmap is active.

For an op with a batched argument, the highest level among its arguments is peeled: each
argument at that level becomes (value, bdim), the others (value, None); the op's batching
rule (``Op.batch``) computes the batched result on the values with ordinary ops, and the
result is wrapped back at that level. An op without a rule runs once per sample (a Python
loop over the batch, then a stack), with a one-time performance warning: slow, never wrong.
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...ops._dispatch import dispatch
from ._batched import BatchedTensor, LogicalArray, level_size, wrap

__all__ = ["handle", "loop_rule"]

_WARNED: set = set()


def handle(op, args, params):
    """Run ``op`` batched if any argument is batched; NotImplemented otherwise."""
    level = 0
    for a in args:
        if a.__class__ is BatchedTensor and a._level > level:
            level = a._level
    batched_params = False
    if params:
        for v in params.values():
            if v.__class__ is tuple:
                for item in v:
                    if item.__class__ is LogicalArray:
                        batched_params = True
                        level = max(level, item._bt._level)
            elif v.__class__ is LogicalArray:
                batched_params = True
                level = max(level, v._bt._level)
    if not level:
        return NotImplemented
    values, bdims = [], []
    for a in args:
        if a.__class__ is BatchedTensor and a._level == level:
            values.append(a._value)
            bdims.append(a._bdim)
        else:
            values.append(a)
            bdims.append(None)
    size = level_size(level)
    if "generator" in op.params:  # a sampling op (the in-place ones: uniform_, normal_ ...)
        return _random(op, values, bdims, params, size, level)
    rule = op.batch
    if rule is None or (batched_params and not getattr(rule, "batched_params", False)) or \
            any(v.__class__ is LogicalArray for v in values):
        rule = loop_rule
    out, out_bdim = rule(op, values, bdims, params, size, level)
    if out is NotImplemented:
        out, out_bdim = loop_rule(op, values, bdims, params, size, level)
    return _wrap_out(out, out_bdim, level)


def _random(op, values, bdims, params, size, level):
    """A sampling op under vmap's ``randomness``: 'error' refuses, 'same' draws once for
    every sample (ops whose tensor input gives only the shape), 'different' draws per
    sample."""
    from ._batched import level_randomness
    from ._functions import _RANDOM_ERROR, SAME_RANDOMNESS_ERROR
    mode = level_randomness(level)
    if mode == "error":
        raise RuntimeError(_RANDOM_ERROR)
    if mode == "same":
        if len(values) != 1:  # (bernoulli_ with a batched tensor p)
            raise RuntimeError(SAME_RANDOMNESS_ERROR)
        v, b = values[0], bdims[0]
        return _wrap_out(dispatch(op, (v if b is None else v.select(b, 0),), params), None,
                         level)
    out, out_bdim = loop_rule(op, values, bdims, params, size, level, warn=False)
    return _wrap_out(out, out_bdim, level)


def _wrap_out(out, bdim, level):
    if isinstance(out, Tensor):
        return out if bdim is None else wrap(out, bdim, level)
    if isinstance(bdim, int) or bdim is None:
        bdim = (bdim,) * len(out)
    return tuple(o if b is None else wrap(o, b, level) for o, b in zip(out, bdim))


def _sample_param(v, level, i):
    if v.__class__ is tuple:
        return tuple(_sample_param(item, level, i) for item in v)
    if v.__class__ is LogicalArray and v._bt._level == level:
        bt = v._bt
        return bt._value.select(bt._bdim, i)._data
    return v


def loop_rule(op, values, bdims, params, size, level, warn=True):
    """The fallback: the op once per sample, the results stacked along dim 0."""
    if warn and op.name not in _WARNED:
        _WARNED.add(op.name)
        warnings.warn(
            f"There is a performance drop because we have not yet implemented the batching "
            f"rule for {op.name}. Please file us an issue on GitHub so that we can prioritize "
            f"its implementation.", UserWarning, stacklevel=4)
    from ...ops.shape import stack
    results = []
    for i in range(size):
        args_i = tuple(v if b is None else v.select(b, i) for v, b in zip(values, bdims))
        params_i = ({k: _sample_param(v, level, i) for k, v in params.items()}
                    if params else params)
        results.append(dispatch(op, args_i, params_i))
    if not results:
        raise RuntimeError(f"vmap: cannot run {op.name} (which has no batching rule) over a "
                           "batch of size 0")
    if isinstance(results[0], Tensor):
        return stack(results), 0
    return tuple(stack([r[j] for r in results]) for j in range(len(results[0]))), 0
