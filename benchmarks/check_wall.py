"""Wall time of a whole check with every online source answered by a local fake server.

    python benchmarks/check_wall.py [--runs 3] [--with-offline]

The fake server is a real HTTP server on 127.0.0.1 (aiohttp) that answers each service with its
recorded response (tests/fixtures/) after a realistic delay; the sources' requests reach it over
real sockets through a transport that sends each request to the local port with the service's host
name in a header (the product's transport seam, `HttpClient(transport=...)`). DNS and the website's address
lookup are answered by fakes with a small delay. The engine must run the sources concurrently: the total should be close to the slowest
source, not the sum. Prints both, per run. (Offline sources are left out unless --with-offline:
their cost is measured by their own benchmarks.)
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

import httpx
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.config import Settings  # noqa: E402
from checks.engine import Engine  # noqa: E402
from checks.http import HttpClient  # noqa: E402
from checks.registry import analyzers, offline_sources, online_sources  # noqa: E402
from checks.request import parse  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
HOME = (b"<html><head><title>Amazon Digital UK Limited</title></head><body><a href='/contact'>Contact us</a>"
        b"<p>Amazon Digital UK Limited, 1 Principal Place, London, United Kingdom</p></body></html>")
CONTACT = b"<html><body><p>Write to buyer@amazon-digital.co.uk or call +44 20 7946 0000</p></body></html>"

# (host, path regex) -> (seconds, status, body file or bytes); delays as seen from a European office
ROUTES: list[tuple[str, str, float, int, Path | bytes]] = [
    ("api.gleif.org", r"^/api/v1/lei-records$", 0.60, 200, FIX / "gleif/lei_records_filter_lei_multi.json"),
    ("api.gleif.org", r"direct-parent-relationship$", 0.35, 200, FIX / "gleif/direct_parent_relationship_5493001KJTIIGC8Y1R12.json"),
    ("api.gleif.org", r"ultimate-parent-relationship$", 0.35, 200, FIX / "gleif/ultimate_parent_relationship_5493001KJTIIGC8Y1R12.json"),
    ("api.gleif.org", r"/lei-records/\w+$", 0.35, 200, FIX / "gleif/direct_parent_record_5493001KJTIIGC8Y1R12.json"),
    ("ec.europa.eu", r"check-vat-number$", 1.20, 200, FIX / "vies/rest_post_check-vat-number_valid_DE811115368_name_hidden.json"),
    ("api.company-information.service.gov.uk", r"/officers$", 0.45, 200, FIX / "companies_house/officers_13090621.json"),
    ("api.company-information.service.gov.uk", r"^/company/\w+$", 0.45, 200, FIX / "companies_house/company_profile_00002065_LLOYDS_BANK_PLC.json"),
    ("www.sec.gov", r"company_tickers", 0.80, 200, FIX / "sec_edgar/company_tickers_first100.json"),
    ("data.sec.gov", r"submissions", 0.40, 200, FIX / "sec_edgar/submissions_CIK0000940418_SIEMENS_AG.json"),
    ("www.wikidata.org", r"api.php", 0.50, 200, FIX / "wikidata/wbsearchentities_attila_the_hun.json"),
    ("api.gdeltproject.org", r"/doc/doc", 2.00, 200, FIX / "gdelt/doc_artlist_json_vizhinjam_2024.json"),
    ("rdap.nominet.uk", r"/domain/", 0.70, 200, FIX / "rdap/rdap_norid_domain_norway.no.json"),
    ("93.184.215.14", r"^/contact", 0.80, 200, CONTACT),
    ("93.184.215.14", r"^/$", 1.00, 200, HOME),
]
DNS_DELAY = 0.05


def route(host: str, path: str) -> tuple[float, int, bytes, str]:
    for route_host, pattern, delay, status, body in ROUTES:
        if host == route_host and re.search(pattern, path):
            content = body if isinstance(body, bytes) else body.read_bytes()
            return delay, status, content, "text/html" if isinstance(body, bytes) else "application/json"
    return 0.2, 404, b'{"errors": [{"status": "404"}]}', "application/json"


async def start_fake_server() -> tuple[web.AppRunner, int]:
    """Every service on one local port; which one is asked comes in the X-Fake-Host header."""
    async def answer(request: web.Request) -> web.Response:
        delay, status, content, kind = route(request.headers.get("X-Fake-Host", ""), request.path)
        await asyncio.sleep(delay)
        return web.Response(status=status, body=content, content_type=kind)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


class ToLocalServer(httpx.AsyncBaseTransport):
    """Sends each request to the local fake server over a real connection, naming the service."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        forwarded = httpx.Request(request.method, request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port),
                                  headers=[*headers, (b"X-Fake-Host", request.url.host.encode())],
                                  content=await request.aread())
        return await self.inner.handle_async_request(forwarded)

    async def aclose(self) -> None:
        """Each source's client closes its transport when done; this one is shared, so it stays open."""

    async def shutdown(self) -> None:
        await self.inner.aclose()


async def fake_dns(name: str, rdtype: str) -> list[str]:
    await asyncio.sleep(DNS_DELAY)
    if rdtype == "NS":
        return ["ns1.example."]
    if rdtype == "MX":
        return ["10 mx1.amazon-digital.co.uk."]
    if rdtype == "TXT" and name.startswith("_dmarc."):
        return ["v=DMARC1; p=reject"]
    if rdtype == "TXT":
        return ["v=spf1 include:amazonses.com -all"]
    return []


async def fake_resolver(host: str) -> list[str]:
    await asyncio.sleep(DNS_DELAY)
    return ["93.184.215.14"]


async def one_run(with_offline: bool) -> tuple[float, list[tuple[str, str, int]]]:
    settings = Settings(TRADECHECK_SOURCE_TIMEOUT=8, COMPANIES_HOUSE_API_KEY="benchmark-key", TRADECHECK_CACHE_TTL=0)
    runner, port = await start_fake_server()
    transport = ToLocalServer(port)
    http = HttpClient(transport=transport)  # a new cache and new rate limits for each run
    sources = online_sources(settings, http)
    for source in sources:
        if source.name == "dns_email":
            source._lookup = fake_dns
        if source.name == "website":
            source.resolver = fake_resolver
    if with_offline:
        sources = offline_sources(settings) + sources
    request = parse("Amazon Digital UK Ltd email=buyer@amazon-digital.co.uk site=amazon-digital.co.uk "
                    "country=GB vat=DE811115368 reg=00002065")
    try:
        started = time.perf_counter()
        report = await Engine(sources, analyzers(settings), http=http).run(request)
        wall = time.perf_counter() - started
    finally:
        await http.aclose()
        await transport.shutdown()
        await runner.cleanup()
    return wall, [(r.name, r.status.value, r.elapsed_ms) for r in report.sources]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--with-offline", action="store_true")
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        wall, results = asyncio.run(one_run(args.with_offline))
        timed = [ms for _, status, ms in results if status != "skipped"]
        print(f"run {run}: whole check {wall * 1000:.0f} ms | slowest source {max(timed)} ms | "
              f"sum of sources {sum(timed)} ms | concurrency x{sum(timed) / max(wall * 1000, 1):.1f}")
        if run == 1:
            for name, status, ms in results:
                print(f"    {name:16} {status:12} {ms:6} ms")


if __name__ == "__main__":
    main()
