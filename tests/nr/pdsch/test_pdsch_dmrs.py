"""Tests of softran.nr.pdsch.dmrs and .ptrs: PDSCH DM-RS and PT-RS (TS 38.211 §7.4.1.1,
§7.4.1.2).

The reference is a plain-Python transcription of the clauses RE by RE: c_init of §7.4.1.1.1,
r(m) from the Gold sequence, k = 4n + 2k' + Delta / 6n + k' + Delta on the physical RBs,
a = beta w_f(k') w_t(l') r(2n + k') with the Table 7.4.1.1.2-1/-2 values written out below;
PT-RS: k = k_ref^RE + (i K + k_ref^RB) 12 over the sorted PRBs, value r(2m + k') of the
associated port at the first DM-RS symbol.
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.pdsch import (
    PDSCHConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHReservedConfig,
    pdsch_dmrs,
    pdsch_dmrs_c_init,
    pdsch_dmrs_indices,
    pdsch_dmrs_symbols,
    pdsch_ptrs,
    pdsch_ptrs_indices,
    pdsch_ptrs_symbols,
)
from softran.nr.sequences import prbs

# TS 38.211 Table 7.4.1.1.2-1 / -2 as written: p - 1000 -> (lambda, Delta, w_f, w_t)
T1 = {0: (0, 0, (1, 1), (1, 1)), 1: (0, 0, (1, -1), (1, 1)), 2: (1, 1, (1, 1), (1, 1)),
      3: (1, 1, (1, -1), (1, 1)), 4: (0, 0, (1, 1), (1, -1)), 5: (0, 0, (1, -1), (1, -1)),
      6: (1, 1, (1, 1), (1, -1)), 7: (1, 1, (1, -1), (1, -1))}
T2 = {0: (0, 0, (1, 1), (1, 1)), 1: (0, 0, (1, -1), (1, 1)), 2: (1, 2, (1, 1), (1, 1)),
      3: (1, 2, (1, -1), (1, 1)), 4: (2, 4, (1, 1), (1, 1)), 5: (2, 4, (1, -1), (1, 1)),
      6: (0, 0, (1, 1), (1, -1)), 7: (0, 0, (1, -1), (1, -1)), 8: (1, 2, (1, 1), (1, -1)),
      9: (1, 2, (1, -1), (1, -1)), 10: (2, 4, (1, 1), (1, -1)), 11: (2, 4, (1, -1), (1, -1))}


def ref_c_init(n_symb: int, n_sf: int, l: int, n_id: int, n_scid: int, lam: int) -> int:
    return (2 ** 17 * (n_symb * n_sf + l + 1) * (2 * n_id + 1) + 2 ** 17 * (lam // 2)
            + 2 * n_id + n_scid) % 2 ** 31


def ref_r(c_init: int, m: int) -> complex:
    c = prbs(c_init, 2 * m + 2).tolist()
    return complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2)


def ref_dmrs(carrier: CarrierConfig, p: PDSCHConfig, symbols: list[int], l_primes: list[int],
             prbs_phys: list[int]) -> dict[tuple[int, int, int], complex]:
    d = p.dmrs
    table = T1 if d.dmrs_type == 1 else T2
    beta = 10 ** (-{1: 0.0, 2: -3.0, 3: -4.77}[d.num_cdm_groups_without_data] / 20)
    bwp_start = carrier.n_start_grid if p.n_start_bwp is None else p.n_start_bwp
    out = {}
    for j, port in enumerate(p.dmrs_ports):
        lam, delta, w_f, w_t = table[port]
        if d.dmrs_downlink_r16:
            lam_bar, n_scid = lam, (1 - d.n_scid if lam == 1 else d.n_scid)
        else:
            lam_bar, n_scid = 0, d.n_scid
        n_id = carrier.n_cell_id if d.n_id_n_scid is None else d.n_id_n_scid[n_scid]
        for l, l_prime in zip(symbols, l_primes):
            c_init = ref_c_init(carrier.symbols_per_slot, carrier.slot_in_frame, l, n_id,
                                n_scid, lam_bar)
            for prb in prbs_phys:
                for sc in range(12):
                    k_crb0 = 12 * (bwp_start + prb) + sc
                    x = k_crb0 - delta
                    if d.dmrs_type == 1:
                        if x % 2:
                            continue
                        n, k_prime = x // 4, (x % 4) // 2
                    else:
                        if x % 6 not in (0, 1):
                            continue
                        n, k_prime = x // 6, x % 6
                    r = ref_r(c_init, 2 * n + k_prime)
                    out[(j, l, k_crb0 - 12 * carrier.n_start_grid)] = \
                        beta * w_f[k_prime] * w_t[l_prime] * r
    return out


def got_dmrs(carrier: CarrierConfig, p: PDSCHConfig) -> dict[tuple[int, int, int], complex]:
    ind, sym = pdsch_dmrs_indices(carrier, p), pdsch_dmrs(carrier, p)
    assert ind.shape == sym.shape and ind.shape[0] == p.n_layers
    assert sym.dtype == torch.complex64
    n_sym, n_k = carrier.symbols_per_slot, carrier.n_subcarriers
    out = {}
    for j in range(p.n_layers):
        for i, v in zip(ind[j].tolist(), sym[j].tolist()):
            layer, rest = divmod(i, n_sym * n_k)
            assert layer == j
            out[(j, *divmod(rest, n_k))] = v
    return out


@pytest.mark.parametrize("carrier, kw, dmrs, l_primes", [
    (CarrierConfig(n_size_grid=6), {"prb_set": range(6)}, {"additional_position": 1}, [0, 0]),
    (CarrierConfig(n_size_grid=8, n_start_grid=3, n_cell_id=500, n_slot=7),
     {"prb_set": [0, 2, 5], "n_layers": 4, "n_start_bwp": 4, "n_size_bwp": 6},
     {"additional_position": 2, "n_id_n_scid": (11, 40000), "n_scid": 1}, [0, 0, 0]),
    (CarrierConfig(n_size_grid=5, subcarrier_spacing=30, n_slot=25),
     {"prb_set": [1, 3], "n_layers": 3, "mapping_type": "B", "symbol_allocation": (3, 10)},
     {"dmrs_type": 2, "dmrs_ports": [5, 0, 3], "num_cdm_groups_without_data": 3,
      "additional_position": 2}, [0, 0, 0]),
    (CarrierConfig(n_size_grid=4), {"prb_set": range(4), "n_layers": 8},
     {"max_length": 2, "additional_position": 1}, [0, 1, 0, 1]),
    (CarrierConfig(n_size_grid=4), {"prb_set": range(4), "n_layers": 3},
     {"dmrs_type": 2, "dmrs_ports": [0, 2, 4], "num_cdm_groups_without_data": 3,
      "dmrs_downlink_r16": True, "n_id_n_scid": (3, 9), "n_scid": 0}, [0]),
    (CarrierConfig(n_size_grid=10), {"prb_set": [1, 2, 3, 6], "vrb_to_prb_interleaving": True,
                                     "vrb_bundle_size": 4, "n_start_bwp": 0},
     {"additional_position": 3}, [0, 0, 0, 0]),
])
def test_dmrs_against_clause_reference(carrier, kw, dmrs, l_primes) -> None:
    p = PDSCHConfig(dmrs=PDSCHDMRSConfig(**dmrs), **kw)
    symbols = pdsch_dmrs_symbols(carrier, p)
    assert len(symbols) == len(l_primes)
    prbs_phys = sorted(p.prbs(carrier))
    assert got_dmrs(carrier, p).keys() == ref_dmrs(carrier, p, symbols, l_primes, prbs_phys).keys()
    want = ref_dmrs(carrier, p, symbols, l_primes, prbs_phys)
    got = got_dmrs(carrier, p)
    for key, w in want.items():
        assert abs(got[key] - w) < 1e-5, key


def test_interleaved_dmrs_sits_on_physical_rbs() -> None:
    # BWP of 10 RBs, L = 4: bundles [0..3], [4..7], [8, 9]; C = 1: f(0) = 0, f(1) = 1... with
    # N_bundle = 3: j = 0 -> 0, j = 1 -> r = 1, c = 0 -> 1, last -> 2: identity; L = 2 instead:
    # 5 bundles, C = 2: f = 0, 2, 1, 3, 4 -> VRBs 2, 3 sit on PRBs 4, 5
    c = CarrierConfig(n_size_grid=10)
    p = PDSCHConfig(prb_set=[2, 3], vrb_to_prb_interleaving=True)
    k = (pdsch_dmrs_indices(c, p)[0] - 2 * 120).tolist()
    assert k == [48 + 2 * i for i in range(12)]


def test_c_init_by_hand() -> None:
    carrier = CarrierConfig(n_cell_id=5, n_slot=3)
    # (2^17 (14*3 + 11 + 1)(2*5 + 1) + 2*5) mod 2^31
    assert pdsch_dmrs_c_init(carrier, PDSCHConfig(), 11) == 77856778
    p = PDSCHConfig(dmrs=PDSCHDMRSConfig(dmrs_downlink_r16=True, n_id_n_scid=(7, 9)))
    # lambda = 1: lambda-bar = 1 (floor(1/2) = 0), n_SCID-bar = 1 -> N_ID^1 = 9
    assert pdsch_dmrs_c_init(carrier, p, 2, cdm_group=1) == \
        (2 ** 17 * 45 * 19 + 19) % 2 ** 31


def test_ptrs_against_clause_reference() -> None:
    c = CarrierConfig(n_size_grid=12, n_cell_id=17, n_slot=4)
    p = PDSCHConfig(prb_set=range(1, 11), rnti=7, n_layers=2, enable_ptrs=True,
                    dmrs=PDSCHDMRSConfig(additional_position=1),
                    ptrs=PDSCHPTRSConfig(time_density=2, frequency_density=4, re_offset="10",
                                         ptrs_port=1))
    assert pdsch_ptrs_symbols(c, p) == [0, 4, 6, 8, 10, 13]
    # N_RB = 10, K = 4: k_ref^RB = 7 mod 2 = 1 -> RBs 1, 5, 9 of the allocation (PRBs 2, 6,
    # 10); port 1001, offset '10': k_ref^RE = 8 (Table 7.4.1.2.2-1)
    k_want = [12 * prb + 8 for prb in (2, 6, 10)]
    ind = pdsch_ptrs_indices(c, p)
    n_plane = 14 * 144
    assert (ind // n_plane).unique().tolist() == [1]                   # layer of port 1001
    got = [(i % n_plane) // 144 * 1000 + i % 144 for i in ind.tolist()]
    want = [l * 1000 + k for l in (0, 4, 6, 8, 10, 13) for k in k_want]
    assert got == want
    # value: r(2m + k') of port 1001 (Delta 0, k' = 0 at k_ref 8 = 4*2 + 0: n = 2 in the RB)
    c_init = ref_c_init(14, 4, 2, 17, 0, 0)
    vals = pdsch_ptrs(c, p)
    for j, prb in enumerate((2, 6, 10)):
        m = 6 * prb + 4                  # k = 12 prb + 8 -> n = 3 prb + 2, k' = 0 -> m = 2n
        assert abs(vals[j] - ref_r(c_init, m)) < 1e-6
    assert torch.allclose(vals[3:6], vals[:3])                   # repeated on every symbol


def test_ptrs_skips_reserved_res() -> None:
    c = CarrierConfig(n_size_grid=4)
    p = PDSCHConfig(prb_set=range(4), enable_ptrs=True,
                    reserved_prb=[PDSCHReservedConfig(prb_set=[1], symbol_set=[0])])
    full = PDSCHConfig(prb_set=range(4), enable_ptrs=True)
    a, b = pdsch_ptrs_indices(c, p), pdsch_ptrs_indices(c, full)
    assert b.numel() - a.numel() == 1 and 12 * 1 + 0 not in a.tolist()   # RB 1, symbol 0
    assert pdsch_ptrs(c, p).numel() == a.numel()


def test_no_ptrs() -> None:
    c = CarrierConfig(n_size_grid=4)
    p = PDSCHConfig(prb_set=range(4))
    assert pdsch_ptrs_symbols(c, p) == [] and pdsch_ptrs_indices(c, p).numel() == 0
    assert pdsch_ptrs(c, p).dtype == torch.complex64
