"""Mail DNS of the buyer's email domain: can it receive mail (MX), and is it protected against
spoofing (SPF, DMARC)?

A company domain with no MX cannot have sent a real reply chain; one with no SPF/DMARC can be
impersonated easily. The lookup function is injectable so tests replay recorded records offline.
A resolver that answers NXDOMAIN for everything (a sandbox, a captive network) must not make every
domain look non-existent: the top-level domain is asked first, and if even that fails the source
is `unavailable`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.resolver

from ..domains import host_of
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import OnlineSource
from ..models import Evidence, Finding, Severity, Status
from ..request import CheckRequest
from .email import is_free_mail


class NoSuchDomain(Exception):
    """The name does not exist (NXDOMAIN)."""


class DnsFailure(Exception):
    """The resolver could not answer (timeout, SERVFAIL, no network)."""


Lookup = Callable[[str, str], Awaitable[list[str]]]


def system_lookup(timeout: float) -> Lookup:
    """A dnspython lookup: record texts, [] for no answer, NoSuchDomain / DnsFailure otherwise."""
    resolver = dns.asyncresolver.Resolver()
    resolver.lifetime = timeout
    resolver.timeout = min(2.0, timeout)

    async def lookup(name: str, rdtype: str) -> list[str]:
        try:
            answer = await resolver.resolve(name, rdtype)
        except dns.resolver.NXDOMAIN:
            raise NoSuchDomain(name) from None
        except dns.resolver.NoAnswer:
            return []
        except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.LifetimeTimeout, OSError) as exc:
            raise DnsFailure(str(exc)) from None
        if rdtype == "TXT":
            return [b"".join(r.strings).decode("utf-8", errors="replace") for r in answer]
        return [r.to_text() for r in answer]

    return lookup


class DnsEmailSource(OnlineSource):
    name = "dns_email"
    needs = ("email",)

    def __init__(self, *args: Any, lookup: Lookup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lookup = lookup

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        domain = host_of(request.email_domain)
        if not domain:
            return []
        if is_free_mail(domain):
            raise SourceSkipped(t("dns.free_mail", domain=domain))
        lookup = self._lookup or system_lookup(max(1.0, self.timeout - 1.0))

        async def ask(name: str, rdtype: str) -> list[str]:
            try:
                return await self.remember(f"{rdtype}:{name}", lambda: lookup(name, rdtype))
            except DnsFailure:
                raise SourceUnavailable(t("dns.failure", domain=domain)) from None

        tld = domain.rsplit(".", 1)[-1] + "."
        try:
            await ask(tld, "NS")
        except NoSuchDomain:
            raise SourceUnavailable(t("dns.failure", domain=domain)) from None
        try:
            mx = await ask(domain, "MX")
        except NoSuchDomain:
            return [self._finding("email.domain_missing", Status.FAIL, Severity.HIGH, t("dns.nxdomain.title", domain=domain),
                                  t("dns.nxdomain.detail"), {"domain": domain})]
        hosts = sorted((_mx_host(r) for r in mx), key=lambda h: h[0])
        real_hosts = [h for _, h in hosts if h and h != "."]
        findings: list[Finding] = []
        if not real_hosts:
            has_address = False
            if not mx:  # RFC 5321: no MX but an address record is an implicit MX
                for rdtype in ("A", "AAAA"):
                    try:
                        has_address = has_address or bool(await ask(domain, rdtype))
                    except NoSuchDomain:
                        pass
            if not has_address:
                findings.append(self._finding("email.no_mx", Status.FLAG, Severity.HIGH, t("dns.no_mx.title", domain=domain),
                                              t("dns.no_mx.detail"), {"domain": domain}))
        spf = [r for r in await self._txt(ask, domain) if r.lower().startswith("v=spf1")]
        dmarc = [r for r in await self._txt(ask, f"_dmarc.{domain}") if r.lower().startswith("v=dmarc1")]
        policy = _dmarc_policy(dmarc[0]) if dmarc else None
        if not spf:
            findings.append(self._finding("email.no_spf", Status.FLAG, Severity.LOW, t("dns.no_spf.title", domain=domain),
                                          t("dns.no_spf.detail"), {"domain": domain}))
        elif any(r.replace("\t", " ").rstrip().endswith(("+all", " all")) for r in spf):
            findings.append(self._finding("email.spf_permissive", Status.FLAG, Severity.MEDIUM,
                                          t("dns.spf_all.title", domain=domain), t("dns.spf_all.detail"), {"spf": spf}))
        if not dmarc:
            findings.append(self._finding("email.no_dmarc", Status.FLAG, Severity.LOW, t("dns.no_dmarc.title", domain=domain),
                                          t("dns.no_dmarc.detail"), {"domain": domain}))
        data = {"domain": domain, "mx": real_hosts, "spf": spf, "dmarc": dmarc, "dmarc_policy": policy}
        summary = t("dns.summary.detail", mx=", ".join(real_hosts) or "-", spf=t("dns.yes") if spf else t("dns.no"),
                    dmarc=policy or (t("dns.no") if not dmarc else "?"))
        status = Status.PASS if real_hosts and spf and dmarc else Status.INFO
        findings.insert(0, self._finding("email.dns", status, Severity.INFO, t("dns.summary.title", domain=domain), summary, data))
        return findings

    @staticmethod
    async def _txt(ask: Callable[[str, str], Awaitable[list[str]]], name: str) -> list[str]:
        try:
            return [r.strip('"') for r in await ask(name, "TXT")]
        except NoSuchDomain:
            return []

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str, data: dict) -> Finding:
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                       evidence=[Evidence(source="DNS", retrieved_at=self.now())], data=data)


def _mx_host(record: str) -> tuple[int, str]:
    parts = record.split()
    if len(parts) >= 2 and parts[0].isdigit():
        host = parts[1].rstrip(".").lower() or "."
        return int(parts[0]), host
    return 0, record.rstrip(".").lower()


def _dmarc_policy(record: str) -> str | None:
    for part in record.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "p":
            return value.strip().lower() or None
    return None
