"""grid_sample and affine_grid, as torch records them.

* ``grid_sampler_2d`` / ``grid_sampler_3d`` are one op each (GridSampler2DBackward0 ...,
  edges to input and grid); the backward is an op with two outputs
  (GridSampler2DBackwardBackward0), whose own derivative is worked out analytically from
  the same taps (``_grid_kernels.double_backward``). That third level is a plain array
  computation: derivatives of order three of grid_sample are not recorded.
* ``affine_grid_generator`` (AffineGridGeneratorBackward0) is the base grid times theta;
  its backward is composed as torch composes it (bmm, transpose).
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _grid_kernels as G
from ._conv_args import scalar_word

__all__ = ["grid_sample", "affine_grid", "GRID_SAMPLE_INTERPOLATION_MODES",
           "GRID_SAMPLE_PADDING_MODES"]

# torch's name -> enum tables (nn.functional shows them)
GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_PARAMS = ("interpolation_mode", "padding_mode", "align_corners")


def _modes(interpolation_mode, padding_mode):
    return G.MODES[interpolation_mode], G.PADDINGS[padding_mode]


def _forward(xp, input, grid, interpolation_mode, padding_mode, align_corners):
    mode, pad = _modes(interpolation_mode, padding_mode)
    return G.forward(xp, input, grid, mode, pad, align_corners)


def _backward(xp, grad_output, input, grid, interpolation_mode, padding_mode, align_corners,
              output_mask):
    mode, pad = _modes(interpolation_mode, padding_mode)
    gi, gg = G.backward(xp, grad_output, input, grid, mode, pad, align_corners, output_mask)
    zero = xp.zeros((), dtype=grad_output.dtype)
    return (gi if gi is not None else xp.broadcast_to(zero, input.shape),
            gg if gg is not None else xp.broadcast_to(zero, grid.shape))


def _double(xp, ggi, ggg, grad_output, input, grid, interpolation_mode, padding_mode,
            align_corners):
    mode, pad = _modes(interpolation_mode, padding_mode)
    return G.double_backward(xp, ggi, ggg, grad_output, input, grid, mode, pad, align_corners)


def _sampler_ops(nd):
    name = f"grid_sampler_{nd}d"
    title = f"GridSampler{nd}D"

    def first(which):
        mask = (which == 0, which == 1)

        def rule(F, g, input, grid, interpolation_mode, padding_mode, align_corners):
            return getattr(F, f"{name}_backward")(g, input, grid, interpolation_mode,
                                                   padding_mode, align_corners, mask)[which]
        return rule

    def second(which):
        def rule(F, g, grad_output, input, grid, interpolation_mode, padding_mode,
                 align_corners):
            ggi, ggg = g
            if which == 1 and interpolation_mode == 1:
                return None  # nearest: grad_grid is zero whatever the input (torch: None)
            return F._grid_sampler_double_backward(
                ggi, ggg, grad_output, input, grid, interpolation_mode, padding_mode,
                align_corners)[which]
        return rule

    backward = op(f"{name}_backward", _backward, inputs=("grad_output", "input", "grid"),
                  params=_PARAMS + ("output_mask",), num_outputs=2,
                  vjps=(second(0), second(1), second(2)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, _forward, inputs=("input", "grid"), params=_PARAMS,
                 vjps=(first(0), first(1)), grad_fn=f"{title}Backward0")
    return forward, backward


GRID_SAMPLER_2D, GRID_SAMPLER_2D_BACKWARD = _sampler_ops(2)
GRID_SAMPLER_3D, GRID_SAMPLER_3D_BACKWARD = _sampler_ops(3)
def _no_third_derivative(F, g):
    raise NotImplementedError("the derivative for '_grid_sampler_double_backward' is not "
                              "implemented: grid_sample has derivatives up to order two here "
                              "(torch goes to order three)")


# The double backward as arrays: recorded (so a third derivative raises, never a silent
# zero), with no derivative of its own.
GRID_SAMPLER_DOUBLE = op("_grid_sampler_double_backward", _double,
                         inputs=("ggi", "ggg", "grad_output", "input", "grid"), params=_PARAMS,
                         num_outputs=3, vjps=(_no_third_derivative,) * 5)


@expose(method=False, internal=True)
def _grid_sampler_double_backward(ggi, ggg, grad_output, input, grid, interpolation_mode,
                                  padding_mode, align_corners) -> tuple:
    """(d grad_output, d input, d grid) of grid_sampler's backward (arrays only)."""
    return dispatch(GRID_SAMPLER_DOUBLE, (ggi, ggg, grad_output, input, grid),
                    {"interpolation_mode": interpolation_mode, "padding_mode": padding_mode,
                     "align_corners": align_corners})


def _public_pair(nd):
    fwd, bwd = (GRID_SAMPLER_2D, GRID_SAMPLER_2D_BACKWARD) if nd == 2 else \
        (GRID_SAMPLER_3D, GRID_SAMPLER_3D_BACKWARD)

    def forward(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                align_corners: bool) -> Tensor:
        _check(input, grid, interpolation_mode)
        return dispatch(fwd, (input, grid), {"interpolation_mode": int(interpolation_mode),
                                             "padding_mode": int(padding_mode),
                                             "align_corners": bool(align_corners)})

    def backward(grad_output: Tensor, input: Tensor, grid: Tensor, interpolation_mode: int,
                 padding_mode: int, align_corners: bool, output_mask) -> tuple:
        return dispatch(bwd, (grad_output, input, grid), {
            "interpolation_mode": int(interpolation_mode), "padding_mode": int(padding_mode),
            "align_corners": bool(align_corners),
            "output_mask": tuple(bool(m) for m in output_mask)})

    forward.__name__ = forward.__qualname__ = f"grid_sampler_{nd}d"
    forward.__doc__ = (f"Sample a {nd}-d input at grid points (modes 0 bilinear, 1 nearest, 2 "
                       f"bicubic; padding 0 zeros, 1 border, 2 reflection) ({fwd.grad_fn}).")
    backward.__name__ = backward.__qualname__ = f"grid_sampler_{nd}d_backward"
    backward.__doc__ = f"(grad_input, grad_grid) of grid_sampler_{nd}d ({bwd.grad_fn})."
    return expose(forward, method=False), expose(backward, method=False, internal=True)


grid_sampler_2d, grid_sampler_2d_backward = _public_pair(2)
grid_sampler_3d, grid_sampler_3d_backward = _public_pair(3)


def _check(input, grid, interpolation_mode):
    """torch's ``check_grid_sampler_common`` and the 2-d / 3-d checks."""
    di, dg = input._data.dtype, grid._data.dtype
    if di != dg:
        raise RuntimeError(f"expected scalar type {scalar_word(input)} but found "
                           f"{scalar_word(grid)}")
    ishape, gshape = list(input.shape), list(grid.shape)
    if input.ndim != grid.ndim or input.ndim not in (4, 5):
        ranks = f"{input.ndim}D" if input.ndim in (4, 5) else "4D or 5D"
        raise RuntimeError(f"grid_sampler(): expected {ranks} input and grid with same number "
                           f"of dimensions, but got input with sizes {ishape} and grid with "
                           f"sizes {gshape}")
    if ishape[0] != gshape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {ishape} and grid with sizes {gshape}")
    nd = input.ndim - 2
    if gshape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {gshape}")
    for i in range(2, input.ndim):
        if ishape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {ishape} with dimension {i} "
                               "being empty")
    if nd == 3 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if di.kind not in "fV":
        raise RuntimeError("grid_sampler(): expected input and grid to have a floating point "
                           "dtype")


@expose(method=False)
def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """torch.grid_sampler: grid_sampler_2d or grid_sampler_3d by the input's rank."""
    _check(input, grid, interpolation_mode)
    fn = grid_sampler_2d if input.ndim == 4 else grid_sampler_3d
    return fn(input, grid, interpolation_mode, padding_mode, align_corners)


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


@expose(method=False, internal=True)
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` ``(N, C, H, W)`` (or 5-d) at the normalised positions of ``grid``
    ``(N, H_out, W_out, 2)``; ``mode`` 'bilinear', 'nearest' or 'bicubic', ``padding_mode``
    'zeros', 'border' or 'reflection' (GridSampler2DBackward0)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    mode_enum = GRID_SAMPLE_INTERPOLATION_MODES[mode]
    pad_enum = GRID_SAMPLE_PADDING_MODES[padding_mode]
    return grid_sampler(input, grid, mode_enum, pad_enum, align_corners)


# ---------------------------------------------------------------------------- affine grid
def _affine_forward(xp, theta, size, align_corners):
    spatial = tuple(size[2:])
    nd = len(spatial)
    base = G.affine_base_grid(xp, spatial, align_corners, theta.dtype)
    flat = base.reshape(-1, nd + 1)
    out = xp.matmul(flat, theta.transpose(0, 2, 1))  # (N, points, nd)
    return out.reshape((theta.shape[0],) + spatial + (nd,))


def _affine_grad(F, g, theta_shape, size, align_corners):
    """torch's affine_grid_generator_backward: base^T @ grad (bmm), transposed."""
    spatial = tuple(size[2:])
    nd = len(spatial)
    xp = _xp_of(g)
    dtype = g._data.dtype if isinstance(g, Tensor) else g.dtype
    base = G.affine_base_grid(xp, spatial, align_corners, dtype)
    n = theta_shape[0]
    points = 1
    for s in spatial:
        points *= s
    base = xp.broadcast_to(base.reshape(1, points, nd + 1), (n, points, nd + 1))
    if isinstance(g, Tensor):
        base = Tensor._make(xp.ascontiguousarray(base))
    grad = F.bmm(F.transpose(base, 1, 2), F.reshape(g, (n, points, nd)))
    return F.transpose(grad, 1, 2)


def _xp_of(a):
    from ...backend import namespace_of
    return namespace_of(a._data if isinstance(a, Tensor) else a)


AFFINE_GRID = op("affine_grid_generator", _affine_forward, inputs=("theta",),
                 params=("size", "align_corners"),
                 vjps=(lambda F, g, theta_shape, size, align_corners:
                       _affine_grad(F, g, theta_shape, size, align_corners),),
                 grad_fn="AffineGridGeneratorBackward0")


@expose(method=False)
def affine_grid_generator(theta: Tensor, size, align_corners: bool) -> Tensor:
    """torch.affine_grid_generator: the sampling grid of affine matrices ``theta``
    (AffineGridGeneratorBackward0)."""
    return dispatch(AFFINE_GRID, (theta,), {"size": tuple(int(s) for s in size),
                                            "align_corners": bool(align_corners)})


@expose(method=False, internal=True)
def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The 2-d (``theta`` (N, 2, 3), ``size`` N x C x H x W) or 3-d (``theta`` (N, 3, 4))
    sampling grid of a batch of affine matrices, for grid_sample."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if theta._data.dtype.kind not in "fV":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, list(size)
    shape = tuple(theta.shape)
    if len(size) == 4:
        if theta.ndim != 3 or shape[-2] != 2 or shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or shape[-2] != 3 or shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    return affine_grid_generator(theta, size, align_corners)

