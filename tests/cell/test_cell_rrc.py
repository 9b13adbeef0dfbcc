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
