"""PDCCH scrambling / modulation (TS 38.211 §7.3.2.3-4), resource mapping (§7.3.2.2, §7.3.2.5)
and DM-RS (§7.4.1.3) against the clauses written out by hand, with a brute-force mapper."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softran.nr.config import CarrierConfig
from softran.nr.modulation import symbol_demodulate
from softran.nr.pdcch.chain import pdcch, pdcch_decode, pdcch_dmrs, pdcch_dmrs_c_init, pdcch_indices
from softran.nr.pdcch.coreset import CORESETConfig


def gold(c_init: int, n: int) -> list[int]:
    """c(0..n-1) of TS 38.211 §5.2.1, bit by bit."""
    n_c = 1600
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    for k in range(n + n_c):
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[k + n_c] + x2[k + n_c]) % 2 for k in range(n)]


def brute_force_mapping(carrier: CarrierConfig, cs: CORESETConfig, first_cce: int, al: int,
                        start_symbol: int) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Data REs (sorted l K + k) and DM-RS REs (l K + k, l, m) of TS 38.211 §7.3.2.2 /
    §7.3.2.5 / §7.4.1.3.2, REG by REG with Python loops."""
    big_l, dur = cs.reg_bundle_size, cs.duration
    n_reg = cs.n_rb * dur
    n_bundles = n_reg // big_l
    n_shift = cs.shift_index if cs.shift_index is not None else carrier.n_cell_id

    def f(x: int) -> int:
        if cs.cce_reg_mapping == "noninterleaved":
            return x
        r_size = cs.interleaver_size
        c_size = n_bundles // r_size
        c, r = divmod(x, r_size)
        return (r * c_size + c + n_shift) % n_bundles

    rbs = []                                           # the CORESET's CRBs in order
    start = cs.n_start_bwp if cs.coreset_id == 0 else 6 * math.ceil(cs.n_start_bwp / 6)
    for i, bit in enumerate(cs.frequency_resources):
        if bit:
            rbs += [start + 6 * i + j for j in range(6)]
    data, dmrs = [], []
    k_size = 12 * carrier.n_size_grid
    for j in range(first_cce, first_cce + al):
        for x in range(6 * j // big_l, 6 * j // big_l + 6 // big_l):
            for reg in range(f(x) * big_l, f(x) * big_l + big_l):
                rb, sym = divmod(reg, dur)             # time-first numbering
                crb = rbs[rb]
                l = start_symbol + sym
                for k in range(12):
                    lin = l * k_size + 12 * (crb - carrier.n_start_grid) + k
                    if k in (1, 5, 9):
                        n = crb - (rbs[0] if cs.coreset_id == 0 else 0)
                        dmrs.append((lin, l, 3 * n + (k - 1) // 4))
                    else:
                        data.append(lin)
    return sorted(data), sorted(dmrs)


# ------------------------------------------------------------------------------ scrambling

@pytest.mark.parametrize(("n_id", "n_rnti"), [(0, 1), (17, 0), (1007, 0x4601), (65535, 65535)])
def test_scrambling_matches_formula(n_id: int, n_rnti: int) -> None:
    """c_init = (n_RNTI 2^16 + n_ID) mod 2^31; QPSK of zeros XOR c gives back c."""
    c_init = (n_rnti * 2 ** 16 + n_id) % 2 ** 31
    b = torch.randint(0, 2, (40,), generator=torch.Generator().manual_seed(n_id),
                      dtype=torch.uint8)
    sym = pdcch(b, n_id, n_rnti)
    c = torch.tensor(gold(c_init, 40), dtype=torch.uint8)
    assert torch.equal(symbol_demodulate(sym, "QPSK"), b ^ c)
    assert sym.dtype == torch.complex64 and sym.shape == (20,)
    assert torch.allclose(sym.abs(), torch.ones(20))


def test_decode_gives_descrambled_llrs() -> None:
    b = torch.randint(0, 2, (3, 108), generator=torch.Generator().manual_seed(2),
                      dtype=torch.uint8)
    sym = pdcch(b, 5, 77)
    llr = pdcch_decode(sym, 5, 77, 0.5)
    assert llr.shape == (3, 108) and llr.dtype == torch.float32
    # noiseless QPSK: |LLR| = 2 sqrt(2) (1 / sqrt(2)) / N0 = 2 / 0.5 = 4, sign from b
    assert torch.allclose(llr, 4.0 * (1.0 - 2.0 * b.float()), atol=1e-5)
    assert not torch.equal((pdcch_decode(sym, 5, 78, 0.5) < 0).to(torch.uint8), b)


def test_scrambling_bad_inputs() -> None:
    with pytest.raises(ValueError, match="even"):
        pdcch(torch.zeros(7, dtype=torch.uint8), 1, 1)
    with pytest.raises(ValueError, match="n_id"):
        pdcch(torch.zeros(8, dtype=torch.uint8), 65536, 1)
    with pytest.raises(ValueError, match="n_rnti"):
        pdcch(torch.zeros(8, dtype=torch.uint8), 1, -1)
    with pytest.raises(TypeError, match="cw"):
        pdcch(torch.zeros(8), 1, 1)
    with pytest.raises(ValueError, match="noise_var"):
        pdcch_decode(torch.ones(4, dtype=torch.complex64), 1, 1, 0.0)


# ------------------------------------------------------------------------------ DM-RS

def test_dmrs_c_init_by_hand() -> None:
    """30 kHz (20 slots per frame), n_slot = 23 -> n_s,f = 3, l = 1, N_ID = 1000:
    2^17 (14 * 3 + 1 + 1)(2001) + 2000 = 2^17 * 44 * 2001 + 2000 mod 2^31."""
    carrier = CarrierConfig(subcarrier_spacing=30, n_slot=23)
    expected = (131072 * 44 * 2001 + 2000) % 2147483648
    assert pdcch_dmrs_c_init(carrier, 1, 1000) == expected
    with pytest.raises(ValueError, match="l"):
        pdcch_dmrs_c_init(carrier, 14, 1)
    with pytest.raises(ValueError, match="n_id"):
        pdcch_dmrs_c_init(carrier, 0, 65536)


@pytest.mark.parametrize("coreset_id", [0, 3])
def test_dmrs_values_by_hand(coreset_id: int) -> None:
    """r_l(m) = ((1 - 2 c(2m)) + j (1 - 2 c(2m+1))) / sqrt(2) with m = 3 n + k', n counted
    from CRB 0 (from the CORESET's first RB for CORESET 0). Grid starts at CRB 4, BWP at 8:
    CORESET at CRBs 12..23 (CORESET 0: 8..19)."""
    carrier = CarrierConfig(n_size_grid=40, n_start_grid=4, n_cell_id=321, n_slot=5)
    cs = CORESETConfig(coreset_id=coreset_id, frequency_resources=[1, 1], duration=2,
                       n_start_bwp=8)
    _, dmrs_idx = pdcch_indices(carrier, cs, 1, 1, start_symbol=2)
    r = pdcch_dmrs(carrier, cs, 1, 1, start_symbol=2)
    _, ref = brute_force_mapping(carrier, cs, 1, 1, 2)
    assert dmrs_idx.tolist() == [x[0] for x in ref]
    for (_, l, m), value in zip(ref, r.tolist()):
        c = gold(((2 ** 17) * (14 * 5 + l + 1) * (2 * 321 + 1) + 2 * 321) % 2 ** 31, 2 * m + 2)
        want = complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2)
        assert abs(value - want) < 1e-6


def test_dmrs_uses_scrambling_id() -> None:
    carrier = CarrierConfig(n_cell_id=9)
    cs = CORESETConfig(frequency_resources=[1], duration=1, pdcch_dmrs_scrambling_id=500)
    plain = CORESETConfig(frequency_resources=[1], duration=1)
    assert torch.equal(pdcch_dmrs(carrier, cs, 0, 1), pdcch_dmrs(carrier, plain, 0, 1, n_id=500))
    assert not torch.equal(pdcch_dmrs(carrier, cs, 0, 1), pdcch_dmrs(carrier, plain, 0, 1))


# ------------------------------------------------------------------------------ indices

def test_indices_by_hand_small() -> None:
    """12-RB grid, CORESET bits [1, 1] (RBs 0..11), 2 symbols from symbol 1, non-interleaved:
    CCE 1 = bundle 1 = REGs 6..11 = RBs 3, 4, 5 on symbols 1 and 2."""
    carrier = CarrierConfig(n_size_grid=12)
    cs = CORESETConfig(frequency_resources=[1, 1], duration=2)
    data, dmrs = pdcch_indices(carrier, cs, 1, 1, start_symbol=1)
    k_size = 144
    want_dmrs = [l * k_size + 12 * rb + k for l in (1, 2) for rb in (3, 4, 5) for k in (1, 5, 9)]
    want_data = [l * k_size + 12 * rb + k for l in (1, 2) for rb in (3, 4, 5)
                 for k in (0, 2, 3, 4, 6, 7, 8, 10, 11)]
    assert dmrs.tolist() == want_dmrs
    assert data.tolist() == want_data
    assert data.dtype == torch.int64


@settings(max_examples=30, deadline=None)
@given(groups=st.lists(st.integers(0, 1), min_size=2, max_size=8), duration=st.integers(1, 3),
       interleaved=st.booleans(), big_l=st.sampled_from([2, 3, 6]), r=st.sampled_from([2, 3, 6]),
       shift=st.integers(0, 274), al=st.sampled_from([1, 2, 4, 8]), start=st.integers(0, 11),
       bwp=st.integers(1, 20), coreset_id=st.sampled_from([0, 1]), data=st.data())
def test_indices_match_brute_force(groups: list[int], duration: int, interleaved: bool,
                                   big_l: int, r: int, shift: int, al: int, start: int, bwp: int,
                                   coreset_id: int, data: st.DataObject) -> None:
    if not any(groups):
        groups[0] = 1
    if not interleaved:
        big_l = 6
    assume(big_l == 6 or (big_l == 3) == (duration == 3))      # TS 38.211 §7.3.2.2: L
    n_reg = 6 * sum(groups) * duration
    assume(not interleaved or (n_reg // big_l) % r == 0)      # R divides the bundles
    cs = CORESETConfig(coreset_id=coreset_id, frequency_resources=groups, duration=duration,
                       cce_reg_mapping="interleaved" if interleaved else "noninterleaved",
                       reg_bundle_size=big_l, interleaver_size=r, shift_index=shift,
                       n_start_bwp=bwp)
    assume(al <= cs.n_cce)
    first = al * data.draw(st.integers(0, cs.n_cce // al - 1))
    carrier = CarrierConfig(n_size_grid=80, n_start_grid=1, n_cell_id=5)
    start = min(start, 14 - duration)
    d, p = pdcch_indices(carrier, cs, first, al, start_symbol=start)
    want_d, want_p = brute_force_mapping(carrier, cs, first, al, start)
    assert d.tolist() == want_d
    assert p.tolist() == [x[0] for x in want_p]
    assert d.numel() == 54 * al and p.numel() == 18 * al        # 6 AL REGs x (9 + 3)
    assert set(d.tolist()).isdisjoint(p.tolist())
    assert {x % 960 % 12 for x in p.tolist()} == {1, 5, 9}                 # K = 960


def test_dmrs_subcarriers_and_counts() -> None:
    carrier = CarrierConfig(n_size_grid=52)
    cs = CORESETConfig(frequency_resources=[1] * 8, duration=3, cce_reg_mapping="interleaved",
                       reg_bundle_size=3, interleaver_size=6, shift_index=11)
    for al in (1, 2, 4, 8):
        d, p = pdcch_indices(carrier, cs, 0, al)
        k_size = carrier.n_subcarriers
        assert d.numel() == al * 6 * 9 and p.numel() == al * 6 * 3
        assert {int(x) % k_size % 12 for x in p} == {1, 5, 9}
        assert {int(x) % k_size % 12 for x in d} == {0, 2, 3, 4, 6, 7, 8, 10, 11}
        assert {int(x) // k_size for x in d} == {0, 1, 2}


def test_all_contiguous_rbs_dmrs() -> None:
    """Bitmap [1, 1, 0, 1]: runs RBs 0..11 and 18..23. A candidate inside the first run gets
    DM-RS on all 12 RBs x 2 symbols of that run."""
    carrier = CarrierConfig(n_size_grid=24)
    cs = CORESETConfig(frequency_resources=[1, 1, 0, 1], duration=2,
                       precoder_granularity="allContiguousRBs")
    data, dmrs = pdcch_indices(carrier, cs, 0, 1)                 # RBs 0..2
    assert data.numel() == 54
    want = [l * 288 + 12 * rb + k for l in (0, 1) for rb in range(12) for k in (1, 5, 9)]
    assert dmrs.tolist() == want
    r = pdcch_dmrs(carrier, cs, 0, 1)
    assert r.shape == (72,)
    same = CORESETConfig(frequency_resources=[1, 1, 0, 1], duration=2)
    _, own = pdcch_indices(carrier, same, 0, 1)
    pos = torch.searchsorted(dmrs, own)
    assert torch.equal(r[pos], pdcch_dmrs(carrier, same, 0, 1))   # same sequence values


def test_indices_bad_inputs() -> None:
    carrier = CarrierConfig(n_size_grid=24)
    cs = CORESETConfig(frequency_resources=[1, 1, 1, 1], duration=2)      # 8 CCEs
    with pytest.raises(ValueError, match="multiple"):
        pdcch_indices(carrier, cs, 2, 4)
    with pytest.raises(ValueError, match="first_cce"):
        pdcch_indices(carrier, cs, 8, 1)
    with pytest.raises(ValueError, match="aggregation_level"):
        pdcch_indices(carrier, cs, 0, 3)
    with pytest.raises(ValueError, match="start_symbol"):
        pdcch_indices(carrier, cs, 0, 1, start_symbol=13)
    with pytest.raises(ValueError, match="outside the carrier grid"):
        pdcch_indices(CarrierConfig(n_size_grid=20), cs, 0, 1)
    with pytest.raises(ValueError, match="outside the carrier grid"):
        pdcch_indices(CarrierConfig(n_size_grid=30, n_start_grid=3), cs, 0, 1)
    with pytest.raises(TypeError, match="first_cce"):
        pdcch_indices(carrier, cs, [0], 1)
    with pytest.raises(TypeError, match="carrier"):
        pdcch_indices(None, cs, 0, 1)
    with pytest.raises(TypeError, match="coreset"):
        pdcch_dmrs(carrier, "cs", 0, 1)
    with pytest.raises(ValueError, match="n_id"):
        pdcch_dmrs(carrier, cs, 0, 1, n_id=70000)
