"""Per-(base graph, Zc) structures that the LDPC encoders and decoders run on (TS 38.212
§5.3.2): the encoding schedule of :mod:`softran.nr.coding.ldpc.encode` and the row structure
of the layered decoders. Computed once from the base-graph table and cached; shared by the
torch, Numba and Triton paths.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from softran.nr.coding.ldpc.base_graph import base_graph_dims, base_graph_edges

__all__ = ["DecodePlan", "EncodePlan", "decode_plan", "encode_plan"]


@dataclass(frozen=True)
class EncodePlan:
    """Encoding schedule for one (bgn, zc); see the module docstring."""

    bgn: int
    zc: int
    n_cols: int          # 68 or 52 (real columns); pseudo columns n_cols.. hold lambda_i
    kb: int              # systematic columns (22 or 10)
    n_buf_cols: int      # n_cols + number of core rows
    tgt_col: np.ndarray  # int32 [S]
    tgt_shift: np.ndarray  # int32 [S]
    src_ptr: np.ndarray  # int32 [S + 1]
    src_col: np.ndarray  # int32 [n_src]
    src_shift: np.ndarray  # int32 [n_src]
    levels: tuple[tuple[int, ...], ...]  # steps that depend only on earlier levels


def _xor_cancel(edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sum of circulants over GF(2): equal (col, shift) pairs cancel."""
    counts: dict[tuple[int, int], int] = {}
    for e in edges:
        counts[e] = counts.get(e, 0) ^ 1
    return sorted(e for e, odd in counts.items() if odd)


@functools.cache
def encode_plan(bgn: int, zc: int) -> EncodePlan:
    """The encoding schedule of base graph ``bgn`` lifted by ``zc`` (TS 38.212 §5.3.2), derived
    from the base-graph table and cached; see :mod:`softran.nr.coding.ldpc.encode`."""
    row, col, shift = base_graph_edges(bgn, zc)
    n_rows, n_cols, kb = base_graph_dims(bgn)
    col_degree = np.bincount(col, minlength=n_cols)
    rows_edges = [[(int(c), int(p)) for c, p in zip(col[row == i], shift[row == i], strict=True)]
                  for i in range(n_rows)]
    degree1 = [[e for e in rows_edges[i] if col_degree[e[0]] == 1] for i in range(n_rows)]
    core_rows = [i for i in range(n_rows) if not degree1[i]]
    core_cols = sorted({c for i in core_rows for c, _ in rows_edges[i] if c >= kb})
    if len(core_rows) != len(core_cols):
        raise RuntimeError(f"BG{bgn}: {len(core_rows)} core rows but {len(core_cols)} core columns")

    steps: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    lam_col = {i: n_cols + k for k, i in enumerate(core_rows)}
    # 1. lambda_i: systematic part of each core row.
    for i in core_rows:
        steps.append(((lam_col[i], 0), [e for e in rows_edges[i] if e[0] < kb]))
    # 2. core parity columns, by GF(2) combinations of core rows with one unknown left.
    known = set(range(kb))
    while not set(core_cols) <= known:
        for size in range(1, len(core_rows) + 1):
            found = None
            for subset in itertools.combinations(core_rows, size):
                parity = _xor_cancel([e for i in subset for e in rows_edges[i] if e[0] >= kb])
                unknown = [e for e in parity if e[0] not in known]
                if len(unknown) == 1:
                    found = (unknown[0], [(lam_col[i], 0) for i in subset]
                             + [e for e in parity if e[0] in known])
                    break
            if found is not None:
                steps.append(found)
                known.add(found[0][0])
                break
        else:
            raise RuntimeError(f"BG{bgn} Zc={zc}: core parity is not solvable by row sums")
    # 3. extension rows: the degree-1 column from the rest of the row.
    for i in range(n_rows):
        if degree1[i]:
            if len(degree1[i]) != 1:
                raise RuntimeError(f"BG{bgn} row {i} has {len(degree1[i])} degree-1 columns")
            target = degree1[i][0]
            steps.append((target, [e for e in rows_edges[i] if e != target]))

    # Levels: a step's sources must all be produced by earlier levels.
    produced_at = {c: -1 for c in range(kb)}
    level_of: list[int] = []
    for target, sources in steps:
        lvl = 1 + max(produced_at[c] for c, _ in sources)
        produced_at[target[0]] = lvl
        level_of.append(lvl)
    levels = tuple(tuple(s for s in range(len(steps)) if level_of[s] == lvl)
                   for lvl in range(max(level_of) + 1))
    if len(produced_at) != n_cols + len(core_rows):
        raise RuntimeError(f"BG{bgn}: the schedule does not produce every parity column")

    src_ptr = np.zeros(len(steps) + 1, dtype=np.int32)
    src_ptr[1:] = np.cumsum([len(s) for _, s in steps])
    src = np.array([e for _, s in steps for e in s], dtype=np.int32)
    return EncodePlan(
        bgn=bgn, zc=zc, n_cols=n_cols, kb=kb, n_buf_cols=n_cols + len(core_rows),
        tgt_col=np.array([t[0] for t, _ in steps], dtype=np.int32),
        tgt_shift=np.array([t[1] for t, _ in steps], dtype=np.int32),
        src_ptr=src_ptr, src_col=np.ascontiguousarray(src[:, 0]),
        src_shift=np.ascontiguousarray(src[:, 1]), levels=levels)


@dataclass(frozen=True)
class DecodePlan:
    """Row structure of one (bgn, Zc) for the layered decoders (CSR rows of the lifted base
    graph, each row's degree-1 column)."""

    bgn: int
    zc: int
    n_rows: int
    n_cols: int
    kb: int
    d_max: int
    row_ptr: np.ndarray   # int64 [n_rows + 1]
    cols: np.ndarray      # int64 [n_edges]
    shifts: np.ndarray    # int64 [n_edges]
    deg1_col: np.ndarray  # int64 [n_rows]: the row's degree-1 column, -1 if none


@functools.cache
def decode_plan(bgn: int, zc: int) -> DecodePlan:
    """The :class:`DecodePlan` of base graph ``bgn`` lifted by ``zc`` (TS 38.212 §5.3.2), cached."""
    row, col, shift = base_graph_edges(bgn, zc)
    n_rows, n_cols, kb = base_graph_dims(bgn)
    counts = np.bincount(row, minlength=n_rows)
    row_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(counts)
    col_degree = np.bincount(col, minlength=n_cols)
    deg1_col = np.full(n_rows, -1, dtype=np.int64)
    for e in np.flatnonzero(col_degree[col] == 1):
        if deg1_col[row[e]] != -1:
            raise RuntimeError(f"BG{bgn} row {row[e]} has more than one degree-1 column")
        deg1_col[row[e]] = col[e]
    return DecodePlan(bgn=bgn, zc=zc, n_rows=n_rows, n_cols=n_cols, kb=kb,
                       d_max=int(counts.max()), row_ptr=row_ptr, cols=col.astype(np.int64),
                       shifts=shift.astype(np.int64), deg1_col=deg1_col)
