"""The physical downlink shared channel, TS 38.211 §7.3.1 and its reference signals §7.4.1.1
(DM-RS) and §7.4.1.2 (PT-RS); TS 38.214 §5.1 for the allocation, PRB bundling and rate
matching: configuration, resource positions, VRB-to-PRB mapping, DM-RS, PT-RS, data indices,
the modulation chain with precoding, and the transmitter and (UE-side, for test) receiver
blocks.

The function :func:`pdsch` (MATLAB ``nrPDSCH``) is what ``softran.nr.pdsch`` names as an
attribute of ``softran.nr``; this sub-package is imported by its dotted path
(``from softran.nr.pdsch import PDSCHConfig``)."""

from softran.nr.pdsch.allocation import (
    pdsch_data_re_mask,
    pdsch_dmrs_symbols_l_prime,
    pdsch_ptrs_positions,
    reserved_re_mask,
)
from softran.nr.pdsch.chain import (
    pdsch,
    pdsch_decode,
    pdsch_n_id,
    pdsch_precode,
)
from softran.nr.pdsch.config import (
    PDSCH_MCS_TABLES,
    PDSCH_MODULATIONS,
    PDSCHConfig,
    check_pdsch_config,
)
from softran.nr.pdsch.dmrs import (
    pdsch_dmrs,
    pdsch_dmrs_c_init,
    pdsch_dmrs_cdm,
    pdsch_dmrs_indices,
    pdsch_dmrs_sequence,
    pdsch_dmrs_symbols,
)
from softran.nr.pdsch.indices import (
    PDSCHIndicesInfo,
    pdsch_indices,
)
from softran.nr.pdsch.ptrs import (
    pdsch_ptrs,
    pdsch_ptrs_indices,
    pdsch_ptrs_symbols,
)
from softran.nr.pdsch.receiver import (
    PDSCH_DETECTORS,
    PDSCHReceiver,
)
from softran.nr.pdsch.reference_config import (
    LTECRSConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHReservedConfig,
)
from softran.nr.pdsch.transmitter import (
    PDSCHTransmitter,
)
from softran.nr.pdsch.vrb_mapping import (
    prg_index,
    vrb_bundles,
    vrb_to_prb,
)

__all__ = [
    "PDSCH_DETECTORS",
    "PDSCH_MCS_TABLES",
    "PDSCH_MODULATIONS",
    "LTECRSConfig",
    "PDSCHConfig",
    "PDSCHDMRSConfig",
    "PDSCHIndicesInfo",
    "PDSCHPTRSConfig",
    "PDSCHReceiver",
    "PDSCHReservedConfig",
    "PDSCHTransmitter",
    "check_pdsch_config",
    "pdsch",
    "pdsch_data_re_mask",
    "pdsch_decode",
    "pdsch_dmrs",
    "pdsch_dmrs_c_init",
    "pdsch_dmrs_cdm",
    "pdsch_dmrs_indices",
    "pdsch_dmrs_sequence",
    "pdsch_dmrs_symbols",
    "pdsch_dmrs_symbols_l_prime",
    "pdsch_indices",
    "pdsch_n_id",
    "pdsch_precode",
    "pdsch_ptrs",
    "pdsch_ptrs_indices",
    "pdsch_ptrs_positions",
    "pdsch_ptrs_symbols",
    "prg_index",
    "reserved_re_mask",
    "vrb_bundles",
    "vrb_to_prb",
]
