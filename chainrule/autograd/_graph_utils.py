"""torch.autograd.graph's utilities: GradientEdge, get_gradient_edge, increment_version,
register_multi_grad_hook."""
from __future__ import annotations

import threading
from typing import NamedTuple

__all__ = ["GradientEdge", "get_gradient_edge", "increment_version",
           "register_multi_grad_hook"]


class GradientEdge(NamedTuple):
    """An edge of the graph: a node and which of its outputs."""

    node: object
    output_nr: int
    ownership_token: object = None


def get_gradient_edge(tensor) -> GradientEdge:
    """The edge through which ``tensor``'s gradient flows (its grad_fn, or a leaf's
    AccumulateGrad)."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that "
                           "does not require gradients")
    if tensor.grad_fn is not None:
        return GradientEdge(tensor.grad_fn, tensor._output_nr)
    return GradientEdge(tensor._accumulator(), 0)


def increment_version(tensor) -> None:
    """Bump the version counter of ``tensor`` (or of each tensor in an iterable), as an
    in-place change would, so saved copies of it are detected as stale."""
    from .._tensor import Tensor
    tensors = (tensor,) if isinstance(tensor, Tensor) else tensor
    for t in tensors:
        t._bump_version()


class _MultiHandle:
    """Removes every per-tensor hook of one multi-grad hook."""

    def __init__(self, handles):
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _edge_node(t):
    return t.grad_fn if t.grad_fn is not None else t._accumulator()


def _will_run(task, nodes):
    """Which of ``nodes`` the running backward pass reaches."""
    _, roots, needed = task
    targets = set(nodes)
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for fn in node._fns:
            if fn is not None and fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return [n in seen and n in targets and (needed is None or n in needed) for n in nodes]


def register_multi_grad_hook(tensors, fn, *, mode: str = "all"):
    """Call ``fn`` once per backward pass for the gradients of ``tensors``.

    mode "all": ``fn(grads)`` after every tensor the pass reaches has its gradient
    (None for those it does not reach). mode "any": ``fn(grad)`` with the first gradient
    computed for any of them.
    """
    from .engine import _current_task
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    lock = threading.Lock()
    state = {"task": None, "grads": None, "left": 0}
    handles = []
    if mode == "all":
        def make_hook(i):
            def hook(grad):
                task = _current_task.value or (None, (), None)
                with lock:
                    if state["task"] != task[0]:
                        runs = _will_run(task, [_edge_node(t) for t in tensors])
                        state.update(task=task[0], grads=[None] * len(tensors),
                                     left=sum(runs))
                    state["grads"][i] = grad
                    state["left"] -= 1
                    ready = state["left"] == 0
                if ready:
                    fn(tuple(state["grads"]))
            return hook
    else:
        def make_hook(i):
            def hook(grad):
                task = _current_task.value or (None, (), None)
                with lock:
                    first = state["task"] != task[0]
                    state["task"] = task[0]
                if first:
                    fn(grad)
            return hook
    for i, t in enumerate(tensors):
        if t.requires_grad:
            handles.append(t.register_hook(make_hook(i)))
    return _MultiHandle(handles)
