"""What the O-DU and the O-RU share: transport, clock, counters, slot buffers, receive path.

:class:`Endpoint` is the base of :class:`~softran.oran.endpoints.odu.ODU` and
:class:`~softran.oran.endpoints.oru.ORU` (O-RAN.WG4.CUS.0 clauses 7 and 8): it builds the
C-plane (section type 1) and U-plane messages of a slot, receives and classifies PDUs
(reception windows, sequence IDs, malformed packets by :data:`MALFORMED_REASONS`), and keeps
the received PRB bytes per slot in a :class:`SlotBuffer`. Timing, concurrency and the
handling of bad input are described in :mod:`softran.oran.endpoints`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import operator
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np
import torch
from numba import njit

from softran.oran.compression import CompressedPRBs, decompress, decompress_prb_bytes
from softran.oran.counters import EndpointCounters, Flow
from softran.oran.cplane import CPlaneConfig, CPlaneMessage, Section1, decode_cplane, encode_cplane
from softran.oran.ecpri import EcpriMessage, EcpriMessageType, SeqId, decode_ecpri
from softran.oran.endpoints.config import FronthaulConfig
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import TimingHeader, timing_header_bytes
from softran.oran.section_extensions import ModCompParamsExt
from softran.oran.timing import (
    Clock,
    RealTimeClock,
    TimingWindows,
    air_time_ns,
    classify_arrival,
)
from softran.oran.uplane import UPlaneSlotEncoder, decode_uplane
from softran.oran.uplane_block import UPlaneBlockParser, eaxc_lookup, store_uplane_block
from softran.validation import check_int, check_positive

__all__ = ["MALFORMED_REASONS", "SECTION_IDS", "Endpoint", "SlotBuffer", "SlotKey",
           "SlotMessages"]

# one logger for the whole package (the name the package docstring documents)
logger = logging.getLogger("softran.oran.endpoints")

#: Reasons under which malformed packets are counted.
MALFORMED_REASONS: tuple[str, ...] = (
    "truncated", "wrong-length", "unknown-section-type", "prb-out-of-range",
    "symbol-out-of-range", "inconsistent-udcomphdr", "bad-header", "unknown-eaxc",
    "wrong-direction", "unsupported-message-type", "missing-section-extension", "other")

#: sectionId of the endpoints' sections (C-plane and U-plane), per direction.
SECTION_IDS: dict[str, int] = {"DL": 1, "UL": 2}
_DIRECTION = {1: "DL", 0: "UL"}
_RCVBUF = 4 << 20

# decoder reason text -> malformed category (first match wins); the endpoint tests exercise
# every category, so a reworded decoder message shows up there
_REASON_PATTERNS = (
    ("exceed the carrier", "prb-out-of-range"),
    ("sectionType", "unknown-section-type"),
    ("ud_comp_meth", "inconsistent-udcomphdr"),
    ("udCompMeth", "inconsistent-udcomphdr"),
    ("exceeds the", "truncated"),
    ("truncated eCPRI common header", "truncated"),
    ("truncated", "wrong-length"),
    ("bytes left in ecpriPayload", "wrong-length"),
    ("numSymbol", "symbol-out-of-range"),
    ("payloadVersion", "bad-header"),
    ("protocol revision", "bad-header"),
    ("C bit", "bad-header"),
    ("timing header", "bad-header"),
    ("fragmented", "bad-header"),
)


# fields of the (due_ns, pdu, flow) packets and of the (due_ns, order, pdu, flow) queue
_DUE, _PDU, _FLOW = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)
_QUEUED_PDU, _QUEUED_FLOW = operator.itemgetter(2), operator.itemgetter(3)


class _Malformed(Exception):
    def __init__(self, category: str, reason: str) -> None:
        super().__init__(reason)
        self.category, self.reason = category, reason


def _category(reason: str) -> str:
    for pattern, category in _REASON_PATTERNS:
        if pattern in reason:
            return category
    return "other"


class SlotBuffer:
    """Raw PRB bytes of one slot and direction, what arrived and what the C-plane asked.

    ``raw`` is uint8 ``[n_eaxc, n_symbols, n_prb, prb_bytes]`` (U-plane PRB fields as on the
    wire, O-RAN.WG4.CUS.0 clause 8.3.3), initialised with the bytes of an all-zero PRB;
    ``received`` / ``expected`` are bool ``[n_eaxc, n_symbols, n_prb]``.

    >>> from softran.oran.endpoints import FronthaulConfig
    >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="bfp", width=9)
    >>> buf = SlotBuffer(cfg)
    >>> buf.raw.shape, bool(buf.received.any()), float(buf.grid(cfg).abs().max())
    ((1, 14, 24, 28), False, 0.0)
    """

    def __init__(self, cfg: FronthaulConfig) -> None:
        n_e, n_s, n_p, b = len(cfg.eaxc_ids), cfg.n_symbols, cfg.n_prb, cfg.prb_bytes
        self._cfg = cfg
        self._zero = _zero_raw(cfg)
        self._raw = self._zero.copy()
        # True after clear(): the PRBs not received still hold an earlier slot's bytes, and
        # become all-zero PRBs when raw is next read (most are overwritten by then)
        self._stale = False
        self.received = np.zeros((n_e, n_s, n_p), dtype=bool)
        self.expected = np.zeros((n_e, n_s, n_p), dtype=bool)
        self.cplane_seen = np.zeros(n_e, dtype=bool)
        # modulation compression: (csf << 15) | modCompScaler of the C-plane SE4 that covered
        # each PRB, -1 where none did
        self.mod_comp = (np.full((n_e, n_s, n_p), -1, dtype=np.int32)
                         if cfg.method == "modulation" else None)
        assert self._raw.shape[-1] == b

    @property
    def raw(self) -> np.ndarray:
        """uint8 ``[n_eaxc, n_symbols, n_prb, prb_bytes]``: the received PRB bytes, the
        all-zero PRB where none was received."""
        if self._stale:
            self._stale = False
            _unstale(self._raw, self._zero, self.received)
        return self._raw

    def store_target(self) -> np.ndarray:
        """The array behind :attr:`raw` for writing received PRB fields into
        (O-RAN.WG4.CUS.0 clause 8.3.3), their ``received`` flags set with them; after
        :meth:`clear` the PRBs not received become all-zero PRBs when :attr:`raw` is read.

        >>> from softran.oran.endpoints import FronthaulConfig
        >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="bfp", width=9)
        >>> buf = SlotBuffer(cfg); buf.raw[0, 0, :2, 1] = 7; buf.clear(cfg)
        >>> buf.store_target()[0, 0, 1, 1] = 5; buf.received[0, 0, 1] = True
        >>> buf.raw[0, 0, :2, 1].tolist()        # PRB 0 not received: the zero PRB again
        [0, 5]
        """
        return self._raw

    def clear(self, cfg: FronthaulConfig, *, flags_cleared: bool = False) -> None:
        """Back to the state of a new buffer (the buffer of an evicted slot serves the next);
        ``flags_cleared``: its flags are all False already (the endpoint's close of the slot
        cleared them), so only the rest is reset."""
        if cfg is not self._cfg:
            self._cfg, self._zero = cfg, _zero_raw(cfg)
            if self._zero.shape != self._raw.shape:
                self._raw = self._zero.copy()
        self._stale = True
        if not flags_cleared:
            _reset_flags(self.received, self.expected, self.cplane_seen)
        if self.mod_comp is not None:
            self.mod_comp.fill(-1)

    def announce(self, k0: int, k1: int, l0: int, n_symbols: int, p0: int, n_prb: int) -> None:
        """C-plane for eAxC rows ``k0 .. k1 - 1`` (``cplane_seen``) asking for PRBs ``p0 ..
        p0 + n_prb - 1`` of symbols ``l0 .. l0 + n_symbols - 1`` (``expected``), in one
        compiled pass (O-RAN.WG4.CUS.0 clause 7.5.3: a section of contiguous PRBs); ranges
        are clipped to the buffer as slices are.

        >>> from softran.oran.endpoints import FronthaulConfig
        >>> buf = SlotBuffer(FronthaulConfig(n_prb=24, eaxc_ids=(0, 1)))
        >>> buf.announce(1, 2, 3, 2, 20, 10)
        >>> int(buf.expected.sum()), buf.cplane_seen.tolist(), bool(buf.expected[1, 4, 23])
        (8, [False, True], True)
        """
        if min(k0, k1, l0, n_symbols, p0, n_prb) < 0:
            raise ValueError(f"announce takes non-negative rows, symbols and PRBs, got k0 = "
                             f"{k0}, k1 = {k1}, l0 = {l0}, n_symbols = {n_symbols}, p0 = {p0}, "
                             f"n_prb = {n_prb}")
        _announce(self.expected, self.cplane_seen, k0, k1, l0, n_symbols, p0, n_prb)

    def grid(self, cfg: FronthaulConfig) -> torch.Tensor:
        """The slot's grid ``[n_eaxc, n_symbols, 12 n_prb]`` complex64, decompressed in one call."""
        if self.mod_comp is not None:
            return self._modulation_grid(cfg)
        if cfg.method != "bfp-selective-re":
            return decompress_prb_bytes(self.raw, cfg.method, cfg.width,
                                        full_scale=cfg.full_scale, grid=True)
        c = CompressedPRBs.from_bytes(self.raw.tobytes(), cfg.n_prb, cfg.method, cfg.width,
                                      batch_shape=self.raw.shape[:2],
                                      full_scale=cfg.full_scale)
        return decompress(c).reshape(*self.raw.shape[:2], 12 * cfg.n_prb)

    def _modulation_grid(self, cfg: FronthaulConfig) -> torch.Tensor:
        """Annex A.5 reconstruction with the SE4 values each PRB's C-plane section gave; PRBs
        not received, or without SE4, are 0 (a loop over the distinct SE4 values only)."""
        assert self.mod_comp is not None
        shape = self.raw.shape[:3]
        out = torch.zeros(*shape, 12, dtype=torch.complex64)
        usable = self.received & (self.mod_comp >= 0)
        for word in np.unique(self.mod_comp[usable]):
            if word & 0x7FFF == 0:
                continue                              # modCompScaler 0: nothing to rebuild
            c = CompressedPRBs.from_bytes(self.raw.tobytes(), cfg.n_prb, "modulation",
                                          cfg.width, batch_shape=shape[:2],
                                          csf=bool(word >> 15), mod_comp_scaler=int(word & 0x7FFF),
                                          full_scale=cfg.full_scale)
            sel = torch.from_numpy(usable & (self.mod_comp == word)).unsqueeze(-1)
            out = torch.where(sel, decompress(c), out)
        return out.reshape(*shape[:2], 12 * cfg.n_prb)


SlotKey = tuple[str, int, int, int]          # (direction, frame_id, subframe_id, slot_id)


class SlotMessages(NamedTuple):
    """The messages of one slot to send (:meth:`Endpoint.send_messages`): ``packets``
    ``(due_ns, pdu, flow)`` first, then the rows of ``block`` (uint8 ``[m, size]``, one
    message per row, or ``None``), whose messages belong to ``block_flows``, ``per_flow``
    each (O-RAN.WG4.CUS.0 clause 8.3 U-plane, symbol by symbol then eAxC). ``block`` may
    be an encoder's own array, rewritten by its next slot: send before building the next.

    >>> SlotMessages([], np.zeros((4, 8), np.uint8), (), 2).n_messages
    4
    """

    packets: list[tuple[int, bytes, Flow]]
    block: np.ndarray | None
    block_flows: tuple[Flow, ...]
    per_flow: int

    @property
    def n_messages(self) -> int:
        """Messages in all: the packets and the rows of the block."""
        return len(self.packets) + (0 if self.block is None else self.block.shape[0])

_ZERO_PRB: dict[tuple[str, int, float | None, int], np.ndarray] = {}


def _zero_prb(cfg: FronthaulConfig) -> np.ndarray:
    """``cfg.zero_prb()`` as uint8, computed once per method, width and full scale."""
    key = (cfg.method, cfg.width, cfg.full_scale, cfg.prb_bytes)
    row = _ZERO_PRB.get(key)
    if row is None:
        row = _ZERO_PRB[key] = np.frombuffer(cfg.zero_prb(), dtype=np.uint8)
    return row


_ZERO_RAW: dict[tuple[Any, ...], np.ndarray] = {}


def _zero_raw(cfg: FronthaulConfig) -> np.ndarray:
    """A slot of all-zero PRBs ``[n_eaxc, n_symbols, n_prb, prb_bytes]`` (read-only), made
    once per configuration: clearing a slot buffer is then one copy."""
    key = (cfg.method, cfg.width, cfg.full_scale, cfg.prb_bytes, len(cfg.eaxc_ids),
           cfg.n_symbols, cfg.n_prb)
    raw = _ZERO_RAW.get(key)
    if raw is None:
        if len(_ZERO_RAW) >= 16:
            _ZERO_RAW.clear()
        raw = np.empty(key[4:] + (cfg.prb_bytes,), dtype=np.uint8)
        raw[...] = _zero_prb(cfg)
        raw.flags.writeable = False
        _ZERO_RAW[key] = raw
    return raw

#: C-plane messages decoded per endpoint and remembered (see Endpoint._decode_cplane)
_CPLANE_CACHE = 64
#: U-plane message layouts per endpoint whose buffers are kept (see Endpoint._uplane_rows)
_ENCODERS = 64


#: one byte per value 0..255 (a Sequence ID as it goes on the wire)
_BYTE: tuple[bytes, ...] = tuple(bytes((v,)) for v in range(256))


def _picker(rows: list[int]) -> Callable[[list[int]], list[int]]:
    """``f(values) -> [values[r] for r in rows]`` (``operator.itemgetter``, as a list)."""
    if len(rows) == 1:
        r = rows[0]
        return lambda values: [values[r]]
    get = operator.itemgetter(*rows)
    return lambda values: list(get(values))


@functools.lru_cache(maxsize=64)
def _all_true(m: int) -> np.ndarray:
    """bool ``[m]``, all True, read-only (every message of a run kept)."""
    keep = np.ones(m, dtype=bool)
    keep.flags.writeable = False
    return keep


def _cplane_key(payload: bytes, start: int = 0) -> bytes:
    """The bytes of a C-plane eCPRI payload (from byte ``start`` of ``payload``: 4 for a
    whole eCPRI PDU) that fix what it does, whatever its Sequence ID (byte 2) and its
    frameId / subframeId / slotId / startSymbolId (bytes 5-7)."""
    return payload[start:start + 2] + payload[start + 3:start + 5] + payload[start + 8:]


class _CPlanePlan(NamedTuple):
    """A checked section type 1 C-plane message layout: eAxC row, direction, eAxC ID, flow,
    whether U-plane of its direction is received here, the largest numSymbol, per
    section ``(numSymbol, startPrbc, rb, PRBs, SE4 word or None)``, and what the checks of a
    repeat need from the endpoint's (frozen) configuration: the largest startSymbolId the
    sections fit after (symbols per slot - the largest numSymbol) and the slots per subframe."""

    k: int
    direction: str
    eaxc_id: int
    flow: Flow
    receives_uplane: bool
    max_symbols: int
    sections: tuple[tuple[int, int, int, np.ndarray, int | None], ...]
    max_l0: int
    slots_per_subframe: int


@functools.lru_cache(maxsize=256)
def _section_prbs(start: int, count: int, rb: int) -> np.ndarray:
    """The PRBs of a C-plane section, ``start + j (rb + 1)`` (O-RAN.WG4.CUS.0 clause
    7.5.3.2), remembered and read-only (the same sections come slot after slot)."""
    prbs = start + np.arange(count) * (rb + 1)
    prbs.flags.writeable = False
    return prbs


@njit(cache=True, nogil=True)
def _expected_received(expected: np.ndarray, received: np.ndarray, cplane_seen: np.ndarray,
                       reset: bool) -> tuple[int, int, bool]:  # pragma: no cover - compiled
    """(PRBs expected, PRBs expected and received, flags reset) of a slot's flags
    (C-contiguous), one pass; with ``reset``, when every expected PRB was received (nothing
    missing to count by symbol), all flags are then set False as :func:`_reset_flags` does
    (one compiled call for the close and the clear of an evicted slot)."""
    e = expected.reshape(-1)
    g = received.reshape(-1)
    n_e = 0
    n_r = 0
    for i in range(e.size):
        if e[i]:
            n_e += 1
            if g[i]:
                n_r += 1
    if not reset or n_e != n_r:
        return n_e, n_r, False
    for i in range(e.size):
        g[i] = False
        e[i] = False
    for k in range(cplane_seen.size):
        cplane_seen[k] = False
    return n_e, n_r, True


@njit(cache=True, nogil=True)
def _reset_flags(received: np.ndarray, expected: np.ndarray,
                 cplane_seen: np.ndarray) -> None:  # pragma: no cover - compiled
    """All of a slot buffer's flags (C-contiguous) False, one call."""
    g = received.reshape(-1)
    e = expected.reshape(-1)
    for i in range(g.size):
        g[i] = False
        e[i] = False
    for k in range(cplane_seen.size):
        cplane_seen[k] = False


@njit(cache=True, nogil=True)
def _announce(expected: np.ndarray, cplane_seen: np.ndarray, k0: int, k1: int, l0: int,
              n_sym: int, p0: int, n_prb: int) -> None:  # pragma: no cover - compiled
    """``cplane_seen[k0:k1] = True``, ``expected[k0:k1, l0:l0 + n_sym, p0:p0 + n_prb] =
    True`` (non-negative bounds, clipped as slices are)."""
    k1 = min(k1, expected.shape[0])
    l1 = min(l0 + n_sym, expected.shape[1])
    p1 = min(p0 + n_prb, expected.shape[2])
    for k in range(k0, k1):
        cplane_seen[k] = True
        for l in range(l0, l1):
            for p in range(p0, p1):
                expected[k, l, p] = True


@njit(cache=True, nogil=True)
def _unstale(raw: np.ndarray, zero: np.ndarray,
             received: np.ndarray) -> None:  # pragma: no cover - compiled
    """The all-zero PRB (``zero``'s) into every PRB of ``raw`` not ``received``, one pass."""
    n_e, n_s, n_p, b = raw.shape
    for k in range(n_e):
        for l in range(n_s):
            for p in range(n_p):
                if not received[k, l, p]:
                    for j in range(b):
                        raw[k, l, p, j] = zero[k, l, p, j]


def _grow_buffers(transport: object) -> None:
    # UDPTransport keeps its socket private; a slot of 273 PRB x 4 eAxC is ~0.5-1 MB, more
    # than Linux's default receive buffer, so ask for 4 MiB (capped by net.core.rmem_max)
    sock = getattr(transport, "_sock", None)
    inner = getattr(transport, "inner", None)
    if sock is None and inner is not None:     # a wrapper (MACsec, impairments): its socket
        _grow_buffers(inner)
        return
    if isinstance(sock, socket.socket) and sock.type == socket.SOCK_DGRAM:
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                sock.setsockopt(socket.SOL_SOCKET, opt, _RCVBUF)
            except OSError:
                pass


class Endpoint:
    """What the O-DU and the O-RU share: transport, clock, counters, slot buffers, loops.

    Subclasses name the directions whose C-plane and U-plane they receive and may react to
    each received C-plane section (:meth:`_on_section`).

    >>> from softran.oran.endpoints import FronthaulConfig, loopback_pair
    >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)))
    >>> isinstance(odu, Endpoint), isinstance(oru, Endpoint), odu.role, oru.role
    (True, True, 'O-DU', 'O-RU')
    >>> odu.close(); oru.close()
    """

    role = "endpoint"
    #: U-plane of several eAxC rows encoded at once goes row by row (all symbols of one eAxC,
    #: then the next: the order of one encode per row), not symbol by symbol
    _rows_first = False

    def __init__(self, config: FronthaulConfig, transport: Any, *, clock: Clock | None = None,
                 paced: bool = False, max_slots: int = 32) -> None:
        if not isinstance(config, FronthaulConfig):
            raise TypeError(f"config must be a FronthaulConfig, got {type(config).__name__}")
        if not callable(getattr(transport, "send", None)) or \
                not callable(getattr(transport, "recv", None)):
            raise TypeError("transport must have send(data) and recv(timeout) methods")
        if paced and config.windows is None:
            raise ValueError("paced = True needs FronthaulConfig.windows (the send times come "
                             "from the reception windows)")
        self.config = config
        self.transport = transport
        self.clock: Clock = RealTimeClock() if clock is None else clock
        self.paced = bool(paced)
        self.max_slots = check_int("max_slots", max_slots, 1)
        self.counters = EndpointCounters()
        self._eaxc_index = {e: k for k, e in enumerate(config.eaxc_ids)}
        self._seq: dict[Flow, int] = {}
        self._slots: OrderedDict[SlotKey, SlotBuffer] = OrderedDict()
        self._pending: list[tuple[int, int, bytes, Flow]] = []
        self._pending_sorted = True              # _pending is in (due, order) order
        self._order = itertools.count()
        self._cfg_c = CPlaneConfig(n_prb_carrier=config.n_prb)
        self._fmt = config.uplane_format
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # the receive fast path: eAxC index per 16-bit eAxC ID, U-plane flows per eAxC index
        #: decode runs of plain U-plane messages together (:meth:`handle_batch`; the O-RU also
        #: encodes the uplink answers of a batch together); tests switch it off to run the
        #: full decoder on every PDU, which must have the same effect
        self.block_decoding = True
        self._lookup = eaxc_lookup(config.eaxc_ids)
        self._uflows: list[Flow] | None = None
        self._parser: UPlaneBlockParser | None = None
        # the last grid _bfp_input took: (grid, its version, data_ptr, shape, float32 view,
        # config)
        self._bfp_last: tuple[torch.Tensor, int, int, torch.Size, np.ndarray,
                              FronthaulConfig] | None = None
        # C-plane messages per (direction, startSymbolId, numSymbol), one per eAxC: (flow,
        # the bytes before the Sequence ID, between it and the timing header, after it)
        self._cplane_parts: dict[tuple[str, int, int],
                                 list[tuple[Flow, bytes, bytes, bytes]]] = {}
        self._cplane_decoded: dict[bytes, CPlaneMessage] = {}
        # what a checked section type 1 message of each remembered layout does (same keys)
        self._cplane_plans: dict[bytes, _CPlanePlan] = {}
        # U-plane runs: per sequence of eAxC rows, (row, its message indices, their picker)
        self._row_groups: dict[tuple[int, ...], tuple[tuple[int, list[int], Any], ...]] = {}
        # U-plane encoders per (direction, eAxC rows, symbols, chunks): (encoder, flows,
        # flow of each message)
        self._uplane_encoders: dict[tuple[Any, ...], tuple[UPlaneSlotEncoder, list[Flow],
                                                           list[Flow]]] = {}
        # (rows, symbols, chunks) of the U-plane of all eAxC per symbol range (see _uplane)
        self._uplane_layouts: dict[range, tuple[tuple[int, ...], tuple[int, ...],
                                                tuple[tuple[int, int], ...]]] = {}
        #: the PRACH flow (:class:`softran.oran.prach.PRACHPath`), ``None``: no PRACH eAxC
        self.prach: Any = None
        #: sends each slot's messages at their due times
        #: (:class:`softran.oran.pacing.SymbolPacer`); ``None``: as fast as possible
        self.pacer: Any = None
        _grow_buffers(transport)

    # -- sending ---------------------------------------------------------------------------

    def _next_seq(self, flow: Flow) -> SeqId:
        value = self._seq.get(flow, 0)
        self._seq[flow] = (value + 1) % 256
        return SeqId(value)

    def next_seq(self, flow: Flow) -> SeqId:
        """The next ecpriSeqid of ``flow`` (a flow this endpoint sends; counts on)."""
        return self._next_seq(flow)

    def _send_now(self, pdu: bytes, flow: Flow) -> None:
        self.transport.send(pdu)
        self.counters.count_tx(flow, len(pdu))

    def _send_batch(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        """Send (due_ns, pdu, flow) now, in order: in one call where the transport has
        ``send_many`` (UDP GSO), else one by one."""
        if len(packets) < 2 or getattr(self.transport, "send_many", None) is None:
            for _, pdu, flow in packets:
                self._send_now(pdu, flow)
            return
        self._send_pdus(list(map(_PDU, packets)), map(_FLOW, packets))

    def _send_pdus(self, pdus: list[bytes], flows: Iterable[Flow]) -> None:
        """Send ``pdus`` (two or more) now, in order, in one ``send_many`` call; count them
        in bulk."""
        self.transport.send_many(pdus)
        self.counters.count_tx_many(flows, pdus)

    def _send_all(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        """Send (due_ns, pdu, flow) in order; a paced endpoint waits for each due time; with
        a ``pacer`` the pacer sends them."""
        if self.pacer is not None:
            self.pacer.send(packets, self._send_now)
            return
        if not self.paced:
            self._send_batch(packets)
            return
        for due, pdu, flow in sorted(packets, key=lambda p: p[0]) if self.paced else packets:
            if self.paced:
                self.clock.sleep_until(due)
            self._send_now(pdu, flow)

    def send_messages(self, messages: SlotMessages) -> None:
        """Send a :class:`SlotMessages` (O-RAN.WG4.CUS.0 clauses 7 and 8: a slot's C- and
        U-plane messages, e.g. of :meth:`~softran.oran.endpoints.ODU.compressed_slot_block`):
        its packets as :meth:`send_packets` does, then its block's
        rows in order, one datagram each (the transport's ``send_block`` where it has one:
        UDP GSO straight from the array), counted per flow. A paced endpoint (``paced`` or a
        ``pacer``) sends each message at its due time: it takes packets, not a block."""
        if messages.block is not None and (self.paced or self.pacer is not None):
            raise ValueError("messages.block: a paced endpoint sends each message at its due "
                             "time; give it the messages as packets (slot_block does)")
        with self._lock:
            if messages.packets:
                self._send_all(messages.packets)
            if messages.block is not None:
                self._send_block(messages)

    def _send_block(self, messages: SlotMessages) -> None:
        block = messages.block
        assert block is not None
        send = getattr(self.transport, "send_block", None)
        if send is not None:
            send(block)
        else:
            for row in block:
                self.transport.send(row.tobytes())
        size = block.shape[1]
        for flow in messages.block_flows:
            self.counters.count_tx_run(flow, messages.per_flow, size)

    def send_packets(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        """Send ``(due_ns, pdu, flow)`` messages (e.g. of
        :meth:`~softran.oran.endpoints.ODU.slot_packets`) in order, counting them; a paced
        endpoint waits for each due time."""
        with self._lock:
            self._send_all(packets)

    def _air(self, direction: str, frame_id: int, subframe_id: int, slot_id: int,
             symbol: int) -> int:
        t = TimingHeader(int(direction == "DL"), frame_id, subframe_id, slot_id, symbol)
        return air_time_ns(t, self.config.scs_khz, self.clock.now_ns(),
                           cyclic_prefix=self.config.cyclic_prefix)

    def _cplane_due(self, direction: str, frame_id: int, subframe_id: int, slot_id: int,
                    start_symbol: int) -> int:
        """When a paced sender (or one with a ``pacer``) sends a C-plane message whose first
        symbol is ``start_symbol``: the air time of that symbol minus the middle of the T2a
        C-plane window of its direction (O-RAN.WG4.CUS.0 reference §4.2); 0 (at once)
        otherwise."""
        if not (self.paced or self.pacer is not None):
            return 0
        w = self.config.windows or TimingWindows()
        adv = w.dl_cplane_advance_ns if direction == "DL" else w.ul_cplane_advance_ns
        return self._air(direction, frame_id, subframe_id, slot_id, start_symbol) - adv

    def _cplane(self, direction: str, frame_id: int, subframe_id: int, slot_id: int,
                start_symbol: int, num_symbols: int) -> list[tuple[int, bytes, Flow]]:
        cfg = self.config
        timing = timing_header_bytes(int(direction == "DL"), frame_id, subframe_id,
                                     slot_id, start_symbol)
        due = self._cplane_due(direction, frame_id, subframe_id, slot_id, start_symbol)
        key = (direction, start_symbol, num_symbols)
        parts = self._cplane_parts.get(key)
        if parts is None:
            exts: tuple[ModCompParamsExt, ...] = ()
            if cfg.method == "modulation":
                csf, code = cfg.mod_comp
                exts = (ModCompParamsExt(csf=int(csf), mod_comp_scaler=code),)
            parts = []
            for e in cfg.eaxc_ids:
                section = Section1(section_id=SECTION_IDS[direction], start_prbc=0,
                                   num_prbc=cfg.n_prb if cfg.n_prb <= 255 else 0,
                                   num_symbol=num_symbols, re_mask=0xFFF, beam_id=0,
                                   extensions=exts)
                msg = CPlaneMessage(eaxc_id=e, timing=TimingHeader.from_bytes(timing),
                                    section_type=1, sections=(section,), seq=SeqId(0),
                                    ud_comp_hdr=cfg.ud_comp_hdr)
                template = encode_cplane(msg)
                # a slot's message: ecpriSeqid's Sequence ID (byte 6) and the timing header
                # (bytes 8-11: frameId / subframeId / slotId / startSymbolId, O-RAN.WG4.CUS.0
                # clauses 5.1.3.2.8, 7.5.2) filled in between the fixed bytes
                parts.append((Flow("C", direction, e), template[:6], template[7:8],
                              template[12:]))
            if len(self._cplane_parts) >= _ENCODERS:
                self._cplane_parts.clear()
            self._cplane_parts[key] = parts
        seq = self._seq
        out = []
        for flow, head, mid, tail in parts:
            q = seq.get(flow, 0)
            seq[flow] = (q + 1) & 0xFF
            out.append((due, b"".join((head, _BYTE[q], mid, timing, tail)), flow))
        return out

    def _uplane(self, direction: str, raw: np.ndarray, frame_id: int, subframe_id: int,
                slot_id: int, symbols: range,
                due_of: Callable[[int], int] | None = None) -> list[tuple[int, bytes, Flow]]:
        """U-plane messages from raw PRB bytes ``[n_eaxc, n_symbols, n_prb, bytes]``: per symbol
        and eAxC, one message per configured PRB chunk."""
        rows, symbol_ids, chunks = self._uplane_layout(symbols)
        return self._uplane_rows(direction, raw, rows, frame_id, subframe_id, slot_id,
                                 symbol_ids, chunks, due_of)

    def _uplane_layout(self, symbols: range) -> tuple[tuple[int, ...], tuple[int, ...],
                                                      tuple[tuple[int, int], ...]]:
        """(eAxC rows, symbols, chunks) of the U-plane of every eAxC on ``symbols``."""
        layout = self._uplane_layouts.get(symbols)
        if layout is None:
            cfg = self.config
            chunks = tuple((p0, 0 if n == cfg.n_prb and n > 255 else n)
                           for p0, n in cfg.uplane_chunks)
            if len(self._uplane_layouts) >= _ENCODERS:
                self._uplane_layouts.clear()
            layout = self._uplane_layouts[symbols] = (tuple(range(len(cfg.eaxc_ids))),
                                                      tuple(symbols), chunks)
        return layout

    def _uplane_rows(self, direction: str, raw: np.ndarray, rows: tuple[int, ...],
                     frame_id: int, subframe_id: int, slot_id: int, symbols: tuple[int, ...],
                     chunks: tuple[tuple[int, int], ...],
                     due_of: Callable[[int], int] | None = None
                     ) -> list[tuple[int, bytes, Flow]]:
        """U-plane messages of eAxC rows ``rows`` of ``raw``, symbol by symbol, eAxC, chunk
        (``encode_uplane_symbols``), through a :class:`~softran.oran.uplane.UPlaneSlotEncoder`
        kept per layout: only the changing bytes are written per slot."""
        enc, flows, per_msg = self._uplane_encoder(direction, raw.shape, rows, symbols,
                                                   chunks)
        seq0 = self._take_seq(flows, len(symbols) * len(chunks))
        pdus = enc.encode(raw, frame_id, subframe_id, slot_id, seq0)
        if due_of is None:
            return list(zip(itertools.repeat(0), pdus, per_msg))
        dues = [due_of(l) for l in symbols]
        n_c = len(chunks)
        if enc.row_major:                        # row, then symbol, then chunk
            return [(dues[(i // n_c) % len(symbols)], pdu, per_msg[i])
                    for i, pdu in enumerate(pdus)]
        per_symbol = len(flows) * n_c
        return [(dues[i // per_symbol], pdu, per_msg[i]) for i, pdu in enumerate(pdus)]

    def _take_seq(self, flows: list[Flow], per_flow: int) -> list[int]:
        """The first Sequence ID of each flow for ``per_flow`` messages each (consumed)."""
        seq = self._seq
        seq0 = [seq.get(f, 0) for f in flows]
        for f, q in zip(flows, seq0, strict=True):
            seq[f] = (q + per_flow) % 256
        return seq0

    def _uplane_block(self, direction: str, raw: np.ndarray, rows: tuple[int, ...],
                      frame_id: int, subframe_id: int, slot_id: int,
                      symbols: tuple[int, ...], chunks: tuple[tuple[int, int], ...]
                      ) -> SlotMessages | None:
        """:meth:`_uplane_rows` (not paced) as one block of equal-size messages, the rows in
        the same order with the same bytes and Sequence IDs; ``None`` (nothing consumed)
        where the layout has several chunks."""
        enc, flows, _ = self._uplane_encoder(direction, raw.shape, rows, symbols, chunks)
        if enc.block_size is None:
            return None
        per_flow = len(symbols) * len(chunks)
        seq0 = self._take_seq(flows, per_flow)
        block = enc.encode_block(raw, frame_id, subframe_id, slot_id, seq0)
        return SlotMessages([], block, tuple(flows), per_flow)

    def _bfp_input(self, grid: Any) -> np.ndarray | None:
        """The float32 I/Q view ``[n_eaxc, n_symbols, n_prb, 24]`` of a grid that the fused
        BFP pass (:meth:`~softran.oran.uplane.UPlaneSlotEncoder.encode_bfp_block`) can take
        as it is -- BFP, a C-contiguous complex64 CPU tensor ``[n_eaxc, n_symbols, 12 n_prb]``
        -- else ``None`` (the reference path, ``config.compress_grid_bytes``, checks it).
        The view of the last grid is kept: the same tensor again, not given other memory,
        shape, dtype, layout or conjugate / negative bit since (nor changed by an in-place
        ``set_`` / ``resize_``: its version counter), gives the same view (which sees what
        was written into the grid) without a new ``numpy()``."""
        last = self._bfp_last
        if last is not None and last[0] is grid and last[5] is self.config and \
                grid._version == last[1] and \
                grid.data_ptr() == last[2] and grid.shape == last[3] and \
                grid.dtype is torch.complex64 and grid.is_contiguous() and \
                not grid.is_conj() and not grid.is_neg():
            return last[4]
        cfg = self.config
        want = (len(cfg.eaxc_ids), cfg.n_symbols, 12 * cfg.n_prb)
        if not (cfg.method == "bfp" and type(grid) is torch.Tensor
                and grid.dtype == torch.complex64 and tuple(grid.shape) == want):
            return None
        try:            # numpy() is refused for a tensor that is not a plain CPU array
            a = grid.numpy()
        except (RuntimeError, TypeError):
            return None
        if not a.flags.c_contiguous:
            return None
        x = a.view(np.float32).reshape(*want[:2], cfg.n_prb, 24)
        self._bfp_last = (grid, grid._version, grid.data_ptr(), grid.shape, x, cfg)
        return x

    def _uplane_bfp_block(self, direction: str, x: np.ndarray, rows: tuple[int, ...],
                          frame_id: int, subframe_id: int, slot_id: int,
                          symbols: tuple[int, ...], chunks: tuple[tuple[int, int], ...]
                          ) -> SlotMessages | None:
        """:meth:`_uplane_block` of ``config.compress_grid_bytes`` of the grid whose
        :meth:`_bfp_input` is ``x``, compressed straight into the messages in one compiled
        pass (O-RAN.WG4.CUS.0 Annex A.1.2, clause 8.3): the same bytes and Sequence IDs;
        ``None`` (nothing consumed) where the layout has several chunks or a value does not
        fit (the reference path then names it)."""
        cfg = self.config
        shape = (*x.shape[:3], cfg.prb_bytes)
        enc, flows, _ = self._uplane_encoder(direction, shape, rows, symbols, chunks)
        if enc.block_size is None:
            return None
        seq = self._seq
        block = enc.encode_bfp_block(x, 0.0 if cfg.full_scale is None
                                     else 2.0 ** 15 / cfg.full_scale, cfg.width,
                                     cfg.bfp_mode == "round-saturate", frame_id, subframe_id,
                                     slot_id, [seq.get(q, 0) for q in flows])
        if block is None:
            return None
        per_flow = len(symbols) * len(chunks)
        self._take_seq(flows, per_flow)
        return SlotMessages([], block, tuple(flows), per_flow)

    def _uplane_encoder(self, direction: str, shape: tuple[int, ...], rows: tuple[int, ...],
                        symbols: tuple[int, ...], chunks: tuple[tuple[int, int], ...]
                        ) -> tuple[UPlaneSlotEncoder, list[Flow], list[Flow]]:
        """The encoder of a U-plane layout, its flows and the flow of each message."""
        key = (direction, rows, symbols, chunks)
        entry = self._uplane_encoders.get(key)
        if entry is None:
            cfg = self.config
            if len(self._uplane_encoders) >= _ENCODERS:
                self._uplane_encoders.clear()
            ids = [cfg.eaxc_ids[k] for k in rows]
            enc = UPlaneSlotEncoder(shape, ids, rows, symbols, chunks,
                                    section_id=SECTION_IDS[direction],
                                    direction=int(direction == "DL"),
                                    ud_comp_hdr=cfg.ud_comp_hdr if cfg.ud_comp_hdr_present
                                    else None, fmt=self._fmt, row_major=self._rows_first)
            flows = [Flow("U", direction, e) for e in ids]
            per_row = len(symbols) * len(chunks)
            per_msg = ([flows[i // per_row] for i in range(per_row * len(flows))]
                       if self._rows_first else
                       [flows[(i // len(chunks)) % len(flows)]
                        for i in range(len(symbols) * len(flows) * len(chunks))])
            entry = self._uplane_encoders[key] = (enc, flows, per_msg)
        return entry

    # -- receiving -------------------------------------------------------------------------

    def handle(self, pdu: bytes, arrival_ns: int | None = None) -> str | None:
        """Process one received PDU (a UDP payload / Ethernet payload).

        Returns ``None`` if it was accepted, else the malformed category it was counted and
        dropped under. ``arrival_ns`` defaults to the clock's current time.
        """
        with self._lock:
            arrival = self.clock.now_ns() if arrival_ns is None else arrival_ns
            try:
                if self.block_decoding and isinstance(pdu, (bytes, bytearray)) \
                        and len(pdu) >= 16 and pdu[1] == 0:
                    block = np.ndarray((1, len(pdu)), dtype=np.uint8, buffer=pdu)
                    fields, _, runs = self._parse_uplane(block)
                    if fields[0, 0]:
                        self._uplane_run(block, fields, arrival, runs)
                        return None
                return self._handle_one(pdu, arrival)
            finally:
                self._service_pending()

    def handle_batch(self, blocks: list[tuple[Any, int]], arrival_ns: int | None = None) -> int:
        """Process received PDUs given as ``(data, size)`` blocks (``len(data) // size``
        PDUs of ``size`` bytes each, as :meth:`UDPTransport.recv_batch
        <softran.oran.transport.UDPTransport.recv_batch>` returns them; size 0: one empty
        PDU), in order, with the same effect as :meth:`handle` of each. Runs of plain U-plane
        messages of one slot (:mod:`softran.oran.uplane_block`) are decoded and stored
        together. Returns the number of PDUs.
        """
        with self._lock:
            arrival = self.clock.now_ns() if arrival_ns is None else arrival_ns
            n = 0
            try:
                for data, size in blocks:
                    if size <= 0:
                        self._handle_one(b"", arrival)
                        n += 1
                        continue
                    count = len(data) // size
                    n += count
                    if size < 16 or data[1] != 0 or not self.block_decoding:
                        for r in range(count):
                            self._handle_one(bytes(data[r * size:(r + 1) * size]), arrival)
                        continue
                    # a view of the first count * size bytes (one call, no copy)
                    block = np.ndarray((count, size), dtype=np.uint8, buffer=data)
                    fields, cuts, runs = self._parse_uplane(block)
                    if len(cuts) == 2 and fields[0, 0]:         # one run: the whole block
                        self._uplane_run(block, fields, arrival, runs)
                        continue
                    for i, j in zip(cuts[:-1], cuts[1:]):
                        if fields[i, 0]:
                            self._uplane_run(block[i:j], fields[i:j], arrival)
                        else:
                            for r in range(i, j):
                                self._handle_one(block[r].tobytes(), arrival)
            finally:
                self._service_pending()
            return n

    def _handle_one(self, pdu: bytes, arrival: int) -> str | None:
        """The full decoder's path of one PDU (every check, every malformed category)."""
        self.counters.rx_packets += 1
        self.counters.rx_bytes += len(pdu)
        try:
            if self.block_decoding and self._cplane_plans and type(pdu) is bytes and \
                    self._known_cplane(pdu, arrival):
                return None
            if (isinstance(pdu, (bytes, bytearray)) and len(pdu) >= 4 and pdu[0] == 0x10
                    and (pdu[2] << 8 | pdu[3]) == len(pdu) - 4):
                # one eCPRI message (revision 1, C = 0) filling the PDU: decode_ecpri's result
                messages = [EcpriMessage(pdu[1], bytes(pdu[4:]))]
            else:
                try:
                    messages = decode_ecpri(pdu)
                except FronthaulDecodeError as err:
                    raise _Malformed(_category(err.reason), err.reason) from None
            for msg in messages:
                self._dispatch(msg, arrival)
        except _Malformed as bad:
            self.counters.malformed[bad.category] += 1
            logger.warning("%s dropped a malformed packet (%s): %s", self.role,
                           bad.category, bad.reason)
            return bad.category
        return None

    def _parse_uplane(self, block: np.ndarray) -> tuple[np.ndarray, list[int],
                                                        list[list[int]]]:
        if self._parser is None:
            cfg = self.config
            self._parser = UPlaneBlockParser(
                prb_bytes=cfg.prb_bytes, n_prb_carrier=cfg.n_prb,
                slots_per_subframe=cfg.slots_per_subframe, n_symbols=cfg.n_symbols,
                direction=int(self._uplane_directions()[0] == "DL"), lookup=self._lookup,
                ud_comp_hdr=cfg.ud_comp_hdr.to_byte() if cfg.ud_comp_hdr_present else None)
        return self._parser.parse(block)

    def _uplane_run(self, block: np.ndarray, fields: np.ndarray, arrival: int,
                    runs: list[list[int]] | None = None) -> None:
        """Plain U-plane messages ``[m, size]`` of one slot and PRB range (their
        :func:`~softran.oran.uplane_block.parse_uplane_block` ``fields``): what
        :meth:`_on_uplane` does with each, at once. ``runs``: the parser's per-eAxC summary
        of exactly these messages (:meth:`~softran.oran.uplane_block.UPlaneBlockParser.
        parse`), for the fast path of a run that continues every flow in order."""
        cfg = self.config
        m, size = block.shape
        c = self.counters
        c.rx_packets += m
        c.rx_bytes += m * size
        direction = self._uplane_directions()[0]
        if self._uflows is None:
            self._uflows = [Flow("U", direction, e) for e in cfg.eaxc_ids]
        flows = self._uflows
        if runs is not None and cfg.windows is None:
            # each eAxC's messages continue its flow in order (no duplicate, none out of
            # order): counted per flow at once and all stored, as the loop below would
            rx = c.rx
            todo = []
            for k, (count, first, consecutive) in enumerate(runs):
                if count:
                    r = rx.get(flows[k])
                    if r is None or not consecutive or not r.continues(first, count):
                        break
                    todo.append((r, first, count))
            else:
                for r, first, count in todo:
                    r.observe_run(first, count, size)
                f, sf, s = fields[0, 3:6].tolist()
                buf = self._slot((direction, f, sf, s))
                c.uplane_without_cplane += store_uplane_block(
                    block, fields, _all_true(m), buf.store_target(), buf.received,
                    buf.cplane_seen)
                return
        k_list = fields[:, 1].tolist()
        seq_list = fields[:, 2].tolist()
        dup: list[bool] | None = None
        groups = self._row_groups.get(tuple(k_list))
        if groups is None:                        # the rows of each eAxC, per row pattern
            if len(self._row_groups) >= _CPLANE_CACHE:
                self._row_groups.clear()
            groups = self._row_groups[tuple(k_list)] = tuple(
                (k, rows, _picker(rows)) for k in sorted(set(k_list))
                for rows in [[r for r, kr in enumerate(k_list) if kr == k]])
        for k, rows, pick in groups:
            flags = c.rx_flow(flows[k]).observe_many(pick(seq_list), size)
            if any(flags):
                dup = [False] * m if dup is None else dup
                for r, d in zip(rows, flags, strict=True):
                    dup[r] = d
        first = fields[0].tolist()
        if cfg.windows is not None:
            for r in range(m):
                t = TimingHeader(int(direction == "DL"), first[3], first[4], first[5],
                                 int(fields[r, 6]))
                self._classify(flows[k_list[r]], t, arrival)
        keep = _all_true(m) if dup is None else ~np.array(dup)
        if dup is not None and not keep.any():
            return
        buf = self._slot((direction, first[3], first[4], first[5]))
        c.uplane_without_cplane += store_uplane_block(block, fields, keep, buf.store_target(),
                                                      buf.received, buf.cplane_seen)

    def _dispatch(self, msg: EcpriMessage, arrival: int) -> None:
        if msg.message_type == EcpriMessageType.IQ_DATA:
            self._on_uplane(msg, arrival)
        elif msg.message_type == EcpriMessageType.REAL_TIME_CONTROL:
            self._on_cplane(msg, arrival)
        elif msg.message_type == EcpriMessageType.ONE_WAY_DELAY_MEASUREMENT:
            self.counters.ignored["delay-measurement"] += 1
        else:
            raise _Malformed("unsupported-message-type",
                             f"ecpriMessage = {msg.message_type} is not C- or U-plane")

    def _check_common(self, eaxc_id: int, timing: TimingHeader, direction_ok: tuple[str, ...],
                      plane: str) -> tuple[int, str]:
        direction = _DIRECTION[timing.data_direction]
        if direction not in direction_ok:
            raise _Malformed("wrong-direction", f"{plane}-plane {direction} is not received "
                                                f"by an {self.role}")
        if eaxc_id not in self._eaxc_index:
            raise _Malformed("unknown-eaxc", f"eAxC ID {eaxc_id:#06x} is not configured "
                                             f"({[hex(e) for e in self.config.eaxc_ids]})")
        if timing.slot_id >= self.config.slots_per_subframe:
            raise _Malformed("bad-header", f"slotId = {timing.slot_id} >= 2^mu = "
                                           f"{self.config.slots_per_subframe}")
        if timing.start_symbol_id >= self.config.n_symbols:
            raise _Malformed("symbol-out-of-range",
                             f"symbol {timing.start_symbol_id} >= {self.config.n_symbols}")
        return self._eaxc_index[eaxc_id], direction

    def _classify(self, flow: Flow, timing: TimingHeader, arrival: int) -> None:
        w = self.config.windows
        if w is None:
            return
        air = air_time_ns(timing, self.config.scs_khz, arrival,
                          cyclic_prefix=self.config.cyclic_prefix)
        if flow.plane == "U" and flow.direction == "UL":
            kind = classify_arrival(arrival, air, w.ta4_min, w.ta4_max, before_air=False)
        elif flow.plane == "U":
            kind = classify_arrival(arrival, air, w.t2a_min_up, w.t2a_max_up, before_air=True)
        elif flow.direction == "DL":
            kind = classify_arrival(arrival, air, w.t2a_min_cp_dl, w.t2a_max_cp_dl,
                                    before_air=True)
        else:
            kind = classify_arrival(arrival, air, w.t2a_min_cp_ul, w.t2a_max_cp_ul,
                                    before_air=True)
        self.counters.rx_flow(flow).arrival(kind)

    def _uplane_directions(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _cplane_directions(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _on_uplane(self, ecpri_msg: EcpriMessage, arrival: int) -> None:
        cfg = self.config
        payload = ecpri_msg.payload
        if cfg.ud_comp_hdr_present and len(payload) >= 13 and \
                payload[12] != cfg.ud_comp_hdr.to_byte():
            raise _Malformed("inconsistent-udcomphdr",
                             f"U-plane udCompHdr = {payload[12]:#04x}, configured "
                             f"{cfg.ud_comp_hdr.to_byte():#04x}")
        try:
            msg = decode_uplane(ecpri_msg, self._fmt)
        except FronthaulDecodeError as err:
            raise _Malformed(_category(err.reason), err.reason) from None
        if self.prach is not None and msg.eaxc_id == self.prach.eaxc_id:
            flow = Flow("U", _DIRECTION[msg.timing.data_direction], msg.eaxc_id)
            if not self.counters.rx_flow(flow).observe(msg.seq.sequence_id,
                                                       len(ecpri_msg.payload) + 4):
                self.prach.on_uplane(msg)
            return
        k, direction = self._check_common(msg.eaxc_id, msg.timing, self._uplane_directions(),
                                          "U")
        for s in msg.sections:
            if s.ud_comp_hdr is not None and s.ud_comp_hdr != cfg.ud_comp_hdr:
                raise _Malformed("inconsistent-udcomphdr",
                                 f"U-plane udCompHdr = {s.ud_comp_hdr}, configured "
                                 f"{cfg.ud_comp_hdr}")
        flow = Flow("U", direction, msg.eaxc_id)
        rx = self.counters.rx_flow(flow)
        duplicate = rx.observe(msg.seq.sequence_id, len(ecpri_msg.payload) + 4)
        self._classify(flow, msg.timing, arrival)
        if duplicate:
            return
        t = msg.timing
        buf = self._slot((direction, t.frame_id, t.subframe_id, t.slot_id))
        if not buf.cplane_seen[k]:
            self.counters.uplane_without_cplane += 1
        l = t.start_symbol_id
        for s in msg.sections:
            n = s.num_prbu or cfg.n_prb
            prbs = s.start_prbu + np.arange(n) * (s.rb + 1)
            buf.store_target()[k, l, prbs] = np.frombuffer(s.prb_payload,
                                                            dtype=np.uint8).reshape(n, -1)
            buf.received[k, l, prbs] = True

    def _decode_cplane(self, ecpri_msg: EcpriMessage) -> tuple[CPlaneMessage, TimingHeader,
                                                                int, bytes | None]:
        """:func:`~softran.oran.cplane.decode_cplane` -> (message, its timing header, its
        Sequence ID), remembering the last messages: the sections of a message do not depend
        on its Sequence ID (payload byte 2) nor on the frameId / subframeId / slotId /
        startSymbolId of its timing header (bytes 5-7), so for a message that differs from a
        remembered one only there, the remembered message is returned with those fields read
        anew (its own ``timing`` and ``seq`` are then stale). The last item is the key the
        message is remembered under (``None``: not remembered)."""
        p = ecpri_msg.payload
        if len(p) < 8 or len(p) > 512:
            msg = decode_cplane(ecpri_msg, self._cfg_c)
            return msg, msg.timing, msg.seq.sequence_id, None
        key = _cplane_key(p)
        known = self._cplane_decoded.get(key)
        if known is None:
            msg = decode_cplane(ecpri_msg, self._cfg_c)
            if len(self._cplane_decoded) >= _CPLANE_CACHE:
                self._cplane_decoded.clear()
            self._cplane_decoded[key] = msg
            return msg, msg.timing, msg.seq.sequence_id, key
        return known, TimingHeader.from_bytes(p[4:8]), p[2], key

    def _on_cplane(self, ecpri_msg: EcpriMessage, arrival: int) -> None:
        cfg = self.config
        try:
            msg, timing, seq_id, cache_key = self._decode_cplane(ecpri_msg)
        except FronthaulDecodeError as err:
            raise _Malformed(_category(err.reason), err.reason) from None
        if self.prach is not None and msg.eaxc_id == self.prach.eaxc_id \
                and msg.section_type == 3:
            # decoded afresh: a remembered message's own timing and seq are stale
            msg = decode_cplane(ecpri_msg, self._cfg_c)
            flow = Flow("C", _DIRECTION[msg.timing.data_direction], msg.eaxc_id)
            duplicate = self.counters.rx_flow(flow).observe(msg.seq.sequence_id,
                                                            len(ecpri_msg.payload) + 4)
            self._classify(flow, msg.timing, arrival)
            if not duplicate:
                self._on_prach_cplane(msg)
            return
        k, direction = self._check_common(msg.eaxc_id, timing, self._cplane_directions(),
                                          "C")
        if msg.section_type != 1:
            flow = Flow("C", direction, msg.eaxc_id)
            self.counters.rx_flow(flow).observe(seq_id, len(ecpri_msg.payload) + 4)
            self.counters.ignored[f"section-type-{msg.section_type}"] += 1
            return
        if msg.ud_comp_hdr != cfg.ud_comp_hdr:
            raise _Malformed("inconsistent-udcomphdr",
                             f"C-plane udCompHdr = {msg.ud_comp_hdr}, configured "
                             f"{cfg.ud_comp_hdr}")
        l0 = timing.start_symbol_id
        se4: list[int] = []
        for s in msg.sections:
            if cfg.method == "modulation" and direction == "DL":
                found = [x for x in s.extensions if isinstance(x, ModCompParamsExt)]
                if not found:
                    raise _Malformed("missing-section-extension",
                                     f"downlink section {s.section_id} has no section extension "
                                     "4 (csf, modCompScaler), which modulation compression needs")
                se4.append((found[0].csf << 15) | found[0].mod_comp_scaler)
            if l0 + s.num_symbol > cfg.n_symbols:
                raise _Malformed("symbol-out-of-range",
                                 f"startSymbolId {l0} + numSymbol {s.num_symbol} > "
                                 f"{cfg.n_symbols}")
        sections = tuple((s.num_symbol, s.start_prbc, s.rb,
                          _section_prbs(s.start_prbc, s.prb_count(cfg.n_prb), s.rb),
                          se4[j] if se4 else None) for j, s in enumerate(msg.sections))
        plan = _CPlanePlan(k, direction, msg.eaxc_id, Flow("C", direction, msg.eaxc_id),
                           direction in self._uplane_directions(),
                           max((s[0] for s in sections), default=0), sections,
                           cfg.n_symbols - max((s[0] for s in sections), default=0),
                           cfg.slots_per_subframe)
        if cache_key is not None:             # the next message of this layout: _known_cplane
            if len(self._cplane_plans) >= _CPLANE_CACHE:
                self._cplane_plans.clear()
            self._cplane_plans[cache_key] = plan
        self._apply_cplane(plan, timing.frame_id, timing.subframe_id, timing.slot_id, l0,
                           seq_id, len(ecpri_msg.payload) + 4, timing, arrival)

    def _known_cplane(self, pdu: bytes, arrival: int) -> bool:
        """What :meth:`_on_cplane` does with ``pdu``, an eCPRI PDU of one C-plane message,
        when it repeats a section type 1 message already handled (every byte but the
        Sequence ID and the timing header's frameId / subframeId / slotId / startSymbolId,
        which are read here and checked as :meth:`_on_cplane` checks them) -- without
        decoding it again. False (nothing done) otherwise: the full path then runs."""
        n = len(pdu)
        if n < 12 or n > 516 or pdu[0] != 0x10 or pdu[1] != 2 or \
                (pdu[2] << 8 | pdu[3]) != n - 4:
            return False
        plan = self._cplane_plans.get(_cplane_key(pdu, 4))
        if plan is None:
            return False
        word = pdu[10] << 8 | pdu[11]
        subframe, slot, l0 = word >> 12, (word >> 6) & 0x3F, word & 0x3F
        if subframe > 9 or slot >= plan.slots_per_subframe or l0 > plan.max_l0:
            return False                         # the full path names what is wrong
        timing = TimingHeader.from_bytes(pdu[8:12]) if self.config.windows is not None \
            else None
        self._apply_cplane(plan, pdu[9], subframe, slot, l0, pdu[6], n, timing, arrival)
        return True

    def _apply_cplane(self, plan: _CPlanePlan, frame_id: int, subframe_id: int, slot_id: int,
                      l0: int, seq_id: int, n_bytes: int, timing: TimingHeader | None,
                      arrival: int) -> None:
        """A checked section type 1 message of layout ``plan`` for a slot: count it, then
        mark the PRBs it announces and hand each section to :meth:`_on_section`."""
        rx = self.counters.rx.get(plan.flow)     # rx_flow's dict, without the call
        if rx is None:
            rx = self.counters.rx_flow(plan.flow)
        duplicate = rx.observe(seq_id, n_bytes)
        if timing is not None:
            self._classify(plan.flow, timing, arrival)
        if duplicate:
            return
        k = plan.k
        key = (plan.direction, frame_id, subframe_id, slot_id)
        buf = None
        if plan.receives_uplane:
            buf = self._slots.get(key)           # _slot's dict, without the call
            if buf is None:
                buf = self._slot(key)
        if buf is not None and not plan.sections:
            buf.cplane_seen[k] = True
        for num_symbol, start, rb, prbs, se4 in plan.sections:
            if buf is not None:
                if rb == 0:                      # a contiguous run (cplane_seen set with it)
                    # SlotBuffer.announce's pass; the bounds are non-negative here (row,
                    # bit fields of the message), which is all announce checks first
                    _announce(buf.expected, buf.cplane_seen, k, k + 1, l0, num_symbol, start,
                              prbs.size)
                else:
                    buf.cplane_seen[k] = True
                    buf.expected[k, l0:l0 + num_symbol][:, prbs] = True
                if se4 is not None:
                    assert buf.mod_comp is not None
                    buf.mod_comp[k, l0:l0 + num_symbol][:, prbs] = se4
            self._on_section(key, k, plan.eaxc_id, l0, num_symbol, prbs)

    def _on_section(self, key: SlotKey, k: int, eaxc_id: int, l0: int, num_symbol: int,
                    prbs: np.ndarray) -> None:
        """Hook: a C-plane section for this endpoint arrived (the O-RU answers UL C-plane)."""

    def _on_prach_cplane(self, msg: CPlaneMessage) -> None:
        """Hook: a section type 3 (PRACH) request arrived; queue its answer."""
        self._queue(self.prach.on_cplane(msg))

    # -- slot buffers ----------------------------------------------------------------------

    def _slot(self, key: SlotKey) -> SlotBuffer:
        buf = self._slots.get(key)
        if buf is None:
            old = None
            cleared = False
            while len(self._slots) >= self.max_slots:
                old_key, old = self._slots.popitem(last=False)
                cleared = self._close(old_key, old, reset=True)
            if old is not None:                  # the evicted buffer serves the new slot
                old.clear(self.config, flags_cleared=cleared)
                buf = self._slots[key] = old
            else:
                buf = self._slots[key] = SlotBuffer(self.config)
        return buf

    def _close(self, key: SlotKey, buf: SlotBuffer, reset: bool = False) -> bool:
        """Count a slot's expected, received and missing PRBs; with ``reset`` its flags are
        set False too where nothing is missing. Returns whether they were."""
        c = self.counters
        expected, received, cleared = _expected_received(buf.expected, buf.received,
                                                          buf.cplane_seen, reset)
        if not expected:
            return cleared
        c.prbs_expected += expected
        c.prbs_received += received
        c.prbs_missing += expected - received
        if received == expected:
            return cleared
        per = (buf.expected & ~buf.received).sum(axis=2)
        for k, l in zip(*np.nonzero(per)):
            c.missing_by_symbol[(self.config.eaxc_ids[k], int(l))] += int(per[k, l])
        return False

    def close_slots(self) -> None:
        """Close every buffered slot: count its missing PRBs and forget its data."""
        with self._lock:
            while self._slots:
                key, buf = self._slots.popitem(last=False)
                self._close(key, buf)

    def _grid(self, key: SlotKey) -> torch.Tensor:
        with self._lock:
            buf = self._slots.get(key)
            if buf is None:
                raise KeyError(f"no data for {key[0]} frame {key[1]} subframe {key[2]} slot "
                               f"{key[3]} (not received, or closed)")
            return buf.grid(self.config)

    def _mask(self, key: SlotKey) -> torch.Tensor:
        with self._lock:
            buf = self._slots.get(key)
            if buf is None:
                raise KeyError(f"no data for {key}")
            return torch.from_numpy(buf.received.copy())

    # -- loops -----------------------------------------------------------------------------

    def _service_pending(self) -> None:
        if self._pending and not self.paced:
            # (due, order, ...): the queue order; a queue filled in that order is not sorted
            ready = self._pending if self._pending_sorted else sorted(self._pending)
            self._pending = []
            self._pending_sorted = True
            if len(ready) >= 2 and getattr(self.transport, "send_many", None) is not None:
                self._send_pdus(list(map(_QUEUED_PDU, ready)), map(_QUEUED_FLOW, ready))
            else:
                for _, _, pdu, flow in ready:
                    self._send_now(pdu, flow)
            return
        now = self.clock.now_ns() if self._pending and self.paced else 0
        while self._pending and (not self.paced or self._pending[0][0] <= now):
            _, _, pdu, flow = heapq.heappop(self._pending)
            self._send_now(pdu, flow)
        self._pending_sorted = not self._pending

    def _queue(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        if not packets:
            return
        pending = self._pending
        dues = list(map(_DUE, packets))
        if self._pending_sorted and (not pending or pending[-1][0] <= dues[0]) and \
                dues == sorted(dues):
            # in (due, order) order after what is queued: a sorted list, which is a heap too
            pending.extend(zip(dues, self._order, map(_PDU, packets), map(_FLOW, packets)))
            return
        for due, pdu, flow in packets:
            heapq.heappush(pending, (due, next(self._order), pdu, flow))
        self._pending_sorted = False

    def receive(self, max_packets: int | None = None, timeout: float = 1.0) -> int:
        """Receive and process PDUs until ``max_packets`` were handled, or no PDU came for
        ``timeout`` seconds (real time). Returns the number handled."""
        if max_packets is not None and (type(max_packets) is not int or max_packets < 0):
            max_packets = check_int("max_packets", max_packets, 0)   # a plain int: checked here
        if type(timeout) is not float or not 0.0 < timeout < float("inf"):
            timeout = check_positive("timeout", timeout)
        n = 0
        recv_batch = getattr(self.transport, "recv_batch", None)
        while max_packets is None or n < max_packets:
            if self._stop.is_set():
                break
            wait = timeout
            if self._pending and self.paced:
                wait = min(wait, max(0.0, (self._pending[0][0] - self.clock.now_ns()) / 1e9))
            if recv_batch is not None:              # everything that has arrived, at once
                blocks = recv_batch(timeout=wait,
                                    max_datagrams=None if max_packets is None
                                    else max_packets - n)
                got = self.handle_batch(blocks) if blocks else 0
            else:
                pdu = self.transport.recv(timeout=wait)
                if pdu is not None:
                    self.handle(pdu)
                got = 0 if pdu is None else 1
            if got:
                n += got
                continue
            with self._lock:                        # nothing came: send what is due
                had = bool(self._pending)
                self._service_pending()
            if not had:
                break
        return n

    def start(self) -> None:
        """Run the receive loop in a background thread until :meth:`stop`."""
        if self._thread is not None:
            raise RuntimeError(f"{self.role} receive loop already running")
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                self.receive(timeout=0.05)

        self._thread = threading.Thread(target=loop, name=f"{self.role}-rx", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background receive loop (if any) and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._stop.clear()
