"""softran: a software base-station physical layer in PyTorch.

Subpackages: :mod:`softran.nr` (3GPP NR physical layer). Later: ``softran.oran``,
``softran.channel``, ``softran.sim``, ``softran.optical``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("softran")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
