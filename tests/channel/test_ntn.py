"""NTN-TDL / NTN-CDL channels (TR 38.811 §6.9): profiles, power delay profile, K factor,
Doppler spectrum with the satellite shift removed, continuity."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.channel import (
    NTN_TDL_PROFILE_NAMES,
    NTNCDLChannel,
    NTNTDLChannel,
    TDLChannel,
    cdl_profile,
    ntn_cdl_profile,
    ntn_tdl_profile,
)
from softran.channel.ntn import SatelliteDoppler


def _lin(p_db):
    p = torch.tensor([10 ** (x / 10) for x in p_db], dtype=torch.float64)
    return p / p.sum()


def test_profiles_are_the_tr38811_tables():
    a = ntn_tdl_profile("NTN-TDL-A")
    assert a.delays == (0.0, 1.0811, 2.8416) and a.powers_db == (0.0, -4.675, -6.482)
    assert not a.los and a.scale_delays
    d = ntn_tdl_profile("NTN-TDL-D")
    assert d.k_factor_db == pytest.approx(11.707) and d.n_paths == 4
    assert ntn_tdl_profile("NTN-TDL-C").k_factor_db == pytest.approx(10.224)
    c5 = ntn_tdl_profile("NTN-TDLC5")
    assert not c5.scale_delays and c5.delays[-1] == pytest.approx(60e-9)
    assert set(NTN_TDL_PROFILE_NAMES) >= {"NTN-TDLA100", "NTN-TDLC5"}


@pytest.mark.parametrize("name, rms_ns", [("NTN-TDLA100", 100.0), ("NTN-TDLC5", 5.0)])
def test_conformance_profiles_have_the_delay_spread_of_their_name(name, rms_ns):
    """The one-copy TS 38.101-5 profiles are at least self-consistent: the RMS delay spread
    of their taps (LOS part included) is the number in their name, to 1 %."""
    p = ntn_tdl_profile(name)
    w = _lin(p.powers_db)
    tau = torch.tensor(p.delays, dtype=torch.float64)
    mean = (w * tau).sum()
    rms = ((w * tau**2).sum() - mean**2).sqrt().item()
    assert rms == pytest.approx(rms_ns * 1e-9, rel=0.01)


@pytest.mark.parametrize("name", ["NTN-TDL-A", "NTN-TDL-B"])
def test_power_delay_profile(name):
    b, r = 400, 4
    ch = NTNTDLChannel(name, 100e-9, 10.0, n_rx=r, sample_rate=1e6,
                       satellite_doppler=5000.0, seed=11)
    ch(torch.zeros(b, 1, 1, dtype=torch.complex64))
    g = ch.path_gains[..., 0]  # [B,R,X,P]; the common shift has modulus 1
    est = g.abs().pow(2).double().mean(dim=(0, 1, 2))
    ref = _lin(ntn_tdl_profile(name).powers_db)
    n = b * r
    assert torch.all((est - ref).abs() < 5 * ref / math.sqrt(n))
    want = torch.tensor(ntn_tdl_profile(name).delays, dtype=torch.float64) * 100e-9
    assert torch.allclose(ch.path_delays, want)


@pytest.mark.parametrize("name", ["NTN-TDL-C", "NTN-TDL-D"])
def test_k_factor_of_the_los_tap(name):
    b, r = 2000, 2
    ch = NTNTDLChannel(name, 50e-9, 30.0, n_rx=r, sample_rate=1e6, seed=5,
                       satellite_doppler=-20000.0)
    ch(torch.zeros(b, 1, 1, dtype=torch.complex64))
    g = ch.path_gains[..., 0].to(torch.complex128)  # [B,R,1,P]
    tap1 = g[..., 0] + g[..., 1]  # LOS + Rayleigh part share the first delay
    p_los, p_ray = ch.path_powers[0], ch.path_powers[1]
    # |LOS| is constant; the Rayleigh power estimate gives K
    assert torch.allclose(g[..., 0].abs(), p_los.sqrt().expand_as(g[..., 0].abs()).to(
        torch.float64), rtol=1e-5)
    est_ray = (tap1.abs().pow(2).mean() - p_los).item()
    n = b * r
    assert est_ray == pytest.approx(float(p_ray), abs=6 * float(p_ray + p_los) / math.sqrt(n))
    k_est = 10 * math.log10(float(p_los) / est_ray)
    assert k_est == pytest.approx(ntn_tdl_profile(name).k_factor_db, abs=1.0)
    # Rician moment check: E|h|^4 / (E|h|^2)^2 = (2 + 4K + K^2) / (1 + K)^2
    k = float(p_los / p_ray)
    m4 = (tap1.abs() ** 4).mean().item() / (tap1.abs() ** 2).mean().item() ** 2
    assert m4 == pytest.approx((2 + 4 * k + k * k) / (1 + k) ** 2, abs=0.05)


def test_doppler_spectrum_with_the_satellite_shift_removed_is_jakes():
    fs, fd, f_sat, lags, b = 2000.0, 40.0, 617.0, 40, 400
    ch = NTNTDLChannel("NTN-TDL-A", 100e-9, fd, sample_rate=fs, seed=3,
                       satellite_doppler=f_sat, satellite_doppler_rate=3.0, gain_interval=1)
    ch(torch.zeros(b, 1, lags, dtype=torch.complex64))
    g = ch.path_gains[:, 0, 0].to(torch.complex128)  # [B,P,T+1], shift included
    t = ch.path_gain_sample_times.to(torch.float64) / fs
    shift = torch.exp(2j * math.pi * (f_sat * t + 0.5 * 3.0 * t * t))
    raw = (g * g[..., :1].conj()).mean(dim=(0, 1)) / ch.path_powers.mean()
    g = g / shift / ch.path_powers.sqrt()[:, None]
    r_est = (g * g[..., :1].conj()).mean(dim=(0, 1)).real
    tau = torch.arange(r_est.numel(), dtype=torch.float64)
    r_ref = torch.special.bessel_j0(2 * math.pi * fd * tau / fs)
    n = b * ch.n_paths
    assert torch.all((r_est - r_ref).abs() < 5 / math.sqrt(n))
    # before the removal the autocorrelation turns at the satellite Doppler
    lag = 1
    ang = math.atan2(raw[lag].imag.item(), raw[lag].real.item())
    assert ang == pytest.approx(2 * math.pi * f_sat * lag / fs, abs=0.05)


def test_equals_tdlchannel_times_the_common_shift_and_is_continuous():
    kw = {"n_rx": 2, "sample_rate": 1e6, "seed": 9}
    x = torch.randn(2, 1, 3000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    ntn = NTNTDLChannel("NTN-TDL-B", 200e-9, 100.0, satellite_doppler=1234.0,
                        satellite_doppler_rate=-50.0, **kw)
    ref = TDLChannel(ntn_tdl_profile("NTN-TDL-B"), 200e-9, 100.0, **kw)
    y = torch.cat([ntn(x[..., :1000]), ntn(x[..., 1000:])], dim=-1)
    t = torch.arange(3000, dtype=torch.float64) / 1e6
    rot = torch.exp(2j * math.pi * (1234.0 * t - 25.0 * t * t)).to(torch.complex64)
    assert torch.allclose(y, ref(x) * rot, atol=2e-5)
    ntn.reset()
    assert torch.allclose(ntn(x), y, atol=2e-5)
    # the frequency response carries the same rotation
    h = ntn.frequency_response(12, 15e3, torch.tensor([100, 2000]))
    h0 = ref.frequency_response(12, 15e3, torch.tensor([100, 2000]))
    assert torch.allclose(h, h0 * rot[torch.tensor([100, 2000])], atol=1e-5)


def test_ntn_cdl_needs_a_caller_profile():
    with pytest.raises(ValueError, match="Table 6.9.1-3 is not available"):
        ntn_cdl_profile("NTN-CDL-C")
    with pytest.raises(ValueError, match="not available"):
        NTNCDLChannel("NTN-CDL-A", 100e-9, 10.0)
    ch = NTNCDLChannel(cdl_profile("CDL-C"), 100e-9, 10.0, sample_rate=1e6,
                       satellite_doppler=100.0, seed=1)
    y = ch(torch.ones(1, 1, 10, dtype=torch.complex64))
    assert y.shape == (1, 1, 10) and ch.satellite_doppler == 100.0


def test_bad_input():
    with pytest.raises(ValueError, match="satellite_doppler"):
        NTNTDLChannel("NTN-TDL-A", 100e-9, sample_rate=1e6, satellite_doppler=6e5)
    with pytest.raises(ValueError, match="delay_spread"):
        NTNTDLChannel("NTN-TDL-A")
    with pytest.raises(ValueError, match="name"):
        ntn_tdl_profile("NTN-TDL-E")


@settings(max_examples=40, deadline=None)
@given(shift=st.floats(-20e3, 20e3), rate=st.floats(-2e3, 2e3),
       start=st.integers(0, 10**9), n=st.integers(1, 70_000))
def test_rotation_run_equals_per_sample_rotation(shift: float, rate: float, start: int,
                                                 n: int) -> None:
    """The block-factored rotation of a contiguous run is the per-sample rotation
    exp(j 2 pi (f t + r t^2 / 2)) within float32 rounding."""
    d = SatelliteDoppler(shift, rate, 30.72e6)
    ref = d.rotation(torch.arange(start, start + n))
    run = d.rotation_run(start, n)
    assert run.shape == ref.shape
    assert float((run - ref).abs().max()) < 1e-6
