"""UE-side PDCCH blind decoding (TS 38.213 §10.1 with TS 38.211 §7.3.2 / §7.4.1.3 and
TS 38.212 §7.3): DCIs found in noise, no false alarms in noise only, bad inputs."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.coding.dci import dci_decode, dci_encode
from softran.nr.config import CarrierConfig
from softran.nr.pdcch.blind_decode import pdcch_blind_decode
from softran.nr.pdcch.chain import pdcch, pdcch_decode, pdcch_dmrs, pdcch_indices
from softran.nr.pdcch.coreset import CORESETConfig, SearchSpaceConfig, pdcch_candidates

CARRIER = CarrierConfig(n_size_grid=52, n_cell_id=33, n_slot=3)
CORESET = CORESETConfig(frequency_resources=[1] * 8, duration=2, cce_reg_mapping="interleaved",
                        reg_bundle_size=6, interleaver_size=2)           # 16 CCEs
USS = SearchSpaceConfig(n_candidates=(6, 6, 4, 2, 1))
RNTI_A, RNTI_B = 0x1111, 0x2222


def rand_bits(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (n,), generator=torch.Generator().manual_seed(seed),
                         dtype=torch.uint8)


def place(grid: torch.Tensor, carrier: CarrierConfig, cs: CORESETConfig, first: int, al: int,
          bits: torch.Tensor, rnti: int, *, n_id: int, n_rnti: int = 0,
          start_symbol: int = 0) -> None:
    """gNB side: DCI -> PDCCH symbols and DM-RS into the one-port grid [14, K]."""
    data, dmrs = pdcch_indices(carrier, cs, first, al, start_symbol=start_symbol)
    flat = grid.view(-1)
    flat[data] = pdcch(dci_encode(bits, rnti, 108 * al), n_id, n_rnti)
    flat[dmrs] = pdcch_dmrs(carrier, cs, first, al, start_symbol=start_symbol)


def through_channel(grid: torch.Tensor, n_rx: int, n0: float, seed: int,
                    batch: tuple[int, ...] = ()) -> torch.Tensor:
    """Flat Rayleigh gain per receive antenna (normalised to |h| = 1 for a stable SNR) plus
    complex AWGN of variance n0 per RE."""
    gen = torch.Generator().manual_seed(seed)
    h = torch.complex(torch.randn(*batch, n_rx, 1, 1, generator=gen),
                      torch.randn(*batch, n_rx, 1, 1, generator=gen))
    h = h / h.abs()
    rx = h * grid
    noise = torch.complex(torch.randn(rx.shape, generator=gen),
                          torch.randn(rx.shape, generator=gen))
    return rx + math.sqrt(n0 / 2) * noise


def two_dci_grid() -> tuple[torch.Tensor, dict[int, tuple[int, int, torch.Tensor]]]:
    grid = torch.zeros(14, CARRIER.n_subcarriers, dtype=torch.complex64)
    ca = pdcch_candidates(CORESET, USS, n_rnti=RNTI_A, n_slot=CARRIER.slot_in_frame)
    cb = pdcch_candidates(CORESET, USS, n_rnti=RNTI_B, n_slot=CARRIER.slot_in_frame)
    fa = ca[2][0]
    fb = next(f for f in cb[8] if f + 8 <= fa or f >= fa + 2)      # CCEs disjoint from A's
    sent = {RNTI_A: (2, fa, rand_bits(39, 1)), RNTI_B: (8, fb, rand_bits(39, 2))}
    for rnti, (al, first, bits) in sent.items():
        place(grid, CARRIER, CORESET, first, al, bits, rnti, n_id=CARRIER.n_cell_id)
    return grid, sent


# ------------------------------------------------------------------------------ detection

@pytest.mark.parametrize("noise_var", [None, 0.5])
def test_two_dcis_found_in_noise(noise_var: float | None) -> None:
    """Two DCIs (AL 2 and AL 8, different RNTIs), 2 receive antennas at SNR 3 dB per RE and
    antenna: both found with their bits, nothing else."""
    grid, sent = two_dci_grid()
    rx = through_channel(grid, 2, 0.5, seed=3)
    found = pdcch_blind_decode(rx, CARRIER, CORESET, USS, [RNTI_A, RNTI_B], [39, 20],
                               noise_var=noise_var)
    got = {f.rnti: (f.aggregation_level, f.first_cce, f.bits) for f in found}
    assert len(found) == 2 and set(got) == set(sent)
    for rnti, (al, first, bits) in sent.items():
        assert got[rnti][:2] == (al, first)
        assert torch.equal(got[rnti][2], bits)
    assert all(f.dci_size == 39 and f.batch_index == () for f in found)


def test_batch_dimensions() -> None:
    """Leading dimensions [2, 3]: the DCIs only in entry (1, 0); every other entry is noise."""
    grid, _ = two_dci_grid()
    grids = torch.zeros(2, 3, 14, CARRIER.n_subcarriers, dtype=torch.complex64)
    grids[1, 0] = grid
    rx = through_channel(grids.unsqueeze(2), 1, 0.2, seed=4, batch=(2, 3))   # [2, 3, 1, 14, K]
    found = pdcch_blind_decode(rx, CARRIER, CORESET, USS, [RNTI_A, RNTI_B], 39)
    assert sorted((f.batch_index, f.rnti) for f in found) == [((1, 0), RNTI_A), ((1, 0), RNTI_B)]


def test_uss_with_scrambling_id_uses_c_rnti() -> None:
    """pdcch-DMRS-ScramblingID configured and a USS: n_ID = the scrambling id, n_RNTI = C-RNTI
    (TS 38.211 §7.3.2.3); the DM-RS uses the same N_ID."""
    cs = CORESETConfig(**{**CORESET.model_dump(), "pdcch_dmrs_scrambling_id": 4242})
    grid = torch.zeros(14, CARRIER.n_subcarriers, dtype=torch.complex64)
    first = pdcch_candidates(cs, USS, n_rnti=RNTI_A, n_slot=3)[4][1]
    bits = rand_bits(45, 7)
    place(grid, CARRIER, cs, first, 4, bits, RNTI_A, n_id=4242, n_rnti=RNTI_A)
    rx = through_channel(grid, 1, 0.1, seed=5)
    found = pdcch_blind_decode(rx, CARRIER, cs, USS, RNTI_A, 45)
    assert [(f.aggregation_level, f.first_cce) for f in found] == [(4, first)]
    assert torch.equal(found[0].bits, bits)
    # the receiver that assumes the cell-id scrambling does not find it
    assert pdcch_blind_decode(rx, CARRIER, CORESET, USS, RNTI_A, 45) == []


def test_common_search_space_nested_candidates_reported_once() -> None:
    """CSS (Y = 0) on a 1-symbol non-interleaved CORESET of 16 CCEs: the AL 8 candidate at
    CCE 0 reads the first 432 REs of an AL 16 PDCCH at CCE 0 and, with E >= N = 512, the same
    repeated codeword, so its CRC passes too; the DCI is reported once, at AL 16."""
    cs = CORESETConfig(coreset_id=0, frequency_resources=[1] * 16, duration=1)
    css = SearchSpaceConfig(coreset_id=0, search_space_type="common", n_candidates=(0, 0, 0, 1, 1),
                            start_symbol=1)
    carrier = CarrierConfig(n_size_grid=106, n_cell_id=1)
    grid = torch.zeros(14, carrier.n_subcarriers, dtype=torch.complex64)
    bits = rand_bits(41, 8)
    place(grid, carrier, cs, 0, 16, bits, 0xFFFF, n_id=1, start_symbol=1)
    data8, _ = pdcch_indices(carrier, cs, 0, 8, start_symbol=1)
    assert dci_decode(pdcch_decode(grid.view(-1)[data8], 1, 0, 0.1), 41, 0xFFFF)[1] == 0
    found = pdcch_blind_decode(grid.unsqueeze(0), carrier, cs, css, 0xFFFF, 41, noise_var=0.1)
    assert [(f.aggregation_level, f.first_cce) for f in found] == [(16, 0)]


# ------------------------------------------------------------------------------ false alarms

def test_no_false_alarms_in_noise_only() -> None:
    """32 noise-only grids x 19 candidates x 2 RNTIs x 2 sizes = 2432 CRC checks. With CA-SCL
    L = 8 each check passes with probability about L 2^-24 (any of the 8 paths), so the
    expected number of false alarms is 2432 * 8 / 2^24 = 1.2e-3: finding none is the expected
    outcome (P(any) ~ 0.1 %)."""
    gen = torch.Generator().manual_seed(11)
    shape = (32, 1, 14, CARRIER.n_subcarriers)
    rx = torch.complex(torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    found = pdcch_blind_decode(rx, CARRIER, CORESET, USS, [RNTI_A, RNTI_B], [20, 39])
    assert found == []


def test_crc_syndrome_of_noise_is_uniform() -> None:
    """The false-alarm rate 2^-24 per path assumes the CRC syndrome of a noise decode is
    uniform over 24 bits. Estimate it on its 6 leading bits: over 2048 noise decodes
    (L = 8, RNTI mask 0x1111) P(6 leading bits = 0) = 1/64, i.e. 32 expected, standard
    deviation sqrt(2048 / 64 (1 - 1/64)) = 5.6; accept within 4 sigma."""
    gen = torch.Generator().manual_seed(12)
    llr = 2.0 * torch.randn(2048, 216, generator=gen)
    _, mask = dci_decode(llr, 39, RNTI_A)
    count = int(((mask >> 18) == 0).sum())
    sd = math.sqrt(2048 / 64 * (1 - 1 / 64))
    assert abs(count - 32) <= 4 * sd
    assert int((mask == 0).sum()) == 0


# ------------------------------------------------------------------------------ bad inputs

def test_bad_inputs() -> None:
    rx = torch.zeros(1, 14, CARRIER.n_subcarriers, dtype=torch.complex64)
    with pytest.raises(TypeError, match="rx_grid"):
        pdcch_blind_decode(rx.real, CARRIER, CORESET, USS, 1, 20)
    with pytest.raises(ValueError, match="last two dimensions"):
        pdcch_blind_decode(rx[..., :-1], CARRIER, CORESET, USS, 1, 20)
    with pytest.raises(ValueError, match="rx_grid"):
        pdcch_blind_decode(rx[0, 0], CARRIER, CORESET, USS, 1, 20)
    with pytest.raises(ValueError, match="rntis"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, [], 20)
    with pytest.raises(ValueError, match="rntis"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, [5, 5], 20)
    with pytest.raises(ValueError, match="rntis"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, 0, 20)
    with pytest.raises(ValueError, match="dci_sizes"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, 1, 141)
    with pytest.raises(ValueError, match="noise_var"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, 1, 20, noise_var=-1.0)
    with pytest.raises(ValueError, match="noise_var"):
        pdcch_blind_decode(rx, CARRIER, CORESET, USS, 1, 20, noise_var=torch.ones(3))
    with pytest.raises(TypeError, match="search_space"):
        pdcch_blind_decode(rx, CARRIER, CORESET, None, 1, 20)
    with pytest.raises(ValueError, match="coreset_id"):
        pdcch_blind_decode(rx, CARRIER, CORESET, SearchSpaceConfig(coreset_id=2), 1, 20)
    with pytest.raises(ValueError, match="start_symbol"):
        pdcch_blind_decode(rx, CARRIER, CORESET, SearchSpaceConfig(start_symbol=13), 1, 20)
