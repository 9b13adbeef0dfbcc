"""Demodulation reference signals of the shared channels: what PUSCH (TS 38.211 §6.4.1.1) and
PDSCH (§7.4.1.1) have in common, in one place both import.

* :func:`dmrs_port_table` -- CDM group, Delta, w_f, w_t per DM-RS port: Tables 6.4.1.1.3-1/-2
  (PUSCH) = Tables 7.4.1.1.2-1/-2 (PDSCH), the same rows (``data/dmrs_ports_type*.csv``).
* :func:`dmrs_re_pattern` -- the REs of one CDM group within an RB (type 1: k = 4n + 2k' +
  Delta, type 2: k = 6n + k' + Delta; §6.4.1.1.3 / §7.4.1.1.2).
* :class:`DMRSCDMInfo` / :func:`dmrs_cdm_info` -- the per-layer CDM parameters receivers need.
* :func:`dmrs_beta_db` -- beta_DMRS of TS 38.214 Table 6.2.2-1 (PUSCH) = Table 4.1-1 (PDSCH).
* :func:`dmrs_positions` -- the DM-RS symbols l = l_bar + l' from the position tables of either
  channel (Tables 6.4.1.1.3-3/-4 and 7.4.1.1.2-3/-4, which differ).
* :class:`DMRSConfigBase` -- the configuration fields both channels' DM-RS share (MATLAB
  ``nrPUSCHDMRSConfig`` / ``nrPDSCHDMRSConfig``); each channel adds its own.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Iterable
from typing import Any, ClassVar, NamedTuple

import torch
from pydantic import field_validator, model_validator

from softran.nr.datafiles import read_csv
from softran.validation import ValidatedModel, check_choice, check_int, check_int_list

__all__ = [
    "DMRS_CHANNELS",
    "DMRSCDMInfo",
    "DMRSConfigBase",
    "dmrs_beta_db",
    "dmrs_c_init",
    "dmrs_cdm_info",
    "dmrs_port_table",
    "dmrs_positions",
    "dmrs_re_pattern",
]

DeviceLike = torch.device | str | None

#: Channels whose DM-RS position tables ship with softran.nr: their clause, single-symbol
#: and double-symbol tables of TS 38.211.
DMRS_CHANNELS: dict[str, tuple[str, str, str]] = {
    "pusch": ("6.4.1.1.3", "6.4.1.1.3-3", "6.4.1.1.3-4"),
    "pdsch": ("7.4.1.1.2", "7.4.1.1.2-3", "7.4.1.1.2-4"),
}

#: l_1 of TS 38.211 Table 7.4.1.1.2-3 (mapping type A, l_d 13/14, pos1): symbol 11; 12 only
#: with lte-CRS-ToMatchAround and additionalDMRS-DL-Alt, which softran does not model.
_L1 = 11


@functools.cache
def dmrs_port_table(dmrs_type: int) -> dict[int, tuple[int, int, tuple[int, int], tuple[int, int]]]:
    """TS 38.211 Table 6.4.1.1.3-1 = 7.4.1.1.2-1 (type 1) / 6.4.1.1.3-2 = 7.4.1.1.2-2 (type 2),
    from the data CSV. The port key is p~ for PUSCH and p - 1000 for PDSCH.

    Returns ``{port: (CDM group lambda, Delta, (w_f(0), w_f(1)), (w_t(0), w_t(1)))}``.

    >>> dmrs_port_table(1)[3]
    (1, 1, (1, -1), (1, 1))
    >>> dmrs_port_table(2)[10]
    (2, 4, (1, 1), (1, -1))
    """
    dmrs_type = check_choice("dmrs_type", check_int("dmrs_type", dmrs_type), (1, 2))
    table = {}
    for r in read_csv(f"dmrs_ports_type{dmrs_type}.csv"):
        table[int(r["port"])] = (int(r["cdm_group"]), int(r["delta"]),
                                 (int(r["wf0"]), int(r["wf1"])), (int(r["wt0"]), int(r["wt1"])))
    return table


def dmrs_re_pattern(dmrs_type: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per RB: subcarrier offsets (before Delta) and k' of the REs of one CDM group, in
    increasing order, for DM-RS configuration type ``dmrs_type`` (TS 38.211 §6.4.1.1.3 /
    §7.4.1.1.2: type 1 k = 4n + 2k' + Delta, type 2 k = 6n + k' + Delta); the sequence index
    is m = (REs per RB) * rb + i for the i-th entry.

    >>> [t.tolist() for t in dmrs_re_pattern(2)]
    [[0, 1, 6, 7], [0, 1, 0, 1]]
    """
    if dmrs_type == 1:  # k = 4n + 2k' + Delta: 6 REs per RB, m = 2n + k'
        i = torch.arange(6)
        return 2 * i, i % 2
    i = torch.arange(4)  # k = 6n + k' + Delta: 4 REs per RB
    return 6 * (i // 2) + i % 2, i % 2


class DMRSCDMInfo(NamedTuple):
    """Per-layer DM-RS code-division parameters (TS 38.211 Tables 6.4.1.1.3-1/-2,
    7.4.1.1.2-1/-2).

    ``cdm_group`` lambda and ``delta`` Delta: int64 ``[n_layers]``; ``w_f``: float32
    ``[n_layers, 2]`` (w_f(k'), k' = 0, 1); ``w_t``: float32 ``[n_layers, 2]`` (w_t(l'))."""

    cdm_group: torch.Tensor
    delta: torch.Tensor
    w_f: torch.Tensor
    w_t: torch.Tensor


def dmrs_cdm_info(dmrs_type: int, ports: Iterable[int], *,
                  device: DeviceLike = None) -> DMRSCDMInfo:
    """CDM group, Delta and orthogonal cover codes of the DM-RS ``ports`` (one per layer;
    p~ for PUSCH, p - 1000 for PDSCH), TS 38.211 Tables 6.4.1.1.3-1/-2 = 7.4.1.1.2-1/-2.

    >>> info = dmrs_cdm_info(2, [0, 3, 10])
    >>> info.cdm_group.tolist(), info.delta.tolist(), info.w_t[:, 1].tolist()
    ([0, 1, 2], [0, 2, 4], [1.0, 1.0, -1.0])
    """
    table = dmrs_port_table(dmrs_type)
    rows = []
    for p in ports:
        if p not in table:
            raise ValueError(f"DM-RS port {p} does not exist for dmrs_type = {dmrs_type}; "
                             f"allowed: 0..{max(table)}")
        rows.append(table[p])
    return DMRSCDMInfo(
        cdm_group=torch.tensor([r[0] for r in rows], dtype=torch.int64, device=device),
        delta=torch.tensor([r[1] for r in rows], dtype=torch.int64, device=device),
        w_f=torch.tensor([r[2] for r in rows], dtype=torch.float32, device=device),
        w_t=torch.tensor([r[3] for r in rows], dtype=torch.float32, device=device),
    )


def dmrs_c_init(symbols_per_slot: int, slot_in_frame: int, l: int, n_id: int, n_scid: int,
                lambda_bar: int = 0) -> int:
    """c_init of the DM-RS Gold sequence of OFDM symbol l, TS 38.211 §6.4.1.1.1.1 (PUSCH,
    transform precoding disabled) = §7.4.1.1.1 (PDSCH)::

        c_init = (2^17 (N_symb^slot n_s,f + l + 1)(2 N_ID + 1) + 2^17 floor(lambda-bar / 2)
                  + 2 N_ID + n_SCID-bar) mod 2^31

    with N_ID = N_ID^{n_SCID-bar} and n_SCID-bar, lambda-bar as the channel's clause picks them.

    >>> dmrs_c_init(14, 0, 2, 1, 0)       # 2^17 * 3 * 3 + 2
    1179650
    """
    return ((1 << 17) * (symbols_per_slot * slot_in_frame + l + 1) * (2 * n_id + 1)
            + (1 << 17) * (lambda_bar // 2) + 2 * n_id + n_scid) % (1 << 31)


@functools.cache
def _beta_table() -> dict[int, float]:
    return {int(r["num_cdm_groups_without_data"]): float(r["beta_dmrs_db"])
            for r in read_csv("dmrs_epre.csv")}


def dmrs_beta_db(num_cdm_groups_without_data: int) -> float:
    """beta_DMRS [dB], the ratio of PUSCH / PDSCH EPRE to DM-RS EPRE (TS 38.214 Table 6.2.2-1
    = Table 4.1-1): 0, -3, -4.77 dB for 1, 2, 3 CDM groups without data.

    >>> dmrs_beta_db(2)
    -3.0
    """
    n = check_int("num_cdm_groups_without_data", num_cdm_groups_without_data, 1, 3)
    return _beta_table()[n]


@functools.cache
def _position_table(channel: str, max_length: int
                    ) -> dict[tuple[str, int], tuple[tuple[str, ...] | None, ...]]:
    """(mapping type, l_d) -> per additional position, the l_bar tokens (``"l0"``, ``"l1"``
    or an integer) or None for '-'."""
    name = "single" if max_length == 1 else "double"
    rows = read_csv(f"{channel}_dmrs_positions_{name}.csv")
    cols = [c for c in rows[0] if c.startswith("pos")]
    return {(r["mapping_type"], int(r["duration"])):
            tuple(None if r[c] == "-" else tuple(r[c].split()) for c in cols) for r in rows}


def dmrs_positions(channel: str, mapping_type: str, symbol_allocation: tuple[int, int],
                   type_a_position: int, additional_position: int,
                   max_length: int) -> list[tuple[int, int]]:
    """(l, l') of every DM-RS symbol of a shared channel, l within the slot, sorted
    (TS 38.211 §6.4.1.1.3 for ``channel = "pusch"``, §7.4.1.1.2 for ``"pdsch"``).

    l = l_bar + l' with l_bar from the channel's single-symbol (l' = 0) or double-symbol
    (l' = 0, 1) table:

    * mapping type A: l_0 = ``type_a_position``, l_bar counted from the slot start, the
      duration l_d runs from symbol 0 to the last allocated symbol (S + L);
    * mapping type B: l_0 = 0, l_bar counted from the first allocated symbol S, l_d = L.

    Raises ``ValueError`` where the table has no entry ('-'), where a DM-RS symbol falls
    outside the allocation, for pos3 with ``type_a_position = 3``, and (PDSCH) for l_d = 3, 4
    with ``type_a_position = 3`` (§7.4.1.1.2).

    >>> dmrs_positions("pdsch", "A", (0, 14), 2, 1, 1)
    [(2, 0), (11, 0)]
    >>> dmrs_positions("pdsch", "B", (5, 7), 2, 1, 1)
    [(5, 0), (9, 0)]
    """
    clause, single, double = DMRS_CHANNELS[check_choice("channel", channel, tuple(DMRS_CHANNELS))]
    s, length = symbol_allocation
    if mapping_type == "A":
        l0, l_d, ref = type_a_position, s + length, 0
        if additional_position == 3 and type_a_position != 2:
            raise ValueError(f"dmrs.additional_position = 3 with mapping_type 'A' needs "
                             f"dmrs.type_a_position = 2 (TS 38.211 §{clause})")
        if channel == "pdsch" and l_d in (3, 4) and type_a_position != 2:
            raise ValueError(f"l_d = {l_d} symbols (symbol_allocation = {symbol_allocation}) "
                             f"with mapping_type 'A' needs dmrs.type_a_position = 2 "
                             f"(TS 38.211 §{clause})")
    else:
        l0, l_d, ref = 0, length, s
    table = single if max_length == 1 else double
    row = _position_table(channel, max_length).get((mapping_type, l_d))
    entry = row[additional_position] if row is not None and additional_position < len(row) \
        else None
    if entry is None:
        raise ValueError(
            f"no DM-RS position is defined for mapping_type {mapping_type!r} with duration "
            f"l_d = {l_d} symbols and dmrs.max_length = {max_length} (TS 38.211 Table "
            f"{table}); symbol_allocation = {symbol_allocation}")
    l_bar = [l0 if t == "l0" else _L1 if t == "l1" else int(t) for t in entry]
    out = [(ref + lb + lp, lp) for lb in l_bar for lp in range(max_length)]
    last = s + length - 1
    if any(not s <= l <= last for l, _ in out):
        raise ValueError(
            f"DM-RS symbols {[l for l, _ in out]} fall outside the allocation {s}..{last} "
            f"(symbol_allocation = {symbol_allocation}, dmrs.type_a_position = "
            f"{type_a_position}, dmrs.max_length = {max_length}; TS 38.211 §{clause}: "
            f"l_d = 4 with double-symbol DM-RS needs type_a_position = 2)")
    return sorted(out)


class DMRSConfigBase(ValidatedModel):
    """The DM-RS configuration fields PUSCH and PDSCH share (TS 38.211 §6.4.1.1, §7.4.1.1;
    MATLAB ``nrPUSCHDMRSConfig`` / ``nrPDSCHDMRSConfig``), validated when set.

    Parameters
    ----------
    dmrs_type : configuration type 1 or 2 (*dmrs-Type*; ``DMRSConfigurationType``).
    type_a_position : l_0 for mapping type A, 2 or 3 (*dmrs-TypeA-Position*).
    additional_position : 0..3 (*dmrs-AdditionalPosition* pos0..pos3; 0..1 for double symbol).
    max_length : 1 (single-symbol) or 2 (double-symbol) DM-RS, the length actually used
        (MATLAB ``DMRSLength``).
    dmrs_ports : DM-RS ports of the layers (None: 0..n_layers-1); 0..3 (type 1) or 0..5
        (type 2) single-symbol, 0..7 / 0..11 double-symbol (PDSCH: antenna port 1000 + p).
    n_id_n_scid : (N_ID^0, N_ID^1), 0..65535 each (*scramblingID0/1*); an int sets both;
        None: N_ID^cell.
    n_scid : n_SCID, 0 or 1.
    num_cdm_groups_without_data : 1..3 (3 with type 2 only); the CDM groups {0, .., n-1}
        whose REs carry no data on DM-RS symbols.

    >>> DMRSConfigBase(num_cdm_groups_without_data=1).beta_dmrs
    1.0
    """

    #: most DM-RS ports (layers) of one transmission
    max_ports: ClassVar[int] = 8

    dmrs_type: int = 1
    type_a_position: int = 2
    additional_position: int = 0
    max_length: int = 1
    dmrs_ports: tuple[int, ...] | None = None
    n_id_n_scid: tuple[int, int] | None = None
    n_scid: int = 0
    num_cdm_groups_without_data: int = 2

    @field_validator("dmrs_type", mode="before")
    @classmethod
    def _dmrs_type(cls, v: Any) -> int:
        return check_choice("dmrs_type", check_int("dmrs_type", v), (1, 2))

    @field_validator("type_a_position", mode="before")
    @classmethod
    def _type_a_position(cls, v: Any) -> int:
        return check_choice("type_a_position", check_int("type_a_position", v), (2, 3))

    @field_validator("additional_position", mode="before")
    @classmethod
    def _additional_position(cls, v: Any) -> int:
        return check_int("additional_position", v, 0, 3)

    @field_validator("max_length", mode="before")
    @classmethod
    def _max_length(cls, v: Any) -> int:
        return check_choice("max_length", check_int("max_length", v), (1, 2))

    @field_validator("dmrs_ports", mode="before")
    @classmethod
    def _dmrs_ports(cls, v: Any) -> tuple[int, ...] | None:
        if v is None:
            return None
        ports = check_int_list("dmrs_ports", v, 0, 11)
        if not 1 <= len(ports) <= cls.max_ports:
            raise ValueError(f"dmrs_ports = {list(ports)} must list 1..{cls.max_ports} ports "
                             "(one per layer)")
        return ports

    @field_validator("n_id_n_scid", mode="before")
    @classmethod
    def _n_id_n_scid(cls, v: Any) -> tuple[int, int] | None:
        if v is None:
            return None
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            v = (v, v)
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"n_id_n_scid must be None, an int or a pair (N_ID^0, N_ID^1), "
                            f"got {type(v).__name__}")
        items = tuple(v)
        if len(items) != 2:
            raise ValueError(f"n_id_n_scid = {items} must be a pair (N_ID^0, N_ID^1)")
        return tuple(check_int(f"n_id_n_scid[{i}]", x, 0, 65535) for i, x in enumerate(items))

    @field_validator("n_scid", mode="before")
    @classmethod
    def _n_scid(cls, v: Any) -> int:
        return check_int("n_scid", v, 0, 1)

    @field_validator("num_cdm_groups_without_data", mode="before")
    @classmethod
    def _ncdm(cls, v: Any) -> int:
        return check_int("num_cdm_groups_without_data", v, 1, 3)

    @model_validator(mode="after")
    def _shared_rules(self) -> DMRSConfigBase:
        if self.num_cdm_groups_without_data == 3 and self.dmrs_type != 2:
            raise ValueError("num_cdm_groups_without_data = 3 requires dmrs_type = 2 "
                             "(type 1 has CDM groups 0 and 1 only)")
        if self.max_length == 2 and self.additional_position > 1:
            raise ValueError(f"additional_position = {self.additional_position} is not allowed "
                             "with max_length = 2; allowed: 0, 1 (TS 38.211 Tables "
                             "6.4.1.1.3-4, 7.4.1.1.2-4)")
        if self.dmrs_ports is not None:
            n_ports = (4 if self.dmrs_type == 1 else 6) * self.max_length
            bad = [p for p in self.dmrs_ports if p >= n_ports]
            if bad:
                raise ValueError(f"dmrs_ports = {list(self.dmrs_ports)} contains {bad[0]}; "
                                 f"allowed with dmrs_type = {self.dmrs_type} and max_length = "
                                 f"{self.max_length}: 0..{n_ports - 1}")
        return self

    @property
    def beta_dmrs_db(self) -> float:
        """beta_DMRS [dB], the ratio of data EPRE to DM-RS EPRE (TS 38.214 Table 6.2.2-1 /
        Table 4.1-1): 0, -3, -4.77 dB for 1, 2, 3 CDM groups without data."""
        return dmrs_beta_db(self.num_cdm_groups_without_data)

    @property
    def beta_dmrs(self) -> float:
        """DM-RS amplitude scaling 10^(-beta_DMRS/20) (TS 38.214 §6.2.2 / §4.1, TS 38.211
        §6.4.1.1.3 / §7.4.1.1.2): the DM-RS amplitude relative to unit-power data symbols
        (1.4125 at -3 dB: DM-RS EPRE 3 dB above the data EPRE)."""
        return 10.0 ** (-self.beta_dmrs_db / 20.0)
