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
from .views import SQUEEZE_INPLACE_DIM, UNSQUEEZE, alias, clone  # noqa: F401
