"""IEEE 802.1AE MACsec (softran.oran.macsec): the IEEE test vectors of every cipher suite,
receive validation and its counters, faults dropped while the flow goes on."""

from __future__ import annotations

import pytest
import torch
from macsec_vectors import FRAMES, K128, K256, PN, PROTECTED, SALT, SCI, SSCI, XPN_HIGH, plain_frame

from softran.oran import (
    EcpriMessage,
    FronthaulConfig,
    MACsecConfig,
    MACsecError,
    MACsecTransport,
    SecTAG,
    SecY,
    UDPTransport,
    build_ethernet_frame,
    cipher_suite,
    encode_ecpri,
    loopback_pair,
    make_sci,
    run_loop,
)
from softran.oran.macsec import ODU_MAC, ORU_MAC

SUITES = list(PROTECTED)
CASES = [pytest.param(s, k, id=f"{s}-frame{k}") for s in SUITES for k in FRAMES]


def _setup(suite: str, k: int) -> tuple[bytes, bytes, int, int, dict]:
    i = (k - 1) // 2
    key = bytes.fromhex((K256 if "256" in suite else K128)[i])
    sci = bytes.fromhex(SCI[i])
    xpn = "XPN" in suite
    pn = (XPN_HIGH << 32 | PN[i]) if xpn else PN[i]
    extra = {"ssci": SSCI, "salt": bytes.fromhex(SALT)} if xpn else {}
    return key, sci, pn, FRAMES[k][2], extra


def _expected(suite: str, k: int) -> bytes:
    _, sci, pn, tci, _ = _setup(suite, k)
    plain = plain_frame(k)
    secure = plain[12:]
    tag = SecTAG(an=tci & 3, pn=pn & 0xFFFFFFFF, sl=len(secure) if len(secure) < 48 else 0,
                 es=bool(tci & 0x40), sc=bool(tci & 0x20), e=bool(tci & 0x08),
                 c=bool(tci & 0x04), sci=sci if tci & 0x20 else None)
    body = bytes.fromhex(PROTECTED[suite][k])
    return plain[:12] + tag.to_bytes() + (body if tci & 0x08 else secure + body)


@pytest.mark.parametrize(("suite", "k"), CASES)
def test_ieee_vectors_protect(suite: str, k: int) -> None:
    """IEEE 802.1AE Annex C vectors (bn-randall-test-vectors-0511 2.1-2.8; 802.1AEbw XPN)."""
    key, sci, pn, tci, extra = _setup(suite, k)
    tx = SecY(sci, cipher_suite=suite, confidentiality=bool(tci & 0x08),
              include_sci=bool(tci & 0x20))
    tx.install_tx_sa(tci & 3, key, next_pn=pn, **extra)
    assert tx.protect(plain_frame(k)) == _expected(suite, k)


@pytest.mark.parametrize(("suite", "k"), CASES)
def test_ieee_vectors_validate(suite: str, k: int) -> None:
    key, sci, pn, tci, extra = _setup(suite, k)
    rx = SecY(make_sci("02:00:00:00:00:99"), cipher_suite=suite)
    rx.install_rx_sa(sci, tci & 3, key, next_pn=pn, **extra)
    frame = _expected(suite, k)
    assert rx.validate(frame) == plain_frame(k)
    stats = rx.rx_stats(sci)
    assert stats["InPktsOK"] == 1 and rx.last_drop is None
    octets = "InOctetsDecrypted" if tci & 0x08 else "InOctetsValidated"
    assert rx.stats[octets] == len(plain_frame(k)) - 12
    # the same frame again: late; under XPN the PN is recovered 2^32 ahead (clause 10.6.2 of
    # 802.1AEbw), so the replay fails the ICV instead
    assert rx.validate(frame) is None
    assert stats["InPktsNotValid" if "XPN" in suite else "InPktsLate"] == 1


def test_cipher_suites_table() -> None:
    assert [(s, cipher_suite(s).key_bytes, cipher_suite(s).xpn) for s in SUITES] == [
        ("GCM-AES-128", 16, False), ("GCM-AES-256", 32, False),
        ("GCM-AES-XPN-128", 16, True), ("GCM-AES-XPN-256", 32, True)]
    assert cipher_suite("GCM-AES-128").identifier == "00-80-C2-00-01-00-00-01"


def _pair(cfg: MACsecConfig) -> tuple[SecY, SecY]:
    return cfg.secy(ODU_MAC, ORU_MAC), cfg.secy(ORU_MAC, ODU_MAC)


FRAME = build_ethernet_frame(bytes(range(100)), ORU_MAC, ODU_MAC, pad=False)


@pytest.mark.parametrize("xpn", [False, True])
@pytest.mark.parametrize("confidentiality", [True, False])
def test_faults_are_dropped_counted_and_the_flow_goes_on(xpn: bool, confidentiality: bool
                                                        ) -> None:
    du, ru = _pair(MACsecConfig(bytes(range(16)), xpn=xpn, confidentiality=confidentiality))
    sci = make_sci(ODU_MAC)
    good = [du.protect(FRAME) for _ in range(6)]
    assert ru.validate(good[0]) == FRAME
    flipped = bytearray(good[1])
    flipped[40] ^= 0x04                                      # one bit of the secure data
    assert ru.validate(bytes(flipped)) is None and ru.last_drop == "InPktsNotValid"
    assert ru.validate(good[1]) == FRAME                     # the genuine frame still passes
    late = "InPktsNotValid" if xpn else "InPktsLate"         # XPN: recovered PN + 2^32
    assert ru.validate(good[0]) is None and ru.last_drop == late                # replayed
    other_an = bytearray(good[2])
    other_an[14] = (other_an[14] & 0xFC) | 1                 # AN 1: no SA installed
    assert ru.validate(bytes(other_an)) is None and ru.last_drop == "InPktsNotUsingSA"
    other_sci = bytearray(good[2])
    other_sci[25] ^= 0xFF                                    # unknown secure channel
    assert ru.validate(bytes(other_sci)) is None and ru.last_drop == "InPktsNoSCI"
    assert ru.validate(FRAME) is None and ru.last_drop == "InPktsNoTag"          # plain
    bad_tag = bytearray(good[2])
    bad_tag[14] |= 0x80                                      # V = 1
    assert ru.validate(bytes(bad_tag)) is None and ru.last_drop == "InPktsBadTag"
    assert [ru.validate(g) for g in good[2:]] == [FRAME] * 4
    sc = ru.rx_stats(sci)
    assert (sc["InPktsOK"], sc["InPktsNotValid"] + sc["InPktsLate"], sc[late],
            sc["InPktsNotUsingSA"]) == (6, 2, 1 + (late == "InPktsNotValid"), 1)
    assert (ru.stats["InPktsNoSCI"], ru.stats["InPktsNoTag"], ru.stats["InPktsBadTag"]) \
        == (1, 1, 1)
    assert ru.rx_sa_stats(sci, 0)["InPktsNotValid"] == 1 + xpn
    counter = "OutPktsEncrypted" if confidentiality else "OutPktsProtected"
    assert du.tx_stats[counter] == 6


def test_check_and_disabled_modes_deliver_what_strict_drops() -> None:
    du, ru = _pair(MACsecConfig(bytes(16), confidentiality=False, validate_frames="Check"))
    f = du.protect(FRAME)
    bad = bytearray(f)
    bad[40] ^= 1                                             # secure data octet 12
    want = bytearray(FRAME)
    want[24] ^= 1
    assert ru.validate(bytes(bad)) == bytes(want)            # delivered as it arrived
    assert ru.rx_stats(make_sci(ODU_MAC))["InPktsInvalid"] == 1
    assert ru.validate(FRAME) == FRAME and ru.stats["InPktsUntagged"] == 1
    _, ru = _pair(MACsecConfig(bytes(16), validate_frames="Disabled"))
    assert ru.validate(du.protect(FRAME)) is not None
    assert ru.rx_stats(make_sci(ODU_MAC))["InPktsUnchecked"] == 1


def test_replay_window_and_delayed_frames() -> None:
    du, ru = _pair(MACsecConfig(bytes(16), replay_window=2))
    f = [du.protect(FRAME) for _ in range(5)]                # PN 1..5
    assert ru.validate(f[3]) == FRAME                        # PN 4: lowest acceptable 3
    assert ru.validate(f[2]) == FRAME                        # PN 3, reordered, in the window
    assert ru.validate(f[0]) is None and ru.last_drop == "InPktsLate"
    _, ru = _pair(MACsecConfig(bytes(16), replay_protect=False))
    assert ru.validate(f[3]) == FRAME and ru.validate(f[0]) == FRAME
    assert ru.rx_stats(make_sci(ODU_MAC))["InPktsDelayed"] == 1


def test_xpn_recovers_the_high_pn_bits_across_2_32() -> None:
    cfg = MACsecConfig(bytes(32), xpn=True, salt=bytes(range(12)))
    du, ru = _pair(cfg)
    du.install_tx_sa(0, bytes(32), next_pn=(1 << 32) - 2, ssci=1, salt=bytes(range(12)))
    ru.install_rx_sa(make_sci(ODU_MAC), 0, bytes(32), next_pn=(1 << 32) - 2, ssci=1,
                     salt=bytes(range(12)))
    frames = [du.protect(FRAME) for _ in range(4)]           # PN 2^32-2 .. 2^32+1
    assert [SecTAG.parse(f[12:]).pn for f in frames] == [0xFFFFFFFE, 0xFFFFFFFF, 0, 1]
    assert [ru.validate(f) for f in frames] == [FRAME] * 4


def test_short_frame_padding_and_pn_exhaustion() -> None:
    du, ru = _pair(MACsecConfig(bytes(16)))
    short = build_ethernet_frame(b"\x10\x02\x00\x00", ORU_MAC, ODU_MAC, pad=False)
    f = du.protect(short)
    assert f[15] == len(short) - 12                          # SL
    assert ru.validate(f + bytes(20)) == short               # padding after the ICV removed
    du.install_tx_sa(0, bytes(16), next_pn=(1 << 32) - 1)
    du.protect(FRAME)
    with pytest.raises(MACsecError, match="a new SAK is needed"):
        du.protect(FRAME)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: MACsecConfig(bytes(20)), ValueError, "key has 20 octets"),
    (lambda: MACsecConfig.from_hex("zz" * 16), ValueError, "is not hex"),
    (lambda: MACsecConfig.from_hex("00" * 10), ValueError, "20 hex digits"),
    (lambda: SecY(bytes(5)), ValueError, "sci has 5 octets"),
    (lambda: SecY(bytes(8), cipher_suite="AES-CBC"), ValueError, "cipher_suite"),
    (lambda: SecY(bytes(8), validate_frames="Loose"), ValueError, "validate_frames"),
    (lambda: SecY(bytes(8)).install_tx_sa(0, bytes(32)), ValueError, "GCM-AES-128 needs 16"),
    (lambda: SecY(bytes(8), cipher_suite="GCM-AES-XPN-128").install_tx_sa(0, bytes(16)),
     ValueError, "needs ssci and salt"),
    (lambda: SecY(bytes(8)).install_tx_sa(4, bytes(16)), ValueError, "an = 4"),
    (lambda: SecY(bytes(8)).protect(FRAME), MACsecError, "no transmit SA"),
])
def test_bad_configuration(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


class _Injector:
    """Between the O-DU's MACsec and its UDP socket: forwards every frame and, for chosen
    frames, also sends a faulty copy (flipped bit, replay, unknown AN / SCI, unprotected)."""

    def __init__(self, inner: UDPTransport) -> None:
        self.inner, self.n, self.sent = inner, 0, []

    def send(self, frame: bytes) -> None:
        self.n += 1
        if self.n == 3:                                      # a flipped bit, ahead of the
            f = bytearray(frame)                             # genuine frame (after it, it
            f[50] ^= 0x10                                    # would be late)
            self.inner.send(bytes(f))
        self.inner.send(frame)
        self.sent.append(frame)
        if self.n == 5:
            self.inner.send(self.sent[1])                     # replay of frame 2
        elif self.n == 7:
            f = bytearray(frame)
            f[14] ^= 0x02                                     # AN 0 -> 2: no SA
            self.inner.send(bytes(f))
        elif self.n == 9:
            f = bytearray(frame)
            f[27] ^= 0x01                                     # SCI of nobody
            self.inner.send(bytes(f))
        elif self.n == 11:                                    # an unprotected eCPRI frame
            self.inner.send(build_ethernet_frame(encode_ecpri(EcpriMessage(0, bytes(8))), ORU_MAC,
                                                 ODU_MAC))

    def recv(self, timeout: float | None = None) -> bytes | None:
        return self.inner.recv(timeout)

    def close(self) -> None:
        self.inner.close()


def test_endpoints_drop_injected_faults_and_rebuild_the_slot() -> None:
    """O-DU -> O-RU under MACsec with five faulty frames injected among the genuine ones:
    each is counted under its 802.1AE counter, none reaches the O-RU's eCPRI receiver, and
    the downlink slot arrives whole."""
    from softran.oran import ODU, ORU

    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), full_scale=1.0)
    mcfg = MACsecConfig(bytes.fromhex("00112233445566778899aabbccddeeff"))
    ru_udp = UDPTransport(0)
    du_udp = UDPTransport(0, ru_udp.local_address[1])
    inj = _Injector(du_udp)
    odu = ODU(cfg, MACsecTransport(inj, mcfg.secy(ODU_MAC, ORU_MAC), dst=ORU_MAC, src=ODU_MAC))
    oru = ORU(cfg, MACsecTransport(ru_udp, mcfg.secy(ORU_MAC, ODU_MAC), dst=ODU_MAC,
                                   src=ORU_MAC))
    try:
        grid = torch.full((1, 14, 288), 0.25 - 0.5j)
        sent = odu.send_slot(grid, 0, 0, 0)
        assert oru.receive(sent, timeout=2.0) == sent
        assert torch.equal(oru.downlink_grid(0, 0, 0), grid.to(torch.complex64))
        assert oru.counters.rx_packets == sent and not oru.counters.malformed.total()
        t = oru.transport.secy.totals()
        assert (t["InPktsOK"], t["InPktsNotValid"], t["InPktsLate"], t["InPktsNotUsingSA"],
                t["InPktsNoSCI"], t["InPktsNoTag"]) == (sent, 1, 1, 1, 1, 1)
    finally:
        odu.close()
        oru.close()


def test_run_loop_under_macsec_each_suite() -> None:
    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0, 1), full_scale=1.0)
    grid = torch.full((2, 14, 288), 0.5 + 0.25j)
    for key, xpn in ((bytes(16), False), (bytes(32), True)):
        r = run_loop(cfg, grid, 2, macsec=MACsecConfig(key, xpn=xpn))
        assert r.dl_evm == r.ul_evm == [0.0, 0.0]
        du, ru = r.odu.transport.secy.totals(), r.oru.transport.secy.totals()
        assert du["OutPktsEncrypted"] == ru["InPktsOK"] == r.odu.counters.totals()[
            "tx_packets"]
        assert ru["OutPktsEncrypted"] == du["InPktsOK"] > 0


def test_loopback_pair_rejects_a_bad_macsec_argument() -> None:
    with pytest.raises(TypeError, match="macsec must be a MACsecConfig"):
        loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)), macsec=b"key")


def test_transport_skips_other_ethertypes_and_times_out() -> None:
    cfg = MACsecConfig(bytes(16))
    a_udp, b_udp = UDPTransport(0), UDPTransport(0)
    a_udp.remote = ("127.0.0.1", b_udp.local_address[1])
    a = MACsecTransport(a_udp, cfg.secy(ODU_MAC, ORU_MAC), dst=ORU_MAC, src=ODU_MAC,
                        ethertype=0x0800)
    b = MACsecTransport(b_udp, cfg.secy(ORU_MAC, ODU_MAC), dst=ODU_MAC, src=ORU_MAC)
    try:
        a.send(b"ip-ish")
        assert b.recv(timeout=0.3) is None and b.other_ethertype == 1
        assert b.secy.totals()["InPktsOK"] == 1
    finally:
        a.close()
        b.close()
    with pytest.raises(TypeError, match="secy must be a SecY"):
        MACsecTransport(UDPTransport(0), object(), dst=ORU_MAC, src=ODU_MAC)  # type: ignore


def test_sectag_parse_errors() -> None:
    with pytest.raises(ValueError, match="does not start with a MACsec SecTAG"):
        SecTAG.parse(b"\x08\x00" + bytes(10))
    with pytest.raises(ValueError, match="SC = 1 is shorter"):
        SecTAG.parse(b"\x88\xe5\x20\x00" + bytes(6))
