"""A case's card: its last check as it stands now, with what the database knows about the case."""

from __future__ import annotations

from typing import Any

from checks.i18n import t
from checks.models import Report
from storage import cases as case_store
from storage.models import Case, CaseStatus, aware

from ..card import Card, CardSettings, CaseInfo, build_card
from .clears import cleared_keys
from .scoring import Scoring
from .text import date_text


def looks_like_text(session: Any, case: Case, lang: str) -> str | None:
    """"Looks like case #N" when another case of the team has a similar name."""
    similar = case_store.looks_like(session, case.workspace_id, case.base_name, case.id)
    if similar is None:
        return None
    if similar.last_checked_at:
        return t("flows.looks_like", lang, id=similar.case_id, name=similar.name,
                 when=date_text(similar.last_checked_at), who=similar.last_checked_by)
    return t("flows.looks_like_unchecked", lang, id=similar.case_id, name=similar.name)


def case_info(session: Any, case: Case, report: Report | None, lang: str, looks_like: bool = True) -> CaseInfo:
    """The case's state for its card (an approval that ran out is expired first)."""
    case_store.expire_approval(session, case)
    assert case.id is not None
    info = CaseInfo(id=case.id, status=case.status, watching=case.watching,
                    next_recheck=aware(case.next_recheck_at))
    decided = case_store.latest_decision(session, case.id)
    if decided is not None and case.status in (CaseStatus.APPROVED.value, CaseStatus.REJECTED.value):
        info.decision, info.decided_by = decided.decision, decided.decided_by
        info.decided_at, info.decision_reason = aware(decided.decided_at), decided.reason_text
        info.expires_at = aware(decided.expires_at)
    if case.status == CaseStatus.PENDING_APPROVAL.value:
        pending = case_store.open_request(session, case.id)
        if pending is not None:
            info.requested_by, info.requested_at = pending.requested_by, aware(pending.requested_at)
            info.request_reason, info.deal = pending.request_reason, pending.deal
    if report is not None:
        info.cleared = cleared_keys(report, case_store.clears(session, case.id))
    if looks_like:
        info.looks_like = looks_like_text(session, case, lang)
    return info


def card_for_case(scoring: Scoring, session: Any, case: Case, lang: str, *, settings: CardSettings,
                  details: bool = False, report: Report | None = None) -> Card | None:
    """The case's latest card (its last check with the case's current state). Pass `report` when the
    caller already has the current report, so it is not loaded and scored again; `settings`: the runtime's."""
    assert case.id is not None
    if report is None:
        report = scoring.current_report(session, case.id)
    if report is None:
        return None
    return build_card(report, case_info(session, case, report, lang), settings=settings, details=details)
