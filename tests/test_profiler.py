"""torch.profiler / torch.autograd.profiler against torch: the events a training step
records (op, backward-node and optimizer names), record_function ranges, schedules with
on_trace_ready, the table's columns, key_averages grouping, and Chrome traces."""
import json
import sys

import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def _step(m, prof_mod):
    m.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(8, 16), m.nn.ReLU(), m.nn.Linear(16, 2))
    opt = m.optim.SGD(model.parameters(), lr=0.1)
    x = m.randn(4, 8)
    with prof_mod.profile(record_shapes=True) as prof:
        with prof_mod.record_function("model_inference"):
            loss = model(x).sin().sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return prof


COMMON = {"model_inference", "aten::linear", "aten::addmm", "aten::relu", "aten::sin",
          "aten::sum", "Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad",
          "autograd::engine::evaluate_function: AddmmBackward0",
          "autograd::engine::evaluate_function: SinBackward0",
          "autograd::engine::evaluate_function: SumBackward0",
          "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"}


def test_a_training_step_records_torchs_event_names():
    for m in (torch, cr):
        prof = _step(m, m.profiler)
        names = {e.key for e in prof.key_averages()}
        assert COMMON <= names, (m.__name__, COMMON - names)
        avg = {e.key: e for e in prof.key_averages()}
        assert avg["aten::linear"].count == 2 and avg["model_inference"].count == 1


def test_times_nest_self_is_total_minus_children():
    prof = _step(cr, cr.profiler)
    events = prof.events()
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total + 1e-6
        inner = sum(c.cpu_time_total for c in e.cpu_children)
        assert abs(e.self_cpu_time_total - (e.cpu_time_total - inner)) < 1e-6
    inf = next(e for e in events if e.name == "model_inference")
    assert any(c.name == "aten::linear" for c in inf.cpu_children)
    top = [e for e in events if e.cpu_parent is None]
    assert abs(sum(e.cpu_time_total for e in top) - events.self_cpu_time_total) < 1e-3


def test_input_shapes_grouping_as_torch():
    got = []
    for m in (torch, cr):
        prof = _step(m, m.profiler)
        rows = prof.key_averages(group_by_input_shape=True)
        got.append(sorted(r.input_shapes for r in rows if r.key == "aten::addmm"))
    assert got[0] == got[1] == [[[2], [4, 16], [16, 2], [], []], [[16], [4, 8], [8, 16], [], []]]


def test_table_has_torchs_columns_and_sorts():
    heads = []
    for m in (torch, cr):
        text = _step(m, m.profiler).key_averages().table(sort_by="cpu_time_total",
                                                          row_limit=3)
        lines = text.splitlines()
        heads.append(lines[1].split())
        assert lines[-1].startswith("Self CPU time total:") or \
            lines[-2].startswith("Self CPU time total:")
        assert len([ln for ln in lines if ln.strip().startswith(("aten", "model",
                                                                  "autograd", "Optim"))]) == 3
    assert heads[0][:8] == heads[1][:8]  # Name, Self CPU %, Self CPU, CPU total %, ...
    with pytest.raises(AttributeError):
        _step(cr, cr.profiler).key_averages().table(sort_by="no_such_column")


def test_schedule_and_on_trace_ready_as_torch():
    seen = []
    for m in (torch, cr):
        saved = []

        def ready(p, saved=saved):
            saved.append(sorted(e.name for e in p.events() if e.name.startswith("step")))
        sched = m.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
        with m.profiler.profile(schedule=sched, on_trace_ready=ready) as prof:
            for k in range(10):
                with m.profiler.record_function(f"step{k}"):
                    m.ones(2).sum()
                prof.step()
        seen.append(saved)
    assert seen[0] == seen[1] == [["step2", "step3"], ["step6", "step7"]]
    acts = [cr.profiler.schedule(wait=1, warmup=1, active=2, skip_first=1)(k).name
            for k in range(6)]
    assert acts == [torch.profiler.schedule(wait=1, warmup=1, active=2, skip_first=1)(k).name
                    for k in range(6)]


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    prof = _step(cr, cr.profiler)
    prof.export_chrome_trace(tmp_path / "t.json")
    trace = json.loads((tmp_path / "t.json").read_text())
    names = {e["name"] for e in trace["traceEvents"]}
    assert "aten::addmm" in names and all(e["ph"] == "X" for e in trace["traceEvents"])
    with cr.profiler.profile(on_trace_ready=cr.profiler.tensorboard_trace_handler(
            str(tmp_path / "tb"), worker_name="w")):
        cr.ones(3).exp()
    files = list((tmp_path / "tb").iterdir())
    assert len(files) == 1 and files[0].name.startswith("w.")
    assert files[0].name.endswith(".pt.trace.json")


def test_autograd_profiler_api_and_no_cost_when_idle():
    with cr.autograd.profiler.profile(record_shapes=True) as prof:
        (cr.ones(3, requires_grad=True) * 2).sum().backward()
    assert "aten::mul" in {e.key for e in prof.key_averages()}
    assert prof.total_average().count == len(prof.function_events)
    assert sys.getprofile() is None  # restored
    with cr.autograd.profiler.profile(enabled=False) as off:
        cr.ones(2).sum()
    assert len(off.function_events) == 0
    with cr.profiler.record_function("outside"):  # no profile running: nothing happens
        cr.ones(2).sum()
