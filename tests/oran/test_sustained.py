"""A sustained O-DU <-> O-RU run over UDP loopback loses nothing (issue 18's fronthaul)."""

from __future__ import annotations

import pytest

from softran.nr import CarrierConfig
from softran.oran.endpoints import FronthaulConfig, run_sustained


def test_half_a_second_of_slots_loses_nothing() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    cfg = FronthaulConfig.from_carrier(carrier, 2, method="bfp", width=9)
    r = run_sustained(cfg, 0.5, warmup=5)
    assert r.slots == 1000                                  # 0.5 s of 500 us slots
    # per slot and direction: one C-plane message per eAxC and one U-plane message per
    # symbol and eAxC (51 BFP-9 PRBs = 1428 bytes fit one 1500-byte MTU datagram)
    assert r.sent == r.slots * 2 * (2 + 14 * 2)
    assert r.received == r.sent and r.lost == 0 and r.malformed == 0 and r.prbs_missing == 0
    assert r.dl_cpu.shape == r.ul_cpu.shape == (1000,) and (r.dl_cpu > 0).all()
    assert r.oru_messages == r.slots * (2 + 28) and r.oru_cpu > 0     # downlink only


def test_bad_arguments() -> None:
    cfg = FronthaulConfig.from_carrier(CarrierConfig(subcarrier_spacing=30, n_size_grid=24), 1)
    with pytest.raises(TypeError, match="config"):
        run_sustained("cfg", 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seconds"):
        run_sustained(cfg, -1.0)
    modulation = FronthaulConfig.from_carrier(
        CarrierConfig(subcarrier_spacing=30, n_size_grid=24), 1, method="modulation", width=1,
        modulation="QPSK")
    with pytest.raises(ValueError, match="modulation"):
        run_sustained(modulation, 0.1)
