"""The ``torch.*`` function forms torch has of in-place (and a few other) Tensor methods:
``torch.clamp_(x, ...)`` is ``x.clamp_(...)``, ``torch.detach(x)`` is ``x.detach()``, and
so on; plus ``torch.fill``, the out-of-place fill (FillBackward0 for a number,
FillBackward1 for a 0-d tensor, whose gradient is the sum of the output's)."""
from __future__ import annotations

from .._factory import torch_type_name
from .._tensor import Tensor
from ._registry import dispatch, expose, op
from .arithmetic import zero_grad

FILL_OUT = op("fill_out", lambda xp, x, value: xp.full_like(x, value), vjps=(zero_grad,),
              params=("value",), checked=("value",), grad_fn="FillBackward0")
FILL_OUT_TENSOR = op("fill_out_tensor", lambda xp, x, value: xp.full_like(x, value),
                     inputs=("x", "value"), vjps=(zero_grad, lambda F, g: F.sum(g)),
                     grad_fn="FillBackward1", broadcasts=True)


@expose(method=False)
def fill(input: Tensor, value) -> Tensor:
    """A tensor of ``input``'s shape and dtype filled with ``value`` (a number, or a 0-d
    tensor that receives the sum of the gradient).

    >>> import chainrule as torch
    >>> torch.fill(torch.zeros(2), 3)
    tensor([3., 3.])
    """
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return dispatch(FILL_OUT_TENSOR, (input, value))
    return dispatch(FILL_OUT, (input,), {"value": value})


def _function_form(name: str):
    def form(input: Tensor, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{torch_type_name(input)}")
        # looked up when called: some methods attach after the ops (chainrule/_tensor_api.py)
        return getattr(Tensor, name)(input, *args, **kwargs)
    form.__name__ = form.__qualname__ = name
    form.__doc__ = f"``torch.{name}(input, ...)``: the same as ``input.{name}(...)``."
    return expose(form, method=False)


# Tensor methods that torch also shows as torch.<name>(input, ...).
for _name in ("clamp_", "clamp_min_", "clamp_max_", "clip_", "addmv_", "as_strided_",
              "fill_", "zero_", "index_put_", "resize_as_", "detach", "detach_"):
    _function_form(_name)
