"""The ``prach`` link: one UE's PRACH preamble through a fading channel to the gNB detector,
counted as the failures of a TS 38.104 §8.4 metric.

Per occasion: the preamble of :func:`~softran.nr.prach` (1 transmit antenna) -> channel
(``[channel]``: ``"AWGN"``, a unit-gain channel on every receive antenna, or a TDL model such
as ``"TDLC300-100"``, independent fading per occasion) -> ``[impairments] frequency_offset``
(TS 38.104 §8.4: 400 Hz in the fading tests) -> AWGN at the SNR ->
:class:`~softran.nr.PRACHDetector` (all 64 preambles of the cell). The fading runs 4 times
oversampled (:func:`~softran.sim.links.pucch.oversampled_channel`: at the carrier's own
sample rate the channel's interpolated delays attenuate the band edges).

**SNR**: per PRACH RE (a Delta f_RA subcarrier) and receive antenna: the preamble has unit
energy per PRACH subcarrier in the 1 / Delta f_RA period, so white noise of ``N0 =
10^(-SNR/10)`` per sample gives ``N0`` per PRACH RE. Only the samples the detector reads (the
occasion's cyclic prefix and sequence) are simulated; the rest of the subframe is zero.

**Metrics** (``metric``; ``slots`` = ``blocks`` = occasions, ``block_errors`` = failures):

* ``"detection"``: a failure is an occasion in which the transmitted preamble is not
  detected or its timing estimate is off by more than ``time_error_tolerance`` (TS 38.104
  §8.4.1; the true delay is 0: the channel's first path arrives at the occasion's start);
  the rate is the missed-detection probability 1 - P_d;
* ``"false-alarm"``: noise only (the SNR point sets the noise level, which the normalised
  detector does not see); a failure is an occasion with any of the 64 preambles detected.

``[prach]`` keys: the fields of :class:`~softran.nr.PRACHConfig` (``configuration_index``,
``spectrum``, ``frequency_range``, ``subcarrier_spacing``, ``sequence_index``,
``preamble_index``, ``restricted_set``, ``zero_correlation_zone``, ``frequency_start``, ...)
and ``metric`` (default ``"detection"``), ``false_alarm`` (the detector's target per
occasion, default 1e-4) and ``time_error_tolerance`` (µs; default the TS 38.104 §8.4.1 value
for the format, Delta f_RA and channel, where the table has one).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from softran.channel.impairments import FrequencyOffset
from softran.nr import CarrierConfig, PRACHConfig, PRACHDetector
from softran.nr.prach import check_prach_config, prach, prach_info
from softran.sim.link import LinkConfigError, SlotCounts, link_value, register_link
from softran.sim.links.pucch import control_link_tables, oversampled_channel
from softran.sim.requirements_control import prach_time_error_tolerance
from softran.validation import check_int, check_name, check_positive, check_real

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["PRACH_METRICS", "PRACHLink", "prach_link_config"]

#: The failure metrics the ``prach`` link counts (module docstring).
PRACH_METRICS: tuple[str, ...] = ("detection", "false-alarm")
_LINK_KEYS = ("metric", "false_alarm", "time_error_tolerance")


def prach_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for the ``prach`` link and return its canonical ``[prach]``
    table (PRACHConfig and carrier fields, metric, false_alarm, time_error_tolerance). Raises
    :class:`~softran.sim.LinkConfigError` naming the dotted key."""
    carrier, config, canonical = control_link_tables(scenario, "prach", PRACHConfig,
                                                     check_prach_config, _LINK_KEYS)
    if canonical is not None:
        return canonical
    table = scenario.prach
    link_value("prach", prach_info, carrier, config)        # the sample-rate checks
    metric = link_value("prach.metric", check_name, "metric", table.get("metric", "detection"),
                        PRACH_METRICS)
    fa = link_value("prach.false_alarm", check_real, "false_alarm",
                    table.get("false_alarm", 1e-4), 0.0, 1.0)
    if not 0.0 < fa < 1.0:
        raise LinkConfigError("prach.false_alarm", f"false_alarm = {fa} is out of range; "
                              "allowed: 0 < false_alarm < 1")
    if "time_error_tolerance" in table:
        tol = link_value("prach.time_error_tolerance", check_positive, "time_error_tolerance",
                         table["time_error_tolerance"])
    else:
        tol = link_value("prach.time_error_tolerance", prach_time_error_tolerance,
                         config.format, config.delta_f_ra, scenario.channel.model)
    return {"prach": config.model_dump(mode="json"), "carrier": carrier.model_dump(mode="json"),
            "metric": metric, "false_alarm": fa, "time_error_tolerance": float(tol)}


class PRACHLink:
    """The PRACH link (module docstring); implements :class:`~softran.sim.Link`.
    ``time_error_tolerance`` in µs.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PRACHConfig(zero_correlation_zone=1, sequence_index=22, preamble_index=32)
    >>> link = PRACHLink(c, p, n_rx=2, metric="detection", time_error_tolerance=1.04)
    >>> r = link.run(snr_db=-5.0, n_slots=20, seed=1)
    >>> r.slots, r.blocks, r.block_errors
    (20, 20, 0)
    """

    def __init__(self, carrier: CarrierConfig, config: PRACHConfig, n_rx: int, *,
                 metric: str, time_error_tolerance: float, false_alarm: float = 1e-4,
                 channel: dict[str, Any] | None = None, frequency_offset: float = 0.0,
                 device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.metric = check_name("metric", metric, PRACH_METRICS)
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.detector = PRACHDetector(carrier, config, n_rx, false_alarm=false_alarm,
                                      device=self.device)
        self.carrier, self.config = self.detector.carrier, self.detector.config
        self.info = info = self.detector.info
        self.tolerance = check_positive("time_error_tolerance", time_error_tolerance) * 1e-6
        self.channel = dict(channel or {"model": "AWGN"})
        self.frequency_offset = check_real("frequency_offset", frequency_offset)
        if self.frequency_offset:
            FrequencyOffset(self.frequency_offset, info.sample_rate)
        #: the occasion's samples (cyclic prefix and sequence), from info.start
        self.segment = prach(self.carrier, self.config, device=self.device)[info.start:]

    def _received(self, n: int, n0: float, gen: torch.Generator) -> torch.Tensor:
        info, dev = self.info, self.device
        seg = self.segment.numel()
        if self.metric == "false-alarm":
            y = torch.zeros(n, self.n_rx, seg, dtype=torch.complex64, device=dev)
        else:
            seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=dev))
            y = oversampled_channel(self.segment.expand(n, 1, seg), self.channel, self.n_rx,
                                    info.sample_rate, seed, self.frequency_offset)
        noise = torch.randn(y.shape, dtype=y.dtype, generator=gen, device=dev)
        y = y + noise * math.sqrt(n0)
        lead = torch.zeros(n, self.n_rx, info.start, dtype=y.dtype, device=dev)
        return torch.cat([lead, y], dim=-1)

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` PRACH occasions and count the metric's failures."""
        n_slots = check_int("n_slots", n_slots, 1)
        seed = check_int("seed", seed, 0, 2**63 - 1)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        n0 = 10.0 ** (-float(snr_db) / 10.0)
        det = self.detector(self._received(n_slots, n0, gen))
        if self.metric == "false-alarm":
            fail = det.detected.any(-1)
        else:
            p = self.config.preamble_index
            fail = ~det.detected[:, p] | (det.timing[:, p].abs() > self.tolerance)
        failures = int(fail.sum())
        return SlotCounts(slots=n_slots, transmissions=n_slots, transmission_errors=failures,
                          blocks=n_slots, block_errors=failures, bits=n_slots,
                          bit_errors=failures, delivered_bits=n_slots - failures,
                          max_bits=n_slots)


def _factory(scenario: Scenario, device: str) -> PRACHLink:
    cfg = prach_link_config(scenario)
    return PRACHLink(CarrierConfig(**cfg["carrier"]), PRACHConfig(**cfg["prach"]),
                     scenario.antennas.n_rx, metric=cfg["metric"],
                     time_error_tolerance=cfg["time_error_tolerance"],
                     false_alarm=cfg["false_alarm"],
                     channel=scenario.channel.model_dump(mode="json"),
                     frequency_offset=scenario.impairments.frequency_offset, device=device)


register_link("prach", _factory, prach_link_config, section="prach")
