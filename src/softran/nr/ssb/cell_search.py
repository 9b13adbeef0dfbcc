"""UE-side cell search: PSS / SSS detection, PBCH DM-RS detection and MIB decoding
(TS 38.211 §7.4.2, §7.4.3, §7.4.1.4.1, §7.3.3; TS 38.212 §7.1; TS 38.213 §4.1).

Receiver model. The recording is complex baseband at ``sample_rate = nfft * Δf`` (nfft an
integer making every cyclic prefix a whole number of samples, as :func:`ofdm_info`), tuned to
the centre of the SS/PBCH block: block subcarrier k is at ``(k - 120) Δf`` plus the carrier
frequency offset (CFO), as :func:`~softran.nr.ssb.waveform.ssb_waveform` writes it. The four
OFDM symbols of a block never include symbol 0 or 7 * 2^mu of a subframe (TS 38.213 §4.1
cases A - E), so each has the short cyclic prefix ``N_cp = 144 nfft / 2048`` and lasts
``L = nfft + N_cp`` samples. How a UE searches is not specified; this one does:

1. **PSS search** (:func:`pss_search`). The three PSS (§7.4.2.2) are OFDM-modulated with
   their cyclic prefix (``p_i``, L samples each), frequency-shifted by each CFO hypothesis
   f_h (:func:`pss_cfo_hypotheses`), and correlated with the recording by FFT. The metric,
   per N_ID^(2), hypothesis and start sample τ, is the normalised correlation::

       m(τ) = Σ_rx |Σ_n r_rx(τ + n) p*(n)|² / (||p||² Σ_rx Σ_n |r_rx(τ + n)|²)   in [0, 1]

   Under white Gaussian noise only, ``n_rx L m`` is close to a Gamma(n_rx, 1) variable
   (exactly Beta(n_rx, n_rx (L - 1)) distributed, whose tail is lighter), so the threshold
   η solving ``P(Gamma(n_rx, 1) > n_rx L η) = false_alarm / N_tests``, ``N_tests = 3 H T'``
   (H hypotheses, T' start samples), bounds the probability of any false detection in one
   search by ``false_alarm`` (union bound, conservative: neighbouring lags are correlated).
   Coloured noise (a recording filtered to less than its sample rate) raises the rate.
   Local maxima of the metric (best hypothesis) over ``±L`` samples of the same N_ID^(2)
   that exceed η are detections, so cells with different N_ID^(2), or the same N_ID^(2) more
   than one symbol apart, are all found.
2. **Fine CFO and timing.** The correlation of the best hypothesis over the two halves of
   the PSS gives the residual CFO ``arg(c2 c1*) / (2π (L/2) / fs)``; a parabola through the
   metric at τ - 1, τ, τ + 1 gives the fractional timing.
3. **Demodulation** of the four symbols (FFT window half-way into the CP, the early-window
   phase removed as :func:`ofdm_demodulate` does) after CFO correction.
4. **SSS** (:func:`sss_detect`): the PSS gives a per-subcarrier channel estimate (PSS and
   SSS share subcarriers 56..182); the 336 SSS of N_ID^(2) are correlated with the
   equalised SSS at once.
5. **PBCH DM-RS** (:func:`pbch_dmrs_detect`): the 8 ī_SSB hypotheses of §7.4.1.4.1, metric
   ``|Σ g(m+1) g*(m)| / Σ |g(m+1) g(m)|`` of the LS estimates g of neighbouring DM-RS.
   The phase drift of the LS estimates from symbol 1 to 3 gives a last CFO correction.
6. **PBCH**: :func:`~softran.nr.receiver.channel_estimate` from the DM-RS of symbols 1 and
   3 (the 120 DM-RS on the same subcarriers; Wiener smoothing in frequency, linear in time,
   noise variance estimate), MRC (:func:`~softran.nr.receiver.mrc_combine`),
   :func:`pbch_decode` with v = ī_SSB mod 4 (L_max = 4) or ī_SSB (8, 64) and
   :func:`bch_decode`. Only blocks whose CRC passes are reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch

from softran.nr.coding.bch import bch_decode, bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_info
from softran.nr.receiver import channel_estimate, mrc_combine
from softran.nr.ssb.block import (
    SSB_CASES,
    SSB_N_SUBCARRIERS,
    SSB_N_SYMBOLS,
    ssb_candidate_symbols,
    ssb_grid,
)
from softran.nr.ssb.detection import (
    pbch_dmrs_detect,
    pbch_indices_by_v,
    ssb_demodulate,
    sss_detect,
)
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import pbch_decode, pbch_dmrs
from softran.nr.ssb.pss_search import (
    check_rx_waveform,
    check_ssb_scs,
    pss_cfo_hypotheses,
    pss_half_products,
    pss_search,
    pss_time_domain,
    ssb_symbol_numerology,
)
from softran.nr.ssb.waveform import SSB_CASE_SCS
from softran.validation import (
    check_choice,
    check_int,
    check_name,
    check_positive,
    check_real,
)

__all__ = ["CellInfo", "cell_search"]


# ------------------------------------------------------------------------------ cell search
@dataclass(frozen=True)
class CellInfo:
    """A cell found by :func:`cell_search` (its strongest SS/PBCH block with a valid CRC).

    n_cell_id : N_ID^cell = 3 N_ID^(1) + N_ID^(2).
    ssb_index : i_SSB of the block (TS 38.213 §4.1).
    half_frame : n_hf of the block (the PBCH payload bit).
    sfn : system frame number (6 MSBs from the MIB, 4 LSBs from the PBCH payload).
    k_ssb : k_SSB (L_max 4, 8: ssb-SubcarrierOffset + 16 x the payload bit; 64: the MIB's).
    cfo_hz : carrier frequency offset, Hz.
    timing : start of the block's PSS symbol (its CP) in the recording, samples (fractional).
    timing_s : ``timing / sample_rate``, seconds.
    frame_start : sample of the start of frame ``sfn`` (None unless the case is known; may be
        negative or beyond the recording).
    snr_db : SNR per RE and rx antenna from the DM-RS channel / noise estimate, dB.
    pss_metric : the PSS metric of the block.
    n_detections : PSS detections of this cell in the recording.
    mib : the decoded :class:`MIB`.
    """

    n_cell_id: int
    ssb_index: int
    half_frame: int
    sfn: int
    k_ssb: int
    cfo_hz: float
    timing: float
    timing_s: float
    frame_start: int | None
    snr_db: float
    pss_metric: float
    n_detections: int
    mib: MIB


def _default_l_max(scs: int, carrier_frequency: float | None) -> int:
    if scs in (120, 240):
        return 64
    if carrier_frequency is not None and carrier_frequency <= 3e9:
        return 4
    return 8


class _Decoded(NamedTuple):
    ok: torch.Tensor
    ibar: torch.Tensor
    mib_bits: torch.Tensor
    sfn_lsbs: torch.Tensor
    half_frame: torch.Tensor
    msb: torch.Tensor
    snr_db: torch.Tensor
    cfo_residual: torch.Tensor
    grids: torch.Tensor


def _decode_blocks(grids: torch.Tensor, cells: torch.Tensor, l_max: int, fs: float,
                   length: int, n_ibar: int, list_length: int) -> _Decoded:
    """PBCH of D blocks ``[D, n_rx, 4, 240]``: DM-RS detection, channel estimate, MIB."""
    dev = grids.device
    n_blocks = grids.shape[0]
    ibar_best, metric = pbch_dmrs_detect(grids, cells)
    cand = metric.argsort(-1, descending=True)[:, :n_ibar]                  # [D, c]
    # residual CFO from the LS phase drift, symbol 1 -> 3, of the best hypothesis
    dmrs_idx, data_idx = pbch_indices_by_v(dev)
    v_cell = cells % 4
    flat = grids.flatten(-2)                                               # [D, n_rx, 960]
    idx = dmrs_idx[v_cell]
    y = flat.gather(-1, idx[:, None].expand(-1, flat.shape[1], -1))        # [D, n_rx, 144]
    r = pbch_dmrs(cells, ibar_best)                                        # [D, 144]
    lsq = y * r.conj()[:, None]
    drift = (lsq[..., 84:] * lsq[..., :60].conj()).sum((-1, -2))
    resid = torch.angle(drift).to(torch.float64) * fs / (2 * math.pi * 2 * length)
    sym = torch.arange(SSB_N_SYMBOLS, device=dev, dtype=torch.float64)
    cycles = torch.remainder(resid[:, None] * sym * length / fs, 1.0)
    grids = grids * torch.polar(torch.ones_like(cycles), -2 * math.pi * cycles
                                ).to(grids.dtype)[:, None, :, None]
    # expand over the ī_SSB candidates
    c = cand.shape[1]
    g = grids.repeat_interleave(c, 0)                                      # [D c, n_rx, 4, 240]
    cell = cells.repeat_interleave(c)
    ibar = cand.flatten()
    v = ibar % 4 if l_max == 4 else ibar
    ref = pbch_dmrs(cell, ibar)                                            # [Dc, 144]
    llr = torch.zeros(g.shape[0], 864, dtype=torch.float32, device=dev)
    snr = torch.zeros(g.shape[0], dtype=torch.float64, device=dev)
    for vc in torch.unique(cell % 4).tolist():  # loop over the 4 DM-RS positions v
        sel = (cell % 4 == vc).nonzero().flatten()
        ref_idx = dmrs_idx[vc]
        # DM-RS of symbols 1 and 3 (60 each, same subcarriers): ref_symbols in that order
        both = torch.cat([ref_idx[:60], ref_idx[84:]])[None]
        syms = torch.cat([ref[sel, :60], ref[sel, 84:]], -1)[:, None]        # [n, 1, 120]
        h, nv = channel_estimate(g[sel], both, syms, cdm_lengths=(1, 1))  # [n, R, 1, 4, 240]
        hf = h.flatten(-2)[..., data_idx[vc]]                              # [n, R, 1, 432]
        yd = g[sel].flatten(-2)[..., data_idx[vc]]                         # [n, R, 432]
        sig = h.abs().square().mean((-1, -2, -3, -4)).to(torch.float64)
        nv64 = nv.to(torch.float64).mean(-1)
        floor = 1e-6 * sig.clamp_min(1e-30)
        nvc = torch.maximum(nv.to(torch.float64), floor[:, None]).to(torch.float32)
        x_hat, nv_eff = mrc_combine(yd, hf, nvc)                           # [n, 1, 432]
        nv_eff = torch.nan_to_num(nv_eff, nan=1e6, posinf=1e6).clamp_min(1e-6)
        llr[sel] = pbch_decode(x_hat[:, 0], cell[sel], v[sel], nv_eff[:, 0])
        snr[sel] = 10 * torch.log10(sig / torch.maximum(nv64, floor))
    out = bch_decode(llr, cell, l_max, list_length)
    ok = out.crc_ok
    if l_max == 4:                                 # ī_SSB carries n_hf as well
        ok = ok & (ibar // 4 == out.half_frame)
    # first candidate (in metric order) with a valid CRC, per block
    okc = ok.reshape(n_blocks, c)
    first = torch.where(okc.any(-1), okc.to(torch.int64).argmax(-1), torch.zeros_like(cand[:, 0]))
    pick = torch.arange(n_blocks, device=dev) * c + first
    return _Decoded(okc.any(-1), ibar[pick], out.mib_bits[pick], out.sfn_lsbs[pick],
                    out.half_frame[pick], out.msb_idx_offset[pick], snr[pick], resid, grids)


def _data_aided_cfo(grid: torch.Tensor, n_cell_id: int, mib: MIB, half_frame: int,
                    i_ssb: int, k_ssb: int, l_max: int, fs: float, length: int) -> float:
    """Residual CFO of a decoded block ``[n_rx, 4, 240]`` from the phase drift over two
    symbols of ``Y conj(X)``, X the re-encoded block (symbols 0 -> 2 and 1 -> 3)."""
    dev = grid.device
    cw = bch_encode(mib.pack(device=dev), mib.system_frame_number, half_frame, i_ssb, k_ssb,
                    l_max, n_cell_id)
    ref = ssb_grid(n_cell_id, cw, i_ssb, half_frame, l_max)                # [4, 240]
    z = grid * ref.conj()
    drift = (z[:, 2:] * z[:, :2].conj()).sum()
    return float(torch.angle(drift)) * fs / (2 * math.pi * 2 * length)


def _frame_offset(case: str, l_max: int, i_ssb: int, half_frame: int, scs: int, fs: float
                  ) -> int:
    """Samples from the start of the frame to the start of block i_ssb's first symbol."""
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=SSB_N_SUBCARRIERS // 12)
    info = ofdm_info(carrier, sample_rate=fs)
    s = ssb_candidate_symbols(case, l_max)[i_ssb]
    per_sub = info.symbols_per_subframe
    sub, l_in = divmod(s, per_sub)
    return (half_frame * 5 + sub) * info.samples_per_subframe + sum(info.symbol_lengths[:l_in])


def cell_search(waveform: torch.Tensor, sample_rate: float, *, scs: int = 30,
                l_max: int | None = None, case: str | None = None,
                carrier_frequency: float | None = None,
                cfo_hypotheses: Sequence[float] | None = None, max_cfo_hz: float = 5e3,
                threshold: float | None = None, false_alarm: float = 1e-3,
                max_detections: int = 64, attempts_per_cell: int = 2, ibar_candidates: int = 2,
                list_length: int = 8) -> list[CellInfo]:
    """Find every cell in a recording and decode its MIB (TS 38.211 §7.4.2, §7.4.3,
    §7.4.1.4.1, §7.3.3; TS 38.212 §7.1; TS 38.213 §4.1).

    The steps are in the module docstring. PSS detections are grouped by the cell identity
    their SSS gives; for each cell the ``attempts_per_cell`` strongest blocks are decoded
    (each with the ``ibar_candidates`` best ī_SSB), and the strongest with a valid CRC is
    reported. The SS/PBCH block index is ī_SSB mod 4 (L_max = 4) or ī_SSB (8), plus 8 x the
    3 payload MSBs for L_max = 64; the SFN is the MIB's 6 MSBs and the payload's 4 LSBs.

    Parameters
    ----------
    waveform : complex ``[T]`` or ``[n_rx, T]`` recording centred on the SS/PBCH block
        (module docstring).
    sample_rate : Hz, ``nfft * Δf`` (nfft >= 256, whole CPs).
    scs : SS/PBCH block subcarrier spacing in kHz: 15, 30 (FR1; cases A, B / C), 120, 240
        (FR2; cases D, E).
    l_max : L_max, 4, 8 or 64. Default: 64 in FR2; in FR1 4 if ``carrier_frequency`` <= 3 GHz
        (TS 38.213 §4.1 for cases A, B and paired-spectrum case C; pass 8 for unpaired case C
        between 1.88 and 3 GHz), else 8.
    case : ``"A"`` .. ``"E"``, only used for ``frame_start`` (default: A at 15 kHz, D at 120,
        E at 240; none at 30 kHz, where B and C differ).
    carrier_frequency : carrier frequency in Hz, only used for the default of ``l_max``.
    cfo_hypotheses : CFO hypotheses (Hz) of the PSS search (default
        :func:`pss_cfo_hypotheses` over ``±max_cfo_hz``).
    max_cfo_hz : largest |CFO| searched when ``cfo_hypotheses`` is not given.
    threshold, false_alarm, max_detections : of :func:`pss_search`.
    attempts_per_cell : blocks decoded per cell identity (>= 1).
    ibar_candidates : ī_SSB hypotheses decoded per block, best DM-RS metric first (1..8).
    list_length : list size of the polar decoder.

    Returns
    -------
    list of :class:`CellInfo`, highest SNR first; empty when no block decodes.

    >>> from softran.nr.ssb.waveform import ssb_waveform
    >>> m = MIB(system_frame_number=100, sub_carrier_spacing_common=30)
    >>> w = ssb_waveform(321, m, case="C", ssb_positions=[0, 1, 0, 0], sample_rate=7.68e6)
    >>> c = cell_search(w, 7.68e6, scs=30, l_max=4)[0]
    >>> c.n_cell_id, c.ssb_index, c.sfn, c.half_frame, c.mib == m
    (321, 1, 100, 0, True)
    """
    fs = check_positive("sample_rate", sample_rate)
    scs = check_ssb_scs(scs)
    x = check_rx_waveform(waveform)
    if carrier_frequency is not None:
        carrier_frequency = check_real("carrier_frequency", carrier_frequency, 0.0)
    if l_max is None:
        l_max = _default_l_max(scs, carrier_frequency)
    l_max = check_choice("l_max", check_int("l_max", l_max), (4, 8, 64))
    fr2 = scs in (120, 240)
    if (l_max == 64) != fr2:
        raise ValueError(f"l_max = {l_max} is not allowed at scs = {scs} kHz; allowed: "
                         + ("64" if fr2 else "4, 8") + " (TS 38.213 §4.1)")
    if case is None:
        case = {15: "A", 120: "D", 240: "E"}.get(scs)
    else:
        case = check_name("case", case, SSB_CASES)
        if SSB_CASE_SCS[case] != scs:
            raise ValueError(f"case = {case!r} uses {SSB_CASE_SCS[case]} kHz, not scs = {scs}")
        ssb_candidate_symbols(case, l_max)                 # checks that l_max fits the case
    attempts_per_cell = check_int("attempts_per_cell", attempts_per_cell, 1)
    ibar_candidates = check_int("ibar_candidates", ibar_candidates, 1, 8)
    if cfo_hypotheses is None:
        cfo_hypotheses = pss_cfo_hypotheses(scs, max_cfo_hz=max_cfo_hz)
    nfft, n_cp = ssb_symbol_numerology(scs, fs)
    length = nfft + n_cp
    dets = pss_search(x, fs, scs, cfo_hypotheses=cfo_hypotheses, threshold=threshold,
                      false_alarm=false_alarm, max_detections=max_detections)
    t = x.shape[-1]
    dets = [d for d in dets if d.timing + SSB_N_SYMBOLS * length <= t]
    if not dets:
        return []
    dev = x.device
    timing = torch.tensor([d.timing for d in dets], dtype=torch.int64, device=dev)
    cfo = torch.tensor([d.cfo_hz for d in dets], dtype=torch.float64, device=dev)
    grids = ssb_demodulate(x, timing, cfo, fs, nfft, n_cp)
    nid2 = torch.tensor([d.n_id_2 for d in dets], dtype=torch.int64, device=dev)
    cells_all = sss_detect(grids, nid2).n_cell_id.tolist()
    groups: dict[int, list[int]] = {}
    for i, cid in enumerate(cells_all):       # detections are strongest first
        groups.setdefault(cid, []).append(i)
    # one CFO per cell: the PSS half products of all its blocks, summed
    prods = pss_half_products(x, timing, nid2, pss_time_domain(scs, fs).to(dev))
    group_of = torch.tensor([list(groups).index(c) for c in cells_all], device=dev)
    summed = torch.zeros(len(groups), dtype=prods.dtype, device=dev).index_add_(0, group_of,
                                                                               prods)
    cell_cfo = (torch.angle(summed).to(torch.float64) * fs
                / (2 * math.pi * (length // 2)))[group_of]                 # [D]
    tried = [i for members in groups.values() for i in members[:attempts_per_cell]]
    sel = torch.tensor(tried, dtype=torch.int64, device=dev)
    cells = torch.tensor([cells_all[i] for i in tried], dtype=torch.int64, device=dev)
    grids = ssb_demodulate(x, timing[sel], cell_cfo[sel], fs, nfft, n_cp)
    dec = _decode_blocks(grids, cells, l_max, fs, length, ibar_candidates, list_length)
    freq_range = "FR2" if fr2 else "FR1"
    found: list[CellInfo] = []
    reported: set[int] = set()
    for j, i in enumerate(tried):
        cid = cells_all[i]
        if cid in reported or not bool(dec.ok[j]):
            continue
        reported.add(cid)
        d = dets[i]
        ibar = int(dec.ibar[j])
        msb = int(dec.msb[j])
        hf = int(dec.half_frame[j])
        mib = MIB.unpack(dec.mib_bits[j], sfn_lsbs=int(dec.sfn_lsbs[j]),
                         frequency_range=freq_range)
        if l_max == 64:
            i_ssb, k_ssb = ibar + 8 * msb, mib.ssb_subcarrier_offset
        else:
            i_ssb, k_ssb = (ibar % 4 if l_max == 4 else ibar), mib.ssb_subcarrier_offset + 16 * msb
        cfo_hz = (float(cell_cfo[i]) + float(dec.cfo_residual[j])
                  + _data_aided_cfo(dec.grids[j], cid, mib, hf, i_ssb, k_ssb, l_max, fs, length))
        timing_f = d.timing + d.timing_fraction
        frame_start = None
        if case is not None:
            frame_start = d.timing - _frame_offset(case, l_max, i_ssb, hf, scs, fs)
        found.append(CellInfo(
            n_cell_id=cid, ssb_index=i_ssb, half_frame=hf, sfn=mib.system_frame_number,
            k_ssb=k_ssb, cfo_hz=cfo_hz, timing=timing_f,
            timing_s=timing_f / fs, frame_start=frame_start, snr_db=float(dec.snr_db[j]),
            pss_metric=d.metric, n_detections=len(groups[cid]), mib=mib))
    return sorted(found, key=lambda c: -c.snr_db)

