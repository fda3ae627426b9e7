"""Wikidata: facts about well-known companies — official website (P856), inception (P571),
employees (P1128), LEI (P1278), country (P17).

Two requests: `wbsearchentities` finds items named like the claimed company, then one SPARQL query
reads their facts. Only an item whose label or alias matches the name closely and that has an
official website or LEI is used (a person or a river named like the company is not). The
website becomes an official domain for the consistency analyzer.
"""

from __future__ import annotations

from typing import Any

from ..domains import NAME_MATCH, name_similarity, registrable_domain
from ..engine import CheckContext, SourceUnavailable
from ..http import OnlineSource
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

API = "https://www.wikidata.org/w/api.php"
SPARQL = "https://query.wikidata.org/sparql"
QUERY = """SELECT ?item ?itemLabel ?website ?inception ?employees ?lei ?countryCode WHERE {{
  VALUES ?item {{ {items} }}
  OPTIONAL {{ ?item wdt:P856 ?website }}
  OPTIONAL {{ ?item wdt:P571 ?inception }}
  OPTIONAL {{ ?item wdt:P1128 ?employees }}
  OPTIONAL {{ ?item wdt:P1278 ?lei }}
  OPTIONAL {{ ?item wdt:P17 ?country . ?country wdt:P297 ?countryCode }}
  SERVICE wikibase:label {{ bd:serviceParam wikibase:language "en". }}
}}"""


def _value(row: dict[str, Any], key: str) -> str:
    """One variable of a SPARQL JSON row ("" when the row does not bind it)."""
    return str((row.get(key) or {}).get("value") or "")


def collect(bindings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """SPARQL JSON rows -> one record per item (several websites or countries gathered)."""
    items: dict[str, dict[str, Any]] = {}
    for row in bindings:
        qid = row.get("item", {}).get("value", "").rsplit("/", 1)[-1]
        if not qid:
            continue
        item = items.setdefault(qid, {"qid": qid, "label": "", "websites": [], "inception": None, "employees": None,
                                      "lei": None, "countries": []})
        item["label"] = _value(row, "itemLabel") or item["label"]
        if _value(row, "website") and _value(row, "website") not in item["websites"]:
            item["websites"].append(_value(row, "website"))
        if _value(row, "inception"):
            item["inception"] = min(filter(None, [item["inception"], _value(row, "inception")[:10].lstrip("+")]))
        if _value(row, "employees"):
            try:
                item["employees"] = max(item["employees"] or 0, int(float(_value(row, "employees"))))
            except ValueError:
                pass
        item["lei"] = _value(row, "lei") or item["lei"]
        if _value(row, "countryCode") and _value(row, "countryCode") not in item["countries"]:
            item["countries"].append(_value(row, "countryCode"))
    return items


class WikidataSource(OnlineSource):
    name = "wikidata"
    needs = ("company",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        http = self.http(ctx)
        found = await http.get_json(API, params={"action": "wbsearchentities", "search": request.company, "language": "en",
                                                 "uselang": "en", "type": "item", "limit": 7, "format": "json"})
        results = found.get("search") if isinstance(found, dict) else None
        if not isinstance(results, list):
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        candidates = []
        for result in results:
            names = [result.get("label") or "", *(result.get("aliases") or []), (result.get("match") or {}).get("text") or ""]
            score = max(name_similarity(request.company, n) for n in names if n) if any(names) else 0.0
            if score >= NAME_MATCH and result.get("id"):
                candidates.append((score, result["id"], result.get("description") or ""))
        if not candidates:
            return []
        query = QUERY.format(items=" ".join(f"wd:{qid}" for _, qid, _ in candidates))
        data = await http.get_json(SPARQL, params={"query": query, "format": "json"},
                                   headers={"Accept": "application/sparql-results+json"})
        bindings = ((data or {}).get("results") or {}).get("bindings") if isinstance(data, dict) else None
        if not isinstance(bindings, list):
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        items = collect(bindings)
        order = {qid: (score, description) for score, qid, description in candidates}
        companies = [i for i in items.values() if i["qid"] in order and (i["websites"] or i["lei"])]
        if request.country:
            country = request.country.upper()
            companies.sort(key=lambda i: country not in i["countries"])
        if not companies:
            return []
        item = max(companies, key=lambda i: (request.country is None or request.country.upper() in i["countries"],
                                             order[i["qid"]][0]))
        domains = [d for d in (registrable_domain(w) for w in item["websites"]) if d]
        facts = {"legal_name": item["label"], "founded": item["inception"], "employees": item["employees"],
                 "website": ", ".join(item["websites"][:2]) or None, "lei": item["lei"]}
        detail = t("wikidata.found.detail", description=order[item["qid"]][1] or "-",
                   website=", ".join(item["websites"][:2]) or "-", inception=item["inception"] or "-",
                   employees=f"{item['employees']:,}" if item["employees"] else "-", lei=item["lei"] or "-")
        return [Finding(
            code="wikidata.company", status=Status.INFO, severity=Severity.INFO, section=Section.PROFILE,
            title=t("wikidata.found.title", name=item["label"], qid=item["qid"]), detail=detail,
            evidence=[Evidence(source="Wikidata", url=f"https://www.wikidata.org/wiki/{item['qid']}", retrieved_at=self.now())],
            data={"facts": {k: v for k, v in facts.items() if v}, "official_domains": domains, "qid": item["qid"],
                  "countries": item["countries"]},
        )]
