"""Platform-neutral use cases: every adapter (terminal, Slack, Telegram) calls these and renders.

The only place that combines `checks/` (the engine) and `storage/` (the team's memory).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from checks.config import get_settings
from checks.engine import Engine, ProgressCallback
from checks.i18n import normalize_lang, t
from checks.models import Report
from checks.registry import build_engine
from checks.request import CheckRequest, RequestError, parse

from .card import Card, CaseInfo, build_card

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who did something: a user of one platform in one workspace (team)."""

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


@dataclass(frozen=True)
class Conversation:
    """Where a card lives, so that later messages (decisions, re-checks) reach the same place."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None
    message: str | None = None


class CheckOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    request: CheckRequest
    report: Report
    card: Card
    case: CaseInfo | None = None


@lru_cache(maxsize=4)
def _engine(offline: bool) -> Engine:
    return build_engine(offline=offline)


def get_engine(offline: bool | None = None) -> Engine:
    """One engine per process (its indexes are built once)."""
    return _engine(get_settings().offline if offline is None else offline)


def default_lang() -> str:
    return normalize_lang(get_settings().tradecheck_lang)


def describe_error(error: RequestError, lang: str) -> str:
    """A bad request, explained in the user's language with an example."""
    return t(error.key, lang, **error.params) + "\n" + t("request.example", lang)


def parse_request(text: str, lang: str | None = None) -> CheckRequest:
    request = parse(text, default_lang=lang or default_lang())
    request.lang = normalize_lang(request.lang)
    return request


def describe_request(request: CheckRequest) -> list[str]:
    """What the parser understood, shown before the card (paste mode, ignored keys)."""
    lang = request.lang or "en"
    lines: list[str] = []
    if request.pasted and request.extracted:
        found = "; ".join(f"{key}: {', '.join(values)}" for key, values in request.extracted.items())
        lines.append(t("request.extracted", lang) + " — " + found)
    if request.ignored:
        lines.append(t("request.ignored", lang, keys=", ".join(request.ignored)))
    if request.country_input:
        lines.append(t("request.country_unknown", lang, country=request.country_input))
    return lines


async def run_check(
    text: str | CheckRequest,
    actor: Actor,
    conversation: Conversation | None = None,
    *,
    lang: str | None = None,
    store: bool = True,
    engine: Engine | None = None,
    on_progress: ProgressCallback | None = None,
) -> CheckOutcome:
    """Parse, run every source, and build the card. Raises RequestError for bad input."""
    request = text if isinstance(text, CheckRequest) else parse_request(text, lang)
    engine = engine or get_engine()
    report = await engine.run(request, on_progress=on_progress)
    return CheckOutcome(request=request, report=report, card=build_card(report))
