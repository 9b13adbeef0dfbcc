"""MIMO spatial correlation of the TDL channel (TS 38.104 Annex G.2.3, TS 38.101-4 B.2.3)."""

import math

import pytest
import torch

from softran.channel import TDLChannel, spatial_correlation_matrix

# (alpha = UE / tx, beta = gNB / rx): TS 38.104 Table G.2.3.2-1; medium-a: TS 38.101-4
# Table B.2.3.2-1 (gNB 0.3, UE 0.3874)
LEVELS = {"low": (0.0, 0.0), "medium": (0.9, 0.3), "medium-a": (0.3874, 0.3),
          "high": (0.9, 0.9)}


def _r2(c):
    return torch.tensor([[1.0, c], [c, 1.0]], dtype=torch.float64)


def _r4(c):
    c1, c4 = c ** (1 / 9), c ** (4 / 9)
    return torch.tensor([[1.0, c1, c4, c], [c1, 1.0, c1, c4], [c4, c1, 1.0, c1],
                         [c, c4, c1, 1.0]], dtype=torch.float64)


@pytest.mark.parametrize("level", list(LEVELS))
def test_2x2_matrix_written_out(level):
    a, b = LEVELS[level]
    # R_UE ⊗ R_gNB = [[1, a], [a, 1]] ⊗ [[1, b], [b, 1]], written out
    ref = torch.tensor([[1, b, a, a * b], [b, 1, a * b, a], [a, a * b, 1, b],
                        [a * b, a, b, 1]], dtype=torch.float64)
    assert torch.allclose(spatial_correlation_matrix(level, 2, 2), ref, atol=1e-12)


def test_1x2_and_2x1():
    assert torch.allclose(spatial_correlation_matrix("medium", 1, 2), _r2(0.3), atol=1e-12)
    assert torch.allclose(spatial_correlation_matrix("medium", 2, 1), _r2(0.9), atol=1e-12)
    assert torch.equal(spatial_correlation_matrix("high", 1, 1),
                       torch.ones(1, 1, dtype=torch.float64))


@pytest.mark.parametrize("level", list(LEVELS))
def test_4x4_matrix(level):
    a, b = LEVELS[level]
    ref = torch.kron(_r4(a), _r4(b))
    adj = {"high": 0.00012, "medium": 0.00012}.get(level)
    if adj is not None:
        ref = (ref + adj * torch.eye(16, dtype=torch.float64)) / (1 + adj)
    got = spatial_correlation_matrix(level, 4, 4)
    assert torch.allclose(got, ref, atol=1e-12)


def test_high_4x4_annex_rounded_entries():
    # first row of the 4x4 high matrix as printed (4 digits) in the annex table
    row = spatial_correlation_matrix("high", 4, 4)[0, :4]
    assert torch.allclose(row, torch.tensor([1.0, 0.9882, 0.9541, 0.8999],
                                            dtype=torch.float64), atol=5e-5)


def test_high_2x4_adjustment():
    a = 0.00010
    ref = (torch.kron(_r2(0.9), _r4(0.9)) + a * torch.eye(8, dtype=torch.float64)) / (1 + a)
    assert torch.allclose(spatial_correlation_matrix("high", 2, 4), ref, atol=1e-12)


def test_8_antennas_powers():
    r = spatial_correlation_matrix("high", 1, 8)
    k = torch.arange(8, dtype=torch.float64)
    ref = 0.9 ** (((k[:, None] - k[None, :]) / 7) ** 2)
    assert torch.allclose(r, ref, atol=1e-12)


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("n_tx,n_rx", [(1, 1), (2, 2), (2, 4), (4, 4), (8, 8), (4, 8)])
def test_symmetric_psd_unit_diagonal(level, n_tx, n_rx):
    r = spatial_correlation_matrix(level, n_tx, n_rx)
    assert r.shape == (n_tx * n_rx,) * 2
    assert torch.equal(r, r.T)
    assert float(torch.linalg.eigvalsh(r).min()) > -1e-12
    assert torch.allclose(torch.diagonal(r), torch.ones(n_tx * n_rx, dtype=torch.float64))


def _sample_correlation(ch, batch):
    ch(torch.zeros(batch, ch.n_tx, 1, dtype=torch.complex64))
    g = ch.path_gains[..., 0].to(torch.complex128)  # [B, R, X, P]
    g = g / ch.path_powers.sqrt()
    v = g.permute(0, 3, 2, 1).reshape(-1, ch.n_tx * ch.n_rx)  # vec index tx * n_rx + rx
    return v.T @ v.conj() / v.shape[0], v.shape[0]


@pytest.mark.parametrize("level,n_tx,n_rx", [("high", 2, 2), ("medium", 2, 4),
                                             ("medium-a", 4, 2)])
def test_sample_correlation_matches(level, n_tx, n_rx):
    ch = TDLChannel("TDL-A", delay_spread=100e-9, max_doppler=0.0, n_tx=n_tx, n_rx=n_rx,
                    sample_rate=1e6, seed=7, correlation=level)
    est, n = _sample_correlation(ch, 2000)
    ref = spatial_correlation_matrix(level, n_tx, n_rx).to(torch.complex128)
    # each entry is a mean of n independent products with variance <= R_ii R_jj = 1
    assert float((est - ref).abs().max()) < 5 / math.sqrt(n)


def test_none_unchanged_and_low_is_identity():
    kw = dict(delay_spread=100e-9, max_doppler=20.0, n_tx=2, n_rx=2, sample_rate=1e6, seed=5)
    x = torch.randn(3, 2, 200, dtype=torch.complex64, generator=torch.Generator().manual_seed(1002))
    y0 = TDLChannel("TDL-B", **kw)(x)
    ch1 = TDLChannel("TDL-B", correlation=None, **kw)
    assert torch.equal(ch1(x), y0)
    ch2 = TDLChannel("TDL-B", correlation="low", **kw)
    assert torch.allclose(ch2(x), y0, atol=1e-5)


def test_los_component_not_correlated():
    kw = dict(delay_spread=30e-9, max_doppler=10.0, n_tx=2, n_rx=2, sample_rate=1e6, seed=2)
    x = torch.zeros(4, 2, 50, dtype=torch.complex64)
    a = TDLChannel("TDL-D", **kw)
    b = TDLChannel("TDL-D", correlation="high", **kw)
    a(x)
    b(x)
    assert torch.equal(a.path_gains[..., 0, :], b.path_gains[..., 0, :])
    assert not torch.allclose(a.path_gains[..., 1, :], b.path_gains[..., 1, :])


def test_correlation_keeps_time_autocorrelation_power():
    # mixing Jakes processes with equal spectra keeps unit power per link
    ch = TDLChannel("TDL-A", delay_spread=100e-9, max_doppler=50.0, n_tx=2, n_rx=2,
                    sample_rate=1e6, seed=11, correlation="high")
    est, n = _sample_correlation(ch, 1000)
    assert torch.allclose(torch.diagonal(est).real, torch.ones(4, dtype=torch.float64),
                          atol=5 / math.sqrt(n))


def test_bad_inputs():
    with pytest.raises(ValueError, match="level"):
        spatial_correlation_matrix("strong", 2, 2)
    with pytest.raises(TypeError, match="level"):
        spatial_correlation_matrix(0.9, 2, 2)
    with pytest.raises(ValueError, match="n_tx"):
        spatial_correlation_matrix("high", 3, 2)
    with pytest.raises(ValueError, match="n_rx"):
        spatial_correlation_matrix("high", 2, 16)
    with pytest.raises(TypeError, match="n_rx"):
        spatial_correlation_matrix("high", 2, 2.0)
    with pytest.raises(ValueError, match="correlation"):
        TDLChannel("TDL-A", delay_spread=1e-7, correlation="mid")
    with pytest.raises(ValueError, match="n_rx"):
        TDLChannel("TDL-A", delay_spread=1e-7, n_rx=3, correlation="low")
    # case-insensitive names
    assert torch.equal(spatial_correlation_matrix("Medium-A", 2, 2),
                       spatial_correlation_matrix("medium-a", 2, 2))
