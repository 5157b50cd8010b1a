"""The demo (examples/train_digits.py): runs in quick mode, writes its outputs, and trains
exactly as torch does from the same initial weights and batch order."""
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("sklearn", reason="the demo needs scikit-learn (pip install -e '.[demo]')")
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "bench"))


def _png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_demo_quick_runs_and_writes_its_outputs(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "train_digits.py"), "--quick",
                          "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 2 and "loss" in lines[0] and "test acc" in lines[0]
    assert "final test accuracy" in run.stdout
    for name in ("training.png", "sin_and_derivative.png"):
        width, height = _png_size(tmp_path / name)
        assert width > 300 and height > 200
    root = ET.parse(tmp_path / "graph_one_step.svg").getroot()
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"conv1.weight", "fc.bias", "NllLossBackward0"} <= texts


def test_demo_options():
    import train_digits
    args = train_digits.parse_args(["--epochs", "5", "--batch-size", "64", "--seed", "3"])
    assert (args.epochs, args.batch_size, args.seed, args.quick) == (5, 64, 3, False)
    assert train_digits.parse_args(["--quick"]).epochs == 2


def test_demo_trains_as_torch_does_from_the_same_start():
    pytest.importorskip("torch")
    import digits_torch
    import train_digits
    args = train_digits.parse_args(["--quick", "--no-progress"])
    ours, _, graph, initial = train_digits.train(args, log=lambda s: None)
    theirs = digits_torch.train_torch(args, initial, log=lambda s: None)
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-4, atol=1e-5)
    assert ours["test_acc"] == theirs["test_acc"]
    assert ours["test_acc"][-1] >= theirs["test_acc"][-1]
    assert len(graph) > 10


def test_readme_first_command_runs_the_demo():
    readme = (ROOT / "README.md").read_text()
    first = readme.split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert "pip install -q -e '.[demo]'" in first and first.endswith("examples/train_digits.py")
    pyproject = (ROOT / "pyproject.toml").read_text()
    demo = next(line for line in pyproject.splitlines() if line.startswith("demo ="))
    assert all(name in demo for name in ("matplotlib", "scikit-learn", "tqdm"))
    assert (ROOT / "docs" / "img" / "digits_training.png").exists()
