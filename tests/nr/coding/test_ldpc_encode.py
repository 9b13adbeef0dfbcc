"""LDPC base graphs and encoder (TS 38.212 §5.3.2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc import (
    base_graph,
    base_graph_dims,
    ldpc_encode,
    lifting_size_set,
    lifting_sizes,
    parity_check_matrix,
)

KB = {1: 22, 2: 10}


# ------------------------------------------------------------------ helpers (test-side references)


def full_codeword(cbs: torch.Tensor, d: torch.Tensor, zc: int) -> torch.Tensor:
    """c (with the 2Zc punctured bits put back) followed by the parity bits; fillers -> 0."""
    return torch.cat([cbs[..., :2 * zc].long(), d.long()], dim=-1).clamp_min(0)


def syndrome(bgn: int, zc: int, cw: torch.Tensor) -> torch.Tensor:
    """H cw mod 2 for cw [B, n_cols*zc] via the edge list (no dense H)."""
    g = base_graph(bgn, zc)
    n_rows, _, _ = base_graph_dims(bgn)
    z = torch.arange(zc)
    idx = g.col[:, None] * zc + (z[None, :] + g.shift[:, None]) % zc
    vals = cw[:, idx]  # [B, E, Z]
    s = torch.zeros(cw.shape[0], n_rows, zc, dtype=torch.long).index_add_(1, g.row, vals)
    return s % 2


def dense_h_from_definition(bgn: int, zc: int) -> torch.Tensor:
    """H built block by block as I(P) = identity circularly shifted right P times (§5.3.2)."""
    n_rows, n_cols, _ = base_graph_dims(bgn)
    g = base_graph(bgn, zc)
    h = torch.zeros(n_rows * zc, n_cols * zc, dtype=torch.long)
    eye = torch.eye(zc, dtype=torch.long)
    for i, j, p in zip(g.row.tolist(), g.col.tolist(), g.shift.tolist(), strict=True):
        h[i * zc:(i + 1) * zc, j * zc:(j + 1) * zc] = torch.roll(eye, shifts=p, dims=1)
    return h


def gf2_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve a x = b over GF(2) for square invertible a (Gauss-Jordan elimination)."""
    n = a.shape[0]
    m = np.concatenate([a % 2, (b % 2)[:, None]], axis=1).astype(np.uint8)
    for col in range(n):
        pivot = col + int(np.flatnonzero(m[col:, col])[0])
        m[[col, pivot]] = m[[pivot, col]]
        rows = np.flatnonzero(m[:, col])
        rows = rows[rows != col]
        m[rows] ^= m[col]
    return m[:, n]


# ------------------------------------------------------------------ lifting sizes / base graphs


def test_lifting_sizes_table_5_3_2_1() -> None:
    zs = lifting_sizes()
    assert len(zs) == 51 and list(zs) == sorted(set(zs))
    # rows of Table 5.3.2-1, written out from the spec
    table = {0: [2, 4, 8, 16, 32, 64, 128, 256], 1: [3, 6, 12, 24, 48, 96, 192, 384],
             2: [5, 10, 20, 40, 80, 160, 320], 3: [7, 14, 28, 56, 112, 224],
             4: [9, 18, 36, 72, 144, 288], 5: [11, 22, 44, 88, 176, 352],
             6: [13, 26, 52, 104, 208], 7: [15, 30, 60, 120, 240]}
    assert sorted(z for v in table.values() for z in v) == list(zs)
    for i_ls, sizes in table.items():
        assert all(lifting_size_set(z) == i_ls for z in sizes)


@pytest.mark.parametrize("zc", [1, 17, 385, 0, -2])
def test_lifting_size_set_rejects_non_lifting_sizes(zc: int) -> None:
    with pytest.raises(ValueError, match="zc"):
        lifting_size_set(zc)


def test_lifting_size_set_type() -> None:
    with pytest.raises(TypeError, match="zc"):
        lifting_size_set(2.0)  # type: ignore[arg-type]


def test_base_graph_entry_counts_and_dims() -> None:
    assert len(base_graph(1, 2).row) == 316
    assert len(base_graph(2, 2).row) == 197
    assert base_graph_dims(1) == (46, 68, 22)
    assert base_graph_dims(2) == (42, 52, 10)
    for bgn in (1, 2):
        g = base_graph(bgn, 384)
        n_rows, n_cols, _ = base_graph_dims(bgn)
        assert int(g.row.max()) == n_rows - 1 and int(g.col.max()) == n_cols - 1
        assert bool((g.shift >= 0).all()) and bool((g.shift < 384).all())


def test_base_graph_spot_checks_against_spec_tables() -> None:
    # TS 38.212 Table 5.3.2-2 (BG1), row 0: the non-zero columns
    g = base_graph(1, 2)
    row0 = g.col[g.row == 0].tolist()
    assert row0 == [0, 1, 2, 3, 5, 6, 9, 10, 11, 12, 13, 15, 16, 18, 19, 20, 21, 22, 23]
    # V(0,0) of BG1 for i_LS = 0..7 is 250, 307, 73, 223, 211, 294, 0, 135 (the shift used is
    # V mod Zc: 73 mod 5 = 3 for Zc = 5)
    def v(bgn: int, zc: int, i: int, j: int) -> int:
        gg = base_graph(bgn, zc)
        return int(gg.shift[(gg.row == i) & (gg.col == j)].item())

    assert v(1, 384, 0, 0) == 307
    assert v(1, 256, 0, 0) == 250
    assert v(1, 320, 0, 0) == 73
    assert v(1, 240, 0, 0) == 135
    assert v(1, 5, 0, 0) == 73 % 5
    # BG1 row 1, column 0: 2, 76, 303, 141, 179, 77, 22, 96
    assert [v(1, z, 1, 0) for z in (256, 384, 320, 224, 288, 352, 208, 240)] == [
        2, 76, 303, 141, 179, 77, 22, 96]
    # BG1 (1, 22) is 0 except for i_LS = 6 (105); (0, 22) is 1 except for i_LS = 6 (0)
    assert v(1, 208, 1, 22) == 105 and v(1, 384, 1, 22) == 0
    assert v(1, 208, 0, 22) == 0 and v(1, 384, 0, 22) == 1
    # BG1 last row 45, column 1: 149, 135, 101, 184, 168, 82, 181, 177
    assert [v(1, z, 45, 1) for z in (256, 384, 320, 224, 288, 352, 208, 240)] == [
        149, 135, 101, 184, 168, 82, 181, 177]
    # TS 38.212 Table 5.3.2-3 (BG2), (0, 0): 9, 174, 0, 72, 3, 156, 143, 145
    assert [v(2, z, 0, 0) for z in (256, 384, 320, 224, 288, 352, 208, 240)] == [
        9, 174, 0, 72, 3, 156, 143, 145]


def test_base_graph_rejects_bad_bgn() -> None:
    with pytest.raises(ValueError, match="bgn"):
        base_graph(3, 2)
    with pytest.raises(ValueError, match="zc"):
        base_graph(1, 17)


@pytest.mark.parametrize("bgn,zc", [(1, 2), (2, 3), (2, 5), (1, 7)])
def test_parity_check_matrix_matches_circulant_definition(bgn: int, zc: int) -> None:
    h = parity_check_matrix(bgn, zc)
    n_rows, n_cols, _ = base_graph_dims(bgn)
    assert h.dtype == torch.uint8 and tuple(h.shape) == (n_rows * zc, n_cols * zc)
    assert int(h.sum()) == len(base_graph(bgn, zc).row) * zc
    assert torch.equal(h.long(), dense_h_from_definition(bgn, zc))
    assert torch.equal(parity_check_matrix(bgn, zc, sparse=True).to_dense(), h)


def test_parity_check_matrix_block_by_hand() -> None:
    # BG2, Zc = 5 (i_LS = 2): V(0,0) = 0 -> identity; BG1 Zc = 3 (i_LS = 1) V(0,0) = 307 -> P = 1
    h = parity_check_matrix(2, 5)
    assert torch.equal(h[:5, :5], torch.eye(5, dtype=torch.uint8))
    h1 = parity_check_matrix(1, 3)
    assert h1[:3, :3].tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]


# ------------------------------------------------------------------ encoder


def test_every_lifting_size_gives_codewords() -> None:
    gen = torch.Generator().manual_seed(5)
    for bgn in (1, 2):
        _, n_cols, kb = base_graph_dims(bgn)
        for zc in lifting_sizes():
            cbs = torch.randint(0, 2, (2, kb * zc), generator=gen, dtype=torch.uint8)
            d = ldpc_encode(cbs, bgn)
            assert d.dtype == torch.int8 and tuple(d.shape) == (2, (n_cols - 2) * zc)
            assert torch.equal(d[:, :(kb - 2) * zc], cbs[:, 2 * zc:].to(torch.int8))
            s = syndrome(bgn, zc, full_codeword(cbs, d, zc))
            assert int(s.sum()) == 0, (bgn, zc)


@pytest.mark.parametrize("bgn,zc", [(1, 2), (2, 2), (2, 7), (1, 13)])
def test_encoder_matches_gf2_solution_of_dense_h(bgn: int, zc: int) -> None:
    """Brute force: the parity bits are the unique solution of H_p w = H_s c over GF(2)."""
    _, _, kb = base_graph_dims(bgn)
    h = dense_h_from_definition(bgn, zc).numpy()
    cbs = torch.randint(0, 2, (3, kb * zc), generator=torch.Generator().manual_seed(zc),
                        dtype=torch.uint8)
    d = ldpc_encode(cbs, bgn)
    h_s, h_p = h[:, :kb * zc], h[:, kb * zc:]
    for b in range(3):
        w = gf2_solve(h_p, h_s @ cbs[b].numpy().astype(np.int64))
        assert np.array_equal(d[b, (kb - 2) * zc:].numpy(), w)


def test_all_zero_and_systematic() -> None:
    d = ldpc_encode(torch.zeros(22 * 384, dtype=torch.uint8), 1)
    assert d.shape == (66 * 384,) and int(d.abs().sum()) == 0


@pytest.mark.parametrize("bgn,zc", [(1, 384), (2, 208), (2, 15)])
def test_filler_bits(bgn: int, zc: int) -> None:
    kb = KB[bgn]
    k = kb * zc
    gen = torch.Generator().manual_seed(1)
    cbs = torch.randint(0, 2, (2, k), generator=gen, dtype=torch.int8)
    n_fill = 3 * zc + 5
    cbs[:, k - n_fill:] = -1
    d = ldpc_encode(cbs, bgn)
    filler_out = d[:, k - n_fill - 2 * zc:k - 2 * zc]
    assert bool((filler_out == -1).all())
    assert int((d == -1).sum()) == 2 * n_fill
    zeroed = cbs.clamp_min(0).to(torch.uint8)
    d0 = ldpc_encode(zeroed, bgn)
    assert torch.equal(d.clamp_min(0), d0)
    assert int(syndrome(bgn, zc, full_codeword(cbs, d, zc)).sum()) == 0


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 50), st.sampled_from([1, 2]), st.integers(0, 2**31 - 1))
def test_linearity(zi: int, bgn: int, seed: int) -> None:
    zc = lifting_sizes()[zi]
    gen = torch.Generator().manual_seed(seed)
    a = torch.randint(0, 2, (KB[bgn] * zc,), generator=gen, dtype=torch.uint8)
    b = torch.randint(0, 2, (KB[bgn] * zc,), generator=gen, dtype=torch.uint8)
    assert torch.equal(ldpc_encode(a ^ b, bgn), ldpc_encode(a, bgn) ^ ldpc_encode(b, bgn))


@pytest.mark.parametrize("bgn,zc", [(1, 384), (1, 208), (2, 3), (2, 104), (2, 224)])
def test_numba_and_torch_kernels_agree(bgn: int, zc: int) -> None:
    cbs = torch.randint(0, 2, (4, KB[bgn] * zc), generator=torch.Generator().manual_seed(9),
                        dtype=torch.uint8)
    cbs = cbs.to(torch.int8)
    cbs[:, -zc:] = -1
    assert torch.equal(ldpc_encode(cbs, bgn, kernel="numba"), ldpc_encode(cbs, bgn, kernel="torch"))


def test_batch_shapes_and_dtypes() -> None:
    zc = 4
    cbs = torch.randint(0, 2, (2, 3, 10 * zc), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1003))
    d = ldpc_encode(cbs, 2)
    assert d.shape == (2, 3, 50 * zc)
    assert torch.equal(d.reshape(6, -1), ldpc_encode(cbs.reshape(6, -1), 2))
    assert torch.equal(ldpc_encode(cbs.bool(), 2), d)
    assert torch.equal(ldpc_encode(cbs.long(), 2), d)
    assert ldpc_encode(torch.zeros(0, 10 * zc, dtype=torch.uint8), 2).shape == (0, 50 * zc)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"K .*= 100.*bgn = 1.*44"):
        ldpc_encode(torch.zeros(100, dtype=torch.uint8), 1)
    with pytest.raises(ValueError, match="bgn"):
        ldpc_encode(torch.zeros(44, dtype=torch.uint8), 3)
    with pytest.raises(TypeError, match="cbs"):
        ldpc_encode(torch.zeros(44), 1)
    with pytest.raises(TypeError, match="cbs"):
        ldpc_encode([0] * 44, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="found 2"):
        ldpc_encode(torch.full((44,), 2, dtype=torch.uint8), 1)
    with pytest.raises(ValueError, match="found -2"):
        ldpc_encode(torch.full((44,), -2, dtype=torch.int8), 1)
    with pytest.raises(ValueError, match="kernel"):
        ldpc_encode(torch.zeros(44, dtype=torch.uint8), 1, kernel="cuda")
    with pytest.raises(ValueError, match="cbs"):
        ldpc_encode(torch.zeros((), dtype=torch.uint8), 1)


@pytest.mark.parametrize("bgn, k_prime, zc", [(1, 8376, 384), (2, 3000, 320), (1, 500, 26)])
def test_checked_cpu_encoder_equals_torch_kernel(bgn: int, k_prime: int, zc: int) -> None:
    # the one-pass CPU encoder (int8 with -1 fillers, uint8, bool) against the torch
    # schedule, and its value check
    k = (22 if bgn == 1 else 10) * zc
    gen = torch.Generator().manual_seed(k)
    cbs = torch.randint(0, 2, (2, 3, k), generator=gen, dtype=torch.int8)
    cbs[..., k_prime:] = -1
    ref = ldpc_encode(cbs, bgn, kernel="torch")
    assert torch.equal(ldpc_encode(cbs, bgn), ref)
    ones = cbs.clamp_min(0)
    ref = ldpc_encode(ones, bgn, kernel="torch")
    for c in (ones.to(torch.uint8), ones.to(torch.bool)):
        out = ldpc_encode(c, bgn)
        assert out.dtype == torch.int8 and torch.equal(out, ref)
    bad = cbs.clone()
    bad[1, 2, 5] = 2
    with pytest.raises(ValueError, match="only 0, 1 and -1"):
        ldpc_encode(bad, bgn)
    with pytest.raises(ValueError, match="only 0, 1 and -1"):
        ldpc_encode(cbs.view(torch.uint8), bgn)          # -1 read as 255 in a uint8 block
