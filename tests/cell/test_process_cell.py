"""The cell as separate processes (``softran cell run`` without ``--inline``): the same
results as the inline cell, and the faults -- a killed O-RU, Ctrl-C -- stop every process
with one clear line.

The process tests wait on events (a line the coordinator prints, its exit), never on a fixed
time (tests/process_events.py).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pytest
from process_events import Process

from softran.cell.config import load_cell_config

SCENARIOS = Path(__file__).parents[2] / "scenarios" / "cell"
_MAIN = "import sys; from softran.cli import main; sys.exit(main())"


def _gone(pid: int) -> bool:
    """The process no longer runs (reaped, or a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


@pytest.mark.slow
def test_processes_give_the_inline_results(tmp_path: Path) -> None:
    # the same slot order and seeds in five processes as in one: per-UE results, fronthaul
    # counters and PHY counters equal the inline run's (one_ue_high_snr, 80 slots)
    from softran.cell.processes import ProcessCell
    from softran.cell.run import InlineCell
    from softran.fapi import DlTtiRequest, SlotIndication
    from softran.fapi.codec import decode_all
    from softran.oran.pcap import read_pcap
    from softran.oran.transport import parse_ethernet_frame, parse_udp_ipv4_frame

    config = load_cell_config(SCENARIOS / "one_ue_high_snr.toml")
    inline = InlineCell(config).run()
    cell = ProcessCell(config, pcap=tmp_path / "cell.pcap")
    try:
        procs = cell.run()
    finally:
        cell.close()
    assert procs.ues == inline.ues
    assert procs.ues[0].dl_intact and procs.ues[0].ul_intact
    assert procs.fronthaul == inline.fronthaul and procs.counters == inline.counters
    # the O-RU's receive windows: its clock follows the O-DU's paced sends, every C-/U-plane
    # message on time, as inline
    fh = procs.fronthaul
    assert fh["O-RU rx on time"] == fh["O-RU rx packets"] and \
        fh["O-RU rx early"] == fh["O-RU rx late"] == 0
    # CPU seconds per process, from the slot replies: every child, each at least what its
    # stages were timed (cpu_per_slot x slots, the same process_time clock) and the live
    # dashboard shows them
    from rich.console import Console

    from softran.cli.cell import _dashboard

    assert set(cell.process_cpu) == {"O-DU", "O-RU", "air", "UE 0"}
    slots = procs.slots
    for role, stages in (("UE 0", ("ue",)), ("air", ("air",)), ("O-RU", ("o-ru",)),
                         ("O-DU", ("mac", "phy downlink", "phy uplink"))):
        timed = sum(procs.cpu_per_slot.get(s, 0.0) for s in stages) * slots
        assert 0 < timed <= cell.process_cpu[role] + 1e-6, (role, timed)
    console = Console(width=80, record=True)
    console.print(_dashboard(cell, 80, 80))
    assert "CPU s per process: O-DU" in console.export_text()
    # the pcap of the processes: every fronthaul message each end's socket sent, every FAPI
    # message of the O-DU
    packets = read_pcap(tmp_path / "cell.pcap")
    kinds = [parse_ethernet_frame(p.data).ethertype for p in packets]
    n_ecpri = kinds.count(0xAEFE)
    assert n_ecpri == procs.fronthaul["O-DU tx packets"] + procs.fronthaul["O-RU tx packets"]
    msgs = [m for p, k in zip(packets, kinds, strict=True) if k == 0x0800
            for m in decode_all(parse_udp_ipv4_frame(p.data).payload)]
    assert sum(isinstance(m, SlotIndication) for m in msgs) == 80
    assert sum(isinstance(m, DlTtiRequest) for m in msgs) == 80
    assert [p.timestamp_ns for p in packets] == sorted(p.timestamp_ns for p in packets)


def _start(frames: int) -> tuple[Process, dict[str, int]]:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    proc = Process([sys.executable, "-c", _MAIN, "cell", "run",
                    str(SCENARIOS / "one_ue_high_snr.toml"), "--frames", str(frames)], env=env)
    line = proc.out.wait_for(lambda s: s.startswith("processes: "))
    assert line is not None, proc.err.text()
    pids = {m[1]: int(m[2]) for m in re.finditer(r"((?:O-DU|O-RU|air|UE \d+)) pid (\d+)", line)}
    assert set(pids) == {"O-DU", "O-RU", "air", "UE 0"}, line
    return proc, pids


@pytest.mark.slow
def test_killing_the_oru_stops_the_cell() -> None:
    proc, pids = _start(frames=4)
    with proc:
        assert proc.out.wait_for(lambda s: s.startswith("slot 10/80")) is not None
        os.kill(pids["O-RU"], signal.SIGKILL)
        code = proc.proc.wait()
        err = proc.err.text()
        out = proc.out.text()
    # on a failure, the exit code and both pipes (an exit 1 with an empty stderr was seen once,
    # with three test suites sharing the 2 cores, and never reproduced)
    assert code == 2, f"exit code {code}\nstderr:\n{err}\nstdout (last 2000 chars):\n{out[-2000:]}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(rf"softran: error: the O-RU process \(pid {pids['O-RU']}\) was killed "
                        r"by SIGKILL at slot \d+; the cell stopped", lines[0]), lines[0]
    assert all(_gone(p) for p in pids.values())


@pytest.mark.slow
def test_ctrl_c_stops_every_process() -> None:
    proc, pids = _start(frames=4)
    with proc:
        assert proc.out.wait_for(lambda s: s.startswith("slot 10/80")) is not None
        code, _, err = proc.interrupt()
    lines = err.strip().splitlines()
    assert code == 130 and len(lines) == 1, err
    assert re.fullmatch(r"softran: interrupted: stopped the cell's processes \(O-DU, O-RU, air, "
                        r"UE 0\) after slot \d+", lines[0]), lines[0]
    assert all(_gone(p) for p in pids.values())
