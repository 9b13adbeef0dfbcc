"""The one-pass CPU path (segmentation + LDPC + rate matching, only the parity columns that
are read) against the three reference functions, bit for bit (TS 38.212 §5.2.2-§5.5)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc import (
    code_block_segment_ldpc,
    ldpc_encode,
    ldpc_encode_rate_match,
    rate_match_ldpc,
)
from softran.nr.coding.sch_info import ldpc_segment_info

QM = {"pi/2-BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8, "1024QAM": 10}


def reference(blk: torch.Tensor, bgn: int, g: int, rv: int, mod: str, n_layers: int,
              n_ref: int | None) -> torch.Tensor:
    cw = ldpc_encode(code_block_segment_ldpc(blk, bgn), bgn, kernel="torch")
    return rate_match_ldpc(cw, g, rv, mod, n_layers, n_ref=n_ref)


@given(b=st.integers(1, 26000), bgn=st.sampled_from([1, 2]), rv=st.integers(0, 3),
       mod=st.sampled_from(list(QM)), n_layers=st.integers(1, 4),
       rate=st.floats(0.2, 0.98), limited=st.booleans(), batch=st.integers(1, 2),
       seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=60, deadline=None)
def test_equals_segment_encode_rate_match(b: int, bgn: int, rv: int, mod: str, n_layers: int,
                                          rate: float, limited: bool, batch: int,
                                          seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    blk = torch.randint(0, 2, (batch, b), dtype=torch.uint8, generator=gen)
    nq = n_layers * QM[mod]
    g = max(nq, int(b / rate) // nq * nq)
    # limited buffer: N_ref between K - 2 Zc (some positions besides the fillers) and N
    seg = ldpc_segment_info(b, bgn)
    n_ref = (seg.k - 2 * seg.zc + 1 + seed % (seg.n - seg.k + 2 * seg.zc)) if limited else None
    assert torch.equal(ldpc_encode_rate_match(blk, bgn, g, rv, mod, n_layers, n_ref=n_ref),
                       reference(blk, bgn, g, rv, mod, n_layers, n_ref))


@pytest.mark.parametrize("rv", [0, 1, 2, 3])
def test_large_block_every_rv(rv: int) -> None:
    """The issue's case: 1 179 888 bits (TBS + CRC24A), BG1, 256QAM, 4 layers (141 blocks)."""
    gen = torch.Generator().manual_seed(rv)
    blk = torch.randint(0, 2, (1, 1179888), dtype=torch.uint8, generator=gen)
    g = 1257984
    assert torch.equal(ldpc_encode_rate_match(blk, 1, g, rv, "256QAM", 4),
                       reference(blk, 1, g, rv, "256QAM", 4, None))


def test_few_bits_repetition_and_zero_output() -> None:
    blk = torch.ones(3, 40, dtype=torch.uint8)
    for g in (0, 8, 4000):  # nothing, a few bits, E > N_cb (repetition)
        assert torch.equal(ldpc_encode_rate_match(blk, 2, g, 1, "QPSK", 2),
                           reference(blk, 2, g, 1, "QPSK", 2, None))


def test_bad_inputs() -> None:
    blk = torch.zeros(1, 100, dtype=torch.uint8)
    with pytest.raises(ValueError, match="blk must contain only 0 and 1, found 2"):
        ldpc_encode_rate_match(blk + 2, 2, 200, 0, "QPSK")
    with pytest.raises(ValueError, match="out_len = 201 must be a multiple"):
        ldpc_encode_rate_match(blk, 2, 201, 0, "QPSK")
    with pytest.raises(ValueError, match="rv"):
        ldpc_encode_rate_match(blk, 2, 200, 4, "QPSK")
    with pytest.raises(TypeError, match="blk"):
        ldpc_encode_rate_match(blk.float(), 2, 200, 0, "QPSK")


@given(a=st.integers(1, 30000), tail_len=st.integers(0, 30), bgn=st.sampled_from([1, 2]),
       mod=st.sampled_from(list(QM)), batch=st.integers(1, 2), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=30, deadline=None)
def test_tail_is_the_block_concatenated(a: int, tail_len: int, bgn: int, mod: str, batch: int,
                                        seed: int) -> None:
    """``tail`` (e.g. a transport block's CRC) follows ``blk``: the bits of the one block
    ``blk`` ++ ``tail``, through the same three functions (TS 38.212 §5.2.2, §5.3.2, §5.4.2)."""
    gen = torch.Generator().manual_seed(seed)
    blk = torch.randint(0, 2, (batch, a), dtype=torch.uint8, generator=gen)
    tail = torch.randint(0, 2, (batch, tail_len), dtype=torch.uint8, generator=gen)
    whole = torch.cat([blk, tail], dim=-1)
    nq = 2 * QM[mod]
    g = max(nq, int(whole.shape[-1] / 0.7) // nq * nq)
    got = ldpc_encode_rate_match(blk, bgn, g, seed % 4, mod, 2, tail=tail)
    assert torch.equal(got, reference(whole, bgn, g, seed % 4, mod, 2, None))


def test_tail_must_match_the_block_rows() -> None:
    with pytest.raises(ValueError, match=r"tail must have the leading dimensions \(2,\)"):
        ldpc_encode_rate_match(torch.zeros(2, 100, dtype=torch.uint8), 2, 400, 0, "QPSK",
                               tail=torch.zeros(3, 24, dtype=torch.uint8))


@given(b=st.integers(1, 26000), bgn=st.sampled_from([1, 2]), mod=st.sampled_from(list(QM)),
       n_layers=st.integers(1, 4), rate=st.floats(0.2, 0.95), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=25, deadline=None)
def test_kept_workspace_gives_the_reference_every_call(b: int, bgn: int, mod: str,
                                                       n_layers: int, rate: float,
                                                       seed: int) -> None:
    """encode_rate_match_rows_into with one kept workspace, reused over blocks and every rv
    (the buffers hold whatever the previous call left), equals the three reference
    functions (TS 38.212 §5.2.2-§5.5) bit for bit."""
    import numpy as np

    from softran.nr.coding.ldpc.encode_rate_match import (
        encode_rate_match_plan,
        encode_rate_match_rows_into,
        encode_rate_match_workspace,
    )
    gen = torch.Generator().manual_seed(seed)
    nq = n_layers * QM[mod]
    g = max(nq, int(b / rate) // nq * nq)
    ws = None
    for rv in (0, 2, 3, 1, 0):
        blk = torch.randint(0, 2, (2, b), dtype=torch.uint8, generator=gen)
        plan = encode_rate_match_plan(b, bgn, g, rv, QM[mod], n_layers, None)
        if ws is None:
            ws = encode_rate_match_workspace(plan)
            for w in ws:
                w[:] = 1                   # whatever a previous call left
        tail = np.zeros((2, plan.pad), dtype=np.uint8)
        out = np.empty((2, g), dtype=np.uint8)
        encode_rate_match_rows_into(blk.numpy(), tail, *plan.args, out, *ws)
        assert torch.equal(torch.from_numpy(out), reference(blk, bgn, g, rv, mod, n_layers,
                                                            None))


@given(b=st.integers(1, 26000), bgn=st.sampled_from([1, 2]),
       mod=st.sampled_from(["QPSK", "16QAM", "64QAM", "256QAM", "1024QAM"]),
       n_layers=st.integers(1, 4), rate=st.floats(0.2, 0.95), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=25, deadline=None)
def test_labels_are_the_rate_matched_bits_packed_per_symbol(b: int, bgn: int, mod: str,
                                                           n_layers: int, rate: float,
                                                           seed: int) -> None:
    """encode_rate_match_labels_into (one kept workspace over every rv, buffers dirty at the
    start): label j of a row is the reference's bits f_{j Qm} .. f_{j Qm + Qm - 1} (TS 38.212
    §5.4.2.2 order) read as a number, f_{j Qm} the most significant bit (TS 38.211 §5.1),
    XOR the mask -- worked out here from the reference bits, for uint8 and uint16 labels."""
    import numpy as np

    from softran.nr.coding.ldpc.encode_rate_match import (
        encode_rate_match_labels_into,
        encode_rate_match_plan,
        encode_rate_match_workspace,
    )
    gen = torch.Generator().manual_seed(seed)
    qm = QM[mod]
    nq = n_layers * qm
    g = max(nq, int(b / rate) // nq * nq)
    dtype = np.uint8 if qm <= 8 else np.uint16
    weights = 1 << np.arange(qm - 1, -1, -1, dtype=np.int64)
    ws = None
    for rv in (0, 2, 3, 1, 0):
        blk = torch.randint(0, 2, (2, b), dtype=torch.uint8, generator=gen)
        mask_bits = torch.randint(0, 2, (g,), dtype=torch.uint8, generator=gen)
        plan = encode_rate_match_plan(b, bgn, g, rv, qm, n_layers, None)
        if ws is None:
            ws = encode_rate_match_workspace(plan)
            for w in ws:
                w[:] = 1                   # whatever a previous call left
        tail = np.zeros((2, plan.pad), dtype=np.uint8)
        mask = (mask_bits.numpy().astype(np.int64).reshape(-1, qm) @ weights).astype(dtype)
        labels = np.full((2, g // qm), 7, dtype=dtype)
        top = encode_rate_match_labels_into(blk.numpy(), tail, *plan.args, mask, labels, *ws)
        assert top == int(blk.max())           # the OR of the bytes read: bits only
        bits = reference(blk, bgn, g, rv, mod, n_layers, None) ^ mask_bits
        want = bits.numpy().astype(np.int64).reshape(2, -1, qm) @ weights
        assert np.array_equal(labels.astype(np.int64), want)
    bad = blk.clone()
    bad[1, seed % b] = 2 + seed % 200          # any value that is not a bit is reported
    assert encode_rate_match_labels_into(bad.numpy(), tail, *plan.args, mask, labels, *ws) > 1


@given(a=st.integers(1, 30000), bgn=st.sampled_from([1, 2]),
       mod=st.sampled_from(["QPSK", "64QAM", "256QAM"]), rate=st.floats(0.2, 0.95),
       seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=25, deadline=None)
def test_labels_with_the_transport_block_crc_computed_inside(a: int, bgn: int, mod: str,
                                                             rate: float, seed: int) -> None:
    """encode_rate_match_labels_into with tb_l > 0 (the TB CRC of TS 38.212 §7.2.1 computed
    in the kernel, in one pass with the code blocks' CRC24B): the tail's first L bits are
    crc_parity of the block, and the labels are those of the block given with that CRC
    (the reference chain, packed as the test above); the tail's dirty CRC bits are
    overwritten, any block length (code block boundaries at any bit, not only bytes)."""
    import numpy as np

    from softran.nr.coding.crc import crc_byte_tables, crc_parity
    from softran.nr.coding.ldpc.encode_rate_match import (
        encode_rate_match_labels_into,
        encode_rate_match_plan,
        encode_rate_match_workspace,
    )
    gen = torch.Generator().manual_seed(seed)
    poly = "24A" if a > 3824 else "16"
    big_l = 24 if poly == "24A" else 16
    qm = QM[mod]
    g = max(qm, int((a + big_l) / rate) // qm * qm)
    weights = 1 << np.arange(qm - 1, -1, -1, dtype=np.int64)
    table, gen_poly = crc_byte_tables(poly)
    ws = None
    for rv in (0, 3):
        blk = torch.randint(0, 2, (2, a), dtype=torch.uint8, generator=gen)
        plan = encode_rate_match_plan(a + big_l, bgn, g, rv, qm, 1, None)
        if ws is None:
            ws = encode_rate_match_workspace(plan)
        tail = np.zeros((2, big_l + plan.pad), dtype=np.uint8)
        tail[:, :big_l] = 1                    # whatever a previous call left
        mask = np.zeros(g // qm, dtype=np.uint8)
        labels = np.empty((2, g // qm), dtype=np.uint8)
        top = encode_rate_match_labels_into(blk.numpy(), tail, *plan.args, mask, labels, *ws,
                                            big_l, table, np.int64(gen_poly))
        assert top == int(blk.max())
        crc = crc_parity(blk, poly)
        assert np.array_equal(tail[:, :big_l], crc.numpy())
        bits = reference(torch.cat([blk, crc], dim=-1), bgn, g, rv, mod, 1, None)
        want = bits.numpy().astype(np.int64).reshape(2, -1, qm) @ weights
        assert np.array_equal(labels.astype(np.int64), want)
    bad = blk.clone()
    bad[0, seed % a] = 2 + seed % 254          # not a bit: reported (and no stray read)
    assert encode_rate_match_labels_into(bad.numpy(), tail, *plan.args, mask, labels, *ws,
                                         big_l, table, np.int64(gen_poly)) > 1
