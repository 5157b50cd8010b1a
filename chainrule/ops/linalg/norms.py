"""Norms: linalg.vector_norm (LinalgVectorNormBackward0), matrix_norm and norm composed
from it and from svdvals as torch composes them, torch.norm, dist (DistBackward0), renorm
(RenormBackward0), frobenius_norm, nuclear_norm, cond and matrix_rank.

One backward, torch's ``norm_backward``, serves vector_norm, dist, frobenius_norm and
renorm."""
from __future__ import annotations

import math
import warnings

from ..._dtypes import to_dtype
from ..._meta import meta_aware
from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op
from . import _util as U

_INF = math.inf


# ---------------------------------------------------------------------------- vector norm
def _vnorm_raw(xp, x, ord, dim, keepdim):
    """sum(|x|^ord)^(1/ord) over ``dim`` (None: every dim), with ord 0, +-inf."""
    a = xp.abs(x)
    if x.size == 0 and ord >= 0 and not (ord == _INF):
        return xp.zeros(_reduced_shape(x.shape, dim, keepdim), dtype=a.dtype)
    if ord == _INF:
        return xp.amax(a, axis=dim, keepdims=keepdim)
    if ord == -_INF:
        return xp.amin(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return (a != 0).sum(axis=dim, keepdims=keepdim).astype(a.dtype)
    if ord == 1:
        return a.sum(axis=dim, keepdims=keepdim)
    if ord == 2:
        return xp.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
    return (a ** ord).sum(axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _reduced_shape(shape, dim, keepdim):
    dims = range(len(shape)) if dim is None else dim
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def norm_backward(F, g, x, p, norm, dim, keepdim):
    """torch's norm_backward: the gradient of ||x||_p over ``dim`` (sgn for complex x)."""
    if g is None:
        return None
    sgn = F.sgn if U.is_complex(x) else F.sign
    ndim = len(x.shape)
    dims = tuple(range(ndim)) if dim is None else tuple(dim)
    if not keepdim and ndim != 0:
        g = F.unsqueeze_dims(g, dims)
        norm = F.unsqueeze_dims(norm, dims)
    if p == 0:
        return None
    if p == 1:
        return sgn(x) * g
    if p == 2:
        return g * F.where(norm == 0, 0.0, x / norm)
    if math.isinf(p):
        ax = F.abs(x)
        mask = (ax == norm) | F.isnan(ax)
        return sgn(x) * ((g / F.sum(mask, dims, True)) * mask)
    if p < 1:
        scaled = sgn(x) * F.where(x == 0, 0.0, F.abs(x) ** (p - 1))
        return scaled * g * norm ** (1 - p)
    if p < 2:
        scaled = sgn(x) * F.abs(x) ** (p - 1)
    else:
        scaled = x * F.abs(x) ** (p - 2)
    return scaled * F.where(norm == 0, 0.0, g / norm ** (p - 1))


def _vnorm_forward(xp, x, ord=2, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.astype(dtype.np)
    return _vnorm_raw(xp, x, ord, dim, keepdim)


VECTOR_NORM = op("linalg_vector_norm", _vnorm_forward, inputs=("x",),
                 params=("ord", "dim", "keepdim", "dtype"), broadcasts=True,
                 vjps=(lambda F, g, x, out, ord, dim, keepdim:
                       norm_backward(F, g, x, ord, out, dim, keepdim),),
                 grad_fn="LinalgVectorNormBackward0")


def _norm_dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, int):
        dim = (dim,)
    if len(dim) == 0:
        return None
    out = tuple(_wrap_dim(d, ndim) for d in dim) if ndim else ()
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def _check_norm_input(x, fname, dtype=None):
    U.check_tensor(x, fname.split(".")[-1], "input" if "." not in fname else "x")
    kind = x._data.dtype.kind
    if kind not in "fcV":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {U.type_word(x)}")
    if dtype is not None and not (to_dtype(dtype).is_floating_point or
                                  to_dtype(dtype).is_complex):
        raise RuntimeError(f"{fname} only supports floating point and complex dtypes, but "
                           f"got: {to_dtype(dtype)}")


@expose(method=False, internal=True)
def linalg_vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.vector_norm: the ord-norm of x over ``dim`` (all dims when None)."""
    U.no_grad_out(out, "linalg_vector_norm", x)
    _check_norm_input(x, "linalg.vector_norm", dtype)
    if dtype is not None and to_dtype(dtype).itemsize < x._data.dtype.itemsize:
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({U.type_word(x)}) "
                           "should be convertible without narrowing to the specified dtype "
                           f"({U._WORDS.get(to_dtype(dtype).np.name, str(dtype))})")
    if isinstance(ord, Tensor):
        ord = ord.item()
    ord = float(ord)
    dims = _norm_dims(dim, x.ndim)
    if x._data.size == 0 and (ord < 0 or ord == _INF):
        if dims is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_word(ord)} norm on "
                               "an empty tensor because the operation does not have an identity")
        for d in dims:
            if x.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_word(ord)} norm "
                                   f"on the dimension {d}because this dimension is empty and the "
                                   "operation does not have an identity")
    params = {"ord": ord, "dim": dims, "keepdim": bool(keepdim),
              "dtype": None if dtype is None else to_dtype(dtype)}
    return U.write_out(dispatch(VECTOR_NORM, (x,), params), out)


# ---------------------------------------------------------------------------- amax/amin
def _amax_grad(F, g, x, out, dim, keepdim):
    if not keepdim:
        g, out = F.unsqueeze_dims(g, dim), F.unsqueeze_dims(out, dim)
    mask = x == out
    return (g / F.sum(mask, dim, True)) * mask


AMAX = op("_linalg_amax", lambda xp, x, dim, keepdim: xp.amax(x, axis=dim, keepdims=keepdim),
          params=("dim", "keepdim"), vjps=(_amax_grad,), grad_fn="AmaxBackward0")
AMIN = op("_linalg_amin", lambda xp, x, dim, keepdim: xp.amin(x, axis=dim, keepdims=keepdim),
          params=("dim", "keepdim"), vjps=(_amax_grad,), grad_fn="AminBackward0")


def _amax(x, dim, keepdim, largest=True):
    return dispatch(AMAX if largest else AMIN, (x,), {"dim": (_wrap_dim(dim, x.ndim),),
                                                      "keepdim": keepdim})


# ---------------------------------------------------------------------------- matrix norm
def _matrix_dims(dim, ndim, fname="linalg.matrix_norm"):
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got {_dim_word(dim)}")
    d0, d1 = (_wrap_dim(d, ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{fname}: dims must be different. Got ({d0}, {d1})")
    return d0, d1


def _dim_word(dim):
    return " ".join(str(d) for d in (dim if not isinstance(dim, int) else (dim,)))


def _matrix_norm(A, ord, dim, keepdim, dtype):
    d0, d1 = _matrix_dims(dim, A.ndim)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, _INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {_ord_word(ord)} not supported.")
    if ord == "fro":
        return linalg_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if dtype is not None:
        A = A.to(dtype)
    if ord == "nuc" or abs(ord) == 2:
        from .spectral import linalg_svdvals
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        perm = rest + [d0, d1]
        S = linalg_svdvals(A.permute(*perm))
        if ord == "nuc":
            r = S.sum(-1, keepdim=keepdim)
        else:
            r = _amax(S, -1, keepdim, ord > 0)
        if keepdim:
            inv = [0] * A.ndim
            for i, p in enumerate(perm):
                inv[p] = i
            r = r.unsqueeze(-1).permute(*inv)
        return r
    a, b = (d0, d1) if abs(ord) == 1 else (d1, d0)
    if b > a and not keepdim:
        b -= 1
    return _amax(linalg_vector_norm(A, 1, (a,), keepdim), b, keepdim, ord > 0)


def _ord_word(ord):
    """A number as C++ prints a double: 2 (not 2.0), 2.5, inf, -inf."""
    if isinstance(ord, float) and ord.is_integer():
        return str(int(ord))
    return str(ord)


@expose(method=False, internal=True)
def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """torch.linalg.matrix_norm: 'fro', 'nuc', +-1, +-2 or +-inf over the two ``dim``."""
    U.no_grad_out(out, "linalg_matrix_norm", A)
    U.check_tensor(A, "matrix_norm", "A")
    U.check_matrix(A, "linalg.matrix_norm")
    _check_norm_input(A, "linalg.matrix_norm", dtype)
    return U.write_out(_matrix_norm(A, ord, dim, keepdim, dtype), out)


@expose(method=False, internal=True)
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.norm: a vector norm (1 dim, or a 1-D input) or a matrix norm (2 dims, or
    a 2-D input); with neither ord nor dim, the 2-norm of the flattened input."""
    U.no_grad_out(out, "linalg_norm", A)
    U.check_tensor(A, "norm", "A")
    _check_norm_input(A, "linalg.norm", dtype)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
    elif ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A.ndim}D.")
        dims = tuple(range(A.ndim))
    else:
        dims = None
    if dims is not None and len(dims) == 2:
        res = _matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype)
    else:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: Expected ord to be a number. Got {ord}")
        res = linalg_vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    return U.write_out(res, out)


@expose
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: dispatched to linalg.vector_norm or linalg.matrix_norm as torch does."""
    U.no_grad_out(out, "norm", input)
    _dim = [dim] if isinstance(dim, int) else (list(dim) if dim is not None else None)
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return U.write_out(linalg_vector_norm(input, 2, _dim, keepdim, dtype=dtype), out)
        if _dim is None:
            _dim = list(range(input.ndim))
        return U.write_out(linalg_matrix_norm(input, p, _dim, keepdim, dtype=dtype), out)
    _p = 2.0 if p is None else p
    return U.write_out(linalg_vector_norm(input, _p, _dim, keepdim, dtype=dtype), out)


NORM_DIM = op("norm_dim", lambda xp, x, p, dim, keepdim: _vnorm_raw(xp, x, p, dim, keepdim),
              params=("p", "dim", "keepdim"),
              vjps=(lambda F, g, x, out, p, dim, keepdim:
                    norm_backward(F, g, x, p, out, dim, keepdim),),
              grad_fn="NormBackward1")


@expose(method=False)
def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """torch.frobenius_norm (deprecated in torch, with its warning): NormBackward1."""
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT "
                  "compatibility. It will be removed in a future PyTorch release. Please use "
                  "`linalg.vector_norm(A, 2., dim, keepdim)` instead", UserWarning, stacklevel=2)
    U.no_grad_out(out, "frobenius_norm", input)
    dims = _norm_dims(dim, input.ndim)
    if dims is not None and len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    res = dispatch(NORM_DIM, (input,), {"p": 2.0, "dim": dims, "keepdim": bool(keepdim)})
    return U.write_out(res, out)


@expose(method=False)
def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """torch.nuclear_norm: linalg.matrix_norm(input, 'nuc', dim)."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    if dim is None:
        if input.ndim != 2:
            raise RuntimeError(f"Expected a tensor with 2 dimensions, but got a tensor with "
                               f"{input.ndim} dimension{'s' if input.ndim != 1 else ''} "
                               "instead.")
        dim = (0, 1)
    return U.write_out(linalg_matrix_norm(input, "nuc", dim, keepdim), out)


# ---------------------------------------------------------------------------- dist, renorm
def _dist_grad(F, g, a, b, out, p, sign):
    r = norm_backward(F, g, a - b, p, out, None, False)
    return None if r is None else r * sign


DIST = op("dist", lambda xp, a, b, p: _vnorm_raw(xp, a - b, p, None, False),
          inputs=("a", "b"), params=("p",), broadcasts=True,
          vjps=(lambda F, g, a, b, out, p: _dist_grad(F, g, a, b, out, p, 1),
                lambda F, g, a, b, out, p: _dist_grad(F, g, a, b, out, p, -1)))


@expose
def dist(input, other, p=2):
    """The p-norm of input - other (DistBackward0)."""
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {U.type_word(input)} instead.")
    U.broadcast_batch(tuple(input.shape), tuple(other.shape))
    if other._data.dtype != input._data.dtype:
        other = other.to(input.dtype)
    return dispatch(DIST, (input, other), {"p": float(p)})


def _renorm_forward(xp, x, p, dim, maxnorm):
    dims = tuple(d for d in range(x.ndim) if d != dim)
    n = _vnorm_raw(xp, x, p, dims, True)
    factor = xp.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0).astype(x.dtype)
    return x * factor


def _renorm_grad(F, g, x, p, dim, maxnorm):
    dims = tuple(d for d in range(len(x.shape)) if d != dim)
    nrm = F.linalg_vector_norm(x, p, dims, True)
    if U.is_complex(x):  # torch's rule: the norm is real, so is its incoming gradient
        go = F.sum(F.real(F.conj(x) * g), dims, True)
    else:
        go = F.sum(x * g, dims, True)
    nb = norm_backward(F, go, x, p, nrm, dims, True)
    invnorm = 1 / (nrm + 1e-7)
    factor = invnorm * maxnorm
    if nb is None:
        return F.where(nrm > maxnorm, factor * g, g)
    return F.where(nrm > maxnorm, factor * g - (factor * invnorm) * nb, g)


RENORM = op("renorm", _renorm_forward, params=("p", "dim", "maxnorm"), vjps=(_renorm_grad,),
            holomorphic=False)


@expose
def renorm(input, p, dim, maxnorm):
    """Rescale each slice along ``dim`` whose p-norm exceeds ``maxnorm`` to norm ``maxnorm``
    (RenormBackward0)."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {_ord_word(maxnorm)}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    params = {"p": float(p), "dim": _wrap_dim(dim, input.ndim), "maxnorm": float(maxnorm)}
    return dispatch(RENORM, (input,), params)


def _renorm_(self, p, dim, maxnorm):
    from .._inplace import inplace
    return inplace(renorm)(self, p, dim, maxnorm)


Tensor.renorm_ = _renorm_


# ---------------------------------------------------------------------------- cond, rank
MASKED_FILL = op("_linalg_masked_fill", lambda xp, x, mask, value: xp.where(mask, value, x),
                 params=("mask", "value"), vjps=(lambda F, g, mask: F.where(mask, 0.0, g),),
                 grad_fn="MaskedFillBackward0")
NAN_TO_NUM = op("_linalg_nan_to_num", lambda xp, x: xp.nan_to_num(
    x, nan=_INF, posinf=_INF, neginf=-_INF), vjps=(lambda F, g, x: g * F.isfinite(x),),
    grad_fn="NanToNumBackward0")


@expose(method=False, internal=True)
def linalg_cond(A, p=None, *, out=None):
    """torch.linalg.cond: the condition number in the p-norm (2 by default)."""
    U.no_grad_out(out, "linalg_cond", A)
    U.check_tensor(A, "cond", "A")
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
    U.check_float(A, "linalg.cond")
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    elif p is not None and abs(p) not in (1, 2, _INF):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {_ord_word(p)}")
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        if A._data.size == 0:
            from ..._creation import zeros
            return U.write_out(zeros(*A.shape[:-2], dtype=A.dtype), out)
        from .spectral import linalg_svd
        S = linalg_svd(A, False)[1]
        smax, smin = S[..., 0:1], S[..., -1:]
        r = smin / smax if p == -2 else smax / smin
        return U.write_out(r.squeeze(-1), out)
    U.check_square(A, "linalg.cond")
    if A._data.size == 0:
        from ..._creation import zeros
        return U.write_out(zeros(*A.shape[:-2], dtype=A.dtype), out)
    if p == "nuc":
        from .spectral import linalg_svdvals
        S = linalg_svdvals(A)
        return U.write_out(S.sum(-1) * S.reciprocal().sum(-1), out)
    from .decompositions import linalg_inv_ex
    inverse, info = linalg_inv_ex(A)
    mask = (info > 0).unsqueeze(-1).unsqueeze(-1)
    inverse = dispatch(MASKED_FILL, (inverse,), {"mask": mask._data, "value": _INF})
    r = linalg_matrix_norm(A, p) * linalg_matrix_norm(inverse, p)
    return U.write_out(dispatch(NAN_TO_NUM, (r,)), out)


@expose(method=False, internal=True)
@meta_aware
def linalg_matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """torch.linalg.matrix_rank: the number of singular values above
    max(atol, rtol * largest), int64."""
    U.no_grad_out(out, "linalg_matrix_rank", A)
    U.check_tensor(A, "matrix_rank", "input")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_rank: The input tensor input must have at least 2 "
                           "dimensions.")
    if A._data.dtype.kind not in "fcV":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    from ..._creation import tensor
    data = A._data
    xp = _xp(data)
    m, n = data.shape[-2:]
    if data.size == 0:
        return U.write_out(tensor(xp.zeros(data.shape[:-2], dtype=xp.int64)), out)
    if hermitian:
        s = xp.abs(U.raising(xp.linalg.eigvalsh)(data))
    else:
        s = U.raising(xp.linalg.svd)(data, compute_uv=False)
    atol = atol._data if isinstance(atol, Tensor) else atol
    rtol = rtol._data if isinstance(rtol, Tensor) else rtol
    if rtol is None:
        zero_atol = atol is None or bool(xp.all(xp.asarray(atol) == 0))
        rtol = xp.finfo(data.dtype).eps * max(m, n) if zero_atol else 0.0
    atol = 0.0 if atol is None else atol
    tol_ = xp.maximum(xp.asarray(atol)[..., None] if xp.ndim(atol) else atol,
                      (xp.asarray(rtol)[..., None] if xp.ndim(rtol) else rtol) *
                      s.max(axis=-1, keepdims=True))
    rank = (s > tol_).sum(axis=-1).astype(xp.int64)
    return U.write_out(Tensor._make(xp.asarray(rank)), out)


def _xp(data):
    from ...backend import namespace_of
    return namespace_of(data)
