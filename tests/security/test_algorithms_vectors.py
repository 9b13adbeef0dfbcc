"""Every published test set of the NR ciphering and integrity algorithms this project found,
run through softran.security (the sets and their sources are listed in security_vectors.py).

Each test id names the document and set number, e.g. ``TS33.401-C.3-set6``.
"""

from __future__ import annotations

import pytest
from security_vectors import (
    EEA1,
    EEA2,
    EEA3,
    EIA1,
    EIA2,
    EIA3,
    SNOW3G_KEYSTREAM,
    UEA2_DOC3,
    UIA2_DOC3,
    UIA2_DOC4,
    ZUC_KEYSTREAM,
    h,
)

from softran.security import (
    eea3,
    eia3,
    nea,
    nea1,
    nea2,
    nea3,
    nia,
    nia1,
    nia2,
    nia3,
    snow3g_keystream,
    uea2_f8,
    uia2_f9,
    zuc_keystream,
)


def _ids(prefix: str, sets: dict) -> list:
    return [pytest.param(v, id=f"{prefix}-set{k}") for k, v in sets.items()]


@pytest.mark.parametrize("case", _ids("UEA2UIA2-Doc3-clause3", SNOW3G_KEYSTREAM))
def test_snow3g_keystream_words(case: tuple) -> None:
    key, iv, words = case
    z = snow3g_keystream(h(key), h(iv), max(words))
    assert {t: f"{int(z[t - 1]):08x}" for t in words} == words


@pytest.mark.parametrize("case", _ids("EEA3EIA3-Doc3-TS35.223-clause3", ZUC_KEYSTREAM))
def test_zuc_keystream_words(case: tuple) -> None:
    key, iv, words = case
    z = zuc_keystream(h(key), h(iv), max(words))
    assert {t: f"{int(z[t - 1]):08x}" for t in words} == words


def _cipher_check(fn, case: tuple) -> None:
    key, count, bearer, direction, length, plain, cipher = case
    n = (length + 7) // 8
    pt, ct = h(plain), h(cipher)[:n]
    assert fn(h(key), count, bearer, direction, pt, length) == ct
    # deciphering is the same operation; the bits after LENGTH come back cleared
    back = fn(h(key), count, bearer, direction, ct, length)
    want = bytearray(pt[:n])
    if length % 8:
        want[-1] &= 0xFF << (8 - length % 8) & 0xFF
    assert back == bytes(want)


@pytest.mark.parametrize("case", _ids("TS33.401-C.3", EEA1))
def test_nea1_eea1_sets(case: tuple) -> None:
    _cipher_check(nea1, case)


@pytest.mark.parametrize("case", _ids("UEA2UIA2-Doc3-TS35.217-clause4", UEA2_DOC3))
def test_uea2_f8_implementors_sets(case: tuple) -> None:
    _cipher_check(uea2_f8, case)


@pytest.mark.parametrize("case", _ids("TS33.401-C.1", EEA2))
def test_nea2_eea2_sets(case: tuple) -> None:
    _cipher_check(nea2, case)


@pytest.mark.parametrize("case", _ids("TS35.223-clause4", EEA3))
def test_nea3_eea3_sets(case: tuple) -> None:
    _cipher_check(nea3, case)
    _cipher_check(eea3, case)


def _mac_check(fn, case: tuple) -> None:
    key, count, third, direction, length, message, mac = case
    assert fn(h(key), count, third, direction, h(message), length).hex() == mac


@pytest.mark.parametrize("case", _ids("TS33.401-C.4", EIA1))
def test_nia1_eia1_sets(case: tuple) -> None:
    _mac_check(nia1, case)


@pytest.mark.parametrize("case", _ids("UEA2UIA2-Doc4-TS35.218-UIA2", UIA2_DOC4))
def test_uia2_f9_design_conformance_sets(case: tuple) -> None:
    _mac_check(uia2_f9, case)


@pytest.mark.parametrize("case", _ids("UEA2UIA2-Doc3-TS35.217-clause5", UIA2_DOC3))
def test_uia2_f9_implementors_sets(case: tuple) -> None:
    _mac_check(uia2_f9, case)


@pytest.mark.parametrize("case", _ids("TS33.401-C.2", EIA2))
def test_nia2_eia2_sets(case: tuple) -> None:
    _mac_check(nia2, case)


@pytest.mark.parametrize("case", _ids("TS35.223-clause5", EIA3))
def test_nia3_eia3_sets(case: tuple) -> None:
    _mac_check(nia3, case)
    _mac_check(eia3, case)


@pytest.mark.parametrize(("algorithm", "sets"), [(1, EEA1), (2, EEA2), (3, EEA3)])
def test_nea_batch_of_all_sets_equals_the_published_ciphertexts(algorithm: int,
                                                                  sets: dict) -> None:
    """All sets of a document in one batched call (per-message key, COUNT, BEARER,
    DIRECTION, LENGTH): the kernels' batching gives each message its own keystream."""
    cases = list(sets.values())
    out = nea(algorithm, [h(c[0]) for c in cases], [c[1] for c in cases],
              [c[2] for c in cases], [c[3] for c in cases], [h(c[5]) for c in cases],
              [c[4] for c in cases])
    assert out == [h(c[6])[:(c[4] + 7) // 8] for c in cases]


@pytest.mark.parametrize(("algorithm", "sets"), [(1, EIA1), (2, EIA2), (3, EIA3)])
def test_nia_batch_of_all_sets_equals_the_published_macs(algorithm: int, sets: dict) -> None:
    cases = list(sets.values())
    out = nia(algorithm, [h(c[0]) for c in cases], [c[1] for c in cases],
              [c[2] for c in cases], [c[3] for c in cases], [h(c[5]) for c in cases],
              [c[4] for c in cases])
    assert [m.hex() for m in out] == [c[6] for c in cases]
