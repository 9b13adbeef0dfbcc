"""Tests of softran.nr.csi_rs: every row of TS 38.211 Table 7.4.1.5.3-1, the CDM weights of
Tables 7.4.1.5.3-2 .. -5, the sequence of §7.4.1.5.2, the mapping of §7.4.1.5.3, the TRS of
TS 38.214 §5.1.6.1.1, and the errors.

``TABLE`` below is a second, independent transcription of Table 7.4.1.5.3-1 (ports X,
densities, CDM group size L, and the (k_bar, l_bar) entries with their CDM group j); the
code reads the data file, the test this literal.
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.csi_rs import (
    CSIRSConfig,
    check_csi_rs_overlap,
    csi_rs,
    csi_rs_c_init,
    csi_rs_cdm_weights,
    csi_rs_indices,
    csi_rs_row,
    trs_resources,
)
from softran.nr.sequences import prbs

K0, K1, K2, K3, K4, K5 = "k0", "k1", "k2", "k3", "k4", "k5"


def e(k: str, dk: int, l: str, dl: int, j: int) -> tuple[str, int, str, int, int]:
    return (k, dk, l, dl, j)


# row: (X, densities, L, k' values, l' values, entries)
TABLE = {
    1: (1, (3,), 1, (0,), (0,), [e(K0, 0, "l0", 0, 0), e(K0, 4, "l0", 0, 0),
                                 e(K0, 8, "l0", 0, 0)]),
    2: (1, (1, 0.5), 1, (0,), (0,), [e(K0, 0, "l0", 0, 0)]),
    3: (2, (1, 0.5), 2, (0, 1), (0,), [e(K0, 0, "l0", 0, 0)]),
    4: (4, (1,), 2, (0, 1), (0,), [e(K0, 0, "l0", 0, 0), e(K0, 2, "l0", 0, 1)]),
    5: (4, (1,), 2, (0, 1), (0,), [e(K0, 0, "l0", 0, 0), e(K0, 0, "l0", 1, 1)]),
    6: (8, (1,), 2, (0, 1), (0,), [e(k, 0, "l0", 0, j) for j, k in enumerate((K0, K1, K2, K3))]),
    7: (8, (1,), 2, (0, 1), (0,), [e(K0, 0, "l0", 0, 0), e(K1, 0, "l0", 0, 1),
                                   e(K0, 0, "l0", 1, 2), e(K1, 0, "l0", 1, 3)]),
    8: (8, (1,), 4, (0, 1), (0, 1), [e(K0, 0, "l0", 0, 0), e(K1, 0, "l0", 0, 1)]),
    9: (12, (1,), 2, (0, 1), (0,), [e(k, 0, "l0", 0, j)
                                    for j, k in enumerate((K0, K1, K2, K3, K4, K5))]),
    10: (12, (1,), 4, (0, 1), (0, 1), [e(k, 0, "l0", 0, j) for j, k in enumerate((K0, K1, K2))]),
    11: (16, (1, 0.5), 2, (0, 1), (0,), [e(k, 0, "l0", dl, 4 * dl + j) for dl in (0, 1)
                                         for j, k in enumerate((K0, K1, K2, K3))]),
    12: (16, (1, 0.5), 4, (0, 1), (0, 1), [e(k, 0, "l0", 0, j)
                                           for j, k in enumerate((K0, K1, K2, K3))]),
    13: (24, (1, 0.5), 2, (0, 1), (0,), [e(k, 0, l, dl, 6 * (l == "l1") + 3 * dl + j)
                                         for l in ("l0", "l1") for dl in (0, 1)
                                         for j, k in enumerate((K0, K1, K2))]),
    14: (24, (1, 0.5), 4, (0, 1), (0, 1), [e(k, 0, l, 0, 3 * (l == "l1") + j)
                                           for l in ("l0", "l1")
                                           for j, k in enumerate((K0, K1, K2))]),
    15: (24, (1, 0.5), 8, (0, 1), (0, 1, 2, 3), [e(k, 0, "l0", 0, j)
                                                 for j, k in enumerate((K0, K1, K2))]),
    16: (32, (1, 0.5), 2, (0, 1), (0,), [e(k, 0, l, dl, 8 * (l == "l1") + 4 * dl + j)
                                         for l in ("l0", "l1") for dl in (0, 1)
                                         for j, k in enumerate((K0, K1, K2, K3))]),
    17: (32, (1, 0.5), 4, (0, 1), (0, 1), [e(k, 0, l, 0, 4 * (l == "l1") + j)
                                           for l in ("l0", "l1")
                                           for j, k in enumerate((K0, K1, K2, K3))]),
    18: (32, (1, 0.5), 8, (0, 1), (0, 1, 2, 3), [e(k, 0, "l0", 0, j)
                                                 for j, k in enumerate((K0, K1, K2, K3))]),
}
# Tables 7.4.1.5.3-2 .. -5: s -> (w_f, w_t)
W = {1: [((1,), (1,))],
     2: [((1, 1), (1,)), ((1, -1), (1,))],
     4: [((1, 1), (1, 1)), ((1, -1), (1, 1)), ((1, 1), (1, -1)), ((1, -1), (1, -1))],
     8: [((1, 1), (1, 1, 1, 1)), ((1, -1), (1, 1, 1, 1)), ((1, 1), (1, -1, 1, -1)),
         ((1, -1), (1, -1, 1, -1)), ((1, 1), (1, 1, -1, -1)), ((1, -1), (1, 1, -1, -1)),
         ((1, 1), (1, -1, -1, 1)), ((1, -1), (1, -1, -1, 1))]}
CDM_NAME = {1: "noCDM", 2: "fd-CDM2", 4: "cdm4-FD2-TD2", 8: "cdm8-FD2-TD4"}
# subcarrier references allowed by frequencyDomainAllocation (§7.4.1.5.3), picked per row
KS = {1: [2], 2: [7], 4: [4]}
LS = {13: [1, 8], 14: [2, 7], 16: [3, 9], 17: [0, 10]}


def config_for(row: int, density: str = "one", n_rb: int = 1, **kw) -> CSIRSConfig:
    x, _, _, _, _, entries = TABLE[row]
    n_k = 1 + max(int(en[0][1]) for en in entries)
    ks = KS.get(row, [0, 2, 4, 6, 8, 10][:n_k])
    ls = LS.get(row, [5])
    return CSIRSConfig(row_number=row, density="three" if row == 1 else density,
                       subcarrier_locations=ks, symbol_locations=ls, n_rb=n_rb, n_ports=x,
                       **kw)


@pytest.mark.parametrize("row", range(1, 19))
def test_every_row_against_the_table(row: int) -> None:
    x, dens, big_l, kp, lp, entries = TABLE[row]
    r = csi_rs_row(row)
    assert (r.ports, r.cdm_size, r.k_prime, r.l_prime) == (x, big_l, kp, lp)
    assert set(r.densities) == {float(d) for d in dens}
    assert r.cdm_type == CDM_NAME[big_l]
    cfg = config_for(row)
    ref = {"k": list(cfg.subcarrier_locations), "l": list(cfg.symbol_locations)}
    c = CarrierConfig(n_size_grid=1)
    ind = csi_rs_indices(c, cfg)
    val = csi_rs(c, cfg)
    assert ind.shape == val.shape and ind.shape[0] == x
    for p in range(x):
        j, s = divmod(p, big_l)
        want = {}
        for k_name, dk, l_name, dl, grp in entries:
            if grp != j:
                continue
            k_bar = ref["k"][int(k_name[1])] + dk
            l_bar = ref["l"][int(l_name[1])] + dl
            for a, kpr in enumerate(kp):
                for b, lpr in enumerate(lp):
                    want[(l_bar + lpr, k_bar + kpr)] = W[big_l][s][0][a] * W[big_l][s][1][b]
        got = {}
        base = {}
        for i, v, v0 in zip(ind[p].tolist(), val[p].tolist(), val[j * big_l].tolist()):
            q = i - p * 14 * 12
            got[divmod(q, 12)] = v
            base[divmod(q, 12)] = v0
        assert set(got) == set(want), (row, p)
        for key, w in want.items():     # port s of the group = port 0 of it times w_f w_t
            assert abs(got[key] - w * base[key]) < 1e-6, (row, p, key)


@pytest.mark.parametrize("cdm", ["noCDM", "fd-CDM2", "cdm4-FD2-TD2", "cdm8-FD2-TD4"])
def test_cdm_weights_tables(cdm: str) -> None:
    size = {"noCDM": 1, "fd-CDM2": 2, "cdm4-FD2-TD2": 4, "cdm8-FD2-TD4": 8}[cdm]
    assert [tuple(map(tuple, w)) for w in csi_rs_cdm_weights(cdm)] == [tuple(w) for w in W[size]]


def ref_r(c_init: int, m: int) -> complex:
    c = prbs(c_init, 2 * m + 2).tolist()
    return complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2)


def test_sequence_and_m_prime_by_hand() -> None:
    c = CarrierConfig(n_size_grid=6, n_start_grid=3, n_slot=7, subcarrier_spacing=30)
    # row 1 (X = 1, rho = 3, alpha = 3): k_bar = k0, k0 + 4, k0 + 8 -> m' = 3n + 0, 1, 2
    trs = CSIRSConfig(row_number=1, density="three", subcarrier_locations=[3],
                      symbol_locations=[6], n_rb=2, rb_offset=1, n_id=300)
    ci = (2 ** 10 * (14 * 7 + 6 + 1) * 601 + 300) % 2 ** 31
    assert csi_rs_c_init(c, 300, 6) == ci
    v, ind = csi_rs(c, trs)[0], csi_rs_indices(c, trs)[0]
    for i, n in enumerate((4, 4, 4, 5, 5, 5)):          # CRBs 4, 5 (n_start_grid + 1 + ..)
        kb = 3 + 4 * (i % 3)
        assert ind[i].item() == 6 * 72 + 12 * (n - 3) + kb
        assert abs(v[i] - ref_r(ci, 3 * n + kb * 3 // 12)) < 1e-6
    # row 3 (X = 2, rho = 0.5, alpha = 1), dot5odd: of CRBs 3..8 the odd ones 3, 5, 7;
    # m' = floor(alpha n) + k' + floor(k_bar rho / 12) = n + k'
    x = CSIRSConfig(row_number=3, density="dot5odd", subcarrier_locations=[10],
                    symbol_locations=[2], n_rb=6, n_id=0, power_db=3.0)
    ci = (2 ** 10 * (14 * 7 + 2 + 1) * 1) % 2 ** 31
    v, ind = csi_rs(c, x), csi_rs_indices(c, x)
    assert ((ind[0] % 72) // 12 + 3).tolist() == [3, 3, 5, 5, 7, 7]
    amp = 10 ** (3 / 20)
    for i in range(6):
        n = (ind[0, i].item() % 72) // 12 + 3
        kp = i % 2
        assert abs(v[0, i] - amp * ref_r(ci, n + kp)) < 1e-6
        assert abs(v[1, i] - amp * (1, -1)[kp] * ref_r(ci, n + kp)) < 1e-6


def test_zero_power_and_periodicity() -> None:
    c = CarrierConfig(n_size_grid=4, n_slot=5)
    zp = config_for(4, n_rb=4, csirs_type="zp")
    assert csi_rs(c, zp).abs().max() == 0 and csi_rs_indices(c, zp).shape == (4, 4 * 2)
    periodic = config_for(2, n_rb=4, period=(10, 5))
    assert csi_rs_indices(c, periodic).shape == (1, 4)
    assert csi_rs_indices(CarrierConfig(n_size_grid=4, n_slot=6), periodic).shape == (1, 0)
    assert not config_for(2, period="off").is_active(c)


def test_trs() -> None:
    trs = trs_resources(subcarrier_spacing=15, k0=1, symbols=(4, 8), n_rb=24, x_p=10,
                        slot_offset=0)
    assert [(t.symbol_locations[0], t.period) for t in trs] == [(4, (10, 0)), (8, (10, 0)),
                                                                (4, (10, 1)), (8, (10, 1))]
    assert all(t.ports == 1 and t.rho == 3 and t.row_number == 1 for t in trs)
    c = CarrierConfig(n_size_grid=24)
    k = csi_rs_indices(c, trs[0])[0] - 4 * 288
    assert k[:6].tolist() == [1, 5, 9, 13, 17, 21]
    with pytest.raises(ValueError, match="not allowed for an FR1 TRS"):
        trs_resources(symbols=(4, 9))
    with pytest.raises(ValueError, match="x_p"):
        trs_resources(x_p=30)


@pytest.mark.parametrize("kw, match", [
    ({"row_number": 5, "n_ports": 8}, "rows for 8 ports: 6, 7, 8"),
    ({"row_number": 4, "density": "dot5even"}, "allowed: 'one'"),
    ({"row_number": 1, "density": "one"}, "allowed: 'three'"),
    ({"row_number": 6, "subcarrier_locations": [0, 2]}, "needs 4 subcarrier"),
    ({"row_number": 4, "subcarrier_locations": [2]}, "allows \\[0, 4, 8\\]"),
    ({"row_number": 6, "subcarrier_locations": [0, 2, 4, 5]}, "contains 5"),
    ({"row_number": 13, "subcarrier_locations": [0, 2, 4], "symbol_locations": [3]},
     "l_0, l_1"),
    ({"row_number": 13, "subcarrier_locations": [0, 2, 4], "symbol_locations": [3, 13]},
     "l_1"),
    ({"period": (7, 0)}, "T_CSI-RS"),
    ({"period": (10, 10)}, "T_offset"),
    ({"n_ports": 3}, "n_ports"),
    ({"csirs_type": "xp"}, "csirs_type"),
])
def test_bad_configurations(kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CSIRSConfig(**kw)


def test_carrier_and_overlap_errors() -> None:
    c = CarrierConfig(n_size_grid=4)
    with pytest.raises(ValueError, match="exceed the carrier grid"):
        csi_rs_indices(c, config_for(2, n_rb=5))
    cdm8 = CSIRSConfig(row_number=18, subcarrier_locations=[0, 2, 4, 6], symbol_locations=[11],
                       n_rb=1)
    with pytest.raises(ValueError, match="outside the slot"):
        csi_rs_indices(c, cdm8)
    a = config_for(2, n_rb=4)                          # k0 = 7, symbol 5
    b = CSIRSConfig(row_number=2, subcarrier_locations=[7], symbol_locations=[5], n_rb=2,
                    rb_offset=2)
    with pytest.raises(ValueError, match="resources 0 and 1 overlap on symbol 5, subcarrier 31"):
        check_csi_rs_overlap(c, [a, b])
    with pytest.raises(ValueError, match="SS/PBCH block on symbol 5, subcarrier 7"):
        check_csi_rs_overlap(c, [a], ssb=torch.tensor([5 * 48 + 7]))
    check_csi_rs_overlap(c, [a], dmrs=torch.tensor([2 * 48 + 7]), ssb=torch.tensor([0]))
    with pytest.raises(TypeError, match="csirs"):
        csi_rs(c, object())
