"""The O-DU's L1: a slot-driven PHY that serves SCF 222 FAPI P7 messages with softran's NR
blocks and drives the O-RAN fronthaul (see docs/architecture.md)."""

from softran.phy.csi_rs import csi_rs_config, csi_rs_pdu
from softran.phy.phy import PHY, PHYTimes

__all__ = ["PHY", "PHYTimes", "csi_rs_config", "csi_rs_pdu"]
