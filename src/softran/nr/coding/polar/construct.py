"""Polar code construction, TS 38.212 §5.3.1 / §5.3.1.2 (MATLAB ``nr5g.internal.polar.construct``).

Given K (information bits including CRC), E (rate-matching output length) and n_max:

1. the code length N = 2^n (§5.3.1): ``n1 = ceil(log2 E) - 1`` if
   ``E <= (9/8) 2^(ceil(log2 E) - 1)`` and ``K/E < 9/16``, else ``ceil(log2 E)``;
   ``n2 = ceil(log2(K / R_min))`` with ``R_min = 1/8``; ``n = max(min(n1, n2, n_max), n_min = 5)``;
2. the pre-frozen set Q_F,tmp (§5.3.1.2) when E < N: puncturing (K/E <= 7/16) freezes the
   punctured positions J(0..N-E-1) and ``{0 .. ceil(3N/4 - E/2) - 1}`` (E >= 3N/4) or
   ``{0 .. ceil(9N/16 - E/4) - 1}``; shortening freezes J(E..N-1);
3. the information set Q_I^N: the K + n_PC most reliable indices of Q_0^{N-1} not in Q_F,tmp;
4. the parity-check set Q_PC^N (n_PC > 0): the n_PC - n_PC^wm least reliable indices of Q_I^N,
   and n_PC^wm indices of minimum row weight (w = 2^popcount) among the K most reliable of Q_I^N,
   the most reliable of those first.

The ratios are compared in integers (``16 K <= 7 E``, ...), so there is no rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from softran.nr.coding.polar.interleavers import (
    E_MAX,
    K_IL_MAX,
    N_MAX,
    reliability_sequence,
    subblock_interleaver_table,
)
from softran.validation import check_int

__all__ = ["PolarCode", "polar_code", "polar_construct", "polar_pc_params"]

#: n_min of TS 38.212 §5.3.1.
N_MIN_LOG2 = 5


@dataclass(frozen=True)
class PolarCode:
    """Everything the encoder and decoder need for one (K, E, n_max, n_PC, n_PC^wm)."""

    k: int
    e: int
    n: int                          # code length N
    info: tuple[int, ...]           # Q_I^N without Q_PC^N, ascending: where c'_0..c'_{K-1} go
    pc: tuple[int, ...]             # Q_PC^N, ascending
    frozen: tuple[bool, ...]        # [N], True at the frozen positions Q_F^N

    @property
    def n_log2(self) -> int:
        return self.n.bit_length() - 1


def _ceil_log2(x: int) -> int:
    return (x - 1).bit_length()


def polar_pc_params(k: int, e: int) -> tuple[int, int]:
    """(n_PC, n_PC^wm) of a UCI code block, TS 38.212 §6.3.1.3.1 / §6.3.2.3.1.

    ``n_PC = 3`` when 18 <= K <= 25 (K including the 6 CRC bits, i.e. 12 <= A <= 19), and then
    ``n_PC^wm = 1`` if ``E - K + 3 > 192``; otherwise (0, 0).

    >>> polar_pc_params(20, 100), polar_pc_params(20, 300), polar_pc_params(40, 300)
    ((3, 0), (3, 1), (0, 0))
    """
    k = check_int("k", k, 1)
    e = check_int("e", e, 1)
    if 18 <= k <= 25:
        return 3, int(e - k + 3 > 192)
    return 0, 0


def _code_length_log2(k: int, e: int, n_max: int) -> int:
    ce = _ceil_log2(e)
    if 16 * e <= 9 * (1 << ce) and 16 * k < 9 * e:   # E <= 9/8 2^(ce-1), K/E < 9/16
        n1 = ce - 1
    else:
        n1 = ce
    n2 = _ceil_log2(8 * k)                               # ceil(log2(K / R_min)), R_min = 1/8
    return max(min(n1, n2, n_max), N_MIN_LOG2)


@functools.lru_cache(maxsize=512)
def _construct(k: int, e: int, n_max: int, n_pc: int, n_pc_wm: int) -> PolarCode:
    n = 1 << _code_length_log2(k, e, n_max)
    if k + n_pc > n:
        raise ValueError(f"k + n_pc = {k + n_pc} does not fit the polar code length N = {n} "
                         f"(n_max = {n_max}); K + n_PC must be <= N")
    seq = [q for q in reliability_sequence() if q < n]              # least reliable first
    b = n // 32
    p = subblock_interleaver_table()
    j = [p[i // b] * b + i % b for i in range(n)]        # J(n) of §5.4.1.1
    frozen_tmp: set[int] = set()
    if e < n:
        if 16 * k <= 7 * e:                              # puncturing
            frozen_tmp.update(j[:n - e])
            if 4 * e >= 3 * n:
                top = -(-(3 * n - 2 * e) // 4)           # ceil(3N/4 - E/2)
            else:
                top = -(-(9 * n - 4 * e) // 16)          # ceil(9N/16 - E/4)
            frozen_tmp.update(range(top))
        else:                                            # shortening
            frozen_tmp.update(j[e:])
    candidates = [q for q in seq if q not in frozen_tmp]
    if len(candidates) < k + n_pc:
        raise ValueError(f"k + n_pc = {k + n_pc} exceeds the {len(candidates)} positions left "
                         f"after pre-freezing for E = {e}, N = {n}")
    q_i = candidates[len(candidates) - (k + n_pc):]      # least reliable first
    pc: list[int] = []
    if n_pc > 0:
        pc = q_i[:n_pc - n_pc_wm]
        if n_pc_wm > 0:
            q_tilde = q_i[n_pc:]                         # the |Q_I| - n_PC most reliable
            w_min = min(bin(q).count("1") for q in q_tilde)
            lightest = [q for q in q_tilde if bin(q).count("1") == w_min]
            pc += lightest[::-1][:n_pc_wm]               # highest reliability first
    info = sorted(set(q_i) - set(pc))
    frozen = [True] * n
    for q in q_i:
        frozen[q] = False
    return PolarCode(k=k, e=e, n=n, info=tuple(info), pc=tuple(sorted(pc)), frozen=tuple(frozen))


def polar_code(k: object, e: object, n_max: object, n_pc: object, n_pc_wm: object,
               i_il: bool = False, *, k_name: str = "k") -> PolarCode:
    """The :class:`PolarCode` (N, information, parity-check and frozen sets) of TS 38.212
    §5.3.1.2 for K = ``k``, E = ``e``, validated and cached; shared by the encoder and the
    decoder (``n_pc = None``: the n_PC, n_PC^wm of §6.3.1.3.1 / §6.3.2.3.1 for UCI).
    ``k_name`` names K in errors (the encoder takes K from the length of its input).

    >>> polar_code(56, 864, 9, 0, 0, i_il=True).n
    512
    """
    n_max = check_int("n_max", n_max, N_MIN_LOG2, N_MAX.bit_length() - 1)
    e = check_int("e", e, 1, E_MAX)
    k = check_int(k_name, k, 1, K_IL_MAX if i_il else N_MAX)
    if k > e:
        raise ValueError(f"{k_name} = {k} is larger than e = {e}; polar coding needs K <= E")
    if n_pc is None:
        auto_pc, auto_wm = polar_pc_params(k, e)
        n_pc = auto_pc
        n_pc_wm = auto_wm if n_pc_wm is None else n_pc_wm
    n_pc = check_int("n_pc", n_pc, 0, N_MAX)
    n_pc_wm = check_int("n_pc_wm", 0 if n_pc_wm is None else n_pc_wm, 0, n_pc)
    if k + n_pc > e:
        raise ValueError(f"k + n_pc = {k + n_pc} is larger than e = {e}; TS 38.212 §5.3.1 "
                         "needs K + n_PC <= E")
    return _construct(k, e, n_max, n_pc, n_pc_wm)


def polar_construct(k: int, e: int, n_max: int = 9, *, n_pc: int | None = None,
                    n_pc_wm: int | None = None) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Polar code length, frozen set and parity-check set, TS 38.212 §5.3.1 / §5.3.1.2.

    Parameters
    ----------
    k : K, the number of bits to encode (including CRC), 1 <= K <= E.
    e : E, the rate-matching output length (§5.4.1), 1..8192.
    n_max : log2 of the largest code length: 9 for PBCH / DCI (TS 38.212 §7.1.4, §7.3.3),
        10 for UCI (§6.3.1.3.1); 5..10.
    n_pc, n_pc_wm : number of parity-check bits n_PC and how many of them go to minimum row
        weight positions, n_PC^wm <= n_PC. ``None`` (default) applies the UCI rule of
        §6.3.1.3.1 (:func:`polar_pc_params`: 3 PC bits for 18 <= K <= 25, else none).

    Returns
    -------
    ``(frozen, q_pc, n)``: ``frozen`` bool ``[N]``, True at the frozen positions Q_F^N;
    ``q_pc`` int64 ``[n_PC]``, the parity-check positions Q_PC^N (ascending; they are not
    frozen); ``n`` the code length N.

    >>> frozen, q_pc, n = polar_construct(56, 864)      # PBCH
    >>> n, int((~frozen).sum()), q_pc.numel()
    (512, 56, 0)
    >>> frozen, q_pc, n = polar_construct(20, 300, 10)  # UCI with 3 PC bits, one of them "wm"
    >>> n, int((~frozen).sum()), q_pc.numel()
    (256, 23, 3)
    """
    code = polar_code(k, e, n_max, n_pc, n_pc_wm)
    return (torch.tensor(code.frozen, dtype=torch.bool),
            torch.tensor(code.pc, dtype=torch.int64), code.n)
