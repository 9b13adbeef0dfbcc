"""Run every benchmark in bench/ and print a table: `python -m bench [NAME ...]`."""

from __future__ import annotations

import csv
import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        unknown = [a for a in argv if f"bench_{a}" not in names and a not in names]
        if unknown:
            print(f"unknown benchmark(s): {', '.join(unknown)}; available: "
                  + ", ".join(n.removeprefix("bench_") for n in names), file=sys.stderr)
            return 2
        names = [n for n in names if n in argv or n.removeprefix("bench_") in argv]
    console = Console()
    console.print(f"machine: {platform.processor() or platform.machine()}, "
                  f"{os.cpu_count()} CPU threads, torch {torch.__version__} "
                  f"({torch.get_num_threads()} intra-op threads)")
    table = Table(title="softran benchmarks")
    table.add_column("benchmark")
    table.add_column("case")
    table.add_column("figure", justify="right")
    table.add_column("unit")
    rows: list[tuple[str, str, float, str]] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        with console.status(f"running {name} ..."):
            for case, figure, unit in module.run():
                rows.append((name.removeprefix("bench_"), case, figure, unit))
                table.add_row(rows[-1][0], case, f"{figure:,.4g}", unit)
    console.print(table)
    out = Path("out")
    out.mkdir(exist_ok=True)
    with open(out / "bench.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["benchmark", "case", "figure", "unit"])
        writer.writerows(rows)
    console.print(f"wrote {out / 'bench.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
