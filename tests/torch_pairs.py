"""Helpers for tests that build the same object in torch and chainrule and compare them."""
import numpy as np

import chainrule as cr


def C(t):
    """A chainrule copy of a torch tensor (same values, dtype and requires_grad)."""
    return cr.tensor(t.detach().numpy().copy(), requires_grad=t.requires_grad)


def close(mine, ref, atol=1e-5, rtol=1e-5):
    """A chainrule tensor equals a torch tensor within tolerance."""
    np.testing.assert_allclose(np.asarray(mine.detach().numpy()), ref.detach().numpy(),
                               atol=atol, rtol=rtol)
