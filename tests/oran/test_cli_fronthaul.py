"""`softran fronthaul ...`: rate, capture, loop, and argument errors (exit code 2)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from softran.cli import main
from softran.oran import read_pcap


def test_rate_prints_the_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fronthaul", "rate", "--bandwidth", "100", "--scs", "30", "--antennas", "4",
                 "--method", "bfp", "--width", "9"]) == 0
    out = capsys.readouterr().out
    # 273 PRB x 24 x 9 bits x 14 x 2000 symbols/s x 4 = 6.604416 Gbit/s; line rate 7.166208
    assert "273 PRB at 30 kHz, 4 eAxC, bfp-9" in out
    assert "6.604416 Gbit/s" in out and "total            7.166208 Gbit/s" in out
    assert "6 per symbol and eAxC, up to 53 PRBs" in out


def test_capture_writes_a_pcap_that_tshark_reads(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "slot.pcap"
    assert main(["fronthaul", "capture", "--out", str(out), "--n-prb", "24", "--antennas", "2",
                 "--method", "bfp", "--width", "9"]) == 0
    assert "30 messages" in capsys.readouterr().out
    packets = read_pcap(out)
    assert len(packets) == 30
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed")
    text = subprocess.run([tshark, "-r", str(out), "-d", "udp.port==50000,ecpri",
                           "-o", "oran_fh_cus.oran.iq_bitwidth_down:9", "-o",
                           "oran_fh_cus.oran.ud_comp_down:Block Floating Point Compression",
                           "-o", "oran_fh_cus.oran.ud_comp_hdr_down:FALSE"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert text.count("O-RAN-FH-C") == 2 and text.count("O-RAN-FH-U") == 28
    assert "Malformed" not in text


def test_loop_runs_du_and_ru_and_prints_counters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fronthaul", "loop", "--slots", "2", "--n-prb", "24", "--antennas", "2",
                 "--method", "none"]) == 0
    out = capsys.readouterr().out
    # per eAxC and direction: 2 slots x 14 symbols = 28 U-plane messages (24 PRB fit 1500 B)
    assert out.count("U-plane DL eAxC 0x0001") == 2
    assert "malformed: 0" in out and "PRBs missing 0 of 1344" in out
    assert "slot 1: EVM downlink at the O-RU" in out and "uplink at the O-DU" in out
    rows = [line for line in out.splitlines() if "U-plane DL eAxC 0x0000" in line]
    assert [r.split("│")[2].strip() for r in rows] == ["28", "0"]   # tx at the O-DU, O-RU
    assert [r.split("│")[4].strip() for r in rows] == ["0", "28"]   # rx


@pytest.mark.parametrize(("argv", "pattern"), [
    (["fronthaul", "rate", "--scs", "45"], "scs_khz = 45"),
    (["fronthaul", "rate", "--method", "zip"], "method"),
    (["fronthaul", "loop", "--slots", "0", "--n-prb", "24"], "slots = 0"),
    (["fronthaul", "loop", "--n-prb", "300"], "n_size_grid = 300"),
    (["fronthaul", "capture", "--n-prb", "24"], "Missing option '--out'"),
    (["fronthaul", "capture", "--out", "x.pcap", "--method", "modulation"], "method"),
    (["fronthaul", "ru", "--duration", "-1"], "duration = -1"),
    (["fronthaul", "du", "--width", "17", "--method", "bfp"], "width"),
])
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                              pattern: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err and "Traceback" not in err
