"""Is the buyer who it claims to be? One verdict from the email, the website and the registries.

Runs after every source, offline: the look-alike test needs only the bundled list of well-known
company domains, so it works with no network at all. Registry and website findings (when their
sources answered) add official domains (`data["official_domains"]`) and name comparisons
(`data["name_match"]`) to the picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field

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
        claim = _Claim.of(request, report, ctx)
        free = claim.free_mail()
        seen: set[str] = set()
        for field, domain in (("email", claim.email_domain), ("site", claim.site_domain)):
            if not domain or domain in seen or (field == "email" and free):
                continue
            seen.add(domain)
            claim.judge_domain(field, domain)
        claim.young_domain()
        claim.email_against_site(free)
        claim.other_sources()
        claim.verdict()


@dataclass
class _Claim:
    """One check's claim (company, email and web domains) and the reasons for and against it, step by step."""

    request: CheckRequest
    report: Report
    ctx: CheckContext
    company: str
    email_domain: str | None
    site_domain: str | None
    targets: set[str]  # the bundled list's domains for the claimed name
    exact: bool  # the claimed name is exactly a listed company's
    registry_domains: set[str]
    official: set[str]
    compare_to: set[str]  # official, and where the buyer's own site points
    own_words: list[str]
    prof: namematch.NameProfile
    bad: list[str] = _field(default_factory=list)
    good: list[str] = _field(default_factory=list)

    @classmethod
    def of(cls, request: CheckRequest, report: Report, ctx: CheckContext) -> _Claim:
        company = (request.company or "").strip()
        email_domain = registrable_domain(request.email_domain) if request.email_domain else None
        site_domain = registrable_domain(request.site) if request.site else None
        targets, exact = claimed_domains(company)
        registry_domains = set(_official_domains(f for f in report.findings() if not _from_website(f)))
        official = targets | registry_domains
        # where the buyer's own site points (canonical, redirect, links spelled as the name): the real
        # company's domain to compare against, never a vouch for the domains the buyer gave
        linked = set(_official_domains(f for f in report.findings() if _from_website(f))) - {email_domain, site_domain}
        prof = namematch.profile(company, _country_words(request.country),
                                 not request.country or request.country.upper() in namematch.PINYIN_COUNTRIES)
        return cls(request, report, ctx, company, email_domain, site_domain, targets, exact, registry_domains,
                   official, official | linked, name_tokens(company), prof)

    @property
    def evidence(self) -> list[Evidence]:
        return [Evidence(source=BUNDLED)]

    def add(self, finding: Finding) -> None:
        self.report.sections.add(finding)

    def t(self, key: str, **kwargs: object) -> str:
        return self.ctx.t(key, **kwargs)

    # ------------------------------------------------------------------ the steps

    def free_mail(self) -> bool:
        """Free mail for a company: flagged; an accusation when the company's own domains are known."""
        free = bool(self.email_domain) and is_free_mail(self.email_domain)
        if not (free and self.company):
            return free
        company, known = self.company, bool(self.official)
        detail_key = "consistency.free_mail_company.detail_known" if known else "consistency.free_mail_company.detail"
        self.add(Finding(
            code="email.free_mail_for_company", status=Status.FLAG,
            severity=Severity.HIGH if known else Severity.MEDIUM,
            title=self.t("consistency.free_mail_company.title", provider=self.email_domain, company=company),
            detail=self.t(detail_key, company=company, domains=", ".join(sorted(self.official))),
            evidence=self.evidence, data={"provider": self.email_domain, "official_domains": sorted(self.official)},
        ))
        if known:
            self.bad.append(self.t("consistency.reason.free_mail_known", company=company, provider=self.email_domain))
        else:
            self.report.verdict_reasons.append(self.t("consistency.reason.free_mail", provider=self.email_domain))
        return free

    def judge_domain(self, field: str, domain: str) -> None:
        """One domain the buyer gave: official, a look-alike, a lure, an odd ending, the family, or another's."""
        if domain in self.official:
            self._official(field, domain)
            return
        parts = split_domain(domain)
        brand_tld = parts is not None and namematch.brand_tld(parts.suffix, self.prof)
        by_name = namematch.match_label(parts.label, self.prof, parts.suffix) if parts and not brand_tld else None
        spelled = brand_tld or (parts is not None and by_name is not None and by_name.kind == "consistent"
                                and not (self.targets and by_name.extra)  # `siemens-group` is not Siemens's
                                and not _one_slip_from(parts.label, self.compare_to))  # `wellfargo`: a typo
        if not spelled and self._lookalike(field, domain, by_name):
            return
        tld = namematch.unusual_tld(parts.suffix, self.request.country) if parts and not brand_tld else ""
        if tld:
            self._unusual_tld(field, domain, tld, spelled)
        home = parts is not None and _home_country_site(parts, self.official, self.request.country)
        if brand_tld or home:
            # `home.sandvik` (only the brand can register under its own ending), `bosch.de` from a German buyer
            self.good.append(self.t("consistency.reason.family", domain=domain, company=self.company))
        elif spelled:
            if self.compare_to:  # spelled from the claimed name, but not a domain we know for it
                self._unconfirmed(field, domain)
            # else spelled from the buyer's own name: nothing to say against it
        else:
            self._not_the_companys(field, domain)

    def _official(self, field: str, domain: str) -> None:
        company = self.company or domain
        self.good.append(self.t("consistency.reason.official", domain=domain, company=company))
        self.add(Finding(
            code="domain.matches_claim", status=Status.PASS, severity=Severity.INFO,
            title=self.t("consistency.matches_claim.title", domain=domain, company=company),
            evidence=_evidence_for(domain, self.targets, self.registry_domains),
            data={"domain": domain, "field": field},
        ))

    def _lookalike(self, field: str, domain: str, by_name: namematch.NameMatch | None) -> bool:
        """A look-alike of a known domain, of the buyer's own name, or the name plus a lure word: said, True."""
        looks = find_lookalikes(domain, self.compare_to, own_name_words=self.own_words)
        if looks:
            best = looks[0]
            self.add(_lookalike_finding(best, looks, field, self.company, self.exact, self.ctx))
            self.bad.append(self.t("consistency.reason.lookalike", domain=domain, target=best.target))
            return True
        shown_name = namematch.display_name(self.company)
        if by_name is not None and by_name.kind == "lookalike":
            self.add(_name_lookalike_finding(by_name, domain, field, shown_name, self.ctx))
            self.bad.append(self.t("consistency.reason.lookalike_name", domain=domain, company=self.company))
            return True
        if by_name is not None and by_name.kind == "lure":
            self.add(_lure_finding(by_name, domain, field, shown_name, self.ctx))
            self.bad.append(self.t("consistency.reason.lure_word", domain=domain, company=self.company))
            return True
        return False

    def _unusual_tld(self, field: str, domain: str, tld: str, spelled: bool) -> None:
        self.add(Finding(
            code="domain.unusual_tld", status=Status.FLAG, severity=Severity.MEDIUM,
            title=self.t("consistency.unusual_tld.title", domain=domain, tld=tld),
            detail=self.t("consistency.unusual_tld.detail_name" if spelled else "consistency.unusual_tld.detail",
                          domain=domain, tld=tld, company=self.company or domain),
            evidence=[Evidence(source=SOURCE)], data={"domain": domain, "field": field, "tld": tld},
        ))
        self.bad.append(self.t("consistency.reason.unusual_tld", domain=domain, tld=tld))

    def _unconfirmed(self, field: str, domain: str) -> None:
        """Spelled from the claimed name, but not a domain we know for it: a question, not an accusation."""
        company = namematch.display_name(self.company)
        self.add(Finding(
            code="domain.unconfirmed", status=Status.INFO, severity=Severity.INFO,
            title=self.t("consistency.unconfirmed.title", domain=domain, company=company),
            detail=self.t("consistency.unconfirmed.detail", company=company, domains=", ".join(sorted(self.compare_to))),
            evidence=self.evidence,
            data={"domain": domain, "field": field, "official_domains": sorted(self.compare_to)},
        ))

    def _not_the_companys(self, field: str, domain: str) -> None:
        """Another listed company's domain, or a listed company, named exactly, writing from none of its own."""
        company, official = self.company, self.official
        other = well_known().get(domain)
        if other is not None and company and official and not _same_company(self.own_words, other.names):
            self.add(Finding(
                code="domain.other_company", status=Status.FLAG, severity=Severity.HIGH,
                title=self.t("consistency.other_company.title", domain=domain, other=other.names[0]),
                detail=self.t("consistency.other_company.detail", company=company, other=other.names[0],
                              domains=", ".join(sorted(official))),
                evidence=self.evidence, data={"domain": domain, "belongs_to": other.names[0]},
            ))
            self.bad.append(self.t("consistency.reason.other_company", domain=domain, other=other.names[0]))
        elif other is None and self.exact and self.targets and field == "email":
            self.add(Finding(
                code="domain.not_official", status=Status.FLAG, severity=Severity.HIGH,
                title=self.t("consistency.not_official.title", domain=domain, company=company),
                detail=self.t("consistency.not_official.detail", company=company, domains=", ".join(sorted(official))),
                evidence=self.evidence, data={"domain": domain, "official_domains": sorted(official)},
            ))
            self.bad.append(self.t("consistency.reason.not_official", domain=domain, company=company))

    def young_domain(self) -> None:
        domains = {d for d in (self.email_domain, self.site_domain) if d} - self.official
        young = _young_domain_of_old_company(self.report, domains, self.company, self.ctx)
        if young is not None:
            self.add(young)
            self.bad.append(young.title)

    def email_against_site(self, free: bool) -> None:
        email_domain, site_domain = self.email_domain, self.site_domain
        if email_domain and site_domain and not free and email_domain != site_domain:
            if not (email_domain in self.official and site_domain in self.official):
                self.add(Finding(
                    code="domain.mismatch", status=Status.FLAG, severity=Severity.MEDIUM,
                    title=self.t("consistency.mismatch.title", email_domain=email_domain, site_domain=site_domain),
                    detail=self.t("consistency.mismatch.detail"),
                    evidence=[Evidence(source=SOURCE)],
                    data={"email_domain": email_domain, "site_domain": site_domain},
                ))
                self.bad.append(self.t("consistency.reason.mismatch", email_domain=email_domain,
                                       site_domain=site_domain))
        elif email_domain and email_domain == site_domain:
            self.good.append(self.t("consistency.reason.same_domain", domain=email_domain))

    def other_sources(self) -> None:
        """What the website and the registries said about the name."""
        codes = self.report.codes()
        if WEBSITE_NAME_MISSING in codes:
            self.bad.append(self.t("consistency.reason.site_without_name", company=self.company))
        if WEBSITE_NAME_FOUND in codes:
            self.good.append(self.t("consistency.reason.site_with_name", company=self.company))
        for finding in self.report.findings():
            if finding.code == REGISTRY_NAME_MISMATCH:
                self.bad.append(self.t("consistency.reason.registry_name", registry=finding.data.get("registry", ""),
                                       name=finding.data.get("registry_name", "")))

    def verdict(self) -> None:
        report = self.report
        strong_good = any(f.code == "domain.matches_claim" for f in report.findings()) or (
            self.email_domain is not None and self.email_domain == self.site_domain
            and WEBSITE_NAME_FOUND in report.codes()
        )
        if self.bad:
            report.verdict = "inconsistent"
            report.verdict_reasons = self.bad + report.verdict_reasons
        elif strong_good:
            report.verdict = "consistent"
            report.verdict_reasons = self.good + report.verdict_reasons
        else:
            report.verdict = "unknown"
            if not report.verdict_reasons:
                report.verdict_reasons = self.good or [self.t(_missing_key(self.request))]
            else:
                report.verdict_reasons = self.good + report.verdict_reasons


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
