"""RF impairments: carrier frequency offset, timing offset, phase noise (TR 38.803 §6.1.10,
Wiener)."""

import math
from fractions import Fraction

import pytest
import torch

from softran.channel.impairments import (
    FrequencyOffset,
    PhaseNoise,
    TimingOffset,
    phase_noise_psd,
)


def _cn(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=torch.complex64, generator=g)


def _split(block, x, sizes):
    out, s = [], 0
    for n in sizes:
        out.append(block(x[..., s:s + n]))
        s += n
    assert s == x.shape[-1]
    return torch.cat(out, dim=-1)


# ----------------------------------------------------------------------------- CFO


@pytest.mark.parametrize("k", [37, -100, 1])
def test_cfo_tone_moves_to_fft_bin(k):
    n, fs = 1024, 30.72e6
    cfo = FrequencyOffset(k * fs / n, fs)
    y = cfo(torch.ones(1, 1, n, dtype=torch.complex64))[0, 0]
    spec = torch.fft.fft(y.to(torch.complex128)).abs() ** 2
    assert int(spec.argmax()) == k % n
    assert float(spec[k % n] / spec.sum()) > 1 - 1e-9


def test_cfo_phase_continuity_split_calls_and_exact_phase():
    fs, f = 30.72e6, 1234.5
    x = _cn((2, 3, 5000), 0)
    one = FrequencyOffset(f, fs)(x)
    split = _split(FrequencyOffset(f, fs), x, [1, 999, 2000, 7, 1993])
    assert torch.allclose(one, split, atol=1e-6)
    # after a long run (2e6 samples in calls) the phase is still exact: exact rational
    # phase f n / fs mod 1 computed with fractions
    cfo = FrequencyOffset(f, fs)
    for _ in range(10):
        cfo(torch.zeros(1, 1, 2 * 10**5, dtype=torch.complex64))
    y = cfo(torch.ones(1, 1, 3, dtype=torch.complex64))[0, 0].to(torch.complex128)
    for i in range(3):
        n = 2 * 10**6 + i
        cyc = float((Fraction(f) * n / Fraction(fs)) % 1)
        ref = complex(math.cos(2 * math.pi * cyc), math.sin(2 * math.pi * cyc))
        assert abs(complex(y[i]) - ref) < 1e-6
    assert cfo.sample_index == 2 * 10**6 + 3


def test_cfo_reset_and_bad_inputs():
    cfo = FrequencyOffset(100.0, 1000.0)
    a = cfo(torch.ones(1, 1, 10, dtype=torch.complex64))
    cfo.reset()
    assert torch.equal(a, cfo(torch.ones(1, 1, 10, dtype=torch.complex64)))
    with pytest.raises(ValueError, match="offset_hz"):
        FrequencyOffset(500.0, 1000.0)
    with pytest.raises(ValueError, match="sample_rate"):
        FrequencyOffset(1.0, 0.0)
    with pytest.raises(TypeError, match="offset_hz"):
        FrequencyOffset("1", 1000.0)
    with pytest.raises(TypeError, match="complex"):
        cfo(torch.ones(1, 10))
    with pytest.raises(ValueError, match="dimension"):
        cfo(torch.ones(10, dtype=torch.complex64))
    with pytest.raises(ValueError, match="reset"):
        cfo(torch.ones(2, 1, 10, dtype=torch.complex64))


# ----------------------------------------------------------------------------- timing


@pytest.mark.parametrize("d", [0, 1, 5, 40])
def test_integer_timing_offset_is_exact_shift(d):
    x = _cn((2, 2, 300), 1)
    y = TimingOffset(d)(x)
    assert torch.equal(y[..., d:], x[..., :300 - d])
    assert torch.equal(y[..., :d], torch.zeros_like(y[..., :d]))
    # in pieces smaller than the delay: still an exact shift
    assert torch.equal(_split(TimingOffset(d), x, [3, 1, 50, 246]), y)


def test_integer_delay_in_seconds():
    fs = 30.72e6
    x = _cn((1, 100), 2)
    y = TimingOffset(7 / fs, sample_rate=fs)(x)
    assert torch.equal(y[..., 7:], x[..., :93])


@pytest.mark.parametrize("f0", [0.4, -0.4, 0.13, -0.31])
@pytest.mark.parametrize("d", [15.5, 20.3, 37.91])
def test_fractional_delay_of_band_limited_exponential(f0, d):
    # complex exponential within 0.8 Nyquist: y[n] must equal exp(j 2 pi f0 (n - d));
    # bound 3e-5 of the 32-tap Kaiser (beta 10) sinc, plus complex64 rounding
    n = torch.arange(400, dtype=torch.float64)
    x = torch.exp(2j * math.pi * f0 * n).to(torch.complex64).reshape(1, 1, -1)
    y = TimingOffset(d)(x)[0, 0].to(torch.complex128)
    ref = torch.exp(2j * math.pi * f0 * (n - d))
    valid = n >= d + 16  # the delay line is filled
    assert float((y - ref)[valid].abs().max()) < 5e-5


def test_fractional_delay_split_calls_equal_one_call():
    x = _cn((3, 2, 1000), 3)
    one = TimingOffset(17.25)(x)
    split = _split(TimingOffset(17.25), x, [1, 10, 489, 500])
    assert torch.allclose(one, split, atol=1e-6)


def test_fractional_delay_preserves_power_of_band_limited_noise():
    # white noise low-passed to 0.4 fs: the delayed copy keeps its power (|H| ~ 1)
    x = _cn((1, 1, 1 << 14), 4)
    spec = torch.fft.fft(x)
    f = torch.fft.fftfreq(x.shape[-1])
    x = torch.fft.ifft(spec * (f.abs() < 0.4)).to(torch.complex64)
    y = TimingOffset(20.5)(x)
    p_in = x[..., 100:-100].abs().pow(2).mean()
    p_out = y[..., 121:-79].abs().pow(2).mean()
    assert float(p_out / p_in) == pytest.approx(1.0, abs=1e-3)


def test_timing_bad_inputs():
    with pytest.raises(ValueError, match="not causal"):
        TimingOffset(-1)
    with pytest.raises(ValueError, match="half_length - 1"):
        TimingOffset(3.5)
    TimingOffset(3.5, half_length=4)  # allowed: 3 >= 4 - 1
    with pytest.raises(ValueError, match="half_length"):
        TimingOffset(100.5, half_length=0)
    with pytest.raises(TypeError, match="delay"):
        TimingOffset(None)
    with pytest.raises(ValueError, match="delay"):
        TimingOffset(float("nan"))
    to = TimingOffset(2)
    to(torch.zeros(1, 2, 5, dtype=torch.complex64))
    with pytest.raises(ValueError, match="reset"):
        to(torch.zeros(1, 3, 5, dtype=torch.complex64))
    with pytest.raises(TypeError, match="complex"):
        to(torch.zeros(1, 2, 5))


# ----------------------------------------------------------------------------- phase noise


def test_tr38803_psd_spot_values():
    # TR 38.803 §6.1.10 29.55 GHz set: PSD0 = 32 dB, fz = 3e3/550e3/280e6 (2.37/2.7/2.53),
    # fp = 1/1.6e6/30e6 (3.3/3.3/1); at f = 1 MHz by hand: 32 + 59.79 + 7.80 - 198.0
    # - 0.835 - 0.142 = -99.39 dBc/Hz
    v = phase_noise_psd(torch.tensor([0.0, 1e6, -1e6]), 29.55e9, "29.55")
    assert float(v[0]) == pytest.approx(32.0, abs=1e-12)
    assert float(v[1]) == pytest.approx(-99.39, abs=0.01)
    assert float(v[2]) == float(v[1])
    # 45 GHz set at f = 0: PSD0 = 35.65; 70 GHz set: 39.49; carrier scaling 20 log10(fc/fc0)
    assert float(phase_noise_psd(0.0, 45e9, "45")) == pytest.approx(35.65)
    assert float(phase_noise_psd(0.0, 70e9, "70")) == pytest.approx(39.49)
    assert float(phase_noise_psd(0.0, 2 * 29.55e9, "29.55")) == pytest.approx(
        32.0 + 20 * math.log10(2))


@pytest.mark.parametrize("fc,name", [(28e9, "29.55"), (40e9, "45"), (60e9, "70"), (90e9, "70")])
def test_tr38803_auto_picks_nearest_set(fc, name):
    f = torch.logspace(3, 8, 11, dtype=torch.float64)
    assert torch.equal(phase_noise_psd(f, fc), phase_noise_psd(f, fc, name))


def _welch(phi, fs, nseg):
    seg = phi.unfold(-1, nseg, nseg // 2)
    w = torch.hann_window(nseg, periodic=True, dtype=torch.float64)
    p = (torch.fft.fft(seg * w).abs() ** 2).mean(dim=(0, 1)) / (fs * (w ** 2).sum())
    return torch.fft.fftfreq(nseg, 1 / fs, dtype=torch.float64), p, seg.shape[0] * seg.shape[1]


@pytest.mark.parametrize("fc", [30e9, 45e9, 70e9])
def test_tr38803_measured_psd_matches_model(fc):
    fs, f_min = 30.72e6, 30e3
    pn = PhaseNoise(fs, carrier_frequency=fc, min_frequency_offset=f_min, seed=5)
    y = pn(torch.ones(4, 1, 1 << 19, dtype=torch.complex64))
    phi = torch.angle(y[:, 0].to(torch.complex128))
    assert float(phi.abs().max()) < 2.5  # no wrapping in the measurement
    f, p, n_avg = _welch(phi, fs, 2048)
    band = (f.abs() >= 4 * f_min) & (f.abs() <= 0.8 * fs / 2)
    dev = 10 * torch.log10(p[band]) - pn.psd_db(f[band])
    # averaged periodogram: ~n_avg/2 independent segments (50 % overlap) -> relative std
    # ~ sqrt(2/n_avg) per bin (0.2 dB here); 1.5 dB leaves room for the FIR design
    assert n_avg > 1000
    assert float(dev.abs().max()) < 1.5
    assert abs(float(dev.mean())) < 0.2
    # and the model itself spans tens of dB over the band (the test is not trivial)
    model = pn.psd_db(f[band])
    assert float(model.max() - model.min()) > 10


def test_wiener_increment_variance_and_independence():
    fs, df = 30.72e6, 200e3
    pn = PhaseNoise(fs, "wiener", linewidth=df, seed=11)
    y = pn(torch.ones(8, 1, 50_000, dtype=torch.complex64))[:, 0].to(torch.complex128)
    assert torch.allclose(y[:, 0], torch.ones(8, dtype=torch.complex128))  # phi[0] = 0
    inc = torch.angle(y[:, 1:] * y[:, :-1].conj())
    n = inc.numel()
    var_ref = 2 * math.pi * df / fs
    # std of the sample variance of n Gaussian samples: var * sqrt(2 / n)
    assert abs(float(inc.var()) / var_ref - 1) < 5 * math.sqrt(2 / n)
    rho = float((inc[:, 1:] * inc[:, :-1]).mean() / inc.var())
    assert abs(rho) < 5 / math.sqrt(n)


@pytest.mark.parametrize("kw", [dict(model="wiener", linewidth=1e5),
                                dict(carrier_frequency=30e9, min_frequency_offset=50e3)])
def test_phase_noise_split_calls_equal_one_call(kw):
    fs = 30.72e6
    x = _cn((2, 2, 40_000), 6)
    one = PhaseNoise(fs, seed=3, **kw)(x)
    split = _split(PhaseNoise(fs, seed=3, **kw), x, [1, 16383, 5, 20_000, 3611])
    assert torch.allclose(one, split, atol=1e-5)


def test_phase_noise_seed_reset_and_oscillators():
    fs = 30.72e6
    x = torch.ones(2, 3, 2000, dtype=torch.complex64)
    a = PhaseNoise(fs, carrier_frequency=30e9, seed=1)
    ya = a(x)
    assert torch.equal(ya, PhaseNoise(fs, carrier_frequency=30e9, seed=1)(x))
    assert not torch.equal(ya, PhaseNoise(fs, carrier_frequency=30e9, seed=2)(x))
    a.reset()
    assert torch.equal(ya, a(x))
    assert torch.equal(ya[:, 0], ya[:, 2])  # common oscillator
    assert not torch.equal(ya[0], ya[1])  # independent per batch element
    yi = PhaseNoise(fs, carrier_frequency=30e9, seed=1, common_oscillator=False)(x)
    assert not torch.equal(yi[:, 0], yi[:, 1])
    assert torch.allclose(ya.abs(), torch.ones_like(ya.real))


def test_phase_noise_bad_inputs():
    fs = 30.72e6
    with pytest.raises(ValueError, match="model"):
        PhaseNoise(fs, "lorentz")
    with pytest.raises(ValueError, match="carrier_frequency"):
        PhaseNoise(fs)
    with pytest.raises(ValueError, match="linewidth"):
        PhaseNoise(fs, "wiener")
    with pytest.raises(ValueError, match="linewidth"):
        PhaseNoise(fs, carrier_frequency=30e9, linewidth=1e3)
    with pytest.raises(ValueError, match="carrier_frequency"):
        PhaseNoise(fs, "wiener", linewidth=1e3, carrier_frequency=30e9)
    with pytest.raises(ValueError, match="parameter_set"):
        PhaseNoise(fs, carrier_frequency=30e9, parameter_set="60")
    with pytest.raises(ValueError, match="min_frequency_offset"):
        PhaseNoise(fs, carrier_frequency=30e9, min_frequency_offset=fs)
    with pytest.raises(ValueError, match="n_taps"):
        PhaseNoise(fs, carrier_frequency=30e9, n_taps=1001)
    with pytest.raises(TypeError, match="common_oscillator"):
        PhaseNoise(fs, carrier_frequency=30e9, common_oscillator=1)
    with pytest.raises(ValueError, match="linewidth"):
        PhaseNoise(fs, "wiener", linewidth=-1.0)
    with pytest.raises(TypeError, match="f must"):
        phase_noise_psd(torch.tensor([1, 2]), 30e9)
    pn = PhaseNoise(fs, "wiener", linewidth=1e3, seed=0)
    with pytest.raises(TypeError, match="complex"):
        pn(torch.ones(1, 10))
    pn(torch.ones(1, 2, 10, dtype=torch.complex64))
    with pytest.raises(ValueError, match="reset"):
        pn(torch.ones(2, 2, 10, dtype=torch.complex64))


def test_impairments_refuse_nan_and_a_delay_line_beyond_memory():
    x = torch.zeros(1, 8, dtype=torch.complex64)
    x[0, 1] = complex(float("nan"), 0.0)
    for block in (FrequencyOffset(100.0, 1e6), TimingOffset(2)):
        with pytest.raises(ValueError, match=r"waveform contains NaN"):
            block(x)
    with pytest.raises(ValueError, match=r"^delay = 1000000000000.0 would need about 14.6 TiB"):
        TimingOffset(10**12)(torch.zeros(1, 8, dtype=torch.complex64))
