"""The website source through the SSRF guard. No recorded company pages exist in the shared
fixtures; the pages here are small hand-written HTML, marked as such."""

from __future__ import annotations

import httpx
import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.website import WebsiteSource, name_on_page

from .conftest import Recorder, build

PUBLIC = "93.184.215.14"

HOME = """<!doctype html><html><head><title>Golden Star Trading LLC | Building materials, Dubai</title>
<script>var x = "not text";</script></head><body><nav><a href="/">Home</a> <a href="/about-us">About us</a>
<a href="/contact">Contact</a></nav><h1>Golden Star Trading</h1><p>Importers of tiles and sanitary ware since 2009.</p>
</body></html>"""
CONTACT = """<html><head><title>Contact</title></head><body><p>Golden Star Trading LLC, Office 1204, Al Qusais,
Dubai, United Arab Emirates</p><p>Tel: +971 4 123 4567</p><a href="mailto:sales@goldenstar.ae">sales@goldenstar.ae</a>
</body></html>"""


def resolver(mapping):
    async def resolve(host: str) -> list[str]:
        return mapping.get(host, [PUBLIC])

    return resolve


def make(settings, routes, mapping=None):
    recorder = Recorder(routes)
    source = build(WebsiteSource, settings, recorder.transport, resolver=resolver(mapping or {}))
    return source, recorder


def html(text: str) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"Content-Type": "text/html; charset=utf-8"})


async def test_home_and_contact_page_agree_with_the_inquiry(settings, ctx):
    source, recorder = make(settings, {("GET", "/"): html(HOME), ("GET", "/about-us"): html(CONTACT)})
    request = CheckRequest(company="Golden Star Trading LLC", email="sales@goldenstar.ae", site="goldenstar.ae",
                           phone="+971 4 123 4567", country="AE")
    findings = await source.run(request, ctx)
    codes = {f.code: f for f in findings}
    assert {"website.summary", "website.name_found", "website.email_listed", "website.phone_listed"} <= set(codes)
    assert "website.country_missing" not in codes and "website.no_https" not in codes
    summary = codes["website.summary"].data
    assert summary["title"].startswith("Golden Star Trading LLC") and summary["https"] is True
    assert summary["emails"] == ["sales@goldenstar.ae"] and summary["phones"] == ["+97141234567"]
    assert [r.url.host for r in recorder.requests] == [PUBLIC, PUBLIC]
    assert recorder.requests[1].url.path == "/about-us"


async def test_site_that_does_not_name_the_company(settings, ctx):
    source, _ = make(settings, {("GET", "/"): html("<title>Welcome</title><p>Best prices on steel pipes</p>"
                                                   "<a href='mailto:info@other-trade.com'>mail</a>")})
    findings = await source.run(CheckRequest(company="Golden Star Trading LLC", email="li@goldenstar.ae", site="goldenstar.ae",
                                             country="DE"), ctx)
    codes = {f.code for f in findings}
    assert {"website.name_missing", "website.email_not_listed", "website.country_missing"} <= codes


async def test_parked_page_and_plain_http(settings, ctx):
    source, _ = make(settings, {("GET", "/"): html("<title>goldenstar.ae is for sale</title><p>Buy this domain</p>")})
    findings = await source.run(CheckRequest(company="Golden Star", site="http://goldenstar.ae"), ctx)
    codes = {f.code for f in findings}
    assert {"website.parked", "website.no_https"} <= codes


async def test_site_resolving_to_a_private_address_is_refused_not_fetched(settings, ctx):
    source, recorder = make(settings, {}, {"goldenstar.ae": ["169.254.169.254"]})
    findings = await source.run(CheckRequest(company="Golden Star", site="goldenstar.ae"), ctx)
    assert [f.code for f in findings] == ["website.refused"] and recorder.requests == []


async def test_unreachable_site_is_unavailable(settings, ctx):
    source, _ = make(settings, {("GET", "/"): httpx.Response(503)})
    with pytest.raises(SourceUnavailable):
        await source.run(CheckRequest(company="Golden Star", site="goldenstar.ae"), ctx)


async def test_free_mail_without_site_is_skipped(settings, ctx):
    source, _ = make(settings, {})
    with pytest.raises(SourceSkipped):
        await source.run(CheckRequest(company="Golden Star", email="gs@gmail.com"), ctx)


def test_name_matching_ignores_legal_forms_and_generic_words():
    assert name_on_page("Golden Star Trading LLC", "welcome to GOLDEN-STAR")
    assert name_on_page("Siemens AG", "Siemens Healthineers")
    assert not name_on_page("Golden Star Trading LLC", "Silver Moon Trading LLC")
    assert name_on_page("深圳市华强电子有限公司", "Shenzhen Huaqiang Electronics 深圳市华强电子")


async def test_a_recheck_within_the_cache_time_does_not_fetch_again(settings, ctx):
    from checks.config import Settings

    keeping = Settings(TRADECHECK_SOURCE_TIMEOUT=3, TRADECHECK_CACHE_TTL=3600)
    routes = {("GET", "/"): html(HOME), ("GET", "/about-us"): html(CONTACT)}
    request = CheckRequest(company="Golden Star Trading LLC", site="goldenstar.ae", country="AE")
    source, recorder = make(keeping, routes)
    first = await source.run(request, ctx)
    second = await source.run(request, ctx)
    assert [f.code for f in first] == [f.code for f in second] and len(recorder.requests) == 2  # home + about, once
    source, recorder = make(settings, routes)  # TRADECHECK_CACHE_TTL=0: nothing kept
    await source.run(request, ctx)
    await source.run(request, ctx)
    assert len(recorder.requests) == 4


async def test_a_busy_answer_is_tried_once_more_then_unavailable(settings, ctx):
    answers = iter([httpx.Response(503, text="busy"), html(HOME)])
    source, recorder = make(settings, {("GET", "/"): lambda request: next(answers)})
    source.backoff = 0.01
    findings = await source.run(CheckRequest(company="Golden Star Trading LLC", site="goldenstar.ae"), ctx)
    assert any(f.code == "website.name_found" for f in findings)
    assert [r.url.path for r in recorder.requests].count("/") == 2
    source, recorder = make(settings, {("GET", "/"): httpx.Response(503, text="busy")})
    source.backoff = 0.01
    with pytest.raises(SourceUnavailable):
        await source.run(CheckRequest(company="Golden Star Trading LLC", site="goldenstar.ae"), ctx)
    assert len(recorder.requests) == 2  # bounded: one retry
    source, recorder = make(settings, {("GET", "/"): httpx.Response(404, text="no")})
    with pytest.raises(SourceUnavailable):
        await source.run(CheckRequest(company="Golden Star Trading LLC", site="goldenstar.ae"), ctx)
    assert len(recorder.requests) == 1  # a missing page is not retried
