"""IQ imbalance: the image of a tone against the image rejection ratio of the model."""

import math

import pytest
import torch

from softran.channel import IQImbalance, image_rejection_ratio_db


def test_iq_imbalance_image_of_a_tone() -> None:
    """A complex tone at +f through the imbalance: the power at -f over the power at +f is
    1 / IRR of the formula."""
    n = torch.arange(1024, dtype=torch.float64)
    tone = torch.exp(2j * math.pi * 37 * n / 1024)
    for amp_db, ph in ((0.5, 2.0), (1.0, -3.0), (0.0, 5.0)):
        y = IQImbalance(amp_db, ph)(tone)
        spec = torch.fft.fft(y).abs().square()
        irr = 10 * math.log10(float(spec[37] / spec[1024 - 37]))
        assert irr == pytest.approx(image_rejection_ratio_db(amp_db, ph), abs=1e-6)
    assert torch.equal(IQImbalance()(tone), tone)
    assert image_rejection_ratio_db(0.0, 0.0) == math.inf
    with pytest.raises(TypeError, match="complex"):
        IQImbalance(1.0)(torch.ones(4))
