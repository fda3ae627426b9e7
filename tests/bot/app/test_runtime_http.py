"""The runtime's one HTTP client: the online engine's sources all use it, and closing the runtime closes
its connection pools (in the loop that opened them, and those of loops that are not running)."""

from __future__ import annotations

import asyncio

import httpx

from bot.app import Runtime
from bot.settings import BotSettings
from checks.http import HttpClient, HttpSource


def _settings() -> BotSettings:
    return BotSettings(TRADECHECK_OFFLINE=False, DATABASE_URL="sqlite://")


def test_the_online_engine_uses_the_runtimes_client_and_an_offline_one_none() -> None:
    given = HttpClient()
    runtime = Runtime(_settings(), http=given)
    online = runtime.engine(offline=False)
    assert online.http is given
    assert all(source.client is given for source in online.sources if source.online)  # type: ignore[attr-defined]
    assert runtime.engine(offline=True).http is None
    runtime.close()


def test_a_runtime_makes_its_client_on_first_use_only() -> None:
    runtime = Runtime(_settings())
    assert runtime._http is None  # an offline check never needs it
    runtime.engine(offline=True)
    assert runtime._http is None
    assert runtime.http is runtime.http  # one per runtime
    assert Runtime(_settings()).http is not runtime.http  # two runtimes share nothing
    runtime.close()


def test_closing_the_runtime_closes_the_pools_of_its_loops() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    runtime = Runtime(_settings(), http=HttpClient(transport=transport))

    async def one_request() -> object:
        return await HttpSource("test", client=runtime.http, cache_ttl=0).get_json("https://svc.example/x")

    with asyncio.Runner() as runner:  # the chat's loop: a request, then aclose in that loop
        assert runner.run(one_request()) == {"ok": True}
        assert runtime.http.pools() == 1
        client = runtime.http._clients[(runner.get_loop(), transport)]
        runner.run(runtime.aclose())
        assert client.is_closed and runtime.http.pools() == 0

    loop = asyncio.new_event_loop()  # a loop that is not running when the runtime closes (a stopped thread's)
    try:
        assert loop.run_until_complete(one_request()) == {"ok": True}
        assert runtime.http.pools() == 1
        runtime.close()
        assert runtime.http.pools() == 0
    finally:
        loop.close()
