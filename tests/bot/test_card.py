"""The neutral card and its terminal rendering, in both languages, with no untranslated key."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

import bot  # noqa: F401  (registers the bot's catalog)
from bot.card import ActionKind, CardSettings, CaseInfo, build_card, resolve_times
from bot.render.terminal import render_text
from checks import i18n
from checks.engine import Engine
from checks.i18n import catalog, forget_untranslated, missing_keys, untranslated
from checks.models import (
    Evidence,
    Finding,
    Report,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    Section,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
    Subject,
)
from checks.request import parse
from tests.runtimes import MakeRuntime


@pytest.fixture
def engine(runtime_factory: MakeRuntime) -> Engine:
    """The product's offline engine (the bundled lists), from a runtime of the test's own."""
    return runtime_factory().engine(offline=True)


def test_catalog_has_every_key_in_both_languages() -> None:
    assert missing_keys() == []


# A dotted lowercase word standing alone: not part of an address (gmail.com, /stdnum.eu.vat) nor a policy
# reference in brackets (points[id.invalid_checksum]).
_KEY_LIKE = re.compile(r"(?<![\w.@/\[-])[a-z_]+(?:\.[a-z_]+)+(?![\w@/(\]-])")
# Taken once, from the full catalog: a key missing from it is still recognised by its namespace.
_NAMESPACES = frozenset(key.split(".")[0] for key in catalog())


def _raw_keys(text: str) -> list[str]:
    """Catalog keys shown as text. t() shows a key precisely when the catalog lacks it, so a word counts
    when it is a key or merely looks like one (`card.badge`, `section.verification`)."""
    keys = set(catalog())
    return [word for word in _KEY_LIKE.findall(text) if word in keys or word.split(".")[0] in _NAMESPACES]


def _report(lang: str) -> Report:
    report = Report(subject=Subject(name="ACME <Trading> LLC", email="buyer@gmail.com", country="AE"), lang=lang)
    report.sections.add(Finding(code="email.free_mail", status=Status.FLAG, severity=Severity.MEDIUM,
                                title="free mail", detail="gmail.com"))
    report.sections.add(Finding(code="phone.ok", status=Status.PASS, title="phone ok"))
    report.sections.add(Finding(code="profile.name", status=Status.INFO, title="ACME", section=Section.PROFILE,
                                evidence=[Evidence(source="gleif", url="https://search.gleif.org/#/record/X")]))
    report.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL, title="hit",
                                section=Section.RISK, data={"source": "us_ofac_sdn", "source_id": "123"}))
    report.sources = [SourceResult(name="email", status=SourceStatus.OK, elapsed_ms=1),
                      SourceResult(name="gleif", status=SourceStatus.UNAVAILABLE, detail="timeout")]
    report.lists_as_of = {"us_ofac_sdn": "2024-05-03"}
    report.risk = RiskAssessment(level=RiskLevel.CRITICAL, score=100, approval_required=True,
                                 factors=[RiskFactor(code="sanctions.hit", points=100, reason="listed")],
                                 payment_terms=["do not proceed"], ask_next=["registry extract"])
    report.verdict = "inconsistent"
    return report


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_whole_card_renders_without_untranslated_keys(lang: str) -> None:
    case = CaseInfo(id=7, status="pending_approval", requested_by="Li Wei",
                    decided_at=datetime(2026, 11, 30, tzinfo=UTC))
    card = build_card(_report(lang), case)
    text = render_text(card)
    assert _raw_keys(text) == []
    assert "ACME <Trading> LLC" in text
    kinds = [a.kind for a in card.actions]
    assert kinds[:2] == [ActionKind.APPROVE, ActionKind.REJECT]
    assert ActionKind.CLEAR_MATCH in kinds and all(a.case_id == 7 for a in card.actions)
    # problems come first within a section
    assert card.sections[0].items[0].code == "email.free_mail"
    if lang == "zh":
        assert "身份核验" in text and "风险" in text and "批准" in text
    else:
        assert "Verification" in text and "Approve" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_card_of_a_real_offline_check_is_fully_translated(lang: str, engine: Engine) -> None:
    request = parse(
        f"ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789 "
        f"person=\"John Smith\" lang={lang}"
    )
    forget_untranslated()
    report = await engine.run(request)
    for status in SourceStatus:
        report.sources.append(SourceResult(name=f"x_{status.value}", status=status))
    for verdict in ("consistent", "inconsistent", "unknown"):
        report.verdict = verdict
        card = build_card(report, CaseInfo(id=1, status="open"), details=True)
        text = render_text(card, width=160)
        assert _raw_keys(text) == [], text
    assert untranslated() == []  # no key was asked of the catalog in vain, shown or not


def test_in_progress_card_has_no_buttons() -> None:
    report = _report("en")
    report.pending = ["gleif", "vies"]
    card = build_card(report, CaseInfo(id=1))
    assert card.in_progress and card.actions == []
    assert "Still running: the LEI register (GLEIF), EU VAT register (VIES)" in render_text(card)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_in_progress_card_says_what_still_runs_and_nothing_it_does_not_know_yet(lang: str) -> None:
    """The live card named sources by their ids (country_risk), judged the identity "unknown" before the
    sources that judge it had answered, and showed every list-age note as a wall of small print."""
    report = _report(lang)
    report.verdict, report.verdict_reasons = "unknown", []
    report.warnings = ["Sanctions lists older than 30 days: OFAC SDN of 2024-05-03"]
    report.pending = ["country_risk", "gleif"]
    card = build_card(report)
    running = {"en": "Still running: country risk, the LEI register (GLEIF)",
               "zh": "仍在运行：国家风险、全球法人识别码登记库（GLEIF）"}[lang]
    assert card.footer == [card.footer[0], running] and card.footer[0].startswith(("Sources:", "来源："))
    assert card.verdict == ""
    text = render_text(card)
    assert "country_risk" not in text and "OFAC SDN of 2024-05-03" not in text
    report.pending = []
    done = build_card(report)
    assert done.verdict and "Sanctions lists older than 30 days: OFAC SDN of 2024-05-03" in done.footer  # the notes come with the finished card


def test_a_score_that_is_one_finding_on_the_card_is_not_said_twice() -> None:
    """"Why this level: +100 hit" repeated the ❌ finding right above it; the badge says 100/100."""
    report = _report("en")  # one factor, sanctions.hit +100, score 100, the finding on the card
    assert build_card(report).risk_factors == []
    assert build_card(report, details=True).risk_factors == ["+100 listed"]
    report.risk.score = 90  # the factor is not the whole score: it explains something
    assert build_card(report).risk_factors == ["+100 listed"]
    report.risk.score = 100
    report.risk.factors.append(RiskFactor(code="cap.verification", points=-10, reason="capped"))
    assert build_card(report).risk_factors == ["+100 listed", "-10 capped"]


def test_long_sections_say_how_many_are_hidden() -> None:
    report = _report("en")
    for i in range(10):
        report.sections.add(Finding(code=f"x.{i}", status=Status.INFO, title=f"fact {i}"))
    card = build_card(report, max_items=3)
    assert card.sections[0].hidden == 12 - 3
    assert "and 9 more" in render_text(card)
    assert build_card(report, details=True).sections[0].hidden == 0


def test_risk_factors_carry_their_own_sign() -> None:
    report = _report("en")
    report.risk.factors = [RiskFactor(code="sanctions.hit", points=100, reason="listed"),
                           RiskFactor(code="registry.verified", points=-29, reason="registry record matches")]
    card = build_card(report)
    assert card.risk_factors == ["+100 listed", "-29 registry record matches"]


def test_a_finding_said_more_precisely_elsewhere_is_left_for_details() -> None:
    report = _report("en")
    report.sections.add(Finding(code="email.free_mail_for_company", status=Status.FLAG, severity=Severity.MEDIUM,
                                title="Writes as ACME from free mail", detail="gmail.com"))

    def codes(card) -> list[str]:  # type: ignore[no-untyped-def]
        return [item.code for section in card.sections for item in section.items]

    assert "email.free_mail_for_company" in codes(build_card(report))
    assert "email.free_mail" not in codes(build_card(report))
    assert "email.free_mail" in codes(build_card(report, details=True))
    assert "email.free_mail" in codes(build_card(_report("en")))  # alone, the plain finding stays on the card


def test_stop_watching_is_offered_only_while_the_case_is_watched() -> None:
    watched = build_card(_report("en"), CaseInfo(id=3, status="open", watching=True))
    assert ActionKind.STOP_WATCHING in [a.kind for a in watched.actions]
    idle = build_card(_report("en"), CaseInfo(id=3, status="open", watching=False))
    assert ActionKind.STOP_WATCHING not in [a.kind for a in idle.actions]


def _offline_request(lang: str) -> str:
    return (f"ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789 "
            f"lang={lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_key_missing_from_the_catalog_is_caught(lang: str, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """The detector itself can fail: with the card's keys gone, the card shows them and both checks say so."""
    report = await engine.run(parse(_offline_request(lang)))
    pruned = {key: texts for key, texts in catalog().items() if not key.startswith(("card.", "section."))}
    monkeypatch.setattr(i18n, "_catalog", lambda: pruned)
    forget_untranslated()
    text = render_text(build_card(report, CaseInfo(id=1, status="open")), width=160)
    assert "card.badge" in text
    assert {"card.badge", "section.verification", "card.trust.checked"} <= set(_raw_keys(text))
    assert {"card.badge", "card.verdict", "section.verification", "section.risk"} <= set(untranslated())


def test_the_detector_leaves_addresses_and_policy_references_alone() -> None:
    text = ("buyer.acme@gmail.com ↳ https://arthurdejong.org/python-stdnum/doc/2.2/stdnum.eu.vat fatf-gafi.org "
            "+30 bad VAT · policy points[id.invalid_checksum] · policy points[email.free_mail].medium")
    assert _raw_keys(text) == []
    assert _raw_keys("Risk: card.badge. Then section.verification") == ["card.badge", "section.verification"]


async def test_chinese_card_of_a_real_check_names_kinds_and_lists_in_chinese(engine: Engine) -> None:
    report = await engine.run(parse(_offline_request("zh")))
    text = render_text(build_card(report, CaseInfo(id=1, status="open"), details=True), width=200)
    assert "校验位错误（欧盟增值税号）" in text
    assert "European Union VAT number" not in text
    assert "评分规则：points[id.invalid_checksum]" in text and "规则 points" not in text
    sanctions_lines = [line for line in text.splitlines() if "制裁" in line]
    assert sanctions_lines and not any("UN Security Council" in line for line in sanctions_lines)


def test_details_say_why_each_source_did_not_answer() -> None:
    report = _report("en")
    report.sources.append(SourceResult(name="companies_house", status=SourceStatus.SKIPPED,
                                       detail="set COMPANIES_HOUSE_API_KEY to look up UK companies"))
    short = build_card(report)
    assert not any("COMPANIES_HOUSE_API_KEY" in line for line in short.footer)
    full = build_card(report, details=True)
    assert "UK company register (Companies House): skipped — set COMPANIES_HOUSE_API_KEY to look up UK companies" in full.footer
    assert "the LEI register (GLEIF): unavailable — timeout" in full.footer
    assert not any(line.startswith(("email:", "Email:")) for line in full.footer)


def test_details_footer_says_each_line_once() -> None:
    """The administrator's note (run `tradecheck lists update`) was listed twice in Details."""
    report = _report("en")
    report.warnings = ["Sanctions lists older than 30 days: OFAC SDN of 2024-05-03"]
    report.admin_notes = ["Administrator: run `tradecheck lists update`"]
    footer = build_card(report, details=True).footer
    assert footer.count("Administrator: run `tradecheck lists update`") == 1
    assert footer.index(report.warnings[0]) < footer.index(report.admin_notes[0])  # the note answers the warning
    assert len(footer) == len(set(footer))


def test_not_this_buyer_names_the_listed_party_not_its_list_id() -> None:
    report = _report("zh")
    report.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL, title="hit",
                                section=Section.RISK, data={"source": "us_csl", "source_id": "3760ef16efb7a96d956eb5",
                                                            "listed_name": "MAHAN AIR GENERAL TRADING LLC"}))
    card = build_card(report, CaseInfo(id=2, status="open"))
    labels = {a.arg: a.label for a in card.actions if a.kind is ActionKind.CLEAR_MATCH}
    assert labels["us_csl:3760ef16efb7a96d956eb5"] == "非此买家：MAHAN AIR GENERAL TRADING LLC"
    assert "3760ef16" not in render_text(card)


_HOSTILE = "\x1b[2J\x1b]0;owned\x07\x07\x00\u202e\x9b31m"


def test_escapes_and_controls_reach_no_platform() -> None:
    """A name, a finding and a decision reason from anywhere (a registry, a note) carry terminal escapes,
    controls and a bidi override: every renderer shows the words without them."""
    from bot.render import slack as slack_render
    from bot.render import telegram as telegram_render

    report = Report(subject=Subject(name=f"ACME Trading {_HOSTILE}LLC", country="AE"), lang="en")
    report.sections.add(Finding(code="profile.name", status=Status.INFO, section=Section.PROFILE,
                                title=f"Registered as {_HOSTILE}ACME", detail=f"line one\n{_HOSTILE}line two"))
    report.risk = RiskAssessment(level=RiskLevel.LOW, score=0)
    case = CaseInfo(id=7, status="rejected", decided_by="mgr", decision="reject",
                    decision_reason=f"fake {_HOSTILE}docs", decided_at=datetime(2026, 1, 1, tzinfo=UTC))
    card = build_card(report, case)
    assert card.title == "ACME Trading LLC"
    outputs = {
        "terminal": render_text(card),
        "slack": json.dumps(slack_render.render_blocks(card), ensure_ascii=False),
        "telegram": telegram_render.render(card).text,
    }
    for platform, text in outputs.items():
        for bad in ("\x1b", "[2J", "owned", "\x07", "\x00", "\u202e", "\x9b", "31m"):
            assert bad not in text, (platform, bad)
        assert "ACME Trading LLC" in text and "Registered as ACME" in text, platform
    assert "line one\nline two" in card.sections[0].items[0].detail  # newlines stay where text has lines


def test_an_unrecognised_country_is_said_on_the_card(engine: Engine) -> None:
    import asyncio

    report = asyncio.run(engine.run(parse("ACME Trading LLC country=Narnia")))
    card = build_card(report)
    assert any("Narnia" in notice for notice in card.notices)
    assert "Narnia" in render_text(card)
    zh = build_card(asyncio.run(engine.run(parse("ACME Trading LLC country=Narnia lang=zh"))))
    assert any("Narnia" in notice and "国家" in notice for notice in zh.notices)


def test_the_cards_time_zone_and_list_age_come_from_the_settings_it_is_built_with() -> None:
    """Nothing is read from the environment while a card is built: the runtime passes its settings."""
    case = CaseInfo(id=7, status="approved", decision="approve", decided_by="Boss",
                    decided_at=datetime(2026, 12, 6, 10, 15, tzinfo=UTC))
    report = _report("en")  # its lists are of 2024-05-03
    plain = build_card(report, case)
    team = build_card(report, case, settings=CardSettings(timezone="Asia/Shanghai", list_max_age_days=100_000))
    assert "2026-12-06 10:15 UTC" in resolve_times(plain.status_line, plain)
    assert "2026-12-06 18:15 UTC+8" in resolve_times(team.status_line, team)
    assert "2026-12-06 18:15 UTC+8" in render_text(team)  # the terminal shows the team's zone
    assert "days old" in plain.trust_line and "days old" not in team.trust_line
    assert team.zone == ZoneInfo("Asia/Shanghai") and build_card(
        report, case, settings=CardSettings(timezone="Nowhere/Unknown")).zone == UTC


def test_the_re_check_button_follows_the_policy_the_card_is_built_with() -> None:
    from checks.policy import bundled_policy

    policy = bundled_policy()
    days = {**policy.recheck_days, RiskLevel.CRITICAL: 3}
    mine = policy.model_copy(update={"recheck_days": days})
    case = CaseInfo(id=7, status="open")

    def schedule(settings: CardSettings) -> str:
        card = build_card(_report("en"), case, settings=settings)  # a critical report
        return next(a.arg for a in card.actions if a.kind is ActionKind.SCHEDULE_RECHECK)

    assert schedule(CardSettings(policy=mine)) == "3"
    assert schedule(CardSettings(policy=policy)) == str(policy.recheck_days[RiskLevel.CRITICAL]) != "3"
