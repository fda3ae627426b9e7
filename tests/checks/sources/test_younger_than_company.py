"""`domain.younger_than_company` from the sources' own answers: the recorded Verisign RDAP record of
THEMARQUETRY.COM (registered 2021-03-16, clock fixed) and the Wikidata source's answer (the search and
SPARQL bodies about Siemens written out in test_wikidata.py, marked there; no recorded company SPARQL
answer exists in the fixtures), both through httpx.MockTransport, then the consistency analyzer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx

from checks.analyzers.consistency import ConsistencyAnalyzer
from checks.engine import subject_of
from checks.models import Report
from checks.request import CheckRequest
from checks.sources.rdap import RdapSource
from checks.sources.wikidata import WikidataSource

from .conftest import Recorder, build
from .test_rdap import offline_whois, ok
from .test_wikidata import SIEMENS_SEARCH, SIEMENS_SPARQL, routes

RDAP_ROUTE = ("GET", "/com/v1/domain/themarquetry.com")
RDAP_FILE = "rdap_verisign_domain_THEMARQUETRY.COM_registered_2021-03-16.json"


async def _check(settings, ctx, request: CheckRequest, sparql: dict, now: datetime) -> Report:  # type: ignore[no-untyped-def]
    rdap = build(RdapSource, settings, Recorder({RDAP_ROUTE: ok(RDAP_FILE)}).transport, now=lambda: now,
                 whois=offline_whois)
    wikidata = build(WikidataSource, settings,
                     routes(httpx.Response(200, json=SIEMENS_SEARCH), httpx.Response(200, json=sparql)).transport)
    report = Report(subject=subject_of(request))
    for finding in await rdap.run(request, ctx) + await wikidata.run(request, ctx):
        report.sections.add(finding)
    ConsistencyAnalyzer().analyze(request, report, ctx)
    return report


async def test_a_weeks_old_domain_writing_for_a_company_from_1847(settings, ctx):
    request = CheckRequest(company="Siemens AG", email="procurement@themarquetry.com", country="DE")
    report = await _check(settings, ctx, request, SIEMENS_SPARQL, datetime(2021, 6, 1, tzinfo=UTC))
    assert {"domain.young", "wikidata.company"} <= report.codes()
    found = next(f for f in report.findings() if f.code == "domain.younger_than_company")
    assert found.title == "themarquetry.com was registered on 2021-03-16, but Siemens AG has existed since 1847"
    assert found.severity.value == "high" and found.status.value == "flag"


async def test_the_same_domain_once_it_is_no_longer_young_is_not_said(settings, ctx):
    request = CheckRequest(company="Siemens AG", email="procurement@themarquetry.com", country="DE")
    report = await _check(settings, ctx, request, SIEMENS_SPARQL, datetime(2022, 6, 1, tzinfo=UTC))
    assert "domain.young" not in report.codes() and "domain.younger_than_company" not in report.codes()


async def test_a_young_domain_of_a_young_company_is_not_said(settings, ctx):
    sparql = copy.deepcopy(SIEMENS_SPARQL)
    sparql["results"]["bindings"][0]["inception"]["value"] = "2015-01-01T00:00:00Z"  # 6 years before the domain
    request = CheckRequest(company="Siemens AG", email="procurement@themarquetry.com", country="DE")
    report = await _check(settings, ctx, request, sparql, datetime(2021, 6, 1, tzinfo=UTC))
    assert "domain.young" in report.codes() and "domain.younger_than_company" not in report.codes()
