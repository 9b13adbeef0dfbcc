"""PDCP-like protection of a batch of SDUs with the NR security algorithms (TS 38.323).

What a gNB's PDCP entity does with security, for one radio bearer and one direction:

* :func:`protect` -- each SDU gets ``COUNT = TX_NEXT, TX_NEXT + 1, ...`` (clause 5.2.1),
  ``SN = COUNT mod 2^[pdcp-SN-Size]``, the data PDU header of clause 6.2.2 (SRB: ``R R R R``
  + 12-bit SN; DRB: ``D/C = 1``, reserved bits, 12- or 18-bit SN), a 32-bit MAC-I over header
  + data (clause 5.9; always for SRBs, for DRBs when integrity protection is configured; NIA0
  gives 0) and ciphering of data + MAC-I, not the header (clause 5.8). The whole batch runs
  through one call of each algorithm.
* :func:`unprotect` -- the receiver derives each PDU's COUNT from its SN and ``RX_DELIV``
  (clause 5.2.2.1: ``RCVD_HFN`` is ``HFN(RX_DELIV) + 1`` when ``RCVD_SN < SN(RX_DELIV) -
  Window_Size``, ``HFN(RX_DELIV) - 1`` when ``RCVD_SN >= SN(RX_DELIV) + Window_Size``, else
  ``HFN(RX_DELIV)``, ``Window_Size = 2^(SN size - 1)``), deciphers, verifies MAC-I and reports
  per PDU: an integrity failure or a PDU too short for header + MAC-I is a ``False`` in the
  result (and its SDU ``None``), never an exception, and the other PDUs go on.

``BEARER`` is the radio bearer identity minus 1 (TS 38.323 clause 5.8 / 5.9, TS 33.501 D.2.1);
``DIRECTION`` is 0 for uplink, 1 for downlink. Not modelled: reordering and the ``RX_DELIV``
/ ``RX_NEXT`` state machine of clause 5.2.2.2 (the caller owns the state), header
compression, SDAP headers (which TS 38.323 leaves unciphered), and the COUNT wrap-around
re-keying rule (clause 5.1.2 -- :func:`protect` refuses a COUNT beyond 2^32 - 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from softran.security.nea import nea
from softran.security.nia import nia
from softran.validation import check_bool, check_bytes, check_choice, check_int

__all__ = ["PDCPSecurityConfig", "UnprotectResult", "protect", "received_count", "unprotect"]


@dataclass(frozen=True)
class PDCPSecurityConfig:
    """Security configuration of one PDCP entity (one bearer, one direction).

    Attributes:
        rb_type: ``"SRB"`` or ``"DRB"``.
        rb_id: radio bearer identity (SRB 1..3, DRB 1..32; TS 38.331); ``BEARER = rb_id - 1``.
        direction: 0 uplink, 1 downlink.
        sn_bits: PDCP SN size, 12 (SRB, DRB) or 18 (DRB).
        nea, ciphering_key: ciphering algorithm 0..3 and its 128-bit key (``K_RRCenc`` or
            ``K_UPenc``).
        nia, integrity_key: integrity algorithm 0..3 and key (``K_RRCint`` / ``K_UPint``);
            a DRB without integrity protection has ``integrity = False``.
        integrity: MAC-I present (always for SRBs).

    >>> cfg = PDCPSecurityConfig("DRB", 1, 1, 18, 2, bytes(16), 2, bytes(16))
    >>> cfg.bearer, cfg.header_bytes, cfg.window_size
    (0, 3, 131072)
    """

    rb_type: str
    rb_id: int
    direction: int
    sn_bits: int
    nea: int
    ciphering_key: bytes
    nia: int = 0
    integrity_key: bytes = bytes(16)
    integrity: bool = True

    def __post_init__(self) -> None:
        check_choice("rb_type", self.rb_type, ("SRB", "DRB"))
        check_int("rb_id", self.rb_id, 1, 3 if self.rb_type == "SRB" else 32)
        check_int("direction", self.direction, 0, 1)
        check_choice("sn_bits", self.sn_bits, (12,) if self.rb_type == "SRB" else (12, 18))
        check_int("nea", self.nea, 0, 3)
        check_int("nia", self.nia, 0, 3)
        for name in ("ciphering_key", "integrity_key"):
            key = check_bytes(name, getattr(self, name))
            if len(key) != 16:
                raise ValueError(f"{name} has {len(key)} bytes; a 128-bit key has 16")
        check_bool("integrity", self.integrity)
        if self.rb_type == "SRB" and not self.integrity:
            raise ValueError("integrity = False is only allowed for a DRB; SRB PDUs always "
                             "carry MAC-I (TS 38.323 clause 6.2.2.1)")

    @property
    def bearer(self) -> int:
        """The 5-bit ``BEARER`` input: radio bearer identity - 1."""
        return self.rb_id - 1

    @property
    def header_bytes(self) -> int:
        """Data PDU header size: 2 bytes with a 12-bit SN, 3 with 18 bits."""
        return 2 if self.sn_bits == 12 else 3

    @property
    def window_size(self) -> int:
        """``Window_Size = 2^(pdcp-SN-Size - 1)`` (TS 38.323 clause 7.2)."""
        return 1 << (self.sn_bits - 1)

    @property
    def mac_bytes(self) -> int:
        """4 with MAC-I, else 0."""
        return 4 if self.integrity else 0


def _headers(cfg: PDCPSecurityConfig, counts: np.ndarray) -> np.ndarray:
    sn = counts & ((1 << cfg.sn_bits) - 1)
    if cfg.sn_bits == 12:
        first = sn >> 8
        if cfg.rb_type == "DRB":
            first = first | 0x80                        # D/C = 1: data PDU
        return np.stack([first, sn & 0xFF], axis=1).astype(np.uint8)
    return np.stack([0x80 | (sn >> 16), (sn >> 8) & 0xFF, sn & 0xFF], axis=1).astype(np.uint8)


def protect(config: PDCPSecurityConfig, sdus: Sequence[bytes], tx_next: int
            ) -> tuple[list[bytes], np.ndarray]:
    """PDCP data PDUs of ``sdus`` with COUNTs ``tx_next, tx_next + 1, ...`` (TS 38.323
    clauses 5.2.1, 5.8, 5.9, 6.2.2). Returns ``(pdus, counts)``; the next ``TX_NEXT`` is
    ``tx_next + len(sdus)``.

    >>> cfg = PDCPSecurityConfig("SRB", 1, 1, 12, 2, bytes(16), 2, bytes(16))
    >>> pdus, counts = protect(cfg, [b"hello"], 4097)
    >>> pdus[0][:2].hex(), len(pdus[0]), counts.tolist()    # SN = 4097 mod 4096 = 1
    ('0001', 11, [4097])
    """
    if not isinstance(sdus, (list, tuple)):
        raise TypeError(f"sdus must be a list of bytes, got {type(sdus).__name__}")
    for i, s in enumerate(sdus):
        check_bytes(f"sdus[{i}]", s)
    n = len(sdus)
    tx_next = check_int("tx_next", tx_next, 0, 0xFFFFFFFF)
    if tx_next + n - 1 > 0xFFFFFFFF:
        raise ValueError(f"tx_next = {tx_next} + {n} SDUs passes COUNT 2^32 - 1; TS 38.323 "
                         "clause 5.1.2 requires a new key before COUNT wraps")
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    counts = np.arange(tx_next, tx_next + n, dtype=np.int64)
    headers = _headers(config, counts)
    hb = [h.tobytes() for h in headers]
    bodies = [bytes(s) for s in sdus]
    if config.integrity:
        macs = nia(config.nia, config.integrity_key, counts, config.bearer, config.direction,
                   [h + b for h, b in zip(hb, bodies, strict=True)])
        bodies = [b + m for b, m in zip(bodies, macs, strict=True)]
    ciphered = nea(config.nea, config.ciphering_key, counts, config.bearer, config.direction,
                   bodies)
    return [h + c for h, c in zip(hb, ciphered, strict=True)], counts


def received_count(sn: np.ndarray | int, rx_deliv: int, sn_bits: int) -> np.ndarray | int:
    """``RCVD_COUNT = [RCVD_HFN, RCVD_SN]`` from the received SN and ``RX_DELIV`` (TS 38.323
    clause 5.2.2.1), vectorised over ``sn``. A value below 0 or above 2^32 - 1 (an HFN out of
    range) comes back as -1.

    >>> received_count(np.array([100, 2900, 4000]), 4096 + 3000, 12).tolist()
    [8292, 6996, 8096]
    """
    sn_bits = check_choice("sn_bits", sn_bits, (12, 18))
    rx_deliv = check_int("rx_deliv", rx_deliv, 0, 0xFFFFFFFF)
    scalar = not isinstance(sn, np.ndarray)
    sn = np.asarray(sn, dtype=np.int64)
    window = 1 << (sn_bits - 1)
    hfn, sn_deliv = rx_deliv >> sn_bits, rx_deliv & ((1 << sn_bits) - 1)
    rcvd_hfn = np.where(sn < sn_deliv - window, hfn + 1,
                        np.where(sn >= sn_deliv + window, hfn - 1, hfn))
    count = (rcvd_hfn << sn_bits) | sn
    count = np.where((rcvd_hfn < 0) | (count > 0xFFFFFFFF), -1, count)
    return int(count) if scalar else count


@dataclass
class UnprotectResult:
    """What :func:`unprotect` returns, one entry per PDU.

    Attributes:
        sdus: the deciphered SDU, or ``None`` where the PDU was dropped.
        counts: ``int64`` RCVD_COUNT (-1 where it could not be formed).
        integrity_ok: ``bool``: MAC-I verified (``True`` without integrity protection).
        reasons: ``"ok"``, ``"integrity-failure"``, ``"too-short"``, ``"not-a-data-pdu"`` or
            ``"count-out-of-range"``.
    """

    sdus: list[bytes | None]
    counts: np.ndarray
    integrity_ok: np.ndarray
    reasons: list[str]

    @property
    def n_failed(self) -> int:
        """PDUs dropped for any reason."""
        return sum(r != "ok" for r in self.reasons)


def unprotect(config: PDCPSecurityConfig, pdus: Sequence[bytes], rx_deliv: int
              ) -> UnprotectResult:
    """Decipher and verify a batch of PDCP data PDUs of one entity given ``RX_DELIV``
    (TS 38.323 clauses 5.2.2.1, 5.8, 5.9). Failures are reported per PDU, not raised.

    >>> cfg = PDCPSecurityConfig("DRB", 2, 0, 18, 3, bytes(range(16)), 3, bytes(16))
    >>> pdus, _ = protect(cfg, [b"abc", b"defg"], 7)
    >>> bad = pdus[1][:-1] + bytes([pdus[1][-1] ^ 1])            # one flipped bit
    >>> r = unprotect(cfg, [pdus[0], bad], 7)
    >>> r.sdus, r.integrity_ok.tolist(), r.reasons
    ([b'abc', None], [True, False], ['ok', 'integrity-failure'])
    """
    if not isinstance(pdus, (list, tuple)):
        raise TypeError(f"pdus must be a list of bytes, got {type(pdus).__name__}")
    raw = [check_bytes(f"pdus[{i}]", p) for i, p in enumerate(pdus)]
    n = len(raw)
    hb, mb = config.header_bytes, config.mac_bytes
    reasons = ["ok"] * n
    sn = np.zeros(n, dtype=np.int64)
    for i, p in enumerate(raw):
        if len(p) < hb + mb:
            reasons[i] = "too-short"
        elif config.rb_type == "DRB" and not p[0] & 0x80:
            reasons[i] = "not-a-data-pdu"
        else:
            v = int.from_bytes(p[:hb], "big")
            sn[i] = v & ((1 << config.sn_bits) - 1)
    counts = received_count(sn, rx_deliv, config.sn_bits)
    for i in range(n):
        if reasons[i] == "ok" and counts[i] < 0:
            reasons[i] = "count-out-of-range"
    counts = np.where([r == "ok" for r in reasons], counts, -1).astype(np.int64)
    good = [i for i in range(n) if reasons[i] == "ok"]
    integrity_ok = np.ones(n, dtype=bool)
    sdus: list[bytes | None] = [None] * n
    if good:
        c = counts[good]
        plain = nea(config.nea, config.ciphering_key, c, config.bearer, config.direction,
                    [raw[i][hb:] for i in good])
        if mb:
            bodies = [p[:-mb] for p in plain]
            want = nia(config.nia, config.integrity_key, c, config.bearer, config.direction,
                       [raw[i][:hb] + b for i, b in zip(good, bodies, strict=True)])
            for k, i in enumerate(good):
                if want[k] != plain[k][-mb:]:
                    integrity_ok[i] = False
                    reasons[i] = "integrity-failure"
                else:
                    sdus[i] = bodies[k]
        else:
            for k, i in enumerate(good):
                sdus[i] = plain[k]
    for i in range(n):
        if reasons[i] in ("too-short", "not-a-data-pdu", "count-out-of-range"):
            integrity_ok[i] = False
    return UnprotectResult(sdus, counts, integrity_ok, reasons)
