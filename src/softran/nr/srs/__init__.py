"""The sounding reference signal, TS 38.211 §6.4.1.4 and TS 38.214 §6.2.1: configuration (with
the bandwidth configuration Table 6.4.1.4.3-1), sequence, resource mapping with frequency
hopping, and a gNB channel estimate with timing and SNR reports.

The function :func:`srs` (MATLAB ``nrSRS``) is what ``softran.nr.srs`` names as an attribute
of ``softran.nr``; this sub-package is imported by its dotted path
(``from softran.nr.srs import SRSConfig``)."""

from softran.nr.srs.config import (
    SRS_PERIODICITIES,
    SRSConfig,
    check_srs_config,
    srs_bandwidth_configuration,
)
from softran.nr.srs.estimate import (
    SRSEstimate,
    srs_channel_estimate,
)
from softran.nr.srs.signal import (
    srs,
    srs_frequency_positions,
    srs_indices,
    srs_port_shifts,
    srs_sequence_numbers,
)

__all__ = [
    "SRS_PERIODICITIES",
    "SRSConfig",
    "SRSEstimate",
    "check_srs_config",
    "srs",
    "srs_bandwidth_configuration",
    "srs_channel_estimate",
    "srs_frequency_positions",
    "srs_indices",
    "srs_port_shifts",
    "srs_sequence_numbers",
]
