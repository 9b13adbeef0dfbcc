"""The 5G key hierarchy at the gNB (TS 33.501 clause 6.2 and Annex A), on the KDF of TS 33.220
Annex B (:mod:`softran.security.kdf`).

* :func:`derive_k_gnb` (A.9): ``K_gNB`` from ``K_AMF`` and the uplink NAS COUNT (done in the
  AMF and the UE; here so that a test can start from ``K_AMF``).
* :func:`derive_nh` (A.10): the next-hop parameter chain, ``NH = KDF(K_AMF, SYNC-input)``.
* :func:`algorithm_key` (A.8): ``KDF(K_gNB, 0x69 || type distinguisher || 0x0001 || algorithm
  identity || 0x0001)``, 128 least significant bits; :func:`derive_as_keys` gives
  ``K_RRCenc``, ``K_RRCint``, ``K_UPenc``, ``K_UPint`` for the chosen algorithms.
* :func:`derive_k_gnb_star` (A.11 / A.12): ``K_NG-RAN*`` for handover and RRC_INACTIVE
  resume, from the current ``K_gNB`` (horizontal) or a fresh ``NH`` (vertical), with the target
  PCI (2 octets) and its downlink ARFCN-DL / EARFCN-DL (3 octets).

Code points (FC values, Table A.8-1, Table A.9-1) are read from ``data/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from softran.security.datafiles import named_values
from softran.security.kdf import kdf, truncate_key
from softran.validation import check_bytes, check_choice, check_int

__all__ = ["AsKeys", "algorithm_key", "derive_as_keys", "derive_k_gnb", "derive_k_gnb_star",
           "derive_nh"]


def _fc(name: str) -> int:
    return named_values("kdf_fc_values.csv")[name]


def _key256(name: str, key: bytes) -> bytes:
    key = check_bytes(name, key)
    if len(key) != 32:
        raise ValueError(f"{name} has {len(key)} octets; it is a 256-bit key (32 octets)")
    return key


def derive_k_gnb(k_amf: bytes, uplink_nas_count: int, access_type: str = "3GPP access"
                 ) -> bytes:
    """``K_gNB`` (TS 33.501 A.9): ``KDF(K_AMF, 0x6E || uplink NAS COUNT || 0x0004 || access
    type distinguisher || 0x0001)``, 256 bits.

    >>> len(derive_k_gnb(bytes(32), 0))
    32
    """
    k_amf = _key256("k_amf", k_amf)
    count = check_int("uplink_nas_count", uplink_nas_count, 0, 0xFFFFFFFF)
    types = named_values("access_type_distinguishers.csv")
    access = types[check_choice("access_type", access_type, tuple(types))]
    return kdf(k_amf, _fc("k_gnb"), count.to_bytes(4, "big"), bytes([access]))


def derive_nh(k_amf: bytes, sync_input: bytes) -> bytes:
    """``NH`` (TS 33.501 A.10): ``KDF(K_AMF, 0x6F || SYNC-input || 0x0020)``; SYNC-input is the
    fresh ``K_gNB`` for the first NH, the previous NH after that.

    >>> nh1 = derive_nh(bytes(32), bytes(32)); derive_nh(bytes(32), nh1) != nh1
    True
    """
    return kdf(_key256("k_amf", k_amf), _fc("nh"), _key256("sync_input", sync_input))


def algorithm_key(key: bytes, distinguisher: str, algorithm: int) -> bytes:
    """A 128-bit algorithm key (TS 33.501 A.8): ``KDF(key, 0x69 || P0 || 0x0001 || P1 ||
    0x0001)`` with ``P0`` the algorithm type distinguisher (Table A.8-1, e.g.
    ``"N-RRC-enc-alg"``) and ``P1`` the 4-bit algorithm identity in one octet; the 128 least
    significant bits of the output.

    >>> algorithm_key(bytes(32), "N-UP-enc-alg", 2).hex() == \\
    ...     derive_as_keys(bytes(32), 2, 0).k_up_enc.hex()
    True
    """
    key = _key256("key", key)
    kinds = named_values("algorithm_type_distinguishers.csv")
    p0 = kinds[check_choice("distinguisher", distinguisher, tuple(kinds))]
    p1 = check_int("algorithm", algorithm, 0, 15)
    return truncate_key(kdf(key, _fc("algorithm_key"), bytes([p0]), bytes([p1])), 128)


@dataclass(frozen=True)
class AsKeys:
    """The access-stratum keys derived from ``K_gNB`` (TS 33.501 clause 6.2.2, A.8), 128 bits
    each, for ciphering algorithm ``nea`` and integrity algorithm ``nia``."""

    k_rrc_enc: bytes
    k_rrc_int: bytes
    k_up_enc: bytes
    k_up_int: bytes
    nea: int
    nia: int


def derive_as_keys(k_gnb: bytes, nea: int, nia: int) -> AsKeys:
    """``K_RRCenc``, ``K_RRCint``, ``K_UPenc``, ``K_UPint`` from ``K_gNB`` (TS 33.501 A.8)
    for 128-NEA``nea`` and 128-NIA``nia`` (identities 0..3).

    >>> keys = derive_as_keys(bytes(32), 2, 2)
    >>> len(keys.k_rrc_enc), keys.k_rrc_enc != keys.k_up_enc
    (16, True)
    """
    nea = check_int("nea", nea, 0, 15)
    nia = check_int("nia", nia, 0, 15)
    return AsKeys(algorithm_key(k_gnb, "N-RRC-enc-alg", nea),
                  algorithm_key(k_gnb, "N-RRC-int-alg", nia),
                  algorithm_key(k_gnb, "N-UP-enc-alg", nea),
                  algorithm_key(k_gnb, "N-UP-int-alg", nia), nea, nia)


def derive_k_gnb_star(key: bytes, pci: int, arfcn_dl: int, target: str = "gNB") -> bytes:
    """``K_NG-RAN*`` (TS 33.501 A.11 for a target gNB: FC 0x70, ``P1 = ARFCN-DL``; A.12 for a
    target ng-eNB: FC 0x71, ``P1 = EARFCN-DL``) from ``key`` = the current ``K_gNB``
    (horizontal derivation) or a fresh ``NH`` (vertical), the target physical cell ID
    (``L0 = 0x0002``) and its downlink frequency (``L1 = 0x0003``). 256 bits.

    >>> a = derive_k_gnb_star(bytes(32), 32, 561)
    >>> a != derive_k_gnb_star(bytes(32), 32, 561, target="ng-eNB"), len(a)
    (True, 32)
    """
    key = _key256("key", key)
    target = check_choice("target", target, ("gNB", "ng-eNB"))
    if target == "gNB":
        pci = check_int("pci", pci, 0, 1007)                 # TS 38.211 clause 7.4.2.1
        arfcn = check_int("arfcn_dl", arfcn_dl, 0, 3279165)   # NR-ARFCN, TS 38.104 5.4.2.1
        fc = _fc("k_ng_ran_star_gnb")
    else:
        pci = check_int("pci", pci, 0, 503)                  # E-UTRA PCI, TS 36.211 6.11
        arfcn = check_int("arfcn_dl", arfcn_dl, 0, 262143)    # EARFCN, TS 36.101 5.7.3
        fc = _fc("k_ng_ran_star_ng_enb")
    return kdf(key, fc, pci.to_bytes(2, "big"), arfcn.to_bytes(3, "big"))
