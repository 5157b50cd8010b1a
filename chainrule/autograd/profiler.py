"""torch.autograd.profiler: the older profiler API (``profile(use_cuda=..., record_shapes=...)``,
``record_function``, ``emit_nvtx``), on the same recorder as ``chainrule.profiler``."""
from __future__ import annotations

import contextlib

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function
from ..profiler import profile as _profile

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList",
           "FunctionEvent", "FunctionEventAvg"]


class profile(_profile):
    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device=None,
                 record_shapes: bool = False, with_flops: bool = False,
                 profile_memory: bool = False, with_stack: bool = False,
                 with_modules: bool = False, use_kineto: bool = False, use_cpu: bool = True,
                 experimental_config=None, acc_events: bool = False,
                 custom_trace_id_callback=None):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops,
                         with_modules=with_modules, acc_events=acc_events)
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        return False

    def total_average(self):
        return self._events.total_average()

    @property
    def function_events(self) -> EventList:
        return self._events


@contextlib.contextmanager
def emit_nvtx(enabled: bool = True, record_shapes: bool = False):
    yield


@contextlib.contextmanager
def emit_itt(enabled: bool = True, record_shapes: bool = False):
    yield
