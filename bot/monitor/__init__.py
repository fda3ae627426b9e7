"""The standing watch: scheduled re-checks, approval reminders, list-update alerts, and their delivery.

The package, one job per module:
- `service.Monitor`: one process's monitor, built over a runtime (`runtime.MonitorRuntime`: the
  database, the policy, re-checking a case) with its knobs (`config.MonitorConfig`), its deliverers
  (`bot.delivery.DelivererRegistry`, filled by the entry point: `bot.platforms`) and job handlers;
- `ticker`: APScheduler as an in-process ticker calling `Monitor.tick()`;
- `planner`: what is due (the queries are `storage/watch.py`); `recheck`, `reminders`,
  `list_alerts`, `trade_remedies`: the job handlers and list-update hooks; `sender`: the outbox
  sender; `cli`: `python -m bot.monitor`.

How it is safe with several bot processes (README):
- APScheduler (3.x, AsyncIOScheduler) is only an in-process *ticker*: every N seconds it calls
  `tick()`. It keeps no job store; the work is rows in the `job` table, claimed atomically with a
  lease (`storage/jobs.py`), so any number of processes can tick at once.
- `plan_due_work(now)` turns due things into job rows with de-duplication keys
  (`recheck:<case>:<due date>`, `remind:<approval>:<n>`): every process may plan, the unique key
  makes the second insert a no-op.
- A job's messages are outbox rows (`storage/outbox.py`) written in the same transaction that marks
  the job done, keyed by the job's key and the conversation: a job run twice (after a crash) writes
  nothing new. The outbox sender delivers through the `Deliverer` of the message's platform,
  retrying with backoff; a permanent failure marks the conversation dead.

Delivery guarantee, honestly: jobs run at least once (a crashed process's job runs again after its
lease expires, so a re-check may be stored twice); each message is written once (de-duplication key)
and sent at least once; a person sees it once, except if a process dies in the milliseconds between
the platform accepting a message and the outbox recording it — then that one message is sent again.
Nothing is lost or deleted: failed deliveries stay in the outbox with their error.

The functions below act on the entry point's monitor (`current()`: the one the entry point gave
`use()`, e.g. the server's or the chat's over their runtime, else one over the current settings).
Code that has a `Monitor` calls it.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .config import (
    DEFAULT_RECHECK_DAYS,
    MAX_REMINDERS,
    RECHECK,
    REMINDER,
    TERMINAL,
    MonitorConfig,
    recheck_days,
)
from .messages import JobHandler, JobResult, Message
from .sender import TerminalDeliverer
from .service import Monitor

if TYPE_CHECKING:
    from checks.screening.service import Screener

    from ..delivery import Deliverer

__all__ = [
    "DEFAULT_RECHECK_DAYS", "MAX_REMINDERS", "RECHECK", "REMINDER", "TERMINAL", "JobHandler", "JobResult", "Message",
    "Monitor", "MonitorConfig", "TerminalDeliverer", "after_lists_update", "after_lists_update_async", "current",
    "deliverers", "pending_terminal_messages", "plan_due_work", "recheck_days", "register_deliverer",
    "register_job_handler", "run_jobs", "send_outbox", "start_ticker", "start_ticker_thread", "stop_ticker", "tick",
    "unregister_deliverer", "use",
]

_current: Monitor | None = None
_default: tuple[Monitor, object] | None = None  # the monitor `current()` built, and the settings it was built for
_current_lock = threading.Lock()


def current() -> Monitor:
    """The monitor of this process's entry point: the one given to `use()`, else one built on first
    use over a runtime of the current settings (`Runtime.from_environment()`; built again when the
    settings object changes, as the configured database may have)."""
    global _current, _default
    from ..settings import get_bot_settings

    settings = get_bot_settings()
    with _current_lock:
        stale = _default is not None and _default[0] is _current and _default[1] is not settings
        if _current is None or stale:
            from ..app.runtime import Runtime

            runtime = Runtime.from_environment()
            _current = Monitor(runtime)
            _default = (_current, runtime.settings)
        return _current


def use(monitor: Monitor | None) -> Monitor | None:
    """Make `monitor` the entry point's monitor (None: build a default one on next use). Returns the
    one it replaces, to be given back to `use()` later (its ticker is not stopped here)."""
    global _current
    with _current_lock:
        previous, _current = _current, monitor
    return previous


# --- the entry point's monitor ----------------------------------------------------------------------
def register_deliverer(deliverer: Deliverer) -> None:
    """Messages of `deliverer.platform` are sent by this process from now on."""
    current().deliverers.register(deliverer)


def unregister_deliverer(platform: str) -> None:
    current().deliverers.unregister(platform)


def deliverers() -> dict[str, Deliverer]:
    return current().deliverers.snapshot()


def register_job_handler(kind: str, handler: JobHandler) -> None:
    current().handlers.register(kind, handler)


def plan_due_work(now: datetime | None = None) -> int:
    return current().plan_due_work(now)


async def run_jobs(now: datetime | None = None, limit: int | None = None) -> int:
    return await current().run_jobs(now, limit)


async def send_outbox(now: datetime | None = None, limit: int | None = None) -> int:
    return await current().send_outbox(now, limit)


async def tick(now: datetime | None = None) -> dict[str, int]:
    return await current().tick(now)


def pending_terminal_messages(channel: str | None = None) -> list[str]:
    return current().pending_terminal_messages(channel)


async def after_lists_update_async(screener: Screener | None = None) -> int:
    """Screen every watched case again against the current lists; alert each NEW hit at once."""
    return await current().after_lists_update(screener)


def after_lists_update(screener: Screener | None = None) -> int:
    """For `tradecheck lists update` (synchronous callers): see `after_lists_update_async`."""
    return asyncio.run(after_lists_update_async(screener))


def start_ticker(interval_seconds: float = 30) -> Any:
    return current().start_ticker(interval_seconds)


def start_ticker_thread(interval_seconds: float = 30) -> threading.Thread:
    return current().start_ticker_thread(interval_seconds)


def stop_ticker() -> None:
    """Stop the entry point's ticker, if one was built."""
    with _current_lock:
        monitor = _current
    if monitor is not None:
        monitor.stop_ticker()
