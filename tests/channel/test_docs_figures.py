"""docs/make_channel_figures.py: the figure data are right and the PNGs are written."""

import importlib.util
import math
from pathlib import Path

import pytest
import torch

from softran.channel import tdl_profile

_SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "make_channel_figures.py"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def figs():
    spec = importlib.util.spec_from_file_location("make_channel_figures", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rms_delay_spread(d, p):
    p = p / p.sum()
    m = (p * d).sum()
    return float(((p * d ** 2).sum() - m ** 2).sqrt())


def test_pdp_data(figs):
    data = figs.pdp_data(300e-9)
    (d_c, p_c), (d_300, p_300) = data.values()
    ref = torch.tensor(tdl_profile("TDL-C").delays, dtype=torch.float64) * 300e-9
    assert torch.allclose(d_c, ref)
    for d, p in data.values():
        assert float(p.sum()) == pytest.approx(1.0)
        # TR 38.901 §7.7.3 scaling / TS 38.101-4 naming: both have an RMS delay spread of
        # 300 ns (computed here from delays and powers)
        assert _rms_delay_spread(d, p) == pytest.approx(300e-9, rel=0.03)
    assert len(d_300) == 12


def test_doppler_spectrum_is_jakes(figs):
    fd = 100.0
    f, meas, jakes = figs.doppler_spectrum(max_doppler=fd, sample_rate=1000.0,
                                           n_samples=1024, n_realisations=2)
    df = float(f[1] - f[0])
    total = float(meas.sum()) * df
    assert total == pytest.approx(1.0, rel=0.15)  # unit-power paths (24 processes)
    inside = float(meas[f.abs() <= fd].sum()) * df
    assert inside / total > 0.95
    # the Jakes density integrates to 1 on [-fD, fD]: 2/pi * arcsin(1) (its grid sum
    # misses the integrable edge singularities, so compare the band |f| < 0.9 fD)
    band = f.abs() < 0.9 * fd
    ref = 2 / math.pi * math.asin(0.9)
    assert float(jakes[band].sum()) * df == pytest.approx(ref, rel=0.03)
    assert float(meas[band].sum()) * df == pytest.approx(ref, rel=0.15)


def test_time_frequency_response(figs):
    f, t, mag = figs.time_frequency_response(n_subcarriers=66, subcarrier_spacing=60e3,
                                             duration=0.1, n_times=40)
    assert mag.shape == (66, 40)
    assert float(f[-1] - f[0]) == pytest.approx(65 * 60e3)
    assert float(t[-1]) == pytest.approx(0.1, abs=1e-6)
    assert bool(torch.isfinite(mag).all())
    power = float((10 ** (mag / 10)).mean())  # normalised profile: E|H|^2 = 1
    assert 0.3 < power < 3.0
    assert float(mag.max() - mag.min()) > 10  # frequency/time selective fading


def test_main_writes_three_small_pngs(figs, tmp_path):
    paths = figs.main(tmp_path, quick=True)
    assert [p.name for p in paths] == ["tdl_c_pdp.png", "tdl_doppler.png",
                                       "tdl_time_frequency.png"]
    for p in paths:
        data = p.read_bytes()
        assert data[:8] == _PNG_MAGIC
        assert 1_000 < len(data) < 150_000
