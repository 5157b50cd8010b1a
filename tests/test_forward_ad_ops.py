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


def _cases():
    out = []
    for op in OP_DB:
        if not op.grad:
            continue
        reason = known_bug("test_forward_ad", op, 0)
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
    return np.asarray(t.detach().numpy())


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
    # (a) <J v, u> = <v, Jᵀ u> with chainrule's own backward
    chainrule.manual_seed(0)
    outs = _call(chainrule, op, args, kwargs, leaves, leaves)
    pairs = [(o, t) for o, t in zip(outs, c_tan)
             if isinstance(o, chainrule.Tensor) and o.requires_grad]
    if pairs:
        us = [rng.standard_normal(tuple(o.shape)) for o, _ in pairs]
        grads = chainrule.autograd.grad([o for o, _ in pairs], leaves,
                                        [chainrule.tensor(u, dtype=o.dtype)
                                         for u, (o, _) in zip(us, pairs)], allow_unused=True)
        lhs = sum(_real_dot(u, _np(t)) for u, (_, t) in zip(us, pairs) if t is not None)
        rhs = sum(_real_dot(_np(g), v) for g, v in zip(grads, vs) if g is not None)
        if np.isfinite(lhs) or np.isfinite(rhs):  # samples with inf/nan: (b) alone
            assert np.isclose(lhs, rhs, rtol=1e-6, atol=1e-8), \
                f"<Jv,u> {lhs} != <v,J^T u> {rhs}"
    # (b) torch's tangents, where torch has forward AD for the op
    if isinstance(t_tan, Exception):
        return
    for k, (c, t) in enumerate(zip(c_tan, t_tan)):
        if t is None or c is None:
            if t is not None:
                assert not np.any(_np(t)), f"output {k}: torch has a tangent, chainrule none"
            continue
        assert tuple(c.shape) == tuple(t.shape), f"output {k}: tangent shape"
        np.testing.assert_allclose(_np(c), _np(t), rtol=1e-6, atol=1e-8, equal_nan=True,
                                   err_msg=f"tangent of output {k}")
