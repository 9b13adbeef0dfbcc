"""IQ recordings in SigMF, the SDR community's recording format (sigmf.org, core namespace v1),
and plain NumPy ``.npy`` arrays.

A recording is a ``.sigmf-data`` file of little-endian complex float32 samples (``cf32_le``),
channels interleaved sample by sample, and a ``.sigmf-meta`` JSON file with the sample rate,
centre frequency and a description. A ``.npy`` recording is one complex64 array ``[T]`` or
``[n_channels, T]``; it carries no sample rate, which the reader must be given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sigmf import SigMFFile
from sigmf.error import SigMFError
from sigmf.hashing import calculate_sha512
from sigmf.sigmffile import fromfile

from softran.validation import (
    check_allocation,
    check_int,
    check_name,
    check_positive,
    check_tensor,
)

__all__ = ["RECORDING_FORMATS", "read_recording", "read_sigmf", "write_recording", "write_sigmf"]

#: Recording formats of :func:`write_recording` / :func:`read_recording`.
RECORDING_FORMATS: tuple[str, ...] = ("sigmf", "npy")


def _base(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix in (".sigmf-data", ".sigmf-meta"):
        path = path.with_suffix("")
    return path


def _check_waveform(waveform: object) -> torch.Tensor:
    waveform = check_tensor("waveform", waveform, min_dim=1)
    if not waveform.is_complex():
        raise TypeError(f"waveform must be complex, got dtype {waveform.dtype}")
    if waveform.dim() > 2:
        raise ValueError(f"waveform must be [n_channels, n_samples] or [n_samples], "
                         f"got shape {tuple(waveform.shape)}")
    return waveform


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
    waveform = _check_waveform(waveform)
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


def _sample_range(where: str, n_total: int, offset: object, count: object) -> tuple[int, int]:
    """Checked ``(offset, count)`` of a read of ``n_total`` samples (count None: to the end)."""
    offset = check_int("offset", offset, 0)
    if offset > n_total:
        raise ValueError(f"{where}: offset = {offset} is beyond the end of the recording "
                         f"({n_total} samples); allowed: 0..{n_total}")
    if count is None:
        return offset, n_total - offset
    count = check_int("count", count, 0)
    if offset + count > n_total:
        raise ValueError(f"{where}: count = {count} samples from offset = {offset} run past the "
                         f"end of the recording ({n_total} samples); allowed: count <= "
                         f"{n_total - offset}")
    return offset, count


def _check_read(where: str, offset: int, count: int, n_channels: int, whole: bool) -> None:
    """Refuse a read that would not fit in memory (:func:`check_allocation`), saying how to
    read a part instead."""
    try:
        check_allocation("count" if not whole else "count (the whole recording)", count,
                         count * n_channels, np.dtype(np.complex64).itemsize)
    except ValueError as err:
        raise ValueError(f"{where}: {err}; read a part of it (offset and count, in samples)"
                         ) from None


def read_sigmf(path: str | Path, *, offset: int = 0, count: int | None = None
               ) -> tuple[torch.Tensor, dict[str, Any]]:
    """Read a ``cf32_le`` SigMF recording: ([n_channels, count] complex64, global metadata).

    The data file is memory-mapped and only the samples asked for are read: ``count`` samples
    per channel (default: all up to the end) from sample ``offset`` (default 0). A read that
    would not fit in memory (:func:`softran.validation.check_allocation`) is refused with a
    ``ValueError`` that says so, before anything is read; a range beyond the end of the
    recording is an error, not clipped. A ``core:sha512`` checksum in the metadata is
    verified when the whole recording is read (a partial read skips it: it would read all).

    Example: see :func:`write_sigmf`; ``read_sigmf(path, offset=1, count=2)`` reads samples 1
    and 2 of every channel.
    """
    base = _base(path)
    meta_path, data_path = base.with_suffix(".sigmf-meta"), base.with_suffix(".sigmf-data")
    for p in (meta_path, data_path):
        if not p.is_file():
            raise ValueError(f"recording {str(base)!r}: {p.name} does not exist")
    try:
        meta = fromfile(str(meta_path), skip_checksum=True)
        info = meta.get_global_info()
    except (ValueError, KeyError, TypeError, SigMFError) as err:  # JSONDecodeError: ValueError
        raise ValueError(f"recording {str(base)!r}: unreadable or inconsistent SigMF recording "
                         f"({' '.join(str(err).split())})") from None
    datatype = info.get("core:datatype")
    if datatype != "cf32_le":
        raise ValueError(f"{base}: datatype {datatype!r} is not supported; allowed: 'cf32_le'")
    n_channels = info.get("core:num_channels", 1)
    if isinstance(n_channels, bool) or not isinstance(n_channels, int) or n_channels < 1:
        raise ValueError(f"{base}: core:num_channels = {n_channels!r} is not allowed; allowed: "
                         "an integer >= 1")
    whole = offset == 0 and count is None
    if whole and "core:sha512" in info:  # a partial read skips it: it would read every byte
        if calculate_sha512(filename=data_path) != info["core:sha512"]:
            raise ValueError(f"recording {str(base)!r}: inconsistent SigMF recording: "
                             f"{data_path.name} does not match the core:sha512 checksum of its "
                             "metadata (damaged or replaced data)")
    size = data_path.stat().st_size
    if size % (8 * n_channels):
        raise ValueError(f"{base}: {data_path.name} has {size} bytes, not a multiple of "
                         f"{8 * n_channels} (cf32_le is 8 bytes per sample, {n_channels} "
                         "channel(s)); the data do not match the metadata")
    n_total = size // (8 * n_channels)
    where = f"recording {str(base)!r}"
    offset, count = _sample_range(where, n_total, offset, count)
    _check_read(where, offset, count, n_channels, whole)
    if count == 0:
        return torch.zeros(n_channels, 0, dtype=torch.complex64), info
    samples = np.memmap(data_path, dtype="<c8", mode="r", offset=8 * n_channels * offset,
                        shape=(count, n_channels))
    try:  # one copy, of the samples asked for only, transposed to [n_channels, count]
        data = np.array(samples.T, dtype=np.complex64, order="C", copy=True)
    finally:
        del samples
    return torch.from_numpy(data), info


def write_recording(path: str | Path, waveform: torch.Tensor, sample_rate: float, *,
                    format: str = "sigmf", center_frequency: float = 0.0,
                    description: str = "", extra: dict[str, Any] | None = None) -> list[Path]:
    """Write ``waveform`` (complex ``[n_channels, T]`` or ``[T]``) as a SigMF recording
    (:func:`write_sigmf`) or a complex64 ``.npy`` array (``format="npy"``, written to ``path``
    with the suffix ``.npy``; the sample rate and metadata are not stored).

    Returns the paths written.

    >>> import tempfile
    >>> p = write_recording(tempfile.mkdtemp() + "/r", torch.ones(2, 3, dtype=torch.complex64),
    ...                     1e6, format="npy")
    >>> p[0].suffix, read_recording(p[0], sample_rate=1e6)[0].shape
    ('.npy', torch.Size([2, 3]))
    """
    fmt = check_name("format", format, RECORDING_FORMATS)
    if fmt == "sigmf":
        return list(write_sigmf(path, waveform, sample_rate, center_frequency=center_frequency,
                                description=description, extra=extra))
    waveform = _check_waveform(waveform)
    check_positive("sample_rate", sample_rate)
    out = Path(path)
    out = out if out.suffix == ".npy" else out.with_name(out.name + ".npy")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, waveform.detach().to("cpu", torch.complex64).numpy(), allow_pickle=False)
    return [out]


def read_recording(path: str | Path, *, sample_rate: float | None = None, offset: int = 0,
                   count: int | None = None) -> tuple[torch.Tensor, float, dict[str, Any]]:
    """Read a recording: SigMF (``.sigmf-meta`` / ``.sigmf-data`` or their base name) or a
    complex64 ``.npy`` array.

    Both are memory-mapped and only the samples asked for are read (as :func:`read_sigmf`):
    a read that would not fit in memory is refused with a ``ValueError`` before anything is
    read, and the error says to read a part.

    Parameters
    ----------
    path : the recording.
    sample_rate : Hz; required for ``.npy`` (which stores none); for SigMF, if given, it
        must equal ``core:sample_rate``.
    offset, count : the samples to read (per channel): ``count`` samples (default: all to the
        end) from sample ``offset`` (default 0); a range past the end is an error.

    Returns
    -------
    ``(waveform, sample_rate, metadata)``: complex64 ``[n_channels, T]``, Hz, the SigMF global
    metadata (``{}`` for ``.npy``). A recording that is not what it says (wrong dtype or
    shape, a data size that is not a whole number of samples, a missing or bad sample rate,
    an unreadable file) raises ``ValueError``.

    Example: see :func:`write_recording`.
    """
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"path = {str(p)!r} is a folder; give a recording (.sigmf-meta, "
                         ".sigmf-data, their base name, or .npy)")
    if sample_rate is not None:
        sample_rate = check_positive("sample_rate", sample_rate)
    if p.suffix == ".npy":
        if not p.is_file():
            raise ValueError(f"recording {str(p)!r} does not exist")
        if sample_rate is None:
            raise ValueError(f"recording {str(p)!r}: a .npy recording stores no sample rate; "
                             "give sample_rate (--sample-rate on the command line)")
        try:
            arr = np.load(p, allow_pickle=False, mmap_mode="r")
        except (ValueError, OSError, EOFError) as err:
            raise ValueError(f"recording {str(p)!r} is not a readable .npy array "
                             f"({' '.join(str(err).split())})") from None
        if arr.dtype != np.complex64:
            raise ValueError(f"recording {str(p)!r} has dtype {arr.dtype}; allowed: complex64")
        if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
            raise ValueError(f"recording {str(p)!r} has shape {arr.shape}; allowed: [T] or "
                             "[n_channels, T] with T >= 1")
        arr = arr.reshape(-1, arr.shape[-1])
        where = f"recording {str(p)!r}"
        whole = offset == 0 and count is None
        offset, count = _sample_range(where, arr.shape[-1], offset, count)
        _check_read(where, offset, count, arr.shape[0], whole)
        try:  # one copy, of the samples asked for only
            data = np.array(arr[:, offset:offset + count], dtype=np.complex64, order="C")
        finally:
            del arr
        return torch.from_numpy(data), sample_rate, {}
    data, info = read_sigmf(p, offset=offset, count=count)
    rate = info.get("core:sample_rate")
    if rate is None:
        raise ValueError(f"recording {str(_base(p))!r}: the metadata has no core:sample_rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
        raise ValueError(f"recording {str(_base(p))!r}: core:sample_rate = {rate!r} is not "
                         "allowed; it must be a number > 0")
    if sample_rate is not None and float(rate) != sample_rate:
        raise ValueError(f"sample_rate = {sample_rate:g} disagrees with the recording's "
                         f"core:sample_rate = {float(rate):g}")
    return data, float(rate), info
