"""All ops. Importing this package registers every op and attaches Tensor methods."""
from __future__ import annotations

from . import _inplace, indexing, linalg, nn, pointwise, reduction, shape  # noqa: F401
from ._broadcast import sum_to_shape
from ._registry import OPS, PUBLIC, dispatch, expose

expose(sum_to_shape, method=False)
from .._creation import zeros as _zeros  # noqa: E402

expose(_zeros, name="zeros", method=False)

# The backward vocabulary's internal helpers are not part of the torch namespace.
_INTERNAL = {"sum_to_shape", "cast", "unsqueeze_dims", "index_scatter", "index_raw", "zero_at",
             "split_sizes", "_unsafe_view", "zeros", "keep_where", "alias", "threshold_backward",
             "linear", "mse_loss", "mse_loss_backward"}  # the last three: nn.functional
public_functions = {name: fn for name, fn in PUBLIC.items() if name not in _INTERNAL}

__all__ = ["OPS", "PUBLIC", "dispatch", "public_functions"]
