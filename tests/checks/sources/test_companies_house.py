"""Companies House on recorded responses: profile, officers, 404, search, no key."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from checks.config import Settings
from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.companies_house import CompaniesHouseSource, company_number

from .conftest import Recorder, build, fixture_bytes, fixture_json

LLOYDS = "00002065"


@pytest.fixture
def keyed() -> Settings:
    return Settings(TRADECHECK_SOURCE_TIMEOUT=3, TRADECHECK_CACHE_TTL=0, COMPANIES_HOUSE_API_KEY="test-key")


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("companies_house", name), headers={"Content-Type": "application/json"})


def source(settings: Settings, recorder: Recorder) -> CompaniesHouseSource:
    return build(CompaniesHouseSource, settings, recorder.transport, now=lambda: datetime(2026, 11, 30, tzinfo=UTC))


async def test_without_a_key_it_is_skipped_and_says_how_to_enable(settings, ctx):
    with pytest.raises(SourceSkipped, match="COMPANIES_HOUSE_API_KEY"):
        await source(settings, Recorder({})).run(CheckRequest(company="Lloyds Bank", country="GB"), ctx)


def test_applies_to_uk_buyers_only(keyed):
    ch = CompaniesHouseSource(keyed)
    assert ch.applicable(CheckRequest(company="Lloyds Bank", country="GB"))
    assert not ch.applicable(CheckRequest(company="ACME Trading LLC", country="AE"))
    assert company_number("2065") == LLOYDS and company_number("SC 123456") == "SC123456"


async def test_profile_by_number(keyed, ctx):
    recorder = Recorder({
        ("GET", f"/company/{LLOYDS}"): ok("company_profile_00002065_LLOYDS_BANK_PLC.json"),
        ("GET", f"/company/{LLOYDS}/officers"): httpx.Response(503),
    })
    findings = await source(keyed, recorder).run(CheckRequest(company="Lloyds Bank plc", reg="00002065", country="GB"), ctx)
    assert [f.code for f in findings] == ["company.registered"]
    found = findings[0]
    assert found.status.value == "pass" and "LLOYDS BANK PLC" in found.title
    facts = found.data["facts"]
    assert facts["founded"] == "1865-04-20" and facts["sic_codes"][0] == "64191"
    assert "EC2V 7HN" in facts["address"]
    assert recorder.requests[0].headers["authorization"].startswith("Basic ")
    assert "test-key" not in str(recorder.requests[0].url)


async def test_old_name_is_not_a_mismatch_but_another_is(keyed, ctx):
    routes = {("GET", f"/company/{LLOYDS}"): ok("company_profile_00002065_LLOYDS_BANK_PLC.json"),
              ("GET", f"/company/{LLOYDS}/officers"): httpx.Response(503)}
    old = await source(keyed, Recorder(routes)).run(CheckRequest(company="Lloyds TSB Bank", reg=LLOYDS, country="GB"), ctx)
    assert "registry.name_mismatch" not in {f.code for f in old}
    other = await source(keyed, Recorder(routes)).run(CheckRequest(company="Thames Metals Ltd", reg=LLOYDS, country="GB"), ctx)
    assert "registry.name_mismatch" in {f.code for f in other}


async def test_unknown_number_is_a_fail(keyed, ctx):
    recorder = Recorder({
        ("GET", "/company/12345678"): httpx.Response(404, content=fixture_bytes("companies_house", "error_404_company_profile_not_found.json")),
        ("GET", "/company/12345678/officers"): httpx.Response(404, json={"errors": [{"error": "not-found"}]}),
    })
    findings = await source(keyed, recorder).run(CheckRequest(company="X Ltd", reg="12345678", country="GB"), ctx)
    assert [f.code for f in findings] == ["company.not_found"]


def test_officers_dissolved_and_overdue(keyed, ctx):
    # the recorded Lloyds profile with its status and accounts changed, and the recorded officer list of 13090621
    profile = fixture_json("companies_house", "company_profile_00002065_LLOYDS_BANK_PLC.json")
    profile["company_status"] = "dissolved"
    profile["accounts"]["overdue"] = True
    officers = fixture_json("companies_house", "officers_13090621.json")["items"]
    ch = CompaniesHouseSource(keyed, now=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    findings = ch._describe(profile, officers, CheckRequest(company="Lloyds Bank", country="GB",
                                                            persons=["Shelley Fray", "John Smith"]), ctx)
    codes = [f.code for f in findings]
    assert "company.dissolved" in codes and "company.accounts_overdue" in codes
    assert "FRAY, Shelley Ann (director)" in findings[0].data["facts"]["officers"]
    not_officers = [f for f in findings if f.code == "company.person_not_officer"]
    assert [f.title.split(" is not")[0] for f in not_officers] == ["John Smith"]


async def test_search_picks_the_closest_name(keyed, ctx):
    recorder = Recorder({
        ("GET", "/search/companies"): ok("search_companies_q_shell_items_per_page_2.json"),
        ("GET", "/company/04366849"): httpx.Response(503),
    })
    with pytest.raises(SourceUnavailable):
        await source(keyed, recorder).run(CheckRequest(company="Shell plc", country="GB"), ctx)
    assert recorder.requests[0].url.params["q"] == "Shell plc"
    assert "/company/04366849" in {r.url.path for r in recorder.requests}


async def test_search_without_a_close_name(keyed, ctx):
    recorder = Recorder({("GET", "/search/companies"): ok("search_companies_q_shell_items_per_page_2.json")})
    findings = await source(keyed, recorder).run(CheckRequest(company="Brightwater Seafood Imports Ltd", country="GB"), ctx)
    assert [f.code for f in findings] == ["company.not_in_register"]
