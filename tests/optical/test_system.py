"""End-to-end coherent link (softran.optical.system): back-to-back against AWGN theory, a
two-span link against the 400ZR threshold and the GN model, nonlinearity, TOML links, the
example script, bad inputs."""

import importlib.util
import math
from pathlib import Path

import pytest
import torch

from softran.optical import EDFA, CoherentReceiver, FibreLink, FibreSpan, load_link
from softran.optical.constants import PLANCK, REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.optical.metrics import FEC_THRESHOLDS, theoretical_ber, theoretical_ser
from softran.optical.system import osnr_to_snr, simulate_link, snr_to_osnr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Many small FFTs: intra-op threads only add synchronisation (and contention on a
    shared machine); run this module single-threaded and restore the setting after."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def binomial_tol(p: float, n: int, k: float = 5.0) -> float:
    """k standard deviations of an error-rate estimate from n independent trials."""
    return k * math.sqrt(p * (1 - p) / n)


def snr_tol_db(n: int, k: float = 5.0) -> float:
    """k standard deviations (dB) of an SNR measured over n symbols: the noise power is the
    mean of n squared magnitudes of circular Gaussian noise (exponential: standard deviation
    = mean), so its relative spread is 1 / sqrt(n), i.e. 10 / ln 10 / sqrt(n) dB."""
    return k * 10 / math.log(10) / math.sqrt(n)


#: Implementation loss of the receiver DSP (CDC, Gardner, CMA/RDE) the back-to-back tests
#: allow against the loaded SNR (a requirement on the DSP, not a statistical tolerance).
DSP_LOSS_DB = 0.3
#: The same with laser phase noise and a frequency offset, i.e. with the blind carrier
#: recovery (FOE, BPS) too.
FULL_CHAIN_LOSS_DB = 0.6


def test_osnr_snr_conversion_by_hand():
    # SNR = OSNR + 10 log10(12.5 GHz / Rs): 20 dB at 32 GBd -> 20 - 4.0824 = 15.9176 dB
    assert osnr_to_snr(20.0, 32e9) == pytest.approx(20.0 - 10 * math.log10(32 / 12.5))
    assert osnr_to_snr(20.0, 12.5e9) == pytest.approx(20.0)
    assert snr_to_osnr(osnr_to_snr(17.3, 64e9), 64e9) == pytest.approx(17.3)


def test_back_to_back_ber_matches_awgn_theory():
    """Linear channel, no phase noise: the DSP (CDC off, Gardner, CMA/RDE) delivers Gaussian
    noise at an SNR within 0.3 dB of the loading, and BER/SER match the exact AWGN formulas
    at that SNR within the binomial band of the bit count."""
    rx = CoherentReceiver("16QAM", 32e9, 2)
    rx.stages["foe"] = None          # no offset, no phase noise: carrier recovery not needed
    rx.stages["cpr"] = None
    r = simulate_link(None, modulation="16QAM", snr_db=15.0, linewidth=0.0, n_symbols=2 ** 14,
                      receiver=rx, batch_shape=(2,), seed=3)
    assert r.ber.shape == (2, 2) and r.n_symbols == 2 ** 14 - 128
    assert r.snr_loading_db == 15.0 and r.snr_ase_db == pytest.approx(15.0)
    snr_meas = float(r.snr_total_db.mean())
    # the DSP cannot beat the loading; it may lose up to DSP_LOSS_DB; 5 sigma of the SNR
    # measured over 2 runs x 2 pols x 16256 symbols (0.017 dB) either side
    tol = snr_tol_db(r.ber.numel() * r.n_symbols)
    assert 15.0 - DSP_LOSS_DB - tol < snr_meas < 15.0 + tol, (snr_meas, tol)
    n_bits = r.ber.numel() * r.n_bits
    p = theoretical_ber("16QAM", snr_meas).item()
    assert abs(float(r.ber.mean()) - p) < binomial_tol(p, n_bits), (r.ber, p)
    ps = theoretical_ser("16QAM", snr_meas).item()
    n_sym = r.ber.numel() * r.n_symbols
    assert abs(float(r.ser.mean()) - ps) < binomial_tol(ps, n_sym), (r.ser, ps)
    # EVM is 1/sqrt(SNR); Q from the BER; the margin to 400ZR is Q(BER) - Q(1.22e-2)
    assert torch.allclose(r.evm, 10 ** (-r.snr_db / 20))
    q = 20 * torch.log10(-torch.special.ndtri(r.ber))
    assert torch.allclose(r.q_db, q)
    q_zr = 20 * math.log10(-torch.special.ndtri(torch.tensor(FEC_THRESHOLDS["400ZR-CFEC"],
                                                            dtype=torch.float64)).item())
    assert torch.allclose(r.fec_margin_db["400ZR-CFEC"], q - q_zr)
    # independent runs differ (other data and noise)
    assert not torch.equal(r.received[0], r.received[1])


def test_back_to_back_full_chain_with_phase_noise_and_offset():
    """OSNR loading, 100 kHz lasers, 1 GHz offset: the blind chain (FOE, BPS) stays within
    0.6 dB of AWGN theory at the loaded SNR."""
    r = simulate_link(None, modulation="16QAM", osnr_db=20.0, linewidth=100e3,
                      frequency_offset=1e9, n_symbols=2 ** 14, seed=4)
    snr = osnr_to_snr(20.0, 32e9)
    assert r.snr_loading_db == pytest.approx(snr)
    n_bits = 2 * r.n_bits
    ber = float(r.ber_total)
    p_penalty = theoretical_ber("16QAM", snr - FULL_CHAIN_LOSS_DB).item()
    assert ber < p_penalty + binomial_tol(p_penalty, n_bits), (ber, p_penalty)
    p = theoretical_ber("16QAM", snr).item()
    assert ber > p - binomial_tol(p, n_bits), (ber, p)


#: Model error allowed between the simulated SNR and the closed-form GN model near the
#: optimum launch power (ASE-dominated; not a statistical tolerance).
GN_MODEL_DB = 1.0
#: Far above the optimum the closed-form GN model overestimates the NLI of one QAM channel
#: (its Gaussian-signal assumption; the enhanced GN model corrects it) and takes the NLI PSD
#: flat at its centre value: the simulation may be this much better (dB), and at most
#: GN_OPTIMISTIC_DB worse. Model allowances, not statistical tolerances.
GN_PESSIMISM_DB, GN_OPTIMISTIC_DB = 3.5, 0.5


def test_two_spans_decode_below_400zr_threshold_and_match_gn():
    """2 x 80 km SSMF at 0 dBm: far below the 400ZR threshold, GMI close to 4 bit/pol, SNR
    within 1 dB of the GN model and the ASE-only SNR worked out by hand."""
    r = simulate_link([FibreSpan(80.0), FibreSpan(80.0)], launch_power_dbm=0.0,
                      n_symbols=2 ** 12, max_phase_rotation=1e-2, seed=5)
    assert r.n_spans == 2 and r.length_km == 160.0
    assert r.accumulated_dispersion == pytest.approx(16.7e-6 * 160e3)
    assert bool((r.ber < FEC_THRESHOLDS["400ZR-CFEC"]).all())
    assert bool((r.gmi > 3.98).all()) and bool((r.gmi <= 4.0 + 1e-9).all())
    # ASE of an EDFA of gain G = 16 dB, NF 5 dB in Rs, both pols: (G NF - 1) h nu Rs
    g, nf = 10 ** 1.6, 10 ** 0.5
    p_ase = (g * nf - 1) * PLANCK * SPEED_OF_LIGHT / REFERENCE_WAVELENGTH * 32e9
    assert r.snr_ase_db == pytest.approx(10 * math.log10(1e-3 / (2 * p_ase)), abs=1e-9)
    # GN model of the same line (one channel): 28.24 dB at 0 dBm (ASE 29.90 dB and NLI)
    from softran.optical.planner import gsnr_vs_power
    from softran.optical.link import validate_link

    link = validate_link({"link": {"name": "2x80"}, "transceiver": {
        "symbol_rate_gbd": 32, "channel_spacing_ghz": 50, "n_channels": 1},
        "spans": [{"length_km": 80, "count": 2}], "amplifier_per_span": {"noise_figure_db": 5}})
    gn = float(gsnr_vs_power(link, torch.tensor(0.0))[0])
    # GN_MODEL_DB: the model's own error (closed form vs its integral 0.25 dB, flat NLI PSD
    # and Gaussian-signal assumption, the DSP's loss); plus 5 sigma of the SNR measured over
    # 2 pols x 3968 symbols (0.24 dB)
    tol = snr_tol_db(2 * r.n_symbols)
    assert abs(float(r.snr_total_db) - gn) < GN_MODEL_DB + tol, (r.snr_db, gn, tol)


def test_snr_drops_far_above_the_nonlinear_optimum():
    """Self-phase modulation: 8 dB above the (about 0-2 dBm) optimum the SNR falls by more
    than 5 dB although the ASE-only SNR rises by 8 dB; the closed-form GN model, which
    overestimates the NLI of one QAM channel (EGN), is at most 3.5 dB more pessimistic."""
    kw = {"n_symbols": 2 ** 12, "max_phase_rotation": 1e-2, "seed": 6}
    spans = [FibreSpan(80.0), FibreSpan(80.0)]
    low = simulate_link(spans, launch_power_dbm=0.0, **kw)
    high = simulate_link(spans, launch_power_dbm=8.0, **kw)
    assert high.snr_ase_db == pytest.approx(low.snr_ase_db + 8.0)
    assert float(high.snr_total_db) < float(low.snr_total_db) - 5.0
    assert float(high.snr_total_db) < high.snr_ase_db - 10.0
    from softran.optical.planner import gsnr_vs_power
    from softran.optical.link import validate_link

    link = validate_link({"link": {"name": "2x80"}, "transceiver": {
        "symbol_rate_gbd": 32, "channel_spacing_ghz": 50, "n_channels": 1},
        "spans": [{"length_km": 80, "count": 2}], "amplifier_per_span": {"noise_figure_db": 5}})
    gn = float(gsnr_vs_power(link, torch.tensor(8.0))[0])
    # plus 5 sigma of the SNR measured over 2 pols x 3968 symbols (0.24 dB)
    tol = snr_tol_db(2 * high.n_symbols)
    assert -GN_OPTIMISTIC_DB - tol < float(high.snr_total_db) - gn < GN_PESSIMISM_DB + tol, (
        high.snr_db, gn, tol)


def test_toml_link_fronthaul():
    """The fronthaul file: 20 km unamplified with 1 dB lumped loss; the transceiver's
    back-to-back SNR (20 dB) is the receiver loading, and the launch power, symbol rate and
    roll-off come from the file."""
    link = load_link(ROOT / "scenarios" / "optical" / "fronthaul_20km.toml")
    r = simulate_link(link, n_symbols=2 ** 12, warm_up=6144, seed=7)
    assert r.symbol_rate == 32e9 and r.launch_power_dbm == 0.0 and r.n_spans == 1
    assert r.snr_loading_db == 20.0 and r.snr_ase_db == pytest.approx(20.0)
    assert r.accumulated_dispersion == pytest.approx(16.7e-6 * 20e3)
    # the full chain's loss at most, plus 5 sigma of the SNR measured over 2 pols x 3968
    # symbols (0.24 dB)
    tol = snr_tol_db(2 * r.n_symbols)
    assert 20.0 - FULL_CHAIN_LOSS_DB - tol < float(r.snr_total_db) < 20.0 + tol, (r.snr_db, tol)
    assert float(r.ber_total) < FEC_THRESHOLDS["HD-FEC-7%"]


def test_fibre_link_is_used_as_given_and_runs_are_reproducible():
    spans = [FibreSpan(50.0)]
    kw = {"modulation": "QPSK", "n_symbols": 1024, "warm_up": 2048, "guard": 16}
    fl = FibreLink(spans, [EDFA(gain_db=10.0, noise_figure_db=5.0, seed=1)], step=5e3)
    r = simulate_link(fl, **kw)
    assert r.snr_ase_db == pytest.approx(10 * math.log10(1e-3 / (
        (10 * 10 ** 0.5 - 1) * PLANCK * SPEED_OF_LIGHT / REFERENCE_WAVELENGTH * 32e9)))
    a = simulate_link(spans, seed=11, **kw)
    b = simulate_link(spans, seed=11, **kw)
    c = simulate_link(spans, seed=12, **kw)
    assert torch.equal(a.received, b.received) and not torch.equal(a.received, c.received)


def test_example_script_writes_png(tmp_path):
    spec = importlib.util.spec_from_file_location("optical_link_example",
                                                  ROOT / "examples" / "optical_link.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "snr.png"
    res = mod.main(out, n_symbols=1024, powers=(0.0, 4.0), warm_up=6144, verbose=False)
    assert [r.launch_power_dbm for r in res["16QAM"]] == [0.0, 4.0]
    assert res["64QAM"][0].modulation == "64QAM"
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"sps": 3}, ValueError, "sps"),
    ({"sps": 1}, ValueError, "sps"),
    ({"modulation": "8PSK"}, ValueError, "modulation"),
    ({"osnr_db": 20.0, "snr_db": 15.0}, ValueError, "osnr_db"),
    ({"frequency_offset": 5e9}, ValueError, "frequency_offset"),
    ({"linewidth": -1.0}, ValueError, "linewidth"),
    ({"n_symbols": 200, "guard": 80}, ValueError, "guard"),
    ({"snr_db": float("nan")}, ValueError, "snr_db"),
    ({"launch_power_dbm": "0"}, TypeError, "launch_power_dbm"),
    ({"receiver_options": {"n_taps": 9}, "receiver": CoherentReceiver("QPSK", 32e9)},
     ValueError, "receiver"),
    ({"receiver": "rx"}, TypeError, "receiver"),
    ({"batch_shape": (0,)}, ValueError, "batch_shape"),
])
def test_bad_inputs(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        simulate_link(None, **kwargs)


def test_bad_line():
    with pytest.raises(TypeError, match="link_or_spans must be a Link"):
        simulate_link("5x80km")
    with pytest.raises(TypeError, match=r"link_or_spans\[1\]"):
        simulate_link([FibreSpan(), 80.0])


def test_a_run_beyond_memory_is_refused_before_it_starts():
    with pytest.raises(ValueError, match=r"^n_symbols = 10000000000 would need"):
        simulate_link(None, modulation="16QAM", snr_db=15.0, n_symbols=10**10)
