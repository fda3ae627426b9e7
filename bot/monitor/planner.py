"""What is due: turns watched cases' re-check dates and undecided approvals into job rows.

Every process may plan: each job has a de-duplication key (`recheck:<case>:<due date>`,
`remind:<approval>:<n>`), so the second insert of the same job is a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from storage import jobs as jobstore
from storage import watch
from storage.models import utcnow

from .config import RECHECK, REMINDER, recheck_days

if TYPE_CHECKING:
    from .service import Monitor


def enroll_watched_cases(monitor: Monitor, session: Session, now: datetime) -> int:
    """Checked cases nobody stopped watching get the policy's re-check date for their risk level."""
    policy = monitor.runtime.policy

    def due_for(case_id: int, level: str | None, checked: datetime) -> datetime:
        due = checked + timedelta(days=recheck_days(policy, level))
        if due < now:  # overdue already (first start of the monitor): spread over a day, not all at once
            due = now + timedelta(minutes=case_id % 1440)
        return due

    return watch.enroll(session, now, due_for)


def plan_due_work(monitor: Monitor, now: datetime | None = None) -> int:
    """Turn due re-checks and reminders into job rows (idempotent; any process may run it). Returns
    the number of jobs added."""
    now = now or utcnow()
    added = 0
    hours = monitor.reminder_hours()
    with monitor.database().session() as session:
        enroll_watched_cases(monitor, session, now)
        for case_id, due in watch.due_rechecks(session, now + monitor.config.recheck_horizon):
            added += jobstore.enqueue(session, RECHECK, jobstore.recheck_key(case_id, due), due, case_id=case_id)
        for approval_id, case_id, requested in watch.undecided_approvals(session):
            added += jobstore.enqueue(session, REMINDER, f"remind:{approval_id}:1", requested + timedelta(hours=hours),
                                      case_id=case_id, payload={"approval": approval_id, "n": 1})
        session.commit()
    return added


def queue_recheck_now(session: Session, case_id: int, now: datetime) -> bool:
    """Re-check a watched case at once (a list it may be on changed), not at its next date."""
    watch.set_next_recheck(session, case_id, now)
    return jobstore.enqueue(session, RECHECK, jobstore.recheck_key(case_id, now), now, case_id=case_id)


def idle(monitor: Monitor, now: datetime | None = None) -> bool:
    """Nothing due to run or send here (used by `--exit-when-idle`)."""
    with monitor.database().session() as session:
        backlog = watch.backlog(session, now or utcnow(), monitor.deliverers.platforms(),
                                monitor.config.outbox_lease_seconds)
    return backlog.jobs == 0 and backlog.messages == 0
