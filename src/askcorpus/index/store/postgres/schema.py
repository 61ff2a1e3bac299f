"""What the PostgreSQL store's reader (backend.py) and writer (writer.py) share: the schema
version, how values are written as SQL literals, the driver import and its errors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....errors import AskCorpusError

PG_SCHEMA_VERSION = 3  # 2: documents.author (the byline); 3: ISO dates, date_source, index


class DatabaseError(AskCorpusError):
    """The database could not be reached or answered with an error."""


def vector_literal(v: np.ndarray) -> str:
    """pgvector's text form; repr of each float32 (as a Python float) round-trips exactly."""
    return "[" + ",".join(map(repr, np.asarray(v, dtype=np.float32).tolist())) + "]"


def pg_text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; one replacement character keeps every offset."""
    return value.replace("\x00", "\ufffd") if value and "\x00" in value else value


def redact(dsn: str) -> str:
    """The URL without its password (and without its query string)."""
    head, _, rest = dsn.partition("://")
    rest = rest.split("?", 1)[0]
    if "@" in rest:
        user, _, host = rest.rpartition("@")
        rest = f"{user.split(':', 1)[0]}@{host}"
    return f"{head}://{rest}"


def psycopg_module() -> Any:
    """The psycopg module, or one clear error saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise AskCorpusError("the PostgreSQL store needs psycopg: "
                             "pip install 'askcorpus[postgres]'") from None
    return psycopg
