"""The UE takes its random-access configuration from the SIB1 it decoded, not from its plan:
PRACH occasions from TS 38.211 Table 6.3.3.2-2, and a UE given a plan with a different PRACH
still attaches to the cell."""

from __future__ import annotations

import dataclasses

from softran.cell.config import load_cell_config
from softran.cell.plan import cell_plan
from softran.cell.rrc import ServingCellCommon
from softran.cell.run import InlineCell
from softran.cell.ue import UE


def _slots(ue: UE, frame: int) -> list[int]:
    spf = ue.plan.slots_per_frame
    return [s % spf for s in range(frame * spf, (frame + 1) * spf) if ue._is_prach_slot(s)]


def test_prach_occasions_from_the_table() -> None:
    ue = UE(cell_plan(20))
    # configuration 105 (x = 1, y = 0, subframes 0, 2, 4, 6, 8, two PRACH slots): the second
    # 30 kHz slot of each of those subframes, every frame -- the plan's PRACH slots
    ue._use_sib1(cell_plan(20).serving_cell_common())
    assert _slots(ue, 0) == _slots(ue, 1) == [1, 5, 9, 13, 17] == list(ue.plan.prach_slots)
    # configuration 94 (x = 2, y = 0, subframes 4, 9, one PRACH slot, n_slot^RA = 1):
    # slots 9 and 19 of even frames only
    ue._use_sib1(ServingCellCommon(prach_configuration_index=94, msg1_frequency_start=38))
    assert (_slots(ue, 0), _slots(ue, 1), _slots(ue, 2)) == ([9, 19], [], [9, 19])
    assert ue.prach_cfg.active_slot == 0 and ue.prach_cfg.configuration_index == 94


CELL = """
[cell]
bandwidth_mhz = 20
frames = 3
seed = 5
[[ue]]
snr_db = 25.0
"""


def test_a_ue_with_another_prach_in_its_plan_attaches_by_sib1() -> None:
    cell = InlineCell(load_cell_config(CELL), dl_data=[b"down"], ul_data=[b"up"])
    plan = cell.plan
    # the UE's plan: another root sequence, N_CS, frequency start, occasions and RAR window;
    # a preamble sent by it would not be found by the cell's PRACH receiver
    wrong = dataclasses.replace(
        plan, prach=plan.prach.model_copy(update={
            "sequence_index": 60, "zero_correlation_zone": 2, "frequency_start": 3}),
        prach_slots=(3, 7, 11), ra_response_window=2, contention_resolution_slots=2)
    ue = cell.ues[0] = UE(wrong, 0, uplink_data=b"up", seed=5, s_tmsi=cell.ues[0].s_tmsi)
    cell.run()
    assert ue.state == "attached"
    sib = plan.serving_cell_common()
    assert ue.rach == sib
    p = ue.prach_cfg
    assert (p.configuration_index, p.sequence_index, p.zero_correlation_zone,
            p.frequency_start) == (105, 1, 8, 38)
    assert ue.prach_slot % plan.slots_per_frame in plan.prach_slots
    assert ue.ra_window[1] - ue.prach_slot == 10          # SIB1's ra-ResponseWindow
    assert bytes(ue.received).startswith(b"down")
