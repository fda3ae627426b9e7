"""The monitor of one process: its runtime (database, policy, re-checks), knobs, deliverer registry,
job handlers and ticker, and one beat of work (`tick`). Everything it uses is passed in."""

from __future__ import annotations

import asyncio
import functools
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..delivery import DelivererRegistry
from . import jobs, list_alerts, planner, sender, trade_remedies
from .config import RECHECK, REMINDER, MonitorConfig, recheck_days, reminder_hours
from .jobs import JobHandlers
from .recheck import run_recheck
from .reminders import run_reminder
from .ticker import Ticker

if TYPE_CHECKING:
    from checks.screening.service import Screener
    from storage import outbox
    from storage.db import Database
    from storage.jobs import ClaimedJob

    from .messages import JobResult
    from .runtime import MonitorRuntime


class Monitor:
    """Scheduled re-checks, approval reminders, list alerts and their delivery, for one runtime."""

    def __init__(self, runtime: MonitorRuntime, config: MonitorConfig | None = None, *,
                 deliverers: DelivererRegistry | None = None) -> None:
        self.runtime = runtime
        self.config = config if config is not None else MonitorConfig()
        self.deliverers = deliverers if deliverers is not None else DelivererRegistry()
        self.handlers = JobHandlers()
        self.handlers.register(RECHECK, functools.partial(run_recheck, self))
        self.handlers.register(REMINDER, functools.partial(run_reminder, self))
        self.ticker = Ticker(self)
        self._last_plan = float("-inf")
        self._plan_lock = threading.Lock()

    # --- what it works with ----------------------------------------------------------------------
    def database(self) -> Database:
        return self.runtime.ensure_database()

    def recheck_days(self, level: str | None) -> int:
        """Days between re-checks for a risk level: the policy's `recheck_days`, else 7/30/90/365."""
        return recheck_days(self.runtime.policy, level)

    def reminder_hours(self) -> float:
        return reminder_hours(self.runtime.settings.approval_reminder_hours)

    # --- the work --------------------------------------------------------------------------------
    def plan_due_work(self, now: datetime | None = None) -> int:
        return planner.plan_due_work(self, now)

    async def run_job(self, job: ClaimedJob) -> bool:
        return await jobs.run_job(self, job)

    async def run_jobs(self, now: datetime | None = None, limit: int | None = None) -> int:
        return await jobs.run_jobs(self, now, limit)

    async def run_recheck(self, job: ClaimedJob) -> JobResult:
        return await run_recheck(self, job)

    async def send_one(self, message: outbox.OutgoingMessage) -> str:
        return await sender.send_one(self, message)

    async def send_outbox(self, now: datetime | None = None, limit: int | None = None) -> int:
        return await sender.send_outbox(self, now, limit)

    def pending_terminal_messages(self, channel: str | None = None) -> list[str]:
        return sender.pending_terminal_messages(self.database(), channel)

    async def after_lists_update(self, screener: Screener | None = None) -> int:
        return await list_alerts.after_lists_update(self, screener)

    def recheck_watched_with_goods(self) -> int:
        return trade_remedies.recheck_watched_with_goods(self)

    def idle(self, now: datetime | None = None) -> bool:
        return planner.idle(self, now)

    async def tick(self, now: datetime | None = None) -> dict[str, int]:
        """One beat: plan (at most every `plan_every_seconds`, always when `now` is given), run due
        jobs, then send due messages."""
        loop = asyncio.get_running_loop()
        planned = 0
        with self._plan_lock:
            plan = now is not None or loop.time() - self._last_plan >= self.config.plan_every_seconds
        if plan:
            planned = await asyncio.to_thread(self.plan_due_work, now)
            with self._plan_lock:
                self._last_plan = loop.time()
        jobs_done = await self.run_jobs(now)
        sent = await self.send_outbox(now)  # what the jobs just wrote goes out in the same beat
        return {"planned": planned, "jobs": jobs_done, "sent": sent}

    # --- the ticker ------------------------------------------------------------------------------
    def start_ticker(self, interval_seconds: float = 30) -> Any:
        return self.ticker.start(interval_seconds)

    def start_ticker_thread(self, interval_seconds: float = 30) -> threading.Thread:
        return self.ticker.start_thread(interval_seconds)

    def stop_ticker(self) -> None:
        self.ticker.stop()
