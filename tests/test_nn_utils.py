"""nn.utils against torch.nn.utils: clipping (values, norms, errors), parameter/vector
conversion, parametrize (keys, class swap, repr, caching, removal, errors),
parametrizations (weight_norm, spectral_norm, orthogonal), the legacy hook-based
weight_norm / spectral_norm, BatchNorm fusion and functional_call. Snippets run with
``m`` = torch and ``m`` = chainrule on the same numbers and are compared."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402


def same_error(fn):
    out = []
    for m in (torch, cr):
        with pytest.raises(Exception) as info:
            fn(m)
        out.append(info.value)
    t, c = out
    assert type(c).__name__ == type(t).__name__, (c, t)
    assert str(c).replace("chainrule.", "torch.") == str(t)


def linear(m, n_in=4, n_out=3, seed=0):
    """A Linear layer with fixed, library-independent weights."""
    lin = m.nn.Linear(n_in, n_out)
    rng = np.random.default_rng(seed)
    with m.no_grad():
        lin.weight.copy_(m.tensor(rng.standard_normal((n_out, n_in)).astype(np.float32)))
        lin.bias.copy_(m.tensor(rng.standard_normal(n_out).astype(np.float32)))
    return lin


def inputs(m, shape=(2, 4), seed=1):
    return m.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def with_grads(m, seed=0):
    lin = linear(m, seed=seed)
    (lin(inputs(m)) ** 2).sum().backward()
    return lin


# ---------------------------------------------------------------------- clip_grad
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.5])
def test_clip_grad_norm_matches_torch(norm_type):
    def run(m):
        lin = with_grads(m)
        total = m.nn.utils.clip_grad_norm_(lin.parameters(), max_norm=0.5, norm_type=norm_type)
        return total, lin.weight.grad, lin.bias.grad
    same(run)


def test_clip_grad_norm_below_max_leaves_grads_and_accepts_one_tensor_and_foreach():
    def run(m):
        lin = with_grads(m)
        total = m.nn.utils.clip_grad_norm_(lin.weight, max_norm=1e6, foreach=True)
        return total, lin.weight.grad
    same(run)


def test_clip_grad_norm_nonfinite():
    def make(error):
        def run(m):
            p = m.nn.Parameter(m.ones(2))
            p.grad = m.tensor([1.0, float("inf")])
            return m.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=error), p.grad
        return run
    same(make(False))
    same_error(make(True))


def test_clip_grad_norm_empty_and_generator_warning():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            total = m.nn.utils.clip_grad_norm_((p for p in []), 1.0)
            no_grads = m.nn.utils.clip_grad_norm_([m.nn.Parameter(m.ones(1))], 1.0)
            old = m.nn.utils.clip_grad_norm([m.nn.Parameter(m.ones(1))], 1.0)
        return total, no_grads, old, [(x.category.__name__, str(x.message)) for x in w]
    same(run)


def test_get_total_norm_and_clip_grads_with_norm():
    def run(m):
        lin = with_grads(m)
        grads = [p.grad for p in lin.parameters()]
        total = m.nn.utils.get_total_norm(grads, norm_type=2.0)
        m.nn.utils.clip_grads_with_norm_(lin.parameters(), 0.1, total)
        mixed = m.nn.utils.get_total_norm([m.ones(2), m.ones(3, dtype=m.float64)])
        return total, lin.weight.grad, mixed, m.nn.utils.get_total_norm([])
    same(run)


def test_clip_grad_value():
    def run(m):
        lin = with_grads(m)
        m.nn.utils.clip_grad_value_(lin.parameters(), clip_value=0.3)
        m.nn.utils.clip_grad_value_(lin.bias, 0.1, foreach=False)
        return lin.weight.grad, lin.bias.grad
    same(run)


# ---------------------------------------------------------------------- convert_parameters
def test_parameters_to_vector_and_back():
    def run(m):
        lin = linear(m)
        vec = m.nn.utils.parameters_to_vector(lin.parameters())
        w = lin.weight
        m.nn.utils.vector_to_parameters(vec * 2, lin.parameters())
        return vec, lin.weight.detach(), lin.bias.detach(), w is lin.weight
    same(run)
    same_error(lambda m: m.nn.utils.vector_to_parameters([1.0], linear(m).parameters()))


def test_parameters_to_vector_is_differentiable():
    def run(m):
        lin = linear(m)
        vec = m.nn.utils.parameters_to_vector(lin.parameters())
        (vec * m.arange(15.0)).sum().backward()
        return lin.weight.grad, lin.bias.grad
    same(run)


# ---------------------------------------------------------------------- parametrize
def _symmetric(m):
    class Symmetric(m.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def _scale(m):
    class Scale(m.nn.Module):
        def forward(self, X):
            return X * 2
    return Scale()


def test_register_parametrization_keys_class_repr_values_grads():
    def run(m):
        P = m.nn.utils.parametrize
        lin = linear(m, 3, 3)
        P.register_parametrization(lin, "weight", _symmetric(m))
        out = [type(lin).__name__, type(lin).__bases__[0].__name__, list(lin.state_dict()),
               P.is_parametrized(lin), P.is_parametrized(lin, "weight"),
               P.is_parametrized(lin, "bias"), P.type_before_parametrizations(lin).__name__,
               lin.weight, [n for n, _ in lin.named_parameters()]]
        P.register_parametrization(lin, "weight", _scale(m))
        out.append(lin.weight)
        out.append(repr(lin).replace("Symmetric", "S").replace("Scale", "C"))
        y = lin(inputs(m, (2, 3))).sum()
        y.backward()
        out.append(lin.parametrizations.weight.original.grad)
        return out
    same(run)


def test_assigning_to_a_parametrized_tensor_calls_right_inverse():
    def run(m):
        P = m.nn.utils.parametrize
        lin = linear(m, 3, 3)
        P.register_parametrization(lin, "weight", _symmetric(m))
        original = lin.parametrizations.weight.original
        with m.no_grad():
            lin.weight = m.arange(9.0).reshape(3, 3)
        return lin.weight, lin.parametrizations.weight.original is original, original.detach()
    same(run)


def test_remove_parametrizations_leave_parametrized_or_original():
    def make(leave):
        def run(m):
            P = m.nn.utils.parametrize
            lin = linear(m, 3, 3)
            P.register_parametrization(lin, "weight", _scale(m))
            P.register_parametrization(lin, "bias", _scale(m))
            P.remove_parametrizations(lin, "weight", leave_parametrized=leave)
            mid = (type(lin).__name__, list(lin.state_dict()))
            P.remove_parametrizations(lin, "bias", leave_parametrized=leave)
            return (mid, type(lin).__name__, list(lin.state_dict()), lin.weight.detach(),
                    type(lin.weight).__name__, hasattr(lin, "parametrizations"))
        return run
    same(make(True))
    same(make(False))


def test_parametrization_on_a_buffer_and_multi_tensor_right_inverse():
    def run(m):
        P = m.nn.utils.parametrize

        class Split(m.nn.Module):
            def forward(self, a, b):
                return a + b

            def right_inverse(self, X):
                return X * 0.25, X * 0.75

        mod = m.nn.Module()
        mod.register_buffer("buf", m.arange(4.0))
        P.register_parametrization(mod, "buf", _scale(m))
        lin = linear(m)
        P.register_parametrization(lin, "weight", Split())
        return (list(mod.state_dict()), mod.buf, list(lin.state_dict()), lin.weight,
                [n for n, _ in lin.named_parameters()])
    same(run)


def test_cached_computes_once():
    calls = {}
    for m in (torch, cr):
        count = [0]

        class Counting(m.nn.Module):
            def forward(self, X):
                count[0] += 1
                return X

        lin = linear(m)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", Counting())
        count[0] = 0
        with m.nn.utils.parametrize.cached():
            lin.weight
            lin.weight
        lin.weight
        calls[m.__name__] = count[0]
    assert calls["chainrule"] == calls["torch"] == 2


@pytest.mark.parametrize("case", [
    lambda m: m.nn.utils.parametrize.register_parametrization(linear(m), "nope", _scale(m)),
    lambda m: m.nn.utils.parametrize.remove_parametrizations(linear(m), "weight"),
    lambda m: m.nn.utils.parametrize.register_parametrization(
        linear(m), "weight", m.nn.Flatten(0) if hasattr(m.nn, "Flatten") else _flatten(m)),
    lambda m: _parametrized(m, _to_double(m)),
    lambda m: _parametrized(m, _scale(m)).__setattr__("weight", m.zeros(3, 4)),
])
def test_parametrize_errors(case):
    same_error(case)


def _flatten(m):
    class Flat(m.nn.Module):
        def forward(self, X):
            return X.flatten()
    return Flat()


def _to_double(m):
    class Double(m.nn.Module):
        def forward(self, X):
            return X.double()
    return Double()


def _parametrized(m, p):
    lin = linear(m)
    m.nn.utils.parametrize.register_parametrization(lin, "weight", p)
    return lin


def test_parametrized_module_refuses_pickle_but_deepcopies():
    import copy
    import pickle
    lin = _parametrized(cr, _scale(cr))
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules"):
        pickle.dumps(lin)
    clone = copy.deepcopy(lin)
    np.testing.assert_array_equal(clone.weight.detach().numpy(), lin.weight.detach().numpy())
    assert clone.parametrizations.weight.original is not lin.parametrizations.weight.original


def test_transfer_parametrizations_and_params():
    def run(m):
        P = m.nn.utils.parametrize
        src = _parametrized(m, _scale(m))
        dst = linear(m, seed=5)
        P.transfer_parametrizations_and_params(src, dst)
        return (type(dst).__name__, list(dst.state_dict()), dst.weight,
                dst.parametrizations.weight.original is src.parametrizations.weight.original)
    same(run)


# ---------------------------------------------------------------------- parametrizations
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dim):
    def run(m):
        lin = linear(m)
        m.nn.utils.parametrizations.weight_norm(lin, dim=dim)
        pl = lin.parametrizations.weight
        y = lin(inputs(m)).sum()
        y.backward()
        return (list(lin.state_dict()), repr(lin), pl.original0.detach(), pl.original1.detach(),
                lin.weight.detach(), y, pl.original0.grad, pl.original1.grad)
    same(run)


def test_weight_norm_loads_legacy_g_v_keys():
    def run(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old = m.nn.utils.weight_norm(linear(m, seed=3))
        new = m.nn.utils.parametrizations.weight_norm(linear(m))
        res = new.load_state_dict(old.state_dict())
        return repr(res), new.weight.detach()
    same(run)


def test_spectral_norm_parametrization():
    def run(m):
        lin = linear(m, 5, 3)
        m.nn.utils.parametrizations.spectral_norm(lin)
        with m.no_grad():
            lin.parametrizations.weight[0]._u.copy_(m.ones(3) / math.sqrt(3))
            lin.parametrizations.weight[0]._v.copy_(m.ones(5) / math.sqrt(5))
        y = lin(inputs(m, (2, 5)))
        first = lin.weight.detach()
        lin.eval()
        y.sum().backward()
        return (list(lin.state_dict()), first, lin.weight.detach(),
                lin.parametrizations.weight.original.grad,
                lin.parametrizations.weight[0]._u)
    same(run)


def test_spectral_norm_sigma_is_the_largest_singular_value():
    lin = linear(cr, 6, 4)
    cr.nn.utils.parametrizations.spectral_norm(lin, n_power_iterations=50)
    w = lin.weight.detach().numpy()
    assert np.linalg.svd(w, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.utils.parametrizations.spectral_norm(linear(m), dim=3),
    lambda m: m.nn.utils.parametrizations.spectral_norm(linear(m), n_power_iterations=0),
    lambda m: m.nn.utils.parametrizations.spectral_norm(linear(m), name="nope"),
    lambda m: m.nn.utils.parametrizations.orthogonal(linear(m), name="bias"),
    lambda m: m.nn.utils.parametrizations.orthogonal(linear(m), orthogonal_map="svd"),
    lambda m: m.nn.utils.parametrizations.orthogonal(linear(m), name="nope"),
])
def test_parametrizations_errors(case):
    same_error(case)


@pytest.mark.parametrize("shape, orth_map", [((3, 3), None), ((3, 3), "cayley"),
                                             ((4, 6), None), ((6, 4), "householder"),
                                             ((5, 3), "matrix_exp"), ((4, 4), "householder")])
def test_orthogonal_parametrization_gives_orthonormal_weights(shape, orth_map):
    lin = cr.nn.Linear(shape[1], shape[0])
    cr.nn.utils.parametrizations.orthogonal(lin, orthogonal_map=orth_map)
    w = lin.weight.detach().double().numpy()
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)
    ref = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(shape[1], shape[0]),
                                                      orthogonal_map=orth_map)
    assert list(lin.state_dict()) == list(ref.state_dict())
    lin(cr.ones(2, shape[1])).sum().backward()
    assert lin.parametrizations.weight.original.grad is not None


def test_orthogonal_assignment_and_without_trivialization():
    for m in (torch, cr):
        lin = m.nn.Linear(3, 3)
        m.nn.utils.parametrizations.orthogonal(lin)
        q = m.linalg.qr(inputs(m, (3, 3)))[0]
        with m.no_grad():
            lin.weight = q
        np.testing.assert_allclose(lin.weight.detach().numpy(), q.numpy(), atol=1e-5)
        hh = m.nn.Linear(3, 5)
        m.nn.utils.parametrizations.orthogonal(hh, orthogonal_map="householder",
                                               use_trivialization=False)
        assert list(hh.state_dict()) == ["bias", "parametrizations.weight.original"]


# ---------------------------------------------------------------------- legacy hooks
def test_legacy_weight_norm_keys_values_grads_and_remove():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin = m.nn.utils.weight_norm(linear(m), dim=1)
        y = lin(inputs(m)).sum()
        y.backward()
        out = [list(lin.state_dict()), [x.category.__name__ for x in w], lin.weight_g.detach(),
               y, lin.weight_g.grad, lin.weight_v.grad]
        m.nn.utils.remove_weight_norm(lin)
        out += [list(lin.state_dict()), lin.weight.detach(), type(lin.weight).__name__]
        return out
    same(run)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.utils.weight_norm(m.nn.utils.weight_norm(linear(m))),
    lambda m: m.nn.utils.remove_weight_norm(linear(m)),
    lambda m: m.nn.utils.spectral_norm(m.nn.utils.spectral_norm(linear(m))),
    lambda m: m.nn.utils.remove_spectral_norm(linear(m)),
    lambda m: m.nn.utils.spectral_norm(linear(m), n_power_iterations=-1),
])
def test_legacy_errors(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(case)


def test_legacy_spectral_norm_keys_metadata_values_and_remove():
    def run(m):
        lin = m.nn.utils.spectral_norm(linear(m, 5, 3))
        with m.no_grad():
            lin.weight_u.copy_(m.ones(3) / math.sqrt(3))
            lin.weight_v.copy_(m.ones(5) / math.sqrt(5))
        y = lin(inputs(m, (2, 5))).sum()
        y.backward()
        sd = lin.state_dict()
        out = [list(sd), dict(sd._metadata[""]), lin.weight.detach(), lin.weight_u,
               lin.weight_orig.grad]
        lin.eval()
        lin(inputs(m, (2, 5)))
        out.append(lin.weight.detach())
        m.nn.utils.remove_spectral_norm(lin)
        out += [list(lin.state_dict()), lin.weight.detach()]
        return out
    same(run)


# ---------------------------------------------------------------------- fusion
def test_fuse_linear_bn_weights_and_conv_bn_weights():
    def run(m):
        lin = linear(m)
        rm, rv = m.tensor([0.1, -0.2, 0.3]), m.tensor([1.0, 2.0, 0.5])
        bw, bb = m.tensor([1.5, 0.5, 1.0]), m.tensor([0.0, 0.1, -0.1])
        w, b = m.nn.utils.fuse_linear_bn_weights(lin.weight, lin.bias, rm, rv, 1e-5, bw, bb)
        conv_w = m.arange(24.0).reshape(3, 2, 2, 2) / 10
        cw, cb = m.nn.utils.fuse_conv_bn_weights(conv_w, None, rm, rv, 1e-5, bw, None)
        tw, tb = m.nn.utils.fuse_conv_bn_weights(conv_w.transpose(0, 1), None, rm, rv, 1e-5,
                                                 None, bb, transpose=True)
        return (w, b, type(w).__name__, cw, cb, cb.requires_grad, tw, tb)
    same(run)


def test_fuse_linear_bn_eval_with_a_stand_in_batchnorm():
    def run(m):
        class BN(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.num_features = 3
                self.eps = 1e-5
                self.weight = m.nn.Parameter(m.tensor([1.5, 0.5, 1.0]))
                self.bias = m.nn.Parameter(m.tensor([0.0, 0.1, -0.1]))
                self.register_buffer("running_mean", m.tensor([0.1, -0.2, 0.3]))
                self.register_buffer("running_var", m.tensor([1.0, 2.0, 0.5]))

        lin, bn = linear(m).eval(), BN().eval()
        fused = m.nn.utils.fuse_linear_bn_eval(lin, bn)
        return fused.weight.detach(), fused.bias.detach(), fused is lin
    same(run)
    same_error(lambda m: m.nn.utils.fuse_linear_bn_eval(linear(m), linear(m)))


# ---------------------------------------------------------------------- stateless
def test_functional_call_replaces_for_one_call_and_ties_weights():
    def run(m):
        lin = linear(m)
        x = inputs(m)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = m.nn.utils.stateless.functional_call(lin, {"weight": m.ones(3, 4)}, (x,))
            tied = m.nn.Module()
            tied.a = linear(m, 4, 4)
            tied.b = tied.a
            tied.forward = lambda inp: tied.b(tied.a(inp))
            z = m.nn.utils.stateless.functional_call(tied, {"a.weight": m.eye(4)}, x)
        return y, lin.weight.detach(), z, [x.category.__name__ for x in w]
    same(run)


def test_functional_call_gradient_flows_to_the_given_tensors():
    def run(m):
        lin = linear(m)
        w = m.ones(3, 4, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.nn.utils.stateless.functional_call(lin, {"weight": w}, inputs(m)).sum().backward()
        return w.grad, lin.weight.grad
    same(run)


def test_functional_call_strict_errors():
    def run(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.nn.utils.stateless.functional_call(linear(m), {"weight": m.ones(3, 4),
                                                             "extra": m.ones(1)},
                                                 inputs(m), strict=True)
    same_error(run)


def test_nn_utils_names_like_torch():
    for name in torch.nn.utils.__all__:
        if name == "rnn":  # nn.utils.rnn is another helper's module
            continue
        assert hasattr(cr.nn.utils, name), name
    for mod in ("parametrize", "parametrizations", "clip_grad", "convert_parameters",
                "weight_norm", "spectral_norm", "fusion", "stateless"):
        tmod = getattr(torch.nn.utils, mod, None) or __import__(f"torch.nn.utils.{mod}",
                                                                 fromlist=["x"])
        cmod = __import__(f"chainrule.nn.utils.{mod}", fromlist=["x"])
        for name in getattr(tmod, "__all__", []):
            assert hasattr(cmod, name), (mod, name)


# ---------------------------------------------------------------------- prune
def _prune(m):
    return __import__(f"{m.__name__}.nn.utils.prune", fromlist=["x"])


def test_prune_l1_ln_custom_global_and_remove():
    def run(m):
        prune = _prune(m)
        lin = linear(m, 5, 4)
        prune.l1_unstructured(lin, "weight", amount=0.3)
        out = [list(lin.state_dict()), lin.weight_mask, lin.weight.detach(), prune.is_pruned(lin)]
        prune.ln_structured(lin, "weight", amount=1, n=2, dim=0)
        out.append(lin.weight_mask)
        prune.custom_from_mask(lin, "bias", mask=m.tensor([1.0, 0.0, 1.0, 0.0]))
        y = lin(inputs(m, (2, 5))).sum()
        y.backward()
        out += [lin.bias.detach(), lin.weight_orig.grad, lin.bias_orig.grad]
        prune.remove(lin, "weight")
        prune.remove(lin, "bias")
        out += [list(lin.state_dict()), lin.weight.detach(), type(lin.weight).__name__,
                prune.is_pruned(lin)]
        a, b = linear(m, 3, 2, seed=1), linear(m, 2, 2, seed=2)
        prune.global_unstructured([(a, "weight"), (b, "weight")],
                                  pruning_method=prune.L1Unstructured, amount=4)
        out += [a.weight_mask, b.weight_mask]
        prune.identity(a, "bias")
        out.append(a.bias_mask)
        return out
    same(run)


def test_random_pruning_counts():
    for m in (torch, cr):
        prune = _prune(m)
        lin = linear(m, 6, 5)
        prune.random_unstructured(lin, "weight", amount=0.5)
        assert int((lin.weight_mask == 0).sum()) == 15
        prune.random_structured(lin, "weight", amount=2, dim=1)
        assert int((lin.weight_mask.sum(0) == 0).sum()) >= 2


@pytest.mark.parametrize("case", [
    lambda m: _prune(m).l1_unstructured(linear(m), "weight", amount=1.5),
    lambda m: _prune(m).l1_unstructured(linear(m), "weight", amount=-1),
    lambda m: _prune(m).l1_unstructured(linear(m), "weight", amount="a"),
    lambda m: _prune(m).l1_unstructured(linear(m), "weight", amount=100),
    lambda m: _prune(m).ln_structured(linear(m), "bias", amount=1, n=2, dim=0),
    lambda m: _prune(m).ln_structured(linear(m), "weight", amount=1, n=2, dim=4),
    lambda m: _prune(m).remove(linear(m), "weight"),
    lambda m: _prune(m).global_unstructured([(linear(m), "weight")],
                                            pruning_method=_prune(m).LnStructured, amount=1,
                                            n=1, dim=0),
])
def test_prune_errors(case):
    same_error(case)


def test_skip_init():
    def run(m):
        lin = m.nn.utils.skip_init(m.nn.Linear, 3, 2, bias=False)
        return type(lin).__name__, tuple(lin.weight.shape), list(lin.state_dict())
    same(run)
    same_error(lambda m: m.nn.utils.skip_init(m.nn.Sequential))
    same_error(lambda m: m.nn.utils.skip_init(int))


def test_convert_conv2d_weight_memory_format_walks_children():
    class Conv2d(cr.nn.Module):  # a stand-in: the conversion looks for the class name
        def __init__(self):
            super().__init__()
            self.weight = cr.nn.Parameter(cr.ones(2, 3, 4, 5))

    model = cr.nn.Sequential(Conv2d(), cr.nn.Sequential(Conv2d()))
    w = model[1][0].weight
    cr.nn.utils.convert_conv2d_weight_memory_format(model, cr.channels_last)
    assert model[1][0].weight is w
    assert w.is_contiguous(memory_format=cr.channels_last)
