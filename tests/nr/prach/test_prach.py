"""PRACH (TS 38.211 §5.3.2, §6.3.3): the tables against values typed from the clauses, the
Zadoff-Chu preambles and their cyclic shifts, the time-domain signal against the formula of
§5.3.2 evaluated here sample by sample, detection and timing, false alarms on noise, and bad
configurations."""

from __future__ import annotations

import cmath
import math

import pytest
import torch

from softran.nr import CarrierConfig
from softran.nr.prach import (
    PRACHConfig,
    PRACHDetector,
    prach,
    prach_configuration_row,
    prach_cyclic_shifts,
    prach_info,
    prach_logical_root,
    prach_ncs,
    prach_preamble_map,
    prach_root_sequence,
    prach_sequence,
)

C15 = CarrierConfig(n_size_grid=25)
C30 = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
F0 = PRACHConfig(configuration_index=0, zero_correlation_zone=1, sequence_index=22,
                 preamble_index=32)                                # the 38.104 format 0 test
B4 = PRACHConfig(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30,
                 zero_correlation_zone=14)


def test_table_values_typed_from_the_clauses():
    # Table 6.3.3.1-3 starts 129, 710, 140, 699; 6.3.3.1-4: 1, 138, 2, 137
    assert [prach_logical_root(i, 839) for i in range(4)] == [129, 710, 140, 699]
    assert [prach_logical_root(i, 139) for i in range(4)] == [1, 138, 2, 137]
    # Table 6.3.3.1-5 / -7: zone 1 -> 13 (1.25 kHz), zone 11 -> 23 and 14 -> 46 (short)
    assert prach_ncs(1.25, 1, "unrestricted") == 13
    assert prach_ncs(15, 11, "unrestricted") == 23 and prach_ncs(30, 14, "unrestricted") == 46
    assert prach_ncs(5, 15, "A") == 237
    # Table 6.3.3.2-2, index 0: format 0, x = 16, y = 1, subframe 1; index 198: B4 (first)
    r = prach_configuration_row(0)
    assert (r.formats, r.x, r.y, r.slots, r.starting_symbol) == (("0",), 16, (1,), (1,), 0)
    r = prach_configuration_row(198)
    assert (r.formats, r.x, r.slots, r.prach_slots, r.occasions, r.duration) == \
        (("B4",), 16, (4, 9), 2, 1, 12)
    # Table 6.3.3.2-3, index 211: the first A1/B1 row
    assert prach_configuration_row(211, "FR1", "unpaired").formats == ("A1", "B1")


def test_logical_root_tables_are_permutations():
    assert sorted(prach_logical_root(i, 839) for i in range(838)) == list(range(1, 839))
    assert sorted(prach_logical_root(i, 139) for i in range(138)) == list(range(1, 139))


def test_zadoff_chu_root_sequence():
    for u, l_ra in ((1, 139), (129, 839), (56, 839)):
        x = prach_root_sequence(u, l_ra)
        for i in (0, 1, 17, l_ra - 1):
            want = cmath.exp(-1j * math.pi * u * i * (i + 1) / l_ra)
            assert abs(complex(x[i]) - want) < 1e-5
        # constant amplitude, ideal cyclic autocorrelation
        r = torch.fft.ifft(torch.fft.fft(x.to(torch.complex128)).abs().square())
        assert float(r[1:].abs().max()) < 1e-6 * l_ra


def test_preamble_numbering_and_cyclic_shifts():
    m = prach_preamble_map(F0)                  # N_CS = 13: floor(839 / 13) = 64 per root
    assert [c for _, c in m] == [13 * v for v in range(64)]
    assert {u for u, _ in m} == {prach_logical_root(22, 839)}
    m = prach_preamble_map(B4)                  # N_CS = 46: 3 shifts per root, 22 roots
    assert m[:4] == ((1, 0), (1, 46), (1, 92), (138, 0))
    # type A (u = 56, d_u = 15, N_CS = 15): C_v = d_start floor(v/n_shift) + (v mod n_shift) N_CS
    assert prach_cyclic_shifts(56, 839, 15, "A") == tuple(45 * v for v in range(18))
    # type B (u = 56, d_u = 15 < L_RA / 5): d_start = 4 d_u + N_CS = 75, n_group = 11,
    # nbar_shift = max(floor((839 - 60 - 825) / 15), 0) = 0 (tests/nr/prach/test_prach_type_b.py)
    assert prach_cyclic_shifts(56, 839, 15, "B") == tuple(75 * v for v in range(11))


def test_frequency_domain_sequence_is_the_dft_of_the_shifted_root():
    y = prach_sequence(B4, 4)                                       # root 138, C_v = 46
    x = prach_root_sequence(138, 139)
    xv = [complex(x[(n + 46) % 139]) for n in range(139)]
    for k in (0, 5, 100):
        want = sum(xv[m] * cmath.exp(-2j * math.pi * m * k / 139) for m in range(139))
        assert abs(complex(y[k]) - want / math.sqrt(139)) < 1e-4


def test_waveform_against_the_formula_of_5_3_2():
    # s(t) = sum_k y(k) exp(j 2 pi (k + K k1 + kbar) df_RA (t - N_CP T_c - t_start)), sampled
    info = prach_info(C30, B4)
    w = prach(C30, B4)
    y = prach_sequence(B4)
    k1 = -12 * 24 // 2                                    # BWP start 0, n_RA^start 0
    kbar, big_k = 2, 1
    fs, dfra = info.sample_rate, 30e3
    for n in (info.start, info.start + 17, info.start + info.n_cp + 1234, info.length - 1):
        t = (n - info.start - info.n_cp) / fs
        s = sum(complex(y[k]) * cmath.exp(2j * math.pi * (k + big_k * k1 + kbar) * dfra * t)
                for k in range(139))
        assert abs(complex(w[n]) - s / math.sqrt(info.n)) < 1e-4
    assert float(w[:info.start].abs().max()) == 0.0
    # the occasion starts in slot 1 (t = 0.5 ms), whose cyclic prefix gets 16 kappa
    assert (info.start, info.n_cp) == (7680, 234 + 8)


def _noisy(w: torch.Tensor, n: int, n_rx: int, snr_db: float, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = w.expand(n, n_rx, -1)
    n0 = 10 ** (-snr_db / 10)
    noise = torch.complex(torch.randn(x.shape, generator=g), torch.randn(x.shape, generator=g))
    return x + math.sqrt(n0 / 2) * noise


@pytest.mark.parametrize("carrier,config,delay", [(C15, F0, 40), (C30, B4, 25)])
def test_detection_and_timing(carrier, config, delay):
    det = PRACHDetector(carrier, config, n_rx=2)
    w = torch.roll(prach(carrier, config), delay)           # a late preamble (delay samples)
    out = det(_noisy(w, 50, 2, 0.0, seed=1))
    assert bool(out.detected[:, config.preamble_index].all())
    assert int(out.detected.sum()) == 50                     # no other preamble
    err = out.timing[:, config.preamble_index] - delay / det.info.sample_rate
    assert float(err.abs().max()) < 0.1e-6


def test_false_alarm_on_noise_is_below_the_target():
    # target 1e-3 per occasion (64 preambles): 3000 noise-only occasions, expect <= 3;
    # P(count >= 12 | p = 1e-3) < 1e-4
    det = PRACHDetector(C30, B4, n_rx=2, false_alarm=1e-3)
    g = torch.Generator().manual_seed(5)
    x = torch.complex(torch.randn(3000, 2, det.info.length, generator=g),
                      torch.randn(3000, 2, det.info.length, generator=g))
    assert int(det(x).detected.any(-1).sum()) < 12


@pytest.mark.parametrize("kwargs,match", [
    (dict(configuration_index=0, restricted_set="A", zero_correlation_zone=15), "not allowed"),
    (dict(configuration_index=0, restricted_set="B", zero_correlation_zone=13), "not allowed"),
    (dict(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30,
          restricted_set="A"), "short preamble"),
    (dict(configuration_index=158, spectrum="unpaired"), "subcarrier_spacing"),
    (dict(configuration_index=0, subcarrier_spacing=30), "contradicts"),
    (dict(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30,
          sequence_index=140), "L_RA = 139"),
    (dict(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30, time_index=1),
     "time_index"),
    (dict(frequency_range="FR2", spectrum="paired"), "unpaired"),
])
def test_bad_configurations_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PRACHConfig(**kwargs)


def test_carrier_checks_raise():
    with pytest.raises(ValueError, match="outside the BWP"):
        prach_info(C15, PRACHConfig(frequency_start=20))
    with pytest.raises(ValueError, match="Table 6.3.3.2-1"):
        prach_info(CarrierConfig(subcarrier_spacing=120, n_size_grid=66), F0)
