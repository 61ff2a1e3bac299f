"""The store the settings name: the folder store unless ``--store`` / ``ASKCORPUS_STORE``
is a PostgreSQL URL (whose code, and driver, load only then)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import AskCorpusError
from .folder import FolderBackend

if TYPE_CHECKING:
    from ...config import Settings
    from .base import IndexBackend

PG_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(value: str) -> bool:
    return value.startswith(PG_SCHEMES)


def open_backend(settings: Settings) -> IndexBackend:
    """The folder store unless ``settings.store`` names a database."""
    store = (settings.store or "").strip()
    if not store:
        return FolderBackend(settings.index)
    if is_database_url(store):
        from .postgres.backend import PgBackend

        return PgBackend(store, schema=settings.pg_schema)
    shown = store.split("@")[-1] if "://" in store else store
    raise AskCorpusError(f"--store / ASKCORPUS_STORE must be a postgresql:// URL, got {shown!r} "
                         "(the folder store is the default; choose its folder with --index)")
