"""Shared-channel transport-channel coding: DL-SCH (TS 38.212 §7.2) and UL-SCH (§6.2).

The chain, transport block to codeword and back:

    TB --CRC16/24A (§7.2.1)--> segmentation + CRC24B (§5.2.2) --LDPC (§5.3.2)-->
    rate matching + interleaving (§5.4.2) --> concatenation (§5.5) --> G bits

UL-SCH without UCI multiplexing follows the same rules (§6.2.1-§6.2.6); the two differ in the
clause they cite and in the base-graph/CRC helper they call (:func:`dlsch_info` /
:func:`ulsch_info`). The decoders keep one soft buffer per HARQ process and combine
retransmissions of any redundancy version by adding their rate-recovered LLRs (incremental
redundancy, Chase combining when the RV repeats).

**HARQ state** (TS 38.321 §5.4.2.2 new data indicator; MATLAB ``nrULSCHDecoder``). Each call
says whether it carries a new transport block (``new_data=True``: the NDI toggled, as the
gNB knows from its own scheduling) or a retransmission of the one the process holds
(``new_data=False``, the default). New data clears the process's soft buffer and its decoded
code blocks before the LLRs are added; a retransmission combines. A transport block that
decodes (``error`` False) clears its process too, as MATLAB's decoders do, so the next call
on the process starts afresh whatever ``new_data`` says. A decoder therefore never returns a
block that was not decoded from the LLRs of this call or from the combined buffer of this
transport block's transmissions: the default keeps every caller that resets a process (or
passes ``new_data``) before a new transport block correct, and a caller that sends a new
block after a decoded one gets it decoded, not the old one again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import torch
from numba import njit

from softran.nr.coding.crc import crc_byte_tables, crc_decode, crc_length, crc_parity
from softran.nr.coding.ldpc.decode import DECODE_KERNELS, LDPCDecoder, ldpc_decode
from softran.nr.coding.ldpc.encode_rate_match import ldpc_encode_rate_match
from softran.nr.coding.ldpc.rate_match import LDPCRateRecovery, rate_recover_ldpc
from softran.nr.coding.ldpc.segment import code_block_desegment_ldpc
from softran.nr.coding.sch_info import SCHInfo, dlsch_info, ldpc_segment_info, ulsch_info
from softran.nr.coding.sch_kernels import (
    SCH_DECODE_FIELDS,
    sch_check_rows,
    sch_decode_rows_packed,
    sch_recover_rows,
)
from softran.nr.kernel_entry import compiled_entry, kernel_args
from softran.validation import (
    check_allocation,
    check_bits,
    check_bool,
    check_choice,
    check_int,
    check_tensor,
)

__all__ = ["DLSCHDecoder", "DLSCHEncoder", "ULSCHDecoder", "ULSCHEncoder"]

#: Whether the decoders run their CPU slot path (:mod:`softran.nr.coding.sch_kernels` around
#: the LDPC decoder, kept workspaces) once a configuration has been decoded (False: the
#: reference path every call, for tests)
KERNELS: bool = True


class _SCHEncoder(torch.nn.Module):
    _info: Callable[[int, Any], SCHInfo] = staticmethod(dlsch_info)

    def __init__(self, target_code_rate: float | Fraction, *, n_ref: int | None = None) -> None:
        super().__init__()
        self._info(24, target_code_rate)  # validates the rate
        self.target_code_rate = target_code_rate
        self.n_ref = n_ref

    def info(self, tbs: int) -> SCHInfo:
        """Coding parameters (C, K, Zc, base graph, ...) for a transport block of ``tbs`` bits."""
        return self._info(tbs, self.target_code_rate)

    def forward(self, tb: torch.Tensor, modulation: str, n_layers: int, out_len: int,
                rv: int = 0) -> torch.Tensor:
        """Encode transport blocks ``tb`` [..., A] (uint8 bits) into [..., out_len] coded bits."""
        tb = check_bits("tb", tb)
        if tb.shape[-1] == 0:
            raise ValueError(f"tb has shape {tuple(tb.shape)}: a transport block needs at least "
                             "one bit along the last dimension (TBS >= 1)")
        info = self.info(tb.shape[-1])
        # the transport block's CRC (TS 38.212 §7.2.1 / §6.2.1), handed on beside the block
        # rather than appended (no copy of the block); bits checked above
        parity = crc_parity(tb.view(torch.bool), info.crc)
        # segmentation, LDPC and rate matching (one pass per code block on the CPU)
        return ldpc_encode_rate_match(tb.view(torch.bool), info.bgn, out_len, rv, modulation,
                                      n_layers, n_ref=self.n_ref, tail=parity.view(torch.bool))


class _SCHDecoder(torch.nn.Module):
    _info: Callable[[int, Any], SCHInfo] = staticmethod(dlsch_info)

    def __init__(self, target_code_rate: float | Fraction, transport_block_length: int, *,
                 n_ref: int | None = None, max_iterations: int = 12,
                 algorithm: str = "layered-min-sum", scaling: float = 0.75,
                 offset: float = 0.5, early_termination: bool = True,
                 n_harq_processes: int = 16, ldpc_kernel: str = "auto") -> None:
        super().__init__()
        self.sch_info = self._info(transport_block_length, target_code_rate)
        # one transport block's soft buffer [C, N] float32 must fit, whatever the batch
        check_allocation("transport_block_length", transport_block_length,
                         self.sch_info.c * self.sch_info.n, torch.float32)
        self.target_code_rate = target_code_rate
        self.transport_block_length = transport_block_length
        self.n_ref = n_ref
        self.max_iterations = check_int("max_iterations", max_iterations, 1)
        self.algorithm = algorithm
        self.scaling = scaling
        self.offset = offset
        #: stop each code block's LDPC decoding when its parity checks hold
        self.early_termination = check_bool("early_termination", early_termination)
        self.n_harq_processes = check_int("n_harq_processes", n_harq_processes, 1, 32)
        #: the ``kernel`` of :func:`~softran.nr.coding.ldpc.ldpc_decode` ("numba-int8": the
        #: fixed-point CPU kernel)
        self.ldpc_kernel = check_choice("ldpc_kernel", ldpc_kernel, DECODE_KERNELS)
        self._soft: dict[int, torch.Tensor] = {}
        self._done: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        #: rate recovery per (G, rv, modulation, layers), checked once, with its output
        #: buffer reused (nothing below keeps the recovered LLRs: combining and the kept
        #: soft buffer make new tensors)
        self._recovery: dict[tuple[Any, ...], LDPCRateRecovery] = {}
        #: the LDPC decoder of the usual case (every code block decoded) with the options it
        #: was made for, checked once; its bits buffer is reused, so the bits kept for HARQ
        #: are copied
        self._ldpc: tuple[tuple[Any, ...], LDPCDecoder] | None = None
        #: the slot path's workspaces (:class:`_SlotPath`) per (G, rv, modulation, layers,
        #: batch shape)
        self._slot: dict[tuple[Any, ...], _SlotPath] = {}
        #: the slot path's workspace of the last call (its LLR tensor, rv, modulation and
        #: layers): the next call with the same LLR tensor object and arguments goes
        #: straight to it (:meth:`forward`)
        self._hot: _SlotPath | None = None
        # the last call's per-code-block results (the properties last_*): tensors, or the
        # slot path's kept NumPy arrays (its workspace's ``last``), copied into tensors when
        # read
        self._last: dict[str, Any] = {"iterations": None, "cb_crc": None, "parity_ok": None}

    @property
    def last_iterations(self) -> torch.Tensor | None:
        """LDPC iterations used per code block in the last call, int32 [..., C] (0 for a
        block kept from an earlier transmission)."""
        return self._last_tensor("iterations")

    @property
    def last_cb_crc(self) -> torch.Tensor | None:
        """CRC24B syndrome per code block in the last call, int64 [..., C] (0 = pass)."""
        return self._last_tensor("cb_crc")

    @property
    def last_parity_ok(self) -> torch.Tensor | None:
        """Whether each code block's LDPC parity checks held at the end, bool [..., C]."""
        return self._last_tensor("parity_ok")

    def _last_tensor(self, name: str) -> torch.Tensor | None:
        value = self._last[name]
        if isinstance(value, np.ndarray):
            # a slot path workspace's kept array, overwritten by its next call: a copy
            return torch.from_numpy(value.copy())
        return value

    def reset_soft_buffer(self, harq_process: int = 0) -> None:
        """Forget the soft bits accumulated for ``harq_process`` (a new transport block)."""
        harq_process = check_int("harq_process", harq_process, 0, self.n_harq_processes - 1)
        self._soft.pop(harq_process, None)
        self._done.pop(harq_process, None)

    def soft_buffer(self, harq_process: int = 0) -> torch.Tensor | None:
        """The combined LLRs [..., C, N] held for ``harq_process``, or None."""
        return self._soft.get(harq_process)

    def forward(self, llr: torch.Tensor, modulation: str, n_layers: int, rv: int = 0,
                harq_process: int = 0, *, new_data: bool | torch.Tensor = False
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode soft bits ``llr`` [..., G] (LLR = ln P(0)/P(1)).

        ``new_data``: the new data indicator of this transmission (module notes): True (or a
        bool tensor [...] per transport block) clears the process's soft buffer and decoded
        code blocks first; False combines with them. The rate-recovered LLRs are added to
        the soft buffer of ``harq_process`` (a buffer of another batch shape is replaced),
        then decoded. Code blocks that an earlier transmission of the same transport block
        decoded (parity checks held and CRC24B passed) are not decoded again: the code-block
        CRC ends their decoding for the rest of the transport block. A code block that
        received no soft bit at all is not decoded and counts as failed. A transport block
        that decodes clears its part of the process (soft bits and decoded code blocks).
        Returns ``(tb, error)``: uint8 [..., A] and bool [...]. ``error`` is True where the
        TB CRC fails or where a code block ends without satisfying its LDPC parity checks: the
        second guards against false CRC passes, e.g. a TB whose systematic bits were all
        erased (rv 1/2 alone) decodes to all zeros, which passes the zero-initialised CRCs of
        TS 38.212 §5.1.
        """
        hot = self._hot
        if (hot is not None and llr is hot.llr and rv == hot.rv and modulation == hot.modulation
                and n_layers == hot.n_layers and harq_process.__class__ is int
                and 0 <= harq_process < self.n_harq_processes and KERNELS
                and llr.data_ptr() == hot.llr_ptr and llr.shape == hot.shape):
            # the LLR tensor object of the last slot path call again (a receiver's kept
            # buffer), same data, shape and arguments: the checks below held for it already
            out = self._slot_path(llr, modulation, n_layers, rv, harq_process, new_data, hot)
            if out is not None:
                return out
        llr = check_tensor("llr", llr, min_dim=1)  # NaN: refused by rate_recover_ldpc
        harq_process = check_int("harq_process", harq_process, 0, self.n_harq_processes - 1)
        if KERNELS and self._ldpc is not None:
            out = self._slot_path(llr, modulation, n_layers, rv, harq_process, new_data)
            if out is not None:
                return out
        info = self.sch_info
        key = (llr.shape[-1], rv, modulation, n_layers)
        recovery = self._recovery.get(key)
        if recovery is None:
            # the first call of a configuration: the full function (its checks and messages)
            recovered = rate_recover_ldpc(llr, info.a, self.target_code_rate, rv, modulation,
                                          n_layers, n_ref=self.n_ref)
            if len(self._recovery) >= 64:
                self._recovery.clear()
            self._recovery[key] = LDPCRateRecovery(info.a, self.target_code_rate, rv,
                                                   modulation, n_layers, llr.shape[-1],
                                                   n_ref=self.n_ref)
        else:
            recovered = recovery.recover(llr)
        shape = recovered.shape[:-2]
        buffer = self._soft.get(harq_process)
        done = self._done.get(harq_process)
        if buffer is not None and buffer.shape == recovered.shape:
            fresh = _new_data_mask(new_data, shape, recovered.device)
            recovered = torch.where(fresh[..., None, None], 0.0, buffer) + recovered
            if done is not None:
                done = (done[0], done[1] & ~fresh[..., None])
        else:
            if not isinstance(new_data, bool):
                _new_data_mask(new_data, shape, recovered.device)    # checked all the same
            done = None
        n, k = recovered.shape[-1], info.k
        flat = recovered.reshape(-1, n)
        # a code block that received no soft bit at all (fillers aside) would decode to the
        # all-zero codeword, which satisfies every check and every CRC: it is not decoded
        received, received_all = _received(flat)
        decode = {"algorithm": self.algorithm, "scaling": self.scaling, "offset": self.offset,
                  "early_termination": self.early_termination, "kernel": self.ldpc_kernel,
                  "return_parity_check": True}
        if done is None and received_all:
            # the usual case: every code block decoded, no indexing (copies) around the decoder
            options = (n, self.max_iterations, self.algorithm, self.scaling, self.offset,
                       self.early_termination, self.ldpc_kernel)
            if self._ldpc is None or self._ldpc[0] != options:
                # the first call of these options: the full function (its checks and messages)
                bits, iterations, parity_ok = ldpc_decode(flat, info.bgn, self.max_iterations,
                                                          **decode)
                self._ldpc = (options, LDPCDecoder(
                    info.bgn, n, self.max_iterations, algorithm=self.algorithm,
                    scaling=self.scaling, offset=self.offset,
                    early_termination=self.early_termination, kernel=self.ldpc_kernel))
            else:
                bits, iterations, parity_ok = self._ldpc[1].decode(flat)
        else:
            bits = flat.new_zeros(flat.shape[0], k, dtype=torch.uint8)
            iterations = flat.new_zeros(flat.shape[0], dtype=torch.int32)
            parity_ok = received.clone()
            todo = received.clone()
            if done is not None:  # code blocks decoded by an earlier transmission are kept
                kept = done[1].reshape(-1)
                todo &= ~kept
                bits = torch.where(kept[:, None], done[0].reshape(-1, k), bits)
                parity_ok |= kept
            if bool(todo.any()):
                b, it, ok = ldpc_decode(flat[todo], info.bgn, self.max_iterations, **decode)
                bits[todo], iterations[todo], parity_ok[todo] = b, it, ok
        bits, iterations, parity_ok = (bits.reshape(*shape, -1, k), iterations.reshape(*shape, -1),
                                       parity_ok.reshape(*shape, -1))
        blk, cb_crc = code_block_desegment_ldpc(bits, info.bgn, info.b)
        tb, tb_crc = crc_decode(blk, info.crc)
        if tb_crc.is_cpu:
            # a few flags: as Python lists (torch's and numpy's reductions of a few elements
            # cost 5 to 20 µs each)
            flags = [c != 0 or not all(ok) for c, ok in zip(
                tb_crc.numpy().reshape(-1).tolist(),
                parity_ok.numpy().reshape(-1, info.c).tolist())]
            error = torch.from_numpy(np.array(flags, dtype=np.bool_).reshape(tuple(shape)))
            failed = any(flags)
        else:
            error = (tb_crc != 0) | ~parity_ok.all(-1)
            failed = bool(error.any())
        # a decoded transport block clears its part of the process (module notes)
        if not failed:
            self._soft.pop(harq_process, None)
            self._done.pop(harq_process, None)
        else:
            # a code block is done when its parity checks hold and its CRC24B passes (C > 1),
            # or, with a single code block, when the whole TB passed
            cb_done = parity_ok & (cb_crc == 0) if info.c > 1 else ~error.unsqueeze(-1)
            self._soft[harq_process] = torch.where(error[..., None, None], recovered, 0.0)
            self._done[harq_process] = (bits.clone(), cb_done & error.unsqueeze(-1))
        self._last = {"iterations": iterations, "cb_crc": cb_crc, "parity_ok": parity_ok}
        return tb, error

    def _slot_path(self, llr: torch.Tensor, modulation: str, n_layers: int, rv: int,
                   harq_process: int, new_data: bool | torch.Tensor,
                   ws: _SlotPath | None = None) -> tuple[torch.Tensor, torch.Tensor] | None:
        """:meth:`forward` on the CPU in two Numba passes around the LDPC decoder
        (:mod:`~softran.nr.coding.sch_kernels`) on kept workspaces, for a configuration the
        reference path has decoded (and checked) before; the same results. None (nothing
        changed) where it does not apply: the reference path runs instead. ``ws``: the
        workspace whose LLR tensor ``llr`` is (its checks and look-up done before)."""
        options = (self.max_iterations, self.algorithm, self.scaling, self.offset,
                   self.early_termination, self.ldpc_kernel)
        hot = ws is not None and ws.options == options
        if hot:
            shape = ws.shape
            if llr.requires_grad and torch.is_grad_enabled():
                return None
        else:
            shape = llr.shape
            if not (llr.dtype == torch.float32 and llr.is_cpu and llr.is_contiguous()
                    and not (llr.requires_grad and torch.is_grad_enabled())):
                return None
            key = (shape, rv, modulation, n_layers)
            ws = self._slot.get(key)
            if ws is None or ws.options != options:
                ws = self._new_slot_path(key)
                if ws is None:
                    return None
        buffer = self._soft.get(harq_process)
        combine = buffer is not None and buffer.shape == ws.recovered.shape
        if combine and not (buffer.dtype == torch.float32 and buffer.is_contiguous()):
            return None
        if combine:
            if isinstance(new_data, bool):
                ws.fresh[:] = new_data
            else:
                ws.fresh[:] = _new_data_mask(new_data, shape[:-1], llr.device).numpy().reshape(-1)
            done = self._done.get(harq_process)
            if done is not None and bool((done[1].numpy().reshape(ws.rows, -1)
                                          & (ws.fresh == 0)[:, None]).any()):
                return None     # code blocks kept from an earlier transmission
            soft = buffer.numpy().reshape(ws.recovered_np.shape)
        else:
            if not isinstance(new_data, bool):
                _new_data_mask(new_data, shape[:-1], llr.device)     # checked all the same
            soft = ws.recovered_np
        if hot or (llr is ws.llr and llr.data_ptr() == ws.llr_ptr):
            llr_np = ws.llr_np          # the caller's kept buffer again (a receiver's LLRs)
        else:
            llr_np = llr.numpy().reshape(ws.rows, -1)
            ws.llr, ws.llr_ptr, ws.llr_np = llr, llr.data_ptr(), llr_np
        # plain attributes (not parameters or buffers): set without Module.__setattr__ (a
        # Python call of its own)
        state = self.__dict__
        state["_hot"] = ws
        if ws.fixed is not None and torch.get_num_threads() <= 1:
            # one thread: rate recovery, the fixed-point decoder's serial kernel (what
            # FixedDecoder.run calls) and the CRC checks in one compiled call
            serial = ws.serial
            if serial[0] != threading.get_ident():
                serial = ws.serial = (threading.get_ident(), ws.fixed.serial_args())
            if serial[1] is not None:
                res = ws.results()
                packed = ws.packed
                if packed[0] is not serial:
                    # the kernel's arguments that stay the same from slot to slot, packed as
                    # one (unboxed as one pointer), and the kernel's compiled entry for these
                    # types: the workspace's arrays, the results' row views (the same types
                    # each call), the soft buffer (float32 [R, C, N] C-contiguous either way),
                    # two bools
                    kept = kernel_args(**dict(zip(SCH_DECODE_FIELDS, (
                        ws.recovered_np, ws.fresh, ws.received, ws.recovery.kernel_args,
                        ws.bits_np, ws.iterations, serial[1], ws.check_args, *ws.last_rows),
                        strict=True)))
                    packed = ws.packed = (serial, kept, compiled_entry(sch_decode_rows_packed, (
                        llr_np, ws.dirty, soft, combine, res.tb_rows, res.error_rows, kept)))
                status, failed = packed[2](llr_np, ws.dirty, soft, combine, res.tb_rows,
                                           res.error_rows, packed[1])
                ws.dirty = combine or status != 0
                if status:
                    return None     # the NaN error, or code blocks without a soft bit
                return self._slot_done(ws, shape, buffer, harq_process, ws.bits_np, res,
                                       failed)
        nan, n_received = sch_recover_rows(llr_np, ws.recovered_np, ws.dirty, soft, ws.fresh,
                                           combine, ws.received, *ws.recovery.kernel_args)
        ws.dirty = combine
        if nan or n_received != ws.received.shape[0]:
            ws.dirty = True
            return None         # the NaN error, or code blocks without a soft bit
        if ws.fixed is not None:
            ws.fixed.run(ws.flat_np, ws.bits_np, ws.iterations)
            bits_np = ws.bits_np
        else:
            bits_t, it, ok = ws.ldpc.decode(ws.flat)
            bits_np = bits_t.numpy()
            ws.iterations[:] = np.where(ok.numpy(), it.numpy(), -it.numpy())
        # the returned TB bits and error flags: new tensors (a caller may keep them), the
        # per-code-block results go to the workspace's kept arrays
        # (their row views made once)
        res = ws.results()
        failed = sch_check_rows(bits_np, ws.iterations, *ws.check_args, res.tb_rows,
                                *ws.last_rows, res.error_rows)
        return self._slot_done(ws, shape, buffer, harq_process, bits_np, res, failed)

    def _slot_done(self, ws: _SlotPath, shape: torch.Size, buffer: torch.Tensor | None,
                   harq_process: int, bits_np: np.ndarray, res: _SlotResults,
                   failed: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The end of :meth:`_slot_path` after the checks (``failed`` what
        :func:`~softran.nr.coding.sch_kernels.sch_check_rows` returned, ``bits_np`` the
        decoder's hard bits ``[R * C, K]``, ``res`` the result tensors it wrote): the
        results and the HARQ process's state; None where the decoder met a NaN."""
        if failed < 0:
            return None     # a NaN LLR (±inf combined) in the decoder: ldpc_decode's error
        info = self.sch_info
        self.__dict__["_last"] = ws.last
        tb_t, error_t, error = res.tb, res.error, res.error_np
        if not failed:
            # a decoded transport block clears its part of the process (module notes)
            if buffer is not None or harq_process in self._done:
                self._soft.pop(harq_process, None)
                self._done.pop(harq_process, None)
        else:
            c, cb_crc, parity_ok = info.c, ws.last["cb_crc"], ws.last["parity_ok"]
            cb_ok = torch.from_numpy(parity_ok & (cb_crc == 0) if c > 1
                                     else ~error[..., None])
            batch = shape[:-1]
            ws.dirty = True
            recovered = ws.recovered
            self._soft[harq_process] = torch.where(error_t[..., None, None], recovered, 0.0)
            self._done[harq_process] = (
                torch.from_numpy(bits_np.reshape(*batch, c, -1)).clone(),
                cb_ok & error_t.unsqueeze(-1))
        return tb_t, error_t

    def _new_slot_path(self, key: tuple[Any, ...]) -> _SlotPath | None:
        """The workspace of the slot path for ``key`` (llr shape, rv, modulation, layers),
        once the reference path has checked the configuration (its rate recovery and LDPC
        decoder are kept); None before, or for a batch too large to keep."""
        shape, rv, modulation, n_layers = key
        recovery = self._recovery.get((shape[-1], rv, modulation, n_layers))
        n = self.sch_info.n
        options = (n, self.max_iterations, self.algorithm, self.scaling, self.offset,
                   self.early_termination, self.ldpc_kernel)
        if (recovery is None or self._ldpc is None or self._ldpc[0] != options
                or not 0 < shape.numel() <= 1 << 24):
            self._slot.pop(key, None)
            return None
        if len(self._slot) >= 16:
            self._slot.clear()
        ws = self._slot[key] = _SlotPath(self.sch_info, shape, recovery, self._ldpc[1],
                                         options[1:], key[1:])
        return ws


class _SlotPath:
    """The kept workspace of :meth:`_SCHDecoder._slot_path` for one (G, rv, modulation,
    layers, batch shape): the decoder's input [..., C, N] float32 (its zeros and fillers
    left in place between calls while ``dirty`` is False), its hard bits and iteration
    counts, the received flags, the new data flags, the CRC tables and scratch, and the
    result arrays (TB bits, error flags, and ``last``: iterations, CRC24B syndromes and
    parity flags per code block) that each call overwrites."""

    def __init__(self, info: SCHInfo, shape: torch.Size, recovery: LDPCRateRecovery,
                 ldpc: LDPCDecoder, options: tuple[Any, ...], args: tuple[Any, ...]) -> None:
        c, n, k, a = info.c, info.n, info.k, info.a
        #: the LLR shape and (rv, modulation, layers) it was made for
        self.shape, (self.rv, self.modulation, self.n_layers) = shape, args
        batch = shape[:-1]
        self.rows = rows = max(1, int(np.prod(tuple(batch), dtype=np.int64)))
        self.recovery, self.ldpc = recovery, ldpc
        self.recovered = torch.zeros(*batch, c, n, dtype=torch.float32)
        self.recovered_np = self.recovered.numpy().reshape(rows, c, n)
        self.flat = self.recovered.view(rows * c, n)
        self.flat_np = self.recovered_np.reshape(rows * c, n)
        self.dirty = True
        # the caller's LLR tensor of the last call, its data pointer and NumPy view
        self.llr: torch.Tensor | None = None
        self.llr_ptr = 0
        self.llr_np = np.zeros((rows, 0), dtype=np.float32)
        self.received = np.zeros(rows * c, dtype=np.bool_)
        self.fresh = np.zeros(rows, dtype=np.uint8)
        self.iterations = np.zeros(rows * c, dtype=np.int32)
        #: the decoder options it was made for (max_iterations .. ldpc_kernel)
        self.options = options
        self.fixed: Any = None
        if ldpc.kernel == "numba-int8":
            # the fixed-point kernel's prepared decoder (what LDPCDecoder.decode runs, and
            # decode_fixed_into, without their per-call tensors, checks and look-ups): it
            # decodes the kept arrays, whose shapes and dtypes are fixed here
            from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder
            from softran.nr.coding.ldpc.plan import decode_plan

            max_iterations, algorithm, scaling, offset, early = options[:5]
            self.fixed = fixed_decoder(decode_plan(info.bgn, info.zc), max_iterations,
                                       algorithm == "layered-offset-min-sum", scaling, offset,
                                       early)
            self.bits_np = np.zeros((rows * c, k), dtype=np.uint8)
        #: (thread, FixedDecoder.serial_args()) of the last thread that ran the one-call
        #: serial path (sch_decode_rows)
        self.serial: tuple[int, tuple | None] = (-1, None)
        #: (the ``serial`` it was made for, sch_decode_rows_packed's kept arguments packed as
        #: one, its compiled entry for this workspace's argument types)
        #: (softran.nr.kernel_entry; made on the first one-call slot of a thread)
        self.packed: tuple[Any, Any, Any] = (None, None, None)
        seg = ldpc_segment_info(info.b, info.bgn)
        self.k_prime, self.l_cb = seg.k_prime, (seg.l_cb if c > 1 else 0)
        self.l_tb = crc_length(info.crc)
        self.tables = (*crc_byte_tables("24B"), *crc_byte_tables(info.crc))
        self.scratch = np.zeros(max(info.a, k) + 8, dtype=np.uint8)
        #: the shapes of a call's results (TB bits, error flags; new arrays each call) and
        #: whether the kernel needs them reshaped to rows (a batch of other than one dim)
        self.batch, self.tb_shape = tuple(batch), (*batch, a)
        self.reshape = len(batch) != 1
        #: the NumPy arrays behind ``last_*``, overwritten by each call
        self.last = {"iterations": np.zeros((*batch, c), dtype=np.int32),
                     "cb_crc": np.zeros((*batch, c), dtype=np.int64),
                     "parity_ok": np.zeros((*batch, c), dtype=np.bool_)}
        #: sch_check_rows's arguments after the decoder's outputs, and its row views of
        #: ``last`` (between the TB bits and the error flags)
        self.check_args = (a, self.k_prime, self.l_cb, self.l_tb, *self.tables, self.scratch)
        self.last_rows = (self.last["cb_crc"].reshape(rows, c),
                          self.last["iterations"].reshape(rows, c),
                          self.last["parity_ok"].reshape(rows, c))

    def results(self) -> _SlotResults:
        """New result arrays (TB bits, error flags) for this call, their tensors and the row
        views the kernels write: a caller may keep what it gets. (Two ``np.empty`` and two
        ``from_numpy`` cost less than two clones; a pool of kept tensors handed out again
        when nothing holds them cost more with the caches cold, measured: the reference-
        count, use-count and metadata checks that make reuse safe are torch entries too.)"""
        tb, error = np.empty(self.tb_shape, dtype=np.uint8), np.empty(self.batch, dtype=np.bool_)
        if self.reshape:
            return _SlotResults(torch.from_numpy(tb), torch.from_numpy(error), error,
                                tb.reshape(self.rows, -1), error.reshape(self.rows))
        return _SlotResults(torch.from_numpy(tb), torch.from_numpy(error), error, tb, error)


class _SlotResults(NamedTuple):
    """The TB bits ``uint8 [..., A]`` and error flags ``bool [...]`` of one slot path call
    (new each call), the flags' array, and the row views ``[R, A]`` / ``[R]`` its kernels
    write."""

    tb: torch.Tensor
    error: torch.Tensor
    error_np: np.ndarray
    tb_rows: np.ndarray
    error_rows: np.ndarray


def _received(flat: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """Per row of ``flat`` ``[R, N]``: whether it holds a soft bit (an LLR neither 0 nor
    ±inf), and whether all do; on the CPU by a scan that stops at the first one (one look
    per row, usually)."""
    if flat.is_cpu and flat.dtype == torch.float32 and flat.is_contiguous():
        out = np.empty(flat.shape[0], dtype=np.bool_)
        return torch.from_numpy(out), _received_rows(flat.numpy(), out) == flat.shape[0]
    received = ((flat != 0) & flat.isfinite()).any(-1)
    return received, bool(received.all())


@njit(cache=True, nogil=True)
def _received_rows(flat, out):  # pragma: no cover - compiled
    """``out[r]``: row r of ``flat`` holds an LLR neither 0 nor ±inf; returns how many do."""
    inf = np.float32(np.inf)
    count = 0
    for r in range(flat.shape[0]):
        row = flat[r]
        out[r] = False
        for i in range(row.shape[0]):
            v = abs(row[i])
            if v != 0 and v < inf:      # NaN is refused before
                out[r] = True
                count += 1
                break
    return count


def _new_data_mask(new_data: bool | torch.Tensor, shape: torch.Size,
                   device: torch.device) -> torch.Tensor:
    """``new_data`` (a bool, or a bool tensor of the batch shape) as a bool tensor [...]."""
    if isinstance(new_data, bool):
        return torch.full(shape, new_data, dtype=torch.bool, device=device)
    if not isinstance(new_data, torch.Tensor) or new_data.dtype != torch.bool:
        raise TypeError(f"new_data must be a bool or a bool tensor, got {new_data!r}")
    if tuple(new_data.shape) != tuple(shape):
        raise ValueError(f"new_data has shape {tuple(new_data.shape)}; it must be a bool or "
                         f"have the batch shape of llr, {tuple(shape)}")
    return new_data.to(device)


class DLSCHEncoder(_SCHEncoder):
    """DL-SCH encoder (TS 38.212 §7.2; MATLAB ``nrDLSCH``): TB CRC, segmentation, LDPC,
    rate matching with optional limited buffer (``n_ref`` = N_ref in bits), concatenation.

    >>> enc = DLSCHEncoder(0.5)
    >>> enc(torch.zeros(2, 1000, dtype=torch.uint8), "QPSK", 1, 2400, rv=0).shape
    torch.Size([2, 2400])
    """


class DLSCHDecoder(_SCHDecoder):
    """DL-SCH decoder with HARQ soft combining (TS 38.212 §7.2; MATLAB ``nrDLSCHDecoder``).

    >>> enc, dec = DLSCHEncoder(0.5), DLSCHDecoder(0.5, 1000)
    >>> tb = torch.randint(0, 2, (2, 1000), dtype=torch.uint8)
    >>> llr = 4.0 * (1 - 2 * enc(tb, "QPSK", 1, 2400).float())
    >>> out, err = dec(llr, "QPSK", 1)
    >>> bool(torch.equal(out, tb)), err.tolist()
    (True, [False, False])
    """


class ULSCHEncoder(_SCHEncoder):
    """UL-SCH encoder for data without UCI (TS 38.212 §6.2; MATLAB ``nrULSCH``).

    >>> ULSCHEncoder(0.3)(torch.zeros(1, 500, dtype=torch.uint8), "16QAM", 2, 2400).shape
    torch.Size([1, 2400])
    """

    _info = staticmethod(ulsch_info)


class ULSCHDecoder(_SCHDecoder):
    """UL-SCH decoder with HARQ soft combining (TS 38.212 §6.2; MATLAB ``nrULSCHDecoder``).

    >>> enc, dec = ULSCHEncoder(0.3), ULSCHDecoder(0.3, 500)
    >>> tb = torch.randint(0, 2, (1, 500), dtype=torch.uint8)
    >>> out, err = dec(3.0 * (1 - 2 * enc(tb, "16QAM", 2, 2400).float()), "16QAM", 2)
    >>> bool(torch.equal(out, tb)), err.tolist()
    (True, [False])
    """

    _info = staticmethod(ulsch_info)
