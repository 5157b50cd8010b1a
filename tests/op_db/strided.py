"""as_strided: a view of the input's storage with given sizes, strides and storage offset
(AsStridedBackward0), on fresh tensors, on views (whose storage offset is not 0), with
repeated output elements (summed in the gradient) and repeated input elements (divided)."""
from __future__ import annotations

from ._base import OpInfo, S


def _samples(A):
    return [
        S(A(3, 3), (2, 2), (1, 2), 1),
        S(A(6), (2, 2), (1, 1)),          # output elements overlap
        S(A(4), (3,), (0,), 2),           # one element repeated
        S(A(2, 3), (), (), 4),            # 0-d
        S(A(5), (0, 2), (1, 1)),          # empty
        S(A(2, 3), (3, 2), (1, 3)),       # a transposed reading
    ]


ENTRIES = [
    OpInfo("as_strided", lambda m, x, size, stride, *off: m.as_strided(x, size, stride, *off),
           _samples),
    OpInfo("as_strided_storage_offset_kw",
           lambda m, x: m.as_strided(x, (2,), (2,), storage_offset=1), lambda A: [S(A(5))]),
    OpInfo("Tensor.as_strided", lambda m, x: x.as_strided((2, 2), (2, 1), 1),
           lambda A: [S(A(2, 3))]),
    # of a view: the default storage offset is the view's own (here 1)
    OpInfo("as_strided_of_slice", lambda m, x: m.as_strided(x[1:], (2,), (1,)),
           lambda A: [S(A(4))]),
    OpInfo("as_strided_of_transpose", lambda m, x: x.t().as_strided((2, 2), (1, 3), 1),
           lambda A: [S(A(3, 3))]),
    # the input's own elements repeat (an expanded view): torch divides by the count
    OpInfo("as_strided_of_expanded", lambda m, x: x.expand(2, 3).as_strided((2,), (1,), 1),
           lambda A: [S(A(3))]),
    OpInfo("as_strided_chain", lambda m, x: (x * 2).as_strided((2, 2), (1, 1)).sum(0),
           lambda A: [S(A(4))]),
]
