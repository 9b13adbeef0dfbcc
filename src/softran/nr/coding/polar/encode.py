"""Polar encoding of TS 38.212 §5.3.1 (MATLAB ``nrPolarEncode``).

How it is computed
------------------
1. input bit interleaving (§5.3.1.1, I_IL = 1): ``c'_k = c_{Π(k)}``, one gather;
2. u (§5.3.1.2): ``c'`` goes to the information positions Q_I^N \\ Q_PC^N in ascending order,
   frozen positions are 0. The parity-check bits come from the cyclic shift register y0..y4 of
   §5.3.1.2: at step n the register has been rotated n + 1 times, so the PC bit at position n
   is the XOR of the information bits u_m, m < n, m = n (mod 5) — a fixed GF(2) matrix
   ``[K, n_PC]`` applied with one matrix product;
3. ``x = u G_N``, ``G_N = F^{⊗n}``, ``F = [[1, 0], [1, 1]]``: log2 N butterfly stages, each an
   XOR of the second half of every block of 2h bits onto its first half (h = 1, 2, .., N/2).
"""

from __future__ import annotations

import functools

import torch

from softran.nr.coding.polar.construct import PolarCode, polar_code
from softran.nr.coding.polar.interleavers import input_interleaver_pattern
from softran.validation import check_bits

__all__ = ["polar_encode", "polar_transform"]


@functools.lru_cache(maxsize=256)
def _pc_matrix(code: PolarCode, device: torch.device) -> torch.Tensor:
    """float32 ``[K, n_PC]``: entry (k, j) = 1 if info position k feeds PC bit j (§5.3.1.2)."""
    info = torch.tensor(code.info).unsqueeze(1)
    pc = torch.tensor(code.pc).unsqueeze(0)
    return ((info < pc) & (info % 5 == pc % 5)).to(device=device, dtype=torch.float32)


def polar_transform(u: torch.Tensor) -> torch.Tensor:
    """``x = u G_N`` over GF(2), ``G_N = F^{⊗n}`` of TS 38.212 §5.3.1.2 (its own inverse).

    Parameters
    ----------
    u : ``[..., N]`` 0/1 bits, N a power of 2.

    Returns
    -------
    ``[..., N]`` uint8.

    >>> polar_transform(torch.tensor([0, 1, 0, 1], dtype=torch.uint8))
    tensor([0, 0, 1, 1], dtype=torch.uint8)
    """
    x = check_bits("u", u).clone()
    n = x.shape[-1]
    if n & (n - 1):
        raise ValueError(f"u has length {n} along its last dimension; it must be a power of 2")
    batch = x.shape[:-1]
    h = 1
    while h < n:
        v = x.view(*batch, n // (2 * h), 2, h)
        v[..., 0, :] ^= v[..., 1, :]
        h *= 2
    return x


def polar_encode(bits: torch.Tensor, e: int, n_max: int = 9, i_il: bool = True, *,
                 n_pc: int | None = None, n_pc_wm: int | None = None) -> torch.Tensor:
    """Polar-encode K bits into N bits, TS 38.212 §5.3.1 (MATLAB ``nrPolarEncode``).

    Parameters
    ----------
    bits : ``[..., K]`` 0/1, c_0..c_{K-1} (CRC attached), 1 <= K <= E (K <= 164 with ``i_il``).
    e : E, the rate-matching output length (§5.4.1), which selects N; 1..8192.
    n_max : log2 of the largest code length (9: PBCH, DCI; 10: UCI).
    i_il : input bit interleaving I_IL of §5.3.1.1 (True: PBCH, DCI; False: UCI).
    n_pc, n_pc_wm : parity-check bits (see :func:`polar_construct`); ``None`` applies the UCI
        rule of §6.3.1.3.1 (3 PC bits when 18 <= K <= 25).

    Returns
    -------
    ``[..., N]`` uint8, d_0..d_{N-1}.

    >>> d = polar_encode(torch.ones(2, 56, dtype=torch.uint8), 864)   # PBCH
    >>> d.shape, d.dtype
    (torch.Size([2, 512]), torch.uint8)
    """
    bits = check_bits("bits", bits)
    k = bits.shape[-1]
    code = polar_code(k, e, n_max, n_pc, n_pc_wm, i_il=bool(i_il),
                      k_name="K (length of bits along its last dimension)")
    if i_il:
        bits = bits[..., input_interleaver_pattern(k).to(bits.device)]
    u = torch.zeros(*bits.shape[:-1], code.n, dtype=torch.uint8, device=bits.device)
    u[..., torch.tensor(code.info, device=bits.device)] = bits
    if code.pc:
        pc = torch.remainder(bits.to(torch.float32) @ _pc_matrix(code, bits.device), 2)
        u[..., torch.tensor(code.pc, device=bits.device)] = pc.to(torch.uint8)
    return polar_transform(u)
