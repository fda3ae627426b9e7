"""Sanctions and export-control screening of the buyer and each named person, offline.

Screens `request.company` and every `request.persons` entry against the loaded lists (OFAC SDN and
non-SDN, US CSL, UN, EU and UK when downloaded). A match at or above the alert threshold is a
`sanctions.hit` (risk section, fail, critical) with the reasons and the official entry's link; the card
says not to proceed before compliance review. No match gives one `sanctions.clear`. The buyer's country
ranks and explains matches; it never hides a strong one. Stale or missing lists are card warnings.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import ClassVar

from ..config import Settings, get_settings
from ..engine import CheckContext, Source, SourceUnavailable
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest
from ..screening.explain import LIST_TITLES, list_label, list_title, reasons
from ..screening.matcher import Match, Query
from ..screening.service import Screener, get_screener, warm_up
from ..watchlists.model import Entity
from ..watchlists.store import SOURCE_KEYS, age_days, list_dates


MAX_HITS_PER_NAME = 5  # the best ones; a card with ten Huawei subsidiaries says no more than five would


def entry_version(entity: Entity) -> str:
    """A hash of what the list says about the entry: a cleared match stays cleared until this changes."""
    content = json.dumps([entity.source, entity.source_id, [(n.value, n.kind.value) for n in entity.names],
                          entity.programs, entity.countries, entity.dates_of_birth, entity.identifiers,
                          entity.addresses, entity.remarks, entity.list_name], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:32]


class SanctionsSource(Source):
    name: ClassVar[str] = "sanctions"
    needs: ClassVar[tuple[str, ...]] = ("company", "persons")
    online: ClassVar[bool] = False
    timeout: float = 60.0  # the first check of a process builds the index (a few seconds)

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    def _screener(self) -> Screener:
        return get_screener(self.settings.lists_dir)

    def warm_up(self) -> None:
        """Start loading the index now (server or chat start-up), not at the first check."""
        warm_up(self.settings.lists_dir)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        try:
            screener = await asyncio.to_thread(self._screener)
        except Exception as exc:  # unreadable lists: say so, never pretend "clear"
            raise SourceUnavailable(ctx.t("sanctions.unavailable", error=type(exc).__name__)) from exc
        subjects: list[tuple[str, str]] = []
        if request.company.strip():
            subjects.append(("company", request.company.strip()))
        subjects += [("person", p.strip()) for p in request.persons if p.strip()]
        findings: list[Finding] = []
        for kind, text in subjects:
            query = Query(text, type=kind, country=request.country)
            matches = screener.screen(query)
            for match in matches[:MAX_HITS_PER_NAME]:
                finding = self._hit(kind, text, query, match, ctx)
                finding.data["matches_for_name"] = len(matches)
                findings.append(finding)
        if not findings:
            findings.append(self._clear(subjects, screener, ctx))
        return findings

    def _hit(self, kind: str, text: str, query: Query, match: Match, ctx: CheckContext) -> Finding:
        entity = match.entity
        why = reasons(match, query, ctx.t)
        subject = ctx.t("sanctions.subject.company") if kind == "company" else ctx.t("sanctions.subject.person", name=text)
        return Finding(
            code="sanctions.hit",
            status=Status.FAIL,
            severity=Severity.CRITICAL,
            section=Section.RISK,
            title=ctx.t("sanctions.hit.title", subject=subject, listed=match.name, list=list_label(match, ctx.t),
                        score=f"{match.score:.0%}"),
            detail=ctx.t("sanctions.hit.detail", reasons="; ".join(why)),
            evidence=[Evidence(source=LIST_TITLES.get(entity.source, entity.source), url=entity.url)],
            data={
                "source": entity.source,
                "source_id": entity.source_id,
                "score": match.score,
                "list": list_label(match),
                "reasons": why,
                "query": text,
                "query_kind": kind,
                "name": match.name,
                "listed_name": match.name,
                "entry_version": entry_version(entity),
                "primary_name": entity.primary_name,
                "entity_type": entity.type.value,
                "programs": entity.programs,
                "countries": entity.countries,
            },
        )

    def _clear(self, subjects: list[tuple[str, str]], screener: Screener, ctx: CheckContext) -> Finding:
        sep = "、" if ctx.lang == "zh" else ", "  # names in Chinese are listed with the enumeration comma
        lists = sep.join(list_title(i.source, ctx.t) for i in screener.lists)
        dates = sep.join(f"{list_title(i.source, ctx.t)} {i.as_of}" for i in screener.lists)
        return Finding(
            code="sanctions.clear",
            status=Status.PASS,
            severity=Severity.INFO,
            section=Section.RISK,
            title=ctx.t("sanctions.clear.title"),
            detail=ctx.t("sanctions.clear.detail", names=", ".join(f"“{text}”" for _, text in subjects),
                         lists=lists, dates=dates),
            data={"screened": [text for _, text in subjects], "lists": {i.source: i.as_of for i in screener.lists}},
        )

    def lists_as_of(self) -> dict[str, str]:
        return {key: info.as_of for key, info in list_dates(self.settings.lists_dir).items()}

    def warnings(self, ctx: CheckContext) -> list[str]:
        infos = list_dates(self.settings.lists_dir)
        out = []
        stale = []
        for key, info in infos.items():
            days = age_days(info.as_of)
            if days is None or days > self.settings.list_max_age_days:
                stale.append(ctx.t("sanctions.warning.stale_item", list=list_title(key, ctx.t),
                                   as_of=info.as_of or "?", days=days if days is not None else "?"))
        if stale:  # one line for all of them: a card is not the place for five warnings
            out.append(ctx.t("sanctions.warning.stale", max_days=self.settings.list_max_age_days, lists="; ".join(stale)))
        missing = [list_title(key, ctx.t) for key in SOURCE_KEYS if key not in infos]
        if missing:
            out.append(ctx.t("sanctions.warning.missing", lists=("、" if ctx.lang == "zh" else ", ").join(missing)))
        return out
