"""A built-in layered layout: SVG (written directly) and PNG (``_png.py``, drawn with
matplotlib) without the ``dot`` program.

The layout is the usual Sugiyama outline, kept simple and iterative: each box gets a level
(its longest distance from a root, so inputs sit above their consumers, as ``dot`` draws
torchviz graphs), boxes in a level are ordered by a few barycenter sweeps, then placed left
to right as close as they fit to the mean position of their consumers, so chains stay
straight. SVG is plain text written here; PNG is drawn in ``_png.py``.
"""
from __future__ import annotations

from ._model import GraphModel

_FILL = {"root": "#caff70", "op": "lightgrey", "leaf": "lightblue", "saved": "orange"}
_FONT = 8.0                      # points
_CHAR_W = 0.6 * _FONT / 72       # inches per character (monospace)
_LINE_H = 1.3 * _FONT / 72       # inches per line
_PAD_X, _PAD_Y = 0.12, 0.08      # inches around the text
_GAP_X, _GAP_Y = 0.25, 0.35      # inches between boxes and between levels
_MAX_INCHES = 300.0              # larger drawings are scaled down to this
_MAX_PIXELS = 30000              # and PNGs kept under matplotlib's size limit
_MAX_ROUTED = 6                  # edges spanning more levels than this are not routed


def _levels(model: GraphModel) -> list:
    """Each box's level: 0 for the roots, else 1 + the highest level among its consumers
    (a longest-path layering, walked in topological order without recursion)."""
    n = len(model.nodes)
    consumers = [[] for _ in range(n)]
    pending = [0] * n  # consumers not yet levelled
    for src, dst, _ in model.edges:
        consumers[src].append(dst)
    inputs = [[] for _ in range(n)]
    for src, dst, _ in model.edges:
        inputs[dst].append(src)
        pending[src] += 1
    level = [0] * n
    ready = [i for i in range(n) if pending[i] == 0]
    while ready:
        i = ready.pop()
        for src in inputs[i]:
            if level[i] + 1 > level[src]:
                level[src] = level[i] + 1
            pending[src] -= 1
            if pending[src] == 0:
                ready.append(src)
    return level, consumers, inputs


def layout(model: GraphModel):
    """Box centres and sizes in inches, y growing upwards, and each edge's path:
    ``(xs, ys, widths, heights, paths)``. An edge spanning several levels is routed through
    one narrow invisible box per level it crosses, so it runs beside the boxes, not
    through them."""
    n = len(model.nodes)
    widths = [max(len(line) for line in node.lines) * _CHAR_W + 2 * _PAD_X
              for node in model.nodes]
    heights = [len(node.lines) * _LINE_H + 2 * _PAD_Y for node in model.nodes]
    level, _, _ = _levels(model)
    # Dummy boxes: the extended graph has an edge per level crossed.
    chains = []
    consumers = [[] for _ in range(n)]
    inputs = [[] for _ in range(n)]
    for src, dst, _ in model.edges:
        chain = [src]
        span = level[src] - level[dst]
        # Route through dummies only over a few levels: a leaf feeding every level of a long
        # chain would need a dummy per level per edge (quadratic); longer edges run straight.
        for lv in range(level[src] - 1, level[dst], -1) if span <= _MAX_ROUTED else ():
            k = len(widths)
            widths.append(0.12)
            heights.append(0.0)
            level.append(lv)
            consumers.append([])
            inputs.append([])
            chain.append(k)
        chain.append(dst)
        for a, b in zip(chain, chain[1:]):
            consumers[a].append(b)
            inputs[b].append(a)
        chains.append(chain)
    total = len(widths)
    depth = max(level, default=0) + 1
    rows = [[] for _ in range(depth)]
    for i in range(total):
        rows[level[i]].append(i)
    order = [0.0] * total
    for row in rows:
        for k, i in enumerate(row):
            order[i] = float(k)
    # Barycenter sweeps: upwards by consumers, downwards by inputs.
    for sweep in range(4):
        upward = sweep % 2 == 0
        seq = range(1, depth) if upward else range(depth - 2, -1, -1)
        for lv in seq:
            row = rows[lv]
            for i in row:
                nbrs = consumers[i] if upward else inputs[i]
                if nbrs:
                    order[i] = sum(order[j] for j in nbrs) / len(nbrs) + order[i] * 1e-3
            row.sort(key=order.__getitem__)
            for k, i in enumerate(row):
                order[i] = float(k)
    xs = [0.0] * total
    ys = [0.0] * total
    y = 0.0
    for lv, row in enumerate(rows):
        row_h = max((heights[i] for i in row), default=0.0)
        if lv:
            y += row_h / 2
        for i in row:
            ys[i] = y
        y += row_h / 2 + _GAP_Y
        desired = []
        for i in row:
            nbrs = consumers[i]
            desired.append(sum(xs[j] for j in nbrs) / len(nbrs) if nbrs and lv else None)
        right = None
        placed = []
        cursor = 0.0
        for i, want in zip(row, desired):
            half = widths[i] / 2
            x = want if want is not None else cursor + half
            if right is not None and x - half < right + _GAP_X:
                x = right + _GAP_X + half
            placed.append(x)
            right = x + half
            cursor = right + _GAP_X
        shifts = [w - x for w, x in zip(desired, placed) if w is not None]
        if shifts:  # as close to the consumers as the row allows
            shift = sum(shifts) / len(shifts)
        else:  # the roots: centred
            shift = -(placed[-1] + placed[0]) / 2 if placed else 0.0
        for i, x in zip(row, placed):
            xs[i] = x + shift
    paths = []
    for chain in chains:
        src, dst = chain[0], chain[-1]
        points = [(xs[src], ys[src] - heights[src] / 2)]
        points += [(xs[k], ys[k]) for k in chain[1:-1]]
        points.append((xs[dst], ys[dst] + heights[dst] / 2))
        paths.append(points)
    return xs[:n], ys[:n], widths[:n], heights[:n], paths


def _frame(model: GraphModel):
    """The layout plus the drawing's extent ``(x0, x1, y0, y1)`` in inches."""
    xs, ys, widths, heights, paths = layout(model)
    margin = 0.2
    if not xs:
        return xs, ys, widths, heights, paths, (0.0, 1.0, 0.0, 1.0)
    x0 = min(x - w / 2 for x, w in zip(xs, widths)) - margin
    x1 = max(x + w / 2 for x, w in zip(xs, widths)) + margin
    for path in paths:
        for px, _ in path:
            x0, x1 = min(x0, px - margin), max(x1, px + margin)
    y0 = min(y - h / 2 for y, h in zip(ys, heights)) - margin
    y1 = max(y + h / 2 for y, h in zip(ys, heights)) + margin
    return xs, ys, widths, heights, paths, (x0, x1, y0, y1)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def render_svg(model: GraphModel) -> bytes:
    """The layout written straight to SVG text (no dependency; 10,000 boxes in well under a
    second). Units are points: 72 to the inch."""
    xs, ys, widths, heights, paths, (x0, x1, y0, y1) = _frame(model)
    pt = 72.0

    def px(x):
        return f"{(x - x0) * pt:.1f}"

    def py(y):  # SVG's y grows downwards
        return f"{(y1 - y) * pt:.1f}"

    width, height = (x1 - x0) * pt, (y1 - y0) * pt
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}pt" '
           f'height="{height:.0f}pt" viewBox="0 0 {width:.1f} {height:.1f}">\n',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/>'
           '</marker></defs>\n',
           '<g fill="none" stroke="black" stroke-width="0.8">\n']
    for (_, _, style), path in zip(model.edges, paths):
        points = " ".join(f"{px(x)},{py(y)}" for x, y in path)
        if style == "saved":
            out.append(f'<polyline points="{points}" stroke="grey" stroke-dasharray="3,2"/>\n')
        else:
            out.append(f'<polyline points="{points}" marker-end="url(#arrow)"/>\n')
    out.append('</g>\n<g font-family="monospace" font-size="8" text-anchor="middle" '
               'stroke="black" stroke-width="0.8">\n')
    line_h = _LINE_H * pt
    for node, x, y, w, h in zip(model.nodes, xs, ys, widths, heights):
        out.append(f'<g class="{node.kind}"><title>{_esc(node.lines[0])}</title>'
                   f'<rect x="{px(x - w / 2)}" y="{py(y + h / 2)}" width="{w * pt:.1f}" '
                   f'height="{h * pt:.1f}" fill="{_FILL[node.kind]}"/>')
        top = (y1 - y) * pt - line_h * (len(node.lines) - 1) / 2 + _FONT * 0.35
        for k, line in enumerate(node.lines):
            out.append(f'<text x="{px(x)}" y="{top + k * line_h:.1f}" stroke="none">'
                       f'{_esc(line)}</text>')
        out.append("</g>\n")
    out.append("</g>\n</svg>\n")
    return "".join(out).encode("utf-8")
