"""SRS (TS 38.211 §6.4.1.4): the bandwidth table, sequence and hopping formulas against the
clause, frequency hopping over the sounding bandwidth, the channel / timing / SNR estimate, and
bad configurations."""

from __future__ import annotations

import cmath
import math

import pytest
import torch

from softran.nr import CarrierConfig, low_papr_sequence, prbs
from softran.nr.srs import (
    SRSConfig,
    srs,
    srs_bandwidth_configuration,
    srs_channel_estimate,
    srs_frequency_positions,
    srs_indices,
    srs_port_shifts,
    srs_sequence_numbers,
)

CARRIER = CarrierConfig(n_size_grid=52, n_slot=5, n_cell_id=3)


def test_bandwidth_table_rows_typed_from_the_clause():
    assert srs_bandwidth_configuration(0) == ((4, 1), (4, 1), (4, 1), (4, 1))
    assert srs_bandwidth_configuration(14) == ((52, 1), (4, 13), (4, 1), (4, 1))
    for c in range(64):                         # m_SRS,b-1 = N_b m_SRS,b (the table's tree)
        row = srs_bandwidth_configuration(c)
        assert all(row[b - 1][0] == row[b][1] * row[b][0] for b in (1, 2, 3))


def test_port_cyclic_shifts_and_combs():
    # n_cs,i = (n_cs + n_cs,max i / N_ap) mod n_cs,max; comb offset + K_TC/2 for ports 1001,
    # 1003 of a 4-port SRS with n_cs >= n_cs,max / 2
    assert srs_port_shifts(SRSConfig(n_ports=4, comb=4, cyclic_shift=2)) == \
        ((2, 0), (5, 0), (8, 0), (11, 0))
    assert srs_port_shifts(SRSConfig(n_ports=4, comb=4, cyclic_shift=7, comb_offset=1)) == \
        ((7, 1), (10, 3), (1, 1), (4, 3))


def test_sequence_against_the_clause_with_group_hopping():
    s = SRSConfig(n_ports=2, n_symbols=2, start_symbol=12, group_hopping="group",
                  sequence_id=500, c_srs=14, cyclic_shift=3)
    for lp, (u, v) in enumerate(srs_sequence_numbers(CARRIER, s)):
        c = [int(b) for b in prbs(500, 8 * (5 * 14 + 12 + lp) + 8)]
        f_gh = sum(c[8 * (5 * 14 + 12 + lp) + m] << m for m in range(8)) % 30
        assert (u, v) == ((f_gh + 500) % 30, 0)
    x = srs(CARRIER, s)
    u, v = srs_sequence_numbers(CARRIER, s)[1]
    alpha = 2 * math.pi * ((3 + 8 // 2) % 8) / 8                     # port 1001
    want = low_papr_sequence(u, v, alpha, 312, delta=1)
    assert torch.allclose(x[1, 312:], want, atol=1e-6)
    # the phase ramp of the cyclic shift, directly: r(n) = exp(j alpha n) rbar(n)
    rbar = low_papr_sequence(u, v, 0.0, 312, delta=1)
    n = 7
    assert abs(complex(x[1, 312 + n]) - cmath.exp(1j * alpha * n) * complex(rbar[n])) < 1e-5


def test_positions_without_hopping():
    s = SRSConfig(c_srs=25, b_srs=1, b_hop=3, frequency_position=13, frequency_shift=2, comb=4,
                  comb_offset=3)
    # m = (104, 52): n_0 = floor(52/104) mod 1 = 0, n_1 = floor(52/52) mod 2 = 1
    assert srs_frequency_positions(CARRIER, s, 0) == (0, 1)
    k = srs_indices(CarrierConfig(n_size_grid=106), s)[0] % (14 * 1272) - 13 * 1272
    assert int(k[0]) == 2 * 12 + 3 + 4 * (52 * 12 // 4) * 1 and int(k[1] - k[0]) == 4


def test_hopping_visits_every_subband_once_per_period():
    s = SRSConfig(c_srs=25, b_srs=2, b_hop=0, n_symbols=1, resource_type="aperiodic")
    rows = srs_bandwidth_configuration(25)
    period = rows[1][1] * rows[2][1]                                     # 2 * 13 sub-bands
    seen = set()
    for n_srs in range(period):
        c = CarrierConfig(n_size_grid=104)
        s_p = SRSConfig(**{**s.model_dump(), "resource_type": "periodic", "periodicity": 1})
        c = CarrierConfig(n_size_grid=104, n_slot=n_srs % 10, n_frame=n_srs // 10)
        seen.add(srs_frequency_positions(c, s_p, 0))
    assert len(seen) == period


def test_channel_timing_and_snr_estimate():
    c = CarrierConfig(n_size_grid=52, subcarrier_spacing=30)
    s = SRSConfig(n_ports=4, comb=2, c_srs=14, cyclic_shift=1)
    g = torch.Generator().manual_seed(3)
    ind, val = srs_indices(c, s), srs(c, s)
    grid = torch.zeros(2, 14 * 624, dtype=torch.complex64)
    tau = 0.4e-6                                                      # a 0.4 us delay
    h = torch.complex(torch.randn(2, 4, generator=g), torch.randn(2, 4, generator=g))
    for p in range(4):
        k = (ind[p] % (14 * 624)) % 624
        ramp = torch.exp(-2j * math.pi * k * 30e3 * tau).to(torch.complex64)
        grid[:, ind[p] % (14 * 624)] += h[:, p:p + 1] * val[p] * ramp
    snr_db = 20.0
    noise = torch.complex(torch.randn(2, 14 * 624, generator=g), torch.randn(2, 14 * 624, generator=g))
    rx = (grid + math.sqrt(0.5 * 10 ** (-snr_db / 10)) * noise).reshape(1, 2, 14, 624)
    est = srs_channel_estimate(rx, c, s)
    k0 = (ind[0] % (14 * 624)) % 624
    want = h[:, 0, None] * torch.exp(-2j * math.pi * k0 * 30e3 * tau)
    err = (est.h[0, :, 0, 0] - want).abs().square().mean() / want.abs().square().mean()
    assert float(err) < 0.05
    assert torch.allclose(est.timing[0], torch.full((4,), tau), atol=0.05e-6)
    # the per-port SNR report: mean over antennas of |h|^2 / N0, within 1 dB
    want_db = 10 * torch.log10(h.abs().square().mean(0) / 10 ** (-snr_db / 10))
    assert float((est.snr_db[0] - want_db).abs().max()) < 1.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(comb=2, cyclic_shift=8), "cyclic_shift"),
    (dict(comb=4, comb_offset=4), "comb_offset"),
    (dict(n_symbols=2, repetition=4), "repetition"),
    (dict(start_symbol=12, n_symbols=4), "ends after symbol 13"),
    (dict(periodicity=5, offset=5), "offset"),
    (dict(n_ports=3), "n_ports"),
])
def test_bad_configurations_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SRSConfig(**kwargs)


def test_srs_outside_the_grid_raises():
    with pytest.raises(ValueError, match="outside"):
        srs_indices(CarrierConfig(n_size_grid=25), SRSConfig(c_srs=14))
