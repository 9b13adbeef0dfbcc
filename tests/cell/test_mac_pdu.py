"""MAC PDUs of TS 38.321 §6.1.2, §6.1.3.4, §6.1.5, §6.2.2, §6.2.3 against bytes worked out by
hand from the figures (MSB first, §6.1.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softran.cell import (
    LCID_CCCH_48,
    LCID_CONTENTION_RESOLUTION,
    LCID_DRB,
    MACSubPDU,
    RARGrant,
    RARSubPDU,
    build_mac_pdu,
    build_rar_pdu,
    parse_mac_pdu,
    parse_rar_pdu,
)

# One MAC RAR, RAPID 5, TA command 3, TC-RNTI 0x4601, UL grant (TS 38.213 Table 8.2-1):
# hopping 0, FDRA 462 (14 bits), TDRA 0, MCS 2, TPC 3, CSI request 0.
#   E/T/RAPID (Figure 6.2.2-2): 0 1 000101                               -> 0x45
#   MAC RAR (Figure 6.2.3-1), 56 bits:
#     R 0 | TA 000000000011 | hop 0 | FDRA 00000111001110 | TDRA 0000 | MCS 0010 | TPC 011
#     | CSI 0 | TC-RNTI 0100011000000001
#     octets: 00000000 00011000 00011100 11100000 00100110 01000110 00000001
RAR_ONE = bytes.fromhex("45" "00181ce0264601")


def test_rar_grant_bits_from_table_8_2_1() -> None:
    g = RARGrant(fdra=462, tdra=0, mcs=2, tpc=3, csi_request=0, hopping=0)
    assert g.to_int() == int("0" "00000111001110" "0000" "0010" "011" "0", 2)


def test_rar_pdu_bytes_worked_by_hand() -> None:
    grant = RARGrant(fdra=462, tdra=0, mcs=2, tpc=3).to_int()
    pdu = build_rar_pdu([RARSubPDU(rapid=5, timing_advance=3, ul_grant=grant,
                                   tc_rnti=0x4601)], 8)
    assert pdu == RAR_ONE
    (sub,) = parse_rar_pdu(pdu)
    assert (sub.rapid, sub.timing_advance, sub.tc_rnti) == (5, 3, 0x4601)
    assert RARGrant.from_int(sub.ul_grant) == RARGrant(fdra=462, tdra=0, mcs=2, tpc=3)


def test_rar_with_backoff_indicator_and_padding() -> None:
    # E/T/R/R/BI (Figure 6.2.2-1) first: E 1 (a subPDU follows) T 0 R R BI 0101 -> 0x85;
    # the RAPID subPDU is last (E = 0); two padding octets (zeros) fill the 11-byte block.
    grant = RARGrant(fdra=462, tdra=0, mcs=2, tpc=3).to_int()
    pdu = build_rar_pdu([RARSubPDU(rapid=5, timing_advance=3, ul_grant=grant, tc_rnti=0x4601),
                         RARSubPDU(backoff=5)], 11)
    assert pdu == bytes([0x85]) + RAR_ONE + bytes(2)
    subs = parse_rar_pdu(pdu)
    assert [s.backoff for s in subs] == [5, None] and subs[1].rapid == 5


def test_two_rars_set_the_e_bit_of_the_first() -> None:
    pdu = build_rar_pdu([RARSubPDU(rapid=1, tc_rnti=1), RARSubPDU(rapid=63, tc_rnti=2)], 16)
    assert pdu[0] == 0b1100_0001 and pdu[8] == 0b0111_1111
    assert [s.rapid for s in parse_rar_pdu(pdu)] == [1, 63]


def test_contention_resolution_ce_and_padding() -> None:
    # R/R/LCID 62 = 00111110 (0x3E) + the 48-bit UL CCCH SDU, then R/R/LCID 63 (0x3F) padding
    sdu = bytes.fromhex("102468acf128")
    pdu = build_mac_pdu([MACSubPDU(LCID_CONTENTION_RESOLUTION, sdu)], 10)
    assert pdu == bytes.fromhex("3e102468acf128" "3f0000")
    assert parse_mac_pdu(pdu) == [MACSubPDU(62, sdu)]


def test_msg3_ccch_48_is_lcid_52_without_l_field() -> None:
    sdu = bytes.fromhex("102468acf128")
    pdu = build_mac_pdu([MACSubPDU(LCID_CCCH_48, sdu)], 7, direction="UL")
    assert pdu == bytes.fromhex("34102468acf128")          # R/R/LCID 110100, no padding
    assert parse_mac_pdu(pdu, direction="UL") == [MACSubPDU(52, sdu)]


def test_long_sdu_uses_f_1_and_a_16_bit_l() -> None:
    payload = bytes(range(256)) + b"!" * 44                 # 300 bytes
    pdu = build_mac_pdu([MACSubPDU(LCID_DRB, payload)], 304)
    assert pdu[:3] == bytes([0x44, 0x01, 0x2C])             # R 0, F 1, LCID 4, L = 300
    assert pdu[303] == 0x3F                                # one octet left: padding subheader
    assert parse_mac_pdu(pdu) == [MACSubPDU(4, payload)]


@given(st.binary(min_size=0, max_size=600), st.integers(0, 40))
def test_sdu_round_trip(payload: bytes, spare: int) -> None:
    head = 3 if len(payload) >= 256 else 2
    pdu = build_mac_pdu([MACSubPDU(LCID_DRB, payload)], len(payload) + head + spare)
    assert parse_mac_pdu(pdu) == [MACSubPDU(LCID_DRB, payload)]


def test_bad_pdus_are_one_clear_error() -> None:
    with pytest.raises(ValueError, match="transport block holds size = 5"):
        build_mac_pdu([MACSubPDU(LCID_DRB, b"123456")], 5)
    with pytest.raises(ValueError, match="must carry 6 bytes"):
        build_mac_pdu([MACSubPDU(LCID_CONTENTION_RESOLUTION, b"12345")], 10)
    with pytest.raises(ValueError, match="runs past the end"):
        parse_mac_pdu(bytes([0x04, 0x09, 0x00]))
    with pytest.raises(ValueError, match="R bit"):
        parse_mac_pdu(bytes([0x84, 0x00]))
    with pytest.raises(ValueError, match="runs past the end"):
        parse_rar_pdu(RAR_ONE[:5])
