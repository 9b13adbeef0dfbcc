"""Classic libpcap capture files: writer and reader (no third-party dependency).

File format (the de-facto libpcap format, also IETF draft-ietf-opsawg-pcap): a 24-byte global
header ``magic(4) version_major(2)=2 version_minor(2)=4 thiszone(4) sigfigs(4) snaplen(4)
linktype(4)`` then records ``ts_sec(4) ts_usec_or_nsec(4) incl_len(4) orig_len(4) data``.
Magic 0xA1B2C3D4 means microsecond timestamps, 0xA1B23C4D nanoseconds; the byte order of the
magic gives the byte order of the whole file. This writer uses little endian; the reader takes
both byte orders and both resolutions.

Link types: :data:`LINKTYPE_ETHERNET` (1, EN10MB) for Ethernet frames -- eCPRI over Ethernet
(EtherType 0xAEFE) or Ethernet/IPv4/UDP frames from
:func:`~softran.oran.transport.build_udp_ipv4_frame` (Wireshark/tshark then need "decode as"
for the UDP port: ``-d udp.port==50000,ecpri``); :data:`LINKTYPE_RAW` (101) for bare IP packets.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from softran.oran.errors import FronthaulDecodeError
from softran.oran.transport import (
    ECPRI_ETHERTYPE,
    VlanTag,
    build_ethernet_frame,
    build_udp_ipv4_frame,
    parse_ethernet_frame,
    parse_udp_ipv4_frame,
)
from softran.validation import check_allocation, check_int

__all__ = [
    "LINKTYPE_ETHERNET",
    "LINKTYPE_RAW",
    "PcapPacket",
    "PcapReader",
    "PcapWriter",
    "extract_ecpri",
    "read_pcap",
]

#: LINKTYPE_ETHERNET (DLT_EN10MB): IEEE 802.3 Ethernet frames without FCS.
LINKTYPE_ETHERNET: int = 1
#: LINKTYPE_RAW: raw IPv4/IPv6 packets, no link-layer header.
LINKTYPE_RAW: int = 101

_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D
_MAX_SNAPLEN = 1 << 18


@dataclass(frozen=True)
class PcapPacket:
    """One captured packet: timestamp in integer nanoseconds, captured bytes, original length."""

    timestamp_ns: int
    data: bytes
    orig_len: int


class PcapWriter:
    """Write a classic pcap file.

    Args:
        file: path or binary file object (not closed by :meth:`close` if passed in open).
        linktype: :data:`LINKTYPE_ETHERNET` (default) or another LINKTYPE value.
        snaplen: largest packet the file declares (packets longer than this raise).
        nanosecond: write nanosecond timestamps (magic 0xA1B23C4D) instead of microseconds.

    >>> import io
    >>> buf = io.BytesIO()
    >>> with PcapWriter(buf) as w:
    ...     w.write(bytes(60), timestamp_ns=1_500_000_000)
    >>> buf.getvalue()[:4].hex(), len(buf.getvalue())
    ('d4c3b2a1', 100)
    """

    def __init__(self, file: str | os.PathLike[str] | BinaryIO, *,
                 linktype: int = LINKTYPE_ETHERNET, snaplen: int = 65535,
                 nanosecond: bool = False) -> None:
        self.linktype = check_int("linktype", linktype, 0, 0xFFFFFFFF)
        self.snaplen = check_int("snaplen", snaplen, 1, _MAX_SNAPLEN)
        self.nanosecond = bool(nanosecond)
        if isinstance(file, (str, os.PathLike)):
            self._fh: BinaryIO = open(file, "wb")
            self._owned = True
        elif hasattr(file, "write"):
            self._fh, self._owned = file, False
        else:
            raise TypeError(f"file must be a path or a binary file, got {type(file).__name__}")
        magic = _MAGIC_NS if self.nanosecond else _MAGIC_US
        self._fh.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, self.snaplen, self.linktype))

    def write(self, data: bytes, timestamp_ns: int = 0) -> None:
        """Append one packet (its whole length is captured) with a timestamp in ns since 1970."""
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        if len(data) > self.snaplen:
            raise ValueError(f"packet of {len(data)} bytes exceeds snaplen = {self.snaplen}")
        timestamp_ns = check_int("timestamp_ns", timestamp_ns, 0, (1 << 32) * 10**9 - 1)
        sec, frac = divmod(timestamp_ns, 10**9)
        if not self.nanosecond:
            if frac % 1000:
                raise ValueError(f"timestamp_ns = {timestamp_ns} is not a whole microsecond; "
                                 "use nanosecond=True")
            frac //= 1000
        self._fh.write(struct.pack("<IIII", sec, frac, len(data), len(data)) + bytes(data))

    def write_ethernet(self, pdu: bytes, timestamp_ns: int = 0, *,
                       dst: str | bytes = "02:00:00:00:00:02",
                       src: str | bytes = "02:00:00:00:00:01",
                       vlan: VlanTag | None = None) -> None:
        """Append an eCPRI PDU as an Ethernet frame (EtherType 0xAEFE, padded to 60 bytes)."""
        self._require_ethernet()
        self.write(build_ethernet_frame(pdu, dst, src, vlan=vlan, ethertype=ECPRI_ETHERTYPE),
                   timestamp_ns)

    def write_udp(self, pdu: bytes, timestamp_ns: int = 0, **frame_options: object) -> None:
        """Append an eCPRI PDU as an Ethernet/IPv4/UDP frame; ``frame_options`` go to
        :func:`~softran.oran.transport.build_udp_ipv4_frame` (ports, addresses, VLAN)."""
        self._require_ethernet()
        frame = build_udp_ipv4_frame(pdu, **frame_options)  # type: ignore[arg-type]
        self.write(frame, timestamp_ns)

    def _require_ethernet(self) -> None:
        if self.linktype != LINKTYPE_ETHERNET:
            raise ValueError(f"this writer has linktype {self.linktype}; Ethernet frames need "
                             f"LINKTYPE_ETHERNET ({LINKTYPE_ETHERNET})")

    def close(self) -> None:
        """Flush, and close the file if this writer opened it."""
        self._fh.flush()
        if self._owned:
            self._fh.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PcapReader:
    """Read a classic pcap file record by record; iterate over :class:`PcapPacket`.

    ``source`` is a path, the bytes of a capture, or a binary file object (an open file, a
    pipe such as ``sys.stdin.buffer``, a socket's ``makefile("rb")``). Records are read one
    at a time as the iteration asks for them, so memory stays bounded by one record (at most
    the snaplen, itself at most 256 KiB) whatever the size of the capture. A path is opened
    for each iteration and closed when it ends; a file object is not closed, is read from its
    current position (the global header first) and, if it cannot seek (a pipe), can be
    iterated once only.

    Attributes ``linktype``, ``snaplen``, ``nanosecond`` and ``byte_order`` come from the
    global header, which the constructor reads.

    Raises:
        FronthaulDecodeError: unknown magic, truncated header or record (with the byte offset
            of the record and how many bytes were missing), a record longer than the snaplen /
            the 256 KiB limit, a sub-second field out of range.

    >>> import io
    >>> buf = io.BytesIO()
    >>> with PcapWriter(buf, nanosecond=True) as w:
    ...     w.write(b"abc", timestamp_ns=7)
    >>> [(p.timestamp_ns, p.data) for p in PcapReader(buf.getvalue())]
    [(7, b'abc')]
    >>> _ = buf.seek(0)
    >>> [p.data for p in PcapReader(buf)]            # a file object: read as it goes
    [b'abc']
    """

    def __init__(self, source: str | os.PathLike[str] | bytes | BinaryIO) -> None:
        self._path: Path | None = None
        self._data: bytes | None = None
        self._fh: BinaryIO | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._data = bytes(source)
            header = self._data[:24]
        elif isinstance(source, (str, os.PathLike)):
            self._path = Path(source)
            with open(self._path, "rb") as f:
                header = _read_exact(f, 24)
        elif hasattr(source, "read"):
            self._fh = source
            header = _read_exact(source, 24)
        else:
            raise TypeError(f"source must be a path, bytes or a binary file object, got "
                            f"{type(source).__name__}")
        if not isinstance(header, bytes):
            raise TypeError(f"source must be opened in binary mode ('rb'), got "
                            f"{type(header).__name__} from its read()")
        if len(header) < 24:
            raise FronthaulDecodeError(f"pcap global header truncated: {len(header)} of 24 "
                                       "bytes")
        for order in ("<", ">"):
            magic = struct.unpack(order + "I", header[:4])[0]
            if magic in (_MAGIC_US, _MAGIC_NS):
                break
        else:
            raise FronthaulDecodeError(f"not a classic pcap file (magic {header[:4].hex()})")
        self.byte_order = order
        self.nanosecond = magic == _MAGIC_NS
        major, _minor, _zone, _sigfigs, self.snaplen, self.linktype = struct.unpack(
            order + "HHiIII", header[4:24])
        if major != 2:
            raise FronthaulDecodeError(f"pcap version {major} is not supported (2 is)")
        self._start: int | None = None
        if self._fh is not None:
            try:
                self._start = self._fh.tell() if self._fh.seekable() else None
            except (OSError, AttributeError):
                self._start = None

    def __iter__(self) -> Iterator[PcapPacket]:
        if self._path is not None:
            with open(self._path, "rb") as f:
                f.seek(24)
                yield from self._records(f)
        elif self._data is not None:
            f = io.BytesIO(self._data)
            f.seek(24)
            yield from self._records(f)
        else:
            assert self._fh is not None
            if self._start is not None:
                self._fh.seek(self._start)
            yield from self._records(self._fh)

    def _records(self, f: BinaryIO) -> Iterator[PcapPacket]:
        order = self.byte_order
        limit = min(max(self.snaplen, 1), _MAX_SNAPLEN) if self.snaplen else _MAX_SNAPLEN
        scale = 1 if self.nanosecond else 1000
        pos = 24
        while True:
            head = _read_exact(f, 16)
            if not head:
                return
            if len(head) < 16:
                raise FronthaulDecodeError(f"pcap record header truncated at byte {pos}: "
                                           f"{len(head)} of 16 bytes")
            sec, frac, incl, orig = struct.unpack(order + "IIII", head)
            if frac * scale >= 10**9:
                raise FronthaulDecodeError(f"pcap record at byte {pos}: sub-second field {frac} "
                                           "out of range")
            if incl > limit:
                raise FronthaulDecodeError(f"pcap record at byte {pos}: incl_len = {incl} exceeds "
                                           f"the snaplen {limit}")
            data = _read_exact(f, incl)
            if len(data) < incl:
                raise FronthaulDecodeError(f"pcap record data truncated at byte {pos + 16}: "
                                           f"incl_len = {incl}, {len(data)} bytes left")
            yield PcapPacket(sec * 10**9 + frac * scale, data, orig)
            pos += 16 + incl


def _read_exact(f: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes from ``f``: fewer only at the end of the stream (a pipe or socket may
    return short reads before it)."""
    first = f.read(n)
    if not isinstance(first, bytes) or len(first) in (0, n):
        return first
    parts = [first]
    got = len(first)
    while got < n:
        chunk = f.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def read_pcap(source: str | os.PathLike[str] | bytes | BinaryIO) -> list[PcapPacket]:
    """All packets of a classic pcap file (path, bytes or binary file object) as a list; see
    :class:`PcapReader`, which streams them instead. For a path, a capture whose packets would
    not fit in memory is refused before it is read
    (:func:`softran.validation.check_allocation`).

    >>> read_pcap(bytes.fromhex('d4c3b2a1020004000000000000000000ffff000001000000'))
    []
    """
    if isinstance(source, (str, os.PathLike)) and os.path.isfile(source):
        size = os.path.getsize(source)
        # the packets' bytes plus about 100 bytes of Python objects per (at least 16-byte) record
        try:
            check_allocation("source", Path(source).name, size * (1 + 100 / 16))
        except ValueError as err:
            raise ValueError(f"{err}; iterate over PcapReader(source) to stream the packets of "
                             f"{os.fspath(source)!r} one at a time") from None
    return list(PcapReader(source))


def extract_ecpri(packets: Iterable[PcapPacket], *,
                  udp_ports: Iterable[int] = ()) -> list[bytes]:
    """eCPRI PDUs in Ethernet frames: EtherType 0xAEFE (VLAN tagged or not), plus UDP/IPv4
    datagrams whose source or destination port is in ``udp_ports``. Other frames (other
    EtherTypes, IPv4 packets that are not UDP, other ports) are skipped;
    the returned PDUs may still carry Ethernet padding (eCPRI decoding ignores it).

    Raises:
        FronthaulDecodeError: a frame that is too short for its Ethernet / IPv4 / UDP headers.

    >>> pkts = [PcapPacket(0, build_ethernet_frame(b"\\x10\\x02\\x00\\x00", "02:00:00:00:00:02",
    ...                                            "02:00:00:00:00:01"), 60)]
    >>> extract_ecpri(pkts)[0][:4].hex()
    '10020000'
    """
    ports = {check_int("udp_ports[]", p, 0, 65535) for p in udp_ports}
    out = []
    for pkt in packets:
        eth = parse_ethernet_frame(pkt.data)
        if eth.ethertype == ECPRI_ETHERTYPE:
            out.append(eth.payload)
        elif eth.ethertype == 0x0800 and ports and len(eth.payload) > 9 and eth.payload[9] == 17:
            dgram = parse_udp_ipv4_frame(pkt.data)
            if dgram.src_port in ports or dgram.dst_port in ports:
                out.append(dgram.payload)
    return out

