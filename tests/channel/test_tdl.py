"""TDL fading channel (TR 38.901 §7.7.2/7.7.3): statistics, continuity, filtering."""

import math

import pytest
import torch
from delay_reference import delayed

from softran.channel import TDLChannel, tdl_profile
from softran.validation import max_allocation


def _lin(p_db):
    p = torch.tensor([10 ** (x / 10) for x in p_db], dtype=torch.float64)
    return p / p.sum()


def _delays(ch):
    d = ch.path_delays * ch.sample_rate
    k = torch.floor(d).long()
    return k, (d - k)


def test_average_power_per_path():
    b, r, x = 100, 4, 4
    ch = TDLChannel("TDL-B", delay_spread=100e-9, max_doppler=50.0, n_tx=x, n_rx=r,
                    sample_rate=1e6, seed=3)
    ch(torch.zeros(b, x, 1, dtype=torch.complex64))
    g = ch.path_gains[..., 0]  # [B,R,X,P]
    n = b * r * x  # independent realisations per path
    est = g.abs().pow(2).double().mean(dim=(0, 1, 2))
    ref = _lin(tdl_profile("TDL-B").powers_db)
    assert float(ref.sum()) == pytest.approx(1.0)
    # |h|^2 has std ~ P (Rayleigh): std of the mean is P / sqrt(n)
    assert torch.all((est - ref).abs() < 5 * ref / math.sqrt(n))


def test_not_normalized_keeps_table_powers():
    ch = TDLChannel("TDLA30", max_doppler=5.0, sample_rate=1e6, normalize=False, seed=0)
    assert float(ch.path_powers[1]) == pytest.approx(1.0)  # the 0 dB path
    assert float(ch.path_powers[0]) == pytest.approx(10 ** -1.55)


def test_time_autocorrelation_is_j0():
    fs, fd, lags = 1000.0, 50.0, 40
    b = 300
    ch = TDLChannel("TDLA30", max_doppler=fd, sample_rate=fs, seed=7, gain_interval=1)
    ch(torch.zeros(b, 1, lags, dtype=torch.complex64))
    g = ch.path_gains[:, 0, 0].to(torch.complex128)  # [B,P,T+1]
    g = g / ch.path_powers.sqrt()[:, None]
    r_est = (g * g[..., :1].conj()).mean(dim=(0, 1)).real
    tau = torch.arange(r_est.numel(), dtype=torch.float64)
    r_ref = torch.special.bessel_j0(2 * math.pi * fd * tau / fs)
    n = b * ch.n_paths  # independent realisations; estimator std <= 1/sqrt(n)
    assert torch.all((r_est - r_ref).abs() < 5 / math.sqrt(n))
    assert r_ref.min() < -0.3  # the lags cover the negative lobe of J0


def test_continuity_across_calls_and_reset():
    kw = dict(delay_spread=300e-9, max_doppler=300.0, n_tx=2, n_rx=3, sample_rate=1e6)
    x = torch.randn(2, 2, 4000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    a = TDLChannel("TDL-C", seed=9, **kw)
    full = a(x)
    b = TDLChannel("TDL-C", seed=9, **kw)
    halves = torch.cat([b(x[..., :1500]), b(x[..., 1500:])], dim=-1)
    assert torch.allclose(full, halves, atol=1e-5)
    a.reset()
    assert torch.allclose(a(x), full, atol=1e-6)
    c = TDLChannel("TDL-C", seed=10, **kw)
    assert not torch.allclose(c(x), full, atol=1e-2)


def test_rician_first_tap_tdl_d():
    b, r, x = 500, 2, 2
    ch = TDLChannel("TDL-D", delay_spread=30e-9, max_doppler=100.0, n_tx=x, n_rx=r,
                    sample_rate=1e6, seed=4)
    ch(torch.zeros(b, x, 1, dtype=torch.complex64))
    g = ch.path_gains[..., 0].to(torch.complex128)
    p = ch.path_powers
    # path 0 is the specular LOS path: constant amplitude sqrt(P0)
    assert torch.allclose(g[..., 0].abs(), p[0].sqrt().expand(b, r, x), rtol=1e-5)
    n = b * r * x
    p1 = g[..., 1].abs().pow(2).mean()
    assert abs(p1 - p[1]) < 5 * p[1] / math.sqrt(n)
    k_db = 10 * math.log10(float(p[0] / p1))
    assert k_db == pytest.approx(13.3, abs=5 * 10 / math.log(10) / math.sqrt(n))
    # combined first tap: E|h|^2 = P0 + P1, E|h|^4 = P0^2 + 4 P0 P1 + 2 P1^2 (Rician)
    h2 = (g[..., 0] + g[..., 1]).abs().pow(2).flatten()
    m2, m4 = float(p[0] + p[1]), float(p[0] ** 2 + 4 * p[0] * p[1] + 2 * p[1] ** 2)
    assert abs(h2.mean() - m2) < 5 * h2.std() / math.sqrt(n)
    assert abs(h2.pow(2).mean() - m4) < 5 * h2.pow(2).std() / math.sqrt(n)


def test_impulse_returns_taps():
    fs = 100e6
    ch = TDLChannel("TDL-C", delay_spread=100e-9, max_doppler=0.0, n_tx=2, n_rx=2,
                    sample_rate=fs, seed=5)
    assert ch.filter_delay == 7
    x = torch.zeros(1, 2, 200, dtype=torch.complex64)
    x[0, 1, 10] = 1.0  # impulse on tx 1 only
    y = ch(x)
    g = ch.path_gains[0, :, 1, :, 0].to(torch.complex128)  # [R,P], static
    k, f = _delays(ch)
    ref = torch.zeros(2, 200, dtype=torch.complex128)
    for p in range(ch.n_paths):
        h = torch.stack([delayed(x[0, 1], int(k[p]), float(f[p]), n - 7) for n in range(200)])
        ref += g[:, p, None] * h[None, :]
    assert torch.allclose(y[0].to(torch.complex128), ref, atol=1e-6)
    # causal: the interpolator's pre-cursor (7 samples) is absorbed by the filter delay
    assert torch.all(y[..., :10] == 0)


def test_output_is_convolution_with_time_varying_gains():
    # y[n] = sum_p g_p(n - D) x(n - D - d_p), D = filter_delay, the gains at the physical
    # instants path_gain_sample_times
    fs = 2e6
    ch = TDLChannel("TDL-A", delay_spread=1e-6, max_doppler=2000.0, n_tx=2, n_rx=2,
                    sample_rate=fs, seed=6, gain_interval=1)
    t, dd = 60, ch.filter_delay
    x = torch.randn(2, 2, t, dtype=torch.complex64, generator=torch.Generator().manual_seed(0))
    y = ch(x)
    g = ch.path_gains.to(torch.complex128)  # [B,R,X,P,T+1] at sample instants -D..T-D
    assert torch.equal(ch.path_gain_sample_times, torch.arange(-dd, t - dd + 1))
    k, f = _delays(ch)
    ref = torch.zeros(2, 2, t, dtype=torch.complex128)
    for n in range(t):
        for p in range(ch.n_paths):
            xd = delayed(x, int(k[p]), float(f[p]), n - dd)  # [B, X]
            ref[..., n] += (g[:, :, :, p, n] * xd[:, None, :]).sum(-1)
    assert torch.allclose(y.to(torch.complex128), ref, atol=1e-5)


def test_frequency_response_matches_filter_on_a_tone():
    fs, scs, n_sc = 30.72e6, 30e3, 64
    ch = TDLChannel("TDLC300", max_doppler=0.0, n_rx=2, sample_rate=fs, seed=8)
    dd = ch.filter_delay
    t = torch.arange(400, dtype=torch.float64)
    for kk in (0, 17, 40, 63):
        f = (kk - n_sc // 2) * scs
        x = torch.exp(2j * math.pi * f * t / fs).to(torch.complex64)[None, None]
        ch.reset()
        y = ch(x)
        h = ch.frequency_response(n_sc, scs, torch.tensor([0]))[0, :, 0, kk, 0]  # [R]
        steady = slice(100, 400)  # after the longest delay (80 samples) and the filter
        ref = h[:, None] * x[0, 0, steady.start - dd:steady.stop - dd]
        assert torch.allclose(y[0, :, steady], ref, atol=1e-5)


@pytest.mark.parametrize("name", ["TDL-A", "TDL-C", "TDL-E"])
def test_scaled_rms_delay_spread(name):
    ds = 300e-9
    ch = TDLChannel(name, delay_spread=ds, max_doppler=10.0, sample_rate=1e6)
    p, d = ch.path_powers, ch.path_delays
    mean = (p * d).sum()
    rms = float(((p * (d - mean) ** 2).sum()).sqrt())
    assert rms == pytest.approx(ds, rel=0.01)
    assert torch.allclose(d, torch.tensor(tdl_profile(name).delays, dtype=torch.float64) * ds)


def test_bad_inputs():
    with pytest.raises(ValueError):
        TDLChannel("TDL-A", max_doppler=10.0)  # delay spread missing
    with pytest.raises(ValueError):
        TDLChannel("TDLA30", delay_spread=30e-9, max_doppler=10.0)  # absolute delays
    with pytest.raises(ValueError):
        TDLChannel("TDLA30", max_doppler=-1.0)
    with pytest.raises(ValueError):
        TDLChannel("TDLA30", n_tx=0)
    with pytest.raises(TypeError):
        TDLChannel(5)
    ch = TDLChannel("TDLA30", max_doppler=10.0, n_tx=2, seed=0)
    with pytest.raises(ValueError):
        ch(torch.zeros(1, 1, 10, dtype=torch.complex64))
    with pytest.raises(TypeError):
        ch(torch.zeros(1, 2, 10))
    ch(torch.zeros(2, 2, 10, dtype=torch.complex64))
    with pytest.raises(ValueError):
        ch(torch.zeros(3, 2, 10, dtype=torch.complex64))  # batch changed without reset
    with pytest.raises(TypeError):
        ch.frequency_response(12, 30e3, torch.tensor([0.5]))


def test_non_finite_waveforms_and_huge_responses_are_refused():
    ch = TDLChannel("TDLA30", max_doppler=5.0, sample_rate=1e6, seed=0)
    x = torch.ones(1, 1, 100, dtype=torch.complex64)
    x[0, 0, 9] = complex(float("nan"), 0.0)
    with pytest.raises(ValueError, match=r"waveform contains NaN \(first at index \(0, 0, 9\)\)"):
        ch(x)
    ch(torch.ones(1, 1, 100, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"^n_subcarriers = 1000000000 would need"):
        ch.frequency_response(10**9, 15e3, torch.tensor([0, 50]))
    # gain_interval = 1: the path gains of every sample of the waveform (12 paths, 72 bytes each)
    fine = TDLChannel("TDLA30", max_doppler=5.0, sample_rate=1e6, seed=0, gain_interval=1)
    with max_allocation("1M"):
        with pytest.raises(ValueError, match=r"waveform.shape = \(1, 1, 2000\) would need"):
            fine(torch.ones(1, 1, 2000, dtype=torch.complex64))


def test_sinusoid_count_beyond_memory_is_refused_at_the_first_draw():
    ch = TDLChannel("TDLA30", max_doppler=5.0, sample_rate=1e6, seed=0, n_sinusoids=10**9)
    with pytest.raises(ValueError, match=r"^n_sinusoids = 1000000000 would need"):
        ch(torch.ones(1, 1, 10, dtype=torch.complex64))
