"""The buyer's website, read SSRF-safely: does it exist, use HTTPS, name the company, show the
claimed country, and list the same email and phone as the inquiry?

Reads the home page and one contact/about page through `checks.netguard` (public addresses only,
5 redirects, 2 MB, 10 s, text only). Parsing is the standard library's HTML parser: pages are
often broken, and this must never crash a check.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import phonenumbers
from anyascii import anyascii

from .. import countries
from ..analyzers import namematch
from ..domains import name_tokens, registrable_domain, split_domain
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import OnlineSource
from ..i18n import Translator
from ..models import Evidence, Finding, Severity, Status
from ..netguard import FetchRefused, Page, Resolver, fetch
from ..request import CheckRequest
from .email import is_free_mail

CONTACT_WORDS = re.compile(
    r"contact|about|kontakt|impressum|contacto|contato|contatti|nous-contacter|a-propos|uber-uns|ueber-uns|"
    r"company|profile|联系|关于|会社概要|お問い合わせ|회사소개|연락처|о-компании|контакт|اتصل|من-نحن", re.I)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,24}")
PARKED = re.compile(r"domain (is )?for sale|buy this domain|this domain (may be|is) for sale|parked (free|domain)|"
                    r"domain parking|sedo|hugedomains|dan\.com", re.I)
GENERIC = {"trading", "trade", "group", "international", "global", "import", "export", "imports", "exports",
           "industries", "industry", "industrial", "enterprise", "enterprises", "company", "general", "services"}


class _Extractor(HTMLParser):
    """Title, visible text and links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.canonical: list[str] = []  # <link rel=canonical> and og:url: where the page says it lives
        self._skip = 0
        self._in_title = False
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "svg"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._link_text = []
        elif tag == "link":
            values = dict(attrs)
            if "canonical" in (values.get("rel") or "").lower().split() and values.get("href"):
                self.canonical.append(values["href"] or "")
        elif tag == "meta":
            values = dict(attrs)
            if (values.get("property") or values.get("name") or "").lower() == "og:url" and values.get("content"):
                self.canonical.append(values["content"] or "")
            if (values.get("name") or values.get("property") or "").lower() in ("description", "og:site_name", "og:title"):
                self.text.append(values.get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "svg") and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._link_text)))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        self.text.append(data)
        if self._href is not None:
            self._link_text.append(data.strip())


def parse_page(html: str) -> _Extractor:
    parser = _Extractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - a broken page still gives what was parsed so far
        pass
    return parser


def _fold(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", anyascii(text).lower()) + " "


def name_on_page(company: str, text: str) -> bool:
    """All distinctive words of the name appear on the page (or the name written as one word)."""
    words = [w for w in name_tokens(company) if w not in GENERIC and len(w) >= 2] or name_tokens(company)
    if not words:
        return False
    folded = _fold(text)
    if all(f" {w} " in folded for w in words):
        return True
    return "".join(words) in folded.replace(" ", "")


def find_phones(text: str, region: str | None) -> list[str]:
    found: list[str] = []
    try:
        for match in phonenumbers.PhoneNumberMatcher(text[:200_000], region or "US", leniency=phonenumbers.Leniency.POSSIBLE):
            # a valid number, or one written in international form (a page's prices and dates are neither)
            if not (phonenumbers.is_valid_number(match.number) or match.raw_string.lstrip().startswith(("+", "00"))):
                continue
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found:
                found.append(e164)
    except Exception:  # noqa: BLE001, S110 - phonenumbers is strict with odd text
        pass
    return found[:20]


def _e164(value: str | None, region: str | None) -> str | None:
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


MAX_LINKED = 5


def official_links(request: CheckRequest, home: Page, parsed: _Extractor, exclude: set[str | None]) -> list[str]:
    """Domains the buyer's site points to that are spelled as the claimed company's name: where the
    site redirects, its canonical/og:url, and its links. A look-alike copy of a real site usually keeps
    the real site's canonical and links, so these say which domain the real company uses. They never
    vouch for the domains the buyer gave (the email's, the site's): those are left out,
    and the consistency analyzer uses these only as look-alike targets."""
    company = (request.company or "").strip()
    if not company:
        return []
    given = {registrable_domain(request.site) if request.site else None,
             registrable_domain(request.email_domain) if request.email_domain else None}
    own = {d for d in exclude | given if d}
    country = request.country
    prof = namematch.profile(company, (), not country or country.upper() in namematch.PINYIN_COUNTRIES)
    hrefs = [home.final_url] + parsed.canonical + [href for href, _ in parsed.links]
    found: list[str] = []
    for href in hrefs:
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = urljoin(home.final_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        domain = registrable_domain(url)
        if not domain or domain in own or domain in found or is_free_mail(domain):
            continue
        if not _spelled_as(domain, prof):
            continue
        found.append(domain)
        if len(found) >= MAX_LINKED:
            break
    return found


def _spelled_as(domain: str, prof: namematch.NameProfile) -> bool:
    """The domain reads exactly as the name: no extra words, no slips, no lure words."""
    parts = split_domain(domain)
    if parts is None:
        return False
    match = namematch.match_label(parts.label, prof, parts.suffix)
    return match is not None and match.kind == "consistent" and not match.extra


@dataclass
class _Site:
    """What was read from the buyer's website: the home page (after redirects) and the pages read."""

    target: str
    home: Page
    parsed: _Extractor
    pages: list[Page]
    text: str  # the pages' title, visible text and mailto:/tel: links
    emails: list[str]
    phones: list[str]
    domain: str | None  # the registrable domain the home page ended on
    title: str

    @property
    def final(self) -> str:
        return self.home.final_url


RETRY_STATUSES = frozenset({"429", "502", "503", "504"})


class WebsiteSource(OnlineSource):
    name = "website"
    needs = ("site", "email")

    def __init__(self, *args: Any, resolver: Resolver | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resolver = resolver

    async def _get(self, url: str, budget: float | None = None) -> Page:
        timeout = min(10.0, self.timeout - 0.5) if budget is None else budget
        return await self.remember(f"page:{url}", lambda: self._fetch_retrying(url, timeout))

    async def _fetch_retrying(self, url: str, timeout: float) -> Page:
        """One more try after a busy answer (429, 502–504) when the budget allows; the same bounded
        retry every HTTP source has, here through the SSRF guard."""
        started = time.monotonic()
        try:
            return await fetch(url, resolver=self.resolver, transport=self.transport, timeout=timeout)
        except FetchRefused as refused:
            busy = refused.reason == "netguard.http_error" and refused.params.get("status") in RETRY_STATUSES
            left = timeout - (time.monotonic() - started) - self.backoff
            if not busy or left < 1.0:
                raise
        await asyncio.sleep(self.backoff)
        return await fetch(url, resolver=self.resolver, transport=self.transport, timeout=left)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        target = request.site or (request.email_domain if request.email_domain and not is_free_mail(request.email_domain) else None)
        if not target:
            raise SourceSkipped(t("website.no_site"))
        started = time.monotonic()
        try:
            home = await self._get(target)
        except FetchRefused as refused:
            if refused.reason == "netguard.private":
                return [self._finding("website.refused", Status.FLAG, Severity.MEDIUM, t("website.refused.title"),
                                      t(refused.reason, **refused.params), target)]
            raise SourceUnavailable(t(refused.reason, **refused.params)) from None
        site = await self._read_site(request, target, home, started)
        findings = self._about_site(request, site, t)
        findings += self._page_flags(site, t)
        findings += self._matches_inquiry(request, site, ctx)
        return findings

    async def _read_site(self, request: CheckRequest, target: str, home: Page, started: float) -> _Site:
        """The home page and, if time allows, one contact page: their text, emails and phones."""
        pages = [home]
        parsed = parse_page(home.text)
        contact_url = self._contact_link(home, parsed)
        remaining = self.timeout - 0.5 - (time.monotonic() - started)
        if contact_url and remaining >= 1.0:
            with contextlib.suppress(FetchRefused):  # the home page alone still says a lot
                pages.append(await self._get(contact_url, budget=min(10.0, remaining)))
        texts = [parse_page(p.text) if p is not home else parsed for p in pages]
        all_text = " ".join([parsed.title] + [" ".join(x.text) for x in texts])
        all_text += " " + " ".join(href for x in texts for href, _ in x.links if href.startswith(("mailto:", "tel:")))
        emails = sorted({e.lower().rstrip(".") for e in EMAIL_RE.findall(all_text)
                         if not e.lower().endswith((".png", ".jpg", ".gif", ".webp", ".svg"))})[:20]
        return _Site(target=target, home=home, parsed=parsed, pages=pages, text=all_text, emails=emails,
                     phones=find_phones(all_text, request.country), domain=registrable_domain(home.final_url),
                     title=" ".join(parsed.title.split())[:200])

    def _about_site(self, request: CheckRequest, site: _Site, t: Translator) -> list[Finding]:
        """What the site is (summary) and the official sites it links to."""
        final, home = site.final, site.home
        summary = t("website.summary.detail", url=final, title=site.title or "-", https=t("dns.yes") if home.https else t("dns.no"),
                    emails=", ".join(site.emails[:5]) or "-", phones=", ".join(site.phones[:5]) or "-")
        findings = [self._finding("website.summary", Status.INFO, Severity.INFO, t("website.summary.title", domain=site.domain or final),
                                  summary, final, data={"url": final, "title": site.title, "https": home.https, "emails": site.emails,
                                                        "phones": site.phones, "pages": [p.final_url for p in site.pages],
                                                        "redirects": home.redirects})]
        linked = official_links(request, home, site.parsed, exclude={registrable_domain(site.target)})
        if linked:
            findings.append(self._finding("website.official_links", Status.INFO, Severity.INFO,
                                          t("website.official_links.title", domains=", ".join(linked)),
                                          t("website.official_links.detail"), final,
                                          data={"official_domains": linked, "from": site.domain}))
        return findings

    def _page_flags(self, site: _Site, t: Translator) -> list[Finding]:
        """A parked domain, no HTTPS, a redirect to another domain."""
        final = site.final
        findings: list[Finding] = []
        if PARKED.search(site.title + " " + site.text[:5000]):
            findings.append(self._finding("website.parked", Status.FLAG, Severity.HIGH, t("website.parked.title", domain=site.domain or final),
                                          t("website.parked.detail"), final))
        if not site.home.https:
            findings.append(self._finding("website.no_https", Status.FLAG, Severity.LOW, t("website.no_https.title"),
                                          t("website.no_https.detail"), final))
        requested = registrable_domain(site.target)
        if site.domain and requested and site.domain != requested:
            findings.append(self._finding("website.redirected", Status.FLAG, Severity.MEDIUM,
                                          t("website.redirected.title", domain=requested, target=site.domain),
                                          t("website.redirected.detail"), final, data={"from": requested, "to": site.domain}))
        return findings

    def _matches_inquiry(self, request: CheckRequest, site: _Site, ctx: CheckContext) -> list[Finding]:
        """Does the site show the inquiry's company name, country, email and phone?"""
        found = [self._name_finding(request, site, ctx.t), self._country_finding(request, site, ctx),
                 self._email_finding(request, site, ctx.t), self._phone_finding(request, site, ctx.t)]
        return [f for f in found if f is not None]

    def _name_finding(self, request: CheckRequest, site: _Site, t: Translator) -> Finding | None:
        if not request.company:
            return None
        if name_on_page(request.company, site.text):
            return self._finding("website.name_found", Status.PASS, Severity.INFO,
                                 t("website.name_found.title", company=request.company), "", site.final)
        return self._finding("website.name_missing", Status.FLAG, Severity.MEDIUM,
                             t("website.name_missing.title", company=request.company),
                             t("website.name_missing.detail"), site.final)

    def _country_finding(self, request: CheckRequest, site: _Site, ctx: CheckContext) -> Finding | None:
        """The claimed country appears nowhere: not named on the page, in no phone number, not the site's TLD."""
        if not request.country:
            return None
        names = {countries.name_of(request.country, "en"), countries.name_of(request.country, "zh")}
        on_page = any(n and (_fold(n) in _fold(site.text) if n.isascii() else n in site.text) for n in names)
        region_phone = any(phonenumbers.region_code_for_number(phonenumbers.parse(p)) == request.country.upper()
                           for p in site.phones)
        tld_match = (site.domain or "").rsplit(".", 1)[-1].upper() == request.country.upper()
        if on_page or region_phone or tld_match:
            return None
        return self._finding("website.country_missing", Status.FLAG, Severity.LOW,
                             ctx.t("website.country_missing.title", country=countries.name_of(request.country, ctx.lang)),
                             ctx.t("website.country_missing.detail"), site.final)

    def _email_finding(self, request: CheckRequest, site: _Site, t: Translator) -> Finding | None:
        inquiry_email = (request.email or "").lower()
        if not (inquiry_email and site.emails):
            return None
        email_domain = registrable_domain(inquiry_email)
        if inquiry_email in site.emails or any(registrable_domain(e) == email_domain for e in site.emails):
            return self._finding("website.email_listed", Status.PASS, Severity.INFO,
                                 t("website.email_listed.title", email=inquiry_email), "", site.final)
        return self._finding("website.email_not_listed", Status.FLAG, Severity.MEDIUM,
                             t("website.email_not_listed.title", email=inquiry_email),
                             t("website.email_not_listed.detail", emails=", ".join(site.emails[:5])), site.final)

    def _phone_finding(self, request: CheckRequest, site: _Site, t: Translator) -> Finding | None:
        inquiry_phone = _e164(request.phone, request.country)
        if not (inquiry_phone and site.phones):
            return None
        if inquiry_phone in site.phones:
            return self._finding("website.phone_listed", Status.PASS, Severity.INFO,
                                 t("website.phone_listed.title", phone=inquiry_phone), "", site.final)
        return self._finding("website.phone_not_listed", Status.FLAG, Severity.LOW,
                             t("website.phone_not_listed.title", phone=inquiry_phone),
                             t("website.phone_not_listed.detail", phones=", ".join(site.phones[:5])), site.final)

    @staticmethod
    def _contact_link(page: Page, parsed: _Extractor) -> str | None:
        home_domain = registrable_domain(page.final_url)
        for href, text in parsed.links:
            if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
                continue
            url = urljoin(page.final_url, href)
            if urlsplit(url).scheme not in ("http", "https") or registrable_domain(url) != home_domain:
                continue
            if url.rstrip("/") == page.final_url.rstrip("/"):
                continue
            if CONTACT_WORDS.search(urlsplit(url).path) or CONTACT_WORDS.search(text):
                return url
        return None

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str, url: str,
                 data: dict[str, Any] | None = None) -> Finding:
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                       evidence=[Evidence(source="website", url=url if "://" in url else None, retrieved_at=self.now())],
                       data=data or {})
