"""vmap against torch.vmap and against an explicit loop, over a table of ops: in_dims and
out_dims variants, nesting with itself and with grad, chunk_size, randomness, errors."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.func as crf

rng = np.random.default_rng(1)


def arrays(*shapes, dtype=np.float64):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def close(c, t, tol=1e-10):
    if isinstance(c, (tuple, list)):
        assert len(c) == len(t)
        for a, b in zip(c, t):
            close(a, b, tol)
        return
    assert tuple(c.shape) == tuple(t.shape), (tuple(c.shape), tuple(t.shape))
    assert str(c.dtype) == str(t.dtype), (c.dtype, t.dtype)
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def F(m):
    return m.nn.functional


# name: (function of (module, *args), input shapes (batch of 3 at in_dims), in_dims,
#        has a batching rule)
TABLE = {
    "sin": (lambda m, x: m.sin(x), [(3, 4)], 0, True),
    "exp_add_mul": (lambda m, x, y: (x.exp() + y) * 2, [(3, 4), (3, 4)], 0, True),
    "broadcast_shared": (lambda m, x, y: x * y - y, [(3, 4), (2, 4)], (0, None), True),
    "broadcast_ranks": (lambda m, x, y: m.atan2(x, y), [(3,), (3, 2, 5)], 0, True),
    "in_dim_1": (lambda m, x, y: x / (y.abs() + 1), [(4, 3), (3, 4)], (1, 0), True),
    "negative_in_dim": (lambda m, x: m.tanh(x).sigmoid(), [(2, 4, 3)], -1, True),
    "scalar_ops": (lambda m, x: 3 - x ** 2 + 1.5, [(3, 2)], 0, True),
    "clamp_where": (lambda m, x, y: m.where(x > 0, x, y).clamp(-0.5, 0.5), [(3, 4), (3, 4)],
                    0, True),
    "where_batched_cond_only": (lambda m, c, y: m.where(c > 0, y, -y), [(3, 4), (4,)],
                                (0, None), True),
    "sum_all": (lambda m, x: x.sum(), [(3, 4, 2)], 0, True),
    "sum_dim": (lambda m, x: x.sum(1, keepdim=True) + x.mean(-1, keepdim=True),
                [(3, 4, 2)], 0, True),
    "amax_var": (lambda m, x: x.amax(0) + x.var(0), [(3, 4, 2)], 0, True),
    "max_dim": (lambda m, x: x.max(1)[0] + x.argmax(1), [(3, 4, 5)], 0, True),
    "softmax": (lambda m, x: m.softmax(x, -1) + m.log_softmax(x, 0), [(3, 4, 5)], 0, True),
    "logsumexp": (lambda m, x: m.logsumexp(x, 1), [(3, 4, 5)], 0, True),
    "cumsum": (lambda m, x: m.cumsum(x, 0), [(3, 4, 5)], 0, True),
    "sort_topk": (lambda m, x: m.sort(x, 0)[0].sum() + m.topk(x, 2)[0].sum(), [(3, 4, 5)], 0,
                  True),
    "norm": (lambda m, x: x.norm(dim=-1) + m.linalg.vector_norm(x), [(3, 4, 5)], 0, True),
    "matmul_shared": (lambda m, x, w: x @ w, [(3, 4, 5), (5, 2)], (0, None), True),
    "matmul_both": (lambda m, x, w: x @ w, [(3, 4, 5), (3, 5, 2)], 0, True),
    "matmul_vec": (lambda m, x, w: w @ x, [(3, 5), (4, 5)], (0, None), True),
    "dot": (lambda m, x, y: m.dot(x, y), [(3, 5), (3, 5)], 0, True),
    "mv_batched_vec": (lambda m, a, v: m.mv(a, v), [(4, 5), (3, 5)], (None, 0), True),
    "bmm": (lambda m, a, b: m.bmm(a, b), [(3, 2, 4, 5), (3, 2, 5, 1)], 0, True),
    "addmm": (lambda m, b, x, w: m.addmm(b, x, w, beta=0.5, alpha=2), [(3, 2), (3, 4, 5),
                                                                      (5, 2)],
              (0, 0, None), True),
    "linear": (lambda m, x, w, b: F(m).linear(x, w, b), [(3, 5), (4, 5), (4,)],
               (0, None, None), True),
    "linear_batched_weight": (lambda m, x, w, b: F(m).linear(x, w, b),
                              [(3, 2, 5), (3, 4, 5), (4,)], (0, 0, None), True),
    "einsum": (lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(3, 2, 4), (3, 4, 5)], 0, True),
    "reshape_view": (lambda m, x: x.reshape(2, 6).view(12).reshape(-1, 3), [(3, 4, 3)], 0,
                     True),
    "permute_transpose": (lambda m, x: x.permute(2, 0, 1).transpose(0, 1).t() if False
                          else x.permute(2, 0, 1).transpose(0, 1), [(3, 4, 5, 2)], 0, True),
    "t_mT": (lambda m, x: x.t() + x.mT, [(3, 4, 4)], 0, True),
    "unsqueeze_squeeze": (lambda m, x: x.unsqueeze(0).unsqueeze(-1).squeeze(), [(3, 1, 4)],
                          0, True),
    "expand_flatten": (lambda m, x: x.expand(2, 4, 5).flatten(), [(3, 1, 5)], 0, True),
    "index_slice": (lambda m, x: x[1:, ::2] + x[0, None, ::2], [(3, 4, 5)], 0, True),
    "advanced_index": (lambda m, x: x[[0, 2, 2]] + x[:, [1, 0, 1]].sum(), [(3, 4, 5)], 0,
                       True),
    "select_narrow": (lambda m, x: x.select(1, 2) + x.narrow(1, 0, 1).squeeze(1),
                      [(3, 4, 5)], 0, True),
    "cat_stack": (lambda m, x, y: m.cat([x, y], 0).sum() + m.stack([x, y], -1).sum(1).sum(),
                  [(3, 2, 4), (2, 4)], (0, None), True),
    "split_unbind_chunk": (lambda m, x: x.split(2, 1)[0].sum() + x.unbind(0)[1].sum() +
                           x.chunk(2, 0)[0].sum(), [(3, 4, 5)], 0, True),
    "flip_roll": (lambda m, x: m.flip(x, [0]) + m.roll(x, 1, 1), [(3, 4, 5)], 0, True),
    "diagonal_tril": (lambda m, x: m.diagonal(x) + m.tril(x).sum(0), [(3, 4, 4)], 0, True),
    "det_inv": (lambda m, x: m.linalg.det(x) + m.linalg.inv(x).sum(),
                [(3, 4, 4)], 0, True),
    "relu_gelu": (lambda m, x: F(m).relu(x) + F(m).gelu(x) + F(m).silu(x), [(3, 4)], 0, True),
    "layer_norm": (lambda m, x, w: F(m).layer_norm(x, (4,), w), [(3, 2, 4), (4,)],
                   (0, None), True),
    "mse_loss": (lambda m, x, y: F(m).mse_loss(x, y), [(3, 4), (3, 4)], 0, True),
    "cross_entropy": (lambda m, x, t: F(m).cross_entropy(x, t), [(3, 2, 5), "target"], 0,
                      True),
    "nll_loss_sum": (lambda m, x, t: F(m).nll_loss(x, t, reduction="sum"),
                     [(3, 2, 5), "target"], 0, True),
    "embedding": (lambda m, i, w: F(m).embedding(i, w), ["index", (6, 3)], (0, None), True),
    "gather": (lambda m, x, i: m.gather(x, 0, i), [(3, 6, 2), "index2"], 0, True),
    "conv2d": (lambda m, x, w: F(m).conv2d(x, w), [(3, 1, 2, 5, 5), (2, 2, 3, 3)],
               (0, None), True),
    "conv2d_unbatched_input": (lambda m, x, w: F(m).conv2d(x, w), [(3, 2, 5, 5), (2, 2, 3, 3)],
                               (0, None), True),
    "max_pool": (lambda m, x: F(m).max_pool2d(x, 2), [(3, 1, 4, 4)], 0, True),
    "argmax_all": (lambda m, x: m.argmax(x) + m.max(x), [(3, 4, 5)], 0, True),
    "conv2d_batched_weight": (lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1),
                              [(3, 2, 2, 5, 5), (3, 4, 2, 3, 3), (3, 4)], 0, True),
    "conv1d_batched_weight_unbatched_input": (
        lambda m, x, w: F(m).conv1d(x, w, stride=2), [(3, 2, 7), (3, 4, 2, 3)], 0, True),
    "conv2d_groups_batched_weight": (lambda m, x, w: F(m).conv2d(x, w, groups=2),
                                     [(2, 4, 5, 5), (3, 4, 2, 3, 3)], (None, 0), True),
    "cumprod_fallback_free": (lambda m, x: m.cumprod(x, 1), [(3, 4, 5)], 0, True),
    "kron": (lambda m, x, y: m.kron(x, y), [(3, 2, 2), (3, 2)], 0, True),
    "diag": (lambda m, x: m.diag(x), [(3, 4)], 0, True),
    "trace_fallback": (lambda m, x: m.trace(x), [(3, 4, 5)], 0, False),
}


def _inputs(shapes):
    out = []
    for s in shapes:
        if s == "target":
            out.append(rng.integers(0, 5, (3, 2)))
        elif s == "index":
            out.append(rng.integers(0, 6, (3, 4)))
        elif s == "index2":
            out.append(rng.integers(0, 6, (3, 2, 2)))
        elif isinstance(s, tuple) and len(s) == 3 and s[-2:] == (4, 4):
            out.append(rng.standard_normal(s) + 4 * np.eye(4))
        else:
            out.append(rng.standard_normal(s))
    return out


@pytest.mark.parametrize("name", sorted(TABLE))
def test_vmap_matches_torch_vmap(torch, name):
    fn, shapes, in_dims, has_rule = TABLE[name]
    data = _inputs(shapes)
    cargs = [cr.tensor(a) for a in data]
    targs = [torch.tensor(a) for a in data]
    from chainrule.func._vmap import _functions, _handler
    _handler._WARNED.clear()  # the warning is once per op and process: an earlier test's
    _functions._WARNED.clear()  # vmap of the same op must not hide it here
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out_c = crf.vmap(lambda *a: fn(cr, *a), in_dims=in_dims)(*cargs)
    slow = [w for w in seen if "performance drop" in str(w.message)]
    assert bool(slow) != has_rule, [str(w.message) for w in slow]
    out_t = torch.vmap(lambda *a: fn(torch, *a), in_dims=in_dims)(*targs)
    close(out_c, out_t, 1e-9)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_vmap_matches_a_loop(name):
    fn, shapes, in_dims, _ = TABLE[name]
    data = _inputs(shapes)
    args = [cr.tensor(a) for a in data]
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = crf.vmap(lambda *a: fn(cr, *a), in_dims=in_dims)(*args)
    loop = [fn(cr, *[a if d is None else a.select(d, i) for a, d in zip(args, dims)])
            for i in range(size)]
    close(out, cr.stack(loop))


@pytest.mark.parametrize("name", ["sin", "exp_add_mul", "advanced_index", "select_narrow", "softmax", "matmul_shared", "linear",
                                  "layer_norm", "cross_entropy", "index_slice", "det_inv",
                                  "conv2d"])
def test_vmap_gradients_flow(torch, name):
    """Differentiating through vmap: the same gradients as torch."""
    fn, shapes, in_dims, _ = TABLE[name]
    data = _inputs(shapes)
    cargs = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in data]
    targs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crf.vmap(lambda *a: fn(cr, *a), in_dims=in_dims)(*cargs).sum().backward()
    torch.vmap(lambda *a: fn(torch, *a), in_dims=in_dims)(*targs).sum().backward()
    for c, t in zip(cargs, targs):
        if t.requires_grad:
            close(c.grad, t.grad, 1e-9)


def test_out_dims_and_pytrees(torch):
    x, y = arrays((3, 4), (4, 3))

    def f(m):
        return lambda d: {"s": d["a"] * 2, "p": (d["b"].sum(), d["a"] + d["b"])}
    in_dims = ({"a": 0, "b": 1},)
    out_dims = {"s": 1, "p": (0, -1)}
    oc = crf.vmap(f(cr), in_dims=in_dims, out_dims=out_dims)({"a": cr.tensor(x),
                                                              "b": cr.tensor(y)})
    ot = torch.vmap(f(torch), in_dims=in_dims, out_dims=out_dims)({"a": torch.tensor(x),
                                                                    "b": torch.tensor(y)})
    close(oc["s"], ot["s"])
    close(oc["p"], ot["p"])


def test_out_dims_none_and_unbatched_outputs(torch):
    x, = arrays((3, 4))
    c = crf.vmap(lambda a: (a * 2, cr.ones(2), 5), out_dims=(0, 0, None))(cr.tensor(x))
    t = torch.vmap(lambda a: (a * 2, torch.ones(2), 5), out_dims=(0, 0, None))(torch.tensor(x))
    close(c[:2], t[:2])
    assert c[2] == t[2] == 5


def test_nested_vmap(torch):
    x, y = arrays((3, 4, 5), (4, 5))
    fc = crf.vmap(crf.vmap(lambda a, b: (a * b).sum() + a.max()), in_dims=(0, None))
    ft = torch.vmap(torch.vmap(lambda a, b: (a * b).sum() + a.max()), in_dims=(0, None))
    close(fc(cr.tensor(x), cr.tensor(y)), ft(torch.tensor(x), torch.tensor(y)))
    fc = crf.vmap(crf.vmap(lambda a, b: a @ b, in_dims=(None, 0)), in_dims=(0, None))
    ft = torch.vmap(torch.vmap(lambda a, b: a @ b, in_dims=(None, 0)), in_dims=(0, None))
    close(fc(cr.tensor(x[:, 0]), cr.tensor(y)), ft(torch.tensor(x[:, 0]), torch.tensor(y)))


@pytest.mark.parametrize("chunk_size", [1, 2, 5])
def test_chunk_size(torch, chunk_size):
    x, = arrays((5, 3))
    close(crf.vmap(lambda a: a.sin().sum(), chunk_size=chunk_size)(cr.tensor(x)),
          torch.vmap(lambda a: a.sin().sum(), chunk_size=chunk_size)(torch.tensor(x)))


def test_vmap_of_grad_is_per_sample_gradient(torch):
    w, x, y = arrays((4,), (6, 4), (6,))

    def loss(m):
        return lambda w_, x_, y_: (m.tanh(x_ @ w_) - y_) ** 2
    gc = crf.vmap(crf.grad(loss(cr)), in_dims=(None, 0, 0))(*map(cr.tensor, (w, x, y)))
    gt = torch.vmap(torch.func.grad(loss(torch)), in_dims=(None, 0, 0))(
        *map(torch.tensor, (w, x, y)))
    close(gc, gt)


def test_grad_of_vmap_and_jacrev_of_vmap(torch):
    x, = arrays((3, 4))
    close(crf.grad(lambda a: crf.vmap(lambda r: r.sin().sum())(a).pow(2).sum())(cr.tensor(x)),
          torch.func.grad(lambda a: torch.vmap(lambda r: r.sin().sum())(a).pow(2).sum())(
              torch.tensor(x)))
    close(crf.vmap(crf.jacrev(lambda r: r.sin() * r.sum()))(cr.tensor(x)),
          torch.vmap(torch.func.jacrev(lambda r: r.sin() * r.sum()))(torch.tensor(x)))
    close(crf.vmap(crf.hessian(lambda r: (r.sin() * r).sum()))(cr.tensor(x)),
          torch.vmap(torch.func.hessian(lambda r: (r.sin() * r).sum()))(torch.tensor(x)))


def test_vmapped_matmul_is_one_batched_matmul(torch):
    """float32: a vmapped matmul is the batched matmul itself (bit for bit) and agrees with
    torch's batched kernel to 1e-6 of the output's scale (the BLAS libraries sum in their
    own orders: OpenBLAS and torch's kernels differ by an ulp or two of the largest
    entries on some CPUs)."""
    a, b = arrays((8, 16, 32), (8, 32, 16), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        oc = crf.vmap(cr.matmul)(cr.tensor(a), cr.tensor(b))
    np.testing.assert_array_equal(oc.numpy(), cr.matmul(cr.tensor(a), cr.tensor(b)).numpy())
    ot = torch.vmap(torch.matmul)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(oc.numpy(), ot, rtol=1e-6, atol=1e-6 * np.abs(ot).max())


# ---------------------------------------------------------------------------- randomness
def test_randomness_error(torch):
    x = cr.ones(3, 2)
    for fn in (lambda a: a + cr.randn(2), lambda a: cr.rand_like(a),
               lambda a: cr.nn.functional.dropout(a)):
        with pytest.raises(RuntimeError) as ce:
            crf.vmap(fn)(x)
        with pytest.raises(RuntimeError) as te:
            torch.vmap(lambda a: a + torch.randn(2))(torch.ones(3, 2))
        assert str(ce.value) == str(te.value)


def test_randomness_same_and_different():
    x = cr.zeros(4, 3)
    same = crf.vmap(lambda a: a + cr.randn(3), randomness="same")(x)
    assert np.allclose(same.numpy(), same.numpy()[0])
    diff = crf.vmap(lambda a: a + cr.randn(3), randomness="different")(x)
    assert not np.allclose(diff.numpy(), diff.numpy()[0])
    like = crf.vmap(lambda a: cr.rand_like(a), randomness="different")(x)
    assert like.shape == (4, 3) and not np.allclose(like.numpy(), like.numpy()[0])
    like = crf.vmap(lambda a: cr.rand_like(a), randomness="same")(x)
    assert np.allclose(like.numpy(), like.numpy()[0])
    ones = cr.ones(64, 50)
    drop = crf.vmap(lambda a: cr.nn.functional.dropout(a, 0.5), randomness="different")(ones)
    assert not np.allclose(drop.numpy(), drop.numpy()[0])
    assert set(np.unique(drop.numpy())) <= {0.0, 2.0}
    drop = crf.vmap(lambda a: cr.nn.functional.dropout(a, 0.5), randomness="same")(ones)
    assert np.allclose(drop.numpy(), drop.numpy()[0])
    nested = crf.vmap(crf.vmap(lambda a: a + cr.rand(()), randomness="different"),
                      randomness="different")(cr.zeros(3, 4))
    assert len(np.unique(nested.numpy())) == 12


# ---------------------------------------------------------------------------- errors
ERRORS = [
    (lambda m: m.vmap(lambda a, b: a)(m.ones(3), 1), ValueError),
    (lambda m: m.vmap(lambda a: a, in_dims=3)(m.ones(3, 4)), ValueError),
    (lambda m: m.vmap(lambda a: a, in_dims=None)(m.ones(3)), ValueError),
    (lambda m: m.vmap(lambda a: 3)(m.ones(3)), ValueError),
    (lambda m: m.vmap(lambda a, b: a + b)(m.ones(3, 4), m.ones(4)), ValueError),
    (lambda m: m.vmap(lambda a: a.sum().item())(m.ones(3, 4)), RuntimeError),
    (lambda m: m.vmap(lambda a: 1 if a.sum() > 0 else 0)(m.ones(3, 4)), RuntimeError),
    (lambda m: m.vmap(lambda a: a, out_dims=None)(m.ones(3)), ValueError),
    (lambda m: m.vmap(lambda a: a, randomness="foo")(m.ones(3)), RuntimeError),
    (lambda m: m.vmap(lambda a: a)(m.ones(())), ValueError),
    (lambda m: m.vmap(lambda a: a)(), ValueError),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_vmap_errors_as_torch(torch, index):
    call, exc = ERRORS[index]

    class Ns:
        pass
    cns, tns = Ns(), Ns()
    cns.vmap, cns.ones = crf.vmap, cr.ones
    tns.vmap, tns.ones = torch.vmap, torch.ones
    with pytest.raises(exc) as ce:
        call(cns)
    with pytest.raises(exc) as te:
        call(tns)
    assert str(ce.value).replace("<lambda>", "f") == str(te.value).replace("<lambda>", "f")


def test_reading_batched_data_raises_not_a_wrong_answer():
    with pytest.raises(RuntimeError, match="reads a batched tensor's data directly"):
        crf.vmap(lambda a: cr.bucketize(a, cr.tensor([0.0, 1.0])))(cr.ones(3, 2))


def test_batched_tensor_prints_as_torch(torch, capsys):
    x = np.arange(4.0).reshape(2, 2)
    crf.vmap(lambda a: print(a) or a)(cr.tensor(x))
    mine = capsys.readouterr().out
    torch.vmap(lambda a: print(a) or a)(torch.tensor(x))
    assert mine == capsys.readouterr().out


def test_no_cost_outside_vmap():
    from chainrule.ops import _dispatch
    crf.vmap(cr.sin)(cr.ones(2))
    assert _dispatch.batching.current is None


def test_inplace_ops_on_batched_tensors(torch):
    x, y = arrays((3, 4), (4,))

    def f(m):
        def g(a, b):
            c = a.clone()
            c += b
            c.mul_(2)
            view = c[1:]
            view.zero_()
            c[0].fill_(7.0)
            c[:2].copy_(b[:2])
            return c.sin()
        return g
    close(crf.vmap(f(cr), in_dims=(0, None))(cr.tensor(x), cr.tensor(y)),
          torch.vmap(f(torch), in_dims=(0, None))(torch.tensor(x), torch.tensor(y)))
    with pytest.raises(RuntimeError) as ce:
        crf.vmap(lambda a, b: b.add_(a), in_dims=(0, None))(cr.tensor(x), cr.tensor(y))
    with pytest.raises(RuntimeError) as te:
        torch.vmap(lambda a, b: b.add_(a), in_dims=(0, None))(torch.tensor(x), torch.tensor(y))
    assert str(ce.value) == str(te.value)


def test_inplace_under_vmap_is_differentiated(torch):
    x, = arrays((3, 4))
    c = cr.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    crf.vmap(lambda a: (a * 1).mul_(a).add_(1).sin_())(c).sum().backward()
    torch.vmap(lambda a: (a * 1).mul_(a).add_(1).sin_())(t).sum().backward()
    close(c.grad, t.grad)


def test_nested_vmap_matmul_with_outer_batched_larger_operand():
    """x @ B with B batched by the outer vmap and x by the inner one: matmul's fold check
    reads only B's shape and strides (it used to read its data and raise)."""
    import torch as real_torch
    rng = np.random.default_rng(0)
    xs, bs = rng.standard_normal((5, 4)), rng.standard_normal((2, 3, 4, 6))
    got = cr.func.vmap(lambda B: cr.func.vmap(lambda x: x @ B)(
        cr.tensor(xs)))(cr.tensor(bs))
    want = real_torch.func.vmap(lambda B: real_torch.func.vmap(lambda x: x @ B)(
        real_torch.tensor(xs)))(real_torch.tensor(bs))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
