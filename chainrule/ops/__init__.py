"""All ops. Importing this package registers every op and attaches Tensor methods."""
from __future__ import annotations

from . import _inplace, indexing, linalg, nn, pointwise, reduction, shape  # noqa: F401
from . import scatter  # noqa: F401
from . import sorting  # noqa: F401
from . import random  # noqa: F401
from . import strided  # noqa: F401
from . import complex_ops, elementwise, integer, polynomials, special  # noqa: F401
from . import inplace_forms, numeric, selection, statistics, strided_scatter  # noqa: F401
from . import spectral_stft  # noqa: F401
from . import _jvp  # noqa: F401  (forward-mode rules, and unpack_dual's op)
from ._broadcast import sum_to_shape
from ._registry import INTERNAL, OPS, PUBLIC, dispatch, expose

expose(sum_to_shape, method=False, internal=True)
from .._creation import zeros as _zeros  # noqa: E402

expose(_zeros, name="zeros", method=False, internal=True)
from .._creation import zeros_like as _zeros_like  # noqa: E402

expose(_zeros_like, name="zeros_like", method=False, internal=True)  # zero_grad's F.zeros_like

# Internal names (backward-vocabulary helpers, nn.functional) stay out of the torch namespace.
public_functions = {name: fn for name, fn in PUBLIC.items() if name not in INTERNAL}

__all__ = ["OPS", "PUBLIC", "dispatch", "public_functions"]
