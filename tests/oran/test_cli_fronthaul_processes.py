"""`softran fronthaul ru` and `softran fronthaul du` as two processes over UDP loopback: both
exit 0 and every packet the O-DU counts as sent, the O-RU counts as received (per flow)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from process_events import BACKSTOP_S, Process

_MAIN = "import sys; from softran.cli import main; sys.exit(main())"
# The O-RU process as `softran fronthaul ru`, plus two events on stdout for the test to wait on:
# "ready" once its socket is open, and "rx N" whenever its received-packet count changes.
_RU_MAIN = """
import sys, threading, time
from softran.oran.endpoints.endpoint import Endpoint

start = Endpoint.start

def start_and_report(self):
    start(self)
    print("ready", flush=True)

    def report():
        seen = 0
        while True:
            n = self.counters.rx_packets
            if n != seen:
                seen = n
                print(f"rx {n}", flush=True)
            time.sleep(0.01)

    threading.Thread(target=report, daemon=True).start()

Endpoint.start = start_and_report
from softran.cli import main
sys.exit(main())
"""
N_PRB, N_ANT, SLOTS = 24, 2, 2


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _flows(out: str) -> dict[str, tuple[int, int, int, int]]:
    """flow -> (tx packets, tx bytes, rx packets, rx bytes) from a counters table."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 5 and "-plane" in cells[1]:
            rows[cells[1]] = tuple(int(c) for c in cells[2:6])
    return rows


def test_du_and_ru_processes_agree_on_every_flow() -> None:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
        du_port, ru_port = _free_port(), _free_port()
    except OSError as err:
        pytest.skip(f"UDP sockets are not available: {err}")
    common = ["--n-prb", str(N_PRB), "--antennas", str(N_ANT), "--method", "bfp", "--width",
              "9"]
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    with _start_ru(ru_port, du_port, common, env) as ru:
        du = subprocess.run(
            [sys.executable, "-c", _MAIN, "fronthaul", "du", "--port", str(du_port),
             "--ru-port", str(ru_port), "--slots", str(SLOTS), *common],
            capture_output=True, text=True, env=env, timeout=BACKSTOP_S, check=False)
        if du.returncode == 0:                     # until every packet sent has arrived
            _wait_received(ru, sum(row[0] for row in _flows(du.stdout).values()))
        code, ru_out, ru_err = ru.interrupt()     # Ctrl-C: the O-RU prints and exits 0
    assert du.returncode == 0, du.stderr
    assert code == 0, ru_err
    sent, received = _flows(du.stdout), _flows(ru_out)
    # per eAxC: C-plane 1 message per slot, U-plane 14 per slot (24 PRBs fit one message)
    for e in range(N_ANT):
        c, u = f"C-plane DL eAxC {e:#06x}", f"U-plane DL eAxC {e:#06x}"
        assert sent[c][0] == SLOTS and sent[u][0] == 14 * SLOTS
        assert received[c][2:] == sent[c][:2] and received[u][2:] == sent[u][:2]
    assert set(received) == set(sent)
    assert "malformed: 0" in ru_out and f"PRBs missing 0 of {SLOTS * N_ANT * 14 * N_PRB}" \
        in ru_out


def _start_ru(ru_port: int, du_port: int, common: list[str], env: dict[str, str]) -> Process:
    """An O-RU process whose socket is open (it can receive): waits for its "ready" line.
    Its ``--duration`` is only a backstop; the tests stop it with Ctrl-C."""
    ru = Process([sys.executable, "-c", _RU_MAIN, "fronthaul", "ru", "--port", str(ru_port),
                  "--du-port", str(du_port), "--duration", str(2 * BACKSTOP_S), *common],
                 env=env)
    if ru.out.wait_for(lambda line: line == "ready\n") is None:
        with ru:
            pass                                   # killed if still running
        pytest.fail(f"the O-RU did not start: {ru.err.text()}")
    return ru


def _wait_received(ru: Process, total: int) -> None:
    """Until the O-RU reports ``total`` received packets (or stops, or the backstop expires:
    the counters compared afterwards then say what is missing)."""
    ru.out.wait_for(lambda line: line.startswith("rx ") and int(line.split()[1]) >= total)


def test_du_waits_for_the_uplink_of_an_ru_process_and_reports_it() -> None:
    try:
        du_port, ru_port = _free_port(), _free_port()
    except OSError as err:
        pytest.skip(f"UDP sockets are not available: {err}")
    common = ["--n-prb", str(N_PRB), "--antennas", str(N_ANT)]
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    with _start_ru(ru_port, du_port, common, env) as ru:
        # a loaded O-RU answers late: the wait restarts with every arrival, and ends as soon
        # as every requested PRB is in
        du = subprocess.run(
            [sys.executable, "-c", _MAIN, "fronthaul", "du", "--port", str(du_port),
             "--ru-port", str(ru_port), "--slots", str(SLOTS), "--uplink", "--uplink-wait",
             "30", *common], capture_output=True, text=True, env=env, timeout=BACKSTOP_S,
            check=False)
        code, _, ru_err = ru.interrupt()
    assert code == 0, ru_err
    assert du.returncode == 0, du.stderr
    n = SLOTS * N_ANT * 14 * N_PRB
    assert f"uplink: complete, {n} of {n} PRBs in {SLOTS} slot(s)" in du.stdout


def test_du_reports_the_uplink_that_did_not_come(capsys, monkeypatch) -> None:
    from softran.cli import main

    try:
        du_port, nobody = _free_port(), _free_port()
    except OSError as err:
        pytest.skip(f"UDP sockets are not available: {err}")
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["fronthaul", "du", "--port", str(du_port), "--ru-port", str(nobody),
                 "--slots", "2", "--uplink", "--uplink-wait", "0.2", "--n-prb", str(N_PRB),
                 "--antennas", "1"]) == 0
    out = capsys.readouterr().out
    n = 2 * 14 * N_PRB
    assert f"uplink: {n} of {n} PRBs missing; the wait expired 0.2 s after the uplink was due" \
        in out
    for slot in ("frame 0 subframe 0 slot 0", "frame 0 subframe 0 slot 1"):
        assert f"{slot}: {n // 2} of {n // 2} PRBs missing (eAxC 0, symbols 0-13)" in out
