"""UL_TTI.request and its PRACH, PUSCH, PUCCH and SRS PDUs (SCF 222.10.02 §3.4.3).

Layouts (little-endian, packed; BWP as in :mod:`softran.fapi.dl_tti`; every PDU ends with
the Rx beamforming PDU of Table 3-53, :class:`~softran.fapi.beamforming.RxBeamforming`):

* UL_TTI.request (Table 3-44): ``SFN``, ``Slot`` u16, ``nPDUs``, ``RachPresent``,
  ``nULSCH``, ``nULCCH``, ``nGroup`` u8, PDUs (``PDUType`` u16, ``PDUSize`` u16, PDU: 0 PRACH,
  1 PUSCH, 2 PUCCH, 3 SRS), UE groups. ``RachPresent``, ``nULSCH`` and ``nULCCH`` follow from
  the PDUs (checked when decoding).
* PRACH PDU (Table 3-45): ``physCellID`` u16, ``NumPrachOcas``, ``prachFormat``, ``numRa``,
  ``prachStartSymbol`` u8, ``numCs`` u16.
* PUSCH PDU (Table 3-46): ``pduBitmap`` u16 (bit 0 puschData, 1 puschUci, 2 puschPtrs,
  3 dftsOfdm), ``RNTI`` u16, ``Handle`` u32, BWP, ``targetCodeRate`` u16, ``qamModOrder``,
  ``mcsIndex``, ``mcsTable``, ``TransformPrecoding`` u8, ``dataScramblingId`` u16,
  ``nrOfLayers`` u8, ``ulDmrsSymbPos`` u16, ``dmrsConfigType`` u8, ``ulDmrsScramblingId``,
  ``puschIdentity`` u16, ``SCID``, ``numDmrsCdmGrpsNoData`` u8, ``dmrsPorts`` u16,
  ``resourceAlloc`` u8, ``rbBitmap`` u8[36], ``rbStart``, ``rbSize`` u16, ``VRBtoPRBMapping``,
  ``FrequencyHopping`` u8, ``txDirectCurrentLocation`` u16, ``uplinkFrequencyShift7p5khz``,
  ``StartSymbolIndex``, ``NrOfSymbols`` u8, then the optional parts: puschData (Table 3-47:
  ``rvIndex``, ``harqProcessID``, ``newDataIndicator`` u8, ``TBSize`` u32, ``numCb`` u16,
  ``cbPresentAndPosition`` u8[ceil(numCb/8)]), puschUci (Table 3-48: ``harqAckBitLength``,
  ``csiPart1BitLength``, ``csiPart2BitLength`` u16, ``AlphaScaling``, ``betaOffsetHarqAck``,
  ``betaOffsetCsi1``, ``betaOffsetCsi2`` u8), puschPtrs (Table 3-49: ``numPtrsPorts`` u8, per
  port ``PTRSPortIndex`` u16, ``PTRSDmrsPort``, ``PTRSReOffset`` u8; ``PTRSTimeDensity``,
  ``PTRSFreqDensity``, ``ulPTRSPower`` u8), dftsOfdm (Table 3-50: ``lowPaprGroupNumber`` u8,
  ``lowPaprSequenceNumber`` u16, ``ulPtrsSampleDensity``,
  ``ulPtrsTimeDensityTransformPrecoding`` u8).
* PUCCH PDU (Table 3-51): ``RNTI`` u16, ``Handle`` u32, BWP, ``FormatType``,
  ``multiSlotTxIndicator``, ``pi2Bpsk`` u8, ``prbStart``, ``prbSize`` u16,
  ``StartSymbolIndex``, ``NrOfSymbols``, ``freqHopFlag`` u8, ``secondHopPRB`` u16,
  ``groupHopFlag``, ``sequenceHopFlag`` u8, ``hoppingId``, ``InitialCyclicShift``,
  ``dataScramblingId`` u16, ``TimeDomainOccIdx``, ``PreDftOccIdx``, ``PreDftOccLen``,
  ``AddDmrsFlag`` u8, ``DmrsScramblingId`` u16, ``DMRScyclicshift``, ``SRFlag`` u8,
  ``BitLenHarq``, ``BitLenCsiPart1``, ``BitLenCsiPart2`` u16.
* SRS PDU (Table 3-52): ``RNTI`` u16, ``Handle`` u32, BWP, ``numAntPorts``, ``numSymbols``,
  ``numRepetitions``, ``timeStartPosition``, ``configIndex`` u8, ``sequenceId`` u16,
  ``bandwidthIndex``, ``combSize``, ``combOffset``, ``cyclicShift``, ``frequencyPosition`` u8,
  ``frequencyShift`` u16, ``frequencyHopping``, ``groupOrSequenceHopping``, ``resourceType``
  u8, ``Tsrs``, ``Toffset`` u16.

Where the two public implementations read SCF 222.10.02 differently, softran follows NVIDIA
Aerial's 10.02 layout: ``BitLenHarq`` of the PUCCH PDU and ``frequencyShift`` of the SRS PDU
are uint16 (OpenAirInterface packs uint8). The FAPIv3 / 10.04 additions (maintenance and
UCI part-1-to-part-2 parameters, ``TRP scheme``) are not carried.

Fields are named as in the spec, in snake_case. ``handle`` is the MAC's opaque value that the
PHY returns in CRC / RX_DATA / UCI / SRS indications.

>>> from softran.fapi.layout import encode_struct
>>> req = UlTtiRequest(sfn=0, slot=1, pdus=(PrachPdu(phys_cell_id=1, num_prach_ocas=1),))
>>> encode_struct(req).hex()
'0000010001010000000000110001000100000000000000000000'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from softran.fapi.beamforming import RxBeamforming
from softran.fapi.dl_tti import BWP_LAYOUT, SLOT_LAYOUT, UeGroup
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
    PduList,
    Struct,
)
from softran.fapi.tables import PDU_TYPES, MessageType

__all__ = [
    "PrachPdu",
    "PucchPdu",
    "PuschData",
    "PuschDftsOfdm",
    "PuschPdu",
    "PuschPtrs",
    "PuschPtrsPort",
    "PuschUci",
    "SrsPdu",
    "UlTtiRequest",
]


@dataclass(frozen=True, kw_only=True)
class PrachPdu(Struct):
    """PRACH PDU (SCF 222.10.02 §3.4.3.1 Table 3-45): occasions of one PRACH slot."""

    phys_cell_id: int
    num_prach_ocas: int = 1
    prach_format: int = 0
    num_ra: int = 0
    prach_start_symbol: int = 0
    num_cs: int = 0
    beamforming: RxBeamforming = field(default_factory=RxBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.3.1 Table 3-45"
    LAYOUT = (Int("phys_cell_id", 2, high=1007), Int("num_prach_ocas", 1),
              Int("prach_format", 1), Int("num_ra", 1), Int("prach_start_symbol", 1),
              Int("num_cs", 2), Nested("beamforming", RxBeamforming))


@dataclass(frozen=True, kw_only=True)
class PuschData(Struct):
    """puschData (Table 3-47): RV, HARQ process, NDI, TB size (bytes), CBG bitmap."""

    rv_index: int = 0
    harq_process_id: int = 0
    new_data_indicator: int = 1
    tb_size: int
    num_cb: int = 0
    cb_present_and_position: bytes = b""
    LAYOUT = (Int("rv_index", 1, high=3), Int("harq_process_id", 1, high=15),
              Int("new_data_indicator", 1, high=1), Int("tb_size", 4), Int("num_cb", 2),
              Blob("cb_present_and_position", lambda m: (m["num_cb"] + 7) // 8))


@dataclass(frozen=True, kw_only=True)
class PuschUci(Struct):
    """puschUci (Table 3-48): UCI bit lengths on PUSCH, alpha and the beta offsets."""

    harq_ack_bit_length: int = 0
    csi_part1_bit_length: int = 0
    csi_part2_bit_length: int = 0
    alpha_scaling: int = 0
    beta_offset_harq_ack: int = 0
    beta_offset_csi1: int = 0
    beta_offset_csi2: int = 0
    LAYOUT = (Int("harq_ack_bit_length", 2), Int("csi_part1_bit_length", 2),
              Int("csi_part2_bit_length", 2), Int("alpha_scaling", 1, high=3),
              Int("beta_offset_harq_ack", 1), Int("beta_offset_csi1", 1),
              Int("beta_offset_csi2", 1))


@dataclass(frozen=True, kw_only=True)
class PuschPtrsPort(Struct):
    """One PT-RS port of puschPtrs (Table 3-49)."""

    ptrs_port_index: int = 0
    ptrs_dmrs_port: int = 0
    ptrs_re_offset: int = 0
    LAYOUT = (Int("ptrs_port_index", 2), Int("ptrs_dmrs_port", 1), Int("ptrs_re_offset", 1))


@dataclass(frozen=True, kw_only=True)
class PuschPtrs(Struct):
    """puschPtrs (Table 3-49)."""

    ports: tuple[PuschPtrsPort, ...] = ()
    ptrs_time_density: int = 0
    ptrs_freq_density: int = 0
    ul_ptrs_power: int = 0
    LAYOUT = (Count("num_ptrs_ports", 1, "ports"), ListOf("ports", PuschPtrsPort,
                                                          "num_ptrs_ports"),
              Int("ptrs_time_density", 1), Int("ptrs_freq_density", 1),
              Int("ul_ptrs_power", 1))


@dataclass(frozen=True, kw_only=True)
class PuschDftsOfdm(Struct):
    """dftsOfdm (Table 3-50): low-PAPR group / sequence numbers and PT-RS densities."""

    low_papr_group_number: int = 0
    low_papr_sequence_number: int = 0
    ul_ptrs_sample_density: int = 0
    ul_ptrs_time_density_transform_precoding: int = 0
    LAYOUT = (Int("low_papr_group_number", 1), Int("low_papr_sequence_number", 2),
              Int("ul_ptrs_sample_density", 1),
              Int("ul_ptrs_time_density_transform_precoding", 1))


@dataclass(frozen=True, kw_only=True)
class PuschPdu(Struct):
    """PUSCH PDU (SCF 222.10.02 §3.4.3.2 Table 3-46); the optional parts are ``None`` when
    absent and set ``pduBitmap``.

    82 bytes before the optional parts, then puschData (9 bytes without CBs) and the empty
    Rx beamforming PDU (5 bytes):

    >>> from softran.fapi.layout import encode_struct
    >>> pdu = PuschPdu(rnti=0x4601, bwp_size=51, target_code_rate=1930, qam_mod_order=2,
    ...                rb_size=51, nr_of_symbols=14, pusch_data=PuschData(tb_size=1500))
    >>> data = encode_struct(pdu)
    >>> len(data), data[:2].hex()      # pduBitmap bit 0: puschData present
    (96, '0100')
    """

    rnti: int
    handle: int = 0
    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    target_code_rate: int
    qam_mod_order: int
    mcs_index: int = 0
    mcs_table: int = 0
    transform_precoding: int = 1
    data_scrambling_id: int = 0
    nr_of_layers: int = 1
    ul_dmrs_symb_pos: int = 0
    dmrs_config_type: int = 0
    ul_dmrs_scrambling_id: int = 0
    pusch_identity: int = 0
    scid: int = 0
    num_dmrs_cdm_grps_no_data: int = 2
    dmrs_ports: int = 1
    resource_alloc: int = 1
    rb_bitmap: bytes = bytes(36)
    rb_start: int = 0
    rb_size: int
    vrb_to_prb_mapping: int = 0
    frequency_hopping: int = 0
    tx_direct_current_location: int = 0
    uplink_frequency_shift_7p5khz: int = 0
    start_symbol_index: int = 0
    nr_of_symbols: int
    pusch_data: PuschData | None = None
    pusch_uci: PuschUci | None = None
    pusch_ptrs: PuschPtrs | None = None
    dfts_ofdm: PuschDftsOfdm | None = None
    beamforming: RxBeamforming = field(default_factory=RxBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.3.2 Table 3-46"
    LAYOUT = (Bitmap("pdu_bitmap", 2, {"pusch_data": 0, "pusch_uci": 1, "pusch_ptrs": 2,
                                       "dfts_ofdm": 3}),
              Int("rnti", 2), Int("handle", 4), *BWP_LAYOUT, Int("target_code_rate", 2),
              Int("qam_mod_order", 1), Int("mcs_index", 1), Int("mcs_table", 1),
              Int("transform_precoding", 1, high=1), Int("data_scrambling_id", 2),
              Int("nr_of_layers", 1), Int("ul_dmrs_symb_pos", 2), Int("dmrs_config_type", 1),
              Int("ul_dmrs_scrambling_id", 2), Int("pusch_identity", 2), Int("scid", 1),
              Int("num_dmrs_cdm_grps_no_data", 1), Int("dmrs_ports", 2),
              Int("resource_alloc", 1), Fixed("rb_bitmap", 36), Int("rb_start", 2),
              Int("rb_size", 2), Int("vrb_to_prb_mapping", 1), Int("frequency_hopping", 1),
              Int("tx_direct_current_location", 2), Int("uplink_frequency_shift_7p5khz", 1),
              Int("start_symbol_index", 1), Int("nr_of_symbols", 1),
              Opt("pusch_data", PuschData, "pdu_bitmap", 0),
              Opt("pusch_uci", PuschUci, "pdu_bitmap", 1),
              Opt("pusch_ptrs", PuschPtrs, "pdu_bitmap", 2),
              Opt("dfts_ofdm", PuschDftsOfdm, "pdu_bitmap", 3),
              Nested("beamforming", RxBeamforming))


@dataclass(frozen=True, kw_only=True)
class PucchPdu(Struct):
    """PUCCH PDU (SCF 222.10.02 §3.4.3.3 Table 3-51): format 0-4 (``format_type``) with the
    UCI bit lengths the PHY decodes.

    >>> from softran.fapi.layout import encode_struct
    >>> len(encode_struct(PucchPdu(rnti=1, bwp_size=51, format_type=1, bit_len_harq=1)))
    51
    """

    rnti: int
    handle: int = 0
    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    format_type: int
    multi_slot_tx_indicator: int = 0
    pi2_bpsk: int = 0
    prb_start: int = 0
    prb_size: int = 1
    start_symbol_index: int = 0
    nr_of_symbols: int = 1
    freq_hop_flag: int = 0
    second_hop_prb: int = 0
    group_hop_flag: int = 0
    sequence_hop_flag: int = 0
    hopping_id: int = 0
    initial_cyclic_shift: int = 0
    data_scrambling_id: int = 0
    time_domain_occ_idx: int = 0
    pre_dft_occ_idx: int = 0
    pre_dft_occ_len: int = 0
    add_dmrs_flag: int = 0
    dmrs_scrambling_id: int = 0
    dmrs_cyclic_shift: int = 0
    sr_flag: int = 0
    bit_len_harq: int = 0
    bit_len_csi_part1: int = 0
    bit_len_csi_part2: int = 0
    beamforming: RxBeamforming = field(default_factory=RxBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.3.3 Table 3-51"
    LAYOUT = (Int("rnti", 2), Int("handle", 4), *BWP_LAYOUT, Int("format_type", 1, high=4),
              Int("multi_slot_tx_indicator", 1), Int("pi2_bpsk", 1, high=1),
              Int("prb_start", 2), Int("prb_size", 2), Int("start_symbol_index", 1),
              Int("nr_of_symbols", 1), Int("freq_hop_flag", 1, high=1),
              Int("second_hop_prb", 2), Int("group_hop_flag", 1, high=1),
              Int("sequence_hop_flag", 1, high=1), Int("hopping_id", 2),
              Int("initial_cyclic_shift", 2), Int("data_scrambling_id", 2),
              Int("time_domain_occ_idx", 1), Int("pre_dft_occ_idx", 1),
              Int("pre_dft_occ_len", 1), Int("add_dmrs_flag", 1, high=1),
              Int("dmrs_scrambling_id", 2), Int("dmrs_cyclic_shift", 1),
              Int("sr_flag", 1, high=1), Int("bit_len_harq", 2), Int("bit_len_csi_part1", 2),
              Int("bit_len_csi_part2", 2), Nested("beamforming", RxBeamforming))


@dataclass(frozen=True, kw_only=True)
class SrsPdu(Struct):
    """SRS PDU (SCF 222.10.02 §3.4.3.4 Table 3-52); fields as TS 38.211 §6.4.1.4 names them
    (``num_ant_ports`` / ``num_symbols`` / ``num_repetitions`` as 0..2 codes, C_SRS
    ``config_index``, B_SRS ``bandwidth_index``, K_TC ``comb_size`` code, ...)."""

    rnti: int
    handle: int = 0
    bwp_size: int
    bwp_start: int = 0
    subcarrier_spacing: int = 0
    cyclic_prefix: int = 0
    num_ant_ports: int = 0
    num_symbols: int = 0
    num_repetitions: int = 0
    time_start_position: int = 0
    config_index: int = 0
    sequence_id: int = 0
    bandwidth_index: int = 0
    comb_size: int = 0
    comb_offset: int = 0
    cyclic_shift: int = 0
    frequency_position: int = 0
    frequency_shift: int = 0
    frequency_hopping: int = 0
    group_or_sequence_hopping: int = 0
    resource_type: int = 0
    t_srs: int = 1
    t_offset: int = 0
    beamforming: RxBeamforming = field(default_factory=RxBeamforming)
    CLAUSE = "SCF 222.10.02 §3.4.3.4 Table 3-52"
    LAYOUT = (Int("rnti", 2), Int("handle", 4), *BWP_LAYOUT, Int("num_ant_ports", 1, high=2),
              Int("num_symbols", 1, high=2), Int("num_repetitions", 1, high=2),
              Int("time_start_position", 1, high=13), Int("config_index", 1, high=63),
              Int("sequence_id", 2, high=1023), Int("bandwidth_index", 1, high=3),
              Int("comb_size", 1, high=1), Int("comb_offset", 1), Int("cyclic_shift", 1),
              Int("frequency_position", 1), Int("frequency_shift", 2),
              Int("frequency_hopping", 1), Int("group_or_sequence_hopping", 1, high=2),
              Int("resource_type", 1, high=2), Int("t_srs", 2), Int("t_offset", 2),
              Nested("beamforming", RxBeamforming))


_UL = PDU_TYPES["UL_TTI.request"]


@dataclass(frozen=True, kw_only=True)
class UlTtiRequest(Message):
    """UL_TTI.request (SCF 222.10.02 §3.4.3, Table 3-44): the uplink PDUs of one slot."""

    sfn: int
    slot: int
    pdus: tuple[PrachPdu | PuschPdu | PucchPdu | SrsPdu, ...] = ()
    groups: tuple[UeGroup, ...] = ()
    MESSAGE_TYPE = MessageType.UL_TTI_REQUEST
    CLAUSE = "SCF 222.10.02 §3.4.3 Table 3-44"
    LAYOUT = (*SLOT_LAYOUT, Count("n_pdus", 1, "pdus"),
              Derived("rach_present", 1,
                      lambda m: int(any(isinstance(p, PrachPdu) for p in m.pdus))),
              Derived("n_ulsch", 1, lambda m: sum(isinstance(p, PuschPdu) for p in m.pdus)),
              Derived("n_ulcch", 1, lambda m: sum(isinstance(p, PucchPdu) for p in m.pdus)),
              Count("n_group", 1, "groups"),
              PduList("pdus", {_UL["PRACH"]: PrachPdu, _UL["PUSCH"]: PuschPdu,
                               _UL["PUCCH"]: PucchPdu, _UL["SRS"]: SrsPdu}, "n_pdus"),
              ListOf("groups", UeGroup, "n_group"))
