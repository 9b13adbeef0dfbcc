"""What the radio links of the simulator share (:mod:`softran.sim.links.pusch`,
:mod:`softran.sim.links.pdsch`): the fading channel between the transmit and receive antennas
(AWGN with a fixed full-rank matrix, TDL, CDL), the oscillator impairments of the scenario's
``[impairments]`` table, and the perfect-CSI channel on the grid.

:class:`RadioLink` is a base class; a link sets ``tx`` (a transmitter with ``sample_rate``,
``info`` and ``precoder``), ``carrier``, ``channel``, ``impairments``, ``n_tx``, ``n_rx``,
``perfect`` and ``device``, calls :meth:`RadioLink._init_radio`, and uses
:meth:`~RadioLink._propagate`, :meth:`~RadioLink.oscillator` and :meth:`~RadioLink._impair`.
The CDL channel is built for the link direction ``uplink``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from softran.channel.antenna import AntennaArray
from softran.channel.cdl import CDLChannel
from softran.channel.impairments import FrequencyOffset, PhaseNoise
from softran.channel.tdl import TDLChannel

__all__ = ["RadioLink", "check_canonical_table"]


def check_canonical_table(table: dict[str, Any], link: str, config_cls: type,
                          allowed: tuple[str, ...]) -> dict[str, Any]:
    """Check a link's canonical table (as its ``*_link_config`` returned it: the channel's
    config fields under ``link``, the carrier under ``"carrier"``, receiver options): only
    ``allowed`` keys, and both configs rebuild. Raises
    :class:`~softran.sim.LinkConfigError` naming ``<link>.<key>``.

    >>> check_canonical_table({"extra": 1}, "pdsch", dict, ("pdsch", "carrier"))
    Traceback (most recent call last):
    softran.sim.link.LinkConfigError: pdsch.extra: unknown key in a canonical pdsch table
    """
    from softran.nr.config import CarrierConfig
    from softran.sim.link import LinkConfigError

    for key in table:
        if key not in allowed:
            raise LinkConfigError(f"{link}.{key}", f"unknown key in a canonical {link} table")
    for key, cls in (("carrier", CarrierConfig), (link, config_cls)):
        try:
            cls(**table[key])
        except (TypeError, ValueError) as err:
            raise LinkConfigError(f"{link}.{key}", str(err).splitlines()[0]) from None
    return dict(table)


class RadioLink:
    """Channel, impairments and perfect CSI of a radio link (module docstring)."""

    #: the link direction (CDL arrays: UE transmits in the uplink)
    uplink: bool = True
    tx: Any
    carrier: Any
    channel: dict[str, Any]
    impairments: dict[str, Any]
    n_tx: int
    n_rx: int
    perfect: bool
    device: torch.device

    def _init_radio(self) -> None:
        """Symbol centres (perfect CSI) and the AWGN link's channel matrix."""
        info = self.tx.info
        cps = info.slot_cyclic_prefix_lengths(self.carrier.n_slot)
        starts, t = [], 0
        for cp in cps:
            starts.append(t + cp + info.nfft // 2)
            t += cp + info.nfft
        #: sample index of the middle of each symbol's FFT window (perfect CSI)
        self.symbol_centres = torch.tensor(starts, dtype=torch.int64)
        r = torch.arange(self.n_rx, dtype=torch.float64)[:, None]
        c = torch.arange(self.n_tx, dtype=torch.float64)[None, :]
        self.awgn_h = torch.polar(torch.ones(self.n_rx, self.n_tx, dtype=torch.float64),
                                  2 * math.pi * r * c / max(self.n_rx, self.n_tx)
                                  ).to(torch.complex64).to(self.device)

    def _impairments(self, table: dict[str, Any]) -> dict[str, Any]:
        """Checked ``[impairments]`` keys (see :class:`~softran.sim.scenario.ImpairmentsSection`);
        the blocks are built once here so that a bad value fails before any slot runs."""
        from softran.sim.scenario_sections import ImpairmentsSection

        section = ImpairmentsSection(**table)
        fs = self.tx.sample_rate
        if section.frequency_offset:
            FrequencyOffset(section.frequency_offset, fs)
        if section.phase_noise != "none":
            self._phase_noise(section.model_dump(), seed=0)
        return section.model_dump()

    def _phase_noise(self, imp: dict[str, Any], seed: int) -> PhaseNoise:
        if imp["phase_noise"] == "wiener":
            return PhaseNoise(self.tx.sample_rate, "wiener", linewidth=imp["linewidth"],
                              seed=seed)
        return PhaseNoise(self.tx.sample_rate, "TR38.803",
                          carrier_frequency=imp["carrier_frequency"],
                          parameter_set=imp["parameter_set"], seed=seed)

    def oscillator(self, gen: torch.Generator) -> PhaseNoise | None:
        """The phase-noise oscillator of one :meth:`run` (seeded from ``gen``), or None."""
        if self.impairments["phase_noise"] == "none":
            return None
        seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=self.device))
        return self._phase_noise(self.impairments, seed)

    def _impair(self, y: torch.Tensor, oscillator: PhaseNoise | None) -> torch.Tensor:
        """Frequency offset and phase noise on the received waveform ``[B, n_rx, T]``.

        The oscillator runs on: the B slots of a call are consecutive stretches of one
        realisation (B*T samples in one stream, one FIR pass instead of B), and the next call
        continues it. Each slot's phase noise has the model's statistics; neighbouring slots
        are correlated the way consecutive slots of one radio are."""
        imp = self.impairments
        if imp["frequency_offset"]:
            y = FrequencyOffset(imp["frequency_offset"], self.tx.sample_rate)(y)
        if oscillator is not None:
            b, _, t = y.shape
            ones = torch.ones(1, 1, b * t, dtype=y.dtype, device=y.device)
            y = y * oscillator(ones).reshape(b, 1, t)
        return y

    def _fading(self, seed: int) -> torch.nn.Module | None:
        ch = self.channel
        model = ch.get("model", "AWGN")
        fs = self.tx.sample_rate
        if model == "AWGN":
            return None
        corr = ch.get("correlation", "low")
        corr = None if corr == "low" else corr
        if model.upper().startswith("CDL"):
            arr_tx = AntennaArray(n_cols=self.n_tx)
            arr_rx = AntennaArray(n_cols=self.n_rx)
            return CDLChannel(model, ch["delay_spread"] * 1e-9, ch["max_doppler"],
                              tx_array=arr_tx, rx_array=arr_rx, sample_rate=fs,
                              uplink=self.uplink, seed=seed)
        ds = ch.get("delay_spread")
        return TDLChannel(ch["profile"], None if ds is None else ds * 1e-9,
                          ch["max_doppler"], self.n_tx, self.n_rx, fs, seed=seed,
                          correlation=corr)

    def propagate(self, wave: torch.Tensor, gen: torch.Generator
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The channel stage of one transmission: the faded waveform ``[B, n_rx, T]`` of
        ``wave`` (a new realisation seeded from ``gen``; no impairments, no noise) and, with
        perfect CSI, the effective channel per layer on the grid (else None).

        The fading channels' output lags by their interpolation filter delay
        (``filter_delay``, :mod:`softran.channel.delay_line`); ideal timing is kept by feeding
        that many zeros more and dropping as many samples from the front, so the waveform
        and the perfect-CSI channel (at the FFT window centres) agree."""
        seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=self.device))
        fading = self._fading(seed)
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        if fading is None:
            y = torch.einsum("rt,bts->brs", self.awgn_h, wave)
            h_ports = self.awgn_h[None, :, :, None, None].expand(wave.shape[0], -1, -1,
                                                                 n_sym, k)
        else:
            lag = fading.filter_delay
            y = fading(torch.nn.functional.pad(wave, (0, lag)))[..., lag:]
            h_ports = None
            if self.perfect:
                resp = fading.frequency_response(k, 1e3 * self.carrier.subcarrier_spacing,
                                                 self.symbol_centres)  # [B, R, P, K, L]
                h_ports = resp.permute(0, 1, 2, 4, 3)
        if not self.perfect:
            return y, None
        w = self.tx.precoder
        h = h_ports if w is None else torch.einsum("brpsk,pv->brvsk", h_ports, w)
        return y, h

