"""DCI channel coding (TS 38.212 §7.3; MATLAB nrDCIEncode / nrDCIDecode): the CRC with the
24-ones prefix and the RNTI mask worked by hand, round trips, wrong RNTIs, bad inputs."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softran.nr.coding.dci import dci_decode, dci_encode
from softran.nr.coding.polar import polar_encode, rate_match_polar

#: g_CRC24C(D) of TS 38.212 §5.1, coefficients of D^24 .. D^0.
G_CRC24C = [1 if e in (24, 23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0) else 0
            for e in range(24, -1, -1)]


def crc24c_by_hand(bits: list[int]) -> list[int]:
    """Parity bits p_0..p_23 of TS 38.212 §5.1 by long division of bits(D) D^24 by g(D)."""
    reg = list(bits) + [0] * 24
    for i in range(len(bits)):
        if reg[i]:
            for j, g in enumerate(G_CRC24C):
                reg[i + j] ^= g
    return reg[-24:]


def dci_c_by_hand(a: list[int], rnti: int) -> list[int]:
    """c_0..c_{K-1} of TS 38.212 §7.3.1 - §7.3.2: pad to 12, CRC over 24 ones + a, RNTI on
    the last 16 parity bits (x_rnti,0 = most significant bit)."""
    a = a + [0] * max(0, 12 - len(a))
    p = crc24c_by_hand([1] * 24 + a)
    x_rnti = [(rnti >> (15 - i)) & 1 for i in range(16)]
    return a + p[:8] + [p[8 + i] ^ x_rnti[i] for i in range(16)]


def rand_bits(*shape: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=torch.Generator().manual_seed(seed),
                         dtype=torch.uint8)


def to_llr(cw: torch.Tensor, amp: float = 8.0) -> torch.Tensor:
    return amp * (1.0 - 2.0 * cw.float())


# ------------------------------------------------------------------------------ CRC and mask

@pytest.mark.parametrize(("a_len", "rnti"), [(20, 0x4601), (12, 0), (5, 0xFFFF), (39, 1234)])
def test_encode_matches_crc_by_hand(a_len: int, rnti: int) -> None:
    a = rand_bits(a_len, seed=a_len)
    c = torch.tensor(dci_c_by_hand(a.tolist(), rnti), dtype=torch.uint8)
    e = 216
    expected = rate_match_polar(polar_encode(c, e, 9, True, n_pc=0, n_pc_wm=0), c.numel(), e)
    assert torch.equal(dci_encode(a, rnti, e), expected)


def test_ones_prefix_matters() -> None:
    """The CRC over 24 ones + a differs from the CRC over a alone (else the prefix would be
    a no-op), checked on the hand CRC: the encoder follows the prefixed one."""
    a = rand_bits(30, seed=3).tolist()
    assert crc24c_by_hand([1] * 24 + a) != crc24c_by_hand(a)
    c_plain = a + crc24c_by_hand(a)
    e = 108
    wrong = rate_match_polar(polar_encode(torch.tensor(c_plain, dtype=torch.uint8), e, 9, True,
                                          n_pc=0, n_pc_wm=0), 54, e)
    assert not torch.equal(dci_encode(torch.tensor(a, dtype=torch.uint8), 0, e), wrong)


def test_short_payload_is_zero_padded() -> None:
    a = torch.tensor([1, 0, 1, 1, 1], dtype=torch.uint8)
    padded = torch.cat([a, torch.zeros(7, dtype=torch.uint8)])
    assert torch.equal(dci_encode(a, 77, 108), dci_encode(padded, 77, 108))
    bits, mask = dci_decode(to_llr(dci_encode(a, 77, 108)), 5, 77)
    assert torch.equal(bits, a) and int(mask) == 0


# ------------------------------------------------------------------------------ round trips

@pytest.mark.parametrize(("a_len", "al"), [(a, al) for a in (12, 20, 39, 40, 60, 140)
                                            for al in (1, 2, 4, 8, 16) if a + 24 <= 108 * al])
def test_round_trip(a_len: int, al: int) -> None:
    e = 108 * al
    rnti = 1000 + a_len * al
    a = rand_bits(3, a_len, seed=a_len + al)
    cw = dci_encode(a, rnti, e)
    assert cw.shape == (3, e) and cw.dtype == torch.uint8
    bits, mask = dci_decode(to_llr(cw), a_len, rnti)
    assert torch.equal(bits, a)
    assert mask.tolist() == [0, 0, 0]


def test_wrong_rnti_fails_and_rnti_zero_recovers_it() -> None:
    a = rand_bits(4, 40, seed=9)
    llr = to_llr(dci_encode(a, 0x1234, 216))
    bits, mask = dci_decode(llr, 40, 0x1235)
    assert torch.equal(bits, a)                       # noiseless: the codeword is found ...
    assert mask.tolist() == [0x1234 ^ 0x1235] * 4     # ... but its CRC fails for this RNTI
    assert dci_decode(llr, 40, 0)[1].tolist() == [0x1234] * 4   # MATLAB's mask output


def test_awgn_round_trip_at_moderate_snr() -> None:
    """QPSK-equivalent BPSK LLRs at Es/N0 = 0 dB per bit, AL 2: CA-SCL L = 8 decodes all."""
    a = rand_bits(50, 39, seed=5)
    cw = dci_encode(a, 0xBEEF, 216)
    gen = torch.Generator().manual_seed(6)
    n0 = 1.0
    y = (1.0 - 2.0 * cw.float()) + math.sqrt(n0 / 2) * torch.randn(cw.shape, generator=gen)
    bits, mask = dci_decode(4.0 * y / n0, 39, 0xBEEF)
    assert torch.equal(bits, a) and bool((mask == 0).all())


@settings(max_examples=15, deadline=None)
@given(a_len=st.integers(1, 140), al=st.sampled_from([2, 4, 8, 16]),
       rnti=st.integers(0, 65535), seed=st.integers(0, 1000))
def test_round_trip_property(a_len: int, al: int, rnti: int, seed: int) -> None:
    e = 108 * al
    assume(max(a_len, 12) + 24 <= e)
    a = rand_bits(a_len, seed=seed)
    bits, mask = dci_decode(to_llr(dci_encode(a, rnti, e)), a_len, rnti, 4)
    assert torch.equal(bits, a) and int(mask) == 0


def test_torch_and_numba_kernels_agree() -> None:
    a = rand_bits(6, 30, seed=11)
    gen = torch.Generator().manual_seed(1)
    llr = to_llr(dci_encode(a, 5, 432), 1.0) + torch.randn(6, 432, generator=gen)
    b1, m1 = dci_decode(llr, 30, 5, kernel="torch")
    b2, m2 = dci_decode(llr, 30, 5, kernel="numba")
    assert torch.equal(b1, b2) and torch.equal(m1, m2)


# ------------------------------------------------------------------------------ bad inputs

def test_bad_inputs() -> None:
    a = rand_bits(20, seed=0)
    with pytest.raises(TypeError, match="dci_bits"):
        dci_encode(a.float(), 1, 108)
    with pytest.raises(ValueError, match="A"):
        dci_encode(torch.zeros(0, dtype=torch.uint8), 1, 108)
    with pytest.raises(ValueError, match="A"):
        dci_encode(rand_bits(141, seed=0), 1, 864)
    with pytest.raises(ValueError, match="rnti"):
        dci_encode(a, 65536, 108)
    with pytest.raises(TypeError, match="rnti"):
        dci_encode(a, 1.5, 108)
    with pytest.raises(ValueError, match="e = 40"):
        dci_encode(a, 1, 40)
    with pytest.raises(ValueError, match="e"):
        dci_encode(a, 1, 9000)
    llr = torch.zeros(108)
    with pytest.raises(TypeError, match="llr"):
        dci_decode(llr.to(torch.int32), 20, 1)
    with pytest.raises(ValueError, match="k"):
        dci_decode(llr, 0, 1)
    with pytest.raises(ValueError, match="k"):
        dci_decode(llr, 141, 1)
    with pytest.raises(ValueError, match="e = 108"):
        dci_decode(llr, 100, 1)
    with pytest.raises(ValueError, match="list_length"):
        dci_decode(llr, 20, 1, 3)
    with pytest.raises(TypeError, match="llr"):
        dci_decode([0.0] * 108, 20, 1)
