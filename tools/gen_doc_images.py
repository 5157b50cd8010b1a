#!/usr/bin/env python3
"""Draw the pictures of docs/autograd.md into docs/img/ with chainrule.viz (the built-in
layout, so no Graphviz is needed and the SVGs are the same on every machine).

    python tools/gen_doc_images.py            # rewrite docs/img/*.svg
    python tools/gen_doc_images.py --check    # exit 1 if any is stale
"""
from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chainrule as torch  # noqa: E402

OUT = ROOT / "docs" / "img"


def pictures() -> dict:
    """name -> chainrule.viz.Graph, one per picture on the page."""
    graphs = {}
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    w = torch.tensor([[1.0], [-2.0], [0.5]], requires_grad=True)
    loss = ((torch.sin(x) * x ** 2) @ w).sum()
    params = {"x": x, "w": w}
    graphs["graph"] = torch.viz.draw(loss, params=params)
    graphs["saved"] = torch.viz.draw(loss, params=params, show_saved=True)
    loss.backward()
    graphs["after_backward"] = torch.viz.draw(loss, params=params)
    x2 = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x2 ** 3).sum(), x2, create_graph=True)
    graphs["higher_order"] = torch.viz.draw(g, params={"x": x2})
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    out = net(torch.ones(2, 3)).pow(2).mean()
    graphs["module"] = torch.viz.draw(out, params=dict(net.named_parameters()))
    return graphs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    OUT.mkdir(parents=True, exist_ok=True)
    for name, graph in pictures().items():
        path = OUT / f"{name}.svg"
        data = graph.pipe("svg", renderer="builtin")
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path.name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale: {stale}: run python tools/gen_doc_images.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
