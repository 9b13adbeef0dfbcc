"""PUSCHReceiver's one-pass front end (waveform -> LLRs after the FFT in one compiled call,
:mod:`softran.nr.receiver.front_end_kernels`) against the stage-by-stage path it replaces
(bit for bit: the same kernels on the same values) and against the plain torch reference of
every stage (every kernel switch off: float32 rounding), on PUSCH slots of TS 38.211 §6.3.1
(1 to 4 layers, DM-RS types 1 and 2, QPSK to 256QAM); and it hands over to the stages
where it does not apply or where a stage must raise its error."""

from __future__ import annotations

import contextlib
import importlib
import math

import pytest
import torch
from kernel_paths import kernel_then_reference
from test_pusch_e2e import awgn_matrix, carrier, noise, pusch_config, transport_blocks

from softran.nr import PUSCHReceiver, PUSCHTransmitter

_RECEIVER = importlib.import_module("softran.nr.pusch.receiver")
#: the modules whose switches select each stage's kernel or its torch reference
_STAGES = [importlib.import_module(m) for m in (
    "softran.nr.ofdm", "softran.nr.receiver.references", "softran.nr.receiver.equalize",
    "softran.nr.modulation")]

CASES = [
    ("16qam-1l-2rx", {"modulation": "16QAM", "dmrs": {"additional_position": 1,
                                                         "num_cdm_groups_without_data": 2}}, 2),
    ("qpsk-1l-4rx-type2", {"modulation": "QPSK", "dmrs": {"dmrs_type": 2}}, 4),
    ("256qam-1l-1rx", {"modulation": "256QAM"}, 1),
    ("64qam-2l-2rx-double", {"modulation": "64QAM", "n_layers": 2, "dmrs": {
        "max_length": 2, "additional_position": 1, "dmrs_ports": (0, 4),
        "num_cdm_groups_without_data": 1}}, 2),
    ("16qam-4l-4rx", {"modulation": "16QAM", "n_layers": 4, "dmrs": {"additional_position": 2}},
     4),
]


def _record_llr(rx):
    """Keep a copy of the LLRs each forward call hands the decoder (a forward pre-hook)."""
    if not hasattr(rx, "_test_llr"):
        rx._test_llr = []
        rx.decoder.register_forward_pre_hook(
            lambda module, args: rx._test_llr.append(args[0].clone()))
    return rx._test_llr


def _link(fields, n_rx, seed, snr_db=20.0, batch=2):
    c, p = carrier(), pusch_config(**fields)
    gen = torch.Generator().manual_seed(seed)
    tx = PUSCHTransmitter(c, p)
    tb = transport_blocks(batch, p.tb_size, gen)
    wave = torch.einsum("rt,bts->brs", awgn_matrix(n_rx, tx.n_ports), tx(tb))
    y = (wave + noise(wave.shape, 10 ** (-snr_db / 10), gen)).contiguous()
    return c, p, tb, y


def _slot(rx, y):
    """One forward call: (tb, error, the LLRs given to the decoder, last_h, last_noise_var,
    last_sinr), the views of kept buffers copied."""
    llr = _record_llr(rx)
    out, err = rx(y, new_data=True)
    return (out, err, llr[-1], rx.last_h.clone(), rx.last_noise_var.clone(),
            rx.last_sinr.clone())


@contextlib.contextmanager
def _torch_reference():
    """Every stage on its torch reference (and the one-pass front end off)."""
    saved = [(m, m.KERNELS) for m in (_RECEIVER, *_STAGES)]
    try:
        for m, _ in saved:
            m.KERNELS = False
        yield
    finally:
        for m, v in saved:
            m.KERNELS = v


@pytest.mark.parametrize("fields,n_rx", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_pass_equals_the_stages_bit_for_bit(fields, n_rx):
    c, p, tb, y = _link(fields, n_rx, seed=41)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    assert rx._fused
    _slot(rx, y)                                  # the first slot plans the stages' kernels
    for _ in range(2):                            # the workspaces serve again
        fused, stages = kernel_then_reference(_RECEIVER, lambda: _slot(rx, y))
        assert rx._fused_ws, "the one-pass front end did not run"
        for a, b in zip(fused, stages):
            assert a.dtype == b.dtype and torch.equal(a, b)
        assert torch.equal(fused[0], tb) and not fused[1].any()


@pytest.mark.parametrize("fields,n_rx", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fft_in_the_pass_equals_the_demodulators_spectrum(fields, n_rx):
    # the FFT windows and the kept MKL plan inside the compiled pass (front_end_wave) against
    # the demodulator's spectrum() followed by front_end_slot: bit for bit, slot after slot
    c, p, tb, y = _link(fields, n_rx, seed=45)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    _slot(rx, y)
    y2 = (y * 0.5).contiguous()
    got = [_slot(rx, w) for w in (y, y2)]
    (ws,) = rx._fused_ws.values()
    if ws.wave is None:
        pytest.skip("no kept MKL plan in this torch build")
    ws.wave = None                                # the spectrum() path of the same workspace
    want = [_slot(rx, w) for w in (y, y2)]
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            assert a.dtype == b.dtype and torch.equal(a, b)
        assert torch.equal(g[0], tb) and not g[1].any()


@pytest.mark.parametrize("fields,n_rx", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_pass_matches_the_torch_reference(fields, n_rx):
    # float32 rounding in the FFT, the estimator's sums, the 1x1 .. 4x4 solves and the
    # distances (measured: about 1e-6 of each quantity's scale at 12 and 22 dB): the LLRs,
    # the channel estimate, noise variances and SINRs agree to 5e-5 of their scale, the
    # decoded blocks exactly
    c, p, tb, y = _link(fields, n_rx, seed=42, snr_db=22.0)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    _slot(rx, y)
    fused = _slot(rx, y)
    assert rx._fused_ws
    ref_rx = PUSCHReceiver(c, p, n_rx=n_rx)
    with _torch_reference():
        ref = _slot(ref_rx, y)
    assert not ref_rx._fused_ws                   # the reference ran the torch stages
    assert torch.equal(fused[0], tb) and torch.equal(ref[0], tb) and not ref[1].any()
    for a, b in zip(fused[2:], ref[2:]):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert float((a - b).abs().max()) <= 5e-5 * float(b.abs().max())


def test_batch_sizes_keep_their_own_workspaces():
    fields, n_rx = CASES[0][1:]
    c, p, _, y = _link(fields, n_rx, seed=43, batch=3)
    rx, ref = PUSCHReceiver(c, p, n_rx=n_rx), PUSCHReceiver(c, p, n_rx=n_rx)
    for y_b in (y, y[:1].contiguous(), y, y[1:2].contiguous()):
        got = _slot(rx, y_b)
        with _torch_reference():
            want = _slot(ref, y_b)
        assert torch.equal(got[0], want[0]) and not got[1].any()
    assert {k[0] for k in rx._fused_ws} == {1, 3}


def test_non_finite_sample_raises_naming_rx_then_serves_again():
    fields, n_rx = CASES[0][1:]
    c, p, tb, y = _link(fields, n_rx, seed=44)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    _slot(rx, y)
    _slot(rx, y)
    for bad_value in (math.nan, math.inf):
        bad = y.clone()
        bad[1, 0, 1234] = complex(bad_value, 0.0)
        with pytest.raises(ValueError, match="rx"):
            rx(bad)
    got = _slot(rx, y)
    assert torch.equal(got[0], tb) and not got[1].any()


def test_changed_references_or_options_rebuild_the_pass():
    # the DM-RS symbols changed in place, then another smoothing option: the pass follows
    fields, n_rx = CASES[0][1:]
    c, p, tb, y = _link(fields, n_rx, seed=45)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    _slot(rx, y)
    _slot(rx, y)
    before = dict(rx._fused_ws)
    rx.dmrs_symbols.mul_(-1.0)          # every reference negated: h negated, x_hat the same
    for _ in range(2):
        fused, stages = kernel_then_reference(_RECEIVER, lambda: _slot(rx, y))
        assert all(torch.equal(a, b) for a, b in zip(fused, stages))
    assert rx._fused_ws != before
    rx.dmrs_symbols.mul_(-1.0)
    rx.freq_smoothing = 5
    for _ in range(2):
        fused, stages = kernel_then_reference(_RECEIVER, lambda: _slot(rx, y))
        assert all(torch.equal(a, b) for a, b in zip(fused, stages))
        assert torch.equal(fused[0], tb)


@pytest.mark.parametrize("module", _STAGES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_stage_on_its_reference_turns_the_pass_off(module):
    fields, n_rx = CASES[0][1:]
    c, p, tb, y = _link(fields, n_rx, seed=46)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    _slot(rx, y)
    assert rx._front_end(y) is not None
    saved = module.KERNELS
    try:
        module.KERNELS = False
        assert rx._front_end(y) is None
        got = _slot(rx, y)
    finally:
        module.KERNELS = saved
    assert torch.equal(got[0], tb)


@pytest.mark.parametrize("kw,fields", [
    ({"detector": "mmse"}, {}),
    ({}, {"modulation": "64QAM", "enable_ptrs": True}),
    ({}, {"modulation": "QPSK", "transform_precoding": True}),
], ids=["mmse", "ptrs", "transform-precoding"])
def test_where_the_pass_does_not_apply_the_stages_run(kw, fields):
    c, p, tb, y = _link(fields, 2, seed=47)
    rx = PUSCHReceiver(c, p, n_rx=2, **kw)
    assert not rx._fused
    for _ in range(2):
        got = _slot(rx, y)
        assert torch.equal(got[0], tb) and not got[1].any()
    assert not rx._fused_ws


def test_decoder_hooks_fire_though_the_hand_off_skips_module_call():
    # without hooks forward calls the decoder's forward directly; a hook on the decoder,
    # a global module hook or a forward hook each go through Module.__call__ and fire
    from torch.nn.modules import module as torch_module

    fields, n_rx = CASES[0][1:]
    c, p, tb, y = _link(fields, n_rx, seed=48)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    seen = []
    register = [
        lambda f: rx.decoder.register_forward_pre_hook(lambda m, a: f(m)),
        lambda f: rx.decoder.register_forward_hook(lambda m, a, out: f(m)),
        lambda f: torch_module.register_module_forward_pre_hook(lambda m, a: f(m)),
        lambda f: torch_module.register_module_forward_hook(lambda m, a, out: f(m)),
    ]
    for reg in register:
        out, err = rx(y, new_data=True)
        assert torch.equal(out, tb) and not err.any() and not seen
        handle = reg(lambda m: seen.append(m) if m is rx.decoder else None)
        try:
            out, err = rx(y, new_data=True)
        finally:
            handle.remove()
        assert torch.equal(out, tb) and not err.any() and seen == [rx.decoder]
        seen.clear()


def test_receiver_hooks_fire_though_its_call_skips_module_call():
    # PUSCHReceiver.__call__ goes straight to forward without hooks; the receiver's own
    # hooks (a pre-hook that changes the arguments, a hook that changes the result, keyword
    # hooks) and global module hooks run as through Module.__call__
    from torch.nn.modules import module as torch_module

    fields, n_rx = CASES[0][1:]
    c, p, tb, y = _link(fields, n_rx, seed=49)
    rx = PUSCHReceiver(c, p, n_rx=n_rx)
    seen = []
    zeros = torch.zeros_like(y)
    register = [
        (lambda: rx.register_forward_pre_hook(lambda m, a: (zeros,)), "pre"),
        (lambda: rx.register_forward_hook(lambda m, a, out: (out[0], ~out[1])), "post"),
        (lambda: rx.register_forward_pre_hook(
            lambda m, a, kw: seen.append(kw["new_data"]), with_kwargs=True), "kw"),
        (lambda: torch_module.register_module_forward_hook(
            lambda m, a, out: seen.append(m) if m is rx else None), "global"),
    ]
    for reg, kind in register:
        out, err = rx(y, new_data=True)
        assert torch.equal(out, tb) and not err.any()
        handle = reg()
        try:
            out, err = rx(y, new_data=True)
        finally:
            handle.remove()
        if kind == "pre":           # the hook's all-zero waveform decoded: no transport block
            assert bool(err.all())
        elif kind == "post":
            assert torch.equal(out, tb) and bool(err.all())
        else:
            assert torch.equal(out, tb) and not err.any()
            assert seen == ([True] if kind == "kw" else [rx])
        seen.clear()
    out, err = rx(y, new_data=True)
    assert torch.equal(out, tb) and not err.any()
