"""Run OptiCommPy's ``manakovSSF`` on a field saved by ``bench_optical_ssfm.py`` (the speed
anchor of the split-step benchmark). Runs under a Python that has OptiCommPy 0.11 (not
softran's environment): ``python opticommpy_ssfm.py IN.npy OUT.npy PARAMS.json``.

Prints one JSON line: ``{"wall_s": ..., "cpu_s": ..., "version": ...}`` (the call of
``manakovSSF`` only; a small warm-up call compiles its Numba helpers first).
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
from optic.models.channels import manakovSSF
from optic.utils import parameters


def _params(cfg: dict, prec: type, n_spans: int) -> parameters:
    p = parameters()
    p.Ltotal = cfg["span_km"] * n_spans
    p.Lspan = cfg["span_km"]
    p.hz = cfg["step_km"]
    p.alpha = cfg["alpha_db_km"]
    p.D = cfg["dispersion"]
    p.gamma = cfg["gamma_w_km"]
    p.Fc = cfg["fc"]
    p.Fs = cfg["fs"]
    p.prec = prec
    p.amp = "ideal"
    p.nlprMethod = False
    p.prgsBar = False
    p.saveSpanN = []
    return p


def main(argv: list[str]) -> int:
    field = np.load(argv[0])                      # [n, 2]
    cfg = json.loads(Path(argv[2]).read_text())
    prec = np.complex64 if field.dtype == np.complex64 else np.complex128
    manakovSSF(field[:1024].copy(), _params(cfg, prec, 1))          # JIT warm-up
    p = _params(cfg, prec, cfg["n_spans"])
    c0, t0 = time.process_time(), time.perf_counter()
    out = manakovSSF(field, p)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    np.save(argv[1], out)
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "version": version("OptiCommPy")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
