"""PSS search of UE cell search (TS 38.211 §7.4.2.2): correlation of a recording with the three
PSS under CFO hypotheses, the detection threshold from a false-alarm target, and the fine CFO
from the two halves of the PSS. The receiver model and the steps of the whole search are those
of :mod:`softran.nr.ssb.cell_search` (steps 1 and 2 there).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

import torch

from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.sequences import pss
from softran.nr.ssb.block import (
    SSB_N_SUBCARRIERS,
    ssb_indices,
)
from softran.validation import (
    check_allocation,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = [
    "SSB_SCS_VALUES",
    "PSSDetection",
    "check_rx_waveform",
    "check_ssb_scs",
    "pss_cfo_hypotheses",
    "pss_half_products",
    "pss_search",
    "pss_threshold",
    "pss_time_domain",
    "ssb_symbol_numerology",
]

#: Subcarrier spacings (kHz) of the SS/PBCH block cases A-E (TS 38.213 §4.1).
SSB_SCS_VALUES = (15, 30, 120, 240)


# ------------------------------------------------------------------------------ helpers
def check_ssb_scs(scs: object) -> int:
    """``scs`` checked as an SS/PBCH block subcarrier spacing in kHz (TS 38.213 §4.1 cases:
    15, 30, 120, 240).

    >>> check_ssb_scs(30)
    30
    """
    return check_choice("scs", check_int("scs", scs), SSB_SCS_VALUES)


@functools.lru_cache(maxsize=32)
def ssb_symbol_numerology(scs: int, sample_rate: float) -> tuple[int, int]:
    """(nfft, N_cp of the SS/PBCH block symbols) at ``sample_rate`` (TS 38.211 §5.3.1: the
    block's symbols all have the short cyclic prefix).

    >>> ssb_symbol_numerology(30, 7.68e6)
    (256, 18)
    """
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    info = ofdm_info(carrier, sample_rate=sample_rate)
    if info.nfft < 256:
        raise ValueError(f"sample_rate = {sample_rate:g} Hz is too low: the receiver needs "
                         f"nfft >= 256 (sample_rate >= {256 * scs * 1e3:g} Hz)")
    return info.nfft, info.cyclic_prefix_lengths[1]


@functools.lru_cache(maxsize=32)
def pss_time_domain(scs: int, sample_rate: float) -> torch.Tensor:
    """complex64 ``[3, L]``: the PSS of N_ID^(2) = 0, 1, 2 (TS 38.211 §7.4.2.2) alone in an
    OFDM symbol with the short cyclic prefix, in the time domain (cached; CPU).

    >>> pss_time_domain(30, 7.68e6).shape
    torch.Size([3, 274])
    """
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    grid = torch.zeros(3, 1, 2, SSB_N_SUBCARRIERS, dtype=torch.complex64)
    k = ssb_indices(0).pss % SSB_N_SUBCARRIERS
    grid[:, 0, 1, k] = pss(torch.arange(3)).to(torch.complex64)
    w = ofdm_modulate(grid, carrier, sample_rate=sample_rate)[:, 0]    # [3, L0 + L]
    nfft, n_cp = ssb_symbol_numerology(scs, sample_rate)
    return w[:, w.shape[-1] - nfft - n_cp:].contiguous()


def check_rx_waveform(waveform: object) -> torch.Tensor:
    """``waveform`` checked as received samples ``[T]`` or ``[n_rx, T]`` (complex); returned as
    complex64 ``[n_rx, T]``.

    >>> check_rx_waveform(torch.zeros(8, dtype=torch.complex64)).shape
    torch.Size([1, 8])
    """
    x = check_tensor("waveform", waveform, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"waveform must be a complex tensor, got dtype {x.dtype}")
    check_finite("waveform", x)
    if x.dim() > 2:
        raise ValueError(f"waveform must be [T] or [n_rx, T], got shape {tuple(x.shape)}")
    return x.reshape(-1, x.shape[-1]).to(torch.complex64)


def _fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (a fast FFT length)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _running_max(x: torch.Tensor, radius: int) -> torch.Tensor:
    """``out[..., j] = max(x[..., j - radius .. j + radius])`` (van Herk / Gil-Werman, O(T))."""
    w = 2 * radius + 1
    t = x.shape[-1]
    n_blocks = -(-(t + 2 * radius) // w)
    pad_right = n_blocks * w - t - radius
    xp = torch.nn.functional.pad(x, (radius, pad_right), value=-math.inf)
    blocks = xp.unflatten(-1, (n_blocks, w))
    g = blocks.cummax(-1).values.flatten(-2)                    # prefix max within block
    h = blocks.flip(-1).cummax(-1).values.flip(-1).flatten(-2)  # suffix max within block
    j = torch.arange(t, device=x.device)
    return torch.maximum(h[..., j], g[..., j + w - 1])


def _sinc(x: float) -> float:
    return 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)


# ------------------------------------------------------------------------------ PSS
def pss_cfo_hypotheses(scs: int, *, max_cfo_hz: float = 5e3,
                       max_loss_db: float = 0.5) -> list[float]:
    """CFO hypotheses for the PSS search of a UE (TS 38.211 §7.4.2.2 PSS, §7.4.3 SSB).

    A residual CFO e over the correlation length ``T = (2048 + 144) / 2048 / Δf`` (one
    symbol with its short cyclic prefix) reduces the PSS correlation power by
    ``sinc²(e T)``. The largest tolerable residual is ``e_max = x / T`` with
    ``sinc²(x) = 10^(-max_loss_db / 10)``; the hypotheses are ``k max_cfo_hz / n``,
    k = -n..n, with the smallest n that spaces them at most ``2 e_max`` apart (so every CFO
    in ``±max_cfo_hz`` is within ``e_max`` of one).

    Parameters
    ----------
    scs : subcarrier spacing Δf in kHz: 15, 30, 120 or 240.
    max_cfo_hz : largest |CFO| to cover, Hz (>= 0).
    max_loss_db : largest correlation loss, dB (> 0, < 10).

    Returns
    -------
    list of 2n + 1 CFOs in Hz, ascending, symmetric, including 0.

    >>> pss_cfo_hypotheses(30), pss_cfo_hypotheses(15, max_cfo_hz=10e3)
    ([-5000.0, 0.0, 5000.0], [-10000.0, -5000.0, 0.0, 5000.0, 10000.0])
    """
    scs = check_ssb_scs(scs)
    max_cfo_hz = check_real("max_cfo_hz", max_cfo_hz, 0.0)
    max_loss_db = check_real("max_loss_db", max_loss_db, 1e-6, 10.0)
    target = 10.0 ** (-max_loss_db / 20.0)                  # sinc(x) at the largest x
    lo, hi = 0.0, 1.0
    for _ in range(60):                                     # sinc decreasing on [0, 1]
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _sinc(mid) > target else (lo, mid)
    t_corr = (2048 + 144) / 2048 / (scs * 1e3)
    e_max = lo / t_corr
    n = math.ceil(max_cfo_hz / (2 * e_max)) if max_cfo_hz > 0 else 0
    return [k * max_cfo_hz / n for k in range(-n, n + 1)] if n else [0.0]


def pss_threshold(length: int, n_rx: int, n_tests: int, false_alarm: float) -> float:
    """Threshold of the normalised PSS metric for a false-alarm probability (TS 38.211
    §7.4.2.2 PSS; the detector of the module docstring).

    Solves ``Q(n_rx, n_rx * length * η) = false_alarm / n_tests`` for η, Q the regularised
    upper incomplete gamma function: under white Gaussian noise, ``n_rx length m`` of one
    test is about Gamma(n_rx, 1) distributed, and the union bound over ``n_tests`` tests
    gives a probability of any false alarm of at most ``false_alarm``.

    Parameters
    ----------
    length : L, samples of the correlation window (>= 2).
    n_rx : receive antennas (>= 1).
    n_tests : number of tested (N_ID^(2), CFO hypothesis, timing) triples (>= 1).
    false_alarm : target probability of one or more false alarms, 0 < p < 1.

    Returns
    -------
    η in (0, 1).

    >>> round(pss_threshold(548, 1, 1, 1e-3), 5)          # ln(1000) / 548
    0.01261
    """
    length = check_int("length", length, 2)
    n_rx = check_int("n_rx", n_rx, 1)
    n_tests = check_int("n_tests", n_tests, 1)
    false_alarm = check_real("false_alarm", false_alarm, 0.0, 1.0)
    if not 0.0 < false_alarm < 1.0:
        raise ValueError(f"false_alarm = {false_alarm} is out of range; allowed: 0 < p < 1")
    log_p = math.log(false_alarm) - math.log(n_tests)
    a = torch.tensor(float(n_rx), dtype=torch.float64)
    lo, hi = 0.0, float(n_rx)
    while math.log(float(torch.special.gammaincc(a, torch.tensor(hi, dtype=torch.float64)))
                   + 1e-300) > log_p:
        hi *= 2.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        q = float(torch.special.gammaincc(a, torch.tensor(mid, dtype=torch.float64)))
        lo, hi = (mid, hi) if math.log(q + 1e-300) > log_p else (lo, mid)
    return min(hi / (n_rx * length), 1.0)


class PSSDetection(NamedTuple):
    """One PSS detection of :func:`pss_search`.

    n_id_2 : N_ID^(2), 0..2.
    timing : first sample of the PSS symbol's cyclic prefix in the recording.
    timing_fraction : fractional refinement in (-0.5, 0.5) samples (parabolic).
    coarse_cfo_hz : the best CFO hypothesis, Hz.
    cfo_hz : fine CFO from the PSS halves, Hz.
    metric : normalised correlation in [0, 1] (module docstring).
    """

    n_id_2: int
    timing: int
    timing_fraction: float
    coarse_cfo_hz: float
    cfo_hz: float
    metric: float


def pss_search(waveform: torch.Tensor, sample_rate: float, scs: int, *,
               cfo_hypotheses: Sequence[float] | None = None, threshold: float | None = None,
               false_alarm: float = 1e-3, max_detections: int = 64) -> list[PSSDetection]:
    """Find the PSS of every cell in a recording (TS 38.211 §7.4.2.2, §7.4.3.1).

    FFT correlation with the three time-domain PSS under each CFO hypothesis, the
    normalised metric and threshold, peak picking and fine CFO / timing of the module
    docstring (steps 1, 2).

    Parameters
    ----------
    waveform : complex ``[T]`` or ``[n_rx, T]`` at ``sample_rate``, centred on the SS/PBCH
        block.
    sample_rate : Hz, ``nfft * Δf`` with nfft >= 256 making each CP whole.
    scs : SS/PBCH block subcarrier spacing Δf in kHz: 15, 30 (FR1), 120 or 240 (FR2).
    cfo_hypotheses : CFO hypotheses in Hz (default :func:`pss_cfo_hypotheses`, ±5 kHz).
    threshold : metric threshold in (0, 1]; default from :func:`pss_threshold` with
        ``false_alarm``.
    false_alarm : probability of one or more false detections in this search (white noise).
    max_detections : keep the strongest this many detections (>= 1).

    Returns
    -------
    list of :class:`PSSDetection`, strongest first.

    >>> from softran.nr.ssb.mib import MIB
    >>> from softran.nr.ssb.waveform import ssb_waveform
    >>> w = ssb_waveform(17, MIB(sub_carrier_spacing_common=30), case="C",
    ...                  ssb_positions=[1, 0, 0, 0], sample_rate=7.68e6)
    >>> d = pss_search(w, 7.68e6, 30)[0]
    >>> d.n_id_2, d.timing, round(d.metric, 3)               # symbol 2: 278 + 274
    (2, 552, 1.0)
    """
    fs = check_positive("sample_rate", sample_rate)
    scs = check_ssb_scs(scs)
    x = check_rx_waveform(waveform)
    nfft, n_cp = ssb_symbol_numerology(scs, fs)
    length = nfft + n_cp
    n_rx, t = x.shape
    if t < length:
        raise ValueError(f"waveform has {t} samples, fewer than one PSS symbol ({length})")
    hyps = pss_cfo_hypotheses(scs) if cfo_hypotheses is None else [
        check_real(f"cfo_hypotheses[{i}]", f, -fs / 2, fs / 2)
        for i, f in enumerate(cfo_hypotheses)]
    if not hyps:
        raise ValueError("cfo_hypotheses must not be empty")
    max_detections = check_int("max_detections", max_detections, 1)
    false_alarm = check_real("false_alarm", false_alarm, 0.0, 1.0)
    dev = x.device
    t_valid = t - length + 1
    # spectra of the waveform and of the 3 x H references (complex64, FFT length ~ T), one
    # hypothesis' correlations [n_rx, 3, T'] and the float64 / int64 metric maps [3, T']
    check_allocation("waveform.shape", tuple(waveform.shape),
                     t * (8 * n_rx + 24 * len(hyps) + 2 * 24 * n_rx + 8 * 3 * 6 + 32),
                     device=dev)
    if threshold is None:
        threshold = pss_threshold(length, n_rx, 3 * len(hyps) * t_valid, false_alarm)
    else:
        threshold = check_real("threshold", threshold, 0.0, 1.0)
        if threshold == 0.0:
            raise ValueError("threshold = 0 is not allowed; allowed: 0 < threshold <= 1")

    p = pss_time_domain(scs, fs).to(dev)                                   # [3, L]
    e_p = p.abs().square().sum(-1).to(torch.float64)                     # [3] (CP included)
    n = torch.arange(length, dtype=torch.float64, device=dev)
    f_h = torch.tensor(hyps, dtype=torch.float64, device=dev)
    rot = torch.polar(torch.ones_like(n), 2 * math.pi * torch.remainder(
        f_h[:, None] * n / fs, 1.0)).to(torch.complex64)                  # [H, L]
    refs = p[None] * rot[:, None]                                        # [H, 3, L]
    n_fft = _fast_len(t)
    xf = torch.fft.fft(x, n=n_fft)                                       # [n_rx, N]
    pf = torch.fft.fft(refs, n=n_fft).conj()                             # [H, 3, N]
    power = x.abs().square().sum(0).to(torch.float64)
    cs = torch.nn.functional.pad(power.cumsum(0), (1, 0))
    energy = (cs[length:] - cs[:t_valid]).clamp_min(0.0)                 # [T']
    scale = torch.where(energy > 1e-30 * max(float(energy.max()), 1e-300),
                        1.0 / energy.clamp_min(1e-300), torch.zeros_like(energy)
                        ) / e_p[:, None]                                  # [3, T']
    best = torch.zeros(3, t_valid, dtype=torch.float64, device=dev)
    best_h = torch.zeros(3, t_valid, dtype=torch.int64, device=dev)
    for h in range(len(hyps)):                  # loop over CFO hypotheses (a few)
        c = torch.fft.ifft(xf[:, None] * pf[h], n=n_fft)[..., :t_valid]  # [n_rx, 3, T']
        m = c.abs().square().sum(0).to(torch.float64) * scale
        better = m > best
        best = torch.where(better, m, best)
        best_h = torch.where(better, torch.full_like(best_h, h), best_h)

    peaks = (best == _running_max(best, length)) & (best > threshold)
    nid2, tau = peaks.nonzero(as_tuple=True)
    if nid2.numel() == 0:
        return []
    order = best[nid2, tau].argsort(descending=True)[:max_detections]
    nid2, tau = nid2[order], tau[order]
    metric = best[nid2, tau]
    h_idx = best_h[nid2, tau]
    # fractional timing: parabola through the metric at tau - 1, tau, tau + 1
    left = best[nid2, (tau - 1).clamp_min(0)]
    right = best[nid2, (tau + 1).clamp_max(t_valid - 1)]
    curv = left - 2 * metric + right
    inner = (tau > 0) & (tau < t_valid - 1) & (curv < 0)
    frac = torch.where(inner, 0.5 * (left - right) / torch.where(inner, curv, -1.0),
                       torch.zeros_like(metric))
    coarse = f_h[h_idx]
    fine = torch.angle(pss_half_products(x, tau, nid2, p)).to(torch.float64) * fs / (
        2 * math.pi * (length // 2))
    return [PSSDetection(int(a), int(b), float(c), float(d), float(e), float(f))
            for a, b, c, d, e, f in zip(nid2.tolist(), tau.tolist(), frac.tolist(),
                                        coarse.tolist(), fine.tolist(), metric.tolist())]


def pss_half_products(x: torch.Tensor, tau: torch.Tensor, nid2: torch.Tensor,
                      p: torch.Tensor) -> torch.Tensor:
    """``Σ_rx c2 c1*`` [D] of the PSS correlation over the two halves of the symbol (each
    ``L // 2`` samples): its phase is ``2π f (L // 2) / fs`` for a CFO f (|f| < fs / L).
    ``x`` [n_rx, T] samples, ``tau`` [D] start samples, ``nid2`` [D] N_ID^(2), ``p`` the PSS
    of :func:`pss_time_domain`."""
    length = p.shape[-1]
    half = length // 2
    seg = x[:, tau[:, None] + torch.arange(length, device=x.device)]      # [n_rx, D, L]
    prod = seg * p[nid2].conj()
    c1 = prod[..., :half].sum(-1)
    c2 = prod[..., half:2 * half].sum(-1)
    return (c2 * c1.conj()).sum(0)


