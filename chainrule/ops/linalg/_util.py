"""What the linear-algebra ops share: torch's checks and errors (``LinAlgError``), the named
tuples linalg functions return, raw batched helpers (LU with partial pivoting, triangular
solves) and the small internal ops their backward rules are written with (triangles,
diagonals, zero padding), so each rule runs on raw arrays and, under create_graph, on
Tensors."""
from __future__ import annotations

from operator import itemgetter

from ..._tensor import Tensor
from .._registry import dispatch, expose, op


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (``torch._C._LinAlgError``): a matrix the algorithm cannot
    handle (singular, not positive-definite, no convergence)."""


_LinAlgError.__module__ = "chainrule.linalg"
LinAlgError = _LinAlgError


# ---------------------------------------------------------------------------- named tuples
def return_type(name: str, fields: tuple):
    """A tuple subclass with named fields that prints as torch's
    ``torch.return_types.<name>(...)`` structseq."""
    def __new__(cls, seq):
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    ns = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "__str__": __repr__,
          "__reduce__": __reduce__, "n_fields": len(fields), "n_sequence_fields": len(fields),
          "n_unnamed_fields": 0, "__module__": __name__}
    for i, f in enumerate(fields):
        ns[f] = property(itemgetter(i))
    cls = globals()[name] = type(name, (tuple,), ns)  # found here by pickle
    return cls


# ---------------------------------------------------------------------------- checks
_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_word(t) -> str:
    """torch's short name of a tensor's dtype: Float, Double, Long ..."""
    return _WORDS.get(t._data.dtype.name, t._data.dtype.name)


def check_tensor(t, fname: str, arg: str = "A", pos: int = 1):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(t).__name__}")


def check_float(t, fname: str, what: str = "input"):
    """torch's linalg dtype check: floating point or complex, and not half precision."""
    kind = t._data.dtype.kind
    if kind not in "fcV":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as {what}. "
                           f"Got {type_word(t)}")
    if t._data.dtype.itemsize < 4:
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got {type_word(t)}")


def check_real(t, fname: str):
    """For the linalg functions chainrule computes for real matrices only (yet)."""
    if t._data.dtype.kind == "c":
        raise NotImplementedError(f"{fname}: chainrule supports real (float32/float64) inputs "
                                  f"only so far, got {type_word(t)}; see docs/differences.md")


def check_matrix(t, fname: str, name: str = "A"):
    if t.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {name} must have at least 2 dimensions.")


def check_square(t, fname: str, name: str = "A"):
    check_matrix(t, fname, name)
    m, n = t._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{fname}: {name} must be batches of square matrices, but they are "
                           f"{m} by {n} matrices")


def check_linalg_input(t, fname: str, square: bool = True, name: str = "A"):
    """The usual prologue of a torch.linalg function: a float tensor of (square) matrices."""
    check_tensor(t, fname.split(".")[-1], name)
    (check_square if square else check_matrix)(t, fname, name)
    check_float(t, fname)


def check_same_dtype(a, b, fname: str, na: str = "A", nb: str = "B"):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{fname}: Expected {na} and {nb} to have the same dtype, but found "
                           f"{na} of type {type_word(a)} and {nb} of type {type_word(b)} "
                           "instead")


def broadcast_batch(s1, s2) -> tuple:
    """Broadcast two batch shapes, with torch's message when they do not."""
    n = max(len(s1), len(s2))
    p1, p2 = (1,) * (n - len(s1)) + tuple(s1), (1,) * (n - len(s2)) + tuple(s2)
    out = []
    for i, (x, y) in enumerate(zip(p1, p2)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(max(x, y))
    return tuple(out)


def batch_prefix(index: int, batched: bool) -> str:
    return f"(Batch element {index}): " if batched else ""


def no_grad_out(out, fname, *inputs):
    """torch refuses out= when an input requires grad (under grad mode)."""
    from ...autograd.grad_mode import _tls
    if out is not None and _tls.grad_enabled and any(
            isinstance(t, Tensor) and t._rg for t in inputs):
        raise RuntimeError(f"{fname}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")


def write_out(result, out):
    """Copy ``result`` into ``out`` (resized when its shape differs), as out= does."""
    if out is None:
        return result
    if isinstance(out, (tuple, list)):
        for r, o in zip(result, out):
            write_out(r, o)
        return type(result)(out) if isinstance(result, tuple) and hasattr(
            type(result), "n_fields") else out
    data = result._data.astype(out._data.dtype, copy=False)
    if out._data.shape == data.shape and out._data.flags.writeable:
        out._data[...] = data
    else:
        out._data = data.copy()
    out._bump_version()
    return out


# ---------------------------------------------------------------------------- raw helpers
def colmajor(xp, x):
    """The same values laid out as LAPACK writes them (each matrix column-major), so views
    and reshapes of a result behave as torch's do."""
    if x.ndim < 2:
        return x
    return xp.swapaxes(xp.ascontiguousarray(xp.swapaxes(x, -2, -1)), -2, -1)


def shape_word(shape) -> str:
    return "x".join(str(s) for s in shape[-2:])


def lu_raw(xp, a):
    """LU with partial pivoting (LAPACK getrf's choices), batched over leading dims:
    (LU, pivots as 1-based int32, info: the 1-based index of the first zero pivot or 0)."""
    *batch, m, n = a.shape
    k = min(m, n)
    lu = xp.array(a, copy=True).reshape(-1, m, n)
    nb = lu.shape[0]
    piv = xp.zeros((nb, k), dtype=xp.int32)
    info = xp.zeros(nb, dtype=xp.int32)
    rows = xp.arange(nb)
    # getrf's pivot: the largest |re| + |im| (LAPACK's izamax), |x| for real numbers
    size = (lambda c: xp.abs(c.real) + xp.abs(c.imag)) if lu.dtype.kind == "c" else xp.abs
    for j in range(k):
        p = xp.argmax(size(lu[:, j:, j]), axis=1) + j if m > j else xp.full(nb, j)
        piv[:, j] = p + 1
        swap = p != j
        if swap.any():
            r = rows[swap]
            top = lu[r, j, :].copy()
            lu[r, j, :] = lu[r, p[swap], :]
            lu[r, p[swap], :] = top
        pivot = lu[:, j, j]
        zero = pivot == 0
        if zero.any():
            info = xp.where(zero & (info == 0), j + 1, info).astype(xp.int32)
        safe = xp.where(zero, 1, pivot)
        lu[:, j + 1:, j] /= safe[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return (lu.reshape(*batch, m, n), piv.reshape(*batch, k), info.reshape(batch))


def pivots_to_perm(xp, piv, m):
    """The permutation (as row indices) that getrf's row swaps apply: P^T A = L U."""
    *batch, k = piv.shape
    flat = piv.reshape(-1, k) - 1
    perm = xp.tile(xp.arange(m), (flat.shape[0], 1))
    rows = xp.arange(flat.shape[0])
    for j in range(k):
        p = flat[:, j]
        a, b = perm[rows, j].copy(), perm[rows, p].copy()
        perm[rows, j], perm[rows, p] = b, a
    return perm.reshape(*batch, m)


def perm_matrix(xp, perm, dtype):
    """P with A = P L U, from the row order ``perm`` (P^T A = A[perm])."""
    m = perm.shape[-1]
    eye = xp.eye(m, dtype=dtype)
    return xp.swapaxes(eye[perm], -2, -1)


def trisolve_raw(xp, a, b, upper, left=True, unitriangular=False):
    """Solve a triangular system (only the triangle named is read): ``a x = b`` (left) or
    ``x a = b``. Division by a zero diagonal gives inf/nan, as LAPACK's trsm."""
    if not left:
        at = xp.swapaxes(a, -2, -1)
        return xp.swapaxes(trisolve_raw(xp, at, xp.swapaxes(b, -2, -1), not upper, True,
                                        unitriangular), -2, -1)
    n = a.shape[-1]
    tri = xp.triu(a) if upper else xp.tril(a)
    if unitriangular:
        tri = tri - xp.diagonal(tri, 0, -2, -1)[..., None] * xp.eye(n, dtype=a.dtype) + \
            xp.eye(n, dtype=a.dtype)
    batch = broadcast_batch(a.shape[:-2], b.shape[:-2])
    tri = xp.broadcast_to(tri, batch + a.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    if n and (unitriangular or bool(xp.all(xp.diagonal(tri, 0, -2, -1) != 0))):
        return xp.linalg.solve(tri, b).astype(b.dtype, copy=False)
    x = xp.zeros(xp.broadcast_shapes(tri.shape[:-1] + (1,), b.shape), dtype=b.dtype)
    order = range(n - 1, -1, -1) if upper else range(n)
    for i in order:
        acc = b[..., i, :] - xp.einsum("...j,...jk->...k", tri[..., i, :], x)
        x[..., i, :] = acc / tri[..., i, i:i + 1]
    return x


def singular_index(xp, a):
    """(batch element, 1-based diagonal element) of the first exactly singular matrix."""
    _, _, info = lu_raw(xp, a)
    flat = info.reshape(-1)
    bad = xp.nonzero(flat)[0]
    if not len(bad):
        return None
    return int(bad[0]), int(flat[bad[0]])


def raising(fn):
    """Run a raw NumPy linear-algebra call with its warnings silenced (torch gives inf/nan
    quietly); NumPy's LinAlgError is the caller's to translate."""
    import warnings

    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    return run


# ---------------------------------------------------------------------------- rule helpers
def mT(F, x):
    return F.transpose(x, -2, -1)


def _diag_embed(xp, v, m, n):
    out = xp.zeros(v.shape[:-1] + (m, n), dtype=v.dtype)
    k = min(m, n)
    idx = xp.arange(k)
    out[..., idx, idx] = v[..., :k]
    return out


TRIU = op("_linalg_triu", lambda xp, x, k=0: xp.triu(x, k), params=("k",),
          vjps=(lambda F, g, k: F._linalg_triu(g, k),))
TRIL = op("_linalg_tril", lambda xp, x, k=0: xp.tril(x, k), params=("k",),
          vjps=(lambda F, g, k: F._linalg_tril(g, k),))
DIAG = op("_linalg_diag", lambda xp, x: xp.diagonal(x, 0, -2, -1).copy(),
          vjps=(lambda F, g, x_shape: F._linalg_diag_embed(g, x_shape[-2], x_shape[-1]),))
DIAG_EMBED = op("_linalg_diag_embed", lambda xp, v, m, n: _diag_embed(xp, v, m, n),
                params=("m", "n"), vjps=(lambda F, g: F._linalg_diag(g),))
EYE_LIKE = op("_linalg_eye_like", lambda xp, x: xp.broadcast_to(
    xp.eye(x.shape[-2], x.shape[-1], dtype=x.dtype), x.shape).copy())


@expose(internal=True, method=False)
def _linalg_triu(x, k=0):
    return dispatch(TRIU, (x,), {"k": k})


@expose(internal=True, method=False)
def _linalg_tril(x, k=0):
    return dispatch(TRIL, (x,), {"k": k})


@expose(internal=True, method=False)
def _linalg_diag(x):
    return dispatch(DIAG, (x,))


@expose(internal=True, method=False)
def _linalg_diag_embed(v, m, n):
    return dispatch(DIAG_EMBED, (v,), {"m": m, "n": n})


@expose(internal=True, method=False)
def _linalg_eye_like(x):
    return dispatch(EYE_LIKE, (x,))


def _embed_at(xp, x, shape, row, col):
    out = xp.zeros(x.shape[:-2] + tuple(shape), dtype=x.dtype)
    out[..., row:row + x.shape[-2], col:col + x.shape[-1]] = x
    return out


EMBED_AT = op("_linalg_embed_at", _embed_at, params=("shape", "row", "col"),
              vjps=(lambda F, g, x_shape, row, col:
                    g[..., row:row + x_shape[-2], col:col + x_shape[-1]],))


@expose(internal=True, method=False)
def _linalg_embed_at(x, shape, row, col):
    """x placed at (row, col) of a zero matrix of the given trailing shape."""
    return dispatch(EMBED_AT, (x,), {"shape": tuple(shape), "row": row, "col": col})


def diag_embed(F, v):
    n = v.shape[-1]
    return F._linalg_diag_embed(v, n, n)


def is_complex(x) -> bool:
    """Whether a rule's value (a raw array, or a Tensor under create_graph) is complex."""
    return (x._data if isinstance(x, Tensor) else x).dtype.kind == "c"


def mH(F, x):
    """The conjugate transpose (the transpose for real values)."""
    t = F.transpose(x, -2, -1)
    return F.conj_physical(t) if is_complex(t) else t


def real_part(F, x):
    """x's real part when complex (torch's handle_r_to_c for a real input's gradient)."""
    return F.real(x) if is_complex(x) else x


def raw(x):
    """A rule's value as a raw array (a Tensor's data under create_graph)."""
    return x._data if isinstance(x, Tensor) else x


def check_gauge(a, b, message, tol=1e-2):
    """torch's gauge check in the complex backward of eig/eigh/svd, on raw arrays:
    allclose(a, b) with rtol = atol = 1e-2 (b None: zeros), else RuntimeError(message)."""
    b = 0 * a if b is None else b
    if not bool(((abs(a - b) <= tol + tol * abs(b))).all()):
        raise RuntimeError(message)
