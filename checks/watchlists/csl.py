"""The US Consolidated Screening List (trade.gov): one CSV with a header, one row per listed party.

It carries Commerce (Entity List, Unverified List, Military End User, Denied Persons) and State
(ITAR debarred, Nonproliferation) lists, plus copies of OFAC's lists. The OFAC copies are dropped here
because the OFAC files are loaded directly and are newer: a party is never listed twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from .common import country_code, decode, iso_date, unique
from .model import Entity, EntityType, Name, NameKind

CSL_FILE = "consolidated.csv"
_TYPES = {"individual": EntityType.PERSON, "vessel": EntityType.VESSEL, "aircraft": EntityType.AIRCRAFT,
          "entity": EntityType.ORGANIZATION}
# Short list names for the card; the CSL `source` column is long ("Entity List (EL) - Bureau of ...").
_SHORT = re.compile(r"^(.*?)\s*-\s*(Bureau of Industry and Security|State Department|Treasury Department)$")


def is_ofac_copy(source_column: str) -> bool:
    """Rows that duplicate the OFAC SDN and non-SDN files (every Treasury Department list)."""
    return "Treasury Department" in source_column


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


_ORG_WORDS = re.compile(
    r"\b(co|corp|corporation|zao|oao|ao|pao|pjsc|ojsc|cjsc|fze|fzco|llp|sas|sarl|spa|nv|kg|pte|pty|bhd|sdn|est|vp|company|companies|inc|ltd|limited|llc|gmbh|ag|sa|srl|bv|plc|jsc|ooo|group|"
    r"trading|industr\w*|international|institute|university|academy|center|centre|bureau|laboratory|"
    r"research|enterprises?|tech\w*|electronics?|engineering|services|systems|import|export|bank|"
    r"holdings?|factory|plant|ministry|organization|department|logistics|aviation|airlines?|shipping|"
    r"equipment|solutions|development|sciences?|chemicals?|materials|manufacturing|\w+ical|&)\b",
    re.IGNORECASE,
)


def _looks_like_person(name: str, row: Mapping[str, str]) -> bool:
    """Commerce/State rows have no type: a date of birth, or 2-4 plain words without any company word."""
    if row.get("dates_of_birth") or row.get("places_of_birth") or row.get("nationalities"):
        return True
    words = re.findall(r"[^\W\d_]+", name)
    plain = " ".join([name, row.get("alt_names") or ""]).replace(".", "")  # "S.A.", "L.L.C.", any a.k.a.
    return 2 <= len(words) <= 5 and not _ORG_WORDS.search(plain) and not re.search(r"\d", name)


def parse_csl(files: Mapping[str, bytes]) -> list[Entity]:
    reader = csv.DictReader(io.StringIO(decode(files[CSL_FILE])))
    entities: list[Entity] = []
    for row in reader:
        source_column = (row.get("source") or "").strip()
        name = (row.get("name") or "").strip()
        if not name or is_ofac_copy(source_column):
            continue
        row_type = (row.get("type") or "").strip().lower()
        if row_type in _TYPES:
            entity_type = _TYPES[row_type]
        else:
            entity_type = EntityType.PERSON if _looks_like_person(name, row) else EntityType.ORGANIZATION
        names = [Name(name, NameKind.PRIMARY)]
        names += [Name(alt, NameKind.AKA) for alt in _split(row.get("alt_names") or "") if alt.lower() != name.lower()]
        addresses = _split(row.get("addresses") or "")
        country_texts = [a.rsplit(",", 1)[-1] for a in addresses]
        country_texts += _split(row.get("nationalities") or "") + _split(row.get("citizenships") or "")
        codes = unique(code for text in country_texts for code in [country_code(text)] if code)
        match = _SHORT.match(source_column)
        list_name = match.group(1) if match else source_column
        entities.append(
            Entity(
                source="us_csl",
                source_id=(row.get("entity_number") or "").strip() or (row.get("_id") or "").strip(),
                type=entity_type,
                names=names,
                list_name=list_name,
                countries=codes,
                addresses=addresses,
                dates_of_birth=_split(row.get("dates_of_birth") or ""),
                identifiers=_split(row.get("ids") or ""),
                programs=_split(row.get("programs") or ""),
                remarks=" ".join(filter(None, [(row.get("remarks") or "").strip(),
                                               (row.get("license_requirement") or "").strip()])),
                listed_on=iso_date(row.get("start_date")),
                url=(row.get("source_information_url") or "").strip() or (row.get("source_list_url") or "").strip() or None,
            )
        )
    return entities
