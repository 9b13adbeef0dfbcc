"""Tests of softran.nr.coding.bch: BCH transport channel coding, TS 38.212 §7.1.

The reference below transcribes §7.1.1 (the interleaving loop with its counters j_SFN,
j_HRF, j_SSB, j_other) and §7.1.2 (the scrambling while-loop) bit by bit, with the Gold
sequence of TS 38.211 §5.2.1 written out as recurrences; CRC, polar coding and rate
matching (tested in their own files) complete it.
"""

from __future__ import annotations

import pytest
import torch

from softran.nr.coding.bch import (
    BCH_E,
    BCH_K,
    bch_decode,
    bch_encode,
    pbch_payload_interleaver,
)
from softran.nr.coding.crc import crc_encode
from softran.nr.coding.polar import polar_decode, polar_encode, rate_match_polar, rate_recover_polar
from softran.nr.ssb.mib import MIB

# TS 38.212 Table 7.1.1-1, G(0) .. G(31) (also in srsRAN's pbch_encoder_impl.cpp).
G_TABLE = [16, 23, 18, 17, 8, 30, 10, 6, 24, 7, 0, 5, 3, 2, 1, 4,
           9, 11, 12, 13, 14, 15, 19, 20, 21, 22, 25, 26, 27, 28, 29, 31]


def ref_prbs(c_init: int, n: int, nc: int = 1600) -> list[int]:
    """TS 38.211 §5.2.1 bit by bit."""
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    while len(x1) < n + nc:
        k = len(x1) - 31
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[i + nc] + x2[i + nc]) % 2 for i in range(n)]


def ref_payload(a: list[int], sfn: int, hrf: int, ssb_index: int, k_ssb: int,
                l_max: int) -> tuple[list[int], set[int]]:
    """§7.1.1: a' (interleaved) and the set of positions of a' holding i_SSB / HRF / 2nd and
    3rd SFN LSB bits."""
    big_a = len(a)
    a_bar = list(a) + [(sfn >> 3) & 1, (sfn >> 2) & 1, (sfn >> 1) & 1, sfn & 1, hrf]
    if l_max == 64:
        a_bar += [(ssb_index >> 5) & 1, (ssb_index >> 4) & 1, (ssb_index >> 3) & 1]
    else:
        a_bar += [(k_ssb >> 4) & 1, 0, 0]
    sfn_bits = set(range(1, 7)) | set(range(big_a, big_a + 4))
    a_prime = [0] * len(a_bar)
    unscrambled: set[int] = set()
    j_sfn, j_hrf, j_ssb, j_other = 0, 10, 11, 14
    for i, bit in enumerate(a_bar):
        if i in sfn_bits:
            pos = G_TABLE[j_sfn]
            j_sfn += 1
            if i in (big_a + 1, big_a + 2):                  # 3rd and 2nd LSB of SFN
                unscrambled.add(pos)
        elif i == big_a + 4:
            pos = G_TABLE[j_hrf]
            unscrambled.add(pos)
        elif big_a + 5 <= i <= big_a + 7:
            pos = G_TABLE[j_ssb]
            j_ssb += 1
            if l_max == 64:                                  # bits of the SS/PBCH block index
                unscrambled.add(pos)
        else:
            pos = G_TABLE[j_other]
            j_other += 1
        a_prime[pos] = bit
    return a_prime, unscrambled


def ref_scramble(a_prime: list[int], unscrambled: set[int], sfn: int, n_cell_id: int,
                 l_max: int) -> list[int]:
    """§7.1.2 while-loop."""
    a_bar_len = len(a_prime)
    m = a_bar_len - 3 if l_max in (4, 8) else a_bar_len - 6
    bit3, bit2 = (sfn >> 2) & 1, (sfn >> 1) & 1
    v = {(0, 0): 0, (0, 1): 1, (1, 0): 2, (1, 1): 3}[(bit3, bit2)]
    c = ref_prbs(n_cell_id, 4 * m)
    out, j = [], 0
    for i in range(a_bar_len):
        if i in unscrambled:
            s = 0
        else:
            s = c[j + v * m]
            j += 1
        out.append((a_prime[i] + s) % 2)
    return out


def ref_bch(a: list[int], sfn: int, hrf: int, ssb_index: int, k_ssb: int, l_max: int,
            n_cell_id: int) -> list[int]:
    a_prime, unscrambled = ref_payload(a, sfn, hrf, ssb_index, k_ssb, l_max)
    a2 = ref_scramble(a_prime, unscrambled, sfn, n_cell_id, l_max)
    c = crc_encode(torch.tensor(a2, dtype=torch.uint8), "24C")
    d = polar_encode(c, 864, 9, True, n_pc=0, n_pc_wm=0)
    return rate_match_polar(d, 56, 864).tolist()


def _mib_bits(gen: torch.Generator, sfn: int, k_ssb: int) -> torch.Tensor:
    """Random BCCH-BCH-Message bits whose SFN and k_SSB fields agree with sfn, k_ssb."""
    a = torch.randint(0, 2, (24,), generator=gen, dtype=torch.uint8)
    a[0] = 0
    a[1:7] = torch.tensor([(sfn >> s) & 1 for s in (9, 8, 7, 6, 5, 4)], dtype=torch.uint8)
    a[8:12] = torch.tensor([(k_ssb >> s) & 1 for s in (3, 2, 1, 0)], dtype=torch.uint8)
    return a


def _noiseless_llr(cw: torch.Tensor) -> torch.Tensor:
    return 4.0 * (1.0 - 2.0 * cw.to(torch.float32))


# ---------------------------------------------------------------------------------------------


def test_interleaver_table_spot_check() -> None:
    dest = pbch_payload_interleaver().tolist()
    # ā_0 (CHOICE bit) is the first "other" bit: G(14) = 1
    assert dest[0] == 1
    # ā_1..ā_6 (SFN MSBs): G(0..5); ā_24..ā_27 (4 SFN LSBs): G(6..9); HRF: G(10)
    assert dest[1:7] == [16, 23, 18, 17, 8, 30]
    assert dest[24:28] == [10, 6, 24, 7]
    assert dest[28] == 0
    # ā_29..ā_31: G(11..13); ā_7..ā_23: G(15..31)
    assert dest[29:32] == [5, 3, 2]
    assert dest[7:24] == [4, 9, 11, 12, 13, 14, 15, 19, 20, 21, 22, 25, 26, 27, 28, 29, 31]
    assert sorted(dest) == list(range(32))


def _decoded_scrambled(cw: torch.Tensor) -> list[int]:
    """a''_0..a''_31 read back from a noiseless codeword (polar decoding is lossless)."""
    llr = rate_recover_polar(_noiseless_llr(cw), BCH_K, 512)
    return polar_decode(llr, BCH_K, BCH_E, 8, 9, True, 24, n_pc=0, n_pc_wm=0)[:32].tolist()


def test_payload_bits_by_hand() -> None:
    """One case worked by hand: MIB all zero (SFN = 0b0000001011 = 11 has MSBs 0), HRF 1,
    L_max = 64, i_SSB = 0b101000 = 40, n_cell_id = 0, so every unscrambled bit is known:
    2nd / 3rd SFN LSB (1, 0) at G(8) = 24 and G(7) = 6; HRF at G(10) = 0; i_SSB bits 6..4
    (1, 0, 1) at G(11..13) = 5, 3, 2."""
    a = torch.zeros(24, dtype=torch.uint8)
    cw = bch_encode(a, 11, 1, 40, 0, 64, 0)
    a2 = _decoded_scrambled(cw)
    assert a2[24] == 1 and a2[6] == 0            # SFN 2nd LSB = 1, 3rd LSB = 0
    assert a2[0] == 1                            # HRF
    assert [a2[5], a2[3], a2[2]] == [1, 0, 1]    # 6th, 5th, 4th bit of i_SSB = 40
    # v = 2 * 0 + 1 = 1, M = 26; the other 26 bits are a'_i + c(j + 26) with a'_i known:
    # 4th LSB of SFN (1) at G(6) = 10, 1st LSB (1) at G(9) = 7, everything else 0.
    c = ref_prbs(0, 52)[26:]
    scrambled = [i for i in range(32) if i not in (24, 6, 0, 5, 3, 2)]
    a_prime = [1 if i in (10, 7) else 0 for i in range(32)]
    assert [a2[i] for i in scrambled] == [(a_prime[i] + c[j]) % 2
                                         for j, i in enumerate(scrambled)]


@pytest.mark.parametrize("l_max", [4, 8, 64])
def test_encode_matches_reference(l_max: int) -> None:
    gen = torch.Generator().manual_seed(l_max)
    for trial in range(6):
        sfn = int(torch.randint(0, 1024, (1,), generator=gen))
        hrf = trial % 2
        idx = int(torch.randint(0, l_max, (1,), generator=gen))
        k_ssb = int(torch.randint(0, 16 if l_max == 64 else 32, (1,), generator=gen))
        cell = int(torch.randint(0, 1008, (1,), generator=gen))
        a = _mib_bits(gen, sfn, k_ssb)
        got = bch_encode(a, sfn, hrf, idx, k_ssb, l_max, cell)
        assert got.dtype == torch.uint8 and got.shape == (864,)
        assert got.tolist() == ref_bch(a.tolist(), sfn, hrf, idx, k_ssb, l_max, cell)


def test_batched_encode_equals_loop() -> None:
    gen = torch.Generator().manual_seed(5)
    sfn = torch.tensor([0, 3, 514, 1023])
    idx = torch.tensor([0, 63, 17, 40])
    cell = torch.tensor([0, 1, 500, 1007])
    a = torch.stack([_mib_bits(gen, int(s), 7) for s in sfn])
    got = bch_encode(a, sfn, 1, idx, 7, 64, cell)
    for b in range(4):
        one = bch_encode(a[b], int(sfn[b]), 1, int(idx[b]), 7, 64, int(cell[b]))
        assert torch.equal(got[b], one)


@pytest.mark.parametrize("l_max", [4, 8, 64])
def test_round_trip_all_v(l_max: int) -> None:
    """Encode -> decode for many (SFN, HRF, i_SSB, k_SSB, N_ID) with the 4 values of v; the
    decoder is not told v (nor the SFN, HRF or i_SSB)."""
    gen = torch.Generator().manual_seed(100 + l_max)
    n = 16
    sfn = torch.randint(0, 1024, (n,), generator=gen)
    sfn = (sfn & ~6) | (2 * (torch.arange(n) % 4))             # v = (SFN >> 1) & 3 cycles
    hrf = torch.randint(0, 2, (n,), generator=gen)
    idx = torch.randint(0, l_max, (n,), generator=gen)
    k_ssb = torch.randint(0, 16 if l_max == 64 else 32, (n,), generator=gen)
    cell = torch.randint(0, 1008, (n,), generator=gen)
    a = torch.stack([_mib_bits(gen, int(s), int(k)) for s, k in zip(sfn, k_ssb)])
    cw = bch_encode(a, sfn, hrf, idx, k_ssb, l_max, cell)
    out = bch_decode(_noiseless_llr(cw), cell, l_max)
    assert out.crc_ok.all()
    assert torch.equal(out.mib_bits, a)
    assert torch.equal(out.sfn_lsbs, sfn % 16)
    assert torch.equal(out.half_frame, hrf)
    expected_msb = idx >> 3 if l_max == 64 else k_ssb >> 4
    assert torch.equal(out.msb_idx_offset, expected_msb)
    m = MIB.unpack(out.mib_bits[0], sfn_lsbs=int(out.sfn_lsbs[0]))
    assert m.system_frame_number == int(sfn[0])


def test_decode_with_noise() -> None:
    """BPSK-equivalent LLRs at Es/N0 = 0 dB: the rate-56/864 code decodes every block."""
    gen = torch.Generator().manual_seed(9)
    n, sigma2 = 24, 1.0
    sfn = torch.randint(0, 1024, (n,), generator=gen)
    a = torch.stack([_mib_bits(gen, int(s), 3) for s in sfn])
    cw = bch_encode(a, sfn, 0, 5, 3, 8, 777)
    y = (1.0 - 2.0 * cw.float()) + sigma2 ** 0.5 * torch.randn(cw.shape, generator=gen)
    out = bch_decode(2.0 * y / sigma2, 777, 8)
    assert out.crc_ok.all()
    assert torch.equal(out.mib_bits, a) and torch.equal(out.sfn_lsbs, sfn % 16)


def test_crc_fails_on_garbage_and_cell_id_matters() -> None:
    gen = torch.Generator().manual_seed(2)
    out = bch_decode(torch.randn(4, 864, generator=gen), 0, 8)
    assert not out.crc_ok.any()
    a = _mib_bits(gen, 100, 0)
    cw = bch_encode(a, 100, 0, 0, 0, 8, 10)
    wrong = bch_decode(_noiseless_llr(cw), 11, 8)    # CRC precedes descrambling: still ok
    assert bool(wrong.crc_ok) and not torch.equal(wrong.mib_bits, a)


def test_bad_inputs() -> None:
    a = torch.zeros(24, dtype=torch.uint8)
    with pytest.raises(ValueError, match="24 bits"):
        bch_encode(a[:23], 0, 0, 0, 0, 8, 0)
    with pytest.raises(TypeError, match="mib_bits"):
        bch_encode(a.float(), 0, 0, 0, 0, 8, 0)
    with pytest.raises(ValueError, match="l_max"):
        bch_encode(a, 0, 0, 0, 0, 16, 0)
    with pytest.raises(ValueError, match="ssb_index"):
        bch_encode(a, 0, 0, 8, 0, 8, 0)
    with pytest.raises(ValueError, match="k_ssb"):
        bch_encode(a, 0, 0, 0, 32, 8, 0)
    with pytest.raises(ValueError, match="k_ssb"):
        bch_encode(a, 0, 0, 0, 16, 64, 0)
    with pytest.raises(ValueError, match="half_frame"):
        bch_encode(a, 0, 2, 0, 0, 8, 0)
    with pytest.raises(ValueError, match="n_cell_id"):
        bch_encode(a, 0, 0, 0, 0, 8, 1008)
    with pytest.raises(ValueError, match="sfn"):
        bch_encode(a, 16, 0, 0, 0, 8, 0)                     # SFN MSBs disagree with the MIB
    with pytest.raises(ValueError, match="ssb-SubcarrierOffset"):
        bch_encode(a, 0, 0, 0, 1, 8, 0)
    with pytest.raises(TypeError, match="sfn"):
        bch_encode(a, torch.tensor(1.0), 0, 0, 0, 8, 0)
    with pytest.raises(ValueError, match="broadcast"):
        bch_encode(a.expand(2, 24), torch.tensor([0, 0, 0]), 0, 0, 0, 8, 0)
    with pytest.raises(TypeError, match="llr"):
        bch_decode(torch.zeros(864, dtype=torch.int32), 0, 8)
    with pytest.raises(ValueError, match="864"):
        bch_decode(torch.zeros(863), 0, 8)
    with pytest.raises(ValueError, match="list_length"):
        bch_decode(torch.zeros(864), 0, 8, list_length=3)
