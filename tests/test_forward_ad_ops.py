"""Forward-mode AD over the whole op table (tests/op_db/).

For the first sample of every differentiable op, in float64 with random tangents:
(a) the JVP is tied to the VJP by the dot-product identity <J v, u> = <v, Jᵀ u> (u a
random cotangent, Jᵀu from chainrule's backward), and (b) it equals torch's forward AD
where torch has it. Where torch refuses forward AD for an op, chainrule must either give a
tangent that passes (a) or refuse with NotImplementedError too.
"""
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from op_db import OP_DB, build, known_bug  # noqa: E402

import chainrule  # noqa: E402
from chainrule.autograd import forward_ad as cfw  # noqa: E402

_KINK = ("a sample at a point where the derivative is not defined (torch's explicit JVP and "
         "the derivative of its backward differ there)")
_KNOWN = dict.fromkeys(["linalg.det_singular", "logcumsumexp_inf"], _KINK)


def _cases():
    out = []
    for op in OP_DB:
        if not op.grad:
            continue
        reason = known_bug("test_forward_ad", op, 0) or _KNOWN.get(op.name)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(op, id=op.name, marks=marks))
    return out


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _swap(value, table):
    """``value`` with the tensors in ``table`` (id -> replacement) replaced, in lists too."""
    if isinstance(value, list):
        return [_swap(v, table) for v in value]
    return table.get(id(value), value)


def _call(m, op, args, kwargs, leaves, replacements):
    table = {id(a): b for a, b in zip(leaves, replacements)}
    args = [_swap(a, table) for a in args]
    kwargs = {k: _swap(v, table) for k, v in kwargs.items()}
    return _tuple(op.fn(m, *args, **kwargs))


def _tangents(m, fw, op, vs):
    """The output tangents (None for outputs without one), or the exception raised."""
    args, kwargs, leaves = build(m, op.samples()[0], "float64")
    try:
        with fw.dual_level():
            duals = [fw.make_dual(x, m.tensor(v, dtype=x.dtype)) for x, v in zip(leaves, vs)]
            outs = _call(m, op, args, kwargs, leaves, duals)
            return [fw.unpack_dual(o).tangent if isinstance(o, m.Tensor) else None
                    for o in outs], outs
    except (NotImplementedError, RuntimeError) as exc:
        return exc, None


def _np(t):
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():
            return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
        t = t.resolve_conj().resolve_neg()
    return np.asarray(t.detach().numpy())


def _tolerance(outs):
    """float64 tolerances, or half precision's when an output is float16/bfloat16."""
    low = any(o.element_size() <= 2 for o in outs
              if isinstance(o, chainrule.Tensor) and o.dtype.is_floating_point)
    return (1e-2, 1e-3) if low else (1e-6, 1e-8)


def _torch_identity_holds(op, vs, t_tan, seed) -> bool:
    """Whether torch's own JVP and VJP satisfy the identity for this sample (a few torch
    ops disagree with themselves: triangular inputs whose JVP reads the whole matrix)."""
    args, kwargs, leaves = build(torch, op.samples()[0], "float64", requires_grad=True)
    outs = _call(torch, op, args, kwargs, leaves, leaves)
    pairs = [(o, t) for o, t in zip(outs, t_tan) if isinstance(o, torch.Tensor) and
             o.requires_grad and t is not None]
    if not pairs:
        return True
    rng = np.random.default_rng(seed)
    us = [rng.standard_normal(tuple(o.shape)) for o, _ in pairs]
    grads = torch.autograd.grad([o for o, _ in pairs], leaves,
                                [torch.tensor(u, dtype=o.dtype) for u, (o, _) in zip(us, pairs)],
                                allow_unused=True)
    lhs = sum(_real_dot(u, _np(t)) for u, (_, t) in zip(us, pairs))
    rhs = sum(_real_dot(_np(g), v) for g, v in zip(grads, vs) if g is not None)
    return bool(np.isclose(lhs, rhs, rtol=1e-6, atol=1e-8))


def _real_dot(a, b) -> float:
    return float(np.real(np.vdot(a, b)))


@pytest.mark.parametrize("op", _cases())
def test_forward_ad(op):
    args, kwargs, leaves = build(chainrule, op.samples()[0], "float64", requires_grad=True)
    if not leaves:
        pytest.skip("no float input")
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    vs = [rng.standard_normal(tuple(x.shape)) for x in leaves]
    chainrule.manual_seed(0)
    c_tan, c_outs = _tangents(chainrule, cfw, op, vs)
    t_tan, _ = _tangents(torch, torch.autograd.forward_ad, op, vs)
    if isinstance(c_tan, Exception):
        assert isinstance(c_tan, NotImplementedError) and isinstance(t_tan, Exception), \
            f"chainrule refuses forward AD ({c_tan!r}) where torch has it"
        return
    torch_has_it = not isinstance(t_tan, Exception)
    # torch's JVP and VJP disagree at a few points (singular matrices, triangular inputs
    # whose JVP reads the whole matrix): there chainrule must match one of them
    def torch_inconsistent():
        return torch_has_it and not _torch_identity_holds(op, vs, t_tan, 1)
    rtol, atol = _tolerance(c_outs)
    # (a) <J v, u> = <v, Jᵀ u> with chainrule's own backward
    chainrule.manual_seed(0)
    outs = _call(chainrule, op, args, kwargs, leaves, leaves)
    pairs = [(o, t) for o, t in zip(outs, c_tan)
             if isinstance(o, chainrule.Tensor) and o.requires_grad]
    identity = True
    if pairs:
        us = [rng.standard_normal(tuple(o.shape)) for o, _ in pairs]
        grads = chainrule.autograd.grad([o for o, _ in pairs], leaves,
                                        [chainrule.tensor(u, dtype=o.dtype)
                                         for u, (o, _) in zip(us, pairs)], allow_unused=True)
        lhs = sum(_real_dot(u, _np(t)) for u, (_, t) in zip(us, pairs) if t is not None)
        rhs = sum(_real_dot(_np(g), v) for g, v in zip(grads, vs) if g is not None)
        identity = bool(np.isclose(lhs, rhs, rtol=rtol, atol=atol))
        if np.isfinite(lhs) and np.isfinite(rhs):  # with inf/nan: (b) alone
            assert identity or torch_inconsistent(), \
                f"<Jv,u> {lhs} != <v,J^T u> {rhs}"
    # (b) torch's tangents, where torch has forward AD for the op
    if not torch_has_it:
        return
    try:
        for k, (c, t) in enumerate(zip(c_tan, t_tan)):
            if t is None or c is None:
                if t is not None:
                    assert not np.any(_np(t)), f"output {k}: torch has a tangent, chainrule none"
                continue
            assert tuple(c.shape) == tuple(t.shape), f"output {k}: tangent shape"
            np.testing.assert_allclose(_np(c), _np(t), rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"tangent of output {k}")
    except AssertionError:
        if not (identity and torch_inconsistent()):
            raise


def test_every_registered_op_has_its_own_jvp_rule():
    """No op of the registry falls back to the generic rule (a JVP through a second
    backward): each has a rule in ops/_jvp_rules*.py."""
    from chainrule.ops._jvp_rules import missing
    assert missing() == []
