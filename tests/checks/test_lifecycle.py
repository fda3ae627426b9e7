"""The case lifecycle's rules (checks/lifecycle.py), table by table: every state, role and action."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from checks import lifecycle
from checks.lifecycle import (
    DECISIONS,
    LEVELS,
    Action,
    CaseFacts,
    CaseStatus,
    Event,
    Refusal,
    Refused,
    Role,
    Transition,
)
from checks.models import DecisionCode, RiskLevel

S = CaseStatus
ROLES = [role.value for role in Role]
STATES = [state.value for state in CaseStatus]
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FLOWS_YML = Path(__file__).resolve().parents[2] / "bot" / "locales" / "flows.yml"


# --- the one order ------------------------------------------------------------------------------------
def test_level_order_is_the_risk_levels_least_severe_first() -> None:
    assert LEVELS == ("low", "medium", "high", "critical")
    assert set(LEVELS) == {level.value for level in RiskLevel}
    assert [lifecycle.level_rank(level) for level in LEVELS] == [0, 1, 2, 3]
    assert sorted(RiskLevel, key=lambda level: level.rank) == [RiskLevel(level) for level in LEVELS]


def test_decision_order_is_the_decisions_least_severe_first() -> None:
    assert DECISIONS == ("proceed", "safe_terms", "verify_first", "stop")
    assert set(DECISIONS) == {code.value for code in DecisionCode}
    assert [DecisionCode(d).rank for d in DECISIONS] == [0, 1, 2, 3]


@pytest.mark.parametrize("unknown", [None, "", "severe", "LOW", "stop"])
def test_an_unknown_level_ranks_below_every_level(unknown: str | None) -> None:
    assert lifecycle.level_rank(unknown) == -1
    assert not lifecycle.at_least(unknown, "low")


@pytest.mark.parametrize("unknown", [None, "", "go", "high"])
def test_an_unknown_decision_ranks_below_every_decision(unknown: str | None) -> None:
    assert lifecycle.decision_rank(unknown) == -1


@pytest.mark.parametrize(("level", "floor"), list(itertools.product(LEVELS, LEVELS)))
def test_at_least_follows_the_order(level: str, floor: str) -> None:
    assert lifecycle.at_least(level, floor) is (LEVELS.index(level) >= LEVELS.index(floor))


@pytest.mark.parametrize(("level", "risky"), [("low", False), ("medium", False), ("high", True),
                                              ("critical", True), (None, False)])
def test_high_and_critical_are_risky(level: str | None, risky: bool) -> None:
    assert lifecycle.is_risky(level) is risky


# --- roles --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "decides", "approves_stop"), [
    ("sales", False, False), ("manager", True, False), ("admin", True, False), ("compliance", True, True),
    ("", False, False), ("owner", False, False),
])
def test_who_decides(role: str, decides: bool, approves_stop: bool) -> None:
    assert lifecycle.may_decide(role) is decides
    assert lifecycle.may_approve_stop(role) is approves_stop


@pytest.mark.parametrize(("stored", "by_admin", "compliance", "manager", "expected"), [
    (None, False, False, False, "sales"),  # an unknown person is a salesperson
    ("bogus", False, False, False, "sales"),
    ("sales", False, False, True, "manager"),  # listed in MANAGERS
    ("sales", False, True, False, "compliance"),  # listed in COMPLIANCE
    ("sales", False, True, True, "compliance"),  # both: the stronger
    (None, False, False, True, "manager"),
    ("compliance", False, False, True, "compliance"),  # MANAGERS never weakens a stored role
    ("admin", False, True, True, "admin"),
    ("manager", False, True, False, "compliance"),
    ("sales", True, True, True, "sales"),  # an admin's `roles set` wins, even a demotion
    ("manager", True, False, False, "manager"),
    ("bogus", True, False, True, "sales"),
])
def test_effective_role(stored: str | None, by_admin: bool, compliance: bool, manager: bool, expected: str) -> None:
    assert lifecycle.effective_role(stored, set_by_admin=by_admin, compliance_listed=compliance,
                                    manager_listed=manager) == expected


def test_role_rank_covers_every_role() -> None:
    assert set(lifecycle.ROLE_RANK) == set(ROLES)
    assert lifecycle.DECIDERS | {"sales"} == set(ROLES) and lifecycle.STOP_DECIDERS <= lifecycle.DECIDERS


# --- reasons and confirmations ------------------------------------------------------------------------
ALWAYS_REASON = {Action.REJECT, Action.ADD_NOTE, Action.CLEAR_MATCH, Action.REQUEST_APPROVAL, Action.ESCALATE}


@pytest.mark.parametrize(("action", "stop", "level"),
                         list(itertools.product(Action, [False, True], [None, *LEVELS])))
def test_needs_reason(action: Action, stop: bool, level: str | None) -> None:
    expected = action in ALWAYS_REASON or (action is Action.APPROVE and (stop or level in ("high", "critical")))
    assert lifecycle.needs_reason(action.value, stop=stop, level=level) is expected
    assert lifecycle.needs_confirm(action.value, stop=stop) is (action is Action.APPROVE and stop)
    if expected:
        assert action in lifecycle.MAY_NEED_REASON


def test_needs_reason_refuses_an_unknown_action() -> None:
    with pytest.raises(ValueError):
        lifecycle.needs_reason("launch", stop=False, level=None)


def test_only_a_request_or_escalation_takes_a_deal() -> None:
    assert {Action.REQUEST_APPROVAL, Action.ESCALATE} == lifecycle.WITH_DEAL


# --- who may press what (before anything is asked) -----------------------------------------------------
PENDING = CaseFacts(status=S.PENDING_APPROVAL.value, level="high", open_request=True, id=7)


def _expected_refusal(action: Action, role: str, case: CaseFacts) -> Refusal | None:
    """The rules written out once more, plainly, to compare the module against for every combination."""
    decider = role in ("manager", "admin", "compliance")
    if action in (Action.APPROVE, Action.REJECT, Action.CLEAR_MATCH) and not decider:
        return Refusal.STOP_NEEDS_COMPLIANCE if action is Action.APPROVE and case.stop else Refusal.NOT_MANAGER
    if action is Action.APPROVE:
        if case.stop and role != "compliance":
            return Refusal.STOP_NEEDS_COMPLIANCE
        if not (case.status == "pending_approval" and case.open_request):
            return {"approved": Refusal.ALREADY_APPROVED, "rejected": Refusal.ALREADY_REJECTED}.get(
                case.status, Refusal.NOT_PENDING)
        if case.own_request:
            return Refusal.OWN_REQUEST
    if action is Action.STOP_WATCHING and case.level in ("high", "critical") and not decider:
        return Refusal.STOP_WATCHING_RISKY
    return None


FACTS = [
    CaseFacts(status=status, level=level, stop=stop, open_request=asked, own_request=own, id=3)
    for status, level, stop, (asked, own) in itertools.product(
        STATES, [None, "low", "high", "critical"], [False, True], [(False, False), (True, False), (True, True)])
    if not asked or status == "pending_approval"  # an open request exists only while pending
]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
def test_refusal_for_every_action_role_and_case(action: Action, role: str) -> None:
    for case in FACTS:
        assert lifecycle.refusal(action.value, role, case) == _expected_refusal(action, role, case), case


@pytest.mark.parametrize(("action", "role", "case", "expected"), [
    (Action.APPROVE, "manager", PENDING, None),
    (Action.APPROVE, "manager", CaseFacts(status="pending_approval", open_request=True, own_request=True),
     Refusal.OWN_REQUEST),  # four eyes
    (Action.APPROVE, "compliance", CaseFacts(status="pending_approval", open_request=True, own_request=True),
     Refusal.OWN_REQUEST),  # four eyes holds for compliance too
    (Action.APPROVE, "manager", CaseFacts(status="pending_approval", open_request=False), Refusal.NOT_PENDING),
    (Action.APPROVE, "manager", CaseFacts(status="approved"), Refusal.ALREADY_APPROVED),
    (Action.APPROVE, "manager", CaseFacts(status="rejected"), Refusal.ALREADY_REJECTED),
    (Action.APPROVE, "manager", CaseFacts(status="open"), Refusal.NOT_PENDING),
    (Action.APPROVE, "sales", PENDING, Refusal.NOT_MANAGER),
    (Action.APPROVE, "sales", CaseFacts(status="pending_approval", open_request=True, stop=True),
     Refusal.STOP_NEEDS_COMPLIANCE),  # a salesperson pressing Approve on a STOP case: escalate
    (Action.APPROVE, "manager", CaseFacts(status="pending_approval", open_request=True, stop=True),
     Refusal.STOP_NEEDS_COMPLIANCE),
    (Action.APPROVE, "admin", CaseFacts(status="pending_approval", open_request=True, stop=True),
     Refusal.STOP_NEEDS_COMPLIANCE),
    (Action.APPROVE, "compliance", CaseFacts(status="pending_approval", open_request=True, stop=True), None),
    (Action.REJECT, "sales", PENDING, Refusal.NOT_MANAGER),
    (Action.REJECT, "manager", CaseFacts(status="approved"), None),  # a revocation
    (Action.CLEAR_MATCH, "sales", PENDING, Refusal.NOT_MANAGER),
    (Action.CLEAR_MATCH, "manager", CaseFacts(status="open", stop=True), None),
    (Action.STOP_WATCHING, "sales", CaseFacts(status="open", level="high"), Refusal.STOP_WATCHING_RISKY),
    (Action.STOP_WATCHING, "sales", CaseFacts(status="open", level="medium"), None),
    (Action.STOP_WATCHING, "manager", CaseFacts(status="open", level="critical"), None),
    (Action.REQUEST_APPROVAL, "sales", CaseFacts(status="open", level="critical", stop=True), None),
    (Action.ESCALATE, "sales", CaseFacts(status="open", stop=True), None),
    (Action.RECHECK, "sales", CaseFacts(status="rejected"), None),
    (Action.ADD_NOTE, "sales", CaseFacts(status="closed"), None),
])
def test_refusal_examples(action: Action, role: str, case: CaseFacts, expected: Refusal | None) -> None:
    assert lifecycle.refusal(action.value, role, case) == expected


# --- deciding ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("decision", "role", "reason", "stop", "reason_required", "confirmed", "expected"), [
    ("approve", "sales", "ok", False, False, False, Refusal.NOT_MANAGER),
    ("reject", "sales", "no", False, False, False, Refusal.NOT_MANAGER),
    ("approve", "manager", None, False, False, False, None),  # a medium case: no reason needed
    ("approve", "manager", None, False, True, False, Refusal.REASON_REQUIRED),  # a high case needs one
    ("approve", "manager", "  ", False, True, False, Refusal.REASON_REQUIRED),  # blank is no reason
    ("approve", "manager", "known", False, True, False, None),
    ("reject", "manager", None, False, False, False, Refusal.REASON_REQUIRED),
    ("reject", "manager", "fraud", False, False, False, None),
    ("approve", "manager", "ok", True, False, True, Refusal.STOP_NEEDS_COMPLIANCE),
    ("approve", "admin", "ok", True, False, True, Refusal.STOP_NEEDS_COMPLIANCE),
    ("approve", "compliance", None, True, False, True, Refusal.REASON_REQUIRED),
    ("approve", "compliance", "cleared", True, False, False, Refusal.NOT_CONFIRMED),
    ("approve", "compliance", "cleared", True, False, True, None),
])
def test_decision_form(decision: str, role: str, reason: str | None, stop: bool, reason_required: bool,
                       confirmed: bool, expected: Refusal | None) -> None:
    assert lifecycle.decision_form_refusal(decision, role, reason=reason, stop=stop, reason_required=reason_required,
                                           confirmed=confirmed) == expected


@pytest.mark.parametrize("decision", ["maybe", "", "APPROVE"])
def test_an_unknown_decision_is_a_programming_error(decision: str) -> None:
    with pytest.raises(ValueError):
        lifecycle.decision_form_refusal(decision, "manager", reason="x", stop=False, reason_required=False,
                                        confirmed=False)
    with pytest.raises(ValueError):
        lifecycle.on_decision(decision, PENDING, racing=False)


@pytest.mark.parametrize(("decision", "case", "racing", "expected"), [
    ("approve", PENDING, False, Transition(Event.APPROVED, "pending_approval", "approved")),
    ("reject", PENDING, False, Transition(Event.REJECTED, "pending_approval", "rejected")),
    ("approve", CaseFacts(status="pending_approval", open_request=True, own_request=True, id=7), False,
     Refusal.OWN_REQUEST),
    ("reject", CaseFacts(status="pending_approval", open_request=True, own_request=True, id=7), False,
     Refusal.OWN_REQUEST),  # nor reject their own request
    ("approve", CaseFacts(status="pending_approval", id=7), False, Refusal.NOT_PENDING),
    ("approve", CaseFacts(status="approved", id=7), False, Refusal.ALREADY_APPROVED),
    ("approve", CaseFacts(status="rejected", id=7), False, Refusal.ALREADY_REJECTED),
    ("approve", CaseFacts(status="open", id=7), False, Refusal.NOT_PENDING),
    ("approve", CaseFacts(status="watch", id=7), False, Refusal.NOT_PENDING),
    ("approve", CaseFacts(status="closed", id=7), False, Refusal.NOT_PENDING),
    ("reject", CaseFacts(status="rejected", id=7), False, Refusal.ALREADY_REJECTED),
    ("reject", CaseFacts(status="approved", id=7), False, Transition(Event.REJECTED, "approved", "rejected")),
    ("reject", CaseFacts(status="approved", id=7), True, Refusal.ALREADY_APPROVED),  # a double press
    ("reject", CaseFacts(status="open", id=7), False, Transition(Event.REJECTED, "open", "rejected")),
    ("reject", CaseFacts(status="watch", id=7), False, Transition(Event.REJECTED, "watch", "rejected")),
    ("reject", CaseFacts(status="closed", id=7), False, Transition(Event.REJECTED, "closed", "rejected")),
    ("reject", CaseFacts(status="pending_approval", id=7), False,
     Transition(Event.REJECTED, "pending_approval", "rejected")),
])
def test_on_decision(decision: str, case: CaseFacts, racing: bool, expected: Transition | Refusal) -> None:
    if isinstance(expected, Refusal):
        with pytest.raises(Refused) as refused:
            lifecycle.on_decision(decision, case, racing=racing)
        assert refused.value.code is expected and refused.value.key == expected.key
        assert refused.value.params == {"id": 7}
    else:
        assert lifecycle.on_decision(decision, case, racing=racing) == expected


@pytest.mark.parametrize(("ago", "someone_else", "racing"), [
    (timedelta(seconds=5), True, True),
    (timedelta(seconds=59), True, True),
    (timedelta(seconds=60), True, False),
    (timedelta(hours=2), True, False),
    (timedelta(seconds=5), False, False),  # their own earlier decision: a deliberate change
    (None, True, False),
])
def test_is_racing(ago: timedelta | None, someone_else: bool, racing: bool) -> None:
    decided = NOW - ago if ago is not None else None
    assert lifecycle.is_racing(decided, someone_else, NOW) is racing


@pytest.mark.parametrize(("code", "stored"), [("verified", "verified"), ("false_positive", "false_positive"),
                                              ("other", "other"), (None, "other"), ("nonsense", "other")])
def test_reason_code(code: str | None, stored: str) -> None:
    assert lifecycle.reason_code(code) == stored


# --- asking ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("asked", [False, True])
@pytest.mark.parametrize("stop", [False, True])
def test_on_request_for_every_state(status: str, asked: bool, stop: bool) -> None:
    if asked and status != "pending_approval":
        return  # an open request exists only while pending
    case = CaseFacts(status=status, open_request=asked, id=9)
    if status == "approved" or asked:
        with pytest.raises(Refused) as refused:
            lifecycle.on_request(case, stop=stop)
        expected = Refusal.ALREADY_APPROVED if status == "approved" else Refusal.ALREADY_PENDING
        assert refused.value.code is expected and refused.value.params == {"id": 9}
        assert lifecycle.request_refusal(case) is expected
    else:
        move = lifecycle.on_request(case, stop=stop)
        assert move == Transition(Event.ESCALATED if stop else Event.APPROVAL_REQUESTED, status, "pending_approval")


# --- after a check ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "risk", "required", "approved_level", "asked", "expected"), [
    ("open", "high", True, None, False, (Event.APPROVAL_NEEDED, "pending_approval")),
    ("watch", "critical", True, None, False, (Event.APPROVAL_NEEDED, "pending_approval")),
    ("open", "low", False, None, False, None),
    ("watch", "medium", False, None, False, None),
    ("pending_approval", "low", False, None, False, (Event.APPROVAL_NOT_NEEDED, "open")),
    ("pending_approval", "low", False, None, True, None),  # somebody asked: a manager still decides
    ("pending_approval", "high", True, None, False, None),
    ("approved", "critical", True, "high", False, (Event.APPROVAL_INVALIDATED, "pending_approval")),
    ("approved", "high", False, "medium", False, (Event.APPROVAL_INVALIDATED, "open")),
    ("approved", "high", True, "high", False, None),  # the same risk: the approval still counts
    ("approved", "medium", False, "high", False, None),  # a lower risk: it counts
    ("approved", "high", True, None, False, (Event.APPROVAL_INVALIDATED, "pending_approval")),  # level unknown then
    ("rejected", "critical", True, None, False, None),  # a rejection stands
    ("closed", "critical", True, None, False, None),
])
def test_after_check(status: str, risk: str, required: bool, approved_level: str | None, asked: bool,
                     expected: tuple[Event, str] | None) -> None:
    move = lifecycle.after_check(status, risk_level=risk, approval_required=required, approved_level=approved_level,
                                 has_approval=status == "approved", open_request=asked)
    assert (move.event, move.new) == expected if move else expected is None
    if move is not None:
        assert move.old == status


def test_after_check_without_a_recorded_approval_leaves_an_approved_case() -> None:
    assert lifecycle.after_check("approved", risk_level="critical", approval_required=True, approved_level=None,
                                 has_approval=False, open_request=False) is None


# --- expiry ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("decision", "days", "expected"), [
    ("approve", 180, NOW + timedelta(days=180)),
    ("approve", 1, NOW + timedelta(days=1)),
    ("approve", 0, None),  # 0: never expires
    ("approve", -5, None),
    ("reject", 180, None),  # a rejection does not expire
])
def test_expires_at(decision: str, days: int, expected: datetime | None) -> None:
    assert lifecycle.expires_at(decision, NOW, days) == expected


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize(("expires", "expired"), [
    (NOW - timedelta(seconds=1), True), (NOW, True), (NOW + timedelta(seconds=1), False), (None, False),
])
def test_expiry(status: str, expires: datetime | None, expired: bool) -> None:
    expected = expired and status == "approved"
    assert lifecycle.is_expired(status, expires, NOW) is expected
    move = lifecycle.on_expiry(status, expires, NOW)
    assert move == (Transition(Event.APPROVAL_EXPIRED, "approved", "open") if expected else None)


# --- the transition table ---------------------------------------------------------------------------------
ALLOWED = {
    Event.APPROVAL_NEEDED: {("open", "pending_approval"), ("watch", "pending_approval")},
    Event.APPROVAL_NOT_NEEDED: {("pending_approval", "open")},
    Event.APPROVAL_INVALIDATED: {("approved", "pending_approval"), ("approved", "open")},
    Event.APPROVAL_REQUESTED: {(s, "pending_approval") for s in STATES if s != "approved"},
    Event.ESCALATED: {(s, "pending_approval") for s in STATES if s != "approved"},
    Event.APPROVED: {("pending_approval", "approved")},
    Event.REJECTED: {(s, "rejected") for s in STATES if s != "rejected"},
    Event.APPROVAL_EXPIRED: {("approved", "open")},
}


@pytest.mark.parametrize("event", list(Event))
def test_allowed_transitions(event: Event) -> None:
    for old, new in itertools.product(STATES, STATES):
        assert lifecycle.allowed(event, old, new) is ((old, new) in ALLOWED[event]), (event, old, new)


def test_a_transition_outside_the_table_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="approved: open → approved"):
        Transition(Event.APPROVED, "open", "approved")


def test_every_event_is_an_audited_action_name() -> None:
    assert {e.value for e in Event} == {"approval_needed", "approval_not_needed", "approval_invalidated",
                                        "approval_requested", "escalated", "approved", "rejected", "approval_expired"}


def test_states_no_longer_watched() -> None:
    assert {"rejected", "closed"} == lifecycle.NOT_WATCHED


# --- refusals and their messages -----------------------------------------------------------------------
def test_every_refusal_has_its_message_in_both_languages() -> None:
    catalog = yaml.safe_load(FLOWS_YML.read_text(encoding="utf-8"))
    for refusal in Refusal:
        assert set(catalog[refusal.key]) >= {"en", "zh"}, refusal


@pytest.mark.parametrize(("raised", "key", "code"), [
    (Refused(Refusal.OWN_REQUEST), "flows.refused.own_request", Refusal.OWN_REQUEST),
    (Refused("flows.refused.not_found", id=4), "flows.refused.not_found", Refusal.NOT_FOUND),
    (Refused("evidence.refused.too_big"), "evidence.refused.too_big", None),
])
def test_refused_carries_the_key_and_code(raised: Refused, key: str, code: Refusal | None) -> None:
    assert raised.key == key and str(raised) == key and raised.code is code
