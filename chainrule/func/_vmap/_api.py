"""``vmap``: in_dims/out_dims over pytrees, chunk_size, randomness, nesting."""
from __future__ import annotations

import functools

from ..._tensor import Tensor
from ...ops import _dispatch
from .._pytree import broadcast_prefix, tree_flatten, tree_unflatten
from ._batched import BatchedTensor, _state, value_of, wrap_dual
from ._functions import function_handler
from ._handler import handle
from ._inplace import inplace_handler
from ._rules_util import front

__all__ = ["vmap"]

_RULES_READY = []


def _ensure_rules():
    if not _RULES_READY:
        from ._rules import register
        register()
        _RULES_READY.append(True)


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """Vectorise ``func`` over a dimension of its inputs (torch.func.vmap).

    >>> import chainrule as torch
    >>> x = torch.arange(6.).reshape(2, 3)
    >>> torch.func.vmap(torch.dot)(x, x)
    tensor([ 5., 50.])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")
    _ensure_rules()

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return _vmap_call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs)
    return wrapped


def _check_in_dims(func, in_dims, args):
    name = _name(func)
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. "
                         "The latter is unsupported.")
    if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` "
                         "to be int or a (potentially nested) tuple matching the structure of "
                         f"inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected one "
                         f"in_dim per input (got {len(args)} inputs) of {name}")
    leaves, spec = tree_flatten(args)
    flat_dims = broadcast_prefix(in_dims if isinstance(in_dims, tuple) else
                                 (in_dims,) * len(args), spec, "in_dims")
    if flat_dims is None:
        _, dims_spec = tree_flatten(in_dims)
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                         f"compatible with the structure of `inputs`. in_dims has structure "
                         f"{dims_spec} but inputs has structure {spec}.")
    size = None
    sizes = []
    for leaf, d in zip(leaves, flat_dims):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             "for an input but in_dim must be either an integer dimension or "
                             "None.")
        if not isinstance(leaf, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             f"for an input but the input is of type {type(leaf)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the "
                             "respective in_dim")
        nd = leaf.dim()
        if not -nd <= d < nd:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             f"for some input, but that input is a Tensor of dimensionality "
                             f"{nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}.")
        sizes.append(leaf.shape[d])
    if not sizes:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one "
                         "input must be batched: vmap needs a Tensor input with a non-None "
                         "in_dim")
    size = sizes[0]
    if any(s != size for s in sizes):
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return leaves, spec, [None if d is None else d % leaves[i].dim()
                          for i, d in enumerate(flat_dims)], size


def _vmap_call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs):
    leaves, spec, flat_dims, size = _check_in_dims(func, in_dims, args)
    if chunk_size is not None and chunk_size < size:
        return _chunked(func, in_dims, out_dims, randomness, chunk_size, leaves, spec,
                        flat_dims, size, kwargs)
    return _run(func, out_dims, randomness, leaves, spec, flat_dims, size, kwargs)


class NeedsDoubleVJP(Exception):
    """Raised when a vmap (or a reverse transform) starts while func.jvp / jacfwd /
    linearize run ``func`` on dual tensors: the batching rules would drop the tangents, so
    the caller reruns ``func`` on the double-vjp route."""


DUAL_DEPTH = [0]  # how many func.jvp-style dual passes are running


def _run(func, out_dims, randomness, leaves, spec, flat_dims, size, kwargs):
    state = _state
    level = state.next_level
    state.next_level += 1
    state.levels.append((level, size, randomness))
    previous = _dispatch.batching.current
    _dispatch.batching.current = handle
    _dispatch.batching.function = function_handler
    _dispatch.batching.inplace = inplace_handler
    try:
        batched = [leaf if d is None else wrap_dual(leaf, d, level)  # (tangents too)
                   for leaf, d in zip(leaves, flat_dims)]
        out = func(*tree_unflatten(batched, spec), **kwargs)
        return _unwrap_outputs(func, out, out_dims, level, size)
    finally:
        state.levels.pop()
        state.next_level -= 1
        if not state.levels:
            _dispatch.batching.current = previous


def _unwrap_outputs(func, out, out_dims, level, size):
    name = _name(func)
    leaves, spec = tree_flatten(out)
    if isinstance(out_dims, (int, type(None))) and not isinstance(out_dims, bool):
        flat = [out_dims] * len(leaves)
    else:
        flat = broadcast_prefix(out_dims, spec, "out_dims")
        if flat is None:
            _, dims_spec = tree_flatten(out_dims)
            raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is "
                             f"not compatible with the structure of `outputs`. out_dims has "
                             f"structure {dims_spec} but outputs has structure {spec}.")
    result = []
    for leaf, d in zip(leaves, flat):
        if not isinstance(leaf, Tensor):
            if d is None:
                result.append(leaf)
                continue
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(leaf)}. Did you mean to set out_dims= to None for output?")
        batched = leaf.__class__ is BatchedTensor and leaf._level == level
        if d is None:
            if batched:
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
            result.append(leaf)
            continue
        if batched:
            value = front(value_of(leaf), leaf._bdim)
        else:  # not batched at this level: every sample returned the same tensor
            value = front(leaf, None, size)
        nd = value.dim()
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-nd}, {nd - 1}], but got {d})")
        d %= nd
        result.append(value if d == 0 else value.movedim(0, d))
    return tree_unflatten(result, spec)


def _chunked(func, in_dims, out_dims, randomness, chunk_size, leaves, spec, flat_dims, size,
             kwargs):
    from ...ops.shape import cat
    pieces = []
    for start in range(0, size, chunk_size):
        n = min(chunk_size, size - start)
        chunk = [leaf if d is None else leaf.narrow(d, start, n)
                 for leaf, d in zip(leaves, flat_dims)]
        pieces.append(_run(func, out_dims, randomness, chunk, spec, flat_dims, n, kwargs))
    first_leaves, out_spec = tree_flatten(pieces[0])
    if isinstance(out_dims, (int, type(None))):
        flat_out = [out_dims] * len(first_leaves)
    else:
        flat_out = broadcast_prefix(out_dims, out_spec, "out_dims")
    per_piece = [tree_flatten(p)[0] for p in pieces]
    joined = []
    for j, d in enumerate(flat_out):
        if d is None:
            joined.append(per_piece[0][j])
        else:
            joined.append(cat([p[j] for p in per_piece], dim=d))
    return tree_unflatten(joined, out_spec)
