"""The shared HTTP layer: retries, Retry-After, time budget, cache, rate limit, failure mapping."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from checks.engine import SourceUnavailable
from checks.http import HttpSource, RateLimiter, TTLCache, _retry_after

FIXTURES = Path(__file__).parents[1] / "fixtures"
GDELT_429 = (FIXTURES / "gdelt" / "doc_http429_rate_limited.txt").read_text(encoding="utf-8")


def source(handler, **kwargs) -> HttpSource:
    kwargs.setdefault("cache", TTLCache())
    kwargs.setdefault("limiter", RateLimiter({}))
    kwargs.setdefault("backoff", 0.01)
    return HttpSource("test", transport=httpx.MockTransport(handler), **kwargs)


async def test_retries_5xx_then_succeeds():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503) if len(calls) < 3 else httpx.Response(200, json={"ok": True})

    assert await source(handler, retries=2).get_json("https://svc.example/x") == {"ok": True}
    assert len(calls) == 3


async def test_gives_up_after_bounded_retries_on_500():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, text="oops")

    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        await source(handler, retries=2).get_json("https://svc.example/x")
    assert len(calls) == 3


async def test_429_plain_text_honours_retry_after():
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, text=GDELT_429, headers={"Retry-After": "1"})
        return httpx.Response(200, json={"articles": []})

    assert await source(handler).get_json("https://svc.example/x") == {"articles": []}
    assert calls[1] - calls[0] >= 0.95


_REAL_SLEEP = asyncio.sleep


def _recording_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause the HTTP layer takes between attempts (they still happen)."""
    from checks import http

    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, *args, **kwargs):  # type: ignore[no-untyped-def]
        slept.append(delay)
        return await real_sleep(delay, *args, **kwargs)

    monkeypatch.setattr(http.asyncio, "sleep", sleep)
    return slept


async def test_retry_after_beyond_the_budget_gives_up_at_once(monkeypatch: pytest.MonkeyPatch):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, text=GDELT_429, headers={"Retry-After": "120"})

    slept = _recording_sleeps(monkeypatch)
    with pytest.raises(SourceUnavailable, match="rate limit"):
        await source(handler, timeout=2).get_json("https://svc.example/x")
    assert len(calls) == 1 and slept == []  # no 120 s wait that the 2 s budget could not hold


async def test_timeout_maps_to_unavailable_within_budget(monkeypatch: pytest.MonkeyPatch):
    """The timeout is one budget for every attempt: the first slow answer uses it up, no retry follows."""
    calls: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        await _REAL_SLEEP(5)  # the service is slow (not one of the HTTP layer's own pauses)
        return httpx.Response(200)

    slept = _recording_sleeps(monkeypatch)
    with pytest.raises(SourceUnavailable, match="0.3 s"):
        await source(handler, timeout=0.3, retries=3).get_json("https://svc.example/x")
    assert len(calls) == 1 and slept == []


async def test_malformed_json_is_unavailable():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Service temporarily down</html>")

    with pytest.raises(SourceUnavailable, match="could not be read"):
        await source(handler).get_json("https://svc.example/x")


@pytest.mark.parametrize("body", ["[]", '"x"', "null", "42"])
async def test_json_that_is_not_an_object_is_unavailable(body: str):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body, headers={"content-type": "application/json"})

    with pytest.raises(SourceUnavailable, match="could not be read"):
        await source(handler).get_json("https://svc.example/x")


async def test_connect_error_is_retried_then_unavailable():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SourceUnavailable, match="could not be reached"):
        await source(handler, retries=1).get_json("https://svc.example/x")
    assert len(calls) == 2


async def test_dns_failure_fails_fast_without_retry():
    import socket

    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    with pytest.raises(SourceUnavailable, match="no network"):
        await source(handler, retries=3).get_json("https://svc.example/x")
    assert len(calls) == 1


async def test_404_is_not_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404, json={"errors": []})

    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        await source(handler).get_json("https://svc.example/x")
    assert len(calls) == 1
    response = await source(handler).get("https://svc.example/x", ok_status=frozenset({200, 404}))
    assert response.status_code == 404


async def test_cache_answers_a_recheck_without_a_request():
    calls = []
    cache = TTLCache()

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"n": len(calls)})

    http = source(handler, cache=cache)
    assert await http.get_json("https://svc.example/x", params={"q": "acme"}) == {"n": 1}
    assert await http.get_json("https://svc.example/x", params={"q": "acme"}) == {"n": 1}
    assert await http.get_json("https://svc.example/x", params={"q": "other"}) == {"n": 2}
    assert len(calls) == 2
    expired = source(handler, cache=cache, cache_ttl=0)
    assert await expired.get_json("https://svc.example/y") == {"n": 3}
    assert await expired.get_json("https://svc.example/y") == {"n": 4}


async def test_rate_limiter_spaces_requests_to_one_host():
    limiter = RateLimiter({"svc.example": 0.3})
    stamps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return httpx.Response(200, json={})

    http = source(handler, limiter=limiter)
    await asyncio.gather(*(http.get_json(f"https://svc.example/{i}") for i in range(3)))
    stamps.sort()
    assert stamps[1] - stamps[0] >= 0.28 and stamps[2] - stamps[1] >= 0.28


async def test_rate_limit_wait_beyond_the_budget_is_unavailable():
    limiter = RateLimiter({"svc.example": 5.0})

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    await source(handler, limiter=limiter, timeout=1).get_json("https://svc.example/a")
    with pytest.raises(SourceUnavailable, match="one every 5 s"):
        await source(handler, limiter=limiter, timeout=1).get_json("https://svc.example/b")


async def test_api_key_stays_out_of_the_cache_key_and_url():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    http = source(handler, auth=("secret-key", ""))
    await http.get_json("https://svc.example/company/1")
    assert "secret-key" not in str(seen[0].url)
    assert seen[0].headers["authorization"].startswith("Basic ")
    assert all("secret-key" not in key for key in http.cache._items)


def test_retry_after_forms():
    assert _retry_after("7") == 7
    assert _retry_after(None) is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert _retry_after("soon") is None
