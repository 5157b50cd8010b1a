"""``chainrule.utils.tensorboard``: torch.utils.tensorboard's ``SummaryWriter``, writing real
TensorBoard event files through the ``tensorboard`` package (the optional extra
``tensorboard``), so ``tensorboard --logdir runs`` shows chainrule runs."""
try:
    import tensorboard
except ImportError as exc:  # the same message torch gives without the package
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above") from exc


def _version(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


if not hasattr(tensorboard, "__version__") or _version(tensorboard.__version__) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
