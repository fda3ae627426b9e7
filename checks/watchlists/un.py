"""The UN Security Council Consolidated List (XML, https://scsanctions.un.org/resources/xml/en/consolidated.xml).

INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY; REFERENCE_NUMBER (``QDi.017``) is the stable public id.
Aliases carry a QUALITY: 'Good'/'a.k.a.' are real a.k.a.s, 'Low' are weak, 'f.k.a.' former names.
NAME_ORIGINAL_SCRIPT (Arabic, Cyrillic...) is kept as an a.k.a. so that a query in that script matches.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .common import country_code, unique
from .model import Entity, EntityType, Name, NameKind

UN_FILE = "UN_consolidated.xml"
UN_SEARCH_URL = "https://scsanctions.un.org/search/"


def _text(element: ET.Element | None, tag: str) -> str:
    if element is None:
        return ""
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None and found.text else ""


def _values(element: ET.Element, tag: str) -> list[str]:
    return [" ".join(v.text.split()) for node in element.findall(tag) for v in node.findall("VALUE") if v.text and v.text.strip()]


def _alias_kind(quality: str) -> NameKind:
    quality = quality.strip().lower()
    if quality == "low":
        return NameKind.WEAK_AKA
    if quality.startswith("f.k.a") or quality == "fka":
        return NameKind.FKA
    return NameKind.AKA


def _dob(node: ET.Element) -> str:
    date = _text(node, "DATE")
    if date:
        return date[:10]
    year = _text(node, "YEAR")
    if year:
        return year
    start, end = _text(node, "FROM_YEAR"), _text(node, "TO_YEAR")
    return f"{start}-{end}" if start and end else ""


def _address(node: ET.Element) -> str:
    parts = [_text(node, tag) for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")]
    return ", ".join(p for p in parts if p)


def _entity(element: ET.Element, entity_type: EntityType, prefix: str) -> Entity | None:
    reference = _text(element, "REFERENCE_NUMBER")
    parts = [_text(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    primary = " ".join(p for p in parts if p)
    if not reference or not primary:
        return None
    names = [Name(primary, NameKind.PRIMARY)]
    for alias in element.findall(f"{prefix}_ALIAS"):
        value = _text(alias, "ALIAS_NAME")
        if value and value.lower() != primary.lower():
            names.append(Name(value, _alias_kind(_text(alias, "QUALITY"))))
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(Name(original, NameKind.AKA))
    addresses = [a for a in (_address(node) for node in element.findall(f"{prefix}_ADDRESS")) if a]
    country_texts = _values(element, "NATIONALITY") + [_text(n, "COUNTRY") for n in element.findall(f"{prefix}_ADDRESS")]
    codes = unique(code for text in country_texts if text for code in [country_code(text)] if code)
    documents = [
        " ".join(filter(None, [_text(d, "TYPE_OF_DOCUMENT"), _text(d, "NUMBER"), _text(d, "ISSUING_COUNTRY")]))
        for d in element.findall(f"{prefix}_DOCUMENT")
    ]
    return Entity(
        source="un_sc",
        source_id=reference,
        type=entity_type,
        names=names,
        list_name=f"UN {_text(element, 'UN_LIST_TYPE')}".strip(),
        countries=codes,
        addresses=addresses,
        dates_of_birth=unique(_dob(node) for node in element.findall(f"{prefix}_DATE_OF_BIRTH")),
        identifiers=unique(documents),
        programs=[_text(element, "UN_LIST_TYPE")] if _text(element, "UN_LIST_TYPE") else [],
        remarks=_text(element, "COMMENTS1"),
        listed_on=_text(element, "LISTED_ON")[:10] or None,
        url=UN_SEARCH_URL,
    )


def parse_un(files: Mapping[str, bytes]) -> list[Entity]:
    root = ET.fromstring(files[UN_FILE])
    entities: list[Entity] = []
    for element in root.iter("INDIVIDUAL"):
        entity = _entity(element, EntityType.PERSON, "INDIVIDUAL")
        if entity:
            entities.append(entity)
    for element in root.iter("ENTITY"):
        entity = _entity(element, EntityType.ORGANIZATION, "ENTITY")
        if entity:
            entities.append(entity)
    return entities


def generated_date(files: Mapping[str, bytes]) -> str | None:
    """The list's `dateGenerated` attribute (ISO date)."""
    head = files[UN_FILE][:2000].decode("utf-8", errors="replace")
    marker = 'dateGenerated="'
    index = head.find(marker)
    return head[index + len(marker): index + len(marker) + 10] if index >= 0 else None
