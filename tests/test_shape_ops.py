"""The shape family against torch beyond the op table: which results are views sharing
storage and version counter with their input, strides, in-place view ops, writes through
views, errors for bad arguments and meshgrid's warning. Dtypes, out= and hypothesis
properties are in test_shape_dtypes_out.py."""
import warnings

import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

LIBS = (torch, chainrule)


def _storage(m, t):
    """Something equal for two tensors exactly when they share memory."""
    if m is torch:
        return t.untyped_storage().data_ptr()
    data = t._data
    while data.base is not None:
        data = data.base
    return id(data)


def _pieces(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


# ---------------------------------------------------------------------------- views
VIEWS = {
    "view": lambda m, x: x.view(4, 6), "reshape": lambda m, x: x.reshape(-1),
    "reshape_alias": lambda m, x: x[:, 0].reshape(2, 1, 1, 4),
    "reshape_copy": lambda m, x: x.transpose(0, 2).reshape(-1),
    "view_as": lambda m, x: x.view_as(m.ones(6, 4)),
    "unflatten": lambda m, x: x.unflatten(1, (3, 1)), "movedim": lambda m, x: x.movedim(0, 2),
    "moveaxis": lambda m, x: m.moveaxis(x, -1, 0), "mT": lambda m, x: x.mT,
    "mH": lambda m, x: x.mH, "H": lambda m, x: x[0].H, "adjoint": lambda m, x: x.adjoint(),
    "narrow": lambda m, x: x.narrow(2, 1, 2), "select": lambda m, x: x.select(1, -1),
    "diagonal": lambda m, x: x.diagonal(1, 1, 2), "split": lambda m, x: x.split(1, 1),
    "split_sizes": lambda m, x: x.split([1, 3], 2), "chunk": lambda m, x: x.chunk(2, -1),
    "tensor_split": lambda m, x: x.tensor_split(3, 2), "hsplit": lambda m, x: x.hsplit([1]),
    "vsplit": lambda m, x: x.vsplit(2), "dsplit": lambda m, x: x.dsplit(2),
    "unbind": lambda m, x: x.unbind(1), "unfold": lambda m, x: x.unfold(2, 2, 1),
    "expand": lambda m, x: x[:, :1].expand(2, 3, 4), "squeeze": lambda m, x: x[:1].squeeze(0),
    "unsqueeze": lambda m, x: x.unsqueeze(-1), "transpose": lambda m, x: x.transpose(0, 2),
    "permute": lambda m, x: x.permute(2, 0, 1), "ravel": lambda m, x: x.ravel(),
    "ravel_copy": lambda m, x: x.mT.ravel(), "flatten": lambda m, x: x.flatten(1),
    "atleast_3d": lambda m, x: m.atleast_3d(x[0, 0]), "meshgrid": lambda m, x: m.meshgrid(
        x[0, 0], x[1, 1], indexing="ij"),
    "broadcast_tensors": lambda m, x: m.broadcast_tensors(x, x[0]),
    "view_dtype": lambda m, x: x.view(m.int32), "view_dtype_half": lambda m, x: x.view(m.float16),
    # copies
    "flip": lambda m, x: x.flip(0), "roll": lambda m, x: x.roll(1), "rot90": lambda m, x: x.rot90(),
    "repeat": lambda m, x: x.repeat(1, 1, 1), "tile": lambda m, x: x.tile((1,)),
    "repeat_interleave": lambda m, x: x.repeat_interleave(1, 0),
    "narrow_copy": lambda m, x: x.narrow_copy(2, 0, 2),
    "unsafe_split": lambda m, x: x.unsafe_split(1, 1), "diag": lambda m, x: m.diag(x[0]),
    "diag_embed": lambda m, x: m.diag_embed(x), "tril": lambda m, x: x.tril(),
    "triu": lambda m, x: x.triu(), "block_diag": lambda m, x: m.block_diag(x[0]),
    "select_scatter": lambda m, x: x.select_scatter(x[0], 0, 1),
    "cartesian_prod": lambda m, x: m.cartesian_prod(x[0, 0], x[1, 0]),
    "expand_copy": lambda m, x: m.expand_copy(x, (2, 3, 4)),
    "t_copy": lambda m, x: m.t_copy(x[0]), "split_copy": lambda m, x: m.split_copy(x, 1),
    "alias_copy": lambda m, x: m.alias_copy(x), "view_copy": lambda m, x: m.view_copy(x, (-1,)),
}


def _view_facts(m, name):
    x = m.arange(24.0).reshape(2, 3, 4)
    out = VIEWS[name](m, x)
    before = [p.clone() for p in _pieces(out)]
    x.add_(1)
    facts = []
    for p, b in zip(_pieces(out), before):
        facts.append((tuple(p.shape), str(p.dtype), _storage(m, p) == _storage(m, x),
                      p._base is x, p._version, bool((p != b).any())))
    return facts


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_storage_and_version_counter_as_torch(name):
    assert _view_facts(chainrule, name) == _view_facts(torch, name)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_strides_like_torch(name):
    strides = []
    for m in LIBS:
        x = m.arange(24.0).reshape(2, 3, 4)
        strides.append([p.stride() for p in _pieces(VIEWS[name](m, x))])
    assert strides[0] == strides[1]


@pytest.mark.parametrize("k", range(-1, 5))
def test_rot90_layout_like_torch(k):
    outs = []
    for m in LIBS:
        y = m.arange(24.0).reshape(2, 3, 4).rot90(k, (0, 2))
        outs.append((y.stride(), y.is_contiguous(), y.tolist()))
    assert outs[0] == outs[1]


def _write_through(m, how):
    x = m.zeros(3, 4)
    how(m, x)
    return x.tolist()


WRITES = {
    "narrow": lambda m, x: x.narrow(1, 1, 2).fill_(1),
    "select": lambda m, x: x.select(0, 1).add_(2),
    "diagonal": lambda m, x: x.diagonal(1).fill_(3),
    "unfold_disjoint": lambda m, x: x.unfold(1, 2, 2).add_(1),
    "split": lambda m, x: x.split(1)[2].fill_(5),
    "tensor_split": lambda m, x: x.tensor_split(2, 1)[1].mul_(0).add_(4),
    "movedim": lambda m, x: x.movedim(0, 1)[0].fill_(6),
    "t_": lambda m, x: x.t_()[0].fill_(7),
    "unsqueeze_": lambda m, x: x.unsqueeze_(0)[0, 0].fill_(8),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_in_place_writes_reach_the_base_like_torch(name):
    assert _write_through(chainrule, WRITES[name]) == _write_through(torch, WRITES[name])


@pytest.mark.parametrize("make", [lambda m, x: x[:1].expand(3, 4),
                                  lambda m, x: m.meshgrid(x[0], x[1], indexing="ij")[0]])
def test_in_place_add_on_overlapping_views_is_refused_like_torch(make):
    errors = []
    for m in LIBS:
        x = m.zeros(3, 4)
        with pytest.raises(RuntimeError) as info:
            make(m, x).add_(1)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("update", [lambda y: y.narrow(1, 1, 2).mul_(2),
                                    lambda y: y.select(0, 1).add_(1),
                                    lambda y: y.tensor_split(2, 1)[1].mul_(3),
                                    lambda y: y.hsplit([1])[0].tril_()])
def test_in_place_on_narrow_select_pieces_in_a_graph_like_torch(update):
    outs = []
    for m in LIBS:
        x = m.arange(12.0).reshape(3, 4).requires_grad_()
        y = x * 1
        update(y)
        (y * m.arange(12.0).reshape(3, 4)).sum().backward()
        outs.append((y.grad_fn.name(), y.tolist(), x.grad.tolist()))
    assert outs[0] == outs[1]


def test_in_place_ops_on_overlapping_windows_are_refused():
    # torch adds window by window ([1, 2, 2, 1] here); chainrule refuses rather than give an
    # order-dependent answer (docs/differences.md). Disjoint windows write through.
    x = chainrule.zeros(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.unfold(1, 2, 1).add_(1)
    x.unfold(1, 2, 2).add_(1)
    assert x.tolist() == [[1.0] * 4] * 3


# ---------------------------------------------------------------------------- in-place views
INPLACE_VIEWS = {
    "t_": lambda t: t.t_(), "transpose_": lambda t: t.transpose_(0, -1),
    "swapaxes_": lambda t: t.swapaxes_(0, 1), "swapdims_": lambda t: t.swapdims_(1, 0),
    "squeeze_": lambda t: t.squeeze_(), "squeeze_dim": lambda t: t.squeeze_(0),
    "squeeze_dims": lambda t: t.squeeze_((0, 1)), "unsqueeze_": lambda t: t.unsqueeze_(1),
}


def _inplace_view_facts(m, f):
    x = m.arange(3.0).reshape(1, 3)
    ptr = x.data_ptr()
    out = f(x)
    y = (m.ones(1, 3, requires_grad=True) * 2)[:, :]
    g = f(y)
    leaf = m.ones(1, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        f(leaf)
    with m.no_grad():
        f(leaf)
    return (out is x, tuple(x.shape), x.stride(), x.data_ptr() == ptr, x._version,
            x.tolist(), g.grad_fn.name(), g.grad_fn.next_functions[0][0].name(),
            str(info.value), tuple(leaf.shape), leaf.is_leaf)


@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_in_place_view_ops_like_torch(name):
    f = INPLACE_VIEWS[name]
    assert _inplace_view_facts(chainrule, f) == _inplace_view_facts(torch, f)


def test_in_place_view_op_then_backward_gives_torch_gradient():
    grads = []
    for m in LIBS:
        x = m.arange(6.0, requires_grad=True)
        y = (x * 1).view(2, 3)
        y.t_().unsqueeze_(0).squeeze_()
        (y * m.arange(6.0).view(3, 2)).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


# ---------------------------------------------------------------------------- errors
def _trimmed(message: str) -> str:
    for cut in ("\nException raised from", " (Triggered internally"):
        message = message.split(cut)[0]
    return message


ERRORS = {
    "unflatten sizes": lambda m, x: x.unflatten(1, (3, 2)),
    "unflatten two -1": lambda m, x: x.unflatten(1, (-1, -1)),
    "unflatten empty": lambda m, x: x.unflatten(1, ()),
    "unflatten dim": lambda m, x: x.unflatten(2, (2, 2)),
    "unflatten 0d": lambda m, x: x[0, 0].unflatten(0, (1,)),
    "movedim lengths": lambda m, x: x.movedim((0, 1), (1,)),
    "movedim repeated": lambda m, x: x.movedim((0, -2), (0, 1)),
    "movedim repeated dst": lambda m, x: x.movedim((0, 1), (1, 1)),
    "movedim range": lambda m, x: x.movedim(2, 0),
    "mT 1d": lambda m, x: x[0].mT, "mH 1d": lambda m, x: x[0].mH, "H 3d": lambda m, x: x[None].H,
    "H 1d": lambda m, x: x[0].H, "adjoint 1d": lambda m, x: x[0].adjoint(),
    "repeat few": lambda m, x: x.repeat(2), "repeat negative": lambda m, x: x.repeat(-1, 2),
    "tile negative": lambda m, x: x.tile((-1,)),
    "repeat_interleave negative": lambda m, x: x.repeat_interleave(-1),
    "repeat_interleave length": lambda m, x: x.repeat_interleave(m.tensor([1, 2]), dim=0),
    "repeat_interleave 2d": lambda m, x: x.repeat_interleave(m.tensor([[1, 2, 3]]), dim=0),
    "repeat_interleave negative t": lambda m, x: x.repeat_interleave(m.tensor([1, -2, 3]), 0),
    "repeat_interleave float t": lambda m, x: x.repeat_interleave(m.tensor([1.0, 2, 3]), 0),
    "repeat_interleave output_size": lambda m, x: x.repeat_interleave(2, 0, output_size=5),
    "repeat_interleave output_size t": lambda m, x: m.repeat_interleave(
        m.tensor([1, 2]), output_size=2),
    "repeat_interleave 0d dim": lambda m, x: x[0, 0].repeat_interleave(2, dim=0),
    "flip repeated": lambda m, x: x.flip(0, -2), "flip range": lambda m, x: x.flip(2),
    "fliplr 1d": lambda m, x: x[0].fliplr(), "flipud 0d": lambda m, x: x[0, 0].flipud(),
    "roll mismatch": lambda m, x: x.roll((1, 2), (0,)),
    "roll no dims": lambda m, x: x.roll((1, 2)), "roll empty": lambda m, x: x.roll(()),
    "roll range": lambda m, x: x.roll(1, 3), "roll 0d dim": lambda m, x: x[0, 0].roll(1, -1),
    "rot90 dims": lambda m, x: x.rot90(1, (0,)), "rot90 same": lambda m, x: x.rot90(1, (0, 0)),
    "rot90 same neg": lambda m, x: x.rot90(1, (0, -2)), "rot90 1d": lambda m, x: x[0].rot90(),
    "rot90 range": lambda m, x: x.rot90(1, (0, 2)),
    "narrow end": lambda m, x: x.narrow(1, 2, 3), "narrow length": lambda m, x: x.narrow(1, 0, -1),
    "narrow start": lambda m, x: x.narrow(1, 5, 0), "narrow 0d": lambda m, x: x[0, 0].narrow(0, 0, 1),
    "narrow tensor start": lambda m, x: x.narrow(1, m.tensor([1]), 1),
    "narrow float start": lambda m, x: x.narrow(1, m.tensor(1.0), 1),
    "narrow_copy end": lambda m, x: x.narrow_copy(1, 2, 3),
    "select index": lambda m, x: x.select(1, 4), "select 0d": lambda m, x: x[0, 0].select(0, 0),
    "select dim": lambda m, x: x.select(2, 0),
    "select_scatter shape": lambda m, x: m.select_scatter(x, m.ones(4), 1, 0),
    "slice_scatter shape": lambda m, x: m.slice_scatter(x, m.ones(3, 3), 1, 0, 2),
    "slice_scatter step": lambda m, x: m.slice_scatter(x, m.ones(3, 2), 1, 0, 2, 0),
    "diagonal_scatter shape": lambda m, x: m.diagonal_scatter(x, m.ones(4)),
    "split zero": lambda m, x: x.split(0, 1), "split negative": lambda m, x: x.split(-1, 1),
    "split sizes sum": lambda m, x: x.split([1, 2], 1),
    "split sizes negative": lambda m, x: x.split([5, -1], 1),
    "split 0d": lambda m, x: x[0, 0].split(1), "split dim": lambda m, x: x.split(1, 2),
    "chunk zero": lambda m, x: x.chunk(0), "chunk 0d": lambda m, x: x[0, 0].chunk(1),
    "tensor_split zero": lambda m, x: x.tensor_split(0),
    "tensor_split 0d": lambda m, x: x[0, 0].tensor_split(1),
    "tensor_split float": lambda m, x: x.tensor_split(m.tensor([1.0])),
    "tensor_split int32": lambda m, x: x.tensor_split(m.tensor([1], dtype=m.int32)),
    "tensor_split 2d": lambda m, x: x.tensor_split(m.tensor([[1]])),
    "hsplit 0d": lambda m, x: x[0, 0].hsplit(1), "hsplit divisible": lambda m, x: x.hsplit(3),
    "vsplit 1d": lambda m, x: x[0].vsplit(2), "vsplit divisible": lambda m, x: x.vsplit(2),
    "dsplit 2d": lambda m, x: x.dsplit(2), "dsplit divisible": lambda m, x: x[None].dsplit(3),
    "hstack empty": lambda m, x: m.hstack([]), "vstack empty": lambda m, x: m.vstack([]),
    "dstack empty": lambda m, x: m.dstack([]), "row_stack empty": lambda m, x: m.row_stack([]),
    "column_stack empty": lambda m, x: m.column_stack([]),
    "hstack tensor": lambda m, x: m.hstack(x),
    "diag 3d": lambda m, x: m.diag(x[None]), "diag 0d": lambda m, x: m.diag(x[0, 0]),
    "diagonal same": lambda m, x: x.diagonal(0, 0, -2), "diagonal 1d": lambda m, x: x[0].diagonal(),
    "diag_embed same": lambda m, x: m.diag_embed(x, 0, 0, 0),
    "diag_embed range": lambda m, x: m.diag_embed(x, 0, 0, 3),
    "tril 1d": lambda m, x: x[0].tril(), "triu 0d": lambda m, x: x[0, 0].triu(),
    "tril_ 1d": lambda m, x: x[0].tril_(),
    "tril_indices row": lambda m, x: m.tril_indices(-1, 3),
    "triu_indices col": lambda m, x: m.triu_indices(3, -2),
    "tril_indices dtype": lambda m, x: m.tril_indices(3, 3, dtype=m.float32),
    "tril_indices int16": lambda m, x: m.tril_indices(3, 3, dtype=m.int16),
    "block_diag 3d": lambda m, x: m.block_diag(x, x[None]),
    "cartesian_prod 2d": lambda m, x: m.cartesian_prod(x, x),
    "cartesian_prod 0d": lambda m, x: m.cartesian_prod(x[0, 0], x[0, 0]),
    "cartesian_prod empty": lambda m, x: m.cartesian_prod(),
    "combinations 2d": lambda m, x: m.combinations(x),
    "combinations negative": lambda m, x: m.combinations(x[0], -1),
    "meshgrid indexing": lambda m, x: m.meshgrid(x[0], x[1], indexing="foo"),
    "meshgrid empty": lambda m, x: m.meshgrid(indexing="ij"),
    "meshgrid dtype": lambda m, x: m.meshgrid(x[0], x[0].double(), indexing="ij"),
    "broadcast_tensors": lambda m, x: m.broadcast_tensors(x, m.ones(3)),
    "broadcast_tensors three": lambda m, x: m.broadcast_tensors(m.ones(2), m.ones(3), m.ones(4)),
    "broadcast_tensors list": lambda m, x: m.broadcast_tensors([x, x]),
    "broadcast_shapes": lambda m, x: m.broadcast_shapes((3, 4), (3,)),
    "broadcast_shapes list": lambda m, x: m.broadcast_shapes((3, 4), [2, 1, 3]),
    "broadcast_shapes negative": lambda m, x: m.broadcast_shapes((-1, 4), (3,)),
    "unfold size": lambda m, x: x.unfold(1, 5, 1), "unfold step": lambda m, x: x.unfold(1, 2, 0),
    "unfold negative": lambda m, x: x.unfold(1, -1, 1), "unfold dim": lambda m, x: x.unfold(2, 1, 1),
    "squeeze tuple range": lambda m, x: x.squeeze((0, 2)),
    "squeeze tuple repeated": lambda m, x: x[None].squeeze((0, -3)),
    "squeeze 0d repeated": lambda m, x: x[0, 0].squeeze((0, -1)),
    "unsqueeze range": lambda m, x: x.unsqueeze(3),
    "view dtype size": lambda m, x: x[:, :3].view(m.float64),
    "view dtype stride": lambda m, x: x[:, ::2].view(m.float64),
    "view dtype 0d": lambda m, x: x[0, 0].view(m.float16),
    "t_ 3d": lambda m, x: x[None].t_(), "transpose_ range": lambda m, x: x.transpose_(0, 2),
    "unsqueeze_ range": lambda m, x: x.unsqueeze_(5),
    "atleast_1d float": lambda m, x: m.atleast_1d(1.0),
    "expand leading -1": lambda m, x: x.expand(-1, 3, 4),
    "expand too few": lambda m, x: x.double().expand(2),
    "expand mismatch": lambda m, x: x.expand(2, 4, 4),
    "select_copy index": lambda m, x: m.select_copy(x, 0, 5),
    "t_copy 3d": lambda m, x: m.t_copy(x[None]),
    "slice_copy step": lambda m, x: m.slice_copy(x, 0, None, None, 0),
    "unravel_index float": lambda m, x: m.unravel_index(m.tensor([1.0]), (3, 4)),
    "unravel_index bool": lambda m, x: m.unravel_index(m.tensor([True]), (3,)),
    "unravel_index negative": lambda m, x: m.unravel_index(m.tensor([1]), (3, -4)),
    "unravel_index float shape": lambda m, x: m.unravel_index(m.tensor([1]), (1.5,)),
    "unravel_index shape type": lambda m, x: m.unravel_index(m.tensor([1]), 1.5),
    "unravel_index zero size": lambda m, x: m.unravel_index(m.tensor([0]), (0, 4)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_like_torch(name):
    outcomes = []
    for m in LIBS:
        x = m.ones(3, 4)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ERRORS[name](m, x)
        except Exception as exc:  # noqa: BLE001 - the exception is what we compare
            outcomes.append((type(exc).__name__, _trimmed(str(exc))))
        else:
            outcomes.append(None)
    t_out, c_out = outcomes
    assert t_out is not None, "torch raises nothing: the case is wrong"
    assert c_out is not None, f"chainrule raises nothing; torch raises {t_out}"
    assert c_out[0] == t_out[0]
    if name in _MESSAGE_DIFFERS:
        assert c_out[1].startswith(_MESSAGE_DIFFERS[name]), c_out[1]
    else:
        assert c_out[1] == t_out[1]


# torch's own wording that chainrule does not copy word for word: the printed tensor, the
# list of overloads, and the "aten::" form of the dtype name
_MESSAGE_DIFFERS = {
    "repeat_interleave float t": '"repeat_interleave_cpu" not implemented for',
    "atleast_1d float": "atleast_1d() received an invalid combination of arguments",
    "broadcast_tensors list": "expected Tensor as element 0 in argument 0, but got list",
}


def test_meshgrid_without_indexing_warns_once_like_torch(monkeypatch):
    # torch warns once a process; set_warn_always makes it warn again for this test
    from chainrule.ops.shape import combine
    monkeypatch.setattr(combine, "_meshgrid_warned", False)
    always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        for m in LIBS:
            with pytest.warns(UserWarning, match=r"^torch\.meshgrid: in an upcoming release, "
                                                 r"it will be required to pass the indexing "
                                                 r"argument\."):
                m.meshgrid(m.ones(2), m.ones(3))
    finally:
        torch.set_warn_always(always)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.meshgrid(chainrule.ones(2), chainrule.ones(3))  # once only
    for m in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.meshgrid(m.ones(2), m.ones(3), indexing="ij")


def test_meshgrid_of_a_matrix_names_the_tensor():
    with pytest.raises(RuntimeError, match=r"^torch\.meshgrid: Expected 0D or 1D tensor in the "
                                           r"tensor list but got: "):
        chainrule.meshgrid(chainrule.ones(2, 2), indexing="ij")


@pytest.mark.parametrize("name", ["mT", "mH", "H", "adjoint"])
def test_matrix_transposes_of_0d_warn_and_return_the_tensor_like_torch(name):
    for m in LIBS:
        x = m.tensor(2.0)
        with pytest.warns(UserWarning, match="deprecated on 0-D tensors"):
            out = x.adjoint() if name == "adjoint" else getattr(x, name)
        assert out is x


def test_identities_return_the_tensor_itself_like_torch():
    for m in LIBS:
        x, v = m.ones(2, 3), m.ones(3)
        assert m.atleast_1d(x) is x and m.atleast_2d(x) is x and m.atleast_3d(x[None]) is not x
        assert m.cartesian_prod(v) is v
        assert m.broadcast_tensors(x, v)[0] is x
        assert x.resolve_conj() is x and x.resolve_neg() is x
        assert m.broadcast_tensors() == () and m.atleast_1d() == ()
