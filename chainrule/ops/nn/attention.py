"""Scaled dot-product attention as torch runs it on the CPU.

``scaled_dot_product_attention`` picks torch's backend: the fused CPU flash kernel (one
node, ScaledDotProductFlashAttentionForCpuBackward0, edges to query, key and value; its
backward has no derivative, as in torch) when the inputs are 4-D with one head size, no
dropout, last dims contiguous, batch and head counts equal (or grouped with
``enable_gqa``) and a 2-D/4-D mask that needs no gradient; otherwise torch's math path, a
composite (scaled q and k: MulBackward1, matmul, the mask added, ``_safe_softmax``:
SafeSoftmaxBackward0, dropout: MulBackward0, matmul). Empty inputs give zeros joined to the
graph as torch joins them. ``multi_head_attention_forward`` lives in ``_attention_mha.py``.
"""
from __future__ import annotations

import math

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from ._attention_mha import multi_head_attention_forward
from ._shared import _scalar_mul

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_CPP_WORDS = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}
_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


# ---------------------------------------------------------------------------- _safe_softmax
def _safe_softmax_kernel(xp, x, dim):
    """softmax along ``dim`` with rows that are all -inf giving zeros (not NaN)."""
    with xp.errstate(invalid="ignore", divide="ignore"):
        top = x.max(axis=dim, keepdims=True) if x.shape[dim] else xp.zeros_like(
            x.sum(axis=dim, keepdims=True))
        top = xp.where(xp.isfinite(top), top, 0)
        e = xp.exp(x - top)
        total = e.sum(axis=dim, keepdims=True)
        out = xp.where(total == 0, 0, e / total)
    return out.astype(x.dtype, copy=False)


def _safe_softmax_rule(F, g, out, dim):
    from .. import OPS
    if "_softmax_backward_data" in OPS:  # the softmax family's backward op, when present
        return F._softmax_backward_data(g, out, dim)
    return out * (g - F.sum(g * out, (dim,), True))


SAFE_SOFTMAX = op("_safe_softmax", _safe_softmax_kernel, params=("dim",),
                  vjps=(_safe_softmax_rule,), grad_fn="SafeSoftmaxBackward0")


@expose(method=False)
def _safe_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """torch._safe_softmax: softmax along ``dim`` where fully masked (-inf) rows give 0
    (SafeSoftmaxBackward0)."""
    if dtype is not None:
        input = input.to(dtype)
    return dispatch(SAFE_SOFTMAX, (input,), {"dim": dim % input.ndim if input.ndim else 0})


# ---------------------------------------------------------------------------- flash (CPU)
def _repeat_heads(xp, t, heads):
    """Grouped-query attention: repeat each key/value head to ``heads`` heads."""
    return t if t.shape[-3] == heads else xp.repeat(t, heads // t.shape[-3], axis=-3)


def _attention_probs(xp, q, k, mask, is_causal, scale):
    wd = "float32" if q.dtype.itemsize == 2 else q.dtype
    s = (q.astype(wd, copy=False) @ xp.swapaxes(k.astype(wd, copy=False), -1, -2)) * scale
    if is_causal:
        length, src = s.shape[-2:]
        s = xp.where(xp.tril(xp.ones((length, src), dtype=bool)), s, -xp.inf)
    if mask is not None:
        s = s + mask.astype(wd, copy=False)
    return _safe_softmax_kernel(xp, s, -1)


def _like_layout(xp, values, like):
    """``values`` copied into an array whose strides are ordered as ``like``'s (the CPU
    kernel allocates its output in the query's layout: a reshape after MHA's permute is
    then a view)."""
    order = sorted(range(like.ndim), key=lambda d: -like.strides[d])
    buf = xp.empty(tuple(values.shape[d] for d in order), dtype=like.dtype)
    out = buf.transpose([order.index(d) for d in range(like.ndim)])
    out[...] = values
    return out


def _flash_forward(xp, q, k, v, mask, is_causal, scale):
    heads = q.shape[-3]
    k, v = _repeat_heads(xp, k, heads), _repeat_heads(xp, v, heads)
    p = _attention_probs(xp, q, k, mask, is_causal, scale)
    return _like_layout(xp, p @ v.astype(p.dtype, copy=False), q)


def _flash_backward_forward(xp, grad_out, q, k, v, mask, is_causal, scale):
    heads, kv_heads = q.shape[-3], k.shape[-3]
    kr, vr = _repeat_heads(xp, k, heads), _repeat_heads(xp, v, heads)
    p = _attention_probs(xp, q, kr, mask, is_causal, scale)
    wd = p.dtype
    g = grad_out.astype(wd, copy=False)
    dv = xp.swapaxes(p, -1, -2) @ g
    dp = g @ xp.swapaxes(vr.astype(wd, copy=False), -1, -2)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    dq = (ds @ kr.astype(wd, copy=False)) * scale
    dk = (xp.swapaxes(ds, -1, -2) @ q.astype(wd, copy=False)) * scale
    if kv_heads != heads:
        shape = dk.shape[:-3] + (kv_heads, heads // kv_heads) + dk.shape[-2:]
        dk = dk.reshape(shape).sum(-3)
        dv = dv.reshape(dv.shape[:-3] + (kv_heads, heads // kv_heads) + dv.shape[-2:]).sum(-3)
    return dq.astype(q.dtype), dk.astype(k.dtype), dv.astype(v.dtype)


_FLASH_PARAMS = ("mask", "is_causal", "scale")


def _flash_rule(F, g, q, k, v, mask, is_causal, scale):
    return F._scaled_dot_product_flash_attention_for_cpu_backward(g, q, k, v, mask,
                                                                  is_causal, scale)


def _flash_no_derivative(F, g):
    raise RuntimeError("derivative for aten::_scaled_dot_product_flash_attention_for_cpu_"
                       "backward is not implemented")


FLASH = op("_scaled_dot_product_flash_attention_for_cpu", _flash_forward,
           inputs=("q", "k", "v"), params=_FLASH_PARAMS,
           vjps=(_flash_rule,), variadic=True,
           grad_fn="ScaledDotProductFlashAttentionForCpuBackward0")
FLASH_BACKWARD = op("_scaled_dot_product_flash_attention_for_cpu_backward",
                    _flash_backward_forward, inputs=("grad_out", "q", "k", "v"),
                    params=_FLASH_PARAMS, num_outputs=3,
                    vjps=(_flash_no_derivative,) * 4, grad_fn="NotImplemented")
FLASH_BACKWARD.node_cls.name = lambda self: "torch::autograd::NotImplemented"


@expose(method=False, internal=True)
def _scaled_dot_product_flash_attention_for_cpu_backward(grad_out, q, k, v, mask, is_causal,
                                                         scale) -> tuple:
    """(grad query, grad key, grad value) of the CPU flash kernel (a NotImplemented node
    under create_graph, as in torch)."""
    return dispatch(FLASH_BACKWARD, (grad_out, q, k, v),
                    {"mask": mask, "is_causal": is_causal, "scale": scale})


# ---------------------------------------------------------------------------- public
def _validate(query, key, value, attn_mask):
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_CPP_WORDS.get(query.dtype.name)} key.dtype: "
                           f"{_CPP_WORDS.get(key.dtype.name)} and value.dtype: "
                           f"{_CPP_WORDS.get(value.dtype.name)} instead.")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and "
                           f"value.dim: {value.ndim} instead.")
    if attn_mask is not None:
        mdt = attn_mask.dtype
        if mdt.name not in ("bool", "float32") and mdt != query.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match "
                               f"query dtype, but got attn_mask.dtype: "
                               f"{_CPP_WORDS.get(mdt.name, mdt.name)} and  query.dtype: "
                               f"{_CPP_WORDS.get(query.dtype.name)} instead.")


def _use_flash(query, key, value, attn_mask, dropout_p, enable_gqa) -> bool:
    """torch's CPU flash-kernel conditions (sdp_utils_cpp: use_flash_attention_cpp)."""
    if dropout_p > 0 or query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        return False
    if query._data.dtype.kind not in "fV":
        return False
    e = query.shape[-1]
    if key.shape[-1] != e or value.shape[-1] != e:
        return False
    if not (query.shape[0] == key.shape[0] == value.shape[0]):
        return False
    qh, kh, vh = query.shape[1], key.shape[1], value.shape[1]
    if enable_gqa:
        if kh != vh or qh % kh:
            return False
    elif not qh == kh == vh:
        return False
    for t in (query, key, value):
        if t.ndim and t.stride(-1) != 1 and t.shape[-1] > 1:
            return False
    if attn_mask is not None:
        if attn_mask.requires_grad or attn_mask.ndim not in (2, 4):
            return False
        want = (query.shape[0], qh, query.shape[2], key.shape[2])[-attn_mask.ndim:]
        if any(m not in (1, w) for m, w in zip(attn_mask.shape, want)):
            return False
    return True


def _bool_mask(mask: Tensor, dtype) -> Tensor:
    """torch's convert_boolean_attn_mask: True keeps (0), False masks (-inf)."""
    xp = mask.xp
    data = xp.where(mask._data, 0.0, -xp.inf).astype(dtype.np if hasattr(dtype, "np")
                                                        else dtype)
    return Tensor._make(data)


def _sdpa_dropout(attn: Tensor, p: float) -> Tensor:
    """at::dropout(attn, p, train=True) on the CPU: ``attn * noise`` (MulBackward0)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")
    if p == 0 or attn.numel() == 0:
        return attn
    xp = attn.xp
    if p == 1:
        return attn * Tensor._make(xp.zeros((), dtype=attn._data.dtype))
    import chainrule
    keep = chainrule.rand(tuple(attn.shape), dtype=chainrule.float64)._data < 1 - p
    noise = keep.astype(attn._data.dtype) / attn._data.dtype.type(1 - p)
    return attn * Tensor._make(noise)


def _repeat_interleave_heads(t: Tensor, repeats: int) -> Tensor:
    return t if repeats == 1 else t.repeat_interleave(repeats, dim=-3)


def _math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    """torch's _scaled_dot_product_attention_math, op for op."""
    half = query._data.dtype.itemsize == 2
    q, k, v = (query.float(), key.float(), value.float()) if half else (query, key, value)
    negative = scale is not None and scale < 0
    base = abs(scale) if negative else scale
    factor = math.sqrt(base if base is not None else 1.0 / math.sqrt(q.shape[-1]))
    q = _scalar_mul(q, -factor if negative else factor)
    if is_causal and attn_mask is not None:  # (the flash kernel takes both)
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if is_causal:
        length, src = q.shape[-2], k.shape[-2]
        xp = q.xp
        attn_mask = Tensor._make(xp.where(xp.tril(xp.ones((length, src), dtype=bool)), 0.0,
                                          -xp.inf).astype(q._data.dtype))
    if enable_gqa:
        qh, kh, vh = q.shape[-3], k.shape[-3], v.shape[-3]
        if not (qh == kh == vh):
            if qh % kh or qh % vh:
                raise RuntimeError("Number of heads in key and value must divide the number "
                                   "of heads in ")
            k = _repeat_interleave_heads(k, qh // kh)
            v = _repeat_interleave_heads(v, qh // vh)
    attn = q.matmul(_scalar_mul(k.transpose(-2, -1), factor))
    if attn_mask is not None:
        try:
            shape = tuple(attn.xp.broadcast_shapes(tuple(attn.shape), tuple(attn_mask.shape)))
        except ValueError:  # the addition below raises torch's broadcasting error
            shape = tuple(attn.shape)
        if shape != tuple(attn.shape):  # torch adds in place
            raise RuntimeError(f"output with shape {list(attn.shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")
        attn = attn + attn_mask
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = _sdpa_dropout(attn, dropout_p)
    out = attn.matmul(v)
    return out.to(query.dtype) if half else out


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two dims (scale 1/sqrt(E) unless
    given): ``attn_mask`` bool (True attends) or float (added), ``is_causal`` a lower
    triangular mask, ``dropout_p`` dropout on the weights (chainrule's generator),
    ``enable_gqa`` grouped-query heads. torch's CPU backends and graphs (module doc)."""
    _validate(query, key, value, attn_mask)
    if query.numel() == 0 or key.numel() == 0 or value.numel() == 0:
        return _empty_attention(query, key, value)
    if query._data.dtype.kind not in "fV":
        raise RuntimeError(f"expected scalar type Float but found "
                           f"{_WORDS.get(query.dtype.name, query.dtype.name)}")
    mask = attn_mask
    if mask is not None and mask.dtype.name == "bool":
        mask = _bool_mask(mask, query._data.dtype)
    if _use_flash(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0:
            raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do "
                               "not support dropout > 0")
        s = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
        return dispatch(FLASH, (query, key, value),
                        {"mask": None if mask is None else mask._data,
                         "is_causal": bool(is_causal), "scale": float(s)})
    return _math(query, key, value, mask, dropout_p, is_causal, scale, enable_gqa)


def _empty_attention(query, key, value):
    """torch's answer for empty inputs: zeros of the output's shape, joined to the graph
    through ``(q.sum() + k.sum() + v.sum()) * 0``."""
    xp = query.xp
    shape = tuple(query.shape[:-1]) + (value.shape[-1],)
    zeros = Tensor._make(xp.zeros(shape, dtype=query._data.dtype))
    return zeros + _scalar_mul(query.sum() + key.sum() + value.sum(), 0.0)
