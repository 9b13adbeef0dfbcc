"""Metrics: Q by hand, exact QAM BER vs brute force and Monte Carlo, GMI/MI, FEC table."""

import math

import numpy as np
import pytest
import torch
from dsp_signals import awgn, ber_tolerance, dp_qam, shape

from softran.nr.modulation import symbol_modulate
from softran.optical.dsp import matched_filter
from softran.optical.metrics import (
    FEC_THRESHOLDS,
    align_symbols,
    ber,
    ber_from_q,
    evm,
    gmi,
    mi,
    pre_fec_margin,
    q_factor,
    ser,
    snr,
    snr_from_evm,
    theoretical_ber,
    theoretical_ser,
)


def q_func(x):
    return 0.5 * math.erfc(x / math.sqrt(2))


def test_q_factor_by_hand():
    # Q(3.0902) = 1e-3 -> 20 log10(3.0902) = 9.7998 dB; Q(6) = 9.8659e-10 (Q-function table)
    assert q_factor(1e-3).item() == pytest.approx(20 * math.log10(3.090232), abs=1e-4)
    assert q_factor(9.8659e-10).item() == pytest.approx(20 * math.log10(6.0), abs=1e-3)
    # 3.8e-3 <-> 8.53 dB (the HD-FEC limit as usually quoted)
    assert q_factor(3.8e-3).item() == pytest.approx(8.53, abs=0.005)
    q = torch.tensor([5.0, 7.0, 12.0], dtype=torch.float64)
    assert torch.allclose(q_factor(ber_from_q(q)), q)


def test_fec_thresholds_and_margin():
    assert FEC_THRESHOLDS["400ZR-CFEC"] == 1.22e-2
    assert FEC_THRESHOLDS["HD-FEC-7%"] == 3.8e-3
    assert FEC_THRESHOLDS["SD-FEC-20%"] == 2.0e-2
    assert pre_fec_margin(1.22e-2).item() == pytest.approx(0.0, abs=1e-12)
    # Q(1e-3) - Q(3.8e-3) by hand: 9.7998 - 8.5335
    m = pre_fec_margin(1e-3, "hd-fec-7%").item()
    assert m == pytest.approx(20 * math.log10(3.090232 / 2.669199), abs=1e-3)
    assert pre_fec_margin(2e-2, 1e-2).item() < 0
    with pytest.raises(TypeError):
        FEC_THRESHOLDS["x"] = 1.0                                  # read-only
    with pytest.raises(ValueError, match="fec"):
        pre_fec_margin(1e-3, "RS-FEC")


def _brute_force_ber(m, snr_lin):
    """Gray-labelled sqrt(M)-PAM per axis: exact BER from the decision regions (Q-functions)."""
    L = math.isqrt(m)
    k = int(math.log2(L))
    scale = math.sqrt(2 * (m - 1) / 3)
    levels = np.arange(-(L - 1), L, 2) / scale                   # ascending
    gray = [i ^ (i >> 1) for i in range(L)]                      # any Gray labelling of PAM
    sigma = math.sqrt(1 / snr_lin / 2)
    bounds = np.concatenate([[-np.inf], (levels[:-1] + levels[1:]) / 2, [np.inf]])
    total = 0.0
    for t in range(L):
        for r in range(L):
            if r == t:
                continue
            lo, hi = bounds[r], bounds[r + 1]
            p = q_func((lo - levels[t]) / sigma) - (q_func((hi - levels[t]) / sigma)
                                                    if np.isfinite(hi) else 0.0)
            if not np.isfinite(lo):
                p = 1 - q_func((hi - levels[t]) / sigma)
            total += p * bin(gray[t] ^ gray[r]).count("1")
    return total / L / k


@pytest.mark.parametrize("mod", ["QPSK", "16QAM", "64QAM", "256QAM"])
@pytest.mark.parametrize("snr_db", [4.0, 12.0, 20.0])
def test_theoretical_ber_equals_brute_force(mod, snr_db):
    m = {"QPSK": 4, "16QAM": 16, "64QAM": 64, "256QAM": 256}[mod]
    exp = _brute_force_ber(m, 10 ** (snr_db / 10))
    assert theoretical_ber(mod, snr_db).item() == pytest.approx(exp, rel=1e-9)


def test_theoretical_ser_qpsk_by_hand():
    p = q_func(math.sqrt(10))
    assert theoretical_ser("QPSK", 10.0).item() == pytest.approx(2 * p - p * p, rel=1e-12)


@pytest.mark.parametrize("mod,snr_db", [("QPSK", 8.0), ("16QAM", 14.0)])
def test_back_to_back_ber_matches_theory(mod, snr_db):
    """DP signal, RRC at 2 sps, AWGN at Es/N0, matched filter, symbol-spaced hard decisions."""
    g = torch.Generator().manual_seed(21)
    n_sym = 2 ** 16
    bits, s = dp_qam(mod, n_sym, g)
    r = matched_filter(awgn(shape(s, 2, 0.1), snr_db, 2, g), 2, 0.1, span=128)
    y = r[:, ::2] / math.sqrt(2)            # shape() has gain sqrt(sps), the MF unit energy
    p = theoretical_ber(mod, snr_db).item()
    n_bits = bits.numel()
    b = ber(y.reshape(1, -1), bits.reshape(1, -1), mod).item()
    # Gray QAM bit errors are nearly independent; a 5-sigma binomial band (x1.5 for the
    # residual correlation of the two bits of one axis)
    assert abs(b - p) < 1.5 * ber_tolerance(p, n_bits), (b, p)
    s_hat = ser(y.reshape(1, -1), s.reshape(1, -1), mod).item()
    p_s = theoretical_ser(mod, snr_db).item()
    assert abs(s_hat - p_s) < ber_tolerance(p_s, n_sym * 2)
    # data-aided SNR and EVM agree with the channel's Es/N0
    snr_db_hat = 10 * torch.log10(snr(y, s))
    assert (snr_db_hat - snr_db).abs().max() < 0.1
    assert torch.allclose(snr_from_evm(evm(y, s)), snr(y, s))


def _biawgn_capacity(snr_lin):
    """BI-AWGN capacity by Gauss-Hermite quadrature: 1 - E[log2(1 + exp(-2 A y / s2))]."""
    a, s2 = math.sqrt(0.5), 0.5 / snr_lin                         # QPSK axis: amp, var
    xs, ws = np.polynomial.hermite.hermgauss(120)
    y = a + math.sqrt(2 * s2) * xs
    return 1 - float(np.sum(ws * np.logaddexp(0, -2 * a * y / s2)) / math.sqrt(math.pi)
                     / math.log(2))


@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0])
def test_gmi_qpsk_equals_two_biawgn(snr_db):
    g = torch.Generator().manual_seed(31)
    n = 2 ** 16
    bits = torch.randint(0, 2, (2, 2 * n), generator=g, dtype=torch.uint8)
    x = symbol_modulate(bits, "QPSK").to(torch.complex128)
    nv = 10 ** (-snr_db / 10)
    y = x + math.sqrt(nv / 2) * torch.complex(torch.randn(x.shape, generator=g, dtype=torch.float64),
                                              torch.randn(x.shape, generator=g, dtype=torch.float64))
    c = 2 * _biawgn_capacity(10 ** (snr_db / 10))
    gm = gmi(0.5j * y, bits, "QPSK")                  # the complex gain is estimated
    assert gm.shape == (2,)
    assert (gm - c).abs().max() < 0.02
    assert (mi(y, bits, "QPSK") - gm).abs().max() < 1e-6          # Gray QPSK: MI = GMI
    gm_known = gmi(y, bits, "QPSK", noise_var=nv)
    assert (gm_known - c).abs().max() < 0.02


def test_gmi_mi_16qam_trend_and_limit():
    g = torch.Generator().manual_seed(32)
    bits, x = dp_qam("16QAM", 2 ** 14, g)
    values = []
    for snr_db in (5.0, 10.0, 15.0, 25.0):
        nv = 10 ** (-snr_db / 10)
        y = x + math.sqrt(nv / 2) * torch.complex(
            torch.randn(x.shape, generator=g, dtype=torch.float64),
            torch.randn(x.shape, generator=g, dtype=torch.float64))
        gm, mu = gmi(y, bits, "16QAM").mean(), mi(y, bits, "16QAM").mean()
        assert mu >= gm - 1e-3                     # symbol-wise MI >= bit-wise GMI
        assert gm <= 4.0 + 1e-9
        values.append(gm.item())
    assert values == sorted(values)
    assert values[-1] > 3.999
    # AWGN capacity log2(1 + SNR) bounds both
    assert values[1] < math.log2(1 + 10.0)


def test_align_symbols_resolves_swap_lag_rotation():
    g = torch.Generator().manual_seed(41)
    _, s = dp_qam("16QAM", 1000, g)
    y = torch.roll(s.flip(-2), -17, -1) * -1j
    assert torch.allclose(align_symbols(y, s), s, atol=1e-9)
    y1 = torch.roll(s[:1], 3, -1) * -1
    assert torch.allclose(align_symbols(y1, s[:1]), s[:1], atol=1e-9)


def test_bad_inputs():
    with pytest.raises(ValueError, match="ber"):
        q_factor(0.0)
    with pytest.raises(ValueError, match="ber"):
        q_factor(0.6)
    with pytest.raises(ValueError, match="modulation"):
        theoretical_ber("8PSK", 10.0)
    with pytest.raises(ValueError, match="modulation"):
        ber(torch.zeros(4, dtype=torch.complex64), torch.zeros(8, dtype=torch.uint8))
    with pytest.raises(ValueError, match="shape"):
        ber(torch.zeros(4, dtype=torch.uint8), torch.zeros(5, dtype=torch.uint8))
    with pytest.raises(ValueError, match="bits"):
        gmi(torch.zeros(4, dtype=torch.complex64), torch.zeros(7, dtype=torch.uint8), "QPSK")
    with pytest.raises(ValueError, match="evm_rms"):
        snr_from_evm(0.0)
    with pytest.raises(ValueError, match="shape"):
        align_symbols(torch.zeros(2, 8, dtype=torch.complex64),
                      torch.zeros(2, 9, dtype=torch.complex64))
    with pytest.raises(ValueError, match="n_pol"):
        align_symbols(torch.zeros(3, 8, dtype=torch.complex64),
                      torch.zeros(3, 8, dtype=torch.complex64))
