"""`build_engine`: every source gets the engine's settings; the screening service and the CPU thread
belong to whoever built the engine (two engines share neither unless their builder says so)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from checks.config import Settings
from checks.engine import Engine
from checks.registry import build_engine
from checks.screening.service import ScreeningService
from checks.sources.sanctions import SanctionsSource
from checks.workers import WorkerPool


def sanctions_of(engine: Engine) -> SanctionsSource:
    [source] = [s for s in engine.sources if isinstance(s, SanctionsSource)]
    return source


def test_every_source_that_reads_settings_gets_the_engines(tmp_path: Path) -> None:
    settings = Settings(TRADECHECK_LISTS_DIR=tmp_path, TRADECHECK_SOURCE_TIMEOUT=3.5)
    engine = build_engine(settings, offline=False)
    configured = [s for s in engine.sources if hasattr(s, "settings")]
    assert len(configured) >= 10 and all(s.settings is settings for s in configured)  # type: ignore[attr-defined]
    assert engine.screening is not None and engine.screening.lists_dir == tmp_path
    assert sanctions_of(engine).screening is engine.screening


def test_two_engines_share_no_screening_and_no_thread_unless_given() -> None:
    settings = Settings()
    one, two = build_engine(settings, offline=True), build_engine(settings, offline=True)
    assert one.screening is not two.screening and one.cpu is not two.cpu
    screening, cpu = ScreeningService(settings.lists_dir), WorkerPool("test-cpu")
    three = build_engine(settings, offline=True, screening=screening, cpu=cpu)
    four = build_engine(settings, offline=True, screening=screening, cpu=cpu)
    assert sanctions_of(three).screening is screening is sanctions_of(four).screening
    assert three.cpu is cpu is four.cpu

    async def worker() -> threading.Thread:
        return await cpu.run(threading.current_thread)

    before = asyncio.run(worker())
    three.close()  # not its thread: its builder closes it
    assert asyncio.run(worker()) is before and before.is_alive()
    cpu.close()
    before.join(timeout=30)
    assert not before.is_alive()


def test_an_engines_own_thread_stops_when_it_is_closed_and_starts_again_when_used() -> None:
    engine = Engine([])

    async def thread() -> threading.Thread:
        return await engine.cpu.run(threading.current_thread)

    worker = asyncio.run(thread())  # the thread itself: other engines' threads have the same name
    assert worker.name.startswith("checks-cpu")
    engine.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
    again = asyncio.run(thread())  # an engine shared by several runtimes outlives a close
    assert again.is_alive() and again is not worker
    engine.close()
