"""Matrix products. mm, mv, dot, bmm and addmm carry rules (each bilinear: one rule per
side); matmul is composed from them exactly as torch composes it, so its grad_fn chain
matches torch's."""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op

MM = op("mm", lambda xp, a, b: xp.matmul(a, b), inputs=("a", "b"),
        vjps=(lambda F, g, b: F.mm(g, F.t(b)), lambda F, g, a: F.mm(F.t(a), g)))
MV = op("mv", lambda xp, a, v: xp.matmul(a, v), inputs=("a", "v"),
        vjps=(lambda F, g, v: F.mm(F.unsqueeze(g, 1), F.unsqueeze(v, 0)),
              lambda F, g, a: F.mv(F.t(a), g)))
DOT = op("dot", lambda xp, a, b: xp.dot(a, b), inputs=("a", "b"),
         vjps=(lambda F, g, b: g * b, lambda F, g, a: g * a))
BMM = op("bmm", lambda xp, a, b: xp.matmul(a, b), inputs=("a", "b"),
         vjps=(lambda F, g, b: F.bmm(g, F.transpose(b, 1, 2)),
               lambda F, g, a: F.bmm(F.transpose(a, 1, 2), g)))
# addmm(bias, m1, m2) = bias + m1 @ m2: what nn.Linear records (AddmmBackward0).
ADDMM = op("addmm", lambda xp, bias, m1, m2, beta=1, alpha=1:
           _scaled(xp.matmul(m1, m2), alpha) + _scaled(bias, beta),
           inputs=("bias", "m1", "m2"), params=("beta", "alpha"),
           vjps=(lambda F, g, beta: _scaled(g, beta),
                 lambda F, g, m2, alpha: _scaled(F.mm(g, F.t(m2)), alpha),
                 lambda F, g, m1, alpha: _scaled(F.mm(F.t(m1), g), alpha)),
           broadcasts=True)


def _scaled(x, k):
    return x if k == 1 else x * k


def _dims_word(shape) -> str:
    return "x".join(str(s) for s in shape)


def _same_dtype(a, b, name):
    """torch's dtype check for each product, with its own wording."""
    if a._data.dtype == b._data.dtype:
        return
    from .._inplace import _type_word
    x, y = _type_word(a.dtype), _type_word(b.dtype)
    messages = {
        "mm": f"expected m1 and m2 to have the same dtype, but got: {x.lower()} != {y.lower()}",
        "addmm_self": f"self and mat2 must have the same dtype, but got {x} and {y}",
        "addmm": f"mat1 and mat2 must have the same dtype, but got {x} and {y}",
        "mv": f"addmv input tensors must have the same dtype, but got {y}, {x}, and {y}",
        "dot": f"dot : expected both vectors to have same dtype, but found {x} and {y}",
        "bmm": f"expected scalar type {x} but found {y}",
    }
    raise RuntimeError(messages[name])


@expose
def mm(input, mat2):
    """Matrix product of two 2-D tensors (MmBackward0)."""
    if input.ndim != 2 or mat2.ndim != 2:
        which = "self" if input.ndim != 2 else "mat2"
        raise RuntimeError(f"{which} must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_dims_word(input._data.shape)} and "
                           f"{_dims_word(mat2._data.shape)})")
    _same_dtype(input, mat2, "mm")
    return dispatch(MM, (input, mat2))


@expose
def mv(input, vec):
    """Matrix-vector product (MvBackward0)."""
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat "
                           f"({_dims_word(input._data.shape)}), vec ({vec._data.shape[0]})")
    _same_dtype(input, vec, "mv")
    return dispatch(MV, (input, vec))


@expose
def dot(input, other):
    """Inner product of two 1-D tensors (DotBackward0)."""
    n, m = input._data.size, other._data.size
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _same_dtype(input, other, "dot")
    return dispatch(DOT, (input, other))


@expose
def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors (BmmBackward0)."""
    a, b = input._data.shape, mat2._data.shape
    if len(a) != 3 or len(b) != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if len(a) != 3 else
                           "batch2 must be a 3D tensor")
    if b[0] != a[0] or b[1] != a[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")
    _same_dtype(input, mat2, "bmm")
    return dispatch(BMM, (input, mat2))


@expose
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """input + mat1 @ mat2 (AddmmBackward0)."""
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_dims_word(mat1._data.shape)} and "
                           f"{_dims_word(mat2._data.shape)})")
    _same_dtype(input, mat2, "addmm_self")
    _same_dtype(mat1, mat2, "addmm")
    target = (mat1._data.shape[0], mat2._data.shape[1])
    bias = input._data.shape
    if bias != target and (len(bias) > 2 or any(
            n != 1 and n != t for n, t in zip(bias[::-1], target[::-1]))):
        input.expand(target)  # raises torch's expand error for a bias that cannot broadcast
    if beta != 1 or alpha != 1:
        return dispatch(ADDMM, (input, mat1, mat2), {"beta": beta, "alpha": alpha})
    return dispatch(ADDMM, (input, mat1, mat2))


@expose
def matmul(input, other):
    """torch.matmul: dot, mv, mm, or a batched product with broadcast batch dimensions."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    da, db = input.ndim, other.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        from ..shape import SQUEEZE_INPLACE_DIM
        return dispatch(SQUEEZE_INPLACE_DIM, (mm(input.unsqueeze(0), other),), {"dims": (0,)})
    if da == 2 and db == 2:
        return mm(input, other)
    if da >= 3 and db <= 2:
        # Fold the batch into the rows: one mm, then view back (UnsafeViewBackward0).
        k = input._data.shape[-1]
        rows = input.reshape(-1, k)
        out = mm(rows, other) if db == 2 else mv(rows, other)
        shape = input._data.shape[:-1] + ((other._data.shape[-1],) if db == 2 else ())
        return out._unsafe_view(shape)
    return _batched(input, other)


def _batched(a, b):
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    if a_vec:
        a = a.unsqueeze(0)
    if b_vec:
        b = b.unsqueeze(1)
    n, k = a._data.shape[-2:]
    k2, m = b._data.shape[-2:]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{_numel(a._data.shape[:-2])}, {k}] but got: "
                           f"[{_numel(b._data.shape[:-2])}, {k2}].")
    batch = _broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    size = _numel(batch)
    a3 = a.expand(batch + (n, k)).reshape(size, n, k)
    b3 = b.expand(batch + (k, m)).reshape(size, k, m)
    shape = batch + ((n,) if not a_vec else ()) + ((m,) if not b_vec else ())
    return bmm(a3, b3)._unsafe_view(shape)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _broadcast_shapes(s1, s2) -> tuple:
    n = max(len(s1), len(s2))
    p1, p2 = (1,) * (n - len(s1)) + tuple(s1), (1,) * (n - len(s2)) + tuple(s2)
    out = []
    for i, (x, y) in enumerate(zip(p1, p2)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(max(x, y))
    return tuple(out)


def _rmatmul(self, other):
    return matmul(other, self)


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = _rmatmul


@expose
def outer(input, vec2):
    """Outer product of two vectors (composed: unsqueeze, then multiply)."""
    return input.reshape(-1, 1) * vec2


ger = expose(outer, name="ger")
