"""Activation checkpointing: ``torch.utils.checkpoint``.

``checkpoint(fn, *args)`` runs ``fn`` keeping none of its intermediate saved tensors and
runs it again during backward to get them back, trading compute for memory.

* ``use_reentrant=False`` (recommended): ``fn`` runs with grad mode on, so its graph is
  built as usual, but under saved-tensor hooks whose pack keeps only a small placeholder.
  The first unpack in backward reruns ``fn`` (same RNG state) and collects the values it
  saves, in order. Works with ``autograd.grad``, keyword arguments and inputs that need no
  gradient.
* ``use_reentrant=True``: ``fn`` runs under no_grad inside a custom Function; its
  backward reruns ``fn`` with grad on and backpropagates through the recomputed graph.
"""
from __future__ import annotations

import contextlib
import warnings

from .. import _generator
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "detach_variable", "check_backward_validity", "noop_context_fn",
           "set_checkpoint_debug_enabled", "set_checkpoint_early_stop"]

_debug_enabled = None


class CheckpointError(RuntimeError):
    pass


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    """Override checkpoint's ``debug`` flag for the duration of the context."""
    global _debug_enabled
    prev, _debug_enabled = _debug_enabled, enabled
    try:
        yield
    finally:
        _debug_enabled = prev


@contextlib.contextmanager
def set_checkpoint_early_stop(enable: bool):
    """Accepted for torch compatibility: chainrule always recomputes the whole function."""
    yield


def detach_variable(inputs):
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs) -> None:
    if not any(isinstance(inp, Tensor) and inp.requires_grad for inp in inputs):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=3)


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = _generator.get_rng_state()
        ctx.inputs = []
        ctx.tensor_indices = []
        tensor_inputs = []
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tensor_inputs.append(arg)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(arg)
        ctx.save_for_backward(*tensor_inputs)
        with no_grad():
            outputs = run_function(*args)
        return outputs

    @staticmethod
    def backward(ctx, *args):
        from ..autograd import backward as _backward
        from ..autograd.engine import _current_task
        task = _current_task.value
        if task is not None and task[2] is not None:  # autograd.grad / backward(inputs=)
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible"
                " with .grad() or passing an `inputs` parameter to .backward()."
                " To resolve this error, you can either set use_reentrant=False,"
                " or call .backward() without passing the `inputs` argument.")
        inputs = list(ctx.inputs)
        for i, idx in enumerate(ctx.tensor_indices):
            inputs[idx] = ctx.saved_tensors[i]
        with _generator.fork_rng(enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                _generator.set_rng_state(ctx.fwd_cpu_state)
            detached_inputs = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached_inputs)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        outputs_with_grad, args_with_grad = [], []
        for i in range(len(outputs)):
            if isinstance(outputs[i], Tensor) and outputs[i].requires_grad:
                outputs_with_grad.append(outputs[i])
                args_with_grad.append(args[i])
        if len(outputs_with_grad) == 0:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        _backward(outputs_with_grad, args_with_grad)
        grads = tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached_inputs)
        return (None, None) + grads


def checkpoint(function, *args, use_reentrant: bool | None = None,
               context_fn=noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate values; they are
    recomputed during backward.

    >>> import chainrule as torch
    >>> from chainrule.utils.checkpoint import checkpoint
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> checkpoint(lambda t: (t.sin() * t).sum(), x, use_reentrant=False).backward()
    >>> x.grad
    tensor([1.3818, 0.0770])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be "
            "passed explicitly. Starting in PyTorch 2.9, calling checkpoint "
            "without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check,
                                         args, kwargs)


class _Holder:
    """What the forward graph keeps for one saved tensor: its position in the run."""

    __slots__ = ("index", "__weakref__")

    def __init__(self, index):
        self.index = index


class _Frame:
    """One checkpointed call: how to rerun it and the values its rerun saved."""

    def __init__(self, recompute, check):
        self.recompute = recompute
        self.check = check
        self.metas = []        # (shape, dtype, device) per saved tensor, in forward order
        self.recomputed = {}   # index -> tensor, filled by a rerun, emptied as unpacked

    def pack(self, t):
        self.metas.append((tuple(t.shape), t.dtype, t.device))
        return _Holder(len(self.metas) - 1)

    def unpack(self, holder):
        if holder.index not in self.recomputed:
            self._rerun()
        return self.recomputed.pop(holder.index)

    def _rerun(self):
        got = []

        def pack(t):
            x = t.detach() if t.requires_grad else t
            got.append(x)
            return None

        with saved_tensors_hooks(pack, lambda _: None):
            self.recompute()
        if self.check and (len(got) != len(self.metas) or any(
                (tuple(x.shape), x.dtype, x.device) != m for x, m in zip(got, self.metas))):
            lines = [f"tensor at position {i}:\nsaved metadata: "
                     f"{{'shape': {m[0]}, 'dtype': {m[1]}, 'device': {m[2]}}}\n"
                     f"recomputed metadata: {{'shape': {tuple(x.shape)}, 'dtype': {x.dtype}, "
                     f"'device': {x.device}}}"
                     for i, (x, m) in enumerate(zip(got, self.metas))
                     if (tuple(x.shape), x.dtype, x.device) != m]
            if len(got) != len(self.metas):
                lines.append(f"{len(self.metas)} tensors were saved during the original "
                             f"forward and {len(got)} during recomputation")
            raise CheckpointError(
                "torch.utils.checkpoint: Recomputed values for the following tensors have "
                "different metadata than during the forward pass.\n" + "\n".join(lines))
        self.recomputed = dict(enumerate(got))


def _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, args,
                                  kwargs):
    fwd_rng = _generator.get_rng_state() if preserve else None
    forward_ctx, recompute_ctx = context_fn()

    def recompute():
        with _generator.fork_rng(enabled=preserve):
            if preserve:
                _generator.set_rng_state(fwd_rng)
            with enable_grad(), recompute_ctx:
                function(*args, **kwargs)

    frame = _Frame(recompute, determinism_check == "default")
    with saved_tensors_hooks(frame.pack, frame.unpack), forward_ctx:
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Checkpoint a sequential model in ``segments`` chunks (the last chunk runs normally)."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
            "parameter should be passed explicitly. "
            "In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is "
            "recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
