"""Making tensors: tensor, as_tensor, from_numpy, zeros/ones/full/empty, ranges, eye, random.

Random numbers come from a NumPy Generator seeded by ``manual_seed``; the streams cannot
match torch's (see docs/differences.md).
"""
from __future__ import annotations

import math
import warnings

from . import _dtypes
from ._dtypes import get_default_dtype, to_dtype
from ._tensor import Tensor, _float_required_error
from .backend import device as _device
from .backend import numpy_namespace as xp

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like",
           "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "scalar_tensor"]


def _finish(data, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        _device(device)  # validates: only 'cpu' exists for now
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind not in "fc":
            raise _float_required_error()
        t._rg = True
    return t


def _infer_dtype(data):
    """torch.tensor's dtype inference over nested Python data."""
    kinds = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Tensor):
            kinds.add(_dtypes._BY_NP[item._data.dtype])
        elif isinstance(item, bool):
            kinds.add(_dtypes.bool_)
        elif isinstance(item, int):
            kinds.add(_dtypes.int64)
        elif isinstance(item, float):
            kinds.add(get_default_dtype())
        elif isinstance(item, complex):
            kinds.add(get_default_dtype().to_complex())
        elif hasattr(item, "dtype"):
            kinds.add(_dtypes.from_numpy_dtype(item.dtype))
        else:
            raise TypeError(f"Could not infer dtype of {type(item).__name__}")
    if not kinds:
        return get_default_dtype()
    out = None
    for k in kinds:
        out = k if out is None else _dtypes.promote_types(out, k)
    return out


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, scalars, arrays).

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        arr = data._data.copy()
        if dtype is not None:
            arr = arr.astype(to_dtype(dtype).np)
        return _finish(arr, requires_grad, device)
    if isinstance(data, xp.ndarray) or (hasattr(data, "__array__") and
                                        not isinstance(data, (list, tuple))):
        arr = xp.array(data, copy=True)
        if dtype is None:
            _dtypes.from_numpy_dtype(arr.dtype)
    else:
        target = to_dtype(dtype) if dtype is not None else _infer_dtype(data)
        arr = xp.array(_unwrap_nested(data), dtype=target.np)
        return _finish(arr, requires_grad, device)
    if dtype is not None:
        arr = arr.astype(to_dtype(dtype).np, copy=False)
    return _finish(arr, requires_grad, device)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return tensor(float(s) if dtype is None else s, dtype=dtype, device=device,
                  requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when it already is an array or
    tensor of the right dtype."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, xp.ndarray):
        _dtypes.from_numpy_dtype(data.dtype)
        if dtype is None or to_dtype(dtype).np == data.dtype:
            return _finish(data, False, device)
        return _finish(data.astype(to_dtype(dtype).np), False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array ``ndarray``."""
    if not isinstance(ndarray, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtypes.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = tuple(int(s) for s in size)
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(out)}")
    return out


def _dt(dtype, default=None):
    if dtype is None:
        return (default or get_default_dtype()).np
    return to_dtype(dtype).np


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    """A tensor of zeros of the given size (float32 unless ``dtype``)."""
    return _finish(xp.zeros(_size(size), dtype=_dt(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    """A tensor of ones of the given size (float32 unless ``dtype``)."""
    return _finish(xp.ones(_size(size), dtype=_dt(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          memory_format=None) -> Tensor:
    """An uninitialised tensor (chainrule fills it with zeros)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value as torch's does."""
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    return _finish(xp.full(_size((size,)), fill_value, dtype=_dt(dtype)), requires_grad, device)


def _like(t, dtype):
    return t._data.dtype if dtype is None else to_dtype(dtype).np


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(xp.zeros(input._data.shape, dtype=_like(input, dtype)), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(xp.ones(input._data.shape, dtype=_like(input, dtype)), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    return _finish(xp.full(input._data.shape, fill_value, dtype=_like(input, dtype)),
                   requires_grad, device)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = (get_default_dtype() if any(isinstance(v, float) for v in vals)
                 else _dtypes.int64)
    n = max(0, math.ceil((end - start) / step))
    np_dtype = to_dtype(dtype).np
    data = (start + xp.arange(n, dtype=xp.float64) * step) if np_dtype.kind == "f" else \
        xp.arange(start, start + n * step, step)[:n]
    return _finish(data.astype(np_dtype), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, computed as torch
    computes them (from both ends, in the target dtype)."""
    np_dtype = _dt(dtype)
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 0:
        return _finish(xp.zeros((0,), dtype=np_dtype), requires_grad, device)
    if steps == 1:
        return _finish(xp.full((1,), start, dtype=np_dtype), requires_grad, device)
    if np_dtype.kind not in "fc":
        step = (end - start) / (steps - 1)
        idx = xp.arange(steps, dtype=xp.float64)
        vals = xp.where(idx < steps // 2, start + step * idx, end - step * (steps - 1 - idx))
        return _finish(vals.astype(np_dtype), requires_grad, device)
    calc = np_dtype if np_dtype.itemsize >= 4 else xp.dtype(xp.float32)
    return _finish(_linspace_like_torch(start, end, steps, calc).astype(np_dtype),
                   requires_grad, device)


def _linspace_like_torch(start, end, steps, calc):
    """torch's CPU kernel, bit for bit: whole SIMD vectors (32 bytes, AVX2) are filled as
    ``base + i * step`` from a base taken at the vector's first index, counting from the
    start below the halfway point and back from the end above it; the tail is scalar."""
    s, e = xp.asarray(start, dtype=calc), xp.asarray(end, dtype=calc)
    step = (e - s) / xp.asarray(steps - 1, dtype=calc)
    half = steps // 2
    width = 32 // calc.itemsize
    idx = xp.arange(steps)
    first = (idx // width) * width
    vector = first + width <= steps
    i_f, first_f = idx.astype(calc), first.astype(calc)
    n1 = xp.asarray(steps - 1, dtype=calc)
    base = xp.where(first < half, s + step * first_f, e - step * (n1 - first_f))
    vec_vals = base + (i_f - first_f) * step
    scalar_vals = xp.where(idx < half, s + step * i_f, e - step * (n1 - i_f))
    return xp.where(vector, vec_vals, scalar_vals)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    """``base`` raised to ``linspace(start, end, steps)``."""
    exps = linspace(start, end, steps, dtype=_dtypes.float64)._data
    return _finish(xp.power(base, exps).astype(_dt(dtype)), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An ``n`` x ``m`` identity matrix."""
    return _finish(xp.eye(n, n if m is None else m, dtype=_dt(dtype)), requires_grad, device)


# ---------------------------------------------------------------------------- random
class _RNG:
    __slots__ = ("gen", "seed")

    def __init__(self):
        self.seed = 67280421310721  # torch's default seed
        self.gen = xp.random.default_rng(self.seed)


_rng = _RNG()


def manual_seed(seed: int):
    """Seed chainrule's random generator (NumPy's PCG64; streams differ from torch's)."""
    seed = int(seed)
    _rng.seed = seed
    _rng.gen = xp.random.default_rng(seed & 0xFFFFFFFFFFFFFFFF)
    return _rng


def seed() -> int:
    s = int(xp.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
    manual_seed(s)
    return s


def initial_seed() -> int:
    return _rng.seed


def get_rng_state():
    return _rng.gen.bit_generator.state


def set_rng_state(state) -> None:
    _rng.gen.bit_generator.state = state


def _gen(generator):
    return _rng.gen if generator is None else getattr(generator, "gen", generator)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1)."""
    np_dtype = _dt(dtype)
    data = _gen(generator).random(_size(size), dtype=xp.float64).astype(np_dtype)
    return _finish(data, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    np_dtype = _dt(dtype)
    data = _gen(generator).standard_normal(_size(size)).astype(np_dtype)
    return _finish(data, requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers in [low, high) (int64 unless ``dtype``)."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    data = _gen(generator).integers(low, high, size=_size((size,)))
    return _finish(data.astype(_dt(dtype, _dtypes.int64)), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    data = _gen(generator).permutation(n)
    return _finish(data.astype(_dt(dtype, _dtypes.int64)), requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)
