"""Max, average, power-average pooling and max unpooling, as torch records them.

* ``max_pool2d`` / ``max_pool3d`` are one op each (MaxPool2DWithIndicesBackward0 ...); the
  values and flat indices come from one scan over kernel offsets of a strided view
  (``_pool_kernels.max_pool``), and the node keeps the indices. The backward is an op too
  (MaxPool2DWithIndicesBackwardBackward0) whose derivative in ``grad_output`` is torch's
  ``max_pool_double_backward`` (view, gather, view).
* ``avg_pool2d`` / ``avg_pool3d`` (AvgPool2DBackward0 ...), the backward an op whose
  derivative in ``grad_output`` is the pool itself.
* The 1-d forms are the 2-d ops on an unsqueezed input, then squeezed back, as torch.
* ``lp_pool*`` are torch's compositions; ``max_unpool*`` one op each (MaxUnpool2DBackward0).
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _pool_kernels as K
from ._pool_args import (
    expand,
    index_tensor,
    int_list,
    output_shape,
    pool_params,
    recorded,
    shape_check,
)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d"]

_MAX_PARAMS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "indices")
_AVG_PARAMS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
               "divisor_override")


def _disjoint(kernel, stride, dilation) -> bool:
    """True when no two windows share an element (so indices are unique)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


# ---------------------------------------------------------------------------- max pool
def _max_forward(xp, x, kernel_size, stride, padding, dilation, ceil_mode, indices=None):
    nd = len(kernel_size)
    out_shape = tuple(K.pool_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                      zip(x.shape[x.ndim - nd:], kernel_size, stride, padding, dilation))
    return K.max_pool(xp, x, kernel_size, stride, padding, dilation, out_shape)[0]


def _max_backward(xp, grad_output, x, kernel_size, stride, padding, dilation, ceil_mode,
                  indices):
    nd = len(kernel_size)
    return K.scatter_to_plane(xp, grad_output, indices, x.shape[x.ndim - nd:],
                              _disjoint(kernel_size, stride, dilation))


def _double_backward_gather(F, g, indices, nd):
    """torch's ``max_pool_double_backward``: ``g`` read at ``indices`` in each plane (view,
    gather, view)."""
    lead = tuple(indices.shape[:indices.ndim - nd])
    flat = F.reshape(g, lead + (-1,))
    picked = F._gather(flat, len(lead), indices.reshape(lead + (-1,)))
    return F.reshape(picked, tuple(indices.shape))


def _zeros_like(F, x):
    return F.zeros(tuple(x.shape), dtype=x.dtype)


def _max_ops(nd):
    title = f"MaxPool{nd}DWithIndices"
    name = f"max_pool{nd}d_with_indices"
    backward = op(f"{name}_backward", _max_backward, inputs=("grad_output", "x"),
                  params=_MAX_PARAMS,
                  vjps=((lambda F, g, indices: _double_backward_gather(F, g, indices, nd)),
                        lambda F, g, x: _zeros_like(F, x)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, _max_forward, params=_MAX_PARAMS,
                 vjps=((lambda F, g, x, kernel_size, stride, padding, dilation, ceil_mode,
                        indices: getattr(F, f"{name}_backward")(
                            g, x, kernel_size, stride, padding, dilation, ceil_mode,
                            indices)),),
                 grad_fn=f"{title}Backward0")
    return forward, backward


MAX_POOL2D, MAX_POOL2D_BACKWARD = _max_ops(2)
MAX_POOL3D, MAX_POOL3D_BACKWARD = _max_ops(3)


def _max_pool_nd(nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    """(values, indices) of 2-d or 3-d max pooling, with torch's checks."""
    name = f"max_pool{nd}d"
    kernel, st, pad, dil = pool_params(name, nd, kernel_size, stride, padding, dilation)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    out_shape = output_shape(input.shape[input.ndim - nd:], kernel, st, pad, dil, ceil_mode)
    shape_check(input, nd, kernel, st, dil, out_shape,
                "max_pool3d_with_indices_out_cpu_template")
    x = input._data
    values, indices = K.max_pool(input.xp, x, kernel, st, pad, dil, out_shape)
    params = {"kernel_size": kernel, "stride": st, "padding": pad, "dilation": dil,
              "ceil_mode": bool(ceil_mode), "indices": indices}
    out = recorded(MAX_POOL2D if nd == 2 else MAX_POOL3D, input, params, values)
    return out, index_tensor(indices)


def _max_backward_public(nd):
    forward_op = MAX_POOL2D_BACKWARD if nd == 2 else MAX_POOL3D_BACKWARD

    def backward(grad_output: Tensor, input: Tensor, kernel_size, stride, padding, dilation,
                 ceil_mode, indices) -> Tensor:
        idx = indices._data if isinstance(indices, Tensor) else indices
        params = {"kernel_size": tuple(kernel_size), "stride": tuple(stride),
                  "padding": tuple(padding), "dilation": tuple(dilation),
                  "ceil_mode": bool(ceil_mode), "indices": idx}
        return dispatch(forward_op, (grad_output, input), params)
    backward.__name__ = backward.__qualname__ = f"max_pool{nd}d_with_indices_backward"
    backward.__doc__ = f"The gradient of max_pool{nd}d ({forward_op.grad_fn})."
    return expose(backward, method=False, internal=True)


max_pool2d_with_indices_backward = _max_backward_public(2)
max_pool3d_with_indices_backward = _max_backward_public(3)


def _max_pool1d_checks(input, kernel_size, stride, padding, dilation, ceil_mode):
    """torch.max_pool1d's own checks (the path without return_indices)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    k, s, p, d = (int_list(v) for v in (kernel_size, stride, padding, dilation))
    if len(k) != 1:
        raise RuntimeError(f"max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(k)}")
    if len(s) not in (0, 1):
        raise RuntimeError(f"max_pool1d() stride must be None, an int, list of ints, or tuple "
                           f"of ints of size 1 but got size {len(s)}")
    if len(p) != 1:
        raise RuntimeError(f"max_pool1d() padding must be an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(p)}")
    if len(d) != 1:
        raise RuntimeError(f"max_pool1d() dilation must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(d)}")
    s = s or k
    if k[0] <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k[0]}")
    if s[0] <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s[0]}")
    if p[0] < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
    if p[0] > k[0] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p[0]} and kernel_size={k[0]}")
    if d[0] <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")
    ow = K.pool_out_size(input.shape[-1], k[0], s[0], p[0], d[0], ceil_mode)
    if ow <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {ow}")


def _expect_1d(input, name):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {name})")


def _one(v, default=None):
    vals = int_list(v)
    return vals[0] if vals else default


@expose(method=False)
def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(values, indices) of 1-d max pooling: the 2-d op on ``input.unsqueeze(-2)``."""
    _expect_1d(input, "max_pool1d")
    k = _one(kernel_size)
    s = _one(stride, k)
    out, idx = _max_pool_nd(2, input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding)),
                            (1, _one(dilation)), ceil_mode)
    return out.squeeze(-2), idx.squeeze(-2)


@expose(method=False)
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-d max pooling over ``(N, C, L)`` or ``(C, L)`` (MaxPool2DWithIndicesBackward0 on the
    unsqueezed input); ``return_indices`` also returns the argmax positions."""
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    _max_pool1d_checks(input, kernel_size, stride, padding, dilation, ceil_mode)
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


@expose(method=False, internal=True)
def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(values, flat indices within each plane) of 2-d max pooling."""
    return _max_pool_nd(2, input, kernel_size, stride, padding, dilation, ceil_mode)


@expose(method=False)
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-d max pooling over ``(N, C, H, W)`` or ``(C, H, W)`` (MaxPool2DWithIndicesBackward0);
    ``return_indices`` also returns the argmax positions (``h * W + w``).

    >>> import chainrule as torch
    >>> torch.max_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    out = _max_pool_nd(2, input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


@expose(method=False, internal=True)
def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(values, flat indices within each volume) of 3-d max pooling."""
    return _max_pool_nd(3, input, kernel_size, stride, padding, dilation, ceil_mode)


@expose(method=False)
def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-d max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``
    (MaxPool3DWithIndicesBackward0)."""
    out = _max_pool_nd(3, input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


# ---------------------------------------------------------------------------- avg pool
def _avg_forward(xp, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    nd = len(kernel_size)
    out_shape = tuple(K.pool_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in
                      zip(x.shape[x.ndim - nd:], kernel_size, stride, padding))
    return K.avg_pool(xp, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                      divisor_override, out_shape)


def _avg_backward(xp, grad_output, x, kernel_size, stride, padding, ceil_mode,
                  count_include_pad, divisor_override):
    nd = len(kernel_size)
    return K.avg_pool_backward(xp, grad_output, x.shape[x.ndim - nd:], kernel_size, stride,
                               padding, count_include_pad, divisor_override)


def _avg_ops(nd):
    name = f"avg_pool{nd}d"
    title = f"AvgPool{nd}D"

    def double(F, g, kernel_size, stride, padding, ceil_mode, count_include_pad,
               divisor_override):
        return getattr(F, name)(g, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                divisor_override)

    def first(F, g, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
        return getattr(F, f"{name}_backward")(g, x, kernel_size, stride, padding, ceil_mode,
                                              count_include_pad, divisor_override)

    backward = op(f"{name}_backward", _avg_backward, inputs=("grad_output", "x"),
                  params=_AVG_PARAMS, vjps=(double, lambda F, g, x: _zeros_like(F, x)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, _avg_forward, params=_AVG_PARAMS, vjps=(first,),
                 grad_fn=f"{title}Backward0")
    return forward, backward


AVG_POOL2D, AVG_POOL2D_BACKWARD = _avg_ops(2)
AVG_POOL3D, AVG_POOL3D_BACKWARD = _avg_ops(3)


def _avg_pool_nd(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    name = f"avg_pool{nd}d"
    if isinstance(kernel_size, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor")
    kernel, st, pad = pool_params(name, nd, kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if nd == 3 and input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if input.ndim < nd + 1:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {-(nd + 1)})")
    if input.ndim > nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    out_shape = output_shape(input.shape[input.ndim - nd:], kernel, st, pad, (1,) * nd,
                             ceil_mode)
    shape_check(input, nd, kernel, st, (1,) * nd, out_shape, "avg_pool3d_out_cpu_template")
    params = {"kernel_size": kernel, "stride": st, "padding": pad,
              "ceil_mode": bool(ceil_mode), "count_include_pad": bool(count_include_pad),
              "divisor_override": None if divisor_override is None else int(divisor_override)}
    return dispatch(AVG_POOL2D if nd == 2 else AVG_POOL3D, (input,), params)


def _avg_public(nd):
    forward_op, backward_op = (AVG_POOL2D, AVG_POOL2D_BACKWARD) if nd == 2 else \
        (AVG_POOL3D, AVG_POOL3D_BACKWARD)

    def forward(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
        return _avg_pool_nd(nd, input, kernel_size, stride, padding, ceil_mode,
                            count_include_pad, divisor_override)

    def backward(grad_output: Tensor, input: Tensor, kernel_size, stride, padding, ceil_mode,
                 count_include_pad, divisor_override) -> Tensor:
        params = {"kernel_size": tuple(kernel_size), "stride": tuple(stride),
                  "padding": tuple(padding), "ceil_mode": bool(ceil_mode),
                  "count_include_pad": bool(count_include_pad),
                  "divisor_override": divisor_override}
        return dispatch(backward_op, (grad_output, input), params)

    forward.__name__ = forward.__qualname__ = f"avg_pool{nd}d"
    forward.__doc__ = (f"{nd}-d average pooling ({forward_op.grad_fn}); the divisor is the "
                       "window size within the padded input (count_include_pad), within the "
                       "input, or divisor_override.")
    backward.__name__ = backward.__qualname__ = f"avg_pool{nd}d_backward"
    backward.__doc__ = f"The gradient of avg_pool{nd}d ({backward_op.grad_fn})."
    return (expose(forward, method=False, internal=True),
            expose(backward, method=False, internal=True))


avg_pool2d, avg_pool2d_backward = _avg_public(2)
avg_pool3d, avg_pool3d_backward = _avg_public(3)


@expose(method=False)
def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling: avg_pool2d on ``input.unsqueeze(-2)``, squeezed back."""
    _expect_1d(input, "avg_pool1d")
    k = int_list(kernel_size)
    s = int_list(stride) or k
    p = int_list(padding)
    for vals, what in ((k, "kernel_size"), (s, "stride"), (p, "padding")):
        if len(vals) != 1:
            raise RuntimeError(f"avg_pool1d() argument '{what}' should contain one int (got "
                               f"{len(vals)})")
    out = _avg_pool_nd(2, input.unsqueeze(-2), (1, k[0]), (1, s[0]), (0, p[0]), ceil_mode,
                       count_include_pad, None)
    return out.squeeze(-2)


# ---------------------------------------------------------------------------- lp pool
def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    """torch's composition: the average of ``x ** p`` over each window, times the window
    size, to the power ``1 / p`` (sign * relu(abs) guards the root)."""
    from ..pointwise import abs as abs_
    from ..pointwise import relu, sign
    maxes = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}
    avgs = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}
    kernel = expand(int_list(kernel_size), nd)
    if norm_type == float("inf"):
        return maxes[nd](input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -maxes[nd](-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avgs[nd](input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avgs[nd](input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    size = 1
    for k in kernel:
        size *= k
    return (sign(out) * relu(abs_(out))).mul(size).pow(1.0 / norm_type)


@expose(method=False, internal=True)
def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """1-d power-average pooling: ``(sum over the window of x ** p) ** (1 / p)``."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


@expose(method=False, internal=True)
def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """2-d power-average pooling: ``(sum over the window of x ** p) ** (1 / p)``."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


@expose(method=False, internal=True)
def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """3-d power-average pooling: ``(sum over the window of x ** p) ** (1 / p)``."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------------------- unpool
def _unpool_forward(xp, x, indices, output_size):
    nd = len(output_size)
    lead = x.shape[:x.ndim - nd]
    rows = K.prod(lead)
    out = xp.zeros((rows, K.prod(output_size)), dtype=x.dtype)
    xp.put_along_axis(out, indices.reshape(rows, -1), x.reshape(rows, -1), axis=1)
    return out.reshape(tuple(lead) + tuple(output_size))


def _unpool_op(nd):
    return op(f"max_unpool{nd}d", _unpool_forward, params=("indices", "output_size"),
              vjps=(lambda F, g, indices: _double_backward_gather(F, g, indices, nd),),
              grad_fn=f"MaxUnpool{nd}DBackward0")


MAX_UNPOOL2D = _unpool_op(2)
MAX_UNPOOL3D = _unpool_op(3)


def _unpool_output_size(input, kernel, stride, padding, output_size):
    nd = len(kernel)
    default = [(input.shape[input.ndim - nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        shown = output_size  # torch's message prints the object it was given (sliced)
        output_size = list(output_size)
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{shown}" (dim {d} '
                                 f'must be between {lo} and {hi})')
        ret = output_size
    for d in range(nd):
        if ret[d] < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={ret[d]}")
    return [int(v) for v in ret]


def _max_unpool(nd, input, indices, output_size):
    """torch's max_unpool2d / max_unpool3d kernels' checks, then the op."""
    if indices._data.dtype.name != "int64":
        from ._conv_args import scalar_word
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{scalar_word(indices)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {input.ndim} dimensions.")
    idx = indices._data
    size = K.prod(output_size)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(v) for v in output_size)})")
    return dispatch(MAX_UNPOOL2D if nd == 2 else MAX_UNPOOL3D, (input,),
                    {"indices": idx, "output_size": tuple(output_size)})


def _unpool_args(nd, kernel_size, stride, padding):
    kernel = expand(int_list(kernel_size), nd)
    st = expand(int_list(stride), nd) if stride is not None else kernel
    return kernel, st, expand(int_list(padding), nd)


@expose(method=False, internal=True)
def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: ``input`` placed at ``indices`` in zeros
    (max_unpool2d on ``unsqueeze(-1)``)."""
    kernel, st, pad = _unpool_args(1, kernel_size, stride, padding)
    size = _unpool_output_size(input, kernel, st, pad, output_size) + [1]
    return _max_unpool(2, input.unsqueeze(-1), indices.unsqueeze(-1), size).squeeze(-1)


@expose(method=False, internal=True)
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: ``input`` placed at ``indices`` in zeros
    (MaxUnpool2DBackward0)."""
    kernel, st, pad = _unpool_args(2, kernel_size, stride, padding)
    size = _unpool_output_size(input, kernel, st, pad, output_size)
    return _max_unpool(2, input, indices, size)


@expose(method=False, internal=True)
def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool3d: ``input`` placed at ``indices`` in zeros
    (MaxUnpool3DBackward0)."""
    kernel, st, pad = _unpool_args(3, kernel_size, stride, padding)
    size = _unpool_output_size(input, kernel, st, pad, output_size)
    return _max_unpool(3, input, indices, size)

