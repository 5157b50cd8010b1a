"""Pieces torch's nn composites are built from that no other family provided when the
activation/loss family was written: the Scalar overloads of the arithmetic ops (torch
records ``x * 0.5`` written in C++ as MulBackward1, not MulBackward0), ``at::norm`` over a
dim (NormBackward1, behind ``pairwise_distance``), ``linalg.vector_norm``
(LinalgVectorNormBackward0, behind ``normalize``) and ``xlogy`` (behind ``kl_div``).

Each is a private op (``_nn_`` names, so no registry clash when the linalg/special families
bring their own) with torch's grad_fn name; the backward rules are written with ``F`` so
double backward works. Also here: dtype checks in torch's words and the reduction enum.
"""
from __future__ import annotations

import math
import sys
import warnings

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op

_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def numpy_generator(generator=None):
    """The NumPy Generator random nn ops draw from: ``generator``'s, or the default one's
    (chainrule/_generator.py's where the creation module no longer keeps the stream, as on
    main after the device family; _creation.py's, which ``manual_seed`` seeds, before)."""
    from ... import _creation
    legacy = getattr(_creation, "_gen", None)
    if legacy is not None:
        return legacy(generator)
    from ..._generator import resolve
    return resolve(generator)


def named(name: str):
    """Give a torch.* form (defined as ``_torch_x`` beside the nn.functional ``x``) its
    public name."""
    def rename(fn):
        fn.__name__ = fn.__qualname__ = name
        return fn
    return rename


def type_word(t: Tensor) -> str:
    """torch's C++ name of a tensor's dtype ('Float', 'Long', ...)."""
    return _WORDS.get(t.dtype.name, t.dtype.name)


def check_float(input: Tensor, kernel: str, complex_ok: bool = False) -> None:
    """torch's NotImplementedError for a kernel that only has floating-point versions."""
    kind = input._data.dtype.kind
    if kind not in "fV" and not (complex_ok and kind == "c"):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_word(input)}\'')


def warn(message: str, category=UserWarning) -> None:
    """warnings.warn pointing at the first caller outside chainrule (the user's line)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("chainrule"):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def reduction_enum(reduction: str) -> int:
    """torch's _Reduction.get_enum: 'none' 0, 'mean' 1, 'sum' 2."""
    if reduction == "none":
        return 0
    if reduction == "mean":
        return 1
    if reduction == "elementwise_mean":
        warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
             "instead.")
        return 1
    if reduction == "sum":
        return 2
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_enum(size_average, reduce) -> int:
    """torch's _Reduction.legacy_get_enum (with its deprecation warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
         "instead.")
    return reduction_enum(ret)


def enum_of(reduction, size_average, reduce) -> int:
    if size_average is not None or reduce is not None:
        return legacy_enum(size_average, reduce)
    return reduction_enum(reduction)


def apply_reduction(loss: Tensor, reduction: int) -> Tensor:
    """torch's apply_loss_reduction: mean (MeanBackward0), sum (SumBackward0) or as is."""
    if reduction == 1:
        return loss.mean()
    if reduction == 2:
        return loss.sum()
    return loss


# ---------------------------------------------------------------------------- Scalar ops
MUL_SCALAR = op("_nn_mul_scalar", lambda xp, x, other: x * other, params=("other",),
                vjps=(lambda F, g, other: F._nn_mul_scalar(g, other),), grad_fn="MulBackward1")
ADD_SCALAR = op("_nn_add_scalar", lambda xp, x, other: x + other, params=("other",),
                vjps=(lambda F, g: g,), grad_fn="AddBackward1")
SUB_SCALAR = op("_nn_sub_scalar", lambda xp, x, other: x - other, params=("other",),
                vjps=(lambda F, g: g,), grad_fn="SubBackward1")
DIV_SCALAR = op("_nn_div_scalar", lambda xp, x, other: x / other, params=("other",),
                vjps=(lambda F, g, other: F._nn_div_scalar(g, other),), grad_fn="DivBackward1")


def _scalar_public(op_):
    def fn(input, other):
        return dispatch(op_, (input,), {"other": other})
    fn.__name__ = fn.__qualname__ = op_.name
    fn.__doc__ = f"``input {op_.name[8:]} other`` for a Python number ({op_.grad_fn})."
    return expose(fn, method=False, internal=True)


mul_scalar = _scalar_public(MUL_SCALAR)
add_scalar = _scalar_public(ADD_SCALAR)
sub_scalar = _scalar_public(SUB_SCALAR)
div_scalar = _scalar_public(DIV_SCALAR)


# ---------------------------------------------------------------------------- norms
def _norm_forward(xp, x, p, dim, keepdim):
    a = xp.abs(x)
    if p == 2:
        out = xp.sqrt(xp.sum(a * a, axis=dim, keepdims=keepdim))
    elif p == 1:
        out = xp.sum(a, axis=dim, keepdims=keepdim)
    elif p == math.inf:
        out = xp.max(a, axis=dim, keepdims=keepdim) if x.size else \
            xp.zeros(_reduced_shape(x.shape, dim, keepdim), dtype=x.dtype)
    elif p == -math.inf:
        out = xp.min(a, axis=dim, keepdims=keepdim)
    elif p == 0:
        out = xp.sum(a != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    else:
        out = xp.sum(a ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)
    return xp.asarray(out, dtype=x.real.dtype if x.dtype.kind == "c" else x.dtype)


def _reduced_shape(shape, dims, keepdim):
    return tuple(1 if i in dims else n for i, n in enumerate(shape) if keepdim or i not in dims)


def _norm_backward(F, g, x, out, p, dim, keepdim):
    """torch's norm_backward: the gradient of a p-norm over ``dim``; zero where the norm is
    zero (p >= 1), shared evenly between ties for the infinity norms."""
    if not keepdim and dim:
        g = F.unsqueeze_dims(g, dim)
        out = F.unsqueeze_dims(out, dim)
    if p == 0:
        return x * 0
    if p == 1:
        return g * F.sign(x)
    if p == 2:
        return F.where(out == 0, 0.0, g * x / out)
    if p in (math.inf, -math.inf):
        ties = F.abs(x) == out
        count = F.sum(ties, dim, True)
        return g * F.sign(x) * ties / count
    scale = F.abs(x) ** (p - 2) * x / out ** (p - 1)
    return F.where(out == 0, 0.0, g * scale)


NORM = op("_nn_norm", _norm_forward, params=("p", "dim", "keepdim"), grad_fn="NormBackward1",
          vjps=(_norm_backward,))
VECTOR_NORM = op("_nn_vector_norm", _norm_forward, params=("p", "dim", "keepdim"),
                 grad_fn="LinalgVectorNormBackward0", vjps=(_norm_backward,))


def _norm_args(input, p, dim, keepdim, name):
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {type_word(input)}")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = input.ndim
    dims = tuple(sorted({_wrap_dim(d, nd) for d in dims})) if nd else ()
    return {"p": float(p), "dim": dims, "keepdim": keepdim}


@expose(method=False, internal=True)
def _nn_norm(input: Tensor, p: float = 2.0, dim=-1, keepdim: bool = False) -> Tensor:
    """at::norm(input, p, dim, keepdim): the p-norm over ``dim`` (NormBackward1)."""
    return dispatch(NORM, (input,), _norm_args(input, p, dim, keepdim, "norm"))


@expose(method=False, internal=True)
def _nn_vector_norm(input: Tensor, p: float = 2.0, dim=-1, keepdim: bool = False) -> Tensor:
    """torch.linalg.vector_norm over ``dim`` (LinalgVectorNormBackward0)."""
    return dispatch(VECTOR_NORM, (input,),
                    _norm_args(input, p, dim, keepdim, "linalg.vector_norm"))


# ---------------------------------------------------------------------------- xlogy
def _xlogy(xp, a, b):
    out = xp.where(a == 0, 0.0, a * xp.log(b)).astype(xp.result_type(a, b), copy=False)
    return xp.where(xp.isnan(b), b, out).astype(out.dtype, copy=False)


XLOGY = op("_nn_xlogy", _xlogy, inputs=("a", "b"), grad_fn="XlogyBackward0",
           vjps=(lambda F, g, a, b: g * F.where(a == 0, 0.0, F.log(b)),
                 lambda F, g, a, b: g * a / b),
           dtype_rule="promote_float", broadcasts=True)


@expose(method=False, internal=True)
def _nn_xlogy(input: Tensor, other: Tensor) -> Tensor:
    """``input * log(other)``, zero where ``input`` is zero (XlogyBackward0)."""
    return dispatch(XLOGY, (input, other))
