"""The NR security algorithms and MACsec on the fronthaul: throughput on one thread.

``python -m bench security`` runs :func:`run`. Figures (never asserted), for 1500-byte PDUs,
each as wall-clock and as CPU time of this process (the machine may be shared; CPU time is
what a dedicated core would need):

* 128-NEA1/2/3 and 128-NIA1/2/3, a batch of 1024 PDUs per call, and NEA2/NIA2 one PDU per
  call (OpenSSL's CTR / CMAC directly);
* where NEA1 / NEA3 spend their time: Python and numpy around the kernel (NEA0 of the same
  batch), keystream setup (32 initialisation clocks per PDU: one keystream word per PDU),
  and the keystream words;
* K_gNB -> AS keys, PDCP protect + unprotect of the batch (NEA2 + NIA2);
* MACsec GCM-AES-128 protect / validate of a 1482-byte frame, and the O-DU -> O-RU loopback
  (273 PRB, 4 eAxC, BFP-9, MTU 1500, 10 slots) with and without MACsec in back-to-back pairs
  (so that both see about the same machine load): medians of the rates and of the per-pair
  ratio; and the CPU cost per message of the O-DU's send and the O-RU's receive path, in one
  thread (best of 25 slots), with and without MACsec.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench.timing import Row, best_cpu_time, best_time
from softran.security import (
    PDCPSecurityConfig,
    derive_as_keys,
    nea,
    nia,
    protect,
    snow3g,
    unprotect,
    zuc,
)
from softran.security.eea3_eia3 import eea3_iv
from softran.security.inputs import pack_messages
from softran.security.uea2_uia2 import f8_words

N_PDU, PDU = 1024, 1500
PAIRS = 7


def _both(label: str, fn, bits: float, rows: list[Row]) -> None:
    wall = best_time(fn, repeats=3, min_time=0.3)
    cpu = best_cpu_time(fn, repeats=3, min_time=0.3)
    rows.append((f"{label}, wall clock", bits / wall / 1e9, "Gbit/s"))
    rows.append((f"{label}, CPU time", bits / cpu / 1e9, "Gbit/s"))


def _algorithms(rows: list[Row]) -> None:
    rng = np.random.default_rng(0)
    key = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
    pdus = [rng.integers(0, 256, PDU, dtype=np.uint8).tobytes() for _ in range(N_PDU)]
    counts = np.arange(N_PDU)
    bits = 8.0 * PDU * N_PDU
    for a in (1, 2, 3):
        _both(f"128-NEA{a}, batch of {N_PDU} x {PDU} B",
              lambda a=a: nea(a, key, counts, 3, 1, pdus), bits, rows)
    _both(f"128-NEA2, one {PDU} B PDU per call", lambda: nea(2, key, 7, 3, 1, pdus[0]),
          8.0 * PDU, rows)
    for a in (1, 2, 3):
        _both(f"128-NIA{a}, batch of {N_PDU} x {PDU} B",
              lambda a=a: nia(a, key, counts, 3, 1, pdus), bits, rows)
    _both(f"128-NIA2, one {PDU} B PDU per call", lambda: nia(2, key, 7, 3, 1, pdus[0]),
          8.0 * PDU, rows)

    # where NEA1 / NEA3 spend their time (CPU microseconds per PDU)
    batch = pack_messages(pdus)
    keys = np.tile(np.frombuffer(key, np.uint8), (N_PDU, 1))
    c, b, d = counts.astype(np.int64), np.full(N_PDU, 3), np.full(N_PDU, 1)
    k1, iv1 = f8_words(keys, c, b, d)
    iv3 = eea3_iv(c, b, d)
    words = np.full(N_PDU, PDU // 4, dtype=np.int64)
    one = np.ones(N_PDU, dtype=np.int64)
    per = 1e6 / N_PDU
    t_py = best_cpu_time(lambda: nea(0, key, counts, 3, 1, pdus), repeats=3)
    rows.append(("NEA0 of the batch: checks, packing, splitting (Python + numpy), per PDU",
                 t_py * per, "us"))
    for name, gen, kk, iv in (("SNOW 3G", snow3g, k1, iv1), ("ZUC", zuc, keys, iv3)):
        t_init = best_cpu_time(lambda g=gen, k=kk, v=iv: g.keystream_batch(k, v, one),
                               repeats=3)
        t_ks = best_cpu_time(lambda g=gen, k=kk, v=iv: g.keystream_batch(k, v, words),
                             repeats=3)
        t_xor = best_cpu_time(lambda g=gen, k=kk, v=iv: g.xor_batch(k, v, batch), repeats=3)
        rows.append((f"{name}: key/IV load + 32 init clocks + 1 word, per PDU",
                     t_init * per, "us"))
        rows.append((f"{name}: {PDU // 4} keystream words after setup, per PDU",
                     (t_ks - t_init) * per, "us"))
        rows.append((f"{name}: keystream xor kernel (setup + words + xor), per PDU",
                     t_xor * per, "us"))
        rows.append((f"{name}: keystream generation rate after setup",
                     8.0 * PDU / (t_ks - t_init) * N_PDU / 1e9, "Gbit/s"))

    t = best_cpu_time(lambda: derive_as_keys(key * 2, 2, 2), repeats=3)
    rows.append(("K_gNB -> K_RRCenc, K_RRCint, K_UPenc, K_UPint (4 HMAC-SHA-256)", 1 / t,
                 "derivations/s"))
    ks = derive_as_keys(key * 2, 2, 2)
    cfg = PDCPSecurityConfig("DRB", 1, 1, 18, 2, ks.k_up_enc, 2, ks.k_up_int)

    def pdcp() -> None:
        p, _ = protect(cfg, pdus, 1000)
        unprotect(cfg, p, 1000)

    _both(f"PDCP protect + unprotect (NEA2 + NIA2), {N_PDU} SDUs x {PDU} B", pdcp, bits, rows)


def _loopback_rate(macsec: object) -> tuple[float, float, int]:
    """packets/s (wall, CPU) and lost messages of 10 slots O-DU -> O-RU (background thread)."""
    from softran.nr import CarrierConfig
    from softran.oran.endpoints import FronthaulConfig, loopback_pair
    from softran.oran.session import antenna_grids

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    grid = antenna_grids(carrier, 4, "256QAM", seed=0)
    cfg = FronthaulConfig.from_carrier(carrier, 4, method="bfp", width=9)
    odu, oru = loopback_pair(cfg, macsec=macsec)
    try:
        slots = [odu.slot_packets(grid, 0, 0, k % 2) for k in range(10)]
        total = sum(len(s) for s in slots)
        oru.start()
        w0, c0 = time.perf_counter(), time.process_time()
        done = 0
        for s in slots:                       # one slot at a time: a slot fits the buffers
            for _, pdu, flow in s:
                odu._send_now(pdu, flow)
            done += len(s)
            t_wait = time.perf_counter()
            while oru.counters.rx_packets < done and time.perf_counter() - t_wait < 2.0:
                time.sleep(0.0002)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        oru.stop()
        return total / wall, total / cpu, total - oru.counters.rx_packets
    finally:
        odu.close()
        oru.close()


def _split_costs(macsec: object, reps: int = 25) -> tuple[float, float]:
    """CPU microseconds per message to send (O-DU) and to receive (O-RU) one slot, in one
    thread (the socket buffers hold the slot): best of ``reps``."""
    from softran.nr import CarrierConfig
    from softran.oran.endpoints import FronthaulConfig, loopback_pair
    from softran.oran.session import antenna_grids

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    grid = antenna_grids(carrier, 4, "256QAM", seed=0)
    cfg = FronthaulConfig.from_carrier(carrier, 4, method="bfp", width=9)
    odu, oru = loopback_pair(cfg, macsec=macsec)
    try:
        slot = odu.slot_packets(grid, 0, 0, 0)
        best_send = best_recv = float("inf")
        for _ in range(reps):
            c0 = time.process_time()
            for _, pdu, flow in slot:
                odu._send_now(pdu, flow)
            c1 = time.process_time()
            if oru.receive(len(slot), timeout=2.0) != len(slot):
                continue
            c2 = time.process_time()
            best_send, best_recv = min(best_send, c1 - c0), min(best_recv, c2 - c1)
        return best_send / len(slot) * 1e6, best_recv / len(slot) * 1e6
    finally:
        odu.close()
        oru.close()


def _macsec(rows: list[Row]) -> None:
    from softran.oran.macsec import ODU_MAC, ORU_MAC, MACsecConfig
    from softran.oran.transport import build_ethernet_frame

    cfg = MACsecConfig(bytes(range(16)))
    du, ru = cfg.secy(ODU_MAC, ORU_MAC), cfg.secy(ORU_MAC, ODU_MAC)
    frame = build_ethernet_frame(os.urandom(1468), ORU_MAC, ODU_MAC, pad=False)
    rows.append(("MACsec GCM-AES-128 protect, 1482 B frame",
                 best_cpu_time(lambda: du.protect(frame)) * 1e6, "us CPU"))
    protected = [du.protect(frame) for _ in range(60000)]
    it = iter(protected)
    rows.append(("MACsec GCM-AES-128 validate, 1482 B frame",
                 best_cpu_time(lambda: ru.validate(next(it)), repeats=3, min_time=0.05) * 1e6,
                 "us CPU"))
    del protected
    split = {name: _split_costs(m) for name, m in (("off", None), ("on", cfg))}
    for name, label in (("off", "without MACsec"), ("on", "with MACsec GCM-AES-128")):
        rows.append((f"one thread: O-DU send per message {label}", split[name][0], "us CPU"))
        rows.append((f"one thread: O-RU receive per message {label}", split[name][1],
                     "us CPU"))
    rows.append(("one thread: message rate with MACsec / without (send + receive)",
                 100.0 * sum(split["off"]) / sum(split["on"]), "%"))
    runs: dict[str, list[tuple[float, float, int]]] = {"off": [], "on": []}
    for _ in range(PAIRS):                   # back-to-back pairs see about the same load
        for name, m in (("off", None), ("on", cfg)):
            runs[name].append(_loopback_rate(m))
    for name, label in (("off", "without MACsec"), ("on", "with MACsec GCM-AES-128")):
        r = runs[name]
        rows.append((f"O-DU -> O-RU loopback {label}, wall clock (median of {PAIRS})",
                     float(np.median([x[0] for x in r])), "packets/s"))
        rows.append((f"O-DU -> O-RU loopback {label}, per CPU second (median of {PAIRS})",
                     float(np.median([x[1] for x in r])), "packets/s"))
        rows.append((f"O-DU -> O-RU loopback {label}, messages lost ({PAIRS} runs)",
                     float(sum(x[2] for x in r)), "msgs"))
    for i, unit in ((0, "wall clock"), (1, "CPU time")):
        ratio = [a[i] / b[i] for a, b in zip(runs["on"], runs["off"], strict=True)]
        rows.append((f"MACsec loopback rate / rate without ({unit}), median of {PAIRS} pairs",
                     100.0 * float(np.median(ratio)), "%"))


def run() -> list[Row]:
    rows: list[Row] = []
    rows.append(("machine load average (1 min) at start", os.getloadavg()[0], ""))
    _algorithms(rows)
    _macsec(rows)
    rows.append(("machine load average (1 min) at end", os.getloadavg()[0], ""))
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:<88} {figure:12.4g} {unit}")
