"""Wikidata: the recorded search answer, then SPARQL facts.

No recorded SPARQL answer about a company exists in the fixtures (see tests/fixtures/wikidata/
SOURCE.md); the SPARQL bodies below use the standard SPARQL 1.1 JSON results format with public
Wikidata facts about Siemens (Q81230), written out here and marked as such.
"""

from __future__ import annotations

import httpx
import pytest

from checks.engine import SourceUnavailable
from checks.request import CheckRequest
from checks.sources.wikidata import WikidataSource, collect

from .conftest import Recorder, build, fixture_bytes


def uri(value: str) -> dict:
    return {"type": "uri", "value": value}


def literal(value: str, datatype: str | None = None) -> dict:
    item = {"type": "literal", "value": value}
    if datatype:
        item["datatype"] = datatype
    return item


SIEMENS_SEARCH = {"searchinfo": {"search": "Siemens AG"}, "search": [
    {"id": "Q81230", "label": "Siemens", "description": "German multinational technology conglomerate",
     "aliases": ["Siemens AG"], "match": {"type": "alias", "language": "en", "text": "Siemens AG"}},
    {"id": "Q1537186", "label": "Siemens", "description": "family name", "match": {"type": "label", "language": "en", "text": "Siemens"}},
], "success": 1}
SIEMENS_SPARQL = {"head": {"vars": ["item", "itemLabel", "website", "inception", "employees", "lei", "countryCode"]},
                  "results": {"bindings": [
    {"item": uri("http://www.wikidata.org/entity/Q81230"), "itemLabel": literal("Siemens"),
     "website": uri("https://www.siemens.com/"), "inception": literal("1847-10-01T00:00:00Z", "http://www.w3.org/2001/XMLSchema#dateTime"),
     "employees": literal("320000", "http://www.w3.org/2001/XMLSchema#decimal"), "lei": literal("W38RGI023J3WT1HWRP32"),
     "countryCode": literal("DE")},
    {"item": uri("http://www.wikidata.org/entity/Q1537186"), "itemLabel": literal("Siemens")},
]}}


def routes(search: httpx.Response, sparql: httpx.Response | None = None) -> Recorder:
    table = {("GET", "/w/api.php"): search}
    if sparql is not None:
        table[("GET", "/sparql")] = sparql
    return Recorder(table)


async def test_company_facts_and_official_domain(settings, ctx):
    recorder = routes(httpx.Response(200, json=SIEMENS_SEARCH), httpx.Response(200, json=SIEMENS_SPARQL))
    findings = await build(WikidataSource, settings, recorder.transport).run(CheckRequest(company="Siemens AG", country="DE"), ctx)
    finding = findings[0]
    assert finding.code == "wikidata.company" and finding.data["qid"] == "Q81230"
    assert finding.data["official_domains"] == ["siemens.com"]
    assert finding.data["facts"]["founded"] == "1847-10-01" and finding.data["facts"]["employees"] == 320000
    assert "wd:Q81230 wd:Q1537186" in recorder.requests[1].url.params["query"]


async def test_recorded_search_for_a_person_gives_no_company(settings, ctx):
    # the recorded answer for "attila the hun": items without website or LEI are not companies
    sparql = {"head": {"vars": ["item"]}, "results": {"bindings": [{"item": uri("http://www.wikidata.org/entity/Q36724"),
                                                                   "itemLabel": literal("Attila the Hun")}]}}
    recorder = routes(httpx.Response(200, content=fixture_bytes("wikidata", "wbsearchentities_attila_the_hun.json")),
                      httpx.Response(200, json=sparql))
    assert await build(WikidataSource, settings, recorder.transport).run(CheckRequest(company="Attila the Hun"), ctx) == []


async def test_recorded_search_without_a_close_name_asks_nothing_more(settings, ctx):
    recorder = routes(httpx.Response(200, content=fixture_bytes("wikidata", "wbsearchentities_universe_limit1.json")))
    assert await build(WikidataSource, settings, recorder.transport).run(CheckRequest(company="Universal Export Trading"), ctx) == []
    assert len(recorder.requests) == 1


async def test_sparql_outage_is_unavailable(settings, ctx):
    recorder = routes(httpx.Response(200, json=SIEMENS_SEARCH), httpx.Response(429, text="Too Many Requests"))
    with pytest.raises(SourceUnavailable):
        await build(WikidataSource, settings, recorder.transport).run(CheckRequest(company="Siemens AG"), ctx)


def test_collect_merges_rows():
    rows = SIEMENS_SPARQL["results"]["bindings"] + [{"item": uri("http://www.wikidata.org/entity/Q81230"),
                                                      "website": uri("https://new.siemens.com/")}]
    assert collect(rows)["Q81230"]["websites"] == ["https://www.siemens.com/", "https://new.siemens.com/"]
