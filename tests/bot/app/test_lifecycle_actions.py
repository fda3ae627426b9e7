"""The card's buttons are the lifecycle's actions: one set of values, so its rules cover every button."""

from __future__ import annotations

from bot.app import cases as case_service
from bot.card import ActionKind
from checks import lifecycle


def test_every_button_is_a_lifecycle_action_and_back() -> None:
    assert ActionKind is lifecycle.Action  # one definition, not two kept equal
    assert {kind.value for kind in ActionKind} >= {"approve", "reject", "request_approval", "escalate", "evidence_pack"}


def test_the_reason_sets_hold_buttons_too() -> None:
    assert ActionKind.REJECT in case_service.REASON_REQUIRED and ActionKind.APPROVE not in case_service.REASON_REQUIRED
    assert ActionKind.APPROVE in case_service.MAY_NEED_REASON and ActionKind.DETAILS not in case_service.MAY_NEED_REASON
    assert ActionKind.ESCALATE in case_service.WITH_DEAL and "escalate" in case_service.WITH_DEAL
