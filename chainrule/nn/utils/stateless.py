"""``functional_call``: run a module with some of its parameters and buffers replaced
for one call (torch.nn.utils.stateless; deprecated there for torch.func.functional_call)."""
from __future__ import annotations

import contextlib
import warnings
from typing import Any

from ..._tensor import Tensor

__all__ = ["functional_call"]


def _untie_named_tensors_map(module, parameters_and_buffers: dict) -> dict:
    """Extend the given names to every name tied to the same tensor."""
    all_named: dict = {}
    all_named.update(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    tied_by_tensor: dict = {}
    for name, tensor in all_named.items():
        tied_by_tensor.setdefault(id(tensor), set()).add(name)
    tied_names_map = {n: names for names in tied_by_tensor.values() if len(names) > 1
                      for n in names}
    given = {n for n in parameters_and_buffers if n in tied_names_map}
    for name in given:
        tied = tied_names_map[name]
        if len(tied & given) > 1 and len({id(parameters_and_buffers[t]) for t in tied
                                          if t in parameters_and_buffers}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, "
                             "which are tied. Consider using tie_weights=False")
    untied = dict(parameters_and_buffers)
    for name in given:
        for tied_name in tied_names_map[name]:
            untied[tied_name] = parameters_and_buffers[name]
    return untied


def _owner(module, name: str):
    prefix, _, attr = name.rpartition(".")
    return module.get_submodule(prefix), attr


def _swap(module, values: dict) -> dict:
    """Put each tensor in its owner's _parameters/_buffers (or as a plain attribute);
    return what was there (absent names map to a marker)."""
    old = {}
    for name, value in values.items():
        owner, attr = _owner(module, name)
        for store in (owner._parameters, owner._buffers):
            if attr in store:
                old[name] = store[attr]
                store[attr] = value
                break
        else:
            old[name] = owner.__dict__.get(attr, _ABSENT)
            object.__setattr__(owner, attr, value)
    return old


def _restore(module, old: dict) -> None:
    for name, value in old.items():
        owner, attr = _owner(module, name)
        for store in (owner._parameters, owner._buffers):
            if attr in store:
                store[attr] = value
                break
        else:
            if value is _ABSENT:
                owner.__dict__.pop(attr, None)
            else:
                object.__setattr__(owner, attr, value)


_ABSENT = object()


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers: dict, tie_weights: bool = False,
                          strict: bool = False):
    values = (_untie_named_tensors_map(module, parameters_and_buffers) if tie_weights
              else parameters_and_buffers)
    if strict:
        expected = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        expected |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(expected - set(values))
        unexpected = sorted(set(values) - expected)
        error_msgs = []
        if unexpected:
            error_msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            error_msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if error_msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(error_msgs)))
    old = _swap(module, values)
    try:
        yield
    finally:
        _restore(module, old)


def _functional_call(module, parameters_and_buffers: dict, args: Any = None,
                     kwargs: dict | None = None, *, tie_weights: bool = True,
                     strict: bool = False):
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    for value in parameters_and_buffers.values():
        if not isinstance(value, Tensor) and value is not None:
            raise TypeError(f"functional_call expects tensors, got {type(value).__name__}")
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights,
                               strict=strict):
        return module(*args, **kwargs)


def functional_call(module, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced by the
    given tensors for this call only (tied names follow each other unless
    ``tie_weights=False``; ``strict`` requires exactly the module's names)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
