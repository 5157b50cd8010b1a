"""torch.nn.utils.rnn: PackedSequence and the pack / pad helpers, composed of public ops.

A packed sequence stores the time steps of a batch of sequences one after another, each
step holding only the sequences still running (``batch_sizes[t]`` rows, longest first).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


def _torch():
    import chainrule
    return chainrule


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """The data and batch sizes of a packed batch of sequences (made by
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand)."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def pin_memory(self) -> PackedSequence:
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          bind(self.sorted_indices, lambda t: t.pin_memory()),
                          bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(*args, **kwargs)``; the indices follow data's device, batch_sizes
        stays as it is."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self) -> PackedSequence:
        return self.to(dtype=_torch().double)

    def float(self) -> PackedSequence:
        return self.to(dtype=_torch().float)

    def half(self) -> PackedSequence:
        return self.to(dtype=_torch().half)

    def long(self) -> PackedSequence:
        return self.to(dtype=_torch().long)

    def int(self) -> PackedSequence:
        return self.to(dtype=_torch().int)

    def short(self) -> PackedSequence:
        return self.to(dtype=_torch().short)

    def char(self) -> PackedSequence:
        return self.to(dtype=_torch().int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_torch().uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return self.data.is_pinned()


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None)."""
    if permutation is None:
        return None
    torch = _torch()
    output = torch.empty_like(permutation)
    output.scatter_(0, permutation, torch.arange(0, permutation.numel()))
    return output


def _batch_sizes(lengths: list, batch_size: int) -> list:
    if len(lengths) != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch_size})")
    if lengths and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0] if lengths else 0)]


def pack_padded_sequence(input: Tensor, lengths: Tensor | list, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of
    the given lengths; ``enforce_sorted=False`` sorts them (longest first) and remembers
    the order."""
    torch = _torch()
    if not isinstance(lengths, Tensor):
        lengths = torch.as_tensor(lengths, dtype=torch.int64)
    else:
        lengths = lengths.to(dtype=torch.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = torch.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lengths.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.ndim}D cpu Long tensor")
    if batch_first:
        input = input.transpose(0, 1)
    sizes = _batch_sizes(lengths.tolist(), input.shape[1])
    if len(sizes) > input.shape[0]:
        raise RuntimeError(f"the longest length {len(sizes)} is more than the {input.shape[0]} "
                           f"time steps of the padded input")
    from ...ops.nn.rnn import _pack_padded_sequence
    data = _pack_padded_sequence(input, sizes)
    batch_sizes = torch.tensor(sizes, dtype=torch.int64)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch and the lengths (int64), in the
    original order of the sequences."""
    torch = _torch()
    sizes = sequence.batch_sizes.tolist()
    max_seq_length = len(sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    batch = sizes[0] if sizes else 0
    padded = torch.full((max_seq_length, batch) + tuple(data.shape[1:]), padding_value,
                        dtype=data.dtype)
    offset = 0
    for t, b in enumerate(sizes):
        padded[t, :b] = data[offset:offset + b]
        offset += b
    lengths = torch.tensor([sum(1 for b in sizes if b > i) for i in range(batch)],
                           dtype=torch.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, unsorted_indices),
                lengths[unsorted_indices])
    return padded, lengths


def pad_sequence(sequences: Tensor | list, batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (each (L_i, *)) into (T, B, *) (or (B, T, *)),
    filling the rest with ``padding_value`` on the right (or the left)."""
    torch = _torch()
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    first = sequences[0]
    if first.ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    trailing = tuple(first.shape[1:])
    max_len = max(s.shape[0] for s in sequences)
    batch = len(sequences)
    shape = (batch, max_len) if batch_first else (max_len, batch)
    out = torch.full(shape + trailing, padding_value, dtype=first.dtype)
    for i, seq in enumerate(sequences):
        length = seq.shape[0]
        steps = slice(0, length) if padding_side == "right" else slice(max_len - length, None)
        if batch_first:
            out[i, steps] = seq
        else:
            out[steps, i] = seq
    return out


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor,
                   batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (a list of (L_i, *) tensors)."""
    torch = _torch()
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    idx = torch.arange(padded_sequences.shape[1])
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences: list, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (each (L_i, *)), longest first unless
    ``enforce_sorted=False``."""
    torch = _torch()
    lengths = torch.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """Undo :func:`pack_sequence`: the list of sequences in their original order."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
