"""The NR-FR1 test models of TS 38.141-1 §4.9.2 (NR-TM): full-length downlink waveforms for
base-station transmitter tests (output power, ACLR, EVM, frequency error, ...).

Layout (§4.9.2.2 / §4.9.2.3 as MathWorks' ``hNRReferenceWaveformGenerator`` builds them from
TS 38.141-1 V17.8.0; parameters in ``data/ts38141_1_test_models.csv`` and
``data/ts38141_1_tdd_pattern.csv``):

* carrier: N_RB of TS 38.104 Table 5.3.2-1 for the channel bandwidth and SCS, normal CP, 10 ms
  (FDD) or 20 ms (TDD, pattern of Table 4.9.2.2-1: 15 kHz DDDSU, S = 10D:2G:2U; 30 kHz
  DDDDDDDSUU, S = 6D:4G:4U; 60 kHz 14D + 2S + 4U), one antenna port, cell N_ID^cell.
* no SS/PBCH block (the test models carry none: the DM-RS serve synchronisation).
* PDCCH in every downlink and special slot: CORESET of 6 RBs (RBs 0..5) and 2 symbols,
  non-interleaved, one PDCCH of aggregation level 1 at CCE 0, n_RNTI = 0, n_ID = N_ID^cell,
  0 dB; its 108 bits are PN23 data (no DCI coding).
* PDSCH without transport coding (PN23 bits scrambled and modulated directly), mapping type
  A, DM-RS type 1 on symbol 2 plus one additional position, single symbol, one CDM group
  without data (0 dB DM-RS), n_ID = N_ID^cell, PT-RS off: RNTI 0 on PRBs 3 .. N_RB - 1 over
  the whole slot and RNTI 2 on PRBs 0..2 from symbol 2 (time-multiplexed with the PDCCH);
  in a special slot both end at its last downlink symbol.
* TM1.1 / TM3.1 / TM3.1a / TM3.1b: that layout with QPSK / 64 / 256 / 1024QAM.
* TM2 / TM2a / TM2b: one PRB of 64 / 256 / 1024QAM (RNTI 2, from symbol 2): PRB 0 in slots
  3n, PRB floor(N_RB / 2) in slots 3n + 1, PRB N_RB - 1 in slots 3n + 2 (slots of the frame).
* TM1.2 / TM3.2 / TM3.3: the RNTI 0 PRBs split into a target PDSCH on every other precoding
  RB group (P of TS 38.214 §5.1.2.2.1 configuration 1 for N_RB - 3 RBs, the first group left
  out, the last group included) boosted to +3 dB (TM1.2, QPSK, RNTI 0) or de-boosted to
  -3 dB (TM3.2, 16QAM) / -6 dB (TM3.3, QPSK) with RNTI 1, and a QPSK PDSCH on the other PRBs
  with the power that keeps the total (RNTI 1 / 0); the RNTI 2 PDSCH is QPSK.

Documented choices where the reference is uncertain (see the data files): the PN23 generator
is x^23 + x^18 + 1 (ITU-T O.150) seeded with all ones, one stream for the whole waveform,
consumed slot by slot (PDCCH, then the PDSCHs in RNTI order); power is applied to a PDSCH and
its DM-RS alike (MATLAB's ``Power``); the waveform is the unfiltered OFDM signal of TS 38.211
§5.3.1 (``windowing`` W > 0 adds the weighted overlap-add of :func:`~softran.nr.ofdm_modulate`),
with unit power per resource element of a 0 dB channel.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.nr.config import CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.pdcch import CORESETConfig, pdcch, pdcch_dmrs, pdcch_indices
from softran.nr.pdsch import PDSCHConfig, PDSCHDMRSConfig, pdsch, pdsch_dmrs, pdsch_dmrs_indices
from softran.nr.pdsch import pdsch_indices as _pdsch_indices_fn
from softran.nr.sequences import lfsr_sequence
from softran.validation import check_choice, check_int, check_name

__all__ = [
    "NRTMPDSCH",
    "NR_TEST_MODELS",
    "NRTMDefinition",
    "NRTestModel",
    "nr_tm",
    "nr_tm_definition",
    "nr_tm_plan",
    "pn23",
    "tdd_downlink_symbols",
]

_DATA = Path(__file__).parent / "data"
_PDCCH_BITS = 108             # 1 CCE = 6 REGs x 9 data REs x 2 bits


@dataclass(frozen=True)
class NRTMDefinition:
    """One row of ``data/ts38141_1_test_models.csv`` (see the module docstring)."""

    name: str
    modulation: str
    balance_modulation: str | None
    boosted_percent: int
    boosted_power_db: float
    target_rnti: tuple[int, ...]


@functools.cache
def _definitions() -> dict[str, NRTMDefinition]:
    out = {}
    for r in read_csv("ts38141_1_test_models.csv", _DATA):
        out[r["name"]] = NRTMDefinition(
            name=r["name"], modulation=r["modulation"],
            balance_modulation=r["balance_modulation"] or None,
            boosted_percent=int(r["boosted_percent"]),
            boosted_power_db=float(r["boosted_power_db"]),
            target_rnti=tuple(int(x) for x in r["target_rnti"].split()))
    return out


#: names of the NR-FR1 test models, TS 38.141-1 §4.9.2.2
NR_TEST_MODELS: tuple[str, ...] = tuple(_definitions())


def nr_tm_definition(name: str) -> NRTMDefinition:
    """The definition of test model ``name``.

    >>> d = nr_tm_definition("NR-FR1-TM3.2")
    >>> d.modulation, d.balance_modulation, d.boosted_percent, d.boosted_power_db, d.target_rnti
    ('16QAM', 'QPSK', 60, -3.0, (1,))
    """
    return _definitions()[check_name("model", name, NR_TEST_MODELS)]


@functools.cache
def _tdd_rows() -> dict[int, tuple[int, int, int, int, int]]:
    return {int(r["scs_khz"]): (int(r["period_ms"]), int(r["dl_slots"]), int(r["dl_symbols"]),
                                int(r["ul_slots"]), int(r["ul_symbols"]))
            for r in read_csv("ts38141_1_tdd_pattern.csv", _DATA)}


def tdd_downlink_symbols(scs_khz: int) -> tuple[int, ...]:
    """Downlink OFDM symbols of each slot of one TDD period of the test models (TS 38.141-1
    Table 4.9.2.2-1): 14 for a downlink slot, the special slot's count, 0 for uplink.

    >>> tdd_downlink_symbols(30)
    (14, 14, 14, 14, 14, 14, 14, 6, 0, 0)
    """
    scs_khz = check_choice("scs_khz", check_int("scs_khz", scs_khz), tuple(_tdd_rows()))
    period_ms, dl_slots, dl_symbols, _, _ = _tdd_rows()[scs_khz]
    n = period_ms * scs_khz // 15
    return tuple(14 if i < dl_slots else dl_symbols if i == dl_slots else 0 for i in range(n))


@dataclass(frozen=True)
class NRTMPDSCH:
    """One PDSCH of a test-model slot: RNTI, PRBs, modulation, power (dB) and (S, L)."""

    rnti: int
    prbs: tuple[int, ...]
    modulation: str
    power_db: float
    symbol_allocation: tuple[int, int]


def _prg_size(n_rb: int) -> int:
    """P of TS 38.214 Table 5.1.2.2.1-1 configuration 1 (RBG size) for a BWP of n_rb RBs."""
    return 2 if n_rb <= 36 else 4 if n_rb <= 72 else 8 if n_rb <= 144 else 16


def _boosted_split(d: NRTMDefinition, n_rb: int) -> tuple[tuple[int, ...], tuple[int, ...],
                                                              float]:
    """(target PRBs, balancing PRBs, balancing power dB) of a boosted / de-boosted model: the
    RNTI 0 allocation (PRBs 3 .. n_rb - 1) split by precoding RB groups (module docstring)."""
    alloc = list(range(3, n_rb))
    size = len(alloc)
    p = _prg_size(size)
    frac = d.boosted_percent / 100
    first = alloc[0]
    n_max = (size + first % p - p) // p
    n_prg = min(int(frac * size / p), (n_max - n_max % 2) // 2 + 1)
    last = (size + first % p) // p - 1
    prg = [1 + 2 * i for i in range(n_prg - 1)] + [last]
    base = p * (first // p)
    target = sorted({base + p * g + i for g in prg for i in range(p)})
    balance = [b for b in alloc if b not in set(target)]
    boost = 10 ** (d.boosted_power_db / 10)
    balance_db = 10 * torch.log10(torch.tensor((size - boost * p * n_prg) / (size - p * n_prg),
                                               dtype=torch.float64)).item()
    return tuple(target), tuple(balance), balance_db


def nr_tm_plan(name: str, n_rb: int, scs_khz: int, duplex: str = "fdd"
               ) -> list[tuple[int, list[NRTMPDSCH]]]:
    """The allocation of every slot of a test model (module docstring): per slot of the 10 ms
    (FDD) or 20 ms (TDD) waveform, ``(n_dl_symbols, [PDSCHs])``; uplink slots are
    ``(0, [])``.

    >>> plan = nr_tm_plan("NR-FR1-TM2", 52, 15)
    >>> [(s[1][0].prbs, s[1][0].rnti) for s in plan[:4]]
    [((0,), 2), ((26,), 2), ((51,), 2), ((0,), 2)]
    """
    d = nr_tm_definition(name)
    duplex = check_name("duplex", duplex, ("fdd", "tdd"))
    n_rb = check_int("n_rb", n_rb, 6, 275)
    scs_khz = check_choice("scs_khz", check_int("scs_khz", scs_khz), (15, 30, 60))
    slots_per_frame = 10 * scs_khz // 15
    n_slots = slots_per_frame * (2 if duplex == "tdd" else 1)
    pattern = tdd_downlink_symbols(scs_khz) if duplex == "tdd" else (14,)
    if d.boosted_percent < 100 and d.boosted_percent != 1:
        target, balance, balance_db = _boosted_split(d, n_rb)
    plan = []
    for slot in range(n_slots):
        n_dl = pattern[slot % len(pattern)]
        if n_dl == 0:
            plan.append((0, []))
            continue
        full, late = (0, n_dl), (2, n_dl - 2)
        if d.boosted_percent == 1:
            prb = (0, n_rb // 2, n_rb - 1)[(slot % slots_per_frame) % 3]
            pdschs = [NRTMPDSCH(2, (prb,), d.modulation, 0.0, late)]
        elif d.boosted_percent == 100:
            pdschs = [NRTMPDSCH(0, tuple(range(3, n_rb)), d.modulation, 0.0, full),
                      NRTMPDSCH(2, (0, 1, 2), d.modulation, 0.0, late)]
        else:
            boosted = d.boosted_power_db >= 0
            pdschs = sorted([
                NRTMPDSCH(0 if boosted else 1, target, d.modulation, d.boosted_power_db, full),
                NRTMPDSCH(1 if boosted else 0, balance, d.balance_modulation or "QPSK",
                          balance_db, full),
                NRTMPDSCH(2, (0, 1, 2), "QPSK", 0.0, late)], key=lambda x: x.rnti)
        plan.append((n_dl, pdschs))
    return plan


def pn23(n: int, *, device: torch.device | str | None = None) -> torch.Tensor:
    """n bits of the PN23 sequence, x^23 + x^18 + 1 (ITU-T O.150), register seeded with all
    ones (the test models' data, TS 38.141-1 §4.9.2.3; seed is a documented choice).

    >>> pn23(30).tolist()[23:]
    [0, 0, 0, 0, 0, 1, 1]
    """
    seed = torch.ones(23, dtype=torch.uint8, device=device)
    return lfsr_sequence(seed, n, (0, 18))


@dataclass(frozen=True)
class NRTestModel:
    """A generated test model (see :func:`nr_tm`).

    ``waveform`` complex64 ``[1, T]`` at ``sample_rate``; ``grid`` the resource grid
    ``[1, n_symbols, K]`` of all slots; ``pdsch_id`` int16 ``[n_symbols, K]`` the index into
    ``pdschs`` of the PDSCH whose data a RE carries (-1 none); ``dmrs_id`` the same for the
    PDSCH DM-RS REs; ``pdschs`` ``(slot, NRTMPDSCH)`` of every PDSCH transmission;
    ``plan`` the per-slot allocation of :func:`nr_tm_plan`.
    """

    name: str
    carrier: CarrierConfig
    bandwidth_mhz: int
    duplex: str
    nfft: int
    sample_rate: float
    windowing: int
    waveform: torch.Tensor
    grid: torch.Tensor
    pdsch_id: torch.Tensor
    dmrs_id: torch.Tensor
    pdschs: tuple[tuple[int, NRTMPDSCH], ...]
    plan: tuple[tuple[int, tuple[NRTMPDSCH, ...]], ...]
    target_rnti: tuple[int, ...]


def _pdsch_config(p: NRTMPDSCH) -> PDSCHConfig:
    return PDSCHConfig(prb_set=p.prbs, symbol_allocation=p.symbol_allocation,
                       modulation=p.modulation, rnti=p.rnti, mapping_type="A",
                       dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=1))


def nr_tm(name: str, bandwidth_mhz: int, scs_khz: int, *, duplex: str = "fdd",
          n_cell_id: int = 1, nfft: int | None = None, windowing: int = 0,
          progress: Callable[[int, int], None] | None = None) -> NRTestModel:
    """Generate NR-FR1 test model ``name`` (TS 38.141-1 §4.9.2; module docstring) for a
    channel bandwidth (MHz) and SCS (kHz): 10 ms FDD or 20 ms TDD.

    ``nfft`` / ``windowing`` as :func:`~softran.nr.ofdm_modulate` (a larger nfft oversamples,
    e.g. for ACLR); ``progress(done, total)`` is called after every slot.

    >>> tm = nr_tm("NR-FR1-TM3.1", 10, 15)
    >>> tm.waveform.shape, tm.sample_rate, tm.carrier.n_size_grid
    (torch.Size([1, 153600]), 15360000.0, 52)
    """
    definition = nr_tm_definition(name)
    n_rb = n_rb_for_bandwidth(bandwidth_mhz, scs_khz)
    n_cell_id = check_int("n_cell_id", n_cell_id, 0, 1007)
    plan = nr_tm_plan(name, n_rb, scs_khz, duplex)
    carrier = CarrierConfig(subcarrier_spacing=scs_khz, n_size_grid=n_rb, n_cell_id=n_cell_id)
    info = ofdm_info(carrier, nfft=nfft)
    n_sym, k = carrier.symbols_per_slot, carrier.n_subcarriers
    n_total = n_sym * len(plan)
    grid = torch.zeros(n_total, k, dtype=torch.complex64)
    pdsch_id = torch.full((n_total, k), -1, dtype=torch.int16)
    dmrs_id = torch.full((n_total, k), -1, dtype=torch.int16)
    coreset = CORESETConfig(frequency_resources=[1], duration=2, cce_reg_mapping="noninterleaved")
    cfg_cache: dict[NRTMPDSCH, tuple[PDSCHConfig, torch.Tensor, int]] = {}
    bits_needed = 0
    for n_dl, pdschs in plan:
        if n_dl:
            bits_needed += _PDCCH_BITS
        for p in pdschs:
            if p not in cfg_cache:
                cfg = _pdsch_config(p)
                ind, info_p = _pdsch_indices_fn(carrier, cfg)
                cfg_cache[p] = (cfg, ind[0], info_p.G[0])
            bits_needed += cfg_cache[p][2]
    bits = pn23(bits_needed)
    used = 0
    pdsch_list: list[tuple[int, NRTMPDSCH]] = []
    for slot, (n_dl, pdschs) in enumerate(plan):
        if n_dl:
            slot_carrier = carrier.model_copy(update={"n_slot": slot})
            rows = slice(slot * n_sym, (slot + 1) * n_sym)
            plane = grid[rows].view(-1)
            data_i, dmrs_i = pdcch_indices(slot_carrier, coreset, 0, 1)
            plane[data_i] = pdcch(bits[used:used + _PDCCH_BITS], n_cell_id, 0)
            plane[dmrs_i] = pdcch_dmrs(slot_carrier, coreset, 0, 1, n_id=n_cell_id)
            used += _PDCCH_BITS
            for p in pdschs:
                cfg, ind, g = cfg_cache[p]
                amp = 10 ** (p.power_db / 20)
                plane[ind] = pdsch(bits[used:used + g], slot_carrier, cfg)[0] * amp
                used += g
                d_ind = pdsch_dmrs_indices(slot_carrier, cfg)[0]
                plane[d_ind] = pdsch_dmrs(slot_carrier, cfg)[0] * amp
                pdsch_id[rows].view(-1)[ind] = len(pdsch_list)
                dmrs_id[rows].view(-1)[d_ind] = len(pdsch_list)
                pdsch_list.append((slot, p))
        if progress is not None:
            progress(slot + 1, len(plan))
    waveform = ofdm_modulate(grid[None], carrier, nfft=info.nfft, windowing=windowing)
    return NRTestModel(name=definition.name, carrier=carrier, bandwidth_mhz=bandwidth_mhz,
                       duplex=duplex.lower(), nfft=info.nfft,
                       sample_rate=float(info.sample_rate), windowing=windowing,
                       waveform=waveform, grid=grid[None], pdsch_id=pdsch_id, dmrs_id=dmrs_id,
                       pdschs=tuple(pdsch_list), plan=tuple((n, tuple(p)) for n, p in plan),
                       target_rnti=definition.target_rnti)

