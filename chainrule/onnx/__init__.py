"""``torch.onnx``, importable so programs that mention it start. Exporting needs a traced
graph of the model, which comes with chainrule's graph mode; until then ``export`` raises
NotImplementedError."""
from __future__ import annotations

__all__ = ["export", "dynamo_export", "is_in_onnx_export", "OnnxExporterError"]

_GRAPH_MODE = ("torch.onnx.export needs the model traced into a graph, and chainrule has no "
               "graph mode (torch.jit.trace / torch.export) yet; save the weights with "
               "torch.save(model.state_dict(), path) and export from torch instead")


class OnnxExporterError(RuntimeError):
    """Raised when an ONNX export fails."""


def export(model, args=(), f=None, *pos, **kwargs):
    """Not available yet: ONNX export comes with graph mode."""
    raise NotImplementedError(_GRAPH_MODE)


def dynamo_export(model, *args, **kwargs):
    raise NotImplementedError(_GRAPH_MODE)


def is_in_onnx_export() -> bool:
    """False: chainrule never runs a model inside an ONNX export."""
    return False
