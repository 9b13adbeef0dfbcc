"""SQLite results store: round trips, idempotent batches, aggregation, export."""

import csv

import pytest

from softran.sim.link import SlotCounts
from softran.sim.scenario import load_scenario
from softran.sim.store import ResultsStore

TOML = """
[scenario]
name = "store test"
link = "sch-awgn"
[pusch]
target_code_rate = 0.5
n_prb = 1
[snr]
points_db = [-1.5, 2.0]
[stopping]
target_block_errors = 6
max_slots = 40
[run]
batch_slots = 10
"""


def _c(errors, slots=10):
    return SlotCounts(slots=slots, transmissions=slots, transmission_errors=errors,
                      blocks=slots, block_errors=errors, bits=144 * slots,
                      bit_errors=3 * errors, delivered_bits=144 * (slots - errors),
                      max_bits=144 * slots)


def _fill(store, s, per_point):
    for (snr, mdb), errors in zip(zip(s.snr.points_db, s.snr.points_mdb), per_point):
        for b, e in errors.items():
            store.add_batch(s.stream_hash, mdb, b, snr, 10, _c(e), seed=b, elapsed=0.5,
                            engine="inprocess")


def test_batch_round_trip_and_idempotence(tmp_path):
    with ResultsStore(tmp_path / "r.db") as store:
        c = _c(4)
        assert store.add_batch("h" * 64, -1500, 0, -1.5, 10, c, seed=9, elapsed=0.1,
                               engine="dask")
        # a stored batch is never written again (its outcome is a function of its key)
        assert not store.add_batch("h" * 64, -1500, 0, -1.5, 10, _c(7), seed=9, elapsed=0.1,
                                   engine="dask")
        assert store.batches("h" * 64, -1500) == {0: c}
        assert store.batches("h" * 64, 0) == {}
    with ResultsStore(tmp_path / "r.db") as store:  # persisted
        assert store.batches("h" * 64, -1500) == {0: c}


def test_scenario_round_trip_find_and_points(tmp_path):
    s = load_scenario(TOML)
    with ResultsStore(tmp_path / "r.db") as store:
        store.add_scenario(s)
        store.add_scenario(s)  # upsert
        assert store.find(s.content_hash[:6]) == s.content_hash
        back = store.scenario(s.content_hash)
        assert back.content_hash == s.content_hash and back.source_text == TOML
        assert back.scenario.name == "store test"
        # point 0: cumulative errors 2, 5, 6 -> stops at batch 2 (target 6); 3 not counted
        # point 1: batches 0, 1, 3 stored: only the consecutive prefix 0, 1 counts
        _fill(store, s, [{0: 2, 1: 3, 2: 1, 3: 0}, {0: 0, 1: 1, 3: 5}])
        p0, p1 = store.points(s.content_hash)
        assert (p0.snr_db, p0.n_batches, p0.done, p0.counts.block_errors) == (-1.5, 3, True, 6)
        assert p0.counts.blocks == 30 and p0.bler == 6 / 30
        assert p0.counts.bit_errors == 18 and p0.throughput == 24 / 30
        assert (p1.n_batches, p1.done, p1.counts.block_errors) == (2, False, 1)
        (rec,) = store.scenarios()
        assert (rec.hash, rec.name, rec.link, rec.n_points, rec.n_done, rec.n_batches) == \
            (s.content_hash, "store test", "sch-awgn", 2, 1, 5)


def test_find_errors(tmp_path):
    s = load_scenario(TOML)
    with ResultsStore(tmp_path / "r.db") as store:
        store.add_scenario(s)
        with pytest.raises(ValueError, match="at least 4 hex digits"):
            store.find("ab")
        with pytest.raises(ValueError, match="at least 4 hex digits"):
            store.find("xyz12")
        other = "0000" if not s.content_hash.startswith("0000") else "ffff"
        with pytest.raises(ValueError, match="no scenario"):
            store.find(other)
        with pytest.raises(ValueError, match="no such scenario"):
            store.scenario("f" * 64)
    with pytest.raises(ValueError, match="does not exist"):
        ResultsStore(tmp_path / "missing" / "r.db")


def test_export_csv_and_parquet(tmp_path):
    s = load_scenario(TOML)
    with ResultsStore(tmp_path / "r.db") as store:
        store.add_scenario(s)
        _fill(store, s, [{0: 2, 1: 3, 2: 1}, {0: 0, 1: 1}])
        out = store.export_csv(s.content_hash, tmp_path / "r.csv")
        pq_path = store.export_parquet(s.content_hash, tmp_path / "r.parquet")
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["snr_db"] for r in rows] == ["-1.5", "2.0"]
    assert rows[0]["hash"] == s.content_hash and rows[0]["name"] == "store test"
    assert (rows[0]["blocks"], rows[0]["block_errors"], rows[0]["done"]) == ("30", "6", "True")
    assert float(rows[0]["bler"]) == pytest.approx(0.2)
    assert (rows[1]["blocks"], rows[1]["block_errors"], rows[1]["done"]) == ("20", "1", "False")
    assert float(rows[1]["throughput"]) == pytest.approx(19 / 20)
    import pyarrow.parquet as pq

    table = pq.read_table(pq_path).to_pylist()
    assert [r["block_errors"] for r in table] == [6, 1]
    assert table[0]["bler_lo"] == pytest.approx(float(rows[0]["bler_lo"]))


def test_a_store_without_the_first_transmission_column_is_upgraded(tmp_path):
    import sqlite3

    from softran.sim.stopping import point_result

    s = load_scenario(TOML)
    db = tmp_path / "old.db"
    with ResultsStore(db) as store:
        store.add_scenario(s)
    # the schema of a store written before first_transmission_errors was counted
    con = sqlite3.connect(db)
    added = ("first_transmission_errors", "delivered_transmissions", "transmissions_squared")
    old = [f for f in SlotCounts.field_names() if f not in added]
    con.executescript("DROP TABLE batches; CREATE TABLE batches (stream TEXT NOT NULL, "
                      "snr_mdb INTEGER NOT NULL, batch_index INTEGER NOT NULL, snr_db REAL NOT "
                      "NULL, n_slots INTEGER NOT NULL, "
                      + ", ".join(f"{f} INTEGER NOT NULL" for f in old)
                      + ", seed INTEGER NOT NULL, elapsed REAL NOT NULL, engine TEXT NOT NULL, "
                      "created TEXT NOT NULL, PRIMARY KEY (stream, snr_mdb, batch_index));")
    c = _c(2)
    con.execute("INSERT INTO batches VALUES (" + ", ".join("?" * (len(old) + 9)) + ")",
                (s.stream_hash, s.snr.points_mdb[0], 0, -1.5, 10,
                 *(getattr(c, f) for f in old), 0, 0.1, "inprocess", "2026-01-01"))
    con.commit()
    con.close()
    with ResultsStore(db, create=False) as store:
        (old_batch,) = store.batches(s.stream_hash, s.snr.points_mdb[0]).values()
        assert old_batch.first_transmission_errors is None and old_batch.block_errors == 2
        new = SlotCounts(**{**c.as_dict(), "first_transmission_errors": 4})
        assert store.add_batch(s.stream_hash, s.snr.points_mdb[0], 1, -1.5, 10, new, seed=1,
                               elapsed=0.1, engine="inprocess")
        b = store.batches(s.stream_hash, s.snr.points_mdb[0])
        assert b[1].first_transmission_errors == 4
        p = store.points(s.content_hash)[0]
        assert p.first_transmission_bler is None           # one batch did not count it
    assert point_result(0.0, [new], s.stopping).first_transmission_bler == 0.4


def test_files_that_are_not_a_results_store_are_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\x01 not sqlite" * 100)
    with pytest.raises(ValueError, match="cannot be used as a results store"):
        ResultsStore(junk)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a softran results store"):
        ResultsStore(empty, create=False)
    with pytest.raises(ValueError, match="is a folder"):
        ResultsStore(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        ResultsStore(tmp_path / "none.db", create=False)
