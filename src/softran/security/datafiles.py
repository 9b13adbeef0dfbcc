"""The one reader of ``softran/security/data/``: the S-boxes and constants of SNOW 3G and ZUC,
and the code points of the 5G key hierarchy (TS 33.501 Annex A).

Each file starts with ``#`` lines naming its source (document, version, clause). The S-boxes
are 16 x 16 tables (``row`` = high nibble of the input, columns = low nibble, values in hex);
:func:`sbox` returns them as 256 ``uint8`` values indexed by the input byte. Code-point tables
(``name,value`` or ``name,fc,clause``) are read by :func:`named_values`.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["DATA_DIR", "named_values", "read_rows", "sbox", "zuc_d"]

#: Folder of the data files.
DATA_DIR: Path = Path(__file__).parent / "data"

_SBOXES = {"snow3g_sr": "snow3g_sr.csv", "snow3g_sq": "snow3g_sq.csv",
           "zuc_s0": "zuc_s0.csv", "zuc_s1": "zuc_s1.csv"}


def read_rows(name: str) -> list[dict[str, str]]:
    """The rows of data file ``name`` as dicts keyed by its header (``#`` lines skipped).

    >>> read_rows("zuc_d.csv")[0]
    {'i': '0', 'd': '44d7'}
    """
    path = DATA_DIR / name
    if not path.is_file():
        known = sorted(p.name for p in DATA_DIR.glob("*.csv"))
        raise ValueError(f"name = {name!r} is not a security data file; allowed: {known}")
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@cache
def _sbox(name: str) -> np.ndarray:
    rows = read_rows(_SBOXES[name])
    out = np.empty(256, dtype=np.uint8)
    for row in rows:
        hi = int(row["row"], 16)
        for lo in range(16):
            out[16 * hi + lo] = int(row[f"{lo:x}"], 16)
    out.setflags(write=False)
    return out


def sbox(name: str) -> np.ndarray:
    """The 8-bit S-box ``name`` (``snow3g_sr``, ``snow3g_sq``, ``zuc_s0``, ``zuc_s1``) as a
    read-only ``uint8[256]`` indexed by the input byte.

    >>> hex(sbox("snow3g_sr")[0x53]), hex(sbox("zuc_s0")[0])
    ('0xed', '0x3e')
    """
    if name not in _SBOXES:
        raise ValueError(f"name = {name!r} is not an S-box; allowed: {sorted(_SBOXES)}")
    return _sbox(name)


@cache
def named_values(name: str) -> dict[str, int]:
    """A ``name,value`` table (hex or decimal values) as a dict, e.g. TS 33.501 Table A.8-1.

    >>> named_values("algorithm_type_distinguishers.csv")["N-RRC-enc-alg"]
    3
    """
    rows = read_rows(name)
    key = "fc" if rows and "fc" in rows[0] else "value"
    return {r["name"]: int(r[key], 0) for r in rows}


@cache
def zuc_d() -> np.ndarray:
    """ZUC's 15-bit key-loading constants d_0 .. d_15 (TS 35.222 clause 3.5) as ``int64[16]``.

    >>> hex(int(zuc_d()[0])), hex(int(zuc_d()[15]))
    ('0x44d7', '0x47ac')
    """
    rows = read_rows("zuc_d.csv")
    out = np.array([int(r["d"], 16) for r in sorted(rows, key=lambda r: int(r["i"]))],
                   dtype=np.int64)
    out.setflags(write=False)
    return out
