"""In-place sampling methods: ``uniform_``, ``normal_``, ``bernoulli_``, ``exponential_``,
``geometric_``, ``log_normal_``, ``cauchy_``, ``random_``.

Each is the in-place form (ops/_inplace.py) of an op that draws a fresh tensor shaped and
typed like its input, so on a tensor in a graph it records torch's node (UniformBackward0
...) with a zero gradient, and on a leaf that requires grad it raises torch's error.
"""
from __future__ import annotations

from ... import _dtypes
from ..._factory import check_expand, scalar_type_name, torch_type_name
from ..._generator import resolve as generator_of
from ..._meta import is_meta
from ..._tensor import Tensor
from ...backend import numpy_namespace as xp
from .._inplace import inplace
from .._registry import dispatch, op
from . import _sample as K
from .distributions import _float_p, _p_range_error, zero_rule

__all__ = ["uniform_", "normal_", "bernoulli_", "exponential_", "geometric_", "log_normal_",
           "cauchy_", "random_"]


def _sampler(name, grad_fn, draw, params, inputs=("x",)):
    """An op drawing a tensor like ``x``; ``draw(gen, x, *params)`` returns its data."""
    def forward(xp_, *arrays, generator, **kw):
        if is_meta(arrays[0]):  # a meta tensor draws nothing (the generator does not advance)
            return arrays[0].copy()
        return xp.asarray(draw(generator, *arrays, **kw)).astype(arrays[0].dtype, copy=False)
    return op(name, forward, inputs=inputs, params=tuple(params) + ("generator",),
              vjps=(zero_rule,) * len(inputs), grad_fn=grad_fn)


UNIFORM = _sampler("uniform_", "UniformBackward0",
                   lambda gen, x, low, high: K.uniform(gen, x.shape, x.dtype, low, high),
                   ("low", "high"))
NORMAL = _sampler("normal_", "NormalBackward0",
                  lambda gen, x, mean, std: mean + std * K.normal01(gen, x.shape, x.dtype),
                  ("mean", "std"))
BERNOULLI_FLOAT = _sampler("bernoulli_float_", "BernoulliBackward2",
                           lambda gen, x, p: gen.random(x.shape) < p, ("p",))
BERNOULLI_TENSOR = _sampler("bernoulli_tensor_", "BernoulliBackward1",
                            lambda gen, x, p: gen.random(x.shape) < p, (), inputs=("x", "p"))
EXPONENTIAL = _sampler("exponential_", "ExponentialBackward0",
                       lambda gen, x, lambd: gen.exponential(1.0 / lambd, x.shape), ("lambd",))
GEOMETRIC = _sampler("geometric_", "GeometricBackward0",
                     lambda gen, x, p: gen.geometric(p, x.shape), ("p",))
LOG_NORMAL = _sampler("log_normal_", "LogNormalBackward0",
                      lambda gen, x, mean, std: gen.lognormal(mean, std, x.shape),
                      ("mean", "std"))
CAUCHY = _sampler("cauchy_", "CauchyBackward0",
                  lambda gen, x, median, sigma: median + sigma * gen.standard_cauchy(x.shape),
                  ("median", "sigma"))
RANDOM_FROM_TO = _sampler("random_from_to_", "RandomBackward0",
                          lambda gen, x, low, high: K.integers(gen, x.shape, low, high, x.dtype),
                          ("low", "high"))
RANDOM_TO = _sampler("random_to_", "RandomBackward1",
                     lambda gen, x, low, high: K.integers(gen, x.shape, low, high, x.dtype),
                     ("low", "high"))
RANDOM = _sampler("random_all_", "RandomBackward2",
                  lambda gen, x, low, high: K.integers(gen, x.shape, low, high, x.dtype),
                  ("low", "high"))

_run = inplace(lambda t, sampler, params: dispatch(sampler, (t,), params))
_run_with_p = inplace(lambda t, p, params: dispatch(BERNOULLI_TENSOR, (t, p), params))


def _dtype(t: Tensor):
    return _dtypes._BY_NP[t._data.dtype]


def _continuous(t: Tensor, what: str) -> None:
    d = _dtype(t)
    if d.np.kind not in "fV":
        name = scalar_type_name(d) if what == "Exponential" else _CAUCHY_NAMES.get(d.name,
                                                                                 d.name)
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {name}")


_CAUCHY_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
                 "int16": "short int", "int32": "int", "int64": "long int",
                 "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
_BOUND_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double"}


def uniform_(self, from_=0, to=1, *, generator=None) -> Tensor:
    """Fill with uniform samples in [from, to)."""
    gen = generator_of(generator)
    K.require_float("check_uniform_bounds", _dtype(self))
    low, high = float(from_), float(to)
    part = K.real_dtype(self._data.dtype)
    limit = float(xp.finfo(part).max)
    name = _BOUND_NAMES.get(part.name, part.name)
    if not -limit <= low <= limit:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not -limit <= high <= limit:
        raise RuntimeError(f"to is out of bounds for {name}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={K.fmt(low)} > to={K.fmt(high)}")
    if high - low > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<"
                           f"{scalar_type_name(_dtypes._BY_NP[part])}>::max(), but found "
                           f"to={K.fmt(high)} and from={K.fmt(low)} which result in to-from "
                           "to exceed the limit")
    return _run(self, UNIFORM, {"low": low, "high": high, "generator": gen})


def normal_(self, mean=0, std=1, *, generator=None) -> Tensor:
    """Fill with normal samples of mean ``mean`` and standard deviation ``std``."""
    gen = generator_of(generator)
    K.require_float("normal_kernel_cpu", _dtype(self))
    std = float(std)
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {K.fmt(std)}")
    return _run(self, NORMAL, {"mean": float(mean), "std": std, "generator": gen})


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability ``p`` (a float or a tensor broadcast to
    this one's shape)."""
    gen = generator_of(generator)
    d = _dtype(self)
    if d.np.kind == "c":
        raise K.not_implemented("bernoulli_scalar_cpu_", d)
    if isinstance(p, Tensor):
        K.require_float("bernoulli_tensor_cpu_p_", _dtype(p), complex_ok=False)
        if not self._data.size:  # torch returns before looking at p
            return self
        check_expand(p, self._data.shape)
        data = p._data
        if data.size and not ((data >= 0) & (data <= 1)).all():
            raise _p_range_error()
        return _run_with_p(self, p, {"generator": gen})
    return _run(self, BERNOULLI_FLOAT, {"p": _float_p("bernoulli_", p), "generator": gen})


def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    """Fill with exponential samples of rate ``lambd``."""
    gen = generator_of(generator)
    _continuous(self, "Exponential")
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={K.fmt(lambd)}")
    return _run(self, EXPONENTIAL, {"lambd": lambd, "generator": gen})


def geometric_(self, p, *, generator=None) -> Tensor:
    """Fill with geometric samples: the number of Bernoulli(p) trials up to the first
    success (1, 2, ...)."""
    gen = generator_of(generator)
    d = _dtype(self)
    if d is _dtypes.bool_ or d.np.kind == "c":
        raise K.not_implemented("geometric_cpu", d)
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={K.fmt(p)}")
    return _run(self, GEOMETRIC, {"p": p, "generator": gen})


def log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fill with samples whose logarithm is normal(mean, std)."""
    gen = generator_of(generator)
    K.require_float("log_normal_cpu", _dtype(self), complex_ok=False)
    std = float(std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={K.fmt(std)}")
    return _run(self, LOG_NORMAL, {"mean": float(mean), "std": std, "generator": gen})


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy samples of location ``median`` and scale ``sigma``."""
    gen = generator_of(generator)
    _continuous(self, "Cauchy")
    sigma = float(sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={K.fmt(sigma)}")
    return _run(self, CAUCHY, {"median": float(median), "sigma": sigma, "generator": gen})


_RANDOM_SIGNATURES = ("\n * (*, torch.Generator generator = None)"
                      "\n * (int from, int to, *, torch.Generator generator = None)"
                      "\n * (int to, *, torch.Generator generator = None)\n")


def random_(self, *args, generator=None, **kw) -> Tensor:
    """Fill with integers: ``random_()`` over the dtype's range, ``random_(to)`` in
    [0, to), ``random_(from, to)`` in [from, to) (``to=None``: up to the dtype's max)."""
    if set(kw) - {"to"} or (kw and len(args) > 1) or len(args) > 2 or any(
            a is not None and (isinstance(a, bool) or not isinstance(a, int)) for a in args):
        got = ", ".join([torch_type_name(a) for a in args] +
                        [f"{k}={torch_type_name(v)}" for k, v in kw.items()])
        raise TypeError(f"random_() received an invalid combination of arguments - got ({got}"
                        f"{', ' if kw else ''}), but expected one of:" + _RANDOM_SIGNATURES)
    gen = generator_of(generator)
    d = _dtype(self)
    if d.np.kind == "c":
        raise K.not_implemented("random_kernel_cpu", d)
    if "to" in kw:
        args = (0, kw["to"]) if not args else (args[0], kw["to"])
    if not args:
        sampler, low, high = RANDOM, 0, K.random_bound(d) + 1
    elif len(args) == 1:
        sampler, low, high = RANDOM_TO, 0, K.int64_arg(args[0])
    else:
        sampler, low = RANDOM_FROM_TO, K.int64_arg(args[0])
        high = K.random_bound(d) + 1 if args[1] is None else K.int64_arg(args[1])
    if sampler is not RANDOM:
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        K.check_from_to(d, low, high - 1, check_from=sampler is RANDOM_FROM_TO)
    return _run(self, sampler, {"low": low, "high": high, "generator": gen})


for _fn in (uniform_, normal_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_,
            random_):
    setattr(Tensor, _fn.__name__, _fn)
