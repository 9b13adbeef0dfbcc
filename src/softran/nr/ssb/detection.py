"""SS/PBCH block detection after the PSS (TS 38.211 §7.4.2.3, §7.4.1.4.1, §7.4.3.1): the
block's four symbols demodulated at a PSS timing, SSS detection (N_ID^(1)) and PBCH DM-RS
detection (ī_SSB); steps 3 to 5 of :mod:`softran.nr.ssb.cell_search`.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import torch

from softran.nr.sequences import pss, sss
from softran.nr.ssb.block import (
    SSB_N_SUBCARRIERS,
    SSB_N_SYMBOLS,
    ssb_indices,
)
from softran.nr.ssb.pbch import pbch_dmrs
from softran.validation import check_finite, check_int_or_tensor, check_tensor

__all__ = [
    "SSSDetection",
    "pbch_dmrs_detect",
    "pbch_indices_by_v",
    "ssb_demodulate",
    "sss_detect",
]

_N_ID_1 = 336
_SEQ = 127
_K_CENTRE = SSB_N_SUBCARRIERS // 2


# ------------------------------------------------------------------------------ SSB grid
def ssb_demodulate(x: torch.Tensor, timing: torch.Tensor, cfo_hz: torch.Tensor, fs: float,
                   nfft: int, n_cp: int) -> torch.Tensor:
    """complex64 ``[D, n_rx, 4, 240]``: the SS/PBCH blocks (TS 38.211 §7.4.3.1) of ``x``
    [n_rx, T] whose PSS cyclic prefix starts at ``timing`` [D], corrected by ``cfo_hz`` [D],
    FFT window ``floor(N_cp / 2)`` samples into each CP (its phase removed as
    :func:`~softran.nr.ofdm_demodulate` does)."""
    dev = x.device
    length = nfft + n_cp
    start = n_cp // 2
    rel = (torch.arange(SSB_N_SYMBOLS, device=dev)[:, None] * length + start
           + torch.arange(nfft, device=dev))                                # [4, nfft]
    idx = timing[:, None, None] + rel                                       # [D, 4, nfft]
    seg = x[:, idx].transpose(0, 1)                                         # [D, n_rx, 4, nfft]
    cycles = torch.remainder(cfo_hz.to(torch.float64)[:, None, None]
                             * rel.to(torch.float64) / fs, 1.0)
    seg = seg * torch.polar(torch.ones_like(cycles), -2 * math.pi * cycles
                            ).to(torch.complex64)[:, None]
    y = torch.fft.fft(seg, dim=-1, norm="ortho")
    k_signed = torch.arange(SSB_N_SUBCARRIERS, device=dev) - _K_CENTRE
    back = n_cp - start                                # the window starts this many early
    corr = torch.polar(torch.ones(SSB_N_SUBCARRIERS, dtype=torch.float64, device=dev),
                       2 * math.pi * k_signed.to(torch.float64) * back / nfft
                       ).to(torch.complex64)
    return y[..., torch.remainder(k_signed, nfft)] * corr


def _check_grid(grid: object) -> torch.Tensor:
    g = check_tensor("grid", grid, min_dim=3)
    if not g.is_complex():
        raise TypeError(f"grid must be a complex tensor, got dtype {g.dtype}")
    check_finite("grid", g)
    if tuple(g.shape[-2:]) != (SSB_N_SYMBOLS, SSB_N_SUBCARRIERS):
        raise ValueError(f"grid must be [..., n_rx, {SSB_N_SYMBOLS}, {SSB_N_SUBCARRIERS}] (an "
                         f"SS/PBCH block per rx antenna), got shape {tuple(g.shape)}")
    return g


# ------------------------------------------------------------------------------ SSS
class SSSDetection(NamedTuple):
    """Output of :func:`sss_detect` (int64 / float32 tensors of the batch shape ``[...]``).

    n_id_1 : N_ID^(1), 0..335.
    n_cell_id : N_ID^cell = 3 N_ID^(1) + N_ID^(2).
    metric : normalised correlation of the best hypothesis, in [0, 1].
    """

    n_id_1: torch.Tensor
    n_cell_id: torch.Tensor
    metric: torch.Tensor


def sss_detect(grid: torch.Tensor, n_id_2: int | torch.Tensor) -> SSSDetection:
    """N_ID^(1) from the SSS of a received SS/PBCH block (TS 38.211 §7.4.2.3, §7.4.3.1).

    With the LS channel estimate of the PSS ``H = Y_0 d_PSS`` on subcarriers 56..182 (the
    SSS's, symbol 2), the combined ``z(k) = Σ_rx Y_2(k) H*(k)`` is correlated with the 336
    SSS of N_ID^(2) at once; metric ``|Σ_k z(k) d_SSS(k)|² / (127 Σ_k |z(k)|²)`` (a phase
    rotation between symbols 0 and 2, e.g. a residual CFO, does not change it).

    Parameters
    ----------
    grid : ``[..., n_rx, 4, 240]`` complex received SS/PBCH block(s) (symbol l, subcarrier k).
    n_id_2 : N_ID^(2), 0..2 (int or integer tensor broadcastable to ``[...]``).

    Returns
    -------
    :class:`SSSDetection` of tensors of the batch shape ``[...]``.

    >>> from softran.nr.ssb.block import ssb_grid
    >>> g = ssb_grid(500, torch.zeros(864, dtype=torch.uint8), 0, 0, 8)[None]
    >>> out = sss_detect(g, 500 % 3)
    >>> int(out.n_id_1), int(out.n_cell_id), round(float(out.metric), 3)
    (166, 500, 1.0)
    """
    g = _check_grid(grid)
    dev = g.device
    nid2 = check_int_or_tensor("n_id_2", n_id_2, 0, 2, dev)
    batch = g.shape[:-3]
    try:
        nid2 = nid2.expand(batch)
    except RuntimeError:
        raise ValueError(f"n_id_2 of shape {tuple(nid2.shape)} does not broadcast to the batch "
                         f"shape {tuple(batch)} of grid") from None
    k = ssb_indices(0, device=dev).pss % SSB_N_SUBCARRIERS                  # 56..182
    y0 = g[..., 0, :][..., k]
    y2 = g[..., 2, :][..., k]                                              # [..., n_rx, 127]
    h = y0 * pss(nid2).to(g.dtype).unsqueeze(-2)
    z = (y2 * h.conj()).sum(-2)                                            # [..., 127]
    cells = 3 * torch.arange(_N_ID_1, device=dev) + nid2.unsqueeze(-1)     # [..., 336]
    cand = sss(cells).to(z.dtype)                                          # [..., 336, 127]
    corr = (cand @ z.unsqueeze(-1)).squeeze(-1)                            # [..., 336]
    power = corr.abs().square()
    n_id_1 = power.argmax(-1)
    den = _SEQ * z.abs().square().sum(-1)
    best = power.gather(-1, n_id_1.unsqueeze(-1)).squeeze(-1)
    metric = torch.where(den > 0, best / den.clamp_min(1e-30), torch.zeros_like(den))
    return SSSDetection(n_id_1, 3 * n_id_1 + nid2, metric.to(torch.float32))


# ------------------------------------------------------------------------------ PBCH DM-RS
@functools.cache
def _dmrs_pairs() -> tuple[torch.Tensor, torch.Tensor]:
    """Positions (into the 144 DM-RS) of neighbouring DM-RS pairs on one symbol."""
    ind = ssb_indices(0).pbch_dmrs
    a = ((ind[1:] - ind[:-1]) == 4).nonzero().flatten()
    return a, a + 1


def pbch_indices_by_v(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """int64 ``[4, 144]`` DM-RS and ``[4, 432]`` PBCH indices within the block for
    v = N_ID^cell mod 4 (TS 38.211 §7.4.3.1, Table 7.4.3.1-1)."""
    dmrs = torch.stack([ssb_indices(v, device=device).pbch_dmrs for v in range(4)])
    data = torch.stack([ssb_indices(v, device=device).pbch for v in range(4)])
    return dmrs, data


def pbch_dmrs_detect(grid: torch.Tensor, n_cell_id: int | torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """ī_SSB from the DM-RS for PBCH of a received block (TS 38.211 §7.4.1.4.1, §7.4.3.1).

    LS estimates ``g = Y r*`` of the 144 DM-RS under each of the 8 ī_SSB hypotheses; metric
    ``|Σ g(m+1) g*(m)| / Σ |g(m+1) g(m)|`` over neighbouring DM-RS of one symbol (4
    subcarriers apart) and the rx antennas: about 1 for the transmitted ī_SSB over a channel
    that varies slowly across 4 subcarriers, about 0 for the others.

    Parameters
    ----------
    grid : ``[..., n_rx, 4, 240]`` complex received SS/PBCH block(s).
    n_cell_id : N_ID^cell, 0..1007 (int or integer tensor broadcastable to ``[...]``).

    Returns
    -------
    ``(i_ssb_bar, metric)``: int64 ``[...]`` the best ī_SSB (0..7) and float32 ``[..., 8]``.

    >>> from softran.nr.ssb.block import ssb_grid
    >>> g = ssb_grid(17, torch.zeros(864, dtype=torch.uint8), 5, 0, 8)[None]
    >>> ibar, m = pbch_dmrs_detect(g, 17)
    >>> int(ibar), round(float(m[5]), 3)
    (5, 1.0)
    """
    g = _check_grid(grid)
    dev = g.device
    batch = g.shape[:-3]
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, 1007, dev)
    try:
        cell = cell.expand(batch)
    except RuntimeError:
        raise ValueError(f"n_cell_id of shape {tuple(cell.shape)} does not broadcast to the "
                         f"batch shape {tuple(batch)} of grid") from None
    dmrs_idx, _ = pbch_indices_by_v(dev)
    idx = dmrs_idx[cell % 4]                                               # [..., 144]
    flat = g.flatten(-2)                                                   # [..., n_rx, 960]
    y = flat.gather(-1, idx.unsqueeze(-2).expand(*flat.shape[:-1], idx.shape[-1]))
    r = pbch_dmrs(cell.unsqueeze(-1), torch.arange(8, device=dev))        # [..., 8, 144]
    lsq = y.unsqueeze(-3) * r.conj().unsqueeze(-2)                         # [..., 8, n_rx, 144]
    a, b = (t.to(dev) for t in _dmrs_pairs())
    num = (lsq[..., b] * lsq[..., a].conj()).sum((-1, -2)).abs()           # [..., 8]
    den = (y[..., b].abs() * y[..., a].abs()).sum((-1, -2)).unsqueeze(-1)
    metric = torch.where(den > 0, num / den.clamp_min(1e-30), torch.zeros_like(num))
    return metric.argmax(-1), metric.to(torch.float32)


