"""The SCF 222 CSI-RS PDU (SCF 222.10.02 §3.4.2.3 Table 3-39) and softran's CSI-RS resource
(:class:`softran.nr.CSIRSConfig`, TS 38.211 §7.4.1.5) in both directions: what the MAC puts in
DL_TTI.request and what the PHY maps into the slot.

Field mapping: CSIType 0 (TRS) and 1 are non-zero power, 2 zero power; Row is the row of
TS 38.211 Table 7.4.1.5.3-1; FreqDomain is the bitmap *frequencyDomainAllocation* of TS 38.211
§7.4.1.5.3 with bit i = b_i (b3..b0 for row 1, b11..b0 row 2, b2..b0 row 4 (k = 4 f(i)),
b5..b0 the other rows (k = 2 f(i))); SymbL0 / SymbL1 l_0 / l_1; CDMType 0 noCDM, 1 fd-CDM2,
2 cdm4-FD2-TD2, 3 cdm8-FD2-TD4; FreqDensity 0 dot5 (even RB), 1 dot5 (odd RB), 2 one, 3 three;
powerControlOffsetSS 0..3: -3, 0, 3, 6 dB (the CSI-RS EPRE against the SS/PBCH block, taken as
beta_CSIRS). A PDU is one slot's transmission: the resource's periodicity stays with the MAC.
"""

from __future__ import annotations

from softran.fapi import CsiRsPdu
from softran.nr import CSIRSConfig

__all__ = ["csi_rs_config", "csi_rs_pdu"]

_DENSITIES = ("dot5even", "dot5odd", "one", "three")
_CDM_TYPES = ("noCDM", "fd-CDM2", "cdm4-FD2-TD2", "cdm8-FD2-TD4")
_POWER_SS_DB = (-3.0, 0.0, 3.0, 6.0)


def _k_step(row: int) -> int:
    return 1 if row in (1, 2) else 4 if row == 4 else 2


def csi_rs_pdu(config: CSIRSConfig, *, bwp_size: int, bwp_start: int = 0,
               subcarrier_spacing: int = 1) -> CsiRsPdu:
    """The CSI-RS PDU that transmits ``config`` in a slot (module docstring).

    >>> c = CSIRSConfig(row_number=2, density="one", subcarrier_locations=[3],
    ...                 symbol_locations=[6], n_rb=51, n_id=7)
    >>> p = csi_rs_pdu(c, bwp_size=51)
    >>> p.row, p.freq_domain, p.symb_l0, p.freq_density, p.csi_type
    (2, 8, 6, 2, 1)
    """
    if not isinstance(config, CSIRSConfig):
        raise TypeError(f"config must be a CSIRSConfig, got {type(config).__name__}")
    step = _k_step(config.row_number)
    bitmap = sum(1 << (k // step) for k in config.subcarrier_locations)
    l1 = config.symbol_locations[1] if len(config.symbol_locations) > 1 else 0
    db = config.power_db
    if db not in _POWER_SS_DB:
        raise ValueError(f"config.power_db = {db} has no powerControlOffsetSS; allowed: "
                         + ", ".join(f"{x:g}" for x in _POWER_SS_DB))
    return CsiRsPdu(bwp_size=bwp_size, bwp_start=bwp_start,
                    subcarrier_spacing=subcarrier_spacing, start_rb=config.rb_offset,
                    nr_of_rbs=config.n_rb, csi_type=2 if config.csirs_type == "zp" else 1,
                    row=config.row_number, freq_domain=bitmap,
                    symb_l0=config.symbol_locations[0], symb_l1=l1,
                    cdm_type=_CDM_TYPES.index(config.cdm_type),
                    freq_density=_DENSITIES.index(config.density), scramb_id=config.n_id,
                    power_control_offset_ss=_POWER_SS_DB.index(db))


def csi_rs_config(pdu: CsiRsPdu) -> CSIRSConfig:
    """The resource a CSI-RS PDU transmits, present in every slot (``period="on"``); a field
    the row does not allow is a ``ValueError`` of :class:`~softran.nr.CSIRSConfig`.

    >>> c = CSIRSConfig(row_number=5, csirs_type="zp", subcarrier_locations=[4],
    ...                 symbol_locations=[8], n_rb=20, rb_offset=4)
    >>> csi_rs_config(csi_rs_pdu(c, bwp_size=51)) == c.model_copy(update={"period": "on"})
    True
    """
    if not isinstance(pdu, CsiRsPdu):
        raise TypeError(f"pdu must be a CsiRsPdu, got {type(pdu).__name__}")
    step = _k_step(pdu.row)
    ks = [step * i for i in range(16) if pdu.freq_domain >> i & 1]
    row_l = [pdu.symb_l0, pdu.symb_l1] if pdu.row in (13, 14, 16, 17) else [pdu.symb_l0]
    if pdu.freq_density > 3 or pdu.power_control_offset_ss > 3:
        raise ValueError(f"CSI-RS PDU freq_density = {pdu.freq_density}, "
                         f"power_control_offset_ss = {pdu.power_control_offset_ss}; "
                         "allowed: 0..3 each")
    cfg = CSIRSConfig(csirs_type="zp" if pdu.csi_type == 2 else "nzp", row_number=pdu.row,
                      density=_DENSITIES[pdu.freq_density], subcarrier_locations=ks,
                      symbol_locations=row_l, n_rb=pdu.nr_of_rbs, rb_offset=pdu.start_rb,
                      n_id=pdu.scramb_id, period="on",
                      power_db=_POWER_SS_DB[pdu.power_control_offset_ss])
    if _CDM_TYPES[min(pdu.cdm_type, 3)] != cfg.cdm_type:
        raise ValueError(f"CSI-RS PDU cdm_type = {pdu.cdm_type}; row {pdu.row} has "
                         f"{cfg.cdm_type} ({_CDM_TYPES.index(cfg.cdm_type)})")
    return cfg
