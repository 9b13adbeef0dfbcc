"""PRACH over the fronthaul (O-RAN.WG4.CUS.0 section type 3 + PRACH U-plane): the O-DU's
detector on the O-RU's frequency-domain samples finds what it finds on time samples."""

from __future__ import annotations

import torch

from softran.cell.plan import cell_plan
from softran.cell.radio_unit import PRACH_EAXC, inline_fronthaul
from softran.nr import PRACHDetector, prach
from softran.oran.cplane import decode_cplane
from softran.oran.prach import prach_occasion


def _subframe_with_preamble(preamble: int, delay: int, snr_db: float, seed: int
                            ) -> tuple[torch.Tensor, object]:
    plan = cell_plan(20)
    cfg = plan.prach_config(preamble)
    w = prach(plan.carrier, cfg).reshape(1, -1)
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(1, 2 * 15360, dtype=torch.complex64)
    x[:, delay:delay + w.shape[-1]] = w[:, :x.shape[-1] - delay]
    n0 = 10 ** (-snr_db / 10)
    noise = torch.randn(1, x.shape[-1], 2, generator=g) * (n0 / 2) ** 0.5
    return x + torch.view_as_complex(noise), plan


def test_detect_bins_equals_time_domain_detection() -> None:
    for preamble, delay, seed in ((0, 0, 1), (17, 5, 2), (63, 12, 3)):
        x, plan = _subframe_with_preamble(preamble, delay, 10.0, seed)
        det = PRACHDetector(plan.carrier, plan.prach, n_rx=1)
        ref = det(x.unsqueeze(0))
        i = det.info
        u = x[:, i.start + i.n_cp:i.start + i.n_cp + i.n_u].reshape(1, 1, i.repetitions, i.n)
        out = det.detect_bins(torch.fft.fft(u, norm="ortho")[..., det.bins])
        assert out.detected.nonzero()[:, 1].tolist() == ref.detected.nonzero()[:, 1].tolist() \
            == [preamble]
        # the same statistic up to float rounding (summing FFTs = FFT of the sum)
        assert torch.allclose(out.metric, ref.metric, rtol=1e-4, atol=1e-4)
        assert abs(float(out.timing[0, preamble] - ref.timing[0, preamble])) < 1e-9


def test_prach_through_the_endpoints() -> None:
    # the O-RU gets the subframe, the O-DU asks for the occasion of slot 1 (section type 3),
    # the O-RU answers with 2 PRACH symbols of 12 PRBs, BFP 9 bit; detection and timing as on
    # the time samples
    delay = 9                                           # 293 ns at 30.72 MHz
    x, plan = _subframe_with_preamble(42, delay, 20.0, 7)
    odu, ru, _, pipes = inline_fronthaul(plan.carrier)
    sent: list[bytes] = []
    pipes[0].tap = sent.append
    ru.set_uplink(0, x[:, :15360])
    ru.set_uplink(1, x[:, 15360:])
    occ = prach_occasion(plan.carrier, plan.prach, 0, 0, 1)
    assert odu.request_prach(occ) == 1
    (c,) = sent
    msg = decode_cplane(c)
    assert msg.section_type == 3 and msg.eaxc_id == PRACH_EAXC
    assert (msg.frame_structure, msg.time_offset, msg.cp_length) == (0xA1, 0, 160)
    assert msg.sections[0].freq_offset == 300 and msg.sections[0].num_prbc == 12
    ru.pump()
    odu.receive(timeout=1e-3)
    y, got = odu.prach.samples(0, 0, 1)
    assert tuple(y.shape) == (2, 144) and bool(got.all())
    det = PRACHDetector(plan.carrier, plan.prach, n_rx=1)
    out = det.detect_bins(y[:, 2:2 + 139].reshape(1, 1, 2, 139))
    assert out.detected.nonzero()[:, 1].tolist() == [42]
    # one-way delay 9 samples = 293 ns; the estimate within a tenth of a PRACH sample period
    # (1 / (139 x 30 kHz) = 240 ns)
    assert abs(float(out.timing[0, 42]) - delay / 30.72e6) < 24e-9
    t = odu.counters.totals()
    assert t["rx_packets"] == 2 and t["malformed"] == 0
