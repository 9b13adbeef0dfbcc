"""Timing helper shared by the benchmarks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import numba
import torch

Row = tuple[str, float, str]


def best_time(fn: Callable[[], object], repeats: int = 5, min_time: float = 0.2) -> float:
    """Best wall-clock seconds of one call of ``fn`` over ``repeats`` timed batches.

    ``fn`` is called once to warm up (JIT compilation, caches). Each batch calls ``fn``
    enough times to last at least ``min_time`` seconds; the best per-call figure is kept.
    """
    fn()
    best = float("inf")
    for _ in range(repeats):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time:
                break
        best = min(best, elapsed / n)
    return best


#: all the threads numba may use (the CPU count unless NUMBA_NUM_THREADS says otherwise)
ALL_THREADS: int = numba.config.NUMBA_NUM_THREADS


@contextlib.contextmanager
def threads(n: int) -> Iterator[int]:
    """Run the block with ``n`` numba and torch threads; restore both afterwards."""
    old = (numba.get_num_threads(), torch.get_num_threads())
    numba.set_num_threads(n)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(old[0])
        torch.set_num_threads(old[1])


def best_cpu_time(fn: Callable[[], object], repeats: int = 5, min_time: float = 0.2) -> float:
    """Like :func:`best_time` but in CPU seconds of this process (``time.process_time``): on
    a machine shared with other jobs, what one call costs regardless of how long the
    scheduler kept it waiting. Use it for single-threaded code (it sums all threads)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        n = 0
        t0 = time.process_time()
        w0 = time.perf_counter()
        while True:
            fn()
            n += 1
            if time.perf_counter() - w0 >= min_time:
                break
        best = min(best, (time.process_time() - t0) / n)
    return best
