"""grad_fn introspection over the whole op table (tests/op_db/): for the first sample of
every differentiable op, in float64, the node torch builds and the node chainrule builds
have the same name() and the same set of ``_saved_*`` attributes, with equal values for
tensors, ints, floats, bools, tuples and None.

``_DIFFERENT`` (tests/_introspect_table_known.py) lists the ops whose node our rule makes differently from torch's (strict
xfails: a fix makes the case XPASS and the entry must go)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _introspect_table_known import DIFFERENT as _DIFFERENT  # noqa: E402
from op_db import OP_DB, build  # noqa: E402

import chainrule  # noqa: E402


def _node(m, op):
    args, kwargs, _ = build(m, op.samples()[0], "float64", requires_grad=True)
    out = op.fn(m, *args, **kwargs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if isinstance(o, m.Tensor) and o.grad_fn is not None:
            return o.grad_fn
    return None


def _plain(v, m):
    if isinstance(v, m.Tensor):
        return ("T", tuple(v.shape), v.detach().numpy())
    if isinstance(v, (list, tuple)):
        return tuple(_plain(x, m) for x in v)
    return v


def _is_tensor(a):
    return isinstance(a, tuple) and len(a) == 3 and isinstance(a[0], str) and a[0] == "T"


def _equal(a, b):
    if _is_tensor(a) or _is_tensor(b):
        return _is_tensor(a) and _is_tensor(b) and a[1] == b[1] and np.allclose(
            a[2], b[2], equal_nan=True)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_equal, a, b))
    return a == b


def differences(op):
    """The first difference between torch's and chainrule's node, or None."""
    t, c = _node(torch, op), _node(chainrule, op)
    if (t is None) != (c is None):
        return f"grad_fn: torch {t}, chainrule {c}"
    if t is None:
        return None
    if t.name() != c.name():
        return f"name: torch {t.name()}, chainrule {c.name()}"
    tn = {a for a in dir(t) if a.startswith("_saved_")}
    cn = {a for a in dir(c) if a.startswith("_saved_")}
    if tn != cn:
        return f"saved names: torch only {sorted(tn - cn)}, chainrule only {sorted(cn - tn)}"
    for a in sorted(tn):
        try:
            tv = _plain(getattr(t, a), torch)
        except Exception:  # torch refuses to read some slots (undefined tensors)
            continue
        cv = _plain(getattr(c, a), chainrule)
        if not _equal(cv, tv):
            return f"value of {a}"
    return None


def _cases():
    return [pytest.param(op, id=op.name, marks=[pytest.mark.xfail(
        reason=_DIFFERENT[op.name], strict=True)] if op.name in _DIFFERENT else [])
        for op in OP_DB if op.grad]


@pytest.mark.parametrize("op", _cases())
def test_node_introspection_matches_torch(op):
    diff = differences(op)
    assert diff is None, diff
