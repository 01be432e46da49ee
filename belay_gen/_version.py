"""The one version string of belay-gen (``pyproject.toml`` reads it from here)."""

__version__ = "0.1.0"
