"""Argument parsing and torch's checks (with its messages) for the convolution family."""
from __future__ import annotations

from ..._tensor import Tensor

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}
_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
        "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
        "bool": "bool"}


def scalar_word(t: Tensor) -> str:
    return _SCALAR.get(t._data.dtype.name, t._data.dtype.name)


def _is_int(v) -> bool:
    return isinstance(v, int) or (hasattr(v, "__index__") and not isinstance(v, float))


def conv_int_tuple(value, nd: int, fn: str, arg: str) -> tuple:
    """An int or a sequence of ints as torch's ``IntArrayRef[nd]`` binding reads it: an int
    (or a one-element sequence) repeats ``nd`` times; other lengths pass through for the
    convolution's own length check."""
    if _is_int(value) and not isinstance(value, bool):
        return (int(value),) * nd
    if isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            if not _is_int(v):
                raise TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos "
                                f"{i + 1} with error \"type must be tuple of ints,but got "
                                f"{type(v).__name__}\"")
        vals = tuple(int(v) for v in value)
        return vals * nd if len(vals) == 1 else vals
    raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, not "
                    f"{type(value).__name__}")


def expand_param(value, nd: int, name: str) -> tuple:
    """torch's ``expand_param_if_needed``: one value repeats; otherwise the length must be the
    number of spatial dims of the weight."""
    if isinstance(value, int):
        return (value,) * nd
    vals = tuple(int(v) for v in value)
    if len(vals) == 1:
        return vals * nd
    if len(vals) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(vals)}")
    return vals


def same_padding(kernel, dilation, nd):
    """(symmetric padding per dim, constant_pad_nd pads for the odd extra, or None) of
    ``padding='same'``, as torch's ``_convolution_mode`` computes them."""
    left, pad_nd, symmetric = [], [0] * (2 * nd), True
    for i in range(nd):
        total = dilation[i] * (kernel[i] - 1)
        lo = total // 2
        hi = total - lo
        left.append(lo)
        if lo != hi:
            symmetric = False
            pad_nd[2 * (nd - 1 - i) + 1] = hi - lo
    return tuple(left), (None if symmetric else tuple(pad_nd))


def _shape_word(shape) -> str:
    return str(list(shape))


def check_conv_shapes(input, weight, bias, stride, padding, dilation, transposed,
                      output_padding, groups):
    """torch's ``check_shape_forward`` and its neighbours, in torch's order."""
    wshape = tuple(weight.shape)
    k = len(wshape)
    ishape = tuple(input.shape)
    if input.ndim != k:
        raise RuntimeError(f"Expected {k}-dimensional input for {k}-dimensional weight "
                           f"{_shape_word(wshape)}, but got {input.ndim}-dimensional input of "
                           f"size {_shape_word(ishape)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if wshape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_shape_word(wshape)} instead")
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{_shape_word(wshape)}] instead")
    if not transposed:
        if ishape[1] != wshape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_shape_word(wshape)}, "
                               f"expected input{_shape_word(ishape)} to have "
                               f"{wshape[1] * groups} channels, but got {ishape[1]} channels "
                               "instead")
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != wshape[0]):
            raise RuntimeError(f"Given weight of size {_shape_word(wshape)}, expected bias to be "
                               f"1-dimensional with {wshape[0]} elements, but got bias of size "
                               f"{_shape_word(bias.shape)} instead")
        padded = [ishape[i] + 2 * padding[i - 2] for i in range(2, k)]
        kern = [dilation[i - 2] * (wshape[i] - 1) + 1 for i in range(2, k)]
        if any(p < q for p, q in zip(padded, kern)):
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(map(str, padded))}). Kernel size: "
                               f"({' x '.join(map(str, kern))}). Kernel size can't be greater "
                               "than actual input size")
        return
    if ishape[1] != wshape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_word(wshape)}, expected "
                           f"input{_shape_word(ishape)} to have {wshape[0]} channels, but got "
                           f"{ishape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != wshape[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_word(wshape)}, expected "
                           f"bias to be 1-dimensional with {wshape[1] * groups} elements, but "
                           f"got bias of size {_shape_word(bias.shape)} instead")
    if any(p >= s and p >= d for p, s, d in zip(output_padding, stride, dilation)):
        names = ["depth", "height", "width"][3 - max(k - 2, 2):]
        pad = list(output_padding) if k > 3 else [0] * (4 - k) + list(output_padding)
        st = list(stride) if k > 3 else [1] * (4 - k) + list(stride)
        dl = list(dilation) if k > 3 else [1] * (4 - k) + list(dilation)
        parts = ([f"output_padding_{n}: {v}" for n, v in zip(names, pad)] +
                 [f"stride_{n}: {v}" for n, v in zip(names, st)] +
                 [f"dilation_{n}: {v}" for n, v in zip(names, dl)])
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           "but got " + " ".join(parts))
    out = [(ishape[i] - 1) * stride[i - 2] - 2 * padding[i - 2] +
           dilation[i - 2] * (wshape[i] - 1) + output_padding[i - 2] + 1 for i in range(2, k)]
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, ishape[2:]))})"
                           f". Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")


def conv_dtype_check(input, weight, bias):
    """torch's ``check_input_same_type_as_parameters`` and the kernels' dtype support."""
    di, dw = input._data.dtype, weight._data.dtype
    if di != dw:
        raise RuntimeError(f"Input type (torch.{scalar_word(input)}Tensor) and weight type "
                           f"(torch.{scalar_word(weight)}Tensor) should be the same or input "
                           "should be a MKLDNN tensor and weight is a dense tensor")
    if bias is not None and bias._data.dtype != di:
        raise RuntimeError(f"Input type ({_CPP.get(di.name, di.name)}) and bias type "
                           f"({_CPP.get(bias._data.dtype.name, bias._data.dtype.name)}) should "
                           "be the same")
    if di.kind == "b":
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")
