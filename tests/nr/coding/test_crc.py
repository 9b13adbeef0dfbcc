"""Tests of softran.nr.coding.crc against TS 38.212 §5.1 by long division written in the test."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.crc import crc_decode, crc_encode, crc_length, crc_parity

# TS 38.212 §5.1, g_CRC(D) as the exponents of the non-zero terms (typed from the clause).
G = {
    "24A": [24, 23, 18, 17, 14, 11, 10, 7, 6, 5, 4, 3, 1, 0],
    "24B": [24, 23, 6, 5, 1, 0],
    "24C": [24, 23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0],
    "16": [16, 12, 5, 0],
    "11": [11, 10, 9, 5, 0],
    "6": [6, 5, 0],
}
POLYS = list(G)


def long_division(a: list[int], poly: str) -> list[int]:
    """p_0..p_{L-1}: remainder of a_0 D^{A+L-1} + ... + a_{A-1} D^L by g(D), bit-serially."""
    big_l = G[poly][0]
    reg = list(a) + [0] * big_l
    for i in range(len(a)):
        if reg[i]:
            for e in G[poly]:                   # subtract g(D) aligned at D^{A+L-1-i}
                reg[i + big_l - e] ^= 1
    return reg[len(a):]


def bytewise_crc(a: np.ndarray, poly: str) -> int:
    """Same remainder by the classic MSB-first byte table (L >= 8), as an L-bit integer."""
    big_l = G[poly][0]
    top, full = 1 << (big_l - 1), (1 << big_l) - 1
    low = sum(1 << e for e in G[poly] if e < big_l)
    table = []
    for v in range(256):
        r = v << (big_l - 8)
        for _ in range(8):
            r = ((r << 1) ^ low) & full if r & top else (r << 1) & full
        table.append(r)
    pad = (-len(a)) % 8                         # leading zeros do not change the remainder
    data = np.packbits(np.concatenate([np.zeros(pad, np.uint8), a]))
    r = 0
    for byte in data.tolist():
        r = ((r << 8) & full) ^ table[((r >> (big_l - 8)) ^ byte) & 0xFF]
    return r


def to_int(bits: list[int] | torch.Tensor) -> int:
    return int("".join(str(int(b)) for b in bits) or "0", 2)


def rand_bits(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=torch.Generator().manual_seed(seed),
                         dtype=torch.uint8)


# --------------------------------------------------------------------------- encoding


@given(poly=st.sampled_from(POLYS), k=st.integers(0, 2600), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=80, deadline=None)
def test_parity_matches_long_division(poly: str, k: int, seed: int) -> None:
    a = rand_bits((k,), seed)
    out = crc_encode(a, poly)
    big_l = crc_length(poly)
    assert out.dtype == torch.uint8 and out.shape == (k + big_l,)
    assert torch.equal(out[:k], a)
    assert out[k:].tolist() == long_division(a.tolist(), poly)


@pytest.mark.parametrize("poly", POLYS)
@pytest.mark.parametrize("k", [1, 1023, 1024, 1025, 2048, 3 * 1024 + 5, 8448, 17 * 1024 + 1])
def test_parity_at_block_boundaries(poly: str, k: int) -> None:
    a = rand_bits((k,), k)
    assert crc_encode(a, poly)[k:].tolist() == long_division(a.tolist(), poly)


def test_small_example_by_hand() -> None:
    # a = 1011: a(D) D^6 = D^9 + D^7 + D^6; with D^6 = D^5 + 1 mod g_CRC6:
    # D^7 = D^5 + D + 1, D^9 = D^5 + D^3 + D^2 + D + 1, so the remainder is D^5 + D^3 + D^2 + 1
    out = crc_encode(torch.tensor([1, 0, 1, 1], dtype=torch.uint8), "6")
    assert out[4:].tolist() == [1, 0, 1, 1, 0, 1]


@pytest.mark.parametrize(("poly", "check"), [("24A", 0xCDE703), ("24B", 0x23EF52),
                                             ("16", 0x31C3)])
def test_catalogue_check_values(poly: str, check: int) -> None:
    # CRC RevEng catalogue, check value over ASCII "123456789" (MSB first, init 0, no xorout):
    # CRC-24/LTE-A (poly 0x864cfb) 0xcde703, CRC-24/LTE-B (0x800063) 0x23ef52,
    # CRC-16/XMODEM (0x1021) 0x31c3 -- the same g(D) as g_CRC24A, g_CRC24B, g_CRC16.
    msg = np.unpackbits(np.frombuffer(b"123456789", dtype=np.uint8))
    out = crc_encode(torch.from_numpy(msg), poly)
    assert to_int(out[72:]) == check


def test_max_transport_block_crc24a() -> None:
    k = 1_277_992                               # largest TBS (TS 38.214) before CRC24A
    a = rand_bits((k,), 7)
    out = crc_encode(a, "24A")
    assert to_int(out[k:]) == bytewise_crc(a.numpy(), "24A")
    assert crc_decode(out, "24A")[1].item() == 0


@pytest.mark.parametrize("poly", POLYS)
def test_all_zero_message_has_zero_crc(poly: str) -> None:
    for k in (0, 1, 100, 5000):
        out = crc_encode(torch.zeros(2, k, dtype=torch.uint8), poly)
        assert not out.any()


@pytest.mark.parametrize("poly", POLYS)
def test_batched_equals_rowwise(poly: str) -> None:
    a = rand_bits((2, 3, 1500), 3)
    out = crc_encode(a, poly)
    assert out.shape == (2, 3, 1500 + crc_length(poly))
    for i in range(2):
        for j in range(3):
            assert torch.equal(out[i, j], crc_encode(a[i, j], poly))
    data, err = crc_decode(out, poly)
    assert torch.equal(data, a) and err.shape == (2, 3) and err.dtype == torch.int64
    assert not err.any()


def test_bool_and_int_inputs() -> None:
    a = rand_bits((50,), 1)
    assert torch.equal(crc_encode(a.bool(), "11"), crc_encode(a, "11"))
    assert torch.equal(crc_encode(a.to(torch.int64), "24c"), crc_encode(a, "24C"))


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("poly", POLYS)
def test_single_bit_errors_detected(poly: str) -> None:
    k = 40
    cw = crc_encode(rand_bits((k,), 5), poly)
    n = cw.shape[-1]
    flips = cw.repeat(n, 1)
    flips[torch.arange(n), torch.arange(n)] ^= 1  # row r has bit r flipped
    data, err = crc_decode(flips, poly)
    assert (err != 0).all()
    # the syndrome of an error in parity bit p_i is the single bit 2^(L-1-i)
    big_l = crc_length(poly)
    assert err[k:].tolist() == [1 << (big_l - 1 - i) for i in range(big_l)]
    assert crc_decode(cw, poly)[1].item() == 0


@given(poly=st.sampled_from(POLYS), k=st.integers(0, 1200), data=st.data())
@settings(max_examples=40, deadline=None)
def test_mask_round_trip(poly: str, k: int, data: st.DataObject) -> None:
    big_l = crc_length(poly)
    mask = data.draw(st.integers(0, 2 ** big_l - 1))
    a = rand_bits((3, k), k)
    cw = crc_encode(a, poly, mask=mask)
    # the mask is XORed onto the parity bits, MSB onto p_0
    plain = crc_encode(a, poly)
    assert to_int(cw[0, k:]) == to_int(plain[0, k:]) ^ mask
    d, err = crc_decode(cw, poly, mask=mask)
    assert torch.equal(d, a) and not err.any()
    assert crc_decode(cw, poly)[1].tolist() == [mask] * 3


def test_rnti_mask_on_last_16_bits_of_crc24c() -> None:
    # TS 38.212 §7.3.2: c_k = b_k + x_rnti,(k-A-8) for k = A+8 .. A+23 (x_rnti,0 = MSB)
    rnti = 0x4601
    a = rand_bits((39,), 2)
    plain, masked = crc_encode(a, "24C"), crc_encode(a, "24C", mask=rnti)
    x_rnti = [(rnti >> (15 - i)) & 1 for i in range(16)]
    assert torch.equal(masked[:39 + 8], plain[:39 + 8])
    assert (masked[39 + 8:] ^ plain[39 + 8:]).tolist() == x_rnti
    assert crc_decode(masked, "24C")[1].item() == rnti


# ------------------------------------------------------------------------- bad inputs


def test_bad_inputs() -> None:
    a = torch.zeros(10, dtype=torch.uint8)
    with pytest.raises(ValueError, match="24A"):
        crc_encode(a, "24D")
    with pytest.raises(ValueError, match="poly"):
        crc_decode(a, "32")
    with pytest.raises(TypeError):
        crc_encode(a, 16)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mask"):
        crc_encode(a, "16", mask=1 << 16)
    with pytest.raises(ValueError, match="mask"):
        crc_decode(crc_encode(a, "6"), "6", mask=-1)
    with pytest.raises(TypeError, match="mask"):
        crc_encode(a, "16", mask=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        crc_encode(torch.zeros(10), "16")
    with pytest.raises(ValueError, match="0 and 1"):
        crc_encode(torch.tensor([0, 2], dtype=torch.uint8), "16")
    with pytest.raises(ValueError, match="0 and 1"):
        crc_decode(torch.full((30,), 2, dtype=torch.uint8), "16")
    with pytest.raises(ValueError, match="shorter"):
        crc_decode(torch.zeros(5, dtype=torch.uint8), "6")
    with pytest.raises(TypeError):
        crc_encode([0, 1], "6")  # type: ignore[arg-type]


def test_random_long_messages_against_long_division() -> None:
    rng = random.Random(0)
    for poly in POLYS:
        k = rng.randrange(3000, 12000)
        a = rand_bits((k,), k)
        assert crc_encode(a, poly)[k:].tolist() == long_division(a.tolist(), poly)


@given(poly=st.sampled_from(POLYS), k=st.integers(1, 5000), batch=st.integers(1, 4),
       seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=60, deadline=None)
def test_byte_table_path_equals_matrix_path(poly: str, k: int, batch: int, seed: int) -> None:
    """The CPU byte-table CRC and the matrix method (every device) give the same bits."""
    from softran.nr.coding.crc import _remainder

    gen = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (batch, k), dtype=torch.uint8, generator=gen)
    assert torch.equal(_remainder(bits, poly), _remainder(bits, poly, table=False))


@pytest.mark.parametrize("poly", ["6", "11", "16", "24A", "24B", "24C"])
@pytest.mark.parametrize("k, offset, dtype", [(0, 0, torch.uint8), (7, 1, torch.uint8),
                                              (64, 3, torch.int8), (1000, 0, torch.bool),
                                              (18960, 5, torch.uint8)])
def test_decode_kernel_equals_matrix_path(poly: str, k: int, offset: int, dtype) -> None:
    # the CPU kernel of crc_decode (message rows at any byte offset) against the matrix
    # method: err = recomputed parity XOR received parity XOR mask, on random (mostly
    # failing) parity bits
    from softran.nr.coding.crc import _remainder

    big_l = crc_length(poly)
    gen = torch.Generator().manual_seed(k + offset)
    raw = torch.randint(0, 2, (3, offset + k + big_l), generator=gen, dtype=torch.uint8)
    bits = raw[:, offset:]                                  # not contiguous when offset > 0
    mask = (1 << big_l) - 3
    data, err = crc_decode(bits.to(dtype), poly, mask=mask)
    syn = _remainder(bits[:, :k], poly, table=False) ^ bits[:, k:]
    weights = 2 ** torch.arange(big_l - 1, -1, -1)
    assert data.dtype == torch.uint8 and torch.equal(data, bits[:, :k])
    assert torch.equal(err, (syn.long() * weights).sum(-1) ^ mask)
    mask_bits = (mask >> torch.arange(big_l - 1, -1, -1)) & 1
    parity = crc_parity(bits[:, :k].to(torch.bool), poly, mask=mask)   # bool: the kernel
    assert torch.equal(parity, _remainder(bits[:, :k], poly, table=False) ^ mask_bits)
    if k:                                                   # crc_encode's kernel too
        enc = crc_encode(bits[:, :k].to(dtype) if dtype != torch.int8 else bits[:, :k], poly,
                         mask=mask)
        assert torch.equal(enc, torch.cat([bits[:, :k], parity], dim=-1))
    one = raw[0].clone()[offset:]                           # contiguous, starts at offset
    assert torch.equal(crc_parity(one[:k].view(torch.bool), poly, mask=mask), parity[0])
    assert torch.equal(crc_decode(one.to(dtype), poly, mask=mask)[1], err[0])
    bad = bits.to(torch.int8).clone()
    bad[1, -1] = -1
    with pytest.raises(ValueError, match="bits must contain only 0 and 1, found -1"):
        crc_decode(bad, poly)


@pytest.mark.parametrize("poly_a, poly_b", [("24A", "24B"), ("16", "24B"), ("24B", "11"),
                                            ("24C", "6")])
def test_pair_table_registers_equal_the_two_single_registers(poly_a, poly_b) -> None:
    """crc_registers_continue with the pair table (the data-only bytes looked up once for
    both CRCs) gives the registers of crc_register_continue for each CRC (TS 38.212 §5.1),
    continuing from registers of earlier bits, for lengths that are and are not multiples of
    8 and 64, and CRC parity bits equal to crc_parity's; and the same registers by
    crc_registers_continue_packed (64 bits packed at a time by a byte mask, the registers
    run reflected)."""
    from softran.nr.coding.crc import (
        crc_byte_tables,
        crc_pair_table,
        crc_pair_tables_reflected,
        crc_register_continue,
        crc_registers_continue,
        crc_registers_continue_packed,
    )

    ta, ga = crc_byte_tables(poly_a)
    tb, gb = crc_byte_tables(poly_b)
    pair = crc_pair_table(ta, tb)
    refl = crc_pair_tables_reflected(ta, tb)
    rng = np.random.default_rng(18)
    for n in (0, 7, 63, 64, 65, 127, 200, 1000, 8424, 8448):
        bits = rng.integers(0, 2, n + 64).astype(np.uint8)
        head, body = bits[:64], bits[64:]
        ra0 = crc_register_continue(head, 64, ta, ga, 0)
        rb0 = crc_register_continue(head, 64, tb, gb, 0)
        want = (crc_register_continue(body, n, ta, ga, ra0),
                crc_register_continue(body, n, tb, gb, rb0))
        assert crc_registers_continue(body, n, ta, ga, ra0, tb, gb, rb0, pair) == want
        assert crc_registers_continue(body, n, ta, ga, ra0, tb, gb, rb0) == want
        assert crc_registers_continue_packed(body, n, ta, ga, ra0, tb, gb, rb0, refl) == want
        # the register of the whole message is its CRC parity, bit p_t at bit 31 - t
        ra, rb = crc_registers_continue(bits, n + 64, ta, ga, 0, tb, gb, 0, pair)
        assert crc_registers_continue_packed(bits, n + 64, ta, ga, 0, tb, gb, 0,
                                             refl) == (ra, rb)
        for reg, poly in ((ra, poly_a), (rb, poly_b)):
            ref = crc_parity(torch.from_numpy(bits), poly).numpy()
            got = [(reg >> (31 - t)) & 1 for t in range(crc_length(poly))]
            assert got == ref.tolist()


def test_pair_table_refuses_what_it_cannot_pair() -> None:
    """crc_pair_table takes two [8, 256] integer tables of CRCs with L <= 24 (a low byte of
    0); anything else would give wrong CRCs later, so it is refused, naming the table."""
    from softran.nr.coding.crc import crc_byte_tables, crc_pair_table

    ta, _ = crc_byte_tables("24A")
    for bad in (ta[:4], ta.astype(np.float64), ta | 1, -ta, [[0] * 256] * 8):
        with pytest.raises(ValueError, match="table_b must be an integer"):
            crc_pair_table(ta, bad)
    with pytest.raises(ValueError, match="table_a must be"):
        crc_pair_table(ta | 1, ta)

