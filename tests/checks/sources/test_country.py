"""Country risk from the compiled official lists (fixtures/country_risk), for buyer, bank and transit."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from checks.engine import CheckContext
from checks.models import Section, Severity, Status
from checks.request import CheckRequest, parse
from checks.sources.country import DATA_FILE, CountryRiskSource, country_findings, load_lists

from .conftest import fixture_json

LISTS = fixture_json("country_risk", "country_risk_lists.json")
EMBARGOED = LISTS["ofac_comprehensive"]["countries"]
BLACK = LISTS["fatf_call_for_action"]["countermeasures"] + LISTS["fatf_call_for_action"]["enhanced_due_diligence"]
GREY = LISTS["fatf_increased_monitoring"]["codes"]
EU = LISTS["eu_high_risk_third_countries"]["codes"]
BROAD = [c for c in LISTS["ofac_comprehensive"]["broad_but_not_comprehensive"] if len(c) == 2]


def run(request: CheckRequest, lang: str = "en"):
    return country_findings(request, load_lists(), CheckContext.for_lang(lang))


def test_bundled_data_is_the_recorded_compilation_with_its_dates() -> None:
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == LISTS
    lists = load_lists()
    assert lists.fatf_call_for_action.as_of == date.fromisoformat(LISTS["fatf_call_for_action"]["as_of"])
    assert len(lists.fatf_increased_monitoring.codes) == LISTS["fatf_increased_monitoring"]["count"]
    assert len(lists.eu_high_risk_third_countries.codes) == LISTS["eu_high_risk_third_countries"]["count"]


@pytest.mark.parametrize("code", EMBARGOED)
def test_embargoed_countries_are_critical(code: str) -> None:
    findings = run(CheckRequest(company="Sunrise Textiles", country=code))
    assert [f.code for f in findings] == ["country.embargoed"]
    assert findings[0].status is Status.FAIL and findings[0].severity is Severity.CRITICAL
    assert findings[0].section is Section.RISK
    assert "ofac_embargo" in findings[0].data["lists"]


@pytest.mark.parametrize("code", sorted(set(BLACK) - set(EMBARGOED)))
def test_fatf_call_for_action_is_high_risk(code: str) -> None:
    finding = run(CheckRequest(company="x", country=code))[0]
    assert finding.code == "country.high_risk"
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH


@pytest.mark.parametrize("code", sorted(set(BROAD) - set(EMBARGOED) - set(BLACK)))
def test_broad_programmes(code: str) -> None:
    assert run(CheckRequest(company="x", country=code))[0].code == "country.sectoral_sanctions"


@pytest.mark.parametrize("code", sorted((set(GREY) | set(EU)) - set(EMBARGOED) - set(BLACK) - set(BROAD)))
def test_grey_and_eu_lists_are_monitored(code: str) -> None:
    finding = run(CheckRequest(company="x", country=code))[0]
    assert finding.code == "country.monitored"
    assert finding.status is Status.FLAG and finding.severity is Severity.LOW
    expected = {k for k, on in (("fatf_grey", code in GREY), ("eu_high_risk", code in EU)) if on}
    assert set(finding.data["lists"]) == expected


def test_iran_lists_every_list_it_is_on() -> None:
    finding = run(CheckRequest(company="x", country="IR"))[0]
    assert finding.data["lists"] == ["ofac_embargo", "fatf_countermeasures", "eu_high_risk"]
    assert "FATF" in finding.detail and "OFAC" in finding.detail


@pytest.mark.parametrize("code", ["DE", "AE", "CN", "US", "SY"])
def test_clear_countries(code: str) -> None:
    # Syria's country-wide US sanctions were revoked on 1 July 2025 (the data records it); it stays grey-listed
    findings = run(CheckRequest(company="x", country=code))
    if code in GREY or code in EU:
        assert findings[0].code == "country.monitored"
    else:
        assert [(f.code, f.status) for f in findings] == [("country.clear", Status.PASS)]


def test_bank_and_transit_countries() -> None:
    findings = run(parse("ACME country=AE bank_country=IR transit=KP"))
    assert [(f.code, f.data["role"], f.data["country"]) for f in findings] == [
        ("country.clear", "buyer", "AE"), ("country.embargoed", "bank", "IR"), ("country.embargoed", "transit", "KP")]
    assert "bank" in findings[1].title and "transit" in findings[2].title


def test_bank_country_from_an_iban() -> None:
    # an Iranian IBAN in bank= puts the account in Iran whatever bank_country says
    findings = run(parse('ACME country=AE bank="Bank Melli IR27 0170 0000 0010 0324 2000 01" bank_country=AE'))
    assert [(f.code, f.data["role"], f.data["country"]) for f in findings] == [
        ("country.clear", "buyer", "AE"), ("country.embargoed", "bank", "IR")]


def test_embargoed_region_named_in_the_text() -> None:
    findings = run(parse("Krym Agro LLC country=UA note=\"delivery to Sevastopol\""), "zh")
    assert [f.code for f in findings] == ["country.clear", "country.embargoed"]  # Ukraine itself is on no list
    region = findings[-1]
    assert region.data["region"] == "crimea" and region.severity is Severity.CRITICAL
    assert "克里米亚" in region.title


def test_chinese_titles() -> None:
    assert run(CheckRequest(company="x", country="KP"), "zh")[0].title == "买家所在国朝鲜处于全面禁运之下"


def test_lists_as_of_and_staleness() -> None:
    fresh = CountryRiskSource(today=date(2025, 12, 1))
    assert fresh.lists_as_of() == {"FATF": "2026-06-19", "EU AML high-risk": "2026-01-29", "OFAC embargoes": "2025-07-01"}
    assert fresh.warnings(CheckContext.for_lang("en")) == []
    later = CountryRiskSource(today=date(2026, 6, 20))
    warning = later.warnings(CheckContext.for_lang("en"))
    assert len(warning) == 1 and "OFAC embargoes 2025-07-01" in warning[0] and "EU AML" not in warning[0]
    much_later = CountryRiskSource(today=date(2027, 1, 1)).warnings(CheckContext.for_lang("zh"))
    assert "FATF 名单 2026-06-19" in much_later[0] and "个月" in much_later[0]


def test_source_applicability() -> None:
    source = CountryRiskSource()
    assert not source.applicable(CheckRequest(company="ACME"))
    assert source.applicable(CheckRequest(company="ACME", bank_country="HK"))
    assert source.applicable(parse("ACME note=\"office in Simferopol\""))


def test_broken_data_file_is_rejected(tmp_path: Path) -> None:
    broken = dict(LISTS)
    broken["fatf_call_for_action"] = {"as_of": "not a date", "source_url": "x", "countermeasures": []}
    path = tmp_path / "country_risk.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_lists(path)
