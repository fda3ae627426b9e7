"""Is the buyer who it claims to be? One verdict from the email, the website and the registries.

Runs after every source, offline: the look-alike test needs only the bundled list of well-known
company domains, so it works with no network at all. Registry and website findings (when their
sources answered) add official domains (`data["official_domains"]`) and name comparisons
(`data["name_match"]`) to the picture.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import countries
from ..domains import DomainParts, claimed_domains, name_tokens, registrable_domain, split_domain, well_known
from ..engine import Analyzer, CheckContext
from ..models import Evidence, Finding, Report, Severity, Status
from ..request import CheckRequest
from ..sources.email import is_free_mail  # the core list plus every country suffix of the big providers
from . import namematch
from .lookalike import Lookalike, find_lookalikes

SOURCE = "consistency"
BUNDLED = "bundled well-known company domains"

# codes that other sources emit and this analyzer reads
WEBSITE_NAME_FOUND = "website.name_found"
WEBSITE_NAME_MISSING = "website.name_missing"
REGISTRY_NAME_MISMATCH = "registry.name_mismatch"


class ConsistencyAnalyzer(Analyzer):
    name = "consistency"

    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        t = ctx.t
        company = (request.company or "").strip()
        email_domain = registrable_domain(request.email_domain) if request.email_domain else None
        site_domain = registrable_domain(request.site) if request.site else None
        targets, exact = claimed_domains(company)
        registry_domains = set(_official_domains(f for f in report.findings() if not _from_website(f)))
        official = targets | registry_domains
        # where the buyer's own site points (canonical, redirect, links spelled as the name): the real
        # company's domain to compare against, never a vouch for the domains the buyer gave
        linked = set(_official_domains(f for f in report.findings() if _from_website(f))) - {email_domain, site_domain}
        compare_to = official | linked
        own_words = name_tokens(company)
        prof = namematch.profile(company, _country_words(request.country),
                                 not request.country or request.country.upper() in namematch.PINYIN_COUNTRIES)
        bad: list[str] = []
        good: list[str] = []
        evidence = [Evidence(source=BUNDLED)]

        def add(finding: Finding) -> None:
            report.sections.add(finding)

        free = bool(email_domain) and is_free_mail(email_domain)
        if free and company:
            known = bool(official)
            severity = Severity.HIGH if known else Severity.MEDIUM
            detail_key = "consistency.free_mail_company.detail_known" if known else "consistency.free_mail_company.detail"
            add(Finding(
                code="email.free_mail_for_company", status=Status.FLAG, severity=severity,
                title=t("consistency.free_mail_company.title", provider=email_domain, company=company),
                detail=t(detail_key, company=company, domains=", ".join(sorted(official))),
                evidence=evidence, data={"provider": email_domain, "official_domains": sorted(official)},
            ))
            if known:
                bad.append(t("consistency.reason.free_mail_known", company=company, provider=email_domain))
            else:
                report.verdict_reasons.append(t("consistency.reason.free_mail", provider=email_domain))

        seen: set[str] = set()
        for field, domain in (("email", email_domain), ("site", site_domain)):
            if not domain or domain in seen or (field == "email" and free):
                continue
            seen.add(domain)
            if domain in official:
                good.append(t("consistency.reason.official", domain=domain, company=company or domain))
                add(Finding(
                    code="domain.matches_claim", status=Status.PASS, severity=Severity.INFO,
                    title=t("consistency.matches_claim.title", domain=domain, company=company or domain),
                    evidence=_evidence_for(domain, targets, registry_domains),
                    data={"domain": domain, "field": field},
                ))
                continue
            parts = split_domain(domain)
            brand_tld = parts is not None and namematch.brand_tld(parts.suffix, prof)
            by_name = namematch.match_label(parts.label, prof, parts.suffix) if parts and not brand_tld else None
            spelled = brand_tld or (parts is not None and by_name is not None and by_name.kind == "consistent"
                                    and not (targets and by_name.extra)  # `siemens-group` is not Siemens's
                                    and not _one_slip_from(parts.label, compare_to))  # `wellfargo`: a typo
            looks = [] if spelled else find_lookalikes(domain, compare_to, own_name_words=own_words)
            if looks:
                best = looks[0]
                add(_lookalike_finding(best, looks, field, company, exact, ctx))
                bad.append(t("consistency.reason.lookalike", domain=domain, target=best.target))
                continue
            if by_name is not None and by_name.kind == "lookalike":
                add(_name_lookalike_finding(by_name, domain, field, namematch.display_name(company), ctx))
                bad.append(t("consistency.reason.lookalike_name", domain=domain, company=company))
                continue
            if by_name is not None and by_name.kind == "lure":
                add(_lure_finding(by_name, domain, field, namematch.display_name(company), ctx))
                bad.append(t("consistency.reason.lure_word", domain=domain, company=company))
                continue
            tld = namematch.unusual_tld(parts.suffix, request.country) if parts and not brand_tld else ""
            if tld:
                add(Finding(
                    code="domain.unusual_tld", status=Status.FLAG, severity=Severity.MEDIUM,
                    title=t("consistency.unusual_tld.title", domain=domain, tld=tld),
                    detail=t("consistency.unusual_tld.detail_name" if spelled else "consistency.unusual_tld.detail",
                             domain=domain, tld=tld, company=company or domain),
                    evidence=[Evidence(source=SOURCE)], data={"domain": domain, "field": field, "tld": tld},
                ))
                bad.append(t("consistency.reason.unusual_tld", domain=domain, tld=tld))
            home = parts is not None and _home_country_site(parts, official, request.country)
            if brand_tld or home:
                # `home.sandvik` (only the brand can register under its own ending), `bosch.de` from a German buyer
                good.append(t("consistency.reason.family", domain=domain, company=company))
                continue
            if spelled and compare_to and domain not in official:
                # spelled from the claimed name, but not a domain we know for it: a question, not an accusation
                add(Finding(
                    code="domain.unconfirmed", status=Status.INFO, severity=Severity.INFO,
                    title=t("consistency.unconfirmed.title", domain=domain, company=namematch.display_name(company)),
                    detail=t("consistency.unconfirmed.detail", company=namematch.display_name(company),
                             domains=", ".join(sorted(compare_to))),
                    evidence=evidence, data={"domain": domain, "field": field, "official_domains": sorted(compare_to)},
                ))
                continue
            if spelled:
                continue  # spelled from the buyer's own name: nothing to say against it
            other = well_known().get(domain)
            if other is not None and company and official and not _same_company(own_words, other.names):
                add(Finding(
                    code="domain.other_company", status=Status.FLAG, severity=Severity.HIGH,
                    title=t("consistency.other_company.title", domain=domain, other=other.names[0]),
                    detail=t("consistency.other_company.detail", company=company, other=other.names[0],
                             domains=", ".join(sorted(official))),
                    evidence=evidence, data={"domain": domain, "belongs_to": other.names[0]},
                ))
                bad.append(t("consistency.reason.other_company", domain=domain, other=other.names[0]))
            elif other is None and exact and targets and field == "email":
                # a well-known company, named exactly, writing from a domain that is none of its own
                add(Finding(
                    code="domain.not_official", status=Status.FLAG, severity=Severity.HIGH,
                    title=t("consistency.not_official.title", domain=domain, company=company),
                    detail=t("consistency.not_official.detail", company=company, domains=", ".join(sorted(official))),
                    evidence=evidence, data={"domain": domain, "official_domains": sorted(official)},
                ))
                bad.append(t("consistency.reason.not_official", domain=domain, company=company))

        young = _young_domain_of_old_company(report, {d for d in (email_domain, site_domain) if d} - official, company, ctx)
        if young is not None:
            add(young)
            bad.append(young.title)

        if email_domain and site_domain and not free and email_domain != site_domain:
            if not (email_domain in official and site_domain in official):
                add(Finding(
                    code="domain.mismatch", status=Status.FLAG, severity=Severity.MEDIUM,
                    title=t("consistency.mismatch.title", email_domain=email_domain, site_domain=site_domain),
                    detail=t("consistency.mismatch.detail"),
                    evidence=[Evidence(source=SOURCE)],
                    data={"email_domain": email_domain, "site_domain": site_domain},
                ))
                bad.append(t("consistency.reason.mismatch", email_domain=email_domain, site_domain=site_domain))
        elif email_domain and email_domain == site_domain:
            good.append(t("consistency.reason.same_domain", domain=email_domain))

        codes = report.codes()
        if WEBSITE_NAME_MISSING in codes:
            bad.append(t("consistency.reason.site_without_name", company=company))
        if WEBSITE_NAME_FOUND in codes:
            good.append(t("consistency.reason.site_with_name", company=company))
        for finding in report.findings():
            if finding.code == REGISTRY_NAME_MISMATCH:
                bad.append(t("consistency.reason.registry_name", registry=finding.data.get("registry", ""),
                             name=finding.data.get("registry_name", "")))

        strong_good = any(f.code == "domain.matches_claim" for f in report.findings()) or (
            email_domain is not None and email_domain == site_domain and WEBSITE_NAME_FOUND in codes
        )
        if bad:
            report.verdict = "inconsistent"
            report.verdict_reasons = bad + report.verdict_reasons
        elif strong_good:
            report.verdict = "consistent"
            report.verdict_reasons = good + report.verdict_reasons
        else:
            report.verdict = "unknown"
            if not report.verdict_reasons:
                report.verdict_reasons = good or [t(_missing_key(request))]
            else:
                report.verdict_reasons = good + report.verdict_reasons


def _lookalike_finding(
    best: Lookalike, looks: list[Lookalike], field: str, company: str, exact: bool, ctx: CheckContext
) -> Finding:
    known = well_known().get(best.target)
    target_name = known.names[0] if known else best.target
    if best.kind == "other_tld":
        severity = Severity.MEDIUM
    elif best.claimed and exact:
        severity = Severity.CRITICAL
    else:
        severity = Severity.HIGH
    return Finding(
        code="domain.lookalike", status=Status.FLAG, severity=severity,
        title=ctx.t("consistency.lookalike.title", domain=best.candidate, target=best.target),
        detail=ctx.t(f"consistency.lookalike.kind.{best.kind}", domain=best.candidate, target=best.target,
                     name=target_name)
        + " " + ctx.t("consistency.lookalike.advice", target=best.target),
        evidence=[Evidence(source=BUNDLED if not best.claimed or known else SOURCE)],
        data={
            "domain": best.candidate, "field": field, "target": best.target, "kind": best.kind,
            "target_company": target_name, "claimed": best.claimed,
            "others": [look.target for look in looks[1:5]],
        },
    )


_EDIT_KEYS = {"omission", "insertion", "repetition", "transposition", "replacement", "vowel_swap", "bit_flip",
              "digit", "homoglyph", "idn_homoglyph", "hyphen", "dot_dropped", "plural"}


def _name_lookalike_finding(match: namematch.NameMatch, domain: str, field: str, company: str,
                            ctx: CheckContext) -> Finding:
    """`hapag-lolyd.com` for Hapag-Lloyd: the buyer's own name, almost."""
    edit = match.edit if match.edit in _EDIT_KEYS else "replacement"
    letters = match.detail
    shown = _shown(domain)
    return Finding(
        code="domain.lookalike_name", status=Status.FLAG, severity=Severity.HIGH,
        title=ctx.t("consistency.lookalike_name.title", domain=shown, company=company),
        detail=ctx.t(f"consistency.lookalike_name.edit.{edit}", domain=shown, company=company, form=match.form,
                     a=letters[:1], b=letters[1:2], letters=letters)
        + ("" if ctx.lang == "zh" else " ") + ctx.t("consistency.lookalike_name.advice", company=company),
        evidence=[Evidence(source=SOURCE)],
        data={"domain": domain, "field": field, "edit": edit, "reads_as": match.form, "letters": letters,
              "company": company},
    )


def _one_slip_from(label: str, official: set[str]) -> bool:
    """The label is one typing slip from an official domain's label (and not the same)."""
    from rapidfuzz.distance import OSA

    plain = label.replace("-", "")
    for domain in official:
        parts = split_domain(domain)
        if parts is None:
            continue
        other = parts.label.replace("-", "")
        if plain != other and len(other) >= 4 and OSA.distance(plain, other, score_cutoff=1) <= 1:
            return True
    return False


def _shown(domain: str) -> str:
    """`xn--sfricom-8va21a.co.ke` as the reader sees it: `sàāfricom.co.ke (xn--sfricom-8va21a.co.ke)`."""
    if "xn--" not in domain:
        return domain
    from ..domains import unicode_label

    readable = ".".join(unicode_label(part) for part in domain.split("."))
    return f"{readable} ({domain})" if readable != domain else domain


def _lure_finding(match: namematch.NameMatch, domain: str, field: str, company: str, ctx: CheckContext) -> Finding:
    """`scania-payments.com`: the name plus a word that asks for money, passwords or orders."""
    words = ", ".join(match.lures)
    return Finding(
        code="domain.lure_word", status=Status.FLAG, severity=Severity.HIGH if match.strong_lure else Severity.MEDIUM,
        title=ctx.t("consistency.lure_word.title", domain=domain, company=company, words=words),
        detail=ctx.t("consistency.lure_word.detail_strong" if match.strong_lure else "consistency.lure_word.detail",
                     domain=domain, company=company, words=words),
        evidence=[Evidence(source=SOURCE)],
        data={"domain": domain, "field": field, "lure_words": list(match.lures), "strong": match.strong_lure,
              "company": company},
    )


OLD_COMPANY_YEARS = 10


def _young_domain_of_old_company(report: Report, domains: set[str], company: str, ctx: CheckContext) -> Finding | None:
    """RDAP says the buyer's domain is weeks old, a registry says the company is decades old: not its domain."""
    founded: list[str] = []
    for finding in report.findings():
        value = (finding.data.get("facts") or {}).get("founded") if isinstance(finding.data.get("facts"), dict) else None
        if value and str(value)[:4].isdigit():
            founded.append(str(value)[:10])
    if not founded or not company:
        return None
    oldest = min(founded)
    for finding in report.findings():
        if finding.code != "domain.young" or finding.data.get("domain") not in domains:
            continue
        registered = str(finding.data.get("registered") or "")
        if not registered[:4].isdigit() or int(registered[:4]) - int(oldest[:4]) < OLD_COMPANY_YEARS:
            continue
        return Finding(
            code="domain.younger_than_company", status=Status.FLAG, severity=Severity.HIGH,
            title=ctx.t("consistency.younger.title", domain=finding.data["domain"], registered=registered,
                        company=company, founded=oldest[:4]),
            detail=ctx.t("consistency.younger.detail", company=company, domain=finding.data["domain"]),
            evidence=list(finding.evidence), data={"domain": finding.data["domain"], "registered": registered,
                                                   "founded": oldest, "company": company},
        )
    return None


def _home_country_site(parts: DomainParts, official: set[str], country: str | None) -> bool:
    """The label of an official domain under the claimed country's own ending: `bosch.de` for a German buyer."""
    if not country or not official:
        return False
    tld = parts.suffix.rsplit(".", 1)[-1]
    if tld != country.lower() and not (tld == "uk" and country.upper() == "GB"):
        return False
    labels = {p.label for p in (split_domain(d) for d in official) if p is not None}
    return parts.label in labels


def _country_words(country: str | None) -> tuple[str, ...]:
    """The home country's code and English name words: `cn`, `china` may sit in a real domain."""
    if not country:
        return ()
    words = {country.lower()}
    words.update(w for w in namematch.anyascii(countries.name_of(country, "en")).lower().split() if len(w) >= 3)
    if country.upper() == "GB":
        words.add("uk")
    return tuple(sorted(words))


def _official_domains(findings: Iterable[Finding]) -> Iterable[str]:
    """Official web domains that registry sources (GLEIF, Wikidata, registries) reported."""
    for finding in findings:
        for value in finding.data.get("official_domains", []) or []:
            domain = registrable_domain(str(value))
            if domain and not is_free_mail(domain):
                yield domain


def _from_website(finding: Finding) -> bool:
    return finding.code.startswith("website.")


def _evidence_for(domain: str, bundled: set[str], registry: set[str]) -> list[Evidence]:
    evidence = []
    if domain in bundled:
        evidence.append(Evidence(source=BUNDLED))
    if domain in registry:
        evidence.append(Evidence(source="registry"))
    return evidence


def _same_company(own_words: list[str], names: Iterable[str]) -> bool:
    own = set(own_words)
    if not own:
        return False
    return any(own <= set(name_tokens(name)) or set(name_tokens(name)) <= own for name in names)


def _missing_key(request: CheckRequest) -> str:
    """What would let the next check tell: ask only for what the buyer has not given yet."""
    has_email = bool(request.email) and not is_free_mail(request.email_domain)
    if has_email and not request.site:
        return "consistency.reason.need_site"
    if request.site and not has_email:
        return "consistency.reason.need_email"
    return "consistency.reason.nothing"
