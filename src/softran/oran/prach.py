"""PRACH over the O-RAN 7.2x fronthaul (O-RAN.WG4.CUS.0 clause 7.4.5, section type 3, and
clause 8, U-plane).

The O-DU asks for one PRACH occasion with a C-plane message of section type 3 on the PRACH
eAxC (its own RU port): the timing header names the slot and the PRACH start symbol
(``filterIndex`` 3 for the short formats A/B/C, 1 for the long formats 0/1/2, reference §2.1),
the common header the PRACH's ``timeOffset`` (from the start of the slot to the start of the
cyclic prefix) and ``cpLength`` in units of ``T_s = 1 / 30.72 MHz``, and ``frameStructure``
(FFT size and PRACH subcarrier spacing); the section the PRBs of the PRACH band and
``freqOffset``. The O-RU cuts the CP, takes one FFT of ``fft_size`` samples per PRACH
symbol (one repetition of the sequence), keeps the PRACH band and answers with one uplink
U-plane message per PRACH symbol: frequency-domain samples, compressed like the rest of the
uplink (the udCompHdr of the C-plane).

Conventions taken here where the reference leaves a choice open ("verify" there):
``freqOffset`` counts half PRACH subcarriers (``Delta f_RA / 2``) from the carrier centre to
the centre of RE 0 of PRB 0 of the PRACH band; the band holds ``ceil((kbar + L_RA) / 12)``
PRBs of the PRACH numerology, the sequence on REs ``kbar .. kbar + L_RA - 1`` (TS 38.211
§5.3.2, Table 6.3.3.2-1).

:class:`PRACHPath` is the PRACH flow of one endpoint; the endpoints call it through their
``prach`` attribute (:mod:`softran.oran.endpoints`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from softran.nr.prach import prach_info
from softran.oran.compression import CompressedPRBs, compress, decompress
from softran.oran.counters import Flow
from softran.oran.cplane import CPlaneMessage, Section3, encode_cplane
from softran.oran.radio_header import TimingHeader
from softran.oran.uplane import UPlaneMessage, UPlaneSection, encode_uplane
from softran.validation import check_int

__all__ = ["PRACH_SECTION_ID", "TS_HZ", "PRACHOccasion", "PRACHPath", "prach_occasion"]

#: T_s of the C-plane timeOffset / cpLength fields: 1 / 30.72 MHz (reference §2.2)
TS_HZ = 30_720_000
#: sectionId of the PRACH sections (C-plane and U-plane)
PRACH_SECTION_ID = 3
_FFT_CODE = {1536: 13, 3072: 14}


@dataclass(frozen=True)
class PRACHOccasion:
    """One PRACH occasion as the section type 3 C-plane describes it (module docstring).

    ``scs_code``: the low nibble of frameStructure (0..4 = 15..240 kHz, 12..15 = 1.25, 3.75,
    5, 7.5 kHz); ``time_offset`` / ``cp_length`` in T_s; ``freq_offset`` in Delta f_RA / 2.

    >>> o = PRACHOccasion(0, 0, 1, 0, num_symbol=2, fft_size=1024, scs_code=1,
    ...                   time_offset=10, cp_length=288, freq_offset=-20, num_prbc=12)
    >>> hex(o.frame_structure), o.key
    ('0xa1', (0, 0, 1))
    """

    frame_id: int
    subframe_id: int
    slot_id: int
    start_symbol: int
    num_symbol: int
    fft_size: int
    scs_code: int
    time_offset: int
    cp_length: int
    freq_offset: int
    num_prbc: int
    filter_index: int = 3

    @property
    def frame_structure(self) -> int:
        """frameStructure of section type 3 (O-RAN.WG4.CUS.0 clause 7.4.5): FFT size code
        (log2 N; 13 = 1536, 14 = 3072) << 4 | SCS code."""
        n = self.fft_size
        code = _FFT_CODE.get(n, int(math.log2(n)) if n & (n - 1) == 0 else -1)
        if not 4 <= code <= 14:
            raise ValueError(f"fft_size = {n} has no frameStructure code; allowed: powers of "
                             "2 from 16 to 4096, 1536, 3072")
        return code << 4 | self.scs_code

    @property
    def key(self) -> tuple[int, int, int]:
        return self.frame_id, self.subframe_id, self.slot_id


def prach_occasion(carrier: Any, config: Any, frame_id: int, subframe_id: int, slot_id: int
                   ) -> PRACHOccasion:
    """The section type 3 description of the cell's PRACH occasion in the given slot, from
    :func:`softran.nr.prach_info` (TS 38.211 §5.3.2: ``t_start^RA``, ``N_CP^RA``, the
    subcarriers ``K k_1 + kbar``).

    >>> from softran.nr import CarrierConfig, PRACHConfig
    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    >>> p = PRACHConfig(configuration_index=105, spectrum="paired", subcarrier_spacing=30,
    ...                 frequency_start=38, active_slot=1)
    >>> o = prach_occasion(c, p, 0, 0, 1)

    Format A1: N_u = 2 x 2048 kappa 2^-mu (two symbols of a 1024-point FFT at 30.72 MHz),
    N_CP = 288 kappa 2^-mu = 144 T_s plus 16 kappa = 16 T_s at the 0.5 ms boundary where slot 1
    starts (TS 38.211 §5.3.2); subcarriers from 12 x 38 + kbar 2 - 12 x 51 / 2 = 152, PRB 0's
    RE 0 at 150 (300 half subcarriers):

    >>> o.num_symbol, o.fft_size, o.time_offset, o.cp_length, o.num_prbc, o.freq_offset
    (2, 1024, 0, 160, 12, 300)
    """
    info = prach_info(carrier, config)
    fs = info.sample_rate
    slot_samples = round(fs * 1e-3 / carrier.slots_per_subframe)
    offset = info.start - check_int("slot_id", slot_id, 0) * slot_samples
    if offset < 0:
        raise ValueError(f"the PRACH occasion starts at sample {info.start} of the subframe, "
                         f"before slot {slot_id}")
    _, kbar = config.n_rb_ra(carrier)
    to_ts = TS_HZ / fs
    scs = {15: 0, 30: 1, 60: 2, 120: 3, 240: 4, 1.25: 12, 5: 14}[config.delta_f_ra]
    return PRACHOccasion(frame_id, subframe_id, slot_id,
                         start_symbol=info.symbol % 14, num_symbol=info.repetitions,
                         fft_size=info.n, scs_code=scs, time_offset=round(offset * to_ts),
                         cp_length=round(info.n_cp * to_ts),
                         freq_offset=2 * (info.first_bin - kbar),
                         num_prbc=-(-(kbar + config.l_ra) // 12),
                         filter_index=1 if config.l_ra == 839 else 3)


class PRACHPath:
    """The PRACH flow of one fronthaul endpoint (module docstring).

    Args:
        config: the endpoint's :class:`~softran.oran.endpoints.FronthaulConfig` (compression).
        eaxc_id: the PRACH eAxC ID.
        next_seq: the endpoint's sequence-ID counter, ``f(flow) -> SeqId``.
        source: (O-RU) ``f(occasion) -> complex [num_symbol, 12 num_prbc]``: the occasion's
            frequency-domain samples, or ``None`` when the O-RU has none.

    O-DU: :meth:`cplane` builds the request, :meth:`on_uplane` stores the answer,
    :meth:`samples` returns it. O-RU: :meth:`on_cplane` answers a request.

    >>> from softran.oran.endpoints import FronthaulConfig
    >>> from softran.oran.ecpri import SeqId, decode_ecpri
    >>> from softran.oran.cplane import decode_cplane
    >>> from softran.oran.uplane import decode_uplane
    >>> cfg = FronthaulConfig(n_prb=51, eaxc_ids=(0,), method="bfp", width=9)
    >>> seq = lambda flow: SeqId(0)
    >>> occ = PRACHOccasion(0, 0, 1, 0, 2, 1024, 1, 0, 288, 300, 12)
    >>> x = torch.ones(2, 144, dtype=torch.complex64)
    >>> du, ru = PRACHPath(cfg, 1, seq), PRACHPath(cfg, 1, seq, source=lambda o: x)
    >>> (_, c, _), = du.cplane(occ)
    >>> answer = ru.on_cplane(decode_cplane(c))
    >>> for _, u, _ in answer: du.on_uplane(decode_uplane(u, cfg.uplane_format))
    >>> y, got = du.samples(0, 0, 1)
    >>> tuple(y.shape), bool(got.all()), round(float(y[1, 7].real), 2)
    ((2, 144), True, 1.0)
    """

    def __init__(self, config: Any, eaxc_id: int, next_seq: Callable[[Flow], Any], *,
                 source: Callable[[PRACHOccasion], torch.Tensor | None] | None = None,
                 max_slots: int = 8) -> None:
        if config.method == "modulation":
            raise ValueError("method = 'modulation' has no uplink (O-RAN.WG4.CUS.0 Annex A.5): "
                             "the PRACH U-plane needs another compression")
        self.config = config
        self.eaxc_id = check_int("eaxc_id", eaxc_id, 0, 0xFFFF)
        self.next_seq = next_seq
        self.source = source
        self.max_slots = max_slots
        self._requests: OrderedDict[tuple[int, int, int], PRACHOccasion] = OrderedDict()
        self._raw: OrderedDict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = \
            OrderedDict()

    # -- O-DU --------------------------------------------------------------------------------

    def cplane(self, occ: PRACHOccasion) -> list[tuple[int, bytes, Flow]]:
        """The section type 3 request of ``occ`` (one message), as ``(due, pdu, flow)``."""
        cfg = self.config
        flow = Flow("C", "UL", self.eaxc_id)
        timing = TimingHeader(0, occ.frame_id, occ.subframe_id, occ.slot_id, occ.start_symbol,
                              filter_index=occ.filter_index)
        section = Section3(section_id=PRACH_SECTION_ID, start_prbc=0, num_prbc=occ.num_prbc,
                           num_symbol=occ.num_symbol, re_mask=0xFFF, beam_id=0,
                           freq_offset=occ.freq_offset)
        msg = CPlaneMessage(eaxc_id=self.eaxc_id, timing=timing, section_type=3,
                            sections=(section,), seq=self.next_seq(flow),
                            ud_comp_hdr=cfg.ud_comp_hdr, time_offset=occ.time_offset,
                            frame_structure=occ.frame_structure, cp_length=occ.cp_length)
        n_b = cfg.prb_bytes
        self._requests[occ.key] = occ
        self._raw[occ.key] = (np.zeros((occ.num_symbol, occ.num_prbc, n_b), dtype=np.uint8),
                              np.zeros((occ.num_symbol, occ.num_prbc), dtype=bool))
        while len(self._raw) > self.max_slots:
            old, _ = self._raw.popitem(last=False)
            self._requests.pop(old, None)
        return [(0, encode_cplane(msg), flow)]

    def on_uplane(self, msg: UPlaneMessage) -> None:
        """Store a PRACH U-plane message (one PRACH symbol) of a requested occasion."""
        t = msg.timing
        key = (t.frame_id, t.subframe_id, t.slot_id)
        occ = self._requests.get(key)
        if occ is None:
            return
        i = t.start_symbol_id - occ.start_symbol
        raw, got = self._raw[key]
        if not 0 <= i < occ.num_symbol:
            return
        for s in msg.sections:
            n = s.num_prbu
            if s.start_prbu + n > occ.num_prbc:
                continue
            raw[i, s.start_prbu:s.start_prbu + n] = np.frombuffer(
                s.prb_payload, dtype=np.uint8).reshape(n, -1)
            got[i, s.start_prbu:s.start_prbu + n] = True

    def samples(self, frame_id: int, subframe_id: int, slot_id: int
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """The received occasion: complex ``[num_symbol, 12 num_prbc]`` (PRBs that did not
        arrive are 0) and bool ``[num_symbol, num_prbc]`` (which arrived)."""
        key = (frame_id, subframe_id, slot_id)
        if key not in self._raw:
            raise KeyError(f"no PRACH occasion requested in frame {frame_id} subframe "
                           f"{subframe_id} slot {slot_id}")
        raw, got = self._raw[key]
        cfg = self.config
        c = CompressedPRBs.from_bytes(raw.tobytes(), raw.shape[1], cfg.method, cfg.width,
                                      batch_shape=raw.shape[:1], full_scale=cfg.full_scale)
        x = decompress(c) * torch.from_numpy(got).unsqueeze(-1)
        return x.reshape(raw.shape[0], -1).to(torch.complex64), torch.from_numpy(got.copy())

    # -- O-RU --------------------------------------------------------------------------------

    def on_cplane(self, msg: CPlaneMessage) -> list[tuple[int, bytes, Flow]]:
        """Answer a section type 3 request with the occasion's U-plane (one message per PRACH
        symbol); nothing when the O-RU has no samples for it."""
        cfg = self.config
        t = msg.timing
        out: list[tuple[int, bytes, Flow]] = []
        for s in msg.sections:
            assert isinstance(s, Section3)
            occ = PRACHOccasion(t.frame_id, t.subframe_id, t.slot_id, t.start_symbol_id,
                                s.num_symbol, _fft_size(msg.frame_structure >> 4),
                                msg.frame_structure & 0xF, msg.time_offset, msg.cp_length,
                                s.freq_offset, s.num_prbc, t.filter_index)
            x = None if self.source is None else self.source(occ)
            if x is None:
                continue
            iq = x.reshape(occ.num_symbol, occ.num_prbc, 12)
            c = compress(iq, cfg.method, cfg.width, mode=cfg.bfp_mode,
                         full_scale=cfg.full_scale)
            raw = np.frombuffer(c.to_bytes(), dtype=np.uint8).reshape(occ.num_symbol,
                                                                        occ.num_prbc, -1)
            hdr = cfg.ud_comp_hdr if cfg.ud_comp_hdr_present else None
            flow = Flow("U", "UL", msg.eaxc_id)
            for i in range(occ.num_symbol):
                timing = TimingHeader(0, t.frame_id, t.subframe_id, t.slot_id,
                                      t.start_symbol_id + i, filter_index=t.filter_index)
                sec = UPlaneSection(section_id=s.section_id, start_prbu=0, num_prbu=occ.num_prbc,
                                    prb_payload=raw[i].tobytes(), ud_comp_hdr=hdr)
                um = UPlaneMessage(eaxc_id=msg.eaxc_id, timing=timing, sections=(sec,),
                                   seq=self.next_seq(flow))
                out.append((0, encode_uplane(um, cfg.uplane_format), flow))
        return out


def _fft_size(code: int) -> int:
    return {13: 1536, 14: 3072}.get(code, 1 << code)
