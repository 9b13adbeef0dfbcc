"""Tests of softran.oran.rate: fronthaul bit rates counted by hand from the frame layout."""

from __future__ import annotations

import math

import pytest

from softran.oran.rate import FronthaulRate, fronthaul_bitrate, n_rb_for_bandwidth


@pytest.mark.parametrize(("bw", "scs", "n_rb"), [
    # TS 38.104 / 38.101-1 Table 5.3.2-1 (FR1), values as listed at
    # https://www.sqimway.com/store_nr.php ("Transmission bandwidth configuration NRB for FR1")
    (5, 15, 25), (20, 15, 106), (50, 15, 270), (35, 15, 188), (45, 15, 242),
    (10, 30, 24), (40, 30, 106), (90, 30, 245), (100, 30, 273), (60, 30, 162),
    # TS 38.101-2 / 38.521-2 Table 5.3.2-1 (FR2), as quoted at
    # https://itecspec.com/spec/3gpp-38-521-2-5-3-ue-channel-bandwidth
    (50, 60, 66), (200, 60, 264), (50, 120, 32), (400, 120, 264),
])
def test_n_rb_table_spot_checks(bw: int, scs: int, n_rb: int) -> None:
    assert n_rb_for_bandwidth(bw, scs) == n_rb


def test_n_rb_bad_inputs() -> None:
    with pytest.raises(ValueError, match="allowed"):
        n_rb_for_bandwidth(60, 15)                      # N/A in Table 5.3.2-1
    with pytest.raises(ValueError, match="scs_khz"):
        n_rb_for_bandwidth(100, 45)
    with pytest.raises(TypeError, match="bandwidth_mhz"):
        n_rb_for_bandwidth(100.5, 30)


def test_100mhz_30khz_4t_bfp9_by_hand() -> None:
    r = fronthaul_bitrate(100, 30, 4, "bfp", 9)
    # 273 PRBs; 14 symbols x 2000 slots/s = 28 000 symbols/s per eAxC
    assert (r.n_prb, r.symbols_per_second) == (273, 28_000.0)
    # IQ: 273 PRB x 12 RE x 2 x 9 bit = 58 968 bit per symbol -> x 28 000 x 4
    assert r.iq_bps == 58_968 * 28_000 * 4 == 6_604_416_000
    # exponents: 273 bytes per symbol
    assert r.comp_param_bps == 273 * 8 * 28_000 * 4
    # MTU 1500: eCPRI (4 + 2 + 2) + timing 4 + section 4 = 16 bytes of headers,
    # (1500 - 16) // 28 = 53 PRBs per message -> 6 messages (5 x 53 + 8)
    assert (r.prbs_per_message, r.messages_per_symbol) == (53, 6)
    # frame: MAC 14 + VLAN 4 + 16 + PRBs + FCS 4, plus 20 bytes preamble/SFD/IFG
    assert r.uplane_frame_bytes == (1542,) * 5 + (282,)     # 58 + 53 x 28, 58 + 8 x 28
    per_symbol = 5 * 1542 + 282                               # 7992 bytes per symbol, eAxC
    assert r.uplane_bps == per_symbol * 8 * 28_000 * 4 == 7_160_832_000
    assert r.uplane_header_bps == 6 * 16 * 8 * 28_000 * 4
    # C-plane ST1: 8 + 4 + 4 + 8 = 24 bytes -> frame 14 + 4 + 24 + 4 = 46 < 64 -> 64 + 20
    assert r.cplane_bps == 84 * 8 * 2000 * 4 == 5_376_000
    assert r.total_bps == 7_166_208_000
    assert r.total_gbps == pytest.approx(7.166208)


def test_jumbo_frames_and_udp() -> None:
    # MTU 9000: one 7644-byte symbol fits in one message (numPrbu = 0)
    r = fronthaul_bitrate(100, 30, 1, "bfp", 9, mtu=9000, cplane=False)
    assert (r.prbs_per_message, r.messages_per_symbol) == (273, 1)
    assert r.uplane_frame_bytes == (14 + 4 + 16 + 7644 + 4 + 20,)
    # UDP/IPv4 adds 28 bytes per frame and takes them from the MTU: (1500-28-16)//28 = 52
    u = fronthaul_bitrate(None, 30, 1, "bfp", 9, n_prb=273, transport="udp-ipv4",
                          cplane=False, line_overhead=False, vlan=False)
    assert u.prbs_per_message == 52 and u.messages_per_symbol == 6
    assert u.uplane_frame_bytes == (14 + 28 + 16 + 52 * 28 + 4,) * 5 + (14 + 28 + 16 + 13 * 28 + 4,)
    # dynamic udCompHdr: 2 more bytes per section -> (1500 - 18) // 28 = 52
    d = fronthaul_bitrate(100, 30, 1, "bfp", 9, ud_comp_hdr_in_section=True)
    assert d.prbs_per_message == 52


def test_numprbu_limit_and_small_frames() -> None:
    # 16-bit IQ (48 bytes/PRB) with jumbo frames: (9000 - 16) // 48 = 187 < 273 -> 2 messages
    r = fronthaul_bitrate(100, 30, 1, "none", 16, mtu=9000)
    assert (r.prbs_per_message, r.messages_per_symbol) == (187, 2)
    # a partial section is limited by the 8-bit numPrbu: 275 PRBs with room for
    # (7296 - 16) // 28 = 260 per message -> 255 + 20 (numPrbu = 0 only for the whole carrier)
    r = fronthaul_bitrate(None, 30, 1, "bfp", 9, n_prb=275, mtu=7296)
    assert (r.prbs_per_message, r.messages_per_symbol) == (255, 2)
    r = fronthaul_bitrate(None, 30, 1, "bfp", 9, n_prb=275, mtu=9000)
    assert (r.prbs_per_message, r.messages_per_symbol) == (275, 1)
    # a one-PRB symbol is padded to the 64-byte minimum frame: 14 + 4 + 16 + 28 + 4 = 66 > 64
    r = fronthaul_bitrate(None, 15, 1, "bfp", 2, n_prb=1, vlan=False, line_overhead=False,
                          cplane=False)
    assert r.uplane_frame_bytes == (64,)                      # 14 + 16 + 7 + 4 = 41 -> 64


def test_numerology_and_extended_cp() -> None:
    for mu in range(5):
        r = fronthaul_bitrate(None, 15 * 2 ** mu, 1, n_prb=10)
        assert r.symbols_per_second == 14 * 1000 * 2 ** mu
    r = fronthaul_bitrate(None, 60, 1, n_prb=10, cyclic_prefix="extended")
    assert r.symbols_per_second == 12 * 4000
    with pytest.raises(ValueError, match="extended"):
        fronthaul_bitrate(None, 30, 1, n_prb=10, cyclic_prefix="extended")


def test_rate_components_add_up() -> None:
    r = fronthaul_bitrate(40, 30, 8, "block-scaling", 12, transport="udp-ipv6")
    assert isinstance(r, FronthaulRate)
    frames = sum(r.uplane_frame_bytes) * 8 * r.symbols_per_second * r.n_antennas
    assert math.isclose(r.uplane_bps, frames)
    assert math.isclose(r.total_bps, r.uplane_bps + r.cplane_bps)


def test_rate_bad_inputs() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        fronthaul_bitrate(100, 30, 4, n_prb=273)
    with pytest.raises(ValueError, match="exactly one"):
        fronthaul_bitrate(None, 30, 4)
    with pytest.raises(ValueError, match="n_antennas"):
        fronthaul_bitrate(100, 30, 0)
    with pytest.raises(ValueError, match="method"):
        fronthaul_bitrate(100, 30, 1, "zip")
    with pytest.raises(ValueError, match="width"):
        fronthaul_bitrate(100, 30, 1, "bfp", 17)
    with pytest.raises(ValueError, match="transport"):
        fronthaul_bitrate(100, 30, 1, transport="tcp")
    with pytest.raises(ValueError, match="mtu = 64 cannot carry"):
        fronthaul_bitrate(100, 30, 1, "none", 16, mtu=64, transport="udp-ipv6")
    with pytest.raises(ValueError, match="mtu"):
        fronthaul_bitrate(100, 30, 1, mtu=63)
    with pytest.raises(TypeError, match="vlan"):
        fronthaul_bitrate(100, 30, 1, vlan=1)
    with pytest.raises(ValueError, match="n_prb"):
        fronthaul_bitrate(None, 30, 1, n_prb=276)
