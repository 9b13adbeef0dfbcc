"""Transmitter impairment specifications of ``softran waveform tm --impair``."""

from __future__ import annotations

import pytest
import torch

from softran.sim.tx_impairments import IMPAIRMENT_NAMES, TransmitterImpairments


def test_parse_and_describe_in_application_order():
    imp = TransmitterImpairments.parse(["delay=3", "pa=saleh:6", "iq=0.2:1.5", "cfo=-100",
                                        "phase-noise=wiener:50", "snr=35"])
    assert imp.describe() == ("iq=0.2:1.5 cfo=-100 phase-noise=wiener:50 pa=saleh:6 snr=35 "
                              "delay=3")
    assert IMPAIRMENT_NAMES == ("iq", "cfo", "phase-noise", "pa", "snr", "delay")
    assert TransmitterImpairments.parse(None).describe() == ""
    assert TransmitterImpairments.parse(["PA = rapp:8:3"]).describe() == "pa=rapp:8:p3"


def test_apply_shapes_delay_and_determinism():
    x = torch.ones(1, 64, dtype=torch.complex64)
    imp = TransmitterImpairments.parse(["snr=20", "delay=4", "phase-noise=tr38803:3.5"])
    y = imp.apply(x, 1e6, seed=2)
    assert y.shape == (1, 68) and bool((y[:, :4] == 0).all())
    assert torch.equal(y, imp.apply(x, 1e6, seed=2))
    assert not torch.equal(y, imp.apply(x, 1e6, seed=3))
    assert torch.equal(TransmitterImpairments.parse([]).apply(x, 1e6), x)


@pytest.mark.parametrize("items, match", [
    (["pa"], "name=value"),
    (["gain=3"], "not an impairment"),
    (["pa=tube:3"], "model 'tube'"),
    (["pa=rapp"], "needs 1..2"),
    (["pa=rapp:x"], "not a number"),
    (["iq=1"], "needs 2..2"),
    (["cfo=1", "cfo=2"], "twice"),
    (["delay=2.5"], "integer"),
    (["delay=-1"], "delay"),
    (["phase-noise=wiener:-5"], "linewidth"),
])
def test_bad_specifications(items, match):
    with pytest.raises(ValueError, match=match):
        TransmitterImpairments.parse(items)
