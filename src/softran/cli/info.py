"""``softran info``: versions of softran and its engines, CPU threads, CUDA."""

from __future__ import annotations

import os
import sys

import typer

import softran

__all__ = ["info"]


def _triton_version() -> str:
    """Triton's version without importing it (an import would fix its interpreter mode)."""
    from importlib import metadata

    try:
        return f"{metadata.version('triton')} (GPU LDPC decoder)"
    except metadata.PackageNotFoundError:
        return "not installed (GPU LDPC decoding falls back to the torch path)"


def info() -> None:
    """Versions of softran and its engines, CPU threads, and whether CUDA is usable."""
    import numba
    import torch

    rows = [
        ("softran", softran.__version__),
        ("python", sys.version.split()[0]),
        ("torch", torch.__version__),
        ("numba", numba.__version__),
        ("triton", _triton_version()),
        ("cpu threads", f"{os.cpu_count()} logical, torch uses {torch.get_num_threads()}"),
    ]
    if torch.cuda.is_available():
        rows.append(("cuda", f"usable: {torch.cuda.get_device_name(0)} "
                             f"(CUDA {torch.version.cuda}, {torch.cuda.device_count()} device(s))"))
    else:
        built = torch.version.cuda or "none (CPU build of torch)"
        rows.append(("cuda", f"not usable; torch built with CUDA: {built}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        typer.echo(f"{key:<{width}}  {value}")
