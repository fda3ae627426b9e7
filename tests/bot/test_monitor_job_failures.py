"""Monitor jobs that go wrong (issue 15, "not tested"): a handler that raises is retried with backoff
and finally kept as `failed`; a job whose lease is lost while it runs writes none of its effects;
a job that killed every process that took it (attempts used up) is given up without running."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import monitor
from bot.app import Runtime
from storage import jobs as jobstore
from storage import outbox
from storage.models import Job, utcnow
from tests.bot.monitor_fake import own_monitor
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

KIND = "test_job"


@pytest.fixture
def runtime(db_url: str, runtime_factory: MakeRuntime) -> Runtime:
    """The test's runtime, over its database."""
    return runtime_factory()


@pytest.fixture
def mon(runtime: Runtime) -> Iterator[monitor.Monitor]:
    with own_monitor(runtime) as built:
        yield built


@pytest.fixture
def handler(runtime: Runtime, mon: monitor.Monitor) -> dict[str, Any]:
    """A job kind of the test's, registered in its monitor: counts its calls, raises or loses its lease on demand."""
    state: dict[str, Any] = {"calls": 0, "raise": None, "steal": False}

    async def run(job: jobstore.ClaimedJob) -> monitor.JobResult:
        state["calls"] += 1
        if state["raise"] is not None:
            raise state["raise"]
        if state["steal"]:  # another process claims it meanwhile (our lease ran out)
            stolen = jobstore.claim(runtime.ensure_database(), now=utcnow() + timedelta(hours=1), kinds=[KIND])
            assert [j.id for j in stolen] == [job.id]

        def finalize(session: Any) -> None:
            outbox.enqueue(session, f"{job.dedup_key}:msg", platform="fake", channel="C1", text="effect")

        return monitor.JobResult(note="ran", finalize=finalize)

    mon.handlers.register(KIND, run)
    return state


def _enqueue(runtime: Runtime, key: str = "test:1") -> None:
    with runtime.ensure_database().session() as session:
        assert jobstore.enqueue(session, KIND, key, utcnow() - timedelta(seconds=1))
        session.commit()


def _job(runtime: Runtime) -> Job:
    with runtime.ensure_database().session() as session:
        job = session.get(Job, 1)
        assert job is not None
        return job


def _messages(runtime: Runtime) -> int:
    with runtime.ensure_database().session() as session:
        return sum(outbox.counts(session).values())


async def test_a_raising_handler_is_retried_with_backoff_then_kept_as_failed(
        runtime: Runtime, mon: monitor.Monitor, handler: dict[str, Any]) -> None:
    handler["raise"] = RuntimeError("registry down (token xoxb-1234567890-abcdefghijkl)")
    _enqueue(runtime)
    assert await mon.run_jobs() == 0
    job = _job(runtime)
    assert (job.status, job.attempts) == (jobstore.PENDING, 1)
    assert job.last_error == "RuntimeError: registry down (token [redacted])"
    assert await mon.run_jobs() == 0 and handler["calls"] == 1  # backing off: not due yet
    later = utcnow()
    for attempt in range(2, jobstore.MAX_ATTEMPTS + 1):
        later += timedelta(hours=7)  # past the longest backoff
        assert await mon.run_jobs(now=later) == 0
        assert _job(runtime).attempts == attempt
    job = _job(runtime)
    assert job.status == jobstore.FAILED and handler["calls"] == jobstore.MAX_ATTEMPTS
    assert await mon.run_jobs(now=later + timedelta(days=30)) == 0 and handler["calls"] == jobstore.MAX_ATTEMPTS
    assert _messages(runtime) == 0


async def test_a_job_whose_lease_is_lost_while_running_writes_none_of_its_effects(
        runtime: Runtime, mon: monitor.Monitor, handler: dict[str, Any]) -> None:
    handler["steal"] = True
    _enqueue(runtime)
    assert await mon.run_jobs() == 0  # ran, but could not complete: the new owner finishes it
    job = _job(runtime)
    assert (job.status, job.attempts) == (jobstore.RUNNING, 2)  # the thief's claim stands
    assert _messages(runtime) == 0  # the finalize (an outbox message) was not applied
    handler["steal"] = False
    assert await mon.run_jobs(now=utcnow() + timedelta(hours=2)) == 1  # the lease ran out: run once more
    assert _job(runtime).status == jobstore.DONE and _messages(runtime) == 1


async def test_a_job_that_used_up_its_attempts_is_given_up_without_running(
        runtime: Runtime, mon: monitor.Monitor, handler: dict[str, Any]) -> None:
    _enqueue(runtime)
    database = runtime.ensure_database()
    when = utcnow()
    for _ in range(jobstore.MAX_ATTEMPTS):  # every process that took it died (lease ran out each time)
        assert len(jobstore.claim(database, now=when, kinds=[KIND], lease_seconds=60)) == 1
        when += timedelta(minutes=5)
    assert await mon.run_jobs(now=when) == 0
    job = _job(runtime)
    assert job.status == jobstore.FAILED and "too many attempts" in (job.last_error or "")
    assert handler["calls"] == 0 and _messages(runtime) == 0
