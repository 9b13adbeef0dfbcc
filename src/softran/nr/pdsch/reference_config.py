"""PDSCH reference-signal and rate-matching configuration (validated when set):

* :class:`PDSCHDMRSConfig` -- DM-RS, TS 38.211 §7.4.1.1, TS 38.214 §5.1.6.2 (MATLAB
  ``nrPDSCHDMRSConfig``): the shared fields of :class:`~softran.nr.dmrs.DMRSConfigBase` for
  up to 8 layers, plus *dmrs-Downlink-r16*.
* :class:`PDSCHPTRSConfig` -- PT-RS, TS 38.211 §7.4.1.2, TS 38.214 §5.1.6.3 (MATLAB
  ``nrPDSCHPTRSConfig``): one PT-RS port, associated with one DM-RS port.
* :class:`PDSCHReservedConfig` -- a resource-block-symbol-level rate-matching pattern
  (*RateMatchPattern* bitmaps, TS 38.214 §5.1.4.1; MATLAB ``nrPDSCHReservedConfig``): the
  SS/PBCH block, CORESETs, or any reserved PRBs x symbols with a slot period.
* :class:`LTECRSConfig` -- *lte-CRS-ToMatchAround*, the RE-level rate matching around the
  cell-specific reference signals of an LTE carrier (TS 38.214 §5.1.4.2, CRS positions of
  TS 36.211 §6.10.1.2).

RE-level patterns given as resource elements (ZP / NZP CSI-RS, TS 38.214 §5.1.4.2) are
``PDSCHConfig.reserved_re`` (linear indices into the slot grid, as MATLAB's ``ReservedRE``);
:func:`softran.nr.csi_rs_indices` produces them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from softran.nr.dmrs import DMRSConfigBase
from softran.nr.ptrs import PTRSConfigBase
from softran.validation import (
    ValidatedModel,
    check_bool,
    check_choice,
    check_int,
    check_int_list,
)

__all__ = ["LTECRSConfig", "PDSCHDMRSConfig", "PDSCHPTRSConfig", "PDSCHReservedConfig"]


class PDSCHDMRSConfig(DMRSConfigBase):
    """PDSCH DM-RS configuration, TS 38.211 §7.4.1.1 (MATLAB ``nrPDSCHDMRSConfig``).

    Parameters
    ----------
    dmrs_type, type_a_position, additional_position, max_length, n_id_n_scid, n_scid,
    num_cdm_groups_without_data : see :class:`~softran.nr.dmrs.DMRSConfigBase`.
    dmrs_ports : DM-RS ports p - 1000 of the layers (antenna ports 1000 + p; None:
        0..n_layers-1), 1..8 of them; 0..3 (type 1) or 0..5 (type 2) single-symbol,
        0..7 / 0..11 double-symbol.
    dmrs_downlink_r16 : the Rel-16 *dmrs-Downlink-r16* initialisation of §7.4.1.1.1
        (lambda-bar = CDM group lambda, n_SCID-bar = 1 - n_SCID for lambda = 1); default
        False: lambda-bar = 0, n_SCID-bar = n_SCID.

    >>> d = PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=1)
    >>> d.beta_dmrs_db, d.max_ports
    (0.0, 8)
    """

    max_ports: ClassVar[int] = 8

    dmrs_downlink_r16: bool = False

    @field_validator("dmrs_downlink_r16", mode="before")
    @classmethod
    def _r16(cls, v: Any) -> bool:
        return check_bool("dmrs_downlink_r16", v)


class PDSCHPTRSConfig(PTRSConfigBase):
    """PDSCH PT-RS configuration, TS 38.211 §7.4.1.2, TS 38.214 §5.1.6.3 (MATLAB
    ``nrPDSCHPTRSConfig``).

    Parameters
    ----------
    time_density, frequency_density, re_offset : see :class:`~softran.nr.ptrs.PTRSConfigBase`.
    ptrs_port : the DM-RS port (p - 1000) the PT-RS port is associated with; None: the lowest
        DM-RS port of the PDSCH (TS 38.214 §5.1.6.3: one PT-RS port for PDSCH, associated
        with the lowest-indexed DM-RS port of the codeword).

    The PT-RS amplitude (TS 38.214 Table 4.1-2, *epre-Ratio*) is left to the transmitter:
    :func:`~softran.nr.pdsch.ptrs.pdsch_ptrs` returns unit-modulus values, as MATLAB's
    ``nrPDSCHPTRS``.

    >>> PDSCHPTRSConfig(time_density=2, ptrs_port=1).ptrs_port
    1
    """

    ptrs_port: int | None = None

    @field_validator("ptrs_port", mode="before")
    @classmethod
    def _ptrs_port(cls, v: Any) -> int | None:
        return None if v is None else check_int("ptrs_port", v, 0, 11)


class PDSCHReservedConfig(ValidatedModel):
    """A resource-block-symbol-level rate-matching pattern, TS 38.214 §5.1.4.1 (MATLAB
    ``nrPDSCHReservedConfig``): the PDSCH is not mapped to the PRBs ``prb_set`` on the OFDM
    symbols ``symbol_set``.

    Parameters
    ----------
    prb_set : reserved PRBs of the carrier grid (relative to ``n_start_grid``), 0..274.
    symbol_set : reserved OFDM symbols, counted from symbol 0 of the pattern's first slot;
        with ``period`` = P slots the symbols span 0 .. 14 P - 1 and the pattern repeats
        every P slots (slot n of the frame uses symbols of slot ``n mod P``).
    period : P in slots, 1..640; None: the symbols apply to every slot (``symbol_set``
        within 0..13).

    >>> r = PDSCHReservedConfig(prb_set=range(3), symbol_set=[0, 1])
    >>> r.symbols_in_slot(5, 14)
    (0, 1)
    """

    prb_set: tuple[int, ...] = ()
    symbol_set: tuple[int, ...] = ()
    period: int | None = None

    @field_validator("prb_set", mode="before")
    @classmethod
    def _prbs(cls, v: Any) -> tuple[int, ...]:
        return tuple(sorted(check_int_list("prb_set", v, 0, 274)))

    @field_validator("symbol_set", mode="before")
    @classmethod
    def _symbols(cls, v: Any) -> tuple[int, ...]:
        return tuple(sorted(check_int_list("symbol_set", v, 0, 14 * 640 - 1)))

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: Any) -> int | None:
        return None if v is None else check_int("period", v, 1, 640)

    @model_validator(mode="after")
    def _span(self) -> PDSCHReservedConfig:
        slots = 1 if self.period is None else self.period
        if self.symbol_set and self.symbol_set[-1] >= 14 * slots:
            raise ValueError(f"symbol_set contains {self.symbol_set[-1]}, beyond the "
                             f"{14 * slots} symbols of the pattern (period = {self.period}); "
                             f"allowed: 0..{14 * slots - 1}")
        return self

    def symbols_in_slot(self, slot: int, symbols_per_slot: int) -> tuple[int, ...]:
        """The reserved symbols (0 .. symbols_per_slot - 1) of slot ``slot``."""
        period = 1 if self.period is None else self.period
        first = (slot % period) * symbols_per_slot
        return tuple(s - first for s in self.symbol_set if first <= s < first + symbols_per_slot)


class LTECRSConfig(ValidatedModel):
    """*lte-CRS-ToMatchAround* (TS 38.331 RateMatchPatternLTE-CRS; TS 38.214 §5.1.4.2): the
    PDSCH of a 15 kHz carrier is rate-matched around the CRS of an overlapping LTE carrier.

    Parameters
    ----------
    carrier_freq_dl : *carrierFreqDL*, the LTE carrier centre (its DC subcarrier) as an offset
        from point A in 15 kHz subcarriers, 0..16383 (subcarrier 0 of CRB 0 is point A).
    n_rb : *carrierBandwidthDL*, the LTE bandwidth in RBs: 6, 15, 25, 50, 75 or 100.
    n_ports : *nrofCRS-Ports*, 1, 2 or 4.
    v_shift : *v-Shift*, 0..5 (N_ID^cell mod 6 of the LTE cell).

    CRS positions (TS 36.211 §6.10.1.2, normal CP, one LTE subframe = one NR slot at 15 kHz):
    antenna ports 0 and 1 on symbols 0, 4, 7, 11 at LTE subcarriers k = 6 m + (v + v_shift)
    mod 6 with v = 0 / 3 (port 0, symbols 0, 7 / 4, 11) and 3 / 0 (port 1); ports 2 and 3 on
    symbols 1, 8 with v = 3 (n_s mod 2) and 3 + 3 (n_s mod 2). The union the PDSCH avoids is
    therefore: one port, k = v_shift mod 6 on symbols 0, 7 and v_shift + 3 mod 6 on 4, 11;
    two ports, k = v_shift mod 3 on 0, 4, 7, 11; four ports, also on 1, 8. LTE subcarrier k
    (0 .. 12 n_rb - 1) sits at NR subcarrier carrier_freq_dl - 6 n_rb + k below the DC and one
    further up above it (the LTE DC subcarrier carries nothing). MBSFN subframes are not
    modelled (every slot has CRS).

    >>> LTECRSConfig(carrier_freq_dl=300, n_rb=50, n_ports=2).crs_symbols()
    (0, 4, 7, 11)
    """

    carrier_freq_dl: int
    n_rb: int
    n_ports: int = 1
    v_shift: int = 0

    @field_validator("carrier_freq_dl", mode="before")
    @classmethod
    def _freq(cls, v: Any) -> int:
        return check_int("carrier_freq_dl", v, 0, 16383)

    @field_validator("n_rb", mode="before")
    @classmethod
    def _n_rb(cls, v: Any) -> int:
        return check_choice("n_rb", check_int("n_rb", v), (6, 15, 25, 50, 75, 100))

    @field_validator("n_ports", mode="before")
    @classmethod
    def _ports(cls, v: Any) -> int:
        return check_choice("n_ports", check_int("n_ports", v), (1, 2, 4))

    @field_validator("v_shift", mode="before")
    @classmethod
    def _v_shift(cls, v: Any) -> int:
        return check_int("v_shift", v, 0, 5)

    @model_validator(mode="after")
    def _inside(self) -> LTECRSConfig:
        if self.carrier_freq_dl < 6 * self.n_rb:
            raise ValueError(f"carrier_freq_dl = {self.carrier_freq_dl} puts the LTE carrier "
                             f"({self.n_rb} RBs) below point A; allowed: >= {6 * self.n_rb}")
        return self

    def crs_symbols(self) -> tuple[int, ...]:
        """OFDM symbols (of a 14-symbol slot) that carry CRS of any configured port."""
        return (0, 1, 4, 7, 8, 11) if self.n_ports == 4 else (0, 4, 7, 11)

    def crs_subcarriers(self, symbol: int) -> tuple[int, ...]:
        """LTE subcarrier indices (0 .. 12 n_rb - 1) carrying CRS of any configured port on
        ``symbol`` (empty if the symbol has none)."""
        if symbol not in self.crs_symbols():
            return ()
        if self.n_ports == 1:
            first = (self.v_shift + (3 if symbol in (4, 11) else 0)) % 6
            step = 6
        else:
            first, step = self.v_shift % 3, 3
        return tuple(range(first, 12 * self.n_rb, step))
