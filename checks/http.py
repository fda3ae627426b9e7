"""The shared HTTP layer of the online sources: timeouts, bounded retries, rate limits, a cache.

Every failure becomes `SourceUnavailable` with a localized reason, so a broken service never fails
a check. The transport is injectable (`use_transport`): tests and benchmarks answer with recorded
responses through `httpx.MockTransport`; production uses the real network. Secrets (API keys) go in
headers or auth, never in URLs or logs, and are left out of the cache key.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import errno
import json
import logging
import socket
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Mapping
from urllib.parse import urlsplit

import httpx

from .engine import SourceUnavailable
from .i18n import Translator, translator

log = logging.getLogger(__name__)

USER_AGENT = "tradecheck/0.1 (customer background check)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# per-host minimum seconds between requests (the services' own published limits)
HOST_INTERVALS: dict[str, float] = {"api.gdeltproject.org": 5.0, "www.sec.gov": 0.12, "data.sec.gov": 0.12,
                                    "efts.sec.gov": 0.12}

_transport: contextvars.ContextVar[httpx.AsyncBaseTransport | None] = contextvars.ContextVar(
    "tradecheck_http_transport", default=None
)


def use_transport(transport: httpx.AsyncBaseTransport | None) -> contextvars.Token[httpx.AsyncBaseTransport | None]:
    """Answer every online source's requests with `transport` (tests, benchmarks). Returns a reset token."""
    return _transport.set(transport)


def reset_transport(token: contextvars.Token[httpx.AsyncBaseTransport | None]) -> None:
    _transport.reset(token)


def current_transport() -> httpx.AsyncBaseTransport | None:
    return _transport.get()


def make_client(
    timeout: float = 8.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
) -> httpx.AsyncClient:
    """An AsyncClient with our User-Agent and timeout; the injected transport if any."""
    merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    merged.update(headers or {})
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        transport=transport or current_transport(),
        headers=merged,
        follow_redirects=follow_redirects,
    )


# ------------------------------------------------------------------ cache


@dataclass
class CachedResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class TTLCache:
    """A small in-memory cache so that a re-check within the hour does not hit the services again."""

    def __init__(self, max_items: int = 2048) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self.max_items = max_items

    def get(self, key: str) -> Any | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._items.pop(key, None)
            return None
        return value

    def put(self, key: str, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        if len(self._items) >= self.max_items:
            now = time.monotonic()
            for k in [k for k, (exp, _) in self._items.items() if exp < now] or list(self._items)[: self.max_items // 4]:
                self._items.pop(k, None)
        self._items[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        self._items.clear()


CACHE = TTLCache()


# ------------------------------------------------------------------ rate limit


class RateLimiter:
    """At most one request per `interval` seconds to a host, shared by all checks of the process."""

    def __init__(self, intervals: Mapping[str, float] | None = None) -> None:
        self.intervals = dict(HOST_INTERVALS if intervals is None else intervals)
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, host: str, deadline: float, t: Translator) -> None:
        interval = self.intervals.get(host, 0.0)
        if interval <= 0:
            return
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            ready = self._next.get(host, 0.0)
            if ready - now > deadline - now:
                raise SourceUnavailable(t("http.rate_limited_local", seconds=f"{interval:g}"))
            if ready > now:
                await asyncio.sleep(ready - now)
            self._next[host] = time.monotonic() + interval

    def release(self, host: str) -> None:
        """The request never reached the host (no network): give its slot back."""
        self._next.pop(host, None)


RATE_LIMITER = RateLimiter()


# ------------------------------------------------------------------ the client


class HttpSource:
    """Fetches for one source: `await http.get_json(url)` returns parsed JSON or raises SourceUnavailable."""

    def __init__(
        self,
        name: str,
        *,
        timeout: float = 8.0,
        retries: int = 2,
        cache_ttl: float = 3600.0,
        t: Translator | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        cache: TTLCache | None = None,
        limiter: RateLimiter | None = None,
        backoff: float = 0.5,
        deadline: float | None = None,
    ) -> None:
        self.name = name
        self.deadline = deadline  # time.monotonic() by which every request of this run must be done
        self.timeout = timeout
        self.retries = retries
        self.cache_ttl = cache_ttl
        self.t = t or translator("en")
        self.headers = dict(headers or {})
        self.auth = auth
        self.transport = transport
        self.cache = CACHE if cache is None else cache
        self.limiter = RATE_LIMITER if limiter is None else limiter
        self.backoff = backoff

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_status: frozenset[int] = frozenset({200}),
    ) -> CachedResponse:
        return await self.request("GET", url, params=params, headers=headers, ok_status=ok_status)

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        response = await self.get(url, **kwargs)
        return self.parse_json(response)

    def parse_json(self, response: CachedResponse) -> Any:
        """The response's JSON object. Every API we call answers an object; anything else (a list, a
        string, HTML from a proxy) is a bad answer: the source is unavailable, not broken."""
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            raise SourceUnavailable(self.t("http.bad_response", source=self.name)) from None
        if not isinstance(data, dict):
            raise SourceUnavailable(self.t("http.bad_response", source=self.name))
        return data

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok_status: frozenset[int] = frozenset({200}),
    ) -> CachedResponse:
        """One logical request: cached, rate-limited, retried within the source's time budget."""
        key = _cache_key(method, url, params, json_body)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        started = time.monotonic()
        deadline = started + self.timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        host = urlsplit(url).hostname or ""
        merged_headers = {**self.headers, **(headers or {})}
        attempt = 0
        last_reason = self.t("http.unreachable", source=self.name)
        async with make_client(self.timeout, transport=self.transport, headers=merged_headers) as client:
            while True:
                await self.limiter.wait(host, deadline, self.t)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SourceUnavailable(self.t("http.timeout", source=self.name, seconds=f"{self.timeout:g}"))
                retry_after: float | None = None
                try:
                    response = await asyncio.wait_for(
                        client.request(method, url, params=_clean(params), json=json_body, auth=self.auth or httpx.USE_CLIENT_DEFAULT),
                        timeout=remaining,
                    )
                except (asyncio.TimeoutError, httpx.TimeoutException):
                    last_reason = self.t("http.timeout", source=self.name, seconds=f"{self.timeout:g}")
                except httpx.TransportError as exc:
                    if _is_offline(exc):
                        # no DNS or no route: retrying cannot help, say so at once
                        self.limiter.release(host)
                        raise SourceUnavailable(self.t("http.offline", source=self.name)) from None
                    last_reason = self.t("http.unreachable", source=self.name)
                else:
                    if response.status_code in ok_status:
                        result = CachedResponse(response.status_code, dict(response.headers), response.content, str(response.url))
                        self.cache.put(key, result, self.cache_ttl)
                        return result
                    if response.status_code not in RETRY_STATUS:
                        log.info("%s: HTTP %s from %s", self.name, response.status_code, host)
                        raise SourceUnavailable(self.t("http.status", source=self.name, status=response.status_code))
                    retry_after = _retry_after(response.headers.get("retry-after"))
                    last_reason = (
                        self.t("http.rate_limited", source=self.name)
                        if response.status_code == 429
                        else self.t("http.status", source=self.name, status=response.status_code)
                    )
                attempt += 1
                if attempt > self.retries:
                    raise SourceUnavailable(last_reason)
                wait = retry_after if retry_after is not None else self.backoff * (2 ** (attempt - 1))
                if time.monotonic() + wait >= deadline - 0.05:
                    raise SourceUnavailable(last_reason)  # waiting would overrun the source's timeout
                await asyncio.sleep(wait)


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _cache_key(method: str, url: str, params: Mapping[str, Any] | None, body: Any) -> str:
    return json.dumps([method.upper(), url, sorted((_clean(params) or {}).items()), body], sort_keys=True, default=str)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, from either form the header takes (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


_OFFLINE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


def _is_offline(exc: BaseException) -> bool:
    """Whether a transport error means the name does not resolve or there is no network."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        if isinstance(current, OSError) and current.errno in _OFFLINE_ERRNOS:
            return True
        text = str(current).lower()
        if "name or service not known" in text or "temporary failure in name resolution" in text or \
                "nodename nor servname" in text or "no address associated" in text or "network is unreachable" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


# ------------------------------------------------------------------ base of the online sources

from datetime import datetime, timezone  # noqa: E402
from typing import Callable as _Callable  # noqa: E402

from .config import Settings, get_settings  # noqa: E402
from .engine import CheckContext, Source  # noqa: E402


class OnlineSource(Source):
    """A source that calls a public service through `HttpSource` (timeout, retries, cache)."""

    online = True
    retries: int = 2
    backoff: float = 0.5

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        cache: TTLCache | None = None,
        limiter: RateLimiter | None = None,
        now: _Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.timeout = float(self.settings.source_timeout)
        self.transport = transport
        self.cache = cache
        self.limiter = limiter
        self.now = now or (lambda: datetime.now(timezone.utc))

    async def remember(self, key: str, produce: _Callable[[], Awaitable[Any]]) -> Any:
        """`produce()`'s answer, kept TRADECHECK_CACHE_TTL seconds like HTTP answers (for what is not
        plain HTTP: a web page behind the SSRF guard, DNS records, WHOIS). Failures are not kept."""
        cache = CACHE if self.cache is None else self.cache
        full_key = f"{self.name}:{key}"
        found = cache.get(full_key)
        if found is not None:
            return found
        value = await produce()
        cache.put(full_key, value, float(self.settings.cache_ttl_seconds))
        return value

    def http(self, ctx: CheckContext, **kwargs: Any) -> HttpSource:
        # leave a little of the engine's budget for parsing, so our own message wins over its timeout
        kwargs.setdefault("timeout", max(0.5, self.timeout - 0.3))
        kwargs.setdefault("retries", self.retries)
        kwargs.setdefault("backoff", self.backoff)
        kwargs.setdefault("cache_ttl", float(self.settings.cache_ttl_seconds))
        return HttpSource(
            self.name, t=ctx.t, transport=self.transport, cache=self.cache, limiter=self.limiter, **kwargs
        )
