"""LDPC lifting sizes, base graphs and parity-check matrices (TS 38.212 §5.3.2).

The two base graphs are read once from ``softran/nr/data/ldpc_base_graph_{1,2}.csv``
(TS 38.212 Tables 5.3.2-2 and 5.3.2-3: row i, column j and the shift value V(i,j) for each
lifting-size set i_LS = 0..7). The lifting sizes of Table 5.3.2-1 are derived in code.

Circulant convention (§5.3.2): the non-zero entry (i, j) of the base graph becomes the
Zc x Zc permutation matrix I(P_ij), the identity circularly shifted to the right P_ij times,
with P_ij = V(i,j) mod Zc. Row r of I(P) therefore holds its single 1 in column (r + P) mod Zc,
so parity check ``i*Zc + r`` reads bit ``j*Zc + (r + P_ij) mod Zc`` of the codeword.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch

from softran.nr.datafiles import data_path
from softran.validation import check_int

__all__ = [
    "BaseGraph",
    "base_graph",
    "base_graph_dims",
    "base_graph_edges",
    "lifting_size_for_length",
    "lifting_size_set",
    "lifting_sizes",
    "parity_check_matrix",
]

#: Table 5.3.2-1: the set index i_LS is the position of ``a`` in this tuple (Z = a * 2**j).
_SET_BASES = (2, 3, 5, 7, 9, 11, 13, 15)
_Z_MAX = 384

#: (rows, columns, systematic columns k_b) of the base graphs (§5.3.2).
_DIMS = {1: (46, 68, 22), 2: (42, 52, 10)}


class BaseGraph(NamedTuple):
    """Edge list of one lifted base graph (TS 38.212 §5.3.2): entry (row[e], col[e]) is
    I(shift[e]).

    All three are int64 tensors of the same length (316 edges for BG1, 197 for BG2),
    ordered by row, then column; ``shift`` is already reduced modulo Zc.
    """

    row: torch.Tensor
    col: torch.Tensor
    shift: torch.Tensor


@functools.cache
def _lifting_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for i_ls, a in enumerate(_SET_BASES):
        z = a
        while z <= _Z_MAX:
            table[z] = i_ls
            z *= 2
    return dict(sorted(table.items()))


def lifting_sizes() -> tuple[int, ...]:
    """All 51 lifting sizes Zc of TS 38.212 Table 5.3.2-1, ascending.

    Z = a * 2**j <= 384 for a in {2, 3, 5, 7, 9, 11, 13, 15}.

    >>> zs = lifting_sizes()
    >>> len(zs), zs[:6], zs[-1]
    (51, (2, 3, 4, 5, 6, 7), 384)
    """
    return tuple(_lifting_table())


_LIFTING_SET = frozenset(lifting_sizes())


def lifting_size_set(zc: int) -> int:
    """Set index i_LS (0..7) of the lifting size ``zc`` (TS 38.212 Table 5.3.2-1).

    Raises ``ValueError`` if ``zc`` is not one of the 51 lifting sizes.

    >>> lifting_size_set(384), lifting_size_set(208), lifting_size_set(2)
    (1, 6, 0)
    """
    zc = check_int("zc", zc)
    table = _lifting_table()
    if zc not in table:
        raise ValueError(f"zc = {zc} is not a lifting size of TS 38.212 Table 5.3.2-1; "
                         f"allowed: {', '.join(map(str, table))}")
    return table[zc]


def _check_bgn(bgn: int) -> int:
    return check_int("bgn", bgn, 1, 2)


@functools.cache
def _table(bgn: int) -> np.ndarray:
    """Raw CSV rows ``row, col, V(i_LS=0..7)`` of base graph ``bgn`` (int64 [n_edges, 10])."""
    path = data_path(f"ldpc_base_graph_{bgn}.csv")
    with path.open("r") as f:
        lines = [ln for ln in f.read().splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split(",")
    if header[:2] != ["row", "col"] or len(header) != 10:
        raise RuntimeError(f"unexpected header in ldpc_base_graph_{bgn}.csv: {lines[0]!r}")
    data = np.array([[int(v) for v in ln.split(",")] for ln in lines[1:]], dtype=np.int64)
    order = np.lexsort((data[:, 1], data[:, 0]))
    data = data[order]
    n_rows, n_cols, _ = _DIMS[bgn]
    if data[:, 0].max() != n_rows - 1 or data[:, 1].max() != n_cols - 1:
        raise RuntimeError(f"ldpc_base_graph_{bgn}.csv does not span {n_rows} x {n_cols}")
    data.setflags(write=False)
    return data


@functools.cache
def base_graph_edges(bgn: int, zc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, shift = V(i,j) mod Zc) of base graph ``bgn`` lifted by ``zc`` as read-only
    int64 numpy arrays, ordered by row then column (TS 38.212 §5.3.2, Tables 5.3.2-2/-3);
    the numpy form of :func:`base_graph`, cached per (bgn, zc) for the encoders and decoders.

    >>> [a.shape for a in base_graph_edges(2, 52)]
    [(197,), (197,), (197,)]
    """
    data = _table(bgn)
    i_ls = lifting_size_set(zc)
    row = data[:, 0].copy()
    col = data[:, 1].copy()
    shift = data[:, 2 + i_ls] % zc
    for a in (row, col, shift):
        a.setflags(write=False)
    return row, col, shift


def base_graph(bgn: int, zc: int) -> BaseGraph:
    """Edge list of LDPC base graph ``bgn`` lifted by ``zc`` (TS 38.212 §5.3.2).

    Returns ``BaseGraph(row, col, shift)``: int64 tensors (CPU) with one entry per non-zero
    entry of Table 5.3.2-2 (``bgn`` = 1: 46 x 68, 316 entries) or Table 5.3.2-3 (``bgn`` = 2:
    42 x 52, 197 entries), ordered by row then column, ``shift`` = V(i,j) mod Zc for the set
    i_LS of ``zc``.

    >>> g = base_graph(1, 384)
    >>> len(g.row), g.col[:4].tolist(), g.shift[:4].tolist()
    (316, [0, 1, 2, 3], [307, 19, 50, 369])
    """
    bgn = _check_bgn(bgn)
    row, col, shift = base_graph_edges(bgn, zc)
    return BaseGraph(torch.from_numpy(row.copy()), torch.from_numpy(col.copy()),
                     torch.from_numpy(shift.copy()))


def base_graph_dims(bgn: int) -> tuple[int, int, int]:
    """(rows, columns, systematic columns k_b) of base graph ``bgn``: (46, 68, 22) or (42, 52, 10)
    (TS 38.212 §5.3.2, Tables 5.3.2-2 / 5.3.2-3).

    >>> base_graph_dims(2)
    (42, 52, 10)
    """
    return _DIMS[_check_bgn(bgn)]


def parity_check_matrix(bgn: int, zc: int, *, sparse: bool = False) -> torch.Tensor:
    """Parity-check matrix H of base graph ``bgn`` lifted by ``zc`` (TS 38.212 §5.3.2).

    Each base-graph entry (i, j) with shift P = V(i,j) mod Zc becomes the Zc x Zc identity
    circularly shifted right P times (row r has its 1 in column (r + P) mod Zc); every other
    Zc x Zc block is zero. A codeword c (including the 2*Zc punctured systematic bits)
    satisfies H c = 0 (mod 2).

    Returns a uint8 tensor of shape (46*Zc, 68*Zc) for ``bgn`` = 1 or (42*Zc, 52*Zc) for
    ``bgn`` = 2: dense, or a sparse COO tensor if ``sparse`` is True (the dense BG1 matrix
    for Zc = 384 takes 461 MB).

    >>> h = parity_check_matrix(2, 2)
    >>> tuple(h.shape), int(h.sum())
    ((84, 104), 394)
    """
    bgn = _check_bgn(bgn)
    row, col, shift = base_graph_edges(bgn, zc)
    n_rows, n_cols, _ = _DIMS[bgn]
    r = np.arange(zc)
    rows = (row[:, None] * zc + r[None, :]).ravel()
    cols = (col[:, None] * zc + (r[None, :] + shift[:, None]) % zc).ravel()
    size = (n_rows * zc, n_cols * zc)
    if sparse:
        index = torch.from_numpy(np.stack([rows, cols]))
        values = torch.ones(index.shape[1], dtype=torch.uint8)
        return torch.sparse_coo_tensor(index, values, size, check_invariants=True).coalesce()
    h = torch.zeros(size, dtype=torch.uint8)
    h[torch.from_numpy(rows), torch.from_numpy(cols)] = 1
    return h


def lifting_size_for_length(name: str, length: int, bgn: int, columns: int) -> int:
    """Zc such that ``length`` = ``columns`` * Zc for a lifting size of TS 38.212 Table
    5.3.2-1, or a ``ValueError`` naming ``name`` (K = 22 Zc / 10 Zc at the encoder input,
    N = 66 Zc / 50 Zc at the decoder input).

    >>> lifting_size_for_length("K", 22 * 384, 1, 22)
    384
    """
    if length % columns == 0 and length // columns in _LIFTING_SET:
        return length // columns
    allowed = [columns * z for z in lifting_sizes()]
    if length not in allowed:
        raise ValueError(f"{name} = {length} is not allowed for bgn = {bgn}; allowed: "
                         f"{columns}*Zc for the lifting sizes Zc of Table 5.3.2-1: "
                         + ", ".join(map(str, allowed)))
    return length // columns
