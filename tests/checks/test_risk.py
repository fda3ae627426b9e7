"""Risk scoring under the policy: levels with their factors, confidence, advice, policy errors, custom policies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.analyzers.consistency import ConsistencyAnalyzer
from checks.codes import CODES
from checks.engine import CheckContext, Engine
from checks.i18n import t
from checks.models import Finding, Report, RiskLevel, Section, Severity, SourceResult, SourceStatus, Status, Subject
from checks.policy import BUNDLED, PolicyError, load_policy, parse_policy, read_policy
from checks.registry import build_engine
from checks.request import parse
from checks.risk import PolicyScorer, assess
from checks.sources.country import CountryRiskSource
from checks.sources.email import EmailSource
from checks.sources.identifiers import IdentifierSource
from checks.sources.phone import PhoneSource
from checks.sources.trade_fraud import TradeFraudAnalyzer

EN = CheckContext.for_lang("en")
ZH = CheckContext.for_lang("zh")
POLICY = load_policy(BUNDLED)
SECTION = {"verification": Section.VERIFICATION, "profile": Section.PROFILE, "history": Section.HISTORY,
           "risk": Section.RISK}


def finding(code: str, status: Status = Status.FLAG, severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(code=code, status=status, severity=severity, title=CODES[code].en,
                   section=SECTION[CODES[code].section])


def report_of(*findings: Finding, sources: list[SourceResult] | None = None) -> Report:
    report = Report(subject=Subject(name="ACME"))
    for item in findings:
        report.sections.add(item)
    report.sources = sources or []
    return report


def ok(*names: str) -> list[SourceResult]:
    return [SourceResult(name=n, status=SourceStatus.OK) for n in names]


# --- the table: findings in, level and the factors that made it out ------------------------------------------
F, X, P = Status.FLAG, Status.FAIL, Status.PASS
CASES: list[tuple[str, list[Finding], RiskLevel, list[str]]] = [
    ("nothing found", [], RiskLevel.LOW, []),
    ("only good signs", [finding("vat.valid", P, Severity.INFO), finding("company.registered", P, Severity.INFO)],
     RiskLevel.LOW, ["credit.company.registered", "credit.vat.valid"]),
    ("free mail, no company claim", [finding("email.free_mail", F, Severity.LOW)], RiskLevel.LOW, ["email.free_mail"]),
    ("one medium identity problem", [finding("phone.country_mismatch")], RiskLevel.LOW, ["phone.country_mismatch"]),
    ("a company writing from free mail", [finding("email.free_mail", F, Severity.LOW),
                                          finding("email.free_mail_for_company")],
     RiskLevel.MEDIUM, ["email.free_mail_for_company"]),
    ("two identity problems weigh more together",
     [finding("phone.country_mismatch"), finding("website.name_missing")],
     RiskLevel.MEDIUM, ["phone.country_mismatch", "combo.identity_doubts", "website.name_missing"]),
    ("a grey-listed country", [finding("country.monitored", F, Severity.LOW)], RiskLevel.LOW, ["country.monitored"]),
    ("bank abroad", [finding("fraud.bank_country_mismatch")], RiskLevel.LOW, ["fraud.bank_country_mismatch"]),
    ("invalid VAT check digit", [finding("id.invalid_checksum", X, Severity.HIGH)], RiskLevel.MEDIUM,
     ["id.invalid_checksum"]),
    ("three medium identity problems",
     [finding("phone.country_mismatch"), finding("website.name_missing"), finding("id.country_mismatch")],
     RiskLevel.HIGH, ["id.country_mismatch", "phone.country_mismatch", "combo.identity_doubts",
                      "combo.identity_inconsistent", "website.name_missing"]),
    ("three small identity problems: lifted to high by the combination's floor",
     [finding("phone.voip", F, Severity.LOW), finding("domain.young", F, Severity.LOW),
      finding("website.email_not_listed")],
     RiskLevel.HIGH, ["combo.identity_doubts", "combo.identity_inconsistent", "website.email_not_listed",
                      "level.high", "domain.young", "phone.voip"]),
    ("changed bank account + bank abroad", [finding("fraud.bank_change", F, Severity.HIGH),
                                            finding("fraud.bank_country_mismatch")],
     RiskLevel.HIGH, ["fraud.bank_change", "combo.fraud_pattern", "fraud.bank_country_mismatch"]),
    ("FATF call for action", [finding("country.high_risk", X, Severity.HIGH)], RiskLevel.HIGH, ["country.high_risk"]),
    ("identity doubts never reach critical alone",
     [finding("email.free_mail_for_company", F, Severity.HIGH), finding("id.invalid_checksum", X, Severity.HIGH),
      finding("phone.country_mismatch"), finding("domain.lookalike", F, Severity.HIGH)],
     RiskLevel.HIGH, ["domain.lookalike", "email.free_mail_for_company", "id.invalid_checksum",
                      "phone.country_mismatch", "combo.identity_doubts", "combo.identity_inconsistent",
                      "cap.verification"]),
    ("embargoed country", [finding("country.embargoed", X, Severity.CRITICAL)], RiskLevel.CRITICAL,
     ["country.embargoed"]),
    ("sanctions hit with good signs", [finding("sanctions.hit", X, Severity.CRITICAL),
                                       finding("vat.valid", P, Severity.INFO)],
     RiskLevel.CRITICAL, ["sanctions.hit", "credit.vat.valid"]),
    ("embargo by transit", [finding("fraud.embargo_transit", X, Severity.CRITICAL)], RiskLevel.CRITICAL,
     ["fraud.embargo_transit"]),
]


@pytest.mark.parametrize("name,findings,level,factors", CASES, ids=[c[0] for c in CASES])
def test_levels_and_their_factors(name: str, findings: list[Finding], level: RiskLevel, factors: list[str]) -> None:
    risk = assess(report_of(*findings, sources=ok("email", "phone")), POLICY, EN)
    assert risk.level is level
    assert [f.code for f in risk.factors] == factors
    assert risk.score == max(0, min(100, sum(f.points for f in risk.factors)))  # every point is on the card
    assert all(f.rule and "policy" not in f.reason and "[" not in f.reason for f in risk.factors)  # the policy line
    # is kept for Details (`rule`), never in the words a salesperson reads
    assert risk.payment_terms and risk.actions
    assert risk.approval_required == (level.rank >= RiskLevel.HIGH.rank)
    assert risk.confidence == "complete" and risk.incomplete_note == ""


def test_forced_level_lifts_the_score_with_its_own_factor() -> None:
    data = bundled_data()
    data["points"]["sanctions.hit"] = 10  # a careless edit: the forced level still holds
    policy = parse_policy(data)
    risk = assess(report_of(finding("sanctions.hit", X, Severity.CRITICAL), finding("vat.valid", P, Severity.INFO)),
                  policy, EN)
    assert risk.level is RiskLevel.CRITICAL and risk.score == 75
    assert [(f.code, f.points) for f in risk.factors] == [("level.critical", 70), ("sanctions.hit", 10),
                                                          ("credit.vat.valid", -5)]
    assert risk.factors[0].rule == "force_level[sanctions.hit]"


def test_factor_reasons_name_finding_and_policy_line() -> None:
    risk = assess(report_of(finding("email.free_mail_for_company", F, Severity.HIGH)), POLICY, EN)
    assert risk.factors[0].points == 30
    assert risk.factors[0].reason == CODES["email.free_mail_for_company"].en
    assert risk.factors[0].rule == "points[email.free_mail_for_company].high"
    unlisted = assess(report_of(finding("website.summary", F, Severity.HIGH)), POLICY, EN)
    assert unlisted.factors[0].points == 20 and unlisted.factors[0].rule == "severity_points.high"


def test_a_code_counts_once_and_duplicates_do_not() -> None:
    twice = [finding("registry.name_mismatch", F, Severity.HIGH), finding("registry.name_mismatch", F, Severity.HIGH)]
    assert [f.points for f in assess(report_of(*twice), POLICY, EN).factors] == [20]
    same_thing = [finding("id.invalid_checksum", X, Severity.HIGH), finding("vat.invalid", X, Severity.HIGH)]
    assert [f.code for f in assess(report_of(*same_thing), POLICY, EN).factors] == ["id.invalid_checksum"]


def test_unavailable_sources_lower_confidence_and_are_never_clean() -> None:
    sources = ok("email", "phone", "identifiers", "country_risk", "dns_email", "rdap") + [
        SourceResult(name="gleif", status=SourceStatus.UNAVAILABLE),
        SourceResult(name="vies", status=SourceStatus.ERROR),
        SourceResult(name="website", status=SourceStatus.UNAVAILABLE),
        SourceResult(name="companies_house", status=SourceStatus.SKIPPED),
    ]
    risk = assess(report_of(sources=sources), POLICY, EN)
    assert risk.incomplete_note == ("incomplete: 3 of 9 sources unavailable (the LEI register (GLEIF), "
                                    "EU VAT register (VIES), the buyer's website)")
    assert risk.confidence == "incomplete"
    assert any("Some checks could not run" in a for a in risk.actions)
    zh = assess(report_of(sources=sources), POLICY, ZH)
    assert zh.incomplete_note == ("不完整：9 个数据源中有 3 个不可用（全球法人识别码登记库（GLEIF）、"
                                  "欧盟增值税号系统（VIES）、买家网站）")
    half = assess(report_of(sources=ok("email") + [SourceResult(name="rdap", status=SourceStatus.UNAVAILABLE)]),
                  POLICY, EN)
    assert half.confidence == "low"


def test_findings_that_could_not_be_answered_lower_confidence() -> None:
    vies_down = Finding(code="vat.unknown", status=Status.UNAVAILABLE, severity=Severity.INFO,
                        title="VIES could not check DE811115368 now (MS_UNAVAILABLE)")
    risk = assess(report_of(vies_down, sources=ok("vies", "email")), POLICY, EN)
    assert risk.confidence == "incomplete"
    assert risk.incomplete_note == "incomplete: 1 check(s) could not be answered (VIES could not check DE811115368 now " \
                                   "(MS_UNAVAILABLE))"
    assert risk.factors == [] and risk.level is RiskLevel.LOW


def test_sanctions_unavailable_is_at_least_medium() -> None:
    sources = ok("email") + [SourceResult(name="sanctions", status=SourceStatus.UNAVAILABLE)]
    risk = assess(report_of(sources=sources), POLICY, EN)
    assert risk.level is RiskLevel.MEDIUM
    assert [f.code for f in risk.factors] == ["source.sanctions"]
    assert risk.factors[0].points == 20 and risk.factors[0].rule == "unavailable.sources[sanctions]"
    assert risk.factors[0].reason == "sanctions screening could not answer: not checked, not clean"


def test_offline_checks_are_marked_incomplete() -> None:
    risk = assess(report_of(sources=ok("email", "phone")), POLICY, EN, offline=True)
    assert risk.confidence == "incomplete" and "offline" in risk.incomplete_note


def test_advice_recheck_insurance_and_questions_in_both_languages() -> None:
    findings = [finding("email.free_mail_for_company"), finding("email.role_address", Status.INFO, Severity.LOW)]
    en = assess(report_of(*findings), POLICY, EN)
    assert en.level is RiskLevel.MEDIUM
    assert en.payment_terms[0].startswith("L/C at sight — a bank")
    assert any("export credit insurer" in a for a in en.actions)
    assert en.actions[-1] == "Re-check this buyer in 90 days."
    assert en.ask_next == ["A reply from a corporate email address on the company's own domain",
                           "The name and position of the person you deal with"]
    zh = assess(report_of(*findings), POLICY, ZH)
    assert zh.payment_terms[0].startswith("即期信用证")
    assert zh.ask_next[0] == "请对方用公司自有域名的企业邮箱回复"
    assert zh.actions[-1] == "90 天后重新检查该买家。"


def test_high_level_asks_for_bank_reference_and_requires_approval() -> None:
    risk = assess(report_of(finding("country.high_risk", X, Severity.HIGH)), POLICY, EN)
    assert risk.approval_required
    assert "A bank reference letter from the buyer's bank" in risk.ask_next
    assert "The beneficial owner(s), and the end user and final destination of the goods" in risk.ask_next
    assert risk.payment_terms[0].startswith("100% T/T in advance")
    assert not any("insurer" in a for a in risk.actions)


# --- the policy file ---------------------------------------------------------------------------------------------
def bundled_data() -> dict[str, Any]:
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def test_bundled_policy_exposes_what_other_code_needs() -> None:
    assert POLICY.approval_level is RiskLevel.HIGH
    assert POLICY.approval_expiry_days == 180
    assert {level: POLICY.recheck_for(level) for level in RiskLevel} == {
        RiskLevel.LOW: 180, RiskLevel.MEDIUM: 90, RiskLevel.HIGH: 30, RiskLevel.CRITICAL: 7}


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data[key]
    key: Any = int(last) if isinstance(data, list) else last
    if value is KeyError:
        del data[key]
    else:
        data[key] = value


ERRORS = [
    ("thresholds/high", 10, "thresholds: Value error, must rise: 0 < medium < high < critical <= 100"),
    ("thresholds/critical", 101, "thresholds: Value error, must rise"),
    ("approval_level", "severe", "approval_level: Input should be 'low', 'medium', 'high' or 'critical'"),
    ("approval_expiry_days", 0, "approval_expiry_days: Input should be greater than or equal to 1"),
    ("recheck_days/high", KeyError, "recheck_days: Value error, missing high"),
    ("advice/low", KeyError, "advice: Value error, missing low"),
    ("points/phone.invalid", 500, "points: Value error, phone.invalid: 500 is outside 0..100"),
    ("points/emial.free_mail", 5, "points[emial.free_mail]: unknown finding code 'emial.free_mail'"),
    ("force_level/sanctions.hits", "critical", "force_level[sanctions.hits]: unknown finding code"),
    ("combinations/0/min_count", 1, "combinations[0].min_count: Input should be greater than or equal to 2"),
    ("ask_next/0/ask", {"en": "Only English"}, "ask_next[0].ask.zh: Field required"),
    ("advice/high/payment_terms", [], "advice.high.payment_terms: List should have at least 1 item"),
    ("caps/identity", 50, "caps: Value error, unknown section identity"),
    ("surprise", 1, "surprise: Extra inputs are not permitted"),
    ("combinations/0/min_count", 50, "combinations[0]: Value error, min_count 50 can never be reached"),
    ("exclusive/0", ["email.free_mail"], "exclusive: Value error, group 0 needs at least two different codes"),
]


@pytest.mark.parametrize("path,value,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_policy_validation_errors_name_file_field_and_problem(path: str, value: Any, message: str) -> None:
    data = bundled_data()
    _set(data, path, value)
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "/etc/tradecheck/policy.yml")
    text = str(caught.value)
    assert text.startswith("policy file /etc/tradecheck/policy.yml is invalid:")
    assert message in text, text


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the file"):
        load_policy(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("thresholds:\n  medium: [1,\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"not valid YAML at line \d+"):
        read_policy(bad)
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="expected a mapping"):
        read_policy(bad)


def test_custom_policy_changes_the_outcome(tmp_path: Path) -> None:
    report = report_of(finding("phone.country_mismatch"))
    assert assess(report, POLICY, EN).level is RiskLevel.LOW
    data = bundled_data()
    data["points"]["phone.country_mismatch"] = 50
    data["approval_level"] = "medium"
    data["advice"]["high"]["payment_terms"] = [{"term": {"en": "Cash in advance", "zh": "现金预付"},
                                                "reason": {"en": "house rule", "zh": "公司规定"}}]
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    scored = report_of(finding("phone.country_mismatch"))
    PolicyScorer(path=path).score(scored, EN)
    assert scored.risk.level is RiskLevel.HIGH and scored.risk.score == 50
    assert scored.risk.factors[0].rule == "points[phone.country_mismatch]"
    assert scored.risk.payment_terms == ["Cash in advance — house rule"]
    assert scored.risk.approval_required
    assert load_policy(path).approval_level is RiskLevel.MEDIUM


def test_edited_policy_file_is_read_again(tmp_path: Path) -> None:
    data = bundled_data()
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_policy(path).approval_expiry_days == 180
    data["approval_expiry_days"] = 30
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_policy(path).approval_expiry_days == 30


def test_broken_policy_falls_back_to_the_bundled_one_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("thresholds: {medium: 50, high: 40, critical: 90}\n", encoding="utf-8")
    report = report_of(finding("country.embargoed", X, Severity.CRITICAL))
    PolicyScorer(path=path).score(report, ZH)
    assert report.risk.level is RiskLevel.CRITICAL
    assert report.warnings and report.warnings[0].startswith("风险策略文件无效，已改用内置默认策略")
    assert str(path) in report.warnings[0]


def test_every_policy_advice_text_has_both_languages() -> None:
    for level in RiskLevel:
        advice = POLICY.advice[level]
        for term in advice.payment_terms:
            assert term.term.en and term.term.zh and term.reason.en and term.reason.zh


# --- whole checks through the engine ---------------------------------------------------------------------------
def offline_engine() -> Engine:
    """The offline sources, the analyzers that read their findings, and the policy scorer (no sanctions index)."""
    return Engine([EmailSource(), PhoneSource(), IdentifierSource(), CountryRiskSource()],
                  [ConsistencyAnalyzer(), TradeFraudAnalyzer()], PolicyScorer(path=BUNDLED))


REQUESTS = [
    ("Mueller Maschinenbau GmbH email=k.weber@mueller-maschinenbau.de phone=+49 30 123456 country=DE "
     "vat=DE136695976", RiskLevel.LOW),
    ("ACME Trading LLC email=buyer.acme@gmail.com country=AE phone=+971 50 123 4567", RiskLevel.MEDIUM),
    ("Gulf Star FZE email=info@gulfstar-fze.ae country=AE bank_country=TR "
     "note=\"we changed our bank account, pay to the new one\"", RiskLevel.HIGH),
    ("ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789", RiskLevel.HIGH),
    ("Sunrise Textiles country=IR transit=AE", RiskLevel.CRITICAL),
]


@pytest.mark.parametrize("text,level", REQUESTS, ids=[r[1].value + ":" + r[0][:30] for r in REQUESTS])
def test_requests_land_on_their_level(text: str, level: RiskLevel) -> None:
    report = asyncio.run(offline_engine().run(parse(text)))
    assert report.risk.level is level, [(f.code, f.points) for f in report.risk.factors]
    assert report.risk.score == max(0, min(100, sum(f.points for f in report.risk.factors)))
    problem_codes = {f.code for f in report.problems()}
    for factor in report.risk.factors:  # every factor traces to a finding or a policy rule
        assert factor.code in problem_codes or factor.code.split(".")[0] in ("combo", "cap", "level", "credit", "source")


@pytest.fixture(scope="module")
def registry_engine() -> Engine:
    return build_engine(offline=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_acceptance_acme(registry_engine: Engine, lang: str) -> None:
    request = parse("ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE "
                    f"vat=DE123456789 lang={lang}")
    report = await registry_engine.run(request)
    status = {f.code: f.status for f in report.findings()}
    assert status["email.free_mail"] is Status.FLAG
    assert status["phone.country_mismatch"] is Status.FLAG
    assert status["id.invalid_checksum"] is Status.FAIL
    assert report.risk.level is not RiskLevel.LOW
    assert report.risk.level is RiskLevel.HIGH
    assert {"id.invalid_checksum", "phone.country_mismatch"} <= {f.code for f in report.risk.factors}
    assert report.risk.payment_terms and report.risk.ask_next and report.risk.incomplete_note
    assert {"FATF", "EU AML high-risk", "OFAC embargoes"} <= set(report.lists_as_of)


@pytest.mark.parametrize("country", ["IR", "KP"])
async def test_acceptance_embargoed(registry_engine: Engine, country: str) -> None:
    report = await registry_engine.run(parse(f"Sunrise Textiles country={country}"))
    embargo = [f for f in report.findings() if f.code == "country.embargoed"]
    assert embargo and embargo[0].status is Status.FAIL and embargo[0].severity is Severity.CRITICAL
    assert report.risk.level is RiskLevel.CRITICAL
    assert report.risk.approval_required
    assert report.risk.payment_terms[0].startswith("Do not proceed")


@pytest.mark.parametrize("lang,heading", [("en", "Ask the buyer next"), ("zh", "")])
def test_terminal_card_shows_level_factors_advice_and_questions(lang: str, heading: str) -> None:
    from bot.card import build_card
    from bot.render.terminal import render_text

    request = parse("ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE "
                    f"vat=DE123456789 lang={lang}")
    report = asyncio.run(offline_engine().run(request))
    text = " ".join(render_text(build_card(report), width=400).split())
    details = " ".join(render_text(build_card(report, details=True), width=400).split())
    risk = report.risk
    assert str(risk.score) in text
    for factor in risk.factors:  # the card says why; the policy line it came from is in Details
        assert " ".join(factor.reason.split()) in text and str(abs(factor.points)) in text
        if factor.rule:
            assert factor.rule in details and factor.rule not in text
    for line in risk.payment_terms + risk.ask_next:
        assert " ".join(line.split()) in text
    if heading:
        assert heading in text
    else:
        assert "即期" in text or "预付" in text  # Chinese payment terms


def test_chinese_factors_label_the_policy_reference() -> None:
    """The policy trace stays for auditors, exact in both languages, but labelled in Chinese."""
    report = report_of(finding("phone.country_mismatch"))
    zh = assess(report, POLICY, CheckContext.for_lang("zh"))
    en = assess(report, POLICY, EN)
    assert zh.factors[0].rule == en.factors[0].rule == "points[phone.country_mismatch]"
    assert zh.factors[0].reason == en.factors[0].reason == CODES["phone.country_mismatch"].en  # the finding's title
    # Details label the trace in the reader's language
    assert t("risk.factor.policy", "zh", rule=zh.factors[0].rule) == "评分规则：points[phone.country_mismatch]"


def test_a_score_over_100_says_it_is_capped() -> None:
    risk = assess(report_of(finding("sanctions.hit", X, Severity.CRITICAL), finding("country.high_risk", X, Severity.HIGH)),
                  POLICY, EN)
    assert risk.score == 100 and sum(f.points for f in risk.factors) == 100
    cap = next(f for f in risk.factors if f.code == "cap.score")
    assert cap.points == -45 and cap.reason == "The score is capped at 100 (the points add up to 145)"
