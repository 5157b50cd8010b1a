"""The demo: train a small convolutional network on scikit-learn's 8x8 handwritten digits.

No download: the 1,797 digits ship with scikit-learn. A tqdm bar runs through each epoch,
a line per epoch gives the loss and the train and test accuracy, and examples/out/ gets a
loss/accuracy plot (PNG), the autograd graph of one training step (SVG, drawn by
chainrule.viz) and the seed tutorial's sin/derivative plot.

    python examples/train_digits.py            # 12 epochs, well under a minute on 2 cores
    python examples/train_digits.py --quick    # 2 epochs on part of the data (the tests)

The same network from the same initial weights and the same batch order, trained in torch,
is bench/digits_torch.py: it reaches the same accuracy (README).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

import chainrule as torch
import chainrule.nn.functional as F
from chainrule import nn

OUT = Path(__file__).resolve().parent / "out"


# ------------------------------------------------------------------------------ the data
def load_digits(seed: int, quick: bool = False):
    """Images as float32 (N, 1, 8, 8) scaled to [0, 1], labels as int64; a fixed 80/20
    split from ``seed``. Plain NumPy, so torch and chainrule get the very same arrays."""
    from sklearn.datasets import load_digits as sk_load_digits
    digits = sk_load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    if quick:
        order = order[:400]
    n_test = len(order) // 5
    test, train = order[:n_test], order[n_test:]
    return images[train], labels[train], images[test], labels[test]


def batch_orders(n: int, batch_size: int, epochs: int, seed: int):
    """The index batches of every epoch: one NumPy stream, shared with the torch run."""
    rng = np.random.default_rng(seed + 1)
    for _ in range(epochs):
        perm = rng.permutation(n)
        yield [perm[i:i + batch_size] for i in range(0, n, batch_size)]


# ------------------------------------------------------------------------------ the model
class DigitsNet(nn.Module):
    """conv(1->8) relu pool, conv(8->16) relu pool, linear(64->10): about 2,000 weights."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # (N, 8, 4, 4)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # (N, 16, 2, 2)
        return self.fc(x.reshape(x.shape[0], -1))


# ------------------------------------------------------------------------------ training
def accuracy(model, images, labels, batch_size=512) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(labels), batch_size):
            logits = model(torch.from_numpy(images[i:i + batch_size]))
            correct += int((logits.argmax(dim=1).numpy() == labels[i:i + batch_size]).sum())
    model.train()
    return correct / len(labels)


def _progress(iterable, total, desc, enabled):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False, disable=not enabled,
                ncols=80, file=sys.stderr)


def train(args, log=print):
    """Train; returns the history and the model."""
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load_digits(args.seed, args.quick)
    model = DigitsNet()
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    graph_step = None
    for epoch, batches in enumerate(batch_orders(len(y_train), args.batch_size, args.epochs,
                                                 args.seed), start=1):
        total, count = 0.0, 0
        for idx in _progress(batches, len(batches), f"epoch {epoch}", args.progress):
            xb, yb = torch.from_numpy(x_train[idx]), torch.from_numpy(y_train[idx])
            loss = F.cross_entropy(model(xb), yb)
            if graph_step is None:  # the graph of the first step, before backward frees it
                graph_step = torch.viz.draw(loss, params=dict(model.named_parameters()))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        history["loss"].append(total / count)
        history["train_acc"].append(accuracy(model, x_train, y_train))
        history["test_acc"].append(accuracy(model, x_test, y_test))
        log(f"epoch {epoch:2d}  loss {history['loss'][-1]:.4f}  "
            f"train acc {history['train_acc'][-1]:.3f}  test acc {history['test_acc'][-1]:.3f}")
    return history, model, graph_step, initial


# ------------------------------------------------------------------------------ outputs
def save_plots(history, graph, out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    written = [graph.save(out / "graph_one_step.svg")]
    try:
        import matplotlib
    except ImportError:
        print("(matplotlib is not installed: skipping the plots)")
        return written
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, history["loss"], marker="o")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (cross entropy)")
    ax_acc.plot(epochs, history["train_acc"], marker="o", label="train")
    ax_acc.plot(epochs, history["test_acc"], marker="s", label="test")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.legend()
    fig.suptitle("chainrule: a small CNN on the 8x8 digits")
    fig.tight_layout()
    fig.savefig(out / "training.png", dpi=100)
    plt.close(fig)
    written.append(out / "training.png")

    x = torch.linspace(0.0, 2.0 * math.pi, steps=100, requires_grad=True)
    y = torch.sin(x)
    y.sum().backward()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(x.detach(), y.detach(), label="sin(x)")
    ax.plot(x.detach(), x.grad, "--", label="d sin(x)/dx by backward (= cos x)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("x")
    ax.legend()
    ax.set_title("chainrule: sin and its derivative by backpropagation")
    fig.savefig(out / "sin_and_derivative.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    written.append(out / "sin_and_derivative.png")
    return [Path(p) for p in written]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs on 400 digits (a smoke test; the tests run this)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = min(args.epochs, 2)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    start = time.perf_counter()
    history, _, graph, _ = train(args)
    written = save_plots(history, graph, args.out)
    print(f"done in {time.perf_counter() - start:.1f} s; final test accuracy "
          f"{history['test_acc'][-1]:.3f}")
    for path in written:
        print(f"wrote {path}")
    return history


if __name__ == "__main__":
    main()
