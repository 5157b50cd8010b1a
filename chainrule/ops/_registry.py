"""The op declaration form and its shorthands.

An op is declared once::

    unary("sin", "sin", vjp=lambda F, g, x: g * F.cos(x))

which gives its forward over the array namespace ``xp``, its derivative, and (by
default) the grad_fn name ``SinBackward0``. A backward rule is a function
``rule(F, g, *names)``: ``g`` is the incoming gradient and each further parameter *name*
declares what the node must save: an input's name (``x``, ``a``, ``b``), ``out`` (the
result), a parameter of the op (``dim``), or ``<input>_shape``. ``F`` is the vocabulary the
rule computes with: chainrule's differentiable ops when ``create_graph=True`` (so the
backward is recorded and higher derivatives come for free), the backend's raw array
functions otherwise (so the common case pays for no Tensor wrapping). Both come from the
registry: ``F.cos`` is the ``cos`` op, dispatched or run raw.

Beside this file: ``_dispatch.py`` runs ops and records nodes, ``_node.py`` is the node
class that calls the rules (and undoes broadcasting, once), ``_vocab.py`` holds the names.
"""
from __future__ import annotations

import inspect
from functools import partial

from ..backend import numpy_namespace as _numpy
from ._dispatch import dispatch, dispatch1, dispatch2, interceptor, record
from ._node import _IN, _OUT, _PARAM, _SHAPE, OpNode, _make_runner, _modified_error
from ._vocab import INTERNAL, OPS, PUBLIC, expose, graph_vocab, raw_vocab

# The names op files use, in one import: declarations here, dispatch and names re-exported.
__all__ = ["Op", "LINEAR", "ELEMENTWISE", "op", "unary", "binary", "linear", "dispatch",
           "dispatch1", "dispatch2",
           "record", "interceptor", "expose", "OPS", "PUBLIC", "INTERNAL", "graph_vocab",
           "raw_vocab", "OpNode", "_modified_error"]


_DTYPE_RULES = (None, "promote", "float", "promote_float")
# ``jvp=LINEAR``: the op is linear in its first input, so its JVP is the op applied to the
# tangent (views get this without asking); see ops/_jvp.py.
LINEAR = "linear"
# ``jvp=ELEMENTWISE``: a one-input elementwise op with a real local derivative, so its
# JVP is its backward rule applied to the tangent (``g * f'(x)`` with g the tangent).
ELEMENTWISE = "elementwise"


class Op:
    """One op: its name, forward over ``xp``, per-input backward rules and grad_fn name.

    Complex gradients follow torch's convention (the conjugate Wirtinger derivative): a
    ``holomorphic`` op's rules are written as for real numbers (``g * F.cos(x)``) and the
    node runs them as ``conj(rule(conj(g)))`` when the gradient is complex, which is
    ``g * conj(f'(z))``; an op that is not complex-analytic (abs, angle, real, conj, fft
    with its normalisations ...) says ``holomorphic=False`` and writes torch's rule itself;
    ``holomorphic=None`` marks rules that hold for real numbers only (a complex gradient
    raises NotImplementedError naming the op, never a wrong number).
    Linear ops with real coefficients (reshape, sum, indexing) need neither.

    ``jvp`` (forward-mode rule) and ``batch`` (batching rule) are reserved fields that later
    work fills; ``dtype_rule`` is one of None (NumPy's result is torch's), ``"promote"``
    (torch's result_type over the inputs), ``"float"`` (integers become the default float
    first) or ``"promote_float"`` (promote, then integers become the default float).

    ``scalars`` names the parameters that are scalar operands (rsub's ``other``, pow's
    ``exponent``): they take part in type promotion as Python scalars do, and a Python int
    wraps into an integer result dtype as torch's wrapped scalars do (``-3`` is 253 as
    uint8); ``checked`` names those torch converts with its overflow check instead (clamp's
    bounds). ``refuse`` maps a dtype kind (``"b"``, ``"c"`` ...) of the dtype the op computes
    in to ``(exception class, message)``: torch's refusal, ``{T}`` standing for torch's
    type name (``'"abs_cpu" not implemented for {T}'``). ``check(args, params)`` validates
    the inputs themselves (sub refuses bool inputs whatever they promote to). All four run
    only on the general dispatch path; ``fast_kinds`` are the dtype kinds the one-input fast
    path may take.
    """

    __slots__ = ("name", "grad_fn", "forward", "inputs", "params", "vjps", "node_cls",
                 "_plans", "jvp", "batch", "dtype_rule", "broadcasts", "num_outputs",
                 "_raw", "differentiable", "defaults", "dtype_inputs", "view", "variadic",
                 "_node_classes", "ufunc", "_fast", "scalars", "checked", "refuse", "check",
                 "fast_kinds", "extra", "scalar_names", "holomorphic")

    def __init__(self, name, forward, *, inputs=("x",), params=(), vjps=None, grad_fn=None,
                 dtype_rule=None, broadcasts=False, jvp=None, batch=None, num_outputs=1,
                 dtype_inputs=None, view=False, variadic=False, ufunc=None, scalars=(),
                 checked=(), refuse=None, check=None, fast_kinds=None, holomorphic=True):
        self.name = name
        self.holomorphic = holomorphic
        if isinstance(forward, str):  # "sin": the backend's function of that name
            ufunc = forward
            forward = _backend_function(forward)
        self.forward = forward
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.vjps = tuple(vjps) if vjps is not None else (None,) * len(self.inputs)
        self.grad_fn = grad_fn or _default_grad_fn_name(name)
        if dtype_rule not in _DTYPE_RULES:
            raise ValueError(f"op {name!r}: dtype_rule {dtype_rule!r} is not one of {_DTYPE_RULES}")
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
        self.scalars = tuple(scalars)
        self.checked = tuple(checked)
        self.scalar_names = self.scalars + self.checked
        self.refuse = dict(refuse) if refuse else None
        self.check = check
        # True when the general path has anything of the above to do for this op.
        self.extra = bool(self.scalars or self.checked or self.check)
        if fast_kinds is None:
            fast_kinds = "fc" if dtype_rule is not None else "biufc"
        self.fast_kinds = "".join(k for k in fast_kinds if k not in (self.refuse or ()))
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
                fn = partial(self.forward, xp)  # C-level binding: no Python frame per call
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
                 "plain_slots", "unary_kind", "runner", "unary_rule", "holo")

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
            elif n[:3] == "out" and n[3:].isdigit():  # out0, out1 ...: a multi-output op's
                sources.append((_OUT, int(n[3:])))
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
        # parameter and shape slots: what a node keeps readable once backward frees it
        self.plain_slots = tuple(i for i, (k, _) in enumerate(sources) if k >= _PARAM)
        # For the one-input fast path: 0 saves nothing, 1 saves the input alone, 2 the
        # output alone, 3 anything else.
        kinds = tuple(k for k, _ in sources)
        self.unary_kind = {(): 0, (_IN,): 1, (_OUT,): 2}.get(kinds, 3)
        self.runner = _make_runner(op, self.rule_positions)
        simple = (len(op.inputs) == 1 and op.num_outputs == 1 and not op.broadcasts and
                  not op.variadic and self.rule_positions[0] == (0,) and len(sources) == 1)
        self.unary_rule = op.vjps[0] if simple else None
        # 0: rules in torch's complex convention; 1: holomorphic; 2: real inputs only
        self.holo = {False: 0, True: 1, None: 2}[op.holomorphic]


_RULE_NAMES: dict = {}


def _rule_names(rule) -> tuple:
    names = _RULE_NAMES.get(rule)
    if names is None:
        params = list(inspect.signature(rule).parameters)
        if params[:2] != ["F", "g"]:
            raise TypeError(f"backward rule {rule} must start with parameters (F, g, ...)")
        names = _RULE_NAMES[rule] = tuple(params[2:])
    return names


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
    kw.setdefault("holomorphic", False)  # real coefficients: conj(T(conj g)) is T(g)
    return Op(name, forward, inputs=("x",), params=params, vjps=(transpose,), **kw)
