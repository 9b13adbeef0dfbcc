"""``LDPCDecoder`` (ldpc_decode for one configuration, kept buffers, TS 38.212 §5.3.2 codes)
against ``ldpc_decode`` itself: identical bits, iteration counts and parity flags over random
and noisy LLRs, across batch shapes, with and without early termination; the same errors;
and HARQ through the UL-SCH decoder (which keeps one) equal to a fresh decoder's."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.coding.ldpc import LDPCDecoder, base_graph_dims, ldpc_decode, ldpc_encode
from softran.nr.coding.sch import ULSCHDecoder, ULSCHEncoder


def _noisy(bgn: int, zc: int, shape: tuple[int, ...], ebn0_db: float, seed: int
           ) -> torch.Tensor:
    """BPSK-over-AWGN LLRs of random codewords [*shape, N]; the last quarter not sent."""
    gen = torch.Generator().manual_seed(seed)
    _, _, kb = base_graph_dims(bgn)
    cbs = torch.randint(0, 2, (*shape, kb * zc), generator=gen, dtype=torch.uint8)
    d = ldpc_encode(cbs.reshape(-1, kb * zc), bgn).reshape(*shape, -1)
    sigma2 = 1.0 / (2.0 * 0.4 * 10.0 ** (ebn0_db / 10.0))
    y = (1.0 - 2.0 * d.float()) + math.sqrt(sigma2) * torch.randn(d.shape, generator=gen)
    llr = 2.0 * y / sigma2
    llr[..., 3 * llr.shape[-1] // 4:] = 0.0
    return llr


def _reference(llr: torch.Tensor, dec: LDPCDecoder) -> tuple[torch.Tensor, ...]:
    return ldpc_decode(llr, dec.bgn, dec.max_iterations, algorithm=dec.algorithm,
                       scaling=dec.scaling, offset=dec.offset,
                       early_termination=dec.early_termination, kernel=dec.kernel,
                       return_parity_check=True)


def _same(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> bool:
    return all(x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)
               for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("bgn, zc", [(1, 320), (2, 64), (2, 8)])
@pytest.mark.parametrize("early", [True, False])
@pytest.mark.parametrize("algorithm", ["layered-min-sum", "layered-offset-min-sum"])
def test_kept_decoder_equals_ldpc_decode(bgn, zc, early, algorithm):
    n = (66 if bgn == 1 else 50) * zc
    dec = LDPCDecoder(bgn, n, 6, algorithm=algorithm, early_termination=early,
                      kernel="numba-int8")
    # noise from clean to hopeless (some blocks stop early, some fail their checks), random
    # LLRs, batch shapes changing and coming back (the kept buffers per shape)
    cases = [_noisy(bgn, zc, (3,), ebn0, 10 * i + zc) for i, ebn0 in enumerate((6.0, 1.5, -2.0))]
    cases += [_noisy(bgn, zc, (2, 3), 1.0, 7), torch.randn(5, n, generator=torch.Generator()
                                                           .manual_seed(zc)) * 4.0,
              _noisy(bgn, zc, (3,), 0.5, 99), _noisy(bgn, zc, (1,), 8.0, 5)]
    held = []
    for llr in cases:
        got = dec.decode(llr)
        ref = _reference(llr, dec)
        assert _same(got, ref)
        held.append((got[1], got[2], ref))
    # iterations and parity flags are new tensors each call (only the bits are reused)
    for it, ok, ref in held:
        assert torch.equal(it, ref[1]) and torch.equal(ok, ref[2])
    assert any(not bool(r[2].all()) for _, _, r in held)          # some blocks failed
    assert any(bool((r[1] < 6).any()) for _, _, r in held) == early


def test_other_inputs_and_kernels_go_through_ldpc_decode():
    llr = _noisy(2, 16, (4,), 2.0, 3)
    for kernel, x in [("numba-int8", llr.double()), ("numba-int8", llr.t().contiguous().t()),
                      ("numba", llr), ("torch", llr)]:
        dec = LDPCDecoder(2, 50 * 16, 5, kernel=kernel)
        assert _same(dec.decode(x), _reference(x, dec))


def test_errors_are_those_of_ldpc_decode():
    dec = LDPCDecoder(1, 66 * 32, 4, kernel="numba-int8")
    llr = _noisy(1, 32, (3,), 3.0, 1)
    dec.decode(llr)
    llr[1, 17] = float("nan")
    with pytest.raises(ValueError) as kept:
        dec.decode(llr)
    with pytest.raises(ValueError) as public:
        _reference(llr, dec)
    assert str(kept.value) == str(public.value) and "llr" in str(kept.value)
    with pytest.raises(ValueError, match="n"):
        LDPCDecoder(1, 1000, kernel="numba-int8")
    with pytest.raises(ValueError, match="kernel"):
        LDPCDecoder(1, 66 * 32, kernel="numba-int9")
    with pytest.raises(ValueError, match="max_iterations"):
        LDPCDecoder(1, 66 * 32, 0)


def test_ulsch_harq_with_kept_decoder_equals_fresh_decoder():
    # the kept decoder's bits buffer is reused: a failed block's decoded code blocks (kept for
    # HARQ) must not change when other processes decode through the same buffer
    kernel, snr_db = "numba-int8", 1.5
    enc = ULSCHEncoder(0.5)
    dec = ULSCHDecoder(0.5, 20000, ldpc_kernel=kernel, max_iterations=8)
    gen = torch.Generator().manual_seed(31)
    tb, tb_other = torch.randint(0, 2, (2, 4, 20000), dtype=torch.uint8, generator=gen)

    def awgn(rv: int, snr_db: float, blocks: torch.Tensor = tb) -> torch.Tensor:
        x = 1.0 - 2.0 * enc(blocks, "QPSK", 1, 40_000, rv=rv).float()
        sigma2 = 10 ** (-snr_db / 10)
        return 2.0 * (x + math.sqrt(sigma2) * torch.randn(x.shape, generator=gen)) / sigma2

    first, other, second = awgn(0, snr_db), awgn(0, 3.0, tb_other), awgn(2, 0.0)
    dec(other, "QPSK", 1, harq_process=1, new_data=True)             # first call: public
    out0, err0 = dec(first, "QPSK", 1, harq_process=0, new_data=True)   # kept decoder
    # some code blocks of failed transport blocks decoded: kept for the retransmission
    assert ((dec.last_cb_crc == 0) & dec.last_parity_ok & err0[:, None]).any()
    dec(other, "QPSK", 1, harq_process=1, new_data=True)             # same buffer again
    out, err = dec(second, "QPSK", 1, rv=2, harq_process=0)          # combine
    fresh = ULSCHDecoder(0.5, 20000, ldpc_kernel=kernel, max_iterations=8)
    ref0, rerr0 = fresh(first, "QPSK", 1, harq_process=0, new_data=True)
    ref, rerr = fresh(second, "QPSK", 1, rv=2, harq_process=0)
    assert torch.equal(out0, ref0) and torch.equal(err0, rerr0)
    assert torch.equal(out, ref) and torch.equal(err, rerr)
    assert torch.equal(dec.last_iterations, fresh.last_iterations)
    assert torch.equal(dec.last_parity_ok, fresh.last_parity_ok)
    # a changed option takes effect (a new kept decoder)
    dec.max_iterations = fresh.max_iterations = 2
    for d in (dec, fresh):
        d(first, "QPSK", 1, harq_process=2, new_data=True)
    assert torch.equal(dec.last_iterations, fresh.last_iterations)
    assert int(dec.last_iterations.max()) <= 2


def test_decode_fixed_into_refuses_arrays_the_kernel_would_write_past():
    import numpy as np

    from softran.nr.coding.ldpc.decode_kernels_fixed import decode_fixed_into
    from softran.nr.coding.ldpc.plan import decode_plan

    plan = decode_plan(2, 64)
    x = np.full((2, 50 * 64), 5.0, np.float32)
    bits, iters = np.empty((2, 640), np.uint8), np.empty(2, np.int32)
    decode_fixed_into(x, bits, iters, plan, 4, False, 0.75, 0.5, True)
    assert iters.tolist() == [1, 1] and not bits.any()         # the all-zero codeword
    args = (plan, 4, False, 0.75, 0.5, True)
    with pytest.raises(ValueError, match="x must be"):
        decode_fixed_into(x[:, :-64], bits, iters, *args)
    with pytest.raises(ValueError, match="x must be"):
        decode_fixed_into(x.astype(np.float64), bits, iters, *args)
    with pytest.raises(ValueError, match="bits must be"):
        decode_fixed_into(x, bits[:1], iters, *args)
    with pytest.raises(ValueError, match="iterations must be"):
        decode_fixed_into(x, bits, iters.astype(np.int64), *args)


# ------------------------------------------- ldpc_decode's kept path (arguments seen before)


@pytest.mark.parametrize("bgn, zc", [(1, 64), (2, 8)])
def test_ldpc_decode_repeated_calls_equal_the_integer_reference(bgn, zc):
    """A second call with the same arguments skips the checks and runs the kept
    FixedDecoder: results equal decode_fixed_reference's for contiguous, strided, 1-D and
    3-D inputs, on fresh output tensors each call."""
    from softran.nr.coding.ldpc.decode_kernels_fixed import decode_fixed_reference
    from softran.nr.coding.ldpc.plan import decode_plan

    n = (66 if bgn == 1 else 50) * zc
    plan = decode_plan(bgn, zc)
    first = None
    for seed, ebn0 in enumerate([1.0, 4.0]):
        llr = _noisy(bgn, zc, (2, 3), ebn0, seed=seed)
        wide = torch.zeros(2, 3, 2 * n)
        wide[..., ::2] = llr
        for x in (llr, wide[..., ::2], llr[1, 2], llr.reshape(6, n)):
            out = ldpc_decode(x, bgn, 5, kernel="numba-int8", return_parity_check=True)
            ref_bits, ref_it = decode_fixed_reference(x.reshape(-1, n), plan, 5, False, 0.75,
                                                      0.5, True)
            batch = x.shape[:-1]
            assert torch.equal(out[0], ref_bits.reshape(*batch, -1))
            assert torch.equal(out[1], ref_it.abs().reshape(batch))
            assert torch.equal(out[2], (ref_it > 0).reshape(batch))
            if first is None:
                first = out[0]
            elif out[0].shape == first.shape:
                assert out[0].data_ptr() != first.data_ptr()


def test_ldpc_decode_kept_path_still_refuses_bad_input():
    """After a good call, a NaN LLR, a float bgn, a wrong length and a CUDA-less device
    check are still refused with the checked path's messages."""
    zc = 16
    llr = _noisy(2, zc, (2,), 3.0, seed=9)
    ldpc_decode(llr, 2, 4, kernel="numba-int8")
    ldpc_decode(llr, 2, 4, kernel="numba-int8")
    bad = llr.clone()
    bad[1, 5] = math.nan
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index \(1, 5\)\)"):
        ldpc_decode(bad, 2, 4, kernel="numba-int8")
    with pytest.raises((TypeError, ValueError), match="bgn"):
        ldpc_decode(llr, 2.0, 4, kernel="numba-int8")
    with pytest.raises(ValueError, match="N"):
        ldpc_decode(llr[:, :-1], 2, 4, kernel="numba-int8")
    with pytest.raises((TypeError, ValueError), match="max_iterations"):
        ldpc_decode(llr, 2, 4.0, kernel="numba-int8")


def test_fixed_decoder_from_two_threads_equals_one_thread():
    """One kept FixedDecoder called from two Python threads at once (each its own
    workspace) gives the results of calls one after the other."""
    import threading

    import numpy as np

    from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder
    from softran.nr.coding.ldpc.plan import decode_plan

    zc = 64
    dec = fixed_decoder(decode_plan(1, zc), 8, False, 0.75, 0.5, True)
    inputs = [_noisy(1, zc, (1,), e, seed=20 + i).numpy() for i, e in enumerate([1.5, 2.5])]
    expect = []
    for x in inputs:
        bits, it = np.empty((1, 22 * zc), np.uint8), np.empty(1, np.int32)
        dec.run(x, bits, it)
        expect.append((bits.copy(), it.copy()))
    got: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]

    def work(i: int) -> None:
        for _ in range(20):
            bits, it = np.empty((1, 22 * zc), np.uint8), np.empty(1, np.int32)
            dec.run(inputs[i], bits, it)
            got[i].append((bits, it))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert all(np.array_equal(b, expect[i][0]) and np.array_equal(t, expect[i][1])
                   for b, t in got[i])


def test_without_parity_flag_the_same_bits_and_counts():
    """Without early termination and without return_parity_check the vector kernel skips
    the final parity check: the same bits and (unsigned) counts as with the flag, for
    blocks that pass and blocks that fail their checks."""
    zc = 64
    llr = torch.cat([_noisy(1, zc, (2,), 8.0, seed=30), _noisy(1, zc, (2,), -1.0, seed=31)])
    bits, iters = ldpc_decode(llr, 1, 5, early_termination=False, kernel="numba-int8")
    bits_p, iters_p, ok = ldpc_decode(llr, 1, 5, early_termination=False, kernel="numba-int8",
                                      return_parity_check=True)
    assert ok.tolist() == [True, True, False, False]
    assert torch.equal(bits, bits_p) and iters.tolist() == iters_p.tolist() == [5] * 4


def test_ldpc_decoder_options_are_read_only() -> None:
    """The kept int8 kernel call is made with the constructor's options: they cannot be
    changed afterwards (a changed one would be ignored by the kept path only)."""
    from softran.nr.coding.ldpc import LDPCDecoder

    dec = LDPCDecoder(2, 50 * 16, 8, kernel="numba-int8")
    assert (dec.max_iterations, dec.algorithm, dec.scaling, dec.offset,
            dec.early_termination) == (8, "layered-min-sum", 0.75, 0.5, True)
    for name in ("max_iterations", "algorithm", "scaling", "offset", "early_termination"):
        with pytest.raises(AttributeError):
            setattr(dec, name, getattr(dec, name))


def test_fixed_decoder_checks_a_new_configuration() -> None:
    """fixed_decoder checks a configuration once, when it makes its decoder, as ldpc_decode
    checks its options: bad values are refused naming the parameter."""
    from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder
    from softran.nr.coding.ldpc.plan import decode_plan

    plan = decode_plan(2, 16)
    for args, err, match in (((0, False, 0.75, 0.5, True), ValueError, "max_iterations"),
                             ((4, False, 0.0, 0.5, True), ValueError, "scaling = 0.0"),
                             ((4, False, 1.5, 0.5, True), ValueError, "scaling"),
                             ((4, False, 0.75, -1.0, True), ValueError, "offset"),
                             ((4, 0, 0.75, 0.5, True), TypeError, "offset_ms"),
                             ((4, False, 0.75, 0.5, 1), TypeError, "early")):
        with pytest.raises(err, match=match):
            fixed_decoder(plan, *args)
    with pytest.raises(TypeError, match="plan must be a DecodePlan"):
        fixed_decoder("plan", 4, False, 0.75, 0.5, True)  # type: ignore[arg-type]
