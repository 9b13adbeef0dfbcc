"""DCI / UCI bit payloads in SCF 222 byte fields: MSB of byte 0 first, ceil(n/8) bytes."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.fapi import DlDci, pack_payload, unpack_payload


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 1), max_size=200))
def test_round_trip(bits: list[int]) -> None:
    data = pack_payload(bits)
    assert len(data) == (len(bits) + 7) // 8
    assert unpack_payload(data, len(bits)).tolist() == bits
    dci = DlDci(rnti=1, payload_size_bits=len(bits), payload=data)  # fits the DCI field
    assert dci.payload == data


def test_known_bytes() -> None:
    # a 12-bit payload 1000 0000 0011 -> 0x80, 0x30 (4 zero bits fill the last byte)
    assert pack_payload(torch.tensor([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])) == b"\x80\x30"
    assert pack_payload([]) == b""


def test_refusals() -> None:
    with pytest.raises(ValueError, match="only 0 and 1"):
        pack_payload([0, 2])
    with pytest.raises(ValueError, match="3 bits take 1"):
        unpack_payload(b"\x00\x00", 3)
