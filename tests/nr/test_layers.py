"""Tests of softran.nr.layers: layer mapping (TS 38.211 Table 7.3.1.3-1), transform
precoding (§6.3.1.4) and PUSCH precoding (§6.3.1.5, Tables 6.3.1.5-1 .. -7)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import softran.nr.layers as layers_module
from softran.nr.layers import (
    layer_demap,
    layer_map,
    precode,
    pusch_codebook,
    pusch_tpmi_count,
    transform_deprecode,
    transform_precode,
)
from softran.nr.modulation import symbol_demodulate, symbol_modulate

S2 = 1 / math.sqrt(2)

# (n_layers, n_ports, transform_precoding) -> (table, number of TPMIs), TS 38.211 §6.3.1.5
TABLES = {
    (1, 2, False): ("6.3.1.5-1", 6),
    (1, 2, True): ("6.3.1.5-1", 6),
    (1, 4, True): ("6.3.1.5-2", 28),
    (1, 4, False): ("6.3.1.5-3", 28),
    (2, 2, False): ("6.3.1.5-4", 3),
    (2, 4, False): ("6.3.1.5-5", 22),
    (3, 4, False): ("6.3.1.5-6", 7),
    (4, 4, False): ("6.3.1.5-7", 5),
}


def cplx(rows: list[list[complex]], scale: float) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.complex128) * scale


def all_codebooks() -> list[tuple[int, int, bool, int, torch.Tensor]]:
    out = []
    for (v, p, tp), (_, n) in TABLES.items():
        for t in range(n):
            out.append((v, p, tp, t, pusch_codebook(v, p, t, tp).to(torch.complex128)))
    return out


# ------------------------------------------------------------------------------------------
# Layer mapping
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", [1, 2, 3, 4])
def test_layer_map_one_codeword_by_table(v: int) -> None:
    d = torch.arange(12)                                        # M = 12
    x = layer_map(d, v)
    assert x.shape == (v, 12 // v)
    for j in range(v):
        for i in range(12 // v):
            assert x[j, i] == d[v * i + j]                      # x^(j)(i) = d(v i + j)
    assert torch.equal(layer_demap(x), d)


@pytest.mark.parametrize("v, v0", [(5, 2), (6, 3), (7, 3), (8, 4)])
def test_layer_map_two_codewords_by_table(v: int, v0: int) -> None:
    m_layer = 6
    d0 = torch.arange(v0 * m_layer)
    d1 = 100 + torch.arange((v - v0) * m_layer)
    x = layer_map([d0, d1], v)
    assert x.shape == (v, m_layer)
    for i in range(m_layer):
        for j in range(v0):
            assert x[j, i] == d0[v0 * i + j]                    # x^(j)(i) = d^(0)(v0 i + j)
        for j in range(v - v0):
            assert x[v0 + j, i] == d1[(v - v0) * i + j]         # x^(v0+j)(i) = d^(1)(...)
    c0, c1 = layer_demap(x)
    assert torch.equal(c0, d0) and torch.equal(c1, d1)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(1, 5), st.integers(1, 3), st.integers(0, 1000))
def test_layer_map_round_trip(v: int, m_layer: int, batch: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    if v <= 4:
        d = torch.randn(batch, v * m_layer, dtype=torch.complex64, generator=g)
        assert torch.equal(layer_demap(layer_map(d, v)), d)
    else:
        v0 = v // 2
        d0 = torch.randn(batch, v0 * m_layer, generator=g)
        d1 = torch.randn(batch, (v - v0) * m_layer, generator=g)
        out = layer_demap(layer_map((d0, d1), v))
        assert torch.equal(out[0], d0) and torch.equal(out[1], d1)


def test_layer_demap_of_llrs_matches_codeword_demodulation() -> None:
    # demodulating per layer and demapping Q_m LLRs per symbol = demodulating the codeword
    g = torch.Generator().manual_seed(4)
    bits = torch.randint(0, 2, (2, 3 * 4 * 6), dtype=torch.uint8, generator=g)
    d = symbol_modulate(bits, "64QAM")
    noisy = d + 0.1 * torch.randn(d.shape, dtype=torch.complex64, generator=g)
    llr_layers = symbol_demodulate(layer_map(noisy, 3), "64QAM", 0.02)   # [2, 3, 4 * 6]
    assert torch.equal(layer_demap(llr_layers, group=6), symbol_demodulate(noisy, "64QAM", 0.02))
    assert torch.equal(layer_map(bits, 3, group=6),
                       symbol_demodulate(layer_map(d, 3), "64QAM"))


def test_layer_map_broadcasts_codeword_batches() -> None:
    d0 = torch.arange(4).expand(3, 4)
    d1 = torch.arange(6)
    x = layer_map([d0, d1], 5)
    assert x.shape == (3, 5, 2)
    assert torch.equal(x[2, 2:], layer_map(d1, 3))


def test_layer_map_bad_inputs() -> None:
    with pytest.raises(ValueError, match="not a multiple of its number of layers 4"):
        layer_map(torch.arange(10), 4)
    with pytest.raises(ValueError, match=r"n_layers = 9 is out of range; allowed: 1..8"):
        layer_map(torch.arange(9), 9)
    with pytest.raises(ValueError, match="n_layers = 0"):
        layer_map(torch.arange(9), 0)
    with pytest.raises(ValueError, match="needs 2 codeword"):
        layer_map(torch.arange(10), 5)
    with pytest.raises(ValueError, match="needs 1 codeword"):
        layer_map([torch.arange(4), torch.arange(4)], 2)
    with pytest.raises(ValueError, match="symbols per layer"):
        layer_map([torch.arange(4), torch.arange(3)], 5)
    with pytest.raises(TypeError, match="symbols"):
        layer_map(np.arange(4), 1)
    with pytest.raises(ValueError, match="at least 2 dimension"):
        layer_demap(torch.arange(4))
    with pytest.raises(ValueError, match="9 layers"):
        layer_demap(torch.zeros(9, 2))
    with pytest.raises(ValueError, match="group = 4"):
        layer_demap(torch.zeros(2, 6), group=4)
    with pytest.raises(ValueError, match="group = 0"):
        layer_demap(torch.zeros(2, 6), group=0)


# ------------------------------------------------------------------------------------------
# Transform precoding
# ------------------------------------------------------------------------------------------

ALLOWED_M_RB = sorted(2 ** a * 3 ** b * 5 ** c for a in range(9) for b in range(6)
                      for c in range(4) if 2 ** a * 3 ** b * 5 ** c <= 275)


def clause_dft(x: np.ndarray, m_sc: int) -> np.ndarray:
    """y(l M + k) = 1/sqrt(M) sum_i x(l M + i) exp(-j 2 pi i k / M), §6.3.1.4, by a matrix."""
    k = np.arange(m_sc)
    f = np.exp(-2j * np.pi * np.outer(k, k) / m_sc) / np.sqrt(m_sc)   # f[k, i]
    return (x.reshape(-1, m_sc) @ f.T).reshape(x.shape)


@pytest.mark.parametrize("m_sc", [12, 36, 60, 180])
def test_transform_precode_is_the_clause_dft(m_sc: int) -> None:
    g = torch.Generator().manual_seed(m_sc)
    x = torch.randn(3 * m_sc, dtype=torch.complex128, generator=g)
    y = transform_precode(x, m_sc)
    assert y.dtype == torch.complex128
    np.testing.assert_allclose(y.numpy(), clause_dft(x.numpy(), m_sc), atol=1e-12)


def test_constant_qpsk_is_a_single_tone() -> None:
    s = (1 - 1j) / math.sqrt(2)
    x = torch.full((2, 48), s, dtype=torch.complex64)
    y = transform_precode(x, 24)                                # 2 symbols per row
    blocks = y.reshape(2, 2, 24)
    torch.testing.assert_close(blocks[..., 0], torch.full((2, 2), math.sqrt(24) * s,
                                                          dtype=torch.complex64))
    assert float(blocks[..., 1:].abs().max()) < 1e-5


def test_shifted_tone_is_a_single_bin() -> None:
    # x(i) = exp(j 2 pi k0 i / M) gives all the energy in bin k0
    m, k0 = 36, 7
    i = torch.arange(m, dtype=torch.float64)
    x = torch.exp(2j * math.pi * k0 * i / m)
    y = transform_precode(x, m)
    assert abs(abs(y[k0].item()) - math.sqrt(m)) < 1e-9
    y[k0] = 0
    assert float(y.abs().max()) < 1e-9


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(ALLOWED_M_RB), st.integers(1, 3), st.integers(0, 1000))
def test_transform_precode_parseval_and_round_trip(m_rb: int, n_sym: int, seed: int) -> None:
    m_sc = 12 * m_rb
    g = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (n_sym * m_sc * 2,), dtype=torch.uint8, generator=g)
    x = symbol_modulate(bits, "QPSK")
    y = transform_precode(x, m_sc)
    # energy per OFDM symbol is kept (unitary DFT): sum |y|^2 = sum |x|^2 = m_sc
    e = y.reshape(n_sym, m_sc).abs().square().sum(-1, dtype=torch.float64)
    torch.testing.assert_close(e, torch.full((n_sym,), float(m_sc), dtype=torch.float64),
                               rtol=1e-5, atol=0)
    torch.testing.assert_close(transform_deprecode(y, m_sc), x, atol=2e-6, rtol=0)


def test_allowed_m_rb_values() -> None:
    # the 2^a 3^b 5^c rule of §6.3.1.4 up to 275 RBs: 53 sizes (1, 2, 3, 4, 5, 6, 8, 9, ...)
    assert ALLOWED_M_RB[:12] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16]
    assert len(ALLOWED_M_RB) == 53
    for m_rb in (7, 11, 13, 14, 21, 273):
        with pytest.raises(ValueError, match=f"m_sc = {12 * m_rb} is not allowed"):
            transform_precode(torch.zeros(12 * m_rb, dtype=torch.complex64), 12 * m_rb)


def test_transform_precode_bad_inputs() -> None:
    z = torch.zeros(48, dtype=torch.complex64)
    with pytest.raises(ValueError, match="m_sc = 18 is not allowed"):
        transform_precode(z, 18)
    with pytest.raises(ValueError, match="m_sc = 0 is out of range"):
        transform_precode(z, 0)
    with pytest.raises(ValueError, match="not a positive multiple of m_sc = 36"):
        transform_precode(z, 36)
    with pytest.raises(TypeError, match="x must be a complex tensor"):
        transform_precode(torch.zeros(24), 12)
    with pytest.raises(TypeError, match="y must be a complex tensor"):
        transform_deprecode(torch.zeros(24), 12)
    with pytest.raises(TypeError, match="m_sc must be an integer"):
        transform_precode(z, 12.0)


# ------------------------------------------------------------------------------------------
# Codebooks, Tables 6.3.1.5-1 .. -7
# ------------------------------------------------------------------------------------------


def test_tpmi_counts() -> None:
    for (v, p, tp), (_, n) in TABLES.items():
        assert pusch_tpmi_count(v, p, tp) == n
    assert pusch_tpmi_count(1, 1) == 1 and pusch_tpmi_count(1, 1, True) == 1


def test_one_layer_two_ports_by_hand() -> None:
    # Table 6.3.1.5-1: 1/sqrt2 [1 0]^T, [0 1]^T, [1 1]^T, [1 -1]^T, [1 j]^T, [1 -j]^T
    expect = [[1, 0], [0, 1], [1, 1], [1, -1], [1, 1j], [1, -1j]]
    for tp in (False, True):
        for t, col in enumerate(expect):
            w = pusch_codebook(1, 2, t, tp)
            assert w.shape == (2, 1) and w.dtype == torch.complex64
            torch.testing.assert_close(w, cplx([[col[0]], [col[1]]], S2).to(torch.complex64))


@pytest.mark.parametrize("v, p, tp, tpmi, rows, scale", [
    # Table 6.3.1.5-2 (transform precoding enabled) and -3 (disabled) differ at TPMI 12
    (1, 4, True, 12, [[1], [1], [1], [-1]], 0.5),
    (1, 4, False, 12, [[1], [1], [1], [1]], 0.5),
    (1, 4, True, 19, [[1], [1j], [-1j], [-1]], 0.5),
    (1, 4, False, 19, [[1], [1j], [-1j], [1]], 0.5),
    (1, 4, False, 6, [[1], [0], [1j], [0]], 0.5),
    # Table 6.3.1.5-4
    (2, 2, False, 0, [[1, 0], [0, 1]], S2),
    (2, 2, False, 2, [[1, 1], [1j, -1j]], 0.5),
    # Table 6.3.1.5-5
    (2, 4, False, 6, [[1, 0], [0, 1], [1, 0], [0, -1j]], 0.5),
    (2, 4, False, 13, [[1, 0], [0, 1], [1j, 0], [0, -1]], 0.5),
    (2, 4, False, 17, [[1, 1], [1j, 1j], [1j, -1j], [-1, 1]], 1 / (2 * math.sqrt(2))),
    # Table 6.3.1.5-6
    (3, 4, False, 1, [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]], 0.5),
    (3, 4, False, 4, [[1, 1, 1], [1, -1, 1], [1j, 1j, -1j], [1j, -1j, -1j]],
     1 / (2 * math.sqrt(3))),
    # Table 6.3.1.5-7
    (4, 4, False, 0, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 0.5),
    (4, 4, False, 2, [[1, 1, 0, 0], [0, 0, 1, 1], [1j, -1j, 0, 0], [0, 0, 1j, -1j]],
     1 / (2 * math.sqrt(2))),
    (4, 4, False, 3, [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], 0.25),
])
def test_codebook_entries_by_hand(v: int, p: int, tp: bool, tpmi: int,
                                  rows: list[list[complex]], scale: float) -> None:
    w = pusch_codebook(v, p, tpmi, tp)
    assert w.shape == (p, v)
    torch.testing.assert_close(w, cplx(rows, scale).to(torch.complex64))


def test_single_port_is_one() -> None:
    assert torch.equal(pusch_codebook(1, 1, 0), torch.ones(1, 1, dtype=torch.complex64))


def test_codebook_power_per_port() -> None:
    # every antenna port that is used carries power 1/rho for unit-power layers (each
    # nonzero row of W has squared norm 1/rho); the full-rank tables (v = rho) use all
    # ports, so ||W||_F = 1 there, while e.g. TPMI 0 of Table 6.3.1.5-1 has ||W||_F^2 = 1/2
    for v, p, _tp, _t, w in all_codebooks():
        row = w.abs().square().sum(-1)
        used = row > 0
        torch.testing.assert_close(row[used], torch.full_like(row[used], 1 / p))
        if v == p:
            assert bool(used.all())
    assert float(pusch_codebook(1, 2, 0).abs().square().sum()) == pytest.approx(0.5)
    assert float(pusch_codebook(1, 4, 0).abs().square().sum()) == pytest.approx(0.25)


def test_codebook_entries_are_scaled_units() -> None:
    # entries are scale * {0, +-1, +-j}: every nonzero entry has the same modulus
    for *_, w in all_codebooks():
        nz = w[w != 0]
        assert torch.allclose(nz.abs(), nz.abs()[0].expand(nz.shape))
        unit = nz / nz.abs()
        assert bool(((unit.real.abs() - 1).abs() < 1e-7).logical_xor(
            (unit.imag.abs() - 1).abs() < 1e-7).all())


def test_codebook_columns_are_orthogonal() -> None:
    # the layers of one TPMI are sent on orthogonal precoders: W^H W is diagonal
    for v, _p, _tp, _t, w in all_codebooks():
        if v > 1:
            g = w.conj().T @ w
            off = g - torch.diag(torch.diagonal(g))
            assert float(off.abs().max()) < 1e-12


def test_codebook_tpmis_are_distinct() -> None:
    for (v, p, tp), (_, n) in TABLES.items():
        ws = torch.stack([pusch_codebook(v, p, t, tp) for t in range(n)]).reshape(n, -1)
        assert torch.unique(torch.view_as_real(ws).reshape(n, -1), dim=0).shape[0] == n


def test_tables_2_and_3_differ_by_the_sign_of_port_3() -> None:
    # Tables 6.3.1.5-2 and -3 agree on TPMI 0..11 and on the coherent rows whose port-3
    # entry is +-j (or whose rows coincide); elsewhere port 3 has the opposite sign
    differ = {12, 14, 17, 19, 20, 22, 25, 27}
    for t in range(28):
        on, off = pusch_codebook(1, 4, t, True), pusch_codebook(1, 4, t, False)
        assert torch.equal(on[:3], off[:3])
        assert torch.equal(on[3], -off[3] if t in differ else off[3])


def test_data_file_scale_text_matches_value() -> None:
    path = Path(layers_module.__file__).with_name("data") / "pusch_tpmi.json"
    data = json.loads(path.read_text())
    text = {"1/sqrt(2)": 2, "1/2": 4, "1/(2*sqrt(2))": 8, "1/(2*sqrt(3))": 12, "1/4": 16}
    names = set()
    for name, table in data["tables"].items():
        names.add(name)
        for entry in table["tpmi"]:
            assert text[entry["scale"]] == entry["inv_scale_squared"]
    assert names == {f"6.3.1.5-{k}" for k in range(1, 8)}


def test_codebook_device_argument() -> None:
    assert pusch_codebook(2, 4, 3, device="cpu").device.type == "cpu"


def test_codebook_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"tpmi = 6 is out of range; allowed: 0..5 "
                                         r"\(TS 38.211 Table 6.3.1.5-1"):
        pusch_codebook(1, 2, 6)
    with pytest.raises(ValueError, match=r"allowed: 0..21 \(TS 38.211 Table 6.3.1.5-5"):
        pusch_codebook(2, 4, 22)
    with pytest.raises(ValueError, match=r"tpmi = -1 is out of range; allowed: 0..4"):
        pusch_codebook(4, 4, -1)
    with pytest.raises(ValueError, match="tpmi = 1 is out of range; allowed: 0..0"):
        pusch_codebook(1, 1, 1)
    with pytest.raises(ValueError, match="n_layers = 3 is not allowed with n_ports = 2"):
        pusch_codebook(3, 2, 0)
    with pytest.raises(ValueError, match="n_layers = 3 is not allowed with n_ports = 2"):
        pusch_tpmi_count(3, 2)
    with pytest.raises(ValueError, match="n_ports = 3 is not allowed; allowed: 1, 2, 4"):
        pusch_codebook(1, 3, 0)
    with pytest.raises(ValueError, match="n_ports = 8"):
        pusch_codebook(1, 8, 0)
    with pytest.raises(ValueError, match="n_layers = 0"):
        pusch_codebook(0, 2, 0)
    with pytest.raises(ValueError, match="transform_precoding=True"):
        pusch_codebook(2, 4, 0, True)
    with pytest.raises(TypeError, match="tpmi must be an integer"):
        pusch_codebook(1, 2, 1.0)
    with pytest.raises(TypeError, match="transform_precoding must be a bool"):
        pusch_codebook(1, 4, 0, 1)


# ------------------------------------------------------------------------------------------
# Precoding z = W y
# ------------------------------------------------------------------------------------------


def test_precode_matches_the_clause_sum() -> None:
    g = torch.Generator().manual_seed(8)
    y = torch.randn(2, 3, 10, dtype=torch.complex64, generator=g)
    w = pusch_codebook(3, 4, 5)
    z = precode(y, w)
    assert z.shape == (2, 4, 10)
    for p in range(4):
        expect = sum(w[p, layer] * y[:, layer] for layer in range(3))
        torch.testing.assert_close(z[:, p], expect)


def test_precode_identity_and_batched_weights() -> None:
    g = torch.Generator().manual_seed(9)
    y = torch.randn(5, 2, 6, dtype=torch.complex64, generator=g)
    assert torch.equal(precode(y), y)                           # non-codebook: W = I
    ws = torch.stack([pusch_codebook(2, 4, t) for t in range(5)])   # [5, 4, 2]
    z = precode(y, ws)
    for b in range(5):
        torch.testing.assert_close(z[b], ws[b] @ y[b])


def test_precode_per_sample_weights() -> None:
    g = torch.Generator().manual_seed(10)
    y = torch.randn(2, 6, dtype=torch.complex64, generator=g)
    w = torch.randn(4, 2, 6, dtype=torch.complex64, generator=g)
    z = precode(y, w, per_sample=True)
    for i in range(6):
        torch.testing.assert_close(z[:, i], w[:, :, i] @ y[:, i])
    w1 = pusch_codebook(2, 4, 14).unsqueeze(-1)                 # [4, 2, 1]: same W for all i
    torch.testing.assert_close(precode(y, w1, per_sample=True), precode(y, w1[..., 0]))


def test_precode_full_rank_power() -> None:
    # full rank (v = rho): sqrt(rho) W is unitary, so ||z||^2 = ||y||^2 / rho (unit-power
    # layers give unit total power); z is recovered as rho W^H z
    g = torch.Generator().manual_seed(11)
    for v in (2, 4):
        y = torch.randn(v, 1000, dtype=torch.complex64, generator=g)
        for t in range(pusch_tpmi_count(v, v)):
            w = pusch_codebook(v, v, t)
            torch.testing.assert_close(v * w.conj().T @ w, torch.eye(v, dtype=torch.complex64))
            z = precode(y, w)
            torch.testing.assert_close(z.abs().square().sum(), y.abs().square().sum() / v)
            torch.testing.assert_close(v * w.conj().T @ z, y, atol=1e-5, rtol=1e-5)


def test_chain_layer_map_transform_precode_precode() -> None:
    # one layer with transform precoding on 4 ports (Table 6.3.1.5-2, TPMI 12)
    bits = torch.randint(0, 2, (2 * 24 * 2,), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(12))
    d = symbol_modulate(bits, "QPSK")
    y = transform_precode(layer_map(d, 1), 24)                  # [1, 48]
    z = precode(y, pusch_codebook(1, 4, 12, transform_precoding=True))
    assert z.shape == (4, 48)
    torch.testing.assert_close(z[3], -z[0])                     # W = 1/2 [1, 1, 1, -1]^T
    torch.testing.assert_close(transform_deprecode(2 * z[0], 24), d)


def test_precode_bad_inputs() -> None:
    y = torch.zeros(2, 4, dtype=torch.complex64)
    with pytest.raises(ValueError, match="x has 2 layers"):
        precode(y, pusch_codebook(1, 2, 0))
    with pytest.raises(TypeError, match="x must be a complex"):
        precode(torch.zeros(2, 4), pusch_codebook(2, 2, 0))
    with pytest.raises(ValueError, match="w has 3 samples"):
        precode(y, torch.zeros(4, 2, 3, dtype=torch.complex64), per_sample=True)
    with pytest.raises(TypeError, match="w must be"):
        precode(y, torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match="at least 2 dimension"):
        precode(torch.zeros(4, dtype=torch.complex64))


def test_transform_precoding_of_empty_inputs():
    with pytest.raises(ValueError, match="x has 0 samples along its last dimension, which is not "
                                         "a positive multiple of m_sc = 12"):
        transform_precode(torch.zeros(0, dtype=torch.complex64), 12)
    empty = torch.zeros(0, 24, dtype=torch.complex64)                 # an empty batch
    assert transform_precode(empty, 12).shape == (0, 24)
    assert transform_deprecode(empty, 12).shape == (0, 24)
    with pytest.raises(ValueError, match="y contains NaN"):
        transform_deprecode(torch.full((12,), complex(float("nan"), 0.0)), 12)
