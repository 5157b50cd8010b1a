"""Argument parsing and torch's checks (with its messages) for the pooling family, and the
helper that records a pooling node for values computed together with their indices."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.grad_mode import _tls
from ...backend import namespace_of
from .._registry import dispatch, interceptor, record
from ._pool_kernels import pool_out_size

_WORDS = {1: "a single int", 2: "a tuple of two ints", 3: "a tuple of three ints"}


def int_list(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),)


def expand(values: tuple, nd: int) -> tuple:
    return values * nd if len(values) == 1 else values


def pool_params(name, nd, kernel_size, stride, padding, dilation=None):
    """kernel, stride, padding (and dilation) as ``nd``-tuples, with torch's length checks
    (an omitted stride is the kernel size)."""
    count = {2: "two", 3: "three"}[nd]
    kernel = int_list(kernel_size)
    if len(kernel) not in (1, nd):
        raise RuntimeError(f"{name}: kernel_size must either be a single int, or a tuple of "
                           f"{count} ints")
    st = int_list(stride)
    if len(st) not in (0, 1, nd):
        raise RuntimeError(f"{name}: stride must either be omitted, a single int, or a tuple "
                           f"of {count} ints")
    pad = int_list(padding)
    if len(pad) not in (1, nd):
        raise RuntimeError(f"{name}: padding must either be a single int, or a tuple of "
                           f"{count} ints")
    kernel = expand(kernel, nd)
    st = expand(st, nd) if st else kernel
    pad = expand(pad, nd)
    if dilation is None:
        return kernel, st, pad
    dil = int_list(dilation)
    if len(dil) not in (1, nd):
        raise RuntimeError(f"{name}: dilation must be either a single int, or a tuple of "
                           f"{count} ints")
    return kernel, st, pad, expand(dil, nd)


def output_shape(spatial, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes, with the checks torch's ``pooling_output_shape`` makes."""
    out = []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
        out.append(pool_out_size(n, k, s, p, d, ceil_mode))
    return tuple(out)


def shape_check(input, nd, kernel, stride, dilation, out_shape, pool3d_name=None):
    """torch's ``pool2d_shape_check`` / ``pool3d_shape_check`` (after the output sizes)."""
    names = "TW" if nd == 1 else ("HW" if nd == 2 else "THW")
    if any(k <= 0 for k in kernel):
        parts = " ".join(f"k{c}: {v}" for c, v in zip(names, kernel))
        raise RuntimeError(f"kernel size should be greater than zero, but got {parts}")
    if any(s <= 0 for s in stride):
        parts = " ".join(f"d{c}: {v}" for c, v in zip(names, stride))
        raise RuntimeError(f"stride should be greater than zero, but got {parts}")
    if any(d <= 0 for d in dilation):
        parts = " ".join(f"dilation{c}: {v}" for c, v in zip(names, dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {parts}")
    shape = tuple(input.shape)
    batch = 1 if input.ndim == nd + 2 else 0
    if any(s == 0 for s in shape[batch:]):
        if nd == 2:
            raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim "
                               f"batch size for input, but got:{list(shape)}")
        bad = next(i for i, s in enumerate(shape[batch:]) if s == 0)
        raise RuntimeError(f"{pool3d_name}(): Expected input's non-batch dimensions to have "
                           f"positive length, but input has a shape of {list(shape)} and "
                           f"non-batch dimension {bad} has length zero!")
    if any(o < 1 for o in out_shape):
        planes = shape[batch]
        given = "x".join(str(v) for v in (planes,) + shape[batch + 1:])
        calc = "x".join(str(v) for v in (planes,) + tuple(out_shape))
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({calc}). "
                           "Output size is too small")


def float_only(input, name):
    if input._data.dtype.kind not in "fcV":
        word = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}.get(input._data.dtype.name, "")
        raise NotImplementedError(f"\"{name}\" not implemented for '{word}'")


def recorded(op_, input: Tensor, params: dict, out_data):
    """``out_data`` (computed with the indices the node keeps in ``params``) as a Tensor
    whose grad_fn is ``op_``'s node: the values and indices come out of one pass, so the
    op is recorded, not re-run. A graph-capture mode sees an ordinary dispatch."""
    if interceptor.current is not None:
        return dispatch(op_, (input,), params)
    out = Tensor._make(out_data)
    if input._rg and _tls.grad_enabled and out_data.dtype.kind in "fcV":
        record(op_, (input,), params, out_data, (out,), namespace_of(out_data))
    return out


def index_tensor(indices) -> Tensor:
    return Tensor._make(indices)
