"""Devices and defaults against torch's CPU build: torch.device, the default device,
Tensor.to/cpu/cuda, torch.cuda / torch.backends / torch.accelerator answers, threads,
deterministic algorithms, finfo/iinfo, version attributes and namespace hygiene."""
import pickle
import subprocess
import sys

import pytest
from expr_pairs import same

import chainrule as cr

DEVICES = [
    "m.device('cpu')", "m.device('cpu:0')", "m.device('cuda', 0)", "m.device('cuda:1')",
    "repr(m.device('cuda', 0))", "str(m.device('cuda', 0))", "str(m.device('cpu'))",
    "m.device('cpu') == 'cpu'", "m.device('cpu', 0) == m.device('cpu')",
    "m.device('cpu') == m.device('cpu')", "m.device('cpu') != m.device('cuda')",
    "m.device('meta')", "m.device('mps')", "m.device('xpu')", "m.device('foo')", "m.device(0)",
    "m.device('cuda:-1')", "m.device('cpu', -1)", "m.device('cpu:x')", "m.device(' cpu')",
    "m.device('CPU')", "m.device('cuda:0:0')", "m.device('cuda:01')", "m.device('cpu:1')",
    "m.device(type='cuda', index=2)", "m.device('cuda', index=1.5)", "m.device('cuda', 'a')",
    "m.device(5.5)", "m.device()", "m.device('cpu', 0, 1)", "m.device(m.device('cpu'))",
    "m.device(type='cpu')", "m.device('cpu').type", "m.device('cpu').index",
    "m.device('cuda', 3).index", "hash(m.device('cpu')) == hash(m.device('cpu'))",
    "{m.device('cpu'): 1}[m.device('cpu')]", "m.device('cpu', 0).__reduce__()[1]",
    "m.zeros(2).device", "m.zeros(2).device == m.device('cpu')",
    "m.zeros(2).device == m.device('cpu:0')",
    "m.zeros(2, device=m.device('cpu', 0)).device",
]
TO = [
    "m.zeros(2).to(device='cpu', dtype=m.float64, non_blocking=True, copy=True, "
    "memory_format=m.preserve_format)",
    "m.zeros(2).to(m.device('cpu'), m.float64)", "m.zeros(2).to('cpu', m.int64)",
    "m.zeros(2).to(m.ones(2, dtype=m.int32))", "m.zeros(2).to('cpux')",
    "m.zeros(2).to(m.float32, m.float64)", "m.zeros(2).to()",
    "m.zeros(2).to(dtype=m.int64, device='cpu')", "m.zeros(2).to(m.float64, True)",
    "m.zeros(2).to(m.float64, False, True)", "m.zeros(2).to(other=m.ones(1))",
    "m.zeros(2).to(m.float32, copy=True)", "m.zeros(2).to(0)", "m.zeros(2).to('cuda')",
    "m.zeros(2).to('cuda:0')", "m.zeros(2).to(m.device('cuda', 0), m.float64)",
    "m.zeros(2).to(m.float64, m.device('cpu'))", "m.zeros(2).to('cpu', 'cpu')",
    "m.zeros(2).to(float)", "m.zeros(2).to(int)", "m.zeros(2).to(bool)",
    "m.zeros(2).to(tensor=m.ones(1, dtype=m.float64))",
    "m.zeros(2).to(memory_format=m.channels_last)",
    "m.zeros(1, 2, 3, 4).to(memory_format=m.channels_last).stride()",
    "m.zeros(1, 2, 3, 4).to(memory_format=m.channels_last)"
    ".to(memory_format=m.contiguous_format).stride()",
    "m.zeros(2, 3).t().to(memory_format=m.contiguous_format).is_contiguous()",
    "m.zeros(2).cuda()", "m.zeros(2).cuda(0)", "m.zeros(2).cuda(non_blocking=True)",
    "m.zeros(2).xpu()", "m.zeros(2).ipu()", "m.zeros(2).cpu(memory_format=m.contiguous_format)",
    "m.zeros(2, device='meta').shape" if False else "m.zeros(2).is_cpu",
    "m.zeros(2).is_cuda", "m.zeros(2).is_meta", "m.zeros(2).is_mps", "m.zeros(2).is_xpu",
    "m.zeros(2).is_sparse", "m.zeros(2).is_quantized", "m.zeros(2).is_mkldnn",
    "m.zeros(2).is_nested", "m.zeros(2).is_ipu", "m.zeros(2).is_xla", "m.zeros(2).is_mtia",
    "m.zeros(2).is_sparse_csr", "m.zeros(2).is_vulkan", "m.zeros(2).is_maia",
    "m.zeros(2).layout", "m.strided", "m.sparse_coo", "m.contiguous_format",
    "m.preserve_format", "m.channels_last", "m.channels_last_3d", "m.zeros(2).get_device()",
    "m.get_device(m.zeros(2))",
]
NAMESPACES = [
    "m.cuda.is_available()", "m.cuda.device_count()", "m.cuda.manual_seed_all(1)",
    "m.cuda.manual_seed(1)", "m.cuda.seed()", "m.cuda.seed_all()", "m.cuda.empty_cache()",
    "m.cuda.synchronize()", "m.cuda.current_device()", "m.cuda.get_device_name()",
    "m.cuda.is_initialized()", "m.cuda.init()", "m.cuda.get_device_properties(0)",
    "m.cuda.get_device_capability()", "m.cuda.initial_seed()", "m.cuda.get_rng_state()",
    "m.cuda.get_rng_state_all()", "m.cuda.set_rng_state_all([])", "m.cuda.memory_allocated()",
    "m.cuda.max_memory_allocated()", "m.cuda.memory_reserved()",
    "m.cuda.max_memory_reserved()", "m.cuda.is_bf16_supported()", "m.cuda.get_arch_list()",
    "m.cuda.current_stream()", "m.cuda.mem_get_info()", "m.cuda.FloatTensor(2)",
    "m.cuda.LongTensor([1])", "isinstance(m.zeros(2), m.cuda.FloatTensor)",
    "m.backends.mps.is_available()", "m.backends.mps.is_built()",
    "m.backends.cudnn.is_available()", "m.backends.cudnn.deterministic",
    "m.backends.cudnn.benchmark", "m.backends.cudnn.enabled", "m.backends.cudnn.allow_tf32",
    "m.backends.cudnn.version()", "m.backends.cuda.matmul.allow_tf32",
    "m.backends.cuda.is_built()", "m.backends.cuda.flash_sdp_enabled()",
    "m.backends.opt_einsum.is_available()",
    "m.accelerator.is_available()", "m.accelerator.current_accelerator()",
    "m.accelerator.device_count()", "m.accelerator.current_device_index()",
    "m.accelerator.set_device_index(0)", "m.accelerator.synchronize()",
    "m.get_default_device()", "m.version.cuda", "m.version.hip", "m.version.debug",
    "m.are_deterministic_algorithms_enabled()",
    "m.is_deterministic_algorithms_warn_only_enabled()", "m.get_deterministic_debug_mode()",
    "m.use_deterministic_algorithms('a')", "m.set_num_threads(0)", "m.set_num_threads(-1)",
    "m.set_num_threads(1.5)", "m.set_num_threads(True)", "m.get_float32_matmul_precision()",
    "m.is_warn_always_enabled()",
]
INFO = [
    "m.finfo(m.float32)", "m.finfo(m.float16)", "m.finfo(m.float64)", "m.finfo()",
    "m.finfo(m.complex64)", "m.finfo(float)", "m.finfo(m.int32)", "m.finfo('float32')",
    "m.finfo(m.float16).tiny", "m.finfo(m.float64).resolution", "m.finfo(m.float32).eps",
    "m.finfo(m.float32).bits", "m.finfo(m.float32).dtype", "m.finfo(m.float32).max",
    "m.finfo(m.float32).min", "m.finfo(m.float32).smallest_normal",
    "m.finfo(m.float32) == m.finfo(m.float32)", "m.iinfo(m.int32)", "m.iinfo(m.uint8)",
    "m.iinfo(m.int64)", "m.iinfo(m.int64).max", "m.iinfo(m.int8).dtype", "m.iinfo(m.bool)",
    "m.iinfo(m.float32)", "m.iinfo(m.int16).bits", "type(m.iinfo(m.int8).max).__name__",
]


@pytest.mark.parametrize("expr", DEVICES + TO + NAMESPACES + INFO)
def test_matches_torch_cpu_build(torch, expr):
    same(torch, expr)


def test_device_pickles_and_is_immutable():
    d = cr.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        d.type = "cpu"


def test_default_device(torch):
    # torch.set_default_device installs a global TorchFunctionMode; in the test process it
    # later crashed torch's own register_hook (a segfault in PyFunctionTensorPreHook), so
    # torch's answers come from a subprocess.
    import subprocess
    import sys
    code = ("import torch; torch.set_default_device('cpu'); a = torch.get_default_device(); "
            "torch.set_default_device(None); print(a, torch.get_default_device())")
    ref = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    cr.set_default_device("cpu")
    mine = [str(cr.get_default_device())]
    cr.set_default_device(None)
    mine.append(str(cr.get_default_device()))
    assert mine == ref == ["cpu", "cpu"]
    cr.set_default_device("cuda")
    try:
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            cr.get_default_device()
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            cr.zeros(2)
        assert cr.zeros(2, device="cpu").device == cr.device("cpu")
    finally:
        cr.set_default_device(None)
    with cr.device("cpu"):
        assert cr.ones(1).device == cr.device("cpu")
    assert cr.get_default_device() == cr.device("cpu")


def test_to_returns_self_or_a_recorded_copy(torch):
    for m in (torch, cr):
        x = m.ones(2, 3, requires_grad=True)
        assert x.to("cpu") is x and x.cpu() is x and x.to(m.float32) is x
        assert x.to(device="cpu", dtype=None) is x and x.to(None) is x
        assert x.to(memory_format=m.contiguous_format) is x
        for y in (x.to(m.float32, copy=True), x.to(copy=True), x.to("cpu", copy=True),
                  x.to(m.float64), x.double(), x.type(m.float64),
                  x.view(1, 2, 3, 1).to(memory_format=m.channels_last)):
            assert y is not x and y.grad_fn.name() == "ToCopyBackward0"
        assert x.cpu().grad_fn is None


def test_cuda_programs_take_their_cpu_path():
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    model = cr.nn.Linear(3, 2).to(device) if hasattr(cr.nn.Linear(3, 2), "to") else None
    x = cr.randn(4, 3, device=device)
    assert x.device == device
    assert model is None or model(x).shape == (4, 2)
    cr.backends.cudnn.benchmark = True
    cr.backends.cudnn.deterministic = True
    try:
        assert cr.backends.cudnn.benchmark is True
        with cr.backends.cudnn.flags(enabled=False):
            assert cr.backends.cudnn.enabled is False
        assert cr.backends.cudnn.enabled is True
    finally:
        cr.backends.cudnn.benchmark = False
        cr.backends.cudnn.deterministic = False


def test_threads_round_trip():
    n = cr.get_num_threads()
    assert isinstance(n, int) and n >= 1
    cr.set_num_threads(1)
    try:
        assert cr.get_num_threads() == 1
    finally:
        cr.set_num_threads(n)
    cr.set_num_interop_threads(2)
    assert cr.get_num_interop_threads() == 2


def test_deterministic_switches_round_trip(torch):
    try:
        for m in (torch, cr):
            m.use_deterministic_algorithms(True)
            assert m.are_deterministic_algorithms_enabled()
            assert m.get_deterministic_debug_mode() == 2
            m.use_deterministic_algorithms(False, warn_only=True)
            assert not m.are_deterministic_algorithms_enabled()
            assert m.is_deterministic_algorithms_warn_only_enabled()
            m.set_deterministic_debug_mode("warn")
            assert m.get_deterministic_debug_mode() == 1
            m.set_deterministic_debug_mode(0)
            assert not m.are_deterministic_algorithms_enabled()
    finally:
        for m in (torch, cr):
            m.use_deterministic_algorithms(False)


def test_float32_matmul_precision_round_trips():
    cr.set_float32_matmul_precision("high")
    try:
        assert cr.get_float32_matmul_precision() == "high"
    finally:
        cr.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        cr.set_float32_matmul_precision("low")


def test_version_attributes():
    assert cr.version.__version__ == cr.__version__
    assert cr.version.cuda is None and cr.version.torch_version == "2.13.0"


@pytest.mark.parametrize("name", ["nonexistent_thing", "utils_missing", "distributed_x",
                                  "jit_thing"])
def test_missing_names_are_attribute_errors(name):
    assert not hasattr(cr, name)
    with pytest.raises(AttributeError, match=f"module 'chainrule' has no attribute '{name}'"):
        getattr(cr, name)


def test_submodules_load_lazily_and_hasattr_works():
    for name in ("cuda", "backends", "accelerator", "testing", "version", "random", "nn",
                 "optim", "storage"):
        assert hasattr(cr, name)
    assert hasattr(cr.backends, "mps") and hasattr(cr.backends, "cudnn")


def test_import_stays_light():
    code = ("import sys, chainrule\n"
            "heavy = [m for m in ('chainrule.cuda', 'chainrule.testing', 'chainrule.backends',"
            " 'scipy', 'chainrule.nn') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
