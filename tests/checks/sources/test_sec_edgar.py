"""SEC EDGAR on recorded responses: ticker search, submissions of a foreign filer, User-Agent."""

from __future__ import annotations

import httpx
import pytest

from checks.config import Settings
from checks.engine import SourceUnavailable
from checks.request import CheckRequest
from checks.sources.sec_edgar import SecEdgarSource, describe

from .conftest import Recorder, build, fixture_bytes, fixture_json


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("sec_edgar", name), headers={"Content-Type": "application/json"})


async def test_search_then_submissions_with_the_configured_user_agent(ctx):
    settings = Settings(TRADECHECK_SOURCE_TIMEOUT=3, TRADECHECK_CACHE_TTL=0, SEC_USER_AGENT="ACME Exports ops@acme.example")
    recorder = Recorder({
        ("GET", "/files/company_tickers.json"): ok("company_tickers_first100.json"),
        ("GET", "/submissions/CIK0000789019.json"): httpx.Response(503),  # Microsoft's submissions were not recorded
    })
    with pytest.raises(SourceUnavailable):
        await build(SecEdgarSource, settings, recorder.transport).run(CheckRequest(company="Microsoft Corporation"), ctx)
    assert [r.url.path for r in recorder.requests][:2] == ["/files/company_tickers.json", "/submissions/CIK0000789019.json"]
    assert all(r.headers["user-agent"] == "ACME Exports ops@acme.example" for r in recorder.requests)


async def test_submissions_of_a_foreign_filer(settings, ctx):
    recorder = Recorder({("GET", "/submissions/CIK0000940418.json"): ok("submissions_CIK0000940418_SIEMENS_AG.json")})
    source = build(SecEdgarSource, settings, recorder.transport)
    findings = await source.lookup(source.http(ctx), 940418, ctx)
    finding = findings[0]
    assert finding.code == "sec.registrant" and finding.title == "SEC EDGAR: SIEMENS AG"
    assert finding.data["sec"]["incorporated_in"] == "Germany" and "MUNICH" in finding.data["facts"]["address"]
    assert finding.data["sec"]["last_filing"] == "2025-11-14"
    assert finding.evidence[0].url.endswith("CIK=0000940418")


def test_small_llc_filer():
    facts = describe(fixture_json("sec_edgar", "submissions_CIK0001940261_NVC_Holdings.json"))
    assert facts["legal_name"] == "NVC Holdings, LLC" and facts["last_filing"] >= "2024-01-03"


async def test_name_not_in_the_ticker_list(settings, ctx):
    recorder = Recorder({("GET", "/files/company_tickers.json"): ok("company_tickers_first100.json")})
    findings = await build(SecEdgarSource, settings, recorder.transport).run(CheckRequest(company="Golden Star Trading LLC"), ctx)
    assert [f.code for f in findings] == ["sec.not_listed"] and len(recorder.requests) == 1
