"""Custom autograd Functions under the func transforms (torch's rules, extending.func):

- a Function without ``setup_context`` (``forward(ctx, ...)``) cannot be transformed;
- under vmap a Function runs its ``vmap`` staticmethod on the inputs' physical tensors
  (``vmap(info, in_dims, *args) -> (output, out_dims)``), or, with
  ``generate_vmap_rule = True``, its forward on the batched inputs; with neither it raises.

``Function.apply`` calls ``transform_hook`` (installed by chainrule.func) first."""
from __future__ import annotations

from typing import NamedTuple

from ..._tensor import Tensor
from .._autodiff import _depth
from .._pytree import broadcast_prefix, tree_flatten, tree_unflatten
from ._api import DUAL_DEPTH
from ._batched import BatchedTensor, _state, level_randomness, level_size, value_of, wrap

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
        return NotImplemented  # the forward runs on the batched inputs
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
        wrapped.append(wrap(leaf, d % nd, level))
    return tree_unflatten(wrapped, spec)
