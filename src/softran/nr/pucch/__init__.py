"""The physical uplink control channel, TS 38.211 §6.3.2 and its DM-RS §6.4.1.3; TS 38.213
§9.2: configuration (formats 0-4), sequence and cyclic shift hopping, resource positions,
DM-RS, the modulation chain, the gNB detectors and the transmitter / receiver blocks.

The function :func:`pucch` (MATLAB ``nrPUCCH``) is what ``softran.nr.pucch`` names as an
attribute of ``softran.nr``; this sub-package is imported by its dotted path
(``from softran.nr.pucch import PUCCHConfig``)."""

from softran.nr.pucch.blocks import (
    PUCCHReceiver,
    PUCCHTransmitter,
    uci_dtx_threshold,
)
from softran.nr.pucch.chain import (
    pucch,
    pucch_decode,
    pucch_format0_cyclic_shift,
    pucch_n_id,
)
from softran.nr.pucch.config import (
    PUCCH_FORMATS,
    PUCCH_FREQUENCY_HOPPING,
    PUCCH_GROUP_HOPPING,
    PUCCHConfig,
    check_pucch_config,
    pucch_format1_spreading,
)
from softran.nr.pucch.detect import (
    PUCCHDetection,
    dtx_false_alarm,
    dtx_threshold,
    glrt_detect,
)
from softran.nr.pucch.dmrs import (
    pucch_dmrs,
    pucch_format1_occ,
    pucch_format4_occ,
    pucch_hopping_id,
)
from softran.nr.pucch.estimate import (
    PUCCH_DELAY_WINDOW,
    DelaySubspace,
    delay_subspace,
    subspace_estimate,
)
from softran.nr.pucch.hopping import (
    pucch_alpha,
    pucch_cyclic_shift_hopping,
    pucch_group_sequence,
)
from softran.nr.pucch.resources import (
    PUCCHIndicesInfo,
    pucch_dmrs_indices,
    pucch_dmrs_symbols,
    pucch_indices,
    pucch_re_layout,
)

__all__ = [
    "PUCCH_DELAY_WINDOW",
    "PUCCH_FORMATS",
    "PUCCH_FREQUENCY_HOPPING",
    "PUCCH_GROUP_HOPPING",
    "DelaySubspace",
    "PUCCHConfig",
    "PUCCHDetection",
    "PUCCHIndicesInfo",
    "PUCCHReceiver",
    "PUCCHTransmitter",
    "check_pucch_config",
    "delay_subspace",
    "dtx_false_alarm",
    "dtx_threshold",
    "glrt_detect",
    "pucch",
    "pucch_alpha",
    "pucch_cyclic_shift_hopping",
    "pucch_decode",
    "pucch_dmrs",
    "pucch_dmrs_indices",
    "pucch_dmrs_symbols",
    "pucch_format0_cyclic_shift",
    "pucch_format1_occ",
    "pucch_format1_spreading",
    "pucch_format4_occ",
    "pucch_group_sequence",
    "pucch_hopping_id",
    "pucch_indices",
    "pucch_n_id",
    "pucch_re_layout",
    "subspace_estimate",
    "uci_dtx_threshold",
]
