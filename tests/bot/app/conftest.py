"""Every test of the application layer builds its own Runtime over the test database."""

from __future__ import annotations

import pytest

from bot.app import Runtime
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)


@pytest.fixture
def make_runtime(db_url: str, runtime_factory: MakeRuntime) -> MakeRuntime:  # noqa: F811
    """Build a runtime over the test database (SQLite, and PostgreSQL when available)."""
    return runtime_factory


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime()
