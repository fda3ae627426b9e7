"""The runtime's HTTP client: one connection pool reused across requests, one object usable from two
event loops (the chat's and the monitor thread's), rate limits and cache shared between them.

The server is a real HTTP/1.1 server on 127.0.0.1 with keep-alive; each connection it accepts is one
handler object, so counting handlers counts TCP connections."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from checks.config import Settings
from checks.http import HttpClient, HttpSource, RateLimiter, TTLCache
from checks.registry import build_engine


class _Server:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[str, str | None]] = []  # (path, Cookie header)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a client that reuses its connection sends more on it

            def setup(self) -> None:
                super().setup()
                with outer.lock:
                    outer.connections += 1

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                with outer.lock:
                    outer.requests.append((self.path, self.headers.get("Cookie")))
                body = b'{"path": "%s"}' % self.path.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Set-Cookie", "session=abc; Path=/")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    running = _Server()
    yield running
    running.close()


def _source(http: HttpClient, **kwargs: object) -> HttpSource:
    return HttpSource("test", client=http, retries=0, cache_ttl=0, **kwargs)  # type: ignore[arg-type]


async def test_one_connection_serves_every_request_of_the_runtime(server: _Server) -> None:
    http = HttpClient(limiter=RateLimiter({}))
    try:
        for i in range(5):  # five requests, as several sources and checks make them
            assert await _source(http).get_json(f"{server.url}/q/{i}") == {"path": f"/q/{i}"}
        await asyncio.gather(*(_source(http).get_json(f"{server.url}/p/{i}") for i in range(3)))
        assert http.clients_made == 1 and http.pools() == 1
        assert server.connections <= 3  # the concurrent ones may open more; one-by-one reuse the first
        before = server.connections
        for i in range(4):
            await _source(http).get_json(f"{server.url}/r/{i}")
        assert server.connections == before  # kept alive and reused, not a new connection per request
    finally:
        await http.aclose()
    assert http.pools() == 0


async def test_a_new_client_per_request_would_open_a_connection_each(server: _Server) -> None:
    """The measure of the test above: separate runtimes (what every request was before) do not share."""
    for i in range(3):
        http = HttpClient(limiter=RateLimiter({}))
        await _source(http).get_json(f"{server.url}/x/{i}")
        await http.aclose()
    assert server.connections == 3


async def test_no_cookie_is_carried_from_one_request_to_the_next(server: _Server) -> None:
    http = HttpClient(limiter=RateLimiter({}))
    try:
        await _source(http).get_json(f"{server.url}/a")
        await _source(http).get_json(f"{server.url}/b")
    finally:
        await http.aclose()
    assert [cookie for _, cookie in server.requests] == [None, None]


def test_one_client_from_two_event_loops_shares_the_rate_limit_and_the_cache(server: _Server) -> None:
    """The chat's loop (here: the main thread) and the monitor's own loop (a thread) use one HttpClient
    at the same time, on a host limited to one request per 0.2 s: no lock of one loop is used in the
    other, every request succeeds, and they are spaced across both loops."""
    host_interval = 0.2
    http = HttpClient(limiter=RateLimiter({"127.0.0.1": host_interval}), cache=TTLCache())
    results: dict[str, list[object]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    async def three(tag: str) -> list[object]:
        source = HttpSource("test", client=http, retries=0, cache_ttl=60, timeout=10)
        return list(await asyncio.gather(*(source.get_json(f"{server.url}/{tag}/{i}") for i in range(3))))

    def run(tag: str) -> None:
        try:
            start.wait(timeout=10)
            results[tag] = asyncio.run(three(tag))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    monitor = threading.Thread(target=run, args=("monitor",))
    monitor.start()
    started = time.monotonic()
    run("chat")
    monitor.join(timeout=30)
    elapsed = time.monotonic() - started
    assert not errors, errors
    assert results["chat"] == [{"path": f"/chat/{i}"} for i in range(3)]
    assert results["monitor"] == [{"path": f"/monitor/{i}"} for i in range(3)]
    assert http.clients_made == 2  # one pool per loop: a connection belongs to the loop that opened it
    assert len(server.requests) == 6
    # one host, six requests from two loops: one slot after the other (measured where they are sent: the
    # server's own clock may see two at once when it was slow to read the first)
    assert elapsed >= 5 * host_interval - 0.02

    async def again() -> object:  # a third loop: answered from the shared cache, no request
        return await HttpSource("test", client=http, cache_ttl=60).get_json(f"{server.url}/chat/0")

    assert asyncio.run(again()) == {"path": "/chat/0"}
    assert len(server.requests) == 6
    http.close()  # the loops have ended: nothing left to close in them, and no error
    assert http.pools() == 0


async def test_the_rate_limit_spaces_requests_from_two_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    """Six requests from two loops to one limited host share ONE schedule: six slots an interval apart.

    The limiter's clock is frozen, so the slots it hands out do not depend on how busy the machine is
    (no test of wall-clock gaps): were the limit per loop, the two loops would each start at the same slot.
    """
    import checks.http as http_module

    frozen = 1000.0
    monkeypatch.setattr(http_module, "time", type("FrozenTime", (), {
        "monotonic": staticmethod(lambda: frozen), "time": staticmethod(time.time)}))
    calls: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            calls.append(request.url.path)
        return httpx.Response(200, json={})

    limiter = RateLimiter({"svc.example": 0.1})
    http = HttpClient(transport=httpx.MockTransport(handler), limiter=limiter)

    async def three(tag: str) -> None:
        source = HttpSource("test", client=http, retries=0, cache_ttl=0, timeout=10)
        await asyncio.gather(*(source.get_json(f"https://svc.example/{tag}/{i}") for i in range(3)))

    other = threading.Thread(target=lambda: asyncio.run(three("monitor")))
    other.start()
    await three("chat")
    await asyncio.get_running_loop().run_in_executor(None, other.join, 30)
    assert sorted(calls) == sorted([f"/{tag}/{i}" for tag in ("chat", "monitor") for i in range(3)])
    # the next free slot is six intervals after the first: every request took its own slot of one schedule
    assert limiter._next["svc.example"] == pytest.approx(frozen + 6 * 0.1)


async def test_closing_in_a_loop_closes_that_loops_pool_and_the_next_request_makes_a_new_one() -> None:
    http = HttpClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})))
    first = http.client()
    assert http.client() is first
    await http.aclose()
    assert first.is_closed and http.pools() == 0
    await _source(http).get_json("https://svc.example/after")
    assert http.clients_made == 2 and http.client() is not first
    await http.aclose()


def test_an_engine_hands_one_client_to_every_online_source() -> None:
    settings = Settings(TRADECHECK_OFFLINE=False)
    mine = HttpClient()
    engine = build_engine(settings, offline=False, http=mine)
    online = [source for source in engine.sources if source.online]
    assert online and all(source.client is mine for source in online)  # type: ignore[attr-defined]
    assert engine.http is mine
    made = build_engine(settings, offline=False)
    assert made.http is not None and all(s.client is made.http for s in made.sources if s.online)  # type: ignore[attr-defined]
    assert build_engine(settings, offline=True).http is None
