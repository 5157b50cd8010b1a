"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode.

State is thread-local and read once per op (``_tls.grad_enabled``). Each context manager
remembers the state it replaced and restores it, so they nest, and each works as a
decorator (generators included, as torch's do).
"""
from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled"]


class _GradState(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.inference = False


_tls = _GradState()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return _tls.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _tls.inference


class _DecoratorContextManager:
    """Base class: subclasses define __enter__/__exit__; instances decorate functions."""

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError("grad-mode decorators apply to functions, not classes")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as exc:  # pass throws into the generator
                            with self.clone():
                                response = gen.throw(exc)
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also usable bare, as ``@no_grad`` without parentheses (torch allows both)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disable gradient recording inside the block (or the decorated function).

    >>> import chainrule as torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = False

    def __exit__(self, *exc):
        _tls.grad_enabled = self.prev


class enable_grad(_NoParamDecoratorContextManager):
    """Enable gradient recording inside the block, even within ``no_grad``."""

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = True

    def __exit__(self, *exc):
        _tls.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode to ``mode``; takes effect at once (as a call) and is undone on exit
    when used as a context manager."""

    def __init__(self, mode: bool):
        self.prev = _tls.grad_enabled
        self.mode = bool(mode)
        _tls.grad_enabled = self.mode

    def __enter__(self):
        _tls.grad_enabled = self.mode

    def __exit__(self, *exc):
        _tls.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)

    def __repr__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"


class inference_mode(_DecoratorContextManager):
    """Like no_grad, and tensors made inside are inference tensors: they can never join a
    graph later (torch's rule)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used bare: @inference_mode

    def __init__(self, mode: bool = True):
        self.mode = bool(mode) if isinstance(mode, bool) else True
        self.prev = (True, False)

    def __enter__(self):
        self.prev = (_tls.grad_enabled, _tls.inference)
        if self.mode:
            _tls.grad_enabled = False
            _tls.inference = True
        else:
            _tls.inference = False

    def __exit__(self, *exc):
        _tls.grad_enabled, _tls.inference = self.prev

    def clone(self):
        return self.__class__(self.mode)


class _EngineFlags(threading.local):
    multithreading = True
    grad_layout = True


_flags = _EngineFlags()


class _FlagMode(_DecoratorContextManager):
    """A thread-local engine setting that takes effect at once (as a call) and is undone on
    exit when used as a context manager (torch's set_multithreading_enabled & co)."""

    _attr = ""

    def __init__(self, mode: bool = True):
        self.prev = getattr(_flags, self._attr)
        self.mode = bool(mode)
        setattr(_flags, self._attr, self.mode)

    def __enter__(self):
        setattr(_flags, self._attr, self.mode)

    def __exit__(self, *exc):
        setattr(_flags, self._attr, self.prev)

    def clone(self):
        return self.__class__(self.mode)


class set_multithreading_enabled(_FlagMode):
    """Enable or disable multithreaded backward. chainrule's engine always runs backward on
    the calling thread, so this only records the setting (``is_multithreading_enabled``)."""

    _attr = "multithreading"


class enforce_grad_layout_policy(_FlagMode):
    """Whether accumulated gradients must match their parameter's strides. chainrule's
    gradients are laid out as their parameters are either way; the setting is recorded."""

    _attr = "grad_layout"


def is_multithreading_enabled() -> bool:
    return _flags.multithreading


def is_view_replay_enabled() -> bool:
    """View replay (torch's option to rebuild views from their base) is off, as torch's
    default."""
    return False


def kineto_available() -> bool:
    """chainrule's profiler has no Kineto backend."""
    return False
