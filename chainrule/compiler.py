"""torch.compiler: chainrule runs everything eagerly, so compiling is the identity and
``is_compiling()`` is always False (library code that branches on it takes its eager path)."""
from __future__ import annotations

import contextlib

__all__ = ["allow_in_graph", "assume_constant_result", "compile", "cudagraph_mark_step_begin",
           "disable", "is_compiling", "is_dynamo_compiling", "is_exporting", "list_backends",
           "reset", "set_stance", "substitute_in_graph"]


def compile(*args, **kwargs):  # noqa: A001 - torch's name
    from . import compile as _compile
    return _compile(*args, **kwargs)


def is_compiling() -> bool:
    return False


def is_dynamo_compiling() -> bool:
    return False


def is_exporting() -> bool:
    return False


def disable(fn=None, recursive: bool = True, *, reason=None):
    """``@torch.compiler.disable``: the function itself (nothing is compiled anyway)."""
    return (lambda f: f) if fn is None else fn


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn


def substitute_in_graph(original_fn, *, can_constant_fold_through=False,
                        skip_signature_check=False):
    return lambda fn: fn


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    return []


def reset() -> None:
    pass


def cudagraph_mark_step_begin() -> None:
    pass


@contextlib.contextmanager
def _stance():
    yield


def set_stance(stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
    """Accepted (a context manager or decorator in torch); nothing changes here."""
    return _stance()
