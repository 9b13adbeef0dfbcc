"""Polar rate matching and rate recovery, TS 38.212 §5.4.1.

MATLAB namesakes: ``nrRateMatchPolar`` and ``nrRateRecoverPolar``.

How it is computed
------------------
Sub-block interleaving (§5.4.1.1, ``y_n = d_{J(n)}``), bit selection (§5.4.1.2: repetition
``e_k = y_{k mod N}`` when E >= N, else puncturing ``e_k = y_{k+N-E}`` when K/E <= 7/16, else
shortening ``e_k = y_k``) and coded-bit interleaving (§5.4.1.3, I_BIL = 1) only pick positions
of d, so together they are one index list ``idx`` (``f_j = d_{idx[j]}``), cached per
(N, K, E, I_BIL). Rate matching is one gather; rate recovery one scatter-add
(``index_add_``, which sums the repetitions: soft combining) onto a buffer that holds LLR 0 at
punctured positions (nothing known) and :data:`SHORTENED_LLR` at shortened positions (bit 0,
known: shortening pre-freezes every u bit that reaches a shortened position).
"""

from __future__ import annotations

import functools

import torch

from softran.nr.coding.polar.interleavers import (
    E_MAX,
    check_code_length,
    coded_bit_interleaver_pattern,
    subblock_interleaver_pattern,
)
from softran.validation import check_int, check_llr, check_tensor

__all__ = ["SHORTENED_LLR", "rate_match_polar", "rate_recover_polar"]

#: LLR given to shortened positions by :func:`rate_recover_polar` (bit known to be 0); finite,
#: so that min-sum arithmetic never meets inf - inf.
SHORTENED_LLR = 1.0e20


@functools.lru_cache(maxsize=512)
def _index(n: int, k: int, e: int, i_bil: bool) -> tuple[torch.Tensor, str]:
    """(idx int64 ``[E]``, mode): ``f_j = d_{idx[j]}``; mode repetition/puncturing/shortening."""
    j = subblock_interleaver_pattern(n)
    if e >= n:
        mode, sel = "repetition", torch.arange(e) % n
    elif 16 * k <= 7 * e:
        mode, sel = "puncturing", torch.arange(n - e, n)
    else:
        mode, sel = "shortening", torch.arange(e)
    idx = j[sel]
    if i_bil:
        idx = idx[coded_bit_interleaver_pattern(e)]
    return idx, mode


def _check_k_e(k: object, e: object, e_name: str = "e") -> tuple[int, int]:
    e = check_int(e_name, e, 1, E_MAX)
    k = check_int("k", k, 1)
    if k > e:
        raise ValueError(f"k = {k} is larger than {e_name} = {e}; polar rate matching needs "
                         "K <= E")
    return k, e


def rate_match_polar(d: torch.Tensor, k: int, e: int, i_bil: bool = False) -> torch.Tensor:
    """Polar rate matching, TS 38.212 §5.4.1 (MATLAB ``nrRateMatchPolar``).

    Parameters
    ----------
    d : ``[..., N]`` polar codeword d_0..d_{N-1} (bits, or any dtype: positions are only
        picked), N a power of 2 in 32..1024.
    k : K, the number of information bits (including CRC) of the code block, K <= E.
    e : E, the output length, 1..8192.
    i_bil : coded-bit interleaving I_BIL of §5.4.1.3 (True for UCI, False for PBCH / DCI).

    Returns
    -------
    ``[..., E]``, f_0..f_{E-1}, same dtype as ``d``.

    >>> d = torch.arange(32)
    >>> rate_match_polar(d, 8, 36)[-6:]            # repetition: y_0..y_3 again
    tensor([30, 31,  0,  1,  2,  4])
    >>> rate_match_polar(d, 8, 28)[:4]             # K/E <= 7/16: puncture y_0..y_3
    tensor([3, 5, 6, 7])
    """
    d = check_tensor("d", d, min_dim=1)
    n = check_code_length(d.shape[-1], "N (length of d along its last dimension)")
    k, e = _check_k_e(k, e)
    idx, _ = _index(n, k, e, bool(i_bil))
    return d[..., idx.to(d.device)]


def rate_recover_polar(llr: torch.Tensor, k: int, n: int, i_bil: bool = False) -> torch.Tensor:
    """Polar rate recovery, inverse of TS 38.212 §5.4.1 (MATLAB ``nrRateRecoverPolar``).

    Parameters
    ----------
    llr : ``[..., E]`` float LLRs of f_0..f_{E-1} (positive means 0), 1 <= E <= 8192.
    k : K, the number of information bits (including CRC), K <= E.
    n : N, the polar code length (power of 2, 32..1024), from :func:`polar_construct`.
    i_bil : coded-bit interleaving I_BIL of §5.4.1.3.

    Returns
    -------
    ``[..., N]`` LLRs of d_0..d_{N-1}, same dtype as ``llr``: repeated bits summed, punctured
    bits 0, shortened bits :data:`SHORTENED_LLR` (known 0).

    >>> llr = torch.ones(40)
    >>> rate_recover_polar(llr, 8, 32)[:9]          # repetition: y_0..y_7 received twice
    tensor([2., 2., 2., 2., 2., 2., 2., 2., 1.])
    >>> out = rate_recover_polar(torch.ones(28), 20, 32)   # shortening: y_28..y_31 not sent
    >>> (out == SHORTENED_LLR).nonzero().flatten()         # d_J(28)..d_J(31)
    tensor([27, 29, 30, 31])
    """
    llr = check_llr("llr", llr)
    n = check_code_length(n)
    k, e = _check_k_e(k, llr.shape[-1], "E (length of llr along its last dimension)")
    idx, mode = _index(n, k, e, bool(i_bil))
    batch = llr.shape[:-1]
    fill = SHORTENED_LLR if mode == "shortening" else 0.0
    out = torch.full((*batch, n), fill, dtype=llr.dtype, device=llr.device)
    flat = out.reshape(-1, n)
    if mode == "shortening":
        flat[:, idx.to(llr.device)] = 0.0
    flat.index_add_(1, idx.to(llr.device), llr.reshape(-1, e))
    return flat.reshape(*batch, n)
