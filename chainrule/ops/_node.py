"""The node class behind every registered op, and the runners that call its rules.

A node keeps what its op's rules need (raw values, plus a flat tuple of version checks)
and, on backward, checks the versions, picks the vocabulary ``F`` (chainrule's ops under
create_graph, raw arrays otherwise) and calls the rules. Broadcasting and dtype promotion
are undone here, once (``_fix_meta``), so rules never unbroadcast by hand.
"""
from __future__ import annotations

from .._dtypes import _BF16
from .._tensor import Tensor
from ..autograd.graph import SAVED_FREED_MSG, Node
from ._bf16 import downcast_results, upcast_values
from ._vocab import graph_vocab

# What a plan saves: an input, the output, a parameter, or an input's shape.
_IN, _OUT, _PARAM, _SHAPE = 0, 1, 2, 3
# Nodes torch implements by hand in C++: their name() carries the namespace.
_CPP_NAMESPACED = {"CopySlices", "CopyBackwards", "AccumulateGrad"}
_FREED = object()


class Freed:
    """A released node's saved values: only the non-tensor ones (dims, scalars, sizes) stay,
    for ``grad_fn._saved_<name>`` (torch frees only the saved tensors)."""

    __slots__ = ("kept",)

    def __init__(self, kept):
        self.kept = kept  # {slot: value}


def _freed(node, saved):
    """What a node keeps once backward frees it: _FREED, or a Freed of its plain values."""
    slots = node._plan.plain_slots
    if not slots:
        return _FREED
    raw = saved if saved.__class__ is tuple else getattr(saved, "raw", None)
    if raw is None:
        return _FREED
    if "key" not in node.op.params:  # only an indexing key can hold arrays
        return Freed({i: raw[i] for i in slots})
    nd, kept = node._F.xp.ndarray, None
    for i in slots:
        v = raw[i]
        if v is not None and not isinstance(v, nd) and not (
                v.__class__ is tuple and any(isinstance(k, nd) for k in v)):
            if kept is None:
                kept = {}
            kept[i] = v
    return _FREED if kept is None else Freed(kept)


class OpNode(Node):
    """The node class behind every registered op; each op gets a subclass named after its
    grad_fn (``SinBackward0``), made once at registration."""

    __slots__ = ("_saved", "_versions", "_plan", "_meta", "_F")  # _F: raw vocabulary of xp
    op = None  # the Op, set on each subclass
    _keyed = None  # whether the op's parameters include an indexing key (see _saves_arrays)

    def name(self) -> str:
        n = type(self).__name__
        return "torch::autograd::" + n if n in _CPP_NAMESPACED else n

    def __getattr__(self, name):
        # Only reached for a missing attribute: torch's _saved_<name> / _raw_saved_<name>.
        if name[:7] == "_saved_" or name[:11] == "_raw_saved_":
            from ..autograd import _introspect
            raw = name[1] == "r"
            key = name[11:] if raw else name[7:]
            if key in _introspect.saved_spec(self):
                return (_introspect.raw_saved if raw else _introspect.saved_value)(self, key)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        from ..autograd import _introspect
        names = ["_saved_" + n for n in _introspect.saved_spec(self)]
        names += ["_raw_saved_" + n for n in _introspect.tensor_names(self)]
        return sorted(set(super().__dir__()) | set(names))

    def _release(self) -> None:
        # Only saved tensors are freed (torch's rule): a node that saved just shapes or
        # parameters can run again; index arrays (in a key) count as saved tensors.
        saved = self._saved
        if saved is not None and saved is not _FREED and saved.__class__ is not Freed and (
                self._plan.holds_tensors or self._saves_arrays()):
            self._saved = _freed(self, saved)
            self._versions = ()  # the saved tensors themselves go too (views die sooner)

    def _saves_arrays(self) -> bool:
        keyed = self._keyed
        if keyed is None:  # only an indexing key holds index arrays; worked out once per op
            keyed = type(self)._keyed = "key" in self.op.params
        if not keyed:
            return False
        nd = self._F.xp.ndarray
        for v in self._saved:
            if isinstance(v, nd) or (v.__class__ is tuple and
                                     any(isinstance(k, nd) for k in v)):
                return True
        return False

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
            if t is None:
                nr = self._plan.sources[slot][1]
                t = Tensor._make(saved[slot], True, self, nr)
                tangents = self.__dict__.get("_fw_out_tangents")
                if tangents is not None and nr in tangents:  # forward AD over a backward
                    from ..autograd.forward_ad import set_tangent
                    set_tangent(t, tangents[nr])
            vals[slot] = t
        return vals

    def apply(self, grads, create_graph, retain_graph=True):
        saved = self._saved
        if saved is not None:
            if saved.__class__ is not tuple:  # freed, or packed by saved_tensors_hooks
                if saved is _FREED or saved.__class__ is Freed:
                    raise RuntimeError(SAVED_FREED_MSG)
                packed, saved = saved, saved.unpack(create_graph)
                if not retain_graph:
                    self._saved = _freed(self, packed)
            else:
                v = self._versions  # flat: (counter, version seen, slot, tensor or None) * n
                if v and (v[0][0] != v[1] or len(v) > 4):
                    self._check_versions(saved)
                if create_graph:
                    saved = self._graph_values(saved)
                if not retain_graph and (self._plan.holds_tensors or (
                        self._keyed is not False and self._saves_arrays())):
                    self._saved = _freed(self, self._saved) if self._plan.plain_slots \
                        else _FREED
                    self._versions = ()
        F = graph_vocab if create_graph else self._F
        if _BF16.active and not create_graph:
            ups = _bf16_backward(self, F, grads, saved)
            if ups is not None:
                return ups
        plan = self._plan
        if plan.holo:
            g0 = grads[0]
            if g0 is None or plan.holo == 2 or (
                    g0._data if create_graph else g0).dtype.kind == "c":
                if _complex(grads) or (plan.holo == 2 and _complex(saved or ())):
                    return _conj_run(self, F, grads, saved)
        rule = plan.unary_rule
        if rule is not None:  # one input, one saved value (most elementwise ops)
            return [rule(F, grads[0], saved[0])]
        return plan.runner(self, F, grads, saved)


def _bf16_backward(node, F, grads, saved):
    """bfloat16 gradients computed in float32 and rounded once (see ops/_bf16), or None when
    no gradient or saved value is bfloat16."""
    xp = F.xp
    g_up = upcast_values(xp, grads)
    s_up = upcast_values(xp, saved)
    if g_up is None and s_up is None:
        return None
    g2 = g_up if g_up is not None else grads
    s2 = tuple(s_up) if s_up is not None else saved
    plan = node._plan
    rule = plan.unary_rule
    results = [rule(F, g2[0], s2[0])] if rule is not None else plan.runner(node, F, g2, s2)
    if g_up is None:
        return results
    meta = node._meta
    keep = xp.float32
    out = downcast_results(xp, results)
    if meta is not None:  # an input recorded as float32 keeps its float32 gradient
        for i, (_shape, dtype) in enumerate(meta):
            if dtype == keep and results[i] is not None:
                out[i] = results[i]
    return out


def _complex(values, create_graph=None) -> bool:
    """Whether any of ``values`` (gradients or saved values: arrays, Tensors, other) is
    complex."""
    for v in values:
        if isinstance(v, Tensor):
            v = v._data
        dt = getattr(v, "dtype", None)
        if dt is not None and getattr(dt, "kind", None) == "c":
            return True
    return False


def _conj_run(node, F, grads, saved):
    """A holomorphic op's rules under torch's complex convention: conj(rule(conj(g)))."""
    if node.op.holomorphic is None:  # rules for real numbers only: never a wrong number
        raise NotImplementedError(
            f"the derivative of {node.op.name} ({node.name()}) for complex inputs is not "
            "implemented in chainrule yet; compute it on the real and imaginary parts "
            "(torch.view_as_real), or see docs/differences.md")
    conj = F.conj_physical
    grads = [None if g is None else conj(g) for g in grads]
    plan = node._plan
    rule = plan.unary_rule
    out = [rule(F, grads[0], saved[0])] if rule is not None else plan.runner(node, F, grads,
                                                                             saved)
    return [None if r is None else conj(r) if _kind(r) == "c" else r for r in out]


def _kind(r) -> str:
    return (r._data if isinstance(r, Tensor) else r).dtype.kind


def _make_runner(op, rule_positions):
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
        fa, fb = node._fns  # None: no gradient wanted on that side (autograd.grad's inputs)
        results = [None if fa is None else call(rule_a, pa, F, g, saved),
                   None if fb is None else call(rule_b, pb, F, g, saved)]
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
            if _complex_dtype(r.dtype) and not _complex_dtype(dtype):  # a real input's: real
                r = F.real(r)
            r = F.cast(r, dtype)
        results[i] = r


def _complex_dtype(dtype) -> bool:
    kind = getattr(dtype, "kind", None)  # a NumPy dtype, or chainrule's (under create_graph)
    return kind == "c" if kind is not None else dtype.is_complex


def _short_name(node) -> str:
    """The node as torch's saved-tensor error names it: MulBackward0 -> Mul, PowBackward2 ->
    Pow2, TwoBackward (a custom Function) -> Two; torch::autograd::CopySlices as it is."""
    name = node.name()
    if "::" in name:
        return name
    cut = name.rfind("Backward")  # the suffix only: BackwardHookFunctionBackward keeps its head
    if cut >= 0:
        name = name[:cut] + name[cut + len("Backward"):]
    return name[:-1] if name.endswith("0") else name


def _modified_error(node, value, is_output, now, expected, output_nr=0):
    """torch's SavedVariable error: a saved output is named as output ``output_nr`` of the
    node that saved it; a saved input by its tensor's grad_fn now (after the in-place op,
    a view's regenerated one), always as output 0; a leaf by nothing."""
    data = value._data if isinstance(value, Tensor) else value
    type_name = {"f": "Float", "d": "Double", "e": "Half"}.get(data.dtype.char, "")
    owner = node if is_output else (value.grad_fn if isinstance(value, Tensor) else None)
    where = ""
    if owner is not None:
        where = f", which is output {output_nr if is_output else 0} of {_short_name(owner)},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{type_name}Tensor {list(data.shape)}]{where} is at version {now}; "
        f"expected version {expected} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False). (chainrule: the tensor "
        f"was saved by {node.name()}; clone it before the in-place op, or use the "
        "out-of-place form.)")
