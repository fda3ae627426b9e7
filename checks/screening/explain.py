"""Reasons a reviewer can follow, in the user's language: which words matched which, what was ignored,
what the country and type context said. Built from a `Match`, rendered with the catalog."""

from __future__ import annotations

from ..i18n import Translator
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


def list_label(match: Match) -> str:
    """'OFAC SDN (SDGT)', 'US CSL: Entity List (EL)', 'UN Security Council (Al-Qaida)'."""
    entity = match.entity
    title = LIST_TITLES.get(entity.source, entity.source)
    if entity.source == "us_csl" and entity.list_name:
        return f"{title}: {entity.list_name}"
    if entity.programs:
        return f"{title} ({', '.join(entity.programs[:3])})"
    return title


def reasons(match: Match, query: Query, t: Translator) -> list[str]:
    lines = [t(f"screening.reason.{pair.how}", query=pair.query, listed=pair.listed) for pair in match.pairs]
    legal = [word for word, why in match.ignored if why == "legal"]
    generic = [word for word, why in match.ignored if why in ("generic", "stop", "title")]
    if legal:
        lines.append(t("screening.reason.ignored_legal", words=", ".join(legal)))
    if generic:
        lines.append(t("screening.reason.ignored_generic", words=", ".join(generic)))
    if match.missing_query:
        lines.append(t("screening.reason.missing_query", words=", ".join(match.missing_query)))
    if match.missing_listed:
        lines.append(t("screening.reason.missing_listed", words=", ".join(match.missing_listed)))
    if match.name_kind is NameKind.AKA:
        lines.append(t("screening.reason.alias"))
    elif match.name_kind is NameKind.WEAK_AKA:
        lines.append(t("screening.reason.weak_alias"))
    elif match.name_kind is NameKind.FKA:
        lines.append(t("screening.reason.former_name"))
    countries = ", ".join(match.entity.countries[:6])
    if match.country == "agree":
        lines.append(t("screening.reason.country_agree", country=query.country, countries=countries))
    elif match.country == "differ":
        lines.append(t("screening.reason.country_differ", country=query.country, countries=countries))
    if match.type_mismatch:
        query_type = "person" if query.type == "person" else "company"
        lines.append(t("screening.reason.type_mismatch", listed_type=t(f"screening.type.{match.entity.type.value}"),
                       query_type=t(f"screening.type.{query_type}")))
    if match.entity.dates_of_birth and match.entity.type.value == "person":
        lines.append(t("screening.reason.dob", dob=", ".join(match.entity.dates_of_birth[:3])))
    return lines
