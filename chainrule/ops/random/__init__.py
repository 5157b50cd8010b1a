"""Random sampling: factories (rand, randn, randint, randperm and ``_like`` forms),
distributions of tensor parameters (bernoulli, multinomial, normal, poisson) and the
in-place samplers (``uniform_``, ``normal_`` ...). Every one takes ``generator=``.

Streams are NumPy's (PCG64, seeded by ``manual_seed``), so they differ from torch's; the
distributions, shapes, dtypes, graph nodes and errors are torch's.
"""
from __future__ import annotations

from ..._generator import (
    Generator,
    default_generator,
    fork_rng,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from . import (
    gamma,  # noqa: F401 - _standard_gamma, _sample_dirichlet, binomial ...
    inplace,  # noqa: F401 - attaches Tensor.uniform_ ...
)
from .distributions import bernoulli, multinomial, normal, poisson
from .factories import rand, rand_like, randint, randint_like, randn, randn_like, randperm

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state", "bernoulli", "multinomial", "normal",
           "poisson", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like",
           "randperm"]
