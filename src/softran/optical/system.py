"""End-to-end simulation of one coherent optical channel: transmitter, fibre line with
amplifiers, coherent front end, receiver DSP and the metrics (Savory, "Digital coherent
optical receivers: algorithms and subsystems", IEEE JSTQE 16(5) 2010, Fig. 1 and 2).

Chain of :func:`simulate_link`::

    DPTransmitter (Gray QAM, RRC, laser phase noise)            softran.optical.transmitter
      -> FibreLink: per span SSFM (Manakov) then EDFA (ASE)     softran.optical.fibre / amplifier
      -> optional noise loading at the receiver (OSNR or SNR)
      -> coherent_frontend: 90-degree hybrids with an LO of     softran.optical.frontend
         linewidth ``lo_linewidth`` and ``frequency_offset``
      -> CoherentReceiver: CDC of the accumulated D L, matched  softran.optical.dsp
         filter, Gardner timing, 2x2 CMA/RDE, FOE, CPR
      -> align_symbols and the metrics per polarisation         softran.optical.metrics

Assumptions (read before comparing with measurements or the planner):

* One channel (no WDM neighbours): the nonlinearity is self-phase modulation only. WDM
  (cross-phase modulation from the other channels) is the planner's job
  (:mod:`softran.optical.planner`, closed-form GN model) or a :func:`~softran.optical.wdm.
  wdm_multiplex` simulation built from the same blocks.
* Periodic blocks: the transmitter makes one period of ``n_symbols`` symbols and the
  split-step method is circular, so the received field is periodic (up to the transmitter
  laser's phase noise, a random walk that jumps once per period at its wrap). The DSP runs
  over a stream that repeats this period: ``warm_up`` symbols for the blind equaliser to
  converge, the measured period, and a tail (longer than the CD memory plus the CPR window) so
  that the measured period sees no edge of the stream. The LO (phase noise, frequency offset)
  is generated over the whole stream. After alignment (:func:`~softran.optical.metrics.
  align_symbols`) ``guard`` symbols at each end of the period (around the transmitter phase
  wrap) are left out of the metrics.
* Decisions after the data-aided gain: the blind equaliser's output scale is biased by the
  noise (RDE pulls the rings), so the received symbols are divided by the least-squares
  complex gain on the transmitted symbols before the hard decisions, as the auxiliary channel
  of the GMI does (Alvarado et al., JLT 36(2) 2018). BER, SER, Q and the FEC margins are
  decisions of these symbols; SNR/EVM (Schmogrow et al., PTL 24(1) 2012) are invariant to it.
* CDC compensates the accumulated ``sum D_i L_i`` (second-order dispersion) at the reference
  wavelength; the residual third-order dispersion (dispersion slope) is left to the equaliser.
* Amplifiers: a list of :class:`~softran.optical.fibre.FibreSpan` gets an
  ``EDFA.for_span`` (gain = span loss, ``noise_figure_db``) after each span; a planner
  :class:`~softran.optical.link.Link` maps each span to a ``FibreSpan`` with the fibre type's
  parameters and each amplifier to an :class:`~softran.optical.amplifier.EDFA` with its gain
  and noise figure at the link's centre frequency; a span's ``extra_loss_db`` is a lumped loss
  at its end (before the amplifier), as in the planner. The link's
  ``transceiver.back_to_back_snr_db`` becomes the receiver noise loading unless ``snr_db`` or
  ``osnr_db`` is given.
* Noise loading: white Gaussian noise on both polarisations of the received field, with
  ``SNR = Es/N0`` per polarisation in the symbol-rate bandwidth relative to the nominal received
  signal power (launch power times span losses and amplifier gains); ``OSNR`` in the 0.1 nm
  (12.5 GHz) reference bandwidth converts by ``SNR = OSNR B_ref / R_s`` (Essiambre et al.,
  JLT 28(4) 2010, eq. (33), both polarisations).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from softran.nr.modulation import bits_per_symbol
from softran.optical import metrics
from softran.optical.amplifier import EDFA
from softran.optical.constants import PLANCK, REFERENCE_WAVELENGTH
from softran.optical.dsp.cd_compensation import cd_filter_length
from softran.optical.dsp.receiver import CoherentReceiver
from softran.optical.fibre import FibreLink, FibreSpan
from softran.optical.frontend import coherent_frontend
from softran.optical.link import Link
from softran.optical.transmitter import OPTICAL_MODULATIONS, DPTransmitter, laser_phase_noise
from softran.validation import check_allocation, check_int, check_name, check_positive, check_real

__all__ = ["OSNR_REFERENCE_BANDWIDTH", "LinkResult", "osnr_to_snr", "simulate_link",
           "snr_to_osnr"]

#: Reference bandwidth of the OSNR [Hz]: 0.1 nm at 1550 nm, taken as 12.5 GHz (the usual
#: convention, e.g. ITU-T G.697 / G.698.2 OSNR figures).
OSNR_REFERENCE_BANDWIDTH: float = 12.5e9

_POLS = ("X", "Y")


_real = check_real


def _nonneg(name: str, value: object) -> float:
    return check_real(name, value, low=0.0)


def osnr_to_snr(osnr_db: float, symbol_rate: float,
                reference_bandwidth: float = OSNR_REFERENCE_BANDWIDTH) -> float:
    """SNR (Es/N0 per polarisation) [dB] of a dual-polarisation signal from its OSNR [dB]:
    ``SNR = OSNR B_ref / R_s`` (Essiambre et al., JLT 28(4) 2010, eq. (33) with ``p = 2``;
    ASE in both polarisations, matched-filter receiver).

    >>> round(osnr_to_snr(20.0, 32e9), 3)       # 20 dB + 10 log10(12.5 / 32)
    15.918
    """
    osnr_db = _real("osnr_db", osnr_db)
    symbol_rate = check_positive("symbol_rate", symbol_rate)
    reference_bandwidth = check_positive("reference_bandwidth", reference_bandwidth)
    return osnr_db + 10 * math.log10(reference_bandwidth / symbol_rate)


def snr_to_osnr(snr_db: float, symbol_rate: float,
                reference_bandwidth: float = OSNR_REFERENCE_BANDWIDTH) -> float:
    """Inverse of :func:`osnr_to_snr`: ``OSNR = SNR R_s / B_ref`` (Essiambre 2010 eq. (33)).

    >>> round(snr_to_osnr(15.918, 32e9), 3)
    20.0
    """
    snr_db = _real("snr_db", snr_db)
    symbol_rate = check_positive("symbol_rate", symbol_rate)
    reference_bandwidth = check_positive("reference_bandwidth", reference_bandwidth)
    return snr_db - 10 * math.log10(reference_bandwidth / symbol_rate)


class _SpanEndEDFA(EDFA):
    """A lumped loss ``extra_loss_db`` (connectors, splices) followed by an EDFA; with
    ``gain_db = 0`` and ``noise_figure_db = 0`` it is a noiseless attenuator (the ASE factor
    ``G NF - 1`` is zero)."""

    def __init__(self, extra_loss_db: float, gain_db: float, noise_figure_db: float, *,
                 frequency: float, seed: int | None) -> None:
        super().__init__(gain_db, noise_figure_db, frequency=frequency, seed=seed)
        self.extra_loss_db = extra_loss_db

    def forward(self, field: torch.Tensor, fs: float) -> torch.Tensor:
        return super().forward(field * 10.0 ** (-self.extra_loss_db / 20.0), fs)


@dataclass(frozen=True)
class LinkResult:
    """Result of :func:`simulate_link`. Metric tensors are float64 ``[*batch_shape, n_pol]``
    (per polarisation X, Y; per independent run along the batch dimensions):

    ``ber``, ``ser`` (hard decisions), ``evm`` (RMS, ratio), ``snr_db`` (data-aided, Schmogrow
    2012), ``q_db`` (from the BER, ``inf`` when no bit error was counted), ``gmi`` and ``mi``
    [bit/symbol per polarisation] (Alvarado 2018), ``fec_margin_db`` (per name of
    :data:`~softran.optical.metrics.FEC_THRESHOLDS`: ``Q_dB(BER) - Q_dB(threshold)``).
    ``received`` (aligned, gain removed) and ``transmitted`` symbols ``[..., n_pol, n]`` and
    the ``bits`` ``[..., n_pol, n Q_m]`` of the measured symbols; ``snr_ase_db`` the SNR that
    the ASE and the noise loading alone would give (linear noise, no DSP or NLI penalty);
    ``snr_loading_db`` the receiver noise loading (``None``: none).
    """

    modulation: str
    symbol_rate: float
    sps: int
    launch_power_dbm: float
    n_spans: int
    length_km: float
    accumulated_dispersion: float
    ber: torch.Tensor
    ser: torch.Tensor
    evm: torch.Tensor
    snr_db: torch.Tensor
    q_db: torch.Tensor
    gmi: torch.Tensor
    mi: torch.Tensor
    fec_margin_db: Mapping[str, torch.Tensor]
    received: torch.Tensor
    transmitted: torch.Tensor
    bits: torch.Tensor
    snr_ase_db: float
    snr_loading_db: float | None

    @property
    def n_symbols(self) -> int:
        """Measured symbols per polarisation and run."""
        return int(self.received.shape[-1])

    @property
    def n_bits(self) -> int:
        """Measured bits per polarisation and run."""
        return int(self.bits.shape[-1])

    @property
    def ber_total(self) -> torch.Tensor:
        """BER over both polarisations ``[*batch_shape]`` (equal bit counts: the mean)."""
        return self.ber.mean(-1)

    @property
    def snr_total_db(self) -> torch.Tensor:
        """SNR [dB] over both polarisations ``[*batch_shape]``: total signal over total noise,
        ``-10 log10 mean_p(1 / SNR_p)`` (equal signal power per polarisation)."""
        return -10 * torch.log10((10 ** (-self.snr_db / 10)).mean(-1))

    @property
    def gmi_total(self) -> torch.Tensor:
        """GMI [bit per dual-polarisation symbol] ``[*batch_shape]``: the sum over X and Y."""
        return self.gmi.sum(-1)

    def table(self, fec: str = "400ZR-CFEC") -> Any:
        """The metrics as a ``rich.table.Table``: one row per polarisation and one for both;
        independent runs (batch dimensions) are pooled (BER, SER, GMI, MI averaged, SNR as
        total signal over total noise).

        >>> r = simulate_link(None, modulation="QPSK", n_symbols=2048, snr_db=12.0,
        ...                   linewidth=0.0, warm_up=2048)
        >>> t = r.table()
        >>> t.row_count, [c.header for c in t.columns][:3]
        (3, ['pol', 'BER', 'SER'])
        """
        from rich.markup import escape
        from rich.table import Table

        fec = check_name("fec", fec, list(metrics.FEC_THRESHOLDS))
        n_pol = self.ber.shape[-1]

        def pool(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(-1, n_pol).mean(0)

        ber = pool(self.ber)
        ser = pool(self.ser)
        nsr = pool(10 ** (-self.snr_db / 10))
        gmi = pool(self.gmi)
        mi = pool(self.mi)
        rows = [(_POLS[p] if n_pol == 2 else "X", ber[p], ser[p], nsr[p], gmi[p], mi[p])
                for p in range(n_pol)]
        if n_pol == 2:
            rows.append(("X+Y", ber.mean(), ser.mean(), nsr.mean(), gmi.sum(), mi.sum()))
        runs = self.ber[..., 0].numel()
        title = (f"DP-{self.modulation} {self.symbol_rate / 1e9:g} GBd, {self.n_spans} span(s) "
                 f"{self.length_km:g} km, launch {self.launch_power_dbm:g} dBm; "
                 f"{self.n_symbols} symbols/pol x {runs} run(s); ASE-only SNR "
                 f"{self.snr_ase_db:.2f} dB")
        table = Table(title=escape(title), title_justify="left")
        for col in ("pol", "BER", "SER", "EVM (%)", "SNR (dB)", "Q (dB)", "GMI (bit)",
                    "MI (bit)", f"margin {fec} (dB)"):
            table.add_column(escape(col), justify="right")
        for name, b, s, n, g, m in rows:
            q = _q_db(b)
            margin = q - float(metrics.q_factor(metrics.FEC_THRESHOLDS[fec]))
            table.add_row(name, f"{float(b):.3e}", f"{float(s):.3e}",
                          f"{100 * math.sqrt(float(n)):.2f}", f"{-10 * math.log10(float(n)):.2f}",
                          f"{float(q):.2f}", f"{float(g):.4f}", f"{float(m):.4f}",
                          f"{float(margin):+.2f}")
        return table


def _q_db(ber: torch.Tensor) -> torch.Tensor:
    """Q [dB] of a BER (:func:`metrics.q_factor`), ``inf`` for BER = 0, ``-inf`` for >= 0.5."""
    ber = torch.as_tensor(ber, dtype=torch.float64)
    ok = (ber > 0) & (ber < 0.5)
    q = metrics.q_factor(torch.where(ok, ber, torch.full_like(ber, 1e-3)))
    inf = torch.full_like(q, math.inf)
    return torch.where(ok, q, torch.where(ber <= 0, inf, -inf))


def _spans_from_link(link: Link) -> tuple[list[FibreSpan], list[EDFA | None]]:
    """FibreSpans and amplifiers of a planner :class:`Link` (extra and output-connector loss
    lumped at the span end; an input connector loss is refused)."""
    frequency = link.transceiver.centre_frequency_thz * 1e12
    spans: list[FibreSpan] = []
    amps: list[EDFA | None] = []
    for s in link.spans:
        if s.con_in_db > 0:
            raise ValueError(f"{link.source}: spans[{s.entry}].con_in_db = {s.con_in_db}: an "
                             "input connector loss is not modelled by simulate_link (plan the "
                             "line, or give the loss as the previous span's con_out_db)")
        end_loss = s.extra_loss_db + s.con_out_db
        f = s.fibre
        spans.append(FibreSpan(length_km=s.length_km, alpha_db_km=f.alpha_db_km,
                               dispersion=f.dispersion_ps_nm_km, slope=f.slope_ps_nm2_km,
                               gamma_w_km=f.gamma_per_w_km, a_eff_um2=f.a_eff_um2))
        if s.amplifier is None and end_loss == 0:
            amps.append(None)
        elif s.amplifier is None:
            amps.append(_SpanEndEDFA(end_loss, 0.0, 0.0, frequency=frequency, seed=None))
        elif end_loss:
            amps.append(_SpanEndEDFA(end_loss, s.amplifier.gain_db,
                                     s.amplifier.noise_figure_db, frequency=frequency,
                                     seed=None))
        else:
            amps.append(EDFA(s.amplifier.gain_db, s.amplifier.noise_figure_db,
                             frequency=frequency))
    return spans, amps


def _nominal_chain(launch_w: float, spans: Sequence[FibreSpan],
                   amps: Sequence[EDFA | None], symbol_rate: float) -> tuple[float, float]:
    """(nominal received signal power [W], ASE noise-to-signal ratio in R_s): the signal
    power through the chain, and ``sum_a P_ASE,a / P_a`` with ``P_ASE = (G NF - 1) h nu R_s``
    (both polarisations, :func:`softran.optical.amplifier.ase_power` times 2)."""
    p = launch_w
    nsr = 0.0
    for span, amp in zip(spans, amps):
        p *= 10.0 ** (-span.loss_db / 10.0)
        if amp is None:
            continue
        p *= 10.0 ** (-getattr(amp, "extra_loss_db", 0.0) / 10.0)
        g = (10.0 ** (amp.gain_db / 10.0) if amp.gain_db is not None
             else 1e-3 * 10.0 ** (amp.target_power_dbm / 10.0) / p)
        p *= g
        nf = 10.0 ** (amp.noise_figure_db / 10.0)
        nsr += (g * nf - 1.0) * PLANCK * amp.frequency * symbol_rate / p
    return p, nsr


def _seeds(seed: int, n: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return [int(v) for v in torch.randint(0, 2 ** 62, (n,), generator=g)]


def simulate_link(link_or_spans: Link | FibreLink | FibreSpan | Sequence[FibreSpan] | None, *,
                  modulation: str | None = None, symbol_rate: float | None = None,
                  sps: int = 2, n_symbols: int = 2 ** 14,
                  launch_power_dbm: float | None = None, roll_off: float | None = None,
                  linewidth: float = 100e3, lo_linewidth: float | None = None,
                  frequency_offset: float = 0.0, noise_figure_db: float = 5.0,
                  osnr_db: float | None = None, snr_db: float | None = None,
                  max_phase_rotation: float = 5e-3, step: float | None = None,
                  adc_bits: int | None = None, receiver: CoherentReceiver | None = None,
                  receiver_options: Mapping[str, Any] | None = None,
                  warm_up: int = 8192, guard: int = 64, batch_shape: Sequence[int] = (),
                  seed: int = 0, dtype: torch.dtype = torch.complex64,
                  device: torch.device | str | None = None) -> LinkResult:
    """Simulate one dual-polarisation coherent channel end to end and measure it (Savory 2010,
    Fig. 1-2; module docstring for the chain and every assumption).

    Args:
        link_or_spans: the line: a planner :class:`~softran.optical.link.Link`
            (:func:`~softran.optical.link.load_link` of a TOML file), a
            :class:`~softran.optical.fibre.FibreLink` (its own amplifiers and step rule), a
            :class:`~softran.optical.fibre.FibreSpan` or a list of them (an
            ``EDFA.for_span(span, noise_figure_db)`` after each), or ``None`` / ``[]`` for
            back to back (only the noise loading).
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"``, ``"256QAM"`` (default: the link's
            ``transceiver.modulation``, else ``"16QAM"``).
        symbol_rate: R_s [Bd] (default: the link's, else 32 GBd).
        sps: samples per symbol of the simulation (even, >= 2).
        n_symbols: symbols per polarisation in one period of the transmitter.
        launch_power_dbm: launch power of the channel [dBm] (default: the link's, else 0).
        roll_off: RRC roll-off (default: the link's, else 0.1).
        linewidth: transmitter laser linewidth [Hz]. lo_linewidth: the LO's (default the same).
        frequency_offset: signal carrier minus LO frequency [Hz], ``|f| < R_s / 8`` (range of
            the 4th-power estimator).
        noise_figure_db: NF of the EDFAs added after a list of FibreSpans.
        osnr_db, snr_db: receiver noise loading (at most one): OSNR in 0.1 nm, or Es/N0 per
            polarisation (module docstring). Default: the link's ``back_to_back_snr_db``,
            else none.
        max_phase_rotation, step: split-step rule (:func:`~softran.optical.fibre.ssfm`).
        adc_bits: ADC resolution of the front end (``None``: no quantisation).
        receiver: a :class:`~softran.optical.dsp.CoherentReceiver` to use as is (its CDC must
            match the line); default one built for the line with ``receiver_options``
            (keyword arguments of ``CoherentReceiver``, e.g. ``n_taps``, ``schedule``, ``cpr``).
        warm_up: symbols the DSP runs before the measured period (equaliser convergence).
        guard: symbols left out at each end of the measured period.
        batch_shape: leading shape of independent runs (other data, noise, phase noise).
        seed: seed of every random generator (transmitter, amplifiers, LO, noise loading).
        dtype: field dtype in the fibre: complex64 (default; its error stays 1e-4 or less
            of the signal over 5 x 80 km, far below the ASE: ``tests/optical/test_fibre.py``)
            or complex128. device: where to run.

    Returns:
        :class:`LinkResult` (metrics ``[*batch_shape, 2]``).

    >>> r = simulate_link([FibreSpan(80.0)], modulation="QPSK", n_symbols=2048,
    ...                   launch_power_dbm=0.0, warm_up=4096)
    >>> r.n_symbols, float(r.ber.max()), bool((r.gmi > 1.99).all())
    (1920, 0.0, True)
    """
    # ---- the line -----------------------------------------------------------------------
    tx_defaults: dict[str, Any] = {}
    snr_b2b: float | None = None
    fibre_link: FibreLink | None = None
    own_amps = True                   # amplifiers made here are reseeded from ``seed``
    if isinstance(link_or_spans, Link):
        from softran.optical.planner import plan

        t = link_or_spans.transceiver
        tx_defaults = {"modulation": t.modulation, "symbol_rate": link_or_spans.symbol_rate,
                       "roll_off": t.roll_off, "launch_power_dbm": t.launch_power_dbm}
        if t.launch_power_dbm is None:     # the planner's optimum (worst WDM channel)
            tx_defaults["launch_power_dbm"] = plan(link_or_spans).launch_power_dbm
        snr_b2b = t.back_to_back_snr_db
        spans, amps = _spans_from_link(link_or_spans)
    elif isinstance(link_or_spans, FibreLink):
        fibre_link, own_amps = link_or_spans, False
        spans = list(fibre_link.spans)
        amps = [a if isinstance(a, EDFA) else None for a in fibre_link.amplifiers]
    elif link_or_spans is None:
        spans, amps = [], []
    else:
        spans = ([link_or_spans] if isinstance(link_or_spans, FibreSpan)
                 else list(link_or_spans) if isinstance(link_or_spans, Sequence)
                 and not isinstance(link_or_spans, (str, bytes)) else None)
        if spans is None:
            raise TypeError("link_or_spans must be a Link, a FibreLink, a FibreSpan, a list of "
                            f"FibreSpan or None, got {type(link_or_spans).__name__}")
        for i, s in enumerate(spans):
            if not isinstance(s, FibreSpan):
                raise TypeError(f"link_or_spans[{i}] must be a FibreSpan, got "
                                f"{type(s).__name__}")
        amps = [EDFA.for_span(s, noise_figure_db) for s in spans]

    # ---- parameters ---------------------------------------------------------------------
    modulation = check_name("modulation", modulation if modulation is not None
                            else tx_defaults.get("modulation") or "16QAM", OPTICAL_MODULATIONS)
    symbol_rate = check_positive("symbol_rate", symbol_rate if symbol_rate is not None
                                 else tx_defaults.get("symbol_rate", 32e9))
    sps = check_int("sps", sps, 2)
    if sps % 2:
        raise ValueError(f"sps = {sps} is not allowed; the receiver needs an even number >= 2")
    n_symbols = check_int("n_symbols", n_symbols, 1)
    guard = check_int("guard", guard, 0)
    if n_symbols - 2 * guard < 64:
        raise ValueError(f"n_symbols = {n_symbols} leaves {n_symbols - 2 * guard} measured "
                         f"symbols after guard = {guard} at each end; at least 64 are needed")
    warm_up = check_int("warm_up", warm_up, 0)
    lp = launch_power_dbm if launch_power_dbm is not None else tx_defaults.get(
        "launch_power_dbm")
    launch_power_dbm = _real("launch_power_dbm", 0.0 if lp is None else lp)
    ro = roll_off if roll_off is not None else tx_defaults.get("roll_off", 0.1)
    linewidth = _nonneg("linewidth", linewidth)
    lo_linewidth = linewidth if lo_linewidth is None else _nonneg("lo_linewidth", lo_linewidth)
    frequency_offset = _real("frequency_offset", frequency_offset)
    if abs(frequency_offset) >= symbol_rate / 8:
        raise ValueError(f"frequency_offset = {frequency_offset} Hz is not allowed; the "
                         f"4th-power estimator resolves |f| < symbol_rate / 8 = "
                         f"{symbol_rate / 8:g} Hz")
    if osnr_db is not None and snr_db is not None:
        raise ValueError("give at most one of osnr_db and snr_db")
    if osnr_db is not None:
        snr_load: float | None = osnr_to_snr(osnr_db, symbol_rate)
    elif snr_db is not None:
        snr_load = _real("snr_db", snr_db)
    else:
        snr_load = snr_b2b
    seed = check_int("seed", seed, 0)
    batch_shape = tuple(check_int("batch_shape", d, 1) for d in batch_shape)
    if receiver is not None and not isinstance(receiver, CoherentReceiver):
        raise TypeError(f"receiver must be a CoherentReceiver, got {type(receiver).__name__}")
    if receiver is not None and receiver_options:
        raise ValueError("give receiver or receiver_options, not both")
    dev = torch.device("cpu") if device is None else torch.device(device)
    # two polarisations at sps samples per symbol through transmitter, fibre (split-step
    # buffers), front end and DSP: about a dozen complex128 copies of the field
    check_allocation("n_symbols", n_symbols,
                     math.prod(batch_shape) * 2 * (n_symbols + warm_up) * sps * 12 * 16,
                     device=dev)

    seeds = _seeds(seed, 3 + len(spans))
    tx = DPTransmitter(symbol_rate, sps, modulation, ro, launch_power_dbm, linewidth,
                       seed=seeds[0], dtype=dtype, device=dev)
    fs = tx.fs
    for a, s in zip(amps, seeds[3:]):
        if a is not None and own_amps:      # reproducible runs: every noise from ``seed``
            a.seed = s
            a.reset()
    if fibre_link is None and spans:
        fibre_link = FibreLink(spans, amps, step=step, max_phase_rotation=max_phase_rotation)

    # ---- transmit, propagate, load noise -------------------------------------------------
    field, symbols, bits = tx(n_symbols, batch_shape)
    if fibre_link is not None:
        field = fibre_link(field, fs)
    p_rx, nsr_ase = _nominal_chain(tx.launch_power, spans, amps, symbol_rate)
    gen = torch.Generator(device=dev).manual_seed(seeds[1])
    if snr_load is not None:
        n0 = p_rx / 2 / symbol_rate / 10 ** (snr_load / 10)          # W/Hz per polarisation
        noise = torch.randn(field.shape, dtype=field.dtype, device=dev, generator=gen)
        field = field + noise * math.sqrt(n0 * fs)
        nsr_ase += 10 ** (-snr_load / 10)
    snr_ase_db = math.inf if nsr_ase == 0 else -10 * math.log10(nsr_ase)

    # ---- the DSP stream: warm-up, the measured period, a tail ----------------------------
    length = sum(s.length for s in spans)
    d_l = sum(s.dispersion * 1e-6 * s.length for s in spans)          # s/m
    wavelength = spans[0].reference_wavelength if spans else REFERENCE_WAVELENGTH
    cd_memory = cd_filter_length(d_l / length, length, fs, wavelength) // sps if length else 0
    tail = 256 + cd_memory
    n_stream = (warm_up + n_symbols + tail) * sps
    idx = (torch.arange(n_stream, device=dev) - warm_up * sps) % (n_symbols * sps)
    stream = field[..., idx]
    t = torch.arange(n_stream, dtype=torch.float64, device=dev) / fs
    lo_phase = -2 * math.pi * frequency_offset * t
    if lo_linewidth > 0:
        lo_phase = lo_phase + laser_phase_noise(lo_linewidth, fs, (*batch_shape, 1, n_stream),
                                                gen)
    lo_power = 1e-3
    lo = torch.polar(torch.full_like(lo_phase, math.sqrt(lo_power / 2)), lo_phase)
    rx_in = coherent_frontend(stream, lo.to(stream.dtype), adc_bits=adc_bits)
    if receiver is None:
        opts = dict(receiver_options or {})
        opts.setdefault("rolloff", tx.roll_off)
        if length:
            opts.setdefault("dispersion", d_l / length)
            opts.setdefault("length", length)
            opts.setdefault("wavelength", wavelength)
        receiver = CoherentReceiver(modulation, symbol_rate, sps, **opts)
    y = receiver(rx_in)[..., warm_up:warm_up + n_symbols]

    # ---- align, remove the gain, measure -------------------------------------------------
    ref = symbols.to(y.dtype)
    y = metrics.align_symbols(y, ref)
    keep = slice(guard, n_symbols - guard)
    q = bits_per_symbol(modulation)
    y, ref = y[..., keep], ref[..., keep]
    b = bits[..., guard * q:(n_symbols - guard) * q]
    gain = (ref.conj() * y).mean(-1, keepdim=True) / ref.abs().square().mean(-1, keepdim=True)
    y = (y / gain).to(torch.complex64)
    ber = metrics.ber(y, b, modulation)
    snr_lin = metrics.snr(y, ref)
    q_db = _q_db(ber)
    margins = {name: q_db - metrics.q_factor(th) for name, th in metrics.FEC_THRESHOLDS.items()}
    return LinkResult(
        modulation=modulation, symbol_rate=symbol_rate, sps=sps,
        launch_power_dbm=launch_power_dbm, n_spans=len(spans),
        length_km=sum(s.length_km for s in spans), accumulated_dispersion=d_l,
        ber=ber, ser=metrics.ser(y, ref, modulation), evm=snr_lin.rsqrt(),
        snr_db=10 * torch.log10(snr_lin), q_db=q_db, gmi=metrics.gmi(y, b, modulation),
        mi=metrics.mi(y, b, modulation), fec_margin_db=margins, received=y,
        transmitted=ref, bits=b, snr_ase_db=snr_ase_db, snr_loading_db=snr_load)
