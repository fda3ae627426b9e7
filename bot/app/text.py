"""Small wording helpers the services share (dates and level names as the user reads them)."""

from __future__ import annotations

from datetime import datetime

from checks import lifecycle
from checks.i18n import t
from storage.values import aware  # not storage.models: no ORM for a dry-run check


def date_text(value: datetime | None) -> str:
    value = aware(value)
    return value.strftime("%Y-%m-%d") if value else "?"


def level_name(level: str | None, lang: str) -> str:
    return t(f"level.{level}", lang) if level in lifecycle.LEVELS else "?"
