"""RDAP: when was the buyer's domain registered? A weeks-old domain behind a 'large company' is a
classic fraud sign.

The registry's RDAP server is found through the IANA bootstrap file bundled in `checks/data/`
(refresh it with `python -m checks.sources.rdap --refresh`). Many country registries (.cn, .de,
.ru, .ae, .in, .jp ...) have no RDAP: for them the registry's WHOIS is asked and parsed with
asyncwhois; when that gives no date (DENIC never does) the age is reported as unknown — never guessed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domains import is_free_mail, registrable_domain
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import HttpSource, OnlineSource
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

BOOTSTRAP_FILE = Path(__file__).parents[1] / "data" / "rdap_dns_bootstrap.json"
BOOTSTRAP_URL = "https://data.iana.org/rdap/dns.json"
WhoisQuery = Callable[[str, float], Awaitable[str]]


async def asyncwhois_query(domain: str, timeout: float) -> str:
    """The registry's raw WHOIS answer for `domain` (port 43, server from asyncwhois's table)."""
    from asyncwhois.query import DomainQuery

    chain = await DomainQuery(timeout=max(1, int(timeout)), find_authoritative_server=False).aio_run(domain)
    return chain[-1] if chain else ""


def parse_whois(raw: str, tld: str) -> dict[str, Any]:
    """Registration date, expiry and registrar from a raw WHOIS answer (asyncwhois's TLD parsers)."""
    from asyncwhois.parse_tld import DomainParser

    parsed = {str(getattr(k, "value", k)): v for k, v in DomainParser(ignore_not_found=True).parse(raw, tld).items()}
    created = parsed.get("created")
    if isinstance(created, datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    expires = parsed.get("expires")
    if isinstance(expires, datetime) and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    registrar = parsed.get("registrar") or ""
    return {"registered": created if isinstance(created, datetime) else None,
            "expires": expires if isinstance(expires, datetime) else None,
            "registrar": str(registrar), "nameservers": [str(n).lower() for n in parsed.get("name_servers") or []],
            "status": parsed.get("status") or []}


PARKING_HINTS = ("parking", "sedoparking", "parkingcrew", "bodis", "above.com", "dan.com", "afternic")


@lru_cache(maxsize=1)
def bootstrap() -> dict[str, str]:
    """TLD -> RDAP base URL, from the bundled IANA file (RFC 9224)."""
    data = json.loads(BOOTSTRAP_FILE.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for tlds, urls in data.get("services", []):
        https = [u for u in urls if u.startswith("https://")] or urls
        for tld in tlds:
            table[tld.lower()] = https[0] if https[0].endswith("/") else https[0] + "/"
    return table


def rdap_base(domain: str) -> str | None:
    return bootstrap().get(domain.rsplit(".", 1)[-1].lower())


def parse_domain(data: dict[str, Any]) -> dict[str, Any]:
    """Registration date, expiry, registrar and name servers of an RDAP domain object."""
    events = {e.get("eventAction", "").lower(): e.get("eventDate") for e in data.get("events") or [] if isinstance(e, dict)}
    registrar = ""
    for entity in data.get("entities") or []:
        if "registrar" in (entity.get("roles") or []):
            for item in (entity.get("vcardArray") or [None, []])[1]:
                if item and item[0] == "fn" and item[3]:
                    registrar = str(item[3])
    nameservers = [ns.get("ldhName", "").lower() for ns in data.get("nameservers") or [] if isinstance(ns, dict)]
    return {
        "registered": _date(events.get("registration")),
        "expires": _date(events.get("expiration")),
        "registrar": registrar,
        "nameservers": nameservers,
        "status": data.get("status") or [],
    }


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class RdapSource(OnlineSource):
    name = "rdap"
    needs = ("email", "site")

    def __init__(self, *args: Any, whois: WhoisQuery | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.whois = whois or asyncwhois_query

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        domains = []
        for value in (request.email_domain, request.site):
            domain = registrable_domain(value) if value else None
            if domain and domain not in domains and not is_free_mail(domain):
                domains.append(domain)
        if not domains:
            raise SourceSkipped(ctx.t("rdap.free_mail_only"))
        http = self.http(ctx, headers={"Accept": "application/rdap+json, application/json"})
        findings: list[Finding] = []
        for domain in domains[:2]:
            findings.extend(await self._check(domain, http, ctx))
        return findings

    async def _check(self, domain: str, http: HttpSource, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        base = rdap_base(domain)
        tld = domain.rsplit(".", 1)[-1]
        if base is None:
            info = await self._whois(domain, tld, http, ctx)
            url = None
            if info is None:
                return [self._finding("domain.age_unknown", Status.INFO, Severity.INFO, t("rdap.unknown.title", domain=domain),
                                      t("rdap.unknown.detail", tld=tld), None, {"domain": domain})]
        else:
            url = f"{base}domain/{domain}"
            response = await http.get(url, ok_status=frozenset({200, 404}))
            if response.status_code == 404:
                return [self._finding("domain.unregistered", Status.FLAG, Severity.HIGH, t("rdap.unregistered.title", domain=domain),
                                      t("rdap.unregistered.detail"), url, {"domain": domain})]
            data = http.parse_json(response)
            if not isinstance(data, dict) or data.get("objectClassName") not in (None, "domain"):
                raise SourceUnavailable(t("http.bad_response", source=self.name))
            info = parse_domain(data)
        registered = info["registered"]
        if registered is None:
            return [self._finding("domain.age_unknown", Status.INFO, Severity.INFO, t("rdap.unknown.title", domain=domain),
                                  t("rdap.no_date.detail"), url, {"domain": domain})]
        age_days = (self.now() - registered).days
        facts = {"domain_created": f"{domain}: {registered.date().isoformat()}"}
        data_out = {"domain": domain, "registered": registered.date().isoformat(), "age_days": age_days,
                    "registrar": info["registrar"], "expires": info["expires"].date().isoformat() if info["expires"] else None,
                    "nameservers": info["nameservers"], "facts": facts}
        parked = any(h in ns for ns in info["nameservers"] for h in PARKING_HINTS)
        findings = []
        if age_days < self.settings.domain_young_days:
            severity = Severity.HIGH if age_days < 90 else Severity.MEDIUM
            findings.append(self._finding("domain.young", Status.FLAG, severity,
                                          t("rdap.young.title", domain=domain, days=age_days),
                                          t("rdap.young.detail", date=registered.date().isoformat(),
                                            registrar=info["registrar"] or "-"), url, data_out, section=Section.VERIFICATION))
        else:
            years = age_days // 365
            findings.append(self._finding("domain.age", Status.PASS, Severity.INFO,
                                          t("rdap.age.title", domain=domain, years=years, date=registered.date().isoformat()),
                                          t("rdap.age.detail", registrar=info["registrar"] or "-"), url, data_out,
                                          section=Section.HISTORY))
        if parked:
            findings.append(self._finding("domain.parked", Status.FLAG, Severity.MEDIUM, t("rdap.parked.title", domain=domain),
                                          t("rdap.parked.detail", ns=", ".join(info["nameservers"])), url, {"domain": domain}))
        return findings

    async def _whois(self, domain: str, tld: str, http: HttpSource, ctx: CheckContext) -> dict[str, Any] | None:
        """The registry's WHOIS, for TLDs without RDAP. None when it gives no registration date."""
        remaining = (http.deadline or 0) - time.monotonic() if http.deadline else self.timeout
        if remaining < 1.0:
            return None
        try:
            raw = await self.remember(f"whois:{domain}", lambda: asyncio.wait_for(
                self.whois(domain, remaining - 0.2), timeout=remaining - 0.1))
        except TimeoutError:
            raise SourceUnavailable(ctx.t("http.timeout", source="WHOIS", seconds=f"{self.timeout:g}")) from None
        except OSError:  # no network, refused, reset
            raise SourceUnavailable(ctx.t("http.unreachable", source=f"WHOIS .{tld}")) from None
        except Exception:  # noqa: BLE001 - asyncwhois raises its own errors for unknown servers and bad answers
            return None
        try:
            info = parse_whois(raw, tld)
        except Exception:  # noqa: BLE001 - a parser that chokes means "unknown", not a failed check
            return None
        if info["registered"] is None:
            return None
        info["source"] = "WHOIS"
        return info

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str, url: str | None,
                 data: dict[str, Any], section: Section = Section.VERIFICATION) -> Finding:
        source = "WHOIS" if url is None and data.get("registered") else "RDAP"
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail, section=section,
                       evidence=[Evidence(source=source, url=url, retrieved_at=self.now())], data=data)


def refresh(path: Path = BOOTSTRAP_FILE) -> None:
    """Download the current IANA bootstrap file (by hand, not at check time)."""
    import httpx

    response = httpx.get(BOOTSTRAP_URL, timeout=30)
    response.raise_for_status()
    data = response.json()
    if not data.get("services"):
        raise SystemExit("unexpected bootstrap file")
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data['services'])} services, published {data.get('publication')} -> {path}")


if __name__ == "__main__" and "--refresh" in sys.argv:
    refresh()
