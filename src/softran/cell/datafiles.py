"""The one reader of ``softran/cell/data/`` (standard tables of the test MAC as CSV)."""

from __future__ import annotations

from pathlib import Path

from softran.nr.datafiles import read_csv as _nr_read_csv

__all__ = ["DATA_DIR", "read_csv"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of ``softran/cell/data/<name>`` (``#`` header lines skipped).

    >>> read_csv("mac_lcid.csv")[0]["name"]
    'CCCH'
    """
    return _nr_read_csv(name, DATA_DIR)
