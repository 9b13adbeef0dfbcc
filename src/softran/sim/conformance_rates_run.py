"""Run the TS 38.104 §8.3 PUCCH and §8.4 PRACH conformance tests: one simulation per
requirement row through the ``pucch`` / ``prach`` links (:mod:`softran.sim.links.pucch`,
:mod:`softran.sim.links.prach`), stored in the results store, judged with
:func:`~softran.sim.conformance_rates.rate_verdict` at the TS 38.141-1 test SNR.

Test set-up of each row (conformance.md §2.1 / §2.3, the OCUDU and MATLAB conformance
set-ups; PRB positions and hop targets are this module's choice where §2.1 gives none):

=================  ============================================================================
PUCCH row          allocation (1 Tx, TDLC300-100 Low, the row's carrier)
=================  ============================================================================
F0 1-symbol        symbol 13, PRB 0, no hopping, 1 HARQ-ACK bit
F0 2-symbol        symbols 12-13, PRB 0, intra-slot hopping to PRB N-1
F1 2-bit           symbols 0-13, PRB 0, intra-slot hopping to PRB N-1, cyclic shift 0, OCC 0
F2 4-bit           symbol 13, PRBs 0-3, no hopping, 4 bits (Reed-Muller)
F2 22-bit          symbols 12-13, PRBs 0-8, intra-slot hopping to PRB N-9, 22 bits (polar)
F3 test-1          symbols 0-13, PRB 0, hopping to PRB N-1, QPSK, 16 bits, add. DM-RS per row
F3 test-2          symbols 0-3, PRBs 0-2, hopping to PRB N-3, QPSK, 16 bits
F4 22-bit          symbols 0-13, PRB 0, hopping to PRB N-1, QPSK, SF 2, OCC 0, 22 bits
=================  ============================================================================

PRACH rows: format 0 on a 25-PRB 15 kHz carrier (configuration index 0, root 22, N_CS 13,
preamble 32); the short formats on a 25-PRB 15 kHz carrier (Delta f_RA 15 kHz) or a 24-PRB
30 kHz carrier (30 kHz), FDD configuration indices A1 87, A2 117, A3 147, B4 198, C0 219,
C2 236, root 0, preamble 0, N_CS 23 (zone 11) / 46 (zone 14); fading rows add a 400 Hz
frequency offset. The time-error tolerance is TS 38.104 §8.4.1's for the format and channel.

Statistics per SNR point (occasions are the ``slots`` of the stopping rule):

* rows measured with a signal (ACK missed, NACK to ACK, UCI BLER, PRACH detection): the SNR
  points of :func:`~softran.sim.conformance_rates.rate_points_around`; full runs stop at 200
  failures (100 for NACK to ACK) once 2000 occasions are done, or at 20000 occasions (50000
  for NACK to ACK, limit 0.1 %); ``quick`` runs 600 occasions (PRACH: 1000) at two points;
* noise-only rows: one point, a fixed number of occasions: false ACK 10000 (quick 2000),
  each with A bit trials; PRACH false alarm 20000 (quick 5000). The detector's design rate
  is 1e-4, so 20000 occasions put the 95 % Wilson upper bound of a typical count (0..4
  false alarms) at or below 4e-4, well under the 0.1 % limit (conclusive); 5000 occasions
  with no false alarm bound the rate by 7.7e-4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softran.sim.conformance_rates import RatePoint, RateResult, rate_points_around, rate_verdict
from softran.sim.conformance_rates_report import plot_rates
from softran.sim.propagation import parse_channel_name
from softran.sim.requirements_control import (
    PRACHRequirement,
    PUCCHRequirement,
    prach_requirements,
    pucch_requirements,
)
from softran.sim.runner import simulate
from softran.sim.scenario import Scenario, validate_scenario
from softran.sim.store import ResultsStore

__all__ = ["RateRun", "control_scenario", "prach_test_config", "pucch_test_config",
           "run_control_conformance"]

#: FDD (paired, FR1) configuration index of each short preamble format (Table 6.3.3.2-2).
_SHORT_FORMAT_INDEX = {"A1": 87, "A2": 117, "A3": 147, "B4": 198, "C0": 219, "C2": 236}


def pucch_test_config(req: PUCCHRequirement) -> dict[str, Any]:
    """The ``[pucch]`` table of a PUCCH requirement row (module docstring).

    >>> r = pucch_requirements(format=2, test="22-bit", n_rx=2, bandwidth_mhz=5)[0]
    >>> t = pucch_test_config(r)
    >>> t["prb_set"], t["second_hop_prb"], t["n_bits"], t["metric"]
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], 16, 22, 'uci-bler')
    """
    if not isinstance(req, PUCCHRequirement):
        raise TypeError(f"req must be a PUCCHRequirement, got {type(req).__name__}")
    n = req.n_prb
    hop = {"frequency_hopping": "intra-slot"}
    key = (req.format, req.test)
    if key == (0, "1-symbol"):
        t: dict[str, Any] = {"symbol_allocation": [13, 1], "prb_set": [0], "n_bits": 1}
    elif key == (0, "2-symbol"):
        t = {"symbol_allocation": [12, 2], "prb_set": [0], **hop, "second_hop_prb": n - 1,
             "n_bits": 1}
    elif key == (1, "2-bit"):
        t = {"symbol_allocation": [0, 14], "prb_set": [0], **hop, "second_hop_prb": n - 1,
             "initial_cyclic_shift": 0, "occ_index": 0, "n_bits": 2}
    elif key == (2, "4-bit"):
        t = {"symbol_allocation": [13, 1], "prb_set": [0, 1, 2, 3], "n_bits": 4}
    elif key == (2, "22-bit"):
        t = {"symbol_allocation": [12, 2], "prb_set": list(range(9)), **hop,
             "second_hop_prb": n - 9, "n_bits": 22}
    elif key == (3, "test-1"):
        t = {"symbol_allocation": [0, 14], "prb_set": [0], **hop, "second_hop_prb": n - 1,
             "modulation": "QPSK", "n_bits": 16}
    elif key == (3, "test-2"):
        t = {"symbol_allocation": [0, 4], "prb_set": [0, 1, 2], **hop, "second_hop_prb": n - 3,
             "modulation": "QPSK", "n_bits": 16}
    elif key == (4, "22-bit"):
        t = {"symbol_allocation": [0, 14], "prb_set": [0], **hop, "second_hop_prb": n - 1,
             "modulation": "QPSK", "spreading_factor": 2, "occ_index": 0, "n_bits": 22}
    else:
        raise ValueError(f"no test configuration for format {req.format} test {req.test!r}")
    if req.additional_dmrs is not None:
        t["additional_dmrs"] = req.additional_dmrs
    return {"format": req.format, **t, "metric": req.metric}


def prach_test_config(req: PRACHRequirement) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``[carrier]`` and ``[prach]`` tables of a PRACH requirement row (module docstring).

    >>> r = prach_requirements(format="B4", scs_khz=30, n_rx=4, channel="AWGN")[0]
    >>> prach_test_config(r)
    ({'subcarrier_spacing': 30, 'n_size_grid': 24}, {'configuration_index': 198, \
'subcarrier_spacing': 30, 'sequence_index': 0, 'preamble_index': 0, \
'zero_correlation_zone': 14, 'metric': 'detection'})
    """
    if not isinstance(req, PRACHRequirement):
        raise TypeError(f"req must be a PRACHRequirement, got {type(req).__name__}")
    if req.format == "0":
        carrier = {"subcarrier_spacing": 15, "n_size_grid": 25}
        prach: dict[str, Any] = {"configuration_index": 0, "sequence_index": 22,
                                 "preamble_index": 32, "zero_correlation_zone": 1}
    else:
        scs = int(req.scs_khz)
        carrier = {"subcarrier_spacing": scs, "n_size_grid": 25 if scs == 15 else 24}
        prach = {"configuration_index": _SHORT_FORMAT_INDEX[req.format],
                 "subcarrier_spacing": scs, "sequence_index": 0, "preamble_index": 0,
                 "zero_correlation_zone": 11 if scs == 15 else 14}
    return carrier, {**prach, "metric": req.metric}


def _channel(req: PUCCHRequirement | PRACHRequirement) -> dict[str, Any]:
    parse_channel_name(req.channel)
    if req.channel.upper() == "AWGN":
        return {"model": "AWGN"}
    return {"model": req.channel, "correlation": req.correlation}


def _batch(req: PUCCHRequirement | PRACHRequirement) -> int:
    if isinstance(req, PRACHRequirement):
        return 500 if req.metric == "false-alarm" else 200
    if req.metric == "false-ack":                      # noise drawn on the grid
        return 200 if req.n_prb <= 106 else 100
    return {25: 100, 24: 100, 52: 100, 51: 100, 106: 50}.get(req.n_prb, 20)


def _stopping(req: PUCCHRequirement | PRACHRequirement, quick: bool, batch: int
              ) -> dict[str, int]:
    prach = isinstance(req, PRACHRequirement)
    if req.snr_db is None:                                           # noise only
        n = (5000 if quick else 20000) if prach else (2000 if quick else 10000)
        n = -(-n // batch) * batch
        return {"target_block_errors": 0, "min_slots": n, "max_slots": n}
    if quick:
        n = -(-(1000 if prach else 600) // batch) * batch
        return {"target_block_errors": 0, "min_slots": n, "max_slots": n}
    if req.metric == "nack-to-ack":
        return {"target_block_errors": 100, "min_slots": 2000, "max_slots": 50000}
    return {"target_block_errors": 200, "min_slots": 2000, "max_slots": 20000}


def control_scenario(req: PUCCHRequirement | PRACHRequirement, *, quick: bool = False,
                     seed: int = 0, batch_slots: int | None = None) -> Scenario:
    """The simulation scenario of one PUCCH / PRACH requirement row (module docstring).

    >>> r = prach_requirements(format="0", n_rx=2, channel="TDLC300-100")[0]
    >>> s = control_scenario(r, quick=True)
    >>> s.scenario.link, s.impairments.frequency_offset, s.snr.points_db, s.stopping.max_slots
    ('prach', 400.0, (-7.0, -6.0), 1000)
    """
    if isinstance(req, PUCCHRequirement):
        link = "pucch"
        carrier = {"subcarrier_spacing": req.scs_khz, "n_size_grid": req.n_prb}
        table = pucch_test_config(req)
    elif isinstance(req, PRACHRequirement):
        link = "prach"
        carrier, table = prach_test_config(req)
    else:
        raise TypeError(f"req must be a PUCCHRequirement or PRACHRequirement, got "
                        f"{type(req).__name__}")
    batch = batch_slots if batch_slots is not None else _batch(req)
    data: dict[str, Any] = {
        "scenario": {"name": f"TS 38.104 {req.label}", "link": link},
        "carrier": carrier,
        link: table,
        "channel": _channel(req),
        "antennas": {"n_tx": req.n_tx, "n_rx": req.n_rx},
        "snr": {"points_db": rate_points_around(req, quick=quick)},
        "stopping": _stopping(req, quick, batch),
        "run": {"batch_slots": batch, "seed": seed},
    }
    if isinstance(req, PRACHRequirement) and req.frequency_offset:
        data["impairments"] = {"frequency_offset": req.frequency_offset}
    return validate_scenario(data, source=f"conformance {req.label}")


@dataclass(frozen=True)
class RateRun:
    """One requirement row's outcome: the verdict, its points, the scenario hash and the plot
    path."""

    result: RateResult
    points: tuple[RatePoint, ...]
    content_hash: str
    plot: Path | None


def run_control_conformance(requirements: list[PUCCHRequirement] | list[PRACHRequirement]
                            | None = None, *, family: str = "pucch", quick: bool = False,
                            store: ResultsStore | str | Path = "results.db",
                            out_dir: str | Path | None = None, engine: str | None = None,
                            workers: int | None = None, scheduler: str | None = None,
                            progress: bool = True, seed: int = 0,
                            on_row: Callable[[Any], None] | None = None) -> list[RateRun]:
    """Simulate and judge PUCCH or PRACH requirement rows (module docstring): ``requirements``
    or, when None, every row of ``family`` (``"pucch"``, ``"prach"``). With ``out_dir`` a
    failure-rate plot per row is written there; ``on_row`` is called before each row."""
    if requirements is None:
        if family not in ("pucch", "prach"):
            raise ValueError(f"family = {family!r} is not allowed; allowed: 'pucch', 'prach'")
        requirements = pucch_requirements() if family == "pucch" else prach_requirements()
    st = store if isinstance(store, ResultsStore) else ResultsStore(store)
    runs = []
    for req in requirements:
        if on_row is not None:
            on_row(req)
        scenario = control_scenario(req, quick=quick, seed=seed)
        points = simulate(scenario, st, engine=engine, workers=workers, scheduler=scheduler,
                          progress=progress)
        rp = tuple(RatePoint(p.snr_db, p.counts.blocks, p.counts.block_errors) for p in points
                   if p.counts.blocks > 0)
        result = rate_verdict(rp, req)
        plot = None
        if out_dir is not None:
            out = Path(out_dir)
            out.mkdir(parents=True, exist_ok=True)
            plot = plot_rates(rp, req, out / _plot_name(req))
        runs.append(RateRun(result, rp, scenario.content_hash, plot))
    return runs


def _plot_name(req: PUCCHRequirement | PRACHRequirement) -> str:
    if isinstance(req, PUCCHRequirement):
        dmrs = "" if req.additional_dmrs is None else (
            "_adddmrs" if req.additional_dmrs else "_noadddmrs")
        name = (f"pucch_{req.table_id}_F{req.format}_{req.test}{dmrs}_1x{req.n_rx}_"
                f"{req.bandwidth_mhz}MHz_{req.scs_khz}kHz_{req.metric}.png")
    else:
        name = (f"prach_{req.table_id}_{req.format}_{req.scs_khz:g}kHz_1x{req.n_rx}_"
                f"{req.channel}_{req.metric}.png")
    return name.replace("/", "_")
