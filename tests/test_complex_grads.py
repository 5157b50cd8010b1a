"""Complex gradients over the whole op table, against torch.

Each op's first two samples run with complex128 leaves (the real sample plus i times a
second draw). Where torch accepts complex inputs, chainrule must give the same outputs and
the same gradients under torch's convention (the conjugate Wirtinger derivative: for a
holomorphic f, grad_input = grad_output * conj(f'(z))), with a random complex upstream
gradient. Where torch refuses complex inputs the case is not one of ours and is skipped.
"""
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from op_db import OP_DB  # noqa: E402

import chainrule  # noqa: E402

CASES = [pytest.param(op, i, id=f"{op.name}-{i}") for op in OP_DB if op.grad
         and "half" not in op.name  # computed in float16: tests/test_ops.py covers those
         for i in range(min(2, len(op.samples())))]


# The ops whose derivatives chainrule has for real inputs only (docs/differences.md).
COMPLEX_UNSUPPORTED = ("cumprod_cast", "_scatter_reduce", "silu")


# Cases whose complex form is not a valid input, so torch's value is LAPACK's accident.
NOT_VALID_COMPLEX = {
    "cholesky_inverse_raw": "a triangle with a complex diagonal is not a Cholesky factor: "
                            "LAPACK's potri reads only the real part of some diagonal terms",
}


def _complexify(sample_args, rng):
    out = []
    for a in sample_args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            out.append(a + 1j * rng.uniform(-1, 1, a.shape))
        elif isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            out.append(_complexify(a, rng))
        else:
            out.append(a)
    return out


def _leaf(m, v, leaves):
    if isinstance(v, np.ndarray) and v.dtype.kind == "c":
        t = m.tensor(v, requires_grad=True)
        leaves.append(t)
        return t
    if isinstance(v, np.ndarray):
        return m.tensor(v)
    if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
        return [_leaf(m, x, leaves) for x in v]
    return v


def _run(m, op, args, kwargs):
    leaves = []
    a = [_leaf(m, v, leaves) for v in args]
    k = {n: _leaf(m, v, leaves) for n, v in kwargs.items()}
    out = op.fn(m, *a, **k)
    return (tuple(out) if isinstance(out, (tuple, list)) else (out,)), leaves


def _differentiable(outs):
    return [o for o in outs if getattr(o, "requires_grad", False)]


@pytest.mark.parametrize("op, i", CASES)
def test_complex_gradients_match_torch(op, i):
    if op.name in NOT_VALID_COMPLEX:
        pytest.skip(NOT_VALID_COMPLEX[op.name])
    sample = op.samples()[i]
    rng = np.random.default_rng(zlib.crc32(f"{op.name}-{i}".encode()))
    args = _complexify(sample.args, rng)
    kwargs = dict(zip(sample.kwargs, _complexify(list(sample.kwargs.values()), rng)))
    if not any(isinstance(a, np.ndarray) and a.dtype.kind == "c" for a in
               args + list(kwargs.values())):
        pytest.skip("no float tensor input to make complex")
    try:
        t_outs, t_leaves = _run(torch, op, args, kwargs)
        t_diff = _differentiable(t_outs)
        ups = [rng.standard_normal(o.shape) + (1j * rng.standard_normal(o.shape)
               if o.is_complex() else 0) for o in t_diff]
        if not t_diff:
            pytest.skip("torch's output does not require grad")
        t_grads = torch.autograd.grad(t_diff, t_leaves, [torch.tensor(u) for u in ups],
                                      allow_unused=True)
    except (RuntimeError, TypeError, ValueError, NotImplementedError, IndexError,
            AssertionError) as e:
        pytest.skip(f"torch refuses complex input: {type(e).__name__}: {str(e)[:80]}")
    try:
        c_outs, c_leaves = _run(chainrule, op, args, kwargs)
    except NotImplementedError as e:  # computed for real inputs only (docs/differences.md)
        assert "supports real (float32/float64) inputs only so far" in str(e) or (
            "not implemented for 'Complex" in str(e)), str(e)
        return
    c_diff = _differentiable(c_outs)
    assert len(c_diff) == len(t_diff)
    for c, t in zip(c_diff, t_diff):
        assert str(c.dtype) == str(t.dtype)
        np.testing.assert_allclose(c.detach().resolve_conj().numpy(),
                                   t.detach().resolve_conj().numpy(), rtol=1e-6,
                                   atol=1e-8, err_msg="forward")
    try:
        c_grads = chainrule.autograd.grad(c_diff, c_leaves,
                                          [chainrule.tensor(u) for u in ups], allow_unused=True)
    except NotImplementedError as e:
        # Ops whose rules hold for real numbers only refuse (holomorphic=None): those are
        # listed in docs/differences.md, and nothing else may refuse.
        assert "for complex inputs is not implemented" in str(e)
        assert any(f"derivative of {name} " in str(e) for name in COMPLEX_UNSUPPORTED), str(e)
        return
    for k, (c, t) in enumerate(zip(c_grads, t_grads)):
        if t is None:
            assert c is None or not np.any(c.numpy()), f"grad {k}: torch has none"
            continue
        assert c is not None, f"grad {k}: chainrule has none"
        np.testing.assert_allclose(c.resolve_conj().numpy(), t.resolve_conj().numpy(),
                                   rtol=1e-6, atol=1e-8,
                                   err_msg=f"gradient of input {k}")


_SECOND_ORDER = {
    "renorm_p1.5_dim1": lambda m, x: m.renorm(x, 1.5, 1, 1.0),
    "renorm_p2_dim0": lambda m, x: m.renorm(x, 2, 0, 0.5),
    "renorm_inf": lambda m, x: m.renorm(x, float("inf"), 0, 1.0),
    "vector_norm_p1": lambda m, x: m.linalg.vector_norm(x, 1, 1),
    "vector_norm_p3": lambda m, x: m.linalg.vector_norm(x, 3, 0),
    "logcumsumexp": lambda m, x: m.logcumsumexp(x, 1),
    "logcumsumexp_dim0": lambda m, x: m.logcumsumexp(x, 0),
    "rms_norm": lambda m, x: m.nn.functional.rms_norm(x, (4,)),
    "lu_factor": lambda m, x: m.linalg.lu_factor(x[:, :3])[0],
    "lu_factor_ex_wide": lambda m, x: m.linalg.lu_factor_ex(x)[0],
}


@pytest.mark.parametrize("name", list(_SECOND_ORDER))
def test_complex_first_and_second_derivatives_match_torch(name):
    """Complex ops whose rules are written in torch's convention (renorm, the norms'
    backward under create_graph, logcumsumexp) or that take complex input (lu_factor,
    rms_norm): values, gradients, second derivatives and forward-mode tangents as torch's."""
    fn = _SECOND_ORDER[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    t = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    shape = tuple(fn(torch, torch.tensor(z)).shape)
    complex_out = fn(torch, torch.tensor(z)).is_complex()
    u = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_out else 0)
    results = []
    for m in (torch, chainrule):
        x = m.tensor(z, requires_grad=True)
        y = fn(m, x)
        g, = m.autograd.grad(y, x, m.tensor(u), create_graph=True)
        gg, = m.autograd.grad((g * m.tensor(t).conj()).real.sum(), x)
        tangent = m.func.jvp(lambda a, m=m: fn(m, a), (x.detach(),), (m.tensor(t),))[1]
        results.append([v.detach().resolve_conj().numpy() for v in (y, g, gg, tangent)])
    for what, a, b in zip(("value", "gradient", "second derivative", "tangent"), *results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=what)


_REFUSALS = {
    "silu_requires_grad": lambda m: m.nn.functional.silu(
        m.ones(3, dtype=m.complex128, requires_grad=True)),
    "scatter_reduce_sum_requires_grad": lambda m: m.zeros(3, dtype=m.complex128).scatter_reduce(
        0, m.tensor([0, 1, 0]), m.ones(3, dtype=m.complex128, requires_grad=True), "sum"),
    "scatter_reduce_amax": lambda m: m.zeros(3, dtype=m.complex128).scatter_reduce(
        0, m.tensor([0, 1, 0]), m.ones(3, dtype=m.complex128), "amax"),
    "scatter_reduce_min_alias": lambda m: m.zeros(3, dtype=m.complex128).scatter_reduce(
        0, m.tensor([0, 1, 0]), m.ones(3, dtype=m.complex128), "min"),
    "index_reduce_prod": lambda m: m.zeros(3, dtype=m.complex128).index_reduce(
        0, m.tensor([0, 1, 0]), m.ones(3, dtype=m.complex128), "prod"),
}


@pytest.mark.parametrize("name", list(_REFUSALS))
def test_complex_refusals_match_torch(name):
    """Where torch refuses complex numbers (no order for amax; no complex derivative for
    silu and scatter_reduce, refused when the graph would record them), the same error."""
    import warnings
    errors = []
    for m in (torch, chainrule):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:  # noqa: PT011 - compared below
                _REFUSALS[name](m)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[1] == errors[0]


def test_complex_ops_without_grad_still_compute():
    x = chainrule.ones(3, dtype=chainrule.complex128)
    assert chainrule.nn.functional.silu(x).dtype == chainrule.complex128
    with chainrule.no_grad():
        y = chainrule.nn.functional.silu(x.requires_grad_())
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.silu(
        torch.ones(3, dtype=torch.complex128)).numpy())
