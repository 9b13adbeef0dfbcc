"""The air between the O-RU and the UEs: one radio link per UE, slot after slot.

Each :class:`RadioLink` is built from :mod:`softran.channel`: a fading channel (flat for
``"awgn"``, else a TR 38.901 / TS 38.104 TDL profile, :class:`~softran.channel.TDLChannel`),
the one-way propagation delay (:class:`~softran.channel.TimingOffset`), the UE oscillator's
frequency offset (:class:`~softran.channel.FrequencyOffset`, +CFO on the downlink the UE
receives, +CFO on the uplink it sends) and white Gaussian noise
(:class:`~softran.channel.AWGN`). Every block keeps its state across calls, so a run of slots
is one continuous waveform.

SNR (per resource element, the TS 38.104 definition of :func:`softran.channel.noise_variance`):
the OFDM modulator is orthonormal, so a unit-energy RE and a time-domain noise of variance
N0 per sample give an SNR of 1 / N0 per RE after the FFT. Downlink: each UE adds its own
noise, ``N0 = 10^(-snr_db / 10)``. Uplink: the O-RU adds one noise, that of the best UE, and
each UE's signal is scaled by ``10^((snr_db - snr_max) / 20)``, so every UE sees its own SNR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from softran.channel import AWGN, FrequencyOffset, TDLChannel, TimingOffset
from softran.validation import check_int, check_positive, check_real

__all__ = ["Air", "RadioLink", "RadioLinkConfig"]


@dataclass(frozen=True)
class RadioLinkConfig:
    """One UE's radio link: SNR per RE (dB), channel (``"awgn"`` or a TDL profile name),
    delay spread (s, TR 38.901 profiles), maximum Doppler (Hz), CFO (Hz), one-way delay (s)."""

    snr_db: float = 25.0
    channel: str = "awgn"
    delay_spread: float = 30e-9
    doppler_hz: float = 5.0
    cfo_hz: float = 0.0
    delay: float = 0.0


class RadioLink:
    """The downlink and uplink of one UE (module docstring); ``seed`` makes it repeatable.

    >>> link = RadioLink(RadioLinkConfig(snr_db=30.0, delay=0.0), 30.72e6, seed=1)
    >>> y = link.downlink(torch.ones(1, 1000, dtype=torch.complex64))
    >>> tuple(y.shape), round(float((y - 1).abs().pow(2).mean()), 3)
    ((1, 1000), 0.001)
    """

    def __init__(self, config: RadioLinkConfig, sample_rate: float, *, seed: int = 0) -> None:
        if not isinstance(config, RadioLinkConfig):
            raise TypeError(f"config must be a RadioLinkConfig, got {type(config).__name__}")
        self.config = config
        self.sample_rate = check_positive("sample_rate", sample_rate)
        seed = check_int("seed", seed, 0)
        check_real("snr_db", config.snr_db)
        self.noise_var = 10.0 ** (-config.snr_db / 10.0)
        delay = round(config.delay * self.sample_rate)       # whole samples (module docstring)
        self._dl_delay = TimingOffset(delay)
        self._ul_delay = TimingOffset(delay)
        self._dl_cfo = FrequencyOffset(config.cfo_hz, self.sample_rate)
        self._ul_cfo = FrequencyOffset(config.cfo_hz, self.sample_rate)
        self._dl_noise = AWGN(seed=seed * 4 + 1)
        self._dl_fading = self._fading(seed * 4 + 2)
        self._ul_fading = self._fading(seed * 4 + 3)
        #: delay in samples (the timing advance a UE needs to arrive on time)
        self.delay_samples = delay

    def _fading(self, seed: int) -> TDLChannel | None:
        c = self.config
        if c.channel == "awgn":
            return None
        from softran.channel import tdl_profile
        profile = tdl_profile(c.channel)
        spread = c.delay_spread if profile.scale_delays else None
        return TDLChannel(profile, spread, c.doppler_hz, 1, 1, self.sample_rate, seed=seed)

    def downlink(self, waveform: torch.Tensor) -> torch.Tensor:
        """The UE's received samples ``[1, T]`` of the O-RU's downlink ``[1, T]``."""
        x = self._dl_delay(waveform)
        if self._dl_fading is not None:
            x = self._dl_fading(x.unsqueeze(0))[0]
        x = self._dl_cfo(x)
        return self._dl_noise(x, self.noise_var)

    def uplink(self, waveform: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        """The UE's uplink ``[1, T]`` as it arrives at the O-RU (no noise: :class:`Air` adds
        it), times ``gain``."""
        x = self._ul_cfo(waveform)
        if self._ul_fading is not None:
            x = self._ul_fading(x.unsqueeze(0))[0]
        return self._ul_delay(x) * gain


class Air:
    """The radio links of all UEs of a cell (module docstring).

    ``downlink(w)`` -> one received waveform per UE; ``uplink([w_ue or None, ...])`` -> the sum
    at the O-RU plus its noise.

    >>> air = Air([RadioLinkConfig(snr_db=20.0), RadioLinkConfig(snr_db=10.0)], 30.72e6, seed=3)
    >>> [tuple(y.shape) for y in air.downlink(torch.zeros(1, 100, dtype=torch.complex64))]
    [(1, 100), (1, 100)]
    >>> air.uplink_gains
    [1.0, 0.31622776601683794]
    """

    def __init__(self, links: Sequence[RadioLinkConfig], sample_rate: float, *,
                 seed: int = 0) -> None:
        if not links:
            raise ValueError("links is empty; give at least one RadioLinkConfig")
        self.links = [RadioLink(c, sample_rate, seed=seed * 64 + k) for k, c in enumerate(links)]
        best = max(c.snr_db for c in links)
        self.uplink_noise_var = 10.0 ** (-best / 10.0)
        self.uplink_gains = [10.0 ** ((c.snr_db - best) / 20.0) for c in links]
        self._ul_noise = AWGN(seed=seed * 64 + 63)

    def downlink(self, waveform: torch.Tensor) -> list[torch.Tensor]:
        """What each UE receives of the downlink ``[1, T]``."""
        return [link.downlink(waveform) for link in self.links]

    def uplink(self, waveforms: Sequence[torch.Tensor | None], n_samples: int) -> torch.Tensor:
        """The O-RU's received uplink ``[1, n_samples]``: each UE's waveform (``None``: silent)
        through its link, summed, plus noise."""
        if len(waveforms) != len(self.links):
            raise ValueError(f"waveforms has {len(waveforms)} entries; the air has "
                             f"{len(self.links)} UEs")
        total = torch.zeros(1, n_samples, dtype=torch.complex64)
        for link, w, g in zip(self.links, waveforms, self.uplink_gains, strict=True):
            x = torch.zeros(1, n_samples, dtype=torch.complex64) if w is None else w
            total = total + link.uplink(x, g)               # silent UEs keep their state going
        return self._ul_noise(total, self.uplink_noise_var)
