"""DL-SCH / UL-SCH transport channel: round trips across the NR TBS range and HARQ."""

import pytest
import torch

from softran.nr.coding.crc import crc_encode
from softran.nr.coding.sch import DLSCHDecoder, DLSCHEncoder, ULSCHDecoder, ULSCHEncoder
from softran.nr.coding.sch_info import dlsch_info
from softran.nr.modulation import bits_per_symbol, symbol_demodulate, symbol_modulate


def _awgn_llr(bits, modulation, snr_db, gen):
    sym = symbol_modulate(bits, modulation)
    n0 = 10 ** (-snr_db / 10)
    noise = torch.complex(torch.randn(sym.shape, generator=gen),
                          torch.randn(sym.shape, generator=gen)) * (n0 / 2) ** 0.5
    return symbol_demodulate(sym + noise, modulation, n0, method="exact")


# (TBS, target code rate, modulation, layers): small, BG2/BG1 switch points of TS 38.212
# §7.2.2 (A = 292/293; A = 3824/3825 at R <= 0.67; R <= 0.25), segmentation boundaries and
# a multi-code-block transport block.
CASES = [
    (24, 0.3, "QPSK", 1),
    (292, 0.7, "QPSK", 1),
    (296, 0.7, "16QAM", 1),
    (3824, 0.6, "16QAM", 2),
    (3840, 0.6, "64QAM", 2),
    (4000, 0.25, "QPSK", 1),
    (8424, 0.8, "256QAM", 1),
    (8456, 0.8, "256QAM", 2),
    (25_104, 0.5, "64QAM", 4),
]


@pytest.mark.parametrize("tbs, rate, modulation, n_layers", CASES)
def test_round_trip_high_snr(tbs, rate, modulation, n_layers):
    gen = torch.Generator().manual_seed(tbs)
    qm = bits_per_symbol(modulation)
    g = n_layers * qm * -(-round(tbs / rate) // (n_layers * qm))
    tb = torch.randint(0, 2, (2, tbs), dtype=torch.uint8, generator=gen)
    cw = DLSCHEncoder(rate)(tb, modulation, n_layers, g, rv=0)
    assert cw.shape == (2, g) and cw.dtype == torch.uint8
    llr = _awgn_llr(cw, modulation, 30.0, gen)
    out, err = DLSCHDecoder(rate, tbs)(llr, modulation, n_layers)
    assert torch.equal(out, tb) and not err.any()


def test_largest_transport_block():
    # 1,277,992 bits: the largest NR TBS (4 layers, 273 PRB, 256QAM, R = 948/1024); C = 152
    tbs, rate = 1_277_992, 948 / 1024
    info = dlsch_info(tbs, rate)
    assert (info.bgn, info.c) == (1, 152)
    g = 8 * 4 * -(-round(tbs / rate) // 32)
    tb = torch.randint(0, 2, (1, tbs), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1))
    cw = DLSCHEncoder(rate)(tb, "256QAM", 4, g)
    dec = DLSCHDecoder(rate, tbs)
    out, err = dec(20.0 * (1 - 2 * cw.float()), "256QAM", 4)
    assert torch.equal(out, tb) and not err.any()
    assert dec.last_cb_crc.shape == (1, 152) and not dec.last_cb_crc.any()


def test_rv0_starts_with_systematic_bits():
    # TS 38.212 §5.3.2: d_k = c_{k + 2 Zc}; §5.4.2.1 rv 0: k0 = 0; with Q_m = 1 the bit
    # interleaver of §5.4.2.2 is the identity, so the first K' - 2 Zc output bits are the
    # TB+CRC bits b_{2 Zc} .. b_{K'-1} (one code block, no CB CRC).
    tbs, rate = 1000, 0.5
    info = dlsch_info(tbs, rate)
    tb = torch.randint(0, 2, (tbs,), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1008))
    out = DLSCHEncoder(rate)(tb, "pi/2-BPSK", 1, 2000)
    blk = crc_encode(tb, info.crc)
    assert torch.equal(out[: info.k_prime - 2 * info.zc], blk[2 * info.zc: info.k_prime])


def test_harq_incremental_redundancy_any_rv_order():
    # Es/N0 = -3 dB, QPSK: each bit sees capacity ~0.3 bit, below the rate 1/2 of one
    # transmission (the TB cannot be decoded from one), but four redundancy versions
    # together give rate 1/8 at the same SNR, well above what a rate-1/8 code needs.
    gen = torch.Generator().manual_seed(7)
    tbs, rate, g = 2000, 0.5, 4000
    tb = torch.randint(0, 2, (16, tbs), dtype=torch.uint8, generator=gen)
    enc, dec = DLSCHEncoder(rate), DLSCHDecoder(rate, tbs)
    for order in ([0, 2, 3, 1], [3, 1, 0, 2]):
        errors = []
        decoded, acked = torch.zeros_like(tb), torch.zeros(16, dtype=torch.bool)
        for i, rv in enumerate(order):
            llr = _awgn_llr(enc(tb, "QPSK", 1, g, rv=rv), "QPSK", -1.5, gen)
            out, err = dec(llr, "QPSK", 1, rv=rv, harq_process=5, new_data=i == 0)
            errors.append(int(err.sum()))
            decoded = torch.where((~err & ~acked)[:, None], out, decoded)
            acked |= ~err
        assert errors[0] == 16  # first transmission alone: every TB fails
        assert bool(acked.all()) and torch.equal(decoded, tb)
    # after a reset the buffer is gone: one transmission alone fails again
    dec.reset_soft_buffer(5)
    assert dec.soft_buffer(5) is None
    llr = _awgn_llr(enc(tb, "QPSK", 1, g, rv=2), "QPSK", -1.5, gen)
    assert dec(llr, "QPSK", 1, rv=2, harq_process=5)[1].all()


def test_harq_processes_are_independent():
    enc, dec = ULSCHEncoder(0.5), ULSCHDecoder(0.5, 800)
    gen = torch.Generator().manual_seed(4)
    tb = torch.randint(0, 2, (3, 800), dtype=torch.uint8, generator=gen)
    # Es/N0 -6 dB: one transmission fails, so the process keeps its soft bits
    llr = _awgn_llr(enc(tb, "QPSK", 1, 1600), "QPSK", -6.0, gen)
    assert dec(llr, "QPSK", 1, harq_process=0)[1].all()
    assert dec.soft_buffer(1) is None and dec.soft_buffer(0) is not None
    # combining the same RV twice doubles the buffer (Chase combining)
    first = dec.soft_buffer(0).clone()
    assert dec(llr, "QPSK", 1, harq_process=0)[1].all()
    finite = first.isfinite()
    assert torch.equal(dec.soft_buffer(0)[finite], 2 * first[finite])


def test_bad_input():
    with pytest.raises(ValueError, match="rv"):
        DLSCHEncoder(0.5)(torch.zeros(1, 100, dtype=torch.uint8), "QPSK", 1, 400, rv=4)
    with pytest.raises(ValueError, match="harq_process"):
        DLSCHDecoder(0.5, 100)(torch.zeros(1, 400), "QPSK", 1, harq_process=16)
    with pytest.raises(ValueError, match="out_len"):
        DLSCHEncoder(0.5)(torch.zeros(1, 100, dtype=torch.uint8), "16QAM", 1, 402)
    with pytest.raises(ValueError):
        DLSCHEncoder(1.5)
    with pytest.raises(TypeError):
        DLSCHEncoder(0.5)(torch.zeros(1, 100), "QPSK", 1, 400)


def test_code_blocks_decoded_once_per_harq_process():
    # C = 2 (TBS 10000 at R = 1/2 -> BG1, B = 10024 > 8448). The concatenated output
    # (TS 38.212 §5.5) carries code block 0 in the first E_0 = G/2 bits: give only those
    # LLRs, so CB 0 decodes and CB 1 cannot; the retransmission decodes only CB 1.
    tbs, rate, g = 10_000, 0.5, 20_000
    tb = torch.randint(0, 2, (2, tbs), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(9))
    enc, dec = DLSCHEncoder(rate), DLSCHDecoder(rate, tbs)
    assert dec.sch_info.c == 2
    llr = 6.0 * (1 - 2 * enc(tb, "QPSK", 1, g).float())
    first = llr.clone()
    first[:, g // 2:] = 0.0
    out, err = dec(first, "QPSK", 1, harq_process=3)
    assert err.all()
    assert (dec.last_cb_crc[:, 0] == 0).all() and (dec.last_iterations[:, 0] >= 1).all()
    assert (dec.last_cb_crc[:, 1] != 0).any() or (~dec.last_parity_ok[:, 1]).all()
    out, err = dec(torch.zeros_like(llr), "QPSK", 1, harq_process=3)  # nothing new: CB 1 fails
    assert err.all() and (dec.last_iterations[:, 0] == 0).all()
    out, err = dec(llr, "QPSK", 1, harq_process=3)
    assert not err.any() and torch.equal(out, tb)
    assert (dec.last_iterations[:, 0] == 0).all() and (dec.last_iterations[:, 1] >= 1).all()


def test_empty_and_huge_transport_blocks_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match=r"tb has shape \(2, 0\): a transport block needs at "
                                         r"least one bit"):
        ULSCHEncoder(0.5)(torch.zeros(2, 0, dtype=torch.uint8), "QPSK", 1, 100)
    # 10**9 bits: ~118,000 code blocks of 25344 LLRs, 11 GiB of soft buffer per block
    with pytest.raises(ValueError, match=r"^transport_block_length = 1000000000 would need"):
        DLSCHDecoder(0.5, 10**9)


def test_decoder_refuses_nan_llrs():
    dec = ULSCHDecoder(0.5, 1000)
    llr = torch.zeros(1, 2400)
    llr[0, 17] = float("nan")
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index \(0, 17\)\)"):
        dec(llr, "QPSK", 1)


# ---- new data indicator: never a stale block ----------------------------------------

def _noiseless(enc, tb, g, rv=0, amplitude=6.0):
    return amplitude * (1 - 2 * enc(tb, "QPSK", 1, g, rv=rv).float())


@pytest.mark.parametrize("new_data", [False, True])
def test_a_new_block_after_a_decoded_one_is_decoded_not_repeated(new_data):
    # the scenario: TB A decodes on process 0; a different TB B on process 0, rv 0,
    # without reset_soft_buffer: B comes back, never A with error False
    enc, dec = ULSCHEncoder(0.5), ULSCHDecoder(0.5, 800)
    gen = torch.Generator().manual_seed(21)
    a, b = (torch.randint(0, 2, (4, 800), dtype=torch.uint8, generator=gen) for _ in range(2))
    out, err = dec(_noiseless(enc, a, 1600), "QPSK", 1, harq_process=0)
    assert not err.any() and torch.equal(out, a)
    assert dec.soft_buffer(0) is None  # a decoded block clears its process
    out, err = dec(_noiseless(enc, b, 1600), "QPSK", 1, harq_process=0, new_data=new_data)
    assert not err.any() and torch.equal(out, b)


def test_new_data_after_a_failed_block_clears_the_soft_bits():
    # A fails (Es/N0 -6 dB) and stays in the buffer; B arrives as new data: decoded from
    # its own LLRs (combined with A's, it would fail)
    enc, dec = ULSCHEncoder(0.5), ULSCHDecoder(0.5, 800)
    gen = torch.Generator().manual_seed(22)
    a, b = (torch.randint(0, 2, (4, 800), dtype=torch.uint8, generator=gen) for _ in range(2))
    assert dec(_awgn_llr(enc(a, "QPSK", 1, 1600), "QPSK", -6.0, gen), "QPSK", 1)[1].all()
    out, err = dec(_noiseless(enc, b, 1600, amplitude=2.0), "QPSK", 1, new_data=True)
    assert not err.any() and torch.equal(out, b)
    # the same with a tensor NDI per block: blocks 0 and 2 new, 1 and 3 retransmissions
    assert dec(_awgn_llr(enc(a, "QPSK", 1, 1600), "QPSK", -6.0, gen), "QPSK", 1)[1].all()
    flags = torch.tensor([True, False, True, False])
    out, err = dec(_noiseless(enc, b, 1600, amplitude=2.0), "QPSK", 1, new_data=flags)
    assert torch.equal(out[flags], b[flags]) and not err[flags].any()
    assert not any(torch.equal(out[i], a[i]) and not err[i] for i in range(4))


def test_a_retransmission_combines_and_new_data_does_not():
    # Es/N0 -2 dB, R 1/2: one transmission fails, two combined (rv 0 + rv 2) decode
    enc, dec = ULSCHEncoder(0.5), ULSCHDecoder(0.5, 2000)
    gen = torch.Generator().manual_seed(23)
    tb = torch.randint(0, 2, (16, 2000), dtype=torch.uint8, generator=gen)
    first = _awgn_llr(enc(tb, "QPSK", 1, 4000, rv=0), "QPSK", -2.0, gen)
    second = _awgn_llr(enc(tb, "QPSK", 1, 4000, rv=2), "QPSK", -2.0, gen)
    assert dec(first, "QPSK", 1, rv=0, harq_process=1, new_data=True)[1].all()
    out, err = dec(second, "QPSK", 1, rv=2, harq_process=1)  # new_data=False: combine
    assert not err.any() and torch.equal(out, tb)
    assert dec(first, "QPSK", 1, rv=0, harq_process=1, new_data=True)[1].all()
    assert dec(second, "QPSK", 1, rv=2, harq_process=1, new_data=True)[1].all()


def test_new_data_clears_the_decoded_code_blocks():
    # C = 2: A's code block 0 decodes, block 1 does not (only the first half sent). New
    # data B must not inherit A's code block 0: its blocks are decoded from B's LLRs.
    tbs, rate, g = 10_000, 0.5, 20_000
    gen = torch.Generator().manual_seed(24)
    a, b = (torch.randint(0, 2, (2, tbs), dtype=torch.uint8, generator=gen) for _ in range(2))
    enc, dec = DLSCHEncoder(rate), DLSCHDecoder(rate, tbs)
    half = _noiseless(enc, a, g)
    half[:, g // 2:] = 0.0
    assert dec(half, "QPSK", 1, harq_process=2)[1].all()
    assert (dec.last_cb_crc[:, 0] == 0).all()
    out, err = dec(_noiseless(enc, b, g), "QPSK", 1, harq_process=2, new_data=True)
    assert not err.any() and torch.equal(out, b)
    assert (dec.last_iterations[:, 0] >= 1).all()  # block 0 decoded again, from B


def test_new_data_bad_input():
    dec = ULSCHDecoder(0.5, 800)
    llr = torch.zeros(2, 1600)
    with pytest.raises(TypeError, match="new_data"):
        dec(llr, "QPSK", 1, new_data=1)
    with pytest.raises(ValueError, match="new_data"):
        dec(llr, "QPSK", 1, new_data=torch.tensor([True]))
    with pytest.raises(TypeError, match="early_termination"):
        ULSCHDecoder(0.5, 800, early_termination=1)


def test_early_termination_is_a_decoder_option():
    enc = ULSCHEncoder(0.5)
    tb = torch.randint(0, 2, (2, 800), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))
    llr = _noiseless(enc, tb, 1600)
    for early, expected in ((True, 1), (False, 7)):
        dec = ULSCHDecoder(0.5, 800, max_iterations=7, early_termination=early)
        out, err = dec(llr, "QPSK", 1)
        assert not err.any() and torch.equal(out, tb)
        assert (dec.last_iterations == expected).all()


def test_reused_rate_recovery_buffer_never_changes_a_kept_soft_buffer():
    # the decoder reuses its rate-recovery output buffer from the second call of a
    # configuration on: a failed block's soft buffer (process 0) must stay the recovered LLRs
    # of its own transmission while other calls (process 1, same rv) go through that buffer,
    # and chase combining (rv 0 + rv 0) must give what a fresh decoder gives
    from softran.nr.coding.ldpc.rate_match import rate_recover_ldpc

    enc, dec = ULSCHEncoder(0.5), ULSCHDecoder(0.5, 2000)
    gen = torch.Generator().manual_seed(24)
    tb = torch.randint(0, 2, (8, 2000), dtype=torch.uint8, generator=gen)
    first, other, second = (_awgn_llr(enc(tb, "QPSK", 1, 4000), "QPSK", -1.5, gen)
                            for _ in range(3))
    assert dec(other, "QPSK", 1, harq_process=1, new_data=True)[1].all()    # first call
    assert dec(first, "QPSK", 1, harq_process=0, new_data=True)[1].all()    # buffer reused
    kept = rate_recover_ldpc(first, 2000, 0.5, 0, "QPSK")
    assert torch.equal(dec.soft_buffer(0), kept)
    dec(other, "QPSK", 1, harq_process=1, new_data=True)
    assert torch.equal(dec.soft_buffer(0), kept)
    out, err = dec(second, "QPSK", 1, harq_process=0)                       # combine
    fresh = ULSCHDecoder(0.5, 2000)
    fresh(first, "QPSK", 1, harq_process=0, new_data=True)
    out_ref, err_ref = fresh(second, "QPSK", 1, harq_process=0)
    assert torch.equal(out, out_ref) and torch.equal(err, err_ref)
    assert not err.all()                       # combining helped some blocks at -1.5 dB
