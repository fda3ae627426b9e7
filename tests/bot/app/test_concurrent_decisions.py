"""Two managers deciding one case at the same moment (issue 15, "not tested"): one decision wins,
the other manager is told — never two approvals, never a silent overwrite, one audit event.

Each manager runs in its own thread with its own event loop and its own runtime (as two server
processes' requests would), released together by a barrier, on SQLite and on PostgreSQL. Several rounds, so that the
two really overlap in some (the compare-and-set on the case status decides) and are serialised in
others (the second then sees the decision and is refused on it).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app import ActionResult, Actor, Runtime
from bot.card import ActionKind
from checks.i18n import t
from storage import chatstate
from storage.cases import Who
from storage.models import Approval, AuditEvent
from tests import databases
from tests.storage.support import db_url, pg_url, risk_engine, set_managers, sqlite_template  # noqa: F401  (fixtures)

LI = Actor("terminal", "li", "Li Wei")
BOSS = Actor("terminal", "boss", "Boss Wang")
CHEN = Actor("terminal", "chen", "Chen Jing")
ROUNDS = 6


@pytest.fixture
def managers(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    set_managers(monkeypatch, "terminal:boss")
    with databases.get_database(db_url).session() as session:
        chatstate.set_role(session, "terminal", "chen", "manager", Who("cli", "root", "root"))
        session.commit()


async def _pending_case(runtime: Runtime, n: int) -> int:
    outcome = await runtime.checking.run_check(f"Concurrent Trading {n} LLC country=IR", LI, engine=risk_engine()[0])
    assert outcome.case is not None
    assert (await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, L/C at sight")).ok
    return outcome.case.id


def _at_once(calls: list[Any]) -> list[ActionResult]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = asyncio.run(calls[i]())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _decisions(runtime: Runtime, case_id: int) -> tuple[list[str], list[Approval]]:
    with runtime.ensure_database().session() as session:
        events = session.exec(select(AuditEvent.action).where(
            AuditEvent.case_id == case_id, col(AuditEvent.action).in_(["approved", "rejected"]))).all()
        approvals = session.exec(select(Approval).where(Approval.case_id == case_id)).all()
        return list(events), list(approvals)


@pytest.mark.parametrize("first,second", [(ActionKind.APPROVE, ActionKind.APPROVE),
                                          (ActionKind.REJECT, ActionKind.REJECT),
                                          (ActionKind.APPROVE, ActionKind.REJECT)])
async def test_two_managers_at_once_one_wins_the_other_is_told(db_url: str, managers: None, make_runtime,  # type: ignore[no-untyped-def]
                                                             first: ActionKind, second: ActionKind) -> None:
    runtime, boss_server, chen_server = make_runtime(), make_runtime(), make_runtime()
    for n in range(ROUNDS):
        case_id = await _pending_case(runtime, n)
        results = await asyncio.to_thread(_at_once, [
            lambda case_id=case_id: boss_server.cases.perform_action(first, case_id, BOSS, reason="checked the registry"),
            lambda case_id=case_id: chen_server.cases.perform_action(second, case_id, CHEN, reason="checked the registry too"),
        ])
        winners = [r for r in results if r.ok]
        losers = [r for r in results if not r.ok]
        assert len(winners) == 1 and len(losers) == 1, [r.message for r in results]
        told = {t(key, "en", id=case_id) for key in ("flows.refused.changed_meanwhile", "flows.refused.already_approved",
                                                      "flows.refused.already_rejected")}
        assert losers[0].message in told  # the other manager is told why, in words that fit
        events, approvals = _decisions(runtime, case_id)
        assert len(events) == 1 and len(approvals) == 1
        won = winners[0] is results[0] and first or second
        assert approvals[0].decision == ("approve" if won is ActionKind.APPROVE else "reject")
        assert approvals[0].decided_by in ("Boss Wang", "Chen Jing")
