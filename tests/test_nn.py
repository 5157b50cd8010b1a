"""chainrule.nn against torch.nn: values, gradients, graph structure, reprs and errors.

Every expectation comes from torch at test time; weights are copied from the torch model
into the chainrule one so both compute on the same numbers.
"""
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_pairs import C, close  # noqa: E402

import chainrule as cr  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_torch():
    torch.manual_seed(0)




def graph(fn):
    """The grad_fn tree as nested (name, children) tuples; None for a missing edge."""
    if fn is None:
        return None
    return (fn.name(), tuple(graph(f) for f, _ in fn.next_functions))


def copy_weights(mine, ref):
    mine.load_state_dict({k: C(v) for k, v in ref.state_dict().items()})


def raises_like(fn_ref, fn_mine):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(type(ref.value)) as mine:
        fn_mine()
    assert str(mine.value) == str(ref.value)


# ------------------------------------------------------------------------- Linear
LINEAR_CASES = [((4,), True), ((2, 4), True), ((5, 2, 4), True), ((2, 3, 2, 4), True),
                ((4,), False), ((2, 4), False), ((5, 2, 4), False), ((2, 3, 2, 4), False)]


@pytest.mark.parametrize("shape,bias", LINEAR_CASES)
def test_linear_matches_torch(shape, bias):
    ref = torch.nn.Linear(4, 3, bias=bias)
    mine = cr.nn.Linear(4, 3, bias=bias)
    copy_weights(mine, ref)
    xt = torch.randn(*shape, requires_grad=True)
    xm = C(xt)
    yt, ym = ref(xt), mine(xm)
    assert tuple(ym.shape) == tuple(yt.shape)
    close(ym, yt)
    assert graph(ym.grad_fn) == graph(yt.grad_fn)
    gt = torch.randn(*yt.shape)
    yt.backward(gt)
    ym.backward(C(gt))
    close(xm.grad, xt.grad)
    for (_name, pm), (_, pt) in zip(mine.named_parameters(), ref.named_parameters()):
        close(pm.grad, pt.grad, atol=1e-4)


def test_linear_noncontiguous_input_graph():
    ref, mine = torch.nn.Linear(4, 3), cr.nn.Linear(4, 3)
    copy_weights(mine, ref)
    base = torch.randn(2, 4, 5, requires_grad=True)
    mbase = C(base)
    yt, ym = ref(base.transpose(1, 2)), mine(mbase.transpose(1, 2))
    close(ym, yt)
    assert graph(ym.grad_fn) == graph(yt.grad_fn)
    yt.sum().backward()
    ym.sum().backward()
    close(mbase.grad, base.grad)


def test_linear_2d_next_functions():
    ref, mine = torch.nn.Linear(4, 3), cr.nn.Linear(4, 3)
    yt, ym = ref(torch.randn(2, 4)), mine(cr.randn(2, 4))
    assert graph(ym.grad_fn) == graph(yt.grad_fn)
    assert ym.grad_fn.name() == "AddmmBackward0"
    # bias edge is the bias's own AccumulateGrad, the third is t(weight)
    assert ym.grad_fn.next_functions[0][0].variable is mine.bias
    assert ym.grad_fn.next_functions[2][0].next_functions[0][0].variable is mine.weight


@pytest.mark.parametrize("shape", [(2, 5), (5,), (2, 2, 5)])
def test_linear_shape_mismatch_message(shape):
    ref, mine = torch.nn.Linear(4, 3), cr.nn.Linear(4, 3)
    raises_like(lambda: ref(torch.randn(*shape)), lambda: mine(cr.randn(*shape)))


def test_functional_linear_errors():
    raises_like(lambda: torch.nn.functional.linear(torch.tensor(1.0), torch.randn(3, 4)),
                lambda: cr.nn.functional.linear(cr.tensor(1.0), cr.randn(3, 4)))
    raises_like(lambda: torch.nn.functional.linear(torch.randn(2, 4), torch.randn(3, 5)),
                lambda: cr.nn.functional.linear(cr.randn(2, 4), cr.randn(3, 5)))


def test_linear_bias_shape_mismatch_message():
    raises_like(lambda: torch.nn.functional.linear(torch.randn(2, 4), torch.randn(3, 4),
                                                   torch.randn(2)),
                lambda: cr.nn.functional.linear(cr.randn(2, 4), cr.randn(3, 4), cr.randn(2)))


def test_linear_dtype_mismatch_message():
    raises_like(lambda: torch.nn.functional.linear(torch.randn(2, 4),
                                                   torch.randn(3, 4, dtype=torch.float64),
                                                   torch.randn(3)),
                lambda: cr.nn.functional.linear(cr.randn(2, 4), cr.randn(3, 4, dtype=cr.float64),
                                                cr.randn(3)))


def test_linear_default_init_distribution():
    ref, mine = torch.nn.Linear(400, 300), cr.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) and the bias rule both give this
    for name, tol in (("weight", 0.01), ("bias", 0.05)):
        wt, wm = getattr(ref, name).detach().numpy(), getattr(mine, name).detach().numpy()
        assert np.abs(wt).max() <= bound + 1e-7 and np.abs(wm).max() <= bound + 1e-7
        assert np.abs(wm).max() > (1 - tol) * bound and np.abs(wt).max() > (1 - tol) * bound
        assert abs(wm.std() - wt.std()) < 3 * tol * wt.std()
        assert wm.dtype == wt.dtype


# ------------------------------------------------------------------------- reprs
def test_reprs_match_torch():
    pairs = [
        (torch.nn.Linear(10, 1), cr.nn.Linear(10, 1)),
        (torch.nn.Linear(3, 2, bias=False), cr.nn.Linear(3, 2, bias=False)),
        (torch.nn.ReLU(), cr.nn.ReLU()), (torch.nn.ReLU(inplace=True), cr.nn.ReLU(inplace=True)),
        (torch.nn.Sigmoid(), cr.nn.Sigmoid()), (torch.nn.Tanh(), cr.nn.Tanh()),
        (torch.nn.MSELoss(reduction="sum"), cr.nn.MSELoss(reduction="sum")),
        (torch.nn.Identity(), cr.nn.Identity()),
    ]
    for ref, mine in pairs:
        assert repr(mine) == repr(ref)
    assert repr(_seq(cr)) == repr(_seq(torch))
    assert repr(_Net(cr)) == repr(_Net(torch))
    assert repr(cr.nn.ModuleList([cr.nn.Linear(2, 2)] * 3 + [cr.nn.ReLU()])) == repr(
        torch.nn.ModuleList([torch.nn.Linear(2, 2)] * 3 + [torch.nn.ReLU()]))
    assert repr(cr.nn.Sequential()) == repr(torch.nn.Sequential())


def test_parameter_repr_and_semantics():
    for rg in (True, False):
        assert repr(cr.nn.Parameter(cr.tensor([1.0, 2.0]), requires_grad=rg)) == repr(
            torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=rg))
    assert repr(cr.nn.Parameter()) == repr(torch.nn.Parameter())
    p = cr.nn.Parameter(cr.ones(2))
    assert isinstance(p, cr.Tensor) and p.is_leaf and p.requires_grad
    # results of ops on a Parameter are plain tensors, as in torch
    assert type(p * 2) is cr.Tensor and type(p.detach()) is cr.Tensor
    raises_like(lambda: torch.nn.Parameter(torch.tensor([1, 2])),
                lambda: cr.nn.Parameter(cr.tensor([1, 2])))
    # shares storage with the data it wraps
    t = cr.zeros(2)
    q = cr.nn.Parameter(t)
    with cr.no_grad():
        q.add_(1)
    assert t.tolist() == [1.0, 1.0]


def _seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))


class _Net:
    """A nested module defined the same way for either library."""

    def __new__(cls, lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = lib.nn.Sequential(OrderedDict(
                    [("fc", lib.nn.Linear(3, 4)), ("act", lib.nn.Tanh())]))
                self.head = lib.nn.Linear(4, 2)
                self.register_buffer("steps", lib.zeros(1))
                self.register_buffer("scratch", lib.zeros(2), persistent=False)
                self.scale = lib.nn.Parameter(lib.ones(1))

            def forward(self, x):
                return self.head(self.body(x)) * self.scale
        return Net()


# ------------------------------------------------------------------------- Module
def test_state_dict_and_parameter_names_match():
    ref, mine = _Net(torch), _Net(cr)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in ref.named_buffers()]
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [n for n, _ in mine.named_children()] == [n for n, _ in ref.named_children()]
    assert len(list(mine.modules())) == len(list(ref.modules()))
    sd = mine.state_dict()
    assert not any(v.requires_grad for v in sd.values())
    assert all(v.requires_grad for k, v in mine.state_dict(keep_vars=True).items()
               if k != "steps")


def test_module_forward_backward_matches():
    ref, mine = _Net(torch), _Net(cr)
    copy_weights(mine, ref)
    xt = torch.randn(5, 3)
    yt, ym = ref(xt), mine(C(xt))
    close(ym, yt)
    yt.pow(2).sum().backward()
    ym.pow(2).sum().backward()
    for (_n, pm), (_, pt) in zip(mine.named_parameters(), ref.named_parameters()):
        close(pm.grad, pt.grad, atol=1e-4)


def test_load_state_dict_errors_and_result():
    def sd(lib, **shapes):
        d = {"weight": lib.zeros(*shapes.get("weight", (2, 2))), "foo": lib.zeros(1)}
        return d
    raises_like(lambda: torch.nn.Linear(2, 2).load_state_dict(sd(torch, weight=(2, 3))),
                lambda: cr.nn.Linear(2, 2).load_state_dict(sd(cr, weight=(2, 3))))
    rt = torch.nn.Linear(2, 2).load_state_dict(sd(torch), strict=False)
    rm = cr.nn.Linear(2, 2).load_state_dict(sd(cr), strict=False)
    assert repr(rm) == repr(rt)
    ok_t = torch.nn.Linear(2, 2).load_state_dict(torch.nn.Linear(2, 2).state_dict())
    ok_m = cr.nn.Linear(2, 2).load_state_dict(cr.nn.Linear(2, 2).state_dict())
    assert repr(ok_m) == repr(ok_t)
    raises_like(lambda: _seq(torch).load_state_dict({"0.weight": torch.zeros(3, 2)}),
                lambda: _seq(cr).load_state_dict({"0.weight": cr.zeros(3, 2)}))


def test_load_state_dict_copies_in_place():
    m = cr.nn.Linear(2, 2)
    w = m.weight
    before = w._version
    m.load_state_dict({"weight": cr.ones(2, 2), "bias": cr.zeros(2)})
    assert m.weight is w and w.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert w._version == before + 1


def test_train_eval_zero_grad_requires_grad():
    for lib in (torch, cr):
        net = _Net(lib)
        assert net.training and net.body.fc.training
        assert net.eval() is net and not net.body.fc.training and not net.head.training
        net.train()
        assert net.body.act.training
        net(lib.randn(2, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        assert all(p.grad is not None and p.grad.abs().sum().item() == 0
                   for p in net.parameters())
        net.zero_grad()
        assert all(p.grad is None for p in net.parameters())
        net.requires_grad_(False)
        assert not any(p.requires_grad for p in net.parameters())
    raises_like(lambda: torch.nn.Linear(1, 1).train("yes"), lambda: cr.nn.Linear(1, 1).train("yes"))


def test_attribute_registration_errors():
    ref, mine = torch.nn.Linear(2, 2), cr.nn.Linear(2, 2)
    raises_like(lambda: setattr(ref, "weight", torch.zeros(2, 2)),
                lambda: setattr(mine, "weight", cr.zeros(2, 2)))
    raises_like(lambda: ref.nothing, lambda: mine.nothing)
    raises_like(lambda: ref.register_buffer("a.b", torch.zeros(1)),
                lambda: mine.register_buffer("a.b", cr.zeros(1)))
    raises_like(lambda: ref.register_parameter("w", torch.zeros(1)),
                lambda: mine.register_parameter("w", cr.zeros(1)))
    raises_like(lambda: ref.register_buffer("weight", torch.zeros(1)),
                lambda: mine.register_buffer("weight", cr.zeros(1)))
    raises_like(lambda: ref.add_module("x", 3), lambda: mine.add_module("x", 3))
    raises_like(lambda: torch.nn.Module()(1), lambda: cr.nn.Module()(1))
    # re-assigning None and plain attributes
    for m in (ref, mine):
        m.bias = None
        m.note = "hi"
        assert "bias" not in dict(m.named_parameters()) and m.note == "hi"
        del m.bias
        assert not hasattr(m, "bias")


def test_forward_hooks():
    for lib in (torch, cr):
        m = lib.nn.Linear(2, 2)
        seen = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        h2 = m.register_forward_hook(
            lambda mod, args, out, seen=seen: seen.append(out.shape) or out + 1)
        y = m(lib.ones(3, 2))
        assert seen == [lib.Size([3, 2])]
        assert np.allclose(y.detach().numpy(), (m.bias + 1).detach().numpy())
        h1.remove()
        h2.remove()
        assert not np.allclose(m(lib.ones(3, 2)).detach().numpy(), y.detach().numpy())


def test_sequential_indexing_and_append():
    ref, mine = _seq(torch), _seq(cr)
    assert repr(mine[0]) == repr(ref[0]) and repr(mine[-1]) == repr(ref[-1])
    assert repr(mine[1:]) == repr(ref[1:])
    assert len(mine) == len(ref) == 3
    raises_like(lambda: ref[3], lambda: mine[3])
    ref.append(torch.nn.Sigmoid())
    mine.append(cr.nn.Sigmoid())
    del ref[0]
    del mine[0]
    assert repr(mine) == repr(ref)
    assert list(mine.state_dict()) == list(ref.state_dict())


def test_module_double_and_deepcopy():
    import copy
    m = cr.nn.Linear(2, 2).double()
    assert m.weight.dtype == cr.float64 and isinstance(m.weight, cr.nn.Parameter)
    m2 = copy.deepcopy(m)
    assert m2.weight is not m.weight and isinstance(m2.weight, cr.nn.Parameter)
    assert repr(m2.weight).startswith("Parameter containing:")
    assert m2.weight.tolist() == m.weight.tolist()


# ------------------------------------------------------------------------- MSELoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target_grad", [False, True])
def test_mse_loss_matches_torch(reduction, target_grad):
    xt = torch.randn(3, 4, requires_grad=True)
    tt = torch.randn(3, 4, requires_grad=target_grad)
    xm, tm = C(xt), C(tt)
    lt = torch.nn.MSELoss(reduction=reduction)(xt, tt)
    lm = cr.nn.MSELoss(reduction=reduction)(xm, tm)
    close(lm, lt)
    assert lm.grad_fn.name() == "MseLossBackward0"
    assert graph(lm.grad_fn) == graph(lt.grad_fn)
    assert lm.grad_fn.next_functions[0][0].variable is xm
    gt = torch.randn(lt.shape)
    lt.backward(gt)
    lm.backward(C(gt))
    close(xm.grad, xt.grad)
    if target_grad:
        close(tm.grad, tt.grad)


def test_mse_loss_target_only_requires_grad():
    xt, tt = torch.randn(4), torch.randn(4, requires_grad=True)
    xm, tm = C(xt), C(tt)
    lt, lm = torch.nn.functional.mse_loss(xt, tt), cr.nn.functional.mse_loss(xm, tm)
    assert graph(lm.grad_fn) == graph(lt.grad_fn)
    lt.backward()
    lm.backward()
    close(tm.grad, tt.grad)


def test_mse_loss_broadcast_warns_and_expands():
    xt, tt = torch.randn(2, 3, requires_grad=True), torch.randn(3, requires_grad=True)
    xm, tm = C(xt), C(tt)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        lt = torch.nn.functional.mse_loss(xt, tt)
    with warnings.catch_warnings(record=True) as wm:
        warnings.simplefilter("always")
        lm = cr.nn.functional.mse_loss(xm, tm)
    assert [str(w.message) for w in wm] == [str(w.message) for w in wt]
    assert wm[0].filename == __file__
    assert graph(lm.grad_fn) == graph(lt.grad_fn)
    close(lm, lt)
    lt.backward()
    lm.backward()
    close(xm.grad, xt.grad)
    close(tm.grad, tt.grad)


def test_mse_loss_errors_and_dtypes():
    x = torch.randn(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda: torch.nn.functional.mse_loss(x, torch.randn(4)),
                    lambda: cr.nn.functional.mse_loss(C(x), cr.randn(4)))
    raises_like(lambda: torch.nn.functional.mse_loss(x, x, reduction="foo"),
                lambda: cr.nn.functional.mse_loss(C(x), C(x), reduction="foo"))
    raises_like(lambda: torch.nn.functional.mse_loss(torch.ones(3, dtype=torch.long),
                                                     torch.ones(3, dtype=torch.long)),
                lambda: cr.nn.functional.mse_loss(cr.ones(3, dtype=cr.long),
                                                  cr.ones(3, dtype=cr.long)))
    xt = torch.randn(3, requires_grad=True)
    t64 = torch.randn(3, dtype=torch.float64)
    xm = C(xt)
    lt, lm = torch.nn.functional.mse_loss(xt, t64), cr.nn.functional.mse_loss(xm, C(t64))
    assert str(lm.dtype) == str(lt.dtype)
    lt.backward()
    lm.backward()
    assert str(xm.grad.dtype) == str(xt.grad.dtype)
    close(xm.grad, xt.grad)
    assert math.isnan(cr.nn.functional.mse_loss(cr.randn(0), cr.randn(0)).item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_double_backward(reduction):
    xt = torch.randn(3, dtype=torch.float64, requires_grad=True)
    tt = torch.randn(3, dtype=torch.float64, requires_grad=True)
    xm, tm = C(xt), C(tt)
    lt = torch.nn.functional.mse_loss(xt * xt, tt, reduction=reduction).sum()
    lm = cr.nn.functional.mse_loss(xm * xm, tm, reduction=reduction).sum()
    (gt,) = torch.autograd.grad(lt, xt, create_graph=True)
    (gm,) = cr.autograd.grad(lm, xm, create_graph=True)
    close(gm, gt)
    # the gradient's graph holds torch's MseLossBackwardBackward0 node, wired the same way
    assert "MseLossBackwardBackward0" in _names(gt.grad_fn)
    assert graph(gm.grad_fn) == graph(gt.grad_fn)
    (gt ** 2).sum().backward()
    (gm ** 2).sum().backward()
    close(xm.grad, xt.grad)
    close(tm.grad, tt.grad)


def _names(fn, seen=None):
    seen = set() if seen is None else seen
    if fn is None or fn in seen:
        return set()
    seen.add(fn)
    out = {fn.name()}
    for f, _ in fn.next_functions:
        out |= _names(f, seen)
    return out


# ------------------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activations_match(name):
    xt = torch.randn(4, 3, requires_grad=True)
    xm = C(xt)
    mod_name = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}[name]
    for yt, ym in ((getattr(torch.nn.functional, name)(xt), getattr(cr.nn.functional, name)(xm)),
                   (getattr(torch.nn, mod_name)()(xt), getattr(cr.nn, mod_name)()(xm))):
        close(ym, yt)
        assert ym.grad_fn.name() == yt.grad_fn.name()


def test_relu_inplace():
    at, am = torch.randn(5), None
    am = C(at)
    torch.nn.ReLU(inplace=True)(at)
    out = cr.nn.ReLU(inplace=True)(am)
    assert out is am
    close(am, at)


# ------------------------------------------------------------------------- init
def test_fan_and_gain_match_torch():
    for shape in [(3, 4), (5, 2, 3), (6, 4, 3, 2)]:
        assert cr.nn.init._calculate_fan_in_and_fan_out(cr.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    raises_like(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(3)),
                lambda: cr.nn.init._calculate_fan_in_and_fan_out(cr.empty(3)))
    for args in [("relu",), ("tanh",), ("linear",), ("leaky_relu", 0.2), ("leaky_relu",),
                 ("selu",)]:
        assert cr.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    raises_like(lambda: torch.nn.init.calculate_gain("foo"),
                lambda: cr.nn.init.calculate_gain("foo"))
    raises_like(lambda: torch.nn.init.kaiming_uniform_(torch.empty(2, 2), mode="x"),
                lambda: cr.nn.init.kaiming_uniform_(cr.empty(2, 2), mode="x"))


def test_init_in_place_fills():
    for name, args in [("zeros_", ()), ("ones_", ()), ("constant_", (0.25,)), ("eye_", ())]:
        t, m = torch.empty(3, 4, requires_grad=True), cr.empty(3, 4, requires_grad=True)
        rt, rm = getattr(torch.nn.init, name)(t, *args), getattr(cr.nn.init, name)(m, *args)
        assert rm is m and rt is t
        close(m, t)
        assert m.requires_grad and m.is_leaf


@pytest.mark.parametrize("name,kwargs", [
    ("uniform_", {"a": -2.0, "b": 3.0}), ("normal_", {"mean": 1.0, "std": 2.0}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}), ("kaiming_normal_", {"mode": "fan_out"}),
    ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {})])
def test_random_init_distributions(name, kwargs):
    t, m = torch.empty(300, 200), cr.empty(300, 200)
    v0 = m._version
    getattr(torch.nn.init, name)(t, **kwargs)
    assert getattr(cr.nn.init, name)(m, **kwargs) is m
    assert m._version > v0
    a, b = m.numpy(), t.numpy()
    assert abs(a.mean() - b.mean()) < 0.05 * max(b.std(), 1)
    assert abs(a.std() - b.std()) < 0.03 * b.std()
    if "uniform" in name:
        assert abs(a.min() - b.min()) < 0.01 * b.std() and abs(a.max() - b.max()) < 0.01 * b.std()
