"""Comparing what a call returned in torch and in chainrule: ``plain`` turns tensors
(nested in lists, tuples and dicts) into float arrays, ``close`` compares two such results."""
import numpy as np


def plain(v):
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    if hasattr(v, "detach"):
        return np.asarray(v.detach().numpy(), dtype=float)
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return type(v).__name__


def close(a, b, tol=1e-5) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k], tol)
                                                                    for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(
            close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.allclose(
            a, b, atol=tol, rtol=tol, equal_nan=True)
    return a == b
