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

No process-wide monitor: an entry point (the server, the terminal chat, `python -m bot.monitor`,
`tradecheck lists update`) builds its `Monitor(runtime)`, fills its registry, starts and stops its
ticker, and passes it to whoever needs it; a test builds its own.
"""

from __future__ import annotations

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
from .sender import TerminalDeliverer, pending_terminal_messages
from .service import Monitor

__all__ = [
    "DEFAULT_RECHECK_DAYS", "MAX_REMINDERS", "RECHECK", "REMINDER", "TERMINAL", "JobHandler", "JobResult", "Message",
    "Monitor", "MonitorConfig", "TerminalDeliverer", "pending_terminal_messages", "recheck_days",
]
