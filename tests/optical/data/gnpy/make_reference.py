"""Regenerate ``reference_gsnr.json`` from GNPy (run under a Python that has GNPy 3.0.1,
e.g. ``python -m venv /tmp/gnpyenv && /tmp/gnpyenv/bin/pip install gnpy==3.0.1``)::

    /tmp/gnpyenv/bin/python tests/optical/data/gnpy/make_reference.py

For each case it runs ``gnpy-transmission-example TOPOLOGY SOURCE DESTINATION -e
EQUIPMENT --show-channels [-po P] [--sim-params S]`` on the files of this folder (GNPy's
example data, see README.md) and records, from GNPy's printed output, the per-channel table
(frequency, channel power, OSNR ASE, SNR NLI and GSNR in the signal bandwidth, 0.01 dB
resolution as GNPy prints them) and, for every element of the path, its printed design
(amplifier type, gain, delta_p, NF, fibre loss, ROADM loss). The test
``tests/optical/test_gnpy_reference.py`` compares softran's reading of the same files
against these numbers without GNPy.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).parent
EXE = Path(sys.executable).with_name("gnpy-transmission-example")

CASES = [
    {"id": "edfa_p2p", "topology": "edfa_example_network.json", "source": "Site_A",
     "destination": "Site_B", "equipment": "eqpt_config.json"},
    {"id": "edfa_p2p_gain_mode", "topology": "edfa_example_network.json", "source": "Site_A",
     "destination": "Site_B", "equipment": "eqpt_config_gain_mode.json"},
    {"id": "mesh_brest_vannes", "topology": "meshTopologyExampleV2.json",
     "source": "trx Brest_KLA", "destination": "trx Vannes_KBE",
     "equipment": "eqpt_config.json"},
    {"id": "mesh_brest_vannes_po3", "topology": "meshTopologyExampleV2.json",
     "source": "trx Brest_KLA", "destination": "trx Vannes_KBE",
     "equipment": "eqpt_config.json", "power_dbm": 3.0},
    {"id": "mesh_lannion_vannes", "topology": "meshTopologyExampleV2.json",
     "source": "trx Lannion_CAS", "destination": "trx Vannes_KBE",
     "equipment": "eqpt_config.json"},
    {"id": "mesh_rennes_brest", "topology": "meshTopologyExampleV2.json",
     "source": "trx Rennes_STA", "destination": "trx Brest_KLA",
     "equipment": "eqpt_config.json"},
    {"id": "sweden_umea_malmo", "topology": "Sweden_OpenROADMv5_example_network.json",
     "source": "trx_Umeå", "destination": "trx_Malmö",
     "equipment": "eqpt_config_openroadm_ver5.json"},
    {"id": "mesh_rennes_brest_srs", "topology": "meshTopologyExampleV2.json",
     "source": "trx Rennes_STA", "destination": "trx Brest_KLA",
     "equipment": "eqpt_config.json", "sim_params": "sim_params_srs_gn.json"},
]

_ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+(-?[\d.]+|-?inf)\s+(-?[\d.]+|inf)\s+(-?[\d.]+|inf)"
                  r"\s+(-?[\d.]+|inf)\s*$")
_ELEMENT = re.compile(r"^(Transceiver|Roadm|Edfa|Fiber|Fused|RamanFiber)\s+(.+?)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _parse(out: str) -> tuple[list[dict], list[dict]]:
    elements: list[dict] = []
    channels: list[dict] = []
    in_table = False
    for line in _ANSI.sub("", out).splitlines():
        if line.startswith("The GSNR per channel"):
            in_table = True
            continue
        if in_table:
            m = _ROW.match(line)
            if m:
                channels.append({"channel": int(m[1]), "frequency_thz": float(m[2]),
                                 "power_dbm": float(m[3]), "osnr_ase_db": float(m[4]),
                                 "snr_nli_db": float(m[5]), "gsnr_db": float(m[6])})
            continue
        m = _ELEMENT.match(line)
        if m:
            elements.append({"type": m[1], "uid": m[2]})
        elif elements and line.startswith("  ") and ":" in line:
            key, _, value = line.strip().partition(":")
            value = value.strip()
            if value:
                elements[-1][key.strip()] = _number(value.split()[0])
    return elements, channels


def main() -> int:
    cases = []
    for case in CASES:
        cmd = [EXE.name, case["topology"], case["source"], case["destination"], "-e",
               case["equipment"], "--show-channels"]
        if "power_dbm" in case:
            cmd += ["-po", str(case["power_dbm"])]
        if "sim_params" in case:
            cmd += ["--sim-params", case["sim_params"]]
        out = subprocess.run([str(EXE), *cmd[1:]], cwd=HERE, capture_output=True, text=True,
                             check=True).stdout
        elements, channels = _parse(out)
        if not channels:
            raise SystemExit(f"{case['id']}: no channel table in the output:\n{out}")
        cases.append({**case, "command": " ".join(repr(c) if " " in c else c for c in cmd),
                      "elements": elements, "channels": channels})
        print(f"{case['id']}: {len(channels)} channels, {len(elements)} elements")
    doc = {"_comment": [
        "Reference per-channel GSNR of GNPy for the files of this folder (see README.md).",
        f"Produced by tests/optical/data/gnpy/make_reference.py with gnpy {version('gnpy')} "
        "(gnpy-transmission-example, run in this folder); values as GNPy prints them (0.01 dB).",
        "Signal-bandwidth figures: osnr_ase_db, snr_nli_db, gsnr_db; gsnr_db includes the "
        "transceiver tx_osnr and the ROADM add/drop OSNR (GNPy update_snr), so does osnr_ase_db; "
        "snr_nli_db does not."],
        "gnpy_version": version("gnpy"), "cases": cases}
    (HERE / "reference_gsnr.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
