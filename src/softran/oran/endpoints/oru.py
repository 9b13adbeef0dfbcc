"""The O-RU end of the O-RAN 7.2x fronthaul (O-RAN.WG4.CUS.0 clauses 7 and 8).

:class:`ORU` rebuilds downlink grids from the C-plane and U-plane it receives and answers
uplink C-plane with uplink U-plane, from an ``uplink_source`` or -- in loopback mode -- from
the downlink it received (see :mod:`softran.oran.endpoints`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from softran.oran.counters import Flow
from softran.oran.endpoints.config import FronthaulConfig
from softran.oran.endpoints.endpoint import Endpoint, SlotBuffer, SlotKey
from softran.oran.timing import Clock

__all__ = ["ORU"]


def _chunks_of(prbs: np.ndarray, per: int) -> tuple[tuple[int, int], ...]:
    """Contiguous runs of the sorted PRB indices ``prbs``, cut into pieces of <= ``per``."""
    if prbs.size == 0:
        return ()
    breaks = np.nonzero(np.diff(prbs) != 1)[0] + 1
    out = []
    for run in np.split(prbs, breaks):
        for p in range(0, run.size, per):
            out.append((int(run[p]), int(min(per, run.size - p))))
    return tuple(out)


class _UplinkSlot:
    """The uplink samples of one slot that the O-RU answers from: the PRB bytes ``raw``
    (uint8 ``[n_eaxc, n_symbols, n_prb, prb_bytes]``), or the source ``grid`` and its float32
    I/Q view ``x`` that the fused BFP pass compresses straight into the answers, with the PRB
    bytes compressed only where the reference path needs them (:meth:`raw_of`)."""

    __slots__ = ("grid", "raw", "x")

    def __init__(self, raw: np.ndarray | None, grid: torch.Tensor | None = None,
                 x: np.ndarray | None = None) -> None:
        self.raw = raw
        self.grid = grid
        self.x = x

    def raw_of(self, cfg: FronthaulConfig) -> np.ndarray:
        """The PRB bytes (``cfg.compress_grid_bytes`` of the grid, once)."""
        if self.raw is None:
            self.raw = cfg.compress_grid_bytes(self.grid)
        return self.raw


class ORU(Endpoint):
    """O-RU: rebuilds downlink grids from C-/U-plane, answers uplink C-plane with U-plane.

    Args:
        config, transport, clock, paced: as for :class:`ODU` (``transport`` sends to the O-DU).
        loopback: answer uplink C-plane with the downlink PRBs received for the same slot.
        uplink_source: otherwise, ``f(frame_id, subframe_id, slot_id) -> grid`` (complex
            ``[n_eaxc, n_symbols, 12 n_prb]``) or ``None`` for zeros; default zeros. It is
            called once per slot and the grid kept for the slot's answers (the last
            ``max_slots`` slots): a BFP complex64 grid is compressed straight into each
            answer, so the source must not overwrite a grid it returned while its slot can
            still be asked for.
    """

    role = "O-RU"
    _rows_first = True             # the answers of several eAxC: in the order of one per eAxC

    def __init__(self, config: FronthaulConfig, transport: Any, *, clock: Clock | None = None,
                 paced: bool = False, loopback: bool = False,
                 uplink_source: Callable[[int, int, int], torch.Tensor | None] | None = None,
                 max_slots: int = 32) -> None:
        super().__init__(config, transport, clock=clock, paced=paced, max_slots=max_slots)
        if loopback and uplink_source is not None:
            raise ValueError("give loopback = True or an uplink_source, not both")
        if uplink_source is not None and not callable(uplink_source):
            raise TypeError("uplink_source must be callable (frame_id, subframe_id, slot_id)")
        if config.method == "modulation" and (loopback or uplink_source is not None):
            raise ValueError("method = 'modulation' has no uplink (O-RAN.WG4.CUS.0 Annex A.5 is "
                             "downlink only): give neither loopback nor uplink_source")
        self.loopback = bool(loopback)
        self.uplink_source = uplink_source
        # the uplink samples of the slots answered lately, per (frame, subframe, slot)
        self._ul_raw: OrderedDict[tuple[int, int, int], _UplinkSlot] = OrderedDict()
        # (chunks, symbols) of the answer to a contiguous section, per (first PRB, PRBs, l0,
        # numSymbol)
        self._answer_layouts: dict[tuple[int, int, int, int],
                                   tuple[tuple[tuple[int, int], ...], tuple[int, ...]]] = {}
        # the same per (id of a read-only PRB array, l0, numSymbol), with that array
        self._layout_of: dict[tuple[int, int, int], tuple[np.ndarray, Any]] = {}
        #: hold the answer to an uplink C-plane (section types 1 and 3) whose slot has no
        #: samples from ``uplink_source`` / the PRACH source yet, until :meth:`answer_uplink`
        #: of that slot (an O-RU that gets its C-plane before the air time, as O-RAN times it)
        self.defer_uplink = False
        self._deferred: OrderedDict[tuple[int, int, int], list[Callable[[], None]]] = \
            OrderedDict()
        # uplink answers held while a batch is handled (handle_batch), encoded together when
        # it ends or before anything else is queued: (samples, eAxC row, f, sf, s, symbols,
        # chunks)
        self._held: list[tuple[_UplinkSlot, int, int, int, int, tuple[int, ...],
                               tuple[tuple[int, int], ...]]] = []
        self._holding = False

    def _defer(self, key: tuple[int, int, int], answer: Callable[[], None]) -> None:
        self._deferred.setdefault(key, []).append(answer)
        while len(self._deferred) > self.max_slots:
            self._deferred.popitem(last=False)

    def answer_uplink(self, frame_id: int, subframe_id: int, slot_id: int) -> int:
        """Answer the uplink C-plane of a slot held back by :attr:`defer_uplink` (now that its
        samples are there) and send the answers that are due; returns the number of requests
        answered.

        >>> import torch
        >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
        >>> grids = {}
        >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)),
        ...                          uplink_source=lambda f, sf, s: grids.get((f, sf, s)))
        >>> oru.defer_uplink = True
        >>> odu.request_uplink(0, 0, 1), oru.receive(1, timeout=1.0)   # held: no samples yet
        (1, 1)
        >>> grids[(0, 0, 1)] = torch.ones(1, 14, 288, dtype=torch.complex64)
        >>> oru.answer_uplink(0, 0, 1), odu.wait_uplink(grace=2.0)
        (1, [])
        >>> odu.close(); oru.close()
        """
        with self._lock:
            todo = self._deferred.pop((frame_id, subframe_id, slot_id), [])
            for answer in todo:
                answer()
            self._service_pending()
        return len(todo)

    def _on_prach_cplane(self, msg: Any) -> None:
        out = self.prach.on_cplane(msg)
        if not out and self.defer_uplink:
            t = msg.timing
            self._defer((t.frame_id, t.subframe_id, t.slot_id),
                        lambda: self._queue(self.prach.on_cplane(msg)))
            return
        self._queue(out)

    def _uplane_directions(self) -> tuple[str, ...]:
        return ("DL",)

    def _cplane_directions(self) -> tuple[str, ...]:
        return ("DL", "UL")

    def _uplink_raw(self, f: int, sf: int, s: int) -> _UplinkSlot:
        """The uplink samples of a slot: the downlink received (loopback), else the
        ``uplink_source`` grid -- kept for the fused BFP pass where it can take it, else
        compressed now (the reference path checks the grid) -- or zeros."""
        cfg = self.config
        if self.loopback:
            buf = self._slots.get(("DL", f, sf, s))
            return _UplinkSlot(buf.raw if buf is not None else SlotBuffer(cfg).raw)
        slot = self._ul_raw.get((f, sf, s))
        if slot is None:
            grid = None if self.uplink_source is None else self.uplink_source(f, sf, s)
            if grid is None:
                slot = _UplinkSlot(SlotBuffer(cfg).raw)
            else:
                x = self._bfp_input(grid)
                slot = (_UplinkSlot(cfg.compress_grid_bytes(grid)) if x is None
                        else _UplinkSlot(None, grid, x))
            self._ul_raw[(f, sf, s)] = slot
            while len(self._ul_raw) > self.max_slots:
                self._ul_raw.popitem(last=False)
        return slot

    def _on_section(self, key: SlotKey, k: int, eaxc_id: int, l0: int, num_symbol: int,
                    prbs: np.ndarray) -> None:
        direction, f, sf, s = key
        if direction != "UL":
            return
        if self.defer_uplink and not self.loopback and (f, sf, s) not in self._ul_raw and (
                self.uplink_source is not None and self.uplink_source(f, sf, s) is None):
            self._defer((f, sf, s), lambda: self._on_section(key, k, eaxc_id, l0, num_symbol,
                                                             prbs))
            return
        cfg = self.config
        if cfg.method == "modulation":                 # no uplink under modulation compression
            self.counters.ignored["uplink-modulation-compression"] += 1
            return
        raw = self._uplink_raw(f, sf, s)
        due_of = None
        if self.paced:
            assert cfg.windows is not None
            ta3 = cfg.windows.ta3_min
            due_of = lambda l: self._air("UL", f, sf, s, l) + ta3   # noqa: E731
        per = cfg.uplane_chunks[0][1]
        known = self._layout_of.get((id(prbs), l0, num_symbol))
        if known is not None and known[0] is prbs:  # the remembered (read-only) PRBs again
            layout = known[1]
        elif prbs.size and int(prbs[-1]) - int(prbs[0]) == prbs.size - 1:
            # the C-plane's PRBs are increasing (start + j (rb + 1)): here one contiguous run
            p_first = int(prbs[0])
            layout = self._answer_layouts.get((p_first, prbs.size, l0, num_symbol))
            if layout is None:
                runs = tuple((p_first + j, min(per, prbs.size - j))
                             for j in range(0, prbs.size, per))
                layout = self._answer_layout(runs, l0, num_symbol)
                if len(self._answer_layouts) >= 64:
                    self._answer_layouts.clear()
                self._answer_layouts[(p_first, prbs.size, l0, num_symbol)] = layout
        else:
            layout = self._answer_layout(_chunks_of(np.sort(prbs), per), l0, num_symbol)
        if known is None and not prbs.flags.writeable:
            if len(self._layout_of) >= 64:
                self._layout_of.clear()
            self._layout_of[(id(prbs), l0, num_symbol)] = (prbs, layout)   # holds prbs: id kept
        chunks, symbols = layout
        if not chunks or not symbols:
            return
        if self._holding and due_of is None and not self.loopback:
            # held: the answers to the other eAxC of this slot in the batch are encoded with it
            self._held.append((raw, k, f, sf, s, symbols, chunks))
            return
        # one message per symbol and chunk, symbol by symbol (clause 8.3), encoded at once
        self._queue(self._uplane_rows("UL", raw.raw_of(cfg), (k,), f, sf, s, symbols, chunks,
                                      due_of))

    def handle_batch(self, blocks: list[tuple[Any, int]], arrival_ns: int | None = None) -> int:
        with self._lock:
            self._holding = self.block_decoding
            try:
                return super().handle_batch(blocks, arrival_ns)
            finally:
                self._holding = False
                self._flush_held()

    handle_batch.__doc__ = Endpoint.handle_batch.__doc__

    def _queue(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        if self._held:
            self._flush_held()
        super()._queue(packets)

    def _service_pending(self) -> None:
        if self._held:
            self._flush_held()
        super()._service_pending()

    def _flush_held(self) -> None:
        """Queue the held uplink answers, in the order they were held: consecutive answers
        for the same slot, symbols and chunks on distinct eAxC rows are encoded in one call,
        their messages put in the order (and with the Sequence IDs) of one call per row."""
        held, self._held = self._held, []
        i = 0
        while i < len(held):
            raw, k, f, sf, s, symbols, chunks = held[i]
            rows = [k]
            j = i + 1
            while j < len(held) and held[j][0] is raw and held[j][2:] == held[i][2:] and \
                    held[j][1] not in rows:
                rows.append(held[j][1])
                j += 1
            i = j
            if not self._pending and not self.paced and self.pacer is None:
                # nothing queued before it: sent now, as one block (the same datagrams), the
                # source grid compressed straight into it where the fused BFP pass can
                block = None if raw.x is None else self._uplane_bfp_block(
                    "UL", raw.x, tuple(rows), f, sf, s, symbols, chunks)
                if block is None:
                    block = self._uplane_block("UL", raw.raw_of(self.config), tuple(rows), f,
                                               sf, s, symbols, chunks)
                if block is not None:            # row by row (_rows_first): no reordering
                    self._send_block(block)
                    continue
            super()._queue(self._uplane_rows("UL", raw.raw_of(self.config), tuple(rows), f,
                                             sf, s, symbols, chunks))

    def _answer_layout(self, runs: tuple[tuple[int, int], ...], l0: int, num_symbol: int
                       ) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
        """U-plane (startPrbu, numPrbu) chunks of PRB runs ``runs`` and the symbols
        ``l0 .. l0 + num_symbol - 1`` of an uplink answer."""
        n_prb = self.config.n_prb
        return (tuple((p0, 0 if n == n_prb and n > 255 else n) for p0, n in runs),
                tuple(range(l0, l0 + num_symbol)))

    def downlink_grid(self, frame_id: int, subframe_id: int, slot_id: int) -> torch.Tensor:
        """The downlink grid rebuilt from received U-plane, ``[n_eaxc, n_symbols, 12 n_prb]``
        complex64 (PRBs not received are 0)."""
        return self._grid(("DL", frame_id, subframe_id, slot_id))

    def downlink_received(self, frame_id: int, subframe_id: int, slot_id: int) -> torch.Tensor:
        """bool ``[n_eaxc, n_symbols, n_prb]``: which downlink PRBs arrived."""
        return self._mask(("DL", frame_id, subframe_id, slot_id))

    def close(self) -> None:
        """Stop the receive loop, send what is still queued, close the transport."""
        self.stop()
        with self._lock:
            paced, self.paced = self.paced, False
            self._service_pending()
            self.paced = paced
        close = getattr(self.transport, "close", None)
        if callable(close):
            close()
