"""The ``ntn-pusch`` link: the ``pusch`` link (:mod:`softran.sim.links.pusch`) over a
satellite (TR 38.811 §6.9 NTN-TDL channel, residual Doppler after UE pre-compensation,
HARQ with the satellite round trip).

Scenario: ``[pusch]``, ``[carrier]``, ``[antennas]``, ``[impairments]`` and ``[harq]`` as
for ``pusch``; the channel comes from ``[ntn]`` (see
:class:`~softran.sim.scenario_sections.NTNSection` and the link layer's notes in
``softran/sim/links/_ntn.py``), so ``[channel]`` must stay ``AWGN`` (unused). Every
transmission draws its NTN-TDL realisation and, for a pass, its geometry sample from the
batch's seed stream. With ``[harq] n_processes`` set, the HARQ timeline
(:class:`~softran.sim.harq.HARQModel`) uses ``round_trip_slots`` or, when unset, the
round trip of the geometry.

Example: ``scenarios/ntn/leo600_sband_tdlc5_0p1ppm.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from softran.nr import CarrierConfig, PUSCHConfig
from softran.sim.link import LinkConfigError, register_link
from softran.sim.links._ntn import NTNLinkLayer
from softran.sim.links.pusch import PUSCHLink, harq_model, pusch_link_config

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["NTNPUSCHLink", "check_ntn_scenario", "ntn_pusch_link_config"]


def check_ntn_scenario(scenario: Scenario, direction: str = "uplink") -> NTNLinkLayer:
    """The NTN link layer of ``scenario`` in ``direction`` (``"uplink"``, ``"downlink"``);
    raises :class:`~softran.sim.LinkConfigError` when ``[ntn]`` is missing or
    ``[channel]`` is set."""
    if scenario.ntn is None:
        raise LinkConfigError("ntn", f"link {scenario.scenario.link!r} needs an [ntn] table "
                              "(geometry, channel, pre-compensation errors)")
    if scenario.channel.model != "AWGN":
        raise LinkConfigError("channel.model", "the NTN links take their channel from [ntn] "
                              "(channel, delay_spread, max_doppler); remove [channel]")
    try:
        return NTNLinkLayer(scenario.ntn.model_dump(), direction)
    except (TypeError, ValueError) as err:
        raise LinkConfigError("ntn", str(err).splitlines()[0]) from None


def ntn_pusch_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for ``ntn-pusch``: the ``pusch`` checks plus ``[ntn]``."""
    check_ntn_scenario(scenario)
    return pusch_link_config(scenario)


class NTNPUSCHLink(PUSCHLink):
    """PUSCH over a satellite link (module docstring).

    >>> from softran.nr import CarrierConfig, PUSCHConfig
    >>> layer = NTNLinkLayer({"channel": "NTN-TDLC5", "frequency_error_ppm": 0.1})
    >>> link = NTNPUSCHLink(layer, CarrierConfig(n_size_grid=4),
    ...                     PUSCHConfig(prb_set=range(4), mcs_index=2), n_rx=2)
    >>> link.run(snr_db=10.0, n_slots=2, seed=1).blocks
    2
    """

    def __init__(self, layer: NTNLinkLayer, carrier: CarrierConfig, config: PUSCHConfig,
                 n_rx: int, **kw: Any) -> None:
        if not isinstance(layer, NTNLinkLayer):
            raise TypeError(f"layer must be an NTNLinkLayer, got {type(layer).__name__}")
        super().__init__(carrier, config, n_rx, channel={"model": layer.section.channel}, **kw)
        self.layer = layer

    def _fading(self, seed: int) -> torch.nn.Module:
        return self.layer.channel(seed, self.n_tx, self.n_rx, self.tx.sample_rate)


def _factory(scenario: Scenario, device: str) -> NTNPUSCHLink:
    layer = check_ntn_scenario(scenario)
    cfg = pusch_link_config(scenario)
    carrier = CarrierConfig(**cfg["carrier"])
    config = PUSCHConfig(**cfg["pusch"])
    rtt = layer.round_trip_slots(carrier.subcarrier_spacing)
    return NTNPUSCHLink(layer, carrier, config, scenario.antennas.n_rx,
                        impairments=scenario.impairments.model_dump(mode="json"),
                        max_transmissions=scenario.harq.max_transmissions,
                        rv_sequence=tuple(scenario.harq.rv_sequence),
                        channel_estimation=cfg["channel_estimation"], detector=cfg["detector"],
                        max_iterations=cfg["max_iterations"], device=device,
                        harq_model=harq_model(scenario, round_trip_slots=rtt))


register_link("ntn-pusch", _factory, ntn_pusch_link_config)
