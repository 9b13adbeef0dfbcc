"""Slot indications of SCF 222.10.02 §3.4: SLOT (§3.4.1), RX_DATA (§3.4.7), CRC (§3.4.8),
UCI (§3.4.9), SRS (§3.4.10) and RACH (§3.4.11).

Layouts (little-endian, packed; every body starts with ``SFN`` u16, ``Slot`` u16):

* SLOT.indication (Table 3-34): nothing more.
* RX_DATA.indication (Table 3-61): ``NumPDUs`` u16; per PDU ``Handle`` u32, ``RNTI`` u16,
  ``HarqID`` u8, ``PDU_Length`` u16 (OpenAirInterface's 10.02 reading; Aerial packs u32, as 10.04
  does; a transport block above 65535 bytes is refused), ``UL_CQI`` u8, ``TimingAdvance`` u16, ``RSSI`` u16,
  the PDU bytes.
* CRC.indication (Table 3-62): ``NumCRCs`` u16; per CRC ``Handle`` u32, ``RNTI`` u16,
  ``HarqID``, ``TbCrcStatus`` u8 (0 pass, 1 fail), ``NumCb`` u16,
  ``CbCrcStatus`` u8[ceil(NumCb/8)], ``UL_CQI`` u8, ``TimingAdvance`` u16, ``RSSI`` u16.
* UCI.indication (Table 3-63): ``NumUcis`` u16, PDUs (``PDUType`` u16 -- 0 PUSCH, 1 PUCCH
  format 0/1, 2 PUCCH format 2/3/4 --, ``PDUSize`` u16, PDU):

  - UCI PUSCH PDU (Table 3-64): ``pduBitmap`` u8 (bit 1 HARQ, 2 CSI part 1, 3 CSI part 2),
    ``Handle`` u32, ``RNTI`` u16, ``UL_CQI`` u8, ``TimingAdvance``, ``RSSI`` u16, then the
    HARQ (Table 3-70), CSI part 1 (3-71) and CSI part 2 (3-72) parts present;
  - UCI PUCCH format 0/1 PDU (Table 3-65): ``pduBitmap`` u8 (bit 0 SR, bit 1 HARQ),
    ``Handle``, ``RNTI``, ``PucchFormat`` u8 (0, 1), ``UL_CQI``, ``TimingAdvance``, ``RSSI``,
    SR (Table 3-67: ``SRindication``, ``SRconfidenceLevel`` u8), HARQ (Table 3-68:
    ``NumHarq``, ``HarqconfidenceLevel`` u8, ``HarqValue`` u8[NumHarq]: 0 NACK, 1 ACK, 2 DTX);
  - UCI PUCCH format 2/3/4 PDU (Table 3-66): ``pduBitmap`` u8 (bit 0 SR, 1 HARQ, 2 CSI
    part 1, 3 CSI part 2), ``Handle``, ``RNTI``, ``PucchFormat`` u8 (0: F2, 1: F3, 2: F4),
    ``UL_CQI``, ``TimingAdvance``, ``RSSI``, SR (Table 3-69: ``SrBitLen`` u16, payload), HARQ
    (Table 3-70: ``HarqCrc`` u8, ``HarqBitLen`` u16, payload), CSI part 1 / 2 (Tables 3-71,
    3-72: ``CrcStatus`` u8, ``BitLen`` u16, payload); payloads ``ceil(bits/8)`` bytes.
* SRS.indication (Table 3-73): ``Number of PDUs`` u8; per PDU ``Handle`` u32, ``RNTI``,
  ``TimingAdvance`` u16, ``NumSymbols``, ``WideBandSNR``, ``NumReportedSymbols`` u8, per
  reported symbol ``NumRBs`` u16 and ``RBSNR`` u8[NumRBs].
* RACH.indication (Table 3-74): ``NumPDUs`` u8; per PDU ``PhysCellID`` u16, ``SymbolIndex``,
  ``SlotIndex``, ``FreqIndex``, ``avgRssi``, ``avgSnr``, ``NumPreambles`` u8, per preamble
  ``preambleIndex`` u8, ``TimingAdvance`` u16, ``PreamblePwr`` u32.

Measurement encodings of SCF 222.10.02: ``ul_cqi`` = SNR in 0.5 dB steps from -64 dB
(0..255), ``rssi`` 0..1280 in 0.1 dB steps, SRS ``wide_band_snr`` / ``rb_snr`` likewise.

>>> from softran.fapi.layout import encode_struct
>>> encode_struct(SlotIndication(sfn=1023, slot=19)).hex()
'ff031300'
"""

from __future__ import annotations

from dataclasses import dataclass

from softran.fapi.dl_tti import SLOT_LAYOUT
from softran.fapi.layout import (
    Bitmap,
    Blob,
    Count,
    Int,
    ListOf,
    Message,
    Opt,
    PduList,
    Struct,
)
from softran.fapi.tables import PDU_TYPES, MessageType

__all__ = [
    "CrcIndication",
    "CrcPdu",
    "RachIndication",
    "RachPdu",
    "RachPreamble",
    "RxDataIndication",
    "RxDataPdu",
    "SlotIndication",
    "SrsIndication",
    "SrsIndicationPdu",
    "SrsSymbolReport",
    "UciCsiPart",
    "UciHarqF01",
    "UciHarqF234",
    "UciIndication",
    "UciPucchF01",
    "UciPucchF234",
    "UciPusch",
    "UciSrF01",
    "UciSrF234",
]

_MEAS = (Int("ul_cqi", 1), Int("timing_advance", 2), Int("rssi", 2))


def _bits(name: str) -> object:
    return lambda m: (m[name] + 7) // 8


@dataclass(frozen=True, kw_only=True)
class SlotIndication(Message):
    """SLOT.indication (SCF 222.10.02 §3.4.1, Table 3-34): the PHY's slot tick."""

    sfn: int
    slot: int
    MESSAGE_TYPE = MessageType.SLOT_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.1 Table 3-34"
    LAYOUT = SLOT_LAYOUT


@dataclass(frozen=True, kw_only=True)
class RxDataPdu(Struct):
    """One decoded UL transport block (Table 3-61)."""

    handle: int = 0
    rnti: int
    harq_id: int = 0
    ul_cqi: int = 0
    timing_advance: int = 0
    rssi: int = 0
    pdu: bytes = b""
    LAYOUT = (Int("handle", 4), Int("rnti", 2), Int("harq_id", 1, high=15),
              Count("pdu_length", 2, "pdu"), *_MEAS, Blob("pdu", "pdu_length"))


@dataclass(frozen=True, kw_only=True)
class RxDataIndication(Message):
    """RX_DATA.indication (SCF 222.10.02 §3.4.7, Table 3-61)."""

    sfn: int
    slot: int
    pdus: tuple[RxDataPdu, ...] = ()
    MESSAGE_TYPE = MessageType.RX_DATA_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.7 Table 3-61"
    LAYOUT = (*SLOT_LAYOUT, Count("num_pdus", 2, "pdus"), ListOf("pdus", RxDataPdu, "num_pdus"))


@dataclass(frozen=True, kw_only=True)
class CrcPdu(Struct):
    """One CRC result (Table 3-62): ``tb_crc_status`` 0 pass, 1 fail."""

    handle: int = 0
    rnti: int
    harq_id: int = 0
    tb_crc_status: int
    num_cb: int = 0
    cb_crc_status: bytes = b""
    ul_cqi: int = 0
    timing_advance: int = 0
    rssi: int = 0
    LAYOUT = (Int("handle", 4), Int("rnti", 2), Int("harq_id", 1, high=15),
              Int("tb_crc_status", 1, high=1), Int("num_cb", 2),
              Blob("cb_crc_status", _bits("num_cb")), *_MEAS)


@dataclass(frozen=True, kw_only=True)
class CrcIndication(Message):
    """CRC.indication (SCF 222.10.02 §3.4.8, Table 3-62)."""

    sfn: int
    slot: int
    crcs: tuple[CrcPdu, ...] = ()
    MESSAGE_TYPE = MessageType.CRC_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.8 Table 3-62"
    LAYOUT = (*SLOT_LAYOUT, Count("num_crcs", 2, "crcs"), ListOf("crcs", CrcPdu, "num_crcs"))


@dataclass(frozen=True, kw_only=True)
class UciSrF01(Struct):
    """SR of PUCCH format 0/1 (Table 3-67): detected (1) or not (0), confidence 0 good, 1 bad."""

    sr_indication: int = 0
    sr_confidence_level: int = 0
    LAYOUT = (Int("sr_indication", 1, high=1), Int("sr_confidence_level", 1))


@dataclass(frozen=True, kw_only=True)
class UciHarqF01(Struct):
    """HARQ-ACK of PUCCH format 0/1 (Table 3-68): 1 or 2 values, 0 NACK, 1 ACK, 2 DTX."""

    harq_confidence_level: int = 0
    harq_values: tuple[int, ...] = ()
    LAYOUT = (Count("num_harq", 1, "harq_values"), Int("harq_confidence_level", 1),
              ListOf("harq_values", Int(None, 1, high=2), "num_harq"))


@dataclass(frozen=True, kw_only=True)
class UciSrF234(Struct):
    """SR of PUCCH format 2/3/4 (Table 3-69): ``sr_bit_len`` bits in ``sr_payload``."""

    sr_bit_len: int = 0
    sr_payload: bytes = b""
    LAYOUT = (Int("sr_bit_len", 2), Blob("sr_payload", _bits("sr_bit_len")))


@dataclass(frozen=True, kw_only=True)
class UciHarqF234(Struct):
    """HARQ-ACK of PUCCH format 2/3/4 or PUSCH (Table 3-70): ``harq_crc`` 0 pass, 1 fail,
    2 not present; ``harq_bit_len`` bits in ``harq_payload``."""

    harq_crc: int = 0
    harq_bit_len: int = 0
    harq_payload: bytes = b""
    LAYOUT = (Int("harq_crc", 1, high=2), Int("harq_bit_len", 2),
              Blob("harq_payload", _bits("harq_bit_len")))


@dataclass(frozen=True, kw_only=True)
class UciCsiPart(Struct):
    """CSI part 1 or 2 (Tables 3-71, 3-72): CRC status (0 pass, 1 fail, 2 not present) and
    ``csi_bit_len`` bits in ``csi_payload``."""

    csi_crc: int = 0
    csi_bit_len: int = 0
    csi_payload: bytes = b""
    LAYOUT = (Int("csi_crc", 1, high=2), Int("csi_bit_len", 2),
              Blob("csi_payload", _bits("csi_bit_len")))


@dataclass(frozen=True, kw_only=True)
class UciPusch(Struct):
    """UCI on PUSCH (Table 3-64)."""

    handle: int = 0
    rnti: int
    ul_cqi: int = 0
    timing_advance: int = 0
    rssi: int = 0
    harq: UciHarqF234 | None = None
    csi_part1: UciCsiPart | None = None
    csi_part2: UciCsiPart | None = None
    CLAUSE = "SCF 222.10.02 §3.4.9.1 Table 3-64"
    LAYOUT = (Bitmap("pdu_bitmap", 1, {"harq": 1, "csi_part1": 2, "csi_part2": 3}),
              Int("handle", 4), Int("rnti", 2), *_MEAS,
              Opt("harq", UciHarqF234, "pdu_bitmap", 1),
              Opt("csi_part1", UciCsiPart, "pdu_bitmap", 2),
              Opt("csi_part2", UciCsiPart, "pdu_bitmap", 3))


@dataclass(frozen=True, kw_only=True)
class UciPucchF01(Struct):
    """UCI of PUCCH format 0 or 1 (Table 3-65)."""

    handle: int = 0
    rnti: int
    pucch_format: int = 0
    ul_cqi: int = 0
    timing_advance: int = 0
    rssi: int = 0
    sr: UciSrF01 | None = None
    harq: UciHarqF01 | None = None
    CLAUSE = "SCF 222.10.02 §3.4.9.2 Table 3-65"
    LAYOUT = (Bitmap("pdu_bitmap", 1, {"sr": 0, "harq": 1}), Int("handle", 4),
              Int("rnti", 2), Int("pucch_format", 1, high=1), *_MEAS,
              Opt("sr", UciSrF01, "pdu_bitmap", 0), Opt("harq", UciHarqF01, "pdu_bitmap", 1))


@dataclass(frozen=True, kw_only=True)
class UciPucchF234(Struct):
    """UCI of PUCCH format 2, 3 or 4 (Table 3-66); ``pucch_format`` 0: F2, 1: F3, 2: F4."""

    handle: int = 0
    rnti: int
    pucch_format: int = 0
    ul_cqi: int = 0
    timing_advance: int = 0
    rssi: int = 0
    sr: UciSrF234 | None = None
    harq: UciHarqF234 | None = None
    csi_part1: UciCsiPart | None = None
    csi_part2: UciCsiPart | None = None
    CLAUSE = "SCF 222.10.02 §3.4.9.3 Table 3-66"
    LAYOUT = (Bitmap("pdu_bitmap", 1, {"sr": 0, "harq": 1, "csi_part1": 2, "csi_part2": 3}),
              Int("handle", 4), Int("rnti", 2), Int("pucch_format", 1, high=2), *_MEAS,
              Opt("sr", UciSrF234, "pdu_bitmap", 0),
              Opt("harq", UciHarqF234, "pdu_bitmap", 1),
              Opt("csi_part1", UciCsiPart, "pdu_bitmap", 2),
              Opt("csi_part2", UciCsiPart, "pdu_bitmap", 3))


_UCI = PDU_TYPES["UCI.indication"]


@dataclass(frozen=True, kw_only=True)
class UciIndication(Message):
    """UCI.indication (SCF 222.10.02 §3.4.9, Table 3-63)."""

    sfn: int
    slot: int
    ucis: tuple[UciPusch | UciPucchF01 | UciPucchF234, ...] = ()
    MESSAGE_TYPE = MessageType.UCI_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.9 Table 3-63"
    LAYOUT = (*SLOT_LAYOUT, Count("num_ucis", 2, "ucis"),
              PduList("ucis", {_UCI["PUSCH"]: UciPusch, _UCI["PUCCH format 0/1"]: UciPucchF01,
                               _UCI["PUCCH format 2/3/4"]: UciPucchF234}, "num_ucis"))


@dataclass(frozen=True, kw_only=True)
class SrsSymbolReport(Struct):
    """Per reported SRS symbol (Table 3-73): the SNR of each RB."""

    rb_snr: tuple[int, ...] = ()
    LAYOUT = (Count("num_rbs", 2, "rb_snr"), ListOf("rb_snr", Int(None, 1), "num_rbs"))


@dataclass(frozen=True, kw_only=True)
class SrsIndicationPdu(Struct):
    """One SRS report (Table 3-73)."""

    handle: int = 0
    rnti: int
    timing_advance: int = 0
    num_symbols: int = 1
    wide_band_snr: int = 0
    reported_symbols: tuple[SrsSymbolReport, ...] = ()
    LAYOUT = (Int("handle", 4), Int("rnti", 2), Int("timing_advance", 2),
              Int("num_symbols", 1), Int("wide_band_snr", 1),
              Count("num_reported_symbols", 1, "reported_symbols"),
              ListOf("reported_symbols", SrsSymbolReport, "num_reported_symbols"))


@dataclass(frozen=True, kw_only=True)
class SrsIndication(Message):
    """SRS.indication (SCF 222.10.02 §3.4.10, Table 3-73)."""

    sfn: int
    slot: int
    pdus: tuple[SrsIndicationPdu, ...] = ()
    MESSAGE_TYPE = MessageType.SRS_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.10 Table 3-73"
    LAYOUT = (*SLOT_LAYOUT, Count("num_pdus", 1, "pdus"),
              ListOf("pdus", SrsIndicationPdu, "num_pdus"))


@dataclass(frozen=True, kw_only=True)
class RachPreamble(Struct):
    """One detected preamble (Table 3-74): index 0..63, timing advance 0..3846, power."""

    preamble_index: int
    timing_advance: int = 0
    preamble_pwr: int = 0
    LAYOUT = (Int("preamble_index", 1, high=63), Int("timing_advance", 2),
              Int("preamble_pwr", 4))


@dataclass(frozen=True, kw_only=True)
class RachPdu(Struct):
    """The preambles of one PRACH occasion (Table 3-74)."""

    phys_cell_id: int
    symbol_index: int = 0
    slot_index: int = 0
    freq_index: int = 0
    avg_rssi: int = 0
    avg_snr: int = 0
    preambles: tuple[RachPreamble, ...] = ()
    LAYOUT = (Int("phys_cell_id", 2, high=1007), Int("symbol_index", 1), Int("slot_index", 1),
              Int("freq_index", 1), Int("avg_rssi", 1), Int("avg_snr", 1),
              Count("num_preambles", 1, "preambles"),
              ListOf("preambles", RachPreamble, "num_preambles"))


@dataclass(frozen=True, kw_only=True)
class RachIndication(Message):
    """RACH.indication (SCF 222.10.02 §3.4.11, Table 3-74)."""

    sfn: int
    slot: int
    pdus: tuple[RachPdu, ...] = ()
    MESSAGE_TYPE = MessageType.RACH_INDICATION
    CLAUSE = "SCF 222.10.02 §3.4.11 Table 3-74"
    LAYOUT = (*SLOT_LAYOUT, Count("num_pdus", 1, "pdus"), ListOf("pdus", RachPdu, "num_pdus"))
