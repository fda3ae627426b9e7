"""The values the application layer hands to adapters and takes from them (platform-neutral)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from checks.models import Report
from checks.request import CheckRequest
from storage.values import TakenPrompt, Who  # plain values: no SQLAlchemy for a dry-run check

from ..card import Card, CaseInfo

# Who did something: a user of one platform in one workspace (team). The same value storage records.
Actor = Who

# What a "type your reason" prompt was for: the button (an ActionKind), its case and argument, and its card.
Prompt = TakenPrompt


@dataclass(frozen=True)
class Conversation:
    """Where a card lives, so that later messages (decisions, re-checks) reach the same place."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None
    message: str | None = None


class CheckOutcome(BaseModel):
    """A finished check: what was asked, the report, its card and (when stored) the case behind it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    request: CheckRequest
    report: Report
    card: Card
    case: CaseInfo | None = None


class Attachment(BaseModel):
    """A file an action hands to the adapter (the evidence pack): Slack uploads it, Telegram sends it."""

    filename: str
    content: bytes
    mime: str
    caption: str = ""
    lang: str = "en"


class ActionResult(BaseModel):
    """What a button press (or `/open N`) did, for the adapter to show."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    ok: bool
    message: str
    card: Card | None = None
    case_id: int | None = None
    needs_reason: bool = False
    needs_confirm: bool = False
    prompt: str = ""  # what the reason prompt is for: an ActionKind value, or approve_stop
    announce: str | None = None
    attachment: Attachment | None = None


class Permission(BaseModel):
    """May this person press this button on this case now? `why` is the refusal, in their language."""

    allowed: bool
    why: str = ""
