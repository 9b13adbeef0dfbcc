"""Numba CPU kernel behind :func:`~softran.nr.receiver.channel_estimate` (complex64 input).

The torch code in ``channel_estimate.py`` stays the reference (GPU, other dtypes, references
with batch dimensions; tests compare both). This kernel runs the whole estimator of the DM-RS
of TS 38.211 §6.4.1.1 / §7.4.1.1 in one call per slot, with the same steps and the same
arithmetic (module docstring of ``channel_estimate.py``): LS at the references, the
slope-compensated CDM despreading of :mod:`~softran.nr.receiver.despread_kernels`, the noise
variance from the residual of the local quadratic fit, the Wiener width chosen by generalised
cross-validation, the sliding-window smoothing, the frequency interpolation with the slope
put back and the time interpolation. What depends on the reference layout alone (windows,
fit weights, eigendecompositions of the model correlation per candidate width, interpolation
weights) comes in precomputed; per slot only the loading ε is new, so the Wiener weights cost
``O(U L²)`` (U window geometries of L blocks).

The GCV score uses the Gram matrix of the interior windows, built from the lag products
``S_d(m) = Σ Re g_m g*_{m+d}`` with prefix sums over the window positions (``O(M L)``
instead of ``O(N L²)`` over N windows). Sums that torch does in complex64 run in float64 here,
so results agree to float32 rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from softran.nr.receiver.despread_kernels import slope_despread_into

__all__ = ["EIG_SKIP", "SMOOTH_FIXED", "SMOOTH_GCV", "SMOOTH_GIVEN", "all_finite",
           "estimate_slot"]

#: eigenvalues of the model correlation below this fraction of the loading ε are left out of
#: the Wiener weights: their terms ``V_k λ_k V_jk / (λ_k + ε)`` are below 1e-10 of the
#: weights (the sinc kernel's eigenvalues fall off steeply past its Shannon number; most of
#: them are at rounding level)
EIG_SKIP = 1e-10

#: smoothing modes of :func:`estimate_slot`: Wiener with the width chosen by GCV among the
#: candidates, Wiener with the one given width, fixed weights (moving average)
SMOOTH_GCV, SMOOTH_GIVEN, SMOOTH_FIXED = 0, 1, 2


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def all_finite(a: np.ndarray) -> bool:
    """Whether the C-contiguous complex64 array ``a`` holds only finite values (``Σ 0·x``
    is NaN otherwise; reassociated, so that the sum vectorises).

    >>> all_finite(np.array([1.0, 2.0j], dtype=np.complex64))
    True
    """
    flat = a.reshape(-1)
    acc = np.float32(0.0)
    for i in range(flat.size):
        acc += flat[i].real * np.float32(0.0) + flat[i].imag * np.float32(0.0)
    return acc == 0.0


@njit(cache=True, nogil=True, inline="always")
def _eig_weights(vt: np.ndarray, lam: np.ndarray, proj: np.ndarray, eps: float,
                 out: np.ndarray) -> None:
    """``out [L]``: the Wiener weights ``V (lam + eps)^-1 V^T r_p`` normalised to sum 1,
    from ``vt [L, L]`` (V^T), ``lam [L]`` (ascending) and ``proj = V^T r_p [L]``; the
    eigenvalues below ``EIG_SKIP eps`` are left out.

    Inlined where it is called (16 calls per slot in the GCV width choice: a call to this
    cached kernel cost about 0.7 µs, measured; inlined, the 16 cost 3.5 µs instead of 15),
    so it takes the caller's float flags: in ``_gcv_width`` (reassociated sums, fused
    multiply-adds) the weights that score each width round differently in the last bits,
    which chose the same width (the same estimates) as the called version on 3000 slots."""
    n_l = out.size
    for l in range(n_l):
        out[l] = 0.0
    for k in range(n_l - 1, -1, -1):                # eigenvalues ascending: largest first
        if lam[k] < EIG_SKIP * eps:
            break
        cf = proj[k] / (lam[k] + eps)
        row = vt[k]
        for l in range(n_l):
            out[l] += row[l] * cf
    tot = 0.0
    for l in range(n_l):
        tot += out[l]
    for l in range(n_l):
        out[l] /= tot


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _gcv_width(gn: np.ndarray, eps: float, vt: np.ndarray, lam: np.ndarray,
               proj: np.ndarray, step: int, gr: np.ndarray, gi: np.ndarray, s: np.ndarray,
               s64: np.ndarray, q: np.ndarray, wc: np.ndarray, qa: np.ndarray) -> int:
    """Index of the candidate width with the smallest GCV score
    ``a^T Q a / (1 - w_c)²`` (``a = δ_c - w``) for the despread estimates ``gn [R, P, G, M]``.

    ``vt [W, L, L]`` (eigenvectors of the interior window's model correlation, one per row),
    ``lam``/``proj`` ``[W, L]``; ``step`` the stride of the window positions."""
    n_r, n_p, n_g, n_m = gn.shape
    n_w, n_l, _ = vt.shape
    centre = (n_l - 1) // 2
    n_pos = (n_m - n_l) // step + 1
    n_rows = n_r * n_p * n_g
    j = 0
    for r in range(n_r):
        for p in range(n_p):
            for grp in range(n_g):
                for m in range(n_m):
                    gr[j, m] = gn[r, p, grp, m].real
                    gi[j, m] = gn[r, p, grp, m].imag
                j += 1
    for d in range(n_l):
        n_s = n_m - d
        for m in range(n_s):
            s[m] = 0.0
        # lag products in float32 (as the reference's complex64 Gram matrix), their
        # window sums in float64
        for j in range(n_rows):
            a0, a1 = gr[j, :n_s], gr[j, d:]
            b0, b1 = gi[j, :n_s], gi[j, d:]
            for m in range(n_s):
                s[m] += a0[m] * a1[m] + b0[m] * b1[m]
        if step == 1:
            # window sums over n_pos consecutive positions, slid along i
            v = 0.0
            for m in range(n_pos):
                v += np.float64(s[m])
            for i in range(n_l - d):
                if i > 0:
                    v += np.float64(s[i - 1 + n_pos]) - np.float64(s[i - 1])
                q[i, i + d] = v
                q[i + d, i] = v
        else:
            # prefix sums with stride `step`
            for m in range(n_s):
                s64[m] = s[m]
            for m in range(step, n_s):
                s64[m] += s64[m - step]
            for i in range(n_l - d):
                v = s64[i + (n_pos - 1) * step]
                if i >= step:
                    v -= s64[i - step]
                q[i, i + d] = v
                q[i + d, i] = v
    best = math.inf
    best_w = 0
    for w in range(n_w):
        _eig_weights(vt[w], lam[w], proj[w], eps, wc)
        w_c = wc[centre]
        for l in range(n_l):
            wc[l] = -wc[l]
        wc[centre] += 1.0
        for i in range(n_l):
            qa[i] = 0.0
        for l in range(n_l):
            a_l = wc[l]
            for i in range(n_l):
                qa[i] += q[l, i] * a_l          # Q a (Q symmetric: rows as columns)
        quad = 0.0
        for i in range(n_l):
            quad += wc[i] * qa[i]
        score = quad / ((1.0 - w_c) * (1.0 - w_c))
        if score < best:
            best = score
            best_w = w
    return best_w


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _filter_runs(x: np.ndarray, runs: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """Sliding-window filter of complex rows given as float32 pairs: for every run
    ``(p, m0, m1, st0, u)`` of ``runs [n, 5]`` (blocks m0 <= m < m1 of layer p whose window
    starts at ``st0 + m - m0`` and has the weights ``w[u]``),
    ``out[r, p, g, m] = Σ_l w[u, l] x[r, p, g, st0 + m - m0 + l]``; ``x``, ``out``
    ``[R, P, G, 2M]`` (real and imaginary parts interleaved). Weight-major loops, so that
    the inner loop runs over the blocks of a run (vectorised)."""
    n_r, _, n_g, _ = x.shape
    n_l = w.shape[1]
    for q in range(runs.shape[0]):
        p, m0, m1, st0, u = runs[q, 0], runs[q, 1], runs[q, 2], runs[q, 3], runs[q, 4]
        j0, j1 = 2 * m0, 2 * m1
        if m1 - m0 == 1:                # one block (the band edges): a dot product
            wu = w[u]
            for r in range(n_r):
                for grp in range(n_g):
                    src = x[r, p, grp, 2 * st0:2 * (st0 + n_l)]
                    acc_re = np.float32(0.0)
                    acc_im = np.float32(0.0)
                    for l in range(n_l):
                        acc_re += wu[l] * src[2 * l]
                        acc_im += wu[l] * src[2 * l + 1]
                    out[r, p, grp, j0] = acc_re
                    out[r, p, grp, j0 + 1] = acc_im
            continue
        for r in range(n_r):
            for grp in range(n_g):
                xr = x[r, p, grp]
                o = out[r, p, grp]
                dst = o[j0:j1]
                n_j = j1 - j0
                for j in range(n_j):
                    dst[j] = 0.0
                # slices indexed from 0 (no negative-index wraparound: the loop vectorises)
                for l in range(n_l):
                    wl = w[u, l]
                    src = xr[2 * (st0 + l):2 * (st0 + l) + n_j]
                    for j in range(n_j):
                        dst[j] += wl * src[j]


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _noise_fit(gf: np.ndarray, fit: np.ndarray, f_sum: float, nv_out: np.ndarray
               ) -> tuple[float, float]:
    """Noise variance per rx antenna from the residual ``g - fit`` of the local quadratic
    fit (float32 pairs ``[R, P, G, 2M]``; into ``nv_out [R]``); returns (mean over the
    antennas of it, mean |g|²)."""
    n_r, n_p, n_g, n_2m = gf.shape
    nv_sum = 0.0
    power = 0.0
    for r in range(n_r):
        num = 0.0
        for p in range(n_p):
            for grp in range(n_g):
                a = gf[r, p, grp]
                b = fit[r, p, grp]
                for j in range(n_2m):
                    e = np.float64(a[j] - b[j])
                    num += e * e
                    power += np.float64(a[j]) * np.float64(a[j])
        nv = np.float32(num / f_sum)
        nv_out[r] = nv
        nv_sum += nv
    return nv_sum / n_r, power / (n_r * n_p * n_g * (n_2m // 2))


@njit(cache=True, nogil=True)
def _wiener_weights(wi: int, eps: float, s_vt: np.ndarray, s_lam: np.ndarray,
                    s_proj: np.ndarray, j_of_u: np.ndarray, wc: np.ndarray, m: np.ndarray,
                    w_u: np.ndarray) -> None:
    """``w_u [U, L]`` (float32): the Wiener weights ``V (lam + eps)^-1 V^T r_p`` of every
    window geometry for candidate width ``wi``, normalised to sum 1.

    General layout: ``s_vt [W, U, L, L]`` (V^T), ``s_lam``/``s_proj`` ``[W, U, L]`` per
    geometry. Uniform comb (``j_of_u`` not empty): every window is the same comb, so
    ``R_pp`` is one matrix (``s_vt [W, 1, L, L]``, ``s_lam [W, 1, L]``) and ``r_p`` its
    column ``j_of_u[u]`` (the output block's place in the window): the weights are the
    columns of ``V diag(lam / (lam + eps)) V^T`` (``m [L, L]`` workspace)."""
    n_u, n_ls = w_u.shape
    if j_of_u.size:
        for j in range(n_ls):
            for l in range(n_ls):
                m[j, l] = 0.0
        for k in range(n_ls - 1, -1, -1):           # eigenvalues ascending: largest first
            lam_k = s_lam[wi, 0, k]
            if lam_k < EIG_SKIP * eps:
                break
            d = lam_k / (lam_k + eps)
            row = s_vt[wi, 0, k]
            for j in range(n_ls):
                t = row[j] * d
                mj = m[j]
                for l in range(n_ls):
                    mj[l] += row[l] * t
        for u in range(n_u):
            mj = m[j_of_u[u]]
            tot = 0.0
            for l in range(n_ls):
                tot += mj[l]
            for l in range(n_ls):
                w_u[u, l] = np.float32(mj[l] / tot)
        return
    for u in range(n_u):
        _eig_weights(s_vt[wi, u], s_lam[wi, u], s_proj[wi, u], eps, wc)
        for l in range(n_ls):
            w_u[u, l] = np.float32(wc[l])


@njit(cache=True, nogil=True)
def _interpolate(hbf: np.ndarray, ph: float, k_out: np.ndarray, k_runs: np.ndarray,
                 k_zero: np.ndarray, left: np.ndarray, right: np.ndarray, t: np.ndarray,
                 tw: np.ndarray, hff: np.ndarray, rot: np.ndarray, hfl: np.ndarray) -> None:
    """Frequency interpolation of ``hbf [R, P, G, 2M]`` (block estimates, real and
    imaginary parts interleaved) to ``k_out [Ka]`` with the phase slope ``ph`` put back
    (into ``hff [G, 2Ka]``; ``rot [2Ka]`` float32 workspace), then time interpolation into
    ``hfl [R, P, S, 2K]`` (float32 view of the complex output; 0 on ``k_zero``).
    ``k_runs [n, 3]``: runs ``(ka0, ka1, k0)`` of consecutive output subcarriers
    ``k_out[ka0:ka1] = k0, k0 + 1, ...``."""
    n_r, n_p, n_g, _ = hbf.shape
    n_s = hfl.shape[2]
    n_ka = k_out.size
    s_re, s_im = math.cos(ph), math.sin(ph)
    c_re, c_im = 1.0, 0.0
    k_prev = -2
    for ka in range(n_ka):
        k = k_out[ka]
        if k == k_prev + 1:
            c_re, c_im = c_re * s_re - c_im * s_im, c_re * s_im + c_im * s_re
        else:
            c_re, c_im = math.cos(ph * k), math.sin(ph * k)
        k_prev = k
        rot[2 * ka] = c_re
        rot[2 * ka + 1] = c_im
    one = np.float32(1.0)
    for r in range(n_r):
        for p in range(n_p):
            lp, rp, tp = left[p], right[p], t[p]
            for grp in range(n_g):
                src = hbf[r, p, grp]
                dst = hff[grp]
                for ka in range(n_ka):
                    tk = tp[ka]
                    a = one - tk
                    i0 = 2 * lp[ka]
                    i1 = 2 * rp[ka]
                    v_re = src[i0] * a + src[i1] * tk
                    v_im = src[i0 + 1] * a + src[i1 + 1] * tk
                    r_re = rot[2 * ka]
                    r_im = rot[2 * ka + 1]
                    dst[2 * ka] = v_re * r_re - v_im * r_im
                    dst[2 * ka + 1] = v_re * r_im + v_im * r_re
            for l in range(n_s):
                out = hfl[r, p, l]
                for kz in range(k_zero.size):
                    out[2 * k_zero[kz]] = 0.0
                    out[2 * k_zero[kz] + 1] = 0.0
                for q in range(k_runs.shape[0]):
                    j0, j1, o0 = 2 * k_runs[q, 0], 2 * k_runs[q, 1], 2 * k_runs[q, 2]
                    n_j = j1 - j0
                    dst = out[o0:o0 + n_j]
                    first = True
                    for grp in range(n_g):
                        wt = tw[l, grp]
                        if wt == 0.0:
                            continue
                        src = hff[grp, j0:j1]
                        if first:
                            for j in range(n_j):
                                dst[j] = wt * src[j]
                            first = False
                        else:
                            for j in range(n_j):
                                dst[j] += wt * src[j]
                    if first:
                        for j in range(n_j):
                            dst[j] = 0.0


@njit(cache=True, nogil=True)
def estimate_slot(grid: np.ndarray, pos: np.ndarray, rinv: np.ndarray,
                  k_ref: np.ndarray, mask: np.ndarray, d0: float, td: int, fd: int,
                  timing: bool, runs_q: np.ndarray, w_q: np.ndarray, f_sum: float,
                  c_mean: float, min_loading: float, mode: int, gcv_vt: np.ndarray,
                  gcv_lam: np.ndarray, gcv_proj: np.ndarray, gcv_step: int,
                  s_vt: np.ndarray, s_lam: np.ndarray, s_proj: np.ndarray,
                  j_of_u: np.ndarray, runs_s: np.ndarray, w_u: np.ndarray,
                  k_out: np.ndarray, k_runs: np.ndarray, k_zero: np.ndarray,
                  left: np.ndarray, right: np.ndarray, t: np.ndarray, tw: np.ndarray,
                  dwork: np.ndarray, g_raw: np.ndarray, g: np.ndarray, gf: np.ndarray,
                  phi: np.ndarray, fit: np.ndarray, hbf: np.ndarray, hff: np.ndarray,
                  rot: np.ndarray, gr: np.ndarray, gi: np.ndarray, s: np.ndarray,
                  s64: np.ndarray, q: np.ndarray, wc: np.ndarray, qa: np.ndarray,
                  h: np.ndarray, noise_var: np.ndarray) -> bool:
    """DM-RS channel estimate of one slot (references of TS 38.211 §6.4.1.1 / §7.4.1.1).
    One call per slot: ``grid [N, R, S·K]`` complex64 (checked for NaN / inf: returns
    False if it holds one) -> the channel estimate ``h [N, R, P, S, K]`` complex64 and
    ``noise_var [N, R]`` float32 (the steps of the module docstring).

    Layout terms: ``pos``/``rinv`` ``[P, n_ref]`` (positions in the flattened grid and
    ``conj(r)/|r|²``), slope terms ``k_ref``, ``mask``, ``d0`` (see
    :func:`~softran.nr.receiver.despread_kernels.slope_despread`), CDM lengths ``td``,
    ``fd``; the noise fit's window runs ``runs_q`` (see ``_filter_runs``) and weights
    ``w_q [Uq, Lq]`` (float32), ``f_sum`` the sum of its noise factors, ``c_mean`` the mean
    block noise factor; smoothing ``mode`` (``SMOOTH_*``), the GCV candidates
    ``gcv_vt [W, L, L]``, ``gcv_lam``/``gcv_proj`` ``[W, L]`` and window stride, the
    smoother's eigen terms ``s_vt [W, U, L, L]``, ``s_lam``/``s_proj`` ``[W, U, L]`` per
    candidate and window geometry (or, for a uniform comb, those of the one window and the
    place ``j_of_u [U]`` of the output block in each window; see ``_wiener_weights``), its
    window runs ``runs_s`` and weights ``w_u [U, L]``
    (float32; given for ``SMOOTH_FIXED``, written otherwise); output subcarriers
    ``k_out [Ka]`` (runs ``k_runs``), the others ``k_zero``, frequency interpolation
    ``left``, ``right`` (int64) and ``t`` (float32) ``[P, Ka]``, time weights ``tw [S, G]``
    (float32). The rest are workspaces (``dwork [4, n_ref]`` float64; ``gf`` the float32
    view of ``g``)."""
    finite = all_finite(grid)
    hfl = h.view(np.float32)                    # [N, R, P, S, 2K]
    n_b, n_r, _ = grid.shape
    n_p, n_ref = pos.shape
    n_g, n_m = g.shape[3], g.shape[4]
    # LS at the references
    for n in range(n_b):
        for r in range(n_r):
            for p in range(n_p):
                for i in range(n_ref):
                    g_raw[n, r, p, i] = grid[n, r, pos[p, i]] * rinv[p, i]
    if timing:
        slope_despread_into(g_raw, k_ref, mask, d0, n_g, td, n_m, fd, 2, g, phi, dwork)
    else:
        scale = 1.0 / (td * fd)
        m_per = n_m * fd
        for n in range(n_b):
            phi[n] = 0.0
            for r in range(n_r):
                for p in range(n_p):
                    for grp in range(n_g):
                        for m in range(n_m):
                            acc = 0j
                            for tt in range(td):
                                base = (grp * td + tt) * m_per + m * fd
                                for f in range(fd):
                                    acc += g_raw[n, r, p, base + f]
                            g[n, r, p, grp, m] = acc * scale
    for n in range(n_b):
        gn = g[n]
        _filter_runs(gf[n], runs_q, w_q, fit)
        nv_mean, power = _noise_fit(gf[n], fit, f_sum, noise_var[n])
        # loading of the Wiener filter
        nvc = nv_mean * c_mean
        sig = max(power - nvc, 1e-3 * power)
        sig = max(sig, 2.2250738585072014e-308)
        eps = max(nvc / sig, min_loading)
        if mode != SMOOTH_FIXED:
            wi = 0
            if mode == SMOOTH_GCV:
                wi = _gcv_width(gn, eps, gcv_vt, gcv_lam, gcv_proj, gcv_step, gr, gi, s, s64,
                                q, wc, qa)
            _wiener_weights(wi, eps, s_vt, s_lam, s_proj, j_of_u, wc, q, w_u)
        _filter_runs(gf[n], runs_s, w_u, hbf)
        _interpolate(hbf, phi[n], k_out, k_runs, k_zero, left, right, t, tw, hff, rot,
                     hfl[n])
    return finite
