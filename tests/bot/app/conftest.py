"""Every test of the application layer builds its own Runtime over the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.app import Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

# Engines are expensive to build (the sanctions index): the product's ones are shared by the tests'
# runtimes, as one process's would be. A test that needs its own passes `engine=`.
_PRODUCT_ENGINES: dict[bool, Engine] = {}

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def make_runtime(db_url: str) -> Iterator[MakeRuntime]:  # noqa: F811
    """Build a runtime from the settings as they are NOW (after a test set MANAGERS, COMPLIANCE …)."""
    built: list[Runtime] = []

    def make(engine: Engine | None = None, **kwargs: object) -> Runtime:
        runtime = Runtime(get_bot_settings(), engine=engine, engine_cache=_PRODUCT_ENGINES, **kwargs)  # type: ignore[arg-type]
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime()
