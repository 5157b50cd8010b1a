"""Finite-difference checks of backward formulas: ``gradcheck`` and ``gradgradcheck``.

Public as ``chainrule.autograd.gradcheck`` / ``gradgradcheck`` with torch's signatures,
defaults, messages and exception type (``GradcheckError``, a ``RuntimeError``).

The numerical Jacobian comes from central differences, perturbing one input element at a
time in the input's own dtype (pass float64 inputs: the defaults are tuned for them); the
analytical Jacobian is built row by row with ``autograd.grad(..., retain_graph=True,
allow_unused=True)`` against one-hot output gradients, twice, so nondeterminism is
caught. ``fast_mode=True`` compares ``v^T J u`` for random vectors instead of whole
Jacobians, as torch's fast mode does.

``check_forward_ad=True`` also builds the Jacobian with forward mode (one JVP per input
element) and compares it with the numerical one; ``gradgradcheck(check_fwd_over_rev=True)``
does that for the function computing the first-order gradients.

``check_batched_grad`` vmaps the backward over two random cotangents and
``check_batched_forward_grad`` the JVP over two random tangents, each against the one-by-one
results; ``check_undefined_grad`` runs the backward with zero output gradients (chainrule
materialises torch's undefined gradients as zeros) and requires zero input gradients
(ops/_gradcheck_batched.py). ``masked`` only changes how sparse inputs are treated; there
are none. Complex outputs are not supported.
"""
from __future__ import annotations

import warnings

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    r"""Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


# ---------------------------------------------------------------------------- helpers
def _is_tensor(x) -> bool:
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(tupled_inputs):
    return [(i, t) for i, t in enumerate(tupled_inputs) if _is_tensor(t) and t.requires_grad]


def _check_inputs(tupled_inputs) -> None:
    import chainrule
    any_rg = False
    for idx, inp in enumerate(tupled_inputs):
        if _is_tensor(inp) and inp.requires_grad:
            if inp.dtype not in (chainrule.float64, chainrule.complex128):
                warnings.warn(
                    f"Input #{idx} requires gradient and "
                    "is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are "
                    "not of double precision floating point or complex. ",
                    stacklevel=4,
                )
            data = inp._data
            if not all(st > 0 or sz <= 1 for st, sz in zip(data.strides, data.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only "
                    "supports inputs that are non-overlapping to be able to "
                    "compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck.")
            any_rg = True
    if not any_rg:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")


def _allclose(a, b, rtol, atol) -> bool:
    """torch.allclose after promoting both to a common dtype."""
    import chainrule
    dt = chainrule.promote_types(a.dtype, b.dtype)
    xa, xb = a._data.astype(dt.np, copy=False), b._data.astype(dt.np, copy=False)
    xp = a.xp
    return bool(xp.all(xp.abs(xa - xb) <= atol + rtol * xp.abs(xb))) if xa.size else True


def _new(data):
    from .._tensor import Tensor
    return Tensor._make(data)


def _eval_outputs(func, inputs):
    """Run ``func`` and snapshot every output's data (torch clones them)."""
    return tuple(o._data.copy() for o in _as_tuple(func(*inputs)))


def _check_same(a, b, eps, idx):
    on_index = f"on index {idx} " if idx is not None else ""
    if a.shape != b.shape:
        from .._size import Size
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed "
            f"{on_index}by {eps}, but got: shapes {Size(a.shape)} and {Size(b.shape)}.")
    if a.dtype != b.dtype:
        from .._dtypes import _BY_NP
        raise AssertionError(
            f"Expected `func` to return outputs with the same dtype when inputs are perturbed "
            f"{on_index}by {eps}, but got: dtypes {_BY_NP[a.dtype]} and {_BY_NP[b.dtype]}.")


def _numerical_jacobian(func, inputs, func_out, eps, part="wirtinger"):
    """jac[i][k]: the (numel of input i) x (numel of output k) numerical Jacobian, for each
    differentiable input i and every output k (differentiable or not). A complex input is
    perturbed along its real and its imaginary axis (ds/dx, ds/dy): ``part`` 'wirtinger'
    gives torch's conjugate Wirtinger derivative ds/dx + i ds/dy (what backward computes
    for a real output), 'real' and 'imag' the two directional ones (forward mode's)."""
    outs = _as_tuple(func_out)
    result = []
    for _, inp in _diff_inputs(inputs):
        data = inp._data          # perturbed in place, as torch perturbs ``.data``
        xp = inp.xp
        n = data.size
        cplx = data.dtype.kind == "c"
        steps = ([eps] if not cplx else
                 {"wirtinger": [eps, eps * 1j], "real": [eps], "imag": [eps * 1j]}[part])
        dtypes = [xp.result_type(o._data.dtype, data.dtype) if cplx and part == "wirtinger"
                  else o._data.dtype for o in outs]
        cols = [xp.zeros((n, o._data.size), dtype=dt) for o, dt in zip(outs, dtypes)]
        for d_idx, idx in enumerate(xp.ndindex(*data.shape)):
            orig = data[idx].copy()
            for s_idx, step in enumerate(steps):
                data[idx] = orig - step
                lo = _eval_outputs(func, inputs)
                data[idx] = orig + step
                hi = _eval_outputs(func, inputs)
                data[idx] = orig
                weight = 1j if s_idx else 1  # ds/dy enters the Wirtinger sum times i
                for k, (a, b) in enumerate(zip(lo, hi)):
                    _check_same(a, b, eps, idx)
                    if b.dtype.kind in "fcV":
                        cols[k][d_idx] += weight * ((b - a) / (2 * eps)).reshape(-1)
        result.append([_new(c) for c in cols])
    return result


def _analytical_rows(output, diff_inputs, grad_out_of):
    """For each differentiable input, the list of vjps of ``output`` for each grad_output
    produced by ``grad_out_of`` (None entries where the input is unused)."""
    from . import grad
    rows = [[] for _ in diff_inputs]
    for go in grad_out_of:
        gis = grad(output, diff_inputs, go, retain_graph=True, allow_unused=True)
        for i, gi in enumerate(gis):
            rows[i].append(None if gi is None else gi._data.copy())
    return rows


def _stack_rows(rows, diff_inputs, n_rows):
    """(jacobians, sizes_ok, types_ok): jacobians[i] is (numel input i) x n_rows."""
    jacs = []
    sizes_ok = types_ok = True
    for inp, vjps in zip(diff_inputs, rows):
        xp = inp.xp
        jac = xp.zeros((inp._data.size, n_rows), dtype=inp._data.dtype)
        for j, v in enumerate(vjps):
            if v is None:
                continue
            if v.shape != inp._data.shape:
                sizes_ok = False
            elif v.dtype != inp._data.dtype:
                types_ok = False
            if v.size != inp._data.size:
                raise GradcheckError("Analytical gradient has incorrect size")
            jac[:, j] = v.reshape(-1)
        jacs.append(jac)
    return jacs, sizes_ok, types_ok


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes, vectors=None):
    """Analytical Jacobians of ``output`` w.r.t. each differentiable input (computed twice
    to check reentrancy); with ``vectors`` (fast mode) one vjp column per vector."""
    from .. import zeros_like
    diff = [t for _, t in _diff_inputs(inputs)]

    def one_hots():
        base = zeros_like(output).contiguous()  # writable through its flat view
        flat = base._data.reshape(-1)
        for j in range(flat.size):
            flat[:] = 0
            flat[j] = 1
            yield base

    def grad_outs():
        return vectors if vectors is not None else one_hots()

    n = len(vectors) if vectors is not None else output._data.size
    jac1, sizes_ok, types_ok = _stack_rows(_analytical_rows(output, diff, grad_outs()), diff, n)
    jac2, _, _ = _stack_rows(_analytical_rows(output, diff, grad_outs()), diff, n)
    reentrant = all(a.size == 0 or float(abs(a - b).max()) <= nondet_tol
                    for a, b in zip(jac1, jac2))
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and "
            "grad_output multiple times gives different values, although analytical gradient "
            f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    return [_new(j) for j in jac1]


def _mismatch_msg(analytical, numerical, output_idx, input_idx) -> str:
    return (f"Jacobian mismatch for output {output_idx:d} with respect to input "
            f"{input_idx:d},\nnumerical:{numerical}\nanalytical:{analytical}\n")


# ---------------------------------------------------------------------------- slow / fast
def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol):
    func_out = _as_tuple(func_out)
    numerical = _numerical_jacobian(func, inputs, func_out, eps)
    if not outputs:
        for per_input in numerical:
            for jac in per_input:
                if bool((jac._data != 0).any()):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    # numerical[i][k] -> per differentiable output k, per input i
    per_output = [[numerical[i][k] for i in range(len(numerical))]
                  for k, o in enumerate(func_out) if o.requires_grad]
    for k, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for i, (a, n) in enumerate(zip(analytical, per_output[k])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch_msg(a, n, k, i))
    return True


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol):
    """Compare v^T (J u) (numerical, one directional difference per input) with
    (v^T J) u (analytical, one vjp per output) for random u, v."""
    diff = _diff_inputs(inputs)
    xp = diff[0][1].xp
    rng = xp.random.default_rng(0)

    def unit(n):
        u = rng.random(n)
        norm = float(xp.sqrt((u * u).sum()))
        return u / norm if norm > 0 else u
    # a complex input moves along a real direction u_r and an imaginary one i u_i (torch's)
    all_u = [(unit(t._data.size), unit(t._data.size)) if t._data.dtype.kind == "c"
             else (unit(t._data.size).astype(t._data.dtype), None) for _, t in diff]
    all_v = [rng.random(o._data.size).astype(o._data.dtype) for o in outputs]
    func_outs = _as_tuple(func_out)
    diff_out_pos = [k for k, o in enumerate(func_outs) if o.requires_grad]
    numerical = []  # numerical[i][k] = J_k,i u_i (flattened), per differentiable output

    def directional(data, step):
        orig = data.copy()
        data[...] = orig - step
        lo = _eval_outputs(func, inputs)
        data[...] = orig + step
        hi = _eval_outputs(func, inputs)
        data[...] = orig
        out = []
        for a, b in zip(lo, hi):
            _check_same(a, b, eps, None)
            out.append(((b - a) / (2 * eps)).reshape(-1))
        return out
    for (_, t), (ur, ui) in zip(diff, all_u):
        data = t._data
        ju = directional(data, (eps * ur).reshape(data.shape))
        if ui is not None:  # the conjugate Wirtinger combination ds/dx + i ds/dy
            jy = directional(data, (eps * 1j * ui).reshape(data.shape))
            ju = [x + 1j * y for x, y in zip(ju, jy)]
        numerical.append(ju)
    if not outputs:
        for ju in numerical:
            for d in ju:
                if d.dtype.kind in "fcV" and bool((d != 0).any()):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    for k, (o, v) in enumerate(zip(outputs, all_v)):
        vt = _new(v.reshape(o._data.shape))
        vj = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes, vectors=[vt])
        for i, (jac, (ur, ui)) in enumerate(zip(vj, all_u)):
            g = jac._data[:, 0]
            if ui is None:
                a = _new(xp.asarray((g * ur).sum()))
            else:  # Re(vJ) . u_r + i Im(vJ) . u_i, torch's pairing for a complex input
                a = _new(xp.asarray((g.real * ur).sum() + 1j * (g.imag * ui).sum()))
            n = _new(xp.asarray((v * numerical[i][diff_out_pos[k]]).sum()))
            adj_atol = atol * float(ur.sum() + (0 if ui is None else ui.sum())) * float(v.sum())
            if not _allclose(a, n, rtol, adj_atol):
                # Repeat in slow mode for a readable message, as torch does.
                num = _numerical_jacobian(func, inputs, func_outs, eps)[i][diff_out_pos[k]]
                ana = _analytical_jacobian(inputs, o, float("inf"), False)[i]
                raise GradcheckError(
                    _mismatch_msg(a, n, k, i)
                    + f"\nThe above quantities relating the numerical and analytical jacobians "
                    f"are computed \nin fast mode. See: https://github.com/pytorch/pytorch/"
                    f"issues/53876 for more background \nabout fast mode. Below, we recompute "
                    f"numerical and analytical jacobians in slow mode:\n\nNumerical:\n {num}\n"
                    f"Analytical:\n{ana}\n")
    return True


def _check_forward_ad(func, func_out, inputs, eps, rtol, atol) -> None:
    """The Jacobian from forward mode (one JVP per input element, one-hot tangents) against
    the numerical one."""
    outs = _as_tuple(func_out)
    cplx = any(t._data.dtype.kind == "c" for _, t in _diff_inputs(inputs))
    if not cplx:
        _check_forward_part(func, inputs, outs, eps, rtol, atol, "real", 1)
        return
    for part, unit in (("imag", 1j), ("real", 1)):  # torch's order and words
        try:
            _check_forward_part(func, inputs, outs, eps, rtol, atol, part, unit)
        except GradcheckError as e:
            which = "imaginary" if part == "imag" else "real"
            raise GradcheckError(f"While considering the {which} part of complex inputs "
                                 f"only, {e}") from None


def _check_forward_part(func, inputs, outs, eps, rtol, atol, part, unit) -> None:
    """One-hot tangents of ``unit`` (1, or i for complex inputs' imaginary axis) against the
    matching directional numerical Jacobian."""
    from . import forward_ad as fwAD
    numerical = _numerical_jacobian(func, inputs, outs, eps, part)
    for i, (pos, inp) in enumerate(_diff_inputs(inputs)):
        xp = inp.xp
        n = inp._data.size
        if unit != 1 and inp._data.dtype.kind != "c":
            continue  # a real input has no imaginary axis
        cols = [xp.zeros((n, o._data.size), dtype=numerical[i][k]._data.dtype)
                for k, o in enumerate(outs)]
        for d_idx in range(n):
            onehot = xp.zeros(n, dtype=inp._data.dtype)
            onehot[d_idx] = unit
            with fwAD.dual_level():
                args = list(inputs)
                args[pos] = fwAD.make_dual(inp, _new(onehot.reshape(inp._data.shape)))
                for k, o in enumerate(_as_tuple(func(*args))):
                    t = fwAD.unpack_dual(o).tangent if _is_tensor(o) else None
                    if t is not None:
                        cols[k][d_idx] = t._data.reshape(-1)
        for k, o in enumerate(outs):
            if o._data.dtype.kind not in "fcV":
                continue
            analytical, num = _new(cols[k]), numerical[i][k]
            if not _allclose(analytical, num, rtol, atol):
                raise GradcheckError(
                    f"Jacobian computed with forward mode mismatch for output {k:d} with "
                    f"respect to input {i:d},\nnumerical:{num}\nanalytical:{analytical}\n")


def _test_backward_mul_by_grad_output(outputs, inputs):
    from .. import zeros_like
    from . import grad
    diff = [t for _, t in _diff_inputs(inputs)]
    grads = grad(outputs, diff, [zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if not bool((gi._data == 0).all()):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.shape != di.shape:
            raise GradcheckError("grad is incorrect size")
    return True


# ---------------------------------------------------------------------------- public
def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Every input tensor with ``requires_grad=True`` is perturbed element by element by
    ``eps``; the numerical Jacobian must be within ``atol + rtol * |numerical|`` of the one
    backward computes. Returns True, or raises :class:`GradcheckError` (returns False
    when ``raise_exception=False``). Use float64 inputs.

    >>> import chainrule as torch
    >>> x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError(
            "Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    try:
        return _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                                 check_grad_dtypes, check_backward_ad, fast_mode,
                                 check_forward_ad, check_batched_grad,
                                 check_batched_forward_grad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                      check_grad_dtypes, check_backward_ad, fast_mode, check_forward_ad=False,
                      check_batched_grad=False, check_batched_forward_grad=False):
    from . import _gradcheck_batched as batched
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    if check_backward_ad:
        check = _fast_gradcheck if fast_mode else _slow_gradcheck
        if any(o.is_complex() for o in outputs):  # torch's: the real and imaginary parts
            for part in ("imag", "real"):  # (torch's order)
                part_fn = _output_part(func, part)
                part_out = part_fn(*tupled_inputs)
                try:
                    check(part_fn, part_out, tupled_inputs, _differentiable_outputs(part_out),
                          eps, rtol, atol, check_grad_dtypes, nondet_tol)
                except GradcheckError as e:
                    which = "imaginary" if part == "imag" else "real"
                    raise GradcheckError(f"While considering the {which} part of complex "
                                         f"outputs only, {e}") from None
        else:
            check(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                  nondet_tol)
    if check_forward_ad:
        _check_forward_ad(func, func_out, tupled_inputs, eps, rtol, atol)
    if check_batched_forward_grad:
        batched.check_batched_grad_forward_ad(func, tupled_inputs)
    if not check_backward_ad:
        return True
    if check_batched_grad:
        for i, o in enumerate(outputs):
            batched.check_batched_grad(tupled_inputs, o, i)
    if outputs:
        _test_backward_mul_by_grad_output(outputs, tupled_inputs)
    if check_undefined_grad and outputs:
        batched.check_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def _output_part(func, part):
    """``func`` with each complex output replaced by its real or imaginary part."""
    def fn(*args):
        out = func(*args)
        parts = tuple(getattr(o, part) if _is_tensor(o) and o.is_complex() else o
                      for o in _as_tuple(out))
        return parts if isinstance(out, (tuple, list)) else parts[0]
    return fn


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False) -> bool:
    """Check second derivatives: gradcheck the function that maps ``(inputs,
    grad_outputs)`` to the first-order gradients (computed with ``create_graph=True``).

    ``grad_outputs`` default to random tensors in [-1, 1) shaped like the outputs, which
    themselves require grad (so the check covers both arguments of the backward).

    >>> import chainrule as torch
    >>> x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradgradcheck(lambda t: t.sin() * t, (x,))
    True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError(
            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_rev_over_rev to be True")
    from . import grad
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            _random_grad_output(o, gen_non_contig_grad_outputs) for o in outs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_idx = {i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad}
    diff_go_idx = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_idx else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        gos = tuple(x.requires_grad_() if i in diff_go_idx else x
                    for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_idx)
        grads = grad(outputs, diff_args, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)


def _random_grad_output(o, noncontiguous):
    """Like torch.testing.make_tensor(o.shape, low=-1, high=1, requires_grad=True)."""
    import chainrule
    dtype = o.dtype if (o.is_floating_point() or o.is_complex()) else chainrule.float64
    shape = tuple(o.shape)
    if noncontiguous and shape and o.numel() > 1:
        big = chainrule.rand(*shape[:-1], shape[-1] * 2, dtype=dtype) * 2 - 1
        t = big[..., ::2].detach()
    else:
        t = (chainrule.rand(shape, dtype=dtype) * 2 - 1).detach()
    return t.requires_grad_()
