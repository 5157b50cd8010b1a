"""autograd.detect_anomaly / set_detect_anomaly against torch."""
import warnings

import pytest

import chainrule


@pytest.fixture(autouse=True)
def _anomaly_off():
    yield
    chainrule.autograd.set_detect_anomaly(False)


def _nan_error(lib, make):
    x = lib.tensor([1.0, 0.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always", UserWarning)
        with lib.autograd.detect_anomaly():
            y = make(x)
            with pytest.raises(RuntimeError) as err:
                y.backward()
    texts = [str(m.message) for m in w if issubclass(m.category, UserWarning)]
    return str(err.value), texts


@pytest.mark.parametrize("make", [lambda x: (x.sqrt() * 0).sum(), lambda x: (x / x).sum()],
                         ids=["sqrt", "div"])
def test_nan_in_backward_raises_torch_error(torch, make):
    ours, our_warns = _nan_error(chainrule, make)
    theirs, their_warns = _nan_error(torch, make)
    assert ours == theirs
    assert our_warns[0] == their_warns[0]  # "Anomaly Detection has been enabled. ..."
    assert our_warns[1].split("\n")[:3] == their_warns[1].split("\n")[:3]


def test_failing_backward_warns_with_forward_traceback(torch):
    results = []
    for lib in (chainrule, torch):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                raise ValueError("boom")

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always", UserWarning)
            with lib.autograd.detect_anomaly():
                y = Bad.apply(x.sin()).sum()
                assert "traceback_" in y.grad_fn.metadata
                assert "traceback_" in y.grad_fn.next_functions[0][0].metadata
                with pytest.raises(ValueError, match="boom"):
                    y.backward()
        msg = str(w[-1].message)
        results.append(msg.split("\n")[:3])
    assert results[0] == results[1]
    assert results[0][0] == "Error detected in BadBackward. Traceback of forward call that " \
                            "caused the error:"


def test_state_functions_match_torch(torch):
    for lib in (chainrule, torch):
        assert (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()) == (False, True)
        with lib.autograd.set_detect_anomaly(True, check_nan=False):
            assert (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()) == (True,
                                                                                      False)
        assert (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()) == (False, True)
        lib.autograd.set_detect_anomaly(True)
        assert lib.is_anomaly_enabled()
        lib.autograd.set_detect_anomaly(False)
        assert not lib.is_anomaly_enabled()


def test_check_nan_false_lets_nan_through(torch):
    out = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 0.0], requires_grad=True)
        with lib.autograd.set_detect_anomaly(True, check_nan=False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                (x / x).sum().backward()
        out.append(str(x.grad))
    assert out[0] == out[1]


def test_no_traceback_recorded_when_off():
    x = chainrule.ones(2, requires_grad=True)
    y = x.exp()
    assert "traceback_" not in y.grad_fn.metadata
