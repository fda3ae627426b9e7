"""App Home: how to use the bot, the person's open cases, what waits for a manager, the language.

The lists come from the application layer (`runtime.history.open_cases`); this module only renders
them. If the database cannot answer, the Home tab still opens and says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from checks.i18n import t
from checks.lifecycle import DECISIONS, may_decide

from ..app.history import CaseSummary, queue_order
from ..app.types import Actor
from ..card import LEVEL_ICON
from ..render.slack import LANG_ACTION, MAX_TEXT, MAX_VIEW_BLOCKS, mrkdwn, shorten

if TYPE_CHECKING:
    from ..app.runtime import Runtime

log = logging.getLogger(__name__)

__all__ = ["HomeCase", "home_view", "publish_home", "queue_order"]

PLATFORM = "slack"


@dataclass
class HomeCase:
    id: int
    name: str
    status: str
    level: str | None
    checked: str
    decision: str | None = None
    requested_by: str = ""
    waiting_hours: float = 0.0
    link: str = ""


def home_case(case: CaseSummary) -> HomeCase:
    """A case row as Home shows it: the check's date, and a link to the case's last Slack card."""
    checked = case.checked.strftime("%Y-%m-%d") if case.checked else ""
    posted = [card for card in case.cards if card.platform == PLATFORM and card.message]
    link = ""
    if posted:  # the card's message: a permalink Slack resolves in the reader's workspace
        message = posted[-1].message or ""
        link = f"https://slack.com/archives/{posted[-1].channel}/p{message.replace('.', '')}"
    return HomeCase(id=case.id, name=case.name, status=case.status, level=case.level, checked=checked,
                    decision=case.decision, requested_by=case.requested_by, waiting_hours=case.waiting_hours, link=link)


def _lines(cases: list[HomeCase], lang: str, queue: bool = False) -> str:
    rows = []
    for case in cases:
        icon = LEVEL_ICON.get(case.level, "•") if case.level else "•"  # type: ignore[call-overload]
        if queue and case.decision in DECISIONS:
            from checks.models import DecisionCode

            from ..card import DECISION_ICON

            icon = DECISION_ICON[DecisionCode(case.decision)] + icon
        status = t(f"case.status.{case.status}", lang)
        name = mrkdwn(shorten(case.name, 120))
        title = f"<{case.link}|#{case.id} {name}>" if case.link else f"*#{case.id}* {name}"
        line = f"{icon} {title} — {mrkdwn(status)}"
        if queue and case.requested_by:
            line += " · " + mrkdwn(t("slack.home.queue_item", lang, who=case.requested_by,
                                     hours=f"{case.waiting_hours:.0f}"))
        elif case.checked:
            line += f" · {case.checked}"
        rows.append(line)
    return shorten("\n".join(rows), MAX_TEXT)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def home_view(lang: str, role: str, mine: list[HomeCase] | None, approvals: list[HomeCase] | None) -> dict[str, Any]:
    """The Home tab. `None` lists mean the database could not be read."""
    options = [
        {"text": {"type": "plain_text", "text": "English"}, "value": "en"},
        {"text": {"type": "plain_text", "text": "中文"}, "value": "zh"},
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": shorten(t("slack.home.title", lang), 150)}},
        _section(t("slack.home.intro", lang)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(t("slack.home.role", lang, role=t(f"chat.role.{role}", lang)))}]},
        {"type": "divider"},
    ]
    if mine is None:
        blocks.append(_section(mrkdwn(t("slack.home.unavailable", lang))))
    else:
        blocks.append(_section(f"*{mrkdwn(t('slack.home.open_cases', lang))}*"))
        blocks.append(_section(_lines(mine, lang) if mine else "_" + mrkdwn(t("slack.home.no_open_cases", lang)) + "_"))
        if approvals is not None:
            blocks.append(_section(f"*{mrkdwn(t('slack.home.approvals', lang))}*"))
            blocks.append(_section(_lines(approvals, lang, queue=True) if approvals else "_" + mrkdwn(t("slack.home.no_approvals", lang)) + "_"))
    blocks.append({"type": "divider"})
    blocks.append({
        "type": "section",
        "block_id": "tc_lang_block",
        "text": {"type": "mrkdwn", "text": mrkdwn(t("slack.home.lang", lang))},
        "accessory": {
            "type": "static_select",
            "action_id": LANG_ACTION,
            "options": options,
            "initial_option": options[1] if lang == "zh" else options[0],
        },
    })
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


async def publish_home(runtime: Runtime, client: AsyncWebClient, actor: Actor, lang: str) -> None:
    try:
        role = await runtime.cases.role_of(actor)
    except Exception:
        log.warning("role_of failed", exc_info=True)
        role = "sales"
    mine: list[HomeCase] | None
    approvals: list[HomeCase] | None
    try:
        found = await runtime.history.open_cases(actor, approvals=may_decide(role))
        mine = [home_case(case) for case in found.mine]
        approvals = None if found.approvals is None else [home_case(case) for case in found.approvals]
    except Exception:
        log.warning("home lists failed", exc_info=True)
        mine, approvals = None, None
    await client.views_publish(user_id=actor.user_id, view=home_view(lang, role, mine, approvals))
