"""gNB PRACH preamble detection (TS 38.211 §6.3.3; the receiver is an implementation
choice, TS 38.104 §8.4 sets its performance): all 64 preambles of the cell at once, per root
sequence by frequency-domain correlation.

Per occasion and receive antenna r:

1. **Repetition combining.** The useful part holds ``N_u / N`` periods of N samples
   (N = f_s / Delta f_RA). Groups of G consecutive periods are summed (coherent combining over
   ``coherent_time``, default 0.2 ms: G = 6 at 30 kHz, 3 at 15 kHz, 1 for the long formats),
   then each group sum is transformed by an N-point FFT and the L_RA PRACH bins are kept:
   ``Y_g(k)``.
2. **Correlation.** For every root u of the 64 preambles, ``Z(k) = Y_g(k) conj(X_u(k))``
   (X_u the unit-magnitude DFT of the root sequence) is transformed back with an M-point
   inverse DFT (zero padded, M = 256 for L_RA = 139, 2048 for 839): a preamble with cyclic
   shift C_v arriving with delay tau (in units of 1 / (L_RA Delta f_RA)) peaks at
   ``m = M (tau - C_v) / L_RA mod M``, so preamble v owns the window of delays
   ``-1 <= tau < N_CS - 1`` (one sample early, for small negative delays; all of them when
   N_CS = 0).
3. **Combining and normalisation.** ``S(m) = sum_{r, g} |z_{r,g}(m)|^2 / (L_RA s2_{r,g})``
   with ``s2_{r,g} = mean_k |Y_g(k)|^2`` (the noise power per bin: signal included, which at
   detection SNRs is negligible and at high SNR only makes the test conservative). On noise only
   each term is an exponential variable of mean 1, so S(m) is Gamma(n) with n = n_rx times the
   number of groups.
4. **Decision.** Preamble v is detected when the peak of S over its window exceeds the
   threshold t with ``1 - (1 - P(Gamma(n) > t))^{N_s} = false_alarm``, N_s the number of
   window samples searched for all 64 preambles (a union bound that treats the oversampled
   samples as independent: the measured false-alarm rate is at most the target), and the
   peak is also the maximum of S within two sequence samples on either side, across the
   window's edges: otherwise it is the side lobe (of the zero-padded IDFT's interpolation) of
   a stronger preamble in the neighbouring window, which at high SNR would exceed the
   threshold. The timing estimate is the peak's delay, refined by a parabola through it and
   its neighbours.

Limitation: the cross-correlation of different roots is normalised by ``s2``, which holds the
received preamble too; far above the detection SNRs (about +5 dB per antenna and more, with
coherent antennas) its interpolated side lobes can pass the threshold as "ghost" preambles of
other roots. The TS 38.104 tests (detection of the sent preamble at -20 .. +1 dB, false alarm
on noise) are not affected; a receiver that must resolve several strong UEs would cancel
each detected preamble and search again.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import torch

from softran.nr.config import CarrierConfig
from softran.nr.prach.config import PRACHConfig, check_prach_config
from softran.nr.prach.sequence import N_PREAMBLES, prach_preamble_map, prach_root_sequence
from softran.nr.prach.waveform import prach_info
from softran.validation import check_int, check_positive, check_real, check_tensor

__all__ = ["PRACHDetection", "PRACHDetector", "gamma_tail_threshold", "prach_detect"]


class PRACHDetection(NamedTuple):
    """Output of :class:`PRACHDetector`: ``detected`` bool ``[..., 64]``; ``timing`` float32
    ``[..., 64]`` the delay estimate in seconds (valid where detected); ``metric`` float32
    ``[..., 64]`` the window peak divided by the threshold (detected: >= 1)."""

    detected: torch.Tensor
    timing: torch.Tensor
    metric: torch.Tensor


@functools.lru_cache(maxsize=128)
def gamma_tail_threshold(shape: int, tail: float) -> float:
    """t with ``P(Gamma(shape, 1) > t) = tail`` (bisection on the regularised incomplete gamma
    function).

    >>> round(gamma_tail_threshold(1, math.exp(-3.0)), 6)        # exponential: t = 3
    3.0
    """
    shape = check_int("shape", shape, 1)
    tail = check_real("tail", tail, 0.0, 1.0)
    if not 0.0 < tail < 1.0:
        raise ValueError(f"tail = {tail} is out of range; allowed: 0 < tail < 1")
    a = torch.tensor(float(shape), dtype=torch.float64)
    lo, hi = 0.0, float(shape)
    while float(torch.special.gammaincc(a, torch.tensor(hi, dtype=torch.float64))) > tail:
        hi *= 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if float(torch.special.gammaincc(a, torch.tensor(mid, dtype=torch.float64))) > tail:
            lo = mid
        else:
            hi = mid
    return hi


class PRACHDetector(torch.nn.Module):
    """Detector of the 64 preambles of one PRACH occasion (module docstring).

    Args:
        carrier, config: the carrier and the PRACH (``preamble_index`` is not used: every
            preamble of the cell is searched).
        n_rx: receive antennas.
        false_alarm: target probability of any detection on noise only, per occasion
            (default 1e-4, a tenth of the TS 38.104 §8.4 bound of 0.1 %).
        coherent_time: longest time over which repetitions are summed coherently (s).
        nfft, sample_rate: as :func:`~softran.nr.prach.prach_info`.
        device: where the detector runs.

    ``forward(rx)``: ``rx`` complex ``[..., n_rx, T]`` sampled at the carrier's sample rate
    from the start of the occasion's subframe (T >= ``info.length``, the layout of
    :func:`~softran.nr.prach.prach`) -> :class:`PRACHDetection`.

    >>> from softran.nr.prach import prach
    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    >>> p = PRACHConfig(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30,
    ...                 zero_correlation_zone=14, preamble_index=5)
    >>> det = PRACHDetector(c, p, n_rx=2)
    >>> w = prach(c, p).expand(1, 2, -1)
    >>> out = det(w + 0.1 * torch.randn_like(w))
    >>> out.detected.nonzero()[:, 1].tolist(), abs(out.timing[0, 5].item()) < 1e-8
    ([5], True)
    """

    def __init__(self, carrier: CarrierConfig, config: PRACHConfig, n_rx: int, *,
                 false_alarm: float = 1e-4, coherent_time: float = 0.2e-3,
                 nfft: int | None = None, sample_rate: float | None = None,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_prach_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy()
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.false_alarm = check_real("false_alarm", false_alarm, 0.0, 1.0)
        if not 0.0 < self.false_alarm < 1.0:
            raise ValueError(f"false_alarm = {false_alarm} is out of range; allowed: 0 < x < 1")
        coherent_time = check_positive("coherent_time", coherent_time)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        dev = self.device
        self.info = info = prach_info(self.carrier, self.config, nfft=nfft,
                                      sample_rate=sample_rate)
        l_ra = self.config.l_ra
        self.l_ra = l_ra
        self.m = 256 if l_ra == 139 else 2048
        reps = info.repetitions
        g = max(1, min(reps, int(coherent_time * self.config.delta_f_ra * 1e3)))
        while reps % g:
            g -= 1
        self.group = g
        self.n_groups = reps // g
        self.bins = ((info.first_bin + torch.arange(l_ra)) % info.n).to(dev)
        pmap = prach_preamble_map(self.config)
        roots = sorted({u for u, _ in pmap}, key=[u for u, _ in pmap].index)
        self.roots = roots
        xu = torch.stack([torch.fft.fft(prach_root_sequence(u, l_ra).to(torch.complex128))
                          for u in roots]) / math.sqrt(l_ra)
        self.root_conj = xu.conj().to(torch.complex64).to(dev)              # [U, L]
        self.preamble_root = torch.tensor([roots.index(u) for u, _ in pmap], device=dev)
        n_cs = self.config.n_cs
        width = n_cs if n_cs else l_ra
        # delay (in L-samples) of IFFT bin m for preamble v: (m L / M + C_v) mod L
        m_idx = torch.arange(self.m, dtype=torch.float64)
        c_v = torch.tensor([c for _, c in pmap], dtype=torch.float64)
        # windows start one sample early (a small negative delay -- noise, a timing error --
        # stays with its preamble instead of falling into the neighbouring window's end)
        early = 1.0 if n_cs else 0.0
        tau = torch.remainder(m_idx[None, :] * l_ra / self.m + c_v[:, None] + early,
                              l_ra) - early                                  # [64, M]
        self.window = (tau < width - early).to(dev)                          # [64, M]
        #: 0 inside each preamble's window, -inf outside (added before the peak search)
        self.outside = torch.where(self.window, 0.0, -math.inf).to(torch.float32)
        self.tau = tau.to(torch.float32).to(dev)
        n_terms = self.n_rx * self.n_groups
        n_search = int(self.window.sum())
        tail = 1.0 - (1.0 - self.false_alarm) ** (1.0 / n_search)
        self.threshold = gamma_tail_threshold(n_terms, tail)
        self.sample_period = 1.0 / (l_ra * self.config.delta_f_ra * 1e3)
        #: neighbourhood (M samples each side, two sequence samples) of the side-lobe check
        self.guard = math.ceil(2 * self.m / l_ra)

    def forward(self, rx: torch.Tensor) -> PRACHDetection:
        """Detect the preambles in ``rx`` (class docstring)."""
        rx = check_tensor("rx", rx, min_dim=2)
        if not rx.is_complex():
            raise TypeError(f"rx must be complex, got dtype {rx.dtype}")
        if rx.shape[-2] != self.n_rx:
            raise ValueError(f"rx has {rx.shape[-2]} receive antennas; this detector has "
                             f"n_rx = {self.n_rx}")
        info = self.info
        if rx.shape[-1] < info.length:
            raise ValueError(f"rx has {rx.shape[-1]} samples; the PRACH occasion ends at sample "
                             f"{info.length}")
        batch = rx.shape[:-2]
        x = rx.reshape(-1, self.n_rx, rx.shape[-1]).to(self.device)
        b = x.shape[0]
        first = info.start + info.n_cp
        useful = x[..., first:first + info.n_u].to(torch.complex64)
        groups = useful.reshape(b, self.n_rx, self.n_groups, self.group, info.n).sum(-2)
        y = torch.fft.fft(groups, norm="ortho")[..., self.bins]             # [B, R, G, L]
        return self._detect(y, batch)

    def detect_bins(self, bins: torch.Tensor) -> PRACHDetection:
        """Detect the preambles from the frequency-domain PRACH samples of each repetition:
        ``bins`` complex ``[..., n_rx, repetitions, L_RA]``, the L_RA PRACH subcarriers of an
        orthonormal ``info.n``-point FFT of each period of the useful part (what an O-RAN
        7.2x O-RU sends as PRACH U-plane, O-RAN.WG4.CUS.0 clause 8). Sums of ``group``
        repetitions equal the FFT of the summed periods, so the result is that of
        :meth:`forward` on the same samples.

        >>> from softran.nr.prach import prach
        >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
        >>> p = PRACHConfig(configuration_index=158, spectrum="unpaired",
        ...                 subcarrier_spacing=30, zero_correlation_zone=14, preamble_index=5)
        >>> det = PRACHDetector(c, p, n_rx=1)
        >>> w = prach(c, p).reshape(1, 1, -1)
        >>> i = det.info; u = w[..., i.start + i.n_cp:i.start + i.n_cp + i.n_u]
        >>> y = torch.fft.fft(u.reshape(1, 1, i.repetitions, i.n), norm="ortho")[..., det.bins]
        >>> det.detect_bins(y).detected.nonzero()[:, 1].tolist()
        [5]
        """
        bins = check_tensor("bins", bins, min_dim=3)
        if not bins.is_complex():
            raise TypeError(f"bins must be complex, got dtype {bins.dtype}")
        want = (self.n_rx, self.info.repetitions, self.l_ra)
        if tuple(bins.shape[-3:]) != want:
            raise ValueError(f"bins has shape {tuple(bins.shape)}; this detector needs [..., "
                             f"n_rx, repetitions, L_RA] = [..., {', '.join(map(str, want))}]")
        batch = bins.shape[:-3]
        y = bins.reshape(-1, *want).to(self.device).to(torch.complex64)
        y = y.reshape(y.shape[0], self.n_rx, self.n_groups, self.group, self.l_ra).sum(-2)
        return self._detect(y, batch)

    def _detect(self, y: torch.Tensor, batch: torch.Size) -> PRACHDetection:
        """Steps 2-4 of the module docstring on the group sums ``y`` ``[B, R, G, L]``."""
        b = y.shape[0]
        yr = torch.view_as_real(y)
        s2 = yr.square().sum(dim=(-1, -2)).clamp_min(torch.finfo(torch.float32).tiny)
        y = (y * torch.rsqrt(s2).unsqueeze(-1)).reshape(b, 1, -1, self.l_ra)  # [B, 1, RG, L]
        z = y * self.root_conj[:, None, :]                                 # [B, U, RG, L]
        pdp = torch.fft.ifft(z, n=self.m, norm="forward")                  # sum over k
        stat = (pdp.real.square() + pdp.imag.square()).sum(-2)            # [B, U, M]
        per_preamble = stat[:, self.preamble_root]                          # [B, 64, M]
        peak, where = (per_preamble + self.outside).max(dim=-1)             # [B, 64]
        # parabolic refinement with the two neighbours (circular in M)
        left = per_preamble.gather(-1, ((where - 1) % self.m).unsqueeze(-1)).squeeze(-1)
        right = per_preamble.gather(-1, ((where + 1) % self.m).unsqueeze(-1)).squeeze(-1)
        den = left - 2 * peak + right
        frac = torch.where(den < 0, 0.5 * (left - right) / den, torch.zeros_like(den))
        frac = frac.clamp(-0.5, 0.5)
        tau = self.tau.expand(b, -1, -1).gather(-1, where.unsqueeze(-1)).squeeze(-1)
        delay = tau + frac * self.l_ra / self.m                              # L-samples
        timing = (delay * self.sample_period).to(torch.float32)
        metric = (peak / self.threshold).to(torch.float32)
        # a window peak that is not the maximum of its neighbourhood (which reaches into the
        # neighbouring windows) is the side lobe of a stronger preamble next door
        r = self.guard
        padded = torch.cat([stat[..., -r:], stat, stat[..., :r]], dim=-1)
        local = torch.nn.functional.max_pool1d(padded, 2 * r + 1, stride=1)    # [B, U, M]
        local_max = local[:, self.preamble_root].gather(-1, where.unsqueeze(-1)).squeeze(-1)
        own = (peak >= local_max).to(torch.float32)
        return PRACHDetection(((metric >= 1.0) & (own > 0)).reshape(*batch, N_PREAMBLES),
                              timing.reshape(*batch, N_PREAMBLES),
                              metric.reshape(*batch, N_PREAMBLES))


@functools.lru_cache(maxsize=8)
def _detector(carrier_json: str, config_json: str, n_rx: int, false_alarm: float
              ) -> PRACHDetector:
    return PRACHDetector(CarrierConfig.model_validate_json(carrier_json),
                         PRACHConfig.model_validate_json(config_json), n_rx,
                         false_alarm=false_alarm)


def prach_detect(rx: torch.Tensor, carrier: CarrierConfig, config: PRACHConfig, *,
                 false_alarm: float = 1e-4) -> PRACHDetection:
    """Detect the 64 preambles of a PRACH occasion in ``rx`` ``[..., n_rx, T]`` (function form
    of :class:`PRACHDetector`, which it builds once per configuration).

    >>> from softran.nr.prach import prach
    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PRACHConfig(zero_correlation_zone=1, sequence_index=22, preamble_index=32)
    >>> w = torch.roll(prach(c, p), 20)[None]                     # 20 samples late (2.6 us)
    >>> out = prach_detect(w, c, p)
    >>> int(out.detected.nonzero()[0, 0]), round(out.timing[32].item() * 1e6, 1)
    (32, 2.6)
    """
    carrier, config = check_prach_config(carrier, config)
    rx = check_tensor("rx", rx, min_dim=2)
    det = _detector(carrier.model_dump_json(), config.model_dump_json(), int(rx.shape[-2]),
                    float(false_alarm))
    return det(rx)
