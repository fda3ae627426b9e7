"""Sanctions and export-control screening of the buyer and each named person, offline.

Screens `request.company` and every `request.persons` entry against the loaded lists (OFAC SDN and
non-SDN, US CSL, UN, EU and UK when downloaded). Matches of one listed party on several lists (the same
entity on SDN, non-SDN and the CSL) make ONE finding naming every list, every programme, the listed
primary name and the alias that matched, with addresses, identifiers and dates of birth in its data.
A strong match is a `sanctions.hit` (risk section, fail, critical: the decision is stop); a possible one
(the matcher's `strength`) a `sanctions.possible` (flag, high: verify first). No match gives one
`sanctions.clear`. The buyer's country ranks and explains matches; it never hides a strong one. Stale or
missing lists are card warnings in plain words (the admin command is in `Report.admin_notes`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from typing import Any, ClassVar

from ..config import Settings, get_settings
from ..engine import CheckContext, Source, SourceUnavailable
from ..i18n import Translator, cjk_spacing, has, listed_date
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest
from ..screening.explain import LIST_TITLES, list_title, reasons
from ..screening.matcher import Match, Query
from ..screening.normalize import TokenClass, tokenize
from ..screening.service import Screener, ScreeningService
from ..watchlists.model import Entity, EntityType, NameKind
from ..watchlists.store import SOURCE_KEYS, age_days, list_dates

MAX_HITS_PER_NAME = 5  # listed parties, the best ones; a card with ten Huawei subsidiaries says no more than five would
EXACT = 0.995  # at or above, the names are the same ("matches"); below, they are close ("closely resembles")
# The entry a grouped finding is keyed by (`source`, `source_id`): the first list of this order the party is on,
# so the key changes only when the party is added to a list that comes earlier (a real new listing).
LIST_ORDER = ("us_ofac_sdn", "un_sc", "eu_fsf", "uk_sl", "us_ofac_cons", "us_csl")
_OFAC = ("us_ofac_sdn", "us_ofac_cons")  # one numbering (ent_num) for both OFAC lists
_PARENTHESES = re.compile(r"\([^)]*\)")


def entry_version(entity: Entity) -> str:
    """A hash of what the list says about the entry: a cleared match stays cleared until this changes."""
    content = json.dumps([entity.source, entity.source_id, [(n.value, n.kind.value) for n in entity.names],
                          entity.programs, entity.countries, entity.dates_of_birth, entity.identifiers,
                          entity.addresses, entity.remarks, entity.list_name], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:32]


def party_version(entities: list[Entity]) -> str:
    """The version of a grouped party: its only entry's version, else a hash of every entry's version, so
    that a manager's "not this buyer" holds until any of the party's entries changes."""
    versions = sorted({entry_version(e) for e in entities})
    if len(versions) == 1:
        return versions[0]
    return "sha256:" + hashlib.sha256("|".join(versions).encode()).hexdigest()[:32]


# --- one listed party, several lists ---------------------------------------------------------------------
def name_keys(entity: Entity) -> set[str]:
    """The entity's names without legal forms and bracketed acronyms: `ROSOBORONEXPORT JSC`, `Rosoboronexport
    OJSC (ROE)` and `Rosoboronexport` all give `rosoboronexport`. Weak a.k.a.s are left out (too loose)."""
    person = entity.type is EntityType.PERSON
    keys = set()
    for name in entity.names:
        if name.kind is NameKind.WEAK_AKA:
            continue
        words = [tok.text for tok in tokenize(_PARENTHESES.sub(" ", name.value), person=person)
                 if tok.cls is not TokenClass.LEGAL]
        key = " ".join(sorted(words) if person else words)  # persons' names come in any order
        if len(key.replace(" ", "")) >= 4:
            keys.add(key)
    return keys


def _years(dates: list[str]) -> set[str]:
    return {y for d in dates for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", d)}


def same_party(a: Entity, b: Entity) -> bool:
    """Whether two entries describe one party: the list's own cross-reference (one OFAC number), or a shared
    name with nothing that tells them apart (other countries, other birth years, other types)."""
    if a.source == b.source and a.source_id == b.source_id:
        return True
    if a.source in _OFAC and b.source in _OFAC and a.source_id == b.source_id:
        return True
    if a.source == b.source:
        return False  # one list does not list one party twice
    if a.type is not b.type:
        return False
    if a.countries and b.countries and not set(a.countries) & set(b.countries):
        return False
    years_a, years_b = _years(a.dates_of_birth), _years(b.dates_of_birth)
    if years_a and years_b and not years_a & years_b:
        return False
    return bool(name_keys(a) & name_keys(b))


def _order(match: Match) -> tuple[int, float]:
    source = match.entity.source
    return (LIST_ORDER.index(source) if source in LIST_ORDER else len(LIST_ORDER), -match.score)


def group_matches(matches: list[Match]) -> list[list[Match]]:
    """Matches grouped by listed party, best party first; in a group, the key entry (LIST_ORDER) first."""
    parent = list(range(len(matches)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(matches)):
        for j in range(i + 1, len(matches)):
            if root(i) != root(j) and same_party(matches[i].entity, matches[j].entity):
                parent[root(j)] = root(i)
    groups: dict[int, list[Match]] = {}
    for i, match in enumerate(matches):
        groups.setdefault(root(i), []).append(match)
    ordered = [sorted(g, key=_order) for g in groups.values()]
    ordered.sort(key=lambda g: (-max(m.score for m in g), min(matches.index(m) for m in g)))
    return ordered


def strength_of(match: Match) -> str:
    """strong | possible, as the matcher says (a matcher without the notion makes every alert strong)."""
    value = getattr(match, "strength", "strong")
    return value if value in ("strong", "possible") else "strong"


# --- words -----------------------------------------------------------------------------------------------
def program_label(code: str, t: Translator) -> str:
    """A programme in words ("Russia: harmful foreign activities (EO 14024)"); an unknown code as published."""
    key = f"program.{code}"
    return t(key) if has(key) else code


def csl_list_label(name: str, t: Translator) -> str:
    key = f"csl_list.{name}"
    return t(key) if has(key) else name


def _list_words(source: str, sublists: list[str], t: Translator) -> str:
    """'OFAC SDN', 'US CSL (Entity List)': a list's name with the CSL's own list when there is one."""
    title = list_title(source, t)
    if source == "us_csl" and sublists:
        return t("sanctions.csl_sublists", list=title, sublists=_sep(t).join(csl_list_label(s, t) for s in sublists))
    return title


def _sep(t: Translator) -> str:
    return t("sanctions.separator")


class SanctionsSource(Source):
    name: ClassVar[str] = "sanctions"
    needs: ClassVar[tuple[str, ...]] = ("company", "persons")
    online: ClassVar[bool] = False
    timeout: float = 60.0  # the first check of a process builds the index (a few seconds)

    def __init__(self, settings: Settings | None = None, *, screening: ScreeningService | None = None,
                 screener: Screener | None = None) -> None:
        """`screening`: the loaded lists of whoever built the engine (`build_engine`, the runtime); made
        here over `settings.lists_dir` when not given. `screener`: screen with exactly these lists (the
        monitor's freshly loaded ones, a test's own) instead."""
        self.settings = settings or get_settings()
        self.screening = screening if screening is not None else ScreeningService(self.settings.lists_dir)
        self._given_screener = screener

    def _screener(self) -> Screener:
        if self._given_screener is not None:
            return self._given_screener
        return self.screening.screener()

    def warm_up(self) -> None:
        """Start loading the index now (server or chat start-up), not at the first check."""
        self.screening.warm_up()

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
            parties = group_matches(matches)
            for group in parties[:MAX_HITS_PER_NAME]:
                finding = self._party(kind, text, query, group, ctx)
                finding.data["matches_for_name"] = len(matches)
                finding.data["parties_for_name"] = len(parties)
                findings.append(finding)
        if not findings:
            findings.append(self._clear(subjects, screener, ctx))
        return findings

    def _party(self, kind: str, text: str, query: Query, group: list[Match], ctx: CheckContext) -> Finding:
        """One finding for one listed party, however many lists it is on."""
        t, zh = ctx.t, ctx.lang == "zh"
        key = group[0]  # the entry the finding is keyed by (LIST_ORDER)
        best = max(group, key=lambda m: m.score)
        entity = key.entity
        strong = any(strength_of(m) == "strong" for m in group)
        why = reasons(best, query, t)
        subject = t("sanctions.subject.company") if kind == "company" else t("sanctions.subject.person", name=text)
        sublists: dict[str, list[str]] = {}
        for match in group:
            names = sublists.setdefault(match.entity.source, [])
            if match.entity.list_name and match.entity.list_name not in names and match.entity.source == "us_csl":
                names.append(match.entity.list_name)
        lists_words = _sep(t).join(_list_words(source, subs, t) for source, subs in sublists.items())
        primary = entity.primary_name or best.name
        listed = primary if _same_name(primary, best.name) else t("sanctions.listed_alias", primary=primary,
                                                                     matched=best.name)
        code = "sanctions.hit" if strong else "sanctions.possible"  # possible: verify first, not stop
        status, severity = (Status.FAIL, Severity.CRITICAL) if strong else (Status.FLAG, Severity.HIGH)
        if not strong:
            title_key = "sanctions.possible.title"
        else:  # the same name "matches"; a close spelling only "closely matches" (疑似匹配, not 相符)
            title_key = "sanctions.hit.title" if best.score >= EXACT else "sanctions.hit.title_close"
        title = t(title_key, subject=subject, listed=listed, lists=lists_words, score=f"{best.score:.0%}")
        entries = [_entry(m) for m in group]
        listings = t("sanctions.entry_separator").join(_listing(m, t, ctx.lang) for m in group)
        detail_key = "sanctions.hit.detail" if strong else "sanctions.possible.detail"
        detail = t(detail_key, reasons=t("sanctions.reason_separator").join(why), listings=listings)
        entities = [m.entity for m in group]
        lists_en = [_list_words(source, subs, _english) for source, subs in sublists.items()]
        programs = _union(e.programs for e in entities)
        countries = _union(e.countries for e in entities)
        addresses = _union(e.addresses for e in entities)
        identifiers = _union(e.identifiers for e in entities)
        births = _union(e.dates_of_birth for e in entities)
        dates = sorted(e.listed_on for e in entities if e.listed_on)
        return Finding(
            code=code,
            status=status,
            severity=severity,
            section=Section.RISK,
            title=cjk_spacing(title) if zh else title,
            detail=cjk_spacing(detail) if zh else detail,
            evidence=[Evidence(source=LIST_TITLES.get(m.entity.source, m.entity.source), url=m.entity.url)
                      for m in group],
            data={
                # the key entry's fields, as every consumer (clear_match, list alerts, diff) reads them
                "source": entity.source,
                "source_id": entity.source_id,
                "score": best.score,
                "list": ", ".join(lists_en),
                "reasons": why,
                "query": text,
                "query_kind": kind,
                "name": best.name,
                "listed_name": best.name,
                "entry_version": party_version(entities),
                "primary_name": primary,
                "entity_type": entity.type.value,
                "programs": programs,
                "countries": countries,
                "strength": "strong" if strong else "possible",
                "matched_alias": best.name_kind is not NameKind.PRIMARY,
                # the whole party: every list and entry ("Not this buyer" clears them together), for Details
                "lists": lists_en,
                "entries": entries,
                "addresses": addresses,
                "identifiers": identifiers,
                "dates_of_birth": births,
                "listed_on": dates[0] if dates else None,
                "detail_lines": _detail_lines(addresses, identifiers, births, dates, t, ctx.lang),
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
            detail=ctx.t("sanctions.clear.detail", names=sep.join(f"“{text}”" for _, text in subjects),
                         lists=lists, dates=dates),
            data={"screened": [text for _, text in subjects], "lists": {i.source: i.as_of for i in screener.lists}},
        )

    def lists_as_of(self) -> dict[str, str]:
        return {key: info.as_of for key, info in list_dates(self.settings.lists_dir).items()}

    def _list_state(self, ctx: CheckContext) -> tuple[list[str], list[str]]:
        """(lists older than the allowed age, in words; lists with no copy)."""
        infos = list_dates(self.settings.lists_dir)
        stale = []
        for key, info in infos.items():
            days = age_days(info.as_of)
            if days is None or days > self.settings.list_max_age_days:
                stale.append(ctx.t("sanctions.warning.stale_item", list=list_title(key, ctx.t),
                                   as_of=info.as_of or "?", days=days if days is not None else "?"))
        missing = [list_title(key, ctx.t) for key in SOURCE_KEYS if key not in infos]
        return stale, missing

    def warnings(self, ctx: CheckContext) -> list[str]:
        """Plain words for the card (no commands: a salesperson cannot run them; see `admin_notes`)."""
        stale, missing = self._list_state(ctx)
        out = []
        if stale:  # one line for all of them: a card is not the place for five warnings
            out.append(ctx.t("sanctions.warning.stale", max_days=self.settings.list_max_age_days,
                             lists=ctx.t("sanctions.entry_separator").join(stale)))
        if missing:
            out.append(ctx.t("sanctions.warning.missing", lists=_sep(ctx.t).join(missing)))
        return out

    def admin_notes(self, ctx: CheckContext) -> list[str]:
        """What an administrator can do about the lists (Details and admin output only)."""
        stale, missing = self._list_state(ctx)
        return [ctx.t("sanctions.admin.update")] if stale or missing else []

def _english(key: str, **params: Any) -> str:
    from ..i18n import t as catalog

    return catalog(key, "en", **params)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _union(lists: Any) -> list[str]:
    out: dict[str, None] = {}
    for values in lists:
        for value in values or []:
            out.setdefault(value, None)
    return list(out)


def _entry(match: Match) -> dict[str, Any]:
    entity = match.entity
    return {
        "source": entity.source, "source_id": entity.source_id, "entry_version": entry_version(entity),
        "list": list_title(entity.source), "list_name": entity.list_name, "primary_name": entity.primary_name,
        "matched_name": match.name, "name_kind": match.name_kind.value, "score": match.score,
        "strength": strength_of(match), "programs": list(entity.programs), "listed_on": entity.listed_on,
        "countries": list(entity.countries), "url": entity.url,
    }


def _listing(match: Match, t: Translator, lang: str) -> str:
    """'OFAC SDN: Syria; Russia: harmful foreign activities (EO 14024)', '… listed 2022-03-03'."""
    entity = match.entity
    words = _list_words(entity.source, [entity.list_name] if entity.source == "us_csl" and entity.list_name else [], t)
    parts = [t("sanctions.listing", list=words, name=entity.primary_name)]
    if entity.programs:
        parts.append(t("sanctions.listing.programs",
                       programs=t("sanctions.program_separator").join(program_label(p, t) for p in entity.programs)))
    if entity.listed_on:
        parts.append(t("sanctions.listing.since", date=listed_date(entity.listed_on, lang)))
    return "".join(parts)


def _detail_lines(addresses: list[str], identifiers: list[str], births: list[str], dates: list[str],
                  t: Translator, lang: str) -> list[str]:
    """What Details show under the finding: addresses, identifiers, dates of birth, first listing date."""
    lines = [t("sanctions.details.address", address=a) for a in addresses[:5]]
    lines += [t("sanctions.details.identifier", identifier=i) for i in identifiers[:8]]
    if births:
        lines.append(t("sanctions.details.born", dates=t("sanctions.program_separator").join(
            listed_date(b, lang) for b in births[:5])))
    if dates:
        lines.append(t("sanctions.details.listed_on", date=listed_date(dates[0], lang)))
    return [cjk_spacing(line) for line in lines] if lang == "zh" else lines
