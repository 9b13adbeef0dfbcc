"""CRC-aided successive-cancellation list decoding of NR polar codes (MATLAB ``nrPolarDecode``).

Decodes the code of TS 38.212 §5.3.1 (frozen set, parity-check bits and input interleaving of
§5.3.1.1 / §5.3.1.2) from the LLRs of d_0..d_{N-1} (after :func:`rate_recover_polar`).

Algorithm
---------
Successive cancellation over the natural-order tree of ``G_N = F^{⊗n}``: a node of size 2h
with LLRs ``(a, b)`` (first half, second half) passes ``f(a, b) = sign(a) sign(b) min(|a|, |b|)``
(min-sum) to its left child and, once the left child's partial sums ``v`` are known,
``g(a, b, v) = b + (1 - 2v) a`` to its right child; it returns ``(v_L XOR v_R, v_R)``.
Leaves are visited in order u_0..u_{N-1}; leaf i recomputes the g node at stage ctz(i) and the
f nodes below it, so each of the 2N - 1 tree nodes is computed once per codeword.

List decoding (Balatsoukas-Stathopoulos, Giard, Burg, "LLR-based successive cancellation list
decoding of polar codes", IEEE TSP 2015, with the min-sum approximation): every path keeps a
path metric ``PM`` (start 0; unused paths +inf); a decision u against the sign of the leaf LLR
λ adds ``|λ|`` (frozen bits decide 0, parity-check bits decide the XOR of the path's earlier
information bits u_m, m = n (mod 5), by the shift register of §5.3.1.2); an information bit
splits every path in two, and the L of the 2L children with the smallest metrics survive
(stable sort, so ties go to the lower path index and to u = 0). At the end each path's
codeword estimate x gives ``u = x G_N``, the K bits c' at the information positions and, with
I_IL, ``c = Π^{-1}(c')``; the CRC is checked on c of every path and the path with the
smallest metric among those that pass is returned (the smallest metric overall when none
passes, or without CRC).

Two implementations give bit-identical results (same float32 operations in the same order):
the torch reference (any device; per leaf O(1) batched tensor ops over codewords x paths,
surviving paths copied with one gather of the live part of the state) and a Numba CPU kernel
(``decode_kernels.py``: loops per codeword, paths share state through per-stage pointers,
paths not yet born are not computed, and the decisions u of every path come back with x, so
no polar transform is needed).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from softran.nr.coding.crc import crc_decode
from softran.nr.coding.polar.construct import PolarCode, polar_code
from softran.nr.coding.polar.encode import polar_transform
from softran.nr.coding.polar.interleavers import input_interleaver_pattern
from softran.validation import check_choice, check_int, check_llr

__all__ = ["polar_decode"]

_CRC_POLY = {24: "24C", 11: "11", 6: "6"}
_KERNELS = ("auto", "torch", "numba")
_LIST_LENGTHS = (1, 2, 4, 8, 16, 32)


def _roles(code: PolarCode) -> list[int]:
    """Per leaf: 0 frozen, 1 information, 2 parity check."""
    roles = [0] * code.n
    for q in code.info:
        roles[q] = 1
    for q in code.pc:
        roles[q] = 2
    return roles


@functools.lru_cache(maxsize=256)
def _layout(code: PolarCode) -> tuple[np.ndarray, torch.Tensor]:
    """Per code, once: the roles of :func:`_roles` as int8 (the kernel's input) and the
    information positions as an index tensor."""
    roles = np.asarray(_roles(code), dtype=np.int8)
    roles.flags.writeable = False
    return roles, torch.tensor(code.info)


def _ctz(i: int) -> int:
    return (i & -i).bit_length() - 1


def _scl_torch(llr: torch.Tensor, code: PolarCode, n_list: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference SCL: ``llr`` float32 ``[B, N]`` -> (x_hat uint8 ``[B, L, N]``, PM ``[B, L]``).

    ``state[:, :, 2^s : 2^(s+1)]`` holds the LLRs of stage s (node size 2^s, s < n) and
    ``state[:, :, N + 2^s : N + 2^(s+1)]`` the partial sums of the finished left node of stage
    s, as signs (+1 for bit 0, -1 for bit 1: XOR is a product). Stage n is the channel.
    """
    b, n = llr.shape
    m = code.n_log2
    dev = llr.device
    chan = llr.unsqueeze(1)
    state = torch.zeros(b, n_list, 2 * n, dtype=torch.float32, device=dev)
    pm = torch.full((b, n_list), float("inf"), dtype=torch.float32, device=dev)
    pm[:, 0] = 0.0
    reg = torch.ones(b, n_list, 5, dtype=torch.float32, device=dev) if code.pc else None
    zero = torch.zeros((), dtype=torch.float32, device=dev)
    roles = _roles(code)
    val = state[:, :, :0]

    def alpha(s: int) -> torch.Tensor:
        return chan if s == m else state[:, :, 1 << s:2 << s]

    for i in range(n):
        if i == 0:
            top = m - 1
        else:
            t = _ctz(i)
            h = 1 << t
            par = alpha(t + 1)
            state[:, :, h:2 * h] = par[..., h:] + state[:, :, n + h:n + 2 * h] * par[..., :h]
            top = t - 1
        for s in range(top, -1, -1):
            h = 1 << s
            par = alpha(s + 1)
            a, bb = par[..., :h], par[..., h:]
            mn = torch.minimum(a.abs(), bb.abs())
            state[:, :, h:2 * h] = torch.where((a < 0) != (bb < 0), -mn, mn)
        lam = state[:, :, 1]
        role = roles[i]
        if role == 0:
            pm = pm + torch.where(lam < 0, -lam, zero)
            v = torch.ones_like(lam)
        elif role == 2:
            v = reg[:, :, (i + 1) % 5].clone()
            pm = pm + torch.where(v * lam < 0, lam.abs(), zero)
        else:
            if n_list == 1:
                v = torch.where(lam < 0, -1.0, 1.0).to(torch.float32)
            else:
                cand = torch.cat([pm + torch.where(lam < 0, -lam, zero),
                                  pm + torch.where(lam > 0, lam, zero)], dim=1)
                srt, order = torch.sort(cand, dim=1, stable=True)
                pm = srt[:, :n_list]
                order = order[:, :n_list]
                parent = order % n_list
                v = 1.0 - 2.0 * (order // n_list).to(torch.float32)
                lo = min(2 << _ctz(i + 1), n) if i + 1 < n else n
                hi = n + (2 << (i.bit_length() - 1)) if i > 0 else n
                if lo < hi:
                    idx = parent.unsqueeze(-1).expand(-1, -1, hi - lo)
                    state[:, :, lo:hi] = state[:, :, lo:hi].gather(1, idx)
                if reg is not None:
                    reg = reg.gather(1, parent.unsqueeze(-1).expand(-1, -1, 5))
            if reg is not None:
                reg[:, :, (i + 1) % 5] *= v
        val = v.unsqueeze(-1)
        s = 0
        while (i >> s) & 1:
            h = 1 << s
            val = torch.cat([state[:, :, n + h:n + 2 * h] * val, val], dim=-1)
            s += 1
        if s < m:
            state[:, :, n + (1 << s):n + (2 << s)] = val
    return (val < 0).to(torch.uint8), pm


def _use_numba(kernel: str, device: torch.device) -> bool:
    if kernel == "torch":
        return False
    if kernel == "numba":
        if device.type != "cpu":
            raise ValueError(f"kernel = 'numba' runs on CPU tensors only; llr is on {device}")
        return True
    return device.type == "cpu"


def polar_decode(llr: torch.Tensor, k: int, e: int, list_length: int = 8, n_max: int = 9,
                 i_il: bool = True, crc_len: int = 24, *, n_pc: int | None = None,
                 n_pc_wm: int | None = None, rnti: int = 0, pad_crc: bool = False,
                 kernel: str = "auto") -> torch.Tensor:
    """CRC-aided SCL decoding of an NR polar code, TS 38.212 §5.3.1 (MATLAB ``nrPolarDecode``).

    Parameters
    ----------
    llr : ``[..., N]`` float LLRs of d_0..d_{N-1} (positive means 0), e.g. the output of
        :func:`rate_recover_polar`; N must be the code length that (K, E, n_max) select.
    k : K, the number of bits to decode, including the CRC (1 <= K <= E; K <= 164 with i_il).
    e : E, the rate-matching output length the code was built for (1..8192).
    list_length : L, 1 (successive cancellation), 2, 4, 8, 16 or 32.
    n_max : log2 of the largest code length (9: PBCH, DCI; 10: UCI).
    i_il : input bit interleaving I_IL of §5.3.1.1 (True: PBCH, DCI; False: UCI).
    crc_len : length of the CRC at the end of the K bits used to pick the path: 24 (CRC24C,
        PBCH / DCI), 11 or 6 (UCI), 0 (no CRC: the path with the smallest metric).
    n_pc, n_pc_wm : parity-check bits as in :func:`polar_encode` (``None``: the UCI rule of
        §6.3.1.3.1, 3 PC bits for 18 <= K <= 25); parity-check bits are decoded.
    rnti : mask XORed onto the CRC bits before the check (DCI: the RNTI on the last 16 bits
        of CRC24C, TS 38.212 §7.3.2); 0 for none.
    pad_crc : the CRC was computed with 24 ones prepended (DCI, TS 38.212 §7.3.2).
    kernel : ``"auto"`` (Numba on CPU, torch elsewhere), ``"torch"`` or ``"numba"``; both give
        identical bits.

    Returns
    -------
    ``[..., K]`` uint8: c_0..c_{K-1} of the selected path, CRC bits included.

    >>> from softran.nr.coding.crc import crc_encode
    >>> from softran.nr.coding.polar import polar_encode
    >>> c = crc_encode(torch.randint(0, 2, (4, 32), generator=torch.Generator().manual_seed(1),
    ...                              dtype=torch.uint8), "24C")
    >>> llr = 4.0 * (1.0 - 2.0 * polar_encode(c, 864).float())       # PBCH, noiseless
    >>> bool((polar_decode(llr, 56, 864) == c).all())
    True
    """
    llr = check_llr("llr", llr)
    list_length = check_choice("list_length", list_length, _LIST_LENGTHS)
    crc_len = check_choice("crc_len", crc_len, (24, 11, 6, 0))
    kernel = check_choice("kernel", kernel, _KERNELS)
    code = polar_code(k, e, n_max, n_pc, n_pc_wm, i_il=bool(i_il))
    if crc_len > code.k:
        raise ValueError(f"crc_len = {crc_len} is larger than k = {code.k}")
    if crc_len:
        check_int("rnti", rnti, 0, (1 << crc_len) - 1)
    elif rnti:
        raise ValueError(f"rnti = {rnti} needs a CRC; crc_len is 0")
    if llr.shape[-1] != code.n:
        raise ValueError(f"llr has length {llr.shape[-1]} along its last dimension; K = {code.k}, "
                         f"E = {code.e}, n_max = {n_max} give the polar code length N = {code.n}")
    batch = llr.shape[:-1]
    flat = llr.reshape(-1, code.n).to(torch.float32)
    if flat.shape[0] == 0:
        return torch.zeros(*batch, code.k, dtype=torch.uint8, device=llr.device)
    roles, info = _layout(code)
    if _use_numba(kernel, llr.device):
        from softran.nr.coding.polar.decode_kernels import scl_decode_blocks

        _, pm, u = scl_decode_blocks(flat.contiguous(), roles, code.n_log2, list_length,
                                     with_u=True)
    else:
        x_hat, pm = _scl_torch(flat, code, list_length)
        u = polar_transform(x_hat)
    c_il = u[..., info.to(llr.device)]
    if i_il:
        c = torch.empty_like(c_il)
        c[..., input_interleaver_pattern(code.k).to(llr.device)] = c_il
    else:
        c = c_il
    if crc_len and list_length > 1:
        bits = c
        if pad_crc:
            ones = torch.ones(*c.shape[:-1], 24, dtype=torch.uint8, device=c.device)
            bits = torch.cat([ones, c], dim=-1)
        _, err = crc_decode(bits, _CRC_POLY[crc_len], mask=rnti)
        ok = (err == 0) & torch.isfinite(pm)
        key = torch.where(ok, pm, torch.full_like(pm, float("inf")))
        best = torch.where(ok.any(-1), key.argmin(-1), pm.argmin(-1))
    else:
        best = pm.argmin(-1)
    out = c.gather(1, best.view(-1, 1, 1).expand(-1, 1, code.k)).squeeze(1)
    return out.reshape(*batch, code.k)
