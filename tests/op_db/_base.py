"""The entry form of the op table (``OpInfo``, ``S``), how a sample becomes tensors of
either library (``build``), and the sample helpers the family tables share."""
from __future__ import annotations

import zlib

import numpy as np


class S:
    """One sample: positional and keyword arguments for ``fn`` (after ``m``)."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        def r(a):
            if isinstance(a, np.ndarray):
                return f"{a.dtype.name}{list(a.shape)}"
            if isinstance(a, list):
                return "[" + ",".join(r(x) for x in a) + "]"
            return repr(a)
        parts = [r(a) for a in self.args] + [f"{k}={r(v)}" for k, v in self.kwargs.items()]
        return "(" + ", ".join(parts) + ")"


class OpInfo:
    def __init__(self, name, fn, samples, *, domain=(-2.0, 2.0), grad=True, gradcheck=True,
                 gradgrad=True, atol=1e-5, rtol=1e-4, grad_atol=1e-4, grad_rtol=1e-4):
        self.name = name
        self.fn = fn
        self._samples = samples
        self.domain = domain
        self.grad = grad
        self.gradcheck = grad and gradcheck
        self.gradgrad = grad and gradcheck and gradgrad
        self.atol, self.rtol = atol, rtol
        self.grad_atol, self.grad_rtol = grad_atol, grad_rtol
        self._cache = None

    def samples(self):
        """The op's samples, made once from a seed derived from its name."""
        if self._cache is None:
            rng = np.random.default_rng(zlib.crc32(self.name.encode()))
            lo0, hi0 = self.domain

            def A(*shape, lo=None, hi=None):
                lo_, hi_ = lo0 if lo is None else lo, hi0 if hi is None else hi
                return np.asarray(rng.uniform(lo_, hi_, size=shape), dtype=np.float64)

            A.rng = rng
            self._cache = list(self._samples(A))
        return self._cache

    def __repr__(self):
        return f"OpInfo({self.name})"


def to_module(m, value, dtype, requires_grad, leaves):
    """Turn one sample argument into what ``fn`` receives for module ``m``."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            t = m.tensor(value, dtype=dtype, requires_grad=requires_grad)
            leaves.append(t)
            return t
        return m.tensor(value)
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [to_module(m, v, dtype, requires_grad, leaves) for v in value]
    return value


def build(m, sample, dtype_name="float32", requires_grad=False):
    """(args, kwargs, leaves) of ``sample`` for module ``m``; ``leaves`` are the float
    tensors made from the sample's float arrays, in order."""
    dtype = getattr(m, dtype_name)
    leaves: list = []
    args = [to_module(m, a, dtype, requires_grad, leaves) for a in sample.args]
    kwargs = {k: to_module(m, v, dtype, requires_grad, leaves)
              for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


# ---------------------------------------------------------------------------- samples
def unary_samples(A):
    return [S(A(3, 4)), S(A()), S(A(5)), S(A(2, 1, 3))]


def binary_samples(A):
    """Same shape, broadcasting both ways, 0-d operands, Python scalars second."""
    return [S(A(3, 4), A(3, 4)), S(A(3, 4), A(4)), S(A(2, 1, 3), A(4, 1)),
            S(A(), A(3)), S(A(2, 3), A()), S(A(), A()), S(A(2, 3), 1.5), S(A(3), 2)]


def binary_tensor_samples(A):
    return [s for s in binary_samples(A) if isinstance(s.args[1], np.ndarray)]


def scalar_samples(A, scalars=(2.5, 3, -1.5)):
    return [S(A(2, 3), c) for c in scalars] + [S(A(), scalars[0])]


def reduction_samples(A):
    return [S(A(3, 4)), S(A(2, 3, 2)), S(A()), S(A(5))]


def _ties(A):
    x = A(3, 4)
    x[0, 1] = x[2, 3] = x.max() + 0.5
    return x


def _bool(A, *shape):
    return A.rng.random(shape) > 0.5


def _opposite_signs(A):
    """Values away from 0 (the kink of abs, relu, sign, division...)."""
    x = A(3, 4)
    return np.where(A.rng.random(x.shape) > 0.5, x, -x)


def _away_from_zero(lo=0.5, hi=2.0):
    def make(A, *shape):
        x = A(*shape, lo=lo, hi=hi)
        return np.where(A.rng.random(shape) > 0.5, x, -x)
    return make


_nz = _away_from_zero()


def _binary_nz(A):
    """binary_samples with a second operand away from zero (division)."""
    return [S(A(3, 4), _nz(A, 3, 4)), S(A(3, 4), _nz(A, 4)), S(A(2, 1, 3), _nz(A, 4, 1)),
            S(A(), _nz(A, 3)), S(A(2, 3), _nz(A)), S(A(2, 3), 1.5), S(A(3), -2)]


