"""The rest of torch's namespace that is not an op: constants (``torch.pi``), build flags
(``torch.has_lapack``), predicates (``torch.is_signed``), ``torch.range`` (deprecated,
end-inclusive) and ``torch.empty_permuted``; and the Tensor methods of the same kind
(``sum_to_size``, ``fill_diagonal_``, ``set_``, ``grad_dtype``, the sparse queries of a
strided tensor ...). Those built from ops record the ops' nodes, as torch's do.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings
from functools import reduce

import numpy as np

from . import _dtypes, _memory
from ._creation import _finish
from ._factory import (
    c_type_name,
    check_options,
    dtype_arg,
    make,
    on_device,
    out_dtype,
    parse_size,
    scalar_type_name,
    torch_type_name,
)
from ._tensor import Tensor
from ._tensor_api import _tensor_arg, is_nonzero

__all__ = ["e", "pi", "inf", "nan", "newaxis", "has_lapack", "has_mkl", "has_openmp",
           "has_spectral", "set_flush_denormal", "is_inference", "is_same_size", "is_signed",
           "is_distributed", "range", "empty_permuted"]

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None
# What chainrule is built on: NumPy's LAPACK and FFT; no MKL or OpenMP of its own.
has_lapack = True
has_mkl = False
has_openmp = False
has_spectral = True


def set_flush_denormal(mode: bool) -> bool:
    """torch's switch for flushing denormal floats to zero; NumPy cannot flush them, so this
    reports the mode as unsupported (False), as torch does on CPUs without the feature."""
    if not isinstance(mode, bool):
        raise TypeError(f"set_flush_denormal(): argument 'mode' (position 1) must be bool, not "
                        f"{torch_type_name(mode)}")
    return False


def is_inference(input: Tensor) -> bool:
    """True for a tensor made under ``inference_mode``."""
    _tensor_arg("is_inference", input)
    return input.is_inference()


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape."""
    _tensor_arg("is_same_size", input)
    return input._data.shape == other._data.shape


def is_signed(input: Tensor) -> bool:
    """True unless the tensor's dtype is unsigned (bool, uint8 ...)."""
    _tensor_arg("is_signed", input)
    return _dtypes._BY_NP[input._data.dtype].is_signed


def is_distributed(input: Tensor) -> bool:
    """False: chainrule tensors are never distributed."""
    _tensor_arg("is_distributed", input)
    return False


_RANGE_WARNING = ("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).")


def range(start=None, end=None, step=1, *, out=None, dtype=None, layout=None,  # noqa: A001
          device=None, pin_memory=False, requires_grad=False) -> Tensor:
    """Deprecated: values from ``start`` to ``end`` *inclusive* in steps of ``step`` (the
    default float dtype unless ``dtype``); use ``arange``."""
    warnings.warn(_RANGE_WARNING, UserWarning, stacklevel=2)
    for name, v in (("start", start), ("end", end)):
        if v is None:
            raise TypeError(f'range() missing 1 required positional arguments: "{name}"')
    fname = "range"
    for i, (name, v) in enumerate((("start", start), ("end", end), ("step", step))):
        if isinstance(v, Tensor) and v._data.size == 1:
            v = v._data.reshape(()).item()
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"range(): argument '{name}' (position {i + 1}) must be Number, not "
                            f"{torch_type_name(v)}")
    dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    kind = dtype.np.kind
    if kind in "bc":
        raise NotImplementedError(f"\"range_cpu\" not implemented for "
                                  f"'{scalar_type_name(dtype)}'")
    if kind in "iu":
        start, end, step = int(start), int(end), int(step)
    else:
        start, end, step = float(start), float(end), float(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {_number(start)} -> {_number(end)}")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int((end - start) / step + 1) if kind in "fV" else (end - start) // step + 1
    if kind in "fV":  # start + i * step in torch's accumulate type (float for half, else double)
        acc = np.float32 if dtype.np == np.float16 else np.float64
        data = acc(start) + np.arange(n, dtype=acc) * acc(step)
    else:
        data = start + np.arange(n, dtype=np.int64) * step
    return _finish(fname, data.astype(dtype.np), dtype, out, requires_grad, dev)


def _number(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False) -> Tensor:
    """An uninitialised tensor of ``size`` whose dims lie in memory in the order
    ``physical_layout`` (outermost first): ``empty_permuted((2, 3, 4), (0, 2, 1))`` has
    strides (12, 1, 3). chainrule fills it with zeros."""
    fname = "empty_permuted"
    shape = parse_size(fname, (size,))
    perm = parse_size(fname, (physical_layout,), position=2)
    dtype = dtype_arg(fname, dtype) or _dtypes.get_default_dtype()
    dev = check_options(fname, device, requires_grad, pin_memory, layout)
    if len(perm) != len(shape):
        raise RuntimeError("Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(shape)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    if sorted(perm) != list(builtins.range(len(shape))):
        raise RuntimeError("Duplicate dim not allowed")
    physical = np.zeros(tuple(shape[p] for p in perm), dtype=dtype.np)
    return make(on_device(physical.transpose(np.argsort(perm)), dev), requires_grad)


# ---------------------------------------------------------------------------- Tensor methods
def sum_to_size(self: Tensor, *size) -> Tensor:
    """Sum this tensor down to ``size`` (to which it must be expandable): leading dims are
    summed away, dims where ``size`` is 1 are summed keeping the dim (SumBackward1)."""
    shape = parse_size("sum_to_size", size)
    sizes = self._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, sizes[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(sizes)}}}.")
    if not shape:
        return self.sum()
    dims = list(builtins.range(lead)) + [i for i in builtins.range(lead, len(sizes))
                                         if shape[i - lead] == 1 and sizes[i] != 1]
    out = self.sum(dims, keepdim=True) if dims else self
    return out.view(shape) if lead > 0 else out


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all indices equal) with ``fill_value``, in place; with
    ``wrap`` a tall matrix's diagonal restarts every ``ncols + 1`` rows, as NumPy's."""
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self._data.shape[:2]
    if nd > 2 and any(n != height for n in self._data.shape[1:]):
        raise RuntimeError("all dimensions of input must be of equal length")
    strides = self.stride()
    offset = self.storage_offset()
    step = sum(strides)
    self.as_strided((min(height, width),), (step,), offset).fill_(fill_value)
    if wrap and nd == 2 and height > width + 1:
        wrap_size = (self._data.size + width) // (width + 1) - min(height, width)
        self.as_strided((wrap_size,), (step,), offset + strides[0] * (width + 1)).fill_(
            fill_value)
    return self


def _resize_function():
    from .autograd.function import Function

    class Resize(Function):
        """torch.autograd._functions.Resize: the deprecated out-of-place resize, which may
        only change the shape (ResizeBackward)."""

        @staticmethod
        def forward(ctx, tensor, sizes):
            ctx.sizes = sizes
            ctx.numel = reduce(operator.mul, sizes, 1)
            if tensor.numel() != ctx.numel:
                raise RuntimeError(
                    f"requested resize to {'x'.join(map(str, sizes))} ({ctx.numel} elements in "
                    f"total), but the given tensor has a size of "
                    f"{'x'.join(map(str, tensor.size()))} ({tensor.numel()} elements). "
                    "autograd's resize can only change the shape of a given tensor, while "
                    "preserving the number of elements. ")
            ctx.input_sizes = tensor.size()
            return tensor.contiguous().clone().view(*sizes)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output.contiguous().view(ctx.input_sizes), None

    return Resize


_RESIZE = []


def resize(self: Tensor, *sizes) -> Tensor:
    """Deprecated: a reshaped copy (ResizeBackward); the element count must not change."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    if not _RESIZE:
        _RESIZE.append(_resize_function())
    return _RESIZE[0].apply(self, sizes)


def resize_as(self: Tensor, tensor: Tensor) -> Tensor:
    """Deprecated: ``resize`` to ``tensor``'s shape."""
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    if not _RESIZE:
        _RESIZE.append(_resize_function())
    return _RESIZE[0].apply(self, tensor.size())


_SET_SIGNATURES = (
    "\n * ()\n * (torch.Storage source)\n * (torch.Storage source, int storage_offset, tuple "
    "of ints size, tuple of ints stride = None)\n * (Tensor source)\n * (Tensor source, int "
    "storage_offset, tuple of ints size, tuple of ints stride = None)\n")


def set_(self: Tensor, source=None, storage_offset=None, size=None, stride=None) -> Tensor:
    """Make this tensor look at ``source``'s memory: a tensor's (its shape and strides, or
    the given ones), or a storage's (all of it as one dim, or the given geometry); with no
    source, an empty tensor."""
    from .ops._inplace import check_inplace
    from .storage import TypedStorage, UntypedStorage
    check_inplace(self)
    data = self._data
    if source is None:
        new = np.zeros(0, dtype=data.dtype)
    elif isinstance(source, Tensor):
        src = source._data
        if src.dtype != data.dtype:
            raise RuntimeError(f"Could not set tensor of type {_c_name(src.dtype)} to a tensor "
                               f"of type {_c_name(data.dtype)}")
        new = src if storage_offset is None else _memory.window(
            src, *_geometry(size, stride, "set_"), storage_offset)
    elif isinstance(source, (UntypedStorage, TypedStorage)):
        if isinstance(source, TypedStorage):
            if source.dtype.np != data.dtype:
                raise RuntimeError(f"Expected a Storage of type {_c_name(data.dtype)} or an "
                                   f"UntypedStorage, but got type "
                                   f"{scalar_type_name(source.dtype)} for argument 1 'storage'")
            source = source._untyped_storage()
        raw = source._bytes
        n = raw.size // data.itemsize
        flat = raw[: n * data.itemsize].view(data.dtype)
        if storage_offset is None:
            new = flat
        else:
            shape, strides = _geometry(size, stride, "set_")
            need = 0 if 0 in shape else storage_offset + 1 + sum(
                (k - 1) * s for k, s in zip(shape, strides))
            if need > n:
                raise RuntimeError(f"set_: a geometry needing {need} elements is out of bounds "
                                   f"for a storage of {n} (chainrule cannot grow a storage in "
                                   "place)")
            new = _memory.window(flat, shape, strides, storage_offset)
    else:
        raise TypeError("set_() received an invalid combination of arguments - got "
                        f"({torch_type_name(source)}), but expected one of:" + _SET_SIGNATURES)
    self._data = new
    self._bump_version()
    return self


def _geometry(size, stride, fname):
    shape = parse_size(fname, (size,), position=3)
    if stride is None:
        strides, step = [], 1
        for k in reversed(shape):
            strides.append(step)
            step *= max(k, 1)
        strides = tuple(reversed(strides))
    else:
        strides = parse_size(fname, (stride,), position=4)
    return shape, strides


def _c_name(np_dtype) -> str:
    return c_type_name(_dtypes._BY_NP[np_dtype])


def storage_type(self):
    """The legacy typed-storage class of this tensor's dtype (``torch.FloatStorage``)."""
    from .storage import LEGACY_STORAGES
    return LEGACY_STORAGES.get(_dtypes._BY_NP[self._data.dtype])  # None for uint16/32/64


def as_subclass(self: Tensor, cls) -> Tensor:
    """This tensor as an instance of the Tensor subclass ``cls``, sharing its memory and
    staying in the graph (AliasBackward0 when it requires grad)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from "
                        "Tensor is not possible. Make sure your class inherits from Tensor.")
    from .ops import PUBLIC
    out = PUBLIC["alias"](self) if self._rg else self.detach()
    out.__class__ = cls
    return out


def chalf(self: Tensor, memory_format=None) -> Tensor:
    """complex32 (ComplexHalf) has no NumPy dtype, so chainrule cannot make it."""
    raise NotImplementedError("chalf(): complex32 (torch.chalf, ComplexHalf) has no NumPy dtype, "
                              "so chainrule has no such tensors; use cfloat() (complex64)")


def index(self: Tensor, positions, dims):
    """functorch.dim's first-class dimensions, which chainrule does not have."""
    raise NotImplementedError("Tensor.index binds dims of functorch.dim (first-class "
                              "dimensions), which chainrule does not implement")


def module_load(self: Tensor, other: Tensor, assign: bool = False) -> Tensor:
    """How ``load_state_dict`` turns ``other`` into the new value of this parameter or
    buffer when swapping: ``other.detach()`` with ``assign``, else ``self.copy_(other)
    .detach()``."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


def _layout_error(fname: str, what: str = "sparse coordinate tensor"):
    def method(self, *args, **kwargs):
        raise RuntimeError(f"{fname} expected {what} layout but got Strided")
    method.__name__ = fname
    method.__doc__ = f"Sparse tensors only: a strided tensor raises torch's error ({fname})."
    return method


def to_dense(self: Tensor, dtype=None, *, masked_grad=None) -> Tensor:
    """A strided tensor is already dense: itself (or a copy in ``dtype``, ToCopyBackward0)."""
    if dtype is None or dtype_arg("to_dense", dtype).np == self._data.dtype:
        return self
    return self.to(dtype)


def _grad_dtype_get(self: Tensor):
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
    gd = self._grad_dtype  # False: the default, the tensor's own dtype
    return self.dtype if gd is False else gd


def _grad_dtype_set(self: Tensor, value) -> None:
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    if value is not None and not isinstance(value, _dtypes.dtype):
        raise RuntimeError(f"grad_dtype must be a torch.dtype or None, but got "
                           f"{type(value).__name__}")
    self._grad_dtype = value


def _attach() -> None:
    methods = {
        "is_nonzero": is_nonzero, "is_signed": is_signed, "is_distributed": is_distributed,
        "sum_to_size": sum_to_size, "fill_diagonal_": fill_diagonal_, "resize": resize,
        "resize_as": resize_as, "set_": set_, "storage_type": storage_type,
        "as_subclass": as_subclass, "chalf": chalf, "index": index,
        "module_load": module_load, "to_dense": to_dense,
        "const_data_ptr": lambda self: self.data_ptr(),
        "cfloat": lambda self, memory_format=None: self.to(_dtypes.complex64),
        "cdouble": lambda self, memory_format=None: self.to(_dtypes.complex128),
        "dense_dim": lambda self: self._data.ndim, "sparse_dim": lambda self: 0,
        "is_coalesced": _layout_error("is_coalesced"), "coalesce": _layout_error("coalesce"),
    }
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    Tensor.cfloat.__doc__ = "A complex64 copy (ToCopyBackward0)."
    Tensor.cdouble.__doc__ = "A complex128 copy (ToCopyBackward0)."
    Tensor.name = property(lambda self: None, doc="None: chainrule has no named tensors.")
    Tensor.grad_dtype = property(_grad_dtype_get, _grad_dtype_set,
                                 doc="The dtype a leaf's .grad takes (None: any); by default "
                                     "the tensor's own.")


_attach()
