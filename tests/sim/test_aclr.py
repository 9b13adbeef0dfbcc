"""ACLR of test-model recordings (TS 38.104 §6.6.3): the bands, a value worked out for white
noise, windowing and the power amplifier, errors."""

from __future__ import annotations

import math

import pytest
import torch

from softran.channel import PowerAmplifier
from softran.sim.aclr import ACLR_LIMIT_DB, measure_aclr
from softran.sim.nr_tm import nr_tm


@pytest.fixture(scope="module")
def tm():
    # 5 MHz at 15 kHz (25 PRB) sampled at 30.72 MHz: both adjacent channel pairs fit
    return {w: nr_tm("NR-FR1-TM1.1", 5, 15, nfft=2048, windowing=w) for w in (0, 36)}


def test_white_noise_has_0_db_aclr():
    # flat spectrum: every BW_Config band holds the same power
    x = torch.randn(1, 2**18, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    r = measure_aclr(x, 30.72e6, bandwidth_mhz=5, scs_khz=15)
    assert r.measurement_bandwidth_hz == 25 * 12 * 15e3 and r.channel_spacing_hz == 5e6
    for v in r.aclr_db.values():
        assert v == pytest.approx(0.0, abs=0.2)


def test_test_model_bands_and_windowing(tm):
    r0 = measure_aclr(tm[0].waveform, tm[0].sample_rate, bandwidth_mhz=5, scs_khz=15)
    r36 = measure_aclr(tm[36].waveform, tm[36].sample_rate, bandwidth_mhz=5, scs_khz=15)
    assert sorted(r0.aclr_db) == [(1, "lower"), (1, "upper"), (2, "lower"), (2, "upper")]
    assert r0.limit_db == ACLR_LIMIT_DB == 45.0
    # the OFDM sidelobes fall with distance, and windowing lowers them
    for side in ("lower", "upper"):
        assert r0.aclr_db[(2, side)] > r0.aclr_db[(1, side)] > 25
        assert r36.aclr_db[(1, side)] > r0.aclr_db[(1, side)] + 3
    assert r0.freqs.shape == r0.psd_db.shape


def test_power_amplifier_regrowth(tm):
    x = tm[36].waveform
    aclr = [measure_aclr(PowerAmplifier("rapp", b)(x), tm[36].sample_rate, bandwidth_mhz=5,
                         scs_khz=15).aclr_db[(1, "upper")] for b in (15.0, 6.0, 2.0)]
    assert aclr[0] > aclr[1] > aclr[2]
    assert not measure_aclr(PowerAmplifier("rapp", 2.0)(x), tm[36].sample_rate,
                            bandwidth_mhz=5, scs_khz=15).passed()


def test_carrier_offset_in_the_band():
    # a 5 MHz carrier at +2 MHz within 30.72 MHz: the upper second channel does not fit
    tm = nr_tm("NR-FR1-TM1.1", 5, 15, nfft=4096)
    t = torch.arange(tm.waveform.shape[-1], dtype=torch.float64)
    x = tm.waveform * torch.exp(2j * math.pi * 2e6 / tm.sample_rate * t).to(torch.complex64)
    r = measure_aclr(x, tm.sample_rate, bandwidth_mhz=5, scs_khz=15, center_hz=2e6)
    assert r.aclr_db[(1, "upper")] > 25 and r.aclr_db[(1, "lower")] > 25


def test_errors(tm):
    x, fs = tm[0].waveform, tm[0].sample_rate
    with pytest.raises(ValueError, match="larger nfft"):
        measure_aclr(nr_tm("NR-FR1-TM1.1", 5, 15).waveform, 7.68e6, bandwidth_mhz=5,
                     scs_khz=15)
    with pytest.raises(ValueError, match="samples"):
        measure_aclr(x[:, :100], fs, bandwidth_mhz=5, scs_khz=15)
    with pytest.raises(ValueError, match="bandwidth"):
        measure_aclr(x, fs, bandwidth_mhz=7, scs_khz=15)
    with pytest.raises(ValueError, match="no power"):
        measure_aclr(torch.zeros(1, 2**16, dtype=torch.complex64), fs, bandwidth_mhz=5,
                     scs_khz=15)
    with pytest.raises(TypeError, match="complex"):
        measure_aclr(x.real, fs, bandwidth_mhz=5, scs_khz=15)
