"""The physical uplink shared channel, TS 38.211 §6.3.1 and its reference signals §6.4.1.1
(DM-RS) and §6.4.1.2 (PT-RS); TS 38.214 §6.1-§6.2 for the allocation: configuration,
resource positions, DM-RS, PT-RS, data indices, the modulation chain, and the transmitter and
receiver blocks.

The function :func:`pusch` (MATLAB ``nrPUSCH``) is what ``softran.nr.pusch`` names as an
attribute of ``softran.nr``; this sub-package is imported by its dotted path
(``from softran.nr.pusch import PUSCHConfig``)."""

from softran.nr.pusch.allocation import (
    data_re_mask,
    dmrs_port_table,
    dmrs_re_pattern,
    dmrs_symbol_positions,
    dmrs_symbols_l_prime,
    ptrs_k_ref,
    ptrs_rbs,
    ptrs_relative_symbols,
)
from softran.nr.pusch.chain import (
    pusch,
    pusch_decode,
    pusch_precoding_matrix,
)
from softran.nr.pusch.config import (
    PUSCH_MODULATIONS,
    PUSCHConfig,
    check_pusch_config,
)
from softran.nr.pusch.dmrs import (
    DMRSCDMInfo,
    pusch_dmrs,
    pusch_dmrs_c_init,
    pusch_dmrs_cdm,
    pusch_dmrs_indices,
    pusch_dmrs_low_papr_group,
    pusch_dmrs_sequence,
    pusch_dmrs_symbols,
)
from softran.nr.pusch.indices import (
    PUSCHIndicesInfo,
    pusch_indices,
)
from softran.nr.pusch.ptrs import (
    pusch_ptrs,
    pusch_ptrs_indices,
    pusch_ptrs_symbols,
)
from softran.nr.pusch.receiver import (
    PUSCH_DETECTORS,
    PUSCHReceiver,
    PUSCHUCIResult,
)
from softran.nr.pusch.reference_config import (
    PUSCHDMRSConfig,
    PUSCHPTRSConfig,
)
from softran.nr.pusch.transmitter import (
    PUSCHTransmitter,
)

from softran.nr.pusch.uci import (
    UCI_SCALING,
    PUSCHUCIConfig,
    UCIMultiplexLayout,
    ULSCHUCIInfo,
    beta_offset,
    ulsch_demultiplex,
    ulsch_multiplex,
    ulsch_multiplex_layout,
    ulsch_uci_info,
)
__all__ = [
    "PUSCH_DETECTORS",
    "PUSCH_MODULATIONS",
    "DMRSCDMInfo",
    "PUSCHConfig",
    "PUSCHDMRSConfig",
    "PUSCHIndicesInfo",
    "PUSCHPTRSConfig",
    "PUSCHReceiver",
    "PUSCHTransmitter",
    "check_pusch_config",
    "data_re_mask",
    "dmrs_port_table",
    "dmrs_re_pattern",
    "dmrs_symbol_positions",
    "dmrs_symbols_l_prime",
    "ptrs_k_ref",
    "ptrs_rbs",
    "ptrs_relative_symbols",
    "pusch",
    "pusch_decode",
    "pusch_dmrs",
    "pusch_dmrs_c_init",
    "pusch_dmrs_cdm",
    "pusch_dmrs_indices",
    "pusch_dmrs_low_papr_group",
    "pusch_dmrs_sequence",
    "pusch_dmrs_symbols",
    "pusch_indices",
    "pusch_precoding_matrix",
    "pusch_ptrs",
    "pusch_ptrs_indices",
    "pusch_ptrs_symbols",
    "UCI_SCALING",
    "PUSCHUCIConfig",
    "PUSCHUCIResult",
    "UCIMultiplexLayout",
    "ULSCHUCIInfo",
    "beta_offset",
    "ulsch_demultiplex",
    "ulsch_multiplex",
    "ulsch_multiplex_layout",
    "ulsch_uci_info",
]
