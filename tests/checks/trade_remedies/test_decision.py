"""The policy's decision: a measure in force is at least safe_terms; a route around it is verify_first."""

from __future__ import annotations

from datetime import date

from checks.decision import decide
from checks.engine import CheckContext
from checks.models import DecisionCode, Report, SourceResult, SourceStatus, Subject
from checks.policy import BUNDLED, load_policy
from checks.request import parse
from checks.risk import assess
from checks.sources.trade_remedies import trade_remedy_findings
from checks.trade_remedies.store import bundled

POLICY = load_policy(BUNDLED)


def verified_buyer_report(text: str, lang: str = "en") -> Report:
    """A buyer whose identity held together online, with the real trade-remedy findings for `text`."""
    ctx = CheckContext.for_lang(lang)
    report = Report(subject=Subject(name="Maple Racking Inc", country="CA"), lang=lang, verdict="consistent",
                    verdict_reasons=["mapleracking.ca is the official domain of Maple Racking Inc"])
    for finding in trade_remedy_findings(parse(text), bundled(), ctx, today=date(2026, 12, 6)):
        report.sections.add(finding)
    report.sources = [SourceResult(name=n, status=SourceStatus.OK)
                      for n in ("sanctions", "email", "dns_email", "website", "gleif", "trade_remedies")]
    report.risk = assess(report, POLICY, ctx, offline=False)
    return report


def test_measure_in_force_keeps_a_verified_buyer_at_safe_terms() -> None:
    decision = decide(verified_buyer_report("Maple Racking Inc country=CA hs=7308.90"), POLICY)
    assert decision.code is DecisionCode.SAFE_TERMS and decision.rule.endswith("trade_remedy")
    assert decision.codes == ["trade_remedy.measure"] and "CBSA case SG" in decision.reason
    assert "DDP" in decision.action
    clean = decide(verified_buyer_report("Maple Racking Inc country=CA hs=9503.00"), POLICY)
    assert clean.code is DecisionCode.PROCEED  # no measure on toys: nothing holds the buyer back


def test_a_route_around_the_measure_is_verify_first() -> None:
    decision = decide(verified_buyer_report("Maple Racking Inc country=CA hs=7308.90 transit=US"), POLICY)
    assert decision.code is DecisionCode.VERIFY_FIRST and decision.codes == ["trade_remedy.transhipment"]
    assert "third country" in decision.action
    zh = decide(verified_buyer_report("Maple Racking Inc country=CA hs=7308.90 transit=US", "zh"), POLICY)
    assert zh.code is DecisionCode.VERIFY_FIRST and "第三国" in zh.action


def test_country_without_data_does_not_lower_or_raise_the_decision() -> None:
    report = verified_buyer_report("Maple Racking Inc country=IN hs=7308.90")
    assert decide(report, POLICY).code is DecisionCode.PROCEED


def test_the_circumvention_question_is_asked_even_while_verifying_first() -> None:
    import asyncio

    from checks.registry import build_engine

    report = asyncio.run(build_engine(offline=True).run(parse("Maple Racking Inc country=CA hs=7308.90 transit=US")))
    assert report.decision.code is DecisionCode.VERIFY_FIRST
    assert any("third country" in question for question in report.risk.ask_next)
    measure = next(f for f in report.findings() if f.code == "trade_remedy.measure")
    assert "Quote DDP only with the duty in the price" in measure.detail  # the advice rides on the line itself
