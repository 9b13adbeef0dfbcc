"""UCI on PUSCH: the number of coded bits of HARQ-ACK, CSI part 1 and CSI part 2 (TS 38.212
§6.3.2.4, with the beta offsets of TS 38.213 §9.3) and their multiplexing with the UL-SCH
(TS 38.212 §6.2.7); MATLAB ``nrULSCHInfo`` (UCI outputs), ``nrULSCHMultiplex``,
``nrULSCHDemultiplex``.

Coded modulation symbols per layer (§6.3.2.4.1.1 - .3, UL-SCH present):

* ``Q'_ACK = min(ceil((O_ACK + L_ACK) beta_ACK sum_l M_UCI(l) / sum_r K_r),
  ceil(alpha sum_{l >= l_0} M_UCI(l)))``, l_0 the first symbol without DM-RS after the first
  DM-RS symbol(s);
* ``Q'_CSI1 = min(ceil((O_CSI1 + L_CSI1) beta_CSI1 sum M_UCI / sum K_r),
  ceil(alpha sum M_UCI) - Q'_ACK)``, Q'_ACK here the reserved count when O_ACK <= 2;
* ``Q'_CSI2 = min(ceil((O_CSI2 + L_CSI2) beta_CSI2 sum M_UCI / sum K_r),
  ceil(alpha sum M_UCI) - Q'_ACK - Q'_CSI1)``, Q'_ACK = 0 when O_ACK <= 2;
* E = N_L Q' Q_m for each; with 0, 1 or 2 HARQ-ACK bits the REs of ``Q'_ACK,rvd`` (the
  formula with O_ACK = 2) are reserved and the HARQ-ACK punctures the UL-SCH there;
  ``G_UL-SCH = N_L Q_m sum M_UL-SCH(l) - E_CSI1 - E_CSI2 (- E_ACK when O_ACK > 2)``.

M_UCI(l) counts the data REs of symbol l that are not DM-RS or PT-RS (0 on DM-RS symbols);
M_UL-SCH(l) all the data REs of symbol l (DM-RS symbols too when a CDM group carries data).
sum_r K_r is C K of the UL-SCH's LDPC segmentation (code block size K of TS 38.212 §5.2.2).
L is the UCI CRC length (0, 6 or 11, TS 38.212 §6.3.1.2.1).

Multiplexing (§6.2.7, one hop): step 1 reserves HARQ-ACK REs (O_ACK <= 2) from symbol l_1
(the first symbol after the first DM-RS that carries UCI), step 2 maps a larger HARQ-ACK there,
step 3 CSI part 1 then part 2 from the first symbol without DM-RS, step 4 the UL-SCH on the
rest, step 5 the small HARQ-ACK onto the reserved REs, and step 6 reads the codeword out RE by
RE, N_L Q_m bits each. On every symbol a part takes ``m_RE`` REs spaced by ``d``: all of the
available ones (d = 1) when its remaining bits fill them, else ``d = floor(M N_L Q_m / G')``
and ``m_RE = ceil(G' / (N_L Q_m))``. Frequency hopping (two hops) is not modelled, as in
:class:`~softran.nr.pusch.config.PUSCHConfig`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import torch
from pydantic import field_validator

from softran.nr.coding.sch_info import ulsch_info
from softran.nr.coding.small_block import small_block_placeholders
from softran.nr.coding.uci import uci_crc_length
from softran.nr.datafiles import read_csv
from softran.nr.pusch.allocation import data_re_mask, dmrs_symbols_l_prime
from softran.nr.pusch.config import PUSCHConfig
from softran.validation import ValidatedModel, check_int, check_name, check_real, check_tensor

__all__ = [
    "UCI_SCALING",
    "PUSCHUCIConfig",
    "ULSCHUCIInfo",
    "UCIMultiplexLayout",
    "beta_offset",
    "ulsch_demultiplex",
    "ulsch_multiplex",
    "ulsch_multiplex_layout",
    "ulsch_uci_info",
]

#: alpha of *scaling* (TS 38.331 UCI-OnPUSCH): 0.5, 0.65, 0.8, 1.
UCI_SCALING: tuple[float, ...] = (0.5, 0.65, 0.8, 1.0)


@functools.cache
def _beta_table() -> dict[str, tuple[float, ...]]:
    out: dict[str, list[float]] = {"harq-ack": [], "csi": []}
    for r in read_csv("uci_beta_offset.csv"):
        out[r["table"]].append(float(r["beta_offset"]))
    return {k: tuple(v) for k, v in out.items()}


def beta_offset(kind: str, index: int) -> float:
    """beta_offset of TS 38.213 Table 9.3-1 (``kind="harq-ack"``, index 0..15) or 9.3-2
    (``"csi"``, index 0..18).

    >>> beta_offset("harq-ack", 11), beta_offset("csi", 13)
    (20.0, 6.25)
    """
    kind = check_name("kind", kind, ("harq-ack", "csi"))
    table = _beta_table()[kind]
    return table[check_int("index", index, 0, len(table) - 1)]


class PUSCHUCIConfig(ValidatedModel):
    """The UCI multiplexed on a PUSCH (TS 38.212 §6.2.7, §6.3.2.4; TS 38.213 §9.3; MATLAB
    ``nrPUSCHConfig`` UCI fields).

    Parameters
    ----------
    n_ack, n_csi1, n_csi2 : O_ACK, O_CSI1, O_CSI2 bits (0..1706; CSI part 2 needs part 1).
    beta_offset_ack : a value of TS 38.213 Table 9.3-1 (default 20, index 11).
    beta_offset_csi1, beta_offset_csi2 : values of Table 9.3-2 (default 6.25, index 13).
    scaling : alpha, 0.5, 0.65, 0.8 or 1.

    >>> PUSCHUCIConfig(n_ack=2, n_csi1=10).beta_offset_ack
    20.0
    """

    n_ack: int = 0
    n_csi1: int = 0
    n_csi2: int = 0
    beta_offset_ack: float = 20.0
    beta_offset_csi1: float = 6.25
    beta_offset_csi2: float = 6.25
    scaling: float = 1.0

    @field_validator("n_ack", "n_csi1", "n_csi2", mode="before")
    @classmethod
    def _bits(cls, v: Any, info: Any) -> int:
        return check_int(info.field_name, v, 0, 1706)

    @field_validator("beta_offset_ack", mode="before")
    @classmethod
    def _beta_ack(cls, v: Any) -> float:
        v = check_real("beta_offset_ack", v)
        if float(v) not in _beta_table()["harq-ack"]:
            raise ValueError(f"beta_offset_ack = {v} is not a value of TS 38.213 Table 9.3-1; "
                             f"allowed: {list(_beta_table()['harq-ack'])}")
        return float(v)

    @field_validator("beta_offset_csi1", "beta_offset_csi2", mode="before")
    @classmethod
    def _beta_csi(cls, v: Any, info: Any) -> float:
        v = check_real(info.field_name, v)
        if float(v) not in _beta_table()["csi"]:
            raise ValueError(f"{info.field_name} = {v} is not a value of TS 38.213 Table 9.3-2; "
                             f"allowed: {list(_beta_table()['csi'])}")
        return float(v)

    @field_validator("scaling", mode="before")
    @classmethod
    def _scaling(cls, v: Any) -> float:
        v = check_real("scaling", v)
        if float(v) not in UCI_SCALING:
            raise ValueError(f"scaling = {v} is not allowed; allowed: {list(UCI_SCALING)}")
        return float(v)

    def model_post_init(self, __context: Any) -> None:
        if self.n_csi2 and not self.n_csi1:
            raise ValueError("n_csi2 > 0 needs CSI part 1 (n_csi1 > 0): part 2 is sized by part 1 "
                             "(TS 38.212 §6.3.2.4.1.3)")


@dataclass(frozen=True)
class ULSCHUCIInfo:
    """Coded bits of a PUSCH with UCI (TS 38.212 §6.3.2.4; MATLAB ``nrULSCHInfo``): ``g_ulsch``
    (G of the UL-SCH), ``g_ack``, ``g_csi1``, ``g_csi2`` (E of each UCI part), ``g_ack_rvd``
    (reserved bits for 1-2 HARQ-ACK bits), and the Q' values per layer."""

    g_ulsch: int
    g_ack: int
    g_ack_rvd: int
    g_csi1: int
    g_csi2: int
    q_ack: int
    q_ack_rvd: int
    q_csi1: int
    q_csi2: int


def _re_counts(pusch: PUSCHConfig) -> tuple[list[int], list[int], int, int]:
    """(M_UL-SCH(l), M_UCI(l) per allocated symbol, l_0 / l_1 and l_CSI as row indices)."""
    mask = data_re_mask(pusch)                                       # [L, n_prb, 12]
    s = pusch.symbol_allocation[0]
    dmrs_rows = sorted({l - s for l, _ in dmrs_symbols_l_prime(pusch)})
    m_ulsch = mask.flatten(1).sum(-1).tolist()
    m_uci = [0 if r in dmrs_rows else m for r, m in enumerate(m_ulsch)]
    first = dmrs_rows[0]
    l1 = next(r for r in range(first, len(m_uci)) if r not in dmrs_rows)
    l_csi = next(r for r in range(len(m_uci)) if r not in dmrs_rows)
    return [int(x) for x in m_ulsch], [int(x) for x in m_uci], l1, l_csi


def _q(o: int, beta: float, sum_uci: int, sum_k: int, cap: int) -> int:
    if o == 0:
        return 0
    return min(math.ceil((o + uci_crc_length(o)) * beta * sum_uci / sum_k), cap)


def ulsch_uci_info(pusch: PUSCHConfig, uci: PUSCHUCIConfig) -> ULSCHUCIInfo:
    """The coded bits of the UL-SCH and of each UCI part (module docstring).

    >>> p = PUSCHConfig(prb_set=range(24), mcs_index=16)
    >>> p.dmrs.additional_position = 1
    >>> i = ulsch_uci_info(p, PUSCHUCIConfig(n_csi1=20, n_csi2=20))
    >>> i.g_csi1 + i.g_csi2 + i.g_ulsch == p.num_coded_bits, i.g_ack_rvd > 0
    (True, True)
    """
    if not isinstance(pusch, PUSCHConfig):
        raise TypeError(f"pusch must be a PUSCHConfig, got {type(pusch).__name__}")
    if not isinstance(uci, PUSCHUCIConfig):
        raise TypeError(f"uci must be a PUSCHUCIConfig, got {type(uci).__name__}")
    m_ulsch, m_uci, l0, _ = _re_counts(pusch)
    sch = ulsch_info(pusch.tb_size, pusch.code_rate)
    sum_k = sch.c * sch.k
    sum_uci = sum(m_uci)
    from_l0 = sum(m_uci[l0:])
    a = uci.scaling
    q_ack = _q(uci.n_ack, uci.beta_offset_ack, sum_uci, sum_k, math.ceil(a * from_l0))
    q_rvd = _q(2, uci.beta_offset_ack, sum_uci, sum_k, math.ceil(a * from_l0)) \
        if uci.n_ack <= 2 else 0
    q_ack_for_csi1 = q_ack if uci.n_ack > 2 else q_rvd
    q_csi1 = _q(uci.n_csi1, uci.beta_offset_csi1, sum_uci, sum_k,
                math.ceil(a * sum_uci) - q_ack_for_csi1)
    q_ack_for_csi2 = q_ack if uci.n_ack > 2 else 0
    q_csi2 = _q(uci.n_csi2, uci.beta_offset_csi2, sum_uci, sum_k,
                math.ceil(a * sum_uci) - q_ack_for_csi2 - q_csi1)
    nlq = pusch.n_layers * pusch.qm
    g_total = nlq * sum(m_ulsch)
    g_ack, g_csi1, g_csi2 = nlq * q_ack, nlq * q_csi1, nlq * q_csi2
    g_ulsch = g_total - g_csi1 - g_csi2 - (g_ack if uci.n_ack > 2 else 0)
    if min(q_csi1, q_csi2) < 0 or g_ulsch <= 0:
        raise ValueError(f"the UCI does not fit the PUSCH: Q'_ACK = {q_ack}, Q'_CSI1 = {q_csi1}, "
                         f"Q'_CSI2 = {q_csi2}, G_UL-SCH = {g_ulsch}")
    return ULSCHUCIInfo(g_ulsch, g_ack, nlq * q_rvd, g_csi1, g_csi2, q_ack, q_rvd, q_csi1,
                        q_csi2)


@dataclass(frozen=True)
class UCIMultiplexLayout:
    """Where each coded bit goes in the PUSCH codeword of G bits (§6.2.7): ``ulsch``, ``ack``,
    ``csi1``, ``csi2`` int64 codeword positions of the bits of each part, in order;
    ``ulsch_punctured`` bool ``[G_UL-SCH]`` (UL-SCH bits overwritten by a 1-2 bit HARQ-ACK);
    ``x_placeholders`` / ``y_placeholders`` bool ``[G]`` (the 'x' / 'y' bits of a 1-2 bit
    HARQ-ACK, for :func:`~softran.nr.pusch_scramble`)."""

    info: ULSCHUCIInfo
    ulsch: torch.Tensor
    ack: torch.Tensor
    csi1: torch.Tensor
    csi2: torch.Tensor
    ulsch_punctured: torch.Tensor
    x_placeholders: torch.Tensor
    y_placeholders: torch.Tensor


def _take(avail: torch.Tensor, remaining: int, nlq: int) -> torch.Tensor:
    """RE positions (indices into the symbol) a part takes on one symbol: m_RE REs spaced d."""
    free = avail.nonzero().flatten()
    m = int(free.numel())
    if remaining >= m * nlq:
        return free
    d = (m * nlq) // remaining
    m_re = -(-remaining // nlq)
    return free[torch.arange(m_re) * d]


@functools.lru_cache(maxsize=64)
def _layout(pusch_json: str, uci_json: str) -> UCIMultiplexLayout:
    pusch = PUSCHConfig.model_validate_json(pusch_json)
    uci = PUSCHUCIConfig.model_validate_json(uci_json)
    info = ulsch_uci_info(pusch, uci)
    m_ulsch, m_uci, l1, l_csi = _re_counts(pusch)
    nlq = pusch.n_layers * pusch.qm
    n_sym = len(m_ulsch)
    offsets = [0]
    for m in m_ulsch:
        offsets.append(offsets[-1] + m)
    ulsch_av = [torch.ones(m, dtype=torch.bool) for m in m_ulsch]
    uci_av = [torch.ones(m, dtype=torch.bool) if u else torch.zeros(m, dtype=torch.bool)
              for m, u in zip(m_ulsch, m_uci, strict=True)]
    rvd = [torch.zeros(m, dtype=torch.bool) for m in m_ulsch]
    v = torch.arange(nlq)

    def bits_of(l: int, res: torch.Tensor) -> torch.Tensor:
        return ((offsets[l] + res)[:, None] * nlq + v).flatten()

    def place(total: int, start: int, sets: list[torch.Tensor], exclude_rvd: bool
              ) -> list[torch.Tensor]:
        out, count, l = [], 0, start
        while count < total and l < n_sym:
            avail = sets[l] & ~rvd[l] if exclude_rvd else sets[l]
            if int(avail.sum()):
                res = _take(avail, total - count, nlq)
                out.append(bits_of(l, res)[:total - count])
                count += res.numel() * nlq
                uci_av[l][res] = False
                ulsch_av[l][res] = False
            l += 1
        if count < total:
            raise ValueError(f"{total} UCI bits do not fit the PUSCH REs (TS 38.212 §6.2.7)")
        return out

    # step 1: reserved REs for 0-2 HARQ-ACK bits
    if uci.n_ack <= 2 and info.g_ack_rvd:
        count, l = 0, l1
        while count < info.g_ack_rvd and l < n_sym:
            if int(uci_av[l].sum()):
                res = _take(uci_av[l], info.g_ack_rvd - count, nlq)
                rvd[l][res] = True
                count += res.numel() * nlq
            l += 1
    # step 2: HARQ-ACK of more than 2 bits
    ack = place(info.g_ack, l1, uci_av, False) if uci.n_ack > 2 else []
    # step 3: CSI part 1 (not on reserved REs), CSI part 2
    csi1 = place(info.g_csi1, l_csi, uci_av, True)
    csi2 = place(info.g_csi2, l_csi, uci_av, False)
    # step 4: UL-SCH on every remaining data RE (reserved ones included)
    ulsch = torch.cat([bits_of(l, ulsch_av[l].nonzero().flatten()) for l in range(n_sym)])
    # step 5: 1-2 HARQ-ACK bits onto the reserved REs
    if uci.n_ack and uci.n_ack <= 2:
        ack, count = [], 0
        for l in range(l1, n_sym):
            if count >= info.g_ack:
                break
            if int(rvd[l].sum()):
                res = _take(rvd[l], info.g_ack - count, nlq)
                ack.append(bits_of(l, res)[:info.g_ack - count])
                count += res.numel() * nlq
    g = nlq * offsets[-1]
    empty = torch.zeros(0, dtype=torch.int64)
    ack_t = torch.cat(ack) if ack else empty
    punct = torch.isin(ulsch, ack_t) if uci.n_ack <= 2 and ack_t.numel() else \
        torch.zeros(ulsch.numel(), dtype=torch.bool)
    xm = torch.zeros(g, dtype=torch.bool)
    ym = torch.zeros(g, dtype=torch.bool)
    if 0 < uci.n_ack <= 2 and pusch.qm > 1:
        x, y = small_block_placeholders(uci.n_ack, info.g_ack, pusch.qm)
        xm[ack_t[x]] = True
        ym[ack_t[y]] = True
    return UCIMultiplexLayout(info, ulsch, ack_t, torch.cat(csi1) if csi1 else empty,
                              torch.cat(csi2) if csi2 else empty, punct, xm, ym)


def ulsch_multiplex_layout(pusch: PUSCHConfig, uci: PUSCHUCIConfig) -> UCIMultiplexLayout:
    """The bit positions of the UL-SCH and UCI parts in the PUSCH codeword (module docstring;
    cached per configuration).

    >>> p = PUSCHConfig(prb_set=range(4), mcs_index=4)
    >>> lay = ulsch_multiplex_layout(p, PUSCHUCIConfig(n_ack=1, n_csi1=6))
    >>> lay.ack.numel() == lay.info.g_ack, int(lay.ulsch_punctured.sum()) == lay.info.g_ack
    (True, True)
    """
    if not isinstance(pusch, PUSCHConfig):
        raise TypeError(f"pusch must be a PUSCHConfig, got {type(pusch).__name__}")
    if not isinstance(uci, PUSCHUCIConfig):
        raise TypeError(f"uci must be a PUSCHUCIConfig, got {type(uci).__name__}")
    return _layout(pusch.model_dump_json(), uci.model_dump_json())


def ulsch_multiplex(pusch: PUSCHConfig, uci: PUSCHUCIConfig, ulsch: torch.Tensor,
                    ack: torch.Tensor | None = None, csi1: torch.Tensor | None = None,
                    csi2: torch.Tensor | None = None) -> torch.Tensor:
    """Multiplex coded UL-SCH and UCI bits into the PUSCH codeword (TS 38.212 §6.2.7; MATLAB
    ``nrULSCHMultiplex``): uint8 ``[..., G]``; a 1-2 bit HARQ-ACK overwrites UL-SCH bits.

    ``ulsch`` ``[..., G_UL-SCH]``, ``ack`` ``[..., G_ACK]`` and so on (None for an absent part).
    """
    lay = ulsch_multiplex_layout(pusch, uci)
    ulsch = check_tensor("ulsch", ulsch, min_dim=1)
    g = lay.x_placeholders.numel()
    out = torch.zeros(*ulsch.shape[:-1], g, dtype=torch.uint8, device=ulsch.device)
    parts = (("ulsch", ulsch, lay.ulsch), ("ack", ack, lay.ack), ("csi1", csi1, lay.csi1),
             ("csi2", csi2, lay.csi2))
    for name, bits, pos in parts:
        if pos.numel() == 0:
            continue
        if bits is None:
            raise ValueError(f"{name} bits are needed: this UCI configuration gives it "
                             f"{pos.numel()} coded bits")
        if bits.shape[-1] != pos.numel():
            raise ValueError(f"{name} has {bits.shape[-1]} bits; {pos.numel()} expected")
        out[..., pos.to(out.device)] = bits.to(torch.uint8)
    return out


def ulsch_demultiplex(pusch: PUSCHConfig, uci: PUSCHUCIConfig, llr: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Separate the LLRs of the PUSCH codeword into UL-SCH, HARQ-ACK, CSI part 1 and part 2
    (inverse of :func:`ulsch_multiplex`; MATLAB ``nrULSCHDemultiplex``); punctured UL-SCH bits
    get LLR 0.

    >>> p = PUSCHConfig(prb_set=range(4), mcs_index=4)
    >>> u = PUSCHUCIConfig(n_ack=5, n_csi1=6)
    >>> info = ulsch_uci_info(p, u)
    >>> parts = [torch.randint(0, 2, (info.g_ulsch,)), torch.randint(0, 2, (info.g_ack,)),
    ...          torch.randint(0, 2, (info.g_csi1,))]
    >>> cw = ulsch_multiplex(p, u, *parts)
    >>> back = ulsch_demultiplex(p, u, 1.0 - 2.0 * cw.float())
    >>> all(bool(((b < 0).long() == a).all()) for a, b in zip(parts, back))
    True
    """
    lay = ulsch_multiplex_layout(pusch, uci)
    llr = check_tensor("llr", llr, min_dim=1)
    if not llr.is_floating_point():
        raise TypeError(f"llr must be a real floating-point tensor, got dtype {llr.dtype}")
    g = lay.x_placeholders.numel()
    if llr.shape[-1] != g:
        raise ValueError(f"llr has {llr.shape[-1]} values; the PUSCH codeword has G = {g}")
    dev = llr.device
    ulsch = llr[..., lay.ulsch.to(dev)]
    ulsch = torch.where(lay.ulsch_punctured.to(dev), torch.zeros_like(ulsch), ulsch)
    return (ulsch, llr[..., lay.ack.to(dev)], llr[..., lay.csi1.to(dev)],
            llr[..., lay.csi2.to(dev)])
