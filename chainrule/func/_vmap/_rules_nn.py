"""Batching rules for the nn ops that work on (N, C, *spatial) inputs: pooling, upsampling,
padding, group norm and batch norm. Each becomes one call on a bigger batch:

* ``into_n``: a batch of (N, C, ...) samples is one (B * N, C, ...) call; a batch of
  unbatched (C, ...) samples one (B, C, ...) call (the op's own no-batch form). Parameters
  (weights, running statistics) must be shared.
* batch norm in training mode normalises per sample, so the batch goes into the channels:
  (N, B * C, ...), weight and bias repeated (or batched) per sample. With running
  statistics it raises torch's error (they would be updated in place by every sample).
"""
from __future__ import annotations

from ...ops._dispatch import dispatch
from ._rules_util import front

__all__ = ["NN_RULES"]


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def into_n(spatial, n_param=None):
    """The rule for an op on (N, C, *spatial) or (C, *spatial) inputs (``spatial`` None:
    the op takes any number of leading dims, the batch just goes in front)."""
    def rule(op, values, bdims, params, size, level):
        if any(b is not None for b in bdims[1:]):
            return NotImplemented, None
        x = front(values[0], bdims[0])
        rest = tuple(values[1:])
        sample_nd = x._data.ndim - 1
        if spatial is None:
            return dispatch(op, (x,) + rest, params), 0
        if sample_nd == spatial + 1 and n_param is None:  # unbatched samples: B is N
            return dispatch(op, (x,) + rest, params), 0
        if sample_nd < spatial + 2 - (n_param is None):
            return NotImplemented, None
        shape = tuple(x._data.shape)
        flat = x.reshape((size * shape[1],) + shape[2:])
        new = params
        if n_param:
            new = dict(params)
            new[n_param] = size * shape[1]
        out = dispatch(op, (flat,) + rest, new)
        return out.reshape((size, shape[1]) + tuple(out._data.shape[1:])), 0
    return rule


_BN_RUNNING = ("Batch norm got a batched tensor as input while the running_mean or running_var, "
               "which will be updated in place, were not batched.\nIf you are using a module "
               "and do not need eval mode, please set `track_running_stats` to be False.If you "
               "are using a prebuilt module and do not need eval mode, please see the functorch "
               "website for resources on how to patch your module to work with vmap")


def _batch_norm(op, values, bdims, params, size, level):
    x, bx = values[0], bdims[0]
    if not params.get("training"):
        return _EVAL(op, values, bdims, params, size, level)
    if params.get("running_mean") is not None or params.get("running_var") is not None:
        raise RuntimeError(_BN_RUNNING)
    x = front(x, bx, size)  # (B, N, C, *)
    shape = tuple(x._data.shape)
    if len(shape) < 3:
        return NotImplemented, None
    b, n, c = shape[:3]
    xs = x.movedim(0, 1).reshape((n, b * c) + shape[3:])
    rest = []
    for v, bd in zip(values[1:], bdims[1:]):
        if v is None:
            rest.append(None)
        else:
            rest.append(front(v, bd, size).reshape(b * c))
    out = dispatch(op, (xs,) + tuple(rest), params)
    return out.reshape((n, b, c) + shape[3:]).movedim(1, 0), 0


_EVAL = into_n(0, n_param="")


NN_RULES = {
    "avg_pool2d": into_n(2), "avg_pool3d": into_n(3),
    "_adaptive_avg_pool2d": into_n(2), "_adaptive_avg_pool3d": into_n(3),
    "upsample_nearest1d": into_n(1), "upsample_nearest2d": into_n(2),
    "upsample_nearest3d": into_n(3), "_upsample_nearest_exact1d": into_n(1),
    "_upsample_nearest_exact2d": into_n(2), "_upsample_nearest_exact3d": into_n(3),
    "upsample_linear1d": into_n(1), "upsample_bilinear2d": into_n(2),
    "upsample_bicubic2d": into_n(2), "upsample_trilinear3d": into_n(3),
    "reflection_pad1d": into_n(1), "reflection_pad2d": into_n(2),
    "reflection_pad3d": into_n(3), "replication_pad1d": into_n(1),
    "replication_pad2d": into_n(2), "replication_pad3d": into_n(3),
    "constant_pad_nd": into_n(None), "pixel_shuffle": into_n(None),
    "pixel_unshuffle": into_n(None),
    "native_group_norm": into_n(0, n_param="N"),
    "native_batch_norm": _batch_norm,
}
