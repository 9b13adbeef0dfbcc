"""Per-slot latency of a cell's physical-layer stages on one CPU thread: the real-time budget.

A slot lasts ``1 ms / 2^mu`` (500 µs at 30 kHz) and every stage of the uplink receive chain,
the downlink transmit chain and the fronthaul must finish inside it, slot after slot. This
module runs each chain slot by slot, times every stage of every slot and reports the median,
the 99th percentile and the maximum per stage -- in wall-clock time and in the CPU time of the
measuring thread (``time.thread_time``). On a machine shared with other jobs the wall time
includes the time the scheduler kept the thread waiting; the CPU time is what a free core
would need (plus the cache and TLB misses that sharing causes). Both are reported together
with the load average.

Chains (one thread: torch and Numba are set to 1 thread while measuring):

* **UL** -- a PUSCH slot (TS 38.211 §6.3.1, §6.4.1.1; TS 38.212 §6.2): ``n_prb`` PRBs,
  ``ul_mcs`` of ``ul_mcs_table``, 1 layer, DM-RS type 1 on symbols 2 and 11 with 2 CDM groups
  without data (as TS 38.104 FRC G-FR1-A4-12), ``n_rx`` receive antennas, AWGN at ``snr_db``
  (default: 2 dB above the SNR where one transmission reaches 70 % throughput, found by
  bisection). From time-domain samples to the transport block, by the stages of
  :class:`~softran.nr.PUSCHReceiver` and :class:`~softran.nr.ULSCHDecoder`: OFDM
  demodulation, channel estimation, noise covariance, MMSE-IRC, demapping (+
  descrambling), rate recovery, LDPC decoding (early termination), code-block and TB CRC.
* **DL** -- a PDSCH-like slot (TS 38.212 §7.2, TS 38.211 §7.3.1): ``dl_layers`` layers of
  ``dl_mcs`` in ``dl_mcs_table`` on the same allocation, precoded onto ``dl_layers`` antenna
  ports: DL-SCH encoding (CRC, segmentation, LDPC), rate matching, scrambling, modulation,
  layer mapping, precoding, RE mapping (data and DM-RS) and OFDM modulation.
* **FH** -- the fronthaul of one slot, ``n_rx`` eAxCs x 14 symbols x ``n_prb`` PRBs with
  BFP-``bfp_width`` (O-RAN.WG4.CUS.0), through :class:`~softran.oran.endpoints.ODU` and
  :class:`~softran.oran.endpoints.ORU` over UDP loopback: downlink BFP compression straight
  into the C- and U-plane messages ("DL BFP+U-plane build", one compiled pass), sending,
  O-RU reception (U-plane decoding into the slot buffer, "DL O-RU receive"), BFP
  decompression; uplink C-plane, the O-RU's U-plane answer (compression, encoding, sending:
  "UL O-RU answer"), O-DU reception ("UL O-DU receive") and decompression.

>>> cfg = LatencyConfig(n_prb=24, n_slots=3, warmup=1, snr_db=20.0, chains=("UL",))
>>> report = measure_latency(cfg)
>>> [s.stage for s in report.stages][:3]
['OFDM demodulation', 'channel estimation', 'noise covariance']
>>> report.stages[0].wall.shape, report.slot_s
((3,), 0.0005)
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numba
import numpy as np
import torch

from softran.validation import check_choice, check_int, check_real

__all__ = ["CHAINS", "LatencyConfig", "LatencyReport", "StageLatency", "measure_latency",
           "plot_latency", "snr_at_throughput", "write_latency_csv"]

#: The chains :func:`measure_latency` can run.
CHAINS: tuple[str, ...] = ("UL", "DL", "FH")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LatencyConfig:
    """The cell and the measurement (module docstring).

    ``n_prb`` 1..275, ``scs`` kHz (15, 30, 60, 120), ``n_rx`` receive antennas (and eAxCs of
    the fronthaul), ``ul_mcs`` / ``dl_mcs`` MCS indices of ``ul_mcs_table`` /
    ``dl_mcs_table`` (``"qam64"``, ``"qam256"``, ...), ``dl_layers`` 1..4, ``snr_db`` the UL
    SNR per RE and receive antenna (None: 2 dB above the 70 % throughput point),
    ``max_iterations`` of the LDPC decoder, ``ldpc_kernel`` its ``kernel``
    (:func:`~softran.nr.coding.ldpc.ldpc_decode`; default the fixed-point ``"numba-int8"``,
    ``"numba"`` the float one), ``bfp_width`` the BFP mantissa width,
    ``n_slots`` measured slots after ``warmup`` unmeasured ones, ``chains`` a subset of
    :data:`CHAINS`, ``seed`` for every random draw.
    """

    n_prb: int = 51
    scs: int = 30
    n_rx: int = 2
    ul_mcs: int = 16
    ul_mcs_table: str = "qam64"
    dl_mcs: int = 27
    dl_mcs_table: str = "qam256"
    dl_layers: int = 2
    snr_db: float | None = None
    max_iterations: int = 12
    ldpc_kernel: str = "numba-int8"
    bfp_width: int = 9
    n_slots: int = 1000
    warmup: int = 50
    chains: tuple[str, ...] = CHAINS
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("n_prb", self.n_prb, 1, 275)
        check_choice("scs", self.scs, (15, 30, 60, 120))
        check_int("n_rx", self.n_rx, 1, 8)
        check_int("ul_mcs", self.ul_mcs, 0, 28)
        check_int("dl_mcs", self.dl_mcs, 0, 28)
        check_int("dl_layers", self.dl_layers, 1, 4)
        if self.snr_db is not None:
            check_real("snr_db", self.snr_db, -20.0, 60.0)
        check_int("max_iterations", self.max_iterations, 1, 100)
        check_choice("ldpc_kernel", self.ldpc_kernel, ("numba", "numba-int8", "torch"))
        check_int("bfp_width", self.bfp_width, 1, 16)
        check_int("n_slots", self.n_slots, 1, 1_000_000)
        check_int("warmup", self.warmup, 0, 1_000_000)
        chains = tuple(self.chains)
        if not chains:
            raise ValueError("chains must name at least one of " + ", ".join(CHAINS))
        for c in chains:
            check_choice("chains[]", c, CHAINS)
        object.__setattr__(self, "chains", tuple(c for c in CHAINS if c in chains))
        check_int("seed", self.seed, 0)
        from softran.nr.tables import MCS_TABLE_NAMES

        check_choice("ul_mcs_table", self.ul_mcs_table, MCS_TABLE_NAMES)
        check_choice("dl_mcs_table", self.dl_mcs_table, MCS_TABLE_NAMES)
        _ul_configs(self)       # the UL and DL allocations exist (a reserved MCS is refused)
        _dl_allocation(self)

    @property
    def slot_s(self) -> float:
        """Slot duration in seconds: 1 ms / 2^mu."""
        return 1e-3 * 15 / self.scs


@dataclass
class StageLatency:
    """Per-slot times of one stage: ``wall`` and ``cpu`` float64 ``[n_slots]`` in seconds."""

    chain: str
    stage: str
    wall: np.ndarray
    cpu: np.ndarray

    def stats(self, which: str = "cpu") -> dict[str, float]:
        """``{"median", "p99", "max", "min"}`` in seconds of ``which`` (``"cpu"``/``"wall"``)."""
        x = self.cpu if which == "cpu" else self.wall
        return {"median": float(np.median(x)), "p99": float(np.quantile(x, 0.99)),
                "max": float(x.max()), "min": float(x.min())}


@dataclass
class LatencyReport:
    """What :func:`measure_latency` measured.

    ``stages`` in chain order; ``totals`` per chain: the per-slot sum of its stages (the
    percentiles of a chain are those of that sum, not sums of percentiles); ``calls`` the
    chain done by one call of the public class on the same slots (``PUSCHReceiver()``:
    waveform to transport block; ``PDSCHTransmitter()``: transport block to waveform, its
    fused CPU path) -- what a cell pays, as opposed to the sum of the stages; ``notes`` per
    chain (SNR, BLER, LDPC iterations, messages per slot, ...); ``load`` the 1-minute load
    average before and after; ``reference_cpu`` the CPU seconds of a fixed arithmetic
    workload timed between slots (the machine's speed while measuring: compare runs by it).
    """

    config: LatencyConfig
    stages: list[StageLatency]
    totals: dict[str, StageLatency]
    notes: dict[str, str] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    reference_cpu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    calls: list[StageLatency] = field(default_factory=list)

    @property
    def slot_s(self) -> float:
        """The budget: one slot in seconds."""
        return self.config.slot_s


# ------------------------------------------------------------------------------- reference


@numba.njit(cache=True, nogil=True)
def _reference_work(n: int) -> float:  # pragma: no cover - compiled
    """A fixed, cache-resident arithmetic workload (a dependent chain of multiply-adds)."""
    x = 0.5
    for i in range(n):
        x = x * 0.999999 + 1e-7 * (i & 7)
    return x


_REFERENCE_N = 20_000


# ------------------------------------------------------------------------------- the chains


class _Chain:
    """Stages run in order on a context dict that ``prepare`` fills for each slot."""

    def __init__(self, name: str, prepare: Callable[[int], dict[str, Any]],
                 stages: list[tuple[str, Callable[[dict[str, Any]], None]]],
                 finish: Callable[[dict[str, Any]], None] | None = None,
                 calls: list[tuple[str, Callable[[dict[str, Any]], None]]] | None = None
                 ) -> None:
        self.name, self.prepare, self.stages, self.finish = name, prepare, stages, finish
        #: whole-chain calls timed on the same slot after the stages (not part of the total)
        self.calls = [] if calls is None else calls


def _ul_configs(cfg: LatencyConfig) -> tuple[Any, Any]:
    from softran.nr import CarrierConfig, PUSCHConfig

    carrier = CarrierConfig(subcarrier_spacing=cfg.scs, n_size_grid=cfg.n_prb)
    pusch = PUSCHConfig(prb_set=range(cfg.n_prb), mcs_index=cfg.ul_mcs,
                        mcs_table=cfg.ul_mcs_table,
                        dmrs=dict(additional_position=1, num_cdm_groups_without_data=2))
    return carrier, pusch


def _dl_allocation(cfg: LatencyConfig) -> tuple[Any, Any]:
    from softran.nr import CarrierConfig, PUSCHConfig

    carrier = CarrierConfig(subcarrier_spacing=cfg.scs, n_size_grid=cfg.n_prb)
    # the PDSCH allocation of TS 38.214 §5.1 with mapping type A and DM-RS type 1 on symbols
    # 2 and 11 has the PUSCH's RE pattern (TS 38.211 §7.4.1.1 = §6.4.1.1 without transform
    # precoding): its indices and DM-RS positions serve the RE mapping
    alloc = PUSCHConfig(prb_set=range(cfg.n_prb), n_layers=cfg.dl_layers, mcs_index=cfg.dl_mcs,
                        mcs_table=cfg.dl_mcs_table,
                        dmrs=dict(additional_position=1, num_cdm_groups_without_data=2))
    return carrier, alloc


def snr_at_throughput(cfg: LatencyConfig, target: float = 0.7, *, slots: int = 64,
                      steps: int = 8, low: float = -10.0, high: float = 40.0) -> float:
    """SNR (dB per RE and receive antenna) at which one transmission of the UL slot of
    ``cfg`` over AWGN decodes with probability ``target`` (throughput ``target`` of the
    maximum without retransmissions): bisection over [``low``, ``high``] with ``slots``
    slots per step (the same seeded draws at every step), ``steps`` steps.

    >>> cfg = LatencyConfig(n_prb=12, ul_mcs=2)
    >>> -10.0 < snr_at_throughput(cfg, slots=16, steps=4) < 10.0
    True
    """
    from softran.nr import PUSCHReceiver, PUSCHTransmitter

    carrier, pusch = _ul_configs(cfg)
    tx = PUSCHTransmitter(carrier, pusch)
    rx = PUSCHReceiver(carrier, pusch, n_rx=cfg.n_rx, max_iterations=cfg.max_iterations,
                       ldpc_kernel=cfg.ldpc_kernel)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    tb = torch.randint(0, 2, (slots, pusch.tb_size), dtype=torch.uint8, generator=gen)
    wave = tx(tb).expand(-1, cfg.n_rx, -1)
    noise = torch.randn(wave.shape, dtype=wave.dtype, generator=gen)
    for _ in range(steps):
        mid = 0.5 * (low + high)
        _, err = rx(wave + math.sqrt(10.0 ** (-mid / 10.0)) * noise, new_data=True)
        if 1.0 - float(err.float().mean()) >= target:
            high = mid
        else:
            low = mid
    return 0.5 * (low + high)


def _ul_chain(cfg: LatencyConfig, snr_db: float, notes: dict[str, str]) -> _Chain:
    from softran.nr import PUSCHReceiver, PUSCHTransmitter
    from softran.nr.coding.crc import crc_decode
    from softran.nr.coding.ldpc import ldpc_decode
    from softran.nr.coding.ldpc.rate_match import rate_recover_ldpc
    from softran.nr.coding.ldpc.segment import code_block_desegment_ldpc

    carrier, pusch = _ul_configs(cfg)
    tx = PUSCHTransmitter(carrier, pusch)
    rx = PUSCHReceiver(carrier, pusch, n_rx=cfg.n_rx, max_iterations=cfg.max_iterations,
                       ldpc_kernel=cfg.ldpc_kernel)
    dec = rx.decoder
    info = dec.sch_info
    gen = torch.Generator().manual_seed(cfg.seed)
    n_pool = 16
    tbs = torch.randint(0, 2, (n_pool, pusch.tb_size), dtype=torch.uint8, generator=gen)
    waves = tx(tbs)
    n0 = 10.0 ** (-snr_db / 10.0)
    stats = {"slots": 0, "errors": 0, "iterations": 0, "blocks": 0, "call_errors": 0}

    def prepare(i: int) -> dict[str, Any]:
        k = i % n_pool
        w = waves[k:k + 1].expand(-1, cfg.n_rx, -1)
        noise = torch.randn(w.shape, dtype=w.dtype, generator=gen)
        return {"wave": (w + math.sqrt(n0) * noise).contiguous(), "tb": tbs[k:k + 1]}

    def ofdm(c: dict[str, Any]) -> None:
        c["grid"] = rx.grid(c["wave"])

    def estimate(c: dict[str, Any]) -> None:
        c["h"], c["nv"] = rx.estimate(c["grid"])

    def covariance(c: dict[str, Any]) -> None:
        c["noise"] = rx.covariance(c["grid"], c["h"], c["nv"])

    def detect(c: dict[str, Any]) -> None:
        c["x"], c["nv_eff"] = rx.detect(c["grid"], c["h"], c["noise"])

    def demap(c: dict[str, Any]) -> None:
        c["llr"] = rx.demap(c["x"], c["nv_eff"])

    def rate_recovery(c: dict[str, Any]) -> None:
        c["cb_llr"] = rate_recover_ldpc(c["llr"], info.a, dec.target_code_rate, 0,
                                        pusch.modulation, pusch.n_layers, n_ref=dec.n_ref)

    def ldpc(c: dict[str, Any]) -> None:
        llr = c["cb_llr"]
        c["bits"], c["iterations"] = ldpc_decode(llr.reshape(-1, llr.shape[-1]), info.bgn,
                                                 dec.max_iterations, kernel=cfg.ldpc_kernel)

    def crc(c: dict[str, Any]) -> None:
        blk, cb_err = code_block_desegment_ldpc(c["bits"].reshape(1, info.c, info.k), info.bgn,
                                                info.b)
        c["tb_out"], c["tb_err"] = crc_decode(blk, info.crc)

    def finish(c: dict[str, Any]) -> None:
        stats["slots"] += 1
        stats["errors"] += int(bool(c["tb_err"].any()) or not torch.equal(c["tb_out"], c["tb"]))
        stats["call_errors"] += int(bool(c["call_err"].any())
                                    or not torch.equal(c["call_tb"], c["tb"]))
        stats["iterations"] += int(c["iterations"].sum())
        stats["blocks"] += c["iterations"].numel()
        notes["UL"] = (f"{cfg.n_prb} PRB {pusch.modulation} MCS {cfg.ul_mcs} ({cfg.ul_mcs_table})"
                       f", 1 layer, {cfg.n_rx} rx, TBS {pusch.tb_size}, C = {info.c} code "
                       f"block(s) BG{info.bgn} Zc = {info.zc}, LDPC kernel "
                       f"{cfg.ldpc_kernel}; AWGN {snr_db:.2f} dB: BLER "
                       f"{stats['errors'] / stats['slots']:.3g} (PUSCHReceiver(): "
                       f"{stats['call_errors'] / stats['slots']:.3g}), mean LDPC iterations "
                       f"{stats['iterations'] / max(stats['blocks'], 1):.2f}")

    def whole(c: dict[str, Any]) -> None:
        c["call_tb"], c["call_err"] = rx(c["wave"], new_data=True)

    stages = [("OFDM demodulation", ofdm), ("channel estimation", estimate),
              ("noise covariance", covariance), ("MMSE-IRC", detect),
              ("demap + descramble", demap), ("rate recovery", rate_recovery),
              ("LDPC decoding", ldpc), ("CRC", crc)]
    return _Chain("UL", prepare, stages, finish, [("PUSCHReceiver()", whole)])


def _dl_chain(cfg: LatencyConfig, notes: dict[str, str]) -> _Chain:
    from softran.nr import PDSCHConfig, PDSCHTransmitter
    from softran.nr.coding.crc import crc_encode
    from softran.nr.coding.ldpc import ldpc_encode
    from softran.nr.coding.ldpc.rate_match import rate_match_ldpc
    from softran.nr.coding.ldpc.segment import code_block_segment_ldpc
    from softran.nr.coding.sch_info import dlsch_info
    from softran.nr.layers import layer_map, precode, pusch_codebook
    from softran.nr.modulation import symbol_modulate
    from softran.nr.ofdm import ofdm_modulate
    from softran.nr.pusch.dmrs import pusch_dmrs, pusch_dmrs_indices
    from softran.nr.pusch.indices import pusch_indices
    from softran.nr.scrambling import pdsch_scramble

    carrier, alloc = _dl_allocation(cfg)
    info = dlsch_info(alloc.tb_size, alloc.code_rate)
    ind, _ = pusch_indices(carrier, alloc)
    dmrs_ind = pusch_dmrs_indices(carrier, alloc)
    dmrs = pusch_dmrs(carrier, alloc)
    w = pusch_codebook(cfg.dl_layers, cfg.dl_layers, 1) if cfg.dl_layers == 2 else None
    g = alloc.num_coded_bits
    n_sym, k = carrier.symbols_per_slot, carrier.n_subcarriers
    gen = torch.Generator().manual_seed(cfg.seed + 2)
    n_pool = 16
    tbs = torch.randint(0, 2, (n_pool, alloc.tb_size), dtype=torch.uint8, generator=gen)
    notes["DL"] = (f"{cfg.n_prb} PRB {alloc.modulation} MCS {cfg.dl_mcs} ({cfg.dl_mcs_table}), "
                   f"{cfg.dl_layers} layer(s) precoded onto {cfg.dl_layers} port(s), TBS "
                   f"{alloc.tb_size}, C = {info.c} code block(s) BG{info.bgn} Zc = {info.zc}, "
                   f"G = {g}; PDSCHTransmitter(): the same TB and allocation, layers on "
                   f"ports 1000.. without precoding")

    def prepare(i: int) -> dict[str, Any]:
        return {"tb": tbs[i % n_pool:i % n_pool + 1]}

    def encode(c: dict[str, Any]) -> None:
        blk = crc_encode(c["tb"], info.crc)
        c["cw"] = ldpc_encode(code_block_segment_ldpc(blk, info.bgn), info.bgn)

    def rate_match(c: dict[str, Any]) -> None:
        c["bits"] = rate_match_ldpc(c["cw"], g, 0, alloc.modulation, cfg.dl_layers)

    def scramble(c: dict[str, Any]) -> None:
        c["bits"] = pdsch_scramble(c["bits"], carrier.n_cell_id, alloc.rnti)

    def modulate(c: dict[str, Any]) -> None:
        c["sym"] = symbol_modulate(c["bits"], alloc.modulation)

    def layers(c: dict[str, Any]) -> None:
        c["layers"] = layer_map(c["sym"], cfg.dl_layers)

    def precoding(c: dict[str, Any]) -> None:
        c["ports"] = precode(c["layers"], w)

    def re_map(c: dict[str, Any]) -> None:
        grid = torch.zeros(1, cfg.dl_layers * n_sym * k, dtype=torch.complex64)
        grid[:, ind.reshape(-1)] = c["ports"].reshape(1, -1)
        grid[:, dmrs_ind.reshape(-1)] = dmrs.reshape(-1)
        c["grid"] = grid.reshape(1, cfg.dl_layers, n_sym, k)

    def ofdm(c: dict[str, Any]) -> None:
        c["wave"] = ofdm_modulate(c["grid"], carrier)

    # the same slot by the public transmitter: its fused CPU path (no precoding: layers on
    # ports 1000.., TS 38.214 §5.1)
    pdsch_tx = PDSCHTransmitter(carrier, PDSCHConfig(
        prb_set=range(cfg.n_prb), n_layers=cfg.dl_layers, mcs_index=cfg.dl_mcs,
        mcs_table=cfg.dl_mcs_table,
        dmrs={"additional_position": 1, "num_cdm_groups_without_data": 2}))

    def whole(c: dict[str, Any]) -> None:
        c["call_wave"] = pdsch_tx(c["tb"])

    stages = [("DL-SCH encoding", encode), ("rate matching", rate_match),
              ("scrambling", scramble), ("modulation", modulate), ("layer mapping", layers),
              ("precoding", precoding), ("RE mapping", re_map), ("OFDM modulation", ofdm)]
    return _Chain("DL", prepare, stages, calls=[("PDSCHTransmitter()", whole)])


def _fh_chain(cfg: LatencyConfig, notes: dict[str, str]) -> tuple[_Chain, Callable[[], None]]:
    from softran.nr import CarrierConfig
    from softran.oran.endpoints import FronthaulConfig, loopback_pair
    from softran.oran.session import antenna_grids

    carrier = CarrierConfig(subcarrier_spacing=cfg.scs, n_size_grid=cfg.n_prb)
    fh = FronthaulConfig.from_carrier(carrier, cfg.n_rx, method="bfp", width=cfg.bfp_width)
    dl_grid = antenna_grids(carrier, cfg.n_rx, "256QAM", seed=cfg.seed)
    ul_grid = antenna_grids(carrier, cfg.n_rx, "64QAM", seed=cfg.seed + 1)
    odu, oru = loopback_pair(fh, uplink_source=lambda f, sf, s: ul_grid)
    n_slots_frame = 10 * fh.slots_per_subframe
    counts = {"dl": 0, "ul": 0}

    def slot_id(i: int) -> tuple[int, int, int]:
        n = i % (256 * n_slots_frame)
        return n // n_slots_frame, (n % n_slots_frame) // fh.slots_per_subframe, \
            n % fh.slots_per_subframe

    def prepare(i: int) -> dict[str, Any]:
        return {"t": slot_id(i)}

    def dl_build(c: dict[str, Any]) -> None:
        # BFP compression into the U-plane messages (one compiled pass), and the C-plane
        c["dl_msgs"] = odu.slot_block(dl_grid, *c["t"])

    def dl_send(c: dict[str, Any]) -> None:
        odu.send_messages(c["dl_msgs"])

    def dl_receive(c: dict[str, Any]) -> None:
        n = c["dl_msgs"].n_messages
        got = oru.receive(n, timeout=1.0)
        if got != n:
            raise RuntimeError(f"the O-RU received {got} of {n} downlink messages")
        counts["dl"] = n

    def dl_decompress(c: dict[str, Any]) -> None:
        c["dl_rx"] = oru.downlink_grid(*c["t"])

    def ul_request(c: dict[str, Any]) -> None:
        c["ul_n"] = odu.request_uplink(*c["t"])

    def ul_answer(c: dict[str, Any]) -> None:
        got = oru.receive(c["ul_n"], timeout=1.0)     # C-plane in, U-plane out
        if got != c["ul_n"]:
            raise RuntimeError(f"the O-RU received {got} of {c['ul_n']} uplink C-plane messages")

    def ul_receive(c: dict[str, Any]) -> None:
        n = fh.n_symbols * len(fh.eaxc_ids) * len(fh.uplane_chunks)
        got = odu.receive(n, timeout=1.0)
        if got != n:
            raise RuntimeError(f"the O-DU received {got} of {n} uplink U-plane messages")
        counts["ul"] = n + c["ul_n"]

    def ul_decompress(c: dict[str, Any]) -> None:
        c["ul_rx"] = odu.uplink_grid(*c["t"])

    def finish(c: dict[str, Any]) -> None:
        notes["FH"] = (f"{cfg.n_prb} PRB x {fh.n_symbols} symbols x {cfg.n_rx} eAxC, "
                       f"BFP-{cfg.bfp_width}, MTU {fh.mtu}: {counts['dl']} DL messages and "
                       f"{counts['ul']} UL messages (C-plane + U-plane) per slot, UDP loopback")

    # names short enough for an 80-column table; the module docstring says what each does
    stages = [("DL BFP+U-plane build", dl_build), ("DL UDP send", dl_send),
              ("DL O-RU receive", dl_receive), ("DL BFP decompress", dl_decompress),
              ("UL C-plane", ul_request), ("UL O-RU answer", ul_answer),
              ("UL O-DU receive", ul_receive), ("UL BFP decompress", ul_decompress)]

    def close() -> None:
        odu.close()
        oru.close()

    return _Chain("FH", prepare, stages, finish), close


# ------------------------------------------------------------------------------ measurement


def measure_latency(config: LatencyConfig | None = None, *,
                    progress: Progress | None = None) -> LatencyReport:
    """Run the chains of ``config`` slot by slot on one thread and time every stage.

    ``progress(phase, done, total)`` is called as the slots go by. Returns a
    :class:`LatencyReport` (see the module docstring for the chains and stages).
    """
    cfg = LatencyConfig() if config is None else config
    if not isinstance(cfg, LatencyConfig):
        raise TypeError(f"config must be a LatencyConfig, got {type(cfg).__name__}")
    notes: dict[str, str] = {}
    load0 = os.getloadavg()[0]
    old = (numba.get_num_threads(), torch.get_num_threads())
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    closers: list[Callable[[], None]] = []
    try:
        chains: list[_Chain] = []
        if "UL" in cfg.chains:
            snr = cfg.snr_db
            if snr is None:
                if progress is not None:
                    progress("UL: finding the 70 % throughput SNR", 0, 1)
                snr = snr_at_throughput(cfg) + 2.0
                cfg = replace(cfg, snr_db=round(snr, 3))
            chains.append(_ul_chain(cfg, snr, notes))
        if "DL" in cfg.chains:
            chains.append(_dl_chain(cfg, notes))
        if "FH" in cfg.chains:
            fh, close = _fh_chain(cfg, notes)
            closers.append(close)
            chains.append(fh)
        stages: list[StageLatency] = []
        calls: list[StageLatency] = []
        totals: dict[str, StageLatency] = {}
        n = cfg.n_slots
        ref = np.zeros(n)
        _reference_work(10)
        for chain in chains:
            timed = chain.stages + chain.calls
            wall = np.zeros((len(timed), n))
            cpu = np.zeros((len(timed), n))
            total = cfg.warmup + n
            step = max(1, total // 10)
            for i in range(total):
                if progress is not None and i % step == 0:
                    progress(f"{chain.name} chain", i, total)
                ctx = chain.prepare(i)
                j = i - cfg.warmup
                for s, (_, fn) in enumerate(timed):
                    c0 = time.thread_time()
                    w0 = time.perf_counter()
                    fn(ctx)
                    w1 = time.perf_counter()
                    c1 = time.thread_time()
                    if j >= 0:
                        wall[s, j] = w1 - w0
                        cpu[s, j] = c1 - c0
                if j >= 0:
                    if chain.finish is not None:
                        chain.finish(ctx)
                    if chain is chains[0]:
                        c0 = time.thread_time()
                        _reference_work(_REFERENCE_N)
                        ref[j] = time.thread_time() - c0
            if progress is not None:
                progress(f"{chain.name} chain", total, total)
            ns = len(chain.stages)
            for s, (name, _) in enumerate(timed):
                (stages if s < ns else calls).append(
                    StageLatency(chain.name, name, wall[s], cpu[s]))
            totals[chain.name] = StageLatency(chain.name, "total", wall[:ns].sum(0),
                                              cpu[:ns].sum(0))
    finally:
        for close in closers:
            close()
        numba.set_num_threads(old[0])
        torch.set_num_threads(old[1])
    return LatencyReport(cfg, stages, totals, notes, (load0, os.getloadavg()[0]), ref,
                         calls=calls)


# ---------------------------------------------------------------------------------- outputs


def write_latency_csv(report: LatencyReport, path: str | Path) -> Path:
    """One row per stage (and per chain total): chain, stage, then median / p99 / max / min
    of the CPU and the wall time in microseconds, the share of the slot budget the CPU p99
    takes, the slot in µs, slots measured and the load average before / after.

    >>> import tempfile, pathlib
    >>> r = measure_latency(LatencyConfig(n_prb=24, n_slots=2, warmup=0, chains=("DL",)))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     text = write_latency_csv(r, pathlib.Path(d) / "l.csv").read_text()
    >>> text.splitlines()[0].split(",")[:4]
    ['chain', 'stage', 'cpu_median_us', 'cpu_p99_us']
    """
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    budget = report.slot_s
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["chain", "stage", "cpu_median_us", "cpu_p99_us", "cpu_max_us", "cpu_min_us",
                    "wall_median_us", "wall_p99_us", "wall_max_us", "wall_min_us",
                    "cpu_p99_share_of_slot", "slot_us", "n_slots", "load_before", "load_after"])
        rows = list(report.stages) + list(report.totals.values()) + list(report.calls)
        for s in rows:
            c, wl = s.stats("cpu"), s.stats("wall")
            w.writerow([s.chain, s.stage]
                       + [f"{c[q] * 1e6:.1f}" for q in ("median", "p99", "max", "min")]
                       + [f"{wl[q] * 1e6:.1f}" for q in ("median", "p99", "max", "min")]
                       + [f"{c['p99'] / budget:.4f}", f"{budget * 1e6:.1f}", s.cpu.size,
                          f"{report.load[0]:.2f}", f"{report.load[1]:.2f}"])
    return path


def plot_latency(report: LatencyReport, path: str | Path) -> Path:
    """A stacked bar per chain: the median CPU time of each stage, stacked, against the slot
    budget (a horizontal line), with the chain's p99 and the one-call median (``calls``, dashed)
    marked; written to ``path`` (.png/.svg).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chains = list(report.totals)
    budget_us = report.slot_s * 1e6
    fig, ax = plt.subplots(figsize=(3.0 + 2.2 * len(chains), 6.0))
    cmap = plt.get_cmap("tab20")
    colour = 0
    tallest = max([budget_us] + [t.stats("cpu")["median"] * 1e6 for t in report.totals.values()])
    for x, chain in enumerate(chains):
        bottom = 0.0
        for s in (s for s in report.stages if s.chain == chain):
            h = s.stats("cpu")["median"] * 1e6
            ax.bar(x, h, bottom=bottom, width=0.6, color=cmap(colour % 20), edgecolor="white",
                   linewidth=0.5)
            if h > 0.035 * tallest:
                ax.text(x, bottom + h / 2, f"{s.stage}\n{h:.0f} µs", ha="center", va="center",
                        fontsize=7)
            bottom += h
            colour += 1
        for s in (s for s in report.calls if s.chain == chain):
            m = s.stats("cpu")["median"] * 1e6
            ax.plot([x - 0.3, x + 0.3], [m, m], color="tab:blue", linestyle="--", linewidth=1.2)
            ax.text(x + 0.32, m, f"{s.stage}\n{m:.0f} µs", fontsize=7, va="center",
                    ha="left", color="tab:blue")
        p99 = report.totals[chain].stats("cpu")["p99"] * 1e6
        ax.plot([x - 0.35, x + 0.35], [p99, p99], color="black", linestyle=":", linewidth=1.2)
        ax.text(x + 0.36, p99, f"p99 {p99:.0f} µs", fontsize=7, va="center")
    ax.axhline(budget_us, color="red", linewidth=1.5)
    ax.text(len(chains) - 0.5, budget_us, f"slot {budget_us:.0f} µs", color="red", ha="right",
            va="bottom", fontsize=8)
    ax.set_xticks(range(len(chains)), [f"{c}" for c in chains])
    ax.set_xlim(-0.6, len(chains) - 0.1 + 0.4)
    ax.set_ylabel("CPU time per slot, one thread (µs): median per stage, stacked")
    cfg = report.config
    ax.set_title(f"{cfg.n_prb} PRB, {cfg.scs} kHz, {cfg.n_rx} rx: per-slot budget "
                 f"(load {report.load[0]:.1f})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
