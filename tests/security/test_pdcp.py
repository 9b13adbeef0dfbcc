"""PDCP-like protect / unprotect (TS 38.323 clauses 5.2, 5.8, 5.9, 6.2.2)."""

from __future__ import annotations

import numpy as np
import pytest

from softran.security import (
    PDCPSecurityConfig,
    derive_as_keys,
    nea,
    nia,
    protect,
    received_count,
    unprotect,
)

KEYS = derive_as_keys(bytes(range(32)), 2, 2)


def _cfg(rb_type: str = "DRB", sn_bits: int = 18, nea_: int = 2, nia_: int = 2,
         integrity: bool = True, rb_id: int = 1) -> PDCPSecurityConfig:
    enc = KEYS.k_rrc_enc if rb_type == "SRB" else KEYS.k_up_enc
    itg = KEYS.k_rrc_int if rb_type == "SRB" else KEYS.k_up_int
    return PDCPSecurityConfig(rb_type, rb_id, 1, sn_bits, nea_, enc, nia_, itg, integrity)


@pytest.mark.parametrize("algs", [(0, 0), (1, 1), (2, 2), (3, 3), (2, 1), (0, 3)])
@pytest.mark.parametrize(("rb_type", "sn_bits"), [("SRB", 12), ("DRB", 12), ("DRB", 18)])
def test_round_trip_with_counts(algs: tuple[int, int], rb_type: str, sn_bits: int) -> None:
    cfg = _cfg(rb_type, sn_bits, *algs)
    rng = np.random.default_rng(sn_bits + 10 * algs[0] + algs[1])
    sdus = [rng.integers(0, 256, int(n), dtype=np.uint8).tobytes()
            for n in rng.integers(0, 200, 12)]
    tx_next = (5 << sn_bits) - 6                       # crosses an HFN boundary
    pdus, counts = protect(cfg, sdus, tx_next)
    assert counts.tolist() == list(range(tx_next, tx_next + 12))
    r = unprotect(cfg, pdus, tx_next)
    assert r.sdus == sdus and r.integrity_ok.all() and r.n_failed == 0
    assert r.counts.tolist() == counts.tolist()


def test_pdu_layout_is_header_then_ciphered_data_and_mac() -> None:
    """The header carries SN = COUNT mod 2^SN-size in the clear (D/C = 1 for a DRB); MAC-I is
    NIA over header + data with BEARER = rb_id - 1 and COUNT; data + MAC-I are ciphered."""
    cfg = _cfg("DRB", 18, rb_id=5)
    count = (3 << 18) | 0x2ABCD
    (pdu,), _ = protect(cfg, [b"payload"], count)
    assert pdu[:3] == bytes([0x80 | 0x02, 0xAB, 0xCD])
    mac = nia(2, KEYS.k_up_int, count, 4, 1, pdu[:3] + b"payload")
    assert pdu[3:] == nea(2, KEYS.k_up_enc, count, 4, 1, b"payload" + mac)
    cfg12 = _cfg("SRB", 12)
    (pdu,), _ = protect(cfg12, [b"x"], 0x12345)
    assert pdu[:2] == b"\x03\x45"                        # R R R R | SN 0x345
    (pdu,), _ = protect(_cfg("DRB", 12, integrity=False), [b"xy"], 0x7FF)
    assert pdu[:2] == b"\x87\xff" and len(pdu) == 4      # no MAC-I


def test_integrity_failures_reported_per_pdu_and_the_rest_go_on() -> None:
    cfg = _cfg("SRB", 12, 3, 3)
    sdus = [bytes([i]) * (i + 3) for i in range(6)]
    pdus, _ = protect(cfg, sdus, 100)
    bad = list(pdus)
    bad[1] = bad[1][:-1] + bytes([bad[1][-1] ^ 0x01])           # flipped MAC-I bit
    bad[3] = bad[3][:2] + bytes([bad[3][2] ^ 0x80]) + bad[3][3:]  # flipped data bit
    bad[4] = bad[4][:3]                                          # too short for MAC-I
    r = unprotect(cfg, bad, 100)
    assert r.reasons == ["ok", "integrity-failure", "ok", "integrity-failure", "too-short",
                         "ok"]
    assert r.integrity_ok.tolist() == [True, False, True, False, False, True]
    assert [r.sdus[i] for i in (0, 2, 5)] == [sdus[0], sdus[2], sdus[5]]
    assert r.sdus[1] is r.sdus[3] is r.sdus[4] is None and r.n_failed == 3


def test_wrong_key_or_count_fails_integrity() -> None:
    cfg = _cfg("DRB", 18, 1, 1)
    pdus, _ = protect(cfg, [b"abc"], 7)
    other = PDCPSecurityConfig("DRB", 1, 1, 18, 1, KEYS.k_up_enc, 1, bytes(16))
    assert unprotect(other, pdus, 7).reasons == ["integrity-failure"]
    # a receiver whose RX_DELIV puts the SN in the next HFN derives another COUNT
    assert unprotect(cfg, pdus, 7 + (1 << 18) + 10).reasons == ["integrity-failure"]
    assert unprotect(cfg, [b"\x00\x00\x00abcdefg"], 0).reasons == ["not-a-data-pdu"]


@pytest.mark.parametrize("sn_bits", [12, 18])
def test_received_count_clause_5_2_2_1(sn_bits: int) -> None:
    """RCVD_HFN from RX_DELIV with Window_Size = 2^(SN size - 1), checked against the three
    cases of the clause for every SN."""
    w = 1 << (sn_bits - 1)
    m = 1 << sn_bits
    for rx_deliv in (3 * m + 5, 3 * m + w + 7, 3 * m + m - 1):
        sn = np.arange(m)
        hfn, sd = rx_deliv // m, rx_deliv % m
        want = np.where(sn < sd - w, hfn + 1, np.where(sn >= sd + w, hfn - 1, hfn)) * m + sn
        assert received_count(sn, rx_deliv, sn_bits).tolist() == want.tolist()
        # every COUNT within half a window of RX_DELIV is recovered from its SN alone
        c = np.arange(rx_deliv - w, rx_deliv + w)
        assert received_count(c % m, rx_deliv, sn_bits).tolist() == c.tolist()
    assert received_count(np.array([m - 1]), 0, sn_bits).tolist() == [-1]   # HFN -1


def test_bad_configuration_and_inputs() -> None:
    with pytest.raises(ValueError, match="sn_bits = 18 is not allowed"):
        PDCPSecurityConfig("SRB", 1, 1, 18, 2, bytes(16))
    with pytest.raises(ValueError, match="integrity = False is only allowed for a DRB"):
        PDCPSecurityConfig("SRB", 1, 1, 12, 2, bytes(16), integrity=False)
    with pytest.raises(ValueError, match="rb_id = 4 is out of range"):
        PDCPSecurityConfig("SRB", 4, 1, 12, 2, bytes(16))
    with pytest.raises(ValueError, match="ciphering_key has 8 bytes"):
        PDCPSecurityConfig("DRB", 1, 1, 12, 2, bytes(8))
    with pytest.raises(ValueError, match="requires a new key before COUNT wraps"):
        protect(_cfg(), [b"a", b"b"], 2**32 - 1)
    with pytest.raises(TypeError, match="sdus must be a list"):
        protect(_cfg(), b"a", 0)
    assert protect(_cfg(), [], 5)[0] == []
