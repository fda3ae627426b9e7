"""SSRF-safe fetching of pages at addresses that users type (`site=`).

A chat user must not be able to make the bot read its own cloud metadata or intranet. So: resolve
the host first (resolver injectable for tests), refuse any address that is not public (private,
loopback, link-local, multicast, reserved, unspecified, shared, IPv4-mapped forms of these), then
connect to that very address (the host stays in the Host header and TLS SNI) so that DNS
rebinding between the check and the connection cannot bypass it. Redirects are followed by hand,
each target checked again, at most 5. At most 2 MB are read, in 10 s, and only text.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx

from .http import USER_AGENT, current_transport

Resolver = Callable[[str], Awaitable[list[str]]]

MAX_REDIRECTS = 5
MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 10.0
ALLOWED_PORTS = frozenset({80, 443, 8080, 8443})
TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml", "application/xml", "text/xml")


class FetchRefused(Exception):
    """The fetch was refused or failed; `reason` is a catalog key, `params` fill it."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass
class Page:
    url: str  # what was asked
    final_url: str  # after redirects
    status_code: int
    content_type: str
    text: str
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    address: str = ""  # the IP that answered

    @property
    def https(self) -> bool:
        return self.final_url.lower().startswith("https://")


async def system_resolver(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise FetchRefused("netguard.no_such_host", host=host) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """True only for globally routable unicast addresses (IPv4 or IPv6, mapped forms unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip.sixtofour is not None:
            return is_public_address(str(ip.sixtofour))
        if ip.teredo is not None:
            return False
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 of an IPv4 address
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def split_url(url: str) -> SplitResult:
    """`urlsplit`, with its ValueError (``http://[127.0.0.1]/``, ``http://[::1``) turned into a
    refusal: a bracketed private address is refused as private, anything else as a bad address."""
    try:
        return urlsplit(url)
    except ValueError:
        bracketed = url.partition("[")[2].partition("]")[0]
        try:
            literal = ipaddress.ip_address(bracketed.split("%")[0])
        except ValueError:
            literal = None
        if literal is not None and not is_public_address(str(literal)):
            raise FetchRefused("netguard.private", host=bracketed[:100], address=str(literal)) from None
        raise FetchRefused("netguard.bad_url", url=url[:100]) from None


def normalize_url(value: str) -> str:
    """`acme.ae` -> `https://acme.ae/`; keeps an explicit http:// or https://."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = split_url(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchRefused("netguard.bad_scheme", scheme=parts.scheme)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


async def check_url(url: str, resolver: Resolver) -> tuple[str, str, int]:
    """The host, a public address to connect to, and the port; raises FetchRefused otherwise."""
    parts = split_url(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("netguard.bad_scheme", scheme=parts.scheme)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchRefused("netguard.bad_url", url=url[:100])
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused("netguard.bad_url", url=url[:100]) from None
    if port not in ALLOWED_PORTS:
        raise FetchRefused("netguard.bad_port", port=str(port))
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa")):
            raise FetchRefused("netguard.private", host=host, address=host)
        addresses = await resolver(host)
    if not addresses:
        raise FetchRefused("netguard.no_such_host", host=host)
    for address in addresses:  # every answer must be public: a mixed answer is an attack
        if not is_public_address(address):
            raise FetchRefused("netguard.private", host=host, address=address)
    return host, addresses[0], port


def _pinned_url(url: str, address: str) -> str:
    parts = urlsplit(url)
    ip = ipaddress.ip_address(address)
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def fetch(
    url: str,
    *,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Page:
    """Fetch one page SSRF-safely. Raises FetchRefused (with a catalog key) on any refusal or failure."""
    try:
        return await asyncio.wait_for(
            _fetch(normalize_url(url), resolver or system_resolver, transport, max_bytes, max_redirects, timeout),
            timeout=timeout,
        )
    except TimeoutError:
        raise FetchRefused("netguard.timeout", seconds=f"{timeout:g}") from None


async def _fetch(
    url: str,
    resolver: Resolver,
    transport: httpx.AsyncBaseTransport | None,
    max_bytes: int,
    max_redirects: int,
    timeout: float,
) -> Page:
    first = url
    redirects: list[str] = []
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.1"}
    async with httpx.AsyncClient(
        transport=transport or current_transport(),
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        trust_env=False,  # no proxy from the environment: we connect to the checked address
    ) as client:
        while True:
            host, address, port = await check_url(url, resolver)
            parts = split_url(url)
            host_header = host if parts.port in (None, 80, 443) else f"{host}:{port}"
            request = client.build_request(
                "GET", _pinned_url(url, address), headers={**headers, "Host": host_header},
                extensions={"sni_hostname": host},
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchRefused("netguard.timeout", seconds=f"{timeout:g}") from None
            except httpx.TransportError:
                raise FetchRefused("netguard.unreachable", host=host) from None
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchRefused("netguard.http_error", status=str(response.status_code))
                    if len(redirects) >= max_redirects:
                        raise FetchRefused("netguard.too_many_redirects", limit=str(max_redirects))
                    url = normalize_url(urljoin(url, location))
                    redirects.append(url)
                    continue
                if response.status_code >= 400:
                    raise FetchRefused("netguard.http_error", status=str(response.status_code))
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type and not content_type.startswith(TEXT_TYPES):
                    raise FetchRefused("netguard.not_text", content_type=content_type)
                body = bytearray()
                truncated = False
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) >= max_bytes:
                        del body[max_bytes:]
                        truncated = True
                        break
                encoding = response.encoding or "utf-8"
                try:
                    text = bytes(body).decode(encoding, errors="replace")
                except LookupError:
                    text = bytes(body).decode("utf-8", errors="replace")
                return Page(first, url, response.status_code, content_type, text, truncated, redirects, address)
            finally:
                await response.aclose()
