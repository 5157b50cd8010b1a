"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode — context managers,
decorators, nesting, threads; checked against torch."""
import threading

import pytest

import chainrule as cr


@pytest.mark.parametrize("lib_name", ["torch", "chainrule"])
def test_no_grad_stops_recording(lib_name, torch):
    lib = torch if lib_name == "torch" else cr
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        y = x * 2
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None


def test_enable_grad_inside_no_grad(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            with lib.enable_grad():
                y = x * 2
            z = x * 2
        assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled_as_call_and_context(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        lib.set_grad_enabled(False)
        assert (x * 2).grad_fn is None
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                assert lib.is_grad_enabled()
            assert not lib.is_grad_enabled()


def test_decorators_and_generators(torch):
    for lib in (torch, cr):
        @lib.no_grad()
        def double(t):
            return t * 2

        @lib.no_grad()
        def gen(t):
            yield t * 2
            yield lib.is_grad_enabled()

        x = lib.ones(2, requires_grad=True)
        assert double(x).requires_grad is False
        g = gen(x)
        assert next(g).requires_grad is False
        assert lib.is_grad_enabled()  # the generator's mode does not leak between yields
        assert next(g) is False


def test_nesting_restores_after_exception(torch):
    for lib in (torch, cr):
        with pytest.raises(ValueError):
            with lib.no_grad():
                raise ValueError
        assert lib.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    with cr.no_grad():
        def worker():
            seen["worker"] = cr.is_grad_enabled()
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        seen["main"] = cr.is_grad_enabled()
    assert seen == {"worker": True, "main": False}


def test_inference_mode_tensors(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            t = lib.ones(2)
            y = x * 2
            assert lib.is_inference_mode_enabled() if lib is cr else True
        assert t.is_inference() and y.requires_grad is False
        with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor "
                                               "outside InferenceMode is not allowed"):
            t.requires_grad_()
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            t * x
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside "
                                               "InferenceMode is not allowed"):
            t.add_(1)


def test_inference_mode_decorator(torch):
    for lib in (torch, cr):
        @lib.inference_mode()
        def f(t):
            return t * 2
        assert f(lib.ones(2, requires_grad=True)).requires_grad is False


def test_seed_idiom_weight_update_under_no_grad(torch):
    results = []
    for lib in (torch, cr):
        w = lib.tensor([[1.0], [2.0]], requires_grad=True)
        x = lib.tensor([[3.0, 4.0]])
        loss = 1 - (x @ w)
        loss.backward()
        with lib.no_grad():
            w = w - 0.001 * w.grad.data
        results.append((w.tolist(), w.requires_grad, w.grad_fn))
    assert results[1] == results[0]


def test_inference_tensor_errors_only_when_saved(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            t = lib.ones(2)
        assert (t + x).grad_fn.name() == "AddBackward0"
        assert (lib.sin(t) * x).grad_fn.name() == "MulBackward0"
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            t * x


def test_bare_decorators_and_repr(torch):
    for lib in (torch, cr):
        @lib.no_grad
        def f(x):
            return x * 2

        @lib.enable_grad
        def g(x):
            return x * 2

        @lib.inference_mode
        def h(x):
            return x * 2
        x = lib.ones(1, requires_grad=True)
        assert f(x).requires_grad is False
        with lib.no_grad():
            assert g(x).requires_grad is True
        assert h(lib.ones(1)).is_inference()
    assert repr(cr.set_grad_enabled(False)) == repr(torch.set_grad_enabled(False))
    cr.set_grad_enabled(True)
    torch.set_grad_enabled(True)
