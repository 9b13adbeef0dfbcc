"""Tracking reference signal (TRS, *CSI-RS for tracking*), TS 38.214 §5.1.6.1.1: a set of
periodic single-port NZP CSI-RS resources of density 3 (row 1 of TS 38.211 Table 7.4.1.5.3-1).

For FR1 the set holds four resources in two consecutive slots, two per slot, on symbols
{4, 8}, {5, 9} or {6, 10}; the periodicity is 2^mu X_p slots with X_p = 10, 20, 40 or 80;
the bandwidth is min(52, N_BWP) or N_BWP RBs. (FR2 may also use one slot, or symbols
{0, 4}, {1, 5}, {2, 6}, {3, 7}, {7, 11}, {8, 12}, {9, 13}; not offered here.)
"""

from __future__ import annotations

from softran.nr.config import SUBCARRIER_SPACINGS
from softran.nr.csi_rs.config import CSIRSConfig
from softran.validation import check_choice, check_int, check_int_list

__all__ = ["TRS_SYMBOL_PAIRS", "trs_resources"]

#: the symbol pairs of a TRS slot, TS 38.214 §5.1.6.1.1 (FR1)
TRS_SYMBOL_PAIRS: tuple[tuple[int, int], ...] = ((4, 8), (5, 9), (6, 10))


def trs_resources(*, subcarrier_spacing: int = 30, k0: int = 0,
                  symbols: tuple[int, int] = (4, 8), n_rb: int = 52, rb_offset: int = 0,
                  n_id: int = 0, x_p: int = 20, slot_offset: int = 0) -> tuple[CSIRSConfig, ...]:
    """The four CSI-RS resources of an FR1 TRS (TS 38.214 §5.1.6.1.1): row 1, density 3,
    subcarrier reference ``k0`` (0..3, so REs k0, k0 + 4, k0 + 8 of each RB), ``symbols`` of
    slots ``slot_offset`` and ``slot_offset + 1`` of every period of 2^mu ``x_p`` slots.

    >>> trs = trs_resources(subcarrier_spacing=30, symbols=(5, 9), x_p=20, slot_offset=3)
    >>> [(t.symbol_locations[0], t.period) for t in trs]
    [(5, (40, 3)), (9, (40, 3)), (5, (40, 4)), (9, (40, 4))]
    """
    scs = check_choice("subcarrier_spacing", check_int("subcarrier_spacing", subcarrier_spacing),
                       SUBCARRIER_SPACINGS)
    pair = check_int_list("symbols", symbols, 0, 13)
    if pair not in TRS_SYMBOL_PAIRS:
        raise ValueError(f"symbols = {list(pair)} is not allowed for an FR1 TRS; allowed: "
                         + ", ".join(str(list(p)) for p in TRS_SYMBOL_PAIRS)
                         + " (TS 38.214 §5.1.6.1.1)")
    x_p = check_choice("x_p", check_int("x_p", x_p), (10, 20, 40, 80))
    period = (scs // 15) * x_p
    slot_offset = check_int("slot_offset", slot_offset, 0, period - 2)
    return tuple(CSIRSConfig(row_number=1, density="three", subcarrier_locations=[k0],
                             symbol_locations=[l], n_rb=n_rb, rb_offset=rb_offset, n_id=n_id,
                             period=(period, slot_offset + s), n_ports=1)
                 for s in (0, 1) for l in pair)
