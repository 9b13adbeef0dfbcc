"""Square QAM of the coherent optical chain and the checks of its signals, shared by the
receiver DSP (:mod:`softran.optical.dsp`), the front end and the metrics.

Square QAM here is the Gray-labelled constellation of :mod:`softran.nr.modulation`
(TS 38.211 §5.1.3-§5.1.6, unit average power): the same points, labels and demapper are used
by the DSP decisions and by the metrics.
"""

from __future__ import annotations

import functools
import math

import torch

from softran.nr.modulation import constellation
from softran.validation import check_finite, check_name, check_tensor

__all__ = ["QAM_FORMATS", "check_modulation", "check_signal", "qam_axis", "qam_decide",
           "qam_moments"]

#: Square QAM formats supported by the optical DSP (names as :mod:`softran.nr.modulation`).
QAM_FORMATS: tuple[str, ...] = ("QPSK", "16QAM", "64QAM", "256QAM")


def check_modulation(modulation: object) -> str:
    """Canonical name of a supported square QAM format (case-insensitive; TS 38.211 §5.1
    names).

    >>> check_modulation("qpsk"), check_modulation("256qam")
    ('QPSK', '256QAM')
    """
    return check_name("modulation", modulation, QAM_FORMATS)


def check_signal(name: str, x: object, *, min_dim: int = 1) -> torch.Tensor:
    """A finite complex tensor with at least ``min_dim`` dimensions (a received optical field
    or its samples); ``TypeError`` / ``ValueError`` naming ``name`` otherwise.

    >>> check_signal("x", torch.ones(2, dtype=torch.complex64)).dtype
    torch.complex64
    >>> check_signal("x", torch.ones(2))
    Traceback (most recent call last):
    ...
    TypeError: x must be a complex tensor, got dtype torch.float32
    """
    x = check_tensor(name, x, min_dim=min_dim)
    if not x.is_complex():
        raise TypeError(f"{name} must be a complex tensor, got dtype {x.dtype}")
    return check_finite(name, x)


@functools.cache
def qam_axis(modulation: str) -> tuple[int, float]:
    """(L, scale): the axis levels are the odd integers -(L-1)..(L-1) divided by ``scale``.

    L = sqrt(M) and scale = sqrt(2 (M - 1) / 3) (TS 38.211 §5.1 normalisation).

    >>> n_levels, scale = qam_axis("16QAM")         # levels -3, -1, 1, 3 over sqrt(10)
    >>> n_levels, round(scale ** 2, 12)
    (4, 10.0)
    """
    m = constellation(modulation).numel()
    n_levels = math.isqrt(m)
    return n_levels, math.sqrt(2 * (m - 1) / 3)


def qam_decide(z: torch.Tensor, modulation: str) -> torch.Tensor:
    """Nearest point of the unit-power square QAM, per axis by rounding to the odd levels.

    The saturation at the outermost level is the decision rule itself (nearest point), not a
    clipping of the signal.

    >>> d = qam_decide(torch.tensor([0.9 + 0.2j, -5.0 - 0.1j]), "16QAM") * math.sqrt(10)
    >>> [complex(round(v.real), round(v.imag)) for v in d.tolist()]
    [(3+1j), (-3-1j)]
    """
    n_levels, scale = qam_axis(modulation)
    top = float(n_levels - 1)

    def axis(v: torch.Tensor) -> torch.Tensor:
        u = torch.round((v * scale - 1.0) * 0.5) * 2.0 + 1.0
        return u.clamp(-top, top) / scale

    return torch.complex(axis(z.real), axis(z.imag))


@functools.cache
def qam_moments(modulation: str) -> tuple[float, tuple[float, ...]]:
    """(R2, radii2): CMA radius E|s|^4 / E|s|^2 and the squared ring radii of the constellation.

    Godard 1980 (CMA dispersion constant); the rings are the distinct |s|^2 used by the
    radius-directed equaliser. 16QAM: |s|^2 = 2/10, 10/10, 18/10 with probabilities 1/4,
    1/2, 1/4, so R2 = (0.04 + 2 x 1 + 3.24) / 4 = 1.32.

    >>> r2, rings = qam_moments("16QAM")
    >>> round(r2, 6), [round(r, 6) for r in rings]
    (1.32, [0.2, 1.0, 1.8])
    """
    c = constellation(modulation).to(torch.complex128)
    p = c.abs().square()
    r2 = float((p.square().mean() / p.mean()).item())
    rings = sorted({round(float(v), 12) for v in p.tolist()})
    return r2, tuple(rings)
