"""softran benchmarks: `python -m bench` runs every `bench/bench_*.py` and prints one table.

Each benchmark module defines ``run() -> list[Row]`` with ``Row = (case, figure, unit)``.
Figures are printed (and written to ``out/bench.csv``), never asserted.
"""
