"""The history service's lists for a home screen (Slack's App Home): a person's open cases and the
team's approval queue, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.app import Actor, Conversation, Runtime
from bot.app.history import CaseSummary, queue_order
from bot.card import ActionKind
from storage import db as storage_db
from storage.models import Approval, utcnow
from tests.bot.app.test_cases import BOSS, CHEN, LI, OUTSIDER, engine, managers, runtime  # noqa: F401  (fixtures)


async def _case(runtime: Runtime, text: str, actor: Actor) -> int:
    outcome = await runtime.checking.run_check(text, actor)
    assert outcome.case is not None
    return outcome.case.id


async def test_open_cases_lists_my_cases_and_the_requested_approvals_longest_waiting_first(
        runtime: Runtime, db_url: str) -> None:
    unrequested = await _case(runtime, "Sunrise Textiles country=IR", LI)
    mine_requested = await _case(runtime, "Golden Lotus Trading country=KP", LI)
    theirs = await _case(runtime, "Damascus Goods Co country=SY", CHEN)
    for case_id, who in ((mine_requested, LI), (theirs, CHEN)):
        requested = await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, case_id, who, reason="first order, LC")
        assert requested.ok, requested.message
    with storage_db.get_database(db_url).session() as session:  # Li's request was made five hours ago
        session.execute(update(Approval).where(Approval.case_id == mine_requested)
                        .values(requested_at=utcnow() - timedelta(hours=5)))
        session.commit()
    await runtime.chat.link_card(mine_requested, Conversation("slack", "local", "C1", message="1700000000.000100"))

    boss = await runtime.history.open_cases(BOSS, approvals=True)
    assert boss.mine == []  # the manager checked nothing himself
    assert boss.approvals is not None
    assert [row.id for row in boss.approvals] == [mine_requested, theirs]  # same level and decision: oldest request first
    first, second = boss.approvals
    assert first.requested_by == "Li Wei" and 4.9 < first.waiting_hours < 5.1
    assert second.requested_by == "Chen" and second.waiting_hours < first.waiting_hours
    assert first.name == "Golden Lotus Trading" and first.status == "pending_approval" and first.checked is not None
    assert [(card.platform, card.channel, card.message) for card in first.cards] == [("slack", "C1", "1700000000.000100")]
    assert unrequested not in [row.id for row in boss.approvals]  # waiting for nobody: not in the queue

    li = await runtime.history.open_cases(LI, approvals=False)
    assert li.approvals is None  # not asked for
    assert sorted(row.id for row in li.mine) == sorted([unrequested, mine_requested])  # not Chen's case
    assert all(row.requested_by == "" and row.cards == () for row in li.mine)  # a plain list: no queue details

    elsewhere = await runtime.history.open_cases(OUTSIDER, approvals=True)
    assert elsewhere.mine == [] and elsewhere.approvals == []  # another team sees none of it


def test_the_queue_order_is_stop_then_level_then_age() -> None:
    rows = [
        CaseSummary(1, "Alpha", "pending_approval", "high", None, "verify_first", "li", 50.0),
        CaseSummary(2, "Bravo", "pending_approval", "critical", None, "verify_first", "li", 1.0),
        CaseSummary(3, "Charlie", "pending_approval", "medium", None, "stop", "wang", 2.0),
        CaseSummary(4, "Delta", "pending_approval", "high", None, "verify_first", "li", 70.0),
    ]
    assert [row.id for row in sorted(rows, key=queue_order)] == [3, 2, 4, 1]
