"""torch.fft (chainrule/ops/fft.py): every transform on real and complex inputs (complex
ones built from two real leaves, so their gradients are checked too), with n/s trimming
and padding, dims and the three norms; complex outputs are viewed as real pairs."""
from ._base import OpInfo, S


def _vr(m, t):
    return m.view_as_real(t.resolve_conj()) if t.is_complex() else t


def _c(m, x, y):
    return m.complex(x, y)


def _real_entries():
    out = []
    for name in ("fft", "ifft", "rfft", "ihfft"):
        out.append(OpInfo(f"fft.{name}", (lambda n: lambda m, x, **k: _vr(
            m, getattr(m.fft, n)(x, **k)))(name),
            lambda A: [S(A(6)), S(A(3, 5), n=8), S(A(3, 5), n=3, dim=0),
                       S(A(4, 4), norm="ortho"), S(A(5), norm="forward"), S(A(1))]))
    for name in ("fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "ihfft2", "ihfftn"):
        out.append(OpInfo(f"fft.{name}", (lambda n: lambda m, x, **k: _vr(
            m, getattr(m.fft, n)(x, **k)))(name),
            lambda A: [S(A(4, 5)), S(A(2, 3, 4), s=(4, 2)), S(A(3, 4), norm="ortho"),
                       S(A(2, 3, 4), dim=(0, 2), norm="forward"), S(A(3, 4), s=(-1, 6))]))
    return out


def _complex_entries():
    out = []
    for name in ("fft", "ifft", "irfft", "hfft"):
        out.append(OpInfo(f"fft.{name}_complex", (lambda n: lambda m, x, y, **k: _vr(
            m, getattr(m.fft, n)(_c(m, x, y), **k)))(name),
            lambda A: [S(A(5), A(5)), S(A(3, 4), A(3, 4), n=6), S(A(3, 4), A(3, 4), n=2),
                       S(A(4, 3), A(4, 3), dim=0, norm="ortho"),
                       S(A(4), A(4), norm="forward")]))
    for name in ("fft2", "ifft2", "fftn", "ifftn", "irfft2", "irfftn", "hfft2", "hfftn"):
        out.append(OpInfo(f"fft.{name}_complex", (lambda n: lambda m, x, y, **k: _vr(
            m, getattr(m.fft, n)(_c(m, x, y), **k)))(name),
            lambda A: [S(A(3, 4), A(3, 4)), S(A(2, 3, 4), A(2, 3, 4), s=(3, 5)),
                       S(A(3, 4), A(3, 4), norm="ortho"),
                       S(A(2, 3, 3), A(2, 3, 3), dim=(0, 2), norm="forward")]))
    return out


ENTRIES = _real_entries() + _complex_entries() + [
    OpInfo("fft.fftshift", lambda m, x, **k: m.fft.fftshift(x, **k),
           lambda A: [S(A(5)), S(A(4, 5)), S(A(4, 5), dim=1), S(A(3, 4), dim=(0, 1))]),
    OpInfo("fft.ifftshift", lambda m, x, **k: m.fft.ifftshift(x, **k),
           lambda A: [S(A(5)), S(A(4, 5)), S(A(4, 5), dim=-1)]),
    OpInfo("fft.fftfreq", lambda m, n, **k: m.fft.fftfreq(n, **k),
           lambda A: [S(5), S(8, d=0.5), S(1)], grad=False),
    OpInfo("fft.rfftfreq", lambda m, n, **k: m.fft.rfftfreq(n, **k),
           lambda A: [S(5), S(8, d=0.25)], grad=False),
    OpInfo("fft.rfft_then_irfft", lambda m, x: m.fft.irfft(m.fft.rfft(x), n=x.shape[-1]),
           lambda A: [S(A(7)), S(A(2, 6))]),
]
