"""torch.autograd's engine flags and the torch.overrides helpers it re-exports, against
torch: set_multithreading_enabled / enforce_grad_layout_policy as calls and contexts,
is_view_replay_enabled, has_torch_function, is_tensor_like, handle_torch_function."""
import pytest

import chainrule

torch = pytest.importorskip("torch")


def test_multithreading_flag_as_torch():
    for m in (torch, chainrule):
        A = m.autograd
        assert A.is_multithreading_enabled() is True
        with A.set_multithreading_enabled(False):
            assert A.is_multithreading_enabled() is False
        assert A.is_multithreading_enabled() is True
        A.set_multithreading_enabled(False)
        assert A.is_multithreading_enabled() is False
        A.set_multithreading_enabled(True)
        assert A.is_view_replay_enabled() is False
        with A.enforce_grad_layout_policy(False):
            p = m.ones(2, 3, requires_grad=True)
            (p * 2).sum().backward()
        assert p.grad.tolist() == [[2.0] * 3] * 2


class _Duck:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return NotImplemented


class _Answer(_Duck):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return ("handled", len(args))


def test_overrides_helpers_as_torch():
    for m in (torch, chainrule):
        ov = m.overrides
        assert ov.has_torch_function((m.ones(1), 1)) is False
        assert ov.has_torch_function((_Duck(),)) is True
        assert ov.has_torch_function_unary(_Duck()) and ov.has_torch_function_variadic(1, _Duck())
        assert ov.is_tensor_like(_Duck()) and ov.is_tensor_like(m.ones(1))
        assert not ov.is_tensor_like(1)
        assert m.autograd.is_tensor_like(m.ones(1))
        assert ov.handle_torch_function(m.add, (_Duck(), _Answer()), _Duck(), 1) == ("handled", 2)
    errors = []
    for m in (torch, chainrule):
        with pytest.raises(TypeError) as info:
            m.overrides.handle_torch_function(m.add, (_Duck(),), _Duck(), 1)
        errors.append(str(info.value).replace("chainrule", "torch"))
    assert errors[1] == errors[0]
