"""Shape and movement ops, one module a family: views (view, reshape, transpose, permute,
expand, squeeze, movedim, ...), inplace_views (t_, squeeze_, ...), join (stack, cat,
atleast_nd, hstack, ...), split (split, chunk, tensor_split, ...), slices (narrow, select,
the scatters, unfold), movement (flip, roll, rot90, repeat, repeat_interleave), diag
(diagonals, triangles, block_diag), combine (meshgrid, cartesian_prod, broadcasting),
copies (the *_copy forms) and convert (dtype conversions)."""
from __future__ import annotations

from . import (  # noqa: F401
    combine,
    convert,
    copies,
    diag,
    inplace_views,
    join,
    movement,
    slices,
    split,
    views,
)

# The names the flat ops/shape.py had, so `from ..shape import cat` keeps working.
from .convert import TO_COPY, cast, to_dtype_op  # noqa: F401
from .join import CAT, STACK, UNBIND, cat, concat, concatenate, split_sizes, stack, unbind  # noqa: F401
from .views import (  # noqa: F401
    ALIAS,
    CLONE,
    EXPAND,
    PERMUTE,
    SQUEEZE,
    SQUEEZE_DIM,
    SQUEEZE_DIMS,
    SQUEEZE_INPLACE_DIM,
    TRANSPOSE,
    UNSAFE_VIEW,
    UNSQUEEZE,
    VIEW,
    T,
    alias,
    broadcast_to,
    clone,
    contiguous,
    expand,
    flatten,
    permute,
    reshape,
    squeeze,
    swapaxes,
    swapdims,
    t,
    transpose,
    unsqueeze,
    unsqueeze_dims,
    view,
)
