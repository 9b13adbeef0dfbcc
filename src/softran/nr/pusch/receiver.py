"""PUSCH receiver block of the gNB: waveform or grid -> transport blocks, CRC and HARQ.

OFDM demodulation (TS 38.211 §5.3.1), DM-RS based channel estimation (§6.4.1.1 references;
:func:`~softran.nr.receiver.channel_estimate`), interference-plus-noise covariance
(:func:`~softran.nr.receiver.noise_covariance`), PT-RS phase tracking (the common phase error
of each OFDM symbol, :mod:`~softran.nr.receiver.phase_tracking`, when PT-RS are configured),
MMSE-IRC / MMSE / MRC detection with the post-equalisation SINR scaling the LLRs
(:func:`~softran.nr.receiver.mmse_equalize`),
transform deprecoding, soft demapping and descrambling (:func:`~softran.nr.pusch_decode`),
and UL-SCH decoding with HARQ soft combining (:class:`~softran.nr.ULSCHDecoder`,
TS 38.212 §6.2). A perfect-CSI mode takes the true channel instead of the estimate.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import numpy as np
import torch

import softran.nr.modulation as modulation_module
import softran.nr.ofdm as ofdm_module
import softran.nr.receiver.equalize as equalize_module
import softran.nr.receiver.references as references_module
from softran.nr.coding.sch import ULSCHDecoder
from softran.nr.coding.uci import UCIDecodeResult, uci_decode
from softran.nr.config import CarrierConfig
from softran.nr.kept_dft import kept_dft
from softran.nr.kernel_entry import compiled_entry, kernel_args
from softran.nr.layers import layer_demap
from softran.nr.modulation import maxlog_demap_levels, symbol_demodulate, symbol_demodulate_into
from softran.nr.module_call import plain_call
from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate, ofdm_info
from softran.nr.ofdm_kernels import select_subcarriers
from softran.nr.pusch.chain import pusch_decode
from softran.nr.pusch.config import PUSCHConfig, check_pusch_config
from softran.nr.pusch.dmrs import pusch_dmrs, pusch_dmrs_indices
from softran.nr.pusch.indices import pusch_indices
from softran.nr.pusch.ptrs import pusch_ptrs, pusch_ptrs_indices
from softran.nr.pusch.uci import PUSCHUCIConfig, ulsch_demultiplex, ulsch_multiplex_layout
from softran.nr.receiver import (
    channel_estimate,
    common_phase_correct,
    interpolate_phase,
    mmse_equalize,
    noise_covariance,
    ptrs_common_phase_error,
)
from softran.nr.receiver.channel_estimate import channel_estimate_slot_args
from softran.nr.receiver.equalize_kernels import data_runs
from softran.nr.receiver.front_end_kernels import (
    FRONT_END_WAVE_FIELDS,
    front_end_slot,
    front_end_wave_packed,
)
from softran.nr.receiver.noise_covariance import noise_covariance_slot_args
from softran.nr.scrambling import pusch_scrambling_sequence
from softran.validation import check_choice, check_finite, check_int, check_tensor

__all__ = ["PUSCH_DETECTORS", "PUSCHReceiver", "PUSCHUCIResult"]

#: detectors of :class:`PUSCHReceiver`: MMSE with the interference-plus-noise covariance
#: estimated per PRB block (IRC), MMSE with a per-antenna noise variance, and (1 layer)
#: maximum-ratio combining, which equals MMSE for one layer with unbiased scaling.
PUSCH_DETECTORS = ("mmse-irc", "mmse")

#: whether :meth:`PUSCHReceiver.forward` runs its front end (waveform -> LLRs) as one compiled
#: pass where it can (:mod:`softran.nr.receiver.front_end_kernels`); tests switch this off to
#: compare it with the stage-by-stage path (which the kernel switches of each stage's module
#: select between their kernels and the torch reference).
KERNELS: bool = True


class PUSCHUCIResult(NamedTuple):
    """The UCI decoded from a PUSCH (TS 38.212 §6.3.2): a
    :class:`~softran.nr.coding.uci.UCIDecodeResult` (bits, crc_ok, metric) per part, or None
    for a part the PUSCH does not carry."""

    ack: UCIDecodeResult | None
    csi1: UCIDecodeResult | None
    csi2: UCIDecodeResult | None


class PUSCHReceiver(torch.nn.Module):
    """One UE's PUSCH at the gNB: TS 38.211 §6.3.1 / §6.4.1.1 (DM-RS) receive processing and
    TS 38.212 §6.2 UL-SCH decoding with HARQ (stages in the module docstring).

    Args:
        carrier, config: as for :class:`~softran.nr.PUSCHTransmitter`.
        n_rx: receive antennas (1..8 and more).
        nfft, sample_rate: OFDM size, as :func:`~softran.nr.ofdm_info`.
        detector: ``"mmse-irc"`` (default) or ``"mmse"``.
        freq_smoothing, time_interpolation: channel estimator options
            (:func:`~softran.nr.receiver.channel_estimate`).
        prb_block: PRBs per covariance block of the IRC detector.
        phase_tracking: correct the common phase error of each OFDM symbol measured on the
            PT-RS (used when ``config`` has PT-RS, CP-OFDM; default True).
        n_ref, max_iterations, n_harq_processes: UL-SCH decoder options
            (:class:`~softran.nr.ULSCHDecoder`).
        early_termination: stop each code block's LDPC decoding as soon as its parity
            checks hold (default True); False runs ``max_iterations`` every time.
        ldpc_kernel: the LDPC decoder's ``kernel`` (:func:`~softran.nr.coding.ldpc.ldpc_decode`;
            ``"numba-int8"`` is the fixed-point CPU kernel, about 3x faster).
        uci: a :class:`~softran.nr.pusch.uci.PUSCHUCIConfig`: the PUSCH carries UCI
            multiplexed with the UL-SCH (TS 38.212 §6.2.7); ``forward`` separates it, decodes
            each part (:func:`~softran.nr.uci_decode`) into ``last_uci``
            (:class:`PUSCHUCIResult`) and passes the UL-SCH bits on.
        device: where the receiver runs.

    ``forward(rx, rv=0, harq_process=0, *, new_data=False, h=None, noise_var=None)``:
    ``rx`` is a waveform ``[batch, n_rx, T]`` of one slot (``T = slot_length``) or a grid
    ``[batch, n_rx, n_symbols, K]``; ``new_data`` the new data indicator the gNB scheduled
    (True, or a bool tensor ``[batch]``: a new transport block, the HARQ process's soft bits
    are cleared; False: a retransmission, combined; a decoded block clears its process, see
    :mod:`softran.nr.coding.sch`); ``h`` (perfect CSI) the
    effective channel of each layer ``[batch, n_rx, n_layers, n_symbols, K]`` with
    ``noise_var`` its noise variance per RE (number or ``[batch, n_rx]``). Returns
    ``(tb, error)``: uint8 ``[batch, A]`` and bool ``[batch]``. After a call
    ``last_h``, ``last_noise_var``, ``last_sinr`` (post-equalisation SINR per layer and
    data RE, linear) and ``last_phase`` (the common phase error corrected per OFDM symbol,
    radians ``[batch, n_symbols]``, or None without phase tracking) are kept for inspection
    (on the slot path below, views of buffers the next call of that batch size overwrites:
    copy them to keep them).

    The slot path: a complex64 CPU waveform of one slot with the IRC detector, the estimated
    channel, no PT-RS phase tracking, no UCI and no transform precoding runs its front end
    (from the waveform's FFT windows and the kept MKL FFT to the descrambled LLRs; one
    layer of 16QAM on two antennas detects and demaps in one pass over the REs) as one
    compiled call on buffers kept per batch size
    (:mod:`softran.nr.receiver.front_end_kernels`; the same kernels and values as
    :meth:`grid`, :meth:`estimate`, :meth:`covariance`, :meth:`detect` and :meth:`demap`
    one by one, which the receiver's first slot runs, planning them, and which run where
    the pass does not apply), then hands the LLRs to the decoder in one call (on one
    thread with the int8 LDPC kernel, rate recovery, decoding and the CRCs are one
    compiled call too: :class:`~softran.nr.ULSCHDecoder`). After the
    first slot of a layout, the input checks are one comparison with what was checked in
    full (the waveform's shape, dtype and strides; the decoder's kept LLR tensor, rv,
    modulation and layers), and the slot allocates only its two new results and, inside
    the compiled detector, the 2x2 inverse of each covariance block (a few KB).

    >>> from softran.nr import PUSCHTransmitter
    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUSCHConfig(prb_set=range(25), mcs_index=2)
    >>> tx, rx = PUSCHTransmitter(c, p), PUSCHReceiver(c, p, n_rx=2)
    >>> tb = torch.randint(0, 2, (2, p.tb_size), dtype=torch.uint8)
    >>> w = tx(tb).expand(-1, 2, -1)                       # 1x2, flat unit channel
    >>> w = w + 0.05 * torch.randn_like(w)
    >>> out, err = rx(w)
    >>> bool((out == tb).all()), err.tolist()
    (True, [False, False])
    """

    def __init__(self, carrier: CarrierConfig, config: PUSCHConfig, n_rx: int, *,
                 nfft: int | None = None, sample_rate: float | None = None,
                 detector: str = "mmse-irc", freq_smoothing: int | str = "auto",
                 time_interpolation: str = "linear", prb_block: int = 4,
                 n_ref: int | None = None, max_iterations: int = 12,
                 n_harq_processes: int = 16, phase_tracking: bool = True,
                 early_termination: bool = True,
                 device: torch.device | str | None = None,
                 uci: PUSCHUCIConfig | None = None, ldpc_kernel: str = "auto") -> None:
        super().__init__()
        check_pusch_config(carrier, config, "config")
        if uci is not None and not isinstance(uci, PUSCHUCIConfig):
            raise TypeError(f"uci must be a PUSCHUCIConfig or None, got {type(uci).__name__}")
        self.uci = uci
        self.uci_layout = None if uci is None else ulsch_multiplex_layout(config, uci)
        #: the UCI decoded by the last call (None without ``uci``)
        self.last_uci: PUSCHUCIResult | None = None
        self.carrier = carrier.model_copy()
        self.config = config.model_copy(deep=True)
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.detector = check_choice("detector", detector, PUSCH_DETECTORS)
        self.freq_smoothing = freq_smoothing
        self.time_interpolation = time_interpolation
        self.prb_block = check_int("prb_block", prb_block, 1)
        if not isinstance(phase_tracking, bool):
            raise TypeError(f"phase_tracking must be a bool, got {phase_tracking!r}")
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        #: samples of one slot's waveform (the length a waveform input must have)
        self.slot_length = (sum(self.info.slot_cyclic_prefix_lengths(self.carrier.n_slot))
                            + self.carrier.symbols_per_slot * self.nfft)
        #: the slot path's OFDM demodulator (checked once, its grid buffer kept)
        self._ofdm = OFDMSlotDemodulator(self.carrier, nfft=self.nfft)
        dev = self.device
        ind, self.indices_info = pusch_indices(self.carrier, self.config, device=dev)
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        #: data RE positions in one layer's [n_symbols, K] grid (same for every layer)
        self.data_positions = ind[0] % (n_sym * k)
        self._data_blocks = (self.data_positions % k) // (12 * self.prb_block)
        self.dmrs_indices = pusch_dmrs_indices(self.carrier, self.config, device=dev)
        self.dmrs_symbols = pusch_dmrs(self.carrier, self.config, device=dev)
        self.cdm_lengths = (2, 2 if self.config.dmrs.max_length == 2 else 1)
        #: whether the common phase error is tracked on the PT-RS (TS 38.211 §6.4.1.2)
        self.phase_tracking = (phase_tracking and self.config.enable_ptrs
                               and not self.config.transform_precoding)
        if self.phase_tracking:
            self.ptrs_indices = pusch_ptrs_indices(self.carrier, self.config, device=dev)
            self.ptrs_symbols = pusch_ptrs(self.carrier, self.config, device=dev)
        cfg = self.config
        #: what :meth:`demap` needs of the configuration, found once (the configuration is
        #: this receiver's own copy): modulation, layers, data REs and the scrambling
        #: sequence (TS 38.211 §6.3.1.1, c_init from n_ID or N_ID^cell); None where
        #: pusch_decode runs in full (UCI placeholders, transform precoding)
        self._demap_plan = None if (uci is not None or cfg.transform_precoding) else (
            cfg.modulation, cfg.n_layers, cfg.n_re, pusch_scrambling_sequence(
                self.carrier.n_cell_id if cfg.n_id is None else cfg.n_id, cfg.rnti,
                cfg.num_coded_bits, device=dev))
        #: one-layer slot path (:meth:`forward`): the scrambling sequence as a NumPy array
        #: and, per batch size, the noise-variance and LLR buffers reused every slot
        self._demap_seq = None if self._demap_plan is None else self._demap_plan[3].numpy()
        self._demap_ws: dict[int, tuple[np.ndarray, torch.Tensor, np.ndarray]] = {}
        #: whether :meth:`forward`'s front end can run as one compiled pass
        #: (:meth:`_front_end`): the IRC detector on the estimated channel, without PT-RS
        #: phase tracking, UCI or transform precoding, on the CPU; its workspaces per
        #: (batch size, thread)
        self._fused = (self.detector == "mmse-irc" and self._demap_plan is not None
                       and not (self.phase_tracking and self.ptrs_indices.numel())
                       and self.device.type == "cpu")
        self._fused_ws: dict[tuple[int, int], _FrontEndWorkspace] = {}
        self.decoder = ULSCHDecoder(self.config.code_rate, self.config.tb_size, n_ref=n_ref,
                                    max_iterations=max_iterations,
                                    early_termination=early_termination,
                                    n_harq_processes=n_harq_processes, ldpc_kernel=ldpc_kernel)
        self.last_h: torch.Tensor | None = None
        self.last_noise_var: torch.Tensor | None = None
        self._last_nv_eff: torch.Tensor | None = None
        self.last_phase: torch.Tensor | None = None

    @property
    def last_sinr(self) -> torch.Tensor | None:
        """Post-equalisation SINR per layer and data RE of the last call, linear
        ``[batch, n_layers, n_re]`` (1 / the effective noise variance; computed when read)."""
        nv_eff = self._last_nv_eff
        return None if nv_eff is None else 1.0 / nv_eff

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
            spec = self._ofdm.spectrum(rx) if self.device.type == "cpu" else None
            if spec is not None:
                # the slot demodulator's kernels (the values of ofdm_demodulate) into a new
                # grid, without ofdm_demodulate's per-call planning
                out = torch.empty((*rx.shape[:-1], n_sym, k), dtype=torch.complex64)
                select_subcarriers(spec, k // 2, self._ofdm.corrections,
                                   out.view(-1, n_sym, k).numpy())
                return out
            try:                    # ofdm_demodulate checks the samples as it reads them
                return ofdm_demodulate(rx.to(self.device), self.carrier, nfft=self.nfft)
            except ValueError:
                check_finite("rx", rx)      # the error names this argument
                raise
        if rx.dim() != 4 or tuple(rx.shape[-2:]) != (n_sym, k):
            raise ValueError(f"rx must be a waveform [batch, n_rx, T] or a grid "
                             f"[batch, n_rx, {n_sym}, {k}], got {tuple(rx.shape)}")
        return check_finite("rx", rx).to(self.device)

    def _phase_anchors(self, estimated: bool) -> tuple[int, ...]:
        """Symbols whose CPE relative to the channel estimate is 0 by construction: the DM-RS
        symbols when the estimate follows them (linear interpolation, or a single DM-RS
        symbol); none when it averages several DM-RS symbols or is the true channel."""
        dmrs = self.indices_info.dmrs_symbols
        if estimated and (self.time_interpolation == "linear" or len(dmrs) == 1):
            return tuple(dmrs)
        return ()

    def estimate(self, grid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """DM-RS channel estimate of a received grid (TS 38.211 §6.4.1.1 references):
        ``(h [batch, n_rx, n_layers, n_symbols, K], noise_var [batch, n_rx])``, as
        :func:`~softran.nr.receiver.channel_estimate` with this receiver's options."""
        return channel_estimate(grid, self.dmrs_indices, self.dmrs_symbols,
                                **self._estimate_options())

    def _estimate_options(self) -> dict[str, object]:
        """The options :meth:`estimate` gives :func:`~softran.nr.receiver.channel_estimate`."""
        return {"cdm_lengths": self.cdm_lengths, "freq_smoothing": self.freq_smoothing,
                "time_interpolation": self.time_interpolation,
                "subcarrier_spacing": 1e3 * self.carrier.subcarrier_spacing}

    def covariance(self, grid: torch.Tensor, h: torch.Tensor, noise_var: torch.Tensor
                   ) -> torch.Tensor:
        """The disturbance the detector whitens: with ``"mmse-irc"`` the interference-plus-
        noise covariance per PRB block (:func:`~softran.nr.receiver.noise_covariance`)
        ``[batch, n_rx, n_rx, n_blocks]``; with ``"mmse"`` ``noise_var`` itself."""
        if self.detector != "mmse-irc":
            return noise_var
        return noise_covariance(grid, h, self.dmrs_indices, self.dmrs_symbols,
                                prb_block=self.prb_block, noise_var=noise_var)

    def detect(self, grid: torch.Tensor, h: torch.Tensor, noise: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """MMSE(-IRC) detection of the data REs: ``(x_hat, noise_var_eff)``, both
        ``[batch, n_layers, n_re]`` (:func:`~softran.nr.receiver.mmse_equalize`); ``noise`` is
        what :meth:`covariance` returns."""
        # the data REs of the flattened grid (and, with IRC, the covariance block of each)
        blocks = self._data_blocks if self.detector == "mmse-irc" else None
        return mmse_equalize(grid.flatten(-2), h.flatten(-2), noise,
                             index=self.data_positions, noise_index=blocks)

    def equalize(self, grid: torch.Tensor, h: torch.Tensor | None = None,
                 noise_var: float | torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """Channel estimation and detection: ``(x_hat, noise_var_eff)``, both
        ``[batch, n_layers, n_re]`` (data REs in :func:`~softran.nr.pusch.indices` order)."""
        estimated = h is None
        if h is None:
            h, nv = self.estimate(grid)
        else:
            h = check_tensor("h", h, min_dim=5).to(self.device)
            if not h.is_complex():
                raise TypeError(f"h must be complex, got dtype {h.dtype}")
            check_finite("h", h)
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
        phase = None
        if self.phase_tracking and self.ptrs_indices.numel():
            cpe = ptrs_common_phase_error(grid, h, self.ptrs_indices, self.ptrs_symbols)
            phase = interpolate_phase(cpe, anchors=self._phase_anchors(estimated))
            grid = common_phase_correct(grid, phase)
        x_hat, nv_eff = self.detect(grid, h, self.covariance(grid, h, nv))
        # plain attributes (not parameters or buffers): set without Module.__setattr__'s checks
        self.__dict__.update(last_h=h, last_noise_var=nv, _last_nv_eff=nv_eff, last_phase=phase)
        return x_hat, nv_eff

    def demap(self, x_hat: torch.Tensor, noise_var_eff: torch.Tensor) -> torch.Tensor:
        """Descrambled soft bits ``[batch, G]`` of detected symbols (transform deprecoding,
        layer demapping, soft demapping and descrambling: :func:`~softran.nr.pusch_decode`);
        a zero channel (infinite ``noise_var_eff``) gives erasures."""
        nv_eff = torch.nan_to_num(noise_var_eff, posinf=1e30).clamp_min(1e-12)
        plan = self._demap_plan
        if (plan is not None and isinstance(x_hat, torch.Tensor) and x_hat.dim() >= 2
                and tuple(x_hat.shape[-2:]) == plan[1:3]):
            # pusch_decode without re-deriving the configuration: layer demapping, then
            # the soft demapper with the descrambling sign flip fused in
            modulation, n_layers, _, seq = plan
            if n_layers == 1:
                nv = nv_eff if nv_eff.shape == x_hat.shape else torch.broadcast_to(
                    nv_eff, x_hat.shape)
                y, nv = x_hat.flatten(-2), nv.flatten(-2)
            else:
                y = layer_demap(x_hat)
                nv = layer_demap(torch.broadcast_to(nv_eff, x_hat.shape).contiguous())
            return symbol_demodulate(y, modulation, nv, sequence=seq)
        marks = {} if self.uci_layout is None else {
            "x_placeholders": self.uci_layout.x_placeholders,
            "y_placeholders": self.uci_layout.y_placeholders}
        return pusch_decode(x_hat, self.carrier, self.config, nv_eff, **marks)

    def _demap_slot(self, x_hat: torch.Tensor, noise_var_eff: torch.Tensor
                    ) -> torch.Tensor | None:
        """:meth:`demap` of one layer's detector output into this receiver's buffer for its
        batch size (the same kernel and values; valid until the next slot of that size), the
        noise variance sanitised as :meth:`demap` does in a kept buffer; None where the
        inputs are not the detector's usual ones (:meth:`demap` then runs)."""
        plan = self._demap_plan
        if (plan is None or plan[1] != 1 or x_hat.dtype != torch.complex64
                or noise_var_eff.dtype != torch.float32 or x_hat.dim() != 3
                or tuple(x_hat.shape[1:]) != (1, plan[2]) or noise_var_eff.shape != x_hat.shape
                or not (x_hat.is_cpu and noise_var_eff.is_cpu and x_hat.is_contiguous())
                or x_hat.requires_grad or noise_var_eff.requires_grad):
            return None
        b = x_hat.shape[0]
        ws = self._demap_ws.get(b)
        if ws is None:
            out = torch.empty(b, plan[2] * self.config.qm, dtype=torch.float32)
            ws = self._demap_ws[b] = (np.empty((b, plan[2]), dtype=np.float32), out,
                                      out.numpy())
        nv, out, out_np = ws
        # torch.nan_to_num(posinf=1e30).clamp_min(1e-12), same float32 values: fmax takes
        # NaN and -inf to 1e-12, +inf is then set to 1e30 (rare: a zero channel)
        np.fmax(noise_var_eff.numpy().reshape(b, -1), np.float32(1e-12), out=nv)
        if nv.max() == np.inf:
            nv[np.isposinf(nv)] = np.float32(1e30)
        if not symbol_demodulate_into(x_hat.numpy().reshape(b, -1), nv, plan[0], out_np,
                                      self._demap_seq):
            return None                 # a non-finite symbol: demap raises its error
        return out

    def llr(self, rx: torch.Tensor, *, h: torch.Tensor | None = None,
            noise_var: float | torch.Tensor | None = None) -> torch.Tensor:
        """Descrambled soft bits ``[batch, G]`` of the codeword (before rate recovery)."""
        grid = self.grid(rx)
        x_hat, nv_eff = self.equalize(grid, h, noise_var)
        return self.demap(x_hat, nv_eff)

    def decode_uci(self, llr: torch.Tensor) -> torch.Tensor:
        """Separate the UCI from the codeword LLRs ``[batch, G]`` (TS 38.212 §6.2.7), decode
        it into ``last_uci`` and return the UL-SCH LLRs ``[batch, G_UL-SCH]``."""
        uci, qm = self.uci, self.config.qm
        assert uci is not None
        ulsch, ack, csi1, csi2 = ulsch_demultiplex(self.config, uci, llr)
        self.last_uci = PUSCHUCIResult(
            uci_decode(ack, uci.n_ack, qm) if uci.n_ack else None,
            uci_decode(csi1, uci.n_csi1, qm) if uci.n_csi1 else None,
            uci_decode(csi2, uci.n_csi2, qm) if uci.n_csi2 else None)
        return ulsch

    def _front_end_stages(self, rx: torch.Tensor, h: torch.Tensor | None,
                          noise_var: float | torch.Tensor | None) -> torch.Tensor:
        """:meth:`forward`'s front end stage by stage (the grid, :meth:`equalize`, the
        demapping): descrambled LLRs ``[batch, G]``, in a kept buffer where it can."""
        grid = None
        if (isinstance(rx, torch.Tensor) and rx.dim() == 3 and rx.shape[1] == self.n_rx
                and rx.shape[-1] == self.slot_length and rx.dtype == torch.complex64
                and rx.is_cpu and self.device.type == "cpu"):
            # the slot path: the grid into a kept buffer (nothing below keeps the grid)
            try:
                grid = self._ofdm.demodulate(rx)
            except ValueError:
                grid = None             # grid() raises the error, naming rx
        if grid is None:
            grid = self.grid(rx)
        x_hat, nv_eff = self.equalize(grid, h, noise_var)
        # the slot path: LLRs into a kept buffer (the decoder reads them and keeps none)
        llr = self._demap_slot(x_hat, nv_eff)
        if llr is None:
            llr = self.demap(x_hat, nv_eff)
        return llr

    def _front_end(self, rx: torch.Tensor) -> torch.Tensor | None:
        """:meth:`forward`'s front end of a complex64 CPU waveform of one slot as one
        compiled pass after the FFT (:func:`~softran.nr.receiver.front_end_kernels.
        front_end_slot`: the same kernels as the stages, the same values): descrambled
        LLRs ``[batch, G]`` in a kept buffer, ``last_h``, ``last_noise_var`` and the SINR
        views of kept buffers too (valid until the next slot of this batch size). None
        where it does not apply, before the stages have planned their kernels (the first
        slot) or where a stage refuses (the stages then run one by one and raise the
        error)."""
        if not (KERNELS and ofdm_module.KERNELS and references_module.KERNELS
                and equalize_module.KERNELS and modulation_module.KERNELS):
            return None
        shape = rx.shape
        if (len(shape) != 3 or shape[1] != self.n_rx or shape[2] != self.slot_length
                or rx.dtype is not torch.complex64):   # (a workspace only for what it takes)
            return None
        key = (shape[0], threading.get_ident())
        ws = self._fused_ws.get(key)
        if ws is None or not ws.fits(self):
            ws = _FrontEndWorkspace.build(self, shape[0])
            if ws is None:
                return None
            if len(self._fused_ws) >= 16:
                self._fused_ws.pop(next(iter(self._fused_ws)))
            self._fused_ws[key] = ws
        if ws.wave is not None:
            # the FFT in the compiled pass too: numpy() refuses tensors that require grad,
            # have the conjugate or negative bit set or are not on the CPU; the layout is
            # the contiguous one of this batch size (anything else: the stages)
            try:
                wave = rx.numpy()
            except (RuntimeError, TypeError):
                return None
            if wave.strides != ws.wave[0]:
                return None
            entry = ws.entry
            if entry is None:
                # the kernel's compiled entry for these types (the workspace fixes them; the
                # waveform is the checked complex64 C-contiguous [B, R, T] NumPy view), its
                # arguments after the waveform packed as one (unboxed as one pointer)
                ws.packed = kernel_args(**dict(zip(FRONT_END_WAVE_FIELDS,
                                                   (*ws.wave[1], *ws.args), strict=True)))
                entry = ws.entry = compiled_entry(front_end_wave_packed, (wave, ws.packed))
            if entry(wave, ws.packed):
                return None
        else:
            # the FFT bins (None: not complex64, contiguous, on the CPU, finite, ...)
            spec = self._ofdm.spectrum(rx)
            if spec is None or front_end_slot(spec, *ws.args):
                return None
        # plain attributes (not parameters or buffers): set without Module.__setattr__'s checks
        d = self.__dict__
        d["last_h"], d["last_noise_var"], d["_last_nv_eff"] = ws.h, ws.noise_var, ws.nv_eff
        d["last_phase"] = None
        return ws.llr

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``Module.__call__``: straight to :meth:`forward` where calling the module would do
        only that (:func:`~softran.nr.module_call.plain_call`: no hooks of the receiver's or
        global ones, no tracing, not compiled), else torch's own call (the hooks run)."""
        if plain_call(self, _RECEIVER_CALL):
            return self.forward(*args, **kwargs)
        return _MODULE_CALL(self, *args, **kwargs)

    def forward(self, rx: torch.Tensor, rv: int = 0, harq_process: int = 0, *,
                new_data: bool | torch.Tensor = False, h: torch.Tensor | None = None,
                noise_var: float | torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode a PUSCH slot; see the class docstring."""
        if not (rv.__class__ is int and 0 <= rv <= 3):
            rv = check_int("rv", rv, 0, 3)
        llr = None
        if self._fused and h is None and isinstance(rx, torch.Tensor):
            llr = self._front_end(rx)       # (its checks: the layout of the waveform)
        if llr is None:
            llr = self._front_end_stages(rx, h, noise_var)
        if self.uci is not None:
            llr = self.decode_uci(llr)
        # the hand-off to the back end: rate recovery, LDPC decoding and CRC of the LLRs
        # (straight to its forward where calling the module would do just that)
        cfg = self.config
        decoder = self._modules["decoder"]
        call = decoder.forward if plain_call(decoder) else decoder
        return call(llr, cfg.modulation, cfg.n_layers, rv=rv, harq_process=harq_process,
                    new_data=new_data)


_MODULE_CALL = torch.nn.Module.__call__
_RECEIVER_CALL = PUSCHReceiver.__call__


class _FrontEndWorkspace:
    """The buffers and plan terms of :meth:`PUSCHReceiver._front_end` for one batch size
    and thread, and what they were built from (checked every slot: the receiver's options
    and DM-RS tensors, unchanged)."""

    def __init__(self, source: tuple[object, ...], args: tuple[object, ...], h: torch.Tensor,
                 noise_var: torch.Tensor, nv_eff: torch.Tensor, llr: torch.Tensor,
                 wave: tuple[object, ...] | None = None) -> None:
        self.source, self.args = source, args
        self.h, self.noise_var, self.nv_eff, self.llr = h, noise_var, nv_eff, llr
        #: where the FFT runs in the compiled pass (front_end_wave): the waveform's
        #: contiguous strides, the pass's arguments between the waveform and ``args``
        #: (window starts, FFT work array, the kept MKL plan's addresses) and the plan (kept
        #: alive with them); None: the demodulator's spectrum() runs first
        self.wave = wave
        #: front_end_wave_packed's compiled entry for this workspace's argument types, and
        #: the arguments after the waveform packed as its one other argument (made on the
        #: first call: softran.nr.kernel_entry)
        self.entry: Any = None
        self.packed: Any = None

    @staticmethod
    def _source(rx: PUSCHReceiver) -> tuple[object, ...]:
        return (rx.freq_smoothing, rx.time_interpolation, rx.prb_block, rx.cdm_lengths,
                rx.dmrs_indices, rx.dmrs_indices._version, rx.dmrs_symbols,
                rx.dmrs_symbols._version)

    def fits(self, rx: PUSCHReceiver) -> bool:
        """Whether the receiver's options and references are those it was built for (the
        same reference tensor objects, unchanged since)."""
        s = self.source
        return (rx.dmrs_indices is s[4] and rx.dmrs_symbols is s[6]
                and rx.dmrs_indices._version == s[5] and rx.dmrs_symbols._version == s[7]
                and rx.freq_smoothing == s[0] and rx.time_interpolation == s[1]
                and rx.prb_block == s[2] and rx.cdm_lengths == s[3])

    @classmethod
    def build(cls, rx: PUSCHReceiver, n_b: int) -> _FrontEndWorkspace | None:
        """The workspace, or None before the stages' kernels have planned these references
        and options (the first slot runs the stages)."""
        n_sym, k, n_r = rx.carrier.symbols_per_slot, rx.carrier.n_subcarriers, rx.n_rx
        cfg = rx.config
        est = channel_estimate_slot_args(rx.dmrs_indices, rx.dmrs_symbols, n_sym, k, n_b, n_r,
                                         **rx._estimate_options())
        cov_args = noise_covariance_slot_args(rx.dmrs_indices, rx.dmrs_symbols, n_sym, k, n_r,
                                              prb_block=rx.prb_block)
        if est is None or cov_args is None:
            return None
        n_p, n_re = cfg.n_layers, cfg.n_re
        n_blocks = -(-k // (12 * rx.prb_block))
        c64, f32 = np.complex64, np.float32
        grid = np.empty((n_b, n_r, n_sym * k), c64)
        h = np.empty((n_b, n_r, n_p, n_sym, k), c64)
        nv = np.empty((n_b, n_r), f32)
        cov = np.empty((n_b, n_r, n_r, n_blocks), c64)
        x = np.empty((n_b, n_p, n_re), c64)
        nv_eff = np.empty((n_b, n_p, n_re), f32)
        nv_demap = np.empty((n_b, n_p, n_re), f32)
        llr = torch.empty(n_b, n_re * n_p * cfg.qm, dtype=torch.float32)
        levels, bits, mode = maxlog_demap_levels(cfg.modulation)
        index = np.ascontiguousarray(rx.data_positions.numpy(), np.int64)
        block = np.ascontiguousarray(rx._data_blocks.numpy(), np.int64)
        # one layer on two antennas: the detector's runs of consecutive REs, found once
        runs = (data_runs(index, block) if (n_p, n_r) == (1, 2)
                else np.zeros((0, 4), dtype=np.int64))
        args = (k // 2, rx._ofdm.corrections, grid.reshape(n_b * n_r, n_sym, k), grid, est, h,
                h.reshape(n_b, n_r, n_p, n_sym * k), nv, cov_args, cov, index, block, runs, x,
                nv_eff, nv_demap, levels, bits, mode, rx._demap_seq, llr.numpy())
        wave = None
        plan = kept_dft(rx.nfft, n_b * n_r * n_sym, inverse=False, in_place=True) if n_b else None
        if plan is not None:
            # the demodulator's transform (the same kept plan) on its FFT work array for
            # this batch size and thread (the memory spectrum() uses: one slot buffer)
            work = rx._ofdm.fft_work((n_b, n_r))
            strides = np.empty((n_b, n_r, rx.slot_length), c64).strides
            wave = (strides, (rx._ofdm.window_starts, work, plan.compute_address, plan.handle),
                    plan)
        return cls(cls._source(rx), args, torch.from_numpy(h), torch.from_numpy(nv),
                   torch.from_numpy(nv_eff), llr, wave)
