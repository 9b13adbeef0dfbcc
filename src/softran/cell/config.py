"""The cell file (TOML) of ``softran cell run``: the carrier, the test MAC's choices, the
fronthaul and one ``[[ue]]`` table per UE with its channel.

A cell file::

    [cell]
    bandwidth_mhz = 20          # TS 38.104 Table 5.3.2-1 (N_RB from softran.nr.bandwidth)
    subcarrier_spacing = 30     # kHz (FDD-like: every slot has downlink and uplink)
    n_cell_id = 101
    frames = 4                  # frames of 10 ms to run
    dl_mcs = 9                  # fixed MCS of the downlink data (table qam64)
    ul_mcs = 9                  # MCS of the uplink data (until the first PUSCH SNR report)
    link_adaptation = "fixed"   # or "ul-snr": uplink MCS from the PUSCH SNR of CRC.indication,
                                # or "cqi": that and the downlink MCS from the UEs' CQI reports
    cqi_table = 1               # CQI table 1 (PDSCH of DCI 1_1: MCS table qam64) or 2 (qam256)
    scheduler = "rr"            # round-robin, or "pf": proportional fair (window 50 slots)
    seed = 1

    [fronthaul]
    method = "bfp"              # U-plane compression, as softran.oran.endpoints
    width = 9
    loss = 0.0                  # fraction of fronthaul U-plane messages lost (inline mode)

    [[ue]]
    snr_db = 25.0               # SNR per resource element, downlink and uplink
    channel = "awgn"            # or a TDL profile name ("TDL-A", ...)
    delay_spread_ns = 30.0      # TR 38.901 TDL profiles only
    doppler_hz = 5.0
    cfo_hz = 300.0              # the UE oscillator's offset (downlink and uplink)
    delay_ns = 300.0            # one-way propagation delay
    dl_bytes = 1000             # bytes the MAC sends to this UE (0: none)
    ul_bytes = 1000             # bytes the UE sends
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from softran.tomlfile import format_loc, read_toml, split_message

__all__ = ["CellConfig", "CellSection", "FronthaulSection", "UESection", "load_cell_config"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CellSection(_Section):
    """``[cell]``: the carrier and the test MAC."""

    bandwidth_mhz: int = Field(20, ge=5, le=100)
    subcarrier_spacing: int = 30
    n_cell_id: int = Field(101, ge=0, le=1007)
    frames: int = Field(4, ge=1, le=10_000)
    dl_mcs: int = Field(9, ge=0, le=28)
    ul_mcs: int = Field(9, ge=0, le=28)
    link_adaptation: str = "fixed"
    cqi_table: int = Field(1, ge=1, le=2)
    scheduler: str = "rr"
    seed: int = Field(1, ge=0)

    @field_validator("link_adaptation")
    @classmethod
    def _la(cls, v: str) -> str:
        if v not in ("fixed", "ul-snr", "cqi"):
            raise ValueError(f"link_adaptation = {v!r} is not allowed; allowed: fixed, ul-snr, "
                             "cqi")
        return v

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, v: str) -> str:
        if v not in ("rr", "pf"):
            raise ValueError(f"scheduler = {v!r} is not allowed; allowed: rr, pf")
        return v

    @field_validator("subcarrier_spacing")
    @classmethod
    def _scs(cls, v: int) -> int:
        if v != 30:
            raise ValueError(f"subcarrier_spacing = {v} kHz is not supported by the test cell; "
                             "allowed: 30")
        return v


class FronthaulSection(_Section):
    """``[fronthaul]``: U-plane compression and (inline mode) message loss."""

    method: str = "bfp"
    width: int = Field(9, ge=1, le=16)
    loss: float = Field(0.0, ge=0.0, lt=1.0)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        allowed = ("none", "bfp", "block-scaling", "mu-law")
        if v not in allowed:
            raise ValueError(f"method = {v!r} is not allowed; allowed: {', '.join(allowed)}")
        return v


class UESection(_Section):
    """``[[ue]]``: one UE, its channel and its traffic."""

    snr_db: float = Field(25.0, ge=-10.0, le=60.0)
    channel: str = "awgn"
    delay_spread_ns: float = Field(30.0, ge=0.0, le=3000.0)
    doppler_hz: float = Field(5.0, ge=0.0, le=2000.0)
    cfo_hz: float = Field(0.0, ge=-5000.0, le=5000.0)
    delay_ns: float = Field(0.0, ge=0.0, le=2000.0)
    dl_bytes: int = Field(1000, ge=0, le=10**7)
    ul_bytes: int = Field(1000, ge=0, le=10**7)

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        from softran.channel import TDL_PROFILE_NAMES
        allowed = ("awgn", *TDL_PROFILE_NAMES)
        if v not in allowed:
            raise ValueError(f"channel = {v!r} is not allowed; allowed: {', '.join(allowed)}")
        return v


class CellConfig(_Section):
    """A whole cell file."""

    cell: CellSection = Field(default_factory=CellSection)
    fronthaul: FronthaulSection = Field(default_factory=FronthaulSection)
    ue: tuple[UESection, ...] = Field(default=(UESection(),), min_length=1, max_length=8)


def load_cell_config(source: str | Path | dict[str, Any]) -> CellConfig:
    """Read and validate a cell file (a path, TOML text or a dict); any error is one
    ``ValueError`` line ``"<file>: <dotted.key>: <message>"``.

    >>> load_cell_config('[cell]\\nframes = 2\\n[[ue]]\\nsnr_db = 20\\n').cell.frames
    2
    >>> load_cell_config('[cell]\\nframes = 0\\n')
    Traceback (most recent call last):
    ...
    ValueError: cell file: cell.frames: Input should be greater than or equal to 1
    """
    if isinstance(source, dict):
        name, data = "cell file", source
    else:
        name, _, data = read_toml(source, "cell file", ValueError)
    try:
        return CellConfig.model_validate(data)
    except ValidationError as err:
        e = err.errors()[0]
        loc, msg = split_message(tuple(e["loc"]), e["msg"])
        raise ValueError(f"{name}: {format_loc(loc)}: {msg}") from None
