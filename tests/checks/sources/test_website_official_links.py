"""The buyer's own site as evidence of which domain the real company uses (canonical, og:url,
redirects, links spelled as the name). Hand-written HTML, marked as such; the pages go through the
SSRF guard with httpx.MockTransport, then the consistency analyzer reads what the source found.

The rule under test: a link FROM the buyer's domain TO another domain only says which domain the
real company uses (so a look-alike of it is a claimed look-alike); it never makes a domain the buyer
gave official."""

from __future__ import annotations

import httpx

from checks.analyzers.consistency import ConsistencyAnalyzer
from checks.engine import subject_of
from checks.models import Evidence, Finding, Report, Status
from checks.request import CheckRequest
from checks.sources.website import WebsiteSource

from .conftest import Recorder, build
from .test_website import html, resolver

# a copy of the real company's home page on a look-alike domain: the copier kept the canonical,
# og:url and absolute links of the original (hand-written)
CLONE = """<!doctype html><html><head><title>Golden Star Trading LLC | Building materials, Dubai</title>
<link rel="canonical" href="https://www.goldenstar.ae/">
<meta property="og:url" content="https://www.goldenstar.ae/">
</head><body><h1>Golden Star Trading</h1><p>Importers of tiles and sanitary ware since 2009. Dubai, UAE.</p>
<a href="https://www.goldenstar.ae/products">Products</a> <a href="https://www.facebook.com/goldenstar">Facebook</a>
<a href="https://goldenstar-group.com/">Our group</a> <a href="https://goldenstar.wixsite.com/x">Old site</a>
</body></html>"""


async def _check(settings, ctx, request: CheckRequest, handler) -> tuple[list[Finding], Report]:  # type: ignore[no-untyped-def]
    recorder = Recorder({("GET", "/"): handler})
    source = build(WebsiteSource, settings, recorder.transport, resolver=resolver({}))
    findings = await source.run(request, ctx)
    report = Report(subject=subject_of(request))
    for finding in findings:
        report.sections.add(finding)
    ConsistencyAnalyzer().analyze(request, report, ctx)
    return findings, report


def _linked(findings: list[Finding]) -> list[str]:
    found = [f for f in findings if f.code == "website.official_links"]
    return found[0].data["official_domains"] if found else []


async def test_a_copied_site_names_the_real_domain_so_the_buyers_is_a_claimed_lookalike(settings, ctx):
    request = CheckRequest(company="Golden Star Trading LLC", email="sales@go1denstar.ae", site="go1denstar.ae",
                           country="AE")
    findings, report = await _check(settings, ctx, request, html(CLONE))
    # canonical/og:url/link to the real domain; facebook, a builder subdomain and `-group` are not the name
    assert _linked(findings) == ["goldenstar.ae"]
    look = next(f for f in report.findings() if f.code == "domain.lookalike")
    assert look.data["target"] == "goldenstar.ae" and look.data["claimed"] is True
    assert "domain.matches_claim" not in report.codes()


async def test_a_redirect_to_the_real_domain_is_evidence_of_it_not_of_the_buyer(settings, ctx):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["host"] == "goldenstarr.ae":
            return httpx.Response(301, headers={"Location": "https://goldenstar.ae/"})
        return html("<title>Golden Star Trading LLC</title><p>Golden Star Trading, Dubai</p>")

    request = CheckRequest(company="Golden Star Trading LLC", email="sales@goldenstarr.ae", site="goldenstarr.ae")
    findings, report = await _check(settings, ctx, request, handler)
    assert _linked(findings) == ["goldenstar.ae"]
    assert "website.redirected" in {f.code for f in findings}
    look = next(f for f in report.findings() if f.code == "domain.lookalike")
    assert look.data["domain"] == "goldenstarr.ae" and look.data["target"] == "goldenstar.ae" and look.data["claimed"]


async def test_a_site_linking_to_the_buyers_email_domain_does_not_vouch_for_it(settings, ctx):
    # the site the buyer gave links to the domain the buyer writes from: both are the buyer's word
    page = ("<title>Golden Star Trading LLC</title><link rel='canonical' href='https://goldenstar.net/'>"
            "<a href='https://goldenstar.net/contact'>Contact</a>")
    request = CheckRequest(company="Golden Star Trading LLC", email="sales@goldenstar.net", site="goldenstar.ae")
    findings, report = await _check(settings, ctx, request, html(page))
    assert _linked(findings) == []
    assert "domain.matches_claim" not in report.codes()


def test_the_analyzer_never_takes_a_website_link_as_the_buyers_own_official_domain(ctx):
    # even if a website finding lists the buyer's own domains, they are not official
    request = CheckRequest(company="Golden Star Trading LLC", email="sales@goldenstar-trade.com", site="goldenstar-trade.com")
    report = Report(subject=subject_of(request))
    report.sections.add(Finding(code="website.official_links", status=Status.INFO, title="links",
                                evidence=[Evidence(source="website")],
                                data={"official_domains": ["goldenstar-trade.com", "goldenstar.ae"]}))
    ConsistencyAnalyzer().analyze(request, report, ctx)
    assert "domain.matches_claim" not in report.codes()
    # the same domain from a registry source is official
    report = Report(subject=subject_of(request))
    report.sections.add(Finding(code="wikidata.company", status=Status.INFO, title="Wikidata",
                                evidence=[Evidence(source="Wikidata")],
                                data={"official_domains": ["goldenstar-trade.com"]}))
    ConsistencyAnalyzer().analyze(request, report, ctx)
    assert "domain.matches_claim" in report.codes()


async def test_without_a_claimed_name_nothing_is_taken_from_links(settings, ctx):
    findings, _ = await _check(settings, ctx, CheckRequest(site="go1denstar.ae"), html(CLONE))
    assert _linked(findings) == []
