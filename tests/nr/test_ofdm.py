"""Tests of softran.nr.ofdm (TS 38.211 §5.3.1, §5.4).

Reference values are worked out by hand from §5.3.1: with T_c = 1/(480e3*4096) s, κ = 64 and
sample rate nfft * 15e3 * 2^μ, one T_c is nfft * 2^μ / (2048 κ) samples, hence
N_u = 2048 κ 2^-μ T_c -> nfft samples, 144 κ 2^-μ T_c -> 144 nfft / 2048 samples,
16 κ T_c -> 16 nfft 2^μ / 2048 samples and 512 κ 2^-μ T_c -> 512 nfft / 2048 samples.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.config import CarrierConfig
from softran.nr.ofdm import (
    OFDMInfo,
    ofdm_demodulate,
    ofdm_info,
    ofdm_modulate,
    ofdm_modulate_bins,
    ofdm_subcarrier_bins,
)
from softran.validation import max_allocation


def _grid(shape: tuple[int, ...], seed: int = 0, dtype: torch.dtype = torch.complex64
          ) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g)


# ------------------------------------------------------------------------------- ofdm_info
# (scs kHz, cp, nfft, short CP, long CP, subframe symbol indices with the long CP,
#  samples per subframe = sample rate * 1 ms), all by hand from §5.3.1:
#  15/2048: 144*2048/2048 = 144, +16*2048*1/2048 = 16 -> 160, long at l = 0, 7;
#           14*2048 + 2*160 + 12*144 = 30720 = 30.72 MHz * 1 ms.
#  30/4096: 288, +16*4096*2/2048 = 64 -> 352, long at l = 0, 14;
#           28*4096 + 2*352 + 26*288 = 122880 = 122.88 MHz * 1 ms.
#  60/1024: 72, +16*1024*4/2048 = 32 -> 104, long at l = 0, 28;
#           56*1024 + 2*104 + 54*72 = 61440 = 61.44 MHz * 1 ms.
#  60 ext/4096: 512*4096/2048 = 1024 on all 48 symbols; 48*(4096+1024) = 245760.
#  120/256: 18, +16*256*8/2048 = 16 -> 34, long at l = 0, 56;
#           112*256 + 2*34 + 110*18 = 30720 = 30.72 MHz * 1 ms.
#  240/128: 9, +16*128*16/2048 = 16 -> 25, long at l = 0, 112;
#           224*128 + 2*25 + 222*9 = 30720.
CP_CASES = [
    (15, "normal", 2048, 144, 160, (0, 7), 30720),
    (30, "normal", 4096, 288, 352, (0, 14), 122880),
    (60, "normal", 1024, 72, 104, (0, 28), 61440),
    (60, "extended", 4096, 1024, 1024, (), 245760),
    (120, "normal", 256, 18, 34, (0, 56), 30720),
    (240, "normal", 128, 9, 25, (0, 112), 30720),
]


@pytest.mark.parametrize(("scs", "cp", "nfft", "short", "long", "long_at", "subframe"), CP_CASES)
def test_cp_lengths_by_hand(scs: int, cp: str, nfft: int, short: int, long: int,
                            long_at: tuple[int, ...], subframe: int) -> None:
    info = ofdm_info(CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=1),
                     nfft=nfft)
    n_symb = (14 if cp == "normal" else 12) * scs // 15
    expected = tuple(long if l in long_at else short for l in range(n_symb))
    assert info.cyclic_prefix_lengths == expected
    assert info.symbol_lengths == tuple(nfft + c for c in expected)
    assert info.nfft == nfft
    assert info.sample_rate == nfft * scs * 1e3
    assert info.samples_per_subframe == subframe == round(info.sample_rate * 1e-3)
    assert info.symbols_per_subframe == n_symb
    assert info.slots_per_subframe == scs // 15
    assert info.symbols_per_slot == (14 if cp == "normal" else 12)
    assert info.windowing == 0
    # every half subframe (0.5 ms) is sample_rate * 0.5 ms long
    half = n_symb // 2
    assert sum(info.symbol_lengths[:half]) == sum(info.symbol_lengths[half:]) == subframe // 2


@pytest.mark.parametrize(("scs", "nfft", "slot_samples"), [
    (15, 2048, 30720),    # 1 ms slot at 30.72 MHz
    (30, 4096, 61440),    # 0.5 ms slot at 122.88 MHz
])
def test_slot_length_is_sample_rate_times_slot_duration(scs: int, nfft: int,
                                                        slot_samples: int) -> None:
    # For μ <= 1 every slot has the same length, sample_rate * 2^-μ ms.
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=4)
    info = ofdm_info(carrier, nfft=nfft)
    assert slot_samples == round(info.sample_rate * 1e-3 / info.slots_per_subframe)
    for n_slot in range(3):
        carrier.n_slot = n_slot
        w = ofdm_modulate(torch.zeros(1, 14, 48, dtype=torch.complex64), carrier, nfft=nfft)
        assert w.shape == (1, slot_samples)
        assert sum(info.slot_cyclic_prefix_lengths(n_slot)) + 14 * nfft == slot_samples


def test_slot_cp_lengths_60khz() -> None:
    # 60 kHz normal CP, nfft 1024: long CP (104) on symbol 28 = first symbol of slot 2 only
    info = ofdm_info(CarrierConfig(subcarrier_spacing=60, n_size_grid=24), nfft=1024)
    assert info.slot_cyclic_prefix_lengths(0) == (104,) + (72,) * 13
    assert info.slot_cyclic_prefix_lengths(1) == (72,) * 14
    assert info.slot_cyclic_prefix_lengths(6) == (104,) + (72,) * 13   # slot 6 = 4 + 2
    assert info.slot_cyclic_prefix_lengths(3, 16) == (72,) * 14 + (104, 72)  # wraps subframe
    # slots 0 + 1 (0.5 ms) are 61.44 MHz * 0.5 ms long; a whole grid spanning them too
    carrier = CarrierConfig(subcarrier_spacing=60, n_size_grid=24)
    w = ofdm_modulate(torch.zeros(1, 28, 288, dtype=torch.complex64), carrier, nfft=1024)
    assert w.shape[-1] == 30720


@pytest.mark.parametrize(("n_prb", "scs", "nfft"), [
    (52, 15, 1024),    # 624 / 0.85 = 734 -> 1024
    (106, 15, 2048),   # 1272 / 0.85 = 1496 -> 2048
    (273, 30, 4096),   # 3276 / 0.85 = 3854 -> 4096
    (11, 60, 256),     # 132 / 0.85 = 155 -> 256
    (1, 120, 128),     # never below 128
    (275, 15, 4096),   # 3300 / 4096 = 0.806
    (217, 15, 4096),   # 2604 / 0.85 = 3063 -> 4096
    (106, 60, 2048),
])
def test_default_nfft(n_prb: int, scs: int, nfft: int) -> None:
    info = ofdm_info(CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb))
    assert info.nfft == nfft
    assert info.sample_rate == nfft * scs * 1e3


def test_non_power_of_two_nfft() -> None:
    # nfft 1536 at 15 kHz: CP 144*1536/2048 = 108, long 108 + 16*1536/2048 = 120
    info = ofdm_info(CarrierConfig(n_size_grid=106), nfft=1536)
    assert info.cyclic_prefix_lengths == (120,) + (108,) * 6 + (120,) + (108,) * 6
    assert info.sample_rate == 23.04e6


def test_sample_rate_gives_nfft() -> None:
    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=106)
    assert ofdm_info(c, sample_rate=61.44e6).nfft == 2048
    assert ofdm_info(c, sample_rate=122.88e6).nfft == 4096
    assert ofdm_info(c, nfft=4096, sample_rate=122.88e6).nfft == 4096
    with pytest.raises(ValueError, match="sample_rate"):
        ofdm_info(c, sample_rate=61.44e6 + 1000)          # not a multiple of 30 kHz
    with pytest.raises(ValueError, match="disagree"):
        ofdm_info(c, nfft=2048, sample_rate=122.88e6)
    with pytest.raises(ValueError, match="sample_rate"):
        ofdm_info(c, sample_rate=30.72e6)                 # nfft 1024 < 1272 subcarriers
    with pytest.raises(ValueError, match="sample_rate"):
        ofdm_info(c, sample_rate=-1.0)
    with pytest.raises(TypeError, match="sample_rate"):
        ofdm_info(c, sample_rate="61.44e6")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"nfft": 1000}, ValueError, "nfft = 1000"),      # CP 70.3 samples
    ({"nfft": 1024 + 64}, ValueError, "nfft = 1088"),  # 144*1088/2048 = 76.5
    ({"nfft": 512}, ValueError, "nfft = 512"),        # fewer bins than 624 subcarriers
    ({"nfft": 0}, ValueError, "nfft"),
    ({"nfft": 1024.0}, TypeError, "nfft"),
    ({"windowing": 3}, ValueError, "windowing = 3"),  # odd
    ({"windowing": 74}, ValueError, "windowing = 74"),  # > shortest CP, 72 at nfft 1024
    ({"windowing": -2}, ValueError, "windowing"),
])
def test_ofdm_info_bad_inputs(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        ofdm_info(CarrierConfig(n_size_grid=52), **kwargs)


def test_ofdm_info_extended_nfft_multiple_of_4() -> None:
    c = CarrierConfig(subcarrier_spacing=60, cyclic_prefix="extended", n_size_grid=52)
    assert ofdm_info(c, nfft=1028).cyclic_prefix_lengths == (257,) * 48
    with pytest.raises(ValueError, match="nfft = 1026"):
        ofdm_info(c, nfft=1026)


def test_ofdm_info_is_frozen() -> None:
    info = ofdm_info(CarrierConfig())
    assert isinstance(info, OFDMInfo)
    with pytest.raises(AttributeError):
        info.nfft = 2048  # type: ignore[misc]
    assert ofdm_info(CarrierConfig(), windowing=72).windowing == 72


# ------------------------------------------------------------------------- time domain
def _cp_by_hand(scs: int, cp: str, nfft: int, l: int) -> int:  # noqa: E741
    two_mu = scs // 15
    if cp == "extended":
        return 512 * nfft // 2048
    return 144 * nfft // 2048 + (16 * nfft * two_mu // 2048 if l in (0, 7 * two_mu) else 0)


@pytest.mark.parametrize(("scs", "cp", "n_prb", "nfft", "n_slot", "f0"), [
    (15, "normal", 6, 128, 0, 0.0),
    (30, "normal", 11, 256, 1, 3.5e9),
    (60, "normal", 4, 128, 1, 0.0),
    (60, "extended", 4, 128, 3, 28e9),
])
def test_single_subcarrier_is_complex_exponential(scs: int, cp: str, n_prb: int, nfft: int,
                                                  n_slot: int, f0: float) -> None:
    """§5.3.1 evaluated explicitly: a_{k,l} exp(j2π(k - K/2)Δf(t - N_CP,l T_c - t_start,l)),
    times the §5.4 phase exp(-j2π f0 (t_start,l + N_CP,l T_c)), sampled at nfft Δf."""
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=n_prb,
                            n_slot=n_slot)
    k_total = 12 * n_prb
    n_symb = 14 if cp == "normal" else 12
    two_mu = scs // 15
    n_sub = n_symb * two_mu
    fs = nfft * scs * 1e3
    a = _grid((2 * n_symb,), seed=3, dtype=torch.complex128)   # two slots
    for k in (0, 5, k_total // 2, k_total - 1):
        grid = torch.zeros(1, 2 * n_symb, k_total, dtype=torch.complex128)
        grid[0, :, k] = a
        w = ofdm_modulate(grid, carrier, nfft=nfft, carrier_frequency=f0)[0]
        expected = []
        for s in range(2 * n_symb):
            l = ((n_slot % two_mu) * n_symb + s) % n_sub  # noqa: E741
            n_cp = _cp_by_hand(scs, cp, nfft, l)
            t_start = sum(nfft + _cp_by_hand(scs, cp, nfft, i) for i in range(l))  # samples
            n = torch.arange(n_cp + nfft, dtype=torch.float64)
            phase = 2 * math.pi * (k - k_total / 2) * scs * 1e3 * (n - n_cp) / fs
            phase = phase - 2 * math.pi * math.fmod(f0 * (t_start + n_cp) / fs, 1.0)
            expected.append(a[s] * torch.exp(1j * phase) / math.sqrt(nfft))
        ref = torch.cat(expected)
        assert w.shape == ref.shape
        torch.testing.assert_close(w, ref, rtol=0, atol=1e-9)


def test_dc_subcarrier_is_constant() -> None:
    # k = K/2 is at 0 Hz: every sample of every symbol (CP included) equals a / sqrt(nfft)
    carrier = CarrierConfig(n_size_grid=52)
    grid = torch.zeros(1, 14, 624, dtype=torch.complex64)
    grid[0, :, 312] = 2 - 1j
    w = ofdm_modulate(grid, carrier)
    torch.testing.assert_close(w, torch.full_like(w, (2 - 1j) / 32), rtol=0, atol=1e-6)


@pytest.mark.parametrize("windowing", [0, 8])
def test_cp_is_copy_of_symbol_end(windowing: int) -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24, n_slot=1)
    info = ofdm_info(carrier)
    w = ofdm_modulate(_grid((2, 14, 288), seed=1), carrier, windowing=windowing)
    start = 0
    half = windowing // 2
    for n_cp in info.slot_cyclic_prefix_lengths(1):
        # the CP [start, start + n_cp) repeats [start + nfft, start + nfft + n_cp); windowing
        # changes only the first W/2 CP samples and the last W/2 samples of the symbol
        cp_part = w[:, start + half:start + n_cp - half]
        end_part = w[:, start + info.nfft + half:start + info.nfft + n_cp - half]
        assert torch.equal(cp_part, end_part)
        start += n_cp + info.nfft
    assert start == w.shape[-1]


def test_energy_and_power() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    info = ofdm_info(carrier)
    g = torch.Generator().manual_seed(5)
    qpsk = (torch.randint(0, 2, (1, 14, 3276, 2), generator=g) * 2 - 1) / math.sqrt(2)
    grid = torch.complex(qpsk[..., 0], qpsk[..., 1]).to(torch.complex64)
    w = ofdm_modulate(grid, carrier)[0]
    # Parseval (unitary IFFT): energy of each useful part = energy of the symbol's REs
    start = 0
    for s, n_cp in enumerate(info.slot_cyclic_prefix_lengths(0)):
        useful = w[start + n_cp:start + n_cp + info.nfft]
        torch.testing.assert_close(useful.abs().square().sum(),
                                   grid[0, s].abs().square().sum(), rtol=1e-5, atol=0)
        start += n_cp + info.nfft
    # mean power per sample = mean RE power (1) * K / nfft = 3276 / 4096
    assert w.abs().square().mean().item() == pytest.approx(3276 / 4096, rel=0.01)


# -------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("cp_fraction", [0.0, 0.5, 1.0, 0.55])
@pytest.mark.parametrize(("scs", "cp", "n_slot"), [
    (15, "normal", 0), (30, "normal", 3), (60, "normal", 3), (60, "extended", 2),
    (120, "normal", 7), (240, "normal", 7),
])
def test_round_trip(scs: int, cp: str, n_slot: int, cp_fraction: float) -> None:
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=11,
                            n_slot=n_slot)
    n_symb = carrier.symbols_per_slot
    grid = _grid((2, 3, 3 * n_symb, 132), seed=scs + n_slot)   # batch 2, 3 ports, 3 slots
    for f0 in (0.0, 3.5e9):
        w = ofdm_modulate(grid, carrier, carrier_frequency=f0)
        assert w.shape[:-1] == (2, 3) and w.dtype == torch.complex64
        r = ofdm_demodulate(w, carrier, cp_fraction=cp_fraction, carrier_frequency=f0)
        assert r.shape == grid.shape and r.dtype == torch.complex64
        torch.testing.assert_close(r, grid, rtol=0, atol=2e-6)


def test_round_trip_complex128() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    grid = _grid((1, 14, 288), dtype=torch.complex128)
    w = ofdm_modulate(grid, carrier, carrier_frequency=2.6e9)
    assert w.dtype == torch.complex128
    r = ofdm_demodulate(w, carrier, cp_fraction=0.3, carrier_frequency=2.6e9)
    torch.testing.assert_close(r, grid, rtol=0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(mu=st.integers(0, 4), extended=st.booleans(), n_prb=st.integers(1, 12),
       extra_nfft=st.integers(0, 2), n_slot=st.integers(0, 40), n_symbols=st.integers(1, 40),
       cp_fraction=st.floats(0.0, 1.0), f0=st.sampled_from([0.0, 1e6, 3.5e9]),
       seed=st.integers(0, 2**31))
def test_round_trip_property(mu: int, extended: bool, n_prb: int, extra_nfft: int, n_slot: int,
                             n_symbols: int, cp_fraction: float, f0: float, seed: int) -> None:
    scs = 15 << mu
    cp = "extended" if extended and scs == 60 else "normal"
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=n_prb,
                            n_slot=n_slot)
    nfft = ofdm_info(carrier).nfft + 128 * extra_nfft     # also non-powers of two
    grid = _grid((1, n_symbols, 12 * n_prb), seed=seed)
    w = ofdm_modulate(grid, carrier, nfft=nfft, carrier_frequency=f0)
    r = ofdm_demodulate(w, carrier, nfft=nfft, cp_fraction=cp_fraction, carrier_frequency=f0)
    torch.testing.assert_close(r, grid, rtol=0, atol=2e-6)


def test_demodulate_whole_symbols_only() -> None:
    carrier = CarrierConfig(subcarrier_spacing=15, n_size_grid=6)   # nfft 128: CP 10 / 9
    grid = _grid((1, 14, 72))
    w = ofdm_modulate(grid, carrier)
    assert w.shape[-1] == 1920
    # 137 more samples: fewer than the next slot's first symbol (10 + 128), ignored
    extra = torch.cat((w, torch.zeros(1, 137, dtype=w.dtype)), dim=-1)
    torch.testing.assert_close(ofdm_demodulate(extra, carrier), grid, rtol=0, atol=2e-6)
    r = ofdm_demodulate(w[:, :-1], carrier)                 # last symbol incomplete
    torch.testing.assert_close(r, grid[:, :13], rtol=0, atol=2e-6)
    r = ofdm_demodulate(w[:, :138], carrier)                # 10 + 128 = first symbol
    torch.testing.assert_close(r, grid[:, :1], rtol=0, atol=2e-6)
    with pytest.raises(ValueError, match="fewer than one OFDM symbol"):
        ofdm_demodulate(w[:, :137], carrier)


def test_sample_rate_argument_round_trip() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    grid = _grid((1, 14, 288))
    w = ofdm_modulate(grid, carrier, sample_rate=30.72e6)     # nfft 1024
    assert w.shape[-1] == 15360                               # 0.5 ms at 30.72 MHz
    torch.testing.assert_close(ofdm_demodulate(w, carrier, nfft=1024), grid, rtol=0, atol=2e-6)


def test_carrier_frequency_changes_symbol_phases() -> None:
    # f0 only rotates each symbol by a constant: |w| unchanged, phases differ from f0 = 0
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    grid = _grid((1, 14, 288))
    w0 = ofdm_modulate(grid, carrier)
    w1 = ofdm_modulate(grid, carrier, carrier_frequency=3.5e9)
    torch.testing.assert_close(w1.abs(), w0.abs(), rtol=1e-5, atol=1e-6)
    assert (w1 - w0).abs().max() > 0.01
    # nfft 512 (288 / 512 <= 0.85), 15.36 MHz, N_CP,0 = 36 + 16*512*2/2048 = 44 samples:
    # symbol 0 turns by -2π f0 (t_start,0 + N_CP,0 T_c) = -2π * 3.5e9 * 44 / 15.36e6
    # = -2π * 10026.041666.. cycles
    phase = -2 * math.pi * (3.5e9 * 44 / 15.36e6 % 1.0)
    rot = complex(math.cos(phase), math.sin(phase))
    torch.testing.assert_close(w1[0, :556], w0[0, :556] * rot, rtol=0, atol=1e-5)
    assert not torch.allclose(w1[0, 556:1104], w0[0, 556:1104] * rot, atol=1e-3)


# ----------------------------------------------------------------------------- windowing
def _windowed_by_hand(plain: torch.Tensor, cps: tuple[int, ...], nfft: int, w: int
                      ) -> torch.Tensor:
    """Loop reference of the documented overlap-add, built from the unwindowed waveform."""
    total = plain.shape[-1]
    out = torch.zeros_like(plain)
    ramp = [0.5 * (1 - math.cos(math.pi * (i + 0.5) / w)) for i in range(w)]
    start = 0
    for n_cp in cps:
        length = n_cp + nfft
        useful = plain[..., start + n_cp:start + length]
        for n in range(-w // 2, length + w // 2):
            weight = 1.0
            if n < w // 2:
                weight = ramp[n + w // 2]
            elif n >= length - w // 2:
                weight = 1 - ramp[n - (length - w // 2)]
            out[..., (start + n) % total] += weight * useful[..., (n - n_cp) % nfft]
        start += length
    return out


def test_windowing_matches_reference() -> None:
    carrier = CarrierConfig(subcarrier_spacing=60, n_size_grid=4, n_slot=1)  # nfft 128
    info = ofdm_info(carrier)
    grid = _grid((2, 18, 48), seed=7)   # spans slots 1 and 2; slot 2 starts with a long CP
    cps = info.slot_cyclic_prefix_lengths(1, 18)
    assert cps[14] == 13 and min(cps) == 9
    plain = ofdm_modulate(grid.to(torch.complex128), carrier)
    for w in (2, 8):
        got = ofdm_modulate(grid.to(torch.complex128), carrier, windowing=w)
        torch.testing.assert_close(got, _windowed_by_hand(plain, cps, 128, w), rtol=0,
                                   atol=1e-12)


@pytest.mark.parametrize(("scs", "cp", "n_slot"), [(15, "normal", 0), (60, "normal", 1),
                                                   (60, "extended", 0)])
def test_windowing_round_trip(scs: int, cp: str, n_slot: int) -> None:
    """The windowed samples of symbol l are [start - W/2, start + W/2) (CP start, overlapped
    by the previous symbol) and [end - W/2, end + W/2). The FFT window
    [start + floor(f N_CP), start + floor(f N_CP) + nfft) misses them iff
    W/2 <= floor(f N_CP) <= N_CP - W/2. With f = 0.5 and W up to the shortest CP this holds
    for every symbol, so the round trip is exact; with f = 0 (window at the CP start) it is not.
    """
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=11,
                            n_slot=n_slot)
    info = ofdm_info(carrier)
    w_max = min(info.cyclic_prefix_lengths)
    grid = _grid((3, 2 * carrier.symbols_per_slot, 132), seed=scs)
    for w in (2, w_max - w_max % 2):
        wave = ofdm_modulate(grid, carrier, windowing=w, carrier_frequency=2e9)
        r = ofdm_demodulate(wave, carrier, cp_fraction=0.5, carrier_frequency=2e9)
        torch.testing.assert_close(r, grid, rtol=0, atol=2e-6)
    wave = ofdm_modulate(grid, carrier, windowing=w_max - w_max % 2)
    assert (ofdm_demodulate(wave, carrier, cp_fraction=0.0) - grid).abs().max() > 1e-2
    assert (ofdm_demodulate(wave, carrier, cp_fraction=1.0) - grid).abs().max() > 1e-2


# ---------------------------------------------------------------------------- bad inputs
def test_modulate_bad_inputs() -> None:
    c = CarrierConfig(n_size_grid=52)
    good = torch.zeros(1, 14, 624, dtype=torch.complex64)
    with pytest.raises(ValueError, match="624"):
        ofdm_modulate(torch.zeros(1, 14, 612, dtype=torch.complex64), c)
    with pytest.raises(TypeError, match="grid"):
        ofdm_modulate(torch.zeros(1, 14, 624), c)                     # real
    with pytest.raises(TypeError, match="grid"):
        ofdm_modulate(good.numpy(), c)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grid"):
        ofdm_modulate(torch.zeros(14, 624, dtype=torch.complex64), c)  # no port dimension
    with pytest.raises(ValueError, match="OFDM symbol"):
        ofdm_modulate(torch.zeros(1, 0, 624, dtype=torch.complex64), c)
    with pytest.raises(ValueError, match="nfft = 1000"):
        ofdm_modulate(good, c, nfft=1000)
    with pytest.raises(ValueError, match="nfft = 512"):
        ofdm_modulate(good, c, nfft=512)
    with pytest.raises(ValueError, match="windowing = 7"):
        ofdm_modulate(good, c, windowing=7)
    with pytest.raises(ValueError, match="windowing = 74"):
        ofdm_modulate(good, c, windowing=74)
    with pytest.raises(ValueError, match="carrier_frequency"):
        ofdm_modulate(good, c, carrier_frequency=-1.0)
    with pytest.raises(ValueError, match="carrier_frequency"):
        ofdm_modulate(good, c, carrier_frequency=math.inf)
    with pytest.raises(TypeError, match="carrier"):
        ofdm_modulate(good, {"n_size_grid": 52})  # type: ignore[arg-type]


def test_demodulate_bad_inputs() -> None:
    c = CarrierConfig(n_size_grid=52)
    wave = torch.zeros(1, 15360, dtype=torch.complex64)
    for bad in (-0.1, 1.5, math.nan):
        with pytest.raises(ValueError, match="cp_fraction"):
            ofdm_demodulate(wave, c, cp_fraction=bad)
    with pytest.raises(TypeError, match="cp_fraction"):
        ofdm_demodulate(wave, c, cp_fraction="0.5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="waveform"):
        ofdm_demodulate(wave.real, c)
    with pytest.raises(ValueError, match="waveform"):
        ofdm_demodulate(wave[0], c)                                   # no port dimension
    with pytest.raises(ValueError, match="nfft = 1000"):
        ofdm_demodulate(wave, c, nfft=1000)
    with pytest.raises(ValueError, match="carrier_frequency"):
        ofdm_demodulate(wave, c, carrier_frequency=-3.5e9)


def test_huge_fft_sizes_are_refused_before_allocating():
    c = CarrierConfig(subcarrier_spacing=15, n_size_grid=52)
    grid = torch.ones(1, 14, 624, dtype=torch.complex64)
    # nfft = 2**30: 14 symbols of 2**30 complex64 bins and the sample plans, about 1.3 TiB
    with pytest.raises(ValueError, match=r"^nfft = 1073741824 would need about .* TiB of memory"):
        ofdm_modulate(grid, c, nfft=2**30)
    with pytest.raises(ValueError, match=r"^sample_rate = 16106127360000.0 would need"):
        ofdm_modulate(grid, c, sample_rate=15e3 * 2**30)
    with max_allocation("1M"):   # one slot: 15360 samples, 3 copies and int64 sample plans
        with pytest.raises(ValueError, match=r"nfft = 1024 would need about 1.3 MiB"):
            ofdm_demodulate(torch.ones(1, 15360, dtype=torch.complex64), c, nfft=1024)
    with pytest.raises(ValueError, match="n_symbols = 10000000000 would need"):
        ofdm_info(c).slot_cyclic_prefix_lengths(0, 10**10)


def test_nan_and_inf_are_refused_and_empty_batches_pass():
    c = CarrierConfig(subcarrier_spacing=15, n_size_grid=52)
    grid = torch.ones(2, 1, 14, 624, dtype=torch.complex64)
    grid[1, 0, 3, 5] = complex(float("nan"), 0.0)
    with pytest.raises(ValueError, match=r"grid contains NaN \(first at index \(1, 0, 3, 5\)\)"):
        ofdm_modulate(grid, c)
    w = torch.zeros(1, 15360, dtype=torch.complex64)
    w[0, 100] = float("inf")
    with pytest.raises(ValueError, match=r"waveform contains inf \(first at index \(0, 100\)\)"):
        ofdm_demodulate(w, c)
    # an empty batch gives an empty result of the right shape (FFT libraries refuse it)
    assert ofdm_modulate(torch.zeros(0, 1, 14, 624, dtype=torch.complex64), c).shape == (0, 1,
                                                                                        15360)
    assert ofdm_demodulate(torch.zeros(0, 2, 15360, dtype=torch.complex64), c).shape == (
        0, 2, 14, 624)



def test_cpu_gather_keeps_autograd_and_conjugate_views() -> None:
    """The CPU gather of the CP / FFT windows (numpy.take, exactness: the tests above) is
    not used under autograd: gradients flow; a conjugated view demodulates like its copy."""
    from softran.nr.ofdm import ofdm_demodulate

    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=11, n_slot=1)
    gen = torch.Generator().manual_seed(5)
    g = torch.randn(2, 3, 14, 132, dtype=torch.complex64, generator=gen)
    w = ofdm_modulate(g, c, windowing=8)
    gg = g.clone().requires_grad_(True)
    wg = ofdm_modulate(gg, c, windowing=8)
    assert torch.equal(wg.detach(), w)
    wg.abs().sum().backward()
    assert gg.grad is not None and bool(gg.grad.abs().sum() > 0)
    assert torch.equal(ofdm_demodulate(w.conj(), c), ofdm_demodulate(w.conj().clone(), c))


@pytest.mark.parametrize(("scs", "cp", "n_slot", "n_symbols", "windowing"), [
    (15, "normal", 0, 14, 0), (30, "normal", 1, 28, 0), (60, "extended", 3, 12, 0),
    (30, "normal", 0, 14, 8)])
def test_modulate_bins_is_modulate_of_the_grid(scs: int, cp: str, n_slot: int, n_symbols: int,
                                               windowing: int) -> None:
    """ofdm_modulate_bins of the grid put at bins (k - K/2) mod nfft equals ofdm_modulate of
    the grid bit for bit (the same IFFT and cyclic prefixes of TS 38.211 §5.3.1), and the
    cyclic-prefix copy of the CPU equals the gather plan of autograd (TS 38.211 §5.3.1: the
    prefix is the symbol's last N_CP,l samples)."""
    c = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=11, n_slot=n_slot)
    gen = torch.Generator().manual_seed(scs + n_slot)
    grid = torch.randn(2, 3, n_symbols, 132, dtype=torch.complex64, generator=gen)
    bins = torch.zeros(2, 3, n_symbols, 256, dtype=torch.complex64)
    pos = ofdm_subcarrier_bins(c, nfft=256)
    assert pos.tolist() == [(k - 66) % 256 for k in range(132)]
    bins[..., pos] = grid
    expected = ofdm_modulate(grid, c, nfft=256, windowing=windowing)
    work = torch.empty_like(bins)
    for w in (None, work):
        got = ofdm_modulate_bins(bins, c, nfft=256, windowing=windowing, work=w)
        assert torch.equal(got, expected)
    via_gather = ofdm_modulate(grid.clone().requires_grad_(), c, nfft=256, windowing=windowing)
    torch.testing.assert_close(via_gather.detach(), expected, rtol=0, atol=1e-6)
    # the cyclic prefix by hand: symbol 0's first N_CP,0 samples are its last ones
    cp0 = ofdm_info(c, nfft=256).slot_cyclic_prefix_lengths(n_slot, 1)[0]
    if not windowing:
        assert torch.equal(expected[..., :cp0], expected[..., 256:256 + cp0])


def test_modulate_bins_work_buffer_is_not_the_result() -> None:
    """A reused work buffer: each call's waveform is the caller's own (a later call with
    other bins does not change it), and the bins are left unchanged."""
    c = CarrierConfig(n_size_grid=11)
    gen = torch.Generator().manual_seed(5)
    b1 = torch.randn(1, 14, 256, dtype=torch.complex64, generator=gen)
    b2 = torch.randn(1, 14, 256, dtype=torch.complex64, generator=gen)
    keep = b1.clone()
    work = torch.empty_like(b1)
    w1 = ofdm_modulate_bins(b1, c, nfft=256, work=work)
    first = w1.clone()
    w2 = ofdm_modulate_bins(b2, c, nfft=256, work=work)
    assert torch.equal(w1, first) and torch.equal(b1, keep)
    assert torch.equal(w2, ofdm_modulate_bins(b2, c, nfft=256))
    with pytest.raises(ValueError, match=r"bins has 128 bins .* nfft is 256"):
        ofdm_modulate_bins(b1[..., :128], c, nfft=256)
    with pytest.raises(ValueError, match="work must be a torch.complex64 tensor of shape"):
        ofdm_modulate_bins(b1, c, nfft=256, work=work[..., :10])


@pytest.mark.parametrize(("scs", "n_prb", "n_slot", "batch"),
                         [(30, 51, 0, (1, 2)), (15, 25, 3, (3,)), (60, 11, 1, (1,))])
def test_modulate_cpu_kernels_equal_the_torch_path(scs: int, n_prb: int, n_slot: int,
                                                   batch: tuple[int, ...]) -> None:
    """The CPU path of ofdm_modulate (grid to bins and cyclic prefixes by Numba) gives the
    bits of the torch path that autograd takes (zero bins, two copies, gather plan), and the
    finite check of the grid still names the first NaN / inf."""
    c = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb, n_slot=n_slot)
    gen = torch.Generator().manual_seed(n_prb)
    g = torch.randn(*batch, 14, 12 * n_prb, dtype=torch.complex64, generator=gen)
    ref = ofdm_modulate(g.clone().requires_grad_(True), c).detach()
    assert torch.equal(ofdm_modulate(g, c), ref)
    g.view(-1)[7] = float("nan")
    with pytest.raises(ValueError, match=r"grid contains NaN \(first at index"):
        ofdm_modulate(g, c)
    g.view(-1)[7] = complex(float("inf"), 0.0)
    with pytest.raises(ValueError, match="grid contains"):
        ofdm_modulate(g, c)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), rows=st.integers(1, 3), n_sym=st.integers(1, 6),
       n_kept=st.integers(0, 3))
def test_cyclic_prefix_in_place_equals_the_gather(seed, rows, n_sym, n_kept) -> None:
    """cyclic_prefix_in_place on a waveform whose useful parts are already in place (the
    others taken from kept rows) gives cyclic_prefix_gather_two's waveform (TS 38.211 §5.3.1:
    each symbol's prefix its own last N_CP samples), with unequal prefix lengths."""
    import numpy as np

    from softran.nr.ofdm import cyclic_prefix_gather_two, cyclic_prefix_in_place

    rng = np.random.default_rng(seed)
    nfft = 16
    cps = rng.integers(0, 6, n_sym).astype(np.int64)
    x = (rng.standard_normal((rows * n_sym, nfft))
         + 1j * rng.standard_normal((rows * n_sym, nfft))).astype(np.complex64)
    y = (rng.standard_normal((n_kept, nfft)) + 0j).astype(np.complex64)
    src = np.arange(rows * n_sym, dtype=np.int64).reshape(rows, n_sym)
    if n_kept:
        pick = rng.random((rows, n_sym)) < 0.4
        src = np.where(pick, -1 - rng.integers(0, n_kept, (rows, n_sym)), src)
    t = int(cps.sum()) + n_sym * nfft
    want = np.empty((rows, t), dtype=np.complex64)
    cyclic_prefix_gather_two(x, y, src, cps, want)
    out = np.full((rows, t), 99, dtype=np.complex64)
    starts = np.cumsum(cps) + np.arange(n_sym) * nfft
    for r in range(rows):
        for s in range(n_sym):
            if src[r, s] >= 0:
                out[r, starts[s]:starts[s] + nfft] = x[src[r, s]]
    cyclic_prefix_in_place(out, y if n_kept else np.zeros((0, nfft), np.complex64), src, cps)
    assert np.array_equal(out, want)
