"""How long chainrule.viz takes on graphs of about 10,000 nodes: walking the graph, the text
tree, DOT, and the built-in SVG and PNG renderers (no ``dot`` program).

    python bench/viz.py            # prints a Markdown table (median of --repeats runs)

Two shapes: ``chain`` (a long chain whose every other step also reads the leaf: one leaf
feeding 5,000 levels, the worst case for edge drawing) and ``grid`` (40 parallel chains
mixing with their neighbours, wide and dense). Each measurement alternates the shapes so
background load hits both alike.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chainrule  # noqa: E402
from chainrule import viz  # noqa: E402


def chain(n_nodes: int = 10_000):
    x = chainrule.ones(3, requires_grad=True)
    y = x
    for i in range(n_nodes * 2 // 3):
        y = y.sin() + x if i % 2 else y * 1.5
    return y.sum()


def grid(n_nodes: int = 10_000, width: int = 40):
    leaves = [chainrule.ones(3, requires_grad=True) for _ in range(width)]
    row = leaves
    for _ in range(n_nodes // (2 * width)):
        row = [(row[j] * row[(j + 1) % width]).tanh() for j in range(width)]
    total = row[0]
    for t in row[1:]:
        total = total + t
    return total.sum()


STEPS = {
    "draw (walk)": lambda root, g: viz.draw(root),
    "text()": lambda root, g: g.text(),
    "DOT (.source)": lambda root, g: viz.dot_source(g.model),
    "SVG (built-in)": lambda root, g: g.pipe("svg", renderer="builtin"),
    "PNG (built-in)": lambda root, g: g.pipe("png", renderer="builtin"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=10_000)
    args = parser.parse_args()
    roots = {"chain": chain(args.nodes), "grid": grid(args.nodes)}
    graphs = {name: viz.draw(root) for name, root in roots.items()}
    viz.draw(chainrule.ones(1, requires_grad=True).exp()).pipe("png", renderer="builtin")
    times = {(name, step): [] for name in roots for step in STEPS}
    for _ in range(args.repeats):
        for step, run in STEPS.items():
            for name, root in roots.items():
                start = time.perf_counter()
                run(root, graphs[name])
                times[name, step].append(time.perf_counter() - start)
    print("| step | " + " | ".join(f"{n} ({len(graphs[n])} nodes, "
                                     f"{len(graphs[n].model.edges)} edges)" for n in roots)
          + " |")
    print("|---|" + "---:|" * len(roots))
    for step in STEPS:
        cells = [f"{statistics.median(times[name, step]):.2f} s" for name in roots]
        print(f"| {step} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
