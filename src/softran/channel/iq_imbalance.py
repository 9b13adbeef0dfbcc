"""IQ (quadrature) imbalance of a direct-conversion modulator: gain and phase mismatch
between the I and Q branches.

Model (the usual complex-baseband form, e.g. MATLAB ``iqimbal``): with amplitude imbalance
g = 10^(amplitude_db / 20) and phase imbalance phi (radians),

    y = K1 x + K2 conj(x),  K1 = (1 + g e^{-j phi}) / 2,  K2 = (1 - g e^{j phi}) / 2,

i.e. the I branch is unchanged and the Q branch is scaled by g and rotated by phi. The image
of each subcarrier appears at its mirror frequency with the image rejection ratio
IRR = |K1|^2 / |K2|^2.
"""

from __future__ import annotations

import math

import torch

from softran.validation import check_real, check_tensor

__all__ = ["IQImbalance", "image_rejection_ratio_db"]


def image_rejection_ratio_db(amplitude_db: float, phase_deg: float) -> float:
    """IRR = |K1|^2 / |K2|^2 in dB of an imbalance (module docstring).

    >>> round(image_rejection_ratio_db(0.1, 1.0), 2)     # 0.1 dB, 1 degree
    39.61
    """
    g = 10.0 ** (check_real("amplitude_db", amplitude_db) / 20.0)
    phi = math.radians(check_real("phase_deg", phase_deg))
    k1 = abs(1 + g * complex(math.cos(phi), -math.sin(phi))) / 2
    k2 = abs(1 - g * complex(math.cos(phi), math.sin(phi))) / 2
    return math.inf if k2 == 0 else 20.0 * math.log10(k1 / k2)


class IQImbalance(torch.nn.Module):
    """IQ imbalance ``y = K1 x + K2 conj(x)`` (module docstring).

    Args:
        amplitude_db: amplitude imbalance of Q against I in dB.
        phase_deg: phase imbalance in degrees.

    ``forward(waveform)``: complex ``[..., T]`` -> same shape and dtype.

    >>> iq = IQImbalance(amplitude_db=20 * math.log10(2), phase_deg=0.0)   # Q doubled
    >>> iq(torch.tensor([1 + 1j])).tolist()
    [(1+2j)]
    """

    def __init__(self, amplitude_db: float = 0.0, phase_deg: float = 0.0) -> None:
        super().__init__()
        self.amplitude_db = check_real("amplitude_db", amplitude_db)
        self.phase_deg = check_real("phase_deg", phase_deg)
        g = 10.0 ** (self.amplitude_db / 20.0)
        phi = math.radians(self.phase_deg)
        self.k1 = (1 + g * complex(math.cos(phi), -math.sin(phi))) / 2
        self.k2 = (1 - g * complex(math.cos(phi), math.sin(phi))) / 2

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = check_tensor("waveform", waveform, min_dim=1)
        if not x.is_complex():
            raise TypeError(f"waveform must be complex, got dtype {x.dtype}")
        return x * self.k1 + x.conj() * self.k2
