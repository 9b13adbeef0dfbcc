"""Adjacent channel leakage power ratio of a base-station recording, TS 38.104 §6.6.3
(conducted, FR1), for adjacent NR carriers of the same channel bandwidth.

ACLR = (power in the assigned channel) / (power in an adjacent channel), both measured with
a square filter of the transmission bandwidth configuration BW_Config = N_RB 12 SCS
(TS 38.104 Table 6.6.3.2-1 / §6.6.3.2, the NR adjacent channel), the adjacent channels
centred BW_Channel (first) and 2 BW_Channel (second) below and above the carrier centre. The
limit is 45 dB (TS 38.104 Table 6.6.3.2-1; conformance.md §3.2).

The power spectral density is estimated by Welch's method
(:func:`~softran.sim.spectrum.welch_psd`, Hann window, 50 % overlap) with a resolution of at
most SCS / 4; a channel's power is the integral of the PSD over its filter.
The recording must be sampled fast enough to hold the adjacent channel: a test model
generated at the nominal FFT size is not (use a larger ``nfft``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.sim.spectrum import welch_psd
from softran.validation import check_int, check_positive, check_real, check_tensor

__all__ = ["ACLR_LIMIT_DB", "ACLRResult", "measure_aclr"]

#: ACLR limit for an adjacent NR carrier of the same bandwidth, TS 38.104 §6.6.3.2 (dB)
ACLR_LIMIT_DB = 45.0


@dataclass(frozen=True)
class ACLRResult:
    """The outcome of :func:`measure_aclr`: ``aclr_db`` per adjacent channel
    ``{(order, side): dB}`` (order 1 or 2, side ``"lower"`` / ``"upper"``), the measurement
    bandwidth and channel spacing in Hz, the limit, and the PSD (``freqs``, ``psd_db`` in dB
    relative to the assigned channel's power per Hz) for plotting."""

    aclr_db: dict[tuple[int, str], float]
    measurement_bandwidth_hz: float
    channel_spacing_hz: float
    limit_db: float
    freqs: torch.Tensor
    psd_db: torch.Tensor

    def passed(self) -> bool:
        """Whether every measured adjacent channel meets the limit."""
        return all(v >= self.limit_db for v in self.aclr_db.values())


def measure_aclr(recording: torch.Tensor, sample_rate: float, *, bandwidth_mhz: int,
                 scs_khz: int, n_rb: int | None = None, center_hz: float = 0.0
                 ) -> ACLRResult:
    """ACLR of a recording of an NR carrier (module docstring).

    Args:
        recording: complex ``[T]`` or ``[n_ant, T]`` (antennas averaged).
        sample_rate: Hz.
        bandwidth_mhz, scs_khz: the channel (BW_Channel) and its SCS.
        n_rb: N_RB (default TS 38.104 Table 5.3.2-1 for the bandwidth and SCS).
        center_hz: the carrier centre within the recording's band.

    >>> from softran.sim.nr_tm import nr_tm
    >>> tm = nr_tm("NR-FR1-TM1.1", 5, 15, nfft=2048)           # 30.72 MHz: +-2 channels
    >>> r = measure_aclr(tm.waveform, tm.sample_rate, bandwidth_mhz=5, scs_khz=15)
    >>> sorted(r.aclr_db), r.aclr_db[(1, "upper")] > 20
    ([(1, 'lower'), (1, 'upper'), (2, 'lower'), (2, 'upper')], True)
    """
    x = check_tensor("recording", recording, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"recording must be complex, got dtype {x.dtype}")
    sample_rate = check_positive("sample_rate", sample_rate)
    scs_khz = check_int("scs_khz", scs_khz, 15)
    n_rb = n_rb_for_bandwidth(bandwidth_mhz, scs_khz) if n_rb is None else \
        check_int("n_rb", n_rb, 1, 275)
    center_hz = check_real("center_hz", center_hz)
    bw_config = n_rb * 12 * scs_khz * 1e3
    spacing = bandwidth_mhz * 1e6
    if abs(center_hz) + spacing + bw_config / 2 > sample_rate / 2:
        need = 2 * (abs(center_hz) + spacing + bw_config / 2)
        raise ValueError(f"sample_rate = {sample_rate / 1e6:g} MHz cannot hold the adjacent "
                         f"channel {spacing / 1e6:g} MHz from the carrier (its edge at "
                         f"{(abs(center_hz) + spacing + bw_config / 2) / 1e6:g} MHz); it needs "
                         f"more than {need / 1e6:g} MHz: record with a larger nfft")
    segment = 1 << math.ceil(math.log2(sample_rate / (scs_khz * 1e3 / 4)))
    if x.shape[-1] < segment:
        raise ValueError(f"the recording holds {x.shape[-1]} samples; the PSD at SCS / 4 "
                         f"resolution needs at least {segment}")
    freqs, psd = welch_psd(x, sample_rate, segment)
    df = float(freqs[1] - freqs[0])

    def band_power(centre: float) -> float:
        sel = (freqs >= centre - bw_config / 2) & (freqs < centre + bw_config / 2)
        return float(psd[sel].sum() * df)

    p0 = band_power(center_hz)
    if p0 <= 0:
        raise ValueError("the recording holds no power in the assigned channel")
    out: dict[tuple[int, str], float] = {}
    for order in (1, 2):
        for side, sign in (("lower", -1), ("upper", 1)):
            c = center_hz + sign * order * spacing
            if abs(c) + bw_config / 2 > sample_rate / 2:
                continue
            p = band_power(c)
            out[(order, side)] = math.inf if p <= 0 else 10 * math.log10(p0 / p)
    ref = p0 / bw_config
    psd_db = 10 * torch.log10(psd.clamp_min(ref * 1e-30) / ref)
    return ACLRResult(aclr_db=out, measurement_bandwidth_hz=bw_config,
                      channel_spacing_hz=spacing, limit_db=ACLR_LIMIT_DB, freqs=freqs,
                      psd_db=psd_db)
