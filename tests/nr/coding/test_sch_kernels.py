"""The UL-SCH / DL-SCH decoders' CPU slot path (``sch.KERNELS``: rate recovery, HARQ
combining, desegmentation and the CRCs in Numba passes on kept workspaces) against the torch
reference path (``sch.KERNELS`` and ``rate_match.KERNELS`` off): identical transport blocks,
error flags, per-code-block iterations / CRC24B syndromes / parity flags and HARQ soft
buffers over call sequences with new data, retransmissions of other redundancy versions,
per-block new-data masks, failures and batch shapes; and the kernels' pieces against the
functions they stand for."""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.nr.coding import sch
from softran.nr.coding.crc import crc_decode
from softran.nr.coding.ldpc import rate_match
from softran.nr.coding.ldpc.rate_match import rate_recover_ldpc
from softran.nr.coding.ldpc.segment import code_block_desegment_ldpc
from softran.nr.coding.sch import DLSCHDecoder, ULSCHDecoder, ULSCHEncoder


@contextmanager
def _reference():
    """Both switches off: the decoder's reference path on the torch rate recovery."""
    saved = sch.KERNELS, rate_match.KERNELS
    sch.KERNELS = rate_match.KERNELS = False
    try:
        yield
    finally:
        sch.KERNELS, rate_match.KERNELS = saved


def _state(dec, out):
    tb, err = out
    soft = {h: dec.soft_buffer(h) for h in range(dec.n_harq_processes)}
    return (tb, err, dec.last_iterations, dec.last_cb_crc, dec.last_parity_ok,
            {h: s.clone() for h, s in soft.items() if s is not None},
            {h: (d[0].clone(), d[1].clone()) for h, d in dec._done.items()})


def _assert_same(a, b):
    for x, y in zip(a[:5], b[:5], strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)
    assert a[5].keys() == b[5].keys()
    for h in a[5]:
        # soft buffers bit for bit (zeros' signs included; +inf fillers compare equal)
        assert a[5][h].dtype == b[5][h].dtype
        assert torch.equal(a[5][h], b[5][h])
        assert torch.equal(torch.signbit(a[5][h]), torch.signbit(b[5][h]))
    assert a[6].keys() == b[6].keys()
    for h in a[6]:
        assert torch.equal(a[6][h][0], b[6][h][0]) and torch.equal(a[6][h][1], b[6][h][1])


# (TBS, target code rate, modulation, G): C = 3 BG1 (the issue-18 slot's code: 51 PRB 16QAM
# MCS 16, Zc = 320), C = 2 BG2 with CRC24A, C = 1 with CRC16
CASES = [(18960, 0.6, "16QAM", 29376), (4200, 0.3, "QPSK", 14000), (600, 0.5, "QPSK", 1200)]


def _llr(enc, tb, modulation, g, rv, snr_db, gen):
    x = 1.0 - 2.0 * enc(tb, modulation, 1, g, rv=rv).float()
    sigma2 = 10 ** (-snr_db / 10)
    return (2.0 * (x + math.sqrt(sigma2) * torch.randn(x.shape, generator=gen)) / sigma2)


def _run(case, kernel, calls, seed, reference, kept=False, decoders=None):
    """Decode the sequence ``calls`` of (harq process, rv, snr_db, new_data) with a fresh
    decoder on the slot path or the reference; the states after each call. ``kept``: the
    LLRs are written into one tensor passed every call (as a receiver's kept buffer);
    ``decoders``: a list the decoder is appended to."""
    tbs, rate, modulation, g = case
    gen = torch.Generator().manual_seed(seed)
    enc = ULSCHEncoder(rate)
    dec = ULSCHDecoder(rate, tbs, ldpc_kernel=kernel, max_iterations=6)
    if decoders is not None:
        decoders.append(dec)
    tb = torch.randint(0, 2, (2, tbs), dtype=torch.uint8, generator=gen)
    states = []
    buf = torch.empty(2, g, dtype=torch.float32)
    for h, rv, snr_db, new_data in calls:
        llr = _llr(enc, tb, modulation, g, rv, snr_db, gen)
        if kept:
            llr = buf.copy_(llr)
        if reference:
            with _reference():
                states.append(_state(dec, dec(llr, modulation, 1, rv=rv, harq_process=h,
                                              new_data=new_data)))
        else:
            states.append(_state(dec, dec(llr, modulation, 1, rv=rv, harq_process=h,
                                          new_data=new_data)))
    # the path under test ran (from the second call of a redundancy version on)
    rvs = [c[1] for c in calls]
    assert bool(dec._slot) is (not reference and len(set(rvs)) < len(rvs))
    return states


SEQUENCE = [
    (0, 0, 20.0, True),                   # clean (the reference path: first call)
    (0, 0, -3.0, True),                   # hopeless: both fail, soft buffer kept
    (0, 2, -3.0, False),                  # combined with another rv
    (0, 0, -3.0, torch.tensor([True, False])),   # one TB new, the other combined
    (1, 3, 20.0, True),                   # another process
    (0, 0, 20.0, True),                   # new data decodes, clears the process
    (0, 0, 20.0, False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"A{c[0]}")
@pytest.mark.parametrize("kernel", ["numba-int8", "numba"])
def test_slot_path_equals_reference_over_harq(case, kernel):
    fast = _run(case, kernel, SEQUENCE, 7, reference=False)
    ref = _run(case, kernel, SEQUENCE, 7, reference=True)
    for a, b in zip(fast, ref, strict=True):
        _assert_same(a, b)
    # the sequence does what it says: failures, combining, decoded blocks
    assert fast[1][1].all() and not fast[0][1].any() and not fast[5][1].any()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3),
                                st.sampled_from([-4.0, 0.0, 1.5, 3.0, 20.0]), st.booleans()),
                      min_size=2, max_size=5),
       seed=st.integers(0, 2 ** 16))
def test_slot_path_equals_reference_random_sequences(calls, seed):
    case = CASES[1]
    fast = _run(case, "numba-int8", calls, seed, reference=False)
    ref = _run(case, "numba-int8", calls, seed, reference=True)
    for a, b in zip(fast, ref, strict=True):
        _assert_same(a, b)


def _batch_states(batch, decoder=DLSCHDecoder):
    """The states of three calls (clean, failing, clean) on transport blocks of batch shape
    ``batch``, on the slot path and the reference (two fresh decoders); and the decoders."""
    tbs, rate, modulation, g = CASES[0]
    gen = torch.Generator().manual_seed(len(batch))
    enc = ULSCHEncoder(rate)
    tb = torch.randint(0, 2, (*batch, tbs), dtype=torch.uint8, generator=gen)
    outs, decoders = [], []
    for reference in (False, True):
        dec = decoder(rate, tbs, ldpc_kernel="numba-int8", max_iterations=4)
        decoders.append(dec)
        got = []
        for snr_db in (20.0, 1.0, 20.0):
            llr = _llr(enc, tb, modulation, g, 0, snr_db, torch.Generator().manual_seed(3))
            if reference:
                with _reference():
                    got.append(_state(dec, dec(llr, modulation, 1, new_data=True)))
            else:
                got.append(_state(dec, dec(llr, modulation, 1, new_data=True)))
        outs.append(got)
    for a, b in zip(*outs, strict=True):
        _assert_same(a, b)
    assert outs[0][0][0].shape == (*batch, tbs) and outs[0][0][1].shape == batch
    assert torch.equal(outs[0][2][0], tb) and outs[0][1][1].all()
    return outs, decoders


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_slot_path_batch_shapes(batch):
    _batch_states(batch)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"A{c[0]}")
@pytest.mark.parametrize("kernel", ["numba-int8", "numba"])
def test_slot_path_on_a_kept_llr_buffer_equals_reference(case, kernel):
    # the same LLR tensor object every call (a receiver's kept buffer): from its second
    # slot path call on, the decoder goes straight to the workspace (one identity check);
    # the results over the HARQ sequence (rv, process and new data changing) are the
    # reference's
    calls = SEQUENCE + [(0, 0, -3.0, True), (0, 0, 20.0, False), (0, 0, 20.0, False)]
    outs = [_run(case, kernel, calls, 7, reference, kept=not reference)
            for reference in (False, True)]
    for a, b in zip(*outs, strict=True):
        _assert_same(a, b)


@contextmanager
def _torch_threads(n=1):
    """torch on ``n`` threads (one: the int8 decoder's slot path then runs rate recovery,
    the serial LDPC kernel and the checks as one compiled call, sch_decode_rows)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def _one_call_ran(dec) -> bool:
    return any(ws.serial[1] is not None for ws in dec._slot.values())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"A{c[0]}")
@pytest.mark.parametrize("kept", [False, True])
def test_one_call_slot_path_on_one_thread_equals_reference(case, kept):
    # the same HARQ sequence (failures, combining, per-block new data, decoded blocks
    # kept) through sch_decode_rows: bit for bit the reference's states, call by call
    calls = SEQUENCE + [(0, 0, -3.0, True), (0, 0, 20.0, False), (0, 0, 20.0, False)]
    decoders: list = []
    with _torch_threads():
        fast = _run(case, "numba-int8", calls, 7, reference=False, kept=kept,
                    decoders=decoders)
        ref = _run(case, "numba-int8", calls, 7, reference=True)
    assert _one_call_ran(decoders[0])
    for a, b in zip(fast, ref, strict=True):
        _assert_same(a, b)


@pytest.mark.parametrize("batch", [(), (2, 2)])
def test_one_call_slot_path_batch_shapes(batch):
    with _torch_threads():
        _, (fast, ref) = _batch_states(batch, ULSCHDecoder)
    assert _one_call_ran(fast) and not _one_call_ran(ref)


def test_slot_path_on_a_kept_llr_buffer_returns_new_tensors_and_last_snapshots():
    # the hot path's results live in kept arrays: what it returns and what last_* gives are
    # copies, unchanged by the next call; a changed LLR shape or argument leaves the hot path
    tbs, rate, modulation, g = CASES[1]
    gen = torch.Generator().manual_seed(8)
    enc, dec = ULSCHEncoder(rate), ULSCHDecoder(rate, tbs, ldpc_kernel="numba-int8")
    buf = torch.empty(1, g, dtype=torch.float32)
    tbs_ = [torch.randint(0, 2, (1, tbs), dtype=torch.uint8, generator=gen) for _ in range(4)]
    outs, its, oks = [], [], []
    for t, snr in zip(tbs_, (20.0, 20.0, 20.0, -5.0), strict=True):
        outs.append(dec(buf.copy_(_llr(enc, t, modulation, g, 0, snr, gen)), modulation, 1,
                        new_data=True))
        its.append(dec.last_iterations)
        oks.append(dec.last_parity_ok)
    assert dec._hot is not None and dec._hot.llr is buf
    assert all(torch.equal(o[0], t) and not o[1].any() for o, t in zip(outs[:3], tbs_))
    assert bool(outs[3][1].all()) and not oks[3].all()
    assert oks[2].all() and (its[2] >= 1).all() and not torch.equal(its[2], its[3])
    assert len({o[0].data_ptr() for o in outs}) == 4          # new tensors each call
    with pytest.raises(ValueError, match="harq_process"):
        dec(buf, modulation, 1, harq_process=16)
    with pytest.raises(TypeError, match="new_data"):
        dec(buf, modulation, 1, new_data=1)


def test_slot_path_results_are_not_overwritten_by_the_next_call():
    tbs, rate, modulation, g = CASES[1]
    gen = torch.Generator().manual_seed(5)
    enc, dec = ULSCHEncoder(rate), ULSCHDecoder(rate, tbs, ldpc_kernel="numba-int8")
    tbs_ = [torch.randint(0, 2, (1, tbs), dtype=torch.uint8, generator=gen) for _ in range(3)]
    outs = [dec(_llr(enc, t, modulation, g, 0, 20.0, gen), modulation, 1, new_data=True)
            for t in tbs_]
    its = dec.last_iterations
    dec(_llr(enc, tbs_[0], modulation, g, 0, -5.0, gen), modulation, 1, new_data=True)
    assert all(torch.equal(o[0], t) and not o[1].any() for o, t in zip(outs, tbs_))
    assert (its >= 1).all() and not torch.equal(its, dec.last_iterations)


@pytest.mark.parametrize("threads", [2, 1])
def test_slot_path_refuses_nan_like_the_reference(threads):
    # (one thread: the one-call path, sch_decode_rows)
    tbs, rate, modulation, g = CASES[2]
    gen = torch.Generator().manual_seed(9)
    enc, dec = ULSCHEncoder(rate), ULSCHDecoder(rate, tbs, ldpc_kernel="numba-int8")
    tb = torch.randint(0, 2, (1, tbs), dtype=torch.uint8, generator=gen)
    with _torch_threads(threads):
        for _ in range(2):
            dec(_llr(enc, tb, modulation, g, 0, 20.0, gen), modulation, 1)
        assert _one_call_ran(dec) is (threads == 1)
        llr = _llr(enc, tb, modulation, g, 0, 20.0, gen)
        llr[0, 5] = float("nan")
        with pytest.raises(ValueError, match="llr"):
            dec(llr, modulation, 1)
        out, err = dec(_llr(enc, tb, modulation, g, 0, 20.0, gen), modulation, 1)
    assert torch.equal(out, tb) and not err.any()


# ------------------------------------------------ the standalone functions, kernels on / off


@pytest.mark.parametrize("rv", [0, 1, 2, 3])
@pytest.mark.parametrize("tbs, rate, modulation, g", CASES + [(600, 0.5, "QPSK", 4000)])
def test_rate_recover_kernel_equals_reference(tbs, rate, modulation, g, rv):
    llr = torch.randn(2, g, generator=torch.Generator().manual_seed(g + rv)) * 3.0
    llr[0, :7] = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), 1.0, -1.0, 0.5])
    a, b = kernel_then_reference(rate_match, lambda: rate_recover_ldpc(llr, tbs, rate, rv,
                                                                       modulation, 1))
    assert torch.equal(a, b) and torch.equal(torch.signbit(a), torch.signbit(b))


def test_crc_and_desegmentation_of_the_slot_path_equal_the_functions():
    # sch_check_rows against code_block_desegment_ldpc + crc_decode on random hard bits
    # (CRCs failing) and on bits that pass
    from softran.nr.coding.crc import crc_byte_tables, crc_encode
    from softran.nr.coding.ldpc.segment import code_block_segment_ldpc
    from softran.nr.coding.sch_info import ldpc_segment_info, ulsch_info
    from softran.nr.coding.sch_kernels import sch_check_rows

    for tbs, rate, _, _ in CASES:
        info = ulsch_info(tbs, rate)
        seg = ldpc_segment_info(info.b, info.bgn)
        gen = torch.Generator().manual_seed(tbs)
        good = code_block_segment_ldpc(crc_encode(torch.randint(
            0, 2, (2, tbs), dtype=torch.uint8, generator=gen), info.crc), info.bgn)
        good = good.clamp(min=0).to(torch.uint8)
        noise = torch.randint(0, 2, good.shape, dtype=torch.uint8, generator=gen)
        for bits in (good, good ^ noise, torch.cat([good[:1], (good ^ noise)[1:]])):
            iters = np.array([3, -5, 2, 4, 1, 6][:2 * info.c], dtype=np.int32)
            blk, cb_crc = code_block_desegment_ldpc(bits, info.bgn, info.b)
            tb, tb_crc = crc_decode(blk, info.crc)
            out = np.empty((2, tbs), np.uint8)
            got_crc = np.empty((2, info.c), np.int64)
            it, ok = np.empty((2, info.c), np.int32), np.empty((2, info.c), np.bool_)
            err = np.empty(2, np.bool_)
            l_cb = seg.l_cb if info.c > 1 else 0
            failed = sch_check_rows(bits.reshape(2 * info.c, -1).numpy(), iters, tbs,
                                    seg.k_prime, l_cb, 24 if info.crc == "24A" else 16,
                                    *crc_byte_tables("24B"), *crc_byte_tables(info.crc),
                                    np.zeros(max(tbs, info.k) + 8, np.uint8), out, got_crc,
                                    it, ok, err)
            parity = iters.reshape(2, info.c) > 0
            assert np.array_equal(out, tb.numpy()) and np.array_equal(got_crc, cb_crc.numpy())
            assert np.array_equal(it, np.abs(iters).reshape(2, info.c))
            assert np.array_equal(ok, parity)
            expected = (tb_crc.numpy() != 0) | ~parity.all(-1)
            assert np.array_equal(err, expected) and failed == int(expected.sum())


@pytest.mark.parametrize("poly", ["24A", "16", "24B", "6"])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.bool])
def test_crc_decode_kernel_and_checked_call_equal_reference(poly, dtype):
    from softran.nr.coding import crc

    gen = torch.Generator().manual_seed(len(poly))
    for shape in [(18984,), (2, 3, 1001), (1, 40)]:
        bits = torch.randint(0, 2, shape, generator=gen, dtype=torch.uint8).to(dtype)
        # the first call checks the shape, the second takes the checked path: both equal
        # the torch reference
        first, ref = kernel_then_reference(crc, lambda: crc_decode(bits, poly, mask=5))
        second = crc_decode(bits, poly, mask=5)
        for got in (first, second):
            assert torch.equal(got[0], ref[0]) and torch.equal(got[1], ref[1])
            assert got[0].dtype == ref[0].dtype and got[1].dtype == ref[1].dtype
    if dtype != torch.bool:
        bad = torch.zeros(1, 40, dtype=dtype)
        crc_decode(bad, poly, mask=5)
        bad[0, 3] = 2                      # the checked path refuses what the first call would
        with pytest.raises(ValueError, match="bits"):
            crc_decode(bad, poly, mask=5)


@pytest.mark.parametrize("blklen, bgn", [(18984, 1), (4224, 2), (624, 2)])
def test_desegment_kernel_and_checked_call_equal_reference(blklen, bgn):
    from softran.nr.coding.ldpc import segment
    from softran.nr.coding.ldpc.segment import code_block_segment_ldpc

    gen = torch.Generator().manual_seed(blklen)
    blk = torch.randint(0, 2, (2, blklen), generator=gen, dtype=torch.uint8)
    cbs = code_block_segment_ldpc(blk, bgn)
    flipped = cbs.clone()
    flipped[1, 0, 7] ^= 1                                        # one CRC24B fails (C > 1)
    for x in (cbs, flipped.clamp(min=0).to(torch.uint8)):
        first, ref = kernel_then_reference(
            segment, lambda x=x: code_block_desegment_ldpc(x, bgn, blklen))
        second = code_block_desegment_ldpc(x, bgn, blklen)
        for got in (first, second):
            assert torch.equal(got[0], ref[0]) and torch.equal(got[1], ref[1])
    bad = cbs.clone()
    bad[0, 0, 1] = 3
    with pytest.raises(ValueError, match="cbs"):
        code_block_desegment_ldpc(bad, bgn, blklen)


@pytest.mark.parametrize("threads", [1, 2])
def test_slot_path_results_kept_in_any_form_do_not_change(threads):
    # whatever the caller keeps of a call's results (the tensors, views, NumPy views, the
    # storages, weak references) stays as returned while later calls, the caller dropping
    # their results at once, decode other blocks (one thread: the one-call path; two: the
    # two-pass path)
    import weakref

    tbs, rate, modulation, g = CASES[1]
    gen = torch.Generator().manual_seed(11)
    enc, dec = ULSCHEncoder(rate), ULSCHDecoder(rate, tbs, ldpc_kernel="numba-int8")
    blocks = [torch.randint(0, 2, (1, tbs), dtype=torch.uint8, generator=gen)
              for _ in range(4)]

    def call(i, snr=20.0):
        return dec(_llr(enc, blocks[i % 4], modulation, g, 0, snr, gen), modulation, 1,
                   new_data=True)

    with _torch_threads(threads):
        for i in range(2):
            call(i)
        kept = []
        for hold in (lambda t, e: (t, e), lambda t, e: (t[0], e[0:]),
                     lambda t, e: (t.numpy(), e.numpy()),
                     lambda t, e: (t.untyped_storage(), e.untyped_storage()),
                     lambda t, e: (weakref.ref(t), weakref.ref(e))):
            i = len(kept)
            tb, err = call(i)
            kept.append((i, tb.clone(), err.clone(), hold(tb, err)))
            del tb, err
        for i in range(8):
            tb, err = call(i + 1, -5.0 if i % 3 == 0 else 20.0)
            del tb, err
        for i, tb, err, held in kept:
            assert torch.equal(tb, blocks[i % 4]) and not err.any()
            if isinstance(held[0], weakref.ref):
                held = (held[0](), held[1]())
                if held[0] is None and held[1] is None:
                    continue            # dropped tensors: nothing left to read
            if isinstance(held[0], torch.UntypedStorage):
                held = (torch.empty(0, dtype=torch.uint8).set_(held[0]).reshape(tb.shape),
                        torch.empty(0, dtype=torch.uint8).set_(held[1]).bool()
                        .reshape(err.shape))
            assert torch.equal(torch.as_tensor(held[0]).reshape(tb.shape), tb)
            assert torch.equal(torch.as_tensor(held[1]).reshape(err.shape), err)
