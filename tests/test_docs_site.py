"""The documentation site: every code block on its pages runs (``pycon`` blocks as doctests
against their printed output, ``python`` blocks as programs), its pictures are current,
and ``mkdocs build --strict`` passes."""
import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
_BLOCK = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


def _blocks(page):
    return [(lang, body) for lang, body in _BLOCK.findall(page.read_text())
            if lang in ("python", "pycon")]


def _needs(body):
    """A reason to skip a block whose API has not landed yet (None: run it)."""
    if re.search(r"\bchainrule\.(save|load)\(", body) and not hasattr(chainrule, "save"):
        return "chainrule.save/load are not in this build yet"
    if "real_torch" in body:
        try:
            import torch  # noqa: F401
        except ImportError:
            return "needs torch (the test oracle)"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_code_blocks_run(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    globs = {"__name__": f"docs_{page.stem}"}
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    parser = doctest.DocTestParser()
    skipped = []
    for k, (lang, body) in enumerate(_blocks(page)):
        reason = _needs(body)
        if reason:
            skipped.append(reason)
            continue
        if lang == "pycon":
            test = parser.get_doctest(body, globs, f"{page.name}[{k}]", str(page), 0)
            result = runner.run(test, clear_globs=False)
            globs.update(test.globs)  # DocTest copies its globals: carry them on
            assert result.failed == 0, f"{page.name}: block {k} differs (see output above)"
        else:
            exec(compile(body, f"{page.name}[{k}]", "exec"), globs)
    if skipped:
        pytest.skip("; ".join(sorted(set(skipped))))


def test_pages_have_code_blocks():
    for name in ("index.md", "porting.md", "autograd.md"):
        assert len(_blocks(DOCS / name)) >= 3, name


def test_doc_images_are_current():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_doc_images.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_site_pages_are_in_the_nav_and_every_image_exists():
    config = (ROOT / "mkdocs.yml").read_text()
    for name in ("index.md", "porting.md", "autograd.md", "ops.md", "differences.md",
                 "api/tensor.md", "api/autograd.md", "api/nn.md", "api/optim.md", "api/viz.md"):
        assert name in config, f"{name} is not in mkdocs.yml's nav"
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: missing {target}"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    pytest.importorskip("mkdocstrings_handlers.python",
                        reason="mkdocstrings-python is not installed")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1")
    mkdocs = [sys.executable, "-m", "mkdocs"]
    run = subprocess.run(mkdocs + ["build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "site" / "autograd" / "index.html").exists()
    assert (tmp_path / "site" / "api" / "viz" / "index.html").exists()
    shutil.rmtree(tmp_path / "site")


def test_docstring_examples_are_fenced_for_the_site():
    sys.path.insert(0, str(ROOT / "tools"))
    pytest.importorskip("griffe", reason="griffe comes with mkdocstrings-python")
    from griffe_doctest_fences import fence_doctests
    text = "Intro.\n\n    >>> [1, 2]\n    [1, 2]\n\nAfter.\n```pycon\n>>> 1\n1\n```"
    assert fence_doctests(text) == ("Intro.\n\n    ```pycon\n    >>> [1, 2]\n    [1, 2]\n"
                                    "    ```\n\nAfter.\n```pycon\n>>> 1\n1\n```")
