"""The generic batching rules, and which ops take them.

A rule is ``rule(op, values, bdims, params, size, level) -> (result, result bdim)``: the
op's arguments peeled at one vmap level (``bdims[i]`` is None for an argument not batched
there), computing with ordinary ops on the values. Returning ``(NotImplemented, None)``
hands the call to the per-sample loop. Most ops take one of a few generic rules:

* ``elementwise``: move each batch dim to the front, pad the sample dims so that the
  samples broadcast as they would alone, run the op once;
* ``shifted``: ops whose parameters name dims of the sample (reductions, softmax, shape
  ops): the batch moves to dim 0 and those dims shift by one;
* ``leading``: ops that already take any number of leading batch dims (matrix functions);
* matrix products, which become ONE batched product (``mm`` of a batch is a ``bmm``, or a
  single ``mm`` when the other side is shared).

``register`` puts a rule into each op's ``Op.batch`` field in the registry.
"""
from __future__ import annotations

from ...ops._dispatch import dispatch
from ...ops._vocab import OPS
from ._rules_util import front, logical_ndim, pad

__all__ = ["register", "elementwise", "shifted", "leading", "front"]


def _is_tensor(v) -> bool:
    return hasattr(v, "_data") and hasattr(v, "_rg")


# ---------------------------------------------------------------------------- elementwise
def elementwise(op, values, bdims, params, size, level):
    tensors = [v for v in values if _is_tensor(v)]
    dtypes = {v._data.dtype for v in tensors}
    if len(dtypes) > 1:
        # Promotion looks at which operands are 0-d: the physical ranks would mislead it.
        ranks = {logical_ndim(v, b) == 0 for v, b in zip(values, bdims) if _is_tensor(v)}
        if len(ranks) > 1:
            return NotImplemented, None
    ndim = max((logical_ndim(v, b) for v, b in zip(values, bdims) if _is_tensor(v)),
               default=0)
    new = tuple(v if b is None else pad(v, b, ndim) for v, b in zip(values, bdims))
    return dispatch(op, new, params), 0


def _unbatched_shape_rule(op, values, bdims, params, size, level):
    """One-input ops that act elementwise (clone, casts, alias): batch in front, same op."""
    return dispatch(op, (front(values[0], bdims[0]),), params), 0


# ---------------------------------------------------------------------------- shifted dims
def _shift(d):
    if d is None:
        return None
    if isinstance(d, (tuple, list)):
        return type(d)(_shift(x) for x in d)
    return d + 1 if d >= 0 else d


def shifted(*names):
    """A rule for a one-tensor op (or several tensors batched alike) whose parameters
    ``names`` are dims of the sample: they move one to the right."""
    def rule(op, values, bdims, params, size, level):
        new_params = dict(params) if params else {}
        for n in names:
            v = new_params.get(n, op.defaults.get(n))
            if op.name in _ALL_IF_NONE and (v is None or v == ()):
                v = tuple(range(logical_ndim(values[0], bdims[0])))
            if v is None:
                return NotImplemented, None
            new_params[n] = _shift(v)
        new = []
        for v, b in zip(values, bdims):
            new.append(front(v, b, size) if _is_tensor(v) else v)
        return dispatch(op, tuple(new), new_params), 0
    return rule


def leading(op, values, bdims, params, size, level):
    """Ops that take leading batch dims already (matrix functions, triangular parts)."""
    new = tuple(front(v, b, size) if _is_tensor(v) else v for v, b in zip(values, bdims))
    return dispatch(op, new, params), 0


def _reduce_all(public):
    """Whole-sample reductions (sum of everything) as a reduction over dims 1.."""
    def rule(op, values, bdims, params, size, level):
        x = front(values[0], bdims[0])
        dims = tuple(range(1, x._data.ndim))
        if not dims:
            return (dispatch(OPS["clone"], (x,)) if public is None else x), 0
        kw = {}
        if params and params.get("dtype") is not None:
            from ..._dtypes import _BY_NP
            kw["dtype"] = _BY_NP[params["dtype"]] if not hasattr(params["dtype"], "is_complex") \
                else params["dtype"]
        return public(x, dim=dims, **kw), 0
    return rule


def _amax_all(name):
    def rule(op, values, bdims, params, size, level):
        import chainrule
        x = front(values[0], bdims[0])
        if x._data.ndim == 1:
            return x, 0
        flat = x.reshape(x._data.shape[0], -1)
        return getattr(chainrule, name)(flat, dim=1), 0
    return rule


# ---------------------------------------------------------------------------- indexing
def _basic_key(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) and
               not isinstance(k, bool) for k in items)


def _front_key(key):
    """``key`` with the batch's ``:`` in front, or None when that would move the batch: an
    advanced component that is batched itself, or advanced components apart from each other
    (NumPy then puts their dims first)."""
    key = key if isinstance(key, tuple) else (key,)
    if not _basic_key(key):
        from ._batched import LogicalArray
        advanced = [i for i, k in enumerate(key) if not (
            k is None or k is Ellipsis or isinstance(k, slice) or
            isinstance(k, int) and not isinstance(k, bool))]
        if any(k.__class__ is LogicalArray for k in key):
            return None
        if advanced[-1] - advanced[0] + 1 != len(advanced) or \
                any(isinstance(key[i], int) for i in advanced):
            return None
    return (slice(None),) + key


def _index_rule(op, values, bdims, params, size, level):
    key = _front_key(params["key"])
    if key is None:
        return NotImplemented, None
    x = front(values[0], bdims[0])
    new = dict(params)
    new["key"] = key
    if "shape" in new:  # index_scatter: into zeros of the batch's shape
        new["shape"] = (size,) + tuple(new["shape"])
    return dispatch(op, (x,), new), 0


# ---------------------------------------------------------------------------- shape ops
def _shape_prefix(op, values, bdims, params, size, level):
    """view/reshape/expand: the batch size goes in front of the target shape."""
    x = front(values[0], bdims[0])
    shape = tuple(params["shape"])
    if op.name in ("expand", "expand_copy"):
        missing = len(shape) - (x._data.ndim - 1)
        if missing > 0:
            x = x.reshape((x._data.shape[0],) + (1,) * missing + tuple(x._data.shape[1:]))
        return dispatch(op, (x,), {"shape": (x._data.shape[0],) + shape}), 0
    return x.reshape((x._data.shape[0],) + shape), 0


def _permute_rule(op, values, bdims, params, size, level):
    x = front(values[0], bdims[0])
    dims = (0,) + tuple(d + 1 for d in params["dims"])
    return dispatch(op, (x,), {"dims": dims}), 0


def _t_rule(op, values, bdims, params, size, level):
    x = front(values[0], bdims[0])
    if x._data.ndim < 3:
        return x, 0
    return x.transpose(1, 2), 0


def _variadic_dim(op, values, bdims, params, size, level):
    """cat/stack: every tensor gets the batch in front (shared ones expanded)."""
    dim = params.get("dim", 0) if params else 0
    new = []
    for v, b in zip(values, bdims):
        if b is None and op.name == "cat" and v._data.ndim == 1 and v._data.shape[0] == 0:
            continue  # cat skips legacy empty 1-D tensors
        new.append(front(v, b, size))
    if not new:
        return NotImplemented, None
    return dispatch(op, tuple(new), {"dim": _shift(dim)}), 0


def _where_rule(op, values, bdims, params, size, level):
    """where(cond, a, b): cond is a parameter and may be batched too."""
    from ._batched import LogicalArray
    cond = params["cond"]
    entries = list(zip(values, bdims))
    cond_bt = cond._bt if cond.__class__ is LogicalArray else None
    if cond_bt is not None and cond_bt._level != level:
        return NotImplemented, None
    ndims = [logical_ndim(v, b) for v, b in entries if _is_tensor(v)]
    cond_nd = cond.ndim if cond_bt is None else cond_bt._data.ndim
    ndim = max(ndims + [cond_nd])
    new = tuple(v if b is None else pad(v, b, ndim) for v, b in entries)
    if cond_bt is not None:
        cond = pad(cond_bt._value, cond_bt._bdim, ndim)._data
    out = dispatch(op, new, {"cond": cond})
    if all(b is None for b in bdims) and cond_bt is not None and out._data.ndim <= ndim:
        out = out.unsqueeze(0)
    return out, 0


_where_rule.batched_params = True


def _embedding_rule(op, values, bdims, params, size, level):
    from ._batched import LogicalArray
    indices = params["indices"]
    if bdims[0] is not None or indices.__class__ is not LogicalArray or \
            indices._bt._level != level:
        return NotImplemented, None
    new = dict(params)
    bt = indices._bt
    new["indices"] = front(bt._value, bt._bdim)._data
    return dispatch(op, values, new), 0


_embedding_rule.batched_params = True


def _layer_norm_rule(op, values, bdims, params, size, level):
    if any(b is not None for b in bdims[1:]):
        return NotImplemented, None
    return dispatch(op, (front(values[0], bdims[0]),) + tuple(values[1:]), params), 0


# ---------------------------------------------------------------------------- tables
_ELEMENTWISE_MODULES = (
    "chainrule.ops.arithmetic", "chainrule.ops._registry", "chainrule.ops.clamp",
    "chainrule.ops.pointwise", "chainrule.ops.nn.activation.pointwise",
    "chainrule.ops.nn.activation.smooth", "chainrule.ops.nn._shared", "chainrule.ops.special",
    "chainrule.ops.elementwise", "chainrule.ops.integer", "chainrule.ops.polynomials",
    "chainrule.ops._pointwise_util", "chainrule.ops.complex_ops")
_NOT_ELEMENTWISE = {"where", "floor_divide_not_implemented", "remainder_not_implemented",
                    "conj_physical_inplace", "asinh_inplace", "acosh_inplace",
                    "atanh_inplace", "polygamma_inplace"}
_EXTRA_ELEMENTWISE = ("_nn_mul_scalar", "_nn_add_scalar", "_nn_sub_scalar", "_nn_div_scalar",
                      "_nn_xlogy", "mul_by_scalar", "div_by_scalar", "_linalg_nan_to_num")
_SAME_SHAPE = ("clone", "alias", "_to_copy", "alias_copy", "cumprod_backward_zeros",
               "unpack_dual_primal")
_LEADING = ("linalg_inv_ex", "linalg_det", "linalg_slogdet", "linalg_cholesky_ex",
            "cholesky", "linalg_qr", "linalg_matrix_exp", "linalg_eigh", "_linalg_eigvalsh",
            "linalg_svd", "_linalg_svdvals", "linalg_eig", "tril", "triu", "_linalg_triu",
            "_linalg_tril", "cholesky_inverse", "linalg_pinv")
# Reductions whose dim None (or ()) means every dim of the sample.
_ALL_IF_NONE = {"sum_dim", "sum_dim_cast", "mean", "mean_dim_cast", "nansum", "nansum_cast",
                "any", "all", "amax", "amin", "aminmax", "var", "std", "var_mean", "std_mean",
                "count_nonzero", "linalg_vector_norm", "_nn_vector_norm", "_linalg_amax",
                "_linalg_amin", "logsumexp", "prod_dim", "prod_dim_cast"}
_DIM_PARAMS = {
    "sum_dim": ("dim",), "sum_dim_cast": ("dim",), "mean": ("dim",), "mean_dim_cast": ("dim",),
    "prod_dim": ("dim",), "prod_dim_cast": ("dim",), "nansum": ("dim",),
    "nansum_cast": ("dim",), "logsumexp": ("dim",), "any": ("dim",), "all": ("dim",),
    "amax": ("dim",), "amin": ("dim",), "aminmax": ("dim",), "var": ("dim",),
    "std": ("dim",), "var_mean": ("dim",), "std_mean": ("dim",), "cumsum": ("dim",),
    "cumsum_cast": ("dim",), "cumprod": ("dim",), "cumprod_cast": ("dim",),
    "logcumsumexp": ("dim",), "softmax": ("dim",), "log_softmax": ("dim",),
    "_softmax_backward_data": ("dim",), "_log_softmax_backward_data": ("dim",),
    "_safe_softmax": ("dim",), "glu": ("dim",), "glu_backward": ("dim",),
    "count_nonzero": ("dim",), "cummax": ("dim",), "cummin": ("dim",), "max_dim": ("dim",),
    "min_dim": ("dim",), "median_dim": ("dim",), "nanmedian_dim": ("dim",), "mode": ("dim",),
    "kthvalue": ("dim",), "sort": ("dim",), "sort_stable": ("dim",), "topk": ("dim",),
    "unbind": ("dim",), "split": ("dim",), "split_with_sizes": ("dim",),
    "unsafe_split": ("dim",), "unsafe_split_with_sizes": ("dim",), "_linalg_amax": ("dim",),
    "_linalg_amin": ("dim",), "norm_dim": ("dim",), "_nn_norm": ("dim",),
    "_nn_vector_norm": ("dim",), "linalg_vector_norm": ("dim",), "linalg_cross": ("dim",),
    "flip": ("dims",), "flip_dims": ("dims",), "roll": ("dims",), "squeeze": ("dims",),
    "squeeze_dim": ("dims",), "squeeze_dims": ("dims",), "squeeze_copy": ("dims",),
    "squeeze_dim_copy": ("dims",), "squeeze_dims_copy": ("dims",), "unsqueeze": ("dim",),
    "unsqueeze_copy": ("dim",), "squeeze_inplace_dim": ("dims",),
    "transpose": ("dim0", "dim1"), "transpose_copy": ("dim0", "dim1"),
    "diagonal": ("dim1", "dim2"), "diagonal_copy": ("dim1", "dim2"),
    "_linalg_diagonal": ("dim1", "dim2"), "diag_embed": ("dim1", "dim2"),
    "narrow_copy": ("dim",), "unfold": ("dimension",), "unfold_copy": ("dimension",),
    "split_copy": ("dim",), "split_with_sizes_copy": ("dim",), "unbind_copy": ("dim",),
}


def register() -> None:
    """Fill ``Op.batch`` for every op a generic rule covers (and the products')."""
    from ._products import PRODUCT_RULES
    for name, op in OPS.items():
        if op.batch is not None:
            continue
        rule = None
        if name in _DIM_PARAMS:
            rule = shifted(*_DIM_PARAMS[name])
        elif (op.forward.__module__ in _ELEMENTWISE_MODULES and name not in _NOT_ELEMENTWISE
              and not op.variadic) or name in _EXTRA_ELEMENTWISE:
            rule = elementwise
        elif name in _SAME_SHAPE:
            rule = _unbatched_shape_rule
        elif name in _LEADING:
            rule = leading
        op.batch = rule
    table = {
        "where": _where_rule, "select": _index_rule, "slice": _index_rule,
        "index": _index_rule, "index_scatter": _index_rule,
        "select_copy": _index_rule, "slice_copy": _index_rule,
        "view": _shape_prefix, "_unsafe_view": _shape_prefix, "_reshape_alias": _shape_prefix,
        "view_copy": _shape_prefix, "expand": _shape_prefix, "expand_copy": _shape_prefix,
        "permute": _permute_rule, "permute_copy": _permute_rule, "t": _t_rule,
        "t_copy": _t_rule, "cat": _variadic_dim, "stack": _variadic_dim,
        "embedding": _embedding_rule, "native_layer_norm": _layer_norm_rule,
        "sum_all": _reduce_all(_public("sum")), "mean_all": _reduce_all(_public("mean")),
        "sum_all_cast": _reduce_all(_public("sum")),
        "mean_all_cast": _reduce_all(_public("mean")),
        "prod_all": _amax_all("prod"), "max_all": _amax_all("amax"),
        "min_all": _amax_all("amin"),
    }
    table.update(PRODUCT_RULES)
    from ._rules_nn import NN_RULES
    table.update(NN_RULES)
    for name, rule in table.items():
        if name in OPS:
            OPS[name].batch = rule


def _public(name):
    import chainrule
    return getattr(chainrule, name)
