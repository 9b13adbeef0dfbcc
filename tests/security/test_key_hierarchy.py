"""TS 33.220 Annex B KDF and the TS 33.501 Annex A key hierarchy.

TS 33.501 has no test data for Annex A; the input strings S are worked out here from the
annex's text (FC, P_i, L_i), and the results are compared with an independent implementation
(srsRAN Project ``tests/unittests/security/security_test.cpp``: K_gNB -> K_RRCenc / K_RRCint /
K_UPenc / K_UPint for NEA2 / NIA0, and its K_NG-RAN* case).
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from softran.security import (
    algorithm_key,
    derive_as_keys,
    derive_k_gnb,
    derive_k_gnb_star,
    derive_nh,
    kdf,
    kdf_input,
    truncate_key,
)

K_GNB = bytes.fromhex("45cbc3f8a81193fd5c5229300d59edf812e998a115ec4e0ce903ba89367e2628")


def _hmac(key: bytes, s: str) -> bytes:
    return hmac.new(key, bytes.fromhex(s), hashlib.sha256).digest()


def test_kdf_is_hmac_sha256_of_the_annex_b_string() -> None:
    assert kdf_input(0x69, b"\x03", b"\x02") == bytes.fromhex("69" "03" "0001" "02" "0001")
    assert kdf(K_GNB, 0x6F, bytes(32)) == _hmac(K_GNB, "6f" + "00" * 32 + "0020")
    assert truncate_key(bytes(range(32)), 256) == bytes(range(32))


def test_a8_as_keys_strings() -> None:
    """A.8: S = 0x69 || distinguisher || 0x0001 || algorithm identity || 0x0001; 128 LSBs."""
    keys = derive_as_keys(K_GNB, 2, 1)
    assert keys.k_rrc_enc == _hmac(K_GNB, "69" "03" "0001" "02" "0001")[16:]
    assert keys.k_rrc_int == _hmac(K_GNB, "69" "04" "0001" "01" "0001")[16:]
    assert keys.k_up_enc == _hmac(K_GNB, "69" "05" "0001" "02" "0001")[16:]
    assert keys.k_up_int == _hmac(K_GNB, "69" "06" "0001" "01" "0001")[16:]
    assert algorithm_key(K_GNB, "N-NAS-enc-alg", 3) == _hmac(K_GNB, "690100010300 01".replace(
        " ", ""))[16:]


def test_a8_as_keys_against_srsran() -> None:
    keys = derive_as_keys(K_GNB, 2, 0)
    assert keys.k_rrc_enc.hex() == "66a09e992386c8d1df7892964c6fb522"
    assert keys.k_rrc_int.hex() == "5c2cc2fda0f318a1e0ce35b9db5e80a5"
    assert keys.k_up_enc.hex() == "152052d3dfbc3f05869b7f920095be68"
    assert keys.k_up_int.hex() == "d0deb4584095599e5806eae4f67656d8"


def test_a9_a10_strings() -> None:
    k_amf = bytes(range(32))
    assert derive_k_gnb(k_amf, 0x01020304) == _hmac(k_amf, "6e" "01020304" "0004" "01" "0001")
    assert derive_k_gnb(k_amf, 5, "Non 3GPP access") == _hmac(k_amf,
                                                              "6e" "00000005" "0004" "02" "0001")
    assert derive_nh(k_amf, K_GNB) == _hmac(k_amf, "6f" + K_GNB.hex() + "0020")


def test_a11_a12_strings() -> None:
    """A.11: FC 0x70, PCI in 2 octets, ARFCN-DL in 3 octets; A.12: FC 0x71, EARFCN-DL."""
    k = bytes.fromhex("c4c7bc798ab94e3d354cd6608e79aa92f5569df46519507850051e36f018ca5f")
    assert derive_k_gnb_star(k, 32, 561) == _hmac(k, "70" "0020" "0002" "000231" "0003")
    assert derive_k_gnb_star(k, 1007, 3279165) == _hmac(k, "70" "03ef" "0002" "32093d" "0003")
    assert derive_k_gnb_star(k, 503, 262143, "ng-eNB") == _hmac(k, "71" "01f7" "0002"
                                                                   "03ffff" "0003")


def test_a11_srsran_case_uses_a_two_octet_arfcn() -> None:
    """srsRAN's K_NG-RAN* case (PCI 32, ARFCN-DL 561) reproduces with ARFCN-DL in two octets
    (L1 = 0x0002, the EARFCN length of TS 33.401's original A.5), not the three octets of
    TS 33.501 A.11, so it is not a vector for A.11: the two results differ."""
    k = bytes.fromhex("c4c7bc798ab94e3d354cd6608e79aa92f5569df46519507850051e36f018ca5f")
    srsran = "82fe5b109099321225a953633c4fec579051652b77f472b33840127bdfa7a655"
    assert kdf(k, 0x70, (32).to_bytes(2, "big"), (561).to_bytes(2, "big")).hex() == srsran
    assert derive_k_gnb_star(k, 32, 561).hex() != srsran


@pytest.mark.parametrize(("call", "match"), [
    (lambda: derive_as_keys(bytes(16), 2, 2), "key has 16 octets; it is a 256-bit key"),
    (lambda: derive_as_keys(bytes(32), 16, 2), "nea = 16 is out of range"),
    (lambda: algorithm_key(bytes(32), "N-XX", 1), "distinguisher"),
    (lambda: derive_k_gnb(bytes(32), 2**32), "uplink_nas_count"),
    (lambda: derive_k_gnb(bytes(32), 1, "wifi"), "access_type"),
    (lambda: derive_k_gnb_star(bytes(32), 1008, 1), "pci = 1008 is out of range"),
    (lambda: derive_k_gnb_star(bytes(32), 1, 3279166), "arfcn_dl = 3279166"),
    (lambda: derive_k_gnb_star(bytes(32), 504, 1, "ng-eNB"), "pci = 504"),
    (lambda: derive_k_gnb_star(bytes(32), 1, 1, "eNB"), "target"),
    (lambda: kdf_input(256), "fc = 256"),
    (lambda: truncate_key(bytes(32), 100), "n_bits = 100 is not a whole number of octets"),
])
def test_bad_inputs(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
