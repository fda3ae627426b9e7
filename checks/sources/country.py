"""Country risk, offline: embargoes, FATF lists and the EU high-risk third countries.

Applied to the buyer's country and to the bank and transit countries when given: money routed
through a grey-listed bank or goods through a port next to an embargoed country matter as much as
the buyer's address. The lists are compiled from the official statements into
`checks/data/country_risk.json`, each with its as-of date; the card warns when a date is more than
six months old (FATF meets in February, June and October). Embargoed regions (Crimea, the so-called
Donetsk and Luhansk republics) cannot be seen in a country code, so the request text is searched.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from .. import countries
from ..engine import CheckContext, Source
from ..i18n import clause_sep, list_sep
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest
from ..screening.explain import list_title
from .identifiers import bank_country_of

DATA_FILE = Path(__file__).parents[1] / "data" / "country_risk.json"
STALE_DAYS = 183  # six months


class _FatfBlack(BaseModel):
    as_of: date
    source_url: str
    countermeasures: list[str]
    enhanced_due_diligence: list[str] = Field(default_factory=list)


class _CodeList(BaseModel):
    as_of: date
    source_url: str
    codes: list[str]


class _Region(BaseModel):
    name: str
    iso3166_2: list[str]


class _Embargo(BaseModel):
    as_of: date
    source_url: str
    countries: list[str]
    regions: list[_Region] = Field(default_factory=list)
    broad_but_not_comprehensive: list[str] = Field(default_factory=list)


class CountryLists(BaseModel):
    """The bundled data file, validated when loaded."""

    fatf_call_for_action: _FatfBlack
    fatf_increased_monitoring: _CodeList
    eu_high_risk_third_countries: _CodeList
    ofac_comprehensive: _Embargo


@lru_cache(maxsize=4)
def load_lists(path: Path = DATA_FILE) -> CountryLists:
    return CountryLists.model_validate(json.loads(path.read_text(encoding="utf-8")))


# Place names of the embargoed regions of Ukraine, in the scripts buyers write them in.
REGION_WORDS: dict[str, re.Pattern[str]] = {
    "crimea": re.compile(r"\b(crimea|krym|sevastopol|simferopol|kerch|yalta)\b|克里米亚|塞瓦斯托波尔|辛菲罗波尔|крым|севастопол|симферопол",
                         re.I),
    "donetsk": re.compile(r"\bdonetsk\b|顿涅茨克|донецк|\bднр\b", re.I),
    "luhansk": re.compile(r"\b(luhansk|lugansk)\b|卢甘斯克|луганск|\bлнр\b", re.I),
}

# strongest first
RANKS = ("embargoed", "high_risk", "sectoral_sanctions", "monitored")
SPECS: dict[str, tuple[Status, Severity]] = {
    "embargoed": (Status.FAIL, Severity.CRITICAL),
    "high_risk": (Status.FAIL, Severity.HIGH),
    "sectoral_sanctions": (Status.FLAG, Severity.MEDIUM),
    "monitored": (Status.FLAG, Severity.LOW),
}


def memberships(code: str, lists: CountryLists) -> list[tuple[str, str, str]]:
    """(rank, list key, source url) for every list the country is on."""
    code = code.upper()
    out: list[tuple[str, str, str]] = []
    embargo = lists.ofac_comprehensive
    if code in embargo.countries:
        out.append(("embargoed", "ofac_embargo", embargo.source_url))
    black = lists.fatf_call_for_action
    if code in black.countermeasures:
        out.append(("high_risk", "fatf_countermeasures", black.source_url))
    elif code in black.enhanced_due_diligence:
        out.append(("high_risk", "fatf_edd", black.source_url))
    if code in embargo.broad_but_not_comprehensive:
        out.append(("sectoral_sanctions", "ofac_programme", embargo.source_url))
    if code in lists.fatf_increased_monitoring.codes:
        out.append(("monitored", "fatf_grey", lists.fatf_increased_monitoring.source_url))
    if code in lists.eu_high_risk_third_countries.codes:
        out.append(("monitored", "eu_high_risk", lists.eu_high_risk_third_countries.source_url))
    return out


class CountryRiskSource(Source):
    name = "country_risk"
    needs = ("country", "bank_country", "transit_country")
    timeout = 2.0

    def __init__(self, *args: object, path: Path = DATA_FILE, today: date | None = None) -> None:
        self.path = path
        self._today = today

    @property
    def lists(self) -> CountryLists:
        return load_lists(self.path)

    def today(self) -> date:
        return self._today or date.today()

    def applicable(self, request: CheckRequest) -> bool:
        return bool(request.country or request.bank_country or request.transit_country or _regions(request)
                    or bank_country_of(request.bank))

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        return country_findings(request, self.lists, ctx)

    def lists_as_of(self) -> dict[str, str]:
        lists = self.lists
        return {
            "FATF": lists.fatf_call_for_action.as_of.isoformat(),
            "EU AML high-risk": lists.eu_high_risk_third_countries.as_of.isoformat(),
            "OFAC embargoes": lists.ofac_comprehensive.as_of.isoformat(),
        }

    def warnings(self, ctx: CheckContext) -> list[str]:
        today = self.today()
        stale = [(name, as_of) for name, as_of in self.lists_as_of().items()
                 if (today - date.fromisoformat(as_of)).days > STALE_DAYS]
        if not stale:
            return []
        listed = list_sep(ctx.lang).join(f"{list_title(name, ctx.t)} {as_of}" for name, as_of in stale)
        return [ctx.t("country.warning.stale", lists=listed, months=6)]


def _regions(request: CheckRequest) -> list[str]:
    text = " ".join(x for x in (request.raw_text, request.note or "", request.company) if x)
    return [region for region, pattern in REGION_WORDS.items() if pattern.search(text)]


def country_findings(request: CheckRequest, lists: CountryLists, ctx: CheckContext) -> list[Finding]:
    t = ctx.t
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    derived = bank_country_of(request.bank)  # an IBAN or SWIFT code in bank= says where the account is
    bank = derived[0] if derived else request.bank_country
    for role, code in (("buyer", request.country), ("bank", bank), ("transit", request.transit_country)):
        if not code or len(code) != 2 or (role, code) in seen:
            continue
        seen.add((role, code))
        code = code.upper()
        name = countries.name_of(code, ctx.lang)
        found = memberships(code, lists)
        if not found:
            if role == "buyer":
                findings.append(Finding(
                    code="country.clear", status=Status.PASS, severity=Severity.INFO, section=Section.RISK,
                    title=t("country.clear.title", country=name), data={"country": code, "role": role, "lists": []},
                ))
            continue
        rank = min((r for r, _, _ in found), key=RANKS.index)
        status, severity = SPECS[rank]
        on = clause_sep(ctx.lang).join(t(f"country.list.{key}") for _, key, _ in found)
        urls = list(dict.fromkeys(url for _, _, url in found))
        findings.append(Finding(
            code=f"country.{rank}", status=status, severity=severity, section=Section.RISK,
            title=t(f"country.{rank}.title.{role}", country=name),
            detail=t(f"country.{rank}.detail", lists=on),
            evidence=[Evidence(source="country_risk", url=url) for url in urls],
            data={"country": code, "role": role, "lists": [key for _, key, _ in found]},
        ))
    embargo = lists.ofac_comprehensive
    for region in _regions(request):
        findings.append(Finding(
            code="country.embargoed", status=Status.FAIL, severity=Severity.CRITICAL, section=Section.RISK,
            title=t("country.region.title", region=t(f"country.region.{region}")),
            detail=t("country.region.detail"), evidence=[Evidence(source="country_risk", url=embargo.source_url)],
            data={"country": "UA", "role": "region", "region": region, "lists": ["ofac_embargo_region"]},
        ))
    return findings
