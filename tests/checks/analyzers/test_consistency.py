"""The identity verdict and look-alike detection: offline, on the bundled well-known domains."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from checks.analyzers.consistency import ConsistencyAnalyzer
from checks.analyzers.lookalike import find_lookalikes, skeleton
from checks.analyzers.profile import ProfileAnalyzer
from checks.config import Settings
from checks.domains import claimed_domains, is_free_mail, registrable_domain, well_known
from checks.engine import CheckContext, subject_of
from checks.http import reset_transport, use_transport
from checks.models import Evidence, Finding, Report, Section, Status
from checks.request import CheckRequest, parse


def analyze(text_or_request, lang: str = "en", extra: list[Finding] = ()) -> Report:
    request = parse(text_or_request) if isinstance(text_or_request, str) else text_or_request
    report = Report(subject=subject_of(request))
    for finding in extra:
        report.sections.add(finding)
    ConsistencyAnalyzer().analyze(request, report, CheckContext.for_lang(lang))
    return report


def test_bundled_list_is_broad_and_offline():
    known = well_known()
    assert len(known) > 900
    assert {"siemens.com", "walmart.com", "toyota-global.com", "huawei.com", "ford.com"} <= set(known)
    assert registrable_domain("https://procurement.siemens-trading.co.uk/x") == "siemens-trading.co.uk"


@pytest.mark.parametrize("domain, target, kind", [
    ("siemens-trading.com", "siemens.com", "added_word"),
    ("official-basf.com", "basf.com", "added_word"),
    ("samsungglobal.com", "samsung.com", "added_word"),
    ("slemens.com", "siemens.com", "homoglyph"),
    ("b0sch.com", "bosch.com", "homoglyph"),
    ("rnaersk.com", "maersk.com", "homoglyph"),
    ("xn--sieens-7ta.com", None, None),  # an IDN is decoded before comparing (no crash)
    ("mitsubishicorp.co", "mitsubishicorp.com", "other_tld"),
    ("toyota-gloabl.com", "toyota-global.com", "typo"),
    ("hyundai-group.com", "hyundai.com", "added_word"),
])
def test_lookalikes_of_well_known_domains_without_a_claim(domain, target, kind):
    found = find_lookalikes(domain)
    if target is None:
        return
    assert found and found[0].target == target and found[0].kind == kind


def test_cyrillic_homoglyph():
    assert skeleton("siеmens") == skeleton("siemens")  # Cyrillic е
    assert find_lookalikes("xn--simens-3fg.com") or True  # decoding must not crash


@pytest.mark.parametrize("domain", ["siemens.com", "acme-trading.ae", "goldenstar.ae", "zjqm-valve.cn", "gmail.com",
                                    "delta-faucet.in", "arrow.in", "garden.in"])
def test_real_or_unrelated_domains_are_not_lookalikes(domain):
    own = {"delta-faucet.in": ["delta", "faucet"], "arrow.in": ["arrow", "textiles"], "garden.in": ["garden", "silk"]}
    assert find_lookalikes(domain, own_name_words=own.get(domain, [])) == []


def test_own_name_is_not_taken_for_a_typo_of_a_big_brand():
    # "Siemenz Metals" on siemenz.com: one letter from siemens.com, but it is the buyer's own name
    assert find_lookalikes("siemenz.com", own_name_words=["siemenz", "metals"]) == []
    assert find_lookalikes("siemenz.com")[0].target == "siemens.com"
    assert find_lookalikes("s1emenz.com", own_name_words=["s1emenz"]) == []  # digits, but no exact glyph match either


def test_the_acceptance_example_offline():
    report = analyze("Siemens AG email=procurement@siemens-trading.com site=siemens-trading.com")
    assert report.verdict == "inconsistent"
    look = [f for f in report.findings() if f.code == "domain.lookalike"]
    assert len(look) == 1 and look[0].data["target"] == "siemens.com" and look[0].severity.value == "critical"


def test_real_domain_is_consistent():
    report = analyze("Siemens AG email=j.mueller@siemens.com site=www.siemens.com")
    assert report.verdict == "consistent" and not report.problems()


def test_free_mail_for_a_well_known_company_in_chinese():
    report = analyze("Walmart email=walmart.purchasing@outlook.com lang=zh", lang="zh")
    finding = next(f for f in report.findings() if f.code == "email.free_mail_for_company")
    assert finding.severity.value == "high" and "免费邮箱" in finding.title
    assert report.verdict == "inconsistent" and "outlook.com" in report.verdict_reasons[0]


def test_free_mail_for_an_unknown_company_is_medium_and_verdict_unknown():
    report = analyze("Golden Star Trading LLC email=goldenstar.trading@gmail.com country=AE")
    finding = next(f for f in report.findings() if f.code == "email.free_mail_for_company")
    assert finding.severity.value == "medium" and report.verdict == "unknown"


def test_email_and_site_on_different_domains():
    report = analyze("ACME Trading LLC email=j@acme.ae site=acme-trading.ae")
    assert "domain.mismatch" in report.codes() and report.verdict == "inconsistent"


def test_domain_of_another_well_known_company():
    report = analyze("Siemens AG email=buyer@bosch.com")
    assert "domain.other_company" in report.codes()


def test_registry_official_domain_and_website_name_make_it_consistent():
    wikidata = Finding(code="wikidata.company", status=Status.INFO, title="Wikidata: Golden Star", section=Section.PROFILE,
                       evidence=[Evidence(source="Wikidata")], data={"official_domains": ["goldenstar.ae"]})
    report = analyze("Golden Star Trading LLC email=li@goldenstar.ae site=goldenstar.ae", extra=[wikidata])
    assert report.verdict == "consistent"
    site_ok = Finding(code="website.name_found", status=Status.PASS, title="named", evidence=[Evidence(source="website")])
    report = analyze("Nameless Co email=li@nameless.ae site=nameless.ae", extra=[site_ok])
    assert report.verdict == "consistent"


def test_registry_name_mismatch_makes_it_inconsistent():
    mismatch = Finding(code="registry.name_mismatch", status=Status.FLAG, title="x", evidence=[Evidence(source="VIES")],
                       data={"registry": "VIES", "registry_name": "ČEZ, a. s."})
    report = analyze("Prague Steel s.r.o. email=a@praguesteel.cz site=praguesteel.cz", extra=[mismatch])
    assert report.verdict == "inconsistent" and "ČEZ" in report.verdict_reasons[0]


def test_nothing_to_compare_is_unknown():
    report = analyze("Golden Star Trading LLC")
    assert report.verdict == "unknown" and report.verdict_reasons


def test_claim_resolution():
    assert claimed_domains("Siemens AG") == ({"siemens.com"}, True)
    assert claimed_domains("Siemens Trading GmbH")[0] == {"siemens.com"}
    assert claimed_domains("Golden Star Trading LLC") == (set(), False)
    assert is_free_mail("x@qq.com") and not is_free_mail("x@siemens.com")


def test_profile_gathers_facts_with_their_sources():
    gleif = Finding(code="lei.found", status=Status.PASS, title="g", evidence=[Evidence(source="GLEIF", url="https://g")],
                    data={"facts": {"legal_name": "SIEMENS AKTIENGESELLSCHAFT", "parent": "Siemens Holding"}})
    wiki = Finding(code="wikidata.company", status=Status.INFO, title="w", evidence=[Evidence(source="Wikidata")],
                   data={"facts": {"legal_name": "Siemens AG", "founded": "1847-10-01", "employees": 320000}})
    report = Report(subject=subject_of(CheckRequest(company="Siemens AG")))
    report.sections.add(gleif)
    report.sections.add(wiki)
    from datetime import date

    ProfileAnalyzer(today=date(2026, 11, 30)).analyze(CheckRequest(company="Siemens AG"), report, CheckContext.for_lang("en"))
    profile = {f.code: f for f in report.sections.profile}
    assert profile["profile.legal_name"].data["agree"] is True
    assert {e.source for e in profile["profile.legal_name"].evidence} == {"GLEIF", "Wikidata"}
    assert profile["profile.founded"].title == "Founded: 1847-10-01 (179 y)"
    assert profile["profile.employees"].title == "Employees: 320,000"
    assert profile["profile.parent"].title == "Parent company: Siemens Holding"


async def test_whole_check_without_network_is_fast_and_still_flags_the_lookalike():
    """The acceptance run: no network at all — every online source unavailable, the look-alike still found."""
    from checks.engine import Engine
    from checks.netguard import FetchRefused
    from checks.registry import analyzers, online_sources
    from checks.sources.dns_email import DnsFailure

    settings = Settings(TRADECHECK_SOURCE_TIMEOUT=8, COMPANIES_HOUSE_API_KEY=None)

    def no_network(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-3, "Temporary failure in name resolution")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request) from exc

    async def no_dns(name: str, rdtype: str) -> list[str]:
        raise DnsFailure("no network")

    async def no_resolver(host: str) -> list[str]:
        raise FetchRefused("netguard.no_such_host", host=host)

    sources = online_sources(settings)
    for source in sources:
        if source.name == "dns_email":
            source._lookup = no_dns
        if source.name == "website":
            source.resolver = no_resolver
    token = use_transport(httpx.MockTransport(no_network))
    try:
        started = time.monotonic()
        request = parse('Siemens AG email=procurement@siemens-trading.com site=siemens-trading.com vat=DE811115368 country=DE')
        report = await Engine(sources, analyzers(settings)).run(request)
        elapsed = time.monotonic() - started
    finally:
        reset_transport(token)
    assert elapsed < settings.source_timeout + 2
    statuses = {r.name: r.status.value for r in report.sources}
    applicable = {"dns_email", "rdap", "website", "gleif", "vies", "sec_edgar", "wikidata", "gdelt"}
    assert all(statuses[name] == "unavailable" for name in applicable), statuses
    assert statuses["companies_house"] == "skipped"
    assert "domain.lookalike" in report.codes() and report.verdict == "inconsistent"


def test_exact_claim_of_a_well_known_company_from_an_unrelated_domain():
    report = analyze("Siemens AG email=hans@eurotech-supplies.de")
    codes = report.codes()
    assert "domain.not_official" in codes and report.verdict == "inconsistent"
    assert report.verdict_reasons == ["claims to be Siemens AG but writes from eurotech-supplies.de"]
    # an unknown company on its own domain is not flagged
    assert "domain.not_official" not in analyze("Eurotech Supplies GmbH email=hans@eurotech-supplies.de").codes()


@pytest.mark.parametrize("text, asks", [
    ("Kestrel Supplies Ltd", "email and website"),
    ("Kestrel Supplies Ltd email=p@kestrel-supplies.co.uk", "website too"),
    ("Kestrel Supplies Ltd site=kestrel-supplies.co.uk", "company email too"),
    ("Kestrel Supplies Ltd email=p@kestrel-supplies.co.uk site=kestrel-supplies.co.uk", "same domain"),
])
def test_an_undecided_verdict_asks_only_for_what_is_missing(text: str, asks: str) -> None:
    report = analyze(text)
    assert report.verdict == "unknown" and asks in report.verdict_reasons[0]
