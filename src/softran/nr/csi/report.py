"""A CSI report from a channel estimate, TS 38.214 §5.2.2 (CQI §5.2.2.1, PMI §5.2.2.2.1 Type I
single panel, RI §5.2.2.2), and its CSI part 1 bits, TS 38.212 §6.3.1.1.2 (Tables 6.3.1.1.2-3
bit widths, the field order of wideband reports: CRI, RI, LI, zero padding, PMI, wideband CQI).

The UE's choice: for every rank v of the codebook and every precoder W of that rank, the
per-RE SINR of each layer after a linear MMSE receiver, ``1 / [(I + W^H H^H H W / N0)^-1]_ll - 1``,
is averaged over REs and layers into one effective SINR (:func:`~softran.nr.csi.effective_sinr`,
one codeword up to four layers), which gives the CQI (:func:`~softran.nr.csi.cqi_select`); the
report is the (RI, PMI, CQI) of the highest rate ``v SE(CQI)``, ties to the lower rank and
PMI (the CQI is conditioned on the reported RI and PMI, TS 38.214 §5.2.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.nr.csi.codebook import type1_single_panel_codebook, type1_single_panel_ranks
from softran.nr.csi.cqi import CQI_GAP_DB, cqi_select, cqi_table, effective_sinr
from softran.validation import check_bits, check_choice, check_int, check_real, check_tensor

__all__ = ["CSIReport", "csi_part1_size", "csi_report", "pack_csi_part1", "unpack_csi_part1"]


@dataclass(frozen=True)
class CSIReport:
    """One wideband CSI report: rank ``ri`` (layers), ``pmi`` (i2 of the Type I single-panel
    codebook; 0 with one port), ``cqi`` (4-bit index) and the effective SINR behind the CQI."""

    ri: int
    pmi: int
    cqi: int
    sinr_db: float = float("nan")


def csi_report(h: torch.Tensor, noise_var: float, *, cqi_table_index: int = 1,
               gap_db: float = CQI_GAP_DB) -> CSIReport:
    """The wideband CSI report of the channel ``h`` (module docstring).

    Args:
        h: channel estimate, complex ``[..., n_rx, n_tx]`` over any number of REs (leading
            dimensions); ``n_tx`` is the number of CSI-RS ports (1 or 2).
        noise_var: noise (plus interference) variance per RE, N0 > 0.
        cqi_table_index: CQI table 1 or 2 (TS 38.214 Tables 5.2.2.1-2 / -3).
        gap_db: the capacity gap of the SINR-to-BLER model.

    >>> h = torch.ones(48, 1, 1, dtype=torch.complex64)
    >>> [csi_report(h, 10 ** (-s / 10)).cqi for s in (-10, 0, 10, 20, 30)]
    [0, 3, 9, 14, 15]
    >>> h2 = torch.tensor([[1, 1j], [1, -1j]], dtype=torch.complex64).expand(48, 2, 2)
    >>> [csi_report(h2, nv).ri for nv in (0.01, 1.0)]     # two layers at high SNR only
    [2, 1]
    >>> csi_report(torch.tensor([[[1, 1j]]]).expand(48, 1, 2), 0.01).pmi  # W = [1, -j]/sqrt 2
    3
    """
    h = check_tensor("h", h, min_dim=2)
    if not h.is_complex():
        raise TypeError(f"h must be a complex tensor, got dtype {h.dtype}")
    nv = check_real("noise_var", noise_var, 0.0)
    if nv <= 0:
        raise ValueError(f"noise_var = {noise_var} is out of range; allowed: > 0")
    n_rx, n_tx = h.shape[-2:]
    ranks = [v for v in type1_single_panel_ranks(check_choice("n_tx (CSI-RS ports)", n_tx,
                                                              (1, 2))) if v <= n_rx]
    hh = h.reshape(-1, n_rx, n_tx).to(torch.complex128)
    se = [e.spectral_efficiency for e in cqi_table(cqi_table_index)]
    best: tuple[float, float, CSIReport] | None = None
    for v in ranks:
        w = type1_single_panel_codebook(n_tx, v).to(torch.complex128)     # [P, n_tx, v]
        he = torch.einsum("nrt,ptv->pnrv", hh, w)                         # [P, N, n_rx, v]
        gram = he.mH @ he / nv + torch.eye(v, dtype=torch.complex128)
        sinr = 1 / torch.linalg.inv(gram).diagonal(dim1=-2, dim2=-1).real.clamp_min(1e-30) - 1
        eff = effective_sinr(sinr.clamp_min(0).flatten(1))                 # [P]
        eff_db = 10 * torch.log10(eff.clamp_min(1e-30))
        cqis = cqi_select(eff_db, cqi_table_index, gap_db)
        for p in range(w.shape[0]):
            c = int(cqis[p])
            rate = v * se[c]
            key = (rate, v * float(torch.log2(1 + eff[p])))
            if best is None or key > best[:2]:
                best = (*key, CSIReport(ri=v, pmi=p, cqi=c, sinr_db=float(eff_db[p])))
    assert best is not None
    return best[2]


def _widths(n_ports: int) -> tuple[int, dict[int, int]]:
    """RI bits and the PMI bits per rank (TS 38.212 §6.3.1.1.2, Table 6.3.1.1.2-3)."""
    n_ports = check_choice("n_ports", check_int("n_ports", n_ports), (1, 2))
    if n_ports == 1:
        return 0, {1: 0}
    return 1, {1: 2, 2: 1}


def csi_part1_size(n_ports: int) -> int:
    """Bits of a wideband Type I single-panel CSI report (CSI part 1 on PUCCH, cri-RI-PMI-CQI,
    one resource, no LI): RI ``min(1, ceil(log2 n_RI))``, PMI padded to its largest width over
    the ranks, wideband CQI 4 (TS 38.212 §6.3.1.1.2).

    >>> csi_part1_size(1), csi_part1_size(2)
    (4, 7)
    """
    ri_bits, pmi_bits = _widths(n_ports)
    return ri_bits + max(pmi_bits.values()) + 4


def pack_csi_part1(report: CSIReport, n_ports: int) -> torch.Tensor:
    """The CSI part 1 bits (uint8, field MSB first) of ``report`` in the order of TS 38.212
    §6.3.1.1.2 for wideband PMI / CQI: RI (value: rank - 1), zero padding, PMI (i2), CQI.

    >>> pack_csi_part1(CSIReport(ri=1, pmi=0, cqi=11), 1).tolist()
    [1, 0, 1, 1]
    >>> pack_csi_part1(CSIReport(ri=2, pmi=1, cqi=7), 2).tolist()   # RI, pad, i2, CQI
    [1, 0, 1, 0, 1, 1, 1]
    """
    ri_bits, pmi_bits = _widths(n_ports)
    ri = check_choice("report.ri", report.ri, tuple(pmi_bits))
    pw = pmi_bits[ri]
    check_int("report.pmi", report.pmi, 0, (1 << pw) - 1)
    check_int("report.cqi", report.cqi, 0, 15)
    pad = max(pmi_bits.values()) - pw
    fields = [(ri - 1, ri_bits), (0, pad), (report.pmi, pw), (report.cqi, 4)]
    bits = [(value >> (w - 1 - i)) & 1 for value, w in fields for i in range(w)]
    return torch.tensor(bits, dtype=torch.uint8)


def unpack_csi_part1(bits: torch.Tensor, n_ports: int) -> CSIReport:
    """Inverse of :func:`pack_csi_part1` (TS 38.212 §6.3.1.1.2; the effective SINR is not
    carried: NaN).

    >>> r = unpack_csi_part1(pack_csi_part1(CSIReport(2, 1, 7), 2), 2); (r.ri, r.pmi, r.cqi)
    (2, 1, 7)
    """
    ri_bits, pmi_bits = _widths(n_ports)
    size = csi_part1_size(n_ports)
    b = [int(x) for x in check_bits("bits", bits).reshape(-1).tolist()]
    if len(b) != size:
        raise ValueError(f"bits has {len(b)} bits; a CSI part 1 report of {n_ports} port(s) "
                         f"has {size}")

    def take(pos: int, w: int) -> int:
        return sum(x << (w - 1 - i) for i, x in enumerate(b[pos:pos + w]))

    ri = take(0, ri_bits) + 1
    if ri not in pmi_bits:
        raise ValueError(f"bits carry RI {ri}; {n_ports} port(s) allow {sorted(pmi_bits)}")
    pw = pmi_bits[ri]
    pos = ri_bits + max(pmi_bits.values()) - pw
    return CSIReport(ri=ri, pmi=take(pos, pw), cqi=take(pos + pw, 4))
