"""torch.special: special functions under torch's names.

The error-function and gamma families need NumPy alone; the Bessel functions, zeta,
polygamma of order >= 1 and the incomplete gamma functions import SciPy on first call
(``pip install chainrule[scipy]``).

>>> import chainrule as torch
>>> torch.special.erfc(torch.tensor([27.0], dtype=torch.float64))
tensor([5.2370e-319], dtype=torch.float64)
"""
from __future__ import annotations

from . import ops as _ops
from ._tensor import Tensor  # noqa: F401 - torch.special.Tensor

_P = _ops.PUBLIC

# the same functions as torch.<name>
erf, erfc, erfinv, logit, xlogy, sinc, i0 = (_P[n] for n in (
    "erf", "erfc", "erfinv", "logit", "xlogy", "sinc", "i0"))
exp2, expm1, log1p, polygamma, digamma = (_P[n] for n in (
    "exp2", "expm1", "log1p", "polygamma", "digamma"))
expit = _P["sigmoid"]
psi = digamma
gammaln = _P["lgamma"]
multigammaln = _P["mvlgamma"]
gammainc = _P["igamma"]
gammaincc = _P["igammac"]

# the functions torch shows only here (chainrule.ops registers them as special_<name>)
_SPECIAL_ONLY = (
    "erfcx", "ndtr", "log_ndtr", "ndtri", "entr", "i0e", "i1", "i1e", "xlog1py", "zeta",
    "round", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
    "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p")
globals().update({_n: _P["special_" + _n] for _n in _SPECIAL_ONLY})

# torch.special's docstring fragments (torch._torch_docs), kept for code that reads them
common_args = {
    "input": "input (Tensor): the input tensor.",
    "generator": "generator (:class:`torch.Generator`, optional): a pseudorandom number "
                 "generator for sampling",
    "out": "out (Tensor, optional): the output tensor.",
    "memory_format": "memory_format (:class:`torch.memory_format`, optional): the desired "
                     "memory format of\n        returned tensor. Default: "
                     "``torch.preserve_format``.",
}
multi_dim_common = dict(common_args, **{
    "dtype": "dtype (:class:`torch.dtype`, optional): the desired data type of returned "
             "tensor.\n        If specified, the input tensor is casted to :attr:`dtype` before "
             "the operation\n        is performed. This is useful for preventing data type "
             "overflows. Default: None.",
    "keepdim": "keepdim (bool): whether the output tensor has :attr:`dim` retained or not.",
    "opt_keepdim": "\n    keepdim (bool, optional): whether the output tensor has :attr:`dim` "
                   "retained or not. Default: ``False``.\n",
    "dim": "dim (int or tuple of ints): the dimension or dimensions to reduce.",
    "keepdim_details": "\nIf :attr:`keepdim` is ``True``, the output tensor is of the same "
                       "size\nas :attr:`input` except in the dimension(s) :attr:`dim` where it "
                       "is of size 1.\nOtherwise, :attr:`dim` is squeezed (see "
                       ":func:`torch.squeeze`), resulting in the\noutput tensor having 1 (or "
                       "``len(dim)``) fewer dimension(s).\n",
    "opt_dim": "\n    dim (int or tuple of ints, optional): the dimension or dimensions to "
               "reduce.\n",
    "opt_dim_all_reduce": "\n    dim (int or tuple of ints, optional): the dimension or "
                          "dimensions to reduce.\n        If ``None``, all dimensions are "
                          "reduced.\n",
})

# logsumexp, softmax and log_softmax are the reduction and nn ops of the same names; they
# resolve on first use, from wherever those families define them.
_LATER = ("logsumexp", "softmax", "log_softmax")


def __getattr__(name):
    if name in _LATER:
        fn = _P.get(name)
        if fn is None:
            from .nn import functional
            fn = getattr(functional, name, None)
        if fn is not None:
            globals()[name] = fn
            return fn
        raise AttributeError(f"chainrule.special.{name} is not available yet (it aliases "
                             f"torch.{name}, which chainrule does not implement yet)")
    raise AttributeError(f"module 'chainrule.special' has no attribute {name!r}")

