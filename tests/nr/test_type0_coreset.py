"""CORESET#0 from the MIB's pdcch-ConfigSIB1 (TS 38.213 §13, Tables 13-1 .. 13-10)."""

from __future__ import annotations

import pytest

from softran.nr.pdcch import Type0CORESET, type0_coreset
from softran.nr.ssb import MIB


def _row(ssb: int, pdcch: int, index: int, k_ssb: int = 0, bw: int = 5) -> tuple:
    c = type0_coreset(MIB(sub_carrier_spacing_common=pdcch, ssb_subcarrier_offset=k_ssb,
                          pdcch_config_sib1=index << 4 | 7), ssb, bw)
    return c.table, c.multiplexing_pattern, c.n_rb, c.n_symbols, c.offset


# rows read from TS 38.213 V16 §13 (table, index: pattern, N_RB, N_symb, offset)
@pytest.mark.parametrize(("ssb", "pdcch", "bw", "index", "k_ssb", "expected"), [
    (15, 15, 5, 0, 0, ("13-1", 1, 24, 2, 0)),
    (15, 15, 10, 14, 0, ("13-1", 1, 96, 3, 38)),
    (15, 30, 5, 0, 0, ("13-2", 1, 24, 2, 5)),
    (15, 30, 5, 13, 0, ("13-2", 1, 48, 3, 20)),
    (30, 15, 5, 8, 0, ("13-3", 1, 96, 3, 28)),
    (30, 30, 5, 0, 0, ("13-4", 1, 24, 2, 0)),
    (30, 30, 5, 15, 0, ("13-4", 1, 48, 2, 16)),
    (30, 15, 40, 4, 0, ("13-5", 1, 96, 1, 56)),
    (30, 30, 40, 9, 0, ("13-6", 1, 48, 3, 28)),
    (120, 60, 5, 8, 0, ("13-7", 2, 48, 1, -41)),
    (120, 60, 5, 8, 5, ("13-7", 2, 48, 1, -42)),
    (120, 60, 5, 11, 5, ("13-7", 2, 96, 1, 97)),
    (120, 120, 5, 6, 1, ("13-8", 3, 48, 2, -21)),
    (120, 120, 5, 7, 1, ("13-8", 3, 48, 2, 48)),
    (240, 60, 5, 3, 0, ("13-9", 1, 96, 2, 16)),
    (240, 120, 5, 4, 0, ("13-10", 2, 24, 1, -41)),
    (240, 120, 5, 5, 0, ("13-10", 2, 24, 1, 25)),
])
def test_rows_of_the_tables(ssb, pdcch, bw, index, k_ssb, expected) -> None:
    assert _row(ssb, pdcch, index, k_ssb, bw) == expected


def test_reserved_rows_and_table_sizes() -> None:
    # valid indices per table (the rest reserved): 15, 14, 9, 16, 9, 10, 12, 8, 4, 8
    sizes = {(15, 15, 5): 15, (15, 30, 5): 14, (30, 15, 5): 9, (30, 30, 5): 16,
             (30, 15, 40): 9, (30, 30, 40): 10, (120, 60, 5): 12, (120, 120, 5): 8,
             (240, 60, 5): 4, (240, 120, 5): 8}
    for (ssb, pdcch, bw), n in sizes.items():
        if n < 16:
            with pytest.raises(ValueError, match="reserved"):
                _row(ssb, pdcch, n, 0, bw)
        _row(ssb, pdcch, n - 1, 0, bw)


def test_the_test_cell_coreset_is_no_row_of_table_13_4() -> None:
    # the plan's CORESET: RBs 0-47, 2 symbols; its SS/PBCH block starts at carrier subcarrier
    # 186 of 30 kHz = CRB 15 + 6 subcarriers: offset 15 RBs, which Table 13-4 lacks (12, 14, 16)
    rows = {_row(30, 30, i)[2:] for i in range(16)}
    assert (48, 2, 15) not in rows and {(48, 2, 14), (48, 2, 16)} <= rows
    assert Type0CORESET("13-4", 1, 48, 2, 14).first_rb(15) == 1


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="ssb_scs"):
        _row(60, 60, 0)
    with pytest.raises(ValueError, match="has no table"):
        _row(15, 15, 0, bw=40)
    with pytest.raises(TypeError, match="MIB"):
        type0_coreset(0x40, 30)
    with pytest.raises(ValueError, match="below"):
        Type0CORESET("13-4", 1, 48, 2, 16).first_rb(3)
