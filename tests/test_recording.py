import json

import pytest
import torch

from softran.recording import read_sigmf, write_sigmf


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
