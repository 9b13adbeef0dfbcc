"""Before/after figures of the fronthaul's two BFP kernels on one slot of the issue-18 cell
(51 PRB x 14 symbols x 2 eAxC = 1428 PRBs, BFP-9, the grid 12 dB below full scale):

* ``refill``: ``softran.oran._kernels.bfp_refill_uplane``, the float grid compressed
  straight into the slot's U-plane messages (what ``ODU.slot_block`` and the O-RU's uplink
  answer run), called with the arguments ``UPlaneSlotEncoder.encode_bfp_block`` gives it;
* ``to_float``: ``softran.oran._kernels._bfp_to_float``, the slot's PRB bytes back to float
  I/Q (behind ``decompress_prb_bytes`` / the slot buffer's ``grid``);
* ``encode_bfp_block`` and ``decompress_prb_bytes``: the same through their Python callers.

CPU time (``time.thread_time``) per call on one thread after 50 warm-up calls, median and
99th percentile (µs), the kernels called back to back (warm caches: the chain's own figures
are ``bench/fh_chain_ab.py``).

``python bench/bfp_kernels_ab.py [--calls N]`` measures the softran on the path;
``python bench/bfp_kernels_ab.py --compare OLD_SRC NEW_SRC [--rounds R]`` alternates two
source trees (``compare_trees.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from compare_trees import compare_main, run_script

WARMUP = 50


def _median_p99(v: list[float]) -> tuple[float, float]:
    v = sorted(v)
    return v[len(v) // 2], v[int(0.99 * len(v))]


def _time(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    t = []
    for i in range(WARMUP + calls):
        c0 = time.thread_time()
        fn()
        c1 = time.thread_time()
        if i >= WARMUP:
            t.append((c1 - c0) * 1e6)
    return _median_p99(t)


def measure(calls: int) -> dict[str, tuple[float, float]]:
    import numba
    import numpy as np
    import torch

    from softran.nr import CarrierConfig
    from softran.oran import _kernels
    from softran.oran.compression import decompress_prb_bytes
    from softran.oran.endpoints.config import FULL_SCALE_12DB
    from softran.oran.session import antenna_grids
    from softran.oran.uplane import UdCompHdr, UPlaneFormat, UPlaneSlotEncoder

    numba.set_num_threads(1)
    torch.set_num_threads(1)
    n_prb, n_e, width = 51, 2, 9
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=n_prb)
    grid = antenna_grids(carrier, n_e, "256QAM", seed=1)
    x = grid.numpy().view(np.float32).reshape(n_e, 14, n_prb, 24)
    scale = 2.0 ** 15 / FULL_SCALE_12DB
    enc = UPlaneSlotEncoder((n_e, 14, n_prb, 1 + 3 * width), list(range(n_e)), range(n_e),
                            range(14), [(0, n_prb)], section_id=1, direction=1,
                            fmt=UPlaneFormat(static_comp_hdr=UdCompHdr(width, 1)))
    args: list[tuple[object, ...]] = []
    fused = _kernels.bfp_refill_uplane
    _kernels.bfp_refill_uplane = lambda *a: args.append(a) or fused(*a)
    try:
        block = enc.encode_bfp_block(x, scale, width, False, 1, 0, 0, [0] * n_e)
    finally:
        _kernels.bfp_refill_uplane = fused
    assert block is not None
    refill_args = args[0]
    size = block.shape[1]
    octets = np.ascontiguousarray(
        block.reshape(14, n_e, size)[:, :, size - n_prb * (1 + 3 * width):]
        .reshape(14, n_e, n_prb, 1 + 3 * width).transpose(1, 0, 2, 3)).reshape(-1, 1 + 3 * width)
    out = np.empty((octets.shape[0], 24), dtype=np.float32)
    inv = FULL_SCALE_12DB / 2.0 ** 15
    to_float = _kernels._bfp_to_float
    res = {}
    res["refill"] = _time(lambda: fused(*refill_args), calls)
    res["to_float"] = _time(lambda: to_float(octets, width, inv, True, out), calls)
    res["encode_bfp_block"] = _time(
        lambda: enc.encode_bfp_block(x, scale, width, False, 1, 0, 0, [0] * n_e), calls)
    res["decompress_prb_bytes"] = _time(
        lambda: decompress_prb_bytes(octets, "bfp", width, full_scale=FULL_SCALE_12DB), calls)
    return res


def main() -> int:
    return compare_main(__file__, __doc__ or "", measure)


if __name__ == "__main__":
    run_script(main)
