"""Digital back-propagation undoes fibre.py's split-step (dispersion + Kerr nonlinearity)."""

import math

import pytest
import torch
from dsp_signals import dp_qam, shape

from softran.optical.dsp.dbp import digital_back_propagation
from softran.optical.fibre import FibreSpan, ssfm


def forward(x, spans, fs, steps):
    for span in spans:
        x = ssfm(x, span, fs, step=span.length / steps)
        x = x * math.exp(span.alpha * span.length / 2)       # noise-free transparent EDFA
    return x


def test_dbp_inverts_nonlinear_link():
    g = torch.Generator().manual_seed(3)
    rs, sps = 32e9, 4
    _, s = dp_qam("16QAM", 1024, g)
    p_launch = 10 ** (8 / 10) * 1e-3                          # 8 dBm: strongly nonlinear
    x = shape(s, sps, 0.1) * math.sqrt(p_launch / 2)
    spans = [FibreSpan(length_km=80.0)] * 3
    y = forward(x, spans, sps * rs, 40)
    err = lambda z: ((z - x).abs().square().mean() / x.abs().square().mean()).item()  # noqa
    e_dbp = err(digital_back_propagation(y, spans, sps * rs, steps_per_span=40))
    e_cdc = err(digital_back_propagation(y, spans, sps * rs, steps_per_span=40, xi=0.0))
    assert e_cdc > 1e-2                                     # nonlinearity matters here
    assert e_dbp < 1e-3 * e_cdc                             # DBP removes it
    # the launch-power rescaling path gives the same result on an arbitrarily scaled input
    e_scaled = err(digital_back_propagation(y * 7.0, spans, sps * rs, steps_per_span=40,
                                            launch_power=p_launch) / 7.0)
    assert e_scaled < 1e-3 * e_cdc
    # a lossless, linear span: back-propagation is an all-pass (energy preserved)
    span0 = FibreSpan(length_km=80.0, alpha_db_km=0.0, gamma_w_km=0.0)
    z = digital_back_propagation(x, span0, sps * rs, steps_per_span=2)
    assert torch.allclose(z.abs().square().sum(), x.abs().square().sum())


def test_bad_inputs():
    x = torch.zeros(2, 16, dtype=torch.complex128)
    with pytest.raises(TypeError, match="spans"):
        digital_back_propagation(x, [], 64e9)
    with pytest.raises(ValueError, match="steps_per_span"):
        digital_back_propagation(x, FibreSpan(), 64e9, steps_per_span=0)
    with pytest.raises(ValueError, match="xi"):
        digital_back_propagation(x, FibreSpan(), 64e9, xi=-1.0)
    with pytest.raises(ValueError, match="launch_power"):
        digital_back_propagation(x, FibreSpan(), 64e9, launch_power=0.0)
