"""The one backward scheduler.

A node's inputs are always older than the node (lower sequence number), so running the
pending nodes newest first means every gradient flowing into a node has arrived before it
runs: no separate pass to count dependencies is needed. Incoming gradients are summed per
node in a buffer popped when the node runs; saved values are released unless
``retain_graph``. Nothing here recurses, so a million-node chain backs up in constant
stack. (torch counts dependencies and runs a node as soon as they reach zero; the order
differs only among independent nodes.)

With ``create_graph=False`` the gradients flowing between nodes are raw backend arrays
(no Tensor is built per step); with ``create_graph=True`` they are Tensors and every
formula is recorded, which is what makes higher derivatives work.
"""
from __future__ import annotations

import heapq
import itertools
import threading

from .._dtypes import _BY_NP
from .._meta import MetaArray
from .._tensor import Tensor
from ..backend import namespace_of
from ._graph_utils import GradientEdge
from ._saved_hooks import NodeHooks
from .grad_mode import _tls
from .graph import AccumulateGrad

__all__ = ["queue_callback", "run_backward"]

_task_ids = itertools.count()


class _CurrentTask(threading.local):
    value = None  # (id, root nodes, nodes leading to `inputs` or None) of the running pass


_current_task = _CurrentTask()


class _FinalCallbacks(threading.local):
    value = None  # the running pass's list of callbacks to call when it ends, or None


_final_callbacks = _FinalCallbacks()


def queue_callback(callback) -> None:
    """``Variable._execution_engine.queue_callback``: call ``callback()`` (no arguments)
    once the running backward pass has finished its graph, before ``backward`` returns
    (DistributedDataParallel waits for its all-reduces here). Callbacks queued by a
    callback run too."""
    callbacks = _final_callbacks.value
    if callbacks is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    callbacks.append(callback)


def _run_final_callbacks(callbacks) -> None:
    i = 0
    while i < len(callbacks):  # a callback may queue more
        callbacks[i]()
        i += 1


def run_backward(roots, root_grads, *, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True):
    """Backpropagate ``root_grads`` (raw arrays, or Tensors when ``create_graph``) from the
    root edges ``roots`` (``(node, output_nr)`` pairs).

    ``inputs`` (a list of Tensors) restricts the pass to the parts of the graph that lead to
    them. With ``accumulate`` leaf ``.grad`` fields are updated; otherwise the gradients for
    ``inputs`` are returned (``autograd.grad``), in order, None where none arrived.
    """
    root_nodes = []
    for node, _ in roots:
        if node not in root_nodes:
            root_nodes.append(node)

    captures = None      # node -> [(output_nr, input index)]
    needed = None
    if inputs is not None:
        captures = {}
        targets = []
        for i, t in enumerate(inputs):
            if t.__class__ is GradientEdge:  # autograd.grad w.r.t. an edge of the graph
                node, nr = t.node, t.output_nr
            elif t.grad_fn is not None:
                node, nr = t.grad_fn, t._output_nr
            else:
                node, nr = t._accumulator(), 0
            captures.setdefault(node, []).append((nr, i))
            targets.append(node)
        needed = _nodes_leading_to(targets, _parents(root_nodes))
    captured = [None] * (len(inputs) if inputs is not None else 0)
    restricted = inputs is not None
    prev_task = _current_task.value  # for register_multi_grad_hook: which pass is this
    _current_task.value = (next(_task_ids), root_nodes, needed)
    prev_callbacks, callbacks = _final_callbacks.value, []
    _final_callbacks.value = callbacks

    buffers: dict = {}
    for (node, nr), g in zip(roots, root_grads):
        _add_to_buffer(buffers, node, nr, g)
    heap = [(-node._seq, node) for node in root_nodes]
    heapq.heapify(heap)

    prev_mode = _tls.grad_enabled
    _tls.grad_enabled = create_graph
    heappop, heappush = heapq.heappop, heapq.heappush
    # The next node, when it is newer than everything pending: it runs next, so nothing
    # else can add to its gradients, which skip the heap and the buffer dict (a chain never
    # touches either).
    upcoming = upcoming_grads = None
    anomaly = NodeHooks.anomaly
    try:
        while True:
            if upcoming is not None:
                node, grads, upcoming = upcoming, upcoming_grads, None
            elif heap:
                node = heappop(heap)[1]
                grads = buffers.pop(node)  # pending means at least one gradient arrived
            else:
                break
            if node._has_hooks:  # hooks, retain_grad, or an AccumulateGrad: the slow path
                if node.__class__ is AccumulateGrad:
                    var, g = node.variable, grads[0]
                    if var._hooks and g is not None:  # the leaf's hooks, then capture
                        g = _run_leaf_hooks(var, g, create_graph)
                    if restricted and node in captures:
                        for _, i in captures[node]:
                            captured[i] = g
                    if accumulate and g is not None and (not restricted or node in captures):
                        _accumulate(var, g, create_graph, leaf_hooks=False)
                    continue
            if restricted:
                # autograd.grad w.r.t. a non-leaf: its gradient as it arrives, before the
                # tensor's own hooks (torch's order); only the part leading to inputs runs.
                if node in captures:
                    for nr, i in captures[node]:
                        captured[i] = grads[nr]
                if node not in needed:
                    continue
                # Only the edges leading to inputs get a gradient: while the node runs, the
                # others read as no edge, so their rules are skipped (torch's
                # should_compute_output; a weight's outer product in an input's Hessian).
                fns = node._fns
                if len(fns) > 1:
                    for fn in fns:
                        if fn is not None and fn not in needed:
                            node._fns = tuple(f if f in needed else None for f in fns)
                            break
            try:
                if node._has_hooks:
                    grads = _run_tensor_hooks(node, grads, create_graph)
                    if node._pre_hooks:
                        grads = _run_pre_hooks(node, grads, create_graph)
                    if anomaly:
                        outputs = _anomaly_apply(node, grads, create_graph, retain_graph)
                    else:
                        outputs = node.apply(grads, create_graph, retain_graph)
                    if node._hooks:
                        outputs = _run_post_hooks(node, outputs, grads, create_graph)
                elif anomaly:  # detect_anomaly: the forward traceback on failure, NaN checks
                    outputs = _anomaly_apply(node, grads, create_graph, retain_graph)
                else:
                    outputs = node.apply(grads, create_graph, retain_graph)
            finally:
                if restricted:
                    node._fns = fns
            new = new_grads = None
            for fn, nr, g in zip(node._fns, node._nrs, outputs):
                if fn is None or g is None:
                    continue
                if fn is new:
                    old = new_grads[nr]
                    new_grads[nr] = g if old is None else old + g
                    continue
                buf = buffers.get(fn)
                if buf is not None:
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                    continue
                # First gradient for fn: it becomes pending.
                if fn.num_outputs == 1:
                    buf = [g]
                else:
                    buf = [None] * fn.num_outputs
                    buf[nr] = g
                if new is None and (not heap or -heap[0][0] < fn._seq):
                    new, new_grads = fn, buf
                else:
                    if new is not None:
                        buffers[new] = new_grads
                        heappush(heap, (-new._seq, new))
                        new = None
                    buffers[fn] = buf
                    heappush(heap, (-fn._seq, fn))
            if new is not None:
                upcoming, upcoming_grads = new, new_grads
        if callbacks:
            _run_final_callbacks(callbacks)
    finally:
        _tls.grad_enabled = prev_mode
        _current_task.value = prev_task
        _final_callbacks.value = prev_callbacks
    if not accumulate:
        return captured
    if inputs is not None:
        # backward(inputs=[non-leaf]) accumulates into that tensor's .grad, as torch does.
        for t, g in zip(inputs, captured):
            if t.grad_fn is not None and g is not None:
                _accumulate(t, g, create_graph, hooks=False)
    return None


def _anomaly_apply(node, grads, create_graph, retain_graph):
    from .anomaly_mode import anomaly_apply
    return anomaly_apply(node, grads, create_graph, retain_graph)


def _parents(root_nodes):
    """For every node reachable from the roots, the nodes with an edge to it."""
    parents: dict = {}
    seen = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for fn in node._fns:
            if fn is None:
                continue
            parents.setdefault(fn, []).append(node)
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return parents


def _nodes_leading_to(targets, parents):
    """Every node from which one of ``targets`` can be reached (the part worth running)."""
    needed = set(targets)
    stack = list(targets)
    while stack:
        node = stack.pop()
        for parent in parents.get(node, ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


def _add_to_buffer(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.num_outputs
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._make(_asarray(g))


def _asarray(g):
    xp = _xp_of(g)
    return g if isinstance(g, xp.ndarray) else xp.asarray(g)


_xp_of = namespace_of


def _unwrap(t, create_graph):
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(t).__name__}'")
    return t if create_graph else t._data


def _hook_name(hook) -> str:
    return getattr(hook, "__name__", type(hook).__name__)


def _checked(hook, res, old, create_graph):
    """A hook's replacement for one gradient, with torch's checks."""
    if res is None:
        return old
    g = _unwrap(res, create_graph)
    if old is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if tuple(g.shape) != tuple(old.shape):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return g


def _checked_tuple(hook, res, old, create_graph):
    """A node hook's replacement for all its gradients, with torch's checks."""
    if res is None:
        return old
    if not isinstance(res, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(res).__name__}'")
    if len(res) != len(old):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of "
                           f"values (got {len(res)}, but expected {len(old)})")
    out = []
    for r, o in zip(res, old):
        if r is None:
            out.append(None)
            continue
        g = _unwrap(r, create_graph)
        if o is not None and tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
        out.append(g)
    return out


def _run_tensor_hooks(node, grads, create_graph):
    grads = list(grads)
    if node._tensor_hooks:
        # torch calls a hook on an output that got no gradient with None (B49)
        for nr, hook in list(node._tensor_hooks):
            g = grads[nr]
            res = hook(None if g is None else _as_tensor(g))
            grads[nr] = _checked(hook, res, g, create_graph)
    if node._retained:
        for nr, ref in node._retained:
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate(t, grads[nr], create_graph, hooks=False)
    return grads


def _run_pre_hooks(node, grads, create_graph):
    for hook in list(node._pre_hooks):
        res = hook(tuple(None if g is None else _as_tensor(g) for g in grads))
        grads = _checked_tuple(hook, res, list(grads), create_graph)
    return grads


def _run_post_hooks(node, outputs, grads, create_graph):
    for hook in list(node._hooks):
        res = hook(tuple(None if g is None else _as_tensor(g) for g in outputs),
                   tuple(None if g is None else _as_tensor(g) for g in grads))
        outputs = _checked_tuple(hook, res, list(outputs), create_graph)
    return outputs


def _run_leaf_hooks(var: Tensor, g, create_graph: bool):
    for hook in list(var._hooks):
        res = hook(_as_tensor(g))
        g = _checked(hook, res, g, create_graph)
    return g


def _accumulate(var: Tensor, g, create_graph: bool, hooks: bool = True,
                leaf_hooks: bool = True) -> None:
    """AccumulateGrad: add ``g`` into ``var.grad`` (torch's rules: the first gradient is
    stored fresh; later ones are added in place unless a graph is being built)."""
    if hooks and leaf_hooks and var._hooks:
        g = _run_leaf_hooks(var, g, create_graph)
    gd = var._grad_dtype  # False: the leaf's own dtype; None: the gradient's; else that one
    old = var._grad
    if create_graph:
        dtype = var._data.dtype if gd is False else (g._data.dtype if gd is None else gd.np)
        if g._data.dtype != dtype:
            g = g.to(_BY_NP[dtype])
        var._grad = g if old is None else old + g
    else:
        if isinstance(g, Tensor):
            g = g._data
        dtype = var._data.dtype if gd is False else (g.dtype if gd is None else gd.np)
        if old is None:
            if g.__class__ is MetaArray:
                var._grad = Tensor._make(g.astype(dtype))
            else:
                var._grad = Tensor._make(_xp_of(g).array(g, dtype=dtype, copy=True))
        elif old._rg or old._data.shape != g.shape or not old._data.flags.writeable:
            var._grad = Tensor._make((old._data + g).astype(dtype, copy=False))
        else:
            old._data += g
            old._bump_version()
    if hooks and var._post_acc_hooks:
        for hook in list(var._post_acc_hooks):
            hook(var)
