"""sum-to-shape: the one place broadcasting is undone."""
from __future__ import annotations


def reduced_axes(grad_shape, shape):
    """The axes to sum so that a gradient of ``grad_shape`` takes the broadcast-from
    ``shape``: (leading axes to drop, axes to keep with size 1). Both index the gradient as
    it is, so sum the kept axes first (keepdim), then drop the leading ones."""
    lead = len(grad_shape) - len(shape)
    lead_axes = tuple(range(lead))
    keep = tuple(i + lead for i, n in enumerate(shape) if n == 1 and grad_shape[i + lead] != 1)
    return lead_axes, keep


def sum_to_shape(g, shape):
    """Sum the Tensor ``g`` down to ``shape`` (differentiable: used under create_graph)."""
    lead, keep = reduced_axes(tuple(g.shape), tuple(shape))
    if keep:
        g = g.sum(dim=keep, keepdim=True)
    if lead:
        g = g.sum(dim=lead)
    return g
