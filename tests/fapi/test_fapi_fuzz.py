"""Truncated, extended, mutated and random buffers into the SCF 222 decoder: only
FAPIDecodeError (a ValueError naming the field) ever escapes, never IndexError / struct.error
/ KeyError."""

from __future__ import annotations

import pytest
from fapi_strategies import structs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softran.fapi import (
    MESSAGE_CLASSES,
    CrcIndication,
    CrcPdu,
    FAPIDecodeError,
    decode,
    decode_all,
    encode,
)

ANY_MESSAGE = st.one_of([structs(c) for c in MESSAGE_CLASSES.values()])
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _decodes_or_refuses(data: bytes) -> None:
    try:
        decode_all(data)
    except FAPIDecodeError as err:
        assert err.reason and "\n" not in err.reason


def test_every_truncation_of_a_message_is_refused() -> None:
    data = encode(CrcIndication(sfn=1, slot=2, crcs=(CrcPdu(rnti=5, tb_crc_status=0,
                                                            num_cb=3, cb_crc_status=b"\x07"),)))
    for n in range(len(data)):
        with pytest.raises(FAPIDecodeError):
            decode(data[:n])
    with pytest.raises(FAPIDecodeError, match="1 bytes after the last"):
        decode(data + b"\x00")


def test_short_buffers_name_the_field() -> None:
    with pytest.raises(FAPIDecodeError, match="number of messages"):
        decode(b"")
    with pytest.raises(FAPIDecodeError, match="message length"):
        decode(bytes([1, 0, 0x82, 0, 4, 0]))
    with pytest.raises(FAPIDecodeError, match=r"SlotIndication\.slot"):
        decode(bytes([1, 0, 0x82, 0, 3, 0, 0, 0, 1, 0, 2]))
    with pytest.raises(FAPIDecodeError, match="message length = 9 exceeds"):
        decode(bytes([1, 0, 0x82, 0, 9, 0, 0, 0, 1, 0, 2, 0]))
    with pytest.raises(FAPIDecodeError, match="leaves 1 bytes after the body"):
        decode(bytes([1, 0, 0x82, 0, 5, 0, 0, 0, 1, 0, 2, 0, 0]))


@FUZZ
@given(ANY_MESSAGE, st.data())
def test_truncated_and_extended_buffers(msg: object, data: st.DataObject) -> None:
    buf = encode(msg)
    cut = data.draw(st.integers(0, len(buf) - 1))
    with pytest.raises(FAPIDecodeError):
        decode_all(buf[:cut])
    extra = data.draw(st.binary(min_size=1, max_size=8))
    with pytest.raises(FAPIDecodeError):
        decode_all(buf + extra)


@FUZZ
@given(ANY_MESSAGE, st.data())
def test_mutated_buffers(msg: object, data: st.DataObject) -> None:
    buf = bytearray(encode(msg))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    _decodes_or_refuses(bytes(buf))


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(sorted(MESSAGE_CLASSES)))
def test_random_bodies(body: bytes, type_id: int) -> None:
    header = bytes([1, 0]) + type_id.to_bytes(2, "little") + len(body).to_bytes(4, "little")
    _decodes_or_refuses(header + body)


@FUZZ
@given(st.binary(max_size=64))
def test_random_buffers(data: bytes) -> None:
    _decodes_or_refuses(data)
