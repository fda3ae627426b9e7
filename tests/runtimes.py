"""Runtimes for tests: every test that needs the application layer builds its own `bot.app.Runtime`.

`runtime_factory` (registered for the whole suite in tests/conftest.py) builds runtimes over whatever
database the test configured (DATABASE_URL, set by its database fixture) and closes them at the end.
The product's engines are expensive to build (the sanctions index), so the runtimes of all tests share
them, as one process's would; a test that needs its own engine passes `engine=`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.app import Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine

PRODUCT_ENGINES: dict[bool, Engine] = {}

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def runtime_factory() -> Iterator[MakeRuntime]:
    """Build a runtime from the settings as they are NOW (after a test set MANAGERS, DATABASE_URL …)."""
    built: list[Runtime] = []

    def make(engine: Engine | None = None, **kwargs: object) -> Runtime:
        runtime = Runtime(get_bot_settings(), engine=engine, engine_cache=PRODUCT_ENGINES, **kwargs)  # type: ignore[arg-type]
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()
