"""Where things sit in a PUSCH allocation: the positions that the DM-RS, PT-RS, data-RE and
configuration modules all need, in one place (TS 38.211 §6.4.1.1.3, §6.4.1.2.2.1; TS 38.214
§6.2.2).

* :func:`dmrs_port_table` -- CDM group, Delta, w_f, w_t per DM-RS port (Tables 6.4.1.1.3-1/-2).
* :func:`dmrs_symbols_l_prime` / :func:`dmrs_symbol_positions` -- DM-RS symbols l = l_bar + l'
  (Tables 6.4.1.1.3-3/-4).
* :func:`dmrs_re_pattern` -- the REs of one CDM group within an RB.
* :func:`ptrs_k_ref`, :func:`ptrs_relative_symbols`, :func:`ptrs_rbs` -- PT-RS subcarrier,
  symbols and RBs (Table 6.4.1.2.2.1-1).
* :func:`data_re_mask` -- the data REs of the allocation.

These functions read a PUSCH configuration (a :class:`~softran.nr.pusch.config.PUSCHConfig`)
and import nothing above them, so that the configuration's derived properties can use them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

from softran.nr.config import N_SC_RB
from softran.nr.datafiles import read_csv
from softran.validation import check_choice, check_int

if TYPE_CHECKING:
    from softran.nr.pusch.config import PUSCHConfig

__all__ = [
    "data_re_mask",
    "dmrs_port_table",
    "dmrs_re_pattern",
    "dmrs_symbol_positions",
    "dmrs_symbols_l_prime",
    "ptrs_k_ref",
    "ptrs_rbs",
    "ptrs_relative_symbols",
]

DeviceLike = torch.device | str | None


@functools.cache
def dmrs_port_table(dmrs_type: int) -> dict[int, tuple[int, int, tuple[int, int], tuple[int, int]]]:
    """TS 38.211 Table 6.4.1.1.3-1 (type 1) / 6.4.1.1.3-2 (type 2), from the data CSV.

    Returns ``{port p: (CDM group lambda, Delta, (w_f(0), w_f(1)), (w_t(0), w_t(1)))}``.

    >>> dmrs_port_table(1)[3]
    (1, 1, (1, -1), (1, 1))
    >>> dmrs_port_table(2)[10]
    (2, 4, (1, 1), (1, -1))
    """
    dmrs_type = check_choice("dmrs_type", check_int("dmrs_type", dmrs_type), (1, 2))
    table = {}
    for r in read_csv(f"pusch_dmrs_ports_type{dmrs_type}.csv"):
        table[int(r["port"])] = (int(r["cdm_group"]), int(r["delta"]),
                                 (int(r["wf0"]), int(r["wf1"])), (int(r["wt0"]), int(r["wt1"])))
    return table

@functools.cache
def _dmrs_position_table(max_length: int) -> dict[tuple[str, int], tuple[tuple[str, ...] | None, ...]]:
    """Tables 6.4.1.1.3-3 (single) / -4 (double): (mapping type, l_d) -> per additional
    position, the l_bar tokens (``"l0"`` or an integer) or None for '-'."""
    name = "single" if max_length == 1 else "double"
    rows = read_csv(f"pusch_dmrs_positions_{name}.csv")
    cols = [c for c in rows[0] if c.startswith("pos")]
    return {(r["mapping_type"], int(r["duration"])):
            tuple(None if r[c] == "-" else tuple(r[c].split()) for c in cols) for r in rows}

def dmrs_symbols_l_prime(pusch: PUSCHConfig) -> list[tuple[int, int]]:
    """(l, l') of every DM-RS symbol, l within the slot, sorted (TS 38.211 §6.4.1.1.3,
    Tables 6.4.1.1.3-3/-4).

    >>> from types import SimpleNamespace
    >>> dmrs_symbols_l_prime(SimpleNamespace(symbol_allocation=(0, 14), mapping_type="A",
    ...     dmrs=SimpleNamespace(type_a_position=2, additional_position=1, max_length=1)))
    [(2, 0), (11, 0)]
    """
    s, length = pusch.symbol_allocation
    d = pusch.dmrs
    if pusch.mapping_type == "A":
        # l_0 = dmrs-TypeA-Position, l_bar relative to the slot, l_d from symbol 0 to the end
        l0, l_d, ref = d.type_a_position, s + length, 0
        if d.additional_position == 3 and d.type_a_position != 2:
            raise ValueError("dmrs.additional_position = 3 with mapping_type 'A' needs "
                             "dmrs.type_a_position = 2 (TS 38.211 §6.4.1.1.3)")
    else:
        # l_0 = 0, l_bar relative to the start of the allocation, l_d = its duration
        l0, l_d, ref = 0, length, s
    entry = _dmrs_position_table(d.max_length)[(pusch.mapping_type, l_d)][d.additional_position]
    table = "6.4.1.1.3-3" if d.max_length == 1 else "6.4.1.1.3-4"
    if entry is None:
        raise ValueError(
            f"no DM-RS position is defined for mapping_type {pusch.mapping_type!r} with duration "
            f"l_d = {l_d} symbols and dmrs.max_length = {d.max_length} (TS 38.211 Table {table}); "
            f"symbol_allocation = {pusch.symbol_allocation}")
    l_bar = [l0 if t == "l0" else int(t) for t in entry]
    out = [(ref + lb + lp, lp) for lb in l_bar for lp in range(d.max_length)]
    last = s + length - 1
    if any(not s <= l <= last for l, _ in out):
        raise ValueError(
            f"DM-RS symbols {[l for l, _ in out]} fall outside the allocation {s}..{last} "
            f"(symbol_allocation = {pusch.symbol_allocation}, dmrs.type_a_position = "
            f"{d.type_a_position}, dmrs.max_length = {d.max_length}; TS 38.211 §6.4.1.1.3: "
            f"l_d = 4 with double-symbol DM-RS needs type_a_position = 2)")
    return sorted(out)

def dmrs_symbol_positions(pusch: PUSCHConfig) -> list[int]:
    """DM-RS symbols of ``pusch`` within the slot, without a carrier (no cyclic-prefix check);
    see :func:`pusch_dmrs_symbols`.

    >>> from softran.nr.pusch.config import PUSCHConfig
    >>> dmrs_symbol_positions(PUSCHConfig(mapping_type="B", symbol_allocation=(2, 8)))
    [2]
    """
    return [l for l, _ in dmrs_symbols_l_prime(pusch)]

def dmrs_re_pattern(dmrs_type: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per RB: subcarrier offsets (before Delta) and k' of the REs of one CDM group, in
    increasing order, for DM-RS configuration type ``dmrs_type`` (TS 38.211 §6.4.1.1.3:
    type 1 k = 4n + 2k' + Delta, type 2 k = 6n + k' + Delta); the sequence index is
    m = (REs per RB) * rb + i for the i-th entry.

    >>> [t.tolist() for t in dmrs_re_pattern(2)]
    [[0, 1, 6, 7], [0, 1, 0, 1]]
    """
    if dmrs_type == 1:  # k = 4n + 2k' + Delta: 6 REs per RB, m = 2n + k'
        i = torch.arange(6)
        return 2 * i, i % 2
    i = torch.arange(4)  # k = 6n + k' + Delta: 4 REs per RB
    return 6 * (i // 2) + i % 2, i % 2

@functools.cache
def _k_ref_table() -> dict[tuple[int, int], dict[str, int]]:
    rows = read_csv("pusch_ptrs_k_ref.csv")
    return {(int(r["dmrs_type"]), int(r["port"])):
            {off: int(r[f"offset{off}"]) for off in ("00", "01", "10", "11")} for r in rows}


def ptrs_k_ref(dmrs_type: int, port: int, re_offset: str) -> int:
    """k_ref^RE of TS 38.211 Table 6.4.1.2.2.1-1: the PT-RS subcarrier within its RB for the
    associated DM-RS port and *resourceElementOffset*.

    >>> ptrs_k_ref(1, 2, "10"), ptrs_k_ref(2, 3, "11")
    (7, 2)
    """
    key = (dmrs_type, port)
    if key not in _k_ref_table():
        raise ValueError(f"DM-RS port {port} cannot carry PT-RS with dmrs_type = {dmrs_type}; "
                         f"allowed ports: 0..{3 if dmrs_type == 1 else 5} (TS 38.211 Table "
                         "6.4.1.2.2.1-1)")
    return _k_ref_table()[key][re_offset]

def ptrs_relative_symbols(pusch: PUSCHConfig) -> list[int]:
    """PT-RS symbols relative to the start of the allocation, TS 38.211 §6.4.1.2.2.1 steps
    1-5 (see :func:`softran.nr.pusch.ptrs.pusch_ptrs_symbols`)."""
    s, length = pusch.symbol_allocation
    dmrs = sorted(l - s for l, _ in dmrs_symbols_l_prime(pusch))
    l_ptrs = pusch.ptrs.time_density
    out: list[int] = []
    i, l_ref = 0, 0
    while l_ref + i * l_ptrs < length:
        window = range(max(l_ref + (i - 1) * l_ptrs + 1, l_ref), l_ref + i * l_ptrs + 1)
        hits = [l for l in dmrs if l in window]
        if hits:
            # restart after the DM-RS symbol (the second one of a double-symbol DM-RS)
            i, l_ref = 1, hits[-1]
            continue
        out.append(l_ref + i * l_ptrs)
        i += 1
    return out

def ptrs_rbs(pusch: PUSCHConfig) -> list[int]:
    """Positions (in allocation order) of the RBs carrying PT-RS: i K_PT-RS + k_ref^RB
    (TS 38.211 §6.4.1.2.2.1, k_ref^RB from the RNTI)."""
    n_rb, k = pusch.n_prb, pusch.ptrs.frequency_density
    k_rb_ref = pusch.rnti % k if n_rb % k == 0 else pusch.rnti % (n_rb % k)
    return list(range(k_rb_ref, n_rb, k))

def data_re_mask(pusch: PUSCHConfig, *, device: DeviceLike = None) -> torch.Tensor:
    """Boolean ``[L, n_prb, 12]`` mask of the data REs of the allocation (symbol S + row, the
    row's allocated PRBs in increasing order, subcarrier within the PRB), without a carrier.

    >>> from softran.nr.pusch.config import PUSCHConfig
    >>> p = PUSCHConfig(prb_set=[0])
    >>> p.dmrs.num_cdm_groups_without_data = 1
    >>> data_re_mask(p)[2].int().tolist()   # DM-RS symbol 2: odd subcarriers carry data
    [[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]]
    """
    s, length = pusch.symbol_allocation
    mask = torch.ones(length, pusch.n_prb, N_SC_RB, dtype=torch.bool, device=device)
    # DM-RS symbols: the REs of CDM groups 0 .. num_cdm_groups_without_data - 1
    dmrs_rows = [l - s for l, _ in dmrs_symbols_l_prime(pusch)]
    d = pusch.dmrs
    sc = torch.arange(N_SC_RB, device=device)
    if pusch.transform_precoding:
        no_data = torch.ones(N_SC_RB, dtype=torch.bool, device=device)
    elif d.dmrs_type == 1:  # group lambda: k mod 2 = Delta = lambda
        no_data = (sc % 2) < d.num_cdm_groups_without_data
    else:  # group lambda: k mod 6 in {2 lambda, 2 lambda + 1}
        no_data = (sc % 6) // 2 < d.num_cdm_groups_without_data
    mask[dmrs_rows] &= ~no_data
    if pusch.enable_ptrs:
        if pusch.transform_precoding:
            raise NotImplementedError("PT-RS with transform precoding is not implemented")
        rows = torch.tensor(ptrs_relative_symbols(pusch), dtype=torch.int64, device=device)
        rbs = torch.tensor(ptrs_rbs(pusch), dtype=torch.int64, device=device)
        for p in pusch.ptrs_ports:
            k_re = ptrs_k_ref(d.dmrs_type, p, pusch.ptrs.re_offset)
            mask[rows[:, None], rbs[None, :], k_re] = False
    return mask
