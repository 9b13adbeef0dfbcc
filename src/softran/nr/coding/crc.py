"""CRC calculation of TS 38.212 §5.1 (MATLAB ``nrCRCEncode`` / ``nrCRCDecode``).

The parity bits ``p_0 .. p_{L-1}`` of a message ``a_0 .. a_{A-1}`` are the remainder of
``a_0 D^{A+L-1} + ... + a_{A-1} D^L`` divided by the generator polynomial ``g_CRC(D)``
(register starting at zero, no final inversion), ``p_0`` the coefficient of ``D^{L-1}``.

How it is computed (exact, vectorised)
--------------------------------------
The remainder is linear over GF(2) in the message bits: ``p = sum_k a_k S(A-1-k+L)``
with ``S(e)`` the L-bit vector of ``D^e mod g(D)``. The message is split into ``J`` blocks
of ``B <= 1024`` bits (zeros prepended, which does not change the remainder):

1. per block, ``r_j = a_j(D) D^L mod g`` is one matrix product ``[..., J, B] @ [B, L]``
   with the table ``W_B[k] = S(B-1-k+L)``, then ``mod 2``;
2. the blocks are combined as ``p = sum_j r_j A_B^(J-1-j) mod 2``, where ``A_B`` is the
   ``L x L`` matrix of "multiply by ``D^B`` mod g", as one matrix product
   ``[..., J L] @ [J L, L]``.

The tables ``S(e)`` (``e < B + L``) and the powers ``A_B^m`` are built by doubling
(``S(e + n) = S(e) A_n``; ``A^(m + n) = A^m A^n``), so the set-up is ``O(log)`` matrix
products and is cached per polynomial, block size and device. Products run in float32,
whose integer sums are exact below 2^24 (at most ``B = 1024`` terms in step 1; step 2
switches to float64 when ``J L >= 2^24``).

On the CPU the same remainder is computed byte-wise instead (a classic table-driven CRC,
MSB first): the bits are packed into bytes (``numpy.packbits``; the first ``K mod 8`` bits
are shifted in one at a time), and a Numba kernel runs the register
``R <- (R << 8) XOR T[(R >> 24) XOR byte]`` over each row, with the L-bit remainder held
left-aligned in a 32-bit word and ``T[i]`` the register after shifting byte ``i`` through
it; eight bytes at a time by "slicing-by-8" (the tables of a byte followed by 0..7 zero
bytes, XORed: the remainder is linear in the message). Both paths give the same bits (tests
compare them on random messages of every length and polynomial). On the CPU,
:func:`crc_encode`, :func:`crc_decode` and :func:`crc_parity` of uint8 / bool rows are one
Numba pass each: the check of the bits, the copy and the
register (a row that does not start 8-byte aligned is copied to an aligned scratch first).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from softran.validation import check_bits, check_int, check_name

__all__ = ["CRC_POLYNOMIALS", "crc_byte_tables", "crc_check_bit_bytes", "crc_decode",
           "crc_encode", "crc_length", "crc_pair_table", "crc_pair_tables_reflected",
           "crc_parity", "crc_register_anywhere", "crc_register_continue",
           "crc_register_of_bit_bytes", "crc_registers_continue",
           "crc_registers_continue_packed", "crc_scratch_size", "pack_bits64"]

#: Generator polynomials g_CRC(D) of TS 38.212 §5.1, as the exponents of their non-zero
#: terms, e.g. g_CRC24A(D) = D^24 + D^23 + D^18 + D^17 + D^14 + D^11 + D^10 + D^7 + D^6
#: + D^5 + D^4 + D^3 + D + 1. Keys are the MATLAB names.
CRC_POLYNOMIALS: dict[str, tuple[int, ...]] = {
    "6": (6, 5, 0),
    "11": (11, 10, 9, 5, 0),
    "16": (16, 12, 5, 0),
    "24A": (24, 23, 18, 17, 14, 11, 10, 7, 6, 5, 4, 3, 1, 0),
    "24B": (24, 23, 6, 5, 1, 0),
    "24C": (24, 23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0),
}

_BLOCK = 1024           # block size B of step 1 (float32 sums stay <= 1024)

#: Whether crc_decode runs its Numba kernel on the CPU (False: the torch reference)
KERNELS: bool = True

#: crc_decode's calls checked earlier: (bits shape, dtype, poly as given, mask) -> (rows
#: shape, data shape, err shape, L, byte tables, polynomial)
_CHECKED: dict[tuple[object, ...], tuple[object, ...]] = {}


def _check_poly(poly: object) -> str:
    if isinstance(poly, str) and poly in CRC_POLYNOMIALS:     # the usual spelling: no search
        return poly
    return check_name("poly", poly, CRC_POLYNOMIALS)


def crc_length(poly: str) -> int:
    """Number of parity bits L of a TS 38.212 §5.1 CRC polynomial.

    >>> crc_length("24a")
    24
    """
    return CRC_POLYNOMIALS[_check_poly(poly)][0]


def _gf2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Product over GF(2) of 0/1 float64 matrices (exact for inner sizes < 2^53)."""
    return torch.remainder(a @ b, 2)


@functools.cache
def _powers(poly: str) -> torch.Tensor:
    """S(e) = D^e mod g(D) for e < 1024 + L: float64 0/1 ``[1024 + L, L]``, D^{L-1} first."""
    exps = CRC_POLYNOMIALS[poly]
    big_l = exps[0]
    n = _BLOCK + big_l
    t = torch.zeros(big_l + 1, big_l, dtype=torch.float64)
    t[:big_l] = torch.eye(big_l, dtype=torch.float64).flip(0)    # S(e) = D^e for e < L
    for e in exps[1:]:
        t[big_l, big_l - 1 - e] = 1.0                              # S(L) = g(D) - D^L
    m = 1                                                          # t holds S(0 .. m+L-1)
    while m + big_l < n:
        a_m = t[m:m + big_l].flip(0)           # row i = S(m+L-1-i): "multiply by D^m"
        t = torch.cat([t, _gf2(t[big_l:m + big_l], a_m)])  # S(e+m) = S(e) A_m, e in [L, m+L)
        m *= 2
    return t[:n]


@functools.lru_cache(maxsize=256)
def _block_table(poly: str, b: int, device: torch.device) -> torch.Tensor:
    """W_B ``[B, L]`` float32: row k = S(B-1-k+L), the remainder of bit k of a B-bit block."""
    big_l = CRC_POLYNOMIALS[poly][0]
    s = _powers(poly)
    return s[big_l:b + big_l].flip(0).to(device=device, dtype=torch.float32)


@functools.lru_cache(maxsize=64)
def _block_powers(poly: str, b: int, j_pow2: int, device: torch.device) -> torch.Tensor:
    """A_B^m for m = 0..j_pow2-1: float64 ``[j_pow2, L, L]`` (A_B = multiply by D^B mod g)."""
    big_l = CRC_POLYNOMIALS[poly][0]
    s = _powers(poly)
    a_n = s[b:b + big_l].flip(0)                                   # A_B^1
    p = torch.eye(big_l, dtype=torch.float64).unsqueeze(0)         # [A^0]
    while p.shape[0] < j_pow2:
        p = torch.cat([p, _gf2(p, a_n)])                           # A^(m+n) = A^m A^n
        a_n = _gf2(a_n, a_n)
    return p.to(device)


@functools.cache
def _byte_tables(poly: str) -> tuple[np.ndarray, int]:
    """(T, G): the slicing-by-8 tables int64 ``[8, 256]`` (``T[k][i]``: the register after
    byte ``i`` followed by ``k`` zero bytes) and the polynomial without its D^L term, both
    left-aligned in 32 bits (bit 31 = D^{L-1})."""
    exps = CRC_POLYNOMIALS[poly]
    big_l = exps[0]
    g = sum(1 << (31 - big_l + 1 + e) for e in exps[1:]) & 0xFFFFFFFF
    table = np.zeros((8, 256), dtype=np.int64)
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ g) & 0xFFFFFFFF if r & 0x80000000 else (r << 1) & 0xFFFFFFFF
        table[0, i] = r
    for k in range(1, 8):
        prev = table[k - 1]
        table[k] = ((prev << 8) & 0xFFFFFFFF) ^ table[0, prev >> 24]
    return table, g


@njit(cache=True, nogil=True)
def _crc_rows(bits, lead, packed, table, g):  # pragma: no cover - compiled
    """Left-aligned CRC register per row: the ``lead`` first bits of ``bits[r]`` one at a
    time, then the bytes ``packed[r]``, 8 at a time (slicing-by-8), then the rest one at a
    time (int64 arithmetic, masked to 32 bits)."""
    mask = np.int64(0xFFFFFFFF)
    n = packed.shape[1]
    n8 = n - n % 8
    out = np.empty(bits.shape[0], dtype=np.int64)
    for r in range(bits.shape[0]):
        reg = np.int64(0)
        for i in range(lead):
            reg ^= np.int64(bits[r, i]) << 31
            reg = ((reg << 1) & mask) ^ (g * (reg >> 31))
        for i in range(0, n8, 8):
            x = reg ^ ((np.int64(packed[r, i]) << 24) | (np.int64(packed[r, i + 1]) << 16)
                       | (np.int64(packed[r, i + 2]) << 8) | np.int64(packed[r, i + 3]))
            reg = (table[7, x >> 24] ^ table[6, (x >> 16) & 255] ^ table[5, (x >> 8) & 255]
                   ^ table[4, x & 255] ^ table[3, packed[r, i + 4]] ^ table[2, packed[r, i + 5]]
                   ^ table[1, packed[r, i + 6]] ^ table[0, packed[r, i + 7]])
        for i in range(n8, n):
            reg = ((reg << 8) & mask) ^ table[0, (reg >> 24) ^ np.int64(packed[r, i])]
        out[r] = reg
    return out


def crc_byte_tables(poly: str) -> tuple[np.ndarray, int]:
    """The slicing-by-8 tables of a CRC of TS 38.212 §5.1 and its polynomial, as Numba
    kernels (:func:`crc_register_of_bit_bytes`) take them: ``(T, G)`` with ``T`` int64
    ``[8, 256]`` (``T[k][i]``: the register after byte ``i`` followed by ``k`` zero bytes)
    and ``G`` the polynomial without its D^L term, both left-aligned in 32 bits.

    >>> t, g = crc_byte_tables("24A")
    >>> t.shape, hex(g)
    ((8, 256), '0x864cfb00')
    """
    return _byte_tables(_check_poly(poly))


def crc_pair_table(table_a: np.ndarray, table_b: np.ndarray) -> np.ndarray:
    """The slicing-by-8 tables of two CRCs of TS 38.212 §5.1 (:func:`crc_byte_tables`) side
    by side in one uint64 table ``[8, 256]``: ``T_a[k][i] << 32 | T_b[k][i]``, so that
    :func:`crc_registers_continue` looks up once, for both registers, the bytes that do not
    meet a register (of CRCs with L <= 24).

    >>> ta, _ = crc_byte_tables("24A"); tb, _ = crc_byte_tables("24B")
    >>> p = crc_pair_table(ta, tb)
    >>> (int(p[3, 7]) >> 32, int(p[3, 7]) & 0xFFFFFFFF) == (int(ta[3, 7]), int(tb[3, 7]))
    True
    """
    for name, t in (("table_a", table_a), ("table_b", table_b)):
        if (not isinstance(t, np.ndarray) or t.shape != (8, 256) or t.dtype.kind not in "iu"
                or int(t.min()) < 0 or int(t.max()) >= 1 << 32 or (t & 255).any()):
            raise ValueError(f"{name} must be an integer [8, 256] slicing-by-8 table of a CRC "
                             f"with L <= 24 (crc_byte_tables: 32-bit entries, low byte 0), got "
                             f"{getattr(t, 'dtype', type(t).__name__)} "
                             f"{getattr(t, 'shape', '')}")
    return (table_a.astype(np.uint64) << np.uint64(32)) | table_b.astype(np.uint64)


@njit(cache=True, nogil=True)
def _bytes8(words, j):  # pragma: no cover - compiled
    """The 8 bytes packed from the 64 bits (one per byte) of ``words[j .. j+7]``, b_0 the
    most significant bit of the first (one multiplication per 8 bits)."""
    u = np.uint64
    m = u(0x8040201008040201)
    s56 = u(56)
    return (np.int64((words[j] * m) >> s56), np.int64((words[j + 1] * m) >> s56),
            np.int64((words[j + 2] * m) >> s56), np.int64((words[j + 3] * m) >> s56),
            np.int64((words[j + 4] * m) >> s56), np.int64((words[j + 5] * m) >> s56),
            np.int64((words[j + 6] * m) >> s56), np.int64((words[j + 7] * m) >> s56))


@njit(cache=True, nogil=True)
def _slice8(reg, b, table):  # pragma: no cover - compiled
    """The register after the 8 bytes ``b`` (:func:`_bytes8`) by the slicing-by-8 tables
    of :func:`crc_byte_tables`."""
    x = reg ^ ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3])
    return (table[7, x >> 24] ^ table[6, (x >> 16) & 255] ^ table[5, (x >> 8) & 255]
            ^ table[4, x & 255] ^ table[3, b[4]] ^ table[2, b[5]] ^ table[1, b[6]]
            ^ table[0, b[7]])


@njit(cache=True, nogil=True)
def _byte_step(reg, byte, table):  # pragma: no cover - compiled
    """The register after one byte (table-driven, MSB first)."""
    return ((reg << 8) & np.int64(0xFFFFFFFF)) ^ table[0, (reg >> 24) ^ byte]


@njit(cache=True, nogil=True)
def _bit_step(reg, bit, g):  # pragma: no cover - compiled
    """The register after one bit (its lowest bit: a byte that is not 0/1 gives a wrong
    register, never one wider than 32 bits that would index past the tables)."""
    reg ^= np.int64(bit & 1) << 31
    return ((reg << 1) & np.int64(0xFFFFFFFF)) ^ (g * (reg >> 31))


@njit(cache=True, nogil=True)
def crc_register_of_bit_bytes(bits, n, table, g):  # pragma: no cover - compiled
    """Left-aligned CRC register (bit 31 = D^{L-1}; p_t is bit 31 - t) of the ``n`` first
    entries of ``bits``, a C-contiguous uint8 array of 0/1 whose start is 8-byte aligned
    (b_0 the highest power, TS 38.212 §5.1), for use inside other Numba kernels: 64 bits
    at a time are packed to 8 bytes (one multiplication per 8 bits) and run through the
    slicing-by-8 tables of :func:`crc_byte_tables`; the last ``n mod 8`` bits one by one."""
    return crc_register_continue(bits, n, table, g, np.int64(0))


@njit(cache=True, nogil=True)
def crc_register_continue(bits, n, table, g, reg):  # pragma: no cover - compiled
    """:func:`crc_register_of_bit_bytes` (TS 38.212 §5.1) of the ``n`` first entries of
    ``bits`` (8-byte aligned start) continuing from the register ``reg`` of the bits before
    them (0: none): the register of a message given in pieces, each read where it is."""
    words = bits[:n - n % 8].view(np.uint64)            # 8 bits per word, b_{8j} in byte 0
    n_bytes = words.shape[0]
    reg = np.int64(reg)
    j = 0
    while j + 8 <= n_bytes:
        reg = _slice8(reg, _bytes8(words, j), table)
        j += 8
    u = np.uint64
    m = u(0x8040201008040201)
    while j < n_bytes:
        reg = _byte_step(reg, np.int64((words[j] * m) >> u(56)), table)
        j += 1
    for i in range(n - n % 8, n):
        reg = _bit_step(reg, bits[i], g)
    return reg


@njit(cache=True, nogil=True)
def crc_registers_continue(bits, n, table_a, g_a, reg_a, table_b, g_b, reg_b,
                           pair=None):  # pragma: no cover - compiled
    """:func:`crc_register_continue` (TS 38.212 §5.1) of two CRCs over the same ``n``
    bits in one pass (each byte packed once, both registers stepped): ``(register a,
    register b)`` continuing from ``reg_a`` and ``reg_b``, e.g. the CRC of a transport block
    (§7.2.1) continued over a code block's share of it while that code block's own CRC
    (§5.2.2) starts. ``pair``: :func:`crc_pair_table` of the two tables, or None; with it
    and L <= 24 for both (the low byte of both registers is then zero, so that 5 of the 8
    bytes of each step index the tables without a register), those 5 are looked up once
    for both registers (11 lookups per 8 bytes instead of 16).

    >>> import numpy as np
    >>> bits = np.zeros(40, dtype=np.uint8); bits[3] = bits[33] = 1
    >>> ta, ga = crc_byte_tables("24A"); tb, gb = crc_byte_tables("24B")
    >>> a, b = crc_registers_continue(bits, 40, ta, ga, 0, tb, gb, 0)
    >>> (a, b) == (crc_register_of_bit_bytes(bits, 40, ta, ga),
    ...            crc_register_of_bit_bytes(bits, 40, tb, gb))
    True
    >>> crc_registers_continue(bits, 40, ta, ga, 0, tb, gb, 0, crc_pair_table(ta, tb)) == (a, b)
    True
    """
    words = bits[:n - n % 8].view(np.uint64)
    n_bytes = words.shape[0]
    reg_a = np.int64(reg_a)
    reg_b = np.int64(reg_b)
    j = 0
    u = np.uint64
    if pair is not None and (g_a | g_b) & 255 == 0:
        lo = u(0xFFFFFFFF)
        s32 = u(32)
        while j + 8 <= n_bytes:
            b = _bytes8(words, j)
            both = pair[4, b[3]] ^ pair[3, b[4]] ^ pair[2, b[5]] ^ pair[1, b[6]] ^ pair[0, b[7]]
            head = (b[0] << 24) | (b[1] << 16) | (b[2] << 8)
            xa = reg_a ^ head
            xb = reg_b ^ head
            reg_a = (table_a[7, xa >> 24] ^ table_a[6, (xa >> 16) & 255]
                     ^ table_a[5, (xa >> 8) & 255] ^ np.int64(both >> s32))
            reg_b = (table_b[7, xb >> 24] ^ table_b[6, (xb >> 16) & 255]
                     ^ table_b[5, (xb >> 8) & 255] ^ np.int64(both & lo))
            j += 8
    while j + 8 <= n_bytes:
        b8 = _bytes8(words, j)
        reg_a = _slice8(reg_a, b8, table_a)
        reg_b = _slice8(reg_b, b8, table_b)
        j += 8
    m = u(0x8040201008040201)
    while j < n_bytes:
        byte = np.int64((words[j] * m) >> u(56))
        reg_a = _byte_step(reg_a, byte, table_a)
        reg_b = _byte_step(reg_b, byte, table_b)
        j += 1
    for i in range(n - n % 8, n):
        reg_a = _bit_step(reg_a, bits[i], g_a)
        reg_b = _bit_step(reg_b, bits[i], g_b)
    return reg_a, reg_b


def crc_pair_tables_reflected(table_a: np.ndarray, table_b: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tables of :func:`crc_registers_continue_packed` for two CRCs of TS 38.212 §5.1
    with L <= 24 (:func:`crc_byte_tables`): the slicing-by-8 tables of each in the
    reflected form (``R[k][i]`` = the 32-bit reflection of ``T[k][reflect8(i)]``: the
    register kept bit-reversed, the bytes taken with their first bit lowest, as
    :func:`pack_bits64` packs them), uint64 ``[8, 256]``, and the two side by side as
    :func:`crc_pair_table` (``R_a << 32 | R_b``).

    >>> ta, _ = crc_byte_tables("24A"); tb, _ = crc_byte_tables("24B")
    >>> ra, rb, p = crc_pair_tables_reflected(ta, tb)
    >>> int(ra[0, 1]) == int(f"{int(ta[0, 128]):032b}"[::-1], 2)
    True
    """
    crc_pair_table(table_a, table_b)                    # the same checks
    idx = np.arange(256)
    rev8 = np.zeros(256, dtype=np.int64)
    for b in range(8):
        rev8 |= ((idx >> b) & 1) << (7 - b)

    def reflect(t: np.ndarray) -> np.ndarray:
        v = t.astype(np.uint64)[:, rev8]
        out = np.zeros_like(v)
        for b in range(32):
            out |= ((v >> np.uint64(b)) & np.uint64(1)) << np.uint64(31 - b)
        return out

    ra, rb = reflect(table_a), reflect(table_b)
    return ra, rb, (ra << np.uint64(32)) | rb


@intrinsic
def pack_bits64(typingctx, bits, start):  # type: ignore[no-untyped-def]
    """The lowest bit of each of the 64 bytes ``bits[start:start + 64]`` (a uint8 array;
    the caller makes sure they are there) as one uint64, byte k at bit k: one vector load
    and a byte mask (``vpmovmskb``) instead of a multiplication per 8 bytes (TS 38.212
    §5.1 bits, one per byte, packed for :func:`crc_registers_continue_packed`)."""
    sig = types.uint64(bits, types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        vec = ir.VectorType(ir.IntType(8), 64)
        v = builder.load(builder.bitcast(ptr, vec.as_pointer()), align=1)
        low = builder.shl(v, ir.Constant(vec, [7] * 64))
        neg = builder.icmp_signed("<", low, ir.Constant(vec, [0] * 64))
        return builder.bitcast(neg, ir.IntType(64))
    return sig, codegen


@njit(cache=True, nogil=True)
def _reflect32(x):  # pragma: no cover - compiled
    """The 32 low bits of ``x`` (uint64) in reverse order."""
    u = np.uint64
    x = ((x >> u(1)) & u(0x55555555)) | ((x & u(0x55555555)) << u(1))
    x = ((x >> u(2)) & u(0x33333333)) | ((x & u(0x33333333)) << u(2))
    x = ((x >> u(4)) & u(0x0F0F0F0F)) | ((x & u(0x0F0F0F0F)) << u(4))
    x = ((x >> u(8)) & u(0x00FF00FF)) | ((x & u(0x00FF00FF)) << u(8))
    return ((x >> u(16)) | (x << u(16))) & u(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def crc_registers_continue_packed(bits, n, table_a, g_a, reg_a, table_b, g_b, reg_b,
                                  reflected):  # pragma: no cover - compiled
    """:func:`crc_registers_continue` (TS 38.212 §5.1, two CRCs with L <= 24 in one pass)
    with the bits packed 64 at a time by :func:`pack_bits64` and the registers run in the
    reflected form (``reflected``: :func:`crc_pair_tables_reflected` of ``table_a`` and
    ``table_b``; 5 of each 8 bytes looked up once for both registers): the same registers,
    about a third faster; the last ``n mod 64`` bits by :func:`crc_registers_continue`.

    >>> bits = np.zeros(200, dtype=np.uint8); bits[3] = bits[133] = 1
    >>> ta, ga = crc_byte_tables("24A"); tb, gb = crc_byte_tables("24B")
    >>> r = crc_pair_tables_reflected(ta, tb)
    >>> (crc_registers_continue_packed(bits, 200, ta, ga, 0, tb, gb, 0, r)
    ...  == crc_registers_continue(bits, 200, ta, ga, 0, tb, gb, 0))
    True
    """
    ra_t, rb_t, pair = reflected
    u = np.uint64
    m8 = u(255)
    s32 = u(32)
    lo = u(0xFFFFFFFF)
    ra = _reflect32(u(reg_a))
    rb = _reflect32(u(reg_b))
    n64 = n - n % 64
    for j in range(0, n64, 64):
        w = pack_bits64(bits, j)
        h = w >> s32
        # L <= 24: the top byte of the reflected registers is 0, so byte 3 of the word
        # does not meet them
        both = (pair[4, (w >> u(24)) & m8] ^ pair[3, h & m8] ^ pair[2, (h >> u(8)) & m8]
                ^ pair[1, (h >> u(16)) & m8] ^ pair[0, h >> u(24)])
        xa = ra ^ (w & u(0xFFFFFF))
        xb = rb ^ (w & u(0xFFFFFF))
        ra = (ra_t[7, xa & m8] ^ ra_t[6, (xa >> u(8)) & m8] ^ ra_t[5, (xa >> u(16)) & m8]
              ^ (both >> s32))
        rb = (rb_t[7, xb & m8] ^ rb_t[6, (xb >> u(8)) & m8] ^ rb_t[5, (xb >> u(16)) & m8]
              ^ (both & lo))
    return crc_registers_continue(bits[n64:], n - n64, table_a, g_a,
                                  np.int64(_reflect32(ra)), table_b, g_b,
                                  np.int64(_reflect32(rb)))


@njit(cache=True, nogil=True)
def crc_register_anywhere(bits, n, table, g, scratch):  # pragma: no cover - compiled
    """The CRC register of TS 38.212 §5.1:
    :func:`crc_register_of_bit_bytes` of the ``n`` first bits of ``bits`` at any start (a
    copy into the 8-byte aligned ``scratch``, :func:`crc_scratch_size` long, first where
    ``bits`` does not start 8-byte aligned), for use inside other Numba kernels."""
    if bits.ctypes.data % 8 == 0 and bits.flags.c_contiguous:
        return crc_register_of_bit_bytes(bits, n, table, g)
    for i in range(n):
        scratch[i] = bits[i]
    return crc_register_of_bit_bytes(scratch, n, table, g)


@njit(cache=True, nogil=True)
def crc_scratch_size(rows):  # pragma: no cover - compiled
    """The ``scratch`` length that :func:`crc_check_bit_bytes` (TS 38.212 §5.1) needs for
    the rows of ``rows`` (2-D uint8/bool, C-contiguous): 0 where every row starts 8-byte
    aligned, else the row length."""
    if rows.ctypes.data % 8 == 0 and (rows.shape[1] % 8 == 0 or rows.shape[0] == 1):
        return 0
    return rows.shape[1]


@njit(cache=True, nogil=True)
def _crc_parity_rows(bits, big_l, table, g, mask, out):  # pragma: no cover - compiled
    """``out[r]`` = the L parity bits of row r of ``bits`` ``[R, K]`` (0/1) XOR ``mask``."""
    scratch = np.empty(crc_scratch_size(bits), dtype=np.uint8)
    for r in range(bits.shape[0]):
        reg = crc_register_anywhere(bits[r], bits.shape[1], table, g, scratch)
        for t in range(big_l):
            out[r, t] = np.uint8(((reg >> (31 - t)) ^ (mask >> (big_l - 1 - t))) & 1)


@njit(cache=True, nogil=True)
def _crc_encode_rows(bits, big_l, table, g, mask, out):  # pragma: no cover - compiled
    """``out[r]`` = row r of ``bits`` ``[R, K]`` (0/1) then its L parity bits XOR ``mask``;
    returns the largest value of ``bits`` (> 1: not a bit)."""
    k = bits.shape[1]
    scratch = np.empty(crc_scratch_size(out), dtype=np.uint8)
    top = np.uint8(0)
    for r in range(bits.shape[0]):
        src = bits[r]
        dst = out[r]
        for i in range(k):
            top = max(top, np.uint8(src[i]))
        for i in range(k):
            dst[i] = src[i]
        reg = crc_register_anywhere(dst, k, table, g, scratch)
        for t in range(big_l):
            dst[k + t] = np.uint8(((reg >> (31 - t)) ^ (mask >> (big_l - 1 - t))) & 1)
    return top


@njit(cache=True, nogil=True)
def crc_check_bit_bytes(bits, n, big_l, table, g, scratch):  # pragma: no cover - compiled
    """The CRC check of TS 38.212 §5.1 of the ``n`` first entries of ``bits`` (uint8 0/1,
    C-contiguous; any start) for use inside other Numba kernels: message b_0..b_{n-L-1}
    followed by its L parity bits. Returns the recomputed parity XOR the received parity
    as an L-bit integer (p_0 most significant; 0 = pass), by
    :func:`crc_register_of_bit_bytes` of the message; ``scratch`` (uint8, 8-byte aligned,
    at least ``n`` long) takes a copy of the message when ``bits`` does not start 8-byte
    aligned (or is not C-contiguous); :func:`crc_scratch_size` says how long."""
    k = n - big_l
    reg = crc_register_anywhere(bits, k, table, g, scratch)
    parity = np.int64(0)
    for t in range(big_l):
        parity = (parity << 1) | np.int64(bits[k + t])
    return (reg >> (32 - big_l)) ^ parity


@njit(cache=True, nogil=True)
def _crc_check_rows(bits, big_l, table, g, mask, data, err):  # pragma: no cover - compiled
    """Per row of ``bits`` ``[R, K + L]`` (uint8): ``err[r]`` = syndrome XOR ``mask``
    (:func:`crc_check_bit_bytes`), ``data[r]`` = the K message bits; returns the largest
    byte seen (a value > 1 is not a bit)."""
    k = data.shape[1]
    scratch = np.empty(crc_scratch_size(bits), dtype=np.uint8)
    top = np.uint8(0)
    for r in range(bits.shape[0]):
        row = bits[r]
        for i in range(row.shape[0]):
            top = max(top, row[i])
        err[r] = crc_check_bit_bytes(row, row.shape[0], big_l, table, g, scratch) ^ mask
        dst = data[r]
        for i in range(k):          # an explicit loop: Numba's slice assignment is ~20x slower
            dst[i] = row[i]
    return top


@njit(cache=True, nogil=True)
def _crc_rows_aligned(bits, table, g):  # pragma: no cover - compiled
    """:func:`crc_register_of_bit_bytes` of every row (rows 8-byte aligned)."""
    out = np.empty(bits.shape[0], dtype=np.int64)
    for r in range(bits.shape[0]):
        out[r] = crc_register_of_bit_bytes(bits[r], bits.shape[1], table, g)
    return out


def _remainder_cpu(bits: torch.Tensor, poly: str) -> torch.Tensor:
    """:func:`_remainder` by the byte table (CPU tensors, K >= 1)."""
    big_l = CRC_POLYNOMIALS[poly][0]
    batch, k = bits.shape[:-1], bits.shape[-1]
    flat = bits.reshape(-1, k).contiguous().numpy()
    table, g = _byte_tables(poly)
    if k % 8 == 0 and flat.ctypes.data % 8 == 0:
        # bytes packed inside the kernel (no packed copy of the bits)
        reg = _crc_rows_aligned(flat, table, np.int64(g))
    else:
        lead = k % 8
        packed = np.packbits(flat[:, lead:], axis=-1)
        reg = _crc_rows(flat, lead, packed, table, np.int64(g))
    # the bits of the register in numpy (a few torch operations cost more than the CRC)
    out = ((reg[:, None] >> _register_shifts(big_l)) & 1).astype(np.uint8)
    return torch.from_numpy(out.reshape(*batch, big_l))


@functools.cache
def _register_shifts(big_l: int) -> np.ndarray:
    """31, 30, ..., 32 - L: the shift of p_0 .. p_{L-1} in a left-aligned register."""
    return np.arange(31, 31 - big_l, -1, dtype=np.int64)


def _remainder(bits: torch.Tensor, poly: str, *, table: bool = True) -> torch.Tensor:
    """uint8 ``[..., L]``: a(D) D^L mod g(D) of uint8 bits ``[..., K]`` (MSB first).

    CPU tensors use the byte table unless ``table`` is False (the matrix method, which
    every device runs)."""
    big_l = CRC_POLYNOMIALS[poly][0]
    batch, k = bits.shape[:-1], bits.shape[-1]
    if k == 0:
        return torch.zeros(*batch, big_l, dtype=torch.uint8, device=bits.device)
    if table and bits.device.type == "cpu":
        return _remainder_cpu(bits, poly)
    b = min(k, _BLOCK)
    j = -(-k // b)
    flat = bits.reshape(-1, k)
    if j * b > k:                                               # prepend zeros
        x = torch.zeros(flat.shape[0], j * b, dtype=torch.float32, device=bits.device)
        x[:, j * b - k:] = flat
    else:
        x = flat.to(torch.float32)
    r = torch.remainder(x.reshape(-1, j, b) @ _block_table(poly, b, bits.device), 2)
    if j > 1:
        powers = _block_powers(poly, b, 1 << (j - 1).bit_length(), bits.device)
        comb = powers[:j].flip(0).reshape(j * big_l, big_l)     # block jj -> A^(J-1-jj)
        dtype = torch.float32 if j * big_l < 2 ** 24 else torch.float64
        r = torch.remainder(r.reshape(-1, j * big_l).to(dtype) @ comb.to(dtype), 2)
    else:
        r = r[:, 0]
    return r.to(torch.uint8).reshape(*batch, big_l)


def _mask_bits(mask: object, big_l: int, device: torch.device) -> torch.Tensor:
    mask = check_int("mask", mask, 0, 2 ** big_l - 1)
    return ((mask >> torch.arange(big_l - 1, -1, -1, device=device)) & 1).to(torch.uint8)


def crc_parity(bits: torch.Tensor, poly: str, mask: int = 0) -> torch.Tensor:
    """The CRC parity bits p_0 .. p_{L-1} of TS 38.212 §5.1 alone (XOR ``mask``), the tail
    that :func:`crc_encode` appends.

    >>> crc_parity(torch.tensor([1, 0, 1, 1], dtype=torch.uint8), "6")
    tensor([1, 0, 1, 1, 0, 1], dtype=torch.uint8)
    """
    poly = _check_poly(poly)
    big_l = CRC_POLYNOMIALS[poly][0]
    if (isinstance(bits, torch.Tensor) and bits.is_cpu and bits.dtype == torch.bool
            and bits.dim() >= 1 and bits.numel()):
        # bool bits need no check: one Numba pass (the usual caller views its checked
        # uint8 bits as bool)
        mask = check_int("mask", mask, 0, 2 ** big_l - 1)
        batch, k = bits.shape[:-1], bits.shape[-1]
        out = np.empty((*batch, big_l), dtype=np.uint8)
        table, g = _byte_tables(poly)
        _crc_parity_rows(bits.contiguous().numpy().reshape(-1, k), big_l, table, g, mask,
                         out.reshape(-1, big_l))
        return torch.from_numpy(out)
    bits = check_bits("bits", bits, min_dim=1)
    if check_int("mask", mask, 0, 2 ** big_l - 1) == 0:
        return _remainder(bits, poly)
    return _remainder(bits, poly) ^ _mask_bits(mask, big_l, bits.device)


def crc_encode(bits: torch.Tensor, poly: str, mask: int = 0) -> torch.Tensor:
    """Append the CRC parity bits of TS 38.212 §5.1 (MATLAB ``nrCRCEncode``).

    Parameters
    ----------
    bits : ``[..., K]`` uint8/bool (or integer) 0/1 tensor, the message a_0 .. a_{K-1}.
    poly : ``"6"``, ``"11"``, ``"16"``, ``"24A"``, ``"24B"`` or ``"24C"`` (case-insensitive):
        g_CRC6, g_CRC11, g_CRC16, g_CRC24A, g_CRC24B, g_CRC24C; L = 6, 11, 16 or 24.
    mask : integer ``0 <= mask < 2^L`` XORed onto the L parity bits, most significant bit
        onto p_0 (as MATLAB). For DCI RNTI scrambling (TS 38.212 §7.3.2: the RNTI goes on
        the last 16 of the 24 CRC24C bits, x_rnti,0 first) pass ``mask=rnti``.

    Returns
    -------
    ``[..., K + L]`` uint8: b_k = a_k for k < K, then p_0 .. p_{L-1} (XOR mask).

    >>> crc_encode(torch.tensor([1, 0, 1, 1], dtype=torch.uint8), "6")
    tensor([1, 0, 1, 1, 1, 0, 1, 1, 0, 1], dtype=torch.uint8)
    >>> crc_encode(torch.zeros(3, 20, dtype=torch.uint8), "24C", mask=0xFFFF)[:, 20:].sum(-1)
    tensor([16, 16, 16])
    """
    poly = _check_poly(poly)
    if (isinstance(bits, torch.Tensor) and bits.is_cpu and bits.dim() >= 1 and bits.numel()
            and bits.dtype in (torch.uint8, torch.bool)):
        # one Numba pass: the check of the bits, the copy and the parity
        big_l = CRC_POLYNOMIALS[poly][0]
        mask = check_int("mask", mask, 0, 2 ** big_l - 1)
        batch, k = bits.shape[:-1], bits.shape[-1]
        out = np.empty((*batch, k + big_l), dtype=np.uint8)
        table, g = _byte_tables(poly)
        if _crc_encode_rows(bits.contiguous().numpy().reshape(-1, k), big_l, table, g, mask,
                            out.reshape(-1, k + big_l)) <= 1:
            return torch.from_numpy(out)
    bits = check_bits("bits", bits, min_dim=1)
    return torch.cat([bits, crc_parity(bits.view(torch.bool), poly, mask)], dim=-1)


def crc_decode(bits: torch.Tensor, poly: str, mask: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Check and remove the CRC of TS 38.212 §5.1 (MATLAB ``nrCRCDecode``).

    Parameters
    ----------
    bits : ``[..., K + L]`` uint8/bool (or integer) 0/1 tensor: message then parity bits.
    poly : as :func:`crc_encode`.
    mask : integer ``0 <= mask < 2^L``, the mask the encoder applied (MSB onto p_0).

    Returns
    -------
    ``(data, err)``: ``data`` ``[..., K]`` uint8, the message bits; ``err`` ``[...]`` int64,
    the recomputed parity XOR the received parity XOR ``mask`` read as an L-bit integer
    (p_0 most significant). ``err == 0`` means the CRC passed; with ``mask=0`` a DCI whose
    CRC was scrambled with an RNTI gives ``err == rnti``.

    >>> a = torch.tensor([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=torch.uint8)
    >>> cw = crc_encode(a, "16", mask=0x4601)
    >>> crc_decode(cw, "16", mask=0x4601)[1], crc_decode(cw, "16")[1]
    (tensor([0, 0]), tensor([17921, 17921]))
    """
    if (KERNELS and type(bits) is torch.Tensor and type(mask) is int and type(poly) is str
            and bits.is_cpu
            and bits.is_contiguous()):
        # a shape checked by an earlier call: the kernel alone
        hit = _CHECKED.get((bits.shape, bits.dtype, poly, mask))
        if hit is not None:
            rows, data_shape, err_shape, big_l, table, g = hit
            data = np.empty(data_shape, dtype=np.uint8)
            err = np.empty(err_shape, dtype=np.int64)
            arr = bits.numpy()
            if _crc_check_rows(arr.reshape(rows) if arr.dtype == np.uint8
                               else arr.view(np.uint8).reshape(rows), big_l, table, g, mask,
                               data.reshape(rows[0], rows[1] - big_l),
                               err.reshape(-1)) <= 1:
                return torch.from_numpy(data), torch.from_numpy(err)
    poly_in = poly
    poly = _check_poly(poly)
    big_l = CRC_POLYNOMIALS[poly][0]
    if (KERNELS and isinstance(bits, torch.Tensor) and bits.is_cpu and bits.dim() >= 1
            and bits.shape[-1] >= big_l and bits.numel()
            and bits.dtype in (torch.uint8, torch.int8, torch.bool)):
        # one Numba pass: the check of the values, the syndrome and the copy of the message
        mask = check_int("mask", mask, 0, 2 ** big_l - 1)
        batch, n = bits.shape[:-1], bits.shape[-1]
        rows = bits.contiguous().numpy()
        rows = (rows if bits.dtype == torch.uint8 else rows.view(np.uint8)).reshape(-1, n)
        data = np.empty((*batch, n - big_l), dtype=np.uint8)  # (torch's reshape costs µs)
        err = np.empty(tuple(batch), dtype=np.int64)
        table, g = _byte_tables(poly)
        if _crc_check_rows(rows, big_l, table, g, mask, data.reshape(rows.shape[0], n - big_l),
                           err.reshape(-1)) <= 1:
            if type(mask) is int and type(poly_in) is str:
                if len(_CHECKED) >= 256:
                    _CHECKED.clear()
                _CHECKED[(bits.shape, bits.dtype, poly_in, mask)] = (
                    rows.shape, data.shape, err.shape, big_l, table, g)
            return torch.from_numpy(data), torch.from_numpy(err)
    bits = check_bits("bits", bits, min_dim=1)
    n = bits.shape[-1]
    if n < big_l:
        raise ValueError(f"bits has length {n} along its last dimension, shorter than the "
                         f"L = {big_l} parity bits of CRC {poly}")
    data = bits[..., :n - big_l].clone()
    syndrome = _remainder(data, poly) ^ bits[..., n - big_l:] ^ _mask_bits(mask, big_l,
                                                                           bits.device)
    weights = 2 ** torch.arange(big_l - 1, -1, -1, device=bits.device, dtype=torch.int64)
    return data, (syndrome.to(torch.int64) * weights).sum(-1)
