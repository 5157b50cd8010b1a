"""Every learning-rate scheduler against torch's: 60 steps of lrs (and cycled momentum or
beta1) for each option, on an optimizer with two parameter groups, with a state_dict round
trip halfway (torch's scheduler state loaded into a fresh chainrule scheduler, which must
continue identically) and equal state dicts; warnings and argument errors as torch."""
import copy
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_optim_errors import raises_like  # noqa: E402

import chainrule as cr  # noqa: E402


def make_opt(lib, name="SGD"):
    a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))
    if name == "SGD":
        return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1,
                             momentum=0.9)
    return getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.01)


def lam(epoch):
    return 0.95 ** epoch


def lam2(epoch):
    return 1.0 / (1 + epoch)


class Scale:
    """A callable object (its __dict__ goes into state_dict)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return 1.0 / (1 + self.k * x)


def sched(lib, opt, name, kwargs):
    cls = getattr(lib.optim.lr_scheduler, name)
    if name in ("SequentialLR", "ChainedScheduler"):
        subs = [sched(lib, opt, n, kw) for n, kw in kwargs["schedulers"]]
        if name == "SequentialLR":
            return cls(opt, schedulers=subs, milestones=kwargs["milestones"])
        return cls(subs, optimizer=opt)
    return cls(opt, **kwargs)


CASES = [
    ("LambdaLR", {"lr_lambda": lam}, "SGD"),
    ("LambdaLR", {"lr_lambda": [lam, lam2]}, "SGD"),
    ("LambdaLR", {"lr_lambda": Scale(0.1)}, "SGD"),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.97}, "SGD"),
    ("MultiplicativeLR", {"lr_lambda": [lam2, lam]}, "SGD"),
    ("StepLR", {"step_size": 7}, "SGD"),
    ("StepLR", {"step_size": 3, "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}, "SGD"),
    ("ConstantLR", {}, "SGD"),
    ("ConstantLR", {"factor": 0.5, "total_iters": 20}, "SGD"),
    ("LinearLR", {}, "SGD"),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.7, "total_iters": 33}, "SGD"),
    ("ExponentialLR", {"gamma": 0.93}, "SGD"),
    ("PolynomialLR", {}, "SGD"),
    ("PolynomialLR", {"total_iters": 40, "power": 2.5}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 10}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 17, "eta_min": 0.01}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 7}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, "SGD"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6}, "SGD"),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": [0.1, 0.3], "step_size_up": 4,
                  "step_size_down": 9, "mode": "triangular2"}, "SGD"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range",
                  "gamma": 0.97, "base_momentum": 0.7, "max_momentum": 0.95}, "SGD"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "scale_fn": Scale(0.5),
                  "scale_mode": "iterations"}, "SGD"),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}, "Adam"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 8,
                  "cycle_momentum": False}, "Adagrad"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 70}, "SGD"),
    ("OneCycleLR", {"max_lr": [0.1, 0.4], "epochs": 7, "steps_per_epoch": 10,
                    "anneal_strategy": "linear", "pct_start": 0.4}, "SGD"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 65, "three_phase": True,
                    "div_factor": 10.0, "final_div_factor": 100.0}, "SGD"),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 80, "base_momentum": 0.8,
                    "max_momentum": 0.9}, "Adam"),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 80, "cycle_momentum": False}, "Adagrad"),
    ("SequentialLR", {"schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                                     ("ExponentialLR", {"gamma": 0.9})],
                      "milestones": [10]}, "SGD"),
    ("SequentialLR", {"schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 4}),
                                     ("StepLR", {"step_size": 5}),
                                     ("CosineAnnealingLR", {"T_max": 12})],
                      "milestones": [8, 25]}, "SGD"),
    ("ChainedScheduler", {"schedulers": [("ConstantLR", {"factor": 0.3, "total_iters": 6}),
                                         ("ExponentialLR", {"gamma": 0.95}),
                                         ("MultiStepLR", {"milestones": [10, 40]})]}, "SGD"),
]


def trace(lib, opt, sch, steps, out):
    for _ in range(steps):
        opt.step()
        sch.step()
        out.append((sch.get_last_lr(), [g["lr"] for g in opt.param_groups],
                    [g.get("momentum", g.get("betas")) for g in opt.param_groups],
                    sch.last_epoch if hasattr(sch, "last_epoch") else None))


def plain(state):
    """A scheduler state dict with the nested dicts of chained schedulers kept, for
    comparing across the libraries."""
    return {k: v for k, v in state.items()}


def case_id(case):
    name, kwargs, opt = case
    return f"{name}-{opt}-" + ",".join(f"{k}={v}" for k, v in kwargs.items()
                                       if not callable(v) and not isinstance(v, list)
                                       or k == "milestones")


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{case_id(c)}" for i, c in enumerate(CASES)])
def test_scheduler_lrs_match_torch_with_state_dict_round_trip(case):
    name, kwargs, opt_name = case
    out = {}
    for lib in (torch, cr):
        out[lib] = seq = []
        opt = make_opt(lib, opt_name)
        sch = sched(lib, opt, name, kwargs)
        seq.append((sch.get_last_lr(), [g["lr"] for g in opt.param_groups]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            trace(lib, opt, sch, 30, seq)
        out[lib, "sd"] = sch.state_dict()
        out[lib, "opt"] = opt.state_dict()
        out[lib, "groups"] = [{k: v for k, v in g.items() if k != "params"}
                              for g in opt.param_groups]
    assert list(out[cr, "sd"]) == list(out[torch, "sd"])
    _same_values(out[cr, "sd"], out[torch, "sd"])
    assert out[cr, "groups"] == out[torch, "groups"] or _same_values(out[cr, "groups"],
                                                                     out[torch, "groups"])
    # continue in both: chainrule from a fresh scheduler loaded with torch's state
    opt_t = make_opt(torch, opt_name)
    opt_t.load_state_dict(out[torch, "opt"])
    sch_t = sched(torch, opt_t, name, kwargs)
    sch_t.load_state_dict(copy.deepcopy(out[torch, "sd"]))
    opt_m = make_opt(cr, opt_name)
    opt_m.load_state_dict(out[cr, "opt"])
    sch_m = sched(cr, opt_m, name, kwargs)
    sch_m.load_state_dict(copy.deepcopy(out[torch, "sd"]))
    for lib, opt, sch in ((torch, opt_t, sch_t), (cr, opt_m, sch_m)):
        trace(lib, opt, sch, 30 if name != "OneCycleLR" else min(30, kwargs.get(
            "total_steps", 70) - 31), out[lib])
    _same_values(out[cr], out[torch])


def _same_values(mine, ref):
    if isinstance(ref, dict):
        assert list(mine) == list(ref), (list(mine), list(ref))
        for k in ref:
            _same_values(mine[k], ref[k])
    elif isinstance(ref, (list, tuple)):
        assert len(mine) == len(ref) and type(mine) is type(ref), (mine, ref)
        for a, b in zip(mine, ref):
            _same_values(a, b)
    elif isinstance(ref, float):
        assert isinstance(mine, (float, int)) and (math.isclose(mine, ref, rel_tol=1e-12,
                                                                abs_tol=1e-15)
                                                   or (math.isinf(ref) and mine == ref)), \
            (mine, ref)
    else:
        assert mine == ref, (mine, ref)
    return True


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.93, 0.96, 0.97, 0.99, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85,
               0.86, 0.87, 0.88] * 4
    configs = [{}, {"patience": 2}, {"mode": "max", "patience": 1, "factor": 0.5},
               {"threshold_mode": "abs", "threshold": 0.05, "patience": 1, "cooldown": 2},
               {"mode": "max", "threshold_mode": "abs", "patience": 0, "min_lr": [0.02, 0.1]},
               {"patience": 1, "min_lr": 0.03, "eps": 1e-3, "factor": 0.7}]
    for config in configs:
        seqs = []
        for lib in (torch, cr):
            opt = make_opt(lib)
            sch = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **config)
            seq = []
            for i, m in enumerate(metrics):
                opt.step()
                sch.step(m)
                seq.append((sch.get_last_lr(), sch.num_bad_epochs, sch.cooldown_counter,
                            sch.best, sch.last_epoch))
                if i == 30:
                    sd = sch.state_dict()
                    sch = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **config)
                    sch.load_state_dict(sd)
            seq.append(sd)
            seqs.append(seq)
        _same_values(seqs[1], seqs[0])


def test_epoch_argument_uses_closed_form_with_deprecation_warning():
    for name, kwargs in [("StepLR", {"step_size": 3}), ("MultiStepLR", {"milestones": [2, 5]}),
                         ("ExponentialLR", {"gamma": 0.9}), ("CosineAnnealingLR", {"T_max": 5}),
                         ("LinearLR", {}), ("ConstantLR", {}), ("PolynomialLR", {}),
                         ("LambdaLR", {"lr_lambda": lam})]:
        seqs = []
        for lib in (torch, cr):
            opt = make_opt(lib)
            sch = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
            seq = []
            for epoch in [3, 1, 7, 7, 2]:
                opt.step()
                with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                    sch.step(epoch)
                seq.append(sch.get_last_lr())
            seqs.append(seq)
        _same_values(seqs[1], seqs[0])


def test_cosine_warm_restarts_fractional_epochs():
    for kwargs in [{"T_0": 4}, {"T_0": 3, "T_mult": 2, "eta_min": 0.01}]:
        seqs = []
        for lib in (torch, cr):
            opt = make_opt(lib)
            sch = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **kwargs)
            seq = []
            for epoch in np.arange(0, 25, 0.37):
                opt.step()
                sch.step(float(epoch))
                seq.append((sch.get_last_lr(), sch.T_cur, sch.T_i, sch.last_epoch))
            seqs.append(seq)
            with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
                sch.step(-1)
        _same_values(seqs[1], seqs[0])


def test_warnings_match_torch():
    for lib in (torch, cr):
        opt = make_opt(lib)
        sch = lib.optim.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                             "`optimizer.step\\(\\)`"):
            sch.step()
        opt = make_opt(lib)
        sch = lib.optim.lr_scheduler.StepLR(opt, 2)
        opt.step = lambda *a, **k: None
        with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been "
                                             "overridden after learning rate scheduler"):
            sch.step()
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sch.get_lr()
        opt = make_opt(lib)
        sch = lib.optim.lr_scheduler.StepLR(opt, 2)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sch.step()


def test_initial_lr_and_resuming():
    for lib in (torch, cr):
        opt = make_opt(lib)
        lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.5]
        opt2 = make_opt(lib)
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                           "param_groups\\[0\\] when resuming"):
            lib.optim.lr_scheduler.StepLR(opt2, 3, last_epoch=4)
        sch = lib.optim.lr_scheduler.StepLR(opt, 3, last_epoch=4)
        assert sch.last_epoch == 5 and sch.base_lrs == [0.1, 0.5]


def test_tensor_lr_is_filled_in_place():
    for lib in (torch, cr):
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=lr)
        sch = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step()
        sch.step()
        assert opt.param_groups[0]["lr"] is lr
        assert abs(lr.item() - 0.05) < 1e-7
        assert isinstance(sch.get_last_lr()[0], lib.Tensor)


def test_scheduler_argument_errors_match_torch():
    S_t, S_m = torch.optim.lr_scheduler, cr.optim.lr_scheduler
    cases = [
        ("LambdaLR", lambda S, o: S.LambdaLR(o, [lam])),
        ("MultiplicativeLR", lambda S, o: S.MultiplicativeLR(o, 0.5)),
        ("ConstantLR", lambda S, o: S.ConstantLR(o, factor=1.5)),
        ("LinearLR", lambda S, o: S.LinearLR(o, start_factor=0)),
        ("LinearLR", lambda S, o: S.LinearLR(o, end_factor=1.5)),
        ("CAWR", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0)),
        ("CAWR", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)),
        ("CAWR", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="x")),
        ("CyclicLR", lambda S, o: S.CyclicLR(o, 0.1, 1.0, mode="bad")),
        ("CyclicLR", lambda S, o: S.CyclicLR(o, [0.1], 1.0)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1, total_steps=0)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1, total_steps=5, pct_start=1)),
        ("OneCycleLR", lambda S, o: S.OneCycleLR(o, 0.1, total_steps=5, anneal_strategy="x")),
        ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, factor=1.0)),
        ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, mode="avg")),
        ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="x")),
        ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1])),
        ("SequentialLR", lambda S, o: S.SequentialLR(o, [], [])),
        ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2)], [3])),
        ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], [])),
        ("ChainedScheduler", lambda S, o: S.ChainedScheduler([])),
        ("ChainedScheduler", lambda S, o: S.ChainedScheduler([S.StepLR(o, 2), 5], o)),
        ("base", lambda S, o: S.StepLR(None, 2)),
        ("momentum", lambda S, o: S.CyclicLR(S.__dict__["Optimizer"]([o.param_groups[0][
            "params"][0]], {"lr": 0.1}), 0.1, 1.0)),
    ]
    for _, make in cases:
        raises_like(lambda m=make: m(S_t, make_opt(torch)),
                    lambda m=make: m(S_m, make_opt(cr)))
    for lib, S in ((torch, S_t), (cr, S_m)):
        opt = make_opt(lib)
        sch = S.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(2):
            opt.step()
            sch.step()
        opt.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                             "total steps is 3"):
            sch.step()
            sch.step()


def test_plateau_min_lrs_must_follow_new_groups():
    for lib in (torch, cr):
        opt = make_opt(lib)
        sch = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))]})
        sch.step(1.0)
        with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` "
                                               "\\(3\\) differs from when `ReduceLROnPlateau`"):
            sch.step(2.0)


def test_lr_scheduler_module_names():
    for name in ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
                 "ConstantLR", "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR",
                 "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
                 "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR"]:
        assert name in cr.optim.lr_scheduler.__all__
        assert getattr(cr.optim.lr_scheduler, name).__module__ == "chainrule.optim.lr_scheduler"
    assert issubclass(cr.optim.lr_scheduler._LRScheduler, cr.optim.lr_scheduler.LRScheduler)
