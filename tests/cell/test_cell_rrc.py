"""SIB1 and RRCSetupRequest in TS 38.331 UPER (pycrate's NR RRC codec)."""

from __future__ import annotations

import pytest

from softran.cell.rrc import (
    SIB1Info,
    decode_rrc_setup_request,
    decode_sib1,
    encode_rrc_setup_request,
    encode_sib1,
)


def test_rrc_setup_request_bits_worked_by_hand() -> None:
    # UL-CCCH-Message: c1 (0), rrcSetupRequest of 4 alternatives (00), InitialUE-Identity
    # randomValue (1) + 39 bits, EstablishmentCause mo-Data = 4 of 16 (0100), spare (0): 48 bits
    bits = "000" "1" + format(0x123456789, "039b") + "0100" "0"
    assert encode_rrc_setup_request(0x123456789) == int(bits, 2).to_bytes(6, "big")
    assert decode_rrc_setup_request(encode_rrc_setup_request(5, "mo-Signalling")) == \
        ("randomValue", 5, "mo-Signalling")
    # ng-5G-S-TMSI-Part1 is the first alternative of InitialUE-Identity: its bit is 0
    tmsi = encode_rrc_setup_request(0x123456789, identity="ng-5G-S-TMSI-Part1")
    bits = "000" "0" + format(0x123456789, "039b") + "0100" "0"
    assert tmsi == int(bits, 2).to_bytes(6, "big")
    assert decode_rrc_setup_request(tmsi) == ("ng-5G-S-TMSI-Part1", 0x123456789, "mo-Data")


def test_sib1_round_trip_and_trailing_padding() -> None:
    info = SIB1Info(mcc=(2, 6, 2), mnc=(0, 1), tracking_area_code=0xABCDE,
                    cell_identity=2 ** 36 - 1, q_rx_lev_min=-50)
    data = encode_sib1(info)
    assert decode_sib1(data) == info
    assert decode_sib1(data + bytes(20)) == info           # the transport block's zero fill


def test_not_a_sib1() -> None:
    with pytest.raises(ValueError, match="BCCH-DL-SCH-Message"):
        decode_sib1(b"\xff\xff")
    with pytest.raises(ValueError, match="cause"):
        encode_rrc_setup_request(1, "no-such-cause")


def test_rrc_setup_round_trip_and_layout():
    from softran.cell.rrc import decode_rrc_setup, encode_rrc_setup

    for tid in range(4):
        assert decode_rrc_setup(encode_rrc_setup(tid)) == (tid, 0)
    # UPER by hand (TS 38.331 ASN.1): message CHOICE {c1, messageClassExtension} -> '0';
    # c1 CHOICE {rrcReject, rrcSetup, spare2, spare1} -> '01'; rrc-TransactionIdentifier
    # (0..3) -> 2 bits; criticalExtensions CHOICE {rrcSetup, future} -> '0'
    for tid in range(4):
        assert encode_rrc_setup(tid)[0] >> 2 == (0b001 << 3 | tid << 1 | 0)
    import pytest
    with pytest.raises(ValueError, match="DL-CCCH"):
        decode_rrc_setup(b"\xff\xff")


def test_msg4_carries_the_rrc_setup():
    from softran.cell.mac import MAC, UEContext
    from softran.cell.mac_pdu import LCID_CCCH, LCID_CONTENTION_RESOLUTION, parse_mac_pdu
    from softran.cell.plan import cell_plan
    from softran.cell.rrc import decode_rrc_setup, encode_rrc_setup_request
    from softran.fapi import TxDataRequest

    mac = MAC(cell_plan(20))
    sdu = encode_rrc_setup_request(0x1234)
    ue = UEContext(rnti=0x4601, index=0, state="msg4", ccch_sdu=sdu)
    mac.ues[ue.rnti] = ue
    mac._msg4_queue.append(ue.rnti)
    tx = next(m for m in mac.slot(2) if isinstance(m, TxDataRequest))
    subs = parse_mac_pdu(tx.pdus[0].payload, direction="DL")
    assert [s.lcid for s in subs] == [LCID_CONTENTION_RESOLUTION, LCID_CCCH]
    assert subs[0].payload == sdu[:6] and decode_rrc_setup(subs[1].payload) == (0, 0)
