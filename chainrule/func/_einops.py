"""torch.func's small helpers beyond the transforms: ``rearrange`` (einops' element
reordering, as torch.func ships it natively), ``functionalize``, ``debug_unwrap`` and
``replace_all_batch_norm_modules_``."""
from __future__ import annotations

import functools

from .._tensor import Tensor

__all__ = ["rearrange", "functionalize", "debug_unwrap", "replace_all_batch_norm_modules_"]


class DimensionBindError(Exception):
    """A dimension's size cannot be worked out from the pattern and the lengths given."""


_ELLIPSIS = "..."


def _parse_side(text: str) -> list:
    """A side of a pattern as a list of groups: each a list of axis names (an empty list for
    ``()`` or ``1``), or the string '...'."""
    groups: list = []
    current = None
    for token in text.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError("Nested parentheses are not allowed in a rearrange pattern")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError("Unbalanced parentheses in a rearrange pattern")
            groups.append(current)
            current = None
        elif token == _ELLIPSIS:
            if _ELLIPSIS in _names(groups) or (current and _ELLIPSIS in current):
                raise ValueError("Expression may contain dots only inside ellipsis (...)")
            if current is None:
                groups.append(_ELLIPSIS)
            else:
                current.append(_ELLIPSIS)  # the ellipsis dims merged into one
        elif token == "1":  # an axis of length 1 (inside a group it changes nothing)
            if current is None:
                groups.append([])
        elif token.isidentifier():
            if current is None:
                groups.append([token])
            else:
                current.append(token)
        else:
            raise ValueError(f"Invalid axis identifier: {token}")
    if current is not None:
        raise ValueError("Unbalanced parentheses in a rearrange pattern")
    return groups


def _names(groups) -> list:
    out = []
    for g in groups:
        out.extend([g] if g == _ELLIPSIS else g)
    return out


def _expand(group, ell_names) -> list:
    """A group's axis names with the ellipsis spelled out as its dims."""
    if group == _ELLIPSIS:
        return list(ell_names)
    out = []
    for n in group:
        out.extend(ell_names if n == _ELLIPSIS else [n])
    return out


def rearrange(tensor, pattern: str, **axes_lengths: int) -> Tensor:
    """einops' ``rearrange``: reorder, split, merge, squeeze and unsqueeze dims by a pattern
    such as ``"b c (h p) w -> b (c p) h w"`` (a list of tensors is stacked first).

    >>> import chainrule as torch
    >>> from chainrule.func import rearrange
    >>> rearrange(torch.zeros(32, 30, 40, 3), "b h w c -> b (c h w)").shape
    torch.Size([32, 3600])
    """
    from ..ops.shape import stack
    if isinstance(tensor, (list, tuple)):
        tensor = stack(list(tensor))
    if pattern.count("->") != 1:
        raise ValueError("Pattern must contain a single '->' separator")
    left_text, right_text = pattern.split("->")
    left, right = _parse_side(left_text), _parse_side(right_text)
    lnames, rnames = _names(left), _names(right)
    for side in (lnames, rnames):
        seen = set()
        for n in side:
            if n in seen and n != _ELLIPSIS:
                raise ValueError(f"Indexing expression contains duplicate dimension '{n}'")
            seen.add(n)
    if (_ELLIPSIS in rnames) and (_ELLIPSIS not in lnames):
        raise ValueError(f"Ellipsis found in right side, but not left side of a pattern "
                         f"{pattern}")
    one_side = (set(lnames) ^ set(rnames)) - {_ELLIPSIS}
    if one_side:
        raise ValueError(f"Identifiers only on one side of rearrange expression (should be on "
                         f"both): {one_side}")
    unknown = set(axes_lengths) - set(lnames)
    if unknown:
        raise ValueError(f"Identifiers not found in rearrange expression: {unknown}")
    shape = tuple(tensor.shape)
    n_ell = len(shape) - (len(left) - (1 if _ELLIPSIS in left else 0))
    if (n_ell < 0) or (_ELLIPSIS not in left and n_ell != 0):
        raise ValueError(f"Number of dimensions in pattern ({len(left)}) must be equal to the "
                         f"number of dimensions in the tensor ({len(shape)})")
    ell_names = [f"...{i}" for i in range(n_ell)]
    ids = {n: f"d{i}" for i, n in enumerate(n for n in lnames if n != _ELLIPSIS)}
    sizes: dict = {}
    dim = 0
    for g in left:
        if g == _ELLIPSIS:
            for name in ell_names:
                sizes[name] = shape[dim]
                dim += 1
            continue
        if _ELLIPSIS in g:
            raise ValueError("Ellipsis inside parenthesis in the left side is not allowed")
        _bind(g, shape[dim], sizes, axes_lengths, ids)
        dim += 1
    elementary = [n for g in left for n in _expand(g, ell_names)]
    target = [n for g in right for n in _expand(g, ell_names)]
    x = tensor.reshape(tuple(sizes[n] for n in elementary))
    order = [elementary.index(n) for n in target]
    if order != list(range(len(order))):
        x = x.permute(order)
    out_shape = []
    for g in right:
        if g == _ELLIPSIS:
            out_shape.extend(sizes[n] for n in ell_names)
        else:
            size = 1
            for n in _expand(g, ell_names):
                size *= sizes[n]
            out_shape.append(size)
    return x.reshape(tuple(out_shape))


def _bind(group, size, sizes, axes_lengths, ids) -> None:
    """The sizes of one left-side group's axes, whose product is the dim's ``size``."""
    known, missing = 1, []
    for n in group:
        if n in axes_lengths:
            sizes[n] = int(axes_lengths[n])
            known *= sizes[n]
        else:
            missing.append(n)
    if not group:
        if size != 1:
            raise DimensionBindError(f"an axis of length 1 in the pattern has length {size}")
        return
    if len(missing) > 1:
        raise DimensionBindError(f"cannot infer the sizes of two dimensions at once "
                                 f"{ids[missing[0]]} and {ids[missing[1]]}")
    if missing:
        if known == 0 or size % known:
            given = tuple(axes_lengths.get(n, "?") for n in group)
            raise DimensionBindError(f"inferred dimension does not evenly fit into larger "
                                     f"dimension: {size} vs {given}")
        sizes[missing[0]] = size // known
    elif known != size:
        raise DimensionBindError(f"the lengths given for {tuple(group)} multiply to {known}, "
                                 f"but the dimension has size {size}")


def functionalize(func, *, remove: str = "mutations"):
    """torch.func.functionalize: ``func`` with its intermediate mutations removed. chainrule
    runs eagerly without a tracer, where removing them changes no result (mutations of the
    inputs still reach the inputs, as torch copies them back): the function runs as is."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument "
                           f"for remove={remove}. Valid options are:\n     remove='mutations': "
                           "all inplace and out= operators will be removed from the program, "
                           "and replaced with their out-of-place equivalents.\n     "
                           "remove='mutations_and_views': In addition to the above, all "
                           "aliasing operators {view} will be replaced with their non-aliasing "
                           "counterparts, {view}_copy.\n")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


def debug_unwrap(tensor, *, recurse: bool = True):
    """The plain tensor under vmap's wrappers (one level, or all with ``recurse``)."""
    from ._vmap._batched import BatchedTensor
    if not isinstance(tensor, Tensor) or tensor.__class__ is not BatchedTensor:
        return tensor
    inner = tensor._value
    return debug_unwrap(inner) if recurse else inner


def replace_all_batch_norm_modules_(root):
    """Make every BatchNorm module in ``root`` stop tracking running statistics (their
    buffers become None, as for vmap over a model), in place; returns ``root``."""
    from ..nn.modules.batchnorm import _BatchNorm
    for module in root.modules():
        if isinstance(module, _BatchNorm):
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
