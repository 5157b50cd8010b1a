"""Small helpers shared by nn and optim: torch's type names, repr indentation, hook
handles and load_state_dict's result."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

from ..._tensor import Tensor
from ...utils.hooks import RemovableHandle

__all__ = ["RemovableHandle", "_IncompatibleKeys", "addindent", "typename"]

_TENSOR_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
                 "int16": "ShortTensor",
                 "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
                 "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}


def typename(obj: Any) -> str:
    """torch.typename: ``torch.FloatTensor`` for a tensor, else ``module.QualName``, with
    chainrule's package spelled ``torch`` (what code written for torch expects)."""
    if isinstance(obj, Tensor):
        return "torch." + _TENSOR_TYPES.get(obj.dtype.name, "Tensor")
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    if module == "chainrule" or module.startswith("chainrule."):
        module = "torch" + module[len("chainrule"):]
    return f"{module}.{qualname}"


def addindent(s: str, num_spaces: int) -> str:
    """Indent every line but the first (torch's ``_addindent``)."""
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line if line.strip() else ""
                                     for line in lines)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """load_state_dict's result: the keys it could not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__
