"""Autograd anomaly mode: ``detect_anomaly`` and ``set_detect_anomaly``, as torch's.

While enabled, every node recorded keeps the traceback of the forward call that made it
(``node.metadata["traceback_"]``); a backward formula that fails then warns with that
traceback before the error propagates, and with ``check_nan`` a formula that produces NaN
raises ``RuntimeError("Function 'XBackward0' returned nan values in its 0th output.")``.
When off, recording and backward pay one flag check each.
"""
from __future__ import annotations

import os
import traceback
import warnings

from ._saved_hooks import NodeHooks, _refresh

__all__ = ["detect_anomaly", "set_detect_anomaly"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on (torch.is_anomaly_enabled)."""
    return NodeHooks.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly detection checks backward results for NaN."""
    return NodeHooks.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    NodeHooks.anomaly = bool(enabled)
    NodeHooks.check_nan = bool(check_nan)
    _refresh()


class detect_anomaly:
    """Context manager that enables anomaly detection for the autograd engine.

    >>> import chainrule as torch, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with torch.autograd.detect_anomaly():
    ...         torch.is_anomaly_enabled()
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off; as a context manager the previous state comes
    back on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


def record_traceback(node) -> None:
    """Keep the forward call's stack (user frames; chainrule's own are left out)."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_PKG_DIR + os.sep)]
    node.metadata["traceback_"] = traceback.format_list(frames)


def _warn_forward_trace(node) -> None:
    tb = node.metadata.get("traceback_") if hasattr(node, "metadata") else None
    if tb is None:
        warnings.warn("Error detected in " + node.name() + ". No forward pass information "
                      "available. Enable detect anomaly during forward pass for more "
                      "information.", stacklevel=4)
        return
    warnings.warn("Error detected in " + node.name() + ". Traceback of forward call that "
                  "caused the error:\n" + "".join(tb), stacklevel=4)


def anomaly_apply(node, grads, create_graph, retain_graph):
    """Run one node's backward under anomaly mode."""
    try:
        outputs = node.apply(grads, create_graph, retain_graph)
    except Exception:
        _warn_forward_trace(node)
        raise
    if NodeHooks.check_nan:
        for i, g in enumerate(outputs):
            if g is None:
                continue
            data = getattr(g, "_data", g)
            kind = getattr(getattr(data, "dtype", None), "kind", "")
            if kind in "fcV" and kind and bool((data != data).any()):
                _warn_forward_trace(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                   f"{i}th output.")
    return outputs
