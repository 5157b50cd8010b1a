"""Array kernels behind the scatter family: flat positions, deterministic accumulation, the
reductions. Plain functions of ``xp`` and raw arrays; no Tensors here.

Accumulation is deterministic everywhere: contributions to one element are added in index
order (torch's CPU order), whichever strategy runs. ``bench/scatter_add.py`` measured the
strategies for rows gathered with repeats (index_select's backward, (10000, 64) rows
gathered 100000 times; quiet machine): ``np.add.at`` 47 ms, one ``np.bincount`` over
flattened positions 50 ms, argsort + ``np.add.reduceat`` 66 ms, a CSR one-hot matrix
product (scipy) 3.8 ms, whose fixed cost (~60 us) loses below ~10,000 elements. For one
value per position, NumPy 2's 1-D ``np.add.at`` fast path beats ``np.bincount`` at every
size measured. So rows use the CSR product when scipy is importable and the work is large,
else ``np.add.at``; both add in index order, so their results are identical.
"""
from __future__ import annotations

_CSR_MIN = 16384     # rows * width from which the CSR product beats np.add.at
_sparse = None       # scipy.sparse once imported, False when it is not installed


def _scipy_sparse():
    global _sparse
    if _sparse is None:
        try:
            import scipy.sparse as sparse
            _sparse = sparse
        except ImportError:  # optional: np.add.at is the fallback
            _sparse = False
    return _sparse


def add_rows(xp, out, index, values) -> None:
    """``out[index[i]] += values[i]`` along axis 0, in place, contributions to one row summed
    in index order. ``index`` is 1-D and non-negative; ``values`` has shape
    ``index.shape + out.shape[1:]``."""
    n = index.shape[0]
    if n == 0:
        return
    width = values.size // n
    if width == 1 and out.ndim > 1:  # one element a row: NumPy's fast 1-D path
        column = (slice(None),) + (0,) * (out.ndim - 1)
        xp.add.at(out[column], index, values.reshape(n))
        return
    if (n * width >= _CSR_MIN and out.dtype.kind in "fcV" and out.dtype.itemsize >= 4 and
            xp.__name__ == "numpy"):
        sparse = _scipy_sparse()
        if sparse:
            rows = out.shape[0]
            onehot = sparse.csr_matrix((xp.ones(n, dtype=values.dtype), (index, xp.arange(n))),
                                       shape=(rows, n))
            out += (onehot @ values.reshape(n, width)).reshape(out.shape)
            return
    xp.add.at(out, index, values)


def add_flat(xp, out, positions, values) -> None:
    """``out[positions[i]] += values[i]`` for a 1-D ``out``, in place, in index order."""
    xp.add.at(out, positions, values)


def add_at_key(xp, out, key, values) -> None:
    """``out[key] += values`` with repeated positions accumulating (``np.add.at``'s meaning)
    for a normalised indexing key, taking the fast paths: basic keys and a single boolean
    mask address each element once; a single integer array among whole slices is a row
    scatter along its dimension."""
    advanced = [i for i, k in enumerate(key)
                if not (k is None or k is Ellipsis or isinstance(k, (int, slice)))]
    if not advanced:
        out[key] += values
        return
    if len(advanced) == 1:
        d = advanced[0]
        arr = key[d]
        if getattr(arr, "dtype", None) is not None and arr.dtype.kind == "b":
            out[key] += values
            return
        if (getattr(arr, "dtype", None) is not None and
                all(isinstance(k, slice) and k == slice(None) for i, k in enumerate(key)
                    if i != d)):
            size = out.shape[d]
            flat = arr.reshape(-1)
            if flat.size and flat.min() < 0:
                flat = xp.where(flat < 0, flat + size, flat)
            pre, post = out.shape[:d], out.shape[d + 1:]
            vals = xp.broadcast_to(values, pre + arr.shape + post).reshape(
                pre + (flat.size,) + post)
            if d:
                out, vals = xp.moveaxis(out, d, 0), xp.moveaxis(vals, d, 0)
            add_rows(xp, out, flat, vals)
            return
    xp.add.at(out, key, values)


def positions(xp, shape, dim, index):
    """Flat (C-order) positions into an array of ``shape`` that ``index`` addresses along
    ``dim``: entry ``[i0, .., ik]`` of ``index`` names element ``[i0, .., index[..], .., ik]``
    (gather/scatter's addressing; ``index`` may be smaller than ``shape`` off ``dim``)."""
    ndim = len(shape)
    strides = [1] * ndim
    for d in range(ndim - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    pos = index.astype(xp.int64) * strides[dim]
    for d in range(ndim):
        if d != dim and index.shape[d] > 1:
            view = [1] * ndim
            view[d] = index.shape[d]
            pos = pos + (xp.arange(index.shape[d], dtype=xp.int64) * strides[d]).reshape(view)
    return pos


def leading(arr, shape):
    """``arr[:shape[0], :shape[1], ...]``: the part of ``arr`` an index of ``shape`` uses."""
    if arr.shape == tuple(shape):
        return arr
    return arr[tuple(slice(0, n) for n in shape)]


def identity(xp, reduce, dtype):
    """The neutral element of ``reduce`` in ``dtype`` (where include_self=False starts)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "fV":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum",
          "amin": "minimum"}


def reduce_flat(xp, out, pos, values, reduce, include_self) -> None:
    """Reduce ``values`` into the 1-D array ``out`` at ``pos`` in place (scatter_reduce)."""
    if not include_self:
        out[pos] = identity(xp, reduce, out.dtype)
    if reduce in ("sum", "mean"):
        add_flat(xp, out, pos, values)
    else:
        getattr(xp, _UFUNC[reduce]).at(out, pos, values)
    if reduce == "mean":
        count = xp.bincount(pos, minlength=out.shape[0])
        if include_self:
            count += 1
        _divide_counts(xp, out, count)


def reduce_rows(xp, out, index, values, reduce, include_self) -> None:
    """Reduce ``values`` into the rows of ``out`` at ``index`` in place (index_reduce)."""
    if not include_self:
        out[index] = identity(xp, reduce, out.dtype)
    if reduce == "mean":
        add_rows(xp, out, index, values)
        count = xp.bincount(index, minlength=out.shape[0])
        if include_self:
            count += 1
        _divide_counts(xp, out, count.reshape((-1,) + (1,) * (out.ndim - 1)))
    else:
        getattr(xp, _UFUNC[reduce]).at(out, index, values)


def _divide_counts(xp, out, count) -> None:
    """Divide ``out`` by ``count`` where it is positive (floor division for integers, as
    torch's integer mean)."""
    count = xp.where(count == 0, 1, count)
    if out.dtype.kind in "iu":
        out[...] = xp.floor_divide(out, count)
    else:
        out[...] = (out / count).astype(out.dtype, copy=False)
