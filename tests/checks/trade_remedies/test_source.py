"""The trade-remedy findings and report fields through the engine, in English and Chinese."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from checks.config import Settings
from checks.engine import Engine
from checks.models import Report, Status
from checks.request import parse
from checks.sources.trade_remedies import TradeRemedyAnalyzer, TradeRemedySource


def run(text: str, tmp_path) -> Report:  # type: ignore[no-untyped-def]
    source = TradeRemedySource(Settings(TRADECHECK_LISTS_DIR=tmp_path), today=date(2026, 12, 6))
    return asyncio.run(Engine([source], [TradeRemedyAnalyzer()]).run(parse(text)))


def codes(report: Report) -> list[str]:
    return [f.code for f in report.sections.risk]


def test_canada_steel_grating_with_case_date_and_advice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Maple Racking Inc country=CA hs=7308.90", tmp_path)
    measure = next(f for f in report.sections.risk if f.code == "trade_remedy.measure")
    assert measure.title == ("Canada: anti-dumping and countervailing duties on steel grating from China, "
                             "in force since 2011 — CBSA case SG")
    assert "DDP" in measure.detail and "product definition" in measure.detail
    assert {(r.case, r.type) for r in report.trade_remedies} == {("SG", "anti_dumping"), ("SG", "countervailing")}
    remedy = report.trade_remedies[0]
    assert remedy.origin == "CN" and remedy.since == "2011-04-19" and remedy.as_of == "2026-08-28"
    assert remedy.match == "hs6" and "7308900010" in remedy.codes
    assert [c.model_dump() for c in report.trade_remedies_coverage] == [
        {"jurisdiction": "CA", "as_of": "2026-08-28", "complete": True}]


def test_germany_gets_the_eu_flag(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Schrauben GmbH country=DE hs=7318.15", tmp_path)
    assert [r.jurisdiction for r in report.trade_remedies] == ["EU"]
    assert report.trade_remedies[0].type == "ad_or_cvd"


def test_us_says_its_data_is_from_2020(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Rod Buyer LLC country=US hs=7318.15", tmp_path)
    coverage = next(f for f in report.sections.risk if f.code == "trade_remedy.coverage")
    assert "data from 2020" in coverage.title
    assert report.trade_remedies and all(r.as_of.startswith("2020") for r in report.trade_remedies)
    # I-TIP has no case numbers: each comes from the one USITC order of the same product and origin
    assert {(r.case, r.since) for r in report.trade_remedies} == {("A-570-932", "2009-04-14"), ("A-570-104", "2020-04-03")}


def test_a_country_without_data_is_not_checked_never_none_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Mumbai Steel Pvt Ltd country=IN hs=7308.90", tmp_path)
    assert codes(report) == ["trade_remedy.coverage"]
    finding = report.sections.risk[0]
    assert "not checked" in finding.title and "none" not in finding.title.lower()
    assert finding.status is Status.INFO
    assert [c.model_dump() for c in report.trade_remedies_coverage] == [
        {"jurisdiction": "IN", "as_of": None, "complete": False}]


def test_eu_code_outside_the_covered_chapters_is_not_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Motoren GmbH country=DE hs=8501.10", tmp_path)
    coverage = next(f for f in report.sections.risk if f.code == "trade_remedy.coverage")
    assert coverage.status is Status.INFO and "8501.10 not checked" in coverage.detail
    assert "323 of its 9707 tariff codes for goods from China" in coverage.detail  # TARIC summary, Sep 2026


def test_complete_list_without_a_measure_says_none_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Maple Toys Inc country=CA hs=9503.00", tmp_path)
    coverage = next(f for f in report.sections.risk if f.code == "trade_remedy.coverage")
    assert coverage.status is Status.PASS and coverage.title.startswith("Canada: no trade-remedy measure found")


def test_goods_text_only_is_possible_and_says_the_code_would_settle_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run('Maple Racking Inc country=CA goods="steel bar grating"', tmp_path)
    possible = [f for f in report.sections.risk if f.code == "trade_remedy.possible"]
    assert possible and "HS code (hs=) would settle it" in possible[0].detail
    assert "trade_remedy.measure" not in codes(report)


def test_transit_through_another_country_is_a_circumvention_question(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Maple Racking Inc country=CA hs=7308.90 transit=US", tmp_path)
    assert "trade_remedy.transhipment" in codes(report)
    plain = run("Maple Racking Inc country=CA hs=9503.00 transit=US", tmp_path)
    assert "trade_remedy.transhipment" not in codes(plain)


def test_origin_changes_the_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Maple Racking Inc country=CA hs=7308.90 origin=Vietnam", tmp_path)
    assert report.trade_remedies == []


@pytest.mark.parametrize("text", ["枫叶货架公司 国家=加拿大 海关编码=7308.90 lang=zh",
                                  "枫叶货架公司 country=CA 海关编码=7308.90 原产地=中国 lang=zh"])
def test_chinese_wording(text: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run(text, tmp_path)
    measure = next(f for f in report.sections.risk if f.code == "trade_remedy.measure")
    assert measure.title.startswith("加拿大：对原产于中国的 steel grating 征收反倾销税和反补贴税，自 2011 年起生效")
    assert "CBSA）案件 SG" in measure.title and "DDP" in measure.detail


def test_many_matches_keep_the_coverage_line_on_the_card_and_everything_in_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run("Maple Steel Inc country=CA hs=73", tmp_path)  # a chapter: every Canadian case under it
    lines = [f for f in report.sections.risk if f.code in ("trade_remedy.measure", "trade_remedy.possible")]
    coverage = next(f for f in report.sections.risk if f.code == "trade_remedy.coverage")
    assert len(lines) == 4 and all(f.code == "trade_remedy.possible" for f in lines)  # a chapter settles nothing
    assert "more lines not shown" in coverage.detail
    cases = {r.case for r in report.trade_remedies}
    assert {"SG", "WT", "FAS"} <= cases and len(report.trade_remedies) > 2 * len(lines)
