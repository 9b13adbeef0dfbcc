"""Whether the Triton kernels of the LDPC encoder and decoder can run (without importing
Triton: its interpreter switch, ``TRITON_INTERPRET``, is read when it is first imported)."""

from __future__ import annotations

import importlib.util
import os

import torch

__all__ = ["interpreting", "triton_usable"]


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
