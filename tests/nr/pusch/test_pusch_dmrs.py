"""Tests of softran.nr.pusch.dmrs: PUSCH DM-RS positions, sequence, mapping (TS 38.211 §6.4.1.1).

References here are written from the clauses: positions worked out by hand from Tables
6.4.1.1.3-3/-4, c_init by the formula of §6.4.1.1.1.1, and a plain-Python RE-by-RE transcription
of the mapping a_{k,l} = beta w_f(k') w_t(l') r(2n + k'). One external vector: the MathWorks
``nrPUSCHDMRS`` documentation example (https://www.mathworks.com/help/5g/ref/nrpuschdmrs.html;
NCellID 1, slot 0, NIDNSCID 10, NSCID 1, port 2, TPMI 0 of 4 ports, so its first column is
r(m) / 2 with no beta): first values -/-, +/-, -/+, -/-, -/+, +/-, -/-, +/+ times 0.3536.
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.pusch import PUSCHConfig, PUSCHDMRSConfig
from softran.nr.pusch.dmrs import (
    pusch_dmrs,
    pusch_dmrs_c_init,
    pusch_dmrs_cdm,
    pusch_dmrs_indices,
    pusch_dmrs_low_papr_group,
    pusch_dmrs_symbols,
)
from softran.nr.sequences import low_papr_sequence, prbs

C = CarrierConfig()  # 15 kHz, 52 PRB, cell 1, slot 0


def cfg(**kw) -> PUSCHConfig:
    dmrs = kw.pop("dmrs", {})
    return PUSCHConfig(dmrs=PUSCHDMRSConfig(**dmrs), **kw)


# --------------------------------------------------------------------------------------------
# Positions (Tables 6.4.1.1.3-3 / -4)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kw, dmrs, symbols", [
    # type A, L = 14 (l_d = 14): pos0 l0; pos1 l0, 11; pos2 l0, 7, 11; pos3 l0, 5, 8, 11
    ({}, {"additional_position": 0}, [2]),
    ({}, {"additional_position": 1}, [2, 11]),
    ({}, {"additional_position": 2}, [2, 7, 11]),
    ({}, {"additional_position": 3}, [2, 5, 8, 11]),
    ({}, {"additional_position": 1, "type_a_position": 3}, [3, 11]),
    # type A, L = 12: pos1 l0, 9; pos2 l0, 6, 9; pos3 l0, 5, 8, 11; L = 10: pos1 l0, 9
    ({"symbol_allocation": (0, 12)}, {"additional_position": 1}, [2, 9]),
    ({"symbol_allocation": (0, 12)}, {"additional_position": 2}, [2, 6, 9]),
    ({"symbol_allocation": (0, 12)}, {"additional_position": 3}, [2, 5, 8, 11]),
    ({"symbol_allocation": (0, 8)}, {"additional_position": 3}, [2, 7]),
    ({"symbol_allocation": (0, 7)}, {"additional_position": 3}, [2]),
    # type B: l_bar relative to S, l_d = L
    ({"mapping_type": "B", "symbol_allocation": (2, 8)}, {"additional_position": 1}, [2, 8]),
    ({"mapping_type": "B", "symbol_allocation": (0, 7)}, {"additional_position": 1}, [0, 4]),
    ({"mapping_type": "B", "symbol_allocation": (4, 10)}, {"additional_position": 3},
     [4, 7, 10, 13]),
    ({"mapping_type": "B", "symbol_allocation": (1, 12)}, {"additional_position": 2},
     [1, 6, 11]),
    ({"mapping_type": "B", "symbol_allocation": (5, 2)}, {"additional_position": 3}, [5]),
    # double symbol (Table 6.4.1.1.3-4): type A L = 14 pos1 l0, 10; L = 12 pos1 l0, 8
    ({}, {"max_length": 2, "additional_position": 1}, [2, 3, 10, 11]),
    ({"symbol_allocation": (0, 12)}, {"max_length": 2, "additional_position": 1},
     [2, 3, 8, 9]),
    ({"mapping_type": "B", "symbol_allocation": (0, 8)},
     {"max_length": 2, "additional_position": 1}, [0, 1, 5, 6]),
    ({"mapping_type": "B", "symbol_allocation": (2, 12)},
     {"max_length": 2, "additional_position": 1}, [2, 3, 11, 12]),
])
def test_dmrs_symbols_hand_worked(kw: dict, dmrs: dict, symbols: list[int]) -> None:
    assert pusch_dmrs_symbols(C, cfg(dmrs=dmrs, **kw)) == symbols


@pytest.mark.parametrize("kw, dmrs, match", [
    ({"mapping_type": "B", "symbol_allocation": (0, 4)}, {"max_length": 2}, "no DM-RS position"),
    ({}, {"additional_position": 3, "type_a_position": 3}, "type_a_position = 2"),
    ({"symbol_allocation": (0, 4)}, {"max_length": 2, "type_a_position": 3}, "outside"),
])
def test_dmrs_symbols_invalid(kw: dict, dmrs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pusch_dmrs_symbols(C, cfg(dmrs=dmrs, **kw))


# --------------------------------------------------------------------------------------------
# Plain-Python reference of §6.4.1.1 (transform precoding disabled)
# --------------------------------------------------------------------------------------------

# TS 38.211 Table 6.4.1.1.3-1 / -2 as written: p -> (lambda, Delta, w_f, w_t)
T1 = {0: (0, 0, (1, 1), (1, 1)), 1: (0, 0, (1, -1), (1, 1)), 2: (1, 1, (1, 1), (1, 1)),
      3: (1, 1, (1, -1), (1, 1)), 4: (0, 0, (1, 1), (1, -1)), 5: (0, 0, (1, -1), (1, -1)),
      6: (1, 1, (1, 1), (1, -1)), 7: (1, 1, (1, -1), (1, -1))}
T2 = {0: (0, 0, (1, 1), (1, 1)), 1: (0, 0, (1, -1), (1, 1)), 2: (1, 2, (1, 1), (1, 1)),
      3: (1, 2, (1, -1), (1, 1)), 4: (2, 4, (1, 1), (1, 1)), 5: (2, 4, (1, -1), (1, 1)),
      6: (0, 0, (1, 1), (1, -1)), 7: (0, 0, (1, -1), (1, -1)), 8: (1, 2, (1, 1), (1, -1)),
      9: (1, 2, (1, -1), (1, -1)), 10: (2, 4, (1, 1), (1, -1)), 11: (2, 4, (1, -1), (1, -1))}


def ref_c_init(n_symb: int, n_sf: int, l: int, n_id: int, n_scid: int, lam: int = 0) -> int:
    return (2 ** 17 * (n_symb * n_sf + l + 1) * (2 * n_id + 1) + 2 ** 17 * (lam // 2)
            + 2 * n_id + n_scid) % 2 ** 31


def ref_dmrs(carrier: CarrierConfig, p: PUSCHConfig, symbols: list[int], l_primes: list[int],
             r16: bool = False) -> dict[tuple[int, int, int], complex]:
    """{(layer, l, k_grid): a_{k,l}} RE by RE from the clause."""
    d = p.dmrs
    table = T1 if d.dmrs_type == 1 else T2
    beta = 10 ** (-{1: 0.0, 2: -3.0, 3: -4.77}[d.num_cdm_groups_without_data] / 20)
    bwp_start = carrier.n_start_grid if p.n_start_bwp is None else p.n_start_bwp
    out = {}
    for j, port in enumerate(p.dmrs_ports):
        lam, delta, w_f, w_t = table[port]
        if r16:
            lam_bar, n_scid = lam, (1 - d.n_scid if lam == 1 else d.n_scid)
        else:
            lam_bar, n_scid = 0, d.n_scid
        n_id = carrier.n_cell_id if d.n_id_n_scid is None else d.n_id_n_scid[n_scid]
        for l, l_prime in zip(symbols, l_primes):
            c_init = ref_c_init(carrier.symbols_per_slot, carrier.slot_in_frame, l, n_id,
                                n_scid, lam_bar)
            c = prbs(c_init, 2 * 6 * (bwp_start + max(p.prb_set) + 1)).tolist()
            for prb in p.prb_set:
                for sc in range(12):
                    k_crb0 = 12 * (bwp_start + prb) + sc      # reference: CRB 0 subcarrier 0
                    x = k_crb0 - delta
                    if d.dmrs_type == 1:
                        if x % 2:
                            continue
                        n, k_prime = x // 4, (x % 4) // 2
                    else:
                        if x % 6 not in (0, 1):
                            continue
                        n, k_prime = x // 6, x % 6
                    m = 2 * n + k_prime
                    r = complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2)
                    k_grid = k_crb0 - 12 * carrier.n_start_grid
                    out[(j, l, k_grid)] = beta * w_f[k_prime] * w_t[l_prime] * r
    return out


def got_dmrs(carrier: CarrierConfig, p: PUSCHConfig) -> dict[tuple[int, int, int], complex]:
    ind = pusch_dmrs_indices(carrier, p)
    sym = pusch_dmrs(carrier, p)
    assert ind.dtype == torch.int64 and sym.dtype == torch.complex64
    assert ind.shape == sym.shape and ind.shape[0] == p.n_layers
    n_sym, n_k = carrier.symbols_per_slot, carrier.n_subcarriers
    out = {}
    for j in range(p.n_layers):
        for i, v in zip(ind[j].tolist(), sym[j].tolist()):
            layer, rest = divmod(i, n_sym * n_k)
            assert layer == j
            out[(j, *divmod(rest, n_k))] = v
    return out


def assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, w in want.items():
        assert abs(got[key] - w) < 1e-5, key


@pytest.mark.parametrize("carrier, kw, dmrs, l_primes, r16", [
    (CarrierConfig(n_size_grid=6), {"prb_set": range(6)}, {"additional_position": 1},
     [0, 0], False),
    (CarrierConfig(n_size_grid=8, n_start_grid=3, n_cell_id=500, n_slot=7),
     {"prb_set": [0, 2, 5], "n_layers": 4, "n_start_bwp": 4, "n_size_bwp": 6},
     {"additional_position": 2, "n_id_n_scid": (11, 40000), "n_scid": 1}, [0, 0, 0], False),
    (CarrierConfig(n_size_grid=5, subcarrier_spacing=30, n_slot=25),
     {"prb_set": [1, 3], "n_layers": 3, "mapping_type": "B", "symbol_allocation": (3, 10)},
     {"dmrs_type": 2, "dmrs_ports": [5, 0, 3], "num_cdm_groups_without_data": 3,
      "additional_position": 1}, [0, 0], False),
    (CarrierConfig(n_size_grid=4), {"prb_set": range(4), "n_layers": 4},
     {"max_length": 2, "dmrs_ports": [0, 4, 7, 2], "additional_position": 1}, [0, 1, 0, 1],
     False),
    (CarrierConfig(n_size_grid=4), {"prb_set": range(4), "n_layers": 3},
     {"dmrs_type": 2, "dmrs_ports": [0, 2, 4], "num_cdm_groups_without_data": 3,
      "dmrs_uplink_r16": True, "n_id_n_scid": (3, 9), "n_scid": 0}, [0], True),
])
def test_dmrs_against_clause_reference(carrier, kw, dmrs, l_primes, r16) -> None:
    p = cfg(dmrs=dmrs, **kw)
    symbols = pusch_dmrs_symbols(carrier, p)
    assert_same(got_dmrs(carrier, p), ref_dmrs(carrier, p, symbols, l_primes, r16))


def test_matlab_documentation_vector() -> None:
    p = cfg(dmrs={"additional_position": 1, "dmrs_ports": [2], "n_id_n_scid": 10, "n_scid": 1})
    s = pusch_dmrs(C, p)[0, :8] / p.dmrs.beta_dmrs / 2
    want = [(-1, -1), (1, -1), (-1, 1), (-1, -1), (-1, 1), (1, -1), (-1, -1), (1, 1)]
    expected = torch.tensor([complex(a, b) * 0.35355339 for a, b in want], dtype=torch.complex64)
    assert torch.allclose(s, expected, atol=1e-6)
    assert pusch_dmrs(C, p).shape == (1, 624)      # MATLAB: 624 x 4 (2 symbols x 52 x 6)


def test_c_init_by_hand() -> None:
    carrier = CarrierConfig(n_cell_id=5, n_slot=3)
    # (2^17 (14*3 + 11 + 1)(2*5 + 1) + 2*5 + 0) mod 2^31 = 131072*54*11 + 10
    assert pusch_dmrs_c_init(carrier, cfg(), 11) == 77856778
    # slot 13 of 30 kHz (20 slots per frame), l = 0, N_ID^1 = 1000, n_SCID = 1:
    # 2^17 * (14*13 + 1) * 2001 + 2001 = 131072 * 183 * 2001 + 2001 mod 2^31
    c30 = CarrierConfig(subcarrier_spacing=30, n_slot=33)
    p = cfg(dmrs={"n_id_n_scid": (0, 1000), "n_scid": 1})
    assert pusch_dmrs_c_init(c30, p, 0) == (131072 * 183 * 2001 + 2001) % 2 ** 31
    # Rel-16: CDM group 1 flips n_SCID (-> N_ID^0 = 0), CDM group 2 adds 2^17
    p.dmrs.dmrs_uplink_r16 = True
    assert pusch_dmrs_c_init(c30, p, 0, cdm_group=1) == (131072 * 183 * 1) % 2 ** 31
    assert pusch_dmrs_c_init(c30, p, 0, cdm_group=2) == (131072 * 183 * 2001 + 131072
                                                         + 2001) % 2 ** 31


# --------------------------------------------------------------------------------------------
# Mapping structure
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dmrs_type, port, subcarriers", [
    (1, 0, [0, 2, 4, 6, 8, 10]), (1, 1, [0, 2, 4, 6, 8, 10]),
    (1, 2, [1, 3, 5, 7, 9, 11]), (1, 3, [1, 3, 5, 7, 9, 11]),
    (2, 0, [0, 1, 6, 7]), (2, 3, [2, 3, 8, 9]), (2, 4, [4, 5, 10, 11]),
])
def test_subcarrier_pattern(dmrs_type: int, port: int, subcarriers: list[int]) -> None:
    p = cfg(prb_set=[3], dmrs={"dmrs_type": dmrs_type, "dmrs_ports": [port],
                              "num_cdm_groups_without_data": 3 if dmrs_type == 2 else 2})
    idx = pusch_dmrs_indices(CarrierConfig(n_size_grid=5), p)[0]
    assert (idx - 2 * 60 - 36).tolist() == subcarriers


def test_occ_signs_and_cdm_orthogonality() -> None:
    p = cfg(prb_set=range(2), n_layers=4,
            dmrs={"max_length": 2, "dmrs_ports": [0, 1, 4, 5]})  # all CDM group 0
    s = pusch_dmrs(CarrierConfig(n_size_grid=2), p).reshape(4, 2, -1)  # layer, l', RE
    # port 1: w_f = (+1, -1) over k' = 0, 1; port 4: w_t = (+1, -1); port 5: both
    wf = torch.tensor([1.0, -1.0]).repeat(6)
    assert torch.allclose(s[1], s[0] * wf)
    assert torch.allclose(s[2, 0], s[0, 0]) and torch.allclose(s[2, 1], -s[0, 1])
    assert torch.allclose(s[3, 1], -s[0, 1] * wf)
    # orthogonal over each CDM group's 2 (k') x 2 (l') RE blocks
    blocks = s.reshape(4, 2, -1, 2)  # layer, l', n, k'
    gram = torch.einsum("atnk,btnk->abn", blocks, blocks.conj())
    eye = torch.eye(4, dtype=gram.dtype)[:, :, None] * gram[0, 0, 0]
    assert torch.allclose(gram, eye.expand_as(gram), atol=1e-5)


def test_sequence_depends_on_bwp_start() -> None:
    carrier = CarrierConfig(n_size_grid=30)
    a = pusch_dmrs(carrier, cfg(prb_set=range(10, 14)))
    b = pusch_dmrs(carrier, cfg(prb_set=range(4), n_start_bwp=10, n_size_bwp=20))
    assert torch.equal(a, b)                       # same CRBs, same values
    c = pusch_dmrs(carrier, cfg(prb_set=range(4)))
    assert not torch.equal(a, c)


def test_cdm_info() -> None:
    info = pusch_dmrs_cdm(cfg(n_layers=3, dmrs={"dmrs_type": 2, "dmrs_ports": [5, 8, 2],
                                                 "max_length": 2,
                                                 "num_cdm_groups_without_data": 3}))
    assert info.cdm_group.tolist() == [2, 1, 1]
    assert info.delta.tolist() == [4, 2, 2]
    assert info.w_f.tolist() == [[1, -1], [1, 1], [1, 1]]
    assert info.w_t.tolist() == [[1, 1], [1, -1], [1, 1]]


# --------------------------------------------------------------------------------------------
# Transform precoding (§6.4.1.1.1.2)
# --------------------------------------------------------------------------------------------


def tp(n_prb: int, **dmrs) -> PUSCHConfig:
    return cfg(prb_set=range(2, 2 + n_prb), transform_precoding=True,
               dmrs={"additional_position": 1, **dmrs})


@pytest.mark.parametrize("n_prb", [1, 2, 3, 4, 5, 6, 12, 25])
def test_tp_dmrs_is_low_papr_sequence(n_prb: int) -> None:
    carrier = CarrierConfig(n_size_grid=30, n_cell_id=77)
    p = tp(n_prb)
    s = pusch_dmrs(carrier, p)
    beta = p.dmrs.beta_dmrs
    assert s.shape == (1, 2 * 6 * n_prb)
    assert torch.allclose(s.abs(), torch.full_like(s.abs(), beta), atol=1e-5)
    r = low_papr_sequence(77 % 30, 0, 0.0, 6 * n_prb, delta=1) * beta  # no hopping
    assert torch.allclose(s[0, :6 * n_prb], r, atol=1e-5)
    assert torch.allclose(s[0, 6 * n_prb:], r, atol=1e-5)
    idx = pusch_dmrs_indices(carrier, p)[0, :6 * n_prb] - 2 * 360
    assert idx.tolist() == list(range(24, 24 + 12 * n_prb, 2))   # even subcarriers from PRB 2


def test_tp_group_hopping_by_hand() -> None:
    carrier = CarrierConfig(n_cell_id=100, n_slot=2)
    p = tp(4, group_hopping=True, n_pusch_identity=1000)
    for l in (2, 11):
        # c initialised with floor(1000 / 30) = 33; f_gh = sum_m 2^m c(8 (14*2 + l) + m) mod 30
        c = prbs(33, 8 * (28 + l) + 8).tolist()
        f_gh = sum(2 ** m * c[8 * (28 + l) + m] for m in range(8)) % 30
        assert pusch_dmrs_low_papr_group(carrier, p, l) == ((f_gh + 1000) % 30, 0)
    s = pusch_dmrs(carrier, p)
    u, _ = pusch_dmrs_low_papr_group(carrier, p, 11)
    want = low_papr_sequence(u, 0, 0.0, 24, delta=1) * p.dmrs.beta_dmrs
    assert torch.allclose(s[0, 24:], want, atol=1e-5)


def test_tp_sequence_hopping_by_hand() -> None:
    carrier = CarrierConfig(n_cell_id=3, n_slot=1)
    p = tp(12, sequence_hopping=True)       # M_ZC = 72: two base sequences
    c = prbs(3, 14 + 12).tolist()
    for l in (2, 11):
        assert pusch_dmrs_low_papr_group(carrier, p, l) == (3, c[14 + l])
    assert pusch_dmrs_low_papr_group(carrier, tp(10, sequence_hopping=True), 11)[1] == 0


def test_tp_double_symbol_uses_first_symbol() -> None:
    carrier = CarrierConfig(n_cell_id=9)
    p = tp(3, group_hopping=True, max_length=2, dmrs_ports=[4])
    s = pusch_dmrs(carrier, p).reshape(4, 18)          # symbols 2, 3, 10, 11
    assert torch.allclose(s[1], -s[0]) and torch.allclose(s[3], -s[2])  # w_t = (+1, -1)


def test_bad_inputs() -> None:
    with pytest.raises(TypeError, match="pusch"):
        pusch_dmrs(C, "pusch")
    with pytest.raises(TypeError, match="carrier"):
        pusch_dmrs_indices("carrier", cfg())
    with pytest.raises(ValueError, match="prb_set"):
        pusch_dmrs(CarrierConfig(n_size_grid=10), cfg())
    with pytest.raises(ValueError, match="l = 14"):
        pusch_dmrs_c_init(C, cfg(), 14)
