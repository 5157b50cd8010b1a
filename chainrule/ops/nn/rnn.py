"""The recurrence behind nn.RNN, nn.LSTM and nn.GRU, and torch's functional forms of it
(``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``, ``torch.rnn_relu`` and the ``*_cell``
steps), composed of public chainrule ops: no rules of their own.

Each layer and direction projects its whole input with one matmul (``x W_ih^T + b``), then
loops over time doing only the hidden matmul (``addmm``) and the gate arithmetic. Padded
input (T, B, F) and packed input (sum(batch_sizes), F) share one loop: a step's rows are
the first ``batch_sizes[t]`` sequences, so the batch shrinks (forward direction) or grows
(reverse direction) as sequences end, exactly as torch's packed layers do.
"""
from __future__ import annotations

from typing import Callable

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from .dropout import dropout as _dropout
from .linear import linear as _linear

__all__ = ["gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu", "rnn_relu_cell", "rnn_tanh",
           "rnn_tanh_cell"]


def _torch():
    import chainrule
    return chainrule


def _step_fn(mode: str, w_hh_t: Tensor, b_hh: Tensor | None,
             w_hr_t: Tensor | None) -> Callable:
    """One time step ``state -> state`` for the mode; ``x_t`` is the step's projected input
    (for RNN and LSTM it already holds both biases)."""
    torch = _torch()
    if mode == "LSTM":
        def lstm_step(x_t, state):
            h, c = state
            gates = torch.addmm(x_t, h, w_hh_t)
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            if w_hr_t is not None:
                h = h.mm(w_hr_t)
            return h, c
        return lstm_step
    if mode == "GRU":
        def gru_step(x_t, state):
            h = state[0]
            gh = h.mm(w_hh_t) if b_hh is None else torch.addmm(b_hh, h, w_hh_t)
            i_r, i_z, i_n = x_t.chunk(3, 1)
            h_r, h_z, h_n = gh.chunk(3, 1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            return ((h - n) * z + n,)
        return gru_step
    act = torch.tanh if mode == "RNN_TANH" else torch.relu

    def rnn_step(x_t, state):
        return (act(torch.addmm(x_t, state[0], w_hh_t)),)
    return rnn_step


def _run_direction(step: Callable, steps: list, batch_sizes: list | None, hidden: tuple,
                   reverse: bool) -> tuple[list, tuple]:
    """Run ``step`` over the time steps; returns the per-step outputs (in time order) and
    the final state, each state tensor over the full batch."""
    torch = _torch()
    outputs = []
    full = hidden[0].shape[0]
    if batch_sizes is None:
        state = hidden
        for x_t in (reversed(steps) if reverse else steps):
            state = step(x_t, state)
            outputs.append(state[0])
        if reverse:
            outputs.reverse()
        return outputs, state
    if reverse:
        last = batch_sizes[-1]
        state = hidden if last == full else tuple(s[:last] for s in hidden)
        for t in range(len(steps) - 1, -1, -1):
            b = batch_sizes[t]
            if b > last:
                state = tuple(torch.cat([s, s0[last:b]]) for s, s0 in zip(state, hidden))
                last = b
            state = step(steps[t], state)
            outputs.append(state[0])
        outputs.reverse()
        return outputs, state
    finished = []
    last = full
    state = hidden
    for t, x_t in enumerate(steps):
        b = batch_sizes[t]
        if b < last:
            finished.append(tuple(s[b:last] for s in state))
            state = tuple(s[:b] for s in state)
            last = b
        state = step(x_t, state)
        outputs.append(state[0])
    if finished:
        finished.append(state)
        finished.reverse()
        state = tuple(torch.cat(list(parts)) for parts in zip(*finished))
    return outputs, state


def run_rnn(mode: str, input: Tensor, batch_sizes: list | None, hidden: tuple,
            weights: list, has_bias: bool, num_layers: int, dropout: float, training: bool,
            bidirectional: bool, proj_size: int) -> tuple[Tensor, tuple]:
    """The multi-layer recurrence: ``input`` is (T, B, F) when ``batch_sizes`` is None, else
    packed data (N, F); ``hidden`` holds the initial states, each (layers*dirs, B, *).
    Returns the last layer's output and the final states stacked as torch stacks them."""
    torch = _torch()
    num_directions = 2 if bidirectional else 1
    per = (4 if has_bias else 2) + (1 if proj_size > 0 else 0)
    initial = [h.unbind(0) for h in hidden]
    finals: list = [[] for _ in hidden]
    layer_input = input
    for layer in range(num_layers):
        if layer > 0 and dropout > 0 and training:
            layer_input = _dropout(layer_input, dropout, True)
        dir_outputs = []
        for direction in range(num_directions):
            index = layer * num_directions + direction
            group = weights[index * per:(index + 1) * per]
            w_ih, w_hh = group[0], group[1]
            b_ih, b_hh = (group[2], group[3]) if has_bias else (None, None)
            w_hr = group[-1] if proj_size > 0 else None
            in_bias = b_ih
            if has_bias and mode != "GRU":
                in_bias = b_ih + b_hh
            projected = _linear(layer_input, w_ih, in_bias)
            steps = (projected.unbind(0) if batch_sizes is None
                     else projected.split(batch_sizes))
            step = _step_fn(mode, w_hh.t(), b_hh if mode == "GRU" else None,
                            None if w_hr is None else w_hr.t())
            state0 = tuple(h[index] for h in initial)
            outputs, state = _run_direction(step, list(steps), batch_sizes, state0,
                                            reverse=direction == 1)
            dir_outputs.append(torch.stack(outputs) if batch_sizes is None
                               else torch.cat(outputs))
            for kept, s in zip(finals, state):
                kept.append(s)
        layer_input = (dir_outputs[0] if num_directions == 1
                       else torch.cat(dir_outputs, dim=-1))
    return layer_input, tuple(torch.stack(kept) for kept in finals)


_MODES = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN_TANH", "rnn_relu": "RNN_RELU"}


def rnn_forward(mode: str, input: Tensor, batch_sizes: list | None, hidden: tuple,
                params: list, has_biases: bool, num_layers: int, dropout: float, train: bool,
                bidirectional: bool, batch_first: bool) -> tuple[Tensor, tuple]:
    """The whole layer stack: ``(output, final states)``; padded input is (T, B, F) or, with
    ``batch_first``, (B, T, F); packed input is its data with ``batch_sizes`` (a list)."""
    hidden_size = hidden[-1].shape[-1]
    proj_size = hidden[0].shape[-1] if mode == "LSTM" and hidden_size != hidden[0].shape[-1] \
        else 0
    if batch_sizes is None:
        if batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    output, finals = run_rnn(mode, input, batch_sizes, hidden, list(params), has_biases,
                             num_layers, dropout, train, bidirectional, proj_size)
    if batch_sizes is None and batch_first:
        output.transpose_(0, 1)  # in place, as torch (TransposeBackward1)
    return output, finals


def _functional(name: str):
    mode = _MODES[name]

    def fn(*args):
        # the packed overload puts batch_sizes before hx: (data, batch_sizes, hx, params...)
        packed = not isinstance(args[1 if mode == "LSTM" else 2], (list, tuple))
        if packed:
            data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, \
                bidirectional = args
            batch_sizes = batch_sizes.tolist()
            batch_first = False
        else:
            data, hx, params, has_biases, num_layers, dropout, train, bidirectional, \
                batch_first = args
            batch_sizes = None
        hidden = tuple(hx) if mode == "LSTM" else (hx,)
        if mode == "LSTM" and len(hidden) != 2:
            raise RuntimeError("lstm expects two hidden states")
        output, finals = rnn_forward(mode, data, batch_sizes, hidden, params, has_biases,
                                     num_layers, dropout, train, bidirectional, batch_first)
        return (output,) + finals
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"torch.{name}: the multi-layer recurrence of nn.{mode.split('_')[0]} "
                  "on raw weights (``params`` in ``_flat_weights`` order); returns "
                  + ("``(output, h_n, c_n)``." if mode == "LSTM" else "``(output, h_n)``."))
    return fn


lstm = _functional("lstm")
gru = _functional("gru")
rnn_tanh = _functional("rnn_tanh")
rnn_relu = _functional("rnn_relu")


def _check_cell(input: Tensor, hiddens: tuple, w_ih: Tensor, w_hh: Tensor) -> None:
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                           f"expected {w_ih.size(1)}")
    for index, hx in enumerate(hiddens):
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match "
                               f"hidden{index} batch size {hx.size(0)}")
        if hx.size(1) != w_hh.size(1):
            raise RuntimeError(f"hidden{index} has inconsistent hidden_size: got "
                               f"{hx.size(1)}, expected {w_hh.size(1)}")


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step (gates i, f, g, o): ``(h', c')``."""
    torch = _torch()
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    _check_cell(input, tuple(hx), w_ih, w_hh)
    gates = _linear(hx[0], w_hh, b_hh) + _linear(input, w_ih, b_ih)
    i, f, g, o = gates.chunk(4, 1)
    cy = torch.sigmoid(f) * hx[1] + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(cy), cy


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (gates r, z, n): ``h' = (h - n) * z + n``."""
    torch = _torch()
    _check_cell(input, (hx,), w_ih, w_hh)
    i_r, i_z, i_n = _linear(input, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _linear(hx, w_hh, b_hh).chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (hx - n) * z + n


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step: ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _torch().tanh(_linear(input, w_ih, b_ih) + _linear(hx, w_hh, b_hh))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman step with ReLU: ``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _torch().relu(_linear(input, w_ih, b_ih) + _linear(hx, w_hh, b_hh))


# ---------------------------------------------------------------------- packing
def _pack_rows(xp, x, batch_sizes):
    """(T, B, *) time-major -> the packed data: step t's first batch_sizes[t] rows."""
    return xp.concatenate([x[t, :b] for t, b in enumerate(batch_sizes)], axis=0)


def _unpack_rows(xp, g, input_size, batch_sizes):
    out = xp.zeros(tuple(input_size), dtype=g.dtype)
    offset = 0
    for t, b in enumerate(batch_sizes):
        out[t, :b] = g[offset:offset + b]
        offset += b
    return out


# the packing is linear: its backward scatters the rows back into zeros, whose backward
# packs again (torch: PackPaddedSequenceBackward0 and _pack_padded_sequence_backward)
PACK_PADDED_SEQUENCE = op(
    "_pack_padded_sequence", _pack_rows, params=("batch_sizes",),
    vjps=(lambda F, g, x_shape, batch_sizes:
          F._pack_padded_sequence_backward(g, tuple(x_shape), batch_sizes),),
    grad_fn="PackPaddedSequenceBackward0")
PACK_PADDED_SEQUENCE_BACKWARD = op(
    "_pack_padded_sequence_backward", _unpack_rows, params=("input_size", "batch_sizes"),
    vjps=(lambda F, g, batch_sizes: F._pack_padded_sequence(g, batch_sizes),),
    grad_fn="PackPaddedSequenceBackwardBackward0")


@expose(method=False, internal=True)
def _pack_padded_sequence(input: Tensor, batch_sizes) -> Tensor:
    """The packed data of a time-major padded batch (T, B, *) whose step t holds
    ``batch_sizes[t]`` sequences (PackPaddedSequenceBackward0)."""
    return dispatch(PACK_PADDED_SEQUENCE, (input,), {"batch_sizes": tuple(batch_sizes)})


@expose(method=False, internal=True)
def _pack_padded_sequence_backward(grad: Tensor, input_size, batch_sizes) -> Tensor:
    """The transpose of packing: the packed rows scattered into a zero (T, B, *) batch."""
    return dispatch(PACK_PADDED_SEQUENCE_BACKWARD, (grad,),
                    {"input_size": tuple(input_size), "batch_sizes": tuple(batch_sizes)})
