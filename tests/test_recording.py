import json
import tracemalloc

import numpy as np
import pytest
import torch

from softran.recording import read_recording, read_sigmf, write_recording, write_sigmf
from softran.validation import max_allocation


def test_sigmf_round_trip_multichannel(tmp_path):
    x = torch.randn(3, 1000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1024))
    data, meta = write_sigmf(tmp_path / "rec", x, 30.72e6, center_frequency=3.5e9,
                             description="test", extra={"n_cell_id": 7})
    y, info = read_sigmf(tmp_path / "rec.sigmf-meta")
    assert torch.equal(x, y)
    assert info["core:sample_rate"] == 30.72e6 and info["core:num_channels"] == 3
    assert info["softran:n_cell_id"] == 7
    on_disk = json.loads(meta.read_text())
    assert on_disk["captures"][0]["core:frequency"] == 3.5e9
    assert data.stat().st_size == 3 * 1000 * 8  # cf32_le: 8 bytes per complex sample


def test_sigmf_bad_input(tmp_path):
    with pytest.raises(TypeError, match="complex"):
        write_sigmf(tmp_path / "r", torch.ones(10), 1e6)
    with pytest.raises(ValueError, match="sample_rate"):
        write_sigmf(tmp_path / "r", torch.ones(10, dtype=torch.complex64), 0)


def test_sigmf_reads_only_the_samples_asked_for(tmp_path):
    x = torch.randn(2, 50, generator=torch.Generator().manual_seed(1), dtype=torch.complex64)
    write_sigmf(tmp_path / "rec", x, 1e6)
    y, _ = read_sigmf(tmp_path / "rec", offset=7, count=11)
    assert torch.equal(y, x[:, 7:18]) and y.is_contiguous()
    assert torch.equal(read_sigmf(tmp_path / "rec", offset=40)[0], x[:, 40:])
    assert read_sigmf(tmp_path / "rec", offset=50)[0].shape == (2, 0)
    with pytest.raises(ValueError, match=r"count = 10 samples from offset = 45 run past the end "
                                         r"of the recording \(50 samples\); allowed: count <= 5"):
        read_sigmf(tmp_path / "rec", offset=45, count=10)
    with pytest.raises(ValueError, match="offset = 51 is beyond the end"):
        read_sigmf(tmp_path / "rec", offset=51)
    with pytest.raises(ValueError, match="offset = -1 is out of range"):
        read_sigmf(tmp_path / "rec", offset=-1)
    # .npy recordings are memory-mapped the same way
    paths = write_recording(tmp_path / "n", x, 1e6, format="npy")
    z, fs, _ = read_recording(paths[0], sample_rate=1e6, offset=3, count=4)
    assert torch.equal(z, x[:, 3:7]) and fs == 1e6


def _sparse_sigmf(tmp_path, n_samples: int, n_channels: int = 1):
    """A SigMF recording of ``n_samples`` zero samples per channel whose data file is sparse
    (no disk space, no time to write), with one marker sample written at sample 10**6."""
    data, meta = write_sigmf(tmp_path / "big", torch.zeros(n_channels, 1, dtype=torch.complex64),
                             1e6)
    with open(data, "r+b") as f:
        f.truncate(8 * n_channels * n_samples)
        f.seek(8 * n_channels * 10**6)
        f.write(np.array([3 - 4j] * n_channels, dtype="<c8").tobytes())
    m = json.loads(meta.read_text())
    del m["global"]["core:sha512"]          # the checksum of the one-sample file we replaced
    meta.write_text(json.dumps(m))
    return data, meta


def test_large_sigmf_is_mapped_not_read_whole(tmp_path):
    n = 1 << 27                                              # 2**27 samples: 1 GiB of cf32
    data, meta = _sparse_sigmf(tmp_path, n)
    assert data.stat().st_size == 8 * n
    tracemalloc.start()
    try:
        y, _ = read_sigmf(meta, offset=10**6 - 2, count=4)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert y.tolist() == [[0j, 0j, 3 - 4j, 0j]]
    assert peak < 1 << 20                                    # 4 samples read, not 1 GiB
    # the whole recording does not fit under the limit: refused before reading, saying how
    with max_allocation("256M"):
        with pytest.raises(ValueError, match=r"recording '.*big': count \(the whole recording\) "
                                             r"= 134217728 would need about 1 GiB of memory, "
                                             r"more than the limit of 256 MiB.*read a part of "
                                             r"it \(offset and count"):
            read_sigmf(meta)
        with pytest.raises(ValueError, match=r"count = 33554433 would need about 256 MiB"):
            read_recording(meta, count=(1 << 25) + 1)


@pytest.mark.filterwarnings("ignore:Data source does not contain an integer number")
def test_damaged_sigmf_gives_one_clear_error(tmp_path):
    data, meta = write_sigmf(tmp_path / "d", torch.ones(1, 8, dtype=torch.complex64), 1e6)
    with open(data, "r+b") as f:                             # same size, other bytes
        f.write(bytes(8))
    with pytest.raises(ValueError, match=r"inconsistent SigMF recording: d.sigmf-data does not "
                                         r"match the core:sha512 checksum"):
        read_sigmf(meta)
    assert read_sigmf(meta, count=2)[0].shape == (1, 2)     # a partial read skips the checksum
    with open(data, "r+b") as f:
        f.truncate(8 * 8 - 3)                               # cut inside a sample
    m = json.loads(meta.read_text())
    del m["global"]["core:sha512"]
    meta.write_text(json.dumps(m))
    with pytest.raises(ValueError, match="61 bytes, not a multiple of 8"):
        read_sigmf(meta, count=1)
