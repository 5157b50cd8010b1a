"""``linear``, which torch composes from matrix ops (so its graph is addmm/mm/view nodes, not
a node of its own)."""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import expose
from ..linalg import addmm
from ._util import _numel

__all__ = ["linear"]


@expose(method=False, internal=True)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, composed exactly as torch's F.linear: addmm for 2-D input
    with bias; flatten to 2-D, addmm and view back for other contiguous input with a 1-D
    bias; otherwise matmul, then add the bias."""
    nd = input.ndim
    if nd == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{nd}D and {weight.ndim}D")
    if bias is not None:
        if nd == 2:
            return addmm(bias, input, weight.t())
        if bias.ndim == 1 and input.is_contiguous():
            sizes = input._data.shape
            flat = input.reshape(_numel(sizes[:-1]), sizes[-1])
            out = addmm(bias, flat, weight.t())
            return out.view(sizes[:-1] + (out._data.shape[1],))
    out = input.matmul(weight.t())
    if bias is not None:
        out = out.add(bias)  # torch adds in place; the recorded node is AddBackward0 either way
    return out
