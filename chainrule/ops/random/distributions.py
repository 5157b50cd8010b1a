"""Sampling from tensors of parameters: bernoulli, multinomial, normal (its four
overloads) and poisson.

The samples are not differentiable, but torch records a node for them (gradient zero),
so these are ops whose rule is zero: ``torch.normal(mean, std)`` shows NormalBackward3.
"""
from __future__ import annotations

from ... import _dtypes
from ..._device import META
from ..._factory import (
    check_options,
    dtype_arg,
    make,
    out_dtype,
    parse_size,
    scalar_type_name,
    torch_type_name,
    write_out,
)
from ..._generator import resolve as generator_of
from ..._meta import is_meta, meta_array
from ..._tensor import Tensor
from ...backend import numpy_namespace as xp
from .._dispatch import batched_function
from .._registry import dispatch, expose, op
from . import _sample as K

__all__ = ["bernoulli", "multinomial", "normal", "poisson", "zero_rule"]


def zero_rule(F, g):
    """The gradient of a sample with respect to its parameters, as torch defines it."""
    return F.zeros(g.shape, dtype=g.dtype)


BERNOULLI = op("bernoulli", lambda xp, x, generator: xp.asarray(generator.random(x.shape) < x)
               .astype(x.dtype), params=("generator",), vjps=(zero_rule,),
               grad_fn="BernoulliBackward0")
NORMAL_TENSOR_FLOAT = op(
    "normal_tensor_float", lambda xp, mean, std, generator:
    (mean + std * K.normal01(generator, mean.shape, mean.dtype)).astype(mean.dtype),
    inputs=("mean",), params=("std", "generator"), vjps=(zero_rule,),
    grad_fn="NormalBackward1")
NORMAL_FLOAT_TENSOR = op(
    "normal_float_tensor", lambda xp, std, mean, generator:
    (mean + std * K.normal01(generator, std.shape, std.dtype)).astype(std.dtype),
    inputs=("std",), params=("mean", "generator"), vjps=(zero_rule,),
    grad_fn="NormalBackward2")
NORMAL_TENSOR_TENSOR = op(
    "normal_tensor_tensor", lambda xp, mean, std, generator: _normal_tt(mean, std, generator),
    inputs=("mean", "std"), params=("generator",), vjps=(zero_rule, zero_rule),
    grad_fn="NormalBackward3", broadcasts=True)
POISSON = op("poisson", lambda xp, x, generator: _poisson(generator, x), params=("generator",),
             vjps=(zero_rule,), grad_fn="PoissonBackward0")


def _normal_tt(mean, std, generator):
    shape = xp.broadcast_shapes(mean.shape, std.shape)
    z = K.normal01(generator, shape, mean.dtype)
    return (mean + std.astype(mean.dtype, copy=False) * z).astype(mean.dtype, copy=False)


def _poisson(gen, rates):
    lam = rates.astype(xp.float64)
    huge = lam >= 1e18  # beyond NumPy's sampler; the distribution is a point there anyway
    counts = xp.asarray(gen.poisson(xp.where(huge, 0.0, lam)), dtype=xp.float64)
    return xp.where(huge, lam, counts).astype(rates.dtype)


def _check_out(out, fname):
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {torch_type_name(out)}")


def _finish(fname, result, out):
    if out is None:
        return result
    _check_out(out, fname)
    return write_out(fname, out, result._data, warn_resize=True)


@expose
@batched_function("bernoulli", random=True)
def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (elementwise), or with probability ``p``
    for every element of a tensor shaped like ``input``."""
    gen = generator_of(generator)
    if p is None:
        d = _dtypes._BY_NP[input._data.dtype]
        K.require_float("bernoulli_tensor_cpu_p_", d, complex_ok=False)
        data = input._data
        if data.size and not ((data >= 0) & (data <= 1)).all():
            raise _p_range_error()
        return _finish("bernoulli", dispatch(BERNOULLI, (input,), {"generator": gen}), out)
    p = _float_p("bernoulli", p)
    data = xp.asarray(gen.random(input._data.shape) < p).astype(input._data.dtype)
    return _finish("bernoulli", Tensor._make(data), out)


def _p_range_error() -> RuntimeError:
    return RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                        "this error message be improved?  If so, please report an enhancement "
                        "request to PyTorch.)")


def _float_p(fname, p) -> float:
    if isinstance(p, Tensor) or isinstance(p, bool) or not isinstance(p, (int, float)):
        if not isinstance(p, xp.floating):
            raise TypeError(f"{fname}(): argument 'p' must be float, not {torch_type_name(p)}")
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={K.fmt(p)}")
    return p


@expose
@batched_function("multinomial", random=True)
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices of categories drawn with probabilities proportional to the rows of ``input``
    (with or without replacement); int64."""
    fname = "multinomial"
    if isinstance(num_samples, bool) or not isinstance(num_samples, int):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{torch_type_name(num_samples)}")
    gen = generator_of(generator)
    probs = input._data
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_type_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = probs.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    _check_out(out, fname)
    if out is not None and out._data.dtype != xp.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: "
                           f"{scalar_type_name(out.dtype)}")
    if is_meta(probs):  # no probabilities to check or draw from: the samples' shape
        return _finish(fname, Tensor._make(meta_array(probs.shape[:-1] + (num_samples,),
                                                      "int64")), out)
    rows = probs.reshape(probs.shape[0] if probs.ndim == 2 else 1, categories).astype(xp.float64)
    if rows.shape[0] and not categories and num_samples == 1:  # torch's one-sample path
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if rows.size and not (xp.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows.shape[0] and (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    picks = _with_replacement(gen, rows, num_samples) if replacement else \
        _without_replacement(gen, rows, num_samples)
    result = Tensor._make(picks.reshape(probs.shape[:-1] + (num_samples,)))
    return _finish(fname, result, out)


def _with_replacement(gen, rows, n):
    """Inverse-CDF sampling, row by row; a category of probability zero is never drawn."""
    out = xp.empty((rows.shape[0], n), dtype=xp.int64)
    for r, p in enumerate(rows):
        cdf = xp.cumsum(p)
        u = gen.random(n) * cdf[-1]
        last = int(xp.flatnonzero(p)[-1])
        out[r] = xp.minimum(xp.searchsorted(cdf, u, side="right"), last)
    return out


def _without_replacement(gen, rows, n):
    """The exponential race (torch's method): each category's key is p / E with E ~ Exp(1);
    the n largest keys win, categories of probability zero last."""
    keys = rows / xp.maximum(gen.standard_exponential(rows.shape), 1e-300)
    return xp.argsort(-keys, axis=1, kind="stable")[:, :n].astype(xp.int64)


_NORMAL_SIGNATURES = (
    "\n * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)"
    "\n * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)"
    "\n * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)"
    "\n * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
    "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
    "device = None, bool pin_memory = False, bool requires_grad = False)\n")


def _check_std_scalar(std) -> None:
    if not std >= 0:  # NaN fails as well
        raise RuntimeError(f"normal expects std >= 0.0, but found std {K.fmt(std)}")


def _check_std_tensor(std: Tensor) -> None:
    data = std._data
    if data.size and not (data >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")


@expose(method=False)
@batched_function("normal", random=True)
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False) -> Tensor:
    """Normal samples: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std)``,
    ``normal(mean, std_tensor)`` (elementwise, broadcast) or ``normal(mean, std, size)``."""
    fname = "normal"
    gen = generator_of(generator)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if size is not None and (mean_t or std_t):
        raise TypeError("normal() received an invalid combination of arguments - got a size "
                        "with tensor arguments, but expected one of:" + _NORMAL_SIGNATURES)
    if mean_t and std_t:
        K.require_float("normal_kernel_cpu", mean.dtype)
        _check_std_tensor(std)
        K.broadcast_shape(mean._data.shape, std._data.shape)
        result = dispatch(NORMAL_TENSOR_TENSOR, (mean, std), {"generator": gen})
    elif mean_t:
        K.require_float("normal_kernel_cpu", mean.dtype)
        std = float(std)
        _check_std_scalar(std)
        result = dispatch(NORMAL_TENSOR_FLOAT, (mean,), {"std": std, "generator": gen})
    elif std_t:
        K.require_float("normal_kernel_cpu", std.dtype)
        _check_std_tensor(std)
        result = dispatch(NORMAL_FLOAT_TENSOR, (std,), {"mean": float(mean), "generator": gen})
    else:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({torch_type_name(mean)}, {torch_type_name(std)}), but expected "
                            "one of:" + _NORMAL_SIGNATURES)
        dtype = out_dtype(fname, dtype_arg(fname, dtype), out)
        dev = check_options(fname, device, requires_grad, pin_memory, layout)
        shape = parse_size(fname, (size,))
        K.require_float("normal_kernel_cpu", dtype)
        _check_std_scalar(std)
        data = meta_array(shape, dtype.np) if dev is META else xp.asarray(
            float(mean) + float(std) * K.normal01(gen, shape, dtype.np)).astype(dtype.np)
        if out is not None:
            return write_out(fname, out, data)
        return make(data, requires_grad)
    return _finish(fname, result, out)


@expose(method=False)
@batched_function("poisson", random=True)
def poisson(input, generator=None) -> Tensor:
    """Poisson samples with the rates in ``input`` (its dtype)."""
    K.require_float("poisson_cpu", _dtypes._BY_NP[input._data.dtype], complex_ok=False)
    gen = generator_of(generator)
    rates = input._data
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return dispatch(POISSON, (input,), {"generator": gen})
