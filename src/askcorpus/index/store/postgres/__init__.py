"""The PostgreSQL + pgvector store: the same index in a database (``--store
postgresql://…``). ``backend`` reads, ``writer`` applies a new generation in one transaction,
``schema`` is what both share. psycopg is imported only when a database is used."""

from __future__ import annotations

from .backend import PgBackend

__all__ = ["PgBackend"]
