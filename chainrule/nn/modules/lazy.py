"""``LazyModuleMixin``: modules whose parameter shapes come from their first input.

A lazy module holds UninitializedParameters (and UninitializedBuffers) until its first
forward, when ``initialize_parameters(input)`` materialises them and the module turns into
its ``cls_to_become`` (LazyLinear becomes Linear). Loading a state_dict materialises them
from the checkpoint's shapes first.
"""
from __future__ import annotations

import itertools
from typing import Any

from ...autograd.grad_mode import no_grad
from ..parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mix in before the module class; subclasses define ``initialize_parameters``."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                                   with_kwargs=True)
        except TypeError:  # a Module without with_kwargs: the hook gets (module, args)
            self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        # An uninitialised parameter is saved as itself (it cannot be detached).
        for name, param in self._parameters.items():
            if param is not None:
                if not (is_lazy(param) or keep_vars):
                    param = param.detach()
                destination[prefix + name] = param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                if not (is_lazy(buf) or keep_vars):
                    buf = buf.detach()
                destination[prefix + name] = buf

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # Materialise each lazy tensor to the checkpoint's shape, then load as usual.
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                input_param = state_dict[key]
                if not is_lazy(input_param):
                    with no_grad():
                        param.materialize(tuple(input_param.shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer is still uninitialised."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        kwargs = kwargs if kwargs else {}
        module.initialize_parameters(*args, **kwargs)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        delattr(module, "_initialize_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           "`DataParallel`. Run a dummy forward pass to correctly initialize "
                           "the modules")
