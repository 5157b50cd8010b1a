"""torch.func as programs use it, against torch: functional_call (strict, a tuple of
dicts), aux outputs (tensors only, as torch), argnums, pytree in_dims / out_dims,
chunk_size, nested vmap, vmap's errors, stack_module_state, randomness. Each case runs on
both libraries from the same numbers; values must agree, or both must raise the same
exception with the same message."""
import numpy as np
import pytest
from _compare import close as _close
from _compare import plain as _plain

import chainrule

torch = pytest.importorskip("torch")


def _setup(m):
    rng = np.random.default_rng(0)
    W = m.tensor(rng.standard_normal((3, 4)), dtype=m.float32)
    X = m.tensor(rng.standard_normal((5, 4)), dtype=m.float32)
    model = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.Tanh(), m.nn.Linear(3, 2))
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape)), dtype=m.float32))
    return W, X, model, dict(model.named_parameters())


def _cases():
    def fcall(m, W, X, model, params):
        return m.func.functional_call(model, params, (X,))

    def fcall_missing(m, W, X, model, params):
        return m.func.functional_call(model, {"0.weight": params["0.weight"]}, (X,),
                                      strict=True)

    def fcall_tuple(m, W, X, model, params):
        return m.func.functional_call(model, (params, {}), (X,))

    def aux_str(m, W, X, model, params):
        return m.func.jacrev(lambda x: (x.sin(), "aux"), has_aux=True)(X[0])

    def aux_none(m, W, X, model, params):
        return m.func.grad(lambda x: (x.sum(), None), has_aux=True)(X[0])

    def aux_tree(m, W, X, model, params):
        return m.func.grad(lambda x: ((x ** 2).sum(), {"a": [x.mean()]}), has_aux=True)(X[0])

    def argnums(m, W, X, model, params):
        return m.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(W, W * 2)

    def pytree_in_dims(m, W, X, model, params):
        return m.func.vmap(lambda d: d["a"] + d["b"], in_dims=({"a": 0, "b": None},))(
            {"a": X, "b": X[0]})

    def out_dims(m, W, X, model, params):
        return m.func.vmap(lambda x: (x, x.sum()), out_dims=(1, 0))(X)

    def chunked(m, W, X, model, params):
        return m.func.vmap(lambda x: x @ W.T, chunk_size=2)(X)

    def jvp_aux(m, W, X, model, params):
        return m.func.jvp(lambda x: (x.sin(), x.cos()), (X,), (m.ones_like(X),), has_aux=True)

    def hessian_of_params(m, W, X, model, params):
        return m.func.hessian(lambda w: m.func.functional_call(
            model, {**params, "2.weight": w}, (X,)).pow(2).sum())(params["2.weight"])

    def jacfwd_argnums(m, W, X, model, params):
        return m.func.jacfwd(lambda a, b: a * b.sum(), argnums=1)(X[0], X[1])

    def vjp_two_outputs(m, W, X, model, params):
        return m.func.vjp(lambda a, b: (a * b, a + b), X, X)[1]((m.ones_like(X),
                                                                  m.ones_like(X)))

    def nested_vmap(m, W, X, model, params):
        Y = X.reshape(5, 1, 4).expand(5, 2, 4)
        return m.func.vmap(m.func.vmap(m.dot))(Y, Y)

    def item_inside(m, W, X, model, params):
        return m.func.vmap(lambda x: x.sum().item())(X)

    def inplace_into_unbatched(m, W, X, model, params):
        return m.func.vmap(lambda x: W.clone().add_(x))(m.ones(2, 3, 4))

    def jacrev_chunk(m, W, X, model, params):
        return m.func.jacrev(m.sin, chunk_size=1)(X[0])

    def stacked_state(m, W, X, model, params):
        m.manual_seed(0)
        state = m.func.stack_module_state([m.nn.Linear(2, 3) for _ in range(4)])
        return [{k: tuple(v.shape) for k, v in s.items()} for s in state]

    def random_error(m, W, X, model, params):
        return m.func.vmap(lambda x: m.nn.functional.dropout(x))(X)

    def grad_not_scalar(m, W, X, model, params):
        return m.func.grad(lambda x: x * 2)(X)

    def sizes_differ(m, W, X, model, params):
        return m.func.vmap(lambda a, b: a + b)(X, X[:3])

    def nothing_batched(m, W, X, model, params):
        return m.func.vmap(lambda a: a, in_dims=None)(X)
    return {f.__name__: f for f in (
        fcall, fcall_missing, fcall_tuple, aux_str, aux_none, aux_tree, argnums,
        pytree_in_dims, out_dims, chunked, jvp_aux, hessian_of_params, jacfwd_argnums,
        vjp_two_outputs, nested_vmap, item_inside, inplace_into_unbatched, jacrev_chunk,
        stacked_state, random_error, grad_not_scalar, sizes_differ, nothing_batched)}


CASES = _cases()


def _outcome(m, name):
    try:
        return "ok", _plain(CASES[name](m, *_setup(m)))
    except Exception as e:  # noqa: BLE001 - class and message are compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize("name", list(CASES))
def test_func_pattern_matches_torch(name):
    (tk, tv), (ck, cv) = _outcome(torch, name), _outcome(chainrule, name)
    assert ck == tk, (cv, tv)
    if tk == "ok":
        assert _close(cv, tv)
    else:
        assert cv == tv
