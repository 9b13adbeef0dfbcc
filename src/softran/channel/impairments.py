"""RF impairments of a radio front end on time-domain waveforms: carrier frequency
offset, timing offset (integer or fractional delay) and oscillator phase noise
(TR 38.803 §6.1.10 multi-pole/zero model, or a free-running Wiener oscillator).

All three are ``torch.nn.Module`` blocks acting on complex baseband waveforms
``[..., n_ant, T]`` (any leading batch dimensions, then antennas, then samples). Each
keeps its own absolute sample clock and state, so consecutive calls continue one
realisation: feeding a waveform in pieces gives the same output as one call (exactly for
the offsets, up to float rounding for phase noise). :meth:`reset` restarts at sample 0.
The leading shape ``[..., n_ant]`` is fixed by the first call; a call with another
shape needs :meth:`reset` first.

Documented choices where the specifications are silent:

* **FrequencyOffset**: ``y[n] = x[n] exp(j 2 pi f_o n / f_s)``, ``n`` the absolute sample
  index. The phase is accumulated in cycles in float64 and wrapped to ``[0, 1)`` before it
  is turned into a complex64 rotation, so it stays exact over long runs. Offsets must
  satisfy ``|f_o| < f_s / 2`` (larger offsets alias and are rejected).
* **TimingOffset**: ``y[n] = x(n - d)`` with ``x`` zero before sample 0. An integer ``d``
  is an exact sample shift (no filter). A fractional ``d = k + mu`` (``0 < mu < 1``)
  uses the **Kaiser-windowed sinc** interpolator of
  :mod:`softran.channel.fractional_delay` with ``2 K`` taps (``K = half_length``,
  default 16, so 32 taps; Kaiser ``beta = 10``), normalised to unit DC gain::

      y[n] = sum_{i=-K+1..K} h_i x[n - k - i],
      h_i ∝ sinc(i - mu) I0(beta sqrt(1 - ((i - mu)/K)^2)) / I0(beta)

  Its error against the ideal delay is below 3e-5 (amplitude of the complex error) for
  ``|f| <= 0.4 f_s`` (0.8 Nyquist) at every ``mu``. The taps reach ``K - 1`` samples
  *after* ``n - d``, so a causal fractional delay needs ``d >= K - 1``; smaller fractional
  delays, and every negative delay (a timing advance is not causal), raise
  ``ValueError``. Add a bulk delay (or lower ``half_length``) to model small offsets.
* **PhaseNoise**: ``y[n] = x[n] exp(j phi[n])``. ``phi`` is computed in float64, wrapped to
  ``[-pi, pi)`` and then applied in the waveform's precision. One oscillator per batch
  element drives all its antennas (``common_oscillator=True``, the usual single-LO
  front end) or one per antenna. PSD convention: the **two-sided** PSD of ``phi`` in
  rad^2/Hz equals ``10**(PSD_dB/10)`` of the dBc/Hz model (small-angle ``L(f)``).

  - ``"TR38.803"``: ``PSD(f) = PSD0 prod_n (1 + (f/fz_n)^alpha_z_n) /
    prod_n (1 + (f/fp_n)^alpha_p_n)`` (in dB, plus ``20 log10(fc / fc_base)``), with the
    29.55 / 45 / 70 GHz parameter sets of TR 38.803 §6.1.10 read from
    ``data/phase_noise.json`` (see :func:`phase_noise_psd`). Below
    ``min_frequency_offset`` (default 1 kHz, as MATLAB's ``nrPhaseNoise``) the PSD is held
    flat at its value there, which makes ``phi`` stationary with finite variance; slower
    phase drift is left to the receiver's frequency/CPE tracking. Generation: white
    Gaussian noise filtered by a linear-phase FIR of ``n_taps`` taps (default: the power of
    two >= ``8 f_s / min_frequency_offset``) designed by frequency sampling,
    ``H_k = sqrt(S(|f_k|) f_s)`` on the ``n_taps``-point FFT grid, applied by FFT
    overlap-save in blocks; the white noise is carried across calls.
  - ``"wiener"``: free-running oscillator with Lorentzian spectrum of 3-dB (full) width
    ``linewidth`` ``df``: ``phi[0] = 0``, ``phi[n] = phi[n-1] + sqrt(2 pi df / f_s) w[n]``,
    ``w`` i.i.d. N(0, 1) (a cumulative sum, carried across calls). Its phase PSD is
    ``df / (2 pi f^2)``.

  The white noise is drawn in blocks of 2**14 samples per stream, each from a generator
  seeded by ``(seed, block index)``; the realisation therefore depends only on ``seed``,
  not on how the waveform is split into calls.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources

import torch

from softran.channel.fractional_delay import fractional_delay_taps
from softran.validation import (
    check_allocation,
    check_finite,
    check_int,
    check_name,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = [
    "FrequencyOffset",
    "PHASE_NOISE_MODELS",
    "PHASE_NOISE_PARAMETER_SETS",
    "PhaseNoise",
    "TimingOffset",
    "phase_noise_psd",
]

#: phase-noise models accepted by :class:`PhaseNoise`
PHASE_NOISE_MODELS = ("TR38.803", "wiener")
#: parameter sets of the TR 38.803 §6.1.10 model (base carrier frequency in GHz)
PHASE_NOISE_PARAMETER_SETS = ("auto", "29.55", "45", "70")

_BLOCK = 1 << 14  # white-noise block length (samples per stream)
_SEED_MUL = 0x9E3779B97F4A7C15


_check_real = check_real


def _check_waveform(x: object) -> torch.Tensor:
    x = check_tensor("waveform", x, min_dim=2)
    if not x.is_complex():
        raise TypeError(f"waveform must be complex ([..., n_ant, T]), got dtype {x.dtype}")
    return check_finite("waveform", x)


def _rotation(phase: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """exp(j phase) for a float64 phase already wrapped, in complex ``dtype``."""
    return torch.complex(torch.cos(phase), torch.sin(phase)).to(dtype)


class _Stateful(torch.nn.Module):
    """Shared shape bookkeeping: the leading shape ``[..., n_ant]`` is fixed per realisation."""

    _lead: tuple[int, ...] | None

    def _check_lead(self, x: torch.Tensor) -> None:
        lead = tuple(x.shape[:-1])
        if self._lead is None:
            self._lead = lead
        elif lead != self._lead:
            raise ValueError(f"waveform leading shape {lead} differs from the running "
                             f"realisation's {self._lead}; call reset() first")


# --------------------------------------------------------------------------- CFO


class FrequencyOffset(_Stateful):
    """Carrier frequency offset: ``y[n] = x[n] exp(j 2 pi offset_hz n / sample_rate)``,
    ``n`` the absolute sample index since the last :meth:`reset` (phase continuous across
    calls). RF impairment for TS 38.104 / TS 38.101 receiver tests (frequency error).

    Args:
        offset_hz: frequency offset in Hz, ``|offset_hz| < sample_rate / 2``.
        sample_rate: sample rate in Hz.

    Shapes: ``forward(waveform)``: ``[..., n_ant, T]`` complex -> same shape and dtype.

    >>> cfo = FrequencyOffset(1000.0, sample_rate=8000.0)
    >>> y = cfo(torch.ones(1, 1, 4, dtype=torch.complex64))
    >>> torch.view_as_real(y[0, 0]).round(decimals=4)  # 1/8 cycle per sample
    tensor([[ 1.0000,  0.0000],
            [ 0.7071,  0.7071],
            [ 0.0000,  1.0000],
            [-0.7071,  0.7071]])
    """

    def __init__(self, offset_hz: float, sample_rate: float) -> None:
        super().__init__()
        self.sample_rate = check_positive("sample_rate", sample_rate)
        self.offset_hz = _check_real("offset_hz", offset_hz)
        if abs(self.offset_hz) >= self.sample_rate / 2:
            raise ValueError(f"offset_hz = {self.offset_hz} is not allowed; it must satisfy "
                             f"|offset_hz| < sample_rate / 2 = {self.sample_rate / 2}")
        self._step = self.offset_hz / self.sample_rate  # cycles per sample
        self.reset()

    def reset(self) -> None:
        """Restart at absolute sample 0 (phase 0)."""
        self.sample_index = 0
        self._cycles = 0.0  # phase at sample_index, in cycles, wrapped to [0, 1)
        self._lead = None

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = _check_waveform(waveform)
        self._check_lead(x)
        n_t = x.shape[-1]
        k = torch.arange(n_t, dtype=torch.float64, device=x.device)
        cycles = torch.remainder(self._cycles + self._step * k, 1.0)
        y = x * _rotation(2 * math.pi * cycles, x.dtype)
        self._cycles = (self._cycles + (self._step * n_t) % 1.0) % 1.0
        self.sample_index += n_t
        return y


# --------------------------------------------------------------------------- timing


class TimingOffset(_Stateful):
    """Timing offset (delay) ``y[n] = x(n - delay)``, continuous across calls; integer delays
    are exact sample shifts, fractional delays use a Kaiser-windowed sinc interpolator
    (module notes). RF/timing impairment for TS 38.104 / TS 38.133 timing tests.

    Args:
        delay: delay in samples (``sample_rate=None``) or in seconds (``sample_rate``
            given; converted to ``delay * sample_rate`` samples, and treated as an integer
            when within 1e-9 samples of one). Must be >= 0; a fractional delay must be
            >= ``half_length - 1`` samples (causal interpolator).
        sample_rate: sample rate in Hz when ``delay`` is in seconds.
        half_length: ``K``: the interpolator has ``2 K`` taps (1..64).

    Shapes: ``forward(waveform)``: ``[..., n_ant, T]`` complex -> same shape and dtype.

    >>> to = TimingOffset(2)
    >>> to(torch.arange(1.0, 6.0).reshape(1, 5).to(torch.complex64)).real
    tensor([[0., 0., 1., 2., 3.]])
    >>> to(torch.zeros(1, 2, dtype=torch.complex64)).real  # continues: x[3], x[4]
    tensor([[4., 5.]])
    """

    def __init__(self, delay: float, sample_rate: float | None = None, *,
                 half_length: int = 16) -> None:
        super().__init__()
        d = _check_real("delay", delay)
        if sample_rate is not None:
            self.sample_rate: float | None = check_positive("sample_rate", sample_rate)
            d = d * self.sample_rate
        else:
            self.sample_rate = None
        if d < 0:
            raise ValueError(f"delay = {d} samples is not allowed: a negative delay (timing "
                             "advance) is not causal; allowed: delay >= 0 (shift the "
                             "reference instead)")
        self.half_length = check_int("half_length", half_length, 1, 64)
        self.kaiser_beta = 10.0
        if abs(d - round(d)) <= 1e-9:
            self._k = int(round(d))
            self._mu = 0.0
            self._taps: torch.Tensor | None = None
            self._history_len = self._k
        else:
            self._k = int(math.floor(d))
            self._mu = d - self._k
            if self._k < self.half_length - 1:
                raise ValueError(
                    f"delay = {d} samples is not allowed: a fractional delay must be >= "
                    f"half_length - 1 = {self.half_length - 1} samples (the {2 * self.half_length}"
                    "-tap interpolator needs that many samples after x(n - delay)); add a "
                    "bulk delay or lower half_length")
            self._taps = fractional_delay_taps(self._mu, self.half_length, self.kaiser_beta)
            self._history_len = self._k + self.half_length
        #: delay in samples
        self.delay_samples = float(self._k) + self._mu
        self.reset()

    def reset(self) -> None:
        """Restart at sample 0 with an empty (zero) delay line."""
        self._history: torch.Tensor | None = None
        self._lead = None

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = _check_waveform(waveform)
        self._check_lead(x)
        n_t = x.shape[-1]
        h_len = self._history_len
        # delay line (history + waveform), its copy as history, the output
        check_allocation("delay", self.delay_samples,
                         x.numel() // max(n_t, 1) * (2 * h_len + 3 * n_t) * x.element_size(),
                         device=x.device)
        if self._history is None:
            self._history = torch.zeros(*x.shape[:-1], h_len, dtype=x.dtype, device=x.device)
        xp = torch.cat([self._history.to(x.dtype), x], dim=-1)
        if self._taps is None:
            y = xp[..., :n_t].clone()
        else:
            taps = self._taps.to(device=x.device, dtype=x.real.dtype)
            k_half = self.half_length
            y = torch.zeros_like(x)
            # tap i (i = -K+1..K) reads x[n - k - i] = xp[K - i + n]
            for j in range(2 * k_half):
                start = 2 * k_half - 1 - j  # = K - i with i = j - K + 1
                y = y + taps[j] * xp[..., start:start + n_t]
        self._history = xp[..., xp.shape[-1] - h_len:].detach().clone()
        return y


# --------------------------------------------------------------------------- phase noise


@functools.cache
def _phase_noise_table() -> dict:
    text = resources.files("softran.channel").joinpath("data", "phase_noise.json").read_text()
    return json.loads(text)["parameter_sets"]


def _resolve_set(parameter_set: str, carrier_frequency: float) -> str:
    name = check_name("parameter_set", parameter_set, PHASE_NOISE_PARAMETER_SETS)
    if name != "auto":
        return name
    table = _phase_noise_table()
    return min(table, key=lambda k: abs(float(table[k]["fc_base"]) - carrier_frequency))


def phase_noise_psd(f: torch.Tensor | float, carrier_frequency: float,
                    parameter_set: str = "auto") -> torch.Tensor:
    """Phase-noise PSD in dBc/Hz of the multi-pole/zero model of TR 38.803 §6.1.10::

        PSD(f) = PSD0 + 10 log10( prod_n (1 + (f/fz_n)^alpha_z_n)
                                 / prod_n (1 + (f/fp_n)^alpha_p_n) ) + 20 log10(fc / fc_base)

    Args:
        f: frequency offsets in Hz (float or real tensor of any shape; ``|f|`` is used).
        carrier_frequency: ``fc`` in Hz.
        parameter_set: "29.55", "45", "70" (``fc_base`` in GHz) or "auto" (the set whose
            ``fc_base`` is nearest to ``fc``).

    Returns:
        float64 tensor shaped like ``f``.

    >>> phase_noise_psd(torch.tensor([0.0, 1e6]), 29.55e9, "29.55").round(decimals=2)
    tensor([ 32.0000, -99.3900], dtype=torch.float64)
    """
    fc = check_positive("carrier_frequency", carrier_frequency)
    prm = _phase_noise_table()[_resolve_set(parameter_set, fc)]
    if isinstance(f, torch.Tensor):
        if f.is_complex() or not f.is_floating_point():
            raise TypeError(f"f must be a real floating tensor, got dtype {f.dtype}")
        fa = f.to(torch.float64).abs()
    else:
        fa = torch.tensor(abs(_check_real("f", f)), dtype=torch.float64)
    if not bool(torch.isfinite(fa).all()):
        raise ValueError("f must be finite")
    db = torch.full_like(fa, float(prm["psd0_db"]) + 20 * math.log10(fc / float(prm["fc_base"])))
    for fz, az in zip(prm["fz"], prm["alpha_z"], strict=True):
        db = db + 10 * torch.log10(1 + (fa / float(fz)) ** float(az))
    for fp, ap in zip(prm["fp"], prm["alpha_p"], strict=True):
        db = db - 10 * torch.log10(1 + (fa / float(fp)) ** float(ap))
    return db


def _next_pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


@functools.lru_cache(maxsize=8)
def _fir_taps(sample_rate: float, carrier_frequency: float, parameter_set: str,
              min_frequency_offset: float, n_taps: int) -> torch.Tensor:
    """Linear-phase FIR of the TR 38.803 phase noise by frequency sampling (module notes),
    cached: every oscillator of the same model shares one design."""
    f = torch.fft.fftfreq(n_taps, d=1.0 / sample_rate, dtype=torch.float64)
    psd = phase_noise_psd(f.abs().clamp(min=min_frequency_offset), carrier_frequency,
                          parameter_set)
    s = torch.pow(10.0, psd / 10.0)  # rad^2/Hz, two-sided
    h = torch.fft.ifft(torch.sqrt(s * sample_rate).to(torch.complex128)).real
    return torch.roll(h, n_taps // 2)  # linear phase, delay n/2


@functools.lru_cache(maxsize=8)
def _fir_spectrum(taps: torch.Tensor, device: str, n_fft: int) -> torch.Tensor:
    """rfft of ``taps`` on ``device`` (cached per design, device and FFT size)."""
    return torch.fft.rfft(taps.to(device), n_fft)


class PhaseNoise(_Stateful):
    """Oscillator phase noise ``y[n] = x[n] exp(j phi[n])``: the multi-pole/zero model of
    TR 38.803 §6.1.10 (FIR-shaped Gaussian noise) or a free-running Wiener oscillator
    with a given 3-dB linewidth. See the module notes for the generation and the PSD
    convention.

    Args:
        sample_rate: sample rate in Hz.
        model: "TR38.803" or "wiener".
        carrier_frequency: ``fc`` in Hz ("TR38.803" only; required there).
        parameter_set: "auto", "29.55", "45" or "70" ("TR38.803" only).
        linewidth: 3-dB (full) linewidth ``df`` of the Lorentzian in Hz ("wiener" only).
        min_frequency_offset: PSD held flat below this offset, Hz ("TR38.803").
        n_taps: FIR length (even, >= 16); ``None``: power of two >= 8 fs / f_min.
        common_oscillator: one phase process per batch element shared by all antennas
            (``True``) or one per antenna.
        seed: seed of the realisation; ``None`` draws one from torch's global generator at
            construction (so :meth:`reset` still reproduces it).

    Shapes: ``forward(waveform)``: ``[..., n_ant, T]`` complex -> same shape and dtype.

    >>> pn = PhaseNoise(30.72e6, "wiener", linewidth=100e3, seed=1)
    >>> y = pn(torch.ones(2, 4, 1000, dtype=torch.complex64))
    >>> tuple(y.shape), bool(torch.allclose(y.abs(), torch.ones(2, 4, 1000)))
    ((2, 4, 1000), True)
    >>> bool((y[:, 0] == y[:, 3]).all())  # one oscillator for all antennas
    True
    """

    def __init__(
        self,
        sample_rate: float,
        model: str = "TR38.803",
        *,
        carrier_frequency: float | None = None,
        parameter_set: str = "auto",
        linewidth: float | None = None,
        min_frequency_offset: float = 1e3,
        n_taps: int | None = None,
        common_oscillator: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.sample_rate = check_positive("sample_rate", sample_rate)
        self.model = check_name("model", model, PHASE_NOISE_MODELS)
        if not isinstance(common_oscillator, bool):
            raise TypeError(f"common_oscillator must be a bool, got "
                            f"{type(common_oscillator).__name__}")
        self.common_oscillator = common_oscillator
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)))
        self.seed = check_int("seed", seed, 0)
        self._taps: torch.Tensor | None = None
        if self.model == "wiener":
            if linewidth is None:
                raise ValueError("linewidth is required for model='wiener'")
            if carrier_frequency is not None:
                raise ValueError(f"carrier_frequency = {carrier_frequency} is not used by "
                                 "model='wiener'; allowed: None")
            self.linewidth: float | None = check_positive("linewidth", linewidth)
            self.carrier_frequency: float | None = None
            self.parameter_set: str | None = None
            self._sigma = math.sqrt(2 * math.pi * self.linewidth / self.sample_rate)
            self.n_taps = 0
        else:
            if linewidth is not None:
                raise ValueError(f"linewidth = {linewidth} is not used by model='TR38.803'; "
                                 "allowed: None")
            if carrier_frequency is None:
                raise ValueError("carrier_frequency is required for model='TR38.803'")
            self.linewidth = None
            self.carrier_frequency = check_positive("carrier_frequency", carrier_frequency)
            self.parameter_set = _resolve_set(parameter_set, self.carrier_frequency)
            self.min_frequency_offset = check_positive("min_frequency_offset",
                                                       min_frequency_offset)
            if self.min_frequency_offset >= self.sample_rate / 2:
                raise ValueError(f"min_frequency_offset = {self.min_frequency_offset} is not "
                                 f"allowed; it must be < sample_rate / 2 = "
                                 f"{self.sample_rate / 2}")
            if n_taps is None:
                n_taps = max(64, _next_pow2(math.ceil(8 * self.sample_rate
                                                      / self.min_frequency_offset)))
            self.n_taps = check_int("n_taps", n_taps, 16, 1 << 24)
            if self.n_taps % 2:
                raise ValueError(f"n_taps = {self.n_taps} is not allowed; it must be even")
            self._taps = self._design()
        self.reset()

    # -- model --------------------------------------------------------------------

    def psd_db(self, f: torch.Tensor) -> torch.Tensor:
        """Two-sided PSD of ``phi`` that the block is designed to produce, in dB(rad^2/Hz)
        (= dBc/Hz), at offsets ``f`` (Hz, float tensor): the TR 38.803 model held flat below
        ``min_frequency_offset``, or ``10 log10(df / (2 pi f^2))`` for "wiener".

        >>> pn = PhaseNoise(1e6, "wiener", linewidth=2 * math.pi, seed=0)
        >>> pn.psd_db(torch.tensor([1.0, 10.0]))
        tensor([  0., -20.], dtype=torch.float64)
        """
        f = check_tensor("f", f)
        if f.is_complex() or not f.is_floating_point():
            raise TypeError(f"f must be a real floating tensor, got dtype {f.dtype}")
        fa = f.to(torch.float64).abs()
        if self.model == "wiener":
            assert self.linewidth is not None
            return 10 * torch.log10(self.linewidth / (2 * math.pi * fa ** 2))
        assert self.carrier_frequency is not None and self.parameter_set is not None
        return phase_noise_psd(fa.clamp(min=self.min_frequency_offset),
                               self.carrier_frequency, self.parameter_set)

    def _design(self) -> torch.Tensor:
        assert self.carrier_frequency is not None and self.parameter_set is not None
        return _fir_taps(self.sample_rate, self.carrier_frequency, self.parameter_set,
                         self.min_frequency_offset, self.n_taps)

    # -- state --------------------------------------------------------------------

    def reset(self) -> None:
        """Restart the realisation at sample 0 (same seed, same phase sequence)."""
        self.sample_index = 0
        self._lead = None
        self._n_streams: int | None = None
        self._cache: tuple[int, torch.Tensor] | None = None
        self._white_tail: torch.Tensor | None = None  # last n_taps - 1 white samples
        self._phase_end = 0.0  # wiener: phi at the last sample (tensor after first call)

    def _block(self, b: int) -> torch.Tensor:
        if self._cache is not None and self._cache[0] == b:
            return self._cache[1]
        gen = torch.Generator(device="cpu")
        gen.manual_seed((self.seed * _SEED_MUL + b) % (1 << 64))
        assert self._n_streams is not None
        blk = torch.randn(self._n_streams, _BLOCK, generator=gen, dtype=torch.float64)
        self._cache = (b, blk)
        return blk

    def _white(self, u0: int, u1: int) -> torch.Tensor:
        """White N(0,1) samples with absolute indices ``u0 .. u1 - 1``: ``[S, u1 - u0]``."""
        assert self._n_streams is not None
        if u1 <= u0:
            return torch.zeros(self._n_streams, 0, dtype=torch.float64)
        parts = []
        for b in range(u0 // _BLOCK, (u1 - 1) // _BLOCK + 1):
            lo, hi = max(u0, b * _BLOCK), min(u1, (b + 1) * _BLOCK)
            parts.append(self._block(b)[:, lo - b * _BLOCK:hi - b * _BLOCK])
        return torch.cat(parts, dim=-1)

    def _filtered(self, n0: int, n_t: int, device: torch.device) -> torch.Tensor:
        """FIR-shaped phase for samples ``n0 .. n0 + n_t - 1``: ``[S, n_t]`` float64."""
        taps = self._taps
        assert taps is not None
        length = self.n_taps
        n_fft = _next_pow2(max(2 * length, 1 << 16))
        chunk = n_fft - length + 1
        h_f = _fir_spectrum(taps, str(device), n_fft)
        # white index u = n + length - 1: phi[n] = sum_m h[m] w[u = n + length - 1 - m]
        if self._white_tail is None:
            self._white_tail = self._white(0, length - 1)
        new = self._white(n0 + length - 1, n0 + length - 1 + n_t)
        v = torch.cat([self._white_tail, new], dim=-1).to(device)  # u in [n0, n0+n_t+L-1)
        self._white_tail = v[:, v.shape[-1] - (length - 1):].cpu()
        out = []
        for c0 in range(0, n_t, chunk):
            c1 = min(n_t, c0 + chunk)
            seg = v[:, c0:c1 + length - 1]
            conv = torch.fft.irfft(torch.fft.rfft(seg, n_fft) * h_f, n_fft)
            out.append(conv[:, length - 1:length - 1 + (c1 - c0)])
        if not out:
            return torch.zeros(v.shape[0], 0, dtype=torch.float64, device=device)
        return torch.cat(out, dim=-1)

    def _wiener(self, n0: int, n_t: int, device: torch.device) -> torch.Tensor:
        inc = self._sigma * self._white(n0, n0 + n_t).to(device)
        if n0 == 0 and n_t > 0:
            inc[:, 0] = 0.0  # phi[0] = 0
        phi = inc.cumsum(dim=-1) + torch.as_tensor(self._phase_end, dtype=torch.float64,
                                                   device=device).reshape(-1, 1)
        if n_t > 0:
            self._phase_end = torch.remainder(phi[:, -1] + math.pi, 2 * math.pi) - math.pi
        return phi

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = _check_waveform(waveform)
        self._check_lead(x)
        lead = x.shape[:-1]
        n_t = x.shape[-1]
        batch = math.prod(lead[:-1])
        n_ant = lead[-1]
        if self._n_streams is None:
            self._n_streams = batch if self.common_oscillator else batch * n_ant
        n0 = self.sample_index
        if self.model == "wiener":
            phi = self._wiener(n0, n_t, x.device)
        else:
            phi = self._filtered(n0, n_t, x.device)
        phi = torch.remainder(phi + math.pi, 2 * math.pi) - math.pi
        phi = phi.reshape(*lead[:-1], 1 if self.common_oscillator else n_ant, n_t)
        self.sample_index = n0 + n_t
        return x * _rotation(phi, x.dtype)
