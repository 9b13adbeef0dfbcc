"""Before/after figures of the UL-SCH receive back end of the 20 MHz PUSCH slot of
``softran bench latency --chain UL`` (51 PRB, 30 kHz, 1 layer, 2 Rx, 16QAM MCS 16 of the
qam64 table, TBS 18960, C = 3 BG1 Zc = 320, AWGN 7.92 dB: about 4.2 LDPC iterations):
TS 38.212 §5.4.2 rate recovery, §5.2.2 desegmentation with the CRC24B, §5.1 / §6.2.1 the TB
CRC, and the UL-SCH decoder and PUSCH receiver calls around the LDPC decoder. CPU time
(``time.thread_time``) per call on one thread, median and 99th percentile, the rows run
one after the other on each slot (as the latency bench's stages do, so each finds the
caches as the one before left them):

* ``rate_recover_ldpc``, ``desegment + crc_decode``: the latency bench's "rate recovery"
  and "CRC" rows (the standalone functions);
* ``LDPC decode``: ``LDPCDecoder.decode`` of the rate-recovered LLRs (the kernel's share);
* ``ULSCHDecoder()``: the decoder's call on the slot's LLRs, ``new_data=True``;
* ``decoder - LDPC``: ``ULSCHDecoder()`` less the time spent inside its own LDPC call on
  the same slot (timed by wrapping the decoder's kept ``LDPCDecoder.decode``, or on the
  slot path the kernel call ``decode_fixed_into``; private attributes, looked up once): the
  back end, everything the decoder does around the LDPC iterations;
* ``PUSCHReceiver()``: the whole receiver call on the slot's waveform.

``python bench/ul_decode_back_end.py [--calls N]`` measures the softran on the path;
``python bench/ul_decode_back_end.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC`` (e.g. main's ``src`` and a
branch's), R rounds each, and prints both with the load average of each round.
"""

from __future__ import annotations

import time

from compare_trees import compare_main, run_script

SNR_DB = 7.92


def measure(calls: int) -> dict[str, list[float]]:
    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    from softran.nr.coding.crc import crc_decode
    from softran.nr.coding.ldpc import LDPCDecoder
    from softran.nr.coding.ldpc.rate_match import rate_recover_ldpc
    from softran.nr.coding.ldpc.segment import code_block_desegment_ldpc

    _, pusch, tx, rx = ul_slot(ldpc_kernel="numba-int8")
    dec = rx.decoder
    info = dec.sch_info
    n_pool = 16
    slots = [(w, rx.llr(w).clone())
             for w in noisy_slots(tx, pusch.tb_size, n_pool, 10.0 ** (-SNR_DB / 10.0))]
    ldpc = LDPCDecoder(info.bgn, info.n, dec.max_iterations, kernel="numba-int8")
    ctx: dict[str, object] = {}

    def recover(i: int) -> None:
        ctx["cb"] = rate_recover_ldpc(slots[i % n_pool][1], info.a, dec.target_code_rate, 0,
                                      pusch.modulation, 1, n_ref=dec.n_ref)

    def ldpc_decode(i: int) -> None:
        cb = ctx["cb"]
        bits, _, _ = ldpc.decode(cb.reshape(-1, cb.shape[-1]))
        ctx["bits"] = bits.clone()

    def crc(i: int) -> None:
        blk, _ = code_block_desegment_ldpc(ctx["bits"].reshape(1, info.c, info.k), info.bgn,
                                           info.b)
        crc_decode(blk, info.crc)

    inner = [0.0]

    def timed(f):
        def g(*args, **kwargs):
            t0 = time.thread_time()
            out = f(*args, **kwargs)
            inner[0] += time.thread_time() - t0
            return out
        return g

    for k in range(2):      # the reference path's first call, then the kept objects
        dec(slots[k][1], pusch.modulation, 1, new_data=True)
    slot = getattr(dec, "_slot", None)
    if slot:                # the slot path (this branch): its kernel call
        for ws in slot.values():
            ws.run = timed(ws.run)
    else:                   # before: the kept LDPCDecoder
        dec._ldpc[1].decode = timed(dec._ldpc[1].decode)

    def decoder(i: int) -> None:
        inner[0] = 0.0
        dec(slots[i % n_pool][1], pusch.modulation, 1, new_data=True)

    def receiver(i: int) -> None:
        rx(slots[i % n_pool][0], new_data=True)

    rows = {"rate_recover_ldpc": recover, "LDPC decode": ldpc_decode,
            "desegment + crc_decode": crc, "ULSCHDecoder()": decoder,
            "PUSCHReceiver()": receiver}
    t = {name: np.empty(calls) for name in [*rows, "decoder - LDPC"]}
    for i in range(calls + 30):
        for name, f in rows.items():
            t0 = time.thread_time()
            f(i)
            dt = time.thread_time() - t0
            if i >= 30:
                t[name][i - 30] = dt
                if name == "ULSCHDecoder()":
                    t["decoder - LDPC"][i - 30] = dt - inner[0]
    order = ["rate_recover_ldpc", "desegment + crc_decode", "LDPC decode", "ULSCHDecoder()",
             "decoder - LDPC", "PUSCHReceiver()"]
    return {k: [float(np.median(t[k])) * 1e6, float(np.quantile(t[k], 0.99)) * 1e6]
            for k in order}


def main() -> int:
    return compare_main(__file__, __doc__ or "", measure, digits=0)


if __name__ == "__main__":
    run_script(main)
