"""chainrule: PyTorch's autograd rebuilt in pure Python on NumPy.

Use it as a drop-in: ``import chainrule as torch``.
"""
from __future__ import annotations

import warnings as _warnings

# torch turns overflow and 0/0 into inf and nan silently; NumPy warns. Silence NumPy's
# floating-point warnings where chainrule's own code raises them, and nowhere else.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule(\.|$)",
                         message=r".*(overflow|invalid value|divide by zero|underflow) "
                                 r"encountered")

from . import _dtypes
from ._creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                        get_rng_state, initial_seed, linspace, logspace, manual_seed, ones,
                        ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
                        randperm, scalar_tensor, seed, set_rng_state, tensor, zeros, zeros_like)
from ._dtypes import dtype, get_default_dtype, promote_types, set_default_dtype
from ._printing import get_printoptions, printoptions, set_printoptions
from ._size import Size
from ._tensor import Tensor
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .backend import device
from . import ops as _ops
from . import autograd  # noqa: E402
from . import special  # noqa: E402

__version__ = "0.1.0"

globals().update(_ops.public_functions)

# dtypes, with torch's aliases
bool = _dtypes.bool_  # noqa: A001 - torch's name
uint8, int8, int16, int32, int64 = (_dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32,
                                    _dtypes.int64)
float16, float32, float64 = _dtypes.float16, _dtypes.float32, _dtypes.float64
complex64, complex128 = _dtypes.complex64, _dtypes.complex128
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128


def is_tensor(obj) -> bool:
    """True when ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def result_type(tensor1, tensor2):
    from .ops.pointwise import _promoted_dtype
    return _promoted_dtype(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    return promote_types(from_, to) is to or (from_.is_floating_point and to.is_floating_point
                                              and from_.itemsize <= to.itemsize)


def __getattr__(name):
    # nn, optim and utils load on first use, keeping `import chainrule` light.
    import importlib
    if name in ("nn", "optim", "utils"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
