"""Graph nodes: the objects behind ``grad_fn`` and ``next_functions``.

A Node is created when an op runs under grad mode with an input that requires grad. It
holds ``next_functions`` (one ``(node, output_nr)`` edge per input, ``(None, 0)`` for
inputs that need no gradient), the values its backward formula needs, and a sequence
number that orders the backward pass. Nodes have no ``__del__``: a graph is freed as soon
as nothing refers to it, and the create_graph cycle ``x -> x.grad -> grad_fn -> x`` is
collected by Python's GC.
"""
from __future__ import annotations

import itertools

from ._graph_utils import (  # noqa: F401 - torch.autograd.graph's names (autotools)
    GradientEdge,
    get_gradient_edge,
    increment_version,
    register_multi_grad_hook,
)
from ._saved_hooks import (  # noqa: F401 - torch.autograd.graph's names
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)

__all__ = ["Node", "AccumulateGrad", "ErrorNode", "SAVED_FREED_MSG", "saved_tensors_hooks",
           "save_on_cpu", "disable_saved_tensors_hooks", "GradientEdge", "get_gradient_edge",
           "increment_version", "register_multi_grad_hook"]

_seq = itertools.count()

SAVED_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """Base of every ``grad_fn``. Subclasses implement ``apply(grads, create_graph)``."""

    # Hooks and metadata are rare: they default to the class attributes below and land in
    # the instance __dict__ only when set, so making a node sets just two slots.
    # Edges are two parallel tuples, the next nodes and their output numbers (usually a
    # shared constant such as (0,)): fewer objects per node than torch's pairs, which
    # ``next_functions`` builds on demand.
    __slots__ = ("_fns", "_nrs", "_seq", "__dict__", "__weakref__")
    num_outputs = 1
    _pre_hooks = _hooks = _retained = _tensor_hooks = None
    _has_hooks = False  # any hook, or retain_grad on an output: the engine's slow path

    def __init__(self):
        self._seq = next(_seq)

    def name(self) -> str:
        return type(self).__name__

    def _sequence_nr(self) -> int:
        """The node's creation number (backward runs newer nodes first)."""
        return self._seq

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` pair per input; ``(None, 0)`` where no gradient flows."""
        return tuple(zip(self._fns, self._nrs))

    @next_functions.setter
    def next_functions(self, edges) -> None:
        self._fns = tuple(fn for fn, _ in edges)
        self._nrs = _shared_nrs(tuple(nr for _, nr in edges))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        try:
            return self.metadata_
        except AttributeError:
            self.metadata_ = {}
            return self.metadata_

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node computes; it may return
        replacement grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        self._has_hooks = True
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return replacement grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        self._has_hooks = True
        return _RemovableHandle(self._pre_hooks, fn)

    def _add_tensor_hook(self, output_nr: int, fn):
        if self._tensor_hooks is None:
            self._tensor_hooks = []
        entry = (output_nr, fn)
        self._tensor_hooks.append(entry)
        self._has_hooks = True
        return _RemovableHandle(self._tensor_hooks, entry)

    def _release(self) -> None:
        """Free saved values (retain_graph=False)."""

    def __call__(self, *grads):
        """Run this node's backward on ``grads`` (one Tensor or None per output), as torch
        lets a grad_fn be called: one gradient (or None) per next function. Recorded when
        grad mode is on, as any computation is."""
        from .._tensor import Tensor
        from .grad_mode import _tls
        n = self.num_outputs
        if len(grads) != n:
            raise TypeError(f"expected {n} arguments, got {len(grads)} instead")
        for i, g in enumerate(grads):
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"argument {i} is not a Variable")
        if all(g is None for g in grads):
            return (None,) * len(self._fns)
        create_graph = _tls.grad_enabled
        args = [g if create_graph or g is None else g._data for g in grads]
        out = self.apply(args, create_graph, True)
        result = []
        for g in out:
            if g is None or isinstance(g, Tensor):
                result.append(g)
            else:
                from ..backend import namespace_of
                result.append(Tensor._make(namespace_of(g).asarray(g)))
        return tuple(result)

    def apply(self, grads, create_graph, retain_graph=True):  # pragma: no cover - abstract
        """Gradients for each next function from ``grads`` (one per output); frees saved
        values unless ``retain_graph``."""
        raise NotImplementedError


_ZEROS = {n: (0,) * n for n in range(8)}


def _shared_nrs(nrs: tuple) -> tuple:
    """The shared all-zeros tuple when every output number is 0 (the common case)."""
    return _ZEROS.get(len(nrs), nrs) if not any(nrs) else nrs


class _RemovableHandle:
    """The handle a hook registration returns (named RemovableHandle, as torch's)."""

    __slots__ = ("_list", "_item")

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self) -> None:
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_RemovableHandle.__name__ = _RemovableHandle.__qualname__ = "RemovableHandle"


class AccumulateGrad(Node):
    """The sink at a leaf: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)
    _has_hooks = True  # the engine handles accumulation on its slow path

    def __init__(self, variable):
        # Made before the node that first consumes the leaf, so its sequence number is lower
        # than every consumer's: the engine reaches it after all of them.
        Node.__init__(self)
        self.variable = variable
        self._fns = self._nrs = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def apply(self, grads, create_graph, retain_graph=True):  # see engine._accumulate
        return ()

    def __call__(self, *grads):
        """Accumulate ``grads[0]`` into the leaf's ``.grad``, as the engine would."""
        from .engine import _accumulate
        from .grad_mode import _tls
        if len(grads) != 1:
            raise TypeError(f"expected 1 arguments, got {len(grads)} instead")
        g = grads[0]
        if g is not None:
            create_graph = _tls.grad_enabled and g._rg
            _accumulate(self.variable, g if create_graph else g._data, create_graph)
        return ()


class ErrorNode(Node):
    """A node whose backward raises (torch's DelayedError / a view that may no longer be
    used in a graph)."""

    __slots__ = ("_error", "_n")

    def __init__(self, error: Exception, edges=(), num_outputs: int = 1):
        Node.__init__(self)
        self._error = error
        self._n = num_outputs
        self._fns = tuple(fn for fn, _ in edges)
        self._nrs = _shared_nrs(tuple(nr for _, nr in edges))

    @property
    def num_outputs(self):
        return self._n

    def name(self) -> str:
        return "torch::autograd::Error"

    def apply(self, grads, create_graph, retain_graph=True):
        raise type(self._error)(*self._error.args)
