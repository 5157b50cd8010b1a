"""Static typing: a type checker sees chainrule's public API with real signatures (the
generated stubs of tools/gen_stubs.py plus the annotations in hand-written code), so a
torch program run through mypy with ``import chainrule as torch`` type-checks cleanly and
its expressions have torch's types. (tools/typing_vs_torch.py checks, too slowly for the
suite, that mypy finds no error in tests/programs under chainrule that it does not find
under torch.)"""
import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import chainrule
import chainrule.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "chainrule"
STUBS = ["_names.pyi", "_tensor.pyi", "nn/functional.pyi", "return_types.pyi",
         "_stub_types.pyi", "_cuda_names.pyi"]

# A torch-style program: model, data, loss, backward, optimizer step, autograd.grad. Each
# reveal_type line names the type mypy must infer (``# -> type``).
PROGRAM = '''
import chainrule as torch
from chainrule import nn
from chainrule.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
data = TensorDataset(torch.randn(16, 4), torch.randint(0, 3, (16,)))
for xb, yb in DataLoader(data, batch_size=4, shuffle=True):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
x = torch.linspace(-3.0, 3.0, 10, requires_grad=True)
y = torch.sin(x).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
with torch.no_grad():
    z = x * 2 + 1
reveal_type(torch.sin(x).sum())  # -> chainrule._tensor.Tensor
reveal_type(x.sin().cos().shape)  # -> chainrule._size.Size
reveal_type(x.grad)  # -> chainrule._tensor.Tensor | None
reveal_type(x.max(0))  # -> chainrule.return_types.max
reveal_type(x.max(0).indices)  # -> chainrule._tensor.Tensor
reveal_type(g)  # -> chainrule._tensor.Tensor
reveal_type(torch.float32)  # -> chainrule._dtypes.dtype
reveal_type(model.fc1.weight)  # -> chainrule.nn.parameter.Parameter
reveal_type(nn.functional.relu(x))  # -> chainrule._tensor.Tensor
reveal_type(model.forward(x))  # -> chainrule._tensor.Tensor
reveal_type(model.to(torch.float64))  # -> program.Net
reveal_type(torch.cat([x, z]) @ torch.ones(20))  # -> chainrule._tensor.Tensor
reveal_type(x.requires_grad)  # -> bool
reveal_type(x.dtype)  # -> chainrule._dtypes.dtype
reveal_type(x.view(2, 5).t().contiguous())  # -> chainrule._tensor.Tensor
reveal_type(torch.zeros(2, 3, dtype=torch.float64))  # -> chainrule._tensor.Tensor
reveal_type(torch.optim.Adam(model.parameters()))  # -> chainrule.optim.adam.Adam
reveal_type(torch.cuda.FloatTensor)  # -> def (*args: Any, **kwargs: Any) -> chainrule._cuda_names.FloatTensor
'''

# Mistakes a type checker should catch, one per line, now that the stubs say more than Any.
MISTAKES = '''
import chainrule as torch
x = torch.ones(3)
torch.sin("text")
x.sum(keepdim="yes")
x.unsqueeze(0).sinn()
torch.nn.functional.relu(x, inplace=1.5)
'''


def _run_mypy(tmp_path, *sources):
    pytest.importorskip("mypy", reason="mypy checks the stubs (pip install mypy)")
    files = []
    for name, text in sources:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        files.append(str(path))
    env = dict(os.environ, MYPYPATH=str(ROOT), PYTHONPATH=str(ROOT))
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary",
         "--hide-error-context", "--show-error-codes", "--cache-dir", str(tmp_path / "cache"),
         *files, *(str(PKG / s) for s in STUBS)],
        capture_output=True, text=True, cwd=ROOT, env=env)
    return run.stdout.splitlines(), run.stderr


@pytest.fixture(scope="module")
def mypy_lines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typing")
    return _run_mypy(tmp, ("program.py", PROGRAM), ("mistakes.py", MISTAKES))


def test_torch_program_type_checks_with_torch_types(mypy_lines):
    lines, stderr = mypy_lines
    program = [line for line in lines if line.startswith(str(Path("program.py")))
               or "/program.py:" in line]
    errors = [line for line in lines if ": error:" in line and "mistakes.py" not in line]
    assert not errors, "\n".join(errors) + stderr  # the program and the stubs themselves
    revealed = {}
    for line in program:
        match = re.search(r"program\.py:(\d+): note: Revealed type is \"(.*)\"", line)
        if match:
            revealed[int(match.group(1))] = match.group(2)
    expected = {}
    for number, text in enumerate(textwrap.dedent(PROGRAM).splitlines(), start=1):
        if text.startswith("reveal_type(") and "# -> " in text:
            expected[number] = text.split("# -> ")[1]
    assert expected and revealed == expected


def test_type_checker_catches_mistakes(mypy_lines):
    lines, _ = mypy_lines
    flagged = {int(m.group(1)) for line in lines
               if (m := re.search(r"mistakes\.py:(\d+): error:", line))}
    source = textwrap.dedent(MISTAKES).splitlines()
    mistakes = {n for n, text in enumerate(source, start=1) if n > 3 and text}
    assert flagged == mistakes, lines


# ------------------------------------------------------------------ the stubs cover the API
def _stub_defs(path: Path, cls: str | None = None) -> dict:
    """name -> list of FunctionDef/AnnAssign nodes in a stub (or in its class ``cls``)."""
    body = ast.parse(path.read_text()).body
    if cls is not None:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == cls).body
    defs: dict = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            defs.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.AnnAssign):
            defs.setdefault(node.target.id, []).append(node)
        elif isinstance(node, ast.ClassDef):
            defs.setdefault(node.name, []).append(node)
    return defs


def _typed(node) -> bool:
    """A definition that tells a checker something: a type on a parameter or a result."""
    if isinstance(node, (ast.AnnAssign, ast.ClassDef)):
        return True
    args = node.args
    params = args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]
    typed_params = [a for a in params if a is not None and a.annotation is not None
                    and ast.unparse(a.annotation) != "Any"]
    return bool(typed_params) or (node.returns is not None
                                  and ast.unparse(node.returns) != "Any")


# torch/functional.py leaves these untyped too (a Tensor or a tuple, by argument count).
UNTYPED = {"atleast_1d", "atleast_2d", "atleast_3d"}


def test_every_registry_function_has_a_typed_signature_in_the_stub():
    defs = _stub_defs(PKG / "_names.pyi")
    from chainrule import _ops
    missing = sorted(set(_ops.public_functions) - set(defs))
    assert not missing
    untyped = sorted(n for n in _ops.public_functions
                     if not any(_typed(d) for d in defs[n]))
    assert set(untyped) <= UNTYPED, untyped


def test_every_public_name_of_chainrule_is_declared_statically():
    init = ast.parse((PKG / "__init__.py").read_text())
    bound = set()
    for node in ast.walk(init):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Assign):
            bound |= {t.id for target in node.targets for t in ast.walk(target)
                      if isinstance(t, ast.Name)}
    declared = bound | set(_stub_defs(PKG / "_names.pyi"))
    stub = ast.parse((PKG / "_names.pyi").read_text())
    declared |= {a.asname or a.name for n in stub.body if isinstance(n, ast.ImportFrom)
                 for a in n.names}
    public = {n for n in dir(chainrule) if not n.startswith("_")}
    public |= set(chainrule._LAZY_MODULES)  # submodules loaded on first use
    declared |= {p.stem for p in PKG.iterdir()}  # submodules resolve statically
    assert sorted(public - declared) == []


def test_names_bound_at_run_time_in_cuda_are_declared():
    import chainrule.cuda
    declared = set(_stub_defs(PKG / "_cuda_names.pyi"))
    from chainrule._legacy import CUDA_LEGACY_TYPES
    assert declared == set(CUDA_LEGACY_TYPES)
    assert all(isinstance(getattr(chainrule.cuda, n), type) for n in declared)
    assert "from ._cuda_names import *" in (PKG / "cuda.py").read_text()


def test_every_nn_functional_name_has_a_typed_signature():
    defs = _stub_defs(PKG / "nn" / "functional.pyi")
    names = set(F.__all__)
    assert names - set(defs) == set()
    assert sorted(n for n in names if not any(_typed(d) for d in defs[n])) == []


def test_every_tensor_method_and_property_is_in_the_tensor_stub():
    defs = _stub_defs(PKG / "_tensor.pyi", cls="Tensor")
    public = {n for n in dir(chainrule.Tensor) if not n.startswith("_")}
    assert sorted(public - set(defs)) == []
    # the registry's methods (x.sin(), x.add_(...), x + y) carry torch's parameter names
    assert [a.arg for a in defs["add"][0].args.args] == ["self", "other"]
    assert ast.unparse(defs["add"][0].args.args[1].annotation).startswith("Tensor | Number")
    assert ast.unparse(defs["sin"][0].returns) == "Tensor"
    assert "__add__" in defs and "__matmul__" in defs and "__getitem__" in defs
    untyped = sorted(n for n in public if not any(_typed(d) for d in defs[n]))
    # what torch leaves untyped too (unique: a Tensor or a tuple, by its flags; numpy()),
    # or chainrule-only (xp: the tensor's array namespace)
    allowed = {"as_subclass", "cdouble", "cfloat", "const_data_ptr", "is_xla", "name",
               "numpy", "xp", "unique", "unique_consecutive", "index"}
    allowed |= {"eig", "lstsq", "solve", "symeig"}  # removed from torch: they only raise
    assert set(untyped) <= allowed, untyped


def test_tensor_stub_uses_torch_parameter_names_where_chainrule_accepts_them():
    defs = _stub_defs(PKG / "_tensor.pyi", cls="Tensor")
    sum_overloads = [[a.arg for a in d.args.args + d.args.kwonlyargs] for d in defs["sum"]]
    assert ["self", "dim", "keepdim", "dtype"] in sum_overloads
    assert len(defs["max"]) >= 2  # torch's overloads: max(), max(dim) -> return_types.max


def test_stubs_are_generated_deterministically():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_stubs
    finally:
        sys.path.remove(str(ROOT / "tools"))
    if not gen_stubs.torch_root():
        pytest.skip("the stubs take torch's typed overloads: torch is needed to regenerate")
    first, second = gen_stubs.render_all(), gen_stubs.render_all()
    assert first == second
    stale = [str(p.relative_to(ROOT)) for p, text in first.items() if p.read_text() != text]
    assert not stale, "run python tools/gen_stubs.py"


# chainrule's spelling of a parameter differs from torch's here (torch.dot(input, tensor),
# swapaxes(input, axis0, axis1), dsplit(input, indices_or_sections) ...), so keyword calls
# written for torch fail; the stubs keep chainrule's names. Fixing one shrinks this list.
RENAMED_TOP = {"adjoint", "conj_physical_", "dot", "dsplit", "histogramdd", "hsplit",
               "lu_solve", "orgqr", "searchsorted", "swapaxes", "vsplit"}
RENAMED_METHODS = {"copy_", "dot", "dsplit", "hsplit", "map_", "new_tensor", "orgqr", "split",
                   "swapaxes", "swapaxes_", "vsplit"}
RENAMED_METHODS |= {"lstsq", "solve"}  # removed from torch (they raise): (self, A), torch's other


def test_run_time_signatures_take_torch_parameter_names():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_stubs
        from _stub_sources import TorchSignatures, accepts, narrow, torch_root
    finally:
        sys.path.remove(str(ROOT / "tools"))
    if not torch_root():
        pytest.skip("torch's signatures are read from its installed stubs")
    sigs = TorchSignatures(torch_root())

    def renamed(obj, defs, method):
        sig = gen_stubs._signature_of(obj)
        fns = [f for f in defs or () if isinstance(f, ast.FunctionDef)]
        return bool(fns) and sig is not None and not any(
            accepts(sig, f, method) or narrow(sig, f, method) for f in fns)

    from chainrule import _ops
    top = {n for n, f in _ops.public_functions.items()
           if renamed(f, sigs.functions.get(n), False)}
    members = gen_stubs._tensor_members()
    methods = {n for n, v in members.items() if callable(v) and not n.startswith("_")
               and not isinstance(v, (property, staticmethod, classmethod))
               and renamed(v, sigs.tensor.get(n), True)}
    assert top == RENAMED_TOP and methods == RENAMED_METHODS
