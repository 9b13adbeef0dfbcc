"""``softran measure evm`` benchmark (issue target: <= 5 s on one thread for a 10 ms, 100 MHz
NR-FR1-TM3.1 recording).

The recording: NR-FR1-TM3.1, 100 MHz at 30 kHz (273 PRB), FDD 10 ms, nfft 4096 (122.88 MHz,
1 228 800 samples), 30 dB SNR per RE, written as SigMF by ``softran waveform tm``. Timed: the
whole command in a fresh process with 1 thread (OMP / MKL / Numba / torch), start-up and
imports included (reading, regenerating the reference test model, Annex B synchronisation,
the two EVM window positions, equaliser, per-slot/subcarrier/symbol EVM, the three PNG
plots), as wall time and as the CPU time of the process (user + system; the machine may be
shared). The in-process stages (test model, measurement) are timed alone too.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import Row, best_time, threads


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    return env


def _command(args: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the child) of ``python -m softran args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "softran", *args], env=_env(), check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run(repeats: int = 2) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "tm31"
        _command(["waveform", "tm", "NR-FR1-TM3.1", "--bandwidth", "100", "--scs", "30",
                  "--impair", "snr=30", "--out", str(base)])
        runs = [_command(["measure", "evm", str(base), "--out", tmp]) for _ in range(repeats)]
        case = "softran measure evm, TM3.1 100 MHz 30 kHz 10 ms, 1 thread, whole command"
        rows.append((case + ", wall (best)", min(w for w, _ in runs), "s"))
        rows.append((case + ", CPU (best)", min(c for _, c in runs), "s"))
        with threads(1):
            from softran.recording import read_recording
            from softran.sim.evm import measure_evm
            from softran.sim.nr_tm import nr_tm

            x, fs, _ = read_recording(base)
            tm = nr_tm("NR-FR1-TM3.1", 100, 30, nfft=4096)
            for name, fn in (("nr_tm (reference)", lambda: nr_tm("NR-FR1-TM3.1", 100, 30,
                                                                  nfft=4096)),
                             ("measure_evm", lambda: measure_evm(x[0], fs, tm))):
                t0 = time.process_time()
                fn()
                cpu = time.process_time() - t0
                rows.append((f"{name}, TM3.1 100 MHz, 1 thread, wall",
                             best_time(fn, repeats=2, min_time=0.1), "s"))
                rows.append((f"{name}, TM3.1 100 MHz, 1 thread, CPU", cpu, "s"))
    return rows


if __name__ == "__main__":
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    for row in run():
        print(f"{row[0]}: {row[1]:.4g} {row[2]}")
    print(f"load average {os.getloadavg()}")
