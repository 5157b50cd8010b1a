"""The explicit forward-mode rules of nn ops (chainrule/ops/_jvp_rules_nn.py).

torch 2.13 has no forward AD for any of these ops (it raises NotImplementedError "Trying to
use forward AD with ... that does not support it"; the first test pins that). chainrule
gives exact tangents instead; the oracle is torch's own Jacobian by reverse mode
(``torch.autograd.functional.jacobian``), contracted with the tangent, and for the backward
ops torch's Hessian-vector product by double backward. The backward ops torch cannot
differentiate at all (cdist's, pdist's, the CPU flash-attention kernel's) raise torch's
NotImplementedError under forward AD, as under double backward.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.func as cfunc  # noqa: E402
from chainrule.ops._jvp_rules import missing  # noqa: E402
from chainrule.ops._jvp_rules_nn import RULES  # noqa: E402
from chainrule.ops._vocab import OPS  # noqa: E402


def _rand(rng, *shape, low=None):
    if low is not None:
        return rng.uniform(low, 1.0, shape)
    return rng.standard_normal(shape)


# name, function of the module (m.<api>), arrays builder, the ops whose rule it exercises
def _cases():
    return [
        ("cdist_p2", lambda m, a, b: m.cdist(a, b), lambda r: (_rand(r, 2, 3, 4), _rand(r, 2, 5, 4)),
         ["_cdist_forward"]),
        ("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1.0),
         lambda r: (_rand(r, 3, 4), _rand(r, 5, 4)), ["_cdist_forward"]),
        ("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3.0),
         lambda r: (_rand(r, 3, 4), _rand(r, 5, 4)), ["_cdist_forward"]),
        ("cdist_p05", lambda m, a, b: m.cdist(a, b, p=0.5),
         lambda r: (_rand(r, 3, 4), _rand(r, 5, 4)), ["_cdist_forward"]),
        ("cdist_inf", lambda m, a, b: m.cdist(a, b, p=float("inf")),
         lambda r: (_rand(r, 3, 4), _rand(r, 5, 4)), ["_cdist_forward"]),
        ("cdist_broadcast", lambda m, a, b: m.cdist(a, b),
         lambda r: (_rand(r, 2, 1, 3, 4), _rand(r, 3, 5, 4)), ["_cdist_forward"]),
        ("cdist_mm", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
         lambda r: (_rand(r, 2, 3, 4), _rand(r, 2, 5, 4)), ["_euclidean_dist"]),
        ("pdist_p2", lambda m, a: m.nn.functional.pdist(a), lambda r: (_rand(r, 5, 3),),
         ["_pdist_forward"]),
        ("pdist_p1", lambda m, a: m.nn.functional.pdist(a, p=1.0),
         lambda r: (_rand(r, 5, 3),), ["_pdist_forward"]),
        ("pdist_p4", lambda m, a: m.nn.functional.pdist(a, p=4.0),
         lambda r: (_rand(r, 5, 3),), ["_pdist_forward"]),
        ("grid_bilinear", lambda m, x, g: m.nn.functional.grid_sample(x, g, align_corners=False),
         lambda r: (_rand(r, 2, 3, 4, 5), _rand(r, 2, 3, 2, 2, low=-1.0)),
         ["grid_sampler_2d"]),
        ("grid_bicubic_border", lambda m, x, g: m.nn.functional.grid_sample(
            x, g, mode="bicubic", padding_mode="border", align_corners=True),
         lambda r: (_rand(r, 1, 2, 4, 4), _rand(r, 1, 3, 3, 2, low=-1.0) * 1.2),
         ["grid_sampler_2d"]),
        ("grid_nearest", lambda m, x, g: m.nn.functional.grid_sample(x, g, mode="nearest",
                                                                      align_corners=False),
         lambda r: (_rand(r, 1, 2, 4, 4), _rand(r, 1, 3, 3, 2, low=-1.0)),
         ["grid_sampler_2d"]),
        ("grid_3d_reflection", lambda m, x, g: m.nn.functional.grid_sample(
            x, g, padding_mode="reflection", align_corners=False),
         lambda r: (_rand(r, 1, 2, 3, 4, 3), _rand(r, 1, 2, 2, 2, 3, low=-1.0) * 1.3),
         ["grid_sampler_3d"]),
        ("embedding_bag_mean_psw_free", lambda m, w: m.nn.functional.embedding_bag(
            m.tensor([0, 2, 1, 3, 3]), w, m.tensor([0, 2, 2])),
         lambda r: (_rand(r, 4, 3),), ["_embedding_bag"]),
        ("embedding_bag_sum_psw", lambda m, w, p: m.nn.functional.embedding_bag(
            m.tensor([0, 2, 1, 3, 3]), w, m.tensor([0, 2]), mode="sum", per_sample_weights=p),
         lambda r: (_rand(r, 4, 3), _rand(r, 5)), ["_embedding_bag"]),
        ("embedding_bag_max", lambda m, w: m.nn.functional.embedding_bag(
            m.tensor([0, 2, 1, 3, 3]), w, m.tensor([0, 2, 2]), mode="max"),
         lambda r: (_rand(r, 4, 3),), ["_embedding_bag"]),
        ("ctc_mean", lambda m, lp: m.nn.functional.ctc_loss(
            lp.log_softmax(-1), m.tensor([[1, 2, 2], [1, 1, 0]]), m.tensor([6, 5]),
            m.tensor([3, 2])),
         lambda r: (_rand(r, 6, 2, 3),), ["_ctc_loss"]),
        ("ctc_none", lambda m, lp: m.nn.functional.ctc_loss(
            lp.log_softmax(-1), m.tensor([[1, 2], [2, 1]]), m.tensor([5, 4]),
            m.tensor([2, 1]), reduction="none"),
         lambda r: (_rand(r, 5, 2, 4),), ["_ctc_loss"]),
        ("sdpa", lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v),
         lambda r: (_rand(r, 2, 2, 3, 4), _rand(r, 2, 2, 5, 4), _rand(r, 2, 2, 5, 4)),
         ["_scaled_dot_product_flash_attention_for_cpu"]),
        ("sdpa_causal_scale", lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True, scale=0.3),
         lambda r: (_rand(r, 1, 2, 4, 3), _rand(r, 1, 2, 4, 3), _rand(r, 1, 2, 4, 3)),
         ["_scaled_dot_product_flash_attention_for_cpu"]),
        ("sdpa_gqa", lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(
            q, k, v, enable_gqa=True),
         lambda r: (_rand(r, 1, 4, 3, 2), _rand(r, 1, 2, 3, 2), _rand(r, 1, 2, 3, 2)),
         ["_scaled_dot_product_flash_attention_for_cpu"]),
        ("conv_tbc", lambda m, x, w, b: m.conv_tbc(x, w, b, 1),
         lambda r: (_rand(r, 5, 2, 3), _rand(r, 3, 3, 4), _rand(r, 4)), ["conv_tbc"]),
    ]


CASES = _cases()
IDS = [c[0] for c in CASES]


def _torch_jv(fn, arrays, vs):
    """J v from torch's reverse-mode Jacobian (torch has no forward AD for these ops)."""
    xs = tuple(torch.tensor(a) for a in arrays)
    jac = torch.autograd.functional.jacobian(lambda *a: fn(torch, *a), xs)
    out = fn(torch, *xs)
    total = torch.zeros(out.shape, dtype=torch.float64)
    for j, v in zip(jac, vs):
        total = total + (j.reshape(out.numel(), -1) @ torch.tensor(v).reshape(-1)).reshape(
            out.shape)
    return total.numpy()


@pytest.mark.parametrize("name,fn,build,ops", CASES, ids=IDS)
def test_tangent_matches_torch_jacobian(name, fn, build, ops):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = build(rng)
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)
    primals = tuple(chainrule.tensor(a) for a in arrays)
    tangents = tuple(chainrule.tensor(v) for v in vs)
    out, jv = cfunc.jvp(lambda *a: fn(chainrule, *a), primals, tangents)
    np.testing.assert_allclose(out.numpy(), fn(torch, *map(torch.tensor, arrays)).numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jv.numpy(), _torch_jv(fn, arrays, vs), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name,fn,build,ops", CASES, ids=IDS)
def test_rule_is_used_and_tied_to_the_vjp(name, fn, build, ops):
    """<J v, u> = <v, Jᵀ u> with chainrule's own backward, and the op really has its rule."""
    for op_name in ops:
        assert OPS[op_name].jvp is RULES[op_name]
        assert op_name not in missing()
    rng = np.random.default_rng(abs(hash(name) + 1) % 2**32)
    arrays = build(rng)
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)
    primals = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    out, jv = cfunc.jvp(lambda *a: fn(chainrule, *a), tuple(p.detach() for p in primals),
                        tuple(chainrule.tensor(v) for v in vs))
    u = rng.standard_normal(tuple(out.shape))
    grads = chainrule.autograd.grad(fn(chainrule, *primals), primals, chainrule.tensor(u))
    lhs = float((jv.numpy() * u).sum())
    rhs = sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-10)


def test_torch_has_no_forward_ad_for_these_ops():
    """What the module docstring claims (so the oracle above must stay reverse mode)."""
    from torch.func import jvp
    rng = np.random.default_rng(0)
    for _name, fn, build, _ in CASES:
        xs = tuple(torch.tensor(a) for a in build(rng))
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with"):
            jvp(lambda *a: fn(torch, *a), xs, tuple(torch.ones_like(x) for x in xs))


def test_gradcheck_forward_ad():
    rng = np.random.default_rng(3)
    F = chainrule.nn.functional
    x = chainrule.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    g = chainrule.tensor(rng.uniform(-0.9, 0.9, (1, 2, 2, 2)), requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda a, b: F.grid_sample(a, b, align_corners=True),
                                        (x, g), check_forward_ad=True)
    a = chainrule.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert chainrule.autograd.gradcheck(chainrule.cdist, (a, b), check_forward_ad=True)
    q, k, v = (chainrule.tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
               for _ in range(3))
    assert chainrule.autograd.gradcheck(F.scaled_dot_product_attention, (q, k, v),
                                        check_forward_ad=True)


# ---------------------------------------------------------------------------- backward ops
SECOND = [
    ("grid_bilinear", lambda m, x, g: (m.nn.functional.grid_sample(x, g, align_corners=False)
                                        ** 2).sum(),
     lambda r: (_rand(r, 1, 2, 4, 4), _rand(r, 1, 3, 3, 2, low=-1.0)), "grid_sampler_2d_backward"),
    ("grid_bicubic", lambda m, x, g: (m.nn.functional.grid_sample(
        x, g, mode="bicubic", align_corners=False) ** 2).sum(),
     lambda r: (_rand(r, 1, 2, 4, 4), _rand(r, 1, 2, 3, 2, low=-1.0)), "grid_sampler_2d_backward"),
    ("grid_3d", lambda m, x, g: (m.nn.functional.grid_sample(
        x, g, align_corners=True, padding_mode="border") ** 2).sum(),
     lambda r: (_rand(r, 1, 2, 3, 3, 3), _rand(r, 1, 2, 2, 2, 3, low=-1.0)),
     "grid_sampler_3d_backward"),
    ("embedding_bag_psw", lambda m, w, p: (m.nn.functional.embedding_bag(
        m.tensor([0, 2, 1, 3]), w, m.tensor([0, 2]), mode="sum", per_sample_weights=p)
        ** 2).sum(),
     lambda r: (_rand(r, 4, 3), _rand(r, 4)), "_embedding_bag_per_sample_weights_backward"),
    ("embedding_bag_mean", lambda m, w: (m.nn.functional.embedding_bag(
        m.tensor([0, 2, 1, 3]), w, m.tensor([0, 1]), mode="mean") ** 2).sum(),
     lambda r: (_rand(r, 4, 3),), "_embedding_bag_backward"),
]


def _torch_grad(fn, arrays):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return [g.numpy() for g in torch.autograd.grad(fn(torch, *xs), xs)]


@pytest.mark.parametrize("name,fn,build,op_name", SECOND, ids=[c[0] for c in SECOND])
def test_backward_op_tangent_forward_over_reverse(name, fn, build, op_name):
    """A gradient taken with create_graph=True inside a dual level runs the backward op on
    dual tensors: its tangent is the Hessian-vector product. The oracle is torch's gradient
    by central differences along the tangent (torch's double backward refuses the
    embedding_bag backward ops), and torch's double backward where it has one."""
    from chainrule.autograd import forward_ad as fw
    assert OPS[op_name].jvp is RULES[op_name]
    assert op_name not in missing()
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = build(rng)
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)
    with fw.dual_level():
        xs = [fw.make_dual(chainrule.tensor(a).requires_grad_(), chainrule.tensor(v))
              for a, v in zip(arrays, vs)]
        grads = chainrule.autograd.grad(fn(chainrule, *xs), xs, create_graph=True)
        hv = [fw.unpack_dual(g).tangent.detach().numpy() for g in grads]
    eps = 1e-6
    plus = _torch_grad(fn, [a + eps * v for a, v in zip(arrays, vs)])
    minus = _torch_grad(fn, [a - eps * v for a, v in zip(arrays, vs)])
    for h, p, m in zip(hv, plus, minus):
        np.testing.assert_allclose(h, (p - m) / (2 * eps), rtol=1e-5, atol=1e-6)
    if name.startswith("grid"):
        _, want = torch.autograd.functional.hvp(lambda *a: fn(torch, *a),
                                                tuple(torch.tensor(a) for a in arrays),
                                                tuple(torch.tensor(v) for v in vs))
        for h, w in zip(hv, want):
            np.testing.assert_allclose(h, w.numpy(), rtol=1e-9, atol=1e-10)


def test_grid_sample_third_derivative_raises_not_zero():
    """grid_sample's double backward has no derivative here: a third derivative (by reverse
    mode, or jvp over grad, which takes the double-vjp route) raises; it was silently 0."""
    rng = np.random.default_rng(2)
    x = chainrule.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    g = chainrule.tensor(rng.uniform(-1, 1, (1, 3, 3, 2)), requires_grad=True)
    F = chainrule.nn.functional
    loss = (F.grid_sample(x, g, align_corners=False) ** 2).sum()
    gx, gg = chainrule.autograd.grad(loss, (x, g), create_graph=True)
    hx, hg = chainrule.autograd.grad((gx ** 2).sum() + (gg ** 2).sum(), (x, g),
                                     create_graph=True)
    assert hx.requires_grad and hg.requires_grad
    with pytest.raises(NotImplementedError, match="_grid_sampler_double_backward"):
        chainrule.autograd.grad((hx ** 2).sum() + (hg ** 2).sum(), (x, g))
    with pytest.raises(NotImplementedError, match="_grid_sampler_double_backward"):
        cfunc.jvp(cfunc.grad(lambda a: (F.grid_sample(a, g.detach(), align_corners=False)
                                        ** 2).sum()), (x.detach(),), (x.detach(),))


@pytest.mark.parametrize("name,fn,op_name", [
    ("cdist", lambda m, a, b: (m.cdist(a, b) ** 2).sum(), "_cdist_backward"),
    ("pdist", lambda m, a, b: (m.nn.functional.pdist(a - b) ** 2).sum(), "_pdist_backward"),
    ("sdpa", lambda m, a, b: (m.nn.functional.scaled_dot_product_attention(
        a.reshape(1, 2, 2, 3), b.reshape(1, 2, 2, 3), b.reshape(1, 2, 2, 3)) ** 2).sum(),
     "_scaled_dot_product_flash_attention_for_cpu_backward"),
])
def test_backward_ops_torch_cannot_differentiate_raise(name, fn, op_name):
    """torch has no derivative of these backward ops: double backward raises in both, and
    so does forward AD over the gradient, naming the op."""
    from chainrule.autograd import forward_ad as fw
    rng = np.random.default_rng(5)
    arrays = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for m in (torch, chainrule):
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        grads = m.autograd.grad(fn(m, *xs), xs, create_graph=True)
        with pytest.raises(RuntimeError, match="not implemented"):
            m.autograd.grad(sum((g ** 2).sum() for g in grads), xs)
    assert OPS[op_name].jvp is RULES[op_name]
    with fw.dual_level():
        xs = [fw.make_dual(chainrule.tensor(a).requires_grad_(), chainrule.tensor(a))
              for a in arrays]
        with pytest.raises(NotImplementedError, match=f"forward AD with {op_name}"):
            chainrule.autograd.grad(fn(chainrule, *xs), xs, create_graph=True)
