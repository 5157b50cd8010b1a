"""torch.func's autodiff transforms: grad, grad_and_value, vjp, jacrev, jacfwd, hessian,
jvp and linearize. ``jvp`` is forward mode (dual tensors) where the one forward-AD level is
free and no vmap is active; elsewhere, and for linearize and jacfwd, the products come from
the double-vjp identity ``J v = d/du <vjp(u), v>`` (``vjp`` is linear in ``u``). All of
them compose with each other and with vmap."""
from __future__ import annotations

import functools

from .._tensor import Tensor
from ._autodiff import backward, depth, detach_tree, make_input, nested
from ._pytree import pprint, tree_flatten, tree_unflatten
from ._vmap import vmap
from ._vmap._api import DUAL_DEPTH as _DUAL_DEPTH
from ._vmap._api import NeedsDoubleVJP as _NeedsDoubleVJP
from ._vmap._batched import level_size, to_front

__all__ = ["grad", "grad_and_value", "vjp", "jacrev", "jacfwd", "hessian", "jvp",
           "linearize"]


def _check_argnums(argnums, nargs):
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple) and argnums and all(
            isinstance(a, int) and not isinstance(a, bool) for a in argnums):
        nums = argnums
        if len(set(nums)) != len(nums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
    return tuple(a % nargs for a in nums)




def _prepare(args, nums):
    """Args with the differentiated ones made fresh inputs; per argnum (leaves, spec,
    [(leaf, levels)])."""
    if _DUAL_DEPTH[0]:
        raise _NeedsDoubleVJP
    args = list(args)
    entries = []
    for a in nums:
        leaves, spec = tree_flatten(args[a])
        fresh, infos = [], []
        for x in leaves:
            seen, info = make_input(x)
            fresh.append(seen)
            infos.append(info)
        args[a] = tree_unflatten(fresh, spec)
        entries.append((leaves, spec, infos))
    return args, entries


def _wants_graph(entries) -> bool:
    return nested() or any(x._rg for leaves, _, _ in entries for x in leaves
                           if isinstance(x, Tensor))


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    for leaf in tree_flatten(out[1])[0]:  # torch's transforms carry tensors only as aux
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
    return out


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``func``'s gradient w.r.t. ``argnums`` and its value (torch.func.grad_and_value)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        new_args, entries = _prepare(args, nums)
        create_graph = _wants_graph(entries)
        with depth():
            out = func(*new_args, **kwargs)
        out, aux = _split_aux(out, has_aux, "grad_and_value(f)(*args)")
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                               f"Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                               f"scalar Tensor, got tensor with {out.dim()} dims. Maybe you "
                               "wanted to use the vjp or jacrev APIs instead?")
        infos = [info for _, _, infos in entries for info in infos]
        grads = backward([out], infos, [None], create_graph)
        if not create_graph:
            grads = detach_tree(grads)
            out = detach_tree([out])[0]
            if has_aux:
                aux_leaves, aux_spec = tree_flatten(aux)
                aux = tree_unflatten(detach_tree(aux_leaves), aux_spec)
        per_arg, k = [], 0
        for leaves, spec, _ in entries:
            per_arg.append(tree_unflatten(grads[k:k + len(leaves)], spec))
            k += len(leaves)
        g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        return (g, (out, aux)) if has_aux else (g, out)
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """The gradient of a scalar function w.r.t. its inputs ``argnums`` (torch.func.grad).

    >>> import chainrule as torch
    >>> torch.func.grad(lambda x: (x ** 2).sum())(torch.tensor([1., 2.]))
    tensor([2., 4.])
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def _flat_outputs(out, api):
    leaves, spec = tree_flatten(out)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(leaf)}")
    return leaves, spec


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn): ``vjp_fn(cotangents)`` gives the vector-Jacobian product
    w.r.t. each primal (torch.func.vjp)."""
    args, entries = _prepare(primals, tuple(range(len(primals))))
    create_graph = _wants_graph(entries)
    with depth():
        out = func(*args)
    out, aux = _split_aux(out, has_aux, "vjp(f, *primals)")
    out_leaves, out_spec = _flat_outputs(out, "vjp(f, *primals)")
    infos = [info for _, _, infos in entries for info in infos]

    def vjp_fn(cotangents, *extra, retain_graph=True, create_graph=None):
        if extra:
            cotangents = (cotangents,) + extra
        cot_leaves, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function. cotangents: "
                               f"{pprint(cot_spec)}, primal output: {pprint(out_spec)}")
        for c, o in zip(cot_leaves, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of "
                                   f"{c.shape} and output[0] has a shape of {o.shape}.")
        graph = (create_graph if create_graph is not None else
                 (create_graph_default or nested() or any(c._rg for c in cot_leaves)))
        grads = backward(out_leaves, infos, cot_leaves, graph)
        if not graph:
            grads = detach_tree(grads)
        per_arg, k = [], 0
        for leaves, spec, _ in entries:
            per_arg.append(tree_unflatten(grads[k:k + len(leaves)], spec))
            k += len(leaves)
        return tuple(per_arg)

    create_graph_default = create_graph
    if not create_graph:
        out = tree_unflatten(detach_tree(out_leaves), out_spec)
    if has_aux:
        return out, vjp_fn, aux
    return out, vjp_fn


def _jac_structure(jac_rows, out_leaves, out_spec, entries, argnums):
    """Jacobian blocks [output leaf][input leaf] into torch's nesting: the outputs' tree,
    each leaf the inputs' tree (a tuple over argnums when argnums is a tuple)."""
    per_out = []
    for i in range(len(out_leaves)):
        per_arg, k = [], 0
        for leaves, spec, _ in entries:
            blocks = jac_rows[i][k:k + len(leaves)]
            per_arg.append(tree_unflatten(blocks, spec))
            k += len(leaves)
        per_out.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
    return tree_unflatten(per_out, out_spec)


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None,
           _preallocate_and_copy: bool = False):
    """The Jacobian of ``func`` w.r.t. ``argnums`` by reverse mode, its rows computed as one
    vmapped vector-Jacobian product (torch.func.jacrev)."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args))
        new_args, entries = _prepare(args, nums)
        create_graph = _wants_graph(entries)
        with depth():
            out = func(*new_args, **kwargs)
        out, aux = _split_aux(out, has_aux, "jacrev(f)(*args)")
        out_leaves, out_spec = _flat_outputs(out, "jacrev(f, ...)(*args)")
        infos = [info for _, _, infos in entries for info in infos]
        rows = _jacobian_rows(out_leaves, infos, chunk_size, create_graph)
        if not create_graph:
            rows = [detach_tree(r) for r in rows]
        jac = _jac_structure(rows, out_leaves, out_spec, entries, argnums)
        if has_aux:
            aux_leaves, aux_spec = tree_flatten(aux)
            if not create_graph:
                aux = tree_unflatten(detach_tree(aux_leaves), aux_spec)
            return jac, aux
        return jac
    return wrapper


def _jacobian_rows(out_leaves, infos, chunk_size, create_graph):
    """[output][input] Jacobian blocks shaped out.shape + input.shape."""
    from .. import eye
    from ..ops.shape import cat
    sizes = [o.numel() for o in out_leaves]
    total = sum(sizes)
    in_shapes = [tuple(_logical_shape(leaf, lvls)) for leaf, lvls in infos]
    if total == 0:
        from .. import zeros
        return [[zeros(tuple(o.shape) + s, dtype=o.dtype) for s in in_shapes]
                for o in out_leaves]
    dtype = out_leaves[0].dtype
    basis = eye(total, dtype=dtype)
    cot_bases = []
    start = 0
    for o, n in zip(out_leaves, sizes):
        cot_bases.append(basis[:, start:start + n].reshape((total,) + tuple(o.shape)))
        start += n

    def vjp_rows(*cots):
        return tuple(backward(out_leaves, infos, list(cots), True))

    grads = vmap(vjp_rows, chunk_size=chunk_size)(*cot_bases)  # each (total,) + in_shape
    rows = []
    start = 0
    for o, n in zip(out_leaves, sizes):
        row = []
        for g, s in zip(grads, in_shapes):
            piece = g[start:start + n] if len(out_leaves) > 1 else g
            row.append(piece.reshape(tuple(o.shape) + s))
        rows.append(row)
        start += n
    del cat
    if not create_graph:
        return rows
    return rows


def _logical_shape(leaf, lvls):
    return leaf.shape[len(lvls):]


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error",
           chunk_size=None):
    """The Jacobian of ``func`` w.r.t. ``argnums`` column by column (torch.func.jacfwd): one
    vmapped forward-mode pass over the inputs' basis. ``chunk_size`` (beyond torch, as
    jacrev's) computes that many columns per pass, to bound memory."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacfwd: `chunk_size` should be greater than 0.")
    return _jacfwd(func, argnums, has_aux, randomness, True, chunk_size)


def _jacfwd(func, argnums, has_aux, randomness, dual, chunk_size=None):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if dual and _FORWARD_JACFWD and _dual_available():
            try:
                return _jacfwd_dual(func, args, kwargs, argnums, has_aux, randomness,
                                    chunk_size)
            except _NeedsDoubleVJP:
                pass
        return _jacfwd_double_vjp(func, args, kwargs, argnums, has_aux, randomness,
                                  chunk_size)
    return wrapper


# jacfwd by dual tensors vmapped over the basis (true forward mode: a jvp-only custom
# Function works). A reverse transform inside (hessian's jacfwd(jacrev(f))) would record
# its graph on vmap's physical tensors, which carry no tangents yet, and a vmap inside
# loses tangents in its batching rules: _prepare or vmap then raise NeedsDoubleVJP while
# ``func`` runs on duals, and jacfwd / jvp / linearize rerun it on the double-vjp route.
_FORWARD_JACFWD = True


def _basis(shapes, dtype):
    from .. import eye
    sizes = [_numel(s) for s in shapes]
    total = sum(sizes)
    basis = eye(total, dtype=dtype)
    tangents, start = [], 0
    for s, n in zip(shapes, sizes):
        tangents.append(basis[:, start:start + n].reshape((total,) + s))
        start += n
    return tangents, sizes


def _columns_to_rows(out_leaves, cols, shapes, sizes, create_graph):
    rows = []
    for o, col in zip(out_leaves, cols):  # col: (total,) + out.shape
        row, start = [], 0
        for s, n in zip(shapes, sizes):
            block = col[start:start + n].reshape((n, o.numel())).t()
            row.append(block.reshape(tuple(o.shape) + s))
            start += n
        rows.append(row if create_graph else detach_tree(row))
    return rows


def _jacfwd_dual(func, args, kwargs, argnums, has_aux, randomness, chunk_size):
    """jacfwd by forward mode: ``func`` run on duals whose tangents are the inputs' basis,
    vmapped (one batched pass for every column)."""
    api = "jacfwd(f, ...)(*args)"
    nums = _check_argnums(argnums, len(args))
    entries, p_leaves = [], []
    for a in nums:
        leaves, spec = tree_flatten(args[a])
        for x in leaves:
            if not isinstance(x, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        entries.append((leaves, spec, None))
        p_leaves.extend(leaves)
    create_graph = nested() or any(x._rg for x in p_leaves)
    shapes = [tuple(x.shape) for x in p_leaves]
    tangents, sizes = _basis(shapes, p_leaves[0].dtype)

    def f_of(*diff):
        new, k = list(args), 0
        for (leaves, spec, _), a in zip(entries, nums):
            new[a] = tree_unflatten(list(diff[k:k + len(leaves)]), spec)
            k += len(leaves)
        return func(*new, **kwargs)

    seen = {}

    def columns(*t):
        prims, out_spec, aux, tans = _dual_jvp(f_of, tuple(p_leaves), list(t), has_aux, api)
        seen["out"] = prims, out_spec, aux
        return tuple(tans)
    cols = vmap(columns, randomness=randomness, chunk_size=chunk_size)(*tangents)
    out_leaves, out_spec, aux = seen["out"]
    rows = _columns_to_rows(out_leaves, cols, shapes, sizes, create_graph)
    jac = _jac_structure(rows, out_leaves, out_spec, entries, argnums)
    if has_aux:
        aux_leaves, aux_spec = tree_flatten(aux)
        if not create_graph:
            aux = tree_unflatten(detach_tree(aux_leaves), aux_spec)
        return jac, aux
    return jac


def _jacfwd_double_vjp(func, args, kwargs, argnums, has_aux, randomness, chunk_size):
    """jacfwd where the dual route cannot run (under vmap or a forward-AD level, or with a
    reverse transform or vmap inside ``func``, hessian): the columns by the double-vjp
    identity."""
    nums = _check_argnums(argnums, len(args))
    entries: list = []
    out_leaves, out_spec, aux, apply, create_graph = _linear_map(
        func, args, has_aux, "jacfwd(f, ...)(*args)", nums, kwargs, entries)
    infos = [info for _, _, infos in entries for info in infos]
    shapes = [tuple(_logical_shape(leaf, lvls)) for leaf, lvls in infos]
    tangents, sizes = _basis(shapes, infos[0][0].dtype)
    cols = vmap(lambda *t: tuple(apply(list(t), True)), randomness=randomness,
                chunk_size=chunk_size)(*tangents)
    rows = _columns_to_rows(out_leaves, cols, shapes, sizes, create_graph)
    jac = _jac_structure(rows, out_leaves, out_spec, entries, argnums)
    if has_aux:
        aux_leaves, aux_spec = tree_flatten(aux)
        if not create_graph:
            aux = tree_unflatten(detach_tree(aux_leaves), aux_spec)
        return jac, aux
    return jac


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def hessian(func, argnums=0):
    """The Hessian of a scalar ``func`` w.r.t. ``argnums`` (torch.func.hessian)."""
    # jacrev inside would send the dual route to the double-vjp one: take it directly
    return _jacfwd(jacrev(func, argnums), argnums, False, "error", False)


def _check_jvp_args(primals, tangents, api):
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError(f"{api}: Expected tangents to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, "
                           f"tangents also must be. Got primals with structure {p_spec} and "
                           f"tangents with structure {t_spec}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(p, Tensor) or not isinstance(t, Tensor):
            raise RuntimeError(f"{api}: Expected primals and tangents to be tensors, got "
                               f"{type(p)} and {type(t)}")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size "
                               "than that of the original Tensor, this is not supported. "
                               f"Tensor is of size {list(p.shape)} while the given forward "
                               f"gradient is of size {list(t.shape)}.")
    return t_leaves


def _linear_map(func, primals, has_aux, api, nums=None, kwargs=None, entries_out=None):
    """Run ``func`` and build u -> vjp(u) with a graph, for the double-vjp trick: returns
    (out leaves, out spec, aux, apply(tangent leaves) -> jvp leaves)."""
    from .. import zeros_like
    nums = tuple(range(len(primals))) if nums is None else nums
    args, entries = _prepare(primals, nums)
    if entries_out is not None:
        entries_out.extend(entries)
    create_graph = _wants_graph(entries)
    with depth():
        out = func(*args, **(kwargs or {}))
    out, aux = _split_aux(out, has_aux, api)
    out_leaves, out_spec = _flat_outputs(out, api)
    infos = [info for _, _, infos in entries for info in infos]
    us, u_infos = [], []
    for o in out_leaves:
        phys, lvls = to_front(o)
        u = zeros_like(phys).requires_grad_()
        u_infos.append((u, lvls))
        us.append(_wrapped(u, lvls))
    vjps = backward(out_leaves, infos, us, True)

    def apply(t_leaves, graph=create_graph):
        return backward(vjps, u_infos, list(t_leaves), graph or nested())
    return out_leaves, out_spec, aux, apply, create_graph


def _wrapped(phys, lvls):
    from ._vmap._batched import wrap_front
    return wrap_front(phys, lvls) if lvls else phys


def _dual_available(tangents=()) -> bool:
    """True forward mode needs the one forward-AD level free (a jvp inside a jvp, or inside
    a user's dual_level, takes the double-vjp route instead) and no vmap active: forward
    AD runs on the logical tensors while a vmapped reverse pass (jacrev inside jacfwd)
    records on the physical ones, so under vmap the double-vjp route is taken too."""
    from ..autograd import forward_ad as fwAD
    return fwAD._STATE.level < 0


def _dual_jvp(func, primals, t_leaves, has_aux, api):
    """(output leaves, spec, aux, tangent leaves) by forward mode: the primals made duals
    carrying the tangents, ``func`` run once, the tangents read off its outputs."""
    from .. import zeros_like
    from ..autograd import forward_ad as fwAD
    p_leaves, p_spec = tree_flatten(primals)
    with fwAD.dual_level():
        duals = [fwAD.make_dual(p, t if t.dtype == p.dtype else t.to(p.dtype))
                 for p, t in zip(p_leaves, t_leaves)]
        _DUAL_DEPTH[0] += 1
        try:
            with depth():
                out = func(*tree_unflatten(duals, p_spec))
        finally:
            _DUAL_DEPTH[0] -= 1
        out, aux = _split_aux(out, has_aux, api)
        out_leaves, out_spec = _flat_outputs(out, api)
        prims, tans = [], []
        for o in out_leaves:
            primal, tangent = fwAD.unpack_dual(o)
            prims.append(primal)
            tans.append(tangent if tangent is not None else zeros_like(primal))
        if has_aux:
            aux_leaves, aux_spec = tree_flatten(aux)
            aux = tree_unflatten([fwAD.unpack_dual(a).primal if isinstance(a, Tensor) else a
                                  for a in aux_leaves], aux_spec)
    return prims, out_spec, aux, tans


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """(func(*primals), the Jacobian-vector product with ``tangents``) (torch.func.jvp),
    by forward mode: one pass of ``func`` on dual tensors."""
    api = "jvp(f, primals, tangents)"
    t_leaves = _check_jvp_args(primals, tangents, api)
    dual = None
    if _dual_available():
        try:
            dual = _dual_jvp(func, primals, t_leaves, has_aux, api)
        except _NeedsDoubleVJP:  # a vmap or reverse transform inside: double vjp
            pass
    if dual is not None:
        create_graph = nested() or any(
            isinstance(x, Tensor) and x._rg for x in tree_flatten(primals)[0] + t_leaves)
        out_leaves, out_spec, aux, tangents_out = dual
        if not create_graph:
            tangents_out = detach_tree(tangents_out)
            out_leaves = detach_tree(out_leaves)
    else:
        out_leaves, out_spec, aux, apply, create_graph = _linear_map(func, primals, has_aux,
                                                                     api)
        tangents_out = apply(t_leaves)
        if not create_graph:
            tangents_out = detach_tree(tangents_out)
            out_leaves = detach_tree(out_leaves)
    result = (tree_unflatten(out_leaves, out_spec), tree_unflatten(tangents_out, out_spec))
    return result + (aux,) if has_aux else result


def linearize(func, *primals):
    """(func(*primals), jvp_fn): ``jvp_fn(*tangents)`` is the Jacobian-vector product at
    ``primals`` (torch.func.linearize)."""
    api = "linearize(f, *primals)"
    if _dual_available():
        return _linearize_dual(func, primals, api)
    out_leaves, out_spec, _, apply, create_graph = _linear_map(func, primals, False, api)

    def jvp_fn(*tangents):
        t_leaves = _check_jvp_args(primals, tangents, "linearize")
        res = apply(t_leaves)
        return tree_unflatten(res if create_graph else detach_tree(res), out_spec)
    out = out_leaves if create_graph else detach_tree(out_leaves)
    return tree_unflatten(out, out_spec), jvp_fn


def _linearize_checks(p_leaves, p_spec, tangents):
    """torch's checks on linearize's jvp_fn tangents (same structure, shape, dtype)."""
    t_leaves, t_spec = tree_flatten(tangents)
    if t_spec != p_spec:
        raise RuntimeError(f"Expected the tangents {t_spec} to have the same argspec as the "
                           f"primals {p_spec}")
    for idx, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        if not isinstance(t, Tensor):
            raise RuntimeError(f"linearize: Expected tangents to be tensors, got {type(t)}")
        for what in ("shape", "device", "dtype"):
            if getattr(t, what) != getattr(p, what):
                raise RuntimeError(f"tangent:{idx} with {what} {getattr(t, what)} in "
                                   f"flattened pytree doesn't match the {what} "
                                   f"{getattr(p, what)} of the corresponding primal.")
    return t_leaves


def _linearize_dual(func, primals, api):
    """linearize by forward mode: the output by one plain pass, and each ``jvp_fn`` call
    one dual pass of ``func`` at ``primals`` carrying the given tangents."""
    p_leaves = tree_flatten(primals)[0]
    create_graph = nested() or any(isinstance(x, Tensor) and x._rg for x in p_leaves)
    with depth():
        out = func(*primals)
    out_leaves, out_spec = _flat_outputs(out, api)
    if not create_graph:
        out_leaves = detach_tree(out_leaves)

    fallback = []
    p_spec = tree_flatten(primals)[1]

    def jvp_fn(*tangents):
        t_leaves = _linearize_checks(p_leaves, p_spec, tangents)
        res = None
        if _dual_available():
            try:
                res = _dual_jvp(func, primals, t_leaves, False, api)[3]
            except _NeedsDoubleVJP:  # a vmap or reverse transform inside func
                pass
        if res is None:  # under vmap or a forward-AD level, or the above: double vjp
            if not fallback:
                fallback.append(_linear_map(func, primals, False, api)[3])
            res = fallback[0](t_leaves)
        graph = create_graph or any(t._rg for t in t_leaves)
        return tree_unflatten(res if graph else detach_tree(res), out_spec)
    return tree_unflatten(out_leaves, out_spec), jvp_fn


del level_size
