"""chainrule.utils.benchmark against torch.utils.benchmark: the same statistics from the
same raw times, the same printed summary, Timer's measuring methods."""
import re

import pytest

from chainrule.utils import benchmark as crb

RAW = [[1.3e-3], [2e-6, 2.1e-6, 2.5e-6, 1.9e-6, 2.2e-6, 9e-6], [0.5, 0.52, 0.51, 0.55]]
SPECS = [dict(stmt="f(x)", setup="pass"),
         dict(stmt="y = x + 1\nz = y * 2", setup="x = 1\ny = 2", label="L", sub_label="s",
              description="d", num_threads=2),
         dict(stmt="g()", setup="import math", label="lab")]


def _strip_address(text):
    return re.sub(r"0x[0-9a-f]+", "0x0", text)


@pytest.mark.parametrize("i", range(len(RAW)))
def test_measurement_matches_torch(torch, i):
    from torch.utils.benchmark.utils.common import Measurement, TaskSpec
    number = 10
    mine = crb.Measurement(number, RAW[i], crb.TaskSpec(**SPECS[i]))
    theirs = Measurement(number, RAW[i], TaskSpec(**SPECS[i]))
    assert mine.times == pytest.approx(theirs.times)
    assert mine.median == pytest.approx(theirs.median)
    assert mine.mean == pytest.approx(theirs.mean)
    assert mine.iqr == pytest.approx(theirs.iqr)
    assert mine.title == theirs.title
    assert mine.significant_figures == theirs.significant_figures
    assert mine.meets_confidence() == theirs.meets_confidence()
    assert _strip_address(repr(mine)) == _strip_address(repr(theirs))


def test_timer_timeit_and_autorange():
    timer = crb.Timer("x * 2", setup="x = 3", label="mul")
    m = timer.timeit(200)
    assert m.number_per_run == 200 and len(m.raw_times) == 1 and m.median > 0
    assert "mul" in repr(m) and "200 runs" in repr(m)
    m = timer.blocked_autorange(min_run_time=0.02)
    assert sum(m.raw_times) >= 0.02 and m.number_per_run >= 1
    m = crb.Timer("y + 1", globals={"y": 2}, num_threads=1).adaptive_autorange(
        min_run_time=0.01, max_run_time=0.2)
    assert len(m.times) >= 1
    with pytest.raises(NotImplementedError):
        timer.repeat()


def test_timer_runs_chainrule_code():
    import chainrule as cr
    x = cr.randn(8, requires_grad=True)
    m = crb.Timer("(x.sin() * 2).sum().backward()", globals={"x": x}).timeit(20)
    assert m.median > 0 and x.grad is not None


def test_compare_prints_a_table():
    ms = [crb.Measurement(1, [1e-6, 1.1e-6], crb.TaskSpec("a", "pass", label="L", sub_label=r,
                                                          description=c))
          for r in ("row1", "row2") for c in ("c1", "c2")]
    text = str(crb.Compare(ms))
    assert "L" in text and "row1" in text and "c2" in text and "microseconds (us)" in text
