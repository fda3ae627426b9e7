"""What a job produces: messages for the case's conversations, written to the outbox together with
the job's completion (so a job run twice writes nothing twice)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import chatstate, outbox
from storage import jobs as jobstore
from storage.models import ConversationLink, aware


@dataclass
class Message:
    key: str
    platform: str
    channel: str
    text: str
    thread: str | None = None
    message: str | None = None  # the card replied to (Telegram reply, Slack thread parent)
    card: dict[str, Any] | None = None


@dataclass
class JobResult:
    """Effects written atomically with the job's completion (so a re-run writes nothing twice)."""

    messages: list[Message] = field(default_factory=list)
    note: str | None = None
    finalize: Callable[[Session], None] | None = None


JobHandler = Callable[[jobstore.ClaimedJob], Awaitable[JobResult]]


def conversations_of(session: Session, case_id: int) -> list[ConversationLink]:
    """One live conversation per (platform, channel): the latest card posted there."""
    latest: dict[tuple[str, str], ConversationLink] = {}
    for link in chatstate.links(session, case_id):
        latest[(link.platform, link.channel)] = link  # ordered by creation: the last one wins
    return list(latest.values())


def messages_for_case(session: Session, case_id: int, key: str, text: str,
                      card: dict[str, Any] | None = None) -> list[Message]:
    return [
        Message(key=f"{key}:{link.platform}:{link.channel}"[:300], platform=link.platform, channel=link.channel,
                text=text, thread=link.thread, message=link.message, card=card)
        for link in conversations_of(session, case_id)
    ]


def enqueue_message(session: Session, message: Message) -> bool:
    return outbox.enqueue(session, message.key, platform=message.platform, channel=message.channel, text=message.text,
                          thread=message.thread, reply_to=message.message, card=message.card)


def day(value: datetime | None) -> str:
    """The date of `value` (ISO), or "?"."""
    value = aware(value)
    return value.date().isoformat() if value else "?"
