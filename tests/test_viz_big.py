"""chainrule.viz on a graph of 10,000 nodes: the DOT text, the text tree, and the built-in
SVG and PNG renderers (no ``dot`` program) give valid, complete output. Timing-free: the
speed is recorded in bench/results/viz.md (python bench/viz.py)."""
import io
import re
import struct
import xml.etree.ElementTree as ET

import pytest

import chainrule
from chainrule import viz
from chainrule.viz import _layout, _png

SVG = "{http://www.w3.org/2000/svg}"


def grid(width=40, rows=125):
    """``width`` chains mixing with their neighbours: a wide, dense graph of ~10k nodes."""
    leaves = [chainrule.ones(3, requires_grad=True) for _ in range(width)]
    row = leaves
    for _ in range(rows):
        row = [(row[j] * row[(j + 1) % width]).tanh() for j in range(width)]
    total = row[0]
    for t in row[1:]:
        total = total + t
    return total.sum()


@pytest.fixture(scope="module")
def big():
    graph = viz.draw(grid(), renderer="builtin")
    assert len(graph) >= 10_000
    return graph


def test_dot_of_ten_thousand_nodes_matches_the_graph(big):
    source = big.source
    nodes = re.findall(r"^\tn(\d+) \[label=\"((?:[^\"\\]|\\.)*)\"", source, re.M)
    edges = re.findall(r"^\tn(\d+) -> n(\d+)", source, re.M)
    assert len(nodes) == len(big.model.nodes) and len(edges) == len(big.model.edges)
    labels = {int(i): label.split("\\n")[0] for i, label in nodes}
    assert sum(name == "TanhBackward0" for name in labels.values()) == 40 * 125
    assert sum(name == "MulBackward0" for name in labels.values()) == 40 * 125
    # every grad_fn is drawn once, with as many input edges as it has next_functions
    fn_of = {node.index: node.fn for node in big.model.nodes if node.fn is not None}
    indegree = {}
    for _, dst in edges:
        indegree[int(dst)] = indegree.get(int(dst), 0) + 1
    for index, fn in fn_of.items():
        if not hasattr(fn, "variable"):
            expected = sum(nxt is not None for nxt, _ in fn.next_functions)
            assert indegree.get(index, 0) == expected, fn.name()
    assert len(set(map(id, fn_of.values()))) == len(fn_of)


def test_text_tree_of_ten_thousand_nodes(big):
    lines = big.text().splitlines()
    assert len(lines) == len(big.model.edges) + 1
    assert lines[0].startswith("output") and "SumBackward0" in lines[1]
    assert sum("TanhBackward0" in line for line in lines) >= 40 * 125


def test_svg_of_ten_thousand_nodes_is_valid_and_complete(big):
    root = ET.fromstring(big.pipe("svg"))
    assert root.tag == SVG + "svg"
    assert len(root.findall(f".//{SVG}rect")) == len(big.model.nodes)
    assert len(root.findall(f".//{SVG}polyline")) == len(big.model.edges)
    texts = [t.text for t in root.iter(SVG + "text")]
    assert len(texts) == sum(len(node.lines) for node in big.model.nodes)


def _colour_counts(png_bytes):
    from PIL import Image
    image = Image.open(io.BytesIO(png_bytes))
    image.load()
    colours = dict((rgb, n) for n, rgb in image.convert("RGB").getcolors(1 << 24))
    return image.size, colours


def test_png_of_ten_thousand_nodes_is_valid(big):
    pytest.importorskip("matplotlib")
    data = big.pipe("png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert max(width, height) <= _layout._MAX_PIXELS
    assert width * height <= _png._MAX_MEGAPIXELS * 1e6 * 1.01
    size, colours = _colour_counts(data)
    assert size == (width, height)
    grey, blue, green = (211, 211, 211), (173, 216, 230), (202, 255, 112)  # op, leaf, root
    box_area = sum(colours.get(c, 0) for c in (grey, blue, green))
    assert colours.get(grey, 0) > 0 and colours.get(blue, 0) > 0 and colours.get(green, 0) > 0
    assert colours.get((0, 0, 0), 0) > 0  # edges, borders, arrow heads
    assert box_area > 0.05 * width * height
    # labels are stamped: grey-ish anti-aliased text pixels, neither fill, white nor black
    text_like = sum(n for c, n in colours.items()
                    if c not in (grey, blue, green, (0, 0, 0), (255, 255, 255)))
    assert text_like > len(big.model.nodes)


def test_png_edges_run_beneath_boxes():
    pytest.importorskip("matplotlib")
    x = chainrule.ones(2, requires_grad=True)
    y = x
    for _ in range(12):  # the leaf feeds every level: long edges cross the chain's boxes
        y = y * x
    graph = viz.draw(y.sum(), renderer="builtin")
    xs, ys, widths, heights, paths, (x0, x1, y0, y1) = _layout._frame(graph.model)
    scale, dpi = _png._resolution(x1 - x0, y1 - y0)
    from PIL import Image
    image = Image.open(io.BytesIO(graph.pipe("png"))).convert("RGB")
    ppi = scale * dpi
    for node, x, y, w, h in zip(graph.model.nodes, xs, ys, widths, heights):
        # just inside each box's top-left corner: the box's fill, never an edge's black
        px, py = (x - w / 2 - x0) * ppi + 3, (y1 - (y + h / 2)) * ppi + 3
        fill = tuple(int(_layout._FILL[node.kind].lstrip("#")[i:i + 2], 16)
                     for i in (0, 2, 4)) if node.kind == "root" else None
        pixel = image.getpixel((int(px), int(py)))
        assert pixel != (0, 0, 0) and pixel != (255, 255, 255), (node, pixel)
        if fill is not None:
            assert pixel == fill
