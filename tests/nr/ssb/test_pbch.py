"""Tests of softran.nr.ssb.pbch: PBCH scrambling and modulation (TS 38.211 §7.3.3) and the DM-RS
for PBCH (§7.4.1.4.1). The Gold sequence is the bit-by-bit transcription of §5.2.1."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.coding.bch import bch_decode, bch_encode
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import (
    pbch,
    pbch_decode,
    pbch_dmrs,
    pbch_dmrs_issb_bar,
    pbch_v,
)


def ref_prbs(c_init: int, n: int, nc: int = 1600) -> list[int]:
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    while len(x1) < n + nc:
        k = len(x1) - 31
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[i + nc] + x2[i + nc]) % 2 for i in range(n)]


def ref_qpsk(bits: list[int]) -> list[complex]:
    """TS 38.211 §5.1.3."""
    s = 1 / math.sqrt(2)
    return [complex(s * (1 - 2 * bits[2 * i]), s * (1 - 2 * bits[2 * i + 1]))
            for i in range(len(bits) // 2)]


@pytest.mark.parametrize(("n_cell_id", "v"), [(0, 0), (17, 3), (1007, 7), (500, 5)])
def test_scrambling_and_qpsk_vs_formula(n_cell_id: int, v: int) -> None:
    gen = torch.Generator().manual_seed(n_cell_id + v)
    cw = torch.randint(0, 2, (864,), generator=gen, dtype=torch.uint8)
    c = ref_prbs(n_cell_id, 864 * (v + 1))[864 * v:]         # c(i + v M_bit), c_init = N_ID
    expected = ref_qpsk([(b + ci) % 2 for b, ci in zip(cw.tolist(), c)])
    got = pbch(cw, n_cell_id, v)
    assert got.dtype == torch.complex64 and got.shape == (432,)
    assert torch.allclose(got, torch.tensor(expected, dtype=torch.complex64), atol=1e-6)


def test_batched_v_and_cell_equal_loop() -> None:
    gen = torch.Generator().manual_seed(3)
    cw = torch.randint(0, 2, (2, 4, 864), generator=gen, dtype=torch.uint8)
    v = torch.tensor([0, 3, 5, 7])
    cell = torch.tensor([[1], [900]])
    got = pbch(cw, cell, v)
    for i in range(2):
        for j in range(4):
            assert torch.equal(got[i, j], pbch(cw[i, j], int(cell[i, 0]), int(v[j])))


def test_decode_inverts_scrambling() -> None:
    gen = torch.Generator().manual_seed(4)
    cw = torch.randint(0, 2, (3, 864), generator=gen, dtype=torch.uint8)
    llr = pbch_decode(pbch(cw, 321, 2), 321, 2, 0.5)
    assert llr.dtype == torch.float32 and llr.shape == (3, 864)
    assert torch.equal((llr < 0).to(torch.uint8), cw)
    assert torch.allclose(llr.abs(), torch.full_like(llr, 4.0))   # 2 sqrt(2) (1/sqrt(2)) / 0.5


def test_pbch_v_and_issb_bar_by_hand() -> None:
    assert [pbch_v(i, 4) for i in range(4)] == [0, 1, 2, 3]
    assert [pbch_v(i, 64) for i in (0, 7, 8, 15, 63)] == [0, 7, 0, 7, 7]
    assert [pbch_dmrs_issb_bar(i, 1, 4) for i in range(4)] == [4, 5, 6, 7]
    assert [pbch_dmrs_issb_bar(i, 0, 4) for i in range(4)] == [0, 1, 2, 3]
    assert pbch_dmrs_issb_bar(5, 1, 8) == 5 and pbch_dmrs_issb_bar(62, 0, 64) == 6


@pytest.mark.parametrize(("n_cell_id", "i_ssb_bar", "c_init"), [
    (17, 6, 2 ** 11 * 7 * 5 + 2 ** 6 * 7 + 1),          # = 72129
    (1007, 7, 2 ** 11 * 8 * 252 + 2 ** 6 * 8 + 3),      # = 4129283
    (0, 0, 2 ** 11 + 2 ** 6),                           # = 2112
])
def test_dmrs_c_init_by_hand(n_cell_id: int, i_ssb_bar: int, c_init: int) -> None:
    c = ref_prbs(c_init, 288)
    expected = ref_qpsk(c)       # r(m) = ((1 - 2c(2m)) + j (1 - 2c(2m+1))) / sqrt(2)
    got = pbch_dmrs(n_cell_id, i_ssb_bar)
    assert got.dtype == torch.complex64 and got.shape == (144,)
    assert torch.allclose(got, torch.tensor(expected, dtype=torch.complex64), atol=1e-6)


def test_dmrs_batched() -> None:
    got = pbch_dmrs(torch.tensor([[3], [1000]]), torch.arange(8))
    assert got.shape == (2, 8, 144)
    assert torch.equal(got[1, 5], pbch_dmrs(1000, 5))


def _chain(n: int, l_max: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    sfn = torch.randint(0, 1024, (n,), generator=gen)
    idx = torch.randint(0, l_max, (n,), generator=gen)
    cell = 250
    mib = torch.stack([MIB(system_frame_number=int(s), pdcch_config_sib1=int(i)).pack()
                       for s, i in zip(sfn, torch.randint(0, 256, (n,), generator=gen))])
    cw = bch_encode(mib, sfn, 1, idx, 0, l_max, cell)
    v = idx % 4 if l_max == 4 else idx % 8
    return mib, sfn, idx, v, pbch(cw, cell, v)


def test_unknown_v_found_by_crc() -> None:
    """The receiver does not know i_SSB: it tries every v (batched) and the CRC24C passes
    only for the right one."""
    gen = torch.Generator().manual_seed(7)
    mib, sfn, idx, v, sym = _chain(3, 64, gen)
    hyp = torch.arange(8)
    llr = pbch_decode(sym.unsqueeze(1).expand(-1, 8, -1), 250, hyp, 0.1)   # [3, 8, 864]
    out = bch_decode(llr, 250, 64)
    assert torch.equal(out.crc_ok, hyp.unsqueeze(0) == v.unsqueeze(1))
    best = out.crc_ok.to(torch.int64).argmax(-1)
    rows = torch.arange(3)
    assert torch.equal(out.mib_bits[rows, best], mib)
    assert torch.equal(out.msb_idx_offset[rows, best], idx >> 3)


def test_awgn_moderate_snr() -> None:
    """QPSK at Es/N0 = 0 dB: every one of 24 blocks decodes (the PBCH code rate is 56/864)."""
    gen = torch.Generator().manual_seed(8)
    mib, sfn, idx, v, sym = _chain(24, 8, gen)
    n0 = 1.0
    noise = torch.complex(torch.randn(sym.shape, generator=gen),
                          torch.randn(sym.shape, generator=gen)) * math.sqrt(n0 / 2)
    out = bch_decode(pbch_decode(sym + noise, 250, v, n0), 250, 8)
    assert out.crc_ok.all()
    assert torch.equal(out.mib_bits, mib) and torch.equal(out.sfn_lsbs, sfn % 16)
    assert torch.equal(out.half_frame, torch.ones(24, dtype=torch.int64))


def test_bad_inputs() -> None:
    cw = torch.zeros(864, dtype=torch.uint8)
    with pytest.raises(ValueError, match="864"):
        pbch(cw[:800], 0, 0)
    with pytest.raises(TypeError, match="cw"):
        pbch(cw.float(), 0, 0)
    with pytest.raises(ValueError, match="v"):
        pbch(cw, 0, 8)
    with pytest.raises(ValueError, match="n_cell_id"):
        pbch(cw, 1008, 0)
    with pytest.raises(ValueError, match="broadcast"):
        pbch(cw, 0, torch.tensor([0, 1]))
    sym = pbch(cw, 0, 0)
    with pytest.raises(ValueError, match="432"):
        pbch_decode(sym[:431], 0, 0, 1.0)
    with pytest.raises(ValueError, match="noise_var"):
        pbch_decode(sym, 0, 0, 0.0)
    with pytest.raises(TypeError, match="symbols"):
        pbch_decode(sym.real, 0, 0, 1.0)
    with pytest.raises(ValueError, match="i_ssb_bar"):
        pbch_dmrs(0, 8)
    with pytest.raises(TypeError, match="n_cell_id"):
        pbch_dmrs(torch.tensor(1.5), 0)
    with pytest.raises(ValueError, match="i_ssb"):
        pbch_v(4, 4)
    with pytest.raises(ValueError, match="l_max"):
        pbch_v(0, 10)
    with pytest.raises(ValueError, match="n_hf"):
        pbch_dmrs_issb_bar(0, 2, 4)
