"""CDL fading channel (TR 38.901 §7.7.1/7.7.3/7.5/7.3): tables, statistics, geometry,
Doppler, continuity, filtering."""

import math

import pytest
import torch
from delay_reference import delayed

from softran.channel.antenna import AntennaArray
from softran.channel.cdl import SPEED_OF_LIGHT, CDLChannel
from softran.channel.fractional_delay import fractional_delay_taps
from softran.channel.cdl_profiles import (CDL_PROFILE_NAMES, CDLProfile, cdl_profile,
                                          ray_offset_angles)

ISO = AntennaArray()


def _one_cluster(aod=-40.0, aoa=30.0, zod=100.0, zoa=70.0, c=0.0, xpr=10.0, los=False):
    return CDLProfile("one", (0.0,), (0.0,), (aod,), (aoa,), (zod,), (zoa,), c, c, c, c, xpr, los)


def _gains0(ch, batch, n_t=1):
    ch(torch.zeros(batch, ch.n_tx, n_t, dtype=torch.complex64))
    return ch.path_gains.to(torch.complex128)


# ---------------------------------------------------------------- tables

def test_cdl_tables_spot_check():
    # TR 38.901 Table 7.7.1-1 (CDL-A) clusters 1 and 23, cluster spreads and XPR
    a = cdl_profile("CDL-A")
    assert (a.delays[0], a.powers_db[0], a.aod[0], a.aoa[0], a.zod[0], a.zoa[0]) == \
        (0.0, -13.4, -178.1, 51.3, 50.2, 125.4)
    assert (a.delays[22], a.powers_db[22], a.aod[22], a.aoa[22], a.zod[22], a.zoa[22]) == \
        (9.6586, -29.7, -56.2, 55.2, 144.9, 156.1)
    assert (a.c_asd, a.c_asa, a.c_zsd, a.c_zsa, a.xpr_db, a.los) == (5, 11, 3, 3, 10, False)
    # Table 7.7.1-3 (CDL-C): 24 clusters, cluster 1; Tables 7.7.1-4/5: LOS rows and K
    c = cdl_profile("CDL-C")
    assert c.n_paths == 24 and (c.delays[1], c.powers_db[1], c.aod[1]) == (0.2099, -1.2, -22.8)
    d, e = cdl_profile("CDL-D"), cdl_profile("CDL-E")
    assert d.los and e.los and d.n_paths == 14 and e.n_paths == 15
    assert d.k_factor_db == pytest.approx(13.3) and e.k_factor_db == pytest.approx(22.0)
    assert (d.aod[0], d.aoa[0], d.zod[0], d.zoa[0]) == (0.0, -180.0, 98.5, 81.5)
    assert d.delays[:2] == (0.0, 0.0) and d.aoa[:2] == (-180.0, -180.0)


def test_ray_offsets_table_7_5_3():
    a = torch.tensor(ray_offset_angles(), dtype=torch.float64)
    assert a.numel() == 20
    # Table 7.5-3 pairs +-alpha: 0.0447, 0.1413, ..., 2.1551 (e.g. ns-3 offSetAlpha)
    assert a[::2].tolist() == [0.0447, 0.1413, 0.2492, 0.3715, 0.5129, 0.6797, 0.8844,
                               1.1481, 1.5195, 2.1551]
    assert torch.equal(a[1::2], -a[::2])
    # "given for rms angle spread normalized to 1"
    assert float(a.pow(2).mean().sqrt()) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("alias", ["CDL-C", "cdlc", "CDL_C", "cdl c", "Cdl-C"])
def test_profile_names_tolerant(alias):
    assert cdl_profile(alias).name == "CDL-C"
    assert CDL_PROFILE_NAMES == ("CDL-A", "CDL-B", "CDL-C", "CDL-D", "CDL-E")


# ---------------------------------------------------------------- powers and delays

def test_average_power_per_cluster_and_total():
    b = 2000
    ch = CDLChannel("CDL-B", 100e-9, 20.0, sample_rate=1e6, seed=3)
    g = _gains0(ch, b)[:, 0, 0, :, 0]  # [B, P]
    est = g.abs().pow(2).mean(0)
    ref = ch.path_powers
    ref_tab = torch.tensor([10 ** (x / 10) for x in cdl_profile("CDL-B").powers_db],
                           dtype=torch.float64)
    assert torch.allclose(ref, ref_tab / ref_tab.sum())
    assert float(ref.sum()) == pytest.approx(1.0)
    # |h_n|^2 of 20 equal-power random phasors: std <= P_n, std of the mean P_n / sqrt(b)
    assert torch.all((est - ref).abs() < 5 * ref / math.sqrt(b))
    tot = g.abs().pow(2).sum(-1)
    assert abs(float(tot.mean()) - 1.0) < 5 * float(tot.std()) / math.sqrt(b)


def test_not_normalized_keeps_table_powers():
    ch = CDLChannel("CDL-A", 100e-9, 0.0, sample_rate=1e6, normalize=False, seed=0)
    assert float(ch.path_powers[1]) == pytest.approx(1.0)  # the 0 dB cluster
    assert float(ch.path_powers[0]) == pytest.approx(10 ** -1.34)


@pytest.mark.parametrize("name", ["CDL-A", "CDL-C", "CDL-D", "CDL-E"])
def test_scaled_rms_delay_spread(name):
    ds = 300e-9
    ch = CDLChannel(name, ds, 10.0, sample_rate=1e6)
    p, d = ch.path_powers, ch.path_delays
    mean = (p * d).sum()
    rms = float(((p * (d - mean) ** 2).sum()).sqrt())
    assert rms == pytest.approx(ds, rel=0.01)  # tables normalised to DS = 1 (CDL-D: 0.994)
    assert torch.allclose(d, torch.tensor(cdl_profile(name).delays, dtype=torch.float64) * ds)


def test_los_k_factor_cdl_d():
    b = 2000
    ch = CDLChannel("CDL-D", 30e-9, 100.0, sample_rate=1e6, seed=4)
    ch(torch.zeros(b, 1, 2000, dtype=torch.complex64))
    g = ch.path_gains.to(torch.complex128)[:, 0, 0]  # [B, P, Ng]
    p = ch.path_powers
    # LOS path (eq. 7.5-29, isotropic vertical elements): constant amplitude sqrt(P_0)
    assert torch.allclose(g[:, 0].abs(), p[0].sqrt().expand(b, g.shape[-1]), rtol=1e-6)
    p1 = g[:, 1, 0].abs().pow(2)
    assert abs(float(p1.mean() - p[1])) < 5 * float(p[1]) / math.sqrt(b)
    k_db = 10 * math.log10(float(p[0] / p1.mean()))
    assert k_db == pytest.approx(13.3, abs=5 * 10 / math.log(10) / math.sqrt(b))


def test_los_polarisation_matrix_by_hand():
    # eq. 7.5-29: F_rx^T diag(1, -1) F_tx with model-2 slants: cos(zeta_r) cos(zeta_t)
    # - sin(zeta_r) sin(zeta_t) = cos(zeta_r + zeta_t): 0 for (+45, +45), 1 for (+45, -45)
    xp = AntennaArray(n_pol=2)
    ch = CDLChannel("CDL-E", 100e-9, 0.0, tx_array=xp, rx_array=xp, sample_rate=1e6, seed=1)
    g = _gains0(ch, 2)[..., 0, 0]  # LOS path, [B, R, X]
    s = math.sqrt(ch.path_powers[0])
    ref = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64) * s
    assert torch.allclose(g.abs(), ref.expand(2, 2, 2), atol=1e-6)


def test_38901_element_gain_on_los_path():
    # CDL-D LOS: AOD 0, ZOD 98.5 at the BS (bearing 0); AOA -180, ZOA 81.5 at the UE.
    # Table 7.3-1: tx A = 8 - 12 (8.5/65)^2; rx: A_H = -30 (back), A_V = -12 (8.5/65)^2,
    # A = 8 - min(30 + 12 (8.5/65)^2, 30) = -22 dB
    el = AntennaArray(element="38.901")
    ch = CDLChannel("CDL-D", 100e-9, 0.0, tx_array=el, rx_array=el, sample_rate=1e6, seed=2)
    g0 = _gains0(ch, 1)[0, 0, 0, 0, 0]
    a_tx = 8 - 12 * (8.5 / 65) ** 2
    a_rx = -22.0
    p0 = float(ch.path_powers[0])
    assert float(g0.abs() ** 2) == pytest.approx(p0 * 10 ** ((a_tx + a_rx) / 10), rel=1e-6)
    # the UE turned to face the BS (bearing 180): A_rx = 8 - 12 (8.5/65)^2
    el_ue = AntennaArray(element="38.901", bearing=180.0)
    ch = CDLChannel("CDL-D", 100e-9, 0.0, tx_array=el, rx_array=el_ue, sample_rate=1e6, seed=2)
    g0 = _gains0(ch, 1)[0, 0, 0, 0, 0]
    assert float(g0.abs() ** 2) == pytest.approx(p0 * 10 ** (2 * a_tx / 10), rel=1e-6)


# ---------------------------------------------------------------- rays

def test_ray_angles_spread_and_coupling():
    prof = cdl_profile("CDL-A")
    ch = CDLChannel(prof, 100e-9, 10.0, sample_rate=1e6, seed=5)
    _gains0(ch, 3)
    alpha = torch.tensor(ray_offset_angles(), dtype=torch.float64)
    for key, c_as in (("aod", prof.c_asd), ("aoa", prof.c_asa), ("zod", prof.c_zsd),
                      ("zoa", prof.c_zsa)):
        ang = ch.ray_angles[key]  # [B, N, 20]
        centre = torch.tensor(getattr(prof, key), dtype=torch.float64)[None, :, None]
        off = ang - centre
        # each cluster holds the 20 offsets c_AS * alpha_m (eq. 7.7-0a), in some order
        assert torch.allclose(off.sort(-1).values, (c_as * alpha).sort().values.expand_as(off),
                              atol=1e-9)
        rms = off.pow(2).mean(-1).sqrt()
        assert torch.allclose(rms, torch.full_like(rms, c_as * float(alpha.pow(2).mean().sqrt())))
    # random coupling: AOA in table order, AOD/ZOD/ZOA shuffled, differently per batch
    aoa_off = ch.ray_angles["aoa"] - torch.tensor(prof.aoa, dtype=torch.float64)[None, :, None]
    assert torch.allclose(aoa_off, (prof.c_asa * alpha).expand_as(aoa_off))
    rank = ch.ray_angles["aod"].argsort(-1)
    assert not torch.equal(rank[0], rank[1])
    assert not torch.equal(ch.ray_angles["zod"].argsort(-1)[0], rank[0])


# ---------------------------------------------------------------- Doppler

def test_doppler_tone_single_ray_direction():
    # one cluster, zero angle spread: every ray arrives from (ZOA 70, AOA 30); UE moves
    # along (azimuth 10, zenith 90): f = f_D r_hat . v_hat = f_D sin 70 cos(30 - 10)
    fs, fd = 1e4, 200.0
    ch = CDLChannel(_one_cluster(), 1e-9, fd, sample_rate=fs, ue_direction=(10.0, 90.0),
                    gain_interval=1, seed=6)
    g = _gains0(ch, 2, 200)[:, 0, 0, 0]  # [B, T+1]
    f_ref = fd * math.sin(math.radians(70)) * math.cos(math.radians(20))
    dphi = torch.angle(g[:, 1:] / g[:, :-1])
    assert torch.allclose(dphi, torch.full_like(dphi, 2 * math.pi * f_ref / fs), atol=1e-9)
    # the faded constant input is the same tone
    ch.reset()
    y = ch(torch.ones(2, 1, 200, dtype=torch.complex64)).to(torch.complex128)
    y = y[..., 15:]  # after the filter delay and the interpolator's 16 taps
    dphi = torch.angle(y[:, 0, 1:] / y[:, 0, :-1])
    assert torch.allclose(dphi, torch.full_like(dphi, 2 * math.pi * f_ref / fs), atol=1e-5)


def test_ue_speed_sets_max_doppler():
    ch = CDLChannel("CDL-A", 100e-9, carrier_frequency=3.5e9, ue_speed=30.0)
    assert ch.max_doppler == pytest.approx(30.0 * 3.5e9 / SPEED_OF_LIGHT)
    assert ch.max_doppler == pytest.approx(350.24, abs=0.01)


def test_spectrum_within_max_doppler():
    fs, fd, n = 2000.0, 50.0, 4000
    ch = CDLChannel("CDL-B", 100e-9, fd, sample_rate=fs, seed=7, ue_direction=(37.0, 60.0))
    y = ch(torch.ones(8, 1, n, dtype=torch.complex64)).to(torch.complex128)[:, 0]
    win = torch.hann_window(n, periodic=False, dtype=torch.float64)
    spec = torch.fft.fft(y * win).abs().pow(2).sum(0)
    f = torch.fft.fftfreq(n, 1 / fs).abs()
    inside = spec[f <= fd + 4 * fs / n].sum()  # Hann main lobe: 2 bins
    assert float(inside / spec.sum()) > 0.9999


# ---------------------------------------------------------------- geometry

def test_array_phase_by_hand():
    # single ray direction; phase of element 1 relative to element 0 = 2 pi r_hat . d
    th_a, ph_a, th_d, ph_d = 70.0, 30.0, 100.0, -40.0
    prof = _one_cluster(aod=ph_d, aoa=ph_a, zod=th_d, zoa=th_a)
    rx = AntennaArray(n_rows=2, n_cols=2, spacing=(0.7, 0.5))
    tx = AntennaArray(n_cols=2, bearing=90.0)  # columns along -x
    ch = CDLChannel(prof, 1e-9, 0.0, tx_array=tx, rx_array=rx, sample_rate=1e6, seed=8)
    g = _gains0(ch, 1)[0, :, :, 0, 0]  # [R=4, X=2]
    s, c = math.sin, math.cos
    r = math.radians
    # rx element order (m, n): 0=(0,0), 1=(0,1) [y = 0.5], 2=(1,0) [z = 0.7]
    ph_col = 2 * math.pi * 0.5 * s(r(th_a)) * s(r(ph_a))
    ph_row = 2 * math.pi * 0.7 * c(r(th_a))
    # tx element 1 at (-0.5, 0, 0) in the GCS (bearing 90)
    ph_tx = 2 * math.pi * (-0.5) * s(r(th_d)) * c(r(ph_d))

    def rel(a, b):
        return torch.exp(1j * torch.angle(a / b).double())

    def ref(p):
        return torch.exp(1j * torch.tensor(p, dtype=torch.float64))

    assert torch.allclose(rel(g[1, 0], g[0, 0]), ref(ph_col), atol=1e-5)
    assert torch.allclose(rel(g[2, 0], g[0, 0]), ref(ph_row), atol=1e-5)
    assert torch.allclose(rel(g[3, 1], g[0, 0]), ref(ph_col + ph_row + ph_tx), atol=1e-5)
    assert torch.allclose(g.abs(), g[0, 0].abs().expand(4, 2), rtol=1e-5)


def test_cross_polar_power_ratio():
    # eq. 7.5-22 per ray with F = (cos zeta, sin zeta), zeta = +-45 deg at both ends:
    # c_r c_t e^{jPhi1} + c_r s_t k e^{jPhi2} + s_r c_t k e^{jPhi3} + s_r s_t e^{jPhi4},
    # k^2 = 1/kappa; independent phases: E|.|^2 = (1 + k^2 + k^2 + 1) / 4 for every pair
    b = 4000
    xpr = 7.0
    k2 = 10 ** (-xpr / 10)
    xp = AntennaArray(n_pol=2)
    ch = CDLChannel(_one_cluster(xpr=xpr), 1e-9, 0.0, tx_array=xp, rx_array=xp,
                    sample_rate=1e6, seed=9)
    g = _gains0(ch, b)[..., 0, 0]  # [B, R, X]
    est = g.abs().pow(2).mean(0)
    ref = (2 + 2 * k2) / 4
    assert torch.allclose(est, torch.full_like(est, ref), rtol=5 / math.sqrt(b))


def test_uplink_is_reciprocal_transpose():
    a = AntennaArray(n_cols=2, n_pol=2, element="38.901")  # base station
    u = AntennaArray(n_pol=2, bearing=120.0)  # UE
    kw = dict(sample_rate=1e5, seed=10, ue_direction=(45.0, 80.0))
    dl = CDLChannel("CDL-C", 100e-9, 300.0, tx_array=a, rx_array=u, **kw)
    ul = CDLChannel("CDL-C", 100e-9, 300.0, tx_array=u, rx_array=a, uplink=True, **kw)
    g_dl = _gains0(dl, 2, 500)
    g_ul = _gains0(ul, 2, 500)
    assert g_ul.shape == (2, 4, 2, 24, g_dl.shape[-1])
    assert torch.allclose(g_ul, g_dl.transpose(1, 2), atol=1e-6)


# ---------------------------------------------------------------- filtering and state

def test_output_is_convolution_with_time_varying_gains():
    # y[n] = sum_p g_p(n - D) x(n - D - d_p), D = filter_delay
    fs = 2e6
    xp = AntennaArray(n_pol=2)
    ch = CDLChannel("CDL-A", 1e-6, 2000.0, tx_array=xp, rx_array=xp, sample_rate=fs,
                    seed=11, gain_interval=1)
    t, dd = 50, ch.filter_delay
    x = torch.randn(2, 2, t, dtype=torch.complex64, generator=torch.Generator().manual_seed(0))
    y = ch(x)
    g = ch.path_gains.to(torch.complex128)  # [B,R,X,P,T+1] at sample instants -D..T-D
    assert torch.equal(ch.path_gain_sample_times, torch.arange(-dd, t - dd + 1))
    d = ch.path_delays * fs
    k, f = torch.floor(d).long(), (d - torch.floor(d))
    ref = torch.zeros(2, 2, t, dtype=torch.complex128)
    for n in range(t):
        for p in range(ch.n_paths):
            xd = delayed(x, int(k[p]), float(f[p]), n - dd)  # [B, X]
            ref[..., n] += (g[:, :, :, p, n] * xd[:, None, :]).sum(-1)
    assert torch.allclose(y.to(torch.complex128), ref, atol=1e-5)


def test_gain_interpolation_between_grid_points():
    # gain_interval 7, start off the grid: the gain at (physical) sample m is the linear
    # interpolation of the grid values
    fs, step = 1e5, 7
    ch = CDLChannel("CDL-B", 300e-9, 500.0, sample_rate=fs, seed=12, gain_interval=step)
    dd = ch.filter_delay
    ch(torch.zeros(1, 1, 10, dtype=torch.complex64))  # time 10: physical 10 - 7 = 3
    x = torch.zeros(1, 1, 40, dtype=torch.complex64)
    x[0, 0, 0] = 1.0  # impulse at absolute sample 10
    y = ch(x)
    g = ch.path_gains[0, 0, 0].to(torch.complex128)  # [P, Ng] at 0, 7, 14, ...
    assert ch.path_gain_sample_times.tolist()[:3] == [0, 7, 14]
    d = ch.path_delays * fs  # all below one sample here (1.4 us max: 0.14 samples)
    assert torch.all(torch.floor(d) == 0)
    # output sample 17 (index 7 of this call) is physical time 17 - D = 10: it reads the
    # impulse through tap i = 0 of each path's interpolator, with the gains at time 10
    assert dd == 7
    w = (10 - 7) / step
    g10 = (1 - w) * g[:, 1] + w * g[:, 2]
    tap0 = torch.stack([fractional_delay_taps(float(m), 8, 5.0)[7] for m in d])
    assert torch.allclose(y[0, 0, 7].to(torch.complex128), (g10 * tap0).sum(), atol=1e-6)


def test_continuity_across_calls_and_reset():
    xp = AntennaArray(n_cols=2, n_pol=2)
    kw = dict(tx_array=xp, rx_array=AntennaArray(n_pol=2), sample_rate=1e6, gain_interval=37)
    x = torch.randn(2, 4, 3000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    a = CDLChannel("CDL-C", 300e-9, 300.0, seed=9, **kw)
    full = a(x)
    b = CDLChannel("CDL-C", 300e-9, 300.0, seed=9, **kw)
    halves = torch.cat([b(x[..., :1234]), b(x[..., 1234:])], dim=-1)
    assert torch.allclose(full, halves, atol=1e-5)
    a.reset()
    assert torch.allclose(a(x), full, atol=1e-6)
    c = CDLChannel("CDL-C", 300e-9, 300.0, seed=10, **kw)
    assert not torch.allclose(c(x), full, atol=1e-2)


def test_frequency_response_matches_filter_on_a_tone():
    fs, scs, n_sc = 30.72e6, 30e3, 64
    xp = AntennaArray(n_pol=2, element="38.901")
    ch = CDLChannel("CDL-C", 300e-9, 0.0, tx_array=xp, rx_array=xp, sample_rate=fs, seed=8)
    kk = 40
    f = (kk - n_sc // 2) * scs
    t = torch.arange(400, dtype=torch.float64)
    tone = torch.exp(2j * math.pi * f * t / fs).to(torch.complex64)
    x = torch.stack([tone, torch.zeros_like(tone)])[None]  # tone on tx 0 only
    y = ch(x)
    h = ch.frequency_response(n_sc, scs, torch.tensor([0]))[0, :, 0, kk, 0]  # [R]
    steady = slice(100, 400)  # after the longest delay (80 samples) and the filter
    dd = ch.filter_delay
    ref = h[:, None] * tone[steady.start - dd:steady.stop - dd]
    assert torch.allclose(y[0, :, steady], ref, atol=1e-5)


def test_bad_inputs():
    with pytest.raises(TypeError):
        CDLChannel(5, 100e-9)
    with pytest.raises(ValueError):
        CDLChannel("CDL-F", 100e-9)
    with pytest.raises(ValueError):
        CDLChannel("CDL-A", 0.0)
    with pytest.raises(ValueError):
        CDLChannel("CDL-A", 100e-9, -1.0)
    with pytest.raises(ValueError):
        CDLChannel("CDL-A", 100e-9, 10.0, carrier_frequency=3e9, ue_speed=3.0)
    with pytest.raises(ValueError):
        CDLChannel("CDL-A", 100e-9, ue_speed=3.0)  # no carrier frequency
    with pytest.raises(TypeError):
        CDLChannel("CDL-A", 100e-9, tx_array="1x2")
    with pytest.raises(ValueError):
        CDLChannel("CDL-A", 100e-9, ue_direction=(0.0,))
    with pytest.raises(TypeError):
        CDLChannel("CDL-A", 100e-9, uplink=1)
    with pytest.raises(ValueError):
        CDLProfile("x", (0.0, 1.0), (0.0,), (0.0,), (0.0,), (90.0,), (90.0,), 1, 1, 1, 1, 10, False)
    with pytest.raises(ValueError):
        _one_cluster(c=-1.0)
    ch = CDLChannel("CDL-A", 100e-9, 10.0, tx_array=AntennaArray(n_pol=2), seed=0)
    with pytest.raises(ValueError):
        ch(torch.zeros(1, 1, 10, dtype=torch.complex64))
    with pytest.raises(TypeError):
        ch(torch.zeros(1, 2, 10))
    with pytest.raises(ValueError):
        ch.frequency_response(12, 30e3, torch.tensor([0]))  # no call yet
    ch(torch.zeros(2, 2, 10, dtype=torch.complex64))
    with pytest.raises(ValueError):
        ch(torch.zeros(3, 2, 10, dtype=torch.complex64))  # batch changed without reset
    with pytest.raises(TypeError):
        ch.frequency_response(12, 30e3, torch.tensor([0.5]))


# --- §7.7.5.1 angle scaling ------------------------------------------------------------------

def _table_weights(prof):
    import torch as _t
    p = _t.tensor([10.0 ** (x / 10.0) for x in prof.powers_db], dtype=_t.float64)
    w = (p / 20)[:, None].expand(-1, 20).clone()
    if prof.los:
        w[0] = 0.0
        w[0, 0] = p[0]
    return w


@pytest.mark.parametrize("name", ["CDL-A", "CDL-C", "CDL-D"])
def test_angle_scaling_reaches_the_desired_spreads_and_means(name):
    from softran.channel.cdl import angular_spread
    desired = (5.0, 6.0, 2.0, 3.0)
    means = (10.0, -60.0, 95.0, 80.0)
    ch = CDLChannel(name, 100e-9, 0.0, angle_spreads=desired, mean_angles=means, seed=0)
    w = _table_weights(ch.profile)
    for i, key in enumerate(("aod", "aoa", "zod", "zoa")):
        spread, mean = angular_spread(ch.ray_table[key], w)
        # §7.7.5.1 scales linearly about the circular mean; eq. A-1 (a circular measure) of
        # the result is the request only to first order, and the circular mean of a skewed
        # ray set moves by (scale) x (its arithmetic-vs-circular mean offset)
        assert spread == pytest.approx(desired[i], rel=0.15)
        assert mean == pytest.approx(means[i], abs=0.15 * desired[i])


def test_angle_scaling_keeps_the_model_mean_by_default_and_is_linear():
    from softran.channel.cdl import angular_spread
    plain = CDLChannel("CDL-B", 100e-9, 0.0, seed=0)
    scaled = CDLChannel("CDL-B", 100e-9, 0.0, angle_spreads=(3.0, 3.0, 3.0, 3.0), seed=0)
    w = _table_weights(plain.profile)
    for key in ("aod", "aoa"):
        as_m, mu_m = angular_spread(plain.ray_table[key], w)
        dev = torch.remainder(plain.ray_table[key] - mu_m + 180, 360) - 180
        expect = torch.remainder(3.0 / as_m * dev + mu_m + 180, 360) - 180
        torch.testing.assert_close(scaled.ray_table[key], expect)


def test_angle_scaling_bad_inputs():
    with pytest.raises(ValueError, match="angle_spreads"):
        CDLChannel("CDL-A", 100e-9, 0.0, angle_spreads=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="angle_spreads"):
        CDLChannel("CDL-A", 100e-9, 0.0, angle_spreads=(1.0, 0.0, 3.0, 4.0))
    with pytest.raises(ValueError, match="mean_angles needs angle_spreads"):
        CDLChannel("CDL-A", 100e-9, 0.0, mean_angles=(1.0, 0.0, 3.0, 4.0))
