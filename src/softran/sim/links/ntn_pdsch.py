"""The ``ntn-pdsch`` link: the ``pdsch`` link (:mod:`softran.sim.links.pdsch`) over a
satellite (TR 38.811 §6.9 NTN-TDL channel, residual Doppler at the UE receiver, HARQ with
the satellite round trip).

Scenario: ``[pdsch]``, ``[carrier]``, ``[antennas]``, ``[impairments]`` and ``[harq]`` as
for ``pdsch``; the channel comes from ``[ntn]`` (see
:class:`~softran.sim.scenario_sections.NTNSection` and the link layer's notes in
``softran/sim/links/_ntn.py``), so ``[channel]`` must stay ``AWGN`` (unused).

**Downlink residual** (what is modelled): the satellite transmits on the carrier (feeder
link Doppler compensated by the network); the UE receives it with the service-link
Doppler and corrects its receiver by the Doppler it predicts from its GNSS position and
the broadcast ephemeris, with its own oscillator error ``frequency_error_ppm``. The NTN-TDL
channel's common shift is the residual ``f_D - f_D,predicted - ppm 1e-6 f_c``
(:func:`softran.ntn.residual_after_precompensation` with ``direction="downlink"``). A UE
that tracks the carrier closed-loop on SSB / TRS is the case ``gnss_error =
ephemeris_* = 0`` with its tracking error as ``frequency_error_ppm``. The PDSCH receiver
does not correct a carrier offset: the residual stays on the grid, as in the uplink.

Every transmission draws its NTN-TDL realisation and, for a pass, its geometry sample from
the batch's seed stream. With ``[harq] n_processes`` set, the HARQ timeline
(:class:`~softran.sim.harq.HARQModel`) uses ``round_trip_slots`` or, when unset, the round
trip of the geometry (PDSCH -> HARQ-ACK -> next PDSCH of the process: one UE - gNB round
trip plus ``[ntn] harq_processing_slots``).

Examples: ``scenarios/ntn/geo_kaband_tdla100_dl.toml``,
``scenarios/ntn/leo600_sband_tdlc5_dl.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from softran.nr import CarrierConfig, PDSCHConfig
from softran.sim.link import register_link
from softran.sim.links._ntn import NTNLinkLayer
from softran.sim.links.ntn_pusch import check_ntn_scenario
from softran.sim.links.pdsch import PDSCHLink, pdsch_link_config
from softran.sim.links.pusch import harq_model

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["NTNPDSCHLink", "ntn_pdsch_link_config"]


def ntn_pdsch_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for ``ntn-pdsch``: the ``pdsch`` checks plus ``[ntn]``."""
    check_ntn_scenario(scenario, "downlink")
    return pdsch_link_config(scenario)


class NTNPDSCHLink(PDSCHLink):
    """PDSCH over a satellite link (module docstring).

    >>> from softran.nr import CarrierConfig, PDSCHConfig
    >>> layer = NTNLinkLayer({"channel": "NTN-TDLC5", "frequency_error_ppm": 0.1},
    ...                      direction="downlink")
    >>> link = NTNPDSCHLink(layer, CarrierConfig(n_size_grid=6),
    ...                     PDSCHConfig(prb_set=range(6), mcs_index=2), n_rx=2)
    >>> link.run(snr_db=10.0, n_slots=2, seed=1).blocks
    2
    """

    def __init__(self, layer: NTNLinkLayer, carrier: CarrierConfig, config: PDSCHConfig,
                 n_rx: int, **kw: Any) -> None:
        if not isinstance(layer, NTNLinkLayer):
            raise TypeError(f"layer must be an NTNLinkLayer, got {type(layer).__name__}")
        if layer.direction != "downlink":
            raise ValueError(f"layer.direction = {layer.direction!r} is not allowed; the "
                             "PDSCH needs the 'downlink' residual (NTNLinkLayer(..., "
                             "direction='downlink'))")
        super().__init__(carrier, config, n_rx, channel={"model": layer.section.channel}, **kw)
        self.layer = layer

    def _fading(self, seed: int) -> torch.nn.Module:
        return self.layer.channel(seed, self.n_tx, self.n_rx, self.tx.sample_rate)


def _factory(scenario: Scenario, device: str) -> NTNPDSCHLink:
    layer = check_ntn_scenario(scenario, "downlink")
    cfg = pdsch_link_config(scenario)
    carrier = CarrierConfig(**cfg["carrier"])
    config = PDSCHConfig(**cfg["pdsch"])
    rtt = layer.round_trip_slots(carrier.subcarrier_spacing)
    return NTNPDSCHLink(layer, carrier, config, scenario.antennas.n_rx,
                        impairments=scenario.impairments.model_dump(mode="json"),
                        max_transmissions=scenario.harq.max_transmissions,
                        rv_sequence=tuple(scenario.harq.rv_sequence),
                        channel_estimation=cfg["channel_estimation"], detector=cfg["detector"],
                        max_iterations=cfg["max_iterations"], device=device,
                        harq_model=harq_model(scenario, round_trip_slots=rtt))


register_link("ntn-pdsch", _factory, ntn_pdsch_link_config, section="pdsch")
