"""Determinism for the whole suite (tests/ and the doctests of src/softran).

* Every test starts with torch's, NumPy's and ``random``'s global generators seeded from its
  own node id: a draw a test or a doctest makes from a global generator (or a library call
  with ``seed=None``) gives the same numbers on every run, whatever ran before it on the same
  xdist worker. Tests still seed their own draws with explicit generators.
* Hypothesis profiles: ``ci`` is derandomised (the same examples on every run, no example
  database), so a run repeated gives the same result; ``explore`` (the default for local runs)
  draws new examples each time and keeps the failing ones in ``.hypothesis/``. The profile is
  ``$SOFTRAN_HYPOTHESIS_PROFILE``, else ``ci`` when ``$CI`` is set (``.ci/run``), else
  ``explore``.
"""

from __future__ import annotations

import hashlib
import os
import random

import numpy as np
import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore")
settings.load_profile(os.environ.get("SOFTRAN_HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") else "explore"))


@pytest.fixture(autouse=True)
def _seed_global_generators(request: pytest.FixtureRequest) -> None:
    seed = int.from_bytes(hashlib.sha256(request.node.nodeid.encode()).digest()[:4], "little")
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
