"""The demo: the seed tutorial's sin graph, run on chainrule.

Builds d = 2*sin(x) + 1 over [0, 2*pi], prints each tensor with its grad_fn, walks the
grad_fn chain down to the leaf, backpropagates, checks the gradient against 2*cos(x), and
saves a plot of sin(x) and its derivative next to this file.

    python examples/seed_tutorial.py
"""
import math
from pathlib import Path

import chainrule as torch


def walk(node, depth=0):
    """Print a grad_fn and everything below it, one node per line."""
    while node is not None:
        extra = " -> the leaf x" if hasattr(node, "variable") else ""
        print("    " * depth + f"{node.name()}{extra}")
        nexts = [fn for fn, _ in node.next_functions if fn is not None]
        node = nexts[0] if nexts else None
        depth += 1


def main() -> None:
    x = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    print("x =", x, sep="\n")
    b = torch.sin(x)
    print("\nb = sin(x) =", b, sep="\n")
    c = 2 * b
    d = c + 1
    out = d.sum()
    print("\nout = (2*b + 1).sum() =", out)

    print("\nThe graph behind d, from d down to the leaf:")
    walk(d.grad_fn)
    print("\nd.grad_fn.next_functions =", d.grad_fn.next_functions)

    out.backward()
    print("\nx.grad (d out / d x = 2*cos(x)) =", x.grad, sep="\n")
    expected = 2 * torch.cos(x.detach())
    assert torch.allclose(x.grad, expected, atol=1e-6), "gradient does not match 2*cos(x)"
    print("\nmatches 2*cos(x): True")

    try:
        import matplotlib
    except ImportError:
        print("\n(matplotlib is not installed: skipping the plot)")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x.detach(), b.detach(), label="sin(x)")
    ax.plot(x.detach(), x.grad.detach() / 2, "--", label="d sin(x)/dx (from backward, /2)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("x")
    ax.legend()
    ax.set_title("chainrule: sin and its derivative by backpropagation")
    path = Path(__file__).with_name("sin_and_derivative.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"\nsaved the plot to {path}")


if __name__ == "__main__":
    main()
