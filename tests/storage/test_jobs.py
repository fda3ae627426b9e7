"""The job and outbox queues: claim with a lease, fencing by attempts, backoff, de-duplication.

Every test runs on SQLite (compare-and-set claims) and on PostgreSQL (FOR UPDATE SKIP LOCKED) when
TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import select

from storage import db as storage_db
from storage import jobs, outbox
from storage.models import Job, Outbox, aware, utcnow
from tests import databases

from .support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)


def database(url: str) -> storage_db.Database:
    return databases.get_database(url)


def add_jobs(url: str, n: int, *, due_in: float = -1.0, kind: str = "test") -> None:
    with database(url).session() as session:
        for i in range(n):
            jobs.enqueue(session, kind, f"{kind}:{i}", utcnow() + timedelta(seconds=due_in), payload={"i": i})
        session.commit()


def test_enqueue_is_idempotent_by_key(db_url: str) -> None:
    with database(db_url).session() as session:
        assert jobs.enqueue(session, "recheck", "recheck:1:2026-11-02", utcnow()) is True
        assert jobs.enqueue(session, "recheck", "recheck:1:2026-11-02", utcnow() + timedelta(days=1)) is False
        session.commit()
        assert len(session.exec(select(Job)).all()) == 1


def test_only_due_jobs_are_claimed_each_by_one_claimer(db_url: str) -> None:
    add_jobs(db_url, 5)
    add_jobs(db_url, 3, due_in=3600, kind="later")
    db = database(db_url)
    first = jobs.claim(db, limit=3)
    second = jobs.claim(db, limit=10)
    assert len(first) == 3 and len(second) == 2
    assert {j.id for j in first}.isdisjoint({j.id for j in second})
    assert all(j.kind == "test" and j.attempts == 1 for j in first + second)
    assert jobs.claim(db) == []
    with db.session() as session:
        assert jobs.counts(session) == {"running": 5, "pending": 3}


def test_an_expired_lease_is_claimed_again_and_fences_the_old_owner(db_url: str) -> None:
    add_jobs(db_url, 1)
    db = database(db_url)
    [old] = jobs.claim(db, lease_seconds=30)
    assert jobs.claim(db) == []  # leased
    [new] = jobs.claim(db, now=utcnow() + timedelta(seconds=31))  # the first owner died: its lease ran out
    assert new.id == old.id and new.attempts == 2
    with db.session() as session:
        assert jobs.complete(session, old) is False  # too late: the new owner decides
        session.commit()
    assert jobs.fail(db, old, "late") is None
    with db.session() as session:
        assert jobs.complete(session, new, note="ok") is True
        session.commit()
        row = session.exec(select(Job)).one()
        assert (row.status, row.attempts, row.lease_until, row.last_error) == ("done", 2, None, "ok")


def test_failure_backs_off_then_gives_up_and_keeps_the_row(db_url: str) -> None:
    add_jobs(db_url, 1)
    db = database(db_url)
    [job] = jobs.claim(db)
    assert jobs.fail(db, job, "RuntimeError: boom", max_attempts=2) == "pending"
    with db.session() as session:
        row = session.exec(select(Job)).one()
        assert aware(row.due_at) > utcnow() + timedelta(seconds=50) and row.last_error == "RuntimeError: boom"
    assert jobs.claim(db) == []  # not due yet
    [again] = jobs.claim(db, now=utcnow() + timedelta(minutes=5))
    assert jobs.fail(db, again, "boom again", max_attempts=2) == "failed"
    with db.session() as session:
        assert session.exec(select(Job.status)).one() == "failed"


def test_backoff_grows_and_is_capped() -> None:
    assert [jobs.backoff(n) for n in (1, 2, 3)] == [60, 120, 240]
    assert jobs.backoff(30) == 6 * 3600
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [15, 30, 60] and outbox.backoff(40) == 3600


def test_concurrent_claimers_never_share_a_job(db_url: str) -> None:
    add_jobs(db_url, 120)
    db = database(db_url)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            got = jobs.claim(db, limit=7)
            if not got:
                return
            with lock:
                claimed.extend(j.id for j in got)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 120 and len(set(claimed)) == 120


def test_pending_by_kind_and_case(db_url: str) -> None:
    """`pending` filters by kind and by case; a job that is done is not pending."""
    from storage.models import Case, Workspace

    db = database(db_url)
    with db.session() as session:
        workspace = Workspace(key="T-jobs")
        session.add(workspace)
        session.flush()
        one, two = Case(workspace_id=workspace.id, name="One"), Case(workspace_id=workspace.id, name="Two")
        session.add_all([one, two])
        session.flush()
        jobs.enqueue(session, "recheck", f"recheck:{one.id}:a", utcnow(), case_id=one.id)
        jobs.enqueue(session, "reminder", f"reminder:{one.id}:a", utcnow(), case_id=one.id)
        jobs.enqueue(session, "recheck", f"recheck:{two.id}:a", utcnow(), case_id=two.id)
        session.commit()
        assert {j.dedup_key for j in jobs.pending(session, kind="recheck")} == {f"recheck:{one.id}:a", f"recheck:{two.id}:a"}
        assert sorted(j.kind for j in jobs.pending(session, case_id=one.id)) == ["recheck", "reminder"]

        done = session.exec(select(Job).where(Job.dedup_key == f"recheck:{one.id}:a")).one()
        done.status = jobs.DONE
        session.commit()
        assert [j.dedup_key for j in jobs.pending(session, kind="recheck")] == [f"recheck:{two.id}:a"]
        assert [j.kind for j in jobs.pending(session, case_id=one.id)] == ["reminder"]  # another kind stays


# --- outbox ----------------------------------------------------------------------------------------
def add_message(url: str, key: str = "k1", platform: str = "slack") -> None:
    with database(url).session() as session:
        assert outbox.enqueue(session, key, platform=platform, channel="C1", text="hello", thread="1.2", reply_to="1.2")
        assert not outbox.enqueue(session, key, platform=platform, channel="C1", text="hello again")
        session.commit()


def test_outbox_claim_send_and_dedup(db_url: str) -> None:
    add_message(db_url)
    db = database(db_url)
    assert outbox.claim(db, ["telegram"]) == []  # only platforms this process can deliver to
    [message] = outbox.claim(db, ["slack"])
    assert (message.text, message.thread, message.reply_to, message.attempts) == ("hello", "1.2", "1.2", 1)
    assert outbox.claim(db, ["slack"]) == []
    assert outbox.mark_sent(db, message)
    with db.session() as session:
        row = session.exec(select(Outbox)).one()
        assert row.status == "sent" and row.text == "hello"


def test_outbox_retry_with_backoff_and_retry_after_then_failed(db_url: str) -> None:
    add_message(db_url)
    db = database(db_url)
    [message] = outbox.claim(db, ["slack"])
    assert outbox.mark_retry(db, message, "slack: ratelimited", retry_after=120) == "pending"
    with db.session() as session:
        row = session.exec(select(Outbox)).one()
        assert aware(row.next_attempt_at) > utcnow() + timedelta(seconds=110) and row.last_error == "slack: ratelimited"
    [again] = outbox.claim(db, ["slack"], now=utcnow() + timedelta(minutes=3))
    assert outbox.mark_retry(db, again, "down", max_attempts=2) == "failed"
    with db.session() as session:
        assert session.exec(select(Outbox.status)).one() == "failed"  # kept, never deleted


def test_outbox_sender_that_died_is_replaced_and_fenced(db_url: str) -> None:
    add_message(db_url)
    db = database(db_url)
    [first] = outbox.claim(db, ["slack"], lease_seconds=10)
    [second] = outbox.claim(db, ["slack"], now=utcnow() + timedelta(seconds=11))
    assert second.attempts == 2
    assert outbox.mark_sent(db, first) is False
    assert outbox.mark_dead(db, second, "channel_not_found")
    with db.session() as session:
        assert session.exec(select(Outbox.status)).one() == "dead"


def test_reader_takes_each_terminal_message_once(db_url: str) -> None:
    add_message(db_url, "t1", "terminal")
    add_message(db_url, "t2", "terminal")
    add_message(db_url, "s1", "slack")
    db = database(db_url)
    taken = outbox.take_for_reader(db, "terminal")
    assert [m.dedup_key for m in taken] == ["t1", "t2"]
    assert outbox.take_for_reader(db, "terminal") == []
