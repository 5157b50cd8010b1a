"""The PyTorch tutorial "Forward-mode Automatic Differentiation" (forward_ad_usage), run
with ``import chainrule as torch``: its code, with its numbers checked against torch run on
the same inputs. The ``torch.func`` part is skipped while chainrule has no ``func``."""
import numpy as np
import pytest

import chainrule as torch
import chainrule.autograd.forward_ad as fwAD
import chainrule.nn as nn

real_torch = pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy())


def _close(ours, theirs):
    np.testing.assert_allclose(_np(ours), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_basic_usage():
    rng = np.random.default_rng(0)
    primal_np, tangent_np, plain_np = (rng.standard_normal((10, 10)).astype(np.float32)
                                       for _ in range(3))
    primal, tangent = torch.from_numpy(primal_np), torch.from_numpy(tangent_np)

    def fn(x, y):
        return x ** 2 + y ** 2

    # All forward AD computation must be performed in the context of a dual_level context.
    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        # The tangent is kept as is when it has the primal's layout...
        assert fwAD.unpack_dual(dual_input).tangent is tangent
        # ...and copied when it does not.
        dual_input_alt = fwAD.make_dual(primal, tangent.T)
        assert fwAD.unpack_dual(dual_input_alt).tangent is not tangent

        plain_tensor = torch.from_numpy(plain_np)
        dual_output = fn(dual_input, plain_tensor)
        jvp = fwAD.unpack_dual(dual_output).tangent
    # Tangents are destroyed when the level exits.
    assert fwAD.unpack_dual(dual_output).tangent is None

    np.testing.assert_allclose(_np(jvp), 2 * primal_np * tangent_np, rtol=1e-6)
    with real_torch.autograd.forward_ad.dual_level():
        t_out = fn(real_torch.autograd.forward_ad.make_dual(
            real_torch.from_numpy(primal_np), real_torch.from_numpy(tangent_np)),
            real_torch.from_numpy(plain_np))
        _close(jvp, real_torch.autograd.forward_ad.unpack_dual(t_out).tangent)


def _linear_and_tangents():
    torch.manual_seed(0)
    model = nn.Linear(5, 5)
    input = torch.randn(16, 5)
    params = {name: p for name, p in model.named_parameters()}
    tangents = {name: torch.rand_like(p) for name, p in params.items()}
    return model, input, params, tangents


def _expected(input, params, tangents):
    """The JVP of x @ W.T + b in (W, b), by hand."""
    x, t_w, t_b = _np(input), _np(tangents["weight"]), _np(tangents["bias"])
    return x @ t_w.T + t_b


def test_usage_with_modules():
    model, input, params, tangents = _linear_and_tangents()
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p, tangents[name]))
        out = model(input)
        jvp = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(_np(jvp), _expected(input, params, tangents), rtol=1e-5,
                               atol=1e-6)


def test_usage_with_functional_call():
    func = pytest.importorskip("chainrule.func")
    model, input, params, tangents = _linear_and_tangents()
    dual_params = {}
    with fwAD.dual_level():
        for name, p in params.items():
            dual_params[name] = fwAD.make_dual(p, tangents[name])
        out = func.functional_call(model, dual_params, input)
        jvp = fwAD.unpack_dual(out).tangent
    np.testing.assert_allclose(_np(jvp), _expected(input, params, tangents), rtol=1e-5,
                               atol=1e-6)


class Fn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, foo):
        result = torch.exp(foo)
        # Tensors stored in ctx can be used in the subsequent forward grad computation.
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        # If the tensor stored in ctx will not also be used in the backward pass, one can
        # manually free it using del.
        del ctx.result
        return gO


def test_custom_function():
    fn = Fn.apply
    primal = torch.randn(10, 10, dtype=torch.double, requires_grad=True)
    tangent = torch.randn(10, 10)
    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        dual_output = fn(dual_input)
        jvp = fwAD.unpack_dual(dual_output).tangent
    np.testing.assert_allclose(_np(jvp), _np(tangent) * np.exp(_np(primal)), rtol=1e-6)
    # gradcheck checks forward grads with check_forward_ad=True; without a backward
    # formula, skip the checks that need reverse mode.
    assert torch.autograd.gradcheck(Fn.apply, (primal,), check_forward_ad=True,
                                    check_backward_ad=False, check_undefined_grad=False,
                                    check_batched_grad=False)


def test_functional_api():
    func = pytest.importorskip("chainrule.func")
    primal0, tangent0, primal1, tangent1 = (torch.randn(10, 10) for _ in range(4))

    def fn(x, y):
        return x ** 2 + y ** 2

    primal_out, tangent_out = func.jvp(fn, (primal0, primal1), (tangent0, tangent1))
    np.testing.assert_allclose(_np(tangent_out),
                               2 * _np(primal0) * _np(tangent0) + 2 * _np(primal1) *
                               _np(tangent1), rtol=1e-5)
