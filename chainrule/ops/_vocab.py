"""Names: the table of ops, the public functions, and the two backward vocabularies.

``F`` in a backward rule is ``graph_vocab`` under create_graph (each name is the public
chainrule function, so the backward is recorded) and a ``raw_vocab(xp)`` otherwise (each
name is the op's forward on raw arrays, or a helper from ``ops/_raw.py``).
"""
from __future__ import annotations

from functools import partial

from .._tensor import Tensor

OPS: dict = {}


PUBLIC: dict = {}
INTERNAL: set = set()  # names in the graph vocabulary that are not torch.* functions


def expose(fn=None, *, name=None, method=True, tensor_name=None, internal=False):
    """Make ``fn`` public: ``chainrule.<name>`` (collected by ``chainrule.ops``), the graph
    vocabulary ``F.<name>``, and, when ``method`` is true, the Tensor method of the same
    name (or ``tensor_name``). ``internal=True`` keeps it out of the ``chainrule``
    namespace: a backward-vocabulary helper, or a function torch shows elsewhere
    (``nn.functional``, ``linalg``)."""
    def register(f):
        public_name = name or f.__name__
        PUBLIC[public_name] = f
        if internal:
            INTERNAL.add(public_name)
        if method:
            setattr(Tensor, tensor_name or public_name, f)
        return f
    return register(fn) if fn is not None else register


class _GraphVocab:
    """``F`` for create_graph=True: each name is the public chainrule op."""

    def __getattr__(self, name):
        try:
            fn = PUBLIC[name]
        except KeyError:
            raise AttributeError(f"backward vocabulary has no {name!r}: expose it as a public "
                                 "function with ops._registry.expose") from None
        setattr(self, name, fn)
        return fn


graph_vocab = _GraphVocab()


class _RawVocab:
    """``F`` for plain backward: each name is the op's forward on raw arrays of ``xp``
    (helpers in ``ops/_raw.py`` supply the few names that are not ops)."""

    def __init__(self, xp):
        self.xp = xp

    def __getattr__(self, name):
        from . import _raw
        helper = getattr(_raw, name, None)
        if helper is not None:
            fn = partial(helper, self.xp)
        else:
            try:
                fn = OPS[name].raw(self.xp)
            except KeyError:
                raise AttributeError(f"backward vocabulary has no {name!r}: register it as an "
                                     "op or add a raw helper in ops/_raw.py") from None
        setattr(self, name, fn)
        return fn


_RAW_VOCABS: dict = {}


def raw_vocab(xp):
    v = _RAW_VOCABS.get(xp)
    if v is None:
        v = _RAW_VOCABS[xp] = _RawVocab(xp)
    return v
