"""O-RAN 7.2x U-plane messages (O-RAN.WG4.CUS.0 clause 8, U-plane protocol).

A U-plane message is one eCPRI message of type 0 (IQ data) whose payload is::

    ecpriPcid (eAxC ID, 2 B) | ecpriSeqid (2 B) | timing header (4 B, symbolId = one symbol)
    | section | section | ...            (until ecpriPayload is used up: no section count)

and each section is::

    sectionId(12) rb(1) symInc(1) startPrbu(10) numPrbu(8)
    [udCompHdr(8) reserved(8)]           only with the M-plane "dynamic" compression header
    numPrbu x PRB                        each: udCompParam (0..2 B) + 12 REs x (I, Q)

``numPrbu = 0`` means all PRBs of the carrier (:attr:`UPlaneFormat.n_prb_carrier`).

The PRB bytes are opaque here (:attr:`UPlaneSection.prb_payload`); their size per PRB comes
from the compression method and width -- the section's udCompHdr when present, else the
static configuration -- through :attr:`UPlaneFormat.prb_bytes` (by default the standard table
:func:`~softran.oran.radio_header.ud_prb_bytes`). Compressing and decompressing the IQ values
is the job of :mod:`softran.oran.compression`; :func:`pack_uncompressed` /
:func:`unpack_uncompressed` cover the uncompressed (udCompMeth 0) packing of any width.

Not supported: udCompLen (methods 5..8) and the selective-RE methods 5..8 in general.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from softran.oran import _kernels
from softran.oran._reader import Reader, build
from softran.oran.bitfield import pack_signed, unpack_signed
from softran.oran.ecpri import EcpriMessage, EcpriMessageType, SeqId, encode_ecpri, single_message
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import (
    TimingHeader,
    UdCompHdr,
    check_message_ids,
    timing_header_bytes,
    ud_prb_bytes,
)
from softran.oran.uplane_block import fill_uplane_block, refill_uplane_block
from softran.validation import check_int, check_tensor

__all__ = [
    "UPlaneFormat",
    "UPlaneMessage",
    "UPlaneSection",
    "UPlaneSlotEncoder",
    "decode_uplane",
    "encode_uplane",
    "encode_uplane_symbols",
    "pack_uncompressed",
    "unpack_uncompressed",
]

_MAX_PAYLOAD = 0xFFFF


@dataclass(frozen=True)
class UPlaneFormat:
    """M-plane configuration the U-plane needs and the wire does not carry.

    Attributes:
        ud_comp_hdr_present: True if every section carries ``udCompHdr`` + a reserved byte
            ("dynamic" compression header); False for static configuration.
        static_comp_hdr: method and width of every PRB when ``ud_comp_hdr_present`` is False.
        n_prb_carrier: PRBs of the carrier; needed when ``numPrbu = 0``, and enables the PRB
            range check ``startPrbu + (numPrbu - 1)(rb + 1) < n_prb_carrier``.
        prb_bytes: ``(ud_comp_meth, ud_iq_width) -> bytes per PRB``; the default is the standard
            table of :func:`~softran.oran.radio_header.ud_prb_bytes`.

    >>> UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1)).bytes_per_prb(None)
    28
    """

    ud_comp_hdr_present: bool = False
    static_comp_hdr: UdCompHdr = UdCompHdr(16, 0)
    n_prb_carrier: int | None = None
    prb_bytes: Callable[[int, int], int] = field(default=ud_prb_bytes)

    def __post_init__(self) -> None:
        if not isinstance(self.ud_comp_hdr_present, bool):
            raise TypeError("ud_comp_hdr_present must be a bool")
        if not isinstance(self.static_comp_hdr, UdCompHdr):
            raise TypeError("static_comp_hdr must be a UdCompHdr")
        if self.n_prb_carrier is not None:
            check_int("n_prb_carrier", self.n_prb_carrier, 1, 1024)
        if not callable(self.prb_bytes):
            raise TypeError("prb_bytes must be callable (ud_comp_meth, ud_iq_width) -> int")

    def bytes_per_prb(self, ud_comp_hdr: UdCompHdr | None) -> int:
        """Bytes per PRB for a section's udCompHdr (None: the static configuration)."""
        hdr = self.static_comp_hdr if ud_comp_hdr is None else ud_comp_hdr
        n = self.prb_bytes(hdr.ud_comp_meth, hdr.ud_iq_width)
        return check_int("prb_bytes(...)", n, 1)


@dataclass(frozen=True, kw_only=True)
class UPlaneSection:
    """One U-plane data section (CUS clause 8.3.2).

    Attributes:
        section_id: 0..4095 (matches the C-plane section).
        start_prbu: 0..1023.
        num_prbu: 0..255 (0 = all PRBs of the carrier).
        prb_payload: the PRB bytes (udCompParam + IQ per PRB), ``n_prb x bytes_per_prb``.
        rb, sym_inc: 0/1.
        ud_comp_hdr: present iff :attr:`UPlaneFormat.ud_comp_hdr_present`.
    """

    section_id: int
    start_prbu: int
    num_prbu: int
    prb_payload: bytes
    rb: int = 0
    sym_inc: int = 0
    ud_comp_hdr: UdCompHdr | None = None

    def __post_init__(self) -> None:
        check_int("section_id", self.section_id, 0, 4095)
        check_int("start_prbu", self.start_prbu, 0, 1023)
        check_int("num_prbu", self.num_prbu, 0, 255)
        check_int("rb", self.rb, 0, 1)
        check_int("sym_inc", self.sym_inc, 0, 1)
        if not isinstance(self.prb_payload, (bytes, bytearray)):
            raise TypeError(f"prb_payload must be bytes, got {type(self.prb_payload).__name__}")
        object.__setattr__(self, "prb_payload", bytes(self.prb_payload))
        if self.ud_comp_hdr is not None and not isinstance(self.ud_comp_hdr, UdCompHdr):
            raise TypeError("ud_comp_hdr must be a UdCompHdr or None")


@dataclass(frozen=True, kw_only=True)
class UPlaneMessage:
    """One U-plane message: eAxC ID, ecpriSeqid, timing header (one symbol) and >= 1 sections."""

    eaxc_id: int
    timing: TimingHeader
    sections: tuple[UPlaneSection, ...]
    seq: SeqId = SeqId()

    def __post_init__(self) -> None:
        check_message_ids(self.eaxc_id, self.timing, self.seq)
        sections = tuple(self.sections)
        if not sections:
            raise ValueError("a U-plane message needs at least one section")
        for k, s in enumerate(sections):
            if not isinstance(s, UPlaneSection):
                raise TypeError(f"sections[{k}] must be a UPlaneSection, got {type(s).__name__}")
        object.__setattr__(self, "sections", sections)


def _n_prb(num_prbu: int, fmt: UPlaneFormat, what: str, exc: type[ValueError]) -> int:
    if num_prbu:
        return num_prbu
    if fmt.n_prb_carrier is None:
        raise exc(f"{what}: numPrbu = 0 (all PRBs) needs UPlaneFormat.n_prb_carrier")
    return fmt.n_prb_carrier


def _check_range(start: int, num: int, rb: int, fmt: UPlaneFormat, what: str,
                 exc: type[ValueError]) -> None:
    if fmt.n_prb_carrier is not None and num:
        last = start + (num - 1) * (rb + 1)
        if last >= fmt.n_prb_carrier:
            raise exc(f"{what}: PRBs {start}..{last} exceed the carrier "
                      f"(n_prb_carrier = {fmt.n_prb_carrier})")


def encode_uplane(msg: UPlaneMessage, fmt: UPlaneFormat | None = None) -> bytes:
    """Encode a U-plane message as one eCPRI message (type 0, C = 0), header included.

    O-RAN.WG4.CUS.0 clause 8.3 (U-plane message format). Each section's ``prb_payload`` must
    be exactly ``n_prb * bytes_per_prb`` bytes for its compression (``ValueError`` otherwise).

    >>> from softran.oran.radio_header import TimingHeader
    >>> iq = torch.tensor([[[1000 * (k + 1), -500 * (k + 1)] for k in range(12)]])
    >>> msg = UPlaneMessage(eaxc_id=1, timing=TimingHeader(1, 3, 2, 1, 0),
    ...                     sections=(UPlaneSection(section_id=1, start_prbu=0, num_prbu=1,
    ...                                             prb_payload=pack_uncompressed(iq)),))
    >>> wire = encode_uplane(msg)
    >>> wire[:16].hex(' ')
    '10 00 00 3c 00 01 00 80 90 03 20 40 00 10 00 01'
    >>> decode_uplane(wire) == msg
    True
    """
    fmt = UPlaneFormat() if fmt is None else fmt
    if not isinstance(fmt, UPlaneFormat):
        raise TypeError(f"fmt must be a UPlaneFormat, got {type(fmt).__name__}")
    if not isinstance(msg, UPlaneMessage):
        raise TypeError(f"msg must be a UPlaneMessage, got {type(msg).__name__}")
    out = bytearray(msg.eaxc_id.to_bytes(2, "big") + msg.seq.to_bytes() + msg.timing.to_bytes())
    for k, s in enumerate(msg.sections):
        what = f"sections[{k}]"
        if fmt.ud_comp_hdr_present != (s.ud_comp_hdr is not None):
            raise ValueError(f"{what}.ud_comp_hdr must be "
                             f"{'set' if fmt.ud_comp_hdr_present else 'None'} with "
                             f"ud_comp_hdr_present = {fmt.ud_comp_hdr_present}")
        n_prb = _n_prb(s.num_prbu, fmt, what, ValueError)
        _check_range(s.start_prbu, s.num_prbu, s.rb, fmt, what, ValueError)
        need = n_prb * fmt.bytes_per_prb(s.ud_comp_hdr)
        if len(s.prb_payload) != need:
            raise ValueError(f"{what}.prb_payload has {len(s.prb_payload)} bytes; {n_prb} PRBs "
                             f"need {need}")
        word = ((s.section_id << 20) | (s.rb << 19) | (s.sym_inc << 18) | (s.start_prbu << 8)
                | s.num_prbu)
        out += word.to_bytes(4, "big")
        if s.ud_comp_hdr is not None:
            out += bytes([s.ud_comp_hdr.to_byte(), 0])
        out += s.prb_payload
    if len(out) > _MAX_PAYLOAD:
        raise ValueError(f"U-plane payload of {len(out)} bytes exceeds ecpriPayload's "
                         f"{_MAX_PAYLOAD}; split the symbol into several messages")
    return encode_ecpri(EcpriMessage(EcpriMessageType.IQ_DATA, bytes(out)))


def encode_uplane_symbols(raw: np.ndarray, eaxc_ids: Sequence[int],
                          timings: Sequence[TimingHeader], chunks: Sequence[tuple[int, int]],
                          seq_start: Sequence[int], *, section_id: int,
                          ud_comp_hdr: UdCompHdr | None = None,
                          fmt: UPlaneFormat | None = None) -> list[bytes]:
    """Encode many one-section U-plane messages at once (O-RAN.WG4.CUS.0 clause 8.3): the
    fast path of an O-DU / O-RU that sends whole symbols.

    ``raw``: uint8 PRB bytes ``[n_eaxc, n_symbols, n_prb, bytes_per_prb]`` (symbol index =
    ``timing.start_symbol_id``); for each timing header (one symbol), each eAxC and each chunk
    ``(start_prbu, num_prbu)`` (``num_prbu = 0``: all PRBs of the carrier) one message with
    sectionId ``section_id``, rb = symInc = 0 and ``ud_comp_hdr`` (required exactly when
    ``fmt.ud_comp_hdr_present``). eAxC ``k``'s messages carry sequence numbers
    ``seq_start[k], seq_start[k] + 1, ...`` (mod 256; E = 1, subsequence 0) in the order of
    the returned list: symbol, then eAxC, then chunk. Byte-identical to
    :func:`encode_uplane` of the same messages, with the checks done once per chunk.

    >>> from softran.oran.radio_header import TimingHeader
    >>> raw = np.zeros((1, 14, 2, 48), dtype=np.uint8)
    >>> msgs = encode_uplane_symbols(raw, [1], [TimingHeader(1, 3, 2, 1, 0)], [(0, 2)], [0],
    ...                              section_id=1)
    >>> len(msgs), msgs[0][:16].hex(' ')
    (1, '10 00 00 6c 00 01 00 80 90 03 20 40 00 10 00 02')
    """
    fmt = UPlaneFormat() if fmt is None else fmt
    if not isinstance(fmt, UPlaneFormat):
        raise TypeError(f"fmt must be a UPlaneFormat, got {type(fmt).__name__}")
    raw = np.asarray(raw)
    if raw.dtype != np.uint8 or raw.ndim != 4:
        raise ValueError(f"raw must be uint8 [n_eaxc, n_symbols, n_prb, bytes_per_prb], got "
                         f"{raw.dtype} {raw.shape}")
    if fmt.ud_comp_hdr_present != (ud_comp_hdr is not None):
        raise ValueError(f"ud_comp_hdr must be {'set' if fmt.ud_comp_hdr_present else 'None'} "
                         f"with ud_comp_hdr_present = {fmt.ud_comp_hdr_present}")
    eaxc = [check_int("eaxc_ids", e, 0, 0xFFFF) for e in eaxc_ids]
    if len(eaxc) != raw.shape[0] or len(seq_start) != len(eaxc):
        raise ValueError(f"raw has {raw.shape[0]} eAxCs; eaxc_ids and seq_start must have as "
                         f"many, got {len(eaxc)} and {len(seq_start)}")
    section_id = check_int("section_id", section_id, 0, 0xFFF)
    bpp = fmt.bytes_per_prb(ud_comp_hdr)
    if raw.shape[3] != bpp:
        raise ValueError(f"raw has {raw.shape[3]} bytes per PRB; the compression needs {bpp}")
    symbols = [t.start_symbol_id for t in timings]
    if symbols and max(symbols) >= raw.shape[1]:
        raise ValueError(f"timings name symbol {max(symbols)}; raw has {raw.shape[1]}")
    n_sym, n_e, n_c = len(timings), len(eaxc), len(chunks)
    if n_sym == 0 or n_e == 0 or n_c == 0:
        return []
    comp = b"" if ud_comp_hdr is None else bytes([ud_comp_hdr.to_byte(), 0])
    seq0 = np.array([check_int("seq_start", q, 0, 255) for q in seq_start], dtype=np.int64)
    timing_bytes = np.frombuffer(b"".join(t.to_bytes() for t in timings),
                                 dtype=np.uint8).reshape(n_sym, 4)
    sym = np.array(symbols, dtype=np.int64)
    ids = np.array(eaxc, dtype=np.int64)
    per_chunk = []
    for c, (p0, num) in enumerate(chunks):
        what = f"chunks[{c}]"
        check_int(f"{what} start_prbu", p0, 0, 1023)
        check_int(f"{what} num_prbu", num, 0, 255)
        n = _n_prb(num, fmt, what, ValueError)
        _check_range(p0, num, 0, fmt, what, ValueError)
        if p0 + n > raw.shape[2]:
            raise ValueError(f"{what}: PRBs {p0}..{p0 + n - 1} exceed raw's {raw.shape[2]}")
        head = 16 + len(comp)
        size = head - 4 + n * bpp                                   # ecpriPayload
        if size > _MAX_PAYLOAD:
            raise ValueError(f"{what}: U-plane payload of {size} bytes exceeds ecpriPayload's "
                             f"{_MAX_PAYLOAD}; split the symbol into several messages")
        word = (section_id << 20) | (p0 << 8) | num
        header = np.frombuffer(bytes([0x10, EcpriMessageType.IQ_DATA, size >> 8, size & 0xFF,
                                      0, 0, 0, 0x80, 0, 0, 0, 0]) + word.to_bytes(4, "big")
                               + comp, dtype=np.uint8)
        j = np.arange(n_sym)[:, None] * n_c + c                     # message index per flow
        seq = (seq0[None, :] + j) % 256
        per_chunk.append(fill_uplane_block(raw, sym, timing_bytes, ids, seq, header, p0, n))
    if n_c == 1:
        return [m.tobytes() for m in per_chunk[0].reshape(n_sym * n_e, -1)]
    return [per_chunk[c][i, k].tobytes() for i in range(n_sym) for k in range(n_e)
            for c in range(n_c)]


class UPlaneSlotEncoder:
    """:func:`encode_uplane_symbols` of one message layout, slot after slot, into buffers
    written once (O-RAN.WG4.CUS.0 clause 8.3).

    The layout -- the rows of ``raw`` sent and their eAxC IDs, the symbols, the chunks
    ``(start_prbu, num_prbu)``, sectionId, dataDirection, udCompHdr, format -- is fixed at
    construction, where :func:`encode_uplane_symbols` writes every message once; each
    :meth:`encode` rewrites only the Sequence IDs, the timing headers and the PRB bytes
    (:func:`~softran.oran.uplane_block.refill_uplane_block`) and returns the same bytes as
    ``encode_uplane_symbols(raw[rows], eaxc_ids, TimingHeader(direction, frame_id,
    subframe_id, slot_id).with_symbols(symbols), chunks, seq_start, ...)``.

    >>> raw = np.zeros((2, 14, 2, 48), dtype=np.uint8); raw[1, 3] = 7
    >>> enc = UPlaneSlotEncoder(raw.shape, [0x11], [1], [3, 4], [(0, 2)], section_id=1,
    ...                         direction=1)
    >>> msgs = enc.encode(raw, 3, 2, 1, [9])
    >>> msgs == encode_uplane_symbols(raw[1:], [0x11], TimingHeader(1, 3, 2, 1).with_symbols(
    ...     [3, 4]), [(0, 2)], [9], section_id=1)
    True
    >>> len(msgs), msgs[1][:16].hex(' ')
    (2, '10 00 00 6c 00 11 0a 80 90 03 20 44 00 10 00 02')

    ``row_major``: the same messages in the order of one encoder per row -- row, then
    symbol, then chunk -- written in that order in place (no reordering copy):

    >>> two = UPlaneSlotEncoder(raw.shape, [0x10, 0x11], [0, 1], [3, 4], [(0, 2)],
    ...                         section_id=1, direction=1, row_major=True)
    >>> mine = two.encode(raw, 3, 2, 1, [9, 20])
    >>> mine == (UPlaneSlotEncoder(raw.shape, [0x10], [0], [3, 4], [(0, 2)], section_id=1,
    ...                            direction=1).encode(raw, 3, 2, 1, [9])
    ...          + enc.encode(raw, 3, 2, 1, [20]))
    True
    """

    def __init__(self, shape: Sequence[int], eaxc_ids: Sequence[int], rows: Sequence[int],
                 symbols: Sequence[int], chunks: Sequence[tuple[int, int]], *,
                 section_id: int, direction: int, ud_comp_hdr: UdCompHdr | None = None,
                 fmt: UPlaneFormat | None = None, row_major: bool = False) -> None:
        self.shape = tuple(int(v) for v in shape)
        if len(self.shape) != 4:
            raise ValueError(f"shape must be [n_eaxc, n_symbols, n_prb, bytes_per_prb], got "
                             f"{self.shape}")
        self.rows = np.array([check_int("rows[]", r, 0, self.shape[0] - 1) for r in rows],
                             dtype=np.int64)
        self.symbols = np.array([check_int("symbols[]", l, 0, self.shape[1] - 1)
                                 for l in symbols], dtype=np.int64)
        self.direction = check_int("direction", direction, 0, 1)
        self.chunks = tuple((int(p0), int(n)) for p0, n in chunks)
        if not (self.rows.size and self.symbols.size and self.chunks):
            raise ValueError("rows, symbols and chunks must not be empty")
        zero = np.zeros(self.shape, dtype=np.uint8)
        timings = TimingHeader(self.direction, 0, 0, 0).with_symbols(self.symbols.tolist())
        n_sym, n_e, n_c = self.symbols.size, self.rows.size, len(self.chunks)
        # the messages, written once by the reference encoder (which checks everything)
        pdus = encode_uplane_symbols(zero[self.rows], eaxc_ids, timings, self.chunks,
                                     [0] * n_e, section_id=section_id,
                                     ud_comp_hdr=ud_comp_hdr, fmt=fmt)
        fmt = UPlaneFormat() if fmt is None else fmt
        self.row_major = bool(row_major)
        # per chunk: the messages [n_sym, n_e, size] the kernels write (a transposed view of
        # the row-major array with row_major) and the same as rows [m, size] in sending order
        self._out: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        # the C-contiguous array behind each chunk's messages ([n_e, n_sym, size] with
        # row_major): what the vector BFP kernel writes
        self._base: list[np.ndarray] = []
        self._prbs: list[tuple[int, int]] = []
        for c, (p0, num) in enumerate(self.chunks):
            size = len(pdus[c])
            out = np.frombuffer(b"".join(pdus[c::n_c]), dtype=np.uint8).reshape(
                n_sym, n_e, size).copy()
            if self.row_major:
                mine = out.transpose(1, 0, 2).copy()
                self._out.append(mine.transpose(1, 0, 2))
                self._rows.append(mine.reshape(-1, size))
                self._base.append(mine)
            else:
                self._out.append(out)
                self._base.append(out)
                self._rows.append(out.reshape(-1, size))
            self._prbs.append((p0, _n_prb(num, fmt, f"chunks[{c}]", ValueError)))
        self._n = n_sym * n_e * n_c
        self._seq0 = np.zeros(n_e, dtype=np.int64)
        # the BFP quantiser's mantissas and exponents of encode_bfp_block (made on its first call)
        self._bfp_scratch: tuple[np.ndarray, np.ndarray] | None = None

    def encode(self, raw: np.ndarray, frame_id: int, subframe_id: int, slot_id: int,
               seq_start: Sequence[int]) -> list[bytes]:
        """The messages of one slot, in the order of :func:`encode_uplane_symbols` (symbol,
        then eAxC, then chunk; with ``row_major`` eAxC, then symbol, then chunk); eAxC ``j``
        numbered from ``seq_start[j]`` on."""
        self._refill(raw, frame_id, subframe_id, slot_id, seq_start)
        n_c = len(self.chunks)
        if n_c == 1:
            size = self._rows[0].shape[1]
            data = self._rows[0].tobytes()
            return [data[o:o + size] for o in range(0, len(data), size)]
        per = [[m.tobytes() for m in rows] for rows in self._rows]
        return [per[c][i] for i in range(len(per[0])) for c in range(n_c)]

    @property
    def block_size(self) -> int | None:
        """The size of every message when the layout has one chunk (its messages are then
        the rows of one array, :meth:`encode_block`); ``None`` with several chunks."""
        return self._rows[0].shape[1] if len(self._rows) == 1 else None

    def encode_block(self, raw: np.ndarray, frame_id: int, subframe_id: int, slot_id: int,
                     seq_start: Sequence[int]) -> np.ndarray:
        """:meth:`encode` (O-RAN.WG4.CUS.0 clause 8.3 U-plane messages) of a one-chunk layout
        as uint8 ``[n_messages, size]``: row ``i`` is
        message ``i`` of :meth:`encode`, byte for byte, written in place (the array is the
        encoder's own and is rewritten by its next call: send it first, or copy it).

        >>> raw = np.zeros((1, 14, 2, 48), dtype=np.uint8); raw[0, 5] = 3
        >>> enc = UPlaneSlotEncoder(raw.shape, [0], [0], [4, 5], [(0, 2)], section_id=1,
        ...                         direction=1)
        >>> block = enc.encode_block(raw, 1, 0, 0, [7])
        >>> block.shape, [bytes(r) for r in block] == enc.encode(raw, 1, 0, 0, [7])
        ((2, 112), True)
        """
        if len(self._out) != 1:
            raise ValueError(f"encode_block needs a layout of one chunk, this one has "
                             f"{len(self._out)}: use encode")
        self._refill(raw, frame_id, subframe_id, slot_id, seq_start)
        return self._rows[0]

    def encode_bfp_block(self, x: np.ndarray, scale: float, width: int, round_saturate: bool,
                         frame_id: int, subframe_id: int, slot_id: int,
                         seq_start: Sequence[int]) -> np.ndarray | None:
        """:meth:`encode_block` of the BFP compression of float I/Q ``x`` (float32
        ``[n_eaxc, n_symbols, n_prb, 24]``, C-contiguous, I/Q interleaved per RE) in one
        compiled pass: the PRB fields quantised and packed (O-RAN.WG4.CUS.0 Annex A.1.2,
        clause 8.3.3) straight into the messages, the same bytes as :meth:`encode_block` of
        ``compress_prb_bytes`` of the grid with ``full_scale = 2^15 / scale`` (``scale`` 0:
        integer I/Q) and ``width``. ``None`` where a value does not fit (outside 16 bits,
        or a non-integer with ``scale`` 0), or with the kernels switched off
        (``softran.oran._kernels.ENABLED``): run the reference path, which names the value.

        >>> import torch
        >>> from softran.oran.compression import compress_prb_bytes
        >>> g = torch.randn(1, 14, 2, 12, dtype=torch.complex64, generator=torch.Generator(
        ...     ).manual_seed(1))
        >>> enc = UPlaneSlotEncoder((1, 14, 2, 28), [0], [0], range(14), [(0, 2)],
        ...                         section_id=1, direction=1,
        ...                         fmt=UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1)))
        >>> ref = enc.encode_block(compress_prb_bytes(g, "bfp", 9, full_scale=4.0),
        ...                        3, 0, 1, [5]).copy()
        >>> x = g.numpy().view(np.float32).reshape(1, 14, 2, 24)
        >>> bool((enc.encode_bfp_block(x, 2 ** 15 / 4.0, 9, False, 3, 0, 1, [5]) == ref).all())
        True
        """
        if len(self._out) != 1:
            raise ValueError(f"encode_bfp_block needs a layout of one chunk, this one has "
                             f"{len(self._out)}: use encode")
        if not (type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous
                and x.shape == (*self.shape[:3], 24)):
            raise ValueError(f"x must be C-contiguous float32 of shape "
                             f"{[*self.shape[:3], 24]}, got {getattr(x, 'dtype', type(x))} "
                             f"{list(getattr(x, 'shape', ()))}")
        if type(width) is not int or not 1 <= width <= 16 or 1 + 3 * width != self.shape[3]:
            raise ValueError(f"width = {width!r}: this layout has {self.shape[3]} bytes per "
                             f"PRB, BFP needs 1 + 3 width")
        if not _kernels.ENABLED:
            return None
        timing, seq0 = self._slot_fields(frame_id, subframe_id, slot_id, seq_start)
        p0, n = self._prbs[0]
        n_rows = x.shape[0] * x.shape[1] * x.shape[2]
        scratch = self._bfp_scratch
        if scratch is None or scratch[1].shape[0] != n_rows:   # made once per layout
            scratch = self._bfp_scratch = (np.empty((n_rows, 24), dtype=np.int16),
                                           np.empty(n_rows, dtype=np.int16))
        status = _kernels.bfp_refill_uplane(x, float(scale), width, bool(round_saturate),
                                            self.rows, self.symbols,
                                            np.frombuffer(timing, dtype=np.uint8), seq0, 1, 0,
                                            p0, n, scratch[0], scratch[1], self._base[0],
                                            self.row_major)
        if status != 0:
            return None
        return self._rows[0]

    def _slot_fields(self, frame_id: int, subframe_id: int, slot_id: int,
                     seq_start: Sequence[int]) -> tuple[bytes, np.ndarray]:
        """The checked timing header bytes (symbolId 0) and first Sequence IDs of a slot."""
        if type(frame_id) is type(subframe_id) is type(slot_id) is int:   # not bool, not float
            timing = timing_header_bytes(self.direction, frame_id, subframe_id, slot_id)
        else:
            timing = TimingHeader(self.direction, frame_id, subframe_id, slot_id).to_bytes()
        seq0 = self._seq0
        if type(seq_start) is list and len(seq_start) == seq0.shape[0]:
            # the endpoints' case, a list of plain ints, checked and copied in one loop
            for j, q in enumerate(seq_start):
                if type(q) is not int or not 0 <= q <= 255:
                    break
                seq0[j] = q
            else:
                return timing, seq0
        seq_start = list(seq_start)
        if len(seq_start) != self.rows.size or not all(
                isinstance(q, (int, np.integer)) and not isinstance(q, bool) and 0 <= q <= 255
                for q in seq_start):
            raise ValueError(f"seq_start must be {self.rows.size} Sequence IDs 0..255, got "
                             f"{seq_start}")
        seq0[:] = seq_start
        return timing, seq0

    def _refill(self, raw: np.ndarray, frame_id: int, subframe_id: int, slot_id: int,
                seq_start: Sequence[int]) -> None:
        """Rewrite the Sequence IDs, timing headers and PRB bytes of every message."""
        if not isinstance(raw, np.ndarray) or raw.dtype != np.uint8 or raw.shape != self.shape:
            raise ValueError(f"raw must be uint8 of shape {self.shape}, got "
                             f"{getattr(raw, 'dtype', type(raw).__name__)} "
                             f"{getattr(raw, 'shape', '')}")
        timing, seq0 = self._slot_fields(frame_id, subframe_id, slot_id, seq_start)
        n_c = len(self.chunks)
        for c, out in enumerate(self._out):
            p0, n = self._prbs[c]
            refill_uplane_block(out, raw, self.rows, self.symbols, timing, seq0, n_c, c, p0, n)


def decode_uplane(data: bytes | EcpriMessage, fmt: UPlaneFormat | None = None) -> UPlaneMessage:
    """Decode one U-plane message (eCPRI type 0), given as bytes or as an ``EcpriMessage``.

    Sections are read until ``ecpriPayload`` is used up; the size of each section's PRB data
    is ``n_prb * fmt.bytes_per_prb(udCompHdr)``. Bytes after the eCPRI message are ignored.

    Raises:
        FronthaulDecodeError: truncation, wrong message type, payloadVersion, reserved or
            unsupported udCompMeth, numPrbu = 0 without a configured carrier, PRBs beyond the
            carrier, a partial section at the end.

    >>> raw = bytes.fromhex('1000000c000100809003204000100001') + bytes(3)
    >>> decode_uplane(raw)
    Traceback (most recent call last):
    ...
    softran.oran.errors.FronthaulDecodeError: truncated section 0 PRB data: needs 48 bytes, 0 left
    """
    fmt = UPlaneFormat() if fmt is None else fmt
    if not isinstance(fmt, UPlaneFormat):
        raise TypeError(f"fmt must be a UPlaneFormat, got {type(fmt).__name__}")
    msg = single_message(data, EcpriMessageType.IQ_DATA)
    r = Reader(msg.payload)
    eaxc_id = r.u16("ecpriPcid")
    seq = SeqId.from_bytes(r.take(2, "ecpriSeqid"))
    timing = TimingHeader.read(r)
    sections = []
    k = 0
    while r.remaining or not sections:
        what = f"section {k}"
        word = r.uint(4, f"{what} header")
        hdr = None
        if fmt.ud_comp_hdr_present:
            hdr = UdCompHdr.from_byte(r.u8(f"{what} udCompHdr"))
            r.u8(f"{what} reserved byte")
        start, num, rb = (word >> 8) & 0x3FF, word & 0xFF, (word >> 19) & 1
        n_prb = _n_prb(num, fmt, what, FronthaulDecodeError)
        _check_range(start, num, rb, fmt, what, FronthaulDecodeError)
        try:
            per_prb = fmt.bytes_per_prb(hdr)
        except (ValueError, TypeError) as err:
            raise FronthaulDecodeError(f"{what}: {err}") from None
        payload = r.take(n_prb * per_prb, f"{what} PRB data")
        sections.append(build(UPlaneSection, what, section_id=word >> 20, start_prbu=start,
                              num_prbu=num, prb_payload=payload, rb=rb,
                              sym_inc=(word >> 18) & 1, ud_comp_hdr=hdr))
        k += 1
    return build(UPlaneMessage, "U-plane message", eaxc_id=eaxc_id, timing=timing,
                 sections=tuple(sections), seq=seq)


def pack_uncompressed(iq: torch.Tensor, width: int = 16) -> bytes:
    """PRB bytes of uncompressed IQ (udCompMeth 0): per PRB, RE 0..11, I then Q, ``width`` bits.

    O-RAN.WG4.CUS.0 clause 8.3.3 (IQ data format). ``iq`` is an integer tensor
    ``[..., n_prb, 12, 2]`` (I, Q) or a complex tensor ``[..., n_prb, 12]`` with integer real and
    imaginary parts; every value must fit ``width`` bits (no clipping). Leading dimensions
    are flattened in row-major order. ``3 * width`` bytes per PRB.

    >>> pack_uncompressed(torch.tensor([[[1000, -500]] * 12]))[:4].hex()
    '03e8fe0c'
    """
    iq = check_tensor("iq", iq, min_dim=2)
    width = check_int("width", width, 1, 16)
    if iq.is_complex():
        if iq.shape[-1] != 12:
            raise ValueError(f"complex iq must have shape [..., n_prb, 12], got {tuple(iq.shape)}")
        pairs = torch.stack([iq.real, iq.imag], dim=-1)
        if bool((pairs != pairs.round()).any()):
            raise ValueError("complex iq must have integer real and imaginary parts")
        iq = pairs.to(torch.int64)
    elif iq.dim() < 3 or iq.shape[-2:] != (12, 2):
        raise ValueError(f"integer iq must have shape [..., n_prb, 12, 2], got {tuple(iq.shape)}")
    return pack_signed(iq, width)


def unpack_uncompressed(prb_payload: bytes, n_prb: int, width: int = 16) -> torch.Tensor:
    """Inverse of :func:`pack_uncompressed`: ``int64`` tensor ``[n_prb, 12, 2]`` (CPU).

    Raises:
        FronthaulDecodeError: if ``prb_payload`` is shorter than ``n_prb * 3 * width`` bytes.

    >>> unpack_uncompressed(bytes.fromhex('03e8fe0c') + bytes(44), 1)[0, :2].tolist()
    [[1000, -500], [0, 0]]
    """
    n_prb = check_int("n_prb", n_prb, 0)
    width = check_int("width", width, 1, 16)
    return unpack_signed(prb_payload, width, n_prb * 24).reshape(n_prb, 12, 2)
