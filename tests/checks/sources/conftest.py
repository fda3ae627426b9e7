"""Helpers for online-source tests: recorded responses served through httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from checks.config import Settings
from checks.engine import CheckContext
from checks.http import RateLimiter, TTLCache

FIXTURES = Path(__file__).parents[2] / "fixtures"


def fixture_bytes(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def fixture_json(source: str, name: str) -> Any:
    return json.loads(fixture_bytes(source, name))


class Recorder:
    """A MockTransport handler from (method, path) -> response; remembers the requests."""

    def __init__(self, routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response] | httpx.Response]):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"errors": [{"status": "404", "title": "Not Found"}]})
        return route(request) if callable(route) else route

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@pytest.fixture
def settings() -> Settings:
    return Settings(TRADECHECK_SOURCE_TIMEOUT=3, TRADECHECK_CACHE_TTL=0)


@pytest.fixture
def ctx() -> CheckContext:
    return CheckContext.for_lang("en")


def build(cls, settings: Settings, transport: httpx.AsyncBaseTransport, **kwargs):
    source = cls(settings, transport=transport, cache=TTLCache(), limiter=RateLimiter({}), **kwargs)
    source.backoff = 0.01  # keep retried failure paths fast
    return source
