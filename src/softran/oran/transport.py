"""Fronthaul framing and transports: eCPRI over Ethernet (EtherType 0xAEFE) or UDP/IPv4.

* eCPRI over UDP/IPv4: the eCPRI PDU is the UDP payload, with no extra header (O-RAN.WG4.CUS.0
  clause 5.1.3 / eCPRI v2.0 clause 3.3.2); ports are M-plane configuration (no IANA port).
  :func:`build_udp_ipv4_frame` / :func:`parse_udp_ipv4_frame` make and read whole
  Ethernet + IPv4 + UDP frames (IPv4 header checksum computed, UDP checksum 0 = none) for pcaps.
* eCPRI over Ethernet: :func:`build_ethernet_frame` / :func:`parse_ethernet_frame` with
  optional IEEE 802.1Q tag (PCP, DEI, VID) and EtherType 0xAEFE; frames shorter than the 60-byte
  minimum (without FCS) are zero padded, and the padding is harmless because eCPRI decoding is
  driven by ``ecpriPayload``.
* :class:`UDPTransport` -- datagram socket send/receive (loopback by default); on Linux it
  sends runs of equal-size PDUs as one UDP GSO call (:meth:`UDPTransport.send_many`, socket
  option ``UDP_SEGMENT``: the kernel cuts them into ordinary datagrams) and accepts
  coalesced receives (``UDP_GRO``), which it splits back into the datagrams that were sent
  (:meth:`UDPTransport.recv_batch`);
  :class:`RawEthernetTransport` -- AF_PACKET raw socket (Linux, needs CAP_NET_RAW; raises
  :class:`TransportUnavailableError` otherwise);
* :class:`ImpairedTransport` -- seeded loss / reordering / duplication around any transport.
"""

from __future__ import annotations

import errno
import random
import socket
import struct
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from softran.oran._reader import Reader
from softran.oran.errors import FronthaulDecodeError
from softran.validation import check_int

__all__ = [
    "ECPRI_ETHERTYPE",
    "EthernetFrame",
    "ImpairedTransport",
    "RawEthernetTransport",
    "Transport",
    "TransportUnavailableError",
    "UDPTransport",
    "UdpDatagram",
    "VlanTag",
    "build_ethernet_frame",
    "build_udp_ipv4_frame",
    "ipv4_checksum",
    "mac_bytes",
    "parse_ethernet_frame",
    "parse_udp_ipv4_frame",
]

#: EtherType of eCPRI (IEEE registration).
ECPRI_ETHERTYPE: int = 0xAEFE
_VLAN_TPID = 0x8100
_IPV4_ETHERTYPE = 0x0800
_MIN_FRAME = 60          # bytes without the 4-byte FCS
# Linux UDP segmentation / receive offload (include/uapi/linux/udp.h): one sendmsg carries up
# to 64 equal-size datagrams; a socket with UDP_GRO may receive them as one buffer whose
# control message gives the segment size
_SOL_UDP = 17
_UDP_SEGMENT = 103
_UDP_GRO = 104
_GSO_MAX_SEGMENTS = 64
_UDP_MAX_PAYLOAD = 65507                  # 65535 - 20 (IPv4) - 8 (UDP)
_RECV_BYTES = 65536
_ARENA_BYTES = 8 * _RECV_BYTES      # the kept receive buffer (UDPTransport._receive)
_ANC_BYTES = socket.CMSG_SPACE(4) if hasattr(socket, "CMSG_SPACE") else 0
_GSO_UNSUPPORTED = {errno.EINVAL, errno.EIO, errno.ENOPROTOOPT, errno.EOPNOTSUPP}


class TransportUnavailableError(OSError, RuntimeError):
    """The requested transport cannot be opened here (no permission, no AF_PACKET, a port in
    use, a host name that does not resolve, ...): an ``OSError`` (the system refused), and a
    ``RuntimeError`` as it was first."""


def mac_bytes(mac: str | bytes) -> bytes:
    """A MAC address as 6 bytes, from ``"02:00:00:00:00:01"`` (or ``-``) or 6 bytes.

    >>> mac_bytes("02:00:00:00:00:01").hex()
    '020000000001'
    """
    if isinstance(mac, (bytes, bytearray)):
        if len(mac) != 6:
            raise ValueError(f"mac must be 6 bytes, got {len(mac)}")
        return bytes(mac)
    if not isinstance(mac, str):
        raise TypeError(f"mac must be a str or 6 bytes, got {type(mac).__name__}")
    parts = mac.replace("-", ":").split(":")
    try:
        octets = bytes(int(p, 16) for p in parts)
    except ValueError:
        octets = b""
    if len(parts) != 6 or len(octets) != 6 or any(len(p) not in (1, 2) for p in parts):
        raise ValueError(f"mac = {mac!r} is not a MAC address like '02:00:00:00:00:01'")
    return octets


@dataclass(frozen=True)
class VlanTag:
    """IEEE 802.1Q tag: priority code point 0..7, drop eligible indicator 0/1, VLAN ID 0..4095."""

    vid: int
    pcp: int = 0
    dei: int = 0

    def __post_init__(self) -> None:
        check_int("vid", self.vid, 0, 4095)
        check_int("pcp", self.pcp, 0, 7)
        check_int("dei", self.dei, 0, 1)

    def tci(self) -> int:
        """The 16-bit tag control information."""
        return (self.pcp << 13) | (self.dei << 12) | self.vid


@dataclass(frozen=True)
class EthernetFrame:
    """A parsed Ethernet II frame; ``payload`` still includes any minimum-size padding."""

    dst: bytes
    src: bytes
    ethertype: int
    payload: bytes
    vlan: VlanTag | None = None


def build_ethernet_frame(payload: bytes, dst: str | bytes, src: str | bytes, *,
                         vlan: VlanTag | None = None, ethertype: int = ECPRI_ETHERTYPE,
                         pad: bool = True) -> bytes:
    """Ethernet II frame (no FCS): ``dst | src | [0x8100 TCI] | EtherType | payload [| pad]``.

    With ``pad`` the frame is zero padded to the 60-byte minimum (IEEE 802.3 without FCS).

    >>> f = build_ethernet_frame(bytes.fromhex('10020004'), "02:00:00:00:00:02",
    ...                          "02:00:00:00:00:01", vlan=VlanTag(vid=2, pcp=7))
    >>> len(f), f[12:18].hex()
    (60, '8100e002aefe')
    """
    if not isinstance(payload, (bytes, bytearray)):
        raise TypeError(f"payload must be bytes, got {type(payload).__name__}")
    ethertype = check_int("ethertype", ethertype, 0x0600, 0xFFFF)
    head = mac_bytes(dst) + mac_bytes(src)
    if vlan is not None:
        if not isinstance(vlan, VlanTag):
            raise TypeError(f"vlan must be a VlanTag or None, got {type(vlan).__name__}")
        head += struct.pack("!HH", _VLAN_TPID, vlan.tci())
    frame = head + struct.pack("!H", ethertype) + bytes(payload)
    if pad and len(frame) < _MIN_FRAME:
        frame += bytes(_MIN_FRAME - len(frame))
    return frame


def parse_ethernet_frame(frame: bytes) -> EthernetFrame:
    """Split an Ethernet II frame (with or without one 802.1Q tag, without FCS).

    Raises:
        FronthaulDecodeError: shorter than the 14 (18 with a tag) header bytes, or an
            EtherType < 0x0600 (an IEEE 802.3 length field).

    >>> parse_ethernet_frame(bytes(12) + bytes.fromhex('aefe10020000')).ethertype == 0xAEFE
    True
    """
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise FronthaulDecodeError(f"frame must be bytes, got {type(frame).__name__}")
    r = Reader(bytes(frame))
    dst = r.take(6, "Ethernet destination MAC")
    src = r.take(6, "Ethernet source MAC")
    ethertype = r.u16("EtherType")
    vlan = None
    if ethertype == _VLAN_TPID:
        tci = r.u16("802.1Q tag")
        vlan = VlanTag(vid=tci & 0xFFF, pcp=tci >> 13, dei=(tci >> 12) & 1)
        ethertype = r.u16("EtherType")
    if ethertype < 0x0600:
        raise FronthaulDecodeError(f"EtherType = {ethertype:#06x} is an 802.3 length field, "
                                   "not an Ethernet II type")
    return EthernetFrame(dst, src, ethertype, r.take(r.remaining, "payload"), vlan)


def ipv4_checksum(header: bytes) -> int:
    """RFC 791 header checksum: ones' complement of the ones'-complement sum of 16-bit words.

    A header whose checksum field is filled in sums (with the checksum) to 0.

    >>> hex(ipv4_checksum(bytes.fromhex('450000730000400040110000c0a80001c0a800c7')))
    '0xb861'
    """
    if len(header) % 2:
        header = bytes(header) + b"\x00"
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ipv4_address(addr: str) -> bytes:
    try:
        return socket.inet_aton(addr) if addr.count(".") == 3 else b""
    except (OSError, AttributeError):
        return b""


@dataclass(frozen=True)
class UdpDatagram:
    """What :func:`parse_udp_ipv4_frame` returns: addresses, ports and the UDP payload."""

    src_ip: str
    dst_ip: str
    src_port: int
    dst_port: int
    payload: bytes
    vlan: VlanTag | None = None


def build_udp_ipv4_frame(payload: bytes, *, src_ip: str = "10.0.0.1", dst_ip: str = "10.0.0.2",
                         src_port: int = 50000, dst_port: int = 50000,
                         src_mac: str | bytes = "02:00:00:00:00:01",
                         dst_mac: str | bytes = "02:00:00:00:00:02",
                         vlan: VlanTag | None = None, ttl: int = 64,
                         identification: int = 0) -> bytes:
    """Ethernet + IPv4 (RFC 791, 20-byte header, DF set, checksum computed) + UDP (RFC 768,
    checksum 0 = not computed) frame carrying ``payload`` (an eCPRI PDU).

    >>> f = build_udp_ipv4_frame(bytes(8))
    >>> len(f), ipv4_checksum(f[14:34])   # 14 + 20 + 8 + 8 = 50, padded to 60; checksum sums to 0
    (60, 0)
    """
    if not isinstance(payload, (bytes, bytearray)):
        raise TypeError(f"payload must be bytes, got {type(payload).__name__}")
    src, dst = _ipv4_address(src_ip), _ipv4_address(dst_ip)
    if len(src) != 4 or len(dst) != 4:
        raise ValueError(f"src_ip = {src_ip!r}, dst_ip = {dst_ip!r}: both must be dotted IPv4")
    check_int("src_port", src_port, 0, 65535)
    check_int("dst_port", dst_port, 0, 65535)
    check_int("ttl", ttl, 1, 255)
    check_int("identification", identification, 0, 65535)
    udp_len = 8 + len(payload)
    total = 20 + udp_len
    if total > 65535:
        raise ValueError(f"payload of {len(payload)} bytes does not fit one IPv4 datagram")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, identification, 0x4000, ttl,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", ipv4_checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", src_port, dst_port, udp_len, 0)
    return build_ethernet_frame(ip + udp + bytes(payload), dst_mac, src_mac, vlan=vlan,
                                ethertype=_IPV4_ETHERTYPE)


def parse_udp_ipv4_frame(frame: bytes) -> UdpDatagram:
    """Read an Ethernet + IPv4 + UDP frame; the payload length comes from the UDP header.

    Raises:
        FronthaulDecodeError: not IPv4/UDP, bad IPv4 version/IHL/checksum/length, fragmented
            datagram, UDP length inconsistent with the IPv4 length, truncation.

    >>> parse_udp_ipv4_frame(build_udp_ipv4_frame(b"abc", dst_port=4991)).payload
    b'abc'
    """
    eth = parse_ethernet_frame(frame)
    if eth.ethertype != _IPV4_ETHERTYPE:
        raise FronthaulDecodeError(f"EtherType = {eth.ethertype:#06x}, expected IPv4 (0x0800)")
    r = Reader(eth.payload)
    b0 = r.u8("IPv4 header")
    version, ihl = b0 >> 4, b0 & 0xF
    if version != 4 or ihl < 5:
        raise FronthaulDecodeError(f"IPv4 version = {version}, IHL = {ihl}; expected 4 and >= 5")
    rest = r.take(4 * ihl - 1, "IPv4 header")
    header = bytes([b0]) + rest
    total_len, flags_frag, proto = struct.unpack("!H", header[2:4])[0], \
        struct.unpack("!H", header[6:8])[0], header[9]
    if ipv4_checksum(header) != 0:
        raise FronthaulDecodeError("IPv4 header checksum is wrong")
    if proto != socket.IPPROTO_UDP:
        raise FronthaulDecodeError(f"IPv4 protocol = {proto}, expected UDP (17)")
    if flags_frag & 0x3FFF:
        raise FronthaulDecodeError("fragmented IPv4 datagram (MF set or offset != 0)")
    if total_len < 4 * ihl + 8 or total_len > len(eth.payload):
        raise FronthaulDecodeError(f"IPv4 total length = {total_len} inconsistent with the "
                                   f"{len(eth.payload)} bytes of the frame")
    r.end = total_len
    src_port, dst_port, udp_len = r.u16("UDP header"), r.u16("UDP header"), r.u16("UDP header")
    r.u16("UDP checksum")
    if udp_len != total_len - 4 * ihl:
        raise FronthaulDecodeError(f"UDP length = {udp_len} but IPv4 carries "
                                   f"{total_len - 4 * ihl} bytes")
    return UdpDatagram(socket.inet_ntoa(header[12:16]), socket.inet_ntoa(header[16:20]),
                       src_port, dst_port, r.take(udp_len - 8, "UDP payload"), eth.vlan)


# ---------------------------------------------------------------------------------------------
# transports


class Transport(Protocol):
    """Anything that sends and receives whole eCPRI PDUs / frames."""

    def send(self, data: bytes) -> None: ...

    def recv(self, timeout: float | None = None) -> bytes | None: ...

    def close(self) -> None: ...


class UDPTransport:
    """eCPRI over UDP: each PDU is one datagram (no extra header).

    Args:
        local_port: port to bind (0 = any free port; see :attr:`local_address`).
        remote_port: destination port of :meth:`send` (None: must be given per call).
        local_host, remote_host: addresses, loopback by default.

    :meth:`send_many` sends a run of PDUs with as few system calls as it can (UDP GSO
    where the kernel offers it); :meth:`recv_batch` returns every datagram that has arrived,
    a coalesced (UDP GRO) receive split back into its datagrams. Each datagram on the wire is
    the same as with :meth:`send` / :meth:`recv`.

    >>> a, b = UDPTransport(0), UDPTransport(0)
    >>> a.send(b"\\x10\\x00\\x00\\x00", port=b.local_address[1])
    >>> b.recv(timeout=1.0)
    b'\\x10\\x00\\x00\\x00'
    >>> a.remote = b.local_address; a.send_many([b"abcd", b"efgh", b"ij"])
    >>> [bytes(d[i:i + n]) for d, n in b.recv_batch(timeout=1.0) for i in range(0, len(d), n)]
    [b'abcd', b'efgh', b'ij']
    >>> a.close(); b.close()
    """

    def __init__(self, local_port: int = 0, remote_port: int | None = None, *,
                 local_host: str = "127.0.0.1", remote_host: str = "127.0.0.1") -> None:
        check_int("local_port", local_port, 0, 65535)
        if remote_port is not None:
            check_int("remote_port", remote_port, 1, 65535)
        try:  # a name that does not resolve fails here, naming it, not at the first send
            socket.getaddrinfo(remote_host, remote_port, socket.AF_INET, socket.SOCK_DGRAM)
        except (OSError, UnicodeError) as err:
            raise TransportUnavailableError(
                f"remote_host = {remote_host!r} cannot be resolved to an IPv4 address: "
                f"{getattr(err, 'strerror', None) or err}") from None
        self.remote = (remote_host, remote_port)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((local_host, local_port))
        except OSError as err:
            self._sock.close()
            raise TransportUnavailableError(f"cannot bind UDP {local_host}:{local_port}: "
                                            f"{err}") from err
        self._gso = hasattr(self._sock, "sendmsg") and _ANC_BYTES > 0
        self._gro = False
        if self._gso:
            try:
                self._sock.setsockopt(_SOL_UDP, _UDP_GRO, 1)
                self._gro = True
            except OSError:
                pass
        self._timeout: float | None = -1.0      # what settimeout was last given (-1: nothing)
        # datagrams received but not yet returned: (data, size) = len(data) // size datagrams
        self._held: deque[tuple[memoryview, int]] = deque()
        # the kept receive buffer: receives land at _arena_pos and on; recv / recv_batch start
        # it again from 0 when nothing is held (what they returned before is then given up),
        # and a full one is left to the views still on it and replaced
        self._arena = memoryview(bytearray(_ARENA_BYTES))
        self._arena_pos = 0

    @property
    def local_address(self) -> tuple[str, int]:
        """(host, port) actually bound."""
        return self._sock.getsockname()

    def send(self, data: bytes, *, port: int | None = None, host: str | None = None) -> None:
        """Send one datagram to the remote (or the given) address."""
        port = self.remote[1] if port is None else port
        if port is None:
            raise ValueError("no destination: give remote_port or port")
        self._sock.sendto(bytes(data), (host or self.remote[0], port))

    def send_many(self, pdus: Sequence[bytes]) -> None:
        """Send each PDU as one datagram to the remote address, in order.

        Runs of equal-size PDUs go out in one ``sendmsg`` with ``UDP_SEGMENT`` (Linux UDP
        GSO, at most 64 datagrams and 65507 bytes a call), which the kernel cuts into the
        same datagrams :meth:`send` would send; where the kernel refuses GSO the PDUs are
        sent one by one (and GSO is not tried again).
        """
        port = self.remote[1]
        if port is None:
            raise ValueError("no destination: give remote_port")
        addr = (self.remote[0], port)
        sock = self._sock
        n, i = len(pdus), 0
        while i < n:
            size = len(pdus[i])
            end = min(n, i + _GSO_MAX_SEGMENTS, i + max(1, _UDP_MAX_PAYLOAD // max(size, 1)))
            j = i + 1
            while j < end and len(pdus[j]) == size:
                j += 1
            if j - i == 1 or not self._gso:
                for k in range(i, j):
                    sock.sendto(pdus[k], addr)
            else:
                try:
                    sock.sendmsg(pdus[i:j], [(_SOL_UDP, _UDP_SEGMENT, struct.pack("=H", size))],
                                 0, addr)
                except OSError as err:
                    if err.errno not in _GSO_UNSUPPORTED:
                        raise
                    self._gso = False
                    for k in range(i, j):
                        sock.sendto(pdus[k], addr)
            i = j

    def send_block(self, block: np.ndarray) -> None:
        """Send each row of ``block`` (uint8 ``[m, size]``, C-contiguous: ``m`` eCPRI PDUs of
        ``size`` bytes, O-RAN.WG4.CUS.0 clause 5.1.3 / eCPRI v2.0 clause 3.3.2, e.g. a slot's
        U-plane messages written in place) as one datagram to
        the remote address, in order: the datagrams of :meth:`send_many` of the rows,
        without a ``bytes`` object per PDU (UDP GSO straight from the array, at most 64
        datagrams and 65507 bytes a call; one ``sendto`` per row where GSO is refused).

        >>> a, b = UDPTransport(0), UDPTransport(0); a.remote = b.local_address
        >>> a.send_block(np.frombuffer(b"abcdefgh", np.uint8).reshape(2, 4))
        >>> [bytes(d[i:i + n]) for d, n in b.recv_batch(timeout=1.0) for i in range(0, len(d), n)]
        [b'abcd', b'efgh']
        >>> a.close(); b.close()
        """
        if not (type(block) is np.ndarray and block.dtype == np.uint8 and block.ndim == 2
                and block.flags.c_contiguous):
            raise TypeError("block must be a C-contiguous uint8 numpy array [m, size]")
        port = self.remote[1]
        if port is None:
            raise ValueError("no destination: give remote_port")
        addr = (self.remote[0], port)
        sock = self._sock
        m, size = block.shape
        if size == 0 or m == 0:
            for _ in range(m):
                sock.sendto(b"", addr)
            return
        per = min(_GSO_MAX_SEGMENTS, max(1, _UDP_MAX_PAYLOAD // size))
        flat = block.reshape(-1)
        i = 0
        while i < m:
            j = min(m, i + per)
            if j - i > 1 and self._gso:
                try:
                    sock.sendmsg([flat[i * size:j * size]],
                                 [(_SOL_UDP, _UDP_SEGMENT, struct.pack("=H", size))], 0, addr)
                    i = j
                    continue
                except OSError as err:
                    if err.errno not in _GSO_UNSUPPORTED:
                        raise
                    self._gso = False
            for k in range(i, j):
                sock.sendto(flat[k * size:(k + 1) * size], addr)
            i = j

    def _settimeout(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            self._sock.settimeout(timeout)
            self._timeout = timeout

    def _receive(self) -> None:
        """One receive from the socket into :attr:`_held` (raises on timeout), into the kept
        buffer (no new ``bytes`` per datagram or GRO buffer)."""
        pos = self._arena_pos
        if pos + _RECV_BYTES > len(self._arena):     # full: the views on it keep the old one
            self._arena = memoryview(bytearray(_ARENA_BYTES))
            pos = 0
        buf = self._arena[pos:pos + _RECV_BYTES]
        if not self._gro:
            n = self._sock.recv_into(buf, _RECV_BYTES)
            self._arena_pos = pos + n
            self._held.append((buf[:n], n))      # size 0: one empty datagram
            return
        n, anc, _, _ = self._sock.recvmsg_into((buf,), _ANC_BYTES)
        self._arena_pos = pos + n
        size = n
        for level, kind, value in anc:
            if level == _SOL_UDP and kind == _UDP_GRO and len(value) >= 2:
                size = struct.unpack("=H", value[:2])[0] or size
        full = n - n % size if size else 0
        if full:
            self._held.append((buf[:full], size))
        if full < n or not n:
            self._held.append((buf[full:n], n - full))

    def recv(self, timeout: float | None = None) -> bytes | None:
        """The next datagram, or None after ``timeout`` seconds (None: block)."""
        if not self._held:
            self._arena_pos = 0         # nothing held: what was returned before is given up
            self._settimeout(timeout)
            try:
                self._receive()
            except (socket.timeout, BlockingIOError):
                return None
        data, size = self._held.popleft()
        if len(data) > size > 0:
            self._held.appendleft((data[size:], size))
            data = data[:size]
        return bytes(data)

    def recv_batch(self, timeout: float | None = None,
                   max_datagrams: int | None = None) -> list[tuple[memoryview, int]]:
        """Every datagram that has arrived (waiting up to ``timeout`` seconds for the first;
        None: block), at most ``max_datagrams`` of them (the rest are returned by the next
        call), as ``(data, size)`` blocks in arrival order: ``data`` holds
        ``len(data) // size`` datagrams of ``size`` bytes each (size 0: one empty datagram).
        Empty after a timeout. ``data`` is a view of the transport's kept receive buffer,
        valid until the next :meth:`recv` / :meth:`recv_batch` (copy what is kept longer).
        """
        limit = _RECV_BYTES if max_datagrams is None else max_datagrams
        if not self._held:
            self._arena_pos = 0         # nothing held: what was returned before is given up
        out: list[tuple[memoryview, int]] = []
        got = 0
        while got < limit:
            if not self._held:
                # what has arrived is taken without waiting (no poll, and the socket stays
                # non-blocking between calls); only an empty first take waits for `timeout`
                self._settimeout(0.0)
                try:
                    self._receive()
                except (TimeoutError, BlockingIOError):
                    if out or timeout == 0.0:
                        break
                    self._settimeout(timeout)
                    try:
                        self._receive()
                    except (TimeoutError, BlockingIOError):
                        break
            data, size = self._held.popleft()
            count = len(data) // size if size else 1
            if got + count > limit:
                take = (limit - got) * size
                self._held.appendleft((data[take:], size))
                data, count = data[:take], limit - got
            out.append((data, size))
            got += count
        return out

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()

    def __getstate__(self) -> dict[str, object]:
        # for a child process (multiprocessing passes the socket itself): the kept receive
        # buffer is not sent (a memoryview does not pickle) but made anew; datagrams held
        # and not yet returned go as bytes
        state = self.__dict__.copy()
        state["_held"] = [(bytes(d), n) for d, n in self._held]
        del state["_arena"]
        state["_arena_pos"] = 0
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        held = state.pop("_held")
        self.__dict__.update(state)
        self._held = deque((memoryview(d), n) for d, n in held)  # type: ignore[attr-defined]
        self._arena = memoryview(bytearray(_ARENA_BYTES))

    def __enter__(self) -> UDPTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RawEthernetTransport:
    """eCPRI directly over Ethernet through an AF_PACKET raw socket (Linux only).

    Sends whole frames built by :func:`build_ethernet_frame` and receives frames of EtherType
    ``ethertype`` on ``interface`` (its own outgoing copies are skipped).

    Raises:
        TransportUnavailableError: no AF_PACKET on this system, the process lacks
            CAP_NET_RAW, or the interface does not exist.
    """

    _PACKET_OUTGOING = 4

    def __init__(self, interface: str, ethertype: int = ECPRI_ETHERTYPE) -> None:
        if not isinstance(interface, str) or not interface:
            raise TypeError("interface must be a non-empty interface name, e.g. 'eth0'")
        self.ethertype = check_int("ethertype", ethertype, 0x0600, 0xFFFF)
        if not hasattr(socket, "AF_PACKET"):
            raise TransportUnavailableError("raw Ethernet needs AF_PACKET sockets (Linux)")
        try:
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                       socket.htons(self.ethertype))
        except PermissionError as err:
            raise TransportUnavailableError("raw Ethernet needs CAP_NET_RAW (run as root or "
                                            "grant the capability); use UDPTransport "
                                            "otherwise") from err
        except OSError as err:
            raise TransportUnavailableError(f"cannot open an AF_PACKET socket: {err}") from err
        try:
            self._sock.bind((interface, self.ethertype))
        except OSError as err:
            self._sock.close()
            raise TransportUnavailableError(f"cannot bind to interface {interface!r}: "
                                            f"{err}") from err

    def send(self, data: bytes) -> None:
        """Send one complete Ethernet frame (no FCS)."""
        self._sock.send(bytes(data))

    def recv(self, timeout: float | None = None) -> bytes | None:
        """The next received frame of our EtherType, or None after ``timeout`` seconds."""
        self._sock.settimeout(timeout)
        while True:
            try:
                frame, addr = self._sock.recvfrom(65535)
            except (socket.timeout, BlockingIOError):
                return None
            if len(addr) > 2 and addr[2] == self._PACKET_OUTGOING:
                continue
            return frame

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()

    def __enter__(self) -> RawEthernetTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ImpairedTransport:
    """Seeded loss / reorder / duplicate injection on the send side of any transport.

    For each :meth:`send`: with probability ``loss`` the message is dropped; otherwise with
    probability ``reorder`` it is held back and sent right after the next message that goes
    out (or at :meth:`flush`); and with probability ``duplicate`` it is sent twice. Counters
    ``sent``, ``dropped``, ``reordered``, ``duplicated`` record what happened. ``recv`` and
    ``close`` (which flushes) pass through.

    >>> class Sink:
    ...     def __init__(self): self.out = []
    ...     def send(self, d): self.out.append(d)
    >>> sink = Sink()
    >>> t = ImpairedTransport(sink, loss=0.5, seed=1)
    >>> for k in range(8): t.send(bytes([k]))
    >>> t.dropped + len(sink.out)
    8
    """

    def __init__(self, inner: object, *, loss: float = 0.0, reorder: float = 0.0,
                 duplicate: float = 0.0, seed: int = 0) -> None:
        for name, p in (("loss", loss), ("reorder", reorder), ("duplicate", duplicate)):
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} = {p!r} is not a probability in [0, 1]")
        if not callable(getattr(inner, "send", None)):
            raise TypeError("inner must have a send(data) method")
        self.inner = inner
        self.loss, self.reorder, self.duplicate = float(loss), float(reorder), float(duplicate)
        self._rng = random.Random(check_int("seed", seed))
        self._held: bytes | None = None
        self.sent = self.dropped = self.reordered = self.duplicated = 0

    def _emit(self, data: bytes) -> None:
        self.inner.send(data)  # type: ignore[attr-defined]
        self.sent += 1

    def send(self, data: bytes) -> None:
        """Send ``data`` through the impairments."""
        rng = self._rng
        if rng.random() < self.loss:
            self.dropped += 1
            return
        copies = 2 if rng.random() < self.duplicate else 1
        self.duplicated += copies - 1
        if self._held is None and rng.random() < self.reorder:
            self._held = bytes(data)
            self.reordered += 1
            for _ in range(copies - 1):
                self._emit(data)
            return
        for _ in range(copies):
            self._emit(data)
        if self._held is not None:
            held, self._held = self._held, None
            self._emit(held)

    def flush(self) -> None:
        """Send a held-back message, if any."""
        if self._held is not None:
            held, self._held = self._held, None
            self._emit(held)

    def recv(self, timeout: float | None = None) -> bytes | None:
        """Receive from the wrapped transport."""
        return self.inner.recv(timeout)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Flush, then close the wrapped transport if it can be closed."""
        self.flush()
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()
