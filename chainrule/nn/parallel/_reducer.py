"""DistributedDataParallel's reducer: gradient buckets and their all-reduces.

Parameters are grouped into buckets (torch's ``compute_bucket_assignment_by_size``); each
bucket owns one flat buffer, and a parameter's slot in it is a view. A post-accumulate-grad
hook on every parameter copies its gradient, divided by the world size, into its slot; when
a bucket's last gradient is in, the bucket's non-blocking all-reduce (SUM) starts, in bucket
order on every rank (MPI needs the same order of collectives everywhere), so communication
overlaps the rest of backward. A callback queued with the engine runs when backward ends:
it waits for the all-reduces and copies the averaged slots back into ``.grad`` (with
``gradient_as_bucket_view`` the ``.grad`` are the slots themselves).

As in torch, buckets are first built in parameter order and reduced in reverse (the last
layers' gradients arrive first); without ``find_unused_parameters`` the first iteration
uses one bucket and the buckets are rebuilt once, from the order the gradients arrived in
(the first ``bucket 1 MiB``, the rest ``bucket_cap_mb``), with rank 0's order taken by all.
"""
from __future__ import annotations

import sys
import time
import weakref

__all__ = ["DEFAULT_FIRST_BUCKET_BYTES", "Reducer", "compute_bucket_assignment_by_size"]

DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed._DEFAULT_FIRST_BUCKET_BYTES


def compute_bucket_assignment_by_size(tensors, bucket_size_limits, tensor_indices=None):
    """torch's ``_compute_bucket_assignment_by_size``: group ``tensors`` (in list order;
    ``tensor_indices[i]``, when given, is the index recorded for ``tensors[i]``) into buckets
    of one dtype and device each, closing a bucket once it holds ``limit`` bytes; the limits
    are used in turn per dtype/device, the last one repeating. Returns ``(bucket index
    lists, each bucket's limit)``: sorted by smallest index without ``tensor_indices``;
    with them, closed buckets in closing order, then the open ones (torch's hash-map order:
    the latest dtype/device seen first)."""
    if not bucket_size_limits:
        raise RuntimeError("Expected at least one bucket size limit.")
    open_buckets: dict = {}   # (dtype, device) -> [indices, size, limit position]
    result = []
    for i, t in enumerate(tensors):
        index = i if tensor_indices is None else tensor_indices[i]
        key = (t.dtype, str(t.device))
        acc = open_buckets.get(key)
        if acc is None:
            acc = open_buckets[key] = [[], 0, 0]
        acc[0].append(index)
        acc[1] += t.numel() * t.element_size()
        limit = bucket_size_limits[acc[2]]
        if acc[1] >= limit:
            result.append((acc[0], limit))
            acc[:] = [[], 0, min(acc[2] + 1, len(bucket_size_limits) - 1)]
    for acc in reversed(list(open_buckets.values())):
        if acc[0]:
            result.append((acc[0], bucket_size_limits[acc[2]]))
    if tensor_indices is None:
        result.sort(key=lambda b: min(b[0]))
    return [b[0] for b in result], [b[1] for b in result]


class _Bucket:
    __slots__ = ("indices", "flat", "views", "pending", "work")

    def __init__(self, indices, params):
        from ... import empty, no_grad
        first = params[indices[0]]
        total = sum(params[i].numel() for i in indices)
        with no_grad():
            self.flat = empty(total, dtype=first.dtype)
            self.views = {}
            offset = 0
            for i in indices:
                n = params[i].numel()
                self.views[i] = self.flat[offset: offset + n].view(params[i].shape)
                offset += n
        self.indices = list(indices)
        self.pending = len(indices)
        self.work = None


def _post_accumulate_hook(reducer_ref, index, param):
    reducer = reducer_ref()
    if reducer is not None:
        reducer._autograd_hook(index)


class Reducer:
    """The bucket state of one DistributedDataParallel (torch's ``dist.Reducer``)."""

    def __init__(self, params, process_group, bucket_bytes_cap: int,
                 find_unused_parameters: bool, gradient_as_bucket_view: bool,
                 static_graph: bool, names=None):
        from ... import distributed as dist
        self._dist = dist
        self.params = params
        self.names = list(names) if names is not None else [str(i) for i in range(len(params))]
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)
        self.bucket_bytes_cap = bucket_bytes_cap
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        if static_graph or not find_unused_parameters:
            limits = [sys.maxsize]
        else:
            limits = [DEFAULT_FIRST_BUCKET_BYTES, bucket_bytes_cap]
        indices, _ = compute_bucket_assignment_by_size(params, limits)
        self._build(list(reversed(indices)))
        self.has_rebuilt_buckets = False
        self.rebuilt_order: list = []
        self.expect_hooks = False        # a DDP forward with grad sync asked for this pass
        self.require_finalize = False    # a pass started reducing and has not finished
        self.next_bucket = 0
        self.ready = [False] * len(params)
        self.unused: list = []           # find_unused: not reached from the outputs
        self.marked_unused = False
        self.locally_used = [False] * len(params)
        self.last_wait_s = 0.0
        ref = weakref.ref(self)
        self.handles = [p.register_post_accumulate_grad_hook(
            _post_acc(ref, i)) for i, p in enumerate(params)]

    # -- buckets -----------------------------------------------------------------------
    def _build(self, bucket_indices) -> None:
        self.buckets = [_Bucket(ix, self.params) for ix in bucket_indices]
        self.bucket_of = {}
        for b in self.buckets:
            for i in b.indices:
                self.bucket_of[i] = b

    def bucket_indices(self) -> list:
        return [list(b.indices) for b in self.buckets]

    def rebuild_buckets(self) -> bool:
        """Called before each forward with grad enabled: fails if the last pass did not
        finish its reduction; once, rebuilds the buckets in the observed gradient order."""
        self.ensure_prior_reduction_finished()
        if (not (self.static_graph or not self.find_unused_parameters)
                or self.has_rebuilt_buckets or not self.rebuilt_order):
            return False
        self.has_rebuilt_buckets = True
        order = self.rebuilt_order
        self.rebuilt_order = []
        if len(order) != len(self.params):
            return False
        indices, _ = compute_bucket_assignment_by_size(
            [self.params[i] for i in order],
            [DEFAULT_FIRST_BUCKET_BYTES, self.bucket_bytes_cap], order)
        indices = self._sync_bucket_indices(indices)
        self._build(indices)
        return True

    def _sync_bucket_indices(self, indices):
        """Every rank takes rank 0's buckets (collectives must match across ranks)."""
        if self.world_size == 1:
            return indices
        from ... import int64, tensor
        flat = [len(indices)] + [len(b) for b in indices] + [i for b in indices for i in b]
        t = tensor(flat, dtype=int64)
        self._dist.broadcast(t, src=_group_rank0(self._dist, self.process_group),
                             group=self.process_group)
        vals = t.tolist()
        n = vals[0]
        sizes = vals[1: 1 + n]
        out, pos = [], 1 + n
        for s in sizes:
            out.append(vals[pos: pos + s])
            pos += s
        return out

    # -- one iteration -----------------------------------------------------------------
    def prepare_for_backward(self, outputs) -> None:
        self.expect_hooks = True
        self.next_bucket = 0
        self.ready = [False] * len(self.params)
        self.locally_used = [False] * len(self.params)
        self.marked_unused = False
        for b in self.buckets:
            b.pending = len(b.indices)
            b.work = None
        self.unused = []
        if self.find_unused_parameters and not self.static_graph:
            reached = _reached_leaves(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def ensure_prior_reduction_finished(self) -> None:
        if not self.require_finalize:
            return
        unmarked = " ".join(str(i) for i, r in enumerate(self.ready) if not r)
        rank = self._dist.get_rank(self.process_group)
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a "
            "new one. This error indicates that your module has parameters that were not "
            "used in producing loss. You can enable unused parameter detection by passing "
            "the keyword argument `find_unused_parameters=True` to "
            "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all "
            "`forward` function outputs participate in calculating loss. \nIf you already "
            "have done the above, then the distributed data parallel module wasn't able to "
            "locate the output tensors in the return value of your module's `forward` "
            "function. Please include the loss function and the structure of the return "
            "value of `forward` of your module when reporting this issue (e.g. list, dict, "
            f"iterable).\nParameter indices which did not receive grad for rank {rank}: "
            f"{unmarked}\n In addition, you can set the environment variable "
            "TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print out information "
            "about which particular parameters did not receive gradient on this rank as "
            "part of this error")

    def _autograd_hook(self, index: int) -> None:
        if not self.expect_hooks:
            return  # no_sync, or a backward not preceded by a DDP forward
        self.locally_used[index] = True
        if not self.has_rebuilt_buckets:
            self.rebuilt_order.append(index)
        if not self.marked_unused:
            self.marked_unused = True
            for i in self.unused:
                self._mark_ready(i)
        self._mark_ready(index)

    def _mark_ready(self, index: int) -> None:
        if self.ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. This error is caused by one "
                f"of the following reasons: 1) Use of a module parameter outside the "
                f"`forward` function. Please make sure model parameters are not shared "
                f"across multiple concurrent forward-backward passes. or try to use "
                f"_set_static_graph() as a workaround if this module graph does not change "
                f"during training loop.2) Reused parameters in multiple reentrant backward "
                f"passes. For example, if you use multiple `checkpoint` functions to wrap "
                f"the same part of your model, it would result in the same set of "
                f"parameters been used by different reentrant backward passes multiple "
                f"times, and hence marking a variable ready multiple times. DDP does not "
                f"support such use cases in default. You can try to use "
                f"_set_static_graph() as a workaround if your module graph does not change "
                f"over iterations.\nParameter at index {index} with name "
                f"{self.names[index]} has been marked as ready twice. This means that "
                "multiple autograd engine  hooks have fired for this particular parameter "
                "during this iteration.")
        from ... import no_grad
        from ...autograd.variable import Variable
        if not self.require_finalize:
            self.require_finalize = True
        self.ready[index] = True
        param = self.params[index]
        bucket = self.bucket_of[index]
        view = bucket.views[index]
        grad = param.grad
        with no_grad():
            if grad is None:
                view.zero_()
            elif self.gradient_as_bucket_view and _same_storage(grad, view):
                view.div_(self.world_size)
            else:  # torch multiplies by 1 / world size while copying into the bucket
                view.copy_(grad)
                if self.world_size != 1:
                    view.mul_(1.0 / self.world_size)
                if self.gradient_as_bucket_view:
                    param.grad = view
        bucket.pending -= 1
        # Poll the all-reduces in flight: a backend whose non-blocking calls progress only
        # when called (MPI requests) advances; chainrule.distributed's thread needs nothing.
        for b in self.buckets[:self.next_bucket]:
            if b.work is not None:
                b.work.is_completed()
        while (self.next_bucket < len(self.buckets)
               and self.buckets[self.next_bucket].pending == 0):
            b = self.buckets[self.next_bucket]
            b.work = self._dist.all_reduce(b.flat, op=self._dist.ReduceOp.SUM,
                                           group=self.process_group, async_op=True)
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            Variable._execution_engine.queue_callback(self._finalize_backward)

    def _finalize_backward(self) -> None:
        from ... import int32, no_grad, tensor
        self.expect_hooks = False
        self.require_finalize = False
        start = time.perf_counter()
        for b in self.buckets:
            b.work.wait()
            b.work = None
        self.last_wait_s = time.perf_counter() - start  # communication left after backward
        globally_used = self.locally_used
        if self.find_unused_parameters and not self.static_graph and self.unused:
            used = tensor([int(u) for u in self.locally_used], dtype=int32)
            self._dist.all_reduce(used, op=self._dist.ReduceOp.SUM, group=self.process_group)
            globally_used = [bool(u) for u in used.tolist()]
        with no_grad():
            for b in self.buckets:
                for i in b.indices:
                    if not globally_used[i]:
                        continue  # torch leaves a parameter no rank used untouched
                    param, view = self.params[i], b.views[i]
                    grad = param.grad
                    if self.gradient_as_bucket_view:
                        if grad is None or not _same_storage(grad, view):
                            param.grad = view
                    elif grad is None:
                        param.grad = view.clone()
                    else:
                        grad.copy_(view)

    def remove_hooks(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []


def _post_acc(ref, index):
    def hook(param):
        _post_accumulate_hook(ref, index, param)
    return hook


def _group_rank0(dist, group) -> int:
    if group is None or group is dist.group.WORLD:
        return 0
    get_global_rank = getattr(dist, "get_global_rank", None)
    return 0 if get_global_rank is None else get_global_rank(group, 0)


def _same_storage(a, b) -> bool:
    return (a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
            and a.storage_offset() == b.storage_offset())


def _reached_leaves(outputs) -> set:
    """The ids of the leaf tensors whose AccumulateGrad the outputs' graphs reach (walked
    iteratively, as torch's reducer does to find unused parameters)."""
    from ...autograd.graph import AccumulateGrad
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen = set(id(n) for n in stack)
    reached = set()
    for t in outputs:
        if t.grad_fn is None and t.requires_grad:
            reached.add(id(t))
    while stack:
        node = stack.pop()
        if isinstance(node, AccumulateGrad):
            reached.add(id(node.variable))
            continue
        for fn in node._fns:
            if fn is not None and id(fn) not in seen:
                seen.add(id(fn))
                stack.append(fn)
    return reached
