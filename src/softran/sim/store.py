"""The results store: an SQLite database (stdlib :mod:`sqlite3`, write-ahead log).

Tables:

* ``scenarios(hash, stream, name, link, toml, config, created, updated)``: one row per
  :attr:`~softran.sim.Scenario.content_hash`; ``toml`` is the file as written, ``config``
  the validated scenario as canonical JSON (:meth:`~softran.sim.Scenario.to_dict`), from
  which results are re-aggregated.
* ``batches(stream, snr_mdb, batch_index, snr_db, n_slots, <SlotCounts fields>, seed,
  elapsed, engine, created)``: one row per batch, unique on ``(stream, snr_mdb,
  batch_index)`` (stream = :attr:`~softran.sim.Scenario.stream_hash`, SNR in milli-dB).

A store written before a count existed (``first_transmission_errors``,
``delivered_transmissions``, ``transmissions_squared``) gets the column when it is opened; its
old batches hold ``NULL`` there, read as ``None`` (not counted).

Each batch is written in its own transaction, so a killed run loses at most the batches that
were running; a batch that is already stored is never written again (``INSERT OR IGNORE``:
the outcome of a batch is a function of its key). Results of a scenario are re-aggregated
from its batches with its stopping rule (:func:`softran.sim.stopping.point_result`).
"""

from __future__ import annotations

import csv
import datetime
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softran.sim.link import SlotCounts
from softran.sim.scenario import Scenario, validate_scenario
from softran.sim.stopping import PointResult, point_result

__all__ = ["DEFAULT_STORE", "ResultsStore", "ScenarioRecord"]

#: the results store of the command line and of ``make demo`` when none is named
DEFAULT_STORE = Path("out") / "results.db"

_COUNTS = SlotCounts.field_names()
#: counts that later versions added; old stores get the column (NULL: not counted)
_ADDED_COUNTS = ("first_transmission_errors", "delivered_transmissions",
                 "transmissions_squared")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS scenarios (
    hash TEXT PRIMARY KEY, stream TEXT NOT NULL, name TEXT NOT NULL, link TEXT NOT NULL,
    toml TEXT NOT NULL, config TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    stream TEXT NOT NULL, snr_mdb INTEGER NOT NULL, batch_index INTEGER NOT NULL,
    snr_db REAL NOT NULL, n_slots INTEGER NOT NULL,
    {", ".join(f"{f} INTEGER" + ("" if f in _ADDED_COUNTS else " NOT NULL")
               for f in _COUNTS)},
    seed INTEGER NOT NULL, elapsed REAL NOT NULL, engine TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (stream, snr_mdb, batch_index));
"""


_BATCH_COLUMNS = ("stream", "snr_mdb", "batch_index", "snr_db", "n_slots", *_COUNTS, "seed",
                  "elapsed", "engine", "created")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ScenarioRecord:
    """One row of ``results ls``: a stored scenario and how far its points are."""

    hash: str
    name: str
    link: str
    created: str
    updated: str
    n_points: int
    n_done: int
    n_batches: int


class ResultsStore:
    """The SQLite results store at ``path``: created when missing (``create``, the default),
    else it must exist and hold a results store. A file that is not one raises ``ValueError``
    naming it; so does a folder that does not exist.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with ResultsStore(pathlib.Path(d) / "r.db") as store:
    ...         store.add_batch("s" * 64, 1000, 0, 1.0, 10, SlotCounts(slots=10, blocks=10),
    ...                         seed=7, elapsed=0.1, engine="inprocess")
    ...         store.batches("s" * 64, 1000) == {0: SlotCounts(slots=10, blocks=10)}
    True
    True
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        name = str(self.path)
        if self.path.parent and not self.path.parent.exists():
            raise ValueError(f"store = {name!r}: folder {str(self.path.parent)!r} "
                             "does not exist")
        if self.path.is_dir():
            raise ValueError(f"store = {name!r} is a folder; give the store's file name")
        if not create and not self.path.is_file():
            raise ValueError(f"store = {name!r} does not exist")
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            if not create and db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                    "('scenarios', 'batches')").fetchone()[0] != 2:
                raise ValueError(f"store = {name!r} is an SQLite database but not a softran "
                                 "results store (no scenarios and batches tables)")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            columns = {r[1] for r in db.execute("PRAGMA table_info(batches)")}
            for col in _ADDED_COUNTS:
                if col not in columns:
                    db.execute(f"ALTER TABLE batches ADD COLUMN {col} INTEGER")
        except (sqlite3.Error, ValueError) as err:
            if db is not None:
                db.close()
            if isinstance(err, ValueError):
                raise
            raise ValueError(f"store = {name!r} cannot be used as a results store (SQLite: "
                             f"{err})") from None
        self._db = db

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------
    def add_scenario(self, scenario: Scenario) -> None:
        """Record ``scenario`` under its content hash (name and text updated if present)."""
        now = _now()
        config = json.dumps(scenario.to_dict(), sort_keys=True)
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO "
                "UPDATE SET name = excluded.name, toml = excluded.toml, updated = excluded.updated",
                (scenario.content_hash, scenario.stream_hash, scenario.scenario.name,
                 scenario.scenario.link, scenario.source_text, config, now, now))

    def add_batch(self, stream: str, snr_mdb: int, batch_index: int, snr_db: float,
                  n_slots: int, counts: SlotCounts, *, seed: int, elapsed: float,
                  engine: str) -> bool:
        """Store one batch in its own transaction; False when it was stored already."""
        values = (stream, int(snr_mdb), int(batch_index), float(snr_db), int(n_slots),
                  *(getattr(counts, f) for f in _COUNTS), int(seed), float(elapsed), engine,
                  _now())
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute(
                f"INSERT OR IGNORE INTO batches ({', '.join(_BATCH_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(values))})", values)
        return cur.rowcount == 1

    # ---- reading -------------------------------------------------------------------
    def batches(self, stream: str, snr_mdb: int) -> dict[int, SlotCounts]:
        """Stored batches of one SNR point: batch index -> counts."""
        rows = self._db.execute(
            f"SELECT batch_index, {', '.join(_COUNTS)} FROM batches WHERE stream = ? AND "
            "snr_mdb = ? ORDER BY batch_index", (stream, int(snr_mdb))).fetchall()
        return {r[0]: SlotCounts(*r[1:]) for r in rows}

    def find(self, prefix: str) -> str:
        """The full content hash that starts with ``prefix`` (at least 4 hex digits)."""
        if not isinstance(prefix, str) or len(prefix) < 4 or any(
                ch not in "0123456789abcdef" for ch in prefix.lower()):
            raise ValueError(f"hash = {prefix!r} is not allowed; give at least 4 hex digits of "
                             "a scenario hash (see `softran results ls`)")
        rows = self._db.execute("SELECT hash FROM scenarios WHERE hash LIKE ? || '%'",
                                (prefix.lower(),)).fetchall()
        if not rows:
            raise ValueError(f"hash = {prefix!r}: no scenario in {str(self.path)!r} starts "
                             "with it")
        if len(rows) > 1:
            raise ValueError(f"hash = {prefix!r} is ambiguous: {len(rows)} scenarios start "
                             "with it; give more digits")
        return rows[0][0]

    def scenario(self, content_hash: str) -> Scenario:
        """The stored scenario of ``content_hash`` (re-validated)."""
        row = self._db.execute("SELECT config, toml, name FROM scenarios WHERE hash = ?",
                               (content_hash,)).fetchone()
        if row is None:
            raise ValueError(f"hash = {content_hash!r}: no such scenario in {str(self.path)!r}")
        data = json.loads(row[0])
        data["scenario"]["name"] = row[2]
        return validate_scenario(data, source=f"stored scenario {content_hash[:12]}",
                                 text=row[1])

    def points(self, content_hash: str) -> list[PointResult]:
        """Per-SNR results of a stored scenario, aggregated with its stopping rule from the
        consecutive batches ``0, 1, ...`` stored for each point."""
        s = self.scenario(content_hash)
        out = []
        for snr_db, mdb in zip(s.snr.points_db or (), s.snr.points_mdb, strict=True):
            stored = self.batches(s.stream_hash, mdb)
            prefix = []
            while len(prefix) in stored:
                prefix.append(stored[len(prefix)])
            out.append(point_result(snr_db, prefix, s.stopping))
        return out

    def scenarios(self) -> list[ScenarioRecord]:
        """All stored scenarios, most recently updated first."""
        rows = self._db.execute("SELECT hash, name, link, created, updated FROM scenarios "
                                "ORDER BY updated DESC, hash").fetchall()
        out = []
        for h, name, link, created, updated in rows:
            points = self.points(h)
            out.append(ScenarioRecord(h, name, link, created, updated, len(points),
                                      sum(p.done for p in points),
                                      sum(p.n_batches for p in points)))
        return out

    # ---- export --------------------------------------------------------------------
    def rows(self, content_hash: str) -> list[dict[str, Any]]:
        """One flat dict per SNR point (hash, name, :meth:`PointResult.as_row` fields)."""
        name = self.scenario(content_hash).scenario.name
        return [{"hash": content_hash, "name": name, **p.as_row()}
                for p in self.points(content_hash)]

    def export_csv(self, content_hash: str, path: str | Path) -> Path:
        """Write the per-point rows of a scenario as CSV (header row first)."""
        rows = self.rows(content_hash)
        path = Path(path)
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    def export_parquet(self, content_hash: str, path: str | Path) -> Path:
        """Write the per-point rows of a scenario as Parquet (needs ``pyarrow``)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        pq.write_table(pa.Table.from_pylist(self.rows(content_hash)), path)
        return path
