"""The samplers behind torch.distributions. Samples whose draw is certain (concentration 0,
one non-zero concentration per Dirichlet row, probabilities 0 and 1) compare values and
grad_fn nodes with torch's; the two reparameterisation derivatives are deterministic and
compared where torch's approximations are accurate (tests/test_distributions_sampling.py
checks them against exact references)."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S

_ZEROS = np.zeros((2, 3))
_ONE_HOT_CONC = np.array([[0.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
_COUNT = np.array([[3.0, 4.0], [5.0, 0.0]])
_CERTAIN = np.array([[0.0, 1.0], [1.0, 0.0]])
_ALPHA = np.array([[1.0, 2.0, 4.0], [1.5, 3.0, 5.0]])
_X = np.array([[1.2, 1.9, 3.5], [1.0, 2.5, 4.5]])
_DX = np.array([[0.2, 0.3, 0.5], [0.45, 0.1, 0.45]])
_DALPHA = np.array([[1.0, 2.0, 3.0], [9.0, 3.0, 8.0]])

ENTRIES = [
    OpInfo("_standard_gamma", lambda m, alpha: m._standard_gamma(alpha),
           lambda A: [S(_ZEROS), S(np.zeros(()))], grad=False),
    OpInfo("_standard_gamma_grad", lambda m, alpha, x: m._standard_gamma_grad(alpha, x),
           lambda A: [S(_ALPHA, _X)], grad=False, rtol=5e-3),
    OpInfo("_sample_dirichlet", lambda m, conc: m._sample_dirichlet(conc),
           lambda A: [S(_ONE_HOT_CONC)], grad=False),
    OpInfo("_dirichlet_grad", lambda m, x, alpha: m._dirichlet_grad(
        x, alpha, alpha.sum(-1, True).expand_as(alpha)),
        lambda A: [S(_DX, _DALPHA)], grad=False, rtol=2e-3),
    OpInfo("binomial", lambda m, count, prob: m.binomial(count, prob),
           lambda A: [S(_COUNT, _CERTAIN)], grad=False),
]
