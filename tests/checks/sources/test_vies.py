"""VIES on recorded responses: valid, invalid, name hidden, trader mismatch, member state down."""

from __future__ import annotations

import json

import httpx
import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.vies import ViesSource, split_vat

from .conftest import Recorder, build, fixture_bytes, fixture_json

PATH = "/taxation_customs/vies/rest-api/check-vat-number"


def answer(name: str, status: int = 200) -> Recorder:
    return Recorder({("POST", PATH): httpx.Response(status, content=fixture_bytes("vies", name),
                                                     headers={"Content-Type": "application/json"})})


async def run(recorder: Recorder, settings, ctx, **fields):
    return await build(ViesSource, settings, recorder.transport).run(CheckRequest(**fields), ctx)


async def test_valid_with_name_and_address(settings, ctx):
    recorder = answer("rest_post_check-vat-number_valid_CZ45274649_CEZ.json")
    findings = await run(recorder, settings, ctx, company="CEZ a.s.", vat="CZ 45274649")
    assert [f.code for f in findings] == ["vat.valid"]
    assert findings[0].data["facts"]["legal_name"] == "ČEZ, a. s."
    assert "PRAHA 4" in findings[0].detail
    assert json.loads(recorder.requests[0].content) == {"countryCode": "CZ", "vatNumber": "45274649", "traderName": "CEZ a.s."}


async def test_valid_but_someone_elses_name(settings, ctx):
    findings = await run(answer("rest_post_check-vat-number_valid_CZ45274649_CEZ.json"), settings, ctx,
                         company="Prague Steel Trading s.r.o.", vat="CZ45274649")
    assert {f.code for f in findings} == {"vat.valid", "registry.name_mismatch"}


async def test_invalid_is_a_verdict(settings, ctx):
    findings = await run(answer("rest_post_check-vat-number_invalid_CZ11111111.json"), settings, ctx, vat="CZ11111111")
    assert findings[0].code == "vat.invalid" and findings[0].status.value == "fail"
    assert findings[0].data["checksum_ok"] is False


async def test_name_hidden_by_the_member_state(settings, ctx):
    findings = await run(answer("rest_post_check-vat-number_valid_DE811115368_name_hidden.json"), settings, ctx,
                         company="Some GmbH", vat="DE811115368")
    assert [f.code for f in findings] == ["vat.valid"]
    assert "does not disclose" in findings[0].detail
    assert "legal_name" not in findings[0].data["facts"]


async def test_trader_name_mismatch_from_vies_itself(settings, ctx):
    findings = await run(answer("rest_post_check-vat-number_ES_trader_mismatch.json"), settings, ctx,
                         company="Example Trading SL", vat="ESA15075062")
    assert "registry.name_mismatch" in {f.code for f in findings}
    match = await run(answer("rest_post_check-vat-number_ES_trader_match_INDITEX.json"), settings, ctx,
                      company="Industria de Diseño Textil SA", vat="ESA15075062")
    assert [f.code for f in match] == ["vat.valid"] and "confirms" in match[0].detail


@pytest.mark.parametrize("code", ["MS_UNAVAILABLE", "TIMEOUT", "MS_MAX_CONCURRENT_REQ"])
async def test_member_state_down_is_unknown_never_invalid(settings, ctx, code):
    # the recorded errorWrappers shape (VIES answers it with HTTP 200 or 400), with the real error codes
    body = fixture_json("vies", "rest_post_http400_errorWrappers_SHAPE.json")
    body["errorWrappers"][0]["error"] = code
    for status in (200, 400):
        recorder = Recorder({("POST", PATH): httpx.Response(status, json=body)})
        findings = await run(recorder, settings, ctx, vat="DE811115368")
        assert [f.code for f in findings] == ["vat.unknown"]
        assert findings[0].status.value == "unavailable" and code in findings[0].title


async def test_not_an_eu_number_is_skipped(settings, ctx):
    with pytest.raises(SourceSkipped):
        await run(Recorder({}), settings, ctx, vat="AE100234567800003")
    assert split_vat("GR 094014201") == ("EL", "094014201")


async def test_outage_and_garbage_are_unavailable(settings, ctx):
    with pytest.raises(SourceUnavailable):
        await run(Recorder({("POST", PATH): httpx.Response(503)}), settings, ctx, vat="DE811115368")
    with pytest.raises(SourceUnavailable):
        await run(Recorder({("POST", PATH): httpx.Response(200, text="<html>")}), settings, ctx, vat="DE811115368")
