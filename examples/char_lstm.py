"""A character-level LSTM language model, trained for a few steps, then sampled.

    python examples/char_lstm.py            # chainrule
    python examples/char_lstm.py --torch    # the same program on torch

The program is plain torch code: ``import chainrule as torch`` is the only change. The
initial weights come from NumPy's generator, so both libraries start from the same model
and print the same losses and the same sample.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TEXT = ("the quick brown fox jumps over the lazy dog. "
        "a stitch in time saves nine. all that glitters is not gold. ") * 4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch", action="store_true", help="run on torch instead")
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    if args.torch:
        import torch
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import chainrule as torch
    nn = torch.nn

    vocab = sorted(set(TEXT))
    ids = np.array([vocab.index(ch) for ch in TEXT])
    seq_len, hidden = 32, 64

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(len(vocab), hidden, num_layers=2, batch_first=True)
            self.head = nn.Linear(hidden, len(vocab))

        def forward(self, x, state=None):
            out, state = self.lstm(x, state)
            return self.head(out), state

    model = CharModel()
    rng = np.random.default_rng(0)  # the same initial weights in either library
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.12, 0.12, tuple(p.shape)).astype(np.float32)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    onehot = np.eye(len(vocab), dtype=np.float32)

    for step in range(args.steps):
        starts = rng.integers(0, len(ids) - seq_len - 1, size=8)
        x = torch.tensor(np.stack([onehot[ids[s:s + seq_len]] for s in starts]))
        y = torch.tensor(np.stack([ids[s + 1:s + seq_len + 1] for s in starts]))
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 0 or step == args.steps - 1:
            print(f"step {step:3d}  loss {loss.item():.4f}")

    # greedy sampling, one character at a time, carrying the LSTM state
    with torch.no_grad():
        char, state, text = vocab.index("t"), None, "t"
        for _ in range(60):
            logits, state = model(torch.tensor(onehot[[char]][None]), state)
            char = int(logits[0, -1].argmax())
            text += vocab[char]
    print("sample:", text)


if __name__ == "__main__":
    main()
