"""``torch.__config__``: how this chainrule is set up (``show``) and its threads
(``parallel_info``); ``chainrule.show_config()`` prints the first, as NumPy's does."""
from __future__ import annotations

import importlib.metadata
import platform
import shutil
import sys

__all__ = ["show", "parallel_info", "extras"]

# Optional packages chainrule uses when present: import name -> what for.
_EXTRAS = (
    ("scipy", "special functions and linalg extras"),
    ("matplotlib", "viz PNG output, the demo's plots"),
    ("graphviz", "viz rendering with the Graphviz 'dot' program"),
    ("tqdm", "the demo's progress bar"),
    ("sklearn", "the demo's digits data set"),
    ("torch", "the test oracle"),
    ("mkdocs", "building the documentation site"),
)
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}


def _version_of(module: str):
    """The installed version of ``module``'s distribution, or None when it is absent (looked
    up without importing it, so this stays fast)."""
    try:
        return importlib.metadata.version(_DISTRIBUTIONS.get(module, module))
    except importlib.metadata.PackageNotFoundError:
        return None


def extras() -> dict:
    """``{name: version or None}`` for each optional package chainrule can use."""
    return {name: _version_of(name) for name, _ in _EXTRAS}


def _blas() -> str:
    import numpy
    try:
        info = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', 'unknown')} {info.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict mode
        return "unknown"


def show() -> str:
    """A human-readable description of chainrule's configuration (torch.__config__.show)."""
    import numpy

    from . import __version__
    from .version import torch_version
    lines = [f"chainrule {__version__} (follows torch {torch_version})",
             f"  - Python {platform.python_version()} ({sys.executable})",
             f"  - Platform {platform.platform()}",
             f"  - Backend: NumPy {numpy.__version__} on the CPU (BLAS: {_blas()})",
             "  - Devices: cpu (no CUDA, no MPS)",
             "  - Optional packages:"]
    for name, purpose in _EXTRAS:
        version = _version_of(name)
        found = f"{version}" if version else "not installed"
        lines.append(f"    - {name}: {found} ({purpose})")
    dot = shutil.which("dot")
    lines.append(f"    - Graphviz 'dot' program: {dot or 'not found'}")
    return "\n".join(lines) + "\n"


def parallel_info() -> str:
    """Threads as torch reports them; NumPy's BLAS picks its own."""
    from . import get_num_interop_threads, get_num_threads
    return (f"ATen/Parallel:\n\tat::get_num_threads() : {get_num_threads()}\n"
            f"\tat::get_num_interop_threads() : {get_num_interop_threads()}\n"
            "chainrule: NumPy's BLAS sets its own thread count (OMP_NUM_THREADS)\n")
