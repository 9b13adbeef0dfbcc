"""Planning a path of an optical network: design, propagation and the outputs of the GN-model
network planner (:mod:`softran.optical.autodesign`, :mod:`softran.optical.
network_propagation`): per-channel table (GSNR, OSNR, NLI, Shannon rate, CD/PMD/PDL),
per-element table (losses, gains, NF, powers, the noise each element adds), ASE and NLI per
span per channel, transceiver-mode margins, CSV/JSON export and plots of the GSNR versus
frequency and versus distance.

A softran link file (:class:`~softran.optical.link.Link`) becomes a network too
(:func:`link_to_network`): transceiver, then per span a fibre (and its amplifier), with the
link's spectrum; amplifiers keep their gains (gain mode) and add ``(NF G - 1) h f R`` of ASE,
NLI pumps are the signal powers, so the propagation reproduces the closed-form planner
(:mod:`softran.optical.planner`) unless ``[model]`` asks for more (SRS, NLI from the total
power).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from softran.optical.amplifier_models import AmplifierType
from softran.optical.autodesign import design_network
from softran.optical.equipment import Equipment, SpanRules, SpectrumDefaults
from softran.optical.link import Link
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    NetworkElement,
    OpticalNetwork,
    RoadmNode,
    TransceiverNode,
)
from softran.optical.network_propagation import (
    OSNR_BANDWIDTH,
    PathPropagation,
    PropagationOptions,
    Spectrum,
    propagate_path,
)
from softran.optical.units import linear_to_db

__all__ = [
    "NetworkPlan",
    "link_to_network",
    "plan_network",
    "plot_gsnr_vs_distance",
    "plot_gsnr_vs_frequency",
]


def _db(x: torch.Tensor) -> torch.Tensor:
    return linear_to_db(x)


@dataclass
class NetworkPlan:
    """A planned path: ``source``, ``destination``, the reference power per channel
    ``power_dbm`` and the transmitter power ``tx_power_dbm`` [dBm], the designed ``path``,
    the propagation ``result``, the ``options`` and the ``equipment``."""

    name: str
    source: str
    destination: str
    power_dbm: float
    tx_power_dbm: float
    path: list[NetworkElement]
    result: PathPropagation
    options: PropagationOptions
    equipment: Equipment

    @property
    def length_km(self) -> float:
        """Fibre length of the path [km]."""
        return self.result.records[-1].distance / 1e3

    @property
    def worst_channel(self) -> int:
        """Index of the channel with the lowest GSNR."""
        return int(torch.argmin(self.result.gsnr_db))

    def channel_rows(self) -> list[dict[str, float]]:
        """One row per channel: ``channel`` (1-based), ``frequency_thz``, received
        ``power_dbm`` (signal), ``osnr_ase_db``, ``snr_nli_db``, ``gsnr_db`` (signal
        bandwidth, with the transceiver and ROADM add/drop OSNRs except ``snr_nli_db``),
        ``gsnr_01nm_db`` (in 0.1 nm), ``shannon_gbps`` (``2 R log2(1 + GSNR)``), accumulated
        ``cd_ps_nm``, ``pmd_ps``, ``pdl_db``."""
        r = self.result
        s = r.final
        g = r.gsnr_db
        shannon = 2 * s.baud_rate * torch.log2(1 + torch.pow(10.0, g / 10)) / 1e9
        rows = []
        for i in range(s.n_channels):
            rows.append({
                "channel": i + 1, "frequency_thz": float(s.frequency[i]) / 1e12,
                "power_dbm": float(_db(s.signal[i] * 1e3)),
                "osnr_ase_db": float(r.osnr_ase_db[i]), "snr_nli_db": float(r.snr_nli_db[i]),
                "gsnr_db": float(g[i]), "gsnr_01nm_db": float(r.gsnr_01nm_db[i]),
                "shannon_gbps": float(shannon[i]),
                "cd_ps_nm": float(s.dispersion[i]) * 1e3, "pmd_ps": math.sqrt(float(s.pmd2[i])) * 1e12,
                "pdl_db": math.sqrt(float(s.pdl2[i]))})
        return rows

    def element_rows(self, channel: int | None = None) -> list[dict[str, Any]]:
        """One row per element of the path, for ``channel`` (0-based; default the worst):
        ``index``, ``uid``, ``kind``, ``distance_km`` (fibre up to its output), the element's
        facts (``type_variety``, ``loss_db``, ``gain_db``, ``nf_db``, ``pin_dbm``,
        ``pout_dbm`` (total), ...), ``power_dbm`` (the channel's signal at its output),
        ``osnr_added_db`` (signal / the ASE it adds), ``snr_nli_added_db`` (signal / the
        NLI it generates) and ``gsnr_db`` (``S / (A + N)`` so far, without the transceiver
        and ROADM OSNRs)."""
        i = self.worst_channel if channel is None else channel
        rows = []
        for k, rec in enumerate(self.result.records):
            s = rec.spectrum
            row: dict[str, Any] = {"index": k + 1, "uid": rec.uid, "kind": rec.kind,
                                   "distance_km": rec.distance / 1e3}
            row.update({key: v for key, v in rec.facts.items()})
            row["power_dbm"] = float(_db(s.signal[i] * 1e3))
            row["osnr_added_db"] = (float(_db(rec.signal_at[i] / rec.ase_added[i]))
                                    if rec.ase_added is not None and rec.signal_at is not None
                                    and float(rec.ase_added[i]) > 0 else None)
            row["snr_nli_added_db"] = (float(_db(rec.signal_at[i] / rec.nli_added[i]))
                                       if rec.nli_added is not None and rec.signal_at is not None
                                       else None)
            noise = float(s.ase[i] + s.nli[i])
            row["gsnr_db"] = float(_db(s.signal[i] / noise)) if noise > 0 else math.inf
            rows.append(row)
        return rows

    def noise_rows(self) -> list[dict[str, Any]]:
        """ASE and NLI per span and per channel (long format): one row per (amplifier or
        fibre, channel) with ``uid``, ``kind``, ``channel``, ``frequency_thz``,
        ``ase_dbm`` / ``nli_dbm`` (the power it adds, at its input) and ``snr_db`` (the
        signal there over it)."""
        rows = []
        for rec in self.result.records:
            added = rec.ase_added if rec.ase_added is not None else rec.nli_added
            if added is None or rec.signal_at is None:
                continue
            f = rec.spectrum.frequency
            for i in range(f.numel()):
                v = float(added[i])
                rows.append({"uid": rec.uid, "kind": rec.kind, "channel": i + 1,
                             "frequency_thz": float(f[i]) / 1e12,
                             "ase_dbm": (10 * math.log10(v * 1e3) if v > 0 else -math.inf)
                             if rec.ase_added is not None else None,
                             "nli_dbm": 10 * math.log10(v * 1e3)
                             if rec.nli_added is not None else None,
                             "snr_db": 10 * math.log10(float(rec.signal_at[i]) / v)
                             if v > 0 else math.inf})
        return rows

    def mode_rows(self) -> list[dict[str, Any]]:
        """Margins of the library's transceiver modes on this path (worst channel of the
        mode's symbol rate class; GNPy's feasibility): ``GSNR_0.1nm - penalty -
        sys_margins - OSNR_required`` [dB], ``penalty_db`` from the accumulated CD, PMD,
        PDL. Modes whose symbol rate differs from the planned spectrum's are evaluated with
        the GSNR rescaled to their rate at the same 0.1 nm noise (an estimate)."""
        rows = []
        r = self.result
        s = r.final
        w = self.worst_channel
        g01 = float(r.gsnr_01nm_db[w])
        cd = float(s.dispersion.max()) * 1e3
        pmd = math.sqrt(float(s.pmd2.max())) * 1e12
        pdl = math.sqrt(float(s.pdl2.max()))
        for t in self.equipment.transceivers.values():
            for m in t.modes:
                if m.osnr is None:
                    continue
                pen = m.penalty_db(cd, pmd, pdl)
                margin = g01 - pen - self.equipment.si.sys_margins - m.osnr
                rows.append({"transceiver": t.name, "mode": m.format,
                             "baud_gbd": m.baud_rate / 1e9 if m.baud_rate else None,
                             "bit_rate_gbps": m.bit_rate / 1e9 if m.bit_rate else None,
                             "required_osnr_db": m.osnr, "penalty_db": pen,
                             "margin_db": margin, "feasible": margin >= 0})
        return rows

    def summary(self) -> dict[str, Any]:
        """Headline numbers: path, length, channels, GSNR worst/mean/best [dB], latency."""
        g = self.result.gsnr_db
        return {"network": self.name, "source": self.source, "destination": self.destination,
                "elements": len(self.path), "length_km": self.length_km,
                "spans": sum(isinstance(e, FibreNode) for e in self.path),
                "channels": self.result.final.n_channels,
                "channels_outside_amplifier_band": self.result.dropped_channels,
                "reference_power_dbm": self.power_dbm, "tx_power_dbm": self.tx_power_dbm,
                "gsnr_worst_db": float(g.min()), "gsnr_mean_db": float(g.mean()),
                "gsnr_best_db": float(g.max()), "worst_channel": self.worst_channel + 1,
                "latency_ms": self.result.final.latency * 1e3, "srs": self.options.srs,
                "nli_from_total_power": self.options.nli_from_total_power}

    def to_json(self) -> dict[str, Any]:
        """Everything as JSON-ready data (``summary``, ``channels``, ``elements``,
        ``modes``)."""
        return {"summary": self.summary(), "channels": self.channel_rows(),
                "elements": [{k: v for k, v in r.items()} for r in self.element_rows()],
                "modes": self.mode_rows()}

    def csv_text(self, table: str = "channels") -> str:
        """``channels``, ``elements`` or ``noise`` as CSV text."""
        rows = {"channels": self.channel_rows, "elements": self.element_rows,
                "noise": self.noise_rows}
        if table not in rows:
            raise ValueError(f"table = {table!r} is not allowed; allowed: "
                             + ", ".join(rows))
        data = rows[table]()
        keys: list[str] = []
        for r in data:
            keys.extend(k for k in r if k not in keys)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        w.writeheader()
        for r in data:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in keys})
        return buf.getvalue()


def plan_network(network: OpticalNetwork, equipment: Equipment, source: str | None = None,
                 destination: str | None = None, *, power_dbm: float | None = None,
                 options: PropagationOptions | None = None, insert_amplifiers: bool = True,
                 design: bool = True) -> NetworkPlan:
    """Design ``network`` for the reference power ``power_dbm`` (default the SI's), find the
    path ``source -> destination`` (default: the first two transceivers of the network),
    propagate the SI's spectrum at the transmitter power (the SI's ``tx_power_dbm``, else
    the reference power) and return the :class:`NetworkPlan`. ``design=False`` propagates
    the network as it is (every amplifier must have a type and a gain).

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {"symbol_rate_gbd": 64,
    ...     "channel_spacing_ghz": 75, "n_channels": 3, "launch_power_dbm": 0.0},
    ...     "spans": [{"length_km": 80, "count": 2}], "amplifier_per_span": {
    ...     "noise_figure_db": 5}})
    >>> net, eq = link_to_network(link)
    >>> p = plan_network(net, eq, design=False)
    >>> p.summary()["spans"], len(p.channel_rows())
    (2, 3)
    """
    trx = [e.uid for e in network.of_type(TransceiverNode)]
    if len(trx) < 2:
        raise ValueError(f"{network.name}: needs two transceivers, has {len(trx)}")
    src = source if source is not None else trx[0]
    dst = destination if destination is not None else next(t for t in trx if t != src)
    for name, uid in (("source", src), ("destination", dst)):
        if uid not in network.elements or not isinstance(network.elements[uid], TransceiverNode):
            raise ValueError(f"{name} = {uid!r} is not a transceiver of {network.name}; "
                             f"transceivers: {', '.join(trx)}")
    p_ref = equipment.si.power_dbm if power_dbm is None else float(power_dbm)
    designed = design_network(network, equipment, power_dbm=p_ref,
                              insert_amplifiers=insert_amplifiers) if design else network
    path = designed.path(src, dst)
    if equipment.si.tx_power_dbm is not None:
        tx = equipment.si.tx_power_dbm
    else:
        tx = p_ref
    options = options or PropagationOptions()
    result = propagate_path(path, Spectrum.uniform(equipment.si, tx), options)
    return NetworkPlan(name=network.name, source=src, destination=dst, power_dbm=p_ref,
                       tx_power_dbm=tx, path=path, result=result, options=options,
                       equipment=equipment)


def link_to_network(link: Link, launch_power_dbm: float | None = None
                    ) -> tuple[OpticalNetwork, Equipment]:
    """A link file as a network and its equipment (module docstring): ``tx -> span 1 ->
    amplifier 1 -> ... -> rx``, fibres from the span's fibre type (its ``D``, slope,
    ``gamma``, connector and extra losses; ``[model] frequency_dependent`` keeps the
    frequency dependence of ``beta2`` and ``gamma``, else they are the 1550 nm values on
    every channel as in the closed-form planner), amplifiers of fixed gain and NF, the
    spectrum of ``[transceiver]`` at ``launch_power_dbm`` (default the file's, else the
    closed-form optimum) with ``back_to_back_snr_db`` as the transmitter OSNR.

    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {"symbol_rate_gbd": 64,
    ...     "channel_spacing_ghz": 75, "n_channels": 4, "launch_power_dbm": 1.0},
    ...     "spans": [{"length_km": 80, "count": 2}], "amplifier_per_span": {
    ...     "noise_figure_db": 5}})
    >>> net, eq = link_to_network(link)
    >>> [e.uid for e in net.path("tx", "rx")], eq.si.n_channels, eq.si.power_dbm
    (['tx', 'span 1', 'amplifier 1', 'span 2', 'amplifier 2', 'rx'], 4, 1.0)
    """
    from softran.optical.planner import plan

    t = link.transceiver
    if launch_power_dbm is None:
        launch_power_dbm = plan(link).launch_power_dbm
    freqs = link.channel_frequencies()
    spacing = link.channel_spacing
    n = link.n_channels
    rs = link.symbol_rate
    b2b = t.back_to_back_snr_db
    tx_osnr = 400.0 if b2b is None else b2b + 10 * math.log10(rs / OSNR_BANDWIDTH)
    si = SpectrumDefaults(f_min=float(freqs[0]), f_max=float(freqs[0]) + spacing * (n - 1),
                          baud_rate=rs, spacing=spacing, power_dbm=launch_power_dbm,
                          roll_off=t.roll_off, tx_osnr=tx_osnr)
    net = OpticalNetwork(name=link.name)
    net.add(TransceiverNode("tx"))
    last = "tx"
    amps: dict[str, AmplifierType] = {}
    freq_dep = link.model.frequency_dependent
    for k, span in enumerate(link.spans):
        model = replace(span.fibre_model(freq_dep), name=f"span {k + 1}")
        uid = f"span {k + 1}"
        net.add(FibreNode(uid, model, type_variety=span.fibre.name, con_in_db=model.con_in_db,
                          con_out_db=model.con_out_db))
        net.connect(last, uid)
        last = uid
        if span.amplifier is not None:
            a = span.amplifier
            name = f"NF {a.noise_figure_db:g} dB"
            amps.setdefault(name, AmplifierType(name, "fixed_gain", gain_flatmax=60.0,
                                                gain_min=0.0, p_max=100.0,
                                                nf0=a.noise_figure_db, dgt=(1.0,),
                                                f_min=si.f_min - spacing, f_max=si.f_max + spacing))
            uid = f"amplifier {k + 1}"
            net.add(AmplifierNode(uid, amps[name], gain_target=a.gain_db, delta_p=None,
                                  tilt_target=0.0, out_voa=0.0, effective_gain=a.gain_db))
            net.connect(last, uid)
            last = uid
    net.add(TransceiverNode("rx"))
    net.connect(last, "rx")
    eq = Equipment(amplifiers=amps, span=SpanRules(power_mode=False), si=si,
                   source=link.source)
    return net, eq


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _check_suffix(path: str | Path) -> Path:
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"path = {str(p)!r} is not allowed; the suffix must be .png or .svg")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def plot_gsnr_vs_frequency(plan: NetworkPlan, path: str | Path) -> Path:
    """Save the per-channel GSNR, OSNR (ASE) and SNR (NLI) versus frequency (.png/.svg).

    >>> import tempfile, pathlib
    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {"symbol_rate_gbd": 64,
    ...     "channel_spacing_ghz": 75, "n_channels": 5, "launch_power_dbm": 0.0},
    ...     "spans": [{"length_km": 80}], "amplifier_per_span": {"noise_figure_db": 5}})
    >>> p = plan_network(*link_to_network(link), design=False)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     plot_gsnr_vs_frequency(p, pathlib.Path(d) / "f.svg").stat().st_size > 1000
    True
    """
    out = _check_suffix(path)
    plt = _plt()
    r = plan.result
    f = (r.final.frequency / 1e12).numpy()
    fig, ax = plt.subplots(figsize=(7.5, 4.4), constrained_layout=True)
    ax.plot(f, r.gsnr_db.numpy(), "o-", ms=3, lw=1.5, label="GSNR")
    ax.plot(f, r.osnr_ase_db.numpy(), ":", lw=1, label="OSNR (ASE)")
    ax.plot(f, r.snr_nli_db.numpy(), "--", lw=1, label="SNR (NLI)")
    ax.set_xlabel("channel frequency (THz)")
    ax.set_ylabel("dB in the signal bandwidth")
    ax.set_title(f"{plan.name}: {plan.source} -> {plan.destination}, {plan.length_km:.0f} km",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def plot_gsnr_vs_distance(plan: NetworkPlan, path: str | Path) -> Path:
    """Save the GSNR ``S / (A + N)`` after each element versus the fibre distance for the
    worst, median and best channels at the receiver (.png/.svg).

    >>> import tempfile, pathlib
    >>> from softran.optical.link import validate_link
    >>> link = validate_link({"link": {"name": "x"}, "transceiver": {"symbol_rate_gbd": 64,
    ...     "channel_spacing_ghz": 75, "n_channels": 5, "launch_power_dbm": 0.0},
    ...     "spans": [{"length_km": 80, "count": 3}], "amplifier_per_span": {
    ...     "noise_figure_db": 5}})
    >>> p = plan_network(*link_to_network(link), design=False)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     plot_gsnr_vs_distance(p, pathlib.Path(d) / "z.png").stat().st_size > 1000
    True
    """
    out = _check_suffix(path)
    plt = _plt()
    recs = [r for r in plan.result.records if r.kind in ("amplifier", "fibre", "roadm",
                                                         "fused")]
    g = plan.result.gsnr_db
    order = torch.argsort(g)
    picks = {"worst": int(order[0]), "median": int(order[len(order) // 2]),
             "best": int(order[-1])}
    fig, ax = plt.subplots(figsize=(7.5, 4.4), constrained_layout=True)
    for label, i in picks.items():
        x, y = [], []
        for rec in recs:
            s = rec.spectrum
            noise = float(s.ase[i] + s.nli[i])
            if noise > 0:
                x.append(rec.distance / 1e3)
                y.append(10 * math.log10(float(s.signal[i]) / noise))
        f = float(plan.result.final.frequency[i]) / 1e12
        ax.plot(x, y, "-", lw=1.4, label=f"{label} channel ({f:.3f} THz)")
    for e in plan.path:
        if isinstance(e, RoadmNode):
            d = next(r.distance for r in plan.result.records if r.uid == e.uid) / 1e3
            ax.axvline(d, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("distance (km)")
    ax.set_ylabel("GSNR so far (dB, line only)")
    ax.set_title(f"{plan.name}: GSNR along {plan.source} -> {plan.destination}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
