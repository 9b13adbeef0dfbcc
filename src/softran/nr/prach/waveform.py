"""The PRACH time-domain signal, TS 38.211 §5.3.2, and its frequency positions (§6.3.3.2):
MATLAB ``nrPRACH`` / ``nrPRACHIndices``.

``s(t) = sum_{k=0}^{L_RA-1} y(k) exp(j 2 pi (k + K k_1 + kbar) Delta f_RA (t - N_CP,l^RA T_c -
t_start^RA))`` for ``0 <= t - t_start^RA < (N_u + N_CP,l^RA) T_c``, with

* ``K = Delta f / Delta f_RA``, ``k_1 = N_BWP^start N_sc^RB + n_RA^start N_sc^RB + n_RA N_RB^RA
  N_sc^RB - N_grid^size N_sc^RB / 2`` (k_0^mu = 0 for one numerology; the BWP start is
  counted from the start of the carrier grid, as the OFDM signal of §5.3.1), kbar and N_RB^RA
  of Table 6.3.3.2-1;
* ``t_start^RA`` the start of symbol ``l = l_0 + n_t^RA N_dur^RA + 14 n_slot^RA`` of the
  subframe (FR2: of the subframe that holds the 60 kHz slot) in the numerology of Delta f_RA
  (15 kHz for the long formats), ``N_TA = 0``; n_slot^RA = 0 for Delta f_RA in {1.25, 5, 15, 60}
  kHz, and for {30, 120} kHz 1 when the configuration has one PRACH slot, else
  ``config.active_slot``;
* ``N_CP,l^RA = N_CP^RA + n 16 kappa``, n the number of times the preamble interval overlaps
  t = 0 or t = 0.5 ms of the subframe (short formats; n = 0 for the long ones).

Sampling: the carrier's OFDM sample rate f_s (:func:`~softran.nr.ofdm_info`); one period
1 / Delta f_RA is ``N = f_s / Delta f_RA`` samples (an inverse DFT of size N with the PRACH
subcarriers at bins ``(k + K k_1 + kbar) mod N``, orthonormal as :func:`~softran.nr.ofdm_modulate`:
unit energy per PRACH resource element), the useful part is ``N_u / N`` periods and the cyclic
prefix its last N_CP,l samples. The returned waveform starts at the start of the subframe:
zeros up to t_start^RA, then the preamble.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.ofdm import INV_TC, KAPPA, ofdm_info
from softran.nr.prach.config import PRACHConfig, check_prach_config
from softran.nr.prach.sequence import prach_sequence

__all__ = ["PRACHInfo", "prach", "prach_indices", "prach_info"]

#: Samples of T_c in half a subframe (0.5 ms).
_HALF_MS_TC = INV_TC // 2000


@dataclass(frozen=True)
class PRACHInfo:
    """Timing and frequency of one PRACH occasion at the carrier's sample rate.

    ``sample_rate`` f_s (Hz); ``n`` samples per period 1 / Delta f_RA (the FFT size of one
    repetition); ``n_u``, ``n_cp`` the useful part and the cyclic prefix N_CP,l^RA in samples;
    ``start`` the first sample of the cyclic prefix (t_start^RA) from the start of the
    subframe; ``length`` = start + n_cp + n_u (the waveform length); ``repetitions`` = n_u / n;
    ``first_bin`` = K k_1 + kbar, the frequency of PRACH subcarrier 0 in units of Delta f_RA
    relative to the carrier centre; ``k_offset`` the same from the lowest subcarrier of the
    carrier grid; ``symbol`` l of §5.3.2; ``n_rb_ra`` N_RB^RA.
    """

    sample_rate: float
    n: int
    n_u: int
    n_cp: int
    start: int
    length: int
    repetitions: int
    first_bin: int
    k_offset: int
    symbol: int
    n_rb_ra: int


def _tc_to_samples(tc: int, fs: float, what: str) -> int:
    value = Fraction(tc) * Fraction(fs).limit_denominator(10**6) / INV_TC
    if value.denominator != 1:
        raise ValueError(f"the PRACH {what} ({tc} T_c) is not a whole number of samples at "
                         f"{fs / 1e6:g} MHz; use a sample rate that is a multiple of 30.72 MHz "
                         f"* Delta f_RA / 15 kHz, e.g. the default nfft")
    return int(value)


def prach_info(carrier: CarrierConfig, config: PRACHConfig, *, nfft: int | None = None,
               sample_rate: float | None = None) -> PRACHInfo:
    """Timing and frequency of the PRACH occasion (module docstring; MATLAB
    ``nrPRACHOFDMInfo`` / ``nrPRACHConfig`` derived values).

    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    >>> p = PRACHConfig(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30)
    >>> i = prach_info(c, p)
    >>> i.n, i.repetitions, i.n_cp, i.start   # slot 1 of the subframe: CP + 16 kappa at 0.5 ms
    (512, 12, 242, 7680)
    """
    carrier, config = check_prach_config(carrier, config)
    fmt = config.format_info
    row = config.table_row
    fs = float(ofdm_info(carrier, nfft=nfft, sample_rate=sample_rate).sample_rate)
    dfra = config.delta_f_ra * 1e3
    n_fft = fs / dfra
    if abs(n_fft - round(n_fft)) > 1e-6:
        raise ValueError(f"the sample rate {fs / 1e6:g} MHz is not a multiple of Delta f_RA = "
                         f"{config.delta_f_ra} kHz")
    n = int(round(n_fft))
    mu = config.mu
    scale = 1 if fmt.long else 1 << mu                  # kappa 2^-mu units of the short formats
    n_u_tc = fmt.n_u * KAPPA // scale
    n_cp_tc = fmt.n_cp * KAPPA // scale
    # t_start: start of symbol l of the subframe in the numerology of Delta f_RA (15 kHz long)
    if fmt.long:
        n_slot = 0
    elif config.delta_f_ra in (30.0, 120.0):
        n_slot = 1 if row.prach_slots == 1 else config.active_slot
    else:
        n_slot = 0
    l = row.starting_symbol + config.time_index * row.duration + 14 * n_slot
    sym_u = 2048 * KAPPA >> mu
    sym_cp = 144 * KAPPA >> mu
    long_cp = {0, 7 << mu}
    t_start = sum(sym_u + sym_cp + (16 * KAPPA if i in long_cp else 0) for i in range(l))
    if config.frequency_range == "FR2":
        # the 60 kHz slot of the table inside its subframe (0.25 ms each)
        t_start += (row.slots[0] % 4) * (INV_TC // 4000)
    n_extra = 0
    if not fmt.long:
        end = t_start + n_u_tc + n_cp_tc
        n_extra = sum(1 for t in (0, _HALF_MS_TC) if t_start <= t <= end)
    n_cp_tc += n_extra * 16 * KAPPA
    n_rb, kbar = config.n_rb_ra(carrier)
    start_bwp, _ = config.bwp(carrier)
    rb = (start_bwp - carrier.n_start_grid) + config.frequency_start + \
        config.frequency_index * n_rb
    k_ratio = Fraction(carrier.subcarrier_spacing * 1000) / Fraction(dfra).limit_denominator(8)
    k_offset = k_ratio * N_SC_RB * rb + kbar
    first = k_offset - k_ratio * N_SC_RB * carrier.n_size_grid / 2
    if k_offset.denominator != 1 or first.denominator != 1:
        raise ValueError("the PRACH subcarriers do not fall on the Delta f_RA raster of this "
                         "carrier")
    n_u = _tc_to_samples(n_u_tc, fs, "useful part")
    n_cp = _tc_to_samples(n_cp_tc, fs, "cyclic prefix")
    start = _tc_to_samples(t_start, fs, "start time")
    return PRACHInfo(sample_rate=fs, n=n, n_u=n_u, n_cp=n_cp, start=start,
                     length=start + n_cp + n_u, repetitions=n_u // n, first_bin=int(first),
                     k_offset=int(k_offset), symbol=l, n_rb_ra=n_rb)


def prach_indices(carrier: CarrierConfig, config: PRACHConfig) -> torch.Tensor:
    """The PRACH subcarriers in units of Delta f_RA from the lowest subcarrier of the carrier
    grid, ``K 12 (N_BWP^start + n_RA^start + n_RA N_RB^RA) + kbar + k``, k = 0..L_RA-1
    (TS 38.211 §5.3.2, §6.3.3.2; MATLAB ``nrPRACHIndices`` in its PRACH grid): int64
    ``[L_RA]``.

    >>> prach_indices(CarrierConfig(n_size_grid=25), PRACHConfig(frequency_start=2))[:3]
    tensor([295, 296, 297])
    """
    info = prach_info(carrier, config)
    return info.k_offset + torch.arange(config.l_ra, dtype=torch.int64)


def prach(carrier: CarrierConfig, config: PRACHConfig, *, nfft: int | None = None,
          sample_rate: float | None = None, preamble_index: int | None = None,
          device: torch.device | str | None = None) -> torch.Tensor:
    """The PRACH preamble waveform of one occasion from the start of its subframe (module
    docstring; MATLAB ``nrPRACH`` followed by ``nrPRACHOFDMModulate``): complex64
    ``[info.length]`` at the carrier's sample rate, zero before t_start^RA.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> w = prach(c, PRACHConfig(zero_correlation_zone=1, sequence_index=22, preamble_index=32))
    >>> w.shape, round(float(w.abs().square().sum()) / 839, 3)    # (N_CP + N_u) / N_u
    (torch.Size([6936]), 1.129)
    """
    info = prach_info(carrier, config, nfft=nfft, sample_rate=sample_rate)
    y = prach_sequence(config, preamble_index).to(torch.complex128)
    spec = torch.zeros(info.n, dtype=torch.complex128)
    bins = (info.first_bin + torch.arange(config.l_ra)) % info.n
    spec[bins] = y
    period = torch.fft.ifft(spec, norm="ortho")                          # one 1/Delta f_RA period
    t = torch.arange(-info.n_cp, info.n_u) % info.n
    out = torch.zeros(info.length, dtype=torch.complex64)
    out[info.start:] = period[t].to(torch.complex64)
    return out.to(device=device)
