"""GN-model link planner: per-span noise budget, GSNR per channel, optimum launch power,
achievable rate, the modulation that closes, latency; and the fronthaul bridge.

Model (closed-form GN model of :mod:`softran.optical.gn_model`; Poggiolini, J. Lightw.
Technol. 2012 / 2014). All channels are launched at the same power ``P0`` per channel into
the first span; span ``s`` starts at ``g_s P0`` where ``g_s`` is the product of the span
losses and amplifier gains before it (``g_s = 1`` on a transparent line). Noise is referred
to the signal where it is added and the noise-to-signal ratios add up (incoherent
accumulation over spans and amplifiers)::

    1/GSNR_i(P0) = A_i / P0 + B_i P0² + 1/SNR_trx
    A_i = Σ_amplifiers P_ASE,a,i / g_out,a        (ASE at amplifier a's output, power g_out,a P0)
    B_i = Σ_spans η_s,i (g_s c_s)²                (NLI of span s at its fibre launch power)

with ``P_ASE`` of :func:`~softran.optical.gn_model.ase_power_dual_pol` in the noise
bandwidth ``R_s`` at the channel's frequency, ``c_s`` the transmission of the span's input
connector (``con_in_db``; the fibre is launched at ``g_s c_s P0``) and ``η_s,i`` the NLI
coefficient of :func:`~softran.optical.gn_model.nli_power_per_channel` for the span's fibre
(at unit channel powers): the 1550 nm ``β2`` and ``γ`` on every channel, or with
``[model] frequency_dependent = true`` ``β2(f)`` from the dispersion slope and ``γ(f)``
from the effective area (:class:`~softran.optical.fibre_model.FibreModel`). Stimulated Raman
scattering and NLI from the total power (``[model] srs`` / ``nli_from_total_power``) are
not in this closed form: :mod:`softran.optical.network_plan` propagates the spectrum with
them. The optimum of
channel ``i`` is ``P_opt,i = (A_i / (2 B_i))^(1/3)``; the plan launches every channel at the
optimum of the *worst* channel (the one whose best GSNR is lowest; the centre of the band,
which collects the most NLI) unless ``transceiver.launch_power_dbm`` fixes it.

Rates: Shannon ``2 R_s log2(1 + GSNR)`` per channel; a modulation closes when the worst
channel's GSNR is at least its required SNR plus ``margin_db``; its net rate is
``2 R_s log2(M) / (1 + fec_overhead)``. Latency: ``Σ n_g L / c`` over the spans (fibre only;
no DSP, FEC or equipment delay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from softran.optical.gn_model import (
    MODULATION_FORMATS,
    ase_power_dual_pol,
    fibre_latency,
    line_rate,
    nli_power_per_channel,
    shannon_rate,
)
from softran.optical.link import Link, load_link
from softran.optical.units import db_to_linear, dbm_to_watt, linear_to_db, watt_to_dbm
from softran.validation import check_positive, check_tensor

__all__ = [
    "FronthaulFit",
    "LineNoise",
    "ModulationCheck",
    "PlanResult",
    "SpanRow",
    "fronthaul_fits",
    "gsnr_vs_power",
    "line_noise",
    "plan",
    "plan_cli",
    "plan_summary_table",
    "plan_table",
    "plot_gsnr_vs_power",
]


@dataclass(frozen=True)
class LineNoise:
    """Noise coefficients of a line (module docstring), per channel ``[n_channels]``:
    ``ase`` = ``A_i`` [W], ``nli`` = ``B_i`` [1/W²], and per span ``[n_spans, n_channels]``:
    ``span_ase`` (``P_ASE / g_out``, zero without amplifier), ``span_nli`` (``η (g_s c_s)²``);
    ``gain_profile`` ``g_s`` and ``fibre_launch`` ``g_s c_s`` ``[n_spans]`` (``c_s`` the input
    connector's transmission); ``snr_trx`` (linear, ``inf`` if ideal)."""

    frequencies: torch.Tensor
    ase: torch.Tensor
    nli: torch.Tensor
    span_ase: torch.Tensor
    span_nli: torch.Tensor
    gain_profile: torch.Tensor
    snr_trx: float
    fibre_launch: torch.Tensor


def line_noise(link: Link) -> LineNoise:
    """ASE and NLI coefficients ``A_i``, ``B_i`` of every channel of ``link`` (closed-form GN
    model with incoherent accumulation; module docstring, Poggiolini 2012).

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 1},
    ...     "spans": [{"length_km": 80, "count": 2}], "amplifier_per_span": {
    ...     "noise_figure_db": 5}})
    >>> n = line_noise(link)
    >>> bool(torch.allclose(n.span_nli[0], n.span_nli[1])), n.ase.shape
    (True, torch.Size([1]))
    """
    if not isinstance(link, Link):
        raise TypeError(f"link must be a Link (load_link / validate_link), got "
                        f"{type(link).__name__}")
    freqs = link.channel_frequencies()
    rs = link.symbol_rate
    n_spans, n_ch = len(link.spans), freqs.shape[0]
    span_ase = torch.zeros(n_spans, n_ch, dtype=torch.float64)
    span_nli = torch.zeros(n_spans, n_ch, dtype=torch.float64)
    profile = torch.empty(n_spans, dtype=torch.float64)
    launch = torch.empty(n_spans, dtype=torch.float64)
    g = 1.0
    eta_cache: dict[object, torch.Tensor] = {}
    ones = torch.ones_like(freqs)
    for s, span in enumerate(link.spans):
        profile[s] = g
        fm = span.fibre_model(link.model.frequency_dependent)
        key = replace(fm, con_in_db=0.0, con_out_db=0.0)
        if key not in eta_cache:
            eta_cache[key] = nli_power_per_channel(
                ones, freqs, rs * ones, alpha=fm.alpha(freqs), beta2=fm.beta2(freqs),
                gamma=fm.gamma_at(freqs), length=fm.length)
        launch[s] = g * db_to_linear(-span.con_in_db)
        span_nli[s] = eta_cache[key] * launch[s] ** 2
        g = g * db_to_linear(-span.loss_db)
        if span.amplifier is not None:
            g = g * db_to_linear(span.amplifier.gain_db)
            p_ase = ase_power_dual_pol(span.amplifier.noise_figure_db, span.amplifier.gain_db,
                                       freqs, rs)
            span_ase[s] = p_ase / g
    b2b = link.transceiver.back_to_back_snr_db
    snr_trx = math.inf if b2b is None else db_to_linear(b2b)
    return LineNoise(frequencies=freqs, ase=span_ase.sum(0), nli=span_nli.sum(0),
                     span_ase=span_ase, span_nli=span_nli, gain_profile=profile,
                     snr_trx=snr_trx, fibre_launch=launch)


def _gsnr(p0: torch.Tensor, ase: torch.Tensor, nli: torch.Tensor, snr_trx: float
          ) -> torch.Tensor:
    return 1.0 / (ase / p0 + nli * p0 ** 2 + 1.0 / snr_trx)


def gsnr_vs_power(link: Link, launch_power_dbm: torch.Tensor) -> torch.Tensor:
    """GSNR [dB] of every channel at launch powers per channel ``launch_power_dbm``
    ``[...]``: returns ``[..., n_channels]`` (``1/GSNR = A/P + B P² + 1/SNR_trx``, module
    docstring).

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 3},
    ...     "spans": [{"length_km": 80}], "amplifier_per_span": {"noise_figure_db": 5}})
    >>> gsnr_vs_power(link, torch.tensor([0.0, 3.0])).shape
    torch.Size([2, 3])
    """
    p = check_tensor("launch_power_dbm", launch_power_dbm)
    if p.is_complex():
        raise TypeError("launch_power_dbm must be real")
    n = line_noise(link)
    p0 = dbm_to_watt(p.to(torch.float64)).unsqueeze(-1)
    return linear_to_db(_gsnr(p0, n.ase, n.nli, n.snr_trx))


@dataclass(frozen=True)
class SpanRow:
    """One row of the per-span table, for the worst channel at the plan's launch power:
    ``launch_power_dbm`` into the span, ``p_ase_dbm`` added by its amplifier (at the
    amplifier output), ``p_nli_dbm`` generated in it (referred to its input), ``snr_db`` of
    this span alone, ``gsnr_db`` of the line up to here (without the transceiver),
    cumulative ``distance_km`` and ``delay_us``."""

    index: int
    fibre: str
    length_km: float
    loss_db: float
    gain_db: float | None
    noise_figure_db: float | None
    launch_power_dbm: float
    p_ase_dbm: float | None
    p_nli_dbm: float
    snr_db: float
    gsnr_db: float
    distance_km: float
    delay_us: float


@dataclass(frozen=True)
class ModulationCheck:
    """Whether ``modulation`` closes: ``required_snr_db`` (before margin), ``excess_db``
    = worst GSNR - required - margin (>= 0 closes), ``net_rate_bps`` per channel."""

    modulation: str
    required_snr_db: float
    excess_db: float
    net_rate_bps: float

    @property
    def closes(self) -> bool:
        """``excess_db >= 0``."""
        return self.excess_db >= 0.0


@dataclass(frozen=True)
class PlanResult:
    """Result of :func:`plan` (see the field docs of :class:`SpanRow`):

    ``frequencies`` [Hz] and ``gsnr_db`` ``[n_channels]`` at ``launch_power_dbm``;
    ``optimum_launch_power_dbm`` (``None`` on a line without amplifiers); ``worst_channel``;
    ``rows``; ``latency_s`` (one way); ``shannon_rate_bps`` ``[n_channels]``;
    ``modulations`` (one :class:`ModulationCheck` per candidate); ``modulation``, the
    densest that closes (or ``None``)."""

    link: Link
    frequencies: torch.Tensor
    launch_power_dbm: float
    optimum_launch_power_dbm: float | None
    gsnr_db: torch.Tensor
    gsnr_ase_db: torch.Tensor
    gsnr_nli_db: torch.Tensor
    worst_channel: int
    rows: tuple[SpanRow, ...]
    latency_s: float
    shannon_rate_bps: torch.Tensor
    modulations: tuple[ModulationCheck, ...]
    modulation: str | None

    @property
    def worst_gsnr_db(self) -> float:
        """GSNR [dB] of the worst channel."""
        return float(self.gsnr_db[self.worst_channel])

    @property
    def net_rate_bps(self) -> float | None:
        """Net rate per channel [bit/s] of :attr:`modulation` (``None`` if none closes)."""
        for m in self.modulations:
            if m.modulation == self.modulation:
                return m.net_rate_bps
        return None


def plan(link: Link) -> PlanResult:
    """Plan ``link`` with the closed-form GN model (module docstring; Poggiolini 2012/2014):
    GSNR per channel at the optimum (or the file's) launch power, the per-span budget of the
    worst channel, Shannon rate, the modulations that close, and the fibre latency.

    One 80 km SSMF span, NF 5 dB, 64 GBd: ASE-limited GSNR at 0 dBm is
    ``1 mW / P_ASE`` = 1 mW / 1.0227 µW = 29.90 dB (the ASE power of the amplifier's 16 dB
    gain at 193.1 THz in 64 GHz); the NLI at 0 dBm is about 10 dB below the ASE, so the
    GSNR is about 0.4 dB lower:

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 1,
    ...     "launch_power_dbm": 0.0}, "spans": [{"length_km": 80}],
    ...     "amplifier_per_span": {"noise_figure_db": 5}})
    >>> r = plan(link)
    >>> round(float(r.gsnr_ase_db[0]), 2), 29.0 < r.worst_gsnr_db < 29.9
    (29.9, True)
    """
    n = line_noise(link)
    t = link.transceiver
    has_ase = bool((n.ase > 0).all())
    if has_ase:
        p_opt_ch = (n.ase / (2.0 * n.nli)) ** (1.0 / 3.0)
        best = _gsnr(p_opt_ch, n.ase, n.nli, n.snr_trx)
        worst = int(torch.argmin(best))
        p_opt = float(p_opt_ch[worst])
        p_opt_dbm: float | None = watt_to_dbm(p_opt)
    else:
        p_opt_dbm = None
    p0_dbm = t.launch_power_dbm if t.launch_power_dbm is not None else p_opt_dbm
    assert p0_dbm is not None  # validate_link requires launch_power_dbm without amplifiers
    p0 = dbm_to_watt(p0_dbm)
    gsnr_lin = _gsnr(torch.tensor(p0, dtype=torch.float64), n.ase, n.nli, n.snr_trx)
    if not has_ase:
        worst = int(torch.argmin(gsnr_lin))
    gsnr_db = linear_to_db(gsnr_lin)
    with torch.no_grad():
        ase_db = torch.where(n.ase > 0, linear_to_db(p0 / n.ase.clamp_min(1e-300)),
                             torch.full_like(n.ase, math.inf))
    nli_db = linear_to_db(1.0 / (n.nli * p0 ** 2))

    rows = []
    dist = 0.0
    delay = 0.0
    inv_cum = 0.0
    rs = link.symbol_rate
    for s, span in enumerate(link.spans):
        p_in = p0 * float(n.gain_profile[s])
        nsr_nli = float(n.span_nli[s, worst]) * p0 ** 2
        nsr_ase = float(n.span_ase[s, worst]) / p0
        inv_cum += nsr_nli + nsr_ase
        dist += span.length_km
        delay += fibre_latency(span.length, span.fibre.group_index)
        amp = span.amplifier
        p_ase_dbm = None
        if amp is not None:
            p_ase = float(ase_power_dual_pol(amp.noise_figure_db, amp.gain_db,
                                             float(n.frequencies[worst]), rs))
            p_ase_dbm = watt_to_dbm(p_ase)
        rows.append(SpanRow(
            index=s + 1, fibre=span.fibre.name, length_km=span.length_km,
            loss_db=span.loss_db, gain_db=None if amp is None else amp.gain_db,
            noise_figure_db=None if amp is None else amp.noise_figure_db,
            launch_power_dbm=watt_to_dbm(p_in), p_ase_dbm=p_ase_dbm,
            p_nli_dbm=watt_to_dbm(float(n.span_nli[s, worst]) / float(n.fibre_launch[s]) ** 2
                                  * (p0 * float(n.fibre_launch[s])) ** 3),
            snr_db=linear_to_db(1.0 / (nsr_nli + nsr_ase)), gsnr_db=linear_to_db(1.0 / inv_cum),
            distance_km=dist, delay_us=delay * 1e6))

    worst_db = float(gsnr_db[worst])
    checks = []
    for name, req in link.required_snrs_db().items():
        net = line_rate(name, rs) / (1.0 + t.fec_overhead)
        checks.append(ModulationCheck(modulation=name, required_snr_db=req,
                                      excess_db=worst_db - req - t.margin_db,
                                      net_rate_bps=net))
    closing = [c for c in checks if c.closes]
    modulation = (max(closing, key=lambda c: MODULATION_FORMATS[c.modulation]).modulation
                  if closing else None)
    return PlanResult(
        link=link, frequencies=n.frequencies, launch_power_dbm=p0_dbm,
        optimum_launch_power_dbm=p_opt_dbm, gsnr_db=gsnr_db, gsnr_ase_db=ase_db,
        gsnr_nli_db=nli_db, worst_channel=worst, rows=tuple(rows), latency_s=delay,
        shannon_rate_bps=shannon_rate(gsnr_lin, rs), modulations=tuple(checks),
        modulation=modulation)


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def plan_table(result: PlanResult, narrow: bool = False) -> Any:
    """The per-span table of a :func:`plan` result as a ``rich.table.Table`` (worst
    channel; powers per channel); ``narrow``: the columns that fit 80 characters (span,
    length, loss, gain, P_in, P_ASE, P_NLI, GSNR of the line so far).

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 3},
    ...     "spans": [{"length_km": 80, "count": 2}],
    ...     "amplifier_per_span": {"noise_figure_db": 5}})
    >>> plan_table(plan(link)).row_count, len(plan_table(plan(link), narrow=True).columns)
    (2, 8)
    """
    from rich.markup import escape
    from rich.table import Table

    r = result
    ch = r.worst_channel
    title = (f"{r.link.name}: {len(r.link.spans)} span(s), {r.link.length_km:g} km; worst "
             f"channel {ch + 1}/{len(r.frequencies)} at {r.frequencies[ch].item() / 1e12:.4f}"
             f" THz; launch {r.launch_power_dbm:.2f} dBm/ch")
    table = Table(title=escape(title), title_justify="left")
    heads = ("span", "fibre", "length\n(km)", "loss\n(dB)", "gain\n(dB)", "NF\n(dB)",
             "P_in\n(dBm)", "P_ASE\n(dBm)", "P_NLI\n(dBm)", "SNR span\n(dB)",
             "GSNR line\n(dB)", "distance\n(km)", "delay\n(µs)")
    keep = (0, 2, 3, 4, 6, 7, 8, 10) if narrow else tuple(range(len(heads)))
    for k in keep:
        table.add_column(heads[k], justify="right", no_wrap=True)
    for row in r.rows:
        cells = (str(row.index), escape(row.fibre), f"{row.length_km:g}",
                 f"{row.loss_db:.2f}", _f(row.gain_db), _f(row.noise_figure_db),
                 f"{row.launch_power_dbm:.2f}", _f(row.p_ase_dbm), f"{row.p_nli_dbm:.2f}",
                 f"{row.snr_db:.2f}", f"{row.gsnr_db:.2f}", f"{row.distance_km:g}",
                 f"{row.delay_us:.1f}")
        table.add_row(*(cells[k] for k in keep))
    return table


def plan_summary_table(result: PlanResult) -> Any:
    """The summary of a :func:`plan` result (GSNR, optimum launch power, rates, modulations,
    latency) as a two-column ``rich.table.Table``.

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 3},
    ...     "spans": [{"length_km": 80}], "amplifier_per_span": {"noise_figure_db": 5}})
    >>> plan_summary_table(plan(link)).row_count > 8
    True
    """
    from rich.markup import escape
    from rich.table import Table

    r = result
    t = r.link.transceiver
    table = Table(title=escape(f"{r.link.name}: summary"), title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("channels", f"{len(r.frequencies)} x {t.symbol_rate_gbd:g} GBd (roll-off "
                     f"{t.roll_off:g}) on {t.channel_spacing_ghz:g} GHz"),
        ("launch power per channel", f"{r.launch_power_dbm:.2f} dBm"),
        ("optimum launch power (worst channel)", _f(r.optimum_launch_power_dbm, "{:.2f} dBm")),
        ("GSNR worst / best channel",
         f"{r.worst_gsnr_db:.2f} / {float(r.gsnr_db.max()):.2f} dB"),
        ("  ASE-only / NLI-only SNR (worst)",
         f"{float(r.gsnr_ase_db[r.worst_channel]):.2f} / "
         f"{float(r.gsnr_nli_db[r.worst_channel]):.2f} dB"),
        ("  transceiver back-to-back SNR", _f(t.back_to_back_snr_db, "{:.2f} dB")),
        ("Shannon rate worst channel (2 pol)",
         f"{float(r.shannon_rate_bps[r.worst_channel]) / 1e9:.1f} Gb/s"),
        ("Shannon rate all channels", f"{float(r.shannon_rate_bps.sum()) / 1e12:.2f} Tb/s"),
    ]
    for m in r.modulations:
        verdict = "closes" if m.closes else "does not close"
        rows.append((f"DP-{m.modulation} (needs {m.required_snr_db:.2f} dB + "
                     f"{t.margin_db:g} dB margin)",
                     f"{verdict} ({m.excess_db:+.2f} dB), {m.net_rate_bps / 1e9:.1f} Gb/s net"))
    rows.append(("modulation", "none closes" if r.modulation is None
                 else f"DP-{r.modulation}, {r.net_rate_bps / 1e9:.1f} Gb/s net per channel"))
    rows.append(("fibre length / one-way latency",
                 f"{r.link.length_km:g} km / {r.latency_s * 1e6:.1f} µs"))
    for key, value in rows:
        table.add_row(escape(key), escape(value))
    return table


def plot_gsnr_vs_power(link: Link, path: str | Path, *, span_db: float = 8.0,
                       n_points: int = 161) -> Path:
    """Save GSNR versus launch power per channel (worst and best channel, with the
    ASE-only and NLI-only asymptotes, the optimum, and the required SNR + margin of each
    candidate modulation) to a .png or .svg; the power axis spans ``±span_db`` around the
    plan's launch power.

    >>> import tempfile, pathlib
    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {
    ...     "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 3},
    ...     "spans": [{"length_km": 80}], "amplifier_per_span": {"noise_figure_db": 5}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = plot_gsnr_vs_power(link, pathlib.Path(d) / "g.svg")
    ...     out.suffix, out.stat().st_size > 1000
    ('.svg', True)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"path = {str(path)!r} is not allowed; the suffix must be .png or .svg")
    span_db = check_positive("span_db", span_db)
    r = plan(link)
    n = line_noise(link)
    p_dbm = torch.linspace(r.launch_power_dbm - span_db, r.launch_power_dbm + span_db,
                           n_points, dtype=torch.float64)
    p0 = dbm_to_watt(p_dbm).unsqueeze(-1)
    g = linear_to_db(_gsnr(p0, n.ase, n.nli, n.snr_trx))
    w = r.worst_channel
    b = int(torch.argmax(r.gsnr_db))
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    x = p_dbm.numpy()
    ax.plot(x, g[:, w].numpy(), lw=2, label=f"GSNR worst channel ({w + 1})")
    if b != w:
        ax.plot(x, g[:, b].numpy(), lw=1.2, ls="--", label=f"GSNR best channel ({b + 1})")
    if float(n.ase[w]) > 0:
        ax.plot(x, linear_to_db(p0[:, 0] / n.ase[w]).numpy(), lw=0.8, color="0.5", ls=":",
                label="ASE only")
    ax.plot(x, linear_to_db(1.0 / (n.nli[w] * p0[:, 0] ** 2)).numpy(), lw=0.8, color="0.3",
            ls="-.", label="NLI only")
    if r.optimum_launch_power_dbm is not None:
        ax.axvline(r.optimum_launch_power_dbm, color="C3", lw=1, ls=":",
                   label=f"optimum {r.optimum_launch_power_dbm:.2f} dBm")
    margin = link.transceiver.margin_db
    for i, m in enumerate(r.modulations):
        ax.axhline(m.required_snr_db + margin, color=f"C{4 + i % 5}", lw=0.9, ls="--",
                   label=f"DP-{m.modulation} needs {m.required_snr_db + margin:.1f} dB")
    finite = g[:, w][torch.isfinite(g[:, w])]
    lo = float(finite.min()) - 3
    hi = float(finite.max()) + 3
    ax.set_ylim(lo, hi)
    ax.set_xlabel("launch power per channel (dBm)")
    ax.set_ylabel("GSNR (dB)")
    ax.set_title(f"{link.name}: GSNR vs launch power (closed-form GN model)", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower center")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plan_cli(path: str | Path, plot_path: str | Path | None = None, *,
             console: Any = None) -> int:
    """Body of ``softran optical plan LINK.toml [--plot FILE]``: load and plan the link,
    print the per-span table and the summary, write the GSNR-versus-launch-power plot;
    returns the exit code 0 (a bad file raises :class:`~softran.optical.link.LinkError`,
    which the CLI reports as one line with exit code 2).
    """
    import sys

    from rich.console import Console

    link = load_link(Path(path))
    result = plan(link)
    out = console if console is not None else Console(
        width=None if sys.stdout.isatty() else 160)
    out.print(plan_table(result))
    out.print(plan_summary_table(result))
    if plot_path is not None:
        written = plot_gsnr_vs_power(link, plot_path)
        out.print(f"wrote {written}")
    return 0


@dataclass(frozen=True)
class FronthaulFit:
    """Result of :func:`fronthaul_fits`: ``capacity_ok`` (the closing modulation's net rate
    over ``channels_needed <= n_channels`` channels carries ``bitrate_bps``), ``delay_ok``
    (one-way fibre delay within ``delay_budget_s``), ``fits`` (both), and the numbers."""

    fits: bool
    capacity_ok: bool
    delay_ok: bool
    bitrate_bps: float
    net_rate_per_channel_bps: float | None
    modulation: str | None
    channels_needed: int | None
    n_channels: int
    one_way_delay_s: float
    delay_budget_s: float
    reason: str


def fronthaul_fits(link: Link, bitrate_bps: float, delay_budget_s: float) -> FronthaulFit:
    """Does ``link`` carry a fronthaul stream of ``bitrate_bps`` within the one-way transport
    delay budget ``delay_budget_s``? Capacity: the densest modulation that closes
    (:func:`plan`) gives a net rate per channel; the stream needs
    ``ceil(bitrate / net rate)`` of the link's channels. Delay: the fibre's one-way group
    delay ``Σ n_g L / c`` (about 4.9 µs/km) against the budget the O-RAN transport
    allows between O-DU and O-RU (O-RAN WG4 CUS-plane delay management: the window
    ``T12_max - T12_min`` of the chosen category; pass the value of your deployment).

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "fh"}, "transceiver": {
    ...     "symbol_rate_gbd": 32, "channel_spacing_ghz": 50, "n_channels": 4,
    ...     "launch_power_dbm": 0.0, "power_budget_db": 10.0},
    ...     "spans": [{"length_km": 20, "amplifier": False}]})
    >>> fit = fronthaul_fits(link, 25e9, 100e-6)
    >>> fit.fits, fit.channels_needed, round(fit.one_way_delay_s * 1e6, 1)
    (True, 1, 97.9)
    """
    bitrate_bps = check_positive("bitrate_bps", bitrate_bps)
    delay_budget_s = check_positive("delay_budget_s", delay_budget_s)
    r = plan(link)
    net = r.net_rate_bps
    n_ch = link.n_channels
    needed = None if net is None else math.ceil(bitrate_bps / net - 1e-12)
    capacity_ok = needed is not None and needed <= n_ch
    delay_ok = r.latency_s <= delay_budget_s
    reasons = []
    if net is None:
        reasons.append(f"no modulation closes (worst GSNR {r.worst_gsnr_db:.2f} dB)")
    elif not capacity_ok:
        reasons.append(f"needs {needed} channels of {net / 1e9:.1f} Gb/s, the link has {n_ch}")
    if not delay_ok:
        reasons.append(f"one-way delay {r.latency_s * 1e6:.1f} µs exceeds the budget "
                       f"{delay_budget_s * 1e6:.1f} µs")
    return FronthaulFit(
        fits=capacity_ok and delay_ok, capacity_ok=capacity_ok, delay_ok=delay_ok,
        bitrate_bps=bitrate_bps, net_rate_per_channel_bps=net, modulation=r.modulation,
        channels_needed=needed, n_channels=n_ch, one_way_delay_s=r.latency_s,
        delay_budget_s=delay_budget_s, reason="; ".join(reasons) or "fits")
