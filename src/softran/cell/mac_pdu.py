"""MAC PDUs of TS 38.321 §6.1 - §6.2 that the random access and the data of the test cell use.

* MAC subheaders (§6.1.2, Figures 6.1.2-1..-4): ``R/F/LCID/L`` with an 8-bit (F = 0) or 16-bit
  (F = 1) L field for variable-size MAC SDUs, ``R/R/LCID`` for fixed-size MAC CEs, the
  CCCH SDU of 48 bits and padding. LCIDs: Tables 6.2.1-1 (DL-SCH) and 6.2.1-2 (UL-SCH), in
  ``cell/data/mac_lcid.csv``.
* The MAC PDU of a Random Access Response (§6.1.5, Figure 6.1.5-3; subheaders §6.2.2, Figures
  6.2.2-1 ``E/T/R/R/BI`` and 6.2.2-2 ``E/T/RAPID``; MAC RAR §6.2.3, Figure 6.2.3-1: ``R``, the
  12-bit Timing Advance Command, the 27-bit UL Grant and the 16-bit Temporary C-RNTI, 7
  octets).
* The UE Contention Resolution Identity MAC CE (§6.1.3.4: the first 48 bits of the UL CCCH
  SDU, LCID 62).

Bits are written most significant first (§6.1.1: "the leftmost bit is the most significant").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.cell.datafiles import read_csv
from softran.validation import check_bytes, check_choice, check_int

__all__ = [
    "LCID_CCCH",
    "LCID_CCCH_48",
    "LCID_CONTENTION_RESOLUTION",
    "LCID_DRB",
    "LCID_PADDING",
    "MACSubPDU",
    "RARSubPDU",
    "build_mac_pdu",
    "build_rar_pdu",
    "lcid_table",
    "parse_mac_pdu",
    "parse_rar_pdu",
]

LCID_CCCH = 0                    #: DL CCCH / UL CCCH1 (64 bits)
LCID_DRB = 4                     #: the data radio bearer of the test MAC
LCID_CCCH_48 = 52                #: UL CCCH of size 48 bits (RRCSetupRequest)
LCID_CONTENTION_RESOLUTION = 62  #: DL UE Contention Resolution Identity MAC CE
LCID_PADDING = 63


@functools.cache
def lcid_table() -> dict[tuple[str, int], int | None]:
    """``(direction, LCID) -> fixed size in bits`` (``None``: variable, with an L field), from
    TS 38.321 Tables 6.2.1-1 / 6.2.1-2 (the entries the test MAC uses).

    >>> lcid_table()[("UL", 52)], lcid_table()[("DL", 4)]
    (48, None)
    """
    out: dict[tuple[str, int], int | None] = {}
    for row in read_csv("mac_lcid.csv"):
        out[(row["direction"], int(row["lcid"]))] = int(row["size_bits"]) if row["size_bits"] \
            else None
    return out


@dataclass(frozen=True)
class MACSubPDU:
    """One MAC subPDU: its LCID and payload (MAC SDU or MAC CE; empty for padding)."""

    lcid: int
    payload: bytes = b""


def _fixed_size(direction: str, lcid: int) -> int | None:
    key = (direction, lcid)
    if key not in lcid_table():
        allowed = sorted(k for d, k in lcid_table() if d == direction)
        raise ValueError(f"lcid = {lcid} is not a {direction}-SCH LCID of the test MAC; allowed: "
                         f"{allowed} (TS 38.321 Table 6.2.1-{1 if direction == 'DL' else 2})")
    return lcid_table()[key]


def build_mac_pdu(subpdus: list[MACSubPDU] | tuple[MACSubPDU, ...], size: int, *,
                  direction: str = "DL") -> bytes:
    """A DL-SCH / UL-SCH MAC PDU of ``size`` bytes (TS 38.321 §6.1.2): each subPDU with its
    subheader (``R/R/LCID`` for a fixed size, else ``R/F/LCID/L`` with F = 0 and an 8-bit L
    when the payload is below 256 bytes, else F = 1 and 16 bits), then a padding subPDU
    (``R/R/LCID = 63`` and zero bytes) filling the rest (none when the rest is 0 bytes).

    >>> build_mac_pdu([MACSubPDU(4, b"hi")], 6).hex()
    '040268693f00'
    >>> build_mac_pdu([MACSubPDU(62, bytes(range(6)))], 7).hex()
    '3e000102030405'
    """
    direction = check_choice("direction", direction, ("DL", "UL"))
    size = check_int("size", size, 1)
    out = bytearray()
    for i, sp in enumerate(subpdus):
        if not isinstance(sp, MACSubPDU):
            raise TypeError(f"subpdus[{i}] must be a MACSubPDU, got {type(sp).__name__}")
        lcid = check_int(f"subpdus[{i}].lcid", sp.lcid, 0, 62)
        payload = check_bytes(f"subpdus[{i}].payload", sp.payload)
        fixed = _fixed_size(direction, lcid)
        if fixed is not None:
            if len(payload) * 8 != fixed:
                raise ValueError(f"subpdus[{i}] (LCID {lcid}) must carry {fixed // 8} bytes "
                                 f"(TS 38.321 Table 6.2.1), got {len(payload)}")
            out += bytes([lcid]) + payload
        elif len(payload) < 256:
            out += bytes([lcid, len(payload)]) + payload
        elif len(payload) < 65536:
            out += bytes([0x40 | lcid]) + len(payload).to_bytes(2, "big") + payload
        else:
            raise ValueError(f"subpdus[{i}] payload has {len(payload)} bytes; the L field "
                             "allows at most 65535")
    if len(out) > size:
        raise ValueError(f"the subPDUs need {len(out)} bytes; the transport block holds size = "
                         f"{size}")
    if len(out) < size:
        out += bytes([LCID_PADDING]) + bytes(size - len(out) - 1)
    return bytes(out)


def parse_mac_pdu(pdu: bytes, *, direction: str = "DL") -> list[MACSubPDU]:
    """The subPDUs of a MAC PDU (inverse of :func:`build_mac_pdu`, TS 38.321 §6.1.2); parsing
    stops at the padding subPDU. A subheader or payload that runs past the end, a reserved R
    bit set or an LCID the test MAC does not know is a ``ValueError``.

    >>> parse_mac_pdu(bytes.fromhex("040268693f00"))
    [MACSubPDU(lcid=4, payload=b'hi')]
    """
    direction = check_choice("direction", direction, ("DL", "UL"))
    pdu = check_bytes("pdu", pdu)
    out: list[MACSubPDU] = []
    i = 0
    while i < len(pdu):
        head = pdu[i]
        if head & 0x80:
            raise ValueError(f"pdu: the R bit of the subheader at byte {i} is 1; it is "
                             "reserved (TS 38.321 §6.2.1: set to 0)")
        lcid = head & 0x3F
        if lcid == LCID_PADDING:
            break
        fixed = _fixed_size(direction, lcid)
        i += 1
        if fixed is None:
            n_l = 2 if head & 0x40 else 1
            if i + n_l > len(pdu):
                raise ValueError(f"pdu: the L field of the subheader at byte {i - 1} runs past "
                                 f"the end ({len(pdu)} bytes)")
            length = int.from_bytes(pdu[i:i + n_l], "big")
            i += n_l
        else:
            length = fixed // 8
        if i + length > len(pdu):
            raise ValueError(f"pdu: the payload of LCID {lcid} ({length} bytes from byte {i}) "
                             f"runs past the end ({len(pdu)} bytes)")
        out.append(MACSubPDU(lcid, bytes(pdu[i:i + length])))
        i += length
    return out


@dataclass(frozen=True)
class RARSubPDU:
    """One MAC subPDU of a RAR (TS 38.321 §6.1.5): a Backoff Indicator (``backoff`` set,
    ``rapid`` None), or a RAPID with its MAC RAR (``timing_advance`` 0..4095, ``ul_grant`` the
    27-bit RAR UL grant of TS 38.213 §8.2 as an integer, ``tc_rnti`` 0..65535)."""

    rapid: int | None = None
    timing_advance: int = 0
    ul_grant: int = 0
    tc_rnti: int = 0
    backoff: int | None = None


def build_rar_pdu(subpdus: list[RARSubPDU] | tuple[RARSubPDU, ...], size: int) -> bytes:
    """The MAC PDU of a Random Access Response (TS 38.321 §6.1.5, §6.2.2, §6.2.3) in ``size``
    bytes: a Backoff Indicator subPDU (if any) first, then ``E/T/RAPID`` + MAC RAR subPDUs;
    E = 1 when another MAC subPDU follows; the rest is padding (zeros, §6.1.5: "padding may
    be placed at the end of the MAC PDU").

    >>> build_rar_pdu([RARSubPDU(rapid=5, timing_advance=3, ul_grant=1, tc_rnti=0x4601)],
    ...               8).hex()
    '4500180000014601'
    """
    size = check_int("size", size, 1)
    items = list(subpdus)
    bis = [s for s in items if s.backoff is not None]
    rars = [s for s in items if s.backoff is None]
    if len(bis) > 1:
        raise ValueError("a RAR MAC PDU carries at most one Backoff Indicator subPDU "
                         "(TS 38.321 §6.1.5)")
    out = bytearray()
    ordered = bis + rars
    for k, s in enumerate(ordered):
        e = 0x80 if k + 1 < len(ordered) else 0
        if s.backoff is not None:
            bi = check_int("backoff", s.backoff, 0, 15)
            out.append(e | bi)                                  # E, T = 0, R, R, BI
            continue
        rapid = check_int("rapid", s.rapid, 0, 63)
        ta = check_int("timing_advance", s.timing_advance, 0, 4095)
        grant = check_int("ul_grant", s.ul_grant, 0, 2 ** 27 - 1)
        tc = check_int("tc_rnti", s.tc_rnti, 0, 65535)
        out.append(e | 0x40 | rapid)                            # E, T = 1, RAPID
        word = (ta << 43) | (grant << 16) | tc                  # R(1) TA(12) grant(27) TC(16)
        out += word.to_bytes(7, "big")
    if len(out) > size:
        raise ValueError(f"the RAR subPDUs need {len(out)} bytes; the transport block holds "
                         f"size = {size}")
    return bytes(out) + bytes(size - len(out))


def parse_rar_pdu(pdu: bytes) -> list[RARSubPDU]:
    """The subPDUs of a RAR MAC PDU (inverse of :func:`build_rar_pdu`): read while the E bit
    of the previous subheader says another follows. A MAC RAR that runs past the end is a
    ``ValueError``.

    >>> parse_rar_pdu(bytes.fromhex("4500180000014601"))
    [RARSubPDU(rapid=5, timing_advance=3, ul_grant=1, tc_rnti=17921, backoff=None)]
    """
    pdu = check_bytes("pdu", pdu)
    out: list[RARSubPDU] = []
    i = 0
    more = len(pdu) > 0
    while more:
        if i >= len(pdu):
            raise ValueError(f"pdu: the E bit promises another subPDU after byte {i - 1}, but "
                             f"the PDU has {len(pdu)} bytes")
        head = pdu[i]
        more = bool(head & 0x80)
        i += 1
        if not head & 0x40:
            out.append(RARSubPDU(backoff=head & 0x0F))
            continue
        if i + 7 > len(pdu):
            raise ValueError(f"pdu: the MAC RAR of RAPID {head & 0x3F} (7 bytes from byte {i}) "
                             f"runs past the end ({len(pdu)} bytes)")
        word = int.from_bytes(pdu[i:i + 7], "big")
        i += 7
        out.append(RARSubPDU(rapid=head & 0x3F, timing_advance=(word >> 43) & 0xFFF,
                             ul_grant=(word >> 16) & (2 ** 27 - 1), tc_rnti=word & 0xFFFF))
    return out
