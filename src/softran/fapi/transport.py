"""An nFAPI-style transport for SCF 222 messages between MAC and PHY processes (the idea of
SCF 225 nFAPI: P5 configuration over a stream, P7 slot messages over datagrams), on loopback.

What softran chose (SCF 225's own P4/P5/P7 headers, segmentation and checksums are not used):

* **P5 over TCP** (:class:`P5Server`, :func:`p5_connect`, :class:`P5Connection`): each SCF
  222 buffer (message header + messages, :func:`~softran.fapi.codec.encode`) is one frame,
  preceded by its length as a 4-byte big-endian (network order) integer. Frames above
  :data:`MAX_P5_FRAME` bytes are refused on both sides.
* **P7 over UDP** (:class:`P7Endpoint`): each SCF 222 buffer is one datagram behind an
  8-byte header, little-endian: ``phy_id`` u16, ``sequence`` u8 (per sender, wraps at 256;
  the receiver counts gaps in :attr:`P7Endpoint.lost`), reserved u8 (0), ``timestamp`` u32
  (the sender's monotonic clock in microseconds, modulo 2^32). No segmentation: a buffer must
  fit one datagram (:data:`MAX_P7_PAYLOAD` bytes); a larger one is refused when sending.

Every receive takes a timeout (seconds; ``None`` on expiry); a port already in use is a
one-line ``ValueError``; ``close()`` (or ``with``) releases the socket. A frame or datagram
that does not decode raises :class:`~softran.fapi.errors.FAPIDecodeError`.

>>> from softran.fapi.indications import SlotIndication
>>> a, b = P7Endpoint(), P7Endpoint()
>>> a.send(SlotIndication(sfn=1, slot=2), port=b.address[1])
>>> got = b.recv(timeout=2.0)
>>> got.messages, got.sequence
([SlotIndication(sfn=1, slot=2)], 0)
>>> a.close(); b.close()
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from softran.fapi.codec import decode_all, encode
from softran.fapi.errors import FAPIDecodeError
from softran.fapi.layout import Message
from softran.validation import check_int, check_real

__all__ = [
    "MAX_P5_FRAME",
    "MAX_P7_PAYLOAD",
    "P5Connection",
    "P5Server",
    "P7Datagram",
    "P7Endpoint",
    "p5_connect",
]

#: Largest P5 frame (SCF 222 buffer) accepted, in bytes.
MAX_P5_FRAME = 16 * 1024 * 1024
#: Largest SCF 222 buffer one P7 datagram carries (65507 - the 8-byte P7 header).
MAX_P7_PAYLOAD = 65507 - 8
_P7_HEADER = 8


def _timeout(value: float | None) -> float | None:
    return None if value is None else check_real("timeout", value, low=0)


def _bind_error(proto: str, host: str, port: int, err: OSError) -> ValueError:
    reason = err.strerror or str(err)
    return ValueError(f"cannot bind {proto} {host}:{port}: {reason.lower()}")


def _as_buffer(messages: Message | Sequence[Message] | bytes, handle: int) -> bytes:
    if isinstance(messages, (bytes, bytearray)):
        return bytes(messages)
    return encode(messages, handle=handle)


class P5Connection:
    """One P5 (TCP) connection: :meth:`send` messages, :meth:`recv` them, frame by frame."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self.closed = False

    @property
    def peer(self) -> tuple[str, int]:
        """(host, port) of the other end."""
        return self._sock.getpeername()

    def send(self, messages: Message | Sequence[Message] | bytes, *, handle: int = 0) -> None:
        """Send one frame: ``messages`` encoded as one SCF 222 buffer (or raw buffer bytes).

        SCF 222.10.02 §3.3 (the buffer), SCF 225 idea (the length-framed stream)."""
        data = _as_buffer(messages, handle)
        if len(data) > MAX_P5_FRAME:
            raise ValueError(f"P5 frame of {len(data)} bytes exceeds {MAX_P5_FRAME}")
        self._sock.sendall(len(data).to_bytes(4, "big") + data)

    def _fill(self, n: int, deadline: float | None) -> bool:
        while len(self._buffer) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._sock.settimeout(left)
            else:
                self._sock.settimeout(None)
            try:
                chunk = self._sock.recv(max(65536, n - len(self._buffer)))
            except TimeoutError:
                return False
            if not chunk:
                raise ConnectionError("P5 peer closed the connection"
                                      + (f" in the middle of a frame ({len(self._buffer)} "
                                         "bytes received)" if self._buffer else ""))
            self._buffer += chunk
        return True

    def recv_bytes(self, timeout: float | None = 5.0) -> bytes | None:
        """The next frame's SCF 222 buffer, or ``None`` when ``timeout`` seconds pass first
        (a partial frame stays buffered for the next call)."""
        timeout = _timeout(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._fill(4, deadline):
            return None
        length = int.from_bytes(self._buffer[:4], "big")
        if length > MAX_P5_FRAME:
            raise FAPIDecodeError(f"P5 frame length = {length} exceeds {MAX_P5_FRAME}")
        if not self._fill(4 + length, deadline):
            return None
        data = bytes(self._buffer[4:4 + length])
        del self._buffer[:4 + length]
        return data

    def recv(self, timeout: float | None = 5.0) -> list[Message] | None:
        """The messages of the next frame, or ``None`` on timeout; ``ConnectionError`` when
        the peer has closed."""
        data = self.recv_bytes(timeout)
        return None if data is None else decode_all(data)

    def close(self) -> None:
        """Shut the connection down and release the socket (idempotent)."""
        if not self.closed:
            self.closed = True
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class P5Server:
    """The PHY side of P5: listens on TCP ``host:port`` (0: any free port) and accepts the
    MAC's connection.

    >>> from softran.fapi.config_messages import ParamRequest
    >>> with P5Server() as server, p5_connect(server.address[1]) as mac:
    ...     phy = server.accept(timeout=2.0)
    ...     mac.send(ParamRequest())
    ...     phy.recv(timeout=2.0)
    ...     phy.close()
    [ParamRequest()]
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        check_int("port", port, 0, 65535)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
            self._sock.listen(4)
        except OSError as err:
            self._sock.close()
            raise _bind_error("TCP", host, port, err) from None
        self.closed = False

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) listened on."""
        return self._sock.getsockname()

    def accept(self, timeout: float | None = 5.0) -> P5Connection | None:
        """The next connection, or ``None`` when ``timeout`` seconds pass first."""
        self._sock.settimeout(_timeout(timeout))
        try:
            sock, _ = self._sock.accept()
        except TimeoutError:
            return None
        sock.settimeout(None)
        return P5Connection(sock)

    def close(self) -> None:
        """Stop listening (idempotent)."""
        if not self.closed:
            self.closed = True
            self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def p5_connect(port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> P5Connection:
    """The MAC side of P5: connect to a :class:`P5Server` (a ``ConnectionError`` naming the
    address when nothing listens there within ``timeout`` seconds).

    >>> from softran.fapi.config_messages import StartRequest
    >>> with P5Server() as server, p5_connect(server.address[1]) as mac:
    ...     with server.accept() as phy:
    ...         mac.send(StartRequest())
    ...         phy.recv()
    [StartRequest()]
    """
    check_int("port", port, 1, 65535)
    timeout = check_real("timeout", timeout, low=0)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as err:
        raise ConnectionError(f"cannot connect P5 to TCP {host}:{port}: "
                              f"{err.strerror or err}") from None
    sock.settimeout(None)
    return P5Connection(sock)


@dataclass(frozen=True)
class P7Datagram:
    """One received P7 datagram: its header fields, the sender and the decoded messages."""

    phy_id: int
    sequence: int
    timestamp_us: int
    source: tuple[str, int]
    messages: list[Message]


class P7Endpoint:
    """P7 over UDP: bound to ``host:port`` (0: any free port), sending to ``remote`` (or the
    address given per call). ``lost`` counts datagrams missing from each sender's sequence.

    >>> from softran.fapi.indications import SlotIndication
    >>> with P7Endpoint(phy_id=1) as phy, P7Endpoint() as mac:
    ...     phy.remote = mac.address
    ...     phy.send(SlotIndication(sfn=0, slot=1))
    ...     got = mac.recv(timeout=2.0)
    >>> got.phy_id, got.messages, mac.lost
    (1, [SlotIndication(sfn=0, slot=1)], 0)
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *,
                 remote: tuple[str, int] | None = None, phy_id: int = 0) -> None:
        check_int("port", port, 0, 65535)
        self.phy_id = check_int("phy_id", phy_id, 0, 0xFFFF)
        if remote is not None:
            check_int("remote port", remote[1], 1, 65535)
        self.remote = remote
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((host, port))
        except OSError as err:
            self._sock.close()
            raise _bind_error("UDP", host, port, err) from None
        self._sequence = 0
        self._expected: dict[tuple[str, int], int] = {}
        self.lost = 0
        self.closed = False

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) bound."""
        return self._sock.getsockname()

    def send(self, messages: Message | Sequence[Message] | bytes, *, port: int | None = None,
             host: str = "127.0.0.1", handle: int = 0) -> None:
        """Send ``messages`` (or a raw SCF 222 buffer) as one datagram to ``host:port`` (or
        the ``remote`` given at construction)."""
        if port is None:
            if self.remote is None:
                raise ValueError("port is required: this P7Endpoint has no remote")
            host, port = self.remote
        check_int("port", port, 1, 65535)
        data = _as_buffer(messages, handle)
        if len(data) > MAX_P7_PAYLOAD:
            raise ValueError(f"P7 buffer of {len(data)} bytes does not fit one datagram "
                             f"(at most {MAX_P7_PAYLOAD}); send fewer messages per buffer")
        stamp = int(time.monotonic() * 1e6) & 0xFFFFFFFF
        header = (self.phy_id.to_bytes(2, "little") + bytes((self._sequence, 0))
                  + stamp.to_bytes(4, "little"))
        self._sock.sendto(header + data, (host, port))
        self._sequence = (self._sequence + 1) & 0xFF

    def recv(self, timeout: float | None = 5.0) -> P7Datagram | None:
        """The next datagram, decoded, or ``None`` when ``timeout`` seconds pass first."""
        self._sock.settimeout(_timeout(timeout))
        try:
            data, source = self._sock.recvfrom(65536)
        except TimeoutError:
            return None
        if len(data) < _P7_HEADER:
            raise FAPIDecodeError(f"P7 datagram of {len(data)} bytes is shorter than its "
                                  f"{_P7_HEADER}-byte header")
        sequence = data[2]
        expected = self._expected.get(source)
        if expected is not None:
            self.lost += (sequence - expected) & 0xFF
        self._expected[source] = (sequence + 1) & 0xFF
        return P7Datagram(phy_id=int.from_bytes(data[0:2], "little"), sequence=sequence,
                          timestamp_us=int.from_bytes(data[4:8], "little"), source=source,
                          messages=decode_all(data[_P7_HEADER:]))

    def close(self) -> None:
        """Release the socket (idempotent)."""
        if not self.closed:
            self.closed = True
            self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
