"""Running due jobs: claim a batch, keep each one's lease, call its kind's handler, and write the
handler's effects in the same transaction that completes the job (or retry it with backoff)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from storage import jobs as jobstore

from ..logs import redact
from .messages import JobHandler, JobResult

if TYPE_CHECKING:
    from .service import Monitor

log = logging.getLogger(__name__)


class JobHandlers:
    """The handler of each job kind this process runs (only these kinds are claimed)."""

    def __init__(self) -> None:
        self._by_kind: dict[str, JobHandler] = {}

    def register(self, kind: str, handler: JobHandler) -> None:
        self._by_kind[kind] = handler

    def unregister(self, kind: str) -> JobHandler | None:
        return self._by_kind.pop(kind, None)

    def get(self, kind: str) -> JobHandler | None:
        return self._by_kind.get(kind)

    def kinds(self) -> list[str]:
        return list(self._by_kind)

    def __getitem__(self, kind: str) -> JobHandler:
        return self._by_kind[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind


def _complete(monitor: Monitor, job: jobstore.ClaimedJob, result: JobResult) -> bool:
    with monitor.database().session() as session:
        if not jobstore.complete(session, job, note=result.note):
            session.rollback()
            log.warning("job %s: lease lost before completion; the new owner finishes it", job.dedup_key)
            return False
        if result.finalize is not None:
            result.finalize(session)
        session.commit()
    return True


async def run_job(monitor: Monitor, job: jobstore.ClaimedJob) -> bool:
    """Run one claimed job; True when it completed (its effects written)."""
    handler = monitor.handlers.get(job.kind)
    db = monitor.database()
    if handler is None:
        await asyncio.to_thread(jobstore.fail, db, job, f"no handler for job kind {job.kind!r}", max_attempts=1)
        return False
    if job.attempts > jobstore.MAX_ATTEMPTS:
        await asyncio.to_thread(jobstore.fail, db, job, "too many attempts (lease expired each time)", max_attempts=1)
        return False
    # jobs of a batch run one after the other: renew the lease so that the last ones are still ours
    if not await asyncio.to_thread(jobstore.extend_lease, db, job, monitor.config.job_lease_seconds):
        log.info("job %s: lease lost while waiting in the batch; another process has it", job.dedup_key)
        return False
    try:
        result = await handler(job)
        return await asyncio.to_thread(_complete, monitor, job, result)
    except Exception as error:  # one bad job must not stop the others; it is retried with backoff
        log.exception("job %s failed", job.dedup_key)
        await asyncio.to_thread(jobstore.fail, db, job, redact(f"{type(error).__name__}: {error}"))
        return False


async def run_jobs(monitor: Monitor, now: datetime | None = None, limit: int | None = None) -> int:
    """Claim due jobs and run them one after the other. Returns how many completed."""
    db = await asyncio.to_thread(monitor.database)
    claimed = await asyncio.to_thread(jobstore.claim, db, now=now, limit=limit or monitor.config.batch,
                                      lease_seconds=monitor.config.job_lease_seconds, kinds=monitor.handlers.kinds())
    done = 0
    for job in claimed:
        done += await run_job(monitor, job)
    return done
