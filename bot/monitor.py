"""The standing watch: scheduled re-checks, approval reminders, list-update alerts, and their delivery.

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
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, ClassVar

from sqlalchemy import and_, exists, func, or_, update
from sqlmodel import Session, col, select

from .settings import get_bot_settings
from checks.diff import Change, diff_reports, hit_params
from checks.engine import CheckContext, Engine
from checks.i18n import normalize_lang, t
from checks.models import Finding, Report
from checks.request import CheckRequest
from storage import audit
from storage import cases as store
from storage import chatstate
from storage import jobs as jobstore
from storage import outbox
from storage.db import Database
from storage.models import Approval, AuditEvent, Case, CaseStatus, CheckRun, User, Workspace, aware, utcnow

from . import flows
from .card import Card
from .delivery import Deliverer, DeliveryFailed
from .logs import redact

log = logging.getLogger(__name__)

DEFAULT_RECHECK_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 365}
MAX_REMINDERS = 3
NOT_WATCHED = {CaseStatus.REJECTED.value, CaseStatus.CLOSED.value}
RECHECK, REMINDER = "recheck", "approval_reminder"
TERMINAL = "terminal"


@dataclass
class MonitorConfig:
    """Per-process knobs (tests shorten leases; `engine` replaces the product's engine)."""

    engine: Engine | None = None
    job_lease_seconds: float = jobstore.LEASE_SECONDS
    outbox_lease_seconds: float = outbox.LEASE_SECONDS
    batch: int = 20
    outbox_batch: int = 5
    outbox_per_tick: int = 200
    outbox_max_send_seconds: float = 300.0
    plan_every_seconds: float = 60.0
    recheck_horizon: timedelta = timedelta(hours=1)


CONFIG = MonitorConfig()


def database() -> Database:
    return flows.ensure_database()


# --- policy ----------------------------------------------------------------------------------------
def recheck_days(level: str | None) -> int:
    """Days between re-checks for a risk level: the policy's `recheck_days`, else 7/30/90/365."""
    level = level if level in DEFAULT_RECHECK_DAYS else "low"
    policy = flows._policy()
    for name in ("recheck_days", "recheck"):
        value = policy.get(name) if isinstance(policy, dict) else getattr(policy, name, None)
        if value is None:
            continue
        found = value.get(level) if isinstance(value, dict) else getattr(value, level, None)
        if isinstance(found, (int, float)) and found > 0:
            return int(found)
    return DEFAULT_RECHECK_DAYS[level]


def reminder_hours() -> float:
    hours = get_bot_settings().approval_reminder_hours
    return hours if hours > 0 else 24.0


# --- deliverers ------------------------------------------------------------------------------------
_DELIVERERS: dict[str, Deliverer] = {}


def register_deliverer(deliverer: Deliverer) -> None:
    """Messages of `deliverer.platform` are sent by this process from now on."""
    _DELIVERERS[deliverer.platform] = deliverer


def unregister_deliverer(platform: str) -> None:
    _DELIVERERS.pop(platform, None)


def deliverers() -> dict[str, Deliverer]:
    return dict(_DELIVERERS)


class TerminalDeliverer:
    """The terminal chat has no server to post to: the message stays in the outbox (marked sent) and
    the chat prints it at its next prompt with `pending_terminal_messages()`."""

    platform: ClassVar[str] = TERMINAL

    async def deliver(self, conversation: flows.Conversation, text: str, card: Card | None = None) -> str | None:
        return TERMINAL


def pending_terminal_messages(channel: str | None = None) -> list[str]:
    """Messages for the terminal chat not shown yet (each returned once, to one reader)."""
    return [message.text for message in outbox.take_for_reader(database(), TERMINAL, channel)]


def register_configured_deliverers() -> list[str]:
    """The platforms configured in the settings (Slack, Telegram) plus the terminal."""
    settings = get_bot_settings()
    register_deliverer(TerminalDeliverer())
    if settings.slack_bot_token is not None and "slack" not in _DELIVERERS:
        try:
            from .slack.deliver import SlackDeliverer

            register_deliverer(SlackDeliverer(settings=settings))
        except Exception:  # a broken adapter must not stop the other platforms
            log.exception("Slack deliverer not available")
    if settings.telegram_bot_token is not None and "telegram" not in _DELIVERERS:
        try:
            from .telegram.delivery import TelegramDeliverer

            register_deliverer(TelegramDeliverer.from_settings(settings))
        except Exception:
            log.exception("Telegram deliverer not available")
    return sorted(_DELIVERERS)


# --- what a job produces -------------------------------------------------------------------------------
@dataclass
class Message:
    key: str
    platform: str
    channel: str
    text: str
    thread: str | None = None
    message: str | None = None  # the card replied to (Telegram reply, Slack thread parent)
    card: dict[str, Any] | None = None


@dataclass
class JobResult:
    """Effects written atomically with the job's completion (so a re-run writes nothing twice)."""

    messages: list[Message] = field(default_factory=list)
    note: str | None = None
    finalize: Callable[[Session], None] | None = None


JobHandler = Callable[[jobstore.ClaimedJob], Awaitable[JobResult]]
HANDLERS: dict[str, JobHandler] = {}


def register_job_handler(kind: str, handler: JobHandler) -> None:
    HANDLERS[kind] = handler


def conversations_of(session: Session, case_id: int) -> list[Any]:
    """One live conversation per (platform, channel): the latest card posted there."""
    latest: dict[tuple[str, str], Any] = {}
    for link in chatstate.links(session, case_id):
        latest[(link.platform, link.channel)] = link  # ordered by creation: the last one wins
    return list(latest.values())


def messages_for_case(session: Session, case_id: int, key: str, text: str,
                      card: dict[str, Any] | None = None) -> list[Message]:
    return [
        Message(key=f"{key}:{link.platform}:{link.channel}"[:300], platform=link.platform, channel=link.channel,
                text=text, thread=link.thread, message=link.message, card=card)
        for link in conversations_of(session, case_id)
    ]


def enqueue_message(session: Session, message: Message) -> bool:
    return outbox.enqueue(session, message.key, platform=message.platform, channel=message.channel, text=message.text,
                          thread=message.thread, reply_to=message.message, card=message.card)


def _date(value: datetime | None) -> str:
    value = aware(value)
    return value.date().isoformat() if value else "?"


# --- planning --------------------------------------------------------------------------------------
def _stopped(case_id: Any) -> Any:
    return exists().where(col(AuditEvent.case_id) == case_id, col(AuditEvent.action) == "watch_stopped")


def enroll_watched_cases(session: Session, now: datetime) -> int:
    """Checked cases nobody stopped watching get the policy's re-check date for their risk level."""
    enrolled = 0
    rows = session.exec(
        select(Case.id, Case.last_risk_level, Case.last_checked_at).where(
            col(Case.watching).is_(False), col(Case.next_recheck_at).is_(None), col(Case.last_checked_at).is_not(None),
            col(Case.status).not_in(NOT_WATCHED), ~_stopped(Case.id),
        )
    ).all()
    for case_id, level, checked in rows:
        due = (aware(checked) or now) + timedelta(days=recheck_days(level))
        if due < now:  # overdue already (first start of the monitor): spread over a day, not all at once
            due = now + timedelta(minutes=case_id % 1440)
        result = session.execute(
            update(Case).where(col(Case.id) == case_id, col(Case.watching).is_(False), col(Case.next_recheck_at).is_(None))
            .values(watching=True, next_recheck_at=due)
        )
        enrolled += result.rowcount or 0  # type: ignore[attr-defined]
    return enrolled


def plan_due_work(now: datetime | None = None) -> int:
    """Turn due re-checks and reminders into job rows (idempotent; any process may run it). Returns
    the number of jobs added."""
    now = now or utcnow()
    db = database()
    added = 0
    hours = reminder_hours()
    with db.session() as session:
        enroll_watched_cases(session, now)
        for case_id, due in session.exec(
            select(Case.id, Case.next_recheck_at).where(
                col(Case.watching).is_(True), col(Case.next_recheck_at).is_not(None),
                col(Case.next_recheck_at) <= now + CONFIG.recheck_horizon,
            )
        ).all():
            due = aware(due)
            added += jobstore.enqueue(session, RECHECK, jobstore.recheck_key(case_id, due), due,  # type: ignore[union-attr]
                                      case_id=case_id)
        for approval_id, case_id, requested in session.exec(
            select(Approval.id, Approval.case_id, Approval.requested_at)
            .join(Case, col(Case.id) == col(Approval.case_id))
            .where(col(Approval.decision).is_(None), col(Case.status) == CaseStatus.PENDING_APPROVAL.value)
        ).all():
            due = aware(requested) + timedelta(hours=hours)  # type: ignore[operator]
            added += jobstore.enqueue(session, REMINDER, f"remind:{approval_id}:1", due, case_id=case_id,
                                      payload={"approval": approval_id, "n": 1})
        session.commit()
    return added


# --- re-checks -------------------------------------------------------------------------------------------
def _known_alerts(session: Session, case_id: int, since: datetime | None) -> set[str]:
    """Sanctions hits already announced by a list-update alert (not to be told twice)."""
    statement = select(AuditEvent.details).where(col(AuditEvent.case_id) == case_id, col(AuditEvent.action) == "list_alert")
    if since is not None:
        statement = statement.where(col(AuditEvent.at) >= since)
    return {f"sanctions:{d.get('source', '')}:{d.get('source_id')}" for d in session.exec(statement).all()}


def _baseline(session: Session, case_id: int, run_id: int | None) -> CheckRun | None:
    if run_id is not None:
        return session.get(CheckRun, run_id)
    runs = store.runs(session, case_id, 1)
    return runs[0] if runs else None


async def run_recheck(job: jobstore.ClaimedJob) -> JobResult:
    """Check the case again, compare with the check before, tell its conversations what changed."""
    db = database()
    case_id = job.case_id
    assert case_id is not None

    def prepare() -> tuple[str | None, Any]:
        with db.session() as session:
            case = session.get(Case, case_id)
            if case is None or not case.watching:
                return "not watched any more", None
            planned = aware(case.next_recheck_at)
            if planned is not None and planned.date() != job.due_at.date() and planned > job.due_at:
                return f"superseded by the re-check due {planned.date()}", None
            if not case.last_request:
                return "nothing to re-check", None
            baseline = _baseline(session, case_id, job.payload.get("baseline_run"))
            workspace = session.get(Workspace, case.workspace_id)
            return None, (case, baseline, workspace.key if workspace else "local")

    skip, found = await asyncio.to_thread(prepare)
    if skip:
        return JobResult(note=skip)
    case, baseline, workspace = found
    if baseline is not None and "baseline_run" not in job.payload:
        # a later attempt (after a crash) must compare with the same check, not with our own re-check
        await asyncio.to_thread(jobstore.set_payload, db, job, {**job.payload, "baseline_run": baseline.id})
    actor = flows.Actor("system", "monitor", "tradecheck", workspace=workspace)
    outcome = await flows.recheck(case_id, actor, engine=CONFIG.engine)
    report = outcome.report
    changes: list[Change] = []
    if baseline is not None:
        try:
            changes = diff_reports(Report.model_validate(baseline.report), report, report.lang)
        except ValueError:  # a report stored by a much older version: nothing to compare with, say nothing
            log.warning("case %s: the check before cannot be read; no comparison", case_id)
    since = _date(baseline.created_at) if baseline is not None else "?"
    lang = report.lang

    def finalize(session: Session) -> None:
        known = _known_alerts(session, case_id, aware(baseline.created_at) if baseline else None)
        told = [c for c in changes if not (c.kind == "sanctions.new" and c.key in known)]
        run = store.runs(session, case_id, 1)
        audit.record(session, "recheck_done", actor="system:monitor", actor_name="tradecheck", case_id=case_id,
                     workspace_id=case.workspace_id,
                     details={"job": job.dedup_key, "since": since, "baseline_run": baseline.id if baseline else None,
                              "check_run": run[0].id if run else None, "risk": report.risk.level.value,
                              "changes": [c.model_dump(mode="json") for c in changes],
                              "told": [c.key for c in told]})
        if told:
            lines = "\n".join(f"• {c.text}" for c in told)
            text = t("monitor.changed", lang, since=since, id=case_id, name=case.name or f"#{case_id}") + "\n" + lines
            for message in messages_for_case(session, case_id, job.dedup_key, text):
                enqueue_message(session, message)
        _schedule_next(session, case_id, job, report)

    return JobResult(note=f"{len(changes)} change(s)", finalize=finalize)


def _schedule_next(session: Session, case_id: int, job: jobstore.ClaimedJob, report: Report) -> None:
    """The next re-check: the same number of days if a person chose it, else the policy's for the new level."""
    days = job.payload.get("days")
    days = int(days) if isinstance(days, (int, float)) and days > 0 else recheck_days(report.risk.level.value)
    due = max(utcnow(), job.due_at) + timedelta(days=days)  # from when this one ran (or was due, if later)
    case = session.get(Case, case_id)
    if case is None or not case.watching:
        return
    planned = aware(case.next_recheck_at)
    if planned is not None and planned > job.due_at + timedelta(days=1):
        return  # someone scheduled another date meanwhile: theirs stands
    session.execute(update(Case).where(col(Case.id) == case_id, col(Case.watching).is_(True)).values(next_recheck_at=due))
    payload = {"days": days} if job.payload.get("days") else {}
    jobstore.enqueue(session, RECHECK, jobstore.recheck_key(case_id, due), due, case_id=case_id,
                     payload=payload)


# --- approval reminders ------------------------------------------------------------------------------------
async def run_reminder(job: jobstore.ClaimedJob) -> JobResult:
    """Remind the case's conversations of an approval nobody decided; up to MAX_REMINDERS times."""
    db = database()
    approval_id, n = job.payload.get("approval"), int(job.payload.get("n", 1))
    hours = reminder_hours()

    def build() -> JobResult:
        with db.session() as session:
            approval = session.get(Approval, approval_id)
            case = session.get(Case, approval.case_id) if approval else None
            if approval is None or case is None or approval.decision is not None \
                    or case.status != CaseStatus.PENDING_APPROVAL.value:
                return JobResult(note="decided or withdrawn")
            requester = session.get(User, approval.requested_by_id) if approval.requested_by_id else None
            lang = normalize_lang((requester.lang if requester else None) or flows.default_lang())
            waited = int((utcnow() - aware(approval.requested_at)).total_seconds() // 3600)  # type: ignore[operator]
            level = t(f"level.{case.last_risk_level}", lang) if case.last_risk_level else "?"
            text = t("monitor.reminder", lang, id=case.id, name=case.name or f"#{case.id}", who=approval.requested_by,
                     when=_date(approval.requested_at), hours=waited, level=level)
            messages = messages_for_case(session, case.id, job.dedup_key, text)  # type: ignore[arg-type]
            case_id, requested = case.id, aware(approval.requested_at)

        def finalize(session: Session) -> None:
            for message in messages:
                enqueue_message(session, message)
            if n < MAX_REMINDERS:  # the next one `hours` later (not at once when this one ran late)
                due = max(requested + timedelta(hours=hours * (n + 1)), utcnow() + timedelta(hours=hours))  # type: ignore[operator]
                jobstore.enqueue(session, REMINDER, f"remind:{approval_id}:{n + 1}", due, case_id=case_id,
                                 payload={"approval": approval_id, "n": n + 1})

        return JobResult(messages=messages, note=f"reminder {n} to {len(messages)} conversation(s)", finalize=finalize)

    return await asyncio.to_thread(build)


register_job_handler(RECHECK, run_recheck)
register_job_handler(REMINDER, run_reminder)


# --- running jobs and sending --------------------------------------------------------------------------
def _complete(job: jobstore.ClaimedJob, result: JobResult) -> bool:
    db = database()
    with db.session() as session:
        if not jobstore.complete(session, job, note=result.note):
            session.rollback()
            log.warning("job %s: lease lost before completion; the new owner finishes it", job.dedup_key)
            return False
        if result.finalize is not None:
            result.finalize(session)
        session.commit()
    return True


async def run_job(job: jobstore.ClaimedJob) -> bool:
    handler = HANDLERS.get(job.kind)
    db = database()
    if handler is None:
        await asyncio.to_thread(jobstore.fail, db, job, f"no handler for job kind {job.kind!r}", max_attempts=1)
        return False
    if job.attempts > jobstore.MAX_ATTEMPTS:
        await asyncio.to_thread(jobstore.fail, db, job, "too many attempts (lease expired each time)", max_attempts=1)
        return False
    # jobs of a batch run one after the other: renew the lease so that the last ones are still ours
    if not await asyncio.to_thread(jobstore.extend_lease, db, job, CONFIG.job_lease_seconds):
        log.info("job %s: lease lost while waiting in the batch; another process has it", job.dedup_key)
        return False
    try:
        result = await handler(job)
        return await asyncio.to_thread(_complete, job, result)
    except Exception as error:  # one bad job must not stop the others; it is retried with backoff
        log.exception("job %s failed", job.dedup_key)
        await asyncio.to_thread(jobstore.fail, db, job, redact(f"{type(error).__name__}: {error}"))
        return False


async def run_jobs(now: datetime | None = None, limit: int | None = None) -> int:
    """Claim due jobs and run them one after the other. Returns how many completed."""
    claimed = await asyncio.to_thread(jobstore.claim, database(), now=now, limit=limit or CONFIG.batch,
                                      lease_seconds=CONFIG.job_lease_seconds, kinds=list(HANDLERS))
    done = 0
    for job in claimed:
        done += await run_job(job)
    return done


async def send_one(message: outbox.OutgoingMessage) -> str:
    db = database()
    deliverer = _DELIVERERS.get(message.platform)
    if deliverer is None:  # unregistered meanwhile: give it back at once
        await asyncio.to_thread(outbox.mark_retry, db, message, f"no deliverer for {message.platform}", retry_after=0)
        return "retry"
    card = Card.model_validate(message.card) if message.card else None
    conversation = flows.Conversation(message.platform, "", message.channel, thread=message.thread,
                                      message=message.reply_to)
    lease = CONFIG.outbox_lease_seconds
    # the row may have waited in the batch past its lease: send only if it is still ours
    if not outbox.surely_held(message, lease) and not await asyncio.to_thread(outbox.renew, db, message, lease):
        log.info("outbox %s: lease lost before sending; another sender has it", message.dedup_key)
        return "lost"
    try:
        sent_id = await _keeping_lease(db, message, lease, deliverer.deliver(conversation, message.text, card))
    except DeliveryFailed as failure:
        if failure.misconfigured:  # e.g. a revoked token: stop sending there (said once), keep the message
            if _DELIVERERS.pop(message.platform, None) is not None:
                log.error("%s: %s — this process stops sending %s messages until it is restarted with a "
                          "working configuration; they wait in the outbox", message.platform, failure, message.platform)
            await asyncio.to_thread(outbox.mark_retry, db, message, redact(str(failure)), retry_after=0)
            return "misconfigured"
        if failure.permanent:
            await asyncio.to_thread(outbox.mark_dead, db, message, redact(str(failure)))
            await asyncio.to_thread(outbox.bury_channel, db, message.platform, message.channel, redact(str(failure)))
            await asyncio.to_thread(flows.mark_conversation_dead, message.platform, message.channel)
            return "dead"
        await asyncio.to_thread(outbox.mark_retry, db, message, redact(str(failure)), retry_after=failure.retry_after)
        return "retry"
    except Exception as error:  # a deliverer bug: keep the message and try again later
        log.exception("delivery of %s failed", message.dedup_key)
        await asyncio.to_thread(outbox.mark_retry, db, message, redact(f"{type(error).__name__}: {error}"))
        return "retry"
    if not await asyncio.to_thread(outbox.mark_sent, db, message):
        log.warning("outbox %s: sent, but the lease had been lost meanwhile (may be sent twice)", message.dedup_key)
    log.info("delivered %s (%s)", message.dedup_key, sent_id)
    return "sent"


async def _keeping_lease(db: Database, message: outbox.OutgoingMessage, lease: float, sending: Awaitable[Any]) -> Any:
    """Await the platform while renewing the row's lease every third of it: a slow platform (Slack
    answering in seconds) must not let another sender claim a message that is being sent."""
    task = asyncio.ensure_future(sending)
    held = True
    loop = asyncio.get_running_loop()
    give_up = loop.time() + CONFIG.outbox_max_send_seconds  # a platform call hanging for ever must not hold the row for ever
    while True:
        done, _ = await asyncio.wait({task}, timeout=max(lease / 3, 0.05))
        if done:
            return task.result()
        if held and loop.time() < give_up and not await asyncio.to_thread(outbox.renew, db, message, lease):
            held = False
            log.warning("outbox %s: lease lost while the platform was answering", message.dedup_key)


async def send_outbox(now: datetime | None = None, limit: int | None = None) -> int:
    """Send due messages of the platforms this process has deliverers for. Returns how many were sent.

    A few rows are claimed at a time (`CONFIG.outbox_batch`), again and again until nothing is due
    (or `limit` rows were handled): what this process cannot send soon stays claimable by others."""
    sent = handled = 0
    most = limit or CONFIG.outbox_per_tick
    while handled < most:
        claimed = await asyncio.to_thread(outbox.claim, database(), list(_DELIVERERS), now=now,
                                          limit=min(max(CONFIG.outbox_batch, 1), most - handled),
                                          lease_seconds=CONFIG.outbox_lease_seconds)
        outcomes = [await send_one(message) for message in claimed]
        sent += outcomes.count("sent")
        handled += len(claimed)
        if len(claimed) < CONFIG.outbox_batch or any(o not in ("sent", "lost") for o in outcomes):
            break  # nothing more due, or a failure put a row back: the next tick goes on
    return sent


_last_plan = 0.0


async def tick(now: datetime | None = None) -> dict[str, int]:
    """One beat: plan (at most every `plan_every_seconds`), run due jobs, then send due messages."""
    global _last_plan
    loop = asyncio.get_running_loop()
    planned = 0
    if now is not None or loop.time() - _last_plan >= CONFIG.plan_every_seconds:
        planned = await asyncio.to_thread(plan_due_work, now)
        _last_plan = loop.time()
    jobs_done = await run_jobs(now)
    sent = await send_outbox(now)  # what the jobs just wrote goes out in the same beat
    return {"planned": planned, "jobs": jobs_done, "sent": sent}


def idle(now: datetime | None = None) -> bool:
    """Nothing due to run or send here (used by `--exit-when-idle`)."""
    from storage.models import Job, Outbox

    now = now or utcnow()
    with database().session() as session:
        busy_jobs = session.exec(select(func.count()).select_from(Job).where(or_(
            col(Job.status) == jobstore.RUNNING, and_(col(Job.status) == jobstore.PENDING, col(Job.due_at) <= now)))).one()
        busy_out = session.exec(select(func.count()).select_from(Outbox).where(
            col(Outbox.status).in_([outbox.PENDING, outbox.SENDING]), col(Outbox.platform).in_(list(_DELIVERERS)),
            col(Outbox.next_attempt_at) <= now + timedelta(seconds=CONFIG.outbox_lease_seconds))).one()
    return busy_jobs == 0 and busy_out == 0


# --- the ticker ------------------------------------------------------------------------------------------
_scheduler: Any = None
TICK_JOB_ID = "tradecheck-monitor-tick"


class _SkippedBeats(logging.Filter):
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


_SKIPPED_BEATS = _SkippedBeats()


async def _tick_safely() -> None:
    try:
        await tick()
    except Exception:  # the ticker must keep beating (database restarts, network)
        log.exception("monitor tick failed")


def start_ticker(interval_seconds: float = 30) -> Any:
    """Start APScheduler's AsyncIOScheduler as a ticker in the running event loop (call from async
    code, e.g. the server's startup). Registers the configured platforms' deliverers."""
    global _scheduler
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    if _scheduler is not None:
        return _scheduler
    register_configured_deliverers()
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if _SKIPPED_BEATS not in scheduler_log.filters:
        scheduler_log.addFilter(_SKIPPED_BEATS)
    scheduler = AsyncIOScheduler(timezone="UTC", logger=scheduler_log)
    scheduler.add_job(_tick_safely, "interval", seconds=interval_seconds, id=TICK_JOB_ID,
                      max_instances=1, coalesce=True, next_run_time=datetime.now().astimezone())
    scheduler.start()
    _scheduler = scheduler
    return scheduler


def stop_ticker() -> None:
    """Stop the ticker (and its thread, if `start_ticker_thread` started it)."""
    global _scheduler, _thread
    thread, loop = _thread, _thread_loop
    if thread is not None and loop is not None and threading.current_thread() is not thread:
        _thread = None
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        return
    if _scheduler is not None:
        _scheduler.shutdown(wait=False)
        _scheduler = None


_thread: threading.Thread | None = None
_thread_loop: asyncio.AbstractEventLoop | None = None


def start_ticker_thread(interval_seconds: float = 30) -> threading.Thread:
    """The ticker on its own event loop in a daemon thread, for synchronous programs (the terminal
    chat, whose `input()` blocks its own loop). `stop_ticker()` stops it."""
    global _thread
    if _thread is not None:
        return _thread
    started = threading.Event()

    def run() -> None:
        global _thread_loop
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        _thread_loop = loop
        async def begin() -> None:  # APScheduler takes the running loop
            start_ticker(interval_seconds)

        try:
            loop.run_until_complete(begin())
            started.set()
            loop.run_forever()
        finally:
            stop_ticker()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            started.set()

    _thread = threading.Thread(target=run, name="tradecheck-monitor", daemon=True)
    _thread.start()
    started.wait(10)
    return _thread


# --- list updates --------------------------------------------------------------------------------------
class _Screening:
    """The sanctions source over a given screener (the freshly loaded lists, or a test's own)."""

    def __init__(self, screener: Any | None) -> None:
        from checks.sources.sanctions import SanctionsSource

        source = SanctionsSource()
        if screener is not None:
            source._screener = lambda: screener  # type: ignore[method-assign]
        self.source = source

    async def hits(self, request: CheckRequest, lang: str) -> list[Finding]:
        findings = await self.source.run(request, CheckContext.for_lang(lang))
        return [f for f in findings if f.code == "sanctions.hit" and f.data.get("source_id") not in (None, "")]


@dataclass
class _Watched:
    id: int
    workspace_id: int
    name: str
    request: dict[str, Any]
    known: set[str]
    cleared: set[tuple[str, str, str]]


def _watched_cases() -> list[_Watched]:
    db = database()
    with db.session() as session:
        enroll_watched_cases(session, utcnow())
        session.commit()
        out = []
        for case in session.exec(select(Case).where(col(Case.watching).is_(True), col(Case.last_request).is_not(None))):
            last = store.runs(session, case.id, 1)  # type: ignore[arg-type]
            known = set()
            if last:
                report = Report.model_validate(last[0].report)
                known = {f"{f.data.get('source', '')}:{f.data.get('source_id')}" for f in report.findings()
                         if f.code == "sanctions.hit"}
            known |= {k.removeprefix("sanctions:") for k in _known_alerts(session, case.id, None)}  # type: ignore[arg-type]
            cleared = {(c.source, c.source_id, c.fingerprint) for c in store.clears(session, case.id)}  # type: ignore[arg-type]
            out.append(_Watched(case.id, case.workspace_id, case.name, dict(case.last_request or {}), known, cleared))  # type: ignore[arg-type]
    return out


async def after_lists_update_async(screener: Any | None = None) -> int:
    """Screen every watched case again against the current lists; alert each NEW hit at once.

    Returns the number of alerts raised (one per case and new list entry). Idempotent: a second call
    with the same lists raises none.
    """
    if screener is None:
        from checks.screening import service

        service.reset()
    screening = _Screening(screener)
    alerts = 0
    for watched in await asyncio.to_thread(_watched_cases):
        try:
            request = CheckRequest.model_validate(watched.request)
        except Exception:
            log.warning("case %s: stored request unreadable, not screened", watched.id)
            continue
        lang = normalize_lang(request.lang)
        new = [f for f in await screening.hits(request, lang)
               if f"{f.data.get('source', '')}:{f.data.get('source_id')}" not in watched.known
               and (str(f.data.get("source", "")), str(f.data.get("source_id")), flows.entry_fingerprint(f.data))
               not in watched.cleared]
        if new:
            alerts += await asyncio.to_thread(_alert, watched, new, lang)
    return alerts


def _alert(watched: _Watched, hits: list[Finding], lang: str) -> int:
    db = database()
    raised = 0
    with db.session() as session:
        for finding in hits:
            source, source_id = str(finding.data.get("source", "")), str(finding.data.get("source_id"))
            fingerprint = flows.entry_fingerprint(finding.data)
            key = f"listhit:{watched.id}:{source}:{source_id}:{fingerprint[-16:]}"
            text = t("monitor.list_alert", lang, id=watched.id, name=watched.name or f"#{watched.id}",
                     line=t("diff.sanctions.new", lang, **hit_params(finding)))
            for message in messages_for_case(session, watched.id, key, text):
                enqueue_message(session, message)
            audit.record(session, "list_alert", actor="system:monitor", actor_name="tradecheck", case_id=watched.id,
                         workspace_id=watched.workspace_id,
                         details={"source": source, "source_id": source_id, "fingerprint": fingerprint,
                                  "entry": finding.data.get("listed_name"), "score": finding.data.get("score"),
                                  "query": finding.data.get("query"), "key": key})
            raised += 1
        if raised:  # the whole check again now, not at the next scheduled date: level, status, approval
            now = utcnow()
            session.execute(update(Case).where(col(Case.id) == watched.id, col(Case.watching).is_(True))
                            .values(next_recheck_at=now))
            jobstore.enqueue(session, RECHECK, jobstore.recheck_key(watched.id, now), now,
                             case_id=watched.id)
        session.commit()
    return raised


def after_lists_update(screener: Any | None = None) -> int:
    """For `tradecheck lists update` (synchronous callers): see `after_lists_update_async`."""
    return asyncio.run(after_lists_update_async(screener))


# --- a worker process --------------------------------------------------------------------------------------
async def _worker(args: argparse.Namespace) -> int:
    if args.setup:
        module, _, function = args.setup.partition(":")
        getattr(importlib.import_module(module), function or "setup")()
    CONFIG.job_lease_seconds = args.lease
    CONFIG.outbox_lease_seconds = args.lease
    CONFIG.plan_every_seconds = args.interval if args.plan else float("inf")
    CONFIG.batch = args.batch
    from . import lists_sync

    lists_sync.enable(await asyncio.to_thread(database))
    start_ticker(args.interval)
    try:
        while True:
            await asyncio.sleep(args.interval)
            if args.exit_when_idle and await asyncio.to_thread(idle):
                return 0
    finally:
        stop_ticker()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.monitor", description="Run the monitor's ticker alone.")
    parser.add_argument("--worker", action="store_true", help="tick until stopped")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between ticks")
    parser.add_argument("--lease", type=float, default=jobstore.LEASE_SECONDS, help="lease of a claimed job, seconds")
    parser.add_argument("--batch", type=int, default=CONFIG.batch, help="jobs (and messages) taken per tick")
    parser.add_argument("--no-plan", dest="plan", action="store_false", help="only run jobs already planned")
    parser.add_argument("--exit-when-idle", action="store_true", help="stop when nothing is due here")
    parser.add_argument("--setup", help="module:function to call first (registers deliverers, handlers)")
    parser.add_argument("--lists-updated", action="store_true", help="screen watched cases against the lists now")
    args = parser.parse_args(argv)
    from . import logs

    logs.configure(os.environ.get("TRADECHECK_LOG", "WARNING").upper())
    if args.lists_updated:
        print(after_lists_update())
        return 0
    if not args.worker:
        parser.print_help()
        return 2
    return asyncio.run(_worker(args))


if __name__ == "__main__":  # run the imported module, so that --setup registers into the same registry
    from bot.monitor import main as _main

    sys.exit(_main())
