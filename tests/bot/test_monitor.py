"""The monitor: schedules, re-checks that say only what changed, reminders, list-update alerts,
delivery through the outbox, and the guarantees with several (and crashing) processes.

In-process tests run on SQLite and on PostgreSQL (TEST_DATABASE_URL). The multi-process tests start
real OS processes (`python -m bot.monitor --worker`) with a file-recording fake platform
(tests/bot/monitor_fake.py) and SIGKILL them mid-run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot import flows, monitor
from bot.app import Runtime
from bot.card import ActionKind
from bot.delivery import DeliveryFailed
from bot.settings import get_bot_settings, reload_settings
from checks.engine import CheckContext, Engine
from checks.models import Finding, Section, Status
from checks.request import CheckRequest
from storage import cases, outbox
from storage import db as storage_db
from storage import jobs as jobstore
from storage.models import (
    Approval,
    AuditEvent,
    Case,
    CaseStatus,
    ConversationLink,
    Job,
    Outbox,
    Workspace,
    aware,
    utcnow,
)
from tests.bot.monitor_fake import delivered, own_monitor
from tests.storage.support import (  # noqa: F401  (fixtures)
    EmbargoSource,
    ListSource,
    PointsScorer,
    db_url,
    pg_url,
    set_managers,
    sqlite_template,
)

ROOT = Path(__file__).resolve().parents[2]
LI = flows.Actor("fake", "li", "Li Wei")
BOSS = flows.Actor("fake", "boss", "Boss")


class ScreeningSource(ListSource):
    """The test watchlist, named and shaped like the product's sanctions source (a `clear` when no hit)."""

    name = "sanctions"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        found = await super().run(request, ctx)
        return found or [Finding(code="sanctions.clear", status=Status.PASS, title="No match", section=Section.RISK)]


class RecordingDeliverer:
    platform = "fake"

    def __init__(self) -> None:
        self.sent: list[tuple[flows.Conversation, str]] = []
        self.failure: DeliveryFailed | None = None

    async def deliver(self, conversation: flows.Conversation, text: str, card: Any = None) -> str | None:
        if self.failure is not None:
            raise self.failure
        self.sent.append((conversation, text))
        return f"m{len(self.sent)}"


@pytest.fixture
def watchlist(db_url: str) -> Iterator[ScreeningSource]:
    source = ScreeningSource()
    with own_monitor(monitor.MonitorConfig(engine=Engine([EmbargoSource(), source], [], PointsScorer()),
                                           plan_every_seconds=0)):
        yield source


@pytest.fixture
def fake() -> Iterator[RecordingDeliverer]:
    """The recording platform, registered in the test's monitor (after `watchlist` or the like)."""
    deliverer = RecordingDeliverer()
    monitor.register_deliverer(deliverer)
    yield deliverer
    monitor.unregister_deliverer("fake")
    monitor.unregister_deliverer("terminal")


def conversation(channel: str = "C1") -> flows.Conversation:
    return flows.Conversation("fake", "local", channel, thread=None, message=f"{channel}-card")


async def check(text: str, channel: str | None = "C1", actor: flows.Actor = LI) -> int:
    outcome = await flows.run_check(text, actor, conversation(channel) if channel else None,
                                    engine=monitor.current().config.engine)
    assert outcome.case is not None
    return outcome.case.id


def session(url: str):  # type: ignore[no-untyped-def]
    return storage_db.get_database(url).session()


def case_row(url: str, case_id: int) -> Case:
    with session(url) as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


def outbox_rows(url: str) -> list[Outbox]:
    with session(url) as s:
        return list(s.exec(select(Outbox).order_by(Outbox.id)))


def job_rows(url: str, kind: str | None = None) -> list[Job]:
    with session(url) as s:
        statement = select(Job).order_by(Job.id)
        if kind:
            statement = statement.where(Job.kind == kind)
        return list(s.exec(statement))


def due_now(url: str, case_id: int, days_ago: int = 0) -> None:
    """Make the case's re-check due (what the calendar does); the next tick plans and runs it."""
    with session(url) as s:
        case = s.get(Case, case_id)
        case.watching, case.next_recheck_at = True, utcnow() - timedelta(days=days_ago)  # type: ignore[union-attr]
        s.add(case)
        s.commit()


# --- schedules -----------------------------------------------------------------------------------------
def test_recheck_days_come_from_the_policy_else_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.policy import load_policy

    policy = load_policy()
    levels = ("critical", "high", "medium", "low")
    assert [monitor.recheck_days(policy, level) for level in levels] == [policy.recheck_days[level] for level in levels]  # type: ignore[index]
    assert monitor.recheck_days(policy, None) == monitor.recheck_days(policy, "low")
    # no policy (or a broken file): 7/30/90/365
    assert [monitor.recheck_days(None, level) for level in levels] == [7, 30, 90, 365]
    # a broken policy file: the monitor's runtime gives no policy, the defaults apply
    monkeypatch.setenv("TRADECHECK_POLICY", str(ROOT / "no-such-policy.yaml"))
    reload_settings()
    try:
        with own_monitor() as mon:
            assert [mon.recheck_days(level) for level in levels] == [7, 30, 90, 365]
    finally:
        reload_settings()


async def test_checked_cases_are_watched_by_the_policy_and_planning_is_idempotent(db_url: str, watchlist) -> None:  # type: ignore[no-untyped-def]
    low = await check("Quiet Buyer LLC country=AE", "C1")
    high = await check("Tehran Goods Co country=IR", "C2")  # embargo: high risk in the test scorer
    stopped = await check("Stopped Buyer LLC country=AE", "C3")
    assert (await flows.perform_action(ActionKind.STOP_WATCHING, stopped, LI)).ok
    assert monitor.plan_due_work() == 0  # enrolled, nothing due yet
    for case_id, days in ((low, monitor.current().recheck_days("low")), (high, monitor.current().recheck_days("high"))):
        case = case_row(db_url, case_id)
        assert case.watching
        assert abs((aware(case.next_recheck_at) - aware(case.last_checked_at)) - timedelta(days=days)) < timedelta(seconds=1)  # type: ignore[operator]
    assert not case_row(db_url, stopped).watching and case_row(db_url, stopped).next_recheck_at is None
    later = utcnow() + timedelta(days=monitor.current().recheck_days("high") + 1)
    assert monitor.plan_due_work(later) == 1
    assert monitor.plan_due_work(later) == 0  # another process planning the same: nothing twice
    [job] = job_rows(db_url, "recheck")
    assert job.case_id == high and job.dedup_key.startswith(f"recheck:{high}:")


async def test_long_overdue_cases_are_spread_over_a_day_not_rechecked_all_at_once(db_url: str, watchlist) -> None:  # type: ignore[no-untyped-def]
    ids = [await check(f"Old Buyer {i} LLC country=AE", f"C{i}") for i in range(3)]
    with session(db_url) as s:
        for case_id in ids:
            case = s.get(Case, case_id)
            case.last_checked_at = utcnow() - timedelta(days=800)  # type: ignore[union-attr]
            s.add(case)
        s.commit()
    now = utcnow()
    monitor.plan_due_work(now)
    dues = [aware(case_row(db_url, case_id).next_recheck_at) for case_id in ids]
    assert all(now <= due <= now + timedelta(days=1) for due in dues) and len(set(dues)) == 3  # type: ignore[operator]


async def test_a_scheduled_recheck_with_nothing_new_says_nothing_and_plans_the_next(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    case_id = await check("ACME Trading LLC country=AE")
    result = await flows.perform_action(ActionKind.SCHEDULE_RECHECK, case_id, LI, arg="14")
    assert result.ok
    assert await monitor.tick(utcnow() + timedelta(days=15)) == {"planned": 0, "jobs": 1, "sent": 0}
    assert outbox_rows(db_url) == [] and fake.sent == []
    jobs = job_rows(db_url, "recheck")
    assert [j.status for j in jobs] == ["done", "pending"]
    assert jobs[1].payload == {"days": 14}  # the person's choice carries on
    assert abs(aware(jobs[1].due_at) - (aware(jobs[0].due_at) + timedelta(days=14))) < timedelta(minutes=1)  # type: ignore[operator]
    with session(db_url) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "recheck_done")).one()
    assert event.details["changes"] == [] and event.details["told"] == []


async def test_stop_watching_cancels_the_recheck(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    case_id = await check("ACME Trading LLC country=AE")
    await flows.perform_action(ActionKind.SCHEDULE_RECHECK, case_id, LI, arg="7")
    await flows.perform_action(ActionKind.STOP_WATCHING, case_id, LI)
    assert (await monitor.tick(utcnow() + timedelta(days=8)))["jobs"] == 0
    assert outbox_rows(db_url) == []


async def test_recheck_tells_what_changed_once_in_the_cards_thread(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    case_id = await check("Zephyr Quantum Logistics FZE country=AE", "C1")
    first_check = case_row(db_url, case_id).last_checked_at
    watchlist.entries["zephyr quantum logistics fze"] = {
        "source": "us_ofac_sdn", "source_id": "990001", "listed_name": "ZEPHYR QUANTUM LOGISTICS FZE",
        "list": "OFAC SDN (SDGT)", "score": 0.97, "query": "Zephyr Quantum Logistics FZE", "name": "ZEPHYR"}
    due_now(db_url, case_id)
    assert monitor.plan_due_work() == 1

    # a process claims the re-check, runs it, and dies before it could say anything
    [job] = jobstore.claim(storage_db.get_database(db_url), lease_seconds=1)
    await monitor.current().run_recheck(job)
    assert outbox_rows(db_url) == []
    [saved] = job_rows(db_url, "recheck")
    assert saved.status == "running" and saved.payload.get("baseline_run")

    # its lease runs out; another process runs the job again, compares with the same check before
    assert await monitor.tick(utcnow() + timedelta(seconds=2)) == {"planned": 0, "jobs": 1, "sent": 1}
    [row] = outbox_rows(db_url)
    since = aware(first_check).date().isoformat()  # type: ignore[union-attr]
    assert f"since {since}" in row.text and "New sanctions match" in row.text and "ZEPHYR QUANTUM" in row.text
    assert "Risk went up" in row.text
    assert (row.platform, row.channel, row.message_id, row.status) == ("fake", "C1", "C1-card", "sent")
    [(where, text)] = fake.sent
    assert where.channel == "C1" and where.message == "C1-card" and text == row.text
    with session(db_url) as s:
        assert cases.count_runs(s, case_id) == 3  # at-least-once: the re-check itself ran twice

    # the next re-check finds the same: nothing is said
    due_now(db_url, case_id, days_ago=1)
    assert (await monitor.tick())["jobs"] == 1
    await monitor.send_outbox()
    assert len(outbox_rows(db_url)) == 1 and len(fake.sent) == 1
    with session(db_url) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "recheck_done").order_by(AuditEvent.id)).all()
    assert [len(e.details["changes"]) for e in events] == [2, 0]  # the full diff is kept with the case
    assert {c["kind"] for c in events[0].details["changes"]} == {"sanctions.new", "risk.up"}


async def test_recheck_messages_are_in_the_buyers_language(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    outcome = await flows.run_check("Zephyr Quantum Logistics FZE country=AE", LI, conversation(), lang="zh",
                                    engine=monitor.current().config.engine)
    watchlist.entries["zephyr quantum logistics fze"] = {"source": "un_sc", "source_id": "QDe.9", "listed_name": "ZEPHYR",
                                                         "name": "ZEPHYR"}
    due_now(db_url, outcome.case.id)  # type: ignore[union-attr]
    await monitor.tick()
    [row] = outbox_rows(db_url)
    assert "以来的变化" in row.text and "新的制裁名单匹配" in row.text


async def test_the_products_offline_engine_rechecking_unchanged_buyers_says_nothing(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    """The real sources, lists and scorer (offline): nothing in a repeated check may look like news."""
    engine = monitor.current().config.engine = flows.get_engine(offline=True)
    # the index is built first, as the server and the chat do at start-up: on a loaded machine its
    # build can outlast the sanctions source's timeout, and a check without sanctions is not the point here
    assert engine.screening is not None
    await asyncio.to_thread(engine.screening.screener)
    ids = [await check(text, f"C{i}") for i, text in enumerate((
        "ACME Trading LLC email=j@acme-trading.ae site=acme-trading.ae country=AE phone=+97142345678",
        "Islamic Revolutionary Guard Corps country=IR",
        "深圳市华强电子有限公司 country=CN email=sales@qq.com",
    ))]
    with session(db_url) as s:
        levels = [s.get(Case, i).last_risk_level for i in ids]  # type: ignore[union-attr]
    assert "critical" in levels  # a listed name: its hit is known, not news
    for case_id in ids:
        due_now(db_url, case_id)
    assert (await monitor.tick())["jobs"] == 3
    assert outbox_rows(db_url) == [] and fake.sent == []
    assert await monitor.after_lists_update_async() == 0


# --- reminders ---------------------------------------------------------------------------------------------
async def test_undecided_approval_is_reminded_and_a_decided_one_is_not(db_url: str, watchlist, fake,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRADECHECK_APPROVAL_REMINDER_HOURS", "6")
    set_managers(monkeypatch, "fake:boss")
    reload_settings()
    fixtures = monitor.current()  # the monitor over the new settings (its runtime reads them when built)
    monitor.use(monitor.Monitor(Runtime(get_bot_settings()), fixtures.config, deliverers=fixtures.deliverers))
    waiting = await check("Tehran Goods Co country=IR", "C1")
    decided = await check("Damascus Trade LLC country=SY", "C2")
    for case_id in (waiting, decided):
        assert (await flows.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order, 40 ft container")).ok
    assert (await flows.perform_action(ActionKind.APPROVE, decided, BOSS, reason="known customer")).ok
    assert await monitor.tick(utcnow() + timedelta(hours=5)) == {"planned": 1, "jobs": 0, "sent": 0}
    result = await monitor.tick(utcnow() + timedelta(hours=7))
    assert result["jobs"] == 1
    await monitor.send_outbox()
    [(where, text)] = fake.sent
    assert where.channel == "C1" and f"#{waiting}" in text and "waiting for approval" in text and "Li Wei" in text
    pending = [j for j in job_rows(db_url, "approval_reminder") if j.status == "pending"]
    assert [j.dedup_key.rsplit(":", 1)[1] for j in pending] == ["2"]  # the next one, 6 h later
    reload_settings()


# --- delivery ------------------------------------------------------------------------------------------------
async def remind_once(db_url: str, channel: str = "C1") -> int:
    case_id = await check("Tehran Goods Co country=IR", channel)
    await flows.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order, 40 ft container")
    await monitor.tick(utcnow() + timedelta(hours=25))
    return case_id


async def test_a_failed_delivery_is_retried_with_backoff_and_kept(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    fake.failure = DeliveryFailed("fake: 503")
    await remind_once(db_url)
    [row] = outbox_rows(db_url)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "fake: 503")
    assert aware(row.next_attempt_at) > utcnow() + timedelta(seconds=10)  # type: ignore[operator]
    assert await monitor.send_outbox() == 0  # not yet
    fake.failure = DeliveryFailed("fake: 429", retry_after=90)
    await monitor.send_outbox(utcnow() + timedelta(seconds=20))
    [row] = outbox_rows(db_url)
    assert row.attempts == 2 and aware(row.next_attempt_at) > utcnow() + timedelta(seconds=80)  # type: ignore[operator]
    fake.failure = None
    assert await monitor.send_outbox(utcnow() + timedelta(minutes=2)) == 1
    assert len(fake.sent) == 1 and outbox_rows(db_url)[0].status == "sent"


async def test_a_permanent_failure_marks_the_conversation_dead(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    fake.failure = DeliveryFailed("fake: chat deleted", permanent=True)
    with session(db_url) as s:  # another message already waiting for the same chat
        outbox.enqueue(s, "other", platform="fake", channel="C1", text="older", due_at=utcnow() + timedelta(days=30))
        s.commit()
    case_id = await remind_once(db_url)
    rows = outbox_rows(db_url)
    assert [(r.status, r.last_error) for r in rows] == [("dead", "fake: chat deleted")] * 2
    with session(db_url) as s:
        links = s.exec(select(ConversationLink).where(ConversationLink.case_id == case_id)).all()
    assert links and all(link.dead for link in links)
    assert await monitor.send_outbox(utcnow() + timedelta(days=1)) == 0  # never retried


async def test_a_platform_without_a_deliverer_here_waits_for_a_process_that_has_one(db_url: str, watchlist) -> None:  # type: ignore[no-untyped-def]
    await remind_once(db_url)
    [row] = outbox_rows(db_url)
    assert (row.status, row.attempts) == ("pending", 0)


async def test_terminal_messages_are_shown_at_the_next_prompt_once(db_url: str, watchlist) -> None:  # type: ignore[no-untyped-def]
    outcome = await flows.run_check("Tehran Goods Co country=IR", flows.Actor("terminal", "li", "li"),
                                    flows.Conversation("terminal", "local", "terminal"), engine=monitor.current().config.engine)
    await flows.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, flows.Actor("terminal", "li", "li"), reason="first order, 40 ft container")  # type: ignore[union-attr]
    monitor.register_deliverer(monitor.TerminalDeliverer())
    try:
        await monitor.tick(utcnow() + timedelta(hours=25))
        assert outbox_rows(db_url)[0].status == "sent"
        [text] = monitor.pending_terminal_messages()
        assert "waiting for approval" in text
        assert monitor.pending_terminal_messages() == []
    finally:
        monitor.unregister_deliverer("terminal")


async def test_the_ticker_runs_due_work(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    case_id = await check("Tehran Goods Co country=IR", "C1")
    await flows.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order, 40 ft container")
    with session(db_url) as s:  # asked a day ago
        approval = s.exec(select(Approval)).one()
        approval.requested_at = utcnow() - timedelta(hours=25)
        s.add(approval)
        s.commit()
    scheduler = monitor.start_ticker(0.2)
    try:
        assert monitor.start_ticker(0.2) is scheduler
        for _ in range(100):
            if fake.sent:
                break
            await asyncio.sleep(0.05)
    finally:
        monitor.stop_ticker()
    assert len(fake.sent) == 1


async def test_a_tick_longer_than_the_interval_skips_beats_without_a_warning_each(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """APScheduler warns at every beat skipped while a tick runs: at a short interval an endless
    stream that filled the undrained stderr pipe of a worker and froze it (the 200-jobs test stalled)."""
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES

    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_tick(now=None):  # type: ignore[no-untyped-def]
        started.set()
        await release.wait()
        return {}

    skipped = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="apscheduler.scheduler")
    with own_monitor() as mon:
        monkeypatch.setattr(mon, "tick", slow_tick)
        scheduler = mon.start_ticker(0.02)
        try:
            scheduler.add_listener(lambda event: skipped.set(), EVENT_JOB_MAX_INSTANCES)
            await started.wait()
            await skipped.wait()  # APScheduler did skip a beat of the running tick
        finally:
            release.set()
            mon.stop_ticker()
    assert not [r for r in caplog.records if "maximum number of running instances" in r.getMessage()]


def test_the_terminal_chat_gets_reminders_from_a_ticker_thread(db_url: str, watchlist) -> None:  # type: ignore[no-untyped-def]
    li = flows.Actor("terminal", "li", "li")
    outcome = asyncio.run(flows.run_check("Tehran Goods Co country=IR", li, flows.Conversation("terminal", "local", "terminal"),
                                          engine=monitor.current().config.engine))
    asyncio.run(flows.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, li, reason="first order, 40 ft container"))  # type: ignore[union-attr]
    with session(db_url) as s:
        approval = s.exec(select(Approval)).one()
        approval.requested_at = utcnow() - timedelta(hours=25)
        s.add(approval)
        s.commit()
    monitor.register_deliverer(monitor.TerminalDeliverer())  # what the chat's start-up registers
    thread = monitor.start_ticker_thread(0.2)
    try:
        shown: list[str] = []
        deadline = time.monotonic() + 10
        while not shown and time.monotonic() < deadline:
            shown = monitor.pending_terminal_messages("terminal")
            time.sleep(0.05)
    finally:
        monitor.stop_ticker()
        monitor.unregister_deliverer("terminal")
    assert not thread.is_alive()
    assert len(shown) == 1 and "waiting for approval" in shown[0]


# --- list updates ------------------------------------------------------------------------------------------------
def small_screener(*names: tuple[str, str]):  # type: ignore[no-untyped-def]
    """A screener over a few listed organisations: the index and matcher the product uses."""
    from checks.screening.index import Index
    from checks.screening.matcher import Matcher
    from checks.screening.service import Screener
    from checks.watchlists.model import Entity, EntityType, ListInfo, Name

    entities = [Entity(source="us_ofac_sdn", source_id=source_id, type=EntityType.ORGANIZATION, names=[Name(name)],
                       programs=["SDGT"], countries=["AE"]) for source_id, name in names]
    info = ListInfo(source="us_ofac_sdn", as_of="2026-11-30", count=len(entities), origin="downloaded",
                    version="test-" + str(len(entities)))
    return Screener(Matcher(Index.build(entities)), [info], (info.version,), None)


OLD_LIST = (("900001", "GOLDEN HORIZON SHIPPING LLC"), ("900002", "NORTHWIND METALS TRADING FZE"))
NEW_LIST = OLD_LIST + (("990001", "ZEPHYR QUANTUM LOGISTICS FZE"),)


async def test_a_newly_listed_name_alerts_the_one_watched_case_that_matches(db_url: str, watchlist, fake) -> None:  # type: ignore[no-untyped-def]
    target = await check("Zephyr Quantum Logistics FZE country=AE email=ops@zephyrql.ae", "C-target")
    others = [await check(text, f"C-{i}") for i, text in enumerate((
        "Zephyr Textiles Co country=AE", "Quantum Logistics GmbH country=DE", "Blue Ocean Trading LLC country=AE"))]
    stopped = await check("Zephyr Quantum Logistics FZE country=OM", "C-stopped")
    await flows.perform_action(ActionKind.STOP_WATCHING, stopped, LI)

    assert await monitor.after_lists_update_async(small_screener(*OLD_LIST)) == 0
    assert await monitor.after_lists_update_async(small_screener(*NEW_LIST)) == 1
    [row] = outbox_rows(db_url)
    assert row.channel == "C-target" and f"#{target}" in row.text and "ZEPHYR QUANTUM LOGISTICS FZE" in row.text
    assert await monitor.send_outbox() == 1 and fake.sent[0][0].channel == "C-target"
    assert await monitor.after_lists_update_async(small_screener(*NEW_LIST)) == 0  # told once
    with session(db_url) as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "list_alert")).all()
    assert event.case_id == target and event.details["source_id"] == "990001"
    assert all(case_row(db_url, other).watching for other in others)
    # and the whole check runs again at once (level, status, approval), for that case only
    due = [j for j in job_rows(db_url, "recheck") if j.status == "pending" and aware(j.due_at) <= utcnow()]
    assert [j.case_id for j in due] == [target]

    # the next scheduled re-check does not announce the same hit again
    watchlist.entries["zephyr quantum logistics fze"] = {"source": "us_ofac_sdn", "source_id": "990001",
                                                         "listed_name": "ZEPHYR QUANTUM LOGISTICS FZE",
                                                         "name": "ZEPHYR QUANTUM LOGISTICS FZE"}
    due_now(db_url, target)
    await monitor.tick()
    texts = [r.text for r in outbox_rows(db_url)]
    assert len(texts) == 2 and "New sanctions match" not in texts[1] and "Risk went up" in texts[1]


# --- several processes ---------------------------------------------------------------------------------------------
def spawn(url: str, log: Path, marker: Path, *extra: str, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "MONITOR_FAKE_LOG": str(log),
                   "MONITOR_FAKE_MARKER": str(marker), **env}
    # stderr goes to a file, never to a pipe nobody drains: a full pipe freezes the worker mid-write
    with tempfile.NamedTemporaryFile("w", dir=log.parent, prefix="worker-", suffix=".stderr", delete=False) as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.monitor", "--worker", "--setup", "tests.bot.monitor_fake:setup", *extra],
            env=environment, cwd=log.parent, stdout=subprocess.DEVNULL, stderr=err, text=True,
        )
    process.stderr_path = err.name  # type: ignore[attr-defined]
    return process


def stderr_of(process: subprocess.Popen[str]) -> str:
    """The end of what a spawned worker wrote to stderr (for failure messages)."""
    return Path(process.stderr_path).read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]


def waiting_approvals(url: str, n: int, hours_ago: float, start: int = 0) -> None:
    """n cases with an approval nobody decided, each card posted in its own channel of the fake platform."""
    with session(url) as s:
        ws = s.exec(select(Workspace).where(Workspace.key == "local")).first()
        if ws is None:
            ws = Workspace(key="local", name="local")
            s.add(ws)
            s.flush()
        for i in range(start, start + n):
            case = Case(workspace_id=ws.id, name=f"Buyer {i} LLC", status=CaseStatus.PENDING_APPROVAL.value,  # type: ignore[arg-type]
                        last_risk_level="high")
            s.add(case)
            s.flush()
            s.add(Approval(case_id=case.id, requested_by="Li Wei", requested_at=utcnow() - timedelta(hours=hours_ago),  # type: ignore[arg-type]
                           risk_level="high"))
            s.add(ConversationLink(case_id=case.id, platform="fake", workspace="local", channel=f"c{i}",  # type: ignore[arg-type]
                                   message=f"card{i}"))
        s.commit()


def wait_for(predicate, timeout: float, processes: list[subprocess.Popen[str]] = ()) -> bool:  # type: ignore[no-untyped-def, assignment]
    """Wait for `predicate` at most `timeout` seconds: the wait below with no progress to extend it."""
    return wait_while_progressing(predicate, lambda: None, processes, stall=timeout)


def wait_while_progressing(predicate, progress, processes: list[subprocess.Popen[str]], stall: float = 120) -> bool:  # type: ignore[no-untyped-def]
    """Wait for `predicate` as long as `progress()` keeps changing: a busy machine is slow, not stuck;
    only `stall` seconds without any progress count as failure."""
    last, last_change = progress(), time.monotonic()
    while not predicate():
        now_progress = progress()
        if now_progress != last:
            last, last_change = now_progress, time.monotonic()
        elif time.monotonic() - last_change > stall:
            return False
        for process in processes:
            assert process.poll() is None, stderr_of(process)
        time.sleep(0.1)
    return True


def first_reminders(url: str) -> list[Job]:
    return [j for j in job_rows(url, "approval_reminder") if j.dedup_key.endswith(":1")]


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_200_jobs_each_seen_once_even_when_one_is_killed(pg_url: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.storage.support import _empty_postgres, use_database

    _empty_postgres(pg_url)
    use_database(monkeypatch, pg_url)
    waiting_approvals(pg_url, 200, hours_ago=30)
    assert monitor.plan_due_work() == 200
    log, marker_a, marker_c = tmp_path / "delivered.log", tmp_path / "a.hang", tmp_path / "c.hang"
    common = ("--interval", "0.1", "--lease", "2", "--batch", "5")
    a = spawn(pg_url, log, marker_a, *common, MONITOR_FAKE_HANG_JOB="12")
    b = spawn(pg_url, log, marker_b := tmp_path / "b.never", *common)
    processes = [a, b]
    try:
        assert wait_for(marker_a.exists, 300, processes), "process A never reached its 12th job"
        os.kill(a.pid, signal.SIGKILL)  # mid-run: it holds leases on claimed jobs
        a.wait()
        processes = [b]
        # a restarted process, killed in the middle of a delivery (before the platform got it)
        c = spawn(pg_url, log, marker_c, *common, MONITOR_FAKE_HANG_DELIVERY="3")
        processes.append(c)
        killed_c = wait_for(lambda: marker_c.exists() or len(delivered(log)) >= 200, 300, processes) and marker_c.exists()
        if killed_c:
            os.kill(c.pid, signal.SIGKILL)
            c.wait()
            processes.remove(c)

        def finished() -> bool:
            """Every job done and every message sent: nothing is claimable any more, so no duplicate
            can still be on its way (no need to wait and see)."""
            rows = outbox_rows(pg_url)
            return (len(delivered(log)) >= 200 and all(j.status == "done" for j in first_reminders(pg_url))
                    and len(rows) == 200 and all(r.status == "sent" for r in rows))

        def progress() -> tuple[int, tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
            """Deliveries, and the jobs' and messages' states and attempts: a retry waiting out its backoff
            is progress too, it changes a row."""
            return (len(delivered(log)), tuple((j.status, j.attempts) for j in first_reminders(pg_url)),
                    tuple((r.status, r.attempts) for r in outbox_rows(pg_url)))

        assert wait_while_progressing(finished, progress, processes), (
            f"{len(delivered(log))} of 200 delivered, nothing changed for 120 s; jobs "
            f"{sorted(Counter(j.status for j in first_reminders(pg_url)).items())}, messages "
            f"{sorted(Counter((r.status, r.attempts) for r in outbox_rows(pg_url)).items())}")
    finally:
        for process in (a, b, *processes):
            if process.poll() is None:
                process.terminate()
                process.wait(10)
    lines = delivered(log)
    channels = [channel for channel, _, _ in lines]
    assert len(lines) == 200 and sorted(set(channels)) == sorted(f"c{i}" for i in range(200))  # each exactly once
    assert len({pid for _, pid, _ in lines}) >= 2  # more than one process delivered
    jobs = first_reminders(pg_url)
    assert len(jobs) == 200 and all(j.status == "done" for j in jobs)
    assert any(j.attempts >= 2 for j in jobs)  # A's leases expired and were taken over
    rows = outbox_rows(pg_url)
    assert len(rows) == 200 and all(r.status == "sent" for r in rows)
    if killed_c:
        assert any(r.attempts >= 2 for r in rows)  # C's claimed messages were sent by another process
    assert not marker_b.exists()


@pytest.mark.slow
def test_a_restart_keeps_every_pending_reminder_and_runs_the_overdue_ones_once(db_url: str, tmp_path: Path) -> None:
    waiting_approvals(db_url, 3, hours_ago=30)  # overdue (reminder after 24 h)
    waiting_approvals(db_url, 3, hours_ago=2, start=3)  # due in 22 h
    log, marker = tmp_path / "delivered.log", tmp_path / "first.hang"
    first = spawn(db_url, log, marker, "--interval", "0.1", "--lease", "1", MONITOR_FAKE_HANG_JOB="1")
    try:
        assert wait_for(marker.exists, 30, [first])
        os.kill(first.pid, signal.SIGKILL)  # planned every reminder, claimed the overdue ones, then died
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    jobs = first_reminders(db_url)
    assert len(jobs) == 6 and delivered(log) == []
    assert sorted(j.status for j in jobs) == ["pending"] * 3 + ["running"] * 3  # the dead process's leases
    for _ in range(2):  # restart, and restart again: the overdue ones run once, the others wait
        restarted = spawn(db_url, log, tmp_path / "never", "--interval", "0.1", "--lease", "1", "--exit-when-idle")
        restarted.wait(timeout=120)
        assert restarted.returncode == 0, stderr_of(restarted)
    channels = sorted(channel for channel, _, _ in delivered(log))
    assert channels == ["c0", "c1", "c2"]
    jobs = first_reminders(db_url)
    waiting = [j for j in jobs if j.status == "pending"]
    assert len(waiting) == 3 and all(aware(j.due_at) > utcnow() + timedelta(hours=21) for j in waiting)  # type: ignore[operator]
    assert len([j for j in jobs if j.status == "done"]) == 3
    assert len([j for j in job_rows(db_url, "approval_reminder") if j.dedup_key.endswith(":2")]) == 3
