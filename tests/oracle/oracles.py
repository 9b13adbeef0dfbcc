"""The independent implementations the ``oracle`` tests compare softran with.

``py3gpp`` (NumPy ports named after the MATLAB 5G Toolbox) and ``sionna-no-rt`` (NVIDIA Sionna
PHY, PyTorch) are the optional ``oracle`` extra (``pip install -e '.[oracle]'``). Without them
the oracle tests skip with that reason; CI (``.ci/run``) sets ``SOFTRAN_REQUIRE_ORACLE=1`` so
that a missing or broken oracle fails the run instead of skipping it.

Where an oracle departs from the specification, the test says which clause settles it and
checks softran against the clause there. Disagreements found (the oracle was wrong in each):

* py3gpp ``nrTBS`` rounds N_info ties half to even (Python ``round``); TS 38.214 §5.1.3.2
  step 4 breaks ties towards the next larger integer (``test_oracle_tbs.py``).
* py3gpp ``nrLDPCEncode`` takes the lifting-set index i_LS of base graph 2 from K_b(10 Z_c)
  instead of the set containing Z_c (§5.3.2): wrong shifts / an exception for Z_c <= 64.
* py3gpp ``nrOFDMModulate`` takes μ = Δf/15 kHz - 1 (wrong cyclic prefixes from 60 kHz on)
  and reads ``initialNSlot`` as a symbol offset (§4.2, §5.3.1; ``test_oracle_ofdm.py``).
* Sionna ``TBEncoder`` applies the base-graph rule of TS 38.212 §6.2.2 / §7.2.2 to A + L
  instead of the payload size A (A = 3824, R = 0.42: base graph 1 instead of 2;
  ``test_oracle_ldpc.py``).
* Sionna scales the PUSCH DM-RS by sqrt(CDM groups without data); TS 38.214 Table 6.2.2-1
  gives -3 / -4.77 dB (``test_oracle_pusch.py``).
* py3gpp ``nrSymbolDemodulate`` soft output is a scaled linear approximation, not an LLR;
  only its hard decisions are compared (``test_oracle_modulation.py``).

"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

import pytest

REQUIRED = os.environ.get("SOFTRAN_REQUIRE_ORACLE", "") not in ("", "0")


def oracle(name: str) -> ModuleType:
    """Import the oracle module ``name``; skip the calling test module when it is missing
    (fail when ``SOFTRAN_REQUIRE_ORACLE`` is set)."""
    if REQUIRED:
        return importlib.import_module(name)
    return pytest.importorskip(
        name, reason=f"oracle {name!r} not installed (pip install -e '.[oracle]')")


def sionna_phy() -> ModuleType:
    """``sionna.phy``, imported with its import-time warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return oracle("sionna.phy")
