"""Base-station receiver building blocks: DM-RS channel estimation, noise/interference
covariance, MMSE(-IRC) equalisation and timing offset estimation (receiver algorithms
are implementation choices; the references are the DM-RS of TS 38.211 §6.4.1.1)."""

from softran.nr.receiver.channel_estimate import channel_estimate
from softran.nr.receiver.equalize import mmse_equalize, mrc_combine, zf_equalize
from softran.nr.receiver.noise_covariance import noise_covariance
from softran.nr.receiver.timing import timing_correct, timing_estimate

__all__ = ["channel_estimate", "mmse_equalize", "mrc_combine", "noise_covariance",
           "timing_correct", "timing_estimate", "zf_equalize"]
