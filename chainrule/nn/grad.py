"""torch.nn.grad: the gradients of a convolution with respect to its input and its weight,
as functions (``conv2d_input(input_size, weight, grad_output, ...)``).

Each is the backward of the forward convolution, taken with ``autograd.grad`` at a zero
tensor of the requested size (the gradient does not depend on the value there: the
convolution is linear in each argument), so it is differentiable in the other arguments.
"""
from __future__ import annotations

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight",
           "conv3d_input", "conv3d_weight"]


def _grad_at_zero(conv, size, other, grad_output, wrt_input, stride, padding, dilation,
                  groups):
    from .. import autograd, enable_grad, zeros
    at = zeros(tuple(size), dtype=grad_output.dtype, requires_grad=True)
    args = (at, other) if wrt_input else (other, at)
    create = bool(other.requires_grad or grad_output.requires_grad)
    with enable_grad():
        out = conv(*args, None, stride, padding, dilation, groups)
        g, = autograd.grad(out, at, grad_output, create_graph=create)
    return g


def _pair(dim):
    from . import functional as F
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dim]

    def conv_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1,
                   groups=1):
        return _grad_at_zero(conv, input_size, weight, grad_output, True, stride, padding,
                             dilation, groups)

    def conv_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1,
                    groups=1):
        return _grad_at_zero(conv, weight_size, input, grad_output, False, stride, padding,
                             dilation, groups)

    conv_input.__name__, conv_weight.__name__ = f"conv{dim}d_input", f"conv{dim}d_weight"
    conv_input.__qualname__, conv_weight.__qualname__ = conv_input.__name__, conv_weight.__name__
    conv_input.__doc__ = (f"The gradient of conv{dim}d with respect to its input, of size "
                          "``input_size``.")
    conv_weight.__doc__ = (f"The gradient of conv{dim}d with respect to its weight, of size "
                           "``weight_size``.")
    return conv_input, conv_weight


conv1d_input, conv1d_weight = _pair(1)
conv2d_input, conv2d_weight = _pair(2)
conv3d_input, conv3d_weight = _pair(3)
