"""save/load in torch's zip format: round trips with real torch in both directions."""
import copy
import io
import os
import pickle
import subprocess
import sys
import warnings
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import chainrule
from chainrule import serialization

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128", "uint16", "uint32", "uint64"]


def _sample(lib, name):
    dtype = getattr(lib, name)
    base = lib.arange(6).reshape(2, 3)
    if name == "bool":
        return base % 2 == 0
    if name.startswith("complex"):
        return (base.to(dtype) * (1 + 2j)).to(dtype)
    return base.to(dtype)


def _same(ours, theirs):
    np.testing.assert_array_equal(np.asarray(ours.detach().numpy()),
                                  theirs.detach().numpy())
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)


def _save_torch(torch, obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    buf.seek(0)
    return buf


def _save_ours(obj, **kw):
    buf = io.BytesIO()
    chainrule.save(obj, buf, **kw)
    buf.seek(0)
    return buf


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_loads_from_torch(torch, name):
    t = _sample(torch, name)
    ours = chainrule.load(_save_torch(torch, t))
    _same(ours, t)


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_loads_into_torch(torch, name):
    ours = _sample(chainrule, name)
    t = torch.load(_save_ours(ours), weights_only=True)
    _same(ours, t)


def test_bfloat16_from_torch_loads_as_float32_exactly_without_ml_dtypes(torch, monkeypatch):
    monkeypatch.setattr(chainrule._dtypes, "bf16_available", lambda: False)
    t = torch.tensor([1.5, -3.25, 1e30]).to(torch.bfloat16)
    with pytest.warns(UserWarning, match="bfloat16"):
        ours = chainrule.load(_save_torch(torch, {"w": t}))["w"]
    assert ours.dtype == chainrule.float32
    np.testing.assert_array_equal(ours.numpy(), t.float().numpy())


def test_bfloat16_from_torch_loads_as_bfloat16(torch):
    pytest.importorskip("ml_dtypes")
    t = torch.tensor([1.5, -3.25, 1e30]).to(torch.bfloat16)
    ours = chainrule.load(_save_torch(torch, {"w": t}))["w"]
    assert ours.dtype == chainrule.bfloat16
    np.testing.assert_array_equal(ours.float().numpy(), t.float().numpy())


# ---------------------------------------------------------------------------- geometry
def test_views_share_storage_after_torch_load(torch):
    x = chainrule.arange(12.0).reshape(3, 4)
    col, tr = x[:, 1], x.t()
    got = torch.load(_save_ours({"x": x, "col": col, "tr": tr}))
    assert got["col"].stride() == col.stride() == (4,)
    assert got["col"].storage_offset() == col.storage_offset() == 1
    assert got["tr"].stride() == tr.stride()
    ptr = got["x"].untyped_storage().data_ptr()
    assert got["col"].untyped_storage().data_ptr() == ptr
    _same(col, got["col"])
    _same(tr, got["tr"])
    got["x"][0, 1] = 100.0
    assert got["col"][0].item() == 100.0


def test_views_share_storage_after_our_load(torch):
    x = torch.arange(12.0).reshape(3, 4)
    ours = chainrule.load(_save_torch(torch, {"x": x, "col": x[:, 1], "tr": x.t()}))
    assert ours["col"].stride() == (4,) and ours["col"].storage_offset() == 1
    assert ours["tr"].stride() == x.t().stride() and not ours["tr"].is_contiguous()
    assert (ours["col"].untyped_storage().data_ptr()
            == ours["x"].untyped_storage().data_ptr())
    _same(ours["tr"], x.t())
    ours["x"][0, 1] = 100.0
    assert ours["col"][0].item() == 100.0


def test_expanded_zero_stride_tensor_round_trips(torch):
    e = chainrule.arange(3.0).expand(4, 3)
    got = torch.load(_save_ours(e))
    assert got.stride() == (0, 1)
    _same(e, got)
    back = chainrule.load(_save_torch(torch, got))
    assert back.stride() == (0, 1)
    _same(back, got)


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,)])
def test_zero_dim_and_empty_round_trip(torch, shape):
    ours = chainrule.zeros(shape) + 2
    t = torch.load(_save_ours(ours))
    _same(ours, t)
    _same(chainrule.load(_save_torch(torch, t)), t)


def test_requires_grad_and_parameters_round_trip(torch):
    p = chainrule.nn.Parameter(chainrule.ones(2, 3))
    frozen = chainrule.nn.Parameter(chainrule.ones(2), requires_grad=False)
    leaf = chainrule.ones(3, requires_grad=True)
    got = torch.load(_save_ours({"p": p, "f": frozen, "leaf": leaf, "y": leaf * 2}))
    assert isinstance(got["p"], torch.nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["f"], torch.nn.Parameter) and not got["f"].requires_grad
    assert got["leaf"].requires_grad and got["y"].requires_grad and got["y"].is_leaf
    back = chainrule.load(_save_torch(torch, got))
    assert isinstance(back["p"], chainrule.nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["f"], chainrule.nn.Parameter) and not back["f"].requires_grad
    assert back["y"].requires_grad and back["y"].is_leaf
    assert repr(back["p"]) == repr(got["p"])


def test_shared_tensor_object_stays_one_object(torch):
    x = chainrule.ones(2)
    got = chainrule.load(_save_ours([x, x, {"again": x}]))
    assert got[0] is got[1] is got[2]["again"]
    t = torch.load(_save_ours([x, x]))
    assert t[0] is t[1]


def test_nested_containers_and_python_values(torch):
    obj = {"list": [1, 2.5, "s", None, True], "tuple": (chainrule.ones(1), 3),
           "od": OrderedDict(a=1), "size": chainrule.Size([2, 3]), "dtype": chainrule.int64,
           "device": chainrule.device("cpu"), "set": {1, 2}, "bytes": b"\x00\x01",
           "complex": 1 + 2j, "big": 2 ** 70, "neg": -5, "float": 1e-300}
    got = torch.load(_save_ours(obj))
    assert got["size"] == torch.Size([2, 3]) and got["dtype"] is torch.int64
    assert got["device"] == torch.device("cpu") and got["set"] == {1, 2}
    back = chainrule.load(_save_torch(torch, got))
    assert back["size"] == chainrule.Size([2, 3]) and isinstance(back["size"], chainrule.Size)
    assert back["dtype"] is chainrule.int64 and back["device"] == chainrule.device("cpu")
    for key in ("list", "od", "set", "bytes", "complex", "big", "neg", "float"):
        assert back[key] == obj[key]
    assert isinstance(back["od"], OrderedDict)


def test_file_is_byte_identical_to_torchs_but_for_the_serialization_id(torch, tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "ref").mkdir()
    chainrule.save({"a": chainrule.arange(6.0), "b": chainrule.ones(3, dtype=chainrule.int64),
                    "p": chainrule.nn.Parameter(chainrule.ones(2))},
                   tmp_path / "ours" / "model.ckpt.pt")
    torch.save({"a": torch.arange(6.0), "b": torch.ones(3, dtype=torch.int64),
                "p": torch.nn.Parameter(torch.ones(2))}, tmp_path / "ref" / "model.ckpt.pt")
    ours = (tmp_path / "ours" / "model.ckpt.pt").read_bytes()
    ref = (tmp_path / "ref" / "model.ckpt.pt").read_bytes()
    assert len(ours) == len(ref)
    ids = [zipfile.ZipFile(io.BytesIO(raw)).read("model.ckpt/.data/serialization_id")
           for raw in (ours, ref)]
    crcs = [zipfile.ZipFile(io.BytesIO(raw)).getinfo("model.ckpt/.data/serialization_id").CRC
            for raw in (ours, ref)]
    assert all(len(sid) == 40 and sid.isdigit() for sid in ids)
    blank = [raw.replace(sid, b"#" * 40).replace(np.uint32(crc).tobytes(), b"####")
             for raw, sid, crc in zip((ours, ref), ids, crcs)]
    assert blank[0] == blank[1]


def test_torchs_offset_calculation_and_debug_checks_accept_our_layout(torch, tmp_path,
                                                                      monkeypatch):
    # torch computes where each record's data starts from the layout miniz writes (the
    # data descriptors, the padding); TORCH_SERIALIZATION_DEBUG=1 checks it against the file
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    path = tmp_path / "d.pt"
    for n in range(0, 40, 3):
        chainrule.save({"a": chainrule.arange(float(n)),
                        "b": chainrule.ones(3, dtype=chainrule.int64),
                        "c": chainrule.ones(n + 1)}, path)
        got = torch.load(path, mmap=True)
        assert got["a"].tolist() == list(range(n)) and got["c"].tolist() == [1.0] * (n + 1)
        assert torch.load(path)["b"].tolist() == [1, 1, 1]


def test_zip64_records_read_back(torch, monkeypatch):
    from chainrule import _zip_writer
    monkeypatch.setattr(_zip_writer, "LIMIT", 100)  # as if every record were past 4 GiB
    buf = _save_ours({"a": chainrule.arange(60.0), "b": chainrule.ones(3)})
    assert zipfile.ZipFile(buf).testzip() is None
    buf.seek(0)
    assert chainrule.load(buf)["a"][-1].item() == 59.0
    buf.seek(0)
    assert torch.load(buf)["a"][-1].item() == 59.0


# ---------------------------------------------------------------------------- models
def test_torch_state_dict_loads_into_our_model(torch):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    sd = chainrule.load(_save_torch(torch, tm.state_dict()))
    cm = chainrule.nn.Sequential(chainrule.nn.Linear(4, 3), chainrule.nn.ReLU(),
                                 chainrule.nn.Linear(3, 2))
    cm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(cm(chainrule.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert list(sd.keys()) == list(tm.state_dict().keys())
    assert isinstance(sd, OrderedDict)


def test_our_state_dict_loads_into_torch_model(torch):
    cm = chainrule.nn.Sequential(chainrule.nn.Linear(4, 3), chainrule.nn.Tanh())
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh())
    tm.load_state_dict(torch.load(_save_ours(cm.state_dict()), weights_only=True))
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(),
                               cm(chainrule.tensor(x)).detach().numpy(), rtol=1e-6)


def test_optimizer_state_dicts_round_trip(torch):
    torch.manual_seed(0)
    tm = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    tm(torch.ones(4, 3)).sum().backward()
    topt.step()
    ck = chainrule.load(_save_torch(torch, {"model": tm.state_dict(), "opt": topt.state_dict()}))
    cm = chainrule.nn.Linear(3, 2)
    cm.load_state_dict(ck["model"])
    copt = chainrule.optim.Adam(cm.parameters(), lr=0.01)
    copt.load_state_dict(ck["opt"])
    for lib, m, opt in ((chainrule, cm, copt), (torch, tm, topt)):
        opt.zero_grad()
        m(lib.ones(4, 3)).sum().backward()
        opt.step()
    np.testing.assert_allclose(cm.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-6)
    back = torch.load(_save_ours(copt.state_dict()))
    assert back["param_groups"] == topt.state_dict()["param_groups"]
    for k, state in back["state"].items():
        for name, value in state.items():
            np.testing.assert_allclose(value.numpy(),
                                       topt.state_dict()["state"][k][name].numpy(), rtol=1e-6)


def test_whole_module_from_torch_needs_weights_only_false(torch):
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Sigmoid())
    buf = _save_torch(torch, tm)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        chainrule.load(buf)
    buf.seek(0)
    cm = chainrule.load(buf, weights_only=False)
    assert type(cm) is chainrule.nn.Sequential
    assert isinstance(cm[0], chainrule.nn.Linear)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(cm(chainrule.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert repr(cm) == repr(tm)
    buf.seek(0)
    with serialization.safe_globals([chainrule.nn.Sequential, chainrule.nn.Linear,
                                     chainrule.nn.Sigmoid, set]):
        assert type(chainrule.load(buf)) is chainrule.nn.Sequential


def test_our_whole_module_loads_back(tmp_path):
    cm = chainrule.nn.Sequential(chainrule.nn.Linear(3, 2), chainrule.nn.ReLU())
    chainrule.save(cm, tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals"):
        chainrule.load(tmp_path / "m.pt")
    back = chainrule.load(tmp_path / "m.pt", weights_only=False)
    x = chainrule.ones(1, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), cm(x).detach().numpy())
    assert back.state_dict().keys() == cm.state_dict().keys()
    assert isinstance(back[0].weight, chainrule.nn.Parameter)


# ---------------------------------------------------------------------------- options
def test_paths_pathlib_and_file_objects(torch, tmp_path):
    x = chainrule.arange(4.0)
    chainrule.save(x, str(tmp_path / "a.pt"))
    chainrule.save(x, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as fh:
        chainrule.save(x, fh)
    for name in ("a.pt", "b.pt", "c.pt"):
        _same(chainrule.load(tmp_path / name), torch.arange(4.0))
        with open(tmp_path / name, "rb") as fh:
            _same(chainrule.load(fh), torch.load(tmp_path / name))


def test_map_location_forms(torch):
    buf = _save_torch(torch, {"w": torch.ones(2)})
    seen = []

    def where(storage, location):
        seen.append(location)
        return storage

    for loc in ("cpu", chainrule.device("cpu"), {"cpu": "cpu"}, where,
                lambda storage, location: None):
        buf.seek(0)
        np.testing.assert_array_equal(chainrule.load(buf, map_location=loc)["w"].numpy(),
                                      [1.0, 1.0])
    assert seen == ["cpu"]
    buf.seek(0)
    with pytest.raises(RuntimeError, match="torch.cuda.is_available"):
        chainrule.load(buf, map_location="cuda")


def test_cuda_tagged_storage_loads_with_map_location_cpu():
    # a checkpoint from a GPU machine: the storage's location tag is 'cuda:0'
    buf = _save_ours({"w": chainrule.ones(2)})
    zin = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zout.writestr(info, data)
    out.seek(0)
    with pytest.raises(RuntimeError, match="CPU-only machine"):
        chainrule.load(out)
    for loc in ("cpu", {"cuda:0": "cpu"}, chainrule.device("cpu")):
        out.seek(0)
        assert chainrule.load(out, map_location=loc)["w"].tolist() == [1.0, 1.0]


def test_mmap_loads_a_copy_on_write_view(torch, tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "v": torch.arange(3)}, path)
    got = chainrule.load(path, mmap=True)
    np.testing.assert_array_equal(got["w"].numpy(), np.arange(6.0).reshape(2, 3))
    got["w"].add_(1)
    assert torch.load(path)["w"][0, 0].item() == 0.0  # the file is untouched
    with pytest.raises(ValueError, match="file path"):
        chainrule.load(io.BytesIO(path.read_bytes()), mmap=True)
    assert torch.load(_save_ours(chainrule.ones(2)), mmap=False).tolist() == [1.0, 1.0]
    chainrule.save(chainrule.ones(3), tmp_path / "o.pt")
    assert torch.load(tmp_path / "o.pt", mmap=True).tolist() == [1.0, 1.0, 1.0]


def test_pickle_protocol_option(torch):
    for protocol in (2, 4):
        buf = _save_ours({"w": chainrule.ones(2), "n": 3}, pickle_protocol=protocol)
        with pytest.warns(UserWarning, match="protocol") if protocol != 2 else _nothing():
            assert chainrule.load(buf)["n"] == 3
        buf.seek(0)
        assert torch.load(buf, weights_only=False)["w"].tolist() == [1.0, 1.0]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_legacy_format_both_ways(torch):
    x = torch.arange(6.0).reshape(2, 3)
    buf = _save_torch(torch, {"x": x, "col": x[:, 1]}, _use_new_zipfile_serialization=False)
    got = chainrule.load(buf)
    _same(got["x"], x)
    _same(got["col"], x[:, 1])
    buf.seek(0)
    _same(chainrule.load(buf, weights_only=False)["col"], x[:, 1])
    ours = _save_ours({"x": chainrule.arange(6.0).reshape(2, 3)},
                      _use_new_zipfile_serialization=False)
    _same(chainrule.load(ours)["x"], x)
    ours.seek(0)
    _same(chainrule.arange(6.0).reshape(2, 3), torch.load(ours)["x"])


def test_tensor_attributes_and_layout_round_trip(torch):
    t = chainrule.ones(2)
    t.note = "hello"
    got = torch.load(_save_ours({"t": t, "layout": chainrule.strided}), weights_only=True)
    assert got["t"].note == "hello" and got["layout"] is torch.strided
    back = chainrule.load(_save_torch(torch, got))
    assert back["t"].note == "hello" and back["layout"] is chainrule.strided


# ---------------------------------------------------------------------------- errors
def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        chainrule.load(tmp_path / "nope.pt")


def test_truncated_archive_names_the_file(tmp_path):
    chainrule.save({"w": chainrule.ones(100)}, tmp_path / "ok.pt")
    raw = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match=r"cut\.pt.*truncated or corrupt"):
        chainrule.load(tmp_path / "cut.pt")


def test_corrupted_data_fails_its_crc(tmp_path):
    chainrule.save({"w": chainrule.ones(4)}, tmp_path / "ok.pt")
    raw = bytearray((tmp_path / "ok.pt").read_bytes())
    i = raw.find(np.ones(4, np.float32).tobytes())
    raw[i + 1] ^= 0xFF
    (tmp_path / "bad.pt").write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match=r"bad\.pt.*data/0"):
        chainrule.load(tmp_path / "bad.pt")


@pytest.mark.parametrize("content", [b"", b"hello world, not a checkpoint", b"\x80\x02K\x05."])
def test_not_a_checkpoint_is_a_clear_error(tmp_path, content):
    (tmp_path / "junk.pt").write_bytes(content)
    with pytest.raises((pickle.UnpicklingError, EOFError), match="junk.pt"):
        chainrule.load(tmp_path / "junk.pt")


class Evil:
    marker = "pwned"

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_disallowed_global_is_refused_and_not_run(torch, tmp_path):
    path = tmp_path / "evil.pt"
    evil = Evil()
    evil.marker = str(tmp_path / "pwned")
    torch.save({"x": evil}, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        chainrule.load(path)
    assert not (tmp_path / "pwned").exists()
    message = str(info.value)
    assert "posix.system" in message or "os.system" in message
    assert "evil.pt" in message
    torch.save({"x": _Point(1, 2)}, path)
    with pytest.raises(pickle.UnpicklingError, match="safe_globals"):
        chainrule.load(path)
    with serialization.safe_globals([_Point]):
        assert chainrule.load(path)["x"] == _Point(1, 2)
    assert _Point not in serialization.get_safe_globals()
    serialization.add_safe_globals([_Point])
    try:
        assert chainrule.load(path)["x"] == _Point(1, 2)
        assert _Point in serialization.get_safe_globals()
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    assert f"{__name__}._Point" in serialization.get_unsafe_globals_in_checkpoint(path)


class _Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return (self.x, self.y) == (other.x, other.y)


def test_geometry_outside_the_storage_is_refused():
    buf = _save_ours(chainrule.ones(4))
    zin = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"K\x04\x85", b"K\x09\x85", 1)  # size (4,) -> (9,)
            zout.writestr(info, data)
    out.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="past the end of its storage"):
        chainrule.load(out)


def test_bad_arguments(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        chainrule.save(chainrule.ones(1), tmp_path / "missing" / "x.pt")
    with pytest.raises(IsADirectoryError):
        chainrule.load(tmp_path)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        chainrule.save({"f": lambda: 1}, tmp_path / "lambda.pt")
    assert not (tmp_path / "lambda.pt").exists()
    with pytest.raises(AttributeError, match="file-like object"):
        chainrule.save(chainrule.ones(1), 3)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        chainrule.load(io.BytesIO(), pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError, match="different types"):
        x = chainrule.ones(4)
        chainrule.save([x, x.view(chainrule.int32)], io.BytesIO())


# ---------------------------------------------------------------------------- pickling
def test_tensors_and_parameters_pickle_and_deepcopy():
    p = chainrule.nn.Parameter(chainrule.arange(3.0))
    t = chainrule.arange(4).reshape(2, 2)
    for obj in (p, t):
        for copied in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)):
            assert type(copied) is type(obj)
            np.testing.assert_array_equal(copied.numpy() if not copied.requires_grad
                                          else copied.detach().numpy(),
                                          obj.detach().numpy())
            assert copied.requires_grad == obj.requires_grad


def test_loads_a_torch_file_without_torch_installed(torch, tmp_path):
    path = tmp_path / "t.pt"
    m = torch.nn.Linear(3, 2)
    torch.save({"sd": m.state_dict(), "x": torch.arange(6).reshape(2, 3)[:, 1]}, path)
    expected = m.weight.detach().numpy().tolist()
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import chainrule\n"
        f"ck = chainrule.load({str(path)!r})\n"
        f"assert ck['sd']['weight'].tolist() == {expected!r}\n"
        "assert ck['x'].tolist() == [1, 4] and ck['x'].stride() == (3,)\n"
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n"
        "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(chainrule.__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_storages_saved_on_their_own_round_trip(torch):
    x = torch.arange(4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage is deprecated (in both libraries)
        typed, ours_typed = x.storage(), chainrule.arange(4.0).storage()
    got = chainrule.load(_save_torch(torch, {"t": typed, "x": x[1:]}))
    assert isinstance(got["t"], chainrule.TypedStorage) and got["t"].tolist() == x.tolist()
    assert got["t"].data_ptr() == got["x"].untyped_storage().data_ptr()
    y = chainrule.tensor(ours_typed.tolist())
    back = torch.load(_save_ours({"t": y.storage(), "x": y[2:]}))
    assert back["t"].tolist() == y.tolist() and back["x"].tolist() == [2.0, 3.0]
    assert back["x"].untyped_storage().data_ptr() == back["t"].data_ptr()
    raw = chainrule.load(_save_ours({"s": y.untyped_storage()}))["s"]
    assert isinstance(raw, chainrule.UntypedStorage) and raw.nbytes() == 16


@pytest.mark.filterwarnings("ignore")  # damaged protocol bytes warn, as torch's loader does
def test_damaged_files_raise_only_clean_errors():
    import random
    rng = random.Random(0)
    raws = [_save_ours({"a": chainrule.arange(6.0).reshape(2, 3), "b": [1, 2.5, "x"]}).read(),
            _save_ours({"a": chainrule.arange(6.0)}, _use_new_zipfile_serialization=False).read()]
    for trial in range(300):
        data = bytearray(raws[trial % 2])
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        try:
            chainrule.load(io.BytesIO(bytes(data)))
        except (pickle.UnpicklingError, RuntimeError, EOFError):
            pass
