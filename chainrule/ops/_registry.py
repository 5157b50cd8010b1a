"""The op declaration form, its shorthands, node classes and the one dispatch point.

An op is declared once::

    unary("sin", "sin", vjp=lambda F, g, x: g * F.cos(x))

which gives its forward over the array namespace ``xp``, its derivative, and (by
default) the grad_fn name ``SinBackward0``. A backward rule is a function
``rule(F, g, *names)``: ``g`` is the incoming gradient and each further parameter *name*
declares what the node must save: an input's name (``x``, ``a``, ``b``), ``out`` (the
result), a parameter of the op (``dim``), or ``<input>_shape``. ``F`` is the vocabulary the
rule computes with: chainrule's differentiable ops when ``create_graph=True`` (so the
backward is recorded and higher derivatives come for free), the backend's raw array
functions otherwise (so the common case pays for no Tensor wrapping). Both come from this
registry: ``F.cos`` is the ``cos`` op, dispatched or run raw.

Broadcasting is undone here, once: each input's gradient is summed back to that input's
shape and cast to its dtype, so rules never unbroadcast by hand.
"""
from __future__ import annotations

import inspect

from .._dtypes import _BY_NP, get_default_dtype, result_type
from .._tensor import Tensor
from ..autograd.grad_mode import _tls
from ..autograd.graph import _seq as _graph_seq
from ..autograd.graph import SAVED_FREED_MSG, Node, _shared_nrs
from ..backend import _NAMESPACES, namespace_of
from ..backend import numpy_namespace as _numpy

__all__ = ["Op", "op", "unary", "binary", "linear", "dispatch", "dispatch1", "dispatch2", "expose", "OPS", "PUBLIC",
           "graph_vocab", "raw_vocab"]

OPS: dict = {}

_IN, _OUT, _PARAM, _SHAPE = 0, 1, 2, 3
# Nodes torch implements by hand in C++: their name() carries the namespace.
_CPP_NAMESPACED = {"CopySlices", "CopyBackwards", "AccumulateGrad"}
_FREED = object()


class _Interceptor:
    """A hook a graph-capture mode installs to see every op before it runs."""

    current = None


interceptor = _Interceptor


class Op:
    """One op: its name, forward over ``xp``, per-input backward rules and grad_fn name.

    ``jvp`` (forward-mode rule) and ``batch`` (batching rule) are reserved fields that later
    work fills; ``dtype_rule`` is one of None (NumPy's result is torch's), ``"promote"``
    (torch's result_type over the inputs), ``"float"`` (integers become the default float
    first) or ``"promote_float"`` (promote, then integers become the default float).
    """

    __slots__ = ("name", "grad_fn", "forward", "inputs", "params", "vjps", "node_cls",
                 "_plans", "jvp", "batch", "dtype_rule", "broadcasts", "num_outputs",
                 "_raw", "differentiable", "defaults", "dtype_inputs", "view", "variadic",
                 "_node_classes", "ufunc", "_fast")

    def __init__(self, name, forward, *, inputs=("x",), params=(), vjps=None, grad_fn=None,
                 dtype_rule=None, broadcasts=False, jvp=None, batch=None, num_outputs=1,
                 dtype_inputs=None, view=False, variadic=False, ufunc=None):
        self.name = name
        if isinstance(forward, str):  # "sin": the backend's function of that name
            ufunc = forward
            forward = _backend_function(forward)
        self.forward = forward
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.vjps = tuple(vjps) if vjps is not None else (None,) * len(self.inputs)
        self.grad_fn = grad_fn or _default_grad_fn_name(name)
        self.dtype_rule = dtype_rule
        self.broadcasts = broadcasts
        self.jvp = jvp
        self.batch = batch
        self.num_outputs = num_outputs
        self.differentiable = any(v is not None for v in self.vjps)
        self.defaults = {k: p.default for k, p in inspect.signature(forward).parameters.items()
                         if p.default is not inspect.Parameter.empty}
        self.dtype_inputs = dtype_inputs
        self.view = view
        self.variadic = variadic
        # Only a real NumPy ufunc takes out=... (arrays back even for 0-d inputs).
        self.ufunc = ufunc if isinstance(getattr(_numpy, ufunc or "", None), _numpy.ufunc) \
            else None
        self._fast = {}
        self._node_classes = {}
        self._plans = {}
        self._raw = None
        self.node_cls = type(self.grad_fn, (OpNode,), {"__slots__": (), "op": self,
                                                        "num_outputs": num_outputs or 1})
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        OPS[name] = self

    def __repr__(self) -> str:
        return f"<op {self.name} -> {self.grad_fn}>"

    def plan(self, mask):
        """What to save and how to call each rule, for one pattern of inputs needing grad."""
        plan = self._plans.get(mask)
        if plan is None:
            plan = self._plans[mask] = _Plan(self, mask)
        return plan

    def node_class(self, num_outputs: int):
        """The node class for an op whose output count varies per call (unbind)."""
        cls = self._node_classes.get(num_outputs)
        if cls is None:
            cls = self._node_classes[num_outputs] = type(
                self.grad_fn, (OpNode,), {"__slots__": (), "op": self,
                                          "num_outputs": num_outputs})
        return cls

    def raw(self, xp):
        """The op's forward with ``xp`` bound: the raw interpretation of ``F.<name>`` (the
        backend's own function when the op names its ``ufunc``)."""
        fn = self._fast.get(xp)
        if fn is None:
            if self.ufunc is not None:
                fn = getattr(xp, self.ufunc)
            else:
                fwd = self.forward
                fn = (lambda *args, **kwargs: fwd(xp, *args, **kwargs))
            self._fast[xp] = fn
        return fn


def _backend_function(name: str):
    def forward(xp, *arrays):
        return getattr(xp, name)(*arrays)
    forward.__name__ = name
    return forward


def _default_grad_fn_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Backward0"


class _Plan:
    """Precomputed once per (op, which inputs need grad): the saved-value sources and, per
    input, the positions of the saved values its rule takes."""

    __slots__ = ("sources", "rule_positions", "tensor_slots", "out_slot", "holds_tensors",
                 "unary_kind", "runner", "unary_rule")

    def __init__(self, op: Op, mask):
        names: list = []
        rule_positions = []
        rules = op.vjps if not op.variadic else op.vjps * len(mask)
        if op.variadic:  # one rule gives every input's gradient; it runs once
            mask = (any(mask),) + (False,) * (len(mask) - 1)
        for need, rule in zip(mask, rules):
            if not need or rule is None:
                rule_positions.append(None)
                continue
            wanted = _rule_names(rule)
            for n in wanted:
                if n not in names:
                    names.append(n)
            rule_positions.append(tuple(names.index(n) for n in wanted))
        sources = []
        for n in names:
            if n in op.inputs:
                sources.append((_IN, op.inputs.index(n)))
            elif n == "out":
                sources.append((_OUT, 0))
            elif n in op.params:
                sources.append((_PARAM, n))
            elif n == "shapes" and op.variadic:
                sources.append((_SHAPE, None))
            elif n.endswith("_shape") and n[:-6] in op.inputs:
                sources.append((_SHAPE, op.inputs.index(n[:-6])))
            else:
                raise TypeError(f"op {op.name}: a backward rule asks for {n!r}, which is not an "
                                f"input {op.inputs}, a parameter {op.params}, 'out' or "
                                "'<input>_shape'")
        self.sources = tuple(sources)
        self.rule_positions = tuple(rule_positions)
        self.tensor_slots = tuple(i for i, (k, _) in enumerate(sources) if k == _IN)
        outs = [i for i, (k, _) in enumerate(sources) if k == _OUT]
        self.out_slot = outs[0] if outs else None
        self.holds_tensors = bool(self.tensor_slots) or self.out_slot is not None
        # For the one-input fast path: 0 saves nothing, 1 saves the input alone, 2 the
        # output alone, 3 anything else.
        kinds = tuple(k for k, _ in sources)
        self.unary_kind = {(): 0, (_IN,): 1, (_OUT,): 2}.get(kinds, 3)
        self.runner = _make_runner(op, self.rule_positions)
        simple = (len(op.inputs) == 1 and op.num_outputs == 1 and not op.broadcasts and
                  not op.variadic and self.rule_positions[0] == (0,) and len(sources) == 1)
        self.unary_rule = op.vjps[0] if simple else None


_RULE_NAMES: dict = {}


def _rule_names(rule) -> tuple:
    names = _RULE_NAMES.get(rule)
    if names is None:
        params = list(inspect.signature(rule).parameters)
        if params[:2] != ["F", "g"]:
            raise TypeError(f"backward rule {rule} must start with parameters (F, g, ...)")
        names = _RULE_NAMES[rule] = tuple(params[2:])
    return names


# ---------------------------------------------------------------------------- nodes
class OpNode(Node):
    """The node class behind every registered op; each op gets a subclass named after its
    grad_fn (``SinBackward0``), made once at registration."""

    __slots__ = ("_saved", "_versions", "_plan", "_meta", "_F")  # _F: raw vocabulary of xp
    op: Op = None  # type: ignore[assignment]

    def name(self) -> str:
        n = type(self).__name__
        return "torch::autograd::" + n if n in _CPP_NAMESPACED else n

    def _release(self) -> None:
        # Only saved tensors are freed (torch's rule): a node that saved just shapes or
        # parameters can run again.
        if self._saved is not None and self._plan.holds_tensors:
            self._saved = _FREED

    def _check_versions(self, saved):
        """Raise torch's error if a saved tensor was modified in place since it was saved."""
        v = self._versions
        for i in range(0, len(v), 4):
            vc, expected = v[i], v[i + 1]
            if vc[0] != expected:
                slot, t = v[i + 2], v[i + 3]
                raise _modified_error(self, saved[slot] if t is None else t, t is None, vc[0],
                                      expected)

    def _graph_values(self, saved):
        """Saved values as Tensors, for create_graph: saved inputs are the original tensors,
        a saved output comes back attached to this node."""
        vals = list(saved)
        v = self._versions
        for i in range(0, len(v), 4):
            slot, t = v[i + 2], v[i + 3]
            vals[slot] = t if t is not None else Tensor._make(saved[slot], True, self, 0)
        return vals

    def apply(self, grads, create_graph, retain_graph=True):
        saved = self._saved
        if saved is not None:
            if saved is _FREED:
                raise RuntimeError(SAVED_FREED_MSG)
            v = self._versions  # flat: (counter, version seen, slot, tensor or None) * n
            if v and (v[0][0] != v[1] or len(v) > 4):
                self._check_versions(saved)
            if create_graph:
                saved = self._graph_values(saved)
            if not retain_graph and self._plan.holds_tensors:
                self._saved = _FREED
        F = graph_vocab if create_graph else self._F
        plan = self._plan
        rule = plan.unary_rule
        if rule is not None:  # one input, one saved value (most elementwise ops)
            return [rule(F, grads[0], saved[0])]
        return plan.runner(self, F, grads, saved)


def _make_runner(op: Op, rule_positions):
    """The function that calls an op's rules for one plan: specialised for the common
    one-input ops, general (several inputs, broadcasting, variadic) otherwise."""
    if op.variadic:
        return _run_variadic
    if len(op.inputs) == 1 and op.num_outputs == 1 and not op.broadcasts:
        pos, rule = rule_positions[0], op.vjps[0]
        if pos is None:
            return lambda node, F, grads, saved: [None]
        if not pos:
            return lambda node, F, grads, saved: [rule(F, grads[0])]
        if len(pos) == 1:
            p = pos[0]
            return lambda node, F, grads, saved: [rule(F, grads[0], saved[p])]
        return lambda node, F, grads, saved: [rule(F, grads[0], *[saved[i] for i in pos])]
    if (len(op.inputs) == 2 and op.num_outputs == 1 and
            all(p is None or len(p) <= 1 for p in rule_positions)):
        return _binary_runner(op, rule_positions)
    return _run_general


def _binary_runner(op, rule_positions):
    """Two inputs, each rule taking at most one saved value: no loop, then the registry's
    broadcasting/dtype fix-up only when the node recorded one."""
    (rule_a, rule_b), (pa, pb) = op.vjps, rule_positions

    def call(rule, pos, F, g, saved):
        if pos is None:
            return None
        return rule(F, g, saved[pos[0]]) if pos else rule(F, g)

    def run(node, F, grads, saved):
        g = grads[0]
        results = [call(rule_a, pa, F, g, saved), call(rule_b, pb, F, g, saved)]
        if node._meta is not None:
            _fix_meta(node._meta, results, F)
        return results
    return run


def _run_variadic(node, F, grads, saved):
    op = node.op
    pos = node._plan.rule_positions[0]
    grads_in = op.vjps[0](F, grads[0], *[saved[p] for p in pos])
    return [None if fn is None else gi for fn, gi in zip(node._fns, grads_in)]


def _run_general(node, F, grads, saved):
    op = node.op
    g = grads[0] if op.num_outputs == 1 else grads
    fns = node._fns
    results = []
    for i, (rule, pos) in enumerate(zip(op.vjps, node._plan.rule_positions)):
        if pos is None or fns[i] is None:
            results.append(None)
        elif len(pos) == 1:
            results.append(rule(F, g, saved[pos[0]]))
        else:
            results.append(rule(F, g, *[saved[p] for p in pos]))
    if node._meta is not None:
        _fix_meta(node._meta, results, F)
    return results


def _fix_meta(meta, results, F):
    """Undo broadcasting and dtype promotion: each gradient takes its input's shape and
    dtype (the one place broadcasting is undone)."""
    for i, (shape, dtype) in enumerate(meta):
        r = results[i]
        if r is None or shape is None:
            continue
        if r.shape != shape:
            r = F.sum_to_shape(r, shape)
        if r.dtype != dtype:
            r = F.cast(r, dtype)
        results[i] = r


def _modified_error(node, value, is_output, now, expected):
    import re
    data = value._data if isinstance(value, Tensor) else value
    type_name = {"f": "Float", "d": "Double", "e": "Half"}.get(data.dtype.char, "")
    owner = node if is_output else (value.grad_fn if isinstance(value, Tensor) else None)
    where = ""
    if owner is not None:
        nr = 0 if is_output else value._output_nr
        where = f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', owner.name())},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{type_name}Tensor {list(data.shape)}]{where} is at version {now}; "
        f"expected version {expected} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False). (chainrule: the tensor "
        f"was saved by {node.name()}; clone it before the in-place op, or use the "
        "out-of-place form.)")


# ---------------------------------------------------------------------------- dispatch
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


def record(op: Op, args, params, out_data, outs, xp=None):
    """Attach a node for ``op`` to its outputs ``outs`` (the caller knows an input requires
    grad and grad mode is on)."""
    mask = tuple([isinstance(a, Tensor) and a._rg for a in args])
    plan = op._plans.get(mask) or op.plan(mask)
    fns, nrs = [], []
    for a, need in zip(args, mask):
        if need:
            fn = a.grad_fn
            if fn is not None:
                fns.append(fn)
                nrs.append(a._output_nr)
            else:
                fns.append(a._accumulator())
                nrs.append(0)
        elif isinstance(a, Tensor) and a.grad_fn is not None:
            fns.append(a.grad_fn)
            nrs.append(a._output_nr)
        else:
            fns.append(None)
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
    return node


def dispatch1(op: Op, x):
    """``dispatch`` for a one-input op without parameters: the hot path of elementwise ops,
    with recording inlined."""
    d = x._data
    xp = _NAMESPACES.get(d.__class__)
    if (interceptor.current is not None or xp is None or
            (op.dtype_rule is not None and d.dtype.kind not in "fc")):
        return dispatch(op, (x,))
    if op.ufunc is not None and xp is _numpy:
        out = (op._fast.get(xp) or op.raw(xp))(d, out=...)  # arrays, even for 0-d
    else:
        out = (op._fast.get(xp) or op.raw(xp))(d)
    if out.__class__ is not xp.ndarray:
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
        if kind == 3 or (kind == 1 and x._inference):
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


def dispatch2(op: Op, a, b):
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
            (op.dtype_rule == "promote_float" and ad.dtype.kind not in "fc")):
        return dispatch(op, (a, b))
    try:
        if not b_tensor:
            bd = _scalar_array(xp, b, ad.dtype)
        if op.ufunc is not None and xp is _numpy:
            out = (op._fast.get(xp) or op.raw(xp))(ad, bd, out=...)  # arrays, even for 0-d
        else:
            out = (op._fast.get(xp) or op.raw(xp))(ad, bd)
    except (ValueError, OverflowError):
        return dispatch(op, (a, b))  # broadcasting error in torch's words / integer wrap
    if out.__class__ is not xp.ndarray:
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
            vc = outs[0]._vc = [0]
            return (out,), (vc, 0, 0, None)
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
            vc = outs[0]._vc = [0]
            versions += (vc, 0, slot, None)
            saved.append(out)
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
        arr = xp.asarray(s, dtype=dtype)
        if s != 0 and s == s and xp is _numpy:
            if len(_SCALARS) > 4096:
                _SCALARS.clear()
            arr.flags.writeable = False
            _SCALARS[key] = arr
    return arr


def _scalar_fits(kind: str, s) -> bool:
    """True when a Python scalar leaves a tensor of this dtype kind unpromoted."""
    c = s.__class__
    if c is float:
        return kind == "f" or kind == "c"
    if c is int:
        return kind != "b"
    if c is bool:
        return True
    return kind == "c" and c is complex


def dispatch(op: Op, args: tuple, params: dict | None = None):
    """Run ``op`` on ``args`` (Tensors or Python scalars) and record it when needed.

    The one entry point every op goes through; a graph-capture mode hooks in here. The
    common cases (inputs already of one dtype) skip type promotion entirely.
    """
    if interceptor.current is not None:
        return interceptor.current(op, args, params)
    rule = op.dtype_rule
    n = len(args)
    if n == 1:
        a = args[0]
        ad = a._data
        if rule is not None and ad.dtype.kind not in "fc":
            arrays = _apply_dtype_rule(op, args, [ad], params)
        else:
            arrays = (ad,)
        xp = _NAMESPACES.get(ad.__class__) or namespace_of(ad)
    elif n == 2:
        a, b = args
        if isinstance(a, Tensor):
            ad = a._data
            if isinstance(b, Tensor):
                bd = b._data
                slow = rule is not None and (ad.dtype is not bd.dtype or (
                    rule == "promote_float" and ad.dtype.kind not in "fc"))
            else:
                bd = b
                slow = rule is not None and (not _scalar_fits(ad.dtype.kind, b) or (
                    rule == "promote_float" and ad.dtype.kind not in "fc"))
        else:
            ad = a
            bd = b._data if isinstance(b, Tensor) else b
            slow = rule is not None
        arrays = _apply_dtype_rule(op, args, [ad, bd], params) if slow else (ad, bd)
        arr = ad if isinstance(a, Tensor) else bd
        xp = _NAMESPACES.get(arr.__class__) or namespace_of(arr)
    else:
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if rule is not None:
            arrays = _apply_dtype_rule(op, args, arrays, params)
        xp = None
        for a in args:
            if isinstance(a, Tensor):
                xp = namespace_of(a._data)
                break
        if xp is None:
            from ..backend import numpy_namespace as xp
    try:
        try:
            out = op.forward(xp, *arrays, **params) if params else op.forward(xp, *arrays)
        except OverflowError:
            # A Python int outside an integer tensor's range wraps around, as in torch.
            arrays = _wrap_int_scalars(xp, args, arrays)
            out = op.forward(xp, *arrays, **params) if params else op.forward(xp, *arrays)
    except ValueError as exc:
        if op.broadcasts and "broadcast" in str(exc):
            raise _broadcast_error(arrays) from None
        raise
    inference = _tls.inference
    if op.num_outputs == 1:
        if out.__class__ is not xp.ndarray:
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
        outs = tuple(Tensor._make(o if o.__class__ is xp.ndarray else xp.asarray(o))
                     for o in out)
        result = outs
    if op.view:
        base = args[0]
        base = base._base if base._base is not None else base
        vc = base._vc or base._version_counter()
        for t in outs:
            t._base = base
            t._vc = vc
    if op.differentiable and _tls.grad_enabled:
        for a in args:
            if isinstance(a, Tensor) and a._rg:
                record(op, args, params, out if op.num_outputs == 1 else None, outs, xp)
                break
    return result


def _apply_dtype_rule(op, args, arrays, params):
    """Cast tensor inputs to the dtype torch would compute in (see Op.dtype_rule)."""
    rule = op.dtype_rule
    dims, zeros, scalars = [], [], []
    which = op.dtype_inputs if op.dtype_inputs is not None else range(len(args))
    for i in which:
        a = args[i]
        if isinstance(a, Tensor):
            (dims if a._data.ndim else zeros).append(_BY_NP[a._data.dtype])
        elif a is not None:
            scalars.append(a)
    if rule == "float_if_scalar":
        scalars.append(params[op.params[0]])
    target = result_type(dims, zeros, scalars)
    if rule in ("float", "promote_float") and not (target.is_floating_point or
                                                   target.is_complex):
        target = get_default_dtype()
    np_target = target.np
    out = list(arrays)
    for i in which:
        a = args[i]
        if isinstance(a, Tensor) and a._data.dtype != np_target:
            out[i] = a._data.astype(np_target)
    return out


def _wrap_int_scalars(xp, args, arrays):
    dtype = next(a._data.dtype for a in args if isinstance(a, Tensor))
    return [xp.asarray(arr).astype(dtype) if type(arr) is int else arr for arr in arrays]


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


# ---------------------------------------------------------------------------- shorthands
def op(name, forward, *, inputs=("x",), params=(), vjps=None, **kw) -> Op:
    """The general form: ``vjps`` holds one rule ``(F, g, *names) -> grad`` per input (None
    where the input is not differentiable)."""
    return Op(name, forward, inputs=inputs, params=params, vjps=vjps, **kw)


def unary(name, forward, *, vjp=None, params=(), **kw) -> Op:
    """A one-input op (elementwise ones mostly): ``vjp(F, g, ...)`` is its backward, written
    as the incoming gradient ``g`` times the local derivative, as torch's derivatives.yaml
    writes it (``grad * self.cos()``)."""
    return Op(name, forward, inputs=("x",), params=params, vjps=(vjp,), **kw)


def binary(name, forward, *, da=None, db=None, params=(), **kw) -> Op:
    """A two-input op with one rule per side (bilinear ops: mul, mm, ...)."""
    kw.setdefault("inputs", ("a", "b"))
    return Op(name, forward, params=params, vjps=(da, db), **kw)


def linear(name, forward, *, transpose, params=(), **kw) -> Op:
    """A one-input linear op (neg, reshape, sum, indexing): give its transpose, which is
    also its backward."""
    return Op(name, forward, inputs=("x",), params=params, vjps=(transpose,), **kw)


# ---------------------------------------------------------------------------- public names
PUBLIC: dict = {}


def expose(fn=None, *, name=None, method=True, tensor_name=None):
    """Make ``fn`` public: ``chainrule.<name>`` (collected by ``chainrule.ops``), the graph
    vocabulary ``F.<name>``, and, when ``method`` is true, the Tensor method of the same
    name (or ``tensor_name``)."""
    def register(f):
        public_name = name or f.__name__
        PUBLIC[public_name] = f
        if method:
            setattr(Tensor, tensor_name or public_name, f)
        return f
    return register(fn) if fn is not None else register


# ---------------------------------------------------------------------------- vocabularies
class _GraphVocab:
    """``F`` for create_graph=True: each name is the public chainrule op."""

    def __getattr__(self, name):
        try:
            fn = PUBLIC[name]
        except KeyError:
            raise AttributeError(f"backward vocabulary has no {name!r}: expose it as a public "
                                 "function with ops._registry.expose") from None
        setattr(self, name, fn)
        return fn


graph_vocab = _GraphVocab()


class _RawVocab:
    """``F`` for plain backward: each name is the op's forward on raw arrays of ``xp``
    (helpers in ``ops/_raw.py`` supply the few names that are not ops)."""

    def __init__(self, xp):
        self.xp = xp

    def __getattr__(self, name):
        from . import _raw
        helper = getattr(_raw, name, None)
        if helper is not None:
            xp = self.xp
            fn = (lambda *a, **k: helper(xp, *a, **k))
        else:
            try:
                fn = OPS[name].raw(self.xp)
            except KeyError:
                raise AttributeError(f"backward vocabulary has no {name!r}: register it as an "
                                     "op or add a raw helper in ops/_raw.py") from None
        setattr(self, name, fn)
        return fn


_RAW_VOCABS: dict = {}


def raw_vocab(xp):
    v = _RAW_VOCABS.get(xp)
    if v is None:
        v = _RAW_VOCABS[xp] = _RawVocab(xp)
    return v
