"""The cell as separate processes (``softran cell run`` without ``--inline``): the O-DU (test
MAC + PHY, FAPI between them), the O-RU, the air and one process per UE.

Sockets, all on this machine:

* Fronthaul O-DU <-> O-RU: UDP on 127.0.0.1 (:class:`~softran.oran.transport.UDPTransport`,
  one eCPRI message per datagram, as ``softran fronthaul`` sends it), the ports of ``port``
  and ``port + 1`` (``port = 0``: free ports the system picks). The O-DU's seeded loss of the
  cell file (:class:`~softran.oran.transport.ImpairedTransport`) acts before the socket.
* Samples O-RU <-> air and air <-> each UE: a Unix stream socket pair per link
  (``socket.socketpair``): a slot of samples (15 360 complex64 = 123 kB at 20 MHz) is one
  framed message on a reliable, ordered byte stream -- the air is a model, not a network,
  so it must not lose or split slots the way a UDP datagram of more than 64 kB would, and it
  needs no port that could be taken.
* Control: a ``multiprocessing`` pipe from the coordinator (this process) to each child.

Simulated time: the coordinator hands each slot to the processes in the order of the inline
cell (:class:`~softran.cell.run.InlineCell`), so every process advances together and every
random draw happens in the same order; a run gives the inline cell's results for the same
cell file. Per slot:

1. O-DU ``dl n``: SLOT.indication, the MAC's requests, the PHY's downlink C-/U-plane and the
   slot's uplink C-plane (section types 1 and 3) to the O-RU; it answers with the marks
   ``(simulated time, datagrams its socket had sent)`` of each group its pacer sent.
2. O-RU ``dl n marks``: for each mark, sets its simulated clock to the mark's time and
   receives until its socket has taken that many datagrams (each one is in the socket by
   then; the count makes that an event, not a sleep), so its receive windows see the O-DU's
   send times; sends the slot's waveform to the air, whose UEs answer with their uplink, and
   takes the air's uplink sum back -- then answers the held uplink C-plane with U-plane.
3. O-DU ``ul n``: the PHY takes the uplink U-plane the O-RU sent (the coordinator relays the
   datagram counts), decodes and hands the indications to the MAC.

Each child's slot reply ends with its CPU seconds so far (``time.process_time``):
:attr:`ProcessCell.process_cpu`, which the live dashboard shows.

A datagram the kernel dropped would leave a receiver waiting: it gives up after
``backstop`` seconds and the loss shows in the sequence-ID counters. A child that dies
(killed, or an exception) stops the cell with one :class:`ChildProcessError` naming it;
the others are stopped.

The O-DU sends each slot's downlink U-plane symbol by symbol
(:class:`~softran.oran.pacing.SymbolPacer`): in simulated time in symbol order, with
``realtime`` one symbol duration apart on the wall clock. ``realtime`` also starts slot ``n``
no earlier than ``n`` slot durations after the first (:class:`~softran.cell.run.SlotPacer`);
the coordinator measures each slot's wall time against the budget.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import struct
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import torch

from softran.cell.config import CellConfig
from softran.cell.plan import cell_plan
from softran.cell.radio_unit import (
    RadioUnit,
    attach_prach,
    cell_clock,
    fronthaul_config,
    oru_fronthaul_config,
)
from softran.cell.run import (
    CellDU,
    CellResult,
    SlotPacer,
    cell_air,
    cell_data,
    cell_ue,
    history_row,
    mac_view,
    summarise,
    ue_view,
    write_fapi,
)
from softran.nr import ofdm_info
from softran.oran.endpoints import ODU, ORU
from softran.oran.macsec import ODU_MAC, ORU_MAC
from softran.oran.pacing import SymbolPacer
from softran.oran.pcap import PcapWriter, read_pcap
from softran.oran.transport import ImpairedTransport, TransportUnavailableError, UDPTransport
from softran.validation import check_int, check_positive

__all__ = ["CountingTransport", "ProcessCell", "recv_samples", "send_samples"]

_HEADER = struct.Struct("<qq")            # slot, number of complex64 samples (-1: silent)


class CountingTransport:
    """A transport that counts the datagrams it sends and receives (and shows each one it
    sends to ``tap``): the O-DU and O-RU processes tell each other these counts, so a
    receiver knows when it has everything that was sent.

    >>> from softran.cell.radio_unit import MemoryPipe
    >>> a, b = MemoryPipe.pair()
    >>> ta, tb = CountingTransport(a), CountingTransport(b)
    >>> ta.send(b"x"); ta.send(b"y"); tb.recv(0.0), tb.recv(0.0), tb.recv(0.0)
    (b'x', b'y', None)
    >>> ta.sent, tb.received
    (2, 2)
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent = 0
        self.received = 0
        self.tap: Callable[[bytes], None] | None = None

    def send(self, data: bytes) -> None:
        self.inner.send(data)
        self.sent += 1
        if self.tap is not None:
            self.tap(bytes(data))

    def recv(self, timeout: float | None = None) -> bytes | None:
        data = self.inner.recv(timeout)
        if data is not None:
            self.received += 1
        return data

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def send_samples(sock: socket.socket, slot: int, x: torch.Tensor | None) -> None:
    """Send one slot of complex samples ``[1, T]`` (``None``: a silent UE) on a stream socket:
    the header (slot, T) and T complex64 values.

    >>> a, b = socket.socketpair()
    >>> send_samples(a, 7, torch.ones(1, 3, dtype=torch.complex64)); send_samples(a, 8, None)
    >>> recv_samples(b), recv_samples(b)
    ((7, tensor([[1.+0.j, 1.+0.j, 1.+0.j]])), (8, None))
    >>> a.close(); recv_samples(b)
    >>> b.close()
    """
    if x is None:
        sock.sendall(_HEADER.pack(slot, -1))
        return
    data = x.reshape(-1).to(torch.complex64).numpy().tobytes()
    sock.sendall(_HEADER.pack(slot, len(data) // 8) + data)


def _read(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


def recv_samples(sock: socket.socket) -> tuple[int, torch.Tensor | None] | None:
    """The next ``(slot, samples [1, T] or None)`` of :func:`send_samples`; ``None`` when the
    peer closed the socket."""
    head = _read(sock, _HEADER.size)
    if head is None:
        return None
    slot, n = _HEADER.unpack(head)
    if n < 0:
        return slot, None
    data = _read(sock, 8 * n)
    if data is None:
        return None
    x = torch.frombuffer(bytearray(data), dtype=torch.complex64).reshape(1, n)
    return slot, x


# -- the children ------------------------------------------------------------------------------


def _child(role: str, conn: Connection, main: Callable[..., None], args: tuple) -> None:
    """Run a child's ``main(conn, *args)``; an exception goes to the coordinator as one line.
    Ctrl-C is the coordinator's to handle (it stops the children)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Numba's parallel backend takes a multiprocessing lock -- a named semaphore that the
    # resource tracker reports as leaked when the child is killed -- unless the start method
    # is "spawn"; a child starts no processes, so its start method is only this switch
    multiprocessing.set_start_method("spawn", force=True)
    try:
        main(conn, *args)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return                                   # the coordinator or a peer went away
    except Exception as exc:  # noqa: BLE001 -- reported as one line, then exit code 1
        try:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(last.filename).name}:{last.lineno}"
            conn.send(("error", f"{type(exc).__name__}: {exc} ({where})"))
        except OSError:
            pass
        raise SystemExit(1) from None


class _Stopwatch:
    """CPU and wall seconds per stage of one process."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)

    def timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        t0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        self.cpu[stage] += time.process_time() - t0
        self.wall[stage] += time.perf_counter() - w0
        return out


def _receive_until(endpoint: Any, counting: CountingTransport, total: int,
                   backstop: float) -> None:
    """Let ``endpoint`` handle datagrams until its socket has taken ``total`` (or none came
    for ``backstop`` seconds: a datagram the kernel dropped)."""
    while counting.received < total:
        if endpoint.receive(max_packets=total - counting.received, timeout=backstop) == 0:
            break


def _receive_marks(endpoint: Any, counting: CountingTransport, marks: list[tuple[int, int]],
                   backstop: float) -> None:
    """:func:`_receive_until` for the O-RU, group by group of the O-DU's paced sends:
    ``marks`` holds ``(t_ns, total)`` -- by simulated time ``t_ns`` the O-DU had sent
    ``total`` datagrams -- and the O-RU's simulated clock is set to each ``t_ns`` before it
    takes the datagrams up to ``total`` (as the inline O-RU takes each symbol when it is
    sent): its receive windows see the O-DU's send times."""
    for t_ns, total in marks:
        if t_ns > endpoint.clock.now_ns():
            endpoint.clock.set(t_ns)
        _receive_until(endpoint, counting, total, backstop)


class _Marks:
    """The O-DU's ``(simulated time, datagrams sent)`` after each group its pacer sent."""

    def __init__(self, clock: Any, counting: CountingTransport) -> None:
        self.clock, self.counting, self.marks = clock, counting, []

    def __call__(self, k: int) -> None:
        self.marks.append((self.clock.now_ns(), self.counting.sent))

    def take(self) -> list[tuple[int, int]]:
        out = self.marks or [(self.clock.now_ns(), self.counting.sent)]
        self.marks = []
        return out


class _Capture:
    """A child's share of the pcap: its fronthaul sends and (O-DU) the FAPI messages, stamped
    from the slot start + 1 ns per message, in a file of its own (merged at the end)."""

    def __init__(self, path: str | None) -> None:
        self.pcap = PcapWriter(path, nanosecond=True) if path else None
        self.ts = 0

    def slot(self, n: int, slot_ms: float) -> None:
        self.ts = max(self.ts, round(n * slot_ms * 1e6))

    def ethernet(self, data: bytes, src: str, dst: str) -> None:
        if self.pcap is not None:
            self.ts += 1
            self.pcap.write_ethernet(data, self.ts, dst=dst, src=src)

    def fapi(self, data: bytes, to_phy: bool) -> None:
        if self.pcap is not None:
            self.ts += 1
            write_fapi(self.pcap, data, self.ts, to_phy)

    def close(self) -> None:
        if self.pcap is not None:
            self.pcap.close()


def _odu_main(conn: Connection, config: CellConfig, udp: UDPTransport, dl: list[bytes],
              ul: list[bytes], pcap: str | None, backstop: float, realtime: bool) -> None:
    c = config.cell
    plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing, c.cqi_table)
    fh = config.fronthaul
    counting = CountingTransport(udp)
    cap = _Capture(pcap)
    counting.tap = lambda d: cap.ethernet(d, ODU_MAC, ORU_MAC)
    transport = ImpairedTransport(counting, loss=fh.loss, seed=c.seed) if fh.loss else counting
    odu = ODU(fronthaul_config(plan.carrier, fh.method, fh.width), transport,
              clock=cell_clock())
    marks = _Marks(odu.clock, counting)
    odu.pacer = SymbolPacer(odu.clock, realtime=realtime, between=marks)
    attach_prach(odu, None)

    def pump() -> bool:
        conn.send(("cplane", marks.take()))
        kind, total = conn.recv()
        assert kind == "uplane"
        _receive_until(odu, counting, total, backstop)
        return True

    du = CellDU(config, plan, odu, dl, ul, capture=cap.fapi if pcap else None)
    slot_ms = 1.0 / plan.carrier.slots_per_subframe
    while True:
        msg = conn.recv()
        if msg[0] == "dl":
            n = msg[1]
            cap.slot(n, slot_ms)
            du.phy.pump = lambda: None
            du.downlink(n)
            conn.send(("dl", n, marks.take(), time.process_time()))
        elif msg[0] == "ul":
            n = msg[1]
            du.phy.pump = pump
            du.uplink(n)
            conn.send(("ul", n, mac_view(du.mac), time.process_time()))
        else:                                    # "end"
            cap.close()
            conn.send(("end", mac_view(du.mac), dict(du.phy.times.total),
                       dict(du.phy.counters), dict(du.cpu), du.fapi_bytes,
                       odu.counters.totals(), dict(du.wall)))
            return


def _oru_main(conn: Connection, config: CellConfig, udp: UDPTransport, air: socket.socket,
              pcap: str | None, backstop: float) -> None:
    c = config.cell
    plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing, c.cqi_table)
    fh = config.fronthaul
    counting = CountingTransport(udp)
    cap = _Capture(pcap)
    counting.tap = lambda d: cap.ethernet(d, ORU_MAC, ODU_MAC)
    transport = ImpairedTransport(counting, loss=fh.loss, seed=c.seed + 1) if fh.loss \
        else counting
    ru = RadioUnit(plan.carrier, ORU(oru_fronthaul_config(fronthaul_config(
        plan.carrier, fh.method, fh.width)), transport, clock=cell_clock()))
    attach_prach(None, ru)
    watch = _Stopwatch()
    slot_ms = 1.0 / plan.carrier.slots_per_subframe
    while True:
        msg = conn.recv()
        if msg[0] == "dl":
            _, n, marks = msg
            cap.slot(n, slot_ms)
            _receive_marks(ru.oru, counting, marks, backstop)
            w = watch.timed("o-ru", lambda n=n: ru.downlink(n))
            send_samples(air, n, w)
            got = recv_samples(air)
            if got is None:
                raise ConnectionResetError("the air closed its socket")
            watch.timed("o-ru", lambda n=n, y=got[1]: ru.set_uplink(n, y))
            conn.send(("dl", n, time.process_time()))
        elif msg[0] == "ul":
            _, n, marks = msg
            _receive_marks(ru.oru, counting, marks, backstop)
            conn.send(("ul", n, counting.sent, time.process_time()))
        else:
            air.close()
            cap.close()
            conn.send(("end", dict(watch.cpu), ru.oru.counters.totals(), dict(watch.wall)))
            return


def _air_main(conn: Connection, config: CellConfig, ru: socket.socket,
              ues: list[socket.socket], sample_rate: float, slot_samples: int) -> None:
    air = cell_air(config, sample_rate)
    watch = _Stopwatch()
    while (got := recv_samples(ru)) is not None:
        n, w = got
        rx = watch.timed("air", lambda w=w: air.downlink(w))
        for sock, r in zip(ues, rx, strict=True):
            send_samples(sock, n, r)
        ul = []
        for sock in ues:
            back = recv_samples(sock)
            if back is None:
                raise ConnectionResetError("a UE closed its socket")
            ul.append(back[1])
        y = watch.timed("air", lambda ul=ul: air.uplink(ul, slot_samples))
        send_samples(ru, n, y)
        conn.send(("slot", n, time.process_time()))
    for sock in ues:
        sock.close()
    conn.send(("end", dict(watch.cpu), dict(watch.wall)))


def _ue_main(conn: Connection, config: CellConfig, k: int, ul: bytes, air: socket.socket
             ) -> None:
    c = config.cell
    plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing, c.cqi_table)
    ue = cell_ue(config, plan, k, ul)
    watch = _Stopwatch()
    while (got := recv_samples(air)) is not None:
        n, r = got
        watch.timed("ue", lambda n=n, r=r: ue.receive(n, r))
        x = watch.timed("ue", lambda n=n: ue.transmit(n))
        send_samples(air, n, x)
        conn.send(("slot", n, ue_view(ue), time.process_time()))
    conn.send(("end", dict(watch.cpu), dict(watch.wall)))


# -- the coordinator ---------------------------------------------------------------------------


def _bind(port: int, given: int, what: str) -> UDPTransport:
    """A UDP socket on 127.0.0.1:``port``; a port in use is one ``OSError`` naming the
    ``--port`` value ``given``."""
    try:
        return UDPTransport(port)
    except TransportUnavailableError as err:
        cause = err.__cause__
        why = getattr(cause, "strerror", None) or str(err)
        raise OSError(f"port = {given}: cannot bind the {what} (UDP 127.0.0.1:{port}): {why}; "
                      "choose another --port (or 0 for free ports)") from None


def _exit_text(code: int | None) -> str:
    if code is None:
        return "is still running"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class ProcessCell:
    """A cell of :class:`~softran.cell.config.CellConfig` as separate processes (module
    docstring); the interface of :class:`~softran.cell.run.InlineCell` (``run``, ``result``,
    ``history``, ``ues``, ``plan``, ``slot_ms``).

    Args:
        config: the cell file.
        port: UDP port of the O-DU's fronthaul socket (the O-RU's is ``port + 1``); 0: free
            ports.
        pcap: write the fronthaul and FAPI messages here (as the inline cell does).
        realtime: start each slot on the wall clock (:class:`SlotPacer`).
        backstop: seconds a receiver waits for datagrams that were sent before it gives them
            up as dropped.
        dl_data, ul_data: as :class:`~softran.cell.run.InlineCell`.
    """

    def __init__(self, config: CellConfig, *, port: int = 0, pcap: str | Path | None = None,
                 realtime: bool = False, backstop: float = 2.0,
                 dl_data: list[bytes] | None = None, ul_data: list[bytes] | None = None
                 ) -> None:
        self.config = config
        c = config.cell
        self.plan = plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing,
                                     c.cqi_table)
        port = check_int("port", port, 0, 65534)
        self.backstop = check_positive("backstop", backstop)
        default_dl, default_ul = cell_data(config)
        self.dl_data = dl_data if dl_data is not None else default_dl
        self.ul_data = ul_data if ul_data is not None else default_ul
        if len(self.dl_data) != len(config.ue) or len(self.ul_data) != len(config.ue):
            raise ValueError(f"dl_data and ul_data need one entry per UE ({len(config.ue)})")
        self.slot_ms = 1.0 / plan.carrier.slots_per_subframe
        self.pcap = Path(pcap) if pcap is not None else None
        self.pacer = SlotPacer(self.slot_ms) if realtime else None
        #: wall seconds of each slot (coordinator's view: from its start to the last answer)
        self.slot_wall: list[float] = []
        self.history: list[tuple[float, list[tuple[int, int, int, int, int, int]]]] = []
        self.n_done = 0
        #: CPU seconds (``time.process_time``) each child process had used at its last slot
        #: reply, by role (``O-DU``, ``O-RU``, ``air``, ``UE k``)
        self.process_cpu: dict[str, float] = {}
        self.ues: list[Any] = []
        self.mac: Any = mac_view(_NoMac())
        self._procs: dict[str, Any] = {}
        self._conns: dict[str, Connection] = {}
        self._final: dict[str, tuple] = {}
        self._ended: set[str] = set()
        self._tmp = tempfile.TemporaryDirectory(prefix="softran-cell-") if pcap else None
        # sockets first: a port in use is reported before any process starts
        du_udp = _bind(port, port, "O-DU fronthaul socket")
        try:
            ru_udp = _bind(port + 1 if port else 0, port, "O-RU fronthaul socket")
        except OSError:
            du_udp.close()
            raise
        du_udp.remote = ("127.0.0.1", ru_udp.local_address[1])
        ru_udp.remote = ("127.0.0.1", du_udp.local_address[1])
        #: the fronthaul ports (O-DU, O-RU)
        self.ports = (du_udp.local_address[1], ru_udp.local_address[1])
        self._start(du_udp, ru_udp)

    def _start(self, du_udp: UDPTransport, ru_udp: UDPTransport) -> None:
        # forkserver: children are forked from a fresh server process that has imported
        # softran but run no torch operation (a fork after OpenMP ran would hang in the child)
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["softran.cell.processes"])
        config = self.config
        info = ofdm_info(self.plan.carrier)
        fs = float(info.sample_rate)
        slot_samples = round(fs * self.slot_ms / 1e3)
        ru_air = socket.socketpair()
        ue_air = [socket.socketpair() for _ in config.ue]
        tmp = self._tmp.name if self._tmp is not None else None
        pcaps = {r: (os.path.join(tmp, f"{r}.pcap") if tmp else None) for r in ("du", "ru")}
        self._pcaps = [p for p in pcaps.values() if p]
        children: list[tuple[str, Callable[..., None], tuple]] = [
            ("O-DU", _odu_main, (config, du_udp, self.dl_data, self.ul_data, pcaps["du"],
                                 self.backstop, self.pacer is not None)),
            ("O-RU", _oru_main, (config, ru_udp, ru_air[0], pcaps["ru"], self.backstop)),
            ("air", _air_main, (config, ru_air[1], [p[0] for p in ue_air], fs, slot_samples)),
        ]
        for k in range(len(config.ue)):
            children.append((f"UE {k}", _ue_main, (config, k, self.ul_data[k], ue_air[k][1])))
        try:
            for role, main, args in children:
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_child, args=(role, theirs, main, args),
                                   name=f"softran-cell {role}", daemon=True)
                proc.start()
                theirs.close()
                self._procs[role], self._conns[role] = proc, mine
        except BaseException:
            self.stop()
            raise
        finally:
            # the children hold their ends; this process keeps none of them
            for t in (du_udp, ru_udp):
                t.close()
            for a, b in [ru_air, *ue_air]:
                a.close()
                b.close()

    @property
    def pids(self) -> dict[str, int]:
        """Process ID of each child, by role (``O-DU``, ``O-RU``, ``air``, ``UE k``)."""
        return {r: p.pid for r, p in self._procs.items()}

    # -- control ---------------------------------------------------------------------------

    def _recv(self, role: str) -> Any:
        """The next message of ``role``; a child that died or failed raises
        :class:`ChildProcessError` naming it."""
        conn = self._conns[role]
        sentinels = {p.sentinel: r for r, p in self._procs.items() if r not in self._ended}
        while True:
            ready = wait([conn, *sentinels])
            if conn in ready:
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None or msg[0] == "error":
                    self._died(role, None if msg is None else msg[1])
                return msg
            for s in ready:
                who = sentinels[s]
                peer = self._conns[who]
                if peer.poll():                     # its last words first
                    try:
                        last = peer.recv()
                    except (EOFError, OSError):
                        last = None
                    if last is not None and last[0] == "error":
                        self._died(who, last[1])
                self._died(who, None)

    def _died(self, role: str, error: str | None) -> None:
        proc = self._procs[role]
        proc.join(timeout=5.0)
        where = f"at slot {self.n_done}"
        if error is not None:
            text = f"the {role} process (pid {proc.pid}) failed {where}: {error}"
        else:
            text = f"the {role} process (pid {proc.pid}) {_exit_text(proc.exitcode)} {where}"
        self.stop()
        raise ChildProcessError(f"{text}; the cell stopped")

    def _reply(self, role: str) -> Any:
        """:meth:`_recv` of a child's slot reply, whose last element is the child's CPU
        seconds so far (kept in :attr:`process_cpu`)."""
        msg = self._recv(role)
        self.process_cpu[role] = msg[-1]
        return msg

    def step(self, n: int) -> None:
        """Run absolute slot ``n`` in every process (module docstring)."""
        if self.pacer is not None:
            self.pacer.wait(n)
        t0 = time.perf_counter()
        du, ru = self._conns["O-DU"], self._conns["O-RU"]
        du.send(("dl", n))
        du_sent = self._reply("O-DU")[2]
        ru.send(("dl", n, du_sent))
        self._reply("O-RU")
        ues = [self._reply(f"UE {k}")[2] for k in range(len(self.config.ue))]
        self._reply("air")
        du.send(("ul", n))
        while True:
            msg = self._recv("O-DU")
            if msg[0] == "cplane":
                ru.send(("ul", n, msg[1]))
                ru_sent = self._reply("O-RU")[2]
                du.send(("uplane", ru_sent))
                continue
            self.process_cpu["O-DU"] = msg[-1]
            break
        self.ues, self.mac = ues, msg[2]
        self.slot_wall.append(time.perf_counter() - t0)
        self.n_done = n + 1
        self.history.append(((n + 1) * self.slot_ms, history_row(self.ues, self.mac)))

    def run(self, n_slots: int | None = None,
            progress: Callable[[int, int, ProcessCell], None] | None = None) -> CellResult:
        """Run ``n_slots`` (default: the cell file's frames), stop the processes, summarise."""
        total = n_slots if n_slots is not None else \
            self.config.cell.frames * self.plan.slots_per_frame
        try:
            for n in range(self.n_done, total):
                self.step(n)
                if progress is not None:
                    progress(n + 1, total, self)
            self.finish()
        finally:
            self.stop()
        return self.result()

    def finish(self) -> None:
        """End the run: every process reports its totals and exits."""
        def end(role: str) -> None:
            self._final[role] = self._recv(role)
            self._ended.add(role)

        self._conns["O-DU"].send(("end",))
        end("O-DU")
        self._conns["O-RU"].send(("end",))
        end("O-RU")                              # it closes the air's socket: air, UEs end
        end("air")
        for k in range(len(self.config.ue)):
            end(f"UE {k}")
        for p in self._procs.values():
            p.join(timeout=30.0)
        if self.pcap is not None:
            self._merge_pcap()

    def _merge_pcap(self) -> None:
        assert self.pcap is not None
        packets = []
        for i, path in enumerate(self._pcaps):
            packets += [(p.timestamp_ns, i, k, p.data) for k, p in enumerate(read_pcap(path))]
        w = PcapWriter(self.pcap, nanosecond=True)
        try:
            for ts, _, _, data in sorted(packets):
                w.write(data, ts)
        finally:
            w.close()

    def stop(self) -> None:
        """Stop every child still running (SIGTERM, then SIGKILL) and close the pipes."""
        for p in self._procs.values():
            if p.is_alive():
                p.terminate()
        for p in self._procs.values():
            p.join(timeout=5.0)
            if p.is_alive():
                p.kill()
                p.join()
        for conn in self._conns.values():
            conn.close()
        self._conns = {r: _Closed() for r in self._conns}  # type: ignore[misc]

    def close(self) -> None:
        """Stop the processes and remove the temporary files."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- results ---------------------------------------------------------------------------

    def result(self) -> CellResult:
        """The summary of what ran so far (the totals of each process once it ended)."""
        du = self._final.get("O-DU")
        ru = self._final.get("O-RU")
        cpu: dict[str, float] = defaultdict(float)
        wall: dict[str, float] = defaultdict(float)
        phy_times: dict[str, float] = {}
        phy_counters: dict[str, int] = {}
        fapi_bytes = 0
        du_totals: dict[str, Any] = {}
        ru_totals: dict[str, Any] = {}
        mac = self.mac
        du = self._final.get("O-DU")
        if du is not None:
            _, mac, phy_times, phy_counters, du_cpu, fapi_bytes, du_totals, du_wall = du
            cpu.update(du_cpu)
            wall.update(du_wall)
        ru = self._final.get("O-RU")
        if ru is not None:
            ru_totals = ru[2]
        for role, final in self._final.items():
            if role != "O-DU":
                c, w = (final[1], final[3]) if role == "O-RU" else (final[1], final[2])
                for k, v in c.items():
                    cpu[k] += v
                for k, v in w.items():
                    wall[k] += v
        return summarise(self.ues, mac, phy_times, phy_counters, dict(cpu), fapi_bytes,
                         du_totals, ru_totals, self.dl_data, self.ul_data, self.slot_ms,
                         self.n_done, dict(wall))


class _NoMac:
    def __init__(self) -> None:
        self.ues: dict[int, Any] = {}
        self.log: list[tuple[int, str]] = []


class _Closed:
    def send(self, msg: Any) -> None:
        raise ChildProcessError("the cell's processes were stopped")

    def close(self) -> None:
        pass
