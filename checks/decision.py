"""The decision the card leads with: stop | verify_first | safe_terms | proceed, with one reason and one action.

Computed after the risk score from the policy's `decisions` rules (checks/policy.yml): the first rule whose
conditions all hold decides, and its reason and action are filled in from the finding that triggered it
(the listed party, the company impersonated, its own domain ...) in the report's language.

Two guarantees hold whatever the policy says, because a team's edit must not turn an unverified buyer green:
- the decision is `proceed` only when every source that ran answered, the check was online and the identity
  verdict is `consistent` (else the policy's default, never `proceed`);
- `Decision.verified` is true only for `proceed`: cards show a green all-clear only then and say
  "unverified" otherwise (see `RiskAssessment.confidence`, `answered`, `total`).
"""

from __future__ import annotations

import logging
from typing import Any

from .countries import name_of
from .domains import claimed_domains
from .i18n import Translator, cjk_spacing, source_title, translator
from .models import Decision, DecisionCode, Finding, Report, SourceStatus, Status
from .policy import (
    ADVICE_BY_DECISION,
    AdviceFit,
    DecisionDefault,
    DecisionRule,
    Policy,
    PolicyError,
    bundled_policy,
    load_policy,
)
from .screening.explain import list_title

log = logging.getLogger(__name__)


def _matches_code(code: str, pattern: str) -> bool:
    return code.startswith(pattern[:-1]) if pattern.endswith("*") else code == pattern


def _finding_matches(finding: Finding, rule: DecisionRule) -> bool:
    if not any(_matches_code(finding.code, p) for p in rule.codes):
        return False
    if rule.min_severity is not None and finding.severity.rank < rule.min_severity.rank:
        return False
    return all(finding.data.get(key) == value for key, value in rule.data.items())


def _unavailable(report: Report) -> list[str]:
    return [r.name for r in report.sources if r.status in (SourceStatus.UNAVAILABLE, SourceStatus.ERROR)]


def _rule_holds(rule: DecisionRule, report: Report, problems: list[Finding], offline: bool) -> list[Finding] | None:
    """The findings that make `rule` hold (empty when it tests only the report), or None when it does not."""
    risk = report.risk
    if rule.min_level is not None and risk.level.rank < rule.min_level.rank:
        return None
    if rule.max_level is not None and risk.level.rank > rule.max_level.rank:
        return None
    if rule.confidence and risk.confidence not in rule.confidence:
        return None
    if rule.verdict and report.verdict not in rule.verdict:
        return None
    if rule.offline is not None and rule.offline != offline:
        return None
    if rule.unavailable and not set(rule.unavailable) & set(_unavailable(report)):
        return None
    if not rule.codes:
        return []
    found = [f for f in problems if _finding_matches(f, rule)]
    return found or None


def _ordered_problems(report: Report) -> list[Finding]:
    """Problem findings, most severe first (a stable order, so the same report gives the same reason)."""
    problems = [f for f in report.findings() if f.is_problem]
    return sorted(problems, key=lambda f: (-f.severity.rank, f.status is not Status.FAIL))


class _Vars(dict[str, str]):
    """Template values; a name the finding has no value for reads as an empty string, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def _join(values: list[str], lang: str) -> str:
    """'A, B and C' / 'A、B和C'."""
    values = [v for v in values if v]
    if len(values) < 2:
        return "".join(values)
    if lang == "zh":
        return "、".join(values[:-1]) + "和" + values[-1]
    return ", ".join(values[:-1]) + " and " + values[-1]


def _variables(report: Report, found: list[Finding], problems: list[Finding], policy: Policy,
               t: Translator, lang: str) -> _Vars:
    subject = report.subject
    finding = found[0] if found else None
    data: dict[str, Any] = finding.data if finding is not None else {}
    top = finding or (problems[0] if problems else None)
    sources: list[str] = []  # every list the triggering findings name (one party may be on several)
    for item in found:
        listed = item.data.get("entries")
        entries = listed if isinstance(listed, list) else []
        sources += [str(e.get("source", "")) for e in entries if isinstance(e, dict)] or (
            [str(item.data["source"])] if item.data.get("source") else [])
    list_names = _join(list(dict.fromkeys(list_title(s, t) for s in sources if s)), lang)
    company = str(data.get("target_company") or data.get("company") or subject.name or "")
    official = data.get("target") or data.get("official_domains") or ""
    if isinstance(official, list):
        official = _join([str(o) for o in official[:2]], lang)
    if not official and subject.name:
        targets, _ = claimed_domains(subject.name)
        official = _join(sorted(targets)[:2], lang)
    missing = _unavailable(report)
    ran = [r for r in report.sources if r.status is not SourceStatus.SKIPPED]
    verdict_reason = report.verdict_reasons[0] if report.verdict_reasons else ""
    advice = policy.advice[report.risk.level]
    return _Vars(
        subject=subject.name or subject.email or "",
        query=str(data.get("query") or subject.name or subject.email or ""),
        title=top.title if top is not None else "",
        listed=str(data.get("primary_name") or data.get("listed_name") or data.get("name") or ""),
        matched=str(data.get("listed_name") or data.get("name") or data.get("primary_name") or ""),
        lists=list_names,
        programs=_join([str(p) for p in data.get("programs", []) or []], lang),
        company=company,
        official=str(official),
        domain=str(data.get("domain") or data.get("provider") or (subject.email or "").partition("@")[2]),
        country=name_of(subject.country, lang) if subject.country else "",
        bank_country=name_of(subject.bank_country, lang) if subject.bank_country else "",
        missing=_join([source_title(m, t) for m in missing], lang),
        answered=str(len(ran) - len(missing)),
        total=str(len(ran)),
        verdict_reason=verdict_reason.rstrip("。."),
        level=t(f"risk.level.{report.risk.level.value}"),
        term=advice.payment_terms[0].term.get(lang) if advice.payment_terms else "",
    )


def _fill(template: str, values: _Vars, lang: str) -> str:
    text = template.format_map(values).strip()
    return cjk_spacing(text) if lang == "zh" else text


def _may_proceed(report: Report, offline: bool) -> bool:
    """Identity verified by independent sources, every source answered, online: the only way to `proceed`."""
    return (not offline and report.risk.confidence == "complete" and report.verdict == "consistent"
            and not _unavailable(report))


def decide(report: Report, policy: Policy | None = None, *, offline: bool | None = None) -> Decision:
    """The decision for `report` (already scored) under `policy` (default: the configured one), in its language."""
    return decide_with_advice(report, policy, offline=offline)[0]


def decide_with_advice(report: Report, policy: Policy | None = None, *,
                       offline: bool | None = None) -> tuple[Decision, AdviceFit]:
    """The decision and how it trims the level's advice (the rule's `advice`, else the decision's default)."""
    policy = policy or _configured_policy()
    rules = policy.decisions or bundled_policy().decisions
    assert rules is not None  # the bundled policy always has decisions
    lang = report.lang
    t = translator(lang)
    offline = report.risk.offline if offline is None else offline
    problems = _ordered_problems(report)
    for index, rule in enumerate(rules.rules):
        found = _rule_holds(rule, report, problems, offline)
        if found is None:
            continue
        if rule.decision is DecisionCode.PROCEED and not _may_proceed(report, offline):
            continue
        values = _variables(report, found, problems, policy, t, lang)
        decision = Decision(
            code=rule.decision,
            reason=_fill(rule.reason.get(lang), values, lang),
            action=_fill(rule.action.get(lang), values, lang),
            rule=f"decisions.rules[{index}] {rule.name}",
            codes=list(dict.fromkeys(f.code for f in found)),
            verified=rule.decision is DecisionCode.PROCEED,
        )
        return decision, rule.advice or ADVICE_BY_DECISION[rule.decision]
    default = rules.default
    return _default(default, report, problems, policy, t, lang), default.advice or ADVICE_BY_DECISION[default.decision]


def _default(default: DecisionDefault, report: Report, problems: list[Finding], policy: Policy, t: Translator,
             lang: str) -> Decision:
    values = _variables(report, [], problems, policy, t, lang)
    return Decision(code=default.decision, reason=_fill(default.reason.get(lang), values, lang),
                    action=_fill(default.action.get(lang), values, lang), rule="decisions.default", codes=[])


def _configured_policy() -> Policy:
    try:
        return load_policy()
    except PolicyError as exc:  # the scorer already warns on the card; decide with the bundled rules
        log.error("%s", exc)
        return bundled_policy()
