"""Helpers for the optimizer tests: one small problem built in torch and in chainrule from
the same numbers, state dicts converted tensor by tensor between the two libraries, and
comparisons of parameters and of state-dict structure."""
import numpy as np
import torch

import chainrule as cr

TOL = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 2e-4, "atol": 2e-5}}


def lib_dtype(lib, name):
    return getattr(lib, name)


def to_cr(obj):
    """A chainrule copy of a torch object: tensors (same dtype, values, requires_grad) inside
    dicts, lists and tuples."""
    if isinstance(obj, torch.Tensor):
        return cr.tensor(obj.detach().numpy().copy(), requires_grad=obj.requires_grad)
    if isinstance(obj, dict):
        return type(obj)((k, to_cr(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cr(v) for v in obj)
    return obj


def to_torch(obj):
    """A torch copy of a chainrule object (the inverse of ``to_cr``)."""
    if isinstance(obj, cr.Tensor):
        return torch.tensor(obj.detach().numpy().copy(), requires_grad=obj.requires_grad)
    if isinstance(obj, dict):
        return type(obj)((k, to_torch(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    return obj


def same_structure(mine, ref, path="sd"):
    """Two state dicts (chainrule, torch) have the same keys, container types, tensor
    dtypes/shapes and values; Python numbers are equal (floats to 1e-6 relative)."""
    if isinstance(ref, torch.Tensor):
        assert isinstance(mine, cr.Tensor), f"{path}: {type(mine)} is not a tensor"
        assert mine.dtype.name == str(ref.dtype).split(".")[1] or \
            str(mine.dtype) == str(ref.dtype), f"{path}: {mine.dtype} vs {ref.dtype}"
        assert tuple(mine.shape) == tuple(ref.shape), f"{path}: {mine.shape} vs {ref.shape}"
        np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=2e-4,
                                   atol=1e-5, err_msg=path)
        return
    assert type(mine) is type(ref) or (isinstance(ref, float) and isinstance(mine, float)), \
        f"{path}: {type(mine)} vs {type(ref)}"
    if isinstance(ref, dict):
        assert list(mine.keys()) == list(ref.keys()), f"{path}: {list(mine)} vs {list(ref)}"
        for k in ref:
            same_structure(mine[k], ref[k], f"{path}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert len(mine) == len(ref), f"{path}: len {len(mine)} vs {len(ref)}"
        for i, (a, b) in enumerate(zip(mine, ref)):
            same_structure(a, b, f"{path}[{i}]")
    elif isinstance(ref, float):
        assert np.isclose(mine, ref, rtol=1e-6, atol=0, equal_nan=True), f"{path}: {mine} vs {ref}"
    else:
        assert mine == ref, f"{path}: {mine!r} vs {ref!r}"


class Problem:
    """Three parameters (a matrix, a vector, a scalar-ish vector) and a smooth nonconvex loss
    over fixed random data; ``loss(k)`` uses batch k."""

    def __init__(self, lib, dtype, seed=0, complex_=False):
        rng = np.random.default_rng(seed)
        self.lib = lib
        dt = getattr(lib, dtype)
        self.dtype = dtype

        def param(*shape):
            return lib.nn.Parameter(lib.tensor(rng.standard_normal(shape), dtype=dt))
        self.w = param(4, 3)
        self.b = param(4)
        self.c = param(2)
        self.data = [(lib.tensor(rng.standard_normal((5, 3)), dtype=dt),
                      lib.tensor(rng.standard_normal((5, 4)), dtype=dt)) for _ in range(8)]

    def params(self):
        return [self.w, self.b, self.c]

    def loss(self, k):
        x, y = self.data[k % len(self.data)]
        h = (x @ self.w.t() + self.b).tanh()
        out = ((h - y) ** 2).mean() + (self.c * self.c).sum() * 0.1 + (self.c[0] * h).mean()
        return out

    def backward(self, k, set_to_none=True):
        for p in self.params():
            p.grad = None
        loss = self.loss(k)
        loss.backward()
        return loss


def groups(lib_problem, group_opts):
    """Parameter groups: w alone with ``group_opts[0]``, b and c together with the rest."""
    p = lib_problem
    if group_opts is None:
        return p.params()
    first, second = group_opts
    return [dict(params=[p.w], **first), dict(params=[p.b, p.c], **second)]


def assert_params_close(mine, ref, dtype, what=""):
    for i, (a, b) in enumerate(zip(mine, ref)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype],
                                   err_msg=f"{what} param {i}")
