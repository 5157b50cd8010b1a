"""Custom autograd.Function against torch: names, gradients, saved tensors, errors."""
import numpy as np
import pytest

import chainrule as cr


def _make_cube(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.k, None
    return Cube


def test_custom_function_gradients_and_names(torch):
    out = []
    for lib in (torch, cr):
        Cube = _make_cube(lib)
        x = lib.tensor([2.0, -1.0, 0.5], requires_grad=True)
        y = Cube.apply(x, 2.0)
        names = (y.grad_fn.name(), [(n.name() if n else None, i)
                                    for n, i in y.grad_fn.next_functions])
        y.sum().backward()
        out.append((names, x.grad.numpy(), y.detach().numpy()))
    assert out[1][0] == out[0][0]
    np.testing.assert_allclose(out[1][1], out[0][1])
    np.testing.assert_allclose(out[1][2], out[0][2])


def test_custom_function_double_backward(torch):
    out = []
    for lib in (torch, cr):
        Cube = _make_cube(lib)
        x = lib.tensor([2.0, -1.0], requires_grad=True)
        (g,) = lib.autograd.grad(Cube.apply(x, 1.0).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        out.append(gg.numpy())
    np.testing.assert_allclose(out[1], out[0])


def test_saved_tensors_freed_after_backward(torch):
    for lib in (torch, cr):
        Cube = _make_cube(lib)
        x = lib.tensor([2.0], requires_grad=True)
        y = Cube.apply(x, 1.0).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                               "time"):
            y.backward()


def test_saved_tensor_modified_in_place(torch):
    for lib in (torch, cr):
        Cube = _make_cube(lib)
        x = lib.tensor([2.0], requires_grad=True)
        h = x * 1
        y = Cube.apply(h, 1.0)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_wrong_number_of_gradients(torch):
    for lib in (torch, cr):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g
        a = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect "
                                               r"number of gradients \(expected 2, got 1\)"):
            Bad.apply(a, lib.ones(2)).sum().backward()


def test_setup_context_style_and_needs_input_grad(torch):
    seen = []
    for lib in (torch, cr):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(a, b):
                return a * b

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)

            @staticmethod
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                seen.append(ctx.needs_input_grad)
                return g * b, g * a
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])
        Mul.apply(a, b).sum().backward()
        assert a.grad.tolist() == [3.0, 4.0]
    assert seen[0] == seen[1] == (True, False)


def test_function_without_grad_inputs_records_nothing(torch):
    for lib in (torch, cr):
        Cube = _make_cube(lib)
        y = Cube.apply(lib.ones(2), 1.0)
        assert y.grad_fn is None and not y.requires_grad


def test_saved_output_needs_no_garbage_collector(torch):
    import gc
    import weakref

    for lib in (torch, cr):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = Exp.apply(x)
        y.sum().backward(retain_graph=True)
        np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)
        if lib is cr:
            gc.disable()
            try:
                ref = weakref.ref(y.grad_fn)
                del y
                assert ref() is None  # freed by reference counting alone
            finally:
                gc.enable()
