"""NTN fading channels (TR 38.811 §6.9): the NTN-TDL and NTN-CDL models with the satellite
Doppler of §6.9.2 applied to the whole channel.

TR 38.811 §6.9.2 splits the Doppler of a satellite link into

* the **satellite Doppler** ``f_d,sat`` (from the satellite's motion, up to tens of kHz in
  LEO), which is the same for every path because all paths leave the satellite in almost
  the same direction: a common frequency shift of the whole channel; and
* the **UE-motion Doppler** of the scatterers around the UE, modelled as in TR 38.901
  (classical Jakes spectrum of maximum ``max_doppler`` for the Rayleigh paths, ``+f_D`` for
  the LOS path), which spreads the spectrum.

:class:`NTNTDLChannel` is a :class:`~softran.channel.TDLChannel` (its public interface,
unchanged: profile, delay spread, UE Doppler, antennas, correlation, seed) whose output is
multiplied by the common rotation ``exp(j 2 pi (f_sat t + rate t^2 / 2))``, ``t = n / f_s``
with ``n`` the absolute sample index since :meth:`reset` (so consecutive calls continue one
realisation, the shift included). ``satellite_doppler_rate`` lets the shift sweep as it
does during a pass. The phase is accumulated in cycles in float64 and wrapped before it
becomes a complex rotation. :class:`NTNCDLChannel` does the same around
:class:`~softran.channel.CDLChannel` with a caller-given NTN-CDL profile (the TR 38.811
tables were not available; see :func:`~softran.channel.ntn_cdl_profile`).

``path_gains`` and :meth:`frequency_response` include the common shift, so an OFDM
receiver given the "perfect" channel sees what the waveform went through.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from softran.channel.cdl import CDLChannel
from softran.channel.cdl_profiles import CDLProfile
from softran.channel.ntn_profiles import ntn_cdl_profile, ntn_tdl_profile
from softran.channel.profiles import TDLProfile
from softran.channel.tdl import TDLChannel
from softran.validation import check_real

__all__ = ["NTNCDLChannel", "NTNTDLChannel", "SatelliteDoppler"]


class SatelliteDoppler:
    """The common satellite Doppler rotation of TR 38.811 §6.9.2 on an absolute sample
    clock: ``exp(j 2 pi (f t + r t^2 / 2))``, ``t = n / sample_rate``.

    >>> rot = SatelliteDoppler(1000.0, 0.0, 8000.0).rotation(torch.arange(3))
    >>> torch.view_as_real(rot).round(decimals=4)
    tensor([[1.0000, 0.0000],
            [0.7071, 0.7071],
            [0.0000, 1.0000]])
    """

    def __init__(self, shift: float, rate: float, sample_rate: float) -> None:
        self.shift = check_real("satellite_doppler", shift)
        self.rate = check_real("satellite_doppler_rate", rate)
        self.sample_rate = check_real("sample_rate", sample_rate)
        if not self.sample_rate > 0:
            raise ValueError(f"sample_rate = {sample_rate} is not allowed; it must be > 0")
        if abs(self.shift) >= self.sample_rate / 2:
            raise ValueError(f"satellite_doppler = {self.shift} Hz is not allowed; it must "
                             f"satisfy |f| < sample_rate / 2 = {self.sample_rate / 2} Hz")

    @property
    def active(self) -> bool:
        """Whether the rotation differs from 1."""
        return self.shift != 0.0 or self.rate != 0.0

    def rotation(self, n_abs: torch.Tensor, dtype: torch.dtype = torch.complex64
                 ) -> torch.Tensor:
        """Rotation at absolute sample indices ``n_abs`` ``[N]`` -> ``[N]`` complex."""
        n = n_abs.to(torch.float64)
        t = n / self.sample_rate
        cycles = self.shift * t + 0.5 * self.rate * t * t
        cycles = torch.remainder(cycles, 1.0)
        rot = torch.polar(torch.ones_like(cycles), 2.0 * math.pi * cycles)
        return rot.to(dtype)

    def rotation_run(self, start: int, n: int, dtype: torch.dtype = torch.complex64,
                     device: torch.device | str | None = None, block: int = 512
                     ) -> torch.Tensor:
        """The TR 38.811 §6.9.2 rotation at the contiguous samples ``start .. start + n - 1``
        ``[n]``,
        without a transcendental per sample: with ``k = a B + b`` (block ``a`` of ``B``
        samples, offset ``b``), ``cycles(start + k) = phi_a + alpha b + beta b^2 / 2 +
        delta a b`` where ``phi_a`` is the phase at the block start and ``alpha``,
        ``beta = rate / fs^2``, ``delta = rate B / fs^2`` per-sample constants; the
        first three factors are an outer product of float64-accurate vectors, and the
        cross term ``exp(j 2 pi delta a b)`` (zero without a rate, below 1e-2 rad in any
        call shorter than ``0.01 fs^2 / (2 pi |rate| B)`` samples) is its Taylor series
        to the 5th order, or the direct rotation beyond that.

        >>> d = SatelliteDoppler(-4500.0, -300.0, 30.72e6)
        >>> run = d.rotation_run(1000, 5000)
        >>> bool((run - d.rotation(torch.arange(1000, 6000))).abs().max() < 1e-6)
        True
        """
        if n <= 0:
            return torch.ones(0, dtype=dtype, device=device)
        n_blocks = -(-n // block)
        fs = self.sample_rate
        a = torch.arange(n_blocks, dtype=torch.float64)
        b = torch.arange(block, dtype=torch.float64)
        t_a = (start + a * block) / fs
        phi = torch.remainder(self.shift * t_a + 0.5 * self.rate * t_a * t_a, 1.0)
        t0 = start / fs
        alpha = (self.shift + self.rate * t0) / fs
        beta = self.rate / (fs * fs)
        q = torch.remainder(alpha * b + 0.5 * beta * b * b, 1.0)
        p_a = torch.polar(torch.ones_like(phi), 2.0 * math.pi * phi).to(dtype)
        q_b = torch.polar(torch.ones_like(q), 2.0 * math.pi * q).to(dtype)
        rot = p_a[:, None] * q_b[None, :]
        if self.rate != 0.0:
            delta = 2.0 * math.pi * beta * block
            x_max = abs(delta) * (n_blocks - 1) * (block - 1)
            if x_max < 1e-2:
                x = torch.outer(a.to(torch.float32), b.to(torch.float32)).mul_(delta)
                x2 = x * x
                cos = 1.0 - x2 * (0.5 - x2 / 24.0)
                sin = x * (1.0 - x2 * (1.0 / 6.0 - x2 / 120.0))
                rot.mul_(torch.complex(cos, sin).to(dtype))
            else:
                k = start + torch.arange(n_blocks * block)
                return self.rotation(k, dtype)[:n].to(device)
        return rot.reshape(-1)[:n].to(device)


class _CommonShift(torch.nn.Module):
    """A fading block followed by the common satellite Doppler rotation."""

    fading: Any

    def _init_shift(self, shift: float, rate: float) -> None:
        self.doppler = SatelliteDoppler(shift, rate, self.fading.sample_rate)
        self.sample_index = 0

    @property
    def satellite_doppler(self) -> float:
        """Common Doppler shift at ``t = 0`` in Hz."""
        return self.doppler.shift

    @property
    def satellite_doppler_rate(self) -> float:
        """Rate of change of the common shift in Hz/s."""
        return self.doppler.rate

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in ("n_tx", "n_rx", "n_paths", "sample_rate", "path_delays",
                        "path_powers", "profile", "max_doppler", "seed", "delay_spread",
                        "gain_interval", "path_gain_sample_times", "filter_delay"):
                return getattr(self._modules["fading"], name)
            raise

    def reset(self) -> None:
        """Restart the realisation (the fading and the common shift) at sample 0."""
        self.fading.reset()
        self.sample_index = 0

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """``[batch, n_tx, T]`` complex -> ``[batch, n_rx, T]``, continuing the
        realisation (the fading and the satellite Doppler) from the previous call."""
        y = self.fading(waveform)
        n_t = y.shape[-1]
        if self.doppler.active:
            y = y * self.doppler.rotation_run(self.sample_index, n_t, y.dtype, y.device)
        self.sample_index += n_t
        return y

    @property
    def path_gains(self) -> torch.Tensor | None:
        """``[batch, n_rx, n_tx, n_paths, n_grid]`` of the last call at
        ``path_gain_sample_times``, the common shift included."""
        g = self.fading.path_gains
        if g is None or not self.doppler.active:
            return g
        t = self.fading.path_gain_sample_times
        return g * self.doppler.rotation(t, g.dtype)

    def frequency_response(self, n_subcarriers: int, subcarrier_spacing: float,
                           sample_times: torch.Tensor) -> torch.Tensor:
        """Frequency response of the running realisation at ``sample_times`` (absolute
        sample indices), the common shift included: ``[batch, n_rx, n_tx, K, N]``."""
        h = self.fading.frequency_response(n_subcarriers, subcarrier_spacing, sample_times)
        if not self.doppler.active:
            return h
        return h * self.doppler.rotation(sample_times.to(h.device), h.dtype)


class NTNTDLChannel(_CommonShift):
    """NTN-TDL fading channel (TR 38.811 §6.9.2) with the common satellite Doppler.

    Args:
        profile: an NTN profile name (:data:`~softran.channel.NTN_TDL_PROFILE_NAMES`:
            ``"NTN-TDL-A"`` .. ``"NTN-TDL-D"``, ``"NTN-TDLA100"``, ``"NTN-TDLC5"``) or any
            :class:`~softran.channel.TDLProfile`.
        delay_spread: RMS delay spread in seconds for the normalised NTN-TDL-A..D
            (``None`` for the conformance profiles with absolute delays).
        max_doppler: UE-motion maximum Doppler ``f_D`` in Hz (Jakes spread).
        n_tx, n_rx, sample_rate: as :class:`~softran.channel.TDLChannel`.
        satellite_doppler: common shift ``f_d,sat`` in Hz (after any pre-compensation: pass
            the residual to model a compensated link).
        satellite_doppler_rate: its rate of change in Hz/s.
        **tdl: ``seed``, ``n_sinusoids``, ``normalize``, ``gain_interval``,
            ``correlation`` of :class:`~softran.channel.TDLChannel`.

    >>> ch = NTNTDLChannel("NTN-TDL-C", 100e-9, 20.0, n_rx=2, sample_rate=7.68e6,
    ...                    satellite_doppler=3000.0, seed=1)
    >>> ch(torch.zeros(2, 1, 100, dtype=torch.complex64)).shape, ch.profile.k_factor_db
    (torch.Size([2, 2, 100]), 10.224)
    """

    def __init__(self, profile: TDLProfile | str, delay_spread: float | None = None,
                 max_doppler: float = 0.0, n_tx: int = 1, n_rx: int = 1,
                 sample_rate: float = 30.72e6, *, satellite_doppler: float = 0.0,
                 satellite_doppler_rate: float = 0.0, **tdl: Any) -> None:
        super().__init__()
        if isinstance(profile, str):
            profile = ntn_tdl_profile(profile)
        self.fading = TDLChannel(profile, delay_spread, max_doppler, n_tx, n_rx, sample_rate,
                                 **tdl)
        self._init_shift(satellite_doppler, satellite_doppler_rate)


class NTNCDLChannel(_CommonShift):
    """NTN-CDL fading channel (TR 38.811 §6.9.1) with the common satellite Doppler of
    §6.9.2, around :class:`~softran.channel.CDLChannel`.

    Args:
        profile: a :class:`~softran.channel.CDLProfile` built from TR 38.811 Tables
            6.9.1-1..4 (a name goes to :func:`~softran.channel.ntn_cdl_profile`, which
            raises: the tables are not shipped).
        delay_spread, max_doppler, ...: as :class:`~softran.channel.CDLChannel`.
        satellite_doppler, satellite_doppler_rate: the common shift (Hz, Hz/s).

    >>> from softran.channel import cdl_profile
    >>> ch = NTNCDLChannel(cdl_profile("CDL-D"), 100e-9, 10.0, sample_rate=7.68e6,
    ...                    satellite_doppler=500.0, seed=2)
    >>> ch(torch.zeros(1, 1, 64, dtype=torch.complex64)).shape
    torch.Size([1, 1, 64])
    """

    def __init__(self, profile: CDLProfile | str, delay_spread: float,
                 max_doppler: float | None = None, *, satellite_doppler: float = 0.0,
                 satellite_doppler_rate: float = 0.0, **cdl: Any) -> None:
        super().__init__()
        if isinstance(profile, str):
            profile = ntn_cdl_profile(profile)
        self.fading = CDLChannel(profile, delay_spread, max_doppler, **cdl)
        self._init_shift(satellite_doppler, satellite_doppler_rate)
