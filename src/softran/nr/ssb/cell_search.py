"""UE-side cell search: PSS / SSS detection, PBCH DM-RS detection and MIB decoding
(TS 38.211 §7.4.2, §7.4.3, §7.4.1.4.1, §7.3.3; TS 38.212 §7.1; TS 38.213 §4.1).

Receiver model. The recording is complex baseband at ``sample_rate = nfft * Δf`` (nfft an
integer making every cyclic prefix a whole number of samples, as :func:`ofdm_info`), tuned to
the centre of the SS/PBCH block: block subcarrier k is at ``(k - 120) Δf`` plus the carrier
frequency offset (CFO), as :func:`~softran.nr.ssb.waveform.ssb_waveform` writes it. The four
OFDM symbols of a block never include symbol 0 or 7 * 2^mu of a subframe (TS 38.213 §4.1
cases A - E), so each has the short cyclic prefix ``N_cp = 144 nfft / 2048`` and lasts
``L = nfft + N_cp`` samples. How a UE searches is not specified; this one does:

1. **PSS search** (:func:`pss_search`). The three PSS (§7.4.2.2) are OFDM-modulated with
   their cyclic prefix (``p_i``, L samples each), frequency-shifted by each CFO hypothesis
   f_h (:func:`pss_cfo_hypotheses`), and correlated with the recording by FFT. The metric,
   per N_ID^(2), hypothesis and start sample τ, is the normalised correlation::

       m(τ) = Σ_rx |Σ_n r_rx(τ + n) p*(n)|² / (||p||² Σ_rx Σ_n |r_rx(τ + n)|²)   in [0, 1]

   Under white Gaussian noise only, ``n_rx L m`` is close to a Gamma(n_rx, 1) variable
   (exactly Beta(n_rx, n_rx (L - 1)) distributed, whose tail is lighter), so the threshold
   η solving ``P(Gamma(n_rx, 1) > n_rx L η) = false_alarm / N_tests``, ``N_tests = 3 H T'``
   (H hypotheses, T' start samples), bounds the probability of any false detection in one
   search by ``false_alarm`` (union bound, conservative: neighbouring lags are correlated).
   Coloured noise (a recording filtered to less than its sample rate) raises the rate.
   Local maxima of the metric (best hypothesis) over ``±L`` samples of the same N_ID^(2)
   that exceed η are detections, so cells with different N_ID^(2), or the same N_ID^(2) more
   than one symbol apart, are all found.
2. **Fine CFO and timing.** The correlation of the best hypothesis over the two halves of
   the PSS gives the residual CFO ``arg(c2 c1*) / (2π (L/2) / fs)``; a parabola through the
   metric at τ - 1, τ, τ + 1 gives the fractional timing.
3. **Demodulation** of the four symbols (FFT window half-way into the CP, the early-window
   phase removed as :func:`ofdm_demodulate` does) after CFO correction.
4. **SSS** (:func:`sss_detect`): the PSS gives a per-subcarrier channel estimate (PSS and
   SSS share subcarriers 56..182); the 336 SSS of N_ID^(2) are correlated with the
   equalised SSS at once.
5. **PBCH DM-RS** (:func:`pbch_dmrs_detect`): the 8 ī_SSB hypotheses of §7.4.1.4.1, metric
   ``|Σ g(m+1) g*(m)| / Σ |g(m+1) g(m)|`` of the LS estimates g of neighbouring DM-RS.
   The phase drift of the LS estimates from symbol 1 to 3 gives a last CFO correction.
6. **PBCH**: :func:`~softran.nr.receiver.channel_estimate` from the DM-RS of symbols 1 and
   3 (the 120 DM-RS on the same subcarriers; Wiener smoothing in frequency, linear in time,
   noise variance estimate), MRC (:func:`~softran.nr.receiver.mrc_combine`),
   :func:`pbch_decode` with v = ī_SSB mod 4 (L_max = 4) or ī_SSB (8, 64) and
   :func:`bch_decode`. Only blocks whose CRC passes are reported.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch

from softran.nr.coding.bch import bch_decode, bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.receiver import channel_estimate, mrc_combine
from softran.nr.sequences import pss, sss
from softran.nr.ssb.block import (
    SSB_CASES,
    SSB_N_SUBCARRIERS,
    SSB_N_SYMBOLS,
    ssb_candidate_symbols,
    ssb_grid,
    ssb_indices,
)
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import pbch_decode, pbch_dmrs
from softran.nr.ssb.waveform import SSB_CASE_SCS
from softran.validation import (
    check_choice,
    check_int,
    check_int_or_tensor,
    check_name,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = [
    "CellInfo",
    "PSSDetection",
    "SSSDetection",
    "cell_search",
    "pbch_dmrs_detect",
    "pss_cfo_hypotheses",
    "pss_search",
    "pss_threshold",
    "sss_detect",
]

_N_ID_1 = 336
_SEQ = 127
_K_CENTRE = SSB_N_SUBCARRIERS // 2
_SCS_VALUES = (15, 30, 120, 240)


# ------------------------------------------------------------------------------ helpers
def _check_scs(scs: object) -> int:
    return check_choice("scs", check_int("scs", scs), _SCS_VALUES)


_check_real = check_real


@functools.lru_cache(maxsize=32)
def _numerology(scs: int, sample_rate: float) -> tuple[int, int]:
    """(nfft, N_cp of the SS/PBCH block symbols) at ``sample_rate``."""
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    info = ofdm_info(carrier, sample_rate=sample_rate)
    if info.nfft < 256:
        raise ValueError(f"sample_rate = {sample_rate:g} Hz is too low: the receiver needs "
                         f"nfft >= 256 (sample_rate >= {256 * scs * 1e3:g} Hz)")
    return info.nfft, info.cyclic_prefix_lengths[1]


@functools.lru_cache(maxsize=32)
def _pss_time_cpu(scs: int, sample_rate: float) -> torch.Tensor:
    """complex64 ``[3, L]``: PSS of N_ID^(2) = 0, 1, 2 in the time domain with the short CP."""
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    grid = torch.zeros(3, 1, 2, SSB_N_SUBCARRIERS, dtype=torch.complex64)
    k = ssb_indices(0).pss % SSB_N_SUBCARRIERS
    grid[:, 0, 1, k] = pss(torch.arange(3)).to(torch.complex64)
    w = ofdm_modulate(grid, carrier, sample_rate=sample_rate)[:, 0]    # [3, L0 + L]
    nfft, n_cp = _numerology(scs, sample_rate)
    return w[:, w.shape[-1] - nfft - n_cp:].contiguous()


def _check_waveform(waveform: object) -> torch.Tensor:
    x = check_tensor("waveform", waveform, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"waveform must be a complex tensor, got dtype {x.dtype}")
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
    scs = _check_scs(scs)
    max_cfo_hz = _check_real("max_cfo_hz", max_cfo_hz, 0.0)
    max_loss_db = _check_real("max_loss_db", max_loss_db, 1e-6, 10.0)
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
    false_alarm = _check_real("false_alarm", false_alarm, 0.0, 1.0)
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

    >>> from softran.nr.ssb.waveform import ssb_waveform
    >>> w = ssb_waveform(17, MIB(sub_carrier_spacing_common=30), case="C",
    ...                  ssb_positions=[1, 0, 0, 0], sample_rate=7.68e6)
    >>> d = pss_search(w, 7.68e6, 30)[0]
    >>> d.n_id_2, d.timing, round(d.metric, 3)               # symbol 2: 278 + 274
    (2, 552, 1.0)
    """
    fs = check_positive("sample_rate", sample_rate)
    scs = _check_scs(scs)
    x = _check_waveform(waveform)
    nfft, n_cp = _numerology(scs, fs)
    length = nfft + n_cp
    n_rx, t = x.shape
    if t < length:
        raise ValueError(f"waveform has {t} samples, fewer than one PSS symbol ({length})")
    hyps = pss_cfo_hypotheses(scs) if cfo_hypotheses is None else [
        _check_real(f"cfo_hypotheses[{i}]", f, -fs / 2, fs / 2)
        for i, f in enumerate(cfo_hypotheses)]
    if not hyps:
        raise ValueError("cfo_hypotheses must not be empty")
    max_detections = check_int("max_detections", max_detections, 1)
    false_alarm = _check_real("false_alarm", false_alarm, 0.0, 1.0)
    dev = x.device
    t_valid = t - length + 1
    if threshold is None:
        threshold = pss_threshold(length, n_rx, 3 * len(hyps) * t_valid, false_alarm)
    else:
        threshold = _check_real("threshold", threshold, 0.0, 1.0)
        if threshold == 0.0:
            raise ValueError("threshold = 0 is not allowed; allowed: 0 < threshold <= 1")

    p = _pss_time_cpu(scs, fs).to(dev)                                   # [3, L]
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
    fine = torch.angle(_half_products(x, tau, nid2, p)).to(torch.float64) * fs / (
        2 * math.pi * (length // 2))
    return [PSSDetection(int(a), int(b), float(c), float(d), float(e), float(f))
            for a, b, c, d, e, f in zip(nid2.tolist(), tau.tolist(), frac.tolist(),
                                        coarse.tolist(), fine.tolist(), metric.tolist())]


def _half_products(x: torch.Tensor, tau: torch.Tensor, nid2: torch.Tensor,
                   p: torch.Tensor) -> torch.Tensor:
    """``Σ_rx c2 c1*`` [D] of the PSS correlation over the two halves of the symbol (each
    ``L // 2`` samples): its phase is ``2π f (L // 2) / fs`` for a CFO f (|f| < fs / L)."""
    length = p.shape[-1]
    half = length // 2
    seg = x[:, tau[:, None] + torch.arange(length, device=x.device)]      # [n_rx, D, L]
    prod = seg * p[nid2].conj()
    c1 = prod[..., :half].sum(-1)
    c2 = prod[..., half:2 * half].sum(-1)
    return (c2 * c1.conj()).sum(0)


# ------------------------------------------------------------------------------ SSB grid
def _ssb_grids(x: torch.Tensor, timing: torch.Tensor, cfo_hz: torch.Tensor, fs: float,
               nfft: int, n_cp: int) -> torch.Tensor:
    """complex64 ``[D, n_rx, 4, 240]``: the blocks whose PSS CP starts at ``timing`` [D],
    CFO-corrected, FFT window ``floor(N_cp / 2)`` samples into each CP."""
    dev = x.device
    length = nfft + n_cp
    start = n_cp // 2
    rel = (torch.arange(SSB_N_SYMBOLS, device=dev)[:, None] * length + start
           + torch.arange(nfft, device=dev))                                # [4, nfft]
    idx = timing[:, None, None] + rel                                       # [D, 4, nfft]
    seg = x[:, idx].transpose(0, 1)                                         # [D, n_rx, 4, nfft]
    cycles = torch.remainder(cfo_hz.to(torch.float64)[:, None, None]
                             * rel.to(torch.float64) / fs, 1.0)
    seg = seg * torch.polar(torch.ones_like(cycles), -2 * math.pi * cycles
                            ).to(torch.complex64)[:, None]
    y = torch.fft.fft(seg, dim=-1, norm="ortho")
    k_signed = torch.arange(SSB_N_SUBCARRIERS, device=dev) - _K_CENTRE
    back = n_cp - start                                # the window starts this many early
    corr = torch.polar(torch.ones(SSB_N_SUBCARRIERS, dtype=torch.float64, device=dev),
                       2 * math.pi * k_signed.to(torch.float64) * back / nfft
                       ).to(torch.complex64)
    return y[..., torch.remainder(k_signed, nfft)] * corr


def _check_grid(grid: object) -> torch.Tensor:
    g = check_tensor("grid", grid, min_dim=3)
    if not g.is_complex():
        raise TypeError(f"grid must be a complex tensor, got dtype {g.dtype}")
    if tuple(g.shape[-2:]) != (SSB_N_SYMBOLS, SSB_N_SUBCARRIERS):
        raise ValueError(f"grid must be [..., n_rx, {SSB_N_SYMBOLS}, {SSB_N_SUBCARRIERS}] (an "
                         f"SS/PBCH block per rx antenna), got shape {tuple(g.shape)}")
    return g




# ------------------------------------------------------------------------------ SSS
class SSSDetection(NamedTuple):
    """Output of :func:`sss_detect` (int64 / float32 tensors of the batch shape ``[...]``).

    n_id_1 : N_ID^(1), 0..335.
    n_cell_id : N_ID^cell = 3 N_ID^(1) + N_ID^(2).
    metric : normalised correlation of the best hypothesis, in [0, 1].
    """

    n_id_1: torch.Tensor
    n_cell_id: torch.Tensor
    metric: torch.Tensor


def sss_detect(grid: torch.Tensor, n_id_2: int | torch.Tensor) -> SSSDetection:
    """N_ID^(1) from the SSS of a received SS/PBCH block (TS 38.211 §7.4.2.3, §7.4.3.1).

    With the LS channel estimate of the PSS ``H = Y_0 d_PSS`` on subcarriers 56..182 (the
    SSS's, symbol 2), the combined ``z(k) = Σ_rx Y_2(k) H*(k)`` is correlated with the 336
    SSS of N_ID^(2) at once; metric ``|Σ_k z(k) d_SSS(k)|² / (127 Σ_k |z(k)|²)`` (a phase
    rotation between symbols 0 and 2, e.g. a residual CFO, does not change it).

    Parameters
    ----------
    grid : ``[..., n_rx, 4, 240]`` complex received SS/PBCH block(s) (symbol l, subcarrier k).
    n_id_2 : N_ID^(2), 0..2 (int or integer tensor broadcastable to ``[...]``).

    Returns
    -------
    :class:`SSSDetection` of tensors of the batch shape ``[...]``.

    >>> from softran.nr.ssb.block import ssb_grid
    >>> g = ssb_grid(500, torch.zeros(864, dtype=torch.uint8), 0, 0, 8)[None]
    >>> out = sss_detect(g, 500 % 3)
    >>> int(out.n_id_1), int(out.n_cell_id), round(float(out.metric), 3)
    (166, 500, 1.0)
    """
    g = _check_grid(grid)
    dev = g.device
    nid2 = check_int_or_tensor("n_id_2", n_id_2, 0, 2, dev)
    batch = g.shape[:-3]
    try:
        nid2 = nid2.expand(batch)
    except RuntimeError:
        raise ValueError(f"n_id_2 of shape {tuple(nid2.shape)} does not broadcast to the batch "
                         f"shape {tuple(batch)} of grid") from None
    k = ssb_indices(0, device=dev).pss % SSB_N_SUBCARRIERS                  # 56..182
    y0 = g[..., 0, :][..., k]
    y2 = g[..., 2, :][..., k]                                              # [..., n_rx, 127]
    h = y0 * pss(nid2).to(g.dtype).unsqueeze(-2)
    z = (y2 * h.conj()).sum(-2)                                            # [..., 127]
    cells = 3 * torch.arange(_N_ID_1, device=dev) + nid2.unsqueeze(-1)     # [..., 336]
    cand = sss(cells).to(z.dtype)                                          # [..., 336, 127]
    corr = (cand @ z.unsqueeze(-1)).squeeze(-1)                            # [..., 336]
    power = corr.abs().square()
    n_id_1 = power.argmax(-1)
    den = _SEQ * z.abs().square().sum(-1)
    best = power.gather(-1, n_id_1.unsqueeze(-1)).squeeze(-1)
    metric = torch.where(den > 0, best / den.clamp_min(1e-30), torch.zeros_like(den))
    return SSSDetection(n_id_1, 3 * n_id_1 + nid2, metric.to(torch.float32))


# ------------------------------------------------------------------------------ PBCH DM-RS
@functools.cache
def _dmrs_pairs() -> tuple[torch.Tensor, torch.Tensor]:
    """Positions (into the 144 DM-RS) of neighbouring DM-RS pairs on one symbol."""
    ind = ssb_indices(0).pbch_dmrs
    a = ((ind[1:] - ind[:-1]) == 4).nonzero().flatten()
    return a, a + 1


def _pbch_tables(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """int64 ``[4, 144]`` DM-RS and ``[4, 432]`` PBCH indices for v = N_ID^cell mod 4."""
    dmrs = torch.stack([ssb_indices(v, device=device).pbch_dmrs for v in range(4)])
    data = torch.stack([ssb_indices(v, device=device).pbch for v in range(4)])
    return dmrs, data


def pbch_dmrs_detect(grid: torch.Tensor, n_cell_id: int | torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """ī_SSB from the DM-RS for PBCH of a received block (TS 38.211 §7.4.1.4.1, §7.4.3.1).

    LS estimates ``g = Y r*`` of the 144 DM-RS under each of the 8 ī_SSB hypotheses; metric
    ``|Σ g(m+1) g*(m)| / Σ |g(m+1) g(m)|`` over neighbouring DM-RS of one symbol (4
    subcarriers apart) and the rx antennas: about 1 for the transmitted ī_SSB over a channel
    that varies slowly across 4 subcarriers, about 0 for the others.

    Parameters
    ----------
    grid : ``[..., n_rx, 4, 240]`` complex received SS/PBCH block(s).
    n_cell_id : N_ID^cell, 0..1007 (int or integer tensor broadcastable to ``[...]``).

    Returns
    -------
    ``(i_ssb_bar, metric)``: int64 ``[...]`` the best ī_SSB (0..7) and float32 ``[..., 8]``.

    >>> from softran.nr.ssb.block import ssb_grid
    >>> g = ssb_grid(17, torch.zeros(864, dtype=torch.uint8), 5, 0, 8)[None]
    >>> ibar, m = pbch_dmrs_detect(g, 17)
    >>> int(ibar), round(float(m[5]), 3)
    (5, 1.0)
    """
    g = _check_grid(grid)
    dev = g.device
    batch = g.shape[:-3]
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, 1007, dev)
    try:
        cell = cell.expand(batch)
    except RuntimeError:
        raise ValueError(f"n_cell_id of shape {tuple(cell.shape)} does not broadcast to the "
                         f"batch shape {tuple(batch)} of grid") from None
    dmrs_idx, _ = _pbch_tables(dev)
    idx = dmrs_idx[cell % 4]                                               # [..., 144]
    flat = g.flatten(-2)                                                   # [..., n_rx, 960]
    y = flat.gather(-1, idx.unsqueeze(-2).expand(*flat.shape[:-1], idx.shape[-1]))
    r = pbch_dmrs(cell.unsqueeze(-1), torch.arange(8, device=dev))        # [..., 8, 144]
    lsq = y.unsqueeze(-3) * r.conj().unsqueeze(-2)                         # [..., 8, n_rx, 144]
    a, b = (t.to(dev) for t in _dmrs_pairs())
    num = (lsq[..., b] * lsq[..., a].conj()).sum((-1, -2)).abs()           # [..., 8]
    den = (y[..., b].abs() * y[..., a].abs()).sum((-1, -2)).unsqueeze(-1)
    metric = torch.where(den > 0, num / den.clamp_min(1e-30), torch.zeros_like(num))
    return metric.argmax(-1), metric.to(torch.float32)


# ------------------------------------------------------------------------------ cell search
@dataclass(frozen=True)
class CellInfo:
    """A cell found by :func:`cell_search` (its strongest SS/PBCH block with a valid CRC).

    n_cell_id : N_ID^cell = 3 N_ID^(1) + N_ID^(2).
    ssb_index : i_SSB of the block (TS 38.213 §4.1).
    half_frame : n_hf of the block (the PBCH payload bit).
    sfn : system frame number (6 MSBs from the MIB, 4 LSBs from the PBCH payload).
    k_ssb : k_SSB (L_max 4, 8: ssb-SubcarrierOffset + 16 x the payload bit; 64: the MIB's).
    cfo_hz : carrier frequency offset, Hz.
    timing : start of the block's PSS symbol (its CP) in the recording, samples (fractional).
    timing_s : ``timing / sample_rate``, seconds.
    frame_start : sample of the start of frame ``sfn`` (None unless the case is known; may be
        negative or beyond the recording).
    snr_db : SNR per RE and rx antenna from the DM-RS channel / noise estimate, dB.
    pss_metric : the PSS metric of the block.
    n_detections : PSS detections of this cell in the recording.
    mib : the decoded :class:`MIB`.
    """

    n_cell_id: int
    ssb_index: int
    half_frame: int
    sfn: int
    k_ssb: int
    cfo_hz: float
    timing: float
    timing_s: float
    frame_start: int | None
    snr_db: float
    pss_metric: float
    n_detections: int
    mib: MIB


def _default_l_max(scs: int, carrier_frequency: float | None) -> int:
    if scs in (120, 240):
        return 64
    if carrier_frequency is not None and carrier_frequency <= 3e9:
        return 4
    return 8


class _Decoded(NamedTuple):
    ok: torch.Tensor
    ibar: torch.Tensor
    mib_bits: torch.Tensor
    sfn_lsbs: torch.Tensor
    half_frame: torch.Tensor
    msb: torch.Tensor
    snr_db: torch.Tensor
    cfo_residual: torch.Tensor
    grids: torch.Tensor


def _decode_blocks(grids: torch.Tensor, cells: torch.Tensor, l_max: int, fs: float,
                   length: int, n_ibar: int, list_length: int) -> _Decoded:
    """PBCH of D blocks ``[D, n_rx, 4, 240]``: DM-RS detection, channel estimate, MIB."""
    dev = grids.device
    n_blocks = grids.shape[0]
    ibar_best, metric = pbch_dmrs_detect(grids, cells)
    cand = metric.argsort(-1, descending=True)[:, :n_ibar]                  # [D, c]
    # residual CFO from the LS phase drift, symbol 1 -> 3, of the best hypothesis
    dmrs_idx, data_idx = _pbch_tables(dev)
    v_cell = cells % 4
    flat = grids.flatten(-2)                                               # [D, n_rx, 960]
    idx = dmrs_idx[v_cell]
    y = flat.gather(-1, idx[:, None].expand(-1, flat.shape[1], -1))        # [D, n_rx, 144]
    r = pbch_dmrs(cells, ibar_best)                                        # [D, 144]
    lsq = y * r.conj()[:, None]
    drift = (lsq[..., 84:] * lsq[..., :60].conj()).sum((-1, -2))
    resid = torch.angle(drift).to(torch.float64) * fs / (2 * math.pi * 2 * length)
    sym = torch.arange(SSB_N_SYMBOLS, device=dev, dtype=torch.float64)
    cycles = torch.remainder(resid[:, None] * sym * length / fs, 1.0)
    grids = grids * torch.polar(torch.ones_like(cycles), -2 * math.pi * cycles
                                ).to(grids.dtype)[:, None, :, None]
    # expand over the ī_SSB candidates
    c = cand.shape[1]
    g = grids.repeat_interleave(c, 0)                                      # [D c, n_rx, 4, 240]
    cell = cells.repeat_interleave(c)
    ibar = cand.flatten()
    v = ibar % 4 if l_max == 4 else ibar
    ref = pbch_dmrs(cell, ibar)                                            # [Dc, 144]
    llr = torch.zeros(g.shape[0], 864, dtype=torch.float32, device=dev)
    snr = torch.zeros(g.shape[0], dtype=torch.float64, device=dev)
    for vc in torch.unique(cell % 4).tolist():  # loop over the 4 DM-RS positions v
        sel = (cell % 4 == vc).nonzero().flatten()
        ref_idx = dmrs_idx[vc]
        # DM-RS of symbols 1 and 3 (60 each, same subcarriers): ref_symbols in that order
        both = torch.cat([ref_idx[:60], ref_idx[84:]])[None]
        syms = torch.cat([ref[sel, :60], ref[sel, 84:]], -1)[:, None]        # [n, 1, 120]
        h, nv = channel_estimate(g[sel], both, syms, cdm_lengths=(1, 1))  # [n, R, 1, 4, 240]
        hf = h.flatten(-2)[..., data_idx[vc]]                              # [n, R, 1, 432]
        yd = g[sel].flatten(-2)[..., data_idx[vc]]                         # [n, R, 432]
        sig = h.abs().square().mean((-1, -2, -3, -4)).to(torch.float64)
        nv64 = nv.to(torch.float64).mean(-1)
        floor = 1e-6 * sig.clamp_min(1e-30)
        nvc = torch.maximum(nv.to(torch.float64), floor[:, None]).to(torch.float32)
        x_hat, nv_eff = mrc_combine(yd, hf, nvc)                           # [n, 1, 432]
        nv_eff = torch.nan_to_num(nv_eff, nan=1e6, posinf=1e6).clamp_min(1e-6)
        llr[sel] = pbch_decode(x_hat[:, 0], cell[sel], v[sel], nv_eff[:, 0])
        snr[sel] = 10 * torch.log10(sig / torch.maximum(nv64, floor))
    out = bch_decode(llr, cell, l_max, list_length)
    ok = out.crc_ok
    if l_max == 4:                                 # ī_SSB carries n_hf as well
        ok = ok & (ibar // 4 == out.half_frame)
    # first candidate (in metric order) with a valid CRC, per block
    okc = ok.reshape(n_blocks, c)
    first = torch.where(okc.any(-1), okc.to(torch.int64).argmax(-1), torch.zeros_like(cand[:, 0]))
    pick = torch.arange(n_blocks, device=dev) * c + first
    return _Decoded(okc.any(-1), ibar[pick], out.mib_bits[pick], out.sfn_lsbs[pick],
                    out.half_frame[pick], out.msb_idx_offset[pick], snr[pick], resid, grids)


def _data_aided_cfo(grid: torch.Tensor, n_cell_id: int, mib: MIB, half_frame: int,
                    i_ssb: int, k_ssb: int, l_max: int, fs: float, length: int) -> float:
    """Residual CFO of a decoded block ``[n_rx, 4, 240]`` from the phase drift over two
    symbols of ``Y conj(X)``, X the re-encoded block (symbols 0 -> 2 and 1 -> 3)."""
    dev = grid.device
    cw = bch_encode(mib.pack(device=dev), mib.system_frame_number, half_frame, i_ssb, k_ssb,
                    l_max, n_cell_id)
    ref = ssb_grid(n_cell_id, cw, i_ssb, half_frame, l_max)                # [4, 240]
    z = grid * ref.conj()
    drift = (z[:, 2:] * z[:, :2].conj()).sum()
    return float(torch.angle(drift)) * fs / (2 * math.pi * 2 * length)


def _frame_offset(case: str, l_max: int, i_ssb: int, half_frame: int, scs: int, fs: float
                  ) -> int:
    """Samples from the start of the frame to the start of block i_ssb's first symbol."""
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    info = ofdm_info(carrier, sample_rate=fs)
    s = ssb_candidate_symbols(case, l_max)[i_ssb]
    per_sub = info.symbols_per_subframe
    sub, l_in = divmod(s, per_sub)
    return (half_frame * 5 + sub) * info.samples_per_subframe + sum(info.symbol_lengths[:l_in])


def cell_search(waveform: torch.Tensor, sample_rate: float, *, scs: int = 30,
                l_max: int | None = None, case: str | None = None,
                carrier_frequency: float | None = None,
                cfo_hypotheses: Sequence[float] | None = None, max_cfo_hz: float = 5e3,
                threshold: float | None = None, false_alarm: float = 1e-3,
                max_detections: int = 64, attempts_per_cell: int = 2, ibar_candidates: int = 2,
                list_length: int = 8) -> list[CellInfo]:
    """Find every cell in a recording and decode its MIB (TS 38.211 §7.4.2, §7.4.3,
    §7.4.1.4.1, §7.3.3; TS 38.212 §7.1; TS 38.213 §4.1).

    The steps are in the module docstring. PSS detections are grouped by the cell identity
    their SSS gives; for each cell the ``attempts_per_cell`` strongest blocks are decoded
    (each with the ``ibar_candidates`` best ī_SSB), and the strongest with a valid CRC is
    reported. The SS/PBCH block index is ī_SSB mod 4 (L_max = 4) or ī_SSB (8), plus 8 x the
    3 payload MSBs for L_max = 64; the SFN is the MIB's 6 MSBs and the payload's 4 LSBs.

    Parameters
    ----------
    waveform : complex ``[T]`` or ``[n_rx, T]`` recording centred on the SS/PBCH block
        (module docstring).
    sample_rate : Hz, ``nfft * Δf`` (nfft >= 256, whole CPs).
    scs : SS/PBCH block subcarrier spacing in kHz: 15, 30 (FR1; cases A, B / C), 120, 240
        (FR2; cases D, E).
    l_max : L_max, 4, 8 or 64. Default: 64 in FR2; in FR1 4 if ``carrier_frequency`` <= 3 GHz
        (TS 38.213 §4.1 for cases A, B and paired-spectrum case C; pass 8 for unpaired case C
        between 1.88 and 3 GHz), else 8.
    case : ``"A"`` .. ``"E"``, only used for ``frame_start`` (default: A at 15 kHz, D at 120,
        E at 240; none at 30 kHz, where B and C differ).
    carrier_frequency : carrier frequency in Hz, only used for the default of ``l_max``.
    cfo_hypotheses : CFO hypotheses (Hz) of the PSS search (default
        :func:`pss_cfo_hypotheses` over ``±max_cfo_hz``).
    max_cfo_hz : largest |CFO| searched when ``cfo_hypotheses`` is not given.
    threshold, false_alarm, max_detections : of :func:`pss_search`.
    attempts_per_cell : blocks decoded per cell identity (>= 1).
    ibar_candidates : ī_SSB hypotheses decoded per block, best DM-RS metric first (1..8).
    list_length : list size of the polar decoder.

    Returns
    -------
    list of :class:`CellInfo`, highest SNR first; empty when no block decodes.

    >>> from softran.nr.ssb.waveform import ssb_waveform
    >>> m = MIB(system_frame_number=100, sub_carrier_spacing_common=30)
    >>> w = ssb_waveform(321, m, case="C", ssb_positions=[0, 1, 0, 0], sample_rate=7.68e6)
    >>> c = cell_search(w, 7.68e6, scs=30, l_max=4)[0]
    >>> c.n_cell_id, c.ssb_index, c.sfn, c.half_frame, c.mib == m
    (321, 1, 100, 0, True)
    """
    fs = check_positive("sample_rate", sample_rate)
    scs = _check_scs(scs)
    x = _check_waveform(waveform)
    if carrier_frequency is not None:
        carrier_frequency = _check_real("carrier_frequency", carrier_frequency, 0.0)
    if l_max is None:
        l_max = _default_l_max(scs, carrier_frequency)
    l_max = check_choice("l_max", check_int("l_max", l_max), (4, 8, 64))
    fr2 = scs in (120, 240)
    if (l_max == 64) != fr2:
        raise ValueError(f"l_max = {l_max} is not allowed at scs = {scs} kHz; allowed: "
                         + ("64" if fr2 else "4, 8") + " (TS 38.213 §4.1)")
    if case is None:
        case = {15: "A", 120: "D", 240: "E"}.get(scs)
    else:
        case = check_name("case", case, SSB_CASES)
        if SSB_CASE_SCS[case] != scs:
            raise ValueError(f"case = {case!r} uses {SSB_CASE_SCS[case]} kHz, not scs = {scs}")
        ssb_candidate_symbols(case, l_max)                 # checks that l_max fits the case
    attempts_per_cell = check_int("attempts_per_cell", attempts_per_cell, 1)
    ibar_candidates = check_int("ibar_candidates", ibar_candidates, 1, 8)
    if cfo_hypotheses is None:
        cfo_hypotheses = pss_cfo_hypotheses(scs, max_cfo_hz=max_cfo_hz)
    nfft, n_cp = _numerology(scs, fs)
    length = nfft + n_cp
    dets = pss_search(x, fs, scs, cfo_hypotheses=cfo_hypotheses, threshold=threshold,
                      false_alarm=false_alarm, max_detections=max_detections)
    t = x.shape[-1]
    dets = [d for d in dets if d.timing + SSB_N_SYMBOLS * length <= t]
    if not dets:
        return []
    dev = x.device
    timing = torch.tensor([d.timing for d in dets], dtype=torch.int64, device=dev)
    cfo = torch.tensor([d.cfo_hz for d in dets], dtype=torch.float64, device=dev)
    grids = _ssb_grids(x, timing, cfo, fs, nfft, n_cp)
    nid2 = torch.tensor([d.n_id_2 for d in dets], dtype=torch.int64, device=dev)
    cells_all = sss_detect(grids, nid2).n_cell_id.tolist()
    groups: dict[int, list[int]] = {}
    for i, cid in enumerate(cells_all):       # detections are strongest first
        groups.setdefault(cid, []).append(i)
    # one CFO per cell: the PSS half products of all its blocks, summed
    prods = _half_products(x, timing, nid2, _pss_time_cpu(scs, fs).to(dev))
    group_of = torch.tensor([list(groups).index(c) for c in cells_all], device=dev)
    summed = torch.zeros(len(groups), dtype=prods.dtype, device=dev).index_add_(0, group_of,
                                                                               prods)
    cell_cfo = (torch.angle(summed).to(torch.float64) * fs
                / (2 * math.pi * (length // 2)))[group_of]                 # [D]
    tried = [i for members in groups.values() for i in members[:attempts_per_cell]]
    sel = torch.tensor(tried, dtype=torch.int64, device=dev)
    cells = torch.tensor([cells_all[i] for i in tried], dtype=torch.int64, device=dev)
    grids = _ssb_grids(x, timing[sel], cell_cfo[sel], fs, nfft, n_cp)
    dec = _decode_blocks(grids, cells, l_max, fs, length, ibar_candidates, list_length)
    freq_range = "FR2" if fr2 else "FR1"
    found: list[CellInfo] = []
    reported: set[int] = set()
    for j, i in enumerate(tried):
        cid = cells_all[i]
        if cid in reported or not bool(dec.ok[j]):
            continue
        reported.add(cid)
        d = dets[i]
        ibar = int(dec.ibar[j])
        msb = int(dec.msb[j])
        hf = int(dec.half_frame[j])
        mib = MIB.unpack(dec.mib_bits[j], sfn_lsbs=int(dec.sfn_lsbs[j]),
                         frequency_range=freq_range)
        if l_max == 64:
            i_ssb, k_ssb = ibar + 8 * msb, mib.ssb_subcarrier_offset
        else:
            i_ssb, k_ssb = (ibar % 4 if l_max == 4 else ibar), mib.ssb_subcarrier_offset + 16 * msb
        cfo_hz = (float(cell_cfo[i]) + float(dec.cfo_residual[j])
                  + _data_aided_cfo(dec.grids[j], cid, mib, hf, i_ssb, k_ssb, l_max, fs, length))
        timing_f = d.timing + d.timing_fraction
        frame_start = None
        if case is not None:
            frame_start = d.timing - _frame_offset(case, l_max, i_ssb, hf, scs, fs)
        found.append(CellInfo(
            n_cell_id=cid, ssb_index=i_ssb, half_frame=hf, sfn=mib.system_frame_number,
            k_ssb=k_ssb, cfo_hz=cfo_hz, timing=timing_f,
            timing_s=timing_f / fs, frame_start=frame_start, snr_db=float(dec.snr_db[j]),
            pss_metric=d.metric, n_detections=len(groups[cid]), mib=mib))
    return sorted(found, key=lambda c: -c.snr_db)
