"""The neutral card: what a person sees, built once from a report, rendered per platform.

Renderers (terminal, Slack Block Kit, Telegram HTML) only lay the card out; every choice of what
to show, in which order and language, is made here so the platforms cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from checks.i18n import translator
from checks.lifecycle import Action
from checks.models import DecisionCode, Finding, Report, RiskLevel, Section, SourceStatus, Status
from checks.screening.explain import list_title

from .text import clean_card

if TYPE_CHECKING:
    from checks.policy import Policy

    from .settings import BotSettings

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
DECISION_ICON = {
    DecisionCode.STOP: "🛑",
    DecisionCode.VERIFY_FIRST: "🔍",
    DecisionCode.SAFE_TERMS: "🔒",
    DecisionCode.PROCEED: "✅",
}
UNVERIFIED_ICON = "⚪"  # never a green all-clear on a check whose key sources did not answer


# The card's buttons are the case lifecycle's actions (checks/lifecycle.py): one definition, so the rules
# about who may do what cover every button. ESCALATE takes a stop case to compliance; EVIDENCE_PACK sends
# the case's evidence pack (PDF) as a file in the card's thread.
ActionKind = Action


# The number each action keeps in the terminal chat, whatever the case's state (gaps are fine).
ACTION_NUMBER = {
    ActionKind.REQUEST_APPROVAL: 1, ActionKind.ESCALATE: 1, ActionKind.APPROVE: 2, ActionKind.REJECT: 3,
    ActionKind.RECHECK: 4, ActionKind.SCHEDULE_RECHECK: 5, ActionKind.ADD_NOTE: 6, ActionKind.DETAILS: 7,
    ActionKind.STOP_WATCHING: 8, ActionKind.EVIDENCE_PACK: 9,
}
FIRST_MATCH_NUMBER = 10  # "Not this buyer" buttons: 10, 11, … one per listed party


@dataclass(frozen=True)
class CardSettings:
    """What a card needs from the runtime, passed down by whoever builds cards: the team's time zone
    (TRADECHECK_TIMEZONE, for platforms that do not show times in each reader's own), the age past which
    the sanctions lists count as old (TRADECHECK_LIST_MAX_AGE_DAYS), and the risk policy its re-check
    button and advice follow (None: the policy file configured for the process, read when needed)."""

    timezone: str = ""
    list_max_age_days: int = 30
    policy: Policy | None = None

    @classmethod
    def of(cls, settings: BotSettings, policy: Policy | None = None) -> CardSettings:
        return cls(timezone=(settings.timezone or "").strip(), list_max_age_days=settings.list_max_age_days,
                   policy=policy)

    def load_policy(self) -> Policy:
        """The policy (raises PolicyError when it has to be read and its file is broken)."""
        if self.policy is not None:
            return self.policy
        from checks.policy import load_policy

        return load_policy()


DEFAULT_CARD_SETTINGS = CardSettings()  # UTC, 30 days: the settings' own defaults (the docs' previews, progress)


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
    number: int = Field(0, description="the terminal's number for it: the same action keeps its number")
    confirm: str = Field("", description="a confirm question the platform asks before it runs (Slack)")


class CaseInfo(BaseModel):
    """What the database knows about the case behind a card (filled by the flows)."""

    id: int
    status: str = "open"
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision: str | None = None
    decision_reason: str | None = None
    requested_by: str | None = None
    requested_at: datetime | None = None
    request_reason: str | None = None
    deal: str | None = None
    expires_at: datetime | None = None
    looks_like: str | None = Field(None, description="a possible, unmerged match with another case")
    cleared: list[str] = Field(default_factory=list, description="source:source_id of cleared matches")
    watching: bool = False
    next_recheck: datetime | None = None


class Card(BaseModel):
    lang: str
    title: str
    subtitle: str = ""
    level: RiskLevel | None = None
    decision: DecisionCode | None = None
    decision_badge: str = Field("", description="the first line: icon and decision, e.g. 🛑 STOP — do not deal")
    decision_reason: str = ""
    decision_action: str = ""
    unverified: bool = Field(False, description="key sources did not answer: no green all-clear anywhere")
    badge: str = ""
    verdict: str = ""
    status_line: str = ""
    notices: list[str] = Field(default_factory=list)
    sections: list[CardSection] = Field(default_factory=list)
    risk_factors: list[str] = Field(default_factory=list)
    advice: list[str] = Field(default_factory=list)
    ask_next: list[str] = Field(default_factory=list)
    footer: list[str] = Field(default_factory=list, description="housekeeping in full (Details)")
    trust_line: str = Field("", description="housekeeping folded into one line at the bottom")
    times: dict[str, datetime] = Field(default_factory=dict, description="⟦key⟧ marks in texts, shown per reader")
    actions: list[CardAction] = Field(default_factory=list)
    case_id: int | None = None
    in_progress: bool = False
    timezone: str = Field("", description="the team's time zone its times are shown in (IANA name; '' is UTC)")

    @property
    def zone(self) -> ZoneInfo | timezone:
        return team_timezone(self.timezone)

    @property
    def preview(self) -> str:
        """The notification / preview text: the decision and its reason."""
        t = translator(self.lang)
        if self.in_progress or not self.decision_badge:
            return t("card.preview_short", badge=self.badge, title=self.title)
        if self.decision_reason:
            return t("card.preview", badge=self.decision_badge, reason=self.decision_reason, title=self.title)
        return t("card.preview_short", badge=self.decision_badge, title=self.title)

    @property
    def buyer_line(self) -> str:
        return " · ".join(b for b in (self.title, self.subtitle) if b)


# --- times: one mark in the text, each platform shows it in the reader's time zone ---------------------
_TIME_MARK = re.compile(r"⟦(\w+)⟧")


def team_timezone(name: str) -> ZoneInfo | timezone:
    """The zone TRADECHECK_TIMEZONE names (e.g. Asia/Shanghai) for Telegram and the terminal; UTC when unset or unknown."""
    name = name.strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def format_time(value: datetime, tz: ZoneInfo | timezone | None = None) -> str:
    """`2026-12-06 18:15 UTC+8` in the zone `tz` (the team's: `Card.zone`; UTC when None), the zone always said."""
    zone = tz or UTC
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(zone)
    offset = local.utcoffset()
    hours = (offset.total_seconds() / 3600) if offset is not None else 0
    label = "UTC" if hours == 0 else f"UTC{hours:+g}"
    return f"{local:%Y-%m-%d %H:%M} {label}"


def resolve_times(text: str, card: Card, render=None) -> str:  # type: ignore[no-untyped-def]
    """Replace ⟦key⟧ marks by `render(datetime)` (default: in the card's time zone, the team's)."""
    if "⟦" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        value = card.times.get(match.group(1))
        if value is None:
            return ""
        return render(value) if render else format_time(value, card.zone)

    return _TIME_MARK.sub(one, text)


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
    settings: CardSettings = DEFAULT_CARD_SETTINGS,
    max_items: int = 6,
    details: bool = False,
) -> Card:
    """The card for a report, in reading order: the decision (reason, one action), the buyer, the
    findings by section (problems first), what to do, one trust line; `details` keeps everything.
    `settings`: the runtime's (`Runtime.card_settings`): the team's time zone, when lists are old."""
    lang = report.lang
    t = translator(lang)
    subject = report.subject
    title = subject.name or subject.email or subject.site or t("card.unnamed")
    bits = [b for b in (subject.email, subject.site, subject.phone, subject.country) if b]
    card = Card(lang=lang, title=title, subtitle=" · ".join(bits), case_id=case.id if case else None,
                timezone=settings.timezone)
    card.in_progress = bool(report.pending)

    if report.pending:
        card.badge = t("card.checking", done=len(report.sources), total=len(report.sources) + len(report.pending))
    else:
        _decide(card, report, t)
        card.level = report.risk.level
        icon = LEVEL_ICON[report.risk.level]
        if card.unverified and report.risk.level is RiskLevel.LOW:
            icon = UNVERIFIED_ICON
        card.badge = t(
            "card.badge", icon=icon, level=t(f"level.{report.risk.level.value}"), score=report.risk.score,
        )
        if card.unverified:
            card.badge += " · " + t("card.unverified")
    if not report.pending:  # the identity is judged once every source has answered: "unknown" before is no finding
        verdict_text = t(f"verdict.{report.verdict}") if report.verdict in ("consistent", "inconsistent", "unknown") else report.verdict
        card.verdict = t("card.verdict", verdict=verdict_text)
        if report.verdict_reasons:
            card.verdict += t("card.verdict_sep") + t("card.list_sep").join(report.verdict_reasons)

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
        card.risk_factors = [] if not details and _one_factor_shown(report, card) else _factor_lines(report, t, details=details)
        stop = card.decision is DecisionCode.STOP
        terms = [] if stop else list(risk.payment_terms)  # a stop gets no payment terms, whatever the level says
        actions = [a for a in risk.actions if a not in risk.payment_terms]
        if stop:  # nobody approves a stop but compliance: the manager-approval advice would contradict the card
            actions = [a for a in actions if a not in _approval_advice(t, settings)]
        if card.decision is DecisionCode.VERIFY_FIRST and risk.level is RiskLevel.LOW:
            # a low score that nothing verified: the low level's credit / open-account terms do not apply yet
            terms = []
            actions = [a for a in actions if a not in _credit_advice(lang, settings)]
        card.advice = terms + actions
        # never ask a sanctioned party or an impersonator for documents
        card.ask_next = [] if stop else list(risk.ask_next)

    # a warning about what the salesperson typed (an unrecognised country) is theirs to fix: on the card
    card.notices.extend(w for w in report.warnings if _about_the_request(w, t))

    if case is not None:
        card.status_line = _status_line(case, t, card)
        if case.looks_like:
            card.notices.append(case.looks_like)

    card.footer = _footer(report, t, details=details)
    if not report.pending:
        card.trust_line = _trust_line(report, t, settings.list_max_age_days)
    if case is not None and not report.pending:
        card.actions = _actions(report, case, t, card, settings)
    return clean_card(card)  # no escape sequence or control character reaches any platform


def _about_the_request(warning: str, t) -> bool:  # type: ignore[no-untyped-def]
    prefix = t("request.country_unknown", country="\x00").split("\x00")[0]
    return bool(prefix) and warning.startswith(prefix)


def effective_decision(report: Report) -> DecisionCode:
    """The report's decision, except that an unverified check is never shown as `proceed`."""
    code = report.decision.code
    if code is DecisionCode.PROCEED and report.risk.confidence != "complete":
        return DecisionCode.VERIFY_FIRST
    return code


def _decide(card: Card, report: Report, t) -> None:  # type: ignore[no-untyped-def]
    card.unverified = report.risk.confidence != "complete"
    code = effective_decision(report)
    card.decision = code
    card.decision_badge = t("card.decision_badge", icon=DECISION_ICON[code], decision=t(f"decision.{code.value}"))
    same = code is report.decision.code
    card.decision_reason = (report.decision.reason if same else "") or t(f"decision.fallback.reason.{code.value}")
    card.decision_action = (report.decision.action if same else "") or t(f"decision.fallback.action.{code.value}")


_RULE_TAIL = re.compile(r"\s*·\s*(?:policy|评分规则[:：]).*$")


def _factor_lines(report: Report, t, *, details: bool) -> list[str]:  # type: ignore[no-untyped-def]
    """Why this level. The policy line each factor came from (`RiskFactor.rule`) is shown only in Details:
    it is for auditors, not a salesperson's word. (Reports stored before the rule had its own field carry
    it at the end of the reason; it is cut from the card face all the same.)"""
    lines = []
    for factor in report.risk.factors:
        reason = factor.reason if details else _RULE_TAIL.sub("", factor.reason)
        rule = getattr(factor, "rule", "")
        if details and rule:
            reason += " · " + t("risk.factor.policy", rule=rule)
        lines.append(t("card.factor", points=f"{factor.points:+g}", reason=reason))
    return lines


def _one_factor_shown(report: Report, card: Card) -> bool:
    """The whole score is one finding that the card already shows ("+60 <the finding's title>" under
    "Why this level" said it a second time, taking a phone's lines): the badge's score says the rest."""
    factors = report.risk.factors
    shown = {item.code for section in card.sections for item in section.items}
    return len(factors) == 1 and factors[0].points == report.risk.score and factors[0].code in shown


def _status_line(case: CaseInfo, t, card: Card) -> str:  # type: ignore[no-untyped-def]
    line = t("card.case_status", id=case.id, status=t(f"case.status.{case.status}"))
    if case.decision and case.decided_by:
        when = ""
        if case.decided_at:
            card.times["decided"] = case.decided_at
            when = "⟦decided⟧"
        line += t("card.status_sep") + t(f"card.decided.{case.decision}", who=case.decided_by, when=when)
        if case.decision_reason:
            line += t("card.verdict_sep") + case.decision_reason
        if case.decision == "approve" and case.expires_at:
            card.times["expires"] = case.expires_at
            line += t("card.status_sep") + t("card.expires", when="⟦expires⟧")
    elif case.status == "pending_approval" and case.requested_by:
        when = ""
        if case.requested_at:
            card.times["requested"] = case.requested_at
            when = "⟦requested⟧"
        line = t("card.case_status", id=case.id, status=t("case.status.awaiting_decision"))
        line += t("card.status_sep") + t("card.requested_by", who=case.requested_by, when=when)
        if case.request_reason:
            line += t("card.verdict_sep") + t("card.request_reason", reason=case.request_reason)
        if case.deal:
            line += t("card.status_sep") + t("card.deal", deal=case.deal)
    elif case.status == "pending_approval":
        # a STOP is not waiting for anyone's approval: compliance reviews it if escalated
        key = "case.status.escalation_possible" if card.decision is DecisionCode.STOP else "case.status.approval_needed"
        line = t("card.case_status", id=case.id, status=t(key))
    return line


def _footer(report: Report, t, *, details: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """Housekeeping in full, for Details: sources, why each did not answer, list dates, warnings."""
    counts: dict[SourceStatus, int] = {}
    for result in report.sources:
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [t(f"source_status.{status.value}", n=n) for status, n in counts.items()]
    lines = [t("card.sources", summary=t("card.list_sep").join(parts))] if parts else []
    running = t("card.pending", names=t("card.list_sep").join(source_name(name, t) for name in report.pending))
    if report.pending and not details:  # while checking, what still runs; the notes come with the finished card
        return [*lines, running]
    if details:  # each source that did not answer, and why (e.g. which API key would turn it on)
        lines.extend(t("card.source_line", name=source_name(result.name, t), status=t(f"source_state.{result.status.value}"),
                       detail=result.detail or "—")
                     for result in report.sources if result.status is not SourceStatus.OK)
    if report.pending:
        lines.append(running)
    if not report.pending and report.risk.incomplete_note:
        lines.append(report.risk.incomplete_note)
    lines.extend(report.warnings)
    if details:  # what an administrator can do, after the warnings it answers (e.g. the command that updates the lists)
        lines.extend(report.admin_notes)
    if report.lists_as_of:
        dates = t("card.list_sep").join(f"{list_title(name, t)} {date}" for name, date in sorted(report.lists_as_of.items()))
        lines.append(t("card.lists_as_of", dates=dates))
    return lines


def _has(t, key: str) -> bool:  # type: ignore[no-untyped-def]
    from checks.i18n import has

    return has(key)


def source_name(name: str, t) -> str:  # type: ignore[no-untyped-def]
    """A source's name in the reader's language (gleif → 全球法人识别码基金会（GLEIF）)."""
    return t(f"source_name.{name}") if _has(t, f"source_name.{name}") else name


def _list_age_days(report: Report, today: date | None = None) -> int:
    today = today or datetime.now(UTC).date()
    ages = []
    for value in report.lists_as_of.values():
        try:
            ages.append((today - date.fromisoformat(str(value)[:10])).days)
        except ValueError:
            continue
    return max(ages, default=0)


def _trust_line(report: Report, t, list_max_age_days: int) -> str:  # type: ignore[no-untyped-def]
    """One line: how much of the check could run, how old the lists are, how many notes wait in Details."""
    ran = [r for r in report.sources if r.status is not SourceStatus.SKIPPED]
    answered = len([r for r in ran if r.status is SourceStatus.OK])
    total = len(ran)
    if report.risk.total:  # the scorer's own count (12a): the same numbers as the decision's reason
        answered, total = report.risk.answered, report.risk.total
    parts = [t("card.trust.checked", ok=answered, total=total)]
    if report.risk.offline or (report.risk.incomplete_note or "").startswith(t("card.trust.offline_prefix")):
        parts.append(t("card.trust.offline"))
    age = _list_age_days(report)
    if age > list_max_age_days:
        parts.append(t("card.trust.lists_old", days=f"{age:,}"))
    notes = len(report.warnings) + (1 if report.risk.incomplete_note else 0)
    icon = "⚠️" if (report.risk.confidence != "complete" or notes) else "ℹ️"
    if notes:
        parts.append(t("card.trust.notes", n=notes))
    parts.append(t("card.trust.details"))
    return icon + " " + " · ".join(parts)


def recheck_days(level: RiskLevel | None, settings: CardSettings = DEFAULT_CARD_SETTINGS) -> int:
    """The policy's re-check interval for a level: the button and the advice say the same."""
    defaults = {RiskLevel.LOW: 180, RiskLevel.MEDIUM: 90, RiskLevel.HIGH: 30, RiskLevel.CRITICAL: 7}
    if level is None:
        return 30
    try:
        return int(settings.load_policy().recheck_for(level))
    except Exception:  # a broken policy file: the scorer says so on the card; keep the defaults here
        return defaults[level]


def hit_keys(finding: Finding) -> list[str]:
    """`source:source_id` of every list entry a (possibly grouped) sanctions finding stands for."""
    keys = []
    if finding.data.get("source_id"):
        keys.append(f"{finding.data.get('source')}:{finding.data.get('source_id')}")
    for entry in finding.data.get("entries") or finding.data.get("matches") or []:
        if isinstance(entry, dict) and entry.get("source_id"):
            key = f"{entry.get('source')}:{entry.get('source_id')}"
            if key not in keys:
                keys.append(key)
    return keys


_LEGAL_FORMS = {"jsc", "ojsc", "pjsc", "oao", "zao", "ooo", "ao", "pao", "llc", "ltd", "limited", "inc", "corp",
                "co", "company", "gmbh", "ag", "sa", "plc", "fze", "fzco", "bv", "nv", "srl", "spa"}


def party_key(finding: Finding) -> str:
    """One listed party: the listed name without its legal form, folded (ROSOBORONEXPORT JSC on the
    SDN list and Rosoboronexport on the CSL are one party to the salesperson)."""
    name = str(finding.data.get("listed_name") or finding.data.get("name") or "")
    words = [w for w in re.sub(r"\W+", " ", name).casefold().split() if w not in _LEGAL_FORMS]
    return " ".join(words) or (hit_keys(finding) or [""])[0]


def _credit_advice(lang: str, settings: CardSettings) -> set[str]:
    """The policy's export-credit-insurance hint (open account, D/P), in this language."""
    try:
        insurance = settings.load_policy().insurance
        return {insurance.hint.get(lang)} if insurance else set()
    except Exception:
        return set()


def _approval_advice(t, settings: CardSettings) -> set[str]:  # type: ignore[no-untyped-def]
    """The scorer's "manager approval required" line, as it reads in this language."""
    try:
        policy = settings.load_policy()
        return {t("risk.action.approval", level=t(f"risk.level.{policy.approval_level.value}"),
                  days=policy.approval_expiry_days)}
    except Exception:
        return set()


def _actions(report: Report, case: CaseInfo, t, card: Card,  # type: ignore[no-untyped-def]
             settings: CardSettings) -> list[CardAction]:
    actions: list[CardAction] = []

    def add(kind: ActionKind, style: str | None = None, arg: str = "", label_key: str | None = None,
            confirm: str = "", **params: object) -> None:
        actions.append(CardAction(kind=kind, label=t(label_key or f"action.{kind.value}", **params), case_id=case.id,
                                  arg=arg, style=style, number=ACTION_NUMBER[kind], confirm=confirm))

    stop = card.decision is DecisionCode.STOP
    decided = case.status in ("approved", "rejected")
    if case.status == "pending_approval" and case.requested_by:
        if stop:
            add(ActionKind.APPROVE, "primary", label_key="action.approve_compliance",
                confirm=t("action.confirm_stop_approval"))
        else:
            add(ActionKind.APPROVE, "primary")
        add(ActionKind.REJECT, "danger")
    elif stop and not decided:
        add(ActionKind.ESCALATE, "primary")
    elif case.status == "pending_approval" or (report.risk.approval_required and not decided):
        add(ActionKind.REQUEST_APPROVAL, "primary")
    add(ActionKind.RECHECK)
    days = recheck_days(report.risk.level, settings)
    add(ActionKind.SCHEDULE_RECHECK, arg=str(days), label_key="action.schedule_recheck_days", days=days)
    add(ActionKind.ADD_NOTE)
    add(ActionKind.DETAILS)
    add(ActionKind.EVIDENCE_PACK)
    if case.watching:
        add(ActionKind.STOP_WATCHING)
    parties: set[str] = set()
    number = FIRST_MATCH_NUMBER
    for finding in report.sections.risk:
        keys = hit_keys(finding)
        if finding.code not in ("sanctions.hit", "sanctions.possible") or not keys or finding.data.get("cleared"):
            continue
        if all(key in case.cleared for key in keys):
            continue
        party = party_key(finding)
        if party in parties:  # one button per listed party, not one per list it is on
            continue
        parties.add(party)
        listed = str(finding.data.get("listed_name") or finding.data.get("name") or keys[0])
        name = listed if len(listed) <= 40 else listed[:39].rstrip() + "…"
        actions.append(CardAction(kind=ActionKind.CLEAR_MATCH, label=t("action.clear_match_named", name=name),
                                  case_id=case.id, arg=keys[0], number=number))
        number += 1
    return actions
