"""Fronthaul timing: clocks, the air time of each symbol, and the O-RAN reception windows.

* Clocks (:class:`RealTimeClock`, :class:`SimulatedClock`) give time in integer nanoseconds
  on the fronthaul time scale: ``t = 0`` is the start of system frame 0 (frames are aligned
  to the GPS epoch, reference §4.1), so ``SFN = floor(t / 10 ms) mod 1024`` and
  ``frameId = SFN mod 256`` (period 2.56 s). A simulated clock only moves when told to
  (``advance``, ``set``, or ``sleep_until`` of a paced sender), which makes timing tests exact.
* :func:`symbol_start_ns` -- start of OFDM symbol ``l`` of a slot within its 1 ms subframe,
  from TS 38.211 §5.3.1 in units of ``T_c = 1 / (480 kHz * 4096)``: ``N_u = 2048 kappa 2^-mu``,
  ``N_CP = 144 kappa 2^-mu + 16 kappa`` for the symbols ``l = 0`` and ``l = 7 2^mu`` of the
  subframe (every 0.5 ms), ``144 kappa 2^-mu`` otherwise, ``512 kappa 2^-mu`` for extended CP,
  with ``kappa = 64``.
* :func:`air_time_ns` -- the absolute air time of a timing header (frameId, subframeId,
  slotId, symbolId): the occurrence of that frameId nearest to a reference time.
* :class:`TimingWindows` -- the delay-management windows of the O-RAN M-plane
  (``o-ran-delay-management``): what the O-RU accepts for downlink C-/U-plane (T2a) and
  uplink C-plane, when it sends uplink U-plane (Ta3), and what the O-DU accepts for uplink
  U-plane (Ta4). :func:`classify_arrival` says whether a packet is early, on time or late.

Windows are relative to the air time of the first sample of the symbol (for the C-plane:
of its ``startSymbolId``): downlink and uplink C-plane must arrive in
``[t_air - max, t_air - min]``; uplink U-plane at the O-DU in ``[t_air + Ta4_min,
t_air + Ta4_max]``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Protocol

from softran.oran.radio_header import TimingHeader
from softran.validation import check_choice, check_int

__all__ = [
    "ARRIVAL_CLASSES",
    "Clock",
    "FRAME_NS",
    "GPS_UNIX_OFFSET_NS",
    "RealTimeClock",
    "SimulatedClock",
    "TimingWindows",
    "air_time_ns",
    "classify_arrival",
    "slot_after",
    "symbol_start_ns",
]

#: One radio frame, 10 ms, in ns.
FRAME_NS: int = 10_000_000
_SUBFRAME_NS = 1_000_000
_FRAME_ID_PERIOD_NS = 256 * FRAME_NS          # frameId wraps every 2.56 s
#: Unix time of the GPS epoch (1980-01-06) minus the 18 leap seconds since then, in ns.
GPS_UNIX_OFFSET_NS: int = 315_964_782 * 10**9
_TC_PER_S = 480_000 * 4096                    # 1 / T_c (TS 38.211 §4.1)
_KAPPA = 64

#: Arrival classes of :func:`classify_arrival`.
ARRIVAL_CLASSES: tuple[str, ...] = ("early", "on_time", "late")


class Clock(Protocol):
    """Time on the fronthaul time scale (ns since the start of system frame 0)."""

    def now_ns(self) -> int: ...

    def sleep_until(self, t_ns: int) -> None: ...


class RealTimeClock:
    """Wall-clock time as GPS time: ``time.time_ns()`` minus :data:`GPS_UNIX_OFFSET_NS`.

    Two processes on one host (an O-DU and an O-RU started separately) see the same frame
    numbers, as two PTP-synchronised units would. ``offset_ns`` shifts the time scale.

    >>> c = RealTimeClock(); t0 = c.now_ns(); c.sleep_until(t0 + 1_000_000)
    >>> c.now_ns() >= t0 + 1_000_000
    True
    """

    def __init__(self, offset_ns: int = 0) -> None:
        self.offset_ns = check_int("offset_ns", offset_ns)

    def now_ns(self) -> int:
        """Current time in ns."""
        return time.time_ns() - GPS_UNIX_OFFSET_NS + self.offset_ns

    def sleep_until(self, t_ns: int) -> None:
        """Block until ``now_ns() >= t_ns`` (returns at once if already past)."""
        while True:
            left = t_ns - self.now_ns()
            if left <= 0:
                return
            time.sleep(left / 1e9)


class SimulatedClock:
    """A clock that moves only when told to; ``sleep_until`` jumps forward (never back).

    >>> c = SimulatedClock(5); c.advance(10); c.sleep_until(100); c.sleep_until(50); c.now_ns()
    100
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = check_int("start_ns", start_ns, 0)

    def now_ns(self) -> int:
        """Current simulated time in ns."""
        return self._now

    def set(self, t_ns: int) -> None:
        """Set the time (may go backwards: for tests that replay arrivals)."""
        self._now = check_int("t_ns", t_ns, 0)

    def advance(self, dt_ns: int) -> None:
        """Move forward by ``dt_ns`` >= 0."""
        self._now += check_int("dt_ns", dt_ns, 0)

    def sleep_until(self, t_ns: int) -> None:
        """Jump to ``t_ns`` if it is in the future."""
        self._now = max(self._now, check_int("t_ns", t_ns))


def _mu(scs_khz: int) -> int:
    scs_khz = check_choice("scs_khz", scs_khz, (15, 30, 60, 120, 240))
    return (scs_khz // 15).bit_length() - 1


def _symbol_start_tc(mu: int, l_subframe: int, extended: bool) -> int:
    n_u = 2048 * _KAPPA >> mu
    if extended:
        return l_subframe * (n_u + (512 * _KAPPA >> mu))
    n_cp = 144 * _KAPPA >> mu
    long_cp = 16 * _KAPPA                      # extra CP of l = 0 and l = 7 * 2^mu
    n_long = (l_subframe + 7 * (1 << mu) - 1) // (7 * (1 << mu))   # long CPs before symbol l
    return l_subframe * (n_u + n_cp) + n_long * long_cp


def symbol_start_ns(scs_khz: int, slot_id: int, symbol: int, *,
                    cyclic_prefix: str = "normal") -> int:
    """Start of OFDM symbol ``symbol`` (its cyclic prefix) of slot ``slot_id``, in ns from the
    start of the subframe, rounded to the nearest ns (TS 38.211 §5.3.1, §4.3.2).

    ``slot_id`` counts slots in the 1 ms subframe (0..2^mu - 1), ``symbol`` counts symbols in
    the slot (0..13, 0..11 with extended CP).

    >>> symbol_start_ns(15, 0, 1), symbol_start_ns(30, 1, 0), symbol_start_ns(30, 0, 7)
    (71875, 500000, 250260)
    """
    mu = _mu(scs_khz)
    cyclic_prefix = check_choice("cyclic_prefix", cyclic_prefix, ("normal", "extended"))
    extended = cyclic_prefix == "extended"
    if extended and mu != 2:
        raise ValueError(f"cyclic_prefix = 'extended' is only defined for 60 kHz (TS 38.211 "
                         f"Table 4.2-1), not {scs_khz} kHz")
    n_symb = 12 if extended else 14
    slot_id = check_int("slot_id", slot_id, 0, (1 << mu) - 1)
    symbol = check_int("symbol", symbol, 0, n_symb - 1)
    tc = _symbol_start_tc(mu, slot_id * n_symb + symbol, extended)
    return (tc * 10**9 + _TC_PER_S // 2) // _TC_PER_S


def air_time_ns(timing: TimingHeader, scs_khz: int, near_ns: int, *,
                cyclic_prefix: str = "normal") -> int:
    """Absolute air time (ns) of the symbol a timing header names (O-RAN.WG4.CUS.0 clause
    7.5.2 / 8.3.1 and reference §4.1): ``frameId * 10 ms + subframeId * 1 ms +``
    :func:`symbol_start_ns`, plus the multiple of 2.56 s (the frameId period) that puts it
    nearest to ``near_ns`` (normally the arrival time).

    >>> from softran.oran.radio_header import TimingHeader
    >>> air_time_ns(TimingHeader(1, 1, 0, 0, 0), 30, near_ns=2_570_000_000)   # frame 257
    2570000000
    """
    if not isinstance(timing, TimingHeader):
        raise TypeError(f"timing must be a TimingHeader, got {type(timing).__name__}")
    near_ns = check_int("near_ns", near_ns)
    base = (timing.frame_id * FRAME_NS + timing.subframe_id * _SUBFRAME_NS
            + symbol_start_ns(scs_khz, timing.slot_id, timing.start_symbol_id,
                              cyclic_prefix=cyclic_prefix))
    k = (near_ns - base + _FRAME_ID_PERIOD_NS // 2) // _FRAME_ID_PERIOD_NS
    return base + k * _FRAME_ID_PERIOD_NS


def slot_after(t_ns: int, scs_khz: int) -> tuple[int, int, int, int]:
    """The first slot that starts at or after ``t_ns``: ``(frame_id, subframe_id, slot_id,
    start_ns)`` with ``frame_id = SFN mod 256`` (TS 38.211 §4.3; slots of 1 / 2^mu ms).

    >>> slot_after(10_000_001, 30)
    (1, 0, 1, 10500000)
    """
    mu = _mu(scs_khz)
    t_ns = check_int("t_ns", t_ns, 0)
    slot_ns = _SUBFRAME_NS >> mu
    n = -(-t_ns // slot_ns)                              # slots since frame 0
    start = n * slot_ns
    frame, rest = divmod(start, FRAME_NS)
    return frame % 256, rest // _SUBFRAME_NS, (rest % _SUBFRAME_NS) // slot_ns, start


def classify_arrival(arrival_ns: int, air_ns: int, window_min_ns: int, window_max_ns: int, *,
                     before_air: bool) -> str:
    """``"early"``, ``"on_time"`` or ``"late"`` for a packet arriving at ``arrival_ns``.

    ``before_air=True`` (downlink data and all C-plane at the O-RU, T2a): on time in
    ``[air - max, air - min]``; ``before_air=False`` (uplink U-plane at the O-DU, Ta4): on time
    in ``[air + min, air + max]``. Both ends are inclusive.

    >>> classify_arrival(900, 1000, 50, 200, before_air=True)
    'on_time'
    >>> classify_arrival(960, 1000, 50, 200, before_air=True)
    'late'
    >>> classify_arrival(1201, 1000, 0, 200, before_air=False)
    'late'
    """
    if before_air:
        lo, hi = air_ns - window_max_ns, air_ns - window_min_ns
    else:
        lo, hi = air_ns + window_min_ns, air_ns + window_max_ns
    if arrival_ns < lo:
        return "early"
    return "late" if arrival_ns > hi else "on_time"


@dataclass(frozen=True)
class TimingWindows:
    """Delay-management windows in ns (O-RAN M-plane ``o-ran-delay-management``; reference
    §4.2). ``*_min`` <= ``*_max``, all >= 0.

    Defaults are the FlexRAN 22.11 values for 30 kHz quoted in the reference (C-plane
    [285, 429] us, DL U-plane [71, 428] us, UL U-plane reception [0, 350] us); Ta3 (O-RU uplink
    transmit delay after the air time) is [20, 50] us, a choice of this package.

    Attributes:
        t2a_min_cp_dl, t2a_max_cp_dl: O-RU receive window of downlink C-plane before air time.
        t2a_min_cp_ul, t2a_max_cp_ul: O-RU receive window of uplink C-plane before air time.
        t2a_min_up, t2a_max_up: O-RU receive window of downlink U-plane before air time.
        ta3_min, ta3_max: O-RU sends uplink U-plane this long after the symbol's air time.
        ta4_min, ta4_max: O-DU receive window of uplink U-plane after air time.

    >>> w = TimingWindows(); w.t2a_max_up, w.dl_uplane_advance_ns
    (428000, 249500)
    """

    t2a_min_cp_dl: int = 285_000
    t2a_max_cp_dl: int = 429_000
    t2a_min_cp_ul: int = 285_000
    t2a_max_cp_ul: int = 429_000
    t2a_min_up: int = 71_000
    t2a_max_up: int = 428_000
    ta3_min: int = 20_000
    ta3_max: int = 50_000
    ta4_min: int = 0
    ta4_max: int = 350_000

    def __post_init__(self) -> None:
        for f in fields(self):
            check_int(f.name, getattr(self, f.name), 0, 10**9)
        for lo, hi in (("t2a_min_cp_dl", "t2a_max_cp_dl"), ("t2a_min_cp_ul", "t2a_max_cp_ul"),
                       ("t2a_min_up", "t2a_max_up"), ("ta3_min", "ta3_max"),
                       ("ta4_min", "ta4_max")):
            if getattr(self, lo) > getattr(self, hi):
                raise ValueError(f"{lo} = {getattr(self, lo)} exceeds {hi} = "
                                 f"{getattr(self, hi)}; a window needs min <= max")

    @property
    def dl_cplane_advance_ns(self) -> int:
        """When a paced O-DU sends downlink C-plane: the middle of the T2a C-plane window
        before the air time (the transport delay T12 is taken as 0, as on a loopback)."""
        return (self.t2a_min_cp_dl + self.t2a_max_cp_dl) // 2

    @property
    def ul_cplane_advance_ns(self) -> int:
        """When a paced O-DU sends uplink C-plane (middle of the T2a UL C-plane window)."""
        return (self.t2a_min_cp_ul + self.t2a_max_cp_ul) // 2

    @property
    def dl_uplane_advance_ns(self) -> int:
        """When a paced O-DU sends downlink U-plane (middle of the T2a U-plane window)."""
        return (self.t2a_min_up + self.t2a_max_up) // 2
