"""Random sampling ops (grad=False: samples have zero gradient). The samples are chosen so
the draw is certain (probabilities 0 and 1, one-hot categories, std 0, rate 0): values,
dtypes and torch's grad_fn nodes (BernoulliBackward0, NormalBackward1/2/3,
PoissonBackward0) are then comparable with torch's."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S

_P = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.5]])
_ZEROS = np.zeros((2, 3))

ENTRIES = [
    OpInfo("bernoulli", lambda m, p: m.bernoulli(p),
           lambda A: [S(_P), S(np.array(1.0)), S(np.zeros((0, 2)))], grad=False),
    OpInfo("Tensor.bernoulli", lambda m, p: p.bernoulli(), lambda A: [S(_P)], grad=False),
    OpInfo("bernoulli_p", lambda m, x, p: m.bernoulli(x, p),
           lambda A: [S(np.array([[1, 2], [3, 4]]), 1.0), S(np.array([1, 2]), 0.0)],
           grad=False),
    OpInfo("multinomial", lambda m, p, n, r: m.multinomial(p, n, r),
           lambda A: [S(_HOT, 4, True), S(_HOT, 1, False), S(_HOT[0], 3, True),
                      S(_HOT[2], 1, False)], grad=False),
    OpInfo("Tensor.multinomial", lambda m, p: p.multinomial(2, replacement=True),
           lambda A: [S(_HOT)], grad=False),
    OpInfo("normal_tensor_float", lambda m, mean: m.normal(mean, 0.0),
           lambda A: [S(A(2, 3)), S(A())], grad=False),
    OpInfo("normal_float_tensor", lambda m, std: m.normal(1.5, std),
           lambda A: [S(_ZEROS), S(np.zeros(()))], grad=False),
    OpInfo("normal_tensor_tensor", lambda m, mean, std: m.normal(mean, std),
           lambda A: [S(A(2, 3), _ZEROS), S(A(2, 1), np.zeros(3)), S(A(3), np.zeros(()))],
           grad=False),
    OpInfo("normal_float_float", lambda m: m.normal(1.5, 0.0, (2, 3)), lambda A: [S()],
           grad=False),
    OpInfo("poisson", lambda m, rate: m.poisson(rate), lambda A: [S(_ZEROS), S(np.zeros(()))],
           grad=False),
]
