from __future__ import annotations

import pytest

from checks.config import Settings
from checks.engine import CheckContext, Engine
from checks.models import Section, Severity, Status
from checks.request import CheckRequest
from checks.screening.service import ScreeningService
from checks.sources.sanctions import SanctionsSource
from tests.checks.conftest import TEST_LISTS_DIR


@pytest.fixture(scope="module")
def source(screening: ScreeningService) -> SanctionsSource:
    """Over the tests' screening service (tests/checks/conftest.py): one index for every test, built once."""
    return SanctionsSource(Settings(TRADECHECK_LISTS_DIR=TEST_LISTS_DIR, TRADECHECK_LIST_MAX_AGE_DAYS=30),
                           screening=screening)


async def test_hit_on_the_company(source):
    request = CheckRequest(company="Rosneft Trading S.A.", country="CH")
    findings = await source.run(request, CheckContext.for_lang("en"))
    hits = [f for f in findings if f.code == "sanctions.hit"]
    assert hits and all(f.status is Status.FAIL and f.severity is Severity.CRITICAL and f.section is Section.RISK for f in hits)
    sdn = next(f for f in hits if f.data["source"] == "us_ofac_sdn")
    assert sdn.data["source_id"] == "18299" and sdn.data["score"] >= 0.97
    assert sdn.evidence[0].url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=18299"
    assert "compliance" in sdn.detail and "“Rosneft” = listed “ROSNEFT”" in sdn.detail
    assert sdn.data["reasons"] and sdn.data["list"].startswith("OFAC SDN")
    assert sdn.data["name"] == "ROSNEFT TRADING S.A." and sdn.data["entry_version"].startswith("sha256:")


async def test_hit_on_a_person_in_chinese(source):
    request = CheckRequest(company="Harbour Textiles Ltd", persons=["Ismail HANIYA"], lang="zh")
    findings = await source.run(request, CheckContext.for_lang("zh"))
    hit = next(f for f in findings if f.code == "sanctions.hit")
    # one person on two OFAC lists (SDN 23627 as HANIYEH, non-SDN 9639 as HANIYA): one finding, keyed by SDN
    assert hit.data["query_kind"] == "person" and hit.data["source_id"] == "23627"
    assert {(e["source"], e["source_id"]) for e in hit.data["entries"]} == {("us_ofac_sdn", "23627"),
                                                                           ("us_ofac_cons", "9639")}
    assert len([f for f in findings if f.code == "sanctions.hit"]) == 1
    assert "联系人" in hit.title and "合规" in hit.detail
    assert "HANIYEH, Ismail（别名“HANIYA, Ismail”）" in hit.title  # the listed primary name and the alias that matched


async def test_clear(source):
    findings = await source.run(CheckRequest(company="Harbour Textiles Ltd", persons=["Maria Schmidt"]), CheckContext.for_lang("en"))
    assert [f.code for f in findings] == ["sanctions.clear"]
    clear = findings[0]
    assert clear.status is Status.PASS and "Maria Schmidt" in clear.detail and "2024-05-03" in clear.detail


def test_dates_and_stale_warnings(source):
    dates = source.lists_as_of()
    assert dates["us_ofac_sdn"] == "2024-05-03" and dates["un_sc"] == "2026-02-27"
    warnings = source.warnings(CheckContext.for_lang("en"))
    assert any("OFAC SDN" in w and "update the lists" in w for w in warnings)  # the snapshot is older than 30 days
    assert any("EU Financial Sanctions" in w and "UK Sanctions List" in w for w in warnings)
    assert not any("`" in w or "tradecheck" in w for w in warnings)  # no commands for salespeople
    assert source.admin_notes(CheckContext.for_lang("en")) == [
        "Administrator: run `tradecheck lists update` on a machine with network access to download the official lists."]


async def test_in_the_engine(source):
    report = await Engine([source]).run(CheckRequest(company="Banco Nacional de Cuba"))
    assert "sanctions.hit" in report.codes()
    assert report.lists_as_of["us_csl"] == "2022-04-21" and report.warnings
