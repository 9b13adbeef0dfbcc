"""The TDL/CDL delay line (softran.channel.delay_line): band-limited path delays keep the
received power of every occupied subcarrier, at every TS 38.104 conformance sample rate.

Averaged over realisations, the received power of subcarrier ``f`` through a fading channel
is ``E|H(f)|^2 = sum_p P_p |C_p(f)|^2`` (uncorrelated paths; ``C_p`` the filter that realises
path ``p``'s delay). Linear interpolation between samples (the delay line's filter before)
has ``|C_p(f)| < 1`` away from f = 0 and lost 0.4 to 1 dB at the band edges; the
band-limited interpolator keeps ``|C_p(f)|`` within its documented error of 1.
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.channel import CDL_PROFILE_NAMES, TDL_PROFILE_NAMES, CDLChannel, TDLChannel
from softran.channel.delay_line import INTERPOLATION_BETA, INTERPOLATION_HALF_LENGTH
from softran.nr import CarrierConfig, ofdm_info

#: (subcarrier spacing kHz, PRBs) of the TS 38.104 §8.2.1 / §8.2.2 FR1 PUSCH requirement
#: tables (5 to 100 MHz channels)
_CONFORMANCE_GRIDS = ((15, 25), (15, 52), (15, 106), (30, 24), (30, 51), (30, 106), (30, 273))
#: documented amplitude error of the interpolator up to 0.4 f_s and up to 0.3125 f_s
_ERROR_WIDE, _ERROR_NARROW = 5.1e-3, 3.3e-3
#: 0.1 dB as a power ratio minus 1
_TENTH_DB = 10 ** 0.01 - 1


def _edge(scs_khz: int, n_sc: int) -> float:
    """Largest |f| of a subcarrier, f_k = (k - n_sc // 2) scs (the delay line's convention)."""
    return max(n_sc // 2, n_sc - 1 - n_sc // 2) * scs_khz * 1e3


def _conformance_rates() -> list[tuple[float, float, float]]:
    """``(sample_rate, bin_spacing, band_edge)`` per conformance sample rate (the default
    ``ofdm_info`` FFT size of each grid): the finest subcarrier spacing used at that rate and
    the largest ``|f|`` of a subcarrier of any grid at that rate."""
    rates: dict[float, tuple[float, float]] = {}
    for scs, n_prb in _CONFORMANCE_GRIDS:
        fs = ofdm_info(CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb)).sample_rate
        spacing, edge = rates.get(fs, (math.inf, 0.0))
        rates[fs] = (min(spacing, scs * 1e3), max(edge, _edge(scs, 12 * n_prb)))
    return sorted((fs, s, e) for fs, (s, e) in rates.items())


RATES = _conformance_rates()


def _amplitude_error(sample_rate: float, band_edge: float) -> float:
    return _ERROR_WIDE if band_edge > 0.3125 * sample_rate else _ERROR_NARROW


def _profiles() -> list[tuple[str, str, float | None]]:
    """Every TDL profile (TR 38.901 ones at the 100 ns nominal delay spread, the TS 38.104 /
    38.101-4 ones with their absolute delays) and every CDL profile (300 ns)."""
    out: list[tuple[str, str, float | None]] = []
    for name in TDL_PROFILE_NAMES:
        out.append(("tdl", name, 100e-9 if name.startswith("TDL-") else None))
    out += [("cdl", name, 300e-9) for name in CDL_PROFILE_NAMES]
    return out


def _probe(fs: float, spacing: float, edge: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One period of a multi-tone with unit tones on every bin ``|f| <= edge`` of an
    ``fs / spacing``-point DFT grid: ``(x [N] complex64, band bins [K] int64)``."""
    n = round(fs / spacing)
    k = torch.fft.fftfreq(n, 1.0 / n).round().long()  # signed bin numbers
    band = torch.nonzero(k.abs() * spacing <= edge * (1 + 1e-12)).flatten()
    spec = torch.zeros(n, dtype=torch.complex128)
    spec[band] = 1.0
    return torch.fft.ifft(spec).to(torch.complex64), band


def _static_response(ch: TDLChannel | CDLChannel, x: torch.Tensor, band: torch.Tensor,
                     batch: int) -> torch.Tensor:
    """``H[b, r, k]`` on the band bins from the faded waveform: the probe ``x`` repeated
    periodically (the last ``memory`` samples, then one period) through a static channel;
    the last period of the output is the circular convolution, so its DFT divided by the
    probe's tones is the channel's response (times the filter delay's linear phase)."""
    n = x.numel()
    memory = math.ceil(float(ch.path_delays.max()) * ch.sample_rate) + 2 * 8
    assert memory <= n
    wave = torch.cat([x[n - memory:], x]).expand(batch, ch.n_tx, n + memory).contiguous()
    y = ch(wave)[..., memory:].to(torch.complex128)
    return torch.fft.fft(y, dim=-1)[..., band]


def test_interpolator_and_conformance_bands():
    assert (INTERPOLATION_HALF_LENGTH, INTERPOLATION_BETA) == (8, 5.0)  # the documented one
    assert [round(fs / 1e6, 2) for fs, _, _ in RATES] == [7.68, 15.36, 30.72, 61.44, 122.88]
    for fs, _, edge in RATES:  # every conformance grid is inside the documented bands
        assert edge <= 0.4 * fs
        assert edge <= 0.3125 * fs or fs == 122.88e6


@pytest.mark.parametrize("fs,spacing,edge", RATES, ids=[f"{r[0] / 1e6:g}Msps" for r in RATES])
def test_average_received_power_per_subcarrier_every_profile(fs, spacing, edge):
    """For every profile: ``batch`` static realisations (1 x 1) with a multi-tone on every
    occupied subcarrier of the conformance grids at this rate.

    1. Per realisation, the faded response equals the ideal one of the drawn path gains,
       ``H_id(f) = sum_p g_p exp(-j 2 pi f (d_p + D) / fs)``, within the interpolation
       error: ``|H - H_id| <= e sum_p |g_p|``.
    2. The average received power per subcarrier equals the total power S = 1 within
       0.1 dB. Estimator (control variate): ``S + mean_b(|H_b|^2 - |H_id,b|^2)``, unbiased
       because ``E|H_id(f)|^2 = sum_p E|g_p|^2 = S`` exactly (independent zero-mean paths,
       checked by the TDL/CDL power tests); the difference is ``O(e)``, so the estimator
       has a small variance. Tolerance: 5 standard errors ``5 std_b / sqrt(batch)`` of
       that difference (two-sided 5 sigma; the subcarriers are strongly correlated, so
       the family-wise false-alarm probability stays below 1e-4) plus the documented
       power error ``(1 + e)^2 - 1``; the test also checks that this tolerance is itself
       within 0.1 dB.
    """
    x, band = _probe(fs, spacing, edge)
    f = torch.fft.fftfreq(x.numel(), 1.0 / fs, dtype=torch.float64)[band]
    e = _amplitude_error(fs, edge)
    batch = 32
    for i, (kind, name, ds) in enumerate(_profiles()):
        ch = (TDLChannel(name, ds, 0.0, sample_rate=fs, seed=100 + i) if kind == "tdl"
              else CDLChannel(name, ds, 0.0, sample_rate=fs, seed=100 + i))
        h = _static_response(ch, x, band, batch)[:, 0]  # [B, K]
        g = ch.path_gains[:, 0, 0, :, 0].to(torch.complex128)  # [B, P] (f_D = 0: constant)
        delay = ch.path_delays * fs + ch.filter_delay  # samples
        h_id = g @ torch.exp(-2j * math.pi * f[None, :] / fs * delay[:, None])  # [B, K]
        bound = e * g.abs().sum(-1, keepdim=True)
        assert torch.all((h - h_id).abs() <= bound), (name, ds)
        s = float(ch.path_powers.sum())
        diff = h.abs().square() - h_id.abs().square()  # [B, K]
        est = s + diff.mean(0)
        tol = s * ((1 + e) ** 2 - 1) + 5 * diff.std(0) / math.sqrt(batch)
        assert float(tol.max()) <= s * _TENTH_DB, (name, ds)
        assert torch.all((est - s).abs() <= tol), (name, ds, float((est / s).log10().abs().max()))


@pytest.mark.slow
@pytest.mark.parametrize("name,scs,n_prb", [("TDLB100", 15, 25), ("TDLC300", 30, 24)])
def test_average_received_power_per_subcarrier_plain_monte_carlo(name, scs, n_prb):
    """The same statement without the control variate: the plain average of |H_k|^2 over
    n = 122880 independent static links (30 seeds x 64 realisations x 64 receive antennas;
    the links of a TDL realisation are independent). G-FR1-A3-8 (25 PRB, 15 kHz, 7.68 Msps)
    and the 30 kHz 10 MHz grid (15.36 Msps). Tolerance: the documented power error plus 5
    standard errors ``5 std_k / sqrt(n)`` (about 0.062 dB for Rayleigh fading, std = S);
    checked to be within 0.1 dB."""
    fs = ofdm_info(CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb)).sample_rate
    edge = _edge(scs, 12 * n_prb)
    x, band = _probe(fs, scs * 1e3, edge)
    assert band.numel() >= 12 * n_prb
    total = torch.zeros(band.numel(), dtype=torch.float64)
    total_sq = torch.zeros_like(total)
    n_seeds, batch, n_rx = 30, 64, 64
    for seed in range(n_seeds):
        ch = TDLChannel(name, None, 0.0, n_rx=n_rx, sample_rate=fs, seed=1000 + seed)
        p = _static_response(ch, x, band, batch).abs().square().reshape(-1, band.numel())
        total += p.sum(0)
        total_sq += p.square().sum(0)
    n = n_seeds * batch * n_rx
    mean = total / n
    std = ((total_sq / n - mean.square()) * n / (n - 1)).clamp_min(0.0).sqrt()
    e = _amplitude_error(fs, edge)
    tol = (1 + e) ** 2 - 1 + 5 * std / math.sqrt(n)
    assert float(tol.max()) <= _TENTH_DB
    assert torch.all((mean - 1.0).abs() <= tol), float((mean - 1).abs().max())
