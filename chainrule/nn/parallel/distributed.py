"""``DistributedDataParallel``: data-parallel training over ``chainrule.distributed``.

Every rank holds a replica of the module and runs it on its shard of the batch; at
construction rank 0's parameters and buffers are broadcast to all; during backward the
gradients are averaged across ranks in buckets whose all-reduces overlap the rest of
backward (see ``_reducer``), so after ``backward`` every replica holds the same averaged
``.grad`` and an optimizer step keeps the replicas equal."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from ..modules.module import Module
from ._reducer import Reducer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Wraps ``module`` for data-parallel training across the ranks of ``process_group``
    (the default group when None): torch's arguments and behaviour. ``device_ids`` and
    ``output_device`` must be None (chainrule runs on the CPU); ``state_dict`` keys carry
    torch's ``module.`` prefix (load into the bare module through ``ddp.module``)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool | None = None, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params: bool = False, bucket_cap_mb_list=None,
                 batched_grad_copy: bool = False, forward_sync_buffers: bool | None = None):
        super().__init__()
        try:
            from ... import distributed as dist
        except ImportError:
            dist = None
        if process_group is None:
            if dist is None or not (dist.is_available() and dist.is_initialized()):
                raise ValueError("Default process group has not been initialized, please "
                                 "make sure to call init_process_group.")
            process_group = dist.group.WORLD
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        params = [p for _, p in named]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 0 or output_device is not None:
            devices = ", ".join(sorted({f"device(type='{p.device.type}')"
                                        for p in module.parameters()}))
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work "
                "with single-device/multiple-device GPU modules or CPU modules, but got "
                f"device_ids {list(device_ids) if device_ids is not None else None}, "
                f"output_device {output_device}, and module parameters {{{devices}}}.")
        unsupported = {"mixed_precision": mixed_precision, "device_mesh": device_mesh,
                       "delay_all_reduce_named_params": delay_all_reduce_named_params,
                       "param_to_hook_all_reduce": param_to_hook_all_reduce,
                       "bucket_cap_mb_list": bucket_cap_mb_list}
        for name, value in unsupported.items():
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel({name}=...) is not "
                                          "supported by chainrule")
        self.module = module
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.process_group = process_group
        self.broadcast_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = False
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap_default = bucket_cap_mb is None
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb)
                                    * 1024 * 1024)
        self.broadcast_bucket_size = int(250 * 1024 * 1024)
        self.modules_buffers = list(module.buffers())
        self._dist = dist
        if init_sync:
            _check_same_model(dist, process_group, module)
            self._broadcast_states([*module.parameters(), *module.buffers()])
        self.reducer = Reducer(params, process_group, self.bucket_bytes_cap,
                               find_unused_parameters, gradient_as_bucket_view, static_graph,
                               names=[n for n, _ in named])
        if static_graph:
            self._set_static_graph()

    def _set_static_graph(self) -> None:
        """torch's ``_set_static_graph``: the graph is the same every iteration (chainrule
        then skips the unused-parameter search, as torch does)."""
        self.static_graph = True
        self.reducer.static_graph = True

    # -- state sync ---------------------------------------------------------------------
    def _broadcast_states(self, tensors) -> None:
        """Overwrite ``tensors`` with rank 0's values: one broadcast per dtype (torch
        coalesces the same way)."""
        if not tensors or self._dist.get_world_size(self.process_group) == 1:
            return
        from ... import cat, no_grad
        from ._reducer import _group_rank0
        src = _group_rank0(self._dist, self.process_group)
        by_dtype: dict = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        with no_grad():
            for group in by_dtype.values():
                flat = cat([t.detach().reshape(-1) for t in group])
                self._dist.broadcast(flat, src=src, group=self.process_group)
                offset = 0
                for t in group:
                    n = t.numel()
                    t.copy_(flat[offset: offset + n].view(t.shape))
                    offset += n

    def will_sync_module_buffers(self) -> bool:
        return (self.require_forward_param_sync and self.broadcast_buffers
                and len(self.modules_buffers) > 0)

    def _sync_buffers(self) -> None:
        self._broadcast_states(list(self.module.buffers()))

    # -- forward --------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        from ...autograd.grad_mode import is_grad_enabled
        grad = is_grad_enabled()
        if grad:
            self.reducer.rebuild_buckets()
        if self.will_sync_module_buffers():
            self._sync_buffers()
        output = self.module(*inputs, **kwargs)
        if grad and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            if self.find_unused_parameters and not self.static_graph:
                self.reducer.prepare_for_backward(list(_find_tensors(output)))
            else:
                self.reducer.prepare_for_backward([])
        else:
            self.require_forward_param_sync = False
        return output

    @contextmanager
    def no_sync(self):
        """Inside, backward accumulates local gradients without all-reducing them; the
        first backward after the block averages the accumulated sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def join(self, divide_by_initial_world_size: bool = True, enable: bool = True,
             throw_on_early_termination: bool = False):
        """Uneven inputs across ranks (torch's ``Join``) are not supported."""
        raise NotImplementedError("DistributedDataParallel.join (uneven inputs) is not "
                                  "supported by chainrule; give every rank the same number "
                                  "of batches (DistributedSampler does).")

    def register_comm_hook(self, state: object, hook) -> None:
        raise NotImplementedError("DistributedDataParallel.register_comm_hook is not "
                                  "supported by chainrule.")


def _find_tensors(obj):
    """The tensors in a forward's output (nested lists, tuples, dicts), iteratively."""
    from ..._tensor import Tensor
    stack, found = [obj], []
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            found.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    return found


def _check_same_model(dist, group, module) -> None:
    """torch's ``_verify_param_shape_across_processes``: every rank wraps the same model
    (the same number of parameters everywhere, each shaped as on rank 0)."""
    from ... import int64, no_grad, tensor
    world = dist.get_world_size(group)
    if world == 1:
        return
    shapes = [tuple(p.shape) for p in module.parameters()]

    def gather(values):
        mine = tensor(values, dtype=int64)
        out = [mine.clone() for _ in range(world)]
        dist.all_gather(out, mine, group=group)
        return [t.tolist() for t in out]

    with no_grad():
        rank = dist.get_rank(group)
        counts = gather([len(shapes), max([len(s) for s in shapes] or [0])])
        for r, (n, _) in enumerate(counts):
            if n != len(shapes):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} "
                                   f"has {len(shapes)} params, while rank {r} has "
                                   f"inconsistent {n} params.")
        width = 1 + max(nd for _, nd in counts)
        flat = []
        for s in shapes:
            flat += [len(s), *s] + [-1] * (width - 1 - len(s))
        everyone = gather(flat)
    decoded = [[tuple(f[k * width + 1: k * width + 1 + f[k * width]])
                for k in range(len(shapes))] for f in everyone]
    for i, (a, b) in enumerate(zip(shapes, decoded[0])):
        if a != b:
            raise RuntimeError(f"[{rank}]: params[{i}] in this process with sizes {list(a)} "
                               "appears not to match sizes of the same param in process 0.")
    for r, theirs in enumerate(decoded):  # the other ranks fail too, rather than hang
        for i, (a, b) in enumerate(zip(theirs, decoded[0])):
            if a != b:
                raise RuntimeError(f"[{rank}]: params[{i}] in process {r} with sizes "
                                   f"{list(a)} appears not to match sizes of the same param "
                                   f"in process 0.")
