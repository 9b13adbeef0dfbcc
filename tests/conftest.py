"""Suite-wide test settings.

Under pytest-xdist every worker is its own process; letting each use all of torch's intra-op
threads oversubscribes the cores (2 workers x N threads on N cores) and makes small-tensor tests
many times slower. Each worker therefore runs torch single-threaded.
"""

from __future__ import annotations

import os

import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


import pytest


@pytest.fixture(autouse=True)
def _no_inherited_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-xdist sets COLUMNS=80 in its workers, and the command line honours COLUMNS when
    its output is not a terminal: every test starts without it (a piped CLI then uses 160
    columns), and a test of narrow output sets it itself."""
    monkeypatch.delenv("COLUMNS", raising=False)
