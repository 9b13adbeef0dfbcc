"""The Monte-Carlo runner: SNR points x batches, on an execution engine, into the results store.

Work unit: one *batch* = ``run.batch_slots`` new transport blocks of one SNR point, run by the
link (:meth:`softran.sim.Link.run`) with its own seed (:func:`batch_seed`), so a batch's counts
depend only on its key and never on the engine, the worker or the order of execution.

Engines:

* ``"inprocess"`` (default): batches one after another in this process;
* ``"processes"``: a local :class:`concurrent.futures.ProcessPoolExecutor` (spawn context,
  ``workers`` processes, one torch thread each);
* ``"dask"``: Dask distributed, ``distributed.Client(scheduler)`` for a running cluster
  (``tcp://host:8786``) or a :class:`distributed.LocalCluster` of ``workers`` single-threaded
  worker processes on 127.0.0.1.

Parallel engines keep about two batches per worker in flight, spread over the unfinished SNR
points; results are merged into the store on the calling side. Batches already stored are
skipped (a killed run resumes) and a point whose stopping rule holds is not run again.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import json
import math
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from softran.sim.link import SlotCounts, make_link
from softran.sim.progress import RunProgress
from softran.sim.scenario import Scenario, validate_scenario
from softran.sim.scenario_sections import ENGINES
from softran.sim.stopping import PointResult, point_result, rule_holds
from softran.sim.store import ResultsStore
from softran.validation import check_int, check_name

__all__ = ["batch_seed", "run_batch", "simulate"]


def batch_seed(seed: int, snr_mdb: int, batch_index: int) -> int:
    """Seed of batch ``batch_index`` of the SNR point ``snr_mdb`` (milli-dB): 63 bits from
    ``numpy.random.SeedSequence(entropy=seed, spawn_key=(sign, |snr_mdb|, batch_index))``.

    Keyed by the SNR value rather than its index, so that scenarios with other SNR lists
    share the batches of the points they have in common.

    >>> batch_seed(0, 1000, 0) == batch_seed(0, 1000, 0) != batch_seed(0, 1000, 1)
    True
    >>> batch_seed(0, -1000, 0) != batch_seed(0, 1000, 0)
    True
    """
    seed = check_int("seed", seed, 0)
    snr_mdb = check_int("snr_mdb", snr_mdb)
    batch_index = check_int("batch_index", batch_index, 0)
    ss = np.random.SeedSequence(entropy=seed,
                                spawn_key=(int(snr_mdb < 0), abs(snr_mdb), batch_index))
    return int(ss.generate_state(1, dtype=np.uint64)[0]) >> 1


@functools.lru_cache(maxsize=8)
def _link(config: str, device: str) -> Any:
    return make_link(validate_scenario(json.loads(config), source="worker"), device)


def run_batch(config: str, device: str, snr_db: float, n_slots: int, seed: int,
              single_thread: bool = False) -> tuple[dict[str, int], float]:
    """Run one batch (a worker's task): ``config`` is the scenario's canonical JSON
    (:meth:`Scenario.to_dict`); returns (counts as a dict, elapsed seconds). The link is
    built once per process and scenario.

    >>> config = {"scenario": {"name": "doc", "link": "sch-awgn"}, "snr": {"points_db": [10]},
    ...           "pusch": {"target_code_rate": 0.5, "n_prb": 1}}
    >>> counts, _ = run_batch(json.dumps(config), "cpu", 10.0, 3, seed=1)
    >>> counts["blocks"], counts["block_errors"]
    (3, 0)
    """
    if single_thread:
        import torch

        torch.set_num_threads(1)
    link = _link(config, device)
    t0 = time.perf_counter()
    counts = link.run(snr_db, n_slots, seed)
    return counts.as_dict(), time.perf_counter() - t0


class _Point:
    """Book-keeping of one SNR point during a run."""

    def __init__(self, snr_db: float, mdb: int, stored: dict[int, SlotCounts],
                 scenario: Scenario) -> None:
        self.snr_db, self.mdb, self.stored = snr_db, mdb, stored
        self.key = (scenario.stream_hash, mdb)
        self.rule = scenario.stopping
        self.batch_slots = scenario.run.batch_slots
        # every batch occupies at least batch_slots slots: the rule holds after this many
        self.b_max = math.ceil(self.rule.max_slots / self.batch_slots)
        self.total = SlotCounts.zero()
        self.n_counted = 0
        self.done = False
        self.in_flight: set[int] = set()
        self.advance()

    def advance(self) -> None:
        """Count the stored batches that extend the consecutive prefix; check the rule."""
        while not self.done and self.n_counted in self.stored:
            self.total = self.total + self.stored[self.n_counted]
            self.n_counted += 1
            self.done = rule_holds(self.total, self.rule)

    def next_batch(self) -> int | None:
        """Smallest batch index that is neither stored nor running (None when done)."""
        if self.done:
            return None
        b = self.n_counted
        while b in self.stored or b in self.in_flight:
            b += 1
        return b if b < self.b_max else None


def _show(progress: RunProgress, p: _Point, new: bool = False) -> None:
    progress.update(p.key, p.total, p.n_counted, p.done, p.b_max, new=new)


def _run_sequential(scenario: Scenario, points: list[_Point], store: ResultsStore,
                    submit: Callable[..., tuple[dict[str, int], float]],
                    progress: RunProgress, engine: str) -> None:
    for p in points:
        while (b := p.next_batch()) is not None:
            _store(scenario, p, b, *submit(p, b), store, engine)
            _show(progress, p, new=True)


def _store(scenario: Scenario, p: _Point, b: int, counts: dict[str, int], elapsed: float,
           store: ResultsStore, engine: str) -> None:
    c = SlotCounts(**counts)
    store.add_batch(scenario.stream_hash, p.mdb, b, p.snr_db, scenario.run.batch_slots, c,
                    seed=batch_seed(scenario.run.seed, p.mdb, b), elapsed=elapsed,
                    engine=engine)
    p.stored[b] = c
    p.advance()


def _run_parallel(scenario: Scenario, points: list[_Point], store: ResultsStore,
                  submit: Callable[[_Point, int], Any], wait_any: Callable[[set[Any]], set[Any]],
                  window: int, progress: RunProgress, engine: str) -> None:
    in_flight: dict[Any, tuple[int, int]] = {}
    while True:
        while len(in_flight) < window:  # fill: the point with the fewest batches running
            todo = [(len(p.in_flight), i) for i, p in enumerate(points)
                    if p.next_batch() is not None]
            if not todo:
                break
            i = min(todo)[1]
            b = points[i].next_batch()
            assert b is not None
            points[i].in_flight.add(b)
            in_flight[submit(points[i], b)] = (i, b)
        if not in_flight:
            return
        for fut in wait_any(set(in_flight)):
            i, b = in_flight.pop(fut)
            points[i].in_flight.discard(b)
            counts, elapsed = fut.result()
            _store(scenario, points[i], b, counts, elapsed, store, engine)
            _show(progress, points[i], new=True)


def simulate(scenario: Scenario, store: ResultsStore | str | os.PathLike[str], *,
             engine: str | None = None, workers: int | None = None,
             scheduler: str | None = None, progress: bool | RunProgress = True,
             record: bool = True) -> list[PointResult]:
    """Run ``scenario`` until every SNR point meets its stopping rule; returns the points.

    ``engine``, ``workers``, ``scheduler`` default to the scenario's ``[run]`` values (see the
    module docstring); ``scheduler`` implies ``engine="dask"``. ``store`` is a
    :class:`ResultsStore` or the path of one. Results are identical on every engine.
    ``progress``: show it on stderr (True), not (False), or on a
    :class:`~softran.sim.progress.RunProgress` that also counts what the run found stored and
    what it computed (a caller that follows several runs passes the same one). ``record``:
    list the scenario in the store (``softran results ls``); its batches are stored either
    way.

    >>> import tempfile, pathlib
    >>> from softran.sim.scenario import load_scenario
    >>> s = load_scenario('''
    ... [scenario]
    ... name = "doc"
    ... link = "sch-awgn"
    ... [pusch]
    ... target_code_rate = 0.5
    ... n_prb = 1
    ... [snr]
    ... points_db = [-8.0, 6.0]
    ... [harq]
    ... max_transmissions = 1
    ... [stopping]
    ... target_block_errors = 10
    ... max_slots = 40
    ... [run]
    ... batch_slots = 8
    ... ''')
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pts = simulate(s, pathlib.Path(d) / "r.db", progress=False)
    >>> [(p.counts.blocks, p.counts.block_errors, p.done) for p in pts]
    [(16, 16, True), (40, 0, True)]
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if scheduler is None:
        scheduler = scenario.run.scheduler
    if engine is None:
        engine = "dask" if scheduler is not None else scenario.run.engine
    engine = check_name("engine", engine, ENGINES)
    if scheduler is not None and engine != "dask":
        raise ValueError(f"scheduler = {scheduler!r} needs engine = 'dask', got {engine!r}")
    workers = scenario.run.workers if workers is None else workers
    if workers is not None:
        workers = check_int("workers", workers, 1, 4096)
    if not isinstance(store, ResultsStore):
        with ResultsStore(store) as opened:
            return simulate(scenario, opened, engine=engine, workers=workers,
                            scheduler=scheduler, progress=progress, record=record)

    if record:
        store.add_scenario(scenario)
    points = [_Point(snr, mdb, store.batches(scenario.stream_hash, mdb), scenario)
              for snr, mdb in zip(scenario.snr.points_db or (), scenario.snr.points_mdb,
                                  strict=True)]
    config = json.dumps(scenario.to_dict(), sort_keys=True)
    device = scenario.run.device
    bar = progress if isinstance(progress, RunProgress) else RunProgress(bool(progress))
    bar.begin(f"{scenario.scenario.name} [{scenario.content_hash[:12]}], engine {engine}",
              [(p.key, p.snr_db, p.n_counted, p.done, p.b_max) for p in points])

    def args(p: _Point, b: int) -> tuple[Any, ...]:
        return (config, device, p.snr_db, scenario.run.batch_slots,
                batch_seed(scenario.run.seed, p.mdb, b))

    try:
        for p in points:
            _show(bar, p)
        if all(p.next_batch() is None for p in points):
            pass  # everything is stored: nothing to start
        elif engine == "inprocess":
            _run_sequential(scenario, points, store, lambda p, b: run_batch(*args(p, b)), bar,
                            engine)
        elif engine == "processes":
            n = workers or os.cpu_count() or 1
            with cf.ProcessPoolExecutor(max_workers=n,
                                        mp_context=multiprocessing.get_context("spawn")) as pool:
                _run_parallel(scenario, points, store,
                              lambda p, b: pool.submit(run_batch, *args(p, b), True),
                              lambda fs: cf.wait(fs, return_when=cf.FIRST_COMPLETED).done,
                              2 * n, bar, engine)
        else:
            _run_dask(scenario, points, store, args, workers, scheduler, bar)
    finally:
        bar.end()
    if not record:
        return [point_result(p.snr_db, [p.stored[b] for b in range(p.n_counted)],
                             scenario.stopping) for p in points]
    return store.points(scenario.content_hash)


def _run_dask(scenario: Scenario, points: list[_Point], store: ResultsStore,
              args: Callable[[_Point, int], tuple[Any, ...]], workers: int | None,
              scheduler: str | None, bar: RunProgress) -> None:
    import logging

    import distributed

    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                           threads_per_worker=1, host="127.0.0.1",
                                           dashboard_address=None, processes=True,
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler)
    try:
        n_threads = sum(client.nthreads().values()) or 1

        def wait_any(fs: set[Any]) -> set[Any]:
            return set(distributed.wait(list(fs), return_when="FIRST_COMPLETED").done)

        _run_parallel(scenario, points, store,
                      lambda p, b: client.submit(run_batch, *args(p, b), True, pure=False),
                      wait_any, 2 * n_threads, bar, "dask")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
