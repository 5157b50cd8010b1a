"""A small pytree: nested tuples, lists, dicts and namedtuples of leaves, as torch.func sees
its inputs and outputs (torch.utils._pytree's containers)."""
from __future__ import annotations

from collections import OrderedDict

__all__ = ["tree_flatten", "tree_unflatten", "tree_map", "TreeSpec", "LEAF"]


class TreeSpec:
    """The shape of a pytree: a container kind, its context (keys, a namedtuple class) and
    the specs of its children; ``LEAF`` for a leaf."""

    __slots__ = ("kind", "context", "children", "num_leaves")

    def __init__(self, kind, context, children):
        self.kind = kind
        self.context = context
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeSpec) and self.kind == other.kind and
                self.context == other.context and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.num_leaves))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ",\n  ".join(repr(c) for c in self.children)
        ctx = self.context if self.kind in ("dict", "OrderedDict", "namedtuple") else None
        return f"TreeSpec({self.kind}, {ctx}, [{inner}])"


LEAF = TreeSpec(None, None, ())


class _Star:
    def __repr__(self) -> str:
        return "*"


def pprint(spec: TreeSpec) -> str:
    """torch's treespec_pprint: the tree with each leaf shown as ``*``."""
    return repr(tree_unflatten([_Star()] * spec.num_leaves, spec))


def _kind(tree):
    cls = tree.__class__
    if cls is tuple:
        return "tuple"
    if cls is list:
        return "list"
    if cls is dict:
        return "dict"
    if cls is OrderedDict:
        return "OrderedDict"
    if isinstance(tree, tuple) and hasattr(cls, "_fields"):
        return "namedtuple"
    return None


def tree_flatten(tree):
    """(leaves, spec) of ``tree``, leaves in depth-first order (dict keys in insertion
    order)."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(node, leaves):
    kind = _kind(node)
    if kind is None:
        leaves.append(node)
        return LEAF
    if kind in ("dict", "OrderedDict"):
        context = list(node.keys())
        items = [node[k] for k in context]
    else:
        items, context = list(node), (node.__class__ if kind == "namedtuple" else None)
    return TreeSpec(kind, context, tuple(_flatten(item, leaves) for item in items))


def tree_unflatten(leaves, spec: TreeSpec):
    """The tree of ``spec``'s shape holding ``leaves``."""
    it = iter(leaves)
    return _build(spec, it)


def _build(spec, it):
    if spec.kind is None:
        return next(it)
    items = [_build(c, it) for c in spec.children]
    if spec.kind == "tuple":
        return tuple(items)
    if spec.kind == "list":
        return items
    if spec.kind == "dict":
        return dict(zip(spec.context, items))
    if spec.kind == "OrderedDict":
        return OrderedDict(zip(spec.context, items))
    return spec.context(*items)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix, tree_spec: TreeSpec, what: str):
    """Leaves of ``prefix`` (in_dims/out_dims) spread over a tree of ``tree_spec``: an int
    or None prefix covers a whole subtree. Returns the flat list or None on mismatch."""
    out: list = []
    stack = [(prefix, tree_spec)]
    while stack:
        p, spec = stack.pop()
        kind = _kind(p)
        if kind is None:
            out.extend([p] * spec.num_leaves)
            continue
        if spec.kind is None or kind != spec.kind:
            return None
        if kind in ("dict", "OrderedDict"):
            if set(p.keys()) != set(spec.context):
                return None
            items = [p[k] for k in spec.context]
        else:
            items = list(p)
        if len(items) != len(spec.children):
            return None
        for item, child in reversed(list(zip(items, spec.children))):
            stack.append((item, child))
    return out
