"""Padding: ``pad`` and the ops behind it, as torch's ``_pad_enum`` picks them.

* constant: ``constant_pad_nd`` (ConstantPadNdBackward0; negative pads crop), whose
  backward is ``constant_pad_nd`` with the pads negated;
* reflect / replicate: ``reflection_pad{1,2,3}d`` / ``replication_pad{1,2,3}d``
  (ReflectionPad2DBackward0 ...), each with its backward as an op
  (ReflectionPad2DBackwardBackward0 ...) whose derivative in ``grad_output`` is the forward;
* circular: a composite, as in torch: ``new_empty`` and slice copies (CopySlices nodes).

The reflect/replicate forward gathers each padded dim with an index array (one ``take``
per dim); the backward adds the gradient back in at most three unique-index segments per
dim (left border, centre, right border), never an ``add.at``.
"""
from __future__ import annotations

from ..._creation import empty
from ..._tensor import Tensor
from .._registry import dispatch, expose, op

__all__ = ["pad"]


# ---------------------------------------------------------------------------- constant
def _constant_pad(xp, x, pad, value=0):
    nd = len(pad) // 2
    lead = x.ndim - nd
    pairs = [(pad[2 * (nd - 1 - i)], pad[2 * (nd - 1 - i) + 1]) for i in range(nd)]
    shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in
                                   zip(x.shape[lead:], pairs))
    if x.dtype.kind == "b":
        fill = bool(value)
    elif x.dtype.kind in "iu":
        fill = int(value)
    else:
        fill = value
    out = xp.full(shape, fill, dtype=x.dtype)
    src = (Ellipsis,) + tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in
                              zip(x.shape[lead:], pairs))
    dst = (Ellipsis,) + tuple(slice(max(lo, 0), m - max(hi, 0)) for m, (lo, hi) in
                              zip(shape[lead:], pairs))
    out[dst] = x[src]
    return out


CONSTANT_PAD_ND = op("constant_pad_nd", _constant_pad, params=("pad", "value"),
                     vjps=(lambda F, g, pad: F.constant_pad_nd(g, tuple(-p for p in pad), 0),),
                     grad_fn="ConstantPadNdBackward0")


@expose(method=False)
def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims with ``value`` (pads are (left, right) pairs from
    the last dim backwards; negative pads crop) (ConstantPadNdBackward0)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals "
                           f"{len(pad)}")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Length of pad should be no more than twice the number of "
                           f"dimensions of the input. Pad length is {len(pad)} while the "
                           f"input has {input.ndim} dimensions.")
    nd = len(pad) // 2
    for i in range(nd):
        n = input.shape[input.ndim - 1 - i]
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if n + min(lo, 0) + min(hi, 0) < 0 or n + lo + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return dispatch(CONSTANT_PAD_ND, (input,), {"pad": pad, "value": value})


# ---------------------------------------------------------------------------- reflect etc.
def _pairs(padding, nd):
    """(lo, hi) per padded dim, first padded dim first (torch lists the last dim first)."""
    return [(padding[2 * (nd - 1 - i)], padding[2 * (nd - 1 - i) + 1]) for i in range(nd)]


def _source(xp, n, lo, hi, mode):
    """The input position each output position along one dim reads."""
    pos = xp.arange(-lo, n + hi)
    if mode == "reflect":
        pos = xp.abs(pos)
        return xp.where(pos >= n, 2 * (n - 1) - pos, pos)
    return xp.clip(pos, 0, n - 1)


def _border_pad(xp, x, padding, mode):
    nd = len(padding) // 2
    lead = x.ndim - nd
    out = x
    for i, (lo, hi) in enumerate(_pairs(padding, nd)):
        if lo or hi:
            out = xp.take(out, _source(xp, x.shape[lead + i], lo, hi, mode), axis=lead + i)
    return out if out is not x else x.copy()


def _border_pad_backward(xp, g, x, padding, mode):
    """The transpose of ``_border_pad``: per dim (last padded first), the gradient of a
    ``take`` with repeated positions, as up to three adds of unique positions."""
    nd = len(padding) // 2
    lead = x.ndim - nd
    for i in reversed(range(nd)):
        lo, hi = _pairs(padding, nd)[i]
        if not (lo or hi):
            continue
        axis = lead + i
        n = x.shape[axis]
        src = _source(xp, n, lo, hi, mode)
        gm = xp.moveaxis(g, axis, -1)
        out = xp.zeros(gm.shape[:-1] + (n,), dtype=g.dtype)
        left = max(lo, 0)
        right = gm.shape[-1] - max(hi, 0)
        centre = src[left:right]
        if centre.size:
            out[..., centre[0]:centre[-1] + 1] += gm[..., left:right]
        if mode == "reflect":
            if left:
                out[..., src[:left]] += gm[..., :left]
            if right < gm.shape[-1]:
                out[..., src[right:]] += gm[..., right:]
        else:
            if left:
                out[..., 0] += gm[..., :left].sum(axis=-1)
            if right < gm.shape[-1]:
                out[..., n - 1] += gm[..., right:].sum(axis=-1)
        g = xp.moveaxis(out, -1, axis)
    return xp.ascontiguousarray(g)


def _border_ops(mode: str, word: str):
    """The forward and backward op pair of one border mode for 1, 2 and 3 padded dims."""
    pairs = {}
    for nd in (1, 2, 3):
        name = f"{word}_pad{nd}d"
        title = f"{word.capitalize()}Pad{nd}D"
        backward = op(f"{name}_backward",
                      (lambda m: lambda xp, grad_output, x, padding:
                       _border_pad_backward(xp, grad_output, x, padding, m))(mode),
                      inputs=("grad_output", "x"), params=("padding",),
                      vjps=((lambda n: lambda F, g, padding: getattr(F, n)(g, padding))(name),
                            lambda F, g, x: F.zeros(tuple(x.shape), dtype=x.dtype)),
                      grad_fn=f"{title}BackwardBackward0")
        forward = op(name, (lambda m: lambda xp, x, padding: _border_pad(xp, x, padding, m))(mode),
                     params=("padding",),
                     vjps=((lambda n: lambda F, g, x, padding:
                            getattr(F, n + "_backward")(g, x, padding))(name),),
                     grad_fn=f"{title}Backward0")
        pairs[nd] = (forward, backward)
    return pairs


_BORDER = {"reflect": _border_ops("reflect", "reflection"),
           "replicate": _border_ops("replicate", "replication")}


def _check_border(input, padding, mode, nd):
    shape = tuple(input.shape)
    dims = input.ndim
    batch = 1 if dims == nd + 2 else 0
    if any(s == 0 for s in shape[batch:]):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly "
                           f"0 batch size and other non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    if input._data.dtype.kind == "b":
        word = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f"\"{word}_pad{nd}d\" not implemented for 'Bool'")
    pairs = list(enumerate(_pairs(padding, nd)))
    for i, (lo, hi) in reversed(pairs):  # torch checks the last dim first
        d = dims - nd + i
        n = shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #{4 + 2 * (nd - 1 - i)}: Padding size should be less "
                               f"than the corresponding input dimension, but got: padding "
                               f"({lo}, {hi}) at dimension {d} of input {list(shape)}")
    for i, (lo, hi) in pairs:
        d = dims - nd + i
        n = shape[d]
        if n + lo + hi < 0 or (nd == 1 and n + lo + hi < 1):
            word = "DHW"[3 - nd + i]
            raise RuntimeError(f"input ({word}: {n}) is too small. Calculated output {word}: "
                               f"{n + lo + hi}")


def _border_public(mode: str, nd: int):
    word = "reflection" if mode == "reflect" else "replication"
    fwd, bwd = _BORDER[mode][nd]

    def forward(input: Tensor, padding) -> Tensor:
        padding = tuple(int(p) for p in padding)
        _check_border(input, padding, mode, nd)
        return dispatch(fwd, (input,), {"padding": padding})

    def backward(grad_output: Tensor, input: Tensor, padding) -> Tensor:
        return dispatch(bwd, (grad_output, input), {"padding": tuple(padding)})

    forward.__name__ = forward.__qualname__ = f"{word}_pad{nd}d"
    forward.__doc__ = f"{mode.capitalize()} padding of the last {nd} dim(s) ({fwd.grad_fn})."
    backward.__name__ = backward.__qualname__ = f"{word}_pad{nd}d_backward"
    backward.__doc__ = f"The gradient of {word}_pad{nd}d ({bwd.grad_fn})."
    return (expose(forward, method=False, internal=True),
            expose(backward, method=False, internal=True))


reflection_pad1d, reflection_pad1d_backward = _border_public("reflect", 1)
reflection_pad2d, reflection_pad2d_backward = _border_public("reflect", 2)
reflection_pad3d, reflection_pad3d_backward = _border_public("reflect", 3)
replication_pad1d, replication_pad1d_backward = _border_public("replicate", 1)
replication_pad2d, replication_pad2d_backward = _border_public("replicate", 2)
replication_pad3d, replication_pad3d_backward = _border_public("replicate", 3)
_BORDER_FNS = {("reflect", 1): reflection_pad1d, ("reflect", 2): reflection_pad2d,
               ("reflect", 3): reflection_pad3d, ("replicate", 1): replication_pad1d,
               ("replicate", 2): replication_pad2d, ("replicate", 3): replication_pad3d}


# ---------------------------------------------------------------------------- circular
def _pad_circular(input: Tensor, padding) -> Tensor:
    """torch's ``_pad_circular``, step for step (so the graph is its CopySlices chain): copy
    the input into the middle of an empty tensor, then each border from the opposite side."""
    in_shape = tuple(input.shape)
    nd = len(padding) // 2
    lead = input.ndim - nd
    out_shape = list(in_shape)
    for i in range(nd):
        lo, hi = padding[2 * (nd - i - 1)], padding[2 * (nd - i - 1) + 1]
        size = in_shape[lead + i]
        out_shape[lead + i] = size + lo + hi
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[lead + i] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = empty(tuple(out_shape), dtype=input.dtype, device=input.device)
    # torch slices ``out`` once per padded dim for the centre; one index of every slice is
    # the same view (CopySlices on ``out`` either way).
    centre, in_slice = [slice(None)] * input.ndim, input
    for i in range(nd):
        dim = nd - i + lead - 1
        lo, hi = padding[2 * i], padding[2 * i + 1]
        centre[dim] = slice(max(lo, 0), out_shape[dim] - max(hi, 0))
        start = max(-lo, 0)
        in_slice = in_slice.narrow(dim, start, in_shape[dim] - max(-hi, 0) - start)
    out[tuple(centre)].copy_(in_slice)
    for i in range(nd):
        dim = nd - i + lead - 1
        lo, hi = padding[2 * i], padding[2 * i + 1]
        lead_key = (slice(None),) * dim
        if lo > 0:
            src = out_shape[dim] - lo - max(hi, 0)
            out[lead_key + (slice(0, lo),)].copy_(out.narrow(dim, src, lo))
        if hi > 0:
            out[lead_key + (slice(out_shape[dim] - hi, out_shape[dim]),)].copy_(
                out.narrow(dim, max(lo, 0), hi))
    return out


# ---------------------------------------------------------------------------- pad
_MODES = ("constant", "reflect", "replicate", "circular")


@expose(method=False, internal=True)
def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input``'s last ``len(pad) // 2`` dims: ``pad`` is (left, right) pairs from the
    last dim backwards; ``mode`` is 'constant' (with ``value``), 'reflect', 'replicate' or
    'circular'.

    >>> import chainrule as torch
    >>> torch.nn.functional.pad(torch.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not "
                        f"{type(mode).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pads = list(pad)
    for i, p in enumerate(pads):
        if isinstance(p, float) or not hasattr(p, "__index__"):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}")
    pads = tuple(int(p) for p in pads)
    dims = input.ndim
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) > 2 * dims:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pads)} and input of "
                           f"dimension {dims}")
    if mode == "constant":
        return constant_pad_nd(input, pads, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    nd = len(pads) // 2
    if nd not in (1, 2, 3) or dims not in (nd + 1, nd + 2):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {dims}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        return _pad_circular(input, pads)
    return _BORDER_FNS[(mode, nd)](input, pads)
