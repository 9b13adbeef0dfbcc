"""Carrier recovery: 4th-power FOE, Viterbi-Viterbi, blind phase search (Pfau 2009)."""

import math

import pytest
import torch
from dsp_signals import ber_tolerance, dp_qam

from softran.nr.modulation import symbol_demodulate
from softran.optical.dsp import (
    blind_phase_search,
    frequency_offset_compensate,
    frequency_offset_estimate,
    unwrap_phase,
    viterbi_viterbi,
)
from softran.optical.metrics import align_symbols, ber, theoretical_ber


def noisy(s, snr_db, g):
    n = torch.complex(torch.randn(s.shape, generator=g, dtype=torch.float64),
                      torch.randn(s.shape, generator=g, dtype=torch.float64))
    return s + n * math.sqrt(10 ** (-snr_db / 10) / 2)


def wiener(shape, linewidth_ts, g):
    """Laser phase noise: increments N(0, 2 pi dnu Ts) (Savory 2010 eq. (26))."""
    inc = torch.randn(shape, generator=g, dtype=torch.float64) * math.sqrt(
        2 * math.pi * linewidth_ts)
    return torch.cumsum(inc, -1)


@pytest.mark.parametrize("mod,f_norm", [("QPSK", 0.0123), ("QPSK", -0.06), ("16QAM", 0.031)])
def test_frequency_offset_estimate_accuracy(mod, f_norm):
    g = torch.Generator().manual_seed(2)
    _, s = dp_qam(mod, 4096, g)
    n = torch.arange(4096, dtype=torch.float64)
    x = noisy(s, 15.0, g) * torch.polar(torch.ones(4096, dtype=torch.float64),
                                        2 * math.pi * f_norm * n + 0.4)
    rs = 32e9
    f_hat = frequency_offset_estimate(x, rs)
    # 4x zero-padded periodogram + parabolic peak: well inside 1e-4 of the symbol rate
    assert abs(f_hat.item() / rs - f_norm) < 1e-4
    y = frequency_offset_compensate(x, f_hat, rs)
    rot = (y * s.conj()).sum(-1)                    # constant residual phase only
    assert (rot.abs() / (s.abs().square().sum(-1)) > 0.85).all()


def test_frequency_offset_batch_shape():
    g = torch.Generator().manual_seed(3)
    _, s = dp_qam("QPSK", 1024, g)
    n = torch.arange(1024)
    offs = torch.tensor([0.01, -0.02, 0.1])
    x = s * torch.polar(torch.ones(3, 1, 1024), 2 * math.pi * offs[:, None, None] * n)
    f = frequency_offset_estimate(x, 1.0)
    assert f.shape == (3,)
    assert torch.allclose(f, offs.double(), atol=2e-4)


def test_unwrap_phase_by_hand():
    th = torch.tensor([0.7, -0.8, -0.7, 0.75, 0.0])
    # 0.7 -> -0.8 + pi/2 = 0.7708 -> -0.7 + pi/2 = 0.8708 -> 0.75 -> 0.0 + pi/2? |0.75-0|<pi/4: 0
    exp = torch.tensor([0.7, -0.8 + math.pi / 2, -0.7 + math.pi / 2, 0.75, 0.0])
    assert torch.allclose(unwrap_phase(th), exp, atol=1e-6)


def test_viterbi_viterbi_qpsk_with_phase_noise():
    g = torch.Generator().manual_seed(7)
    n_sym, snr_db = 2 ** 15, 10.0
    bits, s = dp_qam("QPSK", n_sym, g)
    theta = wiener(s.shape, 1e-4, g) + 0.3
    x = noisy(s, snr_db, g) * torch.polar(torch.ones_like(theta), theta)
    y, th = viterbi_viterbi(x, n_half=10)
    y = align_symbols(y, s)
    b = ber(y, bits, "QPSK")
    p = theoretical_ber("QPSK", snr_db).item()
    # VV penalty at dnu Ts = 1e-4 is well under 0.5 dB for QPSK
    assert (b < theoretical_ber("QPSK", snr_db - 0.5).item()).all(), (b, p)
    # the estimate follows the laser phase (modulo pi/2, up to the window's noise)
    err = (th - theta) - (th - theta)[..., :1]
    err = err - (math.pi / 2) * torch.round(err / (math.pi / 2))
    assert err.abs().mean() < 0.1


def test_blind_phase_search_16qam_linewidth_1e4():
    """Pfau 2009: BPS tolerates dnu Ts ~ 1e-4 for 16QAM with a penalty < 1 dB at BER 1e-3."""
    g = torch.Generator().manual_seed(9)
    n_sym, snr_db = 2 ** 15, 17.0
    bits, s = dp_qam("16QAM", n_sym, g)
    theta = wiener(s.shape, 1e-4, g)
    x = noisy(s, snr_db, g) * torch.polar(torch.ones_like(theta), theta)
    y, _ = blind_phase_search(x.to(torch.complex64), "16QAM", n_test_phases=32, n_half=12)
    y = align_symbols(y, s.to(torch.complex64))
    b = ber(y, bits, "16QAM")
    p_ideal = theoretical_ber("16QAM", snr_db).item()
    assert (b > p_ideal - ber_tolerance(p_ideal, bits.shape[-1])).all()     # not magic
    assert (b < theoretical_ber("16QAM", snr_db - 1.0).item()).all(), (b, p_ideal)


def test_bps_and_vv_remove_static_phase_exactly_without_noise():
    g = torch.Generator().manual_seed(1)
    bits, s = dp_qam("64QAM", 512, g)
    x = (s * complex(math.cos(0.2), math.sin(0.2))).to(torch.complex64)
    y, th = blind_phase_search(x, "64QAM", n_test_phases=256)
    assert torch.equal(symbol_demodulate(y, "64QAM"), bits)
    assert (th - 0.2).abs().max() < math.pi / 2 / 256
    bits, s = dp_qam("QPSK", 512, g)                  # s^4 = -1: VV is exact for QPSK
    y, th = viterbi_viterbi((s * complex(math.cos(0.2), math.sin(0.2))).to(torch.complex64))
    assert torch.allclose(th, torch.full_like(th, 0.2), atol=1e-5)
    assert torch.equal(symbol_demodulate(y, "QPSK"), bits)


def test_bad_inputs():
    x = torch.zeros(2, 64, dtype=torch.complex64)
    with pytest.raises(ValueError, match="n_test_phases"):
        blind_phase_search(x, "16QAM", n_test_phases=1)
    with pytest.raises(ValueError, match="modulation"):
        blind_phase_search(x, "8PSK")
    with pytest.raises(ValueError, match="n_half"):
        viterbi_viterbi(x, n_half=-1)
    with pytest.raises(TypeError, match="complex"):
        viterbi_viterbi(torch.zeros(4))
    with pytest.raises(ValueError, match="fs"):
        frequency_offset_estimate(x, -1.0)
    with pytest.raises(ValueError, match="n_fft"):
        frequency_offset_estimate(x, 1.0, n_fft=8)
    with pytest.raises(ValueError, match="dimension"):
        frequency_offset_estimate(torch.zeros(8, dtype=torch.complex64), 1.0)
    with pytest.raises(ValueError, match="finite"):
        viterbi_viterbi(torch.full((4,), float("nan"), dtype=torch.complex64))


def test_search_sizes_beyond_memory_are_refused():
    x = torch.ones(1, 64, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"^n_fft = 1000000000000 would need"):
        frequency_offset_estimate(x, 1.0, n_fft=10**12)
    with pytest.raises(ValueError, match=r"^n_test_phases = 100000000000 would need"):
        blind_phase_search(x, "QPSK", n_test_phases=10**11)
