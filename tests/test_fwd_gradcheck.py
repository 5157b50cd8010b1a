"""gradcheck / gradgradcheck perform every check their flags ask for: a custom Function
that is wrong in one way fails the check for that way, in chainrule as in torch."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _functions(m):
    class Good(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos()

        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return t * x.cos()

    class WrongBackward(Good):
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos() * 1.5

    class WrongJvp(Good):
        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return t * x.sin()

    class IgnoresGrad(m.autograd.Function):  # right for a one-hot grad, not for zeros
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return m.ones_like(g) * 2

    class Noisy(Good):  # a backward that differs between runs by about 1e-9
        calls = [0]

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            Noisy.calls[0] += 1
            return g * x.cos() + 1e-9 * Noisy.calls[0]

    class ItemInBackward(Good):  # not vmappable: reads a number out of the gradient
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos() * (g.sum().item() * 0 + 1)

    class ItemInJvp(Good):
        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return t * x.cos() * (t.sum().item() * 0 + 1)
    return {c.__name__: c for c in (Good, WrongBackward, WrongJvp, IgnoresGrad, Noisy,
                                    ItemInBackward, ItemInJvp)}


CASES = [
    ("Good", {}),
    ("Good", {"check_forward_ad": True, "check_batched_grad": True,
              "check_batched_forward_grad": True}),
    ("Good", {"fast_mode": True, "check_forward_ad": True}),
    ("WrongBackward", {}),
    ("WrongBackward", {"fast_mode": True}),
    ("WrongBackward", {"check_backward_ad": False, "check_forward_ad": True}),
    ("WrongJvp", {}),
    ("WrongJvp", {"check_forward_ad": True}),
    ("IgnoresGrad", {}),
    ("IgnoresGrad", {"check_undefined_grad": False}),
    ("Noisy", {}),
    ("Noisy", {"nondet_tol": 1e-6}),
    ("ItemInBackward", {}),
    ("ItemInBackward", {"check_batched_grad": True}),
    ("ItemInJvp", {"check_forward_ad": True}),
    ("ItemInJvp", {"check_forward_ad": True, "check_batched_forward_grad": True}),
    ("Good", {"masked": True}),
]


def _run(m, name, kwargs, shape):
    fn = _functions(m)[name]
    x = m.tensor(np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape),
                 dtype=m.float64, requires_grad=True)
    try:
        return m.autograd.gradcheck(fn.apply, (x,), **kwargs), None
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return None, e


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{'-'.join(k) or 'default'}" for n, k in CASES])
def test_gradcheck_flags_match_torch(name, kwargs):
    shape = (1,) if name == "IgnoresGrad" else (3,)
    mine, my_err = _run(chainrule, name, kwargs, shape)
    theirs, their_err = _run(torch, name, kwargs, shape)
    if their_err is None:
        assert my_err is None, f"chainrule fails where torch passes: {my_err!r}"
        assert mine is theirs
        return
    assert my_err is not None, f"torch fails ({their_err!r}), chainrule passes"
    assert type(my_err).__name__ == type(their_err).__name__
    first = str(their_err).split("\n")[0][:40]
    assert str(my_err).startswith(first), (str(my_err)[:200], str(their_err)[:200])


def test_raise_exception_false_returns_false():
    for m in (chainrule, torch):
        fn = _functions(m)["WrongBackward"]
        x = m.tensor([0.3, 0.6], dtype=m.float64, requires_grad=True)
        assert m.autograd.gradcheck(fn.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_batched_and_fwd_over_rev():
    for m in (chainrule, torch):
        x = m.tensor([0.3, 0.6, 1.2], dtype=m.float64, requires_grad=True)
        assert m.autograd.gradgradcheck(lambda t: (t.sin() * t).tanh(), (x,),
                                        check_batched_grad=True, check_fwd_over_rev=True)


def _complex_functions(m):
    class Sin(m.autograd.Function):  # holomorphic: grad = g * conj(f'(z))
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos().conj()

        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return t * x.cos()

    class SinForgetsConj(Sin):
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos()

    class SinJvpConj(Sin):
        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return t * x.cos().conj()

    class Abs(m.autograd.Function):  # C -> R: grad = g * z / |z|
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.abs()

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x / x.abs()

    class AbsConjugated(Abs):
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.conj() / x.abs()
    return {c.__name__: c for c in (Sin, SinForgetsConj, SinJvpConj, Abs, AbsConjugated)}


COMPLEX_CASES = [(n, k) for n in ("Sin", "SinForgetsConj", "Abs", "AbsConjugated")
                 for k in ({}, {"fast_mode": True})] + [
    ("Sin", {"check_forward_ad": True}), ("SinJvpConj", {"check_forward_ad": True}),
    ("SinJvpConj", {"check_forward_ad": True, "fast_mode": True}),
    ("SinForgetsConj", {"check_backward_ad": False, "check_forward_ad": True})]


@pytest.mark.parametrize("name,kwargs", COMPLEX_CASES,
                         ids=[f"{n}-{'-'.join(k) or 'default'}" for n, k in COMPLEX_CASES])
def test_gradcheck_of_complex_functions_matches_torch(name, kwargs):
    """Complex inputs and outputs: the conjugate Wirtinger derivative (ds/dx + i ds/dy),
    complex outputs checked by their real and imaginary parts, forward mode along both
    axes; a rule missing a conjugate fails, as in torch."""
    outcomes = []
    for m in (torch, chainrule):
        fn = _complex_functions(m)[name]
        x = m.tensor([0.3 + 0.4j, -1.1 + 0.2j, 0.5 - 0.9j], requires_grad=True)
        try:
            outcomes.append((m.autograd.gradcheck(fn.apply, (x,), **kwargs), None))
        except Exception as e:  # noqa: BLE001 - the class and first words are compared
            outcomes.append((None, e))
    (theirs, their_err), (mine, my_err) = outcomes
    if their_err is None:
        assert my_err is None, f"chainrule fails where torch passes: {my_err!r}"
        assert mine is theirs
        return
    assert my_err is not None, f"torch fails ({their_err!r}), chainrule passes"
    assert type(my_err).__name__ == type(their_err).__name__
    first = str(their_err).split("\n")[0][:60]
    assert str(my_err).startswith(first), (str(my_err)[:200], str(their_err)[:200])
