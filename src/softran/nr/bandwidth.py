"""Channel bandwidth to transmission bandwidth configuration: N_RB of an NR BS channel,
TS 38.104 Table 5.3.2-1 (FR1) and Table 5.3.2-2 (FR2-1), read once from
``data/nr_max_transmission_bandwidth.csv`` (the same values as TS 38.101-1/-2 Table 5.3.2-1).
"""

from __future__ import annotations

import functools

from softran.nr.datafiles import read_csv
from softran.validation import check_choice, check_int

__all__ = ["channel_bandwidths", "n_rb_for_bandwidth"]


@functools.cache
def _nrb_table() -> dict[tuple[int, int], int]:
    return {(int(r["scs_khz"]), int(r["bandwidth_mhz"])): int(r["n_rb"])
            for r in read_csv("nr_max_transmission_bandwidth.csv")}


def n_rb_for_bandwidth(bandwidth_mhz: int, scs_khz: int) -> int:
    """Maximum transmission bandwidth configuration N_RB (TS 38.104 Table 5.3.2-1/-2).

    FR1 (15/30/60 kHz, 5..100 MHz) and FR2-1 (60/120 kHz, 50..400 MHz). A pair the tables do
    not define is a ``ValueError`` listing the bandwidths defined for that SCS.

    >>> n_rb_for_bandwidth(100, 30), n_rb_for_bandwidth(20, 15), n_rb_for_bandwidth(400, 120)
    (273, 106, 264)
    """
    scs_khz = check_choice("scs_khz", scs_khz, sorted({k for k, _ in _nrb_table()}))
    bandwidth_mhz = check_int("bandwidth_mhz", bandwidth_mhz, 1)
    table = _nrb_table()
    if (scs_khz, bandwidth_mhz) not in table:
        defined = sorted(b for s, b in table if s == scs_khz)
        raise ValueError(f"bandwidth_mhz = {bandwidth_mhz} has no N_RB at {scs_khz} kHz in "
                         f"TS 38.104 Table 5.3.2-1/-2; allowed: {defined}")
    return table[(scs_khz, bandwidth_mhz)]


def channel_bandwidths(scs_khz: int) -> tuple[int, ...]:
    """The channel bandwidths (MHz) the tables define at ``scs_khz``.

    >>> channel_bandwidths(15)
    (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    """
    scs_khz = check_choice("scs_khz", scs_khz, sorted({k for k, _ in _nrb_table()}))
    return tuple(sorted(b for s, b in _nrb_table() if s == scs_khz))
