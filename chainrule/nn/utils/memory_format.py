"""Converting convolution weights to a memory format (torch.nn.utils.memory_format)."""
from __future__ import annotations

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, names: tuple):
    if type(module).__name__ in names:
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, names)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Lay out the weights of every Conv2d / ConvTranspose2d in ``memory_format``."""
    return _convert(module, memory_format, ("Conv2d", "ConvTranspose2d"))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Lay out the weights of every Conv3d / ConvTranspose3d in ``memory_format``."""
    return _convert(module, memory_format, ("Conv3d", "ConvTranspose3d"))
