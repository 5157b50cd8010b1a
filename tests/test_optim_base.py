"""The Optimizer base against torch's: step hooks (per optimizer and global), state-dict and
load-state-dict hooks, named parameters, zero_grad, casting on load, old checkpoints with
Python-number steps, pickling and deepcopy, subclassing."""
import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optim_pairs import Problem, same_structure, to_cr  # noqa: E402

import chainrule as cr  # noqa: E402


def test_step_hooks_order_and_argument_replacement():
    logs = {}
    for lib in (torch, cr):
        log = logs[lib.__name__] = []
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([w], lr=0.5)
        mod = __import__(lib.__name__ + ".optim.optimizer", fromlist=["x"])
        handles = [
            mod.register_optimizer_step_pre_hook(lambda o, a, k, log=log: log.append("gpre")),
            mod.register_optimizer_step_post_hook(lambda o, a, k, log=log: log.append("gpost")),
            opt.register_step_pre_hook(lambda o, a, k, log=log: log.append(("pre", len(a), sorted(k)))),
            opt.register_step_post_hook(lambda o, a, k, log=log: log.append(("post", len(a), sorted(k)))),
        ]

        def closure(w=w, log=log):
            log.append("closure")
            loss = (w * w).sum()
            loss.backward()
            return loss

        def swap(o, args, kwargs, closure=closure):
            return (args[0],), {"closure": closure}
        h = opt.register_step_pre_hook(swap)
        loss = opt.step()
        log.append(loss.item())
        h.remove()
        opt.step()
        for handle in handles:
            handle.remove()
        opt.step()
        log.append(w.tolist())
    assert logs["chainrule"] == logs["torch"]


def test_step_pre_hook_with_a_bad_result_raises():
    for lib in (torch, cr):
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.Adam([w])
        opt.register_step_pre_hook(lambda o, a, k: "bad")
        with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, "
                                               r"new_kwargs\), but got bad\."):
            opt.step()


def test_state_dict_and_load_state_dict_hooks():
    logs = {}
    for lib in (torch, cr):
        log = logs[lib.__name__] = []
        p = Problem(lib, "float32")
        opt = lib.optim.Adam(p.params(), lr=0.1)
        p.backward(0)
        opt.step()
        opt.register_state_dict_pre_hook(lambda o, log=log: log.append("pre1"))
        opt.register_state_dict_pre_hook(lambda o, log=log: log.append("pre0"), prepend=True)

        def post(o, sd, log=log):
            log.append(("post", sorted(sd)))
            sd["extra"] = 1
        opt.register_state_dict_post_hook(post)
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "replaced": True})
        sd = opt.state_dict()
        log.append(sorted(sd))

        def load_pre(o, sd, log=log):
            log.append(("load_pre", sorted(sd)))
            sd = dict(sd)
            sd["param_groups"] = [dict(g, lr=0.25) for g in sd["param_groups"]]
            return sd
        opt.register_load_state_dict_pre_hook(load_pre)
        opt.register_load_state_dict_post_hook(lambda o, log=log: log.append(
            ("load_post", o.param_groups[0]["lr"])))
        h = opt.register_load_state_dict_post_hook(lambda o, log=log: log.append("first"),
                                                   prepend=True)
        opt.load_state_dict(sd)
        h.remove()
        opt.load_state_dict(sd)
    assert logs["chainrule"] == logs["torch"]


def test_named_parameters_are_kept_in_groups_and_state_dict():
    sds = []
    for lib in (torch, cr):
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.SGD([{"params": [("weight", model.weight)], "lr": 0.1},
                             {"params": [("bias", model.bias)]}], lr=0.5, momentum=0.9)
        assert opt.param_groups[0]["param_names"] == ["weight"]
        sds.append(opt.state_dict())
        repr_ = repr(opt)
        sds.append(repr_)
        fresh = lib.optim.SGD(list(model.parameters()), lr=0.5)
        with pytest.raises(ValueError, match="different number of parameter groups"):
            fresh.load_state_dict(sds[-2])
    assert sds[2] == sds[0] or sds[2]["param_groups"] == sds[0]["param_groups"]
    assert sds[3] == sds[1]


def test_zero_grad_to_none_and_to_zero_detaches():
    for lib in (torch, cr):
        w = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.RMSprop([w])
        w.grad = lib.autograd.grad((w * w).sum(), w, create_graph=True)[0]
        assert w.grad.requires_grad
        opt.zero_grad(set_to_none=False)
        assert w.grad.tolist() == [0.0, 0.0, 0.0] and not w.grad.requires_grad
        opt.zero_grad()
        assert w.grad is None


def test_load_casts_state_to_the_parameter_dtype_but_not_step():
    p64 = Problem(torch, "float64")
    ot = torch.optim.Adam(p64.params(), lr=0.1)
    p64.backward(0)
    ot.step()
    pm = Problem(cr, "float32")
    om = cr.optim.Adam(pm.params(), lr=0.1)
    om.load_state_dict(to_cr(ot.state_dict()))
    pt32 = Problem(torch, "float32")
    ot32 = torch.optim.Adam(pt32.params(), lr=0.1)
    ot32.load_state_dict(ot.state_dict())
    same_structure(om.state_dict(), ot32.state_dict())
    assert om.state[pm.w]["exp_avg"].dtype == cr.float32
    assert om.state[pm.w]["step"].dtype == cr.float32


def test_fused_groups_cast_step_to_float32_on_load():
    for lib in (torch, cr):
        p = Problem(lib, "float64")
        opt = lib.optim.Adam(p.params(), fused=True)
        sd = {"state": {0: {"step": lib.tensor(3.0, dtype=lib.float64),
                            "exp_avg": lib.zeros(4, 3, dtype=lib.float64),
                            "exp_avg_sq": lib.zeros(4, 3, dtype=lib.float64)}},
              "param_groups": opt.state_dict()["param_groups"]}
        opt.load_state_dict(sd)
        assert opt.state[p.w]["step"].dtype == lib.float32


@pytest.mark.parametrize("name,state", [
    ("Adam", {"step": 3, "exp_avg": "z", "exp_avg_sq": "z"}),
    ("RMSprop", {"step": 3, "square_avg": "z"}),
    ("Adagrad", {"step": 3, "sum": "z"}),
    ("NAdam", {"step": 3, "exp_avg": "z", "exp_avg_sq": "z", "mu_product": 0.5}),
    ("ASGD", {"step": 3, "eta": 0.01, "mu": 1.0, "ax": "z"}),
    ("Rprop", {"step": 3, "prev": "z", "step_size": "z"}),
    ("Adamax", {"step": 3, "exp_avg": "z", "exp_inf": "z"}),
    ("RAdam", {"step": 3, "exp_avg": "z", "exp_avg_sq": "z"}),
    ("Adadelta", {"step": 3, "square_avg": "z", "acc_delta": "z"}),
])
def test_old_checkpoints_with_python_number_steps_load_as_tensors(name, state):
    sds = []
    for lib in (torch, cr):
        p = Problem(lib, "float32")
        opt = getattr(lib.optim, name)([p.b])
        sd = opt.state_dict()
        sd["state"] = {0: {k: (lib.zeros(4) if v == "z" else v) for k, v in state.items()}}
        opt.load_state_dict(sd)
        p.backward(0)
        opt.step()
        sds.append(opt.state_dict())
    same_structure(sds[1], sds[0])


def test_pickle_and_deepcopy_round_trip():
    p = Problem(cr, "float64")
    opt = cr.optim.Adam(p.params(), lr=0.1, amsgrad=True)
    p.backward(0)
    opt.step()
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert repr(clone) == repr(opt)
        assert clone.defaults == opt.defaults
        states = list(clone.state.values())
        assert len(states) == 3
        np.testing.assert_array_equal(states[0]["exp_avg"].numpy(),
                                      opt.state[p.w]["exp_avg"].numpy())
        clone.register_step_pre_hook(lambda *a: None)


def test_a_subclass_gets_step_hooks_and_base_state():
    for lib in (torch, cr):
        class Halve(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"factor": 0.5})

            def step(self, closure=None):
                for group in self.param_groups:
                    for q in group["params"]:
                        q.data.mul_(group["factor"])
                        self.state[q]["n"] = self.state[q].get("n", 0) + 1
        w = lib.nn.Parameter(lib.ones(2))
        opt = Halve([w])
        calls = []
        opt.register_step_post_hook(lambda *a, calls=calls: calls.append(1))
        opt.step()
        opt.step()
        assert w.tolist() == [0.25, 0.25] and calls == [1, 1]
        assert opt.state_dict() == {"state": {0: {"n": 2}},
                                    "param_groups": [{"factor": 0.5, "params": [0]}]}


def test_optim_namespace_matches_torch():
    names = {"ASGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "Muon", "NAdam",
             "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "SparseAdam", "lr_scheduler",
             "swa_utils"}
    assert names <= set(torch.optim.__all__)
    assert names <= set(cr.optim.__all__)
    for name in ("adam", "sgd", "optimizer"):
        assert not hasattr(torch.optim, name) and not hasattr(cr.optim, name)
