"""Linear MIMO equalisers with post-equalisation SINR: MMSE / MMSE-IRC, ZF and MRC.

Model per resource element (RE): ``y = H x + n`` with ``y [n_rx]``, ``H [n_rx, n_layers]``
(the effective channel per layer, precoding included, e.g. from a TS 38.211 §6.4.1.1
DM-RS channel estimate), unit-power layer symbols ``E[x x^H] = I`` and disturbance
covariance ``R`` (``σ_r² δ_rr'`` for uncorrelated noise, a full matrix for
interference rejection combining). Receiver algorithms are implementation choices; these
are the textbook linear estimators (e.g. Kay, *Fundamentals of Statistical Signal
Processing: Estimation Theory*, §12 / §15):

* whitening: ``R = L L^H`` (Cholesky), ``H̃ = L^{-1} H``, ``ỹ = L^{-1} y``;
  ``G = H̃^H H̃ = H^H R^{-1} H``, ``z = H̃^H ỹ``;
* **MMSE**: ``W = (G + I)^{-1} H^H R^{-1}``, ``x̃ = (G + I)^{-1} z``. With
  ``A = (G + I)^{-1}``, ``W H = I - A``, so layer j's estimate is
  ``x̃_j = (1 - A_jj) x_j + interference + noise`` with post-equalisation SINR
  ``γ_j = 1 / A_jj - 1``. The output is the **unbiased** estimate
  ``x̂_j = x̃_j / (1 - A_jj)`` whose error variance (interference + noise) is
  ``1 / γ_j = A_jj / (1 - A_jj)``: pass it as ``noise_var`` to ``symbol_demodulate``
  (the Gaussian approximation of the residual interference gives calibrated LLRs);
* **ZF**: ``x̂ = G^{-1} z``, error variance ``(G^{-1})_jj``;
* **MRC** (one layer): ``x̂ = z / G``, error variance ``1 / G``.

Implementation: the RE dimension stays last and contiguous; the n x n algebra (n <= 8) is
written out as a Cholesky factorisation and triangular inversion over ``[..., n, n, n_re]``
tensors (loops over the matrix dimension only), which is several times faster on a CPU
than calling LAPACK once per RE.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from softran.nr.receiver.equalize_kernels import mmse_gather
from softran.validation import check_finite, check_tensor

__all__ = ["mmse_equalize", "mrc_combine", "zf_equalize"]

#: Largest number of rx antennas / layers (the unrolled small-matrix algebra).
MAX_DIM = 16

#: Use the Numba kernel of :func:`mmse_equalize` (complex64 on the CPU with a covariance;
#: :mod:`softran.nr.receiver.equalize_kernels`); tests switch this off to run the torch
#: reference.
KERNELS: bool = True


Entries = list[list[torch.Tensor | None]]


def _entries(a: torch.Tensor) -> Entries:
    """``[..., n, n, N]`` tensor -> entry lists ``a[i][j]`` ``[..., N]``."""
    return [list(a[..., i, :, :].unbind(-2)) for i in range(a.shape[-2])]


def _cholesky(rows: Entries) -> tuple[Entries, list[torch.Tensor]]:
    """Cholesky factor ``A = L L^H`` of a Hermitian PD matrix given by its entries
    ``rows[i][j]`` ``[..., N]`` (only j <= i are read): (``low[i][j]`` for j < i, complex;
    real diagonal ``d[j]``)."""
    n = len(rows)
    low: Entries = [[None] * n for _ in range(n)]
    diag: list[torch.Tensor] = []
    for j in range(n):
        djj = rows[j][j].real
        for k in range(j):
            djj = djj - low[j][k].real.square() - low[j][k].imag.square()
        djj = djj.sqrt()
        diag.append(djj)
        rinv = 1.0 / djj
        for i in range(j + 1, n):
            acc = rows[i][j]
            for k in range(j):
                acc = acc - low[i][k] * low[j][k].conj()
            low[i][j] = acc * rinv
    return low, diag


def _tri_inverse(low: Entries, diag: list[torch.Tensor], dtype: torch.dtype) -> Entries:
    """Entries ``inv[i][j]`` (j <= i) of the inverse of ``L = low + diag(d)``."""
    n = len(diag)
    rdiag = [1.0 / d for d in diag]
    inv: Entries = [[None] * n for _ in range(n)]
    for i in range(n):
        inv[i][i] = rdiag[i].to(dtype)
        for j in range(i):
            # inv[i][j] = -(Σ_{k=j}^{i-1} L[i][k] inv[k][j]) / L[i][i]
            acc = low[i][j] * inv[j][j]
            for k in range(j + 1, i):
                acc = acc + low[i][k] * inv[k][j]
            inv[i][j] = -acc * rdiag[i]
    return inv


def _stack(entries: Entries, like: torch.Tensor) -> torch.Tensor:
    """Lower-triangular entry lists -> ``[..., n, n, N]`` tensor (zeros above)."""
    n = len(entries)
    shape = torch.broadcast_shapes(*(e.shape for row in entries for e in row if e is not None))
    zero = torch.zeros(shape, dtype=like.dtype, device=like.device)
    return torch.stack([torch.stack([entries[i][j].to(like.dtype).expand(shape) if j <= i
                                     else zero for j in range(n)], -2) for i in range(n)], -3)


def _whiten(y: torch.Tensor, h: torch.Tensor, noise: object
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(ỹ [..., R, N], H̃ [..., R, P, N])`` whitened by the noise description."""
    n_rx = y.shape[-2]
    if isinstance(noise, numbers.Real) and not isinstance(noise, bool):
        nv = float(noise)
        if not (0.0 < nv < float("inf")):
            raise ValueError(f"noise = {noise} is not allowed; a noise variance must be a "
                             "finite number > 0")
        s = nv ** -0.5
        return y * s, h * s
    if not isinstance(noise, torch.Tensor):
        raise TypeError(f"noise must be a number, a real tensor [..., n_rx] of noise "
                        f"variances or a covariance [..., n_rx, n_rx, n_re or 1], got "
                        f"{type(noise).__name__}")
    if noise.dim() == y.dim() + 1:                                   # covariance
        if tuple(noise.shape[-3:-1]) != (n_rx, n_rx) or noise.shape[-1] not in (1, y.shape[-1]):
            raise ValueError(f"noise covariance must have shape [..., {n_rx}, {n_rx}, "
                             f"{y.shape[-1]} or 1], got {tuple(noise.shape)}")
        r = noise.to(device=y.device, dtype=y.dtype)
        if r.numel() and not bool(torch.isfinite(r).all()):
            raise ValueError("noise covariance must be finite")
        low, diag = _cholesky(_entries(r))
        if not all(bool((d > 0).all()) for d in diag):
            raise ValueError("noise covariance must be Hermitian positive definite")
        inv = _tri_inverse(low, diag, r.dtype)                      # entries [..., N|1]
        if r.shape[-1] == 1:                                        # one matrix for all REs
            m = _stack(inv, r)[..., 0]                              # [..., R, R]
            yw = m @ y
            hw = (m @ h.flatten(-2)).unflatten(-1, h.shape[-2:])    # [..., R, P, N]
            return yw, hw
        # per RE: L^{-1} is lower triangular, so row i combines rows j <= i (elementwise over
        # the REs; far faster than a batched matmul of tiny matrices with the RE axis last)
        ys, hs = y.unbind(-2), h.unbind(-3)
        yw_rows, hw_rows = [], []
        for i in range(n_rx):
            a = inv[i][0]
            acc_y, acc_h = a * ys[0], a.unsqueeze(-2) * hs[0]
            for j in range(1, i + 1):
                a = inv[i][j]
                acc_y = acc_y + a * ys[j]
                acc_h = acc_h + a.unsqueeze(-2) * hs[j]
            yw_rows.append(acc_y)
            hw_rows.append(acc_h)
        return torch.stack(yw_rows, -2), torch.stack(hw_rows, -3)
    if noise.is_complex() or not noise.is_floating_point():
        raise TypeError(f"noise variances must be a real floating tensor, got {noise.dtype}")
    try:
        torch.broadcast_shapes(noise.shape, y.shape[:-1])
    except RuntimeError:
        raise ValueError(f"noise variances of shape {tuple(noise.shape)} do not broadcast to "
                         f"[..., n_rx] = {tuple(y.shape[:-1])}") from None
    if noise.numel() and not bool((torch.isfinite(noise) & (noise > 0)).all()):
        raise ValueError("noise variances must be finite and > 0")
    s = noise.to(device=y.device, dtype=y.real.dtype).rsqrt().unsqueeze(-1)   # [..., R, 1]
    return y * s, h * s.unsqueeze(-1)


def _check(y: object, h: object) -> tuple[torch.Tensor, torch.Tensor]:
    y = check_tensor("y", y, min_dim=2)
    h = check_tensor("h", h, min_dim=3)
    for name, t in (("y", y), ("h", h)):
        if not t.is_complex():
            raise TypeError(f"{name} must be a complex tensor, got dtype {t.dtype}")
        check_finite(name, t)
    if h.shape[-3] != y.shape[-2] or h.shape[-1] != y.shape[-1]:
        raise ValueError(f"h [..., n_rx, n_layers, n_re] = {tuple(h.shape)} does not match "
                         f"y [..., n_rx, n_re] = {tuple(y.shape)}")
    if max(h.shape[-3], h.shape[-2]) > MAX_DIM:
        raise ValueError(f"at most {MAX_DIM} rx antennas and layers are supported, got "
                         f"h of shape {tuple(h.shape)}")
    h = h.to(y.dtype)
    return y, h


def _gram(y: torch.Tensor, h: torch.Tensor, load: float = 0.0
          ) -> tuple[Entries, torch.Tensor]:
    """Entries of ``G = H^H H + load I`` (lower triangle, ``[..., N]`` each) and
    ``z = H^H y [..., P, N]``."""
    n = h.shape[-2]
    cols = h.unbind(-2)                                                # [..., R, N] each
    g: Entries = [[None] * n for _ in range(n)]
    for i in range(n):
        ci = cols[i].conj()
        for j in range(i):
            g[i][j] = (ci * cols[j]).sum(-2)
        g[i][i] = (cols[i].real.square() + cols[i].imag.square()).sum(-2) + load
    z = torch.einsum("...rin,...rn->...in", h.conj(), y)               # [..., P, N]
    return g, z


def _solve_hpd(g: Entries, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(G^{-1} z [..., P, N], diag(G^{-1}) [..., P, N] real)`` for Hermitian PD G given
    by its lower-triangle entries."""
    n = len(g)
    if n == 1:
        gi = (1.0 / g[0][0]).unsqueeze(-2)
        return z * gi, gi
    low, diag = _cholesky(g)
    linv = _tri_inverse(low, diag, z.dtype)                            # L^{-1}, lower
    zs = z.unbind(-2)
    u = []
    for i in range(n):                                                 # u = L^{-1} z
        acc = linv[i][0] * zs[0]
        for j in range(1, i + 1):
            acc = acc + linv[i][j] * zs[j]
        u.append(acc)
    x, a_diag = [], []
    for j in range(n):                                                 # x = L^{-H} u
        acc = linv[j][j].conj() * u[j]
        aj = linv[j][j].real.square()
        for i in range(j + 1, n):
            acc = acc + linv[i][j].conj() * u[i]
            aj = aj + linv[i][j].real.square() + linv[i][j].imag.square()
        x.append(acc)
        a_diag.append(aj)                                              # Σ_i |Linv_ij|^2
    return torch.stack(x, -2), torch.stack(a_diag, -2)


def _check_index(name: str, index: object, n: int) -> torch.Tensor:
    """An int64 ``[n_re]`` tensor of positions in 0..n-1."""
    index = check_tensor(name, index, min_dim=1)
    if index.dtype != torch.int64 or index.dim() != 1:
        raise ValueError(f"{name} must be an int64 tensor [n_re], got {index.dtype} "
                         f"{tuple(index.shape)}")
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= n):
        raise ValueError(f"{name} must lie in 0..{n - 1}, got {int(index.min())}.."
                         f"{int(index.max())}")
    return index


def _gather(y: torch.Tensor, h: torch.Tensor, noise: object, index: torch.Tensor | None,
            noise_index: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, object]:
    """The REs ``index`` of y and h and the covariance ``noise_index`` of each (reference)."""
    if index is not None:
        if h.shape[-1] != y.shape[-1]:
            raise ValueError(f"h [..., n_rx, n_layers, N] = {tuple(h.shape)} does not match "
                             f"y [..., n_rx, N] = {tuple(y.shape)}")
        index = _check_index("index", index, y.shape[-1]).to(y.device)
        y, h = y[..., index], h[..., index]
    if noise_index is not None:
        if not (isinstance(noise, torch.Tensor) and noise.is_complex()
                and noise.dim() == y.dim() + 1):
            raise ValueError("noise_index selects blocks of a noise covariance "
                             "[..., n_rx, n_rx, n_blocks]; noise is not one")
        noise_index = _check_index("noise_index", noise_index, noise.shape[-1])
        if noise_index.numel() != y.shape[-1]:
            raise ValueError(f"noise_index has {noise_index.numel()} entries; one per RE "
                             f"({y.shape[-1]}) is needed")
        noise = noise[..., noise_index.to(noise.device)]
    return y, h, noise


def _mmse_kernel(y: object, h: object, noise: object, index: object, noise_index: object
                 ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """:func:`mmse_equalize` by :func:`~softran.nr.receiver.equalize_kernels.mmse_gather`
    where it applies (CPU complex64 without autograd, a covariance, the leading dimensions
    of y, h and the covariance equal); None otherwise or where the reference's checks must
    run (they raise the error)."""
    if not (isinstance(y, torch.Tensor) and isinstance(h, torch.Tensor)
            and isinstance(noise, torch.Tensor)):
        return None
    if not (y.dtype == h.dtype == noise.dtype == torch.complex64 and y.is_cpu and h.is_cpu
            and noise.is_cpu and not (y.requires_grad or h.requires_grad
                                      or noise.requires_grad)):
        return None
    ys, hs, ns = y.shape, h.shape, noise.shape
    d = len(ys)
    if not (d >= 2 and len(hs) == len(ns) == d + 1):
        return None
    lead, n_r, n = ys[:-2], ys[-2], ys[-1]
    n_p, n_blk = hs[-2], ns[-1]
    if (hs[:-3] != lead or ns[:-3] != lead or hs[-3] != n_r or hs[-1] != n
            or ns[-3] != n_r or ns[-2] != n_r or n_p > MAX_DIM or n_r > MAX_DIM):
        return None
    if index is None:
        index = _arange(n)
    elif not (isinstance(index, torch.Tensor) and index.dtype == torch.int64
              and index.dim() == 1 and index.is_cpu):
        return None
    n_re = index.shape[0]
    if noise_index is None:
        if n_blk == 1:
            noise_index = _zeros(n_re)
        elif n_blk == n_re:
            noise_index = _arange(n_re)
        else:
            return None
    elif not (isinstance(noise_index, torch.Tensor) and noise_index.dtype == torch.int64
              and noise_index.shape == (n_re,) and noise_index.is_cpu):
        return None
    x = torch.empty(*lead, n_p, n_re, dtype=torch.complex64)
    nv = torch.empty(*lead, n_p, n_re, dtype=torch.float32)
    xa, nva = x.numpy(), nv.numpy()
    if mmse_gather(_rows(y, 2), _rows(h, 3), _rows(noise, 3), index.numpy(),
                   noise_index.numpy(), xa.reshape(-1, n_p, n_re),
                   nva.reshape(-1, n_p, n_re)):
        return None
    return x, nv


def _rows(t: torch.Tensor, d: int) -> np.ndarray:
    """The C-contiguous numpy view ``[rows, *t.shape[-d:]]`` of a tensor (a copy where it
    is not contiguous or is conjugated / negated lazily)."""
    try:
        a = t.numpy()
    except RuntimeError:                     # a lazy conjugate / negative view
        a = t.resolve_conj().resolve_neg().numpy()
    return np.ascontiguousarray(a.reshape(-1, *a.shape[len(a.shape) - d:]))


_ARANGE: dict[int, torch.Tensor] = {}
_ZEROS: dict[int, torch.Tensor] = {}


def _arange(n: int) -> torch.Tensor:
    hit = _ARANGE.get(n)
    if hit is None:
        hit = _ARANGE[n] = torch.arange(n)
    return hit


def _zeros(n: int) -> torch.Tensor:
    hit = _ZEROS.get(n)
    if hit is None:
        hit = _ZEROS[n] = torch.zeros(n, dtype=torch.int64)
    return hit


def mmse_equalize(y: torch.Tensor, h: torch.Tensor, noise: float | torch.Tensor, *,
                  index: torch.Tensor | None = None, noise_index: torch.Tensor | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Unbiased linear MMSE (or MMSE-IRC) MIMO equaliser with post-equalisation SINR.

    Receiver for the layers of TS 38.211 §6.3.1.3 / §7.3.1.3 (layer mapping) seen through
    the DM-RS-estimated effective channel (§6.4.1.1); the estimator is in the module
    docstring (MATLAB namesake: ``nrEqualizeMMSE``, here with the unbiased scaling).

    Parameters
    ----------
    y : ``[..., n_rx, n_re]`` complex received REs.
    h : ``[..., n_rx, n_layers, n_re]`` complex channel per layer.
    noise : noise variance ``E|n|²`` per RE: a number, or a real tensor broadcastable to
        ``[..., n_rx]`` (per antenna) -> MMSE; or a complex (Hermitian PD) covariance
        ``[..., n_rx, n_rx, n_re]`` or ``[..., n_rx, n_rx, 1]`` -> MMSE-IRC.
    index : optional int64 ``[n_re]``: detect only the REs at these positions of the last
        dimension of ``y`` and ``h`` (e.g. the data REs of a flattened ``[n_symbols, K]``
        grid); the outputs then have ``n_re`` entries, as with ``y[..., index]``,
        ``h[..., index]`` (the gather is fused into the detector).
    noise_index : optional int64 ``[n_re]``, with a covariance ``noise`` of ``n_blocks``
        entries in its last dimension: RE i uses ``noise[..., noise_index[i]]`` (e.g. the
        PRB block of its subcarrier).

    Complex64 on the CPU with a covariance runs one Numba pass over the REs
    (:mod:`softran.nr.receiver.equalize_kernels`; the same estimator, float32 rounding).

    Returns
    -------
    ``(x_hat, noise_var_eff)``: ``x_hat [..., n_layers, n_re]`` unbiased estimates and
    ``noise_var_eff [..., n_layers, n_re]`` (real) their error variance ``1 / SINR``; REs
    where a layer's channel is zero give ``x_hat = 0`` and ``noise_var_eff = inf``.

    >>> h = torch.tensor([[[2.0 + 0j]], [[0.0 + 0j]]])         # 2 rx, 1 layer, 1 RE
    >>> y = torch.tensor([[2.0 + 2j], [0.3 + 0j]])
    >>> x, nv = mmse_equalize(y, h, 0.5)                       # SINR = 4 / 0.5 = 8
    >>> torch.view_as_real(x).round(decimals=4), nv
    (tensor([[[1., 1.]]]), tensor([[0.1250]]))
    >>> r = torch.tensor([[[0.5 + 0j]], [[0j]]]).expand(2, 2, 1) + 0   # [2, 2, 1]: 0.5 I
    >>> r[1, 1] = 0.5
    >>> x, nv = mmse_equalize(y, h, r)
    >>> torch.view_as_real(x).round(decimals=4), nv
    (tensor([[[1., 1.]]]), tensor([[0.1250]]))
    """
    if KERNELS:
        out = _mmse_kernel(y, h, noise, index, noise_index)
        if out is not None:
            return out
    if index is not None or noise_index is not None:
        y = check_tensor("y", y, min_dim=2)
        h = check_tensor("h", h, min_dim=3)
        y, h, noise = _gather(y, h, noise, index, noise_index)
    y, h = _check(y, h)
    yw, hw = _whiten(y, h, noise)
    g, z = _gram(yw, hw, 1.0)
    x, a = _solve_hpd(g, z)                                            # x̃, A_jj
    mu = 1.0 - a                                                       # diag(W H)
    ok = mu > 0
    mu_safe = torch.where(ok, mu, torch.ones_like(mu))
    x_hat = torch.where(ok, x / mu_safe, torch.zeros_like(x))
    nv = torch.where(ok, a / mu_safe, torch.full_like(a, float("inf")))
    return x_hat, nv


def zf_equalize(y: torch.Tensor, h: torch.Tensor, noise: float | torch.Tensor = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-forcing MIMO equaliser ``x̂ = (H^H R^{-1} H)^{-1} H^H R^{-1} y``.

    For the TS 38.211 §6.3.1.3 layers through the §6.4.1.1 DM-RS channel estimate; shapes
    and ``noise`` as :func:`mmse_equalize` (default: unit noise variance, so
    ``noise_var_eff`` is then the noise enhancement ``diag((H^H H)^{-1})``). H must have
    full column rank at every RE (otherwise the outputs are not finite).

    >>> h = torch.tensor([[1, 0], [1, 1j]], dtype=torch.complex64)[..., None]  # [2, 2, 1]
    >>> y = torch.tensor([[1], [1 - 1j]], dtype=torch.complex64)  # H (1, -1)
    >>> x, nv = zf_equalize(y, h)
    >>> bool((x.squeeze(-1) - torch.tensor([1, -1])).abs().max() < 1e-5)
    True
    >>> nv.squeeze(-1).round(decimals=4)
    tensor([1., 2.])
    """
    y, h = _check(y, h)
    yw, hw = _whiten(y, h, noise)
    g, z = _gram(yw, hw)
    return _solve_hpd(g, z)


def mrc_combine(y: torch.Tensor, h: torch.Tensor, noise: float | torch.Tensor = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Maximum-ratio combining of one layer, ``x̂ = h^H R^{-1} y / (h^H R^{-1} h)``.

    Shapes and ``noise`` as :func:`mmse_equalize` with ``n_layers = 1`` (h
    ``[..., n_rx, 1, n_re]``); ``noise_var_eff = 1 / (h^H R^{-1} h)``, the inverse SNR after
    combining (TS 38.211 §6.4.1.1 channel estimate, one layer). Where ``h`` is 0 on every
    antenna (nothing arrived) the RE carries no information: ``x̂ = 0``, ``noise_var_eff =
    inf``.

    >>> h = torch.tensor([[[1.0 + 0j]], [[1j]]])
    >>> mrc_combine(h[..., 0] * (0.5 - 0.5j), h, 0.2)
    (tensor([[0.5000-0.5000j]]), tensor([[0.1000]]))
    >>> mrc_combine(h[..., 0], torch.zeros_like(h), 0.2)
    (tensor([[0.+0.j]]), tensor([[inf]]))
    """
    y, h = _check(y, h)
    if h.shape[-2] != 1:
        raise ValueError(f"mrc_combine needs one layer (h [..., n_rx, 1, n_re]), got "
                         f"{h.shape[-2]} layers")
    yw, hw = _whiten(y, h, noise)
    g, z = _gram(yw, hw)
    gain = g[0][0].unsqueeze(-2)                                       # [..., 1, N]
    live = gain > 0
    x = torch.where(live, z / torch.where(live, gain, torch.ones_like(gain)), 0)
    return x, 1.0 / gain
