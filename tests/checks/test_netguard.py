"""SSRF guard: private targets refused before any connection, redirects re-checked, address pinned."""

from __future__ import annotations

import httpx
import pytest

from checks.netguard import FetchRefused, fetch, is_public_address

PUBLIC = "93.184.215.14"


def resolver_for(mapping: dict[str, list[str]]):
    async def resolve(host: str) -> list[str]:
        return mapping[host]

    return resolve


def never_called(request: httpx.Request) -> httpx.Response:  # the guard must refuse before connecting
    raise AssertionError(f"connected to {request.url}")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.1", "10.255.255.254", "169.254.169.254", "::1", "192.168.1.1", "172.16.0.1", "0.0.0.0",  # noqa: S104 - an address under test
     "100.64.0.1", "224.0.0.1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::", "240.0.0.1",
     "2002:0a00:0001::1", "64:ff9b::a9fe:a9fe"],
)
def test_non_public_addresses_are_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://10.1.2.3/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
     "https://[::ffff:169.254.169.254]/", "http://localhost/", "http://0x7f000001/"],
)
async def test_literal_private_targets_are_refused(url):
    with pytest.raises(FetchRefused) as info:
        await fetch(url, resolver=resolver_for({"0x7f000001": ["127.0.0.1"]}), transport=httpx.MockTransport(never_called))
    assert info.value.reason in ("netguard.private", "netguard.no_such_host")


async def test_hostname_resolving_to_a_private_address_is_refused():
    resolver = resolver_for({"intranet.acme-trading.ae": ["10.0.0.8"]})
    with pytest.raises(FetchRefused) as info:
        await fetch("acme-trading.ae".replace("acme", "intranet.acme"), resolver=resolver,
                    transport=httpx.MockTransport(never_called))
    assert info.value.reason == "netguard.private"
    assert info.value.params["address"] == "10.0.0.8"


async def test_mixed_public_and_private_answers_are_refused():
    resolver = resolver_for({"rebind.example": [PUBLIC, "127.0.0.1"]})
    with pytest.raises(FetchRefused, match="netguard.private"):
        await fetch("https://rebind.example/", resolver=resolver, transport=httpx.MockTransport(never_called))


async def test_redirect_to_a_private_address_is_refused():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    with pytest.raises(FetchRefused, match="netguard.private"):
        await fetch("https://acme.example/", resolver=resolver_for({"acme.example": [PUBLIC]}),
                    transport=httpx.MockTransport(handler))
    assert len(seen) == 1


async def test_redirect_to_a_host_resolving_private_is_refused():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://internal.acme.example/"})

    resolver = resolver_for({"acme.example": [PUBLIC], "internal.acme.example": ["::1"]})
    with pytest.raises(FetchRefused, match="netguard.private"):
        await fetch("acme.example", resolver=resolver, transport=httpx.MockTransport(handler))


async def test_connects_to_the_checked_address_with_the_host_header():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/":
            return httpx.Response(301, headers={"Location": "/en/"})
        return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, text="<title>ACME</title>")

    page = await fetch("acme.example", resolver=resolver_for({"acme.example": [PUBLIC]}),
                       transport=httpx.MockTransport(handler))
    assert [r.url.host for r in seen] == [PUBLIC, PUBLIC]
    assert all(r.headers["host"] == "acme.example" for r in seen)
    assert seen[0].extensions["sni_hostname"] == "acme.example"
    assert page.https and page.final_url == "https://acme.example/en/" and "ACME" in page.text
    assert page.address == PUBLIC


async def test_at_most_five_redirects():
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(302, headers={"Location": f"/hop{count}"})

    with pytest.raises(FetchRefused, match="netguard.too_many_redirects"):
        await fetch("https://loop.example/", resolver=resolver_for({"loop.example": [PUBLIC]}),
                    transport=httpx.MockTransport(handler))
    assert count == 6


async def test_body_is_capped_while_streaming():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"a" * 5_000_000)

    page = await fetch("https://big.example/", resolver=resolver_for({"big.example": [PUBLIC]}),
                       transport=httpx.MockTransport(handler), max_bytes=1000)
    assert page.truncated and len(page.text) == 1000


async def test_only_text_is_read():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/octet-stream"}, content=b"\x00" * 10)

    with pytest.raises(FetchRefused, match="netguard.not_text"):
        await fetch("https://bin.example/", resolver=resolver_for({"bin.example": [PUBLIC]}),
                    transport=httpx.MockTransport(handler))


async def test_slow_site_times_out():
    import asyncio

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(3)
        return httpx.Response(200)

    with pytest.raises(FetchRefused, match="netguard.timeout"):
        await fetch("https://slow.example/", resolver=resolver_for({"slow.example": [PUBLIC]}),
                    transport=httpx.MockTransport(handler), timeout=0.2)


@pytest.mark.parametrize("url", ["ftp://acme.example/", "file:///etc/passwd", "https://acme.example:22/"])
async def test_other_schemes_and_ports_are_refused(url):
    with pytest.raises(FetchRefused):
        await fetch(url, resolver=resolver_for({"acme.example": [PUBLIC]}), transport=httpx.MockTransport(never_called))


@pytest.mark.parametrize("url,reason", [
    ("http://[127.0.0.1]/", "netguard.private"),  # urlsplit: "An IPv4 address cannot be in brackets"
    ("https://[10.0.0.1]:443/admin", "netguard.private"),
    ("http://[::1", "netguard.private"),  # urlsplit: "Invalid IPv6 URL"; still loopback
    ("http://[fe80::1%eth0", "netguard.private"),
    ("http://[acme.ae]/", "netguard.bad_url"),
    ("http://acme.ae]/", "netguard.bad_url"),
    ("[127.0.0.1]", "netguard.private"),  # what `email=x@[127.0.0.1]` would make of its domain
])
async def test_addresses_urlsplit_rejects_are_refused_not_raised(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused) as info:
        await fetch(url, resolver=resolver_for({}), transport=httpx.MockTransport(never_called))
    assert info.value.reason == reason
