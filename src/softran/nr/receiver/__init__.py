"""Base-station receiver building blocks: DM-RS channel estimation, noise/interference
covariance, MMSE(-IRC) equalisation, PT-RS phase tracking and timing offset estimation
(receiver algorithms are implementation choices; the references are the DM-RS and PT-RS of
TS 38.211 §6.4.1.1 / §6.4.1.2)."""

from softran.nr.receiver.channel_estimate import channel_estimate
from softran.nr.receiver.equalize import mmse_equalize, mrc_combine, zf_equalize
from softran.nr.receiver.noise_covariance import noise_covariance
from softran.nr.receiver.phase_tracking import (
                                                common_phase_correct,
                                                interpolate_phase,
                                                ptrs_common_phase_error,
)
from softran.nr.receiver.timing import timing_correct, timing_estimate

__all__ = ["channel_estimate", "common_phase_correct", "interpolate_phase", "mmse_equalize",
           "mrc_combine", "noise_covariance", "ptrs_common_phase_error", "timing_correct",
           "timing_estimate", "zf_equalize"]
