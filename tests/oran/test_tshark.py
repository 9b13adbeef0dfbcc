"""Interop: pcaps written here, decoded by Wireshark's O-RAN dissector (tshark), field by field.

Skipped when ``tshark`` is not installed. Preferences are pinned on the command line as in
reference §5.4 (eAxC split 4/4/4/4, uncompressed 16-bit U-plane, no U-plane udCompHdr); the
UDP copies of each frame are decoded with ``-d udp.port==50000,ecpri``. IQ samples are compared
through the raw hex that tshark prints next to each iSample / qSample (tshark 4.0 scales
"No Compression" samples by 2^-30, newer versions by 1/32767).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from softran.oran import (
    CPlaneMessage,
    PcapWriter,
    Section0,
    Section1,
    Section3,
    SeqId,
    TimingHeader,
    UdCompHdr,
    UPlaneMessage,
    UPlaneSection,
    encode_cplane,
    encode_uplane,
    frame_structure,
    pack_uncompressed,
)

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

PREFS = [
    "-o", "oran_fh_cus.oran.du_port_id_bits:4", "-o", "oran_fh_cus.oran.bandsector_id_bits:4",
    "-o", "oran_fh_cus.oran.cc_id_bits:4", "-o", "oran_fh_cus.oran.ru_port_id_bits:4",
    "-o", "oran_fh_cus.oran.iq_bitwidth_down:16",
    "-o", "oran_fh_cus.oran.ud_comp_down:No Compression",
    "-o", "oran_fh_cus.oran.ud_comp_hdr_down:FALSE",
    "-o", "oran_fh_cus.oran.iq_bitwidth_up:16",
    "-o", "oran_fh_cus.oran.ud_comp_up:No Compression",
    "-o", "oran_fh_cus.oran.ud_comp_hdr_up:FALSE",
    "-d", "udp.port==50000,ecpri",
]

FIELDS = ["ecpri.type", "ecpri.size", "oran_fh_cus.du_port_id", "oran_fh_cus.bandsector_id",
          "oran_fh_cus.cc_id", "oran_fh_cus.ru_port_id", "oran_fh_cus.sequence_id",
          "oran_fh_cus.e_bit", "oran_fh_cus.subsequence_id", "oran_fh_cus.data_direction",
          "oran_fh_cus.filterIndex", "oran_fh_cus.frameId", "oran_fh_cus.subframe_id",
          "oran_fh_cus.slotId", "oran_fh_cus.startSymbolId", "oran_fh_cus.sectionType",
          "oran_fh_cus.timeOffset", "oran_fh_cus.frameStructure.fft",
          "oran_fh_cus.frameStructure.spacing", "oran_fh_cus.cpLength",
          "oran_fh_cus.sectionId", "oran_fh_cus.rb", "oran_fh_cus.symInc",
          "oran_fh_cus.startPrbc", "oran_fh_cus.numPrbc", "oran_fh_cus.reMask",
          "oran_fh_cus.numSymbol", "oran_fh_cus.ef", "oran_fh_cus.beamId",
          "oran_fh_cus.freqOffset", "oran_fh_cus.udCompHdrMeth", "oran_fh_cus.udCompHdrWidth",
          "oran_fh_cus.startPrbu", "oran_fh_cus.numPrbu"]

DL = TimingHeader(data_direction=1, frame_id=3, subframe_id=2, slot_id=1, start_symbol_id=0)
UL_PRACH = TimingHeader(data_direction=0, frame_id=200, subframe_id=9, slot_id=1,
                        start_symbol_id=4, filter_index=1)

ST1 = CPlaneMessage(eaxc_id=0x1234, timing=DL, section_type=1, seq=SeqId(5), sections=(
    Section1(section_id=17, start_prbc=10, num_prbc=20, re_mask=0xABC, num_symbol=3, beam_id=77),
    Section1(section_id=18, start_prbc=40, num_prbc=5, rb=1, sym_inc=1, beam_id=0x7FFF)))
ST0 = CPlaneMessage(eaxc_id=0x0002, timing=DL, section_type=0, seq=SeqId(6), time_offset=1234,
                    frame_structure=frame_structure(4096, 1), cp_length=288,
                    sections=(Section0(section_id=9, start_prbc=100, num_prbc=10, num_symbol=14),))
ST3 = CPlaneMessage(eaxc_id=0x0003, timing=UL_PRACH, section_type=3, seq=SeqId(255),
                    time_offset=4321, frame_structure=frame_structure(1536, 0), cp_length=3168,
                    ud_comp_hdr=UdCompHdr(9, 1),
                    sections=(Section3(section_id=7, start_prbc=2, num_prbc=12, beam_id=5,
                                       freq_offset=-792),))
IQ = (torch.arange(-24, 24).reshape(2, 12, 2) * 1237) % 65536 - 32768     # spans the int16 range
UPLANE = UPlaneMessage(eaxc_id=0x0001, timing=DL, seq=SeqId(42), sections=(
    UPlaneSection(section_id=1, start_prbu=3, num_prbu=2, prb_payload=pack_uncompressed(IQ)),))
MESSAGES = [("C", ST1), ("C", ST0), ("C", ST3), ("U", UPLANE)]


def _expected(kind: str, msg: CPlaneMessage | UPlaneMessage, wire: bytes) -> dict[str, str]:
    t = msg.timing
    eaxc = msg.eaxc_id
    exp = {
        "ecpri.type": "0x02" if kind == "C" else "0x00", "ecpri.size": str(len(wire) - 4),
        "oran_fh_cus.du_port_id": str(eaxc >> 12), "oran_fh_cus.bandsector_id": str(eaxc >> 8 & 15),
        "oran_fh_cus.cc_id": str(eaxc >> 4 & 15), "oran_fh_cus.ru_port_id": str(eaxc & 15),
        "oran_fh_cus.sequence_id": str(msg.seq.sequence_id), "oran_fh_cus.e_bit": "1",
        "oran_fh_cus.subsequence_id": "0",
        "oran_fh_cus.data_direction": str(t.data_direction),
        "oran_fh_cus.filterIndex": str(t.filter_index), "oran_fh_cus.frameId": str(t.frame_id),
        "oran_fh_cus.subframe_id": str(t.subframe_id), "oran_fh_cus.slotId": str(t.slot_id),
        "oran_fh_cus.startSymbolId": str(t.start_symbol_id),
    }
    sections = msg.sections
    exp["oran_fh_cus.sectionId"] = ",".join(str(s.section_id) for s in sections)
    exp["oran_fh_cus.rb"] = ",".join(str(s.rb) for s in sections)
    exp["oran_fh_cus.symInc"] = ",".join(str(s.sym_inc) for s in sections)
    if kind == "U":
        exp["oran_fh_cus.startPrbu"] = ",".join(str(s.start_prbu) for s in sections)
        exp["oran_fh_cus.numPrbu"] = ",".join(str(s.num_prbu) for s in sections)
        return exp
    assert isinstance(msg, CPlaneMessage)
    exp["oran_fh_cus.sectionType"] = str(msg.section_type)
    exp["oran_fh_cus.startPrbc"] = ",".join(str(s.start_prbc) for s in sections)
    exp["oran_fh_cus.numPrbc"] = ",".join(str(s.num_prbc) for s in sections)
    exp["oran_fh_cus.reMask"] = ",".join(f"0x{s.re_mask:04x}" for s in sections)
    exp["oran_fh_cus.numSymbol"] = ",".join(str(s.num_symbol) for s in sections)
    if msg.section_type in (0, 3):
        exp["oran_fh_cus.timeOffset"] = str(msg.time_offset)
        exp["oran_fh_cus.frameStructure.fft"] = f"0x{msg.frame_structure >> 4:02x}"
        exp["oran_fh_cus.frameStructure.spacing"] = f"0x{msg.frame_structure & 15:02x}"
        exp["oran_fh_cus.cpLength"] = str(msg.cp_length)
    if msg.section_type in (1, 3):
        exp["oran_fh_cus.ef"] = ",".join(str(int(bool(s.extensions))) for s in sections)
        exp["oran_fh_cus.beamId"] = ",".join(str(getattr(s, "beam_id")) for s in sections)
    if msg.section_type == 3:
        # tshark 4.0 prints the 24-bit field unsigned
        exp["oran_fh_cus.freqOffset"] = ",".join(str(getattr(s, "freq_offset") & 0xFFFFFF)
                                                 for s in sections)
    if msg.timing.data_direction == 0 and msg.section_type in (1, 3, 5):
        exp["oran_fh_cus.udCompHdrMeth"] = str(msg.ud_comp_hdr.ud_comp_meth)
        exp["oran_fh_cus.udCompHdrWidth"] = str(msg.ud_comp_hdr.ud_iq_width % 16)
    return exp


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple]]:
    path = tmp_path_factory.mktemp("tshark") / "oran.pcap"
    frames = []
    with PcapWriter(path) as w:
        for k, (kind, msg) in enumerate(MESSAGES):
            wire = encode_cplane(msg) if isinstance(msg, CPlaneMessage) else encode_uplane(msg)
            w.write_ethernet(wire, 2 * k * 1000)                  # frame 2k + 1
            w.write_udp(wire, (2 * k + 1) * 1000, dst_port=50000)   # frame 2k + 2
            frames += [(kind, msg, wire)] * 2
    return path, frames


def _tshark(*args: str) -> str:
    assert TSHARK is not None
    out = subprocess.run([TSHARK, *args], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout


def test_every_printed_field_equals_what_was_encoded(capture: tuple) -> None:
    path, frames = capture
    args = ["-r", str(path), *PREFS, "-T", "fields", "-E", "separator=|", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    rows = [line.split("|") for line in _tshark(*args).splitlines()]
    assert len(rows) == len(frames) == 8
    for k, (row, (kind, msg, wire)) in enumerate(zip(rows, frames)):
        got = dict(zip(FIELDS, row))
        for field, value in _expected(kind, msg, wire).items():
            assert got[field] == value, f"frame {k + 1} ({kind}-plane): {field}"


def test_uplane_iq_samples_equal_what_was_encoded(capture: tuple) -> None:
    path, _ = capture
    for frame in (7, 8):                                         # Ethernet and UDP copies
        text = _tshark("-r", str(path), *PREFS, "-Y", f"frame.number=={frame}", "-V")
        i_hex = re.findall(r"iSample: \S+\s+0x([0-9a-f]{4})", text)
        q_hex = re.findall(r"qSample: \S+\s+0x([0-9a-f]{4})", text)
        got = torch.tensor([[int(i, 16), int(q, 16)] for i, q in zip(i_hex, q_hex)])
        assert len(i_hex) == len(q_hex) == 24
        assert torch.equal(got, (IQ.reshape(24, 2) % 65536))
        assert "Malformed" not in text and "Expert Info (Error" not in text


def test_no_malformed_frames(capture: tuple) -> None:
    path, _ = capture
    summary = _tshark("-r", str(path), *PREFS)
    assert summary.count("O-RAN-FH-C") == 6 and summary.count("O-RAN-FH-U") == 2
    assert "Malformed" not in summary
