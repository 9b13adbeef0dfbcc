"""Would fewer system calls per slot pay in the fronthaul chain (issue 18)? The downlink of a
51 PRB x 14 symbols x 2 eAxC BFP-9 slot over UDP loopback is two sends (the 2 C-plane
datagrams as one GSO ``sendmsg``, the 28 U-plane datagrams of 1448 bytes as another, what
:meth:`softran.oran.transport.UDPTransport.send_many` / ``send_block`` do) and two receives
(a GRO buffer each, ``recvmsg_into`` as ``UDPTransport`` does). This times, CPU
(``time.thread_time``) median over N tries, those calls against one ``sendmmsg(2)`` /
``recvmmsg(2)`` through ctypes carrying the same datagrams (the GSO / GRO control messages
kept in preallocated structures; ``sendmmsg`` with and without placing the C-plane bytes
into its kept buffer, which the real path would have to do).

``python bench/fh_syscalls.py [N]`` (Linux with UDP GSO / GRO only).
"""

from __future__ import annotations

import argparse
import ctypes
import socket
import struct
import sys
import time

import numpy as np

_SOL_UDP, _UDP_SEGMENT, _UDP_GRO, _MSG_DONTWAIT = 17, 103, 104, 0x40
C_SIZE, U_SIZE, U_COUNT = 40, 1448, 28


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.c_void_p), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", _Msghdr), ("len", ctypes.c_uint)]


def _median_us(fn, after, n: int, before=None) -> float:
    """``fn``'s CPU time, median of ``n`` calls; ``before`` once first, ``after`` after each."""
    if before is not None:
        before()
    t = np.empty(n)
    for i in range(n):
        c0 = time.thread_time()
        fn()
        t[i] = time.thread_time() - c0
        after()
    return float(np.median(t) * 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=3000,
                        help="tries per measurement (>= 1; default 3000)")
    n = parser.parse_args().n
    if n < 1:
        parser.error(f"n = {n}: must be >= 1")
    if not sys.platform.startswith("linux"):
        print("Linux only (UDP GSO / GRO, sendmmsg / recvmmsg)")
        return 0
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.bind(("127.0.0.1", 0))
    rx.bind(("127.0.0.1", 0))
    rx.setsockopt(_SOL_UDP, _UDP_GRO, 1)
    rx.setblocking(False)
    addr = rx.getsockname()
    cplane = [bytes(range(C_SIZE)), bytes(range(1, C_SIZE + 1))]
    block = np.zeros(U_COUNT * U_SIZE, np.uint8)
    anc_c = [(_SOL_UDP, _UDP_SEGMENT, struct.pack("=H", C_SIZE))]
    anc_u = [(_SOL_UDP, _UDP_SEGMENT, struct.pack("=H", U_SIZE))]
    arena = memoryview(bytearray(1 << 17))
    libc = ctypes.CDLL(None, use_errno=True)
    # sendmmsg: two messages (C-plane GSO, U-plane GSO), kept structures
    smsg, siov = (_Mmsghdr * 2)(), (_Iovec * 2)()
    sa = ctypes.create_string_buffer(struct.pack("=HH4s8x", socket.AF_INET,
                                                 socket.htons(addr[1]),
                                                 socket.inet_aton(addr[0])), 16)
    cms = np.zeros((2, socket.CMSG_SPACE(2)), np.uint8)
    cbuf = np.zeros(2 * C_SIZE, np.uint8)
    for k, size in enumerate((C_SIZE, U_SIZE)):
        struct.pack_into("=QiiH", cms[k], 0, socket.CMSG_LEN(2), _SOL_UDP, _UDP_SEGMENT, size)
        h = smsg[k].hdr
        h.name, h.namelen = ctypes.addressof(sa), 16
        h.iov, h.iovlen = ctypes.addressof(siov) + k * ctypes.sizeof(_Iovec), 1
        h.control, h.controllen = cms[k].ctypes.data, cms.shape[1]
    siov[0].base, siov[0].len = cbuf.ctypes.data, cbuf.nbytes
    siov[1].base, siov[1].len = block.ctypes.data, block.nbytes
    sendmmsg = libc.sendmmsg
    sendmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
    # recvmmsg: up to 4 GRO buffers of 64 KiB, kept
    rmsg, riov = (_Mmsghdr * 4)(), (_Iovec * 4)()
    rarena, rcms = np.zeros(4 * 65536, np.uint8), np.zeros((4, 64), np.uint8)
    for k in range(4):
        riov[k].base, riov[k].len = rarena.ctypes.data + k * 65536, 65536
        h = rmsg[k].hdr
        h.iov, h.iovlen = ctypes.addressof(riov) + k * ctypes.sizeof(_Iovec), 1
        h.control = rcms[k].ctypes.data
    recvmmsg = libc.recvmmsg
    recvmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                         ctypes.c_void_p]
    tfd, rfd = tx.fileno(), rx.fileno()

    def drain() -> None:
        try:
            while True:
                rx.recvmsg_into((arena,), 64)
        except BlockingIOError:
            pass

    def two_sends() -> None:
        tx.sendmsg(cplane, anc_c, 0, addr)
        tx.sendmsg([block], anc_u, 0, addr)

    def one_send_bare() -> None:
        if sendmmsg(tfd, ctypes.addressof(smsg), 2, 0) != 2:
            raise OSError(ctypes.get_errno(), "sendmmsg")

    def one_send() -> None:
        cbuf[:C_SIZE] = np.frombuffer(cplane[0], np.uint8)
        cbuf[C_SIZE:] = np.frombuffer(cplane[1], np.uint8)
        one_send_bare()

    def two_receives() -> None:
        for _ in range(2):
            _, anc, _, _ = rx.recvmsg_into((arena,), 64)
            if anc:
                struct.unpack("=H", anc[0][2][:2])

    def prime() -> None:                      # nothing left over, then one slot's datagrams
        drain()
        two_sends()

    def one_receive() -> None:
        for k in range(4):
            rmsg[k].hdr.controllen = 64
        got = recvmmsg(rfd, ctypes.addressof(rmsg), 4, _MSG_DONTWAIT, None)
        if got != 2:
            raise OSError(ctypes.get_errno(), f"recvmmsg took {got} buffers, not 2")
        [(rmsg[k].len, int(rcms[k, 16]) | int(rcms[k, 17]) << 8) for k in range(got)]

    print(f"{n} tries each, CPU us median (load {__import__('os').getloadavg()[0]:.2f})")
    for _ in range(2):                        # twice, alternating: the host's speed drifts
        print(f"  send: 2 x sendmsg (GSO)                 {_median_us(two_sends, drain, n):6.1f}")
        print(f"  send: 1 x sendmmsg, bare                {_median_us(one_send_bare, drain, n):6.1f}")
        print(f"  send: 1 x sendmmsg, C-plane bytes moved {_median_us(one_send, drain, n):6.1f}")
        print(f"  receive: 2 x recvmsg_into (GRO)         "
              f"{_median_us(two_receives, two_sends, n, prime):6.1f}")
        print(f"  receive: 1 x recvmmsg                   "
              f"{_median_us(one_receive, two_sends, n, prime):6.1f}")
    drain()
    tx.close()
    rx.close()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
