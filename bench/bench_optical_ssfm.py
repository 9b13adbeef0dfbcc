"""Split-step speed and accuracy against OptiCommPy 0.11 ``manakovSSF`` (the speed anchor).

Case (issue 21): one DP-16QAM channel, 2^14 symbols at 32 GBd, 4 samples per symbol
(65536 x 2 samples, fs = 128 GHz), 5 x 80 km SSMF (0.2 dB/km, D = 16.7 ps/(nm km),
beta3 = 0, gamma = 1.3 /W/km, Manakov), fixed 0.5 km steps, an ideal amplifier
(``exp(alpha L / 2)``, no noise, so that the outputs can be compared) after each span, one
CPU thread. Rows:

* softran ``ssfm`` at complex128 and complex64 (compiled CPU kernels), and the torch
  reference path at complex128: process CPU seconds (robust on a shared machine) and wall;
* OptiCommPy ``manakovSSF`` at complex128 and complex64 (trapezoidal nonlinear step,
  ``nlprMethod=False``, ``hz = 0.5``, ``amp = "ideal"``) run in its own Python given by the
  environment variable ``SOFTRAN_OPTICOMMPY_PYTHON`` (skipped when unset), on the same input
  field, and the speed-up ``t_OptiCommPy / t_softran`` per precision (CPU seconds; softran
  timed before and right after OptiCommPy, the better kept, so that both see the same load);
* accuracy: NMSE ``sum |y - y_ref|^2 / sum |y_ref|^2`` of softran complex64 against softran
  complex128, of OptiCommPy against softran (complex128), and of the step rules against a
  fine reference (fixed 50 m steps, complex128): fixed 0.5 km, nonlinear-phase adaptive
  (5 mrad, 1 mrad) and local-error adaptive (1e-4, 1e-5, 1e-6), with their steps per span and
  CPU seconds.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.timing import Row
from softran.optical import DPTransmitter, FibreSpan, ssfm
from softran.optical.constants import SPEED_OF_LIGHT

N_SPANS = 5
SPAN_KM = 80.0
STEP = 500.0
D = 16.7
LAMBDA = 1550e-9
SPAN = FibreSpan(SPAN_KM, 0.2, D, -2 * D / (LAMBDA * 1e9), 1.3)    # beta3 = 0


def _link(x: torch.Tensor, fs: float, stats: dict | None = None, **rule: float
          ) -> tuple[torch.Tensor, float, float]:
    gain = math.exp(SPAN.alpha * SPAN.length / 2)
    c0, t0 = time.process_time(), time.perf_counter()
    steps = 0
    for _ in range(N_SPANS):
        one: dict = {}
        x = ssfm(x, SPAN, fs, stats=one, **rule) * gain
        steps += one["steps"]
    if stats is not None:
        stats["steps"] = steps
    return x, time.process_time() - c0, time.perf_counter() - t0


def _best(x: torch.Tensor, fs: float, repeats: int, **rule: float
          ) -> tuple[torch.Tensor, float, float]:
    _link(x[..., :4096].clone(), fs * 4096 / x.shape[-1], **rule)       # compile, warm up
    best_cpu, best_wall, y = math.inf, math.inf, x
    for _ in range(repeats):
        y, cpu, wall = _link(x, fs, **rule)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    return y, best_cpu, best_wall


def _nmse(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.to(torch.complex128), b.to(torch.complex128)
    return float((a - b).abs().square().sum() / b.abs().square().sum())


def _opticommpy(python: str, field: torch.Tensor, fs: float) -> tuple[torch.Tensor, dict]:
    cfg = {"span_km": SPAN_KM, "step_km": STEP / 1e3, "alpha_db_km": 0.2, "dispersion": D,
           "gamma_w_km": 1.3, "fc": SPEED_OF_LIGHT / LAMBDA, "fs": fs, "n_spans": N_SPANS}
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1")
    script = Path(__file__).with_name("opticommpy_ssfm.py")
    with tempfile.TemporaryDirectory() as d:
        src, dst, par = Path(d) / "in.npy", Path(d) / "out.npy", Path(d) / "p.json"
        np.save(src, field.numpy().T.copy())                 # OptiCommPy: [n, pol]
        par.write_text(json.dumps(cfg))
        out = subprocess.run([python, str(script), str(src), str(dst), str(par)], env=env,
                             capture_output=True, text=True, check=True)
        info = json.loads(out.stdout.strip().splitlines()[-1])
        y = torch.from_numpy(np.load(dst).T.copy())
    return y, info


def run() -> list[Row]:
    rows: list[Row] = []
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        tx = DPTransmitter(32e9, 4, "16QAM", 0.1, launch_power_dbm=0.0, seed=1)
        field, _, _ = tx(2 ** 14)
        fs = tx.fs
        fixed = {"step": STEP}
        y128, c128, w128 = _best(field.to(torch.complex128), fs, 3, **fixed)
        y64, c64, w64 = _best(field.to(torch.complex64), fs, 3, **fixed)
        _, ct, wt = _best(field.to(torch.complex128), fs, 1, kernel="torch", **fixed)
        case = "1 ch 2^14 sym x4 (65536 x 2), 5x80 km, 0.5 km steps, 1 thread"
        for name, cpu, wall in (("complex128", c128, w128), ("complex64", c64, w64),
                                ("complex128 torch path", ct, wt)):
            rows.append((f"softran ssfm {name}, {case}, CPU", cpu, "s"))
            rows.append((f"softran ssfm {name}, wall", wall, "s"))
            rows.append((f"softran ssfm {name}, per step (CPU)",
                         cpu / (N_SPANS * SPAN.length / STEP) * 1e3, "ms"))
        rows.append(("NMSE softran complex64 vs complex128", _nmse(y64, y128), ""))

        python = os.environ.get("SOFTRAN_OPTICOMMPY_PYTHON")
        if python:
            for name, x, ours, ours_y in (("complex128", field.to(torch.complex128), c128, y128),
                                          ("complex64", field.to(torch.complex64), c64, y64)):
                y_o, info = _opticommpy(python, x, fs)
                _, again, _ = _link(x, fs, step=STEP)        # right after: same machine load
                ours = min(ours, again)
                rows.append((f"OptiCommPy {info['version']} manakovSSF {name}, CPU",
                             info["cpu_s"], "s"))
                rows.append((f"OptiCommPy manakovSSF {name}, wall", info["wall_s"], "s"))
                rows.append((f"softran ssfm {name}, CPU (best of before / after)", ours, "s"))
                rows.append((f"speed-up softran / OptiCommPy {name} (CPU s)",
                             info["cpu_s"] / ours, "x"))
                rows.append((f"NMSE OptiCommPy vs softran {name}", _nmse(y_o, ours_y), ""))

        ref, _, _ = _link(field.to(torch.complex128), fs, step=50.0)
        for label, rule in (("fixed 0.5 km", {"step": 500.0}),
                            ("nonlinear phase 5 mrad", {"max_phase_rotation": 5e-3}),
                            ("nonlinear phase 1 mrad", {"max_phase_rotation": 1e-3}),
                            ("local error 1e-4", {"local_error": 1e-4}),
                            ("local error 1e-5", {"local_error": 1e-5}),
                            ("local error 1e-6", {"local_error": 1e-6})):
            _link(field[..., :4096].to(torch.complex128), fs / 16, **rule)   # warm up
            st: dict = {}
            y, cpu, _ = _link(field.to(torch.complex128), fs, stats=st, **rule)
            rows.append((f"step rule {label}: NMSE vs 50 m steps", _nmse(y, ref), ""))
            rows.append((f"step rule {label}: steps per span", st["steps"] / N_SPANS, ""))
            rows.append((f"step rule {label}: CPU", cpu, "s"))
    finally:
        torch.set_num_threads(previous)
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case}: {figure:.4g} {unit}", flush=True)
    sys.exit(0)
