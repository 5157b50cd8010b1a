"""Module.state_dict / load_state_dict, kept apart from module.py for size; Module binds
these functions as its methods."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter
from ._utils import _IncompatibleKeys

__all__ = ["load_state_dict", "state_dict"]


def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
    for name, param in self._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in self._buffers.items():
        if buf is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()


def state_dict(self, *, destination: dict | None = None, prefix: str = "",
               keep_vars: bool = False) -> dict:
    """An ordered dict of every parameter and persistent buffer, by dotted name
    (detached unless ``keep_vars``)."""
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = {"version": self._version}
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, module in self._modules.items():
        if module is not None:
            module.state_dict(destination=destination, prefix=prefix + name + ".",
                              keep_vars=keep_vars)
    return destination


def _load_from_state_dict(self, state_dict: dict, prefix: str, strict: bool,
                          missing: list, unexpected: list, errors: list,
                          assign: bool) -> None:
    local = {k: v for k, v in self._parameters.items() if v is not None}
    local.update({k: v for k, v in self._buffers.items()
                  if v is not None and k not in self._non_persistent_buffers_set})
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            errors.append(f'While copying the parameter named "{key}", expected '
                          "torch.Tensor or Tensor-like object from checkpoint but "
                          f"received {type(value)}")
            continue
        if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
            value = value[0]
        if value.shape != param.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape "
                          f"{value.shape} from checkpoint, the shape in current model is "
                          f"{param.shape}.")
            continue
        try:
            with no_grad():
                if assign:
                    if isinstance(param, Parameter) and not isinstance(value, Parameter):
                        value = Parameter(value, requires_grad=param.requires_grad)
                    setattr(self, name, value)
                else:
                    param.copy_(value)
        except Exception as ex:  # noqa: BLE001 - reported like torch, with the others
            errors.append(f'While copying the parameter named "{key}", whose dimensions '
                          f"in the model are {param.shape} and whose dimensions in the "
                          f"checkpoint are {value.shape}, an exception occurred : "
                          f"{ex.args}.")
    if strict:
        for key in state_dict:
            if key.startswith(prefix):
                parts = key[len(prefix):].split(".", 1)
                if (parts[0] not in self._modules) if len(parts) > 1 else (
                        parts[0] not in local):
                    unexpected.append(key)


def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                    assign: bool = False) -> _IncompatibleKeys:
    """Copy parameters and buffers from ``state_dict``; with ``strict`` the keys must
    match exactly. Returns the missing and unexpected keys."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing: list = []
    unexpected: list = []
    errors: list = []

    def load(module, local_state, prefix=""):
        module._load_from_state_dict(local_state, prefix, True, missing, unexpected,
                                     errors, assign)
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                load(child, {k: v for k, v in local_state.items()
                             if k.startswith(child_prefix)}, child_prefix)

    load(self, dict(state_dict))
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(self).__name__, "\n\t".join(errors)))
    return _IncompatibleKeys(missing, unexpected)
