"""Shared fixtures: torch is the oracle; tests that need it skip cleanly without it."""
import os
import sys

# One BLAS/OpenMP thread per test process: pytest-xdist already runs a process per core, and
# multi-threaded OpenBLAS on an oversubscribed machine spin-waits (a 576x64 QR took 1-2 s
# instead of ~10 ms). Must run before NumPy (or torch) is imported.
if "numpy" not in sys.modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import numpy as np
import pytest

import chainrule

try:  # property tests: the default run is reproducible (derandomized); the full tier explores
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    # The full tier: ten times the property examples, freshly drawn (CHAINRULE_TESTS=full).
    settings.register_profile("full", max_examples=1000, deadline=None, print_blob=True)
    settings.load_profile("full" if os.environ.get("CHAINRULE_TESTS") == "full" else "ci")
except ImportError:  # hypothesis is a test extra; tests that need it skip without it
    pass


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _fresh_state():
    """Every test starts with grad mode on, default dtype float32 and a fixed seed."""
    chainrule.set_grad_enabled(True)
    chainrule.set_default_dtype(chainrule.float32)
    chainrule.manual_seed(0)
    yield
    chainrule.set_grad_enabled(True)
    chainrule.set_default_dtype(chainrule.float32)


def to_numpy(t):
    """The values of a chainrule or torch tensor as a NumPy array."""
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)
