"""Runtimes for tests: every test that needs the application layer builds its own `bot.app.Runtime`.

`runtime_factory` (registered for the whole suite in tests/conftest.py) builds runtimes over whatever
database the test configured (DATABASE_URL, set by its database fixture) and closes them at the end.
The product's engines are expensive to build (the sanctions index), so the runtimes of all tests share
them and the screening service they screen with, as one process's would; a test that needs its own
engine passes `engine=`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.app import Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine
from checks.screening.service import ScreeningService

PRODUCT_ENGINES: dict[bool, Engine] = {}
PRODUCT_SCREENING: list[ScreeningService] = []  # the one the product engines use, made with the first of them

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def runtime_factory() -> Iterator[MakeRuntime]:
    """Build a runtime from the settings as they are NOW (after a test set MANAGERS, DATABASE_URL …)."""
    built: list[Runtime] = []

    def make(engine: Engine | None = None, **kwargs: object) -> Runtime:
        settings = get_bot_settings()
        if not PRODUCT_SCREENING:
            PRODUCT_SCREENING.append(ScreeningService(settings.lists_dir))
        runtime = Runtime(settings, engine=engine, engine_cache=PRODUCT_ENGINES, screening=PRODUCT_SCREENING[0],
                          **kwargs)  # type: ignore[arg-type]
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()
    if built and PRODUCT_SCREENING:
        PRODUCT_SCREENING[0].set_refresher(None)  # `warm_up` pointed it at this test's database
