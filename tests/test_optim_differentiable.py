"""``differentiable=True``: the optimizer step is recorded in the graph, so the updated
parameters can be differentiated with respect to the starting parameters, the gradients
fed to the steps, and tensor hyper-parameters (a meta-learned learning rate) -- with the
same values as torch's."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.1, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.1}),
    ("RAdam", {"lr": 0.1, "betas": (0.5, 0.6), "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.1, "t0": 1, "weight_decay": 0.1}),
    ("Rprop", {"lr": 0.1}),
]

P0 = np.array([0.5, -1.2, 2.0, 0.3])
GRADS = [np.array([0.3, -0.2, 0.5, 0.1]), np.array([-0.4, -0.1, 0.6, 0.2]),
         np.array([0.2, 0.3, -0.7, -0.1])]
WEIGHTS = np.array([1.0, -2.0, 0.5, 3.0])


def run(lib, name, kwargs, lr_tensor=False, steps=3):
    p0 = lib.tensor(P0, requires_grad=True)
    grads = [lib.tensor(g, requires_grad=True) for g in GRADS[:steps]]
    kwargs = dict(kwargs)
    leaves = [p0, *grads]
    if lr_tensor:
        kwargs["lr"] = lib.tensor(kwargs["lr"], dtype=lib.float64, requires_grad=True)
        leaves.append(kwargs["lr"])
    p = p0.clone()
    p.retain_grad()
    opt = getattr(lib.optim, name)([p], differentiable=True, **kwargs)
    for g in grads:
        p.grad = g
        opt.step()
    out = (p * lib.tensor(WEIGHTS)).sum()
    assert out.requires_grad
    derivs = lib.autograd.grad(out, leaves, allow_unused=True)
    return p.detach().numpy().copy(), [None if d is None else d.numpy().copy() for d in derivs]


INPLACE = "one of the variables needed for gradient computation has been modified by an inplace"


def compare(name, kwargs, **options):
    """Run both; where torch's backward fails (its own update overwrites a tensor it saved,
    e.g. amsgrad's maximum over several steps) chainrule's fails with the same error."""
    try:
        pt, dt = run(torch, name, kwargs, **options)
    except RuntimeError as ref:
        assert str(ref).startswith(INPLACE)
        with pytest.raises(RuntimeError, match=INPLACE):
            run(cr, name, kwargs, **options)
        return
    pm, dm = run(cr, name, kwargs, **options)
    np.testing.assert_allclose(pm, pt, rtol=1e-10, atol=1e-12)
    for a, b in zip(dm, dt):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}{kw}" for n, kw in CASES])
def test_differentiable_step_records_the_update_like_torch(name, kwargs, steps):
    compare(name, kwargs, steps=steps)


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                         ("Adam", {"lr": 0.1}),
                                         ("Adam", {"lr": 0.1, "amsgrad": True,
                                                   "weight_decay": 0.1,
                                                   "decoupled_weight_decay": True})],
                         ids=str)
@pytest.mark.parametrize("steps", [1, 3])
def test_gradient_with_respect_to_a_tensor_learning_rate(name, kwargs, steps):
    compare(name, kwargs, lr_tensor=True, steps=steps)


def test_adam_betas_requiring_grad():
    results = []
    for lib in (torch, cr):
        p0 = lib.tensor(P0, requires_grad=True)
        b1 = lib.tensor(0.8, dtype=lib.float64, requires_grad=True)
        b2 = lib.tensor(0.9, dtype=lib.float64, requires_grad=True)
        p = p0.clone()
        p.retain_grad()
        opt = lib.optim.Adam([p], lr=0.1, betas=(b1, b2), differentiable=True)
        for g in GRADS:
            p.grad = lib.tensor(g)
            opt.step()
        derivs = lib.autograd.grad((p * lib.tensor(WEIGHTS)).sum(), [p0, b1, b2])
        results.append([d.numpy().copy() for d in derivs] + [p.detach().numpy().copy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)


def test_non_differentiable_step_records_nothing():
    p = cr.nn.Parameter(cr.tensor(P0))
    opt = cr.optim.Adam([p], lr=0.1)
    p.grad = cr.tensor(GRADS[0], requires_grad=True)
    opt.step()
    assert p.grad_fn is None and p.is_leaf
    assert all(not t.requires_grad for t in opt.state[p].values())
