"""The life of a case, as rules: states, what moves a case between them, who may do what, when an
approval expires, and the one order of risk levels and of decisions.

Pure: no database, no chat, no clock of its own (callers pass `now`). `storage/` persists what these
functions decide and `bot/` asks them before offering or performing a button; a refusal is a code
(`Refusal`) whose message is the catalog key `flows.refused.<code>` (bot/locales/flows.yml).

The states and who moves a case between them::

    open ─┬─ check at/above the approval level ─────────────▶ pending_approval   (approval_needed)
    watch ┘                                                   │  ▲
    pending_approval ── check below it, nobody asked ───▶ open│  │ (approval_not_needed)
    any but approved ── "Request approval" / "Escalate" ──────┘  │ (approval_requested / escalated)
    pending_approval (someone asked) ── a manager approves ──▶ approved      (approved; four eyes)
    any but rejected ── a manager rejects ───────────────────▶ rejected      (rejected)
    approved ── the approval's expiry date passes ───────────▶ open          (approval_expired)
    approved ── a check finds a higher risk than approved ──▶ pending_approval or open (approval_invalidated)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

# --- the one order of risk levels and of decisions ---------------------------------------------------
LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")
"""Risk levels, least severe first (checks.models.RiskLevel has exactly these values)."""

DECISIONS: tuple[str, ...] = ("proceed", "safe_terms", "verify_first", "stop")
"""Decisions, least severe first (checks.models.DecisionCode has exactly these values)."""

RISKY_LEVEL = "high"
"""From this level on, approving needs a reason and only a manager may stop watching the buyer."""


def level_rank(level: str | None) -> int:
    """0 for low … 3 for critical; -1 for no or an unknown level (below every level)."""
    return LEVELS.index(level) if level in LEVELS else -1


def decision_rank(decision: str | None) -> int:
    """0 for proceed … 3 for stop; -1 for no or an unknown decision."""
    return DECISIONS.index(decision) if decision in DECISIONS else -1


def at_least(level: str | None, floor: str) -> bool:
    """Whether `level` is known and at or above `floor`."""
    return level_rank(level) >= 0 and level_rank(level) >= level_rank(floor)


def is_risky(level: str | None) -> bool:
    return at_least(level, RISKY_LEVEL)


def is_stop(decision: str | None) -> bool:
    return decision == "stop"


# --- states, roles, actions ----------------------------------------------------------------------------
class CaseStatus(str, Enum):
    OPEN = "open"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WATCH = "watch"
    CLOSED = "closed"


NOT_WATCHED = frozenset({CaseStatus.REJECTED.value, CaseStatus.CLOSED.value})
"""States whose buyer is no longer re-checked by the monitor."""


class Role(str, Enum):
    SALES = "sales"  # the salesperson: checks, asks for approval, notes, watches
    MANAGER = "manager"  # decides (approve / reject), never on their own request
    ADMIN = "admin"  # a manager who also administers (roles, imports)
    COMPLIANCE = "compliance"  # a manager who alone may approve a STOP case


ROLE_RANK: dict[str, int] = {"sales": 0, "manager": 1, "compliance": 2, "admin": 3}
"""Which of two roles is stronger (a configured MANAGERS entry never weakens a stored role)."""

DECIDERS = frozenset({Role.MANAGER.value, Role.ADMIN.value, Role.COMPLIANCE.value})
"""Roles that may approve, reject and clear a sanctions match."""

STOP_DECIDERS = frozenset({Role.COMPLIANCE.value})
"""Roles that may approve a STOP case (sanctions, embargo, impersonation)."""


def may_decide(role: str) -> bool:
    return role in DECIDERS


def may_approve_stop(role: str) -> bool:
    return role in STOP_DECIDERS


def effective_role(stored: str | None, *, set_by_admin: bool, compliance_listed: bool, manager_listed: bool) -> str:
    """A role an admin set with `roles set` wins (it can also demote someone listed in MANAGERS);
    otherwise the stronger of the stored role and the COMPLIANCE / MANAGERS settings."""
    role = stored if stored in ROLE_RANK else Role.SALES.value
    if stored is not None and set_by_admin:
        return role
    if compliance_listed and ROLE_RANK[role] < ROLE_RANK[Role.COMPLIANCE.value]:
        role = Role.COMPLIANCE.value
    if manager_listed and ROLE_RANK[role] < ROLE_RANK[Role.MANAGER.value]:
        role = Role.MANAGER.value
    return role


class Action(str, Enum):
    """What a person can do on a case (the values of the card's buttons, bot.card.ActionKind)."""

    REQUEST_APPROVAL = "request_approval"
    APPROVE = "approve"
    REJECT = "reject"
    RECHECK = "recheck"
    SCHEDULE_RECHECK = "schedule_recheck"
    ADD_NOTE = "add_note"
    DETAILS = "details"
    CLEAR_MATCH = "clear_match"
    STOP_WATCHING = "stop_watching"
    ESCALATE = "escalate"
    EVIDENCE_PACK = "evidence_pack"


DECIDER_ONLY = frozenset({Action.APPROVE, Action.REJECT, Action.CLEAR_MATCH})
"""Actions only a manager (DECIDERS) may take."""

REASON_REQUIRED = frozenset({Action.REJECT, Action.ADD_NOTE, Action.CLEAR_MATCH, Action.REQUEST_APPROVAL,
                             Action.ESCALATE})
"""Actions that always need a text typed by the person."""

MAY_NEED_REASON = REASON_REQUIRED | {Action.APPROVE}
"""Actions that may need one, depending on the case (approving a high, critical or STOP case)."""

WITH_DEAL = frozenset({Action.REQUEST_APPROVAL, Action.ESCALATE})
"""Actions that take an optional deal description with the reason (goods, value, payment terms)."""


def needs_reason(action: str, *, stop: bool, level: str | None) -> bool:
    """Whether taking `action` needs a typed reason: always for REASON_REQUIRED, and for approving a
    STOP case or a case at or above RISKY_LEVEL."""
    action = Action(action)
    return action in REASON_REQUIRED or (action is Action.APPROVE and (stop or is_risky(level)))


def needs_confirm(action: str, *, stop: bool) -> bool:
    """Approving a STOP case needs an explicit confirmation after the reason."""
    return Action(action) is Action.APPROVE and stop


# --- refusals ------------------------------------------------------------------------------------------
class Refusal(str, Enum):
    """Why something was refused; the message is the catalog key `flows.refused.<value>`."""

    NOT_FOUND = "not_found"
    CHANGED_MEANWHILE = "changed_meanwhile"
    ALREADY_PENDING = "already_pending"
    ALREADY_APPROVED = "already_approved"
    ALREADY_REJECTED = "already_rejected"
    NOT_MANAGER = "not_manager"
    REASON_REQUIRED = "reason_required"
    NOT_PENDING = "not_pending"
    OWN_REQUEST = "own_request"
    NOTHING_TO_RECHECK = "nothing_to_recheck"
    UNKNOWN_ACTION = "unknown_action"
    NO_SUCH_MATCH = "no_such_match"
    STOP_NEEDS_COMPLIANCE = "stop_needs_compliance"
    NOT_CONFIRMED = "not_confirmed"
    STOP_WATCHING_RISKY = "stop_watching_risky"

    @property
    def key(self) -> str:
        return f"flows.refused.{self.value}"


class Refused(Exception):
    """Something was refused: `key` names the catalog message, `params` fill it. Nothing was changed.

    Raised with a `Refusal` (`Refused(Refusal.NOT_MANAGER)`) or, for older callers, the catalog key
    itself (`Refused("flows.refused.not_manager")`); `code` is the Refusal when the key is one."""

    def __init__(self, reason: Refusal | str, **params: Any) -> None:
        key = reason.key if isinstance(reason, Refusal) else reason
        super().__init__(key)
        self.key = key
        self.params = params
        self.code: Refusal | None = _KEYS.get(key)


_KEYS = {refusal.key: refusal for refusal in Refusal}


def _not_pending(status: str) -> Refusal:
    """Approving a case nobody asked about: say what happened to it (another manager may have just
    decided it)."""
    if status == CaseStatus.APPROVED.value:
        return Refusal.ALREADY_APPROVED
    if status == CaseStatus.REJECTED.value:
        return Refusal.ALREADY_REJECTED
    return Refusal.NOT_PENDING


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case and the person acting on it."""

    status: str
    level: str | None = None
    stop: bool = False  # the case's current decision is STOP
    open_request: bool = False  # someone asked for a decision and nobody decided yet
    own_request: bool = False  # that request is the acting person's own
    id: int | None = None  # the case's number, for the refusal's message


def refusal(action: str, role: str, case: CaseFacts) -> Refusal | None:
    """Why a person with `role` may not take `action` on this case now (None: they may).

    Said before asking for a reason; the action itself checks it again (`decision_refusal`,
    `request_refusal`)."""
    action = Action(action)
    if action in DECIDER_ONLY and not may_decide(role):
        return Refusal.STOP_NEEDS_COMPLIANCE if action is Action.APPROVE and case.stop else Refusal.NOT_MANAGER
    if action is Action.APPROVE:
        if case.stop and not may_approve_stop(role):
            return Refusal.STOP_NEEDS_COMPLIANCE
        if not (case.status == CaseStatus.PENDING_APPROVAL.value and case.open_request):
            return _not_pending(case.status)
        if case.own_request:
            return Refusal.OWN_REQUEST
    if action is Action.STOP_WATCHING and is_risky(case.level) and not may_decide(role):
        return Refusal.STOP_WATCHING_RISKY
    return None


# --- approvals -------------------------------------------------------------------------------------------
DEFAULT_EXPIRY_DAYS = 180
"""How long an approval counts when the policy says nothing (`approval_expiry_days`)."""

DECISION_RACE = timedelta(seconds=60)
"""A rejection this soon after another manager's approval is a double press, not a revocation."""

REASON_CODES = frozenset({"verified", "known_customer", "secured_terms", "false_positive", "sanctions",
                          "fraud_signals", "unverifiable", "policy", "other"})


def reason_code(code: str | None) -> str:
    """The decision's reason code as stored: a known one, else `other`."""
    return code if code in REASON_CODES else "other"


def request_refusal(case: CaseFacts) -> Refusal | None:
    """Asking for a decision (or escalating): not twice, and not for an approved case."""
    if case.status == CaseStatus.PENDING_APPROVAL.value and case.open_request:
        return Refusal.ALREADY_PENDING
    if case.status == CaseStatus.APPROVED.value:
        return Refusal.ALREADY_APPROVED
    return None


def decision_form_refusal(decision: str, role: str, *, reason: str | None, stop: bool, reason_required: bool,
                          confirmed: bool) -> Refusal | None:
    """What is wrong with a decision before the case is looked at: the role, the reason, the confirmation.

    Only managers decide; only compliance approves a STOP case, with a reason and a confirmation; a
    rejection needs a reason, and so does approving a risky case (`reason_required`)."""
    if decision not in ("approve", "reject"):
        raise ValueError(decision)
    if not may_decide(role):
        return Refusal.NOT_MANAGER
    if decision == "approve" and stop and not may_approve_stop(role):
        return Refusal.STOP_NEEDS_COMPLIANCE
    if (decision == "reject" or reason_required or stop) and not (reason or "").strip():
        return Refusal.REASON_REQUIRED
    if decision == "approve" and stop and not confirmed:
        return Refusal.NOT_CONFIRMED
    return None


def decision_state_refusal(decision: str, case: CaseFacts, *, racing: bool) -> Refusal | None:
    """What is wrong with a decision given the case's state (after expiry was applied).

    `racing`: another manager decided this case less than DECISION_RACE ago (`is_racing`)."""
    if decision == "approve" and not (case.status == CaseStatus.PENDING_APPROVAL.value and case.open_request):
        return _not_pending(case.status)
    if decision == "reject" and case.status == CaseStatus.REJECTED.value:
        return Refusal.ALREADY_REJECTED
    if decision == "reject" and case.status == CaseStatus.APPROVED.value and racing:
        # two managers pressed at once and the approval came first: the rejecter saw a pending card,
        # so this is not a deliberate revocation — they are told, and can revoke after a look
        return Refusal.ALREADY_APPROVED
    if case.open_request and case.own_request:  # four eyes
        return Refusal.OWN_REQUEST
    return None


def is_racing(last_decided_at: datetime | None, decided_by_someone_else: bool, now: datetime) -> bool:
    """Whether another person decided the case less than DECISION_RACE before `now`."""
    return last_decided_at is not None and decided_by_someone_else and now - last_decided_at < DECISION_RACE


def expires_at(decision: str, decided_at: datetime, expiry_days: int) -> datetime | None:
    """When an approval stops counting (a rejection, or expiry_days <= 0, never expires)."""
    return decided_at + timedelta(days=expiry_days) if decision == "approve" and expiry_days > 0 else None


def is_expired(status: str, approval_expires_at: datetime | None, now: datetime) -> bool:
    """An approved case whose latest approval is past its expiry date: it needs approval again."""
    return (status == CaseStatus.APPROVED.value and approval_expires_at is not None
            and approval_expires_at <= now)


# --- transitions -----------------------------------------------------------------------------------------
class Event(str, Enum):
    """What moves a case from one state to another (also the audit trail's action names)."""

    APPROVAL_NEEDED = "approval_needed"
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    APPROVAL_INVALIDATED = "approval_invalidated"
    APPROVAL_REQUESTED = "approval_requested"
    ESCALATED = "escalated"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPROVAL_EXPIRED = "approval_expired"


_S = CaseStatus
_ALL = frozenset(_S)
TRANSITIONS: dict[Event, tuple[frozenset[CaseStatus], frozenset[CaseStatus]]] = {
    Event.APPROVAL_NEEDED: (frozenset({_S.OPEN, _S.WATCH}), frozenset({_S.PENDING_APPROVAL})),
    Event.APPROVAL_NOT_NEEDED: (frozenset({_S.PENDING_APPROVAL}), frozenset({_S.OPEN})),
    Event.APPROVAL_INVALIDATED: (frozenset({_S.APPROVED}), frozenset({_S.PENDING_APPROVAL, _S.OPEN})),
    Event.APPROVAL_REQUESTED: (_ALL - {_S.APPROVED}, frozenset({_S.PENDING_APPROVAL})),
    Event.ESCALATED: (_ALL - {_S.APPROVED}, frozenset({_S.PENDING_APPROVAL})),
    Event.APPROVED: (frozenset({_S.PENDING_APPROVAL}), frozenset({_S.APPROVED})),
    Event.REJECTED: (_ALL - {_S.REJECTED}, frozenset({_S.REJECTED})),
    Event.APPROVAL_EXPIRED: (frozenset({_S.APPROVED}), frozenset({_S.OPEN})),
}
"""Every allowed move: event → (states it may start from, states it may lead to)."""


def allowed(event: Event, old: str, new: str) -> bool:
    """Whether `event` may move a case from `old` to `new`."""
    sources, targets = TRANSITIONS[Event(event)]
    return old in {s.value for s in sources} and new in {s.value for s in targets}


@dataclass(frozen=True)
class Transition:
    event: Event
    old: str
    new: str

    def __post_init__(self) -> None:
        if not allowed(self.event, self.old, self.new):
            raise ValueError(f"{self.event.value}: {self.old} → {self.new} is not an allowed transition")


def after_check(status: str, *, risk_level: str | None, approval_required: bool, approved_level: str | None,
                has_approval: bool, open_request: bool) -> Transition | None:
    """The state a new check (or a re-score) leaves the case in, or None when it stays.

    At or above the approval level the case needs approval (the card offers "Request approval"); an
    approval given for a lower risk no longer counts (`approved_level`: the latest decision's level;
    `has_approval`: there is one); a case nobody asked about goes back to open when the risk falls
    below the level. Rejected and closed cases stay as they are."""
    if status == _S.APPROVED.value:
        if has_approval and level_rank(risk_level) > level_rank(approved_level):
            new = _S.PENDING_APPROVAL if approval_required else _S.OPEN
            return Transition(Event.APPROVAL_INVALIDATED, status, new.value)
        return None
    if approval_required and status in (_S.OPEN.value, _S.WATCH.value):
        return Transition(Event.APPROVAL_NEEDED, status, _S.PENDING_APPROVAL.value)
    if not approval_required and status == _S.PENDING_APPROVAL.value and not open_request:
        return Transition(Event.APPROVAL_NOT_NEEDED, status, _S.OPEN.value)
    return None


def on_request(case: CaseFacts, *, stop: bool) -> Transition:
    """Asking for a decision; raises Refused when it may not be asked now."""
    refused = request_refusal(case)
    if refused is not None:
        raise Refused(refused, id=case.id)
    return Transition(Event.ESCALATED if stop else Event.APPROVAL_REQUESTED, case.status,
                      _S.PENDING_APPROVAL.value)


def on_decision(decision: str, case: CaseFacts, *, racing: bool) -> Transition:
    """Approving or rejecting, given the case's state; raises Refused when it may not be done now.
    (Check `decision_form_refusal` first.)"""
    if decision not in ("approve", "reject"):
        raise ValueError(decision)
    refused = decision_state_refusal(decision, case, racing=racing)
    if refused is not None:
        raise Refused(refused, id=case.id)
    if decision == "approve":
        return Transition(Event.APPROVED, case.status, _S.APPROVED.value)
    return Transition(Event.REJECTED, case.status, _S.REJECTED.value)


def on_expiry(status: str, approval_expires_at: datetime | None, now: datetime) -> Transition | None:
    """An approval past its expiry date: the case goes back to open (the next check asks again)."""
    if not is_expired(status, approval_expires_at, now):
        return None
    return Transition(Event.APPROVAL_EXPIRED, status, _S.OPEN.value)
