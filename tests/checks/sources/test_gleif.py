"""GLEIF on recorded responses: a live record with parents, a LAPSED record, search, 404, failures."""

from __future__ import annotations

import httpx

from checks.request import CheckRequest
from checks.sources.gleif import GleifSource

from .conftest import Recorder, build, fixture_bytes

BLOOMBERG = "5493001KJTIIGC8Y1R12"
LAPSED = "549300LBI3LRIZ2V8V66"
API = "/api/v1/lei-records"


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("gleif", name), headers={"Content-Type": "application/vnd.api+json"})


def bloomberg_routes() -> dict:
    return {
        ("GET", f"{API}/{BLOOMBERG}"): ok("lei_record_Bloomberg_Finance_LP_5493001KJTIIGC8Y1R12.json"),
        ("GET", f"{API}/{BLOOMBERG}/direct-parent-relationship"): ok("direct_parent_relationship_5493001KJTIIGC8Y1R12.json"),
        ("GET", f"{API}/{BLOOMBERG}/ultimate-parent-relationship"): ok("ultimate_parent_relationship_5493001KJTIIGC8Y1R12.json"),
        ("GET", f"{API}/549300B56MD0ZC402L06"): ok("direct_parent_record_5493001KJTIIGC8Y1R12.json"),
        # the ultimate parent's own record was not recorded: the recorder answers GLEIF's 404 shape
    }


async def test_record_by_lei_with_direct_and_ultimate_parents(settings, ctx):
    recorder = Recorder(bloomberg_routes())
    source = build(GleifSource, settings, recorder.transport)
    findings = await source.run(CheckRequest(company="Bloomberg Finance L.P.", lei=BLOOMBERG, country="US"), ctx)
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"lei.found"}
    found = by_code["lei.found"]
    assert "Bloomberg Finance L.P." in found.title and "ISSUED" in found.title
    facts = found.data["facts"]
    assert facts["parent"] == "Bloomberg L.P."
    assert found.data["parents"]["ultimate"] == {"lei": "549300RMUDWPHCUQNE66", "name": ""}
    assert "549300RMUDWPHCUQNE66" in found.detail and "Bloomberg L.P. (549300B56MD0ZC402L06)" in found.detail
    assert facts["registry_id"].startswith("RA000")
    assert found.evidence[0].url.endswith(BLOOMBERG)


async def test_lapsed_record_is_flagged_not_hidden(settings, ctx):
    recorder = Recorder({("GET", f"{API}/{LAPSED}"): ok("lei_record_LAPSED_549300LBI3LRIZ2V8V66.json")})
    findings = await build(GleifSource, settings, recorder.transport).run(
        CheckRequest(company="UK Equity Fund (Offshore)", lei=LAPSED), ctx)
    codes = {f.code: f for f in findings}
    assert "lei.lapsed" in codes and codes["lei.lapsed"].status.value == "flag"
    assert "2014-11-01" in codes["lei.lapsed"].detail
    assert "LAPSED" in codes["lei.found"].title
    # parents are reporting exceptions: no parent request was made
    assert [r.url.path for r in recorder.requests] == [f"{API}/{LAPSED}"]


async def test_someone_elses_lei_is_a_name_mismatch(settings, ctx):
    recorder = Recorder(bloomberg_routes())
    findings = await build(GleifSource, settings, recorder.transport).run(
        CheckRequest(company="Golden Star Trading LLC", lei=BLOOMBERG, country="AE"), ctx)
    codes = {f.code: f for f in findings}
    assert codes["registry.name_mismatch"].data["registry_name"] == "Bloomberg Finance L.P."
    assert "lei.country_mismatch" in codes


async def test_unknown_lei_fails(settings, ctx):
    recorder = Recorder({})
    findings = await build(GleifSource, settings, recorder.transport).run(
        CheckRequest(company="X", lei="529900ZZZZZZZZZZZZ12"), ctx)
    assert [f.code for f in findings] == ["lei.not_found"]


async def test_malformed_lei(settings, ctx):
    findings = await build(GleifSource, settings, Recorder({}).transport).run(CheckRequest(company="X", lei="12345"), ctx)
    assert findings[0].code == "lei.malformed"


async def test_search_by_name_and_country_picks_the_closest_record(settings, ctx):
    recorder = Recorder({("GET", API): ok("lei_records_filter_lei_multi.json")})
    findings = await build(GleifSource, settings, recorder.transport).run(
        CheckRequest(company="Amazon Digital UK Ltd", country="GB"), ctx)
    assert findings[0].code == "lei.match"
    assert findings[0].data["facts"]["lei"] == "254900LNRYNOQ9YPU758"
    params = recorder.requests[0].url.params
    assert params["filter[fulltext]"] == "Amazon Digital UK Ltd"
    assert params["filter[entity.legalAddress.country]"] == "GB"


async def test_search_without_a_close_name_says_none(settings, ctx):
    recorder = Recorder({("GET", API): ok("lei_records_filter_lei_multi.json")})
    findings = await build(GleifSource, settings, recorder.transport).run(CheckRequest(company="Zhejiang Qiming Valve Co"), ctx)
    assert [f.code for f in findings] == ["lei.none_for_name"]


async def test_malformed_json_and_500_are_unavailable(settings, ctx):
    import pytest

    from checks.engine import SourceUnavailable

    bad = Recorder({("GET", API): httpx.Response(200, text="<html>maintenance</html>")})
    with pytest.raises(SourceUnavailable):
        await build(GleifSource, settings, bad.transport).run(CheckRequest(company="ACME"), ctx)
    down = Recorder({("GET", API): httpx.Response(500)})
    source = build(GleifSource, settings, down.transport)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        await source.run(CheckRequest(company="ACME"), ctx)
    assert len(down.requests) == 3  # bounded: 1 + 2 retries


async def test_a_record_answer_that_is_not_an_object_leaves_gleif_unavailable(settings, ctx):
    import pytest

    from checks.engine import SourceUnavailable

    recorder = Recorder({("GET", f"{API}/{BLOOMBERG}"): httpx.Response(200, json=[],
                                                                      headers={"Content-Type": "application/vnd.api+json"})})
    source = build(GleifSource, settings, recorder.transport)
    with pytest.raises(SourceUnavailable):
        await source.run(CheckRequest(company="Bloomberg Finance L.P.", lei=BLOOMBERG), ctx)


async def test_parent_links_off_gleif_are_not_followed(settings, ctx):
    record = fixture_bytes("gleif", f"lei_record_Bloomberg_Finance_LP_{BLOOMBERG}.json").replace(
        rb"https:\/\/api.gleif.org\/api\/v1\/lei-records\/5493001KJTIIGC8Y1R12\/direct-parent-relationship",
        rb"http:\/\/169.254.169.254\/latest\/meta-data")
    assert b"169.254.169.254" in record
    routes = {**bloomberg_routes(), ("GET", f"{API}/{BLOOMBERG}"): httpx.Response(
        200, content=record, headers={"Content-Type": "application/vnd.api+json"})}
    recorder = Recorder(routes)
    source = build(GleifSource, settings, recorder.transport)
    [found] = await source.run(CheckRequest(company="Bloomberg Finance L.P.", lei=BLOOMBERG), ctx)
    assert found.data["parents"].get("direct") is None
    assert all("169.254" not in str(request.url) for request in recorder.requests)
