"""Tests of softran.nr.ssb.cell_search (PSS / SSS / PBCH DM-RS detection, MIB decoding; TS 38.211
§7.4.2, §7.4.3, §7.4.1.4.1; TS 38.212 §7.1; TS 38.213 §4.1) and softran.nr.ssb.waveform."""

from __future__ import annotations

import math

import pytest
import torch

from softran.channel import AWGN, FrequencyOffset, TDLChannel, TimingOffset
from softran.nr.coding.bch import bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_demodulate
from softran.nr.ssb import (
    CellInfo,
    cell_search,
    pbch_dmrs_detect,
    pss_cfo_hypotheses,
    pss_search,
    pss_threshold,
    sss_detect,
)
from softran.nr.ssb.block import ssb_burst, ssb_grid
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.waveform import ssb_waveform

FS = 7.68e6            # nfft 256 at 30 kHz
SYM = 274              # 256 + 18 samples per SS/PBCH block symbol at 7.68 MHz, 30 kHz
PSS0 = 278 + SYM       # first sample of symbol 2 (case C, i_SSB = 0) in the half frame


def _mib(sfn: int, sib1: int = 0) -> MIB:
    return MIB(system_frame_number=sfn, sub_carrier_spacing_common=30, pdcch_config_sib1=sib1,
               ssb_subcarrier_offset=sfn % 16)


def _cell(cid: int, sfn: int, positions: list[int], *, gain_db: float = 0.0,
          delay: float = 0.0, cfo: float = 0.0, half_frame: int = 0,
          n_half_frames: int = 2) -> tuple[torch.Tensor, MIB]:
    m = _mib(sfn, cid % 256)
    w = ssb_waveform(cid, m, case="C", ssb_positions=positions, half_frame=half_frame,
                     sample_rate=FS, n_half_frames=n_half_frames)
    if delay:
        w = TimingOffset(delay)(w)
    if cfo:
        w = FrequencyOffset(cfo, FS)(w)
    return w * 10.0 ** (gain_db / 20.0), m


def _noise(shape: tuple[int, ...], var: float, seed: int) -> torch.Tensor:
    return AWGN(seed=seed)(torch.zeros(shape, dtype=torch.complex64), var)


# ------------------------------------------------------------------ waveform
def test_ssb_waveform_is_the_burst_grid_modulated() -> None:
    m = _mib(40)
    w = ssb_waveform(17, m, case="C", ssb_positions=[0, 1, 1, 0], half_frame=1, sample_rate=FS)
    assert w.shape == (1, int(5e-3 * FS)) and w.dtype == torch.complex64
    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=20, n_cell_id=17, n_slot=10)
    g = ofdm_demodulate(w, c, sample_rate=FS)
    ref = ssb_burst(c, "C", m, 1, [0, 1, 1, 0], m.ssb_subcarrier_offset, 0)
    assert torch.allclose(g, ref, atol=1e-5)
    # silent half frames follow
    w2 = ssb_waveform(17, m, case="C", ssb_positions=[1, 0, 0, 0], sample_rate=FS,
                      n_half_frames=3)
    assert w2.shape[-1] == 3 * w.shape[-1] and float(w2[:, w.shape[-1]:].abs().max()) == 0.0


def test_ssb_waveform_bad_input() -> None:
    with pytest.raises(ValueError, match="case"):
        ssb_waveform(1, _mib(0), case="F", ssb_positions=[1, 0, 0, 0])
    with pytest.raises(ValueError, match="n_half_frames"):
        ssb_waveform(1, _mib(0), case="C", ssb_positions=[1, 0, 0, 0], n_half_frames=0)
    with pytest.raises(TypeError, match="mib"):
        ssb_waveform(1, 5, case="C", ssb_positions=[1, 0, 0, 0])
    with pytest.raises(ValueError, match="sample_rate"):
        ssb_waveform(1, _mib(0), case="C", ssb_positions=[1, 0, 0, 0], sample_rate=7e6)


# ------------------------------------------------------------------ PSS
def test_cfo_hypotheses_keep_the_loss_small() -> None:
    """Every CFO within ±5 kHz is within reach of a hypothesis that loses <= 0.5 dB of PSS
    correlation power, measured on the actual time-domain PSS (not the sinc model)."""
    from softran.nr.ssb.pss_search import pss_time_domain

    for scs, fs in ((30, FS), (15, 3.84e6)):
        hyps = pss_cfo_hypotheses(scs, max_cfo_hz=5e3, max_loss_db=0.5)
        assert hyps == sorted(hyps) and 0.0 in hyps and hyps[0] == -5e3 and hyps[-1] == 5e3
        p = pss_time_domain(scs, fs).to(torch.complex128)
        n = torch.arange(p.shape[-1], dtype=torch.float64)
        e = max(b - a for a, b in zip(hyps, hyps[1:])) / 2         # worst residual
        rot = torch.exp(2j * math.pi * e * n / fs)
        loss = (p * rot * p.conj()).sum(-1).abs().square() / p.abs().square().sum(-1) ** 2
        assert float(loss.min()) >= 10 ** (-0.5 / 10) - 2e-3
    # wider search, tighter loss -> more hypotheses; zero search -> one
    assert len(pss_cfo_hypotheses(30, max_cfo_hz=20e3, max_loss_db=0.1)) > 3
    assert pss_cfo_hypotheses(30, max_cfo_hz=0.0) == [0.0]


def test_pss_threshold_by_hand() -> None:
    # n_rx = 1: Q(1, x) = exp(-x) -> eta = ln(n_tests / p) / L
    assert pss_threshold(548, 1, 10_000, 1e-3) == pytest.approx(math.log(1e7) / 548, rel=1e-9)
    # n_rx = 2: Q(2, x) = exp(-x) (1 + x) = p / n_tests at x = 2 L eta
    eta = pss_threshold(274, 2, 1000, 1e-2)
    x = 2 * 274 * eta
    assert math.exp(-x) * (1 + x) == pytest.approx(1e-5, rel=1e-6)
    with pytest.raises(ValueError, match="false_alarm"):
        pss_threshold(274, 1, 10, 1.0)
    with pytest.raises(ValueError, match="n_rx"):
        pss_threshold(274, 0, 10, 0.1)


@pytest.mark.parametrize("cid", [0, 1, 2, 334, 500, 1007])
def test_clean_detection_exact(cid: int) -> None:
    w, m = _cell(cid, 123, [1, 0, 0, 1, 0, 0, 0, 0], delay=37, n_half_frames=1)
    d = pss_search(w, FS, 30)
    assert sorted((x.n_id_2, x.timing) for x in d) == [(cid % 3, 37 + PSS0),
                                                       (cid % 3, 37 + PSS0 + 20 * SYM + 4)]
    assert d[0].metric == pytest.approx(1.0, abs=1e-4)
    (c,) = cell_search(w, FS, scs=30, l_max=8, case="C")
    assert (c.n_cell_id, c.sfn, c.half_frame, c.mib) == (cid, 123, 0, m)
    assert c.k_ssb == m.ssb_subcarrier_offset and c.frame_start == 37 and c.n_detections == 2
    # blocks 0 and 3 (symbols 2 and 22) are equally strong: either is reported
    start = {0: 37 + PSS0, 3: 37 + PSS0 + 20 * SYM + 4}[c.ssb_index]
    assert c.timing == pytest.approx(start, abs=0.05) and abs(c.cfo_hz) < 1.0


def test_sss_detect_batch_of_cells() -> None:
    cells = torch.tensor([0, 1, 2, 3, 111, 335, 336, 337, 671, 700, 1006, 1007])
    zero = torch.zeros(864, dtype=torch.uint8)
    grids = torch.stack([ssb_grid(int(c), zero, 0, 0, 8) for c in cells])[:, None]
    h = torch.polar(torch.ones(12, 2, 1, 240), torch.rand(12, 2, 1, 240,
            generator=torch.Generator().manual_seed(1016)) * 0.3 + 1.0)
    out = sss_detect(grids * h.to(torch.complex64), cells % 3)       # 2 rx, slow phase
    assert torch.equal(out.n_cell_id, cells) and torch.equal(out.n_id_1, cells // 3)
    assert bool((out.metric > 0.9).all())
    with pytest.raises(ValueError, match="n_id_2"):
        sss_detect(grids, 3)
    with pytest.raises(ValueError, match="grid"):
        sss_detect(grids[..., :200], 0)
    with pytest.raises(TypeError, match="complex"):
        sss_detect(grids.real, 0)


@pytest.mark.parametrize("l_max", [4, 8])
def test_pbch_dmrs_detect_every_hypothesis(l_max: int) -> None:
    """ī_SSB = i_SSB mod 4 + 4 n_hf (L_max 4) or i_SSB (L_max 8), TS 38.211 §7.4.1.4.1."""
    cid = 413
    i_ssb = torch.arange(l_max).repeat(2)
    hf = torch.tensor([0] * l_max + [1] * l_max)
    cw = torch.zeros(2 * l_max, 864, dtype=torch.uint8)
    g = ssb_grid(cid, cw, i_ssb, hf, l_max)[:, None]
    ibar, metric = pbch_dmrs_detect(g * (0.3 - 0.8j), cid)
    expect = i_ssb % 4 + 4 * hf if l_max == 4 else i_ssb
    assert torch.equal(ibar, expect)
    assert metric.shape == (2 * l_max, 8) and bool((metric.max(-1).values > 0.99).all())


def test_noise_only_false_alarm_rate() -> None:
    """false_alarm bounds the probability of any PSS detection in a search of white noise:
    over N = 40 searches at false_alarm = 0.2 the count is Binomial(40, q <= 0.2); more than
    18 has probability < 1e-3 at q = 0.2. No cell is ever reported (CRC)."""
    n_trials, hits = 40, 0
    for seed in range(n_trials):
        hits += len(pss_search(_noise((1, 19200), 1.0, seed), FS, 30, false_alarm=0.2)) > 0
    assert hits <= 18
    for seed in range(3):
        assert cell_search(_noise((2, 38400), 2.0, 100 + seed), FS, l_max=8) == []


@pytest.mark.slow
def test_noise_only_false_alarm_rate_default() -> None:
    """At the default false_alarm = 1e-3, 300 noise searches give no detection with
    probability >= 1 - 300e-3 ... in practice the union bound is loose: assert <= 3."""
    hits = sum(len(pss_search(_noise((1, 38400), 1.0, s), FS, 30)) > 0 for s in range(300))
    assert hits <= 3


# ------------------------------------------------------------------ cells
def test_two_cells_different_power_and_timing() -> None:
    w1, m1 = _cell(17, 300, [1, 1, 1, 1, 0, 0, 0, 0], delay=1000, cfo=3000.0)
    w2, m2 = _cell(500, 301, [0, 1, 0, 1, 0, 0, 0, 0], gain_db=-6.0, delay=20000.3,
                   cfo=-4200.0, half_frame=1)
    y = AWGN(seed=1)(w1 + w2, 10 ** (-10 / 10))                      # 10 dB for cell 17
    cells = cell_search(y, FS, scs=30, l_max=8, case="C")
    assert [c.n_cell_id for c in cells] == [17, 500]
    a, b = cells
    assert (a.mib, a.ssb_index, a.half_frame, a.frame_start) == (m1, 0, 0, 1000)
    assert (b.mib, b.ssb_index, b.half_frame) == (m2, 1, 1)
    assert b.frame_start in (20000 - 38400, 20001 - 38400)
    assert abs(a.cfo_hz - 3000) < 150 and abs(b.cfo_hz + 4200) < 300
    assert a.snr_db == pytest.approx(10, abs=2) and b.snr_db == pytest.approx(4, abs=2)


def test_two_cells_same_n_id_2_and_synchronous_other_id() -> None:
    """Cells 17 and 20 share N_ID^(2) = 2 (blocks at different times); cell 22 (N_ID^(2) = 1,
    DM-RS shift v = 2 against cell 17's v = 1) is synchronous with cell 17 and 6 dB weaker.
    (A synchronous cell with the same v, e.g. 21, has its DM-RS on cell 17's and needs a
    smaller power difference.)"""
    w1, m1 = _cell(17, 8, [1, 0, 0, 0, 0, 0, 0, 0])
    w2, m2 = _cell(20, 8, [0, 0, 1, 0, 0, 0, 0, 0], gain_db=-2.0)
    w3, m3 = _cell(22, 8, [1, 0, 0, 0, 0, 0, 0, 0], gain_db=-6.0)
    y = AWGN(seed=2)(w1 + w2 + w3, 10 ** (-15 / 10))
    cells = {c.n_cell_id: c for c in cell_search(y, FS, l_max=8)}
    assert set(cells) == {17, 20, 22}
    assert cells[17].mib == m1 and cells[20].mib == m2 and cells[22].mib == m3
    assert cells[20].ssb_index == 2 and cells[17].ssb_index == 0 == cells[22].ssb_index


@pytest.mark.parametrize("cfo", [-5000.0, -2600.0, 1234.0, 5000.0])
def test_cfo_recovered(cfo: float) -> None:
    """CFO within ±5 kHz at 30 kHz, SNR 10 dB: error < 150 Hz (about 4 x the spread of the
    per-block estimate measured over seeds, near its Cramér-Rao bound of ~30 Hz x 1.2)."""
    w, m = _cell(777, 513, [1] * 8, cfo=cfo)
    y = AWGN(seed=int(abs(cfo)))(w, 0.1)
    (c,) = cell_search(y, FS, l_max=8)
    assert c.n_cell_id == 777 and c.mib == m
    assert abs(c.cfo_hz - cfo) < 150


def test_fractional_timing_offset() -> None:
    w, m = _cell(99, 42, [0, 0, 0, 0, 0, 1, 0, 0], delay=1234.4)
    (c,) = cell_search(w, FS, l_max=8, case="C")
    # block 5 of case C starts on symbol 36 = symbol 8 of subframe 1 (TS 38.213 §4.1):
    # 7680 samples per subframe, then 278 (long CP, l = 0) + 7 x 274
    start = 1234.4 + 7680 + 278 + 7 * SYM
    assert c.ssb_index == 5 and c.timing == pytest.approx(start, abs=0.25)
    assert c.frame_start in (1234, 1235) and c.timing_s == pytest.approx(c.timing / FS)


@pytest.mark.parametrize("seed", range(4))
def test_awgn_moderate_snr(seed: int) -> None:
    w, m = _cell(256 + seed, 1023 - seed, [1] * 8, delay=77 * seed, cfo=900.0 * (seed - 2))
    y = AWGN(seed=seed)(w, 1.0)                                       # 0 dB per RE
    (c,) = cell_search(y, FS, l_max=8)
    assert (c.n_cell_id, c.mib, c.sfn) == (256 + seed, m, 1023 - seed)
    assert abs(c.snr_db) < 2.0 and abs(c.cfo_hz - 900.0 * (seed - 2)) < 600


def test_l_max_4_half_frame_from_dmrs_and_payload() -> None:
    w, m = _cell(5, 9, [0, 0, 1, 1], half_frame=1)
    (c,) = cell_search(w, FS, l_max=4, case="C")
    assert (c.ssb_index, c.half_frame, c.sfn, c.mib) == (2, 1, 9, m)
    assert c.frame_start == -int(5e-3 * FS)          # the recording starts at half frame 1
    # default L_max 4 from a carrier frequency <= 3 GHz (TS 38.213 §4.1)
    (c2,) = cell_search(w, FS, carrier_frequency=2.6e9)
    assert c2.ssb_index == 2


def test_tdl_c300_two_rx() -> None:
    """TDL-C300 (TS 38.101-4), 100 Hz Doppler, 2 rx antennas, 5 dB SNR per antenna."""
    w, m = _cell(640, 200, [1] * 8, delay=300, cfo=-1500.0)
    ch = TDLChannel("TDLC300", max_doppler=100.0, n_rx=2, sample_rate=FS, seed=7)
    y = AWGN(seed=3)(ch(w[None])[0], 10 ** (-5 / 10))
    (c,) = cell_search(y, FS, l_max=8)
    assert (c.n_cell_id, c.mib) == (640, m)
    assert abs(c.cfo_hz + 1500.0) < 400


def test_fr2_case_d_l_max_64() -> None:
    """Case D (120 kHz): i_SSB = ī_SSB + 8 x the 3 payload MSBs (TS 38.212 §7.1.1)."""
    m = MIB(system_frame_number=64, sub_carrier_spacing_common=120)
    pos = [0] * 64
    pos[13] = 1
    w = ssb_waveform(42, m, case="D", ssb_positions=pos, sample_rate=256 * 120e3)
    (c,) = cell_search(w, 256 * 120e3, scs=120, case="D")
    assert (c.n_cell_id, c.ssb_index, c.mib, c.frame_start) == (42, 13, m, 0)


def test_cell_search_bad_input() -> None:
    w, _ = _cell(1, 0, [1, 0, 0, 0, 0, 0, 0, 0], n_half_frames=1)
    with pytest.raises(TypeError, match="complex"):
        cell_search(w.real, FS)
    with pytest.raises(ValueError, match="waveform"):
        cell_search(w[None, None], FS)
    with pytest.raises(ValueError, match="sample_rate"):
        cell_search(w, 7.7e6)
    with pytest.raises(ValueError, match="scs = 60"):
        cell_search(w, FS, scs=60)
    with pytest.raises(ValueError, match="l_max = 64"):
        cell_search(w, FS, l_max=64)
    with pytest.raises(ValueError, match="case"):
        cell_search(w, FS, case="A")
    with pytest.raises(ValueError, match="threshold"):
        pss_search(w, FS, 30, threshold=0.0)
    with pytest.raises(ValueError, match="cfo_hypotheses"):
        pss_search(w, FS, 30, cfo_hypotheses=[])
    assert isinstance(cell_search(w, FS, l_max=8)[0], CellInfo)


def test_mib_payload_consistency_reference() -> None:
    """The receiver's re-encoding of the decoded block equals the transmitted codeword."""
    w, m = _cell(9, 77, [0, 0, 0, 1, 0, 0, 0, 0], n_half_frames=1)
    cw = bch_encode(m.pack(), 77, 0, 3, m.ssb_subcarrier_offset, 8, 9)
    (c,) = cell_search(w, FS, l_max=8)
    cw2 = bch_encode(c.mib.pack(), c.sfn, c.half_frame, c.ssb_index, c.k_ssb, 8, c.n_cell_id)
    assert torch.equal(cw, cw2)


def test_ssb_waveform_refuses_a_length_beyond_memory_and_cell_search_nan() -> None:
    m = MIB(system_frame_number=8, sub_carrier_spacing_common=30)
    with pytest.raises(ValueError, match=r"^n_half_frames = 1000000 would need about .* TiB"):
        ssb_waveform(17, m, case="C", ssb_positions=[1, 0, 0, 0], n_half_frames=10**6)
    w = torch.zeros(1, 1000, dtype=torch.complex64)
    w[0, 10] = complex(float("nan"), 0.0)
    with pytest.raises(ValueError, match=r"waveform contains NaN \(first at index \(0, 10\)\)"):
        cell_search(w, FS, scs=30)


def test_pss_search_refuses_a_recording_too_long_to_correlate_in_memory() -> None:
    from softran.validation import max_allocation

    w = torch.zeros(1, 20_000, dtype=torch.complex64)
    with max_allocation("1M"):            # ~9 CFO hypotheses: several hundred bytes per sample
        with pytest.raises(ValueError, match=r"^waveform.shape = \(1, 20000\) would need"):
            cell_search(w, FS, scs=30)
