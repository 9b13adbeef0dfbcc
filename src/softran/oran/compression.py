"""O-RAN user-plane IQ compression (O-RAN.WG4.CUS.0 clause 6.3.3 / 8.3 and Annex A).

Every method works per PRB (12 resource elements = 24 signed I/Q values) and is vectorised
over any number of leading dimensions (antennas, symbols, ...): there is no Python loop
over PRBs or REs (the one exception is :meth:`CompressedPRBs.from_bytes` for
``"bfp-selective-re"``, whose PRBs have data-dependent lengths and must be walked in order).

==========================  ==========  ======================  ===============================
method                      udCompMeth  udCompParam per PRB     algorithm
==========================  ==========  ======================  ===============================
``"none"``                  0           --                      width-bit two's complement
``"bfp"``                   1           exponent (4 bits)       block floating point, A.1
``"block-scaling"``         2           blockScaler (8 bits)    block scaling, A.2
``"mu-law"``                3           compBitWidth|compShift  mu-law, A.3
``"modulation"``            4           -- (C-plane SE4/SE5)    modulation compression, A.5
``"bfp-selective-re"``      5           sReSMask|exponent       BFP on the REs of sReSMask only
==========================  ==========  ======================  ===============================

(udCompMeth codes and udCompParam sizes come from ``data/ud_comp_meth.csv``; codes 6-8 are
recognised by :func:`parse_ud_comp_hdr` but not implemented by :func:`compress`.)

This module holds the entry points :func:`compress` / :func:`decompress`, the compressed form
:class:`CompressedPRBs` and its wire packing; the algorithms are in
:mod:`~softran.oran.bfp` (A.1, with the BFP exponent and quantisation modes),
:mod:`~softran.oran.block_scaling` (A.2), :mod:`~softran.oran.mu_law` (A.3),
:mod:`~softran.oran.modulation_compression` (A.5, modCompScaler) and the shared 16-bit domain
in :mod:`~softran.oran.fixed_point`.

Fixed-point scaling
-------------------
The algorithms of Annex A take 16-bit signed integers (the O-DU's/O-RU's native IQ, full
scale 2^15). :func:`compress` therefore accepts complex IQ in one of two forms:

* ``full_scale=None`` (default): real and imaginary parts are already integers in the 16-bit
  domain, ``-32768 .. 32767`` (e.g. ``torch.complex(i16.float(), q16.float())``). Anything
  else is a ``ValueError`` (nothing is rounded or clipped silently).
* ``full_scale=A``: the float IQ is mapped to the 16-bit domain by ``round(iq / A * 2^15)``
  (round half to even); a value that lands outside ``-32768 .. 32767`` is a ``ValueError``.

:func:`decompress` returns complex64 in the same units (16-bit integer domain, or divided by
``2^15 / A``). For ``"none"`` the native width is the udIqWidth itself: the values are sent
unchanged, so they must fit in ``width`` bits (with ``full_scale`` the full scale maps to
``2^(width-1)``). For ``"modulation"`` the O-RU reconstructs fractions of full scale
(``1.0`` = full scale, as Wireshark decodes them); with ``full_scale=None`` the input is read
as 16-bit-domain values (``x / 2^15``), and no integer check applies.

Wire packing
------------
Per PRB: the udCompParam bytes, then RE 0..11 (increasing subcarrier), I then Q, each exactly
``width`` bits two's complement, MSB first across byte boundaries; ``3 width`` bytes per
PRB. For ``"bfp-selective-re"`` only the REs whose sReSMask bit is set are sent, and
softran zero-pads each PRB's IQ to a whole byte (**(verify)** against the CUS version you
target); the 16-bit udCompParam is laid out as Wireshark decodes it: bits 15..12 = RE12..RE9,
11..8 = exponent, 7..0 = RE8..RE1 (RE1 = lowest subcarrier = index 0 here). mu-law codes are
sent in two's complement **(verify)**.
"""

from __future__ import annotations

import csv
import functools
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from softran.oran import _kernels
from softran.oran.bfp import BFP_MODES, bfp_compress, bfp_expand
from softran.oran.bitfield import bits_to_bytes, bytes_to_bits, signed_from_bits, unsigned_bits
from softran.oran.block_scaling import block_scaling_compress, block_scaling_expand
from softran.oran.errors import FronthaulDecodeError
from softran.oran.fixed_point import NATIVE_BITS, from_fixed, to_fixed
from softran.oran.modulation_compression import modulation_compress, modulation_expand
from softran.oran.mu_law import mu_law_compress, mu_law_expand
from softran.validation import (
    check_bool,
    check_choice,
    check_int,
    check_name,
    check_positive,
    check_tensor,
)

__all__ = [
    "COMPRESSION_METHODS",
    "CompressedPRBs",
    "bytes_per_prb",
    "compress",
    "compress_prb_bytes",
    "decompress",
    "decompress_prb_bytes",
    "evm",
    "parse_ud_comp_hdr",
    "ud_comp_hdr",
]

_DATA = Path(__file__).parent / "data"

#: Methods implemented by :func:`compress` (udCompMeth 0..5), in udCompMeth order.
COMPRESSION_METHODS: tuple[str, ...] = ("none", "bfp", "block-scaling", "mu-law", "modulation",
                                        "bfp-selective-re")

#: Names of all udCompMeth codes 0..8 (6-8 are parsed but not implemented).
_METHOD_BY_CODE: dict[int, str] = {
    0: "none", 1: "bfp", 2: "block-scaling", 3: "mu-law", 4: "modulation",
    5: "bfp-selective-re", 6: "modulation-selective-re",
    7: "bfp-selective-re-section-masks", 8: "modulation-selective-re-section-masks",
}
_CODE_BY_METHOD: dict[str, int] = {name: code for code, name in _METHOD_BY_CODE.items()}

#: Allowed udIqWidth per method.
_WIDTHS: dict[str, tuple[int, int]] = {
    "none": (1, 16), "bfp": (1, 16), "block-scaling": (1, 16), "mu-law": (3, 16),
    "modulation": (1, 5), "bfp-selective-re": (1, 16),
}

_N_RE = 12


@functools.cache
def _ud_comp_meth_table() -> dict[int, tuple[str, int]]:
    """udCompMeth -> (spec name, udCompParam bytes) from ``data/ud_comp_meth.csv``."""
    with open(_DATA / "ud_comp_meth.csv", newline="") as f:
        rows = [line for line in f if not line.startswith("#")]
    table = {}
    for row in csv.DictReader(rows):
        table[int(row["ud_comp_meth"])] = (row["name"], int(row["ud_comp_param_bytes"]))
    return table


def _check_method(method: object, *, implemented: bool = True) -> str:
    allowed = COMPRESSION_METHODS if implemented else tuple(_CODE_BY_METHOD)
    return check_name("method", method, allowed)


def _check_width(method: str, width: object) -> int:
    low, high = _WIDTHS[method]
    return check_int(f"width (udIqWidth for {method!r})", width, low, high)


def _param_bytes(method: str) -> int:
    return _ud_comp_meth_table()[_CODE_BY_METHOD[method]][1]


# ---------------------------------------------------------------------------------------------
# udCompHdr


def ud_comp_hdr(method: str, width: int) -> int:
    """The udCompHdr byte: ``udIqWidth`` (high nibble, 16 coded as 0) | ``udCompMeth`` (low).

    O-RAN.WG4.CUS.0 clause 7.5.2.10 (C-plane) / 8.3.3.13 (U-plane); codes as
    ``data/ud_comp_meth.csv``.

    >>> hex(ud_comp_hdr("bfp", 9)), hex(ud_comp_hdr("none", 16)), hex(ud_comp_hdr("mu-law", 8))
    ('0x91', '0x0', '0x83')
    """
    method = _check_method(method, implemented=False)
    low, high = _WIDTHS.get(method, (1, 16))
    width = check_int("width", width, low, high)
    return ((width & 0x0F) << 4) | _CODE_BY_METHOD[method]


def parse_ud_comp_hdr(byte: int) -> tuple[str, int]:
    """Inverse of :func:`ud_comp_hdr`: ``(method, width)`` from a udCompHdr byte.

    Raises :class:`~softran.oran.errors.FronthaulDecodeError` for the reserved udCompMeth
    values 9..15.

    >>> parse_ud_comp_hdr(0x91), parse_ud_comp_hdr(0x00)
    (('bfp', 9), ('none', 16))
    """
    byte = check_int("byte", byte, 0, 255)
    code, width = byte & 0x0F, byte >> 4
    if code not in _METHOD_BY_CODE:
        raise FronthaulDecodeError(f"udCompMeth = {code} is reserved (udCompHdr = {byte:#04x})")
    return _METHOD_BY_CODE[code], (width or 16)


def bytes_per_prb(method: str, width: int, *, n_re: int = _N_RE) -> int:
    """Bytes one PRB occupies in a U-plane section: udCompParam + packed IQ.

    ``udCompParam bytes + ceil(2 * n_re * width / 8)``; ``n_re`` (the REs actually sent) may
    differ from 12 only for ``"bfp-selective-re"``. O-RAN.WG4.CUS.0 clause 8.3.3 (IQ data
    format); e.g. 48 for 16-bit uncompressed, 28 for BFP-9, 37 for BFP-12.

    >>> bytes_per_prb("bfp", 9), bytes_per_prb("none", 16), bytes_per_prb("bfp", 12)
    (28, 48, 37)
    >>> bytes_per_prb("bfp-selective-re", 9, n_re=5)
    14
    """
    method = _check_method(method)
    width = _check_width(method, width)
    n_re = check_int("n_re", n_re, 0, _N_RE)
    if method != "bfp-selective-re" and n_re != _N_RE:
        raise ValueError(f"n_re = {n_re} is only allowed for 'bfp-selective-re'; "
                         f"{method!r} always sends 12 REs per PRB")
    return _param_bytes(method) + (2 * n_re * width + 7) // 8


# ---------------------------------------------------------------------------------------------
# The compressed form


@dataclass(frozen=True, eq=False)
class CompressedPRBs:
    """Compressed PRBs: integer codes and per-PRB udCompParam values, as tensors.

    Attributes
    ----------
    method, width : compression method (one of :data:`COMPRESSION_METHODS`) and udIqWidth.
    mantissa : int16 ``[..., n_prb, 12, 2]``: the w-bit signed code of each I (``[..., 0]``)
        and Q (``[..., 1]``) value (BFP mantissa, block-scaled value, mu-law code, constellation
        code, or the raw sample for ``"none"``); zero for REs not sent.
    param : int16 ``[..., n_prb]``: exponent (``"bfp"``, ``"bfp-selective-re"``), blockScaler
        (``"block-scaling"``) or compShift (``"mu-law"``); ``None`` for ``"none"`` and
        ``"modulation"``.
    re_mask : bool ``[..., n_prb, 12]`` sReSMask for ``"bfp-selective-re"``, else ``None``.
    csf, mod_comp_scaler : constellation shift flag and 15-bit modCompScaler code for
        ``"modulation"`` (C-plane SE4 values, not in the U-plane bytes), else ``False``/``None``.
    full_scale : the ``full_scale`` given to :func:`compress` (not on the wire).
    """

    method: str
    width: int
    mantissa: torch.Tensor
    param: torch.Tensor | None = None
    re_mask: torch.Tensor | None = None
    csf: bool = False
    mod_comp_scaler: int | None = None
    full_scale: float | None = None

    def __post_init__(self) -> None:
        """Check every field (a ``TypeError``/``ValueError`` naming it), so that a hand-built or
        foreign object fails here, not deep inside :func:`decompress` or :meth:`to_bytes`."""
        method = _check_method(self.method)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "width", _check_width(method, self.width))
        m = check_tensor("CompressedPRBs.mantissa", self.mantissa, min_dim=3)
        if m.is_floating_point() or m.is_complex() or m.dtype == torch.bool:
            raise TypeError(f"CompressedPRBs.mantissa must be an integer tensor, got dtype "
                            f"{m.dtype}")
        if tuple(m.shape[-2:]) != (_N_RE, 2):
            raise ValueError(f"CompressedPRBs.mantissa must have shape [..., n_prb, 12, 2], got "
                             f"{tuple(m.shape)}")
        if method in ("bfp", "block-scaling", "mu-law", "bfp-selective-re"):
            p = check_tensor("CompressedPRBs.param", self.param)
            if p.is_floating_point() or p.is_complex() or p.dtype == torch.bool:
                raise TypeError(f"CompressedPRBs.param must be an integer tensor, got dtype "
                                f"{p.dtype}")
            if p.shape != m.shape[:-2]:
                raise ValueError(f"CompressedPRBs.param must have shape [..., n_prb] = "
                                 f"{tuple(m.shape[:-2])}, got {tuple(p.shape)}")
        elif self.param is not None:
            raise ValueError(f"CompressedPRBs.param must be None for {method!r}")
        if method == "bfp-selective-re":
            r = check_tensor("CompressedPRBs.re_mask", self.re_mask)
            if r.dtype != torch.bool or r.shape != m.shape[:-1]:
                raise TypeError(f"CompressedPRBs.re_mask must be a bool tensor of shape "
                                f"[..., n_prb, 12] = {tuple(m.shape[:-1])}, got {r.dtype} "
                                f"{tuple(r.shape)}")
        elif self.re_mask is not None:
            raise ValueError(f"CompressedPRBs.re_mask must be None for {method!r}")
        check_bool("CompressedPRBs.csf", self.csf)
        if method == "modulation":
            check_int("CompressedPRBs.mod_comp_scaler", self.mod_comp_scaler, 1, 0x7FFF)
        elif self.mod_comp_scaler is not None:
            raise ValueError(f"CompressedPRBs.mod_comp_scaler must be None for {method!r}")
        _check_full_scale(self.full_scale)

    @classmethod
    def _checked(cls, method: str, width: int, mantissa: torch.Tensor,
                 param: torch.Tensor | None, full_scale: float | None) -> CompressedPRBs:
        """A ``"bfp"`` / ``"block-scaling"`` / ``"mu-law"`` / ``"none"`` object whose fields
        this module has just computed and checked (the slot path: ``__post_init__``'s checks
        cost more than the BFP kernel itself); same object as the constructor's."""
        self = object.__new__(cls)
        for name, value in (("method", method), ("width", width), ("mantissa", mantissa),
                            ("param", param), ("re_mask", None), ("csf", False),
                            ("mod_comp_scaler", None), ("full_scale", full_scale)):
            object.__setattr__(self, name, value)
        return self

    @property
    def n_prb(self) -> int:
        """Number of PRBs along the PRB dimension."""
        return self.mantissa.shape[-3]

    @property
    def batch_shape(self) -> torch.Size:
        """Leading dimensions before ``n_prb``."""
        return self.mantissa.shape[:-3]

    def ud_comp_param(self) -> torch.Tensor:
        """udCompParam bytes of each PRB, uint8 ``[..., n_prb, k]`` (k = 0, 1 or 2).

        O-RAN.WG4.CUS.0 clause 8.3.3.13 (udCompParam, its size and content per udCompMeth).

        >>> c = compress(torch.full((1, 12), 1000 + 0j), "bfp", 9)
        >>> c.ud_comp_param()
        tensor([[2]], dtype=torch.uint8)
        """
        lead = self.mantissa.shape[:-2]
        if self.method in ("none", "modulation"):
            return torch.zeros(*lead, 0, dtype=torch.uint8, device=self.mantissa.device)
        p = self.param.to(torch.int32)
        if self.method == "mu-law":
            p = ((self.width & 0x0F) << 4) | p
        if self.method != "bfp-selective-re":
            return p.to(torch.uint8).unsqueeze(-1)
        word = _pack_sresmask(self.re_mask) | (p << 8)
        return torch.stack((word >> 8, word & 0xFF), dim=-1).to(torch.uint8)

    def to_bytes(self) -> bytes:
        """The PRB data of a U-plane section as on the wire: per PRB udCompParam then IQ.

        Leading dimensions are flattened in row-major order, so the bytes of ``[a, n_prb]``
        PRBs are those of ``a`` consecutive sections' PRB fields. Exact sizes:
        ``numel / 24 * bytes_per_prb`` (selective RE: per PRB, see the module docstring).

        >>> iq = torch.zeros(1, 12, dtype=torch.complex64)
        >>> iq[0, 0] = complex(-18000, 12500); iq[0, 1] = complex(-15100, 10000)
        >>> compress(iq, "bfp", 9).to_bytes()[:6].hex()   # exponent 7, then -141, 97, -118, 78
        '07b9987144e0'
        """
        lead = self.mantissa.shape[:-2]
        if (self.method == "bfp" and _kernels.ENABLED and self.mantissa.device.type == "cpu"
                and self.mantissa.dtype == torch.int16):        # the exponent is the one byte
            m, p = self.mantissa, self.param
            if m.is_contiguous() and p.is_contiguous() and not m.is_neg():   # numpy views
                codes = m.numpy().reshape(-1, 2 * _N_RE)
                param = p.numpy().reshape(-1, 1).astype(np.uint8)
            else:
                codes = m.reshape(-1, 2 * _N_RE).contiguous().numpy()
                param = p.reshape(-1, 1).numpy().astype(np.uint8)
            return _kernels.pack_prbs(codes, param, self.width).tobytes()
        if (self.method != "bfp-selective-re" and _kernels.ENABLED
                and self.mantissa.device.type == "cpu"):       # Numba kernel, same bytes
            param_u8 = self.ud_comp_param()
            codes = self.mantissa.reshape(-1, 2 * _N_RE).contiguous().numpy()
            return _kernels.pack_prbs(codes, param_u8.reshape(codes.shape[0],
                                                              param_u8.shape[-1]).numpy(),
                                      self.width).tobytes()
        m = self.mantissa.to(torch.int32).reshape(*lead, 2 * _N_RE)
        w = self.width
        u = m & ((1 << w) - 1)
        param = self.ud_comp_param()
        if self.method != "bfp-selective-re":
            iq = bits_to_bytes(unsigned_bits(u, w).reshape(*lead, 2 * _N_RE * w))
            out = torch.cat((param, iq), dim=-1)
            return out.reshape(-1).cpu().numpy().tobytes()
        # selective RE: move the selected REs to the front of each PRB (stable), zero the rest,
        # pack the full 12-RE capacity and keep only the bytes that carry selected REs
        mask = self.re_mask
        order = torch.argsort((~mask).to(torch.int8), dim=-1, stable=True)
        slots = torch.gather(u.reshape(*lead, _N_RE, 2), -2,
                             order.unsqueeze(-1).expand(*lead, _N_RE, 2))
        n_sel = mask.sum(-1, keepdim=True)
        slot_idx = torch.arange(_N_RE, device=mask.device)
        slots = torch.where((slot_idx < n_sel).unsqueeze(-1), slots, 0)
        iq = bits_to_bytes(unsigned_bits(slots, w).reshape(*lead, 2 * _N_RE * w))
        out = torch.cat((param, iq), dim=-1)
        n_bytes = 2 + (n_sel * 2 * w + 7) // 8
        keep = torch.arange(out.shape[-1], device=out.device) < n_bytes
        return out[keep].cpu().numpy().tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, n_prb: int, method: str, width: int, *,
                   batch_shape: tuple[int, ...] = (), csf: bool = False,
                   mod_comp_scaler: int | None = None,
                   full_scale: float | None = None) -> CompressedPRBs:
        """Parse the PRB fields written by :meth:`to_bytes` (CPU tensors).

        ``data`` must hold exactly ``prod(batch_shape) * n_prb`` PRBs; the method and width
        come from the udCompHdr or the M-plane, ``csf``/``mod_comp_scaler`` (modulation
        compression) from C-plane SE4. Raises
        :class:`~softran.oran.errors.FronthaulDecodeError` on a length mismatch or a mu-law
        compBitWidth that disagrees with ``width``.

        >>> c = CompressedPRBs.from_bytes(bytes.fromhex("02") + bytes(27), 1, "bfp", 9)
        >>> int(c.param[0]), tuple(c.mantissa.shape)
        (2, (1, 12, 2))
        """
        method = _check_method(method)
        width = _check_width(method, width)
        n_prb = check_int("n_prb", n_prb, 1)
        batch_shape = tuple(check_int("batch_shape entry", b, 1) for b in batch_shape)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        data = bytes(data)
        n_total = math.prod(batch_shape) * n_prb
        shape = (*batch_shape, n_prb)
        if method == "modulation":
            if mod_comp_scaler is None:
                raise ValueError("mod_comp_scaler (15-bit modCompScaler code from C-plane SE4) "
                                 "is required for 'modulation'")
            mod_comp_scaler = check_int("mod_comp_scaler", mod_comp_scaler, 1, 0x7FFF)
        if method == "bfp-selective-re":
            return _from_bytes_selective(data, n_total, shape, width, full_scale)
        k = _param_bytes(method)
        per_prb = k + 3 * width
        if len(data) != n_total * per_prb:
            raise FronthaulDecodeError(
                f"{n_total} PRBs of {method!r} with udIqWidth {width} need {n_total * per_prb} "
                f"bytes ({per_prb} per PRB), got {len(data)}")
        octets = torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(n_total, per_prb)
        if _kernels.ENABLED:                                   # Numba kernel, same values
            values = torch.from_numpy(_kernels.unpack_prbs(octets.numpy(), k, width))
        else:
            values = signed_from_bits(bytes_to_bits(octets[:, k:]), width, 2 * _N_RE)
        mantissa = values.reshape(*shape, _N_RE, 2).to(torch.int16)
        param = None
        if method in ("bfp", "block-scaling", "mu-law"):
            raw = octets[:, 0].to(torch.int16)
            if method == "bfp":
                raw = raw & 0x0F                       # high nibble reserved (ignored)
            elif method == "mu-law":
                cbw = raw >> 4
                bad = cbw != (width & 0x0F)
                if bool(bad.any()):
                    raise FronthaulDecodeError(
                        f"mu-law compBitWidth = {int(cbw[bad][0])} disagrees with udIqWidth "
                        f"{width} (PRB {int(bad.nonzero()[0, 0])})")
                raw = raw & 0x0F
            param = raw.reshape(shape)
        return cls(method, width, mantissa, param, None, bool(csf), mod_comp_scaler, full_scale)

    @property
    def exponent(self) -> torch.Tensor:
        """BFP exponent per PRB (``"bfp"``, ``"bfp-selective-re"``)."""
        return self._param_of("exponent", ("bfp", "bfp-selective-re"))

    @property
    def block_scaler(self) -> torch.Tensor:
        """blockScaler per PRB (``"block-scaling"``), 1 integer + 7 fraction bits."""
        return self._param_of("block_scaler", ("block-scaling",))

    @property
    def comp_shift(self) -> torch.Tensor:
        """compShift per PRB (``"mu-law"``)."""
        return self._param_of("comp_shift", ("mu-law",))

    def _param_of(self, name: str, methods: tuple[str, ...]) -> torch.Tensor:
        if self.method not in methods:
            raise AttributeError(f"{name} is only defined for {methods}, not {self.method!r}")
        assert self.param is not None
        return self.param


def _from_bytes_selective(data: bytes, n_total: int, shape: tuple[int, ...], width: int,
                          full_scale: float | None) -> CompressedPRBs:
    # Walk the PRBs: each length depends on its own sReSMask (a sequential chain by nature).
    if 2 * n_total > len(data):  # before allocating per-PRB arrays for a size off the wire
        raise FronthaulDecodeError(f"{n_total} PRBs of 'bfp-selective-re' need at least "
                                   f"{2 * n_total} bytes (2 per udCompParam), got {len(data)}")
    starts = np.empty(n_total, dtype=np.int64)
    pos = 0
    for i in range(n_total):
        if pos + 2 > len(data):
            raise FronthaulDecodeError(f"PRB {i} of 'bfp-selective-re': udCompParam needs 2 "
                                       f"bytes at offset {pos}, only {len(data) - pos} left")
        word = (data[pos] << 8) | data[pos + 1]
        n_sel = (word & 0xF0FF).bit_count()
        starts[i] = pos
        pos += 2 + (n_sel * 2 * width + 7) // 8
    if pos != len(data):
        raise FronthaulDecodeError(f"{n_total} PRBs of 'bfp-selective-re' occupy {pos} bytes, "
                                   f"got {len(data)}")
    per_prb = 2 + 3 * width
    buf = torch.frombuffer(bytearray(data + bytes(per_prb)), dtype=torch.uint8)
    index = torch.from_numpy(starts)[:, None] + torch.arange(per_prb)
    octets = buf[index]                                          # [n_total, 2 + 3w] windows
    word = (octets[:, 0].to(torch.int32) << 8) | octets[:, 1].to(torch.int32)
    mask = _unpack_sresmask(word)                                # [n_total, 12]
    slots = signed_from_bits(bytes_to_bits(octets[:, 2:]), width, 2 * _N_RE)
    slots = slots.reshape(n_total, _N_RE, 2)
    n_sel = mask.sum(-1, keepdim=True)
    slots = torch.where((torch.arange(_N_RE) < n_sel).unsqueeze(-1), slots, 0)
    order = torch.argsort((~mask).to(torch.int8), dim=-1, stable=True)
    mantissa = torch.zeros_like(slots).scatter_(-2, order.unsqueeze(-1).expand(-1, -1, 2), slots)
    exponent = ((word >> 8) & 0x0F).to(torch.int16)
    return CompressedPRBs("bfp-selective-re", width,
                          mantissa.reshape(*shape, _N_RE, 2).to(torch.int16),
                          exponent.reshape(shape), mask.reshape(*shape, _N_RE), False, None,
                          full_scale)


# RE k (0-based, lowest subcarrier first) -> bit of the 16-bit sReSMask|exponent word
_SRES_BIT = (0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15)


def _pack_sresmask(mask: torch.Tensor) -> torch.Tensor:
    weights = torch.tensor([1 << b for b in _SRES_BIT], dtype=torch.int32, device=mask.device)
    return (mask.to(torch.int32) * weights).sum(-1, dtype=torch.int32)


def _unpack_sresmask(word: torch.Tensor) -> torch.Tensor:
    bits = torch.tensor(_SRES_BIT, dtype=torch.int32, device=word.device)
    return ((word.unsqueeze(-1) >> bits) & 1).to(torch.bool)


# ---------------------------------------------------------------------------------------------
# compression


def _check_iq(iq: object) -> torch.Tensor:
    iq = check_tensor("iq", iq, min_dim=2)
    if not iq.is_complex():
        raise TypeError(f"iq must be a complex tensor [..., n_prb, 12], got dtype {iq.dtype}")
    if iq.shape[-1] != _N_RE:
        raise ValueError(f"iq must have 12 REs per PRB in its last dimension, got shape "
                         f"{tuple(iq.shape)}")
    return iq


def _check_full_scale(full_scale: object) -> float | None:
    return None if full_scale is None else check_positive("full_scale", full_scale)


def _bfp_kernel(iq: torch.Tensor, width: int, mode: str, full_scale: float | None
                ) -> CompressedPRBs | None:
    """``"bfp"`` of checked complex64 CPU ``iq`` by the Numba kernel (fixed point + Annex
    A.1.2 in one pass); ``None`` on bad input (the torch path then raises the precise error)."""
    if iq.is_contiguous() and not iq.is_conj() and not iq.is_neg() and not iq.requires_grad:
        x = iq.numpy().view(np.float32).reshape(-1, 2 * _N_RE)   # numpy views: no torch ops
    else:
        x = torch.view_as_real(iq.resolve_conj().resolve_neg()).detach() \
            .reshape(-1, 2 * _N_RE).contiguous().numpy()
    scale = 0.0 if full_scale is None else 2.0 ** (NATIVE_BITS - 1) / full_scale
    m_np, e_np, status = _kernels.bfp_from_float(x, scale, width, mode == "round-saturate")
    if status != 0:
        return None
    lead = tuple(iq.shape[:-1])
    return CompressedPRBs._checked("bfp", width,
                                   torch.from_numpy(m_np.reshape(lead + (_N_RE, 2))),
                                   torch.from_numpy(e_np.reshape(lead)), full_scale)


def compress(iq: torch.Tensor, method: str, width: int, *, mode: str = "floor-shift",
             full_scale: float | None = None, re_mask: torch.Tensor | None = None,
             csf: bool = True, mod_comp_scaler: float | None = None) -> CompressedPRBs:
    """Compress IQ per PRB with an O-RAN user-data compression method.

    O-RAN.WG4.CUS.0 Annex A (A.1 BFP, A.2 block scaling, A.3 mu-law, A.5 modulation
    compression) and clause 8.3.3 (IQ data format, selective RE sending).

    Parameters
    ----------
    iq : complex ``[..., n_prb, 12]``: 12 REs of each PRB in increasing subcarrier order; any
        leading dimensions (antennas, symbols). Units: see ``full_scale``.
    method : one of :data:`COMPRESSION_METHODS`.
    width : udIqWidth (bits of each I and Q): 1..16 (``"mu-law"`` 3..16, ``"modulation"``
        1..5).
    mode : ``"floor-shift"`` (default; arithmetic right shift, bit-exact with srsRAN/Intel
        O-RUs) or ``"round-saturate"``: BFP quantisation (``"bfp"``, ``"bfp-selective-re"``);
        ignored by the other methods.
    full_scale : ``None``: integer-valued 16-bit-domain IQ; a number: float IQ with this full
        scale (module docstring, "Fixed-point scaling").
    re_mask : bool ``[..., n_prb, 12]`` (broadcastable) REs to send, for
        ``"bfp-selective-re"`` (required there; the exponent covers those REs only).
    csf, mod_comp_scaler : ``"modulation"`` only: constellation shift flag and the scale in
        (0, 1) (quantised to the 15-bit modCompScaler format, :func:`mod_comp_scaler_code`);
        see :func:`modulation_compression_params`. Input that maps outside the w-bit code range
        is a ``ValueError``; other input is rounded to the nearest constellation code.

    Returns
    -------
    :class:`CompressedPRBs` on the device of ``iq``.

    >>> iq = torch.zeros(2, 12, dtype=torch.complex64)
    >>> iq[0, 0] = complex(1000, -1000); iq[1, 0] = complex(-32768, 7)
    >>> c = compress(iq, "bfp", 9)
    >>> c.exponent.tolist(), c.mantissa[:, 0].tolist()
    ([2, 7], [[250, -250], [-256, 0]])
    >>> decompress(c)[:, 0]
    tensor([  1000.-1000.j, -32768.+0.j])
    """
    if (method == "bfp" and _kernels.ENABLED and type(iq) is torch.Tensor
            and iq.dtype == torch.complex64 and iq.device.type == "cpu" and iq.dim() >= 2
            and iq.shape[-1] == _N_RE and type(width) is int and 1 <= width <= 16
            and mode in BFP_MODES and re_mask is None and mod_comp_scaler is None
            and (full_scale is None or (type(full_scale) is float and 0 < full_scale < math.inf))):
        # the slot path: the checks below, done cheaply for the common case
        out = _bfp_kernel(iq, width, mode, full_scale)
        if out is not None:
            return out
    iq = _check_iq(iq)
    method = _check_method(method)
    width = _check_width(method, width)
    mode = check_choice("mode", mode, BFP_MODES)
    full_scale = _check_full_scale(full_scale)
    if method == "bfp-selective-re":
        if re_mask is None:
            raise ValueError("re_mask (bool [..., n_prb, 12]) is required for 'bfp-selective-re'")
        re_mask = check_tensor("re_mask", re_mask, min_dim=1)
        if re_mask.dtype != torch.bool:
            raise TypeError(f"re_mask must be a bool tensor, got dtype {re_mask.dtype}")
        try:
            re_mask = re_mask.to(iq.device).expand(iq.shape)
        except RuntimeError:
            raise ValueError(f"re_mask of shape {tuple(re_mask.shape)} does not broadcast to iq "
                             f"of shape {tuple(iq.shape)}") from None
    elif re_mask is not None:
        raise ValueError(f"re_mask is only used by 'bfp-selective-re', not {method!r}")

    if method == "modulation":
        codes, code = modulation_compress(iq, width, bool(csf), mod_comp_scaler, full_scale)
        return CompressedPRBs("modulation", width, codes, None, None, bool(csf), code,
                              full_scale)
    if mod_comp_scaler is not None:
        raise ValueError(f"mod_comp_scaler is only used by 'modulation', not {method!r}")

    if (method == "bfp" and _kernels.ENABLED and iq.device.type == "cpu"
            and iq.dtype == torch.complex64):
        out = _bfp_kernel(iq, width, mode, full_scale)
        if out is not None:
            return out
    native = width if method == "none" else NATIVE_BITS
    v = to_fixed(iq, native, full_scale)
    param = None
    if method == "none":
        m = v
    elif method == "bfp":
        m, param = bfp_compress(v, width, mode)
    elif method == "bfp-selective-re":
        keep = re_mask.unsqueeze(-1)
        m, param = bfp_compress(torch.where(keep, v, 0), width, mode)
        re_mask = re_mask.contiguous()
    elif method == "block-scaling":
        m, param = block_scaling_compress(v, width)
    else:
        m, param = mu_law_compress(v, width)
    return CompressedPRBs(method, width, m.to(torch.int16),
                          None if param is None else param.to(torch.int16), re_mask,
                          False, None, full_scale)


def compress_prb_bytes(iq: torch.Tensor, method: str, width: int, *,
                       mode: str = "floor-shift",
                       full_scale: float | None = None) -> np.ndarray:
    """The PRB fields of :func:`compress` as on the wire: ``compress(iq, ...).to_bytes()`` as
    uint8 ``[..., n_prb, bytes_per_prb]`` (one PRB per row).

    O-RAN.WG4.CUS.0 clause 8.3.3 (PRB fields) and Annex A. For BFP of complex64 CPU IQ one
    Numba pass quantises (Annex A.1.2) and packs; the bytes are the same. Methods with PRBs
    of one size only (not ``"modulation"``, ``"bfp-selective-re"``: use :func:`compress`).

    >>> iq = torch.zeros(2, 12, dtype=torch.complex64); iq[0, 0] = complex(-18000, 12500)
    >>> b = compress_prb_bytes(iq, "bfp", 9)
    >>> b.shape, b.tobytes() == compress(iq, "bfp", 9).to_bytes()
    ((2, 28), True)
    """
    if method in ("modulation", "bfp-selective-re"):
        raise ValueError(f"method = {method!r}: use compress (its PRBs are not plain bytes of "
                         "one size)")
    if (method == "bfp" and _kernels.ENABLED and type(iq) is torch.Tensor
            and type(width) is int and 1 <= width <= 16 and mode in BFP_MODES
            and (full_scale is None or (type(full_scale) is float and 0 < full_scale < math.inf))):
        try:            # the slot path: numpy() is refused for a tensor that is not a plain
            a = iq.numpy()            # CPU array (grad, conjugate or negative bit, device)
        except (RuntimeError, TypeError):
            a = None
        if (a is not None and a.dtype == np.complex64 and a.ndim >= 2 and a.shape[-1] == _N_RE
                and a.flags.c_contiguous and _param_bytes("bfp") == 1):
            x = a.view(np.float32).reshape(-1, 2 * _N_RE)
            scale = 0.0 if full_scale is None else 2.0 ** (NATIVE_BITS - 1) / full_scale
            out, status = _kernels.bfp_from_float_to_bytes(x, scale, width,
                                                           mode == "round-saturate")
            if status == 0:
                return out.reshape(a.shape[:-1] + (out.shape[-1],))
    c = compress(iq, method, width, mode=mode, full_scale=full_scale)   # checks, raises
    per = bytes_per_prb(c.method, c.width)
    return np.frombuffer(c.to_bytes(), dtype=np.uint8).reshape(
        tuple(c.batch_shape) + (c.n_prb, per)).copy()


def decompress_prb_bytes(octets: np.ndarray, method: str, width: int, *,
                         full_scale: float | None = None, grid: bool = False) -> torch.Tensor:
    """IQ of PRB fields as on the wire: ``decompress(CompressedPRBs.from_bytes(...))`` of
    uint8 ``octets`` ``[..., bytes_per_prb]`` (one PRB per row), complex64 ``[..., 12]``;
    with ``grid`` (``octets`` ``[..., n_prb, bytes_per_prb]``) the PRBs of each row side by
    side, complex64 ``[..., 12 n_prb]`` (a resource grid's subcarriers, no reshape after).

    O-RAN.WG4.CUS.0 clause 8.3.3 (PRB fields) and Annex A (decompression). For BFP on the
    CPU one Numba pass unpacks, expands (Annex A.1.3) and scales; the result is the same.
    Not for ``"modulation"`` (its SE4 values are not in the bytes) or
    ``"bfp-selective-re"`` (PRBs of varying size): use :meth:`CompressedPRBs.from_bytes`.

    >>> c = compress(torch.tensor([[1024 - 3072j] * 12]), "bfp", 9)      # exponent 4, exact
    >>> octets = np.frombuffer(c.to_bytes(), dtype=np.uint8).reshape(1, 28)
    >>> decompress_prb_bytes(octets, "bfp", 9)[0, :2]
    tensor([1024.-3072.j, 1024.-3072.j])
    >>> decompress_prb_bytes(np.stack([octets] * 2, 1), "bfp", 9, grid=True).shape
    torch.Size([1, 24])
    """
    if (method == "bfp" and _kernels.ENABLED and type(octets) is np.ndarray
            and octets.dtype == np.uint8 and octets.ndim >= 2 + bool(grid) and type(width) is int
            and 1 <= width <= 16 and octets.shape[-1] == _param_bytes("bfp") + 3 * width
            and octets.size
            and (full_scale is None or (type(full_scale) is float and 0 < full_scale < math.inf))):
        # the slot path: the checks below, done cheaply for the common case
        scale = None if full_scale is None else full_scale / 2.0 ** (NATIVE_BITS - 1)
        x = _kernels.bfp_to_float(octets.reshape(-1, octets.shape[-1]), width, scale)
        shape = (octets.shape[:-2] + (_N_RE * octets.shape[-2],) if grid
                 else octets.shape[:-1] + (_N_RE,))
        return torch.from_numpy(x.view(np.complex64).reshape(shape))
    if grid:
        if not isinstance(octets, np.ndarray) or octets.ndim < 2:
            raise TypeError("octets must be a uint8 numpy array [..., n_prb, bytes_per_prb] "
                            "with grid = True")
        return decompress_prb_bytes(octets, method, width, full_scale=full_scale).reshape(
            *octets.shape[:-2], _N_RE * octets.shape[-2])
    method = _check_method(method)
    width = _check_width(method, width)
    full_scale = _check_full_scale(full_scale)
    if method in ("modulation", "bfp-selective-re"):
        raise ValueError(f"method = {method!r}: use CompressedPRBs.from_bytes (the PRB bytes "
                         "alone do not determine the IQ)")
    if not isinstance(octets, np.ndarray) or octets.dtype != np.uint8 or octets.ndim < 1:
        raise TypeError("octets must be a uint8 numpy array [..., bytes_per_prb]")
    per_prb = bytes_per_prb(method, width)
    if octets.shape[-1] != per_prb:
        raise ValueError(f"octets has {octets.shape[-1]} bytes per PRB; {method!r} with "
                         f"udIqWidth {width} needs {per_prb}")
    lead = octets.shape[:-1]
    if math.prod(lead) == 0:
        return torch.zeros(*lead, _N_RE, dtype=torch.complex64)
    if method == "bfp" and _kernels.ENABLED:
        scale = None if full_scale is None else full_scale / 2.0 ** (NATIVE_BITS - 1)
        x = _kernels.bfp_to_float(octets.reshape(-1, per_prb), width, scale)
        return torch.from_numpy(x.view(np.complex64)).reshape(*lead, _N_RE)
    c = CompressedPRBs.from_bytes(octets.tobytes(), lead[-1] if lead else 1, method, width,
                                  batch_shape=lead[:-1], full_scale=full_scale)
    return decompress(c).reshape(*lead, _N_RE)


def decompress(c: CompressedPRBs) -> torch.Tensor:
    """Reconstruct IQ from :class:`CompressedPRBs`: complex64 ``[..., n_prb, 12]``.

    O-RAN.WG4.CUS.0 Annex A (decompression of each method). Units as the ``full_scale`` the
    PRBs were compressed with (16-bit integer domain when ``None``; see the module
    docstring). REs not sent (selective RE sending) decode as 0.

    >>> iq = torch.tensor([[8180 + 0j] + [0j] * 11])
    >>> decompress(compress(iq, "bfp", 9, mode="round-saturate"))[0, 0]   # 255 << 5
    tensor(8160.+0.j)
    """
    if not isinstance(c, CompressedPRBs):
        raise TypeError(f"c must be a CompressedPRBs (from compress or CompressedPRBs."
                        f"from_bytes), got {type(c).__name__}")
    m = c.mantissa.to(torch.int32)
    if c.method == "none":
        return from_fixed(m, c.width, c.full_scale)
    if c.method in ("bfp", "bfp-selective-re"):
        return from_fixed(bfp_expand(m, c.param), NATIVE_BITS, c.full_scale)
    if c.method == "block-scaling":
        return from_fixed(block_scaling_expand(m, c.param, c.width), NATIVE_BITS, c.full_scale)
    if c.method == "mu-law":
        return from_fixed(mu_law_expand(m, c.param, c.width), NATIVE_BITS, c.full_scale)
    return modulation_expand(m, c.width, c.csf, c.mod_comp_scaler, c.full_scale)


def evm(reference: torch.Tensor, measured: torch.Tensor, *,
        dim: int | tuple[int, ...] | None = None) -> float | torch.Tensor:
    """RMS error vector magnitude in percent, normalised by the reference RMS power.

    ``EVM = 100 sqrt(sum |measured - reference|^2 / sum |reference|^2)`` (the RMS EVM of
    TS 38.104 §6.5.3 / Annex B without its equaliser and timing search: both inputs are
    already aligned), computed in float64. ``dim=None`` reduces over everything and returns
    a ``float``; otherwise the sums run over ``dim`` and a float64 tensor of the remaining
    (broadcast) dimensions is returned, e.g. ``dim=(-2, -1)`` for per-antenna EVM of
    ``[n_ant, n_prb, 12]`` grids.

    >>> evm(torch.tensor([4 + 0j, 4j]), torch.tensor([5 + 0j, 3j]))   # sqrt(2 / 32)
    25.0
    """
    reference = check_tensor("reference", reference)
    measured = check_tensor("measured", measured)
    try:
        shape = torch.broadcast_shapes(reference.shape, measured.shape)
    except RuntimeError:
        raise ValueError(f"reference {tuple(reference.shape)} and measured "
                         f"{tuple(measured.shape)} do not broadcast") from None
    ref = reference.to(torch.complex128).expand(shape)
    err = (measured.to(torch.complex128) - ref).abs().square()
    power = ref.abs().square()
    if dim is None:
        p = power.sum().item()
        if p <= 0:
            raise ValueError("reference has zero power; EVM is undefined")
        return 100.0 * math.sqrt(err.sum().item() / p)
    if isinstance(dim, numbers.Integral):
        dim = (int(dim),)
    p = power.sum(dim=dim)
    if bool((p <= 0).any()):
        raise ValueError("reference has zero power along the reduced dimensions; EVM is "
                         "undefined there")
    return 100.0 * torch.sqrt(err.sum(dim=dim) / p)
