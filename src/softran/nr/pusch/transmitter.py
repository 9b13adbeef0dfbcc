"""PUSCH transmitter block: transport blocks -> resource grid -> OFDM waveform.

TS 38.212 §6.2 (UL-SCH), TS 38.211 §6.3.1 (PUSCH), §6.4.1.1 (DM-RS), §6.4.1.2 (PT-RS),
§6.3.1.5 (precoding), §5.3.1 (OFDM). Built from the level-1 functions
:class:`~softran.nr.ULSCHEncoder`, :func:`~softran.nr.pusch.chain`, :func:`~softran.nr.pusch_dmrs`,
:func:`~softran.nr.pusch_ptrs` and :func:`~softran.nr.ofdm_modulate`.
"""

from __future__ import annotations

import torch

from softran.nr.coding.sch import ULSCHEncoder
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.pusch.chain import pusch, pusch_precoding_matrix
from softran.nr.pusch.config import PUSCHConfig, check_pusch_config
from softran.nr.pusch.dmrs import pusch_dmrs, pusch_dmrs_indices
from softran.nr.pusch.indices import pusch_indices
from softran.nr.pusch.ptrs import pusch_ptrs, pusch_ptrs_indices
from softran.validation import check_bits, check_int

__all__ = ["PUSCHTransmitter"]


class PUSCHTransmitter(torch.nn.Module):
    """One UE's PUSCH in one slot: UL-SCH encoding, PUSCH modulation, DM-RS / PT-RS, layer
    grid, codebook precoding onto the antenna ports and OFDM modulation.

    Args:
        carrier: the carrier (``n_slot`` sets the slot of the DM-RS sequences).
        config: the PUSCH (its MCS or ``target_code_rate`` sets the LDPC rate).
        nfft, sample_rate: OFDM size, as :func:`~softran.nr.ofdm_info`.
        n_ref: limited-buffer rate matching size (TS 38.212 §5.4.2.1), ``None``: full.
        device: where the grids and waveforms are built.

    ``forward(tb, rv)``: ``tb`` uint8 ``[batch, A]`` with ``A = config.tb_size`` ->
    waveform complex64 ``[batch, n_ports, T]`` (``n_ports`` = antenna ports of a codebook
    PUSCH, else the layers). After a call ``last_grid`` holds the port grid
    ``[batch, n_ports, n_symbols, K]`` and ``last_layer_grid`` the layer grid.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUSCHConfig(prb_set=range(25), mcs_index=2)
    >>> tx = PUSCHTransmitter(c, p)
    >>> tb = torch.randint(0, 2, (2, p.tb_size), dtype=torch.uint8)
    >>> tuple(tx(tb).shape), tx.sample_rate
    ((2, 1, 7680), 7680000.0)
    """

    def __init__(self, carrier: CarrierConfig, config: PUSCHConfig, *, nfft: int | None = None,
                 sample_rate: float | None = None, n_ref: int | None = None,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_pusch_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy(deep=True)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        self.sample_rate = float(self.info.sample_rate)
        self.encoder = ULSCHEncoder(self.config.code_rate, n_ref=n_ref)
        self.tb_size = self.config.tb_size
        dev = self.device
        self.indices, self.indices_info = pusch_indices(self.carrier, self.config, device=dev)
        self.dmrs_indices = pusch_dmrs_indices(self.carrier, self.config, device=dev)
        self.dmrs_symbols = pusch_dmrs(self.carrier, self.config, device=dev)
        if self.config.enable_ptrs and not self.config.transform_precoding:
            self.ptrs_indices = pusch_ptrs_indices(self.carrier, self.config, device=dev)
            self.ptrs_symbols = pusch_ptrs(self.carrier, self.config, device=dev)
        else:
            self.ptrs_indices = torch.zeros((0, 0), dtype=torch.int64, device=dev)
            self.ptrs_symbols = torch.zeros((0, 0), dtype=torch.complex64, device=dev)
        #: precoding matrix ``[n_ports, n_layers]`` or None (identity)
        self.precoder = pusch_precoding_matrix(self.config, device=dev)
        self.n_layers = self.config.n_layers
        self.n_ports = self.n_layers if self.precoder is None else self.precoder.shape[0]
        self.grid_shape = (self.n_layers, self.carrier.symbols_per_slot,
                           self.carrier.n_subcarriers)
        self.last_grid: torch.Tensor | None = None
        self.last_layer_grid: torch.Tensor | None = None

    def layer_grid(self, tb: torch.Tensor, rv: int = 0) -> torch.Tensor:
        """Layer grid ``[batch, n_layers, n_symbols, K]`` with data, DM-RS and PT-RS."""
        tb = check_bits("tb", tb, min_dim=2)
        if tb.dim() != 2 or tb.shape[-1] != self.tb_size:
            raise ValueError(f"tb must have shape [batch, A={self.tb_size}], "
                             f"got {tuple(tb.shape)}")
        rv = check_int("rv", rv, 0, 3)
        cfg = self.config
        cw = self.encoder(tb.to(self.device), cfg.modulation, cfg.n_layers,
                          cfg.num_coded_bits, rv)
        sym = pusch(cw, self.carrier, cfg)  # [B, v, n_re]
        batch = tb.shape[0]
        n = self.n_layers * self.grid_shape[1] * self.grid_shape[2]
        grid = torch.zeros(batch, n, dtype=torch.complex64, device=self.device)
        grid[:, self.indices.reshape(-1)] = sym.reshape(batch, -1)
        grid[:, self.dmrs_indices.reshape(-1)] = self.dmrs_symbols.reshape(-1)
        if self.ptrs_indices.numel():
            grid[:, self.ptrs_indices.reshape(-1)] = self.ptrs_symbols.reshape(-1)
        return grid.reshape(batch, *self.grid_shape)

    def forward(self, tb: torch.Tensor, rv: int = 0) -> torch.Tensor:
        """Waveform ``[batch, n_ports, T]`` of transport blocks ``tb`` ``[batch, A]``."""
        layers = self.layer_grid(tb, rv)
        grid = layers if self.precoder is None else torch.einsum(
            "pl,blsk->bpsk", self.precoder, layers)
        self.last_layer_grid = layers
        self.last_grid = grid
        return ofdm_modulate(grid, self.carrier, nfft=self.nfft)
