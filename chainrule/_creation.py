"""Factories: zeros/ones/full/empty (and their ``_like`` forms), ranges, eye,
empty_strided, scalar_tensor. Tensors from data live in ``_tensor_new``, random sampling in
``ops/random``; both are re-exported here.

Each factory reads its arguments as torch does (sizes as varargs, a tuple/list/Size or
``size=``; ``dtype``, ``device``, ``layout``, ``requires_grad``, ``pin_memory``; ``out=``)
with torch's errors.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtypes
from ._device import (
    META,
    channels_last,
    channels_last_3d,
    contiguous_format,
    cpu,
    preserve_format,
)
from ._dtypes import get_default_dtype
from ._factory import (
    check_fits,
    check_options,
    dtype_arg,
    make,
    on_device,
    out_dtype,
    parse_size,
    scalar_type_name,
    torch_type_name,
    write_out,
)
from ._meta import is_meta
from ._tensor import Tensor
from ._tensor_new import as_tensor, asarray, from_numpy, frombuffer, tensor

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "frombuffer", "zeros", "ones",
           "full", "empty", "empty_strided", "arange", "linspace", "logspace", "eye",
           "zeros_like", "ones_like", "full_like", "empty_like", "scalar_tensor"]

# Random factories moved to ops/random.py; old imports (``from ._creation import rand``)
# still work, resolved on first use so importing this module stays light.
_RANDOM = ("rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state")


def __getattr__(name):
    if name in _RANDOM:
        from .ops import random
        return getattr(random, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _finish(fname, data, dtype, out, requires_grad, dev=None):
    if out is not None:
        return write_out(fname, out, data)
    return make(on_device(data, dev), requires_grad)


def _filled(fname, value, size, dtype, out, device, requires_grad, pin_memory, layout):
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, size[0], size[1], negative="zeros: Dimension size must be "
                       "non-negative." if fname == "zeros" else None)
    maker = np.zeros if value == 0 or dev is META else np.ones
    return _finish(fname, maker(shape, dtype=dtype.np), dtype, out, requires_grad, dev)


def zeros(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, **kw) -> Tensor:
    """A tensor of zeros (the default dtype unless ``dtype``).

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).shape
    torch.Size([2, 3])
    """
    return _filled("zeros", 0, (size, _size_kw("zeros", kw)), dtype, out, device,
                   requires_grad, pin_memory, layout)


def ones(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False, **kw) -> Tensor:
    """A tensor of ones (the default dtype unless ``dtype``)."""
    return _filled("ones", 1, (size, _size_kw("ones", kw)), dtype, out, device, requires_grad,
                   pin_memory, layout)


def _size_kw(fname, kw):
    size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kw))}'")
    return size


def _with_format(data, fmt, fname="empty"):
    """``data`` laid out in memory as ``memory_format`` asks (same values and shape)."""
    if fmt is None or fmt is contiguous_format:
        return data
    if fmt is channels_last or fmt is channels_last_3d:
        rank = 4 if fmt is channels_last else 5
        if data.ndim != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
        order = (0,) + tuple(range(2, rank)) + (1,)
        inverse = (0, rank - 1) + tuple(range(1, rank - 1))
        return np.ascontiguousarray(data.transpose(order)).transpose(inverse)
    if fmt is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    raise TypeError(f"{fname}(): argument 'memory_format' must be torch.memory_format, not "
                    f"{torch_type_name(fmt)}")


def empty(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, memory_format=None, **kw) -> Tensor:
    """An uninitialised tensor (chainrule fills it with zeros)."""
    fname = "empty"
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, size, _size_kw(fname, kw))
    data = _with_format(np.zeros(shape, dtype=dtype.np), memory_format)
    return _finish(fname, data, dtype, out, requires_grad, dev)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False) -> Tensor:
    """An uninitialised (zero) tensor with the given strides, in elements."""
    fname = "empty_strided"
    dtype = dtype_arg(fname, dtype) or get_default_dtype()
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, (size,))
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError("mismatch in length of strides and shape")
    extent = 1 + sum((n - 1) * s for n, s in zip(shape, stride)) if all(shape) else 0
    item = dtype.np.itemsize
    buffer = np.zeros(extent, dtype=dtype.np)
    data = np.lib.stride_tricks.as_strided(buffer, shape, tuple(s * item for s in stride))
    return make(on_device(data, dev), requires_grad)


def _fill_value(fname, value):
    """A fill value as torch's parser reads a Number (a 0-d tensor counts as one)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, "
                            "not Tensor")
        return value._data.item(), _dtypes._BY_NP[value._data.dtype]
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, not "
                        f"{torch_type_name(value)}")
    return value, _dtypes.scalar_dtype(value)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         pin_memory=False, requires_grad=False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64, the
    default float, the default complex) unless ``dtype`` is given."""
    fname = "full"
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{torch_type_name(size)}")
    value, own = _fill_value(fname, fill_value)
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out, own)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, (size,))
    value = check_fits(value, dtype)
    data = np.zeros(shape, dtype=dtype.np) if dev is META else np.full(shape, value, dtype=dtype.np)
    return _finish(fname, data, dtype, out, requires_grad, dev)


def _like_input(fname, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{torch_type_name(input)}")
    return input._data


def like_array(fname, input, dtype, memory_format, fill=None):
    """An array shaped like ``input`` (laid out like it: torch's preserve_format)."""
    src = _like_input(fname, input)
    np_dtype = src.dtype if dtype is None else dtype.np
    order = "C" if memory_format is contiguous_format else "K"
    if fill is None:
        data = np.zeros_like(src, dtype=np_dtype, order=order)
    else:
        data = np.full_like(src, fill, dtype=np_dtype, order=order)
    if memory_format is not None and memory_format is not preserve_format and \
            memory_format is not contiguous_format:
        data = _with_format(data, memory_format, fname)
    return data


def _like(fname, input, fill, dtype, layout, device, pin_memory, requires_grad,
          memory_format):
    if isinstance(input, Tensor) and input._data.__class__ is not np.ndarray:
        from .func._vmap._batched import BatchedTensor, wrap
        if input.__class__ is BatchedTensor:  # inside vmap: a batch of them, as torch
            inner = _like(fname, input._value, fill, dtype, layout, device, pin_memory,
                          requires_grad, memory_format)
            return wrap(inner, input._bdim, input._level)
    dtype = dtype_arg(fname, dtype)
    # torch's *_like make the tensor on the input's device unless ``device`` is given
    dev = check_options(fname, device if device is not None else _device_of(input),
                        requires_grad, pin_memory, layout)
    if fill is not None and fill != 0:
        target = dtype or _dtypes._BY_NP[_like_input(fname, input).dtype]
        fill = check_fits(fill, target)
    data = like_array(fname, input, dtype, memory_format, None if dev is META else fill)
    if dev is not META and is_meta(data):  # a meta input's like on the CPU
        data = np.zeros(data.shape, data.dtype) if fill is None else np.full(data.shape, fill,
                                                                              data.dtype)
    return make(on_device(data, dev), requires_grad)


def _device_of(input):
    return META if isinstance(input, Tensor) and is_meta(input._data) else cpu


def zeros_like(input, *, dtype=None, layout=None, device=None, pin_memory=False,
               requires_grad=False, memory_format=None) -> Tensor:
    """Zeros shaped like ``input`` (of its dtype unless ``dtype``)."""
    return _like("zeros_like", input, None, dtype, layout, device, pin_memory, requires_grad,
                 memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False, memory_format=None) -> Tensor:
    """Ones shaped like ``input``."""
    return _like("ones_like", input, 1, dtype, layout, device, pin_memory, requires_grad,
                 memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, pin_memory=False,
               requires_grad=False, memory_format=None) -> Tensor:
    """An uninitialised (zero) tensor shaped like ``input``."""
    return _like("empty_like", input, None, dtype, layout, device, pin_memory, requires_grad,
                 memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, shaped like ``input`` (of its dtype unless ``dtype``)."""
    value, _ = _fill_value("full_like", fill_value)
    return _like("full_like", input, value, dtype, layout, device, pin_memory, requires_grad,
                 memory_format)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (the default float dtype unless ``dtype``)."""
    fname = "scalar_tensor"
    value, _ = _fill_value(fname, s)
    dtype = dtype_arg(fname, dtype) or get_default_dtype()
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    if isinstance(value, complex) and not dtype.is_complex:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{'float' if dtype.name == 'float32' else dtype.name} without "
                           "overflow")
    return make(on_device(np.array(check_fits(value, dtype), dtype=dtype.np), dev), requires_grad)


# ---------------------------------------------------------------------------- ranges
_ARANGE_SIGNATURES = (
    "\n * (Number end, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = "
    "None, torch.device device = None, bool pin_memory = False, bool requires_grad = False)"
    "\n * (Number start, Number end, *, torch.dtype dtype = None, torch.layout layout = None, "
    "torch.device device = None, bool pin_memory = False, bool requires_grad = False)"
    "\n * (Number start, Number end, Number step = 1, *, Tensor out = None, torch.dtype "
    "dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = "
    "False, bool requires_grad = False)\n")


def _number(fname, name, pos, value):
    """A Number argument (a 0-d tensor's value counts), with its dtype."""
    if isinstance(value, Tensor):
        if value._data.size != 1:
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Number, not "
                            "Tensor")
        return value._data.reshape(()).item(), _dtypes._BY_NP[value._data.dtype]
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Number, not "
                        f"{torch_type_name(value)}")
    return value, _dtypes.scalar_dtype(value)


def arange(*args, out=None, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False, **kw) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``:
    ``arange(end)``, ``arange(start, end)``, ``arange(start, end, step)``."""
    fname = "arange"
    names = ("start", "end", "step")
    unknown = set(kw) - set(names)
    if unknown:
        raise TypeError(f"arange() got an unexpected keyword argument '{unknown.pop()}'")
    lone_end = len(args) == 1 and "start" not in kw and "end" not in kw
    given = dict(zip(names[1:] if lone_end else names, args))
    for k, v in kw.items():
        if k in given:
            raise TypeError(f"arange() got multiple values for argument '{k}'")
        given[k] = v
    if "end" not in given:
        if not given:
            raise TypeError("arange() received an invalid combination of arguments - got (), "
                            "but expected one of:" + _ARANGE_SIGNATURES)
        raise TypeError('arange() missing 1 required positional arguments: "end"')
    if len(args) > 3 or ("step" in given and "start" not in given):
        got = ", ".join(torch_type_name(a) for a in args)
        raise TypeError(f"arange() received an invalid combination of arguments - got ({got}"
                        f"{', ' if args and kw else ''}"
                        f"{', '.join(f'{k}={torch_type_name(v)}' for k, v in kw.items())}), "
                        "but expected one of:" + _ARANGE_SIGNATURES)
    start, s_dt = _number(fname, "start", 1, given.get("start", 0))
    end, e_dt = _number(fname, "end", 2 if "start" in given else 1, given["end"])
    step, p_dt = _number(fname, "step", 3, given.get("step", 1))
    dtype = dtype_arg(fname, dtype)
    if dtype is None:
        floating = any(d.is_floating_point for d in (s_dt, e_dt, p_dt))
        dtype = out_dtype(fname, None, out, get_default_dtype() if floating else _dtypes.int64)
    else:
        dtype = out_dtype(fname, dtype, out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    if dtype.np.kind in "bc":
        raise NotImplementedError(f'"arange_cpu" not implemented for '
                                  f"'{scalar_type_name(dtype)}'")
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {_num(start)} -> {_num(end)}")
    if dtype.np.kind in "iu":  # torch computes an integer range in the integer type
        start, end, given_step, step = int(start), int(end), step, int(step)
        if step == 0 and given_step != 0:
            raise ValueError("step must be nonzero")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = max(0, math.ceil((end - start) / step))
    if dtype.np.kind in "fV":
        data = start + np.arange(n, dtype=np.float64) * step
    elif all(isinstance(v, int) for v in (start, end, step)):
        data = np.arange(start, start + n * step, step, dtype=np.int64)[:n]
    else:
        data = np.trunc(start + np.arange(n, dtype=np.float64) * step)
    return _finish(fname, data.astype(dtype.np), dtype, out, requires_grad, dev)


def _num(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _endpoint(fname, name, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{fname} only supports 0-dimensional start and end tensors, but "
                               f"got {name} with {value._data.ndim} dimension(s).")
        return value._data.item()
    return value.item() if isinstance(value, np.generic) else value


def _space_signatures(fname):
    base = " float base = 10.0," if fname == "logspace" else ""
    return "".join(f"\n * ({a} start, {b} end, int steps,{base} *, Tensor out = None, "
                   "torch.dtype dtype = None, torch.layout layout = None, torch.device device "
                   "= None, bool pin_memory = False, bool requires_grad = False)"
                   for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"),
                                ("Tensor", "Number"), ("Number", "Number"))) + "\n"


def _steps(fname, steps, args):
    if isinstance(steps, bool) or not isinstance(steps, int):
        if isinstance(steps, (np.integer, Tensor)) and not isinstance(steps, bool):
            steps = int(steps)
        else:
            got = ", ".join(torch_type_name(a) for a in args)
            raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:" + _space_signatures(fname))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, computed as torch
    computes them (from both ends, in the target dtype)."""
    fname = "linspace"
    steps = _steps(fname, steps, (start, end, steps))
    start, end = _endpoint(fname, "start", start), _endpoint(fname, "end", end)
    default = get_default_dtype()
    if isinstance(start, complex) or isinstance(end, complex):
        default = default.to_complex()
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out, default)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    np_dtype = dtype.np
    if np_dtype.kind == "b":
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    if steps == 0:
        data = np.zeros((0,), dtype=np_dtype)
    elif steps == 1:
        data = np.full((1,), start, dtype=np_dtype)
    elif np_dtype.kind == "c":
        data = np.linspace(start, end, steps).astype(np_dtype)
    elif np_dtype.kind not in "fV":
        step = (end - start) / (steps - 1)
        idx = np.arange(steps, dtype=np.float64)
        vals = np.where(idx < steps // 2, start + step * idx, end - step * (steps - 1 - idx))
        data = vals.astype(np_dtype)
    else:
        calc = np_dtype if np_dtype.itemsize >= 4 else np.dtype(np.float32)
        data = _linspace_like_torch(start, end, steps, calc).astype(np_dtype)
    return _finish(fname, data, dtype, out, requires_grad, dev)


def _linspace_like_torch(start, end, steps, calc):
    """torch's CPU kernel, bit for bit: whole SIMD vectors (32 bytes, AVX2) are filled as
    ``base + i * step`` from a base taken at the vector's first index, counting from the
    start below the halfway point and back from the end above it; the tail is scalar."""
    s, e = np.asarray(start, dtype=calc), np.asarray(end, dtype=calc)
    step = (e - s) / np.asarray(steps - 1, dtype=calc)
    half = steps // 2
    width = 32 // calc.itemsize
    idx = np.arange(steps)
    first = (idx // width) * width
    vector = first + width <= steps
    i_f, first_f = idx.astype(calc), first.astype(calc)
    n1 = np.asarray(steps - 1, dtype=calc)
    base = np.where(first < half, s + step * first_f, e - step * (n1 - first_f))
    vec_vals = base + (i_f - first_f) * step
    scalar_vals = np.where(idx < half, s + step * i_f, e - step * (n1 - i_f))
    return np.where(vector, vec_vals, scalar_vals)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False) -> Tensor:
    """``base`` raised to ``linspace(start, end, steps)``."""
    fname = "logspace"
    steps = _steps(fname, steps, (start, end, steps))
    start, end = _endpoint(fname, "start", start), _endpoint(fname, "end", end)
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    exps = linspace(start, end, steps, dtype=_dtypes.float64)._data
    data = np.power(base, exps)
    if dtype.np.kind in "iu":
        data = np.trunc(data)
    return _finish(fname, data.astype(dtype.np), dtype, out, requires_grad, dev)


def _dim_arg(name, pos, value):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, (np.integer, Tensor)) and not isinstance(value, bool):
            return int(value)
        raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not "
                        f"{torch_type_name(value)}")
    return value


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
        requires_grad=False) -> Tensor:
    """An ``n`` x ``m`` identity matrix."""
    fname = "eye"
    n = _dim_arg("n", 1, n)
    m = n if m is None else _dim_arg("m", 2, m)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    return _finish(fname, np.eye(n, m, dtype=dtype.np), dtype, out, requires_grad, dev)

