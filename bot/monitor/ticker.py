"""The ticker: APScheduler (3.x, AsyncIOScheduler) calls the monitor's `tick()` every N seconds in
the running event loop, or on its own loop in a daemon thread for synchronous programs (the
terminal chat). It keeps no job store: the work is rows in the database (see the package's doc)."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import Monitor

log = logging.getLogger(__name__)

TICK_JOB_ID = "tradecheck-monitor-tick"


class SkippedBeats(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached" for our ticker.

    A tick that lasts longer than the interval (a batch of jobs, a slow platform) makes APScheduler
    skip the beats meanwhile, as intended (`max_instances=1`), but it says so at WARNING on *every*
    skipped beat: with a short interval that is an endless stream (~2 KB/s at 0.1 s). Besides
    drowning real warnings, a process whose stderr is a pipe nobody drains (a supervisor, a test
    harness) then blocks in `write()` once the pipe is full, inside the event loop: the whole
    worker stops claiming and sending, with its leases held until they expire."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Execution of job") or "maximum number of running" not in str(record.msg):
            return True
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return getattr(job, "id", None) != TICK_JOB_ID


_SKIPPED_BEATS = SkippedBeats()  # a stateless filter: one instance, so that it is added once


class Ticker:
    """One monitor's scheduler (and its thread, if started with `start_thread`)."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.scheduler: Any = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    async def _tick_safely(self) -> None:
        try:
            await self.monitor.tick()
        except Exception:  # the ticker must keep beating (database restarts, network)
            log.exception("monitor tick failed")

    def start(self, interval_seconds: float = 30) -> Any:
        """Start APScheduler's AsyncIOScheduler in the running event loop (call from async code, e.g.
        the server's startup). Returns the scheduler; a second call returns the same one."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        if self.scheduler is not None:
            return self.scheduler
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if _SKIPPED_BEATS not in scheduler_log.filters:
            scheduler_log.addFilter(_SKIPPED_BEATS)
        scheduler = AsyncIOScheduler(timezone="UTC", logger=scheduler_log)
        scheduler.add_job(self._tick_safely, "interval", seconds=interval_seconds, id=TICK_JOB_ID,
                          max_instances=1, coalesce=True, next_run_time=datetime.now().astimezone())
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    def stop(self) -> None:
        """Stop the ticker (and its thread, if `start_thread` started it)."""
        thread, loop = self._thread, self._thread_loop
        if thread is not None and loop is not None and threading.current_thread() is not thread:
            self._thread = None
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            return
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None

    def start_thread(self, interval_seconds: float = 30) -> threading.Thread:
        """The ticker on its own event loop in a daemon thread, for synchronous programs (the terminal
        chat, whose `input()` blocks its own loop). `stop()` stops it."""
        with self._lock:
            if self._thread is not None:
                return self._thread
            started = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                self._thread_loop = loop

                async def begin() -> None:  # APScheduler takes the running loop
                    self.start(interval_seconds)

                try:
                    loop.run_until_complete(begin())
                    started.set()
                    loop.run_forever()
                finally:
                    self.stop()
                    loop.run_until_complete(loop.shutdown_asyncgens())
                    loop.close()
                    started.set()

            thread = self._thread = threading.Thread(target=run, name="tradecheck-monitor", daemon=True)
            thread.start()
        started.wait(10)
        return thread
