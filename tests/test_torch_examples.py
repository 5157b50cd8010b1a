"""Real torch programs run unchanged on chainrule and reach torch's numbers (issue #8).

Each program under ``tests/programs/`` is the official code of a PyTorch tutorial or a
pytorch/examples program, written as torch users have it (``import torch``), with the data
source replaced by small synthetic data and the sizes and epochs cut to seconds. The
driver runs the same source text twice in this process: once as it is, against torch, and
once with every ``import torch...`` statement in it resolved to ``chainrule...`` (its own
``__import__``; nothing else in the source changes). Both runs start from the same state:

- Python's ``random`` and NumPy are seeded alike, so synthetic data is identical;
- ``torch.randn``/``rand``/``randint``/``randperm`` (and the ``_like`` forms; ``randperm``
  is where ``DataLoader(shuffle=True)`` draws its order) are drawn from one NumPy stream
  in both libraries while a program runs, since chainrule's generator cannot reproduce
  torch's Mersenne Twister (docs/differences.md);
- where a program builds an ``nn.Module`` (default initialisation draws from the
  library's own generator) it hands the model to ``start(model)``, the one line each
  program has for the driver: the torch run records the initial ``state_dict`` there and
  the chainrule run loads it. ``start`` also sets dropout probabilities to zero so the
  training trajectories are comparable; programs are also compared in eval mode.

Then losses are compared step by step (float32 tolerances) and the text a program prints
is compared with its numbers masked (numbers within tolerance).
"""
from __future__ import annotations

import builtins
import contextlib
import io
import random
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    """Tiny programs: torch's thread pool only adds contention on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------------------
# Running one program's source against torch or chainrule
# --------------------------------------------------------------------------------------

def _importer(lib_name: str):
    real_import = builtins.__import__

    def imp(name, globals=None, locals=None, fromlist=(), level=0):
        if lib_name == "chainrule" and level == 0 and (name == "torch" or name.startswith("torch.")):
            name = "chainrule" + name[len("torch"):]
        return real_import(name, globals, locals, fromlist, level)
    return imp


@contextlib.contextmanager
def _program_module(stem: str, lib_name: str):
    """The program's source executed as a module whose ``import torch`` names ``lib_name``.

    The module is registered in ``sys.modules`` while it runs, so what it pickles
    (``torch.save(model)``) can be found again by ``torch.load``."""
    path = PROGRAMS / f"{stem}.py"
    name = f"_program_{stem}_{lib_name}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__builtins__ = dict(vars(builtins), __import__=_importer(lib_name))
    sys.modules[name] = module
    try:
        exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
        yield module
    finally:
        del sys.modules[name]


class _SharedNoise:
    """``lib.randn(...)`` and friends drawn from one NumPy stream, the same in both libraries."""

    NAMES = ("randn", "rand", "randn_like", "rand_like", "randint", "randperm")

    def __init__(self, lib, seed: int):
        self.lib, self.rng, self.saved = lib, np.random.RandomState(seed), {}

    def _make(self, draw):
        lib = self.lib

        def factory(*size, dtype=None, requires_grad=False, generator=None, device=None,
                    **kwargs):
            if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size, cr.Size)):
                size = tuple(size[0])
            values = draw(size) if size else np.asarray(draw(()))
            return lib.tensor(values, dtype=dtype or lib.get_default_dtype(),
                              requires_grad=requires_grad)

        def like(input, dtype=None, requires_grad=False, **kwargs):
            return factory(*input.shape, dtype=dtype or input.dtype,
                           requires_grad=requires_grad)
        return factory, like

    def _randint(self, *args, size=None, dtype=None, generator=None, device=None,
                 requires_grad=False, **kwargs):
        if size is None:
            *bounds, size = args
        else:
            bounds = list(args)
        low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
        values = self.rng.randint(low, high, tuple(size))
        return self.lib.tensor(values, dtype=dtype or self.lib.int64)

    def _randperm(self, n, *, dtype=None, generator=None, **kwargs):
        """DataLoader(shuffle=True) draws its order here, in both libraries."""
        return self.lib.tensor(self.rng.permutation(n), dtype=dtype or self.lib.int64)

    def __enter__(self):
        randn, randn_like = self._make(self.rng.standard_normal)
        rand, rand_like = self._make(self.rng.random_sample)
        self.saved = {n: getattr(self.lib, n) for n in self.NAMES}
        for name, fn in zip(self.NAMES, (randn, rand, randn_like, rand_like, self._randint,
                                         self._randperm)):
            setattr(self.lib, name, fn)
        return self

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(self.lib, name, fn)


class Start:
    """The ``start(model)`` hook: torch's run records the initial weights, chainrule's
    loads them; both switch dropout off (the masks come from different generators)."""

    def __init__(self):
        self.states = []
        self.calls = 0

    def __call__(self, model):
        lib = torch if isinstance(model, torch.nn.Module) else cr
        for module in model.modules():
            if isinstance(module, lib.nn.modules.dropout._DropoutNd):
                module.p = 0.0
            if isinstance(getattr(module, "dropout", None), float):  # RNN, attention
                module.dropout = 0.0
        if lib is torch:
            self.states.append({k: v.detach().numpy().copy() for k, v in
                                model.state_dict().items()})
        else:
            state = self.states[self.calls]
            model.load_state_dict({k: cr.from_numpy(v.copy()) for k, v in state.items()})
        self.calls += 1
        return model


def run(stem: str, lib_name: str, start: Start | None = None, **kwargs):
    """Run ``main(**kwargs)`` of a program; returns (its result, its stdout, its warnings)."""
    lib = torch if lib_name == "torch" else cr
    random.seed(0)
    np.random.seed(0)
    lib.manual_seed(0)
    out = io.StringIO()
    default_dtype = lib.get_default_dtype()
    with _program_module(stem, lib_name) as module, _SharedNoise(lib, 0), \
            warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        if start is not None:
            start.calls = 0
            kwargs["start"] = start
        result = module.main(**kwargs)
    lib.set_default_dtype(default_dtype)
    # torch's notes on its own kernels ("... (Triggered internally at .../RNN.cpp)") are not
    # part of the behaviour a program sees
    messages = sorted({str(w.message) for w in caught
                       if "Triggered internally" not in str(w.message)})
    return result, out.getvalue(), messages


def run_both(stem: str, **kwargs):
    start = Start()
    theirs = run(stem, "torch", start=start if _takes_start(stem) else None, **kwargs)
    ours = run(stem, "chainrule", start=start if _takes_start(stem) else None, **kwargs)
    return ours, theirs


def _takes_start(stem: str) -> bool:
    return "start=" in (PROGRAMS / f"{stem}.py").read_text()


NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]?\d+)?")


def assert_same_text(ours: str, theirs: str, rtol=1e-4, atol=1e-5):
    """The same text with its numbers masked, and the numbers close."""
    ours, theirs = (re.sub(r"0x[0-9a-f]+", "0xADDR", t) for t in (ours, theirs))
    assert NUMBER.sub("#", ours) == NUMBER.sub("#", theirs)
    a = np.array([float(m) for m in NUMBER.findall(ours)])
    b = np.array([float(m) for m in NUMBER.findall(theirs)])
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def assert_close(ours, theirs, rtol=1e-4, atol=1e-6):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float),
                               rtol=rtol, atol=atol)


def assert_same_state(ours_model, theirs_model, rtol=1e-4, atol=1e-5):
    assert isinstance(ours_model, cr.nn.Module) and isinstance(theirs_model, torch.nn.Module)
    ours, theirs = ours_model.state_dict(), theirs_model.state_dict()
    assert list(ours) == list(theirs)
    for key in theirs:
        assert_close(ours[key].detach().numpy(), theirs[key].detach().numpy(), rtol, atol)


# --------------------------------------------------------------------------------------
# PyTorch tutorials: "Learning PyTorch with Examples" (polynomial fitting, dynamic_net)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", ["polynomial_tensor", "polynomial_autograd",
                                  "polynomial_custom_function", "polynomial_nn",
                                  "polynomial_optim", "polynomial_module", "dynamic_net"])
def test_polynomial_tutorials_match_torch(stem):
    steps = 300
    (ours, ours_text, ours_warn), (theirs, theirs_text, theirs_warn) = run_both(stem, steps=steps)
    assert len(ours["losses"]) == steps
    assert_close(ours["losses"], theirs["losses"], rtol=2e-4)
    assert_same_text(ours_text, theirs_text, rtol=2e-4, atol=1e-4)
    assert ours_warn == theirs_warn
    if "params" in theirs:
        assert_close(ours["params"], theirs["params"], rtol=2e-4, atol=1e-5)
    for key in ("grad_fn", "names"):
        assert ours.get(key) == theirs.get(key)
    if "model" in theirs:
        assert_same_state(ours["model"], theirs["model"], rtol=2e-4)


# --------------------------------------------------------------------------------------
# PyTorch tutorials: the 60 minute blitz and "Learn the Basics"
# --------------------------------------------------------------------------------------

def test_neural_networks_tutorial_prints_and_trains_as_torch():
    (ours, ours_text, ours_warn), (theirs, theirs_text, theirs_warn) = \
        run_both("neural_networks_tutorial")
    assert_same_text(ours_text, theirs_text)
    assert "MseLossBackward0" in ours_text and "AddmmBackward0" in ours_text
    assert_close(ours["losses"], theirs["losses"])
    assert_same_state(ours["model"], theirs["model"])
    assert ours_warn == theirs_warn


@pytest.mark.parametrize("stem", ["autograd_tutorial", "tensors_tutorial"])
def test_tensor_and_autograd_tutorials_print_what_torch_prints(stem):
    (ours, ours_text, ours_warn), (theirs, theirs_text, theirs_warn) = run_both(stem)
    assert ours_text.replace("0x", "") and ours_text.count("\n") > 20
    assert re.sub(r"0x[0-9a-f]+", "0x", ours_text) == re.sub(r"0x[0-9a-f]+", "0x", theirs_text)
    assert ours_warn == theirs_warn
    if ours.get("losses"):
        assert_close(ours["losses"], theirs["losses"])


# Regression: the tensors tutorial's ``torch.mul(tensor, tensor, out=z3)``.
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                  "atan2", "remainder", "fmod", "floor_divide", "sin", "exp",
                                  "tanh", "sigmoid", "neg"])
def test_fixed_pointwise_functions_take_out(name):
    unary = name in ("sin", "exp", "tanh", "sigmoid", "neg")
    values = [np.array([[1.5, -2.0, 3.0]]), np.array([[2.0], [0.5]])]
    results = []
    for lib in (torch, cr):
        args = [lib.tensor(v, dtype=lib.float32) for v in values[:1 if unary else 2]]
        out = lib.empty(2, 3) if not unary else lib.empty(1, 3)
        got = getattr(lib, name)(*args, out=out)
        assert got is out
        try:
            getattr(lib, name)(args[0].clone().requires_grad_(), *args[1:], out=lib.empty(0))
            message = None
        except RuntimeError as err:
            message = str(err)
        results.append((out.numpy().copy(), message))
    assert_close(results[1][0], results[0][0])
    assert results[1][1] == results[0][1]
    assert (results[0][1] is None) == (name == "floor_divide")


# --------------------------------------------------------------------------------------
# pytorch/examples on synthetic data
# --------------------------------------------------------------------------------------

def _compare_training(ours, theirs, rtol=1e-4, atol=1e-5):
    (ours, ours_text, ours_warn), (theirs, theirs_text, theirs_warn) = ours, theirs
    assert_close(ours["losses"], theirs["losses"], rtol=rtol, atol=atol)
    assert_same_text(ours_text, theirs_text, rtol=rtol, atol=atol)
    assert ours_warn == theirs_warn
    if "model" in theirs:
        assert_same_state(ours["model"], theirs["model"], rtol=10 * rtol, atol=10 * atol)


def test_mnist_cnn_with_adadelta_and_steplr_matches_torch(tmp_path, monkeypatch):
    argv = ["--batch-size", "4", "--test-batch-size", "8", "--epochs", "2", "--log-interval",
            "1", "--train-size", "8", "--test-size", "8", "--save-model"]
    start = Start()
    results = {}
    for lib in ("torch", "chainrule"):  # each saves mnist_cnn.pt in its own folder
        (tmp_path / lib).mkdir()
        monkeypatch.chdir(tmp_path / lib)
        results[lib] = run("mnist", lib, start=start, argv=argv)
    ours, theirs = results["chainrule"], results["torch"]
    _compare_training(ours, theirs)
    assert ours[0]["lrs"] == theirs[0]["lrs"]
    assert_close(ours[0]["tests"], theirs[0]["tests"])
    # The checkpoints cross over: each library loads the other's file (weights_only=True).
    from_ours = torch.load(tmp_path / "chainrule" / "mnist_cnn.pt", weights_only=True)
    from_theirs = cr.load(tmp_path / "torch" / "mnist_cnn.pt", weights_only=True)
    assert list(from_ours) == list(from_theirs) == list(theirs[0]["model"].state_dict())
    for key, value in theirs[0]["model"].state_dict().items():
        assert_close(from_ours[key].numpy(), value.numpy(), rtol=1e-3, atol=1e-4)
        assert_close(from_theirs[key].numpy(), value.numpy(), rtol=0, atol=0)


def test_mnist_rnn_lstm_with_batchnorm_matches_torch():
    argv = ["--batch-size", "4", "--test-batch-size", "8", "--epochs", "2", "--log-interval",
            "1", "--train-size", "8", "--test-size", "8"]
    ours, theirs = run_both("mnist_rnn", argv=argv)
    _compare_training(ours, theirs)
    assert_close(ours[0]["tests"], theirs[0]["tests"])


def test_vae_matches_torch():
    argv = ["--batch-size", "8", "--epochs", "2", "--log-interval", "1", "--train-size", "16",
            "--test-size", "8"]
    ours, theirs = run_both("vae", argv=argv)
    _compare_training(ours, theirs)
    assert_close(ours[0]["tests"], theirs[0]["tests"])
    assert_close(ours[0]["sample"], theirs[0]["sample"], atol=1e-5)


def test_dcgan_matches_torch():
    argv = ["--dataset", "fake", "--fake-size", "4", "--batchSize", "2", "--nz", "8",
            "--ngf", "4", "--ndf", "4", "--niter", "1", "--workers", "0", "--manualSeed", "3"]
    ours, theirs = run_both("dcgan", argv=argv)
    _compare_training(ours, theirs, rtol=2e-4)
    assert_same_state(ours[0]["generator"], theirs[0]["generator"], rtol=2e-3, atol=1e-4)
    assert_close(ours[0]["fake"], theirs[0]["fake"], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU", "Transformer"])
def test_word_language_model_matches_torch(kind, tmp_path):
    argv = ["--data", str(tmp_path / "corpus"), "--model", kind, "--emsize", "8", "--nhid",
            "8", "--nlayers", "2", "--epochs", "3", "--batch_size", "4", "--bptt", "5",
            "--log-interval", "2", "--save", str(tmp_path / "model.pt"), "--lr", "5"]
    if kind == "LSTM":
        argv.append("--tied")
    ours, theirs = run_both("word_language_model", argv=argv)
    _compare_training(ours, theirs, rtol=2e-4, atol=1e-5)
    assert_close(ours[0]["val"], theirs[0]["val"], rtol=2e-4)
    assert_close(ours[0]["test"], theirs[0]["test"], rtol=2e-4)
    assert ours[0]["lr"] == theirs[0]["lr"]
    if kind == "LSTM":  # tied: one Parameter, listed once
        model = ours[0]["model"]
        assert model.decoder.weight is model.encoder.weight


def test_time_sequence_prediction_lstmcell_lbfgs_double_matches_torch(tmp_path):
    argv = ["--steps", "2", "--data", str(tmp_path / "traindata.pt"), "--length", "16",
            "--samples", "6", "--future", "5", "--max-iter", "6"]
    ours, theirs = run_both("time_sequence_prediction", argv=argv)
    assert ours[0]["dtype"] == theirs[0]["dtype"] == "torch.float64"
    _compare_training(ours, theirs, rtol=1e-9, atol=1e-10)
    assert_close(ours[0]["test"], theirs[0]["test"], rtol=1e-9)
    assert_close(ours[0]["y"], theirs[0]["y"], rtol=1e-8, atol=1e-10)


# The torch package chainrule stands in for in a subprocess (and the processes it spawns):
# ``import torch`` and every ``torch.x.y`` resolve to chainrule's modules.
TORCH_SHIM = '''
import importlib, importlib.abc, importlib.util, sys
import chainrule

class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
    def create_module(self, spec):
        return importlib.import_module("chainrule" + spec.name[len("torch"):])
    def exec_module(self, module):
        pass

for _name, _module in list(sys.modules.items()):
    if _name.startswith("chainrule."):
        sys.modules["torch" + _name[len("chainrule"):]] = _module
sys.meta_path.insert(0, _Alias())
sys.modules["torch"] = chainrule
'''


def run_script(stem: str, lib_name: str, argv, tmp_path) -> str:
    """Run a program as a script in its own Python, ``import torch`` naming ``lib_name``."""
    import os
    import subprocess
    paths = [str(PROGRAMS.parents[1])]
    tmp_path.mkdir(parents=True, exist_ok=True)
    if lib_name == "chainrule":
        shim = tmp_path / "shim" / "torch"
        shim.mkdir(parents=True)
        (shim / "__init__.py").write_text(TORCH_SHIM)
        paths.insert(0, str(shim.parent))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(PROGRAMS / f"{stem}.py"), *argv],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, f"{lib_name} failed on {stem}:\n{proc.stderr}"
    return proc.stdout


def _hogwild_reference_in_torch(argv):
    """torch's numbers for the same training, without processes (a torch run of the script
    spawns two children that each import torch: ~10 s here): the program's own ``train``
    and ``test`` called in turn for each rank, on one model."""
    with _program_module("mnist_hogwild", "torch") as program:
        args = program.parser.parse_args(argv)
        torch.manual_seed(args.seed)
        kwargs = {"batch_size": args.batch_size, "shuffle": True}
        data = program.synthetic_mnist(args.train_size, 1), program.synthetic_mnist(args.test_size, 2)
        model = program.Net()
        with contextlib.redirect_stdout(io.StringIO()):
            before = program.test(args, model, "cpu", data[1], kwargs)
            for rank in range(args.num_processes):
                program.train(rank, args, model, "cpu", data[0], kwargs)
            after = program.test(args, model, "cpu", data[1], kwargs)
    return before, after


def test_mnist_hogwild_two_spawned_processes_train_one_shared_model(tmp_path):
    argv = ["--batch-size", "4", "--test-batch-size", "16", "--epochs", "2", "--log-interval",
            "2", "--train-size", "16", "--test-size", "16", "--lr", "0.05"]
    text = run_script("mnist_hogwild", "chainrule", argv, tmp_path)
    assert "shared: True trained in place: True exit codes: [0, 0]" in text, text
    assert len(set(re.findall(r"^(\d+)\tTrain Epoch", text, re.M))) == 2, text  # two pids
    before, after = map(float, re.search(r"before/after: (\S+) (\S+)", text).groups())
    # Dropout masks and shuffling come from each library's own generator, and the two
    # processes interleave freely: the losses cannot match step by step, but chainrule's
    # Hogwild run must improve the model at least half as much as torch's training does.
    theirs_before, theirs_after = _hogwild_reference_in_torch(argv)
    assert theirs_after < theirs_before
    assert abs(before - theirs_before) < 0.3  # both start untrained: about log(10)
    assert before - after > 0.5 * (theirs_before - theirs_after)


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "masked_fill"])
def test_char_gpt_nanogpt_matches_torch(flash):
    ours, theirs = run_both("char_gpt", max_iters=6, flash=flash)
    _compare_training(ours, theirs, rtol=2e-4, atol=1e-5)
    assert_close(ours[0]["evals"], theirs[0]["evals"], rtol=2e-4)
    assert ours[0]["groups"] == theirs[0]["groups"]
    assert len(ours[0]["sample"]) == len(theirs[0]["sample"]) == 11
    model = ours[0]["model"]
    assert model.lm_head.weight is model.transformer.wte.weight


def test_bug_nanogpt_dtype_table_names_bfloat16():
    ptdtype = {"float32": cr.float32, "bfloat16": cr.bfloat16, "float16": cr.float16}["float32"]
    assert ptdtype is cr.float32


# Regression: nanoGPT's train.py builds ``torch.amp.GradScaler(enabled=...)``.
def _scaler_trajectory(lib, grads):
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    weight = lib.nn.Parameter(lib.ones(2))
    optimizer = lib.optim.SGD([weight], lr=0.1)
    record = []
    for grad in grads:
        optimizer.zero_grad()
        scaler.scale((weight * lib.tensor(grad)).sum()).backward()
        scaled = weight.grad.clone()
        scaler.unscale_(optimizer)
        record.append((scaled.numpy().copy(), weight.grad.numpy().copy()))
        scaler.step(optimizer)
        scaler.update()
        record.append((weight.detach().numpy().copy(), scaler.get_scale()))
    return record, scaler.state_dict(), scaler


def test_fixed_grad_scaler_scales_skips_and_grows_as_torch():
    grads = [[1.0, 2.0], [float("inf"), 1.0], [0.5, 0.5], [1.0, -1.0], [2.0, 1.0]]
    (ours, ours_state, scaler), (theirs, theirs_state, _) = (
        _scaler_trajectory(lib, grads) for lib in (cr, torch))
    assert ours_state == theirs_state
    for (a, b), (c, d) in zip(ours, theirs):
        assert_close(a, c)
        assert_close(b, d)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        opt = cr.optim.SGD([cr.nn.Parameter(cr.ones(1))], lr=0.1)
        scaler.step(opt)
        scaler.step(opt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        disabled = cr.amp.GradScaler(enabled=True)  # "cuda", as torch's CPU build disables it
        loss = cr.ones(()) * 3
        assert disabled.scale(loss) is loss and disabled.state_dict() == {}
        with cr.amp.autocast(device_type="cuda", dtype=cr.float16):
            pass
    with warnings.catch_warnings(record=True) as torch_caught:
        warnings.simplefilter("always")
        torch.amp.GradScaler(enabled=True)
        with torch.amp.autocast(device_type="cuda", dtype=torch.float16):
            pass
    assert [str(w.message) for w in caught] == [str(w.message) for w in torch_caught]


# --------------------------------------------------------------------------------------
# One small model per layer family reaches the loss torch reaches in the same steps
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("family", ["conv", "pooling", "recurrent", "transformer",
                                    "normalization", "embedding"])
def test_layer_family_trains_to_the_loss_torch_reaches(family):
    (ours, _, ours_warn), (theirs, _, theirs_warn) = run_both("layer_families", family=family)
    threshold = theirs["losses"][-1]
    assert threshold < 0.9 * theirs["losses"][0]  # the task is learnable in these steps
    assert ours["losses"][-1] <= threshold * (1 + 1e-3) + 1e-6
    assert_close(ours["losses"], theirs["losses"], rtol=1e-3, atol=1e-5)
    assert_close(ours["eval"], theirs["eval"], rtol=1e-3, atol=1e-4)
    ours_state, theirs_state = ours["model"].state_dict(), theirs["model"].state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in theirs_state.items():
        value, ours_value = value.numpy(), ours_state[key].numpy()
        if key.endswith("in_proj_bias"):  # the key bias's gradient is zero up to rounding
            value, ours_value = np.delete(value, np.s_[8:16]), np.delete(ours_value, np.s_[8:16])
        assert_close(ours_value, value, rtol=1e-3, atol=1e-4)
    assert ours_warn == theirs_warn


def test_regression_example_matches_torch():
    ours, theirs = run_both("regression", max_batches=60)
    _compare_training(ours, theirs, rtol=1e-3, atol=1e-5)
    assert "==> Learned function:\ty = " in ours[1]


def test_super_resolution_pixel_shuffle_matches_torch(tmp_path):
    argv = ["--upscale_factor", "3", "--batchSize", "4", "--testBatchSize", "4", "--nEpochs",
            "2", "--threads", "0", "--size", "6", "--n", "8", "--out", str(tmp_path)]
    ours, theirs = run_both("super_resolution", argv=argv)
    _compare_training(ours, theirs, rtol=2e-4, atol=1e-5)
    assert_close(ours[0]["psnr"], theirs[0]["psnr"], rtol=1e-4)
    loaded, trained = ours[0]["loaded"].state_dict(), ours[0]["model"].state_dict()
    assert list(loaded) == list(trained)
    for key in trained:  # the whole model saved by torch.save(model) and loaded back
        assert_close(loaded[key].numpy(), trained[key].numpy(), rtol=0, atol=0)


def test_fast_neural_style_matches_torch():
    ours, theirs = run_both("fast_neural_style", n=2, image_size=8, epochs=3)
    # Every bias in front of an InstanceNorm (and the residual blocks' second norms, whose
    # shift the next norm removes) has a gradient that is zero up to rounding, and Adam's
    # first steps are about lr * sign(gradient): such parameters, and weights with
    # near-zero gradients, move by +-lr differently in the two libraries. The losses agree
    # to float32 rounding; the images (0-255) to a fraction of a grey level.
    ours[0].pop("model"), theirs[0].pop("model")
    _compare_training(ours, theirs, rtol=1e-3, atol=1e-4)
    assert_close(ours[0]["stylized"], theirs[0]["stylized"], rtol=0, atol=1.0)
