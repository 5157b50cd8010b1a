"""Matrix products. mm, mv, dot, bmm and addmm carry rules (each bilinear: one rule per
side); matmul is composed from them exactly as torch composes it, so its grad_fn chain
matches torch's."""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op


def _mm(xp, a, b):
    # An outer product (inner size 1: mv's backward for the matrix): the same single
    # products as matmul, which NumPy runs ~7x slower with K = 1. BLAS gemm through ``dot``
    # for float32/64 (~1.8x faster again than a broadcast multiply, 256x256), a broadcast
    # multiply for integers; complex stays on matmul, whose rounding is torch's.
    if a.shape[1] == 1 and a.ndim == 2 and b.ndim == 2 and a.dtype.kind != "c":
        if a.dtype.char in "fd" and b.dtype == a.dtype:
            return xp.dot(a, b)
        return xp.multiply(a, b)
    return xp.matmul(a, b)


def _column_major(m) -> bool:
    """torch's test in mm_mat2_backward: a second factor stored column-major (a
    ``weight.t()``) gets its gradient in that layout, so ``weight.grad`` comes out
    row-major like the weight (torch's strides) with no transposing copy."""
    if isinstance(m, Tensor):
        strides, sizes = m.stride(), m.shape
    else:
        strides, sizes = tuple(s // m.itemsize for s in m.strides), m.shape
    return len(sizes) == 2 and strides[0] == 1 and strides[1] == sizes[0]


def _mat2_grad(F, g, m1, m2):
    if _column_major(m2):
        return F.t(F.mm(F.t(g), m1))
    return F.mm(F.t(m1), g)


MM = op("mm", _mm, inputs=("a", "b"),
        vjps=(lambda F, g, b: F.mm(g, F.t(b)), lambda F, g, a, b: _mat2_grad(F, g, a, b)))
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
                 lambda F, g, m1, m2, alpha: _scaled(_mat2_grad(F, g, m1, m2), alpha)),
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
def matmul(input, other, *, out=None):
    """torch.matmul, composed as torch composes it (``_matmul_impl``): dot, mv, mm; a batch
    folded into the rows of one mm/mv when the other side is 1-D or 2-D; else a bmm over the
    broadcast batch."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    if out is not None:
        from ._util import no_grad_out, write_out
        no_grad_out(out, "matmul", input, other)
        return write_out(_matmul(input, other), out)
    return _matmul(input, other)


def _matmul(a, b):
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da == 1 and db == 2:
        from ..shape import SQUEEZE_INPLACE_DIM
        return dispatch(SQUEEZE_INPLACE_DIM, (mm(a.unsqueeze(0), b),), {"dims": (0,)})
    if da == 2 and db == 2:
        return mm(a, b)
    if _should_fold(a, b):
        transpose = db > da
        t1 = b.mT if transpose else a
        t2 = (a.t() if da == 2 else a) if transpose else b
        lead = tuple(t1._data.shape[:-1])
        folded = t1.reshape(_numel(lead), t1._data.shape[-1])
        if t2.ndim == 2:
            res = mm(folded, t2)._unsafe_view(lead + (t2._data.shape[1],))
            return res.mT.contiguous() if transpose else res
        return mv(folded, t2)._unsafe_view(lead)
    if da == 3 and db == 3 and a._data.shape[0] != b._data.shape[0]:
        if a._data.shape[0] == 1 and a._rg:
            return _matmul(a.squeeze(0), b)
        if b._data.shape[0] == 1 and b._rg:
            return _matmul(a, b.squeeze(0))
    return _batched(a, b)


def _should_fold(a, b) -> bool:
    """torch's should_fold: fold the larger operand's batch into one mm/mv when the smaller
    is 1-D or 2-D and it requires grad, or the fold needs no copy."""
    larger = a.ndim >= b.ndim
    data = a._data if larger else b._data  # shape and strides only (it may be batched)
    small = b if larger else a
    if not (data.ndim >= 3 and small.ndim <= 2):
        return False
    if small._rg:
        return True
    if a.ndim == 2:
        return False
    if data.size == 0:
        return True
    shape, strides = data.shape, data.strides
    if not larger:  # b's last two dims swapped (b.mT)
        shape = shape[:-2] + (shape[-1], shape[-2])
        strides = strides[:-2] + (strides[-1], strides[-2])
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _batched(a, b):
    """The bmm path of matmul: expand both to the broadcast batch, flatten it, bmm."""
    da, db = a.ndim, b.ndim
    sa, sb = a._data.shape, b._data.shape
    n = sa[-2] if da > 1 else 1
    m1 = sa[-1]
    m2 = sb[-2] if db > 1 else sb[0]
    p = sb[-1] if db > 1 else 1
    batch = _broadcast_shapes(sa[:-2] if da > 2 else (), sb[:-2] if db > 2 else ())
    size = _numel(batch)
    a3 = a.expand(batch + (n, m1)).reshape(size, n, m1)
    if db == 1:
        b3 = b.expand(batch + (m2,)).reshape(size, m2).unsqueeze(2)
    else:
        b3 = b.expand(batch + (m2, p)).reshape(size, m2, p)
    shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    res = bmm(a3, b3)
    return (res.squeeze(-1) if db == 1 else res)._unsafe_view(shape)


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


# ---------------------------------------------------------------------------- add* products
def _check_same(*ts):
    for t in ts[1:]:
        if t._data.dtype != ts[0]._data.dtype:
            from ._util import type_word
            raise RuntimeError(f"expected scalar type {type_word(ts[0])} but found "
                               f"{type_word(t)}")


def _bias(x, beta):
    """beta * x, with x ignored (its nan and inf too) when beta is 0, as torch."""
    return x * 0 if beta == 0 else _scaled(x, beta)


def _scale_params(beta, alpha):
    return {"beta": beta, "alpha": alpha}


ADDMV = op("addmv", lambda xp, x, mat, vec, beta=1, alpha=1:
           _scaled(xp.matmul(mat, vec), alpha) + (xp.zeros_like(x) if beta == 0 else
                                                  _scaled(x, beta)),
           inputs=("x", "mat", "vec"), params=("beta", "alpha"), broadcasts=True,
           vjps=(lambda F, g, beta: _scaled(g, beta) if beta != 0 else g * 0,
                 lambda F, g, vec, alpha: _scaled(F.mm(F.unsqueeze(g, 1), F.unsqueeze(vec, 0)),
                                                  alpha),
                 lambda F, g, mat, alpha: _scaled(F.mv(F.t(mat), g), alpha)))
ADDR = op("addr", lambda xp, x, v1, v2, beta=1, alpha=1:
          _scaled(xp.multiply.outer(v1, v2), alpha) + (xp.zeros_like(x) if beta == 0 else
                                                        _scaled(x, beta)),
          inputs=("x", "v1", "v2"), params=("beta", "alpha"), broadcasts=True,
          vjps=(lambda F, g, beta: _scaled(g, beta) if beta != 0 else g * 0,
                lambda F, g, v2, alpha: _scaled(F.mv(g, v2), alpha),
                lambda F, g, v1, alpha: _scaled(F.mv(F.t(g), v1), alpha)))
ADDBMM = op("addbmm", lambda xp, x, b1, b2, beta=1, alpha=1:
            _scaled(xp.matmul(b1, b2).sum(axis=0), alpha) + (xp.zeros_like(x) if beta == 0
                                                            else _scaled(x, beta)),
            inputs=("x", "b1", "b2"), params=("beta", "alpha"), broadcasts=True,
            vjps=(lambda F, g, beta: _scaled(g, beta) if beta != 0 else g * 0,
                  lambda F, g, b1, b2, alpha: _scaled(F.bmm(F.expand(
                      F.unsqueeze(g, 0), (b1.shape[0], b1.shape[1], b2.shape[2])),
                      F.transpose(b2, 1, 2)), alpha),
                  lambda F, g, b1, b2, alpha: _scaled(F.bmm(F.transpose(b1, 1, 2), F.expand(
                      F.unsqueeze(g, 0), (b1.shape[0], b1.shape[1], b2.shape[2]))), alpha)))
BADDBMM = op("baddbmm", lambda xp, x, b1, b2, beta=1, alpha=1:
             _scaled(xp.matmul(b1, b2), alpha) + (xp.zeros_like(x) if beta == 0 else
                                                  _scaled(x, beta)),
             inputs=("x", "b1", "b2"), params=("beta", "alpha"), broadcasts=True,
             vjps=(lambda F, g, beta: _scaled(g, beta) if beta != 0 else g * 0,
                   lambda F, g, b2, alpha: _scaled(F.bmm(g, F.transpose(b2, 1, 2)), alpha),
                   lambda F, g, b1, alpha: _scaled(F.bmm(F.transpose(b1, 1, 2), g), alpha)))


def _check_bias(input, target):
    """The bias of an add* product broadcasts to the product's shape (torch's expand error
    otherwise)."""
    shape = tuple(input._data.shape)
    if shape != tuple(target) and (len(shape) > len(target) or any(
            n != 1 and n != t for n, t in zip(shape[::-1], tuple(target)[::-1]))):
        input.expand(tuple(target))


def _dispatch_add(OP, args, beta, alpha):
    if beta != 1 or alpha != 1:
        return dispatch(OP, args, _scale_params(beta, alpha))
    return dispatch(OP, args)


@expose
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec) (AddmvBackward0)."""
    from ._util import no_grad_out, write_out
    no_grad_out(out, "addmv", input, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    n, k = mat._data.shape
    if vec._data.shape[0] != k or (input.ndim == 1 and input._data.shape[0] not in (1, n)):
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0] if input.ndim else 1}"
                           f"), mat ({n}x{k}), vec ({vec._data.shape[0]})")
    _check_bias(input, (n,))
    _same_dtype(mat, vec, "mv")
    _check_same(input, mat)
    return write_out(_dispatch_add(ADDMV, (input, mat, vec), beta, alpha), out)


@expose
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2) (AddrBackward0)."""
    from ._util import no_grad_out, write_out
    no_grad_out(out, "addr", input, vec1, vec2)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    _check_bias(input, (vec1._data.shape[0], vec2._data.shape[0]))
    _check_same(input, vec1, vec2)
    return write_out(_dispatch_add(ADDR, (input, vec1, vec2), beta, alpha), out)


def _check_batches(b1, b2, fname):
    if b1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    a, b = b1._data.shape, b2._data.shape
    if b[0] != a[0] or b[1] != a[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")


@expose
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] (AddbmmBackward0)."""
    from ._util import no_grad_out, write_out
    no_grad_out(out, "addbmm", input, batch1, batch2)
    _check_batches(batch1, batch2, "addbmm")
    _check_bias(input, (batch1._data.shape[1], batch2._data.shape[2]))
    _check_same(input, batch1, batch2)
    return write_out(_dispatch_add(ADDBMM, (input, batch1, batch2), beta, alpha), out)


@expose
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * batch1 @ batch2, batched (BaddbmmBackward0)."""
    from ._util import no_grad_out, write_out
    no_grad_out(out, "baddbmm", input, batch1, batch2)
    _check_batches(batch1, batch2, "baddbmm")
    _check_bias(input, (batch1._data.shape[0], batch1._data.shape[1], batch2._data.shape[2]))
    _check_same(input, batch1, batch2)
    return write_out(_dispatch_add(BADDBMM, (input, batch1, batch2), beta, alpha), out)


def _install_inplace():
    from .._inplace import inplace
    for fn in (addmm, addmv, addr, addbmm, baddbmm):
        setattr(Tensor, fn.__name__ + "_", inplace(fn))


_install_inplace()
