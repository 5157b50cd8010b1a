"""Adaptive pooling: output sizes instead of kernels, bins ``[floor(i*n/out),
ceil((i+1)*n/out))`` as torch.

* ``adaptive_avg_pool2d/3d``: one op each (AdaptiveAvgPool2DBackward0 ...), an averaging
  matrix per dim (one small GEMM per dim, no loop over bins); an output of all ones is
  ``mean`` (MeanBackward1), as torch takes that path.
* ``adaptive_max_pool2d/3d``: one op each (AdaptiveMaxPool2DBackward0 ...), each bin padded
  to the longest by repeating its last element, then a scan over bin offsets.
* The 1-d forms run the 2-d ops on ``unsqueeze(-2)``, as torch.
Each backward is an op with torch's ...BackwardBackward0 name.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._dispatch import batched_function
from .._registry import dispatch, expose, op
from . import _pool_kernels as K
from ._pool_args import float_only, index_tensor, int_list, recorded
from .pooling import _double_backward_gather, _expect_1d, _zeros_like

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices"]


# ---------------------------------------------------------------------------- average
def _avg_ops(nd):
    name = f"_adaptive_avg_pool{nd}d"
    title = f"AdaptiveAvgPool{nd}D"
    backward = op(f"{name}_backward",
                  lambda xp, grad_output, x: K.adaptive_avg(
                      xp, grad_output, x.shape[x.ndim - nd:], transpose=True),
                  inputs=("grad_output", "x"),
                  vjps=(lambda F, g, grad_output_shape:
                        getattr(F, name)(g, tuple(grad_output_shape[-nd:])),
                        lambda F, g, x: _zeros_like(F, x)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, lambda xp, x, output_size: K.adaptive_avg(xp, x, output_size),
                 params=("output_size",),
                 vjps=(lambda F, g, x: getattr(F, f"{name}_backward")(g, x),),
                 grad_fn=f"{title}Backward0")
    return forward, backward


ADAPTIVE_AVG2D, ADAPTIVE_AVG2D_BACKWARD = _avg_ops(2)
ADAPTIVE_AVG3D, ADAPTIVE_AVG3D_BACKWARD = _avg_ops(3)


def _with_default(output_size, input, nd):
    """torch's ``_list_with_default``: None keeps the input's size in that dim."""
    if isinstance(output_size, int):
        return (output_size,) * nd
    sizes = list(output_size)
    if len(sizes) == 1 and nd > 1:
        sizes = sizes * nd
    return tuple(input.shape[input.ndim - len(sizes) + i] if v is None else int(v)
                 for i, v in enumerate(sizes))


def _avg_internal(nd):
    forward_op, backward_op = (ADAPTIVE_AVG2D, ADAPTIVE_AVG2D_BACKWARD) if nd == 2 else \
        (ADAPTIVE_AVG3D, ADAPTIVE_AVG3D_BACKWARD)

    def forward(input: Tensor, output_size) -> Tensor:
        return dispatch(forward_op, (input,), {"output_size": tuple(output_size)})

    def backward(grad_output: Tensor, input: Tensor) -> Tensor:
        return dispatch(backward_op, (grad_output, input))

    forward.__name__ = forward.__qualname__ = f"_adaptive_avg_pool{nd}d"
    forward.__doc__ = f"Adaptive average pooling, always the op ({forward_op.grad_fn})."
    backward.__name__ = backward.__qualname__ = f"_adaptive_avg_pool{nd}d_backward"
    backward.__doc__ = f"The gradient of adaptive_avg_pool{nd}d ({backward_op.grad_fn})."
    return (expose(forward, method=False, internal=True),
            expose(backward, method=False, internal=True))


_adaptive_avg_pool2d, _adaptive_avg_pool2d_backward = _avg_internal(2)
_adaptive_avg_pool3d, _adaptive_avg_pool3d_backward = _avg_internal(3)


def _adaptive_avg(nd, input, output_size):
    name = f"adaptive_avg_pool{nd}d"
    sizes = _with_default(output_size, input, nd)
    if len(sizes) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{', '.join(str(s) for s in sizes)}}}")
    if all(s == 1 for s in sizes):
        return input.mean(tuple(range(-1, -nd - 1, -1)), keepdim=True)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(input.shape)}")
    float_only(input, name)
    return (_adaptive_avg_pool2d if nd == 2 else _adaptive_avg_pool3d)(input, sizes)


@expose(method=False)
def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-d adaptive average pooling: the 2-d pool on ``input.unsqueeze(-2)``."""
    _expect_1d(input, "adaptive_avg_pool1d")
    sizes = int_list(output_size)
    if len(sizes) != 1:
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'output_size' should contain one int "
                           f"(got {len(sizes)})")
    return _adaptive_avg(2, input.unsqueeze(-2), (1, sizes[0])).squeeze(-2)


@expose(method=False, internal=True)
def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-d adaptive average pooling to ``output_size`` (an int, a pair, None keeps a dim)
    (AdaptiveAvgPool2DBackward0; MeanBackward1 for an output of 1 x 1)."""
    return _adaptive_avg(2, input, output_size)


@expose(method=False, internal=True)
def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-d adaptive average pooling to ``output_size`` (AdaptiveAvgPool3DBackward0; mean
    for an output of 1 x 1 x 1)."""
    return _adaptive_avg(3, input, output_size)


# ---------------------------------------------------------------------------- max
def _unique_bins(spatial, out_shape) -> bool:
    return all(o and n % o == 0 for n, o in zip(spatial, out_shape))


def _max_ops(nd):
    name = f"adaptive_max_pool{nd}d"
    title = f"AdaptiveMaxPool{nd}D"
    backward = op(f"{name}_backward",
                  lambda xp, grad_output, x, indices: K.scatter_to_plane(
                      xp, grad_output, indices, x.shape[x.ndim - nd:],
                      _unique_bins(x.shape[x.ndim - nd:], indices.shape[indices.ndim - nd:])),
                  inputs=("grad_output", "x"), params=("indices",),
                  vjps=(lambda F, g, indices: _double_backward_gather(F, g, indices, nd),
                        lambda F, g, x: _zeros_like(F, x)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, lambda xp, x, output_size, indices=None:
                 K.adaptive_max(xp, x, output_size)[0],
                 params=("output_size", "indices"),
                 vjps=(lambda F, g, x, indices:
                       getattr(F, f"{name}_backward")(g, x, indices),),
                 grad_fn=f"{title}Backward0")
    return forward, backward


ADAPTIVE_MAX2D, ADAPTIVE_MAX2D_BACKWARD = _max_ops(2)
ADAPTIVE_MAX3D, ADAPTIVE_MAX3D_BACKWARD = _max_ops(3)


def _max_backward_public(nd):
    backward_op = ADAPTIVE_MAX2D_BACKWARD if nd == 2 else ADAPTIVE_MAX3D_BACKWARD

    def backward(grad_output: Tensor, input: Tensor, indices) -> Tensor:
        idx = indices._data if isinstance(indices, Tensor) else indices
        return dispatch(backward_op, (grad_output, input), {"indices": idx})
    backward.__name__ = backward.__qualname__ = f"adaptive_max_pool{nd}d_backward"
    backward.__doc__ = f"The gradient of adaptive_max_pool{nd}d ({backward_op.grad_fn})."
    return expose(backward, method=False, internal=True)


adaptive_max_pool2d_backward = _max_backward_public(2)
adaptive_max_pool3d_backward = _max_backward_public(3)


def _adaptive_max(nd, input, output_size):
    name = f"adaptive_max_pool{nd}d"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    sizes = _with_default(output_size, input, nd)
    if len(sizes) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
    batch = 1 if input.ndim == nd + 2 else 0
    for d in range(batch, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {d} being empty")
    float_only(input, name)
    values, indices = K.adaptive_max(input.xp, input._data, sizes)
    out = recorded(ADAPTIVE_MAX2D if nd == 2 else ADAPTIVE_MAX3D, input,
                   {"output_size": sizes, "indices": indices}, values)
    return out, index_tensor(indices)


@batched_function("adaptive_max_pool1d")
def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-d adaptive max pooling: the 2-d pool on ``input.unsqueeze(-2)``
    (AdaptiveMaxPool2DBackward0); (values, indices) with ``return_indices``."""
    _expect_1d(input, "adaptive_max_pool1d")
    sizes = int_list(output_size)
    if len(sizes) != 1:
        raise RuntimeError(f"adaptive_max_pool1d() argument 'output_size' should contain one int "
                           f"(got {len(sizes)})")
    out, idx = _adaptive_max(2, input.unsqueeze(-2), (1, sizes[0]))
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


@expose(name="adaptive_max_pool1d", method=False)
def _torch_adaptive_max_pool1d(input: Tensor, output_size) -> tuple:
    """torch.adaptive_max_pool1d: (values, indices) of 1-d adaptive max pooling."""
    return adaptive_max_pool1d(input, output_size, True)


@expose(method=False, internal=True)
@batched_function("adaptive_max_pool1d_with_indices")
def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices=False):
    """(values, indices) of 1-d adaptive max pooling."""
    return adaptive_max_pool1d(input, output_size, True)


@expose(method=False, internal=True)
@batched_function("adaptive_max_pool2d_with_indices")
def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices=False):
    """(values, flat indices within each plane) of 2-d adaptive max pooling."""
    return _adaptive_max(2, input, output_size)


@expose(method=False, internal=True)
@batched_function("adaptive_max_pool2d")
def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-d adaptive max pooling to ``output_size`` (AdaptiveMaxPool2DBackward0)."""
    out = _adaptive_max(2, input, output_size)
    return out if return_indices else out[0]


@expose(method=False, internal=True)
@batched_function("adaptive_max_pool3d_with_indices")
def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices=False):
    """(values, flat indices within each volume) of 3-d adaptive max pooling."""
    return _adaptive_max(3, input, output_size)


@expose(method=False, internal=True)
@batched_function("adaptive_max_pool3d")
def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-d adaptive max pooling to ``output_size`` (AdaptiveMaxPool3DBackward0)."""
    out = _adaptive_max(3, input, output_size)
    return out if return_indices else out[0]
