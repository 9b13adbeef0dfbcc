"""`softran fronthaul ... --macsec-key`: captures that tshark's ``macsec`` dissector reads,
the loop and two processes under MACsec, and bad keys (exit code 2).

tshark 4.0 (Debian 12) dissects the SecTAG of every frame and, for integrity-only frames
(E = C = 0), the eCPRI / O-RAN message inside; it has no MACsec key preference
(``tshark -G defaultprefs`` lists none), so it cannot decrypt confidentiality-protected frames:
their secure data shows as ``Data``. :func:`test_tshark_decryption_capability` records which
case the installed tshark is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from process_events import BACKSTOP_S
from test_cli_fronthaul_processes import (  # one copy of the process helpers
    _flows,
    _free_port,
    _start_ru,
    _wait_received,
)

from softran.cli import main
from softran.oran import MACsecConfig, parse_ethernet_frame, read_pcap
from softran.oran.macsec import ODU_MAC, ORU_MAC

KEY = "000102030405060708090a0b0c0d0e0f"
TSHARK = shutil.which("tshark")
PREFS = ["-o", "oran_fh_cus.oran.iq_bitwidth_down:9",
         "-o", "oran_fh_cus.oran.ud_comp_down:Block Floating Point Compression",
         "-o", "oran_fh_cus.oran.ud_comp_hdr_down:FALSE"]
_MAIN = "import sys; from softran.cli import main; sys.exit(main())"


def _capture(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    assert main(["fronthaul", "capture", "--out", str(out), "--n-prb", "24", "--antennas", "2",
                 "--method", "bfp", "--width", "9", "--transport", "ethernet", *extra]) == 0
    return out


def test_capture_frames_validate_with_the_key(tmp_path: Path) -> None:
    """Each captured frame is MACsec (EtherType 0x88E5, PN 1, 2, ...); the O-RU's SecY
    recovers exactly the frames of the unprotected capture."""
    plain = read_pcap(_capture(tmp_path, "plain.pcap"))
    prot = read_pcap(_capture(tmp_path, "m.pcap", "--macsec-key", KEY))
    assert len(prot) == len(plain) == 30
    secy = MACsecConfig.from_hex(KEY).secy(ORU_MAC, ODU_MAC)
    for i, (p, q) in enumerate(zip(plain, prot)):
        assert q.data[12:14] == b"\x88\xe5" and int.from_bytes(q.data[16:20], "big") == i + 1
        frame = secy.validate(q.data)
        assert frame is not None
        assert parse_ethernet_frame(frame).payload == parse_ethernet_frame(p.data).payload[
            :len(parse_ethernet_frame(frame).payload)]
    assert secy.totals()["InPktsOK"] == 30


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")
def test_tshark_reads_the_sectag_and_the_oran_inside_integrity_only(tmp_path: Path) -> None:
    pcap = _capture(tmp_path, "int.pcap", "--macsec-key", KEY, "--macsec-integrity-only")
    fields = subprocess.run(
        [TSHARK, "-r", str(pcap), *PREFS, "-T", "fields", "-e", "macsec.TCI.SC",
         "-e", "macsec.TCI.E", "-e", "macsec.AN", "-e", "macsec.PN",
         "-e", "macsec.SCI.system_identifier", "-e", "macsec.SCI.port_identifier",
         "-e", "macsec.etype", "-e", "ecpri.type"],
        capture_output=True, text=True, check=True, timeout=60).stdout.splitlines()
    assert len(fields) == 30
    rows = [line.split("\t") for line in fields]
    assert [int(r[3]) for r in rows] == list(range(1, 31))            # PN
    assert {(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows} == {
        ("1", "0", "0x00", ODU_MAC, "1", "0xaefe")}   # SC set, E clear, AN 0, SCI, type
    assert sorted({r[7] for r in rows}) == ["0x00", "0x02"]            # IQ data and RT ctrl
    text = subprocess.run([TSHARK, "-r", str(pcap), *PREFS], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert text.count("O-RAN-FH-C") == 2 and text.count("O-RAN-FH-U") == 28
    assert "Malformed" not in text


def _has_macsec_key_prefs() -> bool:
    prefs = subprocess.run([TSHARK, "-G", "defaultprefs"], capture_output=True, text=True,
                           check=False, timeout=60).stdout
    return bool(re.search(r"^#?\s*macsec\.", prefs, re.MULTILINE))


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")
def test_tshark_decryption_capability(tmp_path: Path) -> None:
    """Encrypted frames: tshark reads the SecTAG (E and C set, PN, SCI) and the ICV. Without
    MACsec key preferences (tshark 4.0) the O-RAN messages stay hidden."""
    pcap = _capture(tmp_path, "enc.pcap", "--macsec-key", KEY)
    rows = subprocess.run([TSHARK, "-r", str(pcap), *PREFS, "-T", "fields",
                           "-e", "macsec.TCI.E", "-e", "macsec.TCI.C", "-e", "macsec.PN",
                           "-e", "macsec.ICV"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [r.split("\t") for r in rows.splitlines()]
    assert len(rows) == 30 and all(r[0] == r[1] == "1" and len(r[3]) == 32 for r in rows)
    text = subprocess.run([TSHARK, "-r", str(pcap), *PREFS], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    if _has_macsec_key_prefs():
        pytest.skip("this tshark has MACsec key preferences; decrypting with them is not "
                    "checked here")
    assert "O-RAN-FH" not in text and text.count("MACsec frame") == 30


def test_loop_under_macsec_prints_the_8021ae_counters(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["fronthaul", "loop", "--slots", "2", "--n-prb", "24", "--antennas", "1",
                 "--method", "none", "--macsec-key", KEY * 2]) == 0
    out = capsys.readouterr().out
    assert "O-DU MACsec counters" in out and "O-RU MACsec counters" in out
    ok = [int(line.split("│")[2]) for line in out.splitlines()
          if "│ InPktsOK" in line]
    # the O-DU receives 28 uplink U-plane messages, the O-RU 2 x (1 C + 14 U) + 2 UL C-plane
    assert sorted(ok) == [28, 32]
    assert "slot 1: EVM downlink at the O-RU" in out


@pytest.mark.parametrize(("key", "pattern"), [
    ("xyz", "is not hex"), ("00" * 20, "40 hex digits; allowed: 32"),
])
def test_bad_macsec_key_exits_2(capsys: pytest.CaptureFixture[str], key: str,
                                pattern: str) -> None:
    assert main(["fronthaul", "loop", "--n-prb", "24", "--macsec-key", key]) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err and "Traceback" not in err


def test_du_and_ru_processes_under_macsec() -> None:
    """Two processes with the same --macsec-key: every frame the O-DU encrypts, the O-RU
    validates (InPktsOK = OutPktsEncrypted), none is dropped."""
    du_port, ru_port = _free_port(), _free_port()
    common = ["--n-prb", "24", "--antennas", "1", "--method", "bfp", "--width", "9",
              "--macsec-key", KEY]
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    with _start_ru(ru_port, du_port, common, env) as ru:   # returns once the O-RU can receive
        du = subprocess.run([sys.executable, "-c", _MAIN, "fronthaul", "du", "--port",
                             str(du_port), "--ru-port", str(ru_port), "--slots", "2", *common],
                            capture_output=True, text=True, env=env, timeout=BACKSTOP_S,
                            check=False)
        if du.returncode == 0:
            _wait_received(ru, sum(row[0] for row in _flows(du.stdout).values()))
        code, ru_out, ru_err = ru.interrupt()
    assert du.returncode == 0, du.stderr
    assert code == 0, ru_err

    def counter(out: str, name: str) -> int:
        return int(next(line.split("│")[2] for line in out.splitlines()
                        if f"│ {name} " in line))

    assert counter(du.stdout, "OutPktsEncrypted") == 30
    assert counter(ru_out, "InPktsOK") == 30
    assert counter(ru_out, "InPktsNotValid") == counter(ru_out, "InPktsNoTag") == 0
