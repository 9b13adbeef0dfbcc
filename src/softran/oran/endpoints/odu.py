"""The O-DU end of the O-RAN 7.2x fronthaul (O-RAN.WG4.CUS.0 clauses 7 and 8).

:class:`ODU` sends C-plane and U-plane for downlink grids, sends uplink C-plane and rebuilds
uplink grids from the U-plane the O-RU answers with (see :mod:`softran.oran.endpoints`).
"""

from __future__ import annotations

import numpy as np
import torch

from softran.oran.compression import CompressedPRBs
from softran.oran.counters import Flow
from softran.oran.endpoints.endpoint import Endpoint
from softran.oran.timing import TimingWindows, slot_after
from softran.validation import check_int

__all__ = ["ODU"]


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
        return self.compressed_slot_packets(self.config.compress_grid(grid), frame_id,
                                            subframe_id, slot_id, start_symbol=start_symbol,
                                            num_symbols=num_symbols)

    def compressed_slot_packets(self, c: CompressedPRBs, frame_id: int, subframe_id: int,
                                slot_id: int, *, start_symbol: int = 0,
                                num_symbols: int | None = None) -> list[tuple[int, bytes, Flow]]:
        """:meth:`slot_packets` of a grid already compressed by ``config.compress_grid``
        (PRBs ``[n_eaxc, n_symbols, n_prb]``)."""
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        if not isinstance(c, CompressedPRBs):
            raise TypeError(f"c must be CompressedPRBs, got {type(c).__name__}")
        want = (len(self.config.eaxc_ids), self.config.n_symbols, self.config.n_prb)
        if (*c.batch_shape, c.n_prb) != want:
            raise ValueError(f"c holds PRBs of shape {(*c.batch_shape, c.n_prb)}; this "
                             f"configuration needs [n_eaxc, n_symbols, n_prb] = {list(want)}")
        raw = np.frombuffer(c.to_bytes(), dtype=np.uint8).reshape(
            len(self.config.eaxc_ids), self.config.n_symbols, self.config.n_prb, -1)
        due_of = None
        if self.paced:
            assert self.config.windows is not None
            adv = self.config.windows.dl_uplane_advance_ns
            due_of = lambda l: self._air("DL", f, sf, s, l) - adv   # noqa: E731
        return (self._cplane("DL", f, sf, s, l0, n)
                + self._uplane("DL", raw, f, sf, s, range(l0, l0 + n), due_of=due_of))

    def send_slot(self, grid: torch.Tensor, frame_id: int, subframe_id: int, slot_id: int, *,
                  start_symbol: int = 0, num_symbols: int | None = None) -> int:
        """Send the C-plane and U-plane of one downlink slot (O-RAN.WG4.CUS.0 clauses 7, 8).

        ``grid``: complex ``[n_eaxc, n_symbols, 12 n_prb]``; symbols ``start_symbol ..
        start_symbol + num_symbols - 1`` are sent. Returns the number of messages sent.
        """
        packets = self.slot_packets(grid, frame_id, subframe_id, slot_id,
                                    start_symbol=start_symbol, num_symbols=num_symbols)
        self.send_packets(packets)
        return len(packets)

    def request_uplink(self, frame_id: int, subframe_id: int, slot_id: int, *,
                       start_symbol: int = 0, num_symbols: int | None = None) -> int:
        """Send uplink C-plane (section type 1, all PRBs) for one slot on every eAxC, and
        expect the answering uplink U-plane. Returns the number of messages sent."""
        if self.config.method == "modulation":
            raise ValueError("method = 'modulation' has no uplink: O-RAN.WG4.CUS.0 Annex A.5 "
                             "defines modulation compression for the downlink only")
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        packets = self._cplane("UL", f, sf, s, l0, n)
        with self._lock:
            buf = self._slot(("UL", f, sf, s))
            buf.cplane_seen[:] = True
            buf.expected[:, l0:l0 + n, :] = True
            self._send_all(packets)
        return len(packets)

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
