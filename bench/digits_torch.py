"""The demo's network trained in torch, from the same initial weights and the same batch
order as examples/train_digits.py, for the README's side-by-side accuracy.

    python bench/digits_torch.py            # both runs, full length; prints a table
    python bench/digits_torch.py --quick    # as the demo's --quick

The data split, the batch order and the initial weights come from the demo (NumPy streams
and chainrule's initialisation), so the two runs differ only in the library doing the
arithmetic.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import train_digits as demo  # noqa: E402


class TorchDigitsNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.fc = torch.nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        F = torch.nn.functional
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.reshape(x.shape[0], -1))


def _accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(images)).argmax(dim=1).numpy()
    model.train()
    return float((pred == labels).mean())


def train_torch(args, initial: dict, log=print) -> dict:
    """torch's run of the demo from ``initial`` (a state_dict of NumPy arrays)."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # tiny tensors: threads only contend (and chainrule uses one)
    x_train, y_train, x_test, y_test = demo.load_digits(args.seed, args.quick)
    model = TorchDigitsNet()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in initial.items()})
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    for epoch, batches in enumerate(demo.batch_orders(len(y_train), args.batch_size,
                                                      args.epochs, args.seed), start=1):
        total, count = 0.0, 0
        for idx in batches:
            xb, yb = torch.from_numpy(x_train[idx]), torch.from_numpy(y_train[idx])
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        history["loss"].append(total / count)
        history["train_acc"].append(_accuracy(model, x_train, y_train))
        history["test_acc"].append(_accuracy(model, x_test, y_test))
        log(f"torch epoch {epoch:2d}  loss {history['loss'][-1]:.4f}  "
            f"train acc {history['train_acc'][-1]:.3f}  test acc {history['test_acc'][-1]:.3f}")
    return history


def main(argv=None):
    args = demo.parse_args(argv)
    args.progress = False
    start = time.perf_counter()
    ours, _, _, initial = demo.train(args, log=lambda s: print("chainrule " + s))
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = train_torch(args, initial)
    t_theirs = time.perf_counter() - start
    print("\n| | chainrule | torch |\n|---|---|---|")
    print(f"| final test accuracy | {ours['test_acc'][-1]:.3f} | {theirs['test_acc'][-1]:.3f} |")
    print(f"| final training loss | {ours['loss'][-1]:.4f} | {theirs['loss'][-1]:.4f} |")
    print(f"| training time | {t_ours:.1f} s | {t_theirs:.1f} s |")
    print(f"\nlargest per-epoch loss difference: "
          f"{np.max(np.abs(np.subtract(ours['loss'], theirs['loss']))):.2e}")
    return ours, theirs


if __name__ == "__main__":
    main()
