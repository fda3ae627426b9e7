"""Platform-neutral use cases: every adapter (terminal, Slack, Telegram) calls these and renders.

The only place that combines `checks/` (the engine) and `storage/` (the team's memory): a check is
stored as a check run of its buyer's case, the case's history goes into the report (so the scorer
sees it), cleared sanctions matches are applied before scoring, and every button press is checked
here, server-side, whatever the button payload says (roles, four eyes, the case's workspace).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from checks.engine import CheckContext, Engine, ProgressCallback
from checks.i18n import normalize_lang, t
from checks.models import Finding, Report, RiskLevel, Section, Severity, Status
from checks.registry import build_engine
from checks.request import CheckRequest, RequestError, parse
from storage import cases as store
from storage import chatstate
from storage.buyers import BuyerKeys, buyer_keys
from storage.db import Database, DatabaseNotReady, get_database
from storage.models import Case, CaseStatus, aware, utcnow

from .card import ActionKind, Card, CaseInfo, build_card, hit_keys, party_key
from .settings import get_bot_settings as get_settings

log = logging.getLogger(__name__)


# Who did something: a user of one platform in one workspace (team). The same value storage records.
Actor = store.Who


@dataclass(frozen=True)
class Conversation:
    """Where a card lives, so that later messages (decisions, re-checks) reach the same place."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None
    message: str | None = None


class CheckOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    request: CheckRequest
    report: Report
    card: Card
    case: CaseInfo | None = None


@lru_cache(maxsize=4)
def _engine(offline: bool) -> Engine:
    return build_engine(get_settings(), offline=offline)


def get_engine(offline: bool | None = None) -> Engine:
    """One engine per process (its indexes are built once)."""
    return _engine(get_settings().offline if offline is None else offline)


def warm_up(offline: bool | None = None) -> None:
    """Share list versions through the database, and let the engine's slow-to-load sources (the
    sanctions index) load in the background now."""
    from . import lists_sync

    lists_sync.enable(ensure_database())
    for source in get_engine(offline).sources:
        start = getattr(source, "warm_up", None)
        if callable(start):
            start()


def default_lang() -> str:
    return normalize_lang(get_settings().tradecheck_lang)


def describe_error(error: RequestError, lang: str) -> str:
    """A bad request, explained in the user's language with an example."""
    return t(error.key, lang, **error.params) + "\n" + t("request.example", lang)


def parse_request(text: str, lang: str | None = None) -> CheckRequest:
    request = parse(text, default_lang=lang or default_lang())
    request.lang = normalize_lang(request.lang)
    return request


def describe_request(request: CheckRequest) -> list[str]:
    """What the parser understood, shown before the card (paste mode, ignored keys)."""
    lang = request.lang or "en"
    lines: list[str] = []
    if request.pasted and request.extracted:
        found = "; ".join(f"{t('request.extracted.' + key, lang)}: {', '.join(values)}"
                          for key, values in request.extracted.items())
        lines.append(t("request.extracted", lang) + " — " + found)
    if request.ignored:
        lines.append(t("request.ignored", lang, keys=", ".join(request.ignored)))
    if request.country_input:
        lines.append(t("request.country_unknown", lang, country=request.country_input))
    if request.lang_input:
        lines.append(t("request.lang_unavailable", lang, language=request.lang_input))
    return lines



__all__ = [
    "Actor", "Conversation", "CheckOutcome", "FlowResult", "DatabaseNotReady", "run_check", "recheck",
    "perform_action", "link_card", "card_in_chat", "history_text", "save_prompt", "take_prompt", "first_delivery",
    "mark_conversation_dead", "get_user_lang", "set_user_lang", "role_of", "ensure_database", "get_engine",
    "default_lang", "describe_error", "describe_request", "parse_request", "cases_text", "card_for_case",
    "can_perform", "open_case", "needs_reason",
]


class Attachment(BaseModel):
    """A file a flow hands to the adapter (the evidence pack): Slack uploads it, Telegram sends it."""

    filename: str
    content: bytes
    mime: str
    caption: str = ""
    lang: str = "en"


class FlowResult(BaseModel):
    """What a button press did, for the adapter to show."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    ok: bool
    message: str
    card: Card | None = None
    case_id: int | None = None
    needs_reason: bool = False
    needs_confirm: bool = False
    prompt: str = ""  # what the reason prompt is for: an ActionKind value, or approve_stop
    announce: str | None = None
    attachment: Attachment | None = None


# --- database and policy ---------------------------------------------------------------------------
def ensure_database() -> Database:
    """The configured database, checked at start-up: raises DatabaseNotReady if the schema is behind
    (the default local SQLite file and a brand-new database are upgraded automatically)."""
    database = get_database(get_settings().database_url)
    database.ensure_ready()
    return database


def _who(actor: Actor) -> store.Who:
    return actor


def _policy() -> Any:
    try:
        from checks.policy import load_policy  # written by the scoring work; optional here
    except ImportError:
        return None
    try:
        return load_policy()
    except Exception:  # a broken policy file must not stop checks: fall back to the scorer's flag
        log.exception("could not load the policy")
        return None


def _approval_level(policy: Any) -> RiskLevel | None:
    level = getattr(policy, "approval_level", None) if policy is not None else None
    if level is None:
        return None
    try:
        return RiskLevel(getattr(level, "value", level))
    except ValueError:
        return None


def approval_expiry_days() -> int:
    days = getattr(_policy(), "approval_expiry_days", None)
    return int(days) if isinstance(days, (int, float)) and days >= 0 else 180


def _needs_approval(report: Report) -> bool:
    """At or above the policy's approval level; without a policy, what the scorer decided."""
    level = _approval_level(_policy())
    if level is not None and not report.pending:
        return report.risk.level.rank >= level.rank or report.risk.approval_required
    return report.risk.approval_required


# --- same buyer --------------------------------------------------------------------------------------
def keys_of(request: CheckRequest) -> BuyerKeys:
    return buyer_keys(request.company, request.country, email=request.email, site=request.site,
                      lei=request.lei, vat=request.vat, reg=request.reg)


def _date(value: datetime | None) -> str:
    value = aware(value)
    return value.strftime("%Y-%m-%d") if value else "?"


def _looks_like_text(session: Any, case: Case, lang: str) -> str | None:
    similar = store.looks_like(session, case.workspace_id, case.base_name, case.id)
    if similar is None:
        return None
    if similar.last_checked_at:
        return t("flows.looks_like", lang, id=similar.case_id, name=similar.name,
                 when=_date(similar.last_checked_at), who=similar.last_checked_by)
    return t("flows.looks_like_unchecked", lang, id=similar.case_id, name=similar.name)


# --- cleared matches ---------------------------------------------------------------------------------
_ENTRY_KEYS = ("name", "names", "entry_name", "matched_name", "aliases", "programs", "program", "list", "list_name",
               "type", "countries", "identifiers", "dates_of_birth", "listed_on", "remarks")


def entry_fingerprint(data: dict[str, Any]) -> str:
    """The list entry's version, or a hash of what the entry says (never of the query's score).

    Uses `entry_version` / `fingerprint` / `entry_fingerprint` from the finding's data when the
    screening source provides one; otherwise hashes the entry's names, programs, list and the like.
    """
    for key in ("entry_version", "entry_fingerprint", "fingerprint"):
        if data.get(key):
            return str(data[key])[:128]
    content = {key: data[key] for key in _ENTRY_KEYS if data.get(key) not in (None, "", [], {})}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def _entry_name(data: dict[str, Any]) -> str:
    for key in ("name", "entry_name", "matched_name"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    names = data.get("names")
    if isinstance(names, list) and names:
        return str(names[0])
    return str(data.get("source_id", ""))


SCREENING_HITS = ("sanctions.hit", "sanctions.possible")  # one finding per listed party (all its lists)


MATCH_CODES = ("sanctions.hit", "sanctions.possible")  # a list match a manager can clear ("Not this buyer")


def _hits(report: Report) -> list[Finding]:
    return [f for f in report.findings() if f.code in SCREENING_HITS and f.data.get("source_id")]


def apply_clears(report: Report, clears: list[Any], lang: str) -> tuple[bool, list[dict[str, str]]]:
    """Mark hits a manager cleared (same entry version) as info, never hidden; a changed entry alerts again.

    Returns (changed anything, re-alerts). Run before scoring so the scorer does not count them.
    """
    changed = False
    realerts: list[dict[str, str]] = []
    for finding in _hits(report):
        source, source_id = str(finding.data.get("source", "")), str(finding.data.get("source_id"))
        matching = [c for c in clears if c.source == source and c.source_id == source_id]
        if not matching:
            continue
        latest = matching[0]  # newest first
        fingerprint = entry_fingerprint(finding.data)
        if any(c.fingerprint == fingerprint for c in matching):
            clear = next(c for c in matching if c.fingerprint == fingerprint)
            finding.data["cleared"] = True
            finding.data["cleared_by"] = clear.cleared_by
            finding.data["severity_before_clear"] = finding.severity.value
            finding.status = Status.INFO
            finding.severity = Severity.INFO  # nothing downstream (score, ask-next rules) treats it as serious
            finding.detail = t("flows.cleared.detail", lang, who=clear.cleared_by, when=_date(clear.created_at),
                               reason=clear.reason) + (" — " + finding.detail if finding.detail else "")
            changed = True
        else:
            finding.data["cleared_stale"] = True
            finding.detail = t("flows.cleared.changed", lang, who=latest.cleared_by, when=_date(latest.created_at)) + (
                " — " + finding.detail if finding.detail else "")
            realerts.append({"source": source, "source_id": source_id, "old": latest.fingerprint, "new": fingerprint})
    return changed, realerts


# --- the History section ---------------------------------------------------------------------------
def _finding(code: str, status: Status, severity: Severity, title: str, detail: str = "", **data: Any) -> Finding:
    return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                   section=Section.HISTORY, data=data)


def _level_name(level: str | None, lang: str) -> str:
    return t(f"level.{level}", lang) if level in ("low", "medium", "high", "critical") else "?"


def history_findings(history: store.History, lang: str) -> list[Finding]:
    """What the team already knows about this buyer, as findings the scorer and the card can use."""
    out: list[Finding] = []
    case = history.case
    if history.runs:
        last = history.runs[0]
        out.append(_finding(
            "history.previous_checks", Status.INFO, Severity.INFO,
            t("flows.history.previous", lang, n=history.run_count, id=case.id, when=_date(last.created_at),
              who=last.actor_name or last.actor),
            t("flows.history.risk_then", lang, then=_level_name(last.risk_level, lang), score=last.score or 0),
            case_id=case.id, checks=history.run_count, last_level=last.risk_level, last_score=last.score,
            last_at=_date(last.created_at), earlier=_earlier_checks(history, lang),
        ))
    decided = next((a for a in history.approvals if a.decision), None)
    pending = next((a for a in history.approvals if not a.decision), None)
    if decided is not None:
        when, who, reason = _date(decided.decided_at), decided.decided_by or "?", decided.reason_text or ""
        expired = decided.expires_at is not None and aware(decided.expires_at) <= utcnow()  # type: ignore[operator]
        if decided.decision == "reject":
            out.append(_finding("history.rejected", Status.FLAG, Severity.HIGH,
                                t("flows.history.rejected", lang, who=who, when=when), reason,
                                by=who, reason_code=decided.reason_code))
        elif expired:
            out.append(_finding("history.approval_expired", Status.FLAG, Severity.LOW,
                                t("flows.history.approval_expired", lang, who=who, when=when,
                                  expired=_date(decided.expires_at)), reason, by=who))
        else:
            out.append(_finding("history.approved", Status.INFO, Severity.INFO,
                                t("flows.history.approved", lang, who=who, when=when,
                                  level=_level_name(decided.risk_level, lang)),
                                reason, by=who, expires=_date(decided.expires_at) if decided.expires_at else None))
    if pending is not None and case.status == CaseStatus.PENDING_APPROVAL.value:
        out.append(_finding("history.pending_approval", Status.INFO, Severity.INFO,
                            t("flows.history.pending", lang, who=pending.requested_by, when=_date(pending.requested_at))))
    for cleared in history.clears[:3]:
        out.append(_finding("history.cleared_match", Status.INFO, Severity.INFO,
                            t("history.cleared", lang, entry=cleared.entry_name or f"{cleared.source}:{cleared.source_id}",
                              who=cleared.cleared_by or "?", when=_date(cleared.created_at)), cleared.reason,
                            source=cleared.source, source_id=cleared.source_id))
    for note in history.notes[:3]:
        out.append(_finding("history.note", Status.INFO, Severity.INFO,
                            t("flows.history.note", lang, who=note.author, when=_date(note.created_at)), note.text))
    out.extend(_trade_findings(history, lang))
    return out


def _earlier_checks(history: store.History, lang: str) -> str:
    """The last few checks, newest first: when, by whom, the risk then."""
    items = [t("history.earlier_item", lang, when=_date(run.created_at), who=run.actor_name or run.actor,
               level=_level_name(run.risk_level, lang)) for run in history.runs[:5]]
    if history.run_count > len(items):
        items.append(t("history.earlier_more", lang, n=history.run_count - len(items)))
    return " · ".join(items)


def _money(amount: Any, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency or ''}".strip()


def _trade_findings(history: store.History, lang: str) -> list[Finding]:
    out: list[Finding] = []
    records = history.trade
    if not records:
        return out
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    summary = ", ".join(f"{t('flows.trade.kind.' + kind, lang)} ×{n}" for kind, n in sorted(counts.items()))
    first = min(r.date for r in records)
    out.append(_finding("history.trade_summary", Status.INFO, Severity.INFO,
                        t("flows.history.trade_summary", lang, n=len(records), since=first.isoformat()), summary,
                        counts=counts))
    for record in records:
        settled = record.status in ("paid", "settled", "closed", "cancelled")
        ref = record.reference or "—"
        if record.kind == "overdue":
            days = record.days_overdue or 0
            severity = Severity.HIGH if days >= 60 else Severity.MEDIUM
            out.append(_finding(
                "history.trade_overdue", Status.INFO if settled else Status.FLAG, Severity.LOW if settled else severity,
                t("flows.history.overdue_paid" if settled else "flows.history.overdue", lang, ref=ref,
                  amount=_money(record.amount, record.currency), days=days, when=record.date.isoformat()),
                record.note or "", days_overdue=days, reference=record.reference,
            ))
        elif record.kind == "dispute":
            out.append(_finding(
                "history.trade_dispute", Status.INFO if settled else Status.FLAG,
                Severity.LOW if settled else Severity.HIGH,
                t("flows.history.dispute_settled" if settled else "flows.history.dispute", lang, ref=ref,
                  amount=_money(record.amount, record.currency), when=record.date.isoformat()),
                record.note or "", reference=record.reference,
            ))
    return out


# --- running a check -----------------------------------------------------------------------------------
@dataclass
class _Prior:
    case_id: int | None
    history: list[Finding]
    clears: list[Any]


def _prior(database: Database, actor: Actor, keys: BuyerKeys, case_id: int | None, lang: str) -> _Prior:
    """Read-only: the case this check will join (if any), its history and its cleared matches."""
    with database.session() as session:
        ws = store.workspace(session, actor.workspace)
        session.commit()
        if case_id is not None:
            case: Case | None = store.case_in_workspace(session, case_id, actor.workspace)
        else:
            found = store.find_case(session, ws.id, keys)  # type: ignore[arg-type]
            case = found[0] if found else None
        if case is None:
            return _Prior(None, [], [])
        if store.expire_approval(session, case):
            session.commit()
        history = store.history(session, case)
        return _Prior(case.id, history_findings(history, lang), history.clears)


def _fill_now(report: Report, lang: str) -> None:
    """The previous-checks finding says the risk then; add the risk now that the scorer has spoken."""
    for finding in report.sections.history:
        if finding.code == "history.previous_checks" and not report.pending:
            then = finding.data.get("last_level")
            now = report.risk.level.value
            finding.detail = t("flows.history.risk_then_now", lang, then=_level_name(then, lang),
                               now=_level_name(now, lang), score=report.risk.score)
            if finding.data.get("checks", 0) > 1 and finding.data.get("earlier"):
                finding.detail += "\n" + str(finding.data["earlier"])
            finding.data["level_now"] = now


def _rescore(engine: Engine, report: Report) -> None:
    engine.score(report, CheckContext.for_lang(report.lang))  # the risk and the decision


def _case_info(session: Any, case: Case, report: Report | None, lang: str, looks_like: bool = True) -> CaseInfo:
    store.expire_approval(session, case)
    info = CaseInfo(id=case.id, status=case.status, watching=case.watching,
                    next_recheck=aware(case.next_recheck_at))
    decided = store.latest_decision(session, case.id)  # type: ignore[arg-type]
    if decided is not None and case.status in (CaseStatus.APPROVED.value, CaseStatus.REJECTED.value):
        info.decision, info.decided_by = decided.decision, decided.decided_by
        info.decided_at, info.decision_reason = aware(decided.decided_at), decided.reason_text
        info.expires_at = aware(decided.expires_at)
    if case.status == CaseStatus.PENDING_APPROVAL.value:
        pending = store.open_request(session, case.id)  # type: ignore[arg-type]
        if pending is not None:
            info.requested_by, info.requested_at = pending.requested_by, aware(pending.requested_at)
            info.request_reason, info.deal = pending.request_reason, pending.deal
    if report is not None:
        clears = store.clears(session, case.id)  # type: ignore[arg-type]
        info.cleared = [
            f"{f.data.get('source')}:{f.data.get('source_id')}" for f in _hits(report)
            if f.data.get("cleared") or any(
                c.source == str(f.data.get("source", "")) and c.source_id == str(f.data.get("source_id"))
                and c.fingerprint == entry_fingerprint(f.data) for c in clears)
        ]
    if looks_like:
        info.looks_like = _looks_like_text(session, case, lang)
    return info


async def run_check(
    text: str | CheckRequest,
    actor: Actor,
    conversation: Conversation | None = None,
    *,
    lang: str | None = None,
    store: bool = True,
    engine: Engine | None = None,
    on_progress: ProgressCallback | None = None,
    case_id: int | None = None,
) -> CheckOutcome:
    """Parse, run every source, store the check in its buyer's case, and build the card.

    Raises RequestError for bad input and DatabaseNotReady when the schema is behind. With
    `store=False` (a dry run) the database is not touched. `case_id` re-checks that case.
    """
    if lang is None and store and not isinstance(text, CheckRequest):
        lang = await asyncio.to_thread(get_user_lang, actor)
    request = text if isinstance(text, CheckRequest) else parse_request(text, lang)
    if isinstance(text, CheckRequest):
        request = request.model_copy()
        request.lang = normalize_lang(lang or request.lang or default_lang())
    engine = engine or get_engine()
    if not store:
        report = await engine.run(request, on_progress=on_progress)
        _mark_approval(report)
        return CheckOutcome(request=request, report=report, card=build_card(report))

    database = await asyncio.to_thread(ensure_database)
    keys = keys_of(request)
    report_lang = normalize_lang(request.lang)
    prior = await asyncio.to_thread(_prior, database, actor, keys, case_id, report_lang)
    report = await engine.run(request, on_progress=on_progress, extra_findings=prior.history)
    changed, realerts = apply_clears(report, prior.clears, report_lang)
    if changed:
        _rescore(engine, report)
    _mark_approval(report)
    _fill_now(report, report_lang)
    info = await asyncio.to_thread(_store_check, database, actor, keys, request, report, case_id, realerts,
                                   conversation)
    return CheckOutcome(request=request, report=report, card=build_card(report, info), case=info)


def _mark_approval(report: Report) -> None:
    if not report.pending and _needs_approval(report):
        report.risk.approval_required = True


def _store_check(
    database: Database, actor: Actor, keys: BuyerKeys, request: CheckRequest, report: Report,
    case_id: int | None, realerts: list[dict[str, str]], conversation: Conversation | None,
) -> CaseInfo:
    saved = store.save_check(
        database, _who(actor), keys, request=request.model_dump(mode="json"), report=report.model_dump(mode="json"),
        risk_level=None if report.pending else report.risk.level.value, score=report.risk.score,
        approval_required=report.risk.approval_required, lists_as_of=dict(report.lists_as_of), case_id=case_id,
        decision=None if report.pending else report.decision.code.value,
    )
    with database.session() as session:
        case = session.get(Case, saved.case.id)
        assert case is not None
        for realert in realerts:
            store.audit.record(session, "match_realerted", actor=store.SYSTEM.key, actor_name=store.SYSTEM.label,
                               case_id=case.id, workspace_id=case.workspace_id, details=realert)
        if conversation is not None:
            chatstate.link(session, case.id, conversation.platform, conversation.workspace, conversation.channel,  # type: ignore[arg-type]
                           conversation.thread, conversation.message)
        info = _case_info(session, case, report, report.lang)
        session.commit()
    return info


async def recheck(case_id: int, actor: Actor, conversation: Conversation | None = None, *,
                  lang: str | None = None, engine: Engine | None = None,
                  on_progress: ProgressCallback | None = None) -> CheckOutcome:
    """Run the case's last request again (a button, or the scheduler) and store it in the same case."""
    database = await asyncio.to_thread(ensure_database)

    def load() -> dict[str, Any] | None:
        with database.session() as session:
            return store.case_in_workspace(session, case_id, actor.workspace).last_request

    last = await asyncio.to_thread(load)
    if not last:
        raise store.Refused("flows.refused.nothing_to_recheck", id=case_id)
    request = CheckRequest.model_validate(last)
    return await run_check(request, actor, conversation, lang=lang or request.lang, engine=engine,
                           on_progress=on_progress, case_id=case_id)


# --- buttons -----------------------------------------------------------------------------------------
# Actions that always need a text typed by the person (each platform asks for it its own way).
REASON_REQUIRED = frozenset({ActionKind.REJECT, ActionKind.ADD_NOTE, ActionKind.CLEAR_MATCH,
                             ActionKind.REQUEST_APPROVAL, ActionKind.ESCALATE})
# Actions that may need one, depending on the case (approving a high, critical or STOP case).
MAY_NEED_REASON = REASON_REQUIRED | {ActionKind.APPROVE}
# Actions that take an optional deal description with the reason (goods, value, payment terms).
WITH_DEAL = frozenset({ActionKind.REQUEST_APPROVAL, ActionKind.ESCALATE})
_MANAGER_ONLY = {ActionKind.APPROVE, ActionKind.REJECT, ActionKind.CLEAR_MATCH}


def _last_report(session: Any, case_id: int) -> Report | None:
    last = store.runs(session, case_id, 1)
    return Report.model_validate(last[0].report) if last else None


def _rescore_report(report: Report) -> None:
    """Score and decide the stored report again (after a cleared match): no sources are asked."""
    if report.pending:
        return
    try:
        _rescore(get_engine(), report)
    except Exception:  # a broken policy must not hide the card
        log.exception("could not re-score case report")


def _current_report(session: Any, case_id: int) -> Report | None:
    """The case's last check as it stands now: re-scored at once when a match was cleared since that
    check (what the card shows and what the rules for its buttons go by)."""
    report = _last_report(session, case_id)
    if report is None:
        return None
    fresh = [c for c in store.clears(session, case_id) if not _applied(report, c)]
    if fresh:
        changed, _ = apply_clears(report, fresh, report.lang)
        if changed:
            _rescore_report(report)
            _mark_approval(report)
            _fill_now(report, report.lang)
    return report


def card_for_case(session: Any, case: Case, lang: str, *, details: bool = False) -> Card | None:
    """The case's latest card (its last check with the case's current state)."""
    report = _current_report(session, case.id)  # type: ignore[arg-type]
    if report is None:
        return None
    return build_card(report, _case_info(session, case, report, lang), details=details)


def _applied(report: Report, clear: Any) -> bool:
    return any(f.data.get("cleared") and f.data.get("source") == clear.source
               and str(f.data.get("source_id")) == clear.source_id for f in _hits(report))


def _is_stop(report: Report | None) -> bool:
    from checks.models import DecisionCode

    return report is not None and not report.pending and report.decision.code is DecisionCode.STOP


def _level_at_least_high(case: Case) -> bool:
    return store.level_rank(case.last_risk_level) >= store.level_rank("high")


def _refusal(session: Any, kind: ActionKind, case: Case, actor: Actor, role: str,
             report: Report | None) -> store.Refused | None:
    """Why this person may not press this button on this case now (None: they may)."""
    if kind in _MANAGER_ONLY and role not in store.MANAGER_ROLES:
        if kind is ActionKind.APPROVE and _is_stop(report):
            return store.Refused("flows.refused.stop_needs_compliance")
        return store.Refused("flows.refused.not_manager")
    if kind is ActionKind.APPROVE:
        if _is_stop(report) and role not in store.COMPLIANCE_ROLES:
            return store.Refused("flows.refused.stop_needs_compliance")
        pending = store.open_request(session, case.id) if case.status == CaseStatus.PENDING_APPROVAL.value else None
        if pending is None:  # another manager may have just decided it: say so, as storage does
            session.refresh(case)
            return store.Refused("flows.refused.already_approved" if case.status == CaseStatus.APPROVED.value
                                 else "flows.refused.already_rejected" if case.status == CaseStatus.REJECTED.value
                                 else "flows.refused.not_pending", id=case.id)
        person = store.find_user(session, actor.platform, actor.user_id)
        if person is not None and pending.requested_by_id == person.id:
            return store.Refused("flows.refused.own_request")
    if kind is ActionKind.STOP_WATCHING and _level_at_least_high(case) and role not in store.MANAGER_ROLES:
        return store.Refused("flows.refused.stop_watching_risky")
    return None


def can_perform(actor: Actor, kind: ActionKind | str, case_id: int, lang: str | None = None) -> tuple[bool, str]:
    """May `actor` press this button on this case? (False, why) is said BEFORE asking for a reason.

    Every adapter asks this first; `perform_action` checks it again, whatever the payload says.
    """
    lang = normalize_lang(lang or default_lang())
    try:
        kind = ActionKind(kind)
    except ValueError:
        return False, t("flows.refused.unknown_action", lang)
    database = ensure_database()
    with database.session() as session:
        try:
            case = store.case_in_workspace(session, int(case_id), actor.workspace)
        except store.Refused as refused:
            return False, t(refused.key, lang, **refused.params)
        role = _role(session, actor)
        refused = _refusal(session, kind, case, actor, role, _current_report(session, case.id))  # type: ignore[arg-type]
    if refused is not None:
        return False, t(refused.key, lang, **refused.params)
    return True, ""


def needs_reason(kind: ActionKind, case_id: int, actor: Actor) -> bool:
    """Whether pressing `kind` asks for a reason on this case now (approving high/critical/STOP does)."""
    kind = ActionKind(kind)
    if kind in REASON_REQUIRED:
        return True
    if kind is not ActionKind.APPROVE:
        return False
    database = ensure_database()
    with database.session() as session:
        case = store.case_in_workspace(session, int(case_id), actor.workspace)
        return _is_stop(_current_report(session, case.id)) or _level_at_least_high(case)  # type: ignore[arg-type]


def _role(session: Any, actor: Actor) -> str:
    settings = get_settings()
    return chatstate.effective_role(session, actor.platform, actor.user_id, settings.managers, settings.compliance)


async def perform_action(
    kind: ActionKind | str,
    case_id: int,
    actor: Actor,
    *,
    arg: str = "",
    reason: str | None = None,
    deal: str | None = None,
    confirmed: bool = False,
    lang: str | None = None,
    conversation: Conversation | None = None,
) -> FlowResult:
    """One dispatcher for every button. Permissions are checked here, never trusted from the payload.

    Order: may this person press it (said at once), then the reason if one is needed
    (`needs_reason`), then a confirmation for approving a STOP case (`needs_confirm`), then the action.
    """
    lang = normalize_lang(lang or await asyncio.to_thread(get_user_lang, actor) or default_lang())
    try:
        kind = ActionKind(kind)
    except ValueError:
        return FlowResult(ok=False, message=t("flows.refused.unknown_action", lang), case_id=case_id)
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        return FlowResult(ok=False, message=t("flows.refused.not_found", lang, id=case_id))
    if kind is ActionKind.RECHECK:
        try:
            outcome = await recheck(case_id, actor, conversation, lang=lang)
        except store.Refused as refused:
            return FlowResult(ok=False, message=t(refused.key, lang, **refused.params), case_id=case_id)
        return FlowResult(ok=True, message=t("flows.done.recheck", lang, id=case_id), card=outcome.card,
                          case_id=case_id)
    database = await asyncio.to_thread(ensure_database)
    if kind is ActionKind.EVIDENCE_PACK:
        from .evidence import chat as evidence_chat

        return await asyncio.to_thread(evidence_chat.pack_result, database, case_id, actor, lang)
    return await asyncio.to_thread(_perform, database, kind, case_id, actor, arg, reason, lang, conversation,
                                   deal, confirmed)


def _perform(database: Database, kind: ActionKind, case_id: int, actor: Actor, arg: str, reason: str | None,
             lang: str, conversation: Conversation | None, deal: str | None = None,
             confirmed: bool = False) -> FlowResult:
    who = _who(actor)
    announce: str | None = None
    with database.session() as session:
        try:
            case = store.case_in_workspace(session, case_id, actor.workspace)
            role = _role(session, actor)
            name = case.name or f"#{case.id}"
            report = _current_report(session, case.id)  # type: ignore[arg-type]  # clears count at once
            stop = _is_stop(report)
            refused = _refusal(session, kind, case, actor, role, report)
            if refused is not None:
                raise refused
            reason_needed = kind in REASON_REQUIRED or (kind is ActionKind.APPROVE and (stop or _level_at_least_high(case)))
            if reason_needed and not (reason or "").strip():
                ask = "approve_stop" if kind is ActionKind.APPROVE and stop else kind.value
                return FlowResult(ok=False, needs_reason=True, message=t(f"flows.ask.{ask}", lang), case_id=case_id,
                                  prompt=ask)
            if kind is ActionKind.APPROVE and stop and not confirmed:
                return FlowResult(ok=False, needs_confirm=True, message=t("flows.confirm.approve_stop", lang, id=case.id,
                                                                          name=name), case_id=case_id)
            if kind in (ActionKind.REQUEST_APPROVAL, ActionKind.ESCALATE):
                store.request_approval(session, case, who, reason=reason, deal=deal, stop=stop)
                done = "escalate" if stop else "request_approval"
                message = t(f"flows.done.{done}", lang, id=case.id)
                announce = t(f"flows.announce.{done}", lang, who=who.label, id=case.id, name=name,
                             level=_level_name(case.last_risk_level, lang), reason=(reason or "").strip())
            elif kind in (ActionKind.APPROVE, ActionKind.REJECT):
                decision = "approve" if kind is ActionKind.APPROVE else "reject"
                approval = store.decide(session, case, who, role, decision, reason=reason, reason_code=arg or None,
                                        expiry_days=approval_expiry_days(), stop=stop and decision == "approve",
                                        reason_required=reason_needed, confirmed=confirmed)
                message = t(f"flows.done.{decision}", lang, id=case.id,
                            until=_date(approval.expires_at) if approval.expires_at else "—")
                announce = t(f"flows.announce.{decision}", lang, who=who.label, id=case.id, name=name,
                             reason=approval.reason_text or t("flows.no_reason", lang))
            elif kind is ActionKind.ADD_NOTE:
                store.add_note(session, case, who, reason or "")
                message = t("flows.done.add_note", lang, id=case.id)
            elif kind is ActionKind.CLEAR_MATCH:
                found = _party_in_last_check(report, arg)
                if not found:
                    raise store.Refused("flows.refused.no_such_match", match=arg[:100])
                entry = _entry_name(found[0].data)
                for finding in found:  # every list entry of this one listed party
                    for key in hit_keys(finding):
                        source, _, source_id = key.partition(":")
                        store.clear_match(session, case, who, role, source=source, source_id=source_id,
                                          fingerprint=entry_fingerprint(finding.data), entry_name=entry,
                                          reason=reason)
                message = t("flows.done.clear_match", lang, entry=entry, id=case.id)
                announce = t("flows.announce.clear_match", lang, who=who.label, entry=entry, id=case.id,
                             reason=(reason or "").strip())
            elif kind is ActionKind.SCHEDULE_RECHECK:
                try:
                    days = max(1, min(365, int(arg or 30)))
                except ValueError:
                    days = 30
                due = store.schedule_recheck(session, case, who, days)
                message = t("flows.done.schedule_recheck", lang, id=case.id, when=_date(due))
            elif kind is ActionKind.STOP_WATCHING:
                store.stop_watching(session, case, who)
                message = t("flows.done.stop_watching", lang, id=case.id)
            elif kind is ActionKind.DETAILS:
                message = t("flows.done.details", lang, id=case.id)
            else:  # pragma: no cover - every ActionKind is handled above
                raise store.Refused("flows.refused.unknown_action")
            session.commit()
        except store.Refused as refused:
            session.rollback()
            return FlowResult(ok=False, message=t(refused.key, lang, **refused.params), case_id=case_id)
        if conversation is not None:
            chatstate.link(session, case.id, conversation.platform, conversation.workspace, conversation.channel,  # type: ignore[arg-type]
                           conversation.thread, conversation.message)
        card = card_for_case(session, case, lang, details=kind is ActionKind.DETAILS)
        if kind is ActionKind.CLEAR_MATCH:
            _store_rescored(session, case, who)
        session.commit()
    return FlowResult(ok=True, message=message, card=card, case_id=case_id, announce=announce)


def _store_rescored(session: Any, case: Case, who: store.Who) -> None:
    """After "Not this buyer": the case's level and decision follow the re-scored report at once."""
    report = _last_report(session, case.id)  # type: ignore[arg-type]
    if report is None or report.pending:
        return
    apply_clears(report, store.clears(session, case.id), report.lang)  # type: ignore[arg-type]
    _rescore_report(report)
    _mark_approval(report)
    before = (case.last_risk_level, case.last_score, case.last_decision)
    case.last_risk_level, case.last_score = report.risk.level.value, report.risk.score
    case.last_decision = report.decision.code.value
    if (not report.risk.approval_required and case.status == CaseStatus.PENDING_APPROVAL.value
            and store.open_request(session, case.id) is None):  # type: ignore[arg-type]
        case.status = CaseStatus.OPEN.value
    session.add(case)
    store.audit.record(session, "rescored", actor=who.key, actor_name=who.label, case_id=case.id,
                       workspace_id=case.workspace_id,
                       details={"before": list(before), "after": [case.last_risk_level, case.last_score,
                                                                  case.last_decision]})


def _party_in_last_check(report: Report | None, arg: str) -> list[Finding]:
    """The sanctions hit `source:source_id` as the last stored check found it (not as a payload says),
    with every other hit of the same listed party."""
    if report is None or ":" not in arg:
        return []
    chosen = next((f for f in _hits(report) if arg in hit_keys(f)), None)
    if chosen is None:
        return []
    party = party_key(chosen)
    return [chosen] + [f for f in _hits(report) if f is not chosen and party_key(f) == party]


def open_case(case_id: int, actor: Actor, lang: str) -> FlowResult:
    """`/open N`: the case's card with its buttons."""
    lang = normalize_lang(lang)
    database = ensure_database()
    with database.session() as session:
        try:
            case = store.case_in_workspace(session, int(case_id), actor.workspace)
        except store.Refused as refused:
            return FlowResult(ok=False, message=t(refused.key, lang, **refused.params), case_id=case_id)
        card = card_for_case(session, case, lang)
        session.commit()
    if card is None:
        return FlowResult(ok=False, message=t("flows.refused.nothing_to_recheck", lang, id=case_id), case_id=case_id)
    return FlowResult(ok=True, message="", card=card, case_id=case_id)


# --- the rest of the contract --------------------------------------------------------------------------
def link_card(case_id: int, conversation: Conversation) -> None:
    """Remember where a card was posted so later updates and re-check results reach it."""
    database = ensure_database()
    with database.session() as session:
        chatstate.link(session, case_id, conversation.platform, conversation.workspace, conversation.channel,
                       conversation.thread, conversation.message)
        session.commit()


def card_in_chat(case_id: int, conversation: Conversation) -> bool:
    """Whether the case's card was posted in this chat. A button is a claim about the message it sits
    on: a press in one chat naming a case whose card is in another is a forged payload."""
    database = ensure_database()
    with database.session() as session:
        return any(link.platform == conversation.platform and link.workspace == conversation.workspace
                   and link.channel == conversation.channel for link in chatstate.links(session, case_id))


def history_text(query: str, actor: Actor, lang: str) -> list[str]:
    """`/history ACME`: the matching cases of the actor's team, with their last checks and decisions."""
    lang = normalize_lang(lang)
    query = (query or "").strip()
    if not query:
        return [t("flows.history.usage", lang)]
    try:
        request = parse_request(query, lang)
    except RequestError:
        request = CheckRequest(site=query) if "." in query and " " not in query else CheckRequest(company=query[:300])
    keys = keys_of(request)
    compact = "".join(ch for ch in query if ch.isalnum()).upper()
    if len(compact) >= 8 and any(ch.isdigit() for ch in compact) and " " not in query.strip():
        by_id = buyer_keys(lei=compact, vat=compact)  # `/history DE123456789`, `/history 5493001KJTIIGC8Y1R12`
        keys = BuyerKeys(keys=keys.keys + by_id.keys, name=keys.name, normalized_name=keys.normalized_name,
                         base_name=keys.base_name, country=keys.country, domains=keys.domains,
                         identifiers=keys.identifiers)
    database = ensure_database()
    lines: list[str] = []
    with database.session() as session:
        ws = store.workspace(session, actor.workspace)
        session.commit()
        found = store.search_cases(session, ws.id, query, keys)  # type: ignore[arg-type]
        for case in found:
            store.expire_approval(session, case)
            lines.append(_case_line(session, case, lang))
        session.commit()
    return lines or [t("flows.history.none", lang, query=query[:100])]


def _case_line(session: Any, case: Case, lang: str) -> str:
    parts = [t("flows.history.case", lang, id=case.id, name=case.name or "?", country=case.country or "—",
               status=t(f"case.status.{case.status}", lang))]
    last = store.runs(session, case.id, 1)  # type: ignore[arg-type]
    if last:
        parts.append(t("flows.history.last_check", lang, when=_date(last[0].created_at), who=last[0].actor_name,
                       level=_level_name(last[0].risk_level, lang), score=last[0].score or 0,
                       n=store.count_runs(session, case.id)))  # type: ignore[arg-type]
    decided = store.latest_decision(session, case.id)  # type: ignore[arg-type]
    if decided is not None:
        parts.append(t(f"flows.history.decision.{decided.decision}", lang, who=decided.decided_by,
                       when=_date(decided.decided_at), reason=decided.reason_text or t("flows.no_reason", lang)))
    notes = store.notes(session, case.id)  # type: ignore[arg-type]
    if notes:
        parts.append(t("flows.history.last_note", lang, who=notes[0].author, text=notes[0].text[:200]))
    return "\n   ".join(parts)


# What a "type your reason" prompt was for: the button (an ActionKind), its case and argument, and its card.
Prompt = chatstate.TakenPrompt


def save_prompt(platform: str, chat: str, prompt_message_id: str, kind: ActionKind, case_id: int, actor: Actor,
                *, arg: str = "", card_message_id: str | None = None) -> None:
    database = ensure_database()
    with database.session() as session:
        chatstate.save_prompt(session, platform, str(chat), str(prompt_message_id), ActionKind(kind).value,
                              int(case_id), actor.key, arg=arg,
                              card_message_id=str(card_message_id) if card_message_id is not None else None)
        session.commit()


def take_prompt(platform: str, chat: str, prompt_message_id: str, actor: Actor) -> Prompt | None:
    """The prompt this reply answers, if it was this actor's and nobody took it yet (once)."""
    database = ensure_database()
    with database.session() as session:
        taken = chatstate.take_prompt(session, platform, str(chat), str(prompt_message_id), actor.key)
        session.commit()
    return dataclasses.replace(taken, kind=ActionKind(taken.kind)) if taken is not None else None


def first_delivery(platform: str, key: str) -> bool:
    database = ensure_database()
    with database.session() as session:
        first = chatstate.first_delivery(session, platform, key)
        session.commit()
    return first


def mark_conversation_dead(platform: str, channel: str) -> None:
    database = ensure_database()
    with database.session() as session:
        chatstate.mark_dead(session, platform, str(channel))
        session.commit()


def get_user_lang(actor: Actor) -> str | None:
    database = ensure_database()
    with database.session() as session:
        return chatstate.get_lang(session, actor.platform, actor.user_id)


def set_user_lang(actor: Actor, lang: str) -> None:
    database = ensure_database()
    with database.session() as session:
        chatstate.set_lang(session, _who(actor), normalize_lang(lang))
        session.commit()


def role_of(actor: Actor) -> str:
    database = ensure_database()
    with database.session() as session:
        return _role(session, actor)


def cases_text(actor: Actor, lang: str, status: str | None = None, limit: int = 20) -> list[str]:
    """`/cases`: the team's most recently active cases, one block each."""
    lang = normalize_lang(lang)
    database = ensure_database()
    with database.session() as session:
        lines = [_case_line(session, case, lang) for case in store.list_cases(session, actor.workspace, status, limit)]
    return lines
