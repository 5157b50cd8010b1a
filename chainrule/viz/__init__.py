"""See the autograd graph: ``chainrule.viz.draw(t)`` and torchviz's ``make_dot``.

>>> import chainrule as torch
>>> x = torch.ones(3, requires_grad=True)
>>> g = torch.viz.draw((x.sin() * 2).sum(), params={"x": x})
>>> print(g.text())
output  () float32
└─ SumBackward0  () float32
   └─ MulBackward0  (3) float32
      └─ SinBackward0  (3) float32
         └─ x  (3) float32
>>> g.source.splitlines()[0]
'digraph {'

The DOT text and the tree need nothing installed. ``save`` writes ``.dot``, ``.svg`` and
``.png``; SVG and PNG come from the ``dot`` program through the ``graphviz`` package when
both are present, and otherwise from a built-in layered layout (SVG written directly, PNG
drawn with matplotlib).
"""
from __future__ import annotations

import os
import shutil

from ._model import GraphModel, build
from ._text import dot_source, text_tree

__all__ = ["Graph", "draw", "make_dot", "have_dot"]

_RENDERERS = ("auto", "graphviz", "builtin", "matplotlib")  # matplotlib: builtin's alias


def have_dot() -> bool:
    """True when SVG/PNG can come from Graphviz: the ``graphviz`` package imports and the
    ``dot`` program is on PATH."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


class Graph:
    """A drawn autograd graph. ``source`` is DOT text, ``text()`` an indented tree;
    ``save(path)`` writes .dot/.svg/.png; in Jupyter it shows itself as SVG.

    ``renderer`` picks how SVG/PNG are made: "auto" (``dot`` when installed, else the
    built-in layout), "graphviz" or "builtin" (also spelt "matplotlib").
    """

    def __init__(self, model: GraphModel, renderer: str = "auto"):
        if renderer not in _RENDERERS:
            raise ValueError(f"renderer must be one of {_RENDERERS}, got {renderer!r}")
        self.model = model
        self.renderer = renderer
        self._source = None

    @property
    def source(self) -> str:
        """The graph as Graphviz DOT text (built without any dependency)."""
        if self._source is None:
            self._source = dot_source(self.model)
        return self._source

    def text(self, max_depth: int = 40) -> str:
        """The graph as an indented tree, roots first; shared nodes are marked ``#n`` and
        shown once."""
        return text_tree(self.model, max_depth=max_depth)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        n_edges = sum(1 for e in self.model.edges if e[2] == "edge")
        return f"<chainrule.viz.Graph: {len(self.model.nodes)} nodes, {n_edges} edges>"

    def __len__(self) -> int:
        return len(self.model.nodes)

    def _which(self, renderer) -> str:
        renderer = self.renderer if renderer is None else renderer
        if renderer not in _RENDERERS:
            raise ValueError(f"renderer must be one of {_RENDERERS}, got {renderer!r}")
        if renderer == "auto":
            return "graphviz" if have_dot() else "builtin"
        if renderer == "graphviz" and not have_dot():
            raise RuntimeError("renderer='graphviz' needs the graphviz Python package and the "
                               "Graphviz 'dot' program on PATH; use renderer='builtin' (or "
                               "'auto') to draw without them")
        return "builtin" if renderer == "matplotlib" else renderer

    def pipe(self, format: str = "svg", renderer: str | None = None) -> bytes:
        """The drawing as ``format`` ("svg", "png" or "dot") bytes."""
        if format not in ("svg", "png", "dot"):
            raise ValueError(f"format must be 'svg', 'png' or 'dot', got {format!r}")
        if format == "dot":
            return self.source.encode()
        if self._which(renderer) == "graphviz":
            import graphviz
            return graphviz.Source(self.source).pipe(format=format)
        from ._layout import render_svg
        from ._png import render_png
        if format == "svg":
            return render_svg(self.model)
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:  # pragma: no cover - matplotlib missing
            raise RuntimeError("drawing PNG without Graphviz needs matplotlib (pip install "
                               "'chainrule[viz]'); SVG and DOT need nothing") from exc
        return render_png(self.model)

    def save(self, path, renderer: str | None = None) -> str:
        """Write the graph to ``path``; the extension (.svg, .png, .dot/.gv) picks the
        format. Returns the path."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        fmt = {"gv": "dot"}.get(ext, ext)
        if fmt not in ("svg", "png", "dot"):
            raise ValueError(f"cannot tell the format from {path!r}: use a .svg, .png or .dot "
                             "file name")
        data = self.pipe(fmt, renderer)
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def render(self, filename: str = "graph", directory=None, format: str = "svg",
               cleanup: bool = False, view: bool = False, renderer: str | None = None) -> str:
        """graphviz's ``Digraph.render``: writes the DOT text to ``filename`` (kept unless
        ``cleanup``) and the drawing to ``filename.format``; returns the drawing's path.
        ``view`` is accepted and ignored (nothing is opened)."""
        base = os.path.join(os.fspath(directory), filename) if directory else filename
        if not cleanup:
            with open(base, "w", encoding="utf-8") as fh:
                fh.write(self.source)
        return self.save(f"{base}.{format}", renderer)

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"image/svg+xml": self._repr_svg_(), "text/plain": repr(self)}
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle


def draw(t, params=None, show_saved: bool = False, show_attrs: bool = False,
         max_attr_chars: int = 50, show_grad: bool = True, renderer: str = "auto") -> Graph:
    """The autograd graph behind ``t`` (a Tensor or a sequence of them) as a ``Graph``.

    Boxes are the ``grad_fn`` nodes (name, output shape and dtype where known), leaves
    (named from ``params``, e.g. ``dict(model.named_parameters())``, else by shape; with
    their gradient's norm once backward has run when ``show_grad``) and the output(s).
    ``show_saved`` adds a box per saved tensor (shape, dtype, version saved at);
    ``show_attrs`` lists the other saved values (dims, scalars, shapes) in the node.
    """
    return Graph(build(t, params=params, show_saved=show_saved, show_attrs=show_attrs,
                       max_attr_chars=max_attr_chars, show_grad=show_grad), renderer=renderer)


def make_dot(var, params=None, show_attrs: bool = False, show_saved: bool = False,
             max_attr_chars: int = 50) -> Graph:
    """torchviz's ``make_dot``: same signature; the result has ``.source``, ``.render``,
    ``.save`` and shows itself in Jupyter, as a ``graphviz.Digraph`` does."""
    return draw(var, params=params, show_saved=show_saved, show_attrs=show_attrs,
                max_attr_chars=max_attr_chars)
