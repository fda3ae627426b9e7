"""GLEIF: the global LEI register. Who a legal entity is, whether its record is kept up, its parents.

No key needed. With `lei=` the record is read directly (a made-up LEI is a red flag); otherwise a
full-text search by name (and country) finds the closest record. GLEIF returns LAPSED records
like live ones: a lapsed LEI means the entity stopped renewing, so its data are not verified
anymore — that is said, not hidden. Parents come from the relationship records.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ..domains import NAME_MATCH, name_similarity
from ..engine import CheckContext, SourceUnavailable
from ..http import HttpSource, OnlineSource
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

API = "https://api.gleif.org/api/v1"
LEI_RE = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
ACCEPT = {"Accept": "application/vnd.api+json"}
BAD_REGISTRATION = {"RETIRED", "ANNULLED", "DUPLICATE", "MERGED", "TRANSFERRED"}


def record_url(lei: str) -> str:
    return f"https://search.gleif.org/#/record/{lei}"


def format_address(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    parts = [*(address.get("addressLines") or [])]
    city = " ".join(p for p in (address.get("postalCode"), address.get("city")) if p)
    parts += [city, address.get("country") or ""]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def summarize(record: dict[str, Any]) -> dict[str, Any]:
    """The facts of one `lei-records` resource, flat."""
    attributes = record.get("attributes", {})
    entity = attributes.get("entity", {})
    registration = attributes.get("registration", {})
    legal = entity.get("legalAddress") or {}
    hq = entity.get("headquartersAddress") or {}
    return {
        "lei": attributes.get("lei") or record.get("id"),
        "legal_name": (entity.get("legalName") or {}).get("name", ""),
        "other_names": [n.get("name") for n in entity.get("otherNames") or [] if n.get("name")],
        "entity_status": entity.get("status"),
        "registration_status": registration.get("status"),
        "next_renewal": registration.get("nextRenewalDate"),
        "last_update": registration.get("lastUpdateDate"),
        "legal_address": format_address(legal),
        "hq_address": format_address(hq),
        "countries": sorted({c for c in (legal.get("country"), hq.get("country")) if c}),
        "jurisdiction": entity.get("jurisdiction"),
        "registered_at": (entity.get("registeredAt") or {}).get("id"),
        "registered_as": entity.get("registeredAs"),
        "category": entity.get("category"),
        "created": (entity.get("creationDate") or "")[:10] or None,
        "relationships": record.get("relationships", {}),
    }


class GleifSource(OnlineSource):
    name = "gleif"
    needs = ("lei", "company")

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        http = self.http(ctx, headers=ACCEPT)
        lei = (request.lei or "").strip().upper().replace(" ", "")
        if lei:
            if not LEI_RE.match(lei):
                return [self._finding(ctx, "lei.malformed", Status.FAIL, Severity.MEDIUM,
                                      ctx.t("gleif.malformed.title", lei=lei[:40]), ctx.t("gleif.malformed.detail"))]
            response = await http.get(f"{API}/lei-records/{lei}", ok_status=frozenset({200, 404}))
            if response.status_code == 404:
                return [self._finding(ctx, "lei.not_found", Status.FAIL, Severity.HIGH,
                                      ctx.t("gleif.not_found.title", lei=lei), ctx.t("gleif.not_found.detail"),
                                      url=record_url(lei))]
            record = http.parse_json(response).get("data")
            if not isinstance(record, dict):
                raise SourceUnavailable(ctx.t("http.bad_response", source=self.name))
            return await self._describe(record, request, ctx, http, by_lei=True)
        if not request.company:
            return []
        params = {"filter[fulltext]": request.company, "page[size]": 10}
        if request.country:
            params["filter[entity.legalAddress.country]"] = request.country
        data = await http.get_json(f"{API}/lei-records", params=params)
        records = data.get("data") if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise SourceUnavailable(ctx.t("http.bad_response", source=self.name))
        scored = sorted(
            ((self._score(request.company, summarize(r)), r) for r in records if isinstance(r, dict)),
            key=lambda item: item[0], reverse=True,
        )
        if not scored or scored[0][0] < NAME_MATCH:
            return [self._finding(ctx, "lei.none_for_name", Status.INFO, Severity.INFO,
                                  ctx.t("gleif.none.title", company=request.company), ctx.t("gleif.none.detail"))]
        return await self._describe(scored[0][1], request, ctx, http, by_lei=False)

    @staticmethod
    def _score(company: str, facts: dict[str, Any]) -> float:
        return max([name_similarity(company, facts["legal_name"])] +
                   [name_similarity(company, n) for n in facts["other_names"]])

    async def _describe(
        self, record: dict[str, Any], request: CheckRequest, ctx: CheckContext, http: HttpSource, *, by_lei: bool
    ) -> list[Finding]:
        t = ctx.t
        facts = summarize(record)
        lei = facts["lei"]
        direct, ultimate = await asyncio.gather(
            self._parent(http, facts["relationships"], "direct-parent", lei),
            self._parent(http, facts["relationships"], "ultimate-parent", lei),
        )
        status_text = facts["registration_status"] or "?"
        profile = {
            "legal_name": facts["legal_name"],
            "status": f"{facts['entity_status'] or '?'} / LEI {status_text}",
            "address": facts["legal_address"],
            "hq_address": facts["hq_address"],
            "founded": facts["created"],
            "registry_id": f"{facts['registered_at']}: {facts['registered_as']}" if facts["registered_as"] else None,
            "parent": direct["name"] if direct else None,
            "ultimate_parent": ultimate["name"] if ultimate else None,
            "lei": lei,
        }
        parents = []
        for label, parent in ((t("gleif.parent.direct"), direct), (t("gleif.parent.ultimate"), ultimate)):
            if parent:
                parents.append(f"{label}: {parent['name']} ({parent['lei']})" if parent["name"] else f"{label}: {parent['lei']}")
        detail = t("gleif.found.detail", lei=lei, address=facts["legal_address"] or "-",
                   hq=facts["hq_address"] or "-", renewal=(facts["next_renewal"] or "-")[:10])
        if parents:
            detail += " " + "; ".join(parents) + "."
        code = "lei.found" if by_lei else "lei.match"
        findings = [self._finding(
            ctx, code, Status.PASS if by_lei else Status.INFO, Severity.INFO,
            t("gleif.found.title", name=facts["legal_name"], lei=lei, status=status_text),
            detail, url=record_url(lei),
            data={"facts": {k: v for k, v in profile.items() if v}, "registry_name": facts["legal_name"],
                  "parents": {"direct": direct, "ultimate": ultimate}},
        )]
        registration = (facts["registration_status"] or "").upper()
        if registration == "LAPSED":
            findings.append(self._finding(
                ctx, "lei.lapsed", Status.FLAG, Severity.LOW, t("gleif.lapsed.title", lei=lei),
                t("gleif.lapsed.detail", date=(facts["next_renewal"] or "?")[:10]), url=record_url(lei)))
        elif registration in BAD_REGISTRATION:
            findings.append(self._finding(
                ctx, "lei.retired", Status.FLAG, Severity.HIGH if registration in ("ANNULLED", "DUPLICATE") else Severity.MEDIUM,
                t("gleif.retired.title", lei=lei, status=registration), t("gleif.retired.detail"), url=record_url(lei)))
        if (facts["entity_status"] or "").upper() == "INACTIVE":
            findings.append(self._finding(
                ctx, "lei.entity_inactive", Status.FLAG, Severity.HIGH, t("gleif.inactive.title", name=facts["legal_name"]),
                t("gleif.inactive.detail"), url=record_url(lei)))
        if by_lei and request.company:
            score = self._score(request.company, facts)
            if score < NAME_MATCH:
                findings.append(self._finding(
                    ctx, "registry.name_mismatch", Status.FLAG, Severity.HIGH,
                    t("gleif.name_mismatch.title", lei=lei, name=facts["legal_name"]),
                    t("gleif.name_mismatch.detail", company=request.company, name=facts["legal_name"]),
                    url=record_url(lei), data={"registry": "GLEIF", "registry_name": facts["legal_name"], "score": score}))
        if request.country and facts["countries"] and request.country.upper() not in facts["countries"]:
            findings.append(self._finding(
                ctx, "lei.country_mismatch", Status.FLAG, Severity.MEDIUM,
                t("gleif.country_mismatch.title", countries=", ".join(facts["countries"]), country=request.country),
                t("gleif.country_mismatch.detail"), url=record_url(lei)))
        return findings

    async def _parent(self, http: HttpSource, relationships: dict[str, Any], kind: str, lei: str) -> dict[str, Any] | None:
        """The parent's LEI and name, or None (no parent reported, or not readable now)."""
        links = (relationships.get(kind) or {}).get("links") or {}
        if "relationship-record" not in links:
            return None  # a reporting exception (e.g. NO_KNOWN_PERSON) or nothing
        if not str(links["relationship-record"]).startswith(API + "/"):
            return None  # only ever follow links back to GLEIF's own API
        try:
            relation = await http.get_json(links["relationship-record"])
            parent_lei = relation["data"]["attributes"]["relationship"]["endNode"]["id"]
            response = await http.get(f"{API}/lei-records/{parent_lei}", ok_status=frozenset({200, 404}))
            name = ""
            if response.status_code == 200:
                name = summarize(http.parse_json(response)["data"])["legal_name"]
            return {"lei": parent_lei, "name": name}
        except (SourceUnavailable, KeyError, TypeError):
            return None

    def _finding(
        self, ctx: CheckContext, code: str, status: Status, severity: Severity, title: str, detail: str,
        *, url: str | None = None, data: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                       evidence=[Evidence(source="GLEIF", url=url, retrieved_at=self.now())],
                       section=Section.VERIFICATION, data=data or {})
