"""scenarios/cell/fh_loss_1pct.toml: a lost fronthaul message shows in the counters and as a
HARQ retransmission, and the data still arrive intact."""

from __future__ import annotations

from pathlib import Path

from softran.cell.config import load_cell_config
from softran.cell.run import InlineCell

CELL = Path(__file__).parents[2] / "scenarios" / "cell" / "fh_loss_1pct.toml"


def test_lost_uplane_is_counted_and_retransmitted() -> None:
    cell = InlineCell(load_cell_config(CELL))
    total = cell.config.cell.frames * cell.plan.slots_per_frame
    ue = cell.ues[0]
    spf, spsf = cell.plan.slots_per_frame, cell.plan.carrier.slots_per_subframe
    lost_prbs, failed = {}, []
    for n in range(total):
        errors = ue.stats.dl_errors
        cell.step(n)
        key = ((n // spf) % 256, (n % spf) // spsf, n % spsf)
        lost_prbs[n] = int((~cell.ru.oru.downlink_received(*key)).sum())
        if ue.stats.dl_errors > errors:
            failed.append(n)
    r = cell.result()
    (u,) = r.ues
    # the O-RU's sequence-ID counters saw the lost downlink U-plane, the O-DU's the uplink
    assert r.fronthaul["O-RU rx U lost"] > 0
    assert r.fronthaul["O-RU rx packets"] < r.fronthaul["O-DU tx packets"]
    # a PDSCH failed in a slot whose downlink lost PRBs (14 symbols x 51 PRBs were sent), the
    # UE answered NACK and the MAC retransmitted: HARQ recovered the data
    assert failed and all(lost_prbs[n] > 0 for n in failed), (failed, lost_prbs)
    assert u.dl_retx >= len(failed) and u.dl_bler > 0
    assert u.state == "attached" and u.dl_intact and u.ul_intact
