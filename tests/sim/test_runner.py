"""The sch-awgn link, seeds, and the runner: resume, no recomputation, same counts on every
engine (in-process, process pool, Dask LocalCluster on loopback)."""

import os
import signal
import sqlite3
import subprocess
import sys

import distributed
import pytest
import torch

import softran.sim.runner as runner
from softran.sim.link import SlotCounts, make_link
from softran.sim.links.sch_awgn import SCHAWGNLink, harq_counts
from softran.sim.runner import batch_seed, simulate
from softran.sim.scenario import load_scenario

TOML = """
[scenario]
name = "runner test"
link = "sch-awgn"
[pusch]
modulation = "QPSK"
target_code_rate = 0.5
n_prb = 1
[antennas]
n_rx = 1
[snr]
points_db = [{points}]
[harq]
max_transmissions = {max_tx}
[stopping]
target_block_errors = {target}
max_slots = {max_slots}
[run]
batch_slots = {batch}
seed = 5
"""


def _scenario(points="-5.0, 1.0", max_tx=2, target=8, max_slots=48, batch=8):
    return load_scenario(TOML.format(points=points, max_tx=max_tx, target=target,
                                     max_slots=max_slots, batch=batch))


# ---- seeds ---------------------------------------------------------------------------
def test_batch_seeds_distinct_and_deterministic():
    seeds = {batch_seed(7, mdb, b) for mdb in (-2500, -1, 0, 1, 2500) for b in range(50)}
    assert len(seeds) == 250 and all(0 <= x < 2**63 for x in seeds)
    assert batch_seed(7, 0, 3) == batch_seed(7, 0, 3) != batch_seed(8, 0, 3)


# ---- the sch-awgn link -----------------------------------------------------------------
def test_harq_counts_by_hand():
    # 4 blocks of A = 5 bits, max 3 transmissions: acknowledged at the 1st, 2nd, never, 3rd
    tb = torch.tensor([[1, 0, 1, 0, 1]] * 4, dtype=torch.uint8)
    decoded = tb.clone()
    decoded[2, 1:4] ^= 1                                  # the failed block: 3 bit errors
    c = harq_counts(tb, decoded, torch.tensor([True, True, False, True]),
                    torch.tensor([1, 2, 3, 3]))
    # first transmissions: blocks 1, 2, 3 were sent again, so 3 of them failed
    assert c == SlotCounts(slots=9, transmissions=9, transmission_errors=6, blocks=4,
                           block_errors=1, bits=20, bit_errors=3, delivered_bits=15,
                           max_bits=45, first_transmission_errors=3,
                           # delivered: blocks 0, 1, 3 (1 + 2 + 3); squares 1 + 4 + 9 + 9
                           delivered_transmissions=6, transmissions_squared=23)
    # an acknowledged block with wrong bits (CRC false pass) is not delivered
    c = harq_counts(tb[:1], decoded[2:3], torch.tensor([True]), torch.tensor([1]))
    assert (c.transmission_errors, c.block_errors, c.delivered_bits) == (0, 1, 0)
    # sent once and not acknowledged: its first transmission failed
    c = harq_counts(tb[:2], tb[:2], torch.tensor([True, False]), torch.tensor([1, 1]))
    assert c.first_transmission_errors == 1


def test_link_bler_zero_at_high_snr_one_at_very_low_snr():
    link = SCHAWGNLink("16QAM", 0.5, 2, max_transmissions=1)
    # 16QAM R = 1/2 needs about 6 dB; at 15 dB no block fails, at -5 dB every block fails
    hi = link.run(15.0, 40, seed=1)
    assert (hi.blocks, hi.block_errors, hi.bit_errors) == (40, 0, 0)
    assert hi.delivered_bits == hi.max_bits == 40 * link.tbs
    lo = link.run(-5.0, 40, seed=2)
    assert (lo.blocks, lo.block_errors, lo.delivered_bits) == (40, 40, 0)
    # uncoded-like bit errors: a large fraction of the payload bits is wrong
    assert lo.bit_errors > 0.2 * lo.bits


def test_link_harq_throughput_by_hand():
    # QPSK R = 0.9, 2 PRB x 144 REs: G = 576, TBS = 528 (N_info = 288 * 0.9 * 2 = 518.4).
    # At 3.5 dB the first transmission (rate 0.92) cannot decode (it needs about 6 dB), while
    # RV 0 + RV 2 combined (rate about 0.46 at twice the energy) decodes with a wide margin:
    # every block takes exactly 2 transmissions, so the throughput is exactly 1/2.
    link = SCHAWGNLink("QPSK", 0.9, 2, max_transmissions=4, rv_sequence=(0, 2, 3, 1))
    assert (link.tbs, link.g) == (528, 576)
    c = link.run(3.5, 30, seed=4)
    assert c == SlotCounts(slots=60, transmissions=60, transmission_errors=30, blocks=30,
                           block_errors=0, bits=30 * 528, bit_errors=0,
                           delivered_bits=30 * 528, max_bits=60 * 528,
                           first_transmission_errors=30,
                           delivered_transmissions=60, transmissions_squared=30 * 2 ** 2)
    # with one transmission allowed, all blocks fail
    one = SCHAWGNLink("QPSK", 0.9, 2, max_transmissions=1).run(3.5, 30, seed=4)
    assert (one.slots, one.block_errors, one.delivered_bits) == (30, 30, 0)
    assert one.first_transmission_errors == 30


def test_link_deterministic_per_seed_and_mrc():
    link = SCHAWGNLink("QPSK", 0.5, 1, max_transmissions=1)
    a, b = link.run(1.0, 64, seed=11), link.run(1.0, 64, seed=11)
    assert a == b and 0 < a.block_errors < 64            # on the waterfall
    assert link.run(1.0, 64, seed=12) != a
    # 4 receive antennas with MRC gain 6 dB: far fewer errors than one antenna at 1 dB
    mrc = SCHAWGNLink("QPSK", 0.5, 1, max_transmissions=1, n_rx=4).run(1.0, 64, seed=11)
    assert mrc.block_errors == 0


def test_link_bad_arguments():
    with pytest.raises(ValueError, match="do not fit G"):
        SCHAWGNLink("QPSK", 0.9, 1, n_re_per_prb=12)
    with pytest.raises(ValueError, match="modulation"):
        SCHAWGNLink("1024QAM", 0.5, 1)
    link = SCHAWGNLink("QPSK", 0.5, 1)
    with pytest.raises(ValueError, match="n_slots"):
        link.run(0.0, 0, seed=1)
    with pytest.raises(TypeError, match="seed"):
        link.run(0.0, 2, seed=1.5)


# ---- the runner ------------------------------------------------------------------------
def _expected(s):
    """Counts per point by running the link directly, batch by batch, with the rule."""
    from softran.sim.stopping import point_result

    link = make_link(s)
    out = []
    for snr, mdb in zip(s.snr.points_db, s.snr.points_mdb):
        batches = []
        while True:
            batches.append(link.run(snr, s.run.batch_slots, batch_seed(s.run.seed, mdb,
                                                                       len(batches))))
            r = point_result(snr, batches, s.stopping)
            if r.done:
                out.append(r)
                break
    return out


def test_inprocess_matches_direct_link_and_never_recomputes(tmp_path, monkeypatch):
    s = _scenario()
    points = simulate(s, tmp_path / "r.db", progress=False)
    assert points == _expected(s)
    assert all(p.done for p in points)
    assert points[0].counts.block_errors == 8            # -5 dB: stops on errors at batch 0
    assert points[1].counts.slots >= 48 > points[1].counts.block_errors
    calls = []
    real = runner.run_batch

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_batch", counting)
    assert simulate(s, tmp_path / "r.db", progress=False) == points
    assert calls == []                                    # finished points: nothing runs
    # another SNR list shares the batches of the common points: only 3.0 dB runs
    more = _scenario(points="-5.0, 1.0, 3.0")
    assert more.stream_hash == s.stream_hash and more.content_hash != s.content_hash
    again = simulate(more, tmp_path / "r.db", progress=False)
    assert again[:2] == points and set(calls) == {3.0}
    # a larger max_slots continues from the stored batches
    calls.clear()
    longer = _scenario(target=0, max_slots=64)
    (p0, p1) = simulate(longer, tmp_path / "r.db", progress=False)
    assert p0.counts.slots >= 64 and p1.counts.slots >= 64
    assert len(calls) < 2 * 8                             # not all 8 batches per point again


def test_batches_of_an_older_results_version_are_not_resumed(tmp_path, monkeypatch):
    # a store filled by code of an older RESULTS_VERSION: the current code recomputes every
    # batch (its stream hash differs) instead of silently resuming the old ones
    from softran.sim import link

    monkeypatch.setattr(link, "RESULTS_VERSION", link.RESULTS_VERSION - 1)
    old = _scenario(points="1.0")
    old_stream = old.stream_hash
    simulate(old, tmp_path / "r.db", progress=False)
    monkeypatch.undo()
    new = _scenario(points="1.0")
    assert new.stream_hash != old_stream
    calls = []
    real = runner.run_batch

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_batch", counting)
    (p,) = simulate(new, tmp_path / "r.db", progress=False)
    assert calls and p.n_batches == len(calls)            # every batch of the point ran again


def test_engines_give_the_same_counts(tmp_path):
    s = _scenario()
    reference = simulate(s, tmp_path / "a.db", progress=False)
    pool = simulate(s, tmp_path / "b.db", engine="processes", workers=2, progress=False)
    assert pool == reference


def test_dask_local_cluster_gives_the_same_counts(tmp_path):
    s = _scenario()
    reference = simulate(s, tmp_path / "a.db", progress=False)
    dask = simulate(s, tmp_path / "b.db", workers=2, engine="dask", progress=False)
    assert dask == reference
    with sqlite3.connect(tmp_path / "b.db") as db:
        assert {r[0] for r in db.execute("SELECT engine FROM batches")} == {"dask"}


# The simulation process stores its batches as usual; after the second one it says so on stdout
# and holds until it is killed, so the kill lands mid-run by construction (no race, no clock).
_KILL_AFTER_TWO = """
import sys, threading
from softran.sim.store import ResultsStore

add_batch, stored = ResultsStore.add_batch, []

def add_batch_then_hold(self, *args, **kwargs):
    new = add_batch(self, *args, **kwargs)       # committed in its own transaction
    stored.append(new)
    if len(stored) == 2:
        print("stored 2", flush=True)
        threading.Event().wait()                 # until SIGKILL
    return new

ResultsStore.add_batch = add_batch_then_hold
from softran.cli import run
sys.argv = ["softran", "simulate", sys.argv[1], "--store", sys.argv[2], "--quiet"]
run()
"""


def test_resume_after_kill(tmp_path):
    # every block at -15 dB fails all 4 transmissions (4 combined RVs at -9 dB are below the
    # QPSK capacity for rate 1/8): each batch takes 16 slots, and target 0 makes every point
    # run exactly max_slots / 16 = 6 batches
    text = TOML.format(points="-15.0, -14.0", max_tx=4, target=0, max_slots=4 * 4 * 6, batch=4)
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen([sys.executable, "-c", _KILL_AFTER_TWO, str(path), str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        line = proc.stdout.readline()                  # the event: two batches are stored
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert line == b"stored 2\n", proc.stderr.read().decode()
    with sqlite3.connect(db) as con:
        stored = con.execute("SELECT count(*) FROM batches").fetchone()[0]
    assert stored == 2
    s = load_scenario(path)
    resumed = simulate(s, db, progress=False)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 12
    assert resumed == simulate(s, tmp_path / "fresh.db", progress=False)
    assert [p.counts.slots for p in resumed] == [96, 96]


@pytest.mark.slow
def test_dask_external_scheduler_address(tmp_path):
    # the `--scheduler tcp://host:8786` path: a cluster that the runner did not start
    import logging

    s = _scenario()
    reference = simulate(s, tmp_path / "a.db", progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        got = simulate(s, tmp_path / "b.db", scheduler=cluster.scheduler_address,
                       progress=False)
        assert len(cluster.scheduler.workers) == 2          # still up: not closed by the run
    assert got == reference


def test_progress_plain_lines_and_what_a_rerun_resumed(tmp_path):
    import io

    from softran.sim.progress import RunProgress

    s = _scenario(points="-5.0, 1.0", max_tx=2, target=8, max_slots=48, batch=8)
    out = io.StringIO()
    first = RunProgress(stream=out, interval=0.0)          # a pipe: plain lines, every batch
    points = simulate(s, tmp_path / "r.db", progress=first)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("runner test [") and "\x1b" not in out.getvalue()
    done = [line for line in lines if " done " in line]
    assert len(done) == 2 and all("1st-tx BLER" in line and "throughput" in line
                                  for line in done)
    assert first.new_batches == sum(p.n_batches for p in points) and first.summary() == (2, 0)
    assert first.resumed_line() is None
    again = RunProgress(enabled=False)
    assert simulate(s, tmp_path / "r.db", progress=again) == points
    assert again.new_batches == 0
    assert again.resumed_line() == "resumed: 2 of 2 points already done"
    # a point that another scenario started: continued from its stored batches
    longer = _scenario(points="-5.0, 1.0", max_tx=2, target=8, max_slots=96, batch=8)
    more = RunProgress(enabled=False)
    simulate(longer, tmp_path / "r.db", progress=more)
    assert more.resumed_line().startswith("resumed: 1 of 2 points already done; 1 point(s) "
                                          "continued")
