"""Modulation compression (O-RAN.WG4.CUS.0 Annex A.5, C-plane SE4) through the O-DU and O-RU.

Expected values are worked out by hand from TS 38.211 §5.1 and Annex A.5: a PAM level
L in {+-1, +-3} is sent as the code c = (L - 1) / 2 (csf = 1), w = Q_m / 2 bits two's complement,
and modCompScaler = amplitude 2^w / (sqrt(2) sqrt(2 (M - 1) / 3)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from softran.nr.modulation import symbol_modulate
from softran.oran import (
    CPlaneMessage,
    ModCompParamsExt,
    Section1,
    SeqId,
    TimingHeader,
    decode_uplane,
    encode_cplane,
)
from softran.oran.cplane import CPlaneConfig, decode_cplane
from softran.oran.ecpri import decode_ecpri
from softran.oran.endpoints import ODU, ORU, FronthaulConfig, loopback_pair
from softran.oran.transport import UDPTransport

N_PRB = 24
N_RE = 12 * N_PRB


def _config(modulation: str | tuple[str, ...], width: int, n_eaxc: int = 2,
            **kwargs: object) -> FronthaulConfig:
    return FronthaulConfig(n_prb=N_PRB, eaxc_ids=tuple(range(n_eaxc)), method="modulation",
                           width=width, modulation=modulation, **kwargs)


def _bits(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (n,), generator=torch.Generator().manual_seed(seed),
                         dtype=torch.uint8)


def _slot(modulation: str, qm: int, n_eaxc: int, seed: int = 1) -> tuple[torch.Tensor,
                                                                         torch.Tensor]:
    """(bits [n_eaxc, 14 N_RE, qm], unit-power grid [n_eaxc, 14, N_RE])."""
    bits = _bits(n_eaxc * 14 * N_RE * qm, seed)
    grid = symbol_modulate(bits, modulation).reshape(n_eaxc, 14, N_RE)
    return bits.reshape(n_eaxc, 14 * N_RE, qm), grid


def _levels(bits: torch.Tensor, qm: int) -> tuple[np.ndarray, np.ndarray]:
    """PAM levels L of I and Q by TS 38.211 §5.1.2 / §5.1.3 (QPSK, 16QAM)."""
    b = bits.numpy().astype(np.int64)
    if qm == 2:
        return 1 - 2 * b[..., 0], 1 - 2 * b[..., 1]
    return ((1 - 2 * b[..., 0]) * (2 - (1 - 2 * b[..., 2])),
            (1 - 2 * b[..., 1]) * (2 - (1 - 2 * b[..., 3])))


def _wire_bits(payload: bytes, w: int) -> np.ndarray:
    """The w-bit two's complement codes of a PRB field, I then Q per RE."""
    bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8)).reshape(-1, w)
    u = bits @ (1 << np.arange(w - 1, -1, -1))
    return np.where(u >= 1 << (w - 1), u - (1 << w), u)


@pytest.mark.parametrize(("modulation", "qm", "scaler_code", "scaler"), [
    # QPSK: s = 0.5 * 2 / (sqrt 2 sqrt 2) = 0.5 = 1024 / 2048 -> exponent 0, mantissa 1024
    ("QPSK", 2, 1024, 0.5),
    # 16QAM: s = 0.5 * 4 / (sqrt 2 sqrt 10) = 0.44721; exponent 1, mantissa round(1831.79)
    ("16QAM", 4, (1 << 11) | 1832, 1832 / 2048 / 2),
])
def test_dl_slot_crosses_odu_udp_oru_exactly(modulation: str, qm: int, scaler_code: int,
                                             scaler: float) -> None:
    w = qm // 2
    cfg = _config(modulation, w)
    bits, unit = _slot(modulation, qm, 2)
    grid = unit * cfg.constellation_scale
    odu, oru = loopback_pair(cfg)
    try:
        packets = odu.slot_packets(grid, 5, 3, 1)
        # C-plane: section type 1 with SE4 (csf 1, modCompScaler worked out above)
        for _, pdu, flow in packets[:2]:
            assert flow.plane == "C"
            msg = decode_cplane(decode_ecpri(pdu)[0], CPlaneConfig(n_prb_carrier=N_PRB))
            assert msg.section_type == 1 and msg.ud_comp_hdr.to_byte() == (w << 4) | 4
            (sec,) = msg.sections
            assert sec.extensions == (ModCompParamsExt(csf=1, mod_comp_scaler=scaler_code),)
        # U-plane codes c = (L - 1) / 2, by hand from the bits
        li, lq = _levels(bits, qm)
        want = np.stack(((li - 1) // 2, (lq - 1) // 2), axis=-1).reshape(2, 14, N_PRB, 24)
        for _, pdu, flow in packets[2:]:
            msg = decode_uplane(decode_ecpri(pdu)[0], cfg.uplane_format)
            (sec,) = msg.sections
            codes = _wire_bits(sec.prb_payload, w).reshape(-1, 24)
            k, l = flow.eaxc_id, msg.timing.start_symbol_id
            assert np.array_equal(codes, want[k, l, sec.start_prbu:sec.start_prbu + len(codes)])
        sent = odu.send_slot(grid, 5, 3, 1)
        assert sent == 2 + 2 * 14 and oru.receive(sent, timeout=2.0) == sent
        got = oru.downlink_grid(5, 3, 1)
        # Annex A.5 rebuild: (c / 2^(w-1) + 2^-w) * modCompScaler * sqrt(2), in full-scale units
        fs = cfg.full_scale
        code = torch.from_numpy(want.reshape(2, 14, N_RE, 2)).double()
        rebuilt = (code / 2 ** (w - 1) + 2.0 ** -w) * scaler * math.sqrt(2) * fs
        assert torch.equal(torch.view_as_real(got), rebuilt.float())
        # the points themselves: exact up to the 15-bit modCompScaler (QPSK: exactly)
        ideal = 0.5 * 2 ** w / (math.sqrt(2) * math.sqrt(2 * (2 ** qm - 1) / 3))
        torch.testing.assert_close(got, grid * (scaler / ideal), rtol=2e-7, atol=1e-6)
        if modulation == "QPSK":
            torch.testing.assert_close(got, grid, rtol=0, atol=1e-6)
        oru.close_slots()
        t = oru.counters.totals()
        assert (t["rx_C_packets"], t["rx_U_packets"], t["malformed"]) == (2, 28, 0)
        assert (t["prbs_expected"], t["prbs_received"], t["prbs_missing"]) == (
            2 * 14 * N_PRB, 2 * 14 * N_PRB, 0)
        assert odu.counters.totals()["tx_packets"] == sent          # slot_packets sends nothing
    finally:
        odu.close()
        oru.close()


def test_per_eaxc_modulation_and_oru_uses_se4_not_its_own_scaler() -> None:
    # eAxC 0 QPSK, eAxC 1 BPSK (BPSK points are QPSK points: same udIqWidth 1)
    du_cfg = _config(("QPSK", "BPSK"), 1, mod_amplitude=0.25)
    ru_cfg = _config(("QPSK", "BPSK"), 1, mod_amplitude=0.5)    # O-RU's own value differs
    _, qpsk = _slot("QPSK", 2, 1, seed=3)
    bpsk = symbol_modulate(_bits(14 * N_RE, 4), "BPSK").reshape(1, 14, N_RE)
    grid = torch.cat((qpsk, bpsk)) * du_cfg.constellation_scale
    ru_t = UDPTransport(0, local_host="127.0.0.1", remote_host="127.0.0.1")
    du_t = UDPTransport(0, ru_t.local_address[1], local_host="127.0.0.1",
                        remote_host="127.0.0.1")
    odu, oru = ODU(du_cfg, du_t), ORU(ru_cfg, ru_t)
    try:
        sent = odu.send_slot(grid, 0, 0, 0)
        assert oru.receive(sent, timeout=2.0) == sent
        # scaler 0.25 = 1024 / 2048 / 2 exactly: the O-RU rebuilds the O-DU's grid exactly
        torch.testing.assert_close(oru.downlink_grid(0, 0, 0), grid, rtol=0, atol=1e-6)
    finally:
        odu.close()
        oru.close()


def test_received_without_se4_is_malformed_and_prbs_without_uplane_are_zero() -> None:
    cfg = _config("QPSK", 1, n_eaxc=1)
    odu, oru = loopback_pair(cfg)
    try:
        msg = CPlaneMessage(eaxc_id=0, timing=TimingHeader(1, 0, 0, 0, 0), section_type=1,
                            sections=(Section1(section_id=1, start_prbc=0, num_prbc=N_PRB,
                                               num_symbol=14, re_mask=0xFFF, beam_id=0),),
                            seq=SeqId(0), ud_comp_hdr=cfg.ud_comp_hdr)
        assert oru.handle(encode_cplane(msg)) == "missing-section-extension"
        assert oru.counters.malformed["missing-section-extension"] == 1
        # only symbol 0..13's C-plane and symbols 0..6 of U-plane: the rest decodes as 0
        grid = _slot("QPSK", 2, 1)[1] * cfg.constellation_scale
        packets = odu.slot_packets(grid, 0, 0, 0)
        for _, pdu, _ in packets[:1 + 7]:
            assert oru.handle(pdu) is None
        got = oru.downlink_grid(0, 0, 0)
        torch.testing.assert_close(got[:, :7], grid[:, :7], rtol=0, atol=1e-6)
        assert bool((got[:, 7:] == 0).all())
    finally:
        odu.close()
        oru.close()


def test_grid_off_the_constellation_is_rejected() -> None:
    cfg = _config("16QAM", 2, n_eaxc=1)
    _, unit = _slot("16QAM", 4, 1)
    # PRBs 12.. carry QPSK instead: a modulation per PRB range is not offered -> clear error
    mixed = unit.clone()
    mixed[0, :, 144:] = _slot("QPSK", 2, 1, seed=9)[1][0, :, 144:]
    with pytest.raises(ValueError, match=r"grid\[0, 0, 144\] .* is not a 16QAM point"):
        cfg.compress_grid(mixed * cfg.constellation_scale)
    empty = unit.clone()
    empty[0, 2, 7] = 0
    with pytest.raises(ValueError, match=r"grid\[0, 2, 7\] = 0.*empty REs"):
        cfg.compress_grid(empty * cfg.constellation_scale)
    with pytest.raises(ValueError, match="is not a 16QAM point"):     # wrong scale
        cfg.compress_grid(unit)


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"method": "modulation", "width": 2}, "needs modulation"),
    ({"method": "modulation", "width": 4, "modulation": "16QAM"}, "width = 4 .* udIqWidth 2"),
    ({"method": "modulation", "width": 1, "modulation": ("QPSK", "16QAM")},
     "all eAxCs must share"),
    ({"method": "modulation", "width": 1, "modulation": ("QPSK",) * 3}, "3 entries"),
    ({"method": "bfp", "width": 9, "modulation": "QPSK"}, "only used with method"),
    ({"method": "modulation", "width": 1, "modulation": "8PSK"}, "modulation"),
    ({"method": "modulation", "width": 1, "modulation": "QPSK", "mod_amplitude": 1.5},
     "amplitude"),
])
def test_bad_configuration(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        FronthaulConfig(n_prb=N_PRB, eaxc_ids=(0, 1), **kwargs)


def test_no_uplink_with_modulation_compression() -> None:
    cfg = _config("QPSK", 1)
    odu, oru = loopback_pair(cfg)
    try:
        with pytest.raises(ValueError, match="downlink only"):
            odu.request_uplink(0, 0, 0)
    finally:
        odu.close()
        oru.close()
    with pytest.raises(ValueError, match="no uplink"):
        loopback_pair(cfg, loopback=True)
