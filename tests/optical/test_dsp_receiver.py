"""End to end: CD + polarisation rotation + frequency offset + AWGN -> CoherentReceiver
recovers back-to-back performance."""

import math

import pytest
import torch
from dsp_signals import awgn, ber_tolerance, dp_qam, shape

from softran.optical.dsp import cd_compensate
from softran.optical.dsp.receiver import CoherentReceiver
from softran.optical.metrics import align_symbols, ber, theoretical_ber

RS = 32e9


def link(s, sps, d_l, f_off, g, snr_db):
    x = shape(s, sps, 0.1)
    if d_l:
        x = cd_compensate(x, sps * RS, -17e-6, d_l)                     # apply CD
    c, sn = math.cos(0.5), math.sin(0.5)
    u = torch.tensor([[c, -sn * 1j], [-sn * 1j, c]], dtype=torch.complex128)
    x = u @ x
    n = torch.arange(x.shape[-1], dtype=torch.float64)
    x = x * torch.polar(torch.ones_like(n), 2 * math.pi * f_off / (sps * RS) * n + 1.0)
    return awgn(x, snr_db, sps, g).to(torch.complex64)


@pytest.mark.parametrize("mod,snr_db,cpr", [("16QAM", 16.0, "bps"), ("QPSK", 9.0, "vv")])
def test_receiver_recovers_back_to_back_ber(mod, snr_db, cpr):
    n_sym, sps = 2 ** 15, 2
    keep = slice(12000, n_sym - 200)
    results = []
    for d_l in (200e3, 0.0):                      # 200 km of SSMF, then back to back
        g = torch.Generator().manual_seed(51)     # the same symbols and noise
        bits, s = dp_qam(mod, n_sym, g)
        r = link(s, sps, d_l, 0.8e9, g, snr_db)
        rx = CoherentReceiver(mod, RS, sps, rolloff=0.1, dispersion=17e-6, length=d_l,
                              cpr=cpr, n_taps=21)
        y = rx(r)
        assert y.shape == (2, n_sym)
        y = align_symbols(y, s.to(torch.complex64))
        q = bits.shape[-1] // n_sym
        n_bits = (keep.stop - keep.start) * q * 2
        results.append(ber(y[:, keep].reshape(1, -1),
                           bits[:, keep.start * q:keep.stop * q].reshape(1, -1), mod).item())
    b_cd, b_b2b = results
    p = theoretical_ber(mod, snr_db).item()
    # CD compensation + equalisation recovers the back-to-back BER of the same chain (same
    # noise: the difference is far below the binomial band of either estimate) ...
    assert abs(b_cd - b_b2b) < ber_tolerance(p, n_bits), (b_cd, b_b2b)
    # ... and the blind chain (Gardner, CMA/RDE, FOE, CPR) stays within 1 dB of theory
    assert b_cd < theoretical_ber(mod, snr_db - 1.0).item(), (b_cd, p)
    assert b_cd > p - ber_tolerance(p, n_bits), (b_cd, p)


def test_stages_are_swappable():
    rx = CoherentReceiver("QPSK", RS, 2)
    calls = []
    rx.stages["cpr"] = lambda x: calls.append(x.shape) or x
    rx.stages["foe"] = None
    x = torch.randn(2, 512, dtype=torch.complex64, generator=torch.Generator().manual_seed(1021))
    assert rx(x).shape == (2, 256) and calls == [(2, 256)]


def test_bad_inputs():
    with pytest.raises(ValueError, match="sps"):
        CoherentReceiver("QPSK", RS, 3)
    with pytest.raises(ValueError, match="cpr"):
        CoherentReceiver("QPSK", RS, 2, cpr="pll")
    with pytest.raises(ValueError, match="polarisations"):
        CoherentReceiver("QPSK", RS, 2)(torch.zeros(1, 64, dtype=torch.complex64))
