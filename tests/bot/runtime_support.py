"""For tests that drive an entry point (the terminal chat's `main`): its runtime uses the test's engine."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine


def use_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Every runtime an entry point builds from now on checks (and re-scores) with `engine`; its
    settings are read when it is built, so MANAGERS set later in the test still count."""

    def from_environment(cls: type[Runtime], *, offline: bool | None = None, **kwargs: Any) -> Runtime:
        return cls(get_bot_settings(), engine=engine, offline=offline, **kwargs)

    monkeypatch.setattr(Runtime, "from_environment", classmethod(from_environment))
