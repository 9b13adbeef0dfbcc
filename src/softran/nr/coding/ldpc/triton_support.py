"""Whether the Triton kernels of the LDPC encoder and decoder can run (without importing
Triton: its interpreter switch, ``TRITON_INTERPRET``, is read when it is first imported)."""

from __future__ import annotations

import importlib.util
import os

import torch

__all__ = ["interpreting", "n_programs", "triton_usable"]


def interpreting() -> bool:
    """True when Triton runs kernels in its CPU interpreter (``TRITON_INTERPRET=1``).

    >>> isinstance(interpreting(), bool)
    True
    """
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def triton_usable(device: torch.device) -> bool:
    """Triton is installed and can run on ``device``: CUDA, or CPU in the interpreter.

    >>> triton_usable(torch.device("cpu")) == (interpreting()
    ...                                        and importlib.util.find_spec("triton") is not None)
    True
    """
    if importlib.util.find_spec("triton") is None:
        return False
    return device.type == "cuda" or (interpreting() and device.type == "cpu")


def n_programs(device: torch.device, n_blocks: int, per_sm: int) -> int:
    """Persistent programs for ``n_blocks`` code blocks: ``per_sm`` per streaming
    multiprocessor on CUDA; two in the interpreter (so that the per-program loop over blocks
    is exercised); never more than the blocks.

    >>> n_programs(torch.device("cpu"), 5, 4), n_programs(torch.device("cpu"), 1, 4)
    (2, 1)
    """
    if device.type == "cuda":
        return min(n_blocks, per_sm * torch.cuda.get_device_properties(device)
                   .multi_processor_count)
    return min(n_blocks, 2)
