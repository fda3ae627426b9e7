"""One Database per URL for tests that open the database they pointed DATABASE_URL at.

Product code has no such registry: each runtime opens (and closes) its own `storage.db.open_database`.
Tests share one engine per URL so that fixtures, helpers and assertions see the same connection pool;
`reset()` disposes of them (a test that switched DATABASE_URL, a forked process).
"""

from __future__ import annotations

from storage.db import Database, default_url, normalize_url, open_database

_DATABASES: dict[str, Database] = {}


def get_database(url: str | None) -> Database:
    """The registry's Database for `url`; `None` is the local default."""
    url = normalize_url(url or default_url())
    database = _DATABASES.get(url)
    if database is None:
        database = _DATABASES[url] = open_database(url)
    return database


def reset() -> None:
    """Dispose of the registry's engines."""
    for database in _DATABASES.values():
        database.engine.dispose()
    _DATABASES.clear()
