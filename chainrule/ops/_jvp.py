"""Forward-mode rules: how an op's output tangent comes from its inputs' tangents.

The forward-AD hook (installed at the dispatch point only while a ``dual_level`` is
active, so ops pay nothing otherwise) runs the op, then its JVP. The rule is, in order:

* the op's own ``jvp`` (an explicit rule, as derivatives.yaml's ``result:`` lines):
  ``jvp(args, params, tangents, out)`` returns the output tangent(s), computed with public
  ops on Tensors (``tangents[i]`` is None for an input without one);
* ``LINEAR`` (and every view op): the op itself applied to the tangent of its one tensor
  input, so the tangent of a view is the same view of the tangent;
* otherwise the exact generic rule from the op's backward: the VJP ``u -> Jᵀu`` is linear
  in ``u``, so ``J v`` is the gradient of ``<Jᵀu, v>`` with respect to ``u``, computed by a
  second backward through the recorded first one. Every op whose backward can itself be
  differentiated (the op table's gradgradcheck) gets its JVP this way; an op whose backward
  cannot raises torch's NotImplementedError naming it, never a wrong tangent.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd import forward_ad as _fwd
from ._dispatch import dispatch, interceptor
from ._registry import ELEMENTWISE, LINEAR, op

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
        elif op.ufunc is not None and _real_elementwise(op, args, outs):
            rule = ELEMENTWISE
    if rule == LINEAR:
        result = _linear(op, args, params, tangents)
    elif rule == ELEMENTWISE and outs[0]._data.dtype.kind in "fV":
        result = _elementwise(op, args, params, tangents, out)
    elif rule == ELEMENTWISE:  # complex: the backward conjugates, the generic rule does not
        result = _from_backward(op, args, params, tangents, outs, rng)
    elif rule is not None:
        result = rule(args, params, tangents, out)
    else:
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


def _real_elementwise(op, args, outs) -> bool:
    """An op that is a NumPy ufunc (so elementwise), without parameters, on real tensors
    only: its Jacobian is diagonal (per input, up to broadcasting), hence symmetric, so
    its backward rule applied to the tangent is its JVP."""
    if op.num_outputs != 1 or op.params or op.extra or op.variadic or \
            outs[0]._data.dtype.kind not in "fV":
        return False
    return all(not isinstance(a, Tensor) or a._data.dtype.kind in "fiub" for a in args)


def _elementwise(op, args, params, tangents, out):
    """``sum_i f_i'(x) * t_i``: each input's backward rule with its tangent (broadcast to
    the output's shape) as the incoming gradient."""
    from ._registry import _rule_names
    from ._vocab import graph_vocab
    total = None
    shape = tuple(out._data.shape)
    for i, t in enumerate(tangents):
        rule = op.vjps[i] if i < len(op.vjps) else None
        if t is None or rule is None:
            continue
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
