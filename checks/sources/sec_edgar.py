"""SEC EDGAR: is the claimed company a US-listed (or SEC-filing) company, and what does the SEC
know about it — legal name, state or country of incorporation, business address, former names.

The SEC asks every client to send a User-Agent with a contact address (`SEC_USER_AGENT`) and to
stay under 10 requests a second (the shared rate limiter spaces them). The ticker list is
cached like every response, so a check costs one request per company after the first.
"""

from __future__ import annotations

from typing import Any

from ..domains import name_similarity
from ..engine import CheckContext, SourceUnavailable
from ..http import HttpSource, OnlineSource
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

TICKERS = "https://www.sec.gov/files/company_tickers.json"
SUBMISSIONS = "https://data.sec.gov/submissions/CIK{cik:010d}.json"
PAGE = "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK={cik:010d}"
MATCH = 92.0


def best_ticker(tickers: dict[str, Any] | list[Any], company: str) -> tuple[float, dict[str, Any]] | None:
    rows = tickers.values() if isinstance(tickers, dict) else tickers
    best: tuple[float, dict[str, Any]] | None = None
    for row in rows:
        if not isinstance(row, dict) or "cik_str" not in row:
            continue
        score = name_similarity(company, str(row.get("title", "")))
        if best is None or score > best[0]:
            best = (score, row)
    return best


def describe(submissions: dict[str, Any]) -> dict[str, Any]:
    """The facts of a `submissions/CIK##########.json` document."""
    business = (submissions.get("addresses") or {}).get("business") or {}
    address = ", ".join(str(v) for v in (business.get("street1"), business.get("street2"), business.get("city"),
                                         business.get("zipCode"), business.get("stateOrCountryDescription")
                                         or business.get("country")) if v)
    recent = (submissions.get("filings") or {}).get("recent") or {}
    dates = recent.get("filingDate") or []
    return {
        "legal_name": submissions.get("name", ""),
        "cik": submissions.get("cik"),
        "incorporated_in": submissions.get("stateOfIncorporationDescription") or submissions.get("stateOfIncorporation"),
        "address": address,
        "sic": submissions.get("sicDescription"),
        "tickers": submissions.get("tickers") or [],
        "exchanges": [e for e in submissions.get("exchanges") or [] if e],
        "former_names": [f.get("name") for f in submissions.get("formerNames") or [] if f.get("name")],
        "website": submissions.get("website") or "",
        "last_filing": max(dates) if dates else None,
        "phone": submissions.get("phone"),
        "lei": submissions.get("lei"),
    }


class SecEdgarSource(OnlineSource):
    name = "sec_edgar"
    needs = ("company",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        http = self.http(ctx, headers={"User-Agent": self.settings.sec_user_agent})
        tickers = await http.get_json(TICKERS)
        if not isinstance(tickers, (dict, list)):
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        best = best_ticker(tickers, request.company)
        if best is None or best[0] < MATCH:
            return [self._finding("sec.not_listed", Status.INFO, Severity.INFO, t("sec.none.title", company=request.company),
                                  t("sec.none.detail"), None, {})]
        cik = int(best[1]["cik_str"])
        return await self.lookup(http, cik, ctx)

    async def lookup(self, http: HttpSource, cik: int, ctx: CheckContext) -> list[Finding]:
        data = await http.get_json(SUBMISSIONS.format(cik=cik))
        if not isinstance(data, dict) or "name" not in data:
            raise SourceUnavailable(ctx.t("http.bad_response", source=self.name))
        return [self.finding_for(data, cik, ctx)]

    def finding_for(self, data: dict[str, Any], cik: int, ctx: CheckContext) -> Finding:
        facts = describe(data)
        listing = ", ".join(f"{tk} ({ex})" for tk, ex in zip(facts["tickers"], facts["exchanges"], strict=False)) or "-"
        detail = ctx.t("sec.found.detail", cik=cik, incorporated=facts["incorporated_in"] or "-",
                       address=facts["address"] or "-", sic=facts["sic"] or "-", listing=listing,
                       last=facts["last_filing"] or "-")
        profile = {"legal_name": facts["legal_name"], "address": facts["address"],
                   "registry_id": f"SEC CIK {cik}", "industry": facts["sic"]}
        data_out = {"facts": {k: v for k, v in profile.items() if v}, "registry_name": facts["legal_name"], "sec": facts}
        if facts["website"]:
            data_out["official_domains"] = [facts["website"]]
        return self._finding("sec.registrant", Status.INFO, Severity.INFO,
                             ctx.t("sec.found.title", name=facts["legal_name"]), detail, cik, data_out)

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str, cik: int | None,
                 data: dict[str, Any]) -> Finding:
        url = PAGE.format(cik=cik) if cik else "https://www.sec.gov/edgar/search/"
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail, section=Section.PROFILE,
                       evidence=[Evidence(source="SEC EDGAR", url=url, retrieved_at=self.now())], data=data)
