"""RDAP on recorded registry responses: an old domain, a young one (clock fixed), no RDAP, 404."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.rdap import RdapSource, bootstrap, rdap_base

from .conftest import Recorder, build, fixture_bytes


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("rdap", name), headers={"Content-Type": "application/rdap+json"})


def source(settings, recorder: Recorder, now: datetime) -> RdapSource:
    return build(RdapSource, settings, recorder.transport, now=lambda: now)


def test_bundled_bootstrap_knows_com_and_not_cn():
    assert rdap_base("acme.com") == "https://rdap.verisign.com/com/v1/"
    assert rdap_base("acme.co.uk") == "https://rdap.nominet.uk/uk/"
    assert rdap_base("acme.cn") is None and rdap_base("acme.de") is None
    assert len(bootstrap()) > 500


async def test_young_domain_is_flagged(settings, ctx):
    # THEMARQUETRY.COM was registered 2021-03-16; seen from 2021-06-01 it is 76 days old (< 180)
    recorder = Recorder({("GET", "/com/v1/domain/themarquetry.com"): ok("rdap_verisign_domain_THEMARQUETRY.COM_registered_2021-03-16.json")})
    findings = await source(settings, recorder, datetime(2021, 6, 1, tzinfo=timezone.utc)).run(
        CheckRequest(company="Marquetry Ltd", email="sales@themarquetry.com"), ctx)
    codes = {f.code: f for f in findings}
    young = codes["domain.young"]
    assert young.data["age_days"] == 76 and young.severity.value == "high"
    assert "Registrar.eu" in young.detail
    assert "domain.parked" in codes  # NS1.DNS-PARKING.COM


async def test_same_domain_a_year_later_is_not_young(settings, ctx):
    recorder = Recorder({("GET", "/com/v1/domain/themarquetry.com"): ok("rdap_verisign_domain_THEMARQUETRY.COM_registered_2021-03-16.json")})
    findings = await source(settings, recorder, datetime(2022, 3, 1, tzinfo=timezone.utc)).run(
        CheckRequest(company="Marquetry Ltd", site="https://www.themarquetry.com/"), ctx)
    assert "domain.young" not in {f.code for f in findings}
    assert "domain.age" in {f.code for f in findings}


async def test_old_domain(settings, ctx):
    recorder = Recorder({("GET", "/com/v1/domain/google.com"): ok("rdap_verisign_domain_google.com.json")})
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=timezone.utc)).run(
        CheckRequest(company="Google", email="a@google.com", site="google.com"), ctx)
    assert [f.code for f in findings] == ["domain.age"]
    assert findings[0].data["registered"] == "1997-09-15" and "29 years" in findings[0].title
    assert len(recorder.requests) == 1  # the same domain is asked once


async def test_country_registry_record(settings, ctx):
    recorder = Recorder({("GET", "/domain/norway.no"): ok("rdap_norid_domain_norway.no.json")})
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=timezone.utc)).run(
        CheckRequest(company="X", site="norway.no"), ctx)
    assert findings[0].code in ("domain.age", "domain.young") and findings[0].data["registered"]


async def test_no_rdap_for_the_tld_is_age_unknown_not_a_guess(settings, ctx):
    recorder = Recorder({})
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=timezone.utc)).run(
        CheckRequest(company="X", email="li@zjqm-valve.cn"), ctx)
    assert [f.code for f in findings] == ["domain.age_unknown"] and recorder.requests == []


async def test_unregistered_domain(settings, ctx):
    recorder = Recorder({})  # the recorder answers 404
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=timezone.utc)).run(
        CheckRequest(company="X", email="a@siemens-procurement-dept.com"), ctx)
    assert [f.code for f in findings] == ["domain.unregistered"]


async def test_free_mail_only_is_skipped(settings, ctx):
    with pytest.raises(SourceSkipped):
        await source(settings, Recorder({}), datetime(2026, 11, 30, tzinfo=timezone.utc)).run(
            CheckRequest(company="X", email="x@gmail.com"), ctx)


async def test_timeout_and_bad_json(settings, ctx):
    import asyncio

    async def slow(request):
        await asyncio.sleep(5)

    settings.source_timeout = 0.8
    with pytest.raises(SourceUnavailable):
        await source(settings, Recorder({("GET", "/com/v1/domain/acme.com"): slow}), datetime.now(timezone.utc)).run(
            CheckRequest(company="X", site="acme.com"), ctx)
    with pytest.raises(SourceUnavailable):
        await source(settings, Recorder({("GET", "/com/v1/domain/acme.com"): httpx.Response(200, text="{")}),
                     datetime.now(timezone.utc)).run(CheckRequest(company="X", site="acme.com"), ctx)
