"""Two renderings that need nothing installed: Graphviz DOT source and an indented tree."""
from __future__ import annotations

from ._model import COLORS, GraphModel

_HEADER = ("digraph {\n"
           "\tgraph [size=\"12,12\"]\n"
           "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 "
           "shape=box style=filled]\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(model: GraphModel) -> str:
    """The model as DOT text, in torchviz's style: edges run from inputs to consumers."""
    parts = [_HEADER]
    for node in model.nodes:
        label = _quote("\n".join(node.lines)).replace("\n", "\\n")
        parts.append(f"\tn{node.index} [label={label} fillcolor={COLORS[node.kind]}]\n")
    for src, dst, style in model.edges:
        extra = " [dir=none style=dashed]" if style == "saved" else ""
        parts.append(f"\tn{src} -> n{dst}{extra}\n")
    parts.append("}\n")
    return "".join(parts)


def text_tree(model: GraphModel, max_depth: int = 40) -> str:
    """An indented tree from each root down to the leaves, one box per line. A node met
    again (a shared subgraph) is printed once; later visits say so and are not expanded.
    Beyond ``max_depth`` levels the indentation stops growing and lines carry their depth,
    so a 10,000-node chain stays a 10,000-line text."""
    refs = {}  # model index -> its number in the text, for the shared-node marks
    lines = []
    saved_of: dict = {}
    for src, dst, style in model.edges:
        if style == "saved":
            saved_of.setdefault(dst, []).append(src)
    nodes = model.nodes
    for root in model.roots:
        stack = [(root, 0, "", "", False)]
        while stack:
            idx, depth, prefix, branch, _last = stack.pop()
            node = nodes[idx]
            label = node.lines[0]
            detail = "  ".join(node.lines[1:])
            if idx in refs:
                lines.append(f"{prefix}{branch}{label}  [shared: #{refs[idx]}, shown above]")
                continue
            refs[idx] = len(refs) + 1
            mark = f"#{refs[idx]} " if node.shared else ""
            depth_tag = f"[{depth}] " if depth > max_depth else ""
            lines.append(f"{prefix}{branch}{depth_tag}{mark}{label}"
                         + (f"  {detail}" if detail else ""))
            child_prefix = prefix + ("   " if branch in ("", "└─ ") else "│  ")
            if depth >= max_depth:
                child_prefix = prefix
            if branch == "":
                child_prefix = prefix
            for s in saved_of.get(idx, ()):
                lines.append(f"{child_prefix}   (saved) " + "  ".join(nodes[s].lines))
            kids = model.children.get(idx, [])
            for k in range(len(kids) - 1, -1, -1):
                last = k == len(kids) - 1
                stack.append((kids[k], depth + 1, child_prefix, "└─ " if last else "├─ ",
                              last))
    return "\n".join(lines)

