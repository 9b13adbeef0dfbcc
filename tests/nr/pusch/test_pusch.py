"""PUSCH function level: pusch / pusch_decode (TS 38.211 §6.3.1.1-§6.3.1.4) and the
transmitter's grid."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr import (
    CarrierConfig,
    PUSCHConfig,
    PUSCHTransmitter,
    layer_map,
    ofdm_demodulate,
    prbs,
    pusch,
    pusch_codebook,
    pusch_decode,
    pusch_dmrs,
    pusch_dmrs_indices,
    pusch_indices,
    pusch_precoding_matrix,
    symbol_modulate,
)


def _cfg(**kw) -> PUSCHConfig:
    base = dict(prb_set=range(6), target_code_rate=0.5)
    base.update(kw)
    return PUSCHConfig(**base)


@pytest.mark.parametrize("modulation", ["QPSK", "16QAM", "64QAM", "256QAM"])
@pytest.mark.parametrize("n_layers", [1, 2, 3, 4])
def test_pusch_matches_the_clause_chain(modulation, n_layers):
    carrier = CarrierConfig(n_size_grid=6, n_cell_id=17)
    p = _cfg(modulation=modulation, n_layers=n_layers, rnti=0x4601, n_id=501)
    g = p.num_coded_bits
    cw = torch.randint(0, 2, (2, g), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    # §6.3.1.1: c_init = n_RNTI 2^15 + n_ID; §6.3.1.2; §6.3.1.3 x^(j)(i) = d(v i + j)
    c = prbs(0x4601 * 2**15 + 501, g)
    d = symbol_modulate(cw ^ c, modulation)
    expect = torch.stack([d[..., j::n_layers] for j in range(n_layers)], dim=-2)
    got = pusch(cw, carrier, p)
    assert got.shape == (2, n_layers, p.n_re)
    torch.testing.assert_close(got, expect)


def test_pusch_uses_the_cell_id_when_n_id_is_none():
    carrier = CarrierConfig(n_size_grid=6, n_cell_id=17)
    p = _cfg(rnti=3)
    cw = torch.zeros(p.num_coded_bits, dtype=torch.uint8)
    c = prbs(3 * 2**15 + 17, p.num_coded_bits)
    torch.testing.assert_close(pusch(cw, carrier, p)[0], symbol_modulate(c, "QPSK"))


def test_transform_precoding_is_a_unitary_dft_per_symbol():
    carrier = CarrierConfig(n_size_grid=6)
    p = _cfg(transform_precoding=True, prb_set=range(5))
    cw = torch.randint(0, 2, (p.num_coded_bits,), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1013))
    plain = pusch(cw, carrier, p.model_copy(update={"transform_precoding": False}))
    # the same config without transform precoding has the same REs here (DM-RS symbols
    # carry no data in both), so the plain symbols are the DFT input
    m = 60
    y = pusch(cw, carrier, p)
    x = plain.reshape(-1, m)
    expect = torch.fft.fft(x, dim=-1, norm="ortho").reshape(1, -1)
    torch.testing.assert_close(y, expect, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("tp", [False, True])
@pytest.mark.parametrize("modulation", ["QPSK", "16QAM", "64QAM", "256QAM"])
def test_decode_round_trip_and_llr_scale(tp, modulation):
    carrier = CarrierConfig(n_size_grid=6)
    p = _cfg(modulation=modulation, transform_precoding=tp, prb_set=range(6) if not tp
             else range(5))
    cw = torch.randint(0, 2, (3, p.num_coded_bits), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1012))
    x = pusch(cw, carrier, p)
    llr = pusch_decode(x, carrier, p, 1e-3)
    assert bool(((llr < 0).to(torch.uint8) == cw).all())
    # an LLR scales as 1 / noise_var
    llr2 = pusch_decode(x, carrier, p, 2e-3)
    torch.testing.assert_close(llr2, llr / 2, rtol=1e-4, atol=1e-3)


def test_decode_per_re_noise_variance_follows_its_symbol():
    carrier = CarrierConfig(n_size_grid=6)
    p = _cfg(n_layers=2)
    cw = torch.randint(0, 2, (p.num_coded_bits,), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1011))
    x = pusch(cw, carrier, p)
    nv = torch.ones(2, p.n_re)
    nv[1] = 4.0  # layer 1 is 4x noisier: its bits' LLRs are 4x smaller
    llr = pusch_decode(x, carrier, p, nv).abs()
    # QPSK, 2 layers: codeword symbols alternate layers 0, 1 -> bit pairs (0,1), (2,3)
    # from layer 0, (2,3) from layer 1, ...
    pairs = llr.reshape(-1, 2, 2)  # [i, layer, bit]
    torch.testing.assert_close(pairs[:, 0], 4 * pairs[:, 1], rtol=1e-4, atol=1e-4)


def test_precoding_matrix_and_precoded_output():
    carrier = CarrierConfig(n_size_grid=6)
    p = _cfg(n_layers=2, transmission_scheme="codebook", n_antenna_ports=4, tpmi=3)
    w = pusch_precoding_matrix(p)
    torch.testing.assert_close(w, pusch_codebook(2, 4, 3))
    cw = torch.randint(0, 2, (p.num_coded_bits,), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1010))
    layers = pusch(cw, carrier, p)
    ports = pusch(cw, carrier, p, precode_output=True)
    torch.testing.assert_close(ports, w @ layers)
    assert pusch_precoding_matrix(_cfg()) is None


def test_bad_inputs():
    carrier = CarrierConfig(n_size_grid=6)
    p = _cfg()
    with pytest.raises(ValueError, match="G = "):
        pusch(torch.zeros(10, dtype=torch.uint8), carrier, p)
    with pytest.raises(TypeError, match="carrier"):
        pusch(torch.zeros(p.num_coded_bits, dtype=torch.uint8), "x", p)
    with pytest.raises(ValueError, match="n_layers"):
        pusch_decode(torch.zeros(2, p.n_re, dtype=torch.complex64), carrier, p, 1.0)
    with pytest.raises(TypeError, match="complex"):
        pusch_decode(torch.zeros(1, p.n_re), carrier, p, 1.0)


@pytest.mark.parametrize("scheme", [dict(), dict(n_layers=2, transmission_scheme="codebook",
                                                  n_antenna_ports=2, tpmi=0)])
def test_transmitter_grid_holds_data_dmrs_and_is_precoded(scheme):
    carrier = CarrierConfig(n_size_grid=6, n_cell_id=3)
    p = _cfg(**scheme)
    p.dmrs.additional_position = 1
    tx = PUSCHTransmitter(carrier, p)
    tb = torch.randint(0, 2, (2, p.tb_size), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1009))
    wave = tx(tb)
    layers = tx.last_layer_grid.reshape(2, -1)
    ind, _ = pusch_indices(carrier, p)
    d_ind = pusch_dmrs_indices(carrier, p)
    torch.testing.assert_close(layers[:, d_ind.reshape(-1)],
                               pusch_dmrs(carrier, p).reshape(1, -1).expand(2, -1))
    cw = tx.encoder(tb, p.modulation, p.n_layers, p.num_coded_bits, 0)
    torch.testing.assert_close(layers[:, ind.reshape(-1)],
                               pusch(cw, carrier, p).reshape(2, -1))
    # nothing else is occupied
    used = torch.zeros(layers.shape[1], dtype=torch.bool)
    used[ind.reshape(-1)] = True
    used[d_ind.reshape(-1)] = True
    assert bool((layers[:, ~used] == 0).all())
    # OFDM round trip gives back the port grid
    grid = ofdm_demodulate(wave, carrier)
    torch.testing.assert_close(grid, tx.last_grid, atol=1e-5, rtol=1e-5)
    w = pusch_precoding_matrix(p)
    if w is not None:
        torch.testing.assert_close(tx.last_grid,
                                   torch.einsum("pl,blsk->bpsk", w, tx.last_layer_grid))
    # unit average data RE power per layer before precoding: E|x|^2 = 1
    assert float(layers[:, ind.reshape(-1)].abs().pow(2).mean()) == pytest.approx(1, rel=0.1)
    assert math.isclose(tx.sample_rate, tx.nfft * 15e3)


def test_layer_map_reference_used_in_tests():
    x = torch.arange(8)
    assert layer_map(x, 2).tolist() == [[0, 2, 4, 6], [1, 3, 5, 7]]
