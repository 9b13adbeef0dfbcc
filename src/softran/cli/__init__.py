"""The ``softran`` command line (Typer + Rich). Thin: it parses, validates and calls the library.

Bad arguments end in one line on stderr (``softran: error: ...``) and exit code 2.

Layout: :mod:`softran.cli.app` builds the app and registers the command groups, one module
each (:mod:`~softran.cli.info`, :mod:`~softran.cli.waveform`, :mod:`~softran.cli.simulate`,
:mod:`~softran.cli.conformance`, :mod:`~softran.cli.optical`, :mod:`~softran.cli.fronthaul`);
:mod:`softran.cli.terminal` holds what they share (console, one-line errors, exit codes).
"""

from softran.cli.app import app, main, run

__all__ = ["app", "main", "run"]
