"""torch.profiler on the CPU: which ops a program runs, how often and for how long.

    with torch.profiler.profile(record_shapes=True) as prof:
        with torch.profiler.record_function("model_inference"):
            model(x)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

Each op (``aten::mm``), each backward node (``autograd::engine::evaluate_function:
MmBackward0``) and each ``record_function`` range becomes an event with its total and self
time (total minus the events inside it). ``schedule``/``step()`` and ``on_trace_ready``
(``tensorboard_trace_handler``) work as torch's; ``export_chrome_trace`` writes a trace for
chrome://tracing or Perfetto. Recording runs through ``sys.setprofile``: no cost when no
profile is running, and Python-level overhead (times inflated for small ops) when one is.
"""
from __future__ import annotations

import enum
import functools
import os
import socket
import time

from ._events import EventList, FunctionEvent, FunctionEventAvg
from ._recorder import Recorder, _active

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler", "EventList", "FunctionEvent",
           "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


def supported_activities():
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0):
    """torch's step schedule: skip ``skip_first`` steps, then cycles of ``wait`` idle,
    ``warmup`` recorded-and-dropped and ``active`` recorded steps (``repeat`` cycles, 0 =
    forever); the last active step of a cycle saves (calls ``on_trace_ready``)."""
    if warmup < 0 or active <= 0 or wait < 0 or repeat < 0 or skip_first < 0:
        raise AssertionError("Invalid profiler schedule arguments")

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step should be non-negative, got {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod = step % num_steps
        if mod < wait:
            return ProfilerAction.NONE
        if mod < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class profile:
    """A profiling session (a context manager, or ``start()``/``stop()``)."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, experimental_config=None,
                 execution_trace_observer=None, acc_events: bool = False,
                 use_cuda=None, custom_trace_id_callback=None):
        self.activities = set(activities) if activities else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory, self.with_stack = profile_memory, with_stack
        self.with_flops, self.with_modules = with_flops, with_modules
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = ProfilerAction.NONE
        self._recorder = None
        self._events = EventList()

    # -------------------------------------------------------------- recording
    def _begin(self):
        self._recorder = Recorder(self.record_shapes)
        _active.append(self._recorder)
        self._recorder.start()

    def _end(self) -> EventList:
        rec, self._recorder = self._recorder, None
        events = rec.stop()
        _active.remove(rec)
        return events

    def _transition(self, new: ProfilerAction) -> None:
        old = self.current_action
        recording = (ProfilerAction.WARMUP, ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if old in recording and (new not in recording or old is ProfilerAction.RECORD_AND_SAVE):
            events = self._end()
            if old is not ProfilerAction.WARMUP:
                self._save(events)
        elif old is ProfilerAction.WARMUP and new is not ProfilerAction.WARMUP:
            self._end()  # warm-up events are dropped
            self._begin()
        if new in recording and self._recorder is None:
            self._begin()
        self.current_action = new

    def _save(self, events) -> None:
        self._events = EventList(list(self._events) + list(events)) if self.acc_events \
            else events
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def start(self) -> None:
        self._transition(self.schedule(self.step_num))

    def stop(self) -> None:
        if self._recorder is not None:
            old = self.current_action
            events = self._end()
            if old is not ProfilerAction.WARMUP:
                self._save(events)
        self.current_action = ProfilerAction.NONE

    def step(self) -> None:
        """Mark the end of a training step: the schedule decides what the next one records."""
        self.step_num += 1
        self._transition(self.schedule(self.step_num))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -------------------------------------------------------------- results
    def events(self) -> EventList:
        return self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        return self._events.key_averages(group_by_input_shape)

    def table(self, *args, **kwargs) -> str:
        return self.key_averages().table(*args, **kwargs)

    def export_chrome_trace(self, path) -> None:
        self._events.export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total") -> None:
        with open(path, "w") as f:
            for e in self._events:
                f.write(f"{e.name} {int(getattr(e, metric))}\n")

    @property
    def self_cpu_time_total(self) -> float:
        return self._events.self_cpu_time_total


class record_function:
    """A named range in the profile (``with record_function("forward"):`` or a decorator);
    nothing happens when no profile is running."""

    def __init__(self, name: str, args=None):
        self.name, self.args = name, args
        self._recorders = ()

    def __enter__(self):
        self._recorders = tuple(_active)
        for rec in self._recorders:
            rec.push(self.name, None, (), user=True)
        return self

    def __exit__(self, *exc):
        for rec in self._recorders:
            # close the ranges opened inside that are still open, then this one
            while rec.stack and rec.stack[-1][0].name != self.name:
                rec.pop()
            if rec.stack:
                rec.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)
        return wrapped


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False):
    """An ``on_trace_ready`` that writes each saved window as a Chrome trace into
    ``dir_name`` (``<worker>.<time>.pt.trace.json``, the names TensorBoard's profiler
    plugin reads)."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{int(time.time() * 1000)}.pt.trace.json"
        path = os.path.join(dir_name, name)
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip
            import shutil
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.remove(path)
    return handler
