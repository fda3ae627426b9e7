"""GDELT DOC API on recorded answers: articles, 429 plain text, 200 plain-text error, empty, HTML."""

from __future__ import annotations

import time

import httpx
import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.http import RateLimiter, TTLCache
from checks.request import CheckRequest
from checks.sources.gdelt import GdeltSource, build_query

from .conftest import Recorder, build, fixture_bytes

PATH = "/api/v2/doc/doc"


def respond(*responses: httpx.Response) -> Recorder:
    queue = list(responses)
    return Recorder({("GET", PATH): lambda request: queue.pop(0) if len(queue) > 1 else queue[0]})


async def test_headlines_with_links(settings, ctx):
    recorder = respond(httpx.Response(200, content=fixture_bytes("gdelt", "doc_artlist_json_vizhinjam_2024.json")))
    findings = await build(GdeltSource, settings, recorder.transport).run(
        CheckRequest(company="Vizhinjam International Seaport Ltd"), ctx)
    finding = findings[0]
    assert finding.code == "media.adverse" and finding.section.value == "risk"
    assert finding.data["headlines"][0]["title"] == "Customs grants approval to Vizhinjam International Seaport"
    assert finding.data["headlines"][0]["date"] == "2024-06-15"
    assert finding.evidence[0].url.startswith("https://www.thehindu.com/")
    query = recorder.requests[0].url.params["query"]
    assert query.startswith('"vizhinjam international seaport" (fraud OR scam')


async def test_429_plain_text_is_unavailable_after_one_spaced_retry(settings, ctx):
    body = fixture_bytes("gdelt", "doc_http429_rate_limited.txt")
    recorder = respond(httpx.Response(429, content=body, headers={"Content-Type": "text/plain"}))
    source = build(GdeltSource, settings, recorder.transport)
    source.backoff = 0.05
    with pytest.raises(SourceUnavailable, match="slow down"):
        await source.run(CheckRequest(company="Golden Star Trading"), ctx)
    assert len(recorder.requests) == 2


async def test_429_then_success(settings, ctx):
    recorder = respond(
        httpx.Response(429, content=fixture_bytes("gdelt", "doc_http429_rate_limited.txt")),
        httpx.Response(200, content=fixture_bytes("gdelt", "doc_artlist_json_vizhinjam_2024.json")),
    )
    source = build(GdeltSource, settings, recorder.transport)
    source.backoff = 0.05
    findings = await source.run(CheckRequest(company="Vizhinjam Port"), ctx)
    assert findings[0].code == "media.adverse"


async def test_plain_text_error_with_http_200(settings, ctx):
    recorder = respond(httpx.Response(200, content=fixture_bytes("gdelt", "doc_http200_keyword_error.txt")))
    with pytest.raises(SourceSkipped, match="too short, too long or too common"):
        await build(GdeltSource, settings, recorder.transport).run(CheckRequest(company="Golden Star Trading"), ctx)


@pytest.mark.parametrize("body", ["", "{}", '{"articles": []}'])
async def test_no_results(settings, ctx, body):
    findings = await build(GdeltSource, settings, respond(httpx.Response(200, text=body)).transport).run(
        CheckRequest(company="Golden Star Trading"), ctx)
    assert [f.code for f in findings] == ["media.none"]


async def test_html_error_page_is_unavailable(settings, ctx):
    with pytest.raises(SourceUnavailable):
        await build(GdeltSource, settings, respond(httpx.Response(200, text="<html><body>502</body></html>")).transport).run(
            CheckRequest(company="Golden Star Trading"), ctx)


async def test_one_request_per_5_seconds_shared_across_checks(settings, ctx):
    limiter = RateLimiter({"api.gdeltproject.org": 5.0})
    recorder = respond(httpx.Response(200, text="{}"))
    first = GdeltSource(settings, transport=recorder.transport, cache=TTLCache(), limiter=limiter)
    await first.run(CheckRequest(company="Golden Star Trading"), ctx)
    settings.source_timeout = 1.0
    second = GdeltSource(settings, transport=recorder.transport, cache=TTLCache(), limiter=limiter)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="one every 5 s"):
        await second.run(CheckRequest(company="Another Name Ltd"), ctx)
    assert time.monotonic() - started < 0.5 and len(recorder.requests) == 1


def test_short_names_are_not_searched():
    assert build_query("XY Ltd") is None
    assert build_query("Siemens AG") == '"siemens" (fraud OR scam OR sanction OR sanctions OR lawsuit OR bankruptcy)'
