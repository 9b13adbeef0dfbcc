"""End-to-end coherent optical link: DP-16QAM at 32 GBd over 5 x 80 km SSMF with an EDFA
(NF 5 dB) after every span, swept over the launch power, next to the GN-model prediction.

For each launch power it simulates the channel (transmitter, split-step fibre, EDFAs,
coherent front end, receiver DSP; :func:`softran.optical.system.simulate_link`), prints BER,
SNR and GMI, and writes a PNG of the measured SNR versus launch power with the closed-form
GN model of the same line (one channel: :func:`softran.optical.planner.gsnr_vs_power`) and its
ASE-only asymptote. Then DP-64QAM at one launch power.

    python examples/optical_link.py                        # about 10 s on one core
    python examples/optical_link.py --quick --out /tmp/snr.png
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from softran.optical.link import Link, validate_link
from softran.optical.metrics import pre_fec_margin
from softran.optical.planner import gsnr_vs_power, line_noise
from softran.optical.system import LinkResult, simulate_link
from softran.optical.units import dbm_to_watt, linear_to_db

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "figures" / "optical_link_snr.png"


def line(n_spans: int = 5, symbol_rate_gbd: float = 32.0) -> Link:
    """The line of the example as a planner :class:`Link`: one 32 GBd channel (50 GHz
    slot), ``n_spans`` x 80 km SSMF, an EDFA (NF 5 dB, gain = span loss) after each span."""
    return validate_link({
        "link": {"name": f"{n_spans} x 80 km SSMF, EDFA per span, one channel"},
        "transceiver": {"symbol_rate_gbd": symbol_rate_gbd, "roll_off": 0.1,
                        "channel_spacing_ghz": 50.0, "n_channels": 1},
        "spans": [{"fibre": "SSMF", "length_km": 80.0, "count": n_spans}],
        "amplifier_per_span": {"noise_figure_db": 5.0},
    })


def plot(link: Link, results: Sequence[LinkResult], out: Path,
         extra: Sequence[LinkResult] = ()) -> Path:
    """SNR (measured, both polarisations) versus launch power with the GN-model GSNR."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    powers = [r.launch_power_dbm for r in results]
    p = torch.linspace(min(powers) - 2.0, max(powers) + 2.0, 121, dtype=torch.float64)
    gn = gsnr_vs_power(link, p)[:, 0]
    ase = line_noise(link).ase[0]
    fig, ax = plt.subplots(figsize=(7.0, 4.4), constrained_layout=True)
    ax.plot(p.numpy(), gn.numpy(), lw=2, label="GN model (closed form), GSNR")
    ax.plot(p.numpy(), linear_to_db(dbm_to_watt(p) / ase).numpy(), lw=0.8, ls=":", color="0.4",
            label="ASE only")
    ax.plot(powers, [float(r.snr_total_db) for r in results], "o", color="C3", ms=7,
            label=f"simulated DP-{results[0].modulation} (SSFM + DSP), data-aided SNR")
    for r in extra:
        ax.plot([r.launch_power_dbm], [float(r.snr_total_db)], "s", color="C2", ms=7,
                label=f"simulated DP-{r.modulation}")
    ax.set_xlabel("launch power (dBm)")
    ax.set_ylabel("SNR (dB)")
    ax.set_title(f"{link.name}: {results[0].symbol_rate / 1e9:g} GBd", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(out: Path | str = DEFAULT_OUT, *, n_symbols: int = 2 ** 14,
         powers: Sequence[float] = (-4.0, -2.0, 0.0, 2.0, 4.0, 6.0),
         power_64qam: float = 2.0, warm_up: int = 8192,
         verbose: bool = True) -> dict[str, list[LinkResult]]:
    """Run the sweep, print a line per launch power and write the PNG to ``out``."""
    link = line()
    results: dict[str, list[LinkResult]] = {"16QAM": [], "64QAM": []}
    if verbose:
        print(f"{link.name}: {link.length_km:g} km; {n_symbols} symbols per polarisation")
        print(f"{'format':>8} {'P (dBm)':>8} {'BER':>10} {'SNR (dB)':>9} {'GN (dB)':>8} "
              f"{'GMI (bit/pol)':>14} {'400ZR margin':>13} {'time (s)':>9}")

    def run(modulation: str, power: float) -> LinkResult:
        t0 = time.perf_counter()
        r = simulate_link(link, modulation=modulation, launch_power_dbm=power,
                          n_symbols=n_symbols, warm_up=warm_up, seed=1)
        if verbose:
            gn = float(gsnr_vs_power(link, torch.tensor(power, dtype=torch.float64))[0])
            ber = float(r.ber_total)                 # both polarisations
            margin = (f"{float(pre_fec_margin(ber, '400ZR-CFEC')):+.2f}" if ber > 0
                      else "no errors")
            print(f"{'DP-' + modulation:>8} {power:8.1f} {ber:10.2e} "
                  f"{float(r.snr_total_db):9.2f} {gn:8.2f} {float(r.gmi.mean()):14.4f} "
                  f"{margin:>13} {time.perf_counter() - t0:9.1f}")
        return r

    for p in powers:
        results["16QAM"].append(run("16QAM", p))
    results["64QAM"].append(run("64QAM", power_64qam))
    written = plot(link, results["16QAM"], Path(out), results["64QAM"])
    if verbose:
        print(f"wrote {written}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG to write")
    parser.add_argument("--quick", action="store_true", help="few symbols, three powers")
    args = parser.parse_args()
    torch.set_num_threads(1)           # small FFTs: intra-op threads only add overhead
    if args.quick:
        main(args.out, n_symbols=2 ** 12, powers=(-2.0, 2.0, 6.0), warm_up=6144)
    else:
        main(args.out)
