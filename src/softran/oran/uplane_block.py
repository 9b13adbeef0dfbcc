"""The headers of many received U-plane messages at once (O-RAN.WG4.CUS.0 clause 8.3).

A receiving endpoint gets the U-plane of a slot as a run of datagrams of one size (a UDP GRO
receive hands them over in one buffer). :func:`parse_uplane_block` reads the header fields
of every message of such a run ``[m, size]`` in one Numba pass and tells which messages are
*plain*: one eCPRI message (revision 1, C = 0, type 0 = IQ data, ``ecpriPayload`` = the rest
of the datagram), payloadVersion 1, a valid timing header inside the configured carrier, a
configured eAxC and the expected data direction, exactly one section with rb = 0 whose PRBs
lie inside the carrier and fill the message, and -- with the dynamic compression header --
the configured udCompHdr. A plain message decodes with :func:`~softran.oran.uplane.
decode_uplane` to the same fields; every other message is for the full decoder, which
classifies what is wrong with it. :func:`fill_uplane_block` writes such messages, the
sending side of :func:`~softran.oran.uplane.encode_uplane_symbols`, and
:func:`refill_uplane_block` rewrites only what changes from slot to slot in messages
written before (:class:`~softran.oran.uplane.UPlaneSlotEncoder`); on the receiving side
:func:`store_uplane_block` puts the PRB bytes of plain messages into a slot buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from softran.validation import check_int

__all__ = ["UPLANE_FIELDS", "UPlaneBlockParser", "eaxc_lookup", "fill_uplane_block", "parse_uplane_block",
           "refill_uplane_block", "store_uplane_block"]

#: Columns of :func:`parse_uplane_block`'s result.
UPLANE_FIELDS: tuple[str, ...] = ("plain", "eaxc_index", "sequence_id", "frame_id",
                                  "subframe_id", "slot_id", "symbol_id", "start_prbu", "n_prb",
                                  "run")


@njit(cache=True, nogil=True)
def _parse(block: np.ndarray, comp_byte: int, prb_bytes: int, n_prb_carrier: int,
           slots_per_subframe: int, n_symbols: int, direction: int, lookup: np.ndarray,
           out: np.ndarray) -> None:  # pragma: no cover - compiled
    m, size = block.shape
    head = 16 if comp_byte < 0 else 18
    for r in range(m):
        b = block[r]
        for c in range(10):
            out[r, c] = 0
        if size < head:
            out[r, 9] = -1 - r
            continue
        eaxc = (np.int64(b[4]) << 8) | b[5]
        word = (np.int64(b[10]) << 8) | b[11]
        sec = (np.int64(b[12]) << 24) | (np.int64(b[13]) << 16) | (np.int64(b[14]) << 8) | b[15]
        num = sec & 0xFF
        start = (sec >> 8) & 0x3FF
        n = num if num else n_prb_carrier
        k = lookup[eaxc]
        subframe, slot, symbol = word >> 12, (word >> 6) & 0x3F, word & 0x3F
        ok = (b[0] == 0x10 and b[1] == 0
              and ((np.int64(b[2]) << 8) | b[3]) == size - 4
              and (b[8] >> 4) & 7 == 1 and (b[8] >> 7) == direction
              and subframe <= 9 and slot < slots_per_subframe and symbol < n_symbols
              and k >= 0 and (sec >> 19) & 1 == 0
              and start + n <= n_prb_carrier and size == head + n * prb_bytes
              and (comp_byte < 0 or b[16] == comp_byte))
        if not ok:
            out[r, 9] = -1 - r                         # a run of its own
            continue
        out[r, 0] = 1
        out[r, 1] = k
        out[r, 2] = b[6]
        out[r, 3] = b[9]
        out[r, 4] = subframe
        out[r, 5] = slot
        out[r, 6] = symbol
        out[r, 7] = start
        out[r, 8] = n
        out[r, 9] = (((np.int64(b[9]) << 4 | subframe) << 6 | slot) << 10 | start) << 9 | num


@njit(cache=True, nogil=True)
def _parse_runs(block: np.ndarray, comp_byte: int, prb_bytes: int, n_prb_carrier: int,
                slots_per_subframe: int, n_symbols: int, direction: int, lookup: np.ndarray,
                out: np.ndarray, cuts: np.ndarray) -> int:  # pragma: no cover - compiled
    _parse(block, comp_byte, prb_bytes, n_prb_carrier, slots_per_subframe, n_symbols,
           direction, lookup, out)
    m = block.shape[0]
    n = 1
    cuts[0] = 0
    for r in range(1, m):
        if out[r, 9] != out[r - 1, 9]:
            cuts[n] = r
            n += 1
    cuts[n] = m
    return n


@njit(cache=True, nogil=True)
def _parse_flows(block: np.ndarray, comp_byte: int, prb_bytes: int, n_prb_carrier: int,
                 slots_per_subframe: int, n_symbols: int, direction: int, lookup: np.ndarray,
                 out: np.ndarray, cuts: np.ndarray,
                 flows: np.ndarray) -> int:  # pragma: no cover - compiled
    """:func:`_parse_runs`, and per eAxC index ``k`` of the plain messages: ``flows[k]`` =
    (messages, first Sequence ID, 1 if their Sequence IDs are consecutive mod 256)."""
    n = _parse_runs(block, comp_byte, prb_bytes, n_prb_carrier, slots_per_subframe,
                    n_symbols, direction, lookup, out, cuts)
    for k in range(flows.shape[0]):
        flows[k, 0] = 0
        flows[k, 1] = 0
        flows[k, 2] = 1
    for r in range(block.shape[0]):
        if out[r, 0] != 1:
            continue
        k = out[r, 1]
        c = flows[k, 0]
        if c == 0:
            flows[k, 1] = out[r, 2]
        elif out[r, 2] != (flows[k, 1] + c) & 0xFF:
            flows[k, 2] = 0
        flows[k, 0] = c + 1
    return n


def eaxc_lookup(eaxc_ids: tuple[int, ...] | list[int]) -> np.ndarray:
    """int32 ``[65536]``: the index of each 16-bit eAxC ID in ``eaxc_ids``, -1 elsewhere.

    >>> eaxc_lookup([7, 3])[[3, 7, 8]].tolist()
    [1, 0, -1]
    """
    out = np.full(1 << 16, -1, dtype=np.int32)
    for k, e in enumerate(eaxc_ids):
        out[check_int("eaxc_ids[]", e, 0, 0xFFFF)] = k
    return out


def parse_uplane_block(block: np.ndarray, *, prb_bytes: int, n_prb_carrier: int,
                       slots_per_subframe: int, n_symbols: int, direction: int,
                       lookup: np.ndarray, ud_comp_hdr: int | None = None) -> np.ndarray:
    """Header fields of ``m`` U-plane messages of one size, uint8 ``block`` ``[m, size]``.

    O-RAN.WG4.CUS.0 clause 8.3 (U-plane message: eCPRI common header, ecpriPcid,
    ecpriSeqid, timing header, section header, PRB fields). Returns int64 ``[m, 10]`` with
    the columns :data:`UPLANE_FIELDS`: ``plain`` (1 for a plain message, see the module
    docstring; the other columns are then filled), the eAxC index (``lookup``, from
    :func:`eaxc_lookup`), Sequence ID, frameId, subframeId, slotId, symbolId, startPrbu, the
    number of PRBs (numPrbu, or ``n_prb_carrier`` for 0) and ``run``: a key that is equal
    for plain messages of one slot and one PRB range (negative and distinct otherwise).
    ``direction`` is the dataDirection expected (1 downlink, 0 uplink), ``prb_bytes`` the
    bytes per PRB, ``ud_comp_hdr`` the udCompHdr byte each section must carry (None: no
    udCompHdr field, static configuration).

    >>> from softran.oran.radio_header import TimingHeader
    >>> from softran.oran.uplane import encode_uplane_symbols
    >>> raw = np.zeros((2, 14, 4, 28), dtype=np.uint8)
    >>> t = [TimingHeader(1, 5, 2, 1, l) for l in (3, 4)]
    >>> from softran.oran.uplane import UPlaneFormat
    >>> from softran.oran.radio_header import UdCompHdr
    >>> fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=4)
    >>> pdus = encode_uplane_symbols(raw, [0, 1], t, [(0, 4)], [7, 9], section_id=1, fmt=fmt)
    >>> block = np.frombuffer(b"".join(pdus), dtype=np.uint8).reshape(4, -1)
    >>> f = parse_uplane_block(block, prb_bytes=28, n_prb_carrier=4, slots_per_subframe=2,
    ...                        n_symbols=14, direction=1, lookup=eaxc_lookup([0, 1]))
    >>> f[:, :9].tolist()[1]      # plain, eAxC 1, seq 9, frame 5, subframe 2, slot 1, sym 3
    [1, 1, 9, 5, 2, 1, 3, 0, 4]
    >>> bool((f[:, 9] == f[0, 9]).all())
    True
    """
    if not isinstance(block, np.ndarray) or block.dtype != np.uint8 or block.ndim != 2:
        raise TypeError("block must be a uint8 numpy array [m, size]")
    check_int("prb_bytes", prb_bytes, 1)
    check_int("n_prb_carrier", n_prb_carrier, 1, 1024)
    check_int("slots_per_subframe", slots_per_subframe, 1, 64)
    check_int("n_symbols", n_symbols, 1, 14)
    check_int("direction", direction, 0, 1)
    comp = -1 if ud_comp_hdr is None else check_int("ud_comp_hdr", ud_comp_hdr, 0, 255)
    if not isinstance(lookup, np.ndarray) or lookup.shape != (1 << 16,):
        raise TypeError("lookup must be the int32 [65536] array of eaxc_lookup()")
    out = np.empty((block.shape[0], len(UPLANE_FIELDS)), dtype=np.int64)
    _parse(block, comp, prb_bytes, n_prb_carrier, slots_per_subframe, n_symbols, direction,
           lookup, out)
    return out


class UPlaneBlockParser:
    """:func:`parse_uplane_block` for one configuration (checked once), which also cuts the
    block into its runs (O-RAN.WG4.CUS.0 clause 8.3): ``parser(block)`` returns the fields
    and the list of run boundaries ``[0, .., m]`` -- messages ``cuts[i] .. cuts[i + 1] - 1``
    share one ``run`` key (plain messages of one slot and PRB range; every other message is
    a run of its own).

    >>> from softran.oran.radio_header import TimingHeader, UdCompHdr
    >>> from softran.oran.uplane import UPlaneFormat, encode_uplane_symbols
    >>> fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=4)
    >>> pdus = encode_uplane_symbols(np.zeros((1, 14, 4, 28), np.uint8), [0],
    ...                              [TimingHeader(1, 5, 2, 1, l) for l in (3, 4)], [(0, 4)],
    ...                              [7], section_id=1, fmt=fmt)
    >>> block = np.frombuffer(b"".join(pdus + pdus[:1]) + bytes(128), np.uint8).reshape(4, -1)
    >>> parse = UPlaneBlockParser(prb_bytes=28, n_prb_carrier=4, slots_per_subframe=2,
    ...                           n_symbols=14, direction=1, lookup=eaxc_lookup([0]))
    >>> fields, cuts = parse(block)
    >>> cuts, fields[:, 0].tolist()
    ([0, 3, 4], [1, 1, 1, 0])
    """

    def __init__(self, *, prb_bytes: int, n_prb_carrier: int, slots_per_subframe: int,
                 n_symbols: int, direction: int, lookup: np.ndarray,
                 ud_comp_hdr: int | None = None) -> None:
        parse_uplane_block(np.zeros((0, 16), np.uint8), prb_bytes=prb_bytes,
                           n_prb_carrier=n_prb_carrier, slots_per_subframe=slots_per_subframe,
                           n_symbols=n_symbols, direction=direction, lookup=lookup,
                           ud_comp_hdr=ud_comp_hdr)          # the checks, once
        self._args = (-1 if ud_comp_hdr is None else ud_comp_hdr, prb_bytes, n_prb_carrier,
                      slots_per_subframe, n_symbols, direction, lookup)
        self._cuts = np.empty(1, dtype=np.int64)
        self._flows = np.zeros((int(lookup.max()) + 1, 3), dtype=np.int64)

    def __call__(self, block: np.ndarray) -> tuple[np.ndarray, list[int]]:
        fields, cuts, _ = self.parse(block)
        return fields, cuts

    def parse(self, block: np.ndarray) -> tuple[np.ndarray, list[int], list[list[int]]]:
        """``parser(block)`` and, per eAxC index ``k`` (of ``lookup``), what its plain
        messages in the block carry: ``[messages, first Sequence ID, 1 if the Sequence IDs
        of those messages are consecutive (mod 256) else 0]`` (a run that can continue
        its flow, :meth:`~softran.oran.counters.RxCounters.continues`).

        >>> from softran.oran.radio_header import TimingHeader, UdCompHdr
        >>> from softran.oran.uplane import UPlaneFormat, encode_uplane_symbols
        >>> fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=4)
        >>> pdus = encode_uplane_symbols(np.zeros((2, 14, 4, 28), np.uint8), [0, 1],
        ...     [TimingHeader(1, 5, 2, 1, l) for l in (3, 4, 5)], [(0, 4)], [7, 255],
        ...     section_id=1, fmt=fmt)
        >>> block = np.frombuffer(b"".join(pdus), np.uint8).reshape(6, -1)
        >>> parse = UPlaneBlockParser(prb_bytes=28, n_prb_carrier=4, slots_per_subframe=2,
        ...                           n_symbols=14, direction=1, lookup=eaxc_lookup([0, 1]))
        >>> parse.parse(block)[2]
        [[3, 7, 1], [3, 255, 1]]
        >>> parse.parse(block[[0, 1, 5]])[2]          # eAxC 1: 255 then 1 (0 lost)
        [[1, 7, 1], [2, 255, 0]]
        """
        if type(block) is not np.ndarray or block.dtype != np.uint8 or block.ndim != 2:
            raise TypeError("block must be a uint8 numpy array [m, size]")
        m = block.shape[0]
        if self._cuts.shape[0] < m + 1:
            self._cuts = np.empty(max(m + 1, 2 * self._cuts.shape[0]), dtype=np.int64)
        out = np.empty((m, len(UPLANE_FIELDS)), dtype=np.int64)
        if m == 0:
            return out, [0], [[0, 0, 1]] * self._flows.shape[0]
        n = _parse_flows(block, *self._args, out, self._cuts, self._flows)
        return (out, ([0, m] if n == 1 else self._cuts[:n + 1].tolist()),
                self._flows.tolist())


@njit(cache=True, nogil=True)
def _fill(raw: np.ndarray, symbols: np.ndarray, timing: np.ndarray, eaxc_ids: np.ndarray,
          seq: np.ndarray, header: np.ndarray, p0: int, n: int,
          out: np.ndarray) -> None:  # pragma: no cover - compiled
    n_sym, n_e = out.shape[0], out.shape[1]
    head = header.shape[0]
    width = raw.shape[3]
    for i in range(n_sym):
        l = symbols[i]
        for k in range(n_e):
            o = out[i, k]
            for j in range(head):
                o[j] = header[j]
            o[4] = eaxc_ids[k] >> 8
            o[5] = eaxc_ids[k] & 0xFF
            o[6] = seq[i, k]
            for j in range(4):
                o[8 + j] = timing[i, j]
            pos = head
            for q in range(p0, p0 + n):
                for j in range(width):
                    o[pos] = raw[k, l, q, j]
                    pos += 1


def fill_uplane_block(raw: np.ndarray, symbols: np.ndarray, timing: np.ndarray,
                      eaxc_ids: np.ndarray, seq: np.ndarray, header: np.ndarray, p0: int,
                      n: int) -> np.ndarray:
    """uint8 ``[n_sym, n_eaxc, size]``: one-section U-plane messages of PRBs ``p0 .. p0 + n
    - 1`` of ``raw`` ``[n_eaxc, n_symbols, n_prb, bytes_per_prb]`` per symbol ``symbols[i]``
    and eAxC (O-RAN.WG4.CUS.0 clause 8.3): each starts with ``header`` (eCPRI common header,
    section header and udCompHdr field; bytes 4-11 are overwritten), carries ecpriPcid
    ``eaxc_ids[k]``, Sequence ID ``seq[i, k]`` (byte 6; byte 7 from ``header``), timing
    header ``timing[i]`` (4 bytes) and the PRB bytes. The caller checks the fields
    (:func:`~softran.oran.uplane.encode_uplane_symbols` does).

    >>> raw = np.arange(2 * 14 * 3 * 2, dtype=np.uint8).reshape(2, 14, 3, 2)
    >>> hdr = np.array([0x10, 0, 0, 16, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 2], np.uint8)
    >>> out = fill_uplane_block(raw, np.array([5]), np.array([[0x90, 1, 0, 5]], np.uint8),
    ...                         np.array([0, 7]), np.array([[3, 4]]), hdr, 1, 2)
    >>> out[0, 1].tolist()
    [16, 0, 0, 16, 0, 7, 4, 128, 144, 1, 0, 5, 0, 16, 0, 2, 116, 117, 118, 119]
    """
    n_sym, n_e = len(symbols), len(eaxc_ids)
    out = np.empty((n_sym, n_e, header.shape[0] + n * raw.shape[3]), dtype=np.uint8)
    _fill(raw, np.asarray(symbols, dtype=np.int64), np.asarray(timing, dtype=np.uint8),
          np.asarray(eaxc_ids, dtype=np.int64), np.asarray(seq, dtype=np.int64),
          np.asarray(header, dtype=np.uint8), int(p0), int(n), out)
    return out


@njit(cache=True, nogil=True, inline="always")
def _copy(dst: np.ndarray, src: np.ndarray) -> None:  # pragma: no cover - compiled
    """``dst[:] = src`` for 1-D views as a loop from 0 (LLVM vectorises it; a Numba slice
    assignment is several times slower)."""
    for b in range(src.shape[0]):
        dst[b] = src[b]


@njit(cache=True, nogil=True)
def _refill(raw: np.ndarray, rows: np.ndarray, symbols: np.ndarray, timing: np.ndarray,
            seq0: np.ndarray, step: int, offset: int, p0: int, n: int,
            out: np.ndarray) -> None:  # pragma: no cover - compiled
    n_sym, n_e, size = out.shape
    n_s = raw.shape[1]
    bpp = raw.shape[3]
    flat = raw.reshape(raw.shape[0] * n_s, raw.shape[2] * bpp)  # rows: (eAxC, symbol)
    length = n * bpp
    head = size - length
    first = p0 * bpp
    for i in range(n_sym):
        l = symbols[i]
        for j in range(n_e):
            o = out[i, j]
            src = flat[rows[j] * n_s + l]
            o[6] = (seq0[j] + i * step + offset) & 0xFF
            o[8] = timing[0]
            o[9] = timing[1]
            o[10] = timing[2]
            o[11] = timing[3] | l
            _copy(o[head:], src[first:first + length])


def refill_uplane_block(out: np.ndarray, raw: np.ndarray, rows: np.ndarray,
                        symbols: np.ndarray, timing: bytes, seq0: np.ndarray, step: int,
                        offset: int, p0: int, n: int) -> None:
    """Rewrite, in place, what changes from slot to slot in one-section U-plane messages
    ``out`` uint8 ``[n_sym, n_e, size]`` written before (O-RAN.WG4.CUS.0 clause 8.3): the
    Sequence ID (byte 6) of message ``(i, j)`` = ``(seq0[j] + i * step + offset) mod 256``,
    the timing header (bytes 8-11) = ``timing`` (4 bytes, symbolId 0) with symbolId
    ``symbols[i]``, and the PRB bytes (the last ``n * bytes_per_prb`` of each message) =
    ``raw[rows[j], symbols[i], p0 : p0 + n]`` (``raw`` uint8 ``[n_eaxc, n_symbols, n_prb,
    bytes_per_prb]``).
    Everything else (eCPRI common header, ecpriPcid, section header) stays as written. The
    caller keeps the indices in range (:class:`~softran.oran.uplane.UPlaneSlotEncoder` does).

    >>> from softran.oran.radio_header import TimingHeader
    >>> raw = np.arange(2 * 14 * 3 * 2, dtype=np.uint8).reshape(2, 14, 3, 2)
    >>> out = np.zeros((1, 1, 20), np.uint8)
    >>> refill_uplane_block(out, raw, np.array([1]), np.array([5]),
    ...                     TimingHeader(1, 1, 0, 0).to_bytes(), np.array([3]), 1, 1, 1, 2)
    >>> out[0, 0].tolist()
    [0, 0, 0, 0, 0, 0, 4, 0, 144, 1, 0, 5, 0, 0, 0, 0, 116, 117, 118, 119]
    """
    if not (isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.ndim == 3
            and isinstance(raw, np.ndarray) and raw.dtype == np.uint8 and raw.ndim == 4):
        raise TypeError("out must be uint8 [n_sym, n_e, size] and raw uint8 [n_eaxc, "
                        "n_symbols, n_prb, bytes_per_prb]")
    if len(timing) != 4:
        raise ValueError(f"timing must be the 4 timing header bytes, got {len(timing)}")
    if n < 1 or n * raw.shape[3] + 16 > out.shape[2] or p0 < 0 or p0 + n > raw.shape[2]:
        raise ValueError(f"PRBs {p0}..{p0 + n - 1} of out do not lie in raw's {raw.shape[2]}")
    _refill(np.ascontiguousarray(raw), rows, symbols, np.frombuffer(timing, dtype=np.uint8),
            seq0, int(step), int(offset), int(p0), n, out)


@njit(cache=True, nogil=True)
def _store(block: np.ndarray, fields: np.ndarray, keep: np.ndarray, raw: np.ndarray,
           received: np.ndarray, cplane_seen: np.ndarray) -> int:  # pragma: no cover - compiled
    m, size = block.shape
    n_s = raw.shape[1]
    bpp = raw.shape[3]
    flat = raw.reshape(raw.shape[0] * n_s, raw.shape[2] * bpp)
    without = 0
    for r in range(m):
        if not keep[r]:
            continue
        k, l, p0, n = fields[r, 1], fields[r, 6], fields[r, 7], fields[r, 8]
        length = n * bpp
        if (fields[r, 0] != 1 or k < 0 or k >= raw.shape[0] or l < 0 or l >= n_s or p0 < 0
                or n < 0 or p0 + n > raw.shape[2] or length > size):
            return r                                   # not a plain message of this buffer
        _copy(flat[k * n_s + l, p0 * bpp:p0 * bpp + length], block[r, size - length:])
        received[k, l, p0:p0 + n] = True
        if not cplane_seen[k]:
            without += 1
    return -1 - without


def store_uplane_block(block: np.ndarray, fields: np.ndarray, keep: np.ndarray,
                       raw: np.ndarray, received: np.ndarray,
                       cplane_seen: np.ndarray | None = None) -> int:
    """Store the PRB bytes of the plain U-plane messages ``block`` ``[m, size]`` whose
    ``keep`` flag is set (their :func:`parse_uplane_block` ``fields``) into ``raw`` uint8
    ``[n_eaxc, n_symbols, n_prb, bytes_per_prb]`` at (eAxC index, symbolId, startPrbu ..)
    and set those PRBs in ``received`` bool ``[n_eaxc, n_symbols, n_prb]`` (O-RAN.WG4.CUS.0
    clause 8.3.3: the PRB fields end the message). A kept row that is not plain, or whose
    PRBs lie outside ``raw``, is a ``ValueError`` (rows before it are stored). Returns how
    many stored messages are of an eAxC row whose ``cplane_seen`` (bool ``[n_eaxc]``) is
    False -- U-plane without C-plane (0 without ``cplane_seen``).

    >>> from softran.oran.radio_header import TimingHeader, UdCompHdr
    >>> from softran.oran.uplane import UPlaneFormat, encode_uplane_symbols
    >>> sent = np.arange(1 * 14 * 4 * 28, dtype=np.uint8).reshape(1, 14, 4, 28)
    >>> fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=4)
    >>> pdus = encode_uplane_symbols(sent, [0], [TimingHeader(1, 0, 0, 0, 5)], [(1, 3)], [0],
    ...                              section_id=1, fmt=fmt)
    >>> block = np.frombuffer(pdus[0], dtype=np.uint8).reshape(1, -1)
    >>> f = parse_uplane_block(block, prb_bytes=28, n_prb_carrier=4, slots_per_subframe=1,
    ...                        n_symbols=14, direction=1, lookup=eaxc_lookup([0]))
    >>> raw = np.zeros_like(sent); got = np.zeros((1, 14, 4), bool)
    >>> store_uplane_block(block, f, np.ones(1, bool), raw, got)
    0
    >>> bool((raw[0, 5, 1:] == sent[0, 5, 1:]).all()), got[0, 5].tolist(), int(raw[0, 5, 0].max())
    (True, [False, True, True, True], 0)
    """
    if not (isinstance(raw, np.ndarray) and raw.dtype == np.uint8 and raw.ndim == 4
            and raw.flags.c_contiguous and isinstance(received, np.ndarray)
            and received.dtype == np.bool_ and received.shape == raw.shape[:3]):
        raise TypeError("raw must be C-contiguous uint8 [n_eaxc, n_symbols, n_prb, "
                        "bytes_per_prb] and received bool [n_eaxc, n_symbols, n_prb]")
    if fields.shape[0] != block.shape[0] or keep.shape != (block.shape[0],):
        raise ValueError("fields and keep need one row per message of block")
    if cplane_seen is None:
        cplane_seen = np.ones(raw.shape[0], dtype=bool)
    elif not (isinstance(cplane_seen, np.ndarray) and cplane_seen.dtype == np.bool_
              and cplane_seen.shape == raw.shape[:1]):
        raise TypeError("cplane_seen must be bool [n_eaxc]")
    bad = _store(block, fields, keep, raw, received, cplane_seen)
    if bad >= 0:
        raise ValueError(f"message {bad} is not plain or its PRBs lie outside raw "
                         f"{raw.shape[:3]}: fields {fields[bad].tolist()}")
    return -1 - bad
