"""Tests of softran.nr.ssb.block: SS/PBCH block resources (TS 38.211 §7.4.3.1, Table 7.4.3.1-1),
block and burst mapping, candidate SS/PBCH block symbols (TS 38.213 §4.1)."""

from __future__ import annotations

import pytest
import torch

from softran.nr.coding.bch import bch_decode, bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_demodulate, ofdm_modulate
from softran.nr.sequences import pss, sss
from softran.nr.ssb.block import (
    ssb_burst,
    ssb_candidate_symbols,
    ssb_grid,
    ssb_indices,
)
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import pbch, pbch_decode, pbch_dmrs


def _lk(index: torch.Tensor) -> list[tuple[int, int]]:
    return [(int(i) // 240, int(i) % 240) for i in index]


@pytest.mark.parametrize("n_cell_id", [0, 1, 2, 3, 17, 1007])
def test_indices_by_hand(n_cell_id: int) -> None:
    ind = ssb_indices(n_cell_id)
    assert [t.numel() for t in ind] == [127, 127, 432, 144]
    assert all(t.dtype == torch.int64 for t in ind)
    assert _lk(ind.pss) == [(0, k) for k in range(56, 183)]
    assert _lk(ind.sss) == [(2, k) for k in range(56, 183)]
    v = n_cell_id % 4
    dmrs = ([(1, 4 * m + v) for m in range(60)] + [(2, 4 * m + v) for m in range(12)]
            + [(2, 192 + 4 * m + v) for m in range(12)] + [(3, 4 * m + v) for m in range(60)])
    assert _lk(ind.pbch_dmrs) == dmrs
    region = ([(1, k) for k in range(240)] + [(2, k) for k in range(48)]
              + [(2, k) for k in range(192, 240)] + [(3, k) for k in range(240)])
    assert _lk(ind.pbch) == [re for re in region if re not in set(dmrs)]


def test_dmrs_indices_matlab_example() -> None:
    """MATLAB nrPBCHDMRSIndices(17) documentation example (1-based): 242, 246, ..., 278."""
    got = (ssb_indices(17).pbch_dmrs[:10] + 1).tolist()
    assert got == [242, 246, 250, 254, 258, 262, 266, 270, 274, 278]


@pytest.mark.parametrize(("l_max", "i_ssb", "n_hf", "ibar", "v"),
                         [(4, 2, 1, 6, 2), (8, 5, 1, 5, 5), (64, 45, 0, 5, 5)])
def test_ssb_grid_contents(l_max: int, i_ssb: int, n_hf: int, ibar: int, v: int) -> None:
    gen = torch.Generator().manual_seed(l_max)
    cw = torch.randint(0, 2, (864,), generator=gen, dtype=torch.uint8)
    g = ssb_grid(41, cw, i_ssb, n_hf, l_max)
    assert g.shape == (4, 240) and g.dtype == torch.complex64
    flat = g.flatten()
    ind = ssb_indices(41)
    assert torch.equal(flat[ind.pss], pss(41).to(torch.complex64))
    assert torch.equal(flat[ind.sss], sss(41).to(torch.complex64))
    assert torch.equal(flat[ind.pbch], pbch(cw, 41, v))
    assert torch.equal(flat[ind.pbch_dmrs], pbch_dmrs(41, ibar))
    used = torch.cat(list(ind))
    rest = torch.ones(960, dtype=torch.bool)
    rest[used] = False
    assert int(rest.sum()) == 960 - 830 and not flat[rest].any()


def test_beta_pss_and_batch() -> None:
    cw = torch.zeros(3, 864, dtype=torch.uint8)
    g = ssb_grid(5, cw, torch.tensor([0, 1, 2]), 0, 8, beta_pss_db=3)
    assert g.shape == (3, 4, 240)
    amp = g[:, 0, 56:183].abs()
    assert torch.allclose(amp, torch.full_like(amp, 10 ** (3 / 20)))
    assert torch.allclose(g[:, 2, 56:183].abs(), torch.ones(3, 127))
    assert torch.equal(g[1], ssb_grid(5, cw[1], 1, 0, 8, beta_pss_db=3))


def test_candidate_symbols_by_hand() -> None:
    assert ssb_candidate_symbols("A", 4) == [2, 8, 16, 22]
    assert ssb_candidate_symbols("a", 8) == [2, 8, 16, 22, 30, 36, 44, 50]
    assert ssb_candidate_symbols("B", 4) == [4, 8, 16, 20]
    assert ssb_candidate_symbols("B", 8) == [4, 8, 16, 20, 32, 36, 44, 48]
    assert ssb_candidate_symbols("C", 4) == [2, 8, 16, 22]
    assert ssb_candidate_symbols("C", 8) == [2, 8, 16, 22, 30, 36, 44, 50]
    d = ssb_candidate_symbols("D", 64)
    assert len(d) == 64
    assert d[:8] == [4, 8, 16, 20, 32, 36, 44, 48]
    assert d[16:20] == [4 + 140, 8 + 140, 16 + 140, 20 + 140]          # n = 5 (n = 4 skipped)
    assert d[-1] == 20 + 28 * 18
    e = ssb_candidate_symbols("E", 64)
    assert len(e) == 64
    assert e[:12] == [8, 12, 16, 20, 32, 36, 40, 44, 64, 68, 72, 76]
    assert e[32] == 8 + 56 * 5 and e[-1] == 44 + 56 * 8


def test_candidate_symbols_bad() -> None:
    with pytest.raises(ValueError, match="case"):
        ssb_candidate_symbols("F", 64)
    with pytest.raises(TypeError, match="case"):
        ssb_candidate_symbols(1, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="l_max"):
        ssb_candidate_symbols("A", 64)
    with pytest.raises(ValueError, match="l_max"):
        ssb_candidate_symbols("D", 8)


def test_burst_places_blocks() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=25, n_cell_id=321)
    mib = MIB(system_frame_number=37, sub_carrier_spacing_common=30, ssb_subcarrier_offset=4,
              pdcch_config_sib1=0x5A)
    positions = [1, 0, 0, 1, 0, 1, 1, 0]
    g = ssb_burst(carrier, "B", mib, 1, positions, 20, 36)
    assert g.shape == (1, 140, 300) and g.dtype == torch.complex64
    first = [4, 8, 16, 20, 32, 36, 44, 48]
    rows = sorted(first[i] + l for i in (0, 3, 5, 6) for l in range(4))
    active = (g[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
    assert active == rows
    # nothing outside subcarriers 36 .. 275
    assert not g[0, :, :36].any() and not g[0, :, 276:].any()
    for i in (0, 3, 5, 6):
        block = g[0, first[i]:first[i] + 4, 36:276]
        cw = bch_encode(mib.pack(), 37, 1, i, 20, 8, 321)
        assert torch.equal(block, ssb_grid(321, cw, i, 1, 8))
    # receive: read the PBCH of block 5 back to the MIB
    ind = ssb_indices(321)
    sym = g[0, first[5]:first[5] + 4, 36:276].flatten()[ind.pbch]
    out = bch_decode(pbch_decode(sym, 321, 5, 0.1), 321, 8)
    assert bool(out.crc_ok) and int(out.half_frame) == 1 and int(out.msb_idx_offset) == 1
    back = MIB.unpack(out.mib_bits, sfn_lsbs=int(out.sfn_lsbs))
    assert back == mib


def test_burst_fr2_and_ofdm() -> None:
    carrier = CarrierConfig(subcarrier_spacing=120, n_size_grid=20, n_cell_id=7, n_slot=0)
    mib = MIB(system_frame_number=2, sub_carrier_spacing_common=120)
    positions = torch.zeros(64, dtype=torch.uint8)
    positions[[0, 17, 63]] = 1
    g = ssb_burst(carrier, "D", mib, 0, positions, 0, 0)
    assert g.shape == (1, 560, 240)
    d = ssb_candidate_symbols("D", 64)
    active = (g[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
    assert active == sorted(d[i] + l for i in (0, 17, 63) for l in range(4))
    # the half-frame grid goes through OFDM and back unchanged
    w = ofdm_modulate(g, carrier)
    back = ofdm_demodulate(w, carrier)
    assert torch.allclose(back, g, atol=1e-4)


def test_burst_empty_bitmap() -> None:
    carrier = CarrierConfig(subcarrier_spacing=15, n_size_grid=20)
    g = ssb_burst(carrier, "A", MIB(), 0, [0, 0, 0, 0], 0, 0)
    assert g.shape == (1, 70, 240) and not g.any()


def test_burst_bad_inputs() -> None:
    c30 = CarrierConfig(subcarrier_spacing=30, n_size_grid=25)
    mib = MIB(system_frame_number=0, ssb_subcarrier_offset=1)
    pos = [1, 0, 0, 0]
    with pytest.raises(ValueError, match="subcarrier_spacing"):
        ssb_burst(c30, "A", mib, 0, pos, 1, 0)
    with pytest.raises(ValueError, match="FR1"):
        ssb_burst(CarrierConfig(subcarrier_spacing=120, n_size_grid=25), "D", mib, 0,
                  [1] * 64, 1, 0)
    with pytest.raises(ValueError, match="L_max"):
        ssb_burst(c30, "C", mib, 0, [1, 0, 0], 1, 0)
    with pytest.raises(ValueError, match="k_ssb"):
        ssb_burst(c30, "C", mib, 0, pos, 2, 0)
    with pytest.raises(ValueError, match="k_ssb"):
        ssb_burst(c30, "C", mib, 0, pos, 33, 0)
    with pytest.raises(ValueError, match="ssb_subcarrier"):
        ssb_burst(c30, "C", mib, 0, pos, 1, 61)
    with pytest.raises(ValueError, match="ssb_positions"):
        ssb_burst(c30, "C", mib, 0, [1, 2, 0, 0], 1, 0)
    with pytest.raises(TypeError, match="ssb_positions"):
        ssb_burst(c30, "C", mib, 0, "1000", 1, 0)
    with pytest.raises(ValueError, match="half_frame"):
        ssb_burst(c30, "C", mib, 2, pos, 1, 0)
    with pytest.raises(ValueError, match="beta_pss_db"):
        ssb_burst(c30, "C", mib, 0, pos, 1, 0, beta_pss_db=6)
    with pytest.raises(TypeError, match="carrier"):
        ssb_burst("c30", "C", mib, 0, pos, 1, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mib"):
        ssb_burst(c30, "C", mib.pack(), 0, pos, 1, 0)  # type: ignore[arg-type]


def test_grid_and_indices_bad_inputs() -> None:
    cw = torch.zeros(864, dtype=torch.uint8)
    with pytest.raises(ValueError, match="n_cell_id"):
        ssb_indices(1008)
    with pytest.raises(ValueError, match="i_ssb"):
        ssb_grid(0, cw, 4, 0, 4)
    with pytest.raises(ValueError, match="l_max"):
        ssb_grid(0, cw, 0, 0, 10)
    with pytest.raises(ValueError, match="beta_pss_db"):
        ssb_grid(0, cw, 0, 0, 8, beta_pss_db=1)
    with pytest.raises(ValueError, match="864"):
        ssb_grid(0, cw[:100], 0, 0, 8)
    with pytest.raises(ValueError, match="broadcast"):
        ssb_grid(0, cw.expand(2, 864), torch.tensor([0, 1, 2]), 0, 8)
