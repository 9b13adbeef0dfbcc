"""O-RAN 7.2x fronthaul endpoints: an O-DU and an O-RU that talk over a real transport.

:class:`ODU` takes per-slot resource grids (``[n_eaxc, n_symbols, 12 n_prb]`` complex64, one
row per eAxC = antenna stream, e.g. ``softran.nr.downlink_slot(...).grid`` repeated over
antennas) and emits, per slot:

* one C-plane message of section type 1 per eAxC (O-RAN.WG4.CUS.0 clause 7.4.3) whose single
  section (sectionId 1 for downlink, 2 for uplink; beamId 0, reMask 0xFFF) covers all PRBs
  (numPrbc = 0 when the carrier has more than 255) and the requested symbol range, with the
  configured udCompHdr;
* per symbol and eAxC one U-plane message (clause 8.3), split into several messages of one
  section each when the PRBs do not fit the MTU -- the split rule of
  :func:`~softran.oran.rate.fronthaul_bitrate` over UDP/IPv4: as many PRBs per message as
  fit, at most 255 unless one message takes the whole carrier (numPrbu = 0).

It also sends uplink C-plane (:meth:`ODU.request_uplink`) and rebuilds uplink grids from the
uplink U-plane it receives (:meth:`ODU.uplink_grid`).

:class:`ORU` receives C-plane and U-plane, rebuilds the downlink grid per eAxC and symbol
(:meth:`ORU.downlink_grid`) and answers uplink C-plane with uplink U-plane for exactly the
symbols and PRBs asked for, taken from an ``uplink_source`` callable, or -- in loopback
mode -- from the downlink it received for the same slot (the PRB bytes are sent back
unchanged, so the O-DU's uplink grid equals the O-RU's downlink grid bit for bit).

Fixed-point scaling (:attr:`FronthaulConfig.full_scale`): a float grid value of
``full_scale`` maps to the 16-bit full scale 2^15 (``round(x / full_scale * 2^15)``, no
clipping: a grid that exceeds full scale is a ``ValueError``). The default
``10^(12/20) = 3.98`` puts a unit-power NR grid (TS 38.211 modulation has unit average
power) 12 dB below full scale; ``full_scale=None`` takes grids that already hold
integer-valued 16-bit I/Q.

Timing: with :attr:`FronthaulConfig.windows` set, each received message is classified early /
on time / late against the reception windows (:mod:`softran.oran.timing`), using the
endpoint's clock (a :class:`~softran.oran.timing.RealTimeClock` by default, or a
:class:`~softran.oran.timing.SimulatedClock` for exact tests). A *paced* O-DU sends each
message at the middle of the O-RU's window before its air time (C-plane, then U-plane
symbol by symbol); a paced O-RU sends uplink U-plane Ta3_min after each symbol's air time.
Unpaced endpoints send as fast as possible.

Concurrency: every method runs in the caller's thread; :meth:`receive` processes packets
until a count or a timeout (deterministic in tests), and :meth:`start` / :meth:`stop` run
that loop in one background thread (used by the CLI; counters are plain integers that a
display thread may read at any time). Received PRB bytes are stored per slot as they are,
and a grid is decompressed in one vectorised call when it is asked for.

Modulation compression (O-RAN.WG4.CUS.0 Annex A.5, downlink only): with ``method =
"modulation"`` the grid of each eAxC must hold points of its configured TS 38.211 §5.1
constellation (:attr:`FronthaulConfig.modulation`) scaled to ``mod_amplitude`` of full scale;
the O-DU sends each PRB as constellation codes of ``udIqWidth = max(Q_m / 2, 1)`` bits and puts
``csf`` and ``modCompScaler`` (:func:`~softran.oran.compression.modulation_compression_params`)
in section extension 4 of every downlink section; the O-RU stores the SE4 values per eAxC,
symbol and PRB of each section it receives and reconstructs the grid with them. A grid RE
that is not a constellation point (an empty RE, a PSS/SSS value, another modulation in some
PRBs) is a ``ValueError``: nothing is rounded to the nearest point. Uplink is not offered
(Annex A.5 defines modulation compression for the downlink).

Bad input never stops an endpoint: a PDU that is truncated, has a wrong length, an unknown
section type, PRBs beyond the carrier, a udCompHdr that disagrees with the configuration, an
unknown eAxC or a wrong direction is counted in ``counters.malformed[reason]``, logged
(logger ``softran.oran.endpoints``, level WARNING) and dropped.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from softran.nr import CarrierConfig
from softran.oran.compression import (
    CompressedPRBs,
    bytes_per_prb,
    compress,
    decompress,
    mod_comp_scaler_code,
    mod_comp_scaler_value,
    modulation_compression_params,
)
from softran.oran.counters import EndpointCounters, Flow
from softran.oran.cplane import (
    CPlaneConfig,
    CPlaneMessage,
    ModCompParamsExt,
    Section1,
    decode_cplane,
    encode_cplane,
)
from softran.oran.ecpri import EcpriMessage, EcpriMessageType, SeqId, decode_ecpri
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import TimingHeader, UdCompHdr
from softran.oran.rate import fronthaul_bitrate
from softran.oran.timing import (
    Clock,
    RealTimeClock,
    TimingWindows,
    air_time_ns,
    classify_arrival,
    slot_after,
)
from softran.oran.uplane import (
    UPlaneFormat,
    UPlaneMessage,
    UPlaneSection,
    decode_uplane,
    encode_uplane,
    encode_uplane_symbols,
)
from softran.validation import check_choice, check_int, check_positive, check_tensor

__all__ = ["ENDPOINT_METHODS", "FULL_SCALE_12DB", "FronthaulConfig", "MALFORMED_REASONS", "ODU",
           "ORU", "loopback_pair"]

logger = logging.getLogger(__name__)

#: Compression methods the endpoints carry (fixed PRB size; ``"modulation"`` with C-plane SE4,
#: downlink only).
ENDPOINT_METHODS: tuple[str, ...] = ("none", "bfp", "block-scaling", "mu-law", "modulation")
#: Default full scale: a unit-power grid sits 12 dB below the 16-bit full scale.
FULL_SCALE_12DB: float = 10 ** (12 / 20)
#: Reasons under which malformed packets are counted.
MALFORMED_REASONS: tuple[str, ...] = (
    "truncated", "wrong-length", "unknown-section-type", "prb-out-of-range",
    "symbol-out-of-range", "inconsistent-udcomphdr", "bad-header", "unknown-eaxc",
    "wrong-direction", "unsupported-message-type", "missing-section-extension", "other")

_SECTION_ID = {"DL": 1, "UL": 2}
_DIRECTION = {1: "DL", 0: "UL"}
_METHOD_CODE = {"none": 0, "bfp": 1, "block-scaling": 2, "mu-law": 3, "modulation": 4}
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


class _Malformed(Exception):
    def __init__(self, category: str, reason: str) -> None:
        super().__init__(reason)
        self.category, self.reason = category, reason


def _category(reason: str) -> str:
    for pattern, category in _REASON_PATTERNS:
        if pattern in reason:
            return category
    return "other"


@dataclass(frozen=True)
class FronthaulConfig:
    """What both endpoints agree on through the M-plane (nothing here is on the wire).

    Attributes:
        n_prb: PRBs of the carrier, 1..275.
        scs_khz: subcarrier spacing 15..240 kHz (numerology mu; the timing header's slotId
            runs over 0..2^mu - 1).
        eaxc_ids: the eAxC IDs, one per row of a grid (antenna / stream order).
        method, width: U-plane compression (:data:`ENDPOINT_METHODS`) and udIqWidth.
        bfp_mode: BFP quantisation (``"floor-shift"`` or ``"round-saturate"``).
        full_scale: float value mapped to 2^15 (module docstring); ``None``: integer I/Q.
        ud_comp_hdr_present: U-plane sections carry udCompHdr (dynamic) instead of relying
            on the static configuration.
        mtu: largest Ethernet payload (IPv4 + UDP + eCPRI) of a U-plane message.
        cyclic_prefix: ``"normal"`` (14 symbols) or ``"extended"`` (12, 60 kHz only).
        windows: reception windows for the early/late counters and for pacing; ``None``
            turns timing off.
        modulation: ``method = "modulation"`` only (required there): the TS 38.211 §5.1
            modulation of each eAxC (one name for all, or one per eAxC). All must share
            ``udIqWidth = max(Q_m / 2, 1)`` (one udCompHdr per configuration), and ``width``
            must equal it: QPSK/BPSK 1, 16QAM 2, 64QAM 3, 256QAM 4, 1024QAM 5.
        mod_amplitude: ``"modulation"`` only: the grid must hold TS 38.211 unit-power
            constellation points times :attr:`constellation_scale` ``= mod_amplitude *
            full_scale`` (``mod_amplitude`` is a fraction of full scale; it must give a
            modCompScaler < 1).

    >>> cfg = FronthaulConfig(n_prb=273, scs_khz=30, method="bfp", width=9)
    >>> cfg.prb_bytes, cfg.uplane_chunks[:2], len(cfg.uplane_chunks)
    (28, ((0, 52), (52, 52)), 6)
    """

    n_prb: int = 273
    scs_khz: int = 30
    eaxc_ids: tuple[int, ...] = (0, 1, 2, 3)
    method: str = "none"
    width: int = 16
    bfp_mode: str = "floor-shift"
    full_scale: float | None = FULL_SCALE_12DB
    ud_comp_hdr_present: bool = False
    mtu: int = 1500
    cyclic_prefix: str = "normal"
    windows: TimingWindows | None = None
    modulation: str | tuple[str, ...] | None = None
    mod_amplitude: float = 0.5
    _chunks: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False,
                                                 compare=False)

    def __post_init__(self) -> None:
        check_int("n_prb", self.n_prb, 1, 275)
        check_choice("scs_khz", self.scs_khz, (15, 30, 60, 120, 240))
        ids = tuple(self.eaxc_ids)
        if not ids:
            raise ValueError("eaxc_ids must name at least one eAxC")
        for e in ids:
            check_int("eaxc_ids[]", e, 0, 0xFFFF)
        if len(set(ids)) != len(ids):
            raise ValueError(f"eaxc_ids = {ids} repeats an eAxC ID")
        object.__setattr__(self, "eaxc_ids", ids)
        check_choice("method", self.method, ENDPOINT_METHODS)
        self._check_modulation(len(ids))
        bytes_per_prb(self.method, self.width)                 # validates the width
        check_choice("bfp_mode", self.bfp_mode, ("floor-shift", "round-saturate"))
        if self.full_scale is not None:
            check_positive("full_scale", self.full_scale)
        if not isinstance(self.ud_comp_hdr_present, bool):
            raise TypeError("ud_comp_hdr_present must be a bool")
        check_choice("cyclic_prefix", self.cyclic_prefix, ("normal", "extended"))
        if self.windows is not None and not isinstance(self.windows, TimingWindows):
            raise TypeError(f"windows must be a TimingWindows or None, got "
                            f"{type(self.windows).__name__}")
        rate = fronthaul_bitrate(None, self.scs_khz, len(ids), self.method, self.width,
                                 n_prb=self.n_prb, mtu=check_int("mtu", self.mtu, 64, 65535),
                                 transport="udp-ipv4", vlan=False,
                                 ud_comp_hdr_in_section=self.ud_comp_hdr_present,
                                 cyclic_prefix=self.cyclic_prefix)
        per = rate.prbs_per_message
        object.__setattr__(self, "_chunks", tuple((p, min(per, self.n_prb - p))
                                                  for p in range(0, self.n_prb, per)))

    def _check_modulation(self, n_eaxc: int) -> None:
        if self.method != "modulation":
            if self.modulation is not None:
                raise ValueError(f"modulation = {self.modulation!r} is only used with method = "
                                 f"'modulation', not {self.method!r}")
            return
        if self.modulation is None:
            raise ValueError("method = 'modulation' needs modulation (the TS 38.211 modulation "
                             "of each eAxC, e.g. '16QAM')")
        mods = ((self.modulation,) * n_eaxc if isinstance(self.modulation, str)
                else tuple(self.modulation))
        if len(mods) != n_eaxc:
            raise ValueError(f"modulation has {len(mods)} entries; one per eAxC ({n_eaxc}) or "
                             "one name for all is allowed")
        widths = {m: modulation_compression_params(m, self.mod_amplitude)[0] for m in mods}
        if len(set(widths.values())) != 1:
            raise ValueError(f"modulation = {mods} needs udIqWidth {widths}; one configuration "
                             "carries one udIqWidth (one udCompHdr), so all eAxCs must share it")
        w = next(iter(widths.values()))
        if self.width != w:
            raise ValueError(f"width = {self.width} is not allowed with modulation {mods}; "
                             f"modulation compression of it has udIqWidth {w}")
        object.__setattr__(self, "modulation", mods)

    @property
    def mod_comp(self) -> tuple[bool, int]:
        """``(csf, modCompScaler code)`` of section extension 4 (``"modulation"`` only;
        O-RAN.WG4.CUS.0 clause 7.7.4, Annex A.5).

        >>> FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="modulation", width=2,
        ...                 modulation="16QAM").mod_comp
        (True, 3880)
        """
        if self.method != "modulation":
            raise AttributeError(f"mod_comp is only defined for method 'modulation', not "
                                 f"{self.method!r}")
        assert isinstance(self.modulation, tuple)
        _, csf, scaler = modulation_compression_params(self.modulation[0], self.mod_amplitude)
        return csf, mod_comp_scaler_code(scaler)

    @classmethod
    def from_carrier(cls, carrier: CarrierConfig, n_antennas: int = 1,
                     **kwargs: Any) -> FronthaulConfig:
        """Config for a :class:`~softran.nr.config.CarrierConfig` with eAxC IDs 0..n-1.

        >>> from softran.nr import CarrierConfig
        >>> carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
        >>> FronthaulConfig.from_carrier(carrier, 2).eaxc_ids
        (0, 1)
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        n_antennas = check_int("n_antennas", n_antennas, 1, 64)
        return cls(n_prb=carrier.n_size_grid, scs_khz=carrier.subcarrier_spacing,
                   cyclic_prefix=carrier.cyclic_prefix, eaxc_ids=tuple(range(n_antennas)),
                   **kwargs)

    @property
    def n_symbols(self) -> int:
        """OFDM symbols per slot (14, or 12 with extended CP)."""
        return 12 if self.cyclic_prefix == "extended" else 14

    @property
    def slots_per_subframe(self) -> int:
        """2^mu."""
        return self.scs_khz // 15

    @property
    def prb_bytes(self) -> int:
        """Bytes per PRB on the wire (udCompParam + IQ)."""
        return bytes_per_prb(self.method, self.width)

    @property
    def ud_comp_hdr(self) -> UdCompHdr:
        """The udCompHdr of every C-plane (and, if dynamic, U-plane) section."""
        return UdCompHdr(self.width, _METHOD_CODE[self.method])

    @property
    def constellation_scale(self) -> float:
        """``"modulation"``: the grid value of a unit-power constellation point of amplitude
        1, ``mod_amplitude * full_scale`` (``full_scale = None``: ``mod_amplitude * 2^15``).

        >>> FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="modulation", width=1,
        ...                 modulation="QPSK", full_scale=2.0).constellation_scale
        1.0
        """
        return self.mod_amplitude * (2.0 ** 15 if self.full_scale is None else self.full_scale)

    @property
    def uplane_chunks(self) -> tuple[tuple[int, int], ...]:
        """(startPrbu, PRBs) of the U-plane messages of one symbol and eAxC."""
        return self._chunks

    @property
    def uplane_format(self) -> UPlaneFormat:
        """The :class:`~softran.oran.uplane.UPlaneFormat` of this configuration."""
        return UPlaneFormat(ud_comp_hdr_present=self.ud_comp_hdr_present,
                            static_comp_hdr=self.ud_comp_hdr, n_prb_carrier=self.n_prb)

    def compress_grid(self, grid: torch.Tensor) -> CompressedPRBs:
        """Compress a grid ``[n_eaxc, n_symbols, 12 n_prb]`` into PRBs ``[n_eaxc, n_symbols,
        n_prb]`` with this configuration's method, width, mode and full scale."""
        grid = check_tensor("grid", grid, min_dim=3)
        want = (len(self.eaxc_ids), self.n_symbols, 12 * self.n_prb)
        if tuple(grid.shape) != want:
            raise ValueError(f"grid has shape {tuple(grid.shape)}; this configuration needs "
                             f"[n_eaxc, n_symbols, 12 n_prb] = {list(want)}")
        if not grid.is_complex():
            raise TypeError(f"grid must be complex, got {grid.dtype}")
        iq = grid.reshape(*want[:2], self.n_prb, 12)
        if self.method == "modulation":
            return self._compress_constellation(iq)
        return compress(iq, self.method, self.width, mode=self.bfp_mode,
                        full_scale=self.full_scale)

    def _compress_constellation(self, iq: torch.Tensor) -> CompressedPRBs:
        """Annex A.5 codes of a constellation grid; a RE off the constellation is an error."""
        assert isinstance(self.modulation, tuple)
        _, csf, scaler = modulation_compression_params(self.modulation[0], self.mod_amplitude)
        try:
            c = compress(iq, "modulation", self.width, csf=csf, mod_comp_scaler=scaler,
                         full_scale=self.full_scale)
        except ValueError:
            c = None
        # an exact point comes back times s_q / s (the 15-bit modCompScaler rounds s to s_q);
        # anything else is off by at least a quarter of the point spacing
        fs = 2.0 ** 15 if self.full_scale is None else self.full_scale
        rel = abs(mod_comp_scaler_value(mod_comp_scaler_code(scaler)) / scaler - 1) + 2.0 ** -20
        x = torch.view_as_real(iq)
        if c is not None:
            err = (torch.view_as_real(decompress(c)).to(x.dtype) - x).abs()
            bad = err > rel * x.abs() + 2.0 ** -20 * fs
        else:
            bad = torch.ones_like(x, dtype=torch.bool)
        if bool(bad.any()):
            if c is None:
                bad = x.abs() > (self.constellation_scale * 2.0)    # locate a too-large value
                if not bool(bad.any()):
                    bad = torch.ones_like(x, dtype=torch.bool)
            k, l, p, re, _ = (int(v) for v in bad.nonzero()[0])
            mod = self.modulation[k]
            raise ValueError(
                f"grid[{k}, {l}, {12 * p + re}] = {complex(iq[k, l, p, re]):.6g} is not a "
                f"{mod} point (TS 38.211 §5.1, unit power) times constellation_scale = "
                f"{self.constellation_scale:.6g}; modulation compression (O-RAN.WG4.CUS.0 "
                f"Annex A.5) carries only the configured constellation of each eAxC: empty "
                f"REs, PSS/SSS or PRB ranges with another modulation cannot be sent")
        return c

    def zero_prb(self) -> bytes:
        """The wire bytes of one all-zero PRB (what a never-received PRB decodes from)."""
        if self.method == "modulation":        # codes 0; the grid masks never-received PRBs
            return bytes(self.prb_bytes)
        z = torch.zeros(1, 12, dtype=torch.complex64)
        return compress(z, self.method, self.width, full_scale=self.full_scale).to_bytes()


class _SlotBuffer:
    """Raw PRB bytes of one slot and direction, what arrived and what the C-plane asked."""

    def __init__(self, cfg: FronthaulConfig) -> None:
        n_e, n_s, n_p, b = len(cfg.eaxc_ids), cfg.n_symbols, cfg.n_prb, cfg.prb_bytes
        self.raw = np.tile(np.frombuffer(cfg.zero_prb(), dtype=np.uint8), (n_e, n_s, n_p, 1))
        self.received = np.zeros((n_e, n_s, n_p), dtype=bool)
        self.expected = np.zeros((n_e, n_s, n_p), dtype=bool)
        self.cplane_seen = np.zeros(n_e, dtype=bool)
        # modulation compression: (csf << 15) | modCompScaler of the C-plane SE4 that covered
        # each PRB, -1 where none did
        self.mod_comp = (np.full((n_e, n_s, n_p), -1, dtype=np.int32)
                         if cfg.method == "modulation" else None)
        assert self.raw.shape[-1] == b

    def grid(self, cfg: FronthaulConfig) -> torch.Tensor:
        if self.mod_comp is not None:
            return self._modulation_grid(cfg)
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


def _grow_buffers(transport: object) -> None:
    # UDPTransport keeps its socket private; a slot of 273 PRB x 4 eAxC is ~0.5-1 MB, more
    # than Linux's default receive buffer, so ask for 4 MiB (capped by net.core.rmem_max)
    sock = getattr(transport, "_sock", None)
    if isinstance(sock, socket.socket) and sock.type == socket.SOCK_DGRAM:
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                sock.setsockopt(socket.SOL_SOCKET, opt, _RCVBUF)
            except OSError:
                pass


class _Endpoint:
    """What the O-DU and the O-RU share: transport, clock, counters, slot buffers, loops."""

    role = "endpoint"

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
        self._slots: OrderedDict[SlotKey, _SlotBuffer] = OrderedDict()
        self._pending: list[tuple[int, int, bytes, Flow]] = []
        self._order = itertools.count()
        self._cfg_c = CPlaneConfig(n_prb_carrier=config.n_prb)
        self._fmt = config.uplane_format
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _grow_buffers(transport)

    # -- sending ---------------------------------------------------------------------------

    def _next_seq(self, flow: Flow) -> SeqId:
        value = self._seq.get(flow, 0)
        self._seq[flow] = (value + 1) % 256
        return SeqId(value)

    def _send_now(self, pdu: bytes, flow: Flow) -> None:
        self.transport.send(pdu)
        self.counters.count_tx(flow, len(pdu))

    def _send_all(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        """Send (due_ns, pdu, flow) in order; a paced endpoint waits for each due time."""
        for due, pdu, flow in sorted(packets, key=lambda p: p[0]) if self.paced else packets:
            if self.paced:
                self.clock.sleep_until(due)
            self._send_now(pdu, flow)

    def _air(self, direction: str, frame_id: int, subframe_id: int, slot_id: int,
             symbol: int) -> int:
        t = TimingHeader(int(direction == "DL"), frame_id, subframe_id, slot_id, symbol)
        return air_time_ns(t, self.config.scs_khz, self.clock.now_ns(),
                           cyclic_prefix=self.config.cyclic_prefix)

    def _cplane(self, direction: str, frame_id: int, subframe_id: int, slot_id: int,
                start_symbol: int, num_symbols: int) -> list[tuple[int, bytes, Flow]]:
        cfg = self.config
        timing = TimingHeader(int(direction == "DL"), frame_id, subframe_id, slot_id,
                              start_symbol)
        due = 0
        if self.paced:
            assert cfg.windows is not None
            adv = (cfg.windows.dl_cplane_advance_ns if direction == "DL"
                   else cfg.windows.ul_cplane_advance_ns)
            due = self._air(direction, frame_id, subframe_id, slot_id, start_symbol) - adv
        out = []
        exts: tuple[ModCompParamsExt, ...] = ()
        if cfg.method == "modulation":
            csf, code = cfg.mod_comp
            exts = (ModCompParamsExt(csf=int(csf), mod_comp_scaler=code),)
        for e in cfg.eaxc_ids:
            flow = Flow("C", direction, e)
            section = Section1(section_id=_SECTION_ID[direction], start_prbc=0,
                               num_prbc=cfg.n_prb if cfg.n_prb <= 255 else 0,
                               num_symbol=num_symbols, re_mask=0xFFF, beam_id=0,
                               extensions=exts)
            msg = CPlaneMessage(eaxc_id=e, timing=timing, section_type=1, sections=(section,),
                                seq=self._next_seq(flow), ud_comp_hdr=cfg.ud_comp_hdr)
            out.append((due, encode_cplane(msg), flow))
        return out

    def _uplane(self, direction: str, raw: np.ndarray, frame_id: int, subframe_id: int,
                slot_id: int, symbols: range,
                due_of: Callable[[int], int] | None = None) -> list[tuple[int, bytes, Flow]]:
        """U-plane messages from raw PRB bytes ``[n_eaxc, n_symbols, n_prb, bytes]``: per symbol
        and eAxC, one message per configured PRB chunk."""
        cfg = self.config
        hdr = cfg.ud_comp_hdr if cfg.ud_comp_hdr_present else None
        chunks = [(p0, 0 if n == cfg.n_prb and n > 255 else n) for p0, n in cfg.uplane_chunks]
        symbols = list(symbols)
        timings = [TimingHeader(int(direction == "DL"), frame_id, subframe_id, slot_id, l)
                   for l in symbols]
        flows = [Flow("U", direction, e) for e in cfg.eaxc_ids]
        seq0 = [self._seq.get(f, 0) for f in flows]
        per_flow = len(symbols) * len(chunks)
        for f, q in zip(flows, seq0, strict=True):
            self._seq[f] = (q + per_flow) % 256
        pdus = encode_uplane_symbols(raw, cfg.eaxc_ids, timings, chunks, seq0,
                                     section_id=_SECTION_ID[direction], ud_comp_hdr=hdr,
                                     fmt=self._fmt)
        dues = [due_of(l) if due_of is not None else 0 for l in symbols]
        per_symbol = len(flows) * len(chunks)
        return [(dues[i // per_symbol], pdu, flows[(i // len(chunks)) % len(flows)])
                for i, pdu in enumerate(pdus)]

    # -- receiving -------------------------------------------------------------------------

    def handle(self, pdu: bytes, arrival_ns: int | None = None) -> str | None:
        """Process one received PDU (a UDP payload / Ethernet payload).

        Returns ``None`` if it was accepted, else the malformed category it was counted and
        dropped under. ``arrival_ns`` defaults to the clock's current time.
        """
        with self._lock:
            arrival = self.clock.now_ns() if arrival_ns is None else arrival_ns
            self.counters.rx_packets += 1
            self.counters.rx_bytes += len(pdu)
            try:
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
            finally:
                self._service_pending()
            return None

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
            buf.raw[k, l, prbs] = np.frombuffer(s.prb_payload, dtype=np.uint8).reshape(n, -1)
            buf.received[k, l, prbs] = True

    def _on_cplane(self, ecpri_msg: EcpriMessage, arrival: int) -> None:
        cfg = self.config
        try:
            msg = decode_cplane(ecpri_msg, self._cfg_c)
        except FronthaulDecodeError as err:
            raise _Malformed(_category(err.reason), err.reason) from None
        k, direction = self._check_common(msg.eaxc_id, msg.timing, self._cplane_directions(),
                                          "C")
        if msg.section_type != 1:
            flow = Flow("C", direction, msg.eaxc_id)
            self.counters.rx_flow(flow).observe(msg.seq.sequence_id, len(ecpri_msg.payload) + 4)
            self.counters.ignored[f"section-type-{msg.section_type}"] += 1
            return
        if msg.ud_comp_hdr != cfg.ud_comp_hdr:
            raise _Malformed("inconsistent-udcomphdr",
                             f"C-plane udCompHdr = {msg.ud_comp_hdr}, configured "
                             f"{cfg.ud_comp_hdr}")
        l0 = msg.timing.start_symbol_id
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
        flow = Flow("C", direction, msg.eaxc_id)
        duplicate = self.counters.rx_flow(flow).observe(msg.seq.sequence_id,
                                                        len(ecpri_msg.payload) + 4)
        self._classify(flow, msg.timing, arrival)
        if duplicate:
            return
        t = msg.timing
        key = (direction, t.frame_id, t.subframe_id, t.slot_id)
        receives_uplane = direction in self._uplane_directions()
        buf = self._slot(key) if receives_uplane else None
        if buf is not None:
            buf.cplane_seen[k] = True
        for j, s in enumerate(msg.sections):
            prbs = s.start_prbc + np.arange(s.prb_count(cfg.n_prb)) * (s.rb + 1)
            if buf is not None:
                buf.expected[k, l0:l0 + s.num_symbol][:, prbs] = True
                if se4:
                    assert buf.mod_comp is not None
                    buf.mod_comp[k, l0:l0 + s.num_symbol][:, prbs] = se4[j]
            self._on_section(key, k, msg.eaxc_id, l0, s.num_symbol, prbs)

    def _on_section(self, key: SlotKey, k: int, eaxc_id: int, l0: int, num_symbol: int,
                    prbs: np.ndarray) -> None:
        """Hook: a C-plane section for this endpoint arrived (the O-RU answers UL C-plane)."""

    # -- slot buffers ----------------------------------------------------------------------

    def _slot(self, key: SlotKey) -> _SlotBuffer:
        buf = self._slots.get(key)
        if buf is None:
            while len(self._slots) >= self.max_slots:
                old_key, old = self._slots.popitem(last=False)
                self._close(old_key, old)
            buf = self._slots[key] = _SlotBuffer(self.config)
        return buf

    def _close(self, key: SlotKey, buf: _SlotBuffer) -> None:
        c = self.counters
        missing = buf.expected & ~buf.received
        c.prbs_expected += int(buf.expected.sum())
        c.prbs_received += int((buf.expected & buf.received).sum())
        c.prbs_missing += int(missing.sum())
        per = missing.sum(axis=2)
        for k, l in zip(*np.nonzero(per)):
            c.missing_by_symbol[(self.config.eaxc_ids[k], int(l))] += int(per[k, l])

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
        now = self.clock.now_ns() if self._pending and self.paced else 0
        while self._pending and (not self.paced or self._pending[0][0] <= now):
            _, _, pdu, flow = heapq.heappop(self._pending)
            self._send_now(pdu, flow)

    def _queue(self, packets: list[tuple[int, bytes, Flow]]) -> None:
        for due, pdu, flow in packets:
            heapq.heappush(self._pending, (due, next(self._order), pdu, flow))

    def receive(self, max_packets: int | None = None, timeout: float = 1.0) -> int:
        """Receive and process PDUs until ``max_packets`` were handled, or no PDU came for
        ``timeout`` seconds (real time). Returns the number handled."""
        if max_packets is not None:
            max_packets = check_int("max_packets", max_packets, 0)
        timeout = check_positive("timeout", timeout)
        n = 0
        while max_packets is None or n < max_packets:
            if self._stop.is_set():
                break
            wait = timeout
            if self._pending and self.paced:
                wait = min(wait, max(0.0, (self._pending[0][0] - self.clock.now_ns()) / 1e9))
            pdu = self.transport.recv(timeout=wait)
            if pdu is None:
                with self._lock:
                    had = bool(self._pending)
                    self._service_pending()
                if had:
                    continue
                break
            self.handle(pdu)
            n += 1
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


class ODU(_Endpoint):
    """O-DU: sends C-plane + U-plane for downlink grids and uplink C-plane; rebuilds uplink.

    Args:
        config: the shared :class:`FronthaulConfig`.
        transport: sends to the O-RU and receives its uplink (e.g.
            :class:`~softran.oran.transport.UDPTransport` with ``remote_port`` = the O-RU's).
        clock: fronthaul time (default :class:`~softran.oran.timing.RealTimeClock`).
        paced: send each message at its time before the air time (needs ``config.windows``);
            otherwise as fast as possible.

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
        f, sf, s, l0, n = self._timing_args(frame_id, subframe_id, slot_id, start_symbol,
                                            num_symbols)
        c = self.config.compress_grid(grid)
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
        with self._lock:
            self._send_all(packets)
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


class ORU(_Endpoint):
    """O-RU: rebuilds downlink grids from C-/U-plane, answers uplink C-plane with U-plane.

    Args:
        config, transport, clock, paced: as for :class:`ODU` (``transport`` sends to the O-DU).
        loopback: answer uplink C-plane with the downlink PRBs received for the same slot.
        uplink_source: otherwise, ``f(frame_id, subframe_id, slot_id) -> grid`` (complex
            ``[n_eaxc, n_symbols, 12 n_prb]``) or ``None`` for zeros; default zeros.
    """

    role = "O-RU"

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
        self._ul_raw: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()

    def _uplane_directions(self) -> tuple[str, ...]:
        return ("DL",)

    def _cplane_directions(self) -> tuple[str, ...]:
        return ("DL", "UL")

    def _uplink_raw(self, f: int, sf: int, s: int) -> np.ndarray:
        cfg = self.config
        if self.loopback:
            buf = self._slots.get(("DL", f, sf, s))
            return buf.raw if buf is not None else _SlotBuffer(cfg).raw
        raw = self._ul_raw.get((f, sf, s))
        if raw is None:
            grid = None if self.uplink_source is None else self.uplink_source(f, sf, s)
            if grid is None:
                raw = _SlotBuffer(cfg).raw
            else:
                raw = np.frombuffer(cfg.compress_grid(grid).to_bytes(), dtype=np.uint8).reshape(
                    len(cfg.eaxc_ids), cfg.n_symbols, cfg.n_prb, -1)
            self._ul_raw[(f, sf, s)] = raw
            while len(self._ul_raw) > self.max_slots:
                self._ul_raw.popitem(last=False)
        return raw

    def _on_section(self, key: SlotKey, k: int, eaxc_id: int, l0: int, num_symbol: int,
                    prbs: np.ndarray) -> None:
        direction, f, sf, s = key
        if direction != "UL":
            return
        cfg = self.config
        if cfg.method == "modulation":                 # no uplink under modulation compression
            self.counters.ignored["uplink-modulation-compression"] += 1
            return
        raw = self._uplink_raw(f, sf, s)[k:k + 1]
        due_of = None
        if self.paced:
            assert cfg.windows is not None
            ta3 = cfg.windows.ta3_min
            due_of = lambda l: self._air("UL", f, sf, s, l) + ta3   # noqa: E731
        packets = []
        chunks = _chunks_of(np.sort(prbs), cfg.uplane_chunks[0][1])
        for l in range(l0, l0 + num_symbol):
            packets += self._uplane_one(raw, eaxc_id, f, sf, s, l, chunks,
                                        due_of(l) if due_of else 0)
        self._queue(packets)

    def _uplane_one(self, raw: np.ndarray, eaxc_id: int, f: int, sf: int, s: int, l: int,
                    chunks: tuple[tuple[int, int], ...], due: int
                    ) -> list[tuple[int, bytes, Flow]]:
        cfg = self.config
        timing = TimingHeader(0, f, sf, s, l)
        hdr = cfg.ud_comp_hdr if cfg.ud_comp_hdr_present else None
        flow = Flow("U", "UL", eaxc_id)
        out = []
        for p0, n in chunks:
            num = 0 if n == cfg.n_prb and n > 255 else n
            section = UPlaneSection(section_id=_SECTION_ID["UL"], start_prbu=p0, num_prbu=num,
                                    prb_payload=raw[0, l, p0:p0 + n].tobytes(), ud_comp_hdr=hdr)
            msg = UPlaneMessage(eaxc_id=eaxc_id, timing=timing, sections=(section,),
                                seq=self._next_seq(flow))
            out.append((due, encode_uplane(msg, self._fmt), flow))
        return out

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


def loopback_pair(config: FronthaulConfig, *, clock: Clock | None = None, paced: bool = False,
                  loopback: bool = False, host: str = "127.0.0.1",
                  **oru_kwargs: Any) -> tuple[ODU, ORU]:
    """An O-DU and an O-RU connected by two UDP sockets on ``host`` (free ports), sharing
    ``clock``. ``loopback`` and ``oru_kwargs`` go to the :class:`ORU`.

    >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)))
    >>> odu.transport.remote[1] == oru.transport.local_address[1]
    True
    >>> odu.close(); oru.close()
    """
    from softran.oran.transport import UDPTransport

    clock = RealTimeClock() if clock is None else clock
    ru_t = UDPTransport(0, local_host=host, remote_host=host)
    du_t = UDPTransport(0, ru_t.local_address[1], local_host=host, remote_host=host)
    ru_t.remote = (host, du_t.local_address[1])
    return (ODU(config, du_t, clock=clock, paced=paced),
            ORU(config, ru_t, clock=clock, paced=paced, loopback=loopback, **oru_kwargs))
