"""In-place ops: version counters shared by views, torch's errors for modified saved
tensors and leaves, and the no_grad update idiom."""
import numpy as np
import pytest

import chainrule as cr


def test_modified_saved_input_raises_at_backward(torch):
    for lib in (torch, cr):
        a = lib.randn(3, requires_grad=True)
        b = a * 1
        c = b.sin()
        b.mul_(2)
        with pytest.raises(RuntimeError, match=r"one of the variables needed for gradient "
                                               r"computation has been modified by an inplace "
                                               r"operation: \[torch.FloatTensor \[3\]\], which is "
                                               r"output 0 of Mul, is at version 1; expected "
                                               r"version 0 instead"):
            c.sum().backward()


def test_modified_saved_output_raises(torch):
    for lib in (torch, cr):
        a = lib.randn(3, requires_grad=True)
        e = (a * 2).exp()
        e.add_(1)
        with pytest.raises(RuntimeError, match=r"which is output 0 of Exp, is at version 1"):
            e.sum().backward()


def test_modified_saved_leaf_raises_without_which_clause(torch):
    for lib in (torch, cr):
        w = lib.randn(3, requires_grad=True)
        f = w.sin()
        with lib.no_grad():
            w.mul_(2)
        with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\] is at version 1; "
                                               r"expected version 0 instead"):
            f.sum().backward()


def test_inplace_on_unsaved_tensor_is_fine(torch):
    out = []
    for lib in (torch, cr):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = a.sin()
        c.add_(1)
        c.sum().backward()
        out.append((a.grad.numpy(), c.grad_fn.name()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-6)
    assert out[1][1] == out[0][1] == "AddBackward0"


def test_leaf_requiring_grad_refuses_inplace_before_touching_data(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                               "in an in-place operation."):
            x.add_(1)
        assert x.tolist() == [1.0, 2.0] and x._version == 0
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            x[0] = 5.0
        assert x.tolist() == [1.0, 2.0]


def test_no_grad_update_idiom(torch):
    res = []
    for lib in (torch, cr):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
        res.append((w.tolist(), w.requires_grad, w.is_leaf, w._version))
        w.grad.zero_()
        assert w.grad.tolist() == [0.0, 0.0]
    assert res[1] == res[0]


def test_views_share_the_version_counter(torch):
    for lib in (torch, cr):
        base = lib.zeros(4)
        view = base[1:3]
        view.add_(1)
        assert base._version == view._version == 1
        base.mul_(2)
        assert view._version == 2
        assert base.tolist() == [0.0, 2.0, 2.0, 0.0]


def test_setitem_records_copy_slices(torch):
    out = []
    for lib in (torch, cr):
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        v = lib.tensor([7.0, 8.0, 9.0], requires_grad=True)
        y = x * 2
        y[0] = v
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        (y * y).sum().backward()
        out.append((x.grad.numpy(), v.grad.numpy(), y.tolist()))
    for mine, ref in zip(out[1], out[0]):
        np.testing.assert_allclose(mine, ref)


def test_setitem_into_plain_buffer_from_graph(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        buf = lib.zeros(3)
        buf[1] = x[0] * 3
        buf.sum().backward()
        out.append(x.grad.tolist())
    assert out[1] == out[0]


def test_inplace_on_view_of_nonleaf_propagates(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y[:2].mul_(10)
        (y * y).sum().backward()
        out.append((y.tolist(), x.grad.tolist()))
    assert out[1] == out[0]


def test_inplace_dtype_and_shape_errors(torch):
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            lib.ones(3, dtype=lib.long).add_(1.5)
        with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the "
                                               r"broadcast shape \[2, 3\]"):
            lib.ones(3).add_(lib.ones(2, 3))


def test_fill_zero_copy_clamp(torch):
    out = []
    for lib in (torch, cr):
        t = lib.tensor([-2.0, 0.5, 3.0])
        t.clamp_(-1, 1)
        a = t.tolist()
        t.fill_(4)
        b = t.tolist()
        t.copy_(lib.tensor([1, 2, 3]))
        c = t.tolist()
        t.zero_()
        out.append((a, b, c, t.tolist(), t._version))
    assert out[1] == out[0]


def test_copy_into_graph_gives_source_the_gradient(torch):
    out = []
    for lib in (torch, cr):
        src = lib.tensor([1.0, 2.0], requires_grad=True)
        dst = lib.zeros(3, 2)
        dst.copy_(src)
        (dst * 2).sum().backward()
        out.append((src.grad.tolist(), dst.grad_fn.name()))
    assert out[1] == out[0]


def test_augmented_assignment_keeps_identity(torch):
    for lib in (torch, cr):
        t = lib.ones(2)
        before = id(t)
        t += 1
        t *= 3
        t /= 2
        t -= 1
        assert id(t) == before and t.tolist() == [2.0, 2.0]
