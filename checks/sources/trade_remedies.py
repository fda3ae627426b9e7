"""Trade remedies, offline: anti-dumping, countervailing and safeguard measures of the buyer's country
on these goods from this origin (China unless `origin=`).

Why at quote time: a buyer facing a duty cancels, asks for a price that absorbs it, or proposes to
route the goods through a third country (circumvention: customs fraud the exporter gets drawn into).
Findings (Risk section): one `trade_remedy.measure` per case in force, `trade_remedy.possible` when
only a product name, a broader code or a measure of unstated origin matched, `trade_remedy.investigation`
for a case under way, `trade_remedy.transhipment` when the goods go via another country to a buyer
whose country has measures on them, and one `trade_remedy.coverage` line that says which data was
checked and how old it is — a country without data is "not checked", never "none found".
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import ClassVar

from .. import countries
from ..config import Settings, get_settings
from ..engine import Analyzer, CheckContext, Source
from ..i18n import Translator, cjk_spacing
from ..models import Evidence, Finding, Report, Section, Severity, Status, TradeRemedy, TradeRemedyCoverage
from ..request import CheckRequest
from ..trade_remedies import store
from ..trade_remedies.match import Hit, by_codes, by_name, chapters_checked, jurisdiction_of
from ..trade_remedies.model import ANY_ORIGIN, UNKNOWN_ORIGIN, Coverage, Snapshot

DEFAULT_ORIGIN = "CN"
OLD_DAYS = 730  # data older than two years is called out as old on the coverage line
MAX_LINES = 4  # measure lines on a card (the coverage line must stay visible); the rest are named on it


def _type_key(types: list[str]) -> str:
    kinds = sorted(set(types))
    if set(kinds) == {"anti_dumping", "countervailing"}:
        return "ad_cvd"
    return kinds[0] if len(kinds) == 1 else "mixed"


def jurisdiction_name(code: str, lang: str, t: Translator) -> str:
    return t(f"tr.jurisdiction.{code}") if code in ("EU",) else countries.name_of(code, lang)


def origin_name(code: str, lang: str, t: Translator) -> str:
    if code == ANY_ORIGIN:
        return t("tr.origin.any")
    if code == UNKNOWN_ORIGIN:
        return t("tr.origin.unknown")
    return t("tr.jurisdiction.EU") if code == "EU" else countries.name_of(code, lang)


def _fmt_code(code: str) -> str:
    if len(code) <= 4:
        return code
    groups = [code[:4]] + [code[i:i + 2] for i in range(4, len(code), 2)]
    return ".".join(groups)


def _spaced(text: str, lang: str) -> str:
    """Chinese text with one space around Latin names (product names come in English), none between
    Chinese characters."""
    return cjk_spacing(text).strip() if lang == "zh" else text


def age_days(as_of: str | None, today: date) -> int | None:
    try:
        return (today - date.fromisoformat(str(as_of)[:10])).days
    except ValueError:
        return None


class TradeRemedySource(Source):
    name: ClassVar[str] = "trade_remedies"
    needs: ClassVar[tuple[str, ...]] = ("hs", "goods")
    timeout: float = 10.0

    def __init__(self, settings: Settings | None = None, *, today: date | None = None) -> None:
        self.settings = settings or get_settings()
        self._today = today

    def snapshot(self) -> Snapshot:
        return store.load(self.settings.lists_dir)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        snapshot = await asyncio.to_thread(self.snapshot)
        return trade_remedy_findings(request, snapshot, ctx, today=self._today or date.today())


def _group(hits: list[Hit]) -> list[list[Hit]]:
    """One card line per case (AD and CVD of one case together), else per product and origin."""
    groups: dict[tuple, list[Hit]] = {}
    for hit in hits:
        m = hit.measure
        key = (m.jurisdiction, m.case or m.product or ",".join(m.codes), m.origin, hit.settled, m.type == "investigation")
        groups.setdefault(key, []).append(hit)
    return list(groups.values())


def _product(hits: list[Hit], t: Translator) -> str:
    m = hits[0].measure
    if m.product:  # "Hot-rolled Flat and Coil Products from China" → "hot-rolled flat and coil products"
        product = re.sub(r"\s+(?:from|originating in|imported from)\s+[A-Z].*$", "", m.product)
        return " ".join(w if any(c.isupper() for c in w[1:]) else w.lower() for w in product.split())  # keep PET, TiO2
    codes = sorted({c for h in hits for c in (h.matched or h.measure.codes)})
    return t("tr.product.codes", codes=t("tr.sep").join(_fmt_code(c) for c in codes[:4]))


def _case_label(hits: list[Hit], t: Translator) -> str:
    m = hits[0].measure
    return t(f"tr.case.{m.jurisdiction}", case=m.case) if m.case else t(f"tr.case.none.{m.jurisdiction}")


def _since(hits: list[Hit], coverage: Coverage | None, t: Translator) -> str:
    dates = sorted(d for h in hits if (d := h.measure.since))
    if hits[0].measure.type == "investigation":
        return t("tr.since.opened", date=dates[0]) if dates else ""
    if dates:
        return t("tr.since.year", year=dates[0][:4])
    return t("tr.since.listed", as_of=coverage.parts.get(hits[0].measure.source) or coverage.as_of) if coverage else ""


def _remedies(hits: list[Hit], coverage: Coverage | None) -> list[dict]:
    out = []
    for hit in hits:
        m = hit.measure
        out.append(TradeRemedy(
            jurisdiction=m.jurisdiction, type=m.type, case=m.case, product=m.product, origin=m.origin,
            codes=list(hit.matched or m.codes[:10]), since=m.since, source=m.source,
            as_of=(coverage.parts.get(m.source) or coverage.as_of) if coverage else "", url=m.url, duty=m.duty,
            match=hit.precision if hit.by == "code" else "name",
        ).model_dump())
    return out


def trade_remedy_findings(request: CheckRequest, snapshot: Snapshot, ctx: CheckContext, *, today: date) -> list[Finding]:
    t, lang = ctx.t, ctx.lang
    origin = (request.origin or DEFAULT_ORIGIN).upper()
    country = request.country
    if not country:
        return [Finding(code="trade_remedy.coverage", status=Status.INFO, section=Section.RISK,
                        title=t("tr.coverage.no_country"), data={"coverage": []})]
    jurisdiction = jurisdiction_of(country) or country
    where = jurisdiction_name(jurisdiction, lang, t)
    coverage = snapshot.coverage.get(jurisdiction)
    if coverage is None:
        return [Finding(
            code="trade_remedy.coverage", status=Status.INFO, section=Section.RISK,
            title=t("tr.coverage.not_checked", country=where), detail=t("tr.coverage.not_checked.detail"),
            data={"coverage": [TradeRemedyCoverage(jurisdiction=jurisdiction, as_of=None, complete=False).model_dump()]},
        )]

    measures = snapshot.for_jurisdiction(jurisdiction)
    checked, unchecked = chapters_checked(coverage, list(request.hs))
    hits = by_codes(measures, origin, checked) if checked else []
    if request.goods and not request.hs:  # words only: never settles it
        hits += by_name(measures, origin, request.goods)
    elif request.goods:  # cases under way have no codes: their names are all there is
        hits += [h for h in by_name(measures, origin, request.goods) if h.measure.type == "investigation"]
    findings: list[Finding] = []
    settled_any = False
    for group in sorted(_group(hits), key=lambda g: (not g[0].settled, g[0].measure.case or "")):
        hit = group[0]
        m = hit.measure
        types = [h.measure.type for h in group]
        params = {"country": where, "types": t(f"tr.type.{_type_key(types)}"), "product": _product(group, t),
                  "origin": origin_name(m.origin, lang, t), "since": _since(group, coverage, t),
                  "case": _case_label(group, t)}
        matched = sorted({c for h in group for c in h.matched})
        detail = []
        if hit.by == "code":
            detail.append(t(f"tr.detail.match.{hit.precision}", query=_fmt_code(hit.query),
                            codes=t("tr.sep").join(_fmt_code(c) for c in matched[:6])))
        else:
            detail.append(t("tr.detail.match.name", words=hit.query))
        duties = sorted({d for h in group if (d := h.measure.duty)})
        if duties:
            detail.append(t("tr.detail.duty", duty=t("tr.sep").join(duties)))
        if m.note and lang == "en" and not (hit.by == "code" and hit.precision == "hs6" and m.jurisdiction == "CA"):
            detail.append(m.note)  # the publisher's own words (English, or Spanish for Colombia)
        if jurisdiction == "US":
            detail.append(t("tr.detail.us_old", as_of=coverage.as_of))
        if m.type == "investigation":
            code, status, severity, key = "trade_remedy.investigation", Status.FLAG, Severity.LOW, "investigation"
        elif hit.settled:
            code, status, severity, key = "trade_remedy.measure", Status.FLAG, Severity.MEDIUM, "measure"
            settled_any = True
            detail.append(t("tr.detail.advice"))
        else:
            code, status, severity, key = "trade_remedy.possible", Status.FLAG, Severity.LOW, "possible"
            if m.type == "unspecified":
                key = "unspecified"
            detail.append(t("tr.detail.settle") if hit.by == "name" else t("tr.detail.check_notice"))
        findings.append(Finding(
            code=code, status=status, severity=severity, section=Section.RISK,
            title=_spaced(t(f"tr.{key}.title", **params), lang), detail=_spaced(" ".join(d for d in detail if d), lang),
            evidence=[Evidence(source=t(f"tr.source.{m.jurisdiction}"), url=m.url)] if m.url else [],
            data={"jurisdiction": jurisdiction, "origin": origin, "trade_remedies": _remedies(group, coverage)},
        ))

    extra: list[Finding] = []
    if len(findings) > MAX_LINES:  # settled measures came first; the rest are named on the coverage line
        findings, extra = findings[:MAX_LINES], findings[MAX_LINES:]
    in_force = [f for f in findings + extra if f.code in ("trade_remedy.measure", "trade_remedy.possible")]
    transit = request.transit_country
    if transit and len(transit) == 2 and jurisdiction_of(transit) != jurisdiction and in_force:
        findings.append(Finding(
            code="trade_remedy.transhipment", status=Status.FLAG, severity=Severity.HIGH, section=Section.RISK,
            title=t("tr.transhipment.title", transit=countries.name_of(transit, lang), country=where),
            detail=t("tr.transhipment.detail"),
            data={"jurisdiction": jurisdiction, "transit": transit.upper(), "origin": origin},
        ))
    findings.append(_coverage_finding(request, coverage, where, origin, checked, unchecked, bool(findings),
                                      settled_any, ctx, today, extra))
    return findings


def _coverage_finding(request: CheckRequest, coverage: Coverage, where: str, origin: str, checked: list[str],
                      unchecked: list[str], found: bool, settled: bool, ctx: CheckContext, today: date,
                      extra: list[Finding] | None = None) -> Finding:
    t = ctx.t
    extra = extra or []
    days = age_days(coverage.as_of, today)
    orders = coverage.parts.get("USITC AD/CVD orders in place", "")
    if coverage.jurisdiction == "US" and orders[:4] > "2020":  # a current orders list, HS codes still of 2020
        age = t("tr.coverage.age.us_orders", orders=orders, as_of=coverage.as_of)
    elif coverage.jurisdiction == "US":
        age = t("tr.coverage.age.us", as_of=coverage.as_of)
    elif days is not None and days > OLD_DAYS:
        age = t("tr.coverage.age.old", as_of=coverage.as_of, years=days // 365)
    else:
        age = t("tr.coverage.age", as_of=coverage.as_of, months=max(0, (days or 0) // 30))
    extent = t("tr.coverage.complete") if coverage.complete else t("tr.coverage.partial")
    source = t(f"tr.source.{coverage.jurisdiction}")
    parts = [t("tr.coverage.line", country=where, source=source, age=age, extent=extent)]
    if unchecked:
        parts.append(t("tr.coverage.unchecked_codes", codes=t("tr.sep").join(_fmt_code(c) for c in unchecked),
                       chapters=t("tr.sep").join(coverage.hs_chapters or [])))
        counts = coverage.origin_counts.get(origin)
        if counts and counts[0]:  # how common measures on this origin are, where the codes were not checked
            parts.append(t("tr.coverage.origin_count", country=where, origin=origin_name(origin, ctx.lang, t),
                           n=counts[0], total=counts[1]))
    if not request.hs and request.goods:
        parts.append(t("tr.coverage.name_only"))
    more = [r for f in extra for r in f.data.get("trade_remedies", [])]
    if extra:
        names = list(dict.fromkeys(r.get("case") or r.get("product") or "?" for r in more))
        parts.append(t("tr.coverage.more", n=len(extra), names=t("tr.sep").join(names[:12])))
    status = Status.INFO
    if not found and checked:
        key = "tr.coverage.none_complete" if coverage.complete else "tr.coverage.none_partial"
        parts.insert(0, t(key, country=where, codes=t("tr.sep").join(_fmt_code(c) for c in checked),
                          origin=origin_name(origin, ctx.lang, t)))
        status = Status.PASS if coverage.complete and not unchecked else Status.INFO
    parts = [_spaced(part, ctx.lang) for part in parts]
    title = parts[0] if found or not checked else f"{parts[0]} · {parts[1]}"
    if not found and checked:
        parts.pop(1)
    return Finding(
        code="trade_remedy.coverage", status=status, section=Section.RISK, title=title,
        detail=" ".join(parts[1:] + [coverage.scope if ctx.lang == "en" else ""]).strip(),
        evidence=[Evidence(source=source, url=coverage.url)],
        data={"coverage": [TradeRemedyCoverage(jurisdiction=coverage.jurisdiction, as_of=coverage.as_of,
                                               complete=coverage.complete).model_dump()],
              "checked_codes": checked, "unchecked_codes": unchecked, "settled": settled,
              "trade_remedies": more},
    )


class TradeRemedyAnalyzer(Analyzer):
    """Copies the trade-remedy findings' facts into the report's own fields (`trade_remedies`,
    `trade_remedies_coverage`), where scripts read them without parsing findings."""

    name = "trade_remedies"

    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        remedies, coverage = [], []
        for finding in report.findings():
            if not finding.code.startswith("trade_remedy."):
                continue
            remedies += [TradeRemedy.model_validate(r) for r in finding.data.get("trade_remedies", [])]
            coverage += [TradeRemedyCoverage.model_validate(c) for c in finding.data.get("coverage", [])]
        report.trade_remedies = remedies
        report.trade_remedies_coverage = coverage
