"""Timer: time a Python statement as torch.utils.benchmark.Timer does."""
from __future__ import annotations

import enum
import timeit
from typing import Any, Callable

from ._common import Measurement, TaskSpec

__all__ = ["Timer", "Language"]


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


class _Threads:
    """torch's set_torch_threads: chainrule's NumPy kernels take the setting as given."""

    def __init__(self, n: int):
        self.n = n

    def __enter__(self):
        from ... import get_num_threads, set_num_threads
        self.previous = get_num_threads()
        set_num_threads(self.n)

    def __exit__(self, *exc):
        from ... import set_num_threads
        set_num_threads(self.previous)


class Timer:
    """Time ``stmt`` after ``setup`` with ``globals`` (torch.utils.benchmark.Timer).

    >>> from chainrule.utils.benchmark import Timer
    >>> m = Timer("x * 2", globals={"x": 3}).timeit(100)
    >>> m.number_per_run
    100
    """

    _timer_cls = timeit.Timer

    def __init__(self, stmt: str = "pass", setup: str = "pass", global_setup: str = "",
                 timer: Callable[[], float] = timeit.default_timer,
                 globals: dict[str, Any] | None = None,  # noqa: A002 - torch's name
                 label: str | None = None, sub_label: str | None = None,
                 description: str | None = None, env: str | None = None,
                 num_threads: int = 1, language=Language.PYTHON):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError("chainrule's Timer times Python statements only (language="
                             f"{language!r})")
        self._globals = dict(globals or {})
        stmt = _dedent(stmt)
        setup = _dedent(setup)
        self._timer = self._timer_cls(stmt=stmt, setup=setup, timer=timer,
                                      globals=self._globals)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup,
                                   label=label, sub_label=sub_label, description=description,
                                   env=env, num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        return self._timer.timeit(number=max(int(number), 1) if number else 0)

    def timeit(self, number: int = 1000000) -> Measurement:
        """Run ``stmt`` ``number`` times (after a short warm-up): one measurement."""
        with _Threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return Measurement(number_per_run=number, raw_times=[self._timeit(number)],
                               task_spec=self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _estimate_block_size(self, min_run_time: float) -> int:
        with _Threads(self._task_spec.num_threads):
            overheads = sorted(self._timeit(0) for _ in range(5))
            overhead = overheads[2]
            number = 1
            while True:
                taken = self._timeit(number)
                if overhead / max(taken, 1e-12) <= 1e-4 and taken >= min_run_time / 1000:
                    break
                if taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def _measurement_loop(self, number, stop_hook, min_run_time, max_run_time=None,
                          callback=None) -> list:
        total, can_stop, times = 0.0, False, []
        with _Threads(self._task_spec.num_threads):
            while total < min_run_time or not can_stop:
                spent = self._timeit(number)
                times.append(spent)
                total += spent
                if callback:
                    callback(number, spent)
                can_stop = stop_hook(times)
                if max_run_time and total > max_run_time:
                    break
        return times

    def blocked_autorange(self, callback=None, min_run_time: float = 0.2) -> Measurement:
        """Blocks of runs, the block sized so the timer's overhead is negligible, until
        ``min_run_time`` seconds have been spent."""
        number = self._estimate_block_size(min_run_time)
        times = self._measurement_loop(number, lambda times: True, min_run_time,
                                       callback=callback)
        return Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01,
                           max_run_time: float = 10.0, callback=None) -> Measurement:
        """Like blocked_autorange, repeating until the IQR is below ``threshold`` of the
        median (or ``max_run_time`` is spent)."""
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times) -> bool:
            if len(times) > 3:
                return Measurement(number, times, self._task_spec).meets_confidence(threshold)
            return False
        times = self._measurement_loop(number, stop_hook, min_run_time, max_run_time,
                                       callback)
        return Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)


def _dedent(code: str) -> str:
    import textwrap
    return textwrap.dedent(f"{code.rstrip()}\n").strip()
