"""Baseband waveform of an SS burst, centred on the SS/PBCH block (TS 38.211 §7.4.3, §5.3.1;
TS 38.213 §4.1).

:func:`ssb_waveform` builds the half-frame grid of :func:`~softran.nr.ssb.block.ssb_burst` on a
20-resource-block carrier that holds exactly the 240 subcarriers of the SS/PBCH block and
OFDM-modulates it (:func:`~softran.nr.ofdm.ofdm_modulate`). With the grid convention of
:mod:`softran.nr.ofdm` (subcarrier k at ``(k - K/2) Δf``), SS/PBCH block subcarrier k sits at
``(k - 120) Δf``: the receiver is tuned to the centre of the block (the synchronisation
raster point of a UE in initial search). No §5.4 up-conversion phase is applied: a
recording at complex baseband does not show it (it cancels with the up-conversion).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.ssb.block import SSB_CASES, SSB_N_SUBCARRIERS, ssb_burst
from softran.nr.ssb.mib import MIB
from softran.validation import check_allocation, check_int, check_name, check_positive

__all__ = ["SSB_CASE_SCS", "ssb_waveform"]

#: Subcarrier spacing in kHz of each SS/PBCH block case (TS 38.213 §4.1).
SSB_CASE_SCS: dict[str, int] = {"A": 15, "B": 30, "C": 30, "D": 120, "E": 240}
#: Resource blocks of the carrier that holds exactly one SS/PBCH block (240 subcarriers).
_SSB_N_RB = SSB_N_SUBCARRIERS // 12


def ssb_waveform(n_cell_id: int, mib: MIB, *, case: str,
                 ssb_positions: Sequence[int] | torch.Tensor, half_frame: int = 0,
                 k_ssb: int | None = None, beta_pss_db: int = 0,
                 sample_rate: float | None = None, n_half_frames: int = 1,
                 device: torch.device | str | None = None) -> torch.Tensor:
    """Complex baseband waveform of one SS burst (TS 38.211 §7.4.3, §5.3.1; TS 38.213 §4.1).

    The blocks i_SSB with ``ssb_positions[i_SSB] = 1`` of cell ``n_cell_id`` in half frame
    ``half_frame`` of frame ``mib.system_frame_number`` (:func:`ssb_burst`, SS/PBCH block at
    subcarriers 0..239 of a 20-RB carrier of the case's subcarrier spacing), OFDM-modulated
    from the first slot of that half frame (slot ``5 * 2^mu * half_frame``), so the waveform
    starts at the start of the half frame and the block centre (subcarrier 120) is at 0 Hz.
    ``n_half_frames - 1`` silent half frames follow (an SS burst set periodicity of at least
    ``5 * n_half_frames`` ms; 20 ms, the initial-access assumption of TS 38.213 §4.1, with
    ``n_half_frames = 4``).

    Parameters
    ----------
    n_cell_id : N_ID^cell, 0..1007.
    mib : the MIB (its SFN is the frame of the burst).
    case : ``"A"`` .. ``"E"`` (subcarrier spacing 15, 30, 30, 120, 240 kHz).
    ssb_positions : ``ssb-PositionsInBurst``, L_max bits (4 or 8 for A - C, 64 for D, E).
    half_frame : n_hf, 0 or 1.
    k_ssb : k_SSB (default: ``mib.ssb_subcarrier_offset``); it is signalled only (the block
        stays centred on 0 Hz).
    beta_pss_db : PSS to SSS EPRE ratio, 0 or 3 dB.
    sample_rate : sample rate in Hz, ``nfft * Δf`` (default: that of :func:`ofdm_info` for a
        20-RB carrier, nfft = 512).
    n_half_frames : length of the waveform in half frames (5 ms each), >= 1.
    device : device of the waveform (default CPU).

    Returns
    -------
    complex64 ``[1, T]`` (one transmit antenna), ``T = n_half_frames * 5 ms * sample_rate``.
    Each resource element of the block has unit energy (mean power per sample during a
    block: ``240 / nfft`` on the PBCH symbols).

    >>> w = ssb_waveform(17, MIB(system_frame_number=8, sub_carrier_spacing_common=30),
    ...                  case="C", ssb_positions=[1, 0, 0, 0], sample_rate=7.68e6)
    >>> w.shape, w.dtype                                   # 5 ms at 7.68 MHz
    (torch.Size([1, 38400]), torch.complex64)
    """
    n_cell_id = check_int("n_cell_id", n_cell_id, 0, 1007)
    case = check_name("case", case, SSB_CASES)
    if not isinstance(mib, MIB):
        raise TypeError(f"mib must be a MIB, got {type(mib).__name__}")
    half_frame = check_int("half_frame", half_frame, 0, 1)
    if k_ssb is None:
        k_ssb = mib.ssb_subcarrier_offset
    n_half_frames = check_int("n_half_frames", n_half_frames, 1)
    if sample_rate is not None:
        sample_rate = check_positive("sample_rate", sample_rate)
    scs = SSB_CASE_SCS[case]
    mu = scs.bit_length() - 4                              # 15 * 2^mu kHz
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=_SSB_N_RB, n_cell_id=n_cell_id,
                            n_slot=5 * (1 << mu) * half_frame,
                            n_frame=mib.system_frame_number)
    # grid (with its zero extension) and the OFDM modulator's buffers, per half frame
    info = ofdm_info(carrier, sample_rate=sample_rate)
    check_allocation("n_half_frames", n_half_frames,
                     n_half_frames * (2 * 8 * 5 * info.symbols_per_subframe * carrier.n_subcarriers
                                      + 4 * 8 * 5 * info.samples_per_subframe), device=device)
    grid = ssb_burst(carrier, case, mib, half_frame, ssb_positions, k_ssb, 0,
                     beta_pss_db=beta_pss_db, device=device)
    if n_half_frames > 1:
        grid = torch.cat([grid, grid.new_zeros(1, grid.shape[1] * (n_half_frames - 1),
                                               grid.shape[2])], dim=1)
    return ofdm_modulate(grid, carrier, sample_rate=sample_rate)
