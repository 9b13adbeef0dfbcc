"""gNB channel estimate from the SRS (TS 38.211 §6.4.1.4; the estimator is an implementation
choice, TS 38.214 §6.2.1 uses its results): per port, per comb RE, with timing and SNR reports.

Ports that share a comb are separated by their cyclic shifts. Per SRS symbol, receive antenna
and comb, with the received comb REs y(k') (k' = 0..M-1, M = M_sc,b^SRS) and the base
sequence rbar(k') of that symbol (alpha = 0):

1. ``d = DFT_M(y conj(rbar))`` (orthonormal): port i with cyclic shift n_cs,i sits at
   ``s_i = n_cs,i M / n_cs,max`` and a channel delay tau moves it to ``s_i - tau M K_TC Delta_f``;
2. port i's window is the delays ``-M/32 <= delta < M / (2 P_c)`` (P_c ports on the comb) with
   ``delta = (s_i - m) mod M`` wrapped to (-M/2, M/2]; samples in no window estimate the noise
   ``s2`` per rx antenna (per RE, the transform being orthonormal). The reports use the
   transform of ``y conj(rbar)`` tapered by a Hann window, whose leakage from fractional delays
   falls off fast enough to leave the noise samples clean; the power ratios (SNR) need no
   correction for the taper's gain, the noise variance is divided by it;
3. ``h_i = IDFT_M(d on window i) exp(-j 2 pi s_i k' / M)`` -- the channel at the port's REs;
4. timing: the delay of the window's power peak (summed over antennas and symbols), refined by
   a parabola; SNR per RE ``(E_window - |W| s2) / (M s2)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from softran.nr.config import CarrierConfig
from softran.nr.sequences import low_papr_sequence
from softran.nr.srs.config import SRSConfig, check_srs_config
from softran.nr.srs.signal import srs_indices, srs_port_shifts, srs_sequence_numbers
from softran.validation import check_tensor

__all__ = ["SRSEstimate", "srs_channel_estimate"]


class SRSEstimate(NamedTuple):
    """Output of :func:`srs_channel_estimate`: ``h`` complex ``[..., n_rx, n_ports,
    n_symbols, M]`` the channel at each port's SRS REs (positions: :func:`srs_indices`);
    ``timing`` float32 ``[..., n_ports]`` seconds; ``snr_db`` float32 ``[..., n_ports]`` per RE
    and antenna; ``noise_var`` float32 ``[..., n_rx]`` per RE."""

    h: torch.Tensor
    timing: torch.Tensor
    snr_db: torch.Tensor
    noise_var: torch.Tensor


def srs_channel_estimate(grid: torch.Tensor, carrier: CarrierConfig, config: SRSConfig
                         ) -> SRSEstimate:
    """Estimate the channel of every SRS port from a received slot grid (module docstring).

    Parameters
    ----------
    grid : complex ``[..., n_rx, n_symbols_slot, K]``.
    carrier, config : the carrier and the SRS resource.

    Returns
    -------
    :class:`SRSEstimate`.

    >>> from softran.nr.srs import srs
    >>> c = CarrierConfig(n_size_grid=52)
    >>> s = SRSConfig(n_ports=2, c_srs=14)
    >>> g = torch.zeros(1, 1, 14, 624, dtype=torch.complex64)
    >>> ind, val = srs_indices(c, s), srs(c, s)
    >>> g.view(1, 1, -1)[..., ind[0] % (14 * 624)] += 0.5 * val[0]        # port 1000 only
    >>> g.view(1, 1, -1)[..., ind[1] % (14 * 624)] += 1j * val[1]         # port 1001
    >>> est = srs_channel_estimate(g, c, s)
    >>> (torch.view_as_real(est.h[0, 0, :, 0, :2]).round(decimals=3) + 0.0).tolist()
    [[[0.5, 0.0], [0.5, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]
    """
    carrier, config = check_srs_config(carrier, config)
    grid = check_tensor("grid", grid, min_dim=3)
    if not grid.is_complex():
        raise TypeError(f"grid must be complex, got dtype {grid.dtype}")
    k_grid = carrier.n_subcarriers
    if tuple(grid.shape[-2:]) != (carrier.symbols_per_slot, k_grid):
        raise ValueError(f"grid must be [..., n_rx, {carrier.symbols_per_slot}, {k_grid}], "
                         f"got {tuple(grid.shape)}")
    dev = grid.device
    m = config.n_sc
    n_sym = config.n_symbols
    ind = srs_indices(carrier, config, device=dev) % (carrier.symbols_per_slot * k_grid)
    shifts = srs_port_shifts(config)
    delta = config.comb.bit_length() - 1
    base = torch.stack([low_papr_sequence(u, v, 0.0, m, delta=delta)
                        for u, v in srs_sequence_numbers(carrier, config)]).to(dev)  # [S, M]
    flat = grid.flatten(-2)
    n_ports = config.n_ports
    h_out = torch.zeros(*grid.shape[:-2], n_ports, n_sym, m, dtype=grid.dtype, device=dev)
    timing = torch.zeros(*grid.shape[:-3], n_ports, dtype=torch.float32, device=dev)
    snr = torch.zeros_like(timing)
    pre = max(1, m // 32)
    mm = torch.arange(m, device=dev)
    k_prime = torch.arange(m, device=dev, dtype=torch.float64)
    noise_sum = torch.zeros(grid.shape[:-2], dtype=torch.float32, device=dev)
    noise_count = 0
    wsize = [1] * n_ports
    for k_tc in sorted({k for _, k in shifts}):
        ports = [i for i, (_, k) in enumerate(shifts) if k == k_tc]
        post = max(1, m // (2 * len(ports)))
        y = flat[..., ind[ports[0]]].reshape(*grid.shape[:-2], n_sym, m)       # [..., R, S, M]
        z = y * base.conj()
        d = torch.fft.fft(z, norm="ortho")
        # a Hann taper keeps the leakage of fractional delays out of the noise samples: the
        # reports (noise, SNR, timing) use the tapered transform, h the plain one
        taper = torch.hann_window(m, periodic=True, dtype=torch.float32, device=dev)
        power = torch.fft.fft(z * taper, norm="ortho").abs().square()
        used = torch.zeros(m, dtype=torch.bool, device=dev)
        windows = []
        for i in ports:
            s_i = shifts[i][0] * m // config.n_cs_max
            dl = torch.remainder(s_i - mm, m)
            dl = torch.where(dl > m // 2, dl - m, dl)                          # (-M/2, M/2]
            w = (dl >= -pre) & (dl < post)
            used |= w
            windows.append((i, s_i, dl, w))
            wsize[i] = int(w.sum())
        n_noise = int((~used).sum())
        if n_noise:
            noise_sum = noise_sum + power[..., ~used].sum(dim=(-2, -1))
            noise_count += n_noise * n_sym
        for i, s_i, dl, w in windows:
            hw = torch.fft.ifft(d * w, norm="ortho")
            rot = torch.exp(-2j * torch.pi * s_i * k_prime / m).to(hw.dtype)
            h_out[..., i, :, :] = hw * rot
            pw = (power * w).sum(dim=(-3, -2))                                # [..., M]
            pw = torch.where(w, pw, torch.full_like(pw, -1.0))
            peak = pw.argmax(-1)
            left = pw.gather(-1, ((peak - 1) % m).unsqueeze(-1)).squeeze(-1).clamp_min(0)
            right = pw.gather(-1, ((peak + 1) % m).unsqueeze(-1)).squeeze(-1).clamp_min(0)
            mid = pw.gather(-1, peak.unsqueeze(-1)).squeeze(-1)
            den = left - 2 * mid + right
            frac = torch.where(den < 0, 0.5 * (left - right) / den, torch.zeros_like(den))
            # the delay axis runs opposite to m: delta = s_i - m
            delay = dl[peak].to(torch.float32) - frac.clamp(-0.5, 0.5)
            spacing = config.comb * carrier.subcarrier_spacing * 1e3
            timing[..., i] = delay / (m * spacing)
            snr[..., i] = (power * w).sum(dim=(-2, -1)).mean(-1)              # per antenna
    gain = float(torch.hann_window(m, periodic=True, dtype=torch.float64).square().mean())
    noise_var = (noise_sum / max(noise_count, 1) / gain).to(torch.float32)
    if noise_count == 0:
        noise_var = torch.full_like(noise_var, float("nan"))
    nv = noise_var.mean(-1, keepdim=True) * gain
    sizes = torch.tensor(wsize, dtype=torch.float32, device=dev)
    sig = (snr / n_sym - sizes * nv) / (m * nv)
    snr_db = 10 * torch.log10(sig.clamp_min(1e-6))
    return SRSEstimate(h_out, timing, snr_db.to(torch.float32), noise_var)
