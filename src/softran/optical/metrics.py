"""Performance metrics of a coherent link: BER, SER, EVM, SNR, Q-factor, GMI, MI, FEC margin.

Conventions: every metric reduces the last dimension (symbols or bits) and keeps the
leading ones, so a ``[..., n_pol, n]`` input gives per-polarisation figures ``[..., n_pol]``
(average or sum them for the dual-polarisation figure). Symbols are those of the square QAM
of :mod:`softran.nr.modulation` (TS 38.211 §5.1, Gray labelled, unit power).

* Data-aided SNR and EVM (Schmogrow et al., IEEE PTL 24(1) 2012, eqs. (1)-(4)): the complex
  gain ``a = <r, y> / <r, r>`` of the received ``y`` on the reference ``r`` is removed by least
  squares; ``SNR = |a|^2 E|r|^2 / E|y - a r|^2`` and ``EVM_rms = 1 / sqrt(SNR)``.
* Q-factor from BER: ``Q = sqrt(2) erfcinv(2 BER)``, in dB ``20 log10 Q`` (BER = Q(Q) of a
  binary Gaussian decision; ITU-T G.976 §A / the usual optical-transport definition).
* Theoretical BER of square M-QAM with Gray mapping in AWGN: the exact expression of Cho and
  Yoon, IEEE Trans. Commun. 50(7) 2002, eq. (16) (not the nearest-neighbour approximation):
  ``P_b = 1/log2(sqrt M) sum_{k=1}^{log2 sqrt M} P_b(k)`` with
  ``P_b(k) = 1/sqrt(M) sum_{i=0}^{(1 - 2^-k) sqrt(M) - 1} (-1)^floor(i 2^(k-1) / sqrt M)
  (2^(k-1) - floor(i 2^(k-1) / sqrt(M) + 1/2)) erfc((2i + 1) sqrt(3 SNR / (2 (M - 1))))``,
  SNR = Es/N0. SER: ``1 - (1 - P_L)^2``, ``P_L = 2 (1 - 1/sqrt M) Q(sqrt(3 SNR / (M - 1)))``
  (Proakis, *Digital Communications*, eq. (4.3.30)).
* GMI (bit-wise, BICM; Alvarado, Agrell, Lavery, Killey, Bayvel, JLT 36(2) 2018, eq. (30)):
  ``GMI = m - 1/N sum_k sum_i log2(1 + exp(-(1 - 2 b_ki) L_ki))`` with exact LLRs
  ``L = ln P(b=0|y)/P(b=1|y)`` of a Gaussian auxiliary channel ``y = a x + n`` whose gain
  ``a`` and noise variance ``sigma^2 = E|y - a x|^2`` are estimated from the data.
* MI (symbol-wise, same auxiliary channel; Alvarado et al. 2018 eq. (25)), Monte Carlo over
  the received samples: ``MI = m - 1/N sum_k log2 sum_j exp(-(|y_k - a x_j|^2 - |y_k - a
  x_k|^2) / sigma^2)``.
* Pre-FEC thresholds (:data:`FEC_THRESHOLDS`) from ``data/fec_thresholds.json`` (sources
  there) and the margin ``Q_dB(BER) - Q_dB(threshold)``.
"""

from __future__ import annotations

import functools
import json
import math
import types
from collections.abc import Mapping
from importlib import resources

import torch

from softran.nr.modulation import bits_per_symbol, symbol_demodulate, symbol_modulate
from softran.optical.qam import check_modulation, check_signal
from softran.validation import check_bits, check_name, check_tensor

__all__ = ["FEC_OVERHEADS", "FEC_THRESHOLDS", "align_symbols", "ber", "ber_from_q", "evm", "gmi", "mi",
           "pre_fec_margin", "q_factor", "ser", "snr", "snr_from_evm", "theoretical_ber",
           "theoretical_ser"]


@functools.cache
def _fec_table() -> Mapping[str, float]:
    text = resources.files("softran.optical").joinpath("data/fec_thresholds.json").read_text()
    table = json.loads(text)["thresholds"]
    return types.MappingProxyType({name: float(v["ber"]) for name, v in table.items()})


#: Pre-FEC BER thresholds by FEC name (read-only; sources in data/fec_thresholds.json).
FEC_THRESHOLDS: Mapping[str, float] = _fec_table()


@functools.cache
def _fec_overheads() -> Mapping[str, float]:
    text = resources.files("softran.optical").joinpath("data/fec_thresholds.json").read_text()
    table = json.loads(text)["thresholds"]
    return types.MappingProxyType({name: float(v["overhead"]) for name, v in table.items()})


#: FEC overheads (parity over payload) by FEC name, same table as :data:`FEC_THRESHOLDS`.
FEC_OVERHEADS: Mapping[str, float] = _fec_overheads()


def _same_shape(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} of shape {tuple(a.shape)} and {name_b} of shape "
                         f"{tuple(b.shape)} must have the same shape")
    if a.shape[-1] == 0:
        raise ValueError(f"{name_a} must not be empty along its last dimension")


def ber(received: torch.Tensor, bits: torch.Tensor, modulation: str | None = None) -> \
        torch.Tensor:
    """Bit error ratio over the last dimension.

    Args:
        received: ``[..., n]`` decided bits (uint8/bool 0/1), or ``[..., n / Q_m]`` complex
            symbols, hard-demapped with ``modulation`` (nearest point, TS 38.211 §5.1 labels).
        bits: ``[..., n]`` transmitted bits.
        modulation: needed when ``received`` is complex.

    Returns:
        ``[...]`` float64.

    >>> ber(torch.tensor([0, 1, 1, 0], dtype=torch.uint8), torch.tensor([0, 1, 0, 0]))
    tensor(0.2500, dtype=torch.float64)
    """
    received = check_tensor("received", received, min_dim=1)
    if received.is_complex():
        if modulation is None:
            raise ValueError("modulation must be given when received is a complex tensor")
        received = symbol_demodulate(received, check_modulation(modulation))
    received = check_bits("received", received)
    bits = check_bits("bits", bits)
    _same_shape("received", received, "bits", bits)
    return (received != bits).to(torch.float64).mean(-1)


def ser(received: torch.Tensor, reference: torch.Tensor, modulation: str) -> torch.Tensor:
    """Symbol error ratio: nearest-point decisions of ``received`` against ``reference``.

    Args:
        received, reference: ``[..., n]`` complex (``reference`` the transmitted points).
        modulation: square QAM name.

    Returns:
        ``[...]`` float64.

    >>> r = torch.tensor([1 + 1j, -1 + 1j], dtype=torch.complex64) / 2 ** 0.5
    >>> ser(torch.tensor([0.9 + 0.6j, 0.2 + 0.5j]), r, "QPSK")
    tensor(0.5000, dtype=torch.float64)
    """
    received = check_signal("received", received)
    reference = check_signal("reference", reference)
    _same_shape("received", received, "reference", reference)
    modulation = check_modulation(modulation)
    q = bits_per_symbol(modulation)
    a = symbol_demodulate(received, modulation).unflatten(-1, (-1, q))
    b = symbol_demodulate(reference, modulation).unflatten(-1, (-1, q))
    return (a != b).any(-1).to(torch.float64).mean(-1)


def _gain_and_noise(y: torch.Tensor, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor,
                                                                 torch.Tensor]:
    """LS complex gain a [..., 1], noise variance [..., 1], reference power [..., 1]."""
    y = y.to(torch.complex128)
    r = r.to(torch.complex128)
    pr = r.abs().square().mean(-1, keepdim=True)
    a = (r.conj() * y).mean(-1, keepdim=True) / pr
    nv = (y - a * r).abs().square().mean(-1, keepdim=True)
    return a, nv, pr


def snr(received: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Data-aided SNR (linear) ``|a|^2 E|r|^2 / E|y - a r|^2`` with the LS gain ``a``
    (Schmogrow et al. 2012, eq. (4) with the gain removed).

    Args:
        received, reference: ``[..., n]`` complex.

    Returns:
        ``[...]`` float64 (linear; ``10 log10`` for dB).

    >>> r = torch.tensor([1, -1, 1j, -1j] * 4, dtype=torch.complex128)
    >>> n = torch.tensor([0.1, 0.1, -0.1, -0.1] * 4, dtype=torch.complex128)  # orthogonal to r
    >>> round(snr(2j * r + n, r).item(), 6)             # 4 / 0.01
    400.0
    """
    received = check_signal("received", received)
    reference = check_signal("reference", reference)
    _same_shape("received", received, "reference", reference)
    a, nv, pr = _gain_and_noise(received, reference)
    return (a.abs().square() * pr / nv).squeeze(-1)


def evm(received: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """RMS error-vector magnitude (ratio, not %) after the LS gain: ``1 / sqrt(snr)``
    (Schmogrow et al. 2012, eqs. (1)-(3), normalised to the mean reference power).

    >>> r = torch.tensor([1, -1, 1j, -1j] * 4, dtype=torch.complex128)
    >>> evm(r + torch.tensor([0.1, 0.1, -0.1, -0.1] * 4, dtype=torch.complex128), r)
    tensor(0.1000, dtype=torch.float64)
    """
    return snr(received, reference).rsqrt()


def snr_from_evm(evm_rms: float | torch.Tensor) -> float | torch.Tensor:
    """SNR (linear) from the data-aided RMS EVM: ``1 / EVM^2`` (Schmogrow et al. 2012 eq. (4)).

    >>> snr_from_evm(0.5)
    4.0
    """
    if isinstance(evm_rms, torch.Tensor):
        if not bool((evm_rms > 0).all()):
            raise ValueError("evm_rms must be > 0")
        return evm_rms.to(torch.float64).square().reciprocal()
    if isinstance(evm_rms, bool) or not isinstance(evm_rms, (int, float)) or not evm_rms > 0:
        raise ValueError(f"evm_rms = {evm_rms!r} is not allowed; it must be a number > 0")
    return 1.0 / float(evm_rms) ** 2


def _prob(name: str, p: float | torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(p, dtype=torch.float64)
    if t.is_complex() or not bool(((t > 0) & (t < 0.5)).all()):
        raise ValueError(f"{name} = {p!r} is not allowed; allowed: 0 < {name} < 0.5")
    return t


def q_factor(ber_value: float | torch.Tensor) -> torch.Tensor:
    """Q-factor in dB from a BER: ``20 log10(sqrt(2) erfcinv(2 BER))``.

    ``erfcinv(2 p) = -erfinv(2 p - 1)`` is evaluated with ``torch.special.ndtri``:
    ``sqrt(2) erfcinv(2 p) = -ndtri(p)``.

    >>> round(q_factor(3.8e-3).item(), 2), round(q_factor(1e-3).item(), 2)
    (8.53, 9.8)
    """
    p = _prob("ber", ber_value)
    return 20 * torch.log10(-torch.special.ndtri(p))


def ber_from_q(q_db: float | torch.Tensor) -> torch.Tensor:
    """BER from a Q-factor in dB: ``0.5 erfc(Q / sqrt(2))``, ``Q = 10^(q_dB / 20)``.

    >>> f"{ber_from_q(20 * math.log10(6.0)).item():.4e}"        # Q = 6: 9.8659e-10
    '9.8659e-10'
    """
    q = torch.as_tensor(q_db, dtype=torch.float64)
    if q.is_complex() or not bool(torch.isfinite(q).all()):
        raise ValueError(f"q_db = {q_db!r} is not allowed; it must be finite")
    return 0.5 * torch.special.erfc(10 ** (q / 20) / math.sqrt(2))


def pre_fec_margin(ber_value: float | torch.Tensor, fec: str | float = "400ZR-CFEC") -> \
        torch.Tensor:
    """Q-margin [dB] of a pre-FEC BER to a FEC threshold: ``Q_dB(BER) - Q_dB(threshold)``.

    Args:
        ber_value: measured pre-FEC BER (0 < BER < 0.5).
        fec: a name of :data:`FEC_THRESHOLDS` (``"400ZR-CFEC"``, ``"HD-FEC-7%"``,
            ``"SD-FEC-20%"``) or a threshold BER.

    Returns:
        float64 margin (positive: below the threshold, the FEC output is error free).

    >>> round(pre_fec_margin(1e-3, "HD-FEC-7%").item(), 2)
    1.27
    """
    if isinstance(fec, str):
        threshold = FEC_THRESHOLDS[check_name("fec", fec, list(FEC_THRESHOLDS))]
    else:
        threshold = fec
    return q_factor(ber_value) - q_factor(threshold)


def _snr_tensor(snr_db: float | torch.Tensor) -> torch.Tensor:
    s = torch.as_tensor(snr_db, dtype=torch.float64)
    if s.is_complex() or not bool(torch.isfinite(s).all()):
        raise ValueError(f"snr_db = {snr_db!r} is not allowed; it must be finite")
    return 10 ** (s / 10)


def theoretical_ber(modulation: str, snr_db: float | torch.Tensor) -> torch.Tensor:
    """Exact BER of Gray-mapped square M-QAM in AWGN (Cho & Yoon 2002, eq. (16)).

    Args:
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"`` or ``"256QAM"``.
        snr_db: Es/N0 [dB] (per polarisation: symbol energy over the noise density), a
            number or a real tensor.

    Returns:
        float64, the shape of ``snr_db``.

    >>> f"{theoretical_ber('QPSK', 10.0).item():.4e}"            # Q(sqrt(10))
    '7.8270e-04'
    """
    modulation = check_modulation(modulation)
    g = _snr_tensor(snr_db)
    m = 2 ** bits_per_symbol(modulation)
    sq = math.isqrt(m)
    n_k = int(math.log2(sq))
    arg = torch.sqrt(3 * g / (2 * (m - 1)))
    total = torch.zeros_like(g)
    for k in range(1, n_k + 1):
        pk = torch.zeros_like(g)
        for i in range(int((1 - 2 ** -k) * sq)):
            w = (-1) ** (i * 2 ** (k - 1) // sq) * (2 ** (k - 1) - math.floor(
                i * 2 ** (k - 1) / sq + 0.5))
            pk = pk + w * torch.special.erfc((2 * i + 1) * arg)
        total = total + pk / sq
    return total / n_k


def theoretical_ser(modulation: str, snr_db: float | torch.Tensor) -> torch.Tensor:
    """Exact SER of square M-QAM in AWGN (Proakis eq. (4.3.30)): ``1 - (1 - P_L)^2`` with
    ``P_L = 2 (1 - 1/sqrt M) Q(sqrt(3 SNR / (M - 1)))``, SNR = Es/N0.

    >>> f"{theoretical_ser('QPSK', 10.0).item():.4e}"
    '1.5648e-03'
    """
    modulation = check_modulation(modulation)
    g = _snr_tensor(snr_db)
    m = 2 ** bits_per_symbol(modulation)
    p_l = (1 - 1 / math.sqrt(m)) * torch.special.erfc(torch.sqrt(3 * g / (2 * (m - 1))))
    return 1 - (1 - p_l) ** 2


def _aux_channel(received: torch.Tensor, bits: torch.Tensor, modulation: str,
                 noise_var: float | torch.Tensor | None):
    received = check_signal("received", received)
    modulation = check_modulation(modulation)
    bits = check_bits("bits", bits)
    q = bits_per_symbol(modulation)
    if bits.shape[:-1] != received.shape[:-1] or bits.shape[-1] != q * received.shape[-1]:
        raise ValueError(f"bits of shape {tuple(bits.shape)} do not match received of shape "
                         f"{tuple(received.shape)} with Q_m = {q} bits per symbol")
    if received.shape[-1] == 0:
        raise ValueError("received must not be empty along its last dimension")
    x = symbol_modulate(bits, modulation).to(torch.complex128)
    a, nv, _ = _gain_and_noise(received, x)
    if noise_var is not None:
        nv = torch.as_tensor(noise_var, dtype=torch.float64, device=received.device)
        if not bool((nv > 0).all()):
            raise ValueError("noise_var must be > 0")
        nv = nv.expand(received.shape[:-1]).unsqueeze(-1) if nv.dim() else nv.reshape(1)
    return received.to(torch.complex128), x, a, nv, q


def gmi(received: torch.Tensor, bits: torch.Tensor, modulation: str,
        noise_var: float | torch.Tensor | None = None) -> torch.Tensor:
    """Generalised mutual information [bit/symbol] of bit-wise decoding (Alvarado et al.
    2018, eq. (30)), exact LLRs of the estimated Gaussian channel ``y = a x + n``.

    Args:
        received: ``[..., n]`` complex received symbols (any complex gain).
        bits: ``[..., n Q_m]`` transmitted bits (TS 38.211 §5.1 labels).
        modulation: square QAM name.
        noise_var: ``sigma^2 = E|y - a x|^2`` if known (a number or a tensor broadcastable
            to ``[...]``); default estimated from the data.

    Returns:
        ``[...]`` float64, at most ``Q_m`` (per polarisation when ``...`` ends with n_pol).

    >>> b = torch.tensor([0, 0, 0, 1, 1, 0, 1, 1] * 64, dtype=torch.uint8)
    >>> y = symbol_modulate(b, "QPSK")
    >>> round(gmi(y, b, "QPSK", noise_var=1e-3).item(), 6)      # noise-free: log2 M
    2.0
    """
    y, x, a, nv, q = _aux_channel(received, bits, modulation, noise_var)
    llr = symbol_demodulate(y / a, check_modulation(modulation), (nv / a.abs().square()),
                            method="exact").to(torch.float64)
    sign = 1.0 - 2.0 * bits.to(torch.float64)                  # +1 for b = 0
    loss = torch.nn.functional.softplus(-sign * llr) / math.log(2)
    return q - loss.sum(-1) / y.shape[-1]


def mi(received: torch.Tensor, bits: torch.Tensor, modulation: str,
       noise_var: float | torch.Tensor | None = None) -> torch.Tensor:
    """Symbol-wise mutual information [bit/symbol] with a Gaussian auxiliary channel,
    Monte Carlo over the received samples (Alvarado et al. 2018, eq. (25)).

    Arguments and returns as :func:`gmi`; ``MI >= GMI`` (equal for Gray QPSK).

    >>> b = torch.tensor([0, 0, 0, 1, 1, 0, 1, 1] * 64, dtype=torch.uint8)
    >>> round(mi(symbol_modulate(b, "QPSK"), b, "QPSK", noise_var=1e-3).item(), 6)
    2.0
    """
    y, x, a, nv, q = _aux_channel(received, bits, modulation, noise_var)
    from softran.nr.modulation import constellation

    points = constellation(check_modulation(modulation)).to(torch.complex128).to(y.device)
    d_all = (y[..., None] - a[..., None] * points).abs().square()       # [..., n, M]
    d_tx = (y - a * x).abs().square()[..., None]
    lse = torch.logsumexp(-(d_all - d_tx) / nv[..., None], -1)
    return q - lse.sum(-1) / math.log(2) / y.shape[-1]


def align_symbols(received: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Resolve the delay, polarisation swap and pi/2 phase ambiguity of the DSP output
    against known reference symbols (data-aided synchronisation for measurements).

    The circular cross-correlations ``c_pq(d) = sum_k y_p[k + d] conj(r_q[k])`` are computed by
    FFT; for two polarisations the assignment (X->X, Y->Y or swapped) with the larger sum of
    peak magnitudes is chosen, each output polarisation takes the lag of its peak and is
    rotated by the multiple of pi/2 nearest to the peak's phase (the residual phase error is
    left in place so that it still counts in the metrics).

    Args:
        received: ``[..., n_pol, n]`` complex (n_pol 1 or 2).
        reference: same shape, the transmitted symbols.

    Returns:
        ``[..., n_pol, n]``: ``received`` circularly shifted, reordered and rotated to line up
        with ``reference`` (discard the equaliser's convergence at the edges afterwards).

    >>> r = torch.polar(torch.ones(2, 64), torch.randint(0, 4, (2, 64)) * math.pi / 2 +
    ...                 math.pi / 4)
    >>> y = torch.roll(r.flip(-2), 5, -1) * 1j                            # swap, delay, rotate
    >>> bool(torch.allclose(align_symbols(y, r), r, atol=1e-6))
    True
    """
    received = check_signal("received", received, min_dim=2)
    reference = check_signal("reference", reference, min_dim=2)
    _same_shape("received", received, "reference", reference)
    n_pol, n = received.shape[-2:]
    if n_pol not in (1, 2):
        raise ValueError(f"received has n_pol = {n_pol}; allowed: 1, 2")
    fy = torch.fft.fft(received.to(torch.complex128), dim=-1)
    fr = torch.fft.fft(reference.to(torch.complex128), dim=-1)
    c = torch.fft.ifft(fy[..., :, None, :] * fr[..., None, :, :].conj(), dim=-1)  # [..,p,q,d]
    peak = c.abs().amax(-1)                                               # [..., p, q]
    if n_pol == 2:
        swap = (peak[..., 0, 1] + peak[..., 1, 0]) > (peak[..., 0, 0] + peak[..., 1, 1])
        src = torch.stack([swap.long(), 1 - swap.long()], -1)             # ref pol -> rx pol
    else:
        src = torch.zeros((*received.shape[:-2], 1), dtype=torch.long, device=received.device)
    q_idx = torch.arange(n_pol, device=received.device).expand_as(src)
    cq = c.gather(-3, src[..., :, None, None].expand(*src.shape, n_pol, n))   # [..., q', q, d]
    cq = cq.gather(-2, q_idx[..., :, None, None].expand(*src.shape, 1, n)).squeeze(-2)
    lag = cq.abs().argmax(-1)                                             # [..., q]
    pk = cq.gather(-1, lag[..., None]).squeeze(-1)
    rot = torch.round(pk.angle() / (math.pi / 2)) * (math.pi / 2)
    y_sel = received.gather(-2, src[..., None].expand(*src.shape, n))
    idx = (torch.arange(n, device=received.device) + lag[..., None]) % n
    y_al = y_sel.gather(-1, idx)
    return y_al * torch.polar(torch.ones_like(rot), -rot).to(received.dtype)[..., None]
