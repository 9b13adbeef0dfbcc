"""Optical transmitter: RRC (Proakis §9.2), Gray QAM (TS 38.211 §5.1), Wiener phase noise."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.modulation import symbol_modulate
from softran.optical.transmitter import (
    DPTransmitter,
    laser_phase_noise,
    pulse_shape,
    qam_symbols,
    rrc_filter,
)


def _rrc_by_hand(beta: float, t: float) -> float:
    """Proakis' RRC formula at one point, unnormalised (t in symbols, not a singular point)."""
    num = math.sin(math.pi * t * (1 - beta)) + 4 * beta * t * math.cos(math.pi * t * (1 + beta))
    return num / (math.pi * t * (1 - (4 * beta * t) ** 2))


def test_rrc_values_by_hand():
    # beta = 0.5, sps = 2: h(0) = 1 - b + 4b/pi = 1.136620; h(1) = -1/(3 pi) = -0.106103;
    # t = 1/(4b) = 0.5: b/sqrt2 [(1+2/pi) sin(pi/2) + (1-2/pi) cos(pi/2)] = 0.578645
    h = rrc_filter(0.5, 2, 16)
    c = 16
    h0 = 1 - 0.5 + 2 / math.pi
    assert h[c + 2] / h[c] == pytest.approx(-1 / (3 * math.pi) / h0, rel=1e-12)
    assert h[c + 1] / h[c] == pytest.approx(0.5 / math.sqrt(2) * (1 + 2 / math.pi) / h0, rel=1e-12)
    assert h[c - 1] == h[c + 1]
    # general points against the closed form
    for k in (3, 5, 7, 11):
        assert h[c + k] / h[c] == pytest.approx(_rrc_by_hand(0.5, k / 2) / h0, rel=1e-12)


def test_rrc_singular_point_is_continuous():
    beta = 0.25                      # singular at t = 1 symbol = sps samples
    h = rrc_filter(beta, 4, 8)
    h0 = 1 - beta + 4 * beta / math.pi
    limit = (_rrc_by_hand(beta, 1 + 1e-7) + _rrc_by_hand(beta, 1 - 1e-7)) / 2
    assert h[16 + 4] / h[16] == pytest.approx(limit / h0, rel=1e-6)


@pytest.mark.parametrize("beta,sps,span", [(0.1, 4, 64), (0.25, 4, 32), (0.5, 2, 16),
                                           (1.0, 8, 8), (0.0, 2, 64)])
def test_rrc_unit_energy_symmetric(beta, sps, span):
    h = rrc_filter(beta, sps, span)
    assert h.numel() == span * sps + 1
    assert float(h.square().sum()) == pytest.approx(1.0, abs=1e-13)
    assert torch.allclose(h, h.flip(0), atol=0)
    assert int(h.argmax()) == span * sps // 2


@pytest.mark.parametrize("beta,sps,span", [(0.1, 4, 64), (0.25, 4, 32), (0.5, 2, 16)])
def test_rrc_matched_pair_is_nyquist(beta, sps, span):
    """RRC * RRC = raised cosine: zero at every non-zero multiple of T, 1 at 0 (Proakis
    §9.2). The truncation error is bounded by the tail energy cut off by ``span``, taken
    from a much longer filter: |error| <= 2 ||tail|| + ||tail||^2 (Cauchy-Schwarz)."""
    h = rrc_filter(beta, sps, span)
    rc = np.convolve(h.numpy(), h.numpy())
    c = rc.size // 2
    long = rrc_filter(beta, sps, 4096).numpy()
    mid = long.size // 2
    half = span * sps // 2
    tail = math.sqrt(long[: mid - half].dot(long[: mid - half]) * 2)
    tol = 2 * tail + tail ** 2 + 1e-12
    assert rc[c] == pytest.approx(1.0, abs=tol)
    isi = np.delete(rc[c % sps::sps], c // sps)
    assert np.abs(isi).max() < tol


def test_pulse_shape_brute_force_circular_convolution():
    g = torch.Generator().manual_seed(3)
    s = torch.randn(2, 12, dtype=torch.complex128, generator=g)
    sps, beta, span = 3, 0.3, 6
    y = pulse_shape(s, sps, beta, span)
    taps = rrc_filter(beta, sps, span).numpy() * math.sqrt(sps)
    n = 12 * sps
    ref = np.zeros((2, n), dtype=complex)
    half = (taps.size - 1) // 2
    for k in range(12):                      # reference: explicit circular sum of pulses
        for i, tap in enumerate(taps):
            ref[:, (k * sps + i - half) % n] += s[:, k].numpy() * tap
    assert np.allclose(y.numpy(), ref, atol=1e-12)


def test_pulse_shape_wraps_short_blocks():
    # fewer samples than taps: the circular sum wraps the taps several times
    s = torch.tensor([1.0 + 0j, -1.0], dtype=torch.complex128)
    y = pulse_shape(s, 2, 0.5, span=8)
    taps = rrc_filter(0.5, 2, 8).numpy() * math.sqrt(2)
    ref = np.zeros(4, dtype=complex)
    for k in range(2):
        for i, tap in enumerate(taps):
            ref[(2 * k + i - 8) % 4] += s[k].item() * tap
    assert np.allclose(y.numpy(), ref, atol=1e-12)


def test_pulse_shape_power_and_matched_filter():
    gen = torch.Generator().manual_seed(1)
    s, _ = qam_symbols(gen, "QPSK", n_pol=1, n_symbols=4096)
    s = s.to(torch.complex128)
    y = pulse_shape(s, 4, 0.2, 64)
    # periodic block: mean power = (1/N) sum |S_k|^2 |G_k|^2 / sps; for QPSK the only
    # deviation from 1 is ISI cross terms averaged over 4096 symbols
    assert float(y.abs().square().mean()) == pytest.approx(1.0, abs=0.05)
    # matched filter (the same real symmetric taps, circularly) and sampling at k sps
    taps = rrc_filter(0.2, 4, 64)
    n = y.shape[-1]
    gfull = torch.zeros(n, dtype=torch.float64).index_add_(
        0, torch.arange(-128, 129) % n, taps)
    r = torch.fft.ifft(torch.fft.fft(y) * torch.fft.fft(gfull)) / math.sqrt(4)
    assert torch.allclose(r[..., ::4], s, atol=5e-3)


def test_qam_symbols_reuses_38211_gray_mapping():
    bits = torch.randint(0, 2, (3, 2, 24), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(0))
    for mod, qm in (("QPSK", 2), ("16qam", 4), ("64QAM", 6)):
        s, b = qam_symbols(bits, mod)
        assert torch.equal(b, bits)
        assert s.shape == (3, 2, 24 // qm) and s.dtype == torch.complex64
        assert torch.equal(s, symbol_modulate(bits, mod))
    # by hand, TS 38.211 §5.1.4: bits 0011 -> I from b0, b2 = 0, 1: (1)[2 - (-1)] = 3;
    # Q from b1, b3 = 0, 1: 3; divided by sqrt(10)
    s, _ = qam_symbols(torch.tensor([[0, 0, 1, 1]], dtype=torch.uint8), "16QAM", n_pol=1)
    assert torch.allclose(s, torch.tensor([[3 + 3j]], dtype=torch.complex64) / math.sqrt(10))


def test_qam_symbols_generator_shapes_and_power():
    gen = torch.Generator().manual_seed(7)
    s, b = qam_symbols(gen, "64QAM", 2, n_symbols=20000, batch_shape=(2,))
    assert s.shape == (2, 2, 20000) and b.shape == (2, 2, 120000) and b.dtype == torch.uint8
    # unit average energy: |s|^2 for 64QAM has variance ~0.38 (levels 2/42 .. 98/42)
    p = float(s.abs().square().mean())
    assert abs(p - 1) < 5 * math.sqrt(0.4 / s.numel())


def test_laser_phase_noise_increment_variance():
    lw, fs = 1e6, 64e9
    theta = laser_phase_noise(lw, fs, (4, 50_000), torch.Generator().manual_seed(2))
    inc = torch.diff(theta, dim=-1)
    var = 2 * math.pi * lw / fs
    n = inc.numel()
    assert abs(float(inc.var()) - var) < 5 * var * math.sqrt(2 / n)
    assert abs(float(inc.mean())) < 5 * math.sqrt(var / n)
    # first sample is the first increment; zero linewidth is no phase noise
    assert torch.equal(laser_phase_noise(0.0, fs, (3, 5)), torch.zeros(3, 5, dtype=torch.float64))


def test_dp_transmitter_power_phase_noise_and_seed():
    tx = DPTransmitter(32e9, 2, "QPSK", 0.1, launch_power_dbm=3.0, linewidth=100e3, seed=5)
    field, sym, bits = tx(8192, batch_shape=(2,))
    assert field.shape == (2, 2, 16384) and field.dtype == torch.complex128
    assert sym.shape == (2, 2, 8192) and bits.shape == (2, 2, 16384)
    p = 1e-3 * 10 ** 0.3
    assert float(field.abs().square().sum(-2).mean()) == pytest.approx(p, rel=0.02)
    ideal = pulse_shape(sym.to(torch.complex128), 2, 0.1, 64) * math.sqrt(p / 2)
    ratio = field / ideal
    assert torch.allclose(ratio.abs(), torch.ones_like(ratio.abs()), atol=1e-9)
    theta = torch.angle(ratio)
    assert torch.allclose(torch.exp(1j * (theta[:, 0] - theta[:, 1])), torch.ones(2, 16384,
                          dtype=torch.complex128), atol=1e-9)      # one laser for X and Y
    inc = torch.angle(ratio[:, 0, 1:] / ratio[:, 0, :-1])
    var = 2 * math.pi * 100e3 / 64e9
    assert abs(float(inc.var()) - var) < 5 * var * math.sqrt(2 / inc.numel())
    tx2 = DPTransmitter(32e9, 2, "QPSK", 0.1, launch_power_dbm=3.0, linewidth=100e3, seed=5)
    assert torch.equal(tx2(8192, batch_shape=(2,))[0], field)
    tx.reset()
    assert torch.equal(tx(8192, batch_shape=(2,))[2], bits)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 8), st.sampled_from([0.0, 0.05, 0.5, 1.0]), st.integers(1, 20))
def test_pulse_shape_linear_and_length(sps, beta, n_sym):
    span = 4 if sps % 2 == 0 else 2 * sps
    s = torch.randn(n_sym, dtype=torch.complex128, generator=torch.Generator().manual_seed(n_sym))
    y = pulse_shape(s, sps, beta, span)
    assert y.shape == (n_sym * sps,)
    assert torch.allclose(pulse_shape(2 * s, sps, beta, span), 2 * y, atol=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError, match="beta"):
        rrc_filter(1.5, 4, 8)
    with pytest.raises(TypeError, match="beta"):
        rrc_filter("0.1", 4, 8)
    with pytest.raises(ValueError, match="odd"):
        rrc_filter(0.1, 3, 3)
    with pytest.raises(ValueError, match="sps"):
        rrc_filter(0.1, 0, 8)
    with pytest.raises(TypeError, match="complex"):
        pulse_shape(torch.ones(4), 2, 0.1, 4)
    with pytest.raises(ValueError, match="modulation"):
        qam_symbols(torch.Generator(), "8PSK", n_symbols=4)
    with pytest.raises(ValueError, match="n_symbols"):
        qam_symbols(torch.Generator(), "QPSK")
    with pytest.raises(ValueError, match="n_pol"):
        qam_symbols(torch.zeros(3, 4, dtype=torch.uint8), "QPSK", n_pol=2)
    with pytest.raises(ValueError, match="multiple"):
        qam_symbols(torch.zeros(2, 3, dtype=torch.uint8), "QPSK")
    with pytest.raises(ValueError, match="linewidth"):
        laser_phase_noise(-1.0, 1e9, (4,))
    with pytest.raises(ValueError, match="fs"):
        laser_phase_noise(1e3, 0.0, (4,))
    with pytest.raises(ValueError, match="dtype"):
        DPTransmitter(32e9, dtype=torch.float64)
    with pytest.raises(ValueError, match="symbol_rate"):
        DPTransmitter(-1.0)
    with pytest.raises(ValueError, match="n_pol"):
        DPTransmitter(32e9, n_pol=3)


def test_sizes_beyond_memory_are_refused():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match=r"^n_symbols = 1000000000000 would need"):
        qam_symbols(g, "QPSK", 2, 10**12)
    with pytest.raises(ValueError, match=r"^shape = \(1000000, 1000000\) would need"):
        laser_phase_noise(1e5, 64e9, (10**6, 10**6), g)
    with pytest.raises(ValueError, match=r"^span \* sps = 2000000000000 would need"):
        rrc_filter(0.1, 10**6, 2 * 10**6)
    with pytest.raises(ValueError, match=r"^sps = 1000000000 would need"):
        pulse_shape(torch.ones(2, 8, dtype=torch.complex64), 10**9, 0.1, span=2)
    tx = DPTransmitter(32e9, 2, "QPSK", seed=0)
    with pytest.raises(ValueError, match=r"^n_symbols = 10000000000 would need"):
        tx(10**10)
