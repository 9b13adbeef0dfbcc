"""The SS/PBCH block: MIB (TS 38.331), PBCH and its DM-RS (TS 38.211 §7.3.3, §7.4.1.4), the
block and burst (§7.4.3, TS 38.213 §4.1), its waveform, and UE cell search."""

from softran.nr.ssb.block import (
    SSB_CASES,
    SSB_N_SUBCARRIERS,
    SSB_N_SYMBOLS,
    SSBIndices,
    ssb_burst,
    ssb_candidate_symbols,
    ssb_grid,
    ssb_indices,
)
from softran.nr.ssb.cell_search import (
    CellInfo,
    cell_search,
)
from softran.nr.ssb.detection import (
    SSSDetection,
    pbch_dmrs_detect,
    pbch_indices_by_v,
    ssb_demodulate,
    sss_detect,
)
from softran.nr.ssb.mib import (
    MIB,
    MIB_LENGTH,
)
from softran.nr.ssb.pbch import (
    PBCH_DMRS_LENGTH,
    PBCH_M_BIT,
    pbch,
    pbch_decode,
    pbch_dmrs,
    pbch_dmrs_issb_bar,
    pbch_v,
)
from softran.nr.ssb.pss_search import (
    SSB_SCS_VALUES,
    PSSDetection,
    check_rx_waveform,
    check_ssb_scs,
    pss_cfo_hypotheses,
    pss_half_products,
    pss_search,
    pss_threshold,
    pss_time_domain,
    ssb_symbol_numerology,
)
from softran.nr.ssb.waveform import (
    SSB_CASE_SCS,
    ssb_waveform,
)

__all__ = [
    "MIB",
    "MIB_LENGTH",
    "PBCH_DMRS_LENGTH",
    "PBCH_M_BIT",
    "SSB_CASES",
    "SSB_CASE_SCS",
    "SSB_N_SUBCARRIERS",
    "SSB_N_SYMBOLS",
    "SSB_SCS_VALUES",
    "CellInfo",
    "PSSDetection",
    "SSBIndices",
    "SSSDetection",
    "cell_search",
    "check_rx_waveform",
    "check_ssb_scs",
    "pbch",
    "pbch_decode",
    "pbch_dmrs",
    "pbch_dmrs_detect",
    "pbch_dmrs_issb_bar",
    "pbch_indices_by_v",
    "pbch_v",
    "pss_cfo_hypotheses",
    "pss_half_products",
    "pss_search",
    "pss_threshold",
    "pss_time_domain",
    "ssb_burst",
    "ssb_candidate_symbols",
    "ssb_demodulate",
    "ssb_grid",
    "ssb_indices",
    "ssb_symbol_numerology",
    "ssb_waveform",
    "sss_detect",
]
