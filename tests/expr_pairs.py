"""Run one expression with ``m`` bound to torch and to chainrule and compare: the values
(tensors by shape, dtype and elements; dtypes, devices and sizes by their text), or the
exceptions (class and message)."""
from __future__ import annotations

import warnings

import numpy as np

import chainrule


def normal_form(value):
    """A comparable form of a result of either library."""
    if hasattr(value, "detach") and hasattr(value, "dtype") and hasattr(value, "shape"):
        data = value.detach().numpy()
        return ("tensor", tuple(value.shape), str(value.dtype), bool(value.requires_grad),
                np.asarray(data).tolist())
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(normal_form(v) for v in value)
    if isinstance(value, (bool, int, float, complex, str)) or value is None:
        return value
    return str(value)


def outcome(m, expr: str, env: dict):
    """('ok', normal form) or ('raise', exception class name, message)."""
    scope = {"m": m, "np": np, **env}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("ok", normal_form(eval(expr, scope)))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            return ("raise", type(exc).__name__, str(exc))


def same(torch, expr: str, *, message: bool = True, values: bool = True, **env) -> None:
    """``expr`` gives the same outcome with torch and chainrule (``message=False`` compares
    only the exception class; ``values=False`` only the shape and dtype of tensors)."""
    ref = outcome(torch, expr, env)
    mine = outcome(chainrule, expr, env)
    if ref[0] == "raise" and not message:
        ref, mine = ref[:2], mine[:2]
    if not values and ref[0] == "ok" and mine[0] == "ok":
        ref, mine = _shape_only(ref[1]), _shape_only(mine[1])
    assert mine == ref, f"{expr}\n torch:     {ref}\n chainrule: {mine}"


def _shape_only(form):
    if isinstance(form, tuple) and form and form[0] == "tensor":
        return form[:4]
    if isinstance(form, tuple) and len(form) == 2 and isinstance(form[1], tuple):
        return form[0], tuple(_shape_only(f) for f in form[1])
    return form
