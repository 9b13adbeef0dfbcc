"""CRC-aided SCL polar decoding (MATLAB nrPolarDecode): round trips, the torch reference against
the Numba kernel, list and CRC gains over AWGN, bad inputs."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.coding.crc import crc_encode
from softran.nr.coding.polar import (
    polar_construct,
    polar_decode,
    polar_encode,
    rate_match_polar,
    rate_recover_polar,
)

CRC_NAME = {24: "24C", 11: "11", 6: "6"}


def make_block(a_len: int, crc_len: int, batch: int, seed: int, *, rnti: int = 0,
               pad_crc: bool = False) -> torch.Tensor:
    """Random payloads with their CRC attached (pad_crc: CRC over 24 ones + payload)."""
    a = torch.randint(0, 2, (batch, a_len), generator=torch.Generator().manual_seed(seed),
                      dtype=torch.uint8)
    if pad_crc:
        ones = torch.ones(batch, 24, dtype=torch.uint8)
        return crc_encode(torch.cat([ones, a], -1), CRC_NAME[crc_len], mask=rnti)[:, 24:]
    return crc_encode(a, CRC_NAME[crc_len], mask=rnti)


def awgn_llr(c: torch.Tensor, e: int, n_max: int, i_il: bool, i_bil: bool, esn0_db: float,
             seed: int) -> torch.Tensor:
    """Encode, rate match, BPSK over AWGN at Es/N0, exact LLRs 4y/N0, rate recover."""
    k = c.shape[-1]
    d = polar_encode(c, e, n_max, i_il)
    f = rate_match_polar(d, k, e, i_bil)
    n0 = 10.0 ** (-esn0_db / 10.0)
    gen = torch.Generator().manual_seed(seed)
    y = (1.0 - 2.0 * f.float()) + math.sqrt(n0 / 2.0) * torch.randn(f.shape, generator=gen)
    return rate_recover_polar(4.0 * y / n0, k, d.shape[-1], i_bil)


def block_errors(out: torch.Tensor, c: torch.Tensor) -> int:
    return int((out != c).any(-1).sum())


def z_less(err_a: int, err_b: int, trials: int) -> float:
    """z score of 'rate a < rate b' for two error counts out of ``trials`` each."""
    pa, pb = err_a / trials, err_b / trials
    var = (pa * (1 - pa) + pb * (1 - pb)) / trials
    return (pb - pa) / math.sqrt(max(var, 1.0 / trials ** 2))


# ------------------------------------------------------------------------ noiseless round trips

@pytest.mark.parametrize(("a_len", "crc_len", "e", "n_max", "i_il", "i_bil"), [
    (32, 24, 864, 9, True, False),       # PBCH
    (40, 24, 108, 9, True, False),       # DCI, aggregation level 1
    (40, 24, 216, 9, True, False),
    (16, 24, 56, 9, True, False),        # shortening
    (60, 24, 864, 9, True, False),
    (140, 24, 300, 9, True, False),      # K = 164, I_IL limit
    (12, 6, 30, 10, False, True),        # UCI K = 18 with PC, shortening
    (14, 6, 100, 10, False, True),       # UCI with PC, puncturing
    (19, 6, 400, 10, False, True),       # UCI K = 25 with PC incl. the n_PC^wm bit
    (30, 11, 160, 10, False, True),      # UCI, CRC11
    (300, 11, 1500, 10, False, True),    # UCI, N = 1024
])
@pytest.mark.parametrize("list_length", [1, 8])
def test_noiseless_round_trip(a_len: int, crc_len: int, e: int, n_max: int, i_il: bool,
                              i_bil: bool, list_length: int) -> None:
    c = make_block(a_len, crc_len, 20, seed=a_len + e)
    k = c.shape[-1]
    d = polar_encode(c, e, n_max, i_il)
    llr = rate_recover_polar(3.0 * (1.0 - 2.0 * rate_match_polar(d, k, e, i_bil).float()),
                             k, d.shape[-1], i_bil)
    out = polar_decode(llr, k, e, list_length, n_max, i_il, crc_len)
    assert out.dtype == torch.uint8 and out.shape == c.shape
    assert torch.equal(out, c)


def test_noiseless_round_trip_torch_kernel_and_batch_dims() -> None:
    c = make_block(40, 24, 6, seed=1).reshape(2, 3, 64)
    llr = 1.0 - 2.0 * polar_encode(c, 120).float()
    for kernel in ("torch", "numba"):
        assert torch.equal(polar_decode(llr, 64, 120, 4, kernel=kernel), c)


def test_pc_bits_are_used_by_the_decoder() -> None:
    """With PC bits a path that breaks a parity check pays for it: decoding the code with the
    wrong (no-PC) construction fails noiselessly, the right one succeeds."""
    c = make_block(14, 6, 30, seed=5)
    llr = 1.0 - 2.0 * polar_encode(c, 100, 10, False).float()
    assert torch.equal(polar_decode(llr, 20, 100, 8, 10, False, 6), c)
    _, q_pc, _ = polar_construct(20, 100, 10)
    assert q_pc.numel() == 3
    wrong = polar_decode(llr, 20, 100, 8, 10, False, 6, n_pc=3, n_pc_wm=1)
    assert block_errors(wrong, c) > 0


def test_dci_rnti_and_padded_crc() -> None:
    rnti = 0x4601
    c = make_block(40, 24, 50, seed=9, rnti=rnti, pad_crc=True)
    llr = awgn_llr(c, 108, 9, True, False, esn0_db=-1.0, seed=2)
    right = polar_decode(llr, 64, 108, 8, rnti=rnti, pad_crc=True)
    wrong = polar_decode(llr, 64, 108, 8, rnti=rnti)             # CRC never passes
    assert block_errors(right, c) < block_errors(wrong, c)
    noiseless = 1.0 - 2.0 * polar_encode(c, 108).float()
    assert torch.equal(polar_decode(noiseless, 64, 108, 8, rnti=rnti, pad_crc=True), c)


# ------------------------------------------------------------- torch reference == Numba kernel

@pytest.mark.parametrize(("a_len", "crc_len", "e", "n_max", "i_il", "i_bil", "esn0"), [
    (32, 24, 864, 9, True, False, -12.0),
    (40, 24, 108, 9, True, False, -1.0),
    (14, 6, 100, 10, False, True, -3.0),
    (19, 6, 400, 10, False, True, -8.0),
])
@pytest.mark.parametrize("list_length", [1, 2, 8, 32])
def test_torch_and_numba_give_identical_bits(a_len: int, crc_len: int, e: int, n_max: int,
                                             i_il: bool, i_bil: bool, esn0: float,
                                             list_length: int) -> None:
    c = make_block(a_len, crc_len, 24, seed=11)
    k = c.shape[-1]
    llr = awgn_llr(c, e, n_max, i_il, i_bil, esn0, seed=12)
    kw = {"list_length": list_length, "n_max": n_max, "i_il": i_il, "crc_len": crc_len}
    a = polar_decode(llr, k, e, kernel="torch", **kw)
    b = polar_decode(llr, k, e, kernel="numba", **kw)
    assert torch.equal(a, b)


def test_internal_paths_identical() -> None:
    """Path metrics and codeword estimates of every list entry agree, not only the winner."""
    from softran.nr.coding.polar.construct import polar_code
    from softran.nr.coding.polar.decode import _roles, _scl_torch
    from softran.nr.coding.polar.decode_kernels import scl_decode_blocks

    c = make_block(32, 24, 16, seed=3)
    llr = awgn_llr(c, 864, 9, True, False, -12.0, seed=4).float()
    code = polar_code(56, 864, 9, None, None, True)
    x1, pm1 = _scl_torch(llr, code, 8)
    x2, pm2 = scl_decode_blocks(llr.contiguous(), _roles(code), code.n_log2, 8)
    assert torch.equal(x1, x2) and torch.equal(pm1, pm2)
    assert bool((pm1[:, 1:] >= pm1[:, :-1]).all())        # sorted, best first


# ---------------------------------------------------------------------------- AWGN statistics

TRIALS = 600


def pbch_errors(list_length: int, esn0_db: float, crc_len: int = 24, trials: int = TRIALS,
                seed: int = 0) -> int:
    c = make_block(32, 24, trials, seed=seed)
    llr = awgn_llr(c, 864, 9, True, False, esn0_db, seed=seed + 1)
    return block_errors(polar_decode(llr, 56, 864, list_length, crc_len=crc_len), c)


def test_scl_beats_sc() -> None:
    """PBCH (K = 56, E = 864) at Es/N0 = -11 dB: SC fails ~25 %, CA-SCL with L = 8 ~2 %;
    require the gap to be 4 standard deviations of the difference of the two estimates."""
    e1 = pbch_errors(1, -11.0)
    e8 = pbch_errors(8, -11.0)
    assert z_less(e8, e1, TRIALS) > 4.0


def test_crc_aided_selection_beats_plain_scl() -> None:
    """Same LLRs, L = 8: picking the best path that passes the CRC beats the best metric."""
    plain = pbch_errors(8, -12.0, crc_len=0)
    aided = pbch_errors(8, -12.0, crc_len=24)
    assert aided < plain
    assert z_less(aided, plain, TRIALS) > 3.0


@pytest.mark.slow
def test_list_8_within_0p3_db_of_list_32() -> None:
    """L = 8 at Es/N0 + 0.3 dB does at least as well as L = 32 at Es/N0 (PBCH, CA-SCL),
    within 3 standard deviations."""
    trials = 4000
    e32 = pbch_errors(32, -12.0, trials=trials, seed=20)
    e8 = pbch_errors(8, -11.7, trials=trials, seed=30)
    assert z_less(e32, e8, trials) < 3.0


# ------------------------------------------------------------------------------- bad inputs

def test_bad_inputs() -> None:
    llr = torch.zeros(512)
    with pytest.raises(ValueError, match="list_length"):
        polar_decode(llr, 56, 864, 3)
    with pytest.raises(ValueError, match="list_length"):
        polar_decode(llr, 56, 864, 64)
    with pytest.raises(ValueError, match="k = 57"):
        polar_decode(llr, 57, 56)                                # K > E
    with pytest.raises(ValueError, match="e"):
        polar_decode(torch.zeros(1024), 56, 8193, n_max=10)      # E > 8192
    with pytest.raises(ValueError, match="N = 512"):
        polar_decode(torch.zeros(256), 56, 864)                  # wrong N
    with pytest.raises(ValueError, match="crc_len"):
        polar_decode(llr, 56, 864, crc_len=16)
    with pytest.raises(ValueError, match="kernel"):
        polar_decode(llr, 56, 864, kernel="cuda")
    with pytest.raises(TypeError):
        polar_decode(torch.zeros(512, dtype=torch.uint8), 56, 864)
    with pytest.raises(ValueError, match="rnti"):
        polar_decode(llr, 56, 864, crc_len=6, rnti=100)


def test_nan_llrs_are_refused_and_infinite_ones_decode():
    c = crc_encode(torch.zeros(1, 32, dtype=torch.uint8), "24C")
    llr = torch.where(polar_encode(c, 864) == 0, float("inf"), -float("inf"))   # certain bits
    assert bool((polar_decode(llr, 56, 864) == c).all())
    llr[0, 3] = float("nan")
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index \(0, 3\)\)"):
        polar_decode(llr, 56, 864)


@pytest.mark.parametrize("seed", range(6))
def test_kernel_equals_reference_on_random_llrs(seed: int) -> None:
    """The Numba kernel (born-path bookkeeping, insertion sort, u traced back) against the
    torch reference on random codes and LLRs: every path's metric and codeword, and u = x G_N.
    Half the draws carry LLRs of +-inf or 1e35 (the kernel then computes every row) and the
    small K (fewer information bits than log2 L: some paths are never born)."""
    from softran.nr.coding.polar.construct import polar_code
    from softran.nr.coding.polar.decode import _roles, _scl_torch
    from softran.nr.coding.polar.decode_kernels import scl_decode_blocks
    from softran.nr.coding.polar.encode import polar_transform

    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(4):
        uci = bool(torch.randint(0, 2, (1,), generator=gen))
        k = int(torch.randint(1, 40, (1,), generator=gen))
        e = k + int(torch.randint(0, 300, (1,), generator=gen))
        code = polar_code(k, e, 10 if uci else 9, None if uci else 0, None if uci else 0,
                          i_il=not uci)
        llr = torch.randn(8, code.n, generator=gen) * float(torch.rand(1, generator=gen) * 4)
        llr += float(torch.randn(1, generator=gen))
        if seed % 2:
            pick = torch.rand(llr.shape, generator=gen)
            llr[pick < 0.01] = float("inf")
            llr[(pick > 0.01) & (pick < 0.02)] = -float("inf")
            llr[(pick > 0.02) & (pick < 0.03)] = 1e35
        for n_list in (1, 2, 8, 32):
            x1, pm1 = _scl_torch(llr, code, n_list)
            x2, pm2, u2 = scl_decode_blocks(llr.contiguous(), _roles(code), code.n_log2, n_list,
                                            with_u=True)
            assert torch.equal(x1, x2), (k, e, n_list)
            same = (pm1 == pm2) | (pm1.isnan() & pm2.isnan())
            assert bool(same.all()), (k, e, n_list)
            assert torch.equal(u2, polar_transform(x1)), (k, e, n_list)
