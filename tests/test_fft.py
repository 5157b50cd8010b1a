"""torch.fft beyond the op table: errors as torch raises them, dtypes, and programs."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _outcome(m, fn):
    try:
        out = fn(m)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", str(out.dtype), tuple(out.shape)


@pytest.mark.parametrize("fn", [
    lambda m: m.fft.rfft(m.ones(4, dtype=m.complex64)),
    lambda m: m.fft.fft(m.ones(4), n=0),
    lambda m: m.fft.fft(m.ones(4), dim=2),
    lambda m: m.fft.fftn(m.ones(4, 4), dim=(0, 0)),
    lambda m: m.fft.fftn(m.ones(4, 4), s=(2, 2, 2)),
    lambda m: m.fft.fftn(m.ones(4, 4), s=(2,), dim=(0, 1)),
    lambda m: m.fft.fft(m.ones(4), norm="bogus"),
    lambda m: m.fft.irfft(m.ones(1, dtype=m.complex64)),
    lambda m: m.fft.fft(m.arange(4)),
    lambda m: m.fft.fft(m.ones(4, dtype=m.float64)),
    lambda m: m.fft.ihfftn(m.ones(2, 3, dtype=m.complex64)),
    lambda m: m.fft.fftfreq(4, dtype=m.float64),
])
def test_errors_and_dtypes_match_torch(fn):
    assert _outcome(chainrule, fn) == _outcome(torch, fn)


def test_spectral_derivative_program():
    # Differentiate a signal through rfft -> multiply by i*k -> irfft, as spectral methods do.
    def run(m):
        n = 16
        x = m.linspace(0, 2 * np.pi, n + 1, dtype=m.float64)[:-1]
        a = m.tensor(1.5, dtype=m.float64, requires_grad=True)
        u = m.sin(a * x)
        k = m.fft.rfftfreq(n, d=1.0 / n, dtype=m.float64)
        du = m.fft.irfft(1j * k * m.fft.rfft(u), n=n)
        loss = (du ** 2).sum()
        loss.backward()
        return du.detach().numpy(), a.grad.item()
    (c_du, c_g), (t_du, t_g) = run(chainrule), run(torch)
    np.testing.assert_allclose(c_du, t_du, atol=1e-12)
    assert c_g == pytest.approx(t_g, rel=1e-12)
