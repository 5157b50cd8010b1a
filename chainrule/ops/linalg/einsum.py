"""einsum, composed exactly as torch composes it (ATen's Linear.cpp): each operand's
repeated subscripts become diagonals, missing subscripts unsqueezed dimensions, then a
permute aligns every operand to (output dims, contraction dims); operands are contracted
left to right (torch's order when opt_einsum is absent) by ``sumproduct_pair``, a permute,
reshape and bmm. Its graph is torch's: Unsqueeze/Permute/View/Bmm/Sum/Diagonal nodes.

With no operand requiring grad the whole contraction is one ``numpy.einsum`` call (its
``optimize`` path), which gives the same values without the graph bookkeeping.

Also here: linalg.diagonal (DiagonalBackward0), the op einsum's repeated subscripts use.
"""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from ...autograd.forward_ad import _STATE as _FW_STATE
from ...autograd.grad_mode import _tls
from .._dispatch import batched_function
from .._registry import dispatch, expose, op


# ---------------------------------------------------------------------------- diagonal
def _diag_geometry(shape, strides, offset, dim1, dim2):
    n1, n2 = shape[dim1], shape[dim2]
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        start = offset * strides[dim2] if length else 0
    else:
        length = max(0, min(n1 + offset, n2))
        start = -offset * strides[dim1] if length else 0
    rest = [i for i in range(len(shape)) if i not in (dim1, dim2)]
    return (tuple(shape[i] for i in rest) + (length,),
            tuple(strides[i] for i in rest) + (strides[dim1] + strides[dim2],), start)


def _diagonal_view(xp, x, offset, dim1, dim2):
    """A writable view of the diagonal (NumPy's own is read-only)."""
    shape, strides, start = _diag_geometry(x.shape, x.strides, offset, dim1, dim2)
    flat = x.reshape(-1) if x.flags.c_contiguous and x.size else None
    if flat is None or not x.size:
        return xp.diagonal(x, offset, dim1, dim2).copy()
    base = flat[start // x.itemsize:] if start else flat
    return xp.lib.stride_tricks.as_strided(base, shape, strides)


def _diagonal_backward(xp, g, shape, offset, dim1, dim2):
    out = xp.zeros(shape, dtype=g.dtype)
    _diagonal_view(xp, out, offset, dim1, dim2)[...] = g
    return out


DIAGONAL = op("_linalg_diagonal", _diagonal_view, params=("offset", "dim1", "dim2"), view=True,
              vjps=(lambda F, g, x_shape, offset, dim1, dim2:
                    F._linalg_diagonal_backward(g, x_shape, offset, dim1, dim2),),
              grad_fn="DiagonalBackward0")
DIAGONAL_BACKWARD = op("_linalg_diagonal_backward", _diagonal_backward,
                       params=("shape", "offset", "dim1", "dim2"),
                       vjps=(lambda F, g, offset, dim1, dim2:
                             F._linalg_diagonal(g, offset, dim1, dim2),),
                       grad_fn="DiagonalBackwardBackward0")


@expose(internal=True, method=False)
def _linalg_diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2), moved to the end: a view (DiagonalBackward0)."""
    nd = x.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return dispatch(DIAGONAL, (x,), {"offset": offset, "dim1": d1, "dim2": d2})


@expose(internal=True, method=False)
def _linalg_diagonal_backward(g, shape, offset, dim1, dim2):
    return dispatch(DIAGONAL_BACKWARD, (g,), {"shape": tuple(shape), "offset": offset,
                                               "dim1": dim1, "dim2": dim2})


@expose(method=False, internal=True)
def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with dims defaulting to the last two."""
    return _linalg_diagonal(A, offset, dim1, dim2)


# ---------------------------------------------------------------------------- einsum
_ELLIPSIS = 52


def _label_index(c) -> int:
    return ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + 26


def _label_char(i) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("a") + i - 26)


def _sublist_char(n) -> str:
    if n is Ellipsis:
        return "..."
    if isinstance(n, int) and 0 <= n < 26:
        return chr(ord("A") + n)
    if isinstance(n, int) and 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range "
                     "[0, 52)")


def _parse_args(args):
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        eq = ",".join("".join(_sublist_char(s) for s in lst) for lst in args[1::2])
        if len(args) % 2 == 1:
            eq += "->" + "".join(_sublist_char(s) for s in args[-1])
            operands = args[:-1:2]
        else:
            operands = args[::2]
        return eq, list(operands)
    eq, operands = args[0], list(args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    return eq, operands


@expose(method=False)
@batched_function("einsum")
def einsum(*args):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``, the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, ellipses and repeated subscripts."""
    equation, operands = _parse_args(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, but found "
                            f"element of type {type(t).__name__} at pos {i}")
    return _einsum(equation, operands)


def _parse_lhs(lhs, num_ops):
    op_labels = [[] for _ in range(num_ops)]
    ell_in_input = False
    cur = 0
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == " ":
            pass
        elif c == ".":
            if ell_in_input:
                raise RuntimeError(f"einsum(): found '.' for operand {cur} for which an ellipsis "
                                   "was already found")
            if not (i + 2 < len(lhs) + 0 and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {cur} that is not part of "
                                   "any ellipsis")
            i += 2
            op_labels[cur].append(_ELLIPSIS)
            ell_in_input = True
        elif c == ",":
            cur += 1
            if cur >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in "
                                   "the equation")
            ell_in_input = False
        else:
            if not (c.isascii() and c.isalpha()):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the "
                                   "equation string, subscripts must be in [a-zA-Z]")
            op_labels[cur].append(_label_index(c))
        i += 1
    if cur != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    return op_labels


def _einsum(equation, operands):
    num_ops = len(operands)
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = _parse_lhs(lhs, num_ops)
    label_count = [0] * 52
    ell_num_dim = 0
    for i, (t, labels) in enumerate(zip(operands, op_labels)):
        nlabels = len(labels)
        has_ell = False
        for lab in labels:
            if lab == _ELLIPSIS:
                nlabels -= 1
                has_ell = True
                ell_num_dim = max(ell_num_dim, t.ndim - nlabels)
            else:
                label_count[lab] += 1
        if (nlabels > t.ndim) if has_ell else (nlabels != t.ndim):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({nlabels}) "
                f"{'is more than' if has_ell else 'does not match'} the number of dimensions "
                f"({t.ndim}) for operand {i}{'' if has_ell else ' and no ellipsis was given'}")
    perm_of = [-1] * 52
    perm_index = 0
    ell_index = 0
    ell_in_output = False
    if arrow < 0:
        perm_index = ell_num_dim
        ell_in_output = True
        for lab in range(52):
            if label_count[lab] == 1:
                perm_of[lab] = perm_index
                perm_index += 1
    else:
        rhs = equation[arrow + 2:]
        i = 0
        while i < len(rhs):
            c = rhs[i]
            if c == " ":
                pass
            elif c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was "
                                       "already found")
                if not (i + 2 < len(rhs) + 0 and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                       "ellipsis (...)")
                i += 2
                ell_index = perm_index
                perm_index += ell_num_dim
                ell_in_output = True
            else:
                if not (c.isascii() and c.isalpha()):
                    raise RuntimeError(f"einsum(): invalid subscript given at index "
                                       f"{len(lhs) + 2 + i} in the equation string, subscripts "
                                       "must be in [a-zA-Z]")
                lab = _label_index(c)
                if not (label_count[lab] > 0 and perm_of[lab] == -1):
                    raise RuntimeError(
                        f"einsum(): output subscript {c} "
                        f"{'appears more than once in the output' if perm_of[lab] > -1 else 'does not appear in the equation for any input operand'}")  # noqa: E501
                perm_of[lab] = perm_index
                perm_index += 1
            i += 1
    out_num_dim = perm_index
    if not ell_in_output:
        ell_index = perm_index
        perm_index += ell_num_dim
    for lab in range(52):
        if label_count[lab] > 0 and perm_of[lab] == -1:
            perm_of[lab] = perm_index
            perm_index += 1

    if (not any(t._rg for t in operands) or not _tls.grad_enabled) and _FW_STATE.level < 0:
        fast = _einsum_numpy(operands, op_labels, perm_of, out_num_dim, perm_index, ell_index,
                             ell_num_dim)
        if fast is not None:
            return fast

    label_size = [1] * 52
    ell_sizes = [1] * ell_num_dim
    dim_counts = [0] * perm_index
    ops = []
    for i, t in enumerate(operands):
        x = t
        permutation = [-1] * perm_index
        dim = 0
        for s in op_labels[i]:
            if s == _ELLIPSIS:
                ndim = t.ndim - (len(op_labels[i]) - 1)
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    size = x.shape[dim]
                    if size != 1:
                        if ell_sizes[j] != 1 and ell_sizes[j] != size:
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}"
                                f"has size {size} which does not broadcast with previously seen "
                                f"ellipsis with size {ell_sizes[j]} for the respective "
                                "dimension")
                        ell_sizes[j] = size
                        dim_counts[ell_index + j] += 1
                    permutation[ell_index + j] = dim
                    dim += 1
            elif permutation[perm_of[s]] == -1:
                size = x.shape[dim]
                if size != 1:
                    if label_size[s] != 1 and label_size[s] != size:
                        raise RuntimeError(
                            f"einsum(): subscript {_label_char(s)} has size {size} for operand "
                            f"{i} which does not broadcast with previously seen size "
                            f"{label_size[s]}")
                    label_size[s] = size
                    dim_counts[perm_of[s]] += 1
                permutation[perm_of[s]] = dim
                dim += 1
            else:
                prev = permutation[perm_of[s]]
                if x.shape[dim] != x.shape[prev]:
                    raise RuntimeError(
                        f"einsum(): subscript {_label_char(s)} is repeated for operand {i} but "
                        f"the sizes don't match, {x.shape[dim]} != {x.shape[prev]}")
                x = _movedim_last(_linalg_diagonal(x, 0, prev, dim), prev)
        for k, val in enumerate(permutation):
            if val == -1:
                x = x.unsqueeze(dim)
                permutation[k] = dim
                dim += 1
        ops.append(x.permute(*permutation))

    while len(ops) > 1:
        a, b = ops[0], ops[1]
        del ops[:2]
        sum_dims, a_sum, b_sum = [], [], []
        for dim in range(out_num_dim, perm_index):
            sa, sb = a.shape[dim] != 1, b.shape[dim] != 1
            if sa and sb:
                dim_counts[dim] -= 1
                if dim_counts[dim] == 1:
                    sum_dims.append(dim)
                    dim_counts[dim] = 0
            elif dim_counts[dim] == 1:
                if sa:
                    a_sum.append(dim)
                    dim_counts[dim] = 0
                elif sb:
                    b_sum.append(dim)
                    dim_counts[dim] = 0
        if a_sum:
            a = a.sum(a_sum, True)
        if b_sum:
            b = b.sum(b_sum, True)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims))

    result = ops[0]
    if perm_index - out_num_dim > 0:
        if num_ops > 1:
            return result.view(tuple(result.shape[:out_num_dim]))
        return result.sum(list(range(out_num_dim, perm_index)))
    return result


def _movedim_last(x, dest):
    """x.movedim(-1, dest) (a PermuteBackward0, as torch's movedim)."""
    nd = x.ndim
    order = list(range(nd - 1))
    order.insert(dest, nd - 1)
    return x.permute(*order)


def _sumproduct_pair(left, right, sum_dims):
    """(left * right).sum(sum_dims, keepdim=True) by permutes, reshapes and one bmm."""
    if not sum_dims:
        return left * right
    dim = left.ndim
    sums = set(sum_dims)
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(dim):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sums:
            if sl and sr:
                sum_size *= left.shape[i]
            elif sl:
                left = left.sum(i, True)
            elif sr:
                right = right.sum(i, True)
        elif sl and sr:
            lro.append(i)
            lro_size *= left.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left.shape[i]
        else:
            ro.append(i)
            ro_size *= right.shape[i]
    if lo and ro and ro[-1] < lo[0]:
        left, right = right, left
        lo, ro = ro, lo
        lo_size, ro_size = ro_size, lo_size
    out_size = ([left.shape[d] for d in lro] + [left.shape[d] for d in lo] +
                [1] * len(sum_dims) + [right.shape[d] for d in ro])
    lperm = lro + lo + list(sum_dims) + ro
    rperm = lro + list(sum_dims) + ro + lo
    operm = [-1] * len(out_size)
    for i, d in enumerate(lro + lo + list(sum_dims) + ro):
        operm[d] = i
    from .products import bmm
    left = left.permute(*lperm).reshape(lro_size, lo_size, sum_size)
    right = right.permute(*rperm).reshape(lro_size, sum_size, ro_size)
    return bmm(left, right).view(tuple(out_size)).permute(*operm)


def _einsum_numpy(operands, op_labels, perm_of, out_num_dim, perm_index, ell_index,
                  ell_num_dim):
    """The whole contraction as one numpy.einsum call (no graph to record)."""
    from ...backend import namespace_of
    dtypes = {t._data.dtype for t in operands}
    if len(dtypes) != 1:
        return None
    letters: dict = {}
    subs = []
    for t, labels in zip(operands, op_labels):
        s = []
        ndim = t.ndim - (len(labels) - 1) if _ELLIPSIS in labels else 0
        for lab in labels:
            if lab == _ELLIPSIS:
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    s.append(ell_index + j)
            else:
                s.append(perm_of[lab])
        subs.append(s)
    # NumPy's einsum broadcasts size-1 dims only through its own ellipsis: check sizes here
    sizes = {}
    for t, s in zip(operands, subs):
        for d, n in zip(s, t._data.shape):
            if n != 1:
                if sizes.get(d, n) != n:
                    return None
                sizes[d] = n
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for s in subs:
        for d in s:
            letters.setdefault(d, alphabet[d])
    eq = ",".join("".join(alphabet[d] for d in s) for s in subs) + "->" + \
        "".join(alphabet[d] for d in range(out_num_dim))
    xp = namespace_of(operands[0]._data)
    arrays = []
    for t, s in zip(operands, subs):
        a = t._data
        if any(n == 1 and sizes.get(d, 1) != 1 for d, n in zip(s, a.shape)):
            full = tuple(sizes.get(d, 1) for d in s)
            a = xp.broadcast_to(a, full)
        arrays.append(a)
    for d in range(out_num_dim):
        if d not in letters:
            return None
    res = xp.einsum(eq, *arrays, optimize=len(arrays) > 2)
    return Tensor._make(xp.asarray(res, dtype=operands[0]._data.dtype))
