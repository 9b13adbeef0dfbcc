"""The whole cell in one process (``softran cell run --inline``) for 40 ms with one UE:
cell search, SIB1, 4-step random access, then a given byte string down and up, intact."""

from __future__ import annotations

import pytest

from softran.cell.config import load_cell_config
from softran.cell.radio_unit import PRACH_EAXC
from softran.cell.run import InlineCell

CELL = """
[cell]
bandwidth_mhz = 20
frames = 4
dl_mcs = 9
ul_mcs = 9
seed = 3
[fronthaul]
method = "bfp"
width = 9
[[ue]]
snr_db = 25.0
cfo_hz = 300.0
delay_ns = 300.0
"""

DL = b"softran downlink: " + bytes(range(256)) * 3 + b" -- end of the downlink string"
UL = b"softran uplink: " + bytes(reversed(range(256))) * 2 + b" -- end of the uplink string"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    pcap = tmp_path_factory.mktemp("cell") / "cell.pcap"
    cell = InlineCell(load_cell_config(CELL), dl_data=[DL], ul_data=[UL], pcap=pcap)
    result = cell.run()
    cell.pcap_path = pcap
    return cell, result


def test_attach_and_data_arrive_intact(run) -> None:
    cell, result = run
    assert result.slots == 80 and result.slots * result.slot_ms == 40.0
    (ue,) = result.ues
    assert ue.state == "attached" and ue.rnti is not None
    assert bytes(cell.ues[0].received) == DL                     # DL-SCH, MAC SDUs of the DRB
    (ctx,) = cell.mac.ues.values()
    assert bytes(ctx.ul_received) == UL                          # UL-SCH, through the PHY
    assert ue.dl_intact and ue.ul_intact
    # TS 38.321 §7.1: the first TC-RNTI after the RA-RNTI range (max 0x4600)
    assert ue.rnti == 0x4601 and ctx.attach_slot is not None


def test_attach_within_20_ms_of_cell_search(run) -> None:
    _, result = run
    ue = result.ues[0]
    assert ue.found_ms is not None and ue.attach_ms is not None
    assert ue.attach_ms - ue.found_ms <= 20.0


def test_timing_advance_and_cfo_from_the_channel(run) -> None:
    cell, result = run
    ue = cell.ues[0]
    # 300 ns one way = 9 samples at 30.72 MHz = 293 ns; T_A step 16 x 64 / 2 T_c = 260.4 ns
    # (TS 38.213 §4.2): round(293 / 260.4) = 1
    assert result.ues[0].timing_advance == 1
    # the cell search's CFO estimate: within 1/20 of a subcarrier of the channel's 300 Hz
    assert abs(ue.stats.cfo_hz - 300.0) < 1500.0


def test_fronthaul_carried_every_slot_and_nothing_was_refused(run) -> None:
    cell, result = run
    t_du, t_ru = cell.odu.counters.totals(), cell.ru.oru.counters.totals()
    # per downlink slot 1 C-plane + 14 U-plane messages (51 PRBs fit one section)
    assert t_du["tx_packets"] >= 80 * 15 and t_ru["rx_packets"] == t_du["tx_packets"]
    assert t_du["malformed"] == t_ru["malformed"] == 0 and t_du["prbs_missing"] == 0
    assert cell.phy.errors == []
    assert result.counters["pusch crc fail"] == 0


def test_pcap_holds_fronthaul_and_fapi(run) -> None:
    from softran.fapi import CrcIndication, DlTtiRequest, RachIndication, SlotIndication
    from softran.fapi.codec import decode_all
    from softran.oran.pcap import read_pcap
    from softran.oran.transport import parse_ethernet_frame, parse_udp_ipv4_frame

    cell, result = run
    packets = read_pcap(cell.pcap_path)
    kinds = [parse_ethernet_frame(p.data).ethertype for p in packets]
    ecpri = [p for p, k in zip(packets, kinds, strict=True) if k == 0xAEFE]     # eCPRI
    udp = [parse_udp_ipv4_frame(p.data) for p, k in zip(packets, kinds, strict=True)
           if k == 0x0800]                                                       # IPv4
    assert len(ecpri) + len(udp) == len(packets)
    t_du, t_ru = cell.odu.counters.totals(), cell.ru.oru.counters.totals()
    assert len(ecpri) == t_du["tx_packets"] + t_ru["tx_packets"]
    msgs = [m for d in udp for m in decode_all(d.payload)]
    assert sum(isinstance(m, SlotIndication) for m in msgs) == 80
    assert sum(isinstance(m, DlTtiRequest) for m in msgs) == 80
    assert any(isinstance(m, RachIndication) for m in msgs)
    assert any(isinstance(m, CrcIndication) for m in msgs)
    assert sum(len(d.payload) for d in udp) == result.counters["fapi bytes"]


def test_pusch_snr_report_matches_the_channel(run) -> None:
    # CRC.indication UL_CQI (SCF 222: 0.5 dB steps from -64 dB) of the last PUSCH: the
    # post-MMSE SNR of a flat 25 dB link, within 3 dB (channel-estimation loss, 9-bit BFP)
    cell, _ = run
    (ctx,) = cell.mac.ues.values()
    assert ctx.ul_snr_db is not None and abs(ctx.ul_snr_db - 25.0) < 3.0


def test_csi_reports_reach_the_mac(run) -> None:
    # the UE measures the CSI-RS of slot 0 of each frame once attached and reports on PUCCH
    # format 2 in slot 11; the MAC gets every report it scheduled, with the UE's CQI; a flat
    # 25 dB link estimates within 1.5 dB and is above CQI 15's threshold (20.1 dB)
    cell, _ = run
    (ctx,) = cell.mac.ues.values()
    (ue,) = cell.ues
    assert ctx.csi_reports >= 2 and ctx.csi_missed == 0
    sent = {s + 11: c for s, c, _ in ue.stats.cqi_history}
    for slot, cqi in ctx.cqi_history:
        assert sent[slot + ue.offset] == cqi
    assert all(abs(db - 25.0) < 1.5 for _, _, db in ue.stats.cqi_history)
    assert ctx.cqi == 15


def test_msg4_rrc_setup_and_dedicated_dcis(run) -> None:
    # the UE took the RRCSetup from Msg4 and then got its data through DCI 1_1 / 0_1 (the
    # bytes of test_attach_and_data_arrive_intact): its log names the RRCSetup
    cell, _ = run
    (ue,) = cell.ues
    assert ue.rrc_setup
    assert any(t.startswith("RRCSetup (transaction 0)") for _, t in ue.stats.events)


def test_every_fronthaul_message_reaches_the_oru_on_time(run) -> None:
    """Simulated time, paced O-DU: each downlink C-/U-plane message, each uplink C-plane
    (section type 1) and each PRACH C-plane (section type 3) arrives in its O-RU receive
    window (T2a, O-RAN.WG4.CUS.0 reference §4.2) -- none early, none late, on every flow."""
    cell, _ = run
    rx = cell.ru.oru.counters.rx
    kinds = {(f.plane, f.direction) for f in rx}
    assert kinds == {("C", "DL"), ("U", "DL"), ("C", "UL")}
    assert {f.eaxc_id for f in rx if f.plane == "C" and f.direction == "UL"} == {0, PRACH_EAXC}
    for flow, c in rx.items():
        assert c.packets > 0 and (c.early, c.late) == (0, 0), flow
        assert c.on_time == c.packets, flow
    # 80 slots: one downlink C-plane and 14 downlink U-plane messages each
    t = cell.ru.oru.counters.totals()
    assert t["rx_U_on_time"] == 80 * 14 and t["rx_C_on_time"] == t["rx_C_packets"] > 80
