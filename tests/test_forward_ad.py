"""Forward-mode AD (chainrule.autograd.forward_ad) against torch: dual levels, make_dual /
unpack_dual and their errors, printing, views and in-place ops on duals, custom Function
``jvp``, reverse mode through tangents, gradcheck(check_forward_ad=True). The op-by-op
JVPs are checked over the whole op table in tests/test_forward_ad_ops.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402


def _fw(m):
    return m.autograd.forward_ad


def _same_text(scenario):
    """Run ``scenario(m)`` (a list of things to print) with both libraries: same text."""
    t_out = [str(x) for x in scenario(torch)]
    c_out = [str(x).replace("chainrule.", "torch.") for x in scenario(chainrule)]
    assert c_out == t_out


def _raises_same(call):
    with pytest.raises(Exception) as t_exc:
        call(torch)
    with pytest.raises(type(t_exc.value)) as c_exc:
        call(chainrule)
    assert str(c_exc.value) == str(t_exc.value)


# ---------------------------------------------------------------------------- levels
def test_make_dual_unpack_dual_and_printing():
    def scenario(m):
        fw = _fw(m)
        out = []
        with fw.dual_level() as level:
            out.append(level)
            p = m.ones(2, requires_grad=True)
            x = fw.make_dual(p, m.tensor([1.0, 2.0]))
            out += [x, x.sin(), fw.unpack_dual(x), fw.unpack_dual(m.ones(2))]
            out.append(fw.unpack_dual(x).primal._base is p)
            out.append(fw.unpack_dual(fw.unpack_dual(x).primal).tangent)
            out.append(fw.unpack_dual(x.detach()).tangent)
            out.append(type(fw.unpack_dual(x)).__name__)
            out.append(fw.unpack_dual(x)._fields)
            out.append(fw.unpack_dual(x.argmax()).tangent)
            y = x * 3
        out.append(fw.unpack_dual(y))  # tangents are gone after the level
        out.append(y)
        return out
    _same_text(scenario)


def test_tangent_is_kept_as_is():
    for m in (torch, chainrule):
        fw = _fw(m)
        t = m.ones(2)
        with fw.dual_level():
            assert fw.unpack_dual(fw.make_dual(m.zeros(2), t)).tangent is t


def test_level_errors():
    def outside(m):
        _fw(m).make_dual(m.ones(2), m.ones(2))

    def shape(m):
        with _fw(m).dual_level():
            _fw(m).make_dual(m.ones(2), m.ones(3))

    def int_primal(m):
        with _fw(m).dual_level():
            _fw(m).make_dual(m.ones(2, dtype=m.long), m.ones(2))

    def int_tangent(m):
        with _fw(m).dual_level():
            _fw(m).make_dual(m.ones(2), m.ones(2, dtype=m.long))

    def twice(m):
        with _fw(m).dual_level():
            x = _fw(m).make_dual(m.ones(2), m.ones(2))
            _fw(m).make_dual(x, m.ones(2))

    def nested(m):
        with _fw(m).dual_level():
            with _fw(m).dual_level():
                pass

    def bad_level(m):
        with _fw(m).dual_level():
            _fw(m).make_dual(m.ones(2), m.ones(2), level=5)

    def exit_other(m):
        fw = _fw(m)
        fw.enter_dual_level()
        try:
            fw.exit_dual_level(level=3)
        finally:
            fw.exit_dual_level()

    for call in (outside, shape, int_primal, int_tangent, twice, nested, bad_level,
                 exit_other):
        _raises_same(call)


def test_enter_exit_functions_and_decorator():
    fw = _fw(chainrule)
    assert fw.enter_dual_level() == 0
    x = fw.make_dual(chainrule.ones(2), chainrule.ones(2))
    fw.exit_dual_level()
    assert fw.unpack_dual(x).tangent is None

    @fw.dual_level()
    def f():
        d = fw.make_dual(chainrule.ones(2), chainrule.full((2,), 2.0))
        return fw.unpack_dual(d.exp()).tangent
    np.testing.assert_allclose(f().numpy(), 2 * np.e * np.ones(2), rtol=1e-6)


# ---------------------------------------------------------------------------- views, in place
def test_views_and_inplace_ops_carry_tangents():
    def scenario(m):
        fw = _fw(m)
        out = []
        with fw.dual_level():
            x = fw.make_dual(m.ones(2), m.ones(2))
            z = m.zeros(3)
            z[:2].copy_(x)                     # a view of a plain tensor written with a dual
            out += [fw.unpack_dual(z), fw.unpack_dual(z[2])]
            u = fw.make_dual(m.ones(3), m.arange(3.0))
            view = u[1:]
            u.mul_(2)                          # the view's tangent follows its base's
            out.append(fw.unpack_dual(view))
            w = m.zeros(3)
            tail = w[1:]
            w[0] = u[0]
            out += [fw.unpack_dual(tail), fw.unpack_dual(w)]
            y = m.ones(2)
            y.mul_(x)
            out.append(fw.unpack_dual(y))
            a = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 0.0, 2.0]))
            a += 1
            a.exp_()
            out.append(fw.unpack_dual(a))
            b = m.zeros(2, 3)
            b[:, 1] = a[:2]
            out.append(fw.unpack_dual(b.t()))
            c = fw.make_dual(m.ones(2, 3), m.arange(6.0).reshape(2, 3))
            c.t_()
            c.unsqueeze_(0)
            out.append(fw.unpack_dual(c))
            out.append(fw.unpack_dual(c.reshape(-1)[::2]))
        return out
    _same_text(scenario)


# ---------------------------------------------------------------------------- custom Function
def _functions(m):
    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_forward(x, y)
            ctx.saw_tangent = m.autograd.forward_ad.unpack_dual(x).tangent
            return x * y * k

        @staticmethod
        def jvp(ctx, gx, gy, gk):
            x, y = ctx.saved_tensors
            return gx * y * 2 + gy * x * 2

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, foo):
            result = m.exp(foo)
            ctx.result = result
            return result

        @staticmethod
        def jvp(ctx, g):
            return g * ctx.result

    class NoJvp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    return Scale, Exp, NoJvp


def test_custom_function_jvp():
    def scenario(m):
        fw = _fw(m)
        Scale, Exp, _ = _functions(m)
        with fw.dual_level():
            x = fw.make_dual(m.ones(2), m.tensor([1.0, -1.0]))
            y = m.full((2,), 3.0)
            return [Scale.apply(x, y, 2), Exp.apply(x), Scale.apply(m.ones(2), y, 2),
                    Scale.apply(x, fw.make_dual(y, m.ones(2)), 2)]
    _same_text(scenario)


def test_custom_function_without_jvp_raises():
    def call(m):
        fw = _fw(m)
        with fw.dual_level():
            _functions(m)[2].apply(fw.make_dual(m.ones(2), m.ones(2)))
    _raises_same(call)


# ---------------------------------------------------------------------------- reverse over forward
def test_tangents_are_differentiable():
    results = []
    for m in (torch, chainrule):
        fw = _fw(m)
        p = m.tensor([0.5, 1.0, 2.0], dtype=m.float64, requires_grad=True)
        t = m.tensor([1.0, -2.0, 0.5], dtype=m.float64, requires_grad=True)
        with fw.dual_level():
            out = (fw.make_dual(p, t).sin() * 3).tanh().sum()
            tangent = fw.unpack_dual(out).tangent
            assert tangent.requires_grad
            gp, gt = m.autograd.grad(tangent, (p, t))
        results.append((tangent.detach().numpy(), gp.numpy(), gt.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12)


def test_no_forward_ad_rule_raises_torch_error():
    x = chainrule.randn(3, 4, dtype=chainrule.float64)
    target = chainrule.tensor([0, 1, 3])
    fw = _fw(chainrule)
    with fw.dual_level():
        dual = fw.make_dual(x, chainrule.ones_like(x))
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with "
                                                      "multi_margin_loss"):
            chainrule.nn.functional.multi_margin_loss(dual, target)


# ---------------------------------------------------------------------------- gradcheck
def test_gradcheck_forward_ad():
    from chainrule.autograd import gradcheck, gradgradcheck
    x = chainrule.rand(3, dtype=chainrule.float64, requires_grad=True)
    w = chainrule.rand(2, 3, dtype=chainrule.float64, requires_grad=True)

    def f(x, w):
        return (w @ x.sin()).tanh()
    assert gradcheck(f, (x, w), check_forward_ad=True)
    assert gradcheck(f, (x, w), check_forward_ad=True, check_backward_ad=False)
    assert gradgradcheck(f, (x, w), check_fwd_over_rev=True)
    Scale, Exp, _ = _functions(chainrule)
    assert gradcheck(Exp.apply, (x,), check_forward_ad=True, check_backward_ad=False)

    class WrongJvp(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 3
    with pytest.raises(chainrule.autograd.gradcheck.__globals__["GradcheckError"],
                       match="Jacobian computed with forward mode mismatch"):
        gradcheck(WrongJvp.apply, (x,), check_forward_ad=True)


def test_tangent_dtype_follows_torch():
    def scenario(m):
        fw = _fw(m)
        with fw.dual_level():
            x = fw.make_dual(m.ones(2), m.ones(2, dtype=m.float64))
            return [fw.unpack_dual(y).tangent.dtype
                    for y in (x.sin(), x * 2, x[0], x.exp(), m.ones(2) + x)]
    _same_text(scenario)
