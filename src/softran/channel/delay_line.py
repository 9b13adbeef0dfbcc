"""The time-varying tapped delay line shared by :class:`~softran.channel.TDLChannel` and
:class:`~softran.channel.CDLChannel` (TR 38.901 §7.7: a channel is a sum of paths with a
delay and a time-varying complex gain per transmit/receive antenna pair).

* **Delays.** A path delay of ``d`` samples is realised by linear interpolation between
  the neighbouring integer delays: ``(1 - f) x[t - k] + f x[t - k - 1]`` with ``k = floor(d)``,
  ``f = d - k``.
* **Gains.** The exact gains (a subclass's ``_gains``) are evaluated on a grid of absolute
  sample instants ``gain_interval`` samples apart and linearly interpolated in between.
* **State.** The block keeps its absolute time and the last input samples, so consecutive
  calls continue one realisation; ``reset`` restarts it.
* **Frequency response** on an OFDM grid is that of the implemented filter, so it agrees with
  the faded waveform.
"""

from __future__ import annotations

import math

import torch

from softran.validation import (
    check_allocation,
    check_finite,
    check_int,
    check_positive,
    check_tensor,
)

__all__ = ["FadingDelayLine"]

#: elements of one chunk of intermediate tensors
CHUNK_ELEMENTS = 1 << 22


class FadingDelayLine(torch.nn.Module):
    """Base class: delay-line filtering, continuity and the frequency response.

    A subclass sets ``n_tx``, ``n_rx``, ``n_paths``, ``sample_rate``, ``gain_interval`` and
    ``path_delays`` (seconds, ``[n_paths]``), calls :meth:`_set_delays` and
    :meth:`_reset_line`, and implements ``_draw(batch, device)`` (sets ``self._batch`` and
    whatever ``_gains`` needs) and ``_gains(n_abs)`` -> ``[batch, n_rx, n_tx, n_paths, N]``
    complex64, the exact gains at absolute sample indices ``n_abs``.
    """

    n_tx: int
    n_rx: int
    sample_rate: float
    gain_interval: int
    path_delays: torch.Tensor

    @property
    def n_paths(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _draw(self, batch: int, device: torch.device) -> None:  # pragma: no cover
        raise NotImplementedError

    def _gains(self, n_abs: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def _set_delays(self) -> None:
        d = self.path_delays * self.sample_rate
        self._k = torch.floor(d).to(torch.int64)
        self._frac = (d - self._k).to(torch.float32)
        self._history_len = int(self._k.max()) + 1
        self.path_gains: torch.Tensor | None = None
        self.path_gain_sample_times: torch.Tensor | None = None

    def _reset_line(self) -> None:
        self._time = 0
        self._history: torch.Tensor | None = None
        self._batch: int | None = None

    def _realised(self) -> bool:
        return self._batch is not None

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """Fade ``waveform`` ``[batch, n_tx, T]`` (complex) -> ``[batch, n_rx, T]``,
        continuing the realisation from the previous call (TR 38.901 §7.7)."""
        x = check_tensor("waveform", waveform)
        if x.dim() != 3 or x.shape[1] != self.n_tx:
            raise ValueError(f"waveform must have shape [batch, n_tx={self.n_tx}, T], "
                             f"got {tuple(x.shape)}")
        if not x.is_complex():
            raise TypeError(f"waveform must be complex, got dtype {x.dtype}")
        check_finite("waveform", x)
        batch, _, n_t = x.shape
        # path gains on the gain grid: complex128 draw, complex64 copy, [G, D] and the
        # fractional-delay split (about 9 complex64 per gain), plus the output
        n_gains = n_t // self.gain_interval + 2
        check_allocation("waveform.shape", tuple(x.shape),
                         batch * self.n_rx * self.n_tx * self.n_paths * n_gains * 72
                         + 2 * batch * (self.n_rx + self.n_tx) * n_t * x.element_size(),
                         device=x.device)
        if not self._realised():
            self._draw(batch, x.device)
        elif batch != self._batch:
            raise ValueError(f"waveform batch = {batch} differs from the batch of the running "
                             f"realisation ({self._batch}); call reset() first")
        h_len = self._history_len
        if self._history is None:
            self._history = torch.zeros(batch, self.n_tx, h_len, dtype=x.dtype, device=x.device)
        xp = torch.cat([self._history.to(x.dtype), x], dim=-1)

        step = self.gain_interval
        n0 = self._time
        g_first = n0 // step
        g_last = (n0 + max(n_t, 1) - 1) // step + 1
        grid = torch.arange(g_first, g_last + 1, device=x.device, dtype=torch.int64) * step
        g_grid = self._gains(grid)  # [B, R, X, P, Ng]
        self.path_gains = g_grid
        self.path_gain_sample_times = grid

        r, tx, pp = self.n_rx, self.n_tx, self.n_paths
        kk = pp * tx
        # per grid interval i: gain(n) = G_i + w (G_{i+1} - G_i), w = (n - i step) / step;
        # [G_i, D_i] as one [K, 2R] matrix, K index = path * n_tx + tx
        g = g_grid.to(x.dtype).permute(0, 4, 3, 2, 1).reshape(batch, -1, kk, r)
        gd = torch.cat([g[:, :-1], g[:, 1:] - g[:, :-1]], dim=-1)  # [B, Ng-1, K, 2R]
        # the linear fractional delay folded into the gains: sample n - k_p weighs 1 - frac_p,
        # sample n - k_p - 1 weighs frac_p; rows [K] then [K] of one [2K, 2R] matrix
        frac = self._frac.to(x.device).repeat_interleave(tx).to(x.real.dtype)[:, None]
        gd = torch.cat([gd * (1 - frac), gd * frac], dim=-2)      # [B, Ng-1, 2K, 2R]
        xp_b = xp.permute(0, 2, 1).contiguous()  # [B, H+T, X]: gathers along time
        k = self._k.to(x.device)
        lmax = max(1, CHUNK_ELEMENTS // (batch * 2 * kk))
        y = torch.empty(batch, n_t, r, dtype=x.dtype, device=x.device)
        pos = 0
        while pos < n_t:  # chunks of whole grid intervals (or pieces of one interval)
            n = n0 + pos
            gi = n // step
            off = n - gi * step
            if off == 0 and step <= lmax and n_t - pos >= step:
                nb, ls = min((n_t - pos) // step, lmax // step), step
            else:
                nb, ls = 1, min(step - off, n_t - pos, lmax)
            length = nb * ls
            loc = torch.arange(pos, pos + length, device=x.device)
            idx = h_len + loc[:, None] - k[None, :]  # [L, P]
            rows = torch.cat([idx, idx - 1], dim=1).reshape(-1)  # [L * 2P]
            xd = xp_b.index_select(1, rows).reshape(batch, nb, ls, 2 * kk)  # [B, L, 2P, X]
            out = xd @ gd[:, gi - g_first:gi - g_first + nb]  # [B, nb, ls, 2R]
            w = ((off + torch.arange(ls, device=x.device)).to(torch.float32) / step)[:, None]
            y[:, pos:pos + length] = (out[..., :r] + w * out[..., r:]).reshape(batch, length, r)
            pos += length
        self._history = xp[..., xp.shape[-1] - h_len:].detach().clone()
        self._time = n0 + n_t
        return y.permute(0, 2, 1).contiguous()

    def frequency_response(self, n_subcarriers: int, subcarrier_spacing: float,
                           sample_times: torch.Tensor) -> torch.Tensor:
        """Channel frequency response of the running realisation (TR 38.901 §7.7).

        Subcarrier ``k`` (``0 <= k < n_subcarriers``) is at baseband frequency
        ``f_k = (k - n_subcarriers // 2) * subcarrier_spacing``. The response is that of
        the implemented filter (linearly interpolated delays, see the module notes)::

            H[k, t] = sum_p h_p(t) [(1 - f_p) e^{-j 2 pi f_k k_p / fs}
                                    + f_p e^{-j 2 pi f_k (k_p + 1) / fs}]

        Args:
            n_subcarriers: number of subcarriers.
            subcarrier_spacing: in Hz.
            sample_times: absolute sample indices (int tensor ``[N]``) at which the exact
                path gains are evaluated (e.g. the OFDM symbol centres).

        Returns:
            ``[batch, n_rx, n_tx, n_subcarriers, N]`` complex64. Needs a previous call
            (the batch size fixes the realisation).
        """
        n_sc = check_int("n_subcarriers", n_subcarriers, 1)
        scs = check_positive("subcarrier_spacing", subcarrier_spacing)
        times = check_tensor("sample_times", sample_times, min_dim=1)
        if times.is_floating_point() or times.is_complex() or times.dim() != 1:
            raise TypeError("sample_times must be a 1-D integer tensor of sample indices")
        if not self._realised():
            raise ValueError("frequency_response needs a previous forward call (batch size)")
        dev = self._device()
        # [B, R, X, K, N] complex64 output, path gains [B, R, X, P, N], [P, K] responses
        check_allocation("n_subcarriers", n_sc,
                         8 * self._batch * self.n_rx * self.n_tx * n_sc * times.numel()
                         + 16 * self._batch * self.n_rx * self.n_tx * self.n_paths * times.numel()
                         + 16 * 4 * self.n_paths * n_sc, device=dev)
        h = self._gains(times.to(dev))  # [B,R,X,P,N]
        f = (torch.arange(n_sc, dtype=torch.float64, device=dev) - n_sc // 2) * scs
        k = self._k.to(dev, torch.float64)
        frac = self._frac.to(dev, torch.float64)
        ph = -2j * math.pi * f[None, :] / self.sample_rate  # [1,K]
        resp = ((1 - frac)[:, None] * torch.exp(ph * k[:, None])
                + frac[:, None] * torch.exp(ph * (k[:, None] + 1)))  # [P,K]
        return torch.einsum("brxpn,pk->brxkn", h, resp.to(torch.complex64))

    def _device(self) -> torch.device:  # pragma: no cover - overridden
        """Device of the drawn realisation."""
        raise NotImplementedError
