"""What the reduction family shares: dims, result dtypes, ``out=``, and the small internal
ops its backward rules gather and scatter with.

The internal ops (``flip_dims``, ``gather_dim``, ``scatter_add_dim``, ``cat_dim``) are names
of the backward vocabulary: ``F.gather_dim(x, dim, index)`` is ``take_along_axis`` on raw
arrays and a recorded op (GatherBackward0) under create_graph, so rules that route a
gradient through indices (sort, max(dim), cummax, ...) differentiate again for free.
"""
from __future__ import annotations

import warnings

from ..._dtypes import _BY_NP, get_default_dtype, int64, to_dtype
from ..._tensor import Tensor, _wrap_dim
from ...autograd.grad_mode import _tls
from .._registry import dispatch, expose, linear, op


# ---------------------------------------------------------------------------- dims
def dims_arg(dim, ndim):
    """Reduction dims, normalised, with torch's rules: an empty list means every dim, and a
    dim named twice is an error. A 0-d tensor takes dim 0 or -1 and reduces nothing."""
    if isinstance(dim, (list, tuple)):
        if not dim:
            return tuple(range(ndim))
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
    else:
        dims = (_wrap_dim(dim, ndim),)
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return () if ndim == 0 else dims


def one_dim(dim, ndim) -> int:
    """A single dim, wrapped (a 0-d tensor accepts 0 and -1)."""
    return _wrap_dim(dim, ndim)


def numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def along(dim: int, index) -> tuple:
    """The indexing key that applies ``index`` (an int or a slice) along ``dim``."""
    return (slice(None),) * dim + (index,)


def check_nonempty_dims(input, dims, name, sep="()"):
    """torch's IndexError for reducing a dim of size zero with an op that has no identity."""
    shape = input._data.shape
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}{sep}: Expected reduction dim {d} to have non-zero size.")


def check_nonempty(input, name):
    if input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


# ---------------------------------------------------------------------------- dtypes
_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_LOWER = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool", "complex64": "c10::complex<float>",
          "complex128": "c10::complex<double>"}


def type_word(t) -> str:
    """torch's name of a dtype in messages: Float, Long, Bool ..."""
    name = t.dtype.name if isinstance(t, Tensor) else to_dtype(t).name
    return _WORDS[name]


def is_float(t) -> bool:
    return t._data.dtype.kind in "fcV"


def integral_to_long(input, dtype):
    """The dtype a sum-like op computes in: ``dtype`` when given, int64 for bool and integer
    inputs (torch's rule for sum, prod, cumsum, cumprod, nansum), else the input's."""
    if dtype is not None:
        return to_dtype(dtype)
    if input._data.dtype.kind in "biu":
        return int64
    return _BY_NP[input._data.dtype]


def float_of(input):
    """The dtype a float op computes in: the input's if floating, else the default."""
    if input._data.dtype.kind in "fcV":
        return _BY_NP[input._data.dtype]
    return get_default_dtype()


# ---------------------------------------------------------------------------- out=
def check_out_grad(name, result, out):
    """torch refuses out= when autograd would have to record through it."""
    results = result if isinstance(result, tuple) else (result,)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if _tls.grad_enabled and (any(r._rg for r in results) or any(o._rg for o in outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def write_out(name, result, out, *, strict=False):
    """Store ``result`` (a Tensor, or a tuple of them) into ``out`` in place, resizing it as
    torch does, and return ``out``. ``strict`` ops (values/indices pairs) require the exact
    dtype; others cast where torch's casting rules allow."""
    check_out_grad(name, result, out)
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(result)} Tensors")
        for r, o in zip(result, out):
            _write_one(r, o, strict)
        return out
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _write_one(result, out, strict)
    return out


def _write_one(result, out, strict):
    rd, od = result._data, out._data
    if rd.dtype != od.dtype:
        src, dst = _BY_NP[rd.dtype], _BY_NP[od.dtype]
        if strict:
            raise RuntimeError(f"Expected out tensor to have dtype {_LOWER[src.name]}, but got "
                               f"{_LOWER[dst.name]} instead")
        if src._category > dst._category:
            raise RuntimeError(f"result type {_WORDS[src.name]} can't be cast to the desired "
                               f"output type {_WORDS[dst.name]}")
    if od.shape != rd.shape:
        if od.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(od.shape)}, which does not match the required output shape "
                f"{list(rd.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=4)
        out._data = rd.astype(od.dtype, copy=True)
    else:
        od[...] = rd
    out._bump_version()


# ---------------------------------------------------------------------------- internal ops
FLIP_DIMS = linear("flip_dims", lambda xp, x, dims: xp.flip(x, dims).copy(),
                   transpose=lambda F, g, dims: F.flip_dims(g, dims), params=("dims",),
                   grad_fn="FlipBackward0")
GATHER_DIM = op("gather_dim", lambda xp, x, dim, index: xp.take_along_axis(x, index, axis=dim),
                vjps=(lambda F, g, x_shape, dim, index: F.scatter_add_dim(g, dim, index,
                                                                          x_shape),),
                params=("dim", "index"), grad_fn="GatherBackward0")
SCATTER_ADD_DIM = op("scatter_add_dim",
                     lambda xp, g, dim, index, shape: _scatter_add(xp, g, dim, index, shape),
                     vjps=(lambda F, g, dim, index: F.gather_dim(g, dim, index),),
                     params=("dim", "index", "shape"), grad_fn="ScatterAddBackward0")
# Only its raw meaning is used (the graph meaning is ``cat``): one signature for both.
CAT_DIM = op("cat_dim", lambda xp, parts, dim: xp.concatenate(parts, axis=dim))


def _scatter_add(xp, g, dim, index, shape):
    """A zero array of ``shape`` with ``g`` added at ``index`` along ``dim`` (the transpose
    of take_along_axis; repeated indices accumulate)."""
    out = xp.zeros(shape, dtype=g.dtype)
    if index.size == 0:
        return out
    g = xp.broadcast_to(g, index.shape)
    key = list(xp.indices(index.shape, sparse=True))
    key[dim] = index
    xp.add.at(out, tuple(key), g)
    return out


@expose(method=False, internal=True)
def flip_dims(input, dims):
    """Reverse ``input`` along ``dims`` (a copy; the backward vocabulary's flip)."""
    return dispatch(FLIP_DIMS, (input,), {"dims": tuple(dims)})


@expose(method=False, internal=True)
def gather_dim(input, dim, index):
    """``input`` picked at ``index`` (a raw integer array) along ``dim``: torch.gather for the
    backward vocabulary."""
    return dispatch(GATHER_DIM, (input,), {"dim": dim, "index": index})


@expose(method=False, internal=True)
def scatter_add_dim(grad, dim, index, shape):
    """Zeros of ``shape`` with ``grad`` added at ``index`` along ``dim`` (scatter_add)."""
    return dispatch(SCATTER_ADD_DIM, (grad,), {"dim": dim, "index": index,
                                               "shape": tuple(shape)})


@expose(method=False, internal=True)
def cat_dim(parts, dim):
    """``cat`` with the backward vocabulary's signature."""
    from ..shape import cat
    return cat(list(parts), dim)


def index_tensor(xp, index):
    """An int64 index array as a Tensor."""
    return Tensor._make(xp.asarray(index, dtype="int64"))


def wrap(data):
    """A raw result as a Tensor that records nothing."""
    return Tensor._make(data)


# ---------------------------------------------------------------------------- selections
def _take_selected(xp, x, dim, index, keepdim):
    if x.ndim == 0:
        return x.copy()
    out = xp.take_along_axis(x, index, axis=dim)
    return out if keepdim else xp.squeeze(out, dim)


def select_backward(F, g, x_shape, dim, index, keepdim):
    """torch's value_selecting_reduction_backward: the gradient goes back to the places the
    values were taken from (``index`` is kept with the reduced dim, as keepdim gives it)."""
    if not x_shape:
        return g
    if not keepdim:
        g = F.unsqueeze_dims(g, (dim,))
    return F.scatter_add_dim(g, dim, index, x_shape)


def selection_op(name, grad_fn):
    """An op whose values are ``x`` taken at precomputed indices along ``dim`` (max(dim),
    median(dim), sort, topk, ...): its backward scatters the gradient back through them."""
    return op(name, _take_selected, vjps=(select_backward,),
              params=("dim", "index", "keepdim"), grad_fn=grad_fn)


def select(selection, input, dim, index, keepdim, return_type, out=None, name=None):
    """Run a selection op; ``index`` is a raw int64 array shaped with ``dim`` kept. Returns
    the named tuple (values, indices), or writes it into ``out``."""
    values = dispatch(selection, (input,), {"dim": dim, "index": index, "keepdim": keepdim})
    xp = input.xp
    idx = index if keepdim or input.ndim == 0 else xp.squeeze(index, dim)
    if input.ndim == 0:
        idx = xp.zeros((), dtype="int64")
    result = (values, index_tensor(xp, idx))
    if out is not None:
        write_out(name, result, out, strict=True)
        return getattr(_return_types(), return_type + "_out")(out)
    return getattr(_return_types(), return_type)(result)


def _return_types():
    from ... import return_types
    return return_types


# ---------------------------------------------------------------------------- no derivative
def _refuse(exc, message):
    def rule(F, g):
        raise exc(message)
    return rule


class NotImplementedOp:
    """torch's node for a result it cannot differentiate (unique, histogram, bincount with
    weights): the output requires grad, backward raises torch's error. The node has an edge
    for each input that requires grad, as torch's has; its ops (one per number of such
    inputs) hand back the result computed beforehand."""

    def __init__(self, name, grad_fn, message, exc=RuntimeError, num_outputs=1):
        self.name, self.grad_fn, self.num_outputs = name, grad_fn, num_outputs
        self.rule = _refuse(exc, message)
        self.ops = {}

    def op(self, arity):
        o = self.ops.get(arity)
        if o is None:
            inputs = tuple(f"x{i}" for i in range(arity))
            o = self.ops[arity] = op(f"{self.name}_{arity}",
                                     lambda xp, *arrays, result: result, inputs=inputs,
                                     vjps=(self.rule,) * arity, params=("result",),
                                     grad_fn=self.grad_fn, num_outputs=self.num_outputs)
            if self.grad_fn == "NotImplemented":  # torch's C++ node: a namespaced name
                o.node_cls.name = lambda node: "torch::autograd::NotImplemented"
        return o


def attach(not_implemented, inputs, result):
    """``result`` (a raw array, or a tuple of them) as Tensors carrying
    ``not_implemented``'s node when any of ``inputs`` requires grad."""
    needing = tuple(t for t in inputs if isinstance(t, Tensor) and t._rg)
    multi = isinstance(result, tuple)
    floating = (result[0] if multi else result).dtype.kind in "fcV"
    if needing and _tls.grad_enabled and floating:
        return dispatch(not_implemented.op(len(needing)), needing, {"result": result})
    return tuple(wrap(r) for r in result) if multi else wrap(result)
