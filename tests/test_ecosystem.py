"""Ecosystem basics: names visible to static tools, py.typed, __version__, show_config and
``python -m chainrule``."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def _statically_bound(path: Path) -> set:
    """Names a module binds where a static tool can see them: imports, assignments,
    defs and classes at top level (also inside ``if`` blocks such as TYPE_CHECKING)."""
    names, todo = set(), list(ast.parse(path.read_text()).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.add(sub.id)
        elif isinstance(node, (ast.If, ast.Try)):
            todo += node.body + node.orelse + getattr(node, "finalbody", [])
            for handler in getattr(node, "handlers", []):
                todo += handler.body
    return names


def _stub_names() -> list:
    tree = ast.parse((ROOT / "chainrule" / "_names.pyi").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return [elt.value for elt in node.value.elts]
    raise AssertionError("_names.pyi has no __all__")


def test_names_stub_is_current():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_stubs.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + "\n(run: python tools/gen_stubs.py)"


def test_every_public_name_is_visible_to_static_tools():
    visible = _statically_bound(ROOT / "chainrule" / "__init__.py") | set(_stub_names())
    visible |= set(chainrule._LAZY_MODULES)
    visible |= {p.stem for p in (ROOT / "chainrule").iterdir()}  # submodules resolve statically
    public = {n for n in dir(chainrule) if not n.startswith("_")}
    hidden = sorted(public - visible)
    assert not hidden, f"bound only at run time (run tools/gen_stubs.py): {hidden[:20]}"


def test_stub_names_exist_at_run_time():
    missing = [n for n in _stub_names() if not hasattr(chainrule, n)]
    assert not missing
    assert "sin" in _stub_names() and "FloatTensor" in _stub_names()


def test_init_imports_stub_only_when_type_checking():
    source = (ROOT / "chainrule" / "__init__.py").read_text()
    assert "from ._names import *" in source
    assert not (ROOT / "chainrule" / "_names.py").exists()  # stub-only: nothing runs


def test_py_typed_and_package_data():
    assert (ROOT / "chainrule" / "py.typed").exists()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]["chainrule"]
    assert "py.typed" in data and "*.pyi" in data
    extras = config["project"]["optional-dependencies"]
    assert set(extras["viz"]) == {"matplotlib", "graphviz"}


def test_version_matches_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert chainrule.__version__ == config["project"]["version"]
    assert chainrule.version.__version__ == chainrule.__version__
    assert f"## {chainrule.__version__}" in (ROOT / "CHANGELOG.md").read_text()


def test_show_config_prints_version_backend_and_extras(capsys):
    import numpy
    chainrule.show_config()
    out = capsys.readouterr().out
    assert out == chainrule.__config__.show()
    assert f"chainrule {chainrule.__version__}" in out
    assert f"NumPy {numpy.__version__}" in out
    assert "matplotlib" in out and "Graphviz 'dot' program" in out
    assert set(chainrule.__config__.extras()) >= {"scipy", "matplotlib", "graphviz", "torch"}
    assert "get_num_threads" in chainrule.__config__.parallel_info()


def test_python_dash_m_chainrule():
    run = subprocess.run([sys.executable, "-m", "chainrule"], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert run.stdout.startswith(f"chainrule {chainrule.__version__}")
    assert "Backend: NumPy" in run.stdout and "Optional packages" in run.stdout


def test_torch_has_the_config_module_we_mirror(torch):
    assert isinstance(torch.__config__.show(), str)
    assert isinstance(chainrule.__config__.show(), str)
