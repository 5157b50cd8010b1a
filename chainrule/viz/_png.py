"""PNG of the built-in layout, fast for big graphs. matplotlib's Agg draws the boxes and
arrow heads as a handful of compound paths (one per box colour, one for all heads); NumPy
then draws the edges, 1 px wide, on the pixels Agg left as background (so they pass under
the boxes), and stamps the labels from a cache of rasterized text lines (each distinct
line rendered once with FreeType, then copied wherever it occurs). 10,000 boxes take one
to two seconds (bench/results/viz.md) where one matplotlib artist per box took minutes.
"""
from __future__ import annotations

import io
import math

import numpy as np

from ._layout import _FILL, _FONT, _LINE_H, _MAX_INCHES, _MAX_PIXELS, _frame
from ._model import GraphModel

_MAX_MEGAPIXELS = 40.0   # bigger drawings get a lower resolution (memory, encoding time)
_MIN_TEXT_PX = 2.0       # text smaller than this (in pixels) is left off: unreadable
_HEAD = 0.06             # arrow head half-width, inches


def _resolution(x_span: float, y_span: float):
    """(scale, dpi): the drawing is scaled to at most _MAX_INCHES a side, and rendered at
    up to 100 dpi within PNG's side limit and a total pixel budget."""
    span = max(x_span, y_span)
    scale = min(1.0, _MAX_INCHES / span)
    dpi = min(100.0, _MAX_PIXELS / (span * scale))
    area = x_span * y_span * scale * scale
    if area * dpi * dpi > _MAX_MEGAPIXELS * 1e6:
        dpi = math.sqrt(_MAX_MEGAPIXELS * 1e6 / area)
    return scale, dpi


def _compound(polylines, closed: bool):
    """One matplotlib Path for many polylines (MOVETO, LINETO..., CLOSEPOLY if closed)."""
    from matplotlib.path import Path
    verts, codes = [], []
    for points in polylines:
        verts.extend(points)
        codes.append(Path.MOVETO)
        codes.extend([Path.LINETO] * (len(points) - 1))
        if closed:
            verts.append(points[0])
            codes.append(Path.CLOSEPOLY)
    if not verts:
        return None
    return Path(np.asarray(verts, dtype=float), np.asarray(codes, dtype=np.uint8))


_CHUNK = 1 << 22  # pixels sampled per numpy pass when drawing edges


def _line_pixels(polylines, x0: float, y1: float, px_per_inch: float, width: int,
                 dashed: bool):
    """Flat pixel indices (row * width + col) of every pixel on the polylines (1 px wide,
    one sample per pixel step), in passes of about _CHUNK pixels: NumPy draws 10,000 long
    edges in a fraction of the time Agg takes to rasterize them one path at a time."""
    starts, ends = [], []
    for points in polylines:
        starts.extend(points[:-1])
        ends.extend(points[1:])
    if not starts:
        return
    a = (np.asarray(starts, dtype=float) - (x0, y1)) * (px_per_inch, -px_per_inch)
    b = (np.asarray(ends, dtype=float) - (x0, y1)) * (px_per_inch, -px_per_inch)
    steps = np.ceil(np.abs(b - a).max(axis=1)).astype(np.int64) + 1
    slope = ((b - a) / np.maximum(steps - 1, 1)[:, None]).astype(np.float32)
    a = (a + 0.5).astype(np.float32)  # + 0.5: truncation below rounds to the nearest pixel
    ends_at = np.cumsum(steps)
    cuts = np.searchsorted(ends_at, np.arange(_CHUNK, int(ends_at[-1]) + _CHUNK, _CHUNK))
    first = 0
    for last in np.unique(np.minimum(cuts + 1, len(steps))):
        n = steps[first:last]
        k = np.arange(int(n.sum()), dtype=np.float32)
        k -= np.repeat((np.cumsum(n) - n).astype(np.float32), n)
        if dashed:  # 3 pixels on, 3 off
            keep = (k // 3) % 2 == 0
        cols = np.repeat(a[first:last, 0], n) + k * np.repeat(slope[first:last, 0], n)
        rows = np.repeat(a[first:last, 1], n) + k * np.repeat(slope[first:last, 1], n)
        inside = (cols >= 0) & (cols < width) & (rows >= 0)
        if dashed:
            inside &= keep
        yield rows[inside].astype(np.int64) * width + cols[inside].astype(np.int64)
        first = last


def _edges_under(rgba, solid, dashed, x0, y1, px_per_inch) -> None:
    """Draw the edges where Agg left the white background, so they pass beneath the
    boxes (filled) and the arrow heads as if drawn first."""
    height, width = rgba.shape[:2]
    pixels = rgba.view(np.uint32).reshape(-1)
    white = np.array([255, 255, 255, 255], dtype=np.uint8).view(np.uint32)[0]
    for polylines, shade, is_dashed in ((solid, 0, False), (dashed, 128, True)):
        colour = np.array([shade, shade, shade, 255], dtype=np.uint8).view(np.uint32)[0]
        for flat in _line_pixels(polylines, x0, y1, px_per_inch, width, is_dashed):
            flat = flat[flat < height * width]
            pixels[flat[pixels[flat] == white]] = colour


def _arrow_head(a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    base = (b[0] - ux * _HEAD * 2, b[1] - uy * _HEAD * 2)
    return (b, (base[0] - uy * _HEAD, base[1] + ux * _HEAD),
            (base[0] + uy * _HEAD, base[1] - ux * _HEAD))


class _TextStamps:
    """Each distinct line of text rasterized once (FreeType coverage, 0-255)."""

    def __init__(self, size_pt: float, dpi: float):
        from matplotlib.font_manager import FontProperties, findfont
        from matplotlib.ft2font import FT2Font
        self.font = FT2Font(findfont(FontProperties(family="monospace")))
        self.size, self.dpi = size_pt, dpi
        self.cache: dict = {}

    def get(self, line: str):
        stamp = self.cache.get(line)
        if stamp is None:
            self.font.set_size(self.size, self.dpi)
            self.font.set_text(line, 0.0)
            self.font.draw_glyphs_to_bitmap(antialiased=True)
            stamp = self.cache[line] = np.asarray(self.font.get_image(), dtype=np.uint16)
        return stamp


def _stamp(rgba, coverage, cx: float, cy: float) -> None:
    """Darken ``rgba`` with black text of ``coverage`` centred at pixel (cx, cy)."""
    h, w = coverage.shape
    top, left = int(round(cy - h / 2)), int(round(cx - w / 2))
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, rgba.shape[0]), min(left + w, rgba.shape[1])
    if r0 >= r1 or c0 >= c1:
        return
    cov = coverage[r0 - top:r1 - top, c0 - left:c1 - left, None]
    region = rgba[r0:r1, c0:c1, :3]
    region[...] = (region * (255 - cov) // 255).astype(np.uint8)


def render_png(model: GraphModel) -> bytes:
    """The layout as PNG bytes (matplotlib's Agg for the shapes, Pillow to encode, both of
    which matplotlib brings)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from PIL import Image

    xs, ys, widths, heights, paths, (x0, x1, y0, y1) = _frame(model)
    scale, dpi = _resolution(x1 - x0, y1 - y0)
    lw = 0.6 * scale
    with matplotlib.rc_context():
        fig = Figure(figsize=((x1 - x0) * scale, (y1 - y0) * scale), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_axis_off()
        solid, dashed, heads = [], [], []
        for (_, _, style), path in zip(model.edges, paths):
            if style == "saved":
                dashed.append(path)
            else:
                solid.append(path)
                heads.append(_arrow_head(path[-2], path[-1]))
        compound = _compound(heads, closed=True)
        if compound is not None:
            ax.add_artist(PathPatch(compound, facecolor="black", edgecolor="none"))
        by_kind: dict = {}
        for node, x, y, w, h in zip(model.nodes, xs, ys, widths, heights):
            by_kind.setdefault(node.kind, []).append(
                ((x - w / 2, y - h / 2), (x + w / 2, y - h / 2), (x + w / 2, y + h / 2),
                 (x - w / 2, y + h / 2)))
        for kind, boxes in sorted(by_kind.items()):
            ax.add_artist(PathPatch(_compound(boxes, closed=True), facecolor=_FILL[kind],
                                   edgecolor="black", linewidth=lw))
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())  # the renderer's own pixels, written in place
        _edges_under(rgba, solid, dashed, x0, y1, scale * dpi)
        _stamp_labels(rgba, model, xs, ys, x0, y1, scale, dpi)
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA",
                                 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1, dpi=(dpi, dpi))
    return buf.getvalue()


def _stamp_labels(rgba, model, xs, ys, x0, y1, scale, dpi) -> None:
    """Each box's lines of text, centred on it (left off where they would be unreadably
    small)."""
    size_pt = _FONT * scale
    if size_pt * dpi / 72 >= _MIN_TEXT_PX:
        stamps = _TextStamps(size_pt, dpi)
        px_per_inch = scale * dpi
        line_px = _LINE_H * px_per_inch
        height_px = rgba.shape[0]
        for node, x, y in zip(model.nodes, xs, ys):
            cx = (x - x0) * px_per_inch
            first = (y1 - y) * px_per_inch - line_px * (len(node.lines) - 1) / 2
            if not -line_px * len(node.lines) < first < height_px + line_px * len(node.lines):
                continue
            for k, line in enumerate(node.lines):
                if line:
                    _stamp(rgba, stamps.get(line), cx, first + k * line_px)
