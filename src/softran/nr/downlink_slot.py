"""One slot of an NR downlink carrier: random data on the grid plus the PSS and SSS.

This is the foundation's end-to-end waveform (grid -> OFDM -> IQ samples). The SS/PBCH block
follows TS 38.211 §7.4.3.1 (Table 7.4.3.1-1): PSS on SSB symbol 0 and SSS on SSB symbol 2, both
on SSB subcarriers 56..182. The PBCH and its DM-RS are added by the broadcast issue; until then
the rest of the SSB's 4 symbols x 240 subcarriers stays empty, as reserved REs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.nr.config import CarrierConfig
from softran.nr.grid import resource_grid
from softran.nr.modulation import bits_per_symbol, symbol_modulate
from softran.nr.ofdm import OFDMInfo, ofdm_info, ofdm_modulate
from softran.nr.sequences import pss, sss
from softran.validation import check_int

__all__ = ["DownlinkSlot", "downlink_slot", "SSB_SUBCARRIERS", "SSB_SYMBOLS"]

#: Size of an SS/PBCH block, TS 38.211 §7.4.3.1: 240 subcarriers x 4 OFDM symbols.
SSB_SUBCARRIERS = 240
SSB_SYMBOLS = 4


@dataclass(frozen=True)
class DownlinkSlot:
    """A generated slot (TS 38.211 §5.3.1, §7.4.3.1): the grid [1, symbols, subcarriers],
    its waveform [1, samples],
    the OFDM dimensions, the data bits, and where the SSB sits (first subcarrier, first symbol)."""

    carrier: CarrierConfig
    grid: torch.Tensor
    waveform: torch.Tensor
    info: OFDMInfo
    data_bits: torch.Tensor
    data_mask: torch.Tensor
    ssb_first_subcarrier: int
    ssb_first_symbol: int
    modulation: str


def downlink_slot(carrier: CarrierConfig, modulation: str = "256QAM", *,
                  ssb_first_symbol: int = 2, seed: int | None = None) -> DownlinkSlot:
    """Generate one slot of an NR downlink carrier (TS 38.211 §5.3.1, §7.4.2, §7.4.3.1).

    Every RE outside the SS/PBCH block carries a random ``modulation`` symbol (TS 38.211 §5.1).
    The SSB sits in the middle of the grid on a resource-block boundary, starting at OFDM
    symbol ``ssb_first_symbol`` (2 is the first candidate position of Cases A and C, TS 38.213
    §4.1), with PSS and SSS of ``carrier.n_cell_id`` at amplitude 1 (beta_PSS = beta_SSS = 0 dB).

    >>> s = downlink_slot(CarrierConfig(subcarrier_spacing=30, n_size_grid=24), "QPSK", seed=1)
    >>> s.grid.shape, s.waveform.shape
    (torch.Size([1, 14, 288]), torch.Size([1, 7680]))
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if carrier.n_size_grid < 20:
        raise ValueError(f"n_size_grid = {carrier.n_size_grid} is too small for an SS/PBCH block; "
                         "allowed: 20..275")
    qm = bits_per_symbol(modulation)  # validates the name
    n_symb = carrier.symbols_per_slot
    ssb_first_symbol = check_int("ssb_first_symbol", ssb_first_symbol, 0, n_symb - SSB_SYMBOLS)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None

    grid = resource_grid(carrier, 1)
    k_ssb0 = 12 * ((carrier.n_size_grid - SSB_SUBCARRIERS // 12) // 2)
    data_mask = torch.ones(n_symb, carrier.n_subcarriers, dtype=torch.bool)
    data_mask[ssb_first_symbol:ssb_first_symbol + SSB_SYMBOLS, k_ssb0:k_ssb0 + SSB_SUBCARRIERS] = False

    n_data = int(data_mask.sum())
    bits = torch.randint(0, 2, (n_data * qm,), dtype=torch.uint8, generator=generator)
    grid[0][data_mask] = symbol_modulate(bits, modulation)

    k = slice(k_ssb0 + 56, k_ssb0 + 183)  # Table 7.4.3.1-1: PSS/SSS on SSB subcarriers 56..182
    grid[0, ssb_first_symbol, k] = pss(carrier.n_cell_id).to(grid.dtype)
    grid[0, ssb_first_symbol + 2, k] = sss(carrier.n_cell_id).to(grid.dtype)

    info = ofdm_info(carrier)
    waveform = ofdm_modulate(grid, carrier)
    return DownlinkSlot(carrier=carrier, grid=grid, waveform=waveform, info=info,
                        data_bits=bits, data_mask=data_mask, ssb_first_subcarrier=k_ssb0,
                        ssb_first_symbol=ssb_first_symbol, modulation=modulation)
