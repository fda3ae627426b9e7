"""Mail DNS on recorded records (proton.me, from checkdmarc's documented output), and failure paths."""

from __future__ import annotations

import pytest

from checks.engine import SourceSkipped, SourceUnavailable
from checks.request import CheckRequest
from checks.sources.dns_email import DnsEmailSource, DnsFailure, NoSuchDomain

from .conftest import fixture_json

RECORDS = fixture_json("dns_email", "dns_records_proton.me.json")


def recorded(zones: dict[tuple[str, str], list[str]], missing: set[str] = frozenset()):
    async def lookup(name: str, rdtype: str) -> list[str]:
        if name in missing:
            raise NoSuchDomain(name)
        if name.endswith(".") and rdtype == "NS":
            return ["a.gtld-servers.net."]  # the TLD exists
        return zones.get((name, rdtype), [])

    return lookup


def proton_zone(domain: str = "proton.me") -> dict[tuple[str, str], list[str]]:
    return {
        (domain, "MX"): [f"{pref} {host}" for pref, host in RECORDS["MX"]],
        (domain, "TXT"): RECORDS["TXT"],
        (f"_dmarc.{domain}", "TXT"): RECORDS["_dmarc.TXT"],
    }


async def test_recorded_domain_with_mx_spf_dmarc(settings, ctx):
    # proton.me is itself free mail (skipped below), so its real records are served for a company domain
    source = DnsEmailSource(settings, lookup=recorded(proton_zone("acme-industrial.example")))
    findings = await source.run(CheckRequest(company="ACME Industrial", email="sales@acme-industrial.example"), ctx)
    assert [f.code for f in findings] == ["email.dns"]
    data = findings[0].data
    assert data["mx"] == ["mail.protonmail.ch", "mailsec.protonmail.ch"]
    assert data["dmarc_policy"] == "quarantine" and findings[0].status.value == "pass"


async def test_no_mx_no_spf_no_dmarc(settings, ctx):
    source = DnsEmailSource(settings, lookup=recorded({}))
    findings = await source.run(CheckRequest(company="X", email="j@acme-trading.ae"), ctx)
    assert {f.code for f in findings} == {"email.dns", "email.no_mx", "email.no_spf", "email.no_dmarc"}


async def test_null_mx_means_no_mail(settings, ctx):
    zone = proton_zone("acme.example")
    zone[("acme.example", "MX")] = ["0 ."]
    findings = await DnsEmailSource(settings, lookup=recorded(zone)).run(CheckRequest(email="a@acme.example"), ctx)
    assert "email.no_mx" in {f.code for f in findings}


async def test_address_record_is_an_implicit_mx(settings, ctx):
    zone = {("acme.example", "A"): ["93.184.215.14"]}
    findings = await DnsEmailSource(settings, lookup=recorded(zone)).run(CheckRequest(email="a@acme.example"), ctx)
    assert "email.no_mx" not in {f.code for f in findings}


async def test_nonexistent_domain(settings, ctx):
    source = DnsEmailSource(settings, lookup=recorded({}, missing={"siemens-trading.com"}))
    findings = await source.run(CheckRequest(email="p@siemens-trading.com"), ctx)
    assert [f.code for f in findings] == ["email.domain_missing"]


async def test_resolver_that_knows_nothing_is_unavailable_not_nxdomain(settings, ctx):
    async def sandbox(name: str, rdtype: str) -> list[str]:
        raise NoSuchDomain(name)  # what a resolver without upstream answers for everything

    with pytest.raises(SourceUnavailable):
        await DnsEmailSource(settings, lookup=sandbox).run(CheckRequest(email="p@siemens.com"), ctx)


async def test_resolver_failure_is_unavailable(settings, ctx):
    async def broken(name: str, rdtype: str) -> list[str]:
        raise DnsFailure("timeout")

    with pytest.raises(SourceUnavailable):
        await DnsEmailSource(settings, lookup=broken).run(CheckRequest(email="p@acme.example"), ctx)


async def test_free_mail_is_skipped(settings, ctx):
    with pytest.raises(SourceSkipped):
        await DnsEmailSource(settings, lookup=recorded({})).run(CheckRequest(email="p@gmail.com"), ctx)


async def test_records_are_kept_for_the_cache_time_but_failures_are_not(ctx):
    from checks.config import Settings
    from checks.http import TTLCache

    asked: list[tuple[str, str]] = []
    answer = recorded(proton_zone("acme-industrial.example"))
    failing = {"on": True}

    async def lookup(name: str, rdtype: str) -> list[str]:
        asked.append((name, rdtype))
        if failing["on"] and rdtype == "MX":
            raise DnsFailure("resolver timed out")
        return await answer(name, rdtype)

    source = DnsEmailSource(Settings(TRADECHECK_CACHE_TTL=3600), lookup=lookup, cache=TTLCache())
    request = CheckRequest(email="buyer@acme-industrial.example")
    with pytest.raises(SourceUnavailable):
        await source.run(request, ctx)
    failing["on"] = False
    first = await source.run(request, ctx)
    count = len(asked)
    second = await source.run(request, ctx)
    assert [f.code for f in first] == [f.code for f in second] and len(asked) == count  # nothing asked again
    assert asked.count(("acme-industrial.example", "MX")) == 2  # the failure was not kept
