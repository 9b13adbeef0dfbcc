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
    PSSDetection,
    SSSDetection,
    cell_search,
    pbch_dmrs_detect,
    pss_cfo_hypotheses,
    pss_search,
    pss_threshold,
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
    "CellInfo",
    "PSSDetection",
    "SSBIndices",
    "SSSDetection",
    "cell_search",
    "pbch",
    "pbch_decode",
    "pbch_dmrs",
    "pbch_dmrs_detect",
    "pbch_dmrs_issb_bar",
    "pbch_v",
    "pss_cfo_hypotheses",
    "pss_search",
    "pss_threshold",
    "ssb_burst",
    "ssb_candidate_symbols",
    "ssb_grid",
    "ssb_indices",
    "ssb_waveform",
    "sss_detect",
]
