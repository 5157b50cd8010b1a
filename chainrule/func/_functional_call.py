"""Calling a module with other parameters and buffers: functional_call, stack_module_state,
and the functorch-era make_functional, make_functional_with_buffers,
combine_state_for_ensemble."""
from __future__ import annotations

import copy

from .._tensor import Tensor

__all__ = ["functional_call", "stack_module_state", "make_functional",
           "make_functional_with_buffers", "combine_state_for_ensemble",
           "FunctionalModule", "FunctionalModuleWithBuffers"]


def _owner(module, name):
    """(submodule, attribute name) of a dotted ``name``."""
    *path, attr = name.split(".")
    for p in path:
        module = getattr(module, p)
    return module, attr


def _merge(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    merged: dict = {}
    repeated = []
    for d in dicts:
        for k, v in d.items():
            if k in merged:
                repeated.append(k)
            merged[k] = v
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                         "functional call is ambiguous")
    return merged


def _tied_groups(module):
    """Names (all of them, duplicates too) of each tensor that several names share."""
    groups: dict = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        groups.setdefault(id(t), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """Run ``module`` with its parameters and buffers replaced by the given tensors
    (torch.func.functional_call); the module is restored afterwards.

    >>> import chainrule as torch
    >>> lin = torch.nn.Linear(2, 1)
    >>> params = {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}
    >>> torch.func.functional_call(lin, params, (torch.tensor([1., 2.]),))
    tensor([3.])
    """
    values = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        for names in _tied_groups(module):
            given = [n for n in names if n in values]
            if len(given) > 1 and any(values[n] is not values[given[0]] for n in given[1:]):
                raise ValueError(f"functional_call got multiple values for keys {given}, "
                                 "which are tied. Consider using tie_weights=False")
            if given:
                for n in names:
                    values.setdefault(n, values[given[0]])
    known = dict(module.named_parameters(remove_duplicate=False))
    known.update(module.named_buffers(remove_duplicate=False))
    if strict:
        missing = sorted(k for k in known if k not in values)  # (torch's order: sorted)
        unexpected = sorted(k for k in values if k not in known)
        if missing or unexpected:
            lines = []
            if unexpected:
                lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected)
                             + ".")
            if missing:
                lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + "\n\t".join(lines))
    swapped = []
    try:
        for name, value in values.items():
            owner, attr = _owner(module, name)
            for store in (owner._parameters, owner._buffers):
                if attr in store:
                    swapped.append((store, attr, store[attr]))
                    store[attr] = value
                    break
            else:
                if name not in known:
                    d = owner.__dict__
                    swapped.append((d, attr, d.get(attr, _ABSENT)))
                    d[attr] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for store, attr, old in reversed(swapped):
            if old is _ABSENT:
                del store[attr]
            else:
                store[attr] = old


_ABSENT = object()


def stack_module_state(models):
    """(params, buffers): each parameter and buffer of the ``models`` stacked along a new
    dim 0, for vmap over an ensemble (torch.func.stack_module_state)."""
    from ..ops.shape import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(pairs_of_models, detach_grad):
        out = {}
        for name in pairs_of_models[0]:
            ts = [p[name] for p in pairs_of_models]
            s = stack([t.detach() for t in ts])
            if detach_grad and ts[0].requires_grad:
                s.requires_grad_()
            out[name] = s
        return out
    params = stacked([dict(m.named_parameters()) for m in models], True)
    buffers = stacked([dict(m.named_buffers()) for m in models], False)
    return params, buffers


class FunctionalModule:
    """A module's forward as a function of its parameters (functorch's make_functional)."""

    def __init__(self, stateless, param_names, buffers=None, buffer_names=()):
        self.stateless_model = stateless
        self.param_names = tuple(param_names)
        self.buffer_names = tuple(buffer_names)
        self._buffers = buffers

    def __call__(self, params, *args, **kwargs):
        values = dict(zip(self.param_names, params))
        if self._buffers is not None:
            values.update(zip(self.buffer_names, self._buffers))
        return functional_call(self.stateless_model, values, args, kwargs)

    def __repr__(self) -> str:
        return f"FunctionalModule({self.stateless_model!r})"


class FunctionalModuleWithBuffers(FunctionalModule):
    """A module's forward as a function of its parameters and buffers."""

    def __call__(self, params, buffers, *args, **kwargs):
        values = dict(zip(self.param_names, params))
        values.update(zip(self.buffer_names, buffers))
        return functional_call(self.stateless_model, values, args, kwargs)


def _extract(model, disable_autograd_tracking):
    names, params = zip(*model.named_parameters()) if list(model.parameters()) else ((), ())
    if disable_autograd_tracking:
        params = tuple(p.detach() for p in params)
    return tuple(names), tuple(params)


def make_functional(model, disable_autograd_tracking: bool = False):
    """(fmodel, params): ``fmodel(params, *args)`` runs ``model`` with ``params``."""
    names, params = _extract(model, disable_autograd_tracking)
    bnames = tuple(n for n, _ in model.named_buffers())
    buffers = tuple(b for _, b in model.named_buffers())
    return FunctionalModule(copy.deepcopy(model), names, buffers, bnames), params


def make_functional_with_buffers(model, disable_autograd_tracking: bool = False):
    """(fmodel, params, buffers): ``fmodel(params, buffers, *args)``."""
    names, params = _extract(model, disable_autograd_tracking)
    bnames = tuple(n for n, _ in model.named_buffers())
    buffers = tuple(b for _, b in model.named_buffers())
    return FunctionalModuleWithBuffers(copy.deepcopy(model), names, None, bnames), params, \
        buffers


def combine_state_for_ensemble(models):
    """(fmodel, params, buffers) of an ensemble: parameters and buffers stacked along dim 0,
    ready for ``vmap(fmodel)(params, buffers, x)``."""
    models = list(models)
    if not models:
        raise RuntimeError("combine_state_for_ensemble: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("combine_state_for_ensemble: Expected all models to have the same "
                           "training/eval mode.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("combine_state_for_ensemble: Expected all models to be of the same "
                           "class.")
    fmodel, _, _ = make_functional_with_buffers(models[0])
    params, buffers = stack_module_state(models)
    return fmodel, tuple(params.values()), tuple(buffers.values())


del Tensor
