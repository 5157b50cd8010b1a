"""Behaviours fixed while merging the catalogue branches, each checked against torch."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _outcome(m, fn):
    try:
        out = fn(m)
    except Exception as exc:  # noqa: BLE001 - the exception type is what we compare
        return type(exc).__name__, str(exc)
    return out.tolist(), str(out.dtype)


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2).add(m.ones(2), alpha=m.tensor(0.5)),
    lambda m: m.ones(2).sub(m.ones(2), alpha=m.tensor(2.0)),
    lambda m: m.ones(2).add(m.ones(2), alpha=m.tensor([0.5])),
    lambda m: m.ones(2).sub(m.ones(2), alpha=m.tensor(0.5, requires_grad=True)),
    lambda m: m.ones(2).add_(m.ones(2), alpha=m.tensor(3.0)),
])
def test_tensor_alpha_is_read_as_a_number(fn):
    assert _outcome(chainrule, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda m: m.result_type(m.tensor([1, 2]), 2.5),
    lambda m: m.result_type(m.tensor([1, 2]), m.tensor(1.0, dtype=m.float64)),
    lambda m: m.result_type(m.tensor([1], dtype=m.int8), m.tensor(300)),
])
def test_result_type(fn):
    assert str(fn(chainrule)) == str(fn(torch))


def test_inverse_is_laid_out_column_major_like_lapack():
    a = np.random.default_rng(0).standard_normal((3, 4, 4)) + 4 * np.eye(4)
    assert chainrule.linalg.inv(chainrule.tensor(a)).stride() == \
        torch.linalg.inv(torch.tensor(a)).stride()


def test_overlapping_unfold_windows_are_refused_not_miscomputed():
    x = chainrule.zeros(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.unfold(1, 2, 1).add_(1)
    assert x.sum().item() == 0
