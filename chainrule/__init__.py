"""chainrule: PyTorch's autograd rebuilt in pure Python on NumPy.

Use it as a drop-in: ``import chainrule as torch``.
"""
from __future__ import annotations

import warnings as _warnings
from typing import TYPE_CHECKING as _TYPE_CHECKING

# torch turns overflow and 0/0 into inf and nan silently; NumPy warns. Silence NumPy's
# floating-point warnings where chainrule's own code raises them, and nowhere else.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule(\.|$)",
                         message=r".*(overflow|invalid value|divide by zero|underflow) "
                                 r"encountered")

from . import _dtypes
from ._creation import (arange, as_tensor, asarray, empty, empty_like, empty_strided, eye,
                        from_numpy, frombuffer, full, full_like, linspace, logspace, ones,
                        ones_like, scalar_tensor, tensor, zeros, zeros_like)
from ._dtypes import dtype, get_default_dtype, promote_types
from ._printing import get_printoptions, printoptions, set_printoptions
from ._size import Size
from ._tensor import Tensor
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .backend import device
from . import ops as _ops
from . import autograd  # noqa: E402
from . import return_types  # noqa: E402, F401
from . import linalg  # noqa: E402
from ._device import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                      get_default_device, jagged, layout, memory_format, preserve_format,
                      set_default_device, sparse_bsc, sparse_bsr, sparse_coo, sparse_csc,
                      sparse_csr, strided)
from ._generator import (Generator, default_generator, get_rng_state,  # noqa: E402
                         initial_seed, manual_seed, seed, set_rng_state)
from .ops.random import (rand, rand_like, randint, randint_like, randn,  # noqa: E402
                         randn_like, randperm)
from ._config import (are_deterministic_algorithms_enabled, finfo,  # noqa: E402
                      get_deterministic_debug_mode, get_float32_matmul_precision,
                      get_num_interop_threads, get_num_threads, iinfo,
                      is_deterministic_algorithms_warn_only_enabled, is_warn_always_enabled,
                      set_default_dtype, set_default_tensor_type, set_deterministic_debug_mode,
                      set_float32_matmul_precision, set_num_interop_threads, set_num_threads,
                      set_warn_always, use_deterministic_algorithms)
from ._tensor_api import (get_device, is_complex, is_floating_point,  # noqa: E402
                          is_nonzero, numel, typename)
from ._legacy import LEGACY_TYPES as _LEGACY_TYPES  # noqa: E402
from .storage import TypedStorage, UntypedStorage, is_storage  # noqa: E402
from . import random  # noqa: E402
from . import special  # noqa: E402
from . import multiprocessing  # noqa: E402 - tensors cross processes via shared memory
from ._misc import (e, empty_permuted, has_lapack, has_mkl, has_openmp,  # noqa: E402
                    has_spectral, inf, is_distributed, is_inference, is_same_size, is_signed,
                    nan, newaxis, pi, set_flush_denormal)
from .storage import LEGACY_STORAGES as _LEGACY_STORAGES  # noqa: E402
from .ops.spectral_windows import (bartlett_window, blackman_window,  # noqa: E402
                                   hamming_window, hann_window, kaiser_window)
from .ops.linalg.lowrank import lobpcg, pca_lowrank, svd_lowrank  # noqa: E402
from ._dlpack import from_dlpack, to_dlpack  # noqa: E402
from .ops.nn.rnn import (gru, gru_cell, lstm, lstm_cell, rnn_relu,  # noqa: E402
                         rnn_relu_cell, rnn_tanh, rnn_tanh_cell)
from .serialization import load, save  # noqa: E402 - torch's zip format

__version__ = "0.1.0"

globals().update(_ops.public_functions)

# dtypes, with torch's aliases
bool = _dtypes.bool_  # noqa: A001 - torch's name
uint8, int8, int16, int32, int64 = (_dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32,
                                    _dtypes.int64)
float16, float32, float64 = _dtypes.float16, _dtypes.float32, _dtypes.float64
complex64, complex128 = _dtypes.complex64, _dtypes.complex128
uint16, uint32, uint64 = _dtypes.uint16, _dtypes.uint32, _dtypes.uint64
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128
bfloat16 = _dtypes.bfloat16  # needs ml_dtypes (extra "bfloat16") to make tensors


def is_tensor(obj) -> bool:
    """True when ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def result_type(tensor1, tensor2):
    from .ops.pointwise import _promoted_dtype
    return _promoted_dtype(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    return promote_types(from_, to) is to or (from_.is_floating_point and to.is_floating_point
                                              and from_.itemsize <= to.itemsize)


globals().update(_LEGACY_TYPES)  # torch.FloatTensor, torch.LongTensor ...
globals().update({_s.__name__: _s for _s in _LEGACY_STORAGES.values()})  # torch.FloatStorage ...
from ._misc import range  # noqa: E402, A004 - torch.range shadows the builtin from here on
from .autograd.anomaly_mode import (is_anomaly_check_nan_enabled,  # noqa: E402 - autotools
                                    is_anomaly_enabled, set_anomaly_enabled)

_LAZY_MODULES = ("nn", "optim", "utils", "cuda", "backends", "accelerator", "testing", "fft",
                 "distributions",
                 "version", "storage")
_LAZY_MODULES += ("safetensors", "onnx")  # chainrule.safetensors, chainrule.onnx
_LAZY_MODULES += ("viz",)  # chainrule.viz: graph drawing (matplotlib loads only when drawing)
_LAZY_MODULES += ("__config__",)  # torch.__config__.show(); chainrule.show_config() prints it


def show_config() -> None:
    """Print chainrule's version, backend and the optional packages found (as
    ``numpy.show_config()``; the text is ``chainrule.__config__.show()``)."""
    import importlib
    print(importlib.import_module(".__config__", __name__).show(), end="")


if _TYPE_CHECKING:  # the names bound by globals().update above, for static tools
    from ._names import *  # noqa: F403 - a stub-only module (tools/gen_stubs.py)
_LAZY_MODULES += ("func", "overrides")  # torch.func transforms; torch.overrides helpers


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.vmap: the same as ``torch.func.vmap``."""
    from .func import vmap as _vmap
    return _vmap(func, in_dims, out_dims, randomness, chunk_size=chunk_size)


def __getattr__(name):
    # Submodules load on first use, keeping `import chainrule` light. A name chainrule lacks
    # is an AttributeError (so hasattr is False), also for a submodule not written yet.
    import importlib
    if name in _LAZY_MODULES:
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")

# torch.amp: GradScaler and autocast (torch.autocast and the state queries at the top level)
from . import amp  # noqa: E402
from .amp import (  # noqa: E402
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)

# torch.cpu(.amp); torch.jit and torch.compiler (eager); torch.profiler
_LAZY_MODULES += ("cpu", "jit", "compiler", "profiler", "distributed")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",
            mode=None, options=None, disable: bool = False):
    """torch.compile, accepted: returns ``model`` (a module or function) unchanged, or a
    decorator when called without one, so scripts that compile keep running eagerly."""
    if model is None:
        return lambda m: m
    if not callable(model):
        raise RuntimeError("torch.compile() expects a callable (a function or an nn.Module)")
    return model

# torch's removed 1.9-era linear algebra (each raises torch's error naming its replacement)
from ._linalg_utils import eig, lstsq, matrix_rank, solve, symeig  # noqa: E402
from ._tensor import Tensor as _Tensor  # noqa: E402

_Tensor.solve, _Tensor.lstsq, _Tensor.eig, _Tensor.symeig = solve, lstsq, eig, symeig
