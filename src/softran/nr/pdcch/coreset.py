"""Control resource sets and PDCCH search spaces: TS 38.211 §7.3.2.2, TS 38.213 §10.1.

* :class:`CORESETConfig` -- a CORESET (TS 38.331 ``ControlResourceSet``; MATLAB
  ``nrCORESETConfig``): frequency bitmap of 6-RB groups, duration, CCE-to-REG mapping.
* :class:`SearchSpaceConfig` -- a search space set (TS 38.331 ``SearchSpace``; MATLAB
  ``nrSearchSpaceConfig``): type, first symbol, candidates per aggregation level, monitoring
  slots.
* :func:`cce_to_reg_bundles` -- the CCE-to-REG-bundle mapping of §7.3.2.2, interleaved
  ``f(x) = (r C + c + n_shift) mod (N_REG^CORESET / L)`` or ``f(x) = x``.
* :func:`pdcch_candidates` -- the first CCE of every PDCCH candidate of a search space set in
  a slot, by the hashing function of TS 38.213 §10.1 (MATLAB ``nrPDCCHSpace``).

Conventions: REGs (1 RB x 1 OFDM symbol) are numbered time-first within the CORESET,
``reg = rb * N_symb^CORESET + symbol``, rb counting the CORESET's RBs in increasing order
(§7.3.2.2). Bit i of ``frequency_resources`` (the first, left-most bit is i = 0) selects the
common resource blocks ``N_RB^start + 6 i .. N_RB^start + 6 i + 5`` with
``N_RB^start = 6 ceil(N_BWP^start / 6)`` (TS 38.213 §10.1, TS 38.331 ``frequencyDomainResources``);
for CORESET 0, whose RBs are the initial BWP, ``N_RB^start = N_BWP^start``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Literal

import torch
from pydantic import field_validator, model_validator

from softran.validation import ValidatedModel, check_choice, check_int, check_name

__all__ = [
    "AGGREGATION_LEVELS",
    "CORESETConfig",
    "SearchSpaceConfig",
    "cce_to_reg_bundles",
    "pdcch_candidates",
]

#: PDCCH aggregation levels L (CCEs per candidate), TS 38.211 Table 7.3.2.1-1.
AGGREGATION_LEVELS: tuple[int, ...] = (1, 2, 4, 8, 16)
#: REGs per CCE (TS 38.211 §7.3.2.2).
REGS_PER_CCE = 6
#: Number of bits of frequencyDomainResources (TS 38.331 ControlResourceSet).
_MAX_RB_GROUPS = 45
#: Allowed nrofCandidates per aggregation level (TS 38.331 SearchSpace).
_N_CANDIDATES = (0, 1, 2, 3, 4, 5, 6, 8)
#: monitoringSlotPeriodicityAndOffset periodicities k_s in slots (TS 38.331 SearchSpace).
_SLOT_PERIODS = (1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640, 1280, 2560)
#: A_p of the hashing function for p mod 3 = 0, 1, 2, and D (TS 38.213 §10.1).
_HASH_A = (39827, 39829, 39839)
_HASH_D = 65537


_ValidatedModel = ValidatedModel


def _int_tuple(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        value = value.flatten().tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a sequence of integers, got {type(value).__name__}")
    return tuple(check_int(f"{name}[{i}]", v, None, None) for i, v in enumerate(value))


class CORESETConfig(_ValidatedModel):
    """A control resource set, TS 38.211 §7.3.2.2 (MATLAB ``nrCORESETConfig``).

    Parameters
    ----------
    coreset_id : p, 0..15 (0: CORESET 0, whose DM-RS sequence is indexed from its lowest RB,
        TS 38.211 §7.4.1.3.2, and whose RB groups start at ``n_start_bwp``).
    frequency_resources : bitmap of 6-RB groups (``frequencyDomainResources``), 1..45 bits of
        0/1, at least one 1; the first bit is the lowest RB group.
    duration : N_symb^CORESET, 1..3 OFDM symbols.
    cce_reg_mapping : ``"interleaved"`` or ``"noninterleaved"``.
    reg_bundle_size : L: 6 when non-interleaved; interleaved {2, 6} for duration 1, 2 and
        {3, 6} for duration 3.
    interleaver_size : R, 2, 3 or 6 (interleaved mapping only); N_REG^CORESET / (L R) must be
        an integer.
    shift_index : n_shift, 0..274; ``None`` uses N_ID^cell (interleaved mapping only).
    precoder_granularity : ``"sameAsREG-bundle"`` or ``"allContiguousRBs"``.
    n_start_bwp : N_BWP^start, first common resource block of the BWP, 0..2473.
    pdcch_dmrs_scrambling_id : ``pdcch-DMRS-ScramblingID`` 0..65535: n_ID of the PDCCH
        scrambling and N_ID of its DM-RS; ``None`` uses N_ID^cell (TS 38.211 §7.3.2.3,
        §7.4.1.3.1).

    >>> c = CORESETConfig(frequency_resources=[1, 1, 1, 1], duration=2)
    >>> c.n_rb, c.n_reg, c.n_cce, c.crbs[:3]
    (24, 48, 8, (0, 1, 2))
    """

    coreset_id: int = 1
    frequency_resources: tuple[int, ...] = (1, 1, 1, 1, 1, 1, 1, 1)
    duration: int = 2
    cce_reg_mapping: Literal["interleaved", "noninterleaved"] = "noninterleaved"
    reg_bundle_size: int = 6
    interleaver_size: int = 2
    shift_index: int | None = None
    precoder_granularity: Literal["sameAsREG-bundle", "allContiguousRBs"] = "sameAsREG-bundle"
    n_start_bwp: int = 0
    pdcch_dmrs_scrambling_id: int | None = None

    @field_validator("coreset_id", mode="before")
    @classmethod
    def _coreset_id(cls, v: Any) -> int:
        return check_int("coreset_id", v, 0, 15)

    @field_validator("frequency_resources", mode="before")
    @classmethod
    def _frequency_resources(cls, v: Any) -> tuple[int, ...]:
        bits = _int_tuple("frequency_resources", v)
        if not 1 <= len(bits) <= _MAX_RB_GROUPS:
            raise ValueError(f"frequency_resources has {len(bits)} bits; allowed: "
                             f"1..{_MAX_RB_GROUPS} (one per group of 6 RBs)")
        bad = [b for b in bits if b not in (0, 1)]
        if bad:
            raise ValueError(f"frequency_resources must contain only 0 and 1, found {bad[0]}")
        if not any(bits):
            raise ValueError("frequency_resources = all zeros selects no resource block; "
                             "at least one bit must be 1")
        return bits

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> int:
        return check_int("duration", v, 1, 3)

    @field_validator("cce_reg_mapping", mode="before")
    @classmethod
    def _mapping(cls, v: Any) -> str:
        return check_name("cce_reg_mapping", v, ("interleaved", "noninterleaved"))

    @field_validator("reg_bundle_size", mode="before")
    @classmethod
    def _bundle(cls, v: Any) -> int:
        return check_choice("reg_bundle_size", check_int("reg_bundle_size", v), (2, 3, 6))

    @field_validator("interleaver_size", mode="before")
    @classmethod
    def _interleaver(cls, v: Any) -> int:
        return check_choice("interleaver_size", check_int("interleaver_size", v), (2, 3, 6))

    @field_validator("shift_index", mode="before")
    @classmethod
    def _shift(cls, v: Any) -> int | None:
        return None if v is None else check_int("shift_index", v, 0, 274)

    @field_validator("precoder_granularity", mode="before")
    @classmethod
    def _granularity(cls, v: Any) -> str:
        return check_name("precoder_granularity", v, ("sameAsREG-bundle", "allContiguousRBs"))

    @field_validator("n_start_bwp", mode="before")
    @classmethod
    def _n_start_bwp(cls, v: Any) -> int:
        return check_int("n_start_bwp", v, 0, 2473)

    @field_validator("pdcch_dmrs_scrambling_id", mode="before")
    @classmethod
    def _scrambling_id(cls, v: Any) -> int | None:
        return None if v is None else check_int("pdcch_dmrs_scrambling_id", v, 0, 65535)

    @model_validator(mode="after")
    def _consistent(self) -> CORESETConfig:
        big_l = self.reg_bundle_size
        if self.cce_reg_mapping == "noninterleaved":
            if big_l != 6:
                raise ValueError(f"reg_bundle_size = {big_l} is not allowed with "
                                 "cce_reg_mapping = 'noninterleaved'; allowed: 6 "
                                 "(TS 38.211 §7.3.2.2)")
            return self
        allowed = (3, 6) if self.duration == 3 else (2, 6)
        if big_l not in allowed:
            raise ValueError(f"reg_bundle_size = {big_l} is not allowed with duration = "
                             f"{self.duration} (interleaved); allowed: {allowed} "
                             "(TS 38.211 §7.3.2.2)")
        n_bundles = self.n_reg // big_l
        if n_bundles % self.interleaver_size:
            raise ValueError(
                f"interleaver_size = {self.interleaver_size} does not divide the "
                f"N_REG^CORESET / L = {n_bundles} REG bundles of the CORESET; C = "
                "N_REG^CORESET / (L R) must be an integer (TS 38.211 §7.3.2.2)")
        return self

    # ---- derived values --------------------------------------------------------------
    @property
    def n_rb(self) -> int:
        """N_RB^CORESET, the number of resource blocks (6 per bit set)."""
        return 6 * sum(self.frequency_resources)

    @property
    def n_reg(self) -> int:
        """N_REG^CORESET = N_RB^CORESET N_symb^CORESET."""
        return self.n_rb * self.duration

    @property
    def n_cce(self) -> int:
        """N_CCE, the number of CCEs (6 REGs each)."""
        return self.n_reg // REGS_PER_CCE

    @property
    def rb_group_start(self) -> int:
        """N_RB^start: the first common RB of RB group 0 (see the module docstring)."""
        if self.coreset_id == 0:
            return self.n_start_bwp
        return 6 * -(-self.n_start_bwp // 6)

    @property
    def crbs(self) -> tuple[int, ...]:
        """Common resource block numbers of the CORESET, increasing."""
        start = self.rb_group_start
        return tuple(start + 6 * i + j for i, b in enumerate(self.frequency_resources) if b
                     for j in range(6))


class SearchSpaceConfig(_ValidatedModel):
    """A PDCCH search space set, TS 38.213 §10.1 (MATLAB ``nrSearchSpaceConfig``).

    Parameters
    ----------
    search_space_id : s, 0..39.
    coreset_id : p of the associated CORESET, 0..15.
    search_space_type : ``"common"`` (CSS: Y_p,n = 0) or ``"ue"`` (USS).
    start_symbol : first OFDM symbol of the monitoring occasion in the slot, 0..13
        (``monitoringSymbolsWithinSlot``; one occasion per slot).
    n_candidates : M_s^(L) for L = 1, 2, 4, 8, 16, each in {0, 1, 2, 3, 4, 5, 6, 8}.
    slot_period, slot_offset : k_s and o_s of ``monitoringSlotPeriodicityAndOffset``,
        k_s in {1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640, 1280, 2560}, 0 <= o_s < k_s.
    duration : T_s, consecutive monitored slots per period, 1..max(1, k_s - 1).

    >>> s = SearchSpaceConfig(n_candidates=(6, 6, 4, 2, 1))
    >>> s.candidates_per_level
    {1: 6, 2: 6, 4: 4, 8: 2, 16: 1}
    """

    search_space_id: int = 1
    coreset_id: int = 1
    search_space_type: Literal["common", "ue"] = "ue"
    start_symbol: int = 0
    n_candidates: tuple[int, int, int, int, int] = (8, 8, 4, 2, 1)
    slot_period: int = 1
    slot_offset: int = 0
    duration: int = 1

    @field_validator("search_space_id", mode="before")
    @classmethod
    def _ss_id(cls, v: Any) -> int:
        return check_int("search_space_id", v, 0, 39)

    @field_validator("coreset_id", mode="before")
    @classmethod
    def _coreset_id(cls, v: Any) -> int:
        return check_int("coreset_id", v, 0, 15)

    @field_validator("search_space_type", mode="before")
    @classmethod
    def _type(cls, v: Any) -> str:
        return check_name("search_space_type", v, ("common", "ue"))

    @field_validator("start_symbol", mode="before")
    @classmethod
    def _start(cls, v: Any) -> int:
        return check_int("start_symbol", v, 0, 13)

    @field_validator("n_candidates", mode="before")
    @classmethod
    def _n_candidates(cls, v: Any) -> tuple[int, ...]:
        m = _int_tuple("n_candidates", v)
        if len(m) != len(AGGREGATION_LEVELS):
            raise ValueError(f"n_candidates has {len(m)} entries; it needs one per aggregation "
                             f"level {AGGREGATION_LEVELS}")
        for al, x in zip(AGGREGATION_LEVELS, m):
            check_choice(f"n_candidates (aggregation level {al})", x, _N_CANDIDATES)
        return m

    @field_validator("slot_period", mode="before")
    @classmethod
    def _period(cls, v: Any) -> int:
        return check_choice("slot_period", check_int("slot_period", v), _SLOT_PERIODS)

    @field_validator("slot_offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> int:
        return check_int("slot_offset", v, 0, 2559)

    @field_validator("duration", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> int:
        return check_int("duration", v, 1, 2559)

    @model_validator(mode="after")
    def _slots(self) -> SearchSpaceConfig:
        if self.slot_offset >= self.slot_period:
            raise ValueError(f"slot_offset = {self.slot_offset} is out of range; allowed: "
                             f"0..{self.slot_period - 1} for slot_period = {self.slot_period}")
        top = max(1, self.slot_period - 1)
        if self.duration > top:
            raise ValueError(f"duration = {self.duration} is out of range; allowed: 1..{top} "
                             f"for slot_period = {self.slot_period}")
        return self

    @property
    def candidates_per_level(self) -> dict[int, int]:
        """{L: M_s^(L)} for every aggregation level."""
        return dict(zip(AGGREGATION_LEVELS, self.n_candidates))

    def is_monitoring_slot(self, n_frame: int, n_slot: int, slots_per_frame: int) -> bool:
        """Whether slot n_s,f of frame n_f is monitored, TS 38.213 §10.1:
        ``(n_f N_slot^frame + n_s,f - o_s) mod k_s < T_s``.

        >>> SearchSpaceConfig(slot_period=4, slot_offset=1, duration=2).is_monitoring_slot(
        ...     0, 3, 10)
        False
        """
        n_frame = check_int("n_frame", n_frame, 0)
        slots_per_frame = check_int("slots_per_frame", slots_per_frame, 1)
        n_slot = check_int("n_slot", n_slot, 0, slots_per_frame - 1)
        return (n_frame * slots_per_frame + n_slot - self.slot_offset) % self.slot_period \
            < self.duration


def _check_coreset(coreset: object) -> CORESETConfig:
    if not isinstance(coreset, CORESETConfig):
        raise TypeError(f"coreset must be a CORESETConfig, got {type(coreset).__name__}")
    return coreset


@functools.lru_cache(maxsize=256)
def _bundle_map(n_bundles: int, big_l: int, interleaved: bool, r: int, n_shift: int
                ) -> torch.Tensor:
    """[N_CCE, 6/L] REG bundle indices of each CCE (TS 38.211 §7.3.2.2)."""
    x = torch.arange(n_bundles, dtype=torch.int64)
    if interleaved:
        c_size = n_bundles // r                                   # C
        c, rr = x // r, x % r                                     # x = c R + r
        f = (rr * c_size + c + n_shift) % n_bundles
    else:
        f = x
    return f.reshape(-1, REGS_PER_CCE // big_l)


def cce_to_reg_bundles(coreset: CORESETConfig, n_cell_id: int | None = None) -> torch.Tensor:
    """CCE-to-REG-bundle mapping of a CORESET, TS 38.211 §7.3.2.2.

    REG bundle i is REGs {i L, .., i L + L - 1}; CCE j is REG bundles
    {f(6j/L), .., f(6j/L + 6/L - 1)} with, for interleaved mapping,
    ``f(x) = (r C + c + n_shift) mod (N_REG^CORESET / L)``, ``x = c R + r``
    (r = 0..R-1, c = 0..C-1, C = N_REG^CORESET / (L R)), and ``f(x) = x`` (L = 6) otherwise.

    Parameters
    ----------
    coreset : the CORESET.
    n_cell_id : N_ID^cell, 0..1007, the n_shift used when ``coreset.shift_index`` is None
        (needed only then, with interleaved mapping).

    Returns
    -------
    int64 ``[N_CCE, 6 / L]``: row j holds the REG bundle indices of CCE j.

    >>> c = CORESETConfig(frequency_resources=[1, 1], duration=1,
    ...                   cce_reg_mapping="interleaved", reg_bundle_size=2, interleaver_size=3,
    ...                   shift_index=1)
    >>> cce_to_reg_bundles(c).tolist()          # 12 REGs, 6 bundles, R = 3, C = 2
    [[1, 3, 5], [2, 4, 0]]
    """
    coreset = _check_coreset(coreset)
    interleaved = coreset.cce_reg_mapping == "interleaved"
    n_shift = 0
    if interleaved:
        if coreset.shift_index is not None:
            n_shift = coreset.shift_index
        elif n_cell_id is None:
            raise ValueError("n_cell_id is needed: the CORESET is interleaved and has no "
                             "shift_index, so n_shift = N_ID^cell (TS 38.211 §7.3.2.2)")
        else:
            n_shift = check_int("n_cell_id", n_cell_id, 0, 1007)
    big_l = coreset.reg_bundle_size
    return _bundle_map(coreset.n_reg // big_l, big_l, interleaved, coreset.interleaver_size,
                       n_shift).clone()


def pdcch_candidates(coreset: CORESETConfig, search_space: SearchSpaceConfig,
                     n_rnti: int | None = None, n_slot: int = 0, n_ci: int = 0
                     ) -> dict[int, list[int]]:
    """First CCE of every PDCCH candidate of a search space set, TS 38.213 §10.1.

    Candidate m_s,nCI of aggregation level L occupies the CCEs ::

        L {(Y_p,n + floor(m N_CCE,p / (L M_s,max^(L))) + n_CI) mod floor(N_CCE,p / L)} + i,

    i = 0..L-1, with Y_p,n = 0 for a CSS and, for a USS, Y_p,n = (A_p Y_p,n-1) mod D,
    Y_p,-1 = n_RNTI, A_p = 39827 / 39829 / 39839 for p mod 3 = 0 / 1 / 2, D = 65537,
    n = n_s,f^mu. M_s,max^(L) = M_s^(L) (one scheduled cell). MATLAB: ``nrPDCCHSpace``.

    Parameters
    ----------
    coreset : CORESET p (its ``coreset_id`` must be the search space's ``coreset_id``).
    search_space : the search space set s.
    n_rnti : the C-RNTI, 1..65535 (USS only; ignored for a CSS).
    n_slot : n_s,f^mu, the slot number within the frame, >= 0.
    n_ci : n_CI, the carrier indicator, 0..7 (0 for a CSS).

    Returns
    -------
    ``{L: [first CCE of candidate m for m = 0..M_s^(L)-1]}`` for every L with M_s^(L) > 0.

    >>> cs = CORESETConfig(frequency_resources=[1] * 8, duration=2)     # 16 CCEs
    >>> ss = SearchSpaceConfig(n_candidates=(0, 0, 2, 1, 1))
    >>> pdcch_candidates(cs, ss, n_rnti=0x4601, n_slot=0)
    {4: [8, 0], 8: [0], 16: [0]}
    """
    coreset = _check_coreset(coreset)
    if not isinstance(search_space, SearchSpaceConfig):
        raise TypeError(f"search_space must be a SearchSpaceConfig, got "
                        f"{type(search_space).__name__}")
    if search_space.coreset_id != coreset.coreset_id:
        raise ValueError(f"search_space.coreset_id = {search_space.coreset_id} does not match "
                         f"coreset.coreset_id = {coreset.coreset_id}")
    n_slot = check_int("n_slot", n_slot, 0)
    n_ci = check_int("n_ci", n_ci, 0, 7)
    if search_space.search_space_type == "common":
        if n_ci:
            raise ValueError(f"n_ci = {n_ci} is not allowed for a common search space; "
                             "allowed: 0 (TS 38.213 §10.1)")
        y = 0
    else:
        if n_rnti is None:
            raise ValueError("n_rnti is needed for a UE-specific search space (Y_p,-1 = n_RNTI)")
        n_rnti = check_int("n_rnti", n_rnti, 1, 2 ** 16 - 1)
        a_p = _HASH_A[coreset.coreset_id % 3]
        y = pow(a_p, n_slot + 1, _HASH_D) * n_rnti % _HASH_D      # Y_p,n after n + 1 steps
    n_cce = coreset.n_cce
    out: dict[int, list[int]] = {}
    for al, m_count in search_space.candidates_per_level.items():
        if m_count == 0:
            continue
        slots = n_cce // al
        if slots == 0:
            raise ValueError(f"aggregation level {al} has {m_count} candidate(s) but the "
                             f"CORESET has only N_CCE = {n_cce} CCEs")
        m = torch.arange(m_count, dtype=torch.int64)
        first = al * ((y + m * n_cce // (al * m_count) + n_ci) % slots)
        out[al] = first.tolist()
    return out
