"""torch's node introspection for registered ops: ``grad_fn._saved_<name>`` and
``grad_fn._raw_saved_<name>`` (a SavedTensor whose ``register_hooks(pack, unpack)`` packs
that one saved tensor).

An op's node saves what its rules name (``x``, ``out``, ``dim``, ``x_shape``); this module
maps those to torch's names (``self``, ``result``, ``dim``, ``self_sym_sizes``): by default
the first input is ``self``, the second ``other``, the output ``result``, a parameter keeps
its name and ``<input>_shape`` is ``<input>_sym_sizes``; ``_SPECS`` below gives the ops whose
torch names differ. The names a node lists are the ones its op saves when every input
needs grad (torch's set is fixed per node class); one its plan did not save reads None, as
torch's unsaved SavedVariable does. Worked out once per op, on first access: recording a
node pays nothing.
"""
from __future__ import annotations

from .graph import SAVED_FREED_MSG

# Entry kinds: a saved input tensor (key: input index), a saved output (output index), a
# parameter (our name), an input's sizes / strides / numel (input index), a constant, a
# function of the node's saved parameters.
# _TENSOR: a tensor torch's node saves and ours recomputes from what it saved, on access
# (det's LU and pivots, frexp's exponent): the recording pays nothing for it.
_IN, _OUT, _PARAM, _SIZES, _STRIDES, _NUMEL, _CONST, _FN, _NODE, _TENSOR = range(10)
_INT64_MAX = 9223372036854775807


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
        "S_sym_argsize_minus_1": (_NODE, lambda n: saved_value(n, "S").shape[-1])}},
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
                           "extra": {"weight_sym_argsize_0": _argsize(0, 0)}},
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


def _slot(node, kind, key):
    for i, src in enumerate(node._plan.sources):
        if src == (kind, key):
            return i
    return None


def _tensor_in_slot(node, slot, wrap_scalars=True):
    """The saved tensor in ``slot``: the input itself, or the output attached to ``node``."""
    from .._tensor import Tensor
    from ._saved_hooks import Packed, unpack_tensor
    saved = node._saved
    if _is_freed(saved):
        raise RuntimeError(SAVED_FREED_MSG)
    if isinstance(saved, Packed):
        if slot in saved.slots:
            packed, unpack, is_out = saved.slots[slot]
            t = unpack_tensor(packed, unpack)
            if is_out and t.grad_fn is None:  # a saved output comes back attached to its node
                t = Tensor._make(t._data, True, node, node._plan.sources[slot][1])
            return t
        value = saved.raw[slot]
    else:
        v = node._versions
        for i in range(0, len(v), 4):
            if v[i + 2] == slot:
                t = v[i + 3]
                if t is None:
                    return Tensor._make(saved[slot], True, node, node._plan.sources[slot][1])
                return t
        value = saved[slot]
    if isinstance(value, Tensor) or value is None:
        return value
    return _as_tensor(node, value)


def _is_freed(saved) -> bool:
    from ..ops._node import _FREED, Freed
    return saved is _FREED or saved.__class__ is Freed


def _kept(saved, slot):
    """A released node's non-tensor value (torch keeps those); a freed tensor raises."""
    kept = getattr(saved, "kept", None)
    if kept is None or slot not in kept:
        raise RuntimeError(SAVED_FREED_MSG)
    return kept[slot]


def _as_tensor(node, value):
    """A saved scalar or array as torch shows it: a tensor (a wrapped scalar is 0-d)."""
    from .._tensor import Tensor
    return Tensor._make(node._F.xp.asarray(value))


def _param(node, name):
    from ..ops._node import _PARAM as S_PARAM
    saved = node._saved
    slot = _slot(node, S_PARAM, name)
    if slot is None:
        return node.op.defaults.get(name)
    if _is_freed(saved):
        return _kept(saved, slot)
    if saved.__class__ is tuple:
        return saved[slot]
    if slot in saved.slots:  # a parameter array hooked through _raw_saved_<name>
        return _tensor_in_slot(node, slot)._data
    return saved.raw[slot]


def _sizes(node, index):
    from .._tensor import Tensor
    from ..ops._node import _SHAPE as S_SHAPE
    slot = _slot(node, S_SHAPE, index)
    if slot is not None:
        saved = node._saved
        if _is_freed(saved):
            return tuple(_kept(saved, slot))
        return tuple(saved.raw[slot] if saved.__class__ is not tuple else saved[slot])
    t = _input(node, index)
    return None if not isinstance(t, Tensor) else tuple(t.shape)


def _input(node, index):
    from ..ops._node import _IN as S_IN
    slot = _slot(node, S_IN, index)
    return None if slot is None else _tensor_in_slot(node, slot)


def saved_value(node, name: str):
    """``node._saved_<name>``."""
    kind, key = saved_spec(node)[name]
    if kind == _IN:
        return _input(node, key)
    if kind == _OUT:
        from ..ops._node import _OUT as S_OUT
        slot = _slot(node, S_OUT, key)
        return None if slot is None else _tensor_in_slot(node, slot)
    if kind == _PARAM:
        value = _param(node, key)
        if isinstance(value, node._F.xp.ndarray):
            return _as_tensor(node, value)
        return _as_uint64(value) if name in _UINT64 else value
    if kind == _SIZES:
        sizes = _sizes(node, key)
        if name.endswith("_sym_sizes_opt") and not sizes:
            return (0,)  # an absent optional input (conv's bias): torch's undefined sizes
        return sizes
    if kind == _NUMEL:
        sizes = _sizes(node, key)
        n = 1
        for s in sizes or ():
            n *= s
        return n
    if kind == _STRIDES:
        t = _input(node, key)
        return None if t is None else t.stride()
    if kind == _CONST:
        return key
    if kind == _NODE:
        return key(node)
    if kind == _TENSOR:
        from .grad_mode import no_grad
        with no_grad():
            return key(node)
    value = key(lambda p: _param(node, p))
    if isinstance(value, node._F.xp.ndarray):
        return _as_tensor(node, value)
    return _as_uint64(value) if name in _UINT64 else value


def _as_uint64(value):
    """A negative int (or ints in a tuple) as torch's node shows an int64 field it reads as
    uint64: 2**64 + value."""
    if value.__class__ is int:
        return value + 2 ** 64 if value < 0 else value
    if value.__class__ is tuple:
        return tuple(_as_uint64(v) for v in value)
    return value


# torch names of the saved tensors our ops keep as raw parameters (index arrays, a mask)
_TENSOR_PARAMS = {"index", "indices", "condition", "mask"}


def _is_tensor(name, kind) -> bool:
    # a derived entry is a tensor only as max/min's indices (select's index is an int)
    return kind in (_IN, _OUT, _TENSOR) or (kind == _PARAM and name in _TENSOR_PARAMS) or (
        kind == _FN and name == "indices")


def raw_saved(node, name: str):
    """``node._raw_saved_<name>``: a SavedTensor (tensor entries only)."""
    kind, key = saved_spec(node)[name]
    if not _is_tensor(name, kind):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '_raw_saved_{name}'")
    from ..ops._node import _IN as S_IN
    from ..ops._node import _OUT as S_OUT
    from ..ops._node import _PARAM as S_PARAM
    if kind in (_FN, _TENSOR):  # derived (max's indices, det's LU): not hookable
        return SavedTensor(node, None, name)
    if kind == _PARAM:
        return SavedTensor(node, _slot(node, S_PARAM, key), name)
    return SavedTensor(node, _slot(node, S_IN if kind == _IN else S_OUT, key))


def tensor_names(node) -> list:
    return [n for n, (kind, _) in saved_spec(node).items() if _is_tensor(n, kind)]


def _identity(t):
    return t


class SavedTensor:
    """One saved tensor of a node (torch's ``torch._C._autograd.SavedTensor``)."""

    __slots__ = ("_node", "_slot", "_param")

    def __init__(self, node, slot, param=None):
        # param: the torch name, for a tensor our op keeps as a raw parameter
        self._node, self._slot, self._param = node, slot, param

    def unpack(self):
        """The saved tensor (through its unpack hook, if one is set)."""
        if self._param is not None:
            saved = self._node._saved
            if self._slot is not None and saved.__class__ is not tuple \
                    and getattr(saved, "slots", {}).get(self._slot) is not None:
                return _tensor_in_slot(self._node, self._slot)
            return saved_value(self._node, self._param)
        return None if self._slot is None else _tensor_in_slot(self._node, self._slot)

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        """Pack this saved tensor now with ``pack_hook``; backward (and ``unpack``) get it back
        through ``unpack_hook``."""
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("register_hooks(): incompatible function arguments: pack_hook and "
                            "unpack_hook must be callables")
        node, slot = self._node, self._slot
        from ._saved_hooks import Packed, pack_tensor
        if _is_freed(node._saved):
            raise RuntimeError(SAVED_FREED_MSG)
        param = self._param is not None
        if slot is None and param:
            raise RuntimeError("register_hooks on this saved tensor is not supported: our node "
                               "derives it from another saved value")
        if slot is None or (not param and not isinstance(node._saved, Packed) and not any(
                node._versions[i + 2] == slot for i in range(0, len(node._versions), 4))):
            raise RuntimeError("Calling register_hooks on a saved tensor with value None is "
                               "forbidden")
        saved = node._saved
        if not isinstance(saved, Packed):  # every saved tensor packed as itself, then this one
            v = node._versions
            raw, slots = list(saved), {}
            for i in range(0, len(v), 4):
                s = v[i + 2]
                slots[s] = (_tensor_in_slot(node, s), _identity, v[i + 3] is None)
                raw[s] = None
            saved = node._saved = Packed(tuple(raw), slots)
            node._versions = ()
        entry = saved.slots.get(slot)
        if entry is None and param:  # an index array: packed as a tensor, given back raw
            raw = list(saved.raw)
            value, raw[slot] = raw[slot], None
            saved.raw = tuple(raw)
            entry = (_as_tensor(node, value), _identity, None)
        if entry is None or entry[1] is not _identity:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have "
                               "already been set. Hint: only one pair of hooks is allowed at "
                               "a time.")
        packed, _ = pack_tensor(entry[0], (pack_hook, unpack_hook))
        saved.slots[slot] = (packed, unpack_hook, entry[2])
