"""RNTIs of the random access, TS 38.321 §5.1.3 (RA-RNTI) and §7.1 (Table 7.1-1 ranges)."""

from __future__ import annotations

from softran.validation import check_int

__all__ = ["SI_RNTI", "ra_rnti"]

#: SI-RNTI, TS 38.321 Table 7.1-1.
SI_RNTI = 0xFFFF


def ra_rnti(s_id: int, t_id: int, f_id: int = 0, ul_carrier_id: int = 0) -> int:
    """RA-RNTI of a PRACH occasion, TS 38.321 §5.1.3:
    ``1 + s_id + 14 t_id + 14 x 80 f_id + 14 x 80 x 8 ul_carrier_id``, with ``s_id`` the first
    OFDM symbol of the occasion (0..13), ``t_id`` its first slot in the system frame (0..79),
    ``f_id`` its frequency index (0..7) and ``ul_carrier_id`` 0 (NUL) or 1 (SUL).

    >>> ra_rnti(0, 0), ra_rnti(0, 3), ra_rnti(13, 79, 7, 1)
    (1, 43, 17920)
    """
    s_id = check_int("s_id", s_id, 0, 13)
    t_id = check_int("t_id", t_id, 0, 79)
    f_id = check_int("f_id", f_id, 0, 7)
    ul = check_int("ul_carrier_id", ul_carrier_id, 0, 1)
    return 1 + s_id + 14 * t_id + 14 * 80 * f_id + 14 * 80 * 8 * ul
