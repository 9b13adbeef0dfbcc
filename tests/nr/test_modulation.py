"""Tests of softran.nr.modulation against TS 38.211 §5.1 written out by hand."""

from __future__ import annotations

import cmath
import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.modulation import (
    MODULATIONS,
    bits_per_symbol,
    constellation,
    symbol_demodulate,
    symbol_modulate,
    symbol_modulate_into,
)

QM = {"pi/2-BPSK": 1, "BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8, "1024QAM": 10}
SQUARE_QAM = ("QPSK", "16QAM", "64QAM", "256QAM", "1024QAM")


def clause_symbol(b: tuple[int, ...], modulation: str, i: int = 0) -> complex:
    """d(i) of TS 38.211 §5.1.1-§5.1.7 for the bits b = (b(Qm i), ..., b(Qm i + Qm - 1))."""
    s = [1 - 2 * x for x in b]                                   # s[q] = 1 - 2 b(Qm i + q)
    if modulation == "pi/2-BPSK":                                # §5.1.1
        return cmath.exp(1j * math.pi / 2 * (i % 2)) / math.sqrt(2) * (s[0] + 1j * s[0])
    if modulation == "BPSK":                                     # §5.1.2
        return (s[0] + 1j * s[0]) / math.sqrt(2)
    if modulation == "QPSK":                                     # §5.1.3
        return (s[0] + 1j * s[1]) / math.sqrt(2)
    if modulation == "16QAM":                                    # §5.1.4
        return (s[0] * (2 - s[2]) + 1j * s[1] * (2 - s[3])) / math.sqrt(10)
    if modulation == "64QAM":                                    # §5.1.5
        return (s[0] * (4 - s[2] * (2 - s[4]))
                + 1j * s[1] * (4 - s[3] * (2 - s[5]))) / math.sqrt(42)
    if modulation == "256QAM":                                   # §5.1.6
        return (s[0] * (8 - s[2] * (4 - s[4] * (2 - s[6])))
                + 1j * s[1] * (8 - s[3] * (4 - s[5] * (2 - s[7])))) / math.sqrt(170)
    if modulation == "1024QAM":                                  # §5.1.7
        return (s[0] * (16 - s[2] * (8 - s[4] * (4 - s[6] * (2 - s[8]))))
                + 1j * s[1] * (16 - s[3] * (8 - s[5] * (4 - s[7] * (2 - s[9]))))) / math.sqrt(682)
    raise AssertionError(modulation)


def all_patterns(qm: int) -> list[tuple[int, ...]]:
    return list(itertools.product((0, 1), repeat=qm))            # b(Qm i) most significant


def reference_points(modulation: str, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(points [M] complex128, labels [M, Qm]) from the clause formula for symbol index i."""
    pats = all_patterns(QM[modulation])
    return (np.array([clause_symbol(p, modulation, i) for p in pats]), np.array(pats))


def brute_llr(y: np.ndarray, modulation: str, nv: np.ndarray, maxlog: bool) -> np.ndarray:
    """Brute-force float64 LLRs over all M points: y [..., m], nv broadcastable -> [..., m Qm]."""
    qm = QM[modulation]
    nv = np.broadcast_to(nv, y.shape)
    out = np.empty((*y.shape, qm))
    for i in range(y.shape[-1]):
        pts, lab = reference_points(modulation, i)
        metric = -np.abs(y[..., i, None] - pts) ** 2 / nv[..., i, None]     # [..., M]
        for q in range(qm):
            m0, m1 = metric[..., lab[:, q] == 0], metric[..., lab[:, q] == 1]
            if maxlog:
                out[..., i, q] = m0.max(-1) - m1.max(-1)
            else:
                out[..., i, q] = np.logaddexp.reduce(m0, -1) - np.logaddexp.reduce(m1, -1)
    return out.reshape(*y.shape[:-1], -1)


def noisy_symbols(modulation: str, shape: tuple[int, ...], nv: float, seed: int,
                  dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (*shape[:-1], shape[-1] * QM[modulation]), generator=g,
                         dtype=torch.uint8)
    x = symbol_modulate(bits, modulation).to(dtype)
    noise = torch.randn(shape, generator=g, dtype=dtype) * math.sqrt(nv)
    return x + noise


# --------------------------------------------------------------------------- modulation


@pytest.mark.parametrize("modulation", [m for m in MODULATIONS if m != "pi/2-BPSK"])
def test_every_point_matches_clause_formula(modulation: str) -> None:
    qm = QM[modulation]
    pats = all_patterns(qm)
    bits = torch.tensor(pats, dtype=torch.uint8)                 # [M, Qm] -> [M, 1]
    got = symbol_modulate(bits, modulation)[:, 0].to(torch.complex128).numpy()
    want = np.array([clause_symbol(p, modulation) for p in pats])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(constellation(modulation).numpy(), want, rtol=0, atol=1e-6)
    # the same bits as one long row (symbols along the last dimension)
    row = symbol_modulate(bits.reshape(-1), modulation).to(torch.complex128).numpy()
    np.testing.assert_allclose(row, want, rtol=0, atol=1e-6)


def test_pi2_bpsk_rotation() -> None:
    # §5.1.1: even i as BPSK, odd i multiplied by e^{j pi/2} = j
    bits = torch.tensor([0, 0, 1, 1, 0, 1], dtype=torch.uint8)
    got = symbol_modulate(bits, "pi/2-BPSK").to(torch.complex128).numpy() * math.sqrt(2)
    want = np.array([1 + 1j, -1 + 1j, -1 - 1j, 1 - 1j, 1 + 1j, 1 - 1j])
    np.testing.assert_allclose(got, want, atol=1e-6)
    ref = [clause_symbol((int(b),), "pi/2-BPSK", i) for i, b in enumerate(bits)]
    np.testing.assert_allclose(got / math.sqrt(2), ref, atol=1e-6)
    # the index restarts in each row of a batch
    batch = symbol_modulate(bits.reshape(2, 3), "pi/2-BPSK").to(torch.complex128).numpy()
    np.testing.assert_allclose(batch[1] * math.sqrt(2), [-1 - 1j, -1 + 1j, -1 - 1j], atol=1e-6)


@pytest.mark.parametrize("modulation", MODULATIONS)
def test_unit_average_power(modulation: str) -> None:
    pts = constellation(modulation).to(torch.complex128)
    assert float((pts.abs() ** 2).mean()) == pytest.approx(1.0, abs=1e-6)
    # the clause's normalisation makes the integer-grid energy exactly 1 (test formula)
    ref, _ = reference_points(modulation, 0)
    assert float(np.mean(np.abs(ref) ** 2)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("modulation", SQUARE_QAM)
def test_gray_mapping_nearest_neighbours_differ_in_one_bit(modulation: str) -> None:
    qm = QM[modulation]
    pts = constellation(modulation).to(torch.complex128).numpy()
    dist = np.abs(pts[:, None] - pts[None, :])
    np.fill_diagonal(dist, np.inf)
    dmin = dist.min()
    assert dmin == pytest.approx(2 / math.sqrt(2 * (2 ** qm - 1) / 3), rel=1e-5)
    labels = np.arange(2 ** qm)
    for n in range(2 ** qm):
        nbrs = np.flatnonzero(np.abs(dist[n] - dmin) < 1e-3 * dmin)
        assert 2 <= len(nbrs) <= 4
        for nb in nbrs:
            assert bin(int(labels[n] ^ labels[nb])).count("1") == 1


@given(modulation=st.sampled_from(MODULATIONS),
       batch=st.lists(st.integers(0, 3), max_size=2),
       m=st.integers(0, 40), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=60, deadline=None)
def test_hard_demodulation_inverts_modulation(modulation: str, batch: list[int], m: int,
                                              seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (*batch, m * QM[modulation]), generator=g, dtype=torch.uint8)
    x = symbol_modulate(bits, modulation)
    assert x.dtype == torch.complex64 and x.shape == (*batch, m)
    hard = symbol_demodulate(x, modulation)
    assert hard.dtype == torch.uint8
    assert torch.equal(hard, bits)
    # still right with a little noise (well inside the decision regions)
    noise = torch.randn(x.shape, generator=g, dtype=torch.complex64) * 0.01
    assert torch.equal(symbol_demodulate(x + noise, modulation), bits)


def test_accepts_bool_and_case_insensitive_names() -> None:
    bits = torch.tensor([True, False, False, True])
    np.testing.assert_allclose(symbol_modulate(bits, "qpsk").numpy(),
                               symbol_modulate(bits.to(torch.uint8), "QPSK").numpy())
    assert bits_per_symbol("1024qam") == 10
    assert torch.equal(symbol_modulate(bits, "PI/2-bpsk"), symbol_modulate(bits, "pi/2-BPSK"))


# ------------------------------------------------------------------------- demodulation


@pytest.mark.parametrize("modulation", MODULATIONS)
@pytest.mark.parametrize("nv", [0.02, 0.3, 1.0, 4.0])
@pytest.mark.parametrize("method", ["exact", "maxlog"])
def test_llrs_match_brute_force(modulation: str, nv: float, method: str) -> None:
    y = noisy_symbols(modulation, (2, 9), nv, seed=hash((modulation, nv)) % 1000)
    want = brute_llr(y.numpy(), modulation, np.array(nv), maxlog=method == "maxlog")
    got = symbol_demodulate(y, modulation, nv, method=method)
    assert got.dtype == torch.float32 and got.shape == (2, 9 * QM[modulation])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-4)
    # complex64 input (computed in float32)
    got32 = symbol_demodulate(y.to(torch.complex64), modulation, nv, method=method)
    np.testing.assert_allclose(got32.numpy(), want, rtol=1e-3, atol=2e-3 * max(1.0, 1 / nv))


@pytest.mark.parametrize("modulation", MODULATIONS)
@pytest.mark.parametrize("method", ["exact", "maxlog"])
def test_per_re_noise_variance_tensor(modulation: str, method: str) -> None:
    y = noisy_symbols(modulation, (3, 7), 0.2, seed=5)
    nv = torch.rand(3, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64) + 0.05
    want = brute_llr(y.numpy(), modulation, nv.numpy(), maxlog=method == "maxlog")
    got = symbol_demodulate(y, modulation, nv, method=method)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-4)
    # broadcasting: one variance per column, or per row
    col = nv[0]
    got_col = symbol_demodulate(y, modulation, col.to(torch.float32), method=method)
    want_col = brute_llr(y.numpy(), modulation, col.numpy(), maxlog=method == "maxlog")
    np.testing.assert_allclose(got_col.numpy(), want_col, rtol=1e-5, atol=1e-4)
    row = nv[:, :1]
    got_row = symbol_demodulate(y, modulation, row, method=method)
    want_row = brute_llr(y.numpy(), modulation, row.numpy(), maxlog=method == "maxlog")
    np.testing.assert_allclose(got_row.numpy(), want_row, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("method", ["exact", "maxlog"])
def test_bpsk_qpsk_closed_form(method: str) -> None:
    # BPSK, x = s (1+j)/sqrt2:  |y + x0|^2 - |y - x0|^2 = 4 Re(y conj x0) = 2 sqrt2 (Re y + Im y)
    # so LLR = 2 sqrt2 (Re y + Im y) / N0 (two points: exact = max-log).
    # QPSK: LLR(b0) = 2 sqrt2 Re(y) / N0, LLR(b1) = 2 sqrt2 Im(y) / N0.
    # pi/2-BPSK: odd i is rotated by j, so y' = -j y: LLR = 2 sqrt2 (Im y - Re y) / N0.
    y = noisy_symbols("QPSK", (50,), 0.5, seed=3)
    n0 = 0.7
    k = 2 * math.sqrt(2) / n0
    re, im = y.real.numpy(), y.imag.numpy()
    bpsk = symbol_demodulate(y, "BPSK", n0, method=method).numpy()
    np.testing.assert_allclose(bpsk, k * (re + im), rtol=1e-5, atol=1e-5)
    qpsk = symbol_demodulate(y, "QPSK", n0, method=method).numpy()
    np.testing.assert_allclose(qpsk[0::2], k * re, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(qpsk[1::2], k * im, rtol=1e-5, atol=1e-5)
    pi2 = symbol_demodulate(y, "pi/2-BPSK", n0, method=method).numpy()
    np.testing.assert_allclose(pi2[0::2], k * (re + im)[0::2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pi2[1::2], k * (im - re)[1::2], rtol=1e-5, atol=1e-5)


def test_llr_sign_convention() -> None:
    # noiseless QPSK bits 0 -> positive LLR, 1 -> negative
    bits = torch.tensor([0, 1, 1, 0], dtype=torch.uint8)
    llr = symbol_demodulate(symbol_modulate(bits, "QPSK"), "QPSK", 1.0)
    assert (llr[bits == 0] > 0).all() and (llr[bits == 1] < 0).all()


@pytest.mark.parametrize("modulation", MODULATIONS)
def test_maxlog_sign_agrees_with_hard_decision(modulation: str) -> None:
    y = noisy_symbols(modulation, (400,), 0.3, seed=11, dtype=torch.complex64)
    llr = symbol_demodulate(y, modulation, 0.3, method="maxlog")
    hard = symbol_demodulate(y, modulation)
    # the hard decision and both max-log minima come from the same distances, so the
    # sign matches exactly wherever the LLR is not an exact tie (0)
    clear = llr != 0
    assert clear.float().mean() > 0.99
    assert torch.equal((llr[clear] < 0).to(torch.uint8), hard[clear])


@pytest.mark.parametrize("modulation", MODULATIONS)
def test_exact_and_maxlog_differ_by_at_most_ln_half_m(modulation: str) -> None:
    # each log-sum-exp over M/2 terms exceeds its max by at most ln(M/2)
    y = noisy_symbols(modulation, (300,), 1.0, seed=2)
    exact = symbol_demodulate(y, modulation, 1.0, method="exact")
    maxlog = symbol_demodulate(y, modulation, 1.0, method="maxlog")
    bound = math.log(max(2 ** QM[modulation] // 2, 1)) + 1e-4
    assert float((exact - maxlog).abs().max()) <= bound
    # and exact LLRs are finite at high SNR (stable log-sum-exp)
    hi = symbol_demodulate(y, modulation, 1e-4, method="exact")
    assert torch.isfinite(hi).all()


def test_hard_decision_is_nearest_point_bruteforce() -> None:
    for modulation in MODULATIONS:
        y = noisy_symbols(modulation, (200,), 0.5, seed=4).numpy()
        hard = symbol_demodulate(torch.from_numpy(y), modulation).numpy().reshape(200, -1)
        for i in range(200):
            pts, lab = reference_points(modulation, i)
            assert np.array_equal(hard[i], lab[np.argmin(np.abs(y[i] - pts))])


def test_empty_and_batched_shapes() -> None:
    assert symbol_modulate(torch.zeros(2, 0, dtype=torch.uint8), "16QAM").shape == (2, 0)
    assert symbol_demodulate(torch.zeros(2, 0, dtype=torch.complex64), "16QAM", 1.0).shape == (2, 0)
    y = noisy_symbols("64QAM", (2, 3, 5), 0.1, seed=9, dtype=torch.complex64)
    full = symbol_demodulate(y, "64QAM", 0.1)
    assert full.shape == (2, 3, 30)
    assert torch.equal(full[1, 2], symbol_demodulate(y[1, 2], "64QAM", 0.1))


# ---------------------------------------------------------------------------- bad inputs


def test_bad_inputs() -> None:
    bits = torch.zeros(8, dtype=torch.uint8)
    with pytest.raises(ValueError, match="1024QAM"):
        symbol_modulate(bits, "8PSK")
    with pytest.raises(TypeError):
        symbol_modulate(bits, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"length 6.*Qm = 4"):
        symbol_modulate(torch.zeros(6, dtype=torch.uint8), "16QAM")
    with pytest.raises(ValueError, match="0 and 1"):
        symbol_modulate(torch.tensor([0, 2], dtype=torch.uint8), "QPSK")
    with pytest.raises(TypeError):
        symbol_modulate(torch.zeros(4), "QPSK")
    with pytest.raises(TypeError):
        symbol_modulate([0, 1], "QPSK")  # type: ignore[arg-type]
    y = torch.zeros(4, dtype=torch.complex64)
    with pytest.raises(TypeError, match="complex"):
        symbol_demodulate(torch.zeros(4), "QPSK", 1.0)
    with pytest.raises(ValueError, match="allowed"):
        symbol_demodulate(y, "QAM16", 1.0)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="noise_var"):
            symbol_demodulate(y, "QPSK", bad)
    with pytest.raises(ValueError, match="noise_var"):
        symbol_demodulate(y, "QPSK", torch.tensor([1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="noise_var"):
        symbol_demodulate(y, "QPSK", torch.tensor([1.0, float("nan"), 1.0, 1.0]))
    with pytest.raises(ValueError, match="broadcast"):
        symbol_demodulate(y, "QPSK", torch.ones(3))
    with pytest.raises(ValueError, match="broadcast"):
        symbol_demodulate(y, "QPSK", torch.ones(2, 4))          # would enlarge the output
    with pytest.raises(TypeError):
        symbol_demodulate(y, "QPSK", torch.ones(4, dtype=torch.complex64))
    with pytest.raises(TypeError):
        symbol_demodulate(y, "QPSK", "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        symbol_demodulate(torch.tensor([1 + 1j, complex("nan")], dtype=torch.complex64), "QPSK")
    with pytest.raises(ValueError, match="method"):
        symbol_demodulate(y, "QPSK", 1.0, method="approx")


@given(modulation=st.sampled_from(MODULATIONS), batch=st.lists(st.integers(1, 3), max_size=2),
       m=st.integers(1, 300), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=60, deadline=None)
def test_cpu_kernel_equals_table_lookup(modulation: str, batch: list[int], m: int,
                                        seed: int) -> None:
    """The CPU kernel gives exactly ``constellation[index]``, the index worked out here from
    the Q_m bits (MSB first; pi/2-BPSK adds 2 (i mod 2)), for any batch shape and dtype."""
    qm = bits_per_symbol(modulation)
    gen = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (*batch, m * qm), dtype=torch.uint8, generator=gen)
    index = torch.zeros((*batch, m), dtype=torch.int64)
    for q in range(qm):
        index = 2 * index + bits[..., q::qm]
    if modulation == "pi/2-BPSK":
        index = index + 2 * (torch.arange(m) % 2)
    expected = constellation(modulation)[index]
    for b in (bits, bits.bool(), bits.to(torch.int32), bits.transpose(-1, 0).contiguous()
              .transpose(-1, 0)):
        assert torch.equal(symbol_modulate(b, modulation), expected)


@pytest.mark.parametrize("modulation", MODULATIONS)
def test_modulate_into_is_scramble_modulate_and_index_put(modulation: str) -> None:
    """symbol_modulate_into = the plain torch path: bits XOR c (TS 38.211 §7.3.1.1), symbol
    modulation (§5.1) and out[..., index] = symbols, bit for bit; the entries of out that
    the index does not name keep their values (the kernel writes only the mapped REs)."""
    gen = torch.Generator().manual_seed(QM[modulation])
    qm, m, n_out = QM[modulation], 37, 100
    bits = torch.randint(0, 2, (3, m * qm), dtype=torch.uint8, generator=gen)
    seq = torch.randint(0, 2, (m * qm,), dtype=torch.uint8, generator=gen)
    index = torch.randperm(n_out, generator=gen)[:m]
    before = torch.randn(3, n_out, dtype=torch.complex64, generator=gen)
    for sequence in (None, seq):
        expected = before.clone()
        b = bits if sequence is None else bits ^ sequence
        expected[:, index] = symbol_modulate(b, modulation)
        got = symbol_modulate_into(bits.bool(), modulation, before.clone(), index,
                                   sequence=sequence)
        assert torch.equal(got, expected)
        # the torch path (complex128 out) gives the same values
        wide = symbol_modulate_into(bits, modulation, before.clone().to(torch.complex128), index,
                                    sequence=sequence)
        assert torch.equal(wide, expected.to(torch.complex128))


def test_modulate_into_bad_arguments() -> None:
    bits = torch.zeros(2, 8, dtype=torch.uint8)
    out = torch.zeros(2, 10, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"index must lie in 0..9 .* got 10 at position 3"):
        symbol_modulate_into(bits, "QPSK", out, torch.tensor([0, 1, 2, 10]))
    with pytest.raises(ValueError, match=r"index must lie in 0..9 .* got -1"):
        symbol_modulate_into(bits, "QPSK", out, torch.tensor([0, -1, 2, 3]))
    with pytest.raises(ValueError, match=r"index must be int64 \[n / Qm\] = \[4\]"):
        symbol_modulate_into(bits, "QPSK", out, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="leading dimensions must be those of bits"):
        symbol_modulate_into(bits, "QPSK", out[:1], torch.arange(4))
    with pytest.raises(TypeError, match="out must be a complex tensor"):
        symbol_modulate_into(bits, "QPSK", out.real, torch.arange(4))
    with pytest.raises(ValueError, match=r"sequence must have shape \(8,\)"):
        symbol_modulate_into(bits, "QPSK", out, torch.arange(4), sequence=torch.zeros(7, dtype=torch.uint8))


@pytest.mark.parametrize("stride", [1, 2, 3, 4])
def test_label_runs_mapping_equals_the_indexed_mapping(stride: int) -> None:
    """map_label_runs_into_rows over label_runs(index, stride) = the symbols of the labels'
    bits (symbol_modulate: TS 38.211 §5.1, the first of Q_m bits the most significant of
    the label) put at out[..., index], for positions that count up in blocks (as
    layer-mapped REs do) and for random positions; the other entries keep their values; a
    run that does not fit in out is reported and nothing from it on is written."""
    import numpy as np

    from softran.nr.modulation import constellation, label_runs, map_label_runs_into_rows
    gen = np.random.default_rng(stride)
    table = constellation("256QAM").numpy()
    n_out = 400
    # symbol i on layer i mod stride (rows of 100), RE i div stride of two blocks
    res = np.concatenate([np.arange(10, 40), np.arange(60, 75)])
    layered = (np.arange(stride)[None, :] * 100 + res[:, None]).reshape(-1)
    for index in (layered, np.sort(gen.permutation(n_out)[:120]), gen.permutation(n_out)[:120]):
        labels = gen.integers(0, 256, (2, index.size)).astype(np.uint8)
        bits = (labels[..., None] >> np.arange(7, -1, -1)) & 1
        before = gen.standard_normal((2, n_out)).astype(np.complex64)
        want = torch.from_numpy(before.copy())
        want[:, torch.from_numpy(index)] = symbol_modulate(
            torch.from_numpy(bits.reshape(2, -1).astype(np.uint8)), "256QAM")
        got = before.copy()
        runs = label_runs(index, stride)
        assert int(runs[:, 2].sum()) == index.size
        if index is layered:
            assert runs.shape[0] == 2 * stride  # two runs per layer
        assert map_label_runs_into_rows(labels, table, runs, stride, got) == -1
        assert torch.equal(torch.from_numpy(got), want)
    runs = label_runs(np.arange(10), 1)
    runs[0, 2] = n_out                          # past the end of out
    got = np.zeros((1, n_out), dtype=np.complex64)
    assert map_label_runs_into_rows(np.zeros((1, 10), dtype=np.uint8), table, runs, 1, got) == 0
    assert not got.any()


@pytest.mark.parametrize(("index", "stride", "name"), [
    (np.arange(4), 0, "stride"), (np.arange(4), -2, "stride"), (np.arange(4), 1.5, "stride"),
    (np.arange(4).reshape(2, 2), 1, "index"), (np.arange(4.0), 1, "index")])
def test_label_runs_refuses_bad_arguments(index: np.ndarray, stride: object, name: str) -> None:
    """A stride below 1 or not an int, or positions that are not a 1-D integer array, are a
    ValueError / TypeError naming the argument (no silently empty runs)."""
    from softran.nr.modulation import label_runs

    with pytest.raises((ValueError, TypeError), match=name):
        label_runs(index, stride)  # type: ignore[arg-type]
