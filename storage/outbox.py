"""The outbox: every message the bot sends on its own (re-check results, reminders, list alerts).

A message is a row first, written in the same transaction as the work that decided to send it, with
a unique `dedup_key` (e.g. `recheck:12:2026-11-02:link7`): running that work again — another process
after a crash, a retry — inserts nothing new, so the person sees it once. Rows are never deleted.

Sending claims a few rows like jobs (`status='sending'`, `next_attempt_at` doubles as the lease, and
`attempts` as the fencing token); right before each send the lease is renewed by compare-and-set
(`renew`) and kept renewed while the platform answers, so a row whose lease was lost — another
sender claimed it while it waited in the batch — is never sent here; then it is marked `sent`. A
failure goes back to `pending` with exponential backoff (or the platform's Retry-After); a permanent
failure (bot blocked, channel gone) marks it `dead`; after `MAX_ATTEMPTS` it is `failed` and kept.

The one window left: a process that dies after the platform accepted a message and before `sent` is
committed. The lease then expires and another process sends it again (at-least-once): the person may
see that one message twice. Chat platforms offer no idempotency key for posting, so it cannot be closed
from here; it is milliseconds wide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from .cases import insert_ignore
from .db import Database, rowcount
from .leasing import claim_ids
from .models import Outbox, aware, id_of, utcnow

LEASE_SECONDS = 120.0
MAX_ATTEMPTS = 12
PENDING, SENDING, SENT, FAILED, DEAD, SHOWN = "pending", "sending", "sent", "failed", "dead", "shown"


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    dedup_key: str
    platform: str
    channel: str
    thread: str | None
    reply_to: str | None
    text: str
    card: dict[str, Any] | None
    attempts: int
    created_at: datetime | None = None
    lease_until: datetime | None = None  # as claimed: until then nobody else can claim the row


def enqueue(
    session: Session, dedup_key: str, *, platform: str, channel: str, text: str, thread: str | None = None,
    reply_to: str | None = None, card: dict[str, Any] | None = None, due_at: datetime | None = None,
) -> bool:
    """Add a message unless one with the same key exists (in the caller's transaction). True if added.

    `thread` and `reply_to` (kept in `message_id`: the card the message answers) rebuild the
    conversation: Slack posts in the thread, Telegram replies to the card.
    """
    now = utcnow()
    return insert_ignore(session, Outbox, {
        "dedup_key": dedup_key[:300], "platform": platform, "channel": channel, "thread": thread,
        "message_id": reply_to, "text": text,
        "card": card, "status": PENDING, "attempts": 0, "next_attempt_at": due_at or now, "created_at": now,
    }) == 1


def _claimable(now: datetime) -> Any:
    return or_(
        and_(col(Outbox.status) == PENDING, col(Outbox.next_attempt_at) <= now),
        and_(col(Outbox.status) == SENDING, col(Outbox.next_attempt_at) < now),  # the sender died
    )


def _message(row: Outbox) -> OutgoingMessage:
    return OutgoingMessage(id=id_of(row), dedup_key=row.dedup_key, platform=row.platform, channel=row.channel,
                           thread=row.thread, reply_to=row.message_id, text=row.text, card=row.card, attempts=row.attempts,
                           created_at=aware(row.created_at))


def claim(db: Database, platforms: Iterable[str], *, now: datetime | None = None, limit: int = 50,
          lease_seconds: float = LEASE_SECONDS) -> list[OutgoingMessage]:
    """Claim due messages for the platforms this process can deliver to (same scheme as jobs)."""
    platforms = list(platforms)
    if not platforms:
        return []
    now = now or utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    condition = and_(_claimable(now), col(Outbox.platform).in_(platforms))
    order = (col(Outbox.next_attempt_at), col(Outbox.id))
    with db.session() as session:
        ids = claim_ids(session, db.dialect, Outbox, condition, order, limit, _claimable(now),
                        {"status": SENDING, "next_attempt_at": lease})
        rows = list(session.exec(select(Outbox).where(col(Outbox.id).in_(ids)).order_by(col(Outbox.id)))) if ids else []
        session.commit()
    return [replace(_message(row), lease_until=lease) for row in rows]


def _held(message: OutgoingMessage) -> Any:
    return and_(col(Outbox.id) == message.id, col(Outbox.status) == SENDING, col(Outbox.attempts) == message.attempts)


def _set(db: Database, message: OutgoingMessage, **values: Any) -> bool:
    with db.session() as session:
        result = session.execute(update(Outbox).where(_held(message)).values(**values)
                                 .execution_options(synchronize_session=False))
        session.commit()
    return rowcount(result) == 1


def renew(db: Database, message: OutgoingMessage, lease_seconds: float = LEASE_SECONDS,
          now: datetime | None = None) -> bool:
    """Right before a send (and while it runs): extend the lease if it is still ours — compare-and-set
    on the fencing token. False: another sender claimed the row meanwhile; it must not be sent here.

    A row whose lease ran out but which nobody claimed yet is still ours (its `attempts` did not
    move), and renewing it makes it unclaimable again."""
    now = now or utcnow()
    return _set(db, message, next_attempt_at=now + timedelta(seconds=lease_seconds))


def surely_held(message: OutgoingMessage, lease_seconds: float, now: datetime | None = None) -> bool:
    """More than half of the claimed lease is left: nobody can have claimed the row, no need to ask."""
    now = now or utcnow()
    return message.lease_until is not None and message.lease_until - now > timedelta(seconds=lease_seconds / 2)


def mark_sent(db: Database, message: OutgoingMessage) -> bool:
    return _set(db, message, status=SENT, last_error=None)


def mark_retry(db: Database, message: OutgoingMessage, error: str, *, retry_after: float | None = None,
               now: datetime | None = None, max_attempts: int = MAX_ATTEMPTS) -> str | None:
    """Back to `pending` after a delay (Retry-After or exponential backoff); `failed` after max attempts."""
    now = now or utcnow()
    if message.attempts >= max_attempts:
        return FAILED if _set(db, message, status=FAILED, last_error=error[:4000]) else None
    delay = max(retry_after or 0.0, backoff(message.attempts))
    ok = _set(db, message, status=PENDING, next_attempt_at=now + timedelta(seconds=delay), last_error=error[:4000])
    return PENDING if ok else None


def mark_dead(db: Database, message: OutgoingMessage, error: str) -> bool:
    return _set(db, message, status=DEAD, last_error=error[:4000])


def bury_channel(db: Database, platform: str, channel: str, error: str) -> int:
    """The conversation is gone (bot blocked, channel deleted): its other waiting messages stop too."""
    with db.session() as session:
        result = session.execute(
            update(Outbox).where(col(Outbox.platform) == platform, col(Outbox.channel) == channel,
                                 col(Outbox.status) == PENDING).values(status=DEAD, last_error=error[:4000])
        )
        session.commit()
    return rowcount(result) or 0


def backoff(attempts: int, base: float = 15.0, cap: float = 3600.0) -> float:
    """15 s, 30 s, 1 min … at most an hour between tries."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


def take_for_reader(db: Database, platform: str, channel: str | None = None, limit: int = 50) -> list[OutgoingMessage]:
    """Messages a reader shows itself (the terminal chat at its next prompt), each to one reader once."""
    taken: list[OutgoingMessage] = []
    with db.session() as session:
        statement = select(Outbox).where(col(Outbox.platform) == platform, col(Outbox.status).in_([PENDING, SENT]))
        if channel is not None:
            statement = statement.where(col(Outbox.channel) == channel)
        for row in session.exec(statement.order_by(col(Outbox.id)).limit(limit)).all():
            result = session.execute(
                update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.status) == row.status,
                                     col(Outbox.attempts) == row.attempts).values(status=SHOWN)
            )
            if rowcount(result) == 1:
                taken.append(_message(row))
        session.commit()
    return taken


def counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
