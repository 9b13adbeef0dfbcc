"""PUSCH DM-RS (values, positions, the REs left for data) against Sionna PHY, and PDSCH
scrambling + modulation against py3gpp (TS 38.211 §6.4.1.1, §7.3.1.1-7.3.1.2; TS 38.214
Table 6.2.2-1).

Sionna's ``PUSCHConfig.dmrs_grid`` is the layer-domain DM-RS of §6.4.1.1 (transform precoding
disabled, whole carrier allocated, BWP at CRB 0) scaled by beta_DMRS; ``dmrs_mask`` marks the
REs of the CDM groups without data. py3gpp has PDSCH only (and its ``nrPDSCHDMRS`` ignores the
port's CDM group, w_f and w_t), so the DM-RS comparison is with Sionna.

Disagreement: Sionna scales the DM-RS by beta = sqrt(number of CDM groups without data)
(3.0103 dB, 4.7712 dB); TS 38.214 Table 6.2.2-1 gives beta_DMRS = -3 and -4.77 dB, so
beta = 10^(3/20) = 1.41254 and 10^(4.77/20) = 1.73107 (softran, from the table; MATLAB's
``nrPUSCHDMRS`` leaves the scaling to the caller). The values are compared with each side's
beta divided out, and softran's beta with the table.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oracles import oracle, sionna_phy
from softran.nr import CarrierConfig, layer_map, pdsch_scramble, symbol_modulate
from softran.nr.pusch import PUSCHConfig, pusch_dmrs, pusch_dmrs_indices, pusch_indices

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")
sionna_phy()
from sionna.phy.nr import CarrierConfig as SCarrier  # noqa: E402
from sionna.phy.nr import PUSCHConfig as SPUSCH  # noqa: E402
from sionna.phy.nr import PUSCHDMRSConfig as SDMRS  # noqa: E402

# (n_rb, scs, n_slot, n_cell_id, mapping type, symbols, DM-RS fields, layers)
CASES = [
    (6, 30, 0, 1, "A", (0, 14), dict(dmrs_type=1, additional_position=1), 1),
    (11, 15, 7, 501, "A", (0, 14), dict(dmrs_type=1, additional_position=3,
                                         num_cdm_groups_without_data=1), 1),
    (8, 30, 13, 77, "A", (0, 12), dict(dmrs_type=2, additional_position=2,
                                        num_cdm_groups_without_data=3,
                                        dmrs_ports=(2, 4)), 2),
    (4, 15, 3, 1007, "A", (0, 14), dict(dmrs_type=1, max_length=2, additional_position=1,
                                         dmrs_ports=(0, 1, 4, 5)), 4),
    (5, 60, 21, 9, "A", (0, 14), dict(dmrs_type=2, max_length=2, dmrs_ports=(0, 1, 6, 7),
                                       num_cdm_groups_without_data=2), 4),
    (3, 15, 1, 42, "B", (2, 10), dict(dmrs_type=1, additional_position=1), 2),
    (7, 30, 5, 300, "A", (0, 14), dict(dmrs_type=1, type_a_position=3,
                                        additional_position=2, n_id_n_scid=(123, 456),
                                        n_scid=1), 2),
]


def _configs(n_rb, scs, n_slot, n_cell_id, mapping, symbols, dmrs, n_layers):
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_rb, n_slot=n_slot,
                            n_cell_id=n_cell_id)
    pusch = PUSCHConfig(prb_set=range(n_rb), n_layers=n_layers, mapping_type=mapping,
                        symbol_allocation=symbols, dmrs=dmrs)
    s_dmrs = SDMRS(config_type=dmrs.get("dmrs_type", 1),
                   type_a_position=dmrs.get("type_a_position", 2),
                   additional_position=dmrs.get("additional_position", 0),
                   length=dmrs.get("max_length", 1),
                   dmrs_port_set=list(dmrs.get("dmrs_ports", range(n_layers))),
                   num_cdm_groups_without_data=dmrs.get("num_cdm_groups_without_data", 2),
                   n_scid=dmrs.get("n_scid", 0))
    if "n_id_n_scid" in dmrs:
        s_dmrs.n_id = dmrs["n_id_n_scid"]
    s_carrier = SCarrier(n_cell_id=n_cell_id, subcarrier_spacing=scs, n_size_grid=n_rb,
                         slot_number=n_slot)
    s_pusch = SPUSCH(carrier_config=s_carrier, pusch_dmrs_config=s_dmrs, mapping_type=mapping,
                     symbol_allocation=list(symbols), num_layers=n_layers,
                     num_antenna_ports=n_layers)
    return carrier, pusch, s_pusch


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[6]}-{c[4]}-{c[7]}l")
def test_pusch_dmrs_grid_and_data_res_sionna(case):
    carrier, pusch, s_pusch = _configs(*case)
    n_layers, k = pusch.n_layers, carrier.n_subcarriers
    grid = torch.zeros(n_layers * carrier.symbols_per_slot * k, dtype=torch.complex128)
    grid[pusch_dmrs_indices(carrier, pusch).reshape(-1)] = pusch_dmrs(
        carrier, pusch).reshape(-1).to(torch.complex128)
    got = grid.reshape(n_layers, carrier.symbols_per_slot, k)
    want = torch.tensor(s_pusch.dmrs_grid).permute(0, 2, 1)     # [port, symbol, subcarrier]
    n_cdm = pusch.dmrs.num_cdm_groups_without_data
    beta = 10 ** ({1: 0.0, 2: 3.0, 3: 4.77}[n_cdm] / 20)          # Table 6.2.2-1
    assert float(pusch_dmrs(carrier, pusch).abs().max()) == pytest.approx(beta, rel=1e-6)
    assert s_pusch.dmrs.beta == pytest.approx(n_cdm ** 0.5)
    torch.testing.assert_close(got / beta, want / n_cdm ** 0.5, rtol=0, atol=1e-6)
    # the data REs: the allocated symbols less the DM-RS symbols' CDM groups without data
    data = torch.zeros(carrier.symbols_per_slot * k, dtype=torch.bool)
    data[pusch_indices(carrier, pusch)[0][0] % (carrier.symbols_per_slot * k)] = True
    start, length = case[5]
    allocated = np.zeros((k, carrier.symbols_per_slot), bool)
    allocated[:, start:start + length] = True
    want_data = allocated & ~s_pusch.dmrs_mask
    assert torch.equal(data.reshape(carrier.symbols_per_slot, k),
                       torch.tensor(want_data.T))


@pytest.mark.parametrize("modulation", ["QPSK", "16QAM", "64QAM", "256QAM"])
@pytest.mark.parametrize("n_id,n_rnti,q", [(0, 0, 0), (17, 4660, 0), (1023, 65535, 0)])
def test_pdsch_scrambling_and_modulation_py3gpp(modulation, n_id, n_rnti, q):
    qm = {"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}[modulation]
    cw = np.random.default_rng(n_id + qm).integers(0, 2, 120 * qm)
    want = py3gpp.nrPDSCH([cw], [modulation], 1, n_id, n_rnti)[0]
    got = symbol_modulate(pdsch_scramble(torch.tensor(cw, dtype=torch.uint8), n_id, n_rnti),
                          modulation)
    np.testing.assert_allclose(layer_map(got, 1)[0].numpy(), want, atol=1e-6)
