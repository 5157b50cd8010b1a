"""The profiler's records: FunctionEvent (one call), EventList (with torch's
``key_averages()`` and ``table()``), FunctionEventAvg (one row of the averages)."""
from __future__ import annotations

import json


def _fmt_us(us: float) -> str:
    """torch's time format: 1.234s, 12.345ms, 123.456us."""
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class FunctionEvent:
    """One recorded call: an op (``aten::mm``), a backward node
    (``autograd::engine::evaluate_function: MmBackward0``) or a ``record_function`` range.
    Times are in microseconds from the profile's start."""

    __slots__ = ("id", "name", "start_us", "end_us", "self_cpu_time_total", "input_shapes",
                 "thread", "depth", "cpu_children", "cpu_parent", "is_user_annotation")

    def __init__(self, id, name, start_us, thread, depth, input_shapes=(), user=False):
        self.id, self.name, self.start_us, self.thread = id, name, start_us, thread
        self.depth, self.input_shapes, self.is_user_annotation = depth, input_shapes, user
        self.end_us = start_us
        self.self_cpu_time_total = 0.0
        self.cpu_children: list = []
        self.cpu_parent = None

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    @property
    def count(self) -> int:
        return 1

    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = 0.0
    cpu_memory_usage = self_cpu_memory_usage = 0
    flops = 0

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_fmt_us(self.cpu_time)}"
                f" start_us={self.start_us:.3f} end_us={self.end_us:.3f} "
                f"input_shapes={list(self.input_shapes)}>")


class FunctionEventAvg:
    """The calls of one name (and input shapes, if grouped by them) added up."""

    def __init__(self, key, input_shapes=None):
        self.key, self.input_shapes = key, input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.is_user_annotation = False

    def add(self, ev) -> "FunctionEventAvg":
        self.count += ev.count
        self.cpu_time_total += ev.cpu_time_total
        self.self_cpu_time_total += ev.self_cpu_time_total
        self.is_user_annotation = self.is_user_annotation or ev.is_user_annotation
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = 0.0
    cpu_memory_usage = self_cpu_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} "
                f"self_cpu_time={_fmt_us(self.self_cpu_time_total)} "
                f"cpu_time={_fmt_us(self.cpu_time)} input_shapes={self.input_shapes}>")


_SORT_KEYS = {"cpu_time", "cpu_time_total", "self_cpu_time_total", "count",
              "cuda_time", "cuda_time_total", "self_cuda_time_total", "device_time",
              "device_time_total", "self_device_time_total", "cpu_memory_usage",
              "self_cpu_memory_usage"}


class EventList(list):
    """A list of events, with torch's summaries."""

    def __init__(self, *args, grouped_by_shapes=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._grouped_by_shapes = grouped_by_shapes

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> "EventList":
        rows: dict = {}
        for ev in self:
            shapes = list(ev.input_shapes) if group_by_input_shape else None
            key = (ev.key, str(shapes))
            row = rows.get(key)
            if row is None:
                row = rows[key] = FunctionEventAvg(ev.key, shapes)
            row.add(ev)
        return EventList(rows.values(), grouped_by_shapes=group_by_input_shape)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for ev in self:
            total.add(ev)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None) -> str:
        """torch's table: name, self CPU %, self CPU, CPU total %, CPU total, CPU time avg,
        # of calls (and input shapes when grouped by them), sorted by ``sort_by``."""
        rows = list(self)
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise AttributeError(f"'FunctionEventAvg' object has no attribute '{sort_by}'")
            rows.sort(key=lambda r: getattr(r, sort_by), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(e.self_cpu_time_total for e in self) or 1.0
        names = [r.key if len(r.key) <= max_name_column_width
                 else r.key[:max_name_column_width - 3] + "..." for r in rows]
        name_w = max([len("Name")] + [len(n) for n in names]) + 4
        cols = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls"]
        shapes = self._grouped_by_shapes
        if shapes:
            cols.append("Input Shapes")
        w = 12
        sep = "-" * name_w + "  " + "  ".join("-" * w for _ in cols[:6])
        if shapes:
            sep += "  " + "-" * max_shapes_column_width
        head = "Name".rjust(name_w) + "  " + "  ".join(c.rjust(w) for c in cols[:6])
        if shapes:
            head += "  " + "Input Shapes".rjust(max_shapes_column_width)
        lines = ([header] if header else []) + [sep, head, sep]
        for n, r in zip(names, rows):
            cells = [f"{100 * r.self_cpu_time_total / total_self:.2f}%",
                     _fmt_us(r.self_cpu_time_total),
                     f"{100 * r.cpu_time_total / total_self:.2f}%",
                     _fmt_us(r.cpu_time_total), _fmt_us(r.cpu_time), str(r.count)]
            line = n.rjust(name_w) + "  " + "  ".join(c.rjust(w) for c in cells)
            if shapes:
                line += "  " + str(r.input_shapes)[:max_shapes_column_width].rjust(
                    max_shapes_column_width)
            lines.append(line)
        lines += [sep, f"Self CPU time total: {_fmt_us(sum(e.self_cpu_time_total for e in self))}",
                  ""]
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path) -> None:
        """Write the events as a Chrome trace (chrome://tracing, Perfetto)."""
        events = [{"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                   "name": e.name, "pid": 0, "tid": e.thread, "ts": e.start_us,
                   "dur": e.cpu_time_total,
                   "args": {"Input Dims": [list(s) for s in e.input_shapes]}}
                  for e in self if isinstance(e, FunctionEvent)]
        with open(path, "w") as f:
            json.dump({"traceEvents": events, "displayTimeUnit": "ms"}, f)
