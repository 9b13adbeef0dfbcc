"""Seeded random streams per device for the optical blocks that draw noise (EDFA ASE, PMD)."""

from __future__ import annotations

import torch

__all__ = ["DeviceGenerators"]


class DeviceGenerators:
    """One ``torch.Generator`` per device, seeded with ``seed`` (``None``: torch's global
    generator on the CPU, a freshly seeded one elsewhere). Build a new one to restart."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self._generators: dict[str, torch.Generator] = {}

    def get(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None and device.type == "cpu":
            return None
        g = self._generators.get(str(device))
        if g is None:
            g = torch.Generator(device=device)
            if self.seed is None:
                g.seed()
            else:
                g.manual_seed(self.seed)
            self._generators[str(device)] = g
        return g
