"""Channel state information, TS 38.214 §5.2: CQI tables and selection (cqi), the Type I
single-panel codebook (codebook), the UE's report and its CSI part 1 bits (report)."""

from softran.nr.csi.codebook import type1_single_panel_codebook, type1_single_panel_ranks
from softran.nr.csi.cqi import (
    CQI_GAP_DB,
    CQIEntry,
    cqi_select,
    cqi_sinr_threshold_db,
    cqi_table,
    effective_sinr,
    mcs_for_cqi,
)
from softran.nr.csi.report import (
    CSIReport,
    csi_part1_size,
    csi_report,
    pack_csi_part1,
    unpack_csi_part1,
)

__all__ = [
    "CQI_GAP_DB",
    "CQIEntry",
    "CSIReport",
    "cqi_select",
    "cqi_sinr_threshold_db",
    "cqi_table",
    "csi_part1_size",
    "csi_report",
    "effective_sinr",
    "mcs_for_cqi",
    "pack_csi_part1",
    "type1_single_panel_codebook",
    "type1_single_panel_ranks",
    "unpack_csi_part1",
]
