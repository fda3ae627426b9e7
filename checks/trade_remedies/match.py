"""Which measures cover these goods: HS prefixes at each jurisdiction's precision, or product words.

National tariff lines extend the 6-digit HS code differently in each country (Canada's 7308.90.00.10
is not China's 7308.90.00.00), so codes are compared on at most their first 6 digits: the shared HS6
is a match, and the notice's product definition decides whether the goods are in. A shorter code
(a heading, a chapter) matches every measure under it, but only as "possible". Without a code,
product names are compared word by word, which never settles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import ANY_ORIGIN, UNKNOWN_ORIGIN, Coverage, Measure

EU_MEMBERS = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
IN_FORCE = ("anti_dumping", "countervailing", "undertaking", "safeguard", "ad_or_cvd")
HS6 = 6


def jurisdiction_of(country: str | None) -> str | None:
    """The trade-remedy authority for goods entering `country` (EU members share the EU's)."""
    if not country:
        return None
    country = country.upper()
    return "EU" if country in EU_MEMBERS else country


def normalize_hs(text: str) -> str | None:
    """'7308.90', '7308 90 00', '73.08' → digits; None unless 2 to 10 digits."""
    code = re.sub(r"[\s.\-]", "", text)
    return code if code.isdigit() and 2 <= len(code) <= 10 else None


@dataclass(frozen=True)
class Hit:
    measure: Measure
    by: str  # code | name
    query: str  # the user's HS code or the goods words that matched
    precision: str  # exact | hs6 | heading | chapter | name
    matched: tuple[str, ...] = ()  # the measure's codes that matched

    @property
    def settled(self) -> bool:
        """A code match at HS6 or finer, on a measure in force against this origin."""
        return (self.by == "code" and self.precision in ("exact", "hs6") and self.measure.type in IN_FORCE
                and self.measure.origin != UNKNOWN_ORIGIN)


def code_precision(query: str, code: str) -> str | None:
    """How `query` (the user's code) matches `code` (the measure's), or None."""
    depth = min(len(query), len(code), HS6)
    if depth < 2 or query[:depth] != code[:depth]:
        return None
    if len(query) >= len(code) and query.startswith(code):
        return "exact"  # the measure names the user's code or a code above it
    if depth == HS6:
        return "hs6"
    return "heading" if depth >= 4 else "chapter"


_RANK = {"exact": 0, "hs6": 1, "heading": 2, "chapter": 3}


def origin_applies(measure: Measure, origin: str) -> bool:
    return measure.origin in (origin, ANY_ORIGIN, UNKNOWN_ORIGIN)


def by_codes(measures: list[Measure], origin: str, codes: list[str]) -> list[Hit]:
    hits: list[Hit] = []
    for measure in measures:
        if not measure.codes or not origin_applies(measure, origin):
            continue
        for query in codes:
            found = [(p, c) for c in measure.codes if (p := code_precision(query, c))]
            if found:
                best = min(_RANK[p] for p, _ in found)
                precision = next(p for p in _RANK if _RANK[p] == best)
                hits.append(Hit(measure, "code", query, precision, tuple(sorted({c for p, c in found if p == precision}))))
                break
    return hits


# Words that say nothing about which goods a measure covers.
GENERIC = frozenset("""
a an and of or the for with from in on to by other others certain products product goods articles article parts part
thereof whether not including excluding type types made
steel iron metal alloy alloyed carbon stainless aluminum aluminium plastic plastics chemical materials material
""".split())


def words(text: str) -> set[str]:
    """Lower-case word stems (plural s off) without the generic ones."""
    out = set()
    for word in re.findall(r"[a-z][a-z\-]+", text.lower()):
        for part in word.split("-"):
            if len(part) < 3:
                continue
            stem = part[:-3] + "y" if part.endswith("ies") else part[:-1] if part.endswith("s") and not part.endswith("ss") else part
            if stem not in GENERIC and part not in GENERIC:
                out.add(stem)
    return out


def by_name(measures: list[Measure], origin: str, goods: str) -> list[Hit]:
    wanted = words(goods)
    if not wanted:
        return []
    hits = []
    for measure in measures:
        if not measure.product or not origin_applies(measure, origin):
            continue
        named = words(measure.product)
        common = wanted & named
        if common and len(common) * 2 >= len(named):  # most of what the measure names: not "bar" for "rebar"
            hits.append(Hit(measure, "name", " ".join(sorted(common)), "name"))
    return hits


def chapters_checked(coverage: Coverage, codes: list[str]) -> tuple[list[str], list[str]]:
    """(codes the jurisdiction's code data covers, codes it does not)."""
    if not coverage.code_data:
        return [], list(codes)
    if coverage.hs_chapters is None:
        return list(codes), []
    inside = [c for c in codes if c[:2] in coverage.hs_chapters]
    return inside, [c for c in codes if c not in inside]
