"""Module.state_dict / load_state_dict and their hooks, kept apart from module.py for size;
Module binds these functions as its methods (subclasses override ``_save_to_state_dict``
and ``_load_from_state_dict`` with torch's signatures, as BatchNorm does)."""
from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...utils.hooks import RemovableHandle
from ..parameter import Parameter, is_lazy
from ._hooks import _WrappedHook
from ._utils import _IncompatibleKeys

__all__ = ["load_state_dict", "state_dict"]

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


def get_extra_state(self) -> Any:
    """The extra state to save under ``<prefix>_extra_state`` (override with
    ``set_extra_state``)."""
    raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be "
                       "called. Please file an issue at https://github.com/pytorch/pytorch/"
                       "issues/new?template=bug-report.yml to report this bug.")


def set_extra_state(self, state: Any) -> None:
    """Restore what ``get_extra_state`` returned."""
    raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be "
                       "called. Please file an issue at https://github.com/pytorch/pytorch/"
                       "issues/new?template=bug-report.yml to report this bug.")


def _has_own(self, name: str) -> bool:
    from .module import Module
    return getattr(type(self), name, getattr(Module, name)) is not getattr(Module, name)


# ---------------------------------------------------------------------- hooks
def _register_state_dict_hook(self, hook: Callable) -> RemovableHandle:
    if getattr(hook, "_from_public_api", False):
        raise RuntimeError("Cannot register the same function as the state dict post hook that "
                           "was previously registered via register_state_dict_post_hook")
    handle = RemovableHandle(self._state_dict_hooks)
    self._state_dict_hooks[handle.id] = hook
    return handle


def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
    """``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict()``; it
    changes the dict in place and returns None."""
    hook._from_public_api = True
    handle = RemovableHandle(self._state_dict_hooks)
    self._state_dict_hooks[handle.id] = hook
    return handle


def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
    """``hook(module, prefix, keep_vars)`` before ``state_dict()``."""
    handle = RemovableHandle(self._state_dict_pre_hooks)
    self._state_dict_pre_hooks[handle.id] = hook
    return handle


def _register_load_state_dict_pre_hook(self, hook: Callable, with_module: bool = False
                                       ) -> RemovableHandle:
    handle = RemovableHandle(self._load_state_dict_pre_hooks)
    self._load_state_dict_pre_hooks[handle.id] = _WrappedHook(hook,
                                                              self if with_module else None)
    return handle


def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
    """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
    unexpected_keys, error_msgs)`` before this module loads its part of a state_dict."""
    return self._register_load_state_dict_pre_hook(hook, with_module=True)


def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
    """``hook(module, incompatible_keys)`` after ``load_state_dict`` loaded this module."""
    handle = RemovableHandle(self._load_state_dict_post_hooks)
    self._load_state_dict_post_hooks[handle.id] = hook
    return handle


# ---------------------------------------------------------------------- saving
def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
    for name, param in self._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in self._buffers.items():
        if buf is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()
    if _has_own(self, "get_extra_state"):
        destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()


def state_dict(self, *args, destination: dict | None = None, prefix: str = "",
               keep_vars: bool = False) -> dict:
    """An ordered dict of every parameter and persistent buffer, by dotted name
    (detached unless ``keep_vars``), with each module's ``_version`` in ``_metadata``."""
    if args:
        warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                      "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                      "#torch.nn.Module.state_dict for details.", FutureWarning, stacklevel=2)
        if destination is None:
            destination = args[0]
        if len(args) > 1 and prefix == "":
            prefix = args[1]
        if len(args) > 2 and keep_vars is False:
            keep_vars = args[2]
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    local_metadata = {"version": self._version}
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in self._state_dict_pre_hooks.values():
        hook(self, prefix, keep_vars)
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, module in self._modules.items():
        if module is not None:
            module.state_dict(destination=destination, prefix=prefix + name + ".",
                              keep_vars=keep_vars)
    for hook in self._state_dict_hooks.values():
        hook_result = hook(self, destination, prefix, local_metadata)
        if not getattr(hook, "_from_public_api", False):
            if hook_result is not None:
                destination = hook_result
        elif hook_result is not None:
            raise RuntimeError("state_dict post-hook must return None")
    return destination


# ---------------------------------------------------------------------- loading
def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                          strict: bool, missing_keys: list, unexpected_keys: list,
                          error_msgs: list) -> None:
    """Load this module's own parameters and buffers (not its children's) from
    ``state_dict``, collecting missing/unexpected keys and error messages."""
    for hook in self._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
             error_msgs)
    persistent = {k: v for k, v in self._buffers.items()
                  if k not in self._non_persistent_buffers_set}
    local_state = {k: v for k, v in (*self._parameters.items(), *persistent.items())
                   if v is not None}
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local_state.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        input_param = state_dict[key]
        if not isinstance(input_param, Tensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected '
                              "torch.Tensor or Tensor-like object from checkpoint but "
                              f"received {type(input_param)}")
            continue
        lazy = is_lazy(param)
        if (not lazy and param.ndim == 0 and input_param.ndim == 1
                and input_param.shape[0] == 1):
            input_param = input_param[0]
        if not lazy and input_param.shape != param.shape:
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{input_param.shape} from checkpoint, the shape in current "
                              f"model is {param.shape}.")
            continue
        try:
            with no_grad():
                if assign:
                    if isinstance(param, Parameter):
                        if not isinstance(input_param, Parameter):
                            input_param = Parameter(input_param,
                                                    requires_grad=param.requires_grad)
                        else:
                            input_param.requires_grad_(param.requires_grad)
                    setattr(self, name, input_param)
                else:
                    if param.is_meta and not input_param.is_meta:
                        warnings.warn(f"for {key}: copying from a non-meta parameter in the "
                                      "checkpoint to a meta parameter in the current model, "
                                      "which is a no-op. (Did you mean to pass `assign=True` "
                                      "to assign items in the state dictionary to their "
                                      "corresponding key in the module instead of copying "
                                      "them in place?)", stacklevel=2)
                    param.copy_(input_param)
        except Exception as ex:  # noqa: BLE001 - reported like torch, with the others
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                              f"in the model are {param.size()} and whose dimensions in the "
                              f"checkpoint are {input_param.size()}, an exception occurred : "
                              f"{ex.args}.")
    extra_state_key = prefix + _EXTRA_STATE_KEY_SUFFIX
    if _has_own(self, "set_extra_state"):
        if extra_state_key in state_dict:
            self.set_extra_state(state_dict[extra_state_key])
        elif strict:
            missing_keys.append(extra_state_key)
    elif strict and extra_state_key in state_dict:
        unexpected_keys.append(extra_state_key)
    if strict:
        for key in state_dict:
            if key.startswith(prefix) and key != extra_state_key:
                input_name = key[len(prefix):].split(".", 1)
                if len(input_name) > 1:
                    if input_name[0] not in self._modules:
                        unexpected_keys.append(key)
                elif input_name[0] not in local_state:
                    unexpected_keys.append(key)


def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                    assign: bool = False) -> _IncompatibleKeys:
    """Copy parameters and buffers from ``state_dict`` (or, with ``assign``, take its
    tensors as they are); with ``strict`` the keys must match exactly. Returns the
    missing and unexpected keys."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing_keys: list = []
    unexpected_keys: list = []
    error_msgs: list = []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata
    # iterative walk in torch's order: a module's own keys, then each child depth first
    stack = [(self, state_dict, "", 0)]
    pending_post = []
    while stack:
        module, local_state, prefix, depth = stack.pop()
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        while pending_post and pending_post[-1][1] >= depth:
            _run_load_post_hooks(pending_post.pop()[0], missing_keys, unexpected_keys)
        module._load_from_state_dict(local_state, prefix, local_metadata, True, missing_keys,
                                     unexpected_keys, error_msgs)
        pending_post.append((module, depth))
        children = []
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                children.append((child, {k: v for k, v in local_state.items()
                                         if k.startswith(child_prefix)}, child_prefix,
                                 depth + 1))
        stack.extend(reversed(children))
    while pending_post:
        _run_load_post_hooks(pending_post.pop()[0], missing_keys, unexpected_keys)
    if strict:
        if unexpected_keys:
            error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected_keys)))
        if missing_keys:
            error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing_keys)))
    if error_msgs:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            self.__class__.__name__, "\n\t".join(error_msgs)))
    return _IncompatibleKeys(missing_keys, unexpected_keys)


def _run_load_post_hooks(module, missing_keys: list, unexpected_keys: list) -> None:
    incompatible_keys = _IncompatibleKeys(missing_keys, unexpected_keys)
    for hook in module._load_state_dict_post_hooks.values():
        if hook(module, incompatible_keys) is not None:
            raise AssertionError("Hooks registered with ``register_load_state_dict_post_hook`` "
                                 "are not expected to return new values, if incompatible_keys "
                                 "need to be modified, it should be done inplace.")
