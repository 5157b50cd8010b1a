"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector
and back (torch.nn.utils.convert_parameters)."""
from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from ..modules._utils import typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated (differentiable)."""
    from ... import cat
    vec = []
    for param in parameters:
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next slice of ``vec`` as its data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
