"""Reductions, order statistics and cumulative ops (a package: one module a kind).

``sums`` (sum, mean, prod, nansum, nanmean, logsumexp, count_nonzero, any, all),
``extrema`` (max, min, amax, amin, aminmax, argmax, argmin, median, nanmedian, mode,
kthvalue), ``moments`` (var, std, var_mean, std_mean), ``cumulative`` (cumsum, cumprod,
cummax, cummin, logcumsumexp, diff, trapezoid), and ``_common`` (dims, out=, and the
internal gather/scatter/flip ops the backward rules use).
"""
from __future__ import annotations

from ._common import dims_arg as _dims  # noqa: F401 - the name other families import
from ._common import numel as _numel  # noqa: F401
from .cumulative import (  # noqa: F401
                         cummax,
                         cummin,
                         cumprod,
                         cumsum,
                         cumulative_trapezoid,
                         diff,
                         logcumsumexp,
                         trapezoid,
                         trapz,
)
from .extrema import (  # noqa: F401
                         amax,
                         amin,
                         aminmax,
                         argmax,
                         argmin,
                         kthvalue,
                         max,
                         median,
                         min,
                         mode,
                         nanmedian,
)
from .moments import std, std_mean, var, var_mean  # noqa: F401
from .sums import (  # noqa: F401
                         MEAN,
                         MEAN_DIM,
                         SUM,
                         SUM_DIM,
                         _mean,
                         all,
                         any,
                         count_nonzero,
                         logsumexp,
                         mean,
                         nanmean,
                         nansum,
                         prod,
                         sum,
)
