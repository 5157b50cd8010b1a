"""chainrule.viz: the drawn graph has the structure of next_functions (and of torch's graph for
the same program), SVG/PNG files are valid with and without Graphviz, big graphs are fast."""
import inspect
import re
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule
from chainrule import viz

_NODE = re.compile(r"^\tn(\d+) \[label=\"((?:[^\"\\]|\\.)*)\" fillcolor=(\w+)\]$", re.M)
_EDGE = re.compile(r"^\tn(\d+) -> n(\d+)( \[dir=none style=dashed\])?$", re.M)


def parse_dot(source):
    nodes = {int(i): (label.replace("\\n", "\n"), color) for i, label, color in
             _NODE.findall(source)}
    edges = [(int(a), int(b), bool(s)) for a, b, s in _EDGE.findall(source)]
    return nodes, edges


def walk(fn):
    """Distinct nodes and the number of (non-None) edges below ``fn``, from next_functions."""
    seen, edges, stack = {id(fn): fn}, 0, [fn]
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            edges += 1
            if id(nxt) not in seen:
                seen[id(nxt)] = nxt
                stack.append(nxt)
    return list(seen.values()), edges


def program(lib, x_data, w_data):
    x = lib.tensor(x_data, requires_grad=True)
    w = lib.tensor(w_data, requires_grad=True)
    h = (x @ w).relu()
    loss = (h * h.sin() + 1).mean() + w.pow(2).sum() * 0.1
    return loss, x, w


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 4)).astype("float32"), \
        rng.standard_normal((4, 2)).astype("float32")


def test_dot_nodes_and_edges_match_next_functions(small):
    loss, x, w = program(chainrule, *small)
    graph = viz.draw(loss)
    nodes, edges = parse_dot(graph.source)
    fns, n_edges = walk(loss.grad_fn)
    assert len(nodes) == len(fns) + 1  # one box per grad_fn / leaf, plus the output
    assert len(edges) == n_edges + 1    # one per next_functions entry, plus grad_fn -> output
    names = sorted(label.split("\n")[0] for label, color in nodes.values()
                   if color == "lightgrey")
    assert names == sorted(fn.name() for fn in fns if not hasattr(fn, "variable"))
    assert sum(color == "lightblue" for _, color in nodes.values()) == 2
    # each edge runs from an input to its consumer, as next_functions says
    by_index = {node.index: node.fn for node in graph.model.nodes}
    for src, dst, _ in edges:
        if by_index[dst] is not None:
            assert any(nxt is by_index[src] for nxt, _ in by_index[dst].next_functions)


def test_graph_names_match_torch(torch, small):
    ours, _, _ = program(chainrule, *small)
    theirs, _, _ = program(torch, *small)
    mine, n_mine = walk(ours.grad_fn)
    ref, n_ref = walk(theirs.grad_fn)
    assert sorted(fn.name() for fn in mine) == sorted(fn.name() for fn in ref)
    assert n_mine == n_ref
    drawn = sorted(n.name for n in viz.draw(ours).model.nodes if n.kind == "op")
    assert drawn == sorted(fn.name() for fn in ref if "AccumulateGrad" not in fn.name())


def test_leaves_named_from_params_else_by_shape(small):
    loss, x, w = program(chainrule, *small)
    labels = [n.lines for n in viz.draw(loss, params={"weight": w}).model.nodes
              if n.kind == "leaf"]
    assert ["weight", "(4, 2) float32"] in labels
    assert ["(3, 4) float32"] in labels
    model = torch_like_module()
    out = model(chainrule.ones(2, 3)).sum()
    dot = chainrule.viz.make_dot(out, params=dict(model.named_parameters())).source
    assert "weight\\n(4, 3) float32" in dot and "bias\\n(4) float32" in dot


def torch_like_module():
    return chainrule.nn.Linear(3, 4)


def test_output_shapes_on_nodes(small):
    loss, x, w = program(chainrule, *small)
    lines = {n.name: n.lines for n in viz.draw(loss).model.nodes if n.kind == "op"}
    assert lines["ReluBackward0"][1] == "(3, 2) float32"
    assert lines["MeanBackward0"][1] == "() float32"


def test_shared_subgraph_drawn_once_and_marked_in_text(small):
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    s = x.sin()
    out = (s * s.exp() + s).sum()
    graph = viz.draw(out)
    assert [n.name for n in graph.model.nodes].count("SinBackward0") == 1
    text = graph.text()
    assert text.count("SinBackward0") == 3
    assert text.count("[shared: #") == 2
    assert text.splitlines()[0].startswith("output")


def test_saved_tensors_boxes_with_versions():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * (x * 3)  # MulBackward0 saves both factors
    graph = viz.draw(z.sum(), show_saved=True)
    saved = [n for n in graph.model.nodes if n.kind == "saved"]
    assert len(saved) == 2 and all(n.lines[1] == "(2) float32" for n in saved)
    assert all(n.lines[2] == "version 0" for n in saved)
    _, edges = parse_dot(graph.source)
    assert sum(dashed for *_, dashed in edges) == 2
    y.detach().add_(1)  # bumps y's version: the box says the saved value went stale
    stale = [n.lines[2] for n in viz.draw(z.sum(), show_saved=True).model.nodes
             if n.kind == "saved"]
    assert "version 0 (now 1: modified in place)" in stale


def test_show_attrs_lists_non_tensor_saved_values():
    x = chainrule.ones(2, 3, requires_grad=True)
    out = x.sum(dim=1).sum()
    graph = viz.draw(out, show_attrs=True)
    text = "\n".join("\n".join(n.lines) for n in graph.model.nodes)
    assert "x_sym_sizes: (2, 3)" in text or "dim" in text
    assert len(viz.draw(out, show_attrs=True, max_attr_chars=5).source) <= len(graph.source)


def test_saved_values_freed_after_backward_and_grad_norms_shown(torch, small):
    loss, x, w = program(chainrule, *small)
    ref, tx, tw = program(torch, *small)
    loss.backward()
    ref.backward()
    graph = viz.draw(loss, params={"x": x, "w": w}, show_saved=True)
    leaves = {n.lines[0]: n.lines for n in graph.model.nodes if n.kind == "leaf"}
    for name, t in (("x", tx), ("w", tw)):
        assert leaves[name][2] == f"grad norm {float(t.grad.norm()):.4g}"
    assert any("(saved values freed)" in n.lines for n in graph.model.nodes)


def test_custom_function_node_and_saved_tensors():
    class Cube(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = chainrule.ones(4, requires_grad=True)
    graph = viz.draw(Cube.apply(x).sum(), show_saved=True)
    names = [n.lines for n in graph.model.nodes]
    assert ["CubeBackward", "(4) float32"] in names
    assert ["saved_tensors[0]", "(4) float32", "version 0"] in names


def test_several_roots_and_tensors_without_graph():
    x = chainrule.ones(2, requires_grad=True)
    a, b = x.sin(), x.cos()
    graph = viz.draw([a, b])
    assert len(graph.model.roots) == 2
    assert [n.name for n in graph.model.nodes if n.kind == "leaf"] == ["(2) float32"]
    plain = viz.draw(chainrule.zeros(3))
    assert len(plain) == 1 and "n0 [label=" in plain.source


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="Tensor"):
        viz.draw([1, 2])
    x = chainrule.ones(1, requires_grad=True)
    with pytest.raises(TypeError, match="params"):
        viz.draw(x * 2, params={"x": 3})
    g = viz.draw(x * 2)
    with pytest.raises(ValueError, match=r"\.svg"):
        g.save("graph.pdf")
    with pytest.raises(ValueError, match="renderer"):
        g.pipe("svg", renderer="cairo")


def test_make_dot_has_torchviz_signature():
    params = list(inspect.signature(viz.make_dot).parameters)
    assert params == ["var", "params", "show_attrs", "show_saved", "max_attr_chars"]


def _png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("renderer", ["auto", "builtin", "matplotlib"])
def test_builtin_svg_and_png_are_valid(tmp_path, small, renderer, monkeypatch):
    monkeypatch.setattr(viz, "have_dot", lambda: False)  # as on a machine without Graphviz
    loss, x, w = program(chainrule, *small)
    graph = viz.draw(loss, params={"x": x, "w": w}, show_saved=True, renderer=renderer)
    svg = graph.save(tmp_path / "g.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rects = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(rects) == len(graph.model.nodes)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "MmBackward0" in texts and "w" in texts
    png = open(graph.save(tmp_path / "g.png"), "rb").read()
    width, height = _png_size(png)
    assert 100 < width < 5000 and 100 < height < 5000
    assert open(graph.save(tmp_path / "g.dot")).read() == graph.source
    bundle = graph._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<?xml") and "text/plain" in bundle
    assert graph._repr_svg_() == bundle["image/svg+xml"]


def test_graphviz_renderer_used_when_dot_present(tmp_path, monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    calls = []

    def fake_pipe(self, format=None, **kw):
        calls.append((self.source, format))
        return b"<svg xmlns='http://www.w3.org/2000/svg'/>" if format == "svg" else b"png"

    monkeypatch.setattr(viz, "have_dot", lambda: True)
    monkeypatch.setattr(graphviz.Source, "pipe", fake_pipe)
    graph = viz.draw(chainrule.ones(2, requires_grad=True).exp().sum())
    graph.save(tmp_path / "g.svg")
    graph.render("g", directory=tmp_path, format="png")
    assert calls == [(graph.source, "svg"), (graph.source, "png")]
    assert (tmp_path / "g").read_text() == graph.source
    graph.save(tmp_path / "h.svg", renderer="builtin")  # forcing the built-in layout
    assert len(calls) == 2


def test_graphviz_renderer_for_real_or_refused(tmp_path):
    graph = viz.draw(chainrule.ones(2, requires_grad=True).exp().sum(), renderer="graphviz")
    if not viz.have_dot():
        with pytest.raises(RuntimeError, match="dot"):
            graph.save(tmp_path / "g.svg")
        pytest.skip("the Graphviz 'dot' program is not installed: refusal checked instead")
    ET.parse(graph.save(tmp_path / "g.svg"))
    assert _png_size(open(graph.save(tmp_path / "g.png"), "rb").read())[0] > 0


def test_import_chainrule_loads_neither_viz_nor_matplotlib():
    code = ("import sys, chainrule; print('chainrule.viz' in sys.modules, "
            "'matplotlib' in sys.modules); chainrule.viz.draw(chainrule.ones(1)).source; "
            "print('matplotlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.split() == ["False", "False", "False"]


def test_ten_thousand_nodes_fast(tmp_path):
    x = chainrule.ones(3, requires_grad=True)
    y = x
    for i in range(5000):
        y = y.sin() + x if i % 2 else y * 1.5
    start = time.perf_counter()
    graph = viz.draw(y.sum())
    source, text = graph.source, graph.text()
    elapsed = time.perf_counter() - start
    assert len(graph) > 7500
    assert elapsed < 20.0  # loose (shared CI machines): about 0.3 s here
    lines = text.splitlines()
    assert len(lines) == len(graph.model.edges) + 1  # a line per edge, plus the output
    assert max(map(len, lines)) < 250  # indentation stops growing: linear, not a staircase
    start = time.perf_counter()
    ET.parse(graph.save(tmp_path / "big.svg", renderer="builtin"))
    assert time.perf_counter() - start < 60.0  # loose: about 1 s here
    assert source.count(" -> ") == len(graph.model.edges)
