"""Fronthaul endpoint counters: what a radio engineer reads off an O-DU or O-RU.

* per flow -- (plane ``"C"``/``"U"``, direction ``"DL"``/``"UL"``, eAxC ID), the key of
  ``ecpriSeqid`` (O-RAN.WG4.CUS.0 clause 5.1.3.2.8) -- transmitted packets/bytes
  (:class:`TxCounters`) and received packets/bytes, duplicates, sequence gaps, out-of-order
  arrivals and early / on-time / late arrivals against the reception windows
  (:class:`RxCounters`);
* malformed packets by reason (dropped, never attributed to a flow);
* PRBs that the C-plane announced but no U-plane delivered (counted per slot when the slot
  is closed) and U-plane that arrived for a slot and eAxC without C-plane.

Bytes are eCPRI PDU bytes (the UDP payload or Ethernet payload without padding); transport
headers are not counted.

Sequence accounting (:class:`RxCounters`): the 8-bit Sequence ID is unwrapped against the
highest one received so far (a step of -128..127); a number seen before is a duplicate, one
below the highest that was not seen is out of order (it fills a gap). ``lost`` is the
number of Sequence IDs between the lowest and highest received that never arrived, so for
every flow ``unique = packets - duplicates`` and ``lost + unique = highest - lowest + 1``.
Messages lost after the last one received cannot be seen from Sequence IDs alone (the
C-plane based ``prbs_missing`` sees them for the U-plane).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from softran.validation import check_choice, check_int

__all__ = ["EndpointCounters", "Flow", "RxCounters", "TxCounters"]

_SEEN_WINDOW = 1024
# the Sequence IDs seen, unwrapped, each at index u mod _RING: every ID that can still be
# asked about lies in [highest - _SEEN_WINDOW, highest + 127], fewer than _RING apart
_RING = 2048
_RING_MASK = _RING - 1
# 0, 1, ..., 255, 0, 1, ...: a run of m Sequence IDs from s on is _RUNS[s:s + m] (m <= 256)
_RUNS = bytes(range(256)) * 2


class Flow(NamedTuple):
    """Key of a flow: plane ``"C"``/``"U"``, direction ``"DL"``/``"UL"``, 16-bit eAxC ID."""

    plane: str
    direction: str
    eaxc_id: int


@dataclass
class TxCounters:
    """Packets and bytes sent on one flow."""

    packets: int = 0
    bytes: int = 0


@dataclass
class RxCounters:
    """Received packets of one flow with sequence and timing accounting.

    >>> rx = RxCounters()
    >>> [rx.observe(s, 100) for s in (254, 255, 2, 1, 1, 5)]     # True: a duplicate
    [False, False, False, False, True, False]
    >>> rx.packets, rx.duplicates, rx.out_of_order, rx.lost, rx.unique
    (6, 1, 1, 3, 5)
    """

    packets: int = 0
    bytes: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    _low: int | None = None
    _high: int = 0
    _seen: list[int | None] = field(default_factory=lambda: [None] * _RING, repr=False)

    @property
    def unique(self) -> int:
        """Distinct messages received (``packets - duplicates``)."""
        return self.packets - self.duplicates

    @property
    def lowest(self) -> int | None:
        """Lowest Sequence ID received, unwrapped (may be < 0 after a late arrival across
        the wrap); None before the first message. Losses before it are invisible."""
        return self._low

    @property
    def lost(self) -> int:
        """Sequence IDs missing between the lowest and the highest received."""
        if self._low is None:
            return 0
        return self._high - self._low + 1 - self.unique

    def observe(self, sequence_id: int, n_bytes: int) -> bool:
        """Count one received message; True if it is a duplicate."""
        if type(sequence_id) is not int or not 0 <= sequence_id <= 255:   # int: checked here
            sequence_id = check_int("sequence_id", sequence_id, 0, 255)
        self.packets += 1
        self.bytes += n_bytes
        if self._low is None:
            self._low = self._high = sequence_id
            self._seen[sequence_id & _RING_MASK] = sequence_id
            return False
        step = (sequence_id - self._high + 128) % 256 - 128
        u = self._high + step
        if self._seen[u & _RING_MASK] == u or u < self._high - _SEEN_WINDOW:
            self.duplicates += 1
            return True
        self._seen[u & _RING_MASK] = u
        if step > 0:
            self._high = u
        else:
            self.out_of_order += 1
            self._low = min(self._low, u)
        return False

    def observe_many(self, sequence_ids: list[int], n_bytes: int) -> list[bool]:
        """:meth:`observe` each of ``sequence_ids`` in order (messages of ``n_bytes`` each);
        the duplicate flags. A run that continues the flow in order is counted at once.

        >>> rx = RxCounters(); rx.observe(250, 10)
        False
        >>> rx.observe_many([251, 252, 253], 10), rx.observe_many([253, 255], 10)
        ([False, False, False], [True, False])
        >>> rx.packets, rx.duplicates, rx.lost, rx.bytes
        (6, 1, 1, 60)
        """
        m = len(sequence_ids)
        if m and self._low is not None:
            first = sequence_ids[0]
            if type(first) is not int or not 0 <= first <= 255:
                first = check_int("sequence_id", first, 0, 255)
            try:                                 # consecutive (mod 256) from first on
                run = self.continues(first, m) and \
                    bytes(sequence_ids) == _RUNS[first:first + m]
            except (TypeError, ValueError):      # not all 0..255: observe names it
                run = False
            if run:
                self.observe_run(first, m, n_bytes)
                return [False] * m
        return [self.observe(s, n_bytes) for s in sequence_ids]

    def continues(self, first: int, m: int) -> bool:
        """Whether ``m`` messages with the Sequence IDs ``first, first + 1, ...`` (mod 256)
        continue the flow in order: a flow seen before, every one of them new and above the
        highest (up to 127 ahead, a gap before ``first`` counting as lost) -- what
        :meth:`observe_run` counts at once.

        >>> rx = RxCounters(); rx.continues(0, 3), rx.observe(250, 10)
        (False, False)
        >>> rx.continues(251, 3), rx.continues(250, 2), rx.continues(252, 126)
        (True, False, True)
        """
        step = (first - self._high + 128) % 256 - 128
        return self._low is not None and 0 < m and 0 < step and step + m - 1 <= 127

    def observe_run(self, first: int, m: int, n_bytes: int) -> None:
        """Count ``m`` messages of ``n_bytes`` each with the Sequence IDs ``first, first +
        1, ...`` (mod 256) that :meth:`continues` the flow: what ``m`` calls of
        :meth:`observe` count (none is a duplicate), at once.

        >>> rx = RxCounters(); rx.observe(10, 5)
        False
        >>> rx.observe_run(12, 3, 5); rx.packets, rx.lost, rx.bytes, rx.observe(13, 5)
        (4, 1, 20, True)
        """
        if not self.continues(first, m):
            raise ValueError(f"Sequence IDs {first} .. {first} + {m - 1} do not continue "
                             f"this flow in order (use observe_many)")
        u = self._high + (first - self._high + 128) % 256 - 128
        self.packets += m
        self.bytes += m * n_bytes
        i = u & _RING_MASK                     # m <= 127: at most one wrap of the ring
        if i + m <= _RING:
            self._seen[i:i + m] = range(u, u + m)
        else:
            self._seen[i:] = range(u, u + _RING - i)
            self._seen[:i + m - _RING] = range(u + _RING - i, u + m)
        self._high = u + m - 1

    def arrival(self, kind: str) -> None:
        """Count one arrival classified ``"early"``, ``"on_time"`` or ``"late"``."""
        kind = check_choice("kind", kind, ("early", "on_time", "late"))
        setattr(self, kind, getattr(self, kind) + 1)


@dataclass
class EndpointCounters:
    """All counters of one endpoint (see the module docstring).

    Attributes:
        tx, rx: per-:class:`Flow` counters.
        rx_packets, rx_bytes: every PDU handed to the endpoint, malformed ones included.
        malformed: dropped packets by reason (``"truncated"``, ``"wrong-length"``,
            ``"unknown-section-type"``, ``"prb-out-of-range"``, ``"inconsistent-udcomphdr"``,
            ``"bad-header"``, ``"unknown-eaxc"``, ``"wrong-direction"``,
            ``"unsupported-message-type"``, ``"other"``).
        ignored: well-formed messages not acted upon, by kind (e.g. ``"section-type-3"``,
            ``"delay-measurement"``).
        prbs_expected, prbs_received, prbs_missing: per closed slot, PRB x symbol units that
            the C-plane asked for / that U-plane delivered of those / that never came.
        missing_by_symbol: ``(eaxc_id, symbol) -> missing PRBs``.
        uplane_without_cplane: U-plane messages for a slot and eAxC with no C-plane.

    >>> c = EndpointCounters(); c.count_tx(Flow("U", "DL", 0), 100); c.totals()["tx_packets"]
    1
    """

    tx: dict[Flow, TxCounters] = field(default_factory=dict)
    rx: dict[Flow, RxCounters] = field(default_factory=dict)
    rx_packets: int = 0
    rx_bytes: int = 0
    malformed: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    prbs_expected: int = 0
    prbs_received: int = 0
    prbs_missing: int = 0
    missing_by_symbol: Counter[tuple[int, int]] = field(default_factory=Counter)
    uplane_without_cplane: int = 0

    def count_tx(self, flow: Flow, n_bytes: int) -> None:
        """Count one sent message of ``flow``."""
        c = self.tx.get(flow)
        if c is None:
            c = self.tx[flow] = TxCounters()
        c.packets += 1
        c.bytes += n_bytes

    def count_tx_run(self, flow: Flow, n_packets: int, n_bytes: int) -> None:
        """:meth:`count_tx` of ``n_packets`` sent messages of ``flow``, ``n_bytes`` each.

        >>> c = EndpointCounters(); c.count_tx_run(Flow("U", "DL", 0), 14, 1444)
        >>> c.tx[Flow("U", "DL", 0)]
        TxCounters(packets=14, bytes=20216)
        """
        c = self.tx.get(flow)
        if c is None:
            c = self.tx[flow] = TxCounters()
        c.packets += n_packets
        c.bytes += n_packets * n_bytes

    def count_tx_many(self, flows: Iterable[Flow], pdus: Sequence[bytes]) -> None:
        """:meth:`count_tx` of each sent message (``flows[i]``, ``len(pdus[i])`` bytes), in
        bulk: messages of one size are counted per flow at once.

        >>> c = EndpointCounters(); f, g = Flow("U", "DL", 0), Flow("U", "DL", 1)
        >>> c.count_tx_many([f, g, f], [b"ab", b"cd", b"ef"]); c.count_tx_many([g], [b"xyz"])
        >>> (c.tx[f].packets, c.tx[f].bytes), (c.tx[g].packets, c.tx[g].bytes)
        ((2, 4), (2, 5))
        """
        sizes = list(map(len, pdus))
        if not sizes:
            return
        if min(sizes) != max(sizes):
            for flow, n in zip(flows, sizes, strict=True):
                self.count_tx(flow, n)
            return
        size = sizes[0]
        # runs of one flow (a slot's messages come eAxC by eAxC, or alternate): a run ends
        # where the next flow is another object; equal flows of separate runs add up
        runs: list[tuple[Flow, int]] = []
        prev: Flow | None = None
        start = 0
        i = 0
        for i, flow in enumerate(flows):
            if flow is not prev:
                if prev is not None:
                    runs.append((prev, i - start))
                prev, start = flow, i
        if prev is not None:
            runs.append((prev, i + 1 - start))
        total = i + 1 if prev is not None else 0
        if total != len(sizes):
            raise ValueError(f"flows and pdus differ in length ({total} and {len(sizes)})")
        tx = self.tx
        for flow, m in runs:                      # first-seen order, as count_tx would add
            c = tx.get(flow)
            if c is None:
                c = tx[flow] = TxCounters()
            c.packets += m
            c.bytes += m * size

    def rx_flow(self, flow: Flow) -> RxCounters:
        """The receive counters of ``flow`` (created on first use)."""
        c = self.rx.get(flow)
        if c is None:
            c = self.rx[flow] = RxCounters()
        return c

    def totals(self) -> dict[str, int]:
        """Sums over flows, by plane: ``tx_packets``, ``rx_C_packets``, ``lost``, ...."""
        out: dict[str, int] = {
            "tx_packets": sum(c.packets for c in self.tx.values()),
            "tx_bytes": sum(c.bytes for c in self.tx.values()),
            "rx_packets": self.rx_packets, "rx_bytes": self.rx_bytes,
            "malformed": sum(self.malformed.values()),
            "ignored": sum(self.ignored.values()),
        }
        for plane in ("C", "U"):
            flows = [c for f, c in self.rx.items() if f.plane == plane]
            for name in ("packets", "bytes", "duplicates", "lost", "out_of_order", "early",
                         "on_time", "late"):
                out[f"rx_{plane}_{name}"] = sum(getattr(c, name) for c in flows)
        for name in ("prbs_expected", "prbs_received", "prbs_missing", "uplane_without_cplane"):
            out[name] = getattr(self, name)
        return out

    def rows(self) -> list[tuple[str, ...]]:
        """One row per flow: flow, tx pkts, tx bytes, rx pkts, rx bytes, dup, lost, ooo,
        early, late (strings, for a table)."""
        rows = []
        for flow in sorted(set(self.tx) | set(self.rx)):
            t = self.tx.get(flow, TxCounters())
            r = self.rx.get(flow, RxCounters())
            rows.append((f"{flow.plane}-plane {flow.direction} eAxC {flow.eaxc_id:#06x}",
                         str(t.packets), str(t.bytes), str(r.packets), str(r.bytes),
                         str(r.duplicates), str(r.lost), str(r.out_of_order), str(r.early),
                         str(r.late)))
        return rows

    def table(self, title: str = "counters") -> Any:
        """A :class:`rich.table.Table` of :meth:`rows` plus the malformed / PRB summary."""
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for col in ("flow", "tx pkts", "tx bytes", "rx pkts", "rx bytes", "dup", "lost", "ooo",
                    "early", "late"):
            table.add_column(col, justify="left" if col == "flow" else "right")
        for row in self.rows():
            table.add_row(*row)
        bad = ", ".join(f"{k} {v}" for k, v in sorted(self.malformed.items())) or "0"
        table.caption = (f"malformed: {bad}; PRBs missing {self.prbs_missing} of "
                         f"{self.prbs_expected}; U-plane without C-plane "
                         f"{self.uplane_without_cplane}")
        return table
