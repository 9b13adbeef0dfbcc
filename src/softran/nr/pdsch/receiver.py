"""PDSCH receiver for test (the UE side): waveform or grid -> transport blocks, CRC and HARQ.

OFDM demodulation (TS 38.211 §5.3.1), DM-RS channel estimation of the effective (precoded)
channel of each layer (§7.4.1.1 references; :func:`~softran.nr.receiver.channel_estimate`),
interference-plus-noise covariance (:func:`~softran.nr.receiver.noise_covariance`), PT-RS
common-phase tracking when configured (:mod:`~softran.nr.receiver.phase_tracking`), MMSE(-IRC)
detection (:func:`~softran.nr.receiver.mmse_equalize`), demapping and descrambling
(:func:`~softran.nr.pdsch.chain.pdsch_decode`) and DL-SCH decoding with HARQ soft combining
per codeword (:class:`~softran.nr.DLSCHDecoder`, TS 38.212 §7.2). Every stage is the shared
one of :mod:`softran.nr.receiver`; a perfect-CSI mode takes the true channel instead.

The channel estimator smooths across the whole allocation: with PRG-wise precoding that
changes from PRG to PRG use ``freq_smoothing=1`` (or a window within one PRG).
"""

from __future__ import annotations

import torch

from softran.nr.coding.sch import DLSCHDecoder
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_demodulate, ofdm_info
from softran.nr.pdsch.chain import pdsch_decode
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config
from softran.nr.pdsch.dmrs import pdsch_dmrs, pdsch_dmrs_indices
from softran.nr.pdsch.indices import pdsch_indices
from softran.nr.pdsch.ptrs import pdsch_ptrs, pdsch_ptrs_indices
from softran.nr.receiver import (
    channel_estimate,
    common_phase_correct,
    interpolate_phase,
    mmse_equalize,
    noise_covariance,
    ptrs_common_phase_error,
)
from softran.validation import check_choice, check_int, check_tensor

__all__ = ["PDSCH_DETECTORS", "PDSCHReceiver"]

#: detectors of :class:`PDSCHReceiver`: MMSE with the interference-plus-noise covariance per
#: PRB block (IRC), or MMSE with a per-antenna noise variance.
PDSCH_DETECTORS = ("mmse-irc", "mmse")


class PDSCHReceiver(torch.nn.Module):
    """One PDSCH at the UE (stages in the module docstring).

    Args:
        carrier, config: as for :class:`~softran.nr.PDSCHTransmitter`.
        n_rx: receive antennas (>= 1).
        nfft, sample_rate: OFDM size, as :func:`~softran.nr.ofdm_info`.
        detector: ``"mmse-irc"`` (default) or ``"mmse"``.
        freq_smoothing, time_interpolation: :func:`~softran.nr.receiver.channel_estimate`.
        prb_block: PRBs per covariance block of the IRC detector.
        phase_tracking: correct the common phase error per OFDM symbol on the PT-RS (when the
            PDSCH has PT-RS).
        n_ref, max_iterations, n_harq_processes: :class:`~softran.nr.DLSCHDecoder` options.
        device: where the receiver runs.

    ``forward(rx, rv=0, harq_process=0, *, new_data=False, h=None, noise_var=None)``: ``rx`` a
    waveform ``[batch, n_rx, T]`` of one slot or a grid ``[batch, n_rx, n_symbols, K]``;
    ``new_data`` the new data indicator the UE reads in its DCI (True: a new transport block,
    the process's soft buffer is cleared; False: a retransmission, combined; a bool or a bool
    tensor ``[batch]``; see :class:`~softran.nr.DLSCHDecoder`); ``h`` (perfect CSI) the
    effective channel of each layer ``[batch, n_rx, n_layers, n_symbols, K]`` with its
    ``noise_var``. Returns ``(tb, error)`` for one codeword, ``((tb0, tb1), (err0, err1))`` for
    two. ``last_h``, ``last_noise_var``, ``last_sinr``, ``last_phase`` are kept. A block is
    only ever returned decoded from this call's soft bits or the combined buffer (never a
    stale one); :meth:`reset_harq` forgets a process explicitly.

    >>> from softran.nr.pdsch.transmitter import PDSCHTransmitter
    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PDSCHConfig(prb_set=range(25), mcs_index=2)
    >>> tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, n_rx=2)
    >>> tb = torch.randint(0, 2, (2, p.tb_sizes[0]), dtype=torch.uint8)
    >>> w = tx(tb).expand(-1, 2, -1)
    >>> out, err = rx(w + 0.05 * torch.randn_like(w))
    >>> bool((out == tb).all()), err.tolist()
    (True, [False, False])
    """

    def __init__(self, carrier: CarrierConfig, config: PDSCHConfig, n_rx: int, *,
                 nfft: int | None = None, sample_rate: float | None = None,
                 detector: str = "mmse-irc", freq_smoothing: int | str = "auto",
                 time_interpolation: str = "linear", prb_block: int = 4,
                 n_ref: int | None = None, max_iterations: int = 12,
                 n_harq_processes: int = 16, phase_tracking: bool = True,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_pdsch_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy(deep=True)
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.detector = check_choice("detector", detector, PDSCH_DETECTORS)
        self.freq_smoothing = freq_smoothing
        self.time_interpolation = time_interpolation
        self.prb_block = check_int("prb_block", prb_block, 1)
        if not isinstance(phase_tracking, bool):
            raise TypeError(f"phase_tracking must be a bool, got {phase_tracking!r}")
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        #: samples of one slot's waveform
        self.slot_length = (sum(self.info.slot_cyclic_prefix_lengths(self.carrier.n_slot))
                            + self.carrier.symbols_per_slot * self.nfft)
        cfg, dev = self.config, self.device
        ind, self.indices_info = pdsch_indices(self.carrier, cfg, device=dev)
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        #: data RE positions in one layer's [n_symbols, K] grid (the same for every layer)
        self.data_positions = ind[0] % (n_sym * k)
        self._data_blocks = (self.data_positions % k) // (12 * self.prb_block)
        self.dmrs_indices = pdsch_dmrs_indices(self.carrier, cfg, device=dev)
        self.dmrs_symbols = pdsch_dmrs(self.carrier, cfg, device=dev)
        self.cdm_lengths = (2, 2 if cfg.dmrs.max_length == 2 else 1)
        self.phase_tracking = phase_tracking and cfg.enable_ptrs
        if self.phase_tracking:
            self.ptrs_indices = pdsch_ptrs_indices(self.carrier, cfg, device=dev)[None]
            self.ptrs_symbols = pdsch_ptrs(self.carrier, cfg, device=dev)[None]
        self.decoders = torch.nn.ModuleList(
            DLSCHDecoder(cfg.code_rate, a, n_ref=n_ref, max_iterations=max_iterations,
                         n_harq_processes=n_harq_processes) for a in cfg.tb_sizes)
        self.last_h: torch.Tensor | None = None
        self.last_noise_var: torch.Tensor | None = None
        self.last_sinr: torch.Tensor | None = None
        self.last_phase: torch.Tensor | None = None

    def reset_harq(self, harq_process: int = 0) -> None:
        """Forget the soft bits of ``harq_process`` in every codeword's decoder (a new
        transport block, TS 38.321 NDI toggled)."""
        for dec in self.decoders:
            dec.reset_soft_buffer(harq_process)

    def grid(self, rx: torch.Tensor) -> torch.Tensor:
        """The received grid ``[batch, n_rx, n_symbols, K]`` of a waveform or grid input."""
        rx = check_tensor("rx", rx, min_dim=3)
        if not rx.is_complex():
            raise TypeError(f"rx must be complex, got dtype {rx.dtype}")
        if rx.shape[1] != self.n_rx:
            raise ValueError(f"rx has {rx.shape[1]} receive antennas in dimension 1; this "
                             f"receiver has n_rx = {self.n_rx}")
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        if rx.dim() == 3:
            if rx.shape[-1] != self.slot_length:
                raise ValueError(f"rx waveform has {rx.shape[-1]} samples; one slot (n_slot = "
                                 f"{self.carrier.n_slot}) at nfft = {self.nfft} has "
                                 f"{self.slot_length}")
            return ofdm_demodulate(rx.to(self.device), self.carrier, nfft=self.nfft)
        if rx.dim() != 4 or tuple(rx.shape[-2:]) != (n_sym, k):
            raise ValueError(f"rx must be a waveform [batch, n_rx, T] or a grid "
                             f"[batch, n_rx, {n_sym}, {k}], got {tuple(rx.shape)}")
        return rx.to(self.device)

    def equalize(self, grid: torch.Tensor, h: torch.Tensor | None = None,
                 noise_var: float | torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """Channel estimation and detection: ``(x_hat, noise_var_eff)``, both
        ``[batch, n_layers, n_re]`` in the order of ``pdsch_indices``."""
        estimated = h is None
        if h is None:
            h, nv = channel_estimate(grid, self.dmrs_indices, self.dmrs_symbols,
                                     cdm_lengths=self.cdm_lengths,
                                     freq_smoothing=self.freq_smoothing,
                                     time_interpolation=self.time_interpolation,
                                     subcarrier_spacing=1e3 * self.carrier.subcarrier_spacing)
        else:
            h = check_tensor("h", h, min_dim=5).to(self.device)
            if not h.is_complex():
                raise TypeError(f"h must be complex, got dtype {h.dtype}")
            shape = (self.n_rx, self.config.n_layers, *grid.shape[-2:])
            if tuple(h.shape[-4:]) != shape:
                raise ValueError(f"h must have shape [batch, n_rx, n_layers, n_symbols, K] = "
                                 f"[..., {', '.join(map(str, shape))}], got {tuple(h.shape)}")
            if noise_var is None:
                raise ValueError("perfect CSI (h given) needs noise_var too")
            nv = torch.as_tensor(noise_var, dtype=torch.float32, device=self.device)
            if not bool((torch.isfinite(nv) & (nv > 0)).all()):
                raise ValueError(f"noise_var must be finite and > 0, got {noise_var!r}")
            nv = nv.expand(grid.shape[:-2]) if nv.dim() == 0 else nv
        self.last_phase = None
        if self.phase_tracking and self.ptrs_indices.numel():
            cpe = ptrs_common_phase_error(grid, h, self.ptrs_indices, self.ptrs_symbols)
            dmrs = self.indices_info.dmrs_symbols
            anchors = (tuple(dmrs) if estimated and (self.time_interpolation == "linear"
                                                     or len(dmrs) == 1) else ())
            phase = interpolate_phase(cpe, anchors=anchors)
            grid = common_phase_correct(grid, phase)
            self.last_phase = phase
        pos = self.data_positions
        y = grid.flatten(-2)[..., pos]
        hd = h.flatten(-2)[..., pos]
        if self.detector == "mmse-irc":
            r = noise_covariance(grid, h, self.dmrs_indices, self.dmrs_symbols,
                                 prb_block=self.prb_block, noise_var=nv)
            noise = r[..., self._data_blocks]
        else:
            noise = nv
        x_hat, nv_eff = mmse_equalize(y, hd, noise)
        self.last_h, self.last_noise_var = h, nv
        self.last_sinr = 1.0 / nv_eff
        return x_hat, nv_eff

    def llr(self, rx: torch.Tensor, *, h: torch.Tensor | None = None,
            noise_var: float | torch.Tensor | None = None
            ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Descrambled soft bits ``[batch, G_q]`` of the codeword(s) (before rate recovery)."""
        x_hat, nv_eff = self.equalize(self.grid(rx), h, noise_var)
        nv_eff = torch.nan_to_num(nv_eff, posinf=1e30).clamp_min(1e-12)
        return pdsch_decode(x_hat, self.carrier, self.config, nv_eff)

    def decode(self, llr: torch.Tensor | tuple[torch.Tensor, ...], rv: int = 0,
               harq_process: int = 0, *, new_data: bool | torch.Tensor = False
               ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """DL-SCH decoding of each codeword's LLRs with HARQ combining: ``([tb_q], [err_q])``
        (``new_data`` as in the class docstring, TS 38.214 §5.1)."""
        rv = check_int("rv", rv, 0, 3)
        llrs = (llr,) if isinstance(llr, torch.Tensor) else tuple(llr)
        cfg = self.config
        tbs, errs = [], []
        for dec, lq, v in zip(self.decoders, llrs, cfg.codeword_layers, strict=True):
            tb, err = dec(lq, cfg.modulation, v, rv=rv, harq_process=harq_process,
                          new_data=new_data)
            tbs.append(tb)
            errs.append(err)
        return tbs, errs

    def forward(self, rx: torch.Tensor, rv: int = 0, harq_process: int = 0, *,
                new_data: bool | torch.Tensor = False, h: torch.Tensor | None = None,
                noise_var: float | torch.Tensor | None = None):
        """Decode a PDSCH slot; see the class docstring."""
        rv = check_int("rv", rv, 0, 3)
        tbs, errs = self.decode(self.llr(rx, h=h, noise_var=noise_var), rv, harq_process,
                                new_data=new_data)
        if len(tbs) == 1:
            return tbs[0], errs[0]
        return tuple(tbs), tuple(errs)
