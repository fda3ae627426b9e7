"""RuntimeServices: the interaction driver's view of the application layer, over one runtime."""

from __future__ import annotations

import pytest

from bot.app import Actor, Conversation, Runtime
from bot.app.driver import AppServices
from bot.app.services import RuntimeServices
from bot.card import ActionKind
from tests.runtimes import MakeRuntime
from tests.storage.support import risk_engine, set_managers

LI = Actor("terminal", "li", "Li Wei")
BOSS = Actor("terminal", "boss", "Boss Wang")
HERE = Conversation("terminal", "local", "terminal")


@pytest.fixture
def services(db_url: str, monkeypatch: pytest.MonkeyPatch, make_runtime: MakeRuntime) -> RuntimeServices:
    set_managers(monkeypatch, "terminal:boss")
    runtime: Runtime = make_runtime(engine=risk_engine()[0])
    return RuntimeServices(runtime)


async def test_the_driver_gets_permissions_prompts_and_cards_from_the_runtime(services: RuntimeServices) -> None:
    app: AppServices = services  # the driver's protocol, checked by mypy
    request = await services.runtime.checking.parse("Sunrise Textiles country=IR", "en")
    outcome = await app.run_check(request, LI, HERE, lang="en", engine=None, on_progress=_ignore)
    assert outcome.case is not None and outcome.case.status == "pending_approval"
    case_id = outcome.case.id
    assert await app.card_in_chat(case_id, HERE)
    assert not await app.card_in_chat(case_id, Conversation("slack", "T1", "C1"))

    assert await app.can_perform(LI, ActionKind.APPROVE, case_id, "en") == (
        False, "Only a manager can do this. Ask your admin to give you the manager role.")
    assert await app.reason_prompt(ActionKind.ADD_NOTE, case_id, LI) == "add_note"
    assert await app.reason_prompt(ActionKind.DETAILS, case_id, LI) is None
    requested = await app.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order", lang="en")
    assert requested.ok
    assert await app.can_perform(BOSS, ActionKind.APPROVE, case_id, "en") == (True, "")
    assert await app.reason_prompt(ActionKind.APPROVE, case_id, BOSS) == "approve"  # a high-risk case
    card = await app.current_card(case_id, BOSS, "en")
    assert card is not None and [a.kind for a in card.actions][:2] == [ActionKind.APPROVE, ActionKind.REJECT]
    assert await app.current_card(case_id, Actor("slack", "U1", "X", workspace="T-other"), "en") is None
    assert await services.role_of(BOSS) == "manager"


async def _ignore(report: object) -> None:
    return None
