"""Every online source on every failure a service really produces: a timeout, 429 (with plain-text body,
as GDELT sends), 500, a body that is not JSON, JSON of the wrong shape, a refused connection. Whatever
happens, the source is `unavailable` with a reason in the user's language, the check completes, and it
stays within the source's time budget."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import httpx
import pytest

from checks.config import Settings
from checks.engine import Engine
from checks.http import RateLimiter, TTLCache
from checks.models import SourceStatus
from checks.request import CheckRequest
from checks.sources.companies_house import CompaniesHouseSource
from checks.sources.gdelt import GdeltSource
from checks.sources.gleif import GleifSource
from checks.sources.rdap import RdapSource
from checks.sources.sec_edgar import SecEdgarSource
from checks.sources.vies import ViesSource
from checks.sources.wikidata import WikidataSource

TIMEOUT = 1.5
SETTINGS = Settings(TRADECHECK_SOURCE_TIMEOUT=TIMEOUT, TRADECHECK_CACHE_TTL=0, COMPANIES_HOUSE_API_KEY="test-key",
                    SEC_USER_AGENT="ACME Exports ops@acme.example")

SOURCES = {  # each with a request that makes it ask its service
    "gleif": (GleifSource, CheckRequest(company="Bloomberg Finance L.P.", lei="5493001KJTIIGC8Y1R12")),
    "vies": (ViesSource, CheckRequest(company="Siemens AG", vat="DE129273398", country="DE")),
    "companies_house": (CompaniesHouseSource, CheckRequest(company="Lloyds Bank plc", reg="00002065", country="GB")),
    "sec_edgar": (SecEdgarSource, CheckRequest(company="Apple Inc.", country="US")),
    "wikidata": (WikidataSource, CheckRequest(company="Siemens AG", country="DE")),
    "gdelt": (GdeltSource, CheckRequest(company="Golden Star Trading LLC", country="AE")),
    "rdap": (RdapSource, CheckRequest(company="ACME Trading LLC", email="j@acme-trading.com")),
}


async def _slow(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(TIMEOUT * 3)
    return httpx.Response(200, json={})


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


FAILURES: dict[str, Callable[[httpx.Request], object]] = {
    "timeout": _slow,
    "429": lambda request: httpx.Response(429, text="Please limit requests to one every 5 seconds",
                                          headers={"Retry-After": "30"}),
    "500": lambda request: httpx.Response(500, text="Internal Server Error"),
    "not json": lambda request: httpx.Response(200, text="<html><body>Service temporarily down</body></html>",
                                               headers={"Content-Type": "text/html"}),
    "wrong shape": lambda request: httpx.Response(200, json=["unexpected"]),
    "refused": _refused,
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("name", list(SOURCES))
async def test_a_failing_service_leaves_its_source_unavailable_with_a_reason(name: str, failure: str) -> None:
    cls, request = SOURCES[name]
    handler = FAILURES[failure]
    source = cls(SETTINGS, transport=httpx.MockTransport(handler), cache=TTLCache(), limiter=RateLimiter({}))
    source.backoff = 0.01
    report = await Engine([source]).run(request)
    [result] = report.sources
    assert result.status is SourceStatus.UNAVAILABLE, (result.status, result.detail)
    assert result.detail and "Traceback" not in result.detail
    if failure == "timeout":  # cut within its budget (the engine's, or the HTTP layer's a little less), and says so
        within = re.search(r"within ([0-9.]+) s", result.detail)
        assert within and 0 < float(within.group(1)) <= TIMEOUT, result.detail
