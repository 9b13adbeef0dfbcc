"""A slot captured from the O-DU (softran.oran.session.capture_slot), decoded by tshark.

Every header field tshark prints, each BFP exponent and each I/Q sample's raw value must equal
what was encoded. Expected values are worked out here from the grid: 16-bit fixed point
``round(x 2^15 / full_scale)``, then BFP per PRB (Annex A.1.2: maxValue = max(maxV, |minV| - 1),
exponent = max(bit_length - w + 1, 0), mantissa = x >> exponent). Skipped without tshark.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from softran.nr import CarrierConfig
from softran.oran.endpoints import FULL_SCALE_12DB, FronthaulConfig
from softran.oran.session import antenna_grids, capture_slot

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

CARRIER = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
N_PRB = 24
COMP = {"none": "No Compression", "bfp": "Block Floating Point Compression"}
FIELDS = ["ecpri.type", "oran_fh_cus.ru_port_id", "oran_fh_cus.sequence_id",
          "oran_fh_cus.data_direction", "oran_fh_cus.frameId", "oran_fh_cus.subframe_id",
          "oran_fh_cus.slotId", "oran_fh_cus.startSymbolId", "oran_fh_cus.sectionId",
          "oran_fh_cus.startPrbu", "oran_fh_cus.numPrbu", "oran_fh_cus.startPrbc",
          "oran_fh_cus.numPrbc", "oran_fh_cus.numSymbol", "oran_fh_cus.sectionType"]


def _int16(grid: torch.Tensor) -> torch.Tensor:
    """[n_ant, 14, n_prb, 24] int64: I, Q of RE 0..11 per PRB, in the 16-bit domain."""
    v = torch.round(torch.view_as_real(grid).double() * (2 ** 15 / FULL_SCALE_12DB))
    return v.to(torch.int64).reshape(grid.shape[0], 14, N_PRB, 24)


def _bfp(v: torch.Tensor, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    max_value = torch.maximum(v.amax(-1), -v.amin(-1) - 1)
    bit_len = torch.tensor([int(m).bit_length() for m in max_value.flatten()]).reshape(
        max_value.shape)
    e = torch.clamp(bit_len - w + 1, min=0)
    return v >> e[..., None], e


def _tshark(path: Path, method: str, width: int, *args: str) -> str:
    prefs = ["-d", "udp.port==50000,ecpri",
             "-o", "oran_fh_cus.oran.du_port_id_bits:4",
             "-o", "oran_fh_cus.oran.bandsector_id_bits:4",
             "-o", "oran_fh_cus.oran.cc_id_bits:4", "-o", "oran_fh_cus.oran.ru_port_id_bits:4",
             "-o", f"oran_fh_cus.oran.iq_bitwidth_down:{width}",
             "-o", f"oran_fh_cus.oran.ud_comp_down:{COMP[method]}",
             "-o", "oran_fh_cus.oran.ud_comp_hdr_down:FALSE"]
    assert TSHARK is not None
    return subprocess.run([TSHARK, "-r", str(path), *prefs, *args], capture_output=True,
                          text=True, timeout=120, check=True).stdout


@pytest.mark.parametrize(("method", "width"), [("none", 16), ("bfp", 9), ("bfp", 14)])
def test_captured_slot_decodes_field_by_field(tmp_path: Path, method: str, width: int) -> None:
    grid = antenna_grids(CARRIER, 2, "256QAM", seed=3)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method=method, width=width)
    path = tmp_path / "slot.pcap"
    n = capture_slot(path, cfg, grid, frame_id=7, subframe_id=4, slot_id=1)
    assert n == 2 + 2 * 14 and cfg.uplane_chunks == ((0, 24),)
    # header fields: C-plane per eAxC, then U-plane symbol-major, Sequence IDs per flow
    args = ["-T", "fields", "-E", "separator=|", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    rows = [dict(zip(FIELDS, line.split("|")))
            for line in _tshark(path, method, width, *args).splitlines()]
    assert len(rows) == n
    for k, row in enumerate(rows):
        common = {"oran_fh_cus.data_direction": "1", "oran_fh_cus.frameId": "7",
                  "oran_fh_cus.subframe_id": "4", "oran_fh_cus.slotId": "1",
                  "oran_fh_cus.sectionId": "1"}
        if k < 2:
            want = dict(common, **{"ecpri.type": "0x02", "oran_fh_cus.ru_port_id": str(k),
                                   "oran_fh_cus.sequence_id": "0",
                                   "oran_fh_cus.startSymbolId": "0",
                                   "oran_fh_cus.sectionType": "1",
                                   "oran_fh_cus.startPrbc": "0", "oran_fh_cus.numPrbc": "24",
                                   "oran_fh_cus.numSymbol": "14"})
        else:
            symbol, e = divmod(k - 2, 2)
            want = dict(common, **{"ecpri.type": "0x00", "oran_fh_cus.ru_port_id": str(e),
                                   "oran_fh_cus.sequence_id": str(symbol),
                                   "oran_fh_cus.startSymbolId": str(symbol),
                                   "oran_fh_cus.startPrbu": "0", "oran_fh_cus.numPrbu": "24"})
        for field, value in want.items():
            assert row[field] == value, f"frame {k + 1}: {field}"
    # every exponent and every I/Q raw value of every U-plane frame
    v = _int16(grid)
    mant, expo = _bfp(v, width) if method == "bfp" else (v, None)
    text = _tshark(path, method, width, "-V")
    frames = re.split(r"\n(?=Frame \d+:)", text)
    assert len(frames) == n and "Malformed" not in text
    for k in range(2, n):
        symbol, e = divmod(k - 2, 2)
        f = frames[k]
        i_hex = [int(h, 16) for h in re.findall(r"iSample: \S+\s+0x([0-9a-f]+)", f)]
        q_hex = [int(h, 16) for h in re.findall(r"qSample: \S+\s+0x([0-9a-f]+)", f)]
        got = torch.tensor([i_hex, q_hex]).T.reshape(N_PRB, 24)
        assert torch.equal(got, mant[e, symbol] % (1 << width)), f"frame {k + 1}"
        if expo is not None:
            exps = [int(x) for x in re.findall(r"= Exponent: (\d+)", f)]
            assert exps == expo[e, symbol].tolist(), f"frame {k + 1}"
