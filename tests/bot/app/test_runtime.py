"""The runtime builds what it holds once, on first use, and two runtimes share nothing."""

from __future__ import annotations

import threading

from bot.app import Runtime
from bot.settings import get_bot_settings
from checks.engine import Engine


def test_an_online_engine_is_built_once_with_the_runtimes_http_client() -> None:
    runtime = Runtime(get_bot_settings(), offline=False)
    built: list[Engine] = []

    def build() -> None:
        built.append(runtime.engine())

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)  # building the engine makes the client: no deadlock
    assert len(built) == 3 and built[0] is built[1] is built[2]
    assert any(source.online for source in built[0].sources) and built[0].http is runtime.http
    assert runtime.engine(offline=True) is not built[0] and runtime.engine(offline=True) is runtime.engine(offline=True)
    runtime.close()


def test_two_runtimes_share_no_engine_no_services_and_an_injected_engine_wins() -> None:
    mine = Engine([])
    a, b = Runtime(get_bot_settings(), engine=mine), Runtime(get_bot_settings())
    assert a.engine() is mine and a.engine(offline=True) is mine
    assert a.checking is a.checking and a.checking is not b.checking and a.cases is not b.cases
    assert b.engine(offline=True) is not mine


def test_the_runtimes_engines_screen_with_its_screening_service_and_work_on_its_threads() -> None:
    from checks.sources.sanctions import SanctionsSource

    a, b = Runtime(get_bot_settings(), offline=False), Runtime(get_bot_settings())
    offline, online = a.engine(offline=True), a.engine(offline=False)
    for engine in (offline, online):  # both engines: one loaded index, one CPU thread (not two per runtime)
        [sanctions] = [s for s in engine.sources if isinstance(s, SanctionsSource)]
        assert engine.screening is a.screening and sanctions.screening is a.screening
        assert engine.cpu is a.cpu_pool
    assert b.screening is not a.screening and b.engine(offline=True).cpu is not a.cpu_pool
    assert a.parse_pool is a.parse_pool and a.parse_pool is not b.parse_pool and a.parse_pool is not a.cpu_pool
    a.close()
    b.close()


def test_closing_the_runtime_stops_its_threads() -> None:
    import asyncio

    runtime = Runtime(get_bot_settings())

    async def parse_and_name_the_thread() -> tuple[str, str]:
        request = await runtime.checking.parse("ACME Trading LLC country=AE")
        return request.company, await runtime.parse_pool.run(lambda: threading.current_thread().name)

    company, thread_name = asyncio.run(parse_and_name_the_thread())
    assert company == "ACME Trading LLC" and thread_name.startswith("parse")
    [worker] = [t for t in threading.enumerate() if t.name == thread_name]
    runtime.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
