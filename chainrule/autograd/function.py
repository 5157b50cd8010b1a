"""Custom autograd Functions: ``class F(Function)`` with ``forward(ctx, ...)`` and
``backward(ctx, *grads)``, applied as ``F.apply(...)``, exactly as in torch.

The node recorded for ``F`` is ``FBackward``; its ``next_functions`` hold one edge per
Tensor argument of ``forward``. ``backward`` receives Tensors and runs with grad mode set to
``create_graph``, so a backward written with chainrule ops is itself differentiable.
"""
from __future__ import annotations

import functools
import weakref

from .._tensor import Tensor
from . import forward_ad as _fw
from ._saved_hooks import NodeHooks, current_hooks, pack_tensor, unpack_tensor
from .grad_mode import _tls, no_grad
from .graph import SAVED_FREED_MSG, ErrorNode, Node

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable",
           "InplaceFunction"]


class FunctionCtx:
    """The ``ctx`` passed to forward and backward: a place to save what backward needs."""

    def __init__(self):
        self._saved = None          # list of (tensor or None, version counter, version)
        self._freed = False
        self._node = None
        self._output_slots = {}     # index in _saved -> output number (saved outputs)
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._dirty = ()
        self._non_differentiable = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` for backward; they are checked for in-place changes on use."""
        saved = []
        for t in tensors:
            if t is None:
                saved.append((None, None, 0))
            elif not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{len(saved)} is of type {type(t).__name__}")
            else:
                vc = t._version_counter()
                saved.append((t, vc, vc[0]))
        self._saved = saved

    def save_for_forward(self, *tensors) -> None:
        """Keep ``tensors`` for the ``jvp`` staticmethod (forward mode), where
        ``saved_tensors`` returns them."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_forward expects all arguments to be tensors; but got "
                                f"an argument of type {type(t).__name__}.")
        self._forward_saved = tensors
        if self._saved is None:
            self.save_for_backward(*tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self.__dict__.get("_in_jvp"):
            return tuple(self._forward_saved)
        if self._freed:
            raise RuntimeError(SAVED_FREED_MSG)
        if self._saved is None:
            return ()
        out = []
        for i, (t, vc, version) in enumerate(self._saved):
            if t is None:
                out.append(None)
                continue
            if t.__class__ is _PackedOne:
                out.append(unpack_tensor(t.packed, t.unpack))
                continue
            node = self._node() if self._node is not None else None
            if vc[0] != version:
                from ..ops._registry import _modified_error
                raise _modified_error(node, t, i in self._output_slots, vc[0], version,
                                      self._output_slots.get(i, 0))
            if i in self._output_slots and node is not None:
                t = Tensor._make(t._data, True, node, self._output_slots[i])
            out.append(t)
        return tuple(out)

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (indices, masks)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class _PackedOne:
    """A tensor saved by a custom Function through saved_tensors_hooks."""

    __slots__ = ("packed", "unpack")

    def __init__(self, packed, unpack):
        self.packed, self.unpack = packed, unpack


class BackwardCFunction(Node):
    """The node of a custom Function; one subclass per Function, named ``<Name>Backward``."""

    __slots__ = ("ctx", "_input_shapes", "_tensor_positions", "_num_outputs", "_out_meta")
    _function = None

    @property
    def num_outputs(self):
        return self._num_outputs

    # torch's node is the ctx itself: what forward put on ctx reads off the node
    @property
    def _forward_cls(self):
        return self._function

    to_save = non_differentiable = dirty_tensors = None  # torch clears these after forward

    @property
    def saved_variables(self) -> tuple:
        import warnings
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'",
                      DeprecationWarning, stacklevel=2)
        return self.ctx.saved_tensors

    def __getattr__(self, name):  # only reached for a missing attribute
        if name == "materialize_grads":
            raise AttributeError("attribute 'materialize_grads' of 'torch._C._FunctionBase' "
                                 "objects is not readable")
        if name != "ctx" and name[:2] != "__":
            try:
                ctx = object.__getattribute__(self, "ctx")
            except AttributeError:
                ctx = None
            if ctx is not None and (name == "saved_tensors" or name in ctx.__dict__
                                    or hasattr(type(ctx), name)):
                return getattr(ctx, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        names = ["saved_tensors", "saved_variables", "needs_input_grad", "to_save",
                 "materialize_grads", "_forward_cls", "non_differentiable", "dirty_tensors",
                 "mark_dirty", "mark_non_differentiable", "save_for_backward",
                 "save_for_forward", "set_materialize_grads"]
        ctx = getattr(self, "ctx", None)
        if ctx is not None:
            names += [n for n in ctx.__dict__ if not n.startswith("_")]
        return sorted(set(super().__dir__()) | set(names))

    def _release(self) -> None:
        self.ctx._freed = self.ctx._saved is not None and len(self.ctx._saved) > 0

    def apply(self, grads, create_graph, retain_graph=True):
        out = self._apply(grads, create_graph)
        if not retain_graph:
            self._release()
        return out

    def _apply(self, grads, create_graph):
        ctx = self.ctx
        args = []
        for g, (shape, dtype) in zip(grads, self._out_meta):
            if g is None:
                if ctx.materialize_grads:
                    from .._creation import zeros
                    g = zeros(shape, dtype=dtype)
            elif not isinstance(g, Tensor):
                g = Tensor._make(g if hasattr(g, "shape") and hasattr(g, "flags")
                                 else _asarray(g))
            args.append(g)
        result = self._function.backward(ctx, *args)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self._tensor_positions_all)
        if len(result) != n_inputs:
            if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
                result = result[:n_inputs]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n_inputs}, got {len(result)})")
        out = []
        for k, pos in enumerate(self._tensor_positions):
            g = result[pos]
            if g is None or self._fns[k] is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__}) "
                                   f"(chainrule: gradient {pos} returned by {self.name()})")
            shape = self._input_shapes[k]
            if tuple(g.shape) != shape:
                try:
                    from ..ops._broadcast import sum_to_shape
                    g = sum_to_shape(g, shape)
                    if tuple(g.shape) != shape:
                        raise ValueError
                except (ValueError, RuntimeError, IndexError):
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at "
                                       f"index {pos} - got {list(result[pos].shape)} but "
                                       f"expected shape compatible with {list(shape)}") from None
            out.append(g if create_graph else g._data)
        return out

    @property
    def _tensor_positions_all(self):
        return range(self._n_args)


def _asarray(g):
    from ..backend import numpy_namespace as xp
    return xp.asarray(g)


class FunctionMeta(type):
    """Gives each Function subclass its own backward node class, made once."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,),
                                 {"__slots__": ("_n_args",), "_function": cls})


TRANSFORM_HOOK = [None]  # chainrule.func's check for Functions under its transforms


class Function(metaclass=FunctionMeta):
    """Base class for custom differentiable operations.

    >>> import chainrule as torch
    >>> class Cube(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor(12.)
    """

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method.")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode: the output tangents from the input tangents (``grad_inputs``)."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    generate_vmap_rule = False  # True: vmap runs forward on the batched inputs

    @staticmethod
    def vmap(info, in_dims, *args):
        """The batching rule: ``(output, out_dims)`` from the inputs' physical tensors and
        their batch dims (``in_dims``, None where unbatched); ``info`` has ``batch_size`` and
        ``randomness``."""
        raise NotImplementedError("To use autograd.Function with vmap, you must either "
                                  "override the vmap staticmethod or set "
                                  "generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        new_style = cls.setup_context is not Function.setup_context
        if TRANSFORM_HOOK[0] is not None:  # under vmap / grad / jvp (chainrule.func)
            result = TRANSFORM_HOOK[0](cls, args, kwargs, new_style)
            if result is not NotImplemented:
                return result
        ctx = FunctionCtx()
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx.needs_input_grad = needs
        fw_tangents = _fw.input_tangents(args) if _fw._STATE.level >= 0 else None
        fargs = args if fw_tangents is None else _fw.primals(args)  # forward sees primals
        with no_grad(), _fw.primal_only(fw_tangents is not None):
            if new_style:
                output = cls.forward(*fargs, **kwargs)
                cls.setup_context(ctx, fargs, output)
            else:
                output = cls.forward(ctx, *fargs, **kwargs)
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        for t in ctx._dirty:
            if not any(t is o for o in outputs):
                raise RuntimeError("Some elements marked as dirty during the forward method were "
                                   "not returned as output. The inputs that are modified inplace "
                                   "must all be outputs of the Function.")
        if not (_tls.grad_enabled and any(needs)):
            for t in ctx._dirty:
                t._bump_version()
            if fw_tangents is not None:  # forward mode: the Function's jvp
                _fw.function_jvp(cls, ctx, fw_tangents, outputs)
            return output
        for t in ctx._dirty:
            if t._rg and t.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad has been used in "
                                   "an in-place operation." if t._base is not None else
                                   "a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
        edges = tuple(_edge(args[i]) for i in tensor_positions)  # before the node's seq
        node = cls._backward_cls()
        if NodeHooks.anomaly:
            from .anomaly_mode import record_traceback
            record_traceback(node)
        node.ctx = ctx
        node._n_args = len(args)
        ctx._node = weakref.ref(node)  # node -> ctx is the strong direction (no cycle)
        node.next_functions = edges
        node._tensor_positions = tensor_positions
        node._input_shapes = [tuple(args[i].shape) for i in tensor_positions]
        node._num_outputs = len(outputs)
        node._out_meta = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None)
                          for o in outputs]
        dirty = {id(t) for t in ctx._dirty}
        non_diff = {id(t) for t in ctx._non_differentiable}
        wired = []
        for nr, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                wired.append(o)
                continue
            if id(o) in non_diff:
                wired.append(o)
                continue
            if id(o) in dirty:  # modified in place: the node becomes its history
                from ..ops._views import rebase_history, view_error
                if o._view_meta is not None:
                    raise view_error(o, o._view_meta, indirect=False)
                rebase_history(o, node, nr)
                o._bump_version()
                wired.append(o)
                continue
            if any(o is a for a in args) or o._base is not None:
                from ..ops._views import CUSTOM, track_views
                if any(o is a for a in args):  # an input returned as-is: a view of it
                    src = o
                    o = Tensor._make(src._data)
                    track_views(src, (o,), False)
                o._view_meta = CUSTOM  # torch forbids modifying it in place
                o._no_grad_view = False
            if o._data.dtype.kind in "fcV":
                o._rg = True
                o.grad_fn = node
                o._output_nr = nr
            wired.append(o)
        if ctx._saved:
            # A saved output is kept as a plain alias (same data and version counter), not
            # the output itself: output -> node -> ctx -> output would be a reference cycle.
            for i, (t, vc, version) in enumerate(ctx._saved):
                for nr, o in enumerate(outputs):
                    if t is not None and t is o:
                        ctx._output_slots[i] = nr
                        alias = Tensor._make(t._data)
                        alias._vc = vc
                        ctx._saved[i] = (alias, vc, version)
                        break
            if NodeHooks.active and current_hooks() is not None:
                _pack_saved(ctx, wired, current_hooks())
        if fw_tangents is not None:  # forward mode: the Function's jvp
            _fw.function_jvp(cls, ctx, fw_tangents, wired)
        return tuple(wired) if is_tuple else wired[0]


class InplaceFunction(Function):
    """Kept for backward compatibility (torch's): a Function that may work in place."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


def _pack_saved(ctx, wired, hooks) -> None:
    """saved_tensors_hooks: each saved tensor (a saved output as the wired output, as torch
    hands it to pack) is replaced by what pack returns."""
    for i, (t, _, _) in enumerate(ctx._saved):
        if t is None:
            continue
        if i in ctx._output_slots:
            t = wired[ctx._output_slots[i]]
        ctx._saved[i] = (_PackedOne(*pack_tensor(t, hooks)), None, 0)


def _edge(t):
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._rg:
        return (t._accumulator(), 0)
    return (None, 0)


def once_differentiable(fn):
    """Run ``backward`` without recording; under create_graph, when a gradient flowing in
    requires grad, the results hang off a node that raises if differentiated (torch's
    DelayedError)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _tls.grad_enabled:
            return outputs
        if not any(isinstance(a, Tensor) and a._rg for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        fakes = []
        for o in outs:
            if isinstance(o, Tensor):
                o = o.detach()
                o.requires_grad = True
            fakes.append(o)
        edges = [(f._accumulator(), 0) if isinstance(f, Tensor) else (None, 0) for f in fakes]
        err = ErrorNode(RuntimeError("trying to differentiate twice a function that was marked "
                                     "with @once_differentiable"), edges, len(fakes))
        wrapped = tuple(Tensor._make(f._data, True, err, i) if isinstance(f, Tensor) else f
                        for i, f in enumerate(fakes))
        return wrapped if is_tuple else wrapped[0]
    return wrapper
