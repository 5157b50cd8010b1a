"""torch.jit, eager: scripting and tracing return what they are given, so programs that
script or trace a model keep running (in Python, the only mode chainrule has until its
graph-execution mode lands). The TorchScript type helpers (``Final``, ``annotate``,
``ignore`` ...) behave as they do in eager torch; ``save``/``load`` pickle the module with
chainrule's own format (a TorchScript archive written by torch does not load here)."""
from __future__ import annotations

import builtins
import concurrent.futures
import contextlib
import typing
import warnings

__all__ = ["Attribute", "Error", "Final", "Future", "ScriptFunction", "ScriptModule",
           "ScriptWarning", "TracerWarning", "TracingCheckError", "annotate",
           "enable_onednn_fusion", "export", "fork", "freeze", "ignore", "interface",
           "is_scripting", "is_tracing", "isinstance", "load", "onednn_fusion_enabled",
           "optimize_for_inference", "optimized_execution", "save", "script",
           "script_if_tracing", "script_method", "set_fusion_strategy", "strict_fusion",
           "trace", "trace_module", "unused", "wait"]

Final = typing.Final


def _deprecated(name, instead):
    # torch 2.13 deprecates TorchScript, with these warnings
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please {instead}.", DeprecationWarning,
                  stacklevel=3)


_TO_COMPILE_OR_EXPORT = "switch to `torch.compile` or `torch.export`"
Future = concurrent.futures.Future


class Error(RuntimeError):
    """torch.jit.Error (TorchScript's runtime error)."""


class ScriptWarning(Warning):
    pass


class TracerWarning(Warning):
    pass


class TracingCheckError(Exception):
    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None):
        super().__init__("Tracing failed sanity checks!\n" + (extra_msg or "") +
                         (graph_diff_error or "") + (tensor_compare_error or ""))


class ScriptModule:
    """Stands for torch.jit.ScriptModule in ``isinstance`` checks: nothing is a ScriptModule
    here, since ``script`` returns the module itself."""


class ScriptFunction:
    """Stands for torch.jit.ScriptFunction in ``isinstance`` checks."""


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: returns ``obj`` (a module, function or class) unchanged."""
    _deprecated("script", _TO_COMPILE_OR_EXPORT)
    if optimize is not None:
        warnings.warn("`optimize` is deprecated and has no effect. Use `with "
                      "torch.jit.optimized_execution()` instead", FutureWarning, stacklevel=2)
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: returns ``func`` unchanged (it runs eagerly, so data-dependent
    control flow keeps working, where a real trace would freeze one path)."""
    _deprecated("trace", _TO_COMPILE_OR_EXPORT)
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def script_if_tracing(fn):
    return fn


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    _deprecated("freeze", "use `torch.compile` instead")
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def run_frozen_optimizations(mod, optimize_numerics: bool = True, preserved_methods=None):
    return None


def ignore(drop=False, **kwargs):
    """``@torch.jit.ignore`` / ``@torch.jit.ignore(drop=True)``: the function itself."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def script_method(fn):
    return fn


def interface(obj):
    return obj


def is_scripting() -> bool:
    """False: code runs in Python (as in eager torch)."""
    return False


def is_tracing() -> bool:
    return False


def annotate(the_type, the_value):
    """The value: the type is only for the TorchScript compiler."""
    return the_value


def Attribute(value, type):  # noqa: A002, N802 - torch's names
    return value


def isinstance(obj, target_type) -> bool:  # noqa: A001 - torch's name
    """torch.jit.isinstance: ``isinstance`` that understands ``List[int]``-style types."""
    origin = typing.get_origin(target_type)
    if origin is None:
        return builtins.isinstance(obj, target_type)
    args = typing.get_args(target_type)
    if origin is typing.Union:
        return any(isinstance(obj, a) for a in args)
    if not builtins.isinstance(obj, origin):
        return False
    if origin in (list, set, frozenset):
        return not args or all(isinstance(v, args[0]) for v in obj)
    if origin is tuple:
        if not args:
            return True
        if len(args) == 2 and args[1] is Ellipsis:
            return all(isinstance(v, args[0]) for v in obj)
        return len(obj) == len(args) and all(isinstance(v, a) for v, a in zip(obj, args))
    if origin is dict:
        return not args or all(isinstance(k, args[0]) and isinstance(v, args[1])
                               for k, v in obj.items())
    return True



def fork(func, *args, **kwargs) -> Future:
    """Runs ``func(*args, **kwargs)`` now and returns a completed Future (torch's eager
    fork also runs synchronously)."""
    _deprecated("fork", "use `torch.compile` instead")
    fut = Future()
    try:
        fut.set_result(func(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - surfaces at wait(), as torch's
        fut.set_exception(exc)
    return fut


def wait(future):
    _deprecated("wait", "use `torch.compile` instead")
    return future.result()


def save(m, f, _extra_files=None) -> None:
    """Saves ``m`` with ``chainrule.save`` (a pickle of the module, not a TorchScript
    archive); ``jit.load`` reads it back."""
    _deprecated("save", "switch to `torch.export`")
    from ..serialization import save as _save
    _save(m, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Loads what ``jit.save`` wrote (the whole module: ``weights_only=False``)."""
    _deprecated("load", "switch to `torch.export`")
    from ..serialization import load as _load
    return _load(f, map_location=map_location, weights_only=False)


_onednn = [False]


def enable_onednn_fusion(enabled: bool) -> None:
    _onednn[0] = bool(enabled)


def onednn_fusion_enabled() -> bool:
    return _onednn[0]


def set_fusion_strategy(strategy):
    return []


@contextlib.contextmanager
def optimized_execution(should_optimize):
    yield


@contextlib.contextmanager
def fuser(name):
    yield


class strict_fusion:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
