"""chainrule.autograd: backward, grad, grad modes, custom Functions and gradcheck."""
from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING

from . import forward_ad, functional, graph
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # autotools
from .grad_mode import (
    enable_grad,
    enforce_grad_layout_policy,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    is_multithreading_enabled,
    is_view_replay_enabled,
    kineto_available,
    no_grad,
    set_grad_enabled,
    set_multithreading_enabled,
)
from .graph import Node

if _TYPE_CHECKING:  # annotations only (Tensor imports autograd at run time)
    from collections.abc import Sequence

    from .._tensor import Tensor

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "gradcheck", "gradgradcheck",
           "Function", "graph", "Node", "forward_ad", "functional"]
__all__ += ["detect_anomaly", "set_detect_anomaly", "Variable"]  # autotools
__all__ += ["set_multithreading_enabled", "is_multithreading_enabled", "is_view_replay_enabled",
            "enforce_grad_layout_policy", "kineto_available", "has_torch_function",
            "handle_torch_function", "is_tensor_like"]


def _as_tuple(x):
    from .._tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_roots(outputs, grad_outputs, create_graph):
    """Root edges and root gradients, with torch's checks and messages."""
    from .._tensor import Tensor
    roots, grads = [], []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} "
                           f"gradients for {len(outputs)} outputs")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor as output {i}, got {type(out).__name__}")
        if out.grad_fn is not None:
            edge = (out.grad_fn, out._output_nr)
        elif out._rg and out._accumulator() is not None:
            edge = (out._accumulator(), 0)
        else:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fcV":
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
            xp = out.xp
            g = Tensor._make(xp.ones_like(out._data))
        elif not isinstance(g, Tensor):
            from .. import tensor as _tensor_fn
            g = _tensor_fn(g, dtype=out.dtype)
        if g._data.shape != out._data.shape:
            from .._size import Size
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{Size(g._data.shape)} and output[{i}] has a shape of "
                               f"{Size(out._data.shape)}.")
        roots.append(edge)
        grads.append(g if create_graph else g._data)
    return roots, grads


def backward(tensors: Tensor | Sequence[Tensor],
             grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables: Tensor | Sequence[Tensor] | None = None,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors`` (weighted by
    ``grad_tensors``) — torch.autograd.backward."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if create_graph:
        import warnings
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        for t in inputs:
            if not t._rg:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
    from .engine import run_backward
    roots, grads = _make_roots(tensors, grad_tensors, create_graph)
    run_backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)


def _grad_batched(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """``grad(is_grads_batched=True)``: the first dimension of each grad_output is a batch.
    As torch, one backward vmapped over the batch (the formulas run as tensor ops through
    the batching rules); a backward that vmap cannot batch (a formula reading its data)
    runs once per batch entry instead, stacked. The batched pass keeps the graph, so a
    later backward through it works where torch, with retain_graph=False, refuses."""
    from .. import stack, zeros_like
    from .._size import Size
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if grad_outputs is None or len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got "
                           f"{0 if grad_outputs is None else len(grad_outputs)} gradients for "
                           f"{len(outputs)} outputs")
    sizes = set()
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None or tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each "
                "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                "expected to match the shape of corresponding output, but a mismatch was "
                f"detected: grad_output[{i}] has a shape of "
                f"{Size(() if g is None else g.shape)} and output[{i}] has a shape of "
                f"{Size(o.shape)}. If you only want some tensors in `grad_output` to be "
                "considered batched, consider using vmap.")
        sizes.add(g.shape[0])
    if len(sizes) != 1:
        raise RuntimeError("is_grads_batched=True: every grad_output must have the same batch "
                           f"size (the first dimension), got {sorted(sizes)}")
    batch = sizes.pop()
    if retain_graph is None:
        retain_graph = create_graph
    batched = _vmapped_grads(outputs, inputs, grad_outputs, create_graph)
    if batched is not None:
        return _batched_result(batched, inputs, batch, allow_unused, materialize_grads)
    rows = [grad(outputs, inputs, tuple(g[b] for g in grad_outputs),
                 retain_graph=retain_graph or b < batch - 1, create_graph=create_graph,
                 allow_unused=True) for b in range(batch)]
    columns = [[row[i] for row in rows] for i in range(len(inputs))]
    batched = [None if all(g is None for g in column) else
               stack([g if g is not None else zeros_like(t) for g in column])
               for t, column in zip(inputs, columns)]
    return _batched_result(batched, inputs, batch, allow_unused, materialize_grads)


def _vmapped_grads(outputs, inputs, grad_outputs, create_graph):
    """Each input's batch of gradients (None where none arrives) from one vmapped backward,
    or None when vmap cannot batch this backward."""
    from ..func import vmap
    from ..func._vmap._batched import BatchedDataError
    used = []

    def one(*gs):
        gi = grad(outputs, inputs, gs, retain_graph=True, create_graph=True, allow_unused=True)
        used[:] = [g is not None for g in gi]
        return tuple(g for g in gi if g is not None)
    try:
        got = vmap(one)(*grad_outputs)
    except (BatchedDataError, NotImplementedError, TypeError, RuntimeError):
        return None
    it = iter(got if create_graph else [g.detach() for g in got])
    return [next(it) if u else None for u in used]


def _batched_result(batched, inputs, batch, allow_unused, materialize_grads):
    from .. import zeros_like
    result = []
    for i, (t, g) in enumerate(zip(inputs, batched)):
        if g is None:
            if materialize_grads:
                result.append(zeros_like(t).expand((batch,) + tuple(t.shape)).clone())
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        result.append(g)
    return tuple(result)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False
         ) -> tuple[Tensor, ...]:
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a vector-Jacobian product), returned
    rather than accumulated — torch.autograd.grad.

    >>> import chainrule as torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> torch.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    from .._tensor import Tensor
    from .engine import run_backward
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        return _grad_batched(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    from ._graph_utils import GradientEdge
    outputs = _as_tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, GradientEdge) else _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if isinstance(t, GradientEdge):  # the gradient flowing through that edge (torch's)
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"grad expects Tensors as inputs, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, grads = _make_roots(outputs, grad_outputs, create_graph)
    captured = run_backward(roots, grads, retain_graph=retain_graph,
                            create_graph=create_graph, inputs=inputs, accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                from .. import zeros_like
                result.append(zeros_like(t, requires_grad=create_graph))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g)
        else:
            from .engine import _asarray
            arr = _asarray(g)
            if isinstance(t, Tensor) and arr.dtype != t._data.dtype:
                arr = arr.astype(t._data.dtype)
            result.append(Tensor._make(arr))
    return tuple(result)


def __getattr__(name):
    # Heavier pieces load on first use, keeping `import chainrule` fast.
    if name in ("gradcheck", "gradgradcheck"):
        from . import _gradcheck as _gc
        return getattr(_gc, name)
    if name == "Function":
        from .function import Function
        return Function
    if name == "profiler":  # torch.autograd.profiler
        import importlib
        return importlib.import_module(".profiler", __name__)
    if name in ("has_torch_function", "handle_torch_function", "is_tensor_like"):
        from .. import overrides
        return getattr(overrides, name)
    if name == "Variable":  # autotools
        from .variable import Variable
        return Variable
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
