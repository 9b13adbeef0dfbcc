"""Fronthaul bit rate of an O-RAN 7.2x U-plane (+ C-plane) stream, from the wire formats.

:func:`fronthaul_bitrate` counts every byte that one direction of the fronthaul carries for
a fully loaded carrier, built up from the frame layout of O-RAN.WG4.CUS.0 and eCPRI v2.0:

==============================  =========  =============================================
item                            bytes      counted
==============================  =========  =============================================
IQ samples                      24 w / 8   per PRB (12 REs x I/Q x udIqWidth w bits)
udCompParam                     0, 1, 2    per PRB (by method, ``data/ud_comp_meth.csv``)
section header                  4 (+2)     per section; +2 with a dynamic udCompHdr
O-RAN common (timing) header    4          per message
eCPRI header + PC_ID + SEQ_ID   4 + 2 + 2  per message
UDP + IPv4 / IPv6               28 / 48    per message (``transport`` = ``"udp-ipv4"``...)
Ethernet MAC header + 802.1Q    14 + 4     per frame (VLAN tag: ``vlan=True``)
FCS                             4          per frame; frames padded to 64 bytes
preamble + SFD + inter-frame    8 + 12     per frame (``line_overhead=True``)
C-plane (section type 1)        24         per slot and eAxC: 8 eCPRI + 4 timing + 4 common
                                           + 8 per section; framed like the U-plane
==============================  =========  =============================================

Assumptions (the standard leaves these to the deployment): every OFDM symbol of every slot
carries all ``n_prb`` PRBs on every eAxC (peak, full-buffer load; scale by the duty cycle of
your TDD pattern yourself); one U-plane message carries one section, and a symbol is split
into the fewest messages whose Ethernet payload fits ``mtu`` (PRBs per message: as many as
fit, at most 255 unless one message takes the whole carrier with ``numPrbu = 0``); one
C-plane message with ``cplane_sections`` ST1 sections per slot and eAxC (no section
extensions); 14 symbols per slot (12 with extended CP, 60 kHz only) and 2^mu slots per ms
(TS 38.211 §4.3.2). ``mtu`` is the Ethernet payload limit (1500 standard, 9000 jumbo).

Example figures (one direction, eCPRI over Ethernet with VLAN, MTU 1500, C-plane on, line
rate including preamble and inter-frame gap):

=======  ======  ====  ===========  ==================  ===================
BW MHz   SCS     ant.  method       IQ only (Gbit/s)    line rate (Gbit/s)
=======  ======  ====  ===========  ==================  ===================
100      30      4     BFP-9        6.604               7.166
100      30      4     none-16      11.741              12.266
100      30      8     BFP-14       20.547              21.982
20       15      2     BFP-9        0.641               0.692
=======  ======  ====  ===========  ==================  ===================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.oran.compression import COMPRESSION_METHODS, bytes_per_prb
from softran.validation import check_choice, check_int, check_name

__all__ = ["FronthaulRate", "TRANSPORTS", "fronthaul_bitrate", "n_rb_for_bandwidth"]


#: Transports of eCPRI: directly over Ethernet (EtherType 0xAEFE) or over UDP/IP.
TRANSPORTS: tuple[str, ...] = ("ethernet", "udp-ipv4", "udp-ipv6")
_TRANSPORT_BYTES = {"ethernet": 0, "udp-ipv4": 20 + 8, "udp-ipv6": 40 + 8}

_ECPRI = 4 + 2 + 2          # common header + ecpriPcid/Rtcid + ecpriSeqid
_ORAN_TIMING = 4            # dataDirection .. symbolId
_SECTION_U = 4              # sectionId, rb, symInc, startPrbu, numPrbu
_UD_COMP_HDR = 2            # udCompHdr + reserved (dynamic compression header only)
_CPLANE_COMMON_ST1 = 4      # numberOfSections, sectionType, udCompHdr, reserved
_SECTION_C_ST1 = 8          # sectionId .. beamId
_MAC = 14
_VLAN = 4
_FCS = 4
_MIN_FRAME = 64             # MAC header .. FCS
_PREAMBLE_IFG = 8 + 12
_MAX_NUM_PRBU = 255


@dataclass(frozen=True)
class FronthaulRate:
    """Bit rates of one fronthaul direction (bits per second), split by where they go.

    ``total_bps`` = ``iq_bps + comp_param_bps + uplane_header_bps + transport_bps +
    cplane_bps``; ``transport_bps`` counts Ethernet/VLAN/IP/UDP headers, FCS, padding to
    the 64-byte minimum and (with ``line_overhead``) preamble + inter-frame gap of the
    U-plane frames. Per-message figures are per eAxC and symbol.
    """

    n_prb: int
    scs_khz: int
    n_antennas: int
    method: str
    width: int
    symbols_per_second: float
    prbs_per_message: int
    messages_per_symbol: int
    uplane_frame_bytes: tuple[int, ...]
    iq_bps: float
    comp_param_bps: float
    uplane_header_bps: float
    transport_bps: float
    cplane_bps: float

    @property
    def uplane_bps(self) -> float:
        """Everything the U-plane frames occupy (IQ, udCompParam, headers, framing)."""
        return self.iq_bps + self.comp_param_bps + self.uplane_header_bps + self.transport_bps

    @property
    def total_bps(self) -> float:
        """U-plane plus C-plane."""
        return self.uplane_bps + self.cplane_bps

    @property
    def total_gbps(self) -> float:
        """``total_bps`` in Gbit/s."""
        return self.total_bps / 1e9


def _frame_bytes(ecpri_message: int, transport: str, vlan: bool, line_overhead: bool) -> int:
    frame = _MAC + (_VLAN if vlan else 0) + _TRANSPORT_BYTES[transport] + ecpri_message + _FCS
    return max(frame, _MIN_FRAME) + (_PREAMBLE_IFG if line_overhead else 0)


def fronthaul_bitrate(bandwidth_mhz: int | None, scs_khz: int, n_antennas: int,
                      method: str = "bfp", width: int = 9, *, n_prb: int | None = None,
                      mtu: int = 1500, transport: str = "ethernet", vlan: bool = True,
                      cplane: bool = True, cplane_sections: int = 1,
                      ud_comp_hdr_in_section: bool = False, cyclic_prefix: str = "normal",
                      line_overhead: bool = True) -> FronthaulRate:
    """Bit rate of one direction of an O-RAN 7.2x fronthaul at full load.

    O-RAN.WG4.CUS.0 clauses 5.1 (eCPRI transport), 7 (C-plane), 8 (U-plane) and 6.3.3 /
    Annex A (compression); eCPRI v2.0 §3.1 headers; numerology of TS 38.211 §4.2-§4.3.

    Parameters
    ----------
    bandwidth_mhz : channel bandwidth, mapped to N_RB by :func:`n_rb_for_bandwidth`; or
        ``None`` with ``n_prb`` given instead.
    scs_khz : subcarrier spacing 15 * 2^mu (mu = 0..6).
    n_antennas : eAxC streams (antennas / layers / spatial streams) carried.
    method, width : U-plane compression (:data:`~softran.oran.compression.COMPRESSION_METHODS`)
        and udIqWidth; ``"bfp-selective-re"`` is counted with all 12 REs sent.
    n_prb : PRBs per symbol (instead of ``bandwidth_mhz``).
    mtu : largest Ethernet payload in bytes (1500; 9000 for jumbo frames).
    transport : ``"ethernet"`` (EtherType 0xAEFE), ``"udp-ipv4"`` or ``"udp-ipv6"``.
    vlan : 802.1Q tag present (4 bytes per frame).
    cplane, cplane_sections : count one section-type-1 C-plane message per slot and eAxC,
        with this many sections.
    ud_comp_hdr_in_section : U-plane sections carry udCompHdr + reserved (2 bytes).
    cyclic_prefix : ``"normal"`` (14 symbols per slot) or ``"extended"`` (12, 60 kHz only).
    line_overhead : count preamble, SFD and inter-frame gap (20 bytes per frame).

    Returns
    -------
    :class:`FronthaulRate` (see the module docstring for every assumption).

    >>> r = fronthaul_bitrate(100, 30, 4, "bfp", 9)
    >>> r.n_prb, r.prbs_per_message, r.messages_per_symbol, r.iq_bps / 1e9
    (273, 53, 6, 6.604416)
    >>> round(r.total_gbps, 6)
    7.166208
    """
    scs_khz = check_choice("scs_khz", scs_khz, [15 * 2 ** mu for mu in range(7)])
    mu = int(math.log2(scs_khz // 15))
    if (bandwidth_mhz is None) == (n_prb is None):
        raise ValueError("give exactly one of bandwidth_mhz and n_prb")
    n_prb = (n_rb_for_bandwidth(bandwidth_mhz, scs_khz) if n_prb is None
             else check_int("n_prb", n_prb, 1, 275))
    n_antennas = check_int("n_antennas", n_antennas, 1)
    method = check_name("method", method, COMPRESSION_METHODS)
    prb_bytes = bytes_per_prb(method, width)
    mtu = check_int("mtu", mtu, 64, 65535)
    transport = check_choice("transport", transport, TRANSPORTS)
    cplane_sections = check_int("cplane_sections", cplane_sections, 1, 255)
    cyclic_prefix = check_choice("cyclic_prefix", cyclic_prefix, ("normal", "extended"))
    if cyclic_prefix == "extended" and mu != 2:
        raise ValueError(f"cyclic_prefix = 'extended' is only defined for 60 kHz (TS 38.211 "
                         f"Table 4.2-1), not {scs_khz} kHz")
    for name, flag in (("vlan", vlan), ("cplane", cplane),
                       ("ud_comp_hdr_in_section", ud_comp_hdr_in_section),
                       ("line_overhead", line_overhead)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")

    symbols_per_slot = 14 if cyclic_prefix == "normal" else 12
    slots_per_second = 1000 * 2 ** mu
    symbols_per_second = float(symbols_per_slot * slots_per_second)

    section = _SECTION_U + (_UD_COMP_HDR if ud_comp_hdr_in_section else 0)
    msg_overhead = _ECPRI + _ORAN_TIMING + section
    room = mtu - _TRANSPORT_BYTES[transport] - msg_overhead
    fit = room // prb_bytes
    if fit < 1:
        raise ValueError(f"mtu = {mtu} cannot carry one PRB of {prb_bytes} bytes after "
                         f"{mtu - room} bytes of headers")
    per_msg = n_prb if fit >= n_prb else min(fit, _MAX_NUM_PRBU)
    n_msg = -(-n_prb // per_msg)
    prbs = [per_msg] * (n_msg - 1) + [n_prb - per_msg * (n_msg - 1)]
    frames = tuple(_frame_bytes(msg_overhead + p * prb_bytes, transport, vlan, line_overhead)
                   for p in prbs)

    streams = symbols_per_second * n_antennas            # U-plane (symbol, eAxC) per second
    iq_bits = 24 * width * n_prb
    param_bits = 8 * (prb_bytes - 3 * width) * n_prb
    header_bits = 8 * msg_overhead * n_msg
    frame_bits = 8 * sum(frames)
    transport_bits = frame_bits - iq_bits - param_bits - header_bits
    cplane_bps = 0.0
    if cplane:
        msg = _ECPRI + _ORAN_TIMING + _CPLANE_COMMON_ST1 + _SECTION_C_ST1 * cplane_sections
        cplane_bps = 8.0 * _frame_bytes(msg, transport, vlan, line_overhead) * \
            slots_per_second * n_antennas
    return FronthaulRate(
        n_prb=n_prb, scs_khz=scs_khz, n_antennas=n_antennas, method=method, width=width,
        symbols_per_second=symbols_per_second, prbs_per_message=per_msg,
        messages_per_symbol=n_msg, uplane_frame_bytes=frames,
        iq_bps=iq_bits * streams, comp_param_bps=param_bits * streams,
        uplane_header_bps=header_bits * streams, transport_bps=transport_bits * streams,
        cplane_bps=cplane_bps)
