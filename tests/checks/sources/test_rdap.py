"""RDAP on recorded registry responses: an old domain, a young one (clock fixed), no RDAP, 404."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.rdap import RdapSource, bootstrap, rdap_base

from .conftest import FIXTURES, Recorder, build, fixture_bytes


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("rdap", name), headers={"Content-Type": "application/rdap+json"})


WHOIS_CN = (FIXTURES / "rdap" / "whois_cnnic_xuegod.cn.txt").read_text(encoding="utf-8")


async def offline_whois(domain: str, timeout: float) -> str:
    raise OSError(101, "Network is unreachable")


def source(settings, recorder: Recorder, now: datetime, whois=offline_whois) -> RdapSource:
    return build(RdapSource, settings, recorder.transport, now=lambda: now, whois=whois)


def test_bundled_bootstrap_knows_com_and_not_cn():
    assert rdap_base("acme.com") == "https://rdap.verisign.com/com/v1/"
    assert rdap_base("acme.co.uk") == "https://rdap.nominet.uk/uk/"
    assert rdap_base("acme.cn") is None and rdap_base("acme.de") is None
    assert len(bootstrap()) > 500


async def test_young_domain_is_flagged(settings, ctx):
    # THEMARQUETRY.COM was registered 2021-03-16; seen from 2021-06-01 it is 76 days old (< 180)
    recorder = Recorder({("GET", "/com/v1/domain/themarquetry.com"): ok("rdap_verisign_domain_THEMARQUETRY.COM_registered_2021-03-16.json")})
    findings = await source(settings, recorder, datetime(2021, 6, 1, tzinfo=UTC)).run(
        CheckRequest(company="Marquetry Ltd", email="sales@themarquetry.com"), ctx)
    codes = {f.code: f for f in findings}
    young = codes["domain.young"]
    assert young.data["age_days"] == 76 and young.severity.value == "high"
    assert "Registrar.eu" in young.detail
    assert "domain.parked" in codes  # NS1.DNS-PARKING.COM


async def test_same_domain_a_year_later_is_not_young(settings, ctx):
    recorder = Recorder({("GET", "/com/v1/domain/themarquetry.com"): ok("rdap_verisign_domain_THEMARQUETRY.COM_registered_2021-03-16.json")})
    findings = await source(settings, recorder, datetime(2022, 3, 1, tzinfo=UTC)).run(
        CheckRequest(company="Marquetry Ltd", site="https://www.themarquetry.com/"), ctx)
    assert "domain.young" not in {f.code for f in findings}
    assert "domain.age" in {f.code for f in findings}


async def test_old_domain(settings, ctx):
    recorder = Recorder({("GET", "/com/v1/domain/google.com"): ok("rdap_verisign_domain_google.com.json")})
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=UTC)).run(
        CheckRequest(company="Google", email="a@google.com", site="google.com"), ctx)
    assert [f.code for f in findings] == ["domain.age"]
    assert findings[0].data["registered"] == "1997-09-15" and "29 years" in findings[0].title
    assert len(recorder.requests) == 1  # the same domain is asked once


async def test_country_registry_record(settings, ctx):
    recorder = Recorder({("GET", "/domain/norway.no"): ok("rdap_norid_domain_norway.no.json")})
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=UTC)).run(
        CheckRequest(company="X", site="norway.no"), ctx)
    assert findings[0].code in ("domain.age", "domain.young") and findings[0].data["registered"]


async def test_no_rdap_falls_back_to_the_registry_whois(settings, ctx):
    asked = []

    async def cnnic(domain: str, timeout: float) -> str:
        asked.append(domain)
        return WHOIS_CN  # the recorded answer of whois.cnnic.cn for xuegod.cn (registered 2014-09-08)

    recorder = Recorder({})
    young = await source(settings, recorder, datetime(2014, 12, 1, tzinfo=UTC), cnnic).run(
        CheckRequest(company="Beijing Tiaodong", email="li@xuegod.cn"), ctx)
    assert [f.code for f in young] == ["domain.young"] and young[0].data["age_days"] == 83
    assert young[0].evidence[0].source == "WHOIS" and "阿里云" in young[0].detail
    old = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=UTC), cnnic).run(
        CheckRequest(company="Beijing Tiaodong", site="www.xuegod.cn"), ctx)
    assert [f.code for f in old] == ["domain.age"] and old[0].data["registered"] == "2014-09-08"
    assert asked == ["xuegod.cn", "xuegod.cn"] and recorder.requests == []


async def test_whois_without_a_date_is_age_unknown_not_a_guess(settings, ctx):
    async def denic(domain: str, timeout: float) -> str:
        return "Domain: zjqm-valve.de\nStatus: connect\n"  # DENIC publishes no registration date

    findings = await source(settings, Recorder({}), datetime(2026, 11, 30, tzinfo=UTC), denic).run(
        CheckRequest(company="X", email="li@zjqm-valve.de"), ctx)
    assert [f.code for f in findings] == ["domain.age_unknown"]


async def test_whois_unreachable_is_unavailable(settings, ctx):
    with pytest.raises(SourceUnavailable, match="WHOIS"):
        await source(settings, Recorder({}), datetime(2026, 11, 30, tzinfo=UTC)).run(
            CheckRequest(company="X", email="li@zjqm-valve.cn"), ctx)


async def test_unregistered_domain(settings, ctx):
    recorder = Recorder({})  # the recorder answers 404
    findings = await source(settings, recorder, datetime(2026, 11, 30, tzinfo=UTC)).run(
        CheckRequest(company="X", email="a@siemens-procurement-dept.com"), ctx)
    assert [f.code for f in findings] == ["domain.unregistered"]


async def test_free_mail_only_is_skipped(settings, ctx):
    with pytest.raises(SourceSkipped):
        await source(settings, Recorder({}), datetime(2026, 11, 30, tzinfo=UTC)).run(
            CheckRequest(company="X", email="x@gmail.com"), ctx)


async def test_timeout_and_bad_json(settings, ctx):
    import asyncio

    async def slow(request):
        await asyncio.sleep(5)

    settings.source_timeout = 0.8
    with pytest.raises(SourceUnavailable):
        await source(settings, Recorder({("GET", "/com/v1/domain/acme.com"): slow}), datetime.now(UTC)).run(
            CheckRequest(company="X", site="acme.com"), ctx)
    with pytest.raises(SourceUnavailable):
        await source(settings, Recorder({("GET", "/com/v1/domain/acme.com"): httpx.Response(200, text="{")}),
                     datetime.now(UTC)).run(CheckRequest(company="X", site="acme.com"), ctx)
