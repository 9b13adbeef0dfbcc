"""The MIB and its BCCH-BCH-Message bits (TS 38.331 §6.2.2 ``MIB``, §6.2.1 ``BCCH-BCH-Message``).

The 24 bits a_0 .. a_23 that the BCH carries (TS 38.212 §7.1.1, A = 24) are the ASN.1
unaligned-PER encoding of::

    BCCH-BCH-Message ::= SEQUENCE { message BCCH-BCH-MessageType }
    BCCH-BCH-MessageType ::= CHOICE { mib MIB, messageClassExtension SEQUENCE {} }
    MIB ::= SEQUENCE {
        systemFrameNumber      BIT STRING (SIZE (6)),
        subCarrierSpacingCommon ENUMERATED {scs15or60, scs30or120},
        ssb-SubcarrierOffset   INTEGER (0..15),
        dmrs-TypeA-Position    ENUMERATED {pos2, pos3},
        pdcch-ConfigSIB1       PDCCH-ConfigSIB1,   -- controlResourceSetZero INTEGER (0..15),
                                                   -- searchSpaceZero INTEGER (0..15)
        cellBarred             ENUMERATED {barred, notBarred},
        intraFreqReselection   ENUMERATED {allowed, notAllowed},
        spare                  BIT STRING (SIZE (1)) }

UPER writes each field most significant bit first, an ENUMERATED of two values as one bit
(its index), the CHOICE index as one bit (0 = ``mib``); the MIB has no extension marker.
Bit positions:

=====  =========================================================================
bits   field
=====  =========================================================================
0      message CHOICE: 0 = mib
1-6    systemFrameNumber: the 6 MSBs of the 10-bit SFN (SFN bit 9 first)
7      subCarrierSpacingCommon: 0 = 15 kHz (FR1) / 60 kHz (FR2), 1 = 30 / 120 kHz
8-11   ssb-SubcarrierOffset: the 4 LSBs of k_SSB (TS 38.213 §4.1)
12     dmrs-TypeA-Position: 0 = pos2, 1 = pos3
13-16  controlResourceSetZero (the 4 MSBs of pdcch-ConfigSIB1)
17-20  searchSpaceZero (the 4 LSBs of pdcch-ConfigSIB1)
21     cellBarred: 0 = barred, 1 = notBarred
22     intraFreqReselection: 0 = allowed, 1 = notAllowed
23     spare
=====  =========================================================================

The 4 LSBs of the SFN travel in the PBCH payload (TS 38.212 §7.1.1), not in the MIB.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.validation import check_bits, check_bool, check_choice, check_int, check_name

__all__ = ["MIB", "MIB_LENGTH"]

#: A, the number of bits of the BCCH-BCH-Message (TS 38.212 §7.1.1).
MIB_LENGTH: int = 24

#: subCarrierSpacingCommon values (kHz) per frequency range: index = the ENUMERATED bit.
_SCS_COMMON: dict[str, tuple[int, int]] = {"FR1": (15, 30), "FR2": (60, 120)}

DeviceLike = torch.device | str | None


def _field_bits(value: int, width: int) -> list[int]:
    """``value`` as ``width`` bits, most significant first (UPER)."""
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]


def _field_value(bits: list[int]) -> int:
    out = 0
    for b in bits:
        out = 2 * out + b
    return out


@dataclass(frozen=True)
class MIB:
    """Master information block of TS 38.331 §6.2.2 (the BCCH-BCH-Message payload).

    Parameters
    ----------
    system_frame_number : SFN, 0..1023 (the MIB carries its 6 MSBs; the 4 LSBs go in the
        PBCH payload, TS 38.212 §7.1.1).
    sub_carrier_spacing_common : subCarrierSpacingCommon in kHz: 15 or 30 (FR1),
        60 or 120 (FR2).
    ssb_subcarrier_offset : ssb-SubcarrierOffset, the 4 LSBs of k_SSB, 0..15.
    dmrs_type_a_position : dmrs-TypeA-Position, 2 or 3.
    pdcch_config_sib1 : pdcch-ConfigSIB1 as one byte, 0..255:
        16 * controlResourceSetZero + searchSpaceZero.
    cell_barred : True for cellBarred = barred (bit 0), False for notBarred (bit 1).
    intra_freq_reselection : True for intraFreqReselection = allowed (bit 0), False for
        notAllowed (bit 1).
    spare : the spare bit, 0 or 1.

    >>> m = MIB(system_frame_number=718, sub_carrier_spacing_common=30,
    ...         ssb_subcarrier_offset=10, dmrs_type_a_position=3, pdcch_config_sib1=105)
    >>> "".join(str(b) for b in m.pack().tolist())
    '010110011010101101001100'
    >>> MIB.unpack(m.pack(), sfn_lsbs=718 % 16) == m
    True
    """

    system_frame_number: int = 0
    sub_carrier_spacing_common: int = 15
    ssb_subcarrier_offset: int = 0
    dmrs_type_a_position: int = 2
    pdcch_config_sib1: int = 0
    cell_barred: bool = False
    intra_freq_reselection: bool = True
    spare: int = 0

    def __post_init__(self) -> None:
        check_int("system_frame_number", self.system_frame_number, 0, 1023)
        scs = check_int("sub_carrier_spacing_common", self.sub_carrier_spacing_common)
        check_choice("sub_carrier_spacing_common", scs, (15, 30, 60, 120))
        check_int("ssb_subcarrier_offset", self.ssb_subcarrier_offset, 0, 15)
        dmrs = check_int("dmrs_type_a_position", self.dmrs_type_a_position)
        check_choice("dmrs_type_a_position", dmrs, (2, 3))
        check_int("pdcch_config_sib1", self.pdcch_config_sib1, 0, 255)
        check_bool("cell_barred", self.cell_barred)
        check_bool("intra_freq_reselection", self.intra_freq_reselection)
        check_int("spare", self.spare, 0, 1)

    @property
    def control_resource_set_zero(self) -> int:
        """controlResourceSetZero, the 4 MSBs of pdcch-ConfigSIB1 (TS 38.213 §13)."""
        return self.pdcch_config_sib1 >> 4

    @property
    def search_space_zero(self) -> int:
        """searchSpaceZero, the 4 LSBs of pdcch-ConfigSIB1 (TS 38.213 §13)."""
        return self.pdcch_config_sib1 & 15

    @property
    def frequency_range(self) -> str:
        """``"FR1"`` (subCarrierSpacingCommon 15/30 kHz) or ``"FR2"`` (60/120 kHz)."""
        return "FR1" if self.sub_carrier_spacing_common in _SCS_COMMON["FR1"] else "FR2"

    def pack(self, *, device: DeviceLike = None) -> torch.Tensor:
        """The 24 bits a_0 .. a_23 of the BCCH-BCH-Message (TS 38.331 §6.2.1, UPER).

        Returns
        -------
        uint8 tensor ``[24]`` of 0/1, bit layout as in the module docstring.

        >>> MIB(system_frame_number=1023, cell_barred=True).pack().tolist()[:8]
        [0, 1, 1, 1, 1, 1, 1, 0]
        """
        scs_bit = _SCS_COMMON[self.frequency_range].index(self.sub_carrier_spacing_common)
        bits = ([0]                                                   # CHOICE: mib
                + _field_bits(self.system_frame_number >> 4, 6)
                + [scs_bit]
                + _field_bits(self.ssb_subcarrier_offset, 4)
                + [self.dmrs_type_a_position - 2]
                + _field_bits(self.pdcch_config_sib1, 8)
                + [0 if self.cell_barred else 1]
                + [0 if self.intra_freq_reselection else 1]
                + [self.spare])
        return torch.tensor(bits, dtype=torch.uint8, device=device)

    @classmethod
    def unpack(cls, bits: torch.Tensor, *, sfn_lsbs: int = 0,
               frequency_range: str = "FR1") -> MIB:
        """Read a MIB from the 24 BCCH-BCH-Message bits (inverse of :meth:`pack`).

        Parameters
        ----------
        bits : ``[24]`` 0/1 tensor, a_0 .. a_23.
        sfn_lsbs : the 4 LSBs of the SFN (0..15), which the PBCH payload carries
            (e.g. from :func:`softran.nr.coding.bch.bch_decode`).
        frequency_range : ``"FR1"`` (subCarrierSpacingCommon 15 / 30 kHz) or ``"FR2"``
            (60 / 120 kHz): the bit alone does not tell.

        Returns
        -------
        :class:`MIB`.

        >>> bits = torch.zeros(24, dtype=torch.uint8)
        >>> bits[7] = 1                                   # scs30or120
        >>> MIB.unpack(bits, sfn_lsbs=5, frequency_range="FR2").sub_carrier_spacing_common
        120
        """
        bits = check_bits("bits", bits, min_dim=1)
        if tuple(bits.shape) != (MIB_LENGTH,):
            raise ValueError(f"bits must have shape ({MIB_LENGTH},), got {tuple(bits.shape)}")
        sfn_lsbs = check_int("sfn_lsbs", sfn_lsbs, 0, 15)
        frequency_range = check_name("frequency_range", frequency_range, tuple(_SCS_COMMON))
        b = [int(x) for x in bits.tolist()]
        if b[0] != 0:
            raise ValueError("bits[0] = 1 selects messageClassExtension of "
                             "BCCH-BCH-MessageType; only mib (0) carries a MIB")
        return cls(
            system_frame_number=(_field_value(b[1:7]) << 4) | sfn_lsbs,
            sub_carrier_spacing_common=_SCS_COMMON[frequency_range][b[7]],
            ssb_subcarrier_offset=_field_value(b[8:12]),
            dmrs_type_a_position=2 + b[12],
            pdcch_config_sib1=_field_value(b[13:21]),
            cell_barred=b[21] == 0,
            intra_freq_reselection=b[22] == 0,
            spare=b[23],
        )
