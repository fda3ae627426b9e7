"""The buyer's email address, offline: syntax, free mail, disposable mail, role mailbox.

A buyer writing from gmail.com or qq.com may be a real small importer, but nothing about the
address ties it to a company; a disposable address (mailinator, 10minutemail ...) is made to be
thrown away and has no place in a trade inquiry. Syntax uses email-validator without DNS (the DNS
source asks the network), disposable domains come from the `disposable-email-domains` package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from disposable_email_domains import allowlist as _disposable_allowlist
from disposable_email_domains import blocklist as _disposable_blocklist

from .. import domains
from ..engine import CheckContext, Source
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

DATA = Path(__file__).parents[1] / "data"
FREE_MAIL_EVIDENCE = "bundled free-mail list"
DISPOSABLE_EVIDENCE = "disposable-email-domains"
DISPOSABLE_URL = "https://github.com/disposable-email-domains/disposable-email-domains"


@lru_cache(maxsize=1)
def _free_mail_extra() -> tuple[frozenset[str], frozenset[str]]:
    """(exact domains, brand labels matched under any suffix) from checks/data/free_mail.txt."""
    exact: set[str] = set()
    brands: set[str] = set()
    for line in (DATA / "free_mail.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.endswith(".*"):
            brands.add(line[:-2])
        else:
            exact.add(line)
    return frozenset(exact), frozenset(brands)


@lru_cache(maxsize=1)
def _role_words() -> frozenset[str]:
    lines = (DATA / "role_addresses.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(s for s in (line.split("#", 1)[0].strip().lower() for line in lines) if s)


def is_free_mail(domain: str | None) -> bool:
    """Whether an email domain (or an address) belongs to a free webmail provider.

    The consistency analyzer's core list (`checks.domains`) plus `checks/data/free_mail.txt`, whose
    `brand.*` lines catch the same provider under every country suffix (yahoo.co.th, yandex.kz).
    """
    if not domain:
        return False
    if domains.is_free_mail(domain):
        return True
    host = domains.host_of(domain)
    if not host:
        return False
    exact, brands = _free_mail_extra()
    registrable = domains.registrable_domain(host) or host
    if host in exact or registrable in exact:
        return True
    parts = domains.split_domain(host)
    return parts is not None and parts.label in brands


def is_disposable(domain: str | None) -> bool:
    """Whether the domain (or one of its parents) is a known throw-away mail service."""
    host = domains.host_of(domain)
    if not host or host in _disposable_allowlist:
        return False
    if host in _disposable_blocklist:
        return True
    registrable = domains.registrable_domain(host)
    return bool(registrable) and registrable not in _disposable_allowlist and registrable in _disposable_blocklist


def role_word(local_part: str) -> str | None:
    """The role word when the local part is a shared mailbox (info, sales2, info.dubai); else None."""
    local = local_part.lower()
    words = _role_words()
    if local in words:
        return local
    head = ""
    for char in local:
        if char in "._-+" or char.isdigit():
            break
        head += char
    return head if head and head in words else None


class EmailSource(Source):
    name = "email"
    needs = ("email",)
    timeout = 2.0

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        return check_email(request.email or "", ctx)


def check_email(address: str, ctx: CheckContext) -> list[Finding]:
    # imported on the first address: its RFC patterns take ~20 ms to compile, which a check without one skips
    from email_validator import EmailNotValidError, validate_email

    t = ctx.t
    address = address.strip()
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return [Finding(
            code="email.invalid", status=Status.FAIL, severity=Severity.MEDIUM, section=Section.VERIFICATION,
            title=t("email.invalid.title", email=address[:100]), detail=t("email.invalid.detail", reason=str(exc)),
            evidence=[Evidence(source="email-validator")], data={"email": address[:200], "error": str(exc)},
        )]
    domain = valid.ascii_domain.lower()
    local = valid.local_part
    data = {"email": valid.normalized, "domain": domain}
    findings: list[Finding] = []
    if is_free_mail(domain):  # the curated list wins: the package also blocks real providers (21cn.com)
        findings.append(Finding(
            code="email.free_mail", status=Status.FLAG, severity=Severity.LOW, section=Section.VERIFICATION,
            title=t("email.free_mail.title", domain=domain), detail=t("email.free_mail.detail"),
            evidence=[Evidence(source=FREE_MAIL_EVIDENCE)], data=data,
        ))
    elif is_disposable(domain):
        findings.append(Finding(
            code="email.disposable", status=Status.FAIL, severity=Severity.HIGH, section=Section.VERIFICATION,
            title=t("email.disposable.title", domain=domain), detail=t("email.disposable.detail"),
            evidence=[Evidence(source=DISPOSABLE_EVIDENCE, url=DISPOSABLE_URL)], data=data,
        ))
    role = role_word(local) if not is_free_mail(domain) else None  # at gmail.com "sales.x" is just a user name
    if role:
        findings.append(Finding(
            code="email.role_address", status=Status.INFO, severity=Severity.LOW, section=Section.VERIFICATION,
            title=t("email.role_address.title", email=valid.normalized), detail=t("email.role_address.detail"),
            data={**data, "role": role},
        ))
    if not any(f.code in ("email.disposable", "email.free_mail") for f in findings):
        findings.insert(0, Finding(
            code="email.valid", status=Status.PASS, severity=Severity.INFO, section=Section.VERIFICATION,
            title=t("email.valid.title", email=valid.normalized), data=data,
        ))
    return findings
