"""Raw-array meanings of backward-vocabulary names that are not ops themselves.

Each takes ``xp`` first; ``F.sum_to_shape(g, shape)`` in a rule becomes
``sum_to_shape(xp, g, shape)`` here on plain backward, and the chainrule function of the
same name (ops/_broadcast.py) under create_graph.
"""
from __future__ import annotations

from ._broadcast import reduced_axes


def sum_to_shape(xp, g, shape):
    lead, keep = reduced_axes(g.shape, shape)
    if keep:
        g = g.sum(axis=keep, keepdims=True)
    if lead:
        g = g.sum(axis=lead)
    return g


def cast(xp, g, dtype):
    return xp.asarray(g).astype(getattr(dtype, "np", dtype), copy=False)


def expand(xp, g, shape):
    return xp.broadcast_to(g, shape)


def reshape(xp, g, shape):
    return xp.reshape(g, shape)


def zeros(xp, shape, dtype):
    return xp.zeros(shape, dtype=getattr(dtype, "np", dtype))


def zeros_like(xp, g):
    return xp.zeros_like(g)


def where(xp, cond, a, b):
    return xp.where(cond, a, b)


def sum(xp, x, dim=None, keepdim=False):  # noqa: A001 - the vocabulary's name
    return xp.sum(x, axis=None if dim is None else dim, keepdims=keepdim)


def unsqueeze_dims(xp, g, dims):
    return xp.expand_dims(g, dims) if dims else g


def transpose(xp, x, dim0, dim1):
    return xp.swapaxes(x, dim0, dim1) if x.ndim else x


def matmul(xp, a, b):
    return xp.matmul(a, b)


def index_scatter(xp, g, shape, key):
    """The transpose of ``x[key]``: a zero array of ``shape`` with ``g`` added at ``key``
    (repeats accumulate in index order; fast paths in ops/scatter/_kernels.py)."""
    from .scatter._kernels import add_at_key
    out = xp.zeros(shape, dtype=g.dtype)
    add_at_key(xp, out, key, g)
    return out


def unbind(xp, g, dim):
    return tuple(xp.moveaxis(g, dim, 0))


def stack(xp, parts, dim):
    return xp.stack(parts, axis=dim)


def split_sizes(xp, g, sizes, dim):
    out, start = [], 0
    for n in sizes:
        out.append(g[(slice(None),) * dim + (slice(start, start + n),)])
        start += n
    return out


def cat(xp, parts, dim=0):
    return xp.concatenate(parts, axis=dim)


def index_raw(xp, x, key):
    return x[key]


def zero_at(xp, g, key):
    out = xp.array(g, copy=True)
    out[key] = 0
    return out


def keep_where(xp, g, cond):
    cond = xp.asarray(cond)
    if g.dtype.kind in "fcV" and cond.dtype == bool:
        return zero_where(xp, ~cond, g)
    return xp.where(cond, g, 0)


def keep_where_not(xp, g, cond):
    """``g`` where ``cond`` does not hold, zero elsewhere."""
    cond = xp.asarray(cond)
    if g.dtype.kind in "fcV" and cond.dtype == bool:
        return zero_where(xp, cond, g)
    return xp.where(cond, 0, g)


_UINT_OF_SIZE = {2: "uint16", 4: "uint32", 8: "uint64"}


def zero_where(xp, zero, g):
    """``g`` with zeros where the boolean ``zero`` holds (broadcast together), bit-exact.

    ``where(zero, 0, g)`` branches per element and measured ~12x slower than a multiply on
    a random mask (1.5 ms vs 0.12 ms on relu's (64, 8, 26, 26) gradient in bench/nn_conv's
    step). ANDing g's bits with a mask that is all ones where kept is branch-free and,
    unlike ``g * keep``, keeps inf and NaN gradients where kept and exact zeros elsewhere.
    """
    uint = _UINT_OF_SIZE.get(g.dtype.itemsize) if g.dtype.kind in "fcV" else None
    if uint is None:
        return xp.where(zero, 0, g).astype(g.dtype)
    bits = xp.asarray(zero).view(xp.uint8).astype(uint)
    bits -= 1  # False -> all ones (keep g), True -> 0
    return xp.bitwise_and(g.view(uint), bits).view(g.dtype)

