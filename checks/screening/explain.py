"""Reasons a reviewer can follow, in the user's language: which words matched which, what was ignored,
what the country and type context said. Built from a `Match`, rendered with the catalog."""

from __future__ import annotations

from ..countries import name_of
from ..i18n import Translator, has, lang_of, listed_date
from ..watchlists.model import NameKind
from .matcher import Match, Query

LIST_TITLES = {
    "us_ofac_sdn": "OFAC SDN",
    "us_ofac_cons": "OFAC Non-SDN",
    "us_csl": "US CSL",
    "un_sc": "UN Security Council",
    "eu_fsf": "EU Financial Sanctions",
    "uk_sl": "UK Sanctions List",
}

# The names under which the country-risk source reports its lists' dates (Report.lists_as_of keys).
COUNTRY_LIST_KEYS = {"FATF": "fatf", "EU AML high-risk": "eu_high_risk", "OFAC embargoes": "ofac_embargoes"}
MAX_COUNTRIES = 6  # a listing with more countries says "+N more" rather than fill the card


def list_title(key: str, t: Translator | None = None) -> str:
    """A list's name for people, in the reader's language: a `Report.lists_as_of` key or a list source
    (`un_sc`, `us_csl`, `FATF`, `EU AML high-risk`); without `t`, the English title (logs, JSON, CLI)."""
    slug = COUNTRY_LIST_KEYS.get(key, key)
    if t is not None and has(f"lists.{slug}"):
        return t(f"lists.{slug}")
    return LIST_TITLES.get(key, key)


def list_label(match: Match, t: Translator | None = None) -> str:
    """'OFAC SDN (SDGT)', 'US CSL: Entity List (EL)', 'UN Security Council (Al-Qaida)'."""
    entity = match.entity
    title = list_title(entity.source, t)
    if entity.source == "us_csl" and entity.list_name:
        return f"{title}: {entity.list_name}"
    if entity.programs:
        return f"{title} ({', '.join(entity.programs[:3])})"
    return title


def settle(match: Match, query: Query, t: Translator) -> str | None:
    """For a possible match, one line: why it is only possible and what settles it ("a common name; the
    listed person was born 1962 in Pakistan: ask for the contact's full name and date of birth")."""
    if getattr(match, "strength", "strong") != "possible":
        return None
    entity = match.entity
    lang = lang_of(t)
    sep = t("screening.settle.sep")
    listed_sep = t("sanctions.separator")
    doubts = []
    for doubt in match.doubts:
        if doubt == "partial":
            doubts.append(t("screening.settle.partial", words=listed_sep.join(match.missing_listed) or "…"))
        elif doubt == "country":
            doubts.append(t("screening.settle.country", countries=_countries(entity.countries, None, t, lang),
                            country=name_of(query.country, lang) or "?"))
        elif doubt == "type":
            query_type = "person" if query.type == "person" else "company"
            doubts.append(t("screening.settle.type", listed_type=t(f"screening.type.{entity.type.value}"),
                            query_type=t(f"screening.type.{query_type}")))
        else:
            doubts.append(t(f"screening.settle.{doubt}"))
    person = entity.type.value == "person"
    place = listed_sep.join(name_of(c, lang) if len(c) == 2 and c.isalpha() else c for c in entity.countries[:3])
    if person and entity.dates_of_birth:
        dob = listed_sep.join(listed_date(d, lang) for d in entity.dates_of_birth[:2])
        facts = t("screening.settle.born_in", dob=dob, place=place) if place else t("screening.settle.born", dob=dob)
    elif place and "country" not in match.doubts:
        facts = t("screening.settle.listed_in", place=place)
    else:
        facts = ""
    ask = t("screening.settle.ask_person" if person else "screening.settle.ask_company")
    if facts:
        return t("screening.settle.line", doubts=sep.join(doubts), facts=facts, ask=ask)
    return t("screening.settle.line_no_facts", doubts=sep.join(doubts), ask=ask)


def reasons(match: Match, query: Query, t: Translator) -> list[str]:
    """Why it matched, in t's language (country names and dates the reader's way)."""
    lang = lang_of(t)
    sep = t("sanctions.separator")
    lines = [t(f"screening.reason.{pair.how}", query=pair.query, listed=pair.listed) for pair in match.pairs]
    legal = [word for word, why in match.ignored if why == "legal"]
    generic = [word for word, why in match.ignored if why in ("generic", "stop", "title")]
    if legal:
        lines.append(t("screening.reason.ignored_legal", words=sep.join(legal)))
    if generic:
        lines.append(t("screening.reason.ignored_generic", words=sep.join(generic)))
    if match.missing_query:
        lines.append(t("screening.reason.missing_query", words=sep.join(match.missing_query)))
    if match.missing_listed:
        lines.append(t("screening.reason.missing_listed", words=sep.join(match.missing_listed)))
    if match.name_kind is NameKind.AKA:
        lines.append(t("screening.reason.alias"))
    elif match.name_kind is NameKind.WEAK_AKA:
        lines.append(t("screening.reason.weak_alias"))
    elif match.name_kind is NameKind.FKA:
        lines.append(t("screening.reason.former_name"))
    countries = _countries(match.entity.countries, query.country if match.country == "agree" else None, t, lang)
    country = name_of(query.country, lang) if query.country else ""
    if match.country == "agree":
        lines.append(t("screening.reason.country_agree", country=country, countries=countries))
    elif match.country == "differ":
        lines.append(t("screening.reason.country_differ", country=country, countries=countries))
    if match.type_mismatch:
        query_type = "person" if query.type == "person" else "company"
        lines.append(t("screening.reason.type_mismatch", listed_type=t(f"screening.type.{match.entity.type.value}"),
                       query_type=t(f"screening.type.{query_type}")))
    if match.entity.dates_of_birth and match.entity.type.value == "person":
        lines.append(t("screening.reason.dob", dob=sep.join(listed_date(d, lang) for d in match.entity.dates_of_birth[:3])))
    settled = settle(match, query, t)
    if settled:
        lines.insert(0, settled)
    return lines


def _countries(listed: list[str], matching: str | None, t: Translator, lang: str = "en") -> str:
    """The listed countries by name, the one that agrees with the buyer's first (it must never be cut off)."""
    ordered = list(listed)
    agreeing = [c for c in ordered if matching and c.upper() == matching.upper()]
    ordered = agreeing + [c for c in ordered if c not in agreeing]
    names = [name_of(c, lang) if len(c) == 2 and c.isalpha() else c for c in ordered[:MAX_COUNTRIES]]
    shown = t("sanctions.separator").join(names)
    if len(ordered) > MAX_COUNTRIES:
        shown += t("screening.reason.more_countries", n=len(ordered) - MAX_COUNTRIES)  # " +4 more" / "等另外 4 个"
    return shown
