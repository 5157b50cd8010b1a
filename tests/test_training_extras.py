"""Around the training loop: nn.DataParallel / data_parallel on the CPU, torch.onnx
importable, torch.cuda seeding and synchronisation as a CPU-only torch answers them."""
import numpy as np
import pytest

import chainrule


def test_data_parallel_wraps_and_forwards_like_torch_cpu(torch):
    torch.manual_seed(0)
    tm = torch.nn.Linear(3, 2)
    cm = chainrule.nn.Linear(3, 2)
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    tdp, cdp = torch.nn.DataParallel(tm), chainrule.nn.DataParallel(cm)
    assert repr(cdp) == repr(tdp)
    assert list(cdp.state_dict()) == list(tdp.state_dict())
    assert cdp.device_ids == tdp.device_ids == []
    assert cdp.module is cm
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out_c, out_t = cdp(chainrule.tensor(x)), tdp(torch.tensor(x))
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=1e-6)
    assert out_c.grad_fn.name() == out_t.grad_fn.name()
    out_c.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(cm.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6)
    assert chainrule.nn.parallel.DataParallel is chainrule.nn.DataParallel


def test_functional_data_parallel_runs_the_module():
    m = chainrule.nn.Linear(2, 1)
    x = chainrule.ones(4, 2)
    np.testing.assert_array_equal(chainrule.nn.parallel.data_parallel(m, x).detach().numpy(),
                                  m(x).detach().numpy())


def test_distributed_data_parallel_needs_a_process_group(torch):
    with pytest.raises(ValueError, match="process group") as ours:
        chainrule.nn.parallel.DistributedDataParallel(chainrule.nn.Linear(2, 2))
    with pytest.raises(ValueError) as theirs:
        torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))
    assert str(ours.value) == str(theirs.value)


def test_onnx_is_importable_and_export_names_graph_mode():
    import chainrule.onnx as onnx
    assert chainrule.onnx is onnx
    assert onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match="graph mode"):
        onnx.export(chainrule.nn.Linear(2, 2), (chainrule.ones(1, 2),), "model.onnx")


def test_cuda_seeding_is_a_no_op_and_synchronize_matches_torch_cpu(torch):
    chainrule.manual_seed(3)
    a = chainrule.rand(3)
    chainrule.manual_seed(3)
    assert chainrule.cuda.manual_seed_all(3) is None
    assert chainrule.cuda.manual_seed(3) is None
    np.testing.assert_array_equal(chainrule.rand(3).numpy(), a.numpy())
    with pytest.raises(AssertionError) as ours:
        chainrule.cuda.synchronize()
    with pytest.raises(AssertionError) as theirs:
        torch.cuda.synchronize()
    assert str(ours.value) == str(theirs.value)
