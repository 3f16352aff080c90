"""palestre-analysis: reproducible analysis of participatory processes in the Italian Third Sector."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("palestre-analysis")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
