"""Input checks, bit lengths, batching and properties of the NEA / NIA algorithms."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.security import aes_cmac_bits, nea, nia, pack_messages
from softran.security.inputs import as_keys, as_uint_array


@st.composite
def batches(draw: st.DrawFn, max_n: int = 6) -> tuple:
    n = draw(st.integers(1, max_n))
    msgs = [draw(st.binary(min_size=0, max_size=70)) for _ in range(n)]
    lengths = [draw(st.integers(0, 8 * len(m))) for m in msgs]
    keys = [draw(st.binary(min_size=16, max_size=16)) for _ in range(n)]
    counts = [draw(st.integers(0, 2**32 - 1)) for _ in range(n)]
    bearers = [draw(st.integers(0, 31)) for _ in range(n)]
    dirs = [draw(st.integers(0, 1)) for _ in range(n)]
    return keys, counts, bearers, dirs, msgs, lengths


def _masked(m: bytes, bits: int) -> bytes:
    out = bytearray(m[:(bits + 7) // 8])
    if bits % 8:
        out[-1] &= (0xFF << (8 - bits % 8)) & 0xFF
    return bytes(out)


@pytest.mark.parametrize("algorithm", [0, 1, 2, 3])
@settings(max_examples=25, deadline=None)
@given(case=batches())
def test_nea_batch_equals_one_by_one_and_inverts(algorithm: int, case: tuple) -> None:
    keys, counts, bearers, dirs, msgs, lengths = case
    batch = nea(algorithm, keys, counts, bearers, dirs, msgs, lengths)
    singles = [nea(algorithm, k, c, b, d, m, n)
               for k, c, b, d, m, n in zip(keys, counts, bearers, dirs, msgs, lengths)]
    assert batch == singles
    back = nea(algorithm, keys, counts, bearers, dirs, batch, lengths)
    assert back == [_masked(m, n) for m, n in zip(msgs, lengths)]


@pytest.mark.parametrize("algorithm", [1, 2, 3])
@settings(max_examples=20, deadline=None)
@given(case=batches(max_n=3), data=st.data())
def test_nia_depends_on_every_message_bit_and_no_other(algorithm: int, case: tuple,
                                                       data: st.DataObject) -> None:
    keys, counts, bearers, dirs, msgs, lengths = case
    k, c, b, d, m, n = keys[0], counts[0], bearers[0], dirs[0], msgs[0], lengths[0]
    mac = nia(algorithm, k, c, b, d, m, n)
    assert nia(algorithm, [k], [c], [b], [d], [m], [n]) == [mac]
    if n:
        i = data.draw(st.integers(0, n - 1))
        flipped = bytearray(m)
        flipped[i // 8] ^= 0x80 >> (i % 8)
        assert nia(algorithm, k, c, b, d, bytes(flipped), n) != mac
    if n < 8 * len(m):                                   # a bit after LENGTH: no effect
        i = data.draw(st.integers(n, 8 * len(m) - 1))
        flipped = bytearray(m)
        flipped[i // 8] ^= 0x80 >> (i % 8)
        assert nia(algorithm, k, c, b, d, bytes(flipped), n) == mac
    assert nia(algorithm, k, c ^ 1, b, d, m, n) != mac
    assert nia(algorithm, k, c, b, d ^ 1, m, n) != mac


@settings(max_examples=40, deadline=None)
@given(key=st.binary(min_size=16, max_size=16), msg=st.binary(min_size=0, max_size=80))
def test_cmac_bits_equals_openssl_cmac_on_whole_bytes(key: bytes, msg: bytes) -> None:
    c = CMAC(algorithms.AES(key))
    c.update(msg)
    assert aes_cmac_bits(key, msg, 8 * len(msg)) == c.finalize()


def test_cmac_subkey_example_of_sp800_38b() -> None:
    """NIST SP 800-38B Appendix D.1 (AES-128), Example 1 (Mlen = 0) and 2 (Mlen = 128)."""
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    assert aes_cmac_bits(key, b"", 0).hex() == "bb1d6929e95937287fa37d129b756746"
    assert aes_cmac_bits(key, bytes.fromhex("6bc1bee22e409f96e93d7e117393172a"), 128).hex() \
        == "070a16b46b4d4144f79bdd9dd04a287c"


def test_nea2_batch_with_shared_and_mixed_keys_equals_ctr() -> None:
    """The numpy counter-block path (batches) against OpenSSL CTR (single messages)."""
    rng = np.random.default_rng(7)
    msgs = [rng.integers(0, 256, int(n), dtype=np.uint8).tobytes()
            for n in rng.integers(0, 300, 9)]
    counts = rng.integers(0, 2**32, 9).tolist()
    for keys in ([bytes(range(16))] * 9, [bytes([i]) * 16 for i in (1, 2, 1, 3, 2, 1, 3, 3, 2)]):
        want = [nea(2, k, c, 5, 1, m) for k, c, m in zip(keys, counts, msgs)]
        assert nea(2, keys, counts, 5, 1, msgs) == want


def test_sub_byte_lengths_and_tail_bits() -> None:
    b = pack_messages(b"\xff\xff\xff", 17)
    assert b.buf.tolist() == [255, 255, 128] and b.bits.tolist() == [17]
    out = nea(3, bytes(16), 0, 0, 0, b"\xff" * 4, 1)
    assert len(out) == 1 and out[0] & 0x7F == 0
    assert nea(1, bytes(16), 0, 0, 0, b"", 0) == b""
    assert nea(2, bytes(16), 0, 0, 0, [b"", b"a"], [0, 8])[0] == b""


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"key": bytes(15)}, ValueError, "key has 15 bytes"),
    ({"key": "00" * 16}, TypeError, "key must be bytes"),
    ({"count": 2**32}, ValueError, "count = 4294967296 is out of range"),
    ({"count": -1}, ValueError, "count = -1"),
    ({"bearer": 32}, ValueError, "bearer = 32 is out of range; allowed: 0..31"),
    ({"direction": 2}, ValueError, "direction = 2"),
    ({"length": 33}, ValueError, "length = 33 bits is more than the 32 bits"),
    ({"length": 1.5}, TypeError, "length must be an integer"),
    ({"data": "text"}, TypeError, "data must be bytes or a list of bytes"),
    ({"algorithm": 4}, ValueError, "algorithm"),
    ({"algorithm": "NEA9"}, ValueError, "algorithm"),
])
def test_bad_inputs_name_the_parameter(kwargs: dict, error: type, match: str) -> None:
    args = {"algorithm": 2, "key": bytes(16), "count": 0, "bearer": 0, "direction": 0,
            "data": bytes(4), "length": None}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        nea(**args)
    if "algorithm" not in kwargs:
        with pytest.raises(error, match=match):
            nia(**args)


def test_batch_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"count has shape \(3,\); give one integer or one "
                                         r"per message \(2\)"):
        nea(1, bytes(16), [1, 2, 3], 0, 0, [b"a", b"b"])
    with pytest.raises(ValueError, match=r"count\[1\] = -5 is out of range"):
        as_uint_array("count", [1, -5], 2, 32)
    with pytest.raises(ValueError, match=r"key\[1\] must be 16 bytes"):
        as_keys([bytes(16), bytes(3)], 2)
    with pytest.raises(ValueError, match=r"length\[1\] = 9 bits"):
        nea(3, bytes(16), 0, 0, 0, [b"a", b"b"], [8, 9])
    with pytest.raises(TypeError, match=r"data\[1\] must be bytes"):
        nea(3, bytes(16), 0, 0, 0, [b"a", 3])


def test_named_algorithms_and_random_round_trip() -> None:
    key, msg = os.urandom(16), os.urandom(1500)
    for name, ident in (("NEA1", 1), ("NEA2", 2), ("NEA3", 3)):
        assert nea(name, key, 9, 4, 1, msg) == nea(ident, key, 9, 4, 1, msg) != msg
    assert nia("NIA2", key, 9, 4, 1, msg) == nia(2, key, 9, 4, 1, msg)


def test_single_message_fast_path_equals_the_batch_path() -> None:
    """NEA2 / NIA2 take a pure-Python path for one message with plain-int inputs; numpy
    integers go through the batch path; both give the same bytes."""
    key, msg = bytes(range(16)), bytes(range(50))
    for a in (2,):
        for length in (400, 397, 0):
            fast = nea(a, key, 5, 3, 1, msg, length)
            slow = nea(a, key, np.int64(5), 3, 1, msg, np.int64(length))
            assert isinstance(slow, bytes) and fast == slow
            assert nia(a, key, 5, 3, 1, msg, length) == nia(a, key, np.int64(5), 3, 1, msg,
                                                          np.int64(length))


def test_raw_keystreams_batch_and_pairing_errors() -> None:
    from softran.security import snow3g_keystream, zuc_keystream

    keys, ivs = [bytes(16), b"\xff" * 16], [bytes(16), b"\xff" * 16]
    for fn in (snow3g_keystream, zuc_keystream):
        rows = fn(keys, ivs, 3)
        assert rows.shape == (2, 3) and rows.dtype == np.uint32
        assert rows[1].tolist() == fn(keys[1], ivs[1], 3).tolist()
        with pytest.raises(ValueError, match="give one key and one IV"):
            fn(keys, ivs[:1], 3)
