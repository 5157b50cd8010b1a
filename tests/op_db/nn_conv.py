"""The op table of the convolution and padding families (chainrule/ops/nn/conv.py,
padding.py): every conv and conv_transpose form, convolution itself, conv_tbc, fold/unfold
and each padding mode."""
from __future__ import annotations

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _conv2d_samples(A):
    return [
        S(A(2, 3, 5, 5), A(4, 3, 3, 3), A(4)),
        S(A(3, 5, 5), A(2, 3, 2, 2)),                                   # unbatched
        S(A(1, 4, 6, 5), A(6, 2, 3, 2), A(6), stride=2, padding=1, groups=2),
        S(A(2, 2, 7, 6), A(3, 2, 3, 3), stride=(2, 1), padding=(2, 1), dilation=(2, 1)),
        S(A(1, 3, 5, 5), A(3, 1, 3, 3), A(3), padding="same", groups=3),  # depthwise
        S(A(1, 2, 5, 4), A(2, 2, 2, 3), padding="same"),                # even: asymmetric pad
        S(A(1, 2, 5, 5), A(3, 2, 3, 3), padding="valid", dilation=2),
        S(A(2, 3, 4, 4), A(5, 3, 1, 1), A(5)),                          # 1x1
        S(A(1, 2, 6, 6), A(2, 2, 2, 2), stride=2),                      # non-overlapping
        S(A(5, 8, 4, 4), A(3, 8, 2, 2), A(3), stride=2, padding=1),     # per-offset GEMMs
        S(A(6, 16, 3, 3), A(2, 16, 1, 1)),
    ]


def _conv1d_samples(A):
    return [
        S(A(2, 3, 7), A(4, 3, 3), A(4)),
        S(A(3, 6), A(2, 3, 2), stride=2),
        S(A(2, 4, 9), A(4, 2, 3), A(4), padding=2, dilation=2, groups=2),
        S(A(1, 2, 6), A(3, 2, 4), padding="same", dilation=1),
        S(A(1, 2, 6), A(3, 2, 4), padding="same", dilation=3),
    ]


def _conv3d_samples(A):
    return [
        S(A(1, 2, 4, 4, 3), A(3, 2, 2, 2, 2), A(3)),
        S(A(2, 4, 3, 3), A(2, 2, 2, 2, 1)),
        S(A(1, 2, 5, 4, 4), A(2, 1, 3, 2, 2), stride=(2, 1, 2), padding=1, groups=2),
        S(A(1, 1, 4, 4, 4), A(2, 1, 2, 2, 3), padding="same"),
    ]


def _conv_t2d_samples(A):
    return [
        S(A(2, 3, 4, 4), A(3, 2, 3, 3), A(2)),
        S(A(3, 3, 4), A(3, 4, 2, 2), stride=2),
        S(A(1, 4, 3, 3), A(4, 2, 3, 3), A(4), stride=2, padding=1, output_padding=1,
          groups=2),
        S(A(1, 2, 3, 4), A(2, 3, 2, 3), stride=(2, 1), dilation=(1, 2), output_padding=(1, 0)),
        S(A(1, 2, 3, 3), A(2, 2, 2, 2), stride=2),                     # non-overlapping
        S(A(5, 3, 3, 3), A(3, 8, 2, 2), stride=2, padding=1, output_padding=1),
    ]


def _conv_t1d_samples(A):
    return [
        S(A(2, 3, 5), A(3, 2, 3), A(2)),
        S(A(3, 4), A(3, 2, 2), stride=3, padding=1, output_padding=2),
        S(A(1, 4, 5), A(4, 1, 3), A(2), groups=2, dilation=2, output_padding=1),
    ]


def _conv_t3d_samples(A):
    return [
        S(A(1, 2, 3, 3, 2), A(2, 3, 2, 2, 2), A(3)),
        S(A(2, 2, 2, 3), A(2, 1, 2, 2, 2), stride=2, padding=1, output_padding=1),
    ]


def _pad_samples(mode):
    def samples(A):
        out = [S(A(2, 3, 5), (1, 2), mode), S(A(3, 5), (2, 0), mode),
               S(A(1, 2, 4, 5), (1, 2, 2, 1), mode), S(A(2, 4, 5), (0, 1, 3, 0), mode),
               S(A(1, 2, 3, 4, 4), (1, 1, 2, 0, 1, 2), mode), S(A(2, 3, 4, 4), (1, 0, 2, 1, 1, 2),
                                                                 mode),
               S(A(2, 3, 5), (-1, 2), mode), S(A(1, 2, 4, 5), (2, -1, -1, 1), mode)]
        if mode == "constant":
            out += [S(A(2, 3), (1, 1, 1, 1), mode, 2.5), S(A(2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1),
                                                            mode, -1.0),
                    S(A(4), (-2, -2), mode), S(A(2, 3), (0, 0), mode)]
        return out
    return samples


ENTRIES = [
    OpInfo("nn.functional.conv2d", lambda m, *a, **k: _F(m).conv2d(*a, **k), _conv2d_samples,
           atol=1e-4),
    OpInfo("nn.functional.conv2d_empty", lambda m, *a: _F(m).conv2d(*a),
           lambda A: [S(A(0, 2, 4, 4), A(3, 2, 3, 3), A(3))],
           gradcheck=False),  # gradcheck refuses an empty input's zero strides
    OpInfo("conv2d", lambda m, *a, **k: m.conv2d(*a, **k),
           lambda A: [S(A(1, 2, 4, 4), A(2, 2, 2, 2), None, 1, 1)]),
    OpInfo("nn.functional.conv1d", lambda m, *a, **k: _F(m).conv1d(*a, **k), _conv1d_samples),
    OpInfo("conv1d", lambda m, *a, **k: m.conv1d(*a, **k),
           lambda A: [S(A(1, 2, 4), A(2, 2, 2), A(2))]),
    OpInfo("nn.functional.conv3d", lambda m, *a, **k: _F(m).conv3d(*a, **k), _conv3d_samples,
           atol=1e-4),
    OpInfo("conv3d", lambda m, *a, **k: m.conv3d(*a, **k),
           lambda A: [S(A(1, 1, 3, 3, 3), A(1, 1, 2, 2, 2))]),
    OpInfo("nn.functional.conv_transpose2d",
           lambda m, *a, **k: _F(m).conv_transpose2d(*a, **k), _conv_t2d_samples, atol=1e-4),
    OpInfo("conv_transpose2d", lambda m, *a, **k: m.conv_transpose2d(*a, **k),
           lambda A: [S(A(1, 2, 3, 3), A(2, 1, 2, 2), None, 2)]),
    OpInfo("nn.functional.conv_transpose1d",
           lambda m, *a, **k: _F(m).conv_transpose1d(*a, **k), _conv_t1d_samples),
    OpInfo("conv_transpose1d", lambda m, *a, **k: m.conv_transpose1d(*a, **k),
           lambda A: [S(A(1, 2, 3), A(2, 1, 2))]),
    OpInfo("nn.functional.conv_transpose3d",
           lambda m, *a, **k: _F(m).conv_transpose3d(*a, **k), _conv_t3d_samples, atol=1e-4),
    OpInfo("conv_transpose3d", lambda m, *a, **k: m.conv_transpose3d(*a, **k),
           lambda A: [S(A(1, 1, 2, 2, 2), A(1, 1, 2, 2, 2))]),
    OpInfo("convolution", lambda m, *a: m.convolution(*a),
           lambda A: [S(A(1, 2, 4, 4), A(3, 2, 2, 2), A(3), [1, 1], [1, 0], [1, 1], False,
                        [0, 0], 1),
                      S(A(1, 2, 3, 3), A(2, 3, 2, 2), None, [2, 2], [0, 0], [1, 1], True,
                        [1, 1], 1)]),
    OpInfo("conv_tbc", lambda m, *a: m.conv_tbc(*a),
           lambda A: [S(A(5, 2, 3), A(3, 3, 4), A(4), 1), S(A(4, 1, 2), A(2, 2, 3), A(3))],
           gradgrad=False),  # torch's conv_tbc_backward has no derivative
    OpInfo("constant_pad_nd", lambda m, x, p, v=0: m.constant_pad_nd(x, p, v),
           lambda A: [S(A(2, 3), (1, 2), 1.5), S(A(2, 3, 4), (-1, 1, 0, 2))]),
] + [
    OpInfo(f"nn.functional.pad_{mode}", lambda m, *a: _F(m).pad(*a), _pad_samples(mode))
    for mode in ("constant", "reflect", "replicate", "circular")
]



def _unfold_samples(A):
    return [S(A(2, 3, 5, 5), 2), S(A(2, 4, 4), (2, 3), 1, 1, 2),
            S(A(1, 2, 6, 7), 3, (2, 1), (1, 0), (1, 2)), S(A(1, 1, 4, 4), 2, stride=2)]


def _fold_samples(A):
    return [S(A(2, 12, 16), (5, 5), 2), S(A(12, 4), (3, 4), (2, 3), 1, 1, 2),
            S(A(1, 18, 12), (6, 7), 3, (2, 1), (1, 0), (1, 2)), S(A(1, 4, 4), 4, 2, stride=2)]


ENTRIES += [
    OpInfo("nn.functional.unfold", lambda m, *a, **k: _F(m).unfold(*a, **k), _unfold_samples),
    OpInfo("nn.functional.fold", lambda m, *a, **k: _F(m).fold(*a, **k), _fold_samples),
]
