"""The ``__torch_function__`` helpers of torch.overrides that library code calls to let
tensor-like objects take over a function: ``has_torch_function`` (and its unary and
variadic forms), ``is_tensor_like`` and ``handle_torch_function``. chainrule's own Tensor
defines no ``__torch_function__``; an object whose type defines one is "tensor-like"."""
from __future__ import annotations

from ._tensor import Tensor

__all__ = ["has_torch_function", "has_torch_function_unary", "has_torch_function_variadic",
           "is_tensor_like", "handle_torch_function"]


def _overrides(obj) -> bool:
    return getattr(type(obj), "__torch_function__", None) is not None


def has_torch_function(relevant_args) -> bool:
    """True when an element of ``relevant_args`` has a ``__torch_function__``."""
    return any(_overrides(a) for a in relevant_args)


def has_torch_function_unary(obj) -> bool:
    return _overrides(obj)


def has_torch_function_variadic(*args) -> bool:
    return has_torch_function(args)


def is_tensor_like(inp) -> bool:
    """A Tensor, or an object whose type defines ``__torch_function__``."""
    return isinstance(inp, Tensor) or _overrides(inp)


def _name(func) -> str:
    """``func`` as torch names it in its error (``torch.add`` for a top-level function)."""
    import chainrule
    name = getattr(func, "__name__", None)
    if name is not None and getattr(chainrule, name, None) is func:
        return f"torch.{name}"
    module = getattr(func, "__module__", "") or ""
    module = "torch" + module[len("chainrule"):] if module.startswith("chainrule") else module
    qual = getattr(func, "__qualname__", name or repr(func))
    return f"{module}.{qual}" if module else qual


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call the ``__torch_function__`` of the tensor-like types among ``relevant_args``
    (subclasses before their bases, then in order) until one does not return
    NotImplemented; TypeError when all do."""
    overloaded: list = []
    for arg in relevant_args:
        t = type(arg)
        if _overrides(arg) and t not in overloaded:
            index = len(overloaded)
            for i, seen in enumerate(overloaded):  # a subclass goes before its base
                if issubclass(t, seen):
                    index = i
                    break
            overloaded.insert(index, t)
    for t in overloaded:
        result = t.__torch_function__(public_api, tuple(overloaded), args, kwargs)
        if result is not NotImplemented:
            return result
    raise TypeError(f"no implementation found for '{_name(public_api)}' on types that "
                    f"implement __torch_function__: {overloaded}")
