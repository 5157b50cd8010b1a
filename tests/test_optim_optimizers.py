"""Every chainrule optimizer against torch's, option by option: the same problem from the
same weights, parameters compared after each of 24 steps (float64 tight, float32 loose),
with a state_dict round trip across the libraries halfway (torch's state loaded into a
fresh chainrule optimizer and chainrule's into a fresh torch one, both then continue), and
the state dict's structure (keys, order, dtypes, shapes, values) equal to torch's."""
import pytest

torch = pytest.importorskip("torch")

from optim_pairs import (  # noqa: E402
    Problem,
    assert_params_close,
    groups,
    same_structure,
    to_cr,
    to_torch,
)

import chainrule as cr  # noqa: E402


class T:
    """A hyper-parameter given as a tensor (built in each library)."""

    def __init__(self, value, requires_grad=False):
        self.value = value

    def build(self, lib):
        return lib.tensor(self.value)

    def __repr__(self):
        return f"T({self.value})"


def build(lib, spec):
    if isinstance(spec, T):
        return spec.build(lib)
    if isinstance(spec, dict):
        return {k: build(lib, v) for k, v in spec.items()}
    if isinstance(spec, tuple):
        return tuple(build(lib, v) for v in spec)
    return spec


G2 = [{"lr": 0.02}, {}]
CASES = [
    ("SGD", {"lr": 0.05}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.9}, G2),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": True},
     [{"momentum": 0.5}, {"weight_decay": 0.1}]),
    ("SGD", {"lr": T(0.05), "momentum": 0.9, "foreach": False}, None),
    ("SGD", {"lr": 0.05, "weight_decay": T(0.01)}, None),
    ("Adam", {"lr": 0.05}, None),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, G2),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True}, None),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}, None),
    # float32 tensor betas make float32 bias corrections; chainrule's float32 pow(x, 3.0)
    # is correctly rounded where torch's computes x*x*x, so this case gets the float32
    # tolerance in float64 too (LOOSE)
    ("Adam", {"lr": T(0.05), "betas": (T(0.9), T(0.99))}, None),
    ("Adam", {"lr": 0.05, "amsgrad": True, "foreach": False, "fused": None}, None),
    ("AdamW", {"lr": 0.05}, None),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.3, "maximize": True}, G2),
    ("RMSprop", {"lr": 0.01}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}, G2),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "maximize": True},
     None),
    ("RMSprop", {"lr": 0.01, "centered": True}, [{"centered": False}, {}]),
    ("Adagrad", {"lr": 0.1}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.5}, G2),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "maximize": True}, None),
    ("Adadelta", {}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}, G2),
    ("Adadelta", {"lr": 0.5, "maximize": True}, None),
    ("Adamax", {"lr": 0.02}, None),
    ("Adamax", {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.1, "eps": 1e-4}, G2),
    ("Adamax", {"lr": 0.02, "maximize": True}, None),
    ("NAdam", {"lr": 0.02}, None),
    ("NAdam", {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.1}, G2),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}, None),
    ("RAdam", {"lr": 0.02}, None),
    ("RAdam", {"lr": 0.02, "betas": (0.5, 0.6), "weight_decay": 0.1}, G2),
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}, None),
    ("ASGD", {"lr": 0.05}, None),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}, G2),
    ("ASGD", {"lr": 0.05, "t0": 3, "maximize": True}, None),
    ("Rprop", {"lr": 0.01}, None),
    ("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05)}, G2),
    ("Rprop", {"lr": 0.01, "maximize": True}, None),
    ("Adafactor", {}, None),
    # tensor learning rates
    ("RMSprop", {"lr": T(0.01), "momentum": 0.5, "centered": True}, None),
    ("Adagrad", {"lr": T(0.1), "lr_decay": 0.01}, None),
    ("Adadelta", {"lr": T(0.5)}, None),
    ("Adamax", {"lr": T(0.02)}, None),
    ("NAdam", {"lr": T(0.02), "weight_decay": 0.1, "decoupled_weight_decay": True}, None),
    ("RAdam", {"lr": T(0.02), "weight_decay": 0.1, "decoupled_weight_decay": True}, None),
    ("ASGD", {"lr": T(0.05), "t0": 4}, None),
    ("Rprop", {"lr": T(0.01)}, None),
    ("AdamW", {"lr": T(0.05), "amsgrad": True}, None),
    ("Adafactor", {"lr": T(0.05), "weight_decay": 0.1}, None),
    ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-4, 1e-2), "d": 2.0,
                   "weight_decay": 0.1}, G2),
    ("Adafactor", {"lr": 0.02, "maximize": True, "eps": (None, 1e-4)}, None),
]


LOOSE = {"Adam(lr=T(0.05),betas=(T(0.9), T(0.99)))",
         # a float32 tensor lr makes ASGD's eta a float32 power, rounded differently by
         # NumPy and torch in the last bit now and then
         "ASGD(lr=T(0.05),t0=4)"}


def case_id(case):
    name, kwargs, group_opts = case
    opts = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({opts}){'+groups' if group_opts else ''}"


def make(lib, problem, name, kwargs, group_opts):
    return getattr(lib.optim, name)(groups(problem, build(lib, group_opts)),
                                    **build(lib, kwargs))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_optimizer_matches_torch_with_state_dict_round_trip(case, dtype):
    name, kwargs, group_opts = case
    pt, pm = Problem(torch, dtype), Problem(cr, dtype)
    ot, om = make(torch, pt, name, kwargs, group_opts), make(cr, pm, name, kwargs, group_opts)
    assert repr(om) == repr(ot)
    for k in range(24):
        pt.backward(k)
        pm.backward(k)
        if k % 5 == 3:         # a parameter without a gradient is skipped (state untouched)
            pt.c.grad = pm.c.grad = None
        ot.step()
        om.step()
        assert_params_close(pm.params(), pt.params(),
                            "float32" if case_id(case) in LOOSE else dtype, f"step {k}")
        if k == 11:
            sd_t, sd_m = ot.state_dict(), om.state_dict()
            same_structure(sd_m, sd_t)
            ot = make(torch, pt, name, kwargs, group_opts)
            om = make(cr, pm, name, kwargs, group_opts)
            ot.load_state_dict(to_torch(sd_m))
            om.load_state_dict(to_cr(sd_t))
            assert repr(om) == repr(ot)
    same_structure(om.state_dict(), ot.state_dict())


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Adafactor",
                                  "NAdam", "RAdam", "ASGD", "Rprop", "SGD"])
def test_default_repr_and_defaults_match_torch(name):
    pt, pm = Problem(torch, "float32"), Problem(cr, "float32")
    ot, om = getattr(torch.optim, name)(pt.params()), getattr(cr.optim, name)(pm.params())
    assert repr(om) == repr(ot)
    assert om.defaults == ot.defaults
    assert om.state_dict()["param_groups"] == ot.state_dict()["param_groups"]
    same_structure(om.state_dict(), ot.state_dict())


def test_default_dtype_float64_makes_float64_steps():
    torch.set_default_dtype(torch.float64)
    cr.set_default_dtype(cr.float64)
    try:
        pt, pm = Problem(torch, "float64"), Problem(cr, "float64")
        ot, om = torch.optim.NAdam(pt.params()), cr.optim.NAdam(pm.params())
        for k in range(3):
            pt.backward(k)
            pm.backward(k)
            ot.step()
            om.step()
        same_structure(om.state_dict(), ot.state_dict())
        assert om.state[pm.w]["step"].dtype == cr.float64
    finally:
        torch.set_default_dtype(torch.float32)
        cr.set_default_dtype(cr.float32)


COMPLEX_CASES = [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                 ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
                 ("AdamW", {"lr": 0.1}), ("RMSprop", {"centered": True, "momentum": 0.5}),
                 ("RMSprop", {}), ("Adagrad", {"initial_accumulator_value": 0.1}),
                 ("Adadelta", {"weight_decay": 0.1}), ("Adamax", {}), ("NAdam", {}),
                 ("RAdam", {}), ("ASGD", {"t0": 2}), ("Rprop", {})]


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("name,kwargs", COMPLEX_CASES, ids=[f"{n}{k}" for n, k in COMPLEX_CASES])
def test_complex_parameters_step_on_their_real_view_like_torch(name, kwargs, dtype):
    import numpy as np
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    grads = [rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)) for _ in range(8)]
    out = []
    for lib in (torch, cr):
        p = lib.nn.Parameter(lib.tensor(p0, dtype=getattr(lib, dtype)))
        opt = getattr(lib.optim, name)([p], **kwargs)
        for g in grads:
            p.grad = lib.tensor(g, dtype=getattr(lib, dtype))
            opt.step()
        out.append((p.detach().numpy().copy(), opt.state_dict()))
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == "complex128" else {"rtol": 1e-4,
                                                                        "atol": 1e-5}
    np.testing.assert_allclose(out[1][0], out[0][0], **tol)
    same_structure(out[1][1], out[0][1])


def test_lbfgs_with_a_complex_parameter():
    import numpy as np
    out = []
    for lib in (torch, cr):
        p = lib.nn.Parameter(lib.tensor([1 + 2j, -0.5 + 1j], dtype=lib.complex128))
        opt = lib.optim.LBFGS([p], line_search_fn="strong_wolfe")
        target = lib.tensor([0.3 - 1j, 2 + 0.5j], dtype=lib.complex128)

        def closure(p=p, opt=opt, target=target):
            opt.zero_grad()
            loss = ((p - target).abs() ** 2).sum() + ((p - target).abs() ** 4).sum() * 0.1
            loss.backward()
            return loss
        for _ in range(2):
            opt.step(closure)
        out.append(p.detach().numpy().copy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-9, atol=1e-12)
