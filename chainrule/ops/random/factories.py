"""Random factories: rand, randn, randint, randperm and their ``_like`` forms.

Each takes ``generator=`` (a ``chainrule.Generator``; the default generator otherwise) and
torch's factory options (size forms, dtype, device, layout, requires_grad, out=).
"""
from __future__ import annotations

from ... import _dtypes
from ..._creation import like_array
from ..._device import META
from ..._factory import (
    check_options,
    dtype_arg,
    make,
    out_dtype,
    parse_size,
    torch_type_name,
    write_out,
)
from ..._generator import resolve as generator_of
from ..._meta import is_meta, meta_array
from ..._tensor import Tensor
from ...backend import numpy_namespace as xp
from .._dispatch import batched_function
from . import _sample as K

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like"]


_OPTIONS = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
            "torch.device device = None, bool pin_memory = False, bool requires_grad = False")


def signatures(*positional: str) -> str:
    """torch's overload list for a random factory: each form with and without a generator."""
    lines = []
    for args in positional:
        lines.append(f"\n * ({args}, *, torch.Generator generator, {_OPTIONS})")
        lines.append(f"\n * ({args}, *, {_OPTIONS})")
    return "".join(lines) + "\n"


def invalid(fname: str, args: tuple, kw: dict, *positional: str) -> TypeError:
    got = ", ".join([torch_type_name(a) for a in args] +
                    [f"{k}={torch_type_name(v)}" for k, v in kw.items()])
    return TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                     "but expected one of:" + signatures(*positional))


def _factory(fname, size_args, size_kw, kernel, sampler, generator, out, dtype, layout,
             device, pin_memory, requires_grad):
    if not size_args and size_kw is None:
        raise invalid(fname, (), {}, "tuple of ints size")
    gen = generator_of(generator)
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, size_args, size_kw)
    K.require_float(kernel, dtype)
    # a meta tensor draws nothing (the generator does not advance, as in torch)
    data = meta_array(shape, dtype.np) if dev is META else sampler(gen, shape, dtype.np)
    if out is not None:
        return write_out(fname, out, data)
    return make(data, requires_grad)


@batched_function("rand", random=True)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         pin_memory=False, requires_grad=False, **kw) -> Tensor:
    """Uniform samples in [0, 1) (the default float dtype unless ``dtype``).

    >>> import chainrule as torch
    >>> torch.rand(2, 3).shape
    torch.Size([2, 3])
    """
    return _factory("rand", size, _size_kw("rand", kw), "check_uniform_bounds", K.uniform01,
                    generator, out, dtype, layout, device, pin_memory, requires_grad)


@batched_function("randn", random=True)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          pin_memory=False, requires_grad=False, **kw) -> Tensor:
    """Standard normal samples (complex dtypes: variance 1/2 in each part, as torch)."""
    return _factory("randn", size, _size_kw("randn", kw), "normal_kernel_cpu", K.normal01,
                    generator, out, dtype, layout, device, pin_memory, requires_grad)


def _size_kw(fname, kw):
    size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kw))}'")
    return size


_RANDINT_FORMS = ("int high, tuple of ints size", "int low, int high, tuple of ints size")


def _int_param(fname, name, pos, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if hasattr(value, "__index__") and not isinstance(value, (bool, float)) and not (
                isinstance(value, Tensor) and value._data.dtype.kind not in "iu"):
            return int(value.__index__())
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, not "
                        f"{torch_type_name(value)}")
    return value


def _randint_args(args, kw):
    """(low, high, size) from randint's two overloads, with torch's errors."""
    given = {k: kw.pop(k) for k in ("low", "high", "size") if k in kw}
    if kw:
        raise TypeError(f"randint() got an unexpected keyword argument '{next(iter(kw))}'")
    keywords = dict(given)
    three = len(args) + len(given) >= 3 or "low" in given
    names = ("low", "high", "size") if three else ("high", "size")
    for name, value in zip(names, args):
        if name in given or len(args) > 3:
            raise invalid("randint", args, keywords, *_RANDINT_FORMS)
        given[name] = value
    if three and "high" not in given:
        raise TypeError('randint() missing 2 required positional argument: "high", "size"')
    if three and "size" not in given:
        raise TypeError('randint() missing 1 required positional argument: "size"')
    if len(args) > 3 or any(n not in given for n in names):
        raise invalid("randint", args, keywords, *_RANDINT_FORMS)
    low = _int_param("randint", "low", 1, given.get("low", 0))
    high = _int_param("randint", "high", 2 if three else 1, given["high"])
    size = given["size"]
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {3 if three else 2}) must be "
                        f"tuple of ints, not {torch_type_name(size)}")
    return low, high, size, 3 if three else 2


def _check_randint(low, high, dtype):
    K.int64_arg(low)
    K.int64_arg(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    K.check_from_to(dtype, low, high - 1)


@batched_function("randint", random=True)
def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            pin_memory=False, requires_grad=False, **kw) -> Tensor:
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (int64 unless ``dtype``)."""
    fname = "randint"
    low, high, size, size_position = _randint_args(args, kw)
    gen = generator_of(generator)
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out, _dtypes.int64)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    shape = parse_size(fname, (size,), position=size_position)
    _check_randint(low, high, dtype)
    data = meta_array(shape, dtype.np) if dev is META else K.integers(gen, shape, low, high,
                                                                       dtype.np)
    if out is not None:
        return write_out(fname, out, data)
    return make(data, requires_grad)


_RANDPERM_LIMITS = {"float16": (2049, "2049 for Half"), "float32": ((1 << 24) + 1,
                                                                   "2^24+1 for Float"),
                    "float64": ((1 << 53) + 1, "2^53+1 for Double")}


@batched_function("randperm", random=True)
def randperm(n, *args, generator=None, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    fname = "randperm"
    if args:
        raise invalid("randperm", (n,) + args, {}, "int n")
    n = _int_param(fname, "n", 1, n)
    gen = generator_of(generator)
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out, _dtypes.int64)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype is _dtypes.bool_ or dtype.np.kind == "c":
        raise K.not_implemented("randperm", dtype)
    limit = _RANDPERM_LIMITS.get(dtype.name)
    if limit is not None and n > limit[0]:
        raise RuntimeError(f"n cannot be greater than {limit[1]} type.")
    if dtype.np.kind in "iu" and n and n - 1 > K.int_range(dtype)[1]:
        raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
    data = meta_array((n,), dtype.np) if dev is META else gen.permutation(n).astype(dtype.np)
    if out is not None:
        return write_out(fname, out, data)
    return make(data, requires_grad)


def _like(fname, input, kernel, sample, generator, dtype, layout, device, pin_memory,
          requires_grad, memory_format):
    dtype = dtype_arg(fname, dtype)
    dev = check_options(fname, device if device is not None else input.device, requires_grad,
                        pin_memory, layout)
    data = like_array(fname, input, dtype, memory_format)
    d = _dtypes._BY_NP[data.dtype]
    if kernel is not None:
        K.require_float(kernel, d)
    if dev is META:
        return make(meta_array(data.shape, data.dtype), requires_grad)
    if is_meta(data):  # a meta input's like on the CPU
        data = xp.zeros(data.shape, data.dtype)
    data[...] = sample(generator_of(generator), data.shape, d)
    return make(data, requires_grad)


@batched_function("rand_like", random=True)
def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              pin_memory=False, requires_grad=False, memory_format=None) -> Tensor:
    """Uniform samples in [0, 1) shaped like ``input`` (of its dtype unless ``dtype``)."""
    return _like("rand_like", input, "check_uniform_bounds",
                 lambda gen, shape, d: K.uniform01(gen, shape, d.np), generator, dtype, layout,
                 device, pin_memory, requires_grad, memory_format)


@batched_function("randn_like", random=True)
def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               pin_memory=False, requires_grad=False, memory_format=None) -> Tensor:
    """Standard normal samples shaped like ``input``."""
    return _like("randn_like", input, "normal_kernel_cpu",
                 lambda gen, shape, d: K.normal01(gen, shape, d.np), generator, dtype, layout,
                 device, pin_memory, requires_grad, memory_format)


@batched_function("randint_like", random=True)
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, pin_memory=False, requires_grad=False,
                 memory_format=None) -> Tensor:
    """Integers in [low, high) shaped like ``input``: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    fname = "randint_like"
    if high is None:
        low, high = 0, low
    low = _int_param(fname, "low", 2, low)
    high = _int_param(fname, "high", 3, high)

    def sample(gen, shape, d):
        _check_randint(low, high, d)
        return K.integers(gen, shape, low, high, d.np)
    return _like(fname, input, None, sample, generator, dtype, layout, device, pin_memory,
                 requires_grad, memory_format)

