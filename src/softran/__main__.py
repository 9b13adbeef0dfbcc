"""`python -m softran` runs the command line."""

import sys

from softran.cli import main

sys.exit(main())
