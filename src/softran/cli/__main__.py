"""`python -m softran.cli` runs the command line (as `python -m softran` does)."""

import sys

from softran.cli.app import main

__all__: list[str] = []

sys.exit(main())
