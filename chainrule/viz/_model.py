"""The autograd graph behind some tensors, walked once into a plain model (``GraphModel``)
that the DOT writer, the text tree and the layout all read.

The walk is iterative (an explicit stack), visits each node once however many consumers
share it, and reads only what the nodes already hold: ``next_functions``, a leaf's
``variable``, and the values an op saved for backward. Output shapes are not stored on
nodes, so they are inferred from what is at hand: the tensor at the root, a leaf's
variable, a saved output, a consumer's saved input or its broadcasting record.
"""
from __future__ import annotations

import math

from .._dtypes import from_numpy_dtype
from .._tensor import Tensor
from ..autograd.graph import AccumulateGrad

# The kinds of boxes, with torchviz's colours.
ROOT, OP, LEAF, SAVED = "root", "op", "leaf", "saved"
COLORS = {ROOT: "darkolivegreen1", OP: "lightgrey", LEAF: "lightblue", SAVED: "orange"}


class VizNode:
    """One box: its kind, the lines of its label, and (for a grad_fn) the node itself."""

    __slots__ = ("index", "kind", "lines", "fn", "shared")

    def __init__(self, index: int, kind: str, lines: list, fn=None):
        self.index, self.kind, self.lines, self.fn = index, kind, lines, fn
        self.shared = False  # reached from more than one consumer

    @property
    def name(self) -> str:
        return self.lines[0]

    def __repr__(self) -> str:
        return f"VizNode({self.index}, {self.kind!r}, {self.lines!r})"


class GraphModel:
    """Boxes and edges. An edge ``(src, dst, style)`` runs from an input to its consumer
    (``style`` "saved" for a saved tensor's link); ``children[i]`` lists node ``i``'s
    inputs in ``next_functions`` order, for the text tree."""

    def __init__(self):
        self.nodes: list = []
        self.edges: list = []
        self.children: dict = {}
        self.roots: list = []

    def add(self, kind: str, lines: list, fn=None) -> VizNode:
        node = VizNode(len(self.nodes), kind, lines, fn)
        self.nodes.append(node)
        return node


def fmt_shape(shape) -> str:
    """torchviz's size text: ``(3, 4)``; a scalar is ``()``."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def dtype_name(dtype) -> str:
    text = str(dtype)
    return text[6:] if text.startswith("torch.") else text


def _dtype_of(array):
    """chainrule's dtype for a raw array (so metas from arrays and tensors compare equal)."""
    try:
        return from_numpy_dtype(array.dtype)
    except (TypeError, KeyError):
        return array.dtype


def _meta_text(meta) -> str:
    if meta is None:
        return ""
    shape, dtype = meta
    return fmt_shape(shape) + (" " + dtype_name(dtype) if dtype is not None else "")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:max(limit - 3, 0)] + "..."


def _grad_norm(t) -> str:
    grad = t.grad
    if grad is None:
        return ""
    data = grad._data
    try:
        if data.dtype.kind == "c":
            value = float((abs(data) ** 2).sum()) ** 0.5
        else:
            value = float((data.astype("float64") ** 2).sum()) ** 0.5
    except (TypeError, ValueError):
        return ""
    return f"grad norm {value:.4g}" if math.isfinite(value) else f"grad norm {value}"


def _saved_entries(fn):
    """What a node saved for backward, as ``(name, value, version seen, version now)``;
    ``value`` is an array, a Tensor or a plain value; versions are None for non-tensors.
    A node whose saved values were freed by backward gives ``[("freed", None, ...)]``."""
    ctx = getattr(fn, "ctx", None)
    if ctx is not None and hasattr(ctx, "_saved"):  # a custom Function
        if ctx._freed:
            return [("freed", None, None, None)]
        return [(f"saved_tensors[{i}]", t, seen, vc[0] if vc is not None else None)
                for i, (t, vc, seen) in enumerate(ctx._saved or ()) if t is not None]
    plan = getattr(fn, "_plan", None)
    saved = getattr(fn, "_saved", None)
    if plan is None or saved is None:
        return []
    if not isinstance(saved, tuple):
        return [("freed", None, None, None)]
    versions = {}
    v = fn._versions
    for i in range(0, len(v), 4):
        versions[v[i + 2]] = (v[i + 1], v[i][0])
    op = fn.op
    entries = []
    for slot, (kind, key) in enumerate(plan.sources):
        if kind == 0:  # an input
            name = op.inputs[key] if isinstance(key, int) and key < len(op.inputs) else "input"
        elif kind == 1:  # an output
            name = "result" if key == 0 else f"result{key}"
        elif kind == 2:  # a parameter
            name = str(key)
        else:
            name = "sizes" if key is None else f"{op.inputs[key]}_sym_sizes"
        seen, now = versions.get(slot, (None, None))
        entries.append((name, saved[slot], seen, now))
    return entries


def _is_array(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, tuple)


def _output_meta(fn, nr):
    """(shape, dtype) of output ``nr`` of ``fn`` when the node itself knows it."""
    if isinstance(fn, AccumulateGrad):
        var = fn.variable
        return tuple(var.shape), var.dtype
    out_meta = getattr(fn, "_out_meta", None)  # a custom Function
    if isinstance(out_meta, (list, tuple)) and nr < len(out_meta):
        return tuple(out_meta[nr][0]), out_meta[nr][1]
    plan = getattr(fn, "_plan", None)
    saved = getattr(fn, "_saved", None)
    if plan is not None and isinstance(saved, tuple):
        for slot, (kind, key) in enumerate(plan.sources):
            if kind == 1 and key == nr and _is_array(saved[slot]):
                return tuple(saved[slot].shape), _dtype_of(saved[slot])
    return None


def _best_meta(known, fn):
    """What the consumers reported, completed (or replaced) by what the node knows."""
    if known is not None and known[1] is not None:
        return known
    own = _output_meta(fn, 0)
    if own is not None and (known is None or own[0] == known[0]):
        return own
    return known


def _input_meta(fn, i, own):
    """(shape, dtype) of input ``i`` of ``fn`` (so of the output of its i-th next
    function) when the consumer recorded it, or when ``fn`` is an elementwise op whose own
    output meta ``own`` is known and which recorded no broadcasting."""
    meta = getattr(fn, "_meta", None)
    if isinstance(meta, (list, tuple)) and i < len(meta) and meta[i] is not None \
            and meta[i][0] is not None:
        return tuple(meta[i][0]), meta[i][1]
    shapes = getattr(fn, "_input_shapes", None)  # a custom Function: shapes only
    if isinstance(shapes, (list, tuple)) and i < len(shapes):
        return tuple(shapes[i]), None
    plan = getattr(fn, "_plan", None)
    saved = getattr(fn, "_saved", None)
    op = getattr(fn, "op", None)
    if plan is None or op is None or op.variadic:
        return None
    for slot, (kind, key) in enumerate(plan.sources if isinstance(saved, tuple) else ()):
        if kind == 0 and key == i and _is_array(saved[slot]):
            return tuple(saved[slot].shape), _dtype_of(saved[slot])
        if kind == 3 and key == i and isinstance(saved[slot], tuple):
            return tuple(saved[slot]), None
    if own is not None and op.ufunc is not None and meta is None and op.num_outputs == 1:
        return own
    return None


def _attr_text(value, limit) -> str:
    if _is_array(value):
        return fmt_shape(value.shape) + " " + dtype_name(value.dtype)
    return _truncate(repr(value), limit)


def build(tensors, params=None, show_saved=False, show_attrs=False, max_attr_chars=50,
          show_grad=True) -> GraphModel:
    """Walk the graph behind ``tensors`` (a Tensor or a sequence of them) into a model."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    elif isinstance(tensors, dict):
        tensors = list(tensors.values())
    else:
        tensors = list(tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw() expects a Tensor or a sequence of Tensors, got "
                            f"{type(t).__name__}")
    if params is None:
        names = {}
    else:
        items = params.items() if isinstance(params, dict) else params
        names = {}
        for key, value in items:
            if not isinstance(value, Tensor):
                raise TypeError(f"params must map names to Tensors; {key!r} maps to "
                                f"{type(value).__name__}")
            names[id(value)] = str(key)
    model = GraphModel()
    index_of: dict = {}   # id(grad_fn) -> model index
    known_meta: dict = {}  # (id(fn), nr) -> (shape, dtype), from the consumers
    stack: list = []

    def leaf_lines(t, fallback):
        name = names.get(id(t), fallback)
        lines = [name] if name else []
        lines.append(fmt_shape(t.shape) + " " + dtype_name(t.dtype))
        if show_grad:
            norm = _grad_norm(t)
            if norm:
                lines.append(norm)
        return lines

    def visit(fn):
        """The model index of ``fn``, adding its box (and queueing it) the first time."""
        key = id(fn)
        idx = index_of.get(key)
        if idx is not None:
            model.nodes[idx].shared = True
            return idx
        if isinstance(fn, AccumulateGrad):
            node = model.add(LEAF, leaf_lines(fn.variable, ""), fn)
        else:
            node = model.add(OP, [fn.name()], fn)
            stack.append(node)
        index_of[key] = node.index
        return node.index

    for t in tensors:
        fn = t.grad_fn
        root = model.add(ROOT, leaf_lines(t, "") if fn is None else
                         [names.get(id(t), "output"),
                          fmt_shape(t.shape) + " " + dtype_name(t.dtype)])
        model.roots.append(root.index)
        if fn is None:
            model.children[root.index] = []
            continue
        known_meta.setdefault((id(fn), t._output_nr), (tuple(t.shape), t.dtype))
        src = visit(fn)
        model.edges.append((src, root.index, "edge"))
        model.children[root.index] = [src]
        while stack:
            node = stack.pop()
            fn = node.fn
            kids = []
            own = _best_meta(known_meta.get((id(fn), 0)), fn)
            for i, (nxt, nr) in enumerate(fn.next_functions):
                if nxt is None:
                    continue
                meta = _input_meta(fn, i, own)
                if meta is not None:
                    known_meta.setdefault((id(nxt), nr), meta)
                kid = visit(nxt)
                model.edges.append((kid, node.index, "edge"))
                kids.append(kid)
            model.children[node.index] = kids
            if show_saved or show_attrs:
                for name, value, seen, now in _saved_entries(fn):
                    if name == "freed":
                        node.lines.append("(saved values freed)")
                    elif (_is_array(value) or isinstance(value, Tensor)) and seen is not None:
                        if show_saved:
                            lines = [name, _attr_text(value if _is_array(value)
                                                      else value._data, max_attr_chars),
                                     f"version {seen}"]
                            if now is not None and now != seen:
                                lines[-1] += f" (now {now}: modified in place)"
                            box = model.add(SAVED, lines)
                            model.edges.append((box.index, node.index, "saved"))
                    elif show_attrs:
                        node.lines.append(f"{name}: {_attr_text(value, max_attr_chars)}")
    # Output shapes, now that every consumer has reported what it knows; then, oldest node
    # first (inputs before consumers), an elementwise op with no dtype known takes its
    # inputs' common dtype.
    metas = {}
    ops = [node for node in model.nodes if node.kind == OP]
    ops.sort(key=lambda node: node.fn._seq)
    for node in model.nodes:
        if node.kind == LEAF:
            var = node.fn.variable
            metas[node.index] = (tuple(var.shape), var.dtype)
    for node in ops:
        fn = node.fn
        meta = _best_meta(known_meta.get((id(fn), 0)), fn)
        op = getattr(fn, "op", None)
        if meta is not None and meta[1] is None and op is not None and op.ufunc is not None:
            kinds = {metas[k][1] for k in model.children.get(node.index, ()) if k in metas}
            if len(kinds) == 1 and None not in kinds:
                meta = (meta[0], kinds.pop())
        if meta is not None:
            metas[node.index] = meta
        text = _meta_text(meta)
        if text:
            node.lines.insert(1, text)
    return model
