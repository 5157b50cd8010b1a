"""Summary protocol buffers for the writer: scalars, histograms, images, text, hparams and
raw tensors, built as torch.utils.tensorboard.summary builds them."""
from __future__ import annotations

import io

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ..._tensor import Tensor
from ._convert import convert_to_hwc, make_np

__all__ = ["scalar", "histogram", "histogram_raw", "make_histogram", "image", "make_image",
           "text", "hparams", "tensor_proto"]


def scalar(name, tensor, collections=None, new_style=False, double_precision=False) -> Summary:
    """A Summary holding one scalar (``simple_value``, or a tensor with ``new_style``)."""
    tensor = make_np(tensor).squeeze()
    if tensor.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given "
                             f"size: {tensor.size} and {tensor.ndim} dimensions.")
    value = float(tensor)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=value)])
    proto = (TensorProto(double_val=[value], dtype="DT_DOUBLE") if double_precision
             else TensorProto(float_val=[value], dtype="DT_FLOAT"))
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=smd)])


_TENSOR_FIELDS = {
    "float16": ("DT_HALF", "half_val", lambda a: a.view(np.uint16).astype(int).tolist()),
    "float32": ("DT_FLOAT", "float_val", lambda a: a.tolist()),
    "float64": ("DT_DOUBLE", "double_val", lambda a: a.tolist()),
    "int8": ("DT_INT8", "int_val", lambda a: a.tolist()),
    "uint8": ("DT_UINT8", "int_val", lambda a: a.tolist()),
    "int16": ("DT_INT16", "int_val", lambda a: a.tolist()),
    "int32": ("DT_INT32", "int_val", lambda a: a.tolist()),
    "int64": ("DT_INT64", "int64_val", lambda a: a.tolist()),
    "bool": ("DT_BOOL", "bool_val", lambda a: a.tolist()),
    "complex64": ("DT_COMPLEX64", "scomplex_val",
                  lambda a: np.stack([a.real, a.imag], -1).reshape(-1).tolist()),
    "complex128": ("DT_COMPLEX128", "dcomplex_val",
                   lambda a: np.stack([a.real, a.imag], -1).reshape(-1).tolist()),
}


def tensor_proto(tag, tensor) -> Summary:
    """A Summary holding a whole tensor (the ``tensor`` plugin)."""
    arr = make_np(tensor) if isinstance(tensor, Tensor) else np.asarray(tensor)
    if arr.nbytes >= 1 << 31:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if arr.dtype.name not in _TENSOR_FIELDS:
        raise ValueError(f"{tag} has unsupported tensor dtype {arr.dtype}")
    dtype, field, convert = _TENSOR_FIELDS[arr.dtype.name]
    proto = TensorProto(dtype=dtype, tensor_shape=TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=n) for n in arr.shape]),
        **{field: convert(arr.reshape(-1))})
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="tensor"))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=proto)])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits,  # noqa: A002
                  bucket_counts) -> Summary:
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def histogram(name, values, bins, max_bins=None) -> Summary:
    hist = make_histogram(make_np(values).astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def make_histogram(values, bins, max_bins=None) -> HistogramProto:
    """The histogram proto of ``values`` (TensorBoard's histogram.cc logic: empty buckets
    at both ends trimmed to one)."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    num_bins = len(counts)
    if max_bins is not None and num_bins > max_bins:
        sub = num_bins // max_bins
        remainder = num_bins % sub
        if remainder != 0:
            counts = np.pad(counts, pad_width=[[0, sub - remainder]], mode="constant")
        counts = counts.reshape(-1, sub).sum(axis=-1)
        new_limits = np.empty((counts.size + 1,), limits.dtype)
        new_limits[:-1] = limits[:-1:sub]
        new_limits[-1] = limits[-1]
        limits = new_limits
    cum_counts = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum_counts, [0, cum_counts[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    return HistogramProto(min=values.min(), max=values.max(), num=len(values),
                          sum=values.sum(), sum_squares=values.dot(values),
                          bucket_limit=limits.tolist(), bucket=counts.tolist())


def _scale_factor(arr) -> int:
    return 1 if arr.dtype == np.uint8 else 255


def image(tag, tensor, rescale=1, dataformats="NCHW") -> Summary:
    """A Summary holding one PNG image (values in [0, 1] for floats, [0, 255] for uint8)."""
    arr = convert_to_hwc(make_np(tensor), dataformats)
    scale = _scale_factor(arr)
    arr = (arr.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(arr, rescale=rescale))])


def make_image(tensor, rescale=1) -> Summary.Image:
    """An H x W x C uint8 array as a PNG Image proto (needs Pillow)."""
    from PIL import Image
    height, width, channel = tensor.shape
    img = Image.fromarray(tensor)
    img = img.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return Summary.Image(height=height, width=width, colorspace=channel,
                         encoded_image_string=out.getvalue())


def text(tag, text) -> Summary:
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
    proto = TensorProto(dtype="DT_STRING", string_val=[text.encode(encoding="utf_8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=smd, tensor=proto)])


def _plugin_summary(tag, content) -> Summary:
    from tensorboard.plugins.hparams.metadata import PLUGIN_NAME
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name=PLUGIN_NAME, content=content.SerializeToString()))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd)])


def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The three Summaries of the hparams plugin: experiment, session start, session end."""
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
    version = metadata.PLUGIN_DATA_VERSION
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    hparam_domain_discrete = hparam_domain_discrete or {}
    if not isinstance(hparam_domain_discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing "
                        "logged.")
    for k, v in hparam_domain_discrete.items():
        if (k not in hparam_dict or not isinstance(v, list)
                or not all(isinstance(d, type(hparam_dict[k])) for d in v)):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same "
                            f"type as hparam_dict[{k}].")
    hps = []
    ssi = plugin_data_pb2.SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(make_np(v).reshape(-1)[0])
        if isinstance(v, (int, float)):  # bools too, as torch does
            field, kind, wrap = "number_value", "DATA_TYPE_FLOAT64", "number_value"
        elif isinstance(v, str):
            field, kind, wrap = "string_value", "DATA_TYPE_STRING", "string_value"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(ssi.hparams[k], field, v)
        domain = None
        if k in hparam_domain_discrete:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{wrap: d})
                                                  for d in hparam_domain_discrete[k]])
        hps.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(kind),
                                      domain_discrete=domain))
    data = plugin_data_pb2.HParamsPluginData
    ssi_summary = _plugin_summary(metadata.SESSION_START_INFO_TAG,
                                  data(session_start_info=ssi, version=version))
    exp = api_pb2.Experiment(hparam_infos=hps, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict])
    exp_summary = _plugin_summary(metadata.EXPERIMENT_TAG, data(experiment=exp, version=version))
    sei = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    sei_summary = _plugin_summary(metadata.SESSION_END_INFO_TAG,
                                  data(session_end_info=sei, version=version))
    return exp_summary, ssi_summary, sei_summary


def audio(tag, tensor, sample_rate=44100) -> Summary:
    """A Summary holding one mono WAV clip (values in [-1, 1]; louder ones are clipped)."""
    import wave
    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    array = (array * np.iinfo(np.int16).max).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wave_write:
        wave_write.setnchannels(1)
        wave_write.setsampwidth(2)
        wave_write.setframerate(sample_rate)
        wave_write.writeframes(array.data)
    clip = Summary.Audio(sample_rate=sample_rate, num_channels=1,
                         length_frames=array.shape[-1], encoded_audio_string=out.getvalue(),
                         content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=clip)])


def custom_scalars(layout) -> Summary:
    """The layout of the custom-scalars plugin: {category: {title: [kind, tags]}}."""
    from tensorboard.plugins.custom_scalar import layout_pb2
    categories = []
    for category, charts_meta in layout.items():
        charts = []
        for title, (kind, tags) in charts_meta.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                content = layout_pb2.MarginChartContent(series=[
                    layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1],
                                                         upper=tags[2])])
                charts.append(layout_pb2.Chart(title=title, margin=content))
            else:
                charts.append(layout_pb2.Chart(
                    title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=category, chart=charts))
    proto = TensorProto(dtype="DT_STRING",
                        string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
                        tensor_shape=TensorShapeProto())
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom_scalars"))
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", tensor=proto,
                                        metadata=smd)])


def _pr_summary(tag, data, num_thresholds) -> Summary:
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves",
                                                                 content=content))
    proto = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=n)
                                                           for n in data.shape]))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=proto)])


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127,
                 weights=None) -> Summary:
    data = np.stack([make_np(v) if isinstance(v, Tensor) else np.asarray(v)
                     for v in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, data, min(num_thresholds, 127))


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None) -> Summary:
    num_thresholds = min(num_thresholds, 127)  # more breaks the protobuf (torch's limit)
    return _pr_summary(tag, compute_curve(labels, predictions, num_thresholds, weights),
                       num_thresholds)


def compute_curve(labels, predictions, num_thresholds=None, weights=None) -> np.ndarray:
    """(tp, fp, tn, fn, precision, recall) at each threshold (TensorBoard's pr_curve)."""
    minimum_count = 1e-7
    weights = 1.0 if weights is None else weights
    bucket_indices = np.int32(np.floor(predictions * (num_thresholds - 1)))
    float_labels = labels.astype(np.float64)
    histogram_range = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(bucket_indices, bins=num_thresholds, range=histogram_range,
                                 weights=float_labels * weights)
    fp_buckets, _ = np.histogram(bucket_indices, bins=num_thresholds, range=histogram_range,
                                 weights=(1.0 - float_labels) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(minimum_count, tp + fp)
    recall = tp / np.maximum(minimum_count, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))
