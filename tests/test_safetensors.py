"""chainrule.safetensors: the safetensors.torch API, files interchangeable with the package."""
import numpy as np
import pytest

import chainrule
from chainrule import safetensors as cst

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "uint16", "uint32", "uint64"]


def _sample(lib, name):
    base = lib.arange(6).reshape(2, 3)
    if name == "bool":
        return base % 2 == 0
    return base.to(getattr(lib, name))


def _same(ours, theirs):
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("name", DTYPES)
def test_our_file_loads_with_safetensors_torch(torch, tmp_path, name):
    st = pytest.importorskip("safetensors.torch")
    ours = {"t": _sample(chainrule, name), "s": chainrule.ones(()), "e": chainrule.zeros(0, 2)}
    cst.save_file(ours, tmp_path / "a.safetensors", metadata={"format": "pt"})
    got = st.load_file(str(tmp_path / "a.safetensors"))
    for k in ours:
        _same(ours[k], got[k])
    assert st.load(cst.save(ours)).keys() == ours.keys()


@pytest.mark.parametrize("name", DTYPES)
def test_safetensors_torch_file_loads_here(torch, tmp_path, name):
    st = pytest.importorskip("safetensors.torch")
    ref = {"t": _sample(torch, name), "s": torch.ones(()), "e": torch.zeros(0, 2)}
    st.save_file(ref, str(tmp_path / "b.safetensors"), metadata={"k": "v"})
    got = cst.load_file(tmp_path / "b.safetensors")
    for k in ref:
        _same(got[k], ref[k])
    for k, v in cst.load(st.save(ref)).items():
        _same(v, ref[k])
    with cst.safe_open(tmp_path / "b.safetensors", framework="pt") as f:
        assert f.metadata() == {"k": "v"}
        assert sorted(f.keys()) == ["e", "s", "t"]
        assert f.get_slice("t").get_shape() == [2, 3]
        _same(f.get_slice("t")[1:], ref["t"][1:])


def test_bytes_match_the_package(torch):
    st = pytest.importorskip("safetensors.torch")
    ref = {"z": torch.zeros(2, dtype=torch.float64), "a": torch.ones(3, dtype=torch.int8),
           "m": torch.ones(2, 2)}
    ours = {k: chainrule.tensor(v.numpy()) for k, v in ref.items()}
    assert cst.save(ours, metadata={"k": "v"}) == st.save(ref, metadata={"k": "v"})


def test_bfloat16_loads_as_float32_without_ml_dtypes(torch, tmp_path, monkeypatch):
    st = pytest.importorskip("safetensors.torch")
    monkeypatch.setattr(chainrule._dtypes, "bf16_available", lambda: False)
    ref = torch.tensor([1.5, -2.0, 3e38]).to(torch.bfloat16)
    st.save_file({"w": ref}, str(tmp_path / "bf.safetensors"))
    with pytest.warns(UserWarning, match="bfloat16"):
        got = cst.load_file(tmp_path / "bf.safetensors")["w"]
    assert got.dtype == chainrule.float32
    np.testing.assert_array_equal(got.numpy(), ref.float().numpy())


def test_numpy_package_reads_and_writes(tmp_path):
    sn = pytest.importorskip("safetensors.numpy")
    sn.save_file({"x": np.arange(4, dtype=np.int32)}, str(tmp_path / "n.safetensors"))
    assert cst.load_file(tmp_path / "n.safetensors")["x"].tolist() == [0, 1, 2, 3]
    cst.save_file({"y": chainrule.ones(2)}, tmp_path / "o.safetensors")
    np.testing.assert_array_equal(sn.load_file(str(tmp_path / "o.safetensors"))["y"], [1, 1])


def test_model_round_trip_and_torch_load_dispatch(torch, tmp_path):
    m = chainrule.nn.Sequential(chainrule.nn.Linear(3, 2), chainrule.nn.Linear(2, 1))
    cst.save_model(m, tmp_path / "m.safetensors")
    other = chainrule.nn.Sequential(chainrule.nn.Linear(3, 2), chainrule.nn.Linear(2, 1))
    assert cst.load_model(other, tmp_path / "m.safetensors") == ([], [])
    for a, b in zip(m.parameters(), other.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    via_load = chainrule.load(str(tmp_path / "m.safetensors"))
    assert list(via_load) == sorted(m.state_dict())
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    st = pytest.importorskip("safetensors.torch")
    st.load_model(tm, str(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(tm[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    with pytest.raises(RuntimeError, match="Missing key"):
        cst.load_model(chainrule.nn.Linear(3, 3), tmp_path / "m.safetensors")


def test_save_errors_match_safetensors_torch():
    x = chainrule.ones(4, 4)
    with pytest.raises(ValueError, match="non contiguous"):
        cst.save({"t": x.t()})
    with pytest.raises(RuntimeError, match="share memory"):
        cst.save({"a": x, "b": x[1:]})
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        cst.save({"a": 3})
    with pytest.raises(ValueError, match="Expected a dict"):
        cst.save([x])
    with pytest.raises(ValueError, match="complex128"):
        cst.save({"c": chainrule.ones(2, dtype=chainrule.complex128)})


@pytest.mark.parametrize("data", [b"\x05\x00", b"\x05\x00\x00\x00\x00\x00\x00\x00{abc}",
                                  b"\xff\x00\x00\x00\x00\x00\x00\x00{}",
                                  b'\x30\x00\x00\x00\x00\x00\x00\x00{"a":{"dtype":"F32",'
                                  b'"shape":[4],"data_offsets":[0,16]}}  ' + b"\x00" * 8])
def test_corrupt_data_raises_safetensor_error(data):
    with pytest.raises(cst.SafetensorError):
        cst.load(data)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        cst.load_file(tmp_path / "nope.safetensors")


def test_torch_load_of_a_safetensors_path_checks_map_location(tmp_path):
    cst.save_file({"a": chainrule.ones(2)}, tmp_path / "x.safetensors")
    path = str(tmp_path / "x.safetensors")
    assert chainrule.load(path, map_location="cpu")["a"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="dict map_location"):
        chainrule.load(path, map_location={"cpu": "cpu"})
    with pytest.raises(RuntimeError, match="callable map_location"):
        chainrule.load(path, map_location=lambda storage, loc: storage)
    with pytest.raises(RuntimeError, match="CPU-only machine"):
        chainrule.load(path, map_location="cuda")
