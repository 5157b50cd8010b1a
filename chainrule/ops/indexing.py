"""Indexing: ``x[key]`` and ``x[key] = value``.

Basic indexing decomposes, as torch's does, into one view op per indexed dimension
(``x[0, 1:3]`` is SliceBackward0 of SelectBackward0); any advanced component (a list, an
integer or boolean tensor) makes one IndexBackward0. Every rule is the same transpose:
scatter the gradient into zeros of the input's shape.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._registry import dispatch, expose, op, record

_SCATTER = (lambda F, g, x_shape, key: F.index_scatter(g, x_shape, key),)
SELECT = op("select", lambda xp, x, key: x[key], vjps=_SCATTER, params=("key",), view=True)
SLICE = op("slice", lambda xp, x, key: x[key], vjps=_SCATTER, params=("key",), view=True)
INDEX = op("index", lambda xp, x, key: _take(x, key), vjps=_SCATTER, params=("key",))
INDEX_SCATTER = op("index_scatter", lambda xp, g, shape, key: _scatter(xp, g, shape, key),
                   vjps=(lambda F, g, key: F.index_raw(g, key),), params=("shape", "key"),
                   grad_fn="IndexPutBackward0")
# x[key] = value, recorded as torch's CopySlices: the overwritten part of x gets no gradient,
# value gets the gradient of the part it filled (summed back to its shape by the registry).
COPY_SLICES = op("copy_slices", lambda xp, x, value, key: _put(xp, x, value, key),
                 inputs=("x", "value"),
                 vjps=(lambda F, g, key: F.zero_at(g, key),
                       lambda F, g, key: F.index_raw(g, key)),
                 params=("key",), grad_fn="CopySlices", broadcasts=True)
# x[mask] = v and x[idx_tensor] = v (only advanced indices): torch's index_put_.
INDEX_PUT = op("index_put", lambda xp, x, value, key: _put(xp, x, value, key),
               inputs=("x", "value"), vjps=COPY_SLICES.vjps, params=("key",),
               grad_fn="IndexPutBackward0", broadcasts=True)


def _take(x, key):
    try:
        return x[key]
    except IndexError as exc:  # torch's words: "dimension", not NumPy's "axis"
        raise IndexError(str(exc).replace("for axis", "for dimension")) from None


def _scatter(xp, g, shape, key):
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        xp.add.at(out, key, g)
    return out


def _put(xp, x, value, key):
    out = x.copy()
    out[key] = value
    return out


def _is_basic(key) -> bool:
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


@expose(method=False, internal=True)
def index_scatter(g, shape, key):
    return dispatch(INDEX_SCATTER, (g,), {"shape": tuple(shape), "key": key})


@expose(method=False, internal=True)
def index_raw(x, key):
    """``x[key]`` for an already-normalised key (the backward vocabulary's gather)."""
    return dispatch(INDEX, (x,), {"key": key})


@expose(method=False, internal=True)
def zero_at(g, key):
    """``g`` with the entries at ``key`` set to zero."""
    return g - index_scatter(index_raw(g, key), g.shape, key)


def _normalise(key, xp):
    """A tuple key with Tensors and lists turned into backend arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if k._data.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if k._data.ndim == 0 and k._data.dtype.kind in "iu":
                out.append(int(k._data))  # a 0-d integer tensor selects, as an int does
            else:
                out.append(k._data)
        elif isinstance(k, (list, tuple)):  # a list becomes an index array of the tensor's xp
            out.append(xp.asarray([i._data if isinstance(i, Tensor) else i for i in k]))
        elif isinstance(k, bool) or (k is not None and k is not Ellipsis and
                                     not isinstance(k, (int, slice)) and hasattr(k, "shape")):
            out.append(k)
        elif k is None or k is Ellipsis or isinstance(k, slice):
            out.append(k)
        else:
            out.append(k.__index__())
    return tuple(out)


def getitem(self, key):
    """``x[key]`` with torch's grad_fn structure."""
    single = not isinstance(key, tuple)
    key = _normalise(key, self.xp)
    if not _is_basic(key):
        return _advanced(self, key)
    shape = self._data.shape
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out, dim = self, 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        else:
            out, dim = _view_step(out, k, dim, single)
    if out is self:
        from .shape import alias
        out = alias(self)
    if out is not self:
        out._view_of = (self, key)
    return out


def _view_step(out, k, dim, single):
    """Apply one basic index component at ``dim`` as torch does (None: UnsqueezeBackward0,
    an int: SelectBackward0, a slice: SliceBackward0); returns the result and the next dim.
    ``single`` is true for a bare slice key, which torch applies even when it is whole."""
    if k is None:
        return dispatch(_unsqueeze_op(), (out,), {"dim": dim}), dim + 1
    if isinstance(k, int):
        size = out._data.shape[dim]
        if not -size <= k < size:
            raise IndexError(f"index {k} is out of bounds for dimension {dim} with size "
                             f"{size}")
        # The trailing Ellipsis keeps a 0-d result a view (NumPy copies a bare scalar).
        return dispatch(SELECT, (out,), {"key": (slice(None),) * dim + (k, Ellipsis)}), dim
    if k.step is not None and k.step <= 0:
        raise ValueError("slice step cannot be zero" if k.step == 0 else
                         "step must be greater than zero")
    if not single and k.start in (None, 0) and k.stop is None and k.step in (None, 1):
        return out, dim + 1  # a whole-dimension slice inside a tuple: torch skips it
    return dispatch(SLICE, (out,), {"key": (slice(None),) * dim + (k,)}), dim + 1


def _advanced(self, key):
    """Torch's order for a key with tensors or lists: ints, slices and None apply first as
    views (SelectBackward0, SliceBackward0, UnsqueezeBackward0), then one IndexBackward0
    takes the index arrays at the dimensions they fall on."""
    if any(isinstance(k, bool) for k in key):
        return dispatch(INDEX, (self,), {"key": key})
    if len(key) == 1 and getattr(key[0], "ndim", None) == 0 and key[0].dtype.kind == "b":
        # A 0-d mask: torch adds a leading dimension, then indexes it with a 1-element mask.
        out = dispatch(_unsqueeze_op(), (self,), {"dim": 0})
        return dispatch(INDEX, (out,), {"key": (key[0].reshape(1),)})
    shape = self._data.shape

    def width(k):
        return k.ndim if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    n_real = sum(width(k) for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out, dim, arrays = self, 0, []
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_real
        elif k is None or isinstance(k, (int, slice)):
            out, dim = _view_step(out, k, dim, False)
        else:
            arrays.append((dim, k))
            dim += width(k)
    entries, cur = [], 0
    for d, arr in arrays:
        entries += [slice(None)] * (d - cur)
        entries.append(arr)
        cur = d + width(arr)
    return dispatch(INDEX, (out,), {"key": tuple(entries)})


def _unsqueeze_op():
    from .shape import UNSQUEEZE
    return UNSQUEEZE


def setitem(self, key, value) -> None:
    """``x[key] = value`` in place; under grad mode it is recorded as CopySlices."""
    from ._inplace import check_inplace, rebase_view
    key = _normalise(key, self.xp)
    check_inplace(self, view_message=True)
    from ..autograd.grad_mode import _tls
    needs_graph = _tls.grad_enabled and (self._rg or (isinstance(value, Tensor) and value._rg))
    vdata = value._data if isinstance(value, Tensor) else value
    if needs_graph and self._base is not None and (self._base._rg or self._rg):
        rebase_view(self, lambda base_part: setitem(base_part, key, value))
        return
    try:
        self._data[key] = vdata
    except ValueError as exc:
        raise RuntimeError(f"{exc} (assigning a value of shape "
                           f"{list(getattr(vdata, 'shape', ()))} into x{list(key)!s} of a tensor "
                           f"of shape {list(self._data.shape)})") from None
    if needs_graph:
        args = (self, value if isinstance(value, Tensor) else None)
        advanced_only = all(not (k is None or k is Ellipsis or isinstance(k, (int, slice)))
                            for k in key)
        record(INDEX_PUT if advanced_only else COPY_SLICES, args, {"key": key}, self._data,
               (self,))
    self._bump_version()


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
