"""The op table of the resampling family (chainrule/ops/nn/sampling.py, grid.py): pixel
and channel shuffles, interpolate in every mode, grid_sample and affine_grid."""
from __future__ import annotations

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _interp(mode, nd):
    def samples(A):
        shape = {1: (2, 3, 5), 2: (2, 2, 4, 5), 3: (1, 2, 3, 4, 3)}[nd]
        out = [S(A(*shape), scale_factor=2), S(A(*shape), size=(3, 7, 2)[:nd]),
               S(A(*shape), scale_factor=(1.7, 0.6, 2.5)[:nd]),
               S(A(*shape), scale_factor=2.3, recompute_scale_factor=True),
               S(A(*shape), size=(1, 9, 4)[:nd])]
        if mode not in ("nearest", "nearest-exact", "area"):
            out += [S(A(*shape), scale_factor=1.5, align_corners=True),
                    S(A(*shape), size=(1, 6, 5)[:nd], align_corners=True)]
        return [S(*s.args, mode=mode, **s.kwargs) for s in out]
    return samples


def _grid(A, n, spatial, nd, on_border=False):
    g = A(n, *spatial, nd, lo=-1.2, hi=1.2)
    if on_border:  # exactly on the border: a kink that finite differences cannot check
        g.reshape(-1)[:4] = (1.0, -1.0, -1.0, 1.0)
    return g


def _grid_sample(mode, nd, on_border=False):
    def samples(A):
        x = (2, 2, 4, 5) if nd == 2 else (1, 2, 3, 4, 3)
        spatial = (3, 2) if nd == 2 else (2, 3, 2)
        return [S(A(*x), _grid(A, x[0], spatial, nd, on_border), mode=mode, padding_mode=p,
                  align_corners=ac)
                for p in ("zeros", "border", "reflection") for ac in (False, True)]
    return samples


ENTRIES = [
    OpInfo("pixel_shuffle", lambda m, x, r: m.pixel_shuffle(x, r),
           lambda A: [S(A(2, 8, 3, 3), 2), S(A(9, 2, 2), 3), S(A(1, 2, 4, 2, 3), 2),
                      S(A(2, 3, 2, 2), 1)]),
    OpInfo("pixel_unshuffle", lambda m, x, r: m.pixel_unshuffle(x, r),
           lambda A: [S(A(2, 2, 4, 6), 2), S(A(1, 6, 3), 3), S(A(1, 2, 2, 4, 2), 2)]),
    OpInfo("nn.functional.pixel_shuffle", lambda m, x, r: _F(m).pixel_shuffle(x, r),
           lambda A: [S(A(1, 4, 2, 3), 2)]),
    OpInfo("channel_shuffle", lambda m, x, g: m.channel_shuffle(x, g),
           lambda A: [S(A(2, 6, 3, 3), 2), S(A(2, 6, 4), 3), S(A(1, 4, 2, 2, 2), 4),
                      S(A(2, 4, 3), 1)]),
    OpInfo("nn.functional.channel_shuffle", lambda m, x, g: _F(m).channel_shuffle(x, g),
           lambda A: [S(A(1, 4, 2, 2), 2)]),
    OpInfo("native_channel_shuffle", lambda m, x, g: m.native_channel_shuffle(x, g),
           lambda A: [S(A(2, 6, 3, 3), 3)], grad=False),  # torch: no derivative
] + [
    OpInfo(f"nn.functional.interpolate_{mode}_{nd}d",
           lambda m, *a, **k: _F(m).interpolate(*a, **k), _interp(mode, nd),
           atol=1e-4)
    for mode, nds in (("nearest", (1, 2, 3)), ("nearest-exact", (1, 2, 3)), ("linear", (1,)),
                      ("bilinear", (2,)), ("bicubic", (2,)), ("trilinear", (3,)),
                      ("area", (1, 2, 3)))
    for nd in nds
] + [
    OpInfo("nn.functional.upsample", lambda m, *a, **k: _F(m).upsample(*a, **k),
           lambda A: [S(A(1, 2, 3, 3), scale_factor=2),
                      S(A(1, 2, 3, 3), size=5, mode="bilinear", align_corners=False)]),
    OpInfo("nn.functional.upsample_nearest",
           lambda m, *a, **k: _F(m).upsample_nearest(*a, **k),
           lambda A: [S(A(1, 2, 3, 3), scale_factor=2), S(A(1, 2, 3), size=7)]),
    OpInfo("nn.functional.upsample_bilinear",
           lambda m, *a, **k: _F(m).upsample_bilinear(*a, **k),
           lambda A: [S(A(1, 2, 3, 3), scale_factor=2), S(A(1, 2, 3, 4), size=(5, 2))]),
] + [
    OpInfo(f"nn.functional.grid_sample_{mode}_{nd}d",
           lambda m, *a, **k: _F(m).grid_sample(*a, **k), _grid_sample(mode, nd),
           atol=1e-4, grad_atol=1e-3,
           # nearest sampling is piecewise constant in the grid: finite differences jump
           gradcheck=mode != "nearest")
    for mode, nd in (("bilinear", 2), ("nearest", 2), ("bicubic", 2), ("bilinear", 3),
                     ("nearest", 3))
] + [
    OpInfo(f"nn.functional.grid_sample_{mode}_{nd}d_on_border",
           lambda m, *a, **k: _F(m).grid_sample(*a, **k), _grid_sample(mode, nd, True),
           atol=1e-4, grad_atol=1e-3, gradcheck=False)
    for mode, nd in (("bilinear", 2), ("nearest", 2), ("bicubic", 2), ("bilinear", 3))
] + [
    OpInfo("grid_sampler", lambda m, *a: m.grid_sampler(*a),
           lambda A: [S(A(1, 2, 3, 4), _grid(A, 1, (2, 2), 2), 0, 1, False)]),
    OpInfo("grid_sampler_2d", lambda m, *a: m.grid_sampler_2d(*a),
           lambda A: [S(A(1, 2, 3, 4), _grid(A, 1, (2, 3), 2), 2, 2, True)]),
    OpInfo("grid_sampler_3d", lambda m, *a: m.grid_sampler_3d(*a),
           lambda A: [S(A(1, 1, 2, 3, 2), _grid(A, 1, (2, 1, 2), 3), 0, 0, False)]),
    OpInfo("nn.functional.affine_grid", lambda m, *a, **k: _F(m).affine_grid(*a, **k),
           lambda A: [S(A(2, 2, 3), (2, 3, 4, 5), align_corners=False),
                      S(A(1, 2, 3), [1, 1, 3, 2], align_corners=True),
                      S(A(2, 3, 4), (2, 1, 3, 2, 4), align_corners=False),
                      S(A(1, 3, 4), (1, 1, 2, 3, 2), align_corners=True)]),
    OpInfo("affine_grid_generator", lambda m, *a: m.affine_grid_generator(*a),
           lambda A: [S(A(2, 2, 3), [2, 1, 3, 3], False)]),
]
