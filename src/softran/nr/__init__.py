"""softran.nr: the 3GPP NR physical layer (TS 38.211 / 38.212 / 38.213 / 38.214)."""

from softran.nr.bch import BCHDecodeResult, bch_decode, bch_encode
from softran.nr.cell_search import (
    CellInfo,
    PSSDetection,
    SSSDetection,
    cell_search,
    pbch_dmrs_detect,
    pss_cfo_hypotheses,
    pss_search,
    pss_threshold,
    sss_detect,
)
from softran.nr.config import SUBCARRIER_SPACINGS, CarrierConfig
from softran.nr.coreset import (
    AGGREGATION_LEVELS,
    CORESETConfig,
    SearchSpaceConfig,
    cce_to_reg_bundles,
    pdcch_candidates,
)
from softran.nr.crc import CRC_POLYNOMIALS, crc_decode, crc_encode, crc_length
from softran.nr.dci import dci_decode, dci_encode
from softran.nr.dmrs import (
    DMRSCDMInfo,
    pusch_dmrs,
    pusch_dmrs_cdm,
    pusch_dmrs_indices,
    pusch_dmrs_symbols,
)
from softran.nr.downlink_slot import DownlinkSlot, downlink_slot
from softran.nr.grid import resource_grid
from softran.nr.layers import (
    PUSCH_CODEBOOK_PORTS,
    layer_demap,
    layer_map,
    precode,
    pusch_codebook,
    pusch_tpmi_count,
    transform_deprecode,
    transform_precode,
)
from softran.nr.ldpc import (
    LLR_SATURATION,
    BaseGraph,
    base_graph,
    base_graph_dims,
    ldpc_decode,
    ldpc_encode,
    lifting_size_set,
    lifting_sizes,
    parity_check_matrix,
)
from softran.nr.ldpc.rate_match import rate_match_ldpc, rate_recover_ldpc
from softran.nr.ldpc.segment import code_block_desegment_ldpc, code_block_segment_ldpc
from softran.nr.mib import MIB
from softran.nr.modulation import (
    MODULATIONS,
    bits_per_symbol,
    constellation,
    symbol_demodulate,
    symbol_modulate,
)
from softran.nr.ofdm import OFDMInfo, ofdm_demodulate, ofdm_info, ofdm_modulate
from softran.nr.pbch import pbch, pbch_decode, pbch_dmrs, pbch_dmrs_issb_bar, pbch_v
from softran.nr.pdcch import (
    pdcch,
    pdcch_decode,
    pdcch_dmrs,
    pdcch_dmrs_c_init,
    pdcch_indices,
)
from softran.nr.pdcch_blind import PDCCHDetection, pdcch_blind_decode
from softran.nr.polar import (
    polar_construct,
    polar_decode,
    polar_encode,
    rate_match_polar,
    rate_recover_polar,
)
from softran.nr.ptrs import pusch_ptrs, pusch_ptrs_indices, pusch_ptrs_symbols
from softran.nr.pusch import pusch, pusch_decode, pusch_precoding_matrix
from softran.nr.pusch_config import PUSCHConfig, PUSCHDMRSConfig, PUSCHPTRSConfig
from softran.nr.pusch_indices import PUSCHIndicesInfo, pusch_indices
from softran.nr.pusch_receiver import PUSCH_DETECTORS, PUSCHReceiver
from softran.nr.pusch_transmitter import PUSCHTransmitter
from softran.nr.receiver import (
    channel_estimate,
    common_phase_correct,
    interpolate_phase,
    mmse_equalize,
    mrc_combine,
    noise_covariance,
    ptrs_common_phase_error,
    timing_correct,
    timing_estimate,
    zf_equalize,
)
from softran.nr.sch import DLSCHDecoder, DLSCHEncoder, ULSCHDecoder, ULSCHEncoder
from softran.nr.sch_info import SCHInfo, SegmentInfo, dlsch_info, ldpc_segment_info, ulsch_info
from softran.nr.scrambling import (
    pdsch_descramble,
    pdsch_scramble,
    pusch_descramble,
    pusch_scramble,
)
from softran.nr.sequences import low_papr_sequence, prbs, pss, sss
from softran.nr.ssb import (
    SSB_CASES,
    SSBIndices,
    ssb_burst,
    ssb_candidate_symbols,
    ssb_grid,
    ssb_indices,
)
from softran.nr.ssb_waveform import SSB_CASE_SCS, ssb_waveform
from softran.nr.tables import MCS_TABLE_NAMES, MCSEntry, mcs, mcs_table, tbs_table
from softran.nr.tbs import tbs

__all__ = [
    "AGGREGATION_LEVELS",
    "CRC_POLYNOMIALS",
    "LLR_SATURATION",
    "MCS_TABLE_NAMES",
    "MIB",
    "MODULATIONS",
    "PUSCH_CODEBOOK_PORTS",
    "PUSCH_DETECTORS",
    "SSB_CASES",
    "SSB_CASE_SCS",
    "SUBCARRIER_SPACINGS",
    "BCHDecodeResult",
    "BaseGraph",
    "CORESETConfig",
    "CarrierConfig",
    "CellInfo",
    "DLSCHDecoder",
    "DLSCHEncoder",
    "DMRSCDMInfo",
    "DownlinkSlot",
    "MCSEntry",
    "OFDMInfo",
    "PDCCHDetection",
    "PSSDetection",
    "PUSCHConfig",
    "PUSCHDMRSConfig",
    "PUSCHIndicesInfo",
    "PUSCHPTRSConfig",
    "PUSCHReceiver",
    "PUSCHTransmitter",
    "SCHInfo",
    "SSBIndices",
    "SSSDetection",
    "SearchSpaceConfig",
    "SegmentInfo",
    "ULSCHDecoder",
    "ULSCHEncoder",
    "base_graph",
    "base_graph_dims",
    "bch_decode",
    "bch_encode",
    "bits_per_symbol",
    "cce_to_reg_bundles",
    "cell_search",
    "channel_estimate",
    "common_phase_correct",
    "interpolate_phase",
    "code_block_desegment_ldpc",
    "code_block_segment_ldpc",
    "constellation",
    "crc_decode",
    "crc_encode",
    "crc_length",
    "dci_decode",
    "dci_encode",
    "dlsch_info",
    "downlink_slot",
    "layer_demap",
    "layer_map",
    "ldpc_decode",
    "ldpc_encode",
    "ldpc_segment_info",
    "lifting_size_set",
    "lifting_sizes",
    "low_papr_sequence",
    "mcs",
    "mcs_table",
    "mmse_equalize",
    "mrc_combine",
    "noise_covariance",
    "ptrs_common_phase_error",
    "ofdm_demodulate",
    "ofdm_info",
    "ofdm_modulate",
    "parity_check_matrix",
    "pbch",
    "pbch_decode",
    "pbch_dmrs",
    "pbch_dmrs_detect",
    "pbch_dmrs_issb_bar",
    "pbch_v",
    "pdcch",
    "pdcch_blind_decode",
    "pdcch_candidates",
    "pdcch_decode",
    "pdcch_dmrs",
    "pdcch_dmrs_c_init",
    "pdcch_indices",
    "pdsch_descramble",
    "pdsch_scramble",
    "polar_construct",
    "polar_decode",
    "polar_encode",
    "prbs",
    "precode",
    "pss",
    "pss_cfo_hypotheses",
    "pss_search",
    "pss_threshold",
    "pusch",
    "pusch_codebook",
    "pusch_decode",
    "pusch_descramble",
    "pusch_dmrs",
    "pusch_dmrs_cdm",
    "pusch_dmrs_indices",
    "pusch_dmrs_symbols",
    "pusch_indices",
    "pusch_precoding_matrix",
    "pusch_ptrs",
    "pusch_ptrs_indices",
    "pusch_ptrs_symbols",
    "pusch_scramble",
    "pusch_tpmi_count",
    "rate_match_ldpc",
    "rate_match_polar",
    "rate_recover_ldpc",
    "rate_recover_polar",
    "resource_grid",
    "ssb_burst",
    "ssb_candidate_symbols",
    "ssb_grid",
    "ssb_indices",
    "ssb_waveform",
    "sss",
    "sss_detect",
    "symbol_demodulate",
    "symbol_modulate",
    "tbs",
    "tbs_table",
    "timing_correct",
    "timing_estimate",
    "transform_deprecode",
    "transform_precode",
    "ulsch_info",
    "zf_equalize",
]
