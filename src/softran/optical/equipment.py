"""The equipment library of the network planner: amplifier types, fibre types, the span
design rules, ROADM types, the spectrum (SI) and transceiver modes (the content of a GNPy
equipment file, :mod:`softran.optical.gnpy_json`, or of a softran link file).

All values in SI units and dB/dBm as in GNPy's equipment files (lengths of the span rules in
metres here). Read the design rules (:class:`SpanRules`) with :mod:`softran.optical.
autodesign`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from softran.optical.amplifier_models import AmplifierType
from softran.validation import check_positive, check_real

__all__ = [
    "PENALTY_IMPAIRMENTS",
    "Equipment",
    "FibreSpec",
    "RoadmImpairment",
    "RoadmType",
    "SpanRules",
    "SpectrumDefaults",
    "TransceiverMode",
    "TransceiverType",
    "automatic_channel_count",
]


def automatic_channel_count(f_min: float, f_max: float, spacing: float) -> int:
    """Channels that fit from ``f_min`` to ``f_max`` (both included) on ``spacing`` [Hz]:
    ``floor((f_max - f_min) / spacing) + 1``.

    >>> automatic_channel_count(191.35e12, 195.1e12, 50e9)
    76
    """
    check_positive("spacing", spacing)
    return int((f_max - f_min) // spacing) + 1


@dataclass(frozen=True)
class SpanRules:
    """Auto-design rules (GNPy ``Span``): ``power_mode`` (amplifiers target an output power
    per channel, ``delta_p`` relative to the reference power; ``False``: they keep their
    gain), ``delta_power_range_db`` ``(low, high, step)`` for the span-loss rule,
    ``span_loss_ref`` [dB] and ``power_slope`` (``delta_p = (loss - span_loss_ref)
    power_slope`` rounded to ``step`` and clipped to ``low..high``),
    ``max_fiber_lineic_loss_for_raman`` [dB/km], ``target_extended_gain`` [dB] (allowed gain
    above ``gain_flatmax``), ``max_length`` [m] (longer fibres are split), ``max_loss``,
    ``padding`` [dB] (minimum span loss; an input attenuator makes it up), ``eol`` [dB]
    (end-of-life margin added to ``con_out``), ``con_in``/``con_out`` [dB] (defaults for
    fibres that give none), ``voa_margin``, ``voa_step`` [dB]."""

    power_mode: bool = True
    delta_power_range_db: tuple[float, float, float] | None = None
    max_fiber_lineic_loss_for_raman: float = 0.25
    target_extended_gain: float = 2.5
    max_length: float = 150e3
    max_loss: float | None = None
    padding: float = 10.0
    eol: float = 0.0
    con_in: float = 0.0
    con_out: float = 0.0
    span_loss_ref: float = 20.0
    power_slope: float = 0.3
    voa_margin: float = 1.0
    voa_step: float = 0.5


@dataclass(frozen=True)
class RoadmImpairment:
    """One ROADM path impairment profile: ``path_type`` (``"express"``, ``"add"``,
    ``"drop"``) and per frequency range ``(f_low, f_high, values)`` with the keys
    ``roadm-maxloss`` [dB], ``roadm-osnr`` [dB in 0.1 nm], ``roadm-pmd`` [s], ``roadm-pdl``
    [dB] (``f_low``/``f_high`` ``None``: the whole band)."""

    path_type: str
    ranges: tuple[tuple[float | None, float | None, tuple[tuple[str, float | None], ...]], ...]

    def value(self, key: str, frequency: float) -> float | None:
        """The impairment ``key`` at ``frequency`` (``None`` when not given)."""
        for lo, hi, values in self.ranges:
            if lo is None or lo <= frequency <= hi:
                v = dict(values).get(key)
                if v is not None:
                    return v
        return None


@dataclass(frozen=True)
class RoadmType:
    """A ROADM of the library: the equalisation target (exactly one of
    ``target_pch_out_db`` [dBm per channel], ``target_psd_out_mw_per_ghz``,
    ``target_out_mw_per_slot_width``), ``add_drop_osnr`` [dB in 0.1 nm; add and drop paths
    each contribute ``add_drop_osnr + 3.01`` dB], ``pmd`` [s], ``pdl`` [dB], the booster and
    preamplifier restrictions (amplifier names the design may choose) and the path
    impairment profiles (by id)."""

    name: str = "default"
    target_pch_out_db: float | None = -20.0
    target_psd_out_mw_per_ghz: float | None = None
    target_out_mw_per_slot_width: float | None = None
    add_drop_osnr: float = 100.0
    pmd: float = 0.0
    pdl: float = 0.0
    booster_variety_list: tuple[str, ...] = ()
    preamp_variety_list: tuple[str, ...] = ()
    impairments: tuple[tuple[int, RoadmImpairment], ...] = ()

    def __post_init__(self) -> None:
        targets = [t for t in (self.target_pch_out_db, self.target_psd_out_mw_per_ghz,
                               self.target_out_mw_per_slot_width) if t is not None]
        if len(targets) != 1:
            raise ValueError(f"ROADM type {self.name!r}: give exactly one equalisation target "
                             "(target_pch_out_db, target_psd_out_mWperGHz or "
                             "target_out_mWperSlotWidth)")

    def target_dbm(self, baud_rate: float, slot_width: float) -> float:
        """Target output power [dBm] of a channel of ``baud_rate`` and ``slot_width`` [Hz]."""
        if self.target_pch_out_db is not None:
            return self.target_pch_out_db
        if self.target_psd_out_mw_per_ghz is not None:
            return 10 * math.log10(self.target_psd_out_mw_per_ghz * baud_rate / 1e9)
        return 10 * math.log10(float(self.target_out_mw_per_slot_width) * slot_width / 1e9)


@dataclass(frozen=True)
class SpectrumDefaults:
    """The spectrum to plan with (GNPy ``SI``): channels from ``f_min`` to ``f_max`` [Hz] on
    ``spacing``, ``baud_rate``, ``roll_off``, reference power per channel ``power_dbm`` (the
    design's launch power into spans), ``tx_power_dbm`` (transmitter output, default
    ``power_dbm``), ``power_range_db`` (sweep), ``tx_osnr`` [dB in 0.1 nm], ``sys_margins``
    [dB], ``use_si_channel_count_for_design``."""

    f_min: float = 191.35e12
    f_max: float = 196.1e12
    baud_rate: float = 32e9
    spacing: float = 50e9
    power_dbm: float = 0.0
    power_range_db: tuple[float, float, float] = (0.0, 0.0, 0.5)
    roll_off: float = 0.15
    tx_osnr: float = 45.0
    sys_margins: float = 0.0
    tx_power_dbm: float | None = None
    use_si_channel_count_for_design: bool = False

    def __post_init__(self) -> None:
        check_positive("baud_rate", self.baud_rate)
        check_positive("spacing", self.spacing)
        check_real("roll_off", self.roll_off, low=0.0, high=1.0)
        if not self.f_min <= self.f_max:
            raise ValueError(f"SI: f_min = {self.f_min} must not exceed f_max = {self.f_max}")
        if self.baud_rate > self.spacing:
            raise ValueError(f"SI: baud_rate = {self.baud_rate:.4g} Bd exceeds the spacing "
                             f"{self.spacing:.4g} Hz")

    @property
    def n_channels(self) -> int:
        """:func:`automatic_channel_count` of the band."""
        return automatic_channel_count(self.f_min, self.f_max, self.spacing)


#: Impairments a transceiver mode may carry penalties for, with their units.
PENALTY_IMPAIRMENTS = {"chromatic_dispersion": "ps/nm", "pmd": "ps", "pdl": "dB"}


@dataclass(frozen=True)
class TransceiverMode:
    """One mode of a transceiver: ``format``, ``baud_rate`` [Bd], required ``osnr`` [dB in
    0.1 nm], ``bit_rate`` [bit/s], ``roll_off``, ``tx_osnr`` [dB], ``min_spacing`` [Hz],
    ``cost``, and ``penalties``: per impairment of :data:`PENALTY_IMPAIRMENTS` the rows
    ``(up_to_value, penalty_db)`` in increasing value (a row ``(0, 0)`` first when every
    value is positive), linearly interpolated; beyond the last row the mode does not work
    (infinite penalty)."""

    format: str
    baud_rate: float
    osnr: float | None
    bit_rate: float | None
    roll_off: float = 0.15
    tx_osnr: float = 45.0
    min_spacing: float | None = None
    cost: float = 1.0
    penalties: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = ()

    def penalty_db(self, chromatic_dispersion: float, pmd: float, pdl: float) -> float:
        """Total penalty [dB] at the accumulated CD [ps/nm], PMD [ps] and PDL [dB].

        >>> m = TransceiverMode("m", 32e9, 12.0, 100e9, penalties=(("pmd", ((0, 0), (30, 1))),))
        >>> m.penalty_db(0.0, 15.0, 0.0), m.penalty_db(0.0, 40.0, 0.0)
        (0.5, inf)
        """
        total = 0.0
        values = {"chromatic_dispersion": chromatic_dispersion, "pmd": pmd, "pdl": pdl}
        for key, rows in self.penalties:
            x = values[key]
            if x < rows[0][0] or x > rows[-1][0]:
                return math.inf
            for (x0, y0), (x1, y1) in itertools.pairwise(rows):
                if x0 <= x <= x1:
                    total += y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
                    break
            else:
                total += rows[0][1]
        return total


@dataclass(frozen=True)
class TransceiverType:
    """A transceiver of the library: ``name``, band ``f_min``..``f_max`` [Hz], ``modes``."""

    name: str
    f_min: float | None
    f_max: float | None
    modes: tuple[TransceiverMode, ...] = ()


@dataclass(frozen=True)
class FibreSpec:
    """A fibre type of the library (GNPy ``Fiber``): ``dispersion`` [s/m^2] (or a table
    ``((f, D), ...)``), ``dispersion_slope`` [s/m^3], ``effective_area`` [m^2], ``gamma``
    [1/(W m)], ``pmd_coef`` [s/sqrt(m)], ``ref_frequency`` [Hz]."""

    name: str
    dispersion: float | tuple[tuple[float, float], ...] = 16.7e-6
    dispersion_slope: float | None = None
    effective_area: float | None = None
    gamma: float | None = None
    pmd_coef: float = 0.0
    ref_frequency: float | None = None


@dataclass(frozen=True)
class Equipment:
    """The library: ``amplifiers``, ``fibres``, ``span`` rules, ``roadms``, ``si``,
    ``transceivers`` (by name; ``roadms`` has ``"default"``)."""

    amplifiers: dict[str, AmplifierType] = field(default_factory=dict)
    fibres: dict[str, FibreSpec] = field(default_factory=dict)
    span: SpanRules = field(default_factory=SpanRules)
    roadms: dict[str, RoadmType] = field(default_factory=lambda: {"default": RoadmType()})
    si: SpectrumDefaults = field(default_factory=SpectrumDefaults)
    transceivers: dict[str, TransceiverType] = field(default_factory=dict)
    source: str = "equipment"

    def amplifier(self, name: str) -> AmplifierType:
        """The amplifier type ``name`` (an error lists the library's names)."""
        if name not in self.amplifiers:
            raise ValueError(f"{self.source}: amplifier type_variety {name!r} is not in the "
                             f"library; known: {', '.join(sorted(self.amplifiers))}")
        return self.amplifiers[name]

    def roadm(self, name: str) -> RoadmType:
        """The ROADM type ``name``."""
        if name not in self.roadms:
            raise ValueError(f"{self.source}: ROADM type_variety {name!r} is not in the "
                             f"library; known: {', '.join(sorted(self.roadms))}")
        return self.roadms[name]

    def fibre(self, name: str) -> FibreSpec:
        """The fibre type ``name``."""
        if name not in self.fibres:
            raise ValueError(f"{self.source}: fibre type_variety {name!r} is not in the "
                             f"library; known: {', '.join(sorted(self.fibres))}")
        return self.fibres[name]
