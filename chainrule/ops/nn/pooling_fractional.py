"""Fractional max pooling (FractionalMaxPool2DBackward0 / 3D): windows of a fixed size at
pseudo-random starts, one start sequence per (sample, channel) drawn from
``_random_samples`` as torch's ``generate_intervals`` does. Without ``_random_samples`` the
samples come from chainrule's generator (``chainrule.rand``), so the windows are not
torch's (docs/differences.md); with the same samples they are.

The scan over kernel offsets gathers each offset's values (per-plane window starts rule
out a strided view) and keeps torch's tie and NaN rules; the backward scatters by flat
index, the double backward gathers (torch's max_pool_double_backward).
"""
from __future__ import annotations

import itertools

from ..._meta import meta_aware
from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _pool_kernels as K
from ._pool_args import index_tensor, int_list, recorded
from .pooling import _double_backward_gather, _zeros_like

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]


def _intervals(xp, samples, n_in, n_out, pool, dtype):
    """torch's ``generate_intervals`` for every (sample, channel): window starts
    ``(..., n_out)``, computed in the input's floating type."""
    samples = samples.astype(dtype, copy=False)
    starts = xp.empty(samples.shape + (n_out,), dtype=xp.int64)
    if n_out > 1:
        alpha = dtype.type(n_in - pool) / dtype.type(n_out - 1)
        i = xp.arange(n_out - 1, dtype=dtype)
        starts[..., :-1] = (((i + samples[..., None]) * alpha).astype(xp.int64) -
                            (samples * alpha).astype(xp.int64)[..., None])
    if n_out > 0:
        starts[..., -1] = n_in - pool
    return starts


def _fractional(xp, x, kernel, output_size, samples):
    """(values, flat indices) of fractional max pooling over the trailing dims."""
    nd = len(kernel)
    spatial = x.shape[x.ndim - nd:]
    lead = x.shape[:x.ndim - nd]
    samples = samples.reshape(lead + (nd,))
    # torch reads sample 0 for W and 1 for H in 2-d, and 0 for T, 1 for H, 2 for W in 3-d
    order = [1, 0] if nd == 2 else [0, 1, 2]
    starts = [_intervals(xp, samples[..., order[i]], spatial[i], output_size[i], kernel[i],
                         x.dtype) for i in range(nd)]
    plane = [1] * nd
    for i in range(nd - 2, -1, -1):
        plane[i] = plane[i + 1] * spatial[i + 1]
    flat = x.reshape(lead + (-1,))
    rows = K.prod(lead)
    flat2 = flat.reshape(rows, -1)
    out_shape = lead + tuple(output_size)
    best = index = None
    floating = x.dtype.kind in "fV"
    for offset in itertools.product(*[range(k) for k in kernel]):
        pos = None
        for i in range(nd):
            part = (starts[i] + offset[i]) * plane[i]
            part = part.reshape(lead + (1,) * i + (-1,) + (1,) * (nd - 1 - i))
            pos = part if pos is None else pos + part
        pos = xp.broadcast_to(pos, out_shape)
        cand = xp.take_along_axis(flat2, pos.reshape(rows, -1), axis=1).reshape(out_shape)
        if best is None:  # the window's first element starts, as torch's scan
            best, index = cand.copy(), xp.array(pos)
            continue
        better = cand > best
        if floating:
            better |= cand != cand
        xp.copyto(best, cand, where=better)
        xp.copyto(index, pos, where=better)
    return best, index


def _ops(nd):
    name = f"fractional_max_pool{nd}d"
    title = f"FractionalMaxPool{nd}D"
    backward = op(f"{name}_backward",
                  lambda xp, grad_output, x, indices: K.scatter_to_plane(
                      xp, grad_output, indices, x.shape[x.ndim - nd:], False),
                  inputs=("grad_output", "x"), params=("indices",),
                  vjps=(lambda F, g, indices: _double_backward_gather(F, g, indices, nd),
                        lambda F, g, x: _zeros_like(F, x)),
                  grad_fn=f"{title}BackwardBackward0")
    forward = op(name, lambda xp, x, kernel_size, output_size, samples, indices=None:
                 _fractional(xp, x, kernel_size, output_size, samples)[0],
                 params=("kernel_size", "output_size", "samples", "indices"),
                 vjps=(lambda F, g, x, indices: getattr(F, f"{name}_backward")(g, x, indices),),
                 grad_fn=f"{title}Backward0")

    def public_backward(grad_output: Tensor, input: Tensor, indices) -> Tensor:
        idx = indices._data if isinstance(indices, Tensor) else indices
        return dispatch(backward, (grad_output, input), {"indices": idx})
    public_backward.__name__ = public_backward.__qualname__ = f"{name}_backward"
    public_backward.__doc__ = f"The gradient of {name} ({backward.grad_fn})."
    expose(public_backward, method=False, internal=True)
    return forward


_OPS = {2: _ops(2), 3: _ops(3)}


@meta_aware  # (a meta input: the pooled values and indices come back meta)
def _fractional_nd(nd, input, kernel_size, output_size, output_ratio, samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if len(output_ratio) > nd:  # torch's len(): a bare float raises TypeError
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple "
                             "of Ints.")
        ratio = tuple(output_ratio) * nd if len(output_ratio) == 1 else tuple(output_ratio)
        output_size = [int(input.shape[input.ndim - nd + i] * ratio[i]) for i in range(nd)]
    kernel = int_list(kernel_size)
    kernel = kernel * nd if len(kernel) == 1 else kernel
    sizes = int_list(output_size)
    sizes = sizes * nd if len(sizes) == 1 else sizes
    words = {2: "two", 3: "three"}[nd]
    if len(kernel) != nd:
        raise RuntimeError(f"{name}: kernel_size must either be a single int, or a tuple of "
                           f"{words} ints")
    if len(sizes) != nd:
        raise RuntimeError(f"{name}: output_size must either be a single int, or a tuple of "
                           f"{words} ints")
    if input.ndim < nd + 1:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {-(nd + 1)})")
    if input.ndim > nd + 2:
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    batch = 1 if input.ndim == nd + 2 else 0
    for d in range(batch, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{list(input.shape)} with dimension {d} "
                               "being empty.")
    spatial = input.shape[input.ndim - nd:]
    words = ["time", "height", "width"][3 - nd:]
    where = f"{name}()" if nd == 2 else f"{name}_out()"
    for word, n, k, o in zip(words, spatial, kernel, sizes):
        if o + k - 1 > n:
            raise RuntimeError(f"{where}: pool {word} {k} too large relative to input {word} "
                               f"{n}")
    n_batch = input.shape[0] if batch else 1
    if samples is None:
        from ..._creation import rand
        samples = rand(n_batch, input.shape[batch], nd, dtype=input.dtype)
    if samples.shape[1] != input.shape[batch]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    values, indices = _fractional(input.xp, input._data, kernel, sizes, samples._data)
    params = {"kernel_size": kernel, "output_size": sizes, "samples": samples._data,
              "indices": indices}
    out = recorded(_OPS[nd], input, params, values)
    return out, index_tensor(indices)


@expose(method=False, internal=True)
def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """(values, indices) of 2-d fractional max pooling."""
    return _fractional_nd(2, input, kernel_size, output_size, output_ratio, _random_samples)


@expose(method=False, internal=True)
def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """2-d fractional max pooling (FractionalMaxPool2DBackward0): ``kernel_size`` windows at
    pseudo-random starts giving ``output_size`` (or ``output_ratio`` of the input)."""
    out = _fractional_nd(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]


@expose(method=False, internal=True)
def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """(values, indices) of 3-d fractional max pooling."""
    return _fractional_nd(3, input, kernel_size, output_size, output_ratio, _random_samples)


@expose(method=False, internal=True)
def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False,
                          _random_samples: Tensor | None = None):
    """3-d fractional max pooling (FractionalMaxPool3DBackward0)."""
    out = _fractional_nd(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]
