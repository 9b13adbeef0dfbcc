"""Error vector magnitude of a base-station downlink recording, TS 38.104 Annex B (FR1), on
the NR-FR1 test models (:mod:`softran.sim.nr_tm`), with the limits of TS 38.104 Table
6.5.2.2-1 (``data/ts38104_evm_limits.csv``).

Steps (Annex B):

1. **Reference.** The ideal signal is the test model regenerated from its definition (the
   measurement equipment's reconstruction of the transmitted signal).
2. **Synchronisation** (B.3/B.4): the frame start by cross-correlation with the reference,
   the carrier frequency offset from the phase drift of the recording against it (first over
   one FFT length, unambiguous within +-SCS/2, then over half the recording), and the IQ
   origin offset (the mean residual after the best complex gain) are estimated and removed.
3. **EVM window** (B.5): W of Tables B.5.2-1/-2/-3 (``data/ts38104_evm_window.csv``, scaled
   to the recording's FFT size); the FFT of every OFDM symbol starts at c_l = c - a floor(W/2)
   and at c_h = c + floor(W/2) samples into its cyclic prefix, c its middle, a = 1 for even W
   and 0 for odd W; the measurement is made for both and the larger EVM reported.
4. **Equaliser** (B.6): the complex ratios received / ideal at the PDSCH DM-RS REs are
   averaged in time per subcarrier over the whole recording (amplitude, and phase after
   unwrapping), smoothed in frequency by a moving average of 19 reference subcarriers (fewer
   at the band edges, symmetric) and linearly interpolated to every subcarrier; the received
   REs are divided by the result (zero forcing).
5. **EVM** (B.7): ``sqrt(sum |Z - I|^2 / sum |I|^2)`` over the data REs of the model's
   target PDSCHs (its RNTIs), per modulation, over the whole recording (RMS), per slot and per
   OFDM symbol (the largest of those is the peak), and per subcarrier.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

from softran.nr.datafiles import read_csv
from softran.nr.ofdm import ofdm_info
from softran.sim.nr_tm import NRTestModel
from softran.validation import check_int, check_positive, check_tensor

__all__ = ["EVMResult", "evm_limit_percent", "evm_window_length", "measure_evm"]

_DATA = Path(__file__).parent / "data"
#: moving-average window of the equaliser, in reference subcarriers (TS 38.104 B.6)
EQUALIZER_WINDOW = 19


@functools.cache
def _limits() -> dict[str, float]:
    return {r["modulation"]: float(r["evm_limit_percent"])
            for r in read_csv("ts38104_evm_limits.csv", _DATA)}


def evm_limit_percent(modulation: str) -> float:
    """EVM limit in percent of TS 38.104 Table 6.5.2.2-1.

    >>> evm_limit_percent("64QAM"), evm_limit_percent("256QAM")
    (8.0, 3.5)
    """
    if modulation not in _limits():
        raise ValueError(f"modulation = {modulation!r} has no EVM limit; allowed: "
                         + ", ".join(repr(m) for m in _limits()))
    return _limits()[modulation]


@functools.cache
def _windows() -> dict[tuple[int, int], tuple[int, int, int]]:
    return {(int(r["scs_khz"]), int(r["bandwidth_mhz"])): (int(r["nfft"]), int(r["cp"]),
                                                           int(r["w"]))
            for r in read_csv("ts38104_evm_window.csv", _DATA)}


def evm_window_length(scs_khz: int, bandwidth_mhz: int, nfft: int | None = None) -> int:
    """EVM window length W in samples, TS 38.104 Tables B.5.2-1/-2/-3 (normal CP, FR1), for
    an FFT of ``nfft`` samples (default the table's nominal size; W scales with nfft).

    >>> evm_window_length(30, 100), evm_window_length(30, 100, 8192), evm_window_length(15, 10)
    (172, 344, 28)
    """
    key = (check_int("scs_khz", scs_khz), check_int("bandwidth_mhz", bandwidth_mhz))
    if key not in _windows():
        raise ValueError(f"TS 38.104 Tables B.5.2-1/-2/-3 define no EVM window for "
                         f"{bandwidth_mhz} MHz at {scs_khz} kHz")
    nominal, _, w = _windows()[key]
    if nfft is None:
        return w
    return round(w * check_int("nfft", nfft, 1) / nominal)


@dataclass
class EVMResult:
    """The outcome of :func:`measure_evm`.

    ``rms_percent`` / ``peak_percent``: per modulation of the target PDSCHs, the RMS EVM over
    the recording and the largest per-symbol EVM (both the larger of the two window
    positions); ``per_slot_percent``: per modulation, the EVM of every slot that carries it
    (``{modulation: [(slot, evm), ...]}``); ``per_subcarrier_percent`` / ``per_symbol_percent``:
    RMS EVM of all target REs per subcarrier ``[K]`` / per OFDM symbol (NaN where none);
    ``window``: ``"low"`` or ``"high"``, the position reported; ``timing``: frame start in
    the recording (samples); ``cfo_hz``; ``iq_offset``: the removed IQ origin offset relative
    to the RMS amplitude; ``constellation``: equalised target data symbols and their ideal
    values (a subsample); ``limits_percent`` per modulation.
    """

    rms_percent: dict[str, float]
    peak_percent: dict[str, float]
    per_slot_percent: dict[str, list[tuple[int, float]]]
    per_subcarrier_percent: torch.Tensor
    per_symbol_percent: torch.Tensor
    window: str
    window_length: int
    timing: int
    cfo_hz: float
    iq_offset: float
    constellation: tuple[torch.Tensor, torch.Tensor]
    limits_percent: dict[str, float] = field(default_factory=dict)

    def passed(self) -> dict[str, bool]:
        """PASS (True) / FAIL per modulation against TS 38.104 Table 6.5.2.2-1."""
        return {m: v <= self.limits_percent[m] for m, v in self.rms_percent.items()}


def _energy(x: torch.Tensor) -> torch.Tensor:
    """|x|^2 of a complex tensor (without the square root of ``abs``)."""
    return torch.view_as_real(x).square().sum(-1)


def _symbol_starts(tm: NRTestModel, n_symbols: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(sample index of each symbol's CP start, CP length) over the whole model."""
    info = ofdm_info(tm.carrier, nfft=tm.nfft)
    m = info.symbols_per_subframe
    cps = torch.tensor([info.cyclic_prefix_lengths[i % m] for i in range(n_symbols)],
                       dtype=torch.int64)
    lengths = cps + info.nfft
    starts = torch.cat([torch.zeros(1, dtype=torch.int64), lengths.cumsum(0)[:-1]])
    return starts, cps


def _demodulate(y: torch.Tensor, tm: NRTestModel, offsets: torch.Tensor) -> torch.Tensor:
    """Grid ``[n_symbols, K]`` of ``y`` [T] with the FFT of symbol l starting ``offsets[l]``
    samples into its CP; the linear phase of the early start is removed (as
    :func:`~softran.nr.ofdm_demodulate`)."""
    n_sym = tm.grid.shape[-2]
    k = tm.carrier.n_subcarriers
    nfft = tm.nfft
    starts, cps = _symbol_starts(tm, n_sym)
    first = starts + offsets
    idx = first[:, None] + torch.arange(nfft)
    spec = torch.fft.fft(y[idx], dim=-1, norm="ortho")
    half = k // 2
    z = torch.cat((spec[:, nfft - half:], spec[:, :half]), dim=-1)
    kf = torch.arange(k, dtype=torch.float64) - half
    early = (cps - offsets).to(torch.float64)
    rot = torch.polar(torch.ones(n_sym, k, dtype=torch.float64),
                      2 * math.pi * early[:, None] * kf[None, :] / nfft)
    return z * rot.to(z.dtype)


def _forward_fill(x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Along dim 0, replace invalid entries with the last valid one above (first row kept)."""
    rows = torch.arange(x.shape[0])[:, None].expand_as(x)
    last = torch.where(valid, rows, torch.zeros_like(rows)).cummax(dim=0).values
    return x.gather(0, last)


def _unwrap(phase: torch.Tensor, dim: int) -> torch.Tensor:
    d = torch.diff(phase, dim=dim)
    d = torch.remainder(d + math.pi, 2 * math.pi) - math.pi
    first = phase.narrow(dim, 0, 1)
    return torch.cat([first, first + d.cumsum(dim)], dim=dim)


def _equalizer(z: torch.Tensor, ideal: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Zero-forcing equaliser coefficients ``[K]`` of TS 38.104 B.6 from the reference REs
    ``ref`` [n_symbols, K] (module docstring, step 4)."""
    ratio = torch.where(ref, z / torch.where(ref, ideal, torch.ones_like(ideal)),
                        torch.zeros_like(z))
    count = ref.sum(0)
    have = count > 0
    amp = ratio.abs().sum(0)[have] / count[have]
    # phases unwrapped along time per subcarrier (gaps bridged by the last value)
    ph = _forward_fill(torch.angle(ratio).to(torch.float64), ref)
    ph = _unwrap(ph, dim=0)
    ph = (torch.where(ref, ph, torch.zeros_like(ph)).sum(0)[have] / count[have])
    # phases unwrapped along frequency over the reference subcarriers, then smoothed
    ph = _unwrap(ph, dim=0)
    n = amp.numel()
    if n == 0:
        raise ValueError("the recording holds no PDSCH DM-RS to equalise with")
    i = torch.arange(n)
    half = torch.minimum(torch.minimum(i, n - 1 - i),
                         torch.full_like(i, EQUALIZER_WINDOW // 2))
    lo, hi = i - half, i + half + 1

    def moving(v: torch.Tensor) -> torch.Tensor:
        c = torch.cat([torch.zeros(1, dtype=v.dtype), v.to(torch.float64).cumsum(0)])
        return (c[hi] - c[lo]) / (hi - lo)

    amp_s, ph_s = moving(amp), moving(ph)
    ks = torch.nonzero(have).flatten().to(torch.float64)
    k_all = torch.arange(z.shape[-1], dtype=torch.float64)
    if n == 1:
        a_k, p_k = amp_s.expand_as(k_all), ph_s.expand_as(k_all)
    else:
        kc = k_all.clamp(ks[0], ks[-1])
        right = torch.searchsorted(ks, kc).clamp(1, n - 1)
        left = right - 1
        t = (kc - ks[left]) / (ks[right] - ks[left])
        a_k = amp_s[left] * (1 - t) + amp_s[right] * t
        p_k = ph_s[left] * (1 - t) + ph_s[right] * t
    return torch.polar(a_k, p_k).to(z.dtype)


def _synchronise(x: torch.Tensor, ref: torch.Tensor, sample_rate: float, nfft: int
                 ) -> tuple[torch.Tensor, int, float, float]:
    """(aligned recording [len(ref)], frame start, CFO Hz, IQ offset re RMS)."""
    n, t = ref.numel(), x.numel()
    probe = ref[: min(n, 4 * nfft)]
    size = 1 << (t + probe.numel()).bit_length()
    corr = torch.fft.ifft(torch.fft.fft(x, size) * torch.fft.fft(probe, size).conj())
    lags = t - probe.numel() + 1
    start = int(corr[:lags].abs().argmax())
    if start + n > t:
        raise ValueError(f"the recording holds {t - start} samples after the frame start "
                         f"(sample {start}); the test model needs {n}")
    y = x[start:start + n].to(torch.complex128)
    r = ref.to(torch.complex128)
    t_n = torch.arange(n, dtype=torch.float64)
    cfo = 0.0
    # coarse over one FFT length (unambiguous within +-SCS/2), then fine over half the
    # recording (unambiguous within +-1/T, far above the coarse step's error)
    for lag in (nfft, n // 2):
        prod = y * r.conj()
        step = float(torch.angle((prod[lag:] * prod[:-lag].conj()).sum())) * sample_rate / (
            2 * math.pi * lag)
        y = y * torch.polar(torch.ones_like(t_n), -2 * math.pi * step / sample_rate * t_n)
        cfo += step
    gain = (y * r.conj()).sum() / (r.abs().square().sum())
    dc = (y - gain * r).mean()
    y = y - dc
    rms = float(y.abs().square().mean().sqrt())
    return y.to(torch.complex64), start, cfo, float(dc.abs()) / max(rms, 1e-30)


def measure_evm(recording: torch.Tensor, sample_rate: float, reference: NRTestModel, *,
                window_length: int | None = None, max_points: int = 20_000) -> EVMResult:
    """EVM of a recording of test model ``reference`` (TS 38.104 Annex B; module docstring).

    Args:
        recording: complex ``[T]`` or ``[1, T]``: the transmitted test model (one antenna),
            starting at or before its first sample.
        sample_rate: Hz; must be the reference's (``reference.sample_rate``).
        reference: the test model, regenerated with :func:`~softran.sim.nr_tm.nr_tm`.
        window_length: EVM window W in samples (default TS 38.104 Tables B.5.2-x).
        max_points: constellation points kept for plotting.

    >>> from softran.sim.nr_tm import nr_tm
    >>> tm = nr_tm("NR-FR1-TM3.1", 10, 15)
    >>> r = measure_evm(tm.waveform, tm.sample_rate, tm)
    >>> r.rms_percent["64QAM"] < 0.1, r.passed()
    (True, {'64QAM': True})
    """
    x = check_tensor("recording", recording, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"recording must be complex, got dtype {x.dtype}")
    if x.dim() == 2:
        if x.shape[0] != 1:
            raise ValueError(f"recording has {x.shape[0]} channels; EVM is measured on one "
                             "antenna connector at a time")
        x = x[0]
    elif x.dim() != 1:
        raise ValueError(f"recording must be [T] or [1, T], got shape {tuple(x.shape)}")
    sample_rate = check_positive("sample_rate", sample_rate)
    if abs(sample_rate - reference.sample_rate) > 1e-6 * reference.sample_rate:
        raise ValueError(f"sample_rate = {sample_rate:g} Hz differs from the test model's "
                         f"{reference.sample_rate:g} Hz (nfft {reference.nfft})")
    tm = reference
    nfft = tm.nfft
    carrier = tm.carrier
    if window_length is None:
        w = evm_window_length(carrier.subcarrier_spacing, tm.bandwidth_mhz, nfft)
    else:
        w = check_int("window_length", window_length, 1)
    y, start, cfo, iq = _synchronise(x.to(torch.complex64), tm.waveform[0], sample_rate, nfft)
    n_sym = tm.grid.shape[-2]
    _, cps = _symbol_starts(tm, n_sym)
    if w > int(cps.min()):
        raise ValueError(f"window_length = {w} exceeds the cyclic prefix ({int(cps.min())} "
                         "samples)")
    ideal = tm.grid[0]
    ref = tm.dmrs_id >= 0
    targets = {i for i, (_, p) in enumerate(tm.pdschs) if p.rnti in tm.target_rnti}
    modulation_of = [p.modulation for _, p in tm.pdschs]
    mods = sorted({modulation_of[i] for i in targets}, key=lambda m: evm_limit_percent(m))
    # the data REs of each modulation's target PDSCHs (a lookup by PDSCH index, -1 = none)
    pdsch_index = tm.pdsch_id.to(torch.int64) + 1
    selects = {}
    for m in mods:
        table = torch.zeros(len(tm.pdschs) + 1, dtype=torch.bool)
        table[[i + 1 for i in targets if modulation_of[i] == m]] = True
        selects[m] = table[pdsch_index]
    data = torch.zeros_like(ref)
    for sel in selects.values():
        data |= sel
    pwr = _energy(ideal)
    alpha = 1 if w % 2 == 0 else 0
    centre = cps // 2
    best: dict | None = None
    n_slot_sym = carrier.symbols_per_slot
    for name, off in (("low", centre - alpha * (w // 2)), ("high", centre + w // 2)):
        off = off.clamp(0, None)
        off = torch.minimum(off, cps)
        z = _demodulate(y, tm, off)
        z = z / _equalizer(z, ideal, ref)
        err = _energy(z - ideal)
        out: dict = {"rms": {}, "peak": {}, "slot": {}, "window": name, "z": z, "err": err}
        for m in mods:
            sel = selects[m]
            e_sym = torch.where(sel, err, 0).sum(-1)
            p_sym = torch.where(sel, pwr, 0).sum(-1)
            out["rms"][m] = 100 * math.sqrt(float(e_sym.sum() / p_sym.sum()))
            has = p_sym > 0
            out["peak"][m] = 100 * float((e_sym[has] / p_sym[has]).max().sqrt())
            e_slot = e_sym.reshape(-1, n_slot_sym).sum(-1)
            p_slot = p_sym.reshape(-1, n_slot_sym).sum(-1)
            out["slot"][m] = [(s, 100 * math.sqrt(float(e_slot[s] / p_slot[s])))
                              for s in range(e_slot.numel()) if p_slot[s] > 0]
        worst = max(out["rms"].values(), default=0.0)
        if best is None or worst > max(best["rms"].values(), default=0.0):
            best = out
    assert best is not None
    z = best["z"]
    err = torch.where(data, best["err"], 0)
    pwr = torch.where(data, pwr, 0)
    with torch.no_grad():
        per_k = 100 * (err.sum(0) / pwr.sum(0)).sqrt()
        per_l = 100 * (err.sum(1) / pwr.sum(1)).sqrt()
    pts = z[data]
    ide = ideal[data]
    if pts.numel() > max_points:
        step = pts.numel() // max_points
        pts, ide = pts[::step][:max_points], ide[::step][:max_points]
    return EVMResult(rms_percent=best["rms"], peak_percent=best["peak"],
                     per_slot_percent=best["slot"], per_subcarrier_percent=per_k,
                     per_symbol_percent=per_l, window=best["window"], window_length=w,
                     timing=start, cfo_hz=cfo, iq_offset=iq, constellation=(pts, ide),
                     limits_percent={m: evm_limit_percent(m) for m in mods})
