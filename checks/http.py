"""The shared HTTP layer of the online sources: one client per runtime, timeouts, bounded retries,
per-host rate limits, a response cache.

`HttpClient` is what a runtime (the chat, the server, a one-shot command) makes once and hands to the
engine (`build_engine(http=...)`): it owns the connection pool (one `httpx.AsyncClient` per event loop,
so connections are reused across requests and checks), the response cache and the per-host rate
limits. Nothing here is a module-level singleton; the cache and the rate limits are thread-safe and
hold no asyncio object, so the chat's event loop and the monitor thread's own loop may share one
`HttpClient`. The runtime closes it (`await http.aclose()` in each loop it used, or `http.close()`).

Every failure becomes `SourceUnavailable` with a localized reason, so a broken service never fails
a check. The transport is injectable (`HttpClient(transport=...)`, or `use_transport` for a block of
code): tests and benchmarks answer with recorded responses through `httpx.MockTransport`; production
uses the real network. Secrets (API keys) go in headers or auth, never in URLs or logs, and are left
out of the cache key.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import errno
import json
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import Settings, get_settings
from .engine import CheckContext, Source, SourceUnavailable
from .i18n import Translator, translator

log = logging.getLogger(__name__)

USER_AGENT = "tradecheck/0.1 (customer background check)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# per-host minimum seconds between requests (the services' own published limits)
HOST_INTERVALS: dict[str, float] = {"api.gdeltproject.org": 5.0, "www.sec.gov": 0.12, "data.sec.gov": 0.12,
                                    "efts.sec.gov": 0.12}
# the pool of one event loop: about as many connections as the sources of a few concurrent checks need
LIMITS = httpx.Limits(max_connections=40, max_keepalive_connections=20, keepalive_expiry=30.0)

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


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def make_client(
    timeout: float = 8.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    limits: httpx.Limits = LIMITS,
) -> httpx.AsyncClient:
    """An AsyncClient with our User-Agent and timeout; the injected transport if any. It keeps no
    cookies: a cached answer must not depend on what an earlier request was told to send back."""
    merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    merged.update(headers or {})
    return httpx.AsyncClient(
        timeout=_timeout(timeout),
        transport=transport or current_transport(),
        headers=merged,
        follow_redirects=follow_redirects,
        limits=limits,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
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
    """A small in-memory cache so that a re-check within the hour does not hit the services again.
    Thread-safe: the chat's loop and the monitor's thread may share one."""

    def __init__(self, max_items: int = 2048) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.max_items = max_items

    def get(self, key: str) -> Any | None:
        with self._lock:
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
        with self._lock:
            if len(self._items) >= self.max_items:
                now = time.monotonic()
                expired = [k for k, (exp, _) in self._items.items() if exp < now]
                for k in expired or list(self._items)[: self.max_items // 4]:
                    self._items.pop(k, None)
            self._items[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# ------------------------------------------------------------------ rate limit


class RateLimiter:
    """At most one request per `interval` seconds to a host, shared by every check that uses it.

    Each request reserves the host's next free slot under a thread lock, then sleeps until it outside
    the lock: no asyncio object is kept, so requests from several event loops (the chat's, the monitor
    thread's) share the limit instead of failing on a lock bound to another loop."""

    def __init__(self, intervals: Mapping[str, float] | None = None) -> None:
        self.intervals = dict(HOST_INTERVALS if intervals is None else intervals)
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    async def wait(self, host: str, deadline: float, t: Translator) -> None:
        interval = self.intervals.get(host, 0.0)
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            ready = max(self._next.get(host, 0.0), now)
            if ready > deadline:
                raise SourceUnavailable(t("http.rate_limited_local", seconds=f"{interval:g}"))
            self._next[host] = ready + interval
        if ready > now:
            try:
                await asyncio.sleep(ready - now)
            except asyncio.CancelledError:
                with self._lock:  # nobody reserved after us: the slot is free again
                    if self._next.get(host) == ready + interval:
                        self._next[host] = ready
                raise

    def release(self, host: str) -> None:
        """The request never reached the host (no network): give its slot back."""
        with self._lock:
            self._next.pop(host, None)

    def reset(self) -> None:
        with self._lock:
            self._next.clear()


# ------------------------------------------------------------------ the runtime's client


class HttpClient:
    """The online sources' HTTP of one runtime: a connection pool, the response cache, the rate limits.

    An `httpx.AsyncClient` (and its pool) belongs to the event loop it first ran in, so there is one per
    loop that uses this object (and per injected transport), made on first use and reused by every
    request after it. The cache and the rate limits are shared by all of them."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        cache: TTLCache | None = None,
        limiter: RateLimiter | None = None,
        limits: httpx.Limits = LIMITS,
    ) -> None:
        self.transport = transport
        self.cache = TTLCache() if cache is None else cache
        self.limiter = RateLimiter() if limiter is None else limiter
        self.limits = limits
        self._clients: dict[tuple[asyncio.AbstractEventLoop, httpx.AsyncBaseTransport | None], httpx.AsyncClient] = {}
        self._lock = threading.Lock()
        self._closing: set[asyncio.Task[None]] = set()
        self.clients_made = 0  # how many AsyncClients (connection pools) this runtime has made

    def client(self) -> httpx.AsyncClient:
        """The AsyncClient of the running event loop (and of the transport in force), made once."""
        loop = asyncio.get_running_loop()
        transport = self.transport or current_transport()
        key = (loop, transport)
        with self._lock:
            found = self._clients.get(key)
            if found is None or found.is_closed:
                self._forget_closed_loops()
                found = self._clients[key] = make_client(transport=transport, limits=self.limits)
                self.clients_made += 1
            return found

    def _forget_closed_loops(self) -> None:
        """Drop the clients of loops that have ended (their connections went with the loop)."""
        for key in [key for key in self._clients if key[0].is_closed()]:
            del self._clients[key]

    async def aclose(self) -> None:
        """Close the clients of the running loop: call it in each loop that used this object, before the loop ends."""
        loop = asyncio.get_running_loop()
        with self._lock:
            mine = [key for key in self._clients if key[0] is loop]
            clients = [self._clients.pop(key) for key in mine]
        for client in clients:
            await client.aclose()

    def close(self) -> None:
        """Close every client whose loop is not running now (at the end of a process or a test). A client
        of a loop running in another thread is closed in that loop; one whose loop has ended is dropped."""
        with self._lock:
            items = list(self._clients.items())
            self._clients.clear()
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for (loop, _), client in items:
            if loop.is_closed():
                continue
            if loop is current:  # called from inside this loop: it cannot wait here, the loop closes it soon
                task = loop.create_task(client.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
            elif loop.is_running():
                try:
                    asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=5)
                except Exception:
                    log.debug("could not close an HTTP client in its loop", exc_info=True)
            else:
                loop.run_until_complete(client.aclose())

    def pools(self) -> int:
        """How many AsyncClients are open now (one per event loop and transport in use)."""
        with self._lock:
            return sum(1 for client in self._clients.values() if not client.is_closed)


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
        client: HttpClient | None = None,
    ) -> None:
        self.name = name
        self.deadline = deadline  # time.monotonic() by which every request of this run must be done
        self.timeout = timeout
        self.retries = retries
        self.cache_ttl = cache_ttl
        self.t = t or translator("en")
        self.headers = dict(headers or {})
        self.auth = auth
        # the runtime's client; alone (tests), one of its own with the given transport, cache and limits
        self.client = client or HttpClient(transport=transport, cache=cache, limiter=limiter)
        self.cache = self.client.cache
        self.limiter = self.client.limiter
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
        client = self.client.client()  # the runtime's pool for this loop: connections are reused
        while True:
            await self.limiter.wait(host, deadline, self.t)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SourceUnavailable(self.t("http.timeout", source=self.name, seconds=f"{self.timeout:g}"))
            retry_after: float | None = None
            try:
                response = await asyncio.wait_for(
                    client.request(method, url, params=_clean(params), json=json_body, headers=merged_headers,
                                   auth=self.auth or httpx.USE_CLIENT_DEFAULT, timeout=_timeout(self.timeout)),
                    timeout=remaining,
                )
            except (TimeoutError, httpx.TimeoutException):
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


class OnlineSource(Source):
    """A source that calls a public service through `HttpSource` (timeout, retries, cache), over the
    runtime's `HttpClient` (`client=`, given by `build_engine`); made alone (tests), it has its own."""

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
        now: Callable[[], datetime] | None = None,
        client: HttpClient | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.timeout = float(self.settings.source_timeout)
        self.client = client or HttpClient(transport=transport, cache=cache, limiter=limiter)
        self.transport = transport or self.client.transport  # also for what is not plain HTTP (the website's pages)
        self.now = now or (lambda: datetime.now(UTC))

    async def remember(self, key: str, produce: Callable[[], Awaitable[Any]]) -> Any:
        """`produce()`'s answer, kept TRADECHECK_CACHE_TTL seconds like HTTP answers (for what is not
        plain HTTP: a web page behind the SSRF guard, DNS records, WHOIS). Failures are not kept."""
        cache = self.client.cache
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
        return HttpSource(self.name, t=ctx.t, client=self.client, **kwargs)
