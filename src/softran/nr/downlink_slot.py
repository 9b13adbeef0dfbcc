"""One slot of an NR downlink carrier: random data on the grid plus an SS/PBCH block.

This is the foundation's end-to-end waveform (grid -> OFDM -> IQ samples). The SS/PBCH block
is complete (TS 38.211 §7.4.3.1, Table 7.4.3.1-1): PSS, SSS, the PBCH carrying a MIB
(TS 38.212 §7.1, TS 38.331) and its DM-RS (§7.4.1.4), built by :mod:`softran.nr.ssb`, so that
the waveform is a recording in which :func:`softran.nr.cell_search` finds the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.nr.coding.bch import bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.grid import resource_grid
from softran.nr.modulation import bits_per_symbol, symbol_modulate
from softran.nr.ofdm import OFDMInfo, ofdm_info, ofdm_modulate
from softran.nr.ssb.block import ssb_candidate_symbols, ssb_grid
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.waveform import SSB_CASE_SCS
from softran.validation import check_choice, check_int

__all__ = ["DownlinkSlot", "downlink_slot", "k_ssb", "SSB_CASE_OF_SCS", "SSB_SUBCARRIERS",
           "SSB_SYMBOLS"]

#: Size of an SS/PBCH block, TS 38.211 §7.4.3.1: 240 subcarriers x 4 OFDM symbols.
SSB_SUBCARRIERS = 240
SSB_SYMBOLS = 4
#: The SS/PBCH block case of a downlink slot at each subcarrier spacing (TS 38.213 §4.1; at
#: 30 kHz case C, the case of unpaired spectrum; none at 60 kHz).
SSB_CASE_OF_SCS: dict[int, str] = {scs: case for case, scs in SSB_CASE_SCS.items()
                                   if case != "B"}


@dataclass(frozen=True)
class DownlinkSlot:
    """A generated slot (TS 38.211 §5.3.1, §7.4.3.1): the grid [1, symbols, subcarriers],
    its waveform [1, samples], the OFDM dimensions, the data bits, and the SS/PBCH block:
    its first subcarrier and symbol, case, L_max, index i_SSB, k_SSB and MIB (all ``None``
    when the slot holds no block)."""

    carrier: CarrierConfig
    grid: torch.Tensor
    waveform: torch.Tensor
    info: OFDMInfo
    data_bits: torch.Tensor
    data_mask: torch.Tensor
    ssb_first_subcarrier: int | None
    ssb_first_symbol: int | None
    modulation: str
    ssb_case: str | None = None
    l_max: int | None = None
    ssb_index: int | None = None
    k_ssb: int | None = None
    mib: MIB | None = None


def k_ssb(carrier: CarrierConfig, k0: int, scs_common: int) -> int:
    """k_SSB of a block whose subcarrier 0 is grid subcarrier ``k0`` (TS 38.211 §7.4.3.1):
    the offset from the common resource block below it, in 15 kHz units for FR1 (block type
    A), in units of subCarrierSpacingCommon on a grid of 60 kHz resource blocks for FR2.

    >>> k_ssb(CarrierConfig(subcarrier_spacing=30, n_size_grid=51), 14, 30)
    4
    """
    k0 = check_int("k0", k0, 0)
    scs = carrier.subcarrier_spacing
    f_khz = (12 * carrier.n_start_grid + k0) * scs          # from point A
    if scs <= 30:
        return (f_khz // 15) % 12
    return (f_khz % 720) // scs_common


def downlink_slot(carrier: CarrierConfig, modulation: str = "256QAM", *,
                  ssb_first_symbol: int | None = None, seed: int | None = None,
                  mib: MIB | None = None, l_max: int | None = None,
                  sfn: int = 0) -> DownlinkSlot:
    """Generate one slot of an NR downlink carrier (TS 38.211 §5.3.1, §7.4.2, §7.4.3.1).

    Every RE outside the SS/PBCH block carries a random ``modulation`` symbol (TS 38.211 §5.1).
    The SS/PBCH block (PSS, SSS, PBCH with ``mib``, DM-RS for PBCH: :func:`ssb_grid`) is the
    block of case :data:`SSB_CASE_OF_SCS` whose candidate position (TS 38.213 §4.1, L_max
    ``l_max``: default 8 in FR1, 64 in FR2) is the first one in this slot (``carrier.n_slot``
    within its half frame), or the one starting at ``ssb_first_symbol``; a slot without a
    candidate (and any slot at 60 kHz, which has no case) holds data only. The block is
    centred in the carrier (its subcarrier 120 at the centre, 0 Hz of the waveform: a UE
    tuned there finds it), with k_SSB from its place on the common resource-block grid, at
    amplitude 1 (beta_PSS = 0 dB). ``mib`` defaults to SFN ``sfn`` and subCarrierSpacingCommon =
    the slot's (120 kHz in FR2); its ssb-SubcarrierOffset must be k_SSB mod 16.

    >>> s = downlink_slot(CarrierConfig(subcarrier_spacing=30, n_size_grid=24), "QPSK", seed=1)
    >>> s.grid.shape, s.waveform.shape, s.ssb_case, s.ssb_index, s.ssb_first_symbol
    (torch.Size([1, 14, 288]), torch.Size([1, 7680]), 'C', 0, 2)
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if carrier.n_size_grid < 20:
        raise ValueError(f"n_size_grid = {carrier.n_size_grid} is too small for an SS/PBCH block; "
                         "allowed: 20..275")
    if mib is not None and not isinstance(mib, MIB):
        raise TypeError(f"mib must be a MIB, got {type(mib).__name__}")
    qm = bits_per_symbol(modulation)  # validates the name
    n_symb = carrier.symbols_per_slot
    if ssb_first_symbol is not None:
        ssb_first_symbol = check_int("ssb_first_symbol", ssb_first_symbol, 0, n_symb - SSB_SYMBOLS)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    scs = carrier.subcarrier_spacing
    case = SSB_CASE_OF_SCS.get(scs)
    if case is not None and carrier.cyclic_prefix != "normal":
        case = None                       # SS/PBCH blocks use the normal cyclic prefix
    fr2 = scs > 60
    first = i_ssb = None
    if case is not None:
        l_max = check_choice("l_max", check_int("l_max", 64 if fr2 else 8 if l_max is None
                                                else l_max), (64,) if fr2 else (4, 8))
        slot_in_hf = carrier.n_slot % (5 * carrier.slots_per_subframe)
        here = [(i, c - n_symb * slot_in_hf) for i, c in
                enumerate(ssb_candidate_symbols(case, l_max))
                if 0 <= c - n_symb * slot_in_hf <= n_symb - SSB_SYMBOLS]
        if ssb_first_symbol is not None:
            match = [(i, c) for i, c in here if c == ssb_first_symbol]
            if not match:
                raise ValueError(
                    f"ssb_first_symbol = {ssb_first_symbol} is not a candidate SS/PBCH block "
                    f"position of case {case} (L_max {l_max}) in slot {slot_in_hf} of its half "
                    "frame (TS 38.213 §4.1); allowed: "
                    + (", ".join(str(c) for _, c in here) or "none: no block in this slot"))
            here = match
        if here:
            i_ssb, first = here[0]
    elif ssb_first_symbol is not None:
        raise ValueError(f"ssb_first_symbol = {ssb_first_symbol} is not allowed at "
                         f"{scs} kHz: TS 38.213 §4.1 has no SS/PBCH block there")

    grid = resource_grid(carrier, 1)
    data_mask = torch.ones(n_symb, carrier.n_subcarriers, dtype=torch.bool)
    k0 = kssb = None
    if first is not None:
        assert i_ssb is not None and l_max is not None and case is not None
        k0 = carrier.n_subcarriers // 2 - SSB_SUBCARRIERS // 2
        data_mask[first:first + SSB_SYMBOLS, k0:k0 + SSB_SUBCARRIERS] = False
        scs_common = 120 if fr2 else scs
        kssb = k_ssb(carrier, k0, mib.sub_carrier_spacing_common if mib else scs_common)
        if mib is None:
            mib = MIB(system_frame_number=sfn, sub_carrier_spacing_common=scs_common,
                      ssb_subcarrier_offset=kssb % 16)
        elif mib.ssb_subcarrier_offset != kssb % 16:
            raise ValueError(f"mib.ssb_subcarrier_offset = {mib.ssb_subcarrier_offset} does not "
                             f"match k_SSB = {kssb} of the block's place (TS 38.211 §7.4.3.1)")
        half_frame = (carrier.n_slot // (5 * carrier.slots_per_subframe)) % 2
        cw = bch_encode(mib.pack(), mib.system_frame_number, half_frame, i_ssb, kssb, l_max,
                        carrier.n_cell_id)
        grid[0, first:first + SSB_SYMBOLS, k0:k0 + SSB_SUBCARRIERS] = ssb_grid(
            carrier.n_cell_id, cw, i_ssb, half_frame, l_max)
    else:
        case = l_max = mib = None

    n_data = int(data_mask.sum())
    bits = torch.randint(0, 2, (n_data * qm,), dtype=torch.uint8, generator=generator)
    grid[0][data_mask] = symbol_modulate(bits, modulation)

    info = ofdm_info(carrier)
    waveform = ofdm_modulate(grid, carrier)
    return DownlinkSlot(carrier=carrier, grid=grid, waveform=waveform, info=info,
                        data_bits=bits, data_mask=data_mask, ssb_first_subcarrier=k0,
                        ssb_first_symbol=first, modulation=modulation, ssb_case=case,
                        l_max=l_max, ssb_index=i_ssb, k_ssb=kssb, mib=mib)
