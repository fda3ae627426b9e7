"""The material-change rules: each in both directions, and "nothing changed, nothing said".

Reports are built the way the sources build them (codes, data keys and source names of
checks/sources/*.py), so a change in what a source emits shows up here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.diff import Change, diff_reports
from checks.models import (
    Evidence,
    Finding,
    Report,
    RiskAssessment,
    RiskLevel,
    Section,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
    Subject,
)

T0 = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def hit(source: str = "us_ofac_sdn", source_id: str = "36216", name: str = "ZEPHYR QUANTUM LOGISTICS FZE",
        **data: Any) -> Finding:
    return Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL, section=Section.RISK,
                   title=f"Possible match: {name}",
                   data={"source": source, "source_id": source_id, "listed_name": name, "list": "OFAC SDN (SDGT)",
                         "score": 0.97, "query": "Zephyr Quantum Logistics", **data})


def clear() -> Finding:
    return Finding(code="sanctions.clear", status=Status.PASS, section=Section.RISK, title="No sanctions match")


def gleif(status: str = "ACTIVE / LEI ISSUED") -> Finding:
    return Finding(code="lei.found", status=Status.PASS, title="GLEIF record", evidence=[Evidence(source="GLEIF")],
                   data={"facts": {"legal_name": "ACME TRADING LLC", "status": status}})


def lapsed() -> Finding:
    return Finding(code="lei.lapsed", status=Status.FLAG, severity=Severity.LOW, title="LEI 5493001KJTIIGC8Y1R12 lapsed",
                   evidence=[Evidence(source="GLEIF")])


def ch(status: str = "active") -> Finding:
    return Finding(code="company.registered", status=Status.PASS, title="Companies House record",
                   evidence=[Evidence(source="UK Companies House")], data={"facts": {"status": status}})


def dissolved() -> Finding:
    return Finding(code="company.dissolved", status=Status.FAIL, severity=Severity.CRITICAL,
                   title="ACME TRADING LTD is dissolved", evidence=[Evidence(source="UK Companies House")])


def domain(registered: str = "2012-03-04", expires: str | None = "2027-03-04", registrar: str = "GoDaddy.com, LLC",
           name: str = "acme.ae") -> Finding:
    return Finding(code="domain.age", status=Status.PASS, section=Section.HISTORY, title=f"{name} registered {registered}",
                   data={"domain": name, "registered": registered, "expires": expires, "registrar": registrar,
                         "age_days": 5000})


def unregistered(name: str = "acme.ae") -> Finding:
    return Finding(code="domain.unregistered", status=Status.FLAG, severity=Severity.HIGH,
                   title=f"{name} is not registered", data={"domain": name})


def country(code: str, title: str) -> Finding:
    return Finding(code=code, status=Status.FLAG if code != "country.clear" else Status.PASS,
                   severity=Severity.MEDIUM, section=Section.RISK, title=title)


def site_summary() -> Finding:
    return Finding(code="website.summary", status=Status.INFO, title="acme.ae",
                   data={"url": "https://acme.ae/", "https": True})


def parked() -> Finding:
    return Finding(code="website.parked", status=Status.FLAG, severity=Severity.HIGH, title="acme.ae is a parked page")


SOURCES = ("sanctions", "gleif", "companies_house", "rdap", "website")


def report(*findings: Finding, level: RiskLevel = RiskLevel.LOW, score: int = 5, at: datetime = T1,
           down: tuple[str, ...] = (), lang: str = "en", country_code: str | None = "AE") -> Report:
    built = Report(subject=Subject(name="ACME Trading LLC", country=country_code, site="acme.ae"), lang=lang,
                   created_at=at, risk=RiskAssessment(level=level, score=score))
    for finding in findings:
        built.sections.add(finding)
    built.sources = [SourceResult(name=name, status=SourceStatus.UNAVAILABLE if name in down else SourceStatus.OK)
                     for name in SOURCES]
    return built


BASE = (clear(), gleif(), ch(), domain(), country("country.clear", "not listed"), site_summary())


def old(*extra: Finding, **kwargs: Any) -> Report:
    return report(*BASE, *extra, at=T0, **kwargs)


def kinds(changes: list[Change]) -> list[str]:
    return [c.kind for c in changes]


def test_nothing_changed_nothing_said() -> None:
    assert diff_reports(old(), report(*BASE)) == []


def test_immaterial_changes_say_nothing() -> None:
    media = Finding(code="media.adverse", status=Status.FLAG, severity=Severity.MEDIUM, section=Section.RISK,
                    title="3 articles mention fraud")
    retitled = [f.model_copy(update={"title": f.title + " (reworded)", "detail": "new detail"}) for f in BASE]
    assert diff_reports(old(), report(*retitled, media, score=12)) == []


def test_a_source_that_could_not_answer_is_not_a_change() -> None:
    # sanctions, registers and RDAP unavailable now: their hits/statuses missing mean nothing
    before = old(hit(), lapsed())
    after = report(site_summary(), country("country.clear", "not listed"), down=("sanctions", "gleif", "companies_house", "rdap"))
    assert diff_reports(before, after) == []


# --- sanctions ---------------------------------------------------------------------------------------
def test_new_sanctions_hit() -> None:
    changes = diff_reports(old(), report(*BASE[1:], hit()))
    assert kinds(changes) == ["sanctions.new"]
    assert changes[0].alert and changes[0].key == "sanctions:us_ofac_sdn:36216"
    assert "ZEPHYR QUANTUM LOGISTICS FZE" in changes[0].text and "OFAC SDN" in changes[0].text


def test_removed_sanctions_hit() -> None:
    changes = diff_reports(old(hit()), report(*BASE))
    assert kinds(changes) == ["sanctions.removed"] and not changes[0].alert


def test_same_hit_is_not_news_and_another_entry_is() -> None:
    assert diff_reports(old(hit()), report(*BASE, hit(score=0.91))) == []
    changes = diff_reports(old(hit()), report(*BASE, hit(), hit("un_sc", "QDe.001", "AL-ZEPHYR")))
    assert kinds(changes) == ["sanctions.new"] and changes[0].key == "sanctions:un_sc:QDe.001"


def test_a_cleared_new_hit_is_not_an_alert() -> None:
    assert diff_reports(old(), report(*BASE, hit(cleared=True))) == []


def test_new_hit_is_said_in_chinese() -> None:
    changes = diff_reports(old(lang="zh"), report(*BASE, hit(), lang="zh"))
    assert "新的制裁名单匹配" in changes[0].text


# --- risk ----------------------------------------------------------------------------------------------
def test_risk_up_and_down() -> None:
    up = diff_reports(old(level=RiskLevel.LOW), report(*BASE, level=RiskLevel.HIGH, score=62))
    assert kinds(up) == ["risk.up"] and up[0].alert and "low → high (62/100)" in up[0].text
    down = diff_reports(old(level=RiskLevel.HIGH, score=62), report(*BASE, level=RiskLevel.MEDIUM, score=30))
    assert kinds(down) == ["risk.down"] and not down[0].alert
    assert diff_reports(old(level=RiskLevel.MEDIUM, score=30), report(*BASE, level=RiskLevel.MEDIUM, score=44)) == []


def test_risk_of_an_unfinished_check_is_not_compared() -> None:
    unfinished = report(*BASE, level=RiskLevel.CRITICAL)
    unfinished.pending = ["gleif"]
    assert diff_reports(old(), unfinished) == []


# --- registry status ---------------------------------------------------------------------------------------
def test_gleif_status_lapsed_and_renewed() -> None:
    base = [f for f in BASE if f.code != "lei.found"]
    worse = diff_reports(old(), report(*base, gleif("ACTIVE / LEI LAPSED"), lapsed()))
    assert kinds(worse) == ["registry.status"] and worse[0].alert
    assert "GLEIF" in worse[0].text and "ACTIVE / LEI ISSUED → ACTIVE / LEI LAPSED" in worse[0].text
    better = diff_reports(report(*base, gleif("ACTIVE / LEI LAPSED"), lapsed(), at=T0), report(*BASE))
    assert kinds(better) == ["registry.status"] and not better[0].alert


def test_companies_house_dissolved_and_back() -> None:
    base = [f for f in BASE if f.code != "company.registered"]
    worse = diff_reports(old(), report(*base, ch("dissolved"), dissolved()))
    assert kinds(worse) == ["registry.status"] and worse[0].alert and "active → dissolved" in worse[0].text
    better = diff_reports(report(*base, ch("dissolved"), dissolved(), at=T0), report(*BASE))
    assert kinds(better) == ["registry.status"] and not better[0].alert


def test_status_finding_without_a_status_fact() -> None:
    base = [f for f in BASE if f.code != "lei.found"]
    appeared = diff_reports(report(*base, at=T0), report(*base, lapsed()))
    assert kinds(appeared) == ["registry.flag_new"] and "lapsed" in appeared[0].text
    gone = diff_reports(report(*base, lapsed(), at=T0), report(*base))
    assert kinds(gone) == ["registry.flag_gone"]


# --- domain --------------------------------------------------------------------------------------------
def test_domain_no_longer_registered_and_registered_again() -> None:
    base = [f for f in BASE if f.code != "domain.age"]
    gone = diff_reports(old(), report(*base, unregistered()))
    assert kinds(gone) == ["domain.unregistered"] and gone[0].alert and "acme.ae" in gone[0].text
    back = diff_reports(report(*base, unregistered(), at=T0), report(*base, domain(registered="2026-10-20")))
    assert kinds(back) == ["domain.new_registration"] and "2026-10-20" in back[0].text


def test_domain_expired() -> None:
    base = [f for f in BASE if f.code != "domain.age"]
    before = report(*base, domain(expires="2026-10-30"), at=T0)
    changes = diff_reports(before, report(*base, domain(expires="2026-10-30")))
    assert kinds(changes) == ["domain.expired"] and "2026-10-30" in changes[0].text
    renewed = diff_reports(before, report(*base, domain(expires="2027-10-30")))
    assert renewed == []


def test_domain_new_registrant_signs() -> None:
    base = [f for f in BASE if f.code != "domain.age"]
    reregistered = diff_reports(old(), report(*base, domain(registered="2026-10-25")))
    assert kinds(reregistered) == ["domain.new_registration"] and "2012-03-04" in reregistered[0].text
    registrar = diff_reports(old(), report(*base, domain(registrar="NameSilo, LLC")))
    assert kinds(registrar) == ["domain.registrar"] and "NameSilo" in registrar[0].text
    assert diff_reports(old(), report(*base, domain(registrar="godaddy.com, llc"))) == []


# --- country lists -------------------------------------------------------------------------------------------
def test_country_joins_and_leaves_a_list() -> None:
    base = [f for f in BASE if f.code != "country.clear"]
    grey = country("country.monitored", "United Arab Emirates is on the FATF grey list")
    joined = diff_reports(old(), report(*base, grey))
    assert kinds(joined) == ["country.added"] and joined[0].alert and "FATF grey list" in joined[0].text
    left = diff_reports(report(*base, grey, at=T0), report(*BASE))
    assert kinds(left) == ["country.removed"] and not left[0].alert


def listed(code: str, *lists: str, role: str = "buyer", country: str = "AE") -> Finding:
    """As checks/sources/country.py writes it: one finding per role, its lists in data."""
    return Finding(code=code, status=Status.FLAG, severity=Severity.LOW, section=Section.RISK,
                   title=f"{country} is on a monitored list", data={"country": country, "role": role, "lists": list(lists)})


def test_a_country_joining_one_more_list_of_the_same_rank_is_a_change() -> None:
    base = [f for f in BASE if f.code != "country.clear"]
    grey = listed("country.monitored", "fatf_grey")
    both = listed("country.monitored", "fatf_grey", "eu_high_risk")
    joined = diff_reports(report(*base, grey, at=T0), report(*base, both))
    assert kinds(joined) == ["country.added"] and joined[0].key == "country:buyer:AE:+eu_high_risk"
    assert "EU" in joined[0].text or "欧盟" in joined[0].text
    left = diff_reports(report(*base, both, at=T0), report(*base, grey))
    assert kinds(left) == ["country.removed"] and not left[0].alert
    assert diff_reports(report(*base, both, at=T0), report(*base, both)) == []
    bank = diff_reports(report(*base, grey, at=T0), report(*base, grey, listed("country.embargoed", "ofac_embargo",
                                                                                 role="bank", country="IR")))
    assert kinds(bank) == ["country.added"] and bank[0].key == "country:bank:IR:+ofac_embargo"


def test_another_claimed_country_is_not_a_list_change() -> None:
    base = [f for f in BASE if f.code != "country.clear"]
    grey = country("country.monitored", "grey list")
    assert diff_reports(old(country_code="DE"), report(*base, grey, country_code="AE")) == []


# --- website -------------------------------------------------------------------------------------------------
def test_website_down_and_back() -> None:
    base = [f for f in BASE if f.code != "website.summary"]
    down = diff_reports(old(), report(*base, down=("website",)))
    assert kinds(down) == ["website.down"] and down[0].alert and "https://acme.ae/" in down[0].text
    back = diff_reports(report(*base, down=("website",), at=T0), report(*BASE))
    assert kinds(back) == ["website.up"] and not back[0].alert


def test_website_turns_into_a_parked_page_and_back() -> None:
    parked_now = diff_reports(old(), report(*BASE, parked()))
    assert kinds(parked_now) == ["website.flag_new"] and "parked" in parked_now[0].text
    assert kinds(diff_reports(old(parked()), report(*BASE))) == ["website.flag_gone"]


def test_worst_news_first() -> None:
    base = [f for f in BASE if f.code not in ("sanctions.clear", "website.summary")]
    changes = diff_reports(old(level=RiskLevel.HIGH), report(*base, hit(), level=RiskLevel.LOW, down=("website",)))
    assert kinds(changes) == ["sanctions.new", "website.down", "risk.down"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_line_is_translated(lang: str) -> None:
    from checks.i18n import catalog

    keys = [key for key in catalog() if key.startswith("diff.")]
    assert len(keys) >= 20
    assert all(catalog()[key].get(lang) for key in keys)
