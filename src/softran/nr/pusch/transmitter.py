"""PUSCH transmitter block: transport blocks -> resource grid -> OFDM waveform.

TS 38.212 §6.2 (UL-SCH), TS 38.211 §6.3.1 (PUSCH), §6.4.1.1 (DM-RS), §6.4.1.2 (PT-RS),
§6.3.1.5 (precoding), §5.3.1 (OFDM). Built from the level-1 functions
:class:`~softran.nr.ULSCHEncoder`, :func:`~softran.nr.pusch.chain`, :func:`~softran.nr.pusch_dmrs`,
:func:`~softran.nr.pusch_ptrs` and :func:`~softran.nr.ofdm_modulate`.
"""

from __future__ import annotations

import torch

from softran.nr.coding.sch import ULSCHEncoder
from softran.nr.coding.uci import uci_encode
from softran.nr.config import CarrierConfig
from softran.nr.grid import map_to_grid, reference_grid
from softran.nr.ofdm import ofdm_info, ofdm_modulate
from softran.nr.pusch.chain import pusch, pusch_precoding_matrix
from softran.nr.pusch.config import PUSCHConfig, check_pusch_config
from softran.nr.pusch.dmrs import pusch_dmrs, pusch_dmrs_indices
from softran.nr.pusch.indices import pusch_indices
from softran.nr.pusch.ptrs import pusch_ptrs, pusch_ptrs_indices
from softran.nr.pusch.uci import PUSCHUCIConfig, ulsch_multiplex, ulsch_multiplex_layout
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
        uci: a :class:`~softran.nr.pusch.uci.PUSCHUCIConfig` to multiplex HARQ-ACK / CSI with
            the UL-SCH (TS 38.212 §6.2.7, §6.3.2); then ``forward`` takes ``uci_bits``.
        device: where the grids and waveforms are built.

    ``forward(tb, rv)``: ``tb`` uint8 ``[batch, A]`` with ``A = config.tb_size`` ->
    waveform complex64 ``[batch, n_ports, T]`` (``n_ports`` = antenna ports of a codebook
    PUSCH, else the layers). With ``uci``, ``forward(tb, rv, uci_bits=(ack, csi1, csi2))``
    takes the UCI payloads, uint8 ``[batch, O]`` each (None for an absent part), encodes them
    (:func:`~softran.nr.uci_encode`) and multiplexes them.
    After a call ``last_grid`` holds the port grid
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
                 device: torch.device | str | None = None,
                 uci: PUSCHUCIConfig | None = None) -> None:
        super().__init__()
        check_pusch_config(carrier, config, "config")
        if uci is not None and not isinstance(uci, PUSCHUCIConfig):
            raise TypeError(f"uci must be a PUSCHUCIConfig or None, got {type(uci).__name__}")
        #: the UCI multiplexed on this PUSCH and its layout in the codeword (or None)
        self.uci = uci
        self.uci_layout = None if uci is None else ulsch_multiplex_layout(config, uci)
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
        # resource mapping in one pass onto a copy of the DM-RS / PT-RS grid (None where a
        # data RE is also a reference-signal RE: then the clause's order, data first)
        self._data_index = self.indices.transpose(0, 1).reshape(-1)
        self._base_grid = reference_grid(
            self.n_layers * self.grid_shape[1] * self.grid_shape[2], self._data_index,
            [(self.dmrs_indices, self.dmrs_symbols), (self.ptrs_indices, self.ptrs_symbols)])

    def _multiplex_uci(self, cw: torch.Tensor, uci_bits: tuple[torch.Tensor | None, ...] | None
                       ) -> torch.Tensor:
        """Encode the UCI parts and multiplex them with the UL-SCH codeword ``cw``."""
        lay, uci = self.uci_layout, self.uci
        assert lay is not None and uci is not None
        if uci_bits is None or len(uci_bits) != 3:
            raise ValueError("uci_bits must be (ack, csi1, csi2) for a PUSCH with UCI")
        coded = []
        for name, n, g, bits in (("ack", uci.n_ack, lay.info.g_ack, uci_bits[0]),
                                 ("csi1", uci.n_csi1, lay.info.g_csi1, uci_bits[1]),
                                 ("csi2", uci.n_csi2, lay.info.g_csi2, uci_bits[2])):
            if n == 0:
                coded.append(None)
                continue
            bits = check_bits(f"uci_bits ({name})", bits, min_dim=2)
            if bits.shape != (cw.shape[0], n):
                raise ValueError(f"the {name} bits must have shape [batch, {n}], got "
                                 f"{tuple(bits.shape)}")
            coded.append(uci_encode(bits.to(cw.device), g, self.config.qm))
        return ulsch_multiplex(self.config, uci, cw, *coded)

    def layer_grid(self, tb: torch.Tensor, rv: int = 0, *,
                   uci_bits: tuple[torch.Tensor | None, ...] | None = None) -> torch.Tensor:
        """Layer grid ``[batch, n_layers, n_symbols, K]`` with data, DM-RS and PT-RS."""
        tb = check_bits("tb", tb, min_dim=2)
        if tb.dim() != 2 or tb.shape[-1] != self.tb_size:
            raise ValueError(f"tb must have shape [batch, A={self.tb_size}], "
                             f"got {tuple(tb.shape)}")
        rv = check_int("rv", rv, 0, 3)
        cfg = self.config
        g = cfg.num_coded_bits if self.uci_layout is None else self.uci_layout.info.g_ulsch
        cw = self.encoder(tb.to(self.device), cfg.modulation, cfg.n_layers, g, rv)
        marks = {}
        if self.uci_layout is not None:
            cw = self._multiplex_uci(cw, uci_bits)
            marks = {"x_placeholders": self.uci_layout.x_placeholders,
                     "y_placeholders": self.uci_layout.y_placeholders}
        sym = pusch(cw, self.carrier, cfg, **marks)  # [B, v, n_re]
        batch = tb.shape[0]
        if self._base_grid is not None:
            grid = map_to_grid(self._base_grid, self._data_index,
                               sym.transpose(-1, -2).reshape(batch, -1))
            return grid.reshape(batch, *self.grid_shape)
        n = self.n_layers * self.grid_shape[1] * self.grid_shape[2]
        grid = torch.zeros(batch, n, dtype=torch.complex64, device=self.device)
        grid[:, self.indices.reshape(-1)] = sym.reshape(batch, -1)
        grid[:, self.dmrs_indices.reshape(-1)] = self.dmrs_symbols.reshape(-1)
        if self.ptrs_indices.numel():
            grid[:, self.ptrs_indices.reshape(-1)] = self.ptrs_symbols.reshape(-1)
        return grid.reshape(batch, *self.grid_shape)

    def forward(self, tb: torch.Tensor, rv: int = 0, *,
                uci_bits: tuple[torch.Tensor | None, ...] | None = None) -> torch.Tensor:
        """Waveform ``[batch, n_ports, T]`` of transport blocks ``tb`` ``[batch, A]``."""
        layers = self.layer_grid(tb, rv, uci_bits=uci_bits)
        grid = layers if self.precoder is None else torch.einsum(
            "pl,blsk->bpsk", self.precoder, layers)
        self.last_layer_grid = layers
        self.last_grid = grid
        return ofdm_modulate(grid, self.carrier, nfft=self.nfft)
