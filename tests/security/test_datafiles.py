"""The S-boxes and constants under softran/security/data against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from softran.security.datafiles import named_values, read_rows, sbox, zuc_d


def _gf_mul(a: int, b: int, poly: int) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= poly
        b >>= 1
    return r


def _gf_pow(a: int, e: int, poly: int) -> int:
    r = 1
    while e:
        if e & 1:
            r = _gf_mul(r, a, poly)
        a = _gf_mul(a, a, poly)
        e >>= 1
    return r


def test_sr_is_the_rijndael_sbox() -> None:
    """SR (TS 35.216) = Rijndael's S-box: inverse in GF(2^8) mod x^8+x^4+x^3+x+1 (0 -> 0),
    then the affine map b + rot1(b) + rot2(b) + rot3(b) + rot4(b) + 0x63 (FIPS-197 5.1.1)."""
    want = []
    for x in range(256):
        b = _gf_pow(x, 254, 0x11B) if x else 0
        r = 0x63
        for i in range(5):
            r ^= ((b << i) | (b >> (8 - i))) & 0xFF
        want.append(r)
    assert sbox("snow3g_sr").tolist() == want


def test_sq_is_the_dickson_polynomial() -> None:
    """SQ(x) = g49(x) + 0x25, g49(x) = x + x^9 + x^13 + x^15 + x^33 + x^41 + x^45 + x^47 +
    x^49 over GF(2^8) mod x^8+x^6+x^5+x^3+1 (SNOW 3G Document 2 Annex 1)."""
    exps = (1, 9, 13, 15, 33, 41, 45, 47, 49)
    want = []
    for x in range(256):
        v = 0x25
        for e in exps:
            v ^= _gf_pow(x, e, 0x169)
        want.append(v)
    assert sbox("snow3g_sq").tolist() == want


@pytest.mark.parametrize("name", ["snow3g_sr", "snow3g_sq", "zuc_s0", "zuc_s1"])
def test_sboxes_are_permutations(name: str) -> None:
    s = sbox(name)
    assert s.dtype == np.uint8 and sorted(s.tolist()) == list(range(256))
    assert not s.flags.writeable


@pytest.mark.parametrize(("key", "iv", "printed"), [
    (bytes(16), bytes(16),
     "0044d700 0026bc00 00626b00 00135e00 00578900 0035e200 00713500 0009af00 "
     "004d7800 002f1300 006bc400 001af100 005e2600 003c4d00 00789a00 0047ac00"),
    (bytes.fromhex("3d4c4be96a82fdaeb58f641db17b455b"),
     bytes.fromhex("84319aa8de6915ca1f6bda6bfbd8c766"),
     "1ec4d784 2626bc31 25e26b9a 74935ea8 355789de 4135e269 7ef13515 5709afca "
     "5acd781f 47af136b 326bc4da 0e9af16b 58de26fb 3dbc4dd8 22f89ac7 2dc7ac66"),
])
def test_zuc_d_gives_the_printed_initial_lfsr(key: bytes, iv: bytes, printed: str) -> None:
    """TS 35.223 clauses 3.3 and 3.5 (test sets 1 and 3) print the LFSR at the beginning of
    initialisation, s_i = k_i || d_i || iv_i."""
    d = zuc_d()
    s = [(key[i] << 23) | (int(d[i]) << 8) | iv[i] for i in range(16)]
    assert [f"{v:08x}" for v in s] == printed.split()


def test_code_point_tables() -> None:
    """TS 33.501 Table A.8-1, Table A.9-1 and the FC values of A.8 - A.12."""
    assert named_values("algorithm_type_distinguishers.csv") == {
        "N-NAS-enc-alg": 1, "N-NAS-int-alg": 2, "N-RRC-enc-alg": 3, "N-RRC-int-alg": 4,
        "N-UP-enc-alg": 5, "N-UP-int-alg": 6}
    assert named_values("access_type_distinguishers.csv") == {"3GPP access": 1,
                                                              "Non 3GPP access": 2}
    assert named_values("kdf_fc_values.csv") == {
        "algorithm_key": 0x69, "k_gnb": 0x6E, "nh": 0x6F, "k_ng_ran_star_gnb": 0x70,
        "k_ng_ran_star_ng_enb": 0x71}


def test_bad_names() -> None:
    with pytest.raises(ValueError, match="is not an S-box"):
        sbox("aes")
    with pytest.raises(ValueError, match="not a security data file"):
        read_rows("missing.csv")
