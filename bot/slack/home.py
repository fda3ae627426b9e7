"""App Home: how to use the bot, the person's open cases, what waits for a manager, the language.

The lists come from storage's read functions (`storage.cases.list_cases`, `runs`); this module
only reads. If the database cannot answer, the Home tab still opens and says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from checks.i18n import t
from checks.lifecycle import DECISIONS, decision_rank, level_rank, may_decide

from ..app.driver import FlowsServices
from ..app.types import Actor
from ..card import LEVEL_ICON
from ..render.slack import LANG_ACTION, MAX_TEXT, MAX_VIEW_BLOCKS, mrkdwn, shorten

log = logging.getLogger(__name__)

OPEN_STATUSES = ("pending_approval", "open", "watch")
MAX_LISTED = 15


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


def queue_order(case: HomeCase) -> tuple[int, int, float]:
    """The approval queue: STOP first, then the higher level, then the one waiting longest (unknown last)."""
    return (-decision_rank(case.decision), -level_rank(case.level), -case.waiting_hours)


def _row(case: Any, session: Any = None) -> HomeCase:
    checked = case.last_checked_at.strftime("%Y-%m-%d") if case.last_checked_at else ""
    row = HomeCase(id=case.id, name=case.name, status=case.status, level=case.last_risk_level, checked=checked,
                   decision=getattr(case, "last_decision", None))
    if session is not None:
        from storage.cases import open_request
        from storage.chatstate import links
        from storage.models import aware, utcnow

        pending = open_request(session, case.id)
        if pending is not None:
            row.requested_by = pending.requested_by
            row.waiting_hours = (utcnow() - aware(pending.requested_at)).total_seconds() / 3600  # type: ignore[operator]
        posted = [link for link in links(session, case.id) if link.platform == "slack" and link.message]
        if posted:  # the card's message: a permalink Slack resolves in the reader's workspace
            row.link = f"https://slack.com/archives/{posted[-1].channel}/p{posted[-1].message.replace('.', '')}"
    return row


def workspace_key(actor: Actor) -> str:
    """The storage workspace of a Slack team (the same key the services store cases under)."""
    return actor.workspace


def home_cases(actor: Actor, include_approvals: bool) -> tuple[list[HomeCase], list[HomeCase]]:
    """(cases this person checked that are still open, cases waiting for approval). Sync: DB work."""
    from storage.cases import list_cases, runs
    from storage.db import get_database

    from ..settings import get_bot_settings

    database = get_database(get_bot_settings().database_url)
    mine: list[HomeCase] = []
    approvals: list[HomeCase] = []
    with database.session() as session:
        for status in OPEN_STATUSES:
            for case in list_cases(session, workspace_key=workspace_key(actor), status=status, limit=100):
                if include_approvals and status == "pending_approval":
                    approvals.append(_row(case, session))
                if len(mine) < MAX_LISTED and any(run.actor == actor.key for run in runs(session, case.id, limit=20)):
                    mine.append(_row(case))
    approvals = sorted((a for a in approvals if a.requested_by), key=queue_order)[:MAX_LISTED]
    return mine, approvals


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


async def publish_home(app: FlowsServices, client: AsyncWebClient, actor: Actor, lang: str) -> None:
    try:
        role = await app.role_of(actor)
    except Exception:
        log.warning("role_of failed", exc_info=True)
        role = "sales"
    mine: list[HomeCase] | None
    approvals: list[HomeCase] | None
    try:
        mine, approvals = await app.offload(home_cases, actor, may_decide(role))
        if not may_decide(role):
            approvals = None
    except Exception:
        log.warning("home lists failed", exc_info=True)
        mine, approvals = None, None
    await client.views_publish(user_id=actor.user_id, view=home_view(lang, role, mine, approvals))
