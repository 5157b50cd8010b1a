"""Piecewise elementwise activations (hardtanh, leaky/elu family, hard*, shrinks,
threshold), each one op with torch's grad_fn, and their backward ops; the helpers the
activation modules share.

Where torch's backward is itself an op (``hardtanh_backward``, ``elu_backward``,
``gelu_backward`` ...), it is registered here too, so ``create_graph=True`` records the node
torch records (HardtanhBackwardBackward0, EluBackwardBackward0 ...). An in-place form that
torch records with a different node (``elu_`` saves its result: EluBackward1) is an op of
its own whose rules read the output. Kernels follow torch's CPU formulas, NaN handling
included (a mask written ``x <= lo or x >= hi`` passes NaN through, as torch's does).
"""
from __future__ import annotations

from ...._tensor import Tensor
from ..._inplace import inplace
from ..._raw import zero_where
from ..._registry import ELEMENTWISE, dispatch, expose, op
from .._compose import check_float, type_word

__all__ = ["hardtanh", "hardtanh_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "hardsigmoid", "hardswish", "hardshrink",
           "softshrink", "threshold", "threshold_"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _zeros_like(F, g):
    return F.zeros(tuple(g.shape), dtype=g.dtype)


def _compute(xp, x):
    """Half precision computes in float32, as torch's CPU kernels do."""
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def _vocab(op_, doc=""):
    """The chainrule function behind ``F.<op name>``: tensor inputs first, then the op's
    parameters, in the order its forward takes them (so the raw and graph meanings of the
    name agree)."""
    n = len(op_.inputs)
    names = op_.params

    def fn(*args):
        return dispatch(op_, tuple(args[:n]), dict(zip(names, args[n:])))
    fn.__name__ = fn.__qualname__ = op_.name
    fn.__doc__ = doc or f"The op behind {op_.grad_fn}."
    return expose(fn, method=False, internal=True)


# ---------------------------------------------------------------------------- hardtanh
def _hardtanh(xp, x, min_val, max_val):
    if x.dtype.kind in "iu":
        min_val, max_val = int(min_val), int(max_val)
    return xp.minimum(xp.maximum(x, min_val), max_val).astype(x.dtype, copy=False)


def _hardtanh_bw(xp, g, x, min_val, max_val):
    return zero_where(xp, (x <= min_val) | (x >= max_val), g)


HARDTANH = op("hardtanh", _hardtanh, params=("min_val", "max_val"),
              vjps=(lambda F, g, x, min_val, max_val:
                    F.hardtanh_backward(g, x, min_val, max_val),))
HARDTANH_BACKWARD = op(
    "hardtanh_backward", _hardtanh_bw, inputs=("grad_output", "x"),
    params=("min_val", "max_val"), grad_fn="HardtanhBackwardBackward0",
    vjps=(lambda F, g, x, min_val, max_val: F.hardtanh_backward(g, x, min_val, max_val),
          lambda F, g: _zeros_like(F, g)))
hardtanh_backward = _vocab(HARDTANH_BACKWARD)


def _hardtanh_out(input, min_val=-1.0, max_val=1.0):
    kind = input._data.dtype.kind
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    if kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    return dispatch(HARDTANH, (input,), {"min_val": min_val, "max_val": max_val})


_hardtanh_out.__name__ = "hardtanh"
_hardtanh_inplace = inplace(_hardtanh_out)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """Clamp into [min_val, max_val] (HardtanhBackward0)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _hardtanh_inplace(input, min_val, max_val)
    return _hardtanh_out(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place hardtanh."""
    return _hardtanh_inplace(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6): hardtanh(x, 0, 6), as torch records it (HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


# ---------------------------------------------------------------------------- leaky_relu
def _leaky(xp, x, negative_slope):
    return xp.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)


def _leaky_bw(xp, g, x, negative_slope, is_result):
    if is_result and negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which "
            "is not supported. This is caused by calling in-place forward function with a "
            "negative slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope")
    return xp.where(x > 0, g, g * negative_slope).astype(g.dtype, copy=False)


LEAKY_RELU = op("leaky_relu", _leaky, params=("negative_slope",),
                vjps=(lambda F, g, x, negative_slope:
                      F.leaky_relu_backward(g, x, negative_slope, False),))
LEAKY_RELU_RESULT = op("leaky_relu_result", _leaky, params=("negative_slope",),
                       grad_fn="LeakyReluBackward1",
                       vjps=(lambda F, g, out, negative_slope:
                             F.leaky_relu_backward(g, out, negative_slope, True),))
LEAKY_RELU_BACKWARD = op(
    "leaky_relu_backward", _leaky_bw, inputs=("grad_output", "x"),
    params=("negative_slope", "is_result"), grad_fn="LeakyReluBackwardBackward0",
    vjps=(lambda F, g, x, negative_slope: F.leaky_relu_backward(g, x, negative_slope, False),
          lambda F, g: _zeros_like(F, g)))
leaky_relu_backward = _vocab(LEAKY_RELU_BACKWARD)


def _leaky_result(input, negative_slope=0.01):
    check_float(input, "leaky_relu_cpu")
    return dispatch(LEAKY_RELU_RESULT, (input,), {"negative_slope": negative_slope})


_leaky_result.__name__ = "leaky_relu"
_leaky_inplace = inplace(_leaky_result)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (LeakyReluBackward0; in place: ...Backward1)."""
    if inplace:
        return _leaky_inplace(input, negative_slope)
    check_float(input, "leaky_relu_cpu")
    return dispatch(LEAKY_RELU, (input,), {"negative_slope": negative_slope})


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place leaky_relu (LeakyReluBackward1)."""
    return _leaky_inplace(input, negative_slope)


# ---------------------------------------------------------------------------- elu family
def _elu(xp, x, alpha, scale, input_scale):
    neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
    return xp.where(x <= 0, neg, x * scale).astype(x.dtype, copy=False)


def _elu_bw(xp, g, x, alpha, scale, input_scale, is_result):
    negcoef = alpha * scale
    if is_result:
        if alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
        neg = g * input_scale * (x + negcoef)
    else:
        neg = g * (input_scale * negcoef) * xp.exp(xp.minimum(x, 0) * input_scale)
    return xp.where(x <= 0, neg, g * scale).astype(g.dtype, copy=False)


def _elu_double(F, g, grad_output, x, alpha, scale, input_scale, is_result):
    """d(elu_backward)/d(self_or_result), as torch's elu_double_backward."""
    if is_result:
        return F.where(x <= 0, g * grad_output * input_scale, 0.0)
    negcoef = alpha * scale
    return F.where(x <= 0, g * grad_output * (input_scale * input_scale * negcoef)
                   * F.exp(x * input_scale), 0.0)


_ELU_PARAMS = ("alpha", "scale", "input_scale")


def _elu_op(name, grad_fn, is_result):
    if is_result:
        rule = (lambda F, g, out, alpha, scale, input_scale:
                F.elu_backward(g, out, alpha, scale, input_scale, True))
    else:
        rule = (lambda F, g, x, alpha, scale, input_scale:
                F.elu_backward(g, x, alpha, scale, input_scale, False))
    return op(name, _elu, params=_ELU_PARAMS, vjps=(rule,), grad_fn=grad_fn)


ELU = _elu_op("elu", "EluBackward0", False)
ELU_RESULT = _elu_op("elu_result", "EluBackward1", True)
CELU = _elu_op("celu", "CeluBackward0", False)
CELU_RESULT = _elu_op("celu_result", "CeluBackward1", True)
ELU_BACKWARD = op(
    "elu_backward", _elu_bw, inputs=("grad_output", "x"),
    params=_ELU_PARAMS + ("is_result",), grad_fn="EluBackwardBackward0",
    vjps=(lambda F, g, x, alpha, scale, input_scale, is_result:
          F.elu_backward(g, x, alpha, scale, input_scale, is_result),
          _elu_double))
elu_backward = _vocab(ELU_BACKWARD)


def _elu_public(op_, kernel="elu_cpu"):
    def fn(input, alpha=1.0, scale=1.0, input_scale=1.0):
        check_float(input, kernel)
        return dispatch(op_, (input,), {"alpha": alpha, "scale": scale,
                                        "input_scale": input_scale})
    fn.__name__ = op_.name.replace("_result", "")
    return fn


_elu_out, _celu_out = _elu_public(ELU), _elu_public(CELU)
_elu_inplace = inplace(_elu_public(ELU_RESULT))
_celu_inplace = inplace(_elu_public(CELU_RESULT))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise (EluBackward0; in place: EluBackward1)."""
    if inplace:
        return _elu_inplace(input, alpha)
    return _elu_out(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place elu (EluBackward1)."""
    return _elu_inplace(input, alpha)


@expose(method=False)
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with SELU's constants; torch records it as EluBackward0."""
    if inplace:
        return _elu_inplace(input, SELU_ALPHA, SELU_SCALE)
    return _elu_out(input, SELU_ALPHA, SELU_SCALE)


@expose(method=False)
def selu_(input: Tensor) -> Tensor:
    """In-place selu (EluBackward1)."""
    return _elu_inplace(input, SELU_ALPHA, SELU_SCALE)


def _celu_alpha(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return 1.0 / alpha


@expose(method=False)
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (CeluBackward0; in place: ...1)."""
    inv = _celu_alpha(alpha)
    if inplace:
        return _celu_inplace(input, alpha, 1.0, inv)
    return _celu_out(input, alpha, 1.0, inv)


@expose(method=False)
def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place celu (CeluBackward1)."""
    return _celu_inplace(input, alpha, 1.0, _celu_alpha(alpha))


# ---------------------------------------------------------------------------- hard*
def _hardsigmoid(xp, x):
    return (xp.minimum(xp.maximum(x + 3, 0), 6) / 6).astype(x.dtype, copy=False)


def _hardsigmoid_bw(xp, g, x):
    return xp.where((x > -3) & (x < 3), g / 6, 0).astype(g.dtype, copy=False)


def _no_double_backward(name):
    def rule(F, g):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return rule


HARDSIGMOID = op("hardsigmoid", _hardsigmoid,
                 vjps=(lambda F, g, x: F.hardsigmoid_backward(g, x),), jvp=ELEMENTWISE)
# torch has no derivative for hardsigmoid_backward: its node is NotImplemented.
HARDSIGMOID_BACKWARD = op("hardsigmoid_backward", _hardsigmoid_bw, inputs=("grad_output", "x"),
                          vjps=(_no_double_backward("hardsigmoid_backward"),
                                _no_double_backward("hardsigmoid_backward")),
                          grad_fn="NotImplemented")
HARDSIGMOID_BACKWARD.node_cls = type("NotImplemented", (HARDSIGMOID_BACKWARD.node_cls,), {
    "__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})
hardsigmoid_backward = _vocab(HARDSIGMOID_BACKWARD)


def _hardswish(xp, x):
    return (x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6).astype(x.dtype, copy=False)


def _hardswish_bw(xp, g, x):
    d = xp.where(x < -3, 0.0, xp.where(x <= 3, x / 3 + 0.5, 1.0))
    return (g * d.astype(g.dtype, copy=False)).astype(g.dtype, copy=False)


HARDSWISH = op("hardswish", _hardswish, vjps=(lambda F, g, x: F.hardswish_backward(g, x),))
HARDSWISH_BACKWARD = op(
    "hardswish_backward", _hardswish_bw, inputs=("grad_output", "x"),
    grad_fn="HardswishBackwardBackward0",
    vjps=(lambda F, g, x: F.hardswish_backward(g, x),
          lambda F, g, grad_output, x: F.where((x > -3) & (x < 3), g * grad_output / 3, 0.0)))
hardswish_backward = _vocab(HARDSWISH_BACKWARD)


def _hardsigmoid_out(input):
    check_float(input, "hardsigmoid_cpu")
    return dispatch(HARDSIGMOID, (input,))


def _hardswish_out(input):
    check_float(input, "hardswish_cpu")
    return dispatch(HARDSWISH, (input,))


_hardsigmoid_out.__name__, _hardswish_out.__name__ = "hardsigmoid", "hardswish"
_hardsigmoid_inplace = inplace(_hardsigmoid_out)
_hardswish_inplace = inplace(_hardswish_out)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6) / 6 (HardsigmoidBackward0; no double backward, as torch)."""
    return _hardsigmoid_inplace(input) if inplace else _hardsigmoid_out(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x) (HardswishBackward0)."""
    return _hardswish_inplace(input) if inplace else _hardswish_out(input)


# ---------------------------------------------------------------------------- shrinks
def _hardshrink(xp, x, lambd):
    return xp.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)


def _shrink_bw(xp, g, x, lambd):
    return zero_where(xp, (x >= -lambd) & (x <= lambd), g)


def _softshrink(xp, x, lambd):
    out = xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, 0))
    return out.astype(x.dtype, copy=False)


HARDSHRINK = op("hardshrink", _hardshrink, params=("lambd",),
                vjps=(lambda F, g, x, lambd: F.hardshrink_backward(g, x, lambd),))
HARDSHRINK_BACKWARD = op(
    "hardshrink_backward", _shrink_bw, inputs=("grad_output", "x"), params=("lambd",),
    grad_fn="HardshrinkBackwardBackward0",
    vjps=(lambda F, g, x, lambd: F.hardshrink_backward(g, x, lambd),
          lambda F, g: _zeros_like(F, g)))
hardshrink_backward = _vocab(HARDSHRINK_BACKWARD)
SOFTSHRINK = op("softshrink", _softshrink, params=("lambd",),
                vjps=(lambda F, g, x, lambd: F.softshrink_backward(g, x, lambd),))
SOFTSHRINK_BACKWARD = op(
    "softshrink_backward", _shrink_bw, inputs=("grad_output", "x"), params=("lambd",),
    grad_fn="SoftshrinkBackwardBackward0",
    vjps=(lambda F, g, x, lambd: F.softshrink_backward(g, x, lambd),
          lambda F, g: _zeros_like(F, g)))
softshrink_backward = _vocab(SOFTSHRINK_BACKWARD)


@expose
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (HardshrinkBackward0)."""
    check_float(input, "hardshrink_cpu")
    return dispatch(HARDSHRINK, (input,), {"lambd": lambd})


_FLOAT_MAX = {"float16": "65504", "float32": "3.40282e+38", "float64": "1.79769e+308"}


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (SoftshrinkBackward0)."""
    check_float(input, "softshrink_check")
    top = _FLOAT_MAX.get(input.dtype.name, "inf")
    if not 0 <= lambd <= float(top):
        raise RuntimeError(f"lambda must be in range [0, {top}] for input dtype "
                           f"{type_word(input)}, but found {lambd:g}")
    return dispatch(SOFTSHRINK, (input,), {"lambd": lambd})


# ---------------------------------------------------------------------------- threshold
def _threshold(xp, x, threshold, value):
    if x.dtype.kind in "iu":
        threshold, value = int(threshold), int(value)
    return xp.where(x <= threshold, value, x).astype(x.dtype, copy=False)


def _threshold_bw(xp, g, x, threshold):
    return zero_where(xp, x <= threshold, g)


THRESHOLD = op("threshold", _threshold, params=("threshold", "value"),
               vjps=(lambda F, g, x, threshold: F._threshold_backward(g, x, threshold),))
# threshold_ records ThresholdBackward1, which masks on the input as it was before the write.
THRESHOLD_RESULT = op("threshold_result", _threshold, params=("threshold", "value"),
                      grad_fn="ThresholdBackward1",
                      vjps=(lambda F, g, x, threshold: F._threshold_backward(g, x, threshold),))
THRESHOLD_BW = op(
    "_threshold_backward", _threshold_bw, inputs=("grad_output", "x"), params=("threshold",),
    grad_fn="ThresholdBackwardBackward0",
    vjps=(lambda F, g, x, threshold: F._threshold_backward(g, x, threshold),
          lambda F, g: _zeros_like(F, g)))
_threshold_backward = _vocab(THRESHOLD_BW)


def _threshold_check(input):
    kind = input._data.dtype.kind
    if kind in "bc":
        raise NotImplementedError(f'"threshold_cpu" not implemented for \'{type_word(input)}\'')


def _threshold_result(input, threshold, value):
    _threshold_check(input)
    return dispatch(THRESHOLD_RESULT, (input,), {"threshold": threshold, "value": value})


_threshold_result.__name__ = "threshold"
_threshold_inplace = inplace(_threshold_result)


@expose(method=False)
def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002 - torch's names
              inplace: bool = False) -> Tensor:
    """``value`` where x <= threshold, else x (ThresholdBackward0; in place: ...Backward1)."""
    if inplace:
        return _threshold_inplace(input, threshold, value)
    _threshold_check(input)
    return dispatch(THRESHOLD, (input,), {"threshold": threshold, "value": value})


@expose(method=False)
def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """In-place threshold (ThresholdBackward1)."""
    return _threshold_inplace(input, threshold, value)


