"""The beamforming parts of the slot PDUs (SCF 222.10.02 §3.4.2.5 Table 3-43, §3.4.3.5
Table 3-53).

* :class:`TxPrecodingBeamforming` -- "Tx precoding and beamforming PDU": ``numPRGs``
  (uint16), ``prgSize`` (uint16), ``digBFInterfaces`` (uint8), then per PRG ``PMidx``
  (uint16) and one ``beamIdx`` (uint16) per digital beamforming interface. It ends the SSB,
  CSI-RS, PDCCH-DCI and PDSCH PDUs.
* :class:`RxBeamforming` -- "Rx beamforming PDU": the same without ``PMidx``; it ends the
  PRACH, PUSCH, PUCCH and SRS PDUs.

The default of both is the empty PDU (no PRGs, no interfaces: 5 bytes of zeros), which is
what a PHY without beamforming is given.

>>> from softran.fapi.layout import encode_struct
>>> encode_struct(TxPrecodingBeamforming()).hex()
'0000000000'
>>> bf = TxPrecodingBeamforming(prg_size=273, dig_bf_interfaces=1,
...                             prgs=(PrecodingPrg(pm_idx=0, beam_idx=(7,)),))
>>> encode_struct(bf).hex()
'010011010100000700'
"""

from __future__ import annotations

from dataclasses import dataclass

from softran.fapi.layout import Count, Int, ListOf, Struct

__all__ = ["PrecodingPrg", "RxBeamforming", "RxBeamformingPrg", "TxPrecodingBeamforming"]


def _check_beams(obj: TxPrecodingBeamforming | RxBeamforming) -> None:
    for i, prg in enumerate(obj.prgs):
        if len(prg.beam_idx) != obj.dig_bf_interfaces:
            raise ValueError(f"{type(obj).__name__}.prgs[{i}].beam_idx has "
                             f"{len(prg.beam_idx)} entries; digBFInterfaces = "
                             f"{obj.dig_bf_interfaces} requires that many")


@dataclass(frozen=True, kw_only=True)
class PrecodingPrg(Struct):
    """One PRG of Table 3-43: the precoding matrix index (0: no precoding) and one beam
    index per digital beamforming interface."""

    pm_idx: int = 0
    beam_idx: tuple[int, ...] = ()
    LAYOUT = (Int("pm_idx", 2), ListOf("beam_idx", Int(None, 2), "dig_bf_interfaces"))


@dataclass(frozen=True, kw_only=True)
class TxPrecodingBeamforming(Struct):
    """SCF 222.10.02 Table 3-43 Tx precoding and beamforming PDU."""

    prg_size: int = 0
    dig_bf_interfaces: int = 0
    prgs: tuple[PrecodingPrg, ...] = ()
    CLAUSE = "SCF 222.10.02 §3.4.2.5 Table 3-43"
    LAYOUT = (Count("num_prgs", 2, "prgs"), Int("prg_size", 2), Int("dig_bf_interfaces", 1),
              ListOf("prgs", PrecodingPrg, "num_prgs"))

    def check(self) -> None:
        _check_beams(self)


@dataclass(frozen=True, kw_only=True)
class RxBeamformingPrg(Struct):
    """One PRG of Table 3-53: one beam index per digital beamforming interface."""

    beam_idx: tuple[int, ...] = ()
    LAYOUT = (ListOf("beam_idx", Int(None, 2), "dig_bf_interfaces"),)


@dataclass(frozen=True, kw_only=True)
class RxBeamforming(Struct):
    """SCF 222.10.02 Table 3-53 Rx beamforming PDU.

    >>> from softran.fapi.layout import encode_struct
    >>> encode_struct(RxBeamforming(prg_size=4, dig_bf_interfaces=2,
    ...               prgs=(RxBeamformingPrg(beam_idx=(1, 2)),))).hex()
    '010004000201000200'
    """

    prg_size: int = 0
    dig_bf_interfaces: int = 0
    prgs: tuple[RxBeamformingPrg, ...] = ()
    CLAUSE = "SCF 222.10.02 §3.4.3.5 Table 3-53"
    LAYOUT = (Count("num_prgs", 2, "prgs"), Int("prg_size", 2), Int("dig_bf_interfaces", 1),
              ListOf("prgs", RxBeamformingPrg, "num_prgs"))

    def check(self) -> None:
        _check_beams(self)
