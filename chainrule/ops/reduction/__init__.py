"""Reductions, order statistics and cumulative ops (a package: one module a kind).

``sums`` (sum, mean, prod, nansum, nanmean, logsumexp, count_nonzero, any, all),
``extrema`` (max, min, amax, amin, aminmax, argmax, argmin, median, nanmedian, mode,
kthvalue), ``moments`` (var, std, var_mean, std_mean), ``cumulative`` (cumsum, cumprod,
cummax, cummin, logcumsumexp, diff, trapezoid), ``_common`` (dims, out=, and the internal
gather/scatter/flip ops the backward rules use) and ``_stdsort`` (libstdc++'s sorts,
replayed for torch's order of ties).
"""
from __future__ import annotations

from ._common import check_nonempty as _no_reduce_empty
from ._common import dims_arg as _dims
from ._common import numel as _numel
from ._common import type_word as _torch_type_word
from .cumulative import (
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
from .extrema import (
                         MAX,
                         MIN,
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
from .moments import std, std_mean, var, var_mean
from .sums import (
                         ALL,
                         ANY,
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

__all__ = ["sum", "mean", "prod", "nansum", "nanmean", "logsumexp", "count_nonzero", "any",
           "all", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median",
           "nanmedian", "mode", "kthvalue", "var", "std", "var_mean", "std_mean", "cumsum",
           "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "trapezoid", "trapz",
           "cumulative_trapezoid", "SUM", "SUM_DIM", "MEAN", "MEAN_DIM", "MAX", "MIN", "ANY",
           "ALL", "_mean", "_dims", "_numel", "_no_reduce_empty", "_torch_type_word"]
