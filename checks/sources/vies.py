"""EU VIES: is a VAT number registered for intra-EU trade, and to whom?

Only VIES's own VALID / INVALID are verdicts. When a member state's system is down VIES answers
with an error code inside the response (MS_UNAVAILABLE, TIMEOUT, ...): the number is then
*unknown* — never reported as invalid. Several states (e.g. DE) never disclose the holder's name.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.eu import vat as eu_vat

from ..domains import NAME_MATCH, name_similarity
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import OnlineSource
from ..models import Evidence, Finding, Severity, Status
from ..request import CheckRequest

API = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
PAGE = "https://ec.europa.eu/taxation_customs/vies/"
HIDDEN = {"", "---", "N/A"}
UNAVAILABLE_CODES = {"MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE", "MS_MAX_CONCURRENT_REQ",
                     "MS_MAX_CONCURRENT_REQ_TIME", "GLOBAL_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ_TIME",
                     "IP_BLOCKED", "VAT_BLOCKED"}


def split_vat(value: str) -> tuple[str, str] | None:
    """`DE 811 115 368` -> (`DE`, `811115368`); Greece is `EL` in VIES. None if not an EU number."""
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    if len(compact) < 4 or not compact[:2].isalpha():
        return None
    country = compact[:2]
    if country == "GR":
        country = "EL"
    if country.lower() not in eu_vat.MEMBER_STATES | {"el"}:
        return None
    return country, compact[2:]


class ViesSource(OnlineSource):
    name = "vies"
    needs = ("vat",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        parts = split_vat(request.vat or "")
        if parts is None:
            raise SourceSkipped(t("vies.not_eu"))
        country, number = parts
        vat_id = country + number
        body: dict[str, Any] = {"countryCode": country, "vatNumber": number}
        if request.company:
            body["traderName"] = request.company
        http = self.http(ctx)
        response = await http.request("POST", API, json_body=body, ok_status=frozenset({200, 400}))
        data = http.parse_json(response)
        if not isinstance(data, dict):
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        errors = [w.get("error", "") for w in data.get("errorWrappers") or [] if isinstance(w, dict)]
        if data.get("actionSucceed") is False or errors or "valid" not in data:
            code = next((e for e in errors if e), data.get("userError") or "UNKNOWN")
            if code == "INVALID_INPUT":
                return [self._finding("vat.malformed", Status.FAIL, Severity.MEDIUM,
                                      t("vies.malformed.title", vat=vat_id), t("vies.malformed.detail"))]
            return [self._finding("vat.unknown", Status.UNAVAILABLE, Severity.INFO,
                                  t("vies.unknown.title", vat=vat_id, code=code), t("vies.unknown.detail", country=country),
                                  data={"error": code})]
        if data.get("valid") is False:
            checksum = eu_vat.is_valid(vat_id.replace("EL", "GR", 1) if vat_id.startswith("EL") else vat_id)
            detail = t("vies.invalid.detail") + ("" if checksum else " " + t("vies.invalid.checksum"))
            return [self._finding("vat.invalid", Status.FAIL, Severity.HIGH, t("vies.invalid.title", vat=vat_id), detail,
                                  data={"vat": vat_id, "checksum_ok": checksum})]
        if data.get("valid") is not True:
            raise SourceUnavailable(t("http.bad_response", source=self.name))
        name = _clean(data.get("name"))
        address = _clean(data.get("address"))
        facts = {k: v for k, v in {"legal_name": name, "address": address, "vat": vat_id}.items() if v}
        if name:
            detail = t("vies.valid.detail", name=name, address=address or "-")
        else:
            detail = t("vies.valid.hidden", country=country)
        findings = [self._finding("vat.valid", Status.PASS, Severity.INFO, t("vies.valid.title", vat=vat_id), detail,
                                  data={"facts": facts, "registry_name": name, "request_date": data.get("requestDate")})]
        trader_match = (data.get("traderNameMatch") or "").upper()
        score = name_similarity(request.company, name) if (name and request.company) else None
        if request.company and (trader_match == "INVALID" or (score is not None and score < NAME_MATCH)):
            shown = name or t("vies.name_hidden")
            findings.append(self._finding(
                "registry.name_mismatch", Status.FLAG, Severity.HIGH, t("vies.name_mismatch.title", vat=vat_id, name=shown),
                t("vies.name_mismatch.detail", company=request.company, name=shown),
                data={"registry": "VIES", "registry_name": shown, "score": score, "trader_name_match": trader_match or None}))
        elif request.company and trader_match == "VALID":
            findings[0].detail += " " + t("vies.trader_match", company=request.company)
        return findings

    def _finding(self, code: str, status: Status, severity: Severity, title: str, detail: str,
                 data: dict[str, Any] | None = None) -> Finding:
        return Finding(code=code, status=status, severity=severity, title=title, detail=detail,
                       evidence=[Evidence(source="EU VIES", url=PAGE, retrieved_at=self.now())], data=data or {})


def _clean(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return "" if text in HIDDEN else text
