"""utils.tensorboard.SummaryWriter: real event files, read back with TensorBoard's
EventAccumulator and compared with what torch's SummaryWriter writes."""
import os
import warnings

import numpy as np
import pytest

import chainrule

pytest.importorskip("tensorboard", reason="the tensorboard package (extra 'tensorboard') is "
                                          "not installed")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from chainrule.utils.tensorboard import SummaryWriter  # noqa: E402


def _events(path):
    acc = EventAccumulator(str(path), size_guidance={"images": 0, "histograms": 0,
                                                      "scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def _write_both(torch, tmp_path, fill):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    with SummaryWriter(tmp_path / "ours") as w:
        fill(w, chainrule)
    with TorchWriter(tmp_path / "torch") as w:
        fill(w, torch)
    return _events(tmp_path / "ours"), _events(tmp_path / "torch")


def test_scalars_match_torch(torch, tmp_path):
    def fill(w, lib):
        for step in range(5):
            w.add_scalar("loss", lib.tensor(1.0 / (step + 1)), step)
            w.add_scalar("lr", 0.1 * step, step, new_style=True)
    ours, ref = _write_both(torch, tmp_path, fill)
    for tag in ("loss",):
        got = [(e.step, e.value) for e in ours.Scalars(tag)]
        assert got == [(e.step, e.value) for e in ref.Scalars(tag)]
        assert len(got) == 5
    assert ours.Tags()["tensors"] == ref.Tags()["tensors"] == ["lr"]


def test_add_scalars_writes_one_run_per_tag(torch, tmp_path):
    def fill(w, lib):
        for step in range(3):
            w.add_scalars("run", {"a": step, "b": -step}, step)
    _write_both(torch, tmp_path, fill)
    runs = [sorted(d for d in os.listdir(tmp_path / side) if not d.startswith("events"))
            for side in ("ours", "torch")]
    assert runs[0] == runs[1] == ["run_a", "run_b"]
    sub = _events(tmp_path / "ours" / "run_b")
    assert [e.value for e in sub.Scalars("run")] == [0.0, -1.0, -2.0]


def test_histogram_matches_torch(torch, tmp_path):
    values = np.random.default_rng(0).standard_normal(200).astype(np.float32)

    def fill(w, lib):
        w.add_histogram("w", lib.tensor(values), 0)
        w.add_histogram("auto", lib.tensor(values), 1, bins="auto")
        w.add_histogram_raw("raw", 0.0, 2.0, 3, 3.0, 5.0, [1.0, 2.0], [1, 2], 2)
    ours, ref = _write_both(torch, tmp_path, fill)
    for tag in ("w", "auto", "raw"):
        a, b = ours.Histograms(tag)[0].histogram_value, ref.Histograms(tag)[0].histogram_value
        assert a.bucket == b.bucket and a.bucket_limit == b.bucket_limit
        assert (a.min, a.max, a.num) == (b.min, b.max, b.num)
        assert a.sum == pytest.approx(b.sum) and a.sum_squares == pytest.approx(b.sum_squares)


def test_images_match_torch(torch, tmp_path):
    pytest.importorskip("PIL")
    img = np.linspace(0, 1, 3 * 8 * 6, dtype=np.float32).reshape(3, 8, 6)
    batch = np.stack([img, 1 - img])

    def fill(w, lib):
        w.add_image("one", lib.tensor(img), 0)
        w.add_image("hwc", lib.tensor(img.transpose(1, 2, 0)), 0, dataformats="HWC")
        w.add_images("many", lib.tensor(batch), 0)
    ours, ref = _write_both(torch, tmp_path, fill)
    for tag in ("one", "hwc", "many"):
        a, b = ours.Images(tag)[0], ref.Images(tag)[0]
        assert (a.width, a.height) == (b.width, b.height)
        assert a.encoded_image_string == b.encoded_image_string


def test_text_and_hparams(torch, tmp_path):
    def fill(w, lib):
        w.add_text("note", "hello **tensorboard**", 3)
        w.add_hparams({"lr": 0.1, "opt": "sgd", "bs": 32}, {"hparam/loss": 0.5},
                      run_name="hp")
    ours, ref = _write_both(torch, tmp_path, fill)
    got = ours.Tensors("note/text_summary")[0]
    assert got.step == 3 and got.tensor_proto.string_val == [b"hello **tensorboard**"]
    hp_ours, hp_ref = _events(tmp_path / "ours" / "hp"), _events(tmp_path / "torch" / "hp")
    assert hp_ours.Tags()["tensors"] == hp_ref.Tags()["tensors"]
    assert [e.value for e in hp_ours.Scalars("hparam/loss")] == [0.5]
    meta = hp_ours.SummaryMetadata("_hparams_/session_start_info")
    assert meta.plugin_data.content == hp_ref.SummaryMetadata(
        "_hparams_/session_start_info").plugin_data.content
    with pytest.raises(TypeError, match="dictionary"):
        SummaryWriter(tmp_path / "x").add_hparams([], {})


def test_flush_close_context_manager_and_graph_warning(tmp_path):
    w = SummaryWriter(tmp_path / "run", comment="ignored")
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(tmp_path / "run"))
    assert [e.value for e in _events(tmp_path / "run").Scalars("x")] == [1.0]
    with pytest.warns(UserWarning, match="graph mode"):
        w.add_graph(chainrule.nn.Linear(2, 1), chainrule.ones(1, 2))
    w.close()
    w.close()  # a second close is ignored
    w.add_scalar("x", 2.0, 1)  # writing after close reopens a new file
    w.close()
    assert w.get_logdir() == tmp_path / "run"
    with pytest.raises(AssertionError, match="one element"):
        with warnings.catch_warnings():
            SummaryWriter(tmp_path / "y").add_scalar("bad", chainrule.ones(3))


def test_pr_curve_audio_and_custom_scalars_match_torch(torch, tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 50)
    preds = rng.random(50).astype(np.float32)
    sound = np.sin(np.linspace(0, 20, 800)).astype(np.float32)

    def fill(w, lib):
        w.add_pr_curve("pr", lib.tensor(labels), lib.tensor(preds), 0, num_thresholds=20)
        w.add_pr_curve_raw("raw", [3, 2], [1, 0], [0, 1], [0, 1], [0.75, 1.0], [1.0, 0.66],
                           1, num_thresholds=2)
        w.add_audio("snd", lib.tensor(sound), 0, sample_rate=8000)
        w.add_custom_scalars({"cat": {"both": ["Multiline", ["a", "b"]],
                                      "band": ["Margin", ["m", "lo", "hi"]]}})
    ours, ref = _write_both(torch, tmp_path, fill)
    for tag in ("pr", "raw", "custom_scalars__config__"):
        assert ours.Tensors(tag)[0].tensor_proto == ref.Tensors(tag)[0].tensor_proto
    assert (ours.Audio("snd")[0].encoded_audio_string
            == ref.Audio("snd")[0].encoded_audio_string)


def test_add_embedding_writes_torchs_projector_files(torch, tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(2)
    mat = rng.standard_normal((4, 3)).astype(np.float32)
    imgs = rng.random((4, 3, 5, 5)).astype(np.float32)

    def fill(w, lib):
        w.add_embedding(lib.tensor(mat), metadata=["a", "b", "c", "d"],
                        label_img=lib.tensor(imgs), global_step=2, tag="points/x")
        w.add_embedding(lib.tensor(mat), metadata=[[1, "p"], [2, "q"], [3, "r"], [4, "s"]],
                        metadata_header=["n", "name"], tag="table")
    _write_both(torch, tmp_path, fill)
    for rel in ("projector_config.pbtxt", "00002/points%2fx/tensors.tsv",
                "00002/points%2fx/metadata.tsv", "00002/points%2fx/sprite.png",
                "00000/table/metadata.tsv"):
        assert (tmp_path / "ours" / rel).read_bytes() == (tmp_path / "torch" / rel).read_bytes()
