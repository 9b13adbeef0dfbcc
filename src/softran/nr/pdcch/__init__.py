"""The physical downlink control channel: CORESETs and search spaces (TS 38.211 §7.3.2.2,
TS 38.213 §10.1), PDCCH and its DM-RS (TS 38.211 §7.3.2, §7.4.1.3), and blind decoding.

The function :func:`pdcch` (MATLAB ``nrPDCCH``) is what ``softran.nr.pdcch`` names as an
attribute of ``softran.nr``; this sub-package is imported by its dotted path."""

from softran.nr.pdcch.blind_decode import (
    PDCCHDetection,
    pdcch_blind_decode,
)
from softran.nr.pdcch.chain import (
    PDCCHResources,
    check_pdcch_setup,
    pdcch,
    pdcch_decode,
    pdcch_descramble,
    pdcch_dmrs,
    pdcch_dmrs_c_init,
    pdcch_dmrs_values,
    pdcch_indices,
    pdcch_resources,
)
from softran.nr.pdcch.coreset import (
    AGGREGATION_LEVELS,
    CORESETConfig,
    SearchSpaceConfig,
    cce_to_reg_bundles,
    pdcch_candidates,
)
from softran.nr.pdcch.type0 import Type0CORESET, type0_coreset

__all__ = [
    "AGGREGATION_LEVELS",
    "CORESETConfig",
    "PDCCHDetection",
    "PDCCHResources",
    "SearchSpaceConfig",
    "Type0CORESET",
    "cce_to_reg_bundles",
    "check_pdcch_setup",
    "pdcch",
    "pdcch_blind_decode",
    "pdcch_candidates",
    "pdcch_decode",
    "pdcch_descramble",
    "pdcch_dmrs",
    "pdcch_dmrs_c_init",
    "pdcch_dmrs_values",
    "pdcch_indices",
    "pdcch_resources",
    "type0_coreset",
]
