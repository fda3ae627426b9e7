"""Cases and their check runs: find the same buyer, store a check atomically, read the history.

A check is written in ONE transaction (case if new, its keys, the check run, the case's latest
state, the audit event): a process killed in the middle leaves either all of it or none of it.
Concurrent checks of one new buyer race on the unique `case_key` constraint; the losers roll back
and retry, and then find the winner's case — on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from checks import lifecycle
from checks.lifecycle import CaseFacts, Refusal, Refused, Transition

from . import audit
from .buyers import KIND_RANK, BuyerKeys
from .db import Database, rowcount
from .models import (
    Approval,
    Case,
    CaseKey,
    CaseStatus,
    CheckRun,
    ClearedMatch,
    Note,
    TradeRecord,
    User,
    Workspace,
    aware,
    id_of,
    utcnow,
)
from .values import SYSTEM, Who

log = logging.getLogger(__name__)

# Test hook, documented in tests/storage/test_crash.py: when set to a file path, `save_check`
# creates that file inside its write transaction (after the check run is written, before commit)
# and sleeps, so that a test can SIGKILL the process mid-write. Never set it in production.
PAUSE_ENV = "TRADECHECK_TEST_PAUSE_IN_WRITE"

LOOKS_LIKE_MIN = 88  # rapidfuzz token_sort_ratio on base names
# storage.values' and the lifecycle's, kept here for callers that import them from storage.cases
__all__ = ["SYSTEM", "Refused", "Who"]




def insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> int:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); returns the number of rows inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table.__table__).values(**values).on_conflict_do_nothing()
    # rowcount is -1 for this statement under psycopg; the RETURNING rows are reliable everywhere
    return len(session.execute(statement.returning(table.__table__.c.id)).all())


# --- workspaces and users ------------------------------------------------------------------------
def workspace(session: Session, key: str) -> Workspace:
    found = session.exec(select(Workspace).where(Workspace.key == key)).first()
    if found is None:
        insert_ignore(session, Workspace, {"key": key, "name": key, "created_at": utcnow()})
        found = session.exec(select(Workspace).where(Workspace.key == key)).one()
    return found


def user(session: Session, who: Who, workspace_id: int | None = None) -> User:
    found = session.exec(
        select(User).where(User.platform == who.platform, User.platform_user_id == who.user_id)
    ).first()
    if found is None:
        insert_ignore(session, User, {
            "platform": who.platform, "platform_user_id": who.user_id, "display_name": who.label, "role": "sales",
            "workspace_id": workspace_id, "created_at": utcnow(), "updated_at": utcnow(),
        })
        found = session.exec(
            select(User).where(User.platform == who.platform, User.platform_user_id == who.user_id)
        ).one()
    elif who.name and found.display_name != who.name:
        found.display_name = who.name
        found.updated_at = utcnow()
        session.add(found)
    return found


def find_user(session: Session, platform: str, user_id: str) -> User | None:
    return session.exec(select(User).where(User.platform == platform, User.platform_user_id == user_id)).first()


# --- finding the case ------------------------------------------------------------------------------
def find_case(session: Session, workspace_id: int, keys: BuyerKeys) -> tuple[Case, str] | None:
    """The case sharing the strongest key with the request, and that key's kind — unless what the
    request says contradicts that case (`conflicts`): such a match is uncertain and never merged; the
    check opens its own case and the card says which case it looks like."""
    if not keys.keys:
        return None
    rows = session.exec(
        select(CaseKey).where(CaseKey.workspace_id == workspace_id, col(CaseKey.key).in_([k for _, k in keys.keys]))
    ).all()
    for row in sorted(rows, key=lambda row: (KIND_RANK.get(row.kind, 9), row.case_id)):
        case = session.get(Case, row.case_id)
        if case is not None and not conflicts(case, keys, row.kind):
            return case, row.kind
    return None


def conflicts(case: Case, keys: BuyerKeys, matched_by: str) -> list[str]:
    """What the request says that contradicts a case it shares a key with: another LEI, VAT or registry
    number; or, matched by name and country only, web domains that share nothing with the case's."""
    found = [kind for kind, value in keys.identifiers.items()
             if (case.identifiers or {}).get(kind) and (case.identifiers or {})[kind] != value]
    if matched_by == "name" and keys.domains and case.domains and not set(keys.domains) & set(case.domains):
        found.append("domain")
    return found


def add_keys(session: Session, workspace_id: int, case_id: int, keys: BuyerKeys) -> None:
    """A new case's keys, except those another case already owns (an uncertain match keeps its own)."""
    owned = set(session.exec(select(CaseKey.key).where(
        CaseKey.workspace_id == workspace_id, col(CaseKey.key).in_([k for _, k in keys.keys]))).all())
    for kind, key in keys.keys:
        if key not in owned:
            session.add(CaseKey(workspace_id=workspace_id, case_id=case_id, kind=kind, key=key))


def case_in_workspace(session: Session, case_id: int, workspace_key: str) -> Case:
    """The case, if it belongs to that workspace; a forged id of another team's case is 'not found'."""
    case = session.get(Case, case_id)
    if case is None:
        raise Refused(Refusal.NOT_FOUND, id=case_id)
    ws = session.get(Workspace, case.workspace_id)
    if ws is None or ws.key != workspace_key:
        raise Refused(Refusal.NOT_FOUND, id=case_id)
    return case


@dataclass
class LooksLike:
    case_id: int
    name: str
    score: float
    last_checked_at: datetime | None
    last_checked_by: str


def looks_like(session: Session, workspace_id: int, base: str, exclude: int | None) -> LooksLike | None:
    """The most similar other case by name, if similar enough to mention (never merged)."""
    if not base:
        return None
    rows = session.exec(
        select(Case.id, Case.base_name, Case.name).where(Case.workspace_id == workspace_id, Case.id != (exclude or -1))
    ).all()
    candidates = {row[0]: row[1] for row in rows if row[0] is not None and row[1]}
    if not candidates:
        return None
    best = process.extractOne(base, candidates, scorer=fuzz.token_sort_ratio, score_cutoff=LOOKS_LIKE_MIN)
    if best is None:
        return None
    _, score, case_id = best
    case_id = int(case_id)
    name = next(row[2] for row in rows if row[0] == case_id)
    last = session.exec(
        select(CheckRun).where(CheckRun.case_id == case_id).order_by(col(CheckRun.created_at).desc(), col(CheckRun.id).desc())
    ).first()
    return LooksLike(
        case_id=case_id, name=name, score=score, last_checked_at=aware(last.created_at) if last else None,
        last_checked_by=last.actor_name if last else "",
    )


# --- writing a check ---------------------------------------------------------------------------------
@dataclass
class SavedCheck:
    case: Case
    run: CheckRun
    created: bool
    matched_by: str | None


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get(PAUSE_ENV + "_SECONDS", "60")))


def save_check(
    db: Database,
    who: Who,
    keys: BuyerKeys,
    *,
    request: dict[str, Any],
    report: dict[str, Any],
    risk_level: str | None,
    score: int | None,
    approval_required: bool,
    lists_as_of: dict[str, str],
    case_id: int | None = None,
    attempts: int = 10,
    decision: str | None = None,
) -> SavedCheck:
    """Store one check as a check run of its case (found by key, or new), all in one transaction."""
    last_error: Exception | None = None
    for attempt in range(attempts):
        try:
            with db.session() as session:
                saved = _save_once(session, who, keys, request, report, risk_level, score, approval_required,
                                   lists_as_of, case_id, decision)
                _pause_for_tests()
                session.commit()
                return saved
        except IntegrityError as error:  # another process opened the same buyer's case first
            last_error = error
            log.info("case key conflict (attempt %d), looking again", attempt + 1)
        except OperationalError as error:  # SQLite busy beyond the timeout, PostgreSQL serialization
            last_error = error
            log.warning("database busy (attempt %d): %s", attempt + 1, error)
        time.sleep(min(0.05 * (attempt + 1), 0.5))
    assert last_error is not None
    raise last_error


def _save_once(
    session: Session, who: Who, keys: BuyerKeys, request: dict[str, Any], report: dict[str, Any],
    risk_level: str | None, score: int | None, approval_required: bool, lists_as_of: dict[str, str],
    case_id: int | None, decision: str | None = None,
) -> SavedCheck:
    ws = workspace(session, who.workspace)
    ws_id = id_of(ws)
    person = user(session, who, ws_id)
    now = utcnow()
    matched_by: str | None = None
    case: Case | None
    if case_id is not None:
        case = case_in_workspace(session, case_id, who.workspace)
        matched_by = "id"
    else:
        found = find_case(session, ws_id, keys)
        case, matched_by = found if found else (None, None)
    created = case is None
    if case is None:
        case = Case(
            workspace_id=ws_id, name=keys.name, normalized_name=keys.normalized_name, base_name=keys.base_name,
            country=keys.country, domains=list(keys.domains), identifiers=dict(keys.identifiers),
            created_by=who.label, created_at=now, updated_at=now,
        )
        session.add(case)
        session.flush()
        add_keys(session, ws_id, id_of(case), keys)
        session.flush()  # IntegrityError here: someone else owns a key → roll back, retry, find it
        audit.record(session, "case_opened", actor=who.key, actor_name=who.label, case_id=case.id,
                     workspace_id=ws_id, details={"name": keys.name, "country": keys.country,
                                                  "keys": [k for _, k in keys.keys]})
    else:
        for kind, key in keys.keys:  # new aliases of a known buyer; a key owned by another case stays there
            insert_ignore(session, CaseKey, {"workspace_id": ws_id, "case_id": case.id, "kind": kind, "key": key})
        case.domains = sorted(set(case.domains or []) | set(keys.domains))
        case.identifiers = {**keys.identifiers, **(case.identifiers or {})}
        if not case.name and keys.name:
            case.name, case.normalized_name, case.base_name = keys.name, keys.normalized_name, keys.base_name
        if not case.country and keys.country:
            case.country = keys.country

    run = CheckRun(
        case_id=id_of(case), workspace_id=ws_id, user_id=person.id, actor=who.key, actor_name=who.label,
        platform=who.platform, created_at=now, risk_level=risk_level, score=score,
        approval_required=approval_required, lists_as_of=lists_as_of, request=request, report=report,
    )
    session.add(run)
    case.last_request = request
    case.last_risk_level = risk_level
    case.last_score = score
    case.last_decision = decision
    case.last_checked_at = now
    case.updated_at = now
    session.add(case)
    session.flush()
    audit.record(session, "check", actor=who.key, actor_name=who.label, case_id=case.id, workspace_id=ws.id,
                 details={"check_run": run.id, "risk": risk_level, "score": score, "platform": who.platform,
                          "decision": decision})
    _status_after_check(session, case, who, ws_id, risk_level, approval_required)
    session.flush()
    return SavedCheck(case=case, run=run, created=created, matched_by=matched_by)


def _status_after_check(session: Session, case: Case, who: Who, workspace_id: int, risk_level: str | None,
                        approval_required: bool) -> None:
    """Apply the state a check leaves the case in (`lifecycle.after_check`), with its audit event."""
    case_id = id_of(case)
    approval = latest_decision(session, case_id) if case.status == CaseStatus.APPROVED.value else None
    pending = case.status == CaseStatus.PENDING_APPROVAL.value and open_request(session, case_id) is not None
    move = lifecycle.after_check(case.status, risk_level=risk_level, approval_required=approval_required,
                                 approved_level=approval.risk_level if approval else None,
                                 has_approval=approval is not None, open_request=pending)
    if move is None:
        return
    case.status = move.new
    details: dict[str, Any] = {"risk": risk_level}
    if move.event is lifecycle.Event.APPROVAL_INVALIDATED and approval is not None:
        details.update(approved_at_risk=approval.risk_level, risk_now=risk_level)
    audit.record(session, move.event.value, actor=who.key, actor_name=who.label, case_id=case_id,
                 workspace_id=workspace_id, details=details)


# --- reading -----------------------------------------------------------------------------------------
def runs(session: Session, case_id: int, limit: int | None = None) -> list[CheckRun]:
    statement = select(CheckRun).where(CheckRun.case_id == case_id).order_by(
        col(CheckRun.created_at).desc(), col(CheckRun.id).desc()
    )
    if limit:
        statement = statement.limit(limit)
    return list(session.exec(statement))


def count_runs(session: Session, case_id: int) -> int:
    return session.exec(select(func.count()).select_from(CheckRun).where(CheckRun.case_id == case_id)).one()


def approvals(session: Session, case_id: int) -> list[Approval]:
    return list(session.exec(
        select(Approval).where(Approval.case_id == case_id).order_by(col(Approval.requested_at).desc(), col(Approval.id).desc())
    ))


def latest_decision(session: Session, case_id: int) -> Approval | None:
    return session.exec(
        select(Approval).where(Approval.case_id == case_id, col(Approval.decision).is_not(None))
        .order_by(col(Approval.decided_at).desc(), col(Approval.id).desc())
    ).first()


def open_request(session: Session, case_id: int) -> Approval | None:
    return session.exec(
        select(Approval).where(Approval.case_id == case_id, col(Approval.decision).is_(None))
        .order_by(col(Approval.requested_at).desc(), col(Approval.id).desc())
    ).first()


def notes(session: Session, case_id: int) -> list[Note]:
    return list(session.exec(select(Note).where(Note.case_id == case_id).order_by(col(Note.created_at).desc(), col(Note.id).desc())))


def clears(session: Session, case_id: int) -> list[ClearedMatch]:
    return list(session.exec(
        select(ClearedMatch).where(ClearedMatch.case_id == case_id).order_by(col(ClearedMatch.created_at).desc(), col(ClearedMatch.id).desc())
    ))


def trade_records(session: Session, case_id: int) -> list[TradeRecord]:
    return list(session.exec(
        select(TradeRecord).where(TradeRecord.case_id == case_id).order_by(col(TradeRecord.date).desc(), col(TradeRecord.id).desc())
    ))


@dataclass
class History:
    """Everything the team knows about a case, for the History section and `cases show`."""

    case: Case
    runs: list[CheckRun] = field(default_factory=list)
    run_count: int = 0
    approvals: list[Approval] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    clears: list[ClearedMatch] = field(default_factory=list)
    trade: list[TradeRecord] = field(default_factory=list)


def history(session: Session, case: Case, run_limit: int = 5) -> History:
    assert case.id is not None
    return History(
        case=case, runs=runs(session, case.id, run_limit), run_count=count_runs(session, case.id),
        approvals=approvals(session, case.id), notes=notes(session, case.id), clears=clears(session, case.id),
        trade=trade_records(session, case.id),
    )


def list_cases(session: Session, workspace_key: str | None = None, status: str | None = None, limit: int = 200) -> list[Case]:
    statement = select(Case)
    if workspace_key:
        statement = statement.join(Workspace, col(Workspace.id) == col(Case.workspace_id)).where(Workspace.key == workspace_key)
    if status:
        statement = statement.where(Case.status == status)
    return list(session.exec(statement.order_by(col(Case.updated_at).desc(), col(Case.id).desc()).limit(limit)))


def search_cases(session: Session, workspace_id: int, query: str, keys: BuyerKeys, limit: int = 5) -> list[Case]:
    """Cases for `/history ACME`: by key (identifier, domain, exact name) first, then by similar name."""
    found: list[Case] = []
    if keys.keys:
        key_rows = session.exec(
            select(CaseKey).where(CaseKey.workspace_id == workspace_id, col(CaseKey.key).in_([k for _, k in keys.keys]))
        ).all()
        for key_row in sorted(key_rows, key=lambda r: KIND_RANK.get(r.kind, 9)):
            case = session.get(Case, key_row.case_id)
            if case and case not in found:
                found.append(case)
    if keys.base_name:
        names = session.exec(select(Case.id, Case.base_name).where(Case.workspace_id == workspace_id)).all()
        choices = {case_id: base for case_id, base in names if base}
        for _, _score, case_id in process.extract(keys.base_name, choices, scorer=fuzz.WRatio, limit=limit * 2,
                                                  score_cutoff=80):
            case = session.get(Case, case_id)
            if case and case not in found:
                found.append(case)
        lowered = query.strip().casefold()
        if lowered:
            for named in session.exec(
                select(Case).where(Case.workspace_id == workspace_id, func.lower(Case.name).contains(lowered)).limit(limit)
            ):
                if named not in found:
                    found.append(named)
    return found[:limit]


# --- approvals (four eyes) -------------------------------------------------------------------------
# The rules are checks.lifecycle's (roles, four eyes, expiry, the race between two managers); these
# functions read the facts the rules need and persist the outcome. `Refused` is the lifecycle's too.


def facts(session: Session, case: Case, person: User | None = None) -> CaseFacts:
    """What the lifecycle rules need to know about the case (and whether its open request is
    `person`'s own)."""
    pending = open_request(session, id_of(case)) if case.status == CaseStatus.PENDING_APPROVAL.value else None
    return _facts(case, pending, person)


def _facts(case: Case, pending: Approval | None, person: User | None) -> CaseFacts:
    return CaseFacts(status=case.status, level=case.last_risk_level, stop=lifecycle.is_stop(case.last_decision),
                     open_request=pending is not None, id=case.id,
                     own_request=pending is not None and person is not None and pending.requested_by_id == person.id)


def _just_decided(session: Session, case: Case, person: User) -> bool:
    """Another person decided this case less than DECISION_RACE ago."""
    last = session.exec(select(Approval).where(Approval.case_id == case.id, col(Approval.decided_at).is_not(None))
                        .order_by(col(Approval.decided_at).desc())).first()
    if last is None:
        return False
    return lifecycle.is_racing(aware(last.decided_at), last.decided_by_id != person.id, utcnow())


def _cas_status(session: Session, case: Case, move: Transition) -> None:
    """Compare-and-set: move the case only if nobody changed its status meanwhile.

    Refused(changed_meanwhile) when someone did; the UPDATE then changed nothing, and the caller's
    transaction is left as it was (the caller decides whether to roll back)."""
    result = session.execute(
        update(Case).where(col(Case.id) == case.id, col(Case.status) == move.old)
        .values(status=move.new, updated_at=utcnow())
    )
    if rowcount(result) != 1:
        raise Refused(Refusal.CHANGED_MEANWHILE, id=case.id)
    session.refresh(case)


def expire_approval(session: Session, case: Case) -> bool:
    """An approval past its expiry no longer counts: the case needs approval again (True when the
    latest approval has expired, whether this call or another process moved the case)."""
    if case.status != CaseStatus.APPROVED.value:
        return False
    decision = latest_decision(session, id_of(case))
    expires = aware(decision.expires_at) if decision is not None else None
    move = lifecycle.on_expiry(case.status, expires, utcnow())
    if decision is None or move is None:
        return False
    result = session.execute(
        update(Case).where(col(Case.id) == case.id, col(Case.status) == move.old)
        .values(status=move.new, updated_at=utcnow())
    )
    if rowcount(result) == 1:
        audit.record(session, move.event.value, actor=SYSTEM.key, actor_name=SYSTEM.label, case_id=case.id,
                     workspace_id=case.workspace_id, details={"approval": decision.id, "expired_at": expires})
    session.refresh(case)
    return True


def request_approval(session: Session, case: Case, who: Who, *, reason: str | None = None, deal: str | None = None,
                     stop: bool = False) -> Approval:
    """Ask for a decision, saying why (and optionally the deal); a STOP case goes to compliance."""
    expire_approval(session, case)
    move = lifecycle.on_request(facts(session, case), stop=stop)
    person = user(session, who, case.workspace_id)
    _cas_status(session, case, move)
    last = runs(session, id_of(case), 1)
    approval = Approval(
        case_id=id_of(case), check_run_id=last[0].id if last else None, requested_by_id=person.id,
        requested_by=who.label, requested_at=utcnow(), risk_level=case.last_risk_level,
        request_reason=(reason or "").strip()[:4000] or None, deal=(deal or "").strip()[:2000] or None, stop=stop,
    )
    session.add(approval)
    session.flush()
    audit.record(session, move.event.value, actor=who.key, actor_name=who.label,
                 case_id=case.id, workspace_id=case.workspace_id,
                 details={"approval": approval.id, "risk": case.last_risk_level, "reason": approval.request_reason,
                          "deal": approval.deal, "decision": case.last_decision})
    return approval


def decide(
    session: Session, case: Case, who: Who, role: str, decision: str, *,
    reason: str | None = None, reason_code: str | None = None, expiry_days: int = lifecycle.DEFAULT_EXPIRY_DAYS,
    stop: bool = False, reason_required: bool = False, confirmed: bool = False,
) -> Approval:
    """Approve or reject (the rules: `lifecycle.decision_form_refusal` and `lifecycle.on_decision`).

    Only managers; never their own request; a rejection needs a reason. A STOP case (sanctions,
    embargo, impersonation) is approved only by compliance, with a reason and a confirmation;
    approving a high or critical case needs a reason (`reason_required`)."""
    refused = lifecycle.decision_form_refusal(decision, role, reason=reason, stop=stop,
                                              reason_required=reason_required, confirmed=confirmed)
    if refused is not None:
        raise Refused(refused)
    reason = (reason or "").strip() or None
    expire_approval(session, case)
    person = user(session, who, case.workspace_id)
    pending = open_request(session, id_of(case)) if case.status == CaseStatus.PENDING_APPROVAL.value else None
    if decision == "approve" and pending is None:  # another manager may have just decided it: say so
        session.refresh(case)
    racing = (decision == "reject" and case.status == CaseStatus.APPROVED.value
              and _just_decided(session, case, person))
    move = lifecycle.on_decision(decision, _facts(case, pending, person), racing=racing)
    now = utcnow()
    _cas_status(session, case, move)
    approval = pending or Approval(case_id=id_of(case), requested_by_id=None, requested_by="", requested_at=now,
                                   risk_level=case.last_risk_level)
    approval.decided_by_id = person.id
    approval.decided_by = who.label
    approval.decision = decision
    approval.reason_text = reason
    approval.reason_code = lifecycle.reason_code(reason_code)
    approval.decided_at = now
    approval.expires_at = lifecycle.expires_at(decision, now, expiry_days)
    session.add(approval)
    session.flush()
    audit.record(session, move.event.value, actor=who.key, actor_name=who.label,
                 case_id=case.id, workspace_id=case.workspace_id,
                 details={"approval": approval.id, "reason": reason, "reason_code": approval.reason_code,
                          "requested_by": approval.requested_by, "expires_at": approval.expires_at,
                          "role": role, "stop": stop, "confirmed": confirmed if stop else None,
                          "decision": case.last_decision})
    return approval


# --- notes, cleared matches, watching ------------------------------------------------------------
def add_note(session: Session, case: Case, who: Who, text: str) -> Note:
    text = text.strip()
    if not text:
        raise Refused(Refusal.REASON_REQUIRED)
    person = user(session, who, case.workspace_id)
    note = Note(case_id=id_of(case), user_id=person.id, author=who.label, text=text[:4000])
    session.add(note)
    session.flush()
    audit.record(session, "note_added", actor=who.key, actor_name=who.label, case_id=case.id,
                 workspace_id=case.workspace_id, details={"note": note.id, "text": note.text})
    return note


def clear_match(
    session: Session, case: Case, who: Who, role: str, *, source: str, source_id: str, fingerprint: str,
    entry_name: str, reason: str | None,
) -> ClearedMatch:
    refused = lifecycle.refusal(lifecycle.Action.CLEAR_MATCH, role, _facts(case, None, None))
    if refused is not None:
        raise Refused(refused)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(Refusal.REASON_REQUIRED)
    person = user(session, who, case.workspace_id)
    cleared = ClearedMatch(case_id=id_of(case), source=source, source_id=source_id, fingerprint=fingerprint,
                           entry_name=entry_name[:500], reason=reason[:4000], user_id=person.id, cleared_by=who.label)
    session.add(cleared)
    session.flush()
    audit.record(session, "match_cleared", actor=who.key, actor_name=who.label, case_id=case.id,
                 workspace_id=case.workspace_id,
                 details={"source": source, "source_id": source_id, "fingerprint": fingerprint,
                          "entry_name": entry_name, "reason": reason})
    return cleared


def schedule_recheck(session: Session, case: Case, who: Who, days: int) -> datetime:
    """Watch the case: a `recheck` job is due in `days` (the scheduler claims it)."""
    from .jobs import recheck_key
    from .models import Job

    due = utcnow() + timedelta(days=days)
    case.watching = True
    case.next_recheck_at = due
    case.updated_at = utcnow()
    session.add(case)
    insert_ignore(session, Job, {
        "kind": "recheck", "case_id": case.id, "due_at": due, "status": "pending", "attempts": 0,
        "dedup_key": recheck_key(case.id, due), "payload": {"by": who.key, "days": days},
        "created_at": utcnow(),
    })
    audit.record(session, "recheck_scheduled", actor=who.key, actor_name=who.label, case_id=case.id,
                 workspace_id=case.workspace_id, details={"days": days, "due_at": due})
    return due


def stop_watching(session: Session, case: Case, who: Who) -> None:
    from .models import Job

    case.watching = False
    case.next_recheck_at = None
    case.updated_at = utcnow()
    session.add(case)
    session.execute(
        update(Job).where(col(Job.case_id) == case.id, col(Job.kind) == "recheck", col(Job.status) == "pending")
        .values(status="done", last_error=f"cancelled by {who.label}")
    )
    audit.record(session, "watch_stopped", actor=who.key, actor_name=who.label, case_id=case.id,
                 workspace_id=case.workspace_id, details={})
