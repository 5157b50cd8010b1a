"""nn.RNN / LSTM / GRU, the cells and nn.utils.rnn against torch: the same weights (torch's
state_dict loaded into ours), then outputs, final states and every gradient compared."""
import itertools
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.nn.utils import rnn as cr_rnn

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    """torch's fused RNN kernels crawl when their threads contend with other work on a
    small machine; one thread keeps these tests fast. Restored afterwards."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def to_numpy(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def _dtypes(torch, name):
    return getattr(torch, name), getattr(chainrule, name)


def make_pair(torch, cls_name, *args, dtype="float64", **kwargs):
    """A torch module and ours with identical parameters."""
    tdt, cdt = _dtypes(torch, dtype)
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls_name)(*args, **kwargs).to(tdt)
    cm = getattr(chainrule.nn, cls_name)(*args, **kwargs).to(cdt)
    cm.load_state_dict({k: chainrule.tensor(v.detach().numpy())
                        for k, v in tm.state_dict().items()})
    return tm, cm


def leaf_pair(torch, array, requires_grad=True):
    return (torch.tensor(array, requires_grad=requires_grad),
            chainrule.tensor(array, requires_grad=requires_grad))


def flat(result):
    """The tensors of a module's result, in order (PackedSequence -> its data)."""
    out = []
    for item in result if isinstance(result, tuple) else (result,):
        if hasattr(item, "batch_sizes"):
            out.append(item.data)
        elif isinstance(item, tuple):
            out.extend(flat(item))
        else:
            out.append(item)
    return out


def assert_close(ours, theirs, tol):
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=tol, atol=tol)


def check_forward_backward(torch, tm, cm, t_inputs, c_inputs, t_leaves, c_leaves, tol):
    t_out, c_out = flat(tm(*t_inputs)), flat(cm(*c_inputs))
    assert len(t_out) == len(c_out)
    for a, b in zip(c_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        assert_close(a, b, tol)
    upstream = [RNG.standard_normal(tuple(t.shape)) for t in t_out]
    sum(
        (t * torch.tensor(g, dtype=t.dtype)).sum() for t, g in zip(t_out, upstream)
    ).backward()
    sum(
        (c * chainrule.tensor(g, dtype=c.dtype)).sum() for c, g in zip(c_out, upstream)
    ).backward()
    for a, b in zip(c_leaves, t_leaves):
        assert_close(a.grad, b.grad, tol)
    t_params = dict(tm.named_parameters())
    for name, p in cm.named_parameters():
        assert p.grad is not None, name
        assert_close(p.grad, t_params[name].grad, tol)
    return t_out, c_out


MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {}),
         ("LSTM", {"proj_size": 2})]


@pytest.mark.parametrize("mode,extra", MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias",
                         list(itertools.product([1, 2], [False, True], [False, True],
                                                [True, False])))
def test_matches_torch_float64(torch, mode, extra, num_layers, bidirectional, batch_first,
                               bias):
    tm, cm = make_pair(torch, mode, 3, 4, num_layers=num_layers, bias=bias,
                       batch_first=batch_first, bidirectional=bidirectional, **extra)
    x = RNG.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    tx, cx = leaf_pair(torch, x)
    check_forward_backward(torch, tm, cm, (tx,), (cx,), [tx], [cx], 1e-10)


@pytest.mark.parametrize("mode,extra", MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_given_initial_state_float32(torch, mode, extra, bidirectional):
    tm, cm = make_pair(torch, mode, 3, 5, num_layers=2, bidirectional=bidirectional,
                       dtype="float32", **extra)
    dirs = 2 if bidirectional else 1
    out_size = extra.get("proj_size", 5)
    x = RNG.standard_normal((4, 3, 3)).astype(np.float32)
    h0 = RNG.standard_normal((2 * dirs, 3, out_size)).astype(np.float32)
    tx, cx = leaf_pair(torch, x)
    th, ch = leaf_pair(torch, h0)
    leaves_t, leaves_c = [tx, th], [cx, ch]
    if mode == "LSTM":
        c0 = RNG.standard_normal((2 * dirs, 3, 5)).astype(np.float32)
        tc, cc = leaf_pair(torch, c0)
        leaves_t.append(tc)
        leaves_c.append(cc)
        t_in, c_in = (tx, (th, tc)), (cx, (ch, cc))
    else:
        t_in, c_in = (tx, th), (cx, ch)
    check_forward_backward(torch, tm, cm, t_in, c_in, leaves_t, leaves_c, 2e-5)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("with_hidden", [False, True])
def test_unbatched_input(torch, mode, with_hidden):
    tm, cm = make_pair(torch, mode, 3, 4, num_layers=2, bidirectional=True)
    tx, cx = leaf_pair(torch, RNG.standard_normal((5, 3)))
    t_in, c_in, lt, lc = (tx,), (cx,), [tx], [cx]
    if with_hidden:
        th, ch = leaf_pair(torch, RNG.standard_normal((4, 4)))
        lt, lc = [tx, th], [cx, ch]
        if mode == "LSTM":
            tc, cc = leaf_pair(torch, RNG.standard_normal((4, 4)))
            lt, lc = lt + [tc], lc + [cc]
            t_in, c_in = (tx, (th, tc)), (cx, (ch, cc))
        else:
            t_in, c_in = (tx, th), (cx, ch)
    t_out, c_out = check_forward_backward(torch, tm, cm, t_in, c_in, lt, lc, 1e-10)
    assert type(c_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__


@pytest.mark.parametrize("mode,extra", MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_hidden", [False, True])
def test_packed_unsorted_lengths(torch, mode, extra, bidirectional, with_hidden):
    tm, cm = make_pair(torch, mode, 3, 4, num_layers=2, bidirectional=bidirectional, **extra)
    lengths = [2, 5, 1, 4]
    tx, cx = leaf_pair(torch, RNG.standard_normal((5, 4, 3)))
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    cp = cr_rnn.pack_padded_sequence(cx, lengths, enforce_sorted=False)
    t_in, c_in, lt, lc = (tp,), (cp,), [tx], [cx]
    if with_hidden:
        dirs = 2 if bidirectional else 1
        th, ch = leaf_pair(torch, RNG.standard_normal((2 * dirs, 4, extra.get("proj_size", 4))))
        lt, lc = [tx, th], [cx, ch]
        if mode == "LSTM":
            tc, cc = leaf_pair(torch, RNG.standard_normal((2 * dirs, 4, 4)))
            lt, lc = lt + [tc], lc + [cc]
            t_in, c_in = (tp, (th, tc)), (cp, (ch, cc))
        else:
            t_in, c_in = (tp, th), (cp, ch)
    check_forward_backward(torch, tm, cm, t_in, c_in, lt, lc, 1e-10)
    t_res, c_res = tm(*t_in), cm(*c_in)
    assert c_res[0].batch_sizes.tolist() == t_res[0].batch_sizes.tolist()
    assert c_res[0].sorted_indices.tolist() == t_res[0].sorted_indices.tolist()
    assert c_res[0].unsorted_indices.tolist() == t_res[0].unsorted_indices.tolist()
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_res[0], batch_first=True)
    c_pad, c_len = cr_rnn.pad_packed_sequence(c_res[0], batch_first=True)
    assert_close(c_pad, t_pad, 1e-10)
    assert c_len.tolist() == t_len.tolist()


def test_grad_fn_names_match_torch_float64(torch):
    for bidirectional, batch_first in itertools.product([False, True], [False, True]):
        tm, cm = make_pair(torch, "GRU", 3, 4, bidirectional=bidirectional,
                           batch_first=batch_first)
        x = RNG.standard_normal((2, 3, 3))
        tx, cx = leaf_pair(torch, x)
        for a, b in zip(flat(cm(cx)), flat(tm(tx))):
            assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_gradcheck(mode):
    chainrule.manual_seed(1)
    m = getattr(chainrule.nn, mode)(2, 3, num_layers=2, bidirectional=True).double()
    x = chainrule.randn(3, 2, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda inp: m(inp)[0], (x,))
    assert chainrule.autograd.gradcheck(lambda inp: m(inp)[1] if mode != "LSTM"
                                        else m(inp)[1][1], (x,))


def test_dropout_between_layers_train_and_eval(torch):
    tm, cm = make_pair(torch, "LSTM", 3, 4, num_layers=3, dropout=0.5)
    x = RNG.standard_normal((4, 2, 3))
    tx, cx = leaf_pair(torch, x, requires_grad=False)
    tm.eval()
    cm.eval()
    assert_close(cm(cx)[0], tm(tx)[0], 1e-10)
    cm.train()
    a, b = cm(cx)[0], cm(cx)[0]
    assert not np.allclose(to_numpy(a), to_numpy(b))  # random masks between layers
    single = chainrule.nn.GRU(3, 4, dropout=0.0).double()
    assert_close(single(cx)[0], single(cx)[0], 0)  # no dropout: train mode deterministic


def test_state_dict_keys_and_shapes_match_torch(torch):
    for kwargs in ({"num_layers": 2, "bidirectional": True, "proj_size": 2},
                   {"bias": False, "num_layers": 2}):
        tm = torch.nn.LSTM(3, 4, **kwargs)
        cm = chainrule.nn.LSTM(3, 4, **kwargs)
        t_sd, c_sd = tm.state_dict(), cm.state_dict()
        assert list(c_sd) == list(t_sd)
        for k in t_sd:
            assert tuple(c_sd[k].shape) == tuple(t_sd[k].shape)
        assert cm._flat_weights_names == tm._flat_weights_names
        assert [[tuple(w.shape) for w in ws] for ws in cm.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in tm.all_weights]
    gru = chainrule.nn.GRU(3, 4)
    assert gru._flat_weights[0] is gru.weight_ih_l0
    gru.flatten_parameters()


def test_default_init_is_uniform_in_bound():
    m = chainrule.nn.LSTM(3, 16, num_layers=2)
    for p in m.parameters():
        values = to_numpy(p)
        assert np.all(np.abs(values) <= 0.25) and values.std() > 0.1
    cell = chainrule.nn.GRUCell(3, 100)
    assert np.all(np.abs(to_numpy(cell.weight_hh)) <= 0.1)


@pytest.mark.parametrize("args,kwargs", [
    (("LSTM", 3, 4), {"num_layers": 2, "proj_size": 2, "bidirectional": True,
                      "batch_first": True, "dropout": 0.1}),
    (("RNN", 3, 4), {"nonlinearity": "relu", "bias": False}),
    (("GRU", 3, 4, 3), {}),
    (("RNN", 3, 4, 1, "relu"), {}),
    (("LSTMCell", 3, 4), {}),
    (("RNNCell", 3, 4), {"nonlinearity": "relu", "bias": False}),
    (("GRUCell", 3, 4), {"bias": False}),
])
def test_repr_matches_torch(torch, args, kwargs):
    name, *rest = args
    assert repr(getattr(chainrule.nn, name)(*rest, **kwargs)) == \
        repr(getattr(torch.nn, name)(*rest, **kwargs))


def _raises_like(torch, make_call):
    """Run the same call on torch and chainrule; both raise the same class and message."""
    with pytest.raises(Exception) as t_err:
        make_call(torch)
    with pytest.raises(Exception) as c_err:
        make_call(chainrule)
    assert type(c_err.value) is type(t_err.value)
    assert str(c_err.value) == str(t_err.value)


@pytest.mark.parametrize("call", [
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 6)),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 3, dtype=t.float64)),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 3), (t.randn(1, 3, 4), t.randn(1, 2, 4))),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 3), (t.randn(1, 2, 4), t.randn(1, 2, 5))),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 3), (t.randn(1, 2, 4), t.randn(2, 4))),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 3), (t.randn(1, 2, 4), t.randn(2, 4))),
    lambda t: t.nn.LSTM(3, 4)(t.randn(5, 2, 3, 1)),
    lambda t: t.nn.LSTM(3, 4)(t.randn(0, 2, 3)),
    lambda t: t.nn.GRU(3, 4)(t.randn(5, 2, 3, 1)),
    lambda t: t.nn.RNN(3, 4)(t.randn(5, 2, 3, 1)),
    lambda t: t.nn.RNN(3, 4)(t.randn(5, 2, 3), t.randn(2, 2, 4)),
    lambda t: t.nn.RNN(3, 4)(t.randn(5, 2, 3), t.randn(2, 4)),
    lambda t: t.nn.GRU(3, 4)(t.randn(5, 3), t.randn(1, 2, 4)),
    lambda t: t.nn.RNN(3, 4, nonlinearity="x"),
    lambda t: t.nn.GRU(3, 4, proj_size=2),
    lambda t: t.nn.LSTM(3, 4, proj_size=4),
    lambda t: t.nn.LSTM(3, 4, proj_size=-1),
    lambda t: t.nn.LSTM(3, 4, dropout=2),
    lambda t: t.nn.LSTM(3, 4, dropout=True),
    lambda t: t.nn.LSTM(3, 0),
    lambda t: t.nn.LSTM(3.0, 4),
    lambda t: t.nn.LSTM(3, 4, num_layers=0),
    lambda t: t.nn.LSTM(3, 4, bias=1),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 5)),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 3), (t.randn(3, 4), t.randn(2, 4))),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 3), (t.randn(2, 5), t.randn(2, 4))),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 3), (t.randn(2, 4), t.randn(2, 5))),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 3, 3)),
    lambda t: t.nn.LSTMCell(3, 4)(t.randn(2, 3), (t.randn(2, 4, 1), t.randn(2, 4))),
    lambda t: t.nn.GRUCell(3, 4)(t.randn(2, 3), t.randn(3, 4)),
    lambda t: t.nn.GRUCell(3, 4)(t.randn(2, 3), t.randn(2, 4, 1)),
    lambda t: t.nn.RNNCell(3, 4)(t.randn(2, 3, 1)),
    lambda t: t.nn.RNNCell(3, 4)(t.randn(2, 3), t.randn(2, 5)),
])
def test_errors_match_torch(torch, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(torch, call)


def test_dropout_with_one_layer_warns(torch):
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        chainrule.nn.GRU(3, 4, dropout=0.5)


def test_unknown_cell_nonlinearity_raises_at_forward(torch):
    def call(t):
        cell = t.nn.RNNCell(3, 4)
        cell.nonlinearity = "foo"
        cell(t.randn(2, 3))
    _raises_like(torch, call)


def test_empty_batch(torch):
    tm, cm = make_pair(torch, "LSTM", 3, 4)
    t_out, c_out = flat(tm(torch.zeros(5, 0, 3, dtype=torch.float64))), \
        flat(cm(chainrule.zeros(5, 0, 3, dtype=chainrule.float64)))
    assert [tuple(c.shape) for c in c_out] == [tuple(t.shape) for t in t_out]


# ---------------------------------------------------------------------- cells
@pytest.mark.parametrize("cls_name,extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                             ("LSTMCell", {}), ("GRUCell", {})])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hidden", [True, False])
def test_cells_match_torch(torch, cls_name, extra, bias, batched, with_hidden):
    tm, cm = make_pair(torch, cls_name, 3, 4, bias=bias, **extra)
    batch = (2,) if batched else ()
    tx, cx = leaf_pair(torch, RNG.standard_normal(batch + (3,)))
    t_in, c_in, lt, lc = (tx,), (cx,), [tx], [cx]
    if with_hidden:
        th, ch = leaf_pair(torch, RNG.standard_normal(batch + (4,)))
        lt, lc = [tx, th], [cx, ch]
        if cls_name == "LSTMCell":
            tc, cc = leaf_pair(torch, RNG.standard_normal(batch + (4,)))
            lt, lc = lt + [tc], lc + [cc]
            t_in, c_in = (tx, (th, tc)), (cx, (ch, cc))
        else:
            t_in, c_in = (tx, th), (cx, ch)
    t_out, c_out = check_forward_backward(torch, tm, cm, t_in, c_in, lt, lc, 1e-10)
    for a, b in zip(c_out, t_out):
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__


@pytest.mark.parametrize("cls_name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_gradcheck(cls_name):
    cell = getattr(chainrule.nn, cls_name)(2, 3).double()
    x = chainrule.randn(2, 2, dtype=chainrule.float64, requires_grad=True)
    h = chainrule.randn(2, 3, dtype=chainrule.float64, requires_grad=True)
    if cls_name == "LSTMCell":
        c = chainrule.randn(2, 3, dtype=chainrule.float64, requires_grad=True)
        assert chainrule.autograd.gradcheck(lambda a, b, d: cell(a, (b, d)), (x, h, c))
    else:
        assert chainrule.autograd.gradcheck(lambda a, b: cell(a, b), (x, h))


# ---------------------------------------------------------------------- training
def test_char_lstm_training_losses_match_torch(torch):
    text = "hello world, hello chainrule. "
    vocab = sorted(set(text))
    ids = np.array([vocab.index(ch) for ch in text])
    inputs, targets = ids[:-1], ids[1:]
    v, hidden = len(vocab), 16

    def build(lib):
        lib.manual_seed(0)
        lstm = lib.nn.LSTM(v, hidden, num_layers=2, batch_first=True)
        head = lib.nn.Linear(hidden, v)
        return lstm, head

    t_lstm, t_head = build(torch)
    c_lstm, c_head = build(chainrule)
    c_lstm.load_state_dict({k: chainrule.tensor(x.detach().numpy())
                            for k, x in t_lstm.state_dict().items()})
    c_head.load_state_dict({k: chainrule.tensor(x.detach().numpy())
                            for k, x in t_head.state_dict().items()})
    onehot = np.eye(v, dtype=np.float32)[inputs][None]
    losses = {}
    for lib, lstm, head in ((torch, t_lstm, t_head), (chainrule, c_lstm, c_head)):
        params = list(lstm.parameters()) + list(head.parameters())
        opt = lib.optim.SGD(params, lr=0.5)
        x, y = lib.tensor(onehot), lib.tensor(targets)
        run = []
        for _ in range(8):
            opt.zero_grad()
            out, _ = lstm(x)
            logits = head(out[0])
            loss = lib.nn.functional.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses[lib.__name__] = run
    np.testing.assert_allclose(losses["chainrule"], losses["torch"], rtol=1e-4)
    assert losses["torch"][-1] < losses["torch"][0]


# ---------------------------------------------------------------------- utils.rnn
def test_pack_padded_sequence_sorted_and_unsorted(torch):
    x = RNG.standard_normal((4, 3, 2))
    tx, cx = leaf_pair(torch, x)
    for lengths, enforce in (([4, 2, 1], True), ([2, 4, 1], False)):
        for as_tensor in (False, True):
            t_len = torch.tensor(lengths) if as_tensor else lengths
            c_len = chainrule.tensor(lengths) if as_tensor else lengths
            tp = torch.nn.utils.rnn.pack_padded_sequence(tx, t_len, enforce_sorted=enforce)
            cp = cr_rnn.pack_padded_sequence(cx, c_len, enforce_sorted=enforce)
            assert_close(cp.data, tp.data, 0)
            assert type(cp.data.grad_fn).__name__ == type(tp.data.grad_fn).__name__
            assert cp.batch_sizes.tolist() == tp.batch_sizes.tolist()
            assert cp.batch_sizes.dtype == chainrule.int64
            for a, b in ((cp.sorted_indices, tp.sorted_indices),
                         (cp.unsorted_indices, tp.unsorted_indices)):
                assert (a is None) == (b is None)
                if a is not None:
                    assert a.tolist() == b.tolist()
    g = RNG.standard_normal(tuple(tp.data.shape))
    tp.data.backward(torch.tensor(g))
    cp.data.backward(chainrule.tensor(g))
    assert_close(cx.grad, tx.grad, 0)


def test_pack_padded_batch_first_and_repr(torch):
    x = RNG.standard_normal((3, 4, 2)).astype(np.float32)
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), [4, 3, 1], batch_first=True)
    cp = cr_rnn.pack_padded_sequence(chainrule.tensor(x), [4, 3, 1], batch_first=True)
    assert repr(cp) == repr(tp)
    assert cp._fields == tp._fields
    assert isinstance(cp, tuple)
    data, batch_sizes, sorted_indices, unsorted_indices = cp
    assert data is cp.data and sorted_indices is None and unsorted_indices is None


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 6])
def test_pad_packed_sequence(torch, batch_first, total_length):
    x = RNG.standard_normal((4, 3, 2))
    tx, cx = leaf_pair(torch, x)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, [2, 4, 1], enforce_sorted=False)
    cp = cr_rnn.pack_padded_sequence(cx, [2, 4, 1], enforce_sorted=False)
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(
        tp, batch_first=batch_first, padding_value=-1.5, total_length=total_length)
    c_pad, c_len = cr_rnn.pad_packed_sequence(
        cp, batch_first=batch_first, padding_value=-1.5, total_length=total_length)
    assert_close(c_pad, t_pad, 0)
    assert c_len.tolist() == t_len.tolist() and c_len.dtype == chainrule.int64
    assert type(c_pad.grad_fn).__name__ == type(t_pad.grad_fn).__name__
    g = RNG.standard_normal(tuple(t_pad.shape))
    t_pad.backward(torch.tensor(g))
    c_pad.backward(chainrule.tensor(g))
    assert_close(cx.grad, tx.grad, 0)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(torch, batch_first, padding_side):
    arrays = [RNG.standard_normal((n, 2)) for n in (3, 1, 4)]
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    cseqs = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    t_out = torch.nn.utils.rnn.pad_sequence(tseqs, batch_first, 0.5, padding_side)
    c_out = cr_rnn.pad_sequence(cseqs, batch_first, 0.5, padding_side)
    assert_close(c_out, t_out, 0)
    assert type(c_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    g = RNG.standard_normal(tuple(t_out.shape))
    t_out.backward(torch.tensor(g))
    c_out.backward(chainrule.tensor(g))
    for a, b in zip(cseqs, tseqs):
        assert_close(a.grad, b.grad, 0)


def test_pad_sequence_integer_and_tensor_input(torch):
    t_out = torch.nn.utils.rnn.pad_sequence([torch.tensor([1, 2]), torch.tensor([3])],
                                            padding_value=0.5)
    c_out = cr_rnn.pad_sequence([chainrule.tensor([1, 2]), chainrule.tensor([3])],
                                padding_value=0.5)
    assert c_out.tolist() == t_out.tolist() and str(c_out.dtype) == str(t_out.dtype)
    x = RNG.standard_normal((2, 3))
    assert_close(cr_rnn.pad_sequence(chainrule.tensor(x)),
                 torch.nn.utils.rnn.pad_sequence(torch.tensor(x)), 0)


def test_pack_and_unpack_sequence_roundtrip(torch):
    arrays = [RNG.standard_normal((n, 2)) for n in (2, 4, 1)]
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays],
                                          enforce_sorted=False)
    cp = cr_rnn.pack_sequence([chainrule.tensor(a) for a in arrays], enforce_sorted=False)
    assert_close(cp.data, tp.data, 0)
    assert cp.sorted_indices.tolist() == tp.sorted_indices.tolist()
    back = cr_rnn.unpack_sequence(cp)
    assert [tuple(b.shape) for b in back] == [a.shape for a in arrays]
    for b, a in zip(back, arrays):
        np.testing.assert_array_equal(to_numpy(b), a)


def test_unpad_sequence(torch):
    x = RNG.standard_normal((4, 3, 2))
    t_res = torch.nn.utils.rnn.unpad_sequence(torch.tensor(x), torch.tensor([4, 2, 1]))
    c_res = cr_rnn.unpad_sequence(chainrule.tensor(x), chainrule.tensor([4, 2, 1]))
    assert len(c_res) == len(t_res)
    for a, b in zip(c_res, t_res):
        assert_close(a, b, 0)


def test_packed_sequence_to_and_dtype_methods(torch):
    cp = cr_rnn.pack_sequence([chainrule.randn(3, 2), chainrule.randn(2, 2)])
    assert cp.to(chainrule.float32) is cp
    d = cp.double()
    assert d.data.dtype == chainrule.float64 and d.batch_sizes.dtype == chainrule.int64
    assert isinstance(d, cr_rnn.PackedSequence) and not cp.is_cuda
    assert cr_rnn.invert_permutation(chainrule.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert cr_rnn.invert_permutation(None) is None
    again = cr_rnn.PackedSequence(cp.data, cp.batch_sizes)
    assert again.sorted_indices is None
    from_pair = cr_rnn.PackedSequence((cp.data, cp.batch_sizes))
    assert from_pair.batch_sizes is cp.batch_sizes


@pytest.mark.parametrize("call", [
    lambda R, t: R.pack_padded_sequence(t.randn(4, 3, 2), [4, 2]),
    lambda R, t: R.pack_padded_sequence(t.randn(4, 3, 2), [4, 2, 0]),
    lambda R, t: R.pack_padded_sequence(t.randn(4, 3, 2), [2, 4, 1]),
    lambda R, t: R.pack_padded_sequence(t.randn(4, 3, 2), t.tensor([[4, 2, 1]])),
    lambda R, t: R.pack_padded_sequence(t.randn(4, 3, 2), [4, 2, 1], batch_first=True),
    lambda R, t: R.pad_packed_sequence(R.pack_padded_sequence(t.randn(4, 3, 2), [4, 2, 1]),
                                       total_length=3),
    lambda R, t: R.pad_sequence([]),
    lambda R, t: R.pad_sequence(5),
    lambda R, t: R.pad_sequence([t.randn(3, 2)], padding_side="x"),
    lambda R, t: R.pack_sequence([t.randn(1, 2), t.randn(3, 2)]),
])
def test_utils_errors_match_torch(torch, call):
    _raises_like(torch, lambda t: call(t.nn.utils.rnn, t))


# ---------------------------------------------------------------------- torch.lstm & co
@pytest.mark.parametrize("name,gates", [("lstm", 4), ("gru", 3), ("rnn_tanh", 1),
                                        ("rnn_relu", 1)])
@pytest.mark.parametrize("packed", [False, True])
def test_functional_recurrences_match_torch(torch, name, gates, packed):
    H = 3
    arrays = [RNG.standard_normal(s) for s in ((gates * H, 2), (gates * H, H), (gates * H,),
                                               (gates * H,))]
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    c_params = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    x = RNG.standard_normal((2, 4, 2))  # batch_first
    h0 = RNG.standard_normal((1, 2, H))
    tx, cx = leaf_pair(torch, x)
    th, ch = leaf_pair(torch, h0)
    t_hx, c_hx = ((th, th * 2), (ch, ch * 2)) if name == "lstm" else (th, ch)
    if packed:
        tp = torch.nn.utils.rnn.pack_padded_sequence(tx, [4, 2], batch_first=True)
        cp = cr_rnn.pack_padded_sequence(cx, [4, 2], batch_first=True)
        t_res = getattr(torch, name)(tp.data, tp.batch_sizes, t_hx, t_params, True, 1, 0.0,
                                     True, False)
        c_res = getattr(chainrule, name)(cp.data, cp.batch_sizes, c_hx, c_params, True, 1,
                                         0.0, True, False)
    else:
        tx2, cx2 = tx.transpose(0, 1), cx.transpose(0, 1)
        t_res = getattr(torch, name)(tx2, t_hx, t_params, True, 1, 0.0, True, False, False)
        c_res = getattr(chainrule, name)(cx2, c_hx, c_params, True, 1, 0.0, True, False, False)
    assert len(c_res) == len(t_res)
    for a, b in zip(c_res, t_res):
        assert_close(a, b, 1e-10)
    ups = [RNG.standard_normal(tuple(t.shape)) for t in t_res]
    sum((t * torch.tensor(g)).sum() for t, g in zip(t_res, ups)).backward()
    sum((c * chainrule.tensor(g)).sum() for c, g in zip(c_res, ups)).backward()
    for a, b in zip(c_params + [cx, ch], t_params + [tx, th]):
        assert_close(a.grad, b.grad, 1e-10)


@pytest.mark.parametrize("name,gates,pair_state", [("lstm_cell", 4, True), ("gru_cell", 3, False),
                                                   ("rnn_tanh_cell", 1, False),
                                                   ("rnn_relu_cell", 1, False)])
@pytest.mark.parametrize("bias", [True, False])
def test_functional_cells_match_torch(torch, name, gates, pair_state, bias):
    arrays = [RNG.standard_normal(s) for s in ((gates * 3, 2), (gates * 3, 3), (gates * 3,),
                                               (gates * 3,))]
    if not bias:
        arrays = arrays[:2]
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    c_params = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    tx, cx = leaf_pair(torch, RNG.standard_normal((4, 2)))
    th, ch = leaf_pair(torch, RNG.standard_normal((4, 3)))
    t_hx, c_hx = ((th, th * 3), (ch, ch * 3)) if pair_state else (th, ch)
    t_res = getattr(torch, name)(tx, t_hx, *t_params)
    c_res = getattr(chainrule, name)(cx, c_hx, *c_params)
    t_res = t_res if isinstance(t_res, tuple) else (t_res,)
    c_res = c_res if isinstance(c_res, tuple) else (c_res,)
    for a, b in zip(c_res, t_res):
        assert_close(a, b, 1e-10)
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
    sum(t.sum() for t in t_res).backward()
    sum(c.sum() for c in c_res).backward()
    for a, b in zip(c_params + [cx, ch], t_params + [tx, th]):
        assert_close(a.grad, b.grad, 1e-10)


def test_lstm_cell_needs_two_states(torch):
    _raises_like(torch, lambda t: t.lstm_cell(t.randn(2, 3), (t.randn(2, 4),), t.randn(16, 3),
                                              t.randn(16, 4)))


@pytest.mark.parametrize("lengths", [[1], [3, 3, 3], [1, 1, 4], [5, 1, 3, 3, 2, 1], [2, 6]])
def test_packed_random_lengths_bidirectional_lstm(torch, lengths):
    tm, cm = make_pair(torch, "LSTM", 2, 3, num_layers=2, bidirectional=True, proj_size=2)
    arrays = [RNG.standard_normal((n, 2)) for n in lengths]
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    cseqs = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    tp = torch.nn.utils.rnn.pack_sequence(tseqs, enforce_sorted=False)
    cp = cr_rnn.pack_sequence(cseqs, enforce_sorted=False)
    check_forward_backward(torch, tm, cm, (tp,), (cp,), tseqs, cseqs, 1e-10)
    t_back = torch.nn.utils.rnn.unpack_sequence(tm(tp)[0])
    c_back = cr_rnn.unpack_sequence(cm(cp)[0])
    for a, b in zip(c_back, t_back):
        assert_close(a, b, 1e-10)



def test_pack_padded_sequence_gradcheck_and_gradgradcheck():
    x = chainrule.randn(3, 4, 2, dtype=chainrule.float64, requires_grad=True)

    def pack(a):
        return cr_rnn.pack_padded_sequence(a, [3, 4, 1], batch_first=True,
                                           enforce_sorted=False).data

    assert chainrule.autograd.gradcheck(pack, (x,))
    assert chainrule.autograd.gradgradcheck(pack, (x,))


# ---------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=20, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=5),
       batch_first=st.booleans(), mode=st.sampled_from(["GRU", "LSTM"]),
       bidirectional=st.booleans())
def test_packed_sequences_property(lengths, batch_first, mode, bidirectional):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(lengths))
    arrays = [rng.standard_normal((n, 2)) for n in lengths]
    t_pad = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first)
    c_pad = cr_rnn.pad_sequence([chainrule.tensor(a) for a in arrays], batch_first)
    assert_close(c_pad, t_pad, 0)
    tx, cx = leaf_pair(torch, t_pad.numpy())
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted=False)
    cp = cr_rnn.pack_padded_sequence(cx, lengths, batch_first, enforce_sorted=False)
    assert_close(cp.data, tp.data, 0)
    assert cp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    tm, cm = make_pair(torch, mode, 2, 3, bidirectional=bidirectional)
    check_forward_backward(torch, tm, cm, (tp,), (cp,), [tx], [cx], 1e-10)
    c_back, c_len = cr_rnn.pad_packed_sequence(cp, batch_first, padding_value=-2.0)
    t_back, t_len = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first, padding_value=-2.0)
    assert_close(c_back, t_back, 0)
    assert c_len.tolist() == t_len.tolist() == lengths
