"""IQ recordings in SigMF, the SDR community's recording format (sigmf.org, core namespace v1).

A recording is a ``.sigmf-data`` file of little-endian complex float32 samples (``cf32_le``),
channels interleaved sample by sample, and a ``.sigmf-meta`` JSON file with the sample rate,
centre frequency and a description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sigmf import SigMFFile
from sigmf.sigmffile import fromfile

from softran.validation import check_positive, check_tensor

__all__ = ["read_sigmf", "write_sigmf"]


def _base(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix in (".sigmf-data", ".sigmf-meta"):
        path = path.with_suffix("")
    return path


def write_sigmf(path: str | Path, waveform: torch.Tensor, sample_rate: float, *,
                center_frequency: float = 0.0, description: str = "",
                extra: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``waveform`` ([n_channels, n_samples] or [n_samples], complex) as a SigMF recording.

    Returns the paths of the data and metadata files (``path`` with the two SigMF suffixes).
    ``extra`` entries go into the global metadata under the ``softran:`` namespace.

    >>> import tempfile, torch
    >>> d = tempfile.mkdtemp()
    >>> _ = write_sigmf(d + "/x", torch.ones(2, 4, dtype=torch.complex64), 1e6)
    >>> read_sigmf(d + "/x")[0].shape
    torch.Size([2, 4])
    """
    waveform = check_tensor("waveform", waveform, min_dim=1)
    if not waveform.is_complex():
        raise TypeError(f"waveform must be complex, got dtype {waveform.dtype}")
    if waveform.dim() > 2:
        raise ValueError(f"waveform must be [n_channels, n_samples] or [n_samples], "
                         f"got shape {tuple(waveform.shape)}")
    sample_rate = check_positive("sample_rate", sample_rate)
    samples = waveform.detach().to("cpu", torch.complex64).reshape(-1, waveform.shape[-1])
    n_channels = samples.shape[0]
    base = _base(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    data_path = base.with_suffix(".sigmf-data")
    samples.T.contiguous().numpy().astype("<c8").tofile(data_path)
    global_info: dict[str, Any] = {
        "core:datatype": "cf32_le",
        "core:sample_rate": sample_rate,
        "core:num_channels": n_channels,
        "core:description": description,
        "core:recorder": "softran",
    }
    if extra:
        global_info["core:extensions"] = [{"name": "softran", "version": "0.1.0",
                                           "optional": True}]
    for key, value in (extra or {}).items():
        global_info[f"softran:{key}"] = value
    meta = SigMFFile(data_file=str(data_path), global_info=global_info)
    meta.add_capture(0, metadata={"core:frequency": float(center_frequency)})
    meta.tofile(str(base.with_suffix(".sigmf-meta")), toarchive=False)
    return data_path, base.with_suffix(".sigmf-meta")


def read_sigmf(path: str | Path) -> tuple[torch.Tensor, dict[str, Any]]:
    """Read a ``cf32_le`` SigMF recording: ([n_channels, n_samples] complex64, global metadata).

    Example: see :func:`write_sigmf`.
    """
    base = _base(path)
    meta = fromfile(str(base.with_suffix(".sigmf-meta")))
    info = meta.get_global_info()
    datatype = info.get("core:datatype")
    if datatype != "cf32_le":
        raise ValueError(f"{base}: datatype {datatype!r} is not supported; allowed: 'cf32_le'")
    n_channels = int(info.get("core:num_channels", 1))
    raw = np.fromfile(base.with_suffix(".sigmf-data"), dtype="<c8")
    if raw.size % n_channels:
        raise ValueError(f"{base}: {raw.size} samples do not split into {n_channels} channels")
    data = torch.from_numpy(raw.reshape(-1, n_channels).T.copy())
    return data, info
