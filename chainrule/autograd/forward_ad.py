"""Forward-mode AD: dual tensors (torch.autograd.forward_ad).

Inside a ``dual_level`` a tensor may carry a *tangent* (``make_dual``); every op run on
it gives its outputs the Jacobian-vector product as their tangent, read back with
``unpack_dual``::

    >>> import chainrule as torch
    >>> import chainrule.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]))
    ...     y = x.sin() * 2
    ...     fwAD.unpack_dual(y).tangent
    tensor([2.0000, 1.0806])

How it runs: entering a level installs a hook at the one dispatch point
(``ops._dispatch.interceptor``), so outside a level ops pay nothing. The hook runs the op
as usual, then, when an input has a tangent, the op's JVP (``ops/_jvp.py`` picks the
rule: the op's own ``jvp``, the op itself for linear ops and views, or the exact generic
rule from the op's backward). Tangents live on the tensors (``_fw_tangent``) and are
removed when the level is left. A view's tangent is the same view of its base's tangent,
so in-place updates through views keep every tangent in step.
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

from .grad_mode import _DecoratorContextManager

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]


class _State:
    """The one forward-AD level (torch supports no nesting), or -1."""

    level = -1
    previous = None   # the interceptor that was installed when the level was entered
    hooks = None      # ops._dispatch.interceptor (imported once: an import costs ~0.1 ms)
    duals: list = []  # weakrefs of the tensors given a tangent at this level


_STATE = _State
_NO_TANGENT = False   # marks unpack_dual's primal: never a dual, even as a view of one


def enter_dual_level() -> int:
    """Enter a new forward grad level (returns it) and make it the default for
    ``make_dual`` and ``unpack_dual``."""
    from ..ops._dispatch import interceptor
    if _STATE.level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _STATE.hooks = interceptor
    _STATE.level = 0
    _STATE.duals = []
    _STATE.previous = interceptor.current
    from ..ops._jvp import intercept
    from ..ops._jvp_rules import apply
    apply()
    interceptor.current = intercept
    return 0


def exit_dual_level(*, level=None) -> None:
    """Exit the forward grad level, deleting every tangent made at it."""
    interceptor = _STATE.hooks
    if level is None:
        level = _STATE.level
    if level != _STATE.level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    if level < 0:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    for ref in _STATE.duals:
        t = ref()
        if t is not None:
            t.__dict__.pop("_fw_tangent", None)
            t.__dict__.pop("_fw_out_tangents", None)
    _STATE.duals = []
    interceptor.current = _STATE.previous
    _STATE.previous = None
    _STATE.level = -1


class dual_level(_DecoratorContextManager):
    """Context manager (and decorator) for forward AD: computations with dual tensors
    happen inside it, and their tangents are deleted when it exits.

    >>> import chainrule as torch
    >>> import chainrule.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     out = fwAD.make_dual(torch.tensor([1.0]), torch.tensor([3.0])) ** 2
    ...     tangent = fwAD.unpack_dual(out).tangent
    >>> tangent, fwAD.unpack_dual(out).tangent
    (tensor([6.]), None)
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        exit_dual_level()


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal and its tangent (None when it has none)."""

    primal: object
    tangent: object


def _float_or_complex(t) -> bool:
    return t._data.dtype.kind in "fcV"


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (kept as is) as its forward gradient.

    Differentiable for reverse mode, like the view it is.
    """
    from .._tensor import Tensor
    if level is None:
        level = _STATE.level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if not _float_or_complex(tensor):
        raise ValueError("Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not isinstance(tangent, Tensor):
        raise AttributeError(f"'{type(tangent).__name__}' object has no attribute "
                             "'is_floating_point'")
    if not _float_or_complex(tangent):
        raise ValueError("Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if level != _STATE.level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tangent_of(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {level} is not supported.")
    if tuple(tangent._data.shape) != tuple(tensor._data.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than "
                           "that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor._data.shape)} while the given forward gradient "
                           f"is of size {list(tangent._data.shape)}.")
    dual = _untraced(lambda: tensor.view(tuple(tensor._data.shape)))
    if _element_strides(tangent) != _element_strides(tensor):
        # kept as is only with the primal's layout (so views of the dual map onto it)
        from ..ops._jvp import _laid_out_like
        tangent = _laid_out_like(tensor, tangent)
    set_tangent(dual, tangent)
    return dual


def _element_strides(t) -> tuple:
    d = t._data
    return tuple(s // d.itemsize for n, s in zip(d.shape, d.strides) if n > 1)


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor: the primal is a view of ``tensor`` that is
    no dual, the tangent is ``tensor``'s forward gradient as is (None outside a level or
    for a tensor without one)."""
    from .._tensor import Tensor
    if level is None:
        level = _STATE.level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    if not isinstance(tensor, Tensor):
        raise TypeError("_unpack_dual(): argument 'dual' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    tangent = tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    from ..ops._jvp import UNPACK_PRIMAL, dispatch
    primal = _untraced(lambda: dispatch(UNPACK_PRIMAL, (tensor,)))
    primal.__dict__["_fw_tangent"] = _NO_TANGENT
    return UnpackedDualTensor(primal, tangent)


# ---------------------------------------------------------------------------- internals
def _untraced(fn):
    """Run ``fn`` with the forward-AD hook off (the ops it runs make no tangents)."""
    interceptor = _STATE.hooks
    saved = interceptor.current
    interceptor.current = _STATE.previous
    try:
        return fn()
    finally:
        interceptor.current = saved


def tangent_of(t):
    """``t``'s tangent at the current level, or None; a view without a tangent of its own
    has the same view of its base's tangent."""
    if _STATE.level < 0:
        return None
    d = t.__dict__
    tangent = d.get("_fw_tangent")
    if tangent is not None:
        return tangent if tangent is not _NO_TANGENT else None
    base = t._base
    if base is None:
        return None
    base_tangent = base.__dict__.get("_fw_tangent")
    if base_tangent is None or base_tangent is _NO_TANGENT:
        return None
    return _untraced(lambda: view_of_tangent(t, base, base_tangent))


def view_of_tangent(view, base, base_tangent):
    """The view of ``base_tangent`` that ``view`` is of ``base``."""
    vd, bd = view._data, base._data
    if base_tangent._data.strides != bd.strides:
        raise RuntimeError("forward AD: the tangent of a base does not share its layout, "
                           "so the tangent of its view cannot be formed")
    item = bd.itemsize
    offset = (_address(vd) - _address(bd)) // item
    strides = tuple(s // item for s in vd.strides)
    return base_tangent.as_strided(tuple(vd.shape), strides,
                                   base_tangent.storage_offset() + offset)


def _address(a) -> int:
    return a.__array_interface__["data"][0]


def set_node_tangent(node, nr: int, tangent) -> None:
    """Remember the tangent of ``node``'s output ``nr`` (for a saved output, seen again by
    a create_graph backward)."""
    d = node.__dict__
    if "_fw_out_tangents" not in d:
        d["_fw_out_tangents"] = {}
        _STATE.duals.append(weakref.ref(node))
    d["_fw_out_tangents"][nr] = tangent


def set_tangent(t, tangent) -> None:
    """Give ``t`` its tangent at the current level."""
    t.__dict__["_fw_tangent"] = tangent
    _STATE.duals.append(weakref.ref(t))


# ---------------------------------------------------------------------------- custom Function
class primal_only:
    """Run a custom Function's forward on primals (its ``jvp`` gives the tangents)."""

    def __init__(self, active: bool):
        self.active = active

    def __enter__(self):
        if self.active:
            interceptor = _STATE.hooks
            self.saved = interceptor.current
            interceptor.current = _STATE.previous

    def __exit__(self, *exc):
        if self.active:
            _STATE.hooks.current = self.saved


def input_tangents(args):
    """The tangents ``jvp`` receives (zeros for a tensor without one, None for a
    non-tensor), or None when no input is a dual."""
    from .._tensor import Tensor
    tangents = [tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return None
    return [t if t is not None or not isinstance(a, Tensor) else
            _untraced(lambda a=a: a.detach().new_zeros(a.shape))
            for a, t in zip(args, tangents)]


def function_jvp(cls, ctx, tangents, outputs) -> None:
    """Give a custom Function's outputs the tangents its ``jvp`` staticmethod returns."""
    from .._tensor import Tensor
    from .function import Function
    if cls.jvp is Function.jvp:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")
    ctx._in_jvp = True
    try:
        result = _untraced(lambda: cls.jvp(ctx, *tangents))
    finally:
        ctx._in_jvp = False
    results = result if isinstance(result, tuple) else (result,)
    if len(results) != len(outputs):
        raise RuntimeError(f"jvp() returned an incorrect number of tangents (expected "
                           f"{len(outputs)}, got {len(results)})")
    for o, t in zip(outputs, results):
        if isinstance(o, Tensor) and t is not None and o._data.dtype.kind in "fcV":
            if tuple(t.shape) != tuple(o.shape):
                raise RuntimeError(f"Function {cls.__name__} returned an invalid tangent: "
                                   f"expected shape {list(o.shape)}, got {list(t.shape)}")
            set_tangent(o, t)


def primals(args):
    """``args`` with each dual replaced by its primal (what a custom forward sees)."""
    from .._tensor import Tensor
    return tuple(unpack_dual(a).primal if isinstance(a, Tensor) and tangent_of(a) is not None
                 else a for a in args)
