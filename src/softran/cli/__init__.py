"""The ``softran`` command line (Typer + Rich). Thin: it parses, validates and calls the library.

Bad arguments end in one line on stderr (``softran: error: ...``) and exit code 2.

Layout: :mod:`softran.cli.app` builds the app and registers the command groups, one module
each (:mod:`~softran.cli.info`, :mod:`~softran.cli.waveform`, :mod:`~softran.cli.simulate`,
:mod:`~softran.cli.conformance`, :mod:`~softran.cli.optical`, :mod:`~softran.cli.fronthaul`);
:mod:`softran.cli.terminal` holds what they share (console, one-line errors, exit codes).
"""

import os

# OpenMP threads that wait by spinning take the cores that the other threads (and other
# programs) need: on a busy machine torch's intra-op threads then ran a simulation 10-20x
# slower (measured on 2 shared cores). Passive waiting unless the user chose otherwise; set
# before torch loads its OpenMP runtime, and inherited by the simulator's worker processes.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from softran.cli.app import app, main, run

__all__ = ["app", "main", "run"]
