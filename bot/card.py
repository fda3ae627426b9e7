"""The neutral card: what a person sees, built once from a report, rendered per platform.

Renderers (terminal, Slack Block Kit, Telegram HTML) only lay the card out; every choice of what
to show, in which order and language, is made here so the platforms cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field

from checks.i18n import translator
from checks.models import Finding, Report, RiskLevel, Section, SourceStatus, Status
from checks.screening.explain import list_title

from .text import clean_card

STATUS_ICON = {
    Status.FAIL: "❌",
    Status.FLAG: "⚠️",
    Status.PASS: "✅",
    Status.INFO: "ℹ️",
    Status.UNAVAILABLE: "❔",
}
LEVEL_ICON = {RiskLevel.LOW: "🟢", RiskLevel.MEDIUM: "🟡", RiskLevel.HIGH: "🟠", RiskLevel.CRITICAL: "🔴"}
_STATUS_ORDER = {Status.FAIL: 0, Status.FLAG: 1, Status.UNAVAILABLE: 2, Status.INFO: 3, Status.PASS: 4}
SECTION_ORDER = (Section.VERIFICATION, Section.PROFILE, Section.HISTORY, Section.RISK)


class ActionKind(str, Enum):
    REQUEST_APPROVAL = "request_approval"
    APPROVE = "approve"
    REJECT = "reject"
    RECHECK = "recheck"
    SCHEDULE_RECHECK = "schedule_recheck"
    ADD_NOTE = "add_note"
    DETAILS = "details"
    CLEAR_MATCH = "clear_match"
    STOP_WATCHING = "stop_watching"
    EVIDENCE_PACK = "evidence_pack"  # the case's evidence pack (PDF) as a file in the card's thread


class Link(BaseModel):
    label: str
    url: str


class CardItem(BaseModel):
    code: str
    status: Status
    icon: str
    text: str
    detail: str = ""
    links: list[Link] = Field(default_factory=list)


class CardSection(BaseModel):
    key: Section
    title: str
    items: list[CardItem] = Field(default_factory=list)
    hidden: int = Field(0, description="items left for the Details view")


class CardAction(BaseModel):
    kind: ActionKind
    label: str
    case_id: int | None = None
    arg: str = Field("", description="a small argument: days for schedule_recheck, source:id for clear_match")
    style: str | None = Field(None, description="primary | danger")


class CaseInfo(BaseModel):
    """What the database knows about the case behind a card (filled by the flows)."""

    id: int
    status: str = "open"
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision: str | None = None
    decision_reason: str | None = None
    requested_by: str | None = None
    looks_like: str | None = Field(None, description="a possible, unmerged match with another case")
    cleared: list[str] = Field(default_factory=list, description="source:source_id of cleared matches")
    watching: bool = False
    next_recheck: datetime | None = None


class Card(BaseModel):
    lang: str
    title: str
    subtitle: str = ""
    level: RiskLevel | None = None
    badge: str = ""
    verdict: str = ""
    status_line: str = ""
    notices: list[str] = Field(default_factory=list)
    sections: list[CardSection] = Field(default_factory=list)
    risk_factors: list[str] = Field(default_factory=list)
    advice: list[str] = Field(default_factory=list)
    ask_next: list[str] = Field(default_factory=list)
    footer: list[str] = Field(default_factory=list)
    actions: list[CardAction] = Field(default_factory=list)
    case_id: int | None = None
    in_progress: bool = False


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_STATUS_ORDER[f.status], -f.severity.rank))


def _item(finding: Finding, lang: str) -> CardItem:
    links = [
        Link(label=e.source, url=e.url)
        for e in finding.evidence
        if e.url and e.url.startswith(("https://", "http://"))
    ]
    text = finding.title or translator(lang)("card.untitled", code=finding.code)
    return CardItem(
        code=finding.code, status=finding.status, icon=STATUS_ICON[finding.status], text=text,
        detail=finding.detail, links=links[:3],
    )


# A finding that says the same thing as a more specific one on the same card: shown only in Details.
SUPERSEDED_BY: dict[str, str] = {
    "email.free_mail": "email.free_mail_for_company",  # "free mail" vs "writes as ACME from free mail"
}
# Findings whose detail is long background, not a reason: one line on the card, the rest in Details.
DETAIL_IN_DETAILS_ONLY = frozenset({"country.notes"})


def build_card(
    report: Report,
    case: CaseInfo | None = None,
    *,
    max_items: int = 6,
    details: bool = False,
) -> Card:
    """The card for a report: problems first, passes last; `details` keeps every item."""
    lang = report.lang
    t = translator(lang)
    subject = report.subject
    title = subject.name or subject.email or subject.site or t("card.unnamed")
    bits = [b for b in (subject.email, subject.site, subject.phone, subject.country) if b]
    card = Card(lang=lang, title=title, subtitle=" · ".join(bits), case_id=case.id if case else None)
    card.in_progress = bool(report.pending)

    if report.pending:
        card.badge = t("card.checking", done=len(report.sources), total=len(report.sources) + len(report.pending))
    else:
        card.level = report.risk.level
        card.badge = t(
            "card.badge", icon=LEVEL_ICON[report.risk.level], level=t(f"level.{report.risk.level.value}"),
            score=report.risk.score,
        )
    verdict_text = t(f"verdict.{report.verdict}") if report.verdict in ("consistent", "inconsistent", "unknown") else report.verdict
    card.verdict = t("card.verdict", verdict=verdict_text)
    if report.verdict_reasons:
        card.verdict += " — " + "; ".join(report.verdict_reasons)

    present = {f.code for f in report.findings()}
    for key in SECTION_ORDER:
        findings = _sorted(getattr(report.sections, key.value))
        if not details:
            findings = [f for f in findings if SUPERSEDED_BY.get(f.code) not in present]
        shown = findings if details else findings[:max_items]
        if not findings and key is not Section.HISTORY:
            continue
        section = CardSection(key=key, title=t(f"section.{key.value}"), items=[_item(f, lang) for f in shown])
        section.hidden = len(findings) - len(shown)
        if not details:
            for item in section.items:
                if item.code in DETAIL_IN_DETAILS_ONLY:
                    item.detail = ""
        if not findings:
            section.items = []
        card.sections.append(section)

    if not report.pending:
        risk = report.risk
        card.risk_factors = [t("card.factor", points=f"{f.points:+g}", reason=f.reason)
                             + (" · " + t("risk.factor.policy", rule=f.rule) if details and f.rule else "")
                             for f in risk.factors]  # the policy line only under Details
        card.advice = list(risk.payment_terms) + [a for a in risk.actions if a not in risk.payment_terms]
        card.ask_next = list(risk.ask_next)
        if risk.incomplete_note:
            card.notices.append(risk.incomplete_note)
    card.notices.extend(report.warnings)

    if case is not None:
        card.status_line = _status_line(case, t)
        if case.looks_like:
            card.notices.append(case.looks_like)

    card.footer = _footer(report, t, details=details)
    if case is not None and not report.pending:
        card.actions = _actions(report, case, t)
    return clean_card(card)  # no escape sequence or control character reaches any platform


def _status_line(case: CaseInfo, t) -> str:  # type: ignore[no-untyped-def]
    line = t("card.case_status", id=case.id, status=t(f"case.status.{case.status}"))
    if case.decision and case.decided_by:
        when = case.decided_at.strftime("%Y-%m-%d %H:%M") if case.decided_at else ""
        line += " · " + t(f"card.decided.{case.decision}", who=case.decided_by, when=when)
        if case.decision_reason:
            line += " — " + case.decision_reason
    elif case.status == "pending_approval" and case.requested_by:
        line += " · " + t("card.requested_by", who=case.requested_by)
    elif case.status == "pending_approval":
        line += " · " + t("card.not_requested")
    return line


def _footer(report: Report, t, *, details: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    counts: dict[SourceStatus, int] = {}
    for result in report.sources:
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [t(f"source_status.{status.value}", n=n) for status, n in counts.items()]
    lines = [t("card.sources", summary=", ".join(parts))] if parts else []
    if details:  # each source that did not answer, and why (e.g. which API key would turn it on)
        lines.extend(t("card.source_line", name=result.name, status=t(f"source_state.{result.status.value}"),
                       detail=result.detail or "—")
                     for result in report.sources if result.status is not SourceStatus.OK)
    if details:  # what an administrator can do (e.g. the command that updates the lists)
        lines.extend(report.admin_notes)
    if report.pending:
        lines.append(t("card.pending", names=", ".join(report.pending)))
    if report.lists_as_of:
        dates = ", ".join(f"{list_title(name, t)} {date}" for name, date in sorted(report.lists_as_of.items()))
        lines.append(t("card.lists_as_of", dates=dates))
    return lines


def _actions(report: Report, case: CaseInfo, t) -> list[CardAction]:  # type: ignore[no-untyped-def]
    actions: list[CardAction] = []

    def add(kind: ActionKind, style: str | None = None, arg: str = "", label_key: str | None = None) -> None:
        actions.append(CardAction(kind=kind, label=t(label_key or f"action.{kind.value}"), case_id=case.id, arg=arg, style=style))

    if case.status == "pending_approval" and case.requested_by:
        add(ActionKind.APPROVE, "primary")
        add(ActionKind.REJECT, "danger")
    elif case.status == "pending_approval" or (report.risk.approval_required and case.status not in ("approved", "rejected")):
        add(ActionKind.REQUEST_APPROVAL, "primary")
    add(ActionKind.RECHECK)
    add(ActionKind.SCHEDULE_RECHECK, arg="30")
    add(ActionKind.ADD_NOTE)
    add(ActionKind.DETAILS)
    add(ActionKind.EVIDENCE_PACK)
    if case.watching:
        add(ActionKind.STOP_WATCHING)
    for finding in report.sections.risk:
        if finding.code in ("sanctions.hit", "sanctions.possible") and finding.data.get("source_id"):
            key = f"{finding.data.get('source')}:{finding.data.get('source_id')}"
            if key not in case.cleared:
                listed = str(finding.data.get("listed_name") or finding.data.get("name") or key)
                name = listed if len(listed) <= 40 else listed[:39].rstrip() + "…"
                actions.append(CardAction(kind=ActionKind.CLEAR_MATCH, label=t("action.clear_match_named", name=name),
                                          case_id=case.id, arg=key))
    return actions
