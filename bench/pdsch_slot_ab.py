"""Before/after figures of one ``PDSCHTransmitter()`` call of the 20 MHz cell of
``softran bench latency --chain DL`` (issue 18: 51 PRB, 30 kHz, 2 layers, 256QAM MCS 27 of
the qam256 table, TBS 108552, C = 13 BG1 Zc = 384, DM-RS with an additional position and 2
CDM groups without data). CPU time (``time.thread_time``) per call on one thread: minimum,
10th percentile, median and 99th percentile over N calls, warm (calls back to back) and
cold (8 MB of other memory written before each call) and in the chain (after the stage
functions of ``softran bench latency --chain DL`` on the same slot, as that bench times it),
for

* ``call``: the whole ``PDSCHTransmitter()`` call (with the wrappers below: about 1 µs);
* its parts, timed by wrapping what the transmitter module calls (private names, looked up
  once): ``bits``, the slot path's bit kernel (``transmitter._slot_data``: TB CRC,
  segmentation, CB CRC, LDPC, rate matching, scrambling, modulation and mapping);
  ``ifft``, ``torch.fft.ifft`` or the kept MKL plan of ``softran.nr.kept_dft``; ``cp``, the
  cyclic-prefix kernel (``cyclic_prefix_gather_two``); ``kernel``, the one kernel of
  newer trees that does all three (``transmitter._slot_waveform``: the bits, the IDFT straight
  into the waveform, the cyclic prefixes; where it runs, the three above read 0); ``rest``,
  the call less those (Python, the output tensor, numpy views);
* ``faults``: the minor page faults of one call.

``python bench/pdsch_slot_ab.py [--calls N]`` measures the softran on the path;
``python bench/pdsch_slot_ab.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC`` (e.g. main's ``src`` and a
branch's), R rounds each, and prints both with the load average of each round (the machine's
speed drifts: compare rounds run in the same minute).
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import time
from collections.abc import Callable
from typing import Any

from compare_trees import (
    add_compare_arguments,
    compare_rounds,
    parse_compare_arguments,
    run_script,
)


def measure(calls: int) -> dict[str, list[float]]:
    import numba
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from softran.nr import CarrierConfig, PDSCHConfig, PDSCHTransmitter

    # the parts of one call, timed by wrapping what the transmitter module calls (its
    # private kernel _slot_data and the names it imported, looked up once) and torch's
    # IFFT; they record only inside a timed call (the chain's stages also run IFFTs)
    tx_mod = importlib.import_module("softran.nr.pdsch.transmitter")
    parts = {"bits": 0, "ifft": 0, "cp": 0, "kernel": 0}
    recording = [False]

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not recording[0]:
                return fn(*args, **kwargs)
            t0 = time.thread_time_ns()
            r = fn(*args, **kwargs)
            parts[name] += time.thread_time_ns() - t0
            return r
        return timed

    tx_mod._slot_data = wrap("bits", tx_mod._slot_data)
    tx_mod.cyclic_prefix_gather_two = wrap("cp", tx_mod.cyclic_prefix_gather_two)
    if hasattr(tx_mod, "compiled_entry"):      # the kernel called through its compiled entry
        entry_of = tx_mod.compiled_entry
        tx_mod.compiled_entry = lambda kernel, args: wrap(
            "kernel", entry_of(getattr(kernel, "__wrapped__", kernel), args))
    if hasattr(tx_mod, "_slot_waveform"):      # bits + IDFT + CP in one kernel (newer trees)
        kernel = tx_mod._slot_waveform
        tx_mod._slot_waveform = wrap("kernel", kernel)
        tx_mod._slot_waveform.__wrapped__ = kernel  # type: ignore[attr-defined]
    torch.fft.ifft = wrap("ifft", torch.fft.ifft)
    try:                    # the kept MKL plan of the IDFT (not in older trees)
        kept_dft = importlib.import_module("softran.nr.kept_dft")
        bind = kept_dft.KeptDFT.bind
        kept_dft.KeptDFT.bind = lambda self, x, y: wrap("ifft", bind(self, x, y))
    except ImportError:
        pass
    out: dict[str, list[float]] = {}

    def timed_call(mode: str, fn: Callable[[Any], Any], arg: Any, keep: bool) -> None:
        for k in parts:
            parts[k] = 0
        recording[0] = True
        f0 = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        t0 = time.thread_time_ns()
        fn(arg)
        t1 = time.thread_time_ns()
        faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - f0
        recording[0] = False
        if not keep:
            return
        row = {"call": (t1 - t0) / 1e3, **{k: v / 1e3 for k, v in parts.items()}}
        row["rest"] = row["call"] - sum(v / 1e3 for v in parts.values())
        row["faults"] = float(faults)
        for k, v in row.items():
            out.setdefault(f"{k} {mode}", []).append(v)

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    config = PDSCHConfig(prb_set=range(51), n_layers=2, mcs_table="qam256", mcs_index=27,
                         dmrs={"additional_position": 1, "num_cdm_groups_without_data": 2})
    tx = PDSCHTransmitter(carrier, config)
    gen = torch.Generator().manual_seed(2)
    tbs = torch.randint(0, 2, (16, config.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    junk = torch.zeros(8 << 20, dtype=torch.uint8)
    for mode in ("warm", "cold"):
        for i in range(20 + calls):
            if mode == "cold":
                junk.add_(1)
            timed_call(mode, tx, tbs[i % 16:i % 16 + 1], i >= 20)
    # in the chain: the same call after the stages of `softran bench latency --chain DL`
    # (its step-by-step reference chain) on the same slot, as the latency bench times it
    # (the stage functions of the private _dl_chain, looked up once)
    latency = importlib.import_module("softran.sim.latency")
    chain = latency._dl_chain(latency.LatencyConfig(), {})
    (_, call), = chain.calls
    for i in range(20 + calls):
        ctx = chain.prepare(i)
        for _, fn in chain.stages:
            fn(ctx)
        timed_call("chain", call, ctx, i >= 20)
    return out


def summary(times: list[float]) -> str:
    v = sorted(times)
    n = len(v)
    return (f"min {v[0]:6.1f}  p10 {v[n // 10]:6.1f}  median {v[n // 2]:6.1f}  "
            f"p99 {v[int(0.99 * n)]:6.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_compare_arguments(ap)
    a = parse_compare_arguments(ap)
    if a.compare is None:
        res = measure(a.calls)
        if a.json:
            print(json.dumps(res))
        else:
            for k, v in res.items():
                print(f"{k:10s} {summary(v)} µs")
        return 0
    for r, label, load, res in compare_rounds(__file__, a):
        for k, v in res.items():
            print(f"round {r} {label} {k:10s} {summary(v)} µs  (load {load:.2f})")
    return 0


if __name__ == "__main__":
    run_script(main)
