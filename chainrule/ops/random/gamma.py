"""Gamma-family samplers behind torch.distributions: ``_standard_gamma`` (differentiable by
implicit reparameterisation), ``_standard_gamma_grad``, ``_sample_dirichlet``,
``_dirichlet_grad``, the reparameterised Dirichlet sample, and ``binomial``.

Implicit reparameterisation: a sample ``x`` of Gamma(alpha) moves with alpha as
``dx/dalpha = -(dP(alpha, x)/dalpha) / pdf(x; alpha)``, ``P`` the regularised lower
incomplete gamma function; a Dirichlet coordinate likewise through the regularised
incomplete beta function of its Beta marginal. torch evaluates those derivatives with
series and rational approximations; here they are central differences of SciPy's
``gammainc``/``betainc`` (of the smaller tail, so they keep their relative precision),
accurate to about 1e-8, and the backward passes need SciPy (an optional extra).
"""
from __future__ import annotations

from ..._factory import scalar_type_name
from ..._generator import resolve as generator_of
from ..._tensor import Tensor
from .._dispatch import batched_function
from .._registry import dispatch, expose, graph_vocab, op, raw_vocab
from .._special_math import scipy_special
from ..arithmetic import _not_implemented_node, _record_not_implemented
from . import _sample as K

__all__ = ["_standard_gamma", "_standard_gamma_grad", "_sample_dirichlet", "_dirichlet_grad",
           "binomial", "dirichlet_rsample"]

_STEP = 1e-5  # relative step of the central differences in alpha


def _gamma_draw(xp, alpha, generator):
    """Gamma(alpha) samples in alpha's dtype, never below its smallest normal number (torch
    clamps so that log(sample) stays finite)."""
    a = alpha.astype(xp.float64)
    ok = a > 0
    draws = xp.asarray(generator.standard_gamma(xp.where(ok, a, 1.0)), dtype=xp.float64)
    draws = xp.where(ok, draws, 0.0)
    tiny = xp.finfo(alpha.dtype).tiny
    return xp.maximum(draws.astype(alpha.dtype), alpha.dtype.type(tiny))


def _gamma_grad(xp, alpha, x):
    """``-(dP(alpha, x)/dalpha) / pdf(x; alpha)``: the implicit derivative of a Gamma sample."""
    special = scipy_special(xp)
    a, v = alpha.astype(xp.float64), x.astype(xp.float64)
    h = a * _STEP
    lower = v < a  # about where P(alpha, x) < 1/2 (the median lies in (a - 1/3, a))
    up, down = xp.empty_like(a), xp.empty_like(a)
    upper = ~lower
    up[lower] = special.gammainc(a[lower] + h[lower], v[lower])
    down[lower] = special.gammainc(a[lower] - h[lower], v[lower])
    up[upper] = -special.gammaincc(a[upper] + h[upper], v[upper])
    down[upper] = -special.gammaincc(a[upper] - h[upper], v[upper])
    with xp.errstate(all="ignore"):
        log_pdf = (a - 1) * xp.log(v) - v - special.gammaln(a)
        grad = -(up - down) / (2 * h) / xp.exp(log_pdf)
    far_left = (log_pdf < -700) & (v > 0) & (v < a)
    if far_left.any():  # P and the pdf underflow together: their ratio as a series
        grad[far_left] = _gamma_grad_left_tail(xp, special, a[far_left], v[far_left])
    return xp.where(xp.isfinite(grad), grad, 0.0).astype(x.dtype)


def _gamma_grad_left_tail(xp, special, a, v):
    """For x < alpha: P = x**a e**-x sum_n x**n / Gamma(a + n + 1), so the derivative is
    ``-x sum_n t_n (log x - digamma(a + n + 1))`` with ``t_n = x**n / (a (a+1) ... (a+n))``,
    every term of one sign."""
    term = 1 / a
    psi = special.digamma(a + 1)
    log_v = xp.log(v)
    total = term * (log_v - psi)
    for n in range(1, 4000):
        term = term * v / (a + n)
        psi = psi + 1 / (a + n)
        step = term * (log_v - psi)
        total = total + step
        if (xp.abs(step) <= 1e-17 * xp.abs(total)).all():
            break
    return -v * total


def _dirichlet_grad_raw(xp, x, alpha, total):
    """``-(dI_x(alpha, beta)/dalpha) / pdf_Beta(x; alpha, beta) / (1 - x)`` with
    ``beta = total - alpha`` held fixed: the Beta marginal's implicit derivative, scaled as
    torch's ``_dirichlet_grad`` scales it."""
    special = scipy_special(xp)
    v, a, t = (u.astype(xp.float64) for u in xp.broadcast_arrays(x, alpha, total))
    b = t - a
    h = a * _STEP
    # the upper tail as I_{1-x}(b, a) (1 - x is exact for x >= 1/2), which SciPy computes
    # much faster than betaincc
    lower = v < 0.5
    w = xp.where(lower, v, 1 - v)
    first, second = xp.where(lower, a, b), xp.where(lower, b, a)
    sign = xp.where(lower, 1.0, -1.0)
    up = sign * special.betainc(first + xp.where(lower, h, 0), second + xp.where(lower, 0, h), w)
    down = sign * special.betainc(first - xp.where(lower, h, 0), second - xp.where(lower, 0, h),
                                  w)
    with xp.errstate(all="ignore"):
        log_pdf = ((a - 1) * xp.log(v) + (b - 1) * xp.log1p(-v) - special.betaln(a, b))
        grad = -(up - down) / (2 * h) / xp.exp(log_pdf) / (1 - v)
    return xp.where(xp.isfinite(grad), grad, 0.0).astype(x.dtype)


def _dirichlet_draw(xp, alpha, generator):
    """Dirichlet samples along the last dim, normalised in log space: a Gamma(a) draw for
    a < 1 is Gamma(a + 1) * U**(1/a), whose log stays finite where the draw underflows."""
    a = alpha.astype(xp.float64)
    ok = a > 0
    safe = xp.where(ok, a, 1.0)
    boost = safe < 1
    with xp.errstate(divide="ignore"):
        log_g = xp.log(generator.standard_gamma(xp.where(boost, safe + 1, safe)))
        log_g = log_g + xp.where(boost, xp.log1p(-generator.random(a.shape)) / safe, 0.0)
    log_g = xp.where(ok, log_g, -xp.inf)
    top = xp.max(log_g, axis=-1, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0.0)
    weights = xp.exp(log_g - top)
    with xp.errstate(invalid="ignore"):
        out = weights / weights.sum(axis=-1, keepdims=True)
    tiny = xp.finfo(alpha.dtype).tiny
    return xp.maximum(out.astype(alpha.dtype), alpha.dtype.type(tiny))


def _dirichlet_vjp(F, g, x, out):
    if F is graph_vocab:  # torch's _Dirichlet is once_differentiable: no graph of its own
        from ...autograd.grad_mode import no_grad
        with no_grad():
            return Tensor._make(_dirichlet_vjp(raw_vocab(g.xp), g._data, x._data, out._data))
    grad = F._dirichlet_grad(out, x, F.sum(x, -1, True))
    return grad * (g - F.sum(out * g, -1, True))


def _no_gamma_grad_derivative(F, g):
    raise NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented.")


STANDARD_GAMMA = op("_standard_gamma", lambda xp, x, generator: _gamma_draw(xp, x, generator),
                    params=("generator",),
                    vjps=(lambda F, g, x, out: g * F._standard_gamma_grad(x, out),),
                    grad_fn="StandardGammaBackward0")
# the sample is a parameter: torch's node has no edge to it
STANDARD_GAMMA_GRAD = op("_standard_gamma_grad", lambda xp, x, output: _gamma_grad(
    xp, *xp.broadcast_arrays(x, output)), params=("output",),
                         vjps=(_no_gamma_grad_derivative,), grad_fn="StandardGammaGradBackward0")
DIRICHLET_GRAD = op("_dirichlet_grad", _dirichlet_grad_raw, inputs=("x", "alpha", "total"),
                    broadcasts=True)
NI_DIRICHLET_GRAD = _not_implemented_node("_dirichlet_grad")
DIRICHLET_RSAMPLE = op("dirichlet_rsample",
                       lambda xp, x, generator: _dirichlet_draw(xp, x, generator),
                       params=("generator",), vjps=(_dirichlet_vjp,),
                       grad_fn="_DirichletBackward")
SAMPLE_DIRICHLET = op("_sample_dirichlet",
                      lambda xp, x, generator: _dirichlet_draw(xp, x, generator),
                      params=("generator",))
NI_SAMPLE_DIRICHLET = _not_implemented_node("_sample_dirichlet")
BINOMIAL = op("binomial", lambda xp, count, prob, generator: _binomial(xp, count, prob, generator),
              inputs=("count", "prob"), params=("generator",), broadcasts=True)
NI_BINOMIAL = _not_implemented_node("binomial")


def _binomial(xp, count, prob, generator):
    n, p = (u.astype(xp.float64) for u in xp.broadcast_arrays(count, prob))
    ok = (n >= 0) & (p >= 0) & (p <= 1)
    draws = generator.binomial(xp.where(ok, xp.floor(n), 0).astype(xp.int64),
                               xp.where(ok, p, 0.0))
    draws = xp.where(ok & (p < 1), draws, xp.where(ok, n, xp.nan))
    return draws.astype(count.dtype)


def _require_float(kernel, t: Tensor) -> None:
    K.require_float(kernel, t.dtype, complex_ok=False)


@expose(method=False)
@batched_function("_standard_gamma", random=True)
def _standard_gamma(input: Tensor, generator=None) -> Tensor:
    """Standard Gamma samples of shapes ``input``; differentiable in ``input`` by implicit
    reparameterisation (StandardGammaBackward0)."""
    _require_float("gamma_cpu", input)
    return dispatch(STANDARD_GAMMA, (input,), {"generator": generator_of(generator)})


@expose(method=False)
def _standard_gamma_grad(input: Tensor, output: Tensor) -> Tensor:
    """d(sample)/d(alpha) of Gamma samples ``output`` drawn with shapes ``input``."""
    K.broadcast_shape(input.shape, output.shape)
    if input.dtype != output.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(output.dtype)} but expected "
                           f"{scalar_type_name(input.dtype)}")
    return dispatch(STANDARD_GAMMA_GRAD, (input,), {"output": output._data})


@expose(method=False)
def _dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """The reparameterisation derivative of Dirichlet samples ``x`` (torch's scaling)."""
    K.broadcast_shape(K.broadcast_shape(x.shape, alpha.shape), total.shape)
    return _record_not_implemented(NI_DIRICHLET_GRAD, (x, alpha, total),
                                   dispatch(DIRICHLET_GRAD, (x, alpha, total)))


@expose(method=False)
@batched_function("_sample_dirichlet", random=True)
def _sample_dirichlet(input: Tensor, generator=None) -> Tensor:
    """Dirichlet samples along the last dim (torch records NotImplemented for its grad)."""
    _require_float("dirichlet", input)
    out = dispatch(SAMPLE_DIRICHLET, (input,), {"generator": generator_of(generator)})
    return _record_not_implemented(NI_SAMPLE_DIRICHLET, (input,), out)


@batched_function("dirichlet_rsample", random=True)
def dirichlet_rsample(concentration: Tensor, generator=None) -> Tensor:
    """A reparameterised Dirichlet sample: torch's ``_Dirichlet.apply`` (_DirichletBackward)."""
    _require_float("dirichlet", concentration)
    return dispatch(DIRICHLET_RSAMPLE, (concentration,), {"generator": generator_of(generator)})


@expose(method=False)
@batched_function("binomial", random=True)
def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Binomial samples: ``count`` trials of success probability ``prob`` (broadcast)."""
    if count.dtype.np.kind not in "fV":
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{scalar_type_name(count.dtype)}")
    if prob.dtype.np.kind not in "fV":
        raise ValueError(f"binomial only supports floating-point dtypes for prob, got: "
                         f"{scalar_type_name(prob.dtype)}")
    K.broadcast_shape(count.shape, prob.shape)
    out = dispatch(BINOMIAL, (count, prob), {"generator": generator_of(generator)})
    return _record_not_implemented(NI_BINOMIAL, (count, prob), out)

