"""What the profiler records, and how: ``sys.setprofile`` with a table of the code objects
that are ops (every public chainrule function and Tensor method, ``nn.functional``, the
backward engine's node calls). Nothing is added to an op's path: the cost exists only
while a profile runs (each Python call then pays one dictionary lookup)."""
from __future__ import annotations

import sys
import threading
import time

from ._events import EventList, FunctionEvent

_NODE, _ACCUMULATE, _STEP, _ZERO_GRAD, _SHARED = (object() for _ in range(5))
_DUNDER = {"radd": "add", "rmul": "mul", "truediv": "div", "rtruediv": "div",
           "floordiv": "floor_divide", "rfloordiv": "floor_divide", "mod": "remainder",
           "getitem": "index", "setitem": "index_put_", "iadd": "add_", "isub": "sub_",
           "imul": "mul_", "itruediv": "div_", "rmatmul": "matmul", "rpow": "pow",
           "invert": "bitwise_not", "and": "bitwise_and", "or": "bitwise_or",
           "xor": "bitwise_xor", "eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt",
           "ge": "ge", "abs": "abs", "neg": "neg", "pow": "pow", "matmul": "matmul",
           "add": "add", "sub": "sub", "mul": "mul", "rsub": "rsub",
           "lshift": "bitwise_left_shift", "rshift": "bitwise_right_shift"}
_codes_cache: dict = {}


def _code(fn):
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__code__", None)


def op_codes() -> dict:
    """{code object: event name} for everything the profiler times (built once)."""
    if _codes_cache:
        return _codes_cache
    from .. import _tensor
    from ..autograd import engine
    from ..nn import functional as F
    from ..ops._node import OpNode
    from ..ops._vocab import PUBLIC
    table = {}
    shared: dict = {}  # code -> {closure key: name}, for functions made by a factory

    def add(fn, name):
        c = _code(fn)
        if c is None:
            return
        fn = getattr(fn, "__func__", fn)
        if c.co_freevars and fn.__closure__:
            key = tuple(id(cell.cell_contents) for cell in fn.__closure__)
            shared.setdefault(c, {}).setdefault(key, name)
            table[c] = _SHARED
        else:
            table.setdefault(c, name)

    for name, fn in PUBLIC.items():
        add(fn, f"aten::{name}")
    for name in dir(F):
        fn = getattr(F, name)
        c = _code(fn)
        # F.relu wrapping the op relu: time it once, under the op, as torch does
        if c is not None and getattr(fn, "__module__", "").startswith("chainrule") and (
                name not in PUBLIC or PUBLIC[name] is fn):
            add(fn, f"aten::{name}")
    for name, fn in vars(_tensor.Tensor).items():
        c = _code(fn)
        if c is None or not getattr(fn, "__module__", "").startswith("chainrule.ops"):
            continue
        if name.startswith("__") and name.endswith("__"):
            base = name[2:-2]
            if base not in _DUNDER:
                continue
            name = _DUNDER[base]
        add(fn, f"aten::{name}")
    table[OpNode.apply.__code__] = _NODE
    try:
        from ..autograd.function import BackwardCFunction
        table[BackwardCFunction.apply.__code__] = _NODE
    except (ImportError, AttributeError):
        pass
    from ..optim.optimizer import Optimizer
    wrapper = Optimizer.profile_hook_step(lambda *a, **k: None)  # the step wrapper's code
    table[wrapper.__code__] = _STEP
    table[Optimizer.zero_grad.__code__] = _ZERO_GRAD
    acc = getattr(engine, "_accumulate", None)
    if _code(acc) is not None:
        table[acc.__code__] = _ACCUMULATE
    _codes_cache.update(table)
    _shared_names.update(shared)
    return _codes_cache


_shared_names: dict = {}


def _shared_name(frame):
    names = _shared_names.get(frame.f_code)
    loc = frame.f_locals
    try:
        key = tuple(id(loc[v]) for v in frame.f_code.co_freevars)
    except KeyError:
        return None
    return names.get(key)


class Recorder:
    """One recording: a stack of open events and the closed ones, in microseconds."""

    def __init__(self, record_shapes: bool):
        self.record_shapes = record_shapes
        self.codes = op_codes()
        self.t0 = time.perf_counter_ns()
        self.events = EventList()
        self.stack: list = []  # [event, frame or None, children's time]
        self.thread = threading.get_ident()
        self._prev = None
        self._ids = 0

    def _now(self) -> float:
        return (time.perf_counter_ns() - self.t0) / 1000.0

    def push(self, name, frame=None, shapes=(), user=False) -> None:
        self._ids += 1
        ev = FunctionEvent(self._ids, name, self._now(), self.thread, len(self.stack), shapes,
                           user)
        if self.stack:
            parent = self.stack[-1][0]
            ev.cpu_parent = parent
            parent.cpu_children.append(ev)
        self.stack.append([ev, frame, 0.0])

    def pop(self) -> None:
        ev, _, children = self.stack.pop()
        ev.end_us = self._now()
        ev.self_cpu_time_total = ev.cpu_time_total - children
        if self.stack:
            self.stack[-1][2] += ev.cpu_time_total
        self.events.append(ev)

    def _shapes(self, frame):
        from .._tensor import Tensor
        code = frame.f_code
        loc = frame.f_locals
        out = []
        for name in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            if name == "out":  # the out= variant is another schema in torch
                continue
            v = loc.get(name)
            out.append(list(v.shape) if isinstance(v, Tensor) else [])
        return out

    def callback(self, frame, event, arg):
        if event == "call":
            name = self.codes.get(frame.f_code)
            if name is None:
                return
            if name is _SHARED:
                name = _shared_name(frame)
                if name is None:
                    return
            elif name is _NODE:
                node = frame.f_locals.get("self")
                name = f"autograd::engine::evaluate_function: {node.name()}"
            elif name is _ACCUMULATE:
                name = "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"
            elif name is _STEP or name is _ZERO_GRAD:  # torch's user ranges for optimizers
                loc = frame.f_locals
                opt = loc["args"][0] if name is _STEP else loc.get("self")
                cls = type(opt).__name__
                name = (f"Optimizer.step#{cls}.step" if name is _STEP
                        else f"Optimizer.zero_grad#{cls}.zero_grad")
                self.push(name, frame, (), user=True)
                return
            self.push(name, frame, self._shapes(frame) if self.record_shapes else ())
        elif event == "return":
            stack = self.stack
            if stack and stack[-1][1] is frame:
                self.pop()

    def start(self) -> None:
        self._prev = sys.getprofile()
        sys.setprofile(self.callback)

    def stop(self) -> EventList:
        sys.setprofile(self._prev)
        while self.stack:  # ranges still open (a record_function not exited)
            self.pop()
        self.events.sort(key=lambda e: e.start_us)
        return self.events


_active: list = []  # the running recorders (record_function adds its range to each)
