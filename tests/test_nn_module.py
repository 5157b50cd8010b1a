"""nn.Module against torch.nn.Module: registration, traversal order and names, state_dict
keys/metadata/hooks, load_state_dict results and error text, repr, hooks (order, kwargs,
always_call, backward), conversion, copy and pickle. Each snippet runs in both libraries
(``m`` is torch or chainrule) and the outcomes are compared."""
import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402

LIBS = (torch, cr)


def both(fn):
    """``fn(m)`` for torch and chainrule; the two results, torch's first."""
    return fn(torch), fn(cr)


def same_error(fn):
    """Both raise the same exception class with the same full message."""
    out = []
    for m in LIBS:
        with pytest.raises(Exception) as info:
            fn(m)
        out.append(info)
    t, c = out
    assert type(c.value).__name__ == type(t.value).__name__, (c.value, t.value)
    assert str(c.value) == str(t.value)


def net(m):
    """A model with nesting, a shared submodule, a shared parameter, buffers (one
    non-persistent), a None parameter and a None child."""
    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.nn.Linear(3, 3)
            self.register_buffer("count", m.zeros(1))
            self.register_buffer("scratch", m.ones(2), persistent=False)

        def forward(self, x):
            return self.fc(x).relu()

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.b = Block()
            self.shared = self.a
            self.head = m.nn.Linear(3, 2)
            self.tied = self.head.weight
            self.register_parameter("nothing", None)
            self.add_module("absent", None)
            self.scale = m.nn.Parameter(m.ones(()))

        def forward(self, x):
            return self.head(self.b(self.a(x))) * self.scale

    return Net()


def load_from_torch(model, ref):
    model.load_state_dict({k: cr.tensor(v.detach().numpy().copy())
                           for k, v in ref.state_dict().items()})


# ---------------------------------------------------------------------- traversal
@pytest.mark.parametrize("remove_duplicate", [True, False])
def test_named_members_order_names_and_dedup(remove_duplicate):
    def names(m):
        model = net(m)
        return ([n for n, _ in model.named_parameters(remove_duplicate=remove_duplicate)],
                [n for n, _ in model.named_buffers(remove_duplicate=remove_duplicate)],
                [n for n, _ in model.named_modules(remove_duplicate=remove_duplicate)],
                [n for n, _ in model.named_children()],
                [n for n, _ in model.named_parameters(prefix="root", recurse=False)],
                [n for n, _ in model.named_modules(prefix="top")],
                len(list(model.parameters())), len(list(model.buffers())),
                len(list(model.modules())), len(list(model.children())),
                len(list(model.modules(remove_duplicate=False))))
    same(names)


def test_state_dict_keys_metadata_and_keep_vars():
    def keys(m):
        model = net(m)
        sd = model.state_dict()
        kv = model.state_dict(keep_vars=True)
        pre = model.state_dict(prefix="p.")
        return (type(sd).__name__, list(sd), list(sd._metadata.items()),
                [type(v).__name__ for v in kv.values()], [v.requires_grad for v in kv.values()],
                [v.requires_grad for v in sd.values()], list(pre), list(pre._metadata))
    same(keys)


def test_state_dict_into_destination_and_positional_warning():
    def run(m):
        dest = OrderedDict()
        out = net(m).state_dict(destination=dest)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            net(m).head.state_dict(OrderedDict(), "h.")
        return out is dest, list(dest), [str(x.category.__name__) for x in w]
    same(run)


def test_outputs_and_gradients_match_after_state_dict_copy():
    ref = net(torch)
    mine = net(cr)
    load_from_torch(mine, ref)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out_t = ref(torch.tensor(x))
    out_c = mine(cr.tensor(x))
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    assert out_c.grad_fn.name() == out_t.grad_fn.name()
    out_t.sum().backward()
    out_c.sum().backward()
    for (nt, pt), (nc, pc) in zip(ref.named_parameters(), mine.named_parameters()):
        assert nt == nc
        np.testing.assert_allclose(pc.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- load_state_dict
def test_load_state_dict_strict_errors_have_torchs_text():
    def run(m):
        model = net(m)
        sd = model.state_dict()
        sd.pop("head.bias")
        sd["extra.weight"] = m.zeros(1)
        sd["a.fc.weight"] = m.zeros(2, 2)
        sd["head.weight"] = "not a tensor"
        model.load_state_dict(sd)
    same_error(run)


def test_load_state_dict_not_strict_returns_incompatible_keys():
    def run(m):
        model = net(m)
        sd = model.state_dict()
        sd.pop("head.bias")
        sd["extra.weight"] = m.zeros(1)
        sd["a.unknown"] = m.zeros(1)
        res = model.load_state_dict(sd, strict=False)
        ok = model.load_state_dict(model.state_dict())
        return (res.missing_keys, res.unexpected_keys, repr(res), repr(ok), str(ok),
                type(res).__name__, res._fields)
    same(run)


def test_load_state_dict_copies_in_place_and_assign_replaces():
    def run(m):
        model = m.nn.Linear(2, 2)
        w = model.weight
        model.load_state_dict({"weight": m.ones(2, 2), "bias": m.zeros(2)})
        copied = w is model.weight
        new = m.full((2, 2), 3.0)
        model.load_state_dict({"weight": new, "bias": m.zeros(2)}, assign=True)
        return (copied, model.weight is w, type(model.weight).__name__,
                model.weight.requires_grad, model.weight.sum().item(), w.sum().item())
    same(run)


def test_load_state_dict_scalar_from_one_element_and_type_error():
    def run(m):
        model = m.nn.Module()
        model.s = m.nn.Parameter(m.tensor(1.0))
        model.load_state_dict({"s": m.tensor([5.0])})
        return model.s.item()
    same(run)
    same_error(lambda m: m.nn.Linear(1, 1).load_state_dict([1, 2]))


def test_load_state_dict_hooks_order_and_arguments():
    def run(m):
        calls = []
        model = m.nn.Sequential(m.nn.Linear(1, 1), m.nn.Sequential(m.nn.Linear(1, 1)))

        def pre(module, sd, prefix, meta, strict, missing, unexpected, errors):
            calls.append(("pre", type(module).__name__, prefix, sorted(sd), dict(meta), strict))

        def post(module, keys):
            calls.append(("post", type(module).__name__, list(keys.missing_keys)))

        for mod in model.modules():
            mod.register_load_state_dict_pre_hook(pre)
            mod.register_load_state_dict_post_hook(post)
        sd = model.state_dict()
        del sd["1.0.bias"]
        model.load_state_dict(sd, strict=False)
        return calls
    same(run)


def test_load_state_dict_post_hook_returning_a_value_raises():
    def run(m):
        model = m.nn.Linear(1, 1)
        model.register_load_state_dict_post_hook(lambda mod, keys: 1)
        model.load_state_dict(model.state_dict())
    same_error(run)


def test_state_dict_pre_and_post_hooks():
    def run(m):
        calls = []
        model = m.nn.Sequential(m.nn.Linear(1, 1))
        model.register_state_dict_pre_hook(
            lambda mod, prefix, keep_vars: calls.append(("pre", prefix, keep_vars)))

        def post(mod, sd, prefix, meta):
            calls.append(("post", prefix, list(sd), dict(meta)))
            sd["added"] = m.zeros(1)
        model[0].register_state_dict_post_hook(post)
        sd = model.state_dict(keep_vars=True)
        return calls, list(sd)
    same(run)

    def bad(m):
        model = m.nn.Linear(1, 1)
        model.register_state_dict_post_hook(lambda *a: {})
        model.state_dict()
    same_error(bad)


def test_extra_state_saved_and_loaded():
    def run(m):
        class WithExtra(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = m.nn.Linear(1, 1)
                self.value = 1

            def get_extra_state(self):
                return {"value": self.value}

            def set_extra_state(self, state):
                self.value = state["value"] * 10

        a = WithExtra()
        sd = a.state_dict()
        b = WithExtra()
        b.load_state_dict(sd)
        res = b.load_state_dict({k: v for k, v in sd.items() if k != "_extra_state"},
                                strict=False)
        return list(sd), sd["_extra_state"], b.value, res.missing_keys
    same(run)


# ---------------------------------------------------------------------- registration
def _with_buffer(m):
    mod = m.nn.Module()
    mod.register_buffer("running_mean", m.zeros(1))
    return mod


@pytest.mark.parametrize("case", [
    lambda m: m.nn.Module().register_buffer(1, None),
    lambda m: m.nn.Module().register_buffer("a.b", None),
    lambda m: m.nn.Module().register_buffer("", None),
    lambda m: m.nn.Module().register_buffer("x", [1]),
    lambda m: m.nn.Module().register_parameter(2, None),
    lambda m: m.nn.Module().register_parameter("a.b", None),
    lambda m: m.nn.Module().register_parameter("", None),
    lambda m: m.nn.Module().register_parameter("w", m.zeros(1)),
    lambda m: m.nn.Module().register_parameter("w", m.nn.Parameter(m.ones(1)) * 2),
    lambda m: m.nn.Module().add_module("x", 3),
    lambda m: m.nn.Module().add_module(3, m.nn.Module()),
    lambda m: m.nn.Module().add_module("a.b", m.nn.Module()),
    lambda m: m.nn.Module().add_module("", m.nn.Module()),
    lambda m: m.nn.Module().add_module("training", m.nn.Module()),
    lambda m: m.nn.Module().register_buffer("training", None),
    lambda m: m.nn.Linear(1, 1).__setattr__("weight", m.zeros(1)),
    lambda m: m.nn.Sequential(m.nn.ReLU()).__setattr__("0", 5),
    lambda m: _with_buffer(m).__setattr__("running_mean", 5),
    lambda m: m.nn.Module().missing,
    lambda m: m.nn.Module(1),
    lambda m: m.nn.Module(a=1),
    lambda m: m.nn.Module()(1),
    lambda m: m.nn.Module().train("yes"),
])
def test_registration_and_attribute_errors_match_torch(case):
    same_error(case)


def test_before_init_errors():
    def make(kind):
        def run(m):
            class Early(m.nn.Module):
                def __init__(self):
                    if kind == "param":
                        self.w = m.nn.Parameter(m.ones(1))
                    elif kind == "module":
                        self.c = m.nn.Linear(1, 1)
                    else:
                        self.register_buffer("b", m.ones(1))
                    super().__init__()
            Early()
        return run
    for kind in ("param", "module", "buffer"):
        same_error(make(kind))


def test_reassigning_moves_between_stores_and_delattr():
    def run(m):
        mod = m.nn.Module()
        mod.x = m.nn.Parameter(m.ones(1))
        stores = [(list(mod._parameters), list(mod._buffers), list(mod._modules))]
        del mod.x
        mod.x = m.nn.Linear(1, 1)
        stores.append((list(mod._parameters), list(mod._buffers), list(mod._modules)))
        mod.x = None
        stores.append((list(mod._parameters), list(mod._buffers), list(mod._modules)))
        mod.register_buffer("b", m.ones(1), persistent=False)
        mod.b = m.zeros(2)  # stays a non-persistent buffer
        mod.c = m.nn.Buffer(m.ones(1), persistent=False)
        mod.plain = m.ones(1)
        stores.append((list(mod._parameters), list(mod._buffers), list(mod._modules),
                       sorted(mod._non_persistent_buffers_set), list(mod.state_dict())))
        del mod.b
        stores.append((sorted(mod._non_persistent_buffers_set), "plain" in mod.__dict__))
        return stores, [k for k in dir(mod) if k in ("x", "c", "plain", "b")]
    same(run)


def test_get_and_set_submodule_parameter_buffer():
    def run(m):
        model = net(m)
        out = [type(model.get_submodule("a.fc")).__name__,
               model.get_submodule("") is model,
               tuple(model.get_parameter("a.fc.weight").shape),
               tuple(model.get_buffer("b.count").shape)]
        model.set_submodule("a.fc", m.nn.Identity())
        out.append(type(model.a.fc).__name__)
        model.set_submodule("new", m.nn.ReLU())
        out.append(list(model._modules))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: net(m).get_submodule("a.nope"),
    lambda m: net(m).get_submodule("a.fc.weight"),
    lambda m: net(m).get_parameter("a.fc.nope"),
    lambda m: net(m).get_parameter("a.count"),
    lambda m: net(m).get_buffer("a.fc.weight"),
    lambda m: net(m).get_buffer("a.zz"),
    lambda m: net(m).set_submodule("", m.nn.ReLU()),
    lambda m: net(m).set_submodule("a.fc", 3),
    lambda m: net(m).set_submodule("a.zz", m.nn.ReLU(), strict=True),
    lambda m: net(m).set_submodule("a.count", m.nn.ReLU()),
])
def test_submodule_access_errors(case):
    same_error(case)


def test_global_registration_hooks():
    def run(m):
        seen = []
        mm = m.nn.modules.module
        hs = [mm.register_module_parameter_registration_hook(
                  lambda mod, n, v: seen.append(("param", n))),
              mm.register_module_buffer_registration_hook(
                  lambda mod, n, v: seen.append(("buffer", n))),
              mm.register_module_module_registration_hook(
                  lambda mod, n, v: seen.append(("module", n)))]
        try:
            m.nn.Sequential(m.nn.Linear(1, 1))
            mod = m.nn.Module()
            mod.register_buffer("b", None)
        finally:
            for h in hs:
                h.remove()
        return seen
    same(run)


# ---------------------------------------------------------------------- repr
def test_repr_matches_print_model():
    def run(m):
        class Custom(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.Tanh())

            def extra_repr(self):
                return "line one\nline two"

        model = m.nn.Sequential(OrderedDict(
            [("first", m.nn.Linear(3, 4, bias=False)), ("act", m.nn.ReLU()),
             ("custom", Custom()), ("empty", m.nn.Sequential()), ("none", None)]))
        return repr(model), repr(net(m)), repr(m.nn.Module())
    same(run)


# ---------------------------------------------------------------------- modes, grads
def test_train_eval_zero_grad_requires_grad():
    def run(m):
        model = net(m)
        out = [model.training, model.eval() is model, [x.training for x in model.modules()]]
        model.train()
        out.append(all(x.training for x in model.modules()))
        model(m.ones(1, 3)).sum().backward()
        model.zero_grad(set_to_none=False)
        out.append([p.grad.abs().sum().item() for p in model.parameters()])
        model.zero_grad()
        out.append([p.grad for p in model.parameters()])
        model.requires_grad_(False)
        out.append([p.requires_grad for p in model.parameters()])
        order = []
        model.apply(lambda mod: order.append(type(mod).__name__))
        out.append(order)
        return out
    same(run)


# ---------------------------------------------------------------------- conversion
def test_to_float_double_half_keep_parameter_identity():
    def run(m):
        model = net(m)
        w = model.head.weight
        model(m.ones(1, 3)).sum().backward()
        out = []
        model.double()
        out.append((model.head.weight is w, str(w.dtype), str(w.grad.dtype),
                    str(model.a.count.dtype)))
        model.to(m.float16)
        out.append(str(w.dtype))
        model.float()
        model.to("cpu", m.float64)
        out.append(str(w.dtype))
        model.to(m.zeros(1, dtype=m.float32))
        out.append(str(w.dtype))
        model.half().cpu()
        out.append(str(w.dtype))
        model.type(m.float64)
        out.append(str(w.dtype))
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.Linear(1, 1).to(m.int64),
    lambda m: m.nn.Linear(1, 1).to("cuda"),
    lambda m: m.nn.Linear(1, 1).cuda(),
])
def test_conversion_errors(case):
    same(case)


def test_integer_buffers_keep_dtype_on_conversion():
    def run(m):
        mod = m.nn.Module()
        mod.register_buffer("steps", m.tensor(3))
        mod.register_buffer("mask", m.tensor([True]))
        mod.double()
        mod.to(m.float16)
        return str(mod.steps.dtype), str(mod.mask.dtype)
    same(run)


# ---------------------------------------------------------------------- copy, pickle
class _PicklableNet(cr.nn.Module):
    def __init__(self):
        super().__init__()
        inner = net(cr)
        self.fc = cr.nn.Linear(3, 3)
        self.shared = self.fc
        self.head = cr.nn.Linear(3, 2)
        self.tied = self.head.weight
        self.register_buffer("count", cr.zeros(1))
        self.register_buffer("scratch", cr.ones(2), persistent=False)
        self.seq = cr.nn.Sequential(*inner.a._modules.values())

    def forward(self, x):
        return self.head(self.seq(self.fc(x)))


def _noop_hook(*args):
    return None


def test_deepcopy_and_pickle_keep_structure_and_sharing():
    model = _PicklableNet()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(clone.state_dict()) == list(model.state_dict())
        assert clone.shared is clone.fc
        assert list(clone._non_persistent_buffers_set) == ["scratch"]
        assert clone.tied is clone.head.weight
        assert clone.head.weight is not model.head.weight
        assert isinstance(clone.head.weight, cr.nn.Parameter)
        for a, b in zip(clone.state_dict().values(), model.state_dict().values()):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        x = cr.ones(2, 3)
        np.testing.assert_array_equal(clone(x).detach().numpy(), model(x).detach().numpy())
    ref, mine = net(torch), net(cr)
    assert list(copy.deepcopy(ref).state_dict()) == list(copy.deepcopy(mine).state_dict())
    assert copy.deepcopy(mine).shared is not mine.a


def test_setstate_fills_missing_hook_dicts():
    def run(m):
        mod = m.nn.Linear(1, 1)
        state = mod.__getstate__()
        for key in ("_forward_pre_hooks_with_kwargs", "_state_dict_pre_hooks",
                    "_backward_pre_hooks", "_is_full_backward_hook"):
            state.pop(key)
        new = m.nn.Linear.__new__(m.nn.Linear)
        new.__setstate__(state)
        return (new._is_full_backward_hook, type(new._backward_pre_hooks).__name__,
                new(m.ones(1, 1)).shape == (1, 1))
    same(run)


# ---------------------------------------------------------------------- forward hooks
def _traced(m, log):
    model = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU())
    lin = model[0]
    lin.register_forward_pre_hook(lambda mod, args: log.append("pre1"))
    lin.register_forward_pre_hook(lambda mod, args: log.append("pre0"), prepend=True)

    def pre_kw(mod, args, kwargs):
        log.append(("prekw", len(args), sorted(kwargs)))
        return args, kwargs
    lin.register_forward_pre_hook(pre_kw, with_kwargs=True)
    lin.register_forward_hook(lambda mod, args, out: log.append("post1"))
    lin.register_forward_hook(lambda mod, args, out: log.append("post0"), prepend=True)
    lin.register_forward_hook(lambda mod, args, kwargs, out: log.append(("postkw", sorted(
        kwargs))), with_kwargs=True)
    return model


def test_forward_hook_order_prepend_and_kwargs():
    def run(m):
        log = []
        model = _traced(m, log)
        model(m.ones(1, 2))
        return log
    same(run)


def test_forward_hooks_replace_args_and_output_and_remove():
    def run(m):
        lin = m.nn.Linear(2, 2)
        with m.no_grad():
            lin.weight.fill_(1.0)
            lin.bias.zero_()
        h1 = lin.register_forward_pre_hook(lambda mod, args: args[0] * 2)
        h2 = lin.register_forward_hook(lambda mod, args, out: out + 1)
        a = lin(m.ones(1, 2)).tolist()
        h1.remove()
        with h2:
            b = lin(m.ones(1, 2)).tolist()
        c = lin(m.ones(1, 2)).tolist()
        return a, b, c
    same(run)


def test_forward_pre_hook_with_kwargs_bad_return_raises():
    def run(m):
        lin = m.nn.Linear(2, 2)
        lin.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
        lin(m.ones(1, 2))
    same_error(run)


def test_always_call_forward_hook_runs_when_forward_raises():
    def run(m):
        log = []

        class Boom(m.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        mod = Boom()
        mod.register_forward_hook(lambda mod, args, out: log.append(("always", out)),
                                  always_call=True)
        mod.register_forward_hook(lambda mod, args, out: log.append("never"))
        try:
            mod(1)
        except ValueError as e:
            log.append(str(e))
        return log
    same(run)


def test_global_forward_hooks_run_before_module_hooks():
    def run(m):
        log = []
        mm = m.nn.modules.module
        h1 = mm.register_module_forward_pre_hook(
            lambda mod, args: log.append(("gpre", type(mod).__name__)))
        h2 = mm.register_module_forward_hook(
            lambda mod, args, out: log.append(("gpost", type(mod).__name__)))
        try:
            model = m.nn.Sequential(m.nn.ReLU())
            model[0].register_forward_hook(lambda mod, a, o: log.append("own"))
            model(m.ones(1))
        finally:
            h1.remove()
            h2.remove()
        model(m.ones(1))
        return log
    same(run)


# ---------------------------------------------------------------------- backward hooks
def test_full_backward_hooks_see_torchs_gradients_in_torchs_order():
    def run(m):
        log = []
        lin = m.nn.Linear(3, 2).double()
        with m.no_grad():
            lin.weight.copy_(m.arange(6, dtype=m.float64).reshape(2, 3) / 10)
            lin.bias.fill_(0.5)

        def pre(mod, grad_output):
            log.append(("pre", [g.tolist() for g in grad_output]))
            return (grad_output[0] * 2,)

        def hook(mod, grad_input, grad_output):
            log.append(("hook", [None if g is None else g.tolist() for g in grad_input],
                         [g.tolist() for g in grad_output]))

        lin.register_full_backward_pre_hook(pre)
        lin.register_full_backward_hook(hook)
        x = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        y = lin(x)
        (y * m.tensor([[1.0, -1.0]], dtype=m.float64)).sum().backward()
        log.append(("x.grad", x.grad.tolist(), lin.weight.grad.tolist()))
        return log, y.grad_fn.name()
    same(run)


def test_full_backward_hook_replaces_grad_input():
    def run(m):
        mod = m.nn.Tanh()
        mod.register_full_backward_hook(lambda mod, gi, go: (m.ones_like(gi[0]) * 7,))
        x = m.tensor([0.5, 1.0], requires_grad=True)
        mod(x).sum().backward()
        return x.grad.tolist()
    same(run)


def test_full_backward_hook_with_non_tensor_args_and_multiple_outputs():
    def run(m):
        log = []

        class Two(m.nn.Module):
            def forward(self, a, k, b):
                return a * k, b.exp()
        mod = Two()
        mod.register_full_backward_hook(
            lambda mod, gi, go: log.append(([None if g is None else g.tolist() for g in gi],
                                            [None if g is None else g.tolist() for g in go])))
        a = m.tensor([1.0], requires_grad=True)
        b = m.tensor([0.0])
        u, v = mod(a, 3.0, b)
        u.sum().backward()
        return log
    same(run)


def test_full_backward_hook_no_input_requires_grad_warns():
    def run(m):
        log = []
        lin = m.nn.Linear(1, 1)
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(gi))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(m.ones(1, 1)).sum().backward()
        return log, [type(x.message).__name__ for x in w]
    same(run)


def test_backward_hook_kinds_cannot_mix_and_bad_count_raises():
    def mix(m):
        lin = m.nn.Linear(1, 1)
        lin.register_full_backward_hook(lambda *a: None)
        lin.register_backward_hook(lambda *a: None)
    same_error(mix)

    def mix2(m):
        lin = m.nn.Linear(1, 1)
        lin.register_backward_hook(lambda *a: None)
        lin.register_full_backward_hook(lambda *a: None)
    same_error(mix2)

    def bad_count(m):
        mod = m.nn.ReLU()
        mod.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        mod(m.ones(1, requires_grad=True)).sum().backward()
    same_error(bad_count)

    def bad_pre_count(m):
        mod = m.nn.ReLU()
        mod.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        mod(m.ones(1, requires_grad=True)).sum().backward()
    same_error(bad_pre_count)


def test_global_full_backward_hooks():
    def run(m):
        log = []
        mm = m.nn.modules.module
        h1 = mm.register_module_full_backward_pre_hook(
            lambda mod, go: log.append(("gpre", type(mod).__name__)))
        h2 = mm.register_module_full_backward_hook(
            lambda mod, gi, go: log.append(("ghook", type(mod).__name__)))
        try:
            model = m.nn.Sequential(m.nn.Linear(1, 1), m.nn.Tanh())
            model(m.ones(1, 1, requires_grad=True)).sum().backward()
        finally:
            h1.remove()
            h2.remove()
        return log
    same(run)


def test_non_full_backward_hook_attaches_to_output_grad_fn():
    def run(m):
        log = []
        mod = m.nn.Tanh()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod.register_backward_hook(
                lambda mod, gi, go: log.append((len(gi), [g.tolist() for g in go])))
            mod(m.tensor([0.0], requires_grad=True)).sum().backward()
        return log
    same(run)


def test_compile_is_accepted_and_module_still_runs():
    def run(m):
        lin = m.nn.Linear(2, 1)
        with m.no_grad():
            lin.weight.fill_(1.0)
            lin.bias.zero_()
        return lin.compile(), lin(m.ones(1, 2)).tolist()
    mine = run(cr)
    assert mine == (None, [[2.0]])


def test_handles_are_torchs_removable_handle():
    lin = cr.nn.Linear(1, 1)
    h = lin.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
    assert isinstance(h, cr.utils.hooks.RemovableHandle)
    assert h.id in lin._forward_hooks_with_kwargs and h.id in lin._forward_hooks_always_called
    h.remove()
    assert not lin._forward_hooks and not lin._forward_hooks_with_kwargs
    assert not lin._forward_hooks_always_called
    clone = pickle.loads(pickle.dumps(lin.register_forward_pre_hook(_noop_hook)))
    assert cr.utils.hooks.RemovableHandle.next_id > clone.id


def test_module_level_names_like_torch():
    for name in torch.nn.modules.module.__all__:
        assert hasattr(cr.nn.modules.module, name), name
    for name in ("Module", "Parameter", "Buffer", "UninitializedParameter",
                 "UninitializedBuffer"):
        assert hasattr(cr.nn, name)
    for name in torch.nn.parameter.__all__:
        assert hasattr(cr.nn.parameter, name), name


# ---------------------------------------------------------------------- uninitialized
def test_uninitialized_parameter_and_buffer():
    def run(m):
        P = m.nn.parameter
        u = P.UninitializedParameter()
        b = P.UninitializedBuffer(persistent=False)
        out = [repr(u), str(u), repr(b), P.is_lazy(u), P.is_lazy(b), P.is_lazy(m.ones(1)),
               isinstance(u, m.nn.Parameter), u.requires_grad, b.requires_grad, str(u.dtype),
               b.persistent, repr(copy.deepcopy(u)), type(pickle.loads(pickle.dumps(u))).__name__]
        mod = m.nn.Module()
        mod.w = u
        mod.register_buffer("b", b)
        out.append((list(mod._parameters), list(mod._buffers)))
        u.materialize((2, 3))
        b.materialize((4,), dtype=m.float64)
        out += [type(u).__name__, tuple(u.shape), u.requires_grad, type(b).__name__,
                tuple(b.shape), str(b.dtype)]
        return out
    same(run)
    same(lambda m: m.nn.parameter.UninitializedParameter().shape)
    same(lambda m: m.nn.parameter.UninitializedParameter().share_memory_())


def test_parameter_basics_and_deepcopy_drops_grad():
    def run(m):
        q = m.nn.Parameter(m.ones(2))
        q.grad = m.ones(2)
        c = copy.deepcopy(q)
        model = m.nn.Linear(2, 2)
        model(m.ones(1, 2)).sum().backward()
        clone = copy.deepcopy(model)
        b = m.nn.Buffer(m.ones(2), persistent=False)
        return (type(c).__name__, c.grad, c.requires_grad, clone.weight.grad,
                repr(m.nn.Parameter(m.ones(2, dtype=m.int64), requires_grad=False)),
                repr(m.nn.Parameter()), type(b).__name__, isinstance(b, m.nn.Buffer),
                isinstance(m.ones(1), m.nn.Buffer), isinstance(q.detach(), m.nn.Parameter),
                type(q * 2).__name__, type(q.data).__name__)
    same(run)
    same(lambda m: m.nn.Parameter(m.ones(2, dtype=m.int64)))


def test_share_memory_to_empty_and_bfloat16():
    def run(m):
        mod = m.nn.Linear(2, 2)
        mod.share_memory()
        return mod.weight.is_shared(), tuple(mod.to_empty(device="cpu").weight.shape)
    same(run)
    pytest.importorskip("ml_dtypes")
    assert cr.nn.Linear(1, 1).bfloat16().weight.dtype is cr.bfloat16


def test_register_buffer_override_without_persistent_argument():
    def run(m):
        class Custom(m.nn.Module):
            def register_buffer(self, name, tensor):
                super().register_buffer(name, tensor)

        mod = Custom()
        mod.a = m.nn.Buffer(m.ones(1))
        out = [list(mod._buffers)]
        try:
            mod.b = m.nn.Buffer(m.ones(1), persistent=False)
        except RuntimeError as e:
            out.append(str(e))
        return out
    same(run)


def test_full_backward_hook_forbids_in_place_on_hooked_inputs():
    def run(m):
        class InPlace(m.nn.Module):
            def forward(self, x):
                return x.mul_(2)
        mod = InPlace()
        mod.register_full_backward_hook(lambda *a: None)
        mod(m.ones(2, requires_grad=True) * 1)
    same_error(run)


def test_full_backward_hook_under_double_backward_and_non_tensor_output_warning():
    def run(m):
        log = []
        mod = m.nn.Tanh()
        mod.register_full_backward_hook(lambda mod, gi, go: log.append(gi[0].requires_grad))
        x = m.tensor([0.3, 0.4], requires_grad=True)
        g, = m.autograd.grad(mod(x).sum(), x, create_graph=True)
        g.sum().backward()

        class AsDict(m.nn.Module):
            def forward(self, x):
                return {"a": x * 2}
        d = AsDict()
        d.register_full_backward_hook(lambda *a: None)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                d(m.ones(1, requires_grad=True))
            except RuntimeError:
                pass
        return log, x.grad, [str(x.message) for x in w]
    same(run)


@pytest.mark.parametrize("kind", ["single", "chain", "nested", "two_nodes", "non_tensor_in"])
def test_non_full_backward_hook_warnings_like_torch(kind):
    def run(m):
        class Mod(m.nn.Module):
            def forward(self, x, *rest):
                if kind == "single":
                    return x * 2
                if kind == "chain":
                    return (x * 2).exp()
                if kind == "nested":
                    return [x * 2]
                if kind == "two_nodes":
                    return x * 2, x.exp()
                return x * rest[0]
        mod = Mod()
        mod.register_backward_hook(lambda *a: None)
        x = m.ones(1, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod(x, 3.0) if kind == "non_tensor_in" else mod(x)
        return [(x.category.__name__, str(x.message)) for x in w]
    same(run)


def test_global_backward_hook_kinds_cannot_mix():
    def run(m):
        mm = m.nn.modules.module
        h = mm.register_module_full_backward_hook(lambda *a: None)
        try:
            mm.register_module_backward_hook(lambda *a: None)
        finally:
            h.remove()
            mm._global_is_full_backward_hook = None
    same_error(run)
    cr.nn.modules._hooks._global_is_full_backward_hook = None
