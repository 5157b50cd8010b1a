"""Forward-mode rules: how an op's output tangent comes from its inputs' tangents.

The forward-AD hook (installed at the dispatch point only while a ``dual_level`` is
active, so ops pay nothing otherwise) runs the op, then its JVP. ``Op.jvp`` says how
(ops/_jvp_rules.py fills it for the registry, by name):

* a kind derived from what the op already declares: ``LINEAR`` (the op applied to the
  tangent of its first input; every view), ``LinearWith(...)`` (affine: the same with a
  parameter zeroed), ``ELEMENTWISE`` (a symmetric Jacobian: the backward rule applied to
  the tangent), ``JOINT`` (linear in all inputs together), ``MULTILINEAR`` (one term per
  input), ``REDUCTION`` (``sum(L * t)``, ``L`` the backward's local factor), ``ZERO``,
  ``NOT_IMPLEMENTED`` (torch's error);
* an explicit rule ``jvp(args, params, tangents, out)`` computed with public ops, as
  derivatives.yaml's ``result:`` lines;
* none yet (``_jvp_rules.missing()``): the exact generic rule from the op's backward. The
  VJP ``u -> Jᵀu`` is linear in ``u``, so ``J v`` is the gradient of ``<Jᵀu, v>`` with
  respect to ``u``, by a second backward through the recorded first one; an op whose
  backward cannot be differentiated raises torch's NotImplementedError naming it.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd import forward_ad as _fwd
from ._dispatch import batching, dispatch, interceptor
from ._registry import ELEMENTWISE, LINEAR, op
from ._vocab import graph_vocab

# unpack_dual's primal: an alias of the dual (torch's node for it is "Identity").
UNPACK_PRIMAL = op("unpack_dual_primal", lambda xp, x: x.view(), vjps=(lambda F, g: g,),
                   view=True, grad_fn="Identity")


def intercept(op, args, params):
    """The forward-AD hook: run ``op``, then give its outputs their tangents."""
    tangents = None
    if op.differentiable:
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                t = _fwd.tangent_of(a)
                if t is not None:
                    if tangents is None:
                        tangents = [None] * len(args)
                    tangents[i] = t
    interceptor.current = _fwd._STATE.previous
    try:
        # The generic rule runs the forward again: random ops must draw the same numbers.
        rng = _rng_states(params) if tangents is not None and op.jvp is None and \
            not op.view else None
        out = _primal(op, args, params)
        if tangents is not None:
            _propagate(op, args, params, tangents, out, rng)
    finally:
        interceptor.current = intercept
    return out


def _primal(op, args, params):
    if len(args) == 2 and args[1] is None:  # an optional second input (ops/nn/_shared.py)
        from .nn._shared import dispatch_optional
        return dispatch_optional(op, args, params)
    return dispatch(op, args, params)


def _rng_states(params):
    from .._generator import Generator, default_generator
    gens = [default_generator] + [v for v in (params or {}).values()
                                  if isinstance(v, Generator)]
    return [(g, g._gen.bit_generator.state) for g in gens]


def _propagate(op, args, params, tangents, out, rng=None):
    outs = out if isinstance(out, tuple) else (out,)
    if not any(o._data.dtype.kind in "fcV" for o in outs):
        return  # integer and bool results carry no tangent
    rule = op.jvp
    if rule is None:
        if op.view:
            rule = LINEAR
        elif op.ufunc is not None and op.num_outputs == 1:
            rule = ELEMENTWISE
    if rule is None:
        result = _from_backward(op, args, params, tangents, outs, rng)
    else:
        try:
            if rule.__class__ is str:
                result = _KINDS[rule](op, args, params, tangents, out, outs, rng)
            elif rule.__class__ is LinearWith:
                result = _linear(op, args, dict(params or {}, **rule.overrides), tangents)
            else:
                result = rule(args, params, tangents, out)
        except TypeError:  # a rule reading a batched tensor's data (vmap's BatchedDataError)
            if batching.current is None:
                raise
            result = _from_backward(op, args, params, tangents, outs, rng)
    results = result if isinstance(result, tuple) else (result,)
    for nr, (o, t) in enumerate(zip(outs, results)):
        if t is not None and o._data.dtype.kind in "fcV":
            _fwd.set_tangent(o, t)
            node = o.grad_fn
            if node is not None and getattr(node, "_versions", None):
                # the node may save this output: a create_graph backward (forward over
                # reverse) then sees it with its tangent (ops/_node.py)
                _fwd.set_node_tangent(node, nr, t)


class LinearWith:
    """``jvp=LinearWith(value=0)``: an affine op (a pad or fill value): its JVP is the op
    applied to the tangent with these parameters."""

    __slots__ = ("overrides",)

    def __init__(self, **overrides):
        self.overrides = overrides


def _kind_linear(op, args, params, tangents, out, outs, rng):
    return _linear(op, args, params, tangents)


def _kind_elementwise(op, args, params, tangents, out, outs, rng):
    if op.num_outputs != 1 or not _elementwise_applies(op, args, outs):
        # complex numbers through rules in torch's convention (not holomorphic)
        return _from_backward(op, args, params, tangents, outs, rng)
    return _elementwise(op, args, params, tangents, out)


def _kind_joint(op, args, params, tangents, out, outs, rng):
    """An op linear in all its differentiable inputs together (cat, where's two sides,
    scatter's self and src): the op applied to their tangents (zeros where one has none),
    the other inputs as they are."""
    from .. import zeros_like
    diff = _differentiable(op, args)
    new = list(args)
    for i in diff:
        t = tangents[i]
        new[i] = t if t is not None else _untraced_zeros(args[i])
    if not any(tangents[i] is not None for i in diff):
        return _zeros_like_outputs(op, args, params)
    res = _primal(op, tuple(new), params)
    del zeros_like
    return res


def _kind_multilinear(op, args, params, tangents, out, outs, rng):
    """An op linear in each differentiable input separately (mm, dot, cross, einsum): the
    sum over inputs of the op with that one input replaced by its tangent."""
    total = None
    for i in _differentiable(op, args):
        t = tangents[i]
        if t is None:
            continue
        term = _primal(op, tuple(t if k == i else a for k, a in enumerate(args)), params)
        total = term if total is None else _add(total, term)
    return total if total is not None else _zeros_like_outputs(op, args, params)


def _kind_reduction(op, args, params, tangents, out, outs, rng):
    """A reduction whose backward is ``expand(g) * L`` (prod, amax, logsumexp, norms, var,
    losses): ``L`` is the rule at ``g = 1``, and the JVP sums ``L * t`` to the output."""
    if op.num_outputs != 1 or out._data.dtype.kind != "f" or any(
            isinstance(a, Tensor) and a._data.dtype.kind == "c" for a in args):
        return _from_backward(op, args, params, tangents, outs, rng)
    from .. import ones_like
    ones = ones_like(out)
    total = None
    for i, t in enumerate(tangents):
        rule = op.vjps[i] if i < len(op.vjps) else None
        if t is None or rule is None:
            continue
        local = rule(graph_vocab, ones, *_rule_values(op, rule, args, params, out))
        if not isinstance(local, Tensor):
            continue
        term = local * t
        total = term if total is None else total + term
    if total is None:
        from .. import zeros_like
        return zeros_like(out)
    return _sum_to_output(total, out, op, params)


def _sum_to_output(total, out, op, params):
    shape = tuple(out._data.shape)
    tshape = tuple(total._data.shape)
    if tshape == shape:
        return total
    if len(tshape) == len(shape):
        dims = tuple(d for d in range(len(shape)) if shape[d] == 1 and tshape[d] != 1)
        return total.sum(dims, keepdim=True).expand(shape) if dims else total.expand(shape)
    dim = (params or {}).get("dim", op.defaults.get("dim")) if "dim" in op.params else None
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None or len(dim) == 0 or len(tshape) - len(dim) != len(shape):
        # all dims, or a loss with reduction="none" over (N, C) rows: the trailing dims
        dim = tuple(range(len(shape), len(tshape))) if _prefix(shape, tshape) else None
    red = total.sum() if dim is None else total.sum(tuple(dim))
    return red.reshape(shape)


def _prefix(shape, tshape) -> bool:
    return len(shape) > 0 and tuple(tshape[:len(shape)]) == tuple(shape)


def _kind_not_implemented(op, args, params, tangents, out, outs, rng):
    raise _not_supported(op)


def _kind_zero(op, args, params, tangents, out, outs, rng):
    from .. import zeros_like
    return tuple(zeros_like(o) if o._data.dtype.kind in "fcV" else None for o in outs) \
        if isinstance(out, tuple) else zeros_like(out)


JOINT = "joint"
MULTILINEAR = "multilinear"
REDUCTION = "reduction"
NOT_IMPLEMENTED = "not_implemented"
ZERO = "zero"
_KINDS = {LINEAR: _kind_linear, ELEMENTWISE: _kind_elementwise, JOINT: _kind_joint,
          MULTILINEAR: _kind_multilinear, REDUCTION: _kind_reduction,
          NOT_IMPLEMENTED: _kind_not_implemented, ZERO: _kind_zero}


def _differentiable(op, args):
    """Positions of the differentiable tensor inputs."""
    if op.variadic:
        return [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    return [i for i, a in enumerate(args) if isinstance(a, Tensor) and i < len(op.vjps) and
            op.vjps[i] is not None]


def _untraced_zeros(a):
    from .. import zeros_like
    return zeros_like(a)


def _add(a, b):
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b))
    return a + b


def _linear(op, args, params, tangents):
    """A linear op's JVP is the op applied to the tangent (tensor inputs other than the
    first are constants)."""
    t = tangents[0]
    if t is None:
        return _zeros_like_outputs(op, args, params)
    rest = tuple(args[1:])
    try:
        return _primal(op, (t,) + rest, params)
    except RuntimeError:
        if t._data.strides == args[0]._data.strides:
            raise
        # a view the tangent's layout does not allow: lay it out as the primal first
        return _primal(op, (_laid_out_like(args[0], t),) + rest, params)


def _elementwise_applies(op, args, outs) -> bool:
    """An elementwise op's Jacobian is diagonal (per input, up to broadcasting), hence
    symmetric: its backward rule applied to the tangent is its JVP. That holds on real
    tensors, and on complex ones for rules written as for real numbers (holomorphic)."""
    if outs[0]._data.dtype.kind in "fV" and all(
            not isinstance(a, Tensor) or a._data.dtype.kind in "fiub" for a in args):
        return True
    return op.holomorphic is True


def _rule_values(op, rule, args, params, out):
    from ._registry import _rule_names
    values = []
    for name in _rule_names(rule):
        if name in op.inputs:
            values.append(args[op.inputs.index(name)])
        elif name == "out":
            values.append(out)
        elif name.endswith("_shape") and name[:-6] in op.inputs:
            a = args[op.inputs.index(name[:-6])]
            values.append(tuple(a._data.shape) if isinstance(a, Tensor) else ())
        else:
            values.append((params or {}).get(name, op.defaults.get(name)))
    return values


def _elementwise(op, args, params, tangents, out):
    """``sum_i f_i'(x) * t_i``: each input's backward rule with its tangent (broadcast to
    the output's shape) as the incoming gradient."""
    total = None
    shape = tuple(out._data.shape)
    for i, t in enumerate(tangents):
        rule = op.vjps[i] if i < len(op.vjps) else None
        if t is None or rule is None:
            continue
        values = _rule_values(op, rule, args, params, out)
        if tuple(t._data.shape) != shape:
            t = t.expand(shape)
        term = rule(graph_vocab, t, *values)
        if not isinstance(term, Tensor):
            continue
        if tuple(term._data.shape) != shape:
            term = term.expand(shape)
        total = term if total is None else total + term
    if total is None:
        from .. import zeros_like
        return zeros_like(out)
    return total


def _zeros_like_outputs(op, args, params):
    from .. import zeros_like
    out = _primal(op, args, params)
    return tuple(zeros_like(o) for o in out) if isinstance(out, tuple) else zeros_like(out)


def _not_supported(op) -> NotImplementedError:
    return NotImplementedError(
        f"Trying to use forward AD with {op.name} that does not support it because it has not "
        "been implemented yet.\nPlease file an issue to PyTorch at "
        "https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so that we "
        "can prioritize its implementation or submit a PR adding the implementation to "
        "derivatives.yaml")


def _undifferentiable(exc) -> bool:
    """A backward that cannot itself be differentiated (torch's NotImplemented node)."""
    text = str(exc)
    return "derivative for" in text and "not implemented" in text


def _from_backward(op, args, params, tangents, outs, rng):
    """``J v`` as the gradient of ``<Jᵀu, v>`` with respect to ``u`` (exact: linear in u)."""
    from .. import ones_like, zeros_like
    from ..autograd import grad
    from ..autograd.grad_mode import enable_grad, is_grad_enabled
    # The tangent is itself differentiable (reverse over forward) when grad mode is on and a
    # tangent or a primal requires grad: the primals that do are then used as they are.
    keep_graph = is_grad_enabled() and any(
        t is not None and (t._rg or args[i]._rg) for i, t in enumerate(tangents))
    with enable_grad():
        inputs, wrt = list(args), []
        for i, t in enumerate(tangents):
            if t is not None:
                # one alias per position: x @ x needs the two sides' gradients apart
                inputs[i] = args[i].view_as(args[i]) if keep_graph and args[i]._rg else \
                    args[i].detach().requires_grad_()
                wrt.append(i)
        for gen, state in rng or ():
            gen._gen.bit_generator.state = state
        douts = _primal(op, tuple(inputs), params)
        douts = douts if isinstance(douts, tuple) else (douts,)
        diff = [k for k, o in enumerate(douts) if o._rg and o._data.dtype.kind in "fcV"]
        if not diff:
            return tuple(zeros_like(o) if o._data.dtype.kind in "fcV" else None for o in outs)
        # Any cotangent will do (the map is linear in it); ones tell a backward that gives
        # zeros (floor, sign) from one that cannot be differentiated.
        us = [ones_like(douts[k]).requires_grad_() for k in diff]
        try:
            vjps = grad([douts[k] for k in diff], [inputs[i] for i in wrt], us,
                        create_graph=True, allow_unused=True)
        except RuntimeError as exc:
            raise _not_supported(op) if _undifferentiable(exc) else exc from None
        pairs = []
        for g, i in zip(vjps, wrt):
            if g is None:
                continue
            if not g._rg:  # constant in u: zero, unless the backward is not differentiable
                if g._data.any():
                    raise _not_supported(op)
                continue
            pairs.append((g, tangents[i]))
        result = [None] * len(outs)
        if pairs:
            try:
                jv = grad([g for g, _ in pairs], us,
                          [t if t.dtype == g.dtype else t.to(g.dtype) for g, t in pairs],
                          create_graph=keep_graph, allow_unused=True)
            except RuntimeError as exc:
                raise _not_supported(op) if _undifferentiable(exc) else exc from None
        else:
            jv = (None,) * len(diff)
        for k, j in zip(diff, jv):
            result[k] = j if j is not None else zeros_like(outs[k])
    if not keep_graph:
        result = [r.detach() if r is not None else None for r in result]
    # a tangent of a wider dtype than its primal widens the output tangents (torch's
    # formulas promote: cos(x) * t)
    from .._dtypes import promote_types
    wide = [t.dtype for t in tangents if t is not None]
    for k, r in enumerate(result):
        if r is not None:
            dtype = r.dtype
            for d in wide:
                dtype = promote_types(dtype, d)
            if dtype != r.dtype:
                result[k] = r.to(dtype)
    return tuple(result)


def write_tangent(self, result) -> None:
    """After an in-place op wrote ``result`` into ``self``: ``self``'s tangent becomes
    ``result``'s, written into the tangent ``self`` already has (or into a zero tangent
    of its base, when ``self`` is a view), so every view's tangent follows."""
    from .. import _memory
    rt = _fwd.tangent_of(result)
    if rt is None:
        return
    st = _fwd.tangent_of(self)
    if st is None:
        base = self._base
        if base is None:
            _fwd.set_tangent(self, _laid_out_like(self, rt))
            return
        _fwd.set_tangent(base, _laid_out_like(base, None))
        st = _fwd.tangent_of(self)
    _memory.writable(st._data)[...] = rt._data
    st._bump_version()


def _laid_out_like(t, value):
    """A tangent with ``t``'s memory layout (so views of ``t`` map onto it): ``value``'s
    numbers, or zeros."""
    d = t._data
    xp = t.xp
    arr = xp.zeros_like(d) if value is None else xp.empty_like(d, dtype=value._data.dtype)
    if value is not None:
        arr[...] = value._data
    return Tensor._make(arr)


from . import _jvp_rules  # noqa: E402  (the rules need this module; fills Op.jvp)

_jvp_rules.apply()
