"""swa_utils against torch: AveragedModel (SWA by default, EMA and custom averages, one- and
multi-tensor functions, buffers averaged or copied), SWALR's lrs, update_bn's recomputed
BatchNorm statistics, and the errors."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_optim_errors import raises_like  # noqa: E402
from test_optim_lr_scheduler import _same_values, make_opt  # noqa: E402

import chainrule as cr  # noqa: E402


class WithBuffer:
    """A Linear plus a float buffer that the forward pass moves (so buffers differ between
    the model and its average)."""

    @staticmethod
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(3, 2)
                self.register_buffer("scale", lib.ones(2, dtype=lib.float64))
                self.register_buffer("count", lib.tensor(0))

            def forward(self, x):
                self.scale.mul_(1.1)
                self.count.add_(1)
                return self.lin(x) * self.scale.float()
        return Net()


def pair(lib_model=None):
    ref = WithBuffer.build(torch)
    mine = WithBuffer.build(cr)
    mine.load_state_dict({k: cr.tensor(v.numpy().copy()) for k, v in ref.state_dict().items()})
    return ref, mine


AVERAGES = [
    ("swa", {}),
    ("ema_multi", {"multi_avg_fn": "ema_multi"}),
    ("ema", {"avg_fn": "ema"}),
    ("swa_fn", {"avg_fn": "swa"}),
    ("swa_multi", {"multi_avg_fn": "swa_multi"}),
    ("custom", {"avg_fn": "custom"}),
    ("ema_buffers", {"multi_avg_fn": "ema_multi", "use_buffers": True}),
    ("swa_buffers", {"use_buffers": True}),
]


def fn(lib, name):
    su = lib.optim.swa_utils
    return {"ema_multi": su.get_ema_multi_avg_fn(0.9), "ema": su.get_ema_avg_fn(0.8),
            "swa": su.get_swa_avg_fn(), "swa_multi": su.get_swa_multi_avg_fn(),
            "custom": lambda avg, cur, n: 0.5 * avg + 0.5 * cur}[name]


@pytest.mark.parametrize("name,kwargs", AVERAGES, ids=[a[0] for a in AVERAGES])
def test_averaged_model_matches_torch(name, kwargs):
    ref, mine = pair()
    results = []
    for lib, model in ((torch, ref), (cr, mine)):
        kw = {k: (fn(lib, v) if isinstance(v, str) else v) for k, v in kwargs.items()}
        avg = lib.optim.swa_utils.AveragedModel(model, **kw)
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        rng = np.random.default_rng(0)
        for _ in range(6):
            x = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float32)
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
            avg.update_parameters(model)
        out = avg(lib.tensor(np.ones((1, 3)), dtype=lib.float32))
        results.append(({k: v.detach().numpy().copy() for k, v in avg.state_dict().items()},
                        out.detach().numpy().copy(), avg.n_averaged.item()))
    (sd_t, out_t, n_t), (sd_m, out_m, n_m) = results
    assert list(sd_m) == list(sd_t)
    for k in sd_t:
        assert sd_m[k].dtype == sd_t[k].dtype, k
        np.testing.assert_allclose(sd_m[k], sd_t[k], rtol=1e-5, atol=1e-6, err_msg=k)
    np.testing.assert_allclose(out_m, out_t, rtol=1e-5, atol=1e-6)
    assert n_m == n_t == 6


def test_averaged_model_errors_and_decay_checks():
    ref, mine = pair()
    for lib, model in ((torch, ref), (cr, mine)):
        su = lib.optim.swa_utils
        with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
            su.AveragedModel(model, avg_fn=su.get_swa_avg_fn(),
                             multi_avg_fn=su.get_swa_multi_avg_fn())
    for f in ("get_ema_multi_avg_fn", "get_ema_avg_fn"):
        raises_like(lambda f=f: getattr(torch.optim.swa_utils, f)(1.5),
                    lambda f=f: getattr(cr.optim.swa_utils, f)(1.5))


def test_averaged_model_first_update_copies_and_is_a_module():
    ref, mine = pair()
    avg = cr.optim.swa_utils.AveragedModel(mine)
    assert avg.n_averaged.dtype == cr.int64 and avg.n_averaged.item() == 0
    assert isinstance(avg, cr.nn.Module) and avg.module is not mine
    with cr.no_grad():
        for p in mine.parameters():
            p.add_(1.0)
    avg.update_parameters(mine)
    for a, b in zip(avg.module.parameters(), mine.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert a is not b
    names_t = [n for n, _ in torch.optim.swa_utils.AveragedModel(ref).named_parameters()]
    assert [n for n, _ in avg.named_parameters()] == names_t


SWALR_CASES = [{"swa_lr": 0.05}, {"swa_lr": [0.05, 0.01], "anneal_epochs": 4},
               {"swa_lr": 0.2, "anneal_strategy": "linear", "anneal_epochs": 7},
               {"swa_lr": 0.03, "anneal_epochs": 0}, {"swa_lr": 0.03, "anneal_epochs": 1}]


@pytest.mark.parametrize("kwargs", SWALR_CASES, ids=str)
def test_swalr_matches_torch(kwargs):
    seqs = []
    for lib in (torch, cr):
        opt = make_opt(lib)
        sch = lib.optim.swa_utils.SWALR(opt, **kwargs)
        seq = [sch.get_last_lr()]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for i in range(20):
                opt.step()
                sch.step()
                seq.append((sch.get_last_lr(), sch.last_epoch, sch._step_count))
                if i == 9:
                    sd = sch.state_dict()
                    seq.append(dict(sd))
                    sch = lib.optim.swa_utils.SWALR(opt, **kwargs)
                    sch.load_state_dict(sd)
        seqs.append(seq)
    _same_values(seqs[1], seqs[0])


def test_swalr_errors():
    for kwargs in [{"swa_lr": 0.1, "anneal_strategy": "exp"},
                   {"swa_lr": 0.1, "anneal_epochs": -1}, {"swa_lr": 0.1, "anneal_epochs": 2.5},
                   {"swa_lr": [0.1]}]:
        raises_like(lambda kw=kwargs: torch.optim.swa_utils.SWALR(make_opt(torch), **kw),
                    lambda kw=kwargs: cr.optim.swa_utils.SWALR(make_opt(cr), **kw))


def test_update_bn_recomputes_running_statistics_like_torch():
    rng = np.random.default_rng(1)
    batches = [rng.standard_normal((8, 3)) * (i + 1) + i for i in range(5)]
    lin_t = torch.nn.Linear(3, 3)
    state = {k: cr.tensor(v.numpy().copy()) for k, v in lin_t.state_dict().items()}
    results = []
    for lib in (torch, cr):
        lin = lib.nn.Linear(3, 3)
        lin.load_state_dict(lin_t.state_dict() if lib is torch else state)
        bn = lib.nn.BatchNorm1d(3, momentum=0.3, affine=False)
        model = lib.nn.Sequential(lin, bn)
        model.eval()
        loader = [(lib.tensor(b, dtype=lib.float32), lib.zeros(8)) for b in batches]
        lib.optim.swa_utils.update_bn(loader, model)
        results.append((bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(),
                        bn.momentum, model.training, bn.num_batches_tracked.item()))
        lib.optim.swa_utils.update_bn([b for b, _ in loader], model)
        results.append((bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()))
    (mt, vt, mom_t, tr_t, n_t), again_t, (mm, vm, mom_m, tr_m, n_m), again_m = results
    np.testing.assert_allclose(mm, mt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vm, vt, rtol=1e-5, atol=1e-6)
    assert (mom_m, tr_m, n_m) == (mom_t, tr_t, n_t) == (0.3, False, 5)
    for a, b in zip(again_m, again_t):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_update_bn_without_batchnorm_does_nothing():
    model = cr.nn.Linear(2, 2)
    model.eval()
    cr.optim.swa_utils.update_bn([cr.ones(1, 2)], model)
    assert not model.training


def test_swa_multi_avg_fn_on_integer_tensors_raises_like_torch():
    for n in (1, "tensor"):
        def run(lib, n=n):
            f = lib.optim.swa_utils.get_swa_multi_avg_fn()
            f([lib.tensor([3, 4])], [lib.tensor([5, 9])], lib.tensor(1) if n == "tensor" else n)
        raises_like(lambda: run(torch), lambda: run(cr))
    outs = []
    for lib in (torch, cr):
        a = [lib.tensor([3, 4])]
        lib.optim.swa_utils.get_ema_multi_avg_fn(0.5)(a, [lib.tensor([6, 9])], 1)
        outs.append(a[0].tolist())
    assert outs[0] == outs[1]
