"""The physical random access channel, TS 38.211 §5.3.2 and §6.3.3; TS 38.213 §8:
configuration (the random access configuration tables), preamble sequences, the time-domain
signal and the gNB detector.

The function :func:`prach` (MATLAB ``nrPRACH``) is what ``softran.nr.prach`` names as an
attribute of ``softran.nr``; this sub-package is imported by its dotted path
(``from softran.nr.prach import PRACHConfig``)."""

from softran.nr.prach.config import (
    PRACH_RESTRICTED_SETS,
    PRACHConfig,
    check_prach_config,
)
from softran.nr.prach.detect import (
    PRACHDetection,
    PRACHDetector,
    gamma_tail_threshold,
    prach_detect,
)
from softran.nr.prach.sequence import (
    N_PREAMBLES,
    prach_cyclic_shifts,
    prach_preamble_map,
    prach_root_sequence,
    prach_sequence,
)
from softran.nr.prach.tables import (
    PRACH_FORMATS,
    PRACHFormat,
    PRACHTableRow,
    prach_configuration_row,
    prach_format,
    prach_kbar,
    prach_logical_root,
    prach_ncs,
)
from softran.nr.prach.waveform import (
    PRACHInfo,
    prach,
    prach_indices,
    prach_info,
)

__all__ = [
    "N_PREAMBLES",
    "PRACH_FORMATS",
    "PRACH_RESTRICTED_SETS",
    "PRACHConfig",
    "PRACHDetection",
    "PRACHDetector",
    "PRACHFormat",
    "PRACHInfo",
    "PRACHTableRow",
    "check_prach_config",
    "gamma_tail_threshold",
    "prach_detect",
    "prach",
    "prach_configuration_row",
    "prach_cyclic_shifts",
    "prach_format",
    "prach_indices",
    "prach_info",
    "prach_kbar",
    "prach_logical_root",
    "prach_ncs",
    "prach_preamble_map",
    "prach_root_sequence",
    "prach_sequence",
]
