"""The backward engine: ordering, accumulation, retain_graph, create_graph, inputs=,
hooks, memory — each behaviour checked against torch where torch defines it."""
import gc
import math
import weakref

import numpy as np
import pytest

import chainrule as cr


def _names(node):
    return [(n.name() if n is not None else None, i) for n, i in node.next_functions]


def test_gradients_accumulate_across_backward_calls(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        if lib is torch:
            expected = x.grad.numpy().copy()
        else:
            np.testing.assert_allclose(x.grad.numpy(), expected)


def test_diamond_graph_sums_both_paths(torch):
    results = []
    for lib in (torch, cr):
        x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
        a = x.sin()
        y = a * a + a.exp() * x
        y.sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


def test_million_node_chain_backward_without_recursion():
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y
    gc.collect()


def test_second_backward_raises_torchs_error(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin().sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                               "time"):
            y.backward()


def test_second_backward_through_nodes_without_saved_tensors_is_allowed(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 2).sum()
        y.backward()
        y.backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_retain_graph_allows_second_backward(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        assert x.grad.tolist() == [4.0, 8.0]


def test_non_scalar_backward_needs_gradient(torch):
    for lib in (torch, cr):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                               "outputs"):
            (x * 2).backward()


def test_backward_on_tensor_without_grad_raises(torch):
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and "
                                               "does not have a grad_fn"):
            lib.ones(3).sum().backward()


def test_gradient_shape_mismatch_message(torch):
    for lib in (torch, cr):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape "
                                               r"of torch.Size\(\[4\]\) and output\[0\] has a "
                                               r"shape of torch.Size\(\[3\]\)"):
            (x * 2).backward(lib.ones(4))


def test_backward_with_explicit_gradient(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x ** 2).backward(lib.tensor([0.1, 1.0, 10.0]))
        out.append(x.grad.numpy())
    np.testing.assert_allclose(out[1], out[0])


def test_backward_on_a_leaf_accumulates_the_gradient(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.backward(lib.tensor([3.0, 4.0]))
        assert x.grad.tolist() == [3.0, 4.0]


def test_nonleaf_grad_is_none_with_torchs_warning(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        y.sum().backward()
        with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
            assert y.grad is None


def test_retain_grad_keeps_nonleaf_gradient(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        out.append((y.grad.numpy(), x.grad.numpy(), y.retains_grad))
    np.testing.assert_allclose(out[1][0], out[0][0])
    np.testing.assert_allclose(out[1][1], out[0][1])
    assert out[1][2] is True


def test_autograd_grad_returns_without_accumulating(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        (gx,) = lib.autograd.grad((x * w).sum(), x)
        assert gx.tolist() == [3.0, 4.0]
        assert x.grad is None and w.grad is None


def test_autograd_grad_unused_input(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        unused = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to "
                                               "not have been used in the graph"):
            lib.autograd.grad(x.sum(), [x, unused])
        gx, gu = lib.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
        assert gu is None and gx.tolist() == [2.0, 2.0]
        gx, gu = lib.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
        assert gu.tolist() == [0.0, 0.0]


def test_autograd_grad_input_not_requiring_grad(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not "
                                               "require grad"):
            lib.autograd.grad(x.sum(), [lib.ones(2)])


def test_autograd_grad_wrt_intermediate(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        y = (h * h).sum()
        (gh,) = lib.autograd.grad(y, h)
        out.append(gh.numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-6)


def test_backward_inputs_restricts_accumulation(torch):
    for lib in (torch, cr):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        (a * b * 3).sum().backward(inputs=[a])
        assert a.grad.tolist() == [3.0, 3.0]
        assert b.grad is None


def test_create_graph_second_derivative(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = (x.sin() * x ** 3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        out.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-5)


def test_third_derivative_of_exp_tanh(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor(0.7, requires_grad=True)
        y = (x.tanh() * x.exp())
        g1, = lib.autograd.grad(y, x, create_graph=True)
        g2, = lib.autograd.grad(g1, x, create_graph=True)
        g3, = lib.autograd.grad(g2, x)
        out.append([g1.item(), g2.item(), g3.item()])
    np.testing.assert_allclose(out[1], out[0], rtol=1e-5)


def test_backward_create_graph_makes_differentiable_grad(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        assert x.grad.requires_grad
        grad_norm = (x.grad * x.grad).sum()
        (g2,) = lib.autograd.grad(grad_norm, x)
        out.append(g2.numpy())
    np.testing.assert_allclose(out[1], out[0])


def test_graph_is_freed_by_reference_counting_alone():
    """No reference cycles in an ordinary graph: with the cyclic GC off, dropping the root
    frees every node (ops that save inputs, outputs, scalars and shapes included)."""
    gc.disable()
    try:
        x = cr.randn(4, 3, requires_grad=True)
        w = cr.randn(3, requires_grad=True)
        h = (x * w).tanh().exp().sigmoid() + (x.sin() @ cr.ones(3, 2)).sum(1, keepdim=True)[:1]
        y = (h.relu() ** 2 / 3).mean() + x[1:, 0].sum() - x.t().reshape(-1).max()
        refs = [weakref.ref(y.grad_fn)]
        node = y.grad_fn
        while node is not None and node.next_functions:
            node = node.next_functions[0][0]
            if node is not None:
                refs.append(weakref.ref(node))
        del node, h
        y.backward()
        del y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_create_graph_cycle_is_collected():
    x = cr.randn(3, requires_grad=True)
    y = x.exp().sum()
    y.backward(create_graph=True)
    ref = weakref.ref(y.grad_fn)
    del y, x
    gc.collect()
    assert ref() is None


def test_nodes_have_no_del():
    from chainrule.autograd.graph import AccumulateGrad, Node
    from chainrule.ops._registry import OPS
    assert "__del__" not in vars(Node) and "__del__" not in vars(AccumulateGrad)
    assert all("__del__" not in vars(op.node_cls) for op in OPS.values())


def test_next_functions_structure_matches_torch(torch):
    structures = []
    for lib in (torch, cr):
        x = lib.linspace(0.0, 1.0, 5, requires_grad=True)
        d = 2 * x.sin() + 1
        structures.append([_names(d.grad_fn), _names(d.grad_fn.next_functions[0][0]),
                           _names(d.grad_fn.next_functions[0][0].next_functions[0][0])])
        leaf = d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
        assert leaf.variable is x
        assert leaf.next_functions == ()
    assert structures[1] == structures[0]


def test_same_leaf_shares_one_accumulate_grad(torch):
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        y = x * x
        assert y.grad_fn.next_functions[0][0] is y.grad_fn.next_functions[1][0]


def test_tensor_hook_can_replace_gradient(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
        y.sum().backward()
        out.append((seen, x.grad.tolist()))
    assert out[1] == out[0]


def test_leaf_hook_and_removal(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        (x * 2).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
        handle.remove()
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_post_accumulate_grad_hook_sees_the_leaf(torch):
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        (x * 3).sum().backward()
        assert seen == [[3.0, 3.0]]


def test_node_hooks_see_grad_inputs_and_outputs(torch):
    out = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        calls = []
        y.grad_fn.register_hook(lambda gi, go: calls.append(("post", gi[0].tolist(),
                                                             go[0].tolist())))
        y.grad_fn.register_prehook(lambda go: calls.append(("pre", go[0].tolist())))
        y.sum().backward()
        out.append(calls)
    assert out[1] == out[0]


def test_backward_order_newest_node_first():
    """Two independent branches run in reverse creation order, as torch's queue does."""
    order = []
    x = cr.ones(2, requires_grad=True)
    a = x * 2
    b = x * 3
    a.grad_fn.register_prehook(lambda g: order.append("a"))
    b.grad_fn.register_prehook(lambda g: order.append("b"))
    (a + b).sum().backward()
    assert order == ["b", "a"]


def test_gradient_dtype_follows_the_input(torch):
    for lib in (torch, cr):
        x = lib.ones(3, dtype=lib.float32, requires_grad=True)
        y = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        (x * y).sum().backward()
        assert x.grad.dtype == lib.float32
        assert y.grad.dtype == lib.float64
        assert y.grad.item() == 3.0


def test_broadcast_gradient_is_summed_back(torch):
    out = []
    for lib in (torch, cr):
        a = lib.arange(6.0).reshape(2, 3).requires_grad_()
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = lib.tensor([[2.0], [3.0]], requires_grad=True)
        (a * b * c).sum().backward()
        out.append([a.grad.numpy(), b.grad.numpy(), c.grad.numpy()])
    for mine, ref in zip(out[1], out[0]):
        np.testing.assert_allclose(mine, ref)


def test_sum_of_two_scalars_chain_rule_seed():
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    z = x * y + y ** 2
    z.backward()
    assert x.grad.item() == 3.0 and y.grad.item() == 8.0
    assert math.isclose(z.item(), 15.0)
