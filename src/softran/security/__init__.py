"""3GPP security at the gNB: the NR ciphering and integrity algorithms, the key hierarchy and a
PDCP-like protection helper.

* Algorithms (TS 33.501 Annex D): :func:`nea` / :func:`nia` and 128-NEA0..3, 128-NIA0..3 --
  NEA1/NIA1 on SNOW 3G (:mod:`~softran.security.snow3g`, UEA2 f8 / UIA2 f9 in
  :mod:`~softran.security.uea2_uia2`), NEA2/NIA2 on AES-CTR / AES-CMAC of the
  ``cryptography`` package, NEA3/NIA3 on ZUC (:mod:`~softran.security.zuc`, 128-EEA3/EIA3 in
  :mod:`~softran.security.eea3_eia3`). Inputs and lengths in **bits**
  (:mod:`~softran.security.inputs`); one message or a batch per call; SNOW 3G and ZUC are
  Numba kernels batched over the messages.
* Key hierarchy (TS 33.501 Annex A on the KDF of TS 33.220 Annex B):
  :func:`derive_as_keys` (K_RRCenc, K_RRCint, K_UPenc, K_UPint), :func:`derive_k_gnb_star`
  (handover), :func:`derive_k_gnb`, :func:`derive_nh`, :func:`kdf`.
* PDCP (TS 38.323): :func:`protect` / :func:`unprotect` of a batch of SDUs with COUNT
  handling, integrity failures reported per PDU.

The package stands alone (it uses only :mod:`softran.validation`).
"""

from softran.security.eea3_eia3 import eea3, eia3
from softran.security.inputs import MessageBatch, pack_messages
from softran.security.kdf import kdf, kdf_input, truncate_key
from softran.security.key_hierarchy import (
    AsKeys,
    algorithm_key,
    derive_as_keys,
    derive_k_gnb,
    derive_k_gnb_star,
    derive_nh,
)
from softran.security.nea import NEA_ALGORITHMS, nea, nea0, nea1, nea2, nea2_counter_block, nea3
from softran.security.nia import NIA_ALGORITHMS, aes_cmac_bits, nia, nia0, nia1, nia2, nia3
from softran.security.pdcp import (
    PDCPSecurityConfig,
    UnprotectResult,
    protect,
    received_count,
    unprotect,
)
from softran.security.snow3g import snow3g_keystream
from softran.security.uea2_uia2 import uea2_f8, uia2_f9
from softran.security.zuc import zuc_keystream

__all__ = [
    "NEA_ALGORITHMS",
    "NIA_ALGORITHMS",
    "AsKeys",
    "MessageBatch",
    "PDCPSecurityConfig",
    "UnprotectResult",
    "aes_cmac_bits",
    "algorithm_key",
    "derive_as_keys",
    "derive_k_gnb",
    "derive_k_gnb_star",
    "derive_nh",
    "eea3",
    "eia3",
    "kdf",
    "kdf_input",
    "nea",
    "nea0",
    "nea1",
    "nea2",
    "nea2_counter_block",
    "nea3",
    "nia",
    "nia0",
    "nia1",
    "nia2",
    "nia3",
    "pack_messages",
    "protect",
    "received_count",
    "snow3g_keystream",
    "truncate_key",
    "uea2_f8",
    "uia2_f9",
    "unprotect",
    "zuc_keystream",
]
