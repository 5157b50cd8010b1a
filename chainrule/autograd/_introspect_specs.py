"""torch's names for what each node saves: ``saved_spec(node)`` maps ``_saved_<name>`` to
an entry (kind, key) of _introspect_access.py, from the op's plan and the tables below
(ops whose torch names differ from the defaults described in _introspect.py)."""
from __future__ import annotations

from ._introspect_access import (
    _CONST,
    _FN,
    _IN,
    _INT64_MAX,
    _NODE,
    _NUMEL,
    _OUT,
    _PARAM,
    _SIZES,
    _STRIDES,
    _TENSOR,
    _as_tensor,
    _input,
    _is_freed,
    _output,
    _param,
    _sizes,
)


def _select_key(key):
    for dim, k in enumerate(key):
        if k.__class__ is int:
            return dim, k
    return 0, 0


def _slice_key(key):
    for dim, k in enumerate(key):
        if k.__class__ is slice and k != slice(None):
            return (dim, 0 if k.start is None else k.start,
                    _INT64_MAX if k.stop is None else k.stop, 1 if k.step is None else k.step)
    return 0, 0, _INT64_MAX, 1


def _indices(p):
    # our node keeps the indices with the reduced dim (for gather); torch's drop it
    index = p("index")
    return index if p("keepdim") else index.squeeze(p("dim"))


_MAX_DIM = {"dim": (_PARAM, "dim"), "indices": (_FN, _indices), "keepdim": (_PARAM, "keepdim"),
            "self_sym_sizes": (_SIZES, 0)}


def _mm(a, b):
    return {a: (_IN, 0), f"{a}_sym_sizes": (_SIZES, 0), f"{a}_sym_strides": (_STRIDES, 0),
            b: (_IN, 1), f"{b}_sym_sizes": (_SIZES, 1), f"{b}_sym_strides": (_STRIDES, 1)}


_REDUCTION = {"none": 0, "mean": 1, "sum": 2}

def _all_dims(node):
    """A std/var over every element: torch's node saves dim None (and correction None for
    the default correction); ours keeps the normalised dims, so a full reduction reads as
    torch's no-dim call (an explicit all-dims call, e.g. a 1-d
    ``x.var(0)``, reads None too: our node cannot tell the two apart)."""
    dim = _param(node, "dim")
    if _is_freed(node._saved):  # the input went with backward: guess from the dims alone
        return len(dim) > 1 and tuple(sorted(dim)) == tuple(range(len(dim)))
    sizes = _sizes(node, 0)
    return sizes is not None and tuple(sorted(dim)) == tuple(range(len(sizes)))


def _moment_spec(result):
    spec = {"self": (_IN, 0),
            "dim": (_NODE, lambda n: None if _all_dims(n) else _param(n, "dim")),
            "correction": (_NODE, lambda n: None if _all_dims(n) and _param(n, "correction") == 1
                           else _param(n, "correction")),
            "keepdim": (_PARAM, "keepdim")}
    if result:
        spec["result"] = (_OUT, 0)
    return spec


# grad_fn name -> {torch name: (kind, key)}: the ops whose torch names the defaults miss.
_SPECS = {
    "MmBackward0": _mm("self", "mat2"),
    "AddmmBackward0": {**{k: (kind, key + 1) for k, (kind, key) in _mm("mat1", "mat2").items()},
                       "alpha": (_PARAM, "alpha"), "beta": (_PARAM, "beta")},
    "MvBackward0": {"self": (_IN, 0), "vec": (_IN, 1)},
    "DotBackward0": {"self": (_IN, 0), "tensor": (_IN, 1)},
    "BmmBackward0": {"self": (_IN, 0), "mat2": (_IN, 1)},
    "PowBackward1": {"self": (_IN, 0), "exponent": (_IN, 1), "result": (_OUT, 0)},
    "PowBackward2": {"self": (_PARAM, "base"), "exponent": (_IN, 0), "result": (_OUT, 0)},
    "MeanBackward0": {"self_sym_sizes": (_SIZES, 0), "self_sym_numel": (_NUMEL, 0)},
    "MeanBackward1": {"dim": (_PARAM, "dim"), "keepdim": (_PARAM, "keepdim"),
                      "self_sym_sizes": (_SIZES, 0), "self_sym_numel": (_NUMEL, 0)},
    "MaxBackward0": _MAX_DIM,
    "MinBackward0": _MAX_DIM,
    "KthvalueBackward0": _MAX_DIM,
    "ModeBackward0": _MAX_DIM,
    "SelectBackward0": {"dim": (_FN, lambda p: _select_key(p("key"))[0]),
                        "index": (_FN, lambda p: _select_key(p("key"))[1]),
                        "self_sym_sizes": (_SIZES, 0)},
    "SliceBackward0": {name: (_FN, lambda p, i=i: _slice_key(p("key"))[i])
                       for i, name in enumerate(("dim", "start", "end", "step"))}
    | {"self_sym_sizes": (_SIZES, 0)},
    "WhereBackward0": {"condition": (_PARAM, "cond")},
    "MseLossBackward0": {"self": (_IN, 0), "target": (_IN, 1),
                         "reduction": (_FN, lambda p: _REDUCTION.get(p("reduction")))},
    # our squeeze(dim) keeps the wrapped dim only when it has size 1: a no-op squeeze reads
    # None, and a negative dim reads wrapped (torch shows it cast to uint64)
    "SqueezeBackward1": {"dim": (_FN, lambda p: p("dims")[0] if p("dims") else None),
                         "self_sym_sizes": (_SIZES, 0)},
    "StdBackward0": _moment_spec(True),
    "VarBackward0": _moment_spec(False),
    "StdMeanBackward0": {**_moment_spec(False), "result0": (_TENSOR, lambda n: __import__(
        "chainrule").std(_input(n, 0), dim=_param(n, "dim"), correction=_param(
            n, "correction"), keepdim=_param(n, "keepdim")))},
    "VarMeanBackward0": _moment_spec(False),
    "GatherBackward0": {"dim": (_PARAM, "dim"), "index": (_PARAM, "index"),
                        "sparse_grad": (_CONST, False)},
}


def saved_spec(node) -> dict:
    """{torch name: (kind, key)} for this node's op, worked out once per op."""
    op = node.op
    spec = _CACHE.get(op)
    if spec is None:
        spec = _CACHE[op] = _SPECS.get(op.grad_fn) or _default_spec(op)
    return spec


_CACHE: dict = {}


# grad_fn name -> torch's name for a two-input op's second input, where it is not ``other``
_SECOND = {"PreluKernelBackward0": "weight", "SmoothL1LossBackward0": "target",
           "HuberLossBackward0": "target", "BinaryCrossEntropyBackward0": "target",
           "BinaryCrossEntropyWithLogitsBackward0": "target", "ClampMinBackward1": "min",
           "ClampMaxBackward1": "max", "ScatterReduceBackward0": "src",
           "IndexReduceBackward0": "source"}

# saved ints that torch's node shows cast to uint64 (a negative one reads 2**64 + value;
# the dims our frontends keep wrapped read as the wrapped, non-negative dim)
_UINT64 = {"ignore_index", "padding_idx", "diagonal", "offset", "shifts", "start", "end",
           "index", "dim", "dims", "dim0", "dim1", "dim2"}

# grad_fn name -> torch's names for all the inputs, where the defaults miss
_NAMES = {"GridSampler2DBackward0": ("input", "grid"),
          "GridSampler3DBackward0": ("input", "grid")}
# ops whose rule keeps an input's sizes that torch's node does not list (the scatters'
# source sizes: torch's formula reads them off the gradient)
_NO_SIZES = {"ScatterBackward0", "ScatterAddBackward0", "SelectScatterBackward0",
             "SliceScatterBackward0", "DiagonalScatterBackward0"}


def _argsize(index, dim):
    """An input's size at one dim (torch's ``<name>_sym_argsize_<dim>``)."""
    return (_NODE, lambda n: (_sizes(n, index) or (None,) * 8)[dim])


def _lu(node, transposed):
    from ..linalg import lu_factor_ex
    A = _input(node, 0)
    return lu_factor_ex(A.mT if transposed else A)[:2]


def _lu_entries(transposed):
    """torch's LU and pivots: of A for solve, of A's transpose for det and slogdet (the
    column-major factorisation torch runs on the row-major data)."""
    return {"LU": (_TENSOR, lambda n: _lu(n, transposed)[0]),
            "pivots": (_TENSOR, lambda n: _lu(n, transposed)[1])}


def _scale(i):
    return (_FN, lambda p: None if p("scales") is None else p("scales")[i])


def _upsample(nd, nearest):
    """torch's upsample nodes: one ``scales_<d/h/w>`` per spatial dim (1-d: ``scales``), no
    align_corners for the nearest modes."""
    names = {1: ("scales",), 2: ("scales_h", "scales_w"), 3: ("scales_d", "scales_h",
                                                              "scales_w")}[nd]
    return {"hide": ("scales",) + (("align_corners",) if nearest else ()),
            "extra": {name: _scale(i) for i, name in enumerate(names)}}


def _key_indices(node):
    """An advanced-indexing key as torch's ``indices``: a tensor per indexed dim, None for
    the whole dims before one."""
    out = []
    for k in _param(node, "key"):
        if k.__class__ is slice:
            out.append(None)
        elif k is not Ellipsis and k is not None:
            out.append(_as_tensor(node, k))
    return tuple(out)


def _aminmax(node, which):
    from .. import aminmax
    dim = _param(node, "dim")
    x = _input(node, 0)
    full = dim is None or tuple(sorted(dim)) == tuple(range(x.ndim))
    res = aminmax(x) if full else aminmax(x, dim=dim[0], keepdim=_param(node, "keepdim"))
    return res[which]


def _aminmax_dim(node):
    dim = _param(node, "dim")
    sizes = _sizes(node, 0)
    if dim is None or sizes is None or tuple(sorted(dim)) == tuple(range(len(sizes))):
        return None
    return dim[0]


def _total_weight(node):
    """nll_loss's total weight as torch's 0-d tensor, in the input's dtype."""
    from .._tensor import Tensor
    value = _param(node, "total_weight")
    x = _input(node, 0) if node.op.inputs[0] == "x" else None
    xp = node._F.xp
    return Tensor._make(xp.asarray(value, dtype=None if x is None else x._data.dtype))


_NLL = {"extra": {"total_weight": (_TENSOR, _total_weight)}}
_INDICES = {"hide": ("key", "other_sym_sizes"), "extra": {"indices": (_TENSOR, _key_indices)}}
_SORT = {"rename": {"index": "indices"}, "hide": ("keepdim",)}
_POOL = {"rename": {"indices": "result1"}}
# grad_fn name -> how torch's node differs from the default names: "outs" torch's output
# names, "rename" {default name: torch's}, "hide" names torch's node does not list,
# "extra" entries torch lists that the defaults miss (sizes at one dim, tensors recomputed
# on access), "fill" entries added only where the op does not save them.
_ADJUST = {
    "LinalgInvExBackward0": {"outs": ("inverse", "info")},
    "LinalgCholeskyExBackward0": {"outs": ("L", "info")},
    "LinalgQrBackward0": {"outs": ("Q", "R")},
    "LinalgEighBackward0": {"outs": ("eigenvalues", "eigenvectors")},
    "LinalgLuFactorExBackward0": {"outs": ("LU", "pivots", "info")},
    "LinalgLuBackward0": {"outs": ("L", "U", "P")},
    "LinalgSvdBackward0": {"outs": ("U", "S", "Vh"), "extra": {
        "S_sym_argsize_minus_1": (_NODE, lambda n: _output(n, 1).shape[-1])}},
    "TriangularSolveBackward0": {"outs": ("solution", "cloned_coefficient")},
    "LinalgLstsqBackward0": {"outs": ("solution", "residuals", "rank", "singular_values")},
    "LinalgDetBackward0": {"rename": {"self": "A"}, "extra": _lu_entries(True)},
    "LinalgSlogdetBackward0": {"rename": {"self": "A", "result": "sign"},
                               "extra": _lu_entries(True)},
    "LinalgSolveExBackward0": {"rename": {"self": "A"}, "hide": ("other_sym_sizes",),
                               "extra": _lu_entries(False)},
    "LinalgHouseholderProductBackward0": {"extra": {"result": (_TENSOR, lambda n: __import__(
        "chainrule").linalg.householder_product(_input(n, 0), _input(n, 1)))}},
    "OrmqrBackward0": {"extra": {"result": (_TENSOR, lambda n: __import__("chainrule").ormqr(
        _input(n, 0), _input(n, 1), _input(n, 2), _param(n, "left"),
        _param(n, "transpose")))}},
    "AddbmmBackward0": {"extra": {"batch1_sym_argsize_0": _argsize(1, 0),
                                  "batch1_sym_argsize_1": _argsize(1, 1),
                                  "batch2_sym_argsize_2": _argsize(2, 2)}},
    "FrexpBackward0": {"hide": ("self",), "extra": {
        "exponent": (_TENSOR, lambda n: __import__("chainrule").frexp(_input(n, 0))[1])}},
    "AminmaxBackward0": {"extra": {"dim": (_NODE, _aminmax_dim),
                                   "min": (_TENSOR, lambda n: _aminmax(n, 0)),
                                   "max": (_TENSOR, lambda n: _aminmax(n, 1))}},
    "EmbeddingBackward0": {"hide": ("self_sym_sizes",),
                           "extra": {"weight_sym_argsize_0": _argsize(0, 0),
                                     "sparse": (_CONST, False)}},  # (dense gradients only)
    "DivBackward2": {"hide": ("self_sym_sizes", "other_sym_sizes"),
                     "extra": {"self": (_IN, 0), "other": (_IN, 1),
                               "rounding_mode": (_PARAM, "rounding_mode")}},
    "Im2ColBackward0": {"hide": ("self_sym_sizes",),
                        "extra": {"self_sym_argsize_minus_1": _argsize(0, -1),
                                  "self_sym_argsize_minus_2": _argsize(0, -2)}},
    "LuUnpackBackward0": {"hide": ("self_sym_sizes",),
                          "extra": {"LU_data_sym_argsize_minus_1": _argsize(0, -1),
                                    "LU_data_sym_argsize_minus_2": _argsize(0, -2)}},
    "CeluBackward0": {"hide": ("scale", "input_scale")},
    "CeluBackward1": {"hide": ("scale", "input_scale")},
    "AsStridedBackward0": {"hide": ("geometry", "layout", "self_sym_sizes")},
    "AsStridedBackward1": {"hide": ("geometry",)},
    "AsStridedScatterBackward0": {"hide": ("layout", "src_sym_sizes", "other_sym_sizes")},
    "AffineGridGeneratorBackward0": {"hide": ("self_sym_sizes",)},
    "ChannelShuffleBackward0": {"hide": ("self_sym_sizes",)},
    "UnbindBackward0": {"hide": ("self_sym_sizes",)},
    "UnbindBackward0_copy": {"hide": ("self_sym_sizes",)},
    "XlogyBackward1": {"rename": {"self_": "self"}},
    "SpecialXlog1PyBackward1": {"rename": {"self_": "self"}},
    "SpecialZetaBackward1": {"rename": {"self_": "self"}},
    "IndexBackward0": _INDICES,
    "IndexPutBackward0": {**_INDICES, "fill": {"accumulate": (_CONST, False)}},
    "NllLossBackward0": _NLL,
    "NllLoss2DBackward0": _NLL,
    "NllLossBackwardBackward0": _NLL,
    "NllLoss2DBackwardBackward0": _NLL,
    "SortBackward0": _SORT,
    "TopkBackward0": _SORT,
    "MaxPool2DWithIndicesBackward0": _POOL,
    "MaxPool3DWithIndicesBackward0": _POOL,
    "AdaptiveMaxPool2DBackward0": _POOL,
    "AdaptiveMaxPool3DBackward0": _POOL,
    "FractionalMaxPool2DBackward0": _POOL,
    "FractionalMaxPool3DBackward0": _POOL,
}
for _nd, _kinds in ((1, ("Nearest", "NearestExact", "Linear")),
                    (2, ("Nearest", "NearestExact", "Bilinear", "Bicubic")),
                    (3, ("Nearest", "NearestExact", "Trilinear"))):
    for _kind in _kinds:
        for _suffix in ("Backward0", "BackwardBackward0"):
            _ADJUST[f"Upsample{_kind}{_nd}D{_suffix}"] = _upsample(_nd, "Nearest" in _kind)
# torch's names for all the inputs, where the defaults (self, other) miss
_NAMES.update({
    "AddcmulBackward0": ("self", "tensor1", "tensor2"),
    "AddcdivBackward0": ("self", "tensor1", "tensor2"),
    "AddrBackward0": ("self", "vec1", "vec2"),
    "BaddbmmBackward0": ("self", "batch1", "batch2"),
    "AddbmmBackward0": ("self", "batch1", "batch2"),
    "CdistBackward0": ("x1", "x2"),
    "EuclideanDistBackward0": ("x1", "x2"),
    "LerpBackward1": ("self", "end", "weight"),
    "ClampBackward0": ("self", "min", "max"),
    "CholeskySolveBackward0": ("self", "input2"),
    "LinalgHouseholderProductBackward0": ("input", "tau"),
    "OrmqrBackward0": ("self", "input2", "input3"),
    "TriangularSolveBackward0": ("self", "A"),
    "LinalgLstsqBackward0": ("self", "b"),
    "LinalgLuSolveBackward0": ("LU", "B"),
    "MaskedScatterBackward0": ("self", "source"),
    "XlogyBackward1": ("other",),
    "SpecialXlog1PyBackward1": ("other",),
    "SpecialZetaBackward1": ("other",),
})


def _default_spec(op) -> dict:
    from ..ops._node import _IN as S_IN
    from ..ops._node import _OUT as S_OUT
    from ..ops._node import _PARAM as S_PARAM
    names = _NAMES.get(op.grad_fn) or (("self",) if len(op.inputs) == 1 else (
        "self", _SECOND.get(op.grad_fn, "other")) if len(op.inputs) == 2 else op.inputs)
    hide_sizes = op.grad_fn in _NO_SIZES
    adjust = _ADJUST.get(op.grad_fn, {})
    outs = adjust.get("outs")
    spec = {}
    for kind, key in op.plan((True,) * len(op.inputs)).sources:
        if kind == S_IN:
            spec[names[key]] = (_IN, key)
        elif kind == S_OUT:
            spec[outs[key] if outs else "result" if key == 0 else f"result{key}"] = (_OUT, key)
        elif kind == S_PARAM:
            spec[key] = (_PARAM, key)
        elif key is not None and not hide_sizes:  # an input's shape (not a variadic op's)
            # an optional input's sizes (conv's bias) are torch's <name>_sym_sizes_opt
            opt = "_opt" if names[key] == "bias" else ""
            spec[f"{names[key]}_sym_sizes{opt}"] = (_SIZES, key)
    for ours, theirs in adjust.get("rename", {}).items():
        if ours in spec:
            spec[theirs] = spec.pop(ours)
    for name in adjust.get("hide", ()):
        spec.pop(name, None)
    spec.update(adjust.get("extra", {}))
    for name, entry in adjust.get("fill", {}).items():
        spec.setdefault(name, entry)
    return spec
