"""UK Companies House: the official register of UK companies (needs a free API key).

With `reg=` the company profile is read directly; otherwise a UK buyer is searched by name. It
tells whether the company exists, is active or dissolved, when it was incorporated, what it does
(SIC codes), who its officers are, and whether its accounts are overdue — a common sign of a
dormant shell being used by someone else.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

from ..domains import NAME_MATCH, name_similarity, name_tokens
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import HttpSource, OnlineSource
from ..i18n import Translator
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

API = "https://api.company-information.service.gov.uk"
PAGE = "https://find-and-update.company-information.service.gov.uk/company/{number}"
NUMBER_RE = re.compile(r"^(?:[0-9]{8}|[A-Z]{2}[0-9]{6}|[A-Z]{2}[0-9]{5}[A-Z])$")
CLOSED = {"dissolved", "converted-closed", "closed", "removed"}
TROUBLED = {"liquidation", "receivership", "administration", "insolvency-proceedings", "voluntary-arrangement"}


def company_number(value: str | None) -> str | None:
    if not value:
        return None
    text = re.sub(r"\s", "", value).upper()
    if text.isdigit() and len(text) < 8:
        text = text.zfill(8)
    return text if NUMBER_RE.match(text) else None


def _status(profile: dict[str, Any]) -> str:
    return (profile.get("company_status") or "").lower()


def _not_officers(persons: list[str], officers: list[dict[str, Any]]) -> list[str]:
    """The persons the buyer named who are not among the company's officers (all their name words, or two)."""
    officer_words = [set(name_tokens(o.get("name", ""))) for o in officers]
    missing = []
    for person in persons:
        words = set(name_tokens(person))
        if words and not any(words <= ow or (len(words & ow) >= 2) for ow in officer_words):
            missing.append(person)
    return missing


def format_address(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    keys = ("premises", "address_line_1", "address_line_2", "locality", "region", "postal_code", "country")
    return ", ".join(str(address[k]).strip() for k in keys if address.get(k))


class CompaniesHouseSource(OnlineSource):
    name = "companies_house"
    needs = ("reg", "company")

    def applicable(self, request: CheckRequest) -> bool:
        """UK buyers only: the register knows nothing of other countries' companies."""
        return (request.country or "").upper() in ("GB", "UK") and bool(request.reg or request.company)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        key = self.settings.companies_house_api_key
        if key is None or not key.get_secret_value():
            raise SourceSkipped(t("ch.no_key"))
        http = self.http(ctx, auth=(key.get_secret_value(), ""))
        number = company_number(request.reg)
        if number is None:
            if not request.company:
                return []
            found = await http.get_json(f"{API}/search/companies", params={"q": request.company, "items_per_page": 5})
            items = found.get("items") if isinstance(found, dict) else None
            if not isinstance(items, list):
                raise SourceUnavailable(t("http.bad_response", source=self.name))
            best = max(items, key=lambda i: name_similarity(request.company, i.get("title", "")), default=None)
            if best is None or name_similarity(request.company, best.get("title", "")) < NAME_MATCH:
                return [self._finding("company.not_in_register", Status.FLAG, Severity.MEDIUM,
                                      t("ch.none.title", company=request.company), t("ch.none.detail"), None)]
            number = best.get("company_number")
        profile_response, officers = await asyncio.gather(
            http.get(f"{API}/company/{number}", ok_status=frozenset({200, 404})),
            self._officers(http, number),
        )
        if profile_response.status_code == 404:
            return [self._finding("company.not_found", Status.FAIL, Severity.HIGH, t("ch.not_found.title", number=number),
                                  t("ch.not_found.detail"), number)]
        profile = http.parse_json(profile_response)
        if not isinstance(profile, dict) or "company_name" not in profile:
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        return self._describe(profile, officers, request, ctx)

    async def _officers(self, http: HttpSource, number: str) -> list[dict[str, Any]] | None:
        try:
            data = await http.get_json(f"{API}/company/{number}/officers", params={"items_per_page": 35})
        except SourceUnavailable:
            return None
        items = data.get("items") if isinstance(data, dict) else None
        return items if isinstance(items, list) else None

    def _describe(self, profile: dict[str, Any], officers: list[dict[str, Any]] | None,
                  request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        """The register's entry as findings: the company itself, then each warning sign it shows."""
        t = ctx.t
        number = profile.get("company_number", "")
        name = profile.get("company_name", "")
        findings = [self._registered(profile, officers, t)]
        signs = [self._standing(profile, t), self._overdue(profile, t), self._young(profile, t),
                 self._name_mismatch(profile, request, t)]
        findings += [f for f in signs if f is not None]
        if request.persons and officers is not None:
            findings += [self._finding("company.person_not_officer", Status.FLAG, Severity.LOW,
                                       t("ch.person.title", person=person, name=name), t("ch.person.detail"), number)
                         for person in _not_officers(request.persons, officers)]
        return findings

    def _registered(self, profile: dict[str, Any], officers: list[dict[str, Any]] | None, t: Translator) -> Finding:
        """The company as registered: name, status, founding date, address, SIC codes and current officers."""
        number = profile.get("company_number", "")
        name = profile.get("company_name", "")
        status = _status(profile)
        created = profile.get("date_of_creation")
        address = format_address(profile.get("registered_office_address"))
        sic = profile.get("sic_codes") or []
        active_officers = [o for o in officers or [] if not o.get("resigned_on")]
        officer_names = [f"{o.get('name')} ({o.get('officer_role', '')})" for o in active_officers[:6]]
        facts = {"legal_name": name, "status": status, "founded": created, "address": address,
                 "registry_id": f"Companies House {number}", "sic_codes": sic, "officers": officer_names}
        detail = t("ch.found.detail", number=number, created=created or "-", address=address or "-",
                   sic=", ".join(sic) or "-", officers="; ".join(officer_names) or "-")
        return self._finding("company.registered", Status.PASS if status == "active" else Status.INFO, Severity.INFO,
                             t("ch.found.title", name=name, status=status or "?"), detail, number,
                             data={"facts": {k: v for k, v in facts.items() if v}, "registry_name": name})

    def _standing(self, profile: dict[str, Any], t: Translator) -> Finding | None:
        """Dissolved or closed; else in insolvency (now or in its history)."""
        number, name, status = profile.get("company_number", ""), profile.get("company_name", ""), _status(profile)
        if status in CLOSED:
            return self._finding("company.dissolved", Status.FAIL, Severity.CRITICAL,
                                 t("ch.dissolved.title", name=name, status=status),
                                 t("ch.dissolved.detail", date=profile.get("date_of_cessation") or "?"), number)
        if status in TROUBLED or profile.get("has_insolvency_history"):
            return self._finding("company.insolvency", Status.FLAG, Severity.HIGH,
                                 t("ch.insolvency.title", name=name, status=status), t("ch.insolvency.detail"), number)
        return None

    def _overdue(self, profile: dict[str, Any], t: Translator) -> Finding | None:
        """Accounts or the confirmation statement overdue: a common sign of a dormant shell."""
        accounts = profile.get("accounts") or {}
        statement = profile.get("confirmation_statement") or {}
        if not (accounts.get("overdue") or (accounts.get("next_accounts") or {}).get("overdue") or statement.get("overdue")):
            return None
        due = accounts.get("next_due") or statement.get("next_due") or "?"
        return self._finding("company.accounts_overdue", Status.FLAG, Severity.MEDIUM,
                             t("ch.overdue.title", name=profile.get("company_name", "")), t("ch.overdue.detail", date=due),
                             profile.get("company_number", ""))

    def _young(self, profile: dict[str, Any], t: Translator) -> Finding | None:
        """Incorporated fewer than the configured days ago."""
        created = profile.get("date_of_creation")
        if not created:
            return None
        try:
            age_days = (self.now().date() - date.fromisoformat(created)).days
        except ValueError:
            return None
        if not 0 <= age_days < self.settings.domain_young_days:
            return None
        name = profile.get("company_name", "")
        return self._finding("company.young", Status.FLAG, Severity.MEDIUM, t("ch.young.title", name=name, days=age_days),
                             t("ch.young.detail"), profile.get("company_number", ""))

    def _name_mismatch(self, profile: dict[str, Any], request: CheckRequest, t: Translator) -> Finding | None:
        """The registration number given belongs to a company of another name (now and before)."""
        number, name = profile.get("company_number", ""), profile.get("company_name", "")
        if not (request.company and name_similarity(request.company, name) < NAME_MATCH and request.reg):
            return None
        previous = [p.get("name", "") for p in profile.get("previous_company_names") or []]
        if any(name_similarity(request.company, p) >= NAME_MATCH for p in previous):
            return None
        return self._finding(
            "registry.name_mismatch", Status.FLAG, Severity.HIGH, t("ch.name_mismatch.title", number=number, name=name),
            t("ch.name_mismatch.detail", company=request.company, name=name), number,
            data={"registry": "Companies House", "registry_name": name})

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str, number: str | None,
                 data: dict[str, Any] | None = None) -> Finding:
        url = PAGE.format(number=number) if number else "https://find-and-update.company-information.service.gov.uk/"
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                       evidence=[Evidence(source="UK Companies House", url=url, retrieved_at=self.now())],
                       section=Section.VERIFICATION, data=data or {})
