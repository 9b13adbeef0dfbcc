"""Downlink slot messages of SCF 222.10.02 §3.4.2 (DL_TTI.request), §3.4.4 (UL_DCI.request)
and §3.4.6 (TX_DATA.request) with the PDCCH, PDSCH, CSI-RS and SSB PDUs.

Layouts (little-endian, packed; ``BWP`` is ``BWPSize`` uint16, ``BWPStart`` uint16,
``SubcarrierSpacing`` uint8, ``CyclicPrefix`` uint8):

* DL_TTI.request (Table 3-35): ``SFN`` u16, ``Slot`` u16, ``nPDUs`` u8, ``nGroup`` u8, the PDUs
  (``PDUType`` u16, ``PDUSize`` u16 counting these 4 bytes, PDU), then per UE group ``nUe``
  u8 and ``PduIdx[nUe]`` u8. PDUType 0 PDCCH, 1 PDSCH, 2 CSI-RS, 3 SSB.
* PDCCH PDU (Table 3-36): BWP, ``StartSymbolIndex`` u8, ``DurationSymbols`` u8,
  ``FreqDomainResource`` u8[6], ``CceRegMappingType``, ``RegBundleSize``, ``InterleaverSize``,
  ``CoreSetType`` u8, ``ShiftIndex`` u16, ``precoderGranularity`` u8, ``numDlDci`` u16, DCIs.
* DL DCI (Table 3-37): ``RNTI``, ``ScramblingId``, ``ScramblingRNTI`` u16, ``CceIndex``,
  ``AggregationLevel`` u8, Tx precoding and beamforming PDU (Table 3-43),
  ``beta_PDCCH_1_0``, ``powerControlOffsetSS`` u8, ``PayloadSizeBits`` u16, ``Payload``.
* PDSCH PDU (Table 3-38): ``pduBitmap`` u16 (bit 0 PTRS, bit 1 CBG retransmission control),
  ``RNTI``, ``pduIndex`` u16, BWP, ``nrOfCodewords`` u8, per codeword ``targetCodeRate`` u16,
  ``qamModOrder``, ``mcsIndex``, ``mcsTable``, ``rvIndex`` u8, ``TBSize`` u32; then
  ``dataScramblingId`` u16, ``nrOfLayers``, ``transmissionScheme``, ``refPoint`` u8,
  ``dlDmrsSymbPos`` u16, ``dmrsConfigType`` u8, ``dlDmrsScramblingId`` u16, ``SCID``,
  ``numDmrsCdmGrpsNoData`` u8, ``dmrsPorts`` u16, ``resourceAlloc`` u8, ``rbBitmap`` u8[36],
  ``rbStart``, ``rbSize`` u16, ``VRBtoPRBMapping``, ``StartSymbolIndex``, ``NrOfSymbols`` u8,
  [PTRS: ``PTRSPortIndex``, ``PTRSTimeDensity``, ``PTRSFreqDensity``, ``PTRSReOffset``,
  ``nEpreRatioOfPDSCHToPTRS`` u8], Tx precoding and beamforming PDU, ``powerControlOffset``,
  ``powerControlOffsetSS`` u8, [CBG: ``IsLastCbPresent``, ``isInlineTbCrc`` u8,
  ``dlTbCrc`` u32].
* CSI-RS PDU (Table 3-39): BWP, ``StartRB``, ``NrOfRBs`` u16, ``CSIType``, ``Row`` u8,
  ``FreqDomain`` u16, ``SymbL0``, ``SymbL1``, ``CDMType``, ``FreqDensity`` u8, ``ScrambId``
  u16, ``powerControlOffset``, ``powerControlOffsetSS`` u8, Tx precoding and beamforming PDU.
* SSB PDU (Table 3-40): ``PhysCellId`` u16, ``BetaPss``, ``SsbBlockIndex``,
  ``SsbSubcarrierOffset`` u8, ``ssbOffsetPointA`` u16, ``bchPayloadFlag`` u8, ``bchPayload``
  u32 (Table 3-41 MAC-generated MIB, or the 4 bytes of Table 3-42 when the PHY generates it),
  Tx precoding and beamforming PDU.
* UL_DCI.request (Table 3-54): ``SFN``, ``Slot`` u16, ``numPDUs`` u8, PDCCH PDUs (PDUType 0).
* TX_DATA.request (Table 3-58): ``SFN``, ``Slot``, ``numPDUs`` u16, per PDU ``PDU_Length``
  u32, ``PDUIndex`` u16, ``numTLV`` u32 and TLVs ``tag`` u16 (0: payload, 1: pointer,
  2: offset), ``length`` u16 (0..65535, as SCF 222.10.02; 10.04 widened it to u32), value
  padded to 4 bytes. A transport block longer than 65535 bytes travels in several tag-0
  TLVs (:meth:`TxDataPdu.of` splits it; :attr:`TxDataPdu.payload` joins them).

Choices where SCF 222 leaves room: the DCI ``Payload`` has ``ceil(PayloadSizeBits / 8)``
bytes; ``PDU_Length`` counts the PDU's fields and TLVs without padding; PDSCH CBG and PTRS
parts are supported, the 10.04 additions (FAPIv3 maintenance / extension TLVs) are not.

>>> req = DlTtiRequest(sfn=1, slot=2, pdus=(SsbPdu(phys_cell_id=1, bch_payload=0x123456),))
>>> from softran.fapi.layout import encode_struct
>>> encode_struct(req).hex()
'010002000100030015000100000000000001563412000000000000'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from softran.fapi.beamforming import TxPrecodingBeamforming
from softran.fapi.layout import (
    Bitmap,
    Blob,
    Count,
    Derived,
    Fixed,
    Int,
    ListOf,
    Message,
    Nested,
    Opt,
    Pad,
    PduList,
    Struct,
)
from softran.fapi.tables import PDU_TYPES, MessageType
from softran.validation import check_bytes

__all__ = [
    "BWP_LAYOUT",
    "SLOT_LAYOUT",
    "TX_DATA_TLV_CHUNK",
    "CsiRsPdu",
    "DlDci",
    "DlTtiRequest",
    "PdcchPdu",
    "PdschCbg",
    "PdschCodeword",
    "PdschPdu",
    "PdschPtrs",
    "SsbPdu",
    "TxDataPdu",
    "TxDataRequest",
    "TxDataTLV",
    "UeGroup",
    "UlDciRequest",
]

#: The slot of every P7 message: SFN (0..1023), slot (0..159).
SLOT_LAYOUT = (Int("sfn", 2, high=1023), Int("slot", 2, high=159))
#: BWP fields (TS 38.213 §12) of the PDUs: size, start, subcarrier spacing mu, cyclic prefix.
BWP_LAYOUT = (Int("bwp_size", 2), Int("bwp_start", 2), Int("subcarrier_spacing", 1, high=4),
              Int("cyclic_prefix", 1, high=1))


@dataclass(frozen=True, kw_only=True)
class DlDci(Struct):
    """One DCI of a PDCCH PDU (SCF 222.10.02 Table 3-37); ``payload`` holds
    ``ceil(payload_size_bits / 8)`` bytes, the first DCI bit in the MSB of byte 0."""

    rnti: int
    scrambling_id: int = 0
    scrambling_rnti: int = 0
    cce_index: int = 0
    aggregation_level: int = 1
    precoding: TxPrecodingBeamforming = field(default_factory=TxPrecodingBeamforming)
    beta_pdcch_1_0: int = 0
    power_control_offset_ss: int = 1
    payload_size_bits: int = 0
    payload: bytes = b""
    CLAUSE = "SCF 222.10.02 §3.4.2.1 Table 3-37"
    LAYOUT = (Int("rnti", 2), Int("scrambling_id", 2), Int("scrambling_rnti", 2),
              Int("cce_index", 1), Int("aggregation_level", 1),
              Nested("precoding", TxPrecodingBeamforming),
              Int("beta_pdcch_1_0", 1), Int("power_control_offset_ss", 1),
              Int("payload_size_bits", 2),
              Blob("payload", lambda m: (m["payload_size_bits"] + 7) // 8))


@dataclass(frozen=True, kw_only=True)
class PdcchPdu(Struct):
    """PDCCH PDU (SCF 222.10.02 §3.4.2.1 Table 3-36): a CORESET and its DCIs."""

    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    start_symbol_index: int = 0
    duration_symbols: int = 1
    freq_domain_resource: bytes = bytes(6)
    cce_reg_mapping_type: int = 0
    reg_bundle_size: int = 6
    interleaver_size: int = 0
    coreset_type: int = 0
    shift_index: int = 0
    precoder_granularity: int = 0
    dl_dcis: tuple[DlDci, ...] = ()
    CLAUSE = "SCF 222.10.02 §3.4.2.1 Table 3-36"
    LAYOUT = (*BWP_LAYOUT, Int("start_symbol_index", 1), Int("duration_symbols", 1),
              Fixed("freq_domain_resource", 6), Int("cce_reg_mapping_type", 1),
              Int("reg_bundle_size", 1), Int("interleaver_size", 1), Int("coreset_type", 1),
              Int("shift_index", 2), Int("precoder_granularity", 1),
              Count("num_dl_dci", 2, "dl_dcis"), ListOf("dl_dcis", DlDci, "num_dl_dci"))


@dataclass(frozen=True, kw_only=True)
class PdschCodeword(Struct):
    """One codeword of a PDSCH PDU (Table 3-38): target code rate (R x 1024 x 10), modulation
    order, MCS index and table, redundancy version, TB size in bytes."""

    target_code_rate: int
    qam_mod_order: int
    mcs_index: int = 0
    mcs_table: int = 0
    rv_index: int = 0
    tb_size: int
    LAYOUT = (Int("target_code_rate", 2), Int("qam_mod_order", 1), Int("mcs_index", 1),
              Int("mcs_table", 1), Int("rv_index", 1, high=3), Int("tb_size", 4))


@dataclass(frozen=True, kw_only=True)
class PdschPtrs(Struct):
    """Optional PT-RS part of a PDSCH PDU (Table 3-38, pduBitmap bit 0)."""

    ptrs_port_index: int = 0
    ptrs_time_density: int = 0
    ptrs_freq_density: int = 0
    ptrs_re_offset: int = 0
    n_epre_ratio_of_pdsch_to_ptrs: int = 0
    LAYOUT = (Int("ptrs_port_index", 1), Int("ptrs_time_density", 1),
              Int("ptrs_freq_density", 1), Int("ptrs_re_offset", 1),
              Int("n_epre_ratio_of_pdsch_to_ptrs", 1))


@dataclass(frozen=True, kw_only=True)
class PdschCbg(Struct):
    """Optional CBG retransmission control part of a PDSCH PDU (Table 3-38, bit 1)."""

    is_last_cb_present: int = 0
    is_inline_tb_crc: int = 0
    dl_tb_crc: int = 0
    LAYOUT = (Int("is_last_cb_present", 1), Int("is_inline_tb_crc", 1), Int("dl_tb_crc", 4))


@dataclass(frozen=True, kw_only=True)
class PdschPdu(Struct):
    """PDSCH PDU (SCF 222.10.02 §3.4.2.2 Table 3-38). ``ptrs`` / ``cbg`` are ``None`` when
    absent (their ``pduBitmap`` bits follow from that). The new-data indicator is not a field
    of the PDU: a new TB comes with a new TX_DATA.request payload.

    88 bytes with one codeword and an empty beamforming PDU (2 + 2 + 2 + 6 + 1 + 10 + 2 + 3
    + 2 + 1 + 2 + 1 + 1 + 2 + 1 + 36 + 4 + 3 + 5 + 2):

    >>> from softran.fapi.layout import encode_struct
    >>> cw = PdschCodeword(target_code_rate=1930, qam_mod_order=2, tb_size=1500)
    >>> len(encode_struct(PdschPdu(rnti=0x4601, bwp_size=51, codewords=(cw,), rb_size=51,
    ...                            nr_of_symbols=12)))
    88
    """

    rnti: int
    pdu_index: int = 0
    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    codewords: tuple[PdschCodeword, ...]
    data_scrambling_id: int = 0
    nr_of_layers: int = 1
    transmission_scheme: int = 0
    ref_point: int = 0
    dl_dmrs_symb_pos: int = 0
    dmrs_config_type: int = 0
    dl_dmrs_scrambling_id: int = 0
    scid: int = 0
    num_dmrs_cdm_grps_no_data: int = 1
    dmrs_ports: int = 1
    resource_alloc: int = 1
    rb_bitmap: bytes = bytes(36)
    rb_start: int = 0
    rb_size: int
    vrb_to_prb_mapping: int = 0
    start_symbol_index: int = 0
    nr_of_symbols: int
    ptrs: PdschPtrs | None = None
    precoding: TxPrecodingBeamforming = field(default_factory=TxPrecodingBeamforming)
    power_control_offset: int = 8
    power_control_offset_ss: int = 1
    cbg: PdschCbg | None = None
    CLAUSE = "SCF 222.10.02 §3.4.2.2 Table 3-38"
    LAYOUT = (Bitmap("pdu_bitmap", 2, {"ptrs": 0, "cbg": 1}),
              Int("rnti", 2), Int("pdu_index", 2), *BWP_LAYOUT,
              Count("nr_of_codewords", 1, "codewords"),
              ListOf("codewords", PdschCodeword, "nr_of_codewords"),
              Int("data_scrambling_id", 2), Int("nr_of_layers", 1),
              Int("transmission_scheme", 1), Int("ref_point", 1), Int("dl_dmrs_symb_pos", 2),
              Int("dmrs_config_type", 1), Int("dl_dmrs_scrambling_id", 2), Int("scid", 1),
              Int("num_dmrs_cdm_grps_no_data", 1), Int("dmrs_ports", 2),
              Int("resource_alloc", 1), Fixed("rb_bitmap", 36), Int("rb_start", 2),
              Int("rb_size", 2), Int("vrb_to_prb_mapping", 1), Int("start_symbol_index", 1),
              Int("nr_of_symbols", 1), Opt("ptrs", PdschPtrs, "pdu_bitmap", 0),
              Nested("precoding", TxPrecodingBeamforming), Int("power_control_offset", 1),
              Int("power_control_offset_ss", 1), Opt("cbg", PdschCbg, "pdu_bitmap", 1))

    def check(self) -> None:
        if not 1 <= len(self.codewords) <= 2:
            raise ValueError(f"PdschPdu.codewords has {len(self.codewords)} entries; "
                             "allowed: 1 or 2")


@dataclass(frozen=True, kw_only=True)
class CsiRsPdu(Struct):
    """CSI-RS PDU (SCF 222.10.02 §3.4.2.3 Table 3-39): CSIType 0 TRS, 1 CSI-RS NZP, 2 ZP;
    ``row`` of TS 38.211 Table 7.4.1.5.3-1, ``freq_domain`` its bitmap."""

    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    start_rb: int = 0
    nr_of_rbs: int
    csi_type: int = 1
    row: int
    freq_domain: int = 0
    symb_l0: int = 0
    symb_l1: int = 0
    cdm_type: int = 0
    freq_density: int = 0
    scramb_id: int = 0
    power_control_offset: int = 8
    power_control_offset_ss: int = 1
    precoding: TxPrecodingBeamforming = field(default_factory=TxPrecodingBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.2.3 Table 3-39"
    LAYOUT = (*BWP_LAYOUT, Int("start_rb", 2), Int("nr_of_rbs", 2), Int("csi_type", 1, high=2),
              Int("row", 1), Int("freq_domain", 2), Int("symb_l0", 1), Int("symb_l1", 1),
              Int("cdm_type", 1), Int("freq_density", 1), Int("scramb_id", 2),
              Int("power_control_offset", 1), Int("power_control_offset_ss", 1),
              Nested("precoding", TxPrecodingBeamforming))


@dataclass(frozen=True, kw_only=True)
class SsbPdu(Struct):
    """SSB/PBCH PDU (SCF 222.10.02 §3.4.2.4 Table 3-40). ``bch_payload_flag`` 0: MAC gives
    the whole BCH payload, 1: MAC gives the MIB (24 LSBs), PHY adds the timing bits, 2: PHY
    generates the MIB from the Table 3-42 bytes packed little-endian into ``bch_payload``."""

    phys_cell_id: int
    beta_pss: int = 0
    ssb_block_index: int = 0
    ssb_subcarrier_offset: int = 0
    ssb_offset_point_a: int = 0
    bch_payload_flag: int = 1
    bch_payload: int = 0
    precoding: TxPrecodingBeamforming = field(default_factory=TxPrecodingBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.2.4 Table 3-40"
    LAYOUT = (Int("phys_cell_id", 2, high=1007), Int("beta_pss", 1, high=1),
              Int("ssb_block_index", 1, high=63), Int("ssb_subcarrier_offset", 1, high=31),
              Int("ssb_offset_point_a", 2), Int("bch_payload_flag", 1, high=2),
              Int("bch_payload", 4), Nested("precoding", TxPrecodingBeamforming))


@dataclass(frozen=True, kw_only=True)
class UeGroup(Struct):
    """One UE group of DL_TTI / UL_TTI: the indices of its PDUs in the message."""

    pdu_idx: tuple[int, ...] = ()
    LAYOUT = (Count("n_ue", 1, "pdu_idx"), ListOf("pdu_idx", Int(None, 1), "n_ue"))


_DL = PDU_TYPES["DL_TTI.request"]


@dataclass(frozen=True, kw_only=True)
class DlTtiRequest(Message):
    """DL_TTI.request (SCF 222.10.02 §3.4.2, Table 3-35): the downlink PDUs of one slot."""

    sfn: int
    slot: int
    pdus: tuple[PdcchPdu | PdschPdu | CsiRsPdu | SsbPdu, ...] = ()
    groups: tuple[UeGroup, ...] = ()
    MESSAGE_TYPE = MessageType.DL_TTI_REQUEST
    CLAUSE = "SCF 222.10.02 §3.4.2 Table 3-35"
    LAYOUT = (*SLOT_LAYOUT, Count("n_pdus", 1, "pdus"), Count("n_group", 1, "groups"),
              PduList("pdus", {_DL["PDCCH"]: PdcchPdu, _DL["PDSCH"]: PdschPdu,
                               _DL["CSI-RS"]: CsiRsPdu, _DL["SSB"]: SsbPdu}, "n_pdus"),
              ListOf("groups", UeGroup, "n_group"))


@dataclass(frozen=True, kw_only=True)
class UlDciRequest(Message):
    """UL_DCI.request (SCF 222.10.02 §3.4.4, Table 3-54): PDCCH PDUs carrying UL DCIs."""

    sfn: int
    slot: int
    pdus: tuple[PdcchPdu, ...] = ()
    MESSAGE_TYPE = MessageType.UL_DCI_REQUEST
    CLAUSE = "SCF 222.10.02 §3.4.4 Table 3-54"
    LAYOUT = (*SLOT_LAYOUT, Count("num_pdus", 1, "pdus"),
              PduList("pdus", {PDU_TYPES["UL_DCI.request"]["PDCCH"]: PdcchPdu}, "num_pdus"))


@dataclass(frozen=True, kw_only=True)
class TxDataTLV(Struct):
    """One TLV of a TX_DATA.request PDU (Table 3-58): tag 0 carries payload bytes."""

    tag: int = 0
    value: bytes = b""
    LAYOUT = (Int("tag", 2, high=2), Count("length", 2, "value"), Blob("value", "length"),
              Pad("value", 4))


#: Bytes of payload :meth:`TxDataPdu.of` puts in one TLV (the u16 length allows 65535).
TX_DATA_TLV_CHUNK = 65532


def _tx_pdu_length(pdu: TxDataPdu) -> int:
    return 4 + 2 + 4 + sum(4 + len(t.value) for t in pdu.tlvs)


@dataclass(frozen=True, kw_only=True)
class TxDataPdu(Struct):
    """One PDU of TX_DATA.request (Table 3-58): the MAC PDU (transport block) for the DL_TTI
    PDSCH PDU with the same ``pdu_index``.

    >>> TxDataPdu.of(3, b"hello").payload
    b'hello'
    """

    pdu_index: int
    tlvs: tuple[TxDataTLV, ...] = ()
    LAYOUT = (Derived("pdu_length", 4, _tx_pdu_length), Int("pdu_index", 2),
              Count("num_tlv", 4, "tlvs"), ListOf("tlvs", TxDataTLV, "num_tlv"))

    @classmethod
    def of(cls, pdu_index: int, payload: bytes) -> TxDataPdu:
        """A PDU carrying ``payload`` inline: one tag-0 TLV per :data:`TX_DATA_TLV_CHUNK`
        bytes (one TLV for an empty payload).

        >>> len(TxDataPdu.of(0, bytes(70000)).tlvs)
        2
        """
        payload = check_bytes("payload", payload)
        chunks = [payload[i:i + TX_DATA_TLV_CHUNK]
                  for i in range(0, len(payload), TX_DATA_TLV_CHUNK)] or [b""]
        return cls(pdu_index=pdu_index, tlvs=tuple(TxDataTLV(tag=0, value=c) for c in chunks))

    @property
    def payload(self) -> bytes:
        """The inline payload: the values of the tag-0 TLVs, concatenated."""
        return b"".join(t.value for t in self.tlvs if t.tag == 0)


@dataclass(frozen=True, kw_only=True)
class TxDataRequest(Message):
    """TX_DATA.request (SCF 222.10.02 §3.4.6, Table 3-58): the DL transport blocks."""

    sfn: int
    slot: int
    pdus: tuple[TxDataPdu, ...] = ()
    MESSAGE_TYPE = MessageType.TX_DATA_REQUEST
    CLAUSE = "SCF 222.10.02 §3.4.6 Table 3-58"
    LAYOUT = (*SLOT_LAYOUT, Count("num_pdus", 2, "pdus"), ListOf("pdus", TxDataPdu, "num_pdus"))
