"""PT-RS phase tracking (TS 38.211 §6.4.1.2 references) in the PUSCH receiver."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.channel import PhaseNoise
from softran.nr import (
    CarrierConfig,
    PUSCHConfig,
    PUSCHReceiver,
    PUSCHTransmitter,
    common_phase_correct,
    interpolate_phase,
    ptrs_common_phase_error,
)

NAN = math.nan


# ----------------------------------------------------------------------- interpolate_phase


@settings(max_examples=60, deadline=None)
@given(a=st.floats(-1.0, 1.0), b=st.floats(-0.2, 0.2),
       known=st.lists(st.booleans(), min_size=14, max_size=14).filter(lambda k: sum(k) >= 2))
def test_interpolation_is_exact_on_a_line(a: float, b: float, known: list[bool]) -> None:
    # a phase that is linear in the symbol index (a frequency offset) is reproduced exactly
    # on every symbol, between the known ones and beyond them
    line = a + b * torch.arange(14, dtype=torch.float64)
    out = interpolate_phase(torch.where(torch.tensor(known), line, NAN))
    assert torch.allclose(out, line, atol=1e-9)


def test_one_known_symbol_is_held() -> None:
    out = interpolate_phase(torch.tensor([NAN, 0.3, NAN, NAN]))
    assert torch.allclose(out, torch.full((4,), 0.3))


def test_interpolation_unwraps_across_pi() -> None:
    # 3.0 rad then -3.0 rad is a step of +0.283 rad, not -6 rad: the midpoint is near pi
    out = interpolate_phase(torch.tensor([3.0, NAN, -3.0]))
    assert out[1].item() == pytest.approx(math.pi, abs=1e-6)
    assert out[2].item() == pytest.approx(2 * math.pi - 3.0, abs=1e-6)


def test_anchors_are_zero_and_all_unknown_gives_zero() -> None:
    out = interpolate_phase(torch.tensor([[NAN, NAN, 0.4, NAN, NAN]]), anchors=[0])
    assert torch.allclose(out, torch.tensor([[0.0, 0.2, 0.4, 0.6, 0.8]]))
    assert torch.equal(interpolate_phase(torch.full((2, 4), NAN)), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="anchors"):
        interpolate_phase(torch.zeros(4), anchors=[4])


def test_correct_undoes_a_rotation() -> None:
    g = torch.randn(2, 3, 14, 24, dtype=torch.complex64,
            generator=torch.Generator().manual_seed(1015))
    phase = torch.rand(2, 14, generator=torch.Generator().manual_seed(1014)) * 6 - 3
    rotated = g * torch.polar(torch.ones(2, 14), phase)[:, None, :, None]
    assert torch.allclose(common_phase_correct(rotated, phase), g, atol=1e-5)
    with pytest.raises(ValueError, match="phase must have shape"):
        common_phase_correct(g, phase[:, :13])


# ----------------------------------------------------------------- CPE estimate, receiver


def ptrs_case(time_density: int = 1, modulation_mcs: int = 25, n_prb: int = 24,
              additional_position: int = 0) -> tuple[CarrierConfig, PUSCHConfig]:
    carrier = CarrierConfig(n_size_grid=n_prb, subcarrier_spacing=30)
    p = PUSCHConfig(prb_set=range(n_prb), mcs_index=modulation_mcs, enable_ptrs=True)
    p.ptrs.time_density = time_density
    p.dmrs.additional_position = additional_position
    return carrier, p


def rotated_grid(carrier, p, phase, noise_std, seed):
    """Transmitted grid through a random flat 1x2 channel, symbol l rotated by phase[l]."""
    gen = torch.Generator().manual_seed(seed)
    tx = PUSCHTransmitter(carrier, p)
    tb = torch.randint(0, 2, (1, p.tb_size), generator=gen, dtype=torch.uint8)
    tx(tb)
    layer_grid = tx.last_layer_grid                                     # [1, 1, 14, K]
    h = torch.randn(1, 2, 1, 1, 1, dtype=torch.complex64, generator=gen)
    h_full = h.expand(1, 2, 1, *layer_grid.shape[-2:])
    y = h[:, :, 0] * layer_grid * torch.polar(torch.ones(14), phase)[None, None, :, None]
    y = y + noise_std * torch.randn(y.shape, dtype=torch.complex64, generator=gen)
    return tb, y, h_full


def test_cpe_estimate_is_within_its_noise() -> None:
    carrier, p = ptrs_case()
    phase = torch.linspace(-0.5, 0.8, 14)
    noise_std = 0.3
    _, y, h = rotated_grid(carrier, p, phase, noise_std, seed=1)
    tx = PUSCHTransmitter(carrier, p)
    cpe = ptrs_common_phase_error(y, h, tx.ptrs_indices, tx.ptrs_symbols)[0]
    symbols = sorted({int(i) // carrier.n_subcarriers for i in tx.ptrs_indices[0]})
    assert torch.isnan(cpe).sum() == 14 - len(symbols)
    # per symbol: n PT-RS REs, |p| = 1, error std of the angle = sigma / sqrt(2 n sum|h|^2)
    n = tx.ptrs_indices.shape[1] // len(symbols)
    std = noise_std / math.sqrt(2 * n * float((h[0, :, 0, 0, 0].abs() ** 2).sum()))
    err = torch.remainder(cpe[symbols] - phase[symbols] + math.pi, 2 * math.pi) - math.pi
    assert err.abs().max() < 5 * std  # 5 sigma over 13 symbols: false alarm < 1e-5


@pytest.mark.parametrize("time_density", [1, 2, 4])
def test_receiver_tracks_a_phase_ramp(time_density: int) -> None:
    # a single DM-RS symbol (l = 2) and a ramp of 0.12 rad per symbol relative to it: 64QAM
    # fails without tracking (up to 1.3 rad at the end of the slot) and decodes with it
    carrier, p = ptrs_case(time_density)
    phase = 0.12 * (torch.arange(14) - 2.0)
    tb, y, _ = rotated_grid(carrier, p, phase, noise_std=0.02, seed=2)
    rx = PUSCHReceiver(carrier, p, n_rx=2)
    out, err = rx(y)
    assert not bool(err[0]) and torch.equal(out, tb)
    # the ramp (up to noise) on every symbol, also past the last PT-RS symbol
    assert torch.allclose(rx.last_phase[0], phase, atol=0.04)
    off = PUSCHReceiver(carrier, p, n_rx=2, phase_tracking=False)
    _, err_off = off(y)
    assert bool(err_off[0]) and off.last_phase is None


def test_perfect_csi_path_tracks_too() -> None:
    carrier, p = ptrs_case(2)
    phase = 0.1 * (torch.arange(14) - 2.0)
    tb, y, h = rotated_grid(carrier, p, phase, noise_std=0.02, seed=3)
    out, err = PUSCHReceiver(carrier, p, n_rx=2)(y, h=h, noise_var=0.02 ** 2)
    assert not bool(err[0]) and torch.equal(out, tb)


def test_phase_noise_waveform_gains_from_tracking() -> None:
    # TR 38.803 phase noise at 70 GHz on the waveform (one oscillator), 64QAM at 30 kHz:
    # without tracking most of 16 slots fail (14 with these seeds), with it few do (3)
    carrier, p = ptrs_case(1, modulation_mcs=27, additional_position=0)
    tx = PUSCHTransmitter(carrier, p)
    gen = torch.Generator().manual_seed(4)
    tb = torch.randint(0, 2, (16, p.tb_size), generator=gen, dtype=torch.uint8)
    w = tx(tb).expand(-1, 2, -1)
    w = PhaseNoise(tx.sample_rate, carrier_frequency=70e9, seed=5)(w)
    w = w + 0.03 * torch.randn(w.shape, dtype=torch.complex64, generator=gen)
    _, err_on = PUSCHReceiver(carrier, p, n_rx=2)(w)
    _, err_off = PUSCHReceiver(carrier, p, n_rx=2, phase_tracking=False)(w)
    assert int(err_off.sum()) >= 12 and int(err_on.sum()) <= int(err_off.sum()) // 2


def test_bad_inputs() -> None:
    carrier, p = ptrs_case()
    with pytest.raises(TypeError, match="phase_tracking"):
        PUSCHReceiver(carrier, p, n_rx=2, phase_tracking=1)  # type: ignore[arg-type]
    g = torch.zeros(1, 2, 14, carrier.n_subcarriers, dtype=torch.complex64)
    h = torch.zeros(1, 2, 1, 14, carrier.n_subcarriers, dtype=torch.complex64)
    with pytest.raises(ValueError, match="h must have shape"):
        ptrs_common_phase_error(g, h[:, :1], torch.zeros(1, 2, dtype=torch.int64),
                                torch.ones(1, 2, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ptrs_indices must lie"):
        ptrs_common_phase_error(g, h, torch.tensor([[14 * carrier.n_subcarriers]]),
                                torch.ones(1, 1, dtype=torch.complex64))


def test_averaged_estimate_has_no_anchors() -> None:
    # two DM-RS symbols (2, 11) averaged by the estimator: the estimate carries the mean phase
    # of both, so the CPE of every symbol is its phase minus that mean (no zero anchors)
    carrier, p = ptrs_case(1, additional_position=1)
    phase = 0.1 * (torch.arange(14) - 2.0)
    tb, y, _ = rotated_grid(carrier, p, phase, noise_std=0.02, seed=6)
    rx = PUSCHReceiver(carrier, p, n_rx=2, time_interpolation="average")
    out, err = rx(y)
    assert not bool(err[0]) and torch.equal(out, tb)
    mean = torch.angle(torch.polar(torch.ones(2), phase[[2, 11]]).mean())
    assert torch.allclose(rx.last_phase[0], phase - mean, atol=0.03)
    linear = PUSCHReceiver(carrier, p, n_rx=2)
    linear(y)
    assert linear.last_phase[0, 2].abs() < 1e-6 and linear.last_phase[0, 11].abs() < 1e-6
