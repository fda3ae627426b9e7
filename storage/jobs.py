"""The job table as a work queue shared by every bot process: enqueue, claim with a lease, complete.

Why not APScheduler's job store: two schedulers sharing one store run jobs twice or lose them. Here a
process *claims* a due row before it runs it:

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then the claimed rows are marked `running` in the
  same transaction, so two processes never pick the same row and never wait on each other;
- SQLite (no row locks): a compare-and-set `UPDATE job SET status='running' … WHERE id=? AND
  attempts=? AND <still claimable>` whose row count says who won.

A claim sets `lease_until`. A process that dies (SIGKILL, power cut) leaves `running` rows whose lease
runs out; any process then claims them again. `attempts` goes up by one at every claim and is the
fencing token: `complete` and `fail` only touch a row whose `attempts` is still the one the caller
claimed, so a process that lost its lease (too slow, not dead) cannot overwrite the new owner's
outcome. The result is at-least-once execution; handlers make their effects idempotent (outbox
de-duplication keys) so that people see each message once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from .cases import insert_ignore
from .db import Database, rowcount
from .leasing import claim_ids
from .models import Job, aware, id_of, utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 300.0
MAX_ATTEMPTS = 5
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


@dataclass(frozen=True)
class ClaimedJob:
    """A job this process holds the lease of (`attempts` is the fencing token)."""

    id: int
    kind: str
    case_id: int | None
    due_at: datetime
    attempts: int
    dedup_key: str
    payload: dict[str, Any] = field(default_factory=dict)
    lease_until: datetime | None = None


def recheck_key(case_id: int | None, due: datetime) -> str:
    """One re-check of a case per day: planned, chosen by a person or forced by a list update alike."""
    return f"recheck:{case_id}:{due.date().isoformat()}"


def enqueue(
    session: Session, kind: str, dedup_key: str, due_at: datetime, *,
    case_id: int | None = None, payload: dict[str, Any] | None = None,
) -> bool:
    """Add a job unless one with the same key exists (in the caller's transaction). True if added."""
    return insert_ignore(session, Job, {
        "kind": kind, "case_id": case_id, "due_at": due_at, "status": PENDING, "attempts": 0,
        "dedup_key": dedup_key[:300], "payload": payload or {}, "created_at": utcnow(),
    }) == 1


def enqueue_claimed(session: Session, kind: str, dedup_key: str, *, lease_seconds: float,
                    payload: dict[str, Any] | None = None, case_id: int | None = None,
                    now: datetime | None = None) -> ClaimedJob | None:
    """Record work that this process starts at once, already leased to it (in the caller's
    transaction). If the process dies, the lease runs out and any process's claimer finishes the
    work. None when a job with this key exists (someone else recorded it first)."""
    now = now or utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    key = dedup_key[:300]
    if insert_ignore(session, Job, {
        "kind": kind, "case_id": case_id, "due_at": now, "status": RUNNING, "attempts": 1, "lease_until": lease,
        "dedup_key": key, "payload": payload or {}, "created_at": now,
    }) != 1:
        return None
    row = session.exec(select(Job).where(Job.dedup_key == key)).one()
    return ClaimedJob(id=id_of(row), kind=kind, case_id=case_id, due_at=now, attempts=1, dedup_key=key,
                      payload=dict(payload or {}), lease_until=lease)


def by_key(session: Session, dedup_key: str) -> Job | None:
    return session.exec(select(Job).where(Job.dedup_key == dedup_key[:300])).first()


def claim_one(db: Database, dedup_key: str, *, lease_seconds: float = LEASE_SECONDS,
              now: datetime | None = None) -> ClaimedJob | None:
    """Claim this one job now if it is claimable (due, or its owner's lease ran out)."""
    now = now or utcnow()
    with db.session() as session:
        row = by_key(session, dedup_key)
        if row is None:
            return None
        result = session.execute(
            update(Job).where(col(Job.id) == row.id, col(Job.attempts) == row.attempts, _claimable(now))
            .values(status=RUNNING, lease_until=now + timedelta(seconds=lease_seconds), attempts=row.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            session.rollback()
            return None
        session.commit()
        return ClaimedJob(id=id_of(row), kind=row.kind, case_id=row.case_id, due_at=aware(row.due_at),
                          attempts=row.attempts + 1, dedup_key=row.dedup_key, payload=dict(row.payload or {}),
                          lease_until=now + timedelta(seconds=lease_seconds))


def _claimable(now: datetime) -> Any:
    return or_(
        and_(col(Job.status) == PENDING, col(Job.due_at) <= now),
        and_(col(Job.status) == RUNNING, col(Job.lease_until) < now),
    )


def claim(
    db: Database, *, now: datetime | None = None, limit: int = 20, lease_seconds: float = LEASE_SECONDS,
    kinds: Iterable[str] | None = None,
) -> list[ClaimedJob]:
    """Claim up to `limit` due jobs (and jobs whose lease ran out), oldest first."""
    now = now or utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    condition = _claimable(now)
    if kinds is not None:
        condition = and_(condition, col(Job.kind).in_(list(kinds)))
    order = (col(Job.due_at), col(Job.id))
    with db.session() as session:
        ids = claim_ids(session, db.dialect, Job, condition, order, limit, _claimable(now),
                        {"status": RUNNING, "lease_until": lease})
        rows = list(session.exec(select(Job).where(col(Job.id).in_(ids)).order_by(*order))) if ids else []
        session.commit()
    return [
        ClaimedJob(id=id_of(row), kind=row.kind, case_id=row.case_id, due_at=aware(row.due_at),
                   attempts=row.attempts, dedup_key=row.dedup_key, payload=dict(row.payload or {}),
                   lease_until=aware(row.lease_until))
        for row in rows
    ]


def _held(job: ClaimedJob) -> Any:
    return and_(col(Job.id) == job.id, col(Job.status) == RUNNING, col(Job.attempts) == job.attempts)


def complete(session: Session, job: ClaimedJob, *, note: str | None = None) -> bool:
    """Mark done in the caller's transaction (with the job's effects). False: the lease was lost."""
    result = session.execute(update(Job).where(_held(job)).values(status=DONE, lease_until=None, last_error=note))
    return rowcount(result) == 1


def fail(db: Database, job: ClaimedJob, error: str, *, now: datetime | None = None,
         retry_in: float | None = None, max_attempts: int = MAX_ATTEMPTS) -> str | None:
    """Give the job back for a later try (exponential backoff), or `failed` after `max_attempts`.

    Returns the new status, or None when the lease was lost meanwhile (the new owner decides).
    """
    now = now or utcnow()
    final = job.attempts >= max_attempts
    delay = retry_in if retry_in is not None else backoff(job.attempts)
    values: dict[str, Any] = {"status": FAILED if final else PENDING, "lease_until": None, "last_error": error[:4000]}
    if not final:
        values["due_at"] = now + timedelta(seconds=delay)
    with db.session() as session:
        result = session.execute(update(Job).where(_held(job)).values(**values))
        session.commit()
    return values["status"] if rowcount(result) == 1 else None


def backoff(attempts: int, base: float = 60.0, cap: float = 6 * 3600.0) -> float:
    """60 s, 2 min, 4 min … at most 6 h."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


def set_payload(db: Database, job: ClaimedJob, payload: dict[str, Any]) -> bool:
    """Save what a later attempt must know (e.g. the baseline of a re-check), while holding the lease."""
    with db.session() as session:
        result = session.execute(update(Job).where(_held(job)).values(payload=payload))
        session.commit()
    return rowcount(result) == 1


def extend_lease(db: Database, job: ClaimedJob, seconds: float = LEASE_SECONDS) -> bool:
    with db.session() as session:
        result = session.execute(update(Job).where(_held(job)).values(lease_until=utcnow() + timedelta(seconds=seconds)))
        session.commit()
    return rowcount(result) == 1


def counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(Job.status, func.count()).group_by(Job.status)).all())


def pending(session: Session, *, kind: str | None = None, case_id: int | None = None) -> list[Job]:
    statement = select(Job).where(col(Job.status).in_([PENDING, RUNNING]))
    if kind:
        statement = statement.where(Job.kind == kind)
    if case_id is not None:
        statement = statement.where(Job.case_id == case_id)
    return list(session.exec(statement.order_by(col(Job.due_at), col(Job.id))))
