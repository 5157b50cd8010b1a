"""Op table entries for the pointwise forms the differences list fixed: div's rounding
modes (DivBackward2, zero gradients), clamp with tensor bounds (ClampBackward0 with a
gradient per bound, ClampMinBackward1, ClampMaxBackward1), floor_divide and scalar % tensor
(torch's NotImplemented node), remainder/fmod with a scalar, scalar powers, alpha."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S, _away_from_zero, _nz


def _off_integers(A, *shape):
    """Quotients away from integers, where the rounding modes' derivative (zero) is what
    finite differences see."""
    return np.asarray(np.round(A(*shape, lo=-3, hi=3)) + 0.3)


def _div_samples(A):
    return [S(_off_integers(A, 3, 4), np.full((3, 4), 1.0)), S(_off_integers(A, 3, 4), 1.0),
            S(_off_integers(A, 2, 3), np.ones(3) * 2.0), S(_off_integers(A), -1.0)]


def _distinct(A, *shape):
    """Values whose pairwise gaps exceed gradcheck's step (so no input sits at a kink)."""
    n = int(np.prod(shape)) if shape else 1
    vals = A.rng.permutation(n) * 0.25 - n * 0.125
    return np.asarray(vals.reshape(shape) + 0.01)


def _clamp_t_samples(A):
    x = _distinct(A, 3, 4)
    return [S(x, x.T[:1].T - 0.13, x.max(axis=0) - 0.11), S(x, None, np.full(4, 0.07)),
            S(x, x - 0.06, None), S(_distinct(A), np.array(0.1), np.array(0.2))]


def _clamp1_samples(A):
    x = _distinct(A, 3, 4)
    return [S(x, np.full(4, 0.06)), S(x, x[::-1] + 0.03), S(_distinct(A), np.array(-0.2))]


ENTRIES = [
    OpInfo("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), _div_samples),
    OpInfo("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), _div_samples),
    OpInfo("Tensor.div_floor", lambda m, x, y: x.div(y, rounding_mode="floor"), _div_samples),
    OpInfo("clamp_tensors", lambda m, x, lo, hi: m.clamp(x, min=lo, max=hi), _clamp_t_samples),
    OpInfo("clamp_tensor_max", lambda m, x, hi: x.clamp(max=hi), _clamp1_samples),
    OpInfo("clamp_min_tensor", lambda m, x, lo: m.clamp_min(x, lo), _clamp1_samples),
    OpInfo("clamp_max_tensor", lambda m, x, hi: m.clamp_max(x, hi), _clamp1_samples),
    OpInfo("clamp_min_bound_above", lambda m, x, lo: x.clamp(min=lo, max=lo - 0.5),
           _clamp1_samples),
    # torch records NotImplemented (no derivative): graph and requires_grad only
    OpInfo("floor_divide_graph", lambda m, x, y: m.floor_divide(x, y),
           lambda A: [S(A(3, 4), _nz(A, 4)), S(A(3), 2.0)], grad=False),
    OpInfo("rfloordiv_graph", lambda m, x: 2.0 // x, lambda A: [S(_nz(A, 3))], grad=False),
    OpInfo("rmod_graph", lambda m, x: 2.0 % x, lambda A: [S(_nz(A, 3))], grad=False),
    OpInfo("remainder_scalar", lambda m, x: m.remainder(x, 1.5), lambda A: [S(A(3, 4))]),
    OpInfo("fmod_scalar", lambda m, x: m.fmod(x, -1.5), lambda A: [S(A(3, 4))]),
    OpInfo("op_mod_scalar", lambda m, x: x % 0.7, lambda A: [S(A(2, 3))]),
    OpInfo("pow_exponents", lambda m, x: (x ** 0.5 + x ** -0.5 + x ** 3 + x ** 0) * 1,
           lambda A: [S(A(3, 4, lo=0.3, hi=2))]),
    OpInfo("rsub_scalar_alpha", lambda m, x: m.rsub(x, 2.0, alpha=0.5),
           lambda A: [S(A(3, 4))]),
    OpInfo("sub_scalar_alpha", lambda m, x: m.sub(x, 2.0, alpha=-3), lambda A: [S(A(3, 4))]),
    OpInfo("add_tensor_alpha_bcast", lambda m, x, y: m.add(x, y, alpha=-0.5),
           lambda A: [S(A(3, 4), A(4)), S(A(), A(2, 2))]),
    OpInfo("atan2_grad_graph_values", lambda m, x, y: m.atan2(x, y),
           lambda A: [S(A(3, 4), _away_from_zero()(A, 3, 4))]),
]
