"""Embeddings: embedding (EmbeddingBackward0, one edge: the weight), embedding_bag
(EmbeddingBagBackward0: the weight and per_sample_weights), embedding_renorm_ (the in-place
max_norm step) and one_hot.

The weight's gradient is a scatter-add of the incoming gradient's rows into a zero table
(``scatter._kernels.add_rows``: contributions to one row summed in index order; no dense
one-hot matrix). It is itself an op, ``embedding_dense_backward``
(EmbeddingDenseBackwardBackward0), whose transpose gathers the rows again, so double
backward works. ``embedding_bag``'s backward records EmbeddingBagBackwardBackward0, which,
as in torch, has no derivative of its own.
"""
from __future__ import annotations

from ..._meta import is_meta
from ..._tensor import Tensor
from ...autograd.grad_mode import _tls
from .._dispatch import batched_function
from .._registry import dispatch, expose, op
from ..scatter._kernels import add_rows
from ._shared import dispatch_optional

__all__ = ["embedding", "embedding_bag", "one_hot"]

_INDEX_WORDS = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
                "bool": "BoolTensor", "uint8": "ByteTensor", "int8": "CharTensor",
                "int16": "ShortTensor", "complex64": "ComplexFloatTensor",
                "complex128": "ComplexDoubleTensor"}


def _indices_array(indices, what: str, fn: str):
    data = indices._data if isinstance(indices, Tensor) else indices
    if data.dtype.name not in ("int64", "int32"):
        got = "CPUBoolType" if data.dtype.kind == "b" else \
            "torch." + _INDEX_WORDS.get(data.dtype.name, data.dtype.name)
        raise RuntimeError(f"Expected tensor for argument #1 '{what}' to have one of the "
                           f"following scalar types: Long, Int; but got {got} instead "
                           f"(while checking arguments for {fn})")
    return data


def _check_range(data, rows: int) -> None:
    if data.size and (data.min() < 0 or data.max() >= rows):
        raise IndexError("index out of range in self")


def _row_scale(xp, flat, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """Per-occurrence factors of the weight's gradient: 1 / (count of the index in the
    batch) with ``scale_grad_by_freq``, 0 at ``padding_idx``; None when all are 1."""
    scale = None
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num_weights)
        scale = (1.0 / counts[flat]).astype(dtype)
    if padding_idx is not None and padding_idx >= 0:
        keep = (flat != padding_idx).astype(dtype)
        scale = keep if scale is None else scale * keep
    return scale


# ---------------------------------------------------------------------------- embedding
def _embedding_forward(xp, weight, indices, padding_idx=-1, scale_grad_by_freq=False,
                       sparse=False):
    return xp.take(weight, indices, axis=0)


def _dense_backward_forward(xp, grad, indices, num_weights, padding_idx, scale_grad_by_freq):
    flat = indices.reshape(-1)
    width = grad.shape[-1] if grad.ndim > indices.ndim else 1
    rows = grad.reshape(flat.size, width)
    scale = _row_scale(xp, flat, num_weights, padding_idx, scale_grad_by_freq, grad.dtype)
    if scale is not None:
        rows = rows * scale[:, None]
    out = xp.zeros((num_weights, width), dtype=grad.dtype)
    add_rows(xp, out, flat, rows)
    return out


def _dense_double(F, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The transpose of the row scatter: gather the rows again (with the same factors)."""
    out = F.embedding(g, indices)
    scale = _row_scale(_xp_of(indices), indices.reshape(-1), num_weights, padding_idx,
                       scale_grad_by_freq, _dtype_of(g))
    if scale is None:
        return out
    scale = scale.reshape(indices.shape + (1,))
    return out * (Tensor._make(scale) if isinstance(out, Tensor) else scale)


def _xp_of(array):
    from ...backend import namespace_of
    return namespace_of(array)


def _dtype_of(t):
    return t._data.dtype if isinstance(t, Tensor) else t.dtype


EMBEDDING = op("embedding", _embedding_forward, inputs=("weight",),
               params=("indices", "padding_idx", "scale_grad_by_freq", "sparse"),
               vjps=(lambda F, g, weight_shape, indices, padding_idx, scale_grad_by_freq:
                     F.embedding_dense_backward(g, indices, weight_shape[0], padding_idx,
                                                scale_grad_by_freq),),
               grad_fn="EmbeddingBackward0")
EMBEDDING_DENSE_BACKWARD = op(
    "embedding_dense_backward", _dense_backward_forward, inputs=("grad",),
    params=("indices", "num_weights", "padding_idx", "scale_grad_by_freq"),
    vjps=(_dense_double,), grad_fn="EmbeddingDenseBackwardBackward0")


@expose(method=False, internal=True)
def embedding_dense_backward(grad: Tensor, indices, num_weights: int, padding_idx: int,
                             scale_grad_by_freq: bool) -> Tensor:
    """The weight's gradient of embedding: ``grad``'s rows added into a zero
    (num_weights, dim) table at ``indices`` (EmbeddingDenseBackwardBackward0)."""
    data = indices._data if isinstance(indices, Tensor) else indices
    return dispatch(EMBEDDING_DENSE_BACKWARD, (grad,),
                    {"indices": data, "num_weights": int(num_weights),
                     "padding_idx": int(padding_idx),
                     "scale_grad_by_freq": bool(scale_grad_by_freq)})


@expose(name="embedding", method=False)
def _torch_embedding(weight: Tensor, indices, padding_idx: int = -1,
                     scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """torch.embedding: the rows of ``weight`` at ``indices`` (EmbeddingBackward0).
    ``sparse=True`` still gives a dense gradient (chainrule has no sparse tensors)."""
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    data = _indices_array(indices, "indices", "embedding")
    _check_range(data, weight._data.shape[0])
    if weight._rg:  # the node keeps its own copy: later in-place changes cannot alter it
        data = data.copy()
    return dispatch(EMBEDDING, (weight,),
                    {"indices": data, "padding_idx": int(padding_idx),
                     "scale_grad_by_freq": bool(scale_grad_by_freq), "sparse": bool(sparse)})


def _renorm_rows(xp, w, flat, max_norm, norm_type):
    rows = xp.unique(flat)
    if rows.size == 0:
        return
    sel = w[rows]
    if norm_type == 2:
        norms = xp.sqrt(xp.einsum("ij,ij->i", sel, sel))
    elif norm_type == float("inf"):
        norms = xp.abs(sel).max(axis=1)
    elif norm_type == 1:
        norms = xp.abs(sel).sum(axis=1)
    elif norm_type == 0:
        norms = (sel != 0).sum(axis=1).astype(w.dtype)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
        w[rows[over]] = sel[over] * scale[:, None]


@expose(method=False)
def embedding_renorm_(input: Tensor, indices, max_norm: float, norm_type: float) -> Tensor:
    """Rescale, in place, the rows of ``input`` named by ``indices`` whose ``norm_type``
    norm exceeds ``max_norm`` to norm ``max_norm`` (torch's ``max_norm / (norm + 1e-7)``
    factor)."""
    if input._rg and input.grad_fn is None and _tls.grad_enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    data = _indices_array(indices, "indices", "embedding_renorm_")
    if is_meta(input._data) or is_meta(data):  # no rows to measure: nothing to rescale
        input._bump_version()
        return input
    _check_range(data, input._data.shape[0])
    _renorm_rows(input.xp, input._data, data.reshape(-1), float(max_norm), float(norm_type))
    input._bump_version()
    return input


@batched_function("embedding")
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up the rows of ``weight`` at the indices ``input``: no gradient flows to row
    ``padding_idx``; ``max_norm`` first renormalises the looked-up rows of ``weight`` in
    place; ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.

    >>> import chainrule as torch
    >>> w = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> torch.nn.functional.embedding(torch.tensor([1, 0, 1]), w)
    tensor([[2., 3.],
            [0., 1.],
            [2., 3.]])
    """
    if padding_idx is not None:
        rows = weight.shape[0]
        if padding_idx > 0:
            if padding_idx >= rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = rows + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        from ...autograd.grad_mode import no_grad
        with no_grad():
            embedding_renorm_(weight, input, max_norm, norm_type)
    return _torch_embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


# ---------------------------------------------------------------------------- embedding_bag
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _bag_layout(xp, indices, offsets, include_last_offset, padding_idx):
    """(bag of each index, number of bags, valid mask) of 1-D ``indices``."""
    n = indices.shape[0]
    bags = offsets.shape[0] - (1 if include_last_offset else 0)
    bag_of = (xp.searchsorted(offsets, xp.arange(n), side="right") - 1).astype(xp.int64)
    valid = bag_of < bags if include_last_offset else None
    if padding_idx >= 0:
        keep = indices != padding_idx
        valid = keep if valid is None else valid & keep
    return bag_of, max(bags, 0), valid


def _bag_forward(xp, weight, per_sample_weights, indices, offsets, mode, padding_idx,
                 include_last_offset, scale_grad_by_freq, weight_data=None):
    bag_of, bags, valid = _bag_layout(xp, indices, offsets, include_last_offset, padding_idx)
    d = weight.shape[1]
    idx, pos, owner = _valid_entries(xp, indices, bag_of, valid)
    counts = xp.bincount(owner, minlength=bags)[:bags]
    rows = xp.take(weight, idx, axis=0)
    out = xp.zeros_like(weight, shape=(bags, d))  # (a meta weight's is meta)
    max_idx = None
    if mode == 2:
        max_idx = xp.zeros((bags, d), dtype=xp.int64)
        if idx.size:
            starts = xp.flatnonzero(xp.r_[True, owner[1:] != owner[:-1]])
            present = owner[starts]
            best = xp.maximum.reduceat(rows, starts, axis=0)
            first = xp.where(rows == best[xp.searchsorted(present, owner)],
                             xp.arange(idx.size)[:, None], idx.size)
            where = xp.minimum.reduceat(first, starts, axis=0)
            out[present] = best
            max_idx[present] = idx[where]
    else:
        if per_sample_weights is not None:
            psw = per_sample_weights if valid is None else per_sample_weights[valid]
            rows = rows * psw[:, None]
        add_rows(xp, out, owner, rows)
        if mode == 1:
            out /= xp.maximum(counts, 1).astype(out.dtype)[:, None]
    # torch's sum kernel without padding_idx leaves offset2bag empty
    plain_sum = mode == 0 and padding_idx < 0
    offset2bag = bag_of if bags and not plain_sum else xp.zeros(0, dtype=xp.int64)
    bag_size = counts.astype(xp.int64) if mode else xp.zeros(bags, dtype=xp.int64)
    if max_idx is None:
        max_idx = bag_size.copy()
    return out, offset2bag, bag_size, max_idx


def _bag_weight_grad(xp, grad, weight, per_sample_weights, indices, offsets, mode,
                     padding_idx, include_last_offset, scale_grad_by_freq):
    """The weight's gradient of embedding_bag: each bag's gradient row scattered to its
    indices (scaled by the mean's count, the frequency and the sample weights), or, for
    'max', to the rows that held each maximum."""
    num_weights, d = weight.shape
    bag_of, bags, valid = _bag_layout(xp, indices, offsets, include_last_offset, padding_idx)
    gw = xp.zeros((num_weights, d), dtype=grad.dtype)
    if mode == 2:
        max_indices = _bag_forward(xp, weight, None, indices, offsets, mode, padding_idx,
                                   include_last_offset, False)[3]
        owner = bag_of if valid is None else bag_of[valid]
        present = xp.bincount(owner, minlength=bags)[:bags] > 0
        cols = xp.broadcast_to(xp.arange(d), (bags, d))[present]
        flat = (max_indices[present] * d + cols).reshape(-1)
        xp.add.at(gw.reshape(-1), flat, grad[present].reshape(-1))
        return gw
    idx, pos, owner = _valid_entries(xp, indices, bag_of, valid)
    rows = xp.take(grad, owner, axis=0)
    factor = None
    if mode == 1:
        counts = xp.bincount(owner, minlength=bags)[:bags]
        factor = (1.0 / xp.maximum(counts, 1))[owner].astype(grad.dtype)
    if scale_grad_by_freq:
        freq = xp.bincount(idx, minlength=num_weights)
        f = (1.0 / freq[idx]).astype(grad.dtype)
        factor = f if factor is None else factor * f
    if per_sample_weights is not None:
        psw = per_sample_weights[pos]
        factor = psw if factor is None else factor * psw
    if factor is not None:
        rows = rows * factor[:, None]
    add_rows(xp, gw, idx, rows)
    return gw


def _valid_entries(xp, indices, bag_of, valid):
    """(indices, their positions, their bags) of the entries that take part."""
    idx, pos = indices, xp.arange(indices.shape[0])
    if valid is not None:
        idx, pos = indices[valid], pos[valid]
    return idx, pos, bag_of[pos]


def _bag_psw_grad(xp, grad, weight, indices, offsets, mode, padding_idx, include_last_offset,
                  scale_grad_by_freq):
    """per_sample_weights' gradient (mode 'sum'): each entry's row dotted with its bag's
    gradient; 0 for padding entries."""
    bag_of, bags, valid = _bag_layout(xp, indices, offsets, include_last_offset, padding_idx)
    idx, pos, owner = _valid_entries(xp, indices, bag_of, valid)
    out = xp.zeros(indices.shape[0], dtype=grad.dtype)
    out[pos] = xp.einsum("ij,ij->i", xp.take(grad, owner, axis=0), xp.take(weight, idx, axis=0))
    return out


_BAG_PARAMS = ("indices", "offsets", "mode", "padding_idx", "include_last_offset",
               "scale_grad_by_freq")


def _bag_weight_rule(F, g, per_sample_weights, weight_data, indices, offsets, mode,
                     padding_idx, include_last_offset, scale_grad_by_freq):
    return F._embedding_bag_backward(g[0], per_sample_weights, weight_data, indices, offsets,
                                     mode, padding_idx, include_last_offset,
                                     scale_grad_by_freq)


def _bag_psw_rule(F, g, weight, indices, offsets, mode, padding_idx, include_last_offset,
                  scale_grad_by_freq):
    return F._embedding_bag_per_sample_weights_backward(
        g[0], weight, indices, offsets, mode, padding_idx, include_last_offset,
        scale_grad_by_freq)


def _bag_backward_forward(xp, grad, per_sample_weights, weight, indices, offsets, mode,
                          padding_idx, include_last_offset, scale_grad_by_freq):
    return _bag_weight_grad(xp, grad, weight, per_sample_weights, indices, offsets, mode,
                            padding_idx, include_last_offset, scale_grad_by_freq)


def _no_derivative(F, g):
    raise NotImplementedError("the derivative for '_embedding_bag_backward' is not "
                              "implemented.")


def _not_implemented(F, g):
    raise RuntimeError("derivative for aten::_embedding_bag_per_sample_weights_backward is "
                       "not implemented")


EMBEDDING_BAG = op("_embedding_bag", _bag_forward, inputs=("weight", "per_sample_weights"),
                   params=_BAG_PARAMS + ("weight_data",), num_outputs=4,
                   vjps=(_bag_weight_rule, _bag_psw_rule), grad_fn="EmbeddingBagBackward0")
EMBEDDING_BAG_BACKWARD = op(
    "_embedding_bag_backward", _bag_backward_forward,
    inputs=("grad", "per_sample_weights"), params=("weight",) + _BAG_PARAMS,
    vjps=(_no_derivative, _no_derivative), grad_fn="EmbeddingBagBackwardBackward0")
EMBEDDING_BAG_PSW_BACKWARD = op(
    "_embedding_bag_per_sample_weights_backward", _bag_psw_grad, inputs=("grad", "weight"),
    params=_BAG_PARAMS, vjps=(_not_implemented, _not_implemented), grad_fn="NotImplemented")
EMBEDDING_BAG_PSW_BACKWARD.node_cls.name = lambda self: "torch::autograd::NotImplemented"


def _bag_params(indices, offsets, mode, padding_idx, include_last_offset, scale_grad_by_freq):
    return {"indices": indices, "offsets": offsets, "mode": mode, "padding_idx": padding_idx,
            "include_last_offset": include_last_offset,
            "scale_grad_by_freq": scale_grad_by_freq}


@expose(method=False, internal=True)
def _embedding_bag_backward(grad: Tensor, per_sample_weights, weight, indices, offsets,
                            mode: int, padding_idx: int, include_last_offset: bool,
                            scale_grad_by_freq: bool) -> Tensor:
    """The weight's gradient of embedding_bag (EmbeddingBagBackwardBackward0, which has no
    derivative of its own, as in torch)."""
    params = _bag_params(indices, offsets, mode, padding_idx, include_last_offset,
                         scale_grad_by_freq)
    params["weight"] = weight._data if isinstance(weight, Tensor) else weight
    return dispatch_optional(EMBEDDING_BAG_BACKWARD, (grad, per_sample_weights), params)


@expose(method=False, internal=True)
def _embedding_bag_per_sample_weights_backward(grad: Tensor, weight: Tensor, indices, offsets,
                                               mode: int, padding_idx: int,
                                               include_last_offset: bool,
                                               scale_grad_by_freq: bool) -> Tensor:
    """per_sample_weights' gradient of embedding_bag (torch records NotImplemented)."""
    return dispatch(EMBEDDING_BAG_PSW_BACKWARD, (grad, weight),
                    _bag_params(indices, offsets, mode, padding_idx, include_last_offset,
                                scale_grad_by_freq))


def _psw_word(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(
        t.dtype.name, t.dtype.name)


@expose(name="embedding_bag", method=False)
def _torch_embedding_bag(weight: Tensor, indices, offsets, scale_grad_by_freq: bool = False,
                         mode: int = 0, sparse: bool = False, per_sample_weights=None,
                         include_last_offset: bool = False, padding_idx=None) -> tuple:
    """torch.embedding_bag: (output, offset2bag, bag_size, max_indices) of the bags of
    1-D ``indices`` that ``offsets`` start (EmbeddingBagBackward0)."""
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    data = _indices_array(indices, "indices", "embedding_bag")
    off = _indices_array(offsets, "offsets", "embedding_bag").astype("int64", copy=False)
    _check_range(data, weight._data.shape[0])
    n = data.size
    if off.size and int(off[0]) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{int(off[0])}\n[ torch.LongTensor{{}} ]")
    if off.size and int(off[-1]) > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but "
                           f"got offsets[-1] of {int(off[-1])}")
    rows = weight._data.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{rows} "
                               f"through {rows - 1}, but got {padding_idx}")
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
    if per_sample_weights is not None and per_sample_weights._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {_psw_word(weight)} but found "
                           f"{_psw_word(per_sample_weights)}")
    params = _bag_params(data.reshape(-1).astype("int64"), off.copy(), int(mode),
                         -1 if padding_idx is None else int(padding_idx),
                         bool(include_last_offset), bool(scale_grad_by_freq))
    params["weight_data"] = weight._data
    outs = dispatch_optional(EMBEDDING_BAG, (weight, per_sample_weights), params)
    for t in outs[1:]:  # the integer outputs never require grad
        t._rg = False
        t.grad_fn = None
    return outs


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of embeddings: the rows of a 2-D ``input``, or the
    runs of a 1-D ``input`` that ``offsets`` start; ``per_sample_weights`` scales each row
    (mode 'sum'); entries equal to ``padding_idx`` are left out; empty bags give zeros."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         f"is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if not weight.ndim == 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {_type_repr(offsets)}")
        b, length = input.shape
        offsets = Tensor._make(input.xp.arange(0, b * length, max(length, 1),
                                               dtype="int64")[:b])
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        from ...autograd.grad_mode import no_grad
        with no_grad():
            embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    return _torch_embedding_bag(weight, input, offsets, scale_grad_by_freq, _MODES[mode],
                                sparse, per_sample_weights, include_last_offset,
                                padding_idx)[0]


def _type_repr(v) -> str:
    return "<class 'torch.Tensor'>" if isinstance(v, Tensor) else str(type(v))


# ---------------------------------------------------------------------------- one_hot
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot codes of the class indices ``tensor`` (a new last dim of
    ``num_classes`` entries; -1 infers max + 1).

    >>> import chainrule as torch
    >>> torch.nn.functional.one_hot(torch.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    data = tensor._data
    if data.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = tensor.xp
    if num_classes == -1 and is_meta(data):  # torch's words: the max is data
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")
    if data.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return Tensor._make(xp.zeros_like(data, shape=data.shape + (num_classes,)))
    if data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(data.max()) + 1
    elif data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (data[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return Tensor._make(out)
