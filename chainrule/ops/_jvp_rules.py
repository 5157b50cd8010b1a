"""Which forward-mode rule each op takes (ops/_jvp.py runs them), and the explicit rules.

Most ops derive their JVP from what they already declare:

* ``LINEAR``: linear in the first input, the others constant (views, copies, sums,
  indexing, pads, pools that take their indices as a parameter, a backward op in its
  incoming gradient when its other inputs only select): the op applied to the tangent.
* ``LinearWith(value=0)``: affine in the first input (a pad or fill value).
* ``ELEMENTWISE``: a symmetric Jacobian (elementwise ops per input up to broadcasting,
  softmax): the backward rule applied to the tangent.
* ``JOINT``: linear in all differentiable inputs together (cat, scatter's self and src).
* ``MULTILINEAR``: linear in each input separately (mm, dot, cross): one term per input.
* ``REDUCTION``: a backward ``expand(g) * L`` (prod, amax, var, norms, losses): ``L * t``
  summed to the output.
* ``ZERO`` / ``NOT_IMPLEMENTED``: no tangent, or torch's NotImplementedError.

The rest are written out below (the linear-algebra ones in ops/_jvp_rules_linalg.py), as
derivatives.yaml's ``result:`` lines are, with public ops on Tensors:
``rule(args, params, tangents, out)``.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._jvp import (
    ELEMENTWISE,
    JOINT,
    LINEAR,
    MULTILINEAR,
    NOT_IMPLEMENTED,
    REDUCTION,
    ZERO,
    LinearWith,
    _primal,
)
from ._jvp_rules_decomp import RULES as _DECOMP_RULES
from ._jvp_rules_linalg import (
    _cholesky,
    _cholesky_ex,
    _cholesky_inverse,
    _cholesky_solve,
    _det,
    _inv_ex,
    _slogdet,
    _solve_ex,
    _solve_triangular,
    _triangular_solve,
)
from ._jvp_rules_misc import RULES as _MISC_RULES
from ._jvp_rules_nn import RULES as _NN_RULES
from ._vocab import OPS

__all__ = ["apply"]


def _zeros(like):
    from .. import zeros_like
    return zeros_like(like)


def _or0(t, like):
    return t if t is not None else _zeros(like)


# ---------------------------------------------------------------------------- explicit rules
def _affine_bilinear(op):
    """addmm and its family: beta * t_bias + alpha * (op(t1, b) + op(a, t2)), affine in
    the first input (``t_bias * beta`` as torch writes it: nan * 0 stays nan)."""
    def rule(args, params, tangents, out):
        bias, a, b = args
        tb, ta, tt = tangents
        total = None
        for pair in ((ta, b), (a, tt)):
            if pair[0] is None or pair[1] is None:
                continue
            term = _primal(op, (_zeros(bias), pair[0], pair[1]), params)
            total = term if total is None else total + term
        if tb is not None:
            beta = (params or {}).get("beta", 1)
            term = tb if beta == 1 else tb * beta
            term = term.expand(tuple(out.shape))
            total = term if total is None else total + term
        return total if total is not None else _zeros(out)
    return rule


def _pool_gather(nd):
    """Max pooling with indices into each plane: the tangent read at the indices."""
    def rule(args, params, tangents, out):
        from .. import tensor
        t = tangents[0]
        idx = params["indices"]
        idx = idx if isinstance(idx, Tensor) else tensor(idx)
        lead = tuple(idx.shape[:idx.dim() - nd])
        picked = t.reshape(lead + (-1,)).gather(len(lead), idx.reshape(lead + (-1,)))
        return picked.reshape(tuple(idx.shape))
    return rule


def _log_softmax(args, params, tangents, out):
    dim = params["dim"]
    t = tangents[0]
    return t - (out.exp() * t).sum(dim, keepdim=True)


def _log_softmax_bw_data(args, params, tangents, out):
    # grad - exp(output) * sum(grad): linear in grad, exp(output) * ... in output
    g, y = args
    tg, ty = tangents
    dim = params["dim"]
    ey = y.exp()
    total = None
    if tg is not None:
        total = tg - ey * tg.sum(dim, keepdim=True)
    if ty is not None:
        term = -(ey * ty) * g.sum(dim, keepdim=True)
        total = term if total is None else total + term
    return total


def _softmax_bw_data(args, params, tangents, out):
    # y * (g - sum(g * y)): linear in g, quadratic in y
    g, y = args
    tg, ty = tangents
    dim = params["dim"]
    total = None
    if tg is not None:
        total = y * (tg - (tg * y).sum(dim, keepdim=True))
    if ty is not None:
        term = ty * (g - (g * y).sum(dim, keepdim=True)) - y * (g * ty).sum(dim, keepdim=True)
        total = term if total is None else total + term
    return total


def _glu(args, params, tangents, out):
    x, = args
    t = tangents[0]
    dim = params["dim"]
    a, b = x.chunk(2, dim)
    ta, tb = t.chunk(2, dim)
    sb = b.sigmoid()
    return ta * sb + a * sb * (1 - sb) * tb


def _convolution(args, params, tangents, out):
    x, w, bias = args
    tx, tw, tbias = (list(tangents) + [None] * 3)[:3]
    total = None
    for a, b in ((tx, w), (x, tw)):
        if a is None or b is None:
            continue
        term = _primal(OPS["convolution"], (a, b, None), params)
        total = term if total is None else total + term
    if tbias is not None and bias is not None:
        shape = [1] * out.dim()
        shape[1] = -1
        term = tbias.reshape(shape).expand(tuple(out.shape))
        total = term if total is None else total + term
    return total if total is not None else _zeros(out)


def _normalized(x, t, dims, rstd, xhat):
    """The tangent of (x - mean) * rstd over ``dims``."""
    tc = t - t.mean(dims, keepdim=True)
    return rstd * (tc - xhat * (xhat * tc).mean(dims, keepdim=True))


def _stats(x, dims, eps):
    mean = x.mean(dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dims, keepdim=True)
    rstd = (var + eps).rsqrt()
    return (x - mean) * rstd, rstd


def _affine_out(dy, xhat, w, b, tw, tb, shape):
    total = dy
    if dy is not None and w is not None:
        total = dy * w.reshape(shape)
    if tw is not None:
        term = xhat * tw.reshape(shape)
        total = term if total is None else total + term
    if tb is not None:
        term = tb.reshape(shape).expand(tuple(xhat.shape))
        total = term if total is None else total + term
    return total


def _layer_norm(args, params, tangents, out):
    x, w, b = (list(args) + [None] * 3)[:3]
    tx, tw, tb = (list(tangents) + [None] * 3)[:3]
    k = len(params["normalized_shape"])
    dims = tuple(range(x.dim() - k, x.dim()))
    xhat, rstd = _stats(x, dims, params["eps"])
    dy = _normalized(x, tx, dims, rstd, xhat) if tx is not None else None
    shape = tuple(params["normalized_shape"])
    total = _affine_out(dy, xhat, w, b, tw, tb, shape)
    return total if total is not None else _zeros(out)


def _batch_norm(args, params, tangents, out):
    x, w, b = (list(args) + [None] * 3)[:3]
    tx, tw, tb = (list(tangents) + [None] * 3)[:3]
    shape = (1, -1) + (1,) * (x.dim() - 2) if x.dim() > 1 else (-1,)
    eps = params["eps"]
    if params["training"]:
        dims = (0,) + tuple(range(2, x.dim()))
        xhat, rstd = _stats(x, dims, eps)
        dy = _normalized(x, tx, dims, rstd, xhat) if tx is not None else None
    else:
        from .. import tensor
        rm = tensor(params["running_mean"], dtype=x.dtype).reshape(shape)
        rv = tensor(params["running_var"], dtype=x.dtype).reshape(shape)
        rstd = (rv + eps).rsqrt()
        xhat = (x - rm) * rstd
        dy = tx * rstd if tx is not None else None
    total = _affine_out(dy, xhat, w, b, tw, tb, (-1,) + (1,) * (x.dim() - 2))
    return total if total is not None else _zeros(out)


def _group_norm(args, params, tangents, out):
    x, w, b = (list(args) + [None] * 3)[:3]
    tx, tw, tb = (list(tangents) + [None] * 3)[:3]
    n, group = params["N"], params["group"]
    xs = x.reshape(n, group, -1)
    xhat, rstd = _stats(xs, (2,), params["eps"])
    dy = None
    if tx is not None:
        dy = _normalized(xs, tx.reshape(n, group, -1), (2,), rstd, xhat).reshape(
            tuple(x.shape))
    xhat = xhat.reshape(tuple(x.shape))
    total = _affine_out(dy, xhat, w, b, tw, tb, (-1,) + (1,) * (x.dim() - 2))
    return total if total is not None else _zeros(out)


def _angle(args, params, tangents, out):
    x, = args
    t = tangents[0]
    if not x.is_complex():
        return _zeros(out)
    # Im(t * conj(x)) / |x|^2, zero where x is
    num = (t * x.conj()).imag
    den = x.abs() ** 2
    return (num / den).masked_fill(den == 0, 0.0)


def _sgn(args, params, tangents, out):
    x, = args
    t = tangents[0]
    if not x.is_complex():
        return _zeros(out)
    # (t - Re(conj(sgn) t) sgn) / |x|, zero where x is
    a = x.abs()
    r = (out.conj() * t).real
    res = (t - r * out) / a
    return res.masked_fill(a == 0, 0)


def _abs(args, params, tangents, out):
    x, = args
    t = tangents[0]
    if not x.is_complex():
        return t * x.sign()
    return (x.sgn().conj() * t).real


def _polar(args, params, tangents, out):
    a, b = args
    ta, tb = tangents
    total = None
    if ta is not None:
        unit = _primal(OPS["polar"], (a.new_ones(()).expand(tuple(a.shape)), b), None)
        total = unit * ta
    if tb is not None:
        term = out * (1j * tb)
        total = term if total is None else total + term
    return total


def _frexp(args, params, tangents, out):
    mantissa, exponent = out
    t = tangents[0]
    return t / (2.0 ** exponent.to(t.dtype)), None


def _var_mean(std):
    def rule(args, params, tangents, out):
        x, = args
        t = tangents[0]
        v, m = out
        dims = params["dim"]
        keepdim = params["keepdim"]
        n = 1
        for d in dims:
            n *= x.shape[d]
        mean = x.mean(dims, keepdim=True)
        tv = 2 * ((x - mean) * t).sum(dims, keepdim=keepdim) / max(n - params["correction"], 0)
        if std:
            tv = tv / (2 * v)
        return tv, t.mean(dims, keepdim=keepdim)
    return rule


def _aminmax(args, params, tangents, out):
    x, = args
    t = tangents[0]
    lo, hi = out
    dim = params.get("dim")
    keepdim = params.get("keepdim", False)
    if isinstance(dim, (tuple, list)):
        dim = dim[0] if len(dim) == 1 else None

    def even(v):
        vv = v if keepdim or dim is None else v.unsqueeze(dim)
        mask = (x == vv).to(t.dtype)
        if dim is None:
            return ((mask * t).sum() / mask.sum()).reshape(tuple(v.shape))
        return (mask * t).sum(dim, keepdim=keepdim) / mask.sum(dim, keepdim=keepdim)
    return even(lo), even(hi)


def _cumprod(args, params, tangents, out):
    # d cumprod_i = sum_{j<=i} out_i / x_j t_j, written without the division (zeros in x)
    from .. import ones_like
    x, = args
    t = tangents[0]
    dim = params["dim"] % max(x.dim(), 1)
    n = x.shape[dim] if x.dim() else 1
    if x.dim() == 0:
        return t.to(out.dtype)
    total = None
    for j in range(n):
        # replace x_j by t_j, then the cumulative product from j on
        mask_shape = [1] * x.dim()
        mask_shape[dim] = n
        from .. import arange
        pos = arange(n).reshape(mask_shape)
        y = x.where(pos != j, t).to(out.dtype).cumprod(dim)
        term = y.masked_fill(pos < j, 0.0)
        total = term if total is None else total + term
    del ones_like
    return total


def _logcumsumexp(args, params, tangents, out):
    # sum_{j<=i} exp(x_j - out_i) t_j  ==  exp(logcumsumexp over x + log t ... ) : by parts
    x, = args
    t = tangents[0]
    dim = params["dim"]
    from .. import log
    if t.is_complex() or x.is_complex():  # holomorphic: a complex log needs no sign split
        return ((x + log(t.to(out.dtype))).logcumsumexp(dim) - out).exp()
    # shift each prefix by its own result: exp(x_j - out_i) <= 1
    pos = t.clamp(min=0)
    neg = (-t).clamp(min=0)
    a = (x + log(pos)).logcumsumexp(dim) - out
    b = (x + log(neg)).logcumsumexp(dim) - out
    return a.exp() - b.exp()


# ---------------------------------------------------------------------------- the table
_L, _E, _J, _M, _R, _Z, _N = LINEAR, ELEMENTWISE, JOINT, MULTILINEAR, REDUCTION, ZERO, \
    NOT_IMPLEMENTED


def _names(kind, text):
    return {n: kind for n in text.split()}


TABLE: dict = {}
TABLE.update(_names(_E, """
    rsub rsub_tensor div_mode remainder remainder_scalar fmod fmod_scalar pow_tensor_scalar
    pow_tensor_tensor pow_scalar_tensor maximum minimum atan2 clamp clamp_min clamp_max
    clamp_tensor clamp_min_tensor clamp_max_tensor sigmoid relu threshold_backward
    tanh_backward rsqrt sign round where fill zero fill_out _linalg_nan_to_num
    _nn_add_scalar _nn_sub_scalar _nn_xlogy hardtanh hardtanh_backward leaky_relu
    leaky_relu_result leaky_relu_backward elu elu_result celu celu_result elu_backward
    hardswish hardswish_backward hardshrink hardshrink_backward softshrink
    softshrink_backward threshold threshold_result _threshold_backward _prelu_kernel
    rrelu_with_noise rrelu_with_noise_result rrelu_with_noise_backward gelu gelu_backward
    silu mish softplus softplus_backward log_sigmoid log_sigmoid_backward softmax
    _safe_softmax _scalar_add _standard_gamma _standard_gamma_grad deg2rad rad2deg frac sinc
    logit nan_to_num logaddexp ldexp copysign_scalar heaviside lerp_scalar lerp addcmul
    addcdiv erf erfc erfinv special_erfcx special_log_ndtr special_ndtri add_scalar lgamma
    digamma polygamma polygamma_inplace mvlgamma i0 special_i0e special_i1 special_i1e
    special_entr xlogy xlogy_scalar_self xlogy_scalar_other special_xlog1py
    special_xlog1py_scalar_self special_xlog1py_scalar_other special_zeta
    special_zeta_scalar_self special_zeta_scalar_other igamma igammac special_round
    binary_cross_entropy_backward soft_margin_loss_backward mse_loss_backward
    smooth_l1_loss_backward huber_loss_backward hardsigmoid_backward
    """))
TABLE.update(_names(_Z, """
    bernoulli normal_tensor_float normal_float_tensor normal_tensor_tensor poisson uniform_
    normal_ bernoulli_float_ bernoulli_tensor_ exponential_ geometric_ log_normal_ cauchy_
    random_from_to_ random_to_ random_all_
    """))
TABLE.update(_names(_L, """
    index index_scatter _linalg_triu _linalg_tril _linalg_diag _linalg_diag_embed
    _linalg_embed_at _linalg_diagonal_backward trace flip_dims gather_dim scatter_add_dim
    cumsum cumsum_cast cummax cummin mul_by_scalar div_by_scalar max_dim min_dim median_dim
    nanmedian_dim mode kthvalue sum_all sum_dim sum_all_cast sum_dim_cast mean_all mean
    mean_all_cast mean_dim_cast _linalg_masked_fill _nn_mul_scalar _nn_div_scalar _scalar_mul
    im2col col2im _gather _index_select _masked_select _masked_scatter_backward _take embedding
    embedding_dense_backward affine_grid_generator nll_loss_forward nll_loss_forward_backward
    nll_loss2d_forward nll_loss2d_forward_backward reflection_pad1d reflection_pad2d
    reflection_pad3d replication_pad1d replication_pad2d replication_pad3d
    reflection_pad1d_backward reflection_pad2d_backward reflection_pad3d_backward
    replication_pad1d_backward replication_pad2d_backward replication_pad3d_backward
    max_pool2d_with_indices_backward
    max_pool3d_with_indices_backward avg_pool2d avg_pool3d avg_pool2d_backward
    avg_pool3d_backward max_unpool2d max_unpool3d _adaptive_avg_pool2d _adaptive_avg_pool3d
    _adaptive_avg_pool2d_backward _adaptive_avg_pool3d_backward
    adaptive_max_pool2d_backward adaptive_max_pool3d_backward fractional_max_pool2d_backward
    fractional_max_pool3d_backward pixel_shuffle pixel_unshuffle channel_shuffle
    native_channel_shuffle upsample_nearest1d upsample_nearest2d upsample_nearest3d
    _upsample_nearest_exact1d _upsample_nearest_exact2d _upsample_nearest_exact3d
    upsample_linear1d upsample_bilinear2d upsample_bicubic2d upsample_trilinear3d
    upsample_nearest1d_backward upsample_nearest2d_backward upsample_nearest3d_backward
    _upsample_nearest_exact1d_backward _upsample_nearest_exact2d_backward
    _upsample_nearest_exact3d_backward upsample_linear1d_backward upsample_bilinear2d_backward
    upsample_bicubic2d_backward upsample_trilinear3d_backward _unsafe_view clone _to_copy
    diagonal_backward diag_embed tril triu narrow_copy slice_backward unfold_backward
    unsafe_split unsafe_split_with_sizes alias_copy diagonal_copy expand_copy permute_copy
    select_copy slice_copy split_copy split_with_sizes_copy squeeze_copy squeeze_dim_copy
    squeeze_dims_copy t_copy transpose_copy unbind_copy unfold_copy unsqueeze_copy view_copy
    flip roll rot90 repeat sort sort_stable topk strided_move as_strided_inplace
    as_strided_replay as_strided_window mul_scalar _fft_r2c _fft_c2c _fft_c2r
    _pack_padded_sequence _pack_padded_sequence_backward
    """))
TABLE.update(_names(_J, """
    fill_tensor copy fill_out_tensor index_put complex _scatter _scatter_add _index_add
    _index_copy _index_fill_tensor _index_put _masked_fill_tensor _masked_scatter _put stack
    cat block_diag diagonal_scatter select_scatter slice_scatter as_strided_scatter_laid_out
    """))
TABLE.update(_names(_M, """
    mm mv dot bmm vdot linalg_cross _einsum3
    """))
TABLE.update(_names(_R, """
    max_all min_all amax amin median_all nanmedian_all var std prod_all prod_dim prod_all_cast
    prod_dim_cast nansum nansum_cast logsumexp linalg_vector_norm _linalg_amax _linalg_amin
    norm_dim dist _nn_norm _nn_vector_norm binary_cross_entropy binary_cross_entropy_with_logits
    soft_margin_loss mse_loss smooth_l1_loss huber_loss
    """))
TABLE.update(_names(_N, """
    floor_divide_not_implemented remainder_not_implemented _dirichlet_grad_not_implemented
    _sample_dirichlet_not_implemented binomial_not_implemented multi_margin_loss_backward
    multilabel_margin_loss_backward _ctc_loss_backward multi_margin_loss multilabel_margin_loss
    """))
TABLE.update({
    "constant_pad_nd": LinearWith(value=0.0),
    "_masked_fill": LinearWith(value=0.0),
    "_index_fill": LinearWith(value=0.0),
    "_scatter_value": LinearWith(value=0.0),
    "log_softmax": _log_softmax,
    "_log_softmax_backward_data": _log_softmax_bw_data,
    "glu": _glu,
    "_softmax_backward_data": _softmax_bw_data,
    "max_pool2d_with_indices": _pool_gather(2),
    "max_pool3d_with_indices": _pool_gather(3),
    "adaptive_max_pool2d": _pool_gather(2),
    "adaptive_max_pool3d": _pool_gather(3),
    "fractional_max_pool2d": _pool_gather(2),
    "fractional_max_pool3d": _pool_gather(3),
    "convolution": _convolution,
    "native_layer_norm": _layer_norm,
    "native_batch_norm": _batch_norm,
    "native_group_norm": _group_norm,
    "angle": _angle,
    "sgn": _sgn,
    "abs": _abs,
    "conj": LINEAR,
    "conj_physical": LINEAR,
    "conj_physical_inplace": LINEAR,
    "polar": _polar,
    "frexp": _frexp,
    "var_mean": _var_mean(False),
    "std_mean": _var_mean(True),
    "aminmax": _aminmax,
    "linalg_inv_ex": _inv_ex,
    "linalg_solve_ex": _solve_ex,
    "linalg_cholesky_ex": _cholesky_ex,
    "cholesky": _cholesky,
    "linalg_slogdet": _slogdet,
    "linalg_solve_triangular": _solve_triangular,
    "triangular_solve": _triangular_solve,
    "cholesky_solve": _cholesky_solve,
    "cholesky_inverse": _cholesky_inverse,
    "linalg_det": _det,
    "cumprod": _cumprod,
    "cumprod_cast": _cumprod,
    "logcumsumexp": _logcumsumexp,
})
TABLE.update(_NN_RULES)
TABLE.update(_MISC_RULES)
TABLE.update(_DECOMP_RULES)
for _name in ("addmm", "addmv", "addr", "addbmm", "baddbmm"):
    TABLE[_name] = _name  # filled in by apply() (needs the op itself)

_APPLIED = [0]


def apply() -> None:
    """Give every op named here its rule, and views and ufuncs theirs (ops declaring their
    own keep it); again when ops were registered since."""
    if _APPLIED[0] == len(OPS):
        return
    for name, rule in TABLE.items():
        op = OPS.get(name)
        if op is None or op.jvp is not None:
            continue
        op.jvp = _affine_bilinear(op) if rule == name else rule
    for op in OPS.values():
        if op.jvp is None and op.differentiable:
            if op.view:
                op.jvp = LINEAR
            elif op.ufunc is not None and op.num_outputs == 1:
                op.jvp = ELEMENTWISE
    _APPLIED[0] = len(OPS)


def missing() -> list:
    """Differentiable ops with no JVP rule of their own (they take the generic one)."""
    apply()
    return sorted(n for n, o in OPS.items() if o.differentiable and o.jvp is None)


