"""The O-DU end of the O-RAN 7.2x fronthaul (O-RAN.WG4.CUS.0 clauses 7 and 8).

:class:`ODU` sends C-plane and U-plane for downlink grids, sends uplink C-plane and rebuilds
uplink grids from the U-plane the O-RU answers with (see :mod:`softran.oran.endpoints`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from softran.oran.compression import CompressedPRBs
from softran.oran.counters import Flow
from softran.oran.endpoints.endpoint import Endpoint, SlotMessages
from softran.oran.timing import TimingWindows, slot_after
from softran.validation import check_int, check_positive

__all__ = ["ODU", "UplinkShortfall"]


def _ranges(values: np.ndarray) -> str:
    """``"0-3, 7"`` for the sorted distinct integers ``values``."""
    out, vals = [], sorted({int(v) for v in values})
    start = prev = vals[0] if vals else 0
    for v in vals[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(out)


@dataclass(frozen=True)
class UplinkShortfall:
    """The uplink PRBs of one requested slot that had not arrived when
    :meth:`ODU.wait_uplink` gave up: ``missing`` of ``expected`` PRBs, on these eAxC IDs
    and symbols.

    >>> str(UplinkShortfall(1, 0, 3, 48, 96, (0, 1), (0, 1, 2, 3)))
    'frame 1 subframe 0 slot 3: 48 of 96 PRBs missing (eAxC 0-1, symbols 0-3)'
    """

    frame_id: int
    subframe_id: int
    slot_id: int
    missing: int
    expected: int
    eaxc_ids: tuple[int, ...]
    symbols: tuple[int, ...]

    def __str__(self) -> str:
        return (f"frame {self.frame_id} subframe {self.subframe_id} slot {self.slot_id}: "
                f"{self.missing} of {self.expected} PRBs missing (eAxC "
                f"{_ranges(np.array(self.eaxc_ids))}, symbols "
                f"{_ranges(np.array(self.symbols))})")


class ODU(Endpoint):
    """O-DU: sends C-plane + U-plane for downlink grids and uplink C-plane; rebuilds uplink.

    Args:
        config: the shared :class:`FronthaulConfig`.
        transport: sends to the O-RU and receives its uplink (e.g.
            :class:`~softran.oran.transport.UDPTransport` with ``remote_port`` = the O-RU's).
        clock: fronthaul time (default :class:`~softran.oran.timing.RealTimeClock`).
        paced: send each message at its time before the air time (needs ``config.windows``);
            otherwise as fast as possible.

    >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
    >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)))
    >>> grid = torch.zeros(1, 14, 288, dtype=torch.complex64); grid[0, 3, 5] = 1 + 1j
    >>> odu.send_slot(grid, 0, 0, 0)       # 1 C-plane + 14 U-plane messages
    15
    >>> oru.receive(15, timeout=2.0), oru.downlink_grid(0, 0, 0)[0, 3, 5]
    (15, tensor(1.0000+1.0000j))
    >>> odu.close(); oru.close()
    """

    role = "O-DU"

    def _uplane_directions(self) -> tuple[str, ...]:
        return ("UL",)

    def _cplane_directions(self) -> tuple[str, ...]:
        return ()

    def _timing_args(self, frame_id: int, subframe_id: int, slot_id: int, start_symbol: int,
                     num_symbols: int | None) -> tuple[int, int, int, int, int]:
        cfg = self.config
        if (type(frame_id) is type(subframe_id) is type(slot_id) is int and start_symbol == 0
                and num_symbols is None and type(start_symbol) is int and 0 <= frame_id <= 255
                and 0 <= subframe_id <= 9 and 0 <= slot_id < cfg.slots_per_subframe):
            return frame_id, subframe_id, slot_id, 0, cfg.n_symbols    # the common case
        check_int("frame_id", frame_id, 0, 255)
        check_int("subframe_id", subframe_id, 0, 9)
        check_int("slot_id", slot_id, 0, cfg.slots_per_subframe - 1)
        check_int("start_symbol", start_symbol, 0, cfg.n_symbols - 1)
        n = cfg.n_symbols - start_symbol if num_symbols is None else num_symbols
        check_int("num_symbols", n, 1, cfg.n_symbols - start_symbol)
        return frame_id, subframe_id, slot_id, start_symbol, n

    def slot_packets(self, grid: torch.Tensor, frame_id: int, subframe_id: int, slot_id: int,
                     *, start_symbol: int = 0, num_symbols: int | None = None
                     ) -> list[tuple[int, bytes, Flow]]:
        """The downlink messages of one slot, ``(due_ns, pdu, flow)``, in sending order
        (C-plane per eAxC, then U-plane symbol by symbol); sequence IDs are consumed."""
        raw = self.config.compress_grid_bytes(grid)          # the grid is checked first
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        return self._raw_slot_packets(raw, f, sf, s, l0, n)

    def compressed_slot_packets(self, c: CompressedPRBs | np.ndarray, frame_id: int,
                                subframe_id: int, slot_id: int, *, start_symbol: int = 0,
                                num_symbols: int | None = None) -> list[tuple[int, bytes, Flow]]:
        """:meth:`slot_packets` of a grid already compressed by ``config.compress_grid``
        (PRBs ``[n_eaxc, n_symbols, n_prb]``) or packed by ``config.compress_grid_bytes``
        (uint8 ``[n_eaxc, n_symbols, n_prb, prb_bytes]``, what :meth:`slot_packets` does in
        one call)."""
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        want = (len(self.config.eaxc_ids), self.config.n_symbols, self.config.n_prb)
        if isinstance(c, np.ndarray):
            prb_bytes = self.config.prb_bytes
            if c.dtype != np.uint8 or c.shape != (*want, prb_bytes):
                raise ValueError(f"c as PRB bytes must be uint8 of shape [n_eaxc, n_symbols, "
                                 f"n_prb, prb_bytes] = {[*want, prb_bytes]}, got {c.dtype} "
                                 f"{list(c.shape)}")
            return self._raw_slot_packets(c, f, sf, s, l0, n)
        if not isinstance(c, CompressedPRBs):
            raise TypeError(f"c must be CompressedPRBs or uint8 PRB bytes, got "
                            f"{type(c).__name__}")
        if (*c.batch_shape, c.n_prb) != want:
            raise ValueError(f"c holds PRBs of shape {(*c.batch_shape, c.n_prb)}; this "
                             f"configuration needs [n_eaxc, n_symbols, n_prb] = {list(want)}")
        raw = np.frombuffer(c.to_bytes(), dtype=np.uint8).reshape(
            len(self.config.eaxc_ids), self.config.n_symbols, self.config.n_prb, -1)
        return self._raw_slot_packets(raw, f, sf, s, l0, n)

    def slot_block(self, grid: torch.Tensor, frame_id: int, subframe_id: int, slot_id: int,
                   *, start_symbol: int = 0, num_symbols: int | None = None) -> SlotMessages:
        """:meth:`slot_packets` for :meth:`~Endpoint.send_messages`: the messages of
        :meth:`compressed_slot_block` of ``config.compress_grid_bytes(grid)``, the same bytes
        and Sequence IDs. Under BFP (complex64 CPU grid, one message per symbol and eAxC,
        not paced, no ``pacer``) one compiled pass quantises the grid (O-RAN.WG4.CUS.0 Annex
        A.1.2) straight into the U-plane messages (clause 8.3).

        >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
        >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0, 1), method="bfp", width=9)
        >>> odu, oru = loopback_pair(cfg)
        >>> grid = torch.zeros(2, 14, 288, dtype=torch.complex64); grid[1, 3, 5] = 1 - 1j
        >>> m = odu.slot_block(grid, 0, 0, 1)
        >>> len(m.packets), m.block.shape                # 2 C-plane, 28 U-plane
        (2, (28, 688))
        >>> odu.send_messages(m); oru.receive(30, timeout=2.0)
        30
        >>> float((oru.downlink_grid(0, 0, 1) - grid).abs().max()) < 2 ** 6 / 2 ** 15 * 3.99
        True
        >>> odu.close(); oru.close()
        """
        cfg = self.config
        x = None if (self.paced or self.pacer is not None
                     or len(cfg.uplane_chunks) != 1) else self._bfp_input(grid)
        if x is not None:
            f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                                num_symbols)
            rows, symbols, chunks = self._uplane_layout(range(l0, l0 + n))
            m = self._uplane_bfp_block("DL", x, rows, f, sf, s, symbols, chunks)
            if m is not None:
                return m._replace(packets=self._cplane("DL", f, sf, s, l0, n))
        return self.compressed_slot_block(cfg.compress_grid_bytes(grid), frame_id,
                                          subframe_id, slot_id, start_symbol=start_symbol,
                                          num_symbols=num_symbols)

    def compressed_slot_block(self, c: np.ndarray, frame_id: int, subframe_id: int,
                              slot_id: int, *, start_symbol: int = 0,
                              num_symbols: int | None = None) -> SlotMessages:
        """:meth:`compressed_slot_packets` of PRB bytes ``c`` (uint8 ``[n_eaxc, n_symbols,
        n_prb, prb_bytes]``, from ``config.compress_grid_bytes``) for
        :meth:`~Endpoint.send_messages`: the same messages, bytes and Sequence IDs in the
        same order, the C-plane as packets and -- for an O-DU that is not paced, has no
        ``pacer`` and sends each symbol of an eAxC as one message -- the U-plane as one
        block of equal-size messages written in place (sent before the next slot is built).

        >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
        >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0, 1))
        >>> odu, oru = loopback_pair(cfg)
        >>> c = cfg.compress_grid_bytes(torch.ones(2, 14, 288, dtype=torch.complex64))
        >>> m = odu.compressed_slot_block(c, 0, 0, 1)
        >>> len(m.packets), m.block.shape, m.n_messages      # 2 C-plane, 28 U-plane
        (2, (28, 1168), 30)
        >>> odu.send_messages(m); oru.receive(30, timeout=2.0)
        30
        >>> round(float(oru.downlink_grid(0, 0, 1)[1, 13, 287].real), 4)    # 16-bit I/Q
        1.0
        >>> odu.close(); oru.close()
        """
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        cfg = self.config
        want = (len(cfg.eaxc_ids), cfg.n_symbols, cfg.n_prb, cfg.prb_bytes)
        if type(c) is not np.ndarray or c.dtype != np.uint8 or c.shape != want:
            raise ValueError(f"c must be uint8 PRB bytes of shape [n_eaxc, n_symbols, n_prb, "
                             f"prb_bytes] = {list(want)}, got {getattr(c, 'dtype', type(c))} "
                             f"{list(getattr(c, 'shape', ()))}")
        if not (self.paced or self.pacer is not None) and len(cfg.uplane_chunks) == 1:
            rows, symbols, chunks = self._uplane_layout(range(l0, l0 + n))
            cplane = self._cplane("DL", f, sf, s, l0, n)
            block = self._uplane_block("DL", c, rows, f, sf, s, symbols, chunks)
            if block is not None:
                return block._replace(packets=cplane)
            # (one chunk has one size: not reached) the C-plane Sequence IDs are taken
            raise AssertionError("a one-chunk layout without a block")     # pragma: no cover
        return SlotMessages(self._raw_slot_packets(c, f, sf, s, l0, n), None, (), 0)

    def _raw_slot_packets(self, raw: np.ndarray, f: int, sf: int, s: int, l0: int, n: int
                          ) -> list[tuple[int, bytes, Flow]]:
        """C-plane then U-plane of checked timing arguments and PRB bytes ``raw``
        ``[n_eaxc, n_symbols, n_prb, prb_bytes]``."""
        due_of = None
        if self.paced or self.pacer is not None:
            adv = (self.config.windows or TimingWindows()).dl_uplane_advance_ns
            due_of = lambda l: self._air("DL", f, sf, s, l) - adv   # noqa: E731
        return (self._cplane("DL", f, sf, s, l0, n)
                + self._uplane("DL", raw, f, sf, s, range(l0, l0 + n), due_of=due_of))

    def send_slot(self, grid: torch.Tensor, frame_id: int, subframe_id: int, slot_id: int, *,
                  start_symbol: int = 0, num_symbols: int | None = None) -> int:
        """Send the C-plane and U-plane of one downlink slot (O-RAN.WG4.CUS.0 clauses 7, 8).

        ``grid``: complex ``[n_eaxc, n_symbols, 12 n_prb]``; symbols ``start_symbol ..
        start_symbol + num_symbols - 1`` are sent. Returns the number of messages sent.
        """
        with self._lock:     # built and sent as one: the block is the encoder's own array
            messages = self.slot_block(grid, frame_id, subframe_id, slot_id,
                                       start_symbol=start_symbol, num_symbols=num_symbols)
            self.send_messages(messages)      # the messages of slot_packets, in its order
        return messages.n_messages

    def request_uplink(self, frame_id: int, subframe_id: int, slot_id: int, *,
                       start_symbol: int = 0, num_symbols: int | None = None) -> int:
        """Send uplink C-plane (section type 1, all PRBs) for one slot on every eAxC, and
        expect the answering uplink U-plane. Returns the number of messages sent."""
        if self.config.method == "modulation":
            raise ValueError("method = 'modulation' has no uplink: O-RAN.WG4.CUS.0 Annex A.5 "
                             "defines modulation compression for the downlink only")
        with self._lock:
            packets = self.uplink_packets(frame_id, subframe_id, slot_id,
                                          start_symbol=start_symbol, num_symbols=num_symbols)
            self._send_all(packets)
        return len(packets)

    def uplink_packets(self, frame_id: int, subframe_id: int, slot_id: int, *,
                       start_symbol: int = 0, num_symbols: int | None = None
                       ) -> list[tuple[int, bytes, Flow]]:
        """The uplink C-plane of :meth:`request_uplink` as ``(due_ns, pdu, flow)``, not sent
        (for :meth:`send_packets` with the downlink of a slot); the answering uplink is
        expected from now on. A paced O-DU (or one with a ``pacer``) gives each message its
        due time: the air time of its first symbol minus the middle of the uplink C-plane
        window ``[T1a_min_cp_ul, T1a_max_cp_ul]`` (O-RAN.WG4.CUS.0 reference §4.2).

        >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
        >>> from softran.oran.pacing import SymbolPacer
        >>> from softran.oran.timing import SimulatedClock, TimingWindows
        >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)),
        ...                          clock=SimulatedClock())
        >>> odu.pacer = SymbolPacer(odu.clock)
        >>> [due for due, _, _ in odu.uplink_packets(0, 0, 1)]       # slot 1: air at 0.5 ms
        [143000]
        >>> 500_000 - TimingWindows().ul_cplane_advance_ns
        143000
        >>> odu.close(); oru.close()
        """
        if self.config.method == "modulation":
            raise ValueError("method = 'modulation' has no uplink: O-RAN.WG4.CUS.0 Annex A.5 "
                             "defines modulation compression for the downlink only")
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        packets = self._cplane("UL", f, sf, s, l0, n)
        with self._lock:
            buf = self._slot(("UL", f, sf, s))
            buf.announce(0, len(self.config.eaxc_ids), l0, n, 0, self.config.n_prb)
        return packets

    def request_prach(self, occasion: Any) -> int:
        """Send the section type 3 C-plane of a PRACH occasion
        (:class:`softran.oran.prach.PRACHOccasion`) on the PRACH eAxC; the O-RU answers with
        its PRACH U-plane (:mod:`softran.oran.prach`). Needs :attr:`prach`."""
        with self._lock:
            packets = self.prach_packets(occasion)
            self._send_all(packets)
        return len(packets)

    def prach_packets(self, occasion: Any) -> list[tuple[int, bytes, Flow]]:
        """The section type 3 C-plane of :meth:`request_prach` as ``(due_ns, pdu, flow)``,
        not sent; paced (or with a ``pacer``), due at the air time of the occasion's first
        symbol (its ``startSymbolId``) minus the middle of the uplink C-plane window, as for
        :meth:`uplink_packets` (O-RAN.WG4.CUS.0 clause 7.5.2.3, reference §4.2)."""
        if self.prach is None:
            raise ValueError("this O-DU has no PRACH flow: set odu.prach to a PRACHPath first")
        o = occasion
        due = self._cplane_due("UL", o.frame_id, o.subframe_id, o.slot_id, o.start_symbol)
        return [(due, pdu, flow) for _, pdu, flow in self.prach.cplane(occasion)]

    def _outstanding(self) -> list[tuple[tuple[str, int, int, int], int, int]]:
        """Uplink slots still waiting for PRBs: ``(key, missing, expected)``."""
        out = []
        for key, buf in self._slots.items():
            if key[0] == "UL" and buf.expected.any():
                missing = int((buf.expected & ~buf.received).sum())
                if missing:
                    out.append((key, missing, int(buf.expected.sum())))
        return out

    def _uplink_due_ns(self, keys: list[tuple[str, int, int, int]]) -> int:
        """Clock time by which the uplink of ``keys`` is due on the slot timeline."""
        cfg = self.config
        now = self.clock.now_ns()
        slot_ns = 1_000_000 // cfg.slots_per_subframe
        if not self.paced:  # sent as fast as possible: the O-RU answers slot after slot
            return now + len(keys) * slot_ns
        w = cfg.windows or TimingWindows()
        return max(self._air("UL", f, sf, s, cfg.n_symbols - 1) for _, f, sf, s in keys) \
            + slot_ns // cfg.n_symbols + w.ta4_max

    def wait_uplink(self, grace: float = 1.0, *, poll: float = 0.005
                    ) -> list[UplinkShortfall]:
        """Wait for the uplink U-plane that :meth:`request_uplink` asked for; return what is
        still missing when the wait ends (an empty list: everything arrived).

        The uplink of a slot is due on the slot timeline: for a paced O-DU at the end of its
        last symbol's air time plus ``T_a4,max`` (the O-DU's uplink reception window,
        :class:`~softran.oran.timing.TimingWindows`, O-RAN.WG4.CUS.0 reference §4.2); for
        an unpaced one, one slot duration per outstanding slot from now (the O-RU answers
        slot after slot). The wait ends when every requested PRB has arrived, or ``grace``
        seconds after the due time; each arrival of uplink PRBs restarts the ``grace``
        period (a loaded O-RU that is still answering is waited for). Without a running
        receive loop (:meth:`start`) the wait receives itself.

        >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
        >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)), loopback=True)
        >>> grid = torch.zeros(1, 14, 288, dtype=torch.complex64)
        >>> n = odu.send_slot(grid, 0, 0, 0); oru.start()
        >>> odu.request_uplink(0, 0, 0), odu.wait_uplink(grace=2.0)
        (1, [])
        >>> oru.stop(); odu.request_uplink(0, 0, 1)     # the O-RU no longer answers
        1
        >>> [str(m) for m in odu.wait_uplink(grace=0.05)]
        ['frame 0 subframe 0 slot 1: 336 of 336 PRBs missing (eAxC 0, symbols 0-13)']
        >>> odu.close(); oru.close()
        """
        grace = check_positive("grace", grace)
        poll = check_positive("poll", poll)
        with self._lock:
            outstanding = self._outstanding()
            due_ns = self._uplink_due_ns([k for k, _, _ in outstanding]) if outstanding else 0
        deadline = time.monotonic() + max(0, due_ns - self.clock.now_ns()) / 1e9 + grace
        before = sum(m for _, m, _ in outstanding)
        while outstanding and time.monotonic() < deadline:
            if self._thread is None:
                self.receive(timeout=poll)
            else:
                time.sleep(poll)
            with self._lock:
                outstanding = self._outstanding()
            now_missing = sum(m for _, m, _ in outstanding)
            if now_missing < before:  # uplink is arriving: wait on
                before = now_missing
                deadline = max(deadline, time.monotonic() + grace)
        out = []
        with self._lock:
            for key, missing, expected in self._outstanding():
                buf = self._slots[key]
                gap = buf.expected & ~buf.received
                eaxc = tuple(self.config.eaxc_ids[k] for k in np.flatnonzero(gap.any((1, 2))))
                symbols = tuple(int(v) for v in np.flatnonzero(gap.any((0, 2))))
                out.append(UplinkShortfall(key[1], key[2], key[3], missing, expected, eaxc,
                                           symbols))
        return out

    def next_slot(self) -> tuple[int, int, int]:
        """(frame_id, subframe_id, slot_id) of the first slot whose downlink C-plane is
        still ahead of the clock (for a paced O-DU)."""
        w = self.config.windows or TimingWindows()
        return slot_after(self.clock.now_ns() + w.t2a_max_cp_dl, self.config.scs_khz)[:3]

    def uplink_grid(self, frame_id: int, subframe_id: int, slot_id: int) -> torch.Tensor:
        """The uplink grid rebuilt from received U-plane, ``[n_eaxc, n_symbols, 12 n_prb]``
        complex64 (PRBs not received are 0)."""
        return self._grid(("UL", frame_id, subframe_id, slot_id))

    def uplink_received(self, frame_id: int, subframe_id: int, slot_id: int) -> torch.Tensor:
        """bool ``[n_eaxc, n_symbols, n_prb]``: which uplink PRBs arrived."""
        return self._mask(("UL", frame_id, subframe_id, slot_id))

    def close(self) -> None:
        """Stop the receive loop and close the transport."""
        self.stop()
        close = getattr(self.transport, "close", None)
        if callable(close):
            close()
