"""The standard tables that ship with ``softran.nr`` as data files (``nr/data/``).

Every CSV file there starts with ``#`` comment lines that name its source (document, version,
table); :func:`read_csv` skips them and returns the rows. Modules load a table once (cached)
through these two functions, never by retyping it.
"""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["DATA_DIR", "data_path", "read_csv"]

#: The folder of softran.nr's data files.
DATA_DIR = Path(__file__).with_name("data")


def data_path(name: str, directory: Path = DATA_DIR) -> Path:
    """The path of data file ``name`` (a file name inside ``softran/nr/data``, or inside
    ``directory`` for another package's data folder with the same conventions).

    >>> data_path("polar_sequence.csv").name
    'polar_sequence.csv'
    """
    path = Path(directory) / name
    if not path.is_file():
        raise FileNotFoundError(f"softran has no data file {name!r} in {directory}")
    return path


def read_csv(name: str, directory: Path = DATA_DIR) -> list[dict[str, str]]:
    """The rows of CSV data file ``name`` (in ``softran/nr/data`` or ``directory``) as dicts
    keyed by its header, ``#`` lines skipped.

    >>> read_csv("dmrs_epre.csv")[0]["num_cdm_groups_without_data"]
    '1'
    """
    with open(data_path(name, directory), newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))
