"""Monitor jobs that go wrong (issue 15, "not tested"): a handler that raises is retried with backoff
and finally kept as `failed`; a job whose lease is lost while it runs writes none of its effects;
a job that killed every process that took it (attempts used up) is given up without running."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import flows, monitor
from storage import jobs as jobstore
from storage import outbox
from storage.models import Job, utcnow
from tests.bot.monitor_fake import own_monitor
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

KIND = "test_job"


@pytest.fixture
def handler(db_url: str) -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"calls": 0, "raise": None, "steal": False}

    async def run(job: jobstore.ClaimedJob) -> monitor.JobResult:
        state["calls"] += 1
        if state["raise"] is not None:
            raise state["raise"]
        if state["steal"]:  # another process claims it meanwhile (our lease ran out)
            stolen = jobstore.claim(flows.ensure_database(), now=utcnow() + timedelta(hours=1), kinds=[KIND])
            assert [j.id for j in stolen] == [job.id]

        def finalize(session: Any) -> None:
            outbox.enqueue(session, f"{job.dedup_key}:msg", platform="fake", channel="C1", text="effect")

        return monitor.JobResult(note="ran", finalize=finalize)

    with own_monitor() as mon:
        mon.handlers.register(KIND, run)
        yield state


def _enqueue(key: str = "test:1") -> None:
    with flows.ensure_database().session() as session:
        assert jobstore.enqueue(session, KIND, key, utcnow() - timedelta(seconds=1))
        session.commit()


def _job() -> Job:
    with flows.ensure_database().session() as session:
        job = session.get(Job, 1)
        assert job is not None
        return job


def _messages() -> int:
    with flows.ensure_database().session() as session:
        return sum(outbox.counts(session).values())


async def test_a_raising_handler_is_retried_with_backoff_then_kept_as_failed(handler: dict[str, Any]) -> None:
    handler["raise"] = RuntimeError("registry down (token xoxb-1234567890-abcdefghijkl)")
    _enqueue()
    assert await monitor.run_jobs() == 0
    job = _job()
    assert (job.status, job.attempts) == (jobstore.PENDING, 1)
    assert job.last_error == "RuntimeError: registry down (token [redacted])"
    assert await monitor.run_jobs() == 0 and handler["calls"] == 1  # backing off: not due yet
    later = utcnow()
    for attempt in range(2, jobstore.MAX_ATTEMPTS + 1):
        later += timedelta(hours=7)  # past the longest backoff
        assert await monitor.run_jobs(now=later) == 0
        assert _job().attempts == attempt
    job = _job()
    assert job.status == jobstore.FAILED and handler["calls"] == jobstore.MAX_ATTEMPTS
    assert await monitor.run_jobs(now=later + timedelta(days=30)) == 0 and handler["calls"] == jobstore.MAX_ATTEMPTS
    assert _messages() == 0


async def test_a_job_whose_lease_is_lost_while_running_writes_none_of_its_effects(handler: dict[str, Any]) -> None:
    handler["steal"] = True
    _enqueue()
    assert await monitor.run_jobs() == 0  # ran, but could not complete: the new owner finishes it
    job = _job()
    assert (job.status, job.attempts) == (jobstore.RUNNING, 2)  # the thief's claim stands
    assert _messages() == 0  # the finalize (an outbox message) was not applied
    handler["steal"] = False
    assert await monitor.run_jobs(now=utcnow() + timedelta(hours=2)) == 1  # the lease ran out: run once more
    assert _job().status == jobstore.DONE and _messages() == 1


async def test_a_job_that_used_up_its_attempts_is_given_up_without_running(handler: dict[str, Any]) -> None:
    _enqueue()
    database = flows.ensure_database()
    when = utcnow()
    for _ in range(jobstore.MAX_ATTEMPTS):  # every process that took it died (lease ran out each time)
        assert len(jobstore.claim(database, now=when, kinds=[KIND], lease_seconds=60)) == 1
        when += timedelta(minutes=5)
    assert await monitor.run_jobs(now=when) == 0
    job = _job()
    assert job.status == jobstore.FAILED and "too many attempts" in (job.last_error or "")
    assert handler["calls"] == 0 and _messages() == 0
