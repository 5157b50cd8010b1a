"""Helpers the elementwise and special families share: torch's dtype words and argument
errors, integer inputs made float, kernels run in float64, and ``out=``."""
from __future__ import annotations

import warnings

from .._dtypes import _BY_NP, get_default_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import _tls

_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_word(x) -> str:
    """torch's C++ name of a dtype (Float, Long, ...), for a tensor, array or dtype."""
    if isinstance(x, Tensor):
        x = x._data.dtype
    elif hasattr(x, "dtype"):
        x = x.dtype
    name = getattr(x, "name", str(x))
    return _WORDS.get(name, name)


def not_implemented(kernel: str, t) -> NotImplementedError:
    """torch's error for a kernel without this dtype: '"erfcx_cpu" not implemented for
    'Half''."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{type_word(t)}\'')


def check_kinds(kernel: str, t: Tensor, kinds: str, half: bool = True) -> None:
    """Raise torch's NotImplementedError unless ``t``'s dtype kind is in ``kinds`` ('f'
    float, 'i'/'u' integers, 'b' bool, 'c' complex); ``half=False`` refuses float16 too."""
    dt = t._data.dtype
    kind = "f" if dt.kind == "V" else dt.kind  # bfloat16 (ml_dtypes) counts as a float
    if kind not in kinds or (not half and kind == "f" and dt.itemsize == 2):
        raise not_implemented(kernel, t)


def require_tensor(fn: str, arg: str, position: int, value) -> None:
    """torch's TypeError for a Python number where only a Tensor is accepted."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def floatify(t):
    """An integer or bool tensor as the default float dtype (it cannot require grad, so no
    graph is lost); float and complex tensors, and non-tensors, unchanged."""
    if isinstance(t, Tensor) and t._data.dtype.kind in "biu":
        return Tensor._make(t._data.astype(get_default_dtype().np))
    return t


def in_float64(kernel):
    """A forward ``kernel(xp, x)`` written for float64, run on any float array: float16 and
    float32 inputs compute in float64 and round once at the end."""
    def forward(xp, x):
        if x.dtype == xp.float64:
            return kernel(xp, x)
        return xp.asarray(kernel(xp, x.astype(xp.float64))).astype(x.dtype)
    forward.__name__ = kernel.__name__
    return forward


# ---------------------------------------------------------------------------- out=
def refuse_complex_autograd(name: str, *inputs) -> None:
    """torch's refusal to record an op it has no complex derivative for: a complex input
    that requires grad, with grad mode on, raises at the forward (silu, scatter_reduce)."""
    if _tls.grad_enabled and any(isinstance(t, Tensor) and t._rg and t._data.dtype.kind == "c"
                                 for t in inputs):
        raise RuntimeError(f"{name} does not support automatic differentiation for outputs "
                           "with complex dtype.")


def _requires_grad(inputs) -> bool:
    return any(isinstance(a, Tensor) and a._rg for a in inputs)


def write_out(name: str, out, inputs, compute):
    """``fn(..., out=out)`` as torch runs it: refused when autograd would need to record,
    computed without a graph, cast into ``out`` (resized, with torch's warning, if its shape
    differs) and ``out`` returned."""
    if isinstance(out, (tuple, list)):
        return _write_outs(name, out, inputs, compute)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _tls.grad_enabled and (_requires_grad(inputs) or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    from ..autograd.grad_mode import no_grad
    with no_grad():
        result = compute()
    copy_into(out, result)
    return out


def _write_outs(name, outs, inputs, compute):
    if _tls.grad_enabled and _requires_grad(inputs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    from ..autograd.grad_mode import no_grad
    with no_grad():
        results = compute()
    for o, r in zip(outs, results):
        copy_into(o, r)
    return tuple(outs)


def copy_into(out: Tensor, result: Tensor) -> None:
    """Store ``result`` in ``out`` with torch's out= rules (cast, resize, version bump)."""
    src, dst = _BY_NP[result._data.dtype], _BY_NP[out._data.dtype]
    if src._category > dst._category:
        raise RuntimeError(f"result type {type_word(src.np)} can't be cast to the desired "
                           f"output type {type_word(dst.np)}")
    shape = result._data.shape
    if out._data.shape != shape:
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out._data.shape)}, which does not match the required output shape "
                f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=4)
        out._data = out.xp.empty(shape, dtype=out._data.dtype)
    out._data[...] = result._data
    out._bump_version()


def check_out_dtype(name: str, out, dtype) -> None:
    """float_power's rule: its out= must already have the result's dtype."""
    if out is not None and isinstance(out, Tensor) and out._data.dtype != dtype.np:
        raise RuntimeError(f"the output given to {name} has dtype {type_word(out)} but the "
                           f"operation's result requires dtype {type_word(dtype.np)}")
