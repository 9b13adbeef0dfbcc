"""Channel-state-information reference signals, TS 38.211 §7.4.1.5: every row of the location
table (Table 7.4.1.5.3-1, 1 to 32 ports, noCDM / FD-CDM2 / CDM4 / CDM8, densities 0.5 / 1 / 3),
zero- and non-zero-power resources with their periodicity, the sequence and mapping, the
tracking reference signal of TS 38.214 §5.1.6.1.1, and the overlap check with DM-RS / SSB."""

from softran.nr.csi_rs.config import (
    CSI_RS_DENSITIES,
    CSI_RS_PERIODS,
    CSIRSConfig,
)
from softran.nr.csi_rs.resources import (
    check_csi_rs_overlap,
    csi_rs,
    csi_rs_c_init,
    csi_rs_indices,
)
from softran.nr.csi_rs.table import (
    CSI_RS_CDM_TYPES,
    CSIRSRow,
    csi_rs_cdm_weights,
    csi_rs_row,
    csi_rs_rows_for_ports,
)
from softran.nr.csi_rs.trs import (
    TRS_SYMBOL_PAIRS,
    trs_resources,
)

__all__ = [
    "CSI_RS_CDM_TYPES",
    "CSI_RS_DENSITIES",
    "CSI_RS_PERIODS",
    "TRS_SYMBOL_PAIRS",
    "CSIRSConfig",
    "CSIRSRow",
    "check_csi_rs_overlap",
    "csi_rs",
    "csi_rs_c_init",
    "csi_rs_cdm_weights",
    "csi_rs_indices",
    "csi_rs_row",
    "csi_rs_rows_for_ports",
    "trs_resources",
]
