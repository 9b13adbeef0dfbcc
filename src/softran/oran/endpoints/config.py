"""The configuration both fronthaul endpoints agree on through the M-plane (O-RAN.WG4.MP.0).

:class:`FronthaulConfig` holds what is not on the wire: carrier size, numerology, eAxC IDs,
U-plane compression and its fixed-point scaling, MTU, reception windows, and for modulation
compression (O-RAN.WG4.CUS.0 Annex A.5) the constellation of each eAxC. The endpoints that use
it are described in :mod:`softran.oran.endpoints`.

Fixed-point scaling (:attr:`FronthaulConfig.full_scale`): a float grid value of
``full_scale`` maps to the 16-bit full scale 2^15 (``round(x / full_scale * 2^15)``, no
clipping: a grid that exceeds full scale is a ``ValueError``). The default
``10^(12/20) = 3.98`` puts a unit-power NR grid (TS 38.211 modulation has unit average
power) 12 dB below full scale; ``full_scale=None`` takes grids that already hold
integer-valued 16-bit I/Q.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from softran.nr import CarrierConfig
from softran.oran.compression import (
    CompressedPRBs,
    bytes_per_prb,
    compress,
    compress_prb_bytes,
    decompress,
)
from softran.oran.modulation_compression import (
    mod_comp_scaler_code,
    mod_comp_scaler_value,
    modulation_compression_params,
)
from softran.oran.radio_header import UdCompHdr
from softran.oran.rate import fronthaul_bitrate
from softran.oran.timing import TimingWindows
from softran.oran.uplane import UPlaneFormat
from softran.validation import check_choice, check_int, check_positive, check_tensor

__all__ = ["ENDPOINT_METHODS", "FULL_SCALE_12DB", "FronthaulConfig"]

#: Compression methods the endpoints carry (fixed PRB size; ``"modulation"`` with C-plane SE4,
#: downlink only).
ENDPOINT_METHODS: tuple[str, ...] = ("none", "bfp", "block-scaling", "mu-law", "modulation")
#: Default full scale: a unit-power grid sits 12 dB below the 16-bit full scale.
FULL_SCALE_12DB: float = 10 ** (12 / 20)

_METHOD_CODE = {"none": 0, "bfp": 1, "block-scaling": 2, "mu-law": 3, "modulation": 4}


@dataclass(frozen=True)
class FronthaulConfig:
    """What both endpoints agree on through the M-plane (nothing here is on the wire).

    Attributes:
        n_prb: PRBs of the carrier, 1..275.
        scs_khz: subcarrier spacing 15..240 kHz (numerology mu; the timing header's slotId
            runs over 0..2^mu - 1).
        eaxc_ids: the eAxC IDs, one per row of a grid (antenna / stream order).
        method, width: U-plane compression (:data:`ENDPOINT_METHODS`) and udIqWidth.
        bfp_mode: BFP quantisation (``"floor-shift"`` or ``"round-saturate"``).
        full_scale: float value mapped to 2^15 (module docstring); ``None``: integer I/Q.
        ud_comp_hdr_present: U-plane sections carry udCompHdr (dynamic) instead of relying
            on the static configuration.
        mtu: largest Ethernet payload (IPv4 + UDP + eCPRI) of a U-plane message.
        cyclic_prefix: ``"normal"`` (14 symbols) or ``"extended"`` (12, 60 kHz only).
        windows: reception windows for the early/late counters and for pacing; ``None``
            turns timing off.
        modulation: ``method = "modulation"`` only (required there): the TS 38.211 §5.1
            modulation of each eAxC (one name for all, or one per eAxC). All must share
            ``udIqWidth = max(Q_m / 2, 1)`` (one udCompHdr per configuration), and ``width``
            must equal it: QPSK/BPSK 1, 16QAM 2, 64QAM 3, 256QAM 4, 1024QAM 5.
        mod_amplitude: ``"modulation"`` only: the grid must hold TS 38.211 unit-power
            constellation points times :attr:`constellation_scale` ``= mod_amplitude *
            full_scale`` (``mod_amplitude`` is a fraction of full scale; it must give a
            modCompScaler < 1).

    >>> cfg = FronthaulConfig(n_prb=273, scs_khz=30, method="bfp", width=9)
    >>> cfg.prb_bytes, cfg.uplane_chunks[:2], len(cfg.uplane_chunks)
    (28, ((0, 52), (52, 52)), 6)
    """

    n_prb: int = 273
    scs_khz: int = 30
    eaxc_ids: tuple[int, ...] = (0, 1, 2, 3)
    method: str = "none"
    width: int = 16
    bfp_mode: str = "floor-shift"
    full_scale: float | None = FULL_SCALE_12DB
    ud_comp_hdr_present: bool = False
    mtu: int = 1500
    cyclic_prefix: str = "normal"
    windows: TimingWindows | None = None
    modulation: str | tuple[str, ...] | None = None
    mod_amplitude: float = 0.5
    _chunks: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False,
                                                 compare=False)

    def __post_init__(self) -> None:
        check_int("n_prb", self.n_prb, 1, 275)
        check_choice("scs_khz", self.scs_khz, (15, 30, 60, 120, 240))
        ids = tuple(self.eaxc_ids)
        if not ids:
            raise ValueError("eaxc_ids must name at least one eAxC")
        for e in ids:
            check_int("eaxc_ids[]", e, 0, 0xFFFF)
        if len(set(ids)) != len(ids):
            raise ValueError(f"eaxc_ids = {ids} repeats an eAxC ID")
        object.__setattr__(self, "eaxc_ids", ids)
        check_choice("method", self.method, ENDPOINT_METHODS)
        self._check_modulation(len(ids))
        bytes_per_prb(self.method, self.width)                 # validates the width
        check_choice("bfp_mode", self.bfp_mode, ("floor-shift", "round-saturate"))
        if self.full_scale is not None:
            check_positive("full_scale", self.full_scale)
        if not isinstance(self.ud_comp_hdr_present, bool):
            raise TypeError("ud_comp_hdr_present must be a bool")
        check_choice("cyclic_prefix", self.cyclic_prefix, ("normal", "extended"))
        if self.windows is not None and not isinstance(self.windows, TimingWindows):
            raise TypeError(f"windows must be a TimingWindows or None, got "
                            f"{type(self.windows).__name__}")
        rate = fronthaul_bitrate(None, self.scs_khz, len(ids), self.method, self.width,
                                 n_prb=self.n_prb, mtu=check_int("mtu", self.mtu, 64, 65535),
                                 transport="udp-ipv4", vlan=False,
                                 ud_comp_hdr_in_section=self.ud_comp_hdr_present,
                                 cyclic_prefix=self.cyclic_prefix)
        per = rate.prbs_per_message
        object.__setattr__(self, "_chunks", tuple((p, min(per, self.n_prb - p))
                                                  for p in range(0, self.n_prb, per)))

    def _check_modulation(self, n_eaxc: int) -> None:
        if self.method != "modulation":
            if self.modulation is not None:
                raise ValueError(f"modulation = {self.modulation!r} is only used with method = "
                                 f"'modulation', not {self.method!r}")
            return
        if self.modulation is None:
            raise ValueError("method = 'modulation' needs modulation (the TS 38.211 modulation "
                             "of each eAxC, e.g. '16QAM')")
        mods = ((self.modulation,) * n_eaxc if isinstance(self.modulation, str)
                else tuple(self.modulation))
        if len(mods) != n_eaxc:
            raise ValueError(f"modulation has {len(mods)} entries; one per eAxC ({n_eaxc}) or "
                             "one name for all is allowed")
        widths = {m: modulation_compression_params(m, self.mod_amplitude)[0] for m in mods}
        if len(set(widths.values())) != 1:
            raise ValueError(f"modulation = {mods} needs udIqWidth {widths}; one configuration "
                             "carries one udIqWidth (one udCompHdr), so all eAxCs must share it")
        w = next(iter(widths.values()))
        if self.width != w:
            raise ValueError(f"width = {self.width} is not allowed with modulation {mods}; "
                             f"modulation compression of it has udIqWidth {w}")
        object.__setattr__(self, "modulation", mods)

    @property
    def mod_comp(self) -> tuple[bool, int]:
        """``(csf, modCompScaler code)`` of section extension 4 (``"modulation"`` only;
        O-RAN.WG4.CUS.0 clause 7.7.4, Annex A.5).

        >>> FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="modulation", width=2,
        ...                 modulation="16QAM").mod_comp
        (True, 3880)
        """
        if self.method != "modulation":
            raise AttributeError(f"mod_comp is only defined for method 'modulation', not "
                                 f"{self.method!r}")
        assert isinstance(self.modulation, tuple)
        _, csf, scaler = modulation_compression_params(self.modulation[0], self.mod_amplitude)
        return csf, mod_comp_scaler_code(scaler)

    @classmethod
    def from_carrier(cls, carrier: CarrierConfig, n_antennas: int = 1,
                     **kwargs: Any) -> FronthaulConfig:
        """Config for a :class:`~softran.nr.config.CarrierConfig` with eAxC IDs 0..n-1.

        >>> from softran.nr import CarrierConfig
        >>> carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
        >>> FronthaulConfig.from_carrier(carrier, 2).eaxc_ids
        (0, 1)
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        n_antennas = check_int("n_antennas", n_antennas, 1, 64)
        return cls(n_prb=carrier.n_size_grid, scs_khz=carrier.subcarrier_spacing,
                   cyclic_prefix=carrier.cyclic_prefix, eaxc_ids=tuple(range(n_antennas)),
                   **kwargs)

    @property
    def n_symbols(self) -> int:
        """OFDM symbols per slot (14, or 12 with extended CP)."""
        return 12 if self.cyclic_prefix == "extended" else 14

    @property
    def slots_per_subframe(self) -> int:
        """2^mu."""
        return self.scs_khz // 15

    @functools.cached_property
    def prb_bytes(self) -> int:
        """Bytes per PRB on the wire (udCompParam + IQ); computed once (the receive path
        asks for it per message)."""
        return bytes_per_prb(self.method, self.width)

    @functools.cached_property
    def ud_comp_hdr(self) -> UdCompHdr:
        """The udCompHdr of every C-plane (and, if dynamic, U-plane) section."""
        return UdCompHdr(self.width, _METHOD_CODE[self.method])

    @property
    def constellation_scale(self) -> float:
        """``"modulation"``: the grid value of a unit-power constellation point of amplitude
        1, ``mod_amplitude * full_scale`` (``full_scale = None``: ``mod_amplitude * 2^15``).

        >>> FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="modulation", width=1,
        ...                 modulation="QPSK", full_scale=2.0).constellation_scale
        1.0
        """
        return self.mod_amplitude * (2.0 ** 15 if self.full_scale is None else self.full_scale)

    @property
    def uplane_chunks(self) -> tuple[tuple[int, int], ...]:
        """(startPrbu, PRBs) of the U-plane messages of one symbol and eAxC."""
        return self._chunks

    @property
    def uplane_format(self) -> UPlaneFormat:
        """The :class:`~softran.oran.uplane.UPlaneFormat` of this configuration."""
        return UPlaneFormat(ud_comp_hdr_present=self.ud_comp_hdr_present,
                            static_comp_hdr=self.ud_comp_hdr, n_prb_carrier=self.n_prb)

    def compress_grid(self, grid: torch.Tensor) -> CompressedPRBs:
        """Compress a grid ``[n_eaxc, n_symbols, 12 n_prb]`` into PRBs ``[n_eaxc, n_symbols,
        n_prb]`` with this configuration's method, width, mode and full scale."""
        iq = self._grid_prbs(grid)
        if self.method == "modulation":
            return self._compress_constellation(iq)
        return compress(iq, self.method, self.width, mode=self.bfp_mode,
                        full_scale=self.full_scale)

    def compress_grid_bytes(self, grid: torch.Tensor) -> np.ndarray:
        """``compress_grid(grid).to_bytes()`` as uint8 ``[n_eaxc, n_symbols, n_prb,
        prb_bytes]``: the PRB fields of the grid's U-plane (O-RAN.WG4.CUS.0 clause 8.3.3),
        quantised and packed in one pass for BFP (:func:`~softran.oran.compression.
        compress_prb_bytes`).

        >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="bfp", width=9)
        >>> g = torch.ones(1, 14, 288, dtype=torch.complex64)
        >>> b = cfg.compress_grid_bytes(g)
        >>> b.shape, b.tobytes() == cfg.compress_grid(g).to_bytes()
        ((1, 14, 24, 28), True)
        """
        if self.method == "modulation":
            return np.frombuffer(self.compress_grid(grid).to_bytes(), dtype=np.uint8).reshape(
                len(self.eaxc_ids), self.n_symbols, self.n_prb, self.prb_bytes).copy()
        return compress_prb_bytes(self._grid_prbs(grid), self.method, self.width,
                                  mode=self.bfp_mode, full_scale=self.full_scale)

    def _grid_prbs(self, grid: torch.Tensor) -> torch.Tensor:
        """The checked grid ``[n_eaxc, n_symbols, 12 n_prb]`` viewed as PRBs ``[n_eaxc,
        n_symbols, n_prb, 12]``."""
        grid = check_tensor("grid", grid, min_dim=3)
        want = (len(self.eaxc_ids), self.n_symbols, 12 * self.n_prb)
        if tuple(grid.shape) != want:
            raise ValueError(f"grid has shape {tuple(grid.shape)}; this configuration needs "
                             f"[n_eaxc, n_symbols, 12 n_prb] = {list(want)}")
        if not grid.is_complex():
            raise TypeError(f"grid must be complex, got {grid.dtype}")
        return grid.reshape(*want[:2], self.n_prb, 12)

    def _compress_constellation(self, iq: torch.Tensor) -> CompressedPRBs:
        """Annex A.5 codes of a constellation grid; a RE off the constellation is an error."""
        assert isinstance(self.modulation, tuple)
        _, csf, scaler = modulation_compression_params(self.modulation[0], self.mod_amplitude)
        try:
            c = compress(iq, "modulation", self.width, csf=csf, mod_comp_scaler=scaler,
                         full_scale=self.full_scale)
        except ValueError:
            c = None
        # an exact point comes back times s_q / s (the 15-bit modCompScaler rounds s to s_q);
        # anything else is off by at least a quarter of the point spacing
        fs = 2.0 ** 15 if self.full_scale is None else self.full_scale
        rel = abs(mod_comp_scaler_value(mod_comp_scaler_code(scaler)) / scaler - 1) + 2.0 ** -20
        x = torch.view_as_real(iq)
        if c is not None:
            err = (torch.view_as_real(decompress(c)).to(x.dtype) - x).abs()
            bad = err > rel * x.abs() + 2.0 ** -20 * fs
        else:
            bad = torch.ones_like(x, dtype=torch.bool)
        if bool(bad.any()):
            if c is None:
                bad = x.abs() > (self.constellation_scale * 2.0)    # locate a too-large value
                if not bool(bad.any()):
                    bad = torch.ones_like(x, dtype=torch.bool)
            k, l, p, re, _ = (int(v) for v in bad.nonzero()[0])
            mod = self.modulation[k]
            raise ValueError(
                f"grid[{k}, {l}, {12 * p + re}] = {complex(iq[k, l, p, re]):.6g} is not a "
                f"{mod} point (TS 38.211 §5.1, unit power) times constellation_scale = "
                f"{self.constellation_scale:.6g}; modulation compression (O-RAN.WG4.CUS.0 "
                f"Annex A.5) carries only the configured constellation of each eAxC: empty "
                f"REs, PSS/SSS or PRB ranges with another modulation cannot be sent")
        return c

    def zero_prb(self) -> bytes:
        """The wire bytes of one all-zero PRB (what a never-received PRB decodes from)."""
        if self.method == "modulation":        # codes 0; the grid masks never-received PRBs
            return bytes(self.prb_bytes)
        z = torch.zeros(1, 12, dtype=torch.complex64)
        return compress(z, self.method, self.width, full_scale=self.full_scale).to_bytes()
