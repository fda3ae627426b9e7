"""The History section: what the team already knows about a buyer, as findings the scorer and the card use."""

from __future__ import annotations

from typing import Any

from checks.i18n import t
from checks.models import Finding, Report, Section, Severity, Status
from storage import cases as case_store
from storage.models import CaseStatus, aware, utcnow

from .text import date_text, level_name


def _finding(code: str, status: Status, severity: Severity, title: str, detail: str = "", **data: Any) -> Finding:
    return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                   section=Section.HISTORY, data=data)



def history_findings(history: case_store.History, lang: str) -> list[Finding]:
    """What the team already knows about this buyer, as findings the scorer and the card can use."""
    out: list[Finding] = []
    case = history.case
    if history.runs:
        last = history.runs[0]
        out.append(_finding(
            "history.previous_checks", Status.INFO, Severity.INFO,
            t("flows.history.previous", lang, n=history.run_count, id=case.id, when=date_text(last.created_at),
              who=last.actor_name or last.actor),
            t("flows.history.risk_then", lang, then=level_name(last.risk_level, lang), score=last.score or 0),
            case_id=case.id, checks=history.run_count, last_level=last.risk_level, last_score=last.score,
            last_at=date_text(last.created_at), earlier=_earlier_checks(history, lang),
        ))
    decided = next((a for a in history.approvals if a.decision), None)
    pending = next((a for a in history.approvals if not a.decision), None)
    if decided is not None:
        when, who, reason = date_text(decided.decided_at), decided.decided_by or "?", decided.reason_text or ""
        expired = decided.expires_at is not None and aware(decided.expires_at) <= utcnow()
        if decided.decision == "reject":
            out.append(_finding("history.rejected", Status.FLAG, Severity.HIGH,
                                t("flows.history.rejected", lang, who=who, when=when), reason,
                                by=who, reason_code=decided.reason_code))
        elif expired:
            out.append(_finding("history.approval_expired", Status.FLAG, Severity.LOW,
                                t("flows.history.approval_expired", lang, who=who, when=when,
                                  expired=date_text(decided.expires_at)), reason, by=who))
        else:
            out.append(_finding("history.approved", Status.INFO, Severity.INFO,
                                t("flows.history.approved", lang, who=who, when=when,
                                  level=level_name(decided.risk_level, lang)),
                                reason, by=who, expires=date_text(decided.expires_at) if decided.expires_at else None))
    if pending is not None and case.status == CaseStatus.PENDING_APPROVAL.value:
        out.append(_finding("history.pending_approval", Status.INFO, Severity.INFO,
                            t("flows.history.pending", lang, who=pending.requested_by, when=date_text(pending.requested_at))))
    for cleared in history.clears[:3]:
        out.append(_finding("history.cleared_match", Status.INFO, Severity.INFO,
                            t("history.cleared", lang, entry=cleared.entry_name or f"{cleared.source}:{cleared.source_id}",
                              who=cleared.cleared_by or "?", when=date_text(cleared.created_at)), cleared.reason,
                            source=cleared.source, source_id=cleared.source_id))
    for note in history.notes[:3]:
        out.append(_finding("history.note", Status.INFO, Severity.INFO,
                            t("flows.history.note", lang, who=note.author, when=date_text(note.created_at)), note.text))
    out.extend(_trade_findings(history, lang))
    return out


def _earlier_checks(history: case_store.History, lang: str) -> str:
    """The last few checks, newest first: when, by whom, the risk then."""
    items = [t("history.earlier_item", lang, when=date_text(run.created_at), who=run.actor_name or run.actor,
               level=level_name(run.risk_level, lang)) for run in history.runs[:5]]
    if history.run_count > len(items):
        items.append(t("history.earlier_more", lang, n=history.run_count - len(items)))
    return " · ".join(items)


def _money(amount: Any, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency or ''}".strip()


def _trade_findings(history: case_store.History, lang: str) -> list[Finding]:
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



def fill_now(report: Report, lang: str) -> None:
    """The previous-checks finding says the risk then; add the risk now that the scorer has spoken."""
    for finding in report.sections.history:
        if finding.code == "history.previous_checks" and not report.pending:
            then = finding.data.get("last_level")
            now = report.risk.level.value
            finding.detail = t("flows.history.risk_then_now", lang, then=level_name(then, lang),
                               now=level_name(now, lang), score=report.risk.score)
            if finding.data.get("checks", 0) > 1 and finding.data.get("earlier"):
                finding.detail += "\n" + str(finding.data["earlier"])
            finding.data["level_now"] = now

