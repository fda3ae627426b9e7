"""The monitor's questions to the database: which cases are watched, what is due, what was announced.

Only queries and updates; what to do with the answers (and the schedule's policy) is `bot/monitor/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, update
from sqlmodel import Session, col, select

from checks import lifecycle

from . import jobs as jobstore
from . import outbox
from .db import rowcount
from .models import Approval, AuditEvent, Case, CaseStatus, Job, Outbox, aware

NOT_WATCHED = tuple(sorted(lifecycle.NOT_WATCHED))
LIST_ALERT = "list_alert"


def _stopped(case_id: Any) -> Any:
    return exists().where(col(AuditEvent.case_id) == case_id, col(AuditEvent.action) == "watch_stopped")


def enroll(session: Session, now: datetime, due_for: Callable[[int, str | None, datetime], datetime]) -> int:
    """Checked cases nobody stopped watching (and not rejected or closed) start being watched, their
    first re-check on `due_for(case_id, level, last_checked_at)`. Returns how many were enrolled."""
    enrolled = 0
    rows = session.exec(
        select(Case.id, Case.last_risk_level, Case.last_checked_at).where(
            col(Case.watching).is_(False), col(Case.next_recheck_at).is_(None), col(Case.last_checked_at).is_not(None),
            col(Case.status).not_in(NOT_WATCHED), ~_stopped(Case.id),
        )
    ).all()
    for case_id, level, checked in rows:
        if case_id is None:  # a selected primary key never is; says so to the type checker
            continue
        due = due_for(case_id, level, aware(checked) or now)
        result = session.execute(
            update(Case).where(col(Case.id) == case_id, col(Case.watching).is_(False), col(Case.next_recheck_at).is_(None))
            .values(watching=True, next_recheck_at=due)
        )
        enrolled += rowcount(result) or 0
    return enrolled


def due_rechecks(session: Session, until: datetime) -> list[tuple[int, datetime]]:
    """(case, planned date) of every watched case whose re-check is due by `until`."""
    rows = session.exec(
        select(Case.id, Case.next_recheck_at).where(
            col(Case.watching).is_(True), col(Case.next_recheck_at).is_not(None), col(Case.next_recheck_at) <= until,
        )
    ).all()
    return [(case_id, aware(due)) for case_id, due in rows if case_id is not None and due is not None]


def undecided_approvals(session: Session) -> list[tuple[int, int, datetime]]:
    """(approval, case, asked at) of every approval nobody decided on a case still waiting for one."""
    rows = session.exec(
        select(Approval.id, Approval.case_id, Approval.requested_at)
        .join(Case, col(Case.id) == col(Approval.case_id))
        .where(col(Approval.decision).is_(None), col(Case.status) == CaseStatus.PENDING_APPROVAL.value)
    ).all()
    return [(approval_id, case_id, aware(asked)) for approval_id, case_id, asked in rows
            if approval_id is not None and asked is not None]


def set_next_recheck(session: Session, case_id: int, due: datetime) -> int:
    """Move a watched case's next re-check to `due` (nothing for a case not watched). Rows changed."""
    result = session.execute(update(Case).where(col(Case.id) == case_id, col(Case.watching).is_(True))
                             .values(next_recheck_at=due))
    return rowcount(result) or 0


def announced_hits(session: Session, case_id: int, since: datetime | None = None) -> set[str]:
    """`sanctions:<source>:<id>` of the list hits a list-update alert already told (since `since`)."""
    statement = select(AuditEvent.details).where(col(AuditEvent.case_id) == case_id, col(AuditEvent.action) == LIST_ALERT)
    if since is not None:
        statement = statement.where(col(AuditEvent.at) >= since)
    return {f"sanctions:{d.get('source', '')}:{d.get('source_id')}" for d in session.exec(statement).all()}


def watched_cases(session: Session) -> list[Case]:
    """Every watched case with a request to check again."""
    return list(session.exec(select(Case).where(col(Case.watching).is_(True), col(Case.last_request).is_not(None))))


@dataclass(frozen=True)
class Backlog:
    jobs: int  # running, or pending and due
    messages: int  # waiting to be sent (or being sent) on the given platforms


def backlog(session: Session, now: datetime, platforms: list[str], lease_seconds: float) -> Backlog:
    """What is due to run or send now (messages: of `platforms`, due within a lease from now)."""
    jobs = session.exec(select(func.count()).select_from(Job).where(or_(
        col(Job.status) == jobstore.RUNNING, and_(col(Job.status) == jobstore.PENDING, col(Job.due_at) <= now)))).one()
    messages = session.exec(select(func.count()).select_from(Outbox).where(
        col(Outbox.status).in_([outbox.PENDING, outbox.SENDING]), col(Outbox.platform).in_(platforms),
        col(Outbox.next_attempt_at) <= now + timedelta(seconds=lease_seconds))).one()
    return Backlog(int(jobs), int(messages))
