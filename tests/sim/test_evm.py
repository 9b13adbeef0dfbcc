"""EVM of test-model recordings (TS 38.104 Annex B) with known impairments: values worked out
from the impairment (AWGN: sqrt(N0 / Es); IQ imbalance: |K2| / |K1|), the synchronisation, the
window table and the errors."""

from __future__ import annotations

import math

import pytest
import torch

from softran.channel import AWGN, FrequencyOffset, IQImbalance, PowerAmplifier
from softran.channel.iq_imbalance import image_rejection_ratio_db
from softran.sim.evm import evm_limit_percent, evm_window_length, measure_evm
from softran.sim.nr_tm import nr_tm
from softran.sim.tx_impairments import TransmitterImpairments


@pytest.fixture(scope="module")
def tm31():
    return nr_tm("NR-FR1-TM3.1", 5, 15)        # 25 PRB, 10 ms, 64QAM (RNTI 0 and 2)


def test_limits_table_6_5_2_2_1():
    assert [evm_limit_percent(m) for m in ("QPSK", "16QAM", "64QAM", "256QAM")] == \
        [17.5, 12.5, 8.0, 3.5]
    with pytest.raises(ValueError, match="allowed"):
        evm_limit_percent("8PSK")


def test_window_table_b_5_2():
    assert evm_window_length(15, 5) == 14 and evm_window_length(15, 20) == 58
    assert evm_window_length(30, 100) == 172 and evm_window_length(30, 40) == 72
    assert evm_window_length(30, 100, nfft=8192) == 344     # scales with the FFT size
    assert evm_window_length(15, 10, nfft=512) == 14
    with pytest.raises(ValueError, match="no EVM window"):
        evm_window_length(15, 100)


def test_clean_recording(tm31):
    r = measure_evm(tm31.waveform, tm31.sample_rate, tm31)
    assert list(r.rms_percent) == ["64QAM"] and r.rms_percent["64QAM"] < 0.01
    assert r.passed() == {"64QAM": True} and r.timing == 0 and abs(r.cfo_hz) < 1e-3
    assert r.window_length == 14 and r.window in ("low", "high")
    assert len(r.per_slot_percent["64QAM"]) == 10
    assert r.per_subcarrier_percent.shape == (300,) and r.per_symbol_percent.shape == (140,)
    pts, ideal = r.constellation
    assert pts.shape == ideal.shape and pts.numel() > 1000


# With white noise of N0 per RE on unit-energy REs the error vector of every RE has variance
# N0 (the equaliser's own estimation error is averaged over ~10^4 DM-RS REs: negligible), so
# EVM = sqrt(N0). Over N data REs the measured EVM^2 is a chi-square mean with relative spread
# 1/sqrt(N) (N ~ 3e4 here): 5 % relative tolerance is more than 8 sigma.
@pytest.mark.parametrize("snr_db", [20.0, 30.0])
def test_awgn_evm_is_sqrt_n0(tm31, snr_db):
    n0 = 10 ** (-snr_db / 10)
    y = AWGN(seed=3)(tm31.waveform, n0)
    r = measure_evm(y, tm31.sample_rate, tm31)
    assert r.rms_percent["64QAM"] == pytest.approx(100 * math.sqrt(n0), rel=0.05)
    assert r.peak_percent["64QAM"] >= r.rms_percent["64QAM"]


def test_iq_imbalance_evm_is_the_image_ratio(tm31):
    # y = K1 x + K2 conj(x): the image of the mirrored subcarrier is uncorrelated with the
    # data, the equaliser removes K1: EVM = |K2| / |K1| = 10^(-IRR / 20)
    y = IQImbalance(0.5, 3.0)(tm31.waveform)
    r = measure_evm(y, tm31.sample_rate, tm31)
    expect = 100 * 10 ** (-image_rejection_ratio_db(0.5, 3.0) / 20)
    assert r.rms_percent["64QAM"] == pytest.approx(expect, rel=0.1)


def test_frequency_offset_and_delay_are_removed(tm31):
    y = FrequencyOffset(1234.5, tm31.sample_rate)(tm31.waveform)
    y = torch.cat([torch.zeros(1, 77, dtype=y.dtype), y, torch.zeros(1, 5, dtype=y.dtype)], -1)
    r = measure_evm(y, tm31.sample_rate, tm31)
    assert r.timing == 77 and r.cfo_hz == pytest.approx(1234.5, abs=0.5)
    assert r.rms_percent["64QAM"] < 0.1


def test_power_amplifier_evm_grows_as_back_off_shrinks(tm31):
    evm = [measure_evm(PowerAmplifier("rapp", b)(tm31.waveform), tm31.sample_rate,
                       tm31).rms_percent["64QAM"] for b in (12.0, 8.0, 4.0)]
    assert evm[0] < evm[1] < evm[2]
    assert evm[0] < 8.0 < evm[2]            # passes with 12 dB back-off, fails with 4 dB


def test_impairment_chain_as_the_cli_uses_it(tm31):
    imp = TransmitterImpairments.parse(["snr=30", "cfo=500", "delay=10"])
    r = measure_evm(imp.apply(tm31.waveform, tm31.sample_rate, seed=1), tm31.sample_rate, tm31)
    assert r.timing == 10 and r.cfo_hz == pytest.approx(500, abs=0.5)
    assert r.rms_percent["64QAM"] == pytest.approx(100 * math.sqrt(1e-3), rel=0.05)


def test_errors(tm31):
    x = tm31.waveform
    with pytest.raises(ValueError, match="sample_rate"):
        measure_evm(x, 2 * tm31.sample_rate, tm31)
    with pytest.raises(ValueError, match="channels"):
        measure_evm(x.expand(2, -1), tm31.sample_rate, tm31)
    with pytest.raises(ValueError, match="needs"):
        measure_evm(x[:, : x.shape[-1] // 2], tm31.sample_rate, tm31)
    with pytest.raises(ValueError, match="cyclic prefix"):
        measure_evm(x, tm31.sample_rate, tm31, window_length=100)
    with pytest.raises(TypeError, match="complex"):
        measure_evm(x.real, tm31.sample_rate, tm31)
