"""Plain values that storage takes and gives, without the database: importing them loads no SQLAlchemy,
so a dry-run check (`tradecheck check --no-store`) can name an actor without paying for the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Who:
    """The person acting, as storage needs it (the bot's Actor without the bot)."""

    platform: str
    user_id: str
    name: str = ""
    workspace: str = "local"

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def label(self) -> str:
        return self.name or self.user_id


SYSTEM = Who(platform="system", user_id="tradecheck", name="tradecheck")


@dataclass(frozen=True)
class TakenPrompt:
    """What a reason prompt was for: the action, its case and argument, and the card's message id."""

    kind: str
    case_id: int
    arg: str = ""
    card_message_id: str | None = None
