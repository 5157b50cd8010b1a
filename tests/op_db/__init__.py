"""The op table that drives tests/test_ops.py (DESIGN decision 10).

One module per ops family (``core.py``, ``special.py``, ``linalg.py`` ...); each defines
``ENTRIES``, a list of ``OpInfo``, and may define ``KNOWN_BUGS``. This package collects
them all, so a new family is one new file. The entry form and the sample helpers live in
``_base.py``:

* ``fn(m, *args, **kwargs)``: the expression, applied to a module ``m`` (``torch`` or
  ``chainrule``), so the same lambda is both the reference and the thing tested;
* ``samples(A)``: sample inputs, a list of ``S(*args, **kwargs)``. ``A(*shape, lo=, hi=)``
  makes a float array within the op's domain; NumPy float arrays become float tensors (that
  require grad in gradient tests), integer and bool arrays become index/mask tensors, lists
  of arrays become lists of tensors, anything else (Python scalars, dims) is passed as is;
* ``domain``: the (lo, hi) range sample values are drawn from;
* flags: ``grad`` (the op is differentiable), ``gradcheck``, ``gradgrad``;
* tolerances for the float32 comparisons with torch (``atol``/``rtol``).

The expected grad_fn names and next_functions structure are not written here: they come
from torch itself, running the same expression.

``KNOWN_BUGS`` records bugs found by the table in code the family does not own: ``{op name:
{test name: (sample indices or None for all, reason)}}``. Each is applied as a strict
xfail, so when the bug is fixed the case XPASSes and fails, and the entry must go.
"""
from __future__ import annotations

import importlib
import pkgutil

from ._base import OpInfo, S, build, to_module  # noqa: F401

_FAMILIES = [importlib.import_module(f"{__name__}.{m.name}")
             for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
             if not m.name.startswith("_")]

OP_DB = [entry for family in _FAMILIES for entry in family.ENTRIES]
KNOWN_BUGS: dict = {}
for _family in _FAMILIES:
    for _name, _bugs in getattr(_family, "KNOWN_BUGS", {}).items():
        KNOWN_BUGS.setdefault(_name, {}).update(_bugs)


def known_bug(test, op, i):
    """The reason ``test`` fails for sample ``i`` of ``op``, or None."""
    entry = KNOWN_BUGS.get(op.name, {}).get(test)
    if entry is None:
        return None
    indices, reason = entry
    return reason if indices is None or i in indices else None


_names = [o.name for o in OP_DB]
_dupes = sorted({n for n in _names if _names.count(n) > 1})
assert not _dupes, f"duplicate op_db names: {_dupes}"
