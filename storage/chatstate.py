"""What chat adapters need to remember between requests, kept in the database (several processes
may serve one bot): roles and languages of users, where cards were posted, pending "type your
reason" prompts, and the idempotency keys of deliveries already processed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from checks import lifecycle

from . import audit
from .cases import Who, find_user, insert_ignore, user
from .db import rowcount
from .models import (
    AuditEvent,
    ConversationLink,
    PendingPrompt,
    ProcessedDelivery,
    Role,
    aware,
    utcnow,
)
from .values import TakenPrompt

ROLES = tuple(role.value for role in Role)
PROMPT_TTL = timedelta(hours=24)


def configured_managers(setting: str) -> set[str]:
    """`MANAGERS=slack:U123,telegram:456` → {"slack:U123", "telegram:456"}."""
    return {part.strip() for part in setting.replace(";", ",").split(",") if ":" in part.strip()}


def effective_role(session: Session, platform: str, user_id: str, managers_setting: str = "",
                   compliance_setting: str = "") -> str:
    """A role an admin set with `roles set` wins (it can also demote someone in MANAGERS); otherwise the
    stronger of the stored role and the MANAGERS / COMPLIANCE settings (the bot's, given by the caller)."""
    key = f"{platform}:{user_id}"
    found = find_user(session, platform, user_id)
    if found is not None and _set_by_admin(session, key):
        return lifecycle.effective_role(found.role, set_by_admin=True, compliance_listed=False,
                                        manager_listed=False)
    return lifecycle.effective_role(found.role if found else None, set_by_admin=False,
                                    compliance_listed=key in configured_managers(compliance_setting),
                                    manager_listed=key in configured_managers(managers_setting))


def _set_by_admin(session: Session, key: str) -> bool:
    events = session.exec(select(AuditEvent.details).where(AuditEvent.action == "role_changed")).all()
    return any(isinstance(details, dict) and details.get("user") == key for details in events)


def set_role(session: Session, platform: str, user_id: str, role: str, by: Who) -> tuple[str, str]:
    """Change a role (audited). Returns (old, new)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    person = user(session, Who(platform=platform, user_id=user_id))
    old = person.role
    person.role = role
    person.updated_at = utcnow()
    session.add(person)
    audit.record(session, "role_changed", actor=by.key, actor_name=by.label,
                 details={"user": f"{platform}:{user_id}", "from": old, "to": role})
    return old, role


def get_lang(session: Session, platform: str, user_id: str) -> str | None:
    found = find_user(session, platform, user_id)
    return found.lang if found else None


def set_lang(session: Session, who: Who, lang: str) -> None:
    person = user(session, who)
    person.lang = lang
    person.updated_at = utcnow()
    session.add(person)


def link(session: Session, case_id: int, platform: str, workspace: str, channel: str,
         thread: str | None, message: str | None) -> None:
    exists = session.exec(select(ConversationLink).where(
        ConversationLink.case_id == case_id, ConversationLink.platform == platform,
        ConversationLink.channel == channel, ConversationLink.message == message,
    )).first()
    if exists is None:
        session.add(ConversationLink(case_id=case_id, platform=platform, workspace=workspace, channel=channel,
                                     thread=thread, message=message))
    elif exists.dead:
        exists.dead = False
        session.add(exists)


def links(session: Session, case_id: int, include_dead: bool = False) -> list[ConversationLink]:
    statement = select(ConversationLink).where(ConversationLink.case_id == case_id)
    if not include_dead:
        statement = statement.where(col(ConversationLink.dead).is_(False))
    return list(session.exec(statement.order_by(col(ConversationLink.created_at))))


def mark_dead(session: Session, platform: str, channel: str) -> int:
    result = session.execute(
        update(ConversationLink).where(col(ConversationLink.platform) == platform, col(ConversationLink.channel) == channel)
        .values(dead=True)
    )
    return rowcount(result) or 0


def save_prompt(session: Session, platform: str, chat: str, prompt_message_id: str, kind: str, case_id: int,
                actor: str, arg: str = "", card_message_id: str | None = None) -> None:
    now = utcnow()
    session.execute(delete(PendingPrompt).where(col(PendingPrompt.expires_at) < now))
    insert_ignore(session, PendingPrompt, {
        "platform": platform, "chat": chat, "prompt_message_id": prompt_message_id, "kind": kind,
        "case_id": case_id, "arg": arg[:300], "card_message_id": card_message_id, "actor": actor,
        "created_at": now, "expires_at": now + PROMPT_TTL,
    })


def take_prompt(session: Session, platform: str, chat: str, prompt_message_id: str, actor: str) -> TakenPrompt | None:
    """What the prompt was for, once: the row is removed by whoever takes it first."""
    prompt = session.exec(select(PendingPrompt).where(
        PendingPrompt.platform == platform, PendingPrompt.chat == chat,
        PendingPrompt.prompt_message_id == prompt_message_id,
    )).first()
    if prompt is None or prompt.actor != actor or aware(prompt.expires_at) < utcnow():
        return None
    result = session.execute(delete(PendingPrompt).where(col(PendingPrompt.id) == prompt.id))
    if rowcount(result) != 1:  # another process took it
        return None
    return TakenPrompt(prompt.kind, prompt.case_id, prompt.arg or "", prompt.card_message_id)


DELIVERY_KEEP = timedelta(days=7)  # Slack retries within minutes, Telegram within a day


def first_delivery(session: Session, platform: str, key: str) -> bool:
    """True the first time this key is seen; keys older than a week are forgotten now and then."""
    now = utcnow()
    if random.random() < 0.01:  # noqa: S311 - sampling when to prune, not a secret
        session.execute(delete(ProcessedDelivery).where(col(ProcessedDelivery.at) < now - DELIVERY_KEEP))
    return insert_ignore(session, ProcessedDelivery, {"platform": platform, "key": key[:300], "at": now}) == 1


# --- delivery claims: a lease until the work is recorded --------------------------------------------
CLAIMED, DONE, BUSY = "claimed", "done", "busy"
DELIVERY_LEASE = timedelta(seconds=5)  # what happens before Slack's 3 s ack, with room to spare


@dataclass(frozen=True)
class DeliveryClaim:
    """`claimed`: this caller owns the delivery (`owner` is its token) until `lease_until`;
    `done`: its work is recorded (handled, or a durable job exists); `busy`: another live claim."""

    state: str
    owner: str | None = None
    lease_until: datetime | None = None


def claim_delivery(session: Session, platform: str, key: str, *, lease: timedelta = DELIVERY_LEASE,
                   now: datetime | None = None) -> DeliveryClaim:
    """Claim a delivery for a short lease. A claim whose owner never made it final (the process died
    before recording the work) can be taken over once its lease ran out: Slack's retry then does
    the work instead of being dropped as a duplicate."""
    now = now or utcnow()
    owner = uuid.uuid4().hex[:16]
    key = key[:300]
    until = now + lease
    if random.random() < 0.01:  # noqa: S311 - sampling when to prune, not a secret
        session.execute(delete(ProcessedDelivery).where(col(ProcessedDelivery.at) < now - DELIVERY_KEEP,
                                                        col(ProcessedDelivery.lease_until).is_(None)))
    if insert_ignore(session, ProcessedDelivery, {"platform": platform, "key": key, "at": now,
                                                  "lease_until": until, "owner": owner}) == 1:
        return DeliveryClaim(CLAIMED, owner, until)
    row = session.exec(select(ProcessedDelivery).where(
        ProcessedDelivery.platform == platform, ProcessedDelivery.key == key)).first()
    if row is None or row.lease_until is None:
        return DeliveryClaim(DONE)
    held = aware(row.lease_until)
    if held is not None and held > now:
        return DeliveryClaim(BUSY, None, held)
    result = session.execute(
        update(ProcessedDelivery).where(
            col(ProcessedDelivery.id) == row.id, col(ProcessedDelivery.owner) == row.owner,
            col(ProcessedDelivery.lease_until).is_not(None), col(ProcessedDelivery.lease_until) <= now,
        ).values(owner=owner, lease_until=until)
    )
    if rowcount(result) == 1:
        return DeliveryClaim(CLAIMED, owner, until)
    return DeliveryClaim(BUSY)


def finish_delivery(session: Session, platform: str, key: str, owner: str) -> bool:
    """Make the claim final (in the transaction that records the work). False: the claim was lost
    (its lease ran out and another process took the delivery over) — the caller must not go on."""
    result = session.execute(
        update(ProcessedDelivery).where(
            col(ProcessedDelivery.platform) == platform, col(ProcessedDelivery.key) == key[:300],
            col(ProcessedDelivery.owner) == owner, col(ProcessedDelivery.lease_until).is_not(None),
        ).values(lease_until=None)
    )
    return rowcount(result) == 1
