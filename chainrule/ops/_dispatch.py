"""The one dispatch point: every op runs through ``dispatch`` (or its two fast paths,
``dispatch1`` and ``dispatch2``, taken when the inputs need no type promotion), which
computes the forward on raw arrays, wraps the result and, under grad mode, records a node.
A graph-capture mode hooks in through ``interceptor``.
"""
from __future__ import annotations

import functools
import warnings
from typing import Callable, TypeVar

from .._dtypes import _BF16, check_int_range
from .._meta import META_USED, MetaArray, check_operands, meta_call, meta_kernel
from .._tensor import Tensor
from ..autograd._saved_hooks import NodeHooks, on_node
from ..autograd.grad_mode import _tls
from ..autograd.graph import _seq as _graph_seq
from ..autograd.graph import _shared_nrs
from ..backend import _NAMESPACES, namespace_of
from ..backend import numpy_namespace as _numpy
from ._bf16 import downcast as _bf16_downcast
from ._bf16 import upcast as _bf16_upcast
from ._node import _IN, _OUT, _PARAM
from ._promotion import (
    _PY_SCALAR_TYPES,
    _WARNINGS_SEEN,
    _apply_dtype_rule,
    _finish,
    _operand,
    _prepare,
    _wrap_ints,
    silence_numpy_warnings,
)
from ._views import track_views
from ._vocab import _RAW_VOCABS, raw_vocab


class _Interceptor:
    """A hook a graph-capture mode installs to see every op before it runs."""

    current = None


interceptor = _Interceptor


class _Batching:
    """vmap's hook (chainrule/func/_vmap): its op handler while a vmap is active, else None;
    ``function`` handles the functions marked ``batched_function``, ``inplace`` in-place
    ops on batched tensors."""

    current = None
    function = None
    inplace = None


batching = _Batching


def vmapped(*args) -> bool:
    """True when an argument is batched by vmap: a function whose warnings must keep their
    stack level calls this inline (after ``batching.current is not None``) and then hands
    itself to ``batching.function``, instead of being wrapped by ``batched_function``."""
    return any(a.__class__.__name__ == "BatchedTensor" for a in args)


_Fn = TypeVar("_Fn", bound=Callable)


def batched_function(name: str, random: bool = False) -> Callable[[_Fn], _Fn]:
    """Mark a public function whose Python code reads tensor data (or draws random numbers):
    inside vmap it runs through vmap's function rules (or once per sample) instead."""
    def decorate(fn: _Fn) -> _Fn:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if batching.current is not None:
                return batching.function(name, fn, args, kwargs, random)
            if META_USED[0]:  # once a program made a meta tensor: its results stay meta
                return meta_call(fn, args, kwargs)
            return fn(*args, **kwargs)
        return wrapper
    return decorate


def _check_inference(args):
    for a in args:
        if isinstance(a, Tensor) and a._inference:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. Please do not use Tensors "
                "created in inference mode in computation tracked by autograd. To work around "
                "this, you can make a clone to get a normal tensor and use it in autograd, or "
                "use `torch.no_grad()` instead of `torch.inference_mode()`.")


_new = object.__new__
_next_seq = _graph_seq.__next__


def record(op, args, params, out_data, outs, xp=None):
    """Attach a node for ``op`` to its outputs ``outs`` (the caller knows an input requires
    grad and grad mode is on)."""
    mask = tuple([isinstance(a, Tensor) and a._rg for a in args])
    plan = op._plans.get(mask) or op.plan(mask)
    fns, nrs = [], []
    for a, need in zip(args, mask):
        if not need:  # a constant, or a tensor that needs no gradient: no edge
            fns.append(None)
            nrs.append(0)
        elif a.grad_fn is not None:
            fns.append(a.grad_fn)
            nrs.append(a._output_nr)
        else:
            fns.append(a._accumulator())
            nrs.append(0)
    # The sequence number comes after the edges: a leaf's AccumulateGrad, made above on
    # first use, must be older than its consumers (the engine relies on it).
    node = _new(op.node_cls if op.num_outputs is not None else op.node_class(len(outs)))
    node._seq = _next_seq()
    node._fns = tuple(fns)
    node._nrs = _shared_nrs(tuple(nrs))
    node._plan = plan
    node._F = raw_vocab(xp if xp is not None else namespace_of(outs[0]._data))
    node._meta = None
    if plan.sources:
        node._saved, node._versions = _collect(op, plan.sources, args, params, out_data, outs)
    else:
        node._saved = None
        node._versions = ()
    if op.broadcasts:
        out0 = outs[0]._data
        oshape, odtype = out0.shape, out0.dtype
        meta = None
        for i, a in enumerate(args):
            if mask[i]:
                d = a._data
                if d.shape != oshape or d.dtype != odtype:
                    if meta is None:
                        meta = [(None, None)] * len(args)
                    meta[i] = (d.shape, d.dtype)
        node._meta = meta
    for i, t in enumerate(outs):
        t._rg = True
        t.grad_fn = node
        t._output_nr = i
    if NodeHooks.active:  # saved-tensor hooks or anomaly mode
        on_node(node, args, outs)
    return node


def dispatch1(op, x):
    """``dispatch`` for a one-input op without parameters: the hot path of elementwise ops,
    with recording inlined."""
    d = x._data
    xp = _NAMESPACES.get(d.__class__)
    if interceptor.current is not None or xp is None or d.dtype.kind not in op.fast_kinds:
        return dispatch(op, (x,))
    if op.ufunc is not None and xp is _numpy:
        out = (op._fast.get(xp) or op.raw(xp))(d, out=...)  # arrays, even for 0-d
    else:
        out = (op._fast.get(xp) or op.raw(xp))(d)
    if out.__class__ is not xp.ndarray and out.__class__ is not MetaArray:  # a scalar
        out = xp.asarray(out)
    r = _new(Tensor)
    r._data = out
    r.grad_fn = None
    r._output_nr = 0
    r._vc = None
    if _tls.inference:
        r._inference = True
    if x._rg and op.differentiable and _tls.grad_enabled:
        plan = op._plans.get(_TRUE1) or op.plan(_TRUE1)
        kind = plan.unary_kind
        if kind == 3 or (kind == 1 and x._inference) or NodeHooks.active:
            r._rg = False
            record(op, (x,), None, out, (r,), xp)
            return r
        fn = x.grad_fn
        if fn is not None:
            fns, nrs = (fn,), (_NR1 if x._output_nr == 0 else (x._output_nr,))
        else:
            fns, nrs = (x._accumulator(),), _NR1
        node = _new(op.node_cls)
        node._seq = _next_seq()
        node._fns = fns
        node._nrs = nrs
        node._plan = plan
        node._F = _RAW_VOCABS.get(xp) or raw_vocab(xp)
        node._meta = None
        if kind == 1:
            vc = x._vc or x._version_counter()
            node._saved = (d,)
            node._versions = (vc, vc[0], 0, x)
        elif kind == 2:
            vc = r._vc = [0]
            node._saved = (out,)
            node._versions = (vc, 0, 0, None)
        else:
            node._saved = None
            node._versions = ()
        r._rg = True
        r.grad_fn = node
    else:
        r._rg = False
    return r


_TRUE1 = (True,)


def dispatch2(op, a, b):
    """``dispatch`` for a two-input op without parameters (add, mul, ...): the hot path of
    arithmetic, taken when both inputs already share a dtype; recording is inlined."""
    if a.__class__ is not Tensor and not isinstance(a, Tensor):
        return dispatch(op, (a, b))
    ad = a._data
    b_tensor = isinstance(b, Tensor)
    if b_tensor:
        bd = b._data
        same = ad.dtype is bd.dtype
    else:
        bd = b
        same = _scalar_fits(ad.dtype.kind, b)
    xp = _NAMESPACES.get(ad.__class__)
    if (not same or interceptor.current is not None or xp is None or
            (op.dtype_rule == "promote_float" and ad.dtype.kind not in "fcV") or
            ad.dtype.kind == "V"):  # bfloat16 (ml_dtypes): computed in float32, see _bf16
        return dispatch(op, (a, b))
    try:
        if not b_tensor:
            bd = _scalar_array(xp, b, ad.dtype)
        if op.ufunc is not None and xp is _numpy:
            out = (op._fast.get(xp) or op.raw(xp))(ad, bd, out=...)  # arrays, even for 0-d
        else:
            out = (op._fast.get(xp) or op.raw(xp))(ad, bd)
    except (ValueError, OverflowError, TypeError):
        # a broadcasting error or a dtype NumPy refuses, in torch's words; integer wrap; a
        # batched b inside vmap (its stand-in array raises TypeError)
        return dispatch(op, (a, b))
    if out.__class__ is not xp.ndarray and out.__class__ is not MetaArray:  # a scalar
        out = xp.asarray(out)
    r = _new(Tensor)
    r._data = out
    r.grad_fn = None
    r._output_nr = 0
    r._vc = None
    r._rg = False
    if _tls.inference:
        r._inference = True
    a_rg = a._rg
    b_rg = b_tensor and b._rg
    if (a_rg or b_rg) and op.differentiable and _tls.grad_enabled:
        mask = _MASKS2[a_rg][b_rg]
        plan = op._plans.get(mask) or op.plan(mask)
        fa = a.grad_fn
        if fa is None and a_rg:
            ref = a._acc_ref
            fa = (ref() if ref is not None else None) or a._accumulator()
        fb = b.grad_fn if b_tensor else None
        if fb is None and b_rg:
            ref = b._acc_ref
            fb = (ref() if ref is not None else None) or b._accumulator()
        nrs = _NR2
        if (fa is not None and a._output_nr) or (fb is not None and b._output_nr):
            nrs = (a._output_nr if fa is not None else 0, b._output_nr if fb is not None else 0)
        node = _new(op.node_cls)
        node._seq = _next_seq()
        node._fns = (fa, fb)
        node._nrs = nrs
        node._plan = plan
        node._F = _RAW_VOCABS.get(xp) or raw_vocab(xp)
        sources = plan.sources
        if sources:
            node._saved, node._versions = _collect(op, sources, (a, b), None, out, (r,))
        else:
            node._saved = None
            node._versions = ()
        meta = None
        if op.broadcasts:
            oshape = out.shape
            if a_rg and ad.shape != oshape:
                meta = [(ad.shape, ad.dtype), (None, None)]
            if b_rg and bd.shape != oshape:
                meta = meta or [(None, None), (None, None)]
                meta[1] = (bd.shape, bd.dtype)
        node._meta = meta
        r._rg = True
        r.grad_fn = node
        if NodeHooks.active:  # saved-tensor hooks or anomaly mode
            on_node(node, (a, b), (r,))
    return r


_NR1, _NR2 = (0,), (0, 0)
_MASKS2 = (((False, False), (False, True)), ((True, False), (True, True)))


def _collect(op, sources, args, params, out, outs):
    """What a node saves: (values, versions). Values are raw (arrays, scalars, parameters,
    shapes); versions is one flat tuple of (counter, version seen, slot, tensor or None for
    an output) per saved tensor, checked before backward reads the values. Tuples, not
    lists: fewer objects for Python's garbage collector to track."""
    if len(sources) == 1:
        kind, key = sources[0]
        if kind == _IN:
            v = args[key]
            if isinstance(v, Tensor):
                if v._inference:
                    _check_inference((v,))
                vc = v._vc or v._version_counter()
                return (v._data,), (vc, vc[0], 0, v)
            return (v,), ()
        if kind == _OUT:
            vc = outs[key]._vc = [0]
            return (outs[key]._data,), (vc, 0, 0, None)
        return (_saved_extra(op, kind, key, args, params),), ()
    saved = []
    versions = []
    slot = 0
    for kind, key in sources:
        if kind == _IN:
            v = args[key]
            if isinstance(v, Tensor):
                if v._inference:
                    _check_inference((v,))
                vc = v._vc or v._version_counter()
                versions += (vc, vc[0], slot, v)
                v = v._data
            saved.append(v)
        elif kind == _OUT:
            vc = outs[key]._vc = [0]
            versions += (vc, 0, slot, None)
            saved.append(outs[key]._data)
        else:
            saved.append(_saved_extra(op, kind, key, args, params))
        slot += 1
    return tuple(saved), tuple(versions)


def _saved_extra(op, kind, key, args, params):
    """A saved parameter or shape (the rarer saved kinds)."""
    if kind == _PARAM:
        return params[key] if params and key in params else op.defaults.get(key)
    if key is None:
        return tuple(a._data.shape for a in args)
    a = args[key]
    return a._data.shape if isinstance(a, Tensor) else ()


_SCALARS: dict = {}


def _scalar_array(xp, s, dtype):
    """A Python number as a read-only 0-d array of ``dtype``, cached: NumPy handles a
    Python scalar operand ~0.3 µs slower than an array, and loops reuse their constants.
    Zero (whose sign the cache would lose) and NaN are converted afresh."""
    key = (s, s.__class__, dtype)
    arr = _SCALARS.get(key)
    if arr is None:
        if s.__class__ is int:
            check_int_range(s)
        arr = xp.asarray(s, dtype=dtype)
        if s != 0 and s == s and xp is _numpy:
            if len(_SCALARS) > 4096:
                _SCALARS.clear()
            arr.flags.writeable = False
            _SCALARS[key] = arr
    return arr


def _scalar_fits(kind: str, s) -> bool:
    """True when a Python scalar leaves a tensor of this dtype kind unpromoted (and needs
    none of the general path's checks: a bool scalar takes the general path, which refuses
    ``int_tensor - True`` as torch does)."""
    c = s.__class__
    if c is float:
        return kind in "fV" or kind == "c"
    if c is int:
        return kind != "b"
    return kind == "c" and c is complex


_META = object()  # _namespace's answer for a meta tensor's array


def _namespace(array):
    """The namespace of an array outside ``_NAMESPACES``: ``_META`` for a meta tensor's."""
    return _META if array.__class__ is MetaArray else namespace_of(array)


def dispatch(op, args: tuple, params: dict | None = None):
    """Run ``op`` on ``args`` (Tensors or Python scalars) and record it when needed.

    The one entry point every op goes through; a graph-capture mode hooks in here. The
    common cases (inputs already of one dtype) skip type promotion entirely.
    """
    if interceptor.current is not None:
        return interceptor.current(op, args, params)
    if batching.current is not None:  # inside vmap: batched arguments take their rules
        result = batching.current(op, args, params)
        if result is not NotImplemented:
            return result
    if warnings.filters is not _WARNINGS_SEEN[0]:
        silence_numpy_warnings()
    if op.extra:
        params = _prepare(op, args, params)
    rule = op.dtype_rule
    n = len(args)
    if n == 1:
        a = args[0]
        ad = a._data
        if rule is not None and ad.dtype.kind not in "fcV":
            arrays = _apply_dtype_rule(op, args, [ad], params)
        else:
            arrays = (ad,)
        xp = _NAMESPACES.get(ad.__class__) or _namespace(ad)
    elif n == 2:
        a, b = args
        if isinstance(a, Tensor):
            ad = a._data
            if isinstance(b, Tensor):
                bd = b._data
                slow = rule is not None and (ad.dtype is not bd.dtype or (
                    rule == "promote_float" and ad.dtype.kind not in "fcV"))
            else:
                if b.__class__ not in _PY_SCALAR_TYPES:
                    b = _operand(op, b, 2)
                    args = (a, b)
                bd = b
                slow = rule is not None and (not _scalar_fits(ad.dtype.kind, b) or (
                    rule == "promote_float" and ad.dtype.kind not in "fcV"))
        else:
            if a.__class__ not in _PY_SCALAR_TYPES:
                a = _operand(op, a, 1)
                args = (a, b)
            ad = a
            bd = b._data if isinstance(b, Tensor) else b
            slow = rule is not None
        arrays = _apply_dtype_rule(op, args, [ad, bd], params) if slow else (ad, bd)
        arr = ad if isinstance(a, Tensor) and bd.__class__ is not MetaArray else bd
        xp = _NAMESPACES.get(arr.__class__) or _namespace(arr)
    else:
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if rule is not None:
            arrays = _apply_dtype_rule(op, args, arrays, params)
        xp = None
        for a in args:
            if isinstance(a, Tensor):
                xp = _NAMESPACES.get(a._data.__class__) or _namespace(a._data)
                break
        if xp is None:
            from ..backend import numpy_namespace as xp
    meta = xp is _META
    if meta:  # a meta tensor's op computes on its constant with NumPy; its results are meta
        xp = _numpy
        if op.broadcasts and op.name != "copy":
            check_operands(arrays)
    for a in arrays:
        if a.__class__ is int:  # Python ints wrap into the integer dtype computed in
            computed = [x for x in arrays if isinstance(x, xp.ndarray)]
            if computed:
                arrays = _wrap_ints(xp, arrays, xp.result_type(*computed))
            break
    if op.extra or op.refuse is not None:
        params = _finish(op, xp, arrays, params)
    bf16 = None
    if _BF16.active and not op.view:  # bfloat16 computes in float32, rounded once (_bf16)
        bf16 = _bf16_upcast(xp, arrays)
        if bf16 is not None:
            arrays = bf16
            if params and params.get("dtype") is not None:
                bf16 = None  # an explicit result dtype: the forward casts to it
    try:
        if meta:  # (the linear-algebra kernels read identities: their checks pass)
            out = meta_kernel(op.forward, xp, arrays, params,
                              op.forward.__module__.startswith("chainrule.ops.linalg"))
        else:
            out = op.forward(xp, *arrays, **params) if params else op.forward(xp, *arrays)
        if bf16 is not None:
            out = _bf16_downcast(xp, out)
    except ValueError as exc:
        if op.broadcasts and "broadcast" in str(exc):
            raise _broadcast_error(arrays) from None
        raise
    inference = _tls.inference
    if op.num_outputs == 1:
        if out.__class__ is not xp.ndarray and out.__class__ is not MetaArray:
            out = xp.asarray(out)
        result = _new(Tensor)
        result._data = out
        result._rg = False
        result.grad_fn = None
        result._output_nr = 0
        result._vc = None
        if inference:
            result._inference = True
        outs = (result,)
    else:
        outs = tuple(Tensor._make(o if o.__class__ is xp.ndarray or o.__class__ is MetaArray
                                  else xp.asarray(o))
                     for o in out)
        result = outs
    if op.view:  # shares args[0]'s memory and version counter (ops/_views.py)
        track_views(args[0], outs, op.num_outputs != 1)
    # Integer and bool results are never differentiable (torch's rule, for every op).
    if op.differentiable and _tls.grad_enabled and outs[0]._data.dtype.kind in "fcV":
        for a in args:
            if isinstance(a, Tensor) and a._rg:
                record(op, args, params, out if op.num_outputs == 1 else None, outs, xp)
                break
    return result


def _broadcast_error(arrays):
    shapes = [tuple(getattr(a, "shape", ())) for a in arrays]
    a, b = shapes[0], shapes[1]
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for dim in range(n - 1, -1, -1):
        if pa[dim] != pb[dim] and pa[dim] != 1 and pb[dim] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[dim]}) must match the size of tensor b ({pb[dim]}) "
                f"at non-singleton dimension {dim}: shapes {list(a)} and {list(b)} do not "
                "broadcast (align trailing dimensions, or reshape/unsqueeze one input)")
    return RuntimeError(f"shapes {list(a)} and {list(b)} cannot be broadcast together")

