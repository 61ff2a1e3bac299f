"""The version, in one place (pyproject.toml reads it; index manifests record it)."""

__version__ = "0.1.0"
