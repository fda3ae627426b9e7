"""The risk level, its factors, and what to do: the policy applied to a report's findings.

Deterministic and explainable: every point on the card is a `RiskFactor` naming the finding and the
policy line it comes from, and the score is the sum of the factors (kept within 0-100). Sources that
could not answer never count as clean: they lower the confidence shown on the card and, where the
policy says so (sanctions), add points and a floor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .decision import decide_with_advice
from .engine import CheckContext, Scorer
from .i18n import clause_sep, list_sep, source_title
from .models import (
    DecisionCode,
    Finding,
    Report,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
)
from .policy import AdviceFit, Policy, PolicyError, bundled_policy, load_policy

log = logging.getLogger(__name__)

SCORE_CAP = "cap.score"  # the factor that says the points were capped at 100 (a factor code, not a finding code)


@dataclass
class _Candidate:
    code: str
    points: int
    rule: str
    finding: Finding


@dataclass
class _Floor:
    """The lowest level the policy allows, with the reason and policy line that set it."""

    level: RiskLevel = RiskLevel.LOW
    reason: str = ""
    rule: str = ""

    def raise_to(self, level: RiskLevel | None, reason: str, rule: str) -> None:
        if level and level.rank > self.level.rank:
            self.level, self.reason, self.rule = level, reason, rule


def assess(report: Report, policy: Policy, ctx: CheckContext, *, offline: bool = False) -> RiskAssessment:
    """The risk assessment of `report` under `policy`, in the request's language.

    Each factor's `reason` is plain words for the card; its `rule` names the policy line (Details, audit).
    The advice follows the level; `fit_advice` trims it to the decision afterwards.
    """
    findings = report.findings()
    problems = [f for f in findings if f.is_problem]
    ran = [r for r in report.sources if r.status is not SourceStatus.SKIPPED]
    missing = [r for r in ran if r.status in (SourceStatus.UNAVAILABLE, SourceStatus.ERROR)]
    floor = _Floor()

    best = _best_per_code(problems, policy)
    factors, section_points = _finding_factors(best, ctx)
    factors += _combination_factors(set(best), policy, ctx, section_points, floor)
    factors += _cap_factors(section_points, policy, ctx)
    factors += _unavailable_factors(missing, policy, ctx, floor)
    factors += _credit_factors(findings, policy, ctx)
    _force_floor(problems, policy, ctx, floor)
    score, level = _score_and_level(factors, policy, ctx, floor)
    confidence, note = _confidence(findings, ran, missing, policy, ctx, offline=offline)

    factors.sort(key=lambda f: (f.points <= 0, -f.points, f.code))  # what adds first, then what takes off
    risk = RiskAssessment(
        level=level, score=score, factors=factors, approval_required=level.rank >= policy.approval_level.rank,
        confidence=confidence, incomplete_note=note, offline=offline, answered=len(ran) - len(missing),
        total=len(ran), recheck_days=policy.recheck_for(level),
    )
    _advise(risk, report, policy, ctx, AdviceFit())
    return risk


def _best_per_code(problems: list[Finding], policy: Policy) -> dict[str, _Candidate]:
    """Each problem code once, at its highest points; of an exclusive group only its highest-scoring code."""
    best: dict[str, _Candidate] = {}
    for finding in problems:
        points, rule = policy.points_for(finding.code, finding.severity)
        current = best.get(finding.code)
        if current is None or points > current.points:
            best[finding.code] = _Candidate(finding.code, points, rule, finding)
    for group in policy.exclusive:
        present = [best[c] for c in group if c in best]
        if len(present) > 1:
            keep = max(present, key=lambda c: (c.points, -group.index(c.code)))
            for candidate in present:
                if candidate is not keep:
                    del best[candidate.code]
    return best


def _finding_factors(best: dict[str, _Candidate], ctx: CheckContext) -> tuple[list[RiskFactor], dict[str, int]]:
    """A factor per problem code that adds points, and the points per card section (for the caps)."""
    factors: list[RiskFactor] = []
    section_points: dict[str, int] = {}
    for candidate in sorted(best.values(), key=lambda c: (-c.points, c.code)):
        if candidate.points <= 0:
            continue
        section = candidate.finding.section.value
        section_points[section] = section_points.get(section, 0) + candidate.points
        factors.append(RiskFactor(code=candidate.code, points=candidate.points, rule=candidate.rule,
                                  reason=ctx.t("risk.factor.finding", title=candidate.finding.title)))
    return factors, section_points


def _combination_factors(effective: set[str], policy: Policy, ctx: CheckContext, section_points: dict[str, int],
                         floor: _Floor) -> list[RiskFactor]:
    """Combinations of problems (codes dropped as duplicates do not count twice): points and level floors."""
    factors: list[RiskFactor] = []
    for index, combo in enumerate(policy.combinations):
        n = len(effective & set(combo.codes))
        if n < combo.min_count:
            continue
        rule = f"combinations[{index}] {combo.name}"
        reason = ctx.t("risk.factor.rule", reason=combo.reason.get(ctx.lang).replace("{n}", str(n)))
        if combo.points:
            section_points[combo.section] = section_points.get(combo.section, 0) + combo.points
            factors.append(RiskFactor(code=f"combo.{combo.name}", points=combo.points, rule=rule, reason=reason))
        floor.raise_to(combo.min_level, reason, rule)
    return factors


def _cap_factors(section_points: dict[str, int], policy: Policy, ctx: CheckContext) -> list[RiskFactor]:
    """Negative factors that keep each section within its cap."""
    t = ctx.t
    factors: list[RiskFactor] = []
    for section, cap in policy.caps.items():
        over = section_points.get(section, 0) - cap
        if over > 0:
            factors.append(RiskFactor(code=f"cap.{section}", points=-over, rule=f"caps.{section}",
                                      reason=t("risk.factor.cap", section=t(f"risk.section.{section}"), cap=cap)))
    return factors


def _unavailable_factors(missing: list[SourceResult], policy: Policy, ctx: CheckContext,
                         floor: _Floor) -> list[RiskFactor]:
    """Sources that did not answer never count as clean: points, and a floor where the policy says so."""
    factors: list[RiskFactor] = []
    for result in missing:
        rule_entry = policy.unavailable.sources.get(result.name)
        points = rule_entry.points if rule_entry else policy.unavailable.default_points
        rule = f"unavailable.sources[{result.name}]" if rule_entry else "unavailable.default_points"
        reason = ctx.t("risk.factor.unavailable", source=source_title(result.name, ctx.t))
        if points:
            factors.append(RiskFactor(code=f"source.{result.name}", points=points, rule=rule, reason=reason))
        if rule_entry:
            floor.raise_to(rule_entry.min_level, reason, rule)
    return factors


def _credit_factors(findings: list[Finding], policy: Policy, ctx: CheckContext) -> list[RiskFactor]:
    """Credits for good signals, each code once, within the policy's credit cap."""
    factors: list[RiskFactor] = []
    credited: set[str] = set()
    budget = policy.credit_cap
    for finding in findings:
        credit = policy.credits.get(finding.code)
        if not credit or finding.status is not Status.PASS or budget <= 0 or finding.code in credited:
            continue
        credited.add(finding.code)
        used = min(credit, budget)
        budget -= used
        factors.append(RiskFactor(code=f"credit.{finding.code}", points=-used, rule=f"credits[{finding.code}]",
                                  reason=ctx.t("risk.factor.credit", title=finding.title)))
    return factors


def _force_floor(problems: list[Finding], policy: Policy, ctx: CheckContext, floor: _Floor) -> None:
    """Levels the policy forces for a finding (sanctions, embargo ...)."""
    for finding in problems:
        forced = policy.force_level.get(finding.code)
        if forced and forced.rank > floor.level.rank:
            reason = ctx.t("risk.factor.forced", title=finding.title, level=ctx.t(f"risk.level.{forced.value}"))
            floor.raise_to(forced, reason, f"force_level[{finding.code}]")


def _score_and_level(factors: list[RiskFactor], policy: Policy, ctx: CheckContext,
                     floor: _Floor) -> tuple[int, RiskLevel]:
    """The score (0-100) and level; adds the factors that say why the score was capped or lifted to a floor."""
    raw = sum(f.points for f in factors)
    score = max(0, min(100, raw))
    if raw > 100:  # "+100, +20 = 100/100" needs its word: the card shows every point
        factors.append(RiskFactor(code=SCORE_CAP, points=100 - raw, rule="score: 0..100",
                                  reason=ctx.t("risk.factor.capped", raw=raw)))
    level = policy.thresholds.level_for(score)
    if floor.level.rank > level.rank:
        lift = policy.thresholds.floor(floor.level) - score
        if lift > 0:
            factors.append(RiskFactor(code=f"level.{floor.level.value}", points=lift, rule=floor.rule,
                                      reason=floor.reason))
            score += lift
        level = floor.level
    return score, level


def _confidence(findings: list[Finding], ran: list[SourceResult], missing: list[SourceResult], policy: Policy,
                ctx: CheckContext, *, offline: bool) -> tuple[str, str]:
    """How complete the check was, and the note that says what is missing: never silently clean."""
    t, lang = ctx.t, ctx.lang
    confidence, note = "complete", ""
    if missing:
        share = len(missing) / max(1, len(ran))
        confidence = "low" if share >= policy.unavailable.low_confidence_fraction else "incomplete"
        note = t("risk.incomplete", n=len(missing), total=len(ran),
                 names=list_sep(lang).join(source_title(r.name, t) for r in missing))
    elif offline:
        confidence = "incomplete"
        note = t("risk.offline", total=len(ran))
    unanswered = [f for f in findings if f.status is Status.UNAVAILABLE]  # e.g. VIES: a member state is down
    if unanswered:
        confidence = "incomplete" if confidence == "complete" else confidence
        extra = t("risk.unanswered", n=len(unanswered), titles=clause_sep(lang).join(f.title for f in unanswered[:3]))
        note = f"{note}{clause_sep(lang)}{extra}" if note else extra
    return confidence, note


def _advise(risk: RiskAssessment, report: Report, policy: Policy, ctx: CheckContext, fit: AdviceFit) -> None:
    """Payment terms, actions and questions for the level, trimmed by `fit` (the decision's needs)."""
    advice = policy.advice[risk.level]
    terms = [] if fit.terms == "none" else [
        term for term in advice.payment_terms if not (fit.terms == "no_credit" and term.credit)]
    risk.payment_terms = [ctx.t("risk.term", term=term.term.get(ctx.lang), reason=term.reason.get(ctx.lang))
                          for term in terms]
    risk.actions = _actions(risk, report, policy, ctx, fit)
    risk.ask_next = _questions(risk.level, report, policy, ctx, fit)


def _actions(risk: RiskAssessment, report: Report, policy: Policy, ctx: CheckContext, fit: AdviceFit) -> list[str]:
    """What to do at this level: the policy's actions, insurance, who must approve, and when to re-check."""
    t, lang, level = ctx.t, ctx.lang, risk.level
    if fit.actions == "none":
        return [t("risk.action.keep_evidence")]
    actions = [a.get(lang) for a in policy.advice[level].actions]
    if policy.insurance and level in policy.insurance.levels and fit.terms == "level":
        actions.append(policy.insurance.hint.get(lang))  # the insurer's limit is for open account only
    if report.decision.code is DecisionCode.STOP and bool(report.decision.rule):  # a stop is not a manager's call
        actions.append(t("risk.action.compliance"))
    elif risk.approval_required:
        actions.append(t("risk.action.approval", level=t(f"risk.level.{policy.approval_level.value}"),
                         days=policy.approval_expiry_days))
    if risk.confidence != "complete" and level.rank < RiskLevel.CRITICAL.rank:
        actions.append(t("risk.action.incomplete"))
    actions.append(t("risk.action.recheck", days=risk.recheck_days))  # the same days as the card's button
    return actions


def _questions(level: RiskLevel, report: Report, policy: Policy, ctx: CheckContext, fit: AdviceFit) -> list[str]:
    """What to ask the buyer next: questions for what is not clean, else what settles who they are."""
    if fit.ask == "none":
        return []
    lang = ctx.lang
    asked: list[str] = []
    not_clean = {f.code for f in report.findings() if f.status not in (Status.PASS, Status.UNAVAILABLE)
                 and (f.status is not Status.INFO or f.severity.rank >= Severity.LOW.rank)}
    for rule in policy.ask_next:
        if not_clean & set(rule.codes) and (fit.ask == "all" or rule.identity):
            asked.append(rule.ask.get(lang))
    if fit.ask == "all":
        asked += [a.get(lang) for a in policy.advice[level].ask]
    elif not asked:  # nothing specific: what settles who they are
        asked += [rule.ask.get(lang) for rule in policy.ask_next if rule.identity][:2]
    return list(dict.fromkeys(asked))[: policy.ask_next_max]


def fit_advice(report: Report, policy: Policy, ctx: CheckContext, fit: AdviceFit) -> None:
    """Trim `report.risk`'s advice to its decision: no payment terms for an impersonator, no open account
    while identity is unsettled, no questions to a listed party (policy `decisions`, `advice`)."""
    _advise(report.risk, report, policy, ctx, fit)
    if fit.ask == "none" and report.verdict == "unknown":  # "give the buyer's website" is no advice for a stop
        report.verdict_reasons = [ctx.t("risk.identity_moot")]


class PolicyScorer(Scorer):
    """The engine's scorer: the policy from configuration, or the bundled one if that file is broken.
    It scores, decides (checks/decision.py) and fits the advice to the decision."""

    decides = True

    def __init__(self, policy: Policy | None = None, *, path: Path | str | None = None, offline: bool = False) -> None:
        self._policy = policy
        self.path = path
        self.offline = offline

    def policy(self) -> tuple[Policy, str | None]:
        if self._policy is not None:
            return self._policy, None
        try:
            return load_policy(self.path), None
        except PolicyError as exc:  # a broken edit must not stop the checks: say so on the card
            log.error("%s", exc)
            return bundled_policy(), str(exc)

    def score(self, report: Report, ctx: CheckContext) -> None:
        policy, error = self.policy()
        if error:
            report.warnings.append(ctx.t("risk.policy_invalid", error=error.replace("\n", " ")))
        report.risk = assess(report, policy, ctx, offline=self.offline)
        report.decision, fit = decide_with_advice(report, policy, offline=self.offline)
        fit_advice(report, policy, ctx, fit)
