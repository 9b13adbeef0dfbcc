"""Polar sequence and the three polar interleavers of TS 38.212.

============================  ==================================  ==============================
what                          data file (``softran/nr/data``)     TS 38.212
============================  ==================================  ==============================
polar sequence Q_0^{1023}     ``polar_sequence.csv``              Table 5.3.1.2-1 (§5.3.1.2)
input bit interleaver Π       ``polar_input_interleaver.csv``     Table 5.3.1.1-1 (§5.3.1.1)
sub-block interleaver J(n)    ``polar_subblock_interleaver.csv``  Table 5.4.1.1-1 (§5.4.1.1)
coded-bit interleaver         (triangular, no table)              §5.4.1.3
============================  ==================================  ==============================

Each interleaver is an index list ``idx`` with ``out[..., j] = in[..., idx[j]]``; the lists
depend on one length only and are cached (the tables are read once).
"""

from __future__ import annotations

import functools

import torch

from softran.nr.datafiles import read_csv
from softran.validation import check_int

__all__ = [
    "check_code_length",
    "reliability_sequence",
    "subblock_interleaver_table",
    "K_IL_MAX",
    "coded_bit_interleaver_pattern",
    "input_interleaver_pattern",
    "polar_sequence",
    "subblock_interleaver_pattern",
]

#: K_IL^max of TS 38.212 §5.3.1.1: the length of the interleaving pattern Π_IL^max.
K_IL_MAX = 164
#: N_max = 1024, the length of the polar sequence (TS 38.212 §5.3.1.2).
N_MAX = 1024
#: Largest rate-matching output length E with coded-bit interleaving (TS 38.212 §5.4.1.3).
E_MAX = 8192


def _read_column(name: str, column: str) -> tuple[int, ...]:
    return tuple(int(r[column]) for r in read_csv(name))


@functools.cache
def reliability_sequence() -> tuple[int, ...]:
    """Q_0^{1023}, the polar sequence of TS 38.212 Table 5.3.1.2-1 in ascending reliability.

    >>> reliability_sequence()[:4]
    (0, 1, 2, 4)
    """
    rows = [(int(r["reliability_index"]), int(r["bit_index"]))
            for r in read_csv("polar_sequence.csv")]
    return tuple(q for _, q in sorted(rows))


@functools.cache
def _pi_il_max() -> tuple[int, ...]:
    return _read_column("polar_input_interleaver.csv", "pi_il_max")


@functools.cache
def subblock_interleaver_table() -> tuple[int, ...]:
    """P(i), i = 0..31, of the sub-block interleaver, TS 38.212 Table 5.4.1.1-1.

    >>> subblock_interleaver_table()[:6]
    (0, 1, 2, 4, 3, 5)
    """
    return _read_column("polar_subblock_interleaver.csv", "p")


def check_code_length(n: object, name: str = "n") -> int:
    """``n`` checked as a polar code length N: a power of 2 in 32..1024 (TS 38.212 §5.3.1).

    >>> check_code_length(512)
    512
    """
    n = check_int(name, n, 32, N_MAX)
    if n & (n - 1):
        raise ValueError(f"{name} = {n} is not allowed; the polar code length N must be a power "
                         f"of 2 in 32..{N_MAX}")
    return n


def polar_sequence(n: int) -> torch.Tensor:
    """Polar sequence Q_0^{N-1} of TS 38.212 §5.3.1.2 (Table 5.3.1.2-1), least reliable first.

    The bit indices ``Q_i^{Nmax} < N`` of the length-1024 sequence, in ascending order of
    reliability W(Q_i).

    Parameters
    ----------
    n : code length N, a power of 2 in 32..1024.

    Returns
    -------
    int64 ``[N]``.

    >>> polar_sequence(32)[:8]
    tensor([ 0,  1,  2,  4,  8, 16,  3,  5])
    """
    n = check_code_length(n)
    return torch.tensor([q for q in reliability_sequence() if q < n], dtype=torch.int64)


def input_interleaver_pattern(k: int) -> torch.Tensor:
    """Input bit interleaver Π(k) of TS 38.212 §5.3.1.1 (I_IL = 1): ``c'_k = c_{Π(k)}``.

    Π keeps the entries Π_IL^max(m) >= K_IL^max - K of Table 5.3.1.1-1, in table order, each
    minus K_IL^max - K.

    Parameters
    ----------
    k : number of input bits K (including CRC), 1..164.

    Returns
    -------
    int64 ``[K]``, a permutation of 0..K-1.

    >>> input_interleaver_pattern(5)
    tensor([0, 1, 2, 3, 4])
    >>> input_interleaver_pattern(164)[:6]
    tensor([ 0,  2,  4,  7,  9, 14])
    """
    k = check_int("k", k, 1, K_IL_MAX)
    off = K_IL_MAX - k
    return torch.tensor([p - off for p in _pi_il_max() if p >= off], dtype=torch.int64)


def subblock_interleaver_pattern(n: int) -> torch.Tensor:
    """Sub-block interleaver J(n) of TS 38.212 §5.4.1.1: ``y_n = d_{J(n)}``.

    ``i = floor(32 n / N)``, ``J(n) = P(i) N/32 + mod(n, N/32)`` with P of Table 5.4.1.1-1.

    Parameters
    ----------
    n : code length N, a power of 2 in 32..1024.

    Returns
    -------
    int64 ``[N]``, a permutation of 0..N-1.

    >>> subblock_interleaver_pattern(32)[:8]
    tensor([0, 1, 2, 4, 3, 5, 6, 7])
    """
    n = check_code_length(n)
    b = n // 32
    p = torch.tensor(subblock_interleaver_table(), dtype=torch.int64)
    j = torch.arange(n)
    return p[j // b] * b + j % b


def coded_bit_interleaver_pattern(e: int) -> torch.Tensor:
    """Coded-bit interleaver of TS 38.212 §5.4.1.3 (I_BIL = 1): ``f_k = e_{idx[k]}``.

    The E bits are written row by row into a triangle of T rows (row i has T - i columns;
    T the smallest integer with T (T + 1) / 2 >= E), the remainder <NULL>, and read column by
    column, skipping <NULL>.

    Parameters
    ----------
    e : rate-matching output length E, 1..8192.

    Returns
    -------
    int64 ``[E]``, a permutation of 0..E-1.

    >>> coded_bit_interleaver_pattern(6)
    tensor([0, 3, 5, 1, 4, 2])
    """
    e = check_int("e", e, 1, E_MAX)
    t = 1
    while t * (t + 1) // 2 < e:
        t += 1
    i = torch.arange(t).unsqueeze(1)                      # row
    j = torch.arange(t).unsqueeze(0)                      # column
    # entry (i, j), j <= T-1-i, holds e_k with k = sum_{r<i} (T - r) + j
    k = i * t - i * (i - 1) // 2 + j
    valid = (j <= t - 1 - i) & (k < e)
    return k.T[valid.T]                                   # read column by column
