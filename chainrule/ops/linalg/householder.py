"""Householder QR in LAPACK's compact form: ``geqrf`` (NumPy's ``qr(mode='raw')``, which is
LAPACK's geqrf; not differentiable, as in torch: GeqrfBackward0 raises) and ``ormqr``
(multiply by the Q that form encodes, from the left or the right, transposed or not:
OrmqrBackward0, its gradient that of the product, through householder_product's)."""
from __future__ import annotations

from ..._dtypes import type_name as _type_name
from ..._meta import meta_aware
from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from ..reduction._common import NotImplementedOp, attach
from .functions import _householder_grads

GEQRF = NotImplementedOp("geqrf_values", "GeqrfBackward0",
                         "the derivative for 'geqrf' is not implemented.", NotImplementedError,
                         num_outputs=2)


def _geqrf_raw(xp, a):
    """(a, tau) of LAPACK's geqrf for a batch of matrices (NumPy returns a transposed)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        return a.copy(), xp.zeros(a.shape[:-2] + (k,), dtype=a.dtype)
    h, tau = xp.linalg.qr(a, mode="raw")
    return xp.ascontiguousarray(xp.swapaxes(h, -2, -1)).astype(a.dtype), tau.astype(a.dtype)


@expose
@meta_aware
def geqrf(input: Tensor, *, out=None):
    """QR in LAPACK's compact form: ``(a, tau)`` with R on and above ``a``'s diagonal, the
    Householder vectors below it and their scales in ``tau`` (see ``ormqr``,
    ``linalg.householder_product``)."""
    from ... import return_types
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    kind = input._data.dtype.kind
    if kind not in "fcV" or input._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for "
                                  f"'{_type_name(input._data.dtype)}'")
    result = attach(GEQRF, (input,), _geqrf_raw(input.xp, input._data))
    if out is not None:
        from ..shape._out import write_out
        a, tau = out
        write_out("geqrf", a, result[0], (input,))
        write_out("geqrf", tau, result[1], (input,))
        return return_types.geqrf((a, tau))
    return return_types.geqrf(result)


# ---------------------------------------------------------------------------- ormqr
def _ormqr_raw(xp, A, tau, C, left=True, transpose=False):
    """op(Q) C (left) or C op(Q) (right), Q = H_1 ... H_k, H_i = I - tau_i v_i v_i^H, the
    reflectors applied one by one (Q is never formed)."""
    k = tau.shape[-1]
    m = A.shape[-2]
    out = xp.array(C, copy=True)
    conj = xp.conj if A.dtype.kind == "c" else (lambda v: v)
    order = range(k - 1, -1, -1) if left != transpose else range(k)
    for i in order:
        v = xp.concatenate([xp.zeros(A.shape[:-2] + (i,), dtype=A.dtype),
                            xp.ones(A.shape[:-2] + (1,), dtype=A.dtype), A[..., i + 1:m, i]],
                           axis=-1)[..., :, None]
        t = tau[..., i, None, None]
        if transpose:
            t = conj(t)
        if left:
            out = out - t * (v @ (conj(xp.swapaxes(v, -2, -1)) @ out))
        else:
            out = out - t * ((out @ v) @ conj(xp.swapaxes(v, -2, -1)))
    return out


def _q_grads(F, gq, A, tau):
    """(grad A, grad tau) of Q = H_1 ... H_k (the full m x m Q) for grad ``gq`` of Q."""
    m, n = A.shape[-2:]
    full = F._linalg_embed_at(A, (m, m), 0, 0) if n < m else A
    ga, gtau = _householder_grads(F, gq, full, tau)
    if n < m:
        ga = ga[..., :, :n]
    return ga, gtau


def _grad_q(F, g, C, left, transpose):
    """d<g, op(Q) C> / dQ (left) or d<g, C op(Q)> / dQ (right), op(Q) = Q^H when
    ``transpose`` (torch's complex convention)."""
    from ._util import mH
    if left:
        return F.matmul(C, mH(F, g)) if transpose else F.matmul(g, mH(F, C))
    return F.matmul(mH(F, g), C) if transpose else F.matmul(mH(F, C), g)


ORMQR = op("ormqr", _ormqr_raw, inputs=("A", "tau", "C"), params=("left", "transpose"),
           vjps=(lambda F, g, A, tau, C, left, transpose:
                 _q_grads(F, _grad_q(F, g, C, left, transpose), A, tau)[0],
                 lambda F, g, A, tau, C, left, transpose:
                 _q_grads(F, _grad_q(F, g, C, left, transpose), A, tau)[1],
                 lambda F, g, A, tau, left, transpose:
                 F.ormqr(A, tau, g, left, not transpose)),
           grad_fn="OrmqrBackward0", holomorphic=False)


@expose
def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True,
          transpose: bool = False, *, out=None) -> Tensor:
    """Multiply ``input3`` by the Q of ``geqrf``'s ``(input, input2)``: Q C (left), C Q
    (right), with Q transposed when ``transpose``."""
    A, tau, C = input, input2, input3
    fname = "torch.ormqr"
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    if C.ndim < 2:
        raise RuntimeError(f"{fname}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if C.shape[side] != A.shape[-2]:
        raise RuntimeError(f"{fname}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(C.shape[side], A.shape[-1]):
        raise RuntimeError(f"{fname}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           "input.shape[-1])")
    if A.ndim - tau.ndim != 1:
        raise RuntimeError(f"{fname}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{A.ndim}")
    if A.ndim != C.ndim:
        raise RuntimeError(f"{fname}: Expected other to have the same number of dimensions as "
                           f"input, but got other.ndim equal to {C.ndim} and input.ndim is "
                           f"equal to {A.ndim}")
    if A.ndim > 2:
        batch = list(A.shape[:-2])
        if list(tau.shape[:-1]) != batch:
            raise RuntimeError(f"{fname}: Expected batch dimensions of tau to be equal to "
                               f"input.shape[:-2], but got {list(tau.shape[:-1])}")
        if list(C.shape[:-2]) != batch:
            raise RuntimeError(f"{fname}: Expected batch dimensions of other to be equal to "
                               f"input.shape[:-2], but got {list(C.shape[:-2])}")
    for name, t in (("tau", tau), ("other", C)):
        if t._data.dtype != A._data.dtype:
            raise RuntimeError(f"{fname}: Expected input and {name} to have the same dtype, but "
                               f"input has dtype{_type_name(A._data.dtype)} and {name} has dtype "
                               f"{_type_name(t._data.dtype)}")
    if A._data.dtype.kind not in "fcV" or A._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"ormqr_cpu\" not implemented for "
                                  f"'{_type_name(A._data.dtype)}'")
    result = dispatch(ORMQR, (A, tau, C), {"left": bool(left), "transpose": bool(transpose)})
    if out is not None:
        from ..shape._out import write_out
        return write_out("ormqr", out, result, (A, tau, C))
    return result
