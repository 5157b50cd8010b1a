"""Shared fixtures: torch is the oracle; tests that need it skip cleanly without it."""
import os

import numpy as np
import pytest

import chainrule

try:  # property tests: reproducible in CI, exploring anew on a developer's machine
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    # The full tier: ten times the property examples (CHAINRULE_TESTS=full).
    settings.register_profile("full", max_examples=1000, deadline=None, print_blob=True)
    if os.environ.get("CHAINRULE_TESTS") == "full":
        settings.load_profile("full")
    elif os.environ.get("CI"):
        settings.load_profile("ci")
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
