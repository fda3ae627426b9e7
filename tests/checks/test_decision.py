"""The decision the card leads with: real checks through the engine on the bundled lists, and the rules' edges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.codes import CODES
from checks.decision import decide
from checks.engine import CheckContext, Engine, Scorer
from checks.models import (
    DecisionCode,
    Finding,
    Report,
    RiskLevel,
    Section,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
    Subject,
)
from checks.policy import BUNDLED, PolicyError, load_policy, parse_policy
from checks.registry import build_engine
from checks.request import parse
from checks.risk import assess
from checks.sources.sanctions import SanctionsSource

POLICY = load_policy(BUNDLED)
EN = CheckContext.for_lang("en")
STOP, VERIFY, SAFE, PROCEED = (DecisionCode.STOP, DecisionCode.VERIFY_FIRST, DecisionCode.SAFE_TERMS,
                               DecisionCode.PROCEED)


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The product's offline engine: bundled OFAC, CSL and UN lists, offline sources, analyzers, policy."""
    engine = build_engine(offline=True)
    warm(engine)
    return engine


def warm(engine: Engine) -> None:
    """Load the sanctions index now, outside the source's time limit (a busy machine takes a while)."""
    for source in engine.sources:
        if isinstance(source, SanctionsSource):
            source._screener()


async def run(engine: Engine, text: str) -> Report:
    return await engine.run(parse(text))


# --- stop ---------------------------------------------------------------------------------------------------------
async def test_sanctioned_company_is_stop(engine: Engine) -> None:
    report = await run(engine, "Rosoboronexport")
    decision = report.decision
    assert decision.code is STOP and decision.codes == ["sanctions.hit"]
    assert decision.rule.endswith("sanctions") and not decision.verified
    assert decision.reason == "Rosoboronexport matches ROSOBORONEKSPORT OAO on OFAC SDN, OFAC Non-SDN and US CSL"
    assert "Do not quote" in decision.action


async def test_entity_list_company_is_stop(engine: Engine) -> None:
    report = await run(engine, "3K Aviation Consulting and Logistics country=TR")
    hits = [f for f in report.findings() if f.code == "sanctions.hit"]
    assert hits and any("Entity List" in str(f.data.get("list")) for f in hits)
    assert report.decision.code is STOP
    assert "US CSL" in report.decision.reason


@pytest.mark.parametrize("country", ["IR", "KP"])
async def test_embargoed_country_is_stop(engine: Engine, country: str) -> None:
    report = await run(engine, f"Sunrise Textiles country={country}")
    assert report.decision.code is STOP
    assert "country.embargoed" in report.decision.codes


async def test_embargo_transit_is_stop(engine: Engine) -> None:
    report = await run(engine, "Sunrise Textiles country=AE transit=IR")
    assert report.decision.code is STOP, report.decision


async def test_lookalike_of_a_known_company_is_stop(engine: Engine) -> None:
    report = await run(engine, "Siemens AG email=procurement@siemens-ag-group.com")
    decision = report.decision
    assert decision.code is STOP and decision.codes == ["domain.lookalike"]
    assert decision.reason == "This is not Siemens: siemens.com is theirs"
    assert "siemens.com" in decision.action and "switchboard" in decision.action


async def test_impersonation_in_chinese(engine: Engine) -> None:
    report = await run(engine, "Siemens AG email=procurement@siemens-ag-group.com lang=zh")
    assert report.decision.code is STOP
    assert report.decision.reason == "对方并非 Siemens：siemens.com 才是其官方域名"


# --- verify_first: never proceed -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,rule", [
    ("Bright Harbour Textiles Ltd country=GB", "offline"),
    ("Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE", "free_mail_company"),
    ("Bright Harbour Textiles Ltd country=GB bank_country=HK", "bank_elsewhere"),
    ("Mueller Maschinenbau GmbH email=k.weber@mueller-maschinenbau.de country=DE vat=DE123456789", "identifiers"),
])
async def test_unverified_buyers_are_verify_first(engine: Engine, text: str, rule: str) -> None:
    report = await run(engine, text)
    assert report.decision.code is VERIFY, report.decision
    assert report.decision.rule.endswith(" " + rule)
    assert report.decision.reason and report.decision.action
    assert report.risk.offline and report.risk.confidence != "complete" and not report.decision.verified


async def test_reason_and_action_in_chinese(engine: Engine) -> None:
    report = await run(engine, "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE lang=zh")
    assert report.decision.code is VERIFY
    assert report.decision.reason == "Al Noor General Trading LLC 使用免费邮箱（gmail.com）联系：无法证明发件人属于该公司"
    assert "营业执照" in report.decision.action
    bank = await run(engine, "Bright Harbour Textiles Ltd country=GB bank_country=HK lang=zh")
    assert bank.decision.reason == "银行在中国香港特别行政区，买家却在英国"
    sanctioned = await run(engine, "Rosoboronexport lang=zh")
    assert sanctioned.decision.code is STOP
    assert sanctioned.decision.reason == ("Rosoboronexport 与 OFAC SDN 名单、OFAC 非 SDN 名单和美国综合筛查名单（CSL）上的 "
                                         "ROSOBORONEKSPORT OAO 相符")


def test_cli_prints_the_decision(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--offline", "--json", "--no-store", "--lang", "zh",
         "Bright Harbour Textiles Ltd", "country=GB"],
        capture_output=True, text=True, cwd=tmp_path, check=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/t.db"},
    )
    decision = json.loads(out.stdout)["decision"]
    assert decision["code"] == "verify_first"
    assert decision["reason"].startswith("未核实") and decision["action"]


# --- the rules' edges on built reports ----------------------------------------------------------------------------
def finding(code: str, status: Status = Status.FLAG, severity: Severity = Severity.MEDIUM, **data: Any) -> Finding:
    section = {"verification": Section.VERIFICATION, "risk": Section.RISK, "history": Section.HISTORY,
               "profile": Section.PROFILE}[CODES[code].section]
    return Finding(code=code, status=status, severity=severity, title=CODES[code].en, section=section, data=data)


def scored(*findings: Finding, verdict: str = "consistent", sources: list[SourceResult] | None = None,
           offline: bool = False, lang: str = "en") -> Report:
    report = Report(subject=Subject(name="Mueller GmbH", country="DE"), lang=lang, verdict=verdict,
                    verdict_reasons=["mueller.de is the official domain of Mueller GmbH"])
    for item in findings:
        report.sections.add(item)
    report.sources = sources if sources is not None else [
        SourceResult(name=n, status=SourceStatus.OK) for n in ("sanctions", "email", "dns_email", "website", "gleif")]
    report.risk = assess(report, POLICY, CheckContext.for_lang(lang), offline=offline)
    return report


def test_proceed_needs_a_consistent_identity_and_every_source() -> None:
    clean = scored(finding("domain.matches_claim", Status.PASS, Severity.INFO))
    decision = decide(clean, POLICY)
    assert decision.code is PROCEED and decision.verified and decision.rule.endswith("verified")
    assert decide(scored(verdict="unknown"), POLICY).code is VERIFY
    down = [SourceResult(name="sanctions", status=SourceStatus.OK), SourceResult(name="gleif", status=SourceStatus.UNAVAILABLE)]
    assert decide(scored(sources=down), POLICY).code is VERIFY
    assert decide(scored(offline=True), POLICY).code is VERIFY


def test_risk_with_a_consistent_identity_is_safe_terms() -> None:
    report = scored(finding("country.high_risk", severity=Severity.HIGH))
    decision = decide(report, POLICY)
    assert report.risk.level is RiskLevel.HIGH
    assert decision.code is SAFE and decision.codes == []
    assert "100% T/T in advance" in decision.action


def test_possible_listing_is_verify_first_with_the_settling_question() -> None:
    report = scored(finding("sanctions.possible", severity=Severity.HIGH, source="us_ofac_sdn", source_id="1",
                            name="MUELLER TRADING", listed_name="MUELLER TRADING", primary_name="MUELLER TRADING CO"))
    decision = decide(report, POLICY)
    assert decision.code is VERIFY and decision.codes == ["sanctions.possible"]
    assert "MUELLER TRADING CO" in decision.reason and "OFAC SDN" in decision.reason
    assert "registration number" in decision.action and "date of birth" in decision.action


def test_a_screening_that_did_not_run_is_never_clean() -> None:
    sources = [SourceResult(name="sanctions", status=SourceStatus.ERROR)]
    assert decide(scored(sources=sources), POLICY).rule.endswith("screening_down")


def test_a_policy_that_would_proceed_offline_is_refused_and_the_engine_guards_anyway(tmp_path: Path) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    rules = data["decisions"]["rules"]
    rules.insert(0, {"name": "yolo", "decision": "proceed", "max_level": "low", "reason": {"en": "ok", "zh": "好"},
                     "action": {"en": "go", "zh": "走"}})
    with pytest.raises(PolicyError, match="a proceed rule must require confidence"):
        parse_policy(data)
    rules[0]["confidence"] = ["complete"]  # accepted, but the engine still wants a verified identity online
    policy = parse_policy(data)
    assert decide(scored(verdict="unknown"), policy).code is VERIFY
    assert decide(scored(offline=True), policy).code is VERIFY


@pytest.mark.parametrize("path,value,message", [
    ("rules/0/codes", ["sanctions.hits"], "decisions.rules[0].codes: unknown finding code 'sanctions.hits'"),
    ("rules/0/codes", ["nothing.like*"], "unknown finding code 'nothing.like*'"),
    ("rules/0/reason", {"en": "{who} is listed", "zh": "x"}, "unknown variable {who}"),
    ("rules/0/decision", "maybe", "Input should be 'stop', 'verify_first', 'safe_terms' or 'proceed'"),
    ("default/decision", "proceed", "the default cannot be proceed"),
    ("rules/0", {"name": "empty", "decision": "stop", "reason": {"en": "a", "zh": "b"},
                 "action": {"en": "a", "zh": "b"}}, "give at least one condition"),
])
def test_decision_rules_are_validated(path: str, value: Any, message: str) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    target: Any = data["decisions"]
    *parents, last = path.split("/")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[int(last) if isinstance(target, list) else last] = value
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "p.yml")
    assert message in str(caught.value), str(caught.value)


def test_a_policy_without_decisions_uses_the_bundled_rules() -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    del data["decisions"]
    policy = parse_policy(data)
    report = scored(finding("sanctions.hit", Status.FAIL, Severity.CRITICAL, source="un_sc", source_id="x",
                            name="BAD CO", listed_name="BAD CO"))
    assert decide(report, policy).code is STOP


async def test_a_scorer_that_does_not_decide_still_gives_a_decision() -> None:
    class Silent(Scorer):
        def score(self, report: Report, ctx: CheckContext) -> None:
            report.risk.level = RiskLevel.LOW

    report = await Engine([], [], Silent()).run(parse("Bright Harbour Textiles Ltd country=GB"))
    assert report.decision.code is VERIFY and report.decision.rule and report.decision.reason


# --- advice that fits the decision ------------------------------------------------------------------------------
async def test_impersonation_gets_no_payment_terms_and_no_questions(engine: Engine) -> None:
    for lang in ("en", "zh"):
        report = await run(engine, f"Siemens AG email=procurement@siemens-ag-group.com lang={lang}")
        risk = report.risk
        assert report.decision.code is STOP
        assert risk.payment_terms == [] and risk.ask_next == []  # never ask the impersonator for documents
        text = " ".join(risk.actions + risk.ask_next + risk.payment_terms)
        for word in ("T/T", "L/C", "bank reference", "bill of lading", "资信证明", "提单", "approval", "审批"):
            assert word not in text, (lang, word, text)
        assert len(risk.actions) == 1 and ("evidence" in risk.actions[0] or "证据" in risk.actions[0])


async def test_sanctions_stop_says_only_do_not_proceed_and_asks_nothing(engine: Engine) -> None:
    report = await run(engine, "Rosoboronexport")
    risk = report.risk
    assert [term.split(" — ")[0] for term in risk.payment_terms] == [
        "Do not proceed: no quote, shipment or payment until compliance clears it"]
    assert risk.ask_next == []
    assert report.verdict_reasons == ["not checked further: the decision is stop, ask this buyer for nothing"]
    assert "Only compliance can clear this; a manager's approval is not enough." in risk.actions
    assert not any("Manager approval required" in a for a in risk.actions)


@pytest.mark.parametrize("text", [
    "Bright Harbour Textiles Ltd country=GB",
    "Bright Harbour Textiles Ltd country=GB bank_country=HK",
    "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE",
])
async def test_verify_first_offers_no_credit_and_asks_what_settles_identity(engine: Engine, text: str) -> None:
    report = await run(engine, text)
    risk = report.risk
    assert report.decision.code is VERIFY
    words = " ".join(risk.payment_terms + risk.actions)
    for credit in ("O/A", "D/P", "open-account", "insurer", "Sinosure"):
        assert credit not in words, (credit, words)
    identity = {rule.ask.en for rule in POLICY.ask_next if rule.identity}
    assert risk.ask_next and set(risk.ask_next) <= identity, risk.ask_next
    if "bank_country" in text:
        assert "A bank reference letter, and a call-back on a known number to confirm the account holder" in risk.ask_next


async def test_recheck_advice_agrees_with_the_policy_interval(engine: Engine) -> None:
    for text in ("Rosoboronexport", "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE",
                 "Bright Harbour Textiles Ltd country=GB"):
        report = await run(engine, text)
        days = POLICY.recheck_for(report.risk.level)
        assert report.risk.recheck_days == days
        assert f"Re-check this buyer in {days} days." in report.risk.actions
